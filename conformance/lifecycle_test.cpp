// runtime.md: state, lifecycle and operations (create, start, kill, delete, state), their
// errors in the wrong state, and what must be left behind (nothing) after failures.
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "suite.hpp"

namespace fs = std::filesystem;
using namespace conformance;

#define LIFECYCLE "verb:create", "verb:start", "verb:state", "verb:kill", "verb:delete"

namespace {

// Waits (bounded) until file contains text; tests are not timed, this only bounds a hang.
bool wait_for_text(const fs::path& file, const std::string& text, int ms = 10000) {
    for (int waited = 0; waited < ms; waited += 10) {
        if (read_text(file).find(text) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

bool process_gone(int pid, int ms = 10000) {
    for (int waited = 0; waited < ms; waited += 10) {
        if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
        // A zombie is gone for our purposes once its state is Z.
        std::string status = read_text("/proc/" + std::to_string(pid) + "/status");
        if (status.find("State:\tZ") != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

// Every entry of the runtime's --root (state dirs) whose name contains id.
std::vector<std::string> state_entries(const std::string& id) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(runtime().root(), ec)) {
        if (e.path().filename().string().find(id) != std::string::npos)
            found.push_back(e.path().string());
    }
    return found;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lifecycle)

// runtime.md "create": config applied, process.args not run until start; "State": fields.
BOOST_AUTO_TEST_CASE(create_does_not_run_the_process_until_start, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "write", "/out/started"});
    std::string id = unique_name("created");
    ContainerGuard guard(runtime(), id);
    auto c = runtime().create(id, b);
    BOOST_REQUIRE_MESSAGE(c.ok(), c.describe());
    auto s = runtime().state(id);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->status == "created");
    BOOST_TEST(s->id == id);
    BOOST_TEST(s->pid > 0);
    BOOST_TEST(!s->oci_version.empty());
    BOOST_TEST(fs::equivalent(s->bundle, b.path()));
    BOOST_TEST(fs::path(s->bundle).is_absolute());
    BOOST_TEST(::kill(s->pid, 0) == 0);
    BOOST_TEST(!fs::exists(b.out() / "started"));
    auto st = runtime().start(id);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.describe());
    BOOST_TEST(runtime().wait_status(id, "stopped") == "stopped");
    BOOST_TEST(fs::exists(b.out() / "started"));
}

BOOST_AUTO_TEST_CASE(state_reports_the_config_annotations, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.set("/annotations", R"({"org.conformance.a":"1","org.conformance.b":"two"})");
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    auto s = runtime().state(id);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->status == "running");
    BOOST_TEST(s->annotations["org.conformance.a"] == "1");
    BOOST_TEST(s->annotations["org.conformance.b"] == "two");
}

// runtime.md "start": a container that is not created: error and no effect.
BOOST_AUTO_TEST_CASE(start_of_a_running_or_stopped_container_fails, *needs({LIFECYCLE})) {
    Bundle b;
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    int pid = runtime().state(id)->pid;
    BOOST_TEST(!runtime().start(id).ok());
    auto s = runtime().state(id);
    BOOST_TEST(s->status == "running");
    BOOST_TEST(s->pid == pid);
    BOOST_REQUIRE(runtime().kill(id, "KILL").ok());
    BOOST_REQUIRE(runtime().wait_status(id, "stopped") == "stopped");
    BOOST_TEST(!runtime().start(id).ok());
    BOOST_TEST(runtime().state(id)->status == "stopped");
}

// runtime.md "start" / "delete": a container that is not created cannot be started, one that is
// not stopped cannot be deleted, both with no effect: here a paused one (runc's `pause`).
BOOST_AUTO_TEST_CASE(start_and_delete_of_a_paused_container_fail,
                     *needs({LIFECYCLE, "verb:pause", "verb:resume"})) {
    Bundle b;
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    int pid = runtime().state(id)->pid;
    auto p = runtime().cmd({"pause", id});
    BOOST_REQUIRE_MESSAGE(p.ok(), p.describe());
    BOOST_TEST(!runtime().start(id).ok(), "start of a paused container succeeded");
    BOOST_TEST(!runtime().remove(id).ok(), "delete of a paused container succeeded");
    auto s = runtime().state(id);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->status == "paused");
    BOOST_TEST(s->pid == pid);
    BOOST_TEST(runtime().cmd({"resume", id}).ok());
    BOOST_TEST(runtime().state(id)->status == "running");
}

