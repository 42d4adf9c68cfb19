// Seccomp: names, compilation to BPF (verified by running the program in bpf_eval.hpp), and
// the errors that name the field.
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <rapidjson/document.h>
#include <seccomp.h>
#include <sys/syscall.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "bpf_eval.hpp"
#include "rt/error.hpp"
#include "security/seccomp.hpp"
#include "security/seccomp_agent.hpp"
#include "security/seccomp_names.hpp"

using namespace rt;
using namespace rt::security;
using rt::test::run_bpf;
using rt::test::syscall_data;

namespace {

oci::Syscall rule(std::vector<std::string> names, std::string action,
                  std::optional<uint32_t> errno_ret = std::nullopt,
                  std::vector<oci::SyscallArg> args = {}) {
    oci::Syscall s;
    s.names = std::move(names);
    s.action = std::move(action);
    s.errnoRet = errno_ret;
    s.args = std::move(args);
    return s;
}

oci::Seccomp profile(std::string default_action, std::vector<oci::Syscall> rules = {}) {
    oci::Seccomp s;
    s.defaultAction = std::move(default_action);
    s.syscalls = std::move(rules);
    return s;
}

// The message of the rt::Error that compile_seccomp throws ("" if it does not throw).
std::string compile_error(const oci::Seccomp& config) {
    try {
        compile_seccomp(config);
    } catch (const Error& e) {
        BOOST_TEST((e.kind() == ErrorKind::InvalidArgument || e.kind() == ErrorKind::Unsupported));
        return e.message();
    }
    return "";
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

uint32_t verdict(const CompiledSeccomp& f, int nr, std::vector<uint64_t> args = {}) {
    return run_bpf(f.program, syscall_data(nr, std::move(args)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp_names)

BOOST_AUTO_TEST_CASE(every_spec_action_parses_and_maps_to_its_kernel_value) {
    struct Case {
        const char* name;
        uint32_t value;
    } cases[] = {
        {"SCMP_ACT_KILL", SECCOMP_RET_KILL_THREAD},
        {"SCMP_ACT_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS},
        {"SCMP_ACT_KILL_THREAD", SECCOMP_RET_KILL_THREAD},
        {"SCMP_ACT_TRAP", SECCOMP_RET_TRAP},
        {"SCMP_ACT_ERRNO", SECCOMP_RET_ERRNO | 9},
        {"SCMP_ACT_TRACE", SECCOMP_RET_TRACE | 9},
        {"SCMP_ACT_ALLOW", SECCOMP_RET_ALLOW},
        {"SCMP_ACT_LOG", SECCOMP_RET_LOG},
        {"SCMP_ACT_NOTIFY", SECCOMP_RET_USER_NOTIF},
    };
    BOOST_TEST(seccomp_action_names().size() == std::size(cases));
    for (const auto& c : cases) {
        auto action = parse_seccomp_action(c.name);
        BOOST_TEST_REQUIRE(action.has_value(), c.name);
        BOOST_TEST(seccomp_action_value(*action, 9) == c.value, c.name);
        BOOST_TEST(
            to_string(*action) ==
            (std::string(c.name) == "SCMP_ACT_KILL" ? "SCMP_ACT_KILL" : std::string(c.name)));
        // This kernel (6.x) implements every action.
        BOOST_TEST(kernel_has_seccomp_action(*action), c.name);
    }
    BOOST_TEST(!parse_seccomp_action("SCMP_ACT_FOO"));
    BOOST_TEST(!parse_seccomp_action("scmp_act_allow"));
    BOOST_TEST(takes_errno(SeccompAction::Errno));
    BOOST_TEST(takes_errno(SeccompAction::Trace));
    BOOST_TEST(!takes_errno(SeccompAction::Allow));
    BOOST_TEST(!takes_errno(SeccompAction::Kill));
}

BOOST_AUTO_TEST_CASE(operators_archs_and_flags) {
    const char* ops[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                         "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
    for (const char* op : ops) BOOST_TEST(parse_seccomp_operator(op).has_value(), op);
    BOOST_TEST(*parse_seccomp_operator("SCMP_CMP_MASKED_EQ") == SCMP_CMP_MASKED_EQ);
    BOOST_TEST(!parse_seccomp_operator("SCMP_CMP_FOO"));

    BOOST_TEST(seccomp_arch_names().size() == 23u);  // the runtime-spec's list
    BOOST_TEST(*resolve_seccomp_arch("SCMP_ARCH_X86_64") == SCMP_ARCH_X86_64);
    BOOST_TEST(*resolve_seccomp_arch("SCMP_ARCH_X86") == SCMP_ARCH_X86);
    BOOST_TEST(*resolve_seccomp_arch("SCMP_ARCH_X32") == SCMP_ARCH_X32);
    BOOST_TEST(*resolve_seccomp_arch("SCMP_ARCH_AARCH64") == SCMP_ARCH_AARCH64);
    BOOST_TEST(resolve_seccomp_arch("SCMP_ARCH_LOONGARCH64").has_value());  // known name
    BOOST_TEST(!resolve_seccomp_arch("SCMP_ARCH_Z80"));

    BOOST_TEST(*parse_seccomp_flag("SECCOMP_FILTER_FLAG_LOG") == SECCOMP_FILTER_FLAG_LOG);
    BOOST_TEST(*parse_seccomp_flag("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") ==
               SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    BOOST_TEST(!parse_seccomp_flag("SECCOMP_FILTER_FLAG_NEW_LISTENER"));  // rt's business
    for (const auto& f : seccomp_flag_names()) BOOST_TEST(kernel_has_seccomp_flag(f.flag));
    BOOST_TEST(!kernel_has_seccomp_flag(1u << 30));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(seccomp_compile)

BOOST_AUTO_TEST_CASE(each_action_is_what_the_filter_returns) {
    struct Case {
        const char* action;
        std::optional<uint32_t> errno_ret;
        uint32_t expected;
    } cases[] = {
        {"SCMP_ACT_KILL", {}, SECCOMP_RET_KILL_THREAD},
        {"SCMP_ACT_KILL_PROCESS", {}, SECCOMP_RET_KILL_PROCESS},
        {"SCMP_ACT_KILL_THREAD", {}, SECCOMP_RET_KILL_THREAD},
        {"SCMP_ACT_TRAP", {}, SECCOMP_RET_TRAP},
        {"SCMP_ACT_ERRNO", {}, SECCOMP_RET_ERRNO | EPERM},  // the spec's default
        {"SCMP_ACT_ERRNO", 38, SECCOMP_RET_ERRNO | 38},
        {"SCMP_ACT_TRACE", {}, SECCOMP_RET_TRACE | EPERM},
        {"SCMP_ACT_TRACE", 77, SECCOMP_RET_TRACE | 77},
        {"SCMP_ACT_LOG", {}, SECCOMP_RET_LOG},
    };
    for (const auto& c : cases) {
        auto f =
            compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, c.action, c.errno_ret)}));
        BOOST_TEST(verdict(f, SYS_getppid) == c.expected, c.action);
        BOOST_TEST(verdict(f, SYS_getpid) == SECCOMP_RET_ALLOW, c.action);
        BOOST_TEST(!f.notify);
    }
    // ALLOW as a rule under a denying default.
    auto f = compile_seccomp(
        profile("SCMP_ACT_ERRNO", {rule({"getpid", "exit_group"}, "SCMP_ACT_ALLOW")}));
    BOOST_TEST(verdict(f, SYS_getpid) == SECCOMP_RET_ALLOW);
    BOOST_TEST(verdict(f, SYS_exit_group) == SECCOMP_RET_ALLOW);
    BOOST_TEST(verdict(f, SYS_getppid) == (SECCOMP_RET_ERRNO | EPERM));
}

BOOST_AUTO_TEST_CASE(default_action_and_default_errno) {
    auto config = profile("SCMP_ACT_ERRNO", {rule({"getpid"}, "SCMP_ACT_ALLOW")});
    config.defaultErrnoRet = 38;  // ENOSYS
    auto f = compile_seccomp(config);
    BOOST_TEST(verdict(f, SYS_getppid) == (SECCOMP_RET_ERRNO | 38));
    BOOST_TEST(verdict(f, SYS_getpid) == SECCOMP_RET_ALLOW);

    auto kill =
        compile_seccomp(profile("SCMP_ACT_KILL_PROCESS", {rule({"getpid"}, "SCMP_ACT_ALLOW")}));
    BOOST_TEST(verdict(kill, SYS_getppid) == SECCOMP_RET_KILL_PROCESS);
}

BOOST_AUTO_TEST_CASE(errno_ret_only_with_errno_and_trace) {
    auto config = profile("SCMP_ACT_ALLOW", {rule({"getpid"}, "SCMP_ACT_ERRNO"),
                                             rule({"getppid"}, "SCMP_ACT_KILL", 1)});
    BOOST_TEST(starts_with(compile_error(config),
                           "/linux/seccomp/syscalls/1/errnoRet: not allowed with SCMP_ACT_KILL"),
               compile_error(config));
    auto bad_default = profile("SCMP_ACT_KILL");
    bad_default.defaultErrnoRet = 1;
    BOOST_TEST(starts_with(compile_error(bad_default), "/linux/seccomp/defaultErrnoRet: "),
               compile_error(bad_default));
    auto too_big = profile("SCMP_ACT_ALLOW", {rule({"getpid"}, "SCMP_ACT_ERRNO", 70000)});
    BOOST_TEST(starts_with(compile_error(too_big), "/linux/seccomp/syscalls/0/errnoRet: "));
}

BOOST_AUTO_TEST_CASE(bad_names_are_errors_naming_the_field) {
    auto action = profile("SCMP_ACT_ALLOW",
                          {rule({"getpid"}, "SCMP_ACT_ERRNO"), rule({"getpid"}, "SCMP_ACT_ERRNO"),
                           rule({"getpid"}, "SCMP_ACT_ERRNO"), rule({"getppid"}, "SCMP_ACT_FOO")});
    BOOST_TEST(compile_error(action) ==
               "/linux/seccomp/syscalls/3/action: unknown action \"SCMP_ACT_FOO\"");

    BOOST_TEST(compile_error(profile("SCMP_ACT_NOPE")) ==
               "/linux/seccomp/defaultAction: unknown action \"SCMP_ACT_NOPE\"");

    auto arch = profile("SCMP_ACT_ALLOW");
    arch.architectures = {"SCMP_ARCH_X86", "SCMP_ARCH_VAX"};
    BOOST_TEST(compile_error(arch) ==
               "/linux/seccomp/architectures/1: unknown architecture \"SCMP_ARCH_VAX\"");

    auto op = profile("SCMP_ACT_ALLOW",
                      {rule({"getpid"}, "SCMP_ACT_ERRNO", {},
                            {{0, 1, {}, "SCMP_CMP_EQ"}, {1, 1, {}, "SCMP_CMP_ABOUT"}})});
    BOOST_TEST(compile_error(op) ==
               "/linux/seccomp/syscalls/0/args/1/op: unknown operator \"SCMP_CMP_ABOUT\"");

    auto index = profile("SCMP_ACT_ALLOW",
                         {rule({"getpid"}, "SCMP_ACT_ERRNO", {}, {{6, 1, {}, "SCMP_CMP_EQ"}})});
    BOOST_TEST(starts_with(compile_error(index), "/linux/seccomp/syscalls/0/args/0/index: "));

    auto flag = profile("SCMP_ACT_ALLOW");
    flag.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FAST"};
    BOOST_TEST(compile_error(flag) ==
               "/linux/seccomp/flags/1: unknown flag \"SECCOMP_FILTER_FLAG_FAST\"");

    auto empty = profile("SCMP_ACT_ALLOW", {rule({}, "SCMP_ACT_ERRNO")});
    BOOST_TEST(starts_with(compile_error(empty), "/linux/seccomp/syscalls/0/names: "));
}

BOOST_AUTO_TEST_CASE(unknown_syscall_names_are_skipped_with_a_warning) {
    auto f = compile_seccomp(profile(
        "SCMP_ACT_ALLOW", {rule({"getpid", "no_such_syscall", "getppid"}, "SCMP_ACT_ERRNO", 5)}));
    BOOST_TEST_REQUIRE(f.warnings.size() == 1u);
    BOOST_TEST(f.warnings[0].find(
                   "/linux/seccomp/syscalls/0/names/1: unknown syscall \"no_such_syscall\"") == 0u);
    BOOST_TEST(verdict(f, SYS_getpid) == (SECCOMP_RET_ERRNO | 5));
    BOOST_TEST(verdict(f, SYS_getppid) == (SECCOMP_RET_ERRNO | 5));
    BOOST_TEST(verdict(f, SYS_gettid) == SECCOMP_RET_ALLOW);
}

BOOST_AUTO_TEST_CASE(rules_equal_to_the_default_are_dropped) {
    auto f = compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"getpid"}, "SCMP_ACT_ALLOW"),
                                                        rule({"getppid"}, "SCMP_ACT_ERRNO")}));
    BOOST_TEST(verdict(f, SYS_getpid) == SECCOMP_RET_ALLOW);
    BOOST_TEST(verdict(f, SYS_getppid) == (SECCOMP_RET_ERRNO | EPERM));
    // Same action with another errno is a different action.
    auto g = compile_seccomp(profile("SCMP_ACT_ERRNO", {rule({"getpid"}, "SCMP_ACT_ERRNO", 3)}));
    BOOST_TEST(verdict(g, SYS_getpid) == (SECCOMP_RET_ERRNO | 3));
    BOOST_TEST(verdict(g, SYS_getppid) == (SECCOMP_RET_ERRNO | EPERM));
}

