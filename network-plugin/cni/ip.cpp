#include "cni/ip.hpp"

#include <arpa/inet.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "rt/error.hpp"

namespace rt::cni {

IpAddr IpAddr::v4(std::uint32_t host_order) {
    IpAddr a;
    a.family_ = Family::V4;
    a.bytes_[0] = static_cast<std::uint8_t>(host_order >> 24);
    a.bytes_[1] = static_cast<std::uint8_t>(host_order >> 16);
    a.bytes_[2] = static_cast<std::uint8_t>(host_order >> 8);
    a.bytes_[3] = static_cast<std::uint8_t>(host_order);
    return a;
}

IpAddr IpAddr::from_bytes(Family family, const std::uint8_t* bytes) {
    IpAddr a;
    a.family_ = family;
    std::memcpy(a.bytes_.data(), bytes, family == Family::V4 ? 4 : 16);
    return a;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
    // inet_pton needs a NUL-terminated string; addresses are short.
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    char buf[INET6_ADDRSTRLEN];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    IpAddr a;
    if (inet_pton(AF_INET, buf, a.bytes_.data()) == 1) {
        a.family_ = Family::V4;
        return a;
    }
    if (inet_pton(AF_INET6, buf, a.bytes_.data()) == 1) {
        a.family_ = Family::V6;
        static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(a.bytes_.data(), mapped, 12) == 0) {
            std::memmove(a.bytes_.data(), a.bytes_.data() + 12, 4);
            std::memset(a.bytes_.data() + 4, 0, 12);
            a.family_ = Family::V4;
        }
        return a;
    }
    return std::nullopt;
}

std::string IpAddr::str() const {
    if (is_v4()) {
        std::string s;
        s.reserve(15);
        for (int i = 0; i < 4; ++i) {
            if (i) s.push_back('.');
            s += std::to_string(bytes_[i]);
        }
        return s;
    }
    // RFC 5952, as Go's net.IP.String() writes it (host-local names its files this way):
    // the first longest run of two or more zero groups becomes "::".
    std::uint16_t g[8];
    for (std::size_t i = 0; i < 8; ++i)
        g[i] = static_cast<std::uint16_t>(bytes_[2 * i] << 8 | bytes_[2 * i + 1]);
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0) ++j;
        if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
        i = j;
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(39);
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            s += "::";
            i += best_len - 1;
            continue;
        }
        if (!s.empty() && s.back() != ':') s.push_back(':');
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int nib = (g[i] >> shift) & 0xf;
            if (nib || started || shift == 0) {
                s.push_back(hex[nib]);
                started = true;
            }
        }
    }
    return s;
}

IpAddr IpAddr::next() const {
    IpAddr r = *this;
    for (int i = size() - 1; i >= 0; --i)
        if (++r.bytes_[i] != 0) break;
    return r;
}

IpAddr IpAddr::prev() const {
    IpAddr r = *this;
    for (int i = size() - 1; i >= 0; --i)
        if (r.bytes_[i]-- != 0) break;
    return r;
}

IpAddr IpAddr::masked(int prefix) const {
    IpAddr r = *this;
    for (int i = 0; i < size(); ++i) {
        int keep = prefix - i * 8;
        if (keep >= 8) continue;
        r.bytes_[i] &= keep <= 0 ? 0 : static_cast<std::uint8_t>(0xff << (8 - keep));
    }
    return r;
}

IpAddr IpAddr::last_in(int prefix) const {
    IpAddr r = *this;
    for (int i = 0; i < size(); ++i) {
        int keep = prefix - i * 8;
        if (keep >= 8) continue;
        r.bytes_[i] |= keep <= 0 ? 0xff : static_cast<std::uint8_t>(0xff >> keep);
    }
    return r;
}

bool IpAddr::is_zero() const {
    for (int i = 0; i < size(); ++i)
        if (bytes_[i]) return false;
    return true;
}

std::strong_ordering operator<=>(const IpAddr& a, const IpAddr& b) {
    if (a.family_ != b.family_) return a.family_ <=> b.family_;
    int c = std::memcmp(a.bytes_.data(), b.bytes_.data(), static_cast<std::size_t>(a.size()));
    return c <=> 0;
}

std::optional<IpNet> IpNet::parse(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto addr = IpAddr::parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    int prefix = 0;
    for (char c : p) {
        if (c < '0' || c > '9') return std::nullopt;
        prefix = prefix * 10 + (c - '0');
    }
    // An IPv4-mapped IPv6 prefix (::ffff:10.0.0.0/104) becomes the IPv4 prefix.
    if (addr->is_v4() && text.substr(0, slash).find(':') != std::string_view::npos) prefix -= 96;
    if (prefix < 0 || prefix > addr->bits()) return std::nullopt;
    return IpNet{*addr, prefix};
}

std::string IpNet::str() const {
    return addr.str() + "/" + std::to_string(prefix);
}

bool IpNet::contains(const IpAddr& a) const {
    return a.family() == addr.family() && a.masked(prefix) == addr.masked(prefix);
}

std::optional<Mac> Mac::parse(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    Mac m;
    auto hexval = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    char sep = text[2];
    if (sep != ':' && sep != '-') return std::nullopt;
    for (std::size_t i = 0; i < 6; ++i) {
        int hi = hexval(text[3 * i]), lo = hexval(text[3 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        if (i < 5 && text[3 * i + 2] != sep) return std::nullopt;
        m.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return m;
}

Mac Mac::random() {
    Mac m;
    if (getrandom(m.bytes.data(), m.bytes.size(), 0) != static_cast<ssize_t>(m.bytes.size()))
        throw_errno("getrandom");
    m.bytes[0] = static_cast<std::uint8_t>((m.bytes[0] & 0xfe) | 0x02);  // unicast, local
    return m;
}

std::string Mac::str() const {
    static constexpr char hex[] = "0123456789abcdef";
    std::string s(17, ':');
    for (std::size_t i = 0; i < 6; ++i) {
        s[3 * i] = hex[bytes[i] >> 4];
        s[3 * i + 1] = hex[bytes[i] & 0xf];
    }
    return s;
}

bool Mac::is_zero() const {
    for (auto b : bytes)
        if (b) return false;
    return true;
}

}  // namespace rt::cni
