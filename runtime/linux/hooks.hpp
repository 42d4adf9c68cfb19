// OCI hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"): each hook is
// executed with its path/args/env, receives the container state JSON on stdin, and must exit
// 0 within `timeout` seconds. Its stdout/stderr are captured (not mixed into the container's
// stdio, which engines read) and quoted in the error.
//
// Where they run (runtime.md):
//   prestart, createRuntime: runtime namespaces, during create, after the namespaces exist
//                            and before pivot_root (parent, at sync point RunHooks)
//   createContainer:         container namespaces, before pivot_root (the init)
//   startContainer:          container namespaces, after start, before exec (the init)
//   poststart:               runtime namespaces, after the process started (rt start)
//   poststop:                runtime namespaces, at delete (failures only warn)
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "rt/oci/spec.hpp"

namespace rt::linux {

// Runtime-namespace hooks (rt's side) must not outlive a killed rt (docs/security.md "Crash
// consistency"). Each one:
//   - dies with rt: PR_SET_PDEATHSIG(SIGKILL), set before it can run;
//   - leads its own process group, so that what it forks (PDEATHSIG is not inherited, and
//     is cleared by a set-uid exec) can be found and killed as one;
//   - is recorded, before it may run (it waits on a pipe until then), as hook.<pid> holding
//     its start time in `dirfd` (the container's state dir; -1: not recorded), and the
//     record is removed once it is reaped. A record left behind means rt died while the hook
//     ran: delete kills the group (kill_recorded_hooks).
// On timeout the whole group is killed. After a hook exits, what it left running is left
// alone, as runc does (a hook may start a daemon on purpose); so is a descendant that leaves
// the group (setsid). Not a cgroup per hook: that is a mkdir on some hierarchy, with its own
// crash consistency, for every hook of every container; a group id costs nothing.
struct HookTracking {
    int dirfd = -1;
};

// Child-safe without tracking: runs one hook; on failure writes one line into err and
// returns false. A hook without "env" gets an empty environment, or rt's own with
// inherit_env (runtime namespace). tracking: rt's side only (never in a cloned child).
bool run_hook(const oci::Hook& hook, const char* state, size_t state_len, char* err, size_t errlen,
              bool inherit_env = false, const HookTracking* tracking = nullptr) noexcept;

// Child-safe without tracking: runs a list in order, stops at the first failure
// ("createContainer[1] /x: ...").
bool run_hook_list(const std::vector<oci::Hook>& hooks, const char* kind, const char* state,
                   size_t state_len, char* err, size_t errlen, bool inherit_env = false,
                   const HookTracking* tracking = nullptr) noexcept;

// Parent side (runtime namespace, rt's environment for hooks without "env", tracked as
// above in record_dirfd): throws rt::Error "hook createRuntime[0] /bin/x: exit status 1:
// <output>".
void run_hooks(const std::vector<oci::Hook>& hooks, const char* kind, const std::string& state,
               int record_dirfd);

// Parent side, for poststop (runtime.md step 13): every hook runs; a failing one is logged as
// a warning and the remaining ones still run.
void run_hooks_warning_on_failure(const std::vector<oci::Hook>& hooks, const char* kind,
                                  const std::string& state, int record_dirfd);

// Kills (SIGKILL) and waits for (bounded) the process groups of hooks recorded in dirfd by
// an rt that died while they ran, and removes the records. Returns what it could not do.
std::vector<std::string> kill_recorded_hooks(int dirfd) noexcept;

}  // namespace rt::linux
