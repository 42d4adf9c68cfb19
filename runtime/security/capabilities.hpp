// Capabilities: the five sets of process.capabilities, planned in the parent and applied in
// the child with raw capset(2)/prctl(2).
//
// Raw syscalls instead of libcap: rt needs five fixed operations (bounding drop, keepcaps,
// capset, ambient clear/raise) on its own process, which are a few lines each; libcap would
// add a dependency and heap-allocated cap_t objects to the allocation-free child.
//
// Order in the child (as runc's finalizeNamespace; see process_security.hpp for the whole
// sequence): drop_bounding_set, set_keep_caps(true), set_user_ids, apply_capabilities.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rt/oci/names.hpp"
#include "rt/oci/spec.hpp"
#include "security/step.hpp"

namespace rt::security {

// Capability numbers as bits: bit N is capability N (CAP_CHOWN is 0).
using CapabilityMask = uint64_t;

inline constexpr CapabilityMask cap_bit(int cap) {
    return CapabilityMask{1} << cap;
}

// CAP_CHOWN .. CAP_CHECKPOINT_RESTORE: every name rt recognizes; index = capability number.
oci::names::List capability_names();                         // rt::oci::names::kCapabilities
std::optional<int> parse_capability(std::string_view name);  // "CAP_NET_ADMIN" -> 12
// The highest capability of the running kernel (/proc/sys/kernel/cap_last_cap), cached.
int kernel_last_capability();
// Names the running kernel knows (for `rt features`).
std::vector<std::string> kernel_capability_names();

struct CapabilityPlan {
    CapabilityMask bounding = 0;
    CapabilityMask effective = 0;
    CapabilityMask permitted = 0;
    CapabilityMask inheritable = 0;
    CapabilityMask ambient = 0;
    int last_cap = 0;  // highest capability the bounding-set drop walks over
};

// Plans process.capabilities (absent means every set empty, as runc). Everything that cannot
// be granted is left out of the plan with a warning naming the field (config.md: MUST be
// logged as a warning, SHOULD NOT fail): a name that is not a capability ("<pointer>/bounding/2:
// unknown capability \"CAP_FOO\", ignored"), a capability above last_cap, an effective one missing
// from permitted, an inheritable one outside bounding. Ambient capabilities missing from permitted
// or inheritable go to `notes` instead (logged at debug level): runc's own default config
// lists ambient capabilities without inheritable ones and runc drops them silently, so this
// is the everyday case, not a mistake worth a warning on every container.
CapabilityPlan plan_capabilities(const std::optional<oci::Capabilities>& config,
                                 std::string_view pointer, int last_cap,
                                 std::vector<std::string>* warnings,
                                 std::vector<std::string>* notes = nullptr);
// The same, with the running kernel's last_cap, logging the warnings and notes.
CapabilityPlan plan_capabilities(const std::optional<oci::Capabilities>& config,
                                 std::string_view pointer = "/process/capabilities");

// ---- child side (noexcept, no allocation)

// Drops from the bounding set every capability not in plan.bounding (needs CAP_SETPCAP).
StepResult drop_bounding_set(const CapabilityPlan& plan) noexcept;
// PR_SET_KEEPCAPS: keep the permitted set across the switch away from uid 0.
StepResult set_keep_caps(bool keep) noexcept;
// Clears keepcaps, sets effective/permitted/inheritable, then the ambient set. With
// `extra` (CAP_SYS_ADMIN while the seccomp filter still has to be loaded), those
// capabilities are held in effective and permitted beyond the plan; finish_capabilities
// drops them afterwards.
StepResult apply_capabilities(const CapabilityPlan& plan, CapabilityMask extra = 0) noexcept;
// capset to exactly the plan (drops what apply_capabilities held as `extra`).
StepResult finish_capabilities(const CapabilityPlan& plan) noexcept;

// The current process's sets, read with capget (tests, and checks in the child).
struct CapabilityState {
    CapabilityMask effective = 0, permitted = 0, inheritable = 0;
};
StepResult read_capabilities(CapabilityState* out) noexcept;

}  // namespace rt::security