// runtime.md "kill": sends the signal to the container process.
BOOST_AUTO_TEST_CASE(kill_delivers_the_signal, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "trap", "/out/signals"});
    std::string id = unique_name("kill");
    ContainerGuard guard(runtime(), id);
    BOOST_REQUIRE(runtime().create(id, b).ok());
    BOOST_REQUIRE(runtime().start(id).ok());
    BOOST_REQUIRE(wait_for_text(b.out() / "signals", "READY"));
    auto k = runtime().kill(id, "SIGUSR1");
    BOOST_TEST(k.ok(), k.describe());
    BOOST_TEST(wait_for_text(b.out() / "signals", "SIGUSR1"));
    BOOST_TEST(runtime().state(id)->status == "running");
    // The default signal is SIGTERM (runc's CLI), which ends the trap.
    BOOST_TEST(runtime().kill(id).ok());
    BOOST_TEST(wait_for_text(b.out() / "signals", "SIGTERM"));
    BOOST_TEST(runtime().wait_status(id, "stopped") == "stopped");
}

// runc's CLI: signal names with or without SIG, and numbers.
BOOST_AUTO_TEST_CASE(kill_accepts_signal_names_and_numbers, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "trap", "/out/signals"});
    std::string id = unique_name("killnames");
    ContainerGuard guard(runtime(), id);
    BOOST_REQUIRE(runtime().create(id, b).ok());
    BOOST_REQUIRE(runtime().start(id).ok());
    BOOST_REQUIRE(wait_for_text(b.out() / "signals", "READY"));
    BOOST_TEST(runtime().kill(id, "USR2").ok());
    BOOST_TEST(wait_for_text(b.out() / "signals", "SIGUSR2"));
    BOOST_TEST(runtime().kill(id, "1").ok());
    BOOST_TEST(wait_for_text(b.out() / "signals", "SIGHUP"));
    BOOST_TEST(!runtime().kill(id, "SIGNOTREAL").ok());
    BOOST_TEST(runtime().state(id)->status == "running");
}

BOOST_AUTO_TEST_CASE(kill_of_a_created_container_works, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "sleep"});
    std::string id = unique_name("killcreated");
    ContainerGuard guard(runtime(), id);
    BOOST_REQUIRE(runtime().create(id, b).ok());
    BOOST_TEST(runtime().kill(id, "KILL").ok());
    BOOST_TEST(runtime().wait_status(id, "stopped") == "stopped");
}

// runtime.md "kill": neither created nor running: error, no effect.
BOOST_AUTO_TEST_CASE(kill_of_a_stopped_container_fails, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "exit", "0"});
    std::string id = unique_name("killstopped");
    ContainerGuard guard(runtime(), id);
    BOOST_REQUIRE(runtime().create(id, b).ok());
    BOOST_REQUIRE(runtime().start(id).ok());
    BOOST_REQUIRE(runtime().wait_status(id, "stopped") == "stopped");
    BOOST_TEST(!runtime().kill(id, "TERM").ok());
    BOOST_TEST(runtime().state(id)->status == "stopped");
}

// runtime.md "delete": not stopped: error, no effect.
BOOST_AUTO_TEST_CASE(delete_of_a_running_container_fails, *needs({LIFECYCLE})) {
    Bundle b;
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    int pid = runtime().state(id)->pid;
    BOOST_TEST(!runtime().remove(id).ok());
    auto s = runtime().state(id);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->status == "running");
    BOOST_TEST(::kill(pid, 0) == 0);
}

