#include "security/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include "base/fd.hpp"
#include "base/log.hpp"
#include "rt/error.hpp"
#include "security/seccomp_names.hpp"

namespace rt::security {
namespace {

constexpr const char* kBase = "/linux/seccomp";

struct ContextDeleter {
    void operator()(void* ctx) const noexcept { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

[[noreturn]] void fail(const std::string& pointer, const std::string& reason) {
    throw Error(pointer + ": " + reason, ErrorKind::InvalidArgument);
}

std::string quoted(const std::string& text) {
    return "\"" + text + "\"";
}

// The filter value of an action with its errnoRet, checking the spec's rule that errnoRet is
// an error for actions without a return value.
uint32_t action_value(const std::string& name, const std::optional<uint32_t>& errno_ret,
                      const std::string& action_pointer, const std::string& errno_pointer,
                      SeccompAction* parsed) {
    auto action = parse_seccomp_action(name);
    if (!action) fail(action_pointer, "unknown action " + quoted(name));
    if (errno_ret && !takes_errno(*action))
        fail(errno_pointer, "not allowed with " + name +
                                " (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE "
                                "return a value)");
    if (errno_ret && *errno_ret > 0xffff)
        fail(errno_pointer, std::to_string(*errno_ret) + " does not fit the 16-bit return value");
    if (!kernel_has_seccomp_action(*action))
        fail(action_pointer, name + " is not supported by this kernel");
    *parsed = *action;
    return seccomp_action_value(*action, static_cast<uint16_t>(errno_ret.value_or(EPERM)));
}

void add_architectures(void* ctx, const oci::Seccomp& config, std::vector<std::string>& warnings) {
    for (size_t i = 0; i < config.architectures.size(); ++i) {
        const std::string pointer = std::string(kBase) + "/architectures/" + std::to_string(i);
        const std::string& name = config.architectures[i];
        auto token = resolve_seccomp_arch(name);
        if (!token) fail(pointer, "unknown architecture " + quoted(name));
        if (*token == 0)
            fail(pointer, name + " is not supported by the libseccomp rt is built with");
        int rc = seccomp_arch_add(ctx, *token);
        if (rc == -EDOM) {
            // libseccomp cannot mix byte orders in one filter; a process of the other byte
            // order cannot run on this kernel anyway, so there is nothing to filter.
            std::string warning =
                pointer + ": " + name + " has another byte order than this machine, skipped";
            base::log_warning("seccomp: " + warning);
            warnings.push_back(std::move(warning));
            continue;
        }
        if (rc < 0 && rc != -EEXIST) throw Error(pointer + ": seccomp_arch_add " + name, -rc);
    }
}

unsigned int parse_flags(const oci::Seccomp& config) {
    unsigned int flags = 0;
    for (size_t i = 0; i < config.flags.size(); ++i) {
        const std::string pointer = std::string(kBase) + "/flags/" + std::to_string(i);
        auto flag = parse_seccomp_flag(config.flags[i]);
        if (!flag) fail(pointer, "unknown flag " + quoted(config.flags[i]));
        if (!kernel_has_seccomp_flag(*flag))
            fail(pointer, config.flags[i] + " is not supported by this kernel");
        flags |= *flag;
    }
    return flags;
}

std::vector<scmp_arg_cmp> conditions(const oci::Syscall& rule, const std::string& pointer) {
    std::vector<scmp_arg_cmp> out;
    for (size_t k = 0; k < rule.args.size(); ++k) {
        const auto& arg = rule.args[k];
        const std::string arg_pointer = pointer + "/args/" + std::to_string(k);
        auto op = parse_seccomp_operator(arg.op);
        if (!op) fail(arg_pointer + "/op", "unknown operator " + quoted(arg.op));
        if (arg.index > 5) fail(arg_pointer + "/index", "must be 0..5 (a syscall has 6 arguments)");
        // For SCMP_CMP_MASKED_EQ `value` is the mask and `valueTwo` the expected value, the
        // order of libseccomp's datum_a / datum_b (and runc's).
        out.push_back(scmp_arg_cmp{arg.index, static_cast<scmp_compare>(*op), arg.value,
                                   arg.valueTwo.value_or(0)});
    }
    return out;
}

bool unique_indexes(const std::vector<scmp_arg_cmp>& conds) {
    std::set<unsigned int> seen;
    for (const auto& c : conds)
        if (!seen.insert(c.arg).second) return false;
    return true;
}

std::vector<sock_filter> export_program(void* ctx) {
    base::UniqueFd fd(::memfd_create("rt-seccomp", MFD_CLOEXEC));
    if (!fd) throw Error("seccomp: memfd_create", errno);
    int rc = seccomp_export_bpf(ctx, fd.get());
    if (rc < 0) throw Error("seccomp: export the BPF program", -rc);
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) throw Error("seccomp: fstat the BPF program", errno);
    if (st.st_size <= 0 || st.st_size % sizeof(sock_filter) != 0 ||
        st.st_size / sizeof(sock_filter) > BPF_MAXINSNS)
        throw Error("seccomp: the filter has " + std::to_string(st.st_size / sizeof(sock_filter)) +
                        " instructions, the kernel takes at most " + std::to_string(BPF_MAXINSNS),
                    ErrorKind::InvalidArgument);
    std::vector<sock_filter> program(static_cast<size_t>(st.st_size) / sizeof(sock_filter));
    size_t done = 0;
    const size_t total = static_cast<size_t>(st.st_size);
    auto* bytes = reinterpret_cast<char*>(program.data());
    while (done < total) {
        ssize_t n = ::pread(fd.get(), bytes + done, total - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw Error("seccomp: read the BPF program", n < 0 ? errno : EIO);
        done += static_cast<size_t>(n);
    }
    return program;
}

}  // namespace

CompiledSeccomp compile_seccomp(const oci::Seccomp& config) {
    CompiledSeccomp out;

    SeccompAction default_action{};
    const uint32_t default_value = action_value(
        config.defaultAction, config.defaultErrnoRet, std::string(kBase) + "/defaultAction",
        std::string(kBase) + "/defaultErrnoRet", &default_action);
    // The agent could never be reached: rt's own syscalls after the load would wait for it.
    if (default_action == SeccompAction::Notify)
        fail(std::string(kBase) + "/defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");

    Context ctx(seccomp_init(default_value));
    if (!ctx) throw Error("seccomp: seccomp_init failed", ErrorKind::Generic);
    // rt sets no_new_privs itself (process.noNewPrivileges); the exported program ignores it.
    seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
    // A binary tree over syscall numbers: O(log n) per syscall for large profiles (Docker's
    // default has ~350 names), instead of a linear scan.
    seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);

