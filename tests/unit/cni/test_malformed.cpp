// Malformed network configs and environments, one table, through the plugins' own entry
// (dispatch, as run_main calls it): each is refused before anything is made, with its CNI
// code and one line naming the field. No root: every case fails before a netns, a link or
// the dataDir is touched (the dataDir of the table does not exist, and must still not
// exist afterwards).
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "bridge/bridge.hpp"
#include "cni/error.hpp"
#include "cni/json.hpp"
#include "cni/skeleton.hpp"
#include "ipam/host_local.hpp"
#include "rt/json_check.hpp"

using namespace rt::cni;

namespace {

const std::string kDir = "/tmp/rt-cni-unit-malformed-never-created";

struct Outcome {
    int rc = 0;
    int code = 0;
    std::string msg;
    std::string out;
};

Outcome call(const Plugin& p, std::map<std::string, std::string> env, const std::string& config) {
    Outcome o;
    o.rc = dispatch(
        p,
        [&](const char* n) -> const char* {
            auto it = env.find(n);
            return it == env.end() ? nullptr : it->second.c_str();
        },
        config, o.out);
    json::Document d;
    d.Parse(o.out.c_str());
    if (!d.HasParseError() && d.IsObject() && d.HasMember("code") && d.HasMember("msg")) {
        o.code = d["code"].GetInt();
        o.msg = d["msg"].GetString();
    }
    return o;
}

std::map<std::string, std::string> env(const std::string& command = "ADD",
                                       const std::string& id = "c1") {
    return {{"CNI_COMMAND", command},
            {"CNI_CONTAINERID", id},
            {"CNI_NETNS", "/run/netns/rt-cni-unit-none"},
            {"CNI_IFNAME", "eth0"},
            {"CNI_PATH", "/nonexistent"}};
}

// A bridge config with rt-host-local; `top` and `ipam` are spliced in (with their commas).
std::string conf(const std::string& top = "", const std::string& ipam = "",
                 const std::string& name = "unet") {
    return R"({"cniVersion":"1.1.0","name":")" + name + R"(","type":"rt-bridge")" + top +
           R"(,"ipam":{"type":"rt-host-local","dataDir":")" + kDir +
           R"(","subnet":"10.200.9.0/24")" + ipam + "}}";
}

struct Case {
    std::string config;
    int code;
    std::string msg;  // the message starts with this
    std::string id = "c1";
};

}  // namespace

BOOST_AUTO_TEST_SUITE(malformed)