// runtime.md "delete": deletes what create made; the container is gone.
BOOST_AUTO_TEST_CASE(delete_of_a_stopped_container_removes_it, *needs({LIFECYCLE, "verb:list"})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "exit", "0"});
    std::string id = unique_name("delete");
    ContainerGuard guard(runtime(), id);
    BOOST_REQUIRE(runtime().create(id, b).ok());
    BOOST_REQUIRE(runtime().start(id).ok());
    BOOST_REQUIRE(runtime().wait_status(id, "stopped") == "stopped");
    auto d = runtime().remove(id);
    BOOST_TEST(d.ok(), d.describe());
    BOOST_TEST(!runtime().state(id));
    BOOST_TEST(runtime().cmd({"list", "--quiet"}).out.find(id) == std::string::npos);
    BOOST_TEST(state_entries(id).empty());
}

// runtime.md "delete": resources associated with the container but not created by it MUST NOT
// be deleted: a joined network namespace (and its links), a bind-mounted host directory.
BOOST_AUTO_TEST_CASE(delete_keeps_what_it_did_not_create, *needs({LIFECYCLE})) {
    NetNs net;
    TempDir host_dir;
    { std::ofstream(host_dir.path() / "keep") << "data"; }
    Bundle b;
    b.config.add_namespace("network", net.path());
    b.config.bind(host_dir.str(), "/data");
    b.config.args({"/bin/rt-probe", "write", "/data/written"});
    std::string id = unique_name("keep");
    ContainerGuard guard(runtime(), id);
    BOOST_REQUIRE(runtime().create(id, b).ok());
    BOOST_REQUIRE(runtime().start(id).ok());
    BOOST_REQUIRE(runtime().wait_status(id, "stopped") == "stopped");
    auto d = runtime().remove(id);
    BOOST_REQUIRE_MESSAGE(d.ok(), d.describe());
    struct stat st {};
    BOOST_TEST(::stat(net.path().c_str(), &st) == 0);
    BOOST_TEST(st.st_ino == net.inode(), "the joined netns is no longer bound at its path");
    auto links = run_in_netns(net, {probe_path(), "net"});
    BOOST_TEST(links.ok(), "the joined netns is not usable: " << links.describe());
    BOOST_TEST(read_text(host_dir.path() / "keep") == "data");
    BOOST_TEST(fs::exists(host_dir.path() / "written"));
}

// runc's CLI: delete --force kills a running container and removes it.
BOOST_AUTO_TEST_CASE(delete_force_kills_and_removes, *needs({LIFECYCLE})) {
    Bundle b;
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    int pid = runtime().state(id)->pid;
    auto d = runtime().remove(id, true);
    BOOST_TEST(d.ok(), d.describe());
    BOOST_TEST(!runtime().state(id));
    BOOST_TEST(process_gone(pid));
}

// runtime.md "create": an id that is not unique: error, no new container.
BOOST_AUTO_TEST_CASE(duplicate_id_is_rejected_and_the_first_kept, *needs({LIFECYCLE})) {
    Bundle b;
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    auto before = *runtime().state(id);
    Bundle other;
    other.config.args({"/bin/rt-probe", "write", "/out/second"});
    BOOST_TEST(!runtime().create(id, other).ok());
    auto after = runtime().state(id);
    BOOST_REQUIRE(after);
    BOOST_TEST(after->pid == before.pid);
    BOOST_TEST(after->bundle == before.bundle);
    BOOST_TEST(after->status == "running");
    BOOST_TEST(!fs::exists(other.out() / "second"));
}

// runtime.md: each operation on a container that does not exist generates an error.
BOOST_AUTO_TEST_CASE(operations_on_an_unknown_container_fail, *needs({LIFECYCLE})) {
    std::string id = unique_name("nosuch");
    BOOST_TEST(!runtime().cmd({"state", id}).ok());
    BOOST_TEST(!runtime().start(id).ok());
    BOOST_TEST(!runtime().kill(id, "KILL").ok());
    BOOST_TEST(!runtime().remove(id).ok());
}

