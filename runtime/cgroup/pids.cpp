// pids: limit -> pids.max (v1 and v2). < 0 is "max"; 0 is a real limit, as config-linux.md
// says runtimes SHOULD treat it (runc 1.1 and crun 1.8 leave the value unset instead). The
// create path writes a 0 only after the init is in the cgroup (apply_after_enter): a clone
// into a cgroup with pids.max 0 would be refused.
#include "cgroup/controllers.hpp"

namespace rt::cgroup::detail {

void apply_pids(const Target& t, const oci::PidsResources& p, const Fields& f) {
    f.write(t, "pids.max", p.limit >= 0 ? std::to_string(p.limit) : "max", "/pids/limit");
}

}  // namespace rt::cgroup::detail
