// Resource usage of a container's cgroup, in the shape of runc's `events` JSON
// (types/events.go in runc): {"type":"stats","id":...,"data":{"cpu":...,"memory":...}}.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rt::cgroup {

struct CpuUsage {
    uint64_t total = 0;  // nanoseconds
    std::vector<uint64_t> percpu, percpu_kernel, percpu_user;
    uint64_t kernel = 0, user = 0;
};

struct Throttling {
    uint64_t periods = 0, throttled_periods = 0, throttled_time = 0;  // time in ns
};

struct CpuStats {
    CpuUsage usage;
    Throttling throttling;
};

struct MemoryEntry {
    uint64_t limit = 0, usage = 0, max = 0, failcnt = 0;
};

struct MemoryStats {
    uint64_t cache = 0;
    MemoryEntry usage, swap, kernel, kernel_tcp;
    std::map<std::string, uint64_t> raw;  // memory.stat
    uint64_t oom_kills = 0;               // not in runc's JSON; for callers and tests
};

struct PidsStats {
    uint64_t current = 0, limit = 0;  // limit 0: unlimited
};

struct BlkioEntry {
    uint64_t major = 0, minor = 0;
    std::string op;
    uint64_t value = 0;
};

struct BlkioStats {
    std::vector<BlkioEntry> io_service_bytes_recursive, io_serviced_recursive;
};

struct HugetlbStats {
    uint64_t usage = 0, max = 0, failcnt = 0;
};

struct CpusetStats {
    std::vector<uint16_t> cpus, mems;      // effective
    std::map<std::string, int64_t> flags;  // v1 cpuset.<flag> files, by their JSON name
};

struct Stats {
    CpuStats cpu;
    CpusetStats cpuset;
    MemoryStats memory;
    PidsStats pids;
    BlkioStats blkio;
    std::map<std::string, HugetlbStats> hugetlb;  // by page size: "2MB"
};

// {"type":"stats","id":"<id>","data":{...}} on one line, as `runc events` prints it.
std::string stats_event_json(std::string_view id, const Stats& stats);
// {"type":"oom","id":"<id>"}
std::string oom_event_json(std::string_view id);

// "0-3,5" -> {0,1,2,3,5}; ignores junk.
std::vector<uint16_t> parse_cpu_list(std::string_view text);

}  // namespace rt::cgroup
