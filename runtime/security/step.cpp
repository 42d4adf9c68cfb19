#include "security/step.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "rt/error.hpp"

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
    // strerror_r (GNU or XSI) is not async-signal-safe; errno_text is a table lookup with no
    // locale or allocation.
    char reason[128];
    (void)std::snprintf(buf, size, "%s: %s", result.message,
                        errno_text(result.err, reason, sizeof reason));
}

}  // namespace rt::security
