// Scheduling, memory policy, personality, LSM checks and prepare_process_security.
#include <linux/capability.h>
#include <sys/personality.h>

#include <algorithm>

#include <boost/test/unit_test.hpp>

#include "rt/error.hpp"
#include "security/lsm.hpp"
#include "security/process_security.hpp"
#include "security/step.hpp"

using namespace rt;
using namespace rt::security;

namespace {

template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.message();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(step_result)

BOOST_AUTO_TEST_CASE(errors_carry_errno_and_a_formatted_message) {
    BOOST_TEST(step_ok().ok());
    auto r = step_error(EPERM, "capset %d", 7);
    BOOST_TEST(!r.ok());
    BOOST_TEST(r.err == EPERM);
    BOOST_TEST(std::string(r.message) == "capset 7");
    char text[128];
    describe(r, text, sizeof text);
    BOOST_TEST(std::string(text) == "capset 7: operation not permitted");
    BOOST_TEST(step_error(0, "x").err == EINVAL);  // a failure always has an errno
    std::string long_text(1000, 'a');
    auto truncated = step_error(E2BIG, "%s", long_text.c_str());
    BOOST_TEST(std::string(truncated.message).size() == sizeof truncated.message - 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scheduling)

BOOST_AUTO_TEST_CASE(index_lists) {
    auto m = parse_index_list("0-3, 7,65", "/x");
    for (unsigned n : {0u, 1u, 2u, 3u, 7u, 65u}) BOOST_TEST(m.test(n), n);
    for (unsigned n : {4u, 6u, 8u, 64u, 66u, 1000u}) BOOST_TEST(!m.test(n), n);
    BOOST_TEST(m.words.size() == 2u);
    BOOST_TEST(!m.empty());
    BOOST_TEST(error_of([] { parse_index_list("3-1", "/process/execCPUAffinity/final"); }) ==
               "/process/execCPUAffinity/final: reversed range in \"3-1\"");
    BOOST_TEST(error_of([] { parse_index_list("1,x", "/a"); }).find("/a: invalid list") == 0u);
    BOOST_TEST(error_of([] { parse_index_list("1-", "/a"); }).find("/a: invalid list") == 0u);
    BOOST_TEST(error_of([] { parse_index_list("", "/a"); }) == "/a: empty list");
    BOOST_TEST(error_of([] { parse_index_list("9000", "/a"); }).find("/a: 9000 is out of range") ==
               0u);
}

BOOST_AUTO_TEST_CASE(scheduler_plans) {
    oci::Scheduler fifo;
    fifo.policy = "SCHED_FIFO";
    fifo.priority = 10;
    fifo.flags = {"SCHED_FLAG_RESET_ON_FORK"};
    auto plan = plan_scheduler(fifo);
    BOOST_TEST(plan.policy == 1u);
    BOOST_TEST(plan.priority == 10u);
    BOOST_TEST(plan.flags == 1u);

    oci::Scheduler batch;
    batch.policy = "SCHED_BATCH";
    batch.nice = 5;
    BOOST_TEST(plan_scheduler(batch).nice == 5);

    oci::Scheduler bad = batch;
    bad.policy = "SCHED_FAST";
    BOOST_TEST(error_of([&] { plan_scheduler(bad); }) ==
               "/process/scheduler/policy: unknown policy \"SCHED_FAST\"");
    bad = batch;
    bad.nice = 20;
    BOOST_TEST(error_of([&] { plan_scheduler(bad); }) ==
               "/process/scheduler/nice: must be between -20 and 19");
    bad = batch;
    bad.priority = 3;
    BOOST_TEST(error_of([&] { plan_scheduler(bad); }).find("/process/scheduler/priority: ") == 0u);
    bad = fifo;
    bad.priority = 0;
    BOOST_TEST(error_of([&] {
                   plan_scheduler(bad);
               }).find("/process/scheduler/priority: must be between 1 and 99") == 0u);
    bad = batch;
    bad.runtime = 100;
    BOOST_TEST(error_of([&] { plan_scheduler(bad); }).find("/process/scheduler: runtime") == 0u);
    bad = batch;
    bad.flags = {"SCHED_FLAG_RECLAIM", "SCHED_FLAG_TURBO"};
    BOOST_TEST(error_of([&] { plan_scheduler(bad); }) ==
               "/process/scheduler/flags/1: unknown flag \"SCHED_FLAG_TURBO\"");
    bad.flags = {};
    bad.policy = "SCHED_ISO";
    BOOST_TEST(error_of([&] { plan_scheduler(bad); }).find("not implemented by Linux") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(io_priority_plans) {
    BOOST_TEST(plan_io_priority({"IOPRIO_CLASS_BE", 3}).value == ((2 << 13) | 3));
    BOOST_TEST(plan_io_priority({"IOPRIO_CLASS_RT", 0}).value == (1 << 13));
    BOOST_TEST(plan_io_priority({"IOPRIO_CLASS_IDLE", 7}).value == ((3 << 13) | 7));
    BOOST_TEST(error_of([] {
                   plan_io_priority({"IOPRIO_CLASS_NONE", 0});
               }) == "/process/ioPriority/class: unknown class \"IOPRIO_CLASS_NONE\"");
    BOOST_TEST(error_of([] {
                   plan_io_priority({"IOPRIO_CLASS_BE", 8});
               }) == "/process/ioPriority/priority: must be between 0 and 7");
}

BOOST_AUTO_TEST_CASE(memory_policy_plans) {
    oci::MemoryPolicy bind;
    bind.mode = "MPOL_BIND";
    bind.nodes = "0";
    bind.flags = {"MPOL_F_STATIC_NODES"};
    auto plan = plan_memory_policy(bind);
    BOOST_TEST(plan.mode == (2 | (1 << 15)));
    BOOST_TEST(plan.nodes.test(0));

    oci::MemoryPolicy local;
    local.mode = "MPOL_LOCAL";
    BOOST_TEST(plan_memory_policy(local).mode == 4);
    local.nodes = "0";
    BOOST_TEST(error_of([&] { plan_memory_policy(local); }) ==
               "/linux/memoryPolicy/nodes: MPOL_LOCAL takes no nodes");

    oci::MemoryPolicy interleave;
    interleave.mode = "MPOL_INTERLEAVE";
    BOOST_TEST(error_of([&] { plan_memory_policy(interleave); }) ==
               "/linux/memoryPolicy/nodes: MPOL_INTERLEAVE needs at least one node");
    interleave.nodes = "0-1";
    interleave.flags = {"MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"};
    BOOST_TEST(error_of([&] { plan_memory_policy(interleave); }).find("exclude each other") !=
               std::string::npos);
    interleave.flags = {"MPOL_F_FAST"};
    BOOST_TEST(error_of([&] { plan_memory_policy(interleave); }) ==
               "/linux/memoryPolicy/flags/0: unknown flag \"MPOL_F_FAST\"");
    oci::MemoryPolicy unknown;
    unknown.mode = "MPOL_RANDOM";
    BOOST_TEST(error_of([&] { plan_memory_policy(unknown); }) ==
               "/linux/memoryPolicy/mode: unknown mode \"MPOL_RANDOM\"");
}

BOOST_AUTO_TEST_CASE(personality_plans) {
    oci::Personality p;
    p.domain = "LINUX32";
    BOOST_TEST(plan_personality(p).persona == static_cast<unsigned long>(PER_LINUX32));
    p.domain = "LINUX";
    BOOST_TEST(plan_personality(p).persona == static_cast<unsigned long>(PER_LINUX));
    p.domain = "BSD";
    BOOST_TEST(error_of([&] { plan_personality(p); }) ==
               "/linux/personality/domain: unknown domain \"BSD\"");
    p.domain = "LINUX";
    p.flags = {"ADDR_NO_RANDOMIZE"};
    BOOST_TEST(error_of([&] {
                   plan_personality(p);
               }).find("/linux/personality/flags/0: unknown flag") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lsm)

BOOST_AUTO_TEST_CASE(mount_label_is_appended_as_a_context_option) {
    BOOST_TEST(format_mount_label("", "") == "");
    BOOST_TEST(format_mount_label("size=64k", "") == "size=64k");
    BOOST_TEST(format_mount_label("", "system_u:object_r:container_file_t:s0:c1,c2") ==
               "context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
    BOOST_TEST(format_mount_label("mode=755,size=65536k", "s0") ==
               "mode=755,size=65536k,context=\"s0\"");
}

BOOST_AUTO_TEST_CASE(a_label_for_a_disabled_lsm_is_an_error_naming_the_field) {
    // Empty strings mean "none" (engines write them) and never fail.
    BOOST_CHECK_NO_THROW(check_lsm_support(std::string(), "/process/apparmorProfile", std::string(),
                                           "/process/selinuxLabel", std::string()));
    if (!apparmor_enabled()) {
        std::string e = error_of([] {
            check_lsm_support(std::string("rt-default"), "/process/apparmorProfile", std::nullopt,
                              "/process/selinuxLabel");
        });
        BOOST_TEST(e ==
                   "/process/apparmorProfile: AppArmor is not enabled on this host (profile "
                   "\"rt-default\")");
    }
    if (!selinux_enabled()) {
        std::string e = error_of([] {
            check_lsm_support(std::nullopt, "/process/apparmorProfile",
                              std::string("system_u:system_r:container_t:s0"),
                              "/process/selinuxLabel");
        });
        BOOST_TEST(e.find("/process/selinuxLabel: SELinux is not enabled on this host") == 0u);
        e = error_of([] {
            check_lsm_support(std::nullopt, "/apparmorProfile", std::nullopt, "/selinuxLabel",
                              std::string("s0"), "/linux/mountLabel");
        });
        BOOST_TEST(e.find("/linux/mountLabel: SELinux is not enabled on this host") == 0u);
    }
    if (apparmor_enabled() && selinux_enabled())
        BOOST_TEST_MESSAGE("both LSMs enabled: error paths not reachable here");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(process_security)

BOOST_AUTO_TEST_CASE(prepare_collects_every_part) {
    oci::Process process;
    process.noNewPrivileges = false;
    process.capabilities = oci::Capabilities{};
    process.capabilities->bounding = {"CAP_KILL"};
    process.capabilities->permitted = {"CAP_KILL"};
    process.capabilities->effective = {"CAP_KILL"};
    process.scheduler = oci::Scheduler{};
    process.scheduler->policy = "SCHED_BATCH";
    process.ioPriority = oci::IoPriority{"IOPRIO_CLASS_BE", 4};
    process.execCPUAffinity = oci::ExecCpuAffinity{std::string("0"), std::string("0-1")};
    oci::Linux linux;
    linux.personality = oci::Personality{std::string("LINUX32"), {}};
    linux.seccomp = oci::Seccomp{};
    linux.seccomp->defaultAction = "SCMP_ACT_ALLOW";

    auto init = prepare_process_security(process, &linux, ProcessRole::ContainerInit);
    BOOST_TEST(init.capabilities.effective == cap_bit(CAP_KILL));
    BOOST_TEST(init.scheduler.has_value());
    BOOST_TEST(init.io_priority.has_value());
    BOOST_TEST(init.personality.has_value());
    BOOST_TEST(init.seccomp.has_value());
    // Neither no_new_privs nor CAP_SYS_ADMIN at load time: CAP_SYS_ADMIN is held for the load.
    BOOST_TEST(init.held_for_seccomp == cap_bit(CAP_SYS_ADMIN));
    // execCPUAffinity is not for the init process (spec).
    BOOST_TEST(!init.cpu_affinity_initial.has_value());
    BOOST_TEST(!init.cpu_affinity_final.has_value());

    auto exec = prepare_process_security(process, &linux, ProcessRole::Exec, "");
    BOOST_TEST(exec.cpu_affinity_initial.has_value());
    BOOST_TEST(exec.cpu_affinity_final.has_value());

    process.noNewPrivileges = true;
    BOOST_TEST(
        prepare_process_security(process, &linux, ProcessRole::ContainerInit).held_for_seccomp ==
        0u);
    process.noNewPrivileges = false;
    process.capabilities->effective = {"CAP_SYS_ADMIN"};
    process.capabilities->permitted = {"CAP_SYS_ADMIN"};
    BOOST_TEST(
        prepare_process_security(process, &linux, ProcessRole::ContainerInit).held_for_seccomp ==
        0u);
    process.capabilities->effective = {"CAP_KILL"};

    // Field pointers follow the document the process came from.
    process.ioPriority = oci::IoPriority{"IOPRIO_CLASS_XX", 4};
    BOOST_TEST(error_of([&] {
                   prepare_process_security(process, &linux, ProcessRole::Exec, "");
               }) == "/ioPriority/class: unknown class \"IOPRIO_CLASS_XX\"");
    BOOST_TEST(error_of([&] {
                   prepare_process_security(process, &linux, ProcessRole::ContainerInit);
               }) == "/process/ioPriority/class: unknown class \"IOPRIO_CLASS_XX\"");
}

BOOST_AUTO_TEST_CASE(prepare_without_linux_section) {
    oci::Process process;
    auto sec = prepare_process_security(process, nullptr, ProcessRole::ContainerInit);
    BOOST_TEST(!sec.seccomp.has_value());
    BOOST_TEST(sec.held_for_seccomp == 0u);
    BOOST_TEST(sec.capabilities.bounding == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

#include "security/features.hpp"

BOOST_AUTO_TEST_SUITE(features)

BOOST_AUTO_TEST_CASE(security_features_list_what_rt_and_this_host_support) {
    oci::Features::Linux linux;
    fill_security_features(linux);
    auto has = [](const std::vector<std::string>& v, const char* s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    BOOST_TEST(has(linux.capabilities, "CAP_SYS_ADMIN"));
    BOOST_TEST(linux.capabilities.size() ==
               static_cast<size_t>(std::min(kernel_last_capability(), 40) + 1));
    BOOST_TEST(linux.seccomp.enabled.value_or(false));
    BOOST_TEST(linux.seccomp.actions.size() == 9u);  // this kernel has every action
    BOOST_TEST(has(linux.seccomp.actions, "SCMP_ACT_NOTIFY"));
    BOOST_TEST(linux.seccomp.operators.size() == 7u);
    BOOST_TEST(has(linux.seccomp.archs, "SCMP_ARCH_X86_64"));
    BOOST_TEST(has(linux.seccomp.archs, "SCMP_ARCH_AARCH64"));
    // Every listed architecture really compiles.
    for (const auto& arch : linux.seccomp.archs) {
        oci::Seccomp s;
        s.defaultAction = "SCMP_ACT_ALLOW";
        s.architectures = {arch};
        BOOST_CHECK_NO_THROW(compile_seccomp(s));
    }
    BOOST_TEST(linux.seccomp.knownFlags.size() == 4u);
    BOOST_TEST(has(linux.seccomp.supportedFlags, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
    BOOST_TEST(linux.apparmor.value_or(false));
    BOOST_TEST(linux.selinux.value_or(false));
    BOOST_TEST_REQUIRE(linux.memoryPolicy.has_value());
    BOOST_TEST(linux.memoryPolicy->modes.size() == 7u);
    BOOST_TEST(has(linux.memoryPolicy->flags, "MPOL_F_STATIC_NODES"));
}

BOOST_AUTO_TEST_SUITE_END()
