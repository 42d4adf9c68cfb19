#include "linux/init.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "linux/hooks.hpp"
#include "linux/mount_sources.hpp"
#include "linux/rootfs.hpp"
#include "linux/sync.hpp"
#include "rt/error.hpp"

namespace rt::linux {
namespace {

// The state JSON the parent sends with Go: "<creating state>\0<created state>".
char g_state[kSyncMaxPayload + 1];
size_t g_state_len = 0;
const char* g_created_state = "";
size_t g_created_len = 0;
// The connection of `rt start`: after start, failures are reported there (the parent is gone).
int g_start_conn = -1;

// Only with InitPlan::fork_into_pid_ns: the cloned child joins the user namespace, creates
// the pid namespace owned by it, and forks the init into it; the child itself reports the
// init's pid and exits (rt, a child subreaper, adopts the init and reaps this process).
bool step_pid_namespace(InitPlan& plan, ChildCtx& ctx) noexcept {
    if (!plan.fork_into_pid_ns) return true;
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    for (int fd : plan.close_fds) ::close(fd);
    plan.close_fds.clear();
    int userns = plan.namespaces->join_fd(CLONE_NEWUSER);
    if (::setns(userns, CLONE_NEWUSER) != 0) return ctx.fail(errno, "setns user namespace");
    if (::syscall(SYS_setresgid, 0, 0, 0) != 0) return ctx.fail(errno, "setresgid(0)");
    if (::syscall(SYS_setresuid, 0, 0, 0) != 0) return ctx.fail(errno, "setresuid(0)");
    if (::unshare(CLONE_NEWPID) != 0) return ctx.fail(errno, "unshare pid namespace");
    pid_t init = ::fork();
    if (init < 0) return ctx.fail(errno, "fork the init into the pid namespace");
    if (init == 0) return true;  // the init (pid 1): its parent dies now; see wait_parent
    char text[16];
    int n = child_format(text, sizeof text, "%d", static_cast<int>(init));
    ::_exit(sync_send(plan.sync_fd, SyncType::Pid, text, static_cast<size_t>(n)) ? 0 : 1);
}

bool step_wait_parent(InitPlan& plan, ChildCtx& ctx) noexcept {
    // Die with rt while it still sets us up (a killed `rt create` leaves no process). Cleared
    // at "ready", once the init is meant to outlive rt. A forked init sets it after Go: by
    // then its first parent is gone (and rt, which adopted it, is its parent).
    if (!plan.fork_into_pid_ns) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    for (int fd : plan.close_fds) ::close(fd);
    ::umask(0);
    SyncHeader h{};
    long n = sync_recv(plan.sync_fd, h, g_state, sizeof g_state);
    if (n < 0) return ctx.fail(EPIPE, "parent went away");
    if (h.type != SyncType::Go) return ctx.fail(EPROTO, "unexpected sync message");
    if (plan.fork_into_pid_ns) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    g_state_len = std::strlen(g_state);
    if (g_state_len < static_cast<size_t>(n)) {
        g_created_state = g_state + g_state_len + 1;
        g_created_len = static_cast<size_t>(n) - g_state_len - 1;
    }
    if (plan.new_userns) {
        // The parent wrote uid_map/gid_map: become root of the new user namespace.
        if (::syscall(SYS_setresgid, 0, 0, 0) != 0) return ctx.fail(errno, "setresgid(0)");
        if (::syscall(SYS_setresuid, 0, 0, 0) != 0) return ctx.fail(errno, "setresuid(0)");
    }
    return true;
}

bool step_join_namespaces(InitPlan& plan, ChildCtx& ctx) noexcept {
    for (const auto& j : plan.namespaces->joins) {
        // pid and time are joined by the parent before clone (they apply to children only).
        if (j.clone_flag == CLONE_NEWPID || j.clone_flag == CLONE_NEWTIME) continue;
        if (j.clone_flag == CLONE_NEWUSER && plan.fork_into_pid_ns) continue;  // done
        if (j.clone_flag & plan.joined_by_parent) continue;                    // inherited
        if (::setns(j.fd.get(), j.clone_flag) != 0)
            return ctx.fail(errno, "setns %s", j.path.c_str());
        if (j.clone_flag == CLONE_NEWUSER) {
            if (::syscall(SYS_setresgid, 0, 0, 0) != 0) return ctx.fail(errno, "setresgid(0)");
            if (::syscall(SYS_setresuid, 0, 0, 0) != 0) return ctx.fail(errno, "setresuid(0)");
        }
    }
    if (plan.unshare_flags && ::unshare(plan.unshare_flags) != 0)
        return ctx.fail(errno, "unshare namespaces 0x%x", plan.unshare_flags);
    for (const auto& j : plan.namespaces->joins) ::close(j.fd.get());
    return true;
}

bool step_cgroup_namespace(InitPlan& plan, ChildCtx& ctx) noexcept {
    // After Go: the parent has put us into the container's cgroup.
    if (plan.unshare_cgroup && ::unshare(CLONE_NEWCGROUP) != 0)
        return ctx.fail(errno, "unshare cgroup namespace");
    return true;
}

bool step_session_keyring(InitPlan& plan, ChildCtx& ctx) noexcept {
    if (plan.no_new_keyring) return true;
    char name[128];
    (void)std::snprintf(name, sizeof name, "_ses.%.100s", plan.id.c_str());
    constexpr int kJoinSessionKeyring = 1;           // KEYCTL_JOIN_SESSION_KEYRING
    constexpr int kSetPerm = 5;                      // KEYCTL_SETPERM
    constexpr int kDescribe = 6;                     // KEYCTL_DESCRIBE
    constexpr unsigned long kUserSearch = 0x080000;  // KEY_USR_SEARCH
    long id = ::syscall(SYS_keyctl, kJoinSessionKeyring, name, 0, 0, 0);
    if (id < 0) {
        if (errno == ENOSYS) return true;
        return ctx.fail(errno, "join session keyring %s", name);
    }
    // As runc: the keyring's user may also search it. Describe: "type;uid;gid;perm;desc".
    char desc[256];
    long n = ::syscall(SYS_keyctl, kDescribe, id, desc, sizeof desc - 1, 0);
    if (n <= 0) return true;
    desc[std::min<long>(n, static_cast<long>(sizeof desc) - 1)] = '\0';
    const char* p = desc;
    for (int field = 0; field < 3 && p; ++field) {
        p = std::strchr(p, ';');
        if (p) ++p;
    }
    if (!p) return true;
    unsigned long perm = std::strtoul(p, nullptr, 16);
    // Best effort: a same-named keyring of another owner (another --root) stays as it is.
    ::syscall(SYS_keyctl, kSetPerm, id, perm | kUserSearch, 0, 0);
    return true;
}

bool step_parent_hooks(InitPlan& plan, ChildCtx& ctx) noexcept {
    if (!plan.parent_hooks) return true;
    if (!sync_send(plan.sync_fd, SyncType::RunHooks)) return ctx.fail(errno, "sync");
    SyncHeader h{};
    char buf[64];
    if (sync_recv(plan.sync_fd, h, buf, sizeof buf) < 0 || h.type != SyncType::HooksDone)
        return ctx.fail(EPIPE, "parent did not finish the hooks");
    return true;
}

bool step_create_container_hooks(InitPlan& plan, ChildCtx& ctx) noexcept {
    if (!plan.spec->hooks || plan.spec->hooks->createContainer.empty()) return true;
    if (!run_hook_list(plan.spec->hooks->createContainer, "createContainer", g_state, g_state_len,
                       ctx.msg, sizeof ctx.msg)) {
        ctx.err = 0;
        return false;
    }
    return true;
}

bool step_console(InitPlan& plan, ChildCtx& ctx) noexcept {
    // Created inside the container's devpts, before read-only paths and root.readonly.
    plan.process.console_mount = true;
    if (!linux::step_console(plan.process, ctx)) return false;
    plan.process.terminal = false;  // done: the process steps skip it
    plan.process.new_session = false;
    return true;
}

bool step_hostname(InitPlan& plan, ChildCtx& ctx) noexcept {
    const auto& h = plan.spec->hostname;
    if (h && ::sethostname(h->data(), h->size()) != 0)
        return ctx.fail(errno, "sethostname \"%s\"", h->c_str());
    const auto& d = plan.spec->domainname;
    if (d && ::setdomainname(d->data(), d->size()) != 0)
        return ctx.fail(errno, "setdomainname \"%s\"", d->c_str());
    return true;
}

bool step_sysctl(InitPlan& plan, ChildCtx& ctx) noexcept {
    if (!plan.spec->linux) return true;
    for (const auto& [key, value] : plan.spec->linux->sysctl) {
        char path[512];
        // A longer key must fail: truncated, it could name another sysctl and write that.
        int len = std::snprintf(path, sizeof path, "/proc/sys/%s", key.c_str());
        if (len < 0 || static_cast<size_t>(len) >= sizeof path)
            return ctx.fail(ENAMETOOLONG, "sysctl %.64s...: name too long", key.c_str());
        for (char* p = path + 10; *p; ++p)
            if (*p == '.') *p = '/';
        int fd = ::open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) return ctx.fail(errno, "sysctl %s", key.c_str());
        ssize_t n = ::write(fd, value.data(), value.size());
        int e = errno;
        ::close(fd);
        if (n < 0) return ctx.fail(e, "sysctl %s = %s", key.c_str(), value.c_str());
    }
    return true;
}

bool step_process(InitPlan& plan, ChildCtx& ctx) noexcept {
    return run_process_steps(plan.process, ctx);
}

bool step_ready(InitPlan& plan, ChildCtx& ctx) noexcept {
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (!sync_send(plan.sync_fd, SyncType::Ready)) return ctx.fail(errno, "send ready");
    ::close(plan.sync_fd);
    ctx.sync_fd = -1;  // from now on, failures go to `rt start`
    return true;
}

// Blocks until `rt start` connects to exec.sock and sends one byte. The connection stays open
// (close-on-exec): start reads EOF when execve succeeded, or our error message.
bool step_wait_start(InitPlan& plan, ChildCtx& ctx) noexcept {
    for (;;) {
        int conn = ::accept4(plan.start_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return ctx.fail(errno, "accept start connection");
        }
        char c = 0;
        ssize_t n;
        do {
            n = ::read(conn, &c, 1);
        } while (n < 0 && errno == EINTR);
        if (n == 1) {
            g_start_conn = conn;
            break;
        }
        ::close(conn);  // a caller that went away before starting us: keep waiting
    }
    ::close(plan.start_fd);
    return true;
}

bool step_start_container_hooks(InitPlan& plan, ChildCtx& ctx) noexcept {
    if (!plan.spec->hooks || plan.spec->hooks->startContainer.empty()) return true;
    const char* st = g_created_len ? g_created_state : g_state;
    size_t len = g_created_len ? g_created_len : g_state_len;
    if (!run_hook_list(plan.spec->hooks->startContainer, "startContainer", st, len, ctx.msg,
                       sizeof ctx.msg)) {
        ctx.err = 0;
        return false;
    }
    return true;
}

// The container init, top to bottom. Issue 4 (cgroups) acts in the parent between clone and
// "wait_parent"; issue 5 (security) adds its steps inside the process list (process.cpp).
constexpr Step<InitPlan> kInitSteps[] = {
    {"pid_namespace", step_pid_namespace},      // only for a joined user ns + new pid ns
    {"wait_parent", step_wait_parent},          // Go: id maps, oom_score_adj, cgroup done
    {"join_namespaces", step_join_namespaces},  // setns `path` namespaces, user first
    {"mount_sources", step_mount_sources},      // user ns: bind sources opened by rt
    {"cgroup_namespace", step_cgroup_namespace},
    {"session_keyring", step_session_keyring},
    {"rootfs_propagation", step_rootfs_propagation},
    {"bind_rootfs", step_bind_rootfs},
    {"mounts", step_mounts},
    {"devices", step_devices},
    {"create_cwd", step_create_cwd},
    {"hooks_createRuntime", step_parent_hooks},  // parent runs prestart + createRuntime
    {"hooks_createContainer", step_create_container_hooks},
    {"pivot_root", step_pivot_root},
    {"console", step_console},
    {"hostname", step_hostname},
    {"sysctl", step_sysctl},
    {"readonly_paths", step_readonly_paths},
    {"masked_paths", step_masked_paths},
    {"root_propagation", step_root_propagation},  // linux.rootfsPropagation on /
    {"root_readonly", step_root_readonly},
    {"process", step_process},  // rlimits, user, umask, cwd, env, NNP, [caps, seccomp], fds
    {"ready", step_ready},
    {"wait_start", step_wait_start},
    {"hooks_startContainer", step_start_container_hooks},
};

// After "ready", the parent is gone: report to `rt start` through its connection.
[[noreturn]] void fail_to_start_conn(ChildCtx& ctx) noexcept {
    if (g_start_conn >= 0) {
        char line[700], text[128];
        int n = ctx.err ? std::snprintf(line, sizeof line, "%s: %s", ctx.msg,
                                        errno_text(ctx.err, text, sizeof text))
                        : std::snprintf(line, sizeof line, "%s", ctx.msg);
        if (n > 0) (void)!::write(g_start_conn, line, static_cast<size_t>(n));
    }
    ::_exit(127);
}

}  // namespace

void container_init(InitPlan& plan) noexcept {
    ChildCtx ctx;
    ctx.sync_fd = plan.sync_fd;
    if (!run_steps(kInitSteps, plan, ctx)) {
        if (ctx.sync_fd >= 0) child_fail_exit(ctx);
        fail_to_start_conn(ctx);
    }
    process_exec(plan.process, ctx);
    fail_to_start_conn(ctx);
}

}  // namespace rt::linux
