// rt's security wiring seen from inside real containers (the real `rt` binary, busybox
// bundles, a temporary --root): seccomp actions, capability sets, no_new_privs, what a
// default container cannot do, `rt exec`'s security flags and --process fields.
#define BOOST_TEST_MODULE security integration : containers
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "agent.hpp"
#include "audit.hpp"
#include "harness.hpp"

using namespace lt;

namespace {

// The output of `sh -c script` run as the container's process (foreground `rt run`).
Result run_sh(Env& env, const std::string& script) {
    env.sh(script);
    return env.run_container("sec");
}

uint64_t mask(std::initializer_list<int> caps) {
    uint64_t m = 0;
    for (int c : caps) m |= uint64_t{1} << c;
    return m;
}

// "CapEff" -> value, ... from the text of /proc/self/status lines.
std::map<std::string, std::string> status_fields(const std::string& text) {
    std::map<std::string, std::string> out;
    for (const auto& line : lines(text)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        auto value = line.find_first_not_of(" \t", colon + 1);
        out[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
    }
    return out;
}

uint64_t hex(const std::string& s) {
    return std::stoull(s, nullptr, 16);
}

const char* kStatusScript = "grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status";

std::string seccomp_rule(const std::string& names, const std::string& action,
                         const std::string& extra = "") {
    return R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[)" + names +
           R"(],"action":")" + action + "\"" + extra + "}]}";
}

// A running container (`sleep`), for exec tests.
struct Running {
    Env env;
    std::string id;
    explicit Running(bool no_new_privileges = true) {
        env.set("/process/args", R"(["sleep","1000"])");
        env.set("/process/noNewPrivileges", no_new_privileges ? "true" : "false");
        id = env.id("secexec");
    }
    void start() {
        Result r = env.rt({"run", "-d", "-b", env.bundle(), id});
        BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    }
    Result exec(std::vector<std::string> args) {
        args.insert(args.begin(), "exec");
        return env.rt(args);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp_in_containers)

BOOST_AUTO_TEST_CASE(errno_action_returns_the_configured_errno) {
    Env env;
    env.set("/linux/seccomp", seccomp_rule(R"("mkdir","mkdirat")", "SCMP_ACT_ERRNO",
                                           R"(,"errnoRet":18)"));  // EXDEV
    Result r = run_sh(env,
                      "mkdir /dev/shm/d 2>&1; echo rc=$?; ls /dev/shm | wc -l; grep "
                      "Seccomp: /proc/self/status");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out.find("Invalid cross-device link") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("rc=1\n0\nSeccomp:\t2\n") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(kill_and_trap_actions_end_the_process_with_sigsys) {
    for (const char* action :
         {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"}) {
        Env env;
        env.set("/linux/seccomp", seccomp_rule(R"("mkdir","mkdirat")", action));
        // The subshell forks: mkdir runs in a process of its own.
        Result r = run_sh(env, "(exec mkdir /dev/shm/d); echo rc=$?; ls /dev/shm | wc -l");
        BOOST_TEST(r.code == 0, action << ": " << r.err);
        BOOST_TEST(r.out == "rc=159\n0\n", action << ": " << r.out);  // 128 + SIGSYS
    }
}

BOOST_AUTO_TEST_CASE(log_action_logs_and_allows) {
    rt::test::AuditSeccompReader audit;
    Env env;
    env.set("/linux/seccomp", seccomp_rule(R"("mkdir","mkdirat")", "SCMP_ACT_LOG"));
    Result r = run_sh(env, "mkdir /dev/shm/logged && ls /dev/shm");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "logged\n", r.out);
    bool found = audit.wait_for([](const std::string& text) {
        return text.find("comm=\"mkdir\"") != std::string::npos &&
               text.find("code=0x7ffc0000") != std::string::npos;
    });
    BOOST_TEST(found, "no AUDIT_SECCOMP record (SCMP_ACT_LOG) for mkdir");
}

BOOST_AUTO_TEST_CASE(notify_reaches_an_agent_whose_answer_the_process_gets) {
    const std::string socket_path = "/tmp/" + unique("rt-sec-agent") + ".sock";
    rt::test::TestAgent agent(socket_path);
    std::thread agent_thread([&] { agent.serve(1, 0); });
    Env env;
    env.set(
        "/linux/seccomp",
        R"({"defaultAction":"SCMP_ACT_ALLOW","listenerPath":")" + socket_path +
            R"(","listenerMetadata":"meta-42","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_NOTIFY"}]})");
    std::string id = env.id("notify");
    env.sh("mkdir /dev/shm/n && echo answered; test -d /dev/shm/n || echo not-made");
    Result r = env.rt({"run", "-b", env.bundle(), id});
    agent_thread.join();
    BOOST_TEST(r.code == 0, r.err);
    // The agent answered 0 without creating anything: the process saw the agent's answer.
    BOOST_TEST(r.out == "answered\nnot-made\n", r.out);
    BOOST_TEST(agent.error.empty(), agent.error);
    BOOST_TEST(agent.fds_received == 1);
    BOOST_TEST((agent.notified_nr == SYS_mkdir || agent.notified_nr == SYS_mkdirat));
    BOOST_TEST(agent.payload.find(R"("fds":["seccompFd"])") != std::string::npos, agent.payload);
    BOOST_TEST(agent.payload.find(R"("metadata":"meta-42")") != std::string::npos, agent.payload);
    BOOST_TEST(agent.payload.find("\"id\":\"" + id + "\"") != std::string::npos, agent.payload);
}

