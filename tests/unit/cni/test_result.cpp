// Result parsing from every version and conversion to every version.
#include <boost/test/unit_test.hpp>

#include "cni/error.hpp"
#include "cni/result.hpp"
#include "cni/version.hpp"

using namespace rt::cni;

namespace {
const char* kFull = R"({
  "cniVersion": "1.1.0",
  "interfaces": [
    {"name": "rt0", "mac": "02:00:00:00:00:01"},
    {"name": "veth0123456789a", "mac": "fe:00:00:00:00:02", "mtu": 1400},
    {"name": "eth0", "mac": "02:00:00:00:00:03", "mtu": 1400, "sandbox": "/run/netns/x",
     "socketPath": "/run/sock", "pciID": "0000:00:01.0"}
  ],
  "ips": [
    {"address": "10.200.0.5/24", "gateway": "10.200.0.1", "interface": 2},
    {"address": "fd00:200::5/64", "gateway": "fd00:200::1", "interface": 2}
  ],
  "routes": [
    {"dst": "0.0.0.0/0"},
    {"dst": "10.201.0.0/16", "gw": "10.200.0.254", "mtu": 1300, "advmss": 1200, "priority": 10,
     "table": 100, "scope": 0}
  ],
  "dns": {"nameservers": ["10.200.0.1"], "domain": "example", "search": ["a", "b"],
          "options": ["ndots:2"]}
})";
}

BOOST_AUTO_TEST_SUITE(result)

BOOST_AUTO_TEST_CASE(parse_full) {
    Result r = Result::parse_text(kFull, "prevResult");
    BOOST_TEST(r.interfaces.size() == 3u);
    BOOST_TEST(*r.interfaces[1].mtu == 1400u);
    BOOST_TEST(r.interfaces[2].sandbox == "/run/netns/x");
    BOOST_TEST(r.ips.size() == 2u);
    BOOST_TEST(*r.ips[1].interface == 2);
    BOOST_TEST(r.ips[1].gateway->str() == "fd00:200::1");
    BOOST_TEST(r.routes[1].gw->str() == "10.200.0.254");
    BOOST_TEST(*r.routes[1].table == 100u);
    BOOST_TEST(r.dns.search.size() == 2u);
}

BOOST_AUTO_TEST_CASE(convert_to_each_version) {
    Result r = Result::parse_text(kFull, "prevResult");
    for (auto v : kSupportedVersions) {
        std::string out = r.to_json(v);
        json::Document d;
        d.Parse(out.c_str());
        BOOST_REQUIRE(!d.HasParseError());
        BOOST_TEST(d["cniVersion"].GetString() == std::string(v));
        bool old = compare_versions(v, "1.0.0") < 0;
        bool v110 = v == "1.1.0";
        BOOST_TEST(d["ips"][0].HasMember("version") == old, v);
        if (old) {
            BOOST_TEST(d["ips"][0]["version"].GetString() == std::string("4"));
            BOOST_TEST(d["ips"][1]["version"].GetString() == std::string("6"));
        }
        BOOST_TEST(d["interfaces"][1].HasMember("mtu") == v110, v);
        BOOST_TEST(d["interfaces"][2].HasMember("socketPath") == v110, v);
        BOOST_TEST(d["routes"][1].HasMember("table") == v110, v);
        BOOST_TEST(d["interfaces"][2]["sandbox"].GetString() == std::string("/run/netns/x"));
        // Whatever we wrote must read back the same (minus what the version cannot hold).
        Result back = Result::parse(d, "x");
        BOOST_TEST(back.ips.size() == 2u);
        BOOST_TEST(back.ips[0].address.str() == "10.200.0.5/24");
        BOOST_TEST(back.routes.size() == 2u);
        BOOST_TEST(back.dns.nameservers.front() == "10.200.0.1");
    }
}

BOOST_AUTO_TEST_CASE(old_results_with_version_tags) {
    Result r = Result::parse_text(
        R"({"cniVersion":"0.3.1","ips":[{"version":"4","address":"10.200.0.5/24"}],"dns":{}})",
        "p");
    BOOST_TEST(r.ips.size() == 1u);
    BOOST_CHECK_EXCEPTION(
        Result::parse_text(R"({"ips":[{"version":"6","address":"10.200.0.5/24"}]})", "p"), CniError,
        [](const CniError& e) { return e.code() == kInvalidConfig; });
    BOOST_CHECK_EXCEPTION(Result::parse_text(R"({"ip4":{"ip":"10.0.0.1/24"}})", "p"), CniError,
                          [](const CniError& e) { return e.code() == kIncompatibleVersion; });
}

BOOST_AUTO_TEST_CASE(invalid_results_name_the_field) {
    auto fails_at = [](const char* text, const char* where) {
        try {
            Result::parse_text(text, "prevResult");
        } catch (const CniError& e) {
            return std::string(e.what()).find(where) != std::string::npos;
        }
        return false;
    };
    BOOST_TEST(fails_at(R"({"ips":[{"address":"10.0.0.1"}]})", "prevResult.ips[0].address"));
    BOOST_TEST(fails_at(R"({"ips":[{"gateway":"10.0.0.1"}]})", "prevResult.ips[0].address"));
    BOOST_TEST(fails_at(R"({"ips":[{"address":"10.0.0.1/24","gateway":"fd00::1"}]})", "gateway"));
    BOOST_TEST(fails_at(R"({"ips":[{"address":"10.0.0.1/24","interface":3}]})", "interface"));
    BOOST_TEST(fails_at(R"({"routes":[{"gw":"10.0.0.1"}]})", "prevResult.routes[0].dst"));
    BOOST_TEST(fails_at(R"({"interfaces":[{"name":1}]})", "prevResult.interfaces[0].name"));
    BOOST_TEST(fails_at(R"({"dns":{"nameservers":"x"}})", "prevResult.dns.nameservers"));
    BOOST_TEST(fails_at(R"({"routes":[{"dst":"0.0.0.0/0","scope":300}]})", "scope"));
}

BOOST_AUTO_TEST_CASE(empty_result_has_dns_object) {
    Result r;
    std::string out = r.to_json("1.0.0");
    BOOST_TEST(out == R"({"cniVersion":"1.0.0","dns":{}})");
}

BOOST_AUTO_TEST_SUITE_END()
