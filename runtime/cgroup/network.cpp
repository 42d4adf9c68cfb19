// network: classID -> net_cls.classid, priorities -> net_prio.ifpriomap "<ifname> <prio>".
// cgroup v1 only (cgroup v2 has no net_cls/net_prio; the Manager reports that).
#include "cgroup/controllers.hpp"

namespace rt::cgroup::detail {

void apply_net_cls(const Target& t, uint32_t class_id, const Fields& f) {
    f.write(t, "net_cls.classid", std::to_string(class_id), "/network/classID");
}

void apply_net_prio(const Target& t, const std::vector<oci::NetworkPriority>& prios,
                    const Fields& f) {
    for (size_t i = 0; i < prios.size(); ++i) {
        const auto& p = prios[i];
        std::string field = "/network/priorities/" + std::to_string(i);
        if (p.name.empty() || p.name.find_first_of(" \n/") != std::string::npos)
            throw f.error(field + "/name", "invalid interface name \"" + p.name + "\"");
        f.write(t, "net_prio.ifpriomap", p.name + " " + std::to_string(p.priority), field);
    }
}

}  // namespace rt::cgroup::detail
