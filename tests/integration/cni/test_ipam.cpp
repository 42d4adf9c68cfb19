// Address management under load and failure, and interoperability with the reference
// plugins (Debian's containernetworking-plugins in /usr/lib/cni, CNI <= 1.0.0).
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "fixture.hpp"

using namespace cnit;
namespace fs = std::filesystem;

namespace {
Invocation make(const std::string& plugin, const std::string& cmd, const std::string& id,
                const std::string& netns, const std::string& config,
                const std::string& ifname = "eth0") {
    Invocation i;
    i.plugin = plugin;
    i.command = cmd;
    i.container_id = id;
    i.netns = netns;
    i.config = config;
    i.ifname = ifname;
    return i;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(ipam_and_rollback)

BOOST_AUTO_TEST_CASE(hundred_parallel_adds_get_unique_addresses) {
    TestNet net;
    std::vector<std::unique_ptr<Netns>> nss;
    nss.reserve(100);
    for (int i = 0; i < 100; ++i) nss.push_back(std::make_unique<Netns>());
    std::string conf = net.conf("1.1.0", R"(,"isGateway":true)");
    std::vector<Invocation> adds, dels;
    for (int i = 0; i < 100; ++i) {
        adds.push_back(make(rt_bridge(), "ADD", "par" + std::to_string(i),
                            nss[static_cast<std::size_t>(i)]->path(), conf));
        dels.push_back(adds.back());
        dels.back().command = "DEL";
    }
    auto results = run_parallel(adds);
    std::set<std::string> v4, v6, veths;
    int failed = 0;
    for (auto& r : results) {
        if (r.status != 0) {
            ++failed;
            BOOST_TEST_MESSAGE(r.dump());
            continue;
        }
        v4.insert(json_str(r.doc["ips"][0], "address"));
        v6.insert(json_str(r.doc["ips"][1], "address"));
        veths.insert(json_str(r.doc["interfaces"][1], "name"));
    }
    BOOST_TEST(failed == 0);
    BOOST_TEST(v4.size() == 100u);
    BOOST_TEST(v6.size() == 100u);
    BOOST_TEST(veths.size() == 100u);
    BOOST_TEST(net.host_veths().size() == 100u);
    BOOST_TEST(net.reservations().size() == 300u);  // v4 + v6 + index per attachment
    for (auto& r : run_parallel(dels)) BOOST_TEST(r.status == 0, r.dump());
    BOOST_TEST(net.host_veths().empty());
    BOOST_TEST(net.reservations().empty());
}

BOOST_AUTO_TEST_CASE(exhaustion_fails_cleanly) {
    TestNet net;
    std::string ipam = R"({"type":"rt-host-local","subnet":")" + net.v4_prefix +
                       R"(.0/29","dataDir":")" + net.data_dir + "\"}";
    std::string conf = net.conf("1.1.0", R"(,"ipMasq":true)", ipam);
    std::vector<std::unique_ptr<Netns>> nss;
    std::vector<std::unique_ptr<Attachment>> atts;
    for (int i = 0; i < 5; ++i) {  // a /29 holds 5 containers (.2-.6)
        nss.push_back(std::make_unique<Netns>());
        atts.push_back(
            std::make_unique<Attachment>(net, *nss.back(), conf, "ex" + std::to_string(i)));
        BOOST_REQUIRE_MESSAGE(atts.back()->ok(), atts.back()->add().dump());
    }
    auto rules = net.nft_elements().size();
    Netns extra;
    Attachment over(net, extra, conf, "ex-over");
    BOOST_TEST(!over.ok());
    BOOST_TEST(over.add().code() == 50, over.add().dump());
    BOOST_TEST(over.add().msg().find("no IP addresses available") != std::string::npos);
    BOOST_TEST(!link_in(extra.path(), "eth0"));
    BOOST_TEST(net.host_veths().size() == 5u);
    BOOST_TEST(net.reservations().size() == 10u);
    BOOST_TEST(net.nft_elements().size() == rules);
}

BOOST_AUTO_TEST_CASE(late_failure_rolls_everything_back) {
    TestNet net;
    Netns a;
    // A route whose gateway is not on any link: the kernel refuses it after the veth,
    // the addresses and the masquerade rule exist. All of them must go.
    std::string ipam = net.ipam_host_local(
        "rt-host-local", true, R"(,"routes":[{"dst":"10.238.0.0/16","gw":"10.237.0.1"}])");
    Exec e = run(make(rt_bridge(), "ADD", "late", a.path(),
                      net.conf("1.1.0", R"(,"ipMasq":true,"macspoofchk":true)", ipam)));
    BOOST_TEST(e.status != 0);
    BOOST_TEST(e.msg().find("route 10.238.0.0/16") != std::string::npos, e.dump());
    BOOST_TEST(!link_in(a.path(), "eth0"));
    BOOST_TEST(net.host_veths().empty());
    BOOST_TEST(net.reservations().empty());
    BOOST_TEST(net.nft_elements().empty());
}

BOOST_AUTO_TEST_CASE(failing_ipam_plugin_gets_a_del) {
    TestNet net;
    Netns a;
    // A fake IPAM plugin that records its calls and answers ADD with garbage.
    fs::path dir = net.data_dir + "/fakebin";
    fs::create_directories(dir);
    std::string log = net.data_dir + "/calls";
    {
        std::ofstream s(dir / "rt-fake-ipam");
        s << "#!/bin/sh\necho \"$CNI_COMMAND $CNI_CONTAINERID\" >> " << log
          << "\ncat >/dev/null\n[ \"$CNI_COMMAND\" = ADD ] && echo 'this is not json'\nexit 0\n";
    }
    fs::permissions(dir / "rt-fake-ipam", fs::perms::owner_all);
    Invocation i = make(rt_bridge(), "ADD", "fake", a.path(),
                        net.conf("1.1.0", "", R"({"type":"rt-fake-ipam"})"));
    i.path = dir.string() + ":" + bin_dir();
    Exec e = run(i);
    BOOST_TEST(e.status != 0);
    BOOST_TEST(e.code() == 6, e.dump());  // the IPAM result could not be decoded
    BOOST_TEST(!link_in(a.path(), "eth0"));
    BOOST_TEST(net.host_veths().empty());
    std::ifstream in(log);
    std::string calls((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BOOST_TEST(calls == "ADD fake\nDEL fake\n");
}

BOOST_AUTO_TEST_CASE(del_when_the_namespace_is_gone) {
    TestNet net;
    auto a = std::make_unique<Netns>();
    std::string conf = net.conf("1.1.0", R"(,"ipMasq":true)");
    Attachment x(net, *a, conf, "gone");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    a->remove();  // the container died; its netns (and veth pair) with it
    Exec d = x.del();
    BOOST_TEST(d.status == 0, d.dump());
    BOOST_TEST(net.reservations().empty());
    BOOST_TEST(net.nft_elements().empty());
    // CRI's second DEL: no netns at all.
    Invocation again = make(rt_bridge(), "DEL", "gone", "", conf);
    BOOST_TEST(run(again).status == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(interop)

BOOST_AUTO_TEST_CASE(rt_bridge_with_reference_host_local) {
    TestNet net;
    Netns a, b;
    std::string conf = net.conf("1.0.0", R"(,"isGateway":true)", net.ipam_host_local("host-local"));
    Attachment x(net, a, conf, "ri1"), y(net, b, conf, "ri2");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_REQUIRE_MESSAGE(y.ok(), y.add().dump());
    BOOST_TEST(fs::exists(net.data_dir + "/" + net.name + "/" + x.ip(4)));
    BOOST_TEST(b.exec("busybox ping -c 1 -W 2 " + x.ip(4)) == 0);
    BOOST_TEST(x.check().status == 0, x.check().dump());
    BOOST_TEST(x.del().status == 0);
    BOOST_TEST(!fs::exists(net.data_dir + "/" + net.name + "/" + x.ip(4)));
}

BOOST_AUTO_TEST_CASE(rt_bridge_with_reference_static) {
    TestNet net;
    Netns a;
    std::string ipam = R"({"type":"static","addresses":[{"address":")" + net.ip4(5) +
                       R"(/24","gateway":")" + net.ip4(1) + R"("},{"address":")" + net.ip6(5) +
                       R"(/64"}],"routes":[{"dst":"10.238.0.0/16"}]})";
    Attachment x(net, a, net.conf("1.0.0", R"(,"isGateway":true)", ipam), "st1");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_TEST(x.ip(4) == net.ip4(5));
    BOOST_TEST(has_addr(a.path(), "eth0", net.ip6(5) + "/64"));
    std::string routes;
    a.exec("ip route", &routes);
    BOOST_TEST(routes.find("10.238.0.0/16 via " + net.ip4(1)) != std::string::npos, routes);
    BOOST_TEST(a.exec("busybox ping -c 1 -W 2 " + net.ip4(1)) == 0);
    BOOST_TEST(x.check().status == 0, x.check().dump());
}

