// config-linux.md "Network Devices". What the kernel does, which shapes this file:
// * A netns move (RTM_SETLINK with IFLA_NET_NS_FD) closes the device and drops every address
//   and route it had, so the addresses the spec says to keep are read before and re-added
//   after. The device keeps its MAC, MTU and other link attributes.
// * IFLA_IFNAME in the same request is used for the move only when the current name is taken
//   in the target; otherwise the device moves under its current name and is renamed after,
//   and a taken new name then fails the request with the device already in the target. So rt
//   moves it under a unique temporary name (a move that cannot collide) and renames it inside
//   the target in a second request: a failure of either leaves the device in a known place.
// * On container delete rt does nothing (the spec: the runtime MUST NOT move the device out).
//   When the last process of the namespace exits and nothing pins it, the kernel destroys the
//   namespace: physical devices go back to the *initial* network namespace under their
//   container name (dev%d if that is taken there), virtual ones (veth, ifb, macvlan ...) are
//   destroyed with it.
#include "linux/net_devices.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "netlink/link.hpp"
#include "netlink/netns.hpp"
#include "netlink/socket.hpp"
#include "rt/error.hpp"

namespace rt::linux {
namespace {

// An address of the device as the kernel reported it, enough to add it again.
struct SavedAddr {
    std::uint8_t family = 0, prefixlen = 0, scope = 0;
    std::uint32_t flags = 0;                           // IFA_F_*
    std::vector<std::uint8_t> local, peer, broadcast;  // IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST
    std::string label;                                 // IFA_LABEL (IPv4): "eth0", "eth0:1"
};

// Flags RTM_NEWADDR accepts from user space (the others are the kernel's state).
constexpr std::uint32_t kSettableFlags =
    IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN;

std::vector<std::uint8_t> bytes(const nlattr* a) {
    if (!a) return {};
    const auto* p = static_cast<const std::uint8_t*>(nla_data(a));
    return {p, p + nla_len(a)};
}

// The device's permanent addresses (IFA_F_PERMANENT: configured, not learned), dump order.
std::vector<SavedAddr> permanent_addrs(netlink::Socket& s, int index, const std::string& name) {
    std::vector<SavedAddr> out;
    ifaddrmsg h{};
    h.ifa_family = AF_UNSPEC;
    h.ifa_index = static_cast<unsigned>(index);
    netlink::Message m(RTM_GETADDR, 0, h);
    m.what("netlink: list addresses of " + name);
    s.dump(
        m,
        [&](const nlmsghdr* nh) {
            if (nh->nlmsg_type != RTM_NEWADDR) return;
            auto* mh = const_cast<nlmsghdr*>(nh);
            const auto* ifa = static_cast<const ifaddrmsg*>(nlmsg_data(mh));
            nlattr* tb[IFA_MAX + 1] = {};
            if (nlmsg_parse(mh, sizeof(ifaddrmsg), tb, IFA_MAX, nullptr) < 0) return;
            if (ifa->ifa_index != static_cast<unsigned>(index)) return;
            SavedAddr a;
            a.family = ifa->ifa_family;
            a.prefixlen = ifa->ifa_prefixlen;
            a.scope = ifa->ifa_scope;
            a.flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
            a.local = bytes(tb[IFA_LOCAL]);
            a.peer = bytes(tb[IFA_ADDRESS]);
            a.broadcast = bytes(tb[IFA_BROADCAST]);
            if (const nlattr* l = tb[IFA_LABEL])
                a.label.assign(static_cast<const char*>(nla_data(l)),
                               strnlen(static_cast<const char*>(nla_data(l)),
                                       static_cast<size_t>(nla_len(l))));
            if ((a.flags & IFA_F_PERMANENT) && (!a.local.empty() || !a.peer.empty()))
                out.push_back(std::move(a));
        },
        [&] { out.clear(); });
    return out;
}

std::string addr_text(const SavedAddr& a) {
    const auto& b = a.local.empty() ? a.peer : a.local;
    char text[INET6_ADDRSTRLEN] = "?";
    if ((a.family == AF_INET && b.size() == 4) || (a.family == AF_INET6 && b.size() == 16))
        inet_ntop(a.family, b.data(), text, sizeof text);
    return std::string(text) + "/" + std::to_string(a.prefixlen);
}

// The IPv4 label an address gets on `dev`, which had it as `host_name`: "" (the kernel then
// uses the device's name) for the plain name, the alias suffix kept ("eth0:1" -> "ctr0:1").
std::string label_on(const SavedAddr& a, const std::string& host_name, const std::string& dev) {
    if (a.label.empty() || a.label == host_name) return "";
    if (a.label.rfind(host_name + ":", 0) == 0) {
        std::string moved = dev + a.label.substr(host_name.size());
        return moved.size() < IFNAMSIZ ? moved : "";
    }
    return a.label;
}

netlink::Message add_addr_msg(const SavedAddr& a, int index, const std::string& dev,
                              const std::string& label) {
    ifaddrmsg h{};
    h.ifa_family = a.family;
    h.ifa_prefixlen = a.prefixlen;
    h.ifa_scope = a.scope;
    h.ifa_index = static_cast<unsigned>(index);
    netlink::Message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, h);
    if (!a.local.empty()) m.put(IFA_LOCAL, a.local.data(), a.local.size());
    if (!a.peer.empty()) m.put(IFA_ADDRESS, a.peer.data(), a.peer.size());
    if (!a.broadcast.empty()) m.put(IFA_BROADCAST, a.broadcast.data(), a.broadcast.size());
    if (!label.empty()) m.put_string(IFA_LABEL, label);
    if (std::uint32_t f = a.flags & kSettableFlags) m.put_u32(IFA_FLAGS, f);
    m.what("netlink: add address " + addr_text(a) + " to " + dev);
    return m;
}

// RTM_SETLINK moving link `index` (of the socket's namespace) into `netns_fd` as `name`.
netlink::Message move_msg(int index, int netns_fd, const std::string& name) {
    netlink::Message m = netlink::set_link_msg(index, 0, 0);
    m.put_u32(IFLA_NET_NS_FD, static_cast<std::uint32_t>(netns_fd));
    m.put_string(IFLA_IFNAME, name);
    return m;
}

netlink::Message rename_msg(int index, const std::string& name) {
    netlink::Message m = netlink::set_link_msg(index, 0, 0);
    m.put_string(IFLA_IFNAME, name);
    return m;
}

bool same_inode(int fd, const char* path) {
    struct stat a {
    }, b{};
    return ::fstat(fd, &a) == 0 && ::stat(path, &b) == 0 && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

// Sockets bound to both namespaces and rt's own namespace as an fd (the target of a move
// back); shared by the undos, which outlive move_net_devices.
struct Session {
    netlink::Socket host;
    std::optional<netlink::Socket> target;
    base::UniqueFd host_netns;
};

// The undo of one move: back to rt's namespace under its host name, then its permanent
// addresses (but IPv6 link-local ones: the kernel makes them again when the link comes up)
// and its up state. Throws (the rollback logs it) when the device cannot go back.
void move_back(Session& s, int target_index, const std::string& host_name,
               const std::vector<SavedAddr>& addrs, bool was_up) {
    netlink::Message m = move_msg(target_index, s.host_netns.get(), host_name);
    m.what("move network device " + host_name + " back to rt's network namespace");
    s.target->request(m);
    auto link = netlink::link_by_name(s.host, host_name);
    if (!link) throw Error("network device " + host_name + " is not back in rt's namespace");
    std::vector<netlink::Message> msgs;
    for (const auto& a : addrs)
        if (!(a.family == AF_INET6 && a.scope == RT_SCOPE_LINK))
            msgs.push_back(add_addr_msg(a, link->index, host_name, a.label));
    if (was_up) {
        msgs.push_back(netlink::set_link_msg(link->index, IFF_UP, IFF_UP));
        msgs.back().what("netlink: set " + host_name + " up");
    }
    auto acks = s.host.batch(msgs);
    for (size_t i = 0; i < acks.size(); ++i)
        if (acks[i].error && acks[i].error != EEXIST) netlink::throw_ack(msgs[i].what(), acks[i]);
}

}  // namespace

void check_net_devices_target(const NamespacePlan& ns) {
    // The spec is silent on a container without its own network namespace; runc refuses it
    // ("without a private NET namespace"): the devices would stay where they are.
    if (!ns.has(CLONE_NEWNET))
        throw Error(
            "config.json: /linux/netDevices: moving network devices needs a \"network\" entry "
            "in /linux/namespaces (the container shares rt's network namespace)",
            ErrorKind::InvalidArgument);
    int fd = ns.join_fd(CLONE_NEWNET);
    if (fd >= 0 && same_inode(fd, "/proc/thread-self/ns/net"))
        throw Error(
            "config.json: /linux/netDevices: the network namespace joined by path is rt's own: "
            "there is nowhere to move the devices to",
            ErrorKind::InvalidArgument);
}

void move_net_devices(const std::map<std::string, oci::NetDevice>& devices, int netns_fd,
                      base::Rollback& rollback) {
    auto s = std::make_shared<Session>();
    s->host_netns.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!s->host_netns) throw Error("open /proc/thread-self/ns/net", errno);
    netlink::run_in_netns(netns_fd, [&] { s->target.emplace(NETLINK_ROUTE); });

