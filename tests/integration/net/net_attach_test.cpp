// rt::net against real network namespaces and real CNI plugins (root): ADD puts an
// interface with the network's addresses in the namespace, requested IP/MAC are honoured,
// a taken address fails and leaves nothing, two namespaces on one network talk, DEL removes
// veths and leases, also after the namespace is gone.
//
// The plugins come from the environment (as the engine recipes): CNI_BIN_DIR, CNI_BRIDGE,
// CNI_IPAM; defaults: the reference bridge + host-local in /usr/lib/cni. Each test takes
// its own 10.230.N.0/24 + fd00:230:N::/64 and bridge rtengN (the slots of the engine tests).
#define BOOST_TEST_MODULE net_attach
#include <fcntl.h>
#include <rapidjson/document.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "net/attach.hpp"
#include "net/summary.hpp"
#include "rt/error.hpp"

namespace fs = std::filesystem;
using namespace rt;
using namespace rt::net;

namespace {

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}
const std::string kBinDir = env_or("CNI_BIN_DIR", "/usr/lib/cni");
const std::string kBridgeType = env_or("CNI_BRIDGE", "bridge");
const std::string kIpamType = env_or("CNI_IPAM", "host-local");

// Runs a shell command (test-side inspection only), returns stdout; rc in *rc.
std::string sh(const std::string& cmd, int* rc = nullptr) {
    std::string out;
    FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
    BOOST_REQUIRE(p);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int status = ::pclose(p);
    if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/rt-net-attach.XXXXXX";
        BOOST_REQUIRE(::mkdtemp(tmpl));
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// One test subnet slot, shared protocol with tests/integration/engines/lib.sh.
struct NetSlot {
    int index = -1;
    std::string bridge;
    NetSlot() {
        BOOST_REQUIRE_MESSAGE(::geteuid() == 0, "needs root (network namespaces, bridges)");
        const fs::path slots = "/run/rt-engine-tests/nets";
        fs::create_directories(slots);
        for (int i = 1; i <= 250; ++i) {
            fs::path slot = slots / std::to_string(i);
            if (::mkdir(slot.c_str(), 0755) != 0) {
                std::ifstream in(slot / "pid");
                int owner = 0;
                in >> owner;
                if (owner > 0 && ::kill(owner, 0) == 0) continue;
                std::error_code ec;
                fs::remove_all(slot, ec);
                sh("ip link del rteng" + std::to_string(i));
                if (::mkdir(slot.c_str(), 0755) != 0) continue;
            }
            std::ofstream(slot / "pid") << ::getpid();
            index = i;
            bridge = "rteng" + std::to_string(i);
            return;
        }
        BOOST_FAIL("no free test subnet slot");
    }
    ~NetSlot() {
        sh("ip link del " + bridge);
        std::error_code ec;
        fs::remove_all("/run/rt-engine-tests/nets/" + std::to_string(index), ec);
    }
    std::string v4(int host) const {
        return "10.230." + std::to_string(index) + "." + std::to_string(host);
    }
    std::string v6(int host) const {
        return "fd00:230:" + std::to_string(index) + "::" + std::to_string(host);
    }
};

// A network namespace held by a child process; path /proc/<pid>/ns/net.
struct Netns {
    pid_t pid = -1;
    Netns() {
        int fds[2];
        BOOST_REQUIRE(::pipe(fds) == 0);
        pid = ::fork();
        BOOST_REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(fds[0]);
            if (::unshare(CLONE_NEWNET) != 0) ::_exit(1);
            char ok = 1;
            if (::write(fds[1], &ok, 1) != 1) ::_exit(1);
            for (;;) ::pause();
        }
        ::close(fds[1]);
        char ok = 0;
        BOOST_REQUIRE(::read(fds[0], &ok, 1) == 1);
        ::close(fds[0]);
    }
    ~Netns() { stop(); }
    void stop() {
        if (pid <= 0) return;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        pid = -1;
    }
    std::string path() const { return "/proc/" + std::to_string(pid) + "/ns/net"; }
    std::string in(const std::string& cmd, int* rc = nullptr) const {
        return sh("nsenter --net=" + path() + " " + cmd, rc);
    }
};

