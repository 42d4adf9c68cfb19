#include "bridge/bridge.hpp"

#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <set>

#include "bridge/config.hpp"
#include "bridge/names.hpp"
#include "bridge/nftrules.hpp"
#include "bridge/rollback.hpp"
#include "bridge/sysctl.hpp"
#include "bridge/vlans.hpp"
#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/netns.hpp"
#include "netlink/route.hpp"
#include "netlink/socket.hpp"
#include "rt/error.hpp"

namespace rt::bridge {

using cni::CniError;
using cni::IpAddr;
using cni::IpNet;
using cni::Request;
using cni::Result;
using netlink::LinkInfo;
using netlink::Socket;

namespace {

constexpr std::string_view kPlugin = "rt-bridge";

// Host-side MACs start with fe: (local, unicast, and above any MAC the kernel or a
// container picks), so a bridge that takes its lowest port's MAC never takes ours: the
// bridge MAC reported in the result stays true without re-reading it.
cni::Mac host_side_mac() {
    cni::Mac m = cni::Mac::random();
    m.bytes[0] = 0xfe;
    return m;
}

// ---- host side ----

struct BridgeLink {
    LinkInfo link;
    bool created = false;
};

CniError no_vlan_filtering(const NetConf& c) {
    return CniError(
        cni::kUnsupportedField,
        (c.vlan ? "vlan: " + std::to_string(c.vlan) : std::string("vlanTrunk")) +
            ": this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)");
}

BridgeLink ensure_bridge(Socket& nl, const NetConf& c) {
    BridgeLink b;
    auto l = netlink::link_by_name(nl, c.bridge);
    if (!l) {
        // A fixed MAC: otherwise the bridge takes its lowest port's MAC, which changes
        // as containers come and go.
        int err =
            netlink::create_bridge(nl, {c.bridge, c.mtu, cni::Mac::random(), c.vlan_filtering()});
        if (err == EOPNOTSUPP && c.vlan_filtering()) throw no_vlan_filtering(c);
        if (err && err != EEXIST) throw Error("netlink: create bridge " + c.bridge, err);
        b.created = err == 0;
        l = netlink::link_by_name(nl, c.bridge);
        if (!l)
            throw CniError(cni::kTryAgainLater,
                           "bridge " + c.bridge + " vanished while being set up");
        // The plugin owns the bridge's IPv6 routes (as the reference does).
        if (b.created) write_sysctl("/proc/sys/net/ipv6/conf/" + c.bridge + "/accept_ra", "0");
    }
    if (l->kind != "bridge")
        throw CniError(cni::kInvalidConfig,
                       "bridge: " + c.bridge + " exists and is " +
                           (l->kind.empty() ? "not a bridge" : "a " + l->kind + ", not a bridge"));
    if (!(l->flags & IFF_UP)) netlink::set_up(nl, l->index, c.bridge);
    if (c.promisc && !(l->flags & IFF_PROMISC)) netlink::set_promisc(nl, l->index, c.bridge);
    if (c.vlan_filtering() && !l->vlan_filtering) {
        int err = netlink::try_set_bridge_vlan_filtering(nl, l->index);
        if (err == EOPNOTSUPP) throw no_vlan_filtering(c);
        if (err) throw Error("netlink: enable vlan_filtering on " + c.bridge, err);
    }
    b.link = *l;
    return b;
}

// Port VLANs: access port (vlan), trunk (vlanTrunk), or both (native + tagged).
void configure_port_vlans(Socket& nl, int index, const std::string& name, const NetConf& c) {
    PortVlans p = port_vlans(c);
    netlink::bridge_vlan_del(nl, index, name, p.del);
    netlink::bridge_vlan_add(nl, index, name, p.add);
}

// With isGateway and a VLAN the gateway address lives on "<bridge>.<vlan>", one end of a
// veth whose other end is an access port of that VLAN (as the reference does).
LinkInfo ensure_vlan_gateway(Socket& nl, const NetConf& c, const LinkInfo& br) {
    std::string name = c.bridge + "." + std::to_string(c.vlan);
    if (!cni::valid_ifname(name))
        throw CniError(cni::kInvalidConfig, "vlan: gateway interface name \"" + name +
                                                "\" is longer than 15 characters (shorten bridge)");
    if (auto l = netlink::link_by_name(nl, name)) return *l;
    std::string port = host_veth_name(c.name, "gateway", name);
    netlink::VethSpec v;
    v.name = port;
    v.mac = host_side_mac();
    v.master = br.index;
    v.peer_name = name;
    v.peer_mac = cni::Mac::random();
    v.peer_up = true;
    v.mtu = c.mtu;
    netlink::Ack a = netlink::create_veth(nl, v);
    if (a.error && a.error != EEXIST) netlink::throw_ack("netlink: create VLAN gateway " + name, a);
    auto p = netlink::link_by_name(nl, port);
    if (!p) throw CniError(cni::kTryAgainLater, "VLAN gateway port " + port + " vanished");
    configure_port_vlans(nl, p->index, port, [&] {
        NetConf access = c;
        access.vlan_trunk.clear();
        return access;
    }());
    auto l = netlink::link_by_name(nl, name);
    if (!l) throw CniError(cni::kTryAgainLater, "VLAN gateway " + name + " vanished");
    return *l;
}

void ensure_gateway_addr(Socket& nl, const LinkInfo& link, const IpNet& gw, bool force) {
    int family = gw.addr.is_v4() ? AF_INET : AF_INET6;
    for (const auto& a : netlink::list_addrs(nl, link.index, family)) {
        if (a.addr == gw) return;
        if (a.scope == RT_SCOPE_LINK) continue;
        bool conflict = gw.addr.is_v4() || a.addr.contains(gw.addr) || gw.contains(a.addr.addr);
        if (!conflict) continue;
        if (!force)
            throw CniError(cni::kInvalidConfig, "bridge " + link.name + " already has address " +
                                                    a.addr.str() + ", not " + gw.str() +
                                                    " (set forceAddress to replace it)");
        netlink::Message del = netlink::del_addr_msg(link.index, a.addr);
        nl.request(del);
    }
    netlink::Message add = netlink::add_addr_msg(link.index, gw, false);
    int err = nl.try_request(add);
    if (err && err != EEXIST)
        throw Error("netlink: add gateway " + gw.str() + " to " + link.name, err);
}

void enable_forwarding(bool v4) {
    const char* path =
        v4 ? "/proc/sys/net/ipv4/ip_forward" : "/proc/sys/net/ipv6/conf/all/forwarding";
    if (!write_sysctl(path, "1"))
        throw Error(std::string("enable forwarding: write ") + path, errno);
}

// ---- container side ----

struct ContainerSockets {
    std::optional<Socket> nl;
    std::optional<Socket> events;  // IPv6 address notifications, to wait for DAD
};

// Sockets bound to the container's namespace (opened on a short-lived thread there).
// No /proc/sys writes: DAD is skipped per address (IFA_F_NODAD) and arp_notify is set
// through netlink with the link-up request.
ContainerSockets open_container(int netns_fd, bool watch_dad) {
    ContainerSockets cs;
    netlink::run_switched_to_netns(netns_fd, [&] {
        cs.nl.emplace(NETLINK_ROUTE);
        if (watch_dad) {
            cs.events.emplace(NETLINK_ROUTE);
            cs.events->add_membership(RTNLGRP_IPV6_IFADDR);
        }
    });
    return cs;
}

void enable_ipv6(int netns_fd, const std::string& ifname) {
    netlink::run_in_netns(netns_fd, [&] {
        for (const std::string& dev : {std::string("lo"), ifname})
            if (!write_sysctl("/proc/sys/net/ipv6/conf/" + dev + "/disable_ipv6", "0"))
                throw Error("enable IPv6 on " + dev + " in the container", errno);
    });
}

// Waits (event driven) until the IPv6 addresses finish duplicate address detection.
void wait_for_dad(Socket& events, int index, std::vector<IpNet> pending) {
    while (!pending.empty()) {
        bool got = events.receive([&](const nlmsghdr* h) {
            netlink::AddrInfo a;
            if (!netlink::parse_addr(h, a) || a.index != index) return;
            for (auto it = pending.begin(); it != pending.end(); ++it) {
                if (it->addr != a.addr.addr) continue;
                if (a.flags & IFA_F_DADFAILED)
                    throw CniError(cni::kInternal,
                                   "duplicate address detection failed for " + a.addr.str());
                if (!(a.flags & IFA_F_TENTATIVE)) pending.erase(it);
                break;
            }
        });
        if (!got)
            throw CniError(cni::kInternal, "duplicate address detection did not finish for " +
                                               pending.front().str());
    }
}

// The IPAM result applied to the container interface: addresses, up, routes.
void configure_container(Socket& nl, ContainerSockets& cs, int netns_fd, int index,
                         const std::string& ifname, const Result& res, const NetConf& c) {
    std::optional<IpAddr> gw4, gw6;
    std::vector<IpNet> v6;
    for (const auto& ip : res.ips) {
        if (ip.gateway) {
            auto& g = ip.address.addr.is_v4() ? gw4 : gw6;
            if (!g) g = ip.gateway;
        }
        if (!ip.address.addr.is_v4()) v6.push_back(ip.address);
    }
    std::vector<netlink::Message> msgs;
    for (const auto& ip : res.ips)
        msgs.push_back(netlink::add_addr_msg(index, ip.address, c.enable_dad));
    msgs.push_back(netlink::set_link_msg(index, IFF_UP, IFF_UP));
    // Announce the new MAC/IP pair with a gratuitous ARP when the link comes up.
    netlink::put_ipv4_devconf(msgs.back(), IPV4_DEVCONF_ARP_NOTIFY, 1);
    msgs.back().what("netlink: set " + ifname + " up in the container");
    auto acks = nl.batch(msgs);
    for (std::size_t i = 0; i < acks.size(); ++i) {
        if (!acks[i].error) continue;
        bool v6_off = i < res.ips.size() && !res.ips[i].address.addr.is_v4() &&
                      (acks[i].error == EACCES || acks[i].error == EPERM);
        if (v6_off) {
            // IPv6 is disabled on the interface (disable_ipv6=1): enable it and retry.
            enable_ipv6(netns_fd, ifname);
            netlink::Message retry = netlink::add_addr_msg(index, res.ips[i].address, c.enable_dad);
            nl.request(retry);
            continue;
        }
        if (acks[i].error == EEXIST && i < res.ips.size()) continue;
        netlink::throw_ack(msgs[i].what(), acks[i]);
    }
    if (cs.events && !v6.empty()) wait_for_dad(*cs.events, index, v6);

    std::vector<netlink::Message> routes;
    for (const auto& r : res.routes) {
        netlink::RouteSpec s;
        s.dst = r.dst;
        s.gw = r.gw;
        if (!s.gw) s.gw = r.dst.addr.is_v4() ? gw4 : gw6;
        s.oif = index;
        s.mtu = r.mtu;
        s.advmss = r.advmss;
        s.priority = r.priority;
        s.table = r.table;
        s.scope = r.scope;
        routes.push_back(netlink::add_route_msg(s));
    }
    auto racks = nl.batch(routes);
    for (std::size_t i = 0; i < racks.size(); ++i)
        if (racks[i].error && racks[i].error != EEXIST)
            netlink::throw_ack(routes[i].what(), racks[i]);
}

// The reference's gateway rules: every address belongs to the container interface; a
// missing gateway is the subnet's first address when the bridge is the gateway; with
// isDefaultGateway, a default route per family unless the IPAM result has one.
void apply_gateway_rules(Result& res, const NetConf& c, int container_index) {
    bool default4 = false, default6 = false;
    for (const auto& r : res.routes)
        if (r.dst.prefix == 0) (r.dst.addr.is_v4() ? default4 : default6) = true;
    for (auto& ip : res.ips) {
        ip.interface = container_index;
        if (!ip.gateway && c.is_gateway) ip.gateway = ip.address.network().addr.next();
        bool v4 = ip.address.addr.is_v4();
        bool& have = v4 ? default4 : default6;
        if (c.is_default_gateway && !have && ip.gateway) {
            IpAddr any = v4 ? *IpAddr::parse("0.0.0.0") : *IpAddr::parse("::");
            res.routes.push_back(cni::Route{IpNet{any, 0}, ip.gateway, {}, {}, {}, {}, {}});
            have = true;
        }
    }
}

std::vector<IpNet> addresses_of(const std::optional<Result>& r) {
    std::vector<IpNet> out;
    if (r)
        for (const auto& ip : r->ips) out.push_back(ip.address);
    return out;
}

Attachment attachment_of(const Request& r, const NetConf& c) {
    return Attachment{c.name, r.container_id, r.ifname};
}

// ---- verbs ----

// Two delegate errors that say the same but for the verb ("<type> (ADD): <msg>" and
// "<type> (DEL): <msg>").
bool same_failure(const CniError& a, const CniError& b) {
    auto msg = [](std::string_view m) {
        auto p = m.find("): ");
        return p == std::string_view::npos ? m : m.substr(p + 3);
    };
    return a.code() == b.code() && msg(a.message()) == msg(b.message());
}

static_assert(kMaxAlias == IFALIASZ - 1);

// The alias records network, container id and ifname in clear text; a network name or a
// container id too long for it is refused before anything is made. The spec sets no
// length; the reference bridge (no alias) accepts these, its host-local takes up to 255
// bytes of network name (a directory name).
void check_alias_fits(const Request& r, const NetConf& c) {
    std::size_t len = veth_alias(c.name, r.container_id, r.ifname).size();
    if (len <= kMaxAlias) return;
    std::string why =
        " bytes, too long: rt-bridge records \"rt-bridge <name> <CNI_CONTAINERID> "
        "<CNI_IFNAME>\" as the host veth's alias, which the kernel keeps to " +
        std::to_string(kMaxAlias) + " bytes (here " + std::to_string(len) + ")";
    if (r.container_id.size() >= c.name.size())
        throw CniError(cni::kInvalidEnvironment,
                       "CNI_CONTAINERID: " + std::to_string(r.container_id.size()) + why);
    throw CniError(cni::kInvalidConfig, "name: " + std::to_string(c.name.size()) + why);
}

Result add(Request& r) {
    NetConf c = NetConf::parse(r);
    check_alias_fits(r, c);
    base::UniqueFd netns = netlink::open_container_netns(r.netns);
    const std::string host_name = host_veth_name(c.name, r.container_id, r.ifname);
    const Attachment att = attachment_of(r, c);
    // Declared before the undo stack: its steps use them.
    std::optional<cni::Delegate> ipam;
    // The IPAM ADD's error when it is what this ADD reports: the rollback's IPAM DEL of a
    // config the plugin refused fails the same way, and a second line would only repeat it.
    std::optional<CniError> ipam_failed;
    Socket nl;
    Rollback undo;

    // A second ADD of a live attachment must fail before the IPAM plugin runs: its
    // rollback DEL would release the first ADD's addresses (same container id + ifname).
    if (netlink::link_by_name(nl, host_name))
        throw CniError(cni::kInternal, "host interface " + host_name + " for container " +
                                           r.container_id + " (" + r.ifname + ") in network " +
                                           c.name + " already exists: DEL it before a new ADD");

    // The IPAM plugin runs while the links are built; it is waited for below.
    if (c.layer3()) {
        ipam.emplace(c.ipam_type, "ADD", r.path, r.stdin_data);
        // From here on a failed ADD runs the IPAM plugin's DEL (SPEC.md section 4), also
        // when its ADD failed: it may have reserved part of what it was asked for.
        undo.push("release addresses (IPAM DEL)", [&] {
            if (ipam) {
                try {
                    ipam->wait();
                } catch (...) {
                }
                ipam.reset();
            }
            try {
                cni::exec_delegate(c.ipam_type, "DEL", r.path, r.stdin_data);
            } catch (const CniError& e) {
                if (ipam_failed && same_failure(*ipam_failed, e)) return;
                throw;
            }
        });
    }

    BridgeLink br = ensure_bridge(nl, c);

    netlink::VethSpec v;
    v.name = host_name;
    v.mac = host_side_mac();
    v.up = false;
    v.peer_name = r.ifname;
    v.peer_mac = c.mac ? *c.mac : cni::Mac::random();
    v.peer_netns_fd = netns.get();
    v.mtu = c.mtu;
    // Creation, then the alias (which GC reads), up and joining the bridge in one more
    // round trip (by name: only once the create succeeded, so the name is our link), in
    // this order so that no step walks what grows with the number of attached containers:
    // the alias is set while the host end is down (on an up link it is a NETDEV_CHANGE,
    // for which IPv6 walks the whole routing table); the link goes up before it is a
    // bridge port (a port coming up makes the bridge re-select the state of every port),
    // as the kernel orders it when one request creates an up link with a master; it joins
    // without carrier (the container end is still down).
    netlink::Message create = netlink::create_veth_msg(v);
    netlink::Ack created = nl.batch(std::span<netlink::Message>(&create, 1))[0];
    if (created.error == EEXIST) {
        if (netlink::link_by_name(nl, host_name))
            throw CniError(cni::kInternal, "host interface " + host_name + " for container " +
                                               r.container_id + " (" + r.ifname + ") in network " +
                                               c.name + " already exists: DEL it before a new ADD");
        throw CniError(cni::kInvalidEnvironment,
                       "CNI_IFNAME: interface " + r.ifname + " already exists in " + r.netns);
    }
    if (created.error) netlink::throw_ack(create.what(), created);
    undo.push("delete veth " + host_name, [&] { netlink::delete_link(nl, host_name); });
    std::vector<netlink::Message> setup;
    setup.push_back(
        netlink::set_alias_by_name_msg(host_name, veth_alias(c.name, r.container_id, r.ifname)));
    setup.push_back(netlink::set_up_by_name_msg(host_name));
    setup.push_back(netlink::set_master_by_name_msg(host_name, br.link.index));
    auto acks = nl.batch(setup);
    for (std::size_t i = 0; i < acks.size(); ++i)
        if (acks[i].error) netlink::throw_ack(setup[i].what(), acks[i]);

    if (c.hairpin || c.port_isolation || c.vlan_filtering()) {
        auto host = netlink::link_by_name(nl, host_name);
        if (!host)
            throw CniError(cni::kTryAgainLater,
                           "veth " + host_name + " vanished while being set up");
        if (c.hairpin || c.port_isolation)
            netlink::set_bridge_port(nl, host->index, host_name, c.hairpin, c.port_isolation);
        configure_port_vlans(nl, host->index, host_name, c);
    }

    Result res;
    if (c.layer3()) {
        Result got;
        try {
            got = ipam->wait_result();
        } catch (const CniError& e) {
            ipam_failed = e;
            throw;
        }
        ipam.reset();
        if (got.ips.empty())
            throw CniError(cni::kInternal,
                           "IPAM plugin " + c.ipam_type + " returned no IP address");
        res.ips = got.ips;
        res.routes = got.routes;
        res.dns = got.dns;
    }
    apply_gateway_rules(res, c, 2);

    bool has_v6 = false;
    for (const auto& ip : res.ips) has_v6 |= !ip.address.addr.is_v4();
    ContainerSockets cs = open_container(netns.get(), has_v6 && c.enable_dad);
    auto cont = netlink::link_by_name(*cs.nl, r.ifname);
    if (!cont) throw CniError(cni::kUnknownContainer, r.ifname + " vanished from " + r.netns);
    if (c.layer3()) {
        configure_container(*cs.nl, cs, netns.get(), cont->index, r.ifname, res, c);
    } else if (!c.disable_container_interface) {
        netlink::set_up(*cs.nl, cont->index, r.ifname);
    }

    LinkInfo gw_link = br.link;
    std::optional<LinkInfo> vlan_gw;
    if (c.is_gateway && c.layer3()) {
        if (c.vlan) {
            vlan_gw = ensure_vlan_gateway(nl, c, br.link);
            gw_link = *vlan_gw;
        }
        bool fwd4 = false, fwd6 = false;
        for (const auto& ip : res.ips) {
            if (!ip.gateway) continue;
            ensure_gateway_addr(nl, gw_link, IpNet{*ip.gateway, ip.address.prefix},
                                c.force_address);
            (ip.address.addr.is_v4() ? fwd4 : fwd6) = true;
        }
        if (fwd4) enable_forwarding(true);
        if (fwd6) enable_forwarding(false);
    }

    if (c.ip_masq && c.layer3()) {
        Socket nft(NETLINK_NETFILTER);
        auto ips = addresses_of(res);
        masq::setup(nft, att, ips);
        undo.push("remove masquerade", [&, ips] {
            Socket s(NETLINK_NETFILTER);
            masq::teardown(s, att, ips);
        });
    }
    if (c.macspoofchk) {
        Socket nft(NETLINK_NETFILTER);
        spoof::setup(nft, att, host_name, v.peer_mac);
        undo.push("remove MAC spoof check", [&] {
            Socket s(NETLINK_NETFILTER);
            spoof::teardown(s, att, host_name);
        });
    }

    // The bridge's MAC did not change when our port joined: see host_side_mac().
    const LinkInfo& br_now = br.link;
    std::optional<std::uint32_t> mtu;
    if (c.mtu) mtu = static_cast<std::uint32_t>(c.mtu);
    res.interfaces.push_back(
        {c.bridge, br_now.mac ? br_now.mac->str() : "", std::nullopt, "", "", ""});
    res.interfaces.push_back({host_name, v.mac.str(), mtu, "", "", ""});
    res.interfaces.push_back({r.ifname, v.peer_mac.str(), mtu, r.netns, "", ""});
    if (vlan_gw)
        res.interfaces.push_back(
            {vlan_gw->name, vlan_gw->mac ? vlan_gw->mac->str() : "", std::nullopt, "", "", ""});
    if (c.dns) res.dns = *c.dns;

    // Chained after another plugin: keep what it reported, ours follow.
    if (r.prev_result) {
        Result merged = *r.prev_result;
        int offset = static_cast<int>(merged.interfaces.size());
        for (auto& ip : res.ips)
            if (ip.interface) *ip.interface += offset;
        merged.interfaces.insert(merged.interfaces.end(), res.interfaces.begin(),
                                 res.interfaces.end());
        merged.ips.insert(merged.ips.end(), res.ips.begin(), res.ips.end());
        merged.routes.insert(merged.routes.end(), res.routes.begin(), res.routes.end());
        if (!res.dns.empty()) merged.dns = res.dns;
        res = std::move(merged);
    }
    undo.dismiss();
    return res;
}

void del(Request& r) {
    NetConf c = NetConf::parse(r, false);
    const std::string host_name = host_veth_name(c.name, r.container_id, r.ifname);
    const Attachment att = attachment_of(r, c);
    std::string first_error;
    auto attempt = [&](const char* what, const std::function<void()>& fn) {
        try {
            fn();
        } catch (const std::exception& e) {
            cni::warn(kPlugin, std::string(what) + ": " + e.what());
            if (first_error.empty()) first_error = e.what();
        }
    };

    // Firewall state first: the address must not be released (and given to another
    // container) while a rule still names it. The nftables socket stays open until DEL
    // ends: closing a NETLINK_NETFILTER socket waits for the kernel to destroy what its
    // transactions deleted (an RCU grace period); at the end that wait has run its course
    // during the veth's own teardown.
    std::optional<Socket> nft;
    auto nft_socket = [&]() -> Socket& {
        if (!nft) nft.emplace(NETLINK_NETFILTER);
        return *nft;
    };
    if (c.ip_masq && c.layer3())
        attempt("remove masquerade",
                [&] { masq::teardown(nft_socket(), att, addresses_of(r.prev_result)); });
    if (c.macspoofchk)
        attempt("remove MAC spoof check", [&] { spoof::teardown(nft_socket(), att, host_name); });

    std::optional<cni::Delegate> ipam;
    if (c.layer3())
        attempt("IPAM DEL", [&] { ipam.emplace(c.ipam_type, "DEL", r.path, r.stdin_data); });

    attempt("delete veth", [&] {
        Socket nl;
        if (netlink::delete_link(nl, host_name)) return;
        // Not ours by name (added by another bridge plugin?): remove the container's
        // interface, if the namespace is still there and it is a veth.
        if (r.netns.empty()) return;
        netlink::NetnsState st{};
        base::UniqueFd ns = netlink::open_netns(r.netns, st);
        if (st != netlink::NetnsState::Ok || netlink::is_current_netns(ns.get())) return;
        netlink::run_in_netns(ns.get(), [&] {
            Socket cnl;
            if (auto l = netlink::link_by_name(cnl, r.ifname); l && l->kind == "veth")
                netlink::delete_link(cnl, l->index);
        });
    });

    if (ipam) attempt("IPAM DEL", [&] { ipam->wait(); });
    if (!first_error.empty()) throw CniError(cni::kInternal, "DEL incomplete: " + first_error);
}

[[noreturn]] void check_failed(const std::string& why) {
    throw CniError(cni::kInternal, "CHECK: " + why);
}

void check(Request& r) {
    NetConf c = NetConf::parse(r);
    base::UniqueFd netns = netlink::open_container_netns(r.netns);
    if (c.layer3()) cni::exec_delegate(c.ipam_type, "CHECK", r.path, r.stdin_data);
    if (!r.prev_result) throw CniError(cni::kInvalidConfig, "prevResult: required for CHECK");
    const Result& prev = *r.prev_result;

    const cni::Interface* br_if = nullptr;
    const cni::Interface* cont_if = nullptr;
    int cont_idx = -1;
    for (std::size_t i = 0; i < prev.interfaces.size(); ++i) {
        const auto& itf = prev.interfaces[i];
        if (itf.name == c.bridge && itf.sandbox.empty()) br_if = &itf;
        if (itf.name == r.ifname && itf.sandbox == r.netns) {
            cont_if = &itf;
            cont_idx = static_cast<int>(i);
        }
    }
    if (!br_if) check_failed("prevResult has no interface for bridge " + c.bridge);
    if (!cont_if)
        check_failed("prevResult has no interface " + r.ifname + " in sandbox " + r.netns);

    Socket nl;
    auto br = netlink::link_by_name(nl, c.bridge);
    if (!br || br->kind != "bridge") check_failed("bridge " + c.bridge + " not found");
    if (!br_if->mac.empty() && (!br->mac || br->mac->str() != br_if->mac))
        check_failed("bridge " + c.bridge + " MAC is " + (br->mac ? br->mac->str() : "none") +
                     ", prevResult says " + br_if->mac);
    if (bool promisc = br->flags & IFF_PROMISC; promisc != c.promisc)
        check_failed(std::string("bridge ") + c.bridge + " promiscuous mode is " +
                     (promisc ? "on" : "off") + ", config says " + (c.promisc ? "on" : "off"));

    ContainerSockets cs = open_container(netns.get(), false);
    auto cont = netlink::link_by_name(*cs.nl, r.ifname);
    if (!cont) check_failed("interface " + r.ifname + " not found in " + r.netns);
    if (cont->kind != "veth") check_failed(r.ifname + " is not a veth");
    if (!cont_if->mac.empty() && (!cont->mac || cont->mac->str() != cont_if->mac))
        check_failed(r.ifname + " MAC is " + (cont->mac ? cont->mac->str() : "none") +
                     ", prevResult says " + cont_if->mac);

    const cni::Interface* host_if = nullptr;
    for (const auto& itf : prev.interfaces) {
        if (!itf.sandbox.empty() || &itf == br_if) continue;
        auto l = netlink::link_by_name(nl, itf.name);
        if (l && l->kind == "veth" && l->index == cont->peer && l->master == br->index) {
            host_if = &itf;
            if (!itf.mac.empty() && (!l->mac || l->mac->str() != itf.mac))
                check_failed(itf.name + " MAC is " + (l->mac ? l->mac->str() : "none") +
                             ", prevResult says " + itf.mac);
        }
    }
    if (!host_if) check_failed("no veth on bridge " + c.bridge + " is the peer of " + r.ifname);

    auto addrs = netlink::list_addrs(*cs.nl, cont->index, AF_UNSPEC);
    for (const auto& ip : prev.ips) {
        if (ip.interface && *ip.interface != cont_idx) continue;
        bool found = false;
        for (const auto& a : addrs) found |= a.addr == ip.address;
        if (!found) check_failed("address " + ip.address.str() + " not on " + r.ifname);
    }
    std::vector<netlink::RouteSpec> routes[2] = {netlink::list_routes(*cs.nl, AF_INET),
                                                 netlink::list_routes(*cs.nl, AF_INET6)};
    for (const auto& want : prev.routes) {
        bool found = false;
        for (const auto& have : routes[want.dst.addr.is_v4() ? 0 : 1])
            found |= have.dst == want.dst && (!want.gw || have.gw == want.gw);
        if (!found)
            check_failed("route " + want.dst.str() + (want.gw ? " via " + want.gw->str() : "") +
                         " not in the container");
    }
    if (c.ip_masq && c.layer3()) {
        Socket nft(NETLINK_NETFILTER);
        masq::check(nft, attachment_of(r, c), addresses_of(r.prev_result));
    }
    if (c.macspoofchk) {
        Socket nft(NETLINK_NETFILTER);
        spoof::check(nft, attachment_of(r, c), host_if->name);
    }
}

void status(Request& r) {
    NetConf c = NetConf::parse(r);
    if (c.layer3()) cni::exec_delegate(c.ipam_type, "STATUS", r.path, r.stdin_data);
}

void gc(Request& r) {
    NetConf c = NetConf::parse(r, false);
    std::set<std::uint64_t> valid;
    std::set<std::string> valid_names;
    if (const cni::json::Value* va =
            cni::json::get_array(r.config, "cni.dev/valid-attachments", "")) {
        for (rapidjson::SizeType i = 0; i < va->Size(); ++i) {
            std::string p = cni::json::path_index("cni.dev/valid-attachments", i);
            if (!(*va)[i].IsObject())
                throw CniError(cni::kInvalidConfig, p + ": must be an object");
            auto id = cni::json::get_string_or((*va)[i], "containerID", p, "");
            auto ifname = cni::json::get_string_or((*va)[i], "ifname", p, "");
            valid.insert(attachment_hash(c.name, id, ifname));
            valid_names.insert(host_veth_name(c.name, id, ifname));
        }
    }
    // GC goes on after an error and reports the first one (SPEC.md, GC).
    std::string first_error;
    int errors = 0;
    auto attempt = [&](const char* what, const std::function<void()>& fn) {
        try {
            fn();
        } catch (const std::exception& e) {
            cni::warn(kPlugin, std::string("GC: ") + what + ": " + e.what());
            if (first_error.empty()) first_error = std::string(what) + ": " + e.what();
            ++errors;
        }
    };
    attempt("remove stale veths", [&] {
        Socket nl;
        auto br = netlink::link_by_name(nl, c.bridge);
        if (!br) return;
        for (const auto& port : netlink::links_of_master(nl, br->index)) {
            auto parts = parse_veth_alias(port.alias);
            if (!parts || parts->network != c.name || valid_names.count(port.name)) continue;
            netlink::delete_link(nl, port.index);
        }
    });
    if (c.ip_masq)
        attempt("remove stale masquerade rules", [&] {
            Socket nft(NETLINK_NETFILTER);
            masq::gc(nft, c.name, valid);
        });
    if (c.macspoofchk)
        attempt("remove stale MAC spoof checks", [&] {
            Socket nft(NETLINK_NETFILTER);
            spoof::gc(nft, c.name, valid);
        });
    if (c.layer3())
        attempt("IPAM GC", [&] { cni::exec_delegate(c.ipam_type, "GC", r.path, r.stdin_data); });
    if (errors)
        throw CniError(cni::kInternal,
                       "GC: " + std::to_string(errors) + " step(s) failed; first: " + first_error);
}

}  // namespace

cni::Plugin bridge_plugin() {
    cni::Plugin p;
    p.name = kPlugin;
    p.add = add;
    p.del = del;
    p.check = check;
    p.status = status;
    p.gc = gc;
    return p;
}

}  // namespace rt::bridge
