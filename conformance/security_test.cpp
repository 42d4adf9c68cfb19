// config-linux.md "seccomp" and the default privilege drop seen from inside.
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

BOOST_AUTO_TEST_SUITE_END()
