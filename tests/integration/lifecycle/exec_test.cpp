// rt exec: joins the container's namespaces, exit codes, --process JSON, env/cwd/user flags,
// detach + pid file, tty over --console-socket, errors for stopped containers, fd hygiene.
#define BOOST_TEST_MODULE lifecycle integration : exec
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstring>
#include <thread>

#include "harness.hpp"

using namespace lt;

namespace {
struct Running {
    Env env;
    std::string id;
    Running() {
        env.set("/process/args", R"(["sleep","1000"])");
        env.set(
            "/linux/namespaces",
            R"([{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"cgroup"}])");
        id = env.id("exec");
        Result r = env.rt({"run", "-d", "-b", env.bundle(), id});
        BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    }
    Result exec(std::vector<std::string> args, const std::string& input = "") {
        args.insert(args.begin(), "exec");
        return env.rt(args, input);
    }
};
std::string ns_of(int pid, const char* name) {
    char buf[256];
    ssize_t n =
        ::readlink(("/proc/" + std::to_string(pid) + "/ns/" + name).c_str(), buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    return buf;
}
}  // namespace

BOOST_AUTO_TEST_CASE(exec_joins_every_namespace_of_the_container) {
    Running c;
    int init = c.env.pid(c.id);
    Result r = c.exec(
        {c.id, "sh", "-c",
         "for n in pid net ipc uts mnt cgroup user; do readlink /proc/self/ns/$n; done; hostname"});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    auto l = lines(r.out);
    BOOST_REQUIRE(l.size() == 8u);
    const char* names[] = {"pid", "net", "ipc", "uts", "mnt", "cgroup", "user"};
    for (int i = 0; i < 7; ++i) BOOST_TEST(l[i] == ns_of(init, names[i]), names[i]);
    BOOST_TEST(l[7] == "rt-test");
}

BOOST_AUTO_TEST_CASE(exec_exit_codes_and_stdio) {
    Running c;
    BOOST_TEST(c.exec({c.id, "sh", "-c", "exit 5"}).code == 5);
    BOOST_TEST(c.exec({c.id, "true"}).code == 0);
    Result r = c.exec({c.id, "cat"}, "through stdin\n");
    BOOST_TEST(r.out == "through stdin\n");
    r = c.exec({c.id, "--", "ls", "-d", "/proc"});
    BOOST_TEST(r.out == "/proc\n", r.err);
    r = c.exec({c.id, "nosuch"});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(
        r.err.find("exec: \"nosuch\": executable file not found in $PATH") != std::string::npos,
        r.err);
}

BOOST_AUTO_TEST_CASE(exec_flags_env_cwd_user_gids) {
    Running c;
    Result r = c.exec({"-e", "FOO=1", "--env", "TERM=dumb", "--cwd", "/proc", "-u", "1234:567",
                       "--additional-gids", "42", c.id, "sh", "-c",
                       "echo $FOO $TERM; pwd; id -u; id -g; id -G"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "1 dumb\n/proc\n1234\n567\n567 42\n", r.out);
}

BOOST_AUTO_TEST_CASE(exec_process_json_as_engines_pass_it) {
    Running c;
    std::string file = c.env.dir() + "/process.json";
    write_file(
        file,
        R"({"terminal":false,"user":{"uid":7,"gid":8},"args":["sh","-c","echo $A; pwd; id -u; ulimit -n"],
        "env":["A=from-json","PATH=/bin"],"cwd":"/dev","rlimits":[{"type":"RLIMIT_NOFILE","soft":99,"hard":99}]})");
    Result r = c.exec({"--process", file, c.id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "from-json\n/dev\n7\n99\n", r.out);
}

BOOST_AUTO_TEST_CASE(exec_detach_with_pid_file) {
    Running c;
    std::string pidfile = c.env.dir() + "/exec.pid";
    Result r = c.exec({"-d", "--pid-file", pidfile, c.id, "sleep", "1000"});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    int pid = std::stoi(read_file(pidfile));
    BOOST_TEST(read_file("/proc/" + std::to_string(pid) + "/comm") == "sleep\n");
    BOOST_TEST(ns_of(pid, "pid") == ns_of(c.env.pid(c.id), "pid"));
}

BOOST_AUTO_TEST_CASE(exec_only_stdio_fds) {
    Running c;
    Result r = c.exec({c.id, "sh", "-c", "ls /proc/self/fd | tr '\\n' ' '"});
    BOOST_TEST(r.out == "0 1 2 3 ", r.out);
}

BOOST_AUTO_TEST_CASE(exec_tty_over_console_socket) {
    Running c;
    std::string sock_path = c.env.dir() + "/c.sock";
    int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
    BOOST_REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_REQUIRE(::listen(listener, 1) == 0);
    Result r = c.exec(
        {"-t", "-d", "--console-socket", sock_path, c.id, "sh", "-c", "tty; echo hello-tty"});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    BOOST_REQUIRE(conn >= 0);
    char payload[64];
    iovec iov{payload, sizeof payload};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    BOOST_REQUIRE(::recvmsg(conn, &msg, 0) > 0);
    int master;
    std::memcpy(&master, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof master);
    std::string out;
    for (;;) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 10000) <= 0) break;
        char buf[256];
        ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(master);
    ::close(conn);
    ::close(listener);
    BOOST_TEST(out.find("/dev/pts/") != std::string::npos, out);
    BOOST_TEST(out.find("hello-tty") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(exec_into_a_stopped_container_is_a_clear_error) {
    Running c;
    BOOST_REQUIRE(c.env.rt({"kill", c.id, "KILL"}).code == 0);
    for (int i = 0; i < 300 && c.env.status(c.id) != "stopped"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    Result r = c.exec({c.id, "true"});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("cannot exec in container \"" + c.id + "\": it is not running") !=
                   std::string::npos,
               r.err);
    r = c.exec({"nonexistent-container", "true"});
    BOOST_TEST(r.err.find("does not exist") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(exec_into_a_user_namespace_container) {
    Env env;
    std::string err;
    std::string id = run_userns_holder(env, &err);  // a sleeping container in a user namespace
    BOOST_REQUIRE_MESSAGE(!id.empty(), err);
    Result r =
        env.rt({"exec", "-u", "5:6", id, "sh", "-c", "id -u; id -g; cat /proc/self/uid_map"});
    BOOST_TEST(r.code == 0, r.err);
    auto l = lines(r.out);
    BOOST_REQUIRE(l.size() == 3u);
    BOOST_TEST(l[0] == "5");
    BOOST_TEST(l[1] == "6");
    BOOST_TEST(l[2].find("100000") != std::string::npos, l[2]);
    int init = env.pid(id);
    r = env.rt({"exec", id, "readlink", "/proc/self/ns/user"});
    BOOST_TEST(r.out == ns_of(init, "user") + "\n");
}

// --no-pivot moves the rootfs onto / and chroots the init. `rt exec` joins the mount namespace,
// whose root the kernel resolves through the mount stacked on it: the exec'd process is in the
// container's root like the init (never the host's), also after "cd /..".
BOOST_AUTO_TEST_CASE(exec_into_a_no_pivot_container_lands_in_its_root) {
    Env env;
    env.set("/process/args", R"(["sleep","1000"])");
    std::string id = env.id("nopivot");
    Result r = env.rt({"run", "-d", "--no-pivot", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    struct stat st {};
    BOOST_REQUIRE(::stat(env.rootfs().c_str(), &st) == 0);
    r = env.rt({"exec", id, "sh", "-c",
                "stat -c %i /; stat -Lc %i /proc/1/root; cd /..; stat -c %i .; test -e " +
                    env.bundle() + "/config.json && echo host-visible; true"});
    BOOST_TEST(r.code == 0, r.err);
    auto l = lines(r.out);
    BOOST_REQUIRE_MESSAGE(l.size() == 3u, r.out);
    BOOST_TEST(l[0] == std::to_string(st.st_ino));
    BOOST_TEST(l[1] == l[0]);
    BOOST_TEST(l[2] == l[0]);
}

// Every process rt starts is a session leader (runc calls setsid for each): an exec without a
// terminal too, and the init. Inside the container its process group and session are its own
// pid (they would read 0 if they were the caller's, outside the pid namespace).
BOOST_AUTO_TEST_CASE(exec_and_init_processes_are_session_leaders) {
    const std::string probe = "echo $$ $(cut -d' ' -f5,6 /proc/self/stat)";
    Running c;
    for (bool detach : {false, true}) {
        BOOST_TEST_CONTEXT("detach " << detach) {
            const std::string out_file = "/dev/shm/session-" + std::to_string(detach);
            std::vector<std::string> args = {c.id, "sh", "-c", probe};
            if (detach) {
                args = {"-d", c.id, "sh", "-c", probe + " > " + out_file};
                Result r = c.exec(args);
                BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
                Result cat;
                for (int i = 0; i < 500; ++i) {
                    cat = c.exec({c.id, "cat", out_file});
                    if (cat.code == 0 && !cat.out.empty()) break;
                    ::usleep(10000);
                }
                args = {c.id, "cat", out_file};
            }
            Result r = c.exec(args);
            BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
            auto f = lines(r.out);
            BOOST_REQUIRE(f.size() == 1u);
            // "<pid> <pgrp> <session>" of the shell rt exec'd (cut, its child, reads its own
            // stat: the same group and session).
            std::string pid = f[0].substr(0, f[0].find(' '));
            BOOST_TEST(f[0] == pid + " " + pid + " " + pid, f[0]);
            BOOST_TEST(pid != "0");
        }
    }
    // The init: its session is the container's pid 1.
    Env env;
    env.sh(probe);
    Result r = env.run_container("session");
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(r.out == "1 1 1\n", r.out);
}