BOOST_AUTO_TEST_CASE(every_operator_compares_like_the_spec_says) {
    const uint64_t big = 0x100000005ULL;  // needs both 32-bit halves of the argument
    struct Case {
        const char* op;
        uint64_t value, value_two;
        std::vector<std::pair<uint64_t, bool>> probes;  // argument, matches?
    } cases[] = {
        {"SCMP_CMP_EQ", big, 0, {{big, true}, {5, false}, {big + 1, false}}},
        {"SCMP_CMP_NE", big, 0, {{big, false}, {5, true}, {0, true}}},
        {"SCMP_CMP_LT", big, 0, {{big - 1, true}, {big, false}, {~0ULL, false}, {0, true}}},
        {"SCMP_CMP_LE", big, 0, {{big, true}, {big + 1, false}, {1, true}}},
        {"SCMP_CMP_GT", big, 0, {{big + 1, true}, {big, false}, {0x200000000ULL, true}}},
        {"SCMP_CMP_GE", big, 0, {{big, true}, {big - 1, false}, {~0ULL, true}}},
        // value is the mask, valueTwo the expected masked value (libseccomp's order).
        {"SCMP_CMP_MASKED_EQ",
         0xff00,
         0x4200,
         {{0x4200, true}, {0x42ff, true}, {0x4300, false}, {0x14200, true}}},
    };
    for (const auto& c : cases) {
        oci::SyscallArg arg{0, c.value, c.value_two, c.op};
        auto f = compile_seccomp(
            profile("SCMP_ACT_ALLOW", {rule({"getpgid"}, "SCMP_ACT_ERRNO", 99, {arg})}));
        for (const auto& [probe, match] : c.probes) {
            const uint32_t expected = match ? (SECCOMP_RET_ERRNO | 99) : SECCOMP_RET_ALLOW;
            BOOST_TEST(verdict(f, SYS_getpgid, {probe}) == expected,
                       c.op << " arg=" << std::hex << probe);
        }
    }
}

