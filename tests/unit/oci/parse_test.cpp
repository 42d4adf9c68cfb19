// parse_config / load_bundle_config: the spec's own good and bad samples, exact error texts
// (origin + JSON pointer + reason), integer ranges, and reading a bundle from disk.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

#include "rt/oci/parse.hpp"
#include "rt/oci/validate.hpp"
#include "test_util.hpp"

using namespace rt::oci;
using namespace oci_test;

namespace {

// A minimal valid config with `linux` replaced by the given members.
std::string with_linux(const std::string& members) {
    return R"({"ociVersion": "1.0.0", "root": {"path": "rootfs"}, "linux": {)" + members + "}}";
}

std::string parse_error(const std::string& json) {
    return error_of([&] { parse_config(json); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parse)

BOOST_AUTO_TEST_CASE(every_good_sample_parses) {
    for (const auto& path : samples(kData / "schema/config/good")) {
        BOOST_TEST_CONTEXT(path.filename()) {
            BOOST_CHECK_NO_THROW(parse_config(read_file(path), path.filename().string()));
        }
    }
}

BOOST_AUTO_TEST_CASE(every_good_sample_validates_but_for_known_reasons) {
    // The samples are valid for the schema; rt's validation adds two rules that some of them
    // break, and each such issue is listed here: spec-example and zos-example declare
    // "0.5.0-dev" (below 1.0.0), and the FreeBSD / z/OS examples set a hostname without a
    // Linux UTS namespace (for a Linux runtime that would rename the host, runc refuses too).
    const std::map<std::string, std::set<std::string>> known = {
        {"spec-example.json", {"/ociVersion"}},
        {"zos-example.json", {"/ociVersion", "/hostname"}},
        {"freebsd-example.json", {"/hostname"}},
    };
    for (const auto& path : samples(kData / "schema/config/good")) {
        std::string name = path.filename().string();
        BOOST_TEST_CONTEXT(name) {
            std::set<std::string> found;
            for (const ValidationIssue& issue : check_config(parse_config(read_file(path))))
                found.insert(issue.pointer);
            auto it = known.find(name);
            BOOST_TEST((found == (it == known.end() ? std::set<std::string>{} : it->second)));
        }
    }
}

BOOST_AUTO_TEST_CASE(every_bad_sample_fails_with_its_reason) {
    // Each bad sample, and the start of the message it must produce (parse + validate, as
    // load_bundle_config does).
    const std::map<std::string, std::string> expected = {
        {"freebsd-vnet-disable.json",
         "freebsd-vnet-disable.json: /freebsd/jail/vnet: unknown value \"disable\""},
        {"invalid-json.json", "invalid-json.json: line 1, column 2: "},
        {"linux-hugepage.json",
         "linux-hugepage.json: /linux/resources/hugepageLimits/0/pageSize: "},
        {"linux-netdevice.json",
         "linux-netdevice.json: /linux/netDevices/eth0/name: expected string, got number"},
        {"linux-rdma.json",
         "linux-rdma.json: /linux/resources/rdma/mlx5_1/hcaHandles: expected integer, got string"},
    };
    auto files = samples(kData / "schema/config/bad");
    BOOST_TEST(files.size() == expected.size());
    for (const auto& path : files) {
        std::string name = path.filename().string();
        BOOST_TEST_CONTEXT(name) {
            std::string message =
                error_of([&] { validate_config(parse_config(read_file(path), name), name); });
            auto it = expected.find(name);
            BOOST_REQUIRE_MESSAGE(it != expected.end(),
                                  "no expectation for " << name << ": " << message);
            BOOST_TEST(message.rfind(it->second, 0) == 0, message);
        }
    }
}

BOOST_AUTO_TEST_CASE(spec_example_fields) {
    Spec s = parse_config(read_file(kData / "schema/config/good/spec-example.json"));
    BOOST_TEST(s.ociVersion == "0.5.0-dev");
    BOOST_REQUIRE(s.process);
    BOOST_TEST(s.process->terminal);
    BOOST_TEST(s.process->user.uid == 1u);
    BOOST_TEST(s.process->user.additionalGids == (std::vector<uint32_t>{5, 6}));
    BOOST_TEST(s.process->args == std::vector<std::string>{"sh"});
    BOOST_TEST(s.process->cwd == "/");
    BOOST_REQUIRE(s.process->capabilities && s.process->capabilities->ambient);
    BOOST_TEST(*s.process->capabilities->ambient ==
               std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
    BOOST_REQUIRE(s.process->rlimits.size() == 2u);
    BOOST_TEST(s.process->rlimits[1].type == "RLIMIT_NOFILE");
    BOOST_TEST(s.process->rlimits[1].hard == 1024u);
    BOOST_TEST(s.process->noNewPrivileges);
    BOOST_TEST(*s.process->apparmorProfile == "acme_secure_profile");
    BOOST_REQUIRE(s.root);
    BOOST_TEST(s.root->path == "rootfs");
    BOOST_TEST(s.root->readonly);
    BOOST_TEST(*s.hostname == "slartibartfast");
    BOOST_TEST(*s.domainname == "foobarbaz.test");
    BOOST_REQUIRE(s.mounts.size() == 7u);
    BOOST_TEST(s.mounts[2].destination == "/dev/pts");
    BOOST_TEST(s.mounts[2].options.back() == "gid=5");
    BOOST_REQUIRE(s.hooks);
    BOOST_TEST(s.hooks->prestart.size() == 2u);
    BOOST_TEST(s.hooks->prestart[0].args.size() == 3u);
    BOOST_TEST(*s.hooks->poststart[0].timeout == 5);
    BOOST_TEST(s.annotations.at("com.example.key1") == "value1");

    BOOST_REQUIRE(s.linux);
    const Linux& l = *s.linux;
    BOOST_REQUIRE(l.devices.size() == 2u);
    BOOST_TEST(l.devices[0].path == "/dev/fuse");
    BOOST_TEST(*l.devices[0].major == 10);
    BOOST_TEST(*l.devices[0].fileMode == 438u);
    BOOST_TEST(l.uidMappings.at(0).hostID == 1000u);
    BOOST_TEST(l.gidMappings.at(0).size == 32000u);
    BOOST_TEST(l.sysctl.at("net.core.somaxconn") == "256");
    BOOST_TEST(*l.cgroupsPath == "/myRuntime/myContainer");
    BOOST_REQUIRE(l.resources);
    const Resources& r = *l.resources;
    BOOST_TEST(*r.network->classID == 1048577u);
    BOOST_TEST(r.network->priorities[1].priority == 1000u);
    BOOST_TEST(r.pids->limit == 32771);
    BOOST_TEST(r.hugepageLimits[0].limit == 9223372036854772000ull);
    BOOST_TEST(*r.memory->kernel == -1);
    BOOST_TEST(*r.memory->swappiness == 0u);
    BOOST_TEST(*r.memory->disableOOMKiller == false);
    BOOST_TEST(*r.cpu->cpus == "2-3");
    BOOST_TEST(*r.cpu->burst == 1000000u);
    BOOST_REQUIRE(r.devices.size() == 3u);
    BOOST_TEST(!r.devices[0].type.has_value());
    BOOST_TEST(*r.devices[1].minor == 229);
    BOOST_TEST(*r.blockIO->weightDevice[0].leafWeight == 300);
    BOOST_TEST(!r.blockIO->weightDevice[1].leafWeight.has_value());
    BOOST_TEST(r.blockIO->throttleWriteIOPSDevice[0].rate == 300u);
    BOOST_TEST(*l.rootfsPropagation == "slave");
    BOOST_TEST(l.seccomp->architectures.size() == 2u);
    BOOST_TEST(l.seccomp->syscalls[0].names[1] == "chmod");
    BOOST_TEST(l.timeOffsets.at("monotonic").secs == 172800);
    BOOST_TEST(l.namespaces.size() == 8u);
    BOOST_TEST(l.namespaces[7].type == "time");
    BOOST_TEST(l.maskedPaths->size() == 4u);
    BOOST_TEST(l.readonlyPaths->back() == "/proc/sysrq-trigger");
    BOOST_TEST(*l.mountLabel == "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811");
}

BOOST_AUTO_TEST_CASE(wrong_type_names_pointer_and_types) {
    BOOST_TEST(parse_error(with_linux(R"("resources": {"memory": {"limit": "1G"}})")) ==
               "config.json: /linux/resources/memory/limit: expected integer, got string");
    BOOST_TEST(parse_error(R"({"ociVersion": 1})") ==
               "config.json: /ociVersion: expected string, got number");
    BOOST_TEST(parse_error(R"({"ociVersion": "1.0.0", "process": {"cwd": "/", "args": "sh"}})") ==
               "config.json: /process/args: expected array, got string");
    BOOST_TEST(
        parse_error(R"({"ociVersion": "1.0.0", "process": {"cwd": "/", "args": ["sh", 2]}})") ==
        "config.json: /process/args/1: expected string, got number");
    BOOST_TEST(
        parse_error(R"({"ociVersion": "1.0.0", "root": {"path": "r", "readonly": "yes"}})") ==
        "config.json: /root/readonly: expected boolean, got string");
    BOOST_TEST(parse_error(R"({"ociVersion": "1.0.0", "mounts": [{"destination": "/a"}, 7]})") ==
               "config.json: /mounts/1: expected object, got number");
    BOOST_TEST(parse_error(R"([1, 2])") == "config.json: (document): expected object, got array");
    BOOST_TEST(
        parse_error(with_linux(
            R"("seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": true, "op": "SCMP_CMP_EQ"}]}]})")) ==
        "config.json: /linux/seccomp/syscalls/0/args/0/value: expected integer, got boolean");
}

BOOST_AUTO_TEST_CASE(json_pointer_escapes_slash_and_tilde) {
    BOOST_TEST(parse_error(R"({"ociVersion": "1.0.0", "annotations": {"a/b~c": 1}})") ==
               "config.json: /annotations/a~1b~0c: expected string, got number");
}

BOOST_AUTO_TEST_CASE(missing_required_members) {
    BOOST_TEST(parse_error(R"({"root": {"path": "r"}})") == "config.json: /ociVersion: required");
    BOOST_TEST(parse_error(R"({"ociVersion": "1.0.0", "root": {}})") ==
               "config.json: /root/path: required");
    BOOST_TEST(parse_error(R"({"ociVersion": "1.0.0", "process": {"args": ["sh"]}})") ==
               "config.json: /process/cwd: required");
    BOOST_TEST(parse_error(R"({"ociVersion": "1.0.0", "mounts": [{"type": "proc"}]})") ==
               "config.json: /mounts/0/destination: required");
    BOOST_TEST(parse_error(R"({"ociVersion": "1.0.0", "hooks": {"poststop": [{"args": []}]}})") ==
               "config.json: /hooks/poststop/0/path: required");
    BOOST_TEST(parse_error(with_linux(R"("namespaces": [{"path": "/proc/1/ns/net"}])")) ==
               "config.json: /linux/namespaces/0/type: required");
    BOOST_TEST(parse_error(with_linux(R"("uidMappings": [{"containerID": 0, "hostID": 0}])")) ==
               "config.json: /linux/uidMappings/0/size: required");
    BOOST_TEST(parse_error(with_linux(R"("resources": {"pids": {}})")) ==
               "config.json: /linux/resources/pids/limit: required");
    BOOST_TEST(parse_error(with_linux(R"("resources": {"devices": [{"access": "rwm"}]})")) ==
               "config.json: /linux/resources/devices/0/allow: required");
    BOOST_TEST(parse_error(with_linux(R"("seccomp": {"syscalls": []})")) ==
               "config.json: /linux/seccomp/defaultAction: required");
    BOOST_TEST(parse_error(with_linux(R"("devices": [{"path": "/dev/x"}])")) ==
               "config.json: /linux/devices/0/type: required");
    BOOST_TEST(
        parse_error(
            R"({"ociVersion": "1.0.0", "process": {"cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1}]}})") ==
        "config.json: /process/rlimits/0/hard: required");
}

