// Manager::stats and the runc-compatible events JSON. Per controller the numbers come from
// whichever hierarchy holds it (v1: cpuacct/cpu/memory/pids/blkio/hugetlb files, v2:
// cpu.stat, memory.*, pids.*, io.stat, hugetlb.*), converted to runc's units (ns, bytes).
#include <dirent.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <limits>

#include "cgroup/fs.hpp"
#include "cgroup/manager.hpp"

namespace rt::cgroup {

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

std::map<std::string, uint64_t> read_keyed(const std::string& dir, const char* file) {
    auto text = fs::read_file_if_exists(fs::join(dir, file));
    return text ? fs::parse_flat_keyed(*text) : std::map<std::string, uint64_t>{};
}

uint64_t read_u64(const std::string& dir, const std::string& file, uint64_t max_value = 0) {
    return fs::read_u64_if_exists(fs::join(dir, file), max_value).value_or(0);
}

std::vector<uint64_t> read_list(const std::string& dir, const char* file) {
    std::vector<uint64_t> out;
    if (auto text = fs::read_file_if_exists(fs::join(dir, file)))
        for (auto w : fs::split_words(*text))
            if (auto v = fs::parse_u64(w)) out.push_back(*v);
    return out;
}

void cpu_v1(const std::string& cpuacct, Stats& s) {
    auto& u = s.cpu.usage;
    u.total = read_u64(cpuacct, "cpuacct.usage");
    u.percpu = read_list(cpuacct, "cpuacct.usage_percpu");
    // cpuacct.usage_all: "cpu user system" per line, in ns.
    if (auto text = fs::read_file_if_exists(fs::join(cpuacct, "cpuacct.usage_all"))) {
        for (auto line : fs::split_lines(*text)) {
            auto w = fs::split_words(line);
            if (w.size() != 3 || !fs::parse_u64(w[0])) continue;  // header line
            u.percpu_user.push_back(fs::parse_u64(w[1]).value_or(0));
            u.percpu_kernel.push_back(fs::parse_u64(w[2]).value_or(0));
        }
    }
    // cpuacct.stat is in clock ticks.
    auto stat = read_keyed(cpuacct, "cpuacct.stat");
    static const uint64_t hz = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
    u.user = stat["user"] * (1000000000ULL / hz);
    u.kernel = stat["system"] * (1000000000ULL / hz);
}

void cpu_v2(const std::string& dir, Stats& s, bool throttling) {
    auto stat = read_keyed(dir, "cpu.stat");
    s.cpu.usage.total = stat["usage_usec"] * 1000;
    s.cpu.usage.user = stat["user_usec"] * 1000;
    s.cpu.usage.kernel = stat["system_usec"] * 1000;
    if (throttling) {
        s.cpu.throttling.periods = stat["nr_periods"];
        s.cpu.throttling.throttled_periods = stat["nr_throttled"];
        s.cpu.throttling.throttled_time = stat["throttled_usec"] * 1000;
    }
}

MemoryEntry v1_entry(const std::string& dir, const std::string& prefix) {
    MemoryEntry e;
    e.usage = read_u64(dir, prefix + ".usage_in_bytes");
    e.max = read_u64(dir, prefix + ".max_usage_in_bytes");
    e.limit = read_u64(dir, prefix + ".limit_in_bytes", kMax);
    e.failcnt = read_u64(dir, prefix + ".failcnt");
    return e;
}

void memory_v1(const std::string& dir, Stats& s) {
    auto& m = s.memory;
    m.usage = v1_entry(dir, "memory");
    m.swap = v1_entry(dir, "memory.memsw");
    m.kernel = v1_entry(dir, "memory.kmem");
    m.kernel_tcp = v1_entry(dir, "memory.kmem.tcp");
    m.raw = read_keyed(dir, "memory.stat");
    m.cache = m.raw.count("cache") ? m.raw["cache"] : 0;
    m.oom_kills = read_keyed(dir, "memory.oom_control")["oom_kill"];
}

void memory_v2(const std::string& dir, Stats& s) {
    auto& m = s.memory;
    m.usage.usage = read_u64(dir, "memory.current");
    m.usage.limit = read_u64(dir, "memory.max", kMax);
    m.usage.max = read_u64(dir, "memory.peak");
    auto events = read_keyed(dir, "memory.events");
    m.usage.failcnt = events["max"];
    m.oom_kills = events["oom_kill"];
    // v1 reports swap as memory+swap; keep that meaning (as runc does).
    if (auto swap = fs::read_u64_if_exists(fs::join(dir, "memory.swap.current"))) {
        m.swap.usage = *swap + m.usage.usage;
        uint64_t swap_max = read_u64(dir, "memory.swap.max", kMax);
        m.swap.limit = swap_max == kMax || m.usage.limit == kMax ? kMax : swap_max + m.usage.limit;
    }
    m.raw = read_keyed(dir, "memory.stat");
    m.cache = m.raw.count("file") ? m.raw["file"] : 0;
}

std::vector<BlkioEntry> blkio_v1_file(const std::string& path) {
    std::vector<BlkioEntry> out;
    auto text = fs::read_file_if_exists(path);
    if (!text) return out;
    for (auto line : fs::split_lines(*text)) {
        auto w = fs::split_words(line);  // "8:0 Read 4096"
        if (w.size() != 3) continue;
        size_t colon = w[0].find(':');
        if (colon == std::string_view::npos) continue;
        BlkioEntry e;
        e.major = fs::parse_u64(w[0].substr(0, colon)).value_or(0);
        e.minor = fs::parse_u64(w[0].substr(colon + 1)).value_or(0);
        e.op = std::string(w[1]);
        e.value = fs::parse_u64(w[2]).value_or(0);
        out.push_back(std::move(e));
    }
    return out;
}

void blkio_v1(const std::string& dir, Stats& s) {
    // CFQ's files when present, else BFQ's, else the throttle layer's (always there).
    for (const char* prefix : {"blkio.", "blkio.bfq.", "blkio.throttle."}) {
        std::string bytes = fs::join(dir, std::string(prefix) + "io_service_bytes_recursive");
        if (!fs::exists(bytes)) continue;
        s.blkio.io_service_bytes_recursive = blkio_v1_file(bytes);
        s.blkio.io_serviced_recursive =
            blkio_v1_file(fs::join(dir, std::string(prefix) + "io_serviced_recursive"));
        if (!s.blkio.io_service_bytes_recursive.empty() || std::string(prefix) == "blkio.throttle.")
            return;
    }
}

void blkio_v2(const std::string& dir, Stats& s) {
    auto text = fs::read_file_if_exists(fs::join(dir, "io.stat"));
    if (!text) return;
    for (auto line : fs::split_lines(*text)) {
        auto w = fs::split_words(line);  // "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"
        if (w.empty()) continue;
        size_t colon = w[0].find(':');
        if (colon == std::string_view::npos) continue;
        uint64_t major = fs::parse_u64(w[0].substr(0, colon)).value_or(0);
        uint64_t minor = fs::parse_u64(w[0].substr(colon + 1)).value_or(0);
        for (size_t i = 1; i < w.size(); ++i) {
            size_t eq = w[i].find('=');
            if (eq == std::string_view::npos) continue;
            auto key = w[i].substr(0, eq);
            uint64_t value = fs::parse_u64(w[i].substr(eq + 1)).value_or(0);
            auto add = [&](std::vector<BlkioEntry>& list, const char* op) {
                list.push_back({major, minor, op, value});
            };
            if (key == "rbytes")
                add(s.blkio.io_service_bytes_recursive, "Read");
            else if (key == "wbytes")
                add(s.blkio.io_service_bytes_recursive, "Write");
            else if (key == "dbytes")
                add(s.blkio.io_service_bytes_recursive, "Discard");
            else if (key == "rios")
                add(s.blkio.io_serviced_recursive, "Read");
            else if (key == "wios")
                add(s.blkio.io_serviced_recursive, "Write");
            else if (key == "dios")
                add(s.blkio.io_serviced_recursive, "Discard");
        }
    }
}

void hugetlb(const std::string& dir, bool v2, Stats& s) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    std::vector<std::string> sizes;
    const std::string suffix = v2 ? ".max" : ".limit_in_bytes";
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        // hugetlb.<size><suffix>, not hugetlb.<size>.rsvd<suffix>
        if (name.rfind("hugetlb.", 0) != 0 || name.size() <= 8 + suffix.size() ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        std::string size = name.substr(8, name.size() - 8 - suffix.size());
        if (size.find('.') == std::string::npos) sizes.push_back(size);
    }
    ::closedir(d);
    for (const auto& size : sizes) {
        HugetlbStats h;
        std::string p = "hugetlb." + size;
        if (v2) {
            h.usage = read_u64(dir, p + ".current");
            h.failcnt = read_keyed(dir, (p + ".events").c_str())["max"];
        } else {
            h.usage = read_u64(dir, p + ".usage_in_bytes");
            h.max = read_u64(dir, p + ".max_usage_in_bytes");
            h.failcnt = read_u64(dir, p + ".failcnt");
        }
        s.hugetlb[size] = h;
    }
}

