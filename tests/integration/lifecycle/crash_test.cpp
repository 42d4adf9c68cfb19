// Crash consistency: rt SIGKILLed at every step boundary of create, run --net, start, exec
// and delete (RT_TEST_KILL_AT, the names of base/crash_point.hpp: a new point is covered
// without touching this file), then `rt delete -f`, leaves nothing: no state dir, no cgroup
// in any hierarchy (and the pre-existing parent cgroup is still there), no mount, no
// process, no veth on the test bridge, no IPAM reservation, no nftables element.
// Plus: a hook's children die with a create killed while the hook runs.
#define BOOST_TEST_MODULE lifecycle integration : crash consistency
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "base/crash_point.hpp"
#include "harness.hpp"

using namespace lt;
namespace fs = std::filesystem;

namespace {

std::string sh_out(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
}

// Every cgroup hierarchy mounted here (v1 controllers, name=, and cgroup2), by mount point.
std::vector<std::string> cgroup_mounts() {
    std::vector<std::string> out;
    std::istringstream in(read_file("/proc/self/mountinfo"));
    std::string line;
    while (std::getline(in, line)) {
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        std::istringstream fields(line.substr(0, dash)), tail(line.substr(dash + 3));
        std::string id, parent, devno, root, mount_point, fstype;
        fields >> id >> parent >> devno >> root >> mount_point;
        tail >> fstype;
        if ((fstype == "cgroup" || fstype == "cgroup2") && root == "/") out.push_back(mount_point);
    }
    return out;
}

// A pre-existing parent cgroup in every hierarchy: containers are made below it at
// <parent>/shared/<id>, so rt makes two levels (recorded as its own) under one it must keep.
struct ParentCgroup {
    std::string path = "/rt-crash-" + std::to_string(::getpid());
    std::vector<std::string> mounts = cgroup_mounts();
    ParentCgroup() {
        for (const auto& m : mounts) {
            std::string dir = m + path;
            BOOST_REQUIRE_MESSAGE(::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST, dir);
            // A v1 cpuset cgroup holds no task until it has cpus and mems.
            for (const char* f : {"cpuset.cpus", "cpuset.mems"})
                if (exists(m + "/" + f)) {
                    std::ofstream(dir + "/" + f) << read_file(m + "/" + f);
                }
        }
    }
    ~ParentCgroup() {
        for (const auto& m : mounts) remove_tree(m + path);
    }
    static void remove_tree(const std::string& dir) {
        if (DIR* d = ::opendir(dir.c_str())) {
            std::vector<std::string> children;
            while (dirent* e = ::readdir(d))
                if (e->d_type == DT_DIR && std::strcmp(e->d_name, ".") != 0 &&
                    std::strcmp(e->d_name, "..") != 0)
                    children.push_back(dir + "/" + e->d_name);
            ::closedir(d);
            for (const auto& c : children) remove_tree(c);
        }
        ::rmdir(dir.c_str());
    }
};

// A test subnet slot and bridge (the protocol of tests/integration/engines/lib.sh), a
// conflist for rt-bridge + rt-host-local with ipMasq and macspoofchk (nftables elements)
// and its IPAM dataDir.
struct Network {
    int index = -1;
    std::string bridge, name, conf_dir, data_dir;
    explicit Network(const std::string& dir) {
        const fs::path slots = "/run/rt-engine-tests/nets";
        fs::create_directories(slots);
        for (int i = 1; i <= 250 && index < 0; ++i) {
            fs::path slot = slots / std::to_string(i);
            if (::mkdir(slot.c_str(), 0755) != 0) {
                std::ifstream in(slot / "pid");
                int owner = 0;
                in >> owner;
                if (owner > 0 && ::kill(owner, 0) == 0) continue;
                std::error_code ec;
                fs::remove_all(slot, ec);
                sh_out("ip link del rteng" + std::to_string(i));
                if (::mkdir(slot.c_str(), 0755) != 0) continue;
            }
            std::ofstream(slot / "pid") << ::getpid();
            index = i;
        }
        BOOST_REQUIRE_MESSAGE(index > 0, "no free test subnet slot");
        bridge = "rteng" + std::to_string(index);
        name = "rtcrash" + std::to_string(index);
        conf_dir = dir + "/cni-conf";
        data_dir = dir + "/ipam";
        ::mkdir(conf_dir.c_str(), 0755);
        std::string net = std::to_string(index);
        write_file(conf_dir + "/" + name + ".conflist",
                   R"({"cniVersion":"1.0.0","name":")" + name +
                       R"(","plugins":[{"type":"rt-bridge","bridge":")" + bridge +
                       R"(","isGateway":true,"ipMasq":true,"macspoofchk":true,)"
                       R"("ipam":{"type":"rt-host-local","dataDir":")" +
                       data_dir + R"(","ranges":[[{"subnet":"10.230.)" + net + R"(.0/24"}]]}}]})");
    }
    ~Network() {
        sh_out("ip link del " + bridge);
        std::error_code ec;
        fs::remove_all("/run/rt-engine-tests/nets/" + std::to_string(index), ec);
    }
    std::vector<std::string> args() const {
        return {"--cni-conf-dir", conf_dir, "--cni-bin-dir", RT_CNI_BIN_DIR, "--net", name};
    }
    // Reserved addresses (files other than the lock and the last-reserved markers) and index
    // entries of rt-host-local.
    std::vector<std::string> reservations() const {
        std::vector<std::string> out;
        for (const std::string& d : {data_dir + "/" + name, data_dir + "/.rt-index/" + name}) {
            std::error_code ec;
            for (const auto& e : fs::directory_iterator(d, ec)) {
                std::string f = e.path().filename();
                if (f != "lock" && !f.starts_with("last_reserved_ip")) out.push_back(e.path());
            }
        }
        return out;
    }
};

