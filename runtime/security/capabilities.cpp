#include "security/capabilities.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "base/log.hpp"
#include "rt/error.hpp"
#include "rt/oci/names.hpp"

namespace rt::security {
namespace {

// Index = capability number (the oci table is ordered so; its unit test checks the headers).
constexpr oci::names::List kNames = oci::names::kCapabilities;

int read_last_cap() {
    int fd = ::open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[16] = {};
        ssize_t n = ::read(fd, buf, sizeof buf - 1);
        ::close(fd);
        if (n > 0) {
            int value = std::atoi(buf);
            if (value > 0 && value < 64) return value;
        }
    }
    // No /proc (unusual for a runtime): assume the kernel knows every capability rt does.
    return static_cast<int>(kNames.size()) - 1;
}

struct CapHeader {
    uint32_t version;
    int pid;
};
struct CapData {
    uint32_t effective, permitted, inheritable;
};

int capset_masks(CapabilityMask effective, CapabilityMask permitted,
                 CapabilityMask inheritable) noexcept {
    CapHeader header{_LINUX_CAPABILITY_VERSION_3, 0};
    CapData data[2] = {
        {static_cast<uint32_t>(effective), static_cast<uint32_t>(permitted),
         static_cast<uint32_t>(inheritable)},
        {static_cast<uint32_t>(effective >> 32), static_cast<uint32_t>(permitted >> 32),
         static_cast<uint32_t>(inheritable >> 32)},
    };
    return static_cast<int>(::syscall(SYS_capset, &header, data));
}

CapabilityMask mask_names(const std::optional<std::vector<std::string>>& names,
                          const std::string& pointer, int last_cap,
                          std::vector<std::string>* warnings) {
    CapabilityMask mask = 0;
    if (!names) return mask;
    for (size_t i = 0; i < names->size(); ++i) {
        const std::string& name = (*names)[i];
        const std::string item = pointer + "/" + std::to_string(i);
        auto cap = parse_capability(name);
        if (!cap) {
            // config.md: a value that cannot be mapped MUST be logged as a warning, and runtimes
            // SHOULD NOT fail for capabilities they cannot grant (runc and crun skip it too).
            if (warnings)
                warnings->push_back(item + ": unknown capability \"" + name + "\", ignored");
            continue;
        }
        if (*cap > last_cap) {
            if (warnings)
                warnings->push_back(item + ": " + name +
                                    " is not supported by this kernel, ignored");
            continue;
        }
        mask |= cap_bit(*cap);
    }
    return mask;
}

void warn_dropped(CapabilityMask dropped, const std::string& what,
                  std::vector<std::string>* warnings) {
    if (dropped == 0 || warnings == nullptr) return;
    std::string list;
    for (size_t cap = 0; cap < kNames.size(); ++cap) {
        if (!(dropped & cap_bit(static_cast<int>(cap)))) continue;
        if (!list.empty()) list += ", ";
        list += kNames[cap];
    }
    warnings->push_back(what + ": " + list);
}

}  // namespace

oci::names::List capability_names() {
    return kNames;
}

std::optional<int> parse_capability(std::string_view name) {
    if (auto i = oci::names::index_of(kNames, name)) return static_cast<int>(*i);
    return std::nullopt;
}

int kernel_last_capability() {
    static const int last = read_last_cap();
    return last;
}

std::vector<std::string> kernel_capability_names() {
    std::vector<std::string> out;
    const int last = kernel_last_capability();
    for (int cap = 0; cap <= last && cap < static_cast<int>(kNames.size()); ++cap)
        out.emplace_back(kNames[static_cast<size_t>(cap)]);
    return out;
}

