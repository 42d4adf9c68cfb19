// rt-bridge's options, each checked in the kernel and, where it matters, with traffic.
#include <boost/test/unit_test.hpp>

#include <linux/if_addr.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "cni/error.hpp"
#include "fixture.hpp"
#include "netlink/link.hpp"
#include "netlink/netns.hpp"
#include "netlink/socket.hpp"

using namespace cnit;

namespace {

bool ping(const Netns& from, const std::string& ip) {
    std::string cmd =
        ip.find(':') != std::string::npos ? "busybox ping6 -c 1 -W 2 " : "busybox ping -c 1 -W 2 ";
    return from.exec(cmd + ip) == 0;
}

std::string out_of(const std::string& cmd) {
    std::string o;
    sh(cmd, &o);
    return o;
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// Whether bridges of this kernel can filter VLANs. A kernel built without
// CONFIG_BRIDGE_VLAN_FILTERING refuses IFLA_BR_VLAN_FILTERING with EOPNOTSUPP and its
// bridges have no /sys/class/net/<bridge>/bridge/vlan_filtering; both are checked, in a
// namespace of the test, so the reason given for a skip is the real one.
struct VlanSupport {
    bool ok = false;
    std::string why;
};
VlanSupport vlan_filtering_support() {
    Netns probe;
    std::string out;
    if (probe.exec("ip link add vfprobe type bridge vlan_filtering 1", &out) == 0)
        return {true, ""};
    probe.exec("ip link add vfprobe type bridge");
    bool has_knob = probe.exec("test -e /sys/class/net/vfprobe/bridge/vlan_filtering") == 0;
    VlanSupport s;
    s.why = "creating a bridge with vlan_filtering 1 failed (" + out.substr(0, out.find('\n')) +
            ")" + (has_knob ? "" : " and bridges have no sysfs vlan_filtering attribute") +
            ": this kernel (" +
            [] {
                std::string r;
                sh("uname -r", &r);
                return r.substr(0, r.find('\n'));
            }() +
            ") is built without CONFIG_BRIDGE_VLAN_FILTERING";
    return s;
}

bool kernel_has_vlan_filtering() {
    static const bool ok = vlan_filtering_support().ok;
    return ok;
}

void require_vlan_filtering() {
    VlanSupport s = vlan_filtering_support();
    if (s.ok) return;
    // ctest reports exit 77 as "Skipped" (SKIP_RETURN_CODE), never as passed.
    (void)std::fprintf(stderr, "SKIPPED cni-it-vlan: %s\n", s.why.c_str());
    std::exit(77);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bridge_features)

BOOST_AUTO_TEST_CASE(two_namespaces_talk_over_the_bridge) {
    TestNet net;
    Netns a, b;
    std::string conf = net.conf("1.1.0", R"(,"isGateway":true)");
    Attachment x(net, a, conf, "ctra"), y(net, b, conf, "ctrb");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_REQUIRE_MESSAGE(y.ok(), y.add().dump());
    BOOST_TEST(x.ip(4) != y.ip(4));
    BOOST_TEST(ping(a, y.ip(4)));
    BOOST_TEST(ping(b, x.ip(4)));
    BOOST_TEST(ping(a, y.ip(6)));
    BOOST_TEST(ping(a, net.ip4(1)));  // the gateway on the bridge
    // Without isDefaultGateway there is no way off the bridge.
    BOOST_TEST(!ping(a, "10.239.255.254"));
    auto host = link_in("", x.host_veth());
    auto br = link_in("", net.bridge);
    BOOST_REQUIRE(host);
    BOOST_REQUIRE(br);
    BOOST_TEST(host->master == br->index);
    BOOST_TEST(host->mac->str() == json_str(x.add().doc["interfaces"][1], "mac"));
    BOOST_TEST(br->mac->str() == json_str(x.add().doc["interfaces"][0], "mac"));
    BOOST_TEST(link_in(a.path(), "eth0")->mac->str() == x.mac());
    // Not requested: random, unicast, locally administered.
    unsigned first = std::stoul(x.mac().substr(0, 2), nullptr, 16);
    BOOST_TEST((first & 0x01) == 0u);
    BOOST_TEST((first & 0x02) != 0u);
    BOOST_TEST(x.mac() != y.mac());
    BOOST_TEST(x.check().status == 0);
    BOOST_TEST(x.del().status == 0);
    BOOST_TEST(!ping(b, x.ip(4)));
    BOOST_TEST(y.del().status == 0);
}

BOOST_AUTO_TEST_CASE(ipv6_only_and_dual_stack) {
    TestNet net;
    Netns a, b;
    std::string v6only = R"({"type":"rt-host-local","ranges":[[{"subnet":")" + net.subnet6() +
                         R"("}]],"dataDir":")" + net.data_dir + "\"}";
    std::string conf = net.conf("1.0.0", "", v6only);
    Attachment x(net, a, conf, "v6a"), y(net, b, conf, "v6b");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_REQUIRE(y.ok());
    BOOST_TEST(x.add().doc["ips"].Size() == 1u);
    BOOST_TEST(x.ip(4).empty());
    BOOST_TEST(ping(a, y.ip(6)));
}

