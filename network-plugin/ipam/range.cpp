#include "ipam/range.hpp"

#include <optional>

#include "cni/error.hpp"

namespace rt::ipam {

using cni::CniError;
using cni::IpAddr;
using cni::kInvalidConfig;
namespace json = cni::json;

namespace {
[[noreturn]] void bad(const std::string& path, std::string_view why) {
    throw CniError(kInvalidConfig, path + ": " + std::string(why));
}

// An optional address member; "" counts as absent, as in the reference.
std::optional<IpAddr> addr_field(const json::Value& obj, std::string_view key,
                                 std::string_view path) {
    auto s = json::get_string(obj, key, path);
    if (!s || s->empty()) return std::nullopt;
    auto a = IpAddr::parse(*s);
    if (!a) bad(json::path_join(path, key), "invalid IP address \"" + *s + "\"");
    return a;
}

// Saturating a - b + 1 for a >= b, over at most 128 bits.
unsigned long long span(const IpAddr& a, const IpAddr& b) {
    const unsigned long long cap = 1ULL << 63;
    unsigned long long hi_diff = 0;
    int n = a.size();
    // Subtract byte-wise into a big-endian difference; saturate when the high part is used.
    unsigned char diff[16] = {};
    int borrow = 0;
    for (int i = n - 1; i >= 0; --i) {
        int d = a.data()[i] - b.data()[i] - borrow;
        borrow = d < 0;
        diff[i] = static_cast<unsigned char>(d + (borrow ? 256 : 0));
    }
    for (int i = 0; i < n - 8; ++i) hi_diff |= diff[i];
    if (hi_diff) return cap;
    unsigned long long lo = 0;
    for (int i = n - 8 < 0 ? 0 : n - 8; i < n; ++i) lo = lo << 8 | diff[i];
    return lo >= cap - 1 ? cap : lo + 1;
}
}  // namespace

Range Range::parse(const json::Value& obj, std::string_view path) {
    if (!obj.IsObject()) bad(std::string(path), "must be an object");
    auto subnet_text = json::get_string(obj, "subnet", path);
    if (!subnet_text) bad(json::path_join(path, "subnet"), "is required");
    auto subnet = cni::IpNet::parse(*subnet_text);
    if (!subnet) bad(json::path_join(path, "subnet"), "invalid CIDR \"" + *subnet_text + "\"");
    Range r;
    r.subnet = subnet->network();
    // A /31, /32 (IPv4) or /127, /128 has no room for a gateway and a host.
    if (r.subnet.prefix > r.subnet.addr.bits() - 2)
        bad(json::path_join(path, "subnet"),
            "network " + r.subnet.str() + " too small to allocate from");
    IpAddr first = r.subnet.addr.next();
    IpAddr last = r.subnet.addr.last_in(r.subnet.prefix);
    if (last.is_v4()) last = last.prev();  // the broadcast address is not allocatable

    r.gateway = addr_field(obj, "gateway", path).value_or(first);
    if (!r.subnet.contains(r.gateway))
        bad(json::path_join(path, "gateway"),
            r.gateway.str() + " is not in network " + r.subnet.str());
    r.start = addr_field(obj, "rangeStart", path).value_or(first);
    r.end = addr_field(obj, "rangeEnd", path).value_or(last);
    if (!r.subnet.contains(r.start))
        bad(json::path_join(path, "rangeStart"),
            r.start.str() + " is not in network " + r.subnet.str());
    if (!r.subnet.contains(r.end))
        bad(json::path_join(path, "rangeEnd"),
            r.end.str() + " is not in network " + r.subnet.str());
    if (r.end < r.start)
        bad(json::path_join(path, "rangeEnd"),
            r.end.str() + " is before rangeStart " + r.start.str());
    return r;
}

RangeSet RangeSet::parse(const json::Value& arr, std::string_view path) {
    if (!arr.IsArray() || arr.Empty())
        bad(std::string(path), "must be a non-empty array of ranges");
    RangeSet set;
    for (rapidjson::SizeType i = 0; i < arr.Size(); ++i)
        set.ranges.push_back(Range::parse(arr[i], json::path_index(path, i)));
    for (std::size_t i = 0; i < set.ranges.size(); ++i) {
        if (set.ranges[i].start.family() != set.ranges[0].start.family())
            bad(json::path_index(path, i), "mixes IPv4 and IPv6 in one range set");
        for (std::size_t j = 0; j < i; ++j)
            if (set.ranges[i].overlaps(set.ranges[j]))
                bad(json::path_index(path, i),
                    "overlaps range " + std::to_string(j) + " (" + set.ranges[j].str() + ")");
    }
    return set;
}

const Range* RangeSet::find(const IpAddr& a) const {
    for (const auto& r : ranges)
        if (r.contains(a)) return &r;
    return nullptr;
}

std::string RangeSet::str() const {
    std::string s;
    for (const auto& r : ranges) {
        if (!s.empty()) s += ",";
        s += r.str();
    }
    return s;
}

unsigned long long RangeSet::capacity() const {
    const unsigned long long cap = 1ULL << 63;
    unsigned long long total = 0;
    for (const auto& r : ranges) {
        unsigned long long n = span(r.end, r.start);
        if (r.contains(r.gateway) && n < cap) --n;
        total = total + n >= cap ? cap : total + n;
    }
    return total;
}

}  // namespace rt::ipam
