#include "security/features.hpp"

#include "security/capabilities.hpp"
#include "security/scheduling.hpp"
#include "security/seccomp_names.hpp"

namespace rt::security {

void fill_security_features(oci::Features::Linux& linux) {
    linux.capabilities = kernel_capability_names();

    auto& seccomp = linux.seccomp;
    seccomp.enabled = true;
    seccomp.actions.clear();
    for (const auto& entry : seccomp_action_names())
        if (kernel_has_seccomp_action(entry.action)) seccomp.actions.emplace_back(entry.name);
    seccomp.operators.clear();
    for (const auto& entry : seccomp_operator_names()) seccomp.operators.emplace_back(entry.name);
    seccomp.archs.clear();
    for (const auto& entry : seccomp_arch_names()) {
        auto token = resolve_seccomp_arch(entry.name);
        if (token && *token != 0) seccomp.archs.emplace_back(entry.name);
    }
    seccomp.knownFlags.clear();
    seccomp.supportedFlags.clear();
    for (const auto& entry : seccomp_flag_names()) {
        seccomp.knownFlags.emplace_back(entry.name);
        if (kernel_has_seccomp_flag(entry.flag)) seccomp.supportedFlags.emplace_back(entry.name);
    }

    linux.apparmor = true;
    linux.selinux = true;
    linux.memoryPolicy =
        oci::Features::Linux::MemoryPolicy{memory_policy_mode_names(), memory_policy_flag_names()};
}

}  // namespace rt::security
