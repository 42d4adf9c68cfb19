// rt-bridge's nftables state: IP masquerade (ipMasq) and MAC spoof checks (macspoofchk).
//
// Layout (`nft list ruleset` shows it):
//   table inet rt_cni                       masquerade, shared by all rt-bridge networks
//     map masq4 { ipv4_addr : verdict }     container address -> jump n-<net><subnet>
//     map masq6 { ipv6_addr : verdict }
//     chain postrouting (nat, srcnat)       ip saddr vmap @masq4; ip6 saddr vmap @masq6
//     chain n-<8 hex net><8 hex subnet>     daddr in subnet return; multicast return; masquerade
//   table bridge rt_cni_spoof               MAC spoof checks
//     map ports { ifname : verdict }        host veth -> jump p-<attachment>
//     chain prerouting (filter, -300)       iifname vmap @ports
//     chain p-<16 hex attachment>           ether saddr != <container MAC> drop
// Each attachment owns map elements (commented "<16 hex attachment hash> <network>
// <containerID> <ifname>") and, for spoof checks, its chain: adding or removing an
// attachment costs the same with 1 or 500 attached. Per-subnet chains and the tables are
// created on first use and removed with their last element, under a file lock so a
// concurrent first ADD never races a last DEL.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "cni/ip.hpp"
#include "netlink/socket.hpp"

namespace rt::bridge {

struct Attachment {
    std::string network, container_id, ifname;
    std::uint64_t hash() const;
    std::string comment() const;
};

namespace masq {
inline constexpr const char* kTable = "rt_cni";
// Masquerades traffic from each address to outside its subnet. Replaces stale elements
// for the same address (IPAM gave the address to this attachment).
void setup(netlink::Socket& nft, const Attachment& a, const std::vector<cni::IpNet>& ips);
// Removes the attachment's elements; `ips` empty: finds them by their comment.
void teardown(netlink::Socket& nft, const Attachment& a, const std::vector<cni::IpNet>& ips);
// Throws CniError naming the first address without its element.
void check(netlink::Socket& nft, const Attachment& a, const std::vector<cni::IpNet>& ips);
// Removes elements of `network` whose attachment hash is not in `valid`.
void gc(netlink::Socket& nft, const std::string& network, const std::set<std::uint64_t>& valid);
}  // namespace masq

namespace spoof {
inline constexpr const char* kTable = "rt_cni_spoof";
void setup(netlink::Socket& nft, const Attachment& a, const std::string& host_veth,
           const cni::Mac& mac);
void teardown(netlink::Socket& nft, const Attachment& a, const std::string& host_veth);
void check(netlink::Socket& nft, const Attachment& a, const std::string& host_veth);
void gc(netlink::Socket& nft, const std::string& network, const std::set<std::uint64_t>& valid);
}  // namespace spoof

}  // namespace rt::bridge
