// Interface addresses (RTM_*ADDR).
#pragma once

#include <cstdint>
#include <vector>

#include "cni/ip.hpp"
#include "netlink/socket.hpp"

namespace rt::netlink {

struct AddrInfo {
    int index = 0;
    cni::IpNet addr;
    std::uint32_t flags = 0;  // IFA_F_*
    int scope = 0;
};

// Request to add `addr` to link `index`. IPv6 addresses get IFA_F_NODAD unless `dad`.
Message add_addr_msg(int index, const cni::IpNet& addr, bool dad);
Message del_addr_msg(int index, const cni::IpNet& addr);
// Addresses of one link (family AF_UNSPEC for both), filtered in the kernel.
std::vector<AddrInfo> list_addrs(Socket& s, int index, int family);
// Parses an RTM_NEWADDR (dumps and notifications).
bool parse_addr(const nlmsghdr* h, AddrInfo& out);

}  // namespace rt::netlink
