#include "security/step.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace rt::security {

StepResult step_error(int err, const char* format, ...) noexcept {
    StepResult result;
    result.err = err != 0 ? err : EINVAL;
    va_list args;
    va_start(args, format);
    (void)std::vsnprintf(result.message, sizeof result.message, format, args);
    va_end(args);
    return result;
}

void describe(const StepResult& result, char* buf, std::size_t size) noexcept {
    if (size == 0) return;
    if (result.ok()) {
        (void)std::snprintf(buf, size, "ok");
        return;
    }
    char reason[128];
    // strerror_r (GNU or XSI) is not async-signal-safe either, but strerrordesc_np is a table
    // lookup with no locale or allocation.
    const char* text = strerrordesc_np(result.err);
    if (text == nullptr) {
        (void)std::snprintf(reason, sizeof reason, "errno %d", result.err);
        text = reason;
    }
    (void)std::snprintf(buf, size, "%s: %s", result.message, text);
}

}  // namespace rt::security
