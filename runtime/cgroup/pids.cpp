// pids: limit -> pids.max (v1 and v2). As runc: > 0 is the limit, < 0 is "max", 0 leaves
// the current value (unset).
#include "cgroup/controllers.hpp"

namespace rt::cgroup::detail {

void apply_pids(const Target& t, const oci::PidsResources& p, const Fields& f) {
    if (p.limit == 0) return;
    f.write(t, "pids.max", p.limit > 0 ? std::to_string(p.limit) : "max", "/pids/limit");
}

}  // namespace rt::cgroup::detail
