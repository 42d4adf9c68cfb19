// The action subcommands of rt-probe: each does one thing a test wants to observe from inside
// a container and reports {"errno": N, "error": "..."} (exit 0 on success, 1 on failure).
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "probe.hpp"

extern char** environ;

namespace probe {
namespace {

int result(Writer& w, int err) {
    write_errno(w, err);
    w.EndObject();
    return err ? 1 : 0;
}

bool write_all(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

// Mount flags by their mount(8) option names; "bind" and "rec" included for bind mounts.
unsigned long mount_flags(const std::string& opts, std::string& data) {
    static const std::map<std::string, unsigned long> kFlags = {
        {"ro", MS_RDONLY},           {"nosuid", MS_NOSUID},
        {"nodev", MS_NODEV},         {"noexec", MS_NOEXEC},
        {"remount", MS_REMOUNT},     {"bind", MS_BIND},
        {"rbind", MS_BIND | MS_REC}, {"rec", MS_REC},
        {"private", MS_PRIVATE},     {"rprivate", MS_PRIVATE | MS_REC},
        {"shared", MS_SHARED},       {"slave", MS_SLAVE},
        {"relatime", MS_RELATIME},   {"noatime", MS_NOATIME},
        {"move", MS_MOVE},
    };
    unsigned long flags = 0;
    for (const auto& opt : split(opts, ',')) {
        if (opt.empty()) continue;
        auto it = kFlags.find(opt);
        if (it != kFlags.end()) {
            flags |= it->second;
        } else {
            data += (data.empty() ? "" : ",") + opt;
        }
    }
    return flags;
}

// One named system call with harmless arguments, for seccomp and capability tests.
long named_syscall(const std::string& name, bool* known) {
    *known = true;
    if (name == "getpid") return ::syscall(SYS_getpid);
    if (name == "getppid") return ::syscall(SYS_getppid);
    if (name == "uname") {
        utsname u{};
        return ::syscall(SYS_uname, &u);
    }
    if (name == "getcwd") {
        char buf[4096];
        return ::syscall(SYS_getcwd, buf, sizeof buf);
    }
    if (name == "mkdir") {
        std::string path = "/tmp/rt-probe-mkdir-" + std::to_string(::getpid());
        long r = ::syscall(SYS_mkdir, path.c_str(), 0700);
        if (r == 0) ::rmdir(path.c_str());
        return r;
    }
    if (name == "chdir") return ::syscall(SYS_chdir, "/");
    if (name == "sethostname") {
        utsname u{};
        ::uname(&u);
        return ::syscall(SYS_sethostname, u.nodename, std::strlen(u.nodename));
    }
    if (name == "unshare") return ::syscall(SYS_unshare, CLONE_NEWUTS);
    if (name == "mount") return ::syscall(SYS_mount, "none", "/tmp", "tmpfs", MS_RDONLY, nullptr);
    if (name == "chroot") return ::syscall(SYS_chroot, "/");
    if (name == "personality") return ::syscall(SYS_personality, 0xffffffffUL);
    if (name == "socket_inet") return ::syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (name == "socket_unix") return ::syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (name == "kill") return ::syscall(SYS_kill, ::getpid(), 0);
    if (name == "setuid") return ::syscall(SYS_setuid, ::getuid());
    if (name == "mknod") {
        std::string path = "/tmp/rt-probe-mknod-" + std::to_string(::getpid());
        long r = ::syscall(SYS_mknodat, AT_FDCWD, path.c_str(), S_IFCHR | 0600, makedev(1, 3));
        if (r == 0) ::unlink(path.c_str());
        return r;
    }
    if (name == "getrandom") {
        char buf[8];
        return ::syscall(SYS_getrandom, buf, sizeof buf, 0);
    }
    if (name == "acct") return ::syscall(SYS_acct, nullptr);
    if (name == "setns") return ::syscall(SYS_setns, -1, 0);
    *known = false;
    return -1;
}

volatile sig_atomic_t g_trap_fd = -1;

void on_signal(int sig) {
    // Async-signal-safe: one write of a short line.
    char line[32];
    const char* name = sigabbrev_np(sig);
    size_t n = 0;
    line[n++] = 'S';
    line[n++] = 'I';
    line[n++] = 'G';
    for (const char* p = name ? name : "UNKNOWN"; *p && n < sizeof line - 1; ++p) line[n++] = *p;
    line[n++] = '\n';
    if (g_trap_fd >= 0) (void)!::write(g_trap_fd, line, n);
    if (sig == SIGTERM || sig == SIGINT) ::_exit(0);
}

}  // namespace

int action(Writer& w, const std::string& verb, const std::vector<std::string>& args) {
    if (verb == "sleep") {
        // Without an argument: until killed. pause() keeps the process cheap and signalable.
        if (args.empty()) {
            for (;;) ::pause();
        }
        ::usleep(static_cast<useconds_t>(std::atof(args[0].c_str()) * 1e6));
        return 0;
    }
    if (verb == "exit") {
        if (args.size() != 1) return 2;
        return std::atoi(args[0].c_str());
    }
    if (verb == "cat") {
        int code = 0;
        for (const auto& path : args) {
            bool ok = false;
            std::string data = path == "-" ? std::string() : read_file(path, &ok);
            if (path == "-") {
                char buf[4096];
                ssize_t n;
                while ((n = ::read(0, buf, sizeof buf)) > 0)
                    data.append(buf, static_cast<size_t>(n));
                ok = n == 0;
            }
            if (!ok) code = 1;
            write_all(1, data);
        }
        return code;
    }
    if (verb == "kill") {
        if (args.size() != 2) return 2;
        w.StartObject();
        int r = ::kill(std::atoi(args[0].c_str()), std::atoi(args[1].c_str()));
        return result(w, r == 0 ? 0 : errno);
    }
    if (verb == "write") {
        if (args.empty() || args.size() > 2) return 2;
        w.StartObject();
        w.Key("path");
        w.String(args[0].c_str());
        int fd = ::open(args[0].c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) return result(w, errno);
        bool ok = write_all(fd, args.size() > 1 ? args[1] : std::string("rt-probe\n"));
        int err = ok ? 0 : errno;
        ::close(fd);
        return result(w, err);
    }
    if (verb == "read") {
        if (args.size() != 1) return 2;
        w.StartObject();
        w.Key("path");
        w.String(args[0].c_str());
        int fd = ::open(args[0].c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return result(w, errno);
        std::string data;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
        int err = n < 0 ? errno : 0;
        ::close(fd);
        w.Key("data");
        w.String(data.c_str(), static_cast<rapidjson::SizeType>(data.size()));
        return result(w, err);
    }
    if (verb == "open") {
        // open PATH r|w|rw: only the open (device cgroup, permission checks), no I/O.
        if (args.size() != 2) return 2;
        int flags = args[1] == "w" ? O_WRONLY : args[1] == "rw" ? O_RDWR : O_RDONLY;
        w.StartObject();
        w.Key("path");
        w.String(args[0].c_str());
        int fd = ::open(args[0].c_str(), flags | O_CLOEXEC | O_NONBLOCK);
        int err = fd < 0 ? errno : 0;
        if (fd >= 0) ::close(fd);
        return result(w, err);
    }
    if (verb == "mempolicy") {
        // The task's NUMA memory policy: mode (with its MPOL_F_* flag bits) and node mask.
        int mode = 0;
        unsigned long mask[16] = {};
        w.StartObject();
        long r = ::syscall(SYS_get_mempolicy, &mode, mask, sizeof mask * 8, nullptr, 0UL);
        int err = r == 0 ? 0 : errno;
        w.Key("mode");
        w.Int(mode);
        w.Key("nodes");
        w.Uint64(mask[0]);
        return result(w, err);
    }
    if (verb == "sched") {
        // sched_getattr(2): every scheduling attribute (the deadline ones included, which
        // sched_getscheduler/sched_getparam do not show). The struct as the kernel's uapi
        // defines it (SCHED_ATTR_SIZE_VER0, 48 bytes; glibc 2.36 has no wrapper).
        struct {
            uint32_t size;
            uint32_t policy;
            uint64_t flags;
            int32_t nice;
            uint32_t priority;
            uint64_t runtime, deadline, period;
        } attr{};
        static_assert(sizeof attr == 48);
        long r = ::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0U);
        int err = r == 0 ? 0 : errno;
        w.StartObject();
        w.Key("policy");
        w.Uint(attr.policy);
        w.Key("flags");
        w.Uint64(attr.flags);
        w.Key("nice");
        w.Int(attr.nice);
        w.Key("priority");
        w.Uint(attr.priority);
        w.Key("runtime");
        w.Uint64(attr.runtime);
        w.Key("deadline");
        w.Uint64(attr.deadline);
        w.Key("period");
        w.Uint64(attr.period);
        return result(w, err);
    }
    if (verb == "stat") {
        if (args.size() != 1) return 2;
        w.StartObject();
        w.Key("path");
        w.String(args[0].c_str());
        struct stat st {};
        if (::lstat(args[0].c_str(), &st) != 0) return result(w, errno);
        w.Key("mode");
        w.Uint(st.st_mode & 07777);
        w.Key("type");
        w.Uint(st.st_mode & S_IFMT);
        w.Key("uid");
        w.Uint(st.st_uid);
        w.Key("gid");
        w.Uint(st.st_gid);
        w.Key("size");
        w.Uint64(static_cast<uint64_t>(st.st_size));
        w.Key("major");
        w.Uint(major(st.st_rdev));
        w.Key("minor");
        w.Uint(minor(st.st_rdev));
        w.Key("ino");
        w.Uint64(st.st_ino);
        return result(w, 0);
    }
    if (verb == "ls") {
        if (args.size() != 1) return 2;
        w.StartObject();
        w.Key("entries");
        w.StartArray();
        DIR* dir = ::opendir(args[0].c_str());
        int err = dir ? 0 : errno;
        while (dir) {
            dirent* entry = ::readdir(dir);
            if (!entry) break;
            if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
                w.String(entry->d_name);
        }
        if (dir) ::closedir(dir);
        w.EndArray();
        return result(w, err);
    }
    if (verb == "mount") {
        if (args.size() < 3 || args.size() > 4) return 2;
        std::string data;
        unsigned long flags = mount_flags(args.size() > 3 ? args[3] : "", data);
        w.StartObject();
        int r = ::mount(args[0].c_str(), args[1].c_str(), args[2].c_str(), flags,
                        data.empty() ? nullptr : data.c_str());
        return result(w, r == 0 ? 0 : errno);
    }
    if (verb == "umount") {
        if (args.size() != 1) return 2;
        w.StartObject();
        int r = ::umount2(args[0].c_str(), MNT_DETACH);
        return result(w, r == 0 ? 0 : errno);
    }
    if (verb == "syscall") {
        if (args.size() != 1) return 2;
        bool known = false;
        errno = 0;
        long r = named_syscall(args[0], &known);
        int err = r < 0 ? errno : 0;
        if (!known) return 2;
        w.StartObject();
        w.Key("syscall");
        w.String(args[0].c_str());
        w.Key("ret");
        w.Int64(r);
        return result(w, err);
    }
    if (verb == "trap") {
        // Records every signal received into FILE (one "SIGNAME" line each); exits 0 on
        // SIGTERM or SIGINT. Writes "READY" first so a test knows the handlers are in place.
        if (args.size() != 1) return 2;
        g_trap_fd = ::open(args[0].c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (g_trap_fd < 0) return 1;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (int sig = 1; sig < 32; ++sig) {
            if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &sa, nullptr);
        }
        write_all(g_trap_fd, "READY\n");
        for (;;) ::pause();
    }
    if (verb == "hook") {
        // An OCI hook: appends one JSON line {label, stdin, pid, namespaces, cwd} to FILE and
        // exits with EXIT (default 0).
        if (args.size() < 2 || args.size() > 3) return 2;
        std::string input;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(0, buf, sizeof buf)) > 0) input.append(buf, static_cast<size_t>(n));
        rapidjson::StringBuffer line;
        Writer h(line);
        h.StartObject();
        h.Key("label");
        h.String(args[1].c_str());
        h.Key("stdin");
        h.String(input.c_str(), static_cast<rapidjson::SizeType>(input.size()));
        h.Key("pid");
        h.Int(::getpid());
        h.Key("namespaces");
        h.StartObject();
        for (const char* kind : {"mnt", "net", "pid", "uts", "ipc", "user", "cgroup"}) {
            struct stat st {};
            if (::stat((std::string("/proc/self/ns/") + kind).c_str(), &st) != 0) continue;
            h.Key(kind);
            h.Uint64(st.st_ino);
        }
        h.EndObject();
        char cwd[4096];
        h.Key("cwd");
        h.String(::getcwd(cwd, sizeof cwd) ? cwd : "");
        h.Key("argc");
        h.Uint(static_cast<unsigned>(args.size() + 2));
        h.Key("env");
        h.StartArray();
        for (char** e = environ; e && *e; ++e) h.String(*e);
        h.EndArray();
        h.EndObject();
        std::string text(line.GetString(), line.GetSize());
        text += '\n';
        int fd = ::open(args[0].c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0 || !write_all(fd, text)) return 1;
        ::close(fd);
        return args.size() > 2 ? std::atoi(args[2].c_str()) : 0;
    }
    if (verb == "tty") {
        w.StartObject();
        w.Key("isatty");
        w.StartArray();
        for (int fd = 0; fd < 3; ++fd) w.Bool(::isatty(fd) == 1);
        w.EndArray();
        char name[256] = "";
        w.Key("ttyname");
        w.String(::ttyname_r(0, name, sizeof name) == 0 ? name : "");
        winsize ws{};
        if (::ioctl(0, TIOCGWINSZ, &ws) == 0) {
            w.Key("rows");
            w.Uint(ws.ws_row);
            w.Key("cols");
            w.Uint(ws.ws_col);
        }
        w.Key("controlling");
        w.Bool(::tcgetpgrp(0) >= 0);
        return result(w, 0);
    }
    return 2;
}

}  // namespace probe
