#include "base/crash_point.hpp"

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

namespace rt::base {
namespace {

struct Target {
    int index = -1;  // none
    long nth = 1;
    long passed = 0;
};

Target parse_target() noexcept {
    Target t;
    const char* env = std::getenv("RT_TEST_KILL_AT");
    if (!env || !*env) return t;
    std::string_view text = env;
    std::string_view name = text.substr(0, text.find(':'));
    if (name.size() < text.size()) {
        std::string_view count = text.substr(name.size() + 1);
        long n = 0;
        auto [p, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
        if (ec != std::errc() || p != count.data() + count.size() || n < 1) return t;
        t.nth = n;
    }
    for (size_t i = 0; i < kCrashPointCount; ++i)
        if (kCrashPoints[i] == name) t.index = static_cast<int>(i);
    return t;
}

}  // namespace

void crash_point(CrashPoint point) noexcept {
    static Target target = parse_target();
    if (target.index != static_cast<int>(point)) return;
    if (++target.passed < target.nth) return;
    ::kill(::getpid(), SIGKILL);
    ::_exit(137);  // not reached: SIGKILL cannot be blocked
}

}  // namespace rt::base
