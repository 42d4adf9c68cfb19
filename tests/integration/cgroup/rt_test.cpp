// The cgroup verbs through the real `rt` binary on busybox bundles (temporary --root,
// unique ids): limits enforced in containers, update, pause/resume, events, ps, kill --all,
// delete, exec, systemd paths, features, and no cgroup left after any create failure.
#define BOOST_TEST_MODULE cgroup_rt
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "../lifecycle/harness.hpp"
#include "rt_support.hpp"

using namespace rt::cgroup;
using cgit::contains;
using cgit::eventually;
using cgit::parse;
using cgit::procs_of;
using cgit::Running;
using cgit::slurp;
using cgit::trimmed;
using cgit::unique_name;
namespace fsys = std::filesystem;

namespace {

const Layout& host() {
    static const Layout layout = detect_layout();
    return layout;
}

// Directory of cgroup `path` on the hierarchy holding `controller`.
std::string dir_of(const std::string& controller, const std::string& path) {
    if (const V1Hierarchy* h = host().v1_for(controller)) return h->mount_point + path;
    return host().unified ? host().unified->mount_point + path : std::string();
}

// Every cgroup directory of `path` (one per hierarchy).
std::vector<std::string> all_dirs(const std::string& path) {
    std::vector<std::string> out;
    for (const auto& h : host().v1) out.push_back(h.mount_point + path);
    if (host().unified) out.push_back(host().unified->mount_point + path);
    return out;
}

// `rt ... args` in the background with stdout to a file; killed and reaped at scope exit.
struct Background {
    pid_t pid = -1;
    std::string out;
    Background(const std::vector<std::string>& argv, const std::string& file) : out(file) {
        pid = ::fork();
        if (pid == 0) {
            int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            ::dup2(fd, 1);
            std::vector<char*> a;
            a.reserve(argv.size() + 1);
            for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
            a.push_back(nullptr);
            ::execv(a[0], a.data());
            ::_exit(127);
        }
    }
    // Waits up to timeout_ms for the exit; returns the wait status or -1.
    int wait(int timeout_ms) {
        int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        pollfd p{pidfd, POLLIN, 0};
        ::poll(&p, 1, timeout_ms);
        ::close(pidfd);
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) != pid) return -1;
        pid = -1;
        return status;
    }
    ~Background() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
};

