// config-linux.md "cgroups" resources that the first pass left out: hugepageLimits, blockIO and
// a pids limit of 0. Each reads the limit in the container's own cgroup, wherever the runtime
// put it: the hierarchy that holds the controller in this mount namespace (v1 or v2) and the
// path in /proc/PID/cgroup (conformance/lib/cgroups.hpp).
#include <fcntl.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "cgroups.hpp"
#include "suite.hpp"

namespace fs = std::filesystem;
using namespace conformance;

#define LIFECYCLE "verb:create", "verb:start", "verb:state", "verb:kill", "verb:delete"

namespace {

// The hugepage sizes of this kernel in the spec's notation ("2MB", "1GB") with their bytes.
std::vector<std::pair<std::string, uint64_t>> hugepage_sizes() {
    std::vector<std::pair<std::string, uint64_t>> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/sys/kernel/mm/hugepages", ec)) {
        std::string name = e.path().filename().string();  // hugepages-2048kB
        if (name.rfind("hugepages-", 0) != 0) continue;
        uint64_t kb = std::stoull(name.substr(10));
        std::string size = kb % (1024ULL * 1024) == 0 ? std::to_string(kb / 1024 / 1024) + "GB"
                           : kb % 1024 == 0           ? std::to_string(kb / 1024) + "MB"
                                                      : std::to_string(kb) + "KB";
        out.emplace_back(size, kb * 1024);
    }
    return out;
}

std::string hugetlb_missing() {
    if (hugepage_sizes().empty()) return "hugepages (/sys/kernel/mm/hugepages is empty)";
    return controller_missing("hugetlb");
}

// The whole disk that holds / (throttles apply to disks, not partitions): "maj:min".
std::string root_disk() {
    struct stat st {};
    if (::stat("/", &st) != 0) return "";
    fs::path dev = "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" +
                   std::to_string(minor(st.st_dev));
    std::error_code ec;
    dev = fs::canonical(dev, ec);
    if (ec) return "";
    if (fs::exists(dev / "partition")) dev = dev.parent_path();
    return cgroup_value(dev / "dev");
}

// The root disk's sysfs directory (/sys/dev/block/maj:min).
fs::path root_disk_sysfs() {
    return fs::canonical("/sys/dev/block/" + root_disk());
}

std::string blkio_missing() {
    if (!controller_hierarchy("blkio") && !controller_hierarchy("io"))
        return "the blkio (v1) or" + controller_missing("io").substr(3);  // "the io ..."
    if (root_disk().empty()) return "a block device under / (not found in /sys/dev/block)";
    return "";
}

// Creates a container (the probe sleeps) in its own cgroupsPath with resources; the guard
// deletes it.
struct CgroupContainer {
    Bundle b;
    std::string cg = "/" + unique_name("rt-conformance");
    std::string id = unique_name("resources");
    std::unique_ptr<ContainerGuard> guard;
    int pid = 0;

    explicit CgroupContainer(const std::string& resources) {
        b.config.set_string("/linux/cgroupsPath", cg);
        b.config.set("/linux/resources", resources);
        b.config.args({"/bin/rt-probe", "sleep"});
        guard = std::make_unique<ContainerGuard>(runtime(), id);
    }
    CgroupContainer(const CgroupContainer&) = delete;
    CgroupContainer& operator=(const CgroupContainer&) = delete;
    // The container goes first; then any cgroup a runtime left behind after a failed create
    // (crun 1.8.1 does) is removed, so the shared machine keeps nothing (rmdir: only empty ones).
    ~CgroupContainer() {
        guard.reset();
        for (const auto& mount : cgroup_mounts()) ::rmdir((mount.string() + cg).c_str());
    }
    bool create() {
        auto c = runtime().create(id, b);
        BOOST_TEST_MESSAGE("create: " << c.describe());
        if (!c.ok()) {
            BOOST_ERROR("create " << id << ": " << c.describe());
            return false;
        }
        pid = runtime().state(id)->pid;
        return pid > 0;
    }
    // The container's directory for controller, required to exist.
    fs::path dir(const std::string& controller) {
        auto d = controller_dir(pid, controller);
        BOOST_REQUIRE_MESSAGE(d, "pid " << pid << " is in no " << controller << " cgroup");
        BOOST_TEST_MESSAGE(controller << " cgroup: " << d->string());
        return *d;
    }
};

