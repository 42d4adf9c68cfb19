// config-linux.md "Network Devices" (linux.netDevices): the named devices are moved into the
// container's network namespace, renamed to `name` (a "%d" template is numbered by the
// kernel), keep their permanent global addresses and are set up; a name already taken in the
// container's namespace is an error. Only for runtimes that claim linux.netDevices in
// `features` (runc 1.1.5 and crun 1.8.1 do not: counted skips).
//
// The runtime runs inside a test network namespace that stands for its host: the ifb devices
// (no dummy driver on every kernel) and their 10.x / fd00:: addresses exist only there, and
// die with it.
#include <algorithm>

#include "suite.hpp"

using namespace conformance;

#define RUN "verb:run", "verb:delete", "verb:state", "netDevices"

namespace {

// The runtime's "host": a test netns with ifb devices in it.
struct Host {
    NetNs ns;

    void ip(std::initializer_list<std::string> args) {
        std::vector<std::string> argv{"/sbin/ip"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = run_in_netns(ns, argv);
        BOOST_REQUIRE_MESSAGE(r.ok(), "host setup: " << r.describe());
    }
    void add_device(const std::string& name, std::initializer_list<std::string> cidrs) {
        ip({"link", "add", name, "type", "ifb"});
        for (const auto& c : cidrs) ip({"addr", "add", c, "dev", name, "nodad"});
        ip({"link", "set", name, "up"});
    }
    NetReport links() {
        auto r = run_in_netns(ns, {probe_path(), "net"});
        BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
        return parse_net_report(r.out);
    }
    // `run` of the bundle with the runtime inside this namespace.
    RunResult run(Bundle& b) {
        std::string id = unique_name("netdev");
        ContainerGuard guard(runtime(), id);
        RunOptions o;
        o.netns_fd = ns.fd();
        return runtime().run(id, b, {}, o);
    }
};

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(netdevices)

BOOST_AUTO_TEST_CASE(device_is_moved_renamed_up_with_its_addresses, *needs({RUN})) {
    Host host;
    host.add_device("nd0", {"10.200.0.2/24", "fd00:7274::2/64"});
    Bundle b;
    b.config.set("/linux/netDevices", R"({"nd0":{"name":"ctr0"}})");
    b.config.args({"/bin/rt-probe", "net"});
    auto r = host.run(b);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
    NetReport inside = parse_net_report(r.out);
    const NetLink* l = inside.link("ctr0");
    BOOST_REQUIRE_MESSAGE(l, "no ctr0 in the container: " << r.out);
    BOOST_TEST(l->up, "the runtime MUST set the device up");
    BOOST_TEST(!inside.link("nd0"));
    auto cidrs = inside.cidrs_of("ctr0");
    BOOST_TEST(contains(cidrs, "10.200.0.2/24"), "permanent global IPv4 address not kept");
    BOOST_TEST(contains(cidrs, "fd00:7274::2/64"), "permanent global IPv6 address not kept");
    BOOST_TEST(!host.links().link("nd0"), "nd0 is still in the runtime's namespace");
}

BOOST_AUTO_TEST_CASE(device_without_name_keeps_its_host_name, *needs({RUN})) {
    Host host;
    host.add_device("nd1", {"10.200.1.2/24"});
    Bundle b;
    b.config.set("/linux/netDevices", R"({"nd1":{}})");
    b.config.args({"/bin/rt-probe", "net"});
    auto r = host.run(b);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
    NetReport inside = parse_net_report(r.out);
    BOOST_REQUIRE_MESSAGE(inside.link("nd1"), "no nd1 in the container: " << r.out);
    BOOST_TEST(contains(inside.cidrs_of("nd1"), "10.200.1.2/24"));
}

BOOST_AUTO_TEST_CASE(name_template_is_numbered_by_the_kernel, *needs({RUN})) {
    Host host;
    host.add_device("nd2", {});
    host.add_device("nd3", {});
    Bundle b;
    b.config.set("/linux/netDevices", R"({"nd2":{"name":"ctr%d"},"nd3":{"name":"ctr%d"}})");
    b.config.args({"/bin/rt-probe", "net"});
    auto r = host.run(b);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
    NetReport inside = parse_net_report(r.out);
    BOOST_TEST(inside.link("ctr0"), r.out);
    BOOST_TEST(inside.link("ctr1"), r.out);
}

// "If a network device with the specified name already exists in the container namespace,
// the runtime MUST generate an error" (lo exists in every network namespace), and runtime.md
// "Errors": the environment is then as if the operation was never attempted, so the device
// is still in the runtime's namespace, with its address.
BOOST_AUTO_TEST_CASE(name_taken_in_the_container_is_an_error, *needs({RUN})) {
    Host host;
    host.add_device("nd4", {"10.200.4.2/24"});
    Bundle b;
    b.config.set("/linux/netDevices", R"({"nd4":{"name":"lo"}})");
    b.config.args({"/bin/rt-probe", "net"});
    auto r = host.run(b);
    BOOST_TEST(!r.ok(), "run succeeded: " << r.out);
    NetReport after = host.links();
    BOOST_TEST_REQUIRE(after.link("nd4"), "nd4 is gone from the runtime's namespace");
    BOOST_TEST(contains(after.cidrs_of("nd4"), "10.200.4.2/24"));
}

BOOST_AUTO_TEST_SUITE_END()
