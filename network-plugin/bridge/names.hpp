// Deterministic names derived from an attachment (network, container id, ifname).
//
// The host-side veth is "veth" + 11 hex digits of a 64-bit FNV-1a hash of the attachment,
// so DEL and GC find it without any state and without entering the container's netns.
// Its alias (IFLA_IFALIAS) records the attachment in clear text for GC and for people:
//   "rt-bridge <network> <containerID> <ifname>"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rt::bridge {

std::uint64_t fnv1a64(std::string_view data, std::uint64_t seed = 0xcbf29ce484222325ULL);
std::uint64_t attachment_hash(std::string_view network, std::string_view container_id,
                              std::string_view ifname);
std::string hex(std::uint64_t v, int digits);

std::string host_veth_name(std::string_view network, std::string_view container_id,
                           std::string_view ifname);
std::string veth_alias(std::string_view network, std::string_view container_id,
                       std::string_view ifname);
// The longest alias the kernel keeps (IFALIASZ - 1): ADD refuses an attachment whose
// alias would be longer, naming the field, rather than fail in netlink with ERANGE.
inline constexpr std::size_t kMaxAlias = 255;

struct AliasParts {
    std::string network, container_id, ifname;
};
std::optional<AliasParts> parse_veth_alias(std::string_view alias);

}  // namespace rt::bridge
