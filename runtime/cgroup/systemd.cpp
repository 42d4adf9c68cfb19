#include "cgroup/systemd.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <map>

#include "base/fd.hpp"
#include "cgroup/convert.hpp"
#include "cgroup/fs.hpp"
#include "rt/error.hpp"

extern char** environ;

namespace rt::cgroup::systemd {

namespace {

constexpr uint64_t kInfinity = UINT64_MAX;  // systemd's "infinity" for limits

std::string u64(uint64_t v) {
    return std::to_string(v);
}

// "0-2,4" -> the little-endian bitmask systemd takes for AllowedCPUs/AllowedMemoryNodes.
// Throws on a malformed list (the cgroupfs writer names the field for the same value).
std::string list_to_mask_hex(const std::string& list, const std::string& field) {
    std::vector<uint8_t> bytes;
    auto set = [&](unsigned long bit) {
        if (bit / 8 >= bytes.size()) bytes.resize(bit / 8 + 1, 0);
        bytes[bit / 8] = static_cast<uint8_t>(bytes[bit / 8] | (1u << (bit % 8)));
    };
    size_t pos = 0;
    while (pos < list.size()) {
        size_t comma = list.find(',', pos);
        std::string part =
            list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        pos = comma == std::string::npos ? list.size() : comma + 1;
        if (part.empty()) continue;
        char* end = nullptr;
        unsigned long first = std::strtoul(part.c_str(), &end, 10);
        unsigned long last = first;
        if (*end == '-') last = std::strtoul(end + 1, &end, 10);
        if (*end || last < first || last > 8191)
            throw Error(field + ": invalid list \"" + list + "\"", ErrorKind::InvalidArgument);
        for (unsigned long b = first; b <= last; ++b) set(b);
    }
    static const char* digits = "0123456789abcdef";
    std::string hex;
    for (uint8_t b : bytes) {
        hex += digits[b >> 4];
        hex += digits[b & 15];
    }
    return hex;
}

// The name /proc/devices gives a major number ("pts" for 136), for systemd's "char-pts".
std::string device_group(char type, int64_t major) {
    auto text = fs::read_file_if_exists("/proc/devices");
    if (!text) return {};
    bool in_section = false;
    for (auto line : fs::split_lines(*text)) {
        if (line == "Character devices:" || line == "Block devices:") {
            in_section = (line[0] == 'C') == (type == 'c');
            continue;
        }
        auto words = fs::split_words(line);
        if (in_section && words.size() == 2 && fs::parse_i64(words[0]) == major)
            return std::string(words[1]);
    }
    return {};
}

// DevicePolicy/DeviceAllow as runc maps them. systemd's list can only allow, so it is the
// union of the allow rules: a superset of what the rules let through. rt still attaches its
// own eBPF program with the exact rules inside the delegated scope, and the kernel lets a
// device through only when every program does, so the rules are enforced exactly.
void device_properties(const std::vector<oci::DeviceCgroupRule>& rules,
                       std::vector<std::string>& out) {
    std::vector<std::string> allow;
    for (const auto& r : rules) {
        if (!r.allow) continue;
        std::string type = r.type.value_or("a");
        std::string access = r.access.value_or("rwm");
        bool any_major = !r.major || *r.major < 0, any_minor = !r.minor || *r.minor < 0;
        if (type == "a") {
            if (any_major && any_minor && access.find('r') != std::string::npos &&
                access.find('w') != std::string::npos && access.find('m') != std::string::npos) {
                // everything is allowed: no device program from systemd at all
                out.push_back("DevicePolicy=s:auto");
                return;
            }
            allow.push_back("char-*," + access);
            allow.push_back("block-*," + access);
            continue;
        }
        const char* kind = type == "b" ? "block" : "char";
        if (any_major) {
            allow.push_back(std::string(kind) + "-*," + access);
        } else if (any_minor) {
            std::string group = device_group(type[0], *r.major);
            allow.push_back(std::string(kind) + "-" + (group.empty() ? "*" : group) + "," + access);
        } else {
            allow.push_back("/dev/" + std::string(kind) + "/" + std::to_string(*r.major) + ":" +
                            std::to_string(*r.minor) + "," + access);
        }
    }
    out.push_back("DevicePolicy=s:strict");
    std::string list;
    for (const auto& a : allow) list += (list.empty() ? "" : ";") + a;
    out.push_back("DeviceAllow=a(ss):" + list);
}

// CPUQuotaPerSecUSec from quota/period, as runc computes it: systemd keeps the quota per
// second in 10 ms steps, so it is rounded up to one.
void cpu_quota_properties(std::optional<int64_t> quota, std::optional<uint64_t> period,
                          std::vector<std::string>& out) {
    if (period && *period) out.push_back("CPUQuotaPeriodUSec=t:" + u64(*period));
    if (!quota || *quota == 0) return;
    uint64_t per_sec = kInfinity;
    if (*quota > 0) {
        uint64_t p = period && *period ? *period : 100000;
        per_sec = static_cast<uint64_t>(*quota) * 1000000 / p;
        if (per_sec % 10000) per_sec = (per_sec / 10000 + 1) * 10000;
    }
    out.push_back("CPUQuotaPerSecUSec=t:" + u64(per_sec));
}

[[noreturn]] void helper_failed(const std::string& what, const std::string& output, int status) {
    std::string why = output;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (why.rfind("rt-systemd: ", 0) == 0) why = why.substr(12);
    if (why.empty())
        why = WIFEXITED(status)
                  ? "rt-systemd exited with " + std::to_string(WEXITSTATUS(status))
                  : "rt-systemd was killed by signal " + std::to_string(WTERMSIG(status));
    throw Error("systemd: " + why, ErrorKind::Generic).context(what);
}

void run_helper(const std::string& what, std::vector<std::string> args) {
    std::string exe = helper_path();
    args.insert(args.begin(), "rt-systemd");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error("systemd: pipe", errno).context(what);
    base::UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw Error("systemd: run " + exe, rc).context(what);
    write_end.reset();
    std::string output;
    char buf[1024];
    for (;;) {
        ssize_t n = ::read(read_end.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (output.size() < 4096) output.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) helper_failed(what, output, status);
}

bool executable(const std::string& path) {
    return ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

bool running() noexcept {
    struct stat st {};
    return ::lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

void require_running() {
    if (!running())
        throw Error(
            "--systemd-cgroup: systemd is not running on this host (no /run/systemd/system); "
            "use the default cgroupfs driver",
            ErrorKind::Unsupported);
}

std::vector<std::string> unit_properties(const oci::Resources& r, bool unified) {
    std::vector<std::string> out;
    if (r.memory) {
        const auto& m = *r.memory;
        if (m.limit && *m.limit != 0)
            out.push_back("MemoryMax=t:" +
                          u64(*m.limit < 0 ? kInfinity : static_cast<uint64_t>(*m.limit)));
        if (unified && m.reservation && *m.reservation > 0)
            out.push_back("MemoryLow=t:" + u64(static_cast<uint64_t>(*m.reservation)));
        if (unified && m.swap && *m.swap != 0) {
            int64_t v2 = memory_swap_to_v2(*m.swap, m.limit.value_or(0));
            if (v2 != 0)
                out.push_back("MemorySwapMax=t:" +
                              u64(v2 < 0 ? kInfinity : static_cast<uint64_t>(v2)));
        }
    }
    if (r.cpu) {
        const auto& c = *r.cpu;
        if (c.shares && *c.shares)
            out.push_back(unified ? "CPUWeight=t:" + u64(cpu_shares_to_weight(*c.shares))
                                  : "CPUShares=t:" + u64(*c.shares));
        cpu_quota_properties(c.quota, c.period, out);
        // systemd has cpusets on cgroup v2 only
        if (unified && c.cpus && !c.cpus->empty())
            out.push_back("AllowedCPUs=ay:" +
                          list_to_mask_hex(*c.cpus, "/linux/resources/cpu/cpus"));
        if (unified && c.mems && !c.mems->empty())
            out.push_back("AllowedMemoryNodes=ay:" +
                          list_to_mask_hex(*c.mems, "/linux/resources/cpu/mems"));
    }
    // Without TasksMax systemd gives the scope its DefaultTasksMax; a limit of 0 is written
    // through cgroupfs once the init is inside (see apply_after_enter).
    if (r.pids && r.pids->limit != 0)
        out.push_back("TasksMax=t:" +
                      u64(r.pids->limit < 0 ? kInfinity : static_cast<uint64_t>(r.pids->limit)));
    if (r.blockIO && r.blockIO->weight && *r.blockIO->weight)
        out.push_back(unified ? "IOWeight=t:" + u64(blkio_weight_to_io_weight(*r.blockIO->weight))
                              : "BlockIOWeight=t:" + u64(*r.blockIO->weight));
    if (!r.devices.empty()) device_properties(r.devices, out);
    // unified keys systemd also owns (runc maps the same ones); the rest go to files only
    static const std::map<std::string, std::string> kUnified = {
        {"memory.max", "MemoryMax"}, {"memory.high", "MemoryHigh"},
        {"memory.low", "MemoryLow"}, {"memory.swap.max", "MemorySwapMax"},
        {"pids.max", "TasksMax"},    {"cpu.weight", "CPUWeight"}};
    for (const auto& [key, value] : r.unified) {
        auto it = kUnified.find(key);
        if (it == kUnified.end() || !unified) continue;
        if (value == "max") {
            out.push_back(it->second + "=t:" + u64(kInfinity));
            continue;
        }
        char* end = nullptr;
        errno = 0;
        unsigned long long v = std::strtoull(value.c_str(), &end, 10);
        if (!value.empty() && !*end && !errno) out.push_back(it->second + "=t:" + u64(v));
    }
    return out;
}

void start_unit(const SystemdUnit& unit, pid_t pid, const std::vector<std::string>& properties) {
    std::vector<std::string> args = {"start", unit.name, unit.slice, std::to_string(pid)};
    args.insert(args.end(), properties.begin(), properties.end());
    run_helper("start unit " + unit.name, args);
}

void set_unit_properties(const std::string& unit, const std::vector<std::string>& properties) {
    if (properties.empty()) return;
    std::vector<std::string> args = {"set", unit};
    args.insert(args.end(), properties.begin(), properties.end());
    run_helper("set properties of unit " + unit, args);
}

void stop_unit(const std::string& unit) {
    run_helper("stop unit " + unit, {"stop", unit});
}

std::string helper_path() {
    // argv[0] survives rt's protective re-exec; /proc/self/exe does not name the file then.
    std::string self = program_invocation_name ? program_invocation_name : "";
    if (!self.empty() && self.find('/') == std::string::npos) {
        const char* path = std::getenv("PATH");
        std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
        size_t pos = 0;
        std::string found;
        while (pos <= dirs.size()) {
            size_t colon = dirs.find(':', pos);
            std::string dir =
                dirs.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
            pos = colon == std::string::npos ? dirs.size() + 1 : colon + 1;
            if (!dir.empty() && executable(dir + "/" + self)) {
                found = dir + "/" + self;
                break;
            }
        }
        self = found;
    }
    if (!self.empty()) {
        char real[PATH_MAX];
        if (::realpath(self.c_str(), real)) {
            std::string dir(real);
            dir = dir.substr(0, dir.find_last_of('/'));
            if (executable(dir + "/rt-systemd")) return dir + "/rt-systemd";
        }
    }
    std::string installed = std::string(RT_LIBEXEC_DIR) + "/rt-systemd";
    if (executable(installed)) return installed;
    throw Error("--systemd-cgroup: the rt-systemd helper was found neither next to rt nor in " +
                    std::string(RT_LIBEXEC_DIR),
                ErrorKind::NotFound);
}

}  // namespace rt::cgroup::systemd
