// cpu: shares, quota, period, burst, realtimeRuntime/Period, idle.
//   v1: cpu.shares, cpu.cfs_quota_us, cpu.cfs_period_us, cpu.cfs_burst_us,
//       cpu.rt_runtime_us, cpu.rt_period_us, cpu.idle
//   v2: cpu.weight (converted from shares), cpu.max "quota period", cpu.max.burst, cpu.idle;
//       realtime has no v2 equivalent (error).
#include "cgroup/controllers.hpp"
#include "cgroup/convert.hpp"
#include "cgroup/fs.hpp"

namespace rt::cgroup::detail {

namespace {

void apply_v1(const Target& t, const oci::CpuResources& c, const Fields& f) {
    if (c.shares && *c.shares != 0) {
        f.write(t, "cpu.shares", std::to_string(*c.shares), "/cpu/shares");
        // The kernel clamps silently; say so instead of running with another value.
        auto got = fs::read_u64_if_exists(fs::join(t.dir, "cpu.shares"));
        if (got && *got != *c.shares)
            throw f.error("/cpu/shares", std::to_string(*c.shares) +
                                             " is out of the kernel's range (it set " +
                                             std::to_string(*got) + "; allowed 2-262144)");
    }
    // A smaller period can be refused (EINVAL) while the old quota/new period ratio exceeds
    // the parent's: then set the quota first and retry the period (as runc does).
    // Burst must stay <= quota at each step: try it first, else after the quota.
    bool burst_pending = false;
    if (c.burst) {
        int err = f.try_write(t, "cpu.cfs_burst_us", std::to_string(*c.burst));
        if (err == EINVAL)
            burst_pending = true;
        else if (err != 0)
            f.write(t, "cpu.cfs_burst_us", std::to_string(*c.burst), "/cpu/burst");
    }
    bool period_pending = false;
    if (c.period && *c.period != 0) {
        int err = f.try_write(t, "cpu.cfs_period_us", std::to_string(*c.period));
        if (err == EINVAL && c.quota && *c.quota != 0)
            period_pending = true;
        else if (err != 0)
            f.write(t, "cpu.cfs_period_us", std::to_string(*c.period), "/cpu/period");
    }
    if (c.quota && *c.quota != 0)
        f.write(t, "cpu.cfs_quota_us", std::to_string(*c.quota > 0 ? *c.quota : -1), "/cpu/quota");
    if (period_pending) f.write(t, "cpu.cfs_period_us", std::to_string(*c.period), "/cpu/period");
    if (burst_pending) f.write(t, "cpu.cfs_burst_us", std::to_string(*c.burst), "/cpu/burst");
    if (c.realtimePeriod && *c.realtimePeriod != 0)
        f.write(t, "cpu.rt_period_us", std::to_string(*c.realtimePeriod), "/cpu/realtimePeriod");
    if (c.realtimeRuntime && *c.realtimeRuntime != 0)
        f.write(t, "cpu.rt_runtime_us", std::to_string(*c.realtimeRuntime), "/cpu/realtimeRuntime");
    if (c.idle) f.write(t, "cpu.idle", std::to_string(*c.idle), "/cpu/idle");
}

void apply_v2(const Target& t, const oci::CpuResources& c, const Fields& f) {
    if ((c.realtimeRuntime && *c.realtimeRuntime != 0) ||
        (c.realtimePeriod && *c.realtimePeriod != 0))
        throw f.error(c.realtimeRuntime ? "/cpu/realtimeRuntime" : "/cpu/realtimePeriod",
                      "realtime scheduling limits are not supported by cgroup v2",
                      ErrorKind::Unsupported);
    if (c.idle && *c.idle != 0) {
        // An idle cgroup has no weight; set idle and skip cpu.weight.
        f.write(t, "cpu.idle", std::to_string(*c.idle), "/cpu/idle");
    } else {
        if (c.shares && *c.shares != 0) {
            if (*c.shares < 2 || *c.shares > 262144)
                throw f.error("/cpu/shares",
                              "must be between 2 and 262144, got " + std::to_string(*c.shares));
            f.write(t, "cpu.weight", std::to_string(cpu_shares_to_weight(*c.shares)),
                    "/cpu/shares");
        }
        if (c.idle) f.write(t, "cpu.idle", "0", "/cpu/idle");
    }
    // Burst must stay <= quota at each step: try it first, else after cpu.max.
    bool burst_pending = false;
    if (c.burst) {
        int err = f.try_write(t, "cpu.max.burst", std::to_string(*c.burst));
        if (err == EINVAL)
            burst_pending = true;
        else if (err != 0)
            f.write(t, "cpu.max.burst", std::to_string(*c.burst), "/cpu/burst");
    }
    if (c.quota || (c.period && *c.period != 0)) {
        std::string current = "max";
        if (!c.quota) {
            // Only the period changes: keep the current quota rather than resetting it.
            if (auto text = fs::read_file_if_exists(fs::join(t.dir, "cpu.max"))) {
                auto words = fs::split_words(fs::trim(*text));
                if (!words.empty()) current = std::string(words[0]);
            }
        }
        f.write(t, "cpu.max", cpu_max(c.quota, c.period, current),
                c.quota ? "/cpu/quota" : "/cpu/period");
    }
    if (burst_pending) f.write(t, "cpu.max.burst", std::to_string(*c.burst), "/cpu/burst");
}

}  // namespace

void apply_cpu(const Target& t, const oci::CpuResources& c, const Fields& f) {
    if (t.v2)
        apply_v2(t, c, f);
    else
        apply_v1(t, c, f);
}

void apply_cpuset(const Target& t, const oci::CpuResources& c, const Fields& f) {
    // Same files on v1 and v2. Memory nodes first: tasks must always have somewhere to run.
    if (c.mems && !c.mems->empty()) f.write(t, "cpuset.mems", *c.mems, "/cpu/mems");
    if (c.cpus && !c.cpus->empty()) f.write(t, "cpuset.cpus", *c.cpus, "/cpu/cpus");
}

void init_cpuset_dirs(const std::vector<std::string>& created) {
    for (auto it = created.rbegin(); it != created.rend(); ++it) {
        std::string parent = it->substr(0, it->find_last_of('/'));
        for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
            std::string path = fs::join(*it, file);
            auto own = fs::read_file_if_exists(path);
            if (!own || !fs::trim(*own).empty()) continue;
            std::string value(fs::trim(fs::read_file(fs::join(parent, file))));
            if (!value.empty()) fs::write_file(path, value);
        }
    }
}

}  // namespace rt::cgroup::detail