// runtime.md: each operation generates an error when not given the container id.
BOOST_AUTO_TEST_CASE(operations_without_an_id_fail, *needs({LIFECYCLE})) {
    Bundle b;
    b.write();
    auto before = state_entries("");
    BOOST_TEST(!runtime().cmd({"create", "--bundle", b.path().string()}).ok());
    BOOST_TEST(!runtime().cmd({"start"}).ok());
    BOOST_TEST(!runtime().cmd({"state"}).ok());
    BOOST_TEST(!runtime().cmd({"kill"}).ok());
    BOOST_TEST(!runtime().cmd({"delete"}).ok());
    BOOST_TEST(state_entries("").size() == before.size());
}

// runtime.md "create": an id not valid in any other way: error, no container.
BOOST_AUTO_TEST_CASE(invalid_ids_are_rejected, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "write", "/out/ran"});
    for (const std::string& id : {std::string("../escape"), std::string("a/b"), std::string()}) {
        BOOST_TEST(!runtime().create(id, b).ok(), "id '" << id << "' accepted");
        if (!id.empty()) BOOST_TEST(!runtime().state(id));
    }
    BOOST_TEST(!fs::exists(fs::path(runtime().root()).parent_path() / "escape"));
}

// runtime.md lifecycle step 2: updates to config.json after create do not affect it.
BOOST_AUTO_TEST_CASE(config_changes_after_create_have_no_effect, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "write", "/out/original"});
    std::string id = unique_name("frozen");
    ContainerGuard guard(runtime(), id);
    BOOST_REQUIRE(runtime().create(id, b).ok());
    b.config.args({"/bin/rt-probe", "write", "/out/changed"});
    b.write();
    BOOST_REQUIRE(runtime().start(id).ok());
    BOOST_REQUIRE(runtime().wait_status(id, "stopped") == "stopped");
    BOOST_TEST(fs::exists(b.out() / "original"));
    BOOST_TEST(!fs::exists(b.out() / "changed"));
}

// runtime.md "Errors": a failed create leaves the environment as if never attempted.
BOOST_AUTO_TEST_CASE(failed_create_leaves_nothing, *needs({LIFECYCLE})) {
    struct Case {
        const char* what;
        void (*edit)(Config&);
    };
    const Case cases[] = {
        {"missing rootfs", [](Config& c) { c.set_string("/root/path", "no-such-rootfs"); }},
        {"unknown mount type",
         [](Config& c) {
             c.append("/mounts", R"({"destination":"/mnt","type":"no-such-fs","source":"none"})");
         }},
        {"bad namespace path",
         [](Config& c) { c.add_namespace("network", "/proc/self/no-such-ns"); }},
        {"missing bind source", [](Config& c) { c.bind("/no/such/host/dir", "/mnt"); }},
    };
    for (const auto& k : cases) {
        Bundle b;
        b.config.args({"/bin/rt-probe", "write", "/out/ran"});
        k.edit(b.config);
        std::string id = unique_name("failcreate");
        ContainerGuard guard(runtime(), id);
        auto c = runtime().create(id, b);
        BOOST_TEST(!c.ok(), k.what << ": create succeeded");
        BOOST_TEST(!runtime().state(id), k.what << ": the container exists");
        BOOST_TEST(state_entries(id).empty(), k.what << ": state left under --root");
        BOOST_TEST(!fs::exists(b.out() / "ran"), k.what << ": the process ran");
    }
}

// runc's CLI: --pid-file holds the container's pid.
BOOST_AUTO_TEST_CASE(pid_file_holds_the_init_pid, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "sleep"});
    std::string id = unique_name("pidfile");
    ContainerGuard guard(runtime(), id);
    auto pidfile = b.path() / "pid";
    BOOST_REQUIRE(runtime().create(id, b, {"--pid-file", pidfile.string()}).ok());
    BOOST_TEST(std::stoi(read_text(pidfile)) == runtime().state(id)->pid);
}

// runtime.md "start": an error if process was not set.
BOOST_AUTO_TEST_CASE(start_without_process_fails, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.remove("/process");
    std::string id = unique_name("noprocess");
    ContainerGuard guard(runtime(), id);
    bool created = runtime().create(id, b).ok();
    bool started = created && runtime().start(id).ok();
    BOOST_TEST(!started);
}

