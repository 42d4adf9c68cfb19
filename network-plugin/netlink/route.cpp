#include "netlink/route.hpp"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace rt::netlink {

Message add_route_msg(const RouteSpec& r) {
    rtmsg h{};
    h.rtm_family = r.dst.addr.is_v4() ? AF_INET : AF_INET6;
    h.rtm_dst_len = static_cast<unsigned char>(r.dst.prefix);
    std::uint32_t table = r.table.value_or(RT_TABLE_MAIN);
    h.rtm_table = static_cast<unsigned char>(table < 256 ? table : RT_TABLE_UNSPEC);
    h.rtm_protocol = RTPROT_BOOT;
    // Without a gateway the destination is on-link, like `ip route add X dev Y`.
    h.rtm_scope = static_cast<unsigned char>(
        r.scope ? *r.scope : static_cast<std::uint32_t>(r.gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK));
    h.rtm_type = RTN_UNICAST;
    Message m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, h);
    cni::IpAddr dst = r.dst.addr.masked(r.dst.prefix);
    if (r.dst.prefix) m.put(RTA_DST, dst.data(), static_cast<std::size_t>(dst.size()));
    if (r.gw) m.put(RTA_GATEWAY, r.gw->data(), static_cast<std::size_t>(r.gw->size()));
    if (r.oif) m.put_u32(RTA_OIF, static_cast<std::uint32_t>(r.oif));
    if (table >= 256) m.put_u32(RTA_TABLE, table);
    if (r.priority) m.put_u32(RTA_PRIORITY, *r.priority);
    if (r.mtu || r.advmss) {
        nlattr* mx = m.begin(RTA_METRICS);
        if (r.mtu) m.put_u32(RTAX_MTU, *r.mtu);
        if (r.advmss) m.put_u32(RTAX_ADVMSS, *r.advmss);
        m.end(mx);
    }
    m.what("netlink: add route " + r.dst.str() + (r.gw ? " via " + r.gw->str() : ""));
    return m;
}

std::vector<RouteSpec> list_routes(Socket& s, int family) {
    std::vector<RouteSpec> out;
    rtmsg h{};
    h.rtm_family = static_cast<unsigned char>(family);
    Message m(RTM_GETROUTE, 0, h);
    m.what("netlink: list routes");
    s.dump(
        m,
        [&](const nlmsghdr* nh0) {
            auto* nh = const_cast<nlmsghdr*>(nh0);
            if (nh->nlmsg_type != RTM_NEWROUTE) return;
            const auto* rm = static_cast<const rtmsg*>(nlmsg_data(nh));
            if (rm->rtm_type != RTN_UNICAST) return;
            nlattr* tb[RTA_MAX + 1] = {};
            if (nlmsg_parse(nh, sizeof(rtmsg), tb, RTA_MAX, nullptr) < 0) return;
            auto fam =
                rm->rtm_family == AF_INET ? cni::IpAddr::Family::V4 : cni::IpAddr::Family::V6;
            int len = fam == cni::IpAddr::Family::V4 ? 4 : 16;
            RouteSpec r;
            std::uint8_t zero[16] = {};
            const void* dst =
                tb[RTA_DST] && nla_len(tb[RTA_DST]) == len ? nla_data(tb[RTA_DST]) : zero;
            r.dst = {cni::IpAddr::from_bytes(fam, static_cast<const std::uint8_t*>(dst)),
                     rm->rtm_dst_len};
            if (tb[RTA_GATEWAY] && nla_len(tb[RTA_GATEWAY]) == len)
                r.gw = cni::IpAddr::from_bytes(
                    fam, static_cast<const std::uint8_t*>(nla_data(tb[RTA_GATEWAY])));
            if (tb[RTA_OIF]) r.oif = static_cast<int>(nla_get_u32(tb[RTA_OIF]));
            r.table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rm->rtm_table;
            if (tb[RTA_PRIORITY]) r.priority = nla_get_u32(tb[RTA_PRIORITY]);
            r.scope = rm->rtm_scope;
            out.push_back(r);
        },
        [&] { out.clear(); });
    return out;
}

}  // namespace rt::netlink
