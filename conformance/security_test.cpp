// config-linux.md "seccomp" and the default privilege drop seen from inside.
#include <poll.h>
#include <rapidjson/document.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "suite.hpp"

using namespace conformance;

#define RUN "verb:run", "verb:delete", "verb:state"

BOOST_AUTO_TEST_SUITE(security)

BOOST_AUTO_TEST_CASE(seccomp_errno_action_returns_the_errno, *needs({RUN, "seccomp"})) {
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "architectures":["SCMP_ARCH_X86_64"],
        "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]})");
    auto blocked = run_probe(b, {"syscall", "mkdir"});
    BOOST_TEST(parse_probe_action(blocked.out).err == 38, blocked.describe());
    auto allowed = run_probe(b, {"syscall", "getpid"});
    BOOST_TEST(parse_probe_action(allowed.out).err == 0, allowed.describe());
    b.config.args({"/bin/rt-probe", "report"});
    auto r = run_report(b);
    BOOST_TEST(r.seccomp == 2);
}

BOOST_AUTO_TEST_CASE(seccomp_kill_action_kills, *needs({RUN, "seccomp"})) {
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "syscalls":[{"names":["getppid"],"action":"SCMP_ACT_KILL"}]})");
    auto r = run_probe(b, {"syscall", "getppid"});
    BOOST_TEST(r.out.empty(), r.out);
    BOOST_TEST(r.exit_code != 0);
}

BOOST_AUTO_TEST_CASE(seccomp_argument_comparison, *needs({RUN, "seccomp"})) {
    Bundle b;
    // personality(0xffffffff) (a query) fails with EPERM; other calls are untouched.
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "syscalls":[{"names":["personality"],"action":"SCMP_ACT_ERRNO","errnoRet":1,
                     "args":[{"index":0,"value":4294967295,"op":"SCMP_CMP_EQ"}]}]})");
    auto r = run_probe(b, {"syscall", "personality"});
    BOOST_TEST(parse_probe_action(r.out).err == 1, r.describe());
    auto other = run_probe(b, {"syscall", "getppid"});
    BOOST_TEST(parse_probe_action(other.out).err == 0, other.describe());
}

BOOST_AUTO_TEST_CASE(seccomp_unknown_action_is_an_error, *needs({RUN, "seccomp"})) {
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "syscalls":[{"names":["getppid"],"action":"SCMP_ACT_NO_SUCH_ACTION"}]})");
    std::string id = unique_name("badseccomp");
    ContainerGuard guard(runtime(), id);
    BOOST_TEST(!runtime().run(id, b).ok());
}

// config-linux.md "seccomp" SCMP_ACT_TRAP: the thread gets SIGSYS (fatal without a handler).
BOOST_AUTO_TEST_CASE(seccomp_trap_action_sends_sigsys,
                     *needs({RUN, "seccomp", "seccomp:SCMP_ACT_TRAP"})) {
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "syscalls":[{"names":["getppid"],"action":"SCMP_ACT_TRAP"}]})");
    auto r = run_probe(b, {"syscall", "getppid"});
    BOOST_TEST(r.out.empty(), r.out);
    BOOST_TEST(r.exit_code != 0);
    auto other = run_probe(b, {"syscall", "getpid"});
    BOOST_TEST(parse_probe_action(other.out).err == 0, other.describe());
}

// config-linux.md "seccomp" SCMP_ACT_LOG: the call is allowed (and logged by the kernel).
BOOST_AUTO_TEST_CASE(seccomp_log_action_allows, *needs({RUN, "seccomp", "seccomp:SCMP_ACT_LOG"})) {
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "syscalls":[{"names":["getppid"],"action":"SCMP_ACT_LOG"}]})");
    auto r = run_probe(b, {"syscall", "getppid"});
    BOOST_TEST(r.ok(), r.describe());
    BOOST_TEST(parse_probe_action(r.out).err == 0, r.describe());
}

// config-linux.md "seccomp" errnoRet: "When the action doesn't support an errno, the runtime
// MUST print and error and fail."
BOOST_AUTO_TEST_CASE(seccomp_errno_ret_on_an_action_without_errno_is_an_error,
                     *needs({RUN, "seccomp"})) {
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "syscalls":[{"names":["getppid"],"action":"SCMP_ACT_KILL","errnoRet":5}]})");
    b.config.args({"/bin/rt-probe", "write", "/out/ran"});
    std::string id = unique_name("errnokill");
    ContainerGuard guard(runtime(), id);
    auto r = runtime().run(id, b);
    BOOST_TEST(!r.ok(), "errnoRet with SCMP_ACT_KILL accepted");
    BOOST_TEST(!std::filesystem::exists(b.out() / "ran"));
}

// Every x86_64 system call libseccomp knows except `except`, as a JSON "names" array: an allow
// list for a default-deny filter that the runtime's last steps and the probe all get through.
static std::string all_syscalls_except(std::initializer_list<std::string_view> except) {
    std::string names;
    for (int nr = 0; nr < 1024; ++nr) {
        char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
        if (!name) continue;
        std::string_view n(name);
        bool skip = false;
        for (auto e : except) skip |= n == e;
        if (!skip) names += (names.empty() ? "\"" : ",\"") + std::string(n) + "\"";
        std::free(name);
    }
    return "[" + names + "]";
}

