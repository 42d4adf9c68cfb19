// Input the plugins must refuse up front (invalid UTF-8, duplicate keys, a relative
// dataDir, names and ids too long for the host veth's alias) and stores they must cope
// with (a read-only dataDir with nothing reserved, a full one): the real binaries, the real
// kernel. The reference plugins' behaviour on the same input is in docs/cni.md.
#include <boost/test/unit_test.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "fixture.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

using namespace cnit;
namespace fs = std::filesystem;

namespace {

Invocation make(const std::string& cmd, const std::string& id, const std::string& netns,
                const std::string& config, const std::string& plugin = rt_bridge()) {
    Invocation i;
    i.plugin = plugin;
    i.command = cmd;
    i.container_id = id;
    i.netns = netns;
    i.config = config;
    return i;
}

// A tmpfs on `dir` for the test's lifetime (declared after the TestNet that owns `dir`, so
// it is unmounted before the TestNet removes the directory).
class Tmpfs {
  public:
    Tmpfs(std::string dir, const std::string& options) : dir_(std::move(dir)) {
        if (::mount("rt-cni-it", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
            throw std::runtime_error("mount tmpfs on " + dir_ + ": " + std::strerror(errno));
    }
    ~Tmpfs() {
        if (::umount2(dir_.c_str(), 0) != 0 && ::umount2(dir_.c_str(), MNT_DETACH) != 0)
            (void)std::fprintf(stderr, "cni: umount %s: %s\n", dir_.c_str(), std::strerror(errno));
    }
    Tmpfs(const Tmpfs&) = delete;
    Tmpfs& operator=(const Tmpfs&) = delete;
    void read_only(bool ro) {
        unsigned long flags = MS_REMOUNT | MS_NOSUID | MS_NODEV | (ro ? MS_RDONLY : 0);
        if (::mount(nullptr, dir_.c_str(), nullptr, flags, nullptr) != 0)
            throw std::runtime_error("remount " + dir_ + ": " + std::strerror(errno));
    }

  private:
    std::string dir_;
};

// Removes the named host links at scope exit: what a regression would have created.
struct LinksGone {
    std::vector<std::string> names;
    ~LinksGone() {
        try {
            rt::netlink::Socket nl;
            for (const auto& n : names) (void)rt::netlink::delete_link(nl, n);
        } catch (const std::exception& e) {
            (void)std::fprintf(stderr, "cni: remove test links: %s\n", e.what());
        }
    }
};

// Links whose name starts with `prefix`, in the host namespace.
int links_named(const std::string& prefix) {
    std::string out;
    sh("ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -c '^" + prefix + "'", &out);
    return std::atoi(out.c_str());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(input)

BOOST_AUTO_TEST_CASE(invalid_utf8_and_duplicate_keys_are_refused_before_anything_is_made) {
    TestNet net;
    Netns ns;
    // The bridge name with a byte 0xff: the reference creates a bridge named
    // "<name>\xef\xbf\xbd" (Go's U+FFFD).
    std::string bad_utf8 = net.conf("1.1.0", "")
                               .replace(net.conf("1.1.0", "").find(net.bridge), net.bridge.size(),
                                        net.bridge + "\xff");
    std::string other = net.bridge.substr(0, net.bridge.size() - 1) + "x";
    LinksGone gone{{net.bridge + "\xff", net.bridge + "\xef\xbf\xbd", other}};
    Exec e = run(make("ADD", "utf8", ns.path(), bad_utf8));
    BOOST_TEST(e.code() == 6, e.dump());
    BOOST_TEST(e.msg() == "network config (stdin): bridge: not valid UTF-8 (byte 0xff at offset " +
                              std::to_string(net.bridge.size()) + ")",
               e.dump());
    // Two "bridge" members: Go plugins take the second, RapidJSON would take the first.
    Exec d = run(make("ADD", "dup", ns.path(), net.conf("1.1.0", R"(,"bridge":")" + other + "\"")));
    BOOST_TEST(d.code() == 7, d.dump());
    BOOST_TEST(d.msg().rfind("network config (stdin): bridge: duplicate key", 0) == 0, d.dump());
    BOOST_TEST(links_named(net.bridge.substr(0, net.bridge.size() - 1)) == 0);
    BOOST_TEST(!link_in(ns.path(), "eth0"));
    BOOST_TEST(net.reservations().empty());
    BOOST_TEST(!fs::exists(net.data_dir + "/" + net.name));
}

BOOST_AUTO_TEST_CASE(too_long_names_and_ids_fail_up_front_naming_the_field) {
    TestNet net;
    Netns ns;
    // A network name the alias cannot hold: code 7 naming "name", nothing made.
    std::string long_name = net.name + std::string(240 - net.name.size(), 'n');
    std::string conf = net.conf();
    std::string long_conf = conf;
    long_conf.replace(long_conf.find(net.name), net.name.size(), long_name);
    Exec n = run(make("ADD", "c1", ns.path(), long_conf));
    BOOST_TEST(n.code() == 7, n.dump());
    BOOST_TEST(n.msg().rfind("name: 240 bytes, too long: rt-bridge records", 0) == 0, n.dump());
    // A 5,000-byte container id: code 4 naming CNI_CONTAINERID.
    Exec i = run(make("ADD", std::string(5000, 'c'), ns.path(), conf));
    BOOST_TEST(i.code() == 4, i.dump().substr(0, 300));
    BOOST_TEST(i.msg().rfind("CNI_CONTAINERID: 5000 bytes, too long: rt-bridge records", 0) == 0,
               i.msg().substr(0, 300));
    BOOST_TEST(links_named(net.bridge) == 0);  // refused before the bridge was made
    BOOST_TEST(!link_in(ns.path(), "eth0"));
    BOOST_TEST(net.reservations().empty());
    // Past the kernel's own limit for names: the IPAM plugin refuses 256 bytes (a file name).
    std::string huge = conf;
    huge.replace(huge.find(net.name), net.name.size(), std::string(256, 'h'));
    Exec h = run(make("ADD", "c1", ns.path(), huge, rt_host_local()));
    BOOST_TEST(h.code() == 7, h.dump());
    BOOST_TEST(h.msg().rfind("name: 256 bytes, longer than 255", 0) == 0, h.dump());

    // The longest id that fits (alias "rt-bridge <name> <id> eth0" of exactly 255 bytes)
    // works: the kernel keeps it, and DEL removes everything.
    std::string id(255 - std::string("rt-bridge ").size() - net.name.size() - 1 - 5, 'i');
    {
        Attachment a(net, ns, conf, id);
        BOOST_REQUIRE_MESSAGE(a.ok(), a.add().dump());
        std::string alias;
        sh("cat /sys/class/net/" + a.host_veth() + "/ifalias", &alias);
        BOOST_TEST(alias == "rt-bridge " + net.name + " " + id + " eth0\n");
        Exec del = a.del();
        BOOST_TEST(del.status == 0, del.dump());
    }
    Exec over = run(make("ADD", id + "i", ns.path(), conf));
    BOOST_TEST(over.code() == 4, over.dump());
    BOOST_TEST(!link_in(ns.path(), "eth0"));
}

BOOST_AUTO_TEST_CASE(relative_data_dir_is_refused_in_one_line) {
    TestNet net;
    Netns ns;
    std::string rel = "rt-cni-it-relative-" + std::to_string(getpid());
    std::string ipam =
        R"({"type":"rt-host-local","subnet":")" + net.subnet4() + R"(","dataDir":")" + rel + "\"}";
    Exec e = run(make("ADD", "rel", ns.path(), net.conf("1.1.0", "", ipam)));
    BOOST_TEST(e.status != 0);
    BOOST_TEST(e.code() == 7, e.dump());
    BOOST_TEST(
        e.msg().find("ipam.dataDir: \"" + rel + "\" must be an absolute path") != std::string::npos,
        e.dump());
    // The IPAM plugin's refusal is the error; the rollback's IPAM DEL, refused the same
    // way, adds no second line.
    BOOST_TEST(e.err.find("rollback") == std::string::npos, e.err);
    BOOST_TEST(!fs::exists(rel));
    std::error_code ec;
    fs::remove_all(rel, ec);  // what a regression would leave
    BOOST_TEST(!link_in(ns.path(), "eth0"));
    BOOST_TEST(net.host_veths().empty());
    // An IPAM plugin that is exec'd (not run in-process) behaves the same.
    Invocation ref = make("ADD", "rel", ns.path(), net.conf("1.1.0", "", ipam));
    fs::path copy = net.data_dir + "/bin/rt-host-local";
    fs::create_directories(copy.parent_path());
    fs::copy_file(rt_host_local(), copy);
    ref.path = copy.parent_path().string();
    Exec x = run(ref);
    BOOST_TEST(x.code() == 7, x.dump());
    BOOST_TEST(x.err.find("rollback") == std::string::npos, x.err);
    fs::remove_all(copy.parent_path());
}

BOOST_AUTO_TEST_CASE(del_on_a_read_only_data_dir_with_nothing_reserved_succeeds) {
    TestNet net;
    Netns ns;
    Tmpfs store(net.data_dir, "size=1m,mode=0755");
    std::string conf = net.conf();
    // No directory for the network at all, read-only: nothing to release.
    store.read_only(true);
    for (const std::string& plugin : {rt_bridge(), rt_host_local()}) {
        Exec del = run(make("DEL", "ro1", "", conf, plugin));
        BOOST_TEST(del.status == 0, plugin << ": " << del.dump());
    }
    // The network's directory and lock exist (an ADD and its DEL ran), read-only now.
    store.read_only(false);
    {
        Attachment a(net, ns, conf, "ro2");
        BOOST_REQUIRE_MESSAGE(a.ok(), a.add().dump());
        BOOST_REQUIRE(a.del().status == 0);
    }
    store.read_only(true);
    for (const std::string& plugin : {rt_bridge(), rt_host_local()}) {
        Exec del = run(make("DEL", "ro2", "", conf, plugin));
        BOOST_TEST(del.status == 0, plugin << ": " << del.dump());
    }
    // Something reserved that cannot be released: DEL fails and says why.
    store.read_only(false);
    Attachment held(net, ns, conf, "ro3");
    BOOST_REQUIRE_MESSAGE(held.ok(), held.add().dump());
    store.read_only(true);
    Exec fail = run(make("DEL", "ro3", ns.path(), held.with_prev(), rt_host_local()));
    BOOST_TEST(fail.status != 0, fail.dump());
    BOOST_TEST(fail.msg().find("read-only file system") != std::string::npos, fail.dump());
    store.read_only(false);
    BOOST_TEST(held.del().status == 0);
    BOOST_TEST(net.reservations().empty());
}

BOOST_AUTO_TEST_CASE(full_data_dir_fails_cleanly) {
    TestNet net;
    Netns ns;
    Tmpfs store(net.data_dir, "size=64k,mode=0755");
    std::string conf = net.conf();
    fs::create_directories(net.data_dir + "/" + net.name);
    {
        // Fill every block: the reservation's content cannot be written.
        std::ofstream fill(net.data_dir + "/fill", std::ios::binary);
        std::string block(4096, 'x');
        for (int i = 0; i < 64 && fill.write(block.data(), block.size()); ++i) {
        }
    }
    Exec e = run(make("ADD", "full", ns.path(), conf));
    BOOST_TEST(e.status != 0);
    BOOST_TEST(e.code() == 999, e.dump());
    BOOST_TEST(e.msg().find("no space left on device") != std::string::npos, e.dump());
    BOOST_TEST(!link_in(ns.path(), "eth0"));
    BOOST_TEST(net.host_veths().empty());
    BOOST_TEST(net.reservations().empty());
    fs::remove(net.data_dir + "/fill");
    // Space again: the same attachment works.
    Attachment a(net, ns, conf, "full");
    BOOST_TEST(a.ok(), a.add().dump());
}

BOOST_AUTO_TEST_SUITE_END()
