#include "linux/hooks.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "base/crash_point.hpp"
#include "base/fd.hpp"
#include "base/fs.hpp"
#include "base/log.hpp"
#include "base/process.hpp"
#include "rt/error.hpp"

namespace rt::linux {
namespace {

int64_t now_ms() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

namespace {

// hook.<pid> in the state dir: "<start time>\n", written (temp + rename) before the hook may
// run and removed once it is reaped.
void record_name(char* out, size_t len, pid_t pid) noexcept {
    (void)std::snprintf(out, len, "hook.%d", static_cast<int>(pid));
}

bool write_record(int dirfd, pid_t pid) noexcept {
    auto st = base::proc_stat(pid);
    if (!st) return false;
    char name[32], tmp[40], text[32];
    record_name(name, sizeof name, pid);
    (void)std::snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    int n =
        std::snprintf(text, sizeof text, "%llu\n", static_cast<unsigned long long>(st->start_time));
    int fd = ::openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return false;
    bool ok = n > 0 && ::write(fd, text, static_cast<size_t>(n)) == n;
    ::close(fd);
    if (ok && ::renameat(dirfd, tmp, dirfd, name) == 0) return true;
    ::unlinkat(dirfd, tmp, 0);
    return false;
}

}  // namespace

bool run_hook(const oci::Hook& hook, const char* state, size_t state_len, char* err, size_t errlen,
              bool inherit_env, const HookTracking* tracking) noexcept {
    // argv/envp are built before fork (vectors of pointers into the hook's strings).
    constexpr size_t kMax = 256;
    const char* argv[kMax + 1];
    const char* envp[kMax + 1];
    size_t argc = 0, envc = 0;
    if (hook.args.empty()) {
        argv[argc++] = hook.path.c_str();
    } else {
        for (const auto& a : hook.args)
            if (argc < kMax) argv[argc++] = a.c_str();
    }
    argv[argc] = nullptr;
    for (const auto& e : hook.env)
        if (envc < kMax) envp[envc++] = e.c_str();
    envp[envc] = nullptr;
    // Without "env", a hook in the runtime namespace gets rt's environment, as runc's hooks
    // get runc's (the spec does not say; hook tools rely on PATH). Never in the container.
    char* const* env = hook.env.empty() && inherit_env ? environ : const_cast<char* const*>(envp);

    int in[2], out[2];
    char text[128];  // errno texts: this may run in the container's init (no allocation)
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) {
        (void)std::snprintf(err, errlen, "socketpair: %s", errno_text(errno, text, sizeof text));
        return false;
    }
    if (::pipe2(out, O_CLOEXEC) != 0) {
        (void)std::snprintf(err, errlen, "pipe: %s", errno_text(errno, text, sizeof text));
        ::close(in[0]);
        ::close(in[1]);
        return false;
    }
    // Runtime-namespace hooks (tracking): held on `go` until recorded, see HookTracking.
    int go[2] = {-1, -1};
    if (tracking && ::pipe2(go, O_CLOEXEC) != 0) {
        (void)std::snprintf(err, errlen, "pipe: %s", std::strerror(errno));
        ::close(in[0]);
        ::close(in[1]);
        ::close(out[0]);
        ::close(out[1]);
        return false;
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        (void)std::snprintf(err, errlen, "fork: %s", errno_text(errno, text, sizeof text));
        ::close(in[0]);
        ::close(in[1]);
        ::close(out[0]);
        ::close(out[1]);
        if (tracking) {
            ::close(go[0]);
            ::close(go[1]);
        }
        return false;
    }
    if (pid == 0) {
        if (tracking) {
            // Dies with rt. PDEATHSIG fires when the forking *thread* exits: this thread
            // waits for the hook below and goes away only with rt itself, so the signal
            // comes exactly when rt dies. The getppid() check closes the window where rt
            // died before the prctl.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            if (::getppid() != parent) ::_exit(127);
            // Its own process group: what it forks (PDEATHSIG is not inherited) stays
            // findable by the group id rt records.
            ::setpgid(0, 0);
            char byte = 0;
            ::close(go[1]);
            ssize_t r;
            while ((r = ::read(go[0], &byte, 1)) < 0 && errno == EINTR) {
            }
            if (r != 1) ::_exit(127);  // rt went away before it was recorded
        }
        ::dup2(in[1], 0);
        ::dup2(out[1], 1);
        ::dup2(out[1], 2);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(hook.path.c_str(), const_cast<char* const*>(argv), env);
        char msg[256];
        int n = std::snprintf(msg, sizeof msg, "exec: %s", errno_text(errno, text, sizeof text));
        if (n > 0) (void)!::write(2, msg, static_cast<size_t>(n));
        ::_exit(127);
    }
    ::close(in[1]);
    ::close(out[1]);
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    bool recorded = false;
    if (tracking) {
        ::setpgid(pid, pid);  // also from here: no window where the group does not exist yet
        ::close(go[0]);
        // Recorded before it may run: a crash from here on leaves delete the group to kill.
        // Without a record (a full state dir) it still runs, and still dies with rt.
        if (tracking->dirfd >= 0) recorded = write_record(tracking->dirfd, pid);
        ssize_t w;
        while ((w = ::write(go[1], "g", 1)) < 0 && errno == EINTR) {
        }
        ::close(go[1]);
        base::crash_point(base::CrashPoint::HookRunning);
    }

