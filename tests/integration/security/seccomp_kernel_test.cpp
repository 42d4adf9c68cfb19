// Seccomp filters compiled by rt and loaded by forked children into the real kernel: each
// action is triggered, argument comparisons are checked, and SCMP_ACT_NOTIFY reaches a test
// agent on a unix socket through the runtime-spec's seccomp agent protocol.
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <rapidjson/document.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "agent.hpp"
#include "audit.hpp"
#include "base/fd.hpp"
#include "child.hpp"
#include "rt/error.hpp"
#include "security/process_security.hpp"
#include "security/seccomp.hpp"
#include "security/seccomp_agent.hpp"

using namespace rt;
using namespace rt::security;
using namespace rt::test;

namespace {

oci::Seccomp one_rule(const std::string& default_action, const std::string& name,
                      const std::string& action, std::optional<uint32_t> errno_ret = {},
                      std::vector<oci::SyscallArg> args = {}) {
    oci::Seccomp config;
    config.defaultAction = default_action;
    oci::Syscall rule;
    rule.names = {name};
    rule.action = action;
    rule.errnoRet = errno_ret;
    rule.args = std::move(args);
    config.syscalls.push_back(rule);
    return config;
}

// Child side: no_new_privs, then the filter; reports a failed step on `out`.
bool child_load(const CompiledSeccomp& filter, int out, int* notify_fd = nullptr) {
    if (auto r = set_no_new_privs(); !r) {
        say(out, "nnp failed: %s", r.message);
        return false;
    }
    if (auto r = load_seccomp(filter, notify_fd); !r) {
        char text[300];
        describe(r, text, sizeof text);
        say(out, "load failed: %s", text);
        return false;
    }
    return true;
}

std::string unique_name(const char* what) {
    return std::string(what) + "-" + std::to_string(::getpid()) + "-" + std::to_string(::random());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp_in_the_kernel)

BOOST_AUTO_TEST_CASE(errno_returns_the_configured_errno) {
    auto filter = compile_seccomp(one_rule("SCMP_ACT_ALLOW", "getppid", "SCMP_ACT_ERRNO", 42));
    auto r = run_in_child([&](int out) {
        if (!child_load(filter, out)) return 1;
        long rc = ::syscall(SYS_getppid);
        say(out, "rc=%ld errno=%d pid_ok=%d", rc, errno, ::syscall(SYS_getpid) > 0);
        return 0;
    });
    BOOST_TEST(r.exited(0), r.describe());
    BOOST_TEST(r.output == "rc=-1 errno=42 pid_ok=1");

    // Default errno for SCMP_ACT_ERRNO is EPERM; defaultErrnoRet applies to the default.
    auto config = one_rule("SCMP_ACT_ERRNO", "exit_group", "SCMP_ACT_ALLOW");
    for (const char* name : {"write", "getppid", "exit", "rt_sigreturn"})
        config.syscalls[0].names.push_back(name);
    config.defaultErrnoRet = ENOTSUP;
    auto deny = compile_seccomp(config);
    r = run_in_child([&](int out) {
        if (!child_load(deny, out)) return 1;
        long rc = ::syscall(SYS_getpid);
        say(out, "rc=%ld errno=%d", rc, errno);
        return 0;
    });
    BOOST_TEST(r.exited(0), r.describe());
    BOOST_TEST(r.output == "rc=-1 errno=" + std::to_string(ENOTSUP));
}

BOOST_AUTO_TEST_CASE(root_loads_without_no_new_privs) {
    // CAP_SYS_ADMIN instead of no_new_privs: the filter loads and no_new_privs stays off.
    auto filter = compile_seccomp(one_rule("SCMP_ACT_ALLOW", "getppid", "SCMP_ACT_ERRNO", 13));
    auto r = run_in_child([&](int out) {
        if (auto s = load_seccomp(filter, nullptr); !s) {
            say(out, "load failed: %s", s.message);
            return 1;
        }
        long rc = ::syscall(SYS_getppid);
        say(out, "rc=%ld errno=%d\n", rc, errno);
        dump_status(out);
        return 0;
    });
    BOOST_TEST(r.exited(0), r.describe());
    BOOST_TEST(r.output.rfind("rc=-1 errno=13\n", 0) == 0u, r.output);
    BOOST_TEST(status_field(r.output, "NoNewPrivs") == "0");
    BOOST_TEST(status_field(r.output, "Seccomp") == "2");
}

BOOST_AUTO_TEST_CASE(kill_actions_kill_with_sigsys) {
    for (const char* action : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS"}) {
        auto filter = compile_seccomp(one_rule("SCMP_ACT_ALLOW", "getppid", action));
        auto r = run_in_child([&](int out) {
            if (!child_load(filter, out)) return 1;
            ::syscall(SYS_getppid);
            say(out, "survived");
            return 0;
        });
        BOOST_TEST(r.killed_by(SIGSYS), action << ": " << r.describe());
    }
}

BOOST_AUTO_TEST_CASE(kill_thread_kills_the_thread_and_kill_process_the_process) {
    auto run = [](const char* action) {
        auto filter = compile_seccomp(one_rule("SCMP_ACT_ALLOW", "getppid", action));
        return run_in_child([&](int out) {
            if (!child_load(filter, out)) return 1;
            pthread_t thread;
            auto body = [](void*) -> void* {
                ::syscall(SYS_getppid);
                return nullptr;
            };
            if (pthread_create(&thread, nullptr, body, nullptr) != 0) return 2;
            pthread_join(thread, nullptr);
            say(out, "main thread alive");
            return 0;
        });
    };
    auto thread = run("SCMP_ACT_KILL_THREAD");
    BOOST_TEST(thread.exited(0), thread.describe());
    BOOST_TEST(thread.output == "main thread alive");
    auto process = run("SCMP_ACT_KILL_PROCESS");
    BOOST_TEST(process.killed_by(SIGSYS), process.describe());
    BOOST_TEST(process.output.empty());
}

namespace {
volatile sig_atomic_t g_trap_code = 0;
volatile sig_atomic_t g_trap_syscall = -1;
void on_sigsys(int, siginfo_t* info, void*) {
    g_trap_code = info->si_code;
    g_trap_syscall = info->si_syscall;
}
}  // namespace

BOOST_AUTO_TEST_CASE(trap_raises_sigsys_with_the_syscall) {
    auto filter = compile_seccomp(one_rule("SCMP_ACT_ALLOW", "getppid", "SCMP_ACT_TRAP"));
    auto r = run_in_child([&](int out) {
        struct sigaction sa {};
        sa.sa_sigaction = on_sigsys;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSYS, &sa, nullptr);
        const long ppid = ::syscall(SYS_getppid);
        if (!child_load(filter, out)) return 1;
        const long rc = ::syscall(SYS_getppid);
        say(out, "ran=%d code=%d syscall=%d", rc == ppid, static_cast<int>(g_trap_code),
            static_cast<int>(g_trap_syscall));
        return 0;
    });
    BOOST_TEST(r.exited(0), r.describe());
    // The call did not run; the handler saw SYS_SECCOMP (si_code 1) and the syscall number.
    BOOST_TEST(r.output == "ran=0 code=1 syscall=" + std::to_string(SYS_getppid));

