// linux.netDevices against the real kernel: host devices (ifb: this kernel has no dummy
// driver) with 10.x / fd00:: test addresses, moved into the container by `rt`, checked inside
// with busybox `ip` and on the host over netlink; errors, and failed creates that must put
// the device back as it was.
#define BOOST_TEST_MODULE lifecycle integration : netDevices
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cni/ip.hpp"
#include "harness.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/netns.hpp"
#include "netlink/socket.hpp"

using namespace lt;
namespace nl = rt::netlink;

namespace {

int g_devices = 0;

// "rtndt<pid><letter>": unique per run, 15 bytes at most.
const std::string kPrefix = "rtndt";
std::string device_name() {
    return kPrefix + std::to_string(::getpid()) + static_cast<char>('a' + g_devices++ % 26);
}

// A run that was killed (ctest's timeout: SIGKILL) could not delete its devices: the next
// run deletes the host devices of test runs whose process is gone.
struct SweepStaleDevices {
    SweepStaleDevices() {
        nl::Socket s;
        std::vector<std::string> stale;
        ifinfomsg h{};
        nl::Message m(RTM_GETLINK, 0, h);
        m.what("list links");
        s.dump(
            m,
            [&](const nlmsghdr* nh) {
                auto l = nl::parse_link(nh);
                if (!l || l->name.rfind(kPrefix, 0) != 0 || l->name.size() < kPrefix.size() + 2)
                    return;
                std::string pid =
                    l->name.substr(kPrefix.size(), l->name.size() - kPrefix.size() - 1);
                if (pid.find_first_not_of("0123456789") != std::string::npos) return;
                if (::access(("/proc/" + pid).c_str(), F_OK) != 0) stale.push_back(l->name);
            },
            [&] { stale.clear(); });
        for (const auto& name : stale) nl::delete_link(s, name);
    }
};
BOOST_TEST_GLOBAL_FIXTURE(SweepStaleDevices);

// A third octet per run, so parallel runs never share a subnet.
int octet() {
    return static_cast<int>(::getpid() % 200) + 20;
}

nl::Message create_ifb_msg(const std::string& name) {
    ifinfomsg h{};
    nl::Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, h);
    m.put_string(IFLA_IFNAME, name);
    nlattr* info = m.begin(IFLA_LINKINFO);
    m.put_string(IFLA_INFO_KIND, "ifb");
    m.end(info);
    m.what("create ifb " + name);
    return m;
}

struct AddrSpec {
    AddrSpec(std::string c, unsigned char sc = RT_SCOPE_UNIVERSE, bool perm = true,
             std::string label = "")
        : cidr(std::move(c)), scope(sc), permanent(perm), label_suffix(std::move(label)) {}
    std::string cidr;
    unsigned char scope;
    bool permanent;            // false: finite lifetimes (a learned-like address, not permanent)
    std::string label_suffix;  // IPv4 alias label: "<device>:<suffix>"
};

// A host ifb device with addresses, deleted on destruction wherever rt left it (host name).
class HostDevice {
  public:
    explicit HostDevice(const std::vector<AddrSpec>& addrs = {}, bool up = true)
        : name_(device_name()) {
        nl::Message m = create_ifb_msg(name_);
        sock_.request(m);
        int index = this->index();
        for (const auto& a : addrs) add(index, a);
        if (up) nl::set_up(sock_, index, name_);
    }
    ~HostDevice() {
        try {
            nl::delete_link(sock_, name_);
        } catch (...) {
        }
    }
    HostDevice(const HostDevice&) = delete;
    HostDevice& operator=(const HostDevice&) = delete;

    const std::string& name() const { return name_; }
    std::optional<nl::LinkInfo> link() { return nl::link_by_name(sock_, name_); }
    int index() {
        auto l = link();
        BOOST_REQUIRE_MESSAGE(l, name_ + " is not in the host namespace");
        return l->index;
    }
    // The host's addresses of the device, "10.1.2.3/24" (IPv6 link-local ones left out).
    std::set<std::string> addresses() {
        std::set<std::string> out;
        for (const auto& a : nl::list_addrs(sock_, index(), AF_UNSPEC))
            if (a.scope != RT_SCOPE_LINK || a.addr.addr.is_v4()) out.insert(a.addr.str());
        return out;
    }

