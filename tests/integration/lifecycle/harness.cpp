#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <rapidjson/pointer.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace lt {

namespace {

const char* kDefaultConfig = R"({
 "ociVersion": "1.0.2",
 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bin/true"],
  "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
  "cwd": "/",
  "capabilities": {"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
   "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
   "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
   "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]},
  "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
  "noNewPrivileges": true},
 "root": {"path": "rootfs", "readonly": true},
 "hostname": "rt-test",
 "mounts": [
  {"destination": "/proc", "type": "proc", "source": "proc"},
  {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
  {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
  {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
  {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
  {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
  {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}],
 "linux": {
  "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
  "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
   "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
  "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]}
})";

int g_counter = 0;

// Every temporary directory names its owner ("<pid> <start time>" in .owner): a run that was
// killed (ctest's timeout sends SIGKILL) or left a test through Boost's signal handling
// (siglongjmp skips destructors) cannot clean up itself, so the next run removes what such
// dead owners left, and a normal exit removes what this run's skipped destructors left.
const char* kOwnerFile = ".owner";

// Field 22 of /proc/<pid>/stat: tells a live owner from a reused pid.
std::string start_time(pid_t pid) {
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) return "";
    std::istringstream in(stat.substr(paren + 2));
    std::string field;
    for (int i = 3; i <= 22 && in >> field; ++i) {
    }
    return field;
}

std::string owner_tag() {
    return std::to_string(::getpid()) + " " + start_time(::getpid());
}

bool owner_alive(const std::string& tag) {
    std::istringstream in(tag);
    pid_t pid = 0;
    std::string start;
    if (!(in >> pid >> start) || pid <= 0) return false;
    return start_time(pid) == start;
}

// Deletes the containers of a harness directory's state root, then the directory (never
// crossing into a mount left under it).
void remove_test_dir(const std::string& dir) {
    const std::string root = dir + "/root";
    if (exists(root)) {
        Result ids = run({RT_BINARY, "--root", root, "list", "-q"});
        for (const auto& id : lines(ids.out))
            if (!id.empty()) run({RT_BINARY, "--root", root, "delete", "--force", id});
    }
    run({"rm", "-rf", "--one-file-system", dir});
}

// Removes /tmp/rt-lifecycle-* directories whose owner is dead, and agent sockets of dead
// test processes. Directories of older
// harnesses (no .owner) count as dead when untouched for an hour: no test binary runs
// that long (ctest's timeout), and another engineer's live run is never touched.
void sweep_dead_owners() {
    DIR* d = ::opendir("/tmp");
    if (!d) return;
    std::vector<std::string> dead;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name.rfind("rt-", 0) == 0 && name.size() > 5 &&
            name.compare(name.size() - 5, 5, ".sock") == 0) {
            // Agent sockets named with unique(): "rt-<what>-<pid>-<n>.sock".
            std::string stem = name.substr(0, name.size() - 5);
            size_t last = stem.rfind('-');
            size_t prev = last == std::string::npos ? last : stem.rfind('-', last - 1);
            if (prev != std::string::npos) {
                std::string pid = stem.substr(prev + 1, last - prev - 1);
                if (!pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos &&
                    !exists("/proc/" + pid))
                    ::unlink(("/tmp/" + name).c_str());
            }
            continue;
        }
        if (name.rfind("rt-lifecycle-", 0) != 0) continue;
        std::string dir = "/tmp/" + name;
        struct stat st {};
        if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        if (exists(dir + "/" + kOwnerFile)) {
            if (!owner_alive(read_file(dir + "/" + kOwnerFile))) dead.push_back(dir);
        } else if (st.st_mtime + 3600 < ::time(nullptr)) {
            dead.push_back(dir);
        }
    }
    ::closedir(d);
    for (const auto& dir : dead) remove_test_dir(dir);
}

// This run's live directories; whatever is still here at exit is removed then.
struct LiveDirs {
    std::mutex m;
    std::set<std::string> dirs;
    LiveDirs() { sweep_dead_owners(); }
    ~LiveDirs() {
        try {
            for (const auto& dir : dirs) remove_test_dir(dir);
        } catch (const std::exception& e) {
            (void)std::fprintf(stderr, "lifecycle: ~LiveDirs cleanup: %s\n", e.what());
        }
    }
};

LiveDirs& live_dirs() {
    static LiveDirs live;
    return live;
}

void forget_dir(const std::string& dir) {
    std::lock_guard lock(live_dirs().m);
    live_dirs().dirs.erase(dir);
}

std::string make_temp(const char* base) {
    LiveDirs& live = live_dirs();
    std::string tmpl = std::string("/tmp/") + base + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    ::chmod(buf.data(), 0755);  // reachable by mapped users of user-namespace tests
    std::string dir = buf.data();
    write_file(dir + "/" + kOwnerFile, owner_tag());
    std::lock_guard lock(live.m);
    live.dirs.insert(dir);
    return dir;
}

void build_rootfs(const std::string& bundle_dir) {
    // The script writes config.json only when missing: give it ours first.
    ::mkdir(bundle_dir.c_str(), 0755);
    write_file(bundle_dir + "/config.json", kDefaultConfig);
    Result r = run({"/bin/bash", RT_MAKE_BUSYBOX, bundle_dir, RT_BINARY});
    if (r.code != 0) throw std::runtime_error("make-busybox-bundle failed: " + r.err);
}

struct SharedRootfs {
    std::string dir;
    SharedRootfs() {
        dir = make_temp("rt-lifecycle-rootfs");
        build_rootfs(dir + "/b");
    }
    ~SharedRootfs() {
        try {
            forget_dir(dir);
            run({"rm", "-rf", "--one-file-system", dir});
        } catch (const std::exception& e) {
            (void)std::fprintf(stderr, "lifecycle: ~SharedRootfs cleanup: %s\n", e.what());
        }
    }
};

}  // namespace

Result run(const std::vector<std::string>& argv, const std::string& input,
           const std::vector<int>& keep_fds) {
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
        throw std::runtime_error("pipe");
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        for (int fd : keep_fds) ::fcntl(fd, F_SETFD, 0);
        std::vector<char*> args;
        args.reserve(argv.size() + 1);
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (!input.empty()) (void)!::write(in[1], input.data(), input.size());
    ::close(in[1]);
    Result r;
    // Wait for the process to exit, not for EOF: a container's init inherits rt's stdio and
    // keeps the pipes open after `rt create` returns.
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {pidfd, POLLIN, 0}};
    auto drain = [&](int i) {
        char buf[4096];
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
            ::close(fds[i].fd);
            fds[i].fd = -1;
        } else {
            (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
        }
    };
    bool exited = false;
    while (!exited || fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (exited) {
            // After exit: take what is buffered without waiting for writers that live on.
            for (int i = 0; i < 2; ++i) {
                if (fds[i].fd < 0) continue;
                ::fcntl(fds[i].fd, F_SETFL, O_NONBLOCK);
                char buf[4096];
                ssize_t n;
                while ((n = ::read(fds[i].fd, buf, sizeof buf)) > 0)
                    (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
                ::close(fds[i].fd);
                fds[i].fd = -1;
            }
            break;
        }
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i)
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) drain(i);
        if (fds[2].revents & POLLIN) exited = true;
    }
    ::close(pidfd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::trunc);
    f << text;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::string unique(const std::string& base) {
    return base + "-" + std::to_string(::getpid()) + "-" + std::to_string(++g_counter);
}

