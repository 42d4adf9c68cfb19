// state.json and the features document: the spec's samples, round trips, errors; and the
// names tables against the kernel's numbers.
#include <linux/capability.h>
#include <sys/resource.h>

#include <boost/test/unit_test.hpp>

#include "rt/oci/features.hpp"
#include "rt/oci/names.hpp"
#include "rt/oci/state.hpp"
#include "test_util.hpp"

using namespace rt::oci;
using namespace oci_test;

BOOST_AUTO_TEST_SUITE(state)

BOOST_AUTO_TEST_CASE(spec_sample_parses) {
    State s = parse_state(read_file(kData / "schema/state/good/spec-example.json"));
    BOOST_TEST(s.ociVersion == "0.2.0");
    BOOST_TEST(s.id == "oci-container1");
    BOOST_TEST((s.status == Status::Running));
    BOOST_TEST(*s.pid == 4422);
    BOOST_TEST(s.bundle == "/containers/redis");
    BOOST_TEST(s.annotations.at("myKey") == "myValue");
    BOOST_TEST(error_of([] {
                   parse_state(read_file(kData / "schema/state/bad/invalid-json.json"));
               }) == "state.json: line 1, column 2: Missing a name for object member.");
}

BOOST_AUTO_TEST_CASE(every_status_round_trips_including_paused) {
    for (Status st :
         {Status::Creating, Status::Created, Status::Running, Status::Stopped, Status::Paused}) {
        State s;
        s.id = "c1";
        s.status = st;
        s.pid = st == Status::Stopped ? std::optional<int>() : std::optional<int>(42);
        s.bundle = "/b";
        s.annotations = {{"k", "v"}};
        for (bool pretty : {false, true}) {
            State again = parse_state(serialize_state(s, pretty));
            BOOST_TEST((again == s), serialize_state(s, pretty));
        }
        BOOST_TEST((status_from_string(to_string(st)) == st));
    }
    BOOST_TEST(std::string(to_string(Status::Paused)) == "paused");
    BOOST_TEST(!status_from_string("frozen").has_value());
}

