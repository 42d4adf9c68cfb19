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

// One setns(pidfd, flags) joins every namespace of the init that differs from ours: user first
// (the kernel orders it), mount, net, ipc, uts, cgroup, and the pid and time namespaces, which
// for the pid namespace only apply to children (time applies to us and our children). Joining
// the mount namespace sets our root and cwd to the namespace's root, following mounts stacked
// on it: the container's rootfs after pivot_root, and also with --no-pivot, where the init moved
// the rootfs onto / (MS_MOVE) before chroot. So no chroot is needed here (exec_test checks it).
// We stay in rt's pid namespace: nothing in the container can see this process.
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

// The process that runs the command: born in the container's pid namespace, after this
// process joined every other namespace and set up the process (credentials, capabilities,
// rlimits, cwd, fds) in the container's mount namespace and root. So from its first moment
// in the container's pid namespace it has the container's root, mount namespace and final
// credentials, and it is not dumpable (inherited from rt) until execve. It only becomes a
// session leader (setsid must be called by the process itself), loads a non-notify seccomp
// filter, and execs; a failure goes to the parent over the inherited sync socket.
[[noreturn]] void final_process(TenantPlan& plan, ChildCtx& ctx) noexcept {
    ctx.step = "session";
    if (!become_session_leader(plan.process, ctx)) child_fail_exit(ctx);
    process_exec(plan.process, ctx);
    // execve failed: the parent reads this on the sync socket (close-on-exec, so a successful
    // exec shows up there as EOF).
    child_fail_exit(ctx);
}

// CLONE_PARENT: the process is rt's child (rt waits for it and forwards signals) and this
// intermediate exits once the parent knows the pid. Plain clone(2) rather than clone3: a
// SCMP_ACT_NOTIFY filter is already loaded here, and engines' profiles allow fork-like clone.
bool step_spawn(TenantPlan& plan, ChildCtx& ctx) noexcept {
    long pid = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) return ctx.fail(errno, "clone into the container's pid namespace");
    if (pid == 0) final_process(plan, ctx);
    char text[16];
    int n = child_format(text, sizeof text, "%ld", pid);
    ::_exit(sync_send(plan.sync_fd, SyncType::Pid, text, static_cast<size_t>(n)) ? 0 : 1);
}

constexpr Step<TenantPlan> kTenantSteps[] = {
    {"wait_parent", step_wait_parent},          // Go: cgroup joined, initial CPU affinity
    {"join_namespaces", step_join_namespaces},  // user, mnt, net, ipc, uts, cgroup, pid, time
    {"process", step_process},  // console, rlimits, user, ..., caps, [notify seccomp], fds
    {"spawn", step_spawn},      // the process in the pid namespace: session, seccomp, execve
};

[[noreturn]] void tenant_main(TenantPlan& plan) noexcept {
    ChildCtx ctx;
    ctx.sync_fd = plan.sync_fd;
    run_steps(kTenantSteps, plan, ctx);  // "spawn" does not return on success
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

SpawnedProcess spawn_tenant(TenantPlan& plan, const SpawnOptions& options) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        throw Error("socketpair", errno);
    SpawnedProcess out;
    out.sync.reset(pair[0]);
    base::UniqueFd child_end(pair[1]);
    plan.sync_fd = pair[1];
    plan.close_fds.push_back(pair[0]);
    plan.process.defer_session = true;  // setsid in the final process (final_process)
    pid_t pid = clone_process(0, out.pidfd, options.cgroup_fd);
    if (pid == 0) tenant_main(plan);
    out.pid = pid;
    return out;
}

}  // namespace rt::linux
