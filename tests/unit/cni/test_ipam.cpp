// rt-host-local without root: config, ranges, next-fit allocation, the on-disk store in a
// private temporary directory, and the verbs through the skeleton.
#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cni/error.hpp"
#include "ipam/allocator.hpp"
#include "ipam/config.hpp"
#include "ipam/host_local.hpp"
#include "ipam/store.hpp"

using namespace rt;
using namespace rt::cni;
using namespace rt::ipam;
namespace fs = std::filesystem;

namespace {

// A temporary dataDir removed at the end of each test, even when it fails.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/rt-cni-unit-XXXXXX";
        BOOST_REQUIRE(mkdtemp(tmpl));
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

Request request(const std::string& config, const std::string& args = "",
                const std::string& id = "c1", const std::string& ifname = "eth0") {
    Request r;
    r.stdin_data = config;
    r.config.Parse(config.c_str());
    BOOST_REQUIRE(!r.config.HasParseError());
    r.name = r.config["name"].GetString();
    r.cni_version = r.config["cniVersion"].GetString();
    r.args = CniArgs::parse(args);
    r.container_id = id;
    r.ifname = ifname;
    return r;
}

std::string ipam_conf(const std::string& ipam, const std::string& dir,
                      const std::string& extra = "") {
    return R"({"cniVersion":"1.1.0","name":"unitnet","type":"bridge")" + extra +
           R"(,"ipam":{"type":"rt-host-local","dataDir":")" + dir + R"(",)" + ipam + "}}";
}

int code_of_call(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const CniError& e) {
        return e.code();
    }
    return 0;
}

std::string slurp(const std::string& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::set<std::string> files_in(const std::string& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) out.insert(e.path().filename().string());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ipam_config)

BOOST_AUTO_TEST_CASE(defaults_like_the_reference) {
    IpamConfig c = IpamConfig::parse(request(ipam_conf(R"("subnet":"10.200.0.0/24")", "/x")));
    BOOST_REQUIRE(c.ranges.size() == 1u);
    const Range& r = c.ranges[0].ranges[0];
    BOOST_TEST(r.start.str() == "10.200.0.1");  // the gateway .1 is skipped when allocating
    BOOST_TEST(r.end.str() == "10.200.0.254");
    BOOST_TEST(r.gateway.str() == "10.200.0.1");
    BOOST_TEST(c.ranges[0].capacity() == 253u);
    IpamConfig v6 = IpamConfig::parse(request(ipam_conf(R"("subnet":"fd00:200::/120")", "/x")));
    BOOST_TEST(v6.ranges[0].ranges[0].end.str() == "fd00:200::ff");  // no broadcast in IPv6
    BOOST_TEST(v6.ranges[0].capacity() == 254u);
    IpamConfig big = IpamConfig::parse(request(ipam_conf(R"("subnet":"fd00:200::/64")", "/x")));
    BOOST_TEST(big.ranges[0].capacity() == (1ULL << 63));  // saturates
    IpamConfig def = IpamConfig::parse(
        request(R"({"cniVersion":"1.1.0","name":"n","ipam":{"subnet":"10.200.0.0/24"}})"));
    BOOST_TEST(def.data_dir == "/var/lib/cni/networks");
}

BOOST_AUTO_TEST_CASE(ranges_and_routes) {
    IpamConfig c = IpamConfig::parse(request(ipam_conf(
        R"("ranges":[[{"subnet":"10.200.0.0/16","rangeStart":"10.200.1.20","rangeEnd":"10.200.3.50","gateway":"10.200.0.254"},{"subnet":"10.201.5.0/24"}],[{"subnet":"fd00:200::/64","rangeStart":"fd00:200::10","rangeEnd":"fd00:200::20"}]],
           "routes":[{"dst":"0.0.0.0/0"},{"dst":"10.202.0.0/16","gw":"10.200.5.1"}],"resolvConf":"/etc/resolv.conf")",
        "/x")));
    BOOST_TEST(c.ranges.size() == 2u);
    BOOST_TEST(c.ranges[0].ranges.size() == 2u);
    BOOST_TEST(c.ranges[0].str() == "10.200.1.20-10.200.3.50,10.201.5.1-10.201.5.254");
    BOOST_TEST(c.ranges[1].capacity() == 17u);
    BOOST_TEST(c.routes.size() == 2u);
    BOOST_TEST(c.routes[1].gw->str() == "10.200.5.1");
    BOOST_TEST(c.resolv_conf == "/etc/resolv.conf");
}