BOOST_AUTO_TEST_CASE(ipv6_disabled_in_the_container) {
    TestNet net;
    Netns a;
    // New interfaces of this namespace start with IPv6 disabled: rt-bridge enables it on
    // the container interface (and lo) when it has an IPv6 address to add.
    BOOST_REQUIRE(
        a.exec("sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1") ==
        0);
    Attachment x(net, a, net.conf("1.1.0", R"(,"isGateway":true)"), "v6off");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_TEST(has_addr(a.path(), "eth0", x.ip(6) + "/64"));
    BOOST_TEST(ping(a, net.ip6(1)));
}

BOOST_AUTO_TEST_CASE(default_gateway_and_forwarding) {
    TestNet net;
    Netns a;
    Attachment x(net, a, net.conf("1.1.0", R"(,"isDefaultGateway":true)"), "gw");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    const auto& routes = x.add().doc["routes"];
    BOOST_REQUIRE(routes.Size() == 2u);
    BOOST_TEST(json_str(routes[0], "dst") == "0.0.0.0/0");
    BOOST_TEST(json_str(routes[0], "gw") == net.ip4(1));
    BOOST_TEST(json_str(routes[1], "dst") == "::/0");
    BOOST_TEST(
        contains(out_of("ip netns exec " + a.name() + " ip route"), "default via " + net.ip4(1)));
    BOOST_TEST(contains(out_of("ip netns exec " + a.name() + " ip -6 route"),
                        "default via " + net.ip6(1)));
    BOOST_TEST(contains(out_of("sysctl -n net.ipv4.ip_forward"), "1"));
    BOOST_TEST(x.check().status == 0);
}