    // Without a handler the default disposition of SIGSYS ends the process.
    auto unhandled = run_in_child([&](int out) {
        if (!child_load(filter, out)) return 1;
        ::syscall(SYS_getppid);
        return 0;
    });
    BOOST_TEST(unhandled.killed_by(SIGSYS), unhandled.describe());
}

BOOST_AUTO_TEST_CASE(trace_without_a_tracer_fails_with_enosys) {
    auto filter = compile_seccomp(one_rule("SCMP_ACT_ALLOW", "getppid", "SCMP_ACT_TRACE", 77));
    auto r = run_in_child([&](int out) {
        if (!child_load(filter, out)) return 1;
        long rc = ::syscall(SYS_getppid);
        say(out, "rc=%ld errno=%d", rc, errno);
        return 0;
    });
    BOOST_TEST(r.exited(0), r.describe());
    BOOST_TEST(r.output == "rc=-1 errno=" + std::to_string(ENOSYS));
}

BOOST_AUTO_TEST_CASE(trace_stops_a_tracer_with_errno_ret_as_the_event_message) {
    auto filter = compile_seccomp(one_rule("SCMP_ACT_ALLOW", "getppid", "SCMP_ACT_TRACE", 77));
    int pipefd[2];
    BOOST_TEST_REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
    base::UniqueFd rd(pipefd[0]), wr(pipefd[1]);
    pid_t pid = ::fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
        rd.reset();
        ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
        ::raise(SIGSTOP);
        if (!child_load(filter, wr.get())) ::_exit(1);
        long rc = ::syscall(SYS_getppid);
        say(wr.get(), "rc_is_ppid=%d", rc == ::getppid());
        ::_exit(0);
    }
    ChildGuard guard(pid);
    wr.reset();
    int status = 0;
    BOOST_TEST_REQUIRE(::waitpid(pid, &status, 0) == pid);
    BOOST_TEST_REQUIRE((WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP));
    BOOST_TEST_REQUIRE(
        ::ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL) == 0);
    BOOST_TEST_REQUIRE(::ptrace(PTRACE_CONT, pid, nullptr, nullptr) == 0);
    unsigned long message = 0;
    bool seccomp_stop = false;
    for (;;) {
        BOOST_TEST_REQUIRE(::waitpid(pid, &status, 0) == pid);
        if (WIFEXITED(status) || WIFSIGNALED(status)) break;
        if (WIFSTOPPED(status) && (status >> 8) == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
            seccomp_stop = true;
            ::ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &message);
            ::ptrace(PTRACE_CONT, pid, nullptr, nullptr);
            continue;
        }
        // Other stops (signals) are passed on.
        ::ptrace(PTRACE_CONT, pid, nullptr, WIFSTOPPED(status) ? WSTOPSIG(status) : 0);
    }
    guard.wait();
    BOOST_TEST(seccomp_stop);
    BOOST_TEST(message == 77u);
    BOOST_TEST(WIFEXITED(status));
    // With a tracer that lets it through, the syscall runs.
    BOOST_TEST(read_all(rd.get()) == "rc_is_ppid=1");
}