BOOST_AUTO_TEST_CASE(serialized_form) {
    State s;
    s.id = "c1";
    s.status = Status::Created;
    s.pid = 7;
    s.bundle = "/b";
    BOOST_TEST(serialize_state(s) ==
               std::string(R"({"ociVersion":")") + kSpecVersion +
                   R"(","id":"c1","status":"created","pid":7,"bundle":"/b"})");
    BOOST_TEST(serialize_state(s, true).find("\n  \"id\": \"c1\",\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(errors_name_the_member) {
    BOOST_TEST(error_of([] {
                   parse_state(R"({"ociVersion": "1.0.0", "id": "x", "status": "running"})");
               }) == "state.json: /bundle: required");
    BOOST_TEST(error_of([] {
                   parse_state(
                       R"({"ociVersion": "1.0.0", "id": "x", "status": "zombie", "bundle": "/b"})");
               }) == "state.json: /status: unknown status \"zombie\"");
    BOOST_TEST(
        error_of([] {
            parse_state(
                R"({"ociVersion": "1.0.0", "id": "x", "status": "running", "pid": -1, "bundle": "/b"})");
        }) == "state.json: /pid: must be >= 0");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(features)

BOOST_AUTO_TEST_CASE(spec_samples) {
    Features runc = parse_features(read_file(kData / "schema/features/good/runc.json"));
    BOOST_TEST(runc.ociVersionMax == "1.0.2-dev");
    BOOST_TEST(runc.hooks.size() == 6u);
    BOOST_TEST(runc.mountOptions.front() == "acl");
    BOOST_REQUIRE(runc.linux);
    BOOST_TEST(runc.linux->namespaces.size() == 7u);
    BOOST_TEST(runc.linux->capabilities.back() == "CAP_CHECKPOINT_RESTORE");
    BOOST_TEST(*runc.linux->cgroup.systemdUser);
    BOOST_TEST(!runc.linux->cgroup.rdma.has_value());
    BOOST_TEST(*runc.linux->seccomp.enabled);
    BOOST_TEST(runc.linux->seccomp.supportedFlags.size() == 1u);
    BOOST_TEST(*runc.linux->apparmor);
    BOOST_TEST(*runc.linux->selinux);
    BOOST_TEST(*runc.linux->netDevices);
    BOOST_TEST(!runc.linux->idmapMounts.has_value());
    BOOST_TEST(!runc.linux->intelRdt.has_value());
    BOOST_TEST(runc.annotations.at("io.github.seccomp.libseccomp.version") == "2.5.4");
    BOOST_TEST((parse_features(serialize_features(runc)) == runc));

    Features minimal = parse_features(read_file(kData / "schema/features/good/minimal.json"));
    BOOST_TEST(minimal.ociVersionMin == "1.0.0");
    BOOST_TEST(minimal.ociVersionMax == "1.1.0");
    BOOST_TEST(!minimal.linux.has_value());
    BOOST_TEST(minimal.hooks.empty());

    BOOST_TEST(error_of([] {
                   parse_features(
                       read_file(kData / "schema/features/bad/missing-ociVersionMax.json"));
               }) == "features.json: /ociVersionMax: required");
    BOOST_TEST(
        error_of([] {
            parse_features(
                R"({"ociVersionMin": "1.0.0", "ociVersionMax": "1.1.0", "linux": {"apparmor": true}})");
        }) == "features.json: /linux/apparmor: expected object, got boolean");
}

BOOST_AUTO_TEST_CASE(round_trip_of_every_field) {
    Features f;
    f.hooks = {"prestart"};
    f.mountOptions = {};
    f.annotations = {{"org.example.k", "v"}};
    f.potentiallyUnsafeConfigAnnotations = {"com.example."};
    Features::Linux l;
    l.namespaces = {"pid", "mount"};
    l.capabilities = {"CAP_KILL"};
    l.cgroup = Features::Linux::Cgroup{true, false, false, false, true};
    l.seccomp = Features::Linux::Seccomp{true,
                                         {"SCMP_ACT_ALLOW"},
                                         {"SCMP_CMP_EQ"},
                                         {"SCMP_ARCH_X86_64"},
                                         {"SECCOMP_FILTER_FLAG_LOG"},
                                         {}};
    l.apparmor = false;
    l.selinux = false;
    l.intelRdt = false;
    l.intelRdtSchemata = true;
    l.idmapMounts = true;
    l.netDevices = false;
    l.memoryPolicy = Features::Linux::MemoryPolicy{{"MPOL_BIND"}, {}};
    f.linux = l;
    for (bool pretty : {false, true}) {
        std::string text = serialize_features(f, pretty);
        BOOST_TEST((parse_features(text) == f), text);
    }
    std::string text = serialize_features(f, false);
    BOOST_TEST(text.find(R"("mountExtensions":{"idmap":{"enabled":true}})") != std::string::npos,
               text);
    BOOST_TEST(text.find(R"("apparmor":{"enabled":false})") != std::string::npos, text);
    BOOST_TEST(text.find(R"("intelRdt":{"enabled":false,"schemata":true})") != std::string::npos,
               text);
    BOOST_TEST(text.find(R"("mountOptions":[])") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(empty_lists_are_claims_of_none) {
    Features f;
    f.linux = Features::Linux{};
    BOOST_TEST(
        serialize_features(f, false) ==
        std::string(R"({"ociVersionMin":"1.0.0","ociVersionMax":")") + kSpecVersion +
            R"(","hooks":[],"mountOptions":[],"linux":{"namespaces":[],"capabilities":[]}})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(name_tables)

BOOST_AUTO_TEST_CASE(indexes_are_the_kernel_numbers) {
    BOOST_TEST(std::size(names::kCapabilities) == size_t{CAP_LAST_CAP} + 1);
    BOOST_TEST(*names::index_of(names::kCapabilities, "CAP_SYS_ADMIN") == size_t{CAP_SYS_ADMIN});
    BOOST_TEST(*names::index_of(names::kCapabilities, "CAP_AUDIT_READ") == size_t{CAP_AUDIT_READ});
    BOOST_TEST(*names::index_of(names::kCapabilities, "CAP_NET_RAW") == size_t{CAP_NET_RAW});
    BOOST_TEST(std::size(names::kRlimits) == size_t{RLIMIT_NLIMITS});
    BOOST_TEST(*names::index_of(names::kRlimits, "RLIMIT_NOFILE") == size_t{RLIMIT_NOFILE});
    BOOST_TEST(*names::index_of(names::kRlimits, "RLIMIT_NPROC") == size_t{RLIMIT_NPROC});
    BOOST_TEST(*names::index_of(names::kRlimits, "RLIMIT_AS") == size_t{RLIMIT_AS});
    BOOST_TEST(*names::index_of(names::kRlimits, "RLIMIT_RTTIME") == size_t{RLIMIT_RTTIME});
    BOOST_TEST(!names::contains(names::kNamespaces, "net"));
}

BOOST_AUTO_TEST_SUITE_END()
