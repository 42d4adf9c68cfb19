// rt features: prints exactly what core::runtime_features() assembles from the per-area
// functions, as valid features JSON, and claims only names the spec knows.
#include <seccomp.h>

#include <boost/test/unit_test.hpp>
#include <set>

#include "core/features.hpp"
#include "rt/oci/names.hpp"
#include "rt/version.hpp"
#include "run.hpp"

using namespace rt;
using namespace core_test;

namespace {

// Every element of claimed is in known, once.
void check_subset(const std::vector<std::string>& claimed, oci::names::List known,
                  const char* what) {
    std::set<std::string> seen;
    for (const std::string& name : claimed) {
        BOOST_TEST(oci::names::contains(known, name), what << ": unknown name " << name);
        BOOST_TEST(seen.insert(name).second, what << ": duplicate " << name);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(features)

BOOST_AUTO_TEST_CASE(rt_features_prints_the_runtime_features) {
    RunResult r = run_rt({"features"});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.err.empty(), r.err);
    oci::Features printed = oci::parse_features(r.out, "rt features");
    BOOST_TEST((printed == core::runtime_features()), r.out);
}

BOOST_AUTO_TEST_CASE(document_is_assembled_from_the_area_functions) {
    oci::Features f = core::runtime_features();
    BOOST_TEST(f.ociVersionMin == "1.0.0");
    BOOST_TEST(f.ociVersionMax == oci::kSpecVersion);
    BOOST_TEST(f.hooks == core::hook_features());
    BOOST_TEST(f.mountOptions == core::mount_option_features());
    BOOST_REQUIRE(f.linux);
    BOOST_TEST(f.linux->namespaces == core::namespace_features());

    oci::Features::Linux expected;
    expected.namespaces = core::namespace_features();
    core::fill_lifecycle_features(expected);
    core::fill_cgroup_features(expected);
    core::fill_security_features(expected);
    BOOST_TEST((*f.linux == expected));

    const scmp_version* v = seccomp_version();
    BOOST_TEST(f.annotations.at("io.github.seccomp.libseccomp.version") ==
               std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                   std::to_string(v->micro));
    BOOST_TEST(f.annotations.at("rt.version") == std::string(rt::version()));
}

BOOST_AUTO_TEST_CASE(claims_only_names_the_spec_knows) {
    using namespace oci::names;
    oci::Features f = core::runtime_features();
    check_subset(f.hooks, kHooks, "hooks");
    check_subset(f.mountOptions, kMountOptions, "mountOptions");
    const auto& l = *f.linux;
    check_subset(l.namespaces, kNamespaces, "namespaces");
    check_subset(l.capabilities, kCapabilities, "capabilities");
    check_subset(l.seccomp.actions, kSeccompActions, "seccomp.actions");
    check_subset(l.seccomp.operators, kSeccompOperators, "seccomp.operators");
    check_subset(l.seccomp.archs, kSeccompArchs, "seccomp.archs");
    check_subset(l.seccomp.knownFlags, kSeccompFlags, "seccomp.knownFlags");
    check_subset(l.seccomp.supportedFlags, kSeccompFlags, "seccomp.supportedFlags");
    for (const std::string& flag : l.seccomp.supportedFlags) {
        bool known = std::find(l.seccomp.knownFlags.begin(), l.seccomp.knownFlags.end(), flag) !=
                     l.seccomp.knownFlags.end();
        BOOST_TEST(known, "supported but not known: " << flag);
    }
    if (l.memoryPolicy) {
        check_subset(l.memoryPolicy->modes, kMemoryPolicyModes, "memoryPolicy.modes");
        check_subset(l.memoryPolicy->flags, kMemoryPolicyFlags, "memoryPolicy.flags");
    }
}

BOOST_AUTO_TEST_CASE(rt_version_names_version_commit_spec_and_libseccomp) {
    for (const char* flag : {"--version", "-v"}) {
        RunResult r = run_rt({flag});
        BOOST_TEST(r.status == 0, r.err);
        const scmp_version* v = seccomp_version();
        std::string expected = std::string("rt version ") + rt::version() +
                               "\ncommit: " + rt::git_commit() + "\nspec: " + oci::kSpecVersion +
                               "\nlibseccomp: " + std::to_string(v->major) + "." +
                               std::to_string(v->minor) + "." + std::to_string(v->micro) + "\n";
        BOOST_TEST(r.out.rfind(expected, 0) == 0, r.out);
    }
}

BOOST_AUTO_TEST_SUITE_END()
