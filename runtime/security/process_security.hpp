// ProcessSecurity: everything rt::security applies to a container process, prepared in the
// parent and applied by the child in a fixed order.
//
// Parent (throws rt::Error naming the JSON field; callers add the origin, e.g.
// e.context("config.json")):
//     ProcessSecurity sec = prepare_process_security(*spec.process, spec.linux ? &*spec.linux
//                                                    : nullptr, ProcessRole::ContainerInit);
//
// Child, after the mounts and pivot_root (with the container's /proc mounted), in this order:
//     apply_process_attributes(sec)  personality, memory policy, scheduler, ioPriority and the
//                                    AppArmor/SELinux labels for execve: while rt still holds
//                                    every capability (RT scheduling needs CAP_SYS_NICE)
//     begin_user_switch(sec)         drop the bounding set, PR_SET_KEEPCAPS
//     set_user_ids(uid, gid, ...)    identity.hpp
//     (lifecycle: chdir to process.cwd, verify it, close stray fds)
//     apply_final_privileges(sec)    capabilities (ambient last), no_new_privs, final CPU affinity
//     (lifecycle: wait for `rt start` here, so that the exec fifo is not filtered)
//     load_process_seccomp(sec, &fd) the seccomp filter, last
//     if fd >= 0: write(2) the fd number to the parent, wait for its ack, close(fd)
//                 (parent: take_fd_from_process + send_to_seccomp_agent, seccomp_agent.hpp)
//     finish_process_security(sec)   drop CAP_SYS_ADMIN if it was held for the filter load
//     execve
//
// Why the seccomp load can be last even with noNewPrivileges false: loading a filter needs
// no_new_privs or CAP_SYS_ADMIN. When neither would be there at that point, apply_final_
// privileges keeps CAP_SYS_ADMIN in effective/permitted (sec.held_for_seccomp) and
// finish_process_security drops it with one capset after the load; so the filter must allow
// capset in that case (Docker's default profile does), instead of allowing every setup
// syscall after it (runc's approach: load early when no_new_privs is off).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rt/oci/spec.hpp"
#include "security/capabilities.hpp"
#include "security/identity.hpp"
#include "security/personality.hpp"
#include "security/scheduling.hpp"
#include "security/seccomp.hpp"
#include "security/step.hpp"

namespace rt::security {

enum class ProcessRole {
    ContainerInit,  // the container's first process (rt create)
    Exec,           // a process started in a running container (rt exec)
};

struct ProcessSecurity {
    CapabilityPlan capabilities;
    bool no_new_privileges = false;
    std::optional<CompiledSeccomp> seccomp;
    CapabilityMask held_for_seccomp = 0;  // capabilities kept until the filter is loaded
    std::string apparmor_profile;         // empty: unchanged
    std::string selinux_label;            // empty: unchanged
    std::optional<PersonalityPlan> personality;
    std::optional<SchedulerPlan> scheduler;
    std::optional<IoPriorityPlan> io_priority;
    std::optional<IndexMask> cpu_affinity_initial;  // exec only (spec: not for the init)
    std::optional<IndexMask> cpu_affinity_final;    // exec only
    std::optional<MemoryPolicyPlan> memory_policy;
};

// Validates and pre-computes the security of one process. `linux` is the container's
// config.linux (seccomp, personality, memoryPolicy, mountLabel); `process_pointer` is where
// `process` sits in its document: "/process" in config.json, "" in an `rt exec --process`
// file. Unknown syscall names and capabilities the kernel lacks are logged as warnings.
// `seccomp_cache_dir` (e.g. "<--root>/seccomp-cache"; empty: none) keeps compiled filters
// across invocations (seccomp_cache.hpp).
ProcessSecurity prepare_process_security(const oci::Process& process, const oci::Linux* linux,
                                         ProcessRole role,
                                         std::string_view process_pointer = "/process",
                                         const std::string& seccomp_cache_dir = {});

// ---- child side, in the order above

StepResult apply_process_attributes(const ProcessSecurity& sec) noexcept;
StepResult begin_user_switch(const ProcessSecurity& sec) noexcept;
StepResult apply_final_privileges(const ProcessSecurity& sec) noexcept;
// No-op (notify_fd = -1) without linux.seccomp.
StepResult load_process_seccomp(const ProcessSecurity& sec, int* notify_fd) noexcept;
StepResult finish_process_security(const ProcessSecurity& sec) noexcept;

// prctl(PR_SET_NO_NEW_PRIVS, 1).
StepResult set_no_new_privs() noexcept;

}  // namespace rt::security
