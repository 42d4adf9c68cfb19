// Delegation: a delegate that CNI_PATH resolves to this very executable runs in-process
// (same stdin config, same environment with CNI_COMMAND replaced); any other file is
// exec'd. And the multi-call executable's program names.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bridge/multicall.hpp"
#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "cni/skeleton.hpp"

using namespace rt::cni;
namespace fs = std::filesystem;

namespace {

constexpr const char* kChildMark = "RT_CNI_UNIT_DELEGATE_TEST";

// Were the in-process path broken, the delegate would exec this test binary: it answers
// as a failing plugin (before Boost.Test starts) instead of running the suite again.
const bool g_execd_as_delegate = [] {
    if (std::getenv(kChildMark)) {
        (void)std::fputs(R"({"cniVersion":"1.1.0","code":999,"msg":"exec'd, not run in-process"})",
                         stdout);
        (void)std::fflush(stdout);
        _exit(1);
    }
    return false;
}();

// What the in-process plugin saw.
struct Seen {
    int calls = 0;
    std::string command, container, config_name, stdin_data;
};
Seen g_seen;

Plugin recording_plugin() {
    Plugin p;
    p.name = "fake-host-local";
    p.add = [](Request& r) {
        ++g_seen.calls;
        g_seen.command = "ADD";
        g_seen.container = r.container_id;
        g_seen.config_name = r.name;
        g_seen.stdin_data = r.stdin_data;
        if (r.ifname == "full0") throw CniError(kNotAvailable, "no address left");
        Result res;
        res.ips.push_back({*IpNet::parse("10.201.0.7/24"), IpAddr::parse("10.201.0.1"), {}});
        return res;
    };
    p.del = [](Request&) {
        ++g_seen.calls;
        g_seen.command = "DEL";
    };
    p.check = p.status = p.gc = [](Request&) {};
    return p;
}

// A CNI_PATH directory with `<name>` -> this test binary (a symlink: the same inode for
// stat) and `script-host-local`, a different file that answers like an IPAM plugin.
// Installs the recording plugin as the builtin for names ending in "host-local", and a
// CNI_* environment; undoes all of it on exit.
struct DelegateEnv {
    fs::path dir;
    std::vector<std::string> vars = {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_COMMAND",
                                     kChildMark};
    Plugin plugin = recording_plugin();