    add_architectures(ctx.get(), config, out.warnings);
    out.flags = parse_flags(config);

    const int write_nr = seccomp_syscall_resolve_name("write");
    for (size_t i = 0; i < config.syscalls.size(); ++i) {
        const auto& rule = config.syscalls[i];
        const std::string pointer = std::string(kBase) + "/syscalls/" + std::to_string(i);
        SeccompAction action{};
        const uint32_t value = action_value(rule.action, rule.errnoRet, pointer + "/action",
                                            pointer + "/errnoRet", &action);
        if (rule.names.empty()) fail(pointer + "/names", "must contain at least one name");
        auto conds = conditions(rule, pointer);
        if (action == SeccompAction::Notify) out.notify = true;
        if (value == default_value) continue;  // same as the default: nothing to add

        for (size_t j = 0; j < rule.names.size(); ++j) {
            const std::string& name = rule.names[j];
            const std::string name_pointer = pointer + "/names/" + std::to_string(j);
            const int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) {
                std::string warning =
                    name_pointer + ": unknown syscall " + quoted(name) + ", rule skipped";
                base::log_warning("seccomp: " + warning);
                out.warnings.push_back(std::move(warning));
                continue;
            }
            // The child reports the listener fd to the parent with write(2) right after the
            // load; a notified write would wait for an agent that does not have the fd yet.
            if (action == SeccompAction::Notify && nr == write_nr)
                fail(name_pointer,
                     "SCMP_ACT_NOTIFY cannot be used for write (rt needs it to "
                     "hand the notify fd to the agent)");
            int rc = 0;
            if (conds.empty() || unique_indexes(conds)) {
                // All conditions on distinct arguments: one rule, conditions ANDed.
                rc = seccomp_rule_add_array(ctx.get(), value, nr,
                                            static_cast<unsigned int>(conds.size()),
                                            conds.empty() ? nullptr : conds.data());
            } else {
                // Several conditions on the same argument cannot be ANDed by libseccomp; as
                // runc does, each condition becomes its own rule (ORed).
                for (const auto& cond : conds) {
                    rc = seccomp_rule_add_array(ctx.get(), value, nr, 1, &cond);
                    if (rc < 0) break;
                }
            }
            if (rc < 0)
                throw Error(name_pointer + ": add rule for " + quoted(name), -rc,
                            ErrorKind::InvalidArgument);
        }
    }

    if (out.notify) {
        if (!config.listenerPath || config.listenerPath->empty())
            fail(std::string(kBase) + "/listenerPath", "required when SCMP_ACT_NOTIFY is used");
        out.listener_path = *config.listenerPath;
        out.listener_metadata = config.listenerMetadata;
        out.flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // TSYNC and NEW_LISTENER together need TSYNC_ESRCH (both report through the return).
        if (out.flags & SECCOMP_FILTER_FLAG_TSYNC) out.flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    } else {
        // config-linux.md: the listener is only used with SCMP_ACT_NOTIFY; without such a rule
        // listenerPath and its metadata are ignored (as runc does). Metadata without
        // listenerPath is still an error (MUST NOT be set).
        if (config.listenerMetadata && !config.listenerPath)
            fail(std::string(kBase) + "/listenerMetadata", "must not be set without listenerPath");
        if (out.flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
            // The flag only changes how notifications wait; the kernel refuses it without a
            // listener, and there is no listener without SCMP_ACT_NOTIFY.
            std::string warning = std::string(kBase) +
                                  "/flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV has no effect "
                                  "without SCMP_ACT_NOTIFY, ignored";
            base::log_warning("seccomp: " + warning);
            out.warnings.push_back(std::move(warning));
            out.flags &= ~static_cast<unsigned int>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
        }
    }

    out.program = export_program(ctx.get());
    return out;
}

StepResult load_seccomp(const CompiledSeccomp& filter, int* notify_fd) noexcept {
    if (notify_fd != nullptr) *notify_fd = -1;
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(filter.program.size());
    prog.filter = const_cast<sock_filter*>(filter.program.data());
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, filter.flags, &prog);
    if (rc < 0) {
        int err = errno;
        if (err == EACCES)
            return step_error(err, "seccomp: load filter (needs noNewPrivileges or CAP_SYS_ADMIN)");
        return step_error(err, "seccomp: load filter");
    }
    if (filter.notify) {
        if (notify_fd != nullptr)
            *notify_fd = static_cast<int>(rc);
        else
            ::close(static_cast<int>(rc));
    }
    return step_ok();
}

}  // namespace rt::security