// Processes started by rt for this test (hooks, their children, rt's own clones) carry
// kMarker=<test dir> in their environment; the container's processes do not (they get the
// config's), they are in its cgroups, which must be gone. Not a child subreaper: a killed
// `rt exec` leaves its clone, in the container's pid namespace, as a zombie of the reaper,
// and the container's init then cannot die (zap_pid_ns_processes) before it is reaped, while
// this test would be waiting for delete.
constexpr const char* kMarker = "RT_CRASH_TEST";

// Processes (not zombies) with marker=<value> in their environment, each given 10 s to
// finish dying (a SIGKILLed one may still be exiting); returns those still alive, killed.
std::vector<pid_t> marked_processes(const std::string& value) {
    std::string needle = std::string(kMarker) + "=" + value;
    std::vector<pid_t> found;
    for (const auto& e : fs::directory_iterator("/proc")) {
        std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string env;
        try {
            env = read_file("/proc/" + name + "/environ");
        } catch (...) {
            continue;
        }
        bool match = false;
        for (size_t pos = 0; pos < env.size();) {
            size_t end = env.find('\0', pos);
            if (end == std::string::npos) end = env.size();
            if (env.compare(pos, end - pos, needle) == 0) match = true;
            pos = end + 1;
        }
        if (match && std::stoi(name) != ::getpid()) found.push_back(std::stoi(name));
    }
    std::vector<pid_t> alive;
    for (pid_t p : found) {
        int fd = static_cast<int>(::syscall(SYS_pidfd_open, p, 0));
        if (fd < 0) continue;
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, 10000) == 0) {
            alive.push_back(p);
            ::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);  // not left behind
        }
        ::close(fd);
    }
    return alive;
}

std::string describe(pid_t pid) {
    std::string cmd;
    try {
        cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    } catch (...) {
    }
    for (auto& c : cmd)
        if (c == '\0') c = ' ';
    return std::to_string(pid) + " (" + cmd + ")";
}

class Crash {
  public:
    Crash() : net_(env_.dir()) {
        // Hooks that leave nothing when they complete.
        auto hook = [&] {
            return std::string(R"({"path":"/bin/sh","args":["sh","-c","cat >/dev/null"]})");
        };
        env_.set("/hooks", "{\"prestart\":[" + hook() + "],\"createRuntime\":[" + hook() +
                               "],\"poststart\":[" + hook() + "],\"poststop\":[" + hook() + "]}");
        env_.set("/process/args", R"(["sleep","1000"])");
    }