BOOST_AUTO_TEST_CASE(reference_bridge_with_rt_host_local) {
    TestNet net;
    Netns a;
    std::string conf =
        net.conf("1.0.0", R"(,"isGateway":true)", net.ipam_host_local("rt-host-local"), "bridge");
    Attachment x(net, a, conf, "ir1", "eth0", "", std::string(kRefDir) + "/bridge");
    BOOST_REQUIRE_MESSAGE(x.ok(), x.add().dump());
    BOOST_TEST(has_addr(a.path(), "eth0", x.ip(4) + "/24"));
    BOOST_TEST(fs::exists(net.data_dir + "/" + net.name + "/" + x.ip(4)));
    BOOST_TEST(x.check().status == 0, x.check().dump());
    BOOST_TEST(x.del().status == 0);
    BOOST_TEST(net.reservations().empty());
    // The reference bridge leaves no alias; nothing else of ours exists.
}

// rt-host-local next to rt-bridge is the same file (a hard link): rt-bridge calls it
// in-process, no second exec. A copy of it (another inode, same name) is exec'd like any
// other IPAM plugin. Either way the address is reserved, configured and released.
BOOST_AUTO_TEST_CASE(own_host_local_runs_in_process_a_copy_is_executed) {
    TestNet net;
    BOOST_REQUIRE_MESSAGE(sh("command -v strace >/dev/null") == 0,
                          "strace missing (scripts/install-deps.sh installs it)");
    BOOST_REQUIRE_MESSAGE(fs::equivalent(rt_bridge(), rt_host_local()),
                          rt_host_local() + " is not a link of " + rt_bridge());
    const std::string copy_dir = net.data_dir + "/copy";
    fs::create_directories(copy_dir);
    fs::copy_file(rt_host_local(), copy_dir + "/rt-host-local");
    fs::permissions(copy_dir + "/rt-host-local", fs::perms::owner_all);
    const std::string log = net.data_dir + "/execs";
    const std::string wrapper = net.data_dir + "/traced-rt-bridge";
    {
        std::ofstream w(wrapper);
        w << "#!/bin/sh\nexec strace -f -qq -e trace=execve -e signal=none -o " << log << " "
          << rt_bridge() << "\n";
    }
    fs::permissions(wrapper, fs::perms::owner_all);
    // Successful execve calls seen in the last run, in order.
    auto execs = [&] {
        std::ifstream in(log);
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) {
            auto q = line.find("execve(\"");
            if (q == std::string::npos || line.find(" = 0") == std::string::npos) continue;
            q += 8;
            out.push_back(line.substr(q, line.find('"', q) - q));
        }
        return out;
    };
    const std::string conf = net.conf("1.1.0", R"(,"isGateway":true)");
    for (const std::string& path : {cni_path(), copy_dir}) {
        const bool copy = path == copy_dir;
        BOOST_TEST_CONTEXT("CNI_PATH " << path) {
            std::vector<std::string> want = {rt_bridge()};
            if (copy) want.push_back(copy_dir + "/rt-host-local");
            Netns a;
            Invocation add = make(wrapper, "ADD", copy ? "exec1" : "inproc1", a.path(), conf);
            add.path = path;
            Exec e = run(add);
            BOOST_REQUIRE_MESSAGE(e.status == 0, e.dump());
            BOOST_TEST(execs() == want, "execve calls of ADD differ");
            std::string ip4 = json_str(e.doc["ips"][0], "address");
            BOOST_TEST(has_addr(a.path(), "eth0", ip4));
            BOOST_TEST(
                fs::exists(net.data_dir + "/" + net.name + "/" + ip4.substr(0, ip4.find('/'))));
            Invocation del = add;
            del.command = "DEL";
            Exec d = run(del);
            BOOST_TEST(d.status == 0, d.dump());
            BOOST_TEST(execs() == want, "execve calls of DEL differ");
            BOOST_TEST(net.reservations().empty());
            BOOST_TEST(!link_in(a.path(), "eth0"));
        }
    }
}

