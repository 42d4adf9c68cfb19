// rt spec: the default config equals runc 1.1.5's `runc spec` (fixtures recorded from runc in
// data/, as root), validates, and is written atomically without replacing a config.json.
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "core/default_spec.hpp"
#include "rt/oci/parse.hpp"
#include "rt/oci/serialize.hpp"
#include "rt/oci/validate.hpp"
#include "run.hpp"
#include "test_util.hpp"

using namespace rt;
using namespace core_test;
using oci_test::error_of;
using oci_test::read_file;
using oci_test::TempDir;

namespace {

const oci_test::fs::path kCoreData = RT_CORE_TEST_DATA;

// runc's recorded output, with the two fields that name the runtime replaced by rt's.
oci::Spec runc_reference(const char* file) {
    oci::Spec s = oci::parse_config(read_file(kCoreData / file), file);
    BOOST_TEST(s.ociVersion == "1.0.2-dev");
    BOOST_TEST(*s.hostname == "runc");
    s.ociVersion = oci::kSpecVersion;
    s.hostname = "rt";
    return s;
}

std::vector<std::string> dir_entries(const oci_test::fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : oci_test::fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(default_spec)

BOOST_AUTO_TEST_CASE(equals_runc_spec) {
    oci::Spec rt_default = core::default_spec();
    oci::Spec runc = runc_reference("runc-1.1.5-spec.json");
    BOOST_TEST((rt_default == runc), oci::serialize_config(rt_default));
    // The fields that matter most, spelled out (so a fixture edit cannot hide a change).
    BOOST_TEST(rt_default.process->terminal);
    BOOST_TEST(rt_default.process->noNewPrivileges);
    BOOST_TEST(rt_default.root->readonly);
    BOOST_TEST(rt_default.linux->namespaces.size() == 5u);
    BOOST_TEST(rt_default.linux->maskedPaths->size() == 10u);
    BOOST_TEST(rt_default.linux->readonlyPaths->size() == 5u);
    BOOST_TEST(!rt_default.process->capabilities->inheritable.has_value());
}

BOOST_AUTO_TEST_CASE(rootless_equals_runc_spec_rootless) {
    oci::Spec rootless = core::default_spec();
    core::make_rootless(rootless, 0, 0);  // the fixture was recorded as root
    BOOST_TEST((rootless == runc_reference("runc-1.1.5-spec-rootless.json")),
               oci::serialize_config(rootless));

    oci::Spec user = core::default_spec();
    core::make_rootless(user, 1000, 1001);
    BOOST_TEST(user.linux->uidMappings.at(0).hostID == 1000u);
    BOOST_TEST(user.linux->gidMappings.at(0).hostID == 1001u);
    BOOST_TEST(user.linux->namespaces.back().type == "user");
    BOOST_TEST(!user.linux->resources.has_value());
}

BOOST_AUTO_TEST_CASE(default_and_rootless_validate_and_round_trip) {
    oci::Spec rootless = core::default_spec();
    core::make_rootless(rootless, 1000, 1000);
    for (const oci::Spec& s : {core::default_spec(), rootless}) {
        BOOST_TEST(oci::check_config(s).empty());
        BOOST_TEST((oci::parse_config(oci::serialize_config(s)) == s));
    }
}

BOOST_AUTO_TEST_CASE(write_new_config_writes_and_never_replaces) {
    TempDir dir;
    oci::Spec s = core::default_spec();
    core::write_new_config(dir.path.string(), s);
    BOOST_TEST((oci::parse_config(read_file(dir.path / "config.json")) == s));
    BOOST_TEST(dir_entries(dir.path) == std::vector<std::string>{"config.json"});

    dir.write("config.json", "mine");
    BOOST_TEST(error_of([&] { core::write_new_config(dir.path.string(), s); }) ==
               dir.path.string() + "/config.json: already exists (remove it first)");
    BOOST_TEST(read_file(dir.path / "config.json") == "mine");
    BOOST_TEST(dir_entries(dir.path) == std::vector<std::string>{"config.json"});

    // A dangling symlink named config.json is an existing entry too.
    oci_test::fs::remove(dir.path / "config.json");
    oci_test::fs::create_symlink(dir.path / "elsewhere", dir.path / "config.json");
    BOOST_TEST(error_of([&] { core::write_new_config(dir.path.string(), s); }) ==
               dir.path.string() + "/config.json: already exists (remove it first)");
    BOOST_TEST(!oci_test::fs::exists(dir.path / "elsewhere"));

    BOOST_TEST(error_of([&] { core::write_new_config(dir.path.string() + "/nope", s); }) ==
               "bundle " + dir.path.string() + "/nope: no such file or directory");
}

BOOST_AUTO_TEST_CASE(rt_spec_command) {
    TempDir dir;
    std::string b = dir.path.string();
    RunResult r = run_rt({"spec", "--bundle", b});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST((oci::load_bundle_config(b) == core::default_spec()));

    r = run_rt({"spec", "--bundle", b});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.err == "rt: " + b + "/config.json: already exists (remove it first)\n");
    BOOST_TEST(r.out.empty());

    r = run_rt({"spec", "-b", b + "/missing"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.err == "rt: bundle " + b + "/missing: no such file or directory\n");
    BOOST_TEST(!oci_test::fs::exists(dir.path / "missing"));

    TempDir rootless;
    r = run_rt({"spec", "--rootless", "--bundle", rootless.path.string()});
    BOOST_TEST(r.status == 0, r.err);
    oci::Spec s = oci::load_bundle_config(rootless.path.string());
    BOOST_TEST(s.linux->uidMappings.at(0).hostID == ::geteuid());
    BOOST_TEST(s.linux->gidMappings.at(0).hostID == ::getegid());
    BOOST_TEST(s.linux->namespaces.back().type == "user");
}

BOOST_AUTO_TEST_SUITE_END()
