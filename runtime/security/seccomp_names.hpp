// The names config.json uses for seccomp (config-linux.md "Seccomp"), and what they mean.
//
// Pure tables, no system calls except where a function says it asks the kernel or libseccomp:
// used by the filter compiler, by `rt features`, and by unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace rt::security {

enum class SeccompAction { Kill, KillProcess, KillThread, Trap, Errno, Trace, Allow, Log, Notify };

struct SeccompActionName {
    std::string_view name;  // "SCMP_ACT_ERRNO"
    SeccompAction action;
    std::string_view kernel_name;  // as in /proc/sys/kernel/seccomp/actions_avail
};
std::span<const SeccompActionName> seccomp_action_names();
std::optional<SeccompAction> parse_seccomp_action(std::string_view name);
std::string_view to_string(SeccompAction action);
// ERRNO and TRACE carry a 16-bit value (errnoRet); the spec makes errnoRet an error elsewhere.
bool takes_errno(SeccompAction action);
// The filter return value (SECCOMP_RET_*, as libseccomp's SCMP_ACT_*) with data for ERRNO/TRACE.
uint32_t seccomp_action_value(SeccompAction action, uint16_t data);
// Whether the running kernel implements the action (seccomp(SECCOMP_GET_ACTION_AVAIL)).
bool kernel_has_seccomp_action(SeccompAction action);

struct SeccompOperatorName {
    std::string_view name;  // "SCMP_CMP_MASKED_EQ"
    int op;                 // enum scmp_compare
};
std::span<const SeccompOperatorName> seccomp_operator_names();
std::optional<int> parse_seccomp_operator(std::string_view name);

struct SeccompArchName {
    std::string_view name;             // "SCMP_ARCH_X86_64"
    std::string_view libseccomp_name;  // "x86_64", for seccomp_arch_resolve_name()
};
// Every architecture name of the runtime-spec (v1.3: libseccomp 2.6's list).
std::span<const SeccompArchName> seccomp_arch_names();
// The libseccomp token of a spec architecture name: nullopt if the name is not a spec name;
// 0 if the name is known but the linked libseccomp does not support it (2.5.4 lacks
// loongarch64, m68k, sh, sheb).
std::optional<uint32_t> resolve_seccomp_arch(std::string_view name);

struct SeccompFlagName {
    std::string_view name;  // "SECCOMP_FILTER_FLAG_LOG"
    unsigned int flag;      // SECCOMP_FILTER_FLAG_*
};
// The flags config.json may list (runtime-spec: TSYNC, LOG, SPEC_ALLOW, WAIT_KILLABLE_RECV).
std::span<const SeccompFlagName> seccomp_flag_names();
std::optional<unsigned int> parse_seccomp_flag(std::string_view name);
// Whether the running kernel accepts the flag: seccomp(2) validates flags before it reads the
// program, so a null program answers EFAULT for a known flag and EINVAL for an unknown one.
bool kernel_has_seccomp_flag(unsigned int flag);

}  // namespace rt::security
