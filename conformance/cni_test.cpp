// CNI SPEC.md (1.1.0) and the bridge / host-local options (plugins/bridge.md, host-local.md),
// checked black-box against CNI_PLUGIN. The plugin's "host" is a test netns, the container
// another one: bridges, veths, routes and masquerade rules never touch the machine's own
// network namespace, and everything vanishes with the two namespaces.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "suite.hpp"

namespace fs = std::filesystem;
using namespace conformance;

namespace {

const char* kSubnet = "10.241.0.0/24";
const char* kGateway = "10.241.0.1";

std::string to_json(const rapidjson::Value& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return buf.GetString();
}

// The version used by tests that are not about versions: 1.0.0 (both plugins), else the
// newest the plugin lists.
std::string default_version() {
    if (plugin().supports("1.0.0")) return "1.0.0";
    return plugin().versions().back();
}

struct CniEnv {
    NetNs host, container;
    TempDir data{"rt-conf-cni"};
    std::string bridge, id, name;
    CniEnv() {
        static unsigned n = 0;
        bridge = "rtc" + std::to_string(::getpid() % 100000) + "x" + std::to_string(n++);
        id = unique_name("cni");
        name = "conf-" + id;
    }
    // A network config: extra fields (JSON members text) and an ipam object.
    std::string config(const std::string& version, const std::string& extra = "",
                       const std::string& ipam = "") const {
        std::string ipam_json = ipam.empty()
                                    ? R"({"type":")" + plugin().ipam_type() + R"(","dataDir":")" +
                                          data.str() + R"(","ranges":[[{"subnet":")" + kSubnet +
                                          R"("}]],"routes":[{"dst":"0.0.0.0/0"}]})"
                                    : ipam;
        return R"({"cniVersion":")" + version + R"(","name":")" + name + R"(","type":")" +
               plugin().type() + R"(","bridge":")" + bridge + R"(","isGateway":true)" +
               (extra.empty() ? "" : "," + extra) + R"(,"ipam":)" + ipam_json + "}";
    }
    std::string host_local(const std::string& ranges, const std::string& more = "") const {
        return R"({"type":")" + plugin().ipam_type() + R"(","dataDir":")" + data.str() +
               R"(","ranges":)" + ranges + (more.empty() ? "" : "," + more) + "}";
    }
    CniOutcome call(const std::string& command, const std::string& config,
                    const std::string& netns_path, const std::string& args = "") const {
        CniCall c;
        c.command = command;
        c.container_id = id;
        c.netns = netns_path;
        c.config = config;
        c.args = args;
        return plugin().call(c, host);
    }
    CniOutcome add(const std::string& config, const std::string& args = "") const {
        return call("ADD", config, container.path(), args);
    }
    CniOutcome del(const std::string& config) const {
        return call("DEL", config, container.path());
    }
    NetReport net(const NetNs& ns) const {
        auto r = run_in_netns(ns, {probe_path(), "net"});
        return parse_net_report(r.out);
    }
    // Every host-side link enslaved to the bridge.
    std::vector<NetLink> ports() const {
        auto n = net(host);
        const NetLink* br = n.link(bridge);
        std::vector<NetLink> out;
        for (const auto& l : n.links) {
            if (br && l.master == br->index) out.push_back(l);
        }
        return out;
    }
    // Number of IP reservation files host-local keeps for this network.
    size_t reservations() const {
        size_t n = 0;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(data.path() / name, ec)) {
            std::string f = e.path().filename().string();
            if (f.find('.') != std::string::npos || f.find(':') != std::string::npos) {
                if (f.rfind("last_reserved_ip", 0) != 0 && f != "lock") ++n;
            }
        }
        return n;
    }
};

// "config with prevResult": the result of a previous ADD inserted into config.
std::string with_prev_result(const std::string& config, const rapidjson::Document& result) {
    rapidjson::Document d;
    d.Parse(config.c_str());
    rapidjson::Value prev;
    prev.CopyFrom(result, d.GetAllocator());
    d.RemoveMember("prevResult");  // one member per name: a duplicate key is refused
    d.AddMember("prevResult", prev, d.GetAllocator());
    return to_json(d);
}

std::string first_ip(const rapidjson::Document& result) {
    if (!result.IsObject() || !result.HasMember("ips") || result["ips"].Empty()) return "";
    std::string cidr = result["ips"][0]["address"].GetString();
    return cidr.substr(0, cidr.find('/'));
}

bool has_cidr(const std::vector<std::string>& cidrs, const std::string& prefix) {
    return std::any_of(cidrs.begin(), cidrs.end(),
                       [&](const std::string& c) { return c.rfind(prefix, 0) == 0; });
}

