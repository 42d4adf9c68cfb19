#include "cgroups.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "bundle.hpp"

namespace fs = std::filesystem;

namespace conformance {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, sep);) out.push_back(item);
    return out;
}

bool lists(const std::string& list, char sep, const std::string& item) {
    for (const auto& x : split(list, sep)) {
        if (x == item) return true;
    }
    return false;
}

// A mount listed in mountinfo may be covered by a later one (cgroup2 mounted over
// /sys/fs/cgroup hides the v1 hierarchies below it): it is what the path shows only when the
// path's device is the mount's.
bool visible(const std::string& mountpoint, const std::string& dev) {
    struct stat st {};
    if (::stat(mountpoint.c_str(), &st) != 0) return false;
    return std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)) == dev;
}

}  // namespace

std::optional<CgroupHierarchy> controller_hierarchy(const std::string& controller) {
    std::ifstream in("/proc/self/mountinfo");
    std::optional<CgroupHierarchy> v2;
    for (std::string line; std::getline(in, line);) {
        // id parent maj:min root mountpoint options [optional...] - fstype source superopts
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        std::istringstream head(line.substr(0, dash)), tail(line.substr(dash + 3));
        std::string id, parent, dev, root, mountpoint, fstype, source, superopts;
        head >> id >> parent >> dev >> root >> mountpoint;
        tail >> fstype >> source >> superopts;
        if (fstype != "cgroup" && fstype != "cgroup2") continue;
        if (!visible(mountpoint, dev)) continue;
        if (fstype == "cgroup" && lists(superopts, ',', controller))
            return CgroupHierarchy{mountpoint, root, false};
        if (fstype == "cgroup2" && !v2) {
            std::string controllers = cgroup_value(fs::path(mountpoint) / "cgroup.controllers");
            if (lists(controllers, ' ', controller)) v2 = CgroupHierarchy{mountpoint, root, true};
        }
    }
    return v2;
}

std::vector<fs::path> cgroup_mounts() {
    std::vector<fs::path> out;
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        std::istringstream head(line.substr(0, dash)), tail(line.substr(dash + 3));
        std::string id, parent, dev, root, mountpoint, fstype;
        head >> id >> parent >> dev >> root >> mountpoint;
        tail >> fstype;
        if ((fstype == "cgroup" || fstype == "cgroup2") && visible(mountpoint, dev))
            out.push_back(mountpoint);
    }
    return out;
}

std::string controller_missing(const std::string& controller) {
    if (controller_hierarchy(controller)) return "";
    std::string why = "the " + controller + " cgroup controller (in no v1 hierarchy here";
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        auto dash = line.find(" - ");
        if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
        std::istringstream head(line.substr(0, dash));
        std::string id, parent, dev, root, mountpoint;
        head >> id >> parent >> dev >> root >> mountpoint;
        if (!visible(mountpoint, dev)) continue;
        std::string offers = cgroup_value(fs::path(mountpoint) / "cgroup.controllers");
        why += "; cgroup2 at " + mountpoint + " offers: " + (offers.empty() ? "none" : offers);
        break;
    }
    return why + ")";
}

std::optional<fs::path> controller_dir(int pid, const std::string& controller) {
    auto h = controller_hierarchy(controller);
    if (!h) return std::nullopt;
    std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
    for (std::string line; std::getline(in, line);) {
        // hierarchy-id:controller-list:path ("0::path" for cgroup2)
        auto first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        std::string controllers = line.substr(first + 1, second - first - 1);
        std::string path = line.substr(second + 1);
        bool match = h->v2 ? line.rfind("0::", 0) == 0 : lists(controllers, ',', controller);
        if (!match) continue;
        // The mount shows the hierarchy from h->root down: strip that prefix.
        if (h->root != "/" && path.rfind(h->root, 0) == 0) path = path.substr(h->root.size());
        return h->mount / fs::path(path).relative_path();
    }
    return std::nullopt;
}

std::string cgroup_value(const fs::path& file) {
    std::string text = read_text(file);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

}  // namespace conformance