    // The state on stdin, then EOF. A hook that does not read stdin is fine (EPIPE ignored).
    size_t done = 0;
    while (done < state_len) {
        ssize_t n = ::send(in[0], state + done, state_len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    ::close(in[0]);

    char output[512];
    size_t outlen = 0;
    bool timed_out = false;
    int64_t deadline = hook.timeout ? now_ms() + *hook.timeout * 1000 : -1;
    bool out_open = true;
    bool exited = pidfd < 0;  // without a pidfd, fall back to waitpid below
    auto take_output = [&](const char* buf, size_t n) {
        if (outlen + n > sizeof output - 1) n = sizeof output - 1 - outlen;
        std::memcpy(output + outlen, buf, n);
        outlen += n;
    };
    while (!exited) {
        pollfd fds[2] = {{pidfd, POLLIN, 0}, {out_open ? out[0] : -1, POLLIN, 0}};
        int timeout = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            timeout = left > 0 ? static_cast<int>(left) : 0;
        }
        int r = ::poll(fds, 2, timeout);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            timed_out = r == 0;
            // The whole group: what a timed-out hook started is as stuck as the hook. The
            // group is safe to signal, its leader is our unreaped child.
            ::kill(tracking ? -pid : pid, SIGKILL);
            break;
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[512];
            ssize_t n = ::read(out[0], buf, sizeof buf);
            if (n <= 0)
                out_open = false;
            else
                take_output(buf, static_cast<size_t>(n));
        }
        if (fds[0].revents & POLLIN) exited = true;
    }
    // Whatever the hook wrote before exiting (without blocking on inheritors of its stdout).
    if (out_open) {
        ::fcntl(out[0], F_SETFL, O_NONBLOCK);
        char buf[512];
        ssize_t n;
        while ((n = ::read(out[0], buf, sizeof buf)) > 0) take_output(buf, static_cast<size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (pidfd >= 0) ::close(pidfd);
    // A hook that exited may leave processes it started on purpose (as runc's hooks may): the
    // record goes, so delete does not kill them.
    if (recorded) {
        char name[32];
        record_name(name, sizeof name, pid);
        ::unlinkat(tracking->dirfd, name, 0);
    }
    output[outlen] = '\0';
    while (outlen > 0 && (output[outlen - 1] == '\n' || output[outlen - 1] == '\r'))
        output[--outlen] = '\0';
    for (size_t i = 0; i < outlen; ++i)
        if (output[i] == '\n') output[i] = ' ';
    const char* sep = outlen ? ": " : "";
    if (timed_out) {
        (void)std::snprintf(err, errlen, "%s: timed out after %lld s%s%s", hook.path.c_str(),
                            static_cast<long long>(*hook.timeout), sep, output);
        return false;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    if (WIFEXITED(status))
        (void)std::snprintf(err, errlen, "%s: exit status %d%s%s", hook.path.c_str(),
                            WEXITSTATUS(status), sep, output);
    else
        (void)std::snprintf(err, errlen, "%s: killed by signal %d%s%s", hook.path.c_str(),
                            WTERMSIG(status), sep, output);
    return false;
}

bool run_hook_list(const std::vector<oci::Hook>& hooks, const char* kind, const char* state,
                   size_t state_len, char* err, size_t errlen, bool inherit_env,
                   const HookTracking* tracking) noexcept {
    for (size_t i = 0; i < hooks.size(); ++i) {
        char inner[768];
        if (!run_hook(hooks[i], state, state_len, inner, sizeof inner, inherit_env, tracking)) {
            (void)std::snprintf(err, errlen, "hook %s[%zu] %s", kind, i, inner);
            return false;
        }
    }
    return true;
}

void run_hooks(const std::vector<oci::Hook>& hooks, const char* kind, const std::string& state,
               int record_dirfd) {
    char err[1024];
    HookTracking tracking{record_dirfd};
    if (!run_hook_list(hooks, kind, state.data(), state.size(), err, sizeof err, true, &tracking))
        throw Error(err, ErrorKind::Generic);
}

void run_hooks_warning_on_failure(const std::vector<oci::Hook>& hooks, const char* kind,
                                  const std::string& state, int record_dirfd) {
    HookTracking tracking{record_dirfd};
    for (size_t i = 0; i < hooks.size(); ++i) {
        char inner[768];
        if (run_hook(hooks[i], state.data(), state.size(), inner, sizeof inner, true, &tracking))
            continue;
        char line[1024];
        (void)std::snprintf(line, sizeof line, "hook %s[%zu] %s", kind, i, inner);
        base::log_warning(line);
    }
}

namespace {

// The live members of process group `pgrp`, from /proc.
std::vector<pid_t> group_members(pid_t pgrp) {
    std::vector<pid_t> out;
    DIR* proc = ::opendir("/proc");
    if (!proc) return out;
    while (dirent* e = ::readdir(proc)) {
        int pid = 0;
        std::string_view name = e->d_name;
        auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
        if (ec != std::errc() || p != name.data() + name.size() || pid <= 0) continue;
        auto st = base::proc_stat(pid);
        if (st && st->pgrp == pgrp && st->state != 'Z' && st->state != 'X') out.push_back(pid);
    }
    ::closedir(proc);
    return out;
}

constexpr int kHookKillWaitMs = 5000;

}  // namespace

std::vector<std::string> kill_recorded_hooks(int dirfd) noexcept {
    std::vector<std::string> problems;
    try {
        int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
        if (dup < 0) return problems;
        DIR* dir = ::fdopendir(dup);
        if (!dir) {
            ::close(dup);
            return problems;
        }
        std::vector<std::pair<pid_t, std::string>> records;
        while (dirent* e = ::readdir(dir)) {
            std::string_view name = e->d_name;
            if (!name.starts_with("hook.")) continue;
            int pid = 0;
            auto digits = name.substr(5);
            auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
            if (ec == std::errc() && p == digits.data() + digits.size() && pid > 0)
                records.emplace_back(pid, std::string(name));
        }
        ::closedir(dir);
        for (const auto& [pgrp, name] : records) {
            uint64_t start = 0;
            try {
                std::string text = base::read_file_at(dirfd, name);
                std::from_chars(text.data(), text.data() + text.size(), start);
            } catch (const Error&) {
            }
            // The group is the hook's while its leader is the recorded process, or, once the
            // leader is gone, while members remain: a group id is not handed out again while
            // the group has a member. A live leader with another start time is a recycled pid.
            auto leader = base::proc_stat(pgrp);
            bool ours = start != 0 && (!leader || leader->start_time == start);
            std::vector<pid_t> members = ours ? group_members(pgrp) : std::vector<pid_t>{};
            if (!members.empty()) {
                // pidfds first, so that the wait below is for exactly these processes.
                std::vector<base::UniqueFd> fds;
                for (pid_t m : members)
                    fds.emplace_back(static_cast<int>(::syscall(SYS_pidfd_open, m, 0)));
                if (::kill(-pgrp, SIGKILL) != 0 && errno != ESRCH)
                    problems.push_back("kill hook process group " + std::to_string(pgrp) + ": " +
                                       std::strerror(errno));
                int64_t deadline = now_ms() + kHookKillWaitMs;
                for (const auto& fd : fds) {
                    if (!fd) continue;
                    int64_t left = deadline - now_ms();
                    if (left < 0 || !base::pidfd_wait_exit(fd.get(), static_cast<int>(left))) {
                        problems.push_back("hook process group " + std::to_string(pgrp) +
                                           ": still alive " + std::to_string(kHookKillWaitMs) +
                                           " ms after SIGKILL");
                        break;
                    }
                }
            }
            ::unlinkat(dirfd, name.c_str(), 0);
        }
    } catch (const std::exception& e) {
        problems.emplace_back(e.what());
    }
    return problems;
}

}  // namespace rt::linux
