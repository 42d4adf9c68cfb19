// Capability names and the plan computed from process.capabilities.
#include <linux/capability.h>

#include <boost/test/unit_test.hpp>

#include "rt/error.hpp"
#include "security/capabilities.hpp"

using namespace rt;
using namespace rt::security;

BOOST_AUTO_TEST_SUITE(capabilities)

BOOST_AUTO_TEST_CASE(names_match_the_kernel_numbers) {
    BOOST_TEST(capability_names().size() == 41u);
    BOOST_TEST(*parse_capability("CAP_CHOWN") == CAP_CHOWN);
    BOOST_TEST(*parse_capability("CAP_NET_ADMIN") == CAP_NET_ADMIN);
    BOOST_TEST(*parse_capability("CAP_SYS_ADMIN") == CAP_SYS_ADMIN);
    BOOST_TEST(*parse_capability("CAP_AUDIT_READ") == CAP_AUDIT_READ);
    BOOST_TEST(*parse_capability("CAP_BPF") == CAP_BPF);
    BOOST_TEST(*parse_capability("CAP_CHECKPOINT_RESTORE") == CAP_CHECKPOINT_RESTORE);
    for (size_t i = 0; i < capability_names().size(); ++i)
        BOOST_TEST(*parse_capability(capability_names()[i]) == static_cast<int>(i));
    BOOST_TEST(!parse_capability("CAP_FOO"));
    BOOST_TEST(!parse_capability("chown"));  // names are exact, as in the spec
    // The running kernel: its last capability is one rt knows, and the list matches it.
    const int last = kernel_last_capability();
    BOOST_TEST(last >= CAP_AUDIT_READ);
    BOOST_TEST(kernel_capability_names().size() == static_cast<size_t>(std::min(last, 40) + 1));
}

BOOST_AUTO_TEST_CASE(sets_become_masks) {
    oci::Capabilities caps;
    caps.bounding = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN"};
    caps.permitted = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    caps.effective = {"CAP_CHOWN", "CAP_KILL"};
    caps.inheritable = {"CAP_NET_BIND_SERVICE"};
    caps.ambient = {"CAP_NET_BIND_SERVICE"};
    std::vector<std::string> warnings;
    auto plan = plan_capabilities(caps, "/process/capabilities", 40, &warnings);
    BOOST_TEST(warnings.empty());
    BOOST_TEST(plan.bounding == (cap_bit(CAP_CHOWN) | cap_bit(CAP_KILL) |
                                 cap_bit(CAP_NET_BIND_SERVICE) | cap_bit(CAP_SYS_ADMIN)));
    BOOST_TEST(plan.permitted ==
               (cap_bit(CAP_CHOWN) | cap_bit(CAP_KILL) | cap_bit(CAP_NET_BIND_SERVICE)));
    BOOST_TEST(plan.effective == (cap_bit(CAP_CHOWN) | cap_bit(CAP_KILL)));
    BOOST_TEST(plan.inheritable == cap_bit(CAP_NET_BIND_SERVICE));
    BOOST_TEST(plan.ambient == cap_bit(CAP_NET_BIND_SERVICE));
    BOOST_TEST(plan.last_cap == 40);
}

BOOST_AUTO_TEST_CASE(absent_capabilities_mean_none) {
    std::vector<std::string> warnings;
    auto plan = plan_capabilities(std::nullopt, "/process/capabilities", 40, &warnings);
    BOOST_TEST(plan.bounding == 0u);
    BOOST_TEST(plan.effective == 0u);
    BOOST_TEST(plan.permitted == 0u);
    BOOST_TEST(plan.inheritable == 0u);
    BOOST_TEST(plan.ambient == 0u);
}

// config.md: a name that cannot be mapped is a warning, not an error; the rest is applied.
BOOST_AUTO_TEST_CASE(unknown_names_are_warnings_naming_the_field) {
    oci::Capabilities caps;
    caps.bounding = {"CAP_CHOWN"};
    caps.permitted = {"CAP_CHOWN", "CAP_KILL"};
    caps.inheritable = {"CAP_CHOWN"};
    caps.ambient = {"CAP_CHOWN", "CAP_MAKE_COFFEE"};
    caps.effective = {"cap_chown", "CAP_KILL"};
    std::vector<std::string> warnings;
    auto plan = plan_capabilities(caps, "/process/capabilities", 40, &warnings);
    BOOST_TEST(plan.bounding == cap_bit(CAP_CHOWN));
    BOOST_TEST(plan.effective == cap_bit(CAP_KILL));
    BOOST_TEST(plan.ambient == cap_bit(CAP_CHOWN));
    BOOST_REQUIRE(warnings.size() == 2u);
    BOOST_TEST(warnings[0] ==
               "/process/capabilities/effective/0: unknown capability \"cap_chown\", ignored");
    BOOST_TEST(warnings[1] ==
               "/process/capabilities/ambient/1: unknown capability \"CAP_MAKE_COFFEE\", ignored");
}

BOOST_AUTO_TEST_CASE(what_cannot_be_granted_is_a_warning) {
    oci::Capabilities caps;
    caps.bounding = {"CAP_CHOWN", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};
    caps.permitted = {"CAP_CHOWN", "CAP_CHECKPOINT_RESTORE"};
    caps.effective = {"CAP_CHOWN", "CAP_KILL"};         // KILL is not permitted
    caps.inheritable = {"CAP_CHOWN", "CAP_SYS_ADMIN"};  // SYS_ADMIN is not in bounding
    caps.ambient = {"CAP_CHOWN", "CAP_FOWNER"};  // FOWNER is neither permitted nor inheritable
    std::vector<std::string> warnings, notes;
    // A kernel whose last capability is CAP_BPF (39): CHECKPOINT_RESTORE is unknown to it.
    auto plan = plan_capabilities(caps, "/process/capabilities", CAP_BPF, &warnings, &notes);
    BOOST_TEST(plan.bounding == (cap_bit(CAP_CHOWN) | cap_bit(CAP_BPF)));
    BOOST_TEST(plan.permitted == cap_bit(CAP_CHOWN));
    BOOST_TEST(plan.effective == cap_bit(CAP_CHOWN));
    BOOST_TEST(plan.inheritable == cap_bit(CAP_CHOWN));
    BOOST_TEST(plan.ambient == cap_bit(CAP_CHOWN));
    BOOST_TEST_REQUIRE(warnings.size() == 4u);
    BOOST_TEST_REQUIRE(notes.size() == 1u);
    BOOST_TEST(warnings[0] ==
               "/process/capabilities/bounding/2: CAP_CHECKPOINT_RESTORE is not "
               "supported by this kernel, ignored");
    BOOST_TEST(warnings[1] ==
               "/process/capabilities/permitted/1: CAP_CHECKPOINT_RESTORE is not "
               "supported by this kernel, ignored");
    BOOST_TEST(warnings[2] ==
               "/process/capabilities/effective: not in the permitted set, ignored: CAP_KILL");
    BOOST_TEST(
        warnings[3] ==
        "/process/capabilities/inheritable: not in the bounding set, ignored: CAP_SYS_ADMIN");
    BOOST_TEST(notes[0] ==
               "/process/capabilities/ambient: not in both permitted and inheritable, "
               "ignored: CAP_FOWNER");
}

BOOST_AUTO_TEST_CASE(reading_the_current_sets_works_unprivileged) {
    CapabilityState state;
    BOOST_TEST(read_capabilities(&state).ok());
    BOOST_TEST((state.effective & ~state.permitted) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
