// What `rt info` shows about a container's networks (LXC's lxc-info, and more), read from
// the CNI results kept in its state dir; and the config check `--net` needs.
#pragma once

#include <string>
#include <vector>

#include "net/attach.hpp"
#include "rt/oci/spec.hpp"

namespace rt::net {

struct AddressInfo {
    std::string address;  // "10.230.0.2/24"
    std::string gateway;  // may be empty
};

struct RouteInfo {
    std::string dst;
    std::string gw;  // may be empty
};

struct NetworkSummary {
    std::string name;
    std::string ifname;       // in the container
    std::string mac;          // of the container interface
    std::string host_ifname;  // the host end (a veth), when the plugin reports one
    std::string bridge;       // the bridge it joined, when the plugin reports one
    std::vector<AddressInfo> addresses;
    std::vector<RouteInfo> routes;
    std::vector<std::string> dns_servers;
};

// Reads a CNI result (0.3.0 .. 1.1.0): the container interface is the one with a sandbox
// and the requested name; among host-side interfaces, the one named as the config's
// "bridge" is the bridge and another is the host end.
NetworkSummary summarize(const Attachment& attachment);

// `--net` needs the container to have a network namespace of its own: an entry of type
// "network" without a path. Throws rt::Error (InvalidArgument) saying what is wrong.
void require_own_network_namespace(const oci::Spec& spec);

}  // namespace rt::net
