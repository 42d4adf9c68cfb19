// rt-bridge's network configuration: the options of the reference bridge (bridge.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/ip.hpp"
#include "cni/result.hpp"
#include "cni/skeleton.hpp"

namespace rt::bridge {

inline constexpr const char* kDefaultBridge = "rt0";

struct NetConf {
    std::string name;  // network name
    std::string bridge = kDefaultBridge;
    bool is_gateway = false;
    bool is_default_gateway = false;
    bool force_address = false;
    bool ip_masq = false;
    int mtu = 0;
    bool hairpin = false;
    bool promisc = false;
    int vlan = 0;
    std::vector<int> vlan_trunk;  // sorted, unique
    // The reference's code keeps the bridge's default VLAN on the port unless told
    // otherwise (bridge.md says false; the plugin's behaviour, which configs rely on, is true).
    bool preserve_default_vlan = true;
    bool macspoofchk = false;
    bool enable_dad = false;
    bool disable_container_interface = false;
    bool port_isolation = false;
    std::string ipam_type;        // empty: L2 only
    std::optional<cni::Mac> mac;  // runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC
    std::optional<cni::Dns> dns;  // top-level "dns", when it says something

    // Throws CniError(7) naming the field, 2 for an unsupported option value, 4 for CNI_ARGS
    // (unknown CNI_ARGS keys are only checked when `check_args`: DEL must not fail on them).
    static NetConf parse(const cni::Request& r, bool check_args = true);
    bool layer3() const { return !ipam_type.empty(); }
    bool vlan_filtering() const { return vlan != 0 || !vlan_trunk.empty(); }
};

}  // namespace rt::bridge
