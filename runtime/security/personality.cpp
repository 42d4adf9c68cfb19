#include "security/personality.hpp"

#include <sys/personality.h>

#include <cerrno>
#include <string>

#include "rt/error.hpp"

namespace rt::security {

PersonalityPlan plan_personality(const oci::Personality& config, std::string_view pointer) {
    const std::string base(pointer);
    if (!config.domain) throw Error(base + "/domain: required", ErrorKind::InvalidArgument);
    PersonalityPlan plan;
    if (*config.domain == "LINUX")
        plan.persona = PER_LINUX;
    else if (*config.domain == "LINUX32")
        plan.persona = PER_LINUX32;
    else
        throw Error(base + "/domain: unknown domain \"" + *config.domain + "\"",
                    ErrorKind::InvalidArgument);
    if (!config.flags.empty())
        throw Error(base + "/flags/0: unknown flag \"" + config.flags[0] +
                        "\" (the runtime-spec defines none)",
                    ErrorKind::InvalidArgument);
    return plan;
}

StepResult apply_personality(const PersonalityPlan& plan) noexcept {
    if (::personality(plan.persona) < 0) return step_error(errno, "personality");
    return step_ok();
}

}  // namespace rt::security
