#include "cgroup/convert.hpp"

#include <algorithm>

#include "rt/error.hpp"

namespace rt::cgroup {

uint64_t cpu_shares_to_weight(uint64_t shares) noexcept {
    if (shares == 0) return 0;
    shares = std::clamp<uint64_t>(shares, 2, 262144);
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_weight_to_io_weight(uint64_t weight) noexcept {
    if (weight == 0) return 0;
    weight = std::clamp<uint64_t>(weight, 10, 1000);
    return 1 + ((weight - 10) * 9999) / 990;
}

int64_t memory_swap_to_v2(int64_t swap, int64_t limit) {
    // Memory set to unlimited and swap unset: v1 semantics make both unlimited.
    if (limit == -1 && swap == 0) return -1;
    if (swap == -1 || swap == 0) return swap;
    if (limit == 0 || limit == -1)
        throw Error("a swap limit needs a memory limit", ErrorKind::InvalidArgument);
    if (limit < 0)
        throw Error("invalid memory limit " + std::to_string(limit), ErrorKind::InvalidArgument);
    if (swap < limit)
        throw Error("memory+swap (" + std::to_string(swap) + ") must be >= the memory limit (" +
                        std::to_string(limit) + ")",
                    ErrorKind::InvalidArgument);
    return swap - limit;
}

std::string v2_limit(int64_t value) {
    return value < 0 ? "max" : std::to_string(value);
}

std::string cpu_max(std::optional<int64_t> quota, std::optional<uint64_t> period,
                    const std::string& current_quota) {
    if (!quota && !(period && *period != 0)) return {};
    std::string out = quota ? (*quota > 0 ? std::to_string(*quota) : "max") : current_quota;
    if (period && *period != 0) out += " " + std::to_string(*period);
    return out;
}

}  // namespace rt::cgroup
