// The cgroup manager on this host's real hierarchies (hybrid on this project's machines:
// v1 controllers, cgroup2 at /sys/fs/cgroup/unified with hugetlb only). Limits are checked
// by their effect on forked test processes placed in the cgroup, not only by the files.
#define BOOST_TEST_MODULE cgroup_integration
#include <linux/magic.h>
#include <linux/sched.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sched.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "cgroup/path.hpp"
#include "rt/error.hpp"
#include "support.hpp"

using namespace rt;
using namespace rt::cgroup;
using namespace cgit;
namespace fsys = std::filesystem;

namespace {

const Layout& host() {
    static const Layout layout = detect_layout();
    return layout;
}

// Creates a manager for a fresh unique cgroup; removes it (killing what is left) at scope exit.
struct Scoped {
    Manager m;
    DestroyGuard guard{m};
    explicit Scoped(const std::string& path = "/" + unique_name())
        : m(Manager::create(host(), {path})) {}
};

std::string file(const Manager& m, const char* controller, const char* name) {
    const Node* n = m.node_for(controller);
    BOOST_REQUIRE_MESSAGE(n, "no node for " << controller);
    return trimmed(slurp(n->dir + "/" + name));
}

// Dirs with our prefix before the suite: compared with after, in the last test.
std::vector<std::string> g_before;
struct Snapshot {
    Snapshot() { g_before = our_cgroup_dirs(host()); }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(Snapshot);

BOOST_AUTO_TEST_SUITE(host_layout)

BOOST_AUTO_TEST_CASE(detection_matches_the_filesystems) {
    const Layout& l = host();
    // Every hierarchy found is really a cgroup (v1) / cgroup2 filesystem.
    for (const auto& h : l.v1) {
        struct statfs s {};
        BOOST_REQUIRE_EQUAL(::statfs(h.mount_point.c_str(), &s), 0);
        BOOST_TEST(s.f_type == CGROUP_SUPER_MAGIC, h.mount_point);
    }
    struct statfs u {};
    bool hybrid_host =
        ::statfs("/sys/fs/cgroup/unified", &u) == 0 && u.f_type == CGROUP2_SUPER_MAGIC;
    struct statfs mem {};
    bool v1_memory =
        ::statfs("/sys/fs/cgroup/memory", &mem) == 0 && mem.f_type == CGROUP_SUPER_MAGIC;
    BOOST_TEST_MESSAGE("layout: " << to_string(l.kind));
    if (hybrid_host && v1_memory) {
        BOOST_TEST(to_string(l.kind) == "hybrid");
        BOOST_REQUIRE(l.unified);
        BOOST_TEST(l.unified->mount_point == "/sys/fs/cgroup/unified");
        BOOST_TEST(l.v1_for("memory")->mount_point == "/sys/fs/cgroup/memory");
        // This project's hosts mount cpu and cpuacct separately.
        if (fsys::exists("/sys/fs/cgroup/cpuacct/cpuacct.usage") &&
            fsys::exists("/sys/fs/cgroup/cpu/cpu.shares"))
            BOOST_TEST(l.v1_for("cpu") != l.v1_for("cpuacct"));
        // Whatever v1 does not hold, cgroup2 offers (hugetlb here).
        std::string controllers = trimmed(slurp("/sys/fs/cgroup/unified/cgroup.controllers"));
        for (const auto& c : l.unified->controllers) BOOST_TEST(contains(controllers, c));
        for (const auto& c : l.unified->controllers) BOOST_TEST(l.v1_for(c) == nullptr, c);
    } else {
        BOOST_TEST_MESSAGE("host is not hybrid: only the filesystem checks ran");
    }
    // The own cgroup of this process is known for every hierarchy.
    BOOST_TEST(!l.own.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_AUTO_TEST_CASE(create_and_destroy_on_every_hierarchy) {
    std::string name = unique_name();
    auto m = Manager::create(host(), {"/" + name});
    BOOST_TEST(m.nodes().size() == host().v1.size() + (host().unified ? 1 : 0));
    for (const auto& n : m.nodes()) {
        BOOST_TEST(fsys::is_directory(n.dir), n.dir);
        BOOST_TEST(fsys::exists(n.dir + "/cgroup.procs"), n.dir);
        BOOST_TEST(n.path == "/" + name);
    }
    if (const Node* c = m.node_for("cpuset"); c && !c->unified)  // copied from the parent
        BOOST_TEST(!trimmed(slurp(c->dir + "/cpuset.cpus")).empty());
    auto dirs = m.nodes();
    m.destroy();
    for (const auto& n : dirs) BOOST_TEST(!fsys::exists(n.dir), n.dir);
    m.destroy();  // idempotent
}

// (needs a v1 hierarchy to hold the busy leaf: skipped on a pure cgroup v2 host)
BOOST_AUTO_TEST_CASE(failed_create_leaves_nothing,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                         return !host().v1.empty();
                     })) {
    std::string name = unique_name();
    // The leaf already exists, with a process in it, on the last v1 hierarchy: refused after
    // the other hierarchies were created, which must be undone.
    const auto& last = host().v1.back();
    std::string busy = last.mount_point + "/" + name;
    BOOST_REQUIRE_EQUAL(::mkdir(busy.c_str(), 0755), 0);
    {
        Child sleeper([](int) {
            ::pause();
            return 0;
        });
        std::ofstream(busy + "/cgroup.procs") << sleeper.pid();
        auto msg = error_of([&] { Manager::create(host(), {"/" + name}); });
        BOOST_TEST(contains(msg, "already exists and has processes"), msg);
        for (const auto& h : host().v1)
            if (&h != &last) BOOST_TEST(!fsys::exists(h.mount_point + "/" + name), h.mount_point);
        if (host().unified) BOOST_TEST(!fsys::exists(host().unified->mount_point + "/" + name));
    }
    // The sleeper is gone: move on and remove the test's own directory.
    for (int i = 0; i < 100 && ::rmdir(busy.c_str()) != 0; ++i) sleep_ms(10);
    BOOST_TEST(!fsys::exists(busy));

    // A name the kernel refuses (cgroup names cannot hold a newline): nothing created.
    std::string bad = "/" + prefix() + "-bad\nname";
    auto msg = error_of([&] { Manager::create(host(), {bad}); });
    BOOST_TEST(contains(msg, "invalid argument"), msg);
    BOOST_TEST(our_cgroup_dirs(host()).empty());
}

BOOST_AUTO_TEST_CASE(destroy_kills_lingering_processes) {
    auto m = Manager::create(host(), {"/" + unique_name()});
    Child c([](int) {
        ::pause();
        return 0;
    });
    m.enter(c.pid());
    c.release();
    // Without kill: refused, nothing removed.
    auto msg = error_of([&] { m.destroy(false); });
    BOOST_TEST(contains(msg, "processes still in it"), msg);
    BOOST_TEST(fsys::exists(m.nodes().back().dir));
    m.destroy(true);
    int status = c.wait();
    BOOST_TEST(WIFSIGNALED(status));
    BOOST_TEST(WTERMSIG(status) == SIGKILL);
    for (const auto& n : m.nodes()) BOOST_TEST(!fsys::exists(n.dir), n.dir);
}

BOOST_AUTO_TEST_CASE(state_survives_serialize_load) {
    Scoped s;
    Manager back = Manager::load(s.m.serialize());
    Child c([](int) {
        ::pause();
        return 0;
    });
    back.enter(c.pid());
    BOOST_TEST((s.m.pids() == std::vector<pid_t>{c.pid()}));
}

BOOST_AUTO_TEST_CASE(systemd_path_on_real_hierarchies) {
    std::string slice = prefix() + ".slice";
    auto path = resolve_cgroups_path(slice + ":rt:" + unique_name(), "x", true);
    auto m = Manager::create(host(), path);
    DestroyGuard g(m);
    const Node* mem = m.node_for("memory");
    BOOST_REQUIRE(mem);
    BOOST_TEST(fsys::is_directory(mem->dir));
    BOOST_TEST(contains(mem->dir, "/sys/fs/cgroup/memory/" + slice + "/rt-"));
    BOOST_TEST(mem->dir.substr(mem->dir.size() - 6) == ".scope");
    m.destroy();
    BOOST_TEST(!fsys::exists("/sys/fs/cgroup/memory/" + slice));  // the slice rt created
}

BOOST_AUTO_TEST_CASE(clone3_into_the_cgroup2_node) {
    Scoped s;
    auto fd = s.m.open_unified_dir();
    if (!host().unified) {
        BOOST_TEST(fd.get() == -1);
        return;
    }
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
    // Born in the cgroup2 node; the v1 hierarchies still need enter().
    BOOST_TEST(proc_cgroup(static_cast<pid_t>(pid), "") == s.m.unified_node()->path);
    s.m.enter(static_cast<pid_t>(pid), true);
    if (const Node* mem = s.m.node_for("memory"))
        BOOST_TEST(proc_cgroup(static_cast<pid_t>(pid), "memory") == mem->path);
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(memory_hog_is_oom_killed_and_reported) {
    Scoped s;
    const long limit = 32L << 20;
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = limit;
    if (fsys::exists(s.m.node_for("memory")->dir + "/memory.memsw.limit_in_bytes"))
        r.memory->swap = limit;  // no swap either
    s.m.apply(r);
    auto oom = s.m.watch_oom();
    Child hog([](int) {
        // Touch 512 MiB, 1 MiB at a time; the limit must stop this long before.
        for (int i = 0; i < 512; ++i) {
            void* p = ::mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                             -1, 0);
            if (p == MAP_FAILED) return 2;
            std::memset(p, 0x5a, 1 << 20);
        }
        return 0;
    });
    s.m.enter(hog.pid());
    hog.release();
    int status = hog.wait();
    BOOST_TEST(WIFSIGNALED(status));
    BOOST_TEST(WTERMSIG(status) == SIGKILL);
    pollfd p{oom.fd(), POLLIN, 0};
    BOOST_TEST(::poll(&p, 1, 10000) == 1);
    BOOST_TEST(oom.consume() >= 1u);
    auto st = s.m.stats();
    BOOST_TEST(st.memory.usage.limit == static_cast<uint64_t>(limit));
    // The limit was reached (failcnt is not kept by every kernel: 6.18 reports 0).
    BOOST_TEST(st.memory.usage.max >= static_cast<uint64_t>(limit) - (4 << 20));
    BOOST_TEST(st.memory.oom_kills >= 1u);
    // Removing the cgroup wakes the watcher, which then reports no OOM and not alive.
    s.m.destroy();
    BOOST_TEST(!oom.alive());
    BOOST_TEST(oom.consume() == 0u);
}

BOOST_AUTO_TEST_CASE(fork_bomb_stops_at_pids_limit) {
    Scoped s;
    oci::Resources r;
    r.pids = oci::PidsResources{8};
    s.m.apply(r);
    BOOST_TEST(file(s.m, "pids", "pids.max") == "8");
    Child bomb([](int fd) {
        int forks = 0;
        for (;;) {
            pid_t p = ::fork();
            if (p == 0) {
                ::pause();
                ::_exit(0);
            }
            if (p < 0) {
                report(fd, std::to_string(forks) + " " + std::to_string(errno));
                break;
            }
            ++forks;
            if (forks > 100) {
                report(fd, "unbounded");
                break;
            }
        }
        ::pause();
        return 0;
    });
    s.m.enter(bomb.pid());
    bomb.release();
    std::string line = bomb.read_line();
    BOOST_TEST(line == "7 " + std::to_string(EAGAIN));  // 1 + 7 children = 8 tasks
    auto st = s.m.stats();
    BOOST_TEST(st.pids.current == 8u);
    BOOST_TEST(st.pids.limit == 8u);
    BOOST_TEST(s.m.pids().size() == 8u);
    s.m.kill_all(SIGKILL);
    BOOST_TEST(s.m.wait_empty(10000));
    BOOST_TEST(s.m.pids().empty());
}

BOOST_AUTO_TEST_CASE(cpu_quota_throttles_and_files_hold_values) {
    Scoped s;
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->shares = 512;
    r.cpu->quota = 1000;
    r.cpu->period = 10000;
    s.m.apply(r);
    const Node* cpu = s.m.node_for("cpu");
    BOOST_REQUIRE(cpu);
    if (cpu->unified) {
        BOOST_TEST(file(s.m, "cpu", "cpu.max") == "1000 10000");
    } else {
        BOOST_TEST(file(s.m, "cpu", "cpu.shares") == "512");
        BOOST_TEST(file(s.m, "cpu", "cpu.cfs_quota_us") == "1000");
        BOOST_TEST(file(s.m, "cpu", "cpu.cfs_period_us") == "10000");
    }
    // 50 ms of CPU at 1 ms per 10 ms period: throttled as soon as it gets more than 1 ms in
    // one period, which even a busy shared machine gives it (slices are a few ms).
    Child burner([](int) {
        burn_cpu_ms(50);
        return 0;
    });
    s.m.enter(burner.pid());
    burner.release();
    int status = burner.wait();
    BOOST_TEST(WIFEXITED(status));
    auto st = s.m.stats();
    BOOST_TEST(st.cpu.throttling.throttled_periods >= 1u);
    BOOST_TEST(st.cpu.throttling.throttled_time > 0u);
    BOOST_TEST(st.cpu.usage.total >= 50000000u);

    // Out of range: the kernel would clamp; rt says so.
    oci::Resources bad;
    bad.cpu = oci::CpuResources{};
    bad.cpu->shares = 1;
    auto msg = error_of([&] { s.m.apply(bad); });
    BOOST_TEST(contains(msg, "config.json: /linux/resources/cpu/shares"), msg);
}

BOOST_AUTO_TEST_CASE(cpuset_restricts_affinity) {
    long ncpu = ::sysconf(_SC_NPROCESSORS_ONLN);
    Scoped s;
    std::string cpu = std::to_string(ncpu - 1);
    oci::Resources r;
    r.cpu = oci::CpuResources{};
    r.cpu->cpus = cpu;
    r.cpu->mems = "0";
    s.m.apply(r);
    BOOST_TEST(file(s.m, "cpuset", "cpuset.cpus") == cpu);
    BOOST_TEST(file(s.m, "cpuset", "cpuset.mems") == "0");
    Child c([](int fd) {
        cpu_set_t set;
        CPU_ZERO(&set);
        ::sched_getaffinity(0, sizeof set, &set);
        std::string cpus;
        for (int i = 0; i < CPU_SETSIZE; ++i)
            if (CPU_ISSET(i, &set)) cpus += (cpus.empty() ? "" : ",") + std::to_string(i);
        report(fd, cpus);
        return 0;
    });
    s.m.enter(c.pid());
    c.release();
    BOOST_TEST(c.read_line() == cpu);
    c.wait();
    auto msg = error_of([&] {
        oci::Resources bad;
        bad.cpu = oci::CpuResources{};
        bad.cpu->cpus = std::to_string(ncpu + 64);
        s.m.apply(bad);
    });
    BOOST_TEST(contains(msg, "config.json: /linux/resources/cpu/cpus: write"), msg);
}

BOOST_AUTO_TEST_CASE(memory_swap_update_and_check_before_update) {
    Scoped s;
    const Node* mem = s.m.node_for("memory");
    bool memsw = fsys::exists(mem->dir + "/memory.memsw.limit_in_bytes");
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 64 << 20;
    r.memory->reservation = 16 << 20;
    if (memsw) r.memory->swap = 128 << 20;
    s.m.apply(r);
    BOOST_TEST(file(s.m, "memory", "memory.limit_in_bytes") == std::to_string(64 << 20));
    BOOST_TEST(file(s.m, "memory", "memory.soft_limit_in_bytes") == std::to_string(16 << 20));
    if (memsw)
        BOOST_TEST(file(s.m, "memory", "memory.memsw.limit_in_bytes") == std::to_string(128 << 20));

    // A live update: shrink both (memory first, then memsw).
    Child user([](int fd) {
        void* p =
            ::mmap(nullptr, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        std::memset(p, 1, 16 << 20);
        report(fd, "ready");
        ::pause();
        return 0;
    });
    s.m.enter(user.pid());
    user.release();
    BOOST_REQUIRE(user.read_line() == "ready");
    oci::Resources up;
    up.memory = oci::MemoryResources{};
    up.memory->limit = 32 << 20;
    if (memsw) up.memory->swap = 48 << 20;
    s.m.apply(up, {"rt update", true});
    BOOST_TEST(file(s.m, "memory", "memory.limit_in_bytes") == std::to_string(32 << 20));
    if (memsw)
        BOOST_TEST(file(s.m, "memory", "memory.memsw.limit_in_bytes") == std::to_string(48 << 20));

    oci::Resources below;
    below.memory = oci::MemoryResources{};
    below.memory->limit = 4 << 20;
    below.memory->checkBeforeUpdate = true;
    auto msg = error_of([&] { s.m.apply(below, {"rt update", true}); });
    BOOST_TEST(
        contains(msg, "rt update/memory/limit: new limit 4194304 is below the current usage"), msg);
    BOOST_TEST(file(s.m, "memory", "memory.limit_in_bytes") == std::to_string(32 << 20));
}

BOOST_AUTO_TEST_CASE(hugetlb_limit_on_whichever_hierarchy_has_it) {
    Scoped s;
    const Node* n = s.m.node_for("hugetlb");
    BOOST_REQUIRE_MESSAGE(n, "hugetlb is not available on this host");
    oci::Resources r;
    r.hugepageLimits.push_back({"2MB", 4 << 20});
    s.m.apply(r);
    BOOST_TEST(trimmed(slurp(n->dir +
                             (n->unified ? "/hugetlb.2MB.max" : "/hugetlb.2MB.limit_in_bytes"))) ==
               std::to_string(4 << 20));
    auto st = s.m.stats();
    BOOST_TEST(st.hugetlb.count("2MB") == 1u);
    // A size the host does not have.
    oci::Resources bad;
    bad.hugepageLimits.push_back({"4MB", 1});
    auto msg = error_of([&] { s.m.apply(bad); });
    BOOST_TEST(contains(msg, "/hugepageLimits/0/pageSize: huge page size 4MB is not supported"),
               msg);
}

BOOST_AUTO_TEST_CASE(blkio_throttle_and_weight) {
    // A real block device of this host.
    std::string dev;
    for (const auto& e : fsys::directory_iterator("/sys/block")) {
        std::string name = e.path().filename();
        if (name.rfind("loop", 0) == 0 || name.rfind("ram", 0) == 0) continue;
        dev = trimmed(slurp(e.path().string() + "/dev"));
        if (!dev.empty()) break;
    }
    BOOST_REQUIRE_MESSAGE(!dev.empty(), "no block device on this host");
    auto colon = dev.find(':');
    int64_t major = std::stoll(dev.substr(0, colon)), minor = std::stoll(dev.substr(colon + 1));
    Scoped s;
    oci::Resources r;
    r.blockIO = oci::BlockIoResources{};
    r.blockIO->throttleReadBpsDevice.push_back({major, minor, 1048576});
    r.blockIO->throttleWriteIOPSDevice.push_back({major, minor, 100});
    s.m.apply(r);
    const Node* b = s.m.node_for("blkio");
    BOOST_REQUIRE(b);
    BOOST_TEST(contains(slurp(b->dir + "/blkio.throttle.read_bps_device"), dev + " 1048576"));
    BOOST_TEST(contains(slurp(b->dir + "/blkio.throttle.write_iops_device"), dev + " 100"));
    oci::Resources w;
    w.blockIO = oci::BlockIoResources{};
    w.blockIO->weight = 300;
    bool has_weight =
        fsys::exists(b->dir + "/blkio.weight") || fsys::exists(b->dir + "/blkio.bfq.weight");
    auto msg = error_of([&] { s.m.apply(w); });
    if (has_weight) {
        BOOST_TEST(msg == "");
        std::string v =
            slurp(b->dir +
                  (fsys::exists(b->dir + "/blkio.weight") ? "/blkio.weight" : "/blkio.bfq.weight"));
        BOOST_TEST(contains(v, "300"), v);
    } else {
        BOOST_TEST(contains(msg, "/blockIO/weight: no I/O scheduler with weights"), msg);
    }
}

BOOST_AUTO_TEST_CASE(v1_devices_enforced_and_updated) {
    Scoped s;
    const Node* d = s.m.node_for("devices");
    BOOST_REQUIRE_MESSAGE(d && !d->unified, "no v1 devices hierarchy");
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
    oci::Resources r;
    r.devices = {rule(false, "a", std::nullopt, std::nullopt, "rwm"), rule(true, "c", 1, 3, "rwm")};
    s.m.apply(r);
    BOOST_TEST(trimmed(slurp(d->dir + "/devices.list")) == "c 1:3 rwm");
    auto probe = [&] {
        Child c([](int fd) {
            int a = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            int ea = a < 0 ? errno : 0;
            int b = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
            int eb = b < 0 ? errno : 0;
            report(fd, std::to_string(ea) + " " + std::to_string(eb));
            return 0;
        });
        s.m.enter(c.pid());
        c.release();
        auto line = c.read_line();
        c.wait();
        return line;
    };
    BOOST_TEST(probe() == "0 " + std::to_string(EPERM));
    // Update: add /dev/zero read-only (diffed against devices.list).
    r.devices.push_back(rule(true, "c", 1, 5, "r"));
    s.m.apply(r, {"rt update", true});
    std::string list = slurp(d->dir + "/devices.list");
    BOOST_TEST(contains(list, "c 1:3 rwm"), list);
    BOOST_TEST(contains(list, "c 1:5 r"), list);
    BOOST_TEST(probe() == "0 0");
}

BOOST_AUTO_TEST_CASE(unified_and_network_on_this_host) {
    Scoped s;
    oci::Resources r;
    if (host().unified && host().unified->has("hugetlb") && !host().v1_for("hugetlb")) {
        r.unified["hugetlb.2MB.max"] = "2097152";
        s.m.apply(r);
        BOOST_TEST(trimmed(slurp(s.m.unified_node()->dir + "/hugetlb.2MB.max")) == "2097152");
    }
    if (host().v1_for("memory") && host().unified) {
        oci::Resources mem;
        mem.unified["memory.high"] = "1000000";
        auto msg = error_of([&] { s.m.apply(mem); });
        BOOST_TEST(contains(msg, "/unified/memory.high: the memory controller is on cgroup v1"),
                   msg);
    }
    oci::Resources net;
    net.network = oci::NetworkResources{};
    net.network->classID = 0x100001;
    auto msg = error_of([&] { s.m.apply(net); });
    if (host().v1_for("net_cls")) {
        BOOST_TEST(msg == "");
        BOOST_TEST(file(s.m, "net_cls", "net_cls.classid") == "1048577");
    } else {
        BOOST_TEST(contains(msg,
                            "config.json: /linux/resources/network/classID: the net_cls controller "
                            "is not available"),
                   msg);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(processes)

// A child that counts as fast as it can into shared memory.
struct Counter {
    SharedCounter counter;
    Child child;
    Counter()
        : child([this](int) {
              for (;;) counter.value->fetch_add(1);
              return 0;
          }) {}
};

void check_freeze_stops_counting(Manager& m, const std::string& events_or_state) {
    Counter c;
    m.enter(c.child.pid());
    c.child.release();
    while (c.counter.get() == 0) sleep_ms(1);
    m.freeze();
    BOOST_TEST((m.freezer_state() == FreezerState::Frozen));
    BOOST_TEST_MESSAGE(events_or_state << ": " << slurp(events_or_state));
    uint64_t a = c.counter.get();
    sleep_ms(200);
    uint64_t b = c.counter.get();
    BOOST_TEST(a == b);  // not one increment while frozen
    m.thaw();
    BOOST_TEST((m.freezer_state() == FreezerState::Thawed));
    uint64_t before = c.counter.get();
    for (int i = 0; i < 2000 && c.counter.get() == before; ++i) sleep_ms(1);
    BOOST_TEST(c.counter.get() > before);
}

BOOST_AUTO_TEST_CASE(freezer_stops_a_busy_loop) {
    Scoped s;
    const Node* u = s.m.unified_node();
    check_freeze_stops_counting(
        s.m, u ? u->dir + "/cgroup.events" : s.m.node_for("freezer")->dir + "/freezer.state");
    if (u) BOOST_TEST(contains(slurp(u->dir + "/cgroup.events"), "frozen 0"));
}

BOOST_AUTO_TEST_CASE(v1_freezer_path) {
    Scoped s;
    BOOST_REQUIRE_MESSAGE(s.m.node_for("freezer"), "no v1 freezer on this host");
    // The same cgroup seen without its cgroup2 node: freeze must use freezer.state.
    rapidjson::Document d;
    d.Parse(s.m.serialize().c_str());
    auto& nodes = d["nodes"];
    for (auto it = nodes.Begin(); it != nodes.End();) {
        if ((*it)["unified"].GetBool())
            it = nodes.Erase(it);
        else
            ++it;
    }
    for (auto& n : nodes.GetArray()) n["created"].Clear();  // destroy stays with s.m
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    d.Accept(w);
    Manager v1 = Manager::load(buf.GetString());
    BOOST_REQUIRE(v1.unified_node() == nullptr);
    std::string state = v1.node_for("freezer")->dir + "/freezer.state";
    check_freeze_stops_counting(v1, state);
    BOOST_TEST(trimmed(slurp(state)) == "THAWED");
}

BOOST_AUTO_TEST_CASE(kill_all_signals_every_process) {
    for (int sig : {SIGTERM, SIGKILL}) {
        Scoped s;
        Child parent([](int fd) {
            std::string pids;
            for (int i = 0; i < 2; ++i) {
                pid_t p = ::fork();
                if (p == 0) {
                    ::pause();
                    ::_exit(0);
                }
                pids += std::to_string(p) + " ";
            }
            report(fd, pids);
            for (;;) ::pause();
            return 0;
        });
        s.m.enter(parent.pid());
        parent.release();
        std::string line = parent.read_line();
        std::istringstream in(line);
        std::vector<pid_t> expected{parent.pid()};
        pid_t p;
        while (in >> p) expected.push_back(p);
        std::sort(expected.begin(), expected.end());
        BOOST_TEST(s.m.pids() == expected);
        s.m.kill_all(sig);
        BOOST_TEST(s.m.wait_empty(10000));
        BOOST_TEST(s.m.pids().empty());
        int status = parent.wait();
        BOOST_TEST(WIFSIGNALED(status));
        BOOST_TEST(WTERMSIG(status) == sig);
    }
}

int g_report_fd = -1;
void on_usr1(int) {
    if (::write(g_report_fd, "usr1\n", 5) < 0) {
    }
}

BOOST_AUTO_TEST_CASE(signals_to_a_paused_container_wait_for_resume) {
    Scoped s;
    Child c([](int fd) {
        g_report_fd = fd;
        (void)::signal(SIGUSR1, on_usr1);
        report(fd, "ready");
        for (;;) ::pause();
        return 0;
    });
    s.m.enter(c.pid());
    c.release();
    BOOST_REQUIRE(c.read_line() == "ready");
    s.m.freeze();
    s.m.kill_all(SIGUSR1);  // must not thaw a paused container
    BOOST_TEST((s.m.freezer_state() == FreezerState::Frozen));
    BOOST_TEST(c.read_line(300) == "");  // a frozen process runs no handler
    s.m.thaw();
    BOOST_TEST(c.read_line() == "usr1");
}

BOOST_AUTO_TEST_CASE(stats_hold_real_numbers) {
    Scoped s;
    Child c([](int fd) {
        burn_cpu_ms(50);
        void* p =
            ::mmap(nullptr, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        std::memset(p, 1, 8 << 20);
        report(fd, "ready");
        ::pause();
        return 0;
    });
    s.m.enter(c.pid());
    c.release();
    BOOST_REQUIRE(c.read_line() == "ready");
    auto st = s.m.stats();
    BOOST_TEST(st.cpu.usage.total >= 50000000u);
    BOOST_TEST(st.cpu.usage.user + st.cpu.usage.kernel > 0u);
    if (s.m.node_for("cpuacct"))
        BOOST_TEST(st.cpu.usage.percpu.size() ==
                   static_cast<size_t>(::sysconf(_SC_NPROCESSORS_CONF)));
    BOOST_TEST(st.memory.usage.usage >= (8u << 20));
    BOOST_TEST(st.memory.raw.size() > 5u);
    BOOST_TEST(st.pids.current == 1u);
    rapidjson::Document d;
    d.Parse(stats_event_json("c1", st).c_str());
    BOOST_REQUIRE(!d.HasParseError());
    BOOST_TEST(d["data"]["cpu"]["usage"]["total"].GetUint64() == st.cpu.usage.total);
    BOOST_TEST(d["data"]["memory"]["usage"]["usage"].GetUint64() >= (8u << 20));
    BOOST_TEST(d["data"]["pids"]["current"].GetUint64() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(zz_leaks)

BOOST_AUTO_TEST_CASE(no_cgroup_left_behind) {
    auto after = our_cgroup_dirs(host());
    BOOST_TEST(after == g_before);
    for (const auto& d : after) BOOST_TEST_MESSAGE("leaked: " << d);
}

BOOST_AUTO_TEST_SUITE_END()