BOOST_AUTO_TEST_CASE(gateway_enables_forwarding) {
    // Forwarding is per network namespace: rt-bridge runs inside a test namespace standing
    // in for the host, with forwarding off, so the check can fail without the real host's
    // setting being touched.
    TestNet net;
    Netns host, a;
    std::string wrapper = net.data_dir + "/rt-bridge-in-" + host.name();
    {
        std::ofstream w(wrapper);
        w << "#!/bin/sh\nexec ip netns exec " << host.name() << " " << rt_bridge() << "\n";
    }
    BOOST_REQUIRE(sh("chmod 700 " + wrapper) == 0);
    auto sysctl = [&](const std::string& key) {
        std::string out;
        host.exec("sysctl -n " + key, &out);
        return out.substr(0, out.find('\n'));
    };
    // A new namespace may inherit the host's IPv4 setting: switch it off in ours.
    BOOST_REQUIRE(host.exec("sysctl -qw net.ipv4.ip_forward=0") == 0);
    BOOST_REQUIRE(sysctl("net.ipv4.ip_forward") == "0");
    BOOST_REQUIRE(sysctl("net.ipv6.conf.all.forwarding") == "0");
    Attachment x(net, a, net.conf("1.1.0", R"(,"isGateway":true)"), "fwd", "eth0", "", wrapper);
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_TEST(sysctl("net.ipv4.ip_forward") == "1");
    BOOST_TEST(sysctl("net.ipv6.conf.all.forwarding") == "1");
    BOOST_TEST(host.exec("ip -o addr show dev " + net.bridge + " to " + net.ip4(1)) == 0);
    BOOST_TEST(ping(a, net.ip4(1)));
    BOOST_TEST(!link_in("", net.bridge));  // all of it happened in `host`
    Exec d = x.del();
    BOOST_TEST(d.status == 0, d.dump());
    BOOST_TEST(net.reservations().empty());
    // Without isGateway nothing is switched on.
    Netns host2, b;
    std::string wrapper2 = net.data_dir + "/rt-bridge-in-" + host2.name();
    {
        std::ofstream w(wrapper2);
        w << "#!/bin/sh\nexec ip netns exec " << host2.name() << " " << rt_bridge() << "\n";
    }
    BOOST_REQUIRE(sh("chmod 700 " + wrapper2) == 0);
    BOOST_REQUIRE(host2.exec("sysctl -qw net.ipv4.ip_forward=0") == 0);
    Attachment y(net, b, net.conf(), "nofwd", "eth0", "", wrapper2);
    BOOST_REQUIRE_MESSAGE(y.ok(), y.add().dump());
    std::string out;
    host2.exec("sysctl -n net.ipv4.ip_forward", &out);
    BOOST_TEST(out == "0\n");
}

BOOST_AUTO_TEST_CASE(masquerade_rules_and_traffic) {
    TestNet net;
    Netns a, outside;
    // "outside": a namespace reachable from the host only, with no route back to the
    // containers' subnet: it can answer only if the host masquerades.
    std::string host_if = net.bridge.substr(0, 12) + "o";
    std::string o4 = "10.239." + std::to_string(getpid() % 250) + ".";
    BOOST_REQUIRE(
        sh("ip link add " + host_if + " type veth peer name out0 netns " + outside.name()) == 0);
    sh("ip addr add " + o4 + "1/30 dev " + host_if + " && ip link set " + host_if + " up");
    outside.exec("ip addr add " + o4 + "2/30 dev out0");
    outside.exec("ip link set out0 up");
    std::string target = o4 + "2";

    {
        Attachment plain(net, a, net.conf("1.1.0", R"(,"isDefaultGateway":true)"), "nomasq");
        BOOST_REQUIRE_MESSAGE(plain.ok(), plain.add().dump());
        BOOST_TEST(!ping(a, target));  // no route back from outside
    }
    {
        Attachment m(net, a, net.conf("1.1.0", R"(,"isDefaultGateway":true,"ipMasq":true)"),
                     "masq");
        BOOST_REQUIRE_MESSAGE(m.ok(), m.add().dump());
        auto rules = net.nft_elements();
        std::string all;
        for (auto& r : rules) all += r + "\n";
        BOOST_TEST(contains(all, m.ip(4)), all);
        BOOST_TEST(contains(all, m.ip(6)), all);
        BOOST_TEST(
            contains(out_of("nft list chain inet rt_cni postrouting"), "ip saddr vmap @masq4"));
        BOOST_TEST(ping(a, target));
        BOOST_TEST(m.check().status == 0);
        BOOST_TEST(m.del().status == 0);
        BOOST_TEST(net.nft_elements().empty());
    }
    sh("ip link del " + host_if);
}

