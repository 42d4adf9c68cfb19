#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "rt/error.hpp"

extern char** environ;

namespace conformance {
namespace {

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

int make_memfd(const char* name) {
    int fd = static_cast<int>(::syscall(SYS_memfd_create, name, MFD_CLOEXEC));
    if (fd < 0) rt::throw_errno("memfd_create");
    return fd;
}

std::string read_all(int fd) {
    std::string data;
    ::lseek(fd, 0, SEEK_SET);
    char buf[16384];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
    return data;
}

std::string g_spawner;  // measure_through()

// The spawner's report: "<wait status> <wall ns> <user us> <system us> <maxrss KiB>".
bool take_report(const std::string& text, int& status, RunResult& result) {
    long long wall_ns = 0, user_us = 0, sys_us = 0;
    long maxrss = 0;
    if (std::sscanf(text.c_str(), "%d %lld %lld %lld %ld", &status, &wall_ns, &user_us, &sys_us,
                    &maxrss) != 5)
        return false;
    result.wall = std::chrono::nanoseconds(wall_ns);
    result.usage = rusage{};
    result.usage.ru_utime = timeval{static_cast<time_t>(user_us / 1000000),
                                    static_cast<suseconds_t>(user_us % 1000000)};
    result.usage.ru_stime =
        timeval{static_cast<time_t>(sys_us / 1000000), static_cast<suseconds_t>(sys_us % 1000000)};
    result.usage.ru_maxrss = maxrss;
    return true;
}

}  // namespace

void measure_through(std::string spawner) {
    g_spawner = std::move(spawner);
}

std::string RunResult::describe() const {
    std::string text = timed_out ? "timed out"
                       : signal  ? "killed by signal " + std::to_string(signal)
                                 : "exit " + std::to_string(exit_code);
    std::string tail = err.empty() ? out : err;
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    if (!tail.empty()) text += ": " + tail;
    return text;
}

RunResult run_command(const std::vector<std::string>& argv, const RunOptions& options) {
    if (argv.empty()) throw rt::Error("run_command: empty argv", rt::ErrorKind::InvalidArgument);
    Fd out(options.stdout_fd ? -1 : make_memfd("stdout"));
    Fd err(make_memfd("stderr"));
    Fd in(options.stdin_data.empty() ? ::open("/dev/null", O_RDONLY | O_CLOEXEC)
                                     : make_memfd("stdin"));
    if (in.fd < 0) rt::throw_errno("open /dev/null");
    if (!options.stdin_data.empty()) {
        if (::write(in.fd, options.stdin_data.data(), options.stdin_data.size()) !=
            static_cast<ssize_t>(options.stdin_data.size()))
            rt::throw_errno("write stdin");
        ::lseek(in.fd, 0, SEEK_SET);
    }

    // Everything the child needs is prepared before fork: it only dup2s, setns and execs.
    std::vector<std::string> env_storage;
    if (!options.clear_env) {
        for (char** e = environ; *e; ++e) {
            std::string entry = *e;
            std::string key = entry.substr(0, entry.find('='));
            bool drop = options.env_set.count(key) > 0;
            for (const auto& u : options.env_unset) drop |= u == key;
            if (!drop) env_storage.push_back(entry);
        }
    }
    for (const auto& [k, v] : options.env_set) env_storage.push_back(k + "=" + v);
    std::vector<char*> envp;
    envp.reserve(env_storage.size() + 1);
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    // Through the spawner: it gets fd 3 for its report (kReportFd) and the command after it.
    constexpr int kReportFd = 3;
    std::optional<Fd> report;
    std::vector<std::string> argv_storage;
    if (!g_spawner.empty()) {
        report.emplace(make_memfd("report"));
        argv_storage = {g_spawner, std::to_string(kReportFd)};
    }
    argv_storage.insert(argv_storage.end(), argv.begin(), argv.end());
    std::vector<char*> args;
    args.reserve(argv_storage.size() + 1);
    for (auto& a : argv_storage) args.push_back(a.data());
    args.push_back(nullptr);
    int stdout_fd = options.stdout_fd ? *options.stdout_fd : out.fd;

    auto start = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    if (pid < 0) rt::throw_errno("fork");
    if (pid == 0) {
        (void)::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        if (::dup2(in.fd, 0) < 0 || ::dup2(stdout_fd, 1) < 0 || ::dup2(err.fd, 2) < 0) _exit(126);
        if (options.netns_fd >= 0 && ::setns(options.netns_fd, CLONE_NEWNET) != 0) _exit(125);
        if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) _exit(124);
        // Last: the report fd may take the number of an fd used above (e.g. netns_fd).
        if (report) {
            // dup2 onto itself keeps FD_CLOEXEC: clear it then.
            int kept = report->fd == kReportFd ? ::fcntl(kReportFd, F_SETFD, 0)
                                               : ::dup2(report->fd, kReportFd);
            if (kept < 0) _exit(126);
        }
        ::execve(args[0], args.data(), envp.data());
        const char msg[] = "run_command: execve failed\n";
        (void)!::write(2, msg, sizeof msg - 1);
        _exit(127);
    }

    RunResult result;
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) {
        pollfd p{pidfd, POLLIN, 0};
        int ms = static_cast<int>(options.timeout.count());
        int r;
        do {
            r = ::poll(&p, 1, ms);
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
            result.timed_out = true;
            ::kill(pid, SIGKILL);
        }
        ::close(pidfd);
    }
    int status = 0;
    while (::wait4(pid, &status, 0, &result.usage) < 0 && errno == EINTR) {
    }
    result.wall = std::chrono::steady_clock::now() - start;
    if (report && !result.timed_out && !take_report(read_all(report->fd), status, result))
        throw rt::Error("run_command: " + g_spawner + " gave no report for " + argv[0] +
                        " (wait status " + std::to_string(status) + ")");
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    if (!options.stdout_fd) result.out = read_all(out.fd);
    result.err = read_all(err.fd);
    return result;
}

}  // namespace conformance
