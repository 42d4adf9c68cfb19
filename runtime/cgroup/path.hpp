// linux.cgroupsPath -> the cgroup path of a container.
//
// cgroupfs form (default), as runc's cgroupfs driver:
//   absent      -> "/<id>" (fixed, so the container's cgroup does not depend on where rt runs)
//   "/a/b"      -> /a/b from the root of every hierarchy
//   "a/b"       -> relative to rt's own cgroup of each hierarchy (/proc/self/cgroup); on the
//                  cgroup2 hierarchy relative to the parent of rt's own cgroup, as runc does,
//                  because a cgroup holding processes cannot enable controllers for children.
// systemd form (--systemd-cgroup), "slice:prefix:name", mapped onto cgroupfs paths the way
// the systemd driver lays them out (no systemd needed; rt creates the directories itself):
//   slice "a-b.slice" expands to /a.slice/a-b.slice ("" means system.slice, "-.slice" is /),
//   the unit is "<prefix>-<name>.scope" ("<name>.scope" without prefix, "<name>" when it
//   ends in .slice), and the path is <expanded slice>/<unit>:
//   "system.slice:docker:abc" -> /system.slice/docker-abc.scope
//   absent                    -> /system.slice/rt-<id>.scope (runc uses the prefix "runc")
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rt::cgroup {

struct CgroupPath {
    std::string path;  // cleaned: "/a/b" (absolute) or "a/b" (relative)
    bool relative() const noexcept { return path.empty() || path.front() != '/'; }
};

// The systemd unit of a "slice:prefix:name" cgroupsPath (absent: system.slice, rt-<id>.scope).
struct SystemdUnit {
    std::string slice;  // "system.slice", "kubepods-besteffort-pod1.slice"
    std::string name;   // "rt-abc.scope", or "<name>" itself when it ends in .slice
};
SystemdUnit resolve_systemd_unit(const std::optional<std::string>& cgroups_path,
                                 std::string_view id,
                                 std::string_view field = "config.json: /linux/cgroupsPath");

// Throws rt::Error (InvalidArgument) naming `field`, e.g. for "..", an empty result (the root
// cgroup) or a malformed systemd path.
CgroupPath resolve_cgroups_path(const std::optional<std::string>& cgroups_path, std::string_view id,
                                bool systemd,
                                std::string_view field = "config.json: /linux/cgroupsPath");

// "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "/". Throws on an invalid slice name.
std::string expand_slice(std::string_view slice);

// The absolute cgroup path of `path` in one hierarchy: relative paths are joined with rt's
// own cgroup there (own_parent: use the parent of own, for cgroup2).
std::string hierarchy_path(const CgroupPath& path, std::string_view own, bool own_parent);

}  // namespace rt::cgroup
