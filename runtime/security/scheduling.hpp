// CPU and I/O scheduling of the container process: process.scheduler (sched_setattr),
// process.ioPriority (ioprio_set), process.execCPUAffinity (sched_setaffinity) and
// linux.memoryPolicy (set_mempolicy). Plans are validated in the parent (errors name the
// field); apply_* run in the child.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rt/oci/spec.hpp"
#include "security/step.hpp"

namespace rt::security {

// A set of CPU or NUMA node numbers as a bitmask (bit N of word N/64 is number N).
struct IndexMask {
    std::vector<unsigned long> words;
    bool test(unsigned int n) const;
    bool empty() const;
};
// Parses a list such as "0-3,7" (spaces around items allowed). Throws rt::Error naming
// `pointer` on bad syntax, reversed ranges or numbers above `limit`.
IndexMask parse_index_list(std::string_view text, std::string_view pointer,
                           unsigned int limit = 8191);

struct SchedulerPlan {
    uint32_t policy = 0;  // SCHED_*
    uint64_t flags = 0;   // SCHED_FLAG_*
    int32_t nice = 0;
    uint32_t priority = 0;
    uint64_t runtime = 0, deadline = 0, period = 0;
};
SchedulerPlan plan_scheduler(const oci::Scheduler& config,
                             std::string_view pointer = "/process/scheduler");
// sched_setattr(0, ...): affects the calling process (and what it execs and forks).
StepResult apply_scheduler(const SchedulerPlan& plan) noexcept;

struct IoPriorityPlan {
    int value = 0;  // IOPRIO_PRIO_VALUE(class, level)
};
IoPriorityPlan plan_io_priority(const oci::IoPriority& config,
                                std::string_view pointer = "/process/ioPriority");
StepResult apply_io_priority(const IoPriorityPlan& plan) noexcept;

// sched_setaffinity(pid, mask); pid 0 is the caller.
StepResult apply_cpu_affinity(pid_t pid, const IndexMask& cpus) noexcept;

struct MemoryPolicyPlan {
    int mode = 0;  // MPOL_* | MPOL_F_* flags
    IndexMask nodes;
};
MemoryPolicyPlan plan_memory_policy(const oci::MemoryPolicy& config,
                                    std::string_view pointer = "/linux/memoryPolicy");
StepResult apply_memory_policy(const MemoryPolicyPlan& plan) noexcept;
// The MPOL_* modes and MPOL_F_* flags rt recognizes (for `rt features`).
std::vector<std::string> memory_policy_mode_names();
std::vector<std::string> memory_policy_flag_names();

}  // namespace rt::security
