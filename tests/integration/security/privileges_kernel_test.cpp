// Capabilities, user switch, no_new_privs, scheduling, I/O priority, CPU affinity, memory
// policy and personality applied by forked children; the outcome is read back from the kernel
// (/proc/self/status, sched_getattr, ioprio_get, get_mempolicy, uname), also after execve.
#include <linux/capability.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <string>

#include "base/fd.hpp"
#include "child.hpp"
#include "security/process_security.hpp"

using namespace rt;
using namespace rt::security;
using namespace rt::test;

namespace {

std::string hex16(CapabilityMask mask) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(mask));
    return buf;
}

// Reports a failed step on out and returns false.
bool check(const StepResult& r, int out) {
    if (r) return true;
    char text[320];
    describe(r, text, sizeof text);
    say(out, "step failed: %s\n", text);
    return false;
}

// Replaces the child with argv, stdout on out.
[[noreturn]] void exec_on(int out, const char* path, const char* arg1 = nullptr) {
    ::dup2(out, STDOUT_FILENO);
    const char* argv[] = {path, arg1, nullptr};
    const char* envp[] = {"PATH=/usr/bin:/bin", nullptr};
    ::execve(path, const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    say(out, "execve %s failed", path);
    ::_exit(126);
}

oci::Capabilities caps(std::vector<std::string> bounding, std::vector<std::string> permitted,
                       std::vector<std::string> effective, std::vector<std::string> inheritable,
                       std::vector<std::string> ambient) {
    oci::Capabilities c;
    c.bounding = std::move(bounding);
    c.permitted = std::move(permitted);
    c.effective = std::move(effective);
    c.inheritable = std::move(inheritable);
    c.ambient = std::move(ambient);
    return c;
}

struct SchedAttr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(capabilities_in_the_kernel)

BOOST_AUTO_TEST_CASE(root_gets_exactly_the_configured_sets) {
    auto plan = plan_capabilities(
        caps({"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN"},
             {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"}, {"CAP_CHOWN", "CAP_KILL"},
             {"CAP_NET_BIND_SERVICE"}, {"CAP_NET_BIND_SERVICE"}));
    auto r = run_in_child([&](int out) {
        if (!check(drop_bounding_set(plan), out) || !check(set_keep_caps(true), out) ||
            !check(set_user_ids(0, 0, nullptr, 0), out) || !check(apply_capabilities(plan), out))
            return 1;
        dump_status(out);
        return 0;
    });
    BOOST_TEST_REQUIRE(r.exited(0), r.describe());
    BOOST_TEST(status_field(r.output, "CapBnd") == hex16(plan.bounding));
    BOOST_TEST(status_field(r.output, "CapPrm") == hex16(plan.permitted));
    BOOST_TEST(status_field(r.output, "CapEff") == hex16(plan.effective));
    BOOST_TEST(status_field(r.output, "CapInh") == hex16(cap_bit(CAP_NET_BIND_SERVICE)));
    BOOST_TEST(status_field(r.output, "CapAmb") == hex16(cap_bit(CAP_NET_BIND_SERVICE)));
    BOOST_TEST(status_field(r.output, "Groups").empty());  // the host's groups are gone
}

BOOST_AUTO_TEST_CASE(a_non_root_user_keeps_its_capabilities_across_the_uid_switch_and_exec) {
    auto plan = plan_capabilities(caps(
        {"CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"}, {"CAP_CHOWN", "CAP_NET_BIND_SERVICE"},
        {"CAP_CHOWN", "CAP_NET_BIND_SERVICE"}, {"CAP_NET_BIND_SERVICE"}, {"CAP_NET_BIND_SERVICE"}));
    const gid_t groups[] = {10, 20};
    auto run = [&](bool exec) {
        return run_in_child([&](int out) {
            if (!check(drop_bounding_set(plan), out) || !check(set_keep_caps(true), out) ||
                !check(set_user_ids(1000, 1001, groups, 2), out) ||
                !check(apply_capabilities(plan), out))
                return 1;
            if (exec) exec_on(out, "/bin/cat", "/proc/self/status");
            dump_status(out);
            return 0;
        });
    };
    auto before = run(false);
    BOOST_TEST_REQUIRE(before.exited(0), before.describe());
    BOOST_TEST(status_field(before.output, "Uid") == "1000\t1000\t1000\t1000");
    BOOST_TEST(status_field(before.output, "Gid") == "1001\t1001\t1001\t1001");
    BOOST_TEST(status_field(before.output, "Groups") == "10 20");
    BOOST_TEST(status_field(before.output, "CapEff") == hex16(plan.effective));
    BOOST_TEST(status_field(before.output, "CapPrm") == hex16(plan.permitted));
    BOOST_TEST(status_field(before.output, "CapBnd") == hex16(plan.bounding));
    BOOST_TEST(status_field(before.output, "CapAmb") == hex16(cap_bit(CAP_NET_BIND_SERVICE)));

    // After execve as uid 1000, only the ambient capability survives (no file capabilities).
    auto after = run(true);
    BOOST_TEST_REQUIRE(after.exited(0), after.describe());
    BOOST_TEST(status_field(after.output, "Uid") == "1000\t1000\t1000\t1000");
    BOOST_TEST(status_field(after.output, "CapEff") == hex16(cap_bit(CAP_NET_BIND_SERVICE)));
    BOOST_TEST(status_field(after.output, "CapPrm") == hex16(cap_bit(CAP_NET_BIND_SERVICE)));
    BOOST_TEST(status_field(after.output, "CapAmb") == hex16(cap_bit(CAP_NET_BIND_SERVICE)));
    BOOST_TEST(status_field(after.output, "CapBnd") == hex16(plan.bounding));
}

BOOST_AUTO_TEST_CASE(root_exec_gets_the_bounding_set_as_in_runc) {
    // uid 0 exec: the kernel grants root the bounding set (that is why engines set all
    // sets alike); no_new_privs does not change that for root.
    auto plan = plan_capabilities(caps({"CAP_CHOWN", "CAP_KILL"}, {"CAP_CHOWN", "CAP_KILL"},
                                       {"CAP_CHOWN", "CAP_KILL"}, {}, {}));
    auto r = run_in_child([&](int out) {
        if (!check(drop_bounding_set(plan), out) || !check(set_keep_caps(true), out) ||
            !check(set_user_ids(0, 0, nullptr, 0), out) || !check(apply_capabilities(plan), out) ||
            !check(set_no_new_privs(), out))
            return 1;
        exec_on(out, "/bin/cat", "/proc/self/status");
    });
    BOOST_TEST_REQUIRE(r.exited(0), r.describe());
    const auto expected = hex16(cap_bit(CAP_CHOWN) | cap_bit(CAP_KILL));
    BOOST_TEST(status_field(r.output, "CapEff") == expected);
    BOOST_TEST(status_field(r.output, "CapBnd") == expected);
    BOOST_TEST(status_field(r.output, "NoNewPrivs") == "1");
}

BOOST_AUTO_TEST_CASE(no_new_privs_is_visible_in_status) {
    auto r = run_in_child([&](int out) {
        if (!check(set_no_new_privs(), out)) return 1;
        dump_status(out);
        return 0;
    });
    BOOST_TEST_REQUIRE(r.exited(0), r.describe());
    BOOST_TEST(status_field(r.output, "NoNewPrivs") == "1");
    auto control = run_in_child([&](int out) {
        dump_status(out);
        return 0;
    });
    BOOST_TEST(status_field(control.output, "NoNewPrivs") == "0");
}

BOOST_AUTO_TEST_CASE(an_unmapped_uid_in_a_user_namespace_is_reported_as_such) {
    auto r = run_in_child([&](int out) {
        if (::unshare(CLONE_NEWUSER) < 0) {
            say(out, "unshare failed");
            return 2;
        }
        // No uid_map written: nothing is mapped.
        auto s = set_user_ids(0, 0, nullptr, 0);
        say(out, "%d %s", s.err, s.message);
        return 0;
    });
    BOOST_TEST_REQUIRE(r.exited(0), r.describe());
    // setgroups is denied without a gid map; there is nothing to clear, so the gid is what fails.
    BOOST_TEST(r.output ==
               std::to_string(EINVAL) + " setgid 0: gid is not mapped in the user namespace");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(process_security_sequence)

namespace {

// A process running as uid 1000 with CAP_KILL only, and a filter that returns errno 33 for
// getppid.
oci::Process unprivileged_process(bool no_new_privs) {
    oci::Process process;
    process.user.uid = 1000;
    process.user.gid = 1000;
    process.noNewPrivileges = no_new_privs;
    process.capabilities = caps({"CAP_KILL"}, {"CAP_KILL"}, {"CAP_KILL"}, {}, {});
    return process;
}

oci::Linux errno_filter() {
    oci::Linux linux;
    linux.seccomp = oci::Seccomp{};
    linux.seccomp->defaultAction = "SCMP_ACT_ALLOW";
    oci::Syscall rule;
    rule.names = {"getppid"};
    rule.action = "SCMP_ACT_ERRNO";
    rule.errnoRet = 33;
    linux.seccomp->syscalls.push_back(rule);
    return linux;
}

// The child side of process_security.hpp, in its documented order.
bool run_sequence(const ProcessSecurity& sec, const oci::Process& process, int out) {
    int notify_fd = -1;
    return check(apply_process_attributes(sec), out) && check(begin_user_switch(sec), out) &&
           check(set_user_ids(process.user.uid, process.user.gid, nullptr, 0), out) &&
           check(apply_final_privileges(sec), out) &&
           check(load_process_seccomp(sec, &notify_fd), out) &&
           check(finish_process_security(sec), out);
}

}  // namespace

BOOST_AUTO_TEST_CASE(seccomp_loads_last_without_no_new_privs_for_a_process_without_sys_admin) {
    const auto process = unprivileged_process(false);
    const auto linux = errno_filter();
    const auto sec = prepare_process_security(process, &linux, ProcessRole::ContainerInit);
    BOOST_TEST(sec.held_for_seccomp == cap_bit(CAP_SYS_ADMIN));
    auto r = run_in_child([&](int out) {
        if (!run_sequence(sec, process, out)) return 1;
        long rc = ::syscall(SYS_getppid);
        say(out, "getppid=%ld errno=%d\n", rc, errno);
        dump_status(out);
        return 0;
    });
    BOOST_TEST_REQUIRE(r.exited(0), r.describe());
    BOOST_TEST(r.output.rfind("getppid=-1 errno=33\n", 0) == 0u, r.output);
    BOOST_TEST(status_field(r.output, "Seccomp") == "2");
    BOOST_TEST(status_field(r.output, "NoNewPrivs") == "0");
    // CAP_SYS_ADMIN, held for the load, is gone.
    BOOST_TEST(status_field(r.output, "CapEff") == hex16(cap_bit(CAP_KILL)));
    BOOST_TEST(status_field(r.output, "CapPrm") == hex16(cap_bit(CAP_KILL)));
    BOOST_TEST(status_field(r.output, "CapBnd") == hex16(cap_bit(CAP_KILL)));

    // Without holding CAP_SYS_ADMIN the kernel refuses the filter: that is what the hold is for.
    ProcessSecurity without = sec;
    without.held_for_seccomp = 0;
    auto refused =
        run_in_child([&](int out) { return run_sequence(without, process, out) ? 0 : 1; });
    BOOST_TEST(refused.exited(1), refused.describe());
    BOOST_TEST(
        refused.output.find(
            "seccomp: load filter (needs noNewPrivileges or CAP_SYS_ADMIN): permission denied") !=
            std::string::npos,
        refused.output);
}

BOOST_AUTO_TEST_CASE(the_whole_sequence_then_execve) {
    const auto process = unprivileged_process(true);
    const auto linux = errno_filter();
    const auto sec = prepare_process_security(process, &linux, ProcessRole::ContainerInit);
    BOOST_TEST(sec.held_for_seccomp == 0u);
    auto r = run_in_child([&](int out) {
        if (!run_sequence(sec, process, out)) return 1;
        exec_on(out, "/bin/cat", "/proc/self/status");
    });
    BOOST_TEST_REQUIRE(r.exited(0), r.describe());
    BOOST_TEST(status_field(r.output, "Uid") == "1000\t1000\t1000\t1000");
    BOOST_TEST(status_field(r.output, "NoNewPrivs") == "1");
    BOOST_TEST(status_field(r.output, "Seccomp") == "2");
    BOOST_TEST(status_field(r.output, "Seccomp_filters") == "1");
    BOOST_TEST(status_field(r.output, "CapBnd") == hex16(cap_bit(CAP_KILL)));
    BOOST_TEST(status_field(r.output, "CapEff") == hex16(0));  // uid 1000, no ambient
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scheduling_in_the_kernel)

BOOST_AUTO_TEST_CASE(scheduler_policies_are_applied) {
    // The child starts from a nice value of its own, so the outcome does not depend on the
    // runner's (`nice -n 5 ctest` must pass too): the kernel sets nice only for the fair
    // policies (OTHER, BATCH: the configured value, 0 when absent), keeps the inherited one
    // for SCHED_IDLE, and sched_getattr reports 0 for the real-time ones.
    constexpr int kStartNice = 4;  // differs from 0 and from every configured value below
    struct Case {
        const char* policy;
        std::optional<int32_t> nice, priority;
        std::vector<std::string> flags;
        uint32_t expected_policy;
        int expected_nice;
    } cases[] = {
        {"SCHED_BATCH", 7, {}, {}, SCHED_BATCH, 7},
        {"SCHED_BATCH", {}, {}, {}, SCHED_BATCH, 0},
        {"SCHED_IDLE", {}, {}, {}, SCHED_IDLE, kStartNice},
        {"SCHED_FIFO", {}, 10, {"SCHED_FLAG_RESET_ON_FORK"}, SCHED_FIFO, 0},
        {"SCHED_RR", {}, 5, {}, SCHED_RR, 0},
        {"SCHED_OTHER", -3, {}, {}, SCHED_OTHER, -3},
    };
    for (const auto& c : cases) {
        oci::Scheduler config;
        config.policy = c.policy;
        config.nice = c.nice;
        config.priority = c.priority;
        config.flags = c.flags;
        const auto plan = plan_scheduler(config);
        auto r = run_in_child([&](int out) {
            if (::setpriority(PRIO_PROCESS, 0, kStartNice) != 0) return 3;
            if (!check(apply_scheduler(plan), out)) return 1;
            SchedAttr attr{};
            if (::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) < 0) return 2;
            say(out, "%u %d %u %llu", attr.policy, attr.nice, attr.priority,
                static_cast<unsigned long long>(attr.flags));
            return 0;
        });
        BOOST_TEST_REQUIRE(r.exited(0), c.policy << ": " << r.describe());
        const std::string expected =
            std::to_string(c.expected_policy) + " " + std::to_string(c.expected_nice) + " " +
            std::to_string(c.priority.value_or(0)) + " " + (c.flags.empty() ? "0" : "1");
        BOOST_TEST(r.output == expected, c.policy);
    }
}

BOOST_AUTO_TEST_CASE(deadline_scheduler_gets_its_parameters) {
    oci::Scheduler config;
    config.policy = "SCHED_DEADLINE";
    config.runtime = 1000000;
    config.deadline = 5000000;
    config.period = 10000000;
    const auto plan = plan_scheduler(config);
    auto r = run_in_child([&](int out) {
        if (!check(apply_scheduler(plan), out)) return 1;
        SchedAttr attr{};
        if (::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) < 0) return 2;
        say(out, "%u %llu %llu %llu", attr.policy, static_cast<unsigned long long>(attr.runtime),
            static_cast<unsigned long long>(attr.deadline),
            static_cast<unsigned long long>(attr.period));
        return 0;
    });
    BOOST_TEST_REQUIRE(r.exited(0), r.describe());
    BOOST_TEST(r.output == "6 1000000 5000000 10000000");
}

BOOST_AUTO_TEST_CASE(io_priority_is_applied) {
    for (auto [cls, prio] : {std::pair{"IOPRIO_CLASS_BE", 3}, std::pair{"IOPRIO_CLASS_RT", 1},
                             std::pair{"IOPRIO_CLASS_IDLE", 0}}) {
        const auto plan = plan_io_priority({cls, prio});
        auto r = run_in_child([&](int out) {
            if (!check(apply_io_priority(plan), out)) return 1;
            long value = ::syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
            say(out, "%ld", value);
            return 0;
        });
        BOOST_TEST_REQUIRE(r.exited(0), cls << ": " << r.describe());
        BOOST_TEST(r.output == std::to_string(plan.value), cls);
    }
}

BOOST_AUTO_TEST_CASE(cpu_affinity_initial_from_the_parent_and_final_in_the_child) {
    cpu_set_t current;
    CPU_ZERO(&current);
    BOOST_TEST_REQUIRE(::sched_getaffinity(0, sizeof current, &current) == 0);
    int first = -1, last = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &current)) continue;
        if (first < 0) first = cpu;
        last = cpu;
    }
    const auto initial = parse_index_list(std::to_string(first), "/x");
    const auto final_cpus = parse_index_list(std::to_string(last), "/x");

    int go[2];
    BOOST_TEST_REQUIRE(::pipe2(go, O_CLOEXEC) == 0);
    base::UniqueFd go_r(go[0]), go_w(go[1]);
    int out_pipe[2];
    BOOST_TEST_REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    base::UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);
    pid_t pid = ::fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
        char c;
        if (::read(go_r.get(), &c, 1) != 1) ::_exit(2);
        cpu_set_t set;
        ::sched_getaffinity(0, sizeof set, &set);
        say(out_w.get(), "initial=%d:%d ", CPU_COUNT(&set), CPU_ISSET(first, &set) ? 1 : 0);
        if (!check(apply_cpu_affinity(0, final_cpus), out_w.get())) ::_exit(1);
        ::sched_getaffinity(0, sizeof set, &set);
        say(out_w.get(), "final=%d:%d", CPU_COUNT(&set), CPU_ISSET(last, &set) ? 1 : 0);
        ::_exit(0);
    }
    ChildGuard guard(pid);
    go_r.reset();
    out_w.reset();
    auto r = apply_cpu_affinity(pid, initial);  // the parent sets "initial" on the child
    BOOST_TEST_REQUIRE(r.ok(), r.message);
    BOOST_TEST_REQUIRE(::write(go_w.get(), "g", 1) == 1);
    std::string out = read_all(out_r.get());
    int status = guard.wait();
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(out == "initial=1:1 final=1:1");
}

