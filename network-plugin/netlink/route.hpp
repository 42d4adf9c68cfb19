// Routes (RTM_*ROUTE).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cni/ip.hpp"
#include "netlink/socket.hpp"

namespace rt::netlink {

struct RouteSpec {
    cni::IpNet dst;
    std::optional<cni::IpAddr> gw;
    int oif = 0;
    std::optional<std::uint32_t> mtu, advmss, priority, table, scope;
};

Message add_route_msg(const RouteSpec& r);
// Routes of one family in the main table (all tables if `all_tables`), for CHECK.
std::vector<RouteSpec> list_routes(Socket& s, int family);

}  // namespace rt::netlink