  private:
    void add(int index, const AddrSpec& a) {
        auto net = rt::cni::IpNet::parse(a.cidr);
        BOOST_REQUIRE(net);
        ifaddrmsg h{};
        h.ifa_family = net->addr.is_v4() ? AF_INET : AF_INET6;
        h.ifa_prefixlen = static_cast<unsigned char>(net->prefix);
        h.ifa_scope = a.scope;
        h.ifa_index = static_cast<unsigned>(index);
        nl::Message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, h);
        m.put(IFA_LOCAL, net->addr.data(), static_cast<std::size_t>(net->addr.size()));
        m.put(IFA_ADDRESS, net->addr.data(), static_cast<std::size_t>(net->addr.size()));
        if (!net->addr.is_v4()) m.put_u32(IFA_FLAGS, IFA_F_NODAD);
        if (!a.label_suffix.empty()) m.put_string(IFA_LABEL, name_ + ":" + a.label_suffix);
        if (!a.permanent) {
            ifa_cacheinfo ci{};
            ci.ifa_prefered = 3600;
            ci.ifa_valid = 3600;
            m.put(IFA_CACHEINFO, &ci, sizeof ci);
        }
        m.what("add " + a.cidr + " to " + name_);
        sock_.request(m);
    }

    nl::Socket sock_;
    std::string name_;
};

// A network namespace pinned on a file in a temp dir (the "path" of a netns entry).
class PinnedNetns {
  public:
    PinnedNetns() {
        path_ =
            "/tmp/rt-netdev-ns-" + std::to_string(::getpid()) + "-" + std::to_string(g_devices++);
        int fd = ::open(path_.c_str(), O_CREAT | O_RDONLY | O_CLOEXEC, 0600);
        BOOST_REQUIRE(fd >= 0);
        ::close(fd);
        int err = 0;
        std::thread t([&] {
            if (::unshare(CLONE_NEWNET) != 0) {
                err = errno;
                return;
            }
            std::string self =
                "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
            if (::mount(self.c_str(), path_.c_str(), nullptr, MS_BIND, nullptr) != 0) err = errno;
        });
        t.join();
        BOOST_REQUIRE_MESSAGE(err == 0, "pin a netns on " << path_ << ": " << err);
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    }
    ~PinnedNetns() {
        if (fd_ >= 0) ::close(fd_);
        ::umount2(path_.c_str(), MNT_DETACH);
        ::unlink(path_.c_str());
    }
    const std::string& path() const { return path_; }
    std::optional<nl::LinkInfo> link(const std::string& name) {
        std::optional<nl::LinkInfo> out;
        nl::run_in_netns(fd_, [&] {
            nl::Socket s;
            out = nl::link_by_name(s, name);
        });
        return out;
    }

    void add_ifb(const std::string& name) {
        nl::run_in_netns(fd_, [&] {
            nl::Socket s;
            nl::Message m = create_ifb_msg(name);
            s.request(m);
        });
    }

  private:
    std::string path_;
    int fd_ = -1;
};

std::string net_devices(const std::string& host, const std::string& name = "") {
    return "{\"" + host + "\":{" + (name.empty() ? "" : "\"name\":\"" + name + "\"") + "}}";
}

bool has_line_with(const std::string& text, const std::string& a, const std::string& b = "") {
    for (const auto& l : lines(text))
        if (l.find(a) != std::string::npos && l.find(b) != std::string::npos) return true;
    return false;
}

// The device as it must be found after a failed create: back under its host name, with its
// permanent addresses and up.
void expect_restored(HostDevice& dev, const std::set<std::string>& addrs) {
    auto l = dev.link();
    BOOST_REQUIRE_MESSAGE(l, dev.name() << " is not back in the host namespace");
    BOOST_TEST((l->flags & IFF_UP) != 0u, dev.name() << " is not up again");
    BOOST_TEST(dev.addresses() == addrs);
}

}  // namespace