// config-linux.md "seccomp" defaultErrnoRet: with defaultAction SCMP_ACT_ERRNO a syscall no
// rule names fails with defaultErrnoRet; without defaultErrnoRet it fails with EPERM.
BOOST_AUTO_TEST_CASE(seccomp_default_errno_ret, *needs({RUN, "seccomp"})) {
    std::string allow = all_syscalls_except({"mkdir", "mkdirat"});
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":71,
        "architectures":["SCMP_ARCH_X86_64"],
        "syscalls":[{"names":)" + allow +
                                       R"(,"action":"SCMP_ACT_ALLOW"}]})");
    auto blocked = run_probe(b, {"syscall", "mkdir"});
    BOOST_TEST(parse_probe_action(blocked.out).err == 71, blocked.describe());
    auto allowed = run_probe(b, {"syscall", "getppid"});
    BOOST_TEST(parse_probe_action(allowed.out).err == 0, allowed.describe());
    Bundle d;
    d.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ERRNO",
        "architectures":["SCMP_ARCH_X86_64"],
        "syscalls":[{"names":)" + allow +
                                       R"(,"action":"SCMP_ACT_ALLOW"}]})");
    auto eperm = run_probe(d, {"syscall", "mkdir"});
    BOOST_TEST(parse_probe_action(eperm.out).err == EPERM, eperm.describe());
}

// config-linux.md "seccomp" flags: SECCOMP_FILTER_FLAG_LOG is a listed flag, accepted, and the
// filter it comes with applies.
BOOST_AUTO_TEST_CASE(seccomp_log_flag_is_accepted,
                     *needs({RUN, "seccomp", "seccompflag:SECCOMP_FILTER_FLAG_LOG"})) {
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "flags":["SECCOMP_FILTER_FLAG_LOG"],
        "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]})");
    auto blocked = run_probe(b, {"syscall", "mkdir"});
    BOOST_TEST(parse_probe_action(blocked.out).err == 38, blocked.describe());
    auto allowed = run_probe(b, {"syscall", "getpid"});
    BOOST_TEST(parse_probe_action(allowed.out).err == 0, allowed.describe());
}

// config-linux.md "seccomp" flags lists the valid constants; a flag that is not one of them
// cannot be passed to seccomp(2), so the runtime fails (runtime.md "Errors") and the process
// does not run. Only meaningful for a runtime that supports flags at all (runc 1.1.5 rejects
// every flag: "seccomp flags are not yet supported by runc").
BOOST_AUTO_TEST_CASE(seccomp_unknown_flag_is_an_error,
                     *needs({RUN, "seccomp", "seccompflag:SECCOMP_FILTER_FLAG_LOG"})) {
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "flags":["SECCOMP_FILTER_FLAG_NO_SUCH_FLAG"],
        "syscalls":[{"names":["getppid"],"action":"SCMP_ACT_ERRNO"}]})");
    b.config.args({"/bin/rt-probe", "write", "/out/ran"});
    std::string id = unique_name("badflag");
    ContainerGuard guard(runtime(), id);
    auto r = runtime().run(id, b);
    BOOST_TEST(!r.ok(), "an unknown seccomp flag was accepted");
    BOOST_TEST(!std::filesystem::exists(b.out() / "ran"));
}