void cpuset(const std::string& dir, bool v2, Stats& s) {
    auto read = [&](const char* file) {
        auto t = fs::read_file_if_exists(fs::join(dir, file));
        return t ? parse_cpu_list(*t) : std::vector<uint16_t>{};
    };
    s.cpuset.cpus = read(v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus");
    s.cpuset.mems = read(v2 ? "cpuset.mems.effective" : "cpuset.effective_mems");
    if (v2) return;
    for (const char* flag : {"cpu_exclusive", "mem_exclusive", "mem_hardwall", "memory_migrate",
                             "memory_spread_page", "memory_spread_slab", "memory_pressure",
                             "sched_load_balance", "sched_relax_domain_level"}) {
        auto text = fs::read_file_if_exists(fs::join(dir, std::string("cpuset.") + flag));
        if (text)
            if (auto v = fs::parse_i64(*text)) s.cpuset.flags[flag] = *v;
    }
}

}  // namespace

std::vector<uint16_t> parse_cpu_list(std::string_view text) {
    std::vector<uint16_t> out;
    text = fs::trim(text);
    while (!text.empty()) {
        size_t comma = text.find(',');
        auto part = text.substr(0, comma);
        size_t dash = part.find('-');
        auto lo = fs::parse_u64(part.substr(0, dash));
        auto hi = dash == std::string_view::npos ? lo : fs::parse_u64(part.substr(dash + 1));
        if (lo && hi && *lo <= *hi && *hi < 65536)
            for (uint64_t i = *lo; i <= *hi; ++i) out.push_back(static_cast<uint16_t>(i));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

Stats Manager::stats() const {
    Stats s;
    const Node* u = unified_node();
    if (const Node* acct = node_for("cpuacct"); acct && !acct->unified)
        cpu_v1(acct->dir, s);
    else if (u)
        cpu_v2(u->dir, s, u->has("cpu"));
    if (const Node* cpu = node_for("cpu"); cpu && !cpu->unified) {
        auto stat = read_keyed(cpu->dir, "cpu.stat");
        s.cpu.throttling.periods = stat["nr_periods"];
        s.cpu.throttling.throttled_periods = stat["nr_throttled"];
        s.cpu.throttling.throttled_time = stat["throttled_time"];
    }
    if (const Node* n = node_for("cpuset")) cpuset(n->dir, n->unified, s);
    if (const Node* n = node_for("memory"))
        n->unified ? memory_v2(n->dir, s) : memory_v1(n->dir, s);
    if (const Node* n = node_for("pids")) {
        s.pids.current = read_u64(n->dir, "pids.current");
        s.pids.limit = read_u64(n->dir, "pids.max", 0);
    }
    if (const Node* n = node_for("blkio"); n && !n->unified)
        blkio_v1(n->dir, s);
    else if (const Node* io = node_for("io"))
        blkio_v2(io->dir, s);
    if (const Node* n = node_for("hugetlb")) hugetlb(n->dir, n->unified, s);
    return s;
}

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Go's encoding/json "omitempty" on numbers: leave zeros out, as runc's output does.
void u64_oe(Writer& w, const char* key, uint64_t v) {
    if (v == 0) return;
    w.Key(key);
    w.Uint64(v);
}
void u64(Writer& w, const char* key, uint64_t v) {
    w.Key(key);
    w.Uint64(v);
}
template <typename T>
void list_oe(Writer& w, const char* key, const std::vector<T>& v) {
    if (v.empty()) return;
    w.Key(key);
    w.StartArray();
    for (auto x : v) w.Uint64(x);
    w.EndArray();
}

void memory_entry(Writer& w, const char* key, const MemoryEntry& e) {
    w.Key(key);
    w.StartObject();
    u64(w, "limit", e.limit);
    u64_oe(w, "usage", e.usage);
    u64_oe(w, "max", e.max);
    u64(w, "failcnt", e.failcnt);
    w.EndObject();
}

void blkio_list(Writer& w, const char* key, const std::vector<BlkioEntry>& list) {
    if (list.empty()) return;
    w.Key(key);
    w.StartArray();
    for (const auto& e : list) {
        w.StartObject();
        u64_oe(w, "major", e.major);
        u64_oe(w, "minor", e.minor);
        if (!e.op.empty()) {
            w.Key("op");
            w.String(e.op.c_str());
        }
        u64_oe(w, "value", e.value);
        w.EndObject();
    }
    w.EndArray();
}

}  // namespace

std::string stats_event_json(std::string_view id, const Stats& s) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("type");
    w.String("stats");
    w.Key("id");
    w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    w.Key("data");
    w.StartObject();

    w.Key("cpu");
    w.StartObject();
    w.Key("usage");
    w.StartObject();
    u64_oe(w, "total", s.cpu.usage.total);
    list_oe(w, "percpu", s.cpu.usage.percpu);
    list_oe(w, "percpu_kernel", s.cpu.usage.percpu_kernel);
    list_oe(w, "percpu_user", s.cpu.usage.percpu_user);
    u64(w, "kernel", s.cpu.usage.kernel);
    u64(w, "user", s.cpu.usage.user);
    w.EndObject();
    w.Key("throttling");
    w.StartObject();
    u64_oe(w, "periods", s.cpu.throttling.periods);
    u64_oe(w, "throttledPeriods", s.cpu.throttling.throttled_periods);
    u64_oe(w, "throttledTime", s.cpu.throttling.throttled_time);
    w.EndObject();
    w.EndObject();

    w.Key("cpuset");
    w.StartObject();
    list_oe(w, "cpus", s.cpuset.cpus);
    list_oe(w, "mems", s.cpuset.mems);
    for (const char* flag : {"cpu_exclusive", "mem_hardwall", "mem_exclusive", "memory_migrate",
                             "memory_spread_page", "memory_spread_slab", "memory_pressure",
                             "sched_load_balance", "sched_relax_domain_level"}) {
        auto it = s.cpuset.flags.find(flag);
        w.Key(flag);
        w.Int64(it == s.cpuset.flags.end() ? 0 : it->second);
    }
    w.EndObject();

    w.Key("memory");
    w.StartObject();
    u64_oe(w, "cache", s.memory.cache);
    memory_entry(w, "usage", s.memory.usage);
    memory_entry(w, "swap", s.memory.swap);
    memory_entry(w, "kernel", s.memory.kernel);
    memory_entry(w, "kernelTCP", s.memory.kernel_tcp);
    if (!s.memory.raw.empty()) {
        w.Key("raw");
        w.StartObject();
        for (const auto& [k, v] : s.memory.raw) u64(w, k.c_str(), v);
        w.EndObject();
    }
    w.EndObject();

    w.Key("pids");
    w.StartObject();
    u64_oe(w, "current", s.pids.current);
    u64_oe(w, "limit", s.pids.limit);
    w.EndObject();

    w.Key("blkio");
    w.StartObject();
    blkio_list(w, "ioServiceBytesRecursive", s.blkio.io_service_bytes_recursive);
    blkio_list(w, "ioServicedRecursive", s.blkio.io_serviced_recursive);
    w.EndObject();

    w.Key("hugetlb");
    w.StartObject();
    for (const auto& [size, h] : s.hugetlb) {
        w.Key(size.c_str());
        w.StartObject();
        u64_oe(w, "usage", h.usage);
        u64_oe(w, "max", h.max);
        u64(w, "failcnt", h.failcnt);
        w.EndObject();
    }
    w.EndObject();

    w.Key("intel_rdt");
    w.StartObject();
    w.EndObject();
    w.Key("network_interfaces");
    w.Null();

    w.EndObject();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

std::string oom_event_json(std::string_view id) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("type");
    w.String("oom");
    w.Key("id");
    w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace rt::cgroup
