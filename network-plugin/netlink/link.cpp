#include "netlink/link.hpp"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "rt/error.hpp"

namespace rt::netlink {

namespace {

ifinfomsg ifi(int index, unsigned family = AF_UNSPEC) {
    ifinfomsg m{};
    m.ifi_family = static_cast<unsigned char>(family);
    m.ifi_index = index;
    return m;
}

std::string str_attr(const nlattr* a) {
    const char* s = static_cast<const char*>(nla_data(a));
    return std::string(s, strnlen(s, static_cast<std::size_t>(nla_len(a))));
}

}  // namespace

std::optional<LinkInfo> parse_link(const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWLINK) return std::nullopt;
    auto* nh = const_cast<nlmsghdr*>(h);
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(nh, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) return std::nullopt;
    const auto* m = static_cast<const ifinfomsg*>(nlmsg_data(nh));
    LinkInfo l;
    l.index = m->ifi_index;
    l.flags = m->ifi_flags;
    if (tb[IFLA_IFNAME]) l.name = str_attr(tb[IFLA_IFNAME]);
    if (tb[IFLA_MASTER]) l.master = static_cast<int>(nla_get_u32(tb[IFLA_MASTER]));
    if (tb[IFLA_MTU]) l.mtu = static_cast<int>(nla_get_u32(tb[IFLA_MTU]));
    if (tb[IFLA_LINK]) l.peer = static_cast<int>(nla_get_u32(tb[IFLA_LINK]));
    if (tb[IFLA_IFALIAS]) l.alias = str_attr(tb[IFLA_IFALIAS]);
    if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
        cni::Mac mac;
        std::memcpy(mac.bytes.data(), nla_data(tb[IFLA_ADDRESS]), 6);
        l.mac = mac;
    }
    if (tb[IFLA_LINKINFO]) {
        nlattr* info[IFLA_INFO_MAX + 1] = {};
        if (nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr) == 0) {
            if (info[IFLA_INFO_KIND]) l.kind = str_attr(info[IFLA_INFO_KIND]);
            if (l.kind == "bridge" && info[IFLA_INFO_DATA]) {
                nlattr* br[IFLA_BR_MAX + 1] = {};
                if (nla_parse_nested(br, IFLA_BR_MAX, info[IFLA_INFO_DATA], nullptr) == 0 &&
                    br[IFLA_BR_VLAN_FILTERING])
                    l.vlan_filtering = nla_get_u8(br[IFLA_BR_VLAN_FILTERING]) != 0;
            }
        }
    }
    return l;
}

namespace {
std::optional<LinkInfo> get_link(Socket& s, Message& m, const std::string& what) {
    std::optional<LinkInfo> out;
    // Statistics are most of a link message; nobody here reads them.
    m.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    int err = s.get(m, [&](const nlmsghdr* h) { out = parse_link(h); });
    if (err == ENODEV || err == ENOENT) return std::nullopt;
    if (err) throw Error(what, err);
    return out;
}
}  // namespace

std::optional<LinkInfo> link_by_name(Socket& s, std::string_view name) {
    Message m(RTM_GETLINK, 0, ifi(0));
    m.put_string(IFLA_IFNAME, name);
    return get_link(s, m, "netlink: get link " + std::string(name));
}

std::optional<LinkInfo> link_by_index(Socket& s, int index) {
    Message m(RTM_GETLINK, 0, ifi(index));
    return get_link(s, m, "netlink: get link #" + std::to_string(index));
}

std::vector<LinkInfo> links_of_master(Socket& s, int master) {
    std::vector<LinkInfo> out;
    Message m(RTM_GETLINK, 0, ifi(0));
    m.put_u32(IFLA_MASTER, static_cast<std::uint32_t>(master));
    m.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    m.what("netlink: list ports of bridge #" + std::to_string(master));
    s.dump(
        m,
        [&](const nlmsghdr* h) {
            if (auto l = parse_link(h); l && l->master == master) out.push_back(std::move(*l));
        },
        [&] { out.clear(); });
    return out;
}

int create_bridge(Socket& s, const BridgeSpec& spec) {
    ifinfomsg hdr = ifi(0);
    hdr.ifi_flags = IFF_UP;
    hdr.ifi_change = IFF_UP;
    Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, hdr);
    m.put_string(IFLA_IFNAME, spec.name);
    if (spec.mtu) m.put_u32(IFLA_MTU, static_cast<std::uint32_t>(spec.mtu));
    if (spec.mac) m.put(IFLA_ADDRESS, spec.mac->bytes.data(), 6);
    nlattr* info = m.begin(IFLA_LINKINFO);
    m.put_string(IFLA_INFO_KIND, "bridge");
    if (spec.vlan_filtering) {
        nlattr* data = m.begin(IFLA_INFO_DATA);
        m.put_u8(IFLA_BR_VLAN_FILTERING, 1);
        m.end(data);
    }
    m.end(info);
    return s.try_request(m);
}