// A command whose stdout is read line by line while it runs (`events` streams until killed);
// killed and reaped on destruction.
class Streaming {
  public:
    explicit Streaming(const std::vector<std::string>& argv) {
        int fds[2];
        BOOST_REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        // argv is built before fork: the child only dup2s and execs.
        std::vector<char*> args;
        args.reserve(argv.size() + 1);
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        pid_ = ::fork();
        BOOST_REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(fds[1], 1);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        out_ = fds[0];
    }
    Streaming(const Streaming&) = delete;
    Streaming& operator=(const Streaming&) = delete;
    ~Streaming() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        ::close(out_);
    }
    // Reads until a line contains text (true) or the stream ends or stays silent for ms.
    bool wait_for(const std::string& text, int ms) {
        for (;;) {
            if (seen_.find(text) != std::string::npos) return true;
            pollfd p{out_, POLLIN, 0};
            if (::poll(&p, 1, ms) != 1) return false;
            char buf[4096];
            ssize_t n = ::read(out_, buf, sizeof buf);
            if (n <= 0) return false;
            seen_.append(buf, static_cast<size_t>(n));
        }
    }
    const std::string& seen() const { return seen_; }

  private:
    pid_t pid_ = -1;
    int out_ = -1;
    std::string seen_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cgroups)

// config-linux.md "hugepageLimits": per page size, the limit of HugeTLB reservations when the
// kernel supports reservation accounting (hugetlb.<size>.rsvd.*), else of page-fault usage;
// the cgroup goes with delete.
BOOST_AUTO_TEST_CASE(hugepage_limits_are_applied, *needs({LIFECYCLE}) * host_has(hugetlb_missing)) {
    auto sizes = hugepage_sizes();
    std::string limits;
    for (size_t i = 0; i < sizes.size(); ++i) {
        limits += (i ? "," : "") + std::string(R"({"pageSize":")") + sizes[i].first +
                  R"(","limit":)" + std::to_string((i + 3) * sizes[i].second) + "}";
    }
    CgroupContainer c(R"({"hugepageLimits":[)" + limits + "]}");
    BOOST_REQUIRE(c.create());
    fs::path dir = c.dir("hugetlb");
    bool v2 = controller_hierarchy("hugetlb")->v2;
    for (size_t i = 0; i < sizes.size(); ++i) {
        std::string base = "hugetlb." + sizes[i].first;
        fs::path rsvd = dir / (base + (v2 ? ".rsvd.max" : ".rsvd.limit_in_bytes"));
        fs::path usage = dir / (base + (v2 ? ".max" : ".limit_in_bytes"));
        fs::path file = fs::exists(rsvd) ? rsvd : usage;
        BOOST_TEST(cgroup_value(file) == std::to_string((i + 3) * sizes[i].second), file.string());
    }
    BOOST_REQUIRE(runtime().remove(c.id, true).ok());
    BOOST_TEST(!fs::exists(dir), dir.string() << " left after delete");
}

