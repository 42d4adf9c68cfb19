// rt::net without root: --net parsing, conflist loading, plugin stdin/CNI_ARGS, the record
// file, result summaries, and ADD/DEL orchestration against stand-in plugins (shell
// scripts that log what they were given).
#define BOOST_TEST_MODULE net
#include <fcntl.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "net/attach.hpp"
#include "net/cni_config.hpp"
#include "net/plugin.hpp"
#include "net/request.hpp"
#include "net/summary.hpp"
#include "rt/error.hpp"

namespace fs = std::filesystem;
using namespace rt;
using namespace rt::net;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/rt-unit-net.XXXXXX";
        BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string str() const { return path.string(); }
};

void write(const fs::path& p, const std::string& text, bool exec = false) {
    std::ofstream(p) << text;
    if (exec) ::chmod(p.c_str(), 0755);
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

rapidjson::Document json(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    BOOST_REQUIRE(!d.HasParseError());
    return d;
}

// Throws an rt::Error whose message contains `part`.
template <class F>
void expect_error(F f, const std::string& part) {
    try {
        f();
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()).find(part) != std::string::npos,
                   "message '" << e.what() << "' lacks '" << part << "'");
        return;
    }
    BOOST_FAIL("no error, expected one containing '" << part << "'");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(requests)

BOOST_AUTO_TEST_CASE(plain_name) {
    auto r = parse_network_spec("rt0");
    BOOST_TEST(r.name == "rt0");
    BOOST_TEST(r.ips.empty());
    BOOST_TEST(r.mac.empty());
    BOOST_TEST(r.ifname.empty());
}

BOOST_AUTO_TEST_CASE(addresses_mac_ifname) {
    auto r =
        parse_network_spec("rt0:ip=10.230.0.5,ip=fd00:230::5/64,mac=02:AB:00:00:00:05,ifname=net1");
    BOOST_TEST(r.name == "rt0");
    BOOST_REQUIRE(r.ips.size() == 2u);
    BOOST_TEST(r.ips[0] == "10.230.0.5");
    BOOST_TEST(r.ips[1] == "fd00:230::5/64");
    BOOST_TEST(r.mac == "02:AB:00:00:00:05");
    BOOST_TEST(r.ifname == "net1");
}

BOOST_AUTO_TEST_CASE(errors_name_what_is_wrong) {
    expect_error([] { parse_network_spec(""); }, "network name");
    expect_error([] { parse_network_spec("a/b"); }, "network name \"a/b\"");
    expect_error([] { parse_network_spec("rt0:"); }, "nothing after ':'");
    expect_error([] { parse_network_spec("rt0:ip"); }, "expected key=value");
    expect_error([] { parse_network_spec("rt0:ip=10.230.0.300"); }, "ip=10.230.0.300: not an IPv4");
    expect_error([] { parse_network_spec("rt0:ip=10.230.0.3/33"); }, "ip=10.230.0.3/33");
    expect_error([] { parse_network_spec("rt0:ip=fd00::1/129"); }, "ip=fd00::1/129");
    expect_error([] { parse_network_spec("rt0:ip=10.230.0.3,ip=10.230.0.3"); }, "given twice");
    expect_error([] { parse_network_spec("rt0:mac=02:00:00:00:00"); }, "6 hex pairs");
    expect_error([] { parse_network_spec("rt0:mac=01:00:5e:00:00:01"); }, "multicast");
    expect_error([] { parse_network_spec("rt0:ifname=waytoolonginterface"); }, "ifname=");
    expect_error([] { parse_network_spec("rt0:color=blue"); }, "unknown option \"color\"");
    try {
        parse_network_spec("rt0:ip=x");
    } catch (const Error& e) {
        BOOST_TEST((e.kind() == ErrorKind::InvalidArgument));
    }
}