BOOST_AUTO_TEST_CASE(mtu_hairpin_promisc_isolation) {
    TestNet net;
    Netns a, b;
    Attachment x(net, a,
                 net.conf("1.1.0", R"(,"mtu":1400,"hairpinMode":true,"portIsolation":true)"),
                 "opt1");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_TEST(link_in(a.path(), "eth0")->mtu == 1400);
    BOOST_TEST(link_in("", x.host_veth())->mtu == 1400);
    BOOST_TEST(link_in("", net.bridge)->mtu == 1400);
    std::string d = out_of("ip -d link show dev " + x.host_veth());
    BOOST_TEST(contains(d, "hairpin on"), d);
    BOOST_TEST(contains(d, "isolated on"), d);
    BOOST_TEST(x.add().doc["interfaces"][2]["mtu"].GetInt() == 1400);
    // Isolated ports cannot talk to each other, only through the gateway.
    Attachment y(net, b, net.conf("1.1.0", R"(,"mtu":1400,"portIsolation":true)"), "opt2");
    BOOST_REQUIRE(y.ok());
    BOOST_TEST(!ping(a, y.ip(4)));

    TestNet pnet;
    Netns c;
    Attachment p(pnet, c, pnet.conf("1.1.0", R"(,"promiscMode":true)"), "promisc");
    BOOST_REQUIRE_MESSAGE(p.ok(), p.add().dump());
    BOOST_TEST((link_in("", pnet.bridge)->flags & IFF_PROMISC) != 0u);
    BOOST_TEST(p.check().status == 0);
}

BOOST_AUTO_TEST_CASE(vlan_needs_kernel_support) {
    // Whatever this kernel can do, the answer is clear: VLANs work, or code 2 names the
    // option and the missing kernel feature, and nothing is left behind, for a new bridge
    // and for an existing one that has no VLAN filtering yet.
    TestNet net;
    Netns a, b, c;
    Attachment x(net, a, net.conf("1.1.0", R"(,"vlan":100)"), "vlprobe");
    if (kernel_has_vlan_filtering()) {
        BOOST_TEST(x.ok(), x.add().dump());
        return;
    }
    BOOST_TEST(x.add().code() == 2, x.add().dump());
    BOOST_TEST(x.add().msg().find("vlan: 100") != std::string::npos, x.add().dump());
    BOOST_TEST(x.add().msg().find("CONFIG_BRIDGE_VLAN_FILTERING") != std::string::npos);
    BOOST_TEST(!link_in("", net.bridge));             // the bridge could not be made as asked
    Attachment plain(net, b, net.conf(), "vlplain");  // now the bridge exists
    BOOST_REQUIRE_MESSAGE(plain.ok(), plain.add().dump());
    Attachment y(net, c, net.conf("1.1.0", R"(,"vlanTrunk":[{"minID":20,"maxID":22}])"), "vltrunk");
    BOOST_TEST(y.add().code() == 2, y.add().dump());
    BOOST_TEST(y.add().msg().find("vlanTrunk") != std::string::npos, y.add().dump());
    BOOST_TEST(!link_in(c.path(), "eth0"));
    BOOST_TEST(net.host_veths().size() == 1u);
    BOOST_TEST(net.reservations().size() == 3u);  // plain's v4, v6 and index entry only
}

BOOST_AUTO_TEST_CASE(requested_mac_and_addresses) {
    TestNet net;
    Netns a, b, c;
    // Keys neither plugin knows are accepted with IgnoreUnknown (as CRI passes them).
    Attachment x(net, a, net.conf(), "mac1", "eth0",
                 "IgnoreUnknown=1;K8S_POD_NAME=p;FOO=bar;MAC=02:12:34:56:78:9a;IP=" + net.ip4(77));
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_TEST(x.mac() == "02:12:34:56:78:9a");
    BOOST_TEST(link_in(a.path(), "eth0")->mac->str() == "02:12:34:56:78:9a");
    BOOST_TEST(x.ip(4) == net.ip4(77));
    BOOST_TEST(has_addr(a.path(), "eth0", net.ip4(77) + "/24"));
    std::string rc = R"(,"runtimeConfig":{"mac":"02:ab:cd:ef:00:01","ips":[")" + net.ip4(88) +
                     R"(/24",")" + net.ip6(0x88) + R"("]})";
    Attachment y(net, b, net.conf("1.1.0", rc), "mac2");
    BOOST_REQUIRE_MESSAGE(y.ok(), y.add().dump());
    BOOST_TEST(y.mac() == "02:ab:cd:ef:00:01");
    BOOST_TEST(y.ip(4) == net.ip4(88));
    BOOST_TEST(y.ip(6) == net.ip6(0x88));
    // The same address again: refused, and nothing of the attempt is left.
    auto veths = net.host_veths().size();
    auto files = net.reservations().size();
    Attachment z(net, c, net.conf(), "mac3", "eth0", "IP=" + net.ip4(77));
    BOOST_TEST(!z.ok());
    BOOST_TEST(z.add().code() == 100, z.add().dump());
    BOOST_TEST(net.host_veths().size() == veths);
    BOOST_TEST(net.reservations().size() == files);
    BOOST_TEST(!link_in(c.path(), "eth0"));
}