BOOST_AUTO_TEST_CASE(device_is_moved_renamed_with_permanent_global_addresses_and_up) {
    const std::string o = std::to_string(octet());
    const std::string v4 = "10.123." + o + ".2/24", v6 = "fd00:7274:" + o + "::2/64";
    HostDevice dev({{v4},
                    {v6},
                    {"10.133." + o + ".2/24", RT_SCOPE_UNIVERSE, true, "7"},  // alias label
                    {"10.124." + o + ".2/24", RT_SCOPE_UNIVERSE, false},      // not permanent
                    {"10.125." + o + ".2/24", RT_SCOPE_LINK}});               // not global
    Env env;
    env.set("/linux/netDevices", net_devices(dev.name(), "ctr0"));
    env.sh("ip -o link show dev ctr0; ip -o addr show dev ctr0");
    Result r = env.run_container("nd");
    BOOST_TEST_REQUIRE(r.code == 0, r.err);
    BOOST_TEST(has_line_with(r.out, "ctr0:", ",UP"), r.out);
    BOOST_TEST(has_line_with(r.out, "inet " + v4, "scope global"), r.out);
    BOOST_TEST(has_line_with(r.out, "inet6 " + v6, "scope global"), r.out);
    BOOST_TEST(has_line_with(r.out, "inet 10.133." + o + ".2/24", "ctr0:7"), r.out);
    BOOST_TEST(r.out.find("10.124.") == std::string::npos, "a non-permanent address moved");
    BOOST_TEST(r.out.find("10.125.") == std::string::npos, "a link-scope address moved");
    // The container is gone; rt did not move the device back (the spec forbids it): the
    // kernel destroys a virtual device with its namespace.
    BOOST_TEST(!dev.link(), dev.name() << " came back to the host");
}

BOOST_AUTO_TEST_CASE(device_keeps_its_host_name_without_name) {
    HostDevice dev({AddrSpec("10.126." + std::to_string(octet()) + ".7/24")}, false);
    Env env;
    env.set("/linux/netDevices", net_devices(dev.name()));
    env.sh("ip -o link show dev " + dev.name() + "; ip -o addr show dev " + dev.name());
    Result r = env.run_container("nd");
    BOOST_TEST_REQUIRE(r.code == 0, r.err);
    // Up in the container although it was down on the host (the spec: MUST set it up).
    BOOST_TEST(has_line_with(r.out, dev.name() + ":", ",UP"), r.out);
    BOOST_TEST(has_line_with(r.out, "inet 10.126."), r.out);
}

BOOST_AUTO_TEST_CASE(empty_name_keeps_the_host_name) {  // as runc: "" is no name
    HostDevice dev;
    Env env;
    env.set("/linux/netDevices", "{\"" + dev.name() + "\":{\"name\":\"\"}}");
    env.sh("ip -o link show dev " + dev.name());
    Result r = env.run_container("nd");
    BOOST_TEST(r.code == 0, r.err << r.out);
}

BOOST_AUTO_TEST_CASE(name_template_lets_the_kernel_number_it) {
    HostDevice a, b;
    Env env;
    env.set("/linux/netDevices", "{\"" + a.name() + "\":{\"name\":\"ctr%d\"},\"" + b.name() +
                                     "\":{\"name\":\"ctr%d\"}}");
    env.sh("ip -o link show dev ctr0 && ip -o link show dev ctr1");
    Result r = env.run_container("nd");
    BOOST_TEST(r.code == 0, r.err << r.out);
}

// The container's network namespace belongs to its new user namespace: rt (root of the
// host's) moves and configures the device there all the same.
BOOST_AUTO_TEST_CASE(device_moves_into_a_network_namespace_of_a_new_user_namespace) {
    HostDevice dev({AddrSpec("10.132." + std::to_string(octet()) + ".2/24")});
    Env env;
    env.set("/linux/namespaces",
            R"([{"type":"pid"},{"type":"user"},{"type":"network"},{"type":"mount"},)"
            R"({"type":"ipc"},{"type":"uts"}])");
    env.set("/linux/uidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/linux/gidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/linux/netDevices", net_devices(dev.name(), "ctr0"));
    env.sh("ip -o link show dev ctr0; ip -o addr show dev ctr0");
    Result r = env.run_container("nd");
    BOOST_TEST_REQUIRE(r.code == 0, r.err);
    BOOST_TEST(has_line_with(r.out, "ctr0:", ",UP"), r.out);
    BOOST_TEST(has_line_with(r.out, "inet 10.132."), r.out);
}

