// Which CNI networks a container joins, as asked on the command line (`--net`, repeatable)
// and in the bundle (the `org.rt.networks` annotation).
//
//   --net NAME[:key=value,...]     keys: ip (repeatable), mac, ifname
//   --net rt0
//   --net rt0:ip=10.230.0.5,ip=fd00:230::5,mac=02:00:00:00:00:05
//   "org.rt.networks": "rt0:ip=10.230.0.5 backend:ifname=back0"   (specs separated by
//                                                                  spaces or ';')
//
// These are LXC's lxc.net.N.ipv4.address / ipv6.address / hwaddr / name, per container;
// everything shared by the containers of a network lives in its conflist.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rt/oci/spec.hpp"

namespace rt::net {

inline constexpr std::string_view kNetworksAnnotation = "org.rt.networks";

struct NetworkRequest {
    std::string name;              // the network's "name" in its conflist
    std::string ifname;            // interface in the container: eth0, eth1... by default
    std::vector<std::string> ips;  // requested addresses, "ip" or "ip/prefix"
    std::string mac;               // requested MAC; empty: the plugin chooses
};

// Parses one spec. Throws rt::Error (InvalidArgument) naming the text and what is wrong.
NetworkRequest parse_network_spec(std::string_view spec);

// The networks of a container: the annotation's first, then the --net flags, in order.
// Interfaces without ifname= get eth0, eth1... (skipping names taken explicitly). The same
// network twice on one interface name, or two requests for one interface, is an error.
std::vector<NetworkRequest> resolve_requests(const std::vector<std::string>& flags,
                                             const oci::StringMap& annotations);

}  // namespace rt::net
