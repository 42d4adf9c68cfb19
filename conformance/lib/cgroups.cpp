#include "cgroups.hpp"

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
        if (fstype == "cgroup" && lists(superopts, ',', controller))
            return CgroupHierarchy{mountpoint, root, false};
        if (fstype == "cgroup2" && !v2) {
            std::string controllers = cgroup_value(fs::path(mountpoint) / "cgroup.controllers");
            if (lists(controllers, ' ', controller)) v2 = CgroupHierarchy{mountpoint, root, true};
        }
    }
    return v2;
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