BOOST_AUTO_TEST_CASE(integer_ranges_follow_the_schema) {
    auto uid = [](const std::string& v) {
        return parse_error(R"({"ociVersion": "1.0.0", "process": {"cwd": "/", "user": {"uid": )" +
                           v + "}}}");
    };
    BOOST_TEST(uid("-1") ==
               "config.json: /process/user/uid: expected uint32 (0..4294967295), got -1");
    BOOST_TEST(uid("4294967296") ==
               "config.json: /process/user/uid: expected uint32 (0..4294967295), got 4294967296");
    BOOST_TEST(uid("1.5") == "config.json: /process/user/uid: expected integer, got number");
    BOOST_TEST(uid("1e3") == "config.json: /process/user/uid: expected integer, got number");
    BOOST_TEST(uid("100000000000000000000") ==
               "config.json: /process/user/uid: integer 1e+20 out of 64-bit range");
    BOOST_CHECK_NO_THROW(parse_config(
        R"({"ociVersion": "1.0.0", "process": {"cwd": "/", "user": {"uid": 4294967295}}})"));

    BOOST_TEST(
        parse_error(with_linux(R"("resources": {"blockIO": {"weight": 65536}})")) ==
        "config.json: /linux/resources/blockIO/weight: expected uint16 (0..65535), got 65536");
    BOOST_TEST(
        parse_error(with_linux(R"("resources": {"memory": {"limit": 9223372036854775808}})")) ==
        "config.json: /linux/resources/memory/limit: expected int64 "
        "(-9223372036854775808..9223372036854775807), got 9223372036854775808");
    BOOST_TEST(parse_error(with_linux(R"("resources": {"memory": {"swappiness": -1}})")) ==
               "config.json: /linux/resources/memory/swappiness: expected uint64 "
               "(0..18446744073709551615), got -1");
    BOOST_TEST(
        parse_error(
            R"({"ociVersion": "1.0.0", "process": {"cwd": "/", "oomScoreAdj": 2147483648}})") ==
        "config.json: /process/oomScoreAdj: expected int32 (-2147483648..2147483647), got "
        "2147483648");

    Spec s = parse_config(with_linux(
        R"("resources": {"memory": {"limit": -9223372036854775808, "swappiness": 18446744073709551615}})"));
    BOOST_TEST(*s.linux->resources->memory->limit == INT64_MIN);
    BOOST_TEST(*s.linux->resources->memory->swappiness == UINT64_MAX);
}