BOOST_AUTO_TEST_CASE(log_allows_and_logs_the_syscall) {
    auto filter = compile_seccomp(one_rule("SCMP_ACT_ALLOW", "getppid", "SCMP_ACT_LOG"));
    // The kernel logs through audit (audit.hpp).
    AuditSeccompReader audit;

    int pipefd[2];
    BOOST_TEST_REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
    base::UniqueFd rd(pipefd[0]), wr(pipefd[1]);
    const pid_t child_pid = ::fork();
    BOOST_TEST_REQUIRE(child_pid >= 0);
    if (child_pid == 0) {
        rd.reset();
        if (!child_load(filter, wr.get())) ::_exit(1);
        long rc = ::syscall(SYS_getppid);
        say(wr.get(), "rc_is_ppid=%d", rc == ::getppid());
        ::_exit(0);
    }
    ChildGuard guard(child_pid);
    wr.reset();
    std::string out = read_all(rd.get());
    int status = guard.wait();
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(out == "rc_is_ppid=1");  // logged, and allowed

    const std::string pid_field = " pid=" + std::to_string(child_pid) + " ";
    const std::string syscall_field = " syscall=" + std::to_string(SYS_getppid) + " ";
    const bool found = audit.wait_for([&](const std::string& text) {
        return text.find(pid_field) != std::string::npos &&
               text.find(syscall_field) != std::string::npos &&
               text.find("code=0x7ffc0000") != std::string::npos;
    });
    BOOST_TEST(found, "no AUDIT_SECCOMP record for SCMP_ACT_LOG of pid " << child_pid);
}

BOOST_AUTO_TEST_CASE(argument_comparisons_in_the_kernel) {
    const uint64_t big = 0x100000005ULL;
    struct Case {
        const char* op;
        uint64_t value, value_two;
        std::vector<uint64_t> probes;
        std::string expected;  // one digit per probe: 1 = the rule matched
    } cases[] = {
        {"SCMP_CMP_EQ", big, 0, {big, 5, big + 1}, "100"},
        {"SCMP_CMP_NE", big, 0, {big, 5}, "01"},
        {"SCMP_CMP_LT", big, 0, {big - 1, big, 0}, "101"},
        {"SCMP_CMP_LE", big, 0, {big, big + 1}, "10"},
        {"SCMP_CMP_GT", big, 0, {big + 1, big, 1}, "100"},
        {"SCMP_CMP_GE", big, 0, {big, big - 1}, "10"},
        {"SCMP_CMP_MASKED_EQ", 0xff00, 0x4200, {0x4200, 0x42ff, 0x4300, 0x1004200}, "1101"},
    };
    for (const auto& c : cases) {
        auto filter = compile_seccomp(one_rule("SCMP_ACT_ALLOW", "getpgid", "SCMP_ACT_ERRNO", 99,
                                               {{0, c.value, c.value_two, c.op}}));
        auto r = run_in_child([&](int out) {
            if (!child_load(filter, out)) return 1;
            for (uint64_t probe : c.probes) {
                errno = 0;
                long rc = ::syscall(SYS_getpgid, probe);
                say(out, "%d", rc == -1 && errno == 99 ? 1 : 0);
            }
            return 0;
        });
        BOOST_TEST(r.exited(0), c.op << ": " << r.describe());
        BOOST_TEST(r.output == c.expected, c.op);
    }
}