BOOST_AUTO_TEST_CASE(annotation_then_flags_and_interface_names) {
    oci::StringMap annotations{{"org.rt.networks", "front:ifname=eth1; back"}};
    auto rs = resolve_requests({"rt0:ip=10.230.0.9", "rt0:ifname=extra"}, annotations);
    BOOST_REQUIRE(rs.size() == 4u);
    BOOST_TEST(rs[0].name == "front");
    BOOST_TEST(rs[0].ifname == "eth1");
    BOOST_TEST(rs[1].name == "back");
    BOOST_TEST(rs[1].ifname == "eth0");
    BOOST_TEST(rs[2].name == "rt0");
    BOOST_TEST(rs[2].ifname == "eth2");
    BOOST_TEST(rs[3].ifname == "extra");
}

BOOST_AUTO_TEST_CASE(duplicate_interface_and_bad_annotation) {
    expect_error(
        [] {
            resolve_requests({"a:ifname=eth0", "b:ifname=eth0"}, {});
        },
        "interface eth0 requested twice");
    expect_error(
        [] {
            resolve_requests({}, {{"org.rt.networks", "ok bad:ip=1"}});
        },
        "config.json: /annotations/org.rt.networks: --net bad:ip=1");
    BOOST_TEST(resolve_requests({}, {}).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(configs)

BOOST_AUTO_TEST_CASE(conflist_and_single_conf) {
    auto list = parse_network_config(
        R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"rt-bridge"},{"type":"portmap"}]})",
        "x.conflist");
    BOOST_TEST(list.name == "n");
    BOOST_TEST(list.cni_version == "1.0.0");
    BOOST_TEST(list.plugin_types == std::vector<std::string>({"rt-bridge", "portmap"}),
               boost::test_tools::per_element());
    auto single = parse_network_config(
        R"({"cniVersion":"0.4.0","name":"s","type":"bridge","bridge":"b0"})", "y.conf");
    BOOST_TEST(single.plugin_types == std::vector<std::string>({"bridge"}),
               boost::test_tools::per_element());
    auto doc = json(single.conflist);
    BOOST_TEST(doc["plugins"].Size() == 1u);
    BOOST_TEST(std::string(doc["plugins"][0]["bridge"].GetString()) == "b0");
    BOOST_TEST(std::string(doc["name"].GetString()) == "s");
}

BOOST_AUTO_TEST_CASE(config_errors_name_file_and_field) {
    expect_error([] { parse_network_config("{", "f.conflist"); }, "f.conflist: offset");
    expect_error([] { parse_network_config(R"({"cniVersion":"1.0.0"})", "f"); },
                 "f: /name: missing");
    expect_error(
        [] { parse_network_config(R"({"name":"n","cniVersion":"0.2.0","type":"x"})", "f"); },
        "/cniVersion: \"0.2.0\" is not supported");
    expect_error(
        [] { parse_network_config(R"({"name":"n","cniVersion":"1.0.0","plugins":[]})", "f"); },
        "/plugins: expected a non-empty array");
    expect_error(
        [] {
            parse_network_config(R"({"name":"n","cniVersion":"1.0.0","plugins":[{"a":1}]})", "f");
        },
        "/plugins/0/type: missing");
    expect_error(
        [] { parse_network_config(R"({"name":"n","cniVersion":"1.0.0","type":"../x"})", "f"); },
        "must be a plain file name");
    // What the plugins refuse is refused before any runs, naming the member.
    expect_error(
        [] {
            parse_network_config(
                "{\"name\":\"n\",\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"b\","
                "\"bridge\":\"br\xff\"}]}",
                "f");
        },
        "f: /plugins/0/bridge: not valid UTF-8 (byte 0xff at offset 2)");
    expect_error(
        [] {
            parse_network_config(R"({"name":"n","cniVersion":"1.0.0","name":"m","type":"b"})", "f");
        },
        "f: /name: duplicate key");
}

