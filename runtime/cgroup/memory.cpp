// memory: limit, reservation, swap, swappiness, disableOOMKiller, useHierarchy, kernelTCP,
// checkBeforeUpdate.
//   v1: memory.limit_in_bytes, memory.memsw.limit_in_bytes (memory+swap),
//       memory.soft_limit_in_bytes, memory.swappiness, memory.oom_control,
//       memory.use_hierarchy, memory.kmem.tcp.limit_in_bytes
//   v2: memory.max, memory.swap.max (swap alone: see convert.hpp), memory.low
// As runc: 0 means "unset" for limit/reservation/swap, -1 means unlimited; `kernel` is
// deprecated and ignored; swappiness, disableOOMKiller, useHierarchy and kernelTCP have no
// cgroup v2 equivalent and are ignored there.
#include "cgroup/controllers.hpp"
#include "cgroup/convert.hpp"
#include "cgroup/fs.hpp"

namespace rt::cgroup::detail {

namespace {

std::string num(int64_t v) {
    return std::to_string(v);
}

void check_before_update(const Target& t, int64_t limit, const Fields& f) {
    if (limit <= 0) return;
    auto usage =
        fs::read_u64_if_exists(fs::join(t.dir, t.v2 ? "memory.current" : "memory.usage_in_bytes"));
    if (usage && *usage > static_cast<uint64_t>(limit))
        throw f.error("/memory/limit", "new limit " + num(limit) + " is below the current usage " +
                                           std::to_string(*usage) + " (checkBeforeUpdate)");
}

void apply_v1(const Target& t, const oci::MemoryResources& m, const Fields& f) {
    int64_t limit = m.limit.value_or(0);
    int64_t swap = m.swap.value_or(0);
    const bool has_memsw = f.has_file(t, "memory.memsw.limit_in_bytes");
    if (swap == -1 && !has_memsw) swap = 0;  // unlimited is what the host gives anyway
    if (swap != 0 && !has_memsw)
        throw f.error("/memory/swap",
                      "swap accounting is not enabled on this host (no memory.memsw.limit_in_bytes;"
                      " boot with swapaccount=1)",
                      ErrorKind::Unsupported);
    // Unlimited memory with swap unset means unlimited memory+swap too (v1 semantics).
    if (limit == -1 && swap == 0 && has_memsw) swap = -1;
    if (swap > 0 && limit > 0 && swap < limit)
        throw f.error("/memory/swap", "memory+swap (" + num(swap) +
                                          ") must be >= the memory limit (" + num(limit) + ")");
    // The kernel keeps limit <= memsw at every step: raise memsw first when it grows.
    bool memsw_first = false;
    if (limit != 0 && swap != 0) {
        auto cur = fs::read_u64_if_exists(fs::join(t.dir, "memory.limit_in_bytes"));
        memsw_first = swap == -1 || (cur && *cur < static_cast<uint64_t>(swap));
    }
    if (memsw_first) f.write(t, "memory.memsw.limit_in_bytes", num(swap), "/memory/swap");
    if (limit != 0) f.write(t, "memory.limit_in_bytes", num(limit), "/memory/limit");
    if (!memsw_first && swap != 0)
        f.write(t, "memory.memsw.limit_in_bytes", num(swap), "/memory/swap");

    if (m.reservation && *m.reservation != 0)
        f.write(t, "memory.soft_limit_in_bytes", num(*m.reservation), "/memory/reservation");
    if (m.kernelTCP && *m.kernelTCP != 0)
        f.write(t, "memory.kmem.tcp.limit_in_bytes", num(*m.kernelTCP), "/memory/kernelTCP");
    if (m.swappiness) {
        if (*m.swappiness > 100)
            throw f.error("/memory/swappiness",
                          "must be between 0 and 100, got " + std::to_string(*m.swappiness));
        f.write(t, "memory.swappiness", std::to_string(*m.swappiness), "/memory/swappiness");
    }
    if (m.disableOOMKiller)
        f.write(t, "memory.oom_control", *m.disableOOMKiller ? "1" : "0",
                "/memory/disableOOMKiller");
    if (m.useHierarchy) {
        // Modern kernels are always hierarchical: writing 1 is a no-op, 0 is refused.
        f.write(t, "memory.use_hierarchy", *m.useHierarchy ? "1" : "0", "/memory/useHierarchy");
    }
}

void apply_v2(const Target& t, const oci::MemoryResources& m, const Fields& f) {
    int64_t limit = m.limit.value_or(0);
    int64_t swap = m.swap.value_or(0);
    int64_t swap_max = 0;
    try {
        swap_max = memory_swap_to_v2(swap, limit);
    } catch (Error& e) {
        throw f.error("/memory/swap", e.message());
    }
    std::string swap_str;
    if (swap_max != 0)
        swap_str = v2_limit(swap_max);
    else if (swap > 0)
        swap_str = "0";  // swap == limit: no swap at all
    if (!swap_str.empty()) {
        int err = f.try_write(t, "memory.swap.max", swap_str);
        if (err == ENOENT && (swap_str == "max" || swap_str == "0")) {
            // No swap accounting: "unlimited" and "none" are what the host gives anyway.
        } else if (err == ENOENT) {
            throw f.error("/memory/swap",
                          "swap accounting is not enabled on this host (no memory.swap.max)",
                          ErrorKind::Unsupported);
        } else if (err != 0) {
            f.write(t, "memory.swap.max", swap_str, "/memory/swap");  // throws with the errno
        }
    }
    if (limit != 0) f.write(t, "memory.max", v2_limit(limit), "/memory/limit");
    if (m.reservation && *m.reservation != 0)
        f.write(t, "memory.low", v2_limit(*m.reservation), "/memory/reservation");
    if (m.swappiness && *m.swappiness > 100)
        throw f.error("/memory/swappiness",
                      "must be between 0 and 100, got " + std::to_string(*m.swappiness));
}

}  // namespace

void apply_memory(const Target& t, const oci::MemoryResources& m, const Fields& f, bool update) {
    if (update && m.checkBeforeUpdate.value_or(false) && m.limit)
        check_before_update(t, *m.limit, f);
    if (t.v2)
        apply_v2(t, m, f);
    else
        apply_v1(t, m, f);
}

}  // namespace rt::cgroup::detail