BOOST_AUTO_TEST_CASE(mac_spoof_check) {
    TestNet net;
    Netns a, b;
    std::string conf = net.conf("1.1.0", R"(,"macspoofchk":true)");
    Attachment x(net, a, conf, "spoof1"), y(net, b, conf, "spoof2");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_REQUIRE(y.ok());
    BOOST_TEST(!net.nft_elements().empty());
    BOOST_TEST(contains(out_of("nft list map bridge rt_cni_spoof ports"), x.host_veth()));
    BOOST_TEST(ping(a, y.ip(4)));
    // A container that changes its MAC is cut off.
    a.exec("ip link set eth0 address 02:66:66:66:66:66");
    BOOST_TEST(!ping(a, y.ip(4)));
    a.exec("ip link set eth0 address " + x.mac());
    BOOST_TEST(ping(a, y.ip(4)));
    BOOST_TEST(x.check().status == 0);
    BOOST_TEST(x.del().status == 0);
    BOOST_TEST(!contains(out_of("nft list map bridge rt_cni_spoof ports"), x.host_veth()));
    BOOST_TEST(y.del().status == 0);
    BOOST_TEST(net.nft_elements().empty());
}

BOOST_AUTO_TEST_CASE(force_address) {
    TestNet net;
    Netns a, b;
    BOOST_REQUIRE(sh("ip link add " + net.bridge + " type bridge && ip addr add " + net.ip4(250) +
                     "/24 dev " + net.bridge) == 0);
    Attachment refused(net, a, net.conf("1.1.0", R"(,"isGateway":true)"), "force1");
    BOOST_TEST(!refused.ok());
    BOOST_TEST(refused.add().code() == 7, refused.add().dump());
    BOOST_TEST(net.host_veths().empty());
    BOOST_TEST(net.reservations().empty());
    Attachment forced(net, b, net.conf("1.1.0", R"(,"isGateway":true,"forceAddress":true)"),
                      "force2");
    BOOST_REQUIRE_MESSAGE(forced.ok(), forced.add().dump());
    BOOST_TEST(has_addr("", net.bridge, net.ip4(1) + "/24"));
    BOOST_TEST(!has_addr("", net.bridge, net.ip4(250) + "/24"));
    BOOST_TEST((link_in("", net.bridge)->flags & IFF_UP) != 0u);  // an existing bridge is set up
}

BOOST_AUTO_TEST_CASE(layer2_and_disabled_interface) {
    TestNet net;
    Netns a, b;
    Attachment l2(net, a, net.conf("1.1.0", "", "{}"), "l2");
    BOOST_REQUIRE_MESSAGE(l2.ok(), l2.add().dump());
    BOOST_TEST(!l2.add().doc.HasMember("ips"));
    BOOST_TEST((link_in(a.path(), "eth0")->flags & IFF_UP) != 0u);
    Attachment off(net, b, net.conf("1.1.0", R"(,"disableContainerInterface":true)", "{}"),
                   "l2off");
    BOOST_REQUIRE_MESSAGE(off.ok(), off.add().dump());
    BOOST_TEST((link_in(b.path(), "eth0")->flags & IFF_UP) == 0u);
}

