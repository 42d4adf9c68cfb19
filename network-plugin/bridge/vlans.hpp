// Which VLANs a bridge port gets, from the config (vlan, vlanTrunk, preserveDefaultVlan):
// a pure function, so the plan is unit-tested also where the kernel has no VLAN filtering.
#pragma once

#include <vector>

#include "bridge/config.hpp"
#include "netlink/link.hpp"

namespace rt::bridge {

struct PortVlans {
    std::vector<netlink::BridgeVlan> del;  // removed first (the default VLAN 1)
    std::vector<netlink::BridgeVlan> add;
};

// Access port (`vlan`: PVID, untagged), trunk (`vlanTrunk`: tagged), or both (`vlan` is
// then the native VLAN). Empty when the config uses no VLAN.
PortVlans port_vlans(const NetConf& c);

}  // namespace rt::bridge
