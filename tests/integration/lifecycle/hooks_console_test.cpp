// Hooks (all six kinds: order, state on stdin, failure semantics, timeout) and terminals
// (--console-socket receives a working pty master).
#define BOOST_TEST_MODULE lifecycle integration : hooks and console
#include <poll.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>

#include "harness.hpp"

using namespace lt;

namespace {

// A host hook script that logs its kind and its stdin (the state) to <dir>/hk/log.
std::string host_hook(Env& env) {
    std::string path = env.dir() + "/hook.sh";
    write_file(path, "#!/bin/sh\necho \"$1\" >> " + env.dir() + "/hk/log\ntr -d '\\n' >> " +
                         env.dir() + "/hk/log\necho >> " + env.dir() + "/hk/log\n");
    ::chmod(path.c_str(), 0755);
    ::mkdir((env.dir() + "/hk").c_str(), 0755);
    return path;
}

size_t count(const std::string& text, const std::string& word) {
    size_t n = 0;
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
    return n;
}

std::string hook_json(const std::string& path, const std::string& kind) {
    return R"({"path":")" + path + R"(","args":["hook.sh",")" + kind + R"("]})";
}

}  // namespace

BOOST_AUTO_TEST_CASE(hooks_run_in_order_with_the_state_on_stdin) {
    Env env;
    std::string hook = host_hook(env);
    std::string log = env.dir() + "/hk/log";
    env.set("/mounts/-", R"({"destination":"/hk","type":"bind","source":")" + env.dir() +
                             R"(/hk","options":["rbind"]})");
    // startContainer runs in the container after pivot_root: a container path.
    std::string in_container =
        R"({"path":"/bin/sh","args":["sh","-c","echo startContainer >> /hk/log; tr -d \\\\n >> /hk/log; echo >> /hk/log"]})";
    env.set("/hooks", "{\"prestart\":[" + hook_json(hook, "prestart") + "],\"createRuntime\":[" +
                          hook_json(hook, "createRuntime") + "],\"createContainer\":[" +
                          hook_json(hook, "createContainer") + "],\"startContainer\":[" +
                          in_container + "],\"poststart\":[" + hook_json(hook, "poststart") +
                          "],\"poststop\":[" + hook_json(hook, "poststop") + "]}");
    env.set("/annotations", R"({"org.test":"yes"})");
    env.set("/process/args", R"(["sleep","1000"])");
    std::string id = env.id();
    Result r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    int pid = env.pid(id);
    r = env.rt({"start", id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    r = env.rt({"delete", "--force", id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);

    auto l = lines(read_file(log));
    std::vector<std::string> kinds;
    std::vector<std::string> statuses;
    for (size_t i = 0; i + 1 < l.size(); i += 2) {
        kinds.push_back(l[i]);
        rapidjson::Document d;
        d.Parse(l[i + 1].c_str());
        BOOST_REQUIRE_MESSAGE(!d.HasParseError(), "state JSON: " << l[i + 1]);
        BOOST_TEST(std::string(d["id"].GetString()) == id);
        BOOST_TEST(std::string(d["bundle"].GetString()) == env.bundle());
        BOOST_TEST(std::string(d["annotations"]["org.test"].GetString()) == "yes");
        // runtime.md "State": the pid as seen where the hook runs (1 in the container's new
        // pid namespace for createContainer and startContainer).
        if (l[i] == "createContainer" || l[i] == "startContainer")
            BOOST_TEST(d["pid"].GetInt() == 1, l[i]);
        else if (l[i] != "poststop")
            BOOST_TEST(d["pid"].GetInt() == pid, l[i]);
        statuses.push_back(d["status"].GetString());
    }
    BOOST_TEST(kinds == (std::vector<std::string>{"prestart", "createRuntime", "createContainer",
                                                  "startContainer", "poststart", "poststop"}),
               boost::test_tools::per_element());
    BOOST_TEST(statuses == (std::vector<std::string>{"creating", "creating", "creating", "created",
                                                     "running", "stopped"}),
               boost::test_tools::per_element());
}

// runtime.md "State": while a createRuntime hook runs the container is "creating", and
// `state` says so with every REQUIRED field (bundle too: before state.json exists it comes
// from the bundle link kept at the start of create), as does `list`.
BOOST_AUTO_TEST_CASE(state_while_creating_has_the_bundle) {
    Env env;
    std::string id = env.id();
    std::string out = env.dir() + "/creating";
    std::string rt = std::string(RT_BINARY) + " --root " + env.root();
    env.set("/hooks", R"({"createRuntime":[{"path":"/bin/sh","args":["sh","-c",")" + rt +
                          " state " + id + " > " + out + ".state; " + rt + " list > " + out +
                          R"(.list"]}]})");
    env.set("/process/args", R"(["true"])");
    Result r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    rapidjson::Document d;
    d.Parse(read_file(out + ".state").c_str());
    BOOST_REQUIRE_MESSAGE(d.IsObject(), "state from the hook: " << read_file(out + ".state"));
    BOOST_TEST(std::string(d["status"].GetString()) == "creating");
    BOOST_TEST(std::string(d["id"].GetString()) == id);
    BOOST_TEST(std::string(d["bundle"].GetString()) == env.bundle());
    std::string list = read_file(out + ".list");
    BOOST_TEST(list.find("creating") != std::string::npos, list);
    BOOST_TEST(list.find(env.bundle()) != std::string::npos, list);
    // Once created, the record takes over (the link is no longer what state reads).
    BOOST_TEST(env.status(id) == "created");
}

