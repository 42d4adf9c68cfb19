// Which cgroup hierarchies a host has, and where they are mounted.
//
//   legacy  : cgroup v1 only, one hierarchy per controller (or co-mounted "cpu,cpuacct")
//   hybrid  : v1 controller hierarchies plus a cgroup2 mount (usually /sys/fs/cgroup/unified)
//             holding whatever controllers v1 does not use (here: hugetlb); the cgroup2
//             hierarchy always tracks every process and offers cgroup.freeze/kill/events.
//   unified : cgroup v2 only
//
// Detected from /proc/self/mountinfo (configurable so tests can describe fake hosts).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::cgroup {

enum class LayoutKind { Legacy, Hybrid, Unified };

std::string_view to_string(LayoutKind kind) noexcept;
std::optional<LayoutKind> layout_kind_from_string(std::string_view s) noexcept;

// One mounted v1 hierarchy.
struct V1Hierarchy {
    std::string mount_point;               // /sys/fs/cgroup/cpu
    std::string root;                      // cgroup path mounted there (mountinfo field 4)
    std::vector<std::string> controllers;  // "cpu", "cpuacct", "name=systemd", ...
    bool has(std::string_view controller) const noexcept;
    // "cpu,cpuacct": the key /proc/self/cgroup uses for this hierarchy.
    std::string key() const;
};

struct UnifiedMount {
    std::string mount_point;               // /sys/fs/cgroup or /sys/fs/cgroup/unified
    std::string root;                      // cgroup path mounted there
    std::vector<std::string> controllers;  // <mount_point>/cgroup.controllers
    bool has(std::string_view controller) const noexcept;
};

struct Layout {
    LayoutKind kind = LayoutKind::Unified;
    std::vector<V1Hierarchy> v1;
    std::optional<UnifiedMount> unified;
    // The calling process's own cgroup per hierarchy key (/proc/self/cgroup); "" is v2.
    std::map<std::string, std::string> own;

    // The v1 hierarchy holding controller, or nullptr.
    const V1Hierarchy* v1_for(std::string_view controller) const noexcept;
    // True when controller is usable somewhere (on v1, or offered by the cgroup2 root).
    bool has_controller(std::string_view controller) const noexcept;
};

struct DetectOptions {
    std::string mountinfo = "/proc/self/mountinfo";
    std::string self_cgroup = "/proc/self/cgroup";
    // Skip mounts hidden by a later mount over them (stat(mount point) must show the
    // mount's device). Off for fake trees in tests, whose "mounts" are plain directories.
    bool check_visible = true;
};

// Throws rt::Error when no cgroup filesystem is mounted or the files are unreadable.
Layout detect_layout(const DetectOptions& options = {});

// Parses mountinfo / /proc/self/cgroup text (exposed for tests).
struct MountEntry {
    unsigned major = 0, minor = 0;
    std::string root, mount_point, fstype, source, super_options;
};
std::vector<MountEntry> parse_mountinfo(std::string_view text);
std::map<std::string, std::string> parse_proc_cgroup(std::string_view text);

}  // namespace rt::cgroup
