// Conflist chains: rt-bridge first, then the reference portmap / tuning consuming its
// result as prevResult; DEL in reverse order (SPEC.md section 3).
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "fixture.hpp"

using namespace cnit;

namespace {

std::string plugin_conf(const TestNet& net, const std::string& body, const std::string& prev) {
    return R"({"cniVersion":"1.0.0","name":")" + net.name + "\"," + body + R"(,"prevResult":)" +
           prev + "}";
}

Invocation chained(const std::string& plugin, const std::string& cmd, const std::string& id,
                   const Netns& ns, const std::string& config) {
    Invocation i;
    i.plugin = std::string(kRefDir) + "/" + plugin;
    i.command = cmd;
    i.container_id = id;
    i.netns = ns.path();
    i.config = config;
    return i;
}

std::string iptables_nat() {
    std::string out;
    sh("iptables-save -t nat", &out);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chains)

BOOST_AUTO_TEST_CASE(rt_bridge_then_portmap) {
    TestNet net;
    Netns a;
    Attachment br(net, a, net.conf("1.0.0", R"(,"isGateway":true)"), "pm1");
    BOOST_REQUIRE_MESSAGE(br.ok(), br.add().dump());
    int port = 20000 + getpid() % 20000;
    std::string pm = plugin_conf(
        net,
        R"("type":"portmap","snat":true,"runtimeConfig":{"portMappings":[{"hostPort":)" +
            std::to_string(port) + R"(,"containerPort":80,"protocol":"tcp"}]})",
        br.add().out);
    Exec add = run(chained("portmap", "ADD", "pm1", a, pm));
    BOOST_REQUIRE_MESSAGE(add.status == 0, add.dump());
    // portmap passes our result through: same interfaces and addresses.
    BOOST_TEST(add.doc["interfaces"].Size() == 3u);
    BOOST_TEST(json_str(add.doc["ips"][0], "address") == br.ip(4) + "/24");
    std::string nat = iptables_nat();
    BOOST_TEST(nat.find(br.ip(4) + ":80") != std::string::npos, nat);
    // No portmap CHECK: portmap 1.1.1's CHECK fails with "could not check ipv6 dnat" even
    // behind the reference bridge on an IPv4-only network (it looks in ip6tables).
    Exec del = run(chained("portmap", "DEL", "pm1", a, pm));
    BOOST_TEST(del.status == 0, del.dump());
    BOOST_TEST(iptables_nat().find(br.ip(4) + ":80") == std::string::npos);
    BOOST_TEST(br.del().status == 0);
}

BOOST_AUTO_TEST_CASE(rt_bridge_then_firewall) {
    // podman's CNI conflists put "firewall" after the bridge.
    TestNet net;
    Netns a;
    Attachment br(net, a, net.conf("1.0.0", R"(,"isGateway":true)"), "fw1");
    BOOST_REQUIRE_MESSAGE(br.ok(), br.add().dump());
    std::string fw = plugin_conf(net, R"("type":"firewall","backend":"iptables")", br.add().out);
    Exec add = run(chained("firewall", "ADD", "fw1", a, fw));
    BOOST_REQUIRE_MESSAGE(add.status == 0, add.dump());
    BOOST_TEST(json_str(add.doc["interfaces"][2], "name") == "eth0");
    std::string rules;
    sh("iptables-save -t filter", &rules);
    BOOST_TEST(rules.find(br.ip(4)) != std::string::npos, rules);
    Exec check = run(chained("firewall", "CHECK", "fw1", a, fw));
    BOOST_TEST(check.status == 0, check.dump());
    BOOST_TEST(run(chained("firewall", "DEL", "fw1", a, fw)).status == 0);
    sh("iptables-save -t filter", &rules);
    BOOST_TEST(rules.find(br.ip(4)) == std::string::npos, rules);
    BOOST_TEST(br.del().status == 0);
}

BOOST_AUTO_TEST_CASE(rt_bridge_then_tuning) {
    TestNet net;
    Netns a;
    Attachment br(net, a, net.conf("1.0.0"), "tu1");
    BOOST_REQUIRE_MESSAGE(br.ok(), br.add().dump());
    std::string tuning = plugin_conf(
        net,
        R"("type":"tuning","sysctl":{"net.ipv4.conf.eth0.arp_ignore":"1"},"runtimeConfig":{"mac":"02:77:66:55:44:33"},"capabilities":{"mac":true})",
        br.add().out);
    Exec add = run(chained("tuning", "ADD", "tu1", a, tuning));
    BOOST_REQUIRE_MESSAGE(add.status == 0, add.dump());
    std::string out;
    a.exec("sysctl -n net.ipv4.conf.eth0.arp_ignore", &out);
    BOOST_TEST(out == "1\n");
    BOOST_TEST(link_in(a.path(), "eth0")->mac->str() == "02:77:66:55:44:33");
    BOOST_TEST(json_str(add.doc["interfaces"][2], "mac") == "02:77:66:55:44:33");
    // CHECK of the whole chain with the final result: rt-bridge accepts the changed MAC.
    std::string final_result = add.out;
    std::string bconf = net.conf("1.0.0");
    Invocation check;
    check.plugin = rt_bridge();
    check.command = "CHECK";
    check.container_id = "tu1";
    check.netns = a.path();
    check.config = bconf.substr(0, bconf.size() - 1) + R"(,"prevResult":)" + final_result + "}";
    BOOST_TEST(run(check).status == 0, run(check).dump());
    BOOST_TEST(run(chained("tuning", "DEL", "tu1", a,
                           plugin_conf(net, R"("type":"tuning")", final_result)))
                   .status == 0);
    BOOST_TEST(br.del().status == 0);
}

BOOST_AUTO_TEST_SUITE_END()