void round_trip(const std::string& version) {
    CniEnv env;
    std::string cfg = env.config(version);
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    const auto& res = add.json;
    BOOST_REQUIRE(res.IsObject());
    BOOST_TEST(std::string(res["cniVersion"].GetString()) == version);
    // Interfaces: the bridge, the host veth and the container's eth0 with its sandbox.
    bool sandboxed = false;
    for (const auto& i : res["interfaces"].GetArray()) {
        if (i.HasMember("sandbox") && std::string(i["sandbox"].GetString()) == env.container.path())
            sandboxed = std::string(i["name"].GetString()) == "eth0";
    }
    BOOST_TEST(sandboxed, "no eth0 interface with sandbox in the result");
    BOOST_REQUIRE(res["ips"].Size() >= 1u);
    const auto& ip = res["ips"][0];
    BOOST_TEST(std::string(ip["address"].GetString()).rfind("10.241.0.", 0) == 0u);
    BOOST_TEST(std::string(ip["gateway"].GetString()) == kGateway);
    if (version.rfind("0.3.", 0) == 0 || version == "0.4.0") {
        BOOST_TEST(std::string(ip["version"].GetString()) == "4");  // pre-1.0 results
    }
    auto inside = env.net(env.container);
    const NetLink* eth0 = inside.link("eth0");
    BOOST_REQUIRE(eth0);
    BOOST_TEST(eth0->up);
    BOOST_TEST(has_cidr(inside.cidrs_of("eth0"), ip["address"].GetString()));
    bool default_route = false;
    for (const auto& r : inside.routes)
        default_route |= r.dst == "0.0.0.0/0" && r.gateway == kGateway;
    BOOST_TEST(default_route);
    auto host = env.net(env.host);
    const NetLink* br = host.link(env.bridge);
    BOOST_REQUIRE(br);
    BOOST_TEST(br->kind == "bridge");
    BOOST_TEST(has_cidr(host.cidrs_of(env.bridge), std::string(kGateway) + "/24"));
    BOOST_TEST(env.ports().size() == 1u);
    BOOST_TEST(env.reservations() == 1u);

    if (version != "0.3.0" && version != "0.3.1") {  // CHECK exists from 0.4.0
        auto check = env.call("CHECK", with_prev_result(cfg, res), env.container.path());
        BOOST_TEST(check.run.ok(), check.text());
    }
    auto del = env.call("DEL", with_prev_result(cfg, res), env.container.path());
    BOOST_TEST(del.run.ok(), del.text());
    BOOST_TEST(!env.net(env.container).link("eth0"));
    BOOST_TEST(env.ports().empty());
    BOOST_TEST(env.reservations() == 0u);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cni)

// SPEC.md "VERSION": cniVersion and supportedVersions.
BOOST_AUTO_TEST_CASE(version_lists_supported_versions, *needs({"cni"})) {
    CniEnv env;
    CniCall c;
    c.command = "VERSION";
    c.config = R"({"cniVersion":"1.0.0"})";
    auto v = plugin().call(c, env.host);
    BOOST_REQUIRE_MESSAGE(v.run.ok(), v.text());
    BOOST_TEST(v.json.HasMember("cniVersion"));
    for (const char* ver : {"0.3.0", "0.3.1", "0.4.0", "1.0.0"})
        BOOST_TEST(plugin().supports(ver), "missing " << ver);
}

BOOST_AUTO_TEST_CASE(add_check_del_0_3_0, *needs({"cni:0.3.0"})) {
    round_trip("0.3.0");
}
BOOST_AUTO_TEST_CASE(add_check_del_0_3_1, *needs({"cni:0.3.1"})) {
    round_trip("0.3.1");
}
BOOST_AUTO_TEST_CASE(add_check_del_0_4_0, *needs({"cni:0.4.0"})) {
    round_trip("0.4.0");
}
BOOST_AUTO_TEST_CASE(add_check_del_1_0_0, *needs({"cni:1.0.0"})) {
    round_trip("1.0.0");
}
BOOST_AUTO_TEST_CASE(add_check_del_1_1_0, *needs({"cni:1.1.0"})) {
    round_trip("1.1.0");
}

// SPEC.md "DEL": idempotent; a missing netns, interface or reservation is not an error.
BOOST_AUTO_TEST_CASE(del_is_idempotent, *needs({"cni"})) {
    CniEnv env;
    std::string cfg = env.config(default_version());
    auto first = env.del(cfg);
    BOOST_TEST(first.run.ok(), "DEL before ADD: " << first.text());
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    BOOST_TEST(env.del(cfg).run.ok());
    auto again = env.del(cfg);
    BOOST_TEST(again.run.ok(), "second DEL: " << again.text());
    auto gone = env.call("DEL", cfg, env.data.str() + "/no-such-netns");
    BOOST_TEST(gone.run.ok(), "DEL with a vanished netns: " << gone.text());
    auto empty = env.call("DEL", cfg, "");
    BOOST_TEST(empty.run.ok(), "DEL without CNI_NETNS: " << empty.text());
}

