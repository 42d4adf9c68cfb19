// `rt-probe report`: everything a container's configuration can change about a process,
// read from the kernel's own files (/proc/self/...) and system calls.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "probe.hpp"
#include "rt/oci/names.hpp"

extern char** environ;

namespace probe {

std::string read_file(const std::string& path, bool* ok) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ok) *ok = fd >= 0;
    std::string data;
    if (fd < 0) return data;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && ok) *ok = false;
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return data;
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        size_t pos = text.find(sep, start);
        parts.push_back(text.substr(start, pos - start));
        if (pos == std::string::npos) break;
        start = pos + 1;
    }
    return parts;
}

void write_errno(Writer& w, int err) {
    w.Key("errno");
    w.Int(err);
    w.Key("error");
    w.String(err ? std::strerror(err) : "");
}

namespace {

struct Limit {
    const char* name;
    int resource;
};
constexpr Limit kLimits[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

// The "Key:\tvalue" lines of /proc/self/status.
std::string status_field(const std::string& status, const std::string& key) {
    std::string prefix = key + ":";
    for (const auto& line : split(status, '\n')) {
        if (line.compare(0, prefix.size(), prefix) == 0) {
            size_t start = line.find_first_not_of(" \t", prefix.size());
            return start == std::string::npos ? "" : line.substr(start);
        }
    }
    return "";
}

void write_ids(Writer& w, const char* key, const std::string& line) {
    w.Key(key);
    w.StartObject();
    const char* names[] = {"real", "effective", "saved", "fs"};
    size_t i = 0;
    for (const auto& part : split(line, '\t')) {
        if (part.empty() || i >= 4) continue;
        w.Key(names[i++]);
        w.Uint64(std::strtoull(part.c_str(), nullptr, 10));
    }
    w.EndObject();
}

void write_caps(Writer& w, const std::string& status) {
    struct Set {
        const char* key;
        const char* field;
    };
    const Set sets[] = {{"inheritable", "CapInh"},
                        {"permitted", "CapPrm"},
                        {"effective", "CapEff"},
                        {"bounding", "CapBnd"},
                        {"ambient", "CapAmb"}};
    w.Key("capabilities");
    w.StartObject();
    for (const auto& set : sets) {
        uint64_t mask = std::strtoull(status_field(status, set.field).c_str(), nullptr, 16);
        w.Key(set.key);
        w.StartArray();
        for (unsigned bit = 0; bit < 64; ++bit) {
            if (!(mask & (uint64_t{1} << bit))) continue;
            if (bit < std::size(rt::oci::names::kCapabilities)) {
                const std::string_view name = rt::oci::names::kCapabilities[bit];
                w.String(name.data(), static_cast<rapidjson::SizeType>(name.size()));
            } else {
                w.String(("CAP_" + std::to_string(bit)).c_str());
            }
        }
        w.EndArray();
    }
    w.EndObject();
}

void write_namespaces(Writer& w) {
    w.Key("namespaces");
    w.StartObject();
    const char* kinds[] = {
        "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children",
        "user",   "uts"};
    for (const char* kind : kinds) {
        struct stat st {};
        if (::stat((std::string("/proc/self/ns/") + kind).c_str(), &st) != 0) continue;
        w.Key(kind);
        w.Uint64(st.st_ino);
    }
    w.EndObject();
}

// mountinfo line: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
// Paths are octal-escaped by the kernel (\040 for a space); they are reported decoded.
std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            out += static_cast<char>(std::strtol(s.substr(i + 1, 3).c_str(), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

void write_string_array(Writer& w, const std::vector<std::string>& items) {
    w.StartArray();
    for (const auto& item : items) w.String(item.c_str());
    w.EndArray();
}

void write_mounts(Writer& w) {
    w.Key("mounts");
    w.StartArray();
    for (const auto& line : split(read_file("/proc/self/mountinfo"), '\n')) {
        if (line.empty()) continue;
        auto f = split(line, ' ');
        if (f.size() < 10) continue;
        size_t dash = 6;
        while (dash < f.size() && f[dash] != "-") ++dash;
        if (dash + 2 >= f.size()) continue;
        w.StartObject();
        w.Key("id");
        w.Int(std::atoi(f[0].c_str()));
        w.Key("parent");
        w.Int(std::atoi(f[1].c_str()));
        auto devno = split(f[2], ':');
        w.Key("major");
        w.Int(std::atoi(devno[0].c_str()));
        w.Key("minor");
        w.Int(devno.size() > 1 ? std::atoi(devno[1].c_str()) : 0);
        w.Key("root");
        w.String(unescape(f[3]).c_str());
        w.Key("mountpoint");
        w.String(unescape(f[4]).c_str());
        w.Key("options");
        write_string_array(w, split(f[5], ','));
        w.Key("optional");
        write_string_array(w, std::vector<std::string>(f.begin() + 6, f.begin() + dash));
        w.Key("fstype");
        w.String(f[dash + 1].c_str());
        w.Key("source");
        w.String(unescape(f[dash + 2]).c_str());
        w.Key("super_options");
        write_string_array(
            w, dash + 3 < f.size() ? split(f[dash + 3], ',') : std::vector<std::string>{});
        w.EndObject();
    }
    w.EndArray();
}

std::string read_link(const std::string& path) {
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

void write_fds(Writer& w) {
    w.Key("fds");
    w.StartArray();
    DIR* dir = ::opendir("/proc/self/fd");
    int own = dir ? ::dirfd(dir) : -1;
    while (dir) {
        dirent* entry = ::readdir(dir);
        if (!entry) break;
        if (entry->d_name[0] == '.') continue;
        int fd = std::atoi(entry->d_name);
        if (fd == own) continue;  // the directory stream itself
        w.StartObject();
        w.Key("fd");
        w.Int(fd);
        w.Key("target");
        w.String(read_link(std::string("/proc/self/fd/") + entry->d_name).c_str());
        int flags = ::fcntl(fd, F_GETFD);
        w.Key("cloexec");
        w.Bool(flags >= 0 && (flags & FD_CLOEXEC));
        w.EndObject();
    }
    if (dir) ::closedir(dir);
    w.EndArray();
}

void write_cgroups(Writer& w) {
    w.Key("cgroup");
    w.StartArray();
    for (const auto& line : split(read_file("/proc/self/cgroup"), '\n')) {
        if (line.empty()) continue;
        size_t a = line.find(':');
        size_t b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        w.StartObject();
        w.Key("hierarchy");
        w.Int(std::atoi(line.substr(0, a).c_str()));
        w.Key("controllers");
        w.String(line.substr(a + 1, b - a - 1).c_str());
        w.Key("path");
        w.String(line.substr(b + 1).c_str());
        w.EndObject();
    }
    w.EndArray();
}

char type_letter(mode_t mode) {
    if (S_ISCHR(mode)) return 'c';
    if (S_ISBLK(mode)) return 'b';
    if (S_ISDIR(mode)) return 'd';
    if (S_ISLNK(mode)) return 'l';
    if (S_ISFIFO(mode)) return 'p';
    if (S_ISSOCK(mode)) return 's';
    return 'f';
}

void walk_devices(Writer& w, const std::string& dir_path, int depth) {
    DIR* dir = ::opendir(dir_path.c_str());
    if (!dir) return;
    std::vector<std::string> subdirs;
    while (dirent* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        std::string path = dir_path + "/" + name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) continue;
        w.StartObject();
        w.Key("path");
        w.String(path.c_str());
        w.Key("type");
        char type[2] = {type_letter(st.st_mode), 0};
        w.String(type);
        w.Key("major");
        w.Uint(major(st.st_rdev));
        w.Key("minor");
        w.Uint(minor(st.st_rdev));
        w.Key("mode");
        w.Uint(st.st_mode & 07777);
        w.Key("uid");
        w.Uint(st.st_uid);
        w.Key("gid");
        w.Uint(st.st_gid);
        if (S_ISLNK(st.st_mode)) {
            w.Key("target");
            w.String(read_link(path).c_str());
        }
        w.EndObject();
        if (S_ISDIR(st.st_mode) && depth < 2) subdirs.push_back(path);
    }
    ::closedir(dir);
    for (const auto& sub : subdirs) walk_devices(w, sub, depth + 1);
}

void write_rlimits(Writer& w) {
    w.Key("rlimits");
    w.StartObject();
    for (const auto& limit : kLimits) {
        rlimit rl{};
        if (::getrlimit(limit.resource, &rl) != 0) continue;
        w.Key(limit.name);
        w.StartObject();
        w.Key("soft");
        w.Uint64(rl.rlim_cur);
        w.Key("hard");
        w.Uint64(rl.rlim_max);
        w.EndObject();
    }
    w.EndObject();
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

int report(Writer& w, const std::vector<std::string>& args) {
    std::vector<std::string> sysctls;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--sysctl" && i + 1 < args.size()) {
            sysctls.push_back(args[++i]);
        } else {
            return 2;
        }
    }
    const std::string status = read_file("/proc/self/status");
    w.StartObject();
    w.Key("pid");
    w.Int(::getpid());
    w.Key("ppid");
    w.Int(::getppid());
    w.Key("pgid");
    w.Int(::getpgid(0));
    w.Key("sid");
    w.Int(::getsid(0));
    write_namespaces(w);
    write_ids(w, "uid", status_field(status, "Uid"));
    write_ids(w, "gid", status_field(status, "Gid"));
    w.Key("groups");
    w.StartArray();
    {
        gid_t groups[256];
        int n = ::getgroups(256, groups);
        for (int i = 0; i < n; ++i) w.Uint(groups[i]);
    }
    w.EndArray();
    w.Key("umask");
    w.Uint(static_cast<unsigned>(std::strtoul(status_field(status, "Umask").c_str(), nullptr, 8)));
    write_caps(w, status);
    w.Key("no_new_privs");
    w.Bool(::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    w.Key("seccomp");
    w.Int(std::atoi(status_field(status, "Seccomp").c_str()));
    w.Key("seccomp_filters");
    w.Int(std::atoi(status_field(status, "Seccomp_filters").c_str()));
    write_rlimits(w);
    char cwd[4096];
    w.Key("cwd");
    w.String(::getcwd(cwd, sizeof cwd) ? cwd : "");
    w.Key("env");
    w.StartArray();
    for (char** e = environ; e && *e; ++e) w.String(*e);
    w.EndArray();
    utsname uts{};
    ::uname(&uts);
    w.Key("hostname");
    w.String(uts.nodename);
    w.Key("domainname");
    w.String(uts.domainname);
    write_mounts(w);
    write_fds(w);
    write_cgroups(w);
    w.Key("devices");
    w.StartArray();
    walk_devices(w, "/dev", 0);
    w.EndArray();
    w.Key("sysctls");
    w.StartObject();
    for (const auto& name : sysctls) {
        std::string path = "/proc/sys/" + name;
        for (auto& c : path) {
            if (c == '.') c = '/';
        }
        bool ok = false;
        std::string value = trim(read_file(path, &ok));
        w.Key(name.c_str());
        if (ok) {
            w.String(value.c_str());
        } else {
            w.Null();
        }
    }
    w.EndObject();
    w.Key("oom_score_adj");
    w.Int(std::atoi(read_file("/proc/self/oom_score_adj").c_str()));
    w.Key("isatty");
    w.StartArray();
    for (int fd = 0; fd < 3; ++fd) w.Bool(::isatty(fd) == 1);
    w.EndArray();
    w.Key("personality");
    w.Int(::personality(0xffffffff));
    w.Key("sched_policy");
    w.Int(::sched_getscheduler(0));
    w.Key("sched_priority");
    sched_param sp{};
    w.Int(::sched_getparam(0, &sp) == 0 ? sp.sched_priority : -1);
    w.Key("nice");
    errno = 0;
    w.Int(::getpriority(PRIO_PROCESS, 0));
    w.Key("ioprio");
    w.Int(static_cast<int>(::syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0)));
    w.Key("cpus_allowed");
    w.String(status_field(status, "Cpus_allowed_list").c_str());
    w.Key("args");
    w.StartArray();
    {
        std::string cmdline = read_file("/proc/self/cmdline");
        if (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
        for (const auto& arg : split(cmdline, '\0')) w.String(arg.c_str());
    }
    w.EndArray();
    w.EndObject();
    return 0;
}

}  // namespace probe
