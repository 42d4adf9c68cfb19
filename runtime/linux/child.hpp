// Code that runs in a cloned child (the container init, an exec'd process, a hook) before it
// calls execve: no exceptions, no return into the parent's stack. A step that fails records
// {step, errno, message} in the ChildCtx; the driver sends it to the parent over the sync
// socket and exits.
#pragma once

#include <cstddef>

namespace rt::linux {

struct ChildCtx {
    int sync_fd = -1;
    const char* step = "";
    int err = 0;
    char msg[512] = {};

    // Records a failure of the current step; returns false so steps can `return ctx.fail(...)`.
    bool fail(int errnum, const char* fmt, ...) noexcept __attribute__((format(printf, 3, 4)));
};

// True when snprintf's result n fit in a buffer of `size` bytes: a path cut short names
// another file, so steps that build paths from the config check this.
inline bool fits(int n, size_t size) noexcept {
    return n >= 0 && static_cast<size_t>(n) < size;
}

// A named step of a child's linear setup list.
template <class Plan>
struct Step {
    const char* name;
    bool (*run)(Plan&, ChildCtx&) noexcept;
};

// Runs steps in order; stops at the first failure (ctx holds it). A step may itself run a
// nested list, in which case ctx.step names the inner step.
template <class Plan, size_t N>
bool run_steps(const Step<Plan> (&steps)[N], Plan& plan, ChildCtx& ctx) noexcept {
    for (const auto& s : steps) {
        ctx.step = s.name;
        if (!s.run(plan, ctx)) return false;
    }
    return true;
}

// Sends the recorded failure to the parent and exits the child with status 1.
[[noreturn]] void child_fail_exit(ChildCtx& ctx) noexcept;

// Small formatting helper for child code: snprintf into a fixed buffer.
int child_format(char* buf, size_t size, const char* fmt, ...) noexcept
    __attribute__((format(printf, 3, 4)));

}  // namespace rt::linux