BOOST_AUTO_TEST_CASE(failing_poststop_only_warns) {
    Env env;
    // runtime.md step 13: the poststop hook after a failing one still runs.
    std::string after = env.dir() + "/after-failing-poststop";
    env.set("/hooks", R"({"poststop":[{"path":"/bin/false"},)"
                      R"({"path":"/bin/touch","args":["touch",")" +
                          after + R"("]}]})");
    env.set("/process/args", R"(["sleep","1000"])");
    std::string id = env.id();
    BOOST_REQUIRE(env.rt({"run", "-d", "-b", env.bundle(), id}).code == 0);
    BOOST_TEST(env.status(id) == "running");
    Result r = env.rt({"delete", "--force", id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.err.find("hook poststop[0] /bin/false: exit status 1") != std::string::npos,
               r.err);
    BOOST_TEST(exists(after), "the poststop hook after the failing one did not run");
    BOOST_TEST(!exists(env.root() + "/" + id));
}

// runtime.md steps 7 and 9: a failing startContainer or poststart hook fails start, the
// container is stopped and the lifecycle continues at step 12: it is destroyed (not listed,
// `state` fails) and its poststop hooks run (13). Not runc 1.1.5, which keeps a stopped
// container after a startContainer hook (and runs poststart during create).
BOOST_AUTO_TEST_CASE(failing_start_hooks_destroy_the_container_and_run_poststop) {
    for (const char* kind : {"startContainer", "poststart"}) {
        Env env;
        std::string poststop = env.dir() + "/poststop-ran";
        env.set("/hooks", std::string(R"({")") + kind + R"(":[{"path":"/bin/false"}],)" +
                              R"("poststop":[{"path":"/bin/touch","args":["touch",")" + poststop +
                              R"("]}]})");
        env.set("/process/args", R"(["sleep","1000"])");
        std::string id = env.id();
        BOOST_REQUIRE(env.rt({"create", "-b", env.bundle(), id}).code == 0);
        int pid = env.pid(id);
        BOOST_REQUIRE(pid > 0);
        Result r = env.rt({"start", id});
        BOOST_TEST(r.code != 0, kind);
        BOOST_TEST(r.err.find(std::string("hook ") + kind + "[0] /bin/false: exit status 1") !=
                       std::string::npos,
                   r.err);
        BOOST_TEST(r.err.find("(the container was destroyed)") != std::string::npos, r.err);
        BOOST_TEST(r.err.find('\n') == r.err.size() - 1, "one line: " << r.err);
        BOOST_TEST(exists(poststop), kind << ": poststop did not run");
        // Gone, or a zombie waiting for its reaper (this test may be a subreaper).
        std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
        BOOST_TEST((stat.empty() || stat.find(") Z ") != std::string::npos),
                   kind << ": the init lives: " << stat);
        BOOST_TEST(env.rt({"list", "-q"}).out.empty(), kind);
        r = env.rt({"state", id});
        BOOST_TEST(r.code != 0, kind);
        BOOST_TEST(r.err.find("does not exist") != std::string::npos, r.err);
        // What engines do next: delete (containerd's shim takes "does not exist" as deleted).
        r = env.rt({"delete", id});
        BOOST_TEST(r.err.find("does not exist") != std::string::npos, r.err);
    }
}