BOOST_AUTO_TEST_CASE(every_malformed_input_is_refused_with_code_and_field) {
    const std::string id5000(5000, 'c');
    const std::string name240(240, 'n');
    const std::vector<Case> cases = {
        // Invalid UTF-8 (code 6: not JSON), anywhere, value or member name.
        {conf(",\"bridge\":\"adv-br5\xff\""), kDecodeFailure,
         "network config (stdin): bridge: not valid UTF-8 (byte 0xff at offset 7)"},
        {conf("", ",\"dataDir2\":\"/a\xc3\""), kDecodeFailure,
         "network config (stdin): ipam.dataDir2: not valid UTF-8 (byte 0xc3 at offset 2)"},
        {conf(",\"args\":{\"k\xfe\":1}"), kDecodeFailure,
         "network config (stdin): args.k\\xfe: member name is not valid UTF-8"},
        {conf("", ",\"ranges\":[[{\"subnet\":\"10.0.0.0/8\xed\xa0\x80\"}]]"), kDecodeFailure,
         "network config (stdin): ipam.ranges[0][0].subnet: not valid UTF-8 (byte 0xed at "
         "offset 10)"},
        {conf(",\"bridge\":\"\\udc00\""), kDecodeFailure,
         "network config (stdin): bridge: not valid UTF-8"},
        // Duplicate keys (Go reads the last, RapidJSON the first) and NUL bytes: code 7.
        {R"({"cniVersion":"1.1.0","name":"a","name":"b","type":"rt-bridge"})", kInvalidConfig,
         "network config (stdin): name: duplicate key: the object names this member more than "
         "once"},
        {conf(",\"bridge\":\"br0\",\"bridge\":\"br1\""), kInvalidConfig,
         "network config (stdin): bridge: duplicate key"},
        {conf("", ",\"subnet\":\"10.200.8.0/24\""), kInvalidConfig,
         "network config (stdin): ipam.subnet: duplicate key"},
        {conf("",
              ",\"ranges\":[[{\"subnet\":\"10.1.0.0/16\",\"gateway\":\"10.1.0.1\","
              "\"gateway\":\"10.1.0.2\"}]]"),
         kInvalidConfig, "network config (stdin): ipam.ranges[0][0].gateway: duplicate key"},
        {conf(",\"bridge\":\"br\\u0000x\""), kInvalidConfig,
         "network config (stdin): bridge: contains a NUL byte (byte 0x00 at offset 2)"},
        // Lengths, up front, naming the field.
        {conf("", "", std::string(256, 'n')), kInvalidConfig,
         "name: 256 bytes, longer than 255 (the network name is used as a file name)"},
        {conf(), kInvalidEnvironment, "CNI_CONTAINERID: 5000 bytes, too long: rt-bridge records",
         id5000},
        {conf("", "", name240), kInvalidConfig, "name: 240 bytes, too long: rt-bridge records"},
        // What already held: syntax, types, ranges, required members.
        {"", kDecodeFailure, "network config (stdin): invalid JSON at offset 0"},
        {"{\"cniVersion\":\"1.1.0\",", kDecodeFailure, "network config (stdin): invalid JSON"},
        {"[1]", kDecodeFailure, "network config (stdin): must be a JSON object"},
        {R"({"name":"unet","type":"rt-bridge"})", kIncompatibleVersion,
         "cniVersion: missing from the network config"},
        {R"({"cniVersion":"9.9.9","name":"unet"})", kIncompatibleVersion,
         "incompatible CNI version 9.9.9"},
        {R"({"cniVersion":"1.1.0","type":"rt-bridge"})", kInvalidConfig, "name: missing"},
        {R"({"cniVersion":"1.1.0","name":"a b"})", kInvalidConfig, "name: \"a b\" must start"},
        {conf(",\"bridge\":5"), kInvalidConfig, "bridge: must be a string"},
        {conf(",\"bridge\":\"a/b\""), kInvalidConfig, "bridge: \"a/b\" is not a valid"},
        {conf(",\"mtu\":70000"), kInvalidConfig, "mtu: must be between 0 and 65535"},
        {conf(",\"mtu\":\"x\""), kInvalidConfig, "mtu: must be an integer"},
        {conf(",\"vlan\":4095"), kInvalidConfig, "vlan: must be between 0 and 4094"},
        {conf(",\"vlanTrunk\":[{\"minID\":5}]"), kInvalidConfig,
         "vlanTrunk[0]: minID and maxID must be given together"},
        {conf(",\"isGateway\":\"maybe\""), kInvalidConfig, "isGateway: must be true or false"},
        {conf(",\"hairpinMode\":true,\"promiscMode\":true"), kInvalidConfig,
         "hairpinMode and promiscMode cannot both be set"},
        {conf(",\"ipMasqBackend\":\"pf\""), kInvalidConfig, "ipMasqBackend: \"pf\" must be"},
        {conf(",\"runtimeConfig\":{\"mac\":\"01:00:00:00:00:01\"}"), kInvalidConfig,
         "runtimeConfig.mac: 01:00:00:00:00:01 is not a unicast MAC address"},
        {conf(",\"dns\":{\"nameservers\":\"x\"}"), kInvalidConfig, "dns.nameservers: must be"},
        {conf(",\"prevResult\":{\"ips\":[{\"address\":\"nope\"}]}"), kInvalidConfig,
         "prevResult.ips[0].address"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(rt::json_check::printable(c.config.substr(0, 200))) {
            Outcome o = call(rt::bridge::bridge_plugin(), env("ADD", c.id), c.config);
            BOOST_TEST(o.rc == 1);
            BOOST_TEST(o.code == c.code, o.out.substr(0, 300));
            BOOST_TEST(o.msg.rfind(c.msg, 0) == 0, o.msg.substr(0, 300));
            BOOST_TEST(o.msg.find('\n') == std::string::npos);
            // The error JSON itself is valid UTF-8 (the bad bytes are not echoed raw).
            BOOST_TEST(rt::json_check::invalid_utf8(o.out) == std::string_view::npos, o.out);
        }
    }
    BOOST_TEST(!std::filesystem::exists(kDir));
}

BOOST_AUTO_TEST_CASE(rt_host_local_refuses_the_same_input) {
    // The IPAM plugin alone (rt-host-local run by another bridge plugin): the same parser.
    const std::vector<Case> cases = {
        {conf("", ",\"dataDir2\":\"\xff\""), kDecodeFailure,
         "network config (stdin): ipam.dataDir2: not valid UTF-8"},
        {conf("", ",\"type\":\"x\""), kInvalidConfig,
         "network config (stdin): ipam.type: duplicate key"},
        {R"({"cniVersion":"1.1.0","name":"unet","ipam":{"type":"rt-host-local","dataDir":"./d","subnet":"10.200.9.0/24"}})",
         kInvalidConfig, "ipam.dataDir: \"./d\" must be an absolute path"},
        {conf("", "", std::string(300, 'n')), kInvalidConfig, "name: 300 bytes, longer than 255"},
    };
    for (const char* verb : {"ADD", "DEL", "CHECK"}) {
        for (const Case& c : cases) {
            BOOST_TEST_CONTEXT(verb << " " << rt::json_check::printable(c.config)) {
                Outcome o = call(rt::ipam::host_local_plugin(), env(verb), c.config);
                BOOST_TEST(o.code == c.code, o.out);
                BOOST_TEST(o.msg.rfind(c.msg, 0) == 0, o.msg);
            }
        }
    }
    BOOST_TEST(!std::filesystem::exists(kDir));
}

BOOST_AUTO_TEST_CASE(long_ids_that_fit_are_accepted_by_the_ipam_plugin) {
    // rt-host-local has no limit of its own on the container id (the reference has none):
    // a 5,000-byte id gets an address and is released by DEL (the index entry, a file
    // name, is skipped; DEL scans).
    char tmpl[] = "/tmp/rt-cni-unit-longid-XXXXXX";
    BOOST_REQUIRE(mkdtemp(tmpl));
    std::string dir = tmpl;
    std::string config =
        R"({"cniVersion":"1.1.0","name":"unet","ipam":{"type":"rt-host-local","dataDir":")" + dir +
        R"(","subnet":"10.200.9.0/24"}})";
    std::string id(5000, 'c');
    Outcome add = call(rt::ipam::host_local_plugin(), env("ADD", id), config);
    BOOST_TEST(add.rc == 0, add.out.substr(0, 300));
    BOOST_TEST(std::filesystem::exists(dir + "/unet/10.200.9.2"));
    Outcome del = call(rt::ipam::host_local_plugin(), env("DEL", id), config);
    BOOST_TEST(del.rc == 0, del.out.substr(0, 300));
    BOOST_TEST(!std::filesystem::exists(dir + "/unet/10.200.9.2"));
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

BOOST_AUTO_TEST_CASE(del_of_a_network_never_added_creates_nothing) {
    // Nothing reserved: DEL succeeds without creating the network's directory.
    std::string config =
        R"({"cniVersion":"1.1.0","name":"unet","ipam":{"type":"rt-host-local","dataDir":")" + kDir +
        R"(","subnet":"10.200.9.0/24"}})";
    Outcome del = call(rt::ipam::host_local_plugin(), env("DEL"), config);
    BOOST_TEST(del.rc == 0, del.out);
    BOOST_TEST(!std::filesystem::exists(kDir));
}

BOOST_AUTO_TEST_SUITE_END()
