#include "net/request.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <set>

#include "rt/error.hpp"

namespace rt::net {
namespace {

[[noreturn]] void bad(std::string_view spec, const std::string& why) {
    throw Error("--net " + std::string(spec) + ": " + why, ErrorKind::InvalidArgument);
}

// CNI network names: letters, digits, '-', '_', '.' (what libcni accepts).
bool valid_network_name(std::string_view name) {
    if (name.empty() || name.size() > 255) return false;
    for (unsigned char c : name)
        if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

// Linux interface names: 1..15 bytes, no '/', ':' or whitespace, not "." or "..".
bool valid_ifname(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    for (unsigned char c : name)
        if (c == '/' || c == ':' || std::isspace(c) || c < 0x20) return false;
    return true;
}

bool valid_ip(std::string_view text) {
    std::string addr(text.substr(0, text.find('/')));
    unsigned char buf[16];
    int max_prefix;
    if (inet_pton(AF_INET, addr.c_str(), buf) == 1)
        max_prefix = 32;
    else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1)
        max_prefix = 128;
    else
        return false;
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return true;
    std::string_view prefix = text.substr(slash + 1);
    int value = -1;
    auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), value);
    return ec == std::errc() && end == prefix.data() + prefix.size() && value >= 0 &&
           value <= max_prefix;
}

// Six hex pairs separated by ':'; a unicast address (a multicast MAC cannot be an
// interface's own address, the kernel refuses it).
bool valid_mac(std::string_view mac, std::string& why) {
    if (mac.size() != 17) {
        why = "expected 6 hex pairs like 02:00:00:00:00:05";
        return false;
    }
    for (size_t i = 0; i < mac.size(); ++i) {
        bool colon = i % 3 == 2;
        if (colon ? mac[i] != ':' : !std::isxdigit(static_cast<unsigned char>(mac[i]))) {
            why = "expected 6 hex pairs like 02:00:00:00:00:05";
            return false;
        }
    }
    int first = std::stoi(std::string(mac.substr(0, 2)), nullptr, 16);
    if (first & 1) {
        why = "a multicast address (lowest bit of the first byte set) cannot be an interface's";
        return false;
    }
    return true;
}

std::vector<std::string_view> split(std::string_view text, std::string_view separators) {
    std::vector<std::string_view> parts;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find_first_of(separators, pos);
        if (end == std::string_view::npos) end = text.size();
        if (end > pos) parts.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return parts;
}

}  // namespace

NetworkRequest parse_network_spec(std::string_view spec) {
    NetworkRequest request;
    size_t colon = spec.find(':');
    request.name = std::string(spec.substr(0, colon));
    if (!valid_network_name(request.name))
        bad(spec, "network name \"" + request.name +
                      "\" must be letters, digits, '-', '_' or '.' (the conflist's \"name\")");
    if (colon == std::string_view::npos) return request;

    std::string_view options = spec.substr(colon + 1);
    if (options.empty()) bad(spec, "nothing after ':' (expected ip=, mac= or ifname=)");
    for (std::string_view option : split(options, ",")) {
        size_t eq = option.find('=');
        if (eq == std::string_view::npos)
            bad(spec, "\"" + std::string(option) + "\": expected key=value");
        std::string_view key = option.substr(0, eq);
        std::string value(option.substr(eq + 1));
        if (key == "ip") {
            if (!valid_ip(value))
                bad(spec, "ip=" + value + ": not an IPv4 or IPv6 address (optionally /prefix)");
            for (const auto& ip : request.ips)
                if (ip == value) bad(spec, "ip=" + value + " given twice");
            request.ips.push_back(value);
        } else if (key == "mac") {
            std::string why;
            if (!request.mac.empty()) bad(spec, "mac= given twice");
            if (!valid_mac(value, why)) bad(spec, "mac=" + value + ": " + why);
            request.mac = value;
        } else if (key == "ifname") {
            if (!request.ifname.empty()) bad(spec, "ifname= given twice");
            if (!valid_ifname(value))
                bad(spec, "ifname=" + value + ": not a valid interface name (1-15 bytes)");
            request.ifname = value;
        } else {
            bad(spec, "unknown option \"" + std::string(key) + "\" (expected ip, mac or ifname)");
        }
    }
    return request;
}

std::vector<NetworkRequest> resolve_requests(const std::vector<std::string>& flags,
                                             const oci::StringMap& annotations) {
    std::vector<NetworkRequest> requests;
    if (auto it = annotations.find(std::string(kNetworksAnnotation)); it != annotations.end()) {
        for (std::string_view spec : split(it->second, " \t\n;")) {
            try {
                requests.push_back(parse_network_spec(spec));
            } catch (Error& e) {
                throw e.context("config.json: /annotations/" + std::string(kNetworksAnnotation));
            }
        }
    }
    for (const auto& flag : flags) requests.push_back(parse_network_spec(flag));

    std::set<std::string> taken;
    for (const auto& r : requests) {
        if (r.ifname.empty()) continue;
        if (!taken.insert(r.ifname).second)
            throw Error("--net: interface " + r.ifname + " requested twice",
                        ErrorKind::InvalidArgument);
    }
    int next = 0;
    for (auto& r : requests) {
        if (!r.ifname.empty()) continue;
        while (taken.count("eth" + std::to_string(next))) ++next;
        r.ifname = "eth" + std::to_string(next++);
        taken.insert(r.ifname);
    }
    return requests;
}

}  // namespace rt::net
