#include "core/default_spec.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "base/fd.hpp"
#include "rt/error.hpp"
#include "rt/oci/serialize.hpp"

namespace rt::core {

oci::Spec default_spec() {
    using namespace oci;
    Spec s;
    s.ociVersion = kSpecVersion;

    Process p;
    p.terminal = true;
    p.args = {"sh"};
    p.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    p.cwd = "/";
    // runc's default set: no inheritable capabilities (so execve cannot regain any).
    const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    p.capabilities = Capabilities{caps, caps, std::nullopt, caps, caps};
    p.rlimits = {{"RLIMIT_NOFILE", 1024, 1024}};
    p.noNewPrivileges = true;
    s.process = std::move(p);

    s.root = Root{"rootfs", true};
    s.hostname = "rt";

    auto mount = [](const char* dest, const char* type, const char* source,
                    std::vector<std::string> options) {
        Mount m;
        m.destination = dest;
        m.type = type;
        m.source = source;
        m.options = std::move(options);
        return m;
    };
    s.mounts = {
        mount("/proc", "proc", "proc", {}),
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mount("/dev/pts", "devpts", "devpts",
              {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        mount("/dev/shm", "tmpfs", "shm",
              {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        mount("/sys/fs/cgroup", "cgroup", "cgroup",
              {"nosuid", "noexec", "nodev", "relatime", "ro"}),
    };

    Linux l;
    Resources r;
    r.devices = {DeviceCgroupRule{false, std::nullopt, std::nullopt, std::nullopt, "rwm"}};
    l.resources = std::move(r);
    for (const char* type : {"pid", "network", "ipc", "uts", "mount"})
        l.namespaces.push_back(Namespace{type, std::nullopt});
    l.maskedPaths = std::vector<std::string>{
        "/proc/acpi",          "/proc/asound",     "/proc/kcore",       "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
        "/sys/firmware",       "/proc/scsi",
    };
    l.readonlyPaths = std::vector<std::string>{
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    };
    s.linux = std::move(l);
    return s;
}

void make_rootless(oci::Spec& spec, uint32_t host_uid, uint32_t host_gid) {
    using namespace oci;
    if (!spec.linux) spec.linux.emplace();
    Linux& l = *spec.linux;
    // An unprivileged user cannot create a network namespace worth having (no way to
    // connect it): keep the host's, and create a user namespace (last, as runc does).
    std::erase_if(l.namespaces,
                  [](const Namespace& ns) { return ns.type == "network" || ns.type == "user"; });
    l.namespaces.push_back(Namespace{"user", std::nullopt});
    l.uidMappings = {IdMapping{0, host_uid, 1}};
    l.gidMappings = {IdMapping{0, host_gid, 1}};
    for (Mount& m : spec.mounts) {
        if (m.destination == "/sys") {
            // A new sysfs needs a network namespace owned by the user namespace: bind the
            // host's read-only instead.
            m.type = "none";
            m.source = "/sys";
            m.options = {"rbind", "nosuid", "noexec", "nodev", "ro"};
            continue;
        }
        // Only container root is mapped: uid=/gid= options (devpts gid=5) would fail.
        std::erase_if(m.options, [](const std::string& o) {
            return o.rfind("uid=", 0) == 0 || o.rfind("gid=", 0) == 0;
        });
    }
    // Without delegation a rootless container cannot set cgroup limits.
    l.resources.reset();
}

namespace {

// A temporary name next to config.json, unique enough for concurrent `rt spec` runs.
std::string temp_name() {
    std::random_device rd;
    return ".config.json." + std::to_string(::getpid()) + "." + std::to_string(rd());
}

void write_all(int fd, const std::string& text, const std::string& what) {
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(what, errno);
        done += static_cast<size_t>(n);
    }
}

}  // namespace

void write_new_config(const std::string& bundle_dir, const oci::Spec& spec) {
    std::string text = oci::serialize_config(spec, true);

    base::UniqueFd dir(::open(bundle_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw Error("bundle " + bundle_dir, errno);
    std::string path = bundle_dir;
    if (path.empty() || path.back() != '/') path += '/';
    path += "config.json";

    // Fail early (and without a temp file) in the common case; linkat below is what makes
    // "never replace" hold against a concurrent writer.
    if (::faccessat(dir.get(), "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        throw Error(path + ": already exists (remove it first)", ErrorKind::AlreadyExists);

    std::string tmp = temp_name();
    // 0666 & ~umask, as runc writes it.
    base::UniqueFd file(
        ::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!file) throw Error(bundle_dir + "/" + tmp, errno);
    struct TempGuard {
        int dir;
        const std::string& name;
        ~TempGuard() { ::unlinkat(dir, name.c_str(), 0); }
    } guard{dir.get(), tmp};

    write_all(file.get(), text, path);
    if (::fsync(file.get()) != 0) throw Error(path + ": fsync", errno);
    // link(2) never replaces an existing name: EEXIST if config.json appeared meanwhile.
    if (::linkat(dir.get(), tmp.c_str(), dir.get(), "config.json", 0) != 0) {
        if (errno == EEXIST)
            throw Error(path + ": already exists (remove it first)", ErrorKind::AlreadyExists);
        throw Error(path, errno);
    }
}

}  // namespace rt::core
