// Controller file writes on fake v1 and v2 cgroup directories: the right file, the right
// value, the right order, and errors that name the field.
#include <boost/test/unit_test.hpp>

#include "cgroup/controllers.hpp"
#include "fake_tree.hpp"

using namespace rt;
using namespace rt::cgroup;
using namespace rt::cgroup::detail;
using namespace cgtest;

namespace {

const Fields kFields("config.json: /linux/resources");

struct V1Memory {
    TempDir t;
    Target target{t / "memory", false};
    V1Memory(bool memsw = true) {
        make_cgroup(target.dir, {"memory.limit_in_bytes", "memory.soft_limit_in_bytes",
                                 "memory.swappiness", "memory.oom_control", "memory.use_hierarchy",
                                 "memory.kmem.tcp.limit_in_bytes", "memory.usage_in_bytes"});
        if (memsw) put(target.dir + "/memory.memsw.limit_in_bytes", "9223372036854771712\n");
        put(target.dir + "/memory.limit_in_bytes", "9223372036854771712\n");
    }
};

struct V2Dir {
    TempDir t;
    Target target{t / "c", true};
    V2Dir() {
        make_cgroup(target.dir,
                    {"memory.max", "memory.swap.max", "memory.low", "memory.current", "cpu.weight",
                     "cpu.max", "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems",
                     "pids.max", "io.weight", "io.max", "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max",
                     "hugetlb.1GB.max", "rdma.max", "memory.high", "cgroup.freeze"});
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(writers)

BOOST_AUTO_TEST_CASE(v1_memory_files) {
    V1Memory m;
    WriteLog log;
    oci::MemoryResources r;
    r.limit = 64 << 20;
    r.swap = 128 << 20;
    r.reservation = 32 << 20;
    r.swappiness = 10;
    r.disableOOMKiller = true;
    r.useHierarchy = true;
    r.kernelTCP = 1 << 20;
    r.kernel = 1 << 20;  // deprecated: ignored
    apply_memory(m.target, r, kFields, false);
    BOOST_TEST(get(m.target.dir + "/memory.limit_in_bytes") == std::to_string(64 << 20));
    BOOST_TEST(get(m.target.dir + "/memory.memsw.limit_in_bytes") == std::to_string(128 << 20));
    BOOST_TEST(get(m.target.dir + "/memory.soft_limit_in_bytes") == std::to_string(32 << 20));
    BOOST_TEST(get(m.target.dir + "/memory.swappiness") == "10");
    BOOST_TEST(get(m.target.dir + "/memory.oom_control") == "1");
    BOOST_TEST(get(m.target.dir + "/memory.use_hierarchy") == "1");
    BOOST_TEST(get(m.target.dir + "/memory.kmem.tcp.limit_in_bytes") == std::to_string(1 << 20));
    BOOST_TEST(log.to("memory.kmem.limit_in_bytes").empty());
}

BOOST_AUTO_TEST_CASE(v1_memory_order_keeps_limit_below_memsw) {
    // Growing memsw: memsw first (the current limit is below the new memsw).
    {
        V1Memory m;
        put(m.target.dir + "/memory.limit_in_bytes", "1000");
        WriteLog log;
        oci::MemoryResources r;
        r.limit = 2000;
        r.swap = 4000;
        apply_memory(m.target, r, kFields, false);
        BOOST_REQUIRE_EQUAL(log.writes.size(), 2u);
        BOOST_TEST(log.writes[0].first == m.target.dir + "/memory.memsw.limit_in_bytes");
        BOOST_TEST(log.writes[1].first == m.target.dir + "/memory.limit_in_bytes");
    }
    // Shrinking below the current limit: memory first.
    {
        V1Memory m;
        put(m.target.dir + "/memory.limit_in_bytes", "9000");
        WriteLog log;
        oci::MemoryResources r;
        r.limit = 2000;
        r.swap = 4000;
        apply_memory(m.target, r, kFields, false);
        BOOST_REQUIRE_EQUAL(log.writes.size(), 2u);
        BOOST_TEST(log.writes[0].first == m.target.dir + "/memory.limit_in_bytes");
        BOOST_TEST(log.writes[1].first == m.target.dir + "/memory.memsw.limit_in_bytes");
    }
    // Unlimited memory with swap unset makes memory+swap unlimited too.
    {
        V1Memory m;
        WriteLog log;
        oci::MemoryResources r;
        r.limit = -1;
        apply_memory(m.target, r, kFields, false);
        BOOST_TEST(get(m.target.dir + "/memory.memsw.limit_in_bytes") == "-1");
        BOOST_TEST(get(m.target.dir + "/memory.limit_in_bytes") == "-1");
    }
}

BOOST_AUTO_TEST_CASE(v1_memory_errors_name_the_field) {
    V1Memory no_swap(false);
    oci::MemoryResources r;
    r.limit = 100;
    r.swap = 200;
    auto msg = error_of([&] { apply_memory(no_swap.target, r, kFields, false); });
    BOOST_TEST(
        contains(msg, "config.json: /linux/resources/memory/swap: swap accounting is not enabled"),
        msg);
    r.swap = -1;  // unlimited swap without accounting is what the host gives anyway
    BOOST_TEST(error_of([&] { apply_memory(no_swap.target, r, kFields, false); }) == "");

    V1Memory m;
    oci::MemoryResources bad;
    bad.limit = 200;
    bad.swap = 100;
    msg = error_of([&] { apply_memory(m.target, bad, kFields, false); });
    BOOST_TEST(contains(msg, "/memory/swap: memory+swap (100) must be >= the memory limit (200)"),
               msg);
    oci::MemoryResources sw;
    sw.swappiness = 101;
    msg = error_of([&] { apply_memory(m.target, sw, kFields, false); });
    BOOST_TEST(contains(msg, "/memory/swappiness: must be between 0 and 100"), msg);
}

BOOST_AUTO_TEST_CASE(check_before_update) {
    V1Memory m;
    put(m.target.dir + "/memory.usage_in_bytes", "5000\n");
    oci::MemoryResources r;
    r.limit = 4096;
    r.checkBeforeUpdate = true;
    auto msg = error_of([&] { apply_memory(m.target, r, kFields, true); });
    BOOST_TEST(contains(msg, "/memory/limit: new limit 4096 is below the current usage 5000"), msg);
    BOOST_TEST(error_of([&] { apply_memory(m.target, r, kFields, false); }) ==
               "");  // create: no check
    r.limit = 8192;
    BOOST_TEST(error_of([&] { apply_memory(m.target, r, kFields, true); }) == "");
}

BOOST_AUTO_TEST_CASE(v2_memory_files) {
    V2Dir d;
    oci::MemoryResources r;
    r.limit = 1000;
    r.swap = 3000;
    r.reservation = 500;
    r.swappiness = 60;          // no v2 equivalent: ignored (as runc)
    r.disableOOMKiller = true;  // same
    apply_memory(d.target, r, kFields, false);
    BOOST_TEST(get(d.target.dir + "/memory.max") == "1000");
    BOOST_TEST(get(d.target.dir + "/memory.swap.max") == "2000");
    BOOST_TEST(get(d.target.dir + "/memory.low") == "500");

    oci::MemoryResources unlimited;
    unlimited.limit = -1;
    apply_memory(d.target, unlimited, kFields, false);
    BOOST_TEST(get(d.target.dir + "/memory.max") == "max");
    BOOST_TEST(get(d.target.dir + "/memory.swap.max") == "max");

    oci::MemoryResources noswap;
    noswap.limit = 1000;
    noswap.swap = 1000;
    apply_memory(d.target, noswap, kFields, false);
    BOOST_TEST(get(d.target.dir + "/memory.swap.max") == "0");
}

BOOST_AUTO_TEST_CASE(v2_memory_without_swap_accounting) {
    TempDir t;
    Target target{t / "c", true};
    make_cgroup(target.dir, {"memory.max"});
    oci::MemoryResources r;
    r.limit = 1000;
    r.swap = 1000;  // no swap: fine without accounting
    BOOST_TEST(error_of([&] { apply_memory(target, r, kFields, false); }) == "");
    r.swap = 3000;
    auto msg = error_of([&] { apply_memory(target, r, kFields, false); });
    BOOST_TEST(contains(msg, "/memory/swap: swap accounting is not enabled"), msg);
    oci::MemoryResources bad;
    bad.swap = 500;
    msg = error_of([&] { apply_memory(target, bad, kFields, false); });
    BOOST_TEST(contains(msg, "/memory/swap: a swap limit needs a memory limit"), msg);
}

BOOST_AUTO_TEST_CASE(v1_cpu_files) {
    TempDir t;
    Target target{t / "cpu", false};
    make_cgroup(target.dir,
                {"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.cfs_burst_us",
                 "cpu.rt_runtime_us", "cpu.rt_period_us", "cpu.idle"});
    WriteLog log;
    oci::CpuResources c;
    c.shares = 512;
    c.quota = 20000;
    c.period = 100000;
    c.burst = 1000;
    c.realtimePeriod = 1000000;
    c.realtimeRuntime = 5000;
    c.idle = 0;
    apply_cpu(target, c, kFields);
    BOOST_TEST(get(target.dir + "/cpu.shares") == "512");
    BOOST_TEST(get(target.dir + "/cpu.cfs_quota_us") == "20000");
    BOOST_TEST(get(target.dir + "/cpu.cfs_period_us") == "100000");
    BOOST_TEST(get(target.dir + "/cpu.cfs_burst_us") == "1000");
    BOOST_TEST(get(target.dir + "/cpu.rt_period_us") == "1000000");
    BOOST_TEST(get(target.dir + "/cpu.rt_runtime_us") == "5000");
    BOOST_TEST(get(target.dir + "/cpu.idle") == "0");
    // The realtime period goes before the runtime.
    std::vector<std::string> rt;
    for (auto& [p, v] : log.writes)
        if (contains(p, "cpu.rt_")) rt.push_back(p.substr(p.rfind('/') + 1));
    BOOST_TEST((rt == std::vector<std::string>{"cpu.rt_period_us", "cpu.rt_runtime_us"}));

    oci::CpuResources unlimited;
    unlimited.quota = -1;
    apply_cpu(target, unlimited, kFields);
    BOOST_TEST(get(target.dir + "/cpu.cfs_quota_us") == "-1");
}

BOOST_AUTO_TEST_CASE(v2_cpu_files) {
    V2Dir d;
    oci::CpuResources c;
    c.shares = 1024;
    c.quota = 50000;
    c.period = 100000;
    c.burst = 10000;
    apply_cpu(d.target, c, kFields);
    BOOST_TEST(get(d.target.dir + "/cpu.weight") == "39");
    BOOST_TEST(get(d.target.dir + "/cpu.max") == "50000 100000");
    BOOST_TEST(get(d.target.dir + "/cpu.max.burst") == "10000");

    // Only the period: the current quota is kept.
    put(d.target.dir + "/cpu.max", "30000 100000\n");
    oci::CpuResources p;
    p.period = 50000;
    apply_cpu(d.target, p, kFields);
    BOOST_TEST(get(d.target.dir + "/cpu.max") == "30000 50000");

    oci::CpuResources idle;
    idle.idle = 1;
    idle.shares = 2048;  // an idle cgroup has no weight
    put(d.target.dir + "/cpu.weight", "");
    apply_cpu(d.target, idle, kFields);
    BOOST_TEST(get(d.target.dir + "/cpu.idle") == "1");
    BOOST_TEST(get(d.target.dir + "/cpu.weight") == "");
}

BOOST_AUTO_TEST_CASE(v2_cpu_errors) {
    V2Dir d;
    oci::CpuResources rt_cpu;
    rt_cpu.realtimeRuntime = 1000;
    auto msg = error_of([&] { apply_cpu(d.target, rt_cpu, kFields); });
    BOOST_TEST(
        contains(msg,
                 "/cpu/realtimeRuntime: realtime scheduling limits are not supported by cgroup v2"),
        msg);
    oci::CpuResources shares;
    shares.shares = 1;
    msg = error_of([&] { apply_cpu(d.target, shares, kFields); });
    BOOST_TEST(contains(msg, "/cpu/shares: must be between 2 and 262144"), msg);
}

BOOST_AUTO_TEST_CASE(cpuset_files_and_init) {
    V2Dir d;
    WriteLog log;
    oci::CpuResources c;
    c.cpus = "0-1";
    c.mems = "0";
    apply_cpuset(d.target, c, kFields);
    BOOST_TEST(get(d.target.dir + "/cpuset.cpus") == "0-1");
    BOOST_TEST(get(d.target.dir + "/cpuset.mems") == "0");
    BOOST_REQUIRE_EQUAL(log.writes.size(), 2u);
    BOOST_TEST(contains(log.writes[0].first, "cpuset.mems"));  // mems first

    // New v1 cpuset cgroups copy their parent's cpus/mems, top-down.
    TempDir t;
    put(t / "cpuset/cpuset.cpus", "0-3\n");
    put(t / "cpuset/cpuset.mems", "0\n");
    make_cgroup(t / "cpuset/a", {"cpuset.cpus", "cpuset.mems"});
    make_cgroup(t / "cpuset/a/b", {"cpuset.cpus", "cpuset.mems"});
    init_cpuset_dirs({t / "cpuset/a/b", t / "cpuset/a"});
    BOOST_TEST(get(t / "cpuset/a/b/cpuset.cpus") == "0-3");
    BOOST_TEST(get(t / "cpuset/a/b/cpuset.mems") == "0");
}

BOOST_AUTO_TEST_CASE(pids_values) {
    V2Dir d;
    apply_pids(d.target, {16}, kFields);
    BOOST_TEST(get(d.target.dir + "/pids.max") == "16");
    apply_pids(d.target, {-1}, kFields);
    BOOST_TEST(get(d.target.dir + "/pids.max") == "max");
    apply_pids(d.target, {0}, kFields);  // a real limit (config-linux.md), not "unset"
    BOOST_TEST(get(d.target.dir + "/pids.max") == "0");
}

BOOST_AUTO_TEST_CASE(v1_blkio_files) {
    TempDir t;
    Target target{t / "blkio", false};
    make_cgroup(target.dir,
                {"blkio.bfq.weight", "blkio.bfq.weight_device", "blkio.throttle.read_bps_device",
                 "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device",
                 "blkio.throttle.write_iops_device"});
    WriteLog log;
    oci::BlockIoResources b;
    b.weight = 300;
    b.weightDevice.push_back({8, 0, 200, std::nullopt});
    b.throttleReadBpsDevice.push_back({8, 0, 1048576});
    b.throttleWriteBpsDevice.push_back({8, 16, 2048});
    b.throttleReadIOPSDevice.push_back({8, 0, 100});
    b.throttleWriteIOPSDevice.push_back({8, 0, 50});
    apply_blkio(target, b, kFields);
    // No CFQ here: the BFQ files take the same 10-1000 scale.
    BOOST_TEST(get(target.dir + "/blkio.bfq.weight") == "300");
    BOOST_TEST(get(target.dir + "/blkio.bfq.weight_device") == "8:0 200");
    BOOST_TEST(get(target.dir + "/blkio.throttle.read_bps_device") == "8:0 1048576");
    BOOST_TEST(get(target.dir + "/blkio.throttle.write_bps_device") == "8:16 2048");
    BOOST_TEST(get(target.dir + "/blkio.throttle.read_iops_device") == "8:0 100");
    BOOST_TEST(get(target.dir + "/blkio.throttle.write_iops_device") == "8:0 50");

    oci::BlockIoResources leaf;
    leaf.leafWeight = 500;  // CFQ only
    auto msg = error_of([&] { apply_blkio(target, leaf, kFields); });
    BOOST_TEST(contains(msg, "/blockIO/leafWeight: write \"500\" to"), msg);
    BOOST_TEST(contains(msg, "does not exist"), msg);
    oci::BlockIoResources bad;
    bad.weight = 5;
    msg = error_of([&] { apply_blkio(target, bad, kFields); });
    BOOST_TEST(contains(msg, "/blockIO/weight: must be between 10 and 1000, got 5"), msg);
}

BOOST_AUTO_TEST_CASE(v2_io_files) {
    V2Dir d;
    WriteLog log;
    oci::BlockIoResources b;
    b.weight = 500;
    b.leafWeight = 300;  // no v2 equivalent: ignored
    b.weightDevice.push_back({8, 0, 1000, std::nullopt});
    b.throttleReadBpsDevice.push_back({8, 0, 1048576});
    b.throttleWriteIOPSDevice.push_back({8, 0, 0});  // 0: no limit
    apply_blkio(d.target, b, kFields);
    BOOST_TEST((log.to("io.weight") == std::vector<std::string>{"default 4950", "8:0 10000"}));
    BOOST_TEST((log.to("io.max") == std::vector<std::string>{"8:0 rbps=1048576", "8:0 wiops=max"}));

    put(d.target.dir + "/io.bfq.weight");
    WriteLog bfq_log;
    oci::BlockIoResources w;
    w.weight = 500;
    apply_blkio(d.target, w, kFields);
    BOOST_TEST((bfq_log.to("io.bfq.weight") == std::vector<std::string>{"500"}));  // raw scale
}

BOOST_AUTO_TEST_CASE(hugetlb_files) {
    V2Dir d;
    apply_hugetlb(d.target, {{"2MB", 4194304}, {"1GB", 0}}, kFields);
    BOOST_TEST(get(d.target.dir + "/hugetlb.2MB.max") == "4194304");
    BOOST_TEST(get(d.target.dir + "/hugetlb.2MB.rsvd.max") == "4194304");
    BOOST_TEST(get(d.target.dir + "/hugetlb.1GB.max") == "0");

    auto msg = error_of([&] { apply_hugetlb(d.target, {{"2MB", 1}, {"3MB", 1}}, kFields); });
    BOOST_TEST(contains(msg, "/hugepageLimits/1/pageSize: huge page size 3MB is not supported"),
               msg);
    msg = error_of([&] { apply_hugetlb(d.target, {{"2mb", 1}}, kFields); });
    BOOST_TEST(contains(msg, "/hugepageLimits/0/pageSize: expected a size like"), msg);

    TempDir t;
    Target v1{t / "hugetlb", false};
    make_cgroup(v1.dir, {"hugetlb.2MB.limit_in_bytes"});
    apply_hugetlb(v1, {{"2MB", 2097152}}, kFields);
    BOOST_TEST(get(v1.dir + "/hugetlb.2MB.limit_in_bytes") == "2097152");
}

BOOST_AUTO_TEST_CASE(network_and_rdma_files) {
    TempDir t;
    Target cls{t / "net_cls", false}, prio{t / "net_prio", false};
    make_cgroup(cls.dir, {"net_cls.classid"});
    make_cgroup(prio.dir, {"net_prio.ifpriomap"});
    WriteLog log;
    apply_net_cls(cls, 0x100001, kFields);
    BOOST_TEST(get(cls.dir + "/net_cls.classid") == "1048577");
    apply_net_prio(prio, {{"eth0", 5}, {"lo", 2}}, kFields);
    BOOST_TEST((log.to("net_prio.ifpriomap") == std::vector<std::string>{"eth0 5", "lo 2"}));
    auto msg = error_of([&] { apply_net_prio(prio, {{"a b", 1}}, kFields); });
    BOOST_TEST(contains(msg, "/network/priorities/0/name: invalid interface name"), msg);

    V2Dir d;
    std::map<std::string, oci::RdmaLimit> rdma;
    rdma["mlx5_0"] = {3, 1000};
    rdma["mlx5_1"] = {std::nullopt, 10};
    rdma["mlx5_2"] = {};
    WriteLog rlog;
    apply_rdma(d.target, rdma, kFields);
    BOOST_TEST(
        (rlog.to("rdma.max") ==
         std::vector<std::string>{"mlx5_0 hca_handle=3 hca_object=1000", "mlx5_1 hca_object=10"}));
}

BOOST_AUTO_TEST_CASE(unified_keys) {
    V2Dir d;
    apply_unified(d.target, {{"memory.high", "1000"}, {"cgroup.freeze", "0"}}, kFields, {});
    BOOST_TEST(get(d.target.dir + "/memory.high") == "1000");
    auto msg = error_of([&] {
        apply_unified(d.target, {{"memory.high", "1"}}, kFields, {"memory", "cpu"});
    });
    BOOST_TEST(
        contains(msg, "/unified/memory.high: the memory controller is on cgroup v1 on this host"),
        msg);
    msg = error_of([&] { apply_unified(d.target, {{"foo.bar", "1"}}, kFields, {}); });
    BOOST_TEST(contains(msg, "/unified/foo.bar: no such file: the foo controller is not available"),
               msg);
    msg = error_of([&] { apply_unified(d.target, {{"../x.y", "1"}}, kFields, {}); });
    BOOST_TEST(contains(msg, "not a cgroup v2 file name"), msg);
}

BOOST_AUTO_TEST_SUITE_END()
