// delete --force (and kill) through the real `rt` binary against what happens to containers
// on real hosts: an init frozen in a v1 freezer cgroup rt does not own (how tools simulate a
// task stuck in the kernel), a container frozen through its own freezer cgroup or one below
// it, an init below a frozen ancestor, and damaged state files. delete must never hang (a
// hang is caught by ctest's TIMEOUT), remove what it can, and name what it could not in one
// line. Every freezer cgroup a test makes is thawed and removed by its guard.
#define BOOST_TEST_MODULE cgroup_rt_delete
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "../lifecycle/harness.hpp"
#include "cgroup/manager.hpp"
#include "rt_support.hpp"

using namespace rt::cgroup;
using cgit::contains;
using cgit::eventually;
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

std::string freezer_mount() {
    const V1Hierarchy* h = host().v1_for("freezer");
    return h ? h->mount_point : "";
}

// Requires a v1 freezer hierarchy (the stuck-task simulation needs one); a named failure
// otherwise, never a pass.
void require_v1_freezer() {
    BOOST_REQUIRE_MESSAGE(!freezer_mount().empty(),
                          "this host has no v1 freezer hierarchy (the test needs one)");
}

void write(const std::string& path, const std::string& text) {
    lt::write_file(path, text);
}

// A process exists and is not a zombie.
bool alive(pid_t pid) {
    std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    if (stat.empty()) return false;
    size_t close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z' &&
           stat[close + 2] != 'X';
}

// The container's cgroup directories, from the cgroup record in its state dir.
std::vector<std::string> cgroup_dirs(const lt::Env& env, const std::string& id) {
    std::vector<std::string> out;
    Manager m = Manager::load(slurp(env.root() + "/" + id + "/cgroup.json"));
    for (const auto& n : m.nodes()) out.push_back(n.dir);
    BOOST_REQUIRE(!out.empty());
    return out;
}

std::string freezer_dir_of(const std::vector<std::string>& dirs) {
    for (const auto& d : dirs)
        if (d.compare(0, freezer_mount().size() + 1, freezer_mount() + "/") == 0) return d;
    BOOST_FAIL("no freezer cgroup among the container's");
    return "";
}

bool one_line(const std::string& err) {
    return !err.empty() && err.find('\n') == err.size() - 1;
}

// Thaws dir, kills the processes in it and removes it (retrying while they exit).
bool remove_freezer(const std::string& dir) {
    lt::write_file(dir + "/freezer.state", "THAWED");
    return eventually([&] {
        for (pid_t p : procs_of(dir)) ::kill(p, SIGKILL);
        return ::rmdir(dir.c_str()) == 0 || errno == ENOENT;
    });
}

// A v1 freezer cgroup of the test's own (dir), frozen on request. At scope exit: thawed, its
// processes (a container's init the test moved in) killed, and removed. A frozen cgroup left
// behind would hang every later delete of the container's (other test runs' harnesses
// delete what dead runs left), so a watchdog does the same if the test process dies first
// (ctest's TIMEOUT kills it, and the destructors with it): a daemon, outside the test's
// process tree (ctest kills that tree), waiting for EOF on a pipe only the test holds.
struct Freezer {
    std::string dir;
    int watch_fd = -1;
    explicit Freezer(std::string d) : dir(std::move(d)) {
        BOOST_REQUIRE_MESSAGE(::mkdir(dir.c_str(), 0755) == 0, "mkdir " << dir);
        int p[2];
        BOOST_REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
        pid_t child = ::fork();
        BOOST_REQUIRE(child >= 0);
        if (child == 0) {
            if (::fork() != 0) ::_exit(0);
            ::setsid();
            ::close(p[1]);
            char b;
            while (::read(p[0], &b, 1) < 0 && errno == EINTR) {
            }
            try {
                if (fsys::exists(dir)) remove_freezer(dir);
            } catch (...) {
            }
            ::_exit(0);
        }
        ::close(p[0]);
        ::waitpid(child, nullptr, 0);
        watch_fd = p[1];
    }
    Freezer(const Freezer&) = delete;
    Freezer& operator=(const Freezer&) = delete;
    void enter(pid_t pid) const { write(dir + "/cgroup.procs", std::to_string(pid)); }
    void freeze() const {
        write(dir + "/freezer.state", "FROZEN");
        BOOST_REQUIRE(
            eventually([&] { return trimmed(slurp(dir + "/freezer.state")) == "FROZEN"; }));
    }
    void thaw() const { write(dir + "/freezer.state", "THAWED"); }
    ~Freezer() {
        try {
            if (fsys::exists(dir) && !remove_freezer(dir))
                (void)std::fprintf(stderr, "rt_delete_test: cannot remove %s\n", dir.c_str());
        } catch (const std::exception& e) {
            (void)std::fprintf(stderr, "rt_delete_test: remove %s: %s\n", dir.c_str(), e.what());
        }
        ::close(watch_fd);
    }
};