BOOST_AUTO_TEST_CASE(load_by_name_first_in_lexical_order) {
    TempDir dir;
    write(dir.path / "20-b.conflist",
          R"({"cniVersion":"1.0.0","name":"net","plugins":[{"type":"second"}]})");
    write(dir.path / "10-a.conf", R"({"cniVersion":"1.0.0","name":"net","type":"first"})");
    write(dir.path / "05-broken.conflist", "{not json");
    write(dir.path / "ignored.txt", R"({"cniVersion":"1.0.0","name":"other","type":"x"})");
    auto c = load_network(dir.str(), "net");
    BOOST_TEST(c.plugin_types[0] == "first");
    BOOST_TEST(c.source == dir.str() + "/10-a.conf");
    expect_error([&] { load_network(dir.str(), "other"); }, "no conflist with that name");
    expect_error([&] { load_network(dir.str(), "other"); }, "05-broken.conflist");
    expect_error([&] { load_network(dir.str() + "/nope", "net"); }, "CNI config dir");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(plugin_input)

const char* kList =
    R"({"cniVersion":"1.0.0","name":"n","plugins":[)"
    R"({"type":"a","capabilities":{"ips":true,"mac":true},"runtimeConfig":{"stale":1}},)"
    R"({"type":"b","name":"ignored","args":{"other":1}}]})";

BOOST_AUTO_TEST_CASE(name_version_capabilities_args_prev_result) {
    NetworkRequest r{"n", "eth0", {"10.230.0.5", "fd00:230::5"}, "02:00:00:00:00:05"};
    auto a = json(plugin_stdin(kList, 0, r, ""));
    BOOST_TEST(std::string(a["name"].GetString()) == "n");
    BOOST_TEST(std::string(a["cniVersion"].GetString()) == "1.0.0");
    BOOST_TEST(a["runtimeConfig"]["ips"].Size() == 2u);
    BOOST_TEST(std::string(a["runtimeConfig"]["mac"].GetString()) == "02:00:00:00:00:05");
    BOOST_TEST(!a["runtimeConfig"].HasMember("stale"));
    BOOST_TEST(a["args"]["cni"]["ips"].Size() == 2u);
    BOOST_TEST(!a.HasMember("prevResult"));

    auto b = json(plugin_stdin(kList, 1, r, R"({"cniVersion":"1.0.0","ips":[]})"));
    BOOST_TEST(std::string(b["name"].GetString()) == "n");
    BOOST_TEST(!b.HasMember("runtimeConfig"));  // b declares no capabilities
    BOOST_TEST(b["args"]["other"].GetInt() == 1);
    BOOST_TEST(std::string(b["args"]["cni"]["mac"].GetString()) == "02:00:00:00:00:05");
    BOOST_TEST(b["prevResult"].IsObject());

    NetworkRequest plain{"n", "eth0", {}, ""};
    auto c = json(plugin_stdin(kList, 0, plain, ""));
    BOOST_TEST(!c.HasMember("runtimeConfig"));
    BOOST_TEST(!c.HasMember("args"));
}

BOOST_AUTO_TEST_CASE(cni_args_single_ip_only) {
    BOOST_TEST(cni_args({"n", "eth0", {}, ""}) == "IgnoreUnknown=1");
    BOOST_TEST(cni_args({"n", "eth0", {"10.0.0.2"}, "02:00:00:00:00:01"}) ==
               "IgnoreUnknown=1;IP=10.0.0.2;MAC=02:00:00:00:00:01");
    BOOST_TEST(cni_args({"n", "eth0", {"10.0.0.2", "fd00::2"}, ""}) == "IgnoreUnknown=1");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(records_and_summaries)

const char* kResult = R"({"cniVersion":"1.0.0",
  "interfaces":[{"name":"br9","mac":"aa:aa:aa:aa:aa:aa"},
                {"name":"veth1234","mac":"bb:bb:bb:bb:bb:bb"},
                {"name":"eth0","mac":"02:00:00:00:00:05","sandbox":"/proc/1/ns/net"}],
  "ips":[{"interface":2,"address":"10.230.9.5/24","gateway":"10.230.9.1"},
         {"interface":2,"address":"fd00:230:9::5/64","gateway":"fd00:230:9::1"}],
  "routes":[{"dst":"0.0.0.0/0","gw":"10.230.9.1"}],
  "dns":{"nameservers":["10.230.9.1"]}})";

