#include "bridge/vlans.hpp"

#include <linux/if_bridge.h>

namespace rt::bridge {

PortVlans port_vlans(const NetConf& c) {
    PortVlans p;
    if (!c.vlan_filtering()) return p;
    // The bridge puts every new port in VLAN 1 (PVID, untagged); the reference keeps it
    // unless preserveDefaultVlan is false.
    if (!c.preserve_default_vlan) p.del.push_back({1, 0});
    if (c.vlan)
        p.add.push_back({static_cast<std::uint16_t>(c.vlan),
                         BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED});
    for (int v : c.vlan_trunk)
        if (v != c.vlan) p.add.push_back({static_cast<std::uint16_t>(v), 0});
    return p;
}

}  // namespace rt::bridge
