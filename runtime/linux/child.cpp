#include "linux/child.hpp"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>

#include "linux/sync.hpp"

namespace rt::linux {

bool ChildCtx::fail(int errnum, const char* fmt, ...) noexcept {
    err = errnum;
    va_list ap;
    va_start(ap, fmt);
    (void)std::vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return false;
}

void child_fail_exit(ChildCtx& ctx) noexcept {
    if (ctx.sync_fd >= 0) sync_send_error(ctx.sync_fd, ctx.step, ctx.err, ctx.msg);
    ::_exit(1);
}

int child_format(char* buf, size_t size, const char* fmt, ...) noexcept {
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

}  // namespace rt::linux
