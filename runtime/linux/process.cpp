#include "linux/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "linux/sync.hpp"
#include "linux/terminal.hpp"
#include "rt/error.hpp"

namespace rt::linux {
namespace {

struct RlimitName {
    const char* name;
    int resource;
};
constexpr RlimitName kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

const char* env_value(const ProcessPlan& plan, const char* name) noexcept {
    size_t len = std::strlen(name);
    for (char* e : plan.envp) {
        if (!e) break;
        if (std::strncmp(e, name, len) == 0 && e[len] == '=') return e + len + 1;
    }
    return nullptr;
}

bool step_rlimits(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    for (const auto& l : plan.rlimits) {
        if (::setrlimit(l.resource, &l.value) != 0)
            return ctx.fail(errno, "setrlimit %s soft %llu hard %llu", l.name,
                            static_cast<unsigned long long>(l.value.rlim_cur),
                            static_cast<unsigned long long>(l.value.rlim_max));
    }
    return true;
}

bool step_user(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    if (plan.set_groups) {
        if (::syscall(SYS_setgroups, plan.additional_gids.size(), plan.additional_gids.data()) != 0)
            return ctx.fail(errno, "setgroups (additionalGids)");
    }
    if (::syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0)
        return ctx.fail(errno, "setgid %u", plan.gid);
    if (::syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0)
        return ctx.fail(errno, "setuid %u", plan.uid);
    return true;
}

// As runc (fixStdioPermissions): stdio (a pty slave, pipes or files rt was handed) is given
// to the process's uid, its gid kept (devpts' gid= option), so that a non-root process can
// use its console and reopen /dev/stdout. Skipped for /dev/null and what the uid already
// owns; an inode this namespace cannot chown (EINVAL, EPERM: unmapped owner or gid in a user
// namespace; EROFS) is left alone, as runc does. Before setuid: needs CAP_CHOWN.
bool step_stdio_owner(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    struct stat null {};
    if (::stat("/dev/null", &null) != 0) return ctx.fail(errno, "stat /dev/null");
    for (int fd = 0; fd <= 2; ++fd) {
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            if (errno == EBADF) continue;  // a closed stdio fd: nothing to give
            return ctx.fail(errno, "fstat stdio fd %d", fd);
        }
        if (st.st_uid == plan.uid || (S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev)) continue;
        if (::fchown(fd, plan.uid, st.st_gid) != 0 && errno != EINVAL && errno != EPERM &&
            errno != EROFS)
            return ctx.fail(errno, "chown stdio fd %d to uid %u", fd, plan.uid);
    }
    return true;
}

bool step_umask(ProcessPlan& plan, ChildCtx&) noexcept {
    if (plan.umask >= 0) ::umask(static_cast<mode_t>(plan.umask));
    return true;
}

bool step_cwd(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    const char* cwd = plan.cwd.empty() ? "/" : plan.cwd.c_str();
    if (::chdir(cwd) != 0) return ctx.fail(errno, "chdir to cwd \"%s\"", cwd);
    // CVE-2024-21626: a cwd reached through a leaked host fd is outside our root; the kernel
    // then reports it as unreachable (getcwd fails or does not start with '/').
    char buf[PATH_MAX];
    long n = ::syscall(SYS_getcwd, buf, sizeof buf);
    if (n < 0) return ctx.fail(errno, "cwd \"%s\" is not inside the container", cwd);
    if (buf[0] != '/') return ctx.fail(EPERM, "cwd \"%s\" is outside the container", cwd);
    return true;
}

// HOME from the container's /etc/passwd when the process env has none (as runc does).
bool step_env(ProcessPlan& plan, ChildCtx&) noexcept {
    if (env_value(plan, "HOME")) return true;
    const char* home = "/";
    char line[1024];
    static char found[PATH_MAX];
    if (FILE* f = std::fopen("/etc/passwd", "re")) {
        while (std::fgets(line, sizeof line, f)) {
            // name:pw:uid:gid:gecos:home:shell
            char* fields[7] = {};
            int n = 0;
            char* p = line;
            fields[n++] = p;
            while (*p && n < 7) {
                if (*p == ':') {
                    *p = '\0';
                    fields[n++] = p + 1;
                }
                ++p;
            }
            if (n < 6) continue;
            if (std::strtoul(fields[2], nullptr, 10) == plan.uid && fields[2][0] != '\0') {
                (void)std::snprintf(found, sizeof found, "%s", fields[5]);
                home = found;
                break;
            }
        }
        (void)std::fclose(f);
    }
    (void)std::snprintf(plan.home_env, sizeof plan.home_env, "HOME=%s", home);
    // envp keeps a spare slot before its NULL terminator.
    size_t i = 0;
    while (plan.envp[i]) ++i;
    plan.envp[i] = plan.home_env;
    if (i + 1 < plan.envp.size()) plan.envp[i + 1] = nullptr;
    return true;
}

bool is_executable(const char* path) noexcept {
    struct stat st {};
    return ::stat(path, &st) == 0 && S_ISREG(st.st_mode) && ::access(path, X_OK) == 0;
}

// Found and executable by the process (after setuid), at create as runc does, so that an
// engine learns it from `create`. The texts are runc's (Go's exec.LookPath): docker and podman
// exit 127 on "no such file or directory" / "executable file not found" and 126 on
// "permission denied", matching these words.
bool step_executable(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    const char* name = plan.argv[0];
    if (std::strchr(name, '/')) {
        (void)std::snprintf(plan.exec_path, sizeof plan.exec_path, "%s", name);
        struct stat st {};
        if (::stat(name, &st) != 0) return ctx.fail(errno, "exec: \"%s\": stat %s", name, name);
        // runc: a directory or a file without any x bit is EACCES ("permission denied").
        if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0)
            return ctx.fail(EACCES, "exec: \"%s\"", name);
        // x bits for someone else, or a noexec mount: what execve would refuse.
        if (::access(name, X_OK) != 0) return ctx.fail(errno, "exec: \"%s\"", name);
        return true;
    }
    const char* path = env_value(plan, "PATH");
    if (path) {
        const char* p = path;
        while (true) {
            const char* end = std::strchr(p, ':');
            size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
            // A candidate cut short would name another file: skip it (execve would refuse it).
            int n = std::snprintf(plan.exec_path, sizeof plan.exec_path, "%.*s/%s",
                                  static_cast<int>(len ? len : 1), len ? p : ".", name);
            if (fits(n, sizeof plan.exec_path) && is_executable(plan.exec_path)) return true;
            if (!end) break;
            p = end + 1;
        }
    }
    return ctx.fail(0, "exec: \"%s\": executable file not found in $PATH", name);
}