BOOST_AUTO_TEST_CASE(device_stays_in_the_container_while_it_lives) {
    HostDevice dev({AddrSpec("10.127." + std::to_string(octet()) + ".2/24")});
    Env env;
    env.set("/linux/netDevices", net_devices(dev.name(), "eth7"));
    env.set("/process/args", R"(["sleep","1000"])");
    std::string id = env.id("nd");
    Result c = env.rt({"create", "-b", env.bundle(), id});
    BOOST_TEST_REQUIRE(c.code == 0, c.err);
    BOOST_TEST(!dev.link(), dev.name() << " is still on the host");
    Result e = env.rt({"exec", id, "ip", "-o", "addr", "show", "dev", "eth7"});
    BOOST_TEST(e.code == 0, e.err);
    BOOST_TEST(has_line_with(e.out, "inet 10.127."), e.out);
    // delete: rt does not move it out (config-linux.md); the ifb dies with the namespace.
    Result d = env.rt({"delete", "--force", id});
    BOOST_TEST(d.code == 0, d.err);
    BOOST_TEST(!dev.link(), dev.name() << " came back to the host");
}

BOOST_AUTO_TEST_CASE(joined_namespace_keeps_the_device_after_the_container) {
    HostDevice dev;
    PinnedNetns ns;
    Env env;
    env.set("/linux/namespaces/1", R"({"type":"network","path":")" + ns.path() + "\"}");
    env.set("/linux/netDevices", net_devices(dev.name(), "eth3"));
    env.sh("ip -o link show dev eth3");
    Result r = env.run_container("nd");
    BOOST_TEST_REQUIRE(r.code == 0, r.err);
    auto l = ns.link("eth3");
    BOOST_TEST_REQUIRE(l.has_value(), "eth3 is not in the joined namespace");
    BOOST_TEST((l->flags & IFF_UP) != 0u);
    BOOST_TEST(!dev.link());
}

// The joined namespace already has a device with the host device's name: the move must not
// collide with it (the kernel would move the device under its current name).
BOOST_AUTO_TEST_CASE(host_name_taken_in_the_joined_namespace_is_no_obstacle) {
    HostDevice dev;
    PinnedNetns ns;
    ns.add_ifb(dev.name());
    Env env;
    env.set("/linux/namespaces/1", R"({"type":"network","path":")" + ns.path() + "\"}");
    env.set("/linux/netDevices", net_devices(dev.name(), "eth4"));
    env.sh("ip -o link show dev eth4");
    Result r = env.run_container("nd");
    BOOST_TEST_REQUIRE(r.code == 0, r.err);
    BOOST_TEST(ns.link("eth4").has_value());
    BOOST_TEST(ns.link(dev.name()).has_value());  // the namespace's own, untouched
}

BOOST_AUTO_TEST_CASE(missing_device_is_an_error) {
    Env env;
    std::string missing = device_name();
    env.set("/linux/netDevices", net_devices(missing, "eth0"));
    Result r = env.rt({"create", "-b", env.bundle(), env.id("nd")});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("config.json: /linux/netDevices/" + missing + ": no network device " +
                          missing) != std::string::npos,
               r.err);
}

BOOST_AUTO_TEST_CASE(no_network_namespace_is_an_error_and_touches_nothing) {
    std::set<std::string> addrs = {"10.128." + std::to_string(octet()) + ".2/24"};
    HostDevice dev({AddrSpec(*addrs.begin())});
    Env env;
    env.set("/linux/namespaces",
            R"([{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}])");
    env.set("/linux/netDevices", net_devices(dev.name()));
    Result r = env.rt({"create", "-b", env.bundle(), env.id("nd")});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("/linux/netDevices: moving network devices needs a \"network\"") !=
                   std::string::npos,
               r.err);
    expect_restored(dev, addrs);
}

