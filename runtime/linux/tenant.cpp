#include "linux/tenant.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

#include "base/fs.hpp"
#include "linux/namespaces.hpp"
#include "linux/sync.hpp"
#include "rt/error.hpp"

namespace rt::linux {
namespace {

bool step_wait_parent(TenantPlan& plan, ChildCtx& ctx) noexcept {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    for (int fd : plan.close_fds) ::close(fd);
    SyncHeader h{};
    char buf[64];
    if (sync_recv(plan.sync_fd, h, buf, sizeof buf) < 0 || h.type != SyncType::Go)
        return ctx.fail(EPIPE, "parent went away");
    return true;
}

// Joining the mount namespace sets our root to the namespace's root, following mounts stacked
// on it: the container's rootfs after pivot_root, and also with --no-pivot, where the init moved
// the rootfs onto / (MS_MOVE) before chroot. So no chroot is needed here (exec_test checks it).
bool step_join_namespaces(TenantPlan& plan, ChildCtx& ctx) noexcept {
    if (plan.join_flags && ::setns(plan.init_pidfd, plan.join_flags) != 0)
        return ctx.fail(errno, "setns into the container's namespaces (0x%x)", plan.join_flags);
    ::close(plan.init_pidfd);
    if (plan.root_fd >= 0) {
        if (::fchdir(plan.root_fd) != 0 || ::chroot(".") != 0)
            return ctx.fail(errno, "chroot into the container's root");
        ::close(plan.root_fd);
    }
    return true;
}

bool step_process(TenantPlan& plan, ChildCtx& ctx) noexcept {
    return run_process_steps(plan.process, ctx);
}

bool step_ready(TenantPlan& plan, ChildCtx& ctx) noexcept {
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (!sync_send(plan.sync_fd, SyncType::Ready)) return ctx.fail(errno, "send ready");
    return true;
}

constexpr Step<TenantPlan> kTenantSteps[] = {
    {"wait_parent", step_wait_parent},          // Go: cgroup joined (issue 4)
    {"join_namespaces", step_join_namespaces},  // user, mnt, net, ipc, uts, cgroup
    {"process", step_process},                  // console, rlimits, user, ..., [caps, seccomp], fds
    {"ready", step_ready},
};

[[noreturn]] void tenant_main(TenantPlan& plan) noexcept {
    ChildCtx ctx;
    ctx.sync_fd = plan.sync_fd;
    if (!run_steps(kTenantSteps, plan, ctx)) child_fail_exit(ctx);
    process_exec(plan.process, ctx);
    // execve failed after Ready: the parent reads this on the sync socket (close-on-exec, so
    // a successful exec shows up there as EOF).
    child_fail_exit(ctx);
}

}  // namespace

int differing_namespaces(pid_t pid) {
    int flags = 0;
    for (const auto& k : namespace_kinds()) {
        std::string theirs = "/proc/" + std::to_string(pid) + "/ns/" + k.proc_name;
        std::string ours = std::string("/proc/self/ns/") + k.proc_name;
        struct stat a {
        }, b{};
        if (::stat(theirs.c_str(), &a) != 0) {
            if (errno == ENOENT) continue;  // kernel without this namespace kind
            throw Error("stat " + theirs, errno);
        }
        if (::stat(ours.c_str(), &b) != 0) continue;
        if (a.st_ino != b.st_ino || a.st_dev != b.st_dev) flags |= k.clone_flag;
    }
    return flags;
}

SpawnedProcess spawn_tenant(TenantPlan& plan, pid_t init_pid, int pidns_flags,
                            const SpawnOptions& options) {
    (void)init_pid;
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        throw Error("socketpair", errno);
    SpawnedProcess out;
    out.sync.reset(pair[0]);
    base::UniqueFd child_end(pair[1]);
    plan.sync_fd = pair[1];
    plan.close_fds.push_back(pair[0]);

    // pid and time namespaces apply to children: enter them for the clone only.
    base::UniqueFd saved_pid, saved_time;
    if (pidns_flags & CLONE_NEWPID)
        saved_pid = base::open_fd("/proc/self/ns/pid_for_children", O_RDONLY);
    if (pidns_flags & CLONE_NEWTIME)
        saved_time = base::open_fd("/proc/self/ns/time_for_children", O_RDONLY);
    if (pidns_flags && ::setns(plan.init_pidfd, pidns_flags) != 0)
        throw Error("setns into the container's pid/time namespace", errno);
    pid_t pid;
    try {
        pid = clone_process(0, out.pidfd, options.cgroup_fd);
    } catch (...) {
        if (saved_pid) ::setns(saved_pid.get(), CLONE_NEWPID);
        if (saved_time) ::setns(saved_time.get(), CLONE_NEWTIME);
        throw;
    }
    if (pid == 0) tenant_main(plan);
    if (saved_pid) ::setns(saved_pid.get(), CLONE_NEWPID);
    if (saved_time) ::setns(saved_time.get(), CLONE_NEWTIME);
    out.pid = pid;
    return out;
}

}  // namespace rt::linux