    Env& env() { return env_; }
    const Network& net() const { return net_; }
    std::string cgroups_path(const std::string& id) const { return parent_.path + "/shared/" + id; }
    // `rt ARGS` with RT_TEST_KILL_AT=kill_at (none when empty).
    Result rt(const std::vector<std::string>& args, const std::string& kill_at = "") {
        env_.write_config();
        std::vector<std::string> argv = {"/usr/bin/env", std::string(kMarker) + "=" + env_.dir()};
        if (!kill_at.empty()) argv.push_back("RT_TEST_KILL_AT=" + kill_at);
        argv.insert(argv.end(), {RT_BINARY, "--root", env_.root()});
        argv.insert(argv.end(), args.begin(), args.end());
        return lt::run(argv);
    }

    // What a crash at `where` may leave and `delete -f` must remove: nothing is left.
    void expect_nothing_left(const std::string& id, const std::string& where) {
        BOOST_TEST(!exists(env_.root() + "/" + id), where << ": state dir left");
        for (const auto& m : parent_.mounts) {
            BOOST_TEST(exists(m + parent_.path),
                       where << ": the pre-existing cgroup " << m + parent_.path << " was removed");
            BOOST_TEST(!exists(m + parent_.path + "/shared"),
                       where << ": cgroup left: " << m + parent_.path + "/shared");
        }
        std::string mounts = read_file("/proc/self/mountinfo");
        BOOST_TEST(mounts.find(env_.dir()) == std::string::npos, where << ": mount left");
        BOOST_TEST(mounts.find(shared_rootfs()) == std::string::npos, where << ": mount left");
        for (pid_t p : marked_processes(env_.dir()))
            BOOST_ERROR(where << ": process left: " << describe(p));
        std::string ports = sh_out("ip -o link show master " + net_.bridge);
        BOOST_TEST(ports.empty(), where << ": veth left on " << net_.bridge << ": " << ports);
        for (const auto& r : net_.reservations())
            BOOST_ERROR(where << ": IPAM reservation left: " << r);
        std::string ruleset = sh_out("nft list ruleset");
        BOOST_TEST(ruleset.find(id) == std::string::npos,
                   where << ": nftables element left for " << id);
    }

  private:
    ParentCgroup parent_;
    Env env_;
    Network net_;
};

struct Scenario {
    const char* name;
    std::vector<std::string> prefixes;  // crash points it goes through
    // Sets up what the killed command needs (a running container for exec) and returns the
    // command to kill.
    std::function<std::vector<std::string>(Crash&, const std::string& id)> prepare;
};

bool has_prefix(std::string_view point, const std::vector<std::string>& prefixes) {
    for (const auto& p : prefixes)
        if (point.starts_with(p)) return true;
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sigkill_at_every_step_then_delete_force_leaves_nothing) {
    BOOST_REQUIRE_MESSAGE(::geteuid() == 0, "needs root");
    Crash crash;
    auto create_args = [](Crash& c, const std::string& id) {
        c.env().set("/linux/cgroupsPath", "\"" + c.cgroups_path(id) + "\"");
        return std::vector<std::string>{"create", "-b", c.env().bundle(), id};
    };
    auto run_net_args = [](Crash& c, const std::string& id) {
        c.env().set("/linux/cgroupsPath", "\"" + c.cgroups_path(id) + "\"");
        std::vector<std::string> a = {"run", "-d", "-b", c.env().bundle()};
        auto n = c.net().args();
        a.insert(a.end(), n.begin(), n.end());
        a.push_back(id);
        return a;
    };
    const std::vector<Scenario> scenarios = {
        {"create", {"create.", "cgroup.", "hook."}, create_args},
        {"run --net", {"net.", "start.", "hook."}, run_net_args},
        {"exec",
         {"exec."},
         [&](Crash& c, const std::string& id) {
             Result r = c.rt(run_net_args(c, id));
             BOOST_REQUIRE_MESSAGE(r.code == 0, "run: " << r.err);
             return std::vector<std::string>{"exec", id, "true"};
         }},
        {"delete",
         {"delete.", "net.", "hook."},
         [&](Crash& c, const std::string& id) {
             Result r = c.rt(run_net_args(c, id));
             BOOST_REQUIRE_MESSAGE(r.code == 0, "run: " << r.err);
             return std::vector<std::string>{"delete", "--force", id};
         }},
    };
    std::map<std::string, int> kills;  // point -> times rt was killed there
    int runs = 0;
    for (const auto& sc : scenarios) {
        for (std::string_view point : rt::base::kCrashPoints) {
            if (!has_prefix(point, sc.prefixes)) continue;
            // Each pass of the point in turn (loops: one per cgroup dir, network, hook),
            // until the command gets through without being killed.
            for (int n = 1; n <= 64; ++n) {
                std::string at = std::string(point) + ":" + std::to_string(n);
                std::string where = std::string(sc.name) + " killed at " + at;
                std::string id = crash.env().id("crash");
                std::vector<std::string> args = sc.prepare(crash, id);
                Result r = crash.rt(args, at);
                ++runs;
                bool killed = r.code == 128 + SIGKILL;
                BOOST_TEST_MESSAGE(where << ": " << (killed ? "killed" : "not reached"));
                if (!killed)
                    BOOST_TEST(r.code == 0, where << ": not reached, and failed: " << r.err);
                Result d = crash.rt({"delete", "--force", id});
                BOOST_TEST(d.code == 0, where << ": delete -f failed: " << d.err);
                BOOST_TEST(d.err.empty(), where << ": delete -f warned: " << d.err);
                crash.expect_nothing_left(id, where);
                if (!killed) break;
                ++kills[std::string(point)];
            }
        }
    }
    // Every crash point was reached by some scenario (else this test checks nothing there).
    for (std::string_view point : rt::base::kCrashPoints)
        BOOST_TEST(kills[std::string(point)] > 0,
                   "crash point " << point << " was never reached: add it to a scenario");
    BOOST_TEST_MESSAGE(runs << " runs");
}