// rt::security's steps report a StepResult; the driver wants ctx.fail.
bool security_result(const security::StepResult& r, ChildCtx& ctx) noexcept {
    return r ? true : ctx.fail(r.err, "%s", r.message);
}

bool step_security_attributes(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    return security_result(security::apply_process_attributes(plan.security), ctx);
}

bool step_bounding_set(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    return security_result(security::begin_user_switch(plan.security), ctx);
}

// Capabilities (ambient last), no_new_privileges, the final CPU affinity.
bool step_capabilities(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    return security_result(security::apply_final_privileges(plan.security), ctx);
}

// Loads the filter; with SCMP_ACT_NOTIFY, hands the listener fd to the parent (which passes
// it to the seccomp agent) before anything but write(2) runs under the filter.
bool load_seccomp(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    int notify_fd = -1;
    if (!security_result(security::load_process_seccomp(plan.security, &notify_fd), ctx))
        return false;
    if (notify_fd >= 0) {
        if (!sync_send_seccomp_fd(ctx.sync_fd, notify_fd))
            return ctx.fail(errno, "send the seccomp notify fd to rt");
        SyncHeader h{};
        char buf[64];
        if (sync_recv(ctx.sync_fd, h, buf, sizeof buf) < 0 || h.type != SyncType::SeccompDone)
            return ctx.fail(EPIPE, "rt did not take the seccomp notify fd");
        ::close(notify_fd);
    }
    return security_result(security::finish_process_security(plan.security), ctx);
}

bool uses_notify(const ProcessPlan& plan) noexcept {
    return plan.security.seccomp && plan.security.seccomp->notify;
}

bool step_seccomp_notify(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    return uses_notify(plan) ? load_seccomp(plan, ctx) : true;
}

bool step_seccomp(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    return uses_notify(plan) ? true : load_seccomp(plan, ctx);
}

// Nothing but 0-2 and the preserved fds survives execve (CVE-2024-21626): every other fd is
// marked close-on-exec (our own sync fds stay usable until the exec itself).
bool step_close_fds(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    unsigned first = 3u + static_cast<unsigned>(plan.preserve_fds);
    if (::syscall(SYS_close_range, first, ~0u, CLOSE_RANGE_CLOEXEC) != 0)
        return ctx.fail(errno, "close_range");
    for (int fd = 3; fd < static_cast<int>(first); ++fd) {
        int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0) ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    return true;
}

