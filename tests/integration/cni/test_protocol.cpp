// The CNI protocol against the real binaries: every verb in every version, every error
// code, DEL idempotency.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "cni/version.hpp"
#include "fixture.hpp"

using namespace cnit;

namespace {

Invocation inv(const std::string& cmd, const TestNet& net, const Netns* ns,
               const std::string& config, const std::string& id = "ctr1") {
    Invocation i;
    i.plugin = rt_bridge();
    i.command = cmd;
    i.container_id = id;
    i.netns = ns ? ns->path() : "";
    i.config = config;
    (void)net;
    return i;
}

// The config with "prevResult" added (as a runtime passes it for CHECK and DEL).
std::string with_prev(const std::string& conf, const std::string& result) {
    return conf.substr(0, conf.size() - 1) + R"(,"prevResult":)" + result + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(protocol)

BOOST_AUTO_TEST_CASE(every_verb_in_every_version) {
    for (auto v : rt::cni::kSupportedVersions) {
        std::string version(v);
        BOOST_TEST_CONTEXT("cniVersion " << version) {
            TestNet net;
            Netns ns;
            std::string conf = net.conf(version, R"(,"isGateway":true)");

            Exec add = run(inv("ADD", net, &ns, conf));
            BOOST_REQUIRE_MESSAGE(add.status == 0, add.dump());
            const auto& r = add.doc;
            BOOST_TEST(json_str(r, "cniVersion") == version);
            BOOST_REQUIRE(r["interfaces"].Size() == 3u);
            BOOST_TEST(json_str(r["interfaces"][0], "name") == net.bridge);
            BOOST_TEST(json_str(r["interfaces"][1], "name").rfind("veth", 0) == 0u);
            BOOST_TEST(json_str(r["interfaces"][2], "name") == "eth0");
            BOOST_TEST(json_str(r["interfaces"][2], "sandbox") == ns.path());
            BOOST_REQUIRE(r["ips"].Size() == 2u);
            bool tagged = rt::cni::compare_versions(version, "1.0.0") < 0;
            BOOST_TEST(r["ips"][0].HasMember("version") == tagged);
            BOOST_TEST(r["ips"][0]["interface"].GetInt() == 2);
            BOOST_TEST(json_str(r["ips"][0], "address") == net.ip4(2) + "/24");
            BOOST_TEST(json_str(r["ips"][0], "gateway") == net.ip4(1));
            BOOST_TEST(json_str(r["ips"][1], "address") == net.ip6(2) + "/64");
            BOOST_TEST(has_addr(ns.path(), "eth0", net.ip4(2) + "/24"));
            BOOST_TEST(has_addr(ns.path(), "eth0", net.ip6(2) + "/64"));
            BOOST_TEST(has_addr("", net.bridge, net.ip4(1) + "/24"));

            if (rt::cni::compare_versions(version, "0.4.0") >= 0) {
                Exec check = run(inv("CHECK", net, &ns, with_prev(conf, add.out)));
                BOOST_TEST(check.status == 0, check.dump());
            } else {
                Exec check = run(inv("CHECK", net, &ns, with_prev(conf, add.out)));
                BOOST_TEST(check.code() == 1, check.dump());
            }
            bool v110 = version == "1.1.0";
            Invocation status = inv("STATUS", net, nullptr, conf, "");
            status.ifname.clear();
            Exec st = run(status);
            BOOST_TEST((st.status == 0) == v110, st.dump());
            if (!v110) BOOST_TEST(st.code() == 1);

            Exec del = run(inv("DEL", net, &ns, with_prev(conf, add.out)));
            BOOST_TEST(del.status == 0, del.dump());
            BOOST_TEST(del.out.empty());
            BOOST_TEST(!link_in(ns.path(), "eth0"));
            BOOST_TEST(net.host_veths().empty());
            BOOST_TEST(net.reservations().empty());
            // DEL again, and without prevResult or netns: still success.
            BOOST_TEST(run(inv("DEL", net, &ns, conf)).status == 0);
            BOOST_TEST(run(inv("DEL", net, nullptr, conf)).status == 0);

            Invocation gc =
                inv("GC", net, nullptr,
                    conf.substr(0, conf.size() - 1) + R"(,"cni.dev/valid-attachments":[]})", "");
            gc.ifname.clear();
            Exec g = run(gc);
            BOOST_TEST((g.status == 0) == v110, g.dump());

            Invocation ver =
                inv("VERSION", net, nullptr, R"({"cniVersion":")" + version + "\"}", "");
            Exec vr = run(ver);
            BOOST_TEST(vr.status == 0);
            BOOST_TEST(json_str(vr.doc, "cniVersion") == version);
            BOOST_TEST(vr.doc["supportedVersions"].Size() == 5u);
        }
    }
}

BOOST_AUTO_TEST_CASE(version_of_both_plugins) {
    for (const std::string& p : {rt_bridge(), rt_host_local()}) {
        Invocation i;
        i.plugin = p;
        i.command = "VERSION";
        i.config = R"({"cniVersion":"1.1.0"})";
        Exec e = run(i);
        BOOST_TEST(e.status == 0);
        std::string list;
        for (const auto& v : e.doc["supportedVersions"].GetArray())
            list += std::string(v.GetString()) + " ";
        BOOST_TEST(list == "0.3.0 0.3.1 0.4.0 1.0.0 1.1.0 ");
    }
}

BOOST_AUTO_TEST_CASE(error_codes) {
    TestNet net;
    Netns ns;
    std::string conf = net.conf();
    auto code = [&](Invocation i) {
        Exec e = run(i);
        BOOST_TEST(e.status != 0, e.dump());
        BOOST_TEST(!e.msg().empty(), e.dump());
        BOOST_TEST(json_str(e.doc, "cniVersion") != "", e.dump());
        return e.code();
    };
    Invocation base = inv("ADD", net, &ns, conf);

    Invocation no_cmd = base;
    no_cmd.clear_command = true;
    BOOST_TEST(code(no_cmd) == 4);  // missing CNI_COMMAND
    Invocation bad_cmd = base;
    bad_cmd.command = "ATTACH";
    BOOST_TEST(code(bad_cmd) == 4);
    Invocation no_id = base;
    no_id.container_id.clear();
    BOOST_TEST(code(no_id) == 4);
    Invocation no_ns = base;
    no_ns.netns.clear();
    BOOST_TEST(code(no_ns) == 4);
    Invocation bad_json = base;
    bad_json.config = "{\"cniVersion\":";
    BOOST_TEST(code(bad_json) == 6);
    Invocation old = base;
    old.config = net.conf("0.2.0");
    BOOST_TEST(code(old) == 1);
    Invocation future = base;
    future.config = net.conf("9.9.9");
    BOOST_TEST(code(future) == 1);
    Invocation missing_ns = base;
    missing_ns.netns = "/run/netns/rt-cni-does-not-exist-" + std::to_string(getpid());
    BOOST_TEST(code(missing_ns) == 3);
    Invocation not_ns = base;
    not_ns.netns = "/tmp";
    BOOST_TEST(code(not_ns) == 4);
    Invocation own_ns = base;
    own_ns.netns = "/proc/self/ns/net";  // the plugin's own namespace
    BOOST_TEST(code(own_ns) == 4);
    Invocation bad_conf = base;
    bad_conf.config = net.conf("1.1.0", R"(,"mtu":"big")");
    BOOST_TEST(code(bad_conf) == 7);
    Invocation unsupported = base;
    unsupported.config = net.conf("1.1.0", R"(,"ipMasq":true,"ipMasqBackend":"iptables")");
    BOOST_TEST(code(unsupported) == 2);
    Invocation no_path = base;
    no_path.path.clear();
    BOOST_TEST(code(no_path) == 4);
    Invocation no_ipam = base;
    no_ipam.config = net.conf("1.1.0", "", R"({"type":"rt-no-such-ipam"})");
    BOOST_TEST(code(no_ipam) == 7);
    Invocation bad_args = base;
    bad_args.args = "NOPE";
    BOOST_TEST(code(bad_args) == 4);
    Invocation unknown_args = base;
    unknown_args.args = "FOO=bar";
    BOOST_TEST(code(unknown_args) == 4);

    // Taken address (100), and the interface name already in the container (4).
    Exec first = run(base);
    BOOST_REQUIRE_MESSAGE(first.status == 0, first.dump());
    Invocation taken = inv("ADD", net, &ns, conf, "ctr2");
    taken.ifname = "eth1";
    taken.args = "IP=" + net.ip4(2);
    BOOST_TEST(code(taken) == 100);
    Invocation clash = inv("ADD", net, &ns, conf, "ctr3");  // eth0 exists in ns
    BOOST_TEST(code(clash) == 4);
    Invocation again = base;  // same attachment twice
    BOOST_TEST(code(again) != 0);
    // None of the failures left anything: one veth, one pair of addresses.
    BOOST_TEST(net.host_veths().size() == 1u);
    BOOST_TEST(net.reservations().size() == 3u);  // v4, v6 and the index entry
    BOOST_TEST(run(inv("DEL", net, &ns, conf)).status == 0);
    for (const char* id : {"ctr2", "ctr3"}) {
        Invocation d = inv("DEL", net, &ns, conf, id);
        d.ifname = std::string(id) == "ctr2" ? "eth1" : "eth0";
        BOOST_TEST(run(d).status == 0);
    }
}

BOOST_AUTO_TEST_CASE(status_reports_exhaustion) {
    TestNet net;
    Netns a;
    std::string conf = net.conf("1.1.0", "",
                                R"({"type":"rt-host-local","subnet":")" + net.v4_prefix +
                                    R"(.0/30","dataDir":")" + net.data_dir + "\"}");
    Invocation status = inv("STATUS", net, nullptr, conf, "");
    status.ifname.clear();
    BOOST_TEST(run(status).status == 0);
    Exec add = run(inv("ADD", net, &a, conf));
    BOOST_REQUIRE_MESSAGE(add.status == 0, add.dump());
    Exec full = run(status);
    BOOST_TEST(full.code() == 50, full.dump());
    BOOST_TEST(run(inv("DEL", net, &a, conf)).status == 0);
    BOOST_TEST(run(status).status == 0);
}

BOOST_AUTO_TEST_SUITE_END()