BOOST_AUTO_TEST_CASE(conditions_on_distinct_args_are_anded_and_on_the_same_arg_ored) {
    std::vector<oci::SyscallArg> anded = {{0, 1, {}, "SCMP_CMP_EQ"}, {1, 2, {}, "SCMP_CMP_EQ"}};
    auto f =
        compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"kill"}, "SCMP_ACT_ERRNO", 7, anded)}));
    BOOST_TEST(verdict(f, SYS_kill, {1, 2}) == (SECCOMP_RET_ERRNO | 7));
    BOOST_TEST(verdict(f, SYS_kill, {1, 3}) == SECCOMP_RET_ALLOW);
    BOOST_TEST(verdict(f, SYS_kill, {0, 2}) == SECCOMP_RET_ALLOW);

    // As runc: two conditions on argument 0 become two rules.
    std::vector<oci::SyscallArg> ored = {{0, 1, {}, "SCMP_CMP_EQ"}, {0, 2, {}, "SCMP_CMP_EQ"}};
    auto g =
        compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"kill"}, "SCMP_ACT_ERRNO", 7, ored)}));
    BOOST_TEST(verdict(g, SYS_kill, {1}) == (SECCOMP_RET_ERRNO | 7));
    BOOST_TEST(verdict(g, SYS_kill, {2}) == (SECCOMP_RET_ERRNO | 7));
    BOOST_TEST(verdict(g, SYS_kill, {3}) == SECCOMP_RET_ALLOW);
}