constexpr Step<ProcessPlan> kProcessSteps[] = {
    {"console", step_console},
    {"rlimits", step_rlimits},
    {"security_attributes", step_security_attributes},
    {"bounding_set", step_bounding_set},
    {"stdio_owner", step_stdio_owner},
    {"user", step_user},
    {"umask", step_umask},
    {"cwd", step_cwd},
    {"env", step_env},
    {"executable", step_executable},
    {"capabilities", step_capabilities},
    {"seccomp_notify", step_seccomp_notify},
    {"close_fds", step_close_fds},
};

bool step_signal_mask(ProcessPlan&, ChildCtx& ctx) noexcept {
    sigset_t none;
    sigemptyset(&none);
    if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) return ctx.fail(errno, "sigprocmask");
    return true;
}

// Right before execve, after `rt start` (init) or Ready (exec): only what must come last.
constexpr Step<ProcessPlan> kFinalSteps[] = {
    {"signal_mask", step_signal_mask},  // rt run/exec block signals for forwarding
    // Last, after setuid and the start rendezvous: rt's own setup syscalls are not filtered.
    {"seccomp", step_seccomp},
};

}  // namespace

int rlimit_resource(const std::string& name) {
    for (const auto& r : kRlimits)
        if (name == r.name) return r.resource;
    return -1;
}

ProcessPlan build_process_plan(const oci::Process& process, const std::string& origin) {
    ProcessPlan plan;
    plan.spec = &process;
    if (process.args.empty())
        throw Error(origin + "/args: must be a non-empty array", ErrorKind::InvalidArgument);
    plan.args = process.args;
    plan.env = process.env;
    plan.cwd = process.cwd.empty() ? "/" : process.cwd;
    plan.uid = process.user.uid;
    plan.gid = process.user.gid;
    plan.additional_gids.assign(process.user.additionalGids.begin(),
                                process.user.additionalGids.end());
    if (process.user.umask) plan.umask = static_cast<int>(*process.user.umask & 07777);
    for (size_t i = 0; i < process.rlimits.size(); ++i) {
        const auto& r = process.rlimits[i];
        int res = -1;
        const char* name = nullptr;
        for (const auto& k : kRlimits) {
            if (r.type == k.name) {
                res = k.resource;
                name = k.name;
            }
        }
        if (res < 0)
            throw Error(origin + "/rlimits/" + std::to_string(i) + "/type: unknown rlimit \"" +
                            r.type + "\"",
                        ErrorKind::InvalidArgument);
        if (r.soft > r.hard)
            throw Error(origin + "/rlimits/" + std::to_string(i) + ": soft limit above hard limit",
                        ErrorKind::InvalidArgument);
        plan.rlimits.push_back({res, {r.soft, r.hard}, name});
    }
    plan.terminal = process.terminal;
    if (process.consoleSize) {
        plan.rows = static_cast<unsigned short>(process.consoleSize->height);
        plan.cols = static_cast<unsigned short>(process.consoleSize->width);
    }
    return plan;
}

// After the plan is moved into place its strings do not move again; argv/envp are built last.
static void build_arrays(ProcessPlan& plan) {
    plan.argv.clear();
    for (auto& a : plan.args) plan.argv.push_back(a.data());
    plan.argv.push_back(nullptr);
    plan.envp.clear();
    for (auto& e : plan.env) plan.envp.push_back(e.data());
    plan.envp.push_back(nullptr);
    plan.envp.push_back(nullptr);  // spare slot for HOME
}

bool run_process_steps(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    build_arrays(plan);
    return run_steps(kProcessSteps, plan, ctx);
}

void process_exec(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    if (!run_steps(kFinalSteps, plan, ctx)) return;
    ctx.step = "exec";
    ::execve(plan.exec_path, plan.argv.data(), plan.envp.data());
    ctx.fail(errno, "exec: \"%s\"", plan.argv[0]);
}

bool step_console(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    if (plan.new_session && !plan.defer_session && ::setsid() < 0 && errno != EPERM)
        return ctx.fail(errno, "setsid");
    if (!plan.terminal) return true;
    return setup_container_console(plan.console_socket_fd, plan.rows, plan.cols, plan.console_mount,
                                   !plan.defer_session, ctx);
}

bool become_session_leader(ProcessPlan& plan, ChildCtx& ctx) noexcept {
    if (!plan.new_session || !plan.defer_session) return true;
    if (::setsid() < 0) return ctx.fail(errno, "setsid");
    if (plan.terminal && ::ioctl(0, TIOCSCTTY, 0) != 0)
        return ctx.fail(errno, "set controlling terminal");
    return true;
}

}  // namespace rt::linux