BOOST_AUTO_TEST_CASE(record_round_trip) {
    AttachmentRecord rec;
    rec.bin_dirs = {"/opt/cni/bin", "/usr/lib/cni"};
    rec.networks.push_back(
        {{"n", "eth0", {"10.230.9.5"}, "02:00:00:00:00:05"},
         "1.0.0",
         R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"rt-bridge","bridge":"br9"}]})",
         kResult});
    auto back = parse_attachments(serialize_attachments(rec), "networks.json");
    BOOST_TEST(back.bin_dirs == rec.bin_dirs, boost::test_tools::per_element());
    BOOST_REQUIRE(back.networks.size() == 1u);
    BOOST_TEST(back.networks[0].request.ifname == "eth0");
    BOOST_TEST(back.networks[0].request.ips[0] == "10.230.9.5");
    BOOST_TEST(back.networks[0].request.mac == "02:00:00:00:00:05");
    BOOST_TEST(json(back.networks[0].result)["ips"].Size() == 2u);
    expect_error([] { parse_attachments("{}", "networks.json"); }, "networks.json: /binDirs");
}

BOOST_AUTO_TEST_CASE(summary_of_a_bridge_result) {
    Attachment a{
        {"n", "eth0", {}, ""},
        "1.0.0",
        R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"rt-bridge","bridge":"br9"}]})",
        kResult};
    auto s = summarize(a);
    BOOST_TEST(s.bridge == "br9");
    BOOST_TEST(s.host_ifname == "veth1234");
    BOOST_TEST(s.mac == "02:00:00:00:00:05");
    BOOST_REQUIRE(s.addresses.size() == 2u);
    BOOST_TEST(s.addresses[1].address == "fd00:230:9::5/64");
    BOOST_TEST(s.addresses[0].gateway == "10.230.9.1");
    BOOST_REQUIRE(s.routes.size() == 1u);
    BOOST_TEST(s.routes[0].gw == "10.230.9.1");
    BOOST_TEST(s.dns_servers.at(0) == "10.230.9.1");
}

BOOST_AUTO_TEST_CASE(own_network_namespace_required) {
    oci::Spec spec;
    expect_error([&] { require_own_network_namespace(spec); }, "has no \"network\" entry");
    spec.linux.emplace();
    spec.linux->namespaces.push_back({"network", std::string("/run/netns/x")});
    expect_error([&] { require_own_network_namespace(spec); }, "joined from /run/netns/x");
    spec.linux->namespaces.back().path.reset();
    BOOST_CHECK_NO_THROW(require_own_network_namespace(spec));
}

BOOST_AUTO_TEST_SUITE_END()

// Stand-in plugins: each logs "COMMAND type ifname netns args path" and saves its stdin;
// "good" answers ADD with a result (unless the config says "answer":"none"), "bad" fails
// with a CNI error object when the config says "fail":"ADD".
struct FakePlugins {
    TempDir dir;
    fs::path bin, conf, state, log;
    FakePlugins()
        : bin(dir.path / "bin"),
          conf(dir.path / "conf"),
          state(dir.path / "state"),
          log(dir.path / "calls.log") {
        fs::create_directories(bin);
        fs::create_directories(conf);
        fs::create_directories(state);
        ::setenv("FAKE_CNI_LOG", log.c_str(), 1);
        const std::string common =
            "#!/bin/sh\n"
            "in=$(cat)\n"
            "t=$(basename \"$0\")\n"
            "echo \"$CNI_COMMAND $t $CNI_IFNAME netns=$CNI_NETNS args=$CNI_ARGS path=$CNI_PATH\" "
            ">> \"$FAKE_CNI_LOG\"\n"
            "printf '%s' \"$in\" > \"$(dirname "
            "\"$FAKE_CNI_LOG\")/stdin-$CNI_COMMAND-$t-$CNI_IFNAME\"\n";
        write(bin / "good",
              common +
                  "case \"$in\" in *'\"answer\":\"none\"'*) exit 0;; esac\n"
                  "[ \"$CNI_COMMAND\" = ADD ] && printf "
                  "'{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"%s\",\"mac\":\"02:00:00:"
                  "00:00:05\",\"sandbox\":\"%s\"}],\"ips\":[{\"interface\":0,\"address\":\"10.230."
                  "9.5/24\"}]}' \"$CNI_IFNAME\" \"$CNI_NETNS\"\n"
                  "exit 0\n",
              true);
        write(bin / "bad",
              common +
                  "case \"$in\" in *'\"fail\":\"'$CNI_COMMAND'\"'*)\n"
                  "  echo '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"no more "
                  "addresses\",\"details\":\"range full\"}'; exit 1;; esac\n"
                  "exit 0\n",
              true);
        write(bin / "crash", "#!/bin/sh\ncat >/dev/null\necho garbage\nexit 3\n", true);
    }
    ~FakePlugins() { ::unsetenv("FAKE_CNI_LOG"); }
    CniOptions options() const { return {conf.string(), {bin.string(), "/nonexistent"}}; }
    std::vector<std::string> calls() const {
        std::vector<std::string> lines;
        std::istringstream in(read(log));
        for (std::string l; std::getline(in, l);) lines.push_back(l.substr(0, l.find(" netns=")));
        return lines;
    }
};