BOOST_AUTO_TEST_CASE(memory_policy_is_applied) {
    struct Case {
        const char* mode;
        std::optional<std::string> nodes;
        int expected_mode;
    } cases[] = {{"MPOL_BIND", "0", 2}, {"MPOL_INTERLEAVE", "0", 3}, {"MPOL_DEFAULT", {}, 0}};
    for (const auto& c : cases) {
        oci::MemoryPolicy config;
        config.mode = c.mode;
        config.nodes = c.nodes;
        const auto plan = plan_memory_policy(config);
        auto r = run_in_child([&](int out) {
            if (!check(apply_memory_policy(plan), out)) return 1;
            int mode = -1;
            unsigned long mask[16] = {};
            if (::syscall(SYS_get_mempolicy, &mode, mask, 1024UL, nullptr, 0UL) < 0) return 2;
            say(out, "%d %lu", mode, mask[0] & 1UL);
            return 0;
        });
        BOOST_TEST_REQUIRE(r.exited(0), c.mode << ": " << r.describe());
        BOOST_TEST(r.output.substr(0, r.output.find(' ')) == std::to_string(c.expected_mode),
                   c.mode);
        if (c.nodes) BOOST_TEST(r.output.substr(r.output.find(' ') + 1) == "1", c.mode);
    }
}

BOOST_AUTO_TEST_CASE(personality_linux32_reports_a_32_bit_machine_also_after_exec) {
    oci::Personality config;
    config.domain = "LINUX32";
    const auto plan = plan_personality(config);
    auto r = run_in_child([&](int out) {
        if (!check(apply_personality(plan), out)) return 1;
        utsname u{};
        ::uname(&u);
        say(out, "%s ", u.machine);
        exec_on(out, "/bin/uname", "-m");
    });
    BOOST_TEST_REQUIRE(r.exited(0), r.describe());
    BOOST_TEST(r.output == "i686 i686\n");
}

BOOST_AUTO_TEST_SUITE_END()