// SPEC.md "CHECK": an interface that disappeared is reported.
BOOST_AUTO_TEST_CASE(check_reports_a_missing_interface, *needs({"cni:1.0.0"})) {
    CniEnv env;
    std::string cfg = env.config("1.0.0");
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    auto rm = run_in_netns(env.container, {"/bin/busybox", "ip", "link", "del", "eth0"});
    BOOST_REQUIRE_MESSAGE(rm.ok(), rm.describe());
    auto check = env.call("CHECK", with_prev_result(cfg, add.json), env.container.path());
    BOOST_TEST(!check.run.ok());
    BOOST_TEST(check.is_error(), check.text());
    env.del(with_prev_result(cfg, add.json));
}

// SPEC.md "Error": well-known codes.
BOOST_AUTO_TEST_CASE(missing_command_is_error_4, *needs({"cni"})) {
    CniEnv env;
    CniCall c;
    c.omit_command = true;
    c.container_id = env.id;
    c.netns = env.container.path();
    c.config = env.config(default_version());
    auto r = plugin().call(c, env.host);
    BOOST_TEST(r.error_code() == 4, r.text());
    BOOST_TEST(r.run.exit_code != 0);
}

BOOST_AUTO_TEST_CASE(unknown_command_is_error_4, *needs({"cni"})) {
    CniEnv env;
    auto r = env.call("FROBNICATE", env.config(default_version()), env.container.path());
    BOOST_TEST(r.error_code() == 4, r.text());
}

BOOST_AUTO_TEST_CASE(missing_netns_on_add_is_error_4, *needs({"cni"})) {
    CniEnv env;
    auto r = env.call("ADD", env.config(default_version()), "");
    BOOST_TEST(r.error_code() == 4, r.text());
    BOOST_TEST(env.ports().empty());
}

BOOST_AUTO_TEST_CASE(undecodable_config_is_error_6, *needs({"cni"})) {
    CniEnv env;
    auto r = env.call("ADD", "{not json", env.container.path());
    BOOST_TEST(r.error_code() == 6, r.text());
}

BOOST_AUTO_TEST_CASE(unsupported_version_is_error_1, *needs({"cni"})) {
    CniEnv env;
    auto r = env.add(env.config("9.9.9"));
    BOOST_TEST(r.error_code() == 1, r.text());
    BOOST_TEST(!env.net(env.container).link("eth0"));
}

BOOST_AUTO_TEST_CASE(netns_that_is_not_a_netns_is_an_error, *needs({"cni"})) {
    CniEnv env;
    std::string fake = env.data.str() + "/not-a-netns";
    std::ofstream(fake) << "x";
    auto r = env.call("ADD", env.config(default_version()), fake);
    BOOST_TEST(r.is_error(), r.text());
    BOOST_TEST(env.ports().empty(), "a veth was left behind");
    BOOST_TEST(env.reservations() == 0u, "an IP reservation was left behind");
}

// bridge.md: two containers on one bridge reach each other (traffic stays in test netns).
BOOST_AUTO_TEST_CASE(two_containers_on_one_bridge_ping, *needs({"cni"})) {
    CniEnv a;
    std::string cfg = a.config(default_version());
    auto add_a = a.add(cfg);
    BOOST_REQUIRE_MESSAGE(add_a.run.ok(), add_a.text());
    NetNs second;
    CniCall c;
    c.command = "ADD";
    c.container_id = a.id + "-b";
    c.netns = second.path();
    c.config = cfg;
    auto add_b = plugin().call(c, a.host);
    BOOST_REQUIRE_MESSAGE(add_b.run.ok(), add_b.text());
    BOOST_TEST(first_ip(add_a.json) != first_ip(add_b.json));
    auto ping = run_in_netns(a.container,
                             {"/bin/busybox", "ping", "-c", "1", "-W", "3", first_ip(add_b.json)});
    BOOST_TEST(ping.ok(), ping.describe());
    c.command = "DEL";
    BOOST_TEST(plugin().call(c, a.host).run.ok());
    BOOST_TEST(a.del(cfg).run.ok());
    BOOST_TEST(a.reservations() == 0u);
}