BOOST_AUTO_TEST_CASE(rt_own_namespace_by_path_is_an_error) {
    HostDevice dev;
    Env env;
    env.set("/linux/namespaces/1", R"({"type":"network","path":"/proc/self/ns/net"})");
    env.set("/linux/netDevices", net_devices(dev.name()));
    Result r = env.rt({"create", "-b", env.bundle(), env.id("nd")});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("network namespace joined by path is rt's own") != std::string::npos,
               r.err);
    BOOST_TEST(dev.link().has_value());
}

// A bridge is local to its namespace (NETIF_F_NETNS_LOCAL): the kernel refuses the move.
BOOST_AUTO_TEST_CASE(device_that_cannot_move_is_an_error_and_stays) {
    nl::Socket sock;
    std::string br = device_name();
    BOOST_REQUIRE_EQUAL(nl::create_bridge(sock, {br, 0, std::nullopt, false}), 0);
    struct Remove {
        nl::Socket& s;
        std::string name;
        ~Remove() {
            try {
                nl::delete_link(s, name);
            } catch (...) {
            }
        }
    } remove{sock, br};
    Env env;
    env.set("/linux/netDevices", net_devices(br, "eth0"));
    Result r = env.rt({"create", "-b", env.bundle(), env.id("nd")});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("config.json: /linux/netDevices/" + br +
                          ": move into the container's network namespace: invalid argument") !=
                   std::string::npos,
               r.err);
    auto l = nl::link_by_name(sock, br);
    BOOST_TEST_REQUIRE(l.has_value(), br << " left the host");
    BOOST_TEST((l->flags & IFF_UP) != 0u);
}

BOOST_AUTO_TEST_CASE(taken_name_is_an_error_and_the_device_comes_back) {
    const std::string o = std::to_string(octet());
    std::set<std::string> addrs = {"10.129." + o + ".2/24", "fd00:7275:" + o + "::2/64"};
    HostDevice dev({{"10.129." + o + ".2/24"}, {"fd00:7275:" + o + "::2/64"}});
    Env env;
    env.set("/linux/netDevices", net_devices(dev.name(), "lo"));  // every netns has lo
    std::string id = env.id("nd");
    Result r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("config.json: /linux/netDevices/" + dev.name() +
                          "/name: a network device named lo already exists in the "
                          "container's network namespace") != std::string::npos,
               r.err);
    BOOST_TEST(!exists(env.root() + "/" + id));
    expect_restored(dev, addrs);
}

BOOST_AUTO_TEST_CASE(two_devices_for_one_name_restore_the_first) {
    std::set<std::string> addrs = {"10.130." + std::to_string(octet()) + ".2/24"};
    HostDevice a({AddrSpec(*addrs.begin())}), b;
    Env env;
    env.set("/linux/netDevices", "{\"" + a.name() + "\":{\"name\":\"same0\"},\"" + b.name() +
                                     "\":{\"name\":\"same0\"}}");
    Result r = env.rt({"create", "-b", env.bundle(), env.id("nd")});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("a network device named same0 already exists") != std::string::npos,
               r.err);
    expect_restored(a, addrs);  // the first one had moved: it is back as it was
    BOOST_TEST(b.link().has_value());
}

BOOST_AUTO_TEST_CASE(create_failing_after_the_move_puts_the_device_back) {
    const std::string o = std::to_string(octet());
    std::set<std::string> addrs = {"10.131." + o + ".2/24", "fd00:7276:" + o + "::2/64"};
    HostDevice dev({{"10.131." + o + ".2/24"}, {"fd00:7276:" + o + "::2/64"}});
    Env env;
    env.set("/linux/netDevices", net_devices(dev.name(), "eth0"));
    // Fails in the container's init, after the parent moved the device.
    env.set("/mounts/-", R"({"destination":"/bad","type":"nosuchfs","source":"x"})");
    std::string id = env.id("nd");
    Result r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("nosuchfs") != std::string::npos, r.err);
    BOOST_TEST(!exists(env.root() + "/" + id));
    expect_restored(dev, addrs);
}
