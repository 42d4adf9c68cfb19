// Status transitions, wrong-state errors, exit codes, pid file, ids, run shortcut, list.
#define BOOST_TEST_MODULE lifecycle integration : lifecycle
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "harness.hpp"

using namespace lt;

BOOST_AUTO_TEST_CASE(create_start_kill_delete_transitions) {
    Env env;
    env.set("/process/args", R"(["sleep", "1000"])");
    std::string id = env.id();
    std::string pidfile = env.dir() + "/pid";
    Result r = env.rt({"create", "--bundle", env.bundle(), "--pid-file", pidfile, id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(env.status(id) == "created");
    int pid = env.pid(id);
    BOOST_TEST(pid > 0);
    BOOST_TEST(read_file(pidfile) == std::to_string(pid));
    // The init is alive and blocked before exec: it is still rt's image.
    BOOST_TEST(exists("/proc/" + std::to_string(pid)));

    // state JSON per runtime.md
    r = env.rt({"state", id});
    rapidjson::Document d;
    d.Parse(r.out.c_str());
    BOOST_REQUIRE(!d.HasParseError());
    BOOST_TEST(d["ociVersion"].IsString());
    BOOST_TEST(std::string(d["id"].GetString()) == id);
    BOOST_TEST(std::string(d["bundle"].GetString()) == env.bundle());
    BOOST_TEST(d["pid"].GetInt() == pid);

    r = env.rt({"start", id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(env.status(id) == "running");
    BOOST_TEST(read_file("/proc/" + std::to_string(pid) + "/comm") == "sleep\n");

    // start again: wrong state
    r = env.rt({"start", id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("status is running") != std::string::npos, r.err);
    // delete without --force: refused, container untouched
    r = env.rt({"delete", id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("not stopped") != std::string::npos, r.err);
    BOOST_TEST(env.status(id) == "running");

    r = env.rt({"kill", id, "KILL"});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    // The init is not our child: wait until the kernel has reaped it (its parent is init).
    for (int i = 0; i < 200 && env.status(id) != "stopped"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    BOOST_TEST(env.status(id) == "stopped");
    r = env.rt({"kill", id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("not running") != std::string::npos, r.err);
    r = env.rt({"start", id});
    BOOST_TEST(r.code != 0);
    r = env.rt({"delete", id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(!exists(env.root() + "/" + id));
    r = env.rt({"state", id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("does not exist") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(delete_force_kills_a_running_container) {
    Env env;
    env.set("/process/args", R"(["sleep", "1000"])");
    std::string id = env.id();
    BOOST_REQUIRE(env.rt({"run", "-d", "-b", env.bundle(), id}).code == 0);
    BOOST_TEST(env.status(id) == "running");
    int pid = env.pid(id);
    Result r = env.rt({"delete", "--force", id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(!exists(env.root() + "/" + id));
    // delete --force waited for the init to die
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    BOOST_TEST((stat.empty() || stat.find(") Z") != std::string::npos));
    // runc: delete --force of a missing container is not an error
    BOOST_TEST(env.rt({"delete", "--force", id}).code == 0);
    BOOST_TEST(env.rt({"delete", id}).code != 0);
}

BOOST_AUTO_TEST_CASE(delete_of_created_container_without_force) {
    // As runc: a created (never started) container is deleted without --force.
    Env env;
    std::string id = env.id();
    BOOST_REQUIRE(env.rt({"create", "-b", env.bundle(), id}).code == 0);
    Result r = env.rt({"delete", id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(!exists(env.root() + "/" + id));
}

BOOST_AUTO_TEST_CASE(kill_signal_names_and_numbers) {
    Env env;
    // pid 1 only receives signals it handles: the trap records which one came.
    env.set("/root/readonly", "false");
    env.sh(
        "trap 'echo usr1 > /tmp/got; exit 0' USR1; trap 'echo term > /tmp/got; exit 0' TERM; "
        "while :; do sleep 0.05; done");
    for (std::string sig : {"USR1", "SIGUSR1", "10"}) {
        BOOST_TEST_CONTEXT(sig) {
            std::string id = env.id();
            BOOST_REQUIRE(env.rt({"run", "-d", "-b", env.bundle(), id}).code == 0);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));  // trap installed
            Result r = env.rt({"kill", id, sig});
            BOOST_TEST(r.code == 0, r.err);
            for (int i = 0; i < 300 && env.status(id) != "stopped"; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            BOOST_TEST(env.status(id) == "stopped");
            BOOST_TEST(env.rt({"delete", id}).code == 0);
        }
    }
    std::string id = env.id();
    BOOST_REQUIRE(env.rt({"run", "-d", "-b", env.bundle(), id}).code == 0);
    BOOST_TEST(env.rt({"kill", id, "SIGFOO"}).err.find("invalid signal \"SIGFOO\"") !=
               std::string::npos);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    BOOST_TEST(env.rt({"kill", id}).code == 0);  // default SIGTERM
    for (int i = 0; i < 300 && env.status(id) != "stopped"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    BOOST_TEST(env.status(id) == "stopped");
}

BOOST_AUTO_TEST_CASE(run_exit_codes) {
    Env env;
    env.sh("exit 3");
    BOOST_TEST(env.run_container().code == 3);
    env.sh("kill -9 $$");  // pid 1 cannot be killed from inside: use a child
    env.sh("sh -c 'kill -9 $$'; exit $?");
    BOOST_TEST(env.run_container().code == 137);
    env.sh("echo out; echo err >&2");
    Result r = env.run_container();
    BOOST_TEST(r.code == 0);
    BOOST_TEST(r.out == "out\n");
    BOOST_TEST(r.err == "err\n");
}

BOOST_AUTO_TEST_CASE(run_deletes_unless_keep) {
    Env env;
    std::string id = env.id();
    BOOST_TEST(env.rt({"run", "-b", env.bundle(), id}).code == 0);
    BOOST_TEST(!exists(env.root() + "/" + id));
    BOOST_TEST(env.rt({"run", "--keep", "-b", env.bundle(), id}).code == 0);
    BOOST_TEST(env.status(id) == "stopped");
    BOOST_TEST(env.rt({"delete", id}).code == 0);
}

BOOST_AUTO_TEST_CASE(run_foreground_forwards_signals) {
    Env env;
    env.sh("trap 'exit 42' TERM; touch /dev/shm/ready; while :; do sleep 0.05; done");
    env.write_config();
    std::string id = env.id();
    std::string out = env.dir() + "/out";
    pid_t pid = ::fork();
    if (pid == 0) {
        execl(RT_BINARY, RT_BINARY, "--root", env.root().c_str(), "run", "-b", env.bundle().c_str(),
              id.c_str(), nullptr);
        _exit(127);
    }
    // Wait for the container to be running with its trap installed.
    bool ready = false;
    for (int i = 0; i < 500 && !ready; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        int cpid = env.pid(id);
        ready = cpid > 0 && exists("/proc/" + std::to_string(cpid) + "/root/dev/shm/ready");
    }
    BOOST_REQUIRE(ready);
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 42);
    BOOST_TEST(!exists(env.root() + "/" + id));
}

BOOST_AUTO_TEST_CASE(run_bundle_directory_shortcut) {
    Env env;
    env.sh("echo shortcut");
    env.write_config();
    std::string bundle = env.dir() + "/" + unique("mybundle");
    BOOST_REQUIRE(::rename(env.bundle().c_str(), bundle.c_str()) == 0);
    lt::Result r = lt::run({RT_BINARY, "--root", env.root(), "run", "--keep", bundle + "/"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "shortcut\n");
    std::string id = bundle.substr(bundle.rfind('/') + 1);
    BOOST_TEST(env.status(id) == "stopped");
    r = lt::run({RT_BINARY, "--root", env.root(), "state", id});
    BOOST_TEST(r.out.find("\"bundle\": \"" + bundle + "\"") != std::string::npos, r.out);
    lt::run({RT_BINARY, "--root", env.root(), "delete", id});
    (void)::rename(bundle.c_str(), env.bundle().c_str());
}

BOOST_AUTO_TEST_CASE(container_id_validation_and_duplicates) {
    Env env;
    for (const std::string& bad : {std::string(""), std::string("a/b"), std::string(".."),
                                   std::string("a\tb"), std::string(1025, 'x')}) {
        BOOST_TEST_CONTEXT((bad.size() > 20 ? std::string("long id") : bad)) {
            Result r = env.rt({"create", "-b", env.bundle(), bad});
            BOOST_TEST(r.code != 0);
            BOOST_TEST(r.err.find("invalid container id") != std::string::npos, r.err);
        }
    }
    env.set("/process/args", R"(["sleep", "1000"])");
    std::string id = env.id();
    BOOST_REQUIRE(env.rt({"create", "-b", env.bundle(), id}).code == 0);
    int pid = env.pid(id);
    std::string state_before = read_file(env.root() + "/" + id + "/state.json");
    Result r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("already exists") != std::string::npos, r.err);
    BOOST_TEST(env.status(id) == "created");
    BOOST_TEST(env.pid(id) == pid);
    BOOST_TEST(read_file(env.root() + "/" + id + "/state.json") == state_before);
}

BOOST_AUTO_TEST_CASE(list_formats) {
    Env env;
    env.set("/process/args", R"(["sleep", "1000"])");
    std::string a = env.id("a"), b = env.id("b");
    BOOST_REQUIRE(env.rt({"create", "-b", env.bundle(), a}).code == 0);
    BOOST_REQUIRE(env.rt({"run", "-d", "-b", env.bundle(), b}).code == 0);
    Result q = env.rt({"list", "-q"});
    BOOST_TEST(lines(q.out) == (std::vector<std::string>{a, b}), boost::test_tools::per_element());
    Result t = env.rt({"list"});
    BOOST_TEST(t.out.find("STATUS") != std::string::npos);
    BOOST_TEST(t.out.find("created") != std::string::npos);
    BOOST_TEST(t.out.find("running") != std::string::npos);
    Result j = env.rt({"list", "--format", "json"});
    rapidjson::Document d;
    d.Parse(j.out.c_str());
    BOOST_REQUIRE(!d.HasParseError());
    BOOST_REQUIRE(d.IsArray());
    BOOST_TEST(d.Size() == 2u);
    BOOST_TEST(std::string(d[0]["status"].GetString()) == "created");
    BOOST_TEST(std::string(d[1]["status"].GetString()) == "running");
    BOOST_TEST(d[1]["pid"].GetInt() == env.pid(b));
}

// Engines parse state and list output: when it cannot be written, rt fails
// rather than exiting 0 with nothing printed. /dev/full refuses every write (ENOSPC).
BOOST_AUTO_TEST_CASE(state_and_list_fail_when_stdout_cannot_be_written) {
    Env env;
    env.set("/process/args", R"(["sleep", "1000"])");
    std::string id = env.id();
    BOOST_REQUIRE(env.rt({"create", "-b", env.bundle(), id}).code == 0);
    for (const std::string& args :
         {"state " + id, std::string("list -q"), std::string("list --format json")}) {
        BOOST_TEST_CONTEXT(args) {
            Result r = lt::run({"/bin/sh", "-c",
                                std::string("exec " RT_BINARY " --root ") + env.root() + " " +
                                    args + " >/dev/full"});
            BOOST_TEST(r.code != 0, "exit 0 with stdout on /dev/full");
            BOOST_TEST(r.err.find("write to stdout") != std::string::npos, r.err);
        }
    }
}

BOOST_AUTO_TEST_CASE(start_error_for_missing_executable) {
    Env env;
    env.set("/process/args", R"(["foo"])");
    std::string id = env.id();
    Result r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("exec: \"foo\": executable file not found in $PATH") != std::string::npos,
               r.err);
    BOOST_TEST(!exists(env.root() + "/" + id));
}

BOOST_AUTO_TEST_CASE(run_foreground_exit_code_of_signal_is_128_plus_n) {
    Env env;
    env.set("/process/args", R"(["sleep", "1000"])");
    env.write_config();
    std::string id = env.id();
    pid_t pid = ::fork();
    if (pid == 0) {
        execl(RT_BINARY, RT_BINARY, "--root", env.root().c_str(), "run", "-b", env.bundle().c_str(),
              id.c_str(), nullptr);
        _exit(127);
    }
    for (int i = 0; i < 500 && env.status(id) != "running"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    BOOST_REQUIRE(env.status(id) == "running");
    BOOST_TEST(env.rt({"kill", id, "KILL"}).code == 0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 137);
}

// checkpoint/restore do not exist in rt: engines passing runc's flags get one line saying so
// and exit 1, not CLI11's "A subcommand is required" or an unknown-option error.
BOOST_AUTO_TEST_CASE(checkpoint_and_restore_answer_not_supported) {
    Env env;
    env.set("/process/args", R"(["sleep", "1000"])");
    std::string id = env.id();
    BOOST_REQUIRE(env.rt({"run", "-d", "-b", env.bundle(), id}).code == 0);
    // podman's and containerd's command lines (runc flag names).
    Result r = env.rt({"checkpoint", "--image-path", env.dir() + "/img", "--work-path",
                       env.dir() + "/work", "--leave-running", "--tcp-established",
                       "--manage-cgroups-mode", "soft", "--file-locks", id});
    BOOST_TEST(r.code == 1);
    BOOST_TEST(r.err == "rt: checkpoint: not supported by this build\n");
    r = env.rt({"checkpoint", id});
    BOOST_TEST(r.code == 1);
    BOOST_TEST(r.err == "rt: checkpoint: not supported by this build\n");
    BOOST_TEST(env.status(id) == "running");  // untouched
    r = env.rt({"restore", "-d", "--image-path", env.dir() + "/img", "--bundle", env.bundle(),
                "--pid-file", env.dir() + "/pid", "--some-newer-flag", id + "-r"});
    BOOST_TEST(r.code == 1);
    BOOST_TEST(r.err == "rt: restore: not supported by this build\n");
    BOOST_TEST(!exists(env.root() + "/" + id + "-r"));
}
