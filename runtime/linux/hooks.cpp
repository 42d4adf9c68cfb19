#include "linux/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/log.hpp"
#include "rt/error.hpp"

namespace rt::linux {
namespace {

int64_t now_ms() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

bool run_hook(const oci::Hook& hook, const char* state, size_t state_len, char* err, size_t errlen,
              bool inherit_env) noexcept {
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
    pid_t pid = ::fork();
    if (pid < 0) {
        (void)std::snprintf(err, errlen, "fork: %s", errno_text(errno, text, sizeof text));
        ::close(in[0]);
        ::close(in[1]);
        ::close(out[0]);
        ::close(out[1]);
        return false;
    }
    if (pid == 0) {
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
            ::kill(pid, SIGKILL);
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
                   size_t state_len, char* err, size_t errlen, bool inherit_env) noexcept {
    for (size_t i = 0; i < hooks.size(); ++i) {
        char inner[768];
        if (!run_hook(hooks[i], state, state_len, inner, sizeof inner, inherit_env)) {
            (void)std::snprintf(err, errlen, "hook %s[%zu] %s", kind, i, inner);
            return false;
        }
    }
    return true;
}

void run_hooks(const std::vector<oci::Hook>& hooks, const char* kind, const std::string& state) {
    char err[1024];
    if (!run_hook_list(hooks, kind, state.data(), state.size(), err, sizeof err, true))
        throw Error(err, ErrorKind::Generic);
}

void run_hooks_warning_on_failure(const std::vector<oci::Hook>& hooks, const char* kind,
                                  const std::string& state) {
    for (size_t i = 0; i < hooks.size(); ++i) {
        char inner[768];
        if (run_hook(hooks[i], state.data(), state.size(), inner, sizeof inner, true)) continue;
        char line[1024];
        (void)std::snprintf(line, sizeof line, "hook %s[%zu] %s", kind, i, inner);
        base::log_warning(line);
    }
}

}  // namespace rt::linux
