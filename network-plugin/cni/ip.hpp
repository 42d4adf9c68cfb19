// IP addresses, prefixes and MAC addresses as small value types (no system calls).
//
// Both families live in one 16-byte array so allocation arithmetic (next address, compare,
// range size) is the same code for IPv4 and IPv6; an IPv4 address uses the first 4 bytes.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rt::cni {

class IpAddr {
  public:
    enum class Family : std::uint8_t { V4 = 4, V6 = 6 };

    IpAddr() = default;
    static IpAddr v4(std::uint32_t host_order);
    static IpAddr from_bytes(Family family, const std::uint8_t* bytes);

    // Accepts dotted quad or RFC 4291 text; an IPv4-mapped IPv6 text (::ffff:1.2.3.4) is
    // canonicalised to IPv4, as the reference plugins do. nullopt if not an address.
    static std::optional<IpAddr> parse(std::string_view text);

    Family family() const noexcept { return family_; }
    bool is_v4() const noexcept { return family_ == Family::V4; }
    int size() const noexcept { return is_v4() ? 4 : 16; }  // bytes
    int bits() const noexcept { return size() * 8; }
    const std::uint8_t* data() const noexcept { return bytes_.data(); }
    std::uint8_t* data() noexcept { return bytes_.data(); }

    // Canonical text: dotted quad, or RFC 5952 for IPv6 (the file names of host-local).
    std::string str() const;

    IpAddr next() const;               // +1, wrapping
    IpAddr prev() const;               // -1, wrapping
    IpAddr masked(int prefix) const;   // host bits cleared
    IpAddr last_in(int prefix) const;  // host bits set
    bool is_zero() const;

    friend bool operator==(const IpAddr&, const IpAddr&) = default;
    // Orders by family, then numerically.
    friend std::strong_ordering operator<=>(const IpAddr& a, const IpAddr& b);

  private:
    Family family_ = Family::V4;
    std::array<std::uint8_t, 16> bytes_{};
};

// An address with a prefix length: "10.200.0.5/24". The address keeps its host bits
// (it is an interface address); network() clears them.
struct IpNet {
    IpAddr addr;
    int prefix = 0;

    // "addr/prefix"; nullopt unless both parts are valid.
    static std::optional<IpNet> parse(std::string_view text);
    std::string str() const;
    IpNet network() const { return {addr.masked(prefix), prefix}; }
    bool contains(const IpAddr& a) const;
    friend bool operator==(const IpNet&, const IpNet&) = default;
};

struct Mac {
    std::array<std::uint8_t, 6> bytes{};

    // "aa:bb:cc:dd:ee:ff" (also '-' separated, any case); nullopt otherwise.
    static std::optional<Mac> parse(std::string_view text);
    // A random locally administered unicast address (getrandom).
    static Mac random();
    std::string str() const;  // lower case, ':' separated
    bool is_multicast() const { return (bytes[0] & 1) != 0; }
    bool is_zero() const;
    friend bool operator==(const Mac&, const Mac&) = default;
};

}  // namespace rt::cni