const std::string& shared_rootfs() {
    static SharedRootfs shared;
    static std::string path = shared.dir + "/b/rootfs";
    return path;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    std::string line;
    while (std::getline(s, line)) out.push_back(line);
    return out;
}

Env::Env() {
    dir_ = make_temp("rt-lifecycle");
    root_ = dir_ + "/root";
    bundle_ = dir_ + "/bundle";
    ::mkdir(bundle_.c_str(), 0755);
    config.Parse(kDefaultConfig);
    set("/root/path", "\"" + shared_rootfs() + "\"");
}

Env::~Env() {
    try {
        // Every container this test left behind, then the directory.
        forget_dir(dir_);
        remove_test_dir(dir_);
    } catch (const std::exception& e) {
        (void)std::fprintf(stderr, "lifecycle: ~Env cleanup: %s\n", e.what());
    }
}

std::string Env::rootfs() const {
    return own_rootfs_ ? bundle_ + "/rootfs" : shared_rootfs();
}

void Env::own_rootfs() {
    build_rootfs(bundle_);
    own_rootfs_ = true;
    set("/root/path", "\"rootfs\"");
}

void Env::set(const std::string& pointer, const std::string& json) {
    rapidjson::Document value(&config.GetAllocator());
    value.Parse(json.c_str());
    if (value.HasParseError()) throw std::runtime_error("bad JSON in test: " + json);
    rapidjson::Value copy(value, config.GetAllocator());
    rapidjson::Pointer(pointer.c_str()).Set(config, copy);
}

void Env::remove(const std::string& pointer) {
    rapidjson::Pointer(pointer.c_str()).Erase(config);
}

void Env::sh(const std::string& script) {
    rapidjson::Value args(rapidjson::kArrayType);
    auto& a = config.GetAllocator();
    args.PushBack("sh", a).PushBack("-c", a);
    args.PushBack(rapidjson::Value(script.c_str(), a), a);
    rapidjson::Pointer("/process/args").Set(config, args);
}

void Env::write_config() const {
    rapidjson::StringBuffer b;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(b);
    config.Accept(w);
    write_file(bundle_ + "/config.json", b.GetString());
}

Result Env::rt(const std::vector<std::string>& args, const std::string& input,
               const std::vector<int>& keep_fds) const {
    write_config();
    std::vector<std::string> argv = {RT_BINARY, "--root", root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, input, keep_fds);
}

Result Env::run_container(const std::string& name) {
    return rt({"run", "-b", bundle_, unique(name)});
}

std::string run_userns_holder(Env& env, std::string* err) {
    env.set("/process/args", R"(["sleep","1000"])");
    env.set("/linux/namespaces",
            R"([{"type":"pid"},{"type":"user"},{"type":"mount"},{"type":"uts"},{"type":"ipc"}])");
    env.set("/linux/uidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/linux/gidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    std::string id = env.id("userns-holder");
    Result r = env.rt({"run", "-d", "-b", env.bundle(), id});
    if (r.code == 0) return id;
    *err = r.err;
    return "";
}

std::string Env::status(const std::string& id) const {
    Result r = run({RT_BINARY, "--root", root_, "state", id});
    rapidjson::Document d;
    d.Parse(r.out.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("status")) return "error: " + r.err;
    return d["status"].GetString();
}

int Env::pid(const std::string& id) const {
    Result r = run({RT_BINARY, "--root", root_, "state", id});
    rapidjson::Document d;
    d.Parse(r.out.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("pid")) return -1;
    return d["pid"].GetInt();
}

}  // namespace lt
