// The CNI protocol against the real binaries: every verb in every version, every error
// code, DEL idempotency.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <fstream>

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
            BOOST_TEST(link_in("", net.bridge).has_value());  // the bridge stays (as the reference)
            // DEL again, and without prevResult or netns: still success.
            BOOST_TEST(run(inv("DEL", net, &ns, conf)).status == 0);
            BOOST_TEST(run(inv("DEL", net, nullptr, conf)).status == 0);

            Invocation gc =
                inv("GC", net, nullptr,
                    conf.substr(0, conf.size() - 1) + R"(,"cni.dev/valid-attachments":[]})", "");
            gc.ifname.clear();
            Exec g = run(gc);
            BOOST_TEST((g.status == 0) == v110, g.dump());
            if (!v110) BOOST_TEST(g.code() == 1, g.dump());

            Invocation ver =
                inv("VERSION", net, nullptr, R"({"cniVersion":")" + version + "\"}", "");
            Exec vr = run(ver);
            BOOST_TEST(vr.status == 0);
            BOOST_TEST(json_str(vr.doc, "cniVersion") == version);
            BOOST_TEST(vr.doc["supportedVersions"].Size() == 5u);
        }
    }
}

BOOST_AUTO_TEST_CASE(rt_host_local_alone_in_every_version) {
    // rt-host-local called directly, as a runtime's chain or another bridge plugin does.
    for (auto v : rt::cni::kSupportedVersions) {
        std::string version(v);
        BOOST_TEST_CONTEXT("cniVersion " << version) {
            TestNet net;
            std::string conf = R"({"cniVersion":")" + version + R"(","name":")" + net.name +
                               R"(","ipam":)" + net.ipam_host_local() + "}";
            Invocation i;
            i.plugin = rt_host_local();
            i.container_id = "alone";
            i.netns = "/run/netns/unused";  // an IPAM plugin never enters it
            i.config = conf;
            i.command = "ADD";
            Exec add = run(i);
            BOOST_REQUIRE_MESSAGE(add.status == 0, add.dump());
            BOOST_TEST(json_str(add.doc, "cniVersion") == version);
            BOOST_REQUIRE(add.doc["ips"].Size() == 2u);
            bool tagged = rt::cni::compare_versions(version, "1.0.0") < 0;
            BOOST_TEST(json_str(add.doc["ips"][0], "version") == (tagged ? "4" : ""));
            BOOST_TEST(json_str(add.doc["ips"][1], "version") == (tagged ? "6" : ""));
            BOOST_TEST(json_str(add.doc["ips"][0], "address") == net.ip4(2) + "/24");
            BOOST_TEST(net.reservations().size() == 3u);

            Invocation check = i;
            check.command = "CHECK";
            check.config = with_prev(conf, add.out);
            Exec ck = run(check);
            bool has_check = rt::cni::compare_versions(version, "0.4.0") >= 0;
            BOOST_TEST((ck.status == 0) == has_check, ck.dump());
            if (!has_check) BOOST_TEST(ck.code() == 1);

            bool v110 = version == "1.1.0";
            for (const char* cmd : {"STATUS", "GC"}) {
                Invocation g = i;
                g.command = cmd;
                g.container_id.clear();
                g.netns.clear();
                g.ifname.clear();
                g.config =
                    conf.substr(0, conf.size() - 1) +
                    R"(,"cni.dev/valid-attachments":[{"containerID":"alone","ifname":"eth0"}]})";
                Exec e = run(g);
                BOOST_TEST((e.status == 0) == v110, cmd << ": " << e.dump());
                if (!v110) BOOST_TEST(e.code() == 1, cmd << ": " << e.dump());
            }
            BOOST_TEST(net.reservations().size() == 3u);  // GC kept the valid attachment

            Invocation del = i;
            del.command = "DEL";
            del.config = with_prev(conf, add.out);
            Exec d = run(del);
            BOOST_TEST(d.status == 0, d.dump());
            BOOST_TEST(d.out.empty());
            BOOST_TEST(net.reservations().empty());
            BOOST_TEST(run(del).status == 0);  // idempotent
            if (version != "1.1.0") continue;
            // Released: CHECK now reports it.
            Exec gone = run(check);
            BOOST_TEST(gone.status != 0);
            BOOST_TEST(gone.msg().find("alone") != std::string::npos, gone.dump());
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
    // Each failure: non-zero exit, the error JSON of SPEC.md section 5 on stdout, the code,
    // and a message that names what is wrong (`needle`).
    auto expect = [&](const Invocation& i, int code, const std::string& needle) {
        Exec e = run(i);
        BOOST_TEST(e.status != 0, e.dump());
        BOOST_TEST(e.code() == code, e.dump());
        BOOST_TEST(json_str(e.doc, "cniVersion") != "", e.dump());
        BOOST_TEST(e.msg().find(needle) != std::string::npos,
                   "message should name \"" << needle << "\": " << e.dump());
        return e;
    };
    Invocation base = inv("ADD", net, &ns, conf);

    Invocation no_cmd = base;
    no_cmd.clear_command = true;
    expect(no_cmd, 4, "CNI_COMMAND");
    Invocation bad_cmd = base;
    bad_cmd.command = "ATTACH";
    expect(bad_cmd, 4, "ATTACH");
    Invocation no_id = base;
    no_id.container_id.clear();
    expect(no_id, 4, "CNI_CONTAINERID");
    Invocation no_ns = base;
    no_ns.netns.clear();
    expect(no_ns, 4, "CNI_NETNS");
    Invocation no_if = base;
    no_if.ifname.clear();
    expect(no_if, 4, "CNI_IFNAME");
    Invocation bad_if = base;
    bad_if.ifname = "eth0/x";
    expect(bad_if, 4, "CNI_IFNAME");
    Invocation bad_json = base;
    bad_json.config = "{\"cniVersion\":";
    expect(bad_json, 6, "JSON");
    Invocation not_object = base;
    not_object.config = "[1,2]";
    expect(not_object, 6, "object");
    Invocation unread = base;  // stdin that cannot be read (a directory: EISDIR)
    unread.stdin_path = "/";
    expect(unread, 5, "stdin");
    Invocation no_version = base;
    no_version.config = R"({"name":")" + net.name + R"(","type":"rt-bridge"})";
    expect(no_version, 1, "cniVersion");
    Invocation old = base;
    old.config = net.conf("0.2.0");
    expect(old, 1, "0.2.0");
    Invocation future = base;
    future.config = net.conf("9.9.9");
    Exec fut = expect(future, 1, "9.9.9");
    BOOST_TEST(json_str(fut.doc, "details").find("1.1.0") != std::string::npos, fut.dump());
    Invocation missing_ns = base;
    missing_ns.netns = "/run/netns/rt-cni-does-not-exist-" + std::to_string(getpid());
    expect(missing_ns, 3, missing_ns.netns);
    Invocation check_missing = missing_ns;  // CHECK of a container that is gone
    check_missing.command = "CHECK";
    expect(check_missing, 3, missing_ns.netns);
    Invocation not_ns = base;
    not_ns.netns = "/tmp";
    expect(not_ns, 4, "not a network namespace");
    Invocation own_ns = base;
    own_ns.netns = "/proc/self/ns/net";  // the plugin's own namespace
    expect(own_ns, 4, "CNI_NETNS");
    Invocation bad_conf = base;
    bad_conf.config = net.conf("1.1.0", R"(,"mtu":"big")");
    expect(bad_conf, 7, "mtu");
    Invocation bad_range = base;
    bad_range.config =
        net.conf("1.1.0", "",
                 R"({"type":"rt-host-local","ranges":[[{"subnet":"10.1.2.0/33"}]],"dataDir":")" +
                     net.data_dir + "\"}");
    expect(bad_range, 7, "ipam.ranges[0][0].subnet");
    Invocation no_path = base;
    no_path.path.clear();
    expect(no_path, 4, "CNI_PATH");
    Invocation no_ipam = base;
    no_ipam.config = net.conf("1.1.0", "", R"({"type":"rt-no-such-ipam"})");
    expect(no_ipam, 7, "rt-no-such-ipam");
    Invocation bad_args = base;
    bad_args.args = "NOPE";
    expect(bad_args, 4, "CNI_ARGS");
    Invocation unknown_args = base;
    unknown_args.args = "FOO=bar";
    expect(unknown_args, 4, "FOO");
    Invocation bad_mac = base;
    bad_mac.args = "MAC=01:00:5e:00:00:01";  // multicast
    expect(bad_mac, 4, "MAC");
    Invocation outside = base;
    outside.args = "IP=10.9.9.9";
    expect(outside, 7, "10.9.9.9");
    // Taken address (100), and the interface name already in the container (4).
    Exec first = run(base);
    BOOST_REQUIRE_MESSAGE(first.status == 0, first.dump());
    Invocation taken = inv("ADD", net, &ns, conf, "ctr2");
    taken.ifname = "eth1";
    std::string held = json_str(first.doc["ips"][0], "address");
    held = held.substr(0, held.find('/'));
    taken.args = "IP=" + held;
    expect(taken, 100, held);
    Invocation clash = inv("ADD", net, &ns, conf, "ctr3");  // eth0 exists in ns
    expect(clash, 4, "eth0");
    const Invocation& again = base;  // same attachment twice
    expect(again, 999, "already exists");
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