BOOST_AUTO_TEST_SUITE(orchestration)

BOOST_AUTO_TEST_CASE(run_plugin_passes_env_and_reports_errors) {
    FakePlugins f;
    PluginCall call{
        "ADD", "cid", "/proc/self/ns/net", "eth3", "IgnoreUnknown=1", {f.bin.string(), "/x"}};
    std::string out =
        run_plugin((f.bin / "good").string(), call, R"({"cniVersion":"1.0.0","name":"n"})");
    BOOST_TEST(json(out)["interfaces"][0]["name"].GetString() == std::string("eth3"));
    std::string line = read(f.log);
    BOOST_TEST(line.find("ADD good eth3 netns=/proc/self/ns/net args=IgnoreUnknown=1 path=" +
                         f.bin.string() + ":/x") != std::string::npos,
               line);
    expect_error([&] { run_plugin((f.bin / "bad").string(), call, R"({"fail":"ADD"})"); },
                 "bad ADD: no more addresses: range full (CNI error 11)");
    expect_error([&] { run_plugin((f.bin / "crash").string(), call, "{}"); },
                 "crash ADD: exited with status 3 and printed: garbage");
    expect_error([&] { find_plugin("missing", {f.bin.string()}); },
                 "CNI plugin \"missing\" not found");
}