// A network of the plugins under test on the slot's subnets, in its own conf dir.
struct Network {
    TempDir dir;
    NetSlot slot;
    std::string name;
    CniOptions options;
    fs::path leases, state;
    explicit Network(const std::string& base = "t") {
        name = base + std::to_string(slot.index);
        leases = dir.path / "leases";
        state = dir.path / "state";
        fs::create_directories(dir.path / "conf");
        fs::create_directories(state);
        std::ofstream(dir.path / "conf" / (name + ".conflist"))
            << R"({"cniVersion":"1.0.0","name":")" << name << R"(","plugins":[{"type":")"
            << kBridgeType << R"(","bridge":")" << slot.bridge
            << R"(","isGateway":true,"ipMasq":false,"ipam":{"type":")" << kIpamType
            << R"(","dataDir":")" << leases.string() << R"(","ranges":[[{"subnet":")" << slot.v4(0)
            << R"(/24"}],[{"subnet":")"
            << "fd00:230:" << slot.index << R"(::/64"}]]}}]})";
        options.conf_dir = (dir.path / "conf").string();
        options.bin_dirs = {kBinDir, "/usr/lib/cni"};
    }
    std::string state_of(const std::string& id) const {
        fs::create_directories(state / id);
        return (state / id).string();
    }
    // Addresses reserved in the IPAM's data dir.
    int reserved() const {
        int n = 0;
        std::error_code ec;
        for (auto& e : fs::recursive_directory_iterator(leases, ec)) {
            std::string f = e.path().filename().string();
            if (f.rfind("10.230.", 0) == 0 || f.rfind("fd00:230:", 0) == 0) ++n;
        }
        return n;
    }
    int ports() const {
        std::string out = sh("ip -o link show master " + slot.bridge);
        return static_cast<int>(std::count(out.begin(), out.end(), '\n'));
    }
};

std::string addresses_of(const Netns& ns, const std::string& ifname) {
    return ns.in("ip -o addr show dev " + ifname);
}

template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(add_puts_the_interface_in_the_namespace_and_del_removes_it) {
    Network net;
    Netns ns;
    auto rec = attach_networks(net.options, {{net.name, "eth0", {}, ""}}, "c1", ns.path(),
                               net.state_of("c1"));
    BOOST_REQUIRE(rec.networks.size() == 1u);
    std::string addrs = addresses_of(ns, "eth0");
    BOOST_TEST(addrs.find("inet " + net.slot.v4(2) + "/24") != std::string::npos, addrs);
    BOOST_TEST(addrs.find("inet6 fd00:230:" + std::to_string(net.slot.index) + "::2/64") !=
                   std::string::npos,
               addrs);
    BOOST_TEST(net.ports() == 1);
    BOOST_TEST(net.reserved() == 2);
    BOOST_TEST(fs::exists(net.state / "c1" / "networks.json"));

    auto s = summarize(read_attachments(net.state_of("c1")).networks.at(0));
    BOOST_TEST(s.ifname == "eth0");
    BOOST_TEST(s.bridge == net.slot.bridge);
    BOOST_TEST(!s.host_ifname.empty());
    BOOST_TEST(sh("cat /sys/class/net/" + s.host_ifname + "/master/uevent").find(net.slot.bridge) !=
               std::string::npos);
    // (not /sys/class/net: sysfs shows the namespace it was mounted in, the host's)
    BOOST_TEST(ns.in("ip -o link show eth0").find("link/ether " + s.mac) != std::string::npos);
    BOOST_REQUIRE(s.addresses.size() == 2u);

    auto errors = detach_networks(rec, "c1", ns.path(), net.state_of("c1"));
    BOOST_TEST(errors.empty());
    BOOST_TEST(net.ports() == 0);
    BOOST_TEST(net.reserved() == 0);
    int rc = 0;
    ns.in("ip link show eth0", &rc);
    BOOST_TEST(rc != 0);
    BOOST_TEST(!fs::exists(net.state / "c1" / "networks.json"));
}

BOOST_AUTO_TEST_CASE(requested_addresses_and_mac_are_honoured) {
    Network net;
    Netns ns;
    NetworkRequest r{net.name, "eth0", {net.slot.v4(77), net.slot.v6(77)}, "02:42:0a:e6:00:4d"};
    auto rec = attach_networks(net.options, {r}, "c2", ns.path(), net.state_of("c2"));
    std::string addrs = addresses_of(ns, "eth0");
    BOOST_TEST(addrs.find("inet " + net.slot.v4(77) + "/24") != std::string::npos, addrs);
    BOOST_TEST(addrs.find(net.slot.v6(77) + "/64") != std::string::npos, addrs);
    BOOST_TEST(ns.in("ip -o link show eth0").find("link/ether 02:42:0a:e6:00:4d") !=
               std::string::npos);
    BOOST_TEST(detach_networks(rec, "c2", ns.path(), net.state_of("c2")).empty());
    BOOST_TEST(net.reserved() == 0);
}