    DelegateEnv() {
        char tmpl[] = "/tmp/rt-cni-unit-delegate-XXXXXX";
        BOOST_REQUIRE(mkdtemp(tmpl));
        dir = tmpl;
        fs::create_symlink(fs::read_symlink("/proc/self/exe"), dir / "self-host-local");
        {
            std::ofstream s(dir / "script-host-local");
            s << "#!/bin/sh\ncat >/dev/null\n"
                 "echo '{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"10.201.0.9/24\"}]}'\n";
        }
        fs::permissions(dir / "script-host-local", fs::perms::owner_all);
        set_builtin_plugins([this](std::string_view type) -> const Plugin* {
            return rt::bridge::runs_host_local(type) ? &plugin : nullptr;
        });
        setenv("CNI_CONTAINERID", "c1", 1);
        setenv("CNI_NETNS", "/run/netns/none", 1);
        setenv("CNI_IFNAME", "eth0", 1);
        setenv("CNI_COMMAND", "SOMETHING-ELSE", 1);  // the delegate must see its own verb
        setenv(kChildMark, "1", 1);
        g_seen = {};
    }
    ~DelegateEnv() {
        set_builtin_plugins(nullptr);
        for (const auto& v : vars) unsetenv(v.c_str());
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

const std::string kConfig = R"({"cniVersion":"1.1.0","name":"net9","type":"self-host-local"})";

}  // namespace

BOOST_AUTO_TEST_SUITE(delegate)

BOOST_AUTO_TEST_CASE(program_names_pick_the_plugin) {
    BOOST_TEST(rt::bridge::runs_host_local("rt-host-local"));
    BOOST_TEST(rt::bridge::runs_host_local("/opt/cni/bin/rt-host-local"));
    BOOST_TEST(rt::bridge::runs_host_local("host-local"));
    BOOST_TEST(!rt::bridge::runs_host_local("rt-bridge"));
    BOOST_TEST(!rt::bridge::runs_host_local("/opt/cni/bin/rt-bridge"));
    BOOST_TEST(!rt::bridge::runs_host_local("/opt/host-local/rt-bridge"));  // the file name only
    BOOST_TEST(!rt::bridge::runs_host_local(""));
    BOOST_TEST(rt::bridge::plugin_for_program("x/rt-host-local").name == "rt-host-local");
    BOOST_TEST(rt::bridge::plugin_for_program("rt-bridge").name == "rt-bridge");
    BOOST_TEST(rt::bridge::plugin_for_program("anything").name == "rt-bridge");
    // Only the IPAM is ever called in-process: rt-bridge as its own delegate is exec'd.
    BOOST_TEST(rt::bridge::builtin_ipam("rt-host-local") != nullptr);
    BOOST_TEST(rt::bridge::builtin_ipam("rt-bridge") == nullptr);
}

BOOST_AUTO_TEST_CASE(this_executable_is_recognised_by_inode) {
    BOOST_TEST(is_this_executable("/proc/self/exe"));
    BOOST_TEST(is_this_executable(fs::read_symlink("/proc/self/exe").string()));
    BOOST_TEST(!is_this_executable("/bin/sh"));
    BOOST_TEST(!is_this_executable("/nonexistent/rt-host-local"));
}

BOOST_AUTO_TEST_CASE(own_file_runs_in_process_with_the_delegates_environment) {
    DelegateEnv env;
    Delegate d("self-host-local", "ADD", env.dir.string(), kConfig);
    Result r = d.wait_result();
    BOOST_TEST(g_seen.calls == 1);
    BOOST_TEST(g_seen.command == "ADD");
    BOOST_TEST(g_seen.container == "c1");
    BOOST_TEST(g_seen.config_name == "net9");
    BOOST_TEST(g_seen.stdin_data == kConfig);
    BOOST_REQUIRE(r.ips.size() == 1u);
    BOOST_TEST(r.ips[0].address.str() == "10.201.0.7/24");
    // The caller's own CNI_COMMAND is untouched.
    const char* own = std::getenv("CNI_COMMAND");
    BOOST_TEST(std::string(own ? own : "(unset)") == "SOMETHING-ELSE");

    exec_delegate("self-host-local", "DEL", env.dir.string(), kConfig);
    BOOST_TEST(g_seen.calls == 2);
    BOOST_TEST(g_seen.command == "DEL");
}

BOOST_AUTO_TEST_CASE(in_process_errors_are_the_plugins_own) {
    DelegateEnv env;
    setenv("CNI_IFNAME", "full0", 1);
    Delegate d("self-host-local", "ADD", env.dir.string(), kConfig);
    try {
        d.wait();
        BOOST_FAIL("the delegate's error was not reported");
    } catch (const CniError& e) {
        BOOST_TEST(e.code() == kNotAvailable);
        BOOST_TEST(e.message() == "self-host-local (ADD): no address left", e.message());
    }
    // A config the plugin refuses: the skeleton's code, as an exec'd plugin would answer.
    Delegate bad("self-host-local", "ADD", env.dir.string(), R"({"name":"x"})");
    try {
        bad.wait();
        BOOST_FAIL("a config without cniVersion was accepted");
    } catch (const CniError& e) {
        BOOST_TEST(e.code() == kIncompatibleVersion, e.message());
    }
}

BOOST_AUTO_TEST_CASE(another_file_of_a_builtin_name_is_executed) {
    DelegateEnv env;
    Delegate d("script-host-local", "ADD", env.dir.string(), kConfig);
    Result r = d.wait_result();
    BOOST_TEST(g_seen.calls == 0);  // not called in-process
    BOOST_REQUIRE(r.ips.size() == 1u);
    BOOST_TEST(r.ips[0].address.str() == "10.201.0.9/24");
}

BOOST_AUTO_TEST_SUITE_END()
