// The skeleton's contract: env and config validation, version negotiation, error codes.
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>

#include "cni/args.hpp"
#include "cni/error.hpp"
#include "cni/json.hpp"
#include "cni/skeleton.hpp"
#include "cni/version.hpp"

using namespace rt::cni;

namespace {

struct Run {
    int rc = 0;
    std::string out;
    json::Document doc;
    int code() const { return doc.HasMember("code") ? doc["code"].GetInt() : 0; }
    std::string msg() const { return doc.HasMember("msg") ? doc["msg"].GetString() : ""; }
};

std::string g_seen_version;

Plugin fake_plugin() {
    Plugin p;
    p.name = "fake";
    p.add = [](Request& r) {
        g_seen_version = r.cni_version;
        if (r.ifname == "boom7") throw rt::Error("bad value", rt::ErrorKind::InvalidArgument);
        if (r.ifname == "boom999") throw rt::Error("kernel said no", 5);
        if (r.ifname == "boom50") throw CniError(kNotAvailable, "exhausted");
        Result res;
        res.interfaces.push_back({"eth0", "02:00:00:00:00:01", 1500, r.netns, "", ""});
        res.ips.push_back({*IpNet::parse("10.200.0.2/24"), IpAddr::parse("10.200.0.1"), 0});
        res.routes.push_back({*IpNet::parse("0.0.0.0/0"), std::nullopt, 1400, {}, {}, {}, {}});
        return res;
    };
    p.del = [](Request&) {};
    p.check = [](Request&) {};
    p.status = [](Request&) {};
    p.gc = [](Request&) {};
    return p;
}

Run run(std::map<std::string, std::string> env, const std::string& stdin_data) {
    Run r;
    r.rc = dispatch(
        fake_plugin(),
        [&](const char* n) -> const char* {
            auto it = env.find(n);
            return it == env.end() ? nullptr : it->second.c_str();
        },
        stdin_data, r.out);
    r.doc.Parse(r.out.c_str());
    return r;
}

std::map<std::string, std::string> add_env() {
    return {{"CNI_COMMAND", "ADD"},
            {"CNI_CONTAINERID", "c1"},
            {"CNI_NETNS", "/run/netns/x"},
            {"CNI_IFNAME", "eth0"},
            {"CNI_PATH", "/opt/cni/bin"}};
}

std::string conf(const std::string& version, const std::string& extra = "") {
    return R"({"cniVersion":")" + version + R"(","name":"net1","type":"fake")" + extra + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(skeleton)

BOOST_AUTO_TEST_CASE(missing_command_is_code_4) {
    Run r = run({}, conf("1.1.0"));
    BOOST_TEST(r.rc == 1);
    BOOST_TEST(r.code() == kInvalidEnvironment);
    BOOST_TEST(r.msg().find("CNI_COMMAND") != std::string::npos);
    BOOST_TEST(r.doc["cniVersion"].GetString() == std::string("1.1.0"));
}

BOOST_AUTO_TEST_CASE(unknown_command_is_code_4) {
    auto env = add_env();
    env["CNI_COMMAND"] = "FROB";
    Run r = run(env, conf("1.1.0"));
    BOOST_TEST(r.code() == kInvalidEnvironment);
    BOOST_TEST(r.msg().find("FROB") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(version_echoes_the_requested_version) {
    Run r = run({{"CNI_COMMAND", "VERSION"}}, R"({"cniVersion":"0.4.0"})");
    BOOST_TEST(r.rc == 0);
    BOOST_TEST(r.doc["cniVersion"].GetString() == std::string("0.4.0"));
    BOOST_TEST(r.doc["supportedVersions"].Size() == kSupportedVersions.size());
    Run empty = run({{"CNI_COMMAND", "VERSION"}}, "");
    BOOST_TEST(empty.rc == 0);
    BOOST_TEST(empty.doc["cniVersion"].GetString() == std::string("1.1.0"));
}

BOOST_AUTO_TEST_CASE(missing_env_names_every_variable) {
    Run r = run({{"CNI_COMMAND", "ADD"}}, conf("1.1.0"));
    BOOST_TEST(r.code() == kInvalidEnvironment);
    for (const char* v : {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"})
        BOOST_TEST(r.msg().find(v) != std::string::npos, v);
    // DEL does not need CNI_NETNS; GC and STATUS need none of them.
    Run del = run({{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "c"}, {"CNI_IFNAME", "eth0"}},
                  conf("1.1.0"));
    BOOST_TEST(del.rc == 0);
    BOOST_TEST(run({{"CNI_COMMAND", "GC"}}, conf("1.1.0")).rc == 0);
    BOOST_TEST(run({{"CNI_COMMAND", "STATUS"}}, conf("1.1.0")).rc == 0);
}

BOOST_AUTO_TEST_CASE(invalid_container_id_and_ifname) {
    auto env = add_env();
    env["CNI_CONTAINERID"] = "-bad id";
    BOOST_TEST(run(env, conf("1.1.0")).code() == kInvalidEnvironment);
    env = add_env();
    env["CNI_IFNAME"] = "averyveryverylongname";
    BOOST_TEST(run(env, conf("1.1.0")).code() == kInvalidEnvironment);
    env["CNI_IFNAME"] = "a/b";
    BOOST_TEST(run(env, conf("1.1.0")).code() == kInvalidEnvironment);
}

BOOST_AUTO_TEST_CASE(decode_failures_are_code_6) {
    BOOST_TEST(run(add_env(), "{not json").code() == kDecodeFailure);
    BOOST_TEST(run(add_env(), "[1,2]").code() == kDecodeFailure);
    BOOST_TEST(run(add_env(), conf("1.1.0") + " trailing").code() == kDecodeFailure);
    BOOST_TEST(run(add_env(), R"({"cniVersion":1,"name":"n"})").code() == kDecodeFailure);
}

BOOST_AUTO_TEST_CASE(versions_are_negotiated) {
    for (auto v : kSupportedVersions) {
        Run r = run(add_env(), conf(std::string(v)));
        BOOST_TEST(r.rc == 0, v);
        BOOST_TEST(r.doc["cniVersion"].GetString() == std::string(v));
        BOOST_TEST(g_seen_version == std::string(v));
    }
    for (const char* bad : {"0.1.0", "0.2.0", "1.2.0", "2.0.0", "banana"}) {
        Run r = run(add_env(), conf(bad));
        BOOST_TEST(r.code() == kIncompatibleVersion, bad);
        BOOST_TEST(r.doc["cniVersion"].GetString() == std::string("1.1.0"));  // ours, not theirs
    }
    Run none = run(add_env(), R"({"name":"n","type":"fake"})");
    BOOST_TEST(none.code() == kIncompatibleVersion);
}

BOOST_AUTO_TEST_CASE(verbs_gated_by_version) {
    auto env = add_env();
    env["CNI_COMMAND"] = "CHECK";
    BOOST_TEST(run(env, conf("0.3.1")).code() == kIncompatibleVersion);
    BOOST_TEST(run(env, conf("0.4.0")).rc == 0);
    for (const char* cmd : {"STATUS", "GC"}) {
        BOOST_TEST(run({{"CNI_COMMAND", cmd}}, conf("1.0.0")).code() == kIncompatibleVersion, cmd);
        BOOST_TEST(run({{"CNI_COMMAND", cmd}}, conf("1.1.0")).rc == 0, cmd);
    }
}

BOOST_AUTO_TEST_CASE(network_name_is_checked) {
    Run none = run(add_env(), R"({"cniVersion":"1.1.0","type":"fake"})");
    BOOST_TEST(none.code() == kInvalidConfig);
    Run bad = run(add_env(), R"({"cniVersion":"1.1.0","name":"a/b","type":"fake"})");
    BOOST_TEST(bad.code() == kInvalidConfig);
}

BOOST_AUTO_TEST_CASE(plugin_errors_map_to_codes) {
    auto env = add_env();
    env["CNI_IFNAME"] = "boom7";
    BOOST_TEST(run(env, conf("1.0.0")).code() == kInvalidConfig);
    env["CNI_IFNAME"] = "boom999";
    Run r = run(env, conf("1.0.0"));
    BOOST_TEST(r.code() == kInternal);
    BOOST_TEST(r.doc["cniVersion"].GetString() == std::string("1.0.0"));
    env["CNI_IFNAME"] = "boom50";
    BOOST_TEST(run(env, conf("1.0.0")).code() == kNotAvailable);
}

BOOST_AUTO_TEST_CASE(bad_prev_result_is_code_7) {
    Run r = run(add_env(), conf("1.0.0", R"(,"prevResult":{"ips":[{"address":"nope"}]})"));
    BOOST_TEST(r.code() == kInvalidConfig);
    BOOST_TEST(r.msg().find("prevResult.ips[0].address") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cni_args) {
    auto a = CniArgs::parse("IP=10.200.0.9;MAC=c2:11:22:33:44:55;IgnoreUnknown=1;K8S_POD_NAME=x");
    BOOST_TEST(*a.get("IP") == "10.200.0.9");
    BOOST_TEST(*a.get("MAC") == "c2:11:22:33:44:55");
    BOOST_TEST(!a.get("FOO"));
    BOOST_TEST(a.ignore_unknown());
    a.check_known({"IP"});  // IgnoreUnknown: no throw

    auto strict = CniArgs::parse("IP=1.2.3.4;FOO=bar");
    BOOST_CHECK_EXCEPTION(strict.check_known({"IP"}), CniError, [](const CniError& e) {
        return e.code() == kInvalidEnvironment &&
               std::string(e.what()).find("FOO") != std::string::npos;
    });
    BOOST_CHECK_THROW(CniArgs::parse("NOEQUALS"), CniError);
    BOOST_CHECK_THROW(CniArgs::parse("=value"), CniError);
    BOOST_CHECK_THROW(CniArgs::parse("IgnoreUnknown=maybe"), CniError);
    BOOST_TEST(!CniArgs::parse("IgnoreUnknown=false").ignore_unknown());
    BOOST_TEST(CniArgs::parse("IgnoreUnknown=True").ignore_unknown());
    BOOST_TEST(CniArgs::parse("").pairs().empty());
    BOOST_TEST(CniArgs::parse("A=1;;B=2;").pairs().size() == 2);
    BOOST_TEST(*CniArgs::parse("X=a=b").get("X") == "a=b");

    auto env = add_env();
    env["CNI_ARGS"] = "garbage";
    BOOST_TEST(run(env, conf("1.1.0")).code() == kInvalidEnvironment);
}

BOOST_AUTO_TEST_CASE(version_compare) {
    BOOST_TEST(compare_versions("0.3.1", "0.4.0") < 0);
    BOOST_TEST(compare_versions("1.10.0", "1.9.0") > 0);
    BOOST_TEST(compare_versions("1.0.0", "1.0.0") == 0);
    BOOST_CHECK_THROW(compare_versions("1.0", "1.0.0"), CniError);
    BOOST_CHECK_THROW(compare_versions("1.0.0.0", "1.0.0"), CniError);
}

BOOST_AUTO_TEST_CASE(names) {
    BOOST_TEST(valid_identifier("abc-1.2_3"));
    BOOST_TEST(!valid_identifier(""));
    BOOST_TEST(!valid_identifier("_abc"));
    BOOST_TEST(!valid_identifier("a b"));
    BOOST_TEST(valid_ifname("eth0"));
    BOOST_TEST(valid_ifname("123456789012345"));
    BOOST_TEST(!valid_ifname("1234567890123456"));
    BOOST_TEST(!valid_ifname(".."));
    BOOST_TEST(!valid_ifname("a:b"));
}

BOOST_AUTO_TEST_SUITE_END()