CapabilityPlan plan_capabilities(const std::optional<oci::Capabilities>& config,
                                 std::string_view pointer, int last_cap,
                                 std::vector<std::string>* warnings,
                                 std::vector<std::string>* notes) {
    CapabilityPlan plan;
    plan.last_cap = last_cap;
    if (!config) return plan;
    const std::string base(pointer);
    plan.bounding = mask_names(config->bounding, base + "/bounding", last_cap, warnings);
    plan.effective = mask_names(config->effective, base + "/effective", last_cap, warnings);
    plan.permitted = mask_names(config->permitted, base + "/permitted", last_cap, warnings);
    plan.inheritable = mask_names(config->inheritable, base + "/inheritable", last_cap, warnings);
    plan.ambient = mask_names(config->ambient, base + "/ambient", last_cap, warnings);

    // The kernel refuses these combinations outright (capset EPERM, PR_CAP_AMBIENT_RAISE
    // EPERM); the spec asks for a warning, not a failure, for what cannot be granted.
    const CapabilityMask bad_effective = plan.effective & ~plan.permitted;
    warn_dropped(bad_effective, base + "/effective: not in the permitted set, ignored", warnings);
    plan.effective &= plan.permitted;
    // capset refuses an inheritable capability outside the bounding set (and the old
    // inheritable set, which is empty for rt).
    const CapabilityMask bad_inheritable = plan.inheritable & ~plan.bounding;
    warn_dropped(bad_inheritable, base + "/inheritable: not in the bounding set, ignored",
                 warnings);
    plan.inheritable &= plan.bounding;
    const CapabilityMask bad_ambient = plan.ambient & ~(plan.permitted & plan.inheritable);
    warn_dropped(bad_ambient, base + "/ambient: not in both permitted and inheritable, ignored",
                 notes);
    plan.ambient &= plan.permitted & plan.inheritable;
    return plan;
}

CapabilityPlan plan_capabilities(const std::optional<oci::Capabilities>& config,
                                 std::string_view pointer) {
    std::vector<std::string> warnings, notes;
    CapabilityPlan plan =
        plan_capabilities(config, pointer, kernel_last_capability(), &warnings, &notes);
    for (const auto& w : warnings) base::log_warning("capabilities: " + w);
    for (const auto& n : notes) base::log_debug("capabilities: " + n);
    return plan;
}

StepResult drop_bounding_set(const CapabilityPlan& plan) noexcept {
    for (int cap = 0; cap <= plan.last_cap; ++cap) {
        if (plan.bounding & cap_bit(cap)) continue;
        // Drop first (one system call per capability); only a refused drop asks whether the
        // capability is there at all: dropping an absent one needs no CAP_SETPCAP.
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
        int err = errno;
        if (err == EINVAL) break;  // past the kernel's last capability
        if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0) continue;
        return step_error(err, "drop capability %d from the bounding set", cap);
    }
    return step_ok();
}

StepResult set_keep_caps(bool keep) noexcept {
    if (::prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) < 0)
        return step_error(errno, "prctl PR_SET_KEEPCAPS");
    return step_ok();
}

StepResult apply_capabilities(const CapabilityPlan& plan, CapabilityMask extra) noexcept {
    if (auto r = set_keep_caps(false); !r) return r;
    if (capset_masks(plan.effective | extra, plan.permitted | extra, plan.inheritable) < 0)
        return step_error(errno, "capset");
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return step_error(errno, "prctl PR_CAP_AMBIENT_CLEAR_ALL");
    for (int cap = 0; cap <= plan.last_cap; ++cap) {
        if (!(plan.ambient & cap_bit(cap))) continue;
        if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return step_error(errno, "raise ambient capability %d", cap);
    }
    return step_ok();
}

StepResult finish_capabilities(const CapabilityPlan& plan) noexcept {
    if (capset_masks(plan.effective, plan.permitted, plan.inheritable) < 0)
        return step_error(errno, "capset (after loading seccomp: the filter must allow capset)");
    return step_ok();
}

StepResult read_capabilities(CapabilityState* out) noexcept {
    CapHeader header{_LINUX_CAPABILITY_VERSION_3, 0};
    CapData data[2] = {};
    if (::syscall(SYS_capget, &header, data) < 0) return step_error(errno, "capget");
    out->effective = data[0].effective | (CapabilityMask{data[1].effective} << 32);
    out->permitted = data[0].permitted | (CapabilityMask{data[1].permitted} << 32);
    out->inheritable = data[0].inheritable | (CapabilityMask{data[1].inheritable} << 32);
    return step_ok();
}

}  // namespace rt::security