BOOST_AUTO_TEST_CASE(notify_reaches_an_agent_that_answers) {
    const std::string socket_path = "/tmp/" + unique_name("rt-seccomp-agent") + ".sock";
    TestAgent agent(socket_path);
    std::thread agent_thread([&] { agent.serve(1, 4242); });
    struct Joiner {
        std::thread& t;
        ~Joiner() {
            if (t.joinable()) t.join();
        }
    } joiner{agent_thread};

    auto config = one_rule("SCMP_ACT_ALLOW", "getppid", "SCMP_ACT_NOTIFY");
    config.listenerPath = socket_path;
    config.listenerMetadata = "answer=4242";
    auto filter = compile_seccomp(config);
    BOOST_TEST_REQUIRE(filter.notify);

    // The sync channel of rt's child: fd number up, ack down.
    int up[2], down[2];
    BOOST_TEST_REQUIRE(::pipe2(up, O_CLOEXEC) == 0);
    BOOST_TEST_REQUIRE(::pipe2(down, O_CLOEXEC) == 0);
    base::UniqueFd up_r(up[0]), up_w(up[1]), down_r(down[0]), down_w(down[1]);
    int out_pipe[2];
    BOOST_TEST_REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    base::UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);

    pid_t pid = ::fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
        int fd = -1;
        if (!child_load(filter, out_w.get(), &fd)) ::_exit(1);
        // Between the load and the parent's copy only write(2) runs.
        if (::write(up_w.get(), &fd, sizeof fd) != sizeof fd) ::_exit(2);
        char ack;
        if (::read(down_r.get(), &ack, 1) != 1) ::_exit(3);
        ::close(fd);
        long rc = ::syscall(SYS_getppid);
        say(out_w.get(), "getppid=%ld", rc);
        ::_exit(0);
    }
    ChildGuard guard(pid);
    up_w.reset();
    down_r.reset();
    out_w.reset();

    int remote_fd = -1;
    BOOST_TEST_REQUIRE(::read(up_r.get(), &remote_fd, sizeof remote_fd) ==
                       static_cast<ssize_t>(sizeof remote_fd));
    BOOST_TEST_REQUIRE(remote_fd >= 0);
    {
        base::UniqueFd copy = take_fd_from_process(pid, remote_fd);
        SeccompAgentMessage message;
        message.pid = pid;
        message.metadata = filter.listener_metadata;
        message.state_json = R"({"ociVersion":"1.3.0","id":"sec-test","status":"creating","pid":)" +
                             std::to_string(pid) + R"(,"bundle":"/tmp/bundle"})";
        send_to_seccomp_agent(filter.listener_path, message, copy.get());
    }
    BOOST_TEST_REQUIRE(::write(down_w.get(), "k", 1) == 1);
    std::string out = read_all(out_r.get());
    int status = guard.wait();
    agent_thread.join();

    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(agent.error == "");
    BOOST_TEST(out == "getppid=4242");
    BOOST_TEST(agent.notified_pid == pid);
    BOOST_TEST(agent.notified_nr == SYS_getppid);
    BOOST_TEST(agent.fds_received == 1);
    rapidjson::Document doc;
    doc.Parse(agent.payload.c_str());
    BOOST_TEST_REQUIRE(doc.IsObject(), agent.payload);
    BOOST_TEST(doc["pid"].GetInt() == pid);
    BOOST_TEST(std::string(doc["metadata"].GetString()) == "answer=4242");
    BOOST_TEST(std::string(doc["fds"][0].GetString()) == "seccompFd");
    BOOST_TEST(std::string(doc["state"]["id"].GetString()) == "sec-test");
    BOOST_TEST(std::string(doc["state"]["status"].GetString()) == "creating");
}

BOOST_AUTO_TEST_CASE(sending_to_a_missing_agent_is_an_error_naming_the_socket) {
    const std::string path = "/tmp/" + unique_name("rt-no-agent") + ".sock";
    SeccompAgentMessage message;
    message.pid = 1;
    message.state_json = "{}";
    try {
        send_to_seccomp_agent(path, message, 0);
        BOOST_FAIL("expected an error");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()).find("seccomp agent " + path + ": connect") == 0u,
                   e.what());
    }
}

BOOST_AUTO_TEST_CASE(a_long_listener_path_is_reached_through_its_directory) {
    // sun_path holds 107 bytes; engines put sockets in deep directories.
    std::string dir = "/tmp/" + unique_name("rt-long");
    while (dir.size() < 120) dir += "/dddddddddddddddddddd";
    std::filesystem::create_directories(dir);
    struct Cleanup {
        std::string top;
        ~Cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(top, ec);
        }
    } cleanup{dir.substr(0, dir.find('/', 5))};
    const std::string path = dir + "/agent.sock";
    BOOST_TEST_REQUIRE(path.size() > 108u);

    // A bound socket at that path, via the same /proc/self/fd trick.
    base::UniqueFd dirfd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    TestAgent agent("/proc/self/fd/" + std::to_string(dirfd.get()) + "/agent.sock");
    std::thread t([&] {
        base::UniqueFd conn(::accept4(agent.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        agent.payload = read_all(conn.get());
    });
    base::UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    SeccompAgentMessage message;
    message.pid = 7;
    message.state_json = R"({"id":"x"})";
    send_to_seccomp_agent(path, message, devnull.get());
    t.join();
    BOOST_TEST(agent.payload.find("\"pid\":7") != std::string::npos, agent.payload);
    ::unlink(path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
