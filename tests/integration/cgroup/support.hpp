// Helpers for the cgroup integration tests: forked test processes that wait to be placed
// in a cgroup before they run, unique cgroup names, and the leak check over the hierarchies.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cgroup/layout.hpp"
#include "cgroup/manager.hpp"

namespace cgit {

// Every cgroup a test creates has this prefix, so the leak check finds ours only (other
// engineers run their tests on the same host at the same time).
inline std::string prefix() {
    return "rtcgt" + std::to_string(::getpid());
}
inline std::string unique_name() {
    static int n = 0;
    return prefix() + "-" + std::to_string(++n);
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

inline bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// The message of what f throws; "" when it does not throw.
inline std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

inline void sleep_ms(long ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// Polls `check` every 20 ms for up to 10 s (containers and the kernel act asynchronously).
inline bool eventually(const std::function<bool()>& check) {
    for (int i = 0; i < 500; ++i) {
        if (check()) return true;
        sleep_ms(20);
    }
    return check();
}

// The pids in the cgroup.procs of cgroup directory `dir`, sorted.
inline std::vector<pid_t> procs_of(const std::string& dir) {
    std::vector<pid_t> out;
    std::istringstream in(slurp(dir + "/cgroup.procs"));
    pid_t p;
    while (in >> p) out.push_back(p);
    std::sort(out.begin(), out.end());
    return out;
}

// A forked process that blocks until release(), so the test can put it in a cgroup first.
// body(report_fd) runs in the child; its return value is the exit code. The child never
// returns into the test framework. Killed and reaped on destruction.
class Child {
  public:
    explicit Child(const std::function<int(int)>& body) {
        int go[2], rep[2];
        if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(rep, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork");
        if (pid_ == 0) {
            ::close(go[1]);
            ::close(rep[0]);
            char c;
            if (::read(go[0], &c, 1) != 1) ::_exit(120);
            int rc = 121;
            try {
                rc = body(rep[1]);
            } catch (...) {
            }
            ::_exit(rc);
        }
        ::close(go[0]);
        ::close(rep[1]);
        go_ = go[1];
        report_ = rep[0];
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (go_ >= 0) ::close(go_);
        if (report_ >= 0) ::close(report_);
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    pid_t pid() const { return pid_; }
    void release() {
        char c = 'g';
        if (::write(go_, &c, 1) != 1) throw std::runtime_error("release child");
    }
    // Reads one line the child wrote with report(); "" on EOF or after timeout_ms.
    std::string read_line(int timeout_ms = 20000) {
        std::string line;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return line;
            pollfd p{report_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return line;
            char c;
            if (::read(report_, &c, 1) != 1) return line;
            if (c == '\n') return line;
            line.push_back(c);
        }
    }
    // Waits for the exit; returns the raw wait status.
    int wait() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        return status;
    }

  private:
    pid_t pid_ = -1;
    int go_ = -1, report_ = -1;
    bool reaped_ = false;
};

// In a child: writes "text\n" to the report fd.
inline void report(int fd, const std::string& text) {
    std::string line = text + "\n";
    if (::write(fd, line.data(), line.size()) < 0) {
    }
}

// Burns `ms` of this process's CPU time.
inline void burn_cpu_ms(long ms) {
    timespec start{}, now{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
    volatile uint64_t x = 0;
    for (;;) {
        for (int i = 0; i < 100000; ++i) x = x + static_cast<uint64_t>(i);
        ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
        long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (spent >= ms) return;
    }
}

// A counter in memory shared with forked children.
struct SharedCounter {
    std::atomic<uint64_t>* value;
    SharedCounter() {
        void* p = ::mmap(nullptr, sizeof(std::atomic<uint64_t>), PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::runtime_error("mmap");
        value = new (p) std::atomic<uint64_t>(0);
    }
    ~SharedCounter() { ::munmap(value, sizeof(std::atomic<uint64_t>)); }
    uint64_t get() const { return value->load(); }
};

// Every directory whose name contains our prefix, in every hierarchy (depth-limited walk).
inline void walk(const std::string& dir, int depth, std::vector<std::string>& out) {
    if (depth > 4) return;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    std::vector<std::string> subdirs;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (e->d_type != DT_DIR || name == "." || name == "..") continue;
        subdirs.push_back(dir + "/" + name);
    }
    ::closedir(d);
    for (const auto& s : subdirs) {
        if (s.find(prefix()) != std::string::npos) out.push_back(s);
        walk(s, depth + 1, out);
    }
}

inline std::vector<std::string> our_cgroup_dirs(const rt::cgroup::Layout& layout) {
    std::vector<std::string> out;
    for (const auto& h : layout.v1) walk(h.mount_point, 0, out);
    if (layout.unified) walk(layout.unified->mount_point, 0, out);
    return out;
}

// The cgroup path of pid in the hierarchy whose /proc/<pid>/cgroup key contains `key`
// ("" for the cgroup2 line).
inline std::string proc_cgroup(pid_t pid, const std::string& key) {
    std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/cgroup"));
    std::string line;
    while (std::getline(in, line)) {
        size_t a = line.find(':'), b = line.find(':', a + 1);
        std::string k = line.substr(a + 1, b - a - 1);
        bool match =
            key.empty() ? k.empty() : (("," + k + ",").find("," + key + ",") != std::string::npos);
        if (match) return line.substr(b + 1);
    }
    return "";
}

// The pure-v2 path for real without touching the host's hierarchies: the test process enters
// a private mount namespace and mounts cgroup2 over /sys/fs/cgroup (a Boost global fixture).
// A failed step is kept in `error` for require_setup-style checks, not thrown.
struct PureV2 {
    std::string error;
    rt::cgroup::Layout layout;
    std::vector<std::string> before;  // our cgroup dirs at the start (leak check)
};
inline PureV2& pure_v2() {
    static PureV2 state;
    return state;
}
struct PrivateCgroup2 {
    PrivateCgroup2() {
        PureV2& v = pure_v2();
        if (::unshare(CLONE_NEWNS) != 0) {
            v.error = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
            return;
        }
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
            v.error = std::string("make / private: ") + std::strerror(errno);
            return;
        }
        // On a pure cgroup v2 host (the test VM) /sys/fs/cgroup already is that hierarchy, and
        // mounting it once more on the same place is EBUSY.
        struct statfs fs {};
        bool already_v2 = ::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
        if (!already_v2 && ::mount("cgroup2", "/sys/fs/cgroup", "cgroup2",
                                   MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
            v.error = std::string("mount cgroup2 on /sys/fs/cgroup: ") + std::strerror(errno);
            return;
        }
        try {
            v.layout = rt::cgroup::detect_layout();
            v.before = our_cgroup_dirs(v.layout);
        } catch (const std::exception& e) {
            v.error = e.what();
        }
    }
};

}  // namespace cgit