BOOST_AUTO_TEST_CASE(invalid_configs_are_code_7_with_the_field) {
    auto fails = [](const std::string& ipam, const char* where) {
        try {
            IpamConfig::parse(request(ipam_conf(ipam, "/x")));
        } catch (const CniError& e) {
            return e.code() == kInvalidConfig &&
                   std::string(e.what()).find(where) != std::string::npos;
        }
        return false;
    };
    BOOST_TEST(fails(R"("subnet":"10.200.0.0/31")", "too small"));
    BOOST_TEST(fails(R"("subnet":"10.200.0.0/24","gateway":"10.201.0.1")", "ipam.gateway"));
    BOOST_TEST(fails(R"("subnet":"10.200.0.0/24","rangeStart":"10.200.1.1")", "ipam.rangeStart"));
    BOOST_TEST(fails(
        R"("subnet":"10.200.0.0/24","rangeStart":"10.200.0.9","rangeEnd":"10.200.0.3")", "before"));
    BOOST_TEST(fails(R"("subnet":"nonsense")", "ipam.subnet"));
    BOOST_TEST(fails(R"("ranges":[])", "no IP ranges"));
    BOOST_TEST(fails(R"("ranges":[[]])", "ipam.ranges[0]"));
    BOOST_TEST(fails(R"("ranges":[[{"subnet":"10.200.0.0/24"},{"subnet":"fd00::/64"}]])", "mixes"));
    BOOST_TEST(fails(R"("ranges":[[{"subnet":"10.200.0.0/24"},{"subnet":"10.200.0.128/25"}]])",
                     "overlaps"));
    BOOST_TEST(fails(R"("ranges":[[{"subnet":"10.200.0.0/24"}],[{"subnet":"10.200.0.0/25"}]])",
                     "overlaps"));
    BOOST_TEST(fails(R"("ranges":[[{"subnet":"10.200.0.0/24"}]],"routes":[{"dst":"x"}])",
                     "ipam.routes[0].dst"));
    BOOST_TEST(
        fails(R"("ranges":[[{"subnet":"10.200.0.0/24"}]],"resolvConf":5)", "ipam.resolvConf"));
    BOOST_TEST(code_of_call([] {
                   IpamConfig::parse(request(R"({"cniVersion":"1.1.0","name":"n"})"));
               }) == kInvalidConfig);
}

BOOST_AUTO_TEST_CASE(requested_addresses) {
    std::string base = R"("ranges":[[{"subnet":"10.200.0.0/24"}],[{"subnet":"fd00:200::/64"}]])";
    IpamConfig a = IpamConfig::parse(request(ipam_conf(base, "/x"), "IP=10.200.0.9,fd00:200::9"));
    BOOST_TEST(a.requested.size() == 2u);
    // args.cni.ips wins over CNI_ARGS (CONVENTIONS.md); runtimeConfig.ips adds to it.
    IpamConfig b = IpamConfig::parse(request(
        ipam_conf(
            base, "/x",
            R"(,"args":{"cni":{"ips":["10.200.0.7/24"]}},"runtimeConfig":{"ips":["fd00:200::7"]})"),
        "IP=10.200.0.9"));
    BOOST_REQUIRE(b.requested.size() == 2u);
    BOOST_TEST(b.requested[0].str() == "10.200.0.7");
    BOOST_TEST(b.requested[1].str() == "fd00:200::7");
    BOOST_TEST(code_of_call([&] {
                   IpamConfig::parse(request(ipam_conf(base, "/x"), "IP=10.200.0.300"));
               }) == kInvalidConfig);
    // runtimeConfig.ipRanges come first.
    IpamConfig c = IpamConfig::parse(request(
        ipam_conf(base, "/x", R"(,"runtimeConfig":{"ipRanges":[[{"subnet":"10.210.0.0/24"}]]})")));
    BOOST_TEST(c.ranges.size() == 3u);
    BOOST_TEST(c.ranges[0].ranges[0].subnet.str() == "10.210.0.0/24");
}

