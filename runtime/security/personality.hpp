// linux.personality: the execution domain (LINUX, or LINUX32 so uname reports a 32-bit CPU).
#pragma once

#include <string_view>

#include "rt/oci/spec.hpp"
#include "security/step.hpp"

namespace rt::security {

struct PersonalityPlan {
    unsigned long persona = 0;  // PER_LINUX or PER_LINUX32
};

// Throws rt::Error naming the field for an unknown domain or any flag (the spec defines none).
PersonalityPlan plan_personality(const oci::Personality& config,
                                 std::string_view pointer = "/linux/personality");
StepResult apply_personality(const PersonalityPlan& plan) noexcept;

}  // namespace rt::security