Ack create_veth(Socket& s, const VethSpec& spec) {
    Message m = create_veth_msg(spec);
    return s.batch(std::span<Message>(&m, 1))[0];
}

Message create_veth_msg(const VethSpec& spec) {
    ifinfomsg hdr = ifi(0);
    if (spec.up) hdr.ifi_flags = hdr.ifi_change = IFF_UP;
    Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, hdr);
    m.put_string(IFLA_IFNAME, spec.name);
    m.put(IFLA_ADDRESS, spec.mac.bytes.data(), 6);
    if (spec.mtu) m.put_u32(IFLA_MTU, static_cast<std::uint32_t>(spec.mtu));
    if (spec.master) m.put_u32(IFLA_MASTER, static_cast<std::uint32_t>(spec.master));
    // One TX and one RX queue per end, asked for. Unasked, the kernel allocates one per
    // possible CPU and then (veth_init_queues) shrinks the active count to 1, which waits
    // for an expedited RCU grace period under the RTNL lock, twice: 1-5 ms of each ADD's
    // wall time on a busy 2-CPU VM. The active count (1) is the same either way.
    m.put_u32(IFLA_NUM_TX_QUEUES, 1);
    m.put_u32(IFLA_NUM_RX_QUEUES, 1);
    nlattr* info = m.begin(IFLA_LINKINFO);
    m.put_string(IFLA_INFO_KIND, "veth");
    nlattr* data = m.begin(IFLA_INFO_DATA);
    nlattr* peer = m.begin(VETH_INFO_PEER);
    ifinfomsg phdr = ifi(0);
    if (spec.peer_up) phdr.ifi_flags = phdr.ifi_change = IFF_UP;
    m.append(&phdr, sizeof phdr);
    m.put_string(IFLA_IFNAME, spec.peer_name);
    m.put(IFLA_ADDRESS, spec.peer_mac.bytes.data(), 6);
    if (spec.mtu) m.put_u32(IFLA_MTU, static_cast<std::uint32_t>(spec.mtu));
    m.put_u32(IFLA_NUM_TX_QUEUES, 1);
    m.put_u32(IFLA_NUM_RX_QUEUES, 1);
    if (spec.peer_netns_fd >= 0)
        m.put_u32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(spec.peer_netns_fd));
    m.end(peer);
    m.end(data);
    m.end(info);
    m.what("netlink: create veth " + spec.name + " / " + spec.peer_name);
    return m;
}

Message set_link_msg(int index, unsigned flags, unsigned change) {
    ifinfomsg hdr = ifi(index);
    hdr.ifi_flags = flags;
    hdr.ifi_change = change;
    return Message(RTM_SETLINK, 0, hdr);
}

void set_up(Socket& s, int index, std::string_view name) {
    Message m = set_link_msg(index, IFF_UP, IFF_UP);
    m.what("netlink: set " + std::string(name) + " up");
    s.request(m);
}

void set_promisc(Socket& s, int index, std::string_view name) {
    Message m = set_link_msg(index, IFF_PROMISC, IFF_PROMISC);
    m.what("netlink: set " + std::string(name) + " promiscuous");
    s.request(m);
}

// Without a terminating NUL, as iproute2 sends it: the kernel's policy counts a NUL in
// the IFALIASZ - 1 bytes it allows, so 255 bytes plus NUL fail with ERANGE.
static void put_alias(Message& m, std::string_view alias) {
    alias = alias.substr(0, IFALIASZ - 1);
    m.put(IFLA_IFALIAS, alias.data(), alias.size());
}

void set_alias(Socket& s, int index, std::string_view alias, std::string_view name) {
    Message m = set_link_msg(index, 0, 0);
    put_alias(m, alias);
    m.what("netlink: set alias of " + std::string(name));
    s.request(m);
}

Message set_alias_by_name_msg(std::string_view name, std::string_view alias) {
    Message m = set_link_msg(0, 0, 0);
    m.put_string(IFLA_IFNAME, name);
    put_alias(m, alias);
    m.what("netlink: set alias of " + std::string(name));
    return m;
}

Message set_up_by_name_msg(std::string_view name) {
    Message m = set_link_msg(0, IFF_UP, IFF_UP);
    m.put_string(IFLA_IFNAME, name);
    m.what("netlink: set " + std::string(name) + " up");
    return m;
}