// runtime.md lifecycle step 8 errors: args[0] that cannot be executed is an error of
// create or start, and no process keeps running.
BOOST_AUTO_TEST_CASE(missing_executable_is_an_error, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.args({"/no/such/binary"});
    std::string id = unique_name("noexec");
    ContainerGuard guard(runtime(), id);
    auto c = runtime().create(id, b);
    bool started = c.ok() && runtime().start(id).ok();
    BOOST_TEST(!started);
    if (auto s = runtime().state(id)) BOOST_TEST(s->status != "running");
}

// runtime.md "State": status derives from reality: a dead init is stopped.
BOOST_AUTO_TEST_CASE(state_is_stopped_when_the_init_dies, *needs({LIFECYCLE})) {
    Bundle b;
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    int pid = runtime().state(id)->pid;
    BOOST_REQUIRE(::kill(pid, SIGKILL) == 0);
    BOOST_TEST(runtime().wait_status(id, "stopped") == "stopped");
}

// runc's CLI: run waits and exits with the container's exit code.
BOOST_AUTO_TEST_CASE(run_returns_the_exit_code, *needs({"verb:run", "verb:delete"})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "exit", "7"});
    std::string id = unique_name("exitcode");
    ContainerGuard guard(runtime(), id);
    auto r = runtime().run(id, b);
    BOOST_TEST(r.exit_code == 7, r.describe());
}

// runc's CLI: list shows containers with their status; --format json parses.
BOOST_AUTO_TEST_CASE(list_shows_the_container, *needs({LIFECYCLE, "verb:list"})) {
    Bundle b;
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    auto l = runtime().cmd({"list", "--format", "json"});
    BOOST_REQUIRE_MESSAGE(l.ok(), l.describe());
    rapidjson::Document doc;
    doc.Parse(l.out.c_str());
    BOOST_REQUIRE(doc.IsArray());
    bool found = false;
    for (const auto& c : doc.GetArray()) {
        if (c.HasMember("id") && c["id"].GetString() == id) {
            found = true;
            BOOST_TEST(std::string(c["status"].GetString()) == "running");
        }
    }
    BOOST_TEST(found);
}

// runc's CLI: without a terminal, stdio passes to the container untouched.
BOOST_AUTO_TEST_CASE(stdio_is_passed_through, *needs({"verb:run", "verb:delete"})) {
    Bundle b;
    b.config.args({"/bin/rt-probe", "cat", "-"});
    std::string id = unique_name("stdio");
    ContainerGuard guard(runtime(), id);
    RunOptions opts;
    opts.stdin_data = "hello through stdin\n";
    auto r = runtime().run(id, b, {}, opts);
    BOOST_TEST(r.ok(), r.describe());
    BOOST_TEST(r.out == "hello through stdin\n");
}

// runc's CLI `exec`: a process joins the container's namespaces, gets its exit code back, and
// exec into a container that is not running fails.
BOOST_AUTO_TEST_CASE(exec_joins_the_container, *needs({LIFECYCLE, "verb:exec"})) {
    Bundle b;
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    int pid = runtime().state(id)->pid;
    auto e = runtime().cmd({"exec", id, "/bin/rt-probe", "report"});
    BOOST_REQUIRE_MESSAGE(e.ok(), e.describe());
    auto r = parse_probe_report(e.out);
    for (const char* kind : {"mnt", "net", "pid", "uts", "ipc"}) {
        struct stat st {};
        ::stat(("/proc/" + std::to_string(pid) + "/ns/" + kind).c_str(), &st);
        BOOST_TEST(r.namespaces[kind] == st.st_ino, kind);
    }
    BOOST_TEST(r.hostname == "conformance");
    BOOST_TEST(r.pid != 1);
    auto code = runtime().cmd({"exec", id, "/bin/rt-probe", "exit", "5"});
    BOOST_TEST(code.exit_code == 5, code.describe());
    BOOST_REQUIRE(runtime().kill(id, "KILL").ok());
    BOOST_REQUIRE(runtime().wait_status(id, "stopped") == "stopped");
    BOOST_TEST(!runtime().cmd({"exec", id, "/bin/true"}).ok());
}