BOOST_AUTO_TEST_CASE(shared_data_dir_both_ways) {
    TestNet net;
    std::string ipam_ref = net.ipam_host_local("host-local");
    std::string conf =
        R"({"cniVersion":"1.0.0","name":")" + net.name + R"(","ipam":)" + ipam_ref + "}";
    auto ipam = [&](const std::string& plugin, const std::string& cmd, const std::string& id) {
        return run(make(plugin, cmd, id, "/run/netns/none", conf));
    };
    std::string ref = std::string(kRefDir) + "/host-local";
    Exec r1 = ipam(ref, "ADD", "shared-ref");
    BOOST_REQUIRE_MESSAGE(r1.status == 0, r1.dump());
    Exec o1 = ipam(rt_host_local(), "ADD", "shared-rt");
    BOOST_REQUIRE_MESSAGE(o1.status == 0, o1.dump());
    std::string a = json_str(r1.doc["ips"][0], "address"),
                b = json_str(o1.doc["ips"][0], "address");
    BOOST_TEST(a != b);  // rt-host-local saw the reference's reservation
    Exec r2 = ipam(ref, "ADD", "shared-ref2");
    BOOST_REQUIRE(r2.status == 0);
    BOOST_TEST(json_str(r2.doc["ips"][0], "address") != b);  // and the other way round
    // Each releases what the other reserved.
    BOOST_TEST(ipam(rt_host_local(), "DEL", "shared-ref").status == 0);
    BOOST_TEST(ipam(ref, "DEL", "shared-rt").status == 0);
    BOOST_TEST(ipam(rt_host_local(), "DEL", "shared-ref2").status == 0);
    BOOST_TEST(ipam(rt_host_local(), "DEL", "shared-rt").status == 0);  // stale index entry
    BOOST_TEST(net.reservations().empty());
}