Message set_master_by_name_msg(std::string_view name, int master) {
    Message m = set_link_msg(0, 0, 0);
    m.put_string(IFLA_IFNAME, name);
    m.put_u32(IFLA_MASTER, static_cast<std::uint32_t>(master));
    m.what("netlink: attach " + std::string(name) + " to its bridge");
    return m;
}

void put_ipv4_devconf(Message& m, int key, std::uint32_t value) {
    nlattr* spec = m.begin(IFLA_AF_SPEC);
    nlattr* inet = m.begin(AF_INET);
    nlattr* conf = m.begin(IFLA_INET_CONF);
    m.put_u32(key, value);
    m.end(conf);
    m.end(inet);
    m.end(spec);
}

int try_set_bridge_vlan_filtering(Socket& s, int index) {
    Message m(RTM_NEWLINK, 0, ifi(index));
    nlattr* info = m.begin(IFLA_LINKINFO);
    m.put_string(IFLA_INFO_KIND, "bridge");
    nlattr* data = m.begin(IFLA_INFO_DATA);
    m.put_u8(IFLA_BR_VLAN_FILTERING, 1);
    m.end(data);
    m.end(info);
    return s.try_request(m);
}

bool delete_link(Socket& s, std::string_view name) {
    Message m(RTM_DELLINK, 0, ifi(0));
    m.put_string(IFLA_IFNAME, name);
    int err = s.try_request(m);
    if (err == ENODEV || err == ENOENT) return false;
    if (err) throw Error("netlink: delete link " + std::string(name), err);
    return true;
}

bool delete_link(Socket& s, int index) {
    Message m(RTM_DELLINK, 0, ifi(index));
    int err = s.try_request(m);
    if (err == ENODEV || err == ENOENT) return false;
    if (err) throw Error("netlink: delete link #" + std::to_string(index), err);
    return true;
}

void set_bridge_port(Socket& s, int index, std::string_view name, bool hairpin, bool isolated) {
    Message m(RTM_SETLINK, 0, ifi(index, AF_BRIDGE));
    nlattr* p = m.begin(IFLA_PROTINFO);
    m.put_u8(IFLA_BRPORT_MODE, hairpin ? 1 : 0);
    if (isolated) m.put_u8(IFLA_BRPORT_ISOLATED, 1);
    m.end(p);
    m.what("netlink: set bridge port flags of " + std::string(name));
    s.request(m);
}

namespace {
void bridge_vlan(Socket& s, int type, int index, std::string_view name,
                 const std::vector<BridgeVlan>& vlans, const char* verb) {
    if (vlans.empty()) return;
    Message m(type, 0, ifi(index, AF_BRIDGE));
    nlattr* spec = m.begin(IFLA_AF_SPEC);
    for (const auto& v : vlans) {
        bridge_vlan_info info{};
        info.flags = v.flags;
        info.vid = v.vid;
        m.put(IFLA_BRIDGE_VLAN_INFO, &info, sizeof info);
    }
    m.end(spec);
    m.what(std::string("netlink: ") + verb + " VLANs on " + std::string(name));
    s.request(m);
}
}  // namespace

void bridge_vlan_add(Socket& s, int index, std::string_view name,
                     const std::vector<BridgeVlan>& v) {
    bridge_vlan(s, RTM_SETLINK, index, name, v, "add");
}

void bridge_vlan_del(Socket& s, int index, std::string_view name,
                     const std::vector<BridgeVlan>& v) {
    bridge_vlan(s, RTM_DELLINK, index, name, v, "delete");
}

std::vector<BridgeVlan> bridge_vlans(Socket& s, int index) {
    std::vector<BridgeVlan> out;
    Message m(RTM_GETLINK, 0, ifi(0, AF_BRIDGE));
    m.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
    m.what("netlink: list bridge VLANs");
    s.dump(
        m,
        [&](const nlmsghdr* h) {
            auto* nh = const_cast<nlmsghdr*>(h);
            const auto* im = static_cast<const ifinfomsg*>(nlmsg_data(nh));
            if (im->ifi_index != index) return;
            nlattr* tb[IFLA_MAX + 1] = {};
            if (nlmsg_parse(nh, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0 || !tb[IFLA_AF_SPEC])
                return;
            nlattr* a;
            int rem;
            nla_for_each_nested(a, tb[IFLA_AF_SPEC], rem) {
                if (nla_type(a) != IFLA_BRIDGE_VLAN_INFO ||
                    nla_len(a) < static_cast<int>(sizeof(bridge_vlan_info)))
                    continue;
                const auto* vi = static_cast<const bridge_vlan_info*>(nla_data(a));
                out.push_back({vi->vid, vi->flags});
            }
        },
        [&] { out.clear(); });
    return out;
}

}  // namespace rt::netlink
