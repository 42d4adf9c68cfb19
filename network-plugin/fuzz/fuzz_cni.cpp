// libFuzzer target: arbitrary CNI_ARGS and stdin configs through every parser of the two
// plugins (skeleton, results, rt-bridge and rt-host-local configs), no netlink, no files.
//
// Input: the first line is CNI_ARGS, the rest is the network config on stdin. Parsers
// must reject bad input with a CNI error; anything else (a crash, a sanitizer report, an
// exception of another type) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bridge/config.hpp"
#include "cni/args.hpp"
#include "cni/error.hpp"
#include "cni/ip.hpp"
#include "cni/result.hpp"
#include "cni/skeleton.hpp"
#include "cni/version.hpp"
#include "ipam/config.hpp"
#include "ipam/host_local.hpp"

namespace {

using namespace rt;

template <typename F>
void expect_cni_errors_only(F&& f) {
    try {
        f();
    } catch (const cni::CniError&) {
    } catch (const Error&) {
    }
}

// A plugin whose verbs only parse: what ADD/DEL/CHECK/GC would read before any syscall.
cni::Plugin parsing_plugin() {
    cni::Plugin p;
    p.name = "fuzz";
    p.add = [](cni::Request& r) {
        bridge::NetConf c = bridge::NetConf::parse(r);
        cni::Result res = r.prev_result ? *r.prev_result : cni::Result{};
        if (c.layer3()) {
            ipam::IpamConfig ic = ipam::IpamConfig::parse(r);
            for (const auto& set : ic.ranges) (void)set.capacity();
            res.routes.insert(res.routes.end(), ic.routes.begin(), ic.routes.end());
        }
        return res;
    };
    p.del = [](cni::Request& r) { bridge::NetConf::parse(r, false); };
    p.check = [](cni::Request& r) { ipam::IpamConfig::parse(r); };
    p.status = [](cni::Request& r) { bridge::NetConf::parse(r); };
    p.gc = [](cni::Request& r) { ipam::IpamConfig::parse(r); };
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto nl = in.find('\n');
    std::string args(in.substr(0, nl));
    std::string config(nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1));

    expect_cni_errors_only([&] {
        auto a = cni::CniArgs::parse(args);
        a.check_known({"IP", "MAC"});
    });
    (void)cni::IpAddr::parse(args);
    (void)cni::IpNet::parse(args);
    (void)cni::Mac::parse(args);
    expect_cni_errors_only([&] { (void)cni::compare_versions(args, "1.0.0"); });
    (void)ipam::parse_resolv_conf(config);

    expect_cni_errors_only([&] {
        cni::Result r = cni::Result::parse_text(config, "fuzz");
        for (auto v : cni::kSupportedVersions) {
            std::string out = r.to_json(v);
            // What we write must read back.
            (void)cni::Result::parse_text(out, "round trip");
        }
    });

    // The config parsers directly, so an exception other than a CNI error is not hidden
    // by the skeleton's last-resort handler.
    expect_cni_errors_only([&] {
        cni::Request r;
        r.stdin_data = config;
        r.config.Parse(r.stdin_data.c_str());
        if (r.config.HasParseError() || !r.config.IsObject()) return;
        r.name = "fuzznet";
        r.cni_version = "1.1.0";
        r.container_id = "fuzz-container";
        r.ifname = "eth0";
        r.args = cni::CniArgs::parse(args);
        if (const auto* prev = cni::json::find(r.config, "prevResult"))
            r.prev_result = cni::Result::parse(*prev, "prevResult");
        expect_cni_errors_only([&] { (void)bridge::NetConf::parse(r); });
        expect_cni_errors_only([&] { (void)ipam::IpamConfig::parse(r); });
    });

    static const cni::Plugin plugin = parsing_plugin();
    for (const char* command : {"ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"}) {
        std::string out;
        cni::dispatch(
            plugin,
            [&](const char* name) -> const char* {
                std::string_view n(name);
                if (n == "CNI_COMMAND") return command;
                if (n == "CNI_CONTAINERID") return "fuzz-container";
                if (n == "CNI_NETNS") return "/run/netns/fuzz";
                if (n == "CNI_IFNAME") return "eth0";
                if (n == "CNI_ARGS") return args.c_str();
                if (n == "CNI_PATH") return "/nonexistent";
                return nullptr;
            },
            config, out);
    }
    return 0;
}