BOOST_AUTO_TEST_CASE(a_pre_existing_leaf_cgroup_survives_a_crash_and_delete_force) {
    // A container joining a cgroup that exists already (an engine's pod cgroup): rt did not
    // make it, so its delete must not remove it, crash or not.
    Crash crash;
    std::string id = crash.env().id("pre");
    std::string leaf = crash.cgroups_path(id);
    std::vector<std::string> made;
    for (const auto& m : cgroup_mounts()) {
        fs::create_directories(m + leaf);
        made.push_back(m + leaf);
        for (const char* f : {"cpuset.cpus", "cpuset.mems"})
            if (exists(m + "/" + f)) {
                std::string parent = m + leaf.substr(0, leaf.rfind('/'));
                std::ofstream(parent + "/" + f) << read_file(m + "/" + f);
                std::ofstream(m + leaf + "/" + f) << read_file(m + "/" + f);
            }
    }
    crash.env().set("/linux/cgroupsPath", "\"" + leaf + "\"");
    Result r = crash.rt({"create", "-b", crash.env().bundle(), id}, "create.cgroup-saved");
    BOOST_TEST(r.code == 128 + SIGKILL, r.err);
    Result d = crash.rt({"delete", "--force", id});
    BOOST_TEST(d.code == 0, d.err);
    for (const auto& dir : made) BOOST_TEST(exists(dir), dir << " was removed");
    for (const auto& dir : made) ParentCgroup::remove_tree(dir.substr(0, dir.rfind('/')));
    for (pid_t p : marked_processes(crash.env().dir()))
        BOOST_ERROR("process left: " << describe(p));
}