BOOST_AUTO_TEST_CASE(parallel_adds_of_both_plugins_on_one_data_dir) {
    // Both plugins flock() the network's `lock` file: 60 ADDs at once, half by each, on one
    // dataDir get 60 distinct addresses; 60 DELs at once, each by the other plugin, free all.
    TestNet net;
    std::string conf = R"({"cniVersion":"1.0.0","name":")" + net.name + R"(","ipam":)" +
                       net.ipam_host_local("host-local") + "}";
    std::string ref = std::string(kRefDir) + "/host-local";
    std::vector<Invocation> adds, dels;
    for (int i = 0; i < 60; ++i) {
        bool ours = i % 2 == 0;
        adds.push_back(make(ours ? rt_host_local() : ref, "ADD", "mix" + std::to_string(i),
                            "/run/netns/none", conf));
        dels.push_back(adds.back());
        dels.back().plugin = ours ? ref : rt_host_local();
        dels.back().command = "DEL";
    }
    std::set<std::string> v4, v6;
    for (auto& r : run_parallel(adds)) {
        BOOST_TEST(r.status == 0, r.dump());
        if (r.status != 0) continue;
        v4.insert(json_str(r.doc["ips"][0], "address"));
        v6.insert(json_str(r.doc["ips"][1], "address"));
    }
    BOOST_TEST(v4.size() == 60u);
    BOOST_TEST(v6.size() == 60u);
    for (auto& r : run_parallel(dels)) BOOST_TEST(r.status == 0, r.dump());
    // Every address file is gone. The reference's DELs cannot know rt-host-local's index,
    // so the entries of the 30 attachments ours added remain (they name no address any
    // more: ours ignores them) until rt-host-local's DEL or GC of those attachments.
    std::size_t stale = 0;
    for (const auto& f : net.reservations()) {
        bool index = f.rfind(".rt-index/", 0) == 0;
        BOOST_TEST(index, "address file left: " << f);
        stale += index;
    }
    BOOST_TEST(stale == 30u);
    Invocation gc = make(rt_host_local(), "GC", "", "", "");
    gc.ifname.clear();
    gc.config = R"({"cniVersion":"1.1.0","name":")" + net.name + R"(","ipam":)" +
                net.ipam_host_local("rt-host-local") + R"(,"cni.dev/valid-attachments":[]})";
    Exec g = run(gc);
    BOOST_TEST(g.status == 0, g.dump());
    BOOST_TEST(net.reservations().empty());
}

BOOST_AUTO_TEST_SUITE_END()