std::vector<std::string> g_before;
struct Snapshot {
    Snapshot() { g_before = cgit::our_cgroup_dirs(host()); }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(Snapshot);

// runc 1.1.5 on the same case: "container init still running" after 10 s, nothing removed;
// crun 1.8.1: returns at once, exit 0, state removed, every cgroup but the freezer's leaked.
BOOST_AUTO_TEST_CASE(init_frozen_in_a_foreign_freezer_cgroup) {
    require_v1_freezer();
    lt::Env env;
    Running c(env);
    pid_t pid = c.pid();
    std::vector<std::string> dirs = cgroup_dirs(env, c.id);
    std::string own_freezer = freezer_dir_of(dirs);
    Freezer foreign(freezer_mount() + "/" + unique_name());
    foreign.enter(pid);
    foreign.freeze();

    // kill returns too (the signals stay pending until the thaw).
    auto r = c.rt({"kill", "--all", c.id, "TERM"});
    BOOST_TEST(r.code == 0, r.err);
    r = c.rt({"kill", c.id, "KILL"});
    BOOST_TEST(r.code == 0, r.err);

    r = c.rt({"delete", "--force", c.id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(contains(r.err, "delete container \"" + c.id + "\": process " + std::to_string(pid) +
                                   " is frozen in " + foreign.dir +
                                   ", a freezer cgroup rt did not create (thaw it)"),
               r.err);
    BOOST_TEST(contains(r.err,
                        "(processes still in it); its state is kept for another delete "
                        "--force"),
               r.err);
    // What could be removed is gone (the container's own freezer cgroup, empty since its
    // process moved out); what holds the process and the state dir stay.
    BOOST_TEST(alive(pid));
    BOOST_TEST(!fsys::exists(own_freezer));
    for (const auto& d : dirs)
        if (d != own_freezer) BOOST_TEST(fsys::exists(d), d);
    BOOST_TEST(fsys::exists(env.root() + "/" + c.id));

    // Once thawed, the pending SIGKILL ends the process and a second delete finishes.
    foreign.thaw();
    r = c.rt({"delete", "--force", c.id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.err.empty(), r.err);
    BOOST_TEST(!alive(pid));
    for (const auto& d : dirs) BOOST_TEST(!fsys::exists(d), d);
    BOOST_TEST(!fsys::exists(env.root() + "/" + c.id));
}

// runc 1.1.5: delete -f thaws and removes it (exit 0), as rt does.
BOOST_AUTO_TEST_CASE(container_frozen_through_its_own_freezer_cgroup) {
    require_v1_freezer();
    lt::Env env;
    Running c(env);
    pid_t pid = c.pid();
    std::vector<std::string> dirs = cgroup_dirs(env, c.id);
    std::string own = freezer_dir_of(dirs);
    write(own + "/freezer.state", "FROZEN");
    BOOST_REQUIRE(eventually([&] { return trimmed(slurp(own + "/freezer.state")) == "FROZEN"; }));
    BOOST_TEST(c.status() == "paused");
    auto r = c.rt({"delete", "--force", c.id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(!alive(pid));
    for (const auto& d : dirs) BOOST_TEST(!fsys::exists(d), d);
    BOOST_TEST(!fsys::exists(env.root() + "/" + c.id));
}

// A frozen cgroup below the container's stays frozen when the container's is thawed (v1
// freezer.state is per cgroup): delete thaws the whole subtree rt removes.
BOOST_AUTO_TEST_CASE(init_in_a_frozen_cgroup_below_the_containers) {
    require_v1_freezer();
    lt::Env env;
    Running c(env);
    pid_t pid = c.pid();
    std::vector<std::string> dirs = cgroup_dirs(env, c.id);
    std::string own = freezer_dir_of(dirs);
    Freezer sub(own + "/sub");
    sub.enter(pid);
    sub.freeze();
    auto r = c.rt({"delete", "--force", c.id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(!alive(pid));
    for (const auto& d : dirs) BOOST_TEST(!fsys::exists(d), d);
    BOOST_TEST(!fsys::exists(env.root() + "/" + c.id));
}

// A frozen ancestor rt did not create keeps the container's freezer FROZEN whatever rt
// writes to it: reported at once as the foreign case, finished after the thaw.
BOOST_AUTO_TEST_CASE(init_below_a_frozen_ancestor) {
    require_v1_freezer();
    lt::Env env;
    std::string parent = unique_name();
    Freezer ancestor(freezer_mount() + "/" + parent);
    std::string id = unique_name();
    env.set("/linux/cgroupsPath", "\"/" + parent + "/" + id + "\"");
    env.sh("sleep 1000");
    auto r = env.rt({"run", "-d", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    // Also on failure: the ancestor thawed first, so that the delete can finish.
    struct Delete {
        lt::Env& env;
        const Freezer& ancestor;
        std::string id;
        ~Delete() {
            ancestor.thaw();
            env.rt({"delete", "--force", id});
        }
    } cleanup{env, ancestor, id};
    pid_t pid = env.pid(id);
    std::vector<std::string> dirs = cgroup_dirs(env, id);
    std::string own = freezer_dir_of(dirs);
    ancestor.freeze();
    r = env.rt({"delete", "--force", id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(contains(r.err, "process " + std::to_string(pid) + " is frozen in " + own +
                                   " by a frozen ancestor cgroup (thaw it)"),
               r.err);
    BOOST_TEST(alive(pid));
    BOOST_TEST(fsys::exists(env.root() + "/" + id));
    ancestor.thaw();
    r = env.rt({"delete", "--force", id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(!alive(pid));
    for (const auto& d : dirs) BOOST_TEST(!fsys::exists(d), d);
    BOOST_TEST(!fsys::exists(env.root() + "/" + id));
}

// A damaged state.json: the verbs that need the record refuse it in one line naming the
// file; delete --force still kills the processes of the container's cgroups (cgroup.json)
// and removes the cgroups and the state dir.
BOOST_AUTO_TEST_CASE(damaged_state_file) {
    struct Damage {
        const char* name;
        std::function<std::string(const std::string&)> apply;  // old text -> new text
        const char* why;
    };
    auto replace_pid = [](const std::string& text, const std::string& value) {
        size_t at = text.find("\"pid\":");
        BOOST_REQUIRE(at != std::string::npos);
        size_t end = text.find(',', at);
        return text.substr(0, at) + "\"pid\":" + value + text.substr(end);
    };
    const std::vector<Damage> damages = {
        {"truncated", [](const std::string& t) { return t.substr(0, t.size() / 2); },
         "not a valid state file: not JSON"},
        {"garbage", [](const std::string&) { return std::string("\x7f\x01garbage\xff{", 11); },
         "not a valid state file: not JSON"},
        {"empty", [](const std::string&) { return std::string(); },
         "not a valid state file: empty"},
        {"empty object", [](const std::string&) { return std::string("{}"); },
         "not a valid state file: \"pid\" must be a positive integer"},
        {"pid 0", [&](const std::string& t) { return replace_pid(t, "0"); },
         "not a valid state file: \"pid\" must be a positive integer"},
        {"negative pid", [&](const std::string& t) { return replace_pid(t, "-5"); },
         "not a valid state file: \"pid\" must be a positive integer"},
        {"pid a string", [&](const std::string& t) { return replace_pid(t, "\"12\""); },
         "not a valid state file: \"pid\" must be a positive integer"},
    };
    for (const auto& damage : damages) {
        BOOST_TEST_CONTEXT(damage.name) {
            lt::Env env;
            Running c(env);
            pid_t pid = c.pid();
            std::vector<std::string> dirs = cgroup_dirs(env, c.id);
            std::string file = env.root() + "/" + c.id + "/state.json";
            write(file, damage.apply(slurp(file)));
            std::string expected = file + ": " + damage.why;
            for (const auto& verb : std::vector<std::vector<std::string>>{
                     {"state", c.id}, {"kill", c.id, "KILL"}, {"delete", c.id}}) {
                auto r = c.rt(verb);
                BOOST_TEST(r.code != 0, verb[0]);
                BOOST_TEST(one_line(r.err), verb[0] << ": " << r.err);
                BOOST_TEST(contains(r.err, expected), verb[0] << ": " << r.err);
            }
            BOOST_TEST(alive(pid));
            auto r = c.rt({"delete", "--force", c.id});
            BOOST_TEST(r.code == 0, r.err);
            BOOST_TEST(one_line(r.err), r.err);  // the warning naming the damaged file
            BOOST_TEST(contains(r.err, expected), r.err);
            BOOST_TEST(!alive(pid));
            for (const auto& d : dirs) BOOST_TEST(!fsys::exists(d), d);
            BOOST_TEST(!fsys::exists(env.root() + "/" + c.id));
        }
    }
}

// state.json and cgroup.json both damaged: the init's cgroups cannot be found. delete -f
// removes the state dir (nothing else of it can be found, ever) and fails naming
// cgroup.json, so the leak is not silent. The test then removes what rt had to leave.
BOOST_AUTO_TEST_CASE(damaged_state_and_cgroup_record) {
    lt::Env env;
    Running c(env);
    pid_t pid = c.pid();
    std::vector<std::string> dirs = cgroup_dirs(env, c.id);
    std::string dir = env.root() + "/" + c.id;
    write(dir + "/state.json", "{\"id\":");
    write(dir + "/cgroup.json", "[");
    auto r = c.rt({"delete", "--force", c.id});
    ::kill(pid, SIGKILL);
    BOOST_REQUIRE(eventually([&] { return !alive(pid); }));
    for (const auto& d : dirs)
        BOOST_REQUIRE(eventually([&] { return ::rmdir(d.c_str()) == 0 || errno == ENOENT; }));
    BOOST_TEST(r.code != 0);
    // Two lines: the warning about state.json, the error about cgroup.json.
    auto lines = lt::lines(r.err);
    BOOST_TEST(lines.size() == 2u, r.err);
    BOOST_TEST(contains(r.err, dir + "/state.json: not a valid state file"), r.err);
    BOOST_TEST(contains(r.err, dir + "/cgroup.json: cgroup state: not a JSON object: the "
                                     "container's cgroups are unknown and were not removed"),
               r.err);
    BOOST_TEST(!fsys::exists(dir));
}

BOOST_AUTO_TEST_CASE(zz_leaks) {
    std::vector<std::string> after = cgit::our_cgroup_dirs(host());
    BOOST_TEST(after == g_before);
    for (const auto& d : after) BOOST_TEST_MESSAGE("leaked: " << d);
}
