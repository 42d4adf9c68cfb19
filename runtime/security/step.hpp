// StepResult: the outcome of one security step run in the container's child process.
//
// Steps run after clone(), where rt never throws and avoids heap allocation: a step returns
// {errno, message} in a fixed buffer, which the init sends to the parent over its sync channel
// so that the parent can print the real reason ("capset: Operation not permitted").
#pragma once

#include <cstddef>

namespace rt::security {

struct StepResult {
    int err = 0;             // errno of the failed call (EINVAL for a logical failure); 0: success
    char message[256] = {};  // what failed, without the strerror text: "capset"

    bool ok() const noexcept { return err == 0; }
    explicit operator bool() const noexcept { return ok(); }
};

inline StepResult step_ok() noexcept {
    return {};
}

// A failed step: err must be non-zero (0 becomes EINVAL). The message is printf-formatted and
// silently truncated to the buffer.
StepResult step_error(int err, const char* format, ...) noexcept
    __attribute__((format(printf, 2, 3)));

// "<message>: <strerror(err)>" into buf (for the parent's error text or a test's failure output).
void describe(const StepResult& result, char* buf, std::size_t size) noexcept;

}  // namespace rt::security
