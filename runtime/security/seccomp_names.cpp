#include "security/seccomp_names.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace rt::security {
namespace {

constexpr std::array kActions{
    SeccompActionName{"SCMP_ACT_KILL", SeccompAction::Kill, "kill_thread"},
    SeccompActionName{"SCMP_ACT_KILL_PROCESS", SeccompAction::KillProcess, "kill_process"},
    SeccompActionName{"SCMP_ACT_KILL_THREAD", SeccompAction::KillThread, "kill_thread"},
    SeccompActionName{"SCMP_ACT_TRAP", SeccompAction::Trap, "trap"},
    SeccompActionName{"SCMP_ACT_ERRNO", SeccompAction::Errno, "errno"},
    SeccompActionName{"SCMP_ACT_TRACE", SeccompAction::Trace, "trace"},
    SeccompActionName{"SCMP_ACT_ALLOW", SeccompAction::Allow, "allow"},
    SeccompActionName{"SCMP_ACT_LOG", SeccompAction::Log, "log"},
    SeccompActionName{"SCMP_ACT_NOTIFY", SeccompAction::Notify, "user_notif"},
};

constexpr std::array kOperators{
    SeccompOperatorName{"SCMP_CMP_NE", SCMP_CMP_NE},
    SeccompOperatorName{"SCMP_CMP_LT", SCMP_CMP_LT},
    SeccompOperatorName{"SCMP_CMP_LE", SCMP_CMP_LE},
    SeccompOperatorName{"SCMP_CMP_EQ", SCMP_CMP_EQ},
    SeccompOperatorName{"SCMP_CMP_GE", SCMP_CMP_GE},
    SeccompOperatorName{"SCMP_CMP_GT", SCMP_CMP_GT},
    SeccompOperatorName{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

// libseccomp's own names, so that a newer libseccomp brings its new architectures with it.
constexpr std::array kArchs{
    SeccompArchName{"SCMP_ARCH_X86", "x86"},
    SeccompArchName{"SCMP_ARCH_X86_64", "x86_64"},
    SeccompArchName{"SCMP_ARCH_X32", "x32"},
    SeccompArchName{"SCMP_ARCH_ARM", "arm"},
    SeccompArchName{"SCMP_ARCH_AARCH64", "aarch64"},
    SeccompArchName{"SCMP_ARCH_MIPS", "mips"},
    SeccompArchName{"SCMP_ARCH_MIPS64", "mips64"},
    SeccompArchName{"SCMP_ARCH_MIPS64N32", "mips64n32"},
    SeccompArchName{"SCMP_ARCH_MIPSEL", "mipsel"},
    SeccompArchName{"SCMP_ARCH_MIPSEL64", "mipsel64"},
    SeccompArchName{"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
    SeccompArchName{"SCMP_ARCH_PPC", "ppc"},
    SeccompArchName{"SCMP_ARCH_PPC64", "ppc64"},
    SeccompArchName{"SCMP_ARCH_PPC64LE", "ppc64le"},
    SeccompArchName{"SCMP_ARCH_S390", "s390"},
    SeccompArchName{"SCMP_ARCH_S390X", "s390x"},
    SeccompArchName{"SCMP_ARCH_PARISC", "parisc"},
    SeccompArchName{"SCMP_ARCH_PARISC64", "parisc64"},
    SeccompArchName{"SCMP_ARCH_RISCV64", "riscv64"},
    SeccompArchName{"SCMP_ARCH_LOONGARCH64", "loongarch64"},
    SeccompArchName{"SCMP_ARCH_M68K", "m68k"},
    SeccompArchName{"SCMP_ARCH_SH", "sh"},
    SeccompArchName{"SCMP_ARCH_SHEB", "sheb"},
};

constexpr std::array kFlags{
    SeccompFlagName{"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    SeccompFlagName{"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    SeccompFlagName{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    SeccompFlagName{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
                    SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

}  // namespace

std::span<const SeccompActionName> seccomp_action_names() {
    return kActions;
}

std::optional<SeccompAction> parse_seccomp_action(std::string_view name) {
    for (const auto& entry : kActions)
        if (entry.name == name) return entry.action;
    return std::nullopt;
}

std::string_view to_string(SeccompAction action) {
    for (const auto& entry : kActions)
        if (entry.action == action) return entry.name;
    return "SCMP_ACT_?";
}

bool takes_errno(SeccompAction action) {
    return action == SeccompAction::Errno || action == SeccompAction::Trace;
}

uint32_t seccomp_action_value(SeccompAction action, uint16_t data) {
    switch (action) {
        case SeccompAction::Kill:
        case SeccompAction::KillThread:
            return SCMP_ACT_KILL_THREAD;
        case SeccompAction::KillProcess:
            return SCMP_ACT_KILL_PROCESS;
        case SeccompAction::Trap:
            return SCMP_ACT_TRAP;
        case SeccompAction::Errno:
            return SCMP_ACT_ERRNO(data);
        case SeccompAction::Trace:
            return SCMP_ACT_TRACE(data);
        case SeccompAction::Allow:
            return SCMP_ACT_ALLOW;
        case SeccompAction::Log:
            return SCMP_ACT_LOG;
        case SeccompAction::Notify:
            return SCMP_ACT_NOTIFY;
    }
    return SCMP_ACT_KILL_PROCESS;
}

bool kernel_has_seccomp_action(SeccompAction action) {
    uint32_t value = seccomp_action_value(action, 0);
    return ::syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &value) == 0;
}

std::span<const SeccompOperatorName> seccomp_operator_names() {
    return kOperators;
}

std::optional<int> parse_seccomp_operator(std::string_view name) {
    for (const auto& entry : kOperators)
        if (entry.name == name) return entry.op;
    return std::nullopt;
}

std::span<const SeccompArchName> seccomp_arch_names() {
    return kArchs;
}

std::optional<uint32_t> resolve_seccomp_arch(std::string_view name) {
    for (const auto& entry : kArchs) {
        if (entry.name != name) continue;
        // libseccomp_name literals are NUL-terminated string_views over string literals.
        return seccomp_arch_resolve_name(entry.libseccomp_name.data());
    }
    return std::nullopt;
}

std::span<const SeccompFlagName> seccomp_flag_names() {
    return kFlags;
}

std::optional<unsigned int> parse_seccomp_flag(std::string_view name) {
    for (const auto& entry : kFlags)
        if (entry.name == name) return entry.flag;
    return std::nullopt;
}

bool kernel_has_seccomp_flag(unsigned int flag) {
    // WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER; TSYNC with NEW_LISTENER
    // would need TSYNC_ESRCH, so each flag is probed in the combination rt loads it with.
    unsigned int probe = flag;
    if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) probe |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, probe, nullptr);
    return rc < 0 && errno == EFAULT;
}

}  // namespace rt::security