BOOST_AUTO_TEST_CASE(hook_children_die_with_a_create_killed_while_the_hook_runs) {
    // The hook forks a child and waits: rt is killed (from here) once the child exists. The
    // hook dies with rt (PDEATHSIG), its child is in the hook's process group, recorded in
    // the state dir: delete -f kills it.
    Crash crash;
    Env& env = crash.env();
    std::string ready = env.dir() + "/hook-child";
    env.set("/hooks", R"({"createRuntime":[{"path":"/bin/sh","args":["sh","-c",)"
                      R"("sleep 1000 & echo $! > )" +
                          ready + R"(.tmp; mv )" + ready + ".tmp " + ready + R"(; wait"]}]})");
    std::string id = env.id("hook");
    env.set("/linux/cgroupsPath", "\"" + crash.cgroups_path(id) + "\"");
    env.write_config();
    pid_t rt = ::fork();
    BOOST_REQUIRE(rt >= 0);
    if (rt == 0) {
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::setenv(kMarker, env.dir().c_str(), 1);
        ::execl(RT_BINARY, RT_BINARY, "--root", env.root().c_str(), "create", "-b",
                env.bundle().c_str(), id.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // Bounded: the hook starts within seconds of create; 60 s means it never did.
    for (int i = 0; i < 6000 && !exists(ready); ++i) ::usleep(10000);
    BOOST_REQUIRE_MESSAGE(exists(ready), "the hook did not start its child");
    int child = std::stoi(read_file(ready));
    ::kill(rt, SIGKILL);
    ::waitpid(rt, nullptr, 0);
    Result d = crash.rt({"delete", "--force", id});
    BOOST_TEST(d.code == 0, d.err);
    std::string stat = "/proc/" + std::to_string(child) + "/stat";
    bool gone = !exists(stat) || read_file(stat).find(") Z") != std::string::npos;
    BOOST_TEST(gone, "the hook's child " << child << " outlived delete -f");
    crash.expect_nothing_left(id, "hook killed");
}

BOOST_AUTO_TEST_CASE(a_cni_plugin_dies_with_a_run_killed_during_its_add) {
    // An ADD that outlived a killed rt could reserve an address after delete -f's DEL
    // released it. The plugin (a wrapper of rt-bridge) blocks in its ADD until told to go;
    // rt is killed (from here) meanwhile: the plugin must die with it, and delete -f must
    // leave nothing (DEL of the network recorded before the ADD).
    Crash crash;
    Env& env = crash.env();
    env.remove("/hooks");
    std::string bin = env.dir() + "/slow-bin", started = env.dir() + "/plugin-started";
    std::string fifo = env.dir() + "/plugin-go";
    ::mkdir(bin.c_str(), 0755);
    BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    write_file(bin + "/rt-slow", "#!/bin/sh\nif [ \"$CNI_COMMAND\" = ADD ]; then echo $$ > " +
                                     started + ".tmp; mv " + started + ".tmp " + started +
                                     "; read x < " + fifo +
                                     "; fi\nexec " RT_CNI_BIN_DIR "/rt-bridge\n");
    ::chmod((bin + "/rt-slow").c_str(), 0755);
    const Network& net = crash.net();
    std::string conf = read_file(net.conf_dir + "/" + net.name + ".conflist");
    std::string slow_name = net.name + "slow";
    auto replace = [&conf](const std::string& from, const std::string& to) {
        conf.replace(conf.find(from), from.size(), to);
    };
    replace("\"type\":\"rt-bridge\"", "\"type\":\"rt-slow\"");
    replace("\"name\":\"" + net.name + "\"", "\"name\":\"" + slow_name + "\"");
    std::string conf_dir = env.dir() + "/slow-conf";
    ::mkdir(conf_dir.c_str(), 0755);
    write_file(conf_dir + "/" + slow_name + ".conflist", conf);
    std::string id = env.id("plugin");
    env.set("/linux/cgroupsPath", "\"" + crash.cgroups_path(id) + "\"");
    env.write_config();
    std::string bins = bin + ":" RT_CNI_BIN_DIR;
    pid_t rt = ::fork();
    BOOST_REQUIRE(rt >= 0);
    if (rt == 0) {
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::setenv(kMarker, env.dir().c_str(), 1);
        ::execl(RT_BINARY, RT_BINARY, "--root", env.root().c_str(), "run", "-d", "-b",
                env.bundle().c_str(), "--cni-conf-dir", conf_dir.c_str(), "--cni-bin-dir",
                bins.c_str(), "--net", slow_name.c_str(), id.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // Bounded: the ADD starts within seconds; 60 s (or rt's exit) means it never did.
    bool rt_exited = false;
    for (int i = 0; i < 6000 && !exists(started) && !rt_exited; ++i) {
        rt_exited = ::waitpid(rt, nullptr, WNOHANG) == rt;
        ::usleep(10000);
    }
    if (!exists(started)) {
        if (!rt_exited) ::kill(rt, SIGKILL), ::waitpid(rt, nullptr, 0);
        crash.rt({"delete", "--force", id});
        BOOST_FAIL("the plugin's ADD did not start");
    }
    int plugin = std::stoi(read_file(started));
    ::kill(rt, SIGKILL);
    ::waitpid(rt, nullptr, 0);
    Result d = crash.rt({"delete", "--force", id});
    BOOST_TEST(d.code == 0, d.err);
    // A surviving plugin is still blocked on the fifo: found (and killed) by the marker scan.
    crash.expect_nothing_left(id, "plugin killed");
    std::string stat = "/proc/" + std::to_string(plugin) + "/stat";
    bool gone = !exists(stat) || read_file(stat).find(") Z") != std::string::npos;
    BOOST_TEST(gone, "the plugin " << plugin << " outlived rt");
}