    // Every host device first, so a missing one fails before anything moved.
    struct Plan {
        const std::string* host_name;
        std::string name;  // in the container (may be a "%d" template)
        netlink::LinkInfo link;
    };
    std::vector<Plan> plans;
    for (const auto& [host_name, dev] : devices) {
        auto link = netlink::link_by_name(s->host, host_name);
        if (!link)
            throw Error("config.json: /linux/netDevices/" + host_name + ": no network device " +
                            host_name + " in rt's network namespace",
                        ErrorKind::NotFound);
        plans.push_back(
            {&host_name, dev.name && !dev.name->empty() ? *dev.name : host_name, std::move(*link)});
    }

    unsigned n = 0;
    for (const auto& p : plans) {
        const std::string& host_name = *p.host_name;
        const std::string field = "config.json: /linux/netDevices/" + host_name;
        std::vector<SavedAddr> addrs = permanent_addrs(s->host, p.link.index, host_name);
        bool was_up = (p.link.flags & IFF_UP) != 0;

        char tmp[IFNAMSIZ];
        (void)std::snprintf(tmp, sizeof tmp, "rtnd%x.%x",
                            static_cast<unsigned>(::getpid()) & 0xffffff, n++ & 0xff);
        // The undo is registered before the move: if anything fails after the kernel moved
        // the device, the undo finds it by its temporary name (ours alone) or known index.
        auto index = std::make_shared<int>(0);
        rollback.add("network device " + host_name,
                     [s, index, tmp = std::string(tmp), host_name, addrs, was_up] {
                         if (*index == 0) {
                             auto l = netlink::link_by_name(*s->target, tmp);
                             if (!l) return;  // it never left rt's namespace
                             *index = l->index;
                         }
                         move_back(*s, *index, host_name, addrs, was_up);
                     });
        netlink::Message move = move_msg(p.link.index, netns_fd, tmp);
        if (int err = s->host.try_request(move))
            throw Error(field + ": move into the container's network namespace", err);
        auto moved = netlink::link_by_name(*s->target, tmp);
        if (!moved)
            throw Error(field + ": not found in the container's network namespace after the move",
                        ErrorKind::NotFound);
        *index = moved->index;

        netlink::Message rename = rename_msg(*index, p.name);
        if (int err = s->target->try_request(rename)) {
            if (err == EEXIST)
                throw Error(field + "/name: a network device named " + p.name +
                                " already exists in the container's network namespace",
                            ErrorKind::AlreadyExists);
            throw Error(field + "/name: rename to " + p.name, err);
        }
        std::string name = p.name;  // a template's number: asked back
        if (name.find('%') != std::string::npos) {
            auto l = netlink::link_by_index(*s->target, *index);
            if (l) name = l->name;
        }
        // The spec: every permanent address of global scope, then up.
        std::vector<netlink::Message> msgs;
        for (const auto& a : addrs)
            if (a.scope == RT_SCOPE_UNIVERSE)
                msgs.push_back(add_addr_msg(a, *index, name, label_on(a, host_name, name)));
        msgs.push_back(netlink::set_link_msg(*index, IFF_UP, IFF_UP));
        msgs.back().what("netlink: set " + name + " up");
        auto acks = s->target->batch(msgs);
        for (size_t i = 0; i < acks.size(); ++i) {
            if (!acks[i].error) continue;
            try {
                netlink::throw_ack(msgs[i].what(), acks[i]);
            } catch (Error& e) {
                throw e.context(field);
            }
        }
    }
}

}  // namespace rt::linux

namespace rt::linux {

void set_loopback_up(int netns_fd) {
    std::optional<netlink::Socket> s;
    // The socket stays bound to the namespace it was opened in; the request is sent from here.
    netlink::run_switched_to_netns(netns_fd, [&] { s.emplace(NETLINK_ROUTE); });
    netlink::Message m = netlink::set_up_by_name_msg("lo");
    s->request(m);
}

}  // namespace rt::linux