// config-linux.md "listenerPath" and "The Container Process State": for SCMP_ACT_NOTIFY the
// runtime connects to the agent's AF_UNIX stream socket, sends one container process state
// (JSON, fds named, pid, metadata, state) with the seccomp fd over SCM_RIGHTS, and closes the
// connection. The agent here closes the notify fd, so the notified call fails with ENOSYS.
BOOST_AUTO_TEST_CASE(seccomp_notify_sends_the_process_state_to_the_listener,
                     *needs({RUN, "seccomp", "seccomp:SCMP_ACT_NOTIFY"})) {
    TempDir dir;
    std::string sock_path = dir.str() + "/agent.sock";
    int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    (void)std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock_path.c_str());
    BOOST_REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_REQUIRE(::listen(listener, 4) == 0);
    std::string payload;
    int fds_received = 0, connections = 0;
    std::thread agent([&] {
        pollfd p{listener, POLLIN, 0};
        while (::poll(&p, 1, connections ? 2000 : 20000) == 1) {
            int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (conn < 0) return;
            ++connections;
            for (;;) {
                char data[8192];
                alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
                iovec iov{data, sizeof data};
                msghdr msg{};
                msg.msg_iov = &iov;
                msg.msg_iovlen = 1;
                msg.msg_control = control;
                msg.msg_controllen = sizeof control;
                ssize_t n = ::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
                if (n <= 0) break;
                payload.append(data, static_cast<size_t>(n));
                for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
                    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                    for (size_t i = 0; i < count; ++i) {
                        int fd;
                        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                        ::close(fd);  // no supervisor: notified calls fail with ENOSYS
                        ++fds_received;
                    }
                }
            }
            ::close(conn);
        }
    });
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW","listenerPath":")" +
                                       sock_path + R"(","listenerMetadata":"conf-metadata",
        "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_NOTIFY"}]})");
    auto r = run_probe(b, {"syscall", "mkdir"});
    agent.join();
    ::close(listener);
    BOOST_TEST(parse_probe_action(r.out).err == ENOSYS, r.describe());
    BOOST_TEST(connections == 1);
    BOOST_TEST(fds_received == 1);
    rapidjson::Document state;
    state.Parse(payload.c_str());
    BOOST_REQUIRE_MESSAGE(state.IsObject(), "the listener got no JSON state: " << payload);
    BOOST_TEST(state.HasMember("ociVersion"));
    BOOST_TEST((state.HasMember("pid") && state["pid"].IsInt() && state["pid"].GetInt() > 0));
    bool named = false;
    if (state.HasMember("fds") && state["fds"].IsArray()) {
        for (const auto& f : state["fds"].GetArray())
            named |= f.IsString() && std::string(f.GetString()) == "seccompFd";
    }
    BOOST_TEST(named, "fds does not name seccompFd: " << payload);
    BOOST_TEST((state.HasMember("metadata") &&
                std::string(state["metadata"].GetString()) == "conf-metadata"));
    BOOST_REQUIRE(state.HasMember("state") && state["state"].IsObject());
    BOOST_TEST(std::filesystem::equivalent(state["state"]["bundle"].GetString(), b.path()));
}

// The default config's capabilities lack CAP_SYS_ADMIN: no mount, no sethostname.
BOOST_AUTO_TEST_CASE(default_capabilities_forbid_mount_and_sethostname,
                     *needs({RUN, "capabilities"})) {
    Bundle b;
    auto m = run_probe(b, {"mount", "none", "/tmp", "tmpfs"});
    BOOST_TEST(parse_probe_action(m.out).err == EPERM, m.describe());
    auto h = run_probe(b, {"syscall", "sethostname"});
    BOOST_TEST(parse_probe_action(h.out).err == EPERM, h.describe());
    b.config.args({"/bin/rt-probe", "report"});
    auto r = run_report(b);
    BOOST_TEST(r.capabilities["effective"].count("CAP_SYS_ADMIN") == 0u);
}

// config-linux.md "listenerPath": "If sending to this socket fails, the runtime MUST generate
// an error": no agent listens at the path, so create fails and the program never runs.
BOOST_AUTO_TEST_CASE(seccomp_notify_without_a_listener_is_an_error,
                     *needs({RUN, "seccomp", "seccomp:SCMP_ACT_NOTIFY"})) {
    TempDir dir;
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW","listenerPath":")" +
                                       dir.str() + R"(/nobody.sock",
        "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_NOTIFY"}]})");
    b.config.args({"/bin/rt-probe", "write", "/out/ran"});
    std::string id = unique_name("nolistener");
    ContainerGuard guard(runtime(), id);
    auto r = runtime().run(id, b);
    BOOST_TEST(!r.ok(), "SCMP_ACT_NOTIFY accepted without a listener at listenerPath");
    BOOST_TEST(!std::filesystem::exists(b.out() / "ran"), "the program ran");
}

// config-linux.md "listenerMetadata": it MUST NOT be set if listenerPath is not set: such a
// config is invalid, an error.
BOOST_AUTO_TEST_CASE(seccomp_listener_metadata_without_path_is_an_error,
                     *needs({RUN, "seccomp", "seccomp:SCMP_ACT_NOTIFY"})) {
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "listenerMetadata":"conf-metadata",
        "syscalls":[{"names":["getppid"],"action":"SCMP_ACT_ERRNO"}]})");
    b.config.args({"/bin/rt-probe", "write", "/out/ran"});
    std::string id = unique_name("nolistenerpath");
    ContainerGuard guard(runtime(), id);
    auto r = runtime().run(id, b);
    BOOST_TEST(!r.ok(), "listenerMetadata without listenerPath was accepted");
    BOOST_TEST(!std::filesystem::exists(b.out() / "ran"), "the program ran");
}

// config-linux.md "seccomp" syscalls: names MUST contain at least one entry.
BOOST_AUTO_TEST_CASE(seccomp_rule_without_names_is_an_error, *needs({RUN, "seccomp"})) {
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW",
        "syscalls":[{"names":[],"action":"SCMP_ACT_ERRNO"}]})");
    b.config.args({"/bin/rt-probe", "write", "/out/ran"});
    std::string id = unique_name("nonames");
    ContainerGuard guard(runtime(), id);
    auto r = runtime().run(id, b);
    BOOST_TEST(!r.ok(), "a seccomp rule with no names was accepted");
    BOOST_TEST(!std::filesystem::exists(b.out() / "ran"), "the program ran");
}

BOOST_AUTO_TEST_SUITE_END()
