#include "base/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "rt/error.hpp"

namespace rt::base {

std::optional<ProcStat> proc_stat(pid_t pid) noexcept {
    char path[64];
    (void)std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char buf[1024];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return std::nullopt;
    buf[n] = '\0';
    // comm may contain spaces and parentheses: fields resume after the last ')'.
    char* p = std::strrchr(buf, ')');
    if (!p || p[1] == '\0') return std::nullopt;
    p += 2;
    ProcStat st;
    st.state = *p;
    // After the state (field 3), skip to field 5 (pgrp), then to field 22.
    int field = 3;
    while (*p && field < 5) {
        if (*p == ' ') ++field;
        ++p;
    }
    int pgrp = 0;
    std::from_chars(p, buf + n, pgrp);
    st.pgrp = pgrp;
    while (*p && field < 22) {
        if (*p == ' ') ++field;
        ++p;
    }
    std::from_chars(p, buf + n, st.start_time);
    return st;
}

std::optional<pid_t> pid_in_own_namespace(pid_t pid) noexcept {
    char path[64];
    (void)std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return std::nullopt;
    buf[n] = '\0';
    const char* line = std::strstr(buf, "\nNSpid:");
    if (!line) return pid;  // kernels without NSpid (< 4.1): no nesting visible, as the host
    const char* end = std::strchr(line + 1, '\n');
    if (!end) end = buf + n;
    // The last number on the line is the innermost namespace's view.
    const char* p = end;
    while (p > line && (p[-1] == ' ' || p[-1] == '\t')) --p;
    const char* last = p;
    while (last > line && last[-1] >= '0' && last[-1] <= '9') --last;
    pid_t inner = 0;
    if (std::from_chars(last, p, inner).ec != std::errc{} || inner <= 0) return std::nullopt;
    return inner;
}

bool process_alive(pid_t pid, uint64_t start_time) noexcept {
    if (pid <= 0) return false;
    auto st = proc_stat(pid);
    if (!st || st->state == 'Z' || st->state == 'X') return false;
    return start_time == 0 || st->start_time == start_time;
}

UniqueFd open_pidfd(pid_t pid, uint64_t start_time) {
    if (pid <= 0) return {};  // no process (pidfd_open would fail with EINVAL)
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) {
        if (errno == ESRCH) return {};
        throw Error("pidfd_open " + std::to_string(pid), errno);
    }
    UniqueFd pidfd(fd);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    // The pidfd pins this exact process; if it is the one we expect, it stays the one.
    if (!process_alive(pid, start_time)) return {};
    return pidfd;
}

void pidfd_signal(int pidfd, int sig) {
    if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) != 0)
        throw Error("send signal " + std::to_string(sig), errno);
}

bool pidfd_wait_exit(int pidfd, int timeout_ms) {
    pollfd p{pidfd, POLLIN, 0};
    for (;;) {
        int r = ::poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw Error("poll pidfd", errno);
        return r > 0;
    }
}

namespace {
struct SignalName {
    const char* name;
    int number;
};
constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},   {"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

bool parse_int(std::string_view s, int& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

int parse_signal(std::string_view text) {
    auto bad = [&] {
        return Error("invalid signal \"" + std::string(text) + "\"", ErrorKind::InvalidArgument);
    };
    int number = 0;
    if (parse_int(text, number)) {
        if (number <= 0 || number > SIGRTMAX) throw bad();
        return number;
    }
    std::string upper;
    for (char c : text) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    std::string_view name = upper;
    if (name.starts_with("SIG")) name.remove_prefix(3);
    for (const auto& s : kSignals)
        if (name == s.name) return s.number;
    // RTMIN, RTMIN+n, RTMAX, RTMAX-n
    if (name.starts_with("RTMIN") || name.starts_with("RTMAX")) {
        bool min = name[3] == 'I';
        std::string_view rest = name.substr(5);
        int offset = 0;
        if (!rest.empty()) {
            if ((min && rest[0] != '+') || (!min && rest[0] != '-')) throw bad();
            if (!parse_int(rest.substr(1), offset)) throw bad();
        }
        int sig = min ? SIGRTMIN + offset : SIGRTMAX - offset;
        if (sig < SIGRTMIN || sig > SIGRTMAX) throw bad();
        return sig;
    }
    throw bad();
}

const char* signal_name(int sig) {
    static thread_local char buf[16];
    for (const auto& s : kSignals) {
        if (s.number == sig) {
            (void)std::snprintf(buf, sizeof buf, "SIG%s", s.name);
            return buf;
        }
    }
    return nullptr;
}

}  // namespace rt::base
