// Seccomp: linux.seccomp compiled to a BPF program in the parent, loaded in the child.
//
// The parent does all the work that can fail on a bad config (names, actions, operators,
// architectures, flags) with libseccomp and errors that name the JSON field, and keeps only
// the raw program. The child loads it with seccomp(2) directly: no libseccomp, no allocation,
// any SECCOMP_FILTER_FLAG_* the kernel has (libseccomp 2.5.4 lacks WAIT_KILLABLE_RECV).
#pragma once

#include <linux/filter.h>

#include <optional>
#include <string>
#include <vector>

#include "rt/oci/spec.hpp"
#include "security/step.hpp"

namespace rt::security {

struct CompiledSeccomp {
    std::vector<sock_filter> program;  // what seccomp_export_bpf() produced
    unsigned int flags = 0;            // SECCOMP_FILTER_FLAG_* given to seccomp(2)
    bool notify = false;               // SCMP_ACT_NOTIFY is used: flags has NEW_LISTENER
    std::string listener_path;         // linux.seccomp.listenerPath (notify only)
    std::optional<std::string> listener_metadata;
    std::vector<std::string> warnings;  // what was skipped (already logged)
};

// Compiles linux.seccomp for the native architecture plus config.architectures. Throws
// rt::Error(InvalidArgument) naming the field ("/linux/seccomp/syscalls/3/action: unknown
// action \"SCMP_ACT_FOO\""; callers prepend the origin with Error::context("config.json")).
// Unknown syscall names are skipped with a warning in the log, as runc does. Rules whose
// action equals the default action are dropped (they change nothing).
CompiledSeccomp compile_seccomp(const oci::Seccomp& config);

// Child side: loads the filter; *notify_fd receives the listener fd (O_CLOEXEC) when
// config.notify, else -1. Call it last, right before execve: every later syscall of rt is
// filtered. Needs no_new_privs or CAP_SYS_ADMIN in the effective set (prepare_process_security
// arranges that, see process_security.hpp).
StepResult load_seccomp(const CompiledSeccomp& filter, int* notify_fd) noexcept;

}  // namespace rt::security
