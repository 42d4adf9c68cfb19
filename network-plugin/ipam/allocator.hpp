// Address allocation over a Store: requested addresses first, otherwise next-fit from the
// address after the range set's last reservation (as the reference does, so a restarted
// container does not get its old address back at once). Next-fit starts where the last
// ADD stopped; it never rescans the pool from the beginning.
#pragma once

#include <string>
#include <vector>

#include "cni/result.hpp"
#include "ipam/config.hpp"
#include "ipam/store.hpp"

namespace rt::ipam {

// Plugin-specific CNI error code: a requested address is held by another attachment.
inline constexpr int kAddressInUse = 100;

// One address per range set. On failure nothing stays reserved. Throws CniError:
// 50 when a range set is exhausted, 100 when a requested address is taken, 7 when a
// requested address is outside every range or is a gateway.
std::vector<cni::IpConfig> allocate(Store& store, const IpamConfig& cfg, const std::string& id,
                                    const std::string& ifname);

}  // namespace rt::ipam