// `run` with a failing startContainer hook: the same, and `run` fails with the hook's error.
BOOST_AUTO_TEST_CASE(run_with_a_failing_start_container_hook_destroys_once) {
    Env env;
    std::string poststop = env.dir() + "/poststop-count";
    env.set("/hooks", R"({"startContainer":[{"path":"/bin/false"}],)"
                      R"("poststop":[{"path":"/bin/sh","args":["sh","-c","echo x >> )" +
                          poststop + R"("]}]})");
    Result r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("hook startContainer[0] /bin/false: exit status 1") != std::string::npos,
               r.err);
    BOOST_TEST(read_file(poststop) == "x\n");  // poststop ran exactly once
    BOOST_TEST(env.rt({"list", "-q"}).out.empty());
}

BOOST_AUTO_TEST_CASE(hook_env_args_and_timeout) {
    Env env;
    std::string path = env.dir() + "/envhook.sh";
    (void)path;
    env.set("/hooks",
            R"({"createRuntime":[{"path":"/bin/sh","args":["sh","-c","echo \"$0|$1|$FOO\" > )" +
                env.dir() + R"(/envout","name0","arg1"],"env":["FOO=bar"]}]})");
    BOOST_TEST(env.run_container().code == 0);
    BOOST_TEST(read_file(env.dir() + "/envout") == "name0|arg1|bar\n");

    env.set("/hooks",
            R"({"createRuntime":[{"path":"/bin/sleep","args":["sleep","30"],"timeout":1}]})");
    std::string id = env.id();
    Result r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(
        r.err.find("hook createRuntime[0] /bin/sleep: timed out after 1 s") != std::string::npos,
        r.err);
    BOOST_TEST(!exists(env.root() + "/" + id));
}

// A hook without "env": rt's environment in the runtime namespace (as runc), an empty one in
// the container's (createContainer runs in the init).
BOOST_AUTO_TEST_CASE(hooks_without_env) {
    Env env;
    ::setenv("RT_HOOK_TEST_VAR", "from-rt", 1);
    std::string out = env.dir() + "/hook-env";
    env.set("/hooks", R"({"createRuntime":[{"path":"/bin/sh","args":["sh","-c",)"
                      R"("echo runtime:$RT_HOOK_TEST_VAR >> )" +
                          out +
                          R"("]}],"createContainer":[{"path":"/bin/sh","args":["sh","-c",)"
                          R"("echo container:$RT_HOOK_TEST_VAR: >> )" +
                          out + R"("]}]})");
    Result r = env.run_container();
    ::unsetenv("RT_HOOK_TEST_VAR");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(read_file(out) == "runtime:from-rt\ncontainer::\n");
}

