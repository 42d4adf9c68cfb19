#include "core/foreground.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "linux/terminal.hpp"
#include "rt/error.hpp"

namespace rt::core {

int block_forwarded_signals() {
    sigset_t set;
    sigfillset(&set);
    // Signals about rt itself are not forwarded.
    for (int s : {SIGCHLD, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGPIPE, SIGTTIN, SIGTTOU})
        sigdelset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) throw Error("sigprocmask", errno);
    int fd = ::signalfd(-1, &set, SFD_CLOEXEC);
    if (fd < 0) throw Error("signalfd", errno);
    return fd;
}

namespace {
bool copy_some(int from, int to) {
    char buf[8192];
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) return false;
    ssize_t off = 0;
    while (off < n) {
        ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        off += w;
    }
    return true;
}
}  // namespace

int wait_foreground(pid_t pid, int pidfd, int signal_fd, int master_fd) {
    std::optional<linux::RawMode> raw;
    bool stdin_open = master_fd >= 0;
    if (master_fd >= 0) {
        raw.emplace(STDIN_FILENO);
        linux::copy_window_size(STDIN_FILENO, master_fd);
    }
    bool master_open = master_fd >= 0;
    for (;;) {
        pollfd fds[4] = {{pidfd, POLLIN, 0},
                         {signal_fd, POLLIN, 0},
                         {master_open ? master_fd : -1, POLLIN, 0},
                         {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
        int r = ::poll(fds, 4, -1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw Error("poll", errno);
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo si{};
            if (::read(signal_fd, &si, sizeof si) == sizeof si) {
                int sig = static_cast<int>(si.ssi_signo);
                if (sig == SIGWINCH && master_fd >= 0)
                    linux::copy_window_size(STDIN_FILENO, master_fd);
                else if (sig != SIGWINCH)
                    ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0);
            }
        }
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!copy_some(master_fd, STDOUT_FILENO)) master_open = false;
        }
        if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!copy_some(STDIN_FILENO, master_fd)) stdin_open = false;
        }
        if (fds[0].revents & POLLIN) {
            // Drain what the terminal still holds, then collect the exit status.
            if (master_open) {
                ::fcntl(master_fd, F_SETFL, O_NONBLOCK);
                while (copy_some(master_fd, STDOUT_FILENO)) {
                }
            }
            siginfo_t info{};
            while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info,
                            WEXITED) != 0) {
                if (errno != EINTR) throw Error("wait for the container process", errno);
            }
            (void)pid;
            if (info.si_code == CLD_EXITED) return info.si_status;
            return 128 + info.si_status;
        }
    }
}

}  // namespace rt::core
