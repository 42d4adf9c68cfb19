// Links (RTM_*LINK): lookup, bridge and veth creation, attributes, bridge ports and VLANs.
#pragma once

#include <linux/if_bridge.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/ip.hpp"
#include "netlink/socket.hpp"

namespace rt::netlink {

struct LinkInfo {
    int index = 0;
    std::string name;
    std::string kind;    // "bridge", "veth", "" for devices without IFLA_INFO_KIND
    unsigned flags = 0;  // IFF_*
    int master = 0;
    int mtu = 0;
    std::optional<cni::Mac> mac;
    std::string alias;
    int peer = 0;                 // IFLA_LINK: a veth's peer index (in the peer's namespace)
    bool vlan_filtering = false;  // bridges only
};

std::optional<LinkInfo> parse_link(const nlmsghdr* h);

// Unicast lookups (no dump). nullopt if there is no such link.
std::optional<LinkInfo> link_by_name(Socket& s, std::string_view name);
std::optional<LinkInfo> link_by_index(Socket& s, int index);
// Links enslaved to `master` (filtered in the kernel).
std::vector<LinkInfo> links_of_master(Socket& s, int master);

struct BridgeSpec {
    std::string name;
    int mtu = 0;                  // 0: kernel default
    std::optional<cni::Mac> mac;  // fixed so the bridge MAC does not follow its ports
    bool vlan_filtering = false;
};
// Creates the bridge, up. Returns the errno (EEXIST if it exists) instead of throwing.
int create_bridge(Socket& s, const BridgeSpec& spec);

struct VethSpec {
    std::string name;  // host side, in the socket's namespace
    cni::Mac mac;
    int master = 0;  // bridge to join at creation (0: none)
    bool up = true;
    std::string peer_name;
    cni::Mac peer_mac;
    int peer_netns_fd = -1;  // create the peer directly there (-1: same namespace)
    bool peer_up = false;
    int mtu = 0;
};
// One RTM_NEWLINK creates the pair, the peer already in its namespace. Returns the Ack.
Ack create_veth(Socket& s, const VethSpec& spec);
Message create_veth_msg(const VethSpec& spec);

// RTM_SETLINK helpers on an existing link (by index).
Message set_link_msg(int index, unsigned flags, unsigned change);
void set_up(Socket& s, int index, std::string_view name);
void set_promisc(Socket& s, int index, std::string_view name);
void set_alias(Socket& s, int index, std::string_view alias, std::string_view name);
// RTM_SETLINK by name (no index lookup needed), e.g. right after creating the link.
Message set_alias_by_name_msg(std::string_view name, std::string_view alias);
Message set_up_by_name_msg(std::string_view name);
Message set_master_by_name_msg(std::string_view name, int master);
// Adds IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF {key: value} to a SETLINK message.
void put_ipv4_devconf(Message& m, int key, std::uint32_t value);
int try_set_bridge_vlan_filtering(Socket& s, int index);  // errno

// Deletes a link; returns false if it did not exist.
bool delete_link(Socket& s, std::string_view name);
bool delete_link(Socket& s, int index);

// Bridge port flags (AF_BRIDGE IFLA_PROTINFO): hairpin and isolation.
void set_bridge_port(Socket& s, int index, std::string_view name, bool hairpin, bool isolated);

struct BridgeVlan {
    std::uint16_t vid;
    std::uint16_t flags;  // BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED
};
void bridge_vlan_add(Socket& s, int index, std::string_view name, const std::vector<BridgeVlan>& v);
void bridge_vlan_del(Socket& s, int index, std::string_view name, const std::vector<BridgeVlan>& v);
// VLANs configured on a bridge port.
std::vector<BridgeVlan> bridge_vlans(Socket& s, int index);

}  // namespace rt::netlink