BOOST_AUTO_TEST_CASE(malformed_json_reports_line_and_column) {
    BOOST_TEST(parse_error("{\n  \"ociVersion\": \"1.0.0\"\n  \"root\": {}\n}") ==
               "config.json: line 3, column 3: Missing a comma or '}' after an object member.");
    BOOST_TEST(parse_error("") == "config.json: line 1, column 1: The document is empty.");
    BOOST_TEST(
        parse_error("{\"ociVersion\": \"1.0.0\"} x") ==
        "config.json: line 1, column 25: The document root must not be followed by other values.");
    BOOST_TEST(error_of([] { parse_config("{]", "/b/config.json"); }) ==
               "/b/config.json: line 1, column 2: Missing a name for object member.");
}

BOOST_AUTO_TEST_CASE(unknown_members_and_nulls_are_tolerated) {
    Spec s = parse_config(R"({
        "ociVersion": "1.0.0", "vendorThing": {"deep": [1, {"x": null}]},
        "root": {"path": "rootfs", "com.example.extra": true},
        "process": {"cwd": "/", "args": ["sh"], "env": null, "user": {"uid": 5, "extra": "x"}},
        "hostname": null,
        "linux": {"namespaces": [{"type": "pid", "note": 1}], "seccomp": null, "futureField": 1},
        "windows": {"layerFolders": ["C:\\x"]}, "solaris": {"milestone": 3}, "vm": {"hypervisor": {}}
    })");
    BOOST_TEST(s.process->user.uid == 5u);
    BOOST_TEST(s.process->env.empty());
    BOOST_TEST(!s.hostname.has_value());
    BOOST_TEST(!s.linux->seccomp.has_value());
    BOOST_TEST(s.linux->namespaces.at(0).type == "pid");
}