// runc's CLI `exec --cap`: the exec'd process gets the capability the container's process
// lacks (effective and bounding), so it may call sethostname; a plain exec may not.
BOOST_AUTO_TEST_CASE(exec_cap_adds_a_capability, *needs({LIFECYCLE, "verb:exec"})) {
    Bundle b;
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    auto plain = runtime().cmd({"exec", id, "/bin/rt-probe", "report"});
    BOOST_REQUIRE_MESSAGE(plain.ok(), plain.describe());
    BOOST_TEST(parse_probe_report(plain.out).capabilities["effective"].count("CAP_SYS_ADMIN") ==
               0u);
    auto e = runtime().cmd({"exec", "--cap", "CAP_SYS_ADMIN", id, "/bin/rt-probe", "report"});
    BOOST_REQUIRE_MESSAGE(e.ok(), e.describe());
    auto r = parse_probe_report(e.out);
    BOOST_TEST(r.capabilities["effective"].count("CAP_SYS_ADMIN") == 1u);
    BOOST_TEST(r.capabilities["bounding"].count("CAP_SYS_ADMIN") == 1u);
    auto h = runtime().cmd(
        {"exec", "--cap", "CAP_SYS_ADMIN", id, "/bin/rt-probe", "syscall", "sethostname"});
    BOOST_TEST(parse_probe_action(h.out).err == 0, h.describe());
}