BOOST_AUTO_TEST_CASE(architectures_are_added_and_others_are_killed) {
    auto config = profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO", 11)});
    config.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    auto f = compile_seccomp(config);
    BOOST_TEST(run_bpf(f.program, syscall_data(SYS_getcwd)) == (SECCOMP_RET_ERRNO | 11));
    // getcwd is 183 on i386.
    BOOST_TEST(run_bpf(f.program, syscall_data(183, {}, AUDIT_ARCH_I386)) ==
               (SECCOMP_RET_ERRNO | 11));
    // x32 syscalls are x86_64 numbers with bit 30 set.
    BOOST_TEST(run_bpf(f.program, syscall_data(SYS_getcwd | 0x40000000, {}, AUDIT_ARCH_X86_64)) ==
               (SECCOMP_RET_ERRNO | 11));
    // An architecture that is not in the filter is killed (libseccomp's bad-arch action).
    BOOST_TEST(run_bpf(f.program, syscall_data(17, {}, AUDIT_ARCH_AARCH64)) ==
               SECCOMP_RET_KILL_THREAD);

    auto native_only =
        compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO", 11)}));
    BOOST_TEST(run_bpf(native_only.program, syscall_data(183, {}, AUDIT_ARCH_I386)) ==
               SECCOMP_RET_KILL_THREAD);
}