BOOST_AUTO_TEST_CASE(a_missing_agent_fails_create_and_leaves_nothing) {
    Env env;
    const std::string socket_path = "/tmp/" + unique("rt-no-agent") + ".sock";
    env.set("/linux/seccomp",
            R"({"defaultAction":"SCMP_ACT_ALLOW","listenerPath":")" + socket_path +
                R"(","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]})");
    Result r = env.run_container("noagent");
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find(socket_path) != std::string::npos, r.err);
    Result list = env.rt({"list", "-q"});
    BOOST_TEST(list.out.empty(), list.out);
}

// seccomp: the listener is only used by SCMP_ACT_NOTIFY. Without such a rule listenerPath and
// listenerMetadata are ignored (runc): no agent is asked, the filter is loaded.
BOOST_AUTO_TEST_CASE(a_listener_without_notify_rules_is_ignored) {
    Env env;
    const std::string socket_path = "/tmp/" + unique("rt-unused-agent") + ".sock";
    env.set("/linux/seccomp",
            R"({"defaultAction":"SCMP_ACT_ALLOW","listenerPath":")" + socket_path +
                R"(","listenerMetadata":"m","syscalls":[{"names":["mkdir","mkdirat"],)"
                R"("action":"SCMP_ACT_ERRNO","errnoRet":18}]})");  // EXDEV
    Result r = run_sh(env, "mkdir /dev/shm/d 2>&1; grep Seccomp: /proc/self/status");
    BOOST_TEST(r.code == 0, r.err);
    // The filter is in force.
    BOOST_TEST(r.out.find("Invalid cross-device link") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("Seccomp:\t2\n") != std::string::npos, r.out);
    BOOST_TEST(!exists(socket_path));
}

BOOST_AUTO_TEST_CASE(argument_comparisons_select_the_calls) {
    Env env;
    // personality(PER_LINUX32) is refused, personality(PER_LINUX) is not.
    env.set("/linux/seccomp",
            seccomp_rule(R"("personality")", "SCMP_ACT_ERRNO",
                         R"(,"errnoRet":18,"args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}])"));
    Result r =
        run_sh(env, "linux32 true 2>/dev/null; echo linux32=$?; linux64 true; echo linux64=$?");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "linux32=1\nlinux64=0\n", r.out);
}

BOOST_AUTO_TEST_CASE(a_filter_without_no_new_privs_is_loaded_for_a_process_without_sys_admin) {
    // noNewPrivileges false and no CAP_SYS_ADMIN: rt holds SYS_ADMIN for the load only.
    Env env;
    env.set("/process/noNewPrivileges", "false");
    env.set("/linux/seccomp", seccomp_rule(R"("mkdir","mkdirat")", "SCMP_ACT_ERRNO"));
    Result r =
        run_sh(env, std::string("mkdir /dev/shm/d 2>/dev/null || echo refused; ") + kStatusScript);
    BOOST_TEST(r.code == 0, r.err);
    auto f = status_fields(r.out);
    BOOST_TEST(r.out.find("refused\n") == 0u, r.out);
    BOOST_TEST(f["Seccomp"] == "2");
    BOOST_TEST(f["NoNewPrivs"] == "0");
    BOOST_TEST((hex(f["CapEff"]) & mask({CAP_SYS_ADMIN})) == 0u, f["CapEff"]);
    BOOST_TEST((hex(f["CapPrm"]) & mask({CAP_SYS_ADMIN})) == 0u, f["CapPrm"]);
}