BOOST_AUTO_TEST_CASE(console_socket_receives_a_working_pty) {
    Env env;
    std::string sock_path = env.dir() + "/console.sock";
    int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
    BOOST_REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_REQUIRE(::listen(listener, 1) == 0);

    env.set("/process/terminal", "true");
    env.set("/process/consoleSize", R"({"height":33,"width":101})");
    env.sh("read line; echo got:$line; stty size; tty; test -c /dev/console && echo console");
    std::string id = env.id();
    Result r = env.rt({"create", "--console-socket", sock_path, "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    BOOST_REQUIRE(conn >= 0);
    char payload[64] = {};
    iovec iov{payload, sizeof payload - 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    BOOST_REQUIRE(::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) > 0);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    BOOST_REQUIRE(c && c->cmsg_type == SCM_RIGHTS);
    int master;
    std::memcpy(&master, CMSG_DATA(c), sizeof master);
    ::close(conn);
    ::close(listener);

    r = env.rt({"start", id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_REQUIRE(::write(master, "typed\n", 6) == 6);
    std::string out;
    for (;;) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 10000) <= 0) break;
        char buf[512];
        ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0) break;  // EIO once the container's side is closed
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(master);
    BOOST_TEST(out.find("got:typed") != std::string::npos, out);
    BOOST_TEST(out.find("33 101") != std::string::npos, out);
    BOOST_TEST(out.find("/dev/pts/0") != std::string::npos, out);
    BOOST_TEST(out.find("console") != std::string::npos, out);
}

// The pty of a non-root process is its uid's (gid kept: devpts' gid=5), as runc gives it, so
// the process can use its console: for the init (run) and for `exec -t`.
BOOST_AUTO_TEST_CASE(the_pty_belongs_to_the_process_user) {
    Env env;
    env.set("/process/terminal", "true");
    env.set("/process/user", R"({"uid":1000,"gid":1000})");
    const std::string script =
        "for f in /proc/self/fd/0 /proc/self/fd/2 /dev/console; do stat -L -c %u:%g $f; done; "
        "echo tty-writable > /dev/tty";
    env.sh(script);
    env.write_config();
    std::string cmd = std::string(RT_BINARY) + " --root " + env.root() + " run -b " + env.bundle() +
                      " " + env.id();
    Result r = lt::run({"script", "-qec", cmd, "/dev/null"});
    BOOST_TEST(r.code == 0, r.out << r.err);
    // (script(1) relays the lines with \r\n and may add a NUL: count the owners instead.)
    BOOST_TEST(count(r.out, "1000:5") == 3u, r.out);
    BOOST_TEST(r.out.find("tty-writable") != std::string::npos, r.out);

    // exec -t --user 1000 into a container whose init is root.
    Env e2;
    e2.set("/process/args", R"(["sleep","1000"])");
    std::string id = e2.id();
    BOOST_REQUIRE(e2.rt({"run", "-d", "-b", e2.bundle(), id}).code == 0);
    cmd = std::string(RT_BINARY) + " --root " + e2.root() + " exec -t --user 1000:1000 " + id +
          " sh -c '" + script + "'";
    r = lt::run({"script", "-qec", cmd, "/dev/null"});
    BOOST_TEST(r.code == 0, r.out << r.err);
    // /dev/console is not the exec's pty: only its fds 0 and 2 are.
    BOOST_TEST(count(r.out, "1000:5") == 2u, r.out);
    BOOST_TEST(r.out.find("tty-writable") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(terminal_without_console_socket_is_refused_for_create) {
    Env env;
    env.set("/process/terminal", "true");
    std::string id = env.id();
    Result r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("--console-socket") != std::string::npos, r.err);
    BOOST_TEST(!exists(env.root() + "/" + id));
}

BOOST_AUTO_TEST_CASE(run_in_the_foreground_attaches_the_callers_terminal) {
    // script(1) gives rt a pty as its stdin/stdout, as a person's terminal would be.
    Env env;
    env.set("/process/terminal", "true");
    env.sh("tty; echo in-container-tty; exit 4");
    env.write_config();
    std::string cmd = std::string(RT_BINARY) + " --root " + env.root() + " run -b " + env.bundle() +
                      " " + env.id();
    Result r = lt::run({"script", "-qec", cmd, "/dev/null"});
    BOOST_TEST(r.code == 4, r.out << r.err);
    BOOST_TEST(r.out.find("/dev/pts/0") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("in-container-tty") != std::string::npos, r.out);
}
