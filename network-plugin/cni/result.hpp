// The CNI success result (SPEC.md section 5), held in the 1.1.0 shape and converted on
// output to the version the caller asked for (0.3.0 ... 1.1.0).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/ip.hpp"
#include "cni/json.hpp"

namespace rt::cni {

struct Interface {
    std::string name;
    std::string mac;  // as text: prevResults may carry non-Ethernet addresses
    std::optional<std::uint32_t> mtu;
    std::string sandbox;
    std::string socket_path;
    std::string pci_id;
};

struct IpConfig {
    IpNet address;
    std::optional<IpAddr> gateway;
    std::optional<int> interface;  // index into Result::interfaces
};

struct Route {
    IpNet dst;
    std::optional<IpAddr> gw;
    std::optional<std::uint32_t> mtu, advmss, priority, table, scope;  // 1.1.0 only
};

struct Dns {
    std::vector<std::string> nameservers;
    std::string domain;
    std::vector<std::string> search;
    std::vector<std::string> options;
    bool empty() const {
        return nameservers.empty() && domain.empty() && search.empty() && options.empty();
    }
};

struct Result {
    std::vector<Interface> interfaces;
    std::vector<IpConfig> ips;
    std::vector<Route> routes;
    Dns dns;

    // Reads a result of any supported version (0.3.0 ... 1.1.0; "version" of 0.3/0.4 ips
    // is checked against the address and dropped). `path` names it in errors
    // ("prevResult", "IPAM result"). Throws CniError(7 or 6).
    static Result parse(const json::Value& v, std::string_view path);
    static Result parse_text(std::string_view text, std::string_view path);

    // JSON for `cni_version`, with the fields that version knows.
    std::string to_json(std::string_view cni_version) const;
};

Dns parse_dns(const json::Value& v, std::string_view path);
// One route object ({"dst": ..., "gw": ...}), as in results and in IPAM configs.
Route parse_route(const json::Value& v, std::string_view path);

}  // namespace rt::cni