// bridge.md "mtu", "promiscMode", "isDefaultGateway".
BOOST_AUTO_TEST_CASE(mtu_promisc_and_default_gateway_options, *needs({"cni"})) {
    CniEnv env;
    std::string cfg =
        env.config(default_version(), R"("mtu":1400,"promiscMode":true,"isDefaultGateway":true)",
                   env.host_local(R"([[{"subnet":"10.241.0.0/24"}]])"));
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    auto inside = env.net(env.container);
    BOOST_REQUIRE(inside.link("eth0"));
    BOOST_TEST(inside.link("eth0")->mtu == 1400u);
    bool default_route = false;
    for (const auto& r : inside.routes)
        default_route |= r.dst == "0.0.0.0/0" && r.gateway == kGateway;
    BOOST_TEST(default_route, "isDefaultGateway gave no default route via the gateway");
    auto host = env.net(env.host);
    BOOST_REQUIRE(host.link(env.bridge));
    BOOST_TEST(host.link(env.bridge)->promisc);
    for (const auto& p : env.ports()) BOOST_TEST(p.mtu == 1400u);
    env.del(cfg);
}

// bridge.md "ipMasq": a masquerade rule for the subnet exists after ADD, not after DEL.
BOOST_AUTO_TEST_CASE(ip_masq_rules_come_and_go, *needs({"cni"})) {
    CniEnv env;
    std::string cfg = env.config(default_version(), R"("ipMasq":true)");
    auto rules = [&] {
        auto ipt = run_in_netns(env.host, {"/usr/sbin/iptables-save", "-t", "nat"});
        auto nft = run_in_netns(env.host, {"/usr/sbin/nft", "list", "ruleset"});
        return ipt.out + nft.out;
    };
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    std::string ip = first_ip(add.json);
    std::string during = rules();
    BOOST_TEST(during.find(ip) != std::string::npos, "no rule for " << ip << ":\n" << during);
    BOOST_TEST(env.del(cfg).run.ok());
    std::string after = rules();
    BOOST_TEST(after.find(ip) == std::string::npos, "rule left for " << ip << ":\n" << after);
}

// CONVENTIONS.md "IP" in CNI_ARGS and runtimeConfig "mac"; host-local honours the request.
BOOST_AUTO_TEST_CASE(requested_ip_and_mac_are_used, *needs({"cni"})) {
    CniEnv env;
    std::string cfg =
        env.config(default_version(), R"("runtimeConfig":{"mac":"02:42:0a:f1:00:4d"})");
    auto add = env.add(cfg, "IgnoreUnknown=1;IP=10.241.0.77");
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    BOOST_TEST(first_ip(add.json) == "10.241.0.77");
    auto inside = env.net(env.container);
    BOOST_REQUIRE(inside.link("eth0"));
    BOOST_TEST(has_cidr(inside.cidrs_of("eth0"), "10.241.0.77/"));
    BOOST_TEST(inside.link("eth0")->mac == "02:42:0a:f1:00:4d");
    env.del(cfg);
}

// host-local.md "rangeStart"/"rangeEnd"; exhaustion is an error that leaves nothing.
BOOST_AUTO_TEST_CASE(range_limits_and_exhaustion, *needs({"cni"})) {
    CniEnv env;
    std::string cfg = env.config(
        default_version(), "",
        env.host_local(
            R"([[{"subnet":"10.241.0.0/24","rangeStart":"10.241.0.10","rangeEnd":"10.241.0.10"}]])"));
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    BOOST_TEST(first_ip(add.json) == "10.241.0.10");
    NetNs second;
    CniCall c;
    c.command = "ADD";
    c.container_id = env.id + "-b";
    c.netns = second.path();
    c.config = cfg;
    auto full = plugin().call(c, env.host);
    BOOST_TEST(full.is_error(), full.text());
    BOOST_TEST(!env.net(second).link("eth0"), "the failed ADD left eth0");
    BOOST_TEST(env.ports().size() == 1u, "the failed ADD left a veth");
    BOOST_TEST(env.reservations() == 1u);
    env.del(cfg);
}

// host-local.md: several ranges give one address each (dual stack), and "routes".
BOOST_AUTO_TEST_CASE(dual_stack_and_routes, *needs({"cni"})) {
    CniEnv env;
    std::string cfg = env.config(
        default_version(), "",
        env.host_local(R"([[{"subnet":"10.241.0.0/24"}],[{"subnet":"fd00:240:0:1::/64"}]])",
                       R"("routes":[{"dst":"10.242.0.0/16"}])"));
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    BOOST_TEST(add.json["ips"].Size() == 2u);
    auto inside = env.net(env.container);
    auto cidrs = inside.cidrs_of("eth0");
    BOOST_TEST(has_cidr(cidrs, "10.241.0."));
    BOOST_TEST(has_cidr(cidrs, "fd00:240:0:1:"));
    bool route = false;
    for (const auto& r : inside.routes) route |= r.dst == "10.242.0.0/16";
    BOOST_TEST(route, "the configured route is missing");
    env.del(cfg);
    BOOST_TEST(env.reservations() == 0u);
}

