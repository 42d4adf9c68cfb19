// host-local address ranges: a Range is [start, end] inside a subnet with a gateway; a
// RangeSet is the pool one address is taken from (host-local.md "ranges").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cni/ip.hpp"
#include "cni/json.hpp"

namespace rt::ipam {

struct Range {
    cni::IpNet subnet;  // network form
    cni::IpAddr start, end, gateway;

    // Fills defaults like the reference: start = network+1, end = last address (IPv4:
    // broadcast-1), gateway = network+1 (skipped when allocating). Throws CniError(7)
    // naming `path` when the subnet is too small or a bound lies outside it.
    static Range parse(const cni::json::Value& obj, std::string_view path);
    bool contains(const cni::IpAddr& a) const { return a >= start && a <= end; }
    std::string str() const { return start.str() + "-" + end.str(); }
    bool overlaps(const Range& o) const {
        return start.family() == o.start.family() && !(end < o.start || o.end < start);
    }
};

struct RangeSet {
    std::vector<Range> ranges;

    static RangeSet parse(const cni::json::Value& arr, std::string_view path);
    const Range* find(const cni::IpAddr& a) const;
    bool contains(const cni::IpAddr& a) const { return find(a) != nullptr; }
    bool is_v4() const { return ranges.front().start.is_v4(); }
    std::string str() const;
    // Number of allocatable addresses (gateways excluded), saturating at 2^63.
    unsigned long long capacity() const;
};

}  // namespace rt::ipam