BOOST_AUTO_TEST_CASE(chain_add_then_del_in_reverse_with_prev_result) {
    FakePlugins f;
    write(
        f.conf / "n.conflist",
        R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"good"},{"type":"bad","answer":"none"}]})");
    auto rec = attach_networks(f.options(), {{"n", "eth0", {}, ""}}, "cid", "/proc/self/ns/net",
                               f.state.string());
    BOOST_REQUIRE(rec.networks.size() == 1u);
    BOOST_TEST(fs::exists(f.state / "networks.json"));
    // the second plugin got the first one's result, and printing nothing passed it on
    BOOST_TEST(json(read(f.dir.path / "stdin-ADD-bad-eth0")).HasMember("prevResult"));
    BOOST_TEST(json(rec.networks[0].result)["ips"].Size() == 1u);
    auto stored = read_attachments(f.state.string());
    BOOST_TEST(stored.networks.size() == 1u);

    auto errors = detach_networks(stored, "cid", "", f.state.string());
    BOOST_TEST(errors.empty());
    BOOST_TEST(!fs::exists(f.state / "networks.json"));
    BOOST_TEST(f.calls() == std::vector<std::string>(
                                {"ADD good eth0", "ADD bad eth0", "DEL bad eth0", "DEL good eth0"}),
               boost::test_tools::per_element());
    BOOST_TEST(json(read(f.dir.path / "stdin-DEL-good-eth0")).HasMember("prevResult"));
    BOOST_TEST(read(f.log).find("DEL good eth0 netns= ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(failed_add_undoes_everything_and_names_the_network) {
    FakePlugins f;
    write(f.conf / "a.conflist",
          R"({"cniVersion":"1.0.0","name":"a","plugins":[{"type":"good"}]})");
    write(
        f.conf / "b.conflist",
        R"({"cniVersion":"1.0.0","name":"b","plugins":[{"type":"good"},{"type":"bad","fail":"ADD"}]})");
    expect_error(
        [&] {
            attach_networks(f.options(), {{"a", "eth0", {}, ""}, {"b", "eth1", {}, ""}}, "cid",
                            "/proc/self/ns/net", f.state.string());
        },
        "network b (" + (f.conf / "b.conflist").string() + "): bad ADD: no more addresses");
    BOOST_TEST(!fs::exists(f.state / "networks.json"));
    BOOST_TEST(
        f.calls() == std::vector<std::string>({"ADD good eth0", "ADD good eth1", "ADD bad eth1",
                                               "DEL bad eth1", "DEL good eth1", "DEL good eth0"}),
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_network_or_plugin_fails_before_any_add) {
    FakePlugins f;
    write(f.conf / "a.conflist",
          R"({"cniVersion":"1.0.0","name":"a","plugins":[{"type":"good"}]})");
    expect_error(
        [&] {
            attach_networks(f.options(), {{"a", "eth0", {}, ""}, {"zz", "eth1", {}, ""}}, "cid",
                            "/proc/self/ns/net", f.state.string());
        },
        "network \"zz\": no conflist");
    BOOST_TEST(!fs::exists(f.log));
    write(f.conf / "m.conflist",
          R"({"cniVersion":"1.0.0","name":"m","plugins":[{"type":"missing"}]})");
    expect_error(
        [&] {
            attach_networks(f.options(), {{"m", "eth0", {}, ""}}, "cid", "/proc/self/ns/net",
                            f.state.string());
        },
        "network m (" + (f.conf / "m.conflist").string() + "): CNI plugin \"missing\" not found");
    BOOST_TEST(!fs::exists(f.log));
}

BOOST_AUTO_TEST_CASE(ignored_request_is_an_error_and_is_undone) {
    FakePlugins f;
    write(f.conf / "a.conflist",
          R"({"cniVersion":"1.0.0","name":"a","plugins":[{"type":"good"}]})");
    // the stand-in always answers 10.230.9.5 and 02:00:00:00:00:05
    expect_error(
        [&] {
            attach_networks(f.options(), {{"a", "eth0", {"10.230.9.7"}, ""}}, "cid",
                            "/proc/self/ns/net", f.state.string());
        },
        "requested address 10.230.9.7 was not assigned");
    expect_error(
        [&] {
            attach_networks(f.options(), {{"a", "eth0", {}, "02:00:00:00:00:99"}}, "cid",
                            "/proc/self/ns/net", f.state.string());
        },
        "requested mac 02:00:00:00:00:99 was not set on eth0");
    BOOST_CHECK_NO_THROW(attach_networks(f.options(),
                                         {{"a", "eth0", {"10.230.9.5/24"}, "02:00:00:00:00:05"}},
                                         "cid", "/proc/self/ns/net", f.state.string()));
    auto calls = f.calls();
    BOOST_TEST(calls == std::vector<std::string>({"ADD good eth0", "DEL good eth0", "ADD good eth0",
                                                  "DEL good eth0", "ADD good eth0"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(failed_del_is_reported_and_the_record_kept) {
    FakePlugins f;
    write(
        f.conf / "a.conflist",
        R"({"cniVersion":"1.0.0","name":"a","plugins":[{"type":"good"},{"type":"bad","fail":"DEL","answer":"none"}]})");
    auto rec = attach_networks(f.options(), {{"a", "eth0", {}, ""}}, "cid", "/proc/self/ns/net",
                               f.state.string());
    auto errors = detach_networks(rec, "cid", "/proc/self/ns/net", f.state.string());
    BOOST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].find("network a: bad DEL: no more addresses") != std::string::npos,
               errors[0]);
    BOOST_TEST(fs::exists(f.state / "networks.json"));  // a later delete can try again
    BOOST_TEST(f.calls().back() == "DEL good eth0");    // the rest of the chain still ran
}

BOOST_AUTO_TEST_SUITE_END()