// SPEC.md "prevResult" chaining: the reference tuning plugin consumes this plugin's result.
BOOST_AUTO_TEST_CASE(result_chains_into_tuning, *needs({"cni:1.0.0"})) {
    const std::string tuning = "/usr/lib/cni/tuning";
    BOOST_REQUIRE_MESSAGE(fs::exists(tuning), tuning << " missing (containernetworking-plugins)");
    CniEnv env;
    std::string cfg = env.config("1.0.0");
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    std::string tcfg = with_prev_result(
        R"({"cniVersion":"1.0.0","name":")" + env.name + R"(","type":"tuning","mtu":1300})",
        add.json);
    CniCall c;
    c.command = "ADD";
    c.container_id = env.id;
    c.netns = env.container.path();
    c.config = tcfg;
    auto t = plugin().call(c, env.host, tuning);
    BOOST_TEST(t.run.ok(), t.text());
    BOOST_TEST(env.net(env.container).link("eth0")->mtu == 1300u);
    BOOST_TEST(first_ip(t.json) == first_ip(add.json));
    c.command = "DEL";
    plugin().call(c, env.host, tuning);
    env.del(with_prev_result(cfg, add.json));
}

// SPEC.md 1.1.0 "STATUS" and "GC".
BOOST_AUTO_TEST_CASE(status_and_gc, *needs({"cni:1.1.0"})) {
    CniEnv env;
    std::string cfg = env.config("1.1.0");
    auto status = env.call("STATUS", cfg, "");
    BOOST_TEST(status.run.ok(), status.text());
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    BOOST_TEST(env.reservations() == 1u);
    rapidjson::Document d;
    d.Parse(cfg.c_str());
    d.AddMember("cni.dev/valid-attachments", rapidjson::Value(rapidjson::kArrayType),
                d.GetAllocator());
    auto gc = env.call("GC", to_json(d), "");
    BOOST_TEST(gc.run.ok(), gc.text());
    BOOST_TEST(env.reservations() == 0u, "GC kept a reservation not in valid-attachments");
    BOOST_TEST(env.ports().empty(), "GC kept a veth not in valid-attachments");
}

// SPEC.md "Parameters": CNI_CONTAINERID and CNI_IFNAME are required: error code 4, nothing made.
BOOST_AUTO_TEST_CASE(missing_container_id_or_ifname_is_error_4, *needs({"cni"})) {
    CniEnv env;
    for (bool no_id : {true, false}) {
        CniCall c;
        c.command = "ADD";
        c.container_id = no_id ? "" : env.id;
        c.ifname = no_id ? "eth0" : "";
        c.netns = env.container.path();
        c.config = env.config(default_version());
        auto r = plugin().call(c, env.host);
        BOOST_TEST(r.error_code() == 4, (no_id ? "no CNI_CONTAINERID: " : "no CNI_IFNAME: ")
                                            << r.text());
        BOOST_TEST(env.ports().empty());
        BOOST_TEST(env.reservations() == 0u);
    }
}

// SPEC.md "ADD": the interface is the one named by CNI_IFNAME.
BOOST_AUTO_TEST_CASE(ifname_names_the_container_interface, *needs({"cni"})) {
    CniEnv env;
    std::string cfg = env.config(default_version());
    CniCall c;
    c.command = "ADD";
    c.container_id = env.id;
    c.ifname = "net1";
    c.netns = env.container.path();
    c.config = cfg;
    auto add = plugin().call(c, env.host);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    bool in_result = false;
    for (const auto& i : add.json["interfaces"].GetArray()) {
        in_result |= i.HasMember("sandbox") && std::string(i["name"].GetString()) == "net1";
    }
    BOOST_TEST(in_result, "no net1 with a sandbox in the result");
    auto inside = env.net(env.container);
    BOOST_TEST(inside.link("net1"));
    BOOST_TEST(!inside.link("eth0"));
    c.command = "DEL";
    auto del = plugin().call(c, env.host);
    BOOST_TEST(del.run.ok(), del.text());
    BOOST_TEST(!env.net(env.container).link("net1"));
    BOOST_TEST(env.reservations() == 0u);
}

