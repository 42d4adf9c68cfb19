// rt-bench-spawn FD PATH [ARGS...]: runs PATH once and writes what it cost to the open file
// descriptor FD: "<wait status> <wall ns> <user us> <system us> <maxrss KiB>".
//
// Why a separate, small, static program: a child forked from rt-bench carries a copy of
// rt-bench's address space until it execs, and the kernel charges tearing that copy down
// (and its peak RSS) to the child: every measured tool paid ~0.3 ms of rt-bench's CPU, which
// pulls the ratios towards 1. Forked from this program, the measured command starts from a
// few pages. rt-bench sets up stdio, environment, netns and cwd before it execs this.
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>

int main(int argc, char** argv) {
    if (argc < 3) return 2;
    const int report = std::atoi(argv[1]);
    if (report < 3) return 2;
    const pid_t parent = ::getpid();
    timespec start{}, end{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    const pid_t pid = ::fork();
    if (pid < 0) return 3;
    if (pid == 0) {
        // rt-bench kills this program on a timeout: the command goes with it.
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(126);
        ::close(report);
        ::execv(argv[2], argv + 2);
        ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    ::clock_gettime(CLOCK_MONOTONIC, &end);
    const long long wall_ns =
        (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
    const long long user_us = usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec;
    const long long sys_us = usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec;
    if (::dprintf(report, "%d %lld %lld %lld %ld\n", status, wall_ns, user_us, sys_us,
                  usage.ru_maxrss) < 0)
        return 4;
    return 0;
}