BOOST_AUTO_TEST_CASE(resolv_conf) {
    Dns d = parse_resolv_conf(
        "# comment\nnameserver 10.200.0.53\nnameserver fd00::53\r\ndomain example.test\n"
        "search a.test b.test\noptions ndots:2 edns0\n; other comment\nbogus line\n");
    BOOST_TEST(d.nameservers.size() == 2u);
    BOOST_TEST(d.nameservers[1] == "fd00::53");
    BOOST_TEST(d.domain == "example.test");
    BOOST_TEST(d.search.size() == 2u);
    BOOST_TEST(d.options.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ipam_allocator)

BOOST_AUTO_TEST_CASE(next_fit_skips_gateway_and_wraps) {
    TempDir dir;
    IpamConfig c = IpamConfig::parse(request(ipam_conf(R"("subnet":"10.200.0.0/29")", dir.path)));
    std::vector<std::string> got;
    {
        Store s(c.data_dir, c.name);
        for (int i = 0; i < 5; ++i)
            got.push_back(allocate(s, c, "c" + std::to_string(i), "eth0")[0].address.str());
    }
    // .1 is the gateway; .7 the broadcast.
    BOOST_TEST(got == (std::vector<std::string>{"10.200.0.2/29", "10.200.0.3/29", "10.200.0.4/29",
                                                "10.200.0.5/29", "10.200.0.6/29"}));
    Store s(c.data_dir, c.name);
    BOOST_TEST(slurp(dir.path + "/unitnet/10.200.0.2") == "c0\r\neth0");  // the reference's format
    BOOST_TEST(slurp(dir.path + "/unitnet/last_reserved_ip.0") == "10.200.0.6");
    // Exhausted: code 50, nothing new on disk.
    auto before = files_in(dir.path + "/unitnet");
    BOOST_TEST(code_of_call([&] { allocate(s, c, "c9", "eth0"); }) == kNotAvailable);
    BOOST_TEST((files_in(dir.path + "/unitnet") == before));
    // Next-fit continues after the last reservation and wraps: .3 freed -> .3 reused.
    s.release(*IpAddr::parse("10.200.0.3"));
    BOOST_TEST(allocate(s, c, "c10", "eth0")[0].address.str() == "10.200.0.3/29");
}

BOOST_AUTO_TEST_CASE(next_fit_does_not_restart_from_the_beginning) {
    TempDir dir;
    IpamConfig c = IpamConfig::parse(request(ipam_conf(R"("subnet":"10.200.0.0/24")", dir.path)));
    Store s(c.data_dir, c.name);
    auto a = allocate(s, c, "a", "eth0")[0].address.addr;  // .2
    auto b = allocate(s, c, "b", "eth0")[0].address.addr;  // .3
    s.release(a);
    // Round robin: .2 is free again but the next address is .4, not .2.
    BOOST_TEST(allocate(s, c, "c", "eth0")[0].address.addr.str() == "10.200.0.4");
    BOOST_TEST(b.str() == "10.200.0.3");
}

BOOST_AUTO_TEST_CASE(multi_range_sets) {
    TempDir dir;
    IpamConfig c = IpamConfig::parse(request(ipam_conf(
        R"("ranges":[[{"subnet":"10.200.0.0/30"},{"subnet":"10.200.1.0/30"}],[{"subnet":"fd00:200::/64"}]])",
        dir.path)));
    Store s(c.data_dir, c.name);
    auto x = allocate(s, c, "x", "eth0");
    BOOST_REQUIRE(x.size() == 2u);
    BOOST_TEST(x[0].address.str() == "10.200.0.2/30");
    BOOST_TEST(x[0].gateway->str() == "10.200.0.1");
    BOOST_TEST(x[1].address.str() == "fd00:200::2/64");
    auto y = allocate(s, c, "y", "eth0");
    BOOST_TEST(y[0].address.str() == "10.200.1.2/30");  // first range full: next range
    BOOST_TEST(y[0].gateway->str() == "10.200.1.1");
    // Second set exhausted in the middle: the first set's address is given back.
    BOOST_TEST(code_of_call([&] { allocate(s, c, "z", "eth0"); }) == kNotAvailable);
    BOOST_TEST(!s.owner(*IpAddr::parse("fd00:200::4")));
}

BOOST_AUTO_TEST_CASE(requested_addresses_are_checked) {
    TempDir dir;
    std::string ipam = R"("ranges":[[{"subnet":"10.200.0.0/24"}]])";
    Store s(dir.path, "unitnet");
    auto take = [&](const std::string& args, const std::string& id) {
        IpamConfig c = IpamConfig::parse(request(ipam_conf(ipam, dir.path), args));
        return allocate(s, c, id, "eth0");
    };
    BOOST_TEST(take("IP=10.200.0.77", "a")[0].address.str() == "10.200.0.77/24");
    int taken = code_of_call([&] { take("IP=10.200.0.77", "b"); });
    BOOST_TEST(taken == kAddressInUse);
    BOOST_TEST(code_of_call([&] { take("IP=10.200.0.1", "b"); }) == kInvalidConfig);  // gateway
    BOOST_TEST(code_of_call([&] { take("IP=10.209.0.1", "b"); }) == kInvalidConfig);  // outside
    BOOST_TEST(s.owner(*IpAddr::parse("10.200.0.77"))->id == "a");
}

BOOST_AUTO_TEST_CASE(store_reads_reference_files) {
    TempDir dir;
    fs::create_directories(dir.path + "/unitnet");
    std::ofstream(dir.path + "/unitnet/10.200.0.9") << "refc\r\neth1";
    std::ofstream(dir.path + "/unitnet/10.200.0.10") << "oldc\n";  // old reference: id only
    std::ofstream(dir.path + "/unitnet/not-an-ip") << "x";
    Store s(dir.path, "unitnet");
    auto all = s.scan();
    BOOST_TEST(all.size() == 2u);
    auto found = s.find("refc", "eth1");
    BOOST_REQUIRE(found.size() == 1u);
    BOOST_TEST(found[0].str() == "10.200.0.9");
    BOOST_TEST(s.find("oldc", "eth0").size() == 1u);  // any ifname matches an id-only file
    BOOST_TEST(s.find("refc", "eth0").empty());
}

BOOST_AUTO_TEST_CASE(index_and_stale_index) {
    TempDir dir;
    Store s(dir.path, "unitnet");
    BOOST_REQUIRE(s.reserve(*IpAddr::parse("10.200.0.5"), "c1", "eth0", 0));
    s.write_index("c1", "eth0", {*IpAddr::parse("10.200.0.5")});
    BOOST_TEST(s.find_indexed("c1", "eth0").size() == 1u);
    // Released by someone who does not know the index (the reference plugin): the stale
    // entry says nothing, and a file written by the reference is found by scanning.
    s.release(*IpAddr::parse("10.200.0.5"));
    BOOST_TEST(s.find_indexed("c1", "eth0").empty());
    std::ofstream(dir.path + "/unitnet/10.200.0.6") << "c1\r\neth0";
    auto f = s.find("c1", "eth0");
    BOOST_REQUIRE(f.size() == 1u);
    BOOST_TEST(f[0].str() == "10.200.0.6");
    auto idx = s.indexed();
    BOOST_REQUIRE(idx.size() == 1u);
    BOOST_TEST(idx[0].first == "c1");
    BOOST_TEST(idx[0].second == "eth0");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(host_local_verbs)

namespace {
struct Call {
    int rc;
    std::string out;
};
Call call(const std::string& cmd, const std::string& config, const std::string& id = "c1",
          const std::string& args = "") {
    std::map<std::string, std::string> env = {
        {"CNI_COMMAND", cmd},   {"CNI_CONTAINERID", id}, {"CNI_NETNS", "/run/netns/none"},
        {"CNI_IFNAME", "eth0"}, {"CNI_ARGS", args},      {"CNI_PATH", "/nonexistent"}};
    Call c;
    c.rc = dispatch(
        host_local_plugin(),
        [&](const char* n) -> const char* {
            auto it = env.find(n);
            return it == env.end() || it->second.empty() ? nullptr : it->second.c_str();
        },
        config, c.out);
    return c;
}
}  // namespace

BOOST_AUTO_TEST_CASE(add_del_check_status_gc) {
    TempDir dir;
    std::string conf = ipam_conf(
        R"("ranges":[[{"subnet":"10.200.0.0/30"}],[{"subnet":"fd00:200::/126"}]],"routes":[{"dst":"0.0.0.0/0"}])",
        dir.path);
    Call add = call("ADD", conf);
    BOOST_TEST(add.rc == 0, add.out);
    json::Document d;
    d.Parse(add.out.c_str());
    BOOST_TEST(d["ips"].Size() == 2u);
    BOOST_TEST(d["ips"][0]["address"].GetString() == std::string("10.200.0.2/30"));
    BOOST_TEST(!d["ips"][0].HasMember("interface"));  // IPAM results carry no interface
    // The network's directory holds the reference's layout only; the index lives apart.
    for (const auto& e : fs::directory_iterator(dir.path + "/unitnet")) {
        std::string f = e.path().filename().string();
        BOOST_TEST(
            (f == "lock" || f.rfind("last_reserved_ip.", 0) == 0 || IpAddr::parse(f).has_value()),
            f);
    }
    BOOST_TEST(fs::exists(dir.path + "/.rt-index/unitnet/c1@eth0"));
    BOOST_TEST(d["routes"][0]["dst"].GetString() == std::string("0.0.0.0/0"));
    BOOST_TEST(call("CHECK", conf).rc == 0);
    // A second ADD of the same attachment is refused; the pool (a /30: one address) is full.
    BOOST_TEST(call("ADD", conf).rc == 1);
    Call status = call("STATUS", conf);
    BOOST_TEST(status.rc == 1);
    BOOST_TEST(status.out.find("\"code\":50") != std::string::npos);
    Call other = call("ADD", conf, "c2");
    BOOST_TEST(other.out.find("\"code\":50") != std::string::npos, other.out);
    // DEL frees, twice is fine; CHECK then fails.
    BOOST_TEST(call("DEL", conf).rc == 0);
    BOOST_TEST(call("DEL", conf).rc == 0);
    BOOST_TEST(call("CHECK", conf).rc == 1);
    BOOST_TEST(call("STATUS", conf).rc == 0);
    // GC keeps valid attachments only.
    BOOST_TEST(call("ADD", conf, "keep").rc == 0);
    std::string gc_conf =
        conf.substr(0, conf.size() - 1) +
        R"(,"cni.dev/valid-attachments":[{"containerID":"keep","ifname":"eth0"}]})";
    BOOST_TEST(call("GC", gc_conf).rc == 0);
    BOOST_TEST(files_in(dir.path + "/unitnet").count("10.200.0.2") == 1u);
    std::string gc_none = conf.substr(0, conf.size() - 1) + R"(,"cni.dev/valid-attachments":[]})";
    BOOST_TEST(call("GC", gc_none).rc == 0);
    auto left = files_in(dir.path + "/unitnet");
    BOOST_TEST(left.count("10.200.0.2") == 0u);
    BOOST_TEST(!fs::exists(dir.path + "/.rt-index/unitnet/keep@eth0"));
}

BOOST_AUTO_TEST_CASE(unknown_cni_args_refused_unless_ignored) {
    TempDir dir;
    std::string conf = ipam_conf(R"("subnet":"10.200.0.0/24")", dir.path);
    Call bad = call("ADD", conf, "c1", "FOO=1");
    BOOST_TEST(bad.out.find("\"code\":4") != std::string::npos, bad.out);
    BOOST_TEST(call("ADD", conf, "c1", "FOO=1;IgnoreUnknown=1").rc == 0);
    BOOST_TEST(
        call("ADD", conf, "c2", "IP=10.200.0.50;MAC=02:00:00:00:00:01").out.find("10.200.0.50") !=
        std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
