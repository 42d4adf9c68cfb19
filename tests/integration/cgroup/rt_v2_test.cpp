// The cgroup verbs through the real `rt` binary on pure cgroup v2: the test process moves to a
// private mount namespace and mounts cgroup2 over /sys/fs/cgroup (the host's v1 mounts are
// hidden for this process and the rt commands it runs; nothing is unmounted). The cgroup2
// hierarchy is the host's, with the controllers v1 leaves to it (hugetlb here) and its core
// files: create, CLONE_INTO_CGROUP, freeze, cgroup.kill, the eBPF device filter, stats.
#define BOOST_TEST_MODULE cgroup_rt_v2
#include <rapidjson/document.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
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

std::string& g_setup_error = cgit::pure_v2().error;
Layout& g_layout = cgit::pure_v2().layout;
std::vector<std::string>& g_before = cgit::pure_v2().before;
using cgit::PrivateCgroup2;

void require_setup() {
    BOOST_REQUIRE_MESSAGE(g_setup_error.empty(), "v2 setup failed: " << g_setup_error);
    BOOST_REQUIRE_MESSAGE(to_string(g_layout.kind) == "unified",
                          "not unified: " << to_string(g_layout.kind));
}

std::string cg(const std::string& path) {
    return "/sys/fs/cgroup" + path;
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(PrivateCgroup2);

BOOST_AUTO_TEST_CASE(run_is_born_in_its_cgroup_and_delete_removes_it) {
    require_setup();
    lt::Env env;
    std::string dir;
    {
        Running c(env);
        dir = cg(c.path);
        BOOST_TEST(fsys::is_directory(dir));
        BOOST_TEST(cgit::proc_cgroup(c.pid(), "") == c.path);
        BOOST_TEST(procs_of(dir) == std::vector<pid_t>{c.pid()});
        BOOST_TEST(c.status() == "running");
        // exec joins it too
        std::string pid_file = env.dir() + "/exec.pid";
        auto r = c.rt({"exec", "-d", "--pid-file", pid_file, c.id, "sleep", "1000"});
        BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
        BOOST_TEST(cgit::proc_cgroup(std::stoi(slurp(pid_file)), "") == c.path);
        r = c.rt({"delete", "--force", c.id});
        BOOST_TEST(r.code == 0, r.err);
    }
    BOOST_TEST(!fsys::exists(dir));
}

// rt exec --cgroup on cgroup v2: one sub-cgroup path (runc 1.1); a controller prefix refused.
BOOST_AUTO_TEST_CASE(exec_cgroup_joins_a_sub_cgroup) {
    require_setup();
    lt::Env env;
    Running c(env);
    const std::string sub = cg(c.path) + "/sub";
    BOOST_REQUIRE(::mkdir(sub.c_str(), 0755) == 0);
    struct Rmdir {
        std::string dir;
        ~Rmdir() { ::rmdir(dir.c_str()); }
    } rmdir_sub{sub};
    auto r = c.rt({"exec", "--cgroup", "sub", c.id, "cat", "/proc/self/cgroup"});
    BOOST_TEST(r.code == 0, r.err);
    // (the host's v1 hierarchies may show up in the container's /proc/self/cgroup too; on a
    // pure v2 host the 0:: line is the only one)
    BOOST_TEST(contains("\n" + r.out, "\n0::" + c.path + "/sub\n"), r.out);
    r = c.rt({"exec", "--cgroup", "memory:sub", c.id, "true"});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(contains(r.err, "cgroup v2 has one hierarchy"), r.err);
    r = c.rt({"exec", "--cgroup", "nosuch", c.id, "true"});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(contains(r.err, "is not an existing cgroup"), r.err);
}

BOOST_AUTO_TEST_CASE(pause_freezes_with_cgroup_freeze) {
    require_setup();
    lt::Env env;
    Running c(env, "i=0; while true; do i=$((i+1)); echo $i > /dev/shm/counter; done");
    std::string counter = "/proc/" + std::to_string(c.pid()) + "/root/dev/shm/counter";
    BOOST_REQUIRE(eventually([&] { return !trimmed(slurp(counter)).empty(); }));
    auto r = c.rt({"pause", c.id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(c.status() == "paused");
    BOOST_TEST(trimmed(slurp(cg(c.path) + "/cgroup.freeze")) == "1");
    BOOST_TEST(contains(slurp(cg(c.path) + "/cgroup.events"), "frozen 1"));
    std::string a = trimmed(slurp(counter));
    cgit::sleep_ms(300);
    BOOST_TEST(trimmed(slurp(counter)) == a);
    r = c.rt({"resume", c.id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(c.status() == "running");
    BOOST_TEST(eventually([&] {
        std::string now = trimmed(slurp(counter));
        return !now.empty() && now != a;
    }));
}

BOOST_AUTO_TEST_CASE(kill_all_ps_and_stats) {
    require_setup();
    lt::Env env;
    Running c(env, "sleep 1000 & sleep 1001 & sleep 1002");
    std::string dir = cg(c.path);
    BOOST_REQUIRE(eventually([&] { return procs_of(dir).size() == 3; }));
    auto ps = parse(c.rt({"ps", "--format", "json", c.id}).out);
    std::vector<pid_t> got;
    for (const auto& v : ps.GetArray()) got.push_back(v.GetInt());
    BOOST_TEST(got == procs_of(dir));
    auto r = c.rt({"events", "--stats", c.id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    auto st = parse(r.out);
    BOOST_TEST(std::string(st["type"].GetString()) == "stats");
    BOOST_TEST(st["data"]["cpu"]["usage"]["total"].GetUint64() > 0u);  // cpu.stat, a core file
    // Paused, then SIGKILL through cgroup.kill: everything ends.
    BOOST_REQUIRE(c.rt({"pause", c.id}).code == 0);
    r = c.rt({"kill", "--all", c.id, "KILL"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(eventually([&] { return procs_of(dir).empty(); }));
    BOOST_TEST(eventually([&] { return c.status() == "stopped"; }));
    r = c.rt({"delete", c.id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(!fsys::exists(dir));
}

// The eBPF device filter is attached: under runc's usual deny-all rule plus runc's default
// set, a device node outside it (1:11, kmsg) cannot be opened, /dev/null can.
BOOST_AUTO_TEST_CASE(device_filter_is_enforced) {
    require_setup();
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

BOOST_AUTO_TEST_CASE(hugetlb_limit_and_unavailable_controllers) {
    require_setup();
    lt::Env env;
    if (fsys::exists("/sys/kernel/mm/hugepages/hugepages-2048kB") &&
        std::find(g_layout.unified->controllers.begin(), g_layout.unified->controllers.end(),
                  "hugetlb") != g_layout.unified->controllers.end()) {
        env.set("/linux/resources",
                R"({"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]})");
        Running c(env);
        BOOST_TEST(trimmed(slurp(cg(c.path) + "/hugetlb.2MB.max")) == "4194304");
    } else {
        BOOST_TEST_MESSAGE("hugetlb part skipped: no 2MB pages or no v2 hugetlb controller");
    }
    // memory is bound to v1 on this host: not available on this cgroup2 mount. The error names
    // the field, and nothing is left.
    bool has_memory =
        std::find(g_layout.unified->controllers.begin(), g_layout.unified->controllers.end(),
                  "memory") != g_layout.unified->controllers.end();
    if (!has_memory) {
        env.set("/linux/resources", R"({"memory": {"limit": 33554432}})");
        std::string id = unique_name();
        auto r = env.rt({"run", "-d", "-b", env.bundle(), id});
        BOOST_TEST(r.code != 0);
        BOOST_TEST(contains(r.err, "config.json: /linux/resources/memory"), r.err);
        BOOST_TEST(!fsys::exists(cg("/" + id)));
        BOOST_TEST(!fsys::exists(env.root() + "/" + id));
    }
}

// Limits this cgroup2 mount cannot honour are refused naming the field; nothing is left.
BOOST_AUTO_TEST_CASE(unsupported_limits_name_the_field_and_leave_nothing) {
    require_setup();
    struct Case {
        const char* resources;
        const char* message;
    };
    const Case cases[] = {
        {R"({"unified": {"nosuch.file": "1"}})",
         "config.json: /linux/resources/unified/nosuch.file"},
        {R"({"network": {"classID": 1}})", "config.json: /linux/resources/network/classID"},
        {R"({"cpu": {"realtimeRuntime": 1000}})", "config.json: /linux/resources/cpu"},
        {R"({"pids": {"limit": 10}})", "config.json: /linux/resources/pids"},
    };
    // On a host whose cgroup2 has every controller (the test VM) pids is honoured.
    const bool has_pids = contains(slurp("/sys/fs/cgroup/cgroup.controllers"), "pids");
    for (const auto& k : cases) {
        if (has_pids && contains(k.resources, "pids")) continue;
        lt::Env env;
        env.set("/linux/resources", k.resources);
        std::string id = unique_name();
        auto r = env.rt({"run", "-d", "-b", env.bundle(), id});
        BOOST_TEST(r.code != 0, k.resources);
        BOOST_TEST(contains(r.err, k.message), k.resources << ": " << r.err);
        BOOST_TEST(!fsys::exists(cg("/" + id)), k.resources);
        BOOST_TEST(!fsys::exists(env.root() + "/" + id), k.resources);
    }
}

BOOST_AUTO_TEST_CASE(update_on_v2) {
    require_setup();
    lt::Env env;
    if (!fsys::exists("/sys/kernel/mm/hugepages/hugepages-2048kB"))
        BOOST_FAIL("needs 2MB huge pages (/sys/kernel/mm/hugepages/hugepages-2048kB)");
    Running c(env);
    auto r = c.rt({"update", "--resources", "-", c.id},
                  R"({"hugepageLimits": [{"pageSize": "2MB", "limit": 8388608}]})");
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(trimmed(slurp(cg(c.path) + "/hugetlb.2MB.max")) == "8388608");
    r = c.rt({"update", "--memory", "64m", c.id});
    if (contains(slurp("/sys/fs/cgroup/cgroup.controllers"), "memory")) {
        // a host whose cgroup2 has memory (the test VM): the update is applied
        BOOST_TEST(r.code == 0, r.err);
        BOOST_TEST(trimmed(slurp(cg(c.path) + "/memory.max")) == "67108864");
    } else {
        BOOST_TEST(r.code != 0);
        BOOST_TEST(contains(r.err, "update: /memory"), r.err);
    }
}

// Frozen through its own cgroup.freeze (not by `rt pause`), and with the init in a frozen
// cgroup below the container's (thawing a parent leaves a child's cgroup.freeze as it is):
// delete --force removes it. runc 1.1.5 removes the first one as well.
BOOST_AUTO_TEST_CASE(delete_force_of_a_container_frozen_through_cgroup_freeze) {
    require_setup();
    for (bool below : {false, true}) {
        BOOST_TEST_CONTEXT((below ? "frozen sub-cgroup" : "container's cgroup frozen")) {
            lt::Env env;
            Running c(env);
            std::string dir = cg(c.path);
            std::string frozen = dir;
            if (below) {
                frozen = dir + "/sub";
                BOOST_REQUIRE(::mkdir(frozen.c_str(), 0755) == 0);
                lt::write_file(frozen + "/cgroup.procs", std::to_string(c.pid()));
                BOOST_REQUIRE(procs_of(frozen) == std::vector<pid_t>{c.pid()});
            }
            lt::write_file(frozen + "/cgroup.freeze", "1");
            BOOST_REQUIRE(
                eventually([&] { return contains(slurp(frozen + "/cgroup.events"), "frozen 1"); }));
            auto r = c.rt({"delete", "--force", c.id});
            BOOST_TEST(r.code == 0, r.err);
            BOOST_TEST(!fsys::exists(dir));
            BOOST_TEST(!fsys::exists(env.root() + "/" + c.id));
        }
    }
}

BOOST_AUTO_TEST_CASE(zz_no_cgroup_left_behind) {
    require_setup();
    auto after = cgit::our_cgroup_dirs(g_layout);
    BOOST_TEST(after == g_before);
    for (const auto& d : after) BOOST_TEST_MESSAGE("leaked: " << d);
}
