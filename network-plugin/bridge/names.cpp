#include "bridge/names.hpp"

namespace rt::bridge {

std::uint64_t fnv1a64(std::string_view data, std::uint64_t seed) {
    std::uint64_t h = seed;
    for (unsigned char c : data) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::uint64_t attachment_hash(std::string_view network, std::string_view container_id,
                              std::string_view ifname) {
    // NUL separators: ("ab", "c") and ("a", "bc") must differ.
    std::string key;
    key.reserve(network.size() + container_id.size() + ifname.size() + 2);
    key.append(network).push_back('\0');
    key.append(container_id).push_back('\0');
    key.append(ifname);
    return fnv1a64(key);
}

std::string hex(std::uint64_t v, int digits) {
    static constexpr char h[] = "0123456789abcdef";
    std::string s(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = h[v & 0xf];
    return s;
}

std::string host_veth_name(std::string_view network, std::string_view container_id,
                           std::string_view ifname) {
    // 4 + 11 = 15 characters, the kernel's limit (IFNAMSIZ - 1); 44 bits of hash.
    return "veth" + hex(attachment_hash(network, container_id, ifname) >> 20, 11);
}

std::string veth_alias(std::string_view network, std::string_view container_id,
                       std::string_view ifname) {
    std::string a = "rt-bridge ";
    a.append(network).append(" ").append(container_id).append(" ").append(ifname);
    return a;
}

std::optional<AliasParts> parse_veth_alias(std::string_view alias) {
    constexpr std::string_view prefix = "rt-bridge ";
    if (alias.substr(0, prefix.size()) != prefix) return std::nullopt;
    alias.remove_prefix(prefix.size());
    AliasParts p;
    auto sp1 = alias.find(' ');
    if (sp1 == std::string_view::npos) return std::nullopt;
    auto sp2 = alias.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return std::nullopt;
    p.network = alias.substr(0, sp1);
    p.container_id = alias.substr(sp1 + 1, sp2 - sp1 - 1);
    p.ifname = alias.substr(sp2 + 1);
    if (p.network.empty() || p.container_id.empty() || p.ifname.empty() ||
        p.ifname.find(' ') != std::string::npos)
        return std::nullopt;
    return p;
}

}  // namespace rt::bridge