BOOST_AUTO_TEST_CASE(unknown_action_is_an_error_at_create) {
    Env env;
    env.set("/linux/seccomp", seccomp_rule(R"("mkdir")", "SCMP_ACT_MAKE_COFFEE"));
    Result r = env.run_container("badaction");
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("/linux/seccomp/syscalls/0/action") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(privileges_in_containers)

BOOST_AUTO_TEST_CASE(root_gets_exactly_the_configured_capability_sets) {
    Env env;
    env.set("/process/capabilities", R"({
        "bounding":["CAP_CHOWN","CAP_KILL","CAP_NET_RAW","CAP_SETUID","CAP_SETGID"],
        "effective":["CAP_CHOWN","CAP_KILL"],
        "permitted":["CAP_CHOWN","CAP_KILL","CAP_NET_RAW"],
        "inheritable":["CAP_KILL","CAP_NET_RAW"],
        "ambient":["CAP_KILL"]})");
    Result r = run_sh(env, kStatusScript);
    BOOST_TEST(r.code == 0, r.err);
    auto f = status_fields(r.out);
    // execve as root without file capabilities gives permitted = bounding | inheritable, but
    // no_new_privs (on in this config) keeps the permitted set from growing past what rt set:
    // effective = permitted = the configured permitted set.
    const uint64_t permitted = mask({CAP_CHOWN, CAP_KILL, CAP_NET_RAW});
    BOOST_TEST(hex(f["CapBnd"]) ==
               mask({CAP_CHOWN, CAP_KILL, CAP_NET_RAW, CAP_SETUID, CAP_SETGID}));
    BOOST_TEST(hex(f["CapPrm"]) == permitted);
    BOOST_TEST(hex(f["CapEff"]) == permitted);
    BOOST_TEST(hex(f["CapInh"]) == mask({CAP_KILL, CAP_NET_RAW}));
    BOOST_TEST(hex(f["CapAmb"]) == mask({CAP_KILL}));
    BOOST_TEST(f["NoNewPrivs"] == "1");
}

BOOST_AUTO_TEST_CASE(a_non_root_user_keeps_exactly_its_capabilities) {
    Env env;
    env.set("/process/user", R"({"uid":1000,"gid":1000})");
    env.set("/process/capabilities", R"({
        "bounding":["CAP_NET_BIND_SERVICE","CAP_KILL"],
        "effective":["CAP_NET_BIND_SERVICE"],
        "permitted":["CAP_NET_BIND_SERVICE"],
        "inheritable":["CAP_NET_BIND_SERVICE"],
        "ambient":["CAP_NET_BIND_SERVICE"]})");
    Result r = run_sh(env, std::string("id -u; ") + kStatusScript);
    BOOST_TEST(r.code == 0, r.err);
    auto f = status_fields(r.out);
    BOOST_TEST(r.out.find("1000\n") == 0u, r.out);
    // After execve a non-root process has permitted = effective = ambient.
    BOOST_TEST(hex(f["CapEff"]) == mask({CAP_NET_BIND_SERVICE}));
    BOOST_TEST(hex(f["CapPrm"]) == mask({CAP_NET_BIND_SERVICE}));
    BOOST_TEST(hex(f["CapInh"]) == mask({CAP_NET_BIND_SERVICE}));
    BOOST_TEST(hex(f["CapAmb"]) == mask({CAP_NET_BIND_SERVICE}));
    BOOST_TEST(hex(f["CapBnd"]) == mask({CAP_NET_BIND_SERVICE, CAP_KILL}));
}

BOOST_AUTO_TEST_CASE(no_new_privs_is_visible_both_ways) {
    for (bool nnp : {true, false}) {
        Env env;
        env.set("/process/noNewPrivileges", nnp ? "true" : "false");
        Result r = run_sh(env, "grep NoNewPrivs: /proc/self/status");
        BOOST_TEST(r.code == 0, r.err);
        BOOST_TEST(r.out == (nnp ? "NoNewPrivs:\t1\n" : "NoNewPrivs:\t0\n"), r.out);
    }
}

