#include "net/summary.hpp"

#include <rapidjson/document.h>

#include "rt/error.hpp"

namespace rt::net {
namespace {

std::string str(const rapidjson::Value& obj, const char* key) {
    if (!obj.IsObject()) return "";
    auto it = obj.FindMember(key);
    return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

}  // namespace

NetworkSummary summarize(const Attachment& attachment) {
    NetworkSummary s;
    s.name = attachment.request.name;
    s.ifname = attachment.request.ifname;

    // The bridge name the config asked for, if any plugin of the chain has one.
    std::string configured_bridge;
    rapidjson::Document conf;
    conf.Parse(attachment.conflist.c_str(), attachment.conflist.size());
    if (!conf.HasParseError() && conf.IsObject() && conf.HasMember("plugins") &&
        conf["plugins"].IsArray())
        for (const auto& p : conf["plugins"].GetArray())
            if (configured_bridge.empty()) configured_bridge = str(p, "bridge");

    rapidjson::Document doc;
    doc.Parse(attachment.result.c_str(), attachment.result.size());
    if (doc.HasParseError() || !doc.IsObject()) return s;

    int container_index = -1;
    if (doc.HasMember("interfaces") && doc["interfaces"].IsArray()) {
        const auto& itfs = doc["interfaces"].GetArray();
        for (rapidjson::SizeType i = 0; i < itfs.Size(); ++i) {
            std::string name = str(itfs[i], "name");
            if (!str(itfs[i], "sandbox").empty()) {
                if (container_index < 0 || name == s.ifname) {
                    container_index = static_cast<int>(i);
                    s.mac = str(itfs[i], "mac");
                }
            } else if (!configured_bridge.empty() && name == configured_bridge) {
                s.bridge = name;
            } else if (s.host_ifname.empty()) {
                s.host_ifname = name;
            }
        }
    }
    if (doc.HasMember("ips") && doc["ips"].IsArray())
        for (const auto& ip : doc["ips"].GetArray()) {
            // Only the container interface's addresses (or all when the result has no index).
            if (ip.IsObject() && ip.HasMember("interface") && ip["interface"].IsInt() &&
                container_index >= 0 && ip["interface"].GetInt() != container_index)
                continue;
            s.addresses.push_back({str(ip, "address"), str(ip, "gateway")});
        }
    if (doc.HasMember("routes") && doc["routes"].IsArray())
        for (const auto& r : doc["routes"].GetArray())
            s.routes.push_back({str(r, "dst"), str(r, "gw")});
    if (doc.HasMember("dns") && doc["dns"].IsObject() && doc["dns"].HasMember("nameservers") &&
        doc["dns"]["nameservers"].IsArray())
        for (const auto& n : doc["dns"]["nameservers"].GetArray())
            if (n.IsString()) s.dns_servers.emplace_back(n.GetString());
    return s;
}

void require_own_network_namespace(const oci::Spec& spec) {
    if (spec.linux)
        for (const auto& ns : spec.linux->namespaces)
            if (ns.type == "network") {
                if (!ns.path || ns.path->empty()) return;
                throw Error(
                    "--net: config.json: /linux/namespaces: the network namespace is "
                    "joined from " +
                        *ns.path +
                        ", not the container's own: rt attaches networks only to a new one",
                    ErrorKind::InvalidArgument);
            }
    throw Error(
        "--net: config.json: /linux/namespaces has no \"network\" entry: the container "
        "shares the host's network, there is nothing to attach a network to",
        ErrorKind::InvalidArgument);
}

}  // namespace rt::net