// runc's CLI `exec` options: --env, --cwd, --user, --process (a process JSON), --detach.
BOOST_AUTO_TEST_CASE(exec_options_are_applied, *needs({LIFECYCLE, "verb:exec"})) {
    Bundle b;
    std::unique_ptr<ContainerGuard> guard;
    std::string id = start_sleeper(b, guard);
    auto e = runtime().cmd({"exec", "--env", "CONF_EXEC=1", "--cwd", "/tmp", "--user", "1000:1001",
                            id, "/bin/rt-probe", "report"});
    BOOST_REQUIRE_MESSAGE(e.ok(), e.describe());
    auto r = parse_probe_report(e.out);
    BOOST_TEST(r.env_value("CONF_EXEC").value_or("") == "1");
    BOOST_TEST(r.cwd == "/tmp");
    BOOST_TEST(r.uid.effective == 1000u);
    BOOST_TEST(r.gid.effective == 1001u);

    auto process = b.path() / "process.json";
    std::ofstream(process) << R"({"terminal":false,"user":{"uid":0,"gid":0},
        "args":["/bin/rt-probe","report"],"env":["PATH=/bin","FROM_JSON=yes"],"cwd":"/out"})";
    auto p = runtime().cmd({"exec", "--process", process.string(), id});
    BOOST_REQUIRE_MESSAGE(p.ok(), p.describe());
    auto pr = parse_probe_report(p.out);
    BOOST_TEST(pr.env_value("FROM_JSON").value_or("") == "yes");
    BOOST_TEST(pr.cwd == "/out");

    auto d = runtime().cmd({"exec", "--detach", id, "/bin/rt-probe", "write", "/out/detached"});
    BOOST_TEST(d.ok(), d.describe());
    for (int i = 0; i < 500 && !fs::exists(b.out() / "detached"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    BOOST_TEST(fs::exists(b.out() / "detached"));
}

namespace {

// runtime.md "State": the JSON adheres to schema/state-schema.json (required ociVersion in
// SemVer, id, status from the enum, bundle; pid an integer >= 0, required while created or
// running; annotations a map of strings).
void check_state_schema(const std::string& json, const std::string& want_status) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    BOOST_REQUIRE_MESSAGE(d.IsObject(), "state is not a JSON object: " << json);
    for (const char* key : {"ociVersion", "id", "status", "bundle"})
        BOOST_TEST((d.HasMember(key) && d[key].IsString()), key << " missing or not a string");
    if (!d.HasMember("status") || !d["status"].IsString()) return;
    std::string status = d["status"].GetString();
    BOOST_TEST(status == want_status);
    std::string version = d.HasMember("ociVersion") ? d["ociVersion"].GetString() : "";
    static const std::regex semver(
        R"(^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$)");
    BOOST_TEST(std::regex_match(version, semver), "ociVersion '" << version << "' is not SemVer");
    if (d.HasMember("pid")) {
        BOOST_TEST((d["pid"].IsInt() && d["pid"].GetInt() >= 0), "pid is not an integer >= 0");
    } else {
        BOOST_TEST((status != "created" && status != "running"), "no pid while " << status);
    }
    if (d.HasMember("annotations")) {
        BOOST_REQUIRE(d["annotations"].IsObject());
        for (const auto& a : d["annotations"].GetObject())
            BOOST_TEST(a.value.IsString(), "annotation " << a.name.GetString() << " not a string");
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(state_adheres_to_the_schema, *needs({LIFECYCLE})) {
    Bundle b;
    b.config.set("/annotations", R"({"org.conformance.k":"v"})");
    b.config.args({"/bin/rt-probe", "sleep"});
    std::string id = unique_name("schema");
    ContainerGuard guard(runtime(), id);
    BOOST_REQUIRE(runtime().create(id, b).ok());
    check_state_schema(runtime().cmd({"state", id}).out, "created");
    BOOST_REQUIRE(runtime().start(id).ok());
    check_state_schema(runtime().cmd({"state", id}).out, "running");
    BOOST_REQUIRE(runtime().kill(id, "KILL").ok());
    BOOST_REQUIRE(runtime().wait_status(id, "stopped") == "stopped");
    check_state_schema(runtime().cmd({"state", id}).out, "stopped");
}

// runtime.md "State" status "creating" (the container is being created, lifecycle step 2)
// and "Query State" (state MUST return the state as specified): seen without racing from a
// createRuntime hook, which runs during create in the runtime namespace. The hook records its
// stdin (the state the runtime hands it) and what `RUNTIME state ID` answers meanwhile: both
// say "creating", the answer per the schema, and they agree on id and bundle.
BOOST_AUTO_TEST_CASE(state_is_creating_during_create, *needs({LIFECYCLE, "hook:createRuntime"})) {
    Bundle b;
    std::string id = unique_name("creating");
    std::string out = (b.out() / "creating").string();
    std::string state = runtime().path() + " --root " + runtime().root() + " state " + id;
    b.config.append("/hooks/createRuntime", R"({"path":"/bin/sh","args":["sh","-c","cat > )" + out +
                                                ".stdin; " + state + " > " + out + ".state 2> " +
                                                out + R"(.err; exit 0"]})");
    b.config.args({"/bin/rt-probe", "exit", "0"});
    ContainerGuard guard(runtime(), id);
    auto c = runtime().create(id, b);
    BOOST_REQUIRE_MESSAGE(c.ok(), c.describe());
    rapidjson::Document hook_stdin;
    hook_stdin.Parse(read_text(out + ".stdin").c_str());
    BOOST_REQUIRE_MESSAGE(hook_stdin.IsObject(), "hook stdin: " << read_text(out + ".stdin"));
    BOOST_TEST(std::string(hook_stdin["status"].GetString()) == "creating",
               "the createRuntime hook got status " << hook_stdin["status"].GetString());
    std::string answer = read_text(out + ".state");
    BOOST_REQUIRE_MESSAGE(!answer.empty(),
                          "`state` failed while creating: " << read_text(out + ".err"));
    check_state_schema(answer, "creating");
    rapidjson::Document d;
    d.Parse(answer.c_str());
    BOOST_REQUIRE(d.IsObject());
    BOOST_TEST(std::string(d["id"].GetString()) == id);
    BOOST_TEST(std::string(d["bundle"].GetString()) == hook_stdin["bundle"].GetString());
    BOOST_TEST(std::string(d["bundle"].GetString()) == b.path().string());
    if (d.HasMember("pid") && d["pid"].GetInt() != 0)
        BOOST_TEST(d["pid"].GetInt() == hook_stdin["pid"].GetInt());
}

BOOST_AUTO_TEST_SUITE_END()
