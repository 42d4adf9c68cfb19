// rt-host-local's configuration: the "ipam" object of host-local.md, plus the requested
// addresses from runtimeConfig.ips, args.cni.ips and CNI_ARGS IP=.
#pragma once

#include <string>
#include <vector>

#include "cni/result.hpp"
#include "cni/skeleton.hpp"
#include "ipam/range.hpp"

namespace rt::ipam {

inline constexpr const char* kDefaultDataDir = "/var/lib/cni/networks";

struct IpamConfig {
    std::string name;              // network name: the store's directory
    std::vector<RangeSet> ranges;  // one address per set
    std::vector<cni::Route> routes;
    std::string data_dir = kDefaultDataDir;
    std::string resolv_conf;
    std::vector<cni::IpAddr> requested;

    // Throws CniError(7) (or 4 for CNI_ARGS) with the field path on any invalid value.
    static IpamConfig parse(const cni::Request& r);
};

}  // namespace rt::ipam