BOOST_AUTO_TEST_CASE(architectures_of_the_other_byte_order_are_skipped_with_a_warning) {
    auto config = profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO", 11)});
    config.architectures = {"SCMP_ARCH_X86", "SCMP_ARCH_S390X", "SCMP_ARCH_PPC64"};
    auto f = compile_seccomp(config);
    BOOST_TEST_REQUIRE(f.warnings.size() == 2u);
    BOOST_TEST(f.warnings[0] ==
               "/linux/seccomp/architectures/1: SCMP_ARCH_S390X has another byte "
               "order than this machine, skipped");
    BOOST_TEST(run_bpf(f.program, syscall_data(183, {}, AUDIT_ARCH_I386)) ==
               (SECCOMP_RET_ERRNO | 11));
}

BOOST_AUTO_TEST_CASE(flags_are_passed_to_seccomp) {
    auto config = profile("SCMP_ACT_ALLOW");
    config.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                    "SECCOMP_FILTER_FLAG_TSYNC"};
    auto f = compile_seccomp(config);
    BOOST_TEST(f.flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
                           SECCOMP_FILTER_FLAG_TSYNC));

    // WAIT_KILLABLE_RECV means nothing without a listener: dropped with a warning.
    config.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    auto g = compile_seccomp(config);
    BOOST_TEST(g.flags == 0u);
    BOOST_TEST(g.warnings.size() == 1u);
}