BOOST_AUTO_TEST_CASE(a_taken_address_fails_and_leaves_nothing) {
    Network net;
    Netns a, b;
    auto rec = attach_networks(net.options, {{net.name, "eth0", {net.slot.v4(50)}, ""}}, "ca",
                               a.path(), net.state_of("ca"));
    std::string err = error_of([&] {
        attach_networks(net.options, {{net.name, "eth0", {net.slot.v4(50)}, ""}}, "cb", b.path(),
                        net.state_of("cb"));
    });
    BOOST_TEST(err.find("network " + net.name) != std::string::npos, err);
    BOOST_TEST(err.find(net.slot.v4(50)) != std::string::npos, err);
    int rc = 0;
    b.in("ip link show eth0", &rc);
    BOOST_TEST(rc != 0, "the failed container still has eth0");
    BOOST_TEST(net.ports() == 1);     // only a's veth
    BOOST_TEST(net.reserved() == 2);  // only a's addresses
    BOOST_TEST(!fs::exists(net.state / "cb" / "networks.json"));
    BOOST_TEST(detach_networks(rec, "ca", a.path(), net.state_of("ca")).empty());
    BOOST_TEST(net.reserved() == 0);
}

BOOST_AUTO_TEST_CASE(an_out_of_range_address_fails_and_leaves_nothing) {
    Network net;
    Netns ns;
    std::string err = error_of([&] {
        attach_networks(net.options, {{net.name, "eth0", {"10.231.0.9"}, ""}}, "c3", ns.path(),
                        net.state_of("c3"));
    });
    BOOST_TEST(err.find("network " + net.name) != std::string::npos, err);
    BOOST_TEST(net.ports() == 0);
    BOOST_TEST(net.reserved() == 0);
}

BOOST_AUTO_TEST_CASE(two_namespaces_on_one_network_ping_each_other) {
    Network net;
    Netns a, b;
    auto ra = attach_networks(net.options, {{net.name, "eth0", {}, ""}}, "pa", a.path(),
                              net.state_of("pa"));
    auto rb = attach_networks(net.options, {{net.name, "eth0", {net.slot.v4(9)}, ""}}, "pb",
                              b.path(), net.state_of("pb"));
    int rc = -1;
    std::string out = a.in("/bin/busybox ping -c 1 -W 5 " + net.slot.v4(9), &rc);
    BOOST_TEST(rc == 0, out);
    BOOST_TEST(out.find("ttl=64") != std::string::npos, out);
    BOOST_TEST(detach_networks(rb, "pb", b.path(), net.state_of("pb")).empty());
    BOOST_TEST(detach_networks(ra, "pa", a.path(), net.state_of("pa")).empty());
    BOOST_TEST(net.ports() == 0);
}

BOOST_AUTO_TEST_CASE(del_after_the_namespace_is_gone_releases_the_addresses) {
    Network net;
    auto ns = std::make_unique<Netns>();
    auto rec = attach_networks(net.options, {{net.name, "eth0", {}, ""}}, "c4", ns->path(),
                               net.state_of("c4"));
    BOOST_TEST(net.reserved() == 2);
    ns->stop();  // the container died: its namespace, and the veth pair with it, are gone
    auto errors =
        detach_networks(read_attachments(net.state_of("c4")), "c4", "", net.state_of("c4"));
    BOOST_TEST(errors.empty(), (errors.empty() ? "" : errors[0]));
    BOOST_TEST(net.reserved() == 0);
    // The kernel dismantles a dead namespace (and the veth pair in it) asynchronously: give
    // it a bounded while before calling the host end a leftover.
    for (int i = 0; i < 100 && net.ports() != 0; ++i) ::usleep(50000);
    BOOST_TEST(net.ports() == 0);
}

BOOST_AUTO_TEST_CASE(two_networks_two_interfaces) {
    Network front("f"), back("b");
    Netns ns;
    CniOptions both = front.options;
    fs::copy(back.dir.path / "conf" / (back.name + ".conflist"), front.dir.path / "conf");
    auto rec = attach_networks(both, {{front.name, "eth0", {}, ""}, {back.name, "eth1", {}, ""}},
                               "c5", ns.path(), front.state_of("c5"));
    BOOST_TEST(addresses_of(ns, "eth0").find(front.slot.v4(2)) != std::string::npos);
    BOOST_TEST(addresses_of(ns, "eth1").find(back.slot.v4(2)) != std::string::npos);
    BOOST_TEST(read_attachments(front.state_of("c5")).networks.size() == 2u);
    BOOST_TEST(detach_networks(rec, "c5", ns.path(), front.state_of("c5")).empty());
    BOOST_TEST(front.ports() == 0);
    BOOST_TEST(back.ports() == 0);
    BOOST_TEST(front.reserved() + back.reserved() == 0);
}