std::vector<std::string> g_before;
struct Snapshot {
    Snapshot() { g_before = cgit::our_cgroup_dirs(host()); }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(Snapshot);

BOOST_AUTO_TEST_CASE(create_joins_every_hierarchy_and_delete_removes_them) {
    lt::Env env;
    std::vector<std::string> dirs;
    {
        Running c(env);
        int pid = c.pid();
        BOOST_REQUIRE(pid > 0);
        dirs = all_dirs(c.path);
        for (const auto& d : dirs) BOOST_TEST(fsys::is_directory(d), d);
        for (const auto& h : host().v1)
            BOOST_TEST(cgit::proc_cgroup(pid, h.controllers.front()) == c.path, h.mount_point);
        if (host().unified) BOOST_TEST(cgit::proc_cgroup(pid, "") == c.path);
        BOOST_TEST(c.status() == "running");
        auto r = c.rt({"delete", "--force", c.id});
        BOOST_TEST(r.code == 0, r.err);
    }
    for (const auto& d : dirs) BOOST_TEST(!fsys::exists(d), d);
}

BOOST_AUTO_TEST_CASE(memory_hog_is_oom_killed_and_events_reports_it) {
    lt::Env env;
    env.set("/linux/resources", R"({"memory": {"limit": 33554432}})");
    env.set("/process/args", R"(["dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1"])");
    std::string id = unique_name();
    auto r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    std::string mem = dir_of("memory", "/" + id);
    BOOST_TEST(trimmed(slurp(mem + (host().v1_for("memory") ? "/memory.limit_in_bytes"
                                                            : "/memory.max"))) == "33554432");
    // `rt events` streams until the container stops: started before the hog runs.
    Background events({RT_BINARY, "--root", env.root(), "events", "--interval", "100ms", id},
                      env.dir() + "/events.txt");
    BOOST_REQUIRE(eventually([&] { return !slurp(events.out).empty(); }));  // first stats line
    r = env.rt({"start", id});
    BOOST_TEST(r.code == 0, r.err);
    int status = events.wait(20000);
    BOOST_TEST((status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0),
               "events exit " << status);
    int oom = 0, stats = 0;
    for (const auto& line : lt::lines(slurp(events.out))) {
        auto d = parse(line);
        BOOST_TEST(std::string(d["id"].GetString()) == id);
        std::string type = d["type"].GetString();
        if (type == "oom") ++oom;
        if (type == "stats") {
            ++stats;
            BOOST_TEST(d["data"]["memory"]["usage"]["limit"].GetUint64() == 33554432u);
        }
    }
    BOOST_TEST(oom >= 1);
    BOOST_TEST(stats >= 1);
    BOOST_TEST(env.status(id) == "stopped");
    BOOST_TEST(env.rt({"delete", id}).code == 0);
    BOOST_TEST(!fsys::exists(mem));
}

BOOST_AUTO_TEST_CASE(fork_bomb_stops_at_the_pids_limit) {
    lt::Env env;
    env.set("/linux/resources", R"({"pids": {"limit": 10}})");
    // The subshell forks until the kernel refuses (a refused fork ends it); its sleeps stay,
    // and the container's init then has room for one more process of its own.
    Running c(env, "(while true; do sleep 1000 & done); sleep 1000 & wait");
    std::string dir = dir_of("pids", c.path);
    BOOST_TEST(trimmed(slurp(dir + "/pids.max")) == "10");
    // The kernel counts refused forks in pids.events "max".
    BOOST_REQUIRE(eventually([&] { return procs_of(dir).size() == 10; }));
    BOOST_TEST(!contains(slurp(dir + "/pids.events"), "max 0"));
    BOOST_TEST(trimmed(slurp(dir + "/pids.current")) == "10");
    auto ps = parse(c.rt({"ps", "--format", "json", c.id}).out);
    BOOST_TEST(ps.Size() == 10u);
    auto st = parse(c.rt({"events", "--stats", c.id}).out);
    BOOST_TEST(st["data"]["pids"]["current"].GetUint64() == 10u);
    BOOST_TEST(st["data"]["pids"]["limit"].GetUint64() == 10u);
}

BOOST_AUTO_TEST_CASE(pids_limit_zero_is_a_limit) {
    lt::Env env;
    env.set("/linux/resources", R"({"pids": {"limit": 0}})");
    // config-linux.md: 0 SHOULD be treated as a limit. The init is in (it was there first);
    // its one fork attempt is refused and counted.
    Running c(env, "( : ) 2>/dev/null; exec sleep 1000");
    std::string dir = dir_of("pids", c.path);
    BOOST_TEST(trimmed(slurp(dir + "/pids.max")) == "0");
    BOOST_REQUIRE(eventually([&] { return !contains(slurp(dir + "/pids.events"), "max 0"); }));
    BOOST_TEST(trimmed(slurp(dir + "/pids.current")) == "1");
}

BOOST_AUTO_TEST_CASE(cpu_quota_period_shares_and_cpuset) {
    lt::Env env;
    long last = ::sysconf(_SC_NPROCESSORS_ONLN) - 1;
    env.set("/linux/resources",
            R"({"cpu": {"shares": 512, "quota": 20000, "period": 100000, "cpus": ")" +
                std::to_string(last) + R"(", "mems": "0"}})");
    env.sh(
        "grep Cpus_allowed_list /proc/self/status; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us "
        "2>/dev/null || true");
    std::string id = unique_name();
    auto r = env.rt({"run", "-b", env.bundle(), id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(contains(r.out, "Cpus_allowed_list:\t" + std::to_string(last)), r.out);
    // The files while it runs.
    Running c(env);
    if (host().v1_for("cpu")) {
        BOOST_TEST(trimmed(slurp(dir_of("cpu", c.path) + "/cpu.shares")) == "512");
        BOOST_TEST(trimmed(slurp(dir_of("cpu", c.path) + "/cpu.cfs_quota_us")) == "20000");
        BOOST_TEST(trimmed(slurp(dir_of("cpu", c.path) + "/cpu.cfs_period_us")) == "100000");
    } else {
        BOOST_TEST(trimmed(slurp(dir_of("cpu", c.path) + "/cpu.max")) == "20000 100000");
    }
    BOOST_TEST(trimmed(slurp(dir_of("cpuset", c.path) + "/cpuset.cpus")) == std::to_string(last));
    BOOST_TEST(trimmed(slurp(dir_of("cpuset", c.path) + "/cpuset.mems")) == "0");
}

BOOST_AUTO_TEST_CASE(pause_stops_a_busy_loop_and_resume_restarts_it) {
    lt::Env env;
    Running c(env, "i=0; while true; do i=$((i+1)); echo $i > /dev/shm/counter; done");
    std::string counter = "/proc/" + std::to_string(c.pid()) + "/root/dev/shm/counter";
    BOOST_REQUIRE(eventually([&] { return !trimmed(slurp(counter)).empty(); }));
    auto r = c.rt({"pause", c.id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(c.status() == "paused");
    BOOST_TEST(contains(c.rt({"list"}).out, "paused"));
    // Every freezer of the host shows it: the v1 freezer (what runc uses on hybrid hosts and
    // what tools read there) and cgroup2's.
    if (host().v1_for("freezer"))
        BOOST_TEST(trimmed(slurp(dir_of("freezer", c.path) + "/freezer.state")) == "FROZEN");
    if (host().unified)
        BOOST_TEST(trimmed(slurp(host().unified->mount_point + c.path + "/cgroup.freeze")) == "1");
    std::string a = trimmed(slurp(counter));
    cgit::sleep_ms(300);
    BOOST_TEST(trimmed(slurp(counter)) == a);  // not one increment while paused
    // Wrong states are refused with the status named.
    r = c.rt({"pause", c.id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(contains(r.err, "status is paused"), r.err);
    r = c.rt({"exec", c.id, "true"});
    BOOST_TEST(r.code != 0);
    r = c.rt({"resume", c.id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(c.status() == "running");
    if (host().v1_for("freezer"))
        BOOST_TEST(trimmed(slurp(dir_of("freezer", c.path) + "/freezer.state")) == "THAWED");
    if (host().unified)
        BOOST_TEST(trimmed(slurp(host().unified->mount_point + c.path + "/cgroup.freeze")) == "0");
    BOOST_TEST(eventually([&] {
        std::string now = trimmed(slurp(counter));
        return !now.empty() && now != a;
    }));
    r = c.rt({"resume", c.id});
    BOOST_TEST(contains(r.err, "status is running"), r.err);
}

// As runc: a created container can be paused; resumed, it is created again and starts.
BOOST_AUTO_TEST_CASE(pause_a_created_container) {
    lt::Env env;
    env.sh("echo started");
    std::string id = unique_name();
    auto r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    r = env.rt({"pause", id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(env.status(id) == "paused");
    // list reads the freezer dirs kept in state.json; list -q only the names.
    BOOST_TEST(contains(env.rt({"list", "--format", "json"}).out, "\"status\":\"paused\""));
    BOOST_TEST(contains(env.rt({"list", "-q"}).out, id + "\n"));
    // A record written before the freezer dirs were kept: found through cgroup.json.
    std::string state_file = env.root() + "/" + id + "/state.json";
    std::string record = slurp(state_file);
    auto at = record.find(",\"freezer\":{");
    BOOST_REQUIRE(at != std::string::npos);
    std::ofstream(state_file, std::ios::trunc) << record.substr(0, at) + "}";
    BOOST_TEST(env.status(id) == "paused");
    BOOST_TEST(contains(env.rt({"list"}).out, "paused"));
    r = env.rt({"start", id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(contains(r.err, "status is paused"), r.err);
    r = env.rt({"resume", id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(env.status(id) == "created");
    r = env.rt({"start", id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(eventually([&] { return env.status(id) == "stopped"; }));
    BOOST_TEST(env.rt({"delete", id}).code == 0);
    for (const auto& d : all_dirs("/" + id)) BOOST_TEST(!fsys::exists(d), d);
}

BOOST_AUTO_TEST_CASE(update_changes_the_live_values) {
    lt::Env env;
    env.set("/linux/resources", R"({"memory": {"limit": 134217728}, "pids": {"limit": 100}})");
    Running c(env);
    std::string mem = dir_of("memory", c.path), pids = dir_of("pids", c.path);
    const bool v1mem = host().v1_for("memory") != nullptr;
    auto limit = [&] {
        return trimmed(slurp(mem + (v1mem ? "/memory.limit_in_bytes" : "/memory.max")));
    };
    BOOST_TEST(limit() == "134217728");
    auto r = c.rt({"update", "--memory", "64m", "--pids-limit", "50", "--cpu-quota", "30000",
                   "--cpu-period", "100000", "--cpu-shares", "256", c.id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(limit() == "67108864");
    BOOST_TEST(trimmed(slurp(pids + "/pids.max")) == "50");
    if (host().v1_for("cpu")) {
        BOOST_TEST(trimmed(slurp(dir_of("cpu", c.path) + "/cpu.cfs_quota_us")) == "30000");
        BOOST_TEST(trimmed(slurp(dir_of("cpu", c.path) + "/cpu.shares")) == "256");
    }
    // --resources from stdin (the linux.resources JSON).
    r = c.rt({"update", "--resources", "-", c.id},
             R"({"memory": {"limit": 50331648}, "pids": {"limit": 20}})");
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(limit() == "50331648");
    BOOST_TEST(trimmed(slurp(pids + "/pids.max")) == "20");
    // The stored config follows (exec and later updates read it).
    auto stored = parse(slurp(env.root() + "/" + c.id + "/config.json"));
    BOOST_TEST(stored["linux"]["resources"]["memory"]["limit"].GetInt64() == 50331648);
    // Errors name the field and leave the values alone.
    r = c.rt({"update", "--resources", "-", c.id}, R"({"memory": {"limit": "x"}})");
    BOOST_TEST(r.code != 0);
    BOOST_TEST(contains(r.err, "stdin: /memory/limit"), r.err);
    r = c.rt({"update", "--resources", "-", c.id},
             R"({"memory": {"limit": 4096, "checkBeforeUpdate": true}})");
    BOOST_TEST(r.code != 0);
    BOOST_TEST(contains(r.err, "/memory/limit: new limit 4096 is below the current usage"), r.err);
    BOOST_TEST(limit() == "50331648");
    r = c.rt({"update", "--memory", "lots", c.id});
    BOOST_TEST(contains(r.err, "--memory: invalid size \"lots\""), r.err);
    r = c.rt({"update", "--blkio-weight", "5", c.id});
    BOOST_TEST(contains(r.err, "update: /blockIO/weight: must be between 10 and 1000"), r.err);
}

BOOST_AUTO_TEST_CASE(events_stats_hold_real_numbers) {
    lt::Env env;
    Running c(env, "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1000 & wait");
    BOOST_REQUIRE(
        eventually([&] { return procs_of(dir_of("pids", c.path)).size() == 2; }));  // sh + sleep
    auto r = c.rt({"events", "--stats", c.id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    auto d = parse(r.out);
    BOOST_TEST(std::string(d["type"].GetString()) == "stats");
    const auto& data = d["data"];
    BOOST_TEST(data["cpu"]["usage"]["total"].GetUint64() > 0u);
    BOOST_TEST(data["memory"]["usage"]["usage"].GetUint64() > 0u);
    BOOST_TEST(data["memory"]["raw"].MemberCount() > 5u);
    BOOST_TEST(data["pids"]["current"].GetUint64() == 2u);
    BOOST_TEST(data.HasMember("blkio"));
    BOOST_TEST(data.HasMember("hugetlb"));
    r = c.rt({"events", "--interval", "fast", c.id});
    BOOST_TEST(contains(r.err, "--interval: invalid duration"), r.err);
}

BOOST_AUTO_TEST_CASE(ps_lists_the_container_processes) {
    lt::Env env;
    Running c(env, "sleep 1000 & sleep 1001 & sleep 1002");
    std::string dir = dir_of("pids", c.path);
    BOOST_REQUIRE(eventually([&] { return procs_of(dir).size() == 3; }));
    auto expected = procs_of(dir);
    auto json = parse(c.rt({"ps", "-f", "json", c.id}).out);
    std::vector<pid_t> got;
    for (const auto& v : json.GetArray()) got.push_back(v.GetInt());
    BOOST_TEST(got == expected);
    auto table = c.rt({"ps", c.id});
    BOOST_REQUIRE_MESSAGE(table.code == 0, table.err);
    auto lines = lt::lines(table.out);
    BOOST_TEST(contains(lines.at(0), "PID"));
    BOOST_TEST(lines.size() == 4u);  // header + 3
    BOOST_TEST(contains(table.out, "sleep 1001"));
    auto custom = c.rt({"ps", c.id, "--", "-o", "pid,comm"});
    BOOST_REQUIRE_MESSAGE(custom.code == 0, custom.err);
    BOOST_TEST(lt::lines(custom.out).size() == 4u);
    for (pid_t p : expected) BOOST_TEST(contains(custom.out, std::to_string(p)));
}

BOOST_AUTO_TEST_CASE(kill_all_signals_every_process) {
    lt::Env env;
    Running c(env, "sleep 1000 & sleep 1000 & sleep 1000");
    std::string dir = dir_of("pids", c.path);
    BOOST_REQUIRE(eventually([&] { return procs_of(dir).size() == 3; }));
    auto r = c.rt({"kill", "--all", c.id, "KILL"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(eventually([&] { return procs_of(dir).empty(); }));
    BOOST_TEST(eventually([&] { return c.status() == "stopped"; }));
}

BOOST_AUTO_TEST_CASE(kill_all_sigkill_ends_a_paused_container) {
    lt::Env env;
    Running c(env, "sleep 1000 & sleep 1000 & sleep 1000");
    std::string dir = dir_of("pids", c.path);
    BOOST_REQUIRE(eventually([&] { return procs_of(dir).size() == 3; }));
    BOOST_REQUIRE(c.rt({"pause", c.id}).code == 0);
    // A signal with a handler (or ignored) stays pending while paused: still paused.
    auto r = c.rt({"kill", "--all", c.id, "CONT"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(c.status() == "paused");
    BOOST_TEST(procs_of(dir).size() == 3u);
    r = c.rt({"kill", "--all", c.id, "KILL"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(eventually([&] { return procs_of(dir).empty(); }));
    BOOST_TEST(eventually([&] { return c.status() == "stopped"; }));
}

// Not --all: the init gets SIGKILL and the paused container is thawed so that it dies (runc
// 1.1 does the same for SIGKILL only; other signals wait for `resume`).
BOOST_AUTO_TEST_CASE(sigkill_ends_a_paused_container) {
    lt::Env env;
    Running c(env, "sleep 1000");
    std::string dir = dir_of("pids", c.path);
    BOOST_REQUIRE(eventually([&] { return procs_of(dir).size() == 1; }));
    BOOST_REQUIRE(c.rt({"pause", c.id}).code == 0);
    auto r = c.rt({"kill", c.id, "TERM"});
    BOOST_TEST(r.code == 0, r.err);
    cgit::sleep_ms(100);
    BOOST_TEST(c.status() == "paused");  // no thaw for other signals
    r = c.rt({"kill", c.id, "KILL"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(eventually([&] { return procs_of(dir).empty(); }));
    BOOST_TEST(eventually([&] { return c.status() == "stopped"; }));
}

// v1 devices.allow/deny: under runc's usual deny-all rule plus runc's default set, a device
// node outside it (1:11, kmsg) cannot be opened, /dev/null can.
BOOST_AUTO_TEST_CASE(device_rules_are_enforced) {
    lt::Env env;
    env.set(
        "/process/capabilities",
        R"({"bounding": ["CAP_MKNOD"], "effective": ["CAP_MKNOD"], "permitted": ["CAP_MKNOD"]})");
    env.set("/linux/resources", R"({"devices": [{"allow": false, "access": "rwm"}]})");
    env.sh(
        "mknod /dev/kmsg2 c 1 11 && (echo x > /dev/kmsg2 && echo kmsg-open || echo kmsg-denied); "
        "(echo x > /dev/null && echo null-open)");
    auto r = env.rt({"run", "-b", env.bundle(), unique_name()});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(contains(r.out, "kmsg-denied"), r.out << r.err);
    BOOST_TEST(contains(r.out, "null-open"), r.out << r.err);
}

BOOST_AUTO_TEST_CASE(exec_joins_the_container_cgroup) {
    lt::Env env;
    Running c(env);
    std::string pid_file = env.dir() + "/exec.pid";
    auto r = c.rt({"exec", "-d", "--pid-file", pid_file, c.id, "sleep", "1000"});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    int pid = std::stoi(slurp(pid_file));
    for (const auto& h : host().v1)
        BOOST_TEST(cgit::proc_cgroup(pid, h.controllers.front()) == c.path);
    if (host().unified) BOOST_TEST(cgit::proc_cgroup(pid, "") == c.path);
}

namespace {

// The cgroup path of `controller` ("" for cgroup2) in /proc/<pid>/cgroup text.
std::string cgroup_line(const std::string& text, const std::string& controller) {
    for (const auto& line : lt::lines(text)) {
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string list = line.substr(a + 1, b - a - 1);
        if (controller.empty()
                ? list.empty()
                : ("," + list + ",").find("," + controller + ",") != std::string::npos)
            return line.substr(b + 1);
    }
    return "(none)";
}

// Sub-cgroups a test makes in the container's cgroups; removed (empty by then) first.
struct SubCgroups {
    std::vector<std::string> dirs;
    void make(const std::string& dir) {
        BOOST_REQUIRE_MESSAGE(::mkdir(dir.c_str(), 0755) == 0, "mkdir " << dir);
        dirs.push_back(dir);
        // A v1 cpuset takes no process before it has CPUs and memory nodes: the parent's.
        const std::string parent = dir.substr(0, dir.rfind('/'));
        for (const char* f : {"cpuset.cpus", "cpuset.mems"})
            if (lt::exists(parent + "/" + f))
                lt::write_file(dir + "/" + f, slurp(parent + "/" + f));
    }
    ~SubCgroups() {
        for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir(it->c_str());
    }
};

}  // namespace

// rt exec --cgroup, as runc 1.1: "controller[,controller]:path" pairs on v1, a bare path for
// every hierarchy; paths relative to the container's cgroup, existing, never above it.
BOOST_AUTO_TEST_CASE(exec_cgroup_joins_existing_sub_cgroups) {
    lt::Env env;
    Running c(env);
    const auto* memory = host().v1_for("memory");
    const auto* pids = host().v1_for("pids");
    BOOST_REQUIRE(memory && pids);
    SubCgroups subs;  // destroyed before `c`: the exec'd processes are gone by then
    subs.make(memory->mount_point + c.path + "/sub");
    subs.make(pids->mount_point + c.path + "/sub");
    for (const auto& h : host().v1) subs.make(h.mount_point + c.path + "/all");
    if (host().unified) subs.make(host().unified->mount_point + c.path + "/all");

    auto cgroups_of = [&](const std::vector<std::string>& flags) {
        std::vector<std::string> args = {"exec"};
        args.insert(args.end(), flags.begin(), flags.end());
        for (const char* a : {"cat", "/proc/self/cgroup"}) args.push_back(a);
        args.insert(args.begin() + 1 + static_cast<long>(flags.size()), c.id);
        lt::Result r = c.rt(args);
        BOOST_TEST(r.code == 0, r.err);
        return r.out;
    };
    std::string out = cgroups_of({"--cgroup", "memory:sub"});
    BOOST_TEST(cgroup_line(out, "memory") == c.path + "/sub", out);
    BOOST_TEST(cgroup_line(out, "pids") == c.path, out);
    out = cgroups_of({"--cgroup", "memory,pids:/sub/"});
    BOOST_TEST(cgroup_line(out, "memory") == c.path + "/sub", out);
    BOOST_TEST(cgroup_line(out, "pids") == c.path + "/sub", out);
    out = cgroups_of({"--cgroup", "pids:sub", "--cgroup", "memory:./sub"});
    BOOST_TEST(cgroup_line(out, "memory") == c.path + "/sub", out);
    BOOST_TEST(cgroup_line(out, "pids") == c.path + "/sub", out);
    out = cgroups_of({"--cgroup", "all"});
    for (const auto& h : host().v1)
        BOOST_TEST(cgroup_line(out, h.controllers.front()) == c.path + "/all", out);
    if (host().unified) BOOST_TEST(cgroup_line(out, "") == c.path + "/all", out);
    out = cgroups_of({});
    BOOST_TEST(cgroup_line(out, "memory") == c.path, out);

    // Refused, naming the argument, before any process exists.
    const std::pair<std::vector<std::string>, std::string> bad[] = {
        {{"--cgroup", "nosuch:sub"}, "--cgroup nosuch:sub: unknown controller \"nosuch\""},
        {{"--cgroup", "memory:../x"}, "--cgroup memory:../x: not a sub-cgroup path"},
        {{"--cgroup", "memory:missing"}, "is not an existing cgroup"},
        {{"--cgroup", "sub", "--cgroup", "memory:sub"}, "must be the only --cgroup"},
        {{"--cgroup", "a:b:c"}, "expected [<controller>[,<controller>]:]<path>"},
    };
    for (const auto& [flags, message] : bad) {
        std::vector<std::string> args = {"exec"};
        args.insert(args.end(), flags.begin(), flags.end());
        args.push_back(c.id);
        args.push_back("true");
        lt::Result r = c.rt(args);
        BOOST_TEST(r.code != 0);
        BOOST_TEST(contains(r.err, message), r.err);
        BOOST_TEST(lt::lines(r.err).size() == 1u, r.err);
    }
}

// Without a pid namespace, processes outlive the init: delete of the stopped container kills
// them through the cgroup and removes it (runc does the same).
BOOST_AUTO_TEST_CASE(delete_kills_processes_that_outlive_the_init) {
    lt::Env env;
    env.set("/linux/namespaces", R"([{"type": "mount"}, {"type": "ipc"}, {"type": "uts"}])");
    std::string id = unique_name();
    std::string dir = dir_of("pids", "/" + id);
    env.sh("sleep 1000 & exit 0");
    auto r = env.rt({"run", "-d", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_REQUIRE(eventually([&] { return env.status(id) == "stopped"; }));
    auto left = procs_of(dir);
    BOOST_REQUIRE_EQUAL(left.size(), 1u);  // the sleep, still in the cgroup
    r = env.rt({"delete", id});
    BOOST_TEST(r.code == 0, r.err);
    for (const auto& d : all_dirs("/" + id)) BOOST_TEST(!fsys::exists(d), d);
    BOOST_TEST(eventually([&] { return !fsys::exists("/proc/" + std::to_string(left[0])); }));
}

BOOST_AUTO_TEST_CASE(delete_force_of_a_paused_container) {
    lt::Env env;
    std::vector<std::string> dirs;
    {
        Running c(env, "sleep 1000 & sleep 1000");
        dirs = all_dirs(c.path);
        BOOST_REQUIRE(c.rt({"pause", c.id}).code == 0);
        auto r = c.rt({"delete", c.id});
        BOOST_TEST(r.code != 0);  // paused: needs --force
        r = c.rt({"delete", "--force", c.id});
        BOOST_TEST(r.code == 0, r.err);
    }
    for (const auto& d : dirs) BOOST_TEST(!fsys::exists(d), d);
}

// --systemd-cgroup asks systemd for a unit (tests/vm/suite/systemd-driver.sh tests it with
// systemd as PID 1). Without systemd it is one clear error, never a silent fallback to
// cgroupfs, and the failed create leaves nothing behind.
// (Skipped where systemd runs: the VM suite tests the driver itself there.)
BOOST_AUTO_TEST_CASE(systemd_cgroup_without_systemd_is_an_error,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                         return !fsys::is_directory("/run/systemd/system");
                     })) {
    lt::Env env;
    std::string slice = cgit::prefix() + ".slice";
    std::string name = unique_name();
    env.set("/linux/cgroupsPath", "\"" + slice + ":rt:" + name + "\"");
    std::string id = unique_name();
    auto r = env.rt({"--systemd-cgroup", "run", "-b", env.bundle(), id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(contains(r.err, "--systemd-cgroup: systemd is not running on this host"), r.err);
    BOOST_TEST(!fsys::exists(env.root() + "/" + id));
    for (const auto& d : all_dirs("/" + slice)) BOOST_TEST(!fsys::exists(d), d);
    // A bad systemd form is refused before that.
    env.set("/linux/cgroupsPath", "\"/not/systemd\"");
    r = env.rt({"--systemd-cgroup", "run", "-b", env.bundle(), unique_name()});
    BOOST_TEST(contains(r.err, "expected \"slice:prefix:name\""), r.err);
}

BOOST_AUTO_TEST_CASE(no_cgroup_left_after_every_create_failure) {
    struct Case {
        const char* what;
        std::function<void(lt::Env&)> setup;
        const char* message;
    };
    std::vector<Case> cases = {
        {"bad cpuset",
         [](lt::Env& e) { e.set("/linux/resources", R"({"cpu": {"cpus": "4096"}})"); },
         "config.json: /linux/resources/cpu/cpus"},
        {"unknown huge page size",
         [](lt::Env& e) {
             e.set("/linux/resources", R"({"hugepageLimits": [{"pageSize": "3MB", "limit": 0}]})");
         },
         "config.json: /linux/resources/hugepageLimits/0/pageSize"},
        {"missing controller",
         [](lt::Env& e) { e.set("/linux/resources", R"({"network": {"classID": 1}})"); },
         "/linux/resources/network/classID"},
        {"unified key on a v1 controller",
         [](lt::Env& e) { e.set("/linux/resources", R"({"unified": {"memory.high": "1"}})"); },
         "/linux/resources/unified/memory.high"},
        {"failing createRuntime hook",
         [](lt::Env& e) { e.set("/hooks", R"({"createRuntime": [{"path": "/bin/false"}]})"); },
         "createRuntime"},
        {"bad device rule",
         [](lt::Env& e) {
             e.set("/linux/resources", R"({"devices": [{"allow": true, "type": "x"}]})");
         },
         "/linux/resources/devices/0/type"},
        {"executable not found (run)",
         [](lt::Env& e) { e.set("/process/args", R"(["/nonexistent"])"); }, "nonexistent"},
    };
    if (host().v1_for("net_cls")) cases.erase(cases.begin() + 2);
    for (const auto& k : cases) {
        lt::Env env;
        k.setup(env);
        std::string id = unique_name();
        auto r = env.rt({"run", "-d", "-b", env.bundle(), id});
        BOOST_TEST(r.code != 0, k.what);
        BOOST_TEST(contains(r.err, k.message), k.what << ": " << r.err);
        for (const auto& d : all_dirs("/" + id)) BOOST_TEST(!fsys::exists(d), k.what << ": " << d);
        BOOST_TEST(!fsys::exists(env.root() + "/" + id), k.what);
    }
}

BOOST_AUTO_TEST_CASE(features_claim_the_cgroup_support) {
    auto r = lt::run({RT_BINARY, "features"});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    auto d = parse(r.out);
    const auto& cg = d["linux"]["cgroup"];
    BOOST_TEST(cg["v1"].GetBool());
    BOOST_TEST(cg["v2"].GetBool());
    BOOST_TEST(cg["systemd"].GetBool());
    BOOST_TEST(cg["rdma"].GetBool());
}

BOOST_AUTO_TEST_CASE(zz_no_cgroup_left_behind) {
    auto after = cgit::our_cgroup_dirs(host());
    BOOST_TEST(after == g_before);
    for (const auto& d : after) BOOST_TEST_MESSAGE("leaked: " << d);
}
