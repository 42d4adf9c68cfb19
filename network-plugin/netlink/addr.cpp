#include "netlink/addr.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace rt::netlink {

namespace {
ifaddrmsg header(int index, const cni::IpNet& a) {
    ifaddrmsg m{};
    m.ifa_family = a.addr.is_v4() ? AF_INET : AF_INET6;
    m.ifa_prefixlen = static_cast<unsigned char>(a.prefix);
    m.ifa_index = static_cast<unsigned>(index);
    return m;
}
}  // namespace

Message add_addr_msg(int index, const cni::IpNet& addr, bool dad) {
    ifaddrmsg h = header(index, addr);
    std::uint32_t flags = 0;
    if (!addr.addr.is_v4() && !dad) flags |= IFA_F_NODAD;
    h.ifa_flags = static_cast<unsigned char>(flags);
    Message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, h);
    m.put(IFA_LOCAL, addr.addr.data(), static_cast<std::size_t>(addr.addr.size()));
    m.put(IFA_ADDRESS, addr.addr.data(), static_cast<std::size_t>(addr.addr.size()));
    if (addr.addr.is_v4() && addr.prefix < 31) {
        cni::IpAddr brd = addr.addr.last_in(addr.prefix);
        m.put(IFA_BROADCAST, brd.data(), 4);
    }
    if (flags) m.put_u32(IFA_FLAGS, flags);
    m.what("netlink: add address " + addr.str());
    return m;
}

Message del_addr_msg(int index, const cni::IpNet& addr) {
    Message m(RTM_DELADDR, 0, header(index, addr));
    m.put(IFA_LOCAL, addr.addr.data(), static_cast<std::size_t>(addr.addr.size()));
    m.what("netlink: delete address " + addr.str());
    return m;
}

bool parse_addr(const nlmsghdr* h, AddrInfo& out) {
    if (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR) return false;
    auto* nh = const_cast<nlmsghdr*>(h);
    const auto* m = static_cast<const ifaddrmsg*>(nlmsg_data(nh));
    nlattr* tb[IFA_MAX + 1] = {};
    if (nlmsg_parse(nh, sizeof(ifaddrmsg), tb, IFA_MAX, nullptr) < 0) return false;
    const nlattr* a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    if (!a) return false;
    auto fam = m->ifa_family == AF_INET ? cni::IpAddr::Family::V4 : cni::IpAddr::Family::V6;
    int len = fam == cni::IpAddr::Family::V4 ? 4 : 16;
    if (nla_len(a) != len) return false;
    out.index = static_cast<int>(m->ifa_index);
    out.addr = {cni::IpAddr::from_bytes(fam, static_cast<const std::uint8_t*>(nla_data(a))),
                m->ifa_prefixlen};
    out.flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : m->ifa_flags;
    out.scope = m->ifa_scope;
    return true;
}

std::vector<AddrInfo> list_addrs(Socket& s, int index, int family) {
    std::vector<AddrInfo> out;
    ifaddrmsg h{};
    h.ifa_family = static_cast<unsigned char>(family);
    h.ifa_index = static_cast<unsigned>(index);
    Message m(RTM_GETADDR, 0, h);
    m.what("netlink: list addresses of link #" + std::to_string(index));
    s.dump(
        m,
        [&](const nlmsghdr* nh) {
            AddrInfo a;
            if (parse_addr(nh, a) && a.index == index) out.push_back(a);
        },
        [&] { out.clear(); });
    return out;
}

}  // namespace rt::netlink