BOOST_AUTO_TEST_CASE(duplicate_address_detection) {
    TestNet net;
    Netns a;
    Attachment x(net, a, net.conf("1.1.0", R"(,"enabledad":true,"isGateway":true)"), "dad");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    // ADD returned after DAD finished: the address is usable, not tentative.
    for (const auto& ad : addrs_in(a.path(), "eth0"))
        if (ad.addr.str() == x.ip(6) + "/64") {
            BOOST_TEST((ad.flags & IFA_F_TENTATIVE) == 0u);
            BOOST_TEST((ad.flags & IFA_F_NODAD) == 0u);
        }
    Attachment y(net, a, net.conf("1.1.0", R"(,"isGateway":true)"), "nodad", "eth1");
    BOOST_REQUIRE(y.ok());
    for (const auto& ad : addrs_in(a.path(), "eth1"))
        if (ad.addr.str() == y.ip(6) + "/64") BOOST_TEST((ad.flags & IFA_F_NODAD) != 0u);
}

BOOST_AUTO_TEST_CASE(check_reports_what_differs) {
    TestNet net;
    Netns a;
    std::string conf = net.conf("1.1.0", R"(,"isDefaultGateway":true,"ipMasq":true)");
    Attachment x(net, a, conf, "chk");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_TEST(x.check().status == 0);
    a.exec("ip route del default");
    Exec noroute = x.check();
    BOOST_TEST(noroute.status != 0);
    BOOST_TEST(contains(noroute.msg(), "route 0.0.0.0/0"), noroute.dump());
    a.exec("ip route add default via " + net.ip4(1));
    BOOST_TEST(x.check().status == 0);
    a.exec("ip addr del " + x.ip(4) + "/24 dev eth0");
    Exec noaddr = x.check();
    BOOST_TEST(contains(noaddr.msg(), x.ip(4)), noaddr.dump());
    a.exec("ip addr add " + x.ip(4) + "/24 dev eth0");
    a.exec("ip route add default via " + net.ip4(1));
    BOOST_TEST(x.check().status == 0, x.check().dump());
    a.exec("ip link set eth0 address 02:00:00:00:00:42");
    BOOST_TEST(contains(x.check().msg(), "MAC"));
    a.exec("ip link set eth0 address " + x.mac());
    sh("nft delete element inet rt_cni masq4 '{ " + x.ip(4) + " }'");
    BOOST_TEST(contains(x.check().msg(), "masquerade"), x.check().dump());
}

BOOST_AUTO_TEST_CASE(garbage_collection) {
    TestNet net;
    Netns a, b;
    std::string conf = net.conf("1.1.0", R"(,"ipMasq":true,"macspoofchk":true)");
    Attachment keep(net, a, conf, "keep"), stale(net, b, conf, "stale");
    BOOST_REQUIRE_MESSAGE(keep.ok(), keep.add().dump());
    BOOST_REQUIRE(stale.ok());
    Invocation gc;
    gc.plugin = rt_bridge();
    gc.command = "GC";
    gc.ifname.clear();
    gc.config = conf.substr(0, conf.size() - 1) +
                R"(,"cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"}]})";
    Exec g = run(gc);
    BOOST_TEST(g.status == 0, g.dump());
    auto veths = net.host_veths();
    BOOST_TEST(veths.size() == 1u);
    BOOST_TEST(veths.front() == keep.host_veth());
    BOOST_TEST(!link_in(b.path(), "eth0"));  // its veth pair is gone
    std::string rules;
    for (auto& r : net.nft_elements()) rules += r + "\n";
    BOOST_TEST(!contains(rules, stale.ip(4)), rules);
    BOOST_TEST(contains(rules, keep.ip(4)), rules);
    auto files = net.reservations();
    std::string all;
    for (auto& f : files) all += f + " ";
    BOOST_TEST(!contains(all, stale.ip(4)), all);
    BOOST_TEST(contains(all, keep.ip(4)), all);
    BOOST_TEST(stale.del().status == 0);  // DEL after GC still succeeds
}