// SPEC.md "ADD": an interface of the requested name already in the container MUST be an
// error (and the failed ADD leaves nothing: no port, no reservation).
BOOST_AUTO_TEST_CASE(existing_interface_is_an_error, *needs({"cni"})) {
    CniEnv env;
    auto dummy = run_in_netns(env.container, {"/sbin/ip", "link", "add", "eth0", "type", "veth",
                                              "peer", "name", "conf-peer"});
    BOOST_REQUIRE_MESSAGE(dummy.ok(), dummy.describe());
    auto add = env.add(env.config(default_version()));
    BOOST_TEST(add.is_error(), add.text());
    BOOST_TEST(env.ports().empty(), "the failed ADD left a port on the bridge");
    BOOST_TEST(env.reservations() == 0u, "the failed ADD left a reservation");
}

namespace {
std::string bridge_tool(const NetNs& ns, std::initializer_list<std::string> args) {
    std::vector<std::string> argv{"/sbin/bridge"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_in_netns(ns, argv);
    return r.out + r.err;
}
}  // namespace

// bridge.md "hairpinMode": the host port has hairpin mode on.
BOOST_AUTO_TEST_CASE(hairpin_mode_is_set_on_the_port, *needs({"cni"})) {
    CniEnv env;
    std::string cfg = env.config(default_version(), R"("hairpinMode":true)");
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    auto ports = env.ports();
    BOOST_REQUIRE(ports.size() == 1u);
    std::string out = bridge_tool(env.host, {"-d", "link", "show", "dev", ports[0].name});
    BOOST_TEST(out.find("hairpin on") != std::string::npos, out);
    env.del(cfg);
}

// host-local.md "gateway" of a range; bridge.md "isGateway": the bridge gets the gateway.
BOOST_AUTO_TEST_CASE(range_gateway_is_used, *needs({"cni"})) {
    CniEnv env;
    std::string cfg =
        env.config(default_version(), "",
                   env.host_local(R"([[{"subnet":"10.241.0.0/24","gateway":"10.241.0.254"}]])"));
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    BOOST_TEST(std::string(add.json["ips"][0]["gateway"].GetString()) == "10.241.0.254");
    BOOST_TEST(has_cidr(env.net(env.host).cidrs_of(env.bridge), "10.241.0.254/24"));
    BOOST_TEST(first_ip(add.json) != "10.241.0.254");
    env.del(cfg);
}

// bridge.md "isGateway" false: the bridge gets no address.
BOOST_AUTO_TEST_CASE(no_gateway_leaves_the_bridge_without_address, *needs({"cni"})) {
    CniEnv env;
    std::string cfg =
        env.config(default_version(), "", env.host_local(R"([[{"subnet":"10.241.0.0/24"}]])"));
    // config() writes "isGateway":true; a later duplicate key would be ambiguous, so edit it.
    rapidjson::Document d;
    d.Parse(cfg.c_str());
    d["isGateway"].SetBool(false);
    cfg = to_json(d);
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    auto host = env.net(env.host);
    BOOST_REQUIRE(host.link(env.bridge));
    BOOST_TEST(!has_cidr(host.cidrs_of(env.bridge), "10.241.0."),
               "the bridge has an address although isGateway is false");
    env.del(cfg);
}

// host-local.md "ranges": the ranges of one set are used in turn (the next when one is full).
BOOST_AUTO_TEST_CASE(ranges_of_a_set_are_used_in_turn, *needs({"cni"})) {
    CniEnv env;
    std::string cfg =
        env.config(default_version(), "",
                   env.host_local(R"([[{"subnet":"10.241.0.0/24","rangeStart":"10.241.0.10",
            "rangeEnd":"10.241.0.10"},{"subnet":"10.241.0.0/24","rangeStart":"10.241.0.20",
            "rangeEnd":"10.241.0.20"}]])"));
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    BOOST_TEST(first_ip(add.json) == "10.241.0.10");
    NetNs second;
    CniCall c;
    c.command = "ADD";
    c.container_id = env.id + "-b";
    c.netns = second.path();
    c.config = cfg;
    auto next = plugin().call(c, env.host);
    BOOST_REQUIRE_MESSAGE(next.run.ok(), next.text());
    BOOST_TEST(first_ip(next.json) == "10.241.0.20");
    c.command = "DEL";
    BOOST_TEST(plugin().call(c, env.host).run.ok());
    BOOST_TEST(env.del(cfg).run.ok());
    BOOST_TEST(env.reservations() == 0u);
}

