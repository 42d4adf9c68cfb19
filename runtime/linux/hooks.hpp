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

// Child-safe: runs one hook; on failure writes one line into err and returns false. A hook
// without "env" gets an empty environment, or rt's own with inherit_env (runtime namespace).
bool run_hook(const oci::Hook& hook, const char* state, size_t state_len, char* err, size_t errlen,
              bool inherit_env = false) noexcept;

// Child-safe: runs a list in order, stops at the first failure ("createContainer[1] /x: ...").
bool run_hook_list(const std::vector<oci::Hook>& hooks, const char* kind, const char* state,
                   size_t state_len, char* err, size_t errlen, bool inherit_env = false) noexcept;

// Parent side (runtime namespace, rt's environment for hooks without "env"): throws rt::Error "hook
// createRuntime[0] /bin/x: exit status 1: <output>".
void run_hooks(const std::vector<oci::Hook>& hooks, const char* kind, const std::string& state);

// Parent side, for poststop (runtime.md step 13): every hook runs; a failing one is logged as
// a warning and the remaining ones still run.
void run_hooks_warning_on_failure(const std::vector<oci::Hook>& hooks, const char* kind,
                                  const std::string& state);

}  // namespace rt::linux