// "No subprocesses; all netlink through libnl": rt-bridge and rt-host-local run where no
// tool exists. A private mount namespace hides /usr/bin, /usr/sbin (ip, bridge, nft,
// iptables, sysctl, modprobe ...) and /usr/lib/cni behind empty tmpfs mounts, CNI_PATH
// holds only our plugins; every verb must still do its whole job.
BOOST_AUTO_TEST_SUITE(protocol)

BOOST_AUTO_TEST_CASE(every_verb_works_without_any_tool) {
    TestNet net;
    Netns a;
    std::string fake_bin = net.data_dir + "/no-tools";
    std::string wrapper = fake_bin + "/rt-bridge";
    BOOST_REQUIRE(sh("mkdir -p " + fake_bin + " && ln -s " + rt_host_local() + " " + fake_bin +
                     "/rt-host-local") == 0);
    {
        std::ofstream w(wrapper);
        // Exit 42 if a tool is still visible: the test would prove nothing.
        w << "#!/bin/sh\nexec unshare -m --propagation private sh -c '"
          << "mount -t tmpfs rt-no-tools /usr/lib/cni && mount -t tmpfs rt-no-tools /usr/sbin && "
             "mount -t tmpfs rt-no-tools /usr/bin && "
             "[ ! -e /usr/sbin/nft ] && [ ! -e /usr/bin/ip ] && [ ! -e /usr/sbin/iptables ] || "
             "exit 42; exec \"$0\"' "
          << rt_bridge() << "\n";
    }
    BOOST_REQUIRE(sh("chmod 700 " + wrapper) == 0);
    std::string conf = net.conf(
        "1.1.0", R"(,"isDefaultGateway":true,"ipMasq":true,"macspoofchk":true,"mtu":1400)");
    auto call = [&](const std::string& cmd, const std::string& config, const Netns* ns) {
        Invocation i = inv(cmd, net, ns, config, "notools");
        i.plugin = wrapper;
        i.path = fake_bin;  // rt-host-local only, no reference plugin
        if (cmd == "STATUS" || cmd == "GC") {
            i.container_id.clear();
            i.ifname.clear();
        }
        return run(i);
    };
    Exec add = call("ADD", conf, &a);
    BOOST_REQUIRE_MESSAGE(add.status == 0, add.dump());
    std::string ip4 = json_str(add.doc["ips"][0], "address");
    BOOST_TEST(has_addr(a.path(), "eth0", ip4));
    BOOST_TEST(has_addr("", net.bridge, net.ip4(1) + "/24"));
    BOOST_TEST(link_in(a.path(), "eth0")->mtu == 1400);
    std::string rules;
    for (const auto& r : net.nft_elements()) rules += r + "\n";
    BOOST_TEST(rules.find(ip4.substr(0, ip4.find('/'))) != std::string::npos, rules);
    BOOST_TEST(a.exec("busybox ping -c 1 -W 2 " + net.ip4(1)) == 0);
    std::string prev = with_prev(conf, add.out);
    Exec check = call("CHECK", prev, &a);
    BOOST_TEST(check.status == 0, check.dump());
    BOOST_TEST(call("STATUS", conf, nullptr).status == 0);
    Exec gc =
        call("GC",
             conf.substr(0, conf.size() - 1) +
                 R"(,"cni.dev/valid-attachments":[{"containerID":"notools","ifname":"eth0"}]})",
             nullptr);
    BOOST_TEST(gc.status == 0, gc.dump());
    BOOST_TEST(net.host_veths().size() == 1u);  // GC kept the valid attachment
    Exec del = call("DEL", prev, &a);
    BOOST_TEST(del.status == 0, del.dump());
    BOOST_TEST(!link_in(a.path(), "eth0"));
    BOOST_TEST(net.nft_elements().empty());
    BOOST_TEST(net.reservations().empty());
}

BOOST_AUTO_TEST_SUITE_END()