BOOST_AUTO_TEST_CASE(notify_needs_a_listener_and_adds_new_listener) {
    auto config = profile("SCMP_ACT_ALLOW", {rule({"mkdir", "mkdirat"}, "SCMP_ACT_NOTIFY")});
    BOOST_TEST(compile_error(config) ==
               "/linux/seccomp/listenerPath: required when SCMP_ACT_NOTIFY is used");

    config.listenerPath = "/run/agent.sock";
    config.listenerMetadata = "meta";
    config.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    auto f = compile_seccomp(config);
    BOOST_TEST(f.notify);
    BOOST_TEST(f.listener_path == "/run/agent.sock");
    BOOST_TEST(f.listener_metadata.value_or("") == "meta");
    BOOST_TEST(f.flags ==
               (SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC |
                SECCOMP_FILTER_FLAG_TSYNC_ESRCH | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV));
    BOOST_TEST(verdict(f, SYS_mkdir) == SECCOMP_RET_USER_NOTIF);
    BOOST_TEST(verdict(f, SYS_mkdirat) == SECCOMP_RET_USER_NOTIF);
    BOOST_TEST(verdict(f, SYS_getpid) == SECCOMP_RET_ALLOW);

    auto as_default = profile("SCMP_ACT_NOTIFY");
    as_default.listenerPath = "/run/agent.sock";
    BOOST_TEST(starts_with(compile_error(as_default),
                           "/linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot"));

    auto on_write = profile("SCMP_ACT_ALLOW", {rule({"read", "write"}, "SCMP_ACT_NOTIFY")});
    on_write.listenerPath = "/run/agent.sock";
    BOOST_TEST(
        starts_with(compile_error(on_write),
                    "/linux/seccomp/syscalls/0/names/1: SCMP_ACT_NOTIFY cannot be used for write"));

    // A listener without any notify rule is ignored, its metadata with it (runc).
    auto unused_listener = profile("SCMP_ACT_ALLOW", {rule({"mkdir"}, "SCMP_ACT_ERRNO")});
    unused_listener.listenerPath = "/run/agent.sock";
    unused_listener.listenerMetadata = "meta";
    auto u = compile_seccomp(unused_listener);
    BOOST_TEST(!u.notify);
    BOOST_TEST(u.listener_path.empty());
    BOOST_TEST((u.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) == 0u);

    auto metadata_alone = profile("SCMP_ACT_ALLOW");
    metadata_alone.listenerMetadata = "x";
    BOOST_TEST(starts_with(compile_error(metadata_alone),
                           "/linux/seccomp/listenerMetadata: must not be set"));
}

BOOST_AUTO_TEST_CASE(a_docker_sized_profile_compiles_to_a_bounded_program) {
    // Every syscall libseccomp knows for x86_64 below 450, each allowed with an errno default:
    // the binary-tree layout keeps it well under the kernel's 4096 instructions.
    std::vector<std::string> names;
    for (int nr = 0; nr < 450; ++nr) {
        char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
        if (name == nullptr) continue;
        names.emplace_back(name);
        free(name);
    }
    BOOST_TEST(names.size() > 300u);
    auto config = profile("SCMP_ACT_ERRNO", {rule(names, "SCMP_ACT_ALLOW")});
    config.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    auto f = compile_seccomp(config);
    BOOST_TEST(f.program.size() < 4096u);
    BOOST_TEST(verdict(f, SYS_getpid) == SECCOMP_RET_ALLOW);
    BOOST_TEST(verdict(f, 1000) == (SECCOMP_RET_ERRNO | EPERM));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(seccomp_agent)

BOOST_AUTO_TEST_CASE(payload_is_the_container_process_state) {
    SeccompAgentMessage message;
    message.pid = 4422;
    message.metadata = "MKNOD=/dev/null";
    message.state_json =
        R"({"ociVersion":"1.3.0","id":"c1","status":"creating","pid":4422,"bundle":"/b"})";
    rapidjson::Document doc;
    doc.Parse(seccomp_agent_payload(message).c_str());
    BOOST_TEST_REQUIRE(doc.IsObject());
    BOOST_TEST(std::string(doc["ociVersion"].GetString()) == oci::kSpecVersion);
    BOOST_TEST_REQUIRE(doc["fds"].IsArray());
    BOOST_TEST(doc["fds"].Size() == 1u);
    BOOST_TEST(std::string(doc["fds"][0].GetString()) == "seccompFd");
    BOOST_TEST(doc["pid"].GetInt() == 4422);
    BOOST_TEST(std::string(doc["metadata"].GetString()) == "MKNOD=/dev/null");
    BOOST_TEST(std::string(doc["state"]["id"].GetString()) == "c1");
    BOOST_TEST(std::string(doc["state"]["status"].GetString()) == "creating");

    message.metadata.reset();
    doc.Parse(seccomp_agent_payload(message).c_str());
    BOOST_TEST(!doc.HasMember("metadata"));

    message.state_json = "[1,2]";
    BOOST_CHECK_THROW(seccomp_agent_payload(message), Error);
}

BOOST_AUTO_TEST_SUITE_END()