BOOST_AUTO_TEST_CASE(nul_bytes_in_strings_are_rejected) {
    BOOST_TEST(parse_error(R"({"ociVersion": "1.0.0", "process": {"cwd": "/\u0000x"}})") ==
               "config.json: /process/cwd: contains a NUL byte");
}

BOOST_AUTO_TEST_CASE(time_offsets_read_every_clock_validate_refuses_unknown_ones) {
    Spec s = parse_config(with_linux(
        R"("namespaces": [{"type": "time"}], "timeOffsets": {"boottime": {"secs": -5, "nanosecs": 7}, "realtime": {"secs": 1}})"));
    BOOST_TEST(s.linux->timeOffsets.size() == 2u);
    BOOST_TEST(s.linux->timeOffsets.at("boottime").secs == -5);
    BOOST_TEST(s.linux->timeOffsets.at("boottime").nanosecs == 7u);
    // The kernel has no realtime offset (time_namespaces(7)): refused, not dropped.
    std::set<std::string> found;
    for (const ValidationIssue& issue : check_config(s)) found.insert(issue.pointer);
    BOOST_TEST(found.count("/linux/timeOffsets/realtime") == 1u);
    BOOST_TEST(found.count("/linux/timeOffsets/boottime") == 0u);
}

BOOST_AUTO_TEST_CASE(parse_process_reads_a_process_document) {
    Process p = parse_process(R"({"cwd": "/w", "args": ["ls", "-l"], "terminal": true})");
    BOOST_TEST(p.cwd == "/w");
    BOOST_TEST(p.args.size() == 2u);
    BOOST_TEST(p.terminal);
    BOOST_TEST(error_of([] { parse_process(R"({"args": []})"); }) ==
               "process.json: /cwd: required");
}