// config.md: a name that cannot be mapped MUST be logged as a warning (SHOULD NOT fail); the
// names that do map are applied.
BOOST_AUTO_TEST_CASE(unknown_capability_is_a_warning_naming_the_field) {
    Env env;
    env.set("/process/capabilities/effective/-", R"("CAP_MAKE_COFFEE")");
    Result r = run_sh(env, "grep CapEff: /proc/self/status");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.err.find("/process/capabilities/effective/3: unknown capability "
                          "\"CAP_MAKE_COFFEE\"") != std::string::npos,
               r.err);
    BOOST_TEST(hex(status_fields(r.out)["CapEff"]) ==
               mask({CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE}));
}

BOOST_AUTO_TEST_CASE(a_default_container_cannot_mount_load_modules_or_touch_the_host) {
    Env env;
    struct utsname before {};
    ::uname(&before);
    Result r =
        run_sh(env,
               "mount -t tmpfs none /dev/shm 2>&1; echo mount=$?; "
               "echo junk > /dev/shm/m.ko; insmod /dev/shm/m.ko 2>/dev/null; echo insmod=$?; "
               "hostname evil-host 2>&1; echo hostname=$?; hostname; "
               "ls -d /proc/[0-9]* | wc -l; cat /proc/1/cmdline | tr '\\0' ' '; echo; "
               "grep CapBnd: /proc/self/status");
    BOOST_TEST(r.code == 0, r.err);
    auto l = lines(r.out);
    BOOST_REQUIRE_MESSAGE(l.size() >= 9u, r.out);
    BOOST_TEST(l[0].find("permission denied") != std::string::npos, r.out);  // busybox's EPERM
    BOOST_TEST(l[1] == "mount=1");
    BOOST_TEST(::access("/dev/shm/m.ko", F_OK) != 0);  // the container's /dev/shm, not ours
    BOOST_TEST(l[2] != "insmod=0");
    BOOST_TEST(l[3].find("sethostname: Operation not permitted") != std::string::npos, r.out);
    BOOST_TEST(l[4] == "hostname=1");
    BOOST_TEST(l[5] == "rt-test");
    // Only the container's own processes: sh (pid 1), ls and wc.
    BOOST_TEST(std::stoi(l[6]) <= 3, r.out);
    BOOST_TEST(l[7].rfind("sh -c ", 0) == 0u, r.out);
    // This kernel has no module support (init_module is ENOSYS even for root), so the proof
    // that modules cannot be loaded is the bounding set: no CAP_SYS_MODULE, no CAP_SYS_ADMIN.
    BOOST_REQUIRE(l[8].rfind("CapBnd:", 0) == 0u);
    const uint64_t bounding = hex(status_fields(l[8])["CapBnd"]);
    BOOST_TEST((bounding & mask({CAP_SYS_MODULE, CAP_SYS_ADMIN, CAP_SYS_PTRACE})) == 0u);
    struct utsname after {};
    ::uname(&after);
    BOOST_TEST(std::string(after.nodename) == before.nodename);
}

BOOST_AUTO_TEST_CASE(apparmor_and_selinux_labels_are_refused_without_the_lsm) {
    for (const char* field : {"/process/apparmorProfile", "/process/selinuxLabel"}) {
        Env env;
        env.set(field, R"("some_profile")");
        Result r = env.run_container("lsm");
        BOOST_TEST(r.code != 0, field);
        BOOST_TEST(r.err.find(field) != std::string::npos, r.err);
        BOOST_TEST(r.err.find("not enabled") != std::string::npos, r.err);
    }
}

BOOST_AUTO_TEST_CASE(scheduler_and_io_priority_are_applied) {
    Env env;
    env.set("/process/scheduler", R"({"policy":"SCHED_BATCH","nice":7})");
    env.set("/process/ioPriority", R"({"class":"IOPRIO_CLASS_BE","priority":6})");
    // /proc/self/stat fields 19 (nice) and 41 (policy; SCHED_BATCH is 3), of awk itself: both
    // are inherited.
    Result r = run_sh(env, "awk '{print $19, $41}' /proc/self/stat; ionice -p $$");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "7 3\nbest-effort: prio 6\n", r.out);
}