// config-linux.md "blockIO" throttle{Read,Write}{Bps,IOPS}Device on the disk that holds /:
// blkio.throttle.*_device (v1) or io.max (v2).
BOOST_AUTO_TEST_CASE(block_io_throttles_are_applied,
                     *needs({LIFECYCLE}) * host_has(blkio_missing)) {
    std::string disk = root_disk();
    auto colon = disk.find(':');
    std::string dev = R"("major":)" + disk.substr(0, colon) + R"(,"minor":)" +
                      disk.substr(colon + 1) + R"(,"rate":)";
    CgroupContainer c(R"({"blockIO":{"throttleReadBpsDevice":[{)" + dev + R"(1048576}],
        "throttleWriteBpsDevice":[{)" +
                      dev + R"(2097152}],
        "throttleReadIOPSDevice":[{)" +
                      dev + R"(1000}],
        "throttleWriteIOPSDevice":[{)" +
                      dev + R"(2000}]}})");
    BOOST_REQUIRE(c.create());
    bool v2 = !controller_hierarchy("blkio");
    fs::path dir = c.dir(v2 ? "io" : "blkio");
    if (v2) {
        BOOST_TEST(cgroup_value(dir / "io.max") ==
                   disk + " rbps=1048576 wbps=2097152 riops=1000 wiops=2000");
    } else {
        BOOST_TEST(cgroup_value(dir / "blkio.throttle.read_bps_device") == disk + " 1048576");
        BOOST_TEST(cgroup_value(dir / "blkio.throttle.write_bps_device") == disk + " 2097152");
        BOOST_TEST(cgroup_value(dir / "blkio.throttle.read_iops_device") == disk + " 1000");
        BOOST_TEST(cgroup_value(dir / "blkio.throttle.write_iops_device") == disk + " 2000");
    }
}

// config-linux.md "blockIO" weight: the group's default weight, in the file of whichever
// proportional scheduler the kernel has (v1: blkio.weight (CFQ) or blkio.bfq.weight; v2:
// io.bfq.weight or io.weight, where runtimes convert the 10-1000 scale: only "changed" is
// checked there).
BOOST_AUTO_TEST_CASE(
    block_io_weight_is_applied, *needs({LIFECYCLE}) * host_has([] {
        std::string why = blkio_missing();
        if (!why.empty()) return why;
        std::string list = cgroup_value(root_disk_sysfs() / "queue/scheduler");
        if (list.find("bfq") == std::string::npos && list.find("cfq") == std::string::npos)
            return "a proportional I/O scheduler with cgroup weights (bfq or cfq; the root disk "
                   "offers only " +
                   list + ")";
        return std::string();
    })) {
    CgroupContainer c(R"({"blockIO":{"weight":500}})");
    BOOST_REQUIRE(c.create());
    bool v2 = !controller_hierarchy("blkio");
    fs::path dir = c.dir(v2 ? "io" : "blkio");
    std::vector<std::string> files =
        v2 ? std::vector<std::string>{"io.bfq.weight", "io.weight"}
           : std::vector<std::string>{"blkio.weight", "blkio.bfq.weight"};
    std::string file;
    for (const auto& f : files) {
        if (file.empty() && fs::exists(dir / f)) file = f;
    }
    BOOST_REQUIRE_MESSAGE(!file.empty(), "no weight file in " << dir);
    std::string value = cgroup_value(dir / file);
    if (v2)
        BOOST_TEST(value != "default 100", file << " is still the default");
    else
        BOOST_TEST(value == "500", file);
}

// A loop device over a sparse temp file, with the bfq scheduler (per-device weights need a
// proportional scheduler on the device; the root disk's is not ours to change). Detached on
// destruction.
class BfqLoopDevice {
  public:
    BfqLoopDevice() {
        std::ofstream(file_.path() / "disk").flush();
        fs::resize_file(file_.path() / "disk", 16 << 20);
        auto r = run_command({kLosetup, "--find", "--show", (file_.path() / "disk").string()});
        BOOST_REQUIRE_MESSAGE(r.ok(), "losetup: " << r.describe());
        device_ = r.out.substr(0, r.out.find('\n'));  // /dev/loopN
        fs::path sys = "/sys/block" / fs::path(device_).filename();
        std::ofstream(sys / "queue/scheduler") << "bfq";
        BOOST_REQUIRE_MESSAGE(
            cgroup_value(sys / "queue/scheduler").find("[bfq]") != std::string::npos,
            device_ << ": bfq not selected");
        dev_ = cgroup_value(sys / "dev");
    }
    BfqLoopDevice(const BfqLoopDevice&) = delete;
    BfqLoopDevice& operator=(const BfqLoopDevice&) = delete;
    ~BfqLoopDevice() {
        if (!device_.empty()) run_command({kLosetup, "--detach", device_});
    }
    const std::string& dev() const { return dev_; }  // "7:N"

    static constexpr const char* kLosetup = "/usr/sbin/losetup";

  private:
    TempDir file_;
    std::string device_, dev_;
};

// config-linux.md "blockIO" weightDevice: the weight of one device (a test loop device with
// bfq), in blkio.weight_device (CFQ) / blkio.bfq.weight_device (v1) or io.bfq.weight (v2).
BOOST_AUTO_TEST_CASE(
    block_io_weight_device_is_applied, *needs({LIFECYCLE}) * host_has([] {
        std::string why = blkio_missing();
        if (!why.empty()) return why;
        if (!fs::exists("/dev/loop-control") || !fs::exists(BfqLoopDevice::kLosetup))
            return std::string("loop devices (/dev/loop-control, losetup) for a test disk");
        if (cgroup_value(root_disk_sysfs() / "queue/scheduler").find("bfq") == std::string::npos)
            return std::string("the bfq I/O scheduler (per-device weights need it)");
        return std::string();
    })) {
    BfqLoopDevice loop;
    const std::string& disk = loop.dev();
    auto colon = disk.find(':');
    CgroupContainer c(R"({"blockIO":{"weightDevice":[{"major":)" + disk.substr(0, colon) +
                      R"(,"minor":)" + disk.substr(colon + 1) + R"(,"weight":300}]}})");
    BOOST_REQUIRE(c.create());
    bool v2 = !controller_hierarchy("blkio");
    fs::path dir = c.dir(v2 ? "io" : "blkio");
    std::string file = v2 ? "io.bfq.weight"
                          : (fs::exists(dir / "blkio.weight_device") ? "blkio.weight_device"
                                                                     : "blkio.bfq.weight_device");
    BOOST_TEST(cgroup_value(dir / file).find(disk + " 300") != std::string::npos,
               file << ": " << cgroup_value(dir / file));
    BOOST_REQUIRE(runtime().remove(c.id, true).ok());  // before the loop device goes
}

// config-linux.md "cpu" realtimeRuntime / realtimePeriod: the cgroup's real-time budget
// (cpu.rt_runtime_us / cpu.rt_period_us, which exist only with CONFIG_RT_GROUP_SCHED, on v1).
BOOST_AUTO_TEST_CASE(cpu_realtime_is_applied,
                     *needs({LIFECYCLE}) * host_controllers({"cpu"}, true) * host_has([] {
                         auto cpu = controller_hierarchy("cpu");
                         return fs::exists(cpu->mount / "cpu.rt_runtime_us")
                                    ? std::string()
                                    : std::string("real-time group scheduling (cpu.rt_runtime_us)");
                     })) {
    CgroupContainer c(R"({"cpu":{"realtimeRuntime":20000,"realtimePeriod":500000}})");
    BOOST_REQUIRE(c.create());
    BOOST_TEST(cgroup_value(c.dir("cpu") / "cpu.rt_period_us") == "500000");
    BOOST_TEST(cgroup_value(c.dir("cpu") / "cpu.rt_runtime_us") == "20000");
}

// config-linux.md "cpu" idle (runtime-spec 1.1): 1 makes the cgroup SCHED_IDLE (cpu.idle, v1 and
// v2).
BOOST_AUTO_TEST_CASE(cpu_idle_is_applied,
                     *needs({LIFECYCLE, "spec:1.1.0"}) * host_controllers({"cpu"}) * host_has([] {
                         auto cpu = controller_hierarchy("cpu");
                         return fs::exists(cpu->mount / "cpu.idle")
                                    ? std::string()
                                    : std::string("cpu.idle (Linux 5.15)");
                     })) {
    CgroupContainer c(R"({"cpu":{"idle":1}})");
    BOOST_REQUIRE(c.create());
    BOOST_TEST(cgroup_value(c.dir("cpu") / "cpu.idle") == "1");
}

// config-linux.md "cpu" burst (runtime-spec 1.1): cpu.cfs_burst_us (v1) or cpu.max.burst (v2).
BOOST_AUTO_TEST_CASE(cpu_burst_is_applied,
                     *needs({LIFECYCLE, "spec:1.1.0"}) * host_controllers({"cpu"}) * host_has([] {
                         auto cpu = controller_hierarchy("cpu");
                         return cpu->v2 || fs::exists(cpu->mount / "cpu.cfs_burst_us")
                                    ? std::string()
                                    : std::string("cpu.cfs_burst_us");
                     })) {
    CgroupContainer c(R"({"cpu":{"quota":50000,"period":100000,"burst":20000}})");
    BOOST_REQUIRE(c.create());
    bool v2 = controller_hierarchy("cpu")->v2;
    BOOST_TEST(cgroup_value(c.dir("cpu") / (v2 ? "cpu.max.burst" : "cpu.cfs_burst_us")) == "20000");
}

// config-linux.md "unified": a cgroup v2 file set as given, with its controller enabled for
// the cgroup (hugetlb: the one v2 controller of this hybrid host).
BOOST_AUTO_TEST_CASE(unified_values_are_written, *needs({LIFECYCLE, "cgroup:v2"}) * host_has([] {
                         if (std::string why = hugetlb_missing(); !why.empty()) return why;
                         return controller_hierarchy("hugetlb")->v2
                                    ? std::string()
                                    : std::string(
                                          "hugetlb on cgroup v2 (it is a v1 controller here)");
                     })) {
    auto size = hugepage_sizes().front();
    std::string limit = std::to_string(5 * size.second);
    CgroupContainer c(R"({"unified":{"hugetlb.)" + size.first + R"(.max":")" + limit + R"("}})");
    BOOST_REQUIRE(c.create());
    BOOST_TEST(cgroup_value(c.dir("hugetlb") / ("hugetlb." + size.first + ".max")) == limit);
}

// config-linux.md "cgroupsPath": given the same value, the runtime MUST consistently attach to
// the same place: a second container with the cgroupsPath of a running one shares its cgroup
// (of every controller), unless the runtime refuses the value ("Runtimes MAY consider certain
// cgroupsPath values to be invalid, and MUST generate an error": rt refuses a cgroup that
// already has processes; runc and crun join it).
BOOST_AUTO_TEST_CASE(same_cgroups_path_is_the_same_cgroup,
                     *needs({LIFECYCLE}) * host_controllers({"pids"})) {
    CgroupContainer first(R"({})");
    BOOST_REQUIRE(first.create());
    CgroupContainer second(R"({})");
    second.cg = first.cg;
    second.b.config.set_string("/linux/cgroupsPath", first.cg);
    auto c = runtime().create(second.id, second.b);
    if (!c.ok()) {
        BOOST_TEST_MESSAGE("the shared cgroupsPath was refused: " << c.describe());
        BOOST_TEST(!runtime().state(second.id), "a refused create left a container");
        return;
    }
    second.pid = runtime().state(second.id)->pid;
    for (const char* ctrl :
         {"pids", "memory", "cpu", "cpuset", "blkio", "devices", "freezer", "hugetlb"}) {
        auto h = controller_hierarchy(ctrl);
        if (!h) continue;
        auto a = controller_dir(first.pid, ctrl), b = controller_dir(second.pid, ctrl);
        BOOST_REQUIRE(a && b);
        BOOST_TEST(*a == *b, ctrl << ": " << *a << " vs " << *b);
        if (h->root == "/")
            BOOST_TEST(*a == h->mount / first.cg.substr(1), ctrl << ": not at cgroupsPath");
    }
}

// config-linux.md "pids": "0 is a valid limit value ... and SHOULD be treated as such by
// runtimes": pids.max is 0 (the init is already in the cgroup; it only cannot fork).
BOOST_AUTO_TEST_CASE(pids_limit_zero_is_a_limit, *needs({LIFECYCLE}) * host_controllers({"pids"})) {
    CgroupContainer c(R"({"pids":{"limit":0}})");
    BOOST_REQUIRE(c.create());
    BOOST_TEST(cgroup_value(c.dir("pids") / "pids.max") == "0");
}

// config-linux.md "network": classID in net_cls.classid, each priority as "<name> <prio>" in
// net_prio.ifpriomap (v1 controllers only: cgroup v2 has neither).
BOOST_AUTO_TEST_CASE(network_class_and_priorities_are_applied,
                     *needs({LIFECYCLE}) * host_controllers({"net_cls", "net_prio"}, true)) {
    CgroupContainer c(
        R"({"network":{"classID":1048577,"priorities":[{"name":"lo","priority":5}]}})");
    BOOST_REQUIRE(c.create());
    BOOST_TEST(cgroup_value(c.dir("net_cls") / "net_cls.classid") == "1048577");
    std::string map = cgroup_value(c.dir("net_prio") / "net_prio.ifpriomap");
    BOOST_TEST(("\n" + map + "\n").find("\nlo 5\n") != std::string::npos, map);
}

// The first RDMA device of this host ("" when there is none).
static std::string first_rdma_device() {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/sys/class/infiniband", ec))
        return e.path().filename().string();
    return "";
}

// config-linux.md "rdma": per device, "<device> hca_handle=N hca_object=M" in rdma.max.
BOOST_AUTO_TEST_CASE(rdma_limits_are_applied, *needs({LIFECYCLE}) * host_has([] {
                         if (std::string m = controller_missing("rdma"); !m.empty()) return m;
                         return first_rdma_device().empty()
                                    ? std::string("an RDMA device (/sys/class/infiniband)")
                                    : std::string();
                     })) {
    std::string dev = first_rdma_device();
    CgroupContainer c(R"({"rdma":{")" + dev + R"(":{"hcaHandles":3,"hcaObjects":100}}})");
    BOOST_REQUIRE(c.create());
    std::string max = cgroup_value(c.dir("rdma") / "rdma.max");
    BOOST_TEST(max.find(dev + " hca_handle=3 hca_object=100") != std::string::npos, max);
}

// runc's CLI `update` flags beyond pids, memory and cpu shares: CFS period and quota, cpuset
// cpus and mems, memory reservation, in the v1 files of the container's cgroup.
BOOST_AUTO_TEST_CASE(update_flags_change_cpu_cpuset_and_memory_reservation,
                     *needs({LIFECYCLE, "verb:update"}) *
                         host_controllers({"cpu", "cpuset", "memory"}, true)) {
    CgroupContainer c(R"({"memory":{"limit":134217728},"cpu":{"shares":1024}})");
    BOOST_REQUIRE(c.create());
    auto u =
        runtime().cmd({"update", "--cpu-period", "200000", "--cpu-quota", "30000", "--cpuset-cpus",
                       "0", "--cpuset-mems", "0", "--memory-reservation", "33554432", c.id});
    BOOST_REQUIRE_MESSAGE(u.ok(), u.describe());
    BOOST_TEST(cgroup_value(c.dir("cpu") / "cpu.cfs_period_us") == "200000");
    BOOST_TEST(cgroup_value(c.dir("cpu") / "cpu.cfs_quota_us") == "30000");
    BOOST_TEST(cgroup_value(c.dir("cpuset") / "cpuset.cpus") == "0");
    BOOST_TEST(cgroup_value(c.dir("cpuset") / "cpuset.mems") == "0");
    BOOST_TEST(cgroup_value(c.dir("memory") / "memory.soft_limit_in_bytes") == "33554432");
}

// runc's CLI `update --blkio-weight`, in the weight file of the proportional scheduler the
// kernel has (v1: blkio.weight or blkio.bfq.weight).
BOOST_AUTO_TEST_CASE(update_blkio_weight,
                     *needs({LIFECYCLE, "verb:update"}) * host_controllers({"blkio"}, true) *
                         host_has([] {
                             std::string list = cgroup_value(root_disk_sysfs() / "queue/scheduler");
                             return list.find("bfq") == std::string::npos &&
                                            list.find("cfq") == std::string::npos
                                        ? "a proportional I/O scheduler "
                                          "(bfq or cfq) on the root disk"
                                        : "";
                         })) {
    CgroupContainer c(R"({"pids":{"limit":100}})");
    BOOST_REQUIRE(c.create());
    auto u = runtime().cmd({"update", "--blkio-weight", "300", c.id});
    BOOST_REQUIRE_MESSAGE(u.ok(), u.describe());
    fs::path dir = c.dir("blkio");
    std::string file = fs::exists(dir / "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
    BOOST_TEST(cgroup_value(dir / file) == "300", file);
}

// runc's CLI `events` (streaming): an OOM kill in the container's memory cgroup is reported as
// {"type":"oom","id":ID}. The program fills a pipe reader's buffer far beyond a 16 MiB limit.
BOOST_AUTO_TEST_CASE(events_reports_an_oom,
                     *needs({LIFECYCLE, "verb:events"}) * host_controllers({"memory"})) {
    // swap = limit: no swapping instead of the OOM kill on a host with swap.
    CgroupContainer c(R"({"memory":{"limit":16777216,"swap":16777216}})");
    c.b.config.args({"/bin/sh", "-c", "/bin/busybox head -c 300m /dev/zero | /bin/busybox tail"});
    BOOST_REQUIRE(c.create());
    Streaming events(
        {runtime().path(), "--root", runtime().root(), "events", "--interval", "60s", c.id});
    BOOST_REQUIRE(runtime().start(c.id).ok());
    bool oom = events.wait_for("\"oom\"", 20000);
    BOOST_TEST(oom, "no oom event: " << events.seen());
    if (oom) {
        auto at = events.seen().find("\"oom\"");
        auto line_start = events.seen().rfind('\n', at);
        auto line_end = events.seen().find('\n', at);
        rapidjson::Document d;
        d.Parse(events.seen()
                    .substr(line_start == std::string::npos ? 0 : line_start + 1,
                            line_end == std::string::npos ? std::string::npos
                                                          : line_end - line_start - 1)
                    .c_str());
        BOOST_REQUIRE_MESSAGE(d.IsObject(), events.seen());
        BOOST_TEST(std::string(d["id"].GetString()) == c.id);
    }
}

// runc's CLI `events --stats`: one JSON object {"type":"stats","id":ID,"data":{...}} with the
// container's usage: the init counted in pids, memory and cpu time used.
BOOST_AUTO_TEST_CASE(events_stats_reports_usage,
                     *needs({LIFECYCLE, "verb:events"}) *
                         host_controllers({"pids", "memory", "cpuacct"})) {
    CgroupContainer c(R"({"pids":{"limit":100}})");
    BOOST_REQUIRE(c.create());
    BOOST_REQUIRE(runtime().start(c.id).ok());
    auto e = runtime().cmd({"events", "--stats", c.id});
    BOOST_REQUIRE_MESSAGE(e.ok(), e.describe());
    BOOST_TEST_MESSAGE("events --stats: " << e.out);
    rapidjson::Document d;
    d.Parse(e.out.c_str());
    BOOST_REQUIRE_MESSAGE(d.IsObject(), "not one JSON object: " << e.out);
    BOOST_TEST(std::string(d["type"].GetString()) == "stats");
    BOOST_TEST(std::string(d["id"].GetString()) == c.id);
    BOOST_REQUIRE(d.HasMember("data") && d["data"].IsObject());
    const auto& data = d["data"];
    BOOST_REQUIRE(data.HasMember("pids"));
    BOOST_TEST(data["pids"]["current"].GetUint64() >= 1u);
    BOOST_TEST(data["pids"]["limit"].GetUint64() == 100u);
    BOOST_TEST(data["memory"]["usage"]["usage"].GetUint64() > 0u);
    BOOST_TEST(data["cpu"]["usage"]["total"].GetUint64() > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