// CONVENTIONS.md "args" ips: the plugin uses args.cni.ips, and when the same key also comes in
// CNI_ARGS (IP=), it MUST ignore the CNI_ARGS field.
BOOST_AUTO_TEST_CASE(args_ips_win_over_cni_args_ip, *needs({"cni"})) {
    CniEnv env;
    std::string cfg = env.config(default_version(), R"("args":{"cni":{"ips":["10.241.0.88"]}})");
    auto add = env.add(cfg, "IgnoreUnknown=1;IP=10.241.0.77");
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    BOOST_TEST(first_ip(add.json) == "10.241.0.88");
    BOOST_TEST(has_cidr(env.net(env.container).cidrs_of("eth0"), "10.241.0.88/"));
    BOOST_TEST(env.del(cfg).run.ok());
    BOOST_TEST(env.reservations() == 0u);
}

// CONVENTIONS.md capability "ips" (runtimeConfig.ips), host-local.md: the requested address.
BOOST_AUTO_TEST_CASE(runtime_config_ips_capability, *needs({"cni"})) {
    CniEnv env;
    std::string cfg =
        env.config(default_version(),
                   R"("capabilities":{"ips":true},"runtimeConfig":{"ips":["10.241.0.66/24"]})");
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    BOOST_TEST(first_ip(add.json) == "10.241.0.66");
    BOOST_TEST(env.del(cfg).run.ok());
    BOOST_TEST(env.reservations() == 0u);
}

namespace {
// ADD of a second container (its own id and netns) to env's network with config cfg.
CniOutcome add_other(const CniEnv& env, const NetNs& netns, const std::string& suffix,
                     const std::string& cfg, const std::string& command = "ADD") {
    CniCall c;
    c.command = command;
    c.container_id = env.id + suffix;
    c.netns = netns.path();
    c.config = cfg;
    return plugin().call(c, env.host);
}
RunResult ping(const NetNs& from, const std::string& ip) {
    return run_in_netns(from, {"/bin/busybox", "ping", "-c", "1", "-W", "2", ip});
}
}  // namespace

// bridge.md "portIsolation": the host ports are isolated, so two containers on one bridge
// cannot reach each other, while both still reach the gateway (the bridge's address).
BOOST_AUTO_TEST_CASE(port_isolation_separates_containers, *needs({"cni"})) {
    CniEnv env;
    std::string cfg = env.config(default_version(), R"("portIsolation":true)");
    auto add_a = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add_a.run.ok(), add_a.text());
    NetNs second;
    auto add_b = add_other(env, second, "-b", cfg);
    BOOST_REQUIRE_MESSAGE(add_b.run.ok(), add_b.text());
    auto gw_a = ping(env.container, kGateway);
    BOOST_TEST(gw_a.ok(), gw_a.describe());
    auto gw_b = ping(second, kGateway);
    BOOST_TEST(gw_b.ok(), gw_b.describe());
    auto across = ping(env.container, first_ip(add_b.json));
    BOOST_TEST(!across.ok(), "isolated ports reached each other: " << across.describe());
    for (const auto& p : env.ports()) {
        std::string out = bridge_tool(env.host, {"-d", "link", "show", "dev", p.name});
        BOOST_TEST(out.find("isolated on") != std::string::npos, out);
    }
    BOOST_TEST(add_other(env, second, "-b", cfg, "DEL").run.ok());
    BOOST_TEST(env.del(cfg).run.ok());
}

// bridge.md "forceAddress": when the bridge already has another address of the subnet, ADD
// fails without forceAddress and replaces the address with it.
BOOST_AUTO_TEST_CASE(force_address_replaces_the_bridge_address, *needs({"cni"})) {
    CniEnv env;
    std::string first =
        env.config(default_version(), "", env.host_local(R"([[{"subnet":"10.241.0.0/24"}]])"));
    auto add = env.add(first);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    BOOST_REQUIRE(has_cidr(env.net(env.host).cidrs_of(env.bridge), "10.241.0.1/24"));
    std::string ranges = R"([[{"subnet":"10.241.0.0/24","gateway":"10.241.0.2"}]])";
    NetNs second;
    std::string kept = env.config(default_version(), "", env.host_local(ranges));
    auto refused = add_other(env, second, "-b", kept);
    BOOST_TEST(!refused.run.ok(), "a second gateway address was accepted without forceAddress");
    add_other(env, second, "-b", kept, "DEL");
    BOOST_TEST(has_cidr(env.net(env.host).cidrs_of(env.bridge), "10.241.0.1/24"));
    NetNs third;
    std::string forced =
        env.config(default_version(), R"("forceAddress":true)", env.host_local(ranges));
    auto replaced = add_other(env, third, "-c", forced);
    BOOST_TEST(replaced.run.ok(), replaced.text());
    auto cidrs = env.net(env.host).cidrs_of(env.bridge);
    BOOST_TEST(has_cidr(cidrs, "10.241.0.2/24"));
    BOOST_TEST(!has_cidr(cidrs, "10.241.0.1/24"), "forceAddress kept the old address");
    add_other(env, third, "-c", forced, "DEL");
    env.del(first);
}

