// Forked test children: run a function in a child process and collect its exit status and
// what it wrote to its output pipe. The child never returns into Boost.Test; the parent
// always reaps it (killing it first if the test fails while it runs).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>

namespace rt::test {

struct ChildResult {
    int status = 0;      // waitpid status
    std::string output;  // everything the child wrote to its output fd

    bool exited(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
    bool killed_by(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
    std::string describe() const {
        std::ostringstream s;
        if (WIFEXITED(status))
            s << "exit " << WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
            s << "signal " << WTERMSIG(status);
        else
            s << "status " << status;
        s << ", output: " << output;
        return s.str();
    }
};

// Writes printf-style text to fd (from the child; no allocation, no stdio buffers).
inline void say(int fd, const char* format, ...) __attribute__((format(printf, 2, 3)));
inline void say(int fd, const char* format, ...) {
    char buf[4096];
    va_list args;
    va_start(args, format);
    int n = std::vsnprintf(buf, sizeof buf, format, args);
    va_end(args);
    if (n < 0) return;
    size_t len = std::min(static_cast<size_t>(n), sizeof buf - 1);
    size_t done = 0;
    while (done < len) {
        ssize_t w = ::write(fd, buf + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        done += static_cast<size_t>(w);
    }
}

// Kills and reaps a child when the test leaves early.
class ChildGuard {
  public:
    explicit ChildGuard(pid_t pid) : pid_(pid) {}
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;
    ~ChildGuard() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status;
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
        }
    }
    pid_t pid() const { return pid_; }
    int wait() {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return status;
    }

  private:
    pid_t pid_;
};

inline std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

// Runs fn(out_fd) in a forked child; its return value is the exit code.
inline ChildResult run_in_child(const std::function<int(int out)>& fn) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) throw std::runtime_error("pipe2 failed");
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::close(pipefd[0]);
        int rc = 127;
        try {
            rc = fn(pipefd[1]);
        } catch (...) {
            say(pipefd[1], "child threw");
        }
        ::_exit(rc);
    }
    ChildGuard guard(pid);
    ::close(pipefd[1]);
    ChildResult result;
    result.output = read_all(pipefd[0]);
    ::close(pipefd[0]);
    result.status = guard.wait();
    return result;
}

// The value of a "Name:\tvalue" line of /proc/self/status text ("" when absent).
inline std::string status_field(const std::string& status, const std::string& name) {
    std::istringstream in(status);
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, name.size() + 1, name + ":") != 0) continue;
        std::string value = line.substr(name.size() + 1);
        size_t start = value.find_first_not_of(" \t");
        if (start == std::string::npos) return "";
        size_t end = value.find_last_not_of(" \t");
        return value.substr(start, end - start + 1);
    }
    return "";
}

// Copies /proc/self/status of the calling process to fd (child side).
inline void dump_status(int fd) {
    int status_fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (status_fd < 0) return;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(status_fd, buf, sizeof buf)) > 0) {
        if (::write(fd, buf, static_cast<size_t>(n)) < 0) break;
    }
    ::close(status_fd);
}

}  // namespace rt::test
