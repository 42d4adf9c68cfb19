// The JSON that rt-probe prints, as C++ values. Parsing is strict: a missing or mistyped
// field is an error naming it, so a changed probe cannot make checks pass vacuously.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

struct ProbeMount {
    int id = 0, parent = 0, major = 0, minor = 0;
    std::string root, mountpoint, fstype, source;
    std::vector<std::string> options, optional, super_options;
    bool has_option(std::string_view opt) const;  // per-mount or superblock option
    // "shared", "slave", "shared+slave" or "private" (from the optional fields).
    std::string propagation() const;
};

struct ProbeDevice {
    std::string path, type, target;
    unsigned major = 0, minor = 0, mode = 0, uid = 0, gid = 0;
};

struct ProbeFd {
    int fd = 0;
    std::string target;
    bool cloexec = false;
};

struct ProbeCgroup {
    int hierarchy = 0;
    std::string controllers, path;
};

struct Ids {
    uint64_t real = 0, effective = 0, saved = 0, fs = 0;
};

struct Rlimit {
    uint64_t soft = 0, hard = 0;
};

struct ProbeReport {
    int pid = 0, ppid = 0, pgid = 0, sid = 0;
    std::map<std::string, uint64_t> namespaces;  // "net" -> inode of /proc/self/ns/net
    Ids uid, gid;
    std::vector<uint32_t> groups;
    unsigned umask = 0;
    std::map<std::string, std::set<std::string>> capabilities;  // "effective" -> {"CAP_KILL"}
    bool no_new_privs = false;
    int seccomp = 0, seccomp_filters = 0;
    std::map<std::string, Rlimit> rlimits;
    std::string cwd, hostname, domainname, cpus_allowed;
    std::vector<std::string> env, args;
    std::vector<ProbeMount> mounts;
    std::vector<ProbeFd> fds;
    std::vector<ProbeCgroup> cgroups;
    std::vector<ProbeDevice> devices;
    std::map<std::string, std::optional<std::string>> sysctls;
    int oom_score_adj = 0, personality = 0, sched_policy = 0, sched_priority = 0, nice = 0,
        ioprio = 0;
    std::array<bool, 3> isatty{};

    // The mount visible at path (the last one mounted there), or nullptr.
    const ProbeMount* mount_at(std::string_view path) const;
    const ProbeDevice* device(std::string_view path) const;
    std::optional<std::string> env_value(std::string_view name) const;
    // The cgroup path for a v1 controller ("memory") or "" for the v2 line.
    std::optional<std::string> cgroup_path(std::string_view controller) const;
};

struct NetLink {
    int index = 0, master = 0;
    std::string name, mac, kind;
    unsigned mtu = 0;
    bool up = false, promisc = false;
};
struct NetAddress {
    int index = 0, family = 4, prefix = 0;
    std::string address, cidr;
};
struct NetRoute {
    int family = 4, oif = 0;
    std::string dst, gateway;
};
struct NetReport {
    std::vector<NetLink> links;
    std::vector<NetAddress> addresses;
    std::vector<NetRoute> routes;
    const NetLink* link(std::string_view name) const;
    std::vector<std::string> cidrs_of(std::string_view name) const;
};

// An action's outcome: {"errno": N, "error": "..."} plus whatever else it reported.
struct ProbeAction {
    int err = 0;
    std::string error, data;
};

ProbeReport parse_probe_report(std::string_view json);
NetReport parse_net_report(std::string_view json);
ProbeAction parse_probe_action(std::string_view json);

}  // namespace conformance
