#include "ipam/config.hpp"

#include <algorithm>

#include "cni/error.hpp"

namespace rt::ipam {

using cni::CniError;
using cni::kInvalidConfig;
namespace json = cni::json;

namespace {

// "10.1.2.3" or "10.1.2.3/24" (the prefix is ignored, as the reference does).
cni::IpAddr requested_ip(std::string_view text, const std::string& where) {
    std::string_view addr = text.substr(0, text.find('/'));
    auto a = cni::IpAddr::parse(addr);
    if (!a)
        throw CniError(kInvalidConfig,
                       where + ": invalid IP address \"" + std::string(text) + "\"");
    return *a;
}

void add_requested(IpamConfig& c, const json::Value* arr, const std::string& path) {
    if (!arr) return;
    if (!arr->IsArray()) throw CniError(kInvalidConfig, path + ": must be an array");
    for (rapidjson::SizeType i = 0; i < arr->Size(); ++i) {
        const auto& e = (*arr)[i];
        std::string p = json::path_index(path, i);
        if (!e.IsString()) throw CniError(kInvalidConfig, p + ": must be a string");
        c.requested.push_back(
            requested_ip(std::string_view(e.GetString(), e.GetStringLength()), p));
    }
}

void add_range_sets(IpamConfig& c, const json::Value& arr, const std::string& path) {
    if (!arr.IsArray()) throw CniError(kInvalidConfig, path + ": must be an array of range sets");
    for (rapidjson::SizeType i = 0; i < arr.Size(); ++i)
        c.ranges.push_back(RangeSet::parse(arr[i], json::path_index(path, i)));
}

}  // namespace

IpamConfig IpamConfig::parse(const cni::Request& r) {
    IpamConfig c;
    c.name = r.name;
    const json::Value* ipam = json::get_object(r.config, "ipam", "");
    if (!ipam) throw CniError(kInvalidConfig, "ipam: missing (the IPAM configuration object)");

    // Ranges in the order the reference uses: runtimeConfig.ipRanges, the legacy top-level
    // range, then "ranges".
    const json::Value* rc = json::get_object(r.config, "runtimeConfig", "");
    if (rc) {
        if (const json::Value* ipr = json::find(*rc, "ipRanges"))
            add_range_sets(c, *ipr, "runtimeConfig.ipRanges");
    }
    if (json::find(*ipam, "subnet")) {
        RangeSet legacy;
        legacy.ranges.push_back(Range::parse(*ipam, "ipam"));
        c.ranges.push_back(std::move(legacy));
    }
    if (const json::Value* ranges = json::find(*ipam, "ranges"))
        add_range_sets(c, *ranges, "ipam.ranges");
    if (c.ranges.empty())
        throw CniError(kInvalidConfig,
                       "ipam.ranges: no IP ranges specified (\"ranges\" or \"subnet\")");
    for (std::size_t i = 0; i < c.ranges.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            for (const auto& a : c.ranges[i].ranges)
                for (const auto& b : c.ranges[j].ranges)
                    if (a.overlaps(b))
                        throw CniError(kInvalidConfig,
                                       "ipam.ranges: range set " + std::to_string(i) +
                                           " overlaps range set " + std::to_string(j));

    if (const json::Value* routes = json::get_array(*ipam, "routes", "ipam"))
        for (rapidjson::SizeType i = 0; i < routes->Size(); ++i)
            c.routes.push_back(cni::parse_route((*routes)[i], json::path_index("ipam.routes", i)));
    c.data_dir = json::get_string_or(*ipam, "dataDir", "ipam", kDefaultDataDir);
    if (c.data_dir.empty()) c.data_dir = kDefaultDataDir;
    // A relative dataDir would be resolved against whatever directory the runtime runs the
    // plugin in: two runtimes (or one from two directories) would not share reservations.
    // The reference host-local accepts it.
    if (c.data_dir[0] != '/')
        throw CniError(kInvalidConfig, "ipam.dataDir: \"" + c.data_dir +
                                           "\" must be an absolute path (a relative one "
                                           "would be created under the plugin's working "
                                           "directory)");
    c.resolv_conf = json::get_string_or(*ipam, "resolvConf", "ipam", "");

    // Requested addresses. CONVENTIONS.md: when args.cni.ips is given, CNI_ARGS IP= is
    // ignored.
    const json::Value* args_ips = nullptr;
    if (const json::Value* args = json::get_object(r.config, "args", ""))
        if (const json::Value* cni = json::get_object(*args, "cni", "args"))
            args_ips = json::find(*cni, "ips");
    if (!args_ips) {
        if (auto ip = r.args.get("IP")) {
            std::string_view rest = *ip;
            while (!rest.empty()) {
                auto comma = rest.find(',');
                std::string_view one = rest.substr(0, comma);
                if (!one.empty()) c.requested.push_back(requested_ip(one, "CNI_ARGS IP"));
                if (comma == std::string_view::npos) break;
                rest = rest.substr(comma + 1);
            }
        }
    }
    add_requested(c, args_ips, "args.cni.ips");
    if (rc) add_requested(c, json::find(*rc, "ips"), "runtimeConfig.ips");
    std::sort(c.requested.begin(), c.requested.end());
    c.requested.erase(std::unique(c.requested.begin(), c.requested.end()), c.requested.end());
    return c;
}

}  // namespace rt::ipam
