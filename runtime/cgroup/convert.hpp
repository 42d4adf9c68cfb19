// Conversions between the OCI (cgroup v1 flavoured) values and cgroup v2 files.
// The formulas are the ones runc and crun use, so a config means the same under every runtime.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rt::cgroup {

// cpu.shares [2, 262144] -> cpu.weight [1, 10000], linear: 2 -> 1, 1024 -> 39, 262144 -> 10000.
// 0 (unset) stays 0. Out-of-range shares are clamped first, as the kernel clamps cpu.shares.
uint64_t cpu_shares_to_weight(uint64_t shares) noexcept;

// blkio.weight [10, 1000] -> io.weight [1, 10000], linear: 10 -> 1, 500 -> 4950, 1000 -> 10000.
// 0 (unset) stays 0.
uint64_t blkio_weight_to_io_weight(uint64_t weight) noexcept;

// OCI memory.swap is memory+swap (v1 memsw); v2 memory.swap.max is swap alone.
// Returns the memory.swap.max value: -1 for "max", 0 for unset, or swap - limit.
// Throws rt::Error (InvalidArgument) with the reason when the pair is inconsistent.
int64_t memory_swap_to_v2(int64_t swap, int64_t limit);

// A v2 limit value: -1 (or any negative) -> "max", else the number.
std::string v2_limit(int64_t value);

// cpu.max content for a quota and period (either may be absent); current_quota is the
// quota to keep when only the period changes. Empty when neither is given.
std::string cpu_max(std::optional<int64_t> quota, std::optional<uint64_t> period,
                    const std::string& current_quota = "max");

}  // namespace rt::cgroup
