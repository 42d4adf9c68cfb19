// `rt-probe net`: links, addresses and routes of the probe's network namespace, read with
// rtnetlink dumps (sysfs would show the namespace sysfs was mounted in, not the process's).
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

#include "probe.hpp"

namespace probe {
namespace {

using Handler = std::function<void(const nlmsghdr*)>;

// Sends one dump request and calls handle for every reply message; false on failure.
bool dump(int sock, uint16_t type, uint8_t family, const Handler& handle) {
    struct {
        nlmsghdr hdr;
        rtgenmsg gen;
    } req{};
    req.hdr.nlmsg_len = sizeof req;
    req.hdr.nlmsg_type = type;
    req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.hdr.nlmsg_seq = type;
    req.gen.rtgen_family = family;
    if (::send(sock, &req, sizeof req, 0) < 0) return false;
    alignas(nlmsghdr) char buf[65536];
    for (;;) {
        ssize_t n = ::recv(sock, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        auto len = static_cast<unsigned>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE) return true;
            if (h->nlmsg_type == NLMSG_ERROR) return false;
            handle(h);
        }
    }
}

std::string mac_text(const rtattr* a) {
    std::string out;
    auto* bytes = static_cast<const unsigned char*>(RTA_DATA(a));
    for (size_t i = 0; i < RTA_PAYLOAD(a); ++i) {
        char part[4];
        (void)std::snprintf(part, sizeof part, i ? ":%02x" : "%02x", bytes[i]);
        out += part;
    }
    return out;
}

std::string addr_text(int family, const rtattr* a) {
    char text[INET6_ADDRSTRLEN] = "";
    ::inet_ntop(family, RTA_DATA(a), text, sizeof text);
    return text;
}

void write_link(Writer& w, const nlmsghdr* h) {
    auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    w.StartObject();
    w.Key("index");
    w.Int(info->ifi_index);
    w.Key("up");
    w.Bool(info->ifi_flags & IFF_UP);
    w.Key("promisc");
    w.Bool(info->ifi_flags & IFF_PROMISC);
    int len = static_cast<int>(IFLA_PAYLOAD(h));
    for (auto* a = IFLA_RTA(info); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        switch (a->rta_type) {
            case IFLA_IFNAME:
                w.Key("name");
                w.String(static_cast<const char*>(RTA_DATA(a)));
                break;
            case IFLA_MTU:
                w.Key("mtu");
                w.Uint(*static_cast<const uint32_t*>(RTA_DATA(a)));
                break;
            case IFLA_ADDRESS:
                w.Key("mac");
                w.String(mac_text(a).c_str());
                break;
            case IFLA_MASTER:
                w.Key("master");
                w.Int(*static_cast<const int*>(RTA_DATA(a)));
                break;
            case IFLA_LINK_NETNSID:
                w.Key("link_netnsid");
                w.Int(*static_cast<const int*>(RTA_DATA(a)));
                break;
            case IFLA_LINKINFO: {
                int inner = static_cast<int>(RTA_PAYLOAD(a));
                for (auto* b = static_cast<rtattr*>(RTA_DATA(a)); RTA_OK(b, inner);
                     b = RTA_NEXT(b, inner)) {
                    if (b->rta_type == IFLA_INFO_KIND) {
                        w.Key("kind");
                        w.String(static_cast<const char*>(RTA_DATA(b)));
                    }
                }
                break;
            }
            default:
                break;
        }
    }
    w.EndObject();
}

void write_addr(Writer& w, const nlmsghdr* h) {
    auto* info = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
    const rtattr* address = nullptr;
    const rtattr* local = nullptr;
    int len = static_cast<int>(IFA_PAYLOAD(h));
    for (auto* a = IFA_RTA(info); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFA_ADDRESS) address = a;
        if (a->rta_type == IFA_LOCAL) local = a;
    }
    const rtattr* chosen = local ? local : address;
    if (!chosen) return;
    w.StartObject();
    w.Key("index");
    w.Int(static_cast<int>(info->ifa_index));
    w.Key("family");
    w.Int(info->ifa_family == AF_INET6 ? 6 : 4);
    w.Key("address");
    w.String(addr_text(info->ifa_family, chosen).c_str());
    w.Key("prefix");
    w.Int(info->ifa_prefixlen);
    w.Key("cidr");
    w.String(
        (addr_text(info->ifa_family, chosen) + "/" + std::to_string(info->ifa_prefixlen)).c_str());
    w.EndObject();
}

void write_route(Writer& w, const nlmsghdr* h) {
    auto* info = static_cast<const rtmsg*>(NLMSG_DATA(h));
    if (info->rtm_table != RT_TABLE_MAIN || info->rtm_type != RTN_UNICAST) return;
    std::string dst = info->rtm_family == AF_INET6 ? "::" : "0.0.0.0";
    std::string gateway;
    int oif = 0;
    int len = static_cast<int>(RTM_PAYLOAD(h));
    for (auto* a = RTM_RTA(info); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == RTA_DST) dst = addr_text(info->rtm_family, a);
        if (a->rta_type == RTA_GATEWAY) gateway = addr_text(info->rtm_family, a);
        if (a->rta_type == RTA_OIF) oif = *static_cast<const int*>(RTA_DATA(a));
    }
    w.StartObject();
    w.Key("family");
    w.Int(info->rtm_family == AF_INET6 ? 6 : 4);
    w.Key("dst");
    w.String((dst + "/" + std::to_string(info->rtm_dst_len)).c_str());
    w.Key("gateway");
    w.String(gateway.c_str());
    w.Key("oif");
    w.Int(oif);
    w.EndObject();
}

}  // namespace

int net(Writer& w, const std::vector<std::string>& args) {
    if (!args.empty()) return 2;
    int sock = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (sock < 0) {
        w.StartObject();
        write_errno(w, errno);
        w.EndObject();
        return 1;
    }
    bool ok = true;
    w.StartObject();
    w.Key("links");
    w.StartArray();
    ok &= dump(sock, RTM_GETLINK, AF_UNSPEC, [&](const nlmsghdr* h) { write_link(w, h); });
    w.EndArray();
    w.Key("addresses");
    w.StartArray();
    ok &= dump(sock, RTM_GETADDR, AF_UNSPEC, [&](const nlmsghdr* h) { write_addr(w, h); });
    w.EndArray();
    w.Key("routes");
    w.StartArray();
    ok &= dump(sock, RTM_GETROUTE, AF_UNSPEC, [&](const nlmsghdr* h) { write_route(w, h); });
    w.EndArray();
    w.Key("ok");
    w.Bool(ok);
    w.EndObject();
    ::close(sock);
    return ok ? 0 : 1;
}

}  // namespace probe