// ---------------------------------------------------------------- load_bundle_config

BOOST_AUTO_TEST_CASE(load_bundle_config_reads_and_validates) {
    TempDir dir;
    dir.write("config.json", read_file(kData / "schema/config/good/minimal-for-start.json"));
    Spec s = load_bundle_config(dir.path.string());
    BOOST_TEST(s.process->args.at(0) == "sh");
}

BOOST_AUTO_TEST_CASE(load_bundle_config_errors_name_the_path) {
    TempDir dir;
    std::string b = dir.path.string();
    BOOST_TEST(error_of([&] { load_bundle_config(b + "/missing"); }) ==
               "bundle " + b + "/missing: no such file or directory");
    dir.write("file", "x");
    BOOST_TEST(error_of([&] { load_bundle_config(b + "/file"); }) ==
               "bundle " + b + "/file: not a directory");
    BOOST_TEST(error_of([&] { load_bundle_config(b); }) ==
               b + "/config.json: no such file or directory");

    fs::create_directory(dir.path / "config.json");
    BOOST_TEST(error_of([&] { load_bundle_config(b); }) == b + "/config.json: not a regular file");
    fs::remove(dir.path / "config.json");

    BOOST_REQUIRE(::mkfifo((dir.path / "config.json").c_str(), 0600) == 0);
    BOOST_TEST(error_of([&] { load_bundle_config(b + "/"); }) ==
               b + "/config.json: not a regular file");
    fs::remove(dir.path / "config.json");

    dir.write("config.json", "{\"ociVersion\": \"1.0.0\",\n\"root\": {\"path\": \"rootfs\"},}");
    BOOST_TEST(error_of([&] { load_bundle_config(b); }) ==
               b + "/config.json: line 2, column 28: Missing a name for object member.");

    dir.write("config.json", R"({"ociVersion": "2.0.0", "root": {"path": "rootfs"}})");
    BOOST_TEST(error_of([&] {
                   load_bundle_config(b);
               }).rfind(b + "/config.json: /ociVersion: unsupported version \"2.0.0\"", 0) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