BOOST_AUTO_TEST_CASE(del_without_prev_result_removes_everything) {
    // A runtime that lost the ADD result (no prevResult) still gets a complete DEL: the
    // masquerade and spoof-check elements are found by their owner, the addresses by the
    // IPAM plugin, the veth by its name.
    TestNet net;
    Netns a;
    std::string conf = net.conf("1.1.0", R"(,"isGateway":true,"ipMasq":true,"macspoofchk":true)");
    Invocation add;
    add.plugin = rt_bridge();
    add.command = "ADD";
    add.container_id = "noprev";
    add.netns = a.path();
    add.config = conf;
    Exec e = run(add);
    BOOST_REQUIRE_MESSAGE(e.status == 0, e.dump());
    BOOST_TEST(!net.nft_elements().empty());
    Invocation del = add;
    del.command = "DEL";
    Exec d = run(del);
    BOOST_TEST(d.status == 0, d.dump());
    BOOST_TEST(net.nft_elements().empty());
    BOOST_TEST(net.reservations().empty());
    BOOST_TEST(net.host_veths().empty());
    BOOST_TEST(!link_in(a.path(), "eth0"));
}

// The inode of a namespace file (0 when it cannot be read): equal inodes, same namespace.
static ino_t ino(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

BOOST_AUTO_TEST_CASE(container_work_never_moves_the_calling_thread) {
    // run_in_netns: work inside CNI_NETNS runs on a short-lived thread that joined it;
    // the calling thread stays in its namespace, also when the work fails.
    Netns a;
    const auto host_ns = ino("/proc/thread-self/ns/net");
    rt::netlink::NetnsState st{};
    auto fd = rt::netlink::open_netns(a.path(), st);
    BOOST_REQUIRE(st == rt::netlink::NetnsState::Ok);
    ino_t inside = 0;
    pid_t worker = 0;
    rt::netlink::run_in_netns(fd.get(), [&] {
        inside = ino("/proc/thread-self/ns/net");
        worker = static_cast<pid_t>(syscall(SYS_gettid));
    });
    BOOST_TEST(inside == ino(a.path()));
    BOOST_TEST(inside != host_ns);
    BOOST_TEST(worker != static_cast<pid_t>(syscall(SYS_gettid)));
    BOOST_TEST(ino("/proc/thread-self/ns/net") == host_ns);
    BOOST_CHECK_THROW(rt::netlink::run_in_netns(fd.get(), [] { throw std::runtime_error("x"); }),
                      std::runtime_error);
    BOOST_TEST(ino("/proc/thread-self/ns/net") == host_ns);
    // The plugin refuses to configure its own namespace (an ADD there would hit the host).
    BOOST_CHECK_THROW(rt::netlink::open_container_netns("/proc/thread-self/ns/net"),
                      rt::cni::CniError);
}

BOOST_AUTO_TEST_CASE(switched_container_work_returns_the_thread_to_its_namespace) {
    // rt-bridge opens its container-side sockets with the calling thread switched into
    // CNI_NETNS: the sockets stay in the container, the thread comes back, also when the
    // work fails.
    Netns a;
    BOOST_REQUIRE(a.exec("ip link add rtswtest0 type veth peer name rtswtest1") == 0);
    const auto host_ns = ino("/proc/thread-self/ns/net");
    rt::netlink::NetnsState st{};
    auto fd = rt::netlink::open_netns(a.path(), st);
    BOOST_REQUIRE(st == rt::netlink::NetnsState::Ok);
    ino_t inside = 0;
    pid_t worker = 0;
    std::optional<rt::netlink::Socket> sock;
    rt::netlink::run_switched_to_netns(fd.get(), [&] {
        inside = ino("/proc/thread-self/ns/net");
        worker = static_cast<pid_t>(syscall(SYS_gettid));
        sock.emplace(NETLINK_ROUTE);
    });
    BOOST_TEST(inside == ino(a.path()));
    BOOST_TEST(inside != host_ns);
    BOOST_TEST(worker == static_cast<pid_t>(syscall(SYS_gettid)));
    BOOST_TEST(ino("/proc/thread-self/ns/net") == host_ns);
    // The socket answers for the container's namespace, not the host's.
    BOOST_TEST(rt::netlink::link_by_name(*sock, "rtswtest0").has_value());
    rt::netlink::Socket host;
    BOOST_TEST(!rt::netlink::link_by_name(host, "rtswtest0").has_value());
    BOOST_CHECK_THROW(
        rt::netlink::run_switched_to_netns(fd.get(), [] { throw std::runtime_error("x"); }),
        std::runtime_error);
    BOOST_TEST(ino("/proc/thread-self/ns/net") == host_ns);
}

BOOST_AUTO_TEST_CASE(prev_result_on_add_is_kept) {
    TestNet net;
    Netns a;
    std::string prev =
        R"({"cniVersion":"1.0.0","interfaces":[{"name":"dummy0"}],"ips":[{"address":"10.239.9.9/32","interface":0}],"dns":{}})";
    std::string conf = net.conf("1.0.0");
    conf = conf.substr(0, conf.size() - 1) + R"(,"prevResult":)" + prev + "}";
    Attachment x(net, a, conf, "prev");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    const auto& r = x.add().doc;
    BOOST_REQUIRE(r["interfaces"].Size() == 4u);
    BOOST_TEST(json_str(r["interfaces"][0], "name") == "dummy0");
    BOOST_TEST(json_str(r["interfaces"][3], "name") == "eth0");
    BOOST_TEST(r["ips"].Size() == 3u);
    BOOST_TEST(r["ips"][1]["interface"].GetInt() == 3);
}

BOOST_AUTO_TEST_SUITE_END()

// VLAN tests need a kernel with CONFIG_BRIDGE_VLAN_FILTERING; without it the ctest test
// exits 77, which ctest reports as skipped (never as passed), naming what is missing.
BOOST_AUTO_TEST_SUITE(vlan)

BOOST_AUTO_TEST_CASE(vlans) {
    require_vlan_filtering();
    TestNet net;
    Netns a, b, c;
    std::string v100 = net.conf("1.1.0", R"(,"vlan":100,"preserveDefaultVlan":false)");
    Attachment x(net, a, v100, "vl1"), y(net, b, v100, "vl2");
    Attachment z(net, c, net.conf("1.1.0", R"(,"vlan":200,"preserveDefaultVlan":false)"), "vl3");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_REQUIRE(y.ok());
    BOOST_REQUIRE(z.ok());
    BOOST_TEST(link_in("", net.bridge)->vlan_filtering);
    std::string vl = out_of("bridge vlan show dev " + x.host_veth());
    BOOST_TEST(contains(vl, "100 PVID Egress Untagged"), vl);
    BOOST_TEST(!contains(vl, " 1 PVID"), vl);
    BOOST_TEST(ping(a, y.ip(4)));   // same VLAN
    BOOST_TEST(!ping(a, z.ip(4)));  // another VLAN

    TestNet tnet;
    Netns d;
    Attachment t(
        tnet, d,
        tnet.conf("1.1.0", R"(,"vlan":10,"vlanTrunk":[{"id":11},{"minID":20,"maxID":22}])"),
        "trunk");
    BOOST_REQUIRE_MESSAGE(t.ok(), t.add().dump());
    std::string tv = out_of("bridge vlan show dev " + t.host_veth());
    for (const char* vid : {"10 PVID Egress Untagged", "11", "20", "21", "22"})
        BOOST_TEST(contains(tv, vid), tv);
    BOOST_TEST(contains(tv, " 1 Egress Untagged"), tv);  // default VLAN kept (no PVID: 10 has it)
}

BOOST_AUTO_TEST_CASE(vlan_gateway_interface) {
    require_vlan_filtering();
    TestNet net;
    Netns a;
    Attachment x(net, a, net.conf("1.1.0", R"(,"isGateway":true,"vlan":100)"), "vgw");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_REQUIRE(x.add().doc["interfaces"].Size() == 4u);
    BOOST_TEST(json_str(x.add().doc["interfaces"][3], "name") == net.bridge + ".100");
    BOOST_TEST(has_addr("", net.bridge + ".100", net.ip4(1) + "/24"));
    BOOST_TEST(!has_addr("", net.bridge, net.ip4(1) + "/24"));
    BOOST_TEST(ping(a, net.ip4(1)));
}

BOOST_AUTO_TEST_SUITE_END()