BOOST_AUTO_TEST_CASE(personality_is_applied) {
    Env env;
    env.set("/linux/personality", R"({"domain":"LINUX32"})");
    Result r = run_sh(env, "uname -m");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "i686\n", r.out);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exec_security)

// As runc: bounding, effective and permitted (ambient only with an inheritable set).
BOOST_AUTO_TEST_CASE(cap_adds_a_capability_to_the_process) {
    Running c;
    c.start();
    Result plain = c.exec({c.id, "sh", "-c", kStatusScript});
    Result with =
        c.exec({"--cap", "CAP_SYS_ADMIN", "--cap", "CAP_NET_RAW", c.id, "sh", "-c", kStatusScript});
    BOOST_REQUIRE_MESSAGE(plain.code == 0 && with.code == 0, plain.err << with.err);
    auto p = status_fields(plain.out), w = status_fields(with.out);
    const uint64_t added = mask({CAP_SYS_ADMIN, CAP_NET_RAW});
    for (const char* set : {"CapEff", "CapPrm", "CapBnd"}) {
        BOOST_TEST((hex(p[set]) & added) == 0u, set);
        BOOST_TEST(hex(w[set]) == (hex(p[set]) | added), set << " " << w[set]);
    }
    BOOST_TEST(hex(w["CapInh"]) == hex(p["CapInh"]));
    Result bad = c.exec({"--cap", "CAP_MAKE_COFFEE", c.id, "true"});
    BOOST_TEST(bad.code != 0);
    BOOST_TEST(bad.err.find("CAP_MAKE_COFFEE") != std::string::npos, bad.err);
}

BOOST_AUTO_TEST_CASE(no_new_privs_user_and_additional_gids) {
    Running c(false);
    c.env.set("/process/user", R"({"uid":0,"gid":1002})");
    c.start();
    Result plain = c.exec({c.id, "sh", "-c", "grep NoNewPrivs: /proc/self/status; id"});
    // -u without ":GID" keeps the container's gid (as runc).
    Result uid_only = c.exec({"-u", "1000", c.id, "sh", "-c", "id -u; id -g"});
    BOOST_TEST(uid_only.code == 0, uid_only.err);
    BOOST_TEST(uid_only.out == "1000\n1002\n", uid_only.out);
    Result flagged =
        c.exec({"--no-new-privs", "-u", "1000:1001", "--additional-gids", "10", "--additional-gids",
                "20", c.id, "sh", "-c", "grep NoNewPrivs: /proc/self/status; id -u; id -g; id -G"});
    BOOST_TEST(plain.code == 0, plain.err);
    BOOST_TEST(plain.out.find("NoNewPrivs:\t0\n") == 0u, plain.out);
    BOOST_TEST(flagged.code == 0, flagged.err);
    BOOST_TEST(flagged.out == "NoNewPrivs:\t1\n1000\n1001\n1001 10 20\n", flagged.out);
}

BOOST_AUTO_TEST_CASE(apparmor_and_process_label_are_refused_without_the_lsm) {
    Running c;
    c.start();
    Result a = c.exec({"--apparmor", "p", c.id, "true"});
    BOOST_TEST(a.code != 0);
    BOOST_TEST(a.err.find("AppArmor") != std::string::npos, a.err);
    Result s = c.exec({"--process-label", "system_u:system_r:container_t:s0", c.id, "true"});
    BOOST_TEST(s.code != 0);
    BOOST_TEST(s.err.find("SELinux") != std::string::npos, s.err);
}

