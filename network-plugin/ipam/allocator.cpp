#include "ipam/allocator.hpp"

#include <algorithm>

#include "cni/error.hpp"

namespace rt::ipam {

using cni::CniError;
using cni::IpAddr;

namespace {

// Next-fit over one range set: candidates after `last` (or from the first range's start),
// wrapping once around the whole set, skipping gateways.
std::optional<cni::IpConfig> next_fit(Store& store, const RangeSet& set, std::size_t set_index,
                                      const std::string& id, const std::string& ifname) {
    std::size_t ri = 0;
    std::optional<IpAddr> cur;
    if (auto last = store.last_reserved(set_index)) {
        for (std::size_t i = 0; i < set.ranges.size(); ++i)
            if (set.ranges[i].contains(*last)) {
                ri = i;
                cur = *last;
            }
    }
    auto advance = [&]() {
        if (!cur) {
            cur = set.ranges[ri].start;
        } else if (*cur == set.ranges[ri].end) {
            ri = (ri + 1) % set.ranges.size();
            cur = set.ranges[ri].start;
        } else {
            cur = cur->next();
        }
    };
    advance();
    const IpAddr first = *cur;
    const std::size_t first_range = ri;
    do {
        const Range& r = set.ranges[ri];
        if (*cur != r.gateway && store.reserve(*cur, id, ifname, set_index))
            return cni::IpConfig{{*cur, r.subnet.prefix}, r.gateway, std::nullopt};
        advance();
    } while (!(*cur == first && ri == first_range));
    return std::nullopt;
}

}  // namespace

std::vector<cni::IpConfig> allocate(Store& store, const IpamConfig& cfg, const std::string& id,
                                    const std::string& ifname) {
    std::vector<cni::IpConfig> out;
    std::vector<IpAddr> pending = cfg.requested;
    try {
        for (std::size_t i = 0; i < cfg.ranges.size(); ++i) {
            const RangeSet& set = cfg.ranges[i];
            auto req = std::find_if(pending.begin(), pending.end(),
                                    [&](const IpAddr& a) { return set.contains(a); });
            if (req != pending.end()) {
                IpAddr ip = *req;
                pending.erase(req);
                const Range* r = set.find(ip);
                if (ip == r->gateway)
                    throw CniError(
                        cni::kInvalidConfig,
                        "requested IP " + ip.str() + " is the gateway of " + r->subnet.str());
                if (!store.reserve(ip, id, ifname, i)) {
                    auto o = store.owner(ip);
                    throw CniError(kAddressInUse,
                                   "requested IP " + ip.str() + " is already allocated" +
                                       (o ? " to container " + o->id +
                                                (o->ifname.empty() ? "" : " (" + o->ifname + ")")
                                          : ""));
                }
                out.push_back({{ip, r->subnet.prefix}, r->gateway, std::nullopt});
                continue;
            }
            auto got = next_fit(store, set, i, id, ifname);
            if (!got)
                throw CniError(cni::kNotAvailable, "no IP addresses available in range set " +
                                                       set.str() + " of network " + cfg.name);
            out.push_back(*got);
        }
        if (!pending.empty()) {
            std::string list;
            for (const auto& a : pending) list += (list.empty() ? "" : ", ") + a.str();
            throw CniError(cni::kInvalidConfig,
                           "requested IP " + list + " is not in any range of network " + cfg.name);
        }
    } catch (...) {
        for (const auto& c : out) store.release(c.address.addr);
        throw;
    }
    return out;
}

}  // namespace rt::ipam
