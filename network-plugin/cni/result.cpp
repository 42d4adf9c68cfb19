#include "cni/result.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cni/error.hpp"
#include "cni/version.hpp"

namespace rt::cni {

namespace {

[[noreturn]] void bad(const std::string& path, std::string_view why) {
    throw CniError(kInvalidConfig, path + ": " + std::string(why));
}

std::vector<std::string> string_list(const json::Value& obj, std::string_view key,
                                     std::string_view path) {
    std::vector<std::string> out;
    const json::Value* a = json::get_array(obj, key, path);
    if (!a) return out;
    for (rapidjson::SizeType i = 0; i < a->Size(); ++i) {
        const auto& e = (*a)[i];
        if (!e.IsString()) bad(json::path_index(json::path_join(path, key), i), "must be a string");
        out.emplace_back(e.GetString(), e.GetStringLength());
    }
    return out;
}

std::optional<std::uint32_t> opt_u32(const json::Value& obj, std::string_view key,
                                     std::string_view path) {
    auto v = json::get_int(obj, key, path, 0, UINT32_MAX);
    if (!v) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
}

IpNet parse_cidr(const json::Value& obj, std::string_view key, std::string_view path,
                 bool required) {
    auto s = json::get_string(obj, key, path);
    if (!s) {
        if (required) bad(json::path_join(path, key), "is required");
        return {};
    }
    auto n = IpNet::parse(*s);
    if (!n) bad(json::path_join(path, key), "invalid CIDR \"" + *s + "\"");
    return *n;
}

std::optional<IpAddr> parse_ip(const json::Value& obj, std::string_view key,
                               std::string_view path) {
    auto s = json::get_string(obj, key, path);
    if (!s || s->empty()) return std::nullopt;
    auto a = IpAddr::parse(*s);
    if (!a) bad(json::path_join(path, key), "invalid IP address \"" + *s + "\"");
    return a;
}

}  // namespace

Dns parse_dns(const json::Value& v, std::string_view path) {
    if (!v.IsObject()) bad(std::string(path), "must be an object");
    Dns d;
    d.nameservers = string_list(v, "nameservers", path);
    d.domain = json::get_string_or(v, "domain", path, "");
    d.search = string_list(v, "search", path);
    d.options = string_list(v, "options", path);
    return d;
}

Route parse_route(const json::Value& e, std::string_view ep) {
    if (!e.IsObject()) bad(std::string(ep), "must be an object");
    Route rt;
    rt.dst = parse_cidr(e, "dst", ep, true).network();
    rt.gw = parse_ip(e, "gw", ep);
    if (rt.gw && rt.gw->family() != rt.dst.addr.family())
        bad(json::path_join(ep, "gw"), "is not of the destination's family");
    rt.mtu = opt_u32(e, "mtu", ep);
    rt.advmss = opt_u32(e, "advmss", ep);
    rt.priority = opt_u32(e, "priority", ep);
    rt.table = opt_u32(e, "table", ep);
    rt.scope = opt_u32(e, "scope", ep);
    if (rt.scope && *rt.scope > 255) bad(json::path_join(ep, "scope"), "must be 0..255");
    return rt;
}

Result Result::parse(const json::Value& v, std::string_view path) {
    if (!v.IsObject()) bad(std::string(path), "must be an object");
    if (json::find(v, "ip4") || json::find(v, "ip6"))
        throw CniError(kIncompatibleVersion,
                       std::string(path) + ": 0.1.0/0.2.0 results (ip4/ip6) are not supported",
                       "supported versions: " + supported_versions_text());
    Result r;
    if (const auto* ifs = json::get_array(v, "interfaces", path)) {
        std::string p = json::path_join(path, "interfaces");
        for (rapidjson::SizeType i = 0; i < ifs->Size(); ++i) {
            const auto& e = (*ifs)[i];
            std::string ep = json::path_index(p, i);
            if (!e.IsObject()) bad(ep, "must be an object");
            Interface itf;
            itf.name = json::get_string_or(e, "name", ep, "");
            itf.mac = json::get_string_or(e, "mac", ep, "");
            itf.mtu = opt_u32(e, "mtu", ep);
            itf.sandbox = json::get_string_or(e, "sandbox", ep, "");
            itf.socket_path = json::get_string_or(e, "socketPath", ep, "");
            itf.pci_id = json::get_string_or(e, "pciID", ep, "");
            r.interfaces.push_back(std::move(itf));
        }
    }
    if (const auto* ips = json::get_array(v, "ips", path)) {
        std::string p = json::path_join(path, "ips");
        for (rapidjson::SizeType i = 0; i < ips->Size(); ++i) {
            const auto& e = (*ips)[i];
            std::string ep = json::path_index(p, i);
            if (!e.IsObject()) bad(ep, "must be an object");
            IpConfig c;
            c.address = parse_cidr(e, "address", ep, true);
            c.gateway = parse_ip(e, "gateway", ep);
            if (auto idx = json::get_int(e, "interface", ep, -1, INT32_MAX); idx && *idx >= 0)
                c.interface = static_cast<int>(*idx);
            if (auto ver = json::get_string(e, "version", ep)) {
                if (*ver != "4" && *ver != "6")
                    bad(json::path_join(ep, "version"), "must be \"4\" or \"6\"");
                if ((*ver == "4") != c.address.addr.is_v4())
                    bad(json::path_join(ep, "version"),
                        "\"" + *ver + "\" does not match address " + c.address.str());
            }
            if (c.gateway && c.gateway->family() != c.address.addr.family())
                bad(json::path_join(ep, "gateway"), "is not of the address's family");
            if (c.interface && *c.interface >= static_cast<int>(r.interfaces.size()))
                bad(json::path_join(ep, "interface"),
                    "index " + std::to_string(*c.interface) + " is outside interfaces");
            r.ips.push_back(c);
        }
    }
    if (const auto* routes = json::get_array(v, "routes", path)) {
        std::string p = json::path_join(path, "routes");
        for (rapidjson::SizeType i = 0; i < routes->Size(); ++i) {
            const auto& e = (*routes)[i];
            std::string ep = json::path_index(p, i);
            if (!e.IsObject()) bad(ep, "must be an object");
            r.routes.push_back(parse_route(e, ep));
        }
    }
    if (const auto* dns = json::get_object(v, "dns", path))
        r.dns = parse_dns(*dns, json::path_join(path, "dns"));
    return r;
}

Result Result::parse_text(std::string_view text, std::string_view path) {
    json::Document doc;
    json::parse_object(doc, text, path);
    return parse(doc, path);
}

std::string Result::to_json(std::string_view cni_version) const {
    // 0.3.x and 0.4.0 tag each IP with its family; 1.1.0 added mtu and the route extras.
    const bool tagged = compare_versions(cni_version, "1.0.0") < 0;
    const bool v110 = compare_versions(cni_version, "1.1.0") >= 0;
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto str = [&w](std::string_view s) {
        w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    };
    auto key = [&str](std::string_view k) { str(k); };
    w.StartObject();
    key("cniVersion");
    str(cni_version);
    if (!interfaces.empty()) {
        key("interfaces");
        w.StartArray();
        for (const auto& i : interfaces) {
            w.StartObject();
            key("name");
            str(i.name);
            if (!i.mac.empty()) {
                key("mac");
                str(i.mac);
            }
            if (v110 && i.mtu) {
                key("mtu");
                w.Uint(*i.mtu);
            }
            if (!i.sandbox.empty()) {
                key("sandbox");
                str(i.sandbox);
            }
            if (v110 && !i.socket_path.empty()) {
                key("socketPath");
                str(i.socket_path);
            }
            if (v110 && !i.pci_id.empty()) {
                key("pciID");
                str(i.pci_id);
            }
            w.EndObject();
        }
        w.EndArray();
    }
    if (!ips.empty()) {
        key("ips");
        w.StartArray();
        for (const auto& c : ips) {
            w.StartObject();
            if (tagged) {
                key("version");
                str(c.address.addr.is_v4() ? "4" : "6");
            }
            if (c.interface) {
                key("interface");
                w.Int(*c.interface);
            }
            key("address");
            str(c.address.str());
            if (c.gateway) {
                key("gateway");
                str(c.gateway->str());
            }
            w.EndObject();
        }
        w.EndArray();
    }
    if (!routes.empty()) {
        key("routes");
        w.StartArray();
        for (const auto& r : routes) {
            w.StartObject();
            key("dst");
            str(r.dst.str());
            if (r.gw) {
                key("gw");
                str(r.gw->str());
            }
            if (v110) {
                if (r.mtu) {
                    key("mtu");
                    w.Uint(*r.mtu);
                }
                if (r.advmss) {
                    key("advmss");
                    w.Uint(*r.advmss);
                }
                if (r.priority) {
                    key("priority");
                    w.Uint(*r.priority);
                }
                if (r.table) {
                    key("table");
                    w.Uint(*r.table);
                }
                if (r.scope) {
                    key("scope");
                    w.Uint(*r.scope);
                }
            }
            w.EndObject();
        }
        w.EndArray();
    }
    key("dns");
    w.StartObject();
    auto list = [&](std::string_view k, const std::vector<std::string>& v) {
        if (v.empty()) return;
        key(k);
        w.StartArray();
        for (const auto& s : v) str(s);
        w.EndArray();
    };
    list("nameservers", dns.nameservers);
    if (!dns.domain.empty()) {
        key("domain");
        str(dns.domain);
    }
    list("search", dns.search);
    list("options", dns.options);
    w.EndObject();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace rt::cni