BOOST_AUTO_TEST_CASE(process_json_security_fields_are_honoured) {
    Running c;
    c.env.set("/linux/seccomp",
              seccomp_rule(R"("mkdir","mkdirat")", "SCMP_ACT_ERRNO", R"(,"errnoRet":18)"));
    c.start();
    std::string process_file = c.env.dir() + "/process.json";
    write_file(process_file, std::string(R"({"args":["sh","-c",")") +
                                 "mkdir /dev/shm/x 2>&1; id -u; " + kStatusScript +
                                 R"("],"cwd":"/","env":["PATH=/bin:/usr/bin"],
        "user":{"uid":1000,"gid":1000},"noNewPrivileges":true,
        "capabilities":{"bounding":["CAP_KILL","CAP_CHOWN"],"effective":["CAP_KILL"],
          "permitted":["CAP_KILL"],"inheritable":["CAP_KILL"],"ambient":["CAP_KILL"]}})");
    Result r = c.exec({"--process", process_file, c.id});
    BOOST_TEST(r.code == 0, r.err);
    auto f = status_fields(r.out);
    BOOST_TEST(r.out.find("Invalid cross-device link") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("\n1000\n") != std::string::npos, r.out);
    BOOST_TEST(hex(f["CapEff"]) == mask({CAP_KILL}));
    BOOST_TEST(hex(f["CapAmb"]) == mask({CAP_KILL}));
    BOOST_TEST(hex(f["CapBnd"]) == mask({CAP_KILL, CAP_CHOWN}));
    BOOST_TEST(f["NoNewPrivs"] == "1");
    BOOST_TEST(f["Seccomp"] == "2");  // the container's filter applies to exec'd processes

    write_file(process_file,
               R"({"args":["/bin/true"],"cwd":"/","capabilities":{"bounding":["CAP_NOPE"]}})");
    Result odd = c.exec({"--process", process_file, c.id});
    BOOST_TEST(odd.code == 0, odd.code << " " << odd.out << odd.err);  // a warning, not an error
    BOOST_TEST(odd.err.find("/capabilities/bounding/0: unknown capability") != std::string::npos,
               odd.err);
}

// config.md "execCPUAffinity": final is where the exec'd process runs; not for the init.
boost::test_tools::assertion_result two_cpus(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result r(::sysconf(_SC_NPROCESSORS_ONLN) >= 2);
    r.message() << "needs 2 online CPUs";
    return r;
}

BOOST_AUTO_TEST_CASE(exec_cpu_affinity_final_is_applied,
                     *boost::unit_test::precondition(two_cpus)) {
    Running c;
    c.env.set("/process/execCPUAffinity", R"({"initial":"1","final":"0"})");
    c.start();
    std::string process_file = c.env.dir() + "/process.json";
    write_file(process_file, R"({"args":["grep","Cpus_allowed_list","/proc/self/status"],
        "cwd":"/","env":["PATH=/bin"],"execCPUAffinity":{"initial":"1","final":"0"}})");
    Result r = c.exec({"--process", process_file, c.id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "Cpus_allowed_list:\t0\n", r.out);
    // The init ignores it (its config asked for CPU 0 too, so compare with the host's set).
    Result init = c.exec({c.id, "cat", "/proc/1/status"});
    BOOST_TEST(init.out.find("Cpus_allowed_list:\t0\n") == std::string::npos, init.out);
}

BOOST_AUTO_TEST_CASE(exec_hands_its_own_notify_fd_to_the_agent) {
    const std::string socket_path = "/tmp/" + unique("rt-sec-agent") + ".sock";
    rt::test::TestAgent create_agent(socket_path);
    Running c;
    c.env.set("/linux/seccomp",
              R"({"defaultAction":"SCMP_ACT_ALLOW","listenerPath":")" + socket_path +
                  R"(","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_NOTIFY"}]})");
    {
        // The container's init: its fd arrives at create; it makes no mkdir.
        std::thread t([&] { create_agent.serve(0, 0); });
        c.start();
        t.join();
    }
    BOOST_TEST(create_agent.fds_received == 1);
    std::string init_payload = create_agent.payload;
    create_agent.payload.clear();
    create_agent.fds_received = 0;
    std::thread t([&] { create_agent.serve(1, 0); });
    Result r = c.exec({c.id, "sh", "-c", "mkdir /dev/shm/e && echo answered; ls /dev/shm | wc -l"});
    t.join();
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "answered\n0\n", r.out);
    BOOST_TEST(create_agent.fds_received == 1);
    BOOST_TEST(create_agent.error.empty(), create_agent.error);
    BOOST_TEST(create_agent.payload.find("\"status\":\"running\"") != std::string::npos,
               create_agent.payload);
    BOOST_TEST(init_payload.find("\"status\":\"creating\"") != std::string::npos, init_payload);
}

BOOST_AUTO_TEST_SUITE_END()
