#include "security/process_security.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>

#include <cerrno>

#include "security/lsm.hpp"
#include "security/seccomp_cache.hpp"

namespace rt::security {

ProcessSecurity prepare_process_security(const oci::Process& process, const oci::Linux* linux,
                                         ProcessRole role, std::string_view process_pointer,
                                         const std::string& seccomp_cache_dir) {
    const std::string base(process_pointer);
    ProcessSecurity sec;

    check_lsm_support(process.apparmorProfile, base + "/apparmorProfile", process.selinuxLabel,
                      base + "/selinuxLabel", linux ? linux->mountLabel : std::nullopt);
    sec.apparmor_profile = process.apparmorProfile.value_or("");
    sec.selinux_label = process.selinuxLabel.value_or("");

    sec.capabilities = plan_capabilities(process.capabilities, base + "/capabilities");
    sec.no_new_privileges = process.noNewPrivileges;
    if (process.scheduler) sec.scheduler = plan_scheduler(*process.scheduler, base + "/scheduler");
    if (process.ioPriority)
        sec.io_priority = plan_io_priority(*process.ioPriority, base + "/ioPriority");
    // The spec: execCPUAffinity "is not applicable to the container's init process".
    if (role == ProcessRole::Exec && process.execCPUAffinity) {
        const auto& affinity = *process.execCPUAffinity;
        if (affinity.initial && !affinity.initial->empty())
            sec.cpu_affinity_initial =
                parse_index_list(*affinity.initial, base + "/execCPUAffinity/initial");
        // An empty final list means "leave it to the kernel" (spec).
        if (affinity.final && !affinity.final->empty())
            sec.cpu_affinity_final =
                parse_index_list(*affinity.final, base + "/execCPUAffinity/final");
    }

    if (linux != nullptr) {
        if (linux->personality) sec.personality = plan_personality(*linux->personality);
        if (linux->memoryPolicy) sec.memory_policy = plan_memory_policy(*linux->memoryPolicy);
        if (linux->seccomp) {
            sec.seccomp = compile_seccomp_cached(*linux->seccomp, seccomp_cache_dir);
            if (!sec.no_new_privileges && !(sec.capabilities.effective & cap_bit(CAP_SYS_ADMIN)))
                sec.held_for_seccomp = cap_bit(CAP_SYS_ADMIN);
        }
    }
    return sec;
}

StepResult apply_process_attributes(const ProcessSecurity& sec) noexcept {
    if (sec.personality)
        if (auto r = apply_personality(*sec.personality); !r) return r;
    if (sec.memory_policy)
        if (auto r = apply_memory_policy(*sec.memory_policy); !r) return r;
    if (sec.scheduler)
        if (auto r = apply_scheduler(*sec.scheduler); !r) return r;
    if (sec.io_priority)
        if (auto r = apply_io_priority(*sec.io_priority); !r) return r;
    if (auto r = apply_apparmor_profile(sec.apparmor_profile.c_str()); !r) return r;
    if (auto r = apply_selinux_label(sec.selinux_label.c_str()); !r) return r;
    return step_ok();
}

StepResult begin_user_switch(const ProcessSecurity& sec) noexcept {
    if (auto r = drop_bounding_set(sec.capabilities); !r) return r;
    return set_keep_caps(true);
}

StepResult apply_final_privileges(const ProcessSecurity& sec) noexcept {
    if (auto r = apply_capabilities(sec.capabilities, sec.held_for_seccomp); !r) return r;
    if (sec.no_new_privileges)
        if (auto r = set_no_new_privs(); !r) return r;
    if (sec.cpu_affinity_final)
        if (auto r = apply_cpu_affinity(0, *sec.cpu_affinity_final); !r) return r;
    return step_ok();
}

StepResult load_process_seccomp(const ProcessSecurity& sec, int* notify_fd) noexcept {
    if (notify_fd != nullptr) *notify_fd = -1;
    if (!sec.seccomp) return step_ok();
    return load_seccomp(*sec.seccomp, notify_fd);
}

StepResult finish_process_security(const ProcessSecurity& sec) noexcept {
    if (sec.held_for_seccomp == 0) return step_ok();
    return finish_capabilities(sec.capabilities);
}

StepResult set_no_new_privs() noexcept {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return step_error(errno, "prctl PR_SET_NO_NEW_PRIVS");
    return step_ok();
}

}  // namespace rt::security
