// Pure cgroup v2, for real: the test process moves to a private mount namespace and mounts
// cgroup2 over /sys/fs/cgroup (hiding the host's v1 mounts for this process only; nothing
// is unmounted). The cgroup2 hierarchy is the host's, with the controllers v1 leaves to it
// (hugetlb here), and its core features: cgroup.procs, freeze, kill, events, eBPF devices.
#define BOOST_TEST_MODULE cgroup_v2_integration
#include <linux/sched.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "cgroup/bpf_device_filter.hpp"
#include "rt/error.hpp"
#include "support.hpp"

using namespace rt;
using namespace rt::cgroup;
using namespace cgit;
namespace fsys = std::filesystem;

namespace {

std::string& g_setup_error = cgit::pure_v2().error;
Layout& g_layout = cgit::pure_v2().layout;
std::vector<std::string>& g_before = cgit::pure_v2().before;
using cgit::PrivateCgroup2;

void require_setup() {
    BOOST_REQUIRE_MESSAGE(g_setup_error.empty(), "v2 setup failed: " << g_setup_error);
}

struct Scoped {
    Manager m;
    DestroyGuard guard{m};
    explicit Scoped(const std::string& path = "/" + unique_name())
        : m(Manager::create(g_layout, {path})) {}
};

// Opens /dev/null and /dev/zero in a child placed in m; "errno-of-null errno-of-zero".
std::string probe_devices(const Manager& m) {
    Child c([](int fd) {
        int a = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        int ea = a < 0 ? errno : 0;
        int b = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
        int eb = b < 0 ? errno : 0;
        report(fd, std::to_string(ea) + " " + std::to_string(eb));
        return 0;
    });
    m.enter(c.pid());
    c.release();
    auto line = c.read_line();
    c.wait();
    return line;
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(PrivateCgroup2);

BOOST_AUTO_TEST_CASE(layout_is_unified) {
    require_setup();
    BOOST_TEST(to_string(g_layout.kind) == "unified");
    BOOST_TEST(g_layout.v1.empty());  // the host's v1 mounts are hidden here
    BOOST_REQUIRE(g_layout.unified);
    BOOST_TEST(g_layout.unified->mount_point == "/sys/fs/cgroup");
}

BOOST_AUTO_TEST_CASE(create_enables_controllers_and_destroys) {
    require_setup();
    std::string parent = unique_name();
    auto m = Manager::create(g_layout, {"/" + parent + "/c"});
    BOOST_REQUIRE_EQUAL(m.nodes().size(), 1u);
    const Node& n = m.nodes()[0];
    BOOST_TEST(n.unified);
    BOOST_TEST(n.dir == "/sys/fs/cgroup/" + parent + "/c");
    BOOST_TEST(fsys::is_directory(n.dir));
    // Every controller the root offers is enabled down to the container's cgroup.
    std::string offered = trimmed(slurp("/sys/fs/cgroup/cgroup.controllers"));
    for (const auto& c : g_layout.unified->controllers) {
        BOOST_TEST(contains(slurp("/sys/fs/cgroup/" + parent + "/cgroup.subtree_control"), c), c);
        BOOST_TEST(n.has(c), c);
    }
    m.destroy();
    BOOST_TEST(!fsys::exists(n.dir));
    BOOST_TEST(!fsys::exists("/sys/fs/cgroup/" + parent));
}

BOOST_AUTO_TEST_CASE(failed_create_leaves_nothing) {
    require_setup();
    std::string name = unique_name();
    std::string dir = "/sys/fs/cgroup/" + name + "/leaf";
    BOOST_REQUIRE(fsys::create_directories(dir));
    {
        Child sleeper([](int) {
            ::pause();
            return 0;
        });
        std::ofstream(dir + "/cgroup.procs") << sleeper.pid();
        auto msg = error_of([&] { Manager::create(g_layout, {"/" + name + "/leaf"}); });
        BOOST_TEST(contains(msg, "already exists and has processes"), msg);
    }
    for (int i = 0; i < 100 && ::rmdir(dir.c_str()) != 0; ++i) sleep_ms(10);
    ::rmdir(("/sys/fs/cgroup/" + name).c_str());
    BOOST_TEST(!fsys::exists("/sys/fs/cgroup/" + name));
}

BOOST_AUTO_TEST_CASE(freeze_stops_a_busy_loop) {
    require_setup();
    Scoped s;
    SharedCounter counter;
    Child c([&](int) {
        for (;;) counter.value->fetch_add(1);
        return 0;
    });
    s.m.enter(c.pid());
    c.release();
    while (counter.get() == 0) sleep_ms(1);
    s.m.freeze();
    BOOST_TEST((s.m.freezer_state() == FreezerState::Frozen));
    BOOST_TEST(contains(slurp(s.m.nodes()[0].dir + "/cgroup.events"), "frozen 1"));
    uint64_t a = counter.get();
    sleep_ms(200);
    BOOST_TEST(counter.get() == a);
    s.m.thaw();
    BOOST_TEST((s.m.freezer_state() == FreezerState::Thawed));
    for (int i = 0; i < 2000 && counter.get() == a; ++i) sleep_ms(1);
    BOOST_TEST(counter.get() > a);
}

BOOST_AUTO_TEST_CASE(kill_all_with_cgroup_kill_and_signals) {
    require_setup();
    for (int sig : {SIGKILL, SIGTERM}) {
        Scoped s;
        Child parent([](int fd) {
            for (int i = 0; i < 3; ++i)
                if (::fork() == 0) {
                    ::pause();
                    ::_exit(0);
                }
            report(fd, "ready");
            for (;;) ::pause();
            return 0;
        });
        s.m.enter(parent.pid());
        parent.release();
        BOOST_REQUIRE(parent.read_line() == "ready");
        BOOST_TEST(s.m.pids().size() == 4u);
        s.m.kill_all(sig);
        BOOST_TEST(s.m.wait_empty(10000));
        BOOST_TEST(s.m.pids().empty());
        BOOST_TEST(contains(slurp(s.m.nodes()[0].dir + "/cgroup.events"), "populated 0"));
        int status = parent.wait();
        BOOST_TEST(WIFSIGNALED(status));
        BOOST_TEST(WTERMSIG(status) == sig);
    }
}

BOOST_AUTO_TEST_CASE(hugetlb_limit) {
    require_setup();
    Scoped s;
    BOOST_REQUIRE_MESSAGE(s.m.node_for("hugetlb"), "cgroup2 offers no hugetlb controller here");
    oci::Resources r;
    r.hugepageLimits.push_back({"2MB", 8 << 20});
    s.m.apply(r);
    const std::string dir = s.m.nodes()[0].dir;
    BOOST_TEST(trimmed(slurp(dir + "/hugetlb.2MB.max")) == std::to_string(8 << 20));
    if (fsys::exists(dir + "/hugetlb.2MB.rsvd.max"))
        BOOST_TEST(trimmed(slurp(dir + "/hugetlb.2MB.rsvd.max")) == std::to_string(8 << 20));
    auto st = s.m.stats();
    BOOST_TEST(st.hugetlb.count("2MB") == 1u);
}

BOOST_AUTO_TEST_CASE(ebpf_device_filter_enforced_and_replaced) {
    require_setup();
    Scoped s;
    auto rule = [](bool allow, const char* type, std::optional<int64_t> major,
                   std::optional<int64_t> minor, const char* access) {
        oci::DeviceCgroupRule r;
        r.allow = allow;
        r.type = type;
        r.major = major;
        r.minor = minor;
        r.access = access;
        return r;
    };
    BOOST_TEST(probe_devices(s.m) == "0 0");  // no filter yet
    oci::Resources r;
    r.devices = {rule(false, "a", std::nullopt, std::nullopt, "rwm"), rule(true, "c", 1, 3, "rwm")};
    s.m.apply(r);
    BOOST_TEST(probe_devices(s.m) == "0 " + std::to_string(EPERM));
    base::UniqueFd dir(::open(s.m.nodes()[0].dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    BOOST_TEST(attached_device_programs(dir.get()).size() == 1u);
    // Update: the new filter replaces the old one (still one program attached).
    r.devices.push_back(rule(true, "c", 1, 5, "r"));
    s.m.apply(r, {"rt update", true});
    BOOST_TEST(probe_devices(s.m) == "0 0");
    BOOST_TEST(attached_device_programs(dir.get()).size() == 1u);
    // Write access to /dev/null only: O_RDWR needs both bits.
    r.devices = {rule(false, "a", std::nullopt, std::nullopt, "rwm"), rule(true, "c", 1, 3, "w"),
                 rule(true, "c", 1, 5, "r")};
    s.m.apply(r, {"rt update", true});
    BOOST_TEST(probe_devices(s.m) == std::to_string(EPERM) + " 0");
}

BOOST_AUTO_TEST_CASE(clone3_into_the_cgroup) {
    require_setup();
    Scoped s;
    auto fd = s.m.open_unified_dir();
    BOOST_REQUIRE(fd.get() >= 0);
    clone_args args{};
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(fd.get());
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) {
        ::pause();
        ::_exit(0);
    }
    BOOST_REQUIRE(pid > 0);
    BOOST_TEST((s.m.pids() == std::vector<pid_t>{static_cast<pid_t>(pid)}));
    BOOST_TEST(proc_cgroup(static_cast<pid_t>(pid), "") == s.m.nodes()[0].path);
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
}

BOOST_AUTO_TEST_CASE(controllers_v1_holds_are_reported_missing) {
    require_setup();
    Scoped s;
    if (s.m.node_for("memory")) {
        BOOST_TEST_MESSAGE("memory is on cgroup2 here: nothing to check");
        return;
    }
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 1 << 20;
    auto msg = error_of([&] { s.m.apply(r); });
    BOOST_TEST(contains(msg,
                        "config.json: /linux/resources/memory: the memory controller is not "
                        "available on this host"),
               msg);
    BOOST_TEST(contains(msg, "cgroup.controllers"), msg);
    oci::Resources net;
    net.network = oci::NetworkResources{};
    net.network->classID = 1;
    msg = error_of([&] { s.m.apply(net); });
    BOOST_TEST(contains(msg, "/network/classID: the net_cls controller is not available"), msg);
    oci::Resources uni;
    uni.unified["memory.high"] = "1";
    msg = error_of([&] { s.m.apply(uni); });
    BOOST_TEST(
        contains(msg, "/unified/memory.high: no such file: the memory controller is not available"),
        msg);
}

BOOST_AUTO_TEST_CASE(stats_from_core_files) {
    require_setup();
    Scoped s;
    Child c([](int fd) {
        burn_cpu_ms(30);
        report(fd, "ready");
        ::pause();
        return 0;
    });
    s.m.enter(c.pid());
    c.release();
    BOOST_REQUIRE(c.read_line() == "ready");
    auto st = s.m.stats();
    BOOST_TEST(st.cpu.usage.total >= 30000000u);  // cpu.stat is a core file in v2
    BOOST_TEST(st.cpu.usage.user > 0u);
}

BOOST_AUTO_TEST_CASE(zz_no_cgroup_left_behind) {
    require_setup();
    auto after = our_cgroup_dirs(g_layout);
    BOOST_TEST(after == g_before);
    for (const auto& d : after) BOOST_TEST_MESSAGE("leaked: " << d);
}
