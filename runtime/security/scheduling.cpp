#include "security/scheduling.hpp"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <string>

#include "rt/error.hpp"

namespace rt::security {
namespace {

constexpr unsigned kWordBits = sizeof(unsigned long) * CHAR_BIT;

[[noreturn]] void fail(std::string_view pointer, const std::string& reason) {
    throw Error(std::string(pointer) + ": " + reason, ErrorKind::InvalidArgument);
}

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

// Linux values (uapi linux/sched.h), spelled here: glibc's <sched.h> lacks SCHED_DEADLINE and
// the SCHED_FLAG_* names. SCHED_ISO (4) is reserved but not implemented by Linux.
struct Named {
    std::string_view name;
    uint64_t value;
};
constexpr std::array<Named, 7> kPolicies{{{"SCHED_OTHER", 0},
                                          {"SCHED_FIFO", 1},
                                          {"SCHED_RR", 2},
                                          {"SCHED_BATCH", 3},
                                          {"SCHED_ISO", 4},
                                          {"SCHED_IDLE", 5},
                                          {"SCHED_DEADLINE", 6}}};
constexpr std::array<Named, 7> kSchedFlags{{{"SCHED_FLAG_RESET_ON_FORK", 0x01},
                                            {"SCHED_FLAG_RECLAIM", 0x02},
                                            {"SCHED_FLAG_DL_OVERRUN", 0x04},
                                            {"SCHED_FLAG_KEEP_POLICY", 0x08},
                                            {"SCHED_FLAG_KEEP_PARAMS", 0x10},
                                            {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
                                            {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}}};
constexpr std::array<Named, 3> kIoClasses{
    {{"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3}}};
// Memory policy modes and flags (uapi linux/mempolicy.h; WEIGHTED_INTERLEAVE is Linux 6.9).
constexpr std::array<Named, 7> kMemModes{{{"MPOL_DEFAULT", 0},
                                          {"MPOL_PREFERRED", 1},
                                          {"MPOL_BIND", 2},
                                          {"MPOL_INTERLEAVE", 3},
                                          {"MPOL_LOCAL", 4},
                                          {"MPOL_PREFERRED_MANY", 5},
                                          {"MPOL_WEIGHTED_INTERLEAVE", 6}}};
constexpr uint64_t kStaticNodes = 1 << 15, kRelativeNodes = 1 << 14;
constexpr std::array<Named, 3> kMemFlags{{{"MPOL_F_NUMA_BALANCING", 1 << 13},
                                          {"MPOL_F_RELATIVE_NODES", kRelativeNodes},
                                          {"MPOL_F_STATIC_NODES", kStaticNodes}}};

template <size_t N>
std::optional<uint64_t> lookup(const std::array<Named, N>& table, std::string_view name) {
    for (const auto& entry : table)
        if (entry.name == name) return entry.value;
    return std::nullopt;
}

// struct sched_attr, SCHED_ATTR_SIZE_VER1 (with the utilization clamps).
struct SchedAttr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};
static_assert(sizeof(SchedAttr) == 56);

constexpr int kIoprioClassShift = 13;
constexpr int kIoprioWhoProcess = 1;

}  // namespace

bool IndexMask::test(unsigned int n) const {
    const size_t word = n / kWordBits;
    return word < words.size() && (words[word] >> (n % kWordBits)) & 1UL;
}

bool IndexMask::empty() const {
    for (unsigned long w : words)
        if (w != 0) return false;
    return true;
}

IndexMask parse_index_list(std::string_view text, std::string_view pointer, unsigned int limit) {
    IndexMask mask;
    auto trim = [](std::string_view s) {
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        return s;
    };
    auto number = [&](std::string_view s) {
        s = trim(s);
        unsigned int value = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size())
            fail(pointer, "invalid list " + quoted(text) + " (expected e.g. \"0-3,7\")");
        if (value > limit)
            fail(pointer, std::to_string(value) + " is out of range in " + quoted(text));
        return value;
    };
    if (trim(text).empty()) fail(pointer, "empty list");
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string_view item = text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        unsigned int first, last;
        size_t dash = item.find('-');
        if (dash == std::string_view::npos) {
            first = last = number(item);
        } else {
            first = number(item.substr(0, dash));
            last = number(item.substr(dash + 1));
            if (last < first) fail(pointer, "reversed range in " + quoted(text));
        }
        if (mask.words.size() <= last / kWordBits) mask.words.resize(last / kWordBits + 1, 0);
        for (unsigned int n = first; n <= last; ++n)
            mask.words[n / kWordBits] |= 1UL << (n % kWordBits);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return mask;
}

SchedulerPlan plan_scheduler(const oci::Scheduler& config, std::string_view pointer) {
    const std::string base(pointer);
    SchedulerPlan plan;
    auto policy = lookup(kPolicies, config.policy);
    if (!policy) fail(base + "/policy", "unknown policy " + quoted(config.policy));
    if (*policy == 4) fail(base + "/policy", "SCHED_ISO is not implemented by Linux");
    plan.policy = static_cast<uint32_t>(*policy);
    for (size_t i = 0; i < config.flags.size(); ++i) {
        auto flag = lookup(kSchedFlags, config.flags[i]);
        if (!flag)
            fail(base + "/flags/" + std::to_string(i), "unknown flag " + quoted(config.flags[i]));
        plan.flags |= *flag;
    }
    const int32_t nice = config.nice.value_or(0);
    if (nice < -20 || nice > 19) fail(base + "/nice", "must be between -20 and 19");
    plan.nice = nice;
    const int32_t priority = config.priority.value_or(0);
    const bool realtime = plan.policy == 1 || plan.policy == 2;
    if (realtime && (priority < 1 || priority > 99))
        fail(base + "/priority", "must be between 1 and 99 for " + config.policy);
    if (!realtime && priority != 0)
        fail(base + "/priority", "only SCHED_FIFO and SCHED_RR take a priority");
    plan.priority = static_cast<uint32_t>(priority);
    const bool deadline = plan.policy == 6;
    if (!deadline && (config.runtime || config.deadline || config.period))
        fail(base, "runtime, deadline and period are only for SCHED_DEADLINE");
    plan.runtime = config.runtime.value_or(0);
    plan.deadline = config.deadline.value_or(0);
    plan.period = config.period.value_or(0);
    return plan;
}

StepResult apply_scheduler(const SchedulerPlan& plan) noexcept {
    // Utilization clamp values are not in the spec: with SCHED_FLAG_UTIL_CLAMP_* they are 0,
    // as runc passes them.
    SchedAttr attr{};
    attr.size = sizeof attr;
    attr.sched_policy = plan.policy;
    attr.sched_flags = plan.flags;
    attr.sched_nice = plan.nice;
    attr.sched_priority = plan.priority;
    attr.sched_runtime = plan.runtime;
    attr.sched_deadline = plan.deadline;
    attr.sched_period = plan.period;
    if (::syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
        return step_error(errno, "sched_setattr (process.scheduler)");
    return step_ok();
}

IoPriorityPlan plan_io_priority(const oci::IoPriority& config, std::string_view pointer) {
    const std::string base(pointer);
    auto io_class = lookup(kIoClasses, config.ioClass);
    if (!io_class) fail(base + "/class", "unknown class " + quoted(config.ioClass));
    if (config.priority < 0 || config.priority > 7)
        fail(base + "/priority", "must be between 0 and 7");
    return {static_cast<int>(*io_class << kIoprioClassShift) | config.priority};
}

StepResult apply_io_priority(const IoPriorityPlan& plan) noexcept {
    if (::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, plan.value) < 0)
        return step_error(errno, "ioprio_set (process.ioPriority)");
    return step_ok();
}

StepResult apply_cpu_affinity(pid_t pid, const IndexMask& cpus) noexcept {
    if (::syscall(SYS_sched_setaffinity, pid, cpus.words.size() * sizeof(unsigned long),
                  cpus.words.data()) < 0)
        return step_error(errno, "sched_setaffinity (process.execCPUAffinity)");
    return step_ok();
}

MemoryPolicyPlan plan_memory_policy(const oci::MemoryPolicy& config, std::string_view pointer) {
    const std::string base(pointer);
    MemoryPolicyPlan plan;
    if (!config.mode) fail(base + "/mode", "required");
    auto mode = lookup(kMemModes, *config.mode);
    if (!mode) fail(base + "/mode", "unknown mode " + quoted(*config.mode));
    uint64_t flags = 0;
    for (size_t i = 0; i < config.flags.size(); ++i) {
        auto flag = lookup(kMemFlags, config.flags[i]);
        if (!flag)
            fail(base + "/flags/" + std::to_string(i), "unknown flag " + quoted(config.flags[i]));
        flags |= *flag;
    }
    if ((flags & kStaticNodes) && (flags & kRelativeNodes))
        fail(base + "/flags", "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
    const bool has_nodes = config.nodes && !config.nodes->empty();
    if (has_nodes) plan.nodes = parse_index_list(*config.nodes, base + "/nodes", 1023);
    switch (*mode) {
        case 0:  // DEFAULT
        case 4:  // LOCAL
            if (has_nodes) fail(base + "/nodes", *config.mode + " takes no nodes");
            if (flags != 0) fail(base + "/flags", *config.mode + " takes no flags");
            break;
        case 1:  // PREFERRED: no nodes means "local allocation"
            break;
        default:
            if (!has_nodes) fail(base + "/nodes", *config.mode + " needs at least one node");
    }
    plan.mode = static_cast<int>(*mode | flags);
    return plan;
}

StepResult apply_memory_policy(const MemoryPolicyPlan& plan) noexcept {
    // maxnode counts bits, and the kernel reads maxnode - 1 of them.
    const unsigned long maxnode = plan.nodes.words.size() * kWordBits + 1;
    if (::syscall(SYS_set_mempolicy, plan.mode,
                  plan.nodes.words.empty() ? nullptr : plan.nodes.words.data(),
                  plan.nodes.words.empty() ? 0UL : maxnode) < 0)
        return step_error(errno, "set_mempolicy (linux.memoryPolicy)");
    return step_ok();
}

std::vector<std::string> memory_policy_mode_names() {
    std::vector<std::string> out;
    out.reserve(std::size(kMemModes));
    for (const auto& entry : kMemModes) out.emplace_back(entry.name);
    return out;
}

std::vector<std::string> memory_policy_flag_names() {
    std::vector<std::string> out;
    out.reserve(std::size(kMemFlags));
    for (const auto& entry : kMemFlags) out.emplace_back(entry.name);
    return out;
}

}  // namespace rt::security