// bridge.md "enabledad" (default false): DAD is off for the container interface's addresses
// unless enabledad is true. The kernel shows "off" in one of two ways: accept_dad 0 on the
// interface (the reference) or IFA_F_NODAD ("nodad") on each address (rt-bridge).
BOOST_AUTO_TEST_CASE(enabledad_controls_dad_on_the_container_interface, *needs({"cni"})) {
    for (bool dad : {false, true}) {
        CniEnv env;
        std::string cfg = env.config(default_version(), dad ? R"("enabledad":true)" : "",
                                     env.host_local(R"([[{"subnet":"fd00:240:0:1::/64"}]])"));
        auto add = env.add(cfg);
        BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
        auto sysctl = run_in_netns(
            env.container, {"/bin/busybox", "cat", "/proc/sys/net/ipv6/conf/eth0/accept_dad"});
        BOOST_REQUIRE_MESSAGE(sysctl.ok(), sysctl.describe());
        auto addrs =
            run_in_netns(env.container, {"/sbin/ip", "-6", "-o", "addr", "show", "dev", "eth0"});
        BOOST_REQUIRE_MESSAGE(addrs.ok(), addrs.describe());
        BOOST_REQUIRE(addrs.out.find("fd00:240:0:1:") != std::string::npos);
        std::string global = addrs.out.substr(addrs.out.find("fd00:240:0:1:"));
        global = global.substr(0, global.find('\n'));
        bool dad_off = std::stoi(sysctl.out) == 0 || global.find("nodad") != std::string::npos;
        BOOST_TEST(dad_off == !dad,
                   "enabledad " << dad << ": accept_dad " << sysctl.out << ", address " << global);
        env.del(cfg);
    }
}

// bridge.md "disableContainerInterface": the container's interface is left down, and IPAM
// cannot be used with it (so an ipam section is an error).
BOOST_AUTO_TEST_CASE(disable_container_interface_leaves_it_down, *needs({"cni"})) {
    CniEnv env;
    std::string with_ipam = env.config(default_version(), R"("disableContainerInterface":true)");
    auto refused = env.add(with_ipam);
    BOOST_TEST(!refused.run.ok(), "disableContainerInterface with IPAM was accepted");
    env.del(with_ipam);
    rapidjson::Document d;
    d.Parse(with_ipam.c_str());
    d.RemoveMember("ipam");
    d["isGateway"].SetBool(false);
    std::string cfg = to_json(d);
    auto add = env.add(cfg);
    BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
    auto inside = env.net(env.container);
    BOOST_REQUIRE(inside.link("eth0"));
    BOOST_TEST(!inside.link("eth0")->up, "eth0 is up although disableContainerInterface");
    BOOST_TEST(env.ports().size() == 1u);
    BOOST_TEST(env.del(cfg).run.ok());
    BOOST_TEST(!env.net(env.container).link("eth0"));
}

// bridge.md "macspoofchk": frames from the container with another source MAC than its
// interface's are dropped: the gateway answers before eth0's MAC is changed, not after. The
// same steps without macspoofchk (the control) still reach the gateway, so the drop is the
// check's doing. The host's neighbour entries are flushed so that it asks for the new MAC.
BOOST_AUTO_TEST_CASE(macspoofchk_drops_a_spoofed_source_mac, *needs({"cni"})) {
    for (bool check : {false, true}) {
        CniEnv env;
        std::string cfg = env.config(default_version(), check ? R"("macspoofchk":true)" : "");
        auto add = env.add(cfg);
        BOOST_REQUIRE_MESSAGE(add.run.ok(), add.text());
        auto before = ping(env.container, kGateway);
        BOOST_TEST(before.ok(), before.describe());
        auto set = run_in_netns(env.container, {"/sbin/ip", "link", "set", "dev", "eth0", "address",
                                                "02:00:0a:f1:00:99"});
        BOOST_REQUIRE_MESSAGE(set.ok(), set.describe());
        auto flush = run_in_netns(env.host, {"/sbin/ip", "neigh", "flush", "dev", env.bridge});
        BOOST_TEST(flush.ok(), flush.describe());
        auto after = ping(env.container, kGateway);
        BOOST_TEST(after.ok() == !check, "macspoofchk " << check << ": " << after.describe());
        BOOST_TEST(env.del(cfg).run.ok());
    }
}

BOOST_AUTO_TEST_SUITE_END()
