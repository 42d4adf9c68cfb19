// Where a container's cgroup files are, found the runtime-agnostic way: the hierarchies this
// mount namespace has (/proc/self/mountinfo: a v1 mount named after the controller, or a
// cgroup2 mount whose cgroup.controllers lists it) and the process's own paths
// (/proc/PID/cgroup). Tests read limits there, whatever layout the runtime chose.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

struct CgroupHierarchy {
    std::filesystem::path mount;  // where it is mounted here
    std::string root;             // the cgroup path the mount shows at its top ("/" usually)
    bool v2 = false;
};

// The hierarchy that holds controller here (v1 preferred, as the kernel binds a controller to
// one hierarchy only), or nullopt.
std::optional<CgroupHierarchy> controller_hierarchy(const std::string& controller);

// "" when controller is in a hierarchy here, else what is missing, for a skip message: "the
// memory cgroup controller (in no v1 hierarchy here; cgroup2 at /sys/fs/cgroup offers: hugetlb)".
std::string controller_missing(const std::string& controller);

// The cgroup hierarchies this mount namespace shows (v1 and v2 mount points).
std::vector<std::filesystem::path> cgroup_mounts();

// The directory of pid's cgroup for controller (in the hierarchy above), or nullopt when the
// controller is mounted nowhere here or pid is in no cgroup of it.
std::optional<std::filesystem::path> controller_dir(int pid, const std::string& controller);

// A cgroup file's content without the trailing newline ("" when it cannot be read).
std::string cgroup_value(const std::filesystem::path& file);

}  // namespace conformance
