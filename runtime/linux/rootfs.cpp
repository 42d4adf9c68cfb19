#include "linux/rootfs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "linux/copy_up.hpp"
#include "linux/safe_path.hpp"

namespace rt::linux {
namespace {

// The rootfs, opened once (O_PATH) after it is bind-mounted on itself.
int g_rootfd = -1;

constexpr unsigned long kLockableFlags =
    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME;

// Flags of an existing mount that a bind remount must repeat: in a user namespace the kernel
// refuses to clear flags that were locked when the mount ns was copied.
unsigned long locked_flags(const char* path) noexcept {
    struct statvfs st {};
    if (::statvfs(path, &st) != 0) return 0;
    unsigned long f = 0;
    if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (st.f_flag & ST_NODEV) f |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
    return f;
}

bool is_dir(const char* path) noexcept {
    struct stat st {};
    return ::stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

// The mount just made on `dest_fd` (the destination it covered): its last component looked
// up again in the parent directory of that inode. A lookup from the rootfs by path would
// follow whatever the container swapped into an ancestor meanwhile (CVE-2021-30465 style
// rename exchanges) and meet a plain directory instead of the new mount.
int open_new_mount(const MountPlan& m, int dest_fd) noexcept {
    const std::string& d = m.destination;
    size_t slash = d.find_last_of('/');
    const char* name = slash == std::string::npos ? d.c_str() : d.c_str() + slash + 1;
    struct stat st {};
    // A file destination has no ".." to go through: it is looked up from the rootfs again.
    if (!*name || std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0 ||
        ::fstat(dest_fd, &st) != 0 || !S_ISDIR(st.st_mode))
        return open_in_root(g_rootfd, d.c_str(), O_PATH);
    int parent = ::openat(dest_fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (parent < 0) return -1;
    int fd = ::openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    ::close(parent);
    errno = e;
    return fd;
}

// Applies propagation and recursive attributes to the mount just made on `dest_fd` (reopened,
// so the fd is the new mount's root, not the covered directory).
bool finish_mount(const MountPlan& m, int dest_fd, bool in_userns, ChildCtx& ctx) noexcept {
    const MountOptions& o = m.options;
    bool remount = o.bind && (o.flags & kLockableFlags);
    if (!remount && o.propagation.empty() && !o.attr_set && !o.attr_clr) return true;
    int fd = open_new_mount(m, dest_fd);
    if (fd < 0) return ctx.fail(errno, "mounts[%zu] %s: reopen", m.index, m.destination.c_str());
    char path[64];
    fd_path(fd, path, sizeof path);
    bool ok = true;
    if (remount) {
        unsigned long flags = MS_BIND | MS_REMOUNT | (o.flags & kLockableFlags);
        if (in_userns) flags |= locked_flags(path);
        if (::mount(nullptr, path, nullptr, flags, nullptr) != 0)
            ok = ctx.fail(errno, "mounts[%zu] %s: remount bind with options", m.index,
                          m.destination.c_str());
    }
    for (unsigned long p : o.propagation) {
        if (!ok) break;
        if (::mount(nullptr, path, nullptr, p, nullptr) != 0)
            ok = ctx.fail(errno, "mounts[%zu] %s: set propagation", m.index, m.destination.c_str());
    }
    if (ok && (o.attr_set || o.attr_clr)) {
        mount_attr attr{};
        attr.attr_set = o.attr_set;
        attr.attr_clr = o.attr_clr;
        if (::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
                      sizeof attr) != 0)
            ok = ctx.fail(errno, "mounts[%zu] %s: recursive mount attributes", m.index,
                          m.destination.c_str());
    }
    ::close(fd);
    return ok;
}

// Reads this process's cgroup membership (/proc/self/cgroup) into a buffer.
size_t read_self_cgroup(char* buf, size_t size) noexcept {
    int fd = ::open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    size_t len = 0;
    ssize_t n;
    while (len + 1 < size && (n = ::read(fd, buf + len, size - 1 - len)) > 0)
        len += static_cast<size_t>(n);
    ::close(fd);
    buf[len] = '\0';
    return len;
}

// Binds host_dir + rel on `name` under dirfd (the cgroup tmpfs, or the destination's parent),
// then remounts it read-only through a fresh fd of the new mount when asked.
bool bind_host_cgroup(const char* host_dir, const char* rel, int dirfd, const char* name,
                      unsigned long flags, ChildCtx& ctx) noexcept {
    char src[4096];
    if (!fits(std::snprintf(src, sizeof src, "%s%s", host_dir, rel), sizeof src))
        return ctx.fail(ENAMETOOLONG, "cgroup %s%s", host_dir, rel);
    int sub = ::openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) return ctx.fail(errno, "open cgroup mount point %s", name);
    char target[64];
    int r = ::mount(src, fd_path(sub, target, sizeof target), nullptr, MS_BIND | MS_REC, nullptr);
    int e = errno;
    ::close(sub);
    if (r != 0) return ctx.fail(e, "bind cgroup %s", src);
    if (flags & MS_RDONLY) {
        sub = ::openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) return ctx.fail(errno, "reopen cgroup mount %s", name);
        fd_path(sub, target, sizeof target);
        unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(target) |
                          (flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC));
        r = ::mount(nullptr, target, nullptr, f, nullptr);
        e = errno;
        ::close(sub);
        if (r != 0) return ctx.fail(e, "remount cgroup %s read-only", src);
    }
    return true;
}

// type "cgroup"/"cgroup2": on a unified host, cgroup2 (rooted at the container's cgroup through
// the cgroup namespace, or a bind of its cgroup dir without one). On a v1 or hybrid host, a
// tmpfs holding one mount per hierarchy of /proc/self/cgroup, plus "unified" for the v2
// hierarchy of a hybrid host: the layout runc gives containers.
bool mount_cgroup(InitPlan& plan, const MountPlan& m, int target_fd, ChildCtx& ctx) noexcept {
    char target[64];
    fd_path(target_fd, target, sizeof target);
    bool cgroupns = plan.namespaces->has(CLONE_NEWCGROUP);
    unsigned long flags = m.options.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    struct statfs host {};
    if (::statfs("/sys/fs/cgroup", &host) != 0) return ctx.fail(errno, "statfs /sys/fs/cgroup");
    static char cg[8192];
    read_self_cgroup(cg, sizeof cg);

    if (host.f_type == CGROUP2_SUPER_MAGIC) {
        if (cgroupns) {
            if (::mount("cgroup2", target, "cgroup2", flags, nullptr) != 0)
                return ctx.fail(errno, "mounts[%zu] mount cgroup2 on %s", m.index,
                                m.destination.c_str());
            return true;
        }
        const char* rel = std::strstr(cg, "0::");
        char path[4096] = "/";
        if (rel) {
            (void)std::snprintf(path, sizeof path, "%s", rel + 3);  // bind_host_cgroup checks
            path[std::strcspn(path, "\n")] = '\0';
        }
        char dir[4096];
        if (!fits(std::snprintf(dir, sizeof dir, "%s", m.destination.c_str()), sizeof dir))
            return ctx.fail(ENAMETOOLONG, "mounts[%zu] %s", m.index, m.destination.c_str());
        char* slash = std::strrchr(dir, '/');
        const char* leaf = slash ? slash + 1 : dir;
        if (slash) *slash = '\0';
        int parent = open_in_root(g_rootfd, dir[0] ? dir : "/", O_PATH | O_DIRECTORY);
        if (parent < 0) return ctx.fail(errno, "reopen %s", m.destination.c_str());
        bool ok = bind_host_cgroup("/sys/fs/cgroup", path, parent, leaf, flags, ctx);
        ::close(parent);
        return ok;
    }

    // v1 / hybrid: tmpfs first (writable while we build it), read-only at the end if asked.
    unsigned long tmpfs_flags = (flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (::mount("tmpfs", target, "tmpfs", tmpfs_flags, "mode=755") != 0)
        return ctx.fail(errno, "mounts[%zu] tmpfs for cgroups on %s", m.index,
                        m.destination.c_str());
    int dirfd = open_in_root(g_rootfd, m.destination.c_str(), O_PATH | O_DIRECTORY);
    if (dirfd < 0) return ctx.fail(errno, "reopen %s", m.destination.c_str());
    char* line = cg;
    bool ok = true;
    while (ok && line && *line) {
        char* next = std::strchr(line, '\n');
        if (next) *next++ = '\0';
        // hierarchy-id:controllers:path
        char* c1 = std::strchr(line, ':');
        char* c2 = c1 ? std::strchr(c1 + 1, ':') : nullptr;
        if (!c1 || !c2) {
            line = next;
            continue;
        }
        *c1 = *c2 = '\0';
        const char* controllers = c1 + 1;
        const char* rel = c2 + 1;
        char name[256];
        const char* data = controllers;
        bool v2 = controllers[0] == '\0';
        if (v2) {
            (void)std::snprintf(name, sizeof name, "unified");
        } else if (std::strncmp(controllers, "name=", 5) == 0) {
            (void)std::snprintf(name, sizeof name, "%s", controllers + 5);
        } else {
            (void)std::snprintf(name, sizeof name, "%s", controllers);
        }
        char host_dir[512];
        (void)std::snprintf(host_dir, sizeof host_dir, "/sys/fs/cgroup/%s", name);
        if (!is_dir(host_dir)) {  // a hierarchy the host does not mount at the usual place
            line = next;
            continue;
        }
        if (::mkdirat(dirfd, name, 0755) != 0 && errno != EEXIST) {
            ok = ctx.fail(errno, "mkdir cgroup dir %s", name);
            break;
        }
        if (cgroupns) {
            int sub = ::openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                ok = ctx.fail(errno, "open cgroup dir %s", name);
                break;
            }
            char subpath[64];
            fd_path(sub, subpath, sizeof subpath);
            int r = v2 ? ::mount("cgroup2", subpath, "cgroup2", flags, nullptr)
                       : ::mount("cgroup", subpath, "cgroup", flags, data);
            if (r != 0) ok = ctx.fail(errno, "mount cgroup %s", name);
            ::close(sub);
        } else {
            ok = bind_host_cgroup(host_dir, rel, dirfd, name, flags, ctx);
        }
        // "cpu,cpuacct" also answers to "cpu" and "cpuacct" (symlinks, as on the host).
        if (ok && !v2 && std::strchr(name, ',')) {
            char copy[256];
            (void)std::snprintf(copy, sizeof copy, "%s", name);
            for (char* tok = std::strtok(copy, ","); tok; tok = std::strtok(nullptr, ","))
                if (std::strncmp(tok, "name=", 5) != 0) ::symlinkat(name, dirfd, tok);
        }
        line = next;
    }
    if (ok && (flags & MS_RDONLY)) {
        char dirpath[64];
        fd_path(dirfd, dirpath, sizeof dirpath);
        if (::mount(nullptr, dirpath, nullptr, MS_REMOUNT | tmpfs_flags | MS_RDONLY, "mode=755") !=
            0)
            ok = ctx.fail(errno, "remount cgroup tmpfs read-only");
    }
    ::close(dirfd);
    return ok;
}

// "mode=" among comma-separated filesystem options.
bool has_mode_option(const char* data) noexcept {
    for (const char* p = data;;) {
        if (std::strncmp(p, "mode=", 5) == 0) return true;
        const char* comma = std::strchr(p, ',');
        if (!comma) return false;
        p = comma + 1;
    }
}

// The directory a mount on `dest` will cover, if there is one (into *st).
bool covered_directory(const char* dest, struct stat* st) noexcept {
    int fd = open_in_root(g_rootfd, dest, O_PATH);
    if (fd < 0) return false;
    bool dir = ::fstat(fd, st) == 0 && S_ISDIR(st->st_mode);
    ::close(fd);
    return dir;
}

// type "tmpfs", as runc mounts it (the spec says nothing of either):
// - over an existing directory without "mode=", the tmpfs root gets that directory's mode
//   (runc chmods it; tmpfs's own default, 1777, would open e.g. /root to everyone). runc 1.1.5
//   chmods over an explicit mode= too; rt keeps the config's mode=.
// - tmpcopyup: the covered directory's contents are copied in (copy_up.hpp) while the mount is
//   still writable; "ro" is applied after the copy.
// `covered`: the directory under the destination before the mount, or null (rt made it).
bool mount_tmpfs(const MountPlan& m, int dest_fd, const struct stat* covered,
                 ChildCtx& ctx) noexcept {
    const MountOptions& o = m.options;
    const char* dest = m.destination.c_str();
    char target[64];
    fd_path(dest_fd, target, sizeof target);
    static char data[8192];
    const char* given = o.data.c_str();
    int n = covered && !has_mode_option(given)
                ? std::snprintf(data, sizeof data, "%s%smode=%o", given, *given ? "," : "",
                                static_cast<unsigned>(covered->st_mode & 07777))
                : std::snprintf(data, sizeof data, "%s", given);
    if (!fits(n, sizeof data)) return ctx.fail(E2BIG, "mounts[%zu] %s: options", m.index, dest);
    unsigned long flags = o.flags & ~(MS_BIND | MS_REC);
    bool copy = o.copy_up && covered;
    int src = -1;
    if (copy) {
        // Opened before the mount: this fd keeps reaching the covered directory.
        src = ::open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src < 0)
            return ctx.fail(errno, "mounts[%zu] %s: tmpcopyup: open the covered directory", m.index,
                            dest);
    }
    const char* source = m.source.empty() ? "tmpfs" : m.source.c_str();
    if (::mount(source, target, "tmpfs", copy ? flags & ~MS_RDONLY : flags,
                data[0] ? data : nullptr) != 0) {
        int e = errno;
        if (src >= 0) ::close(src);
        return ctx.fail(e, "mounts[%zu] mount %s (tmpfs) on %s", m.index, source, dest);
    }
    if (!copy) return true;
    int root_path = open_new_mount(m, dest_fd);
    char root[64];
    fd_path(root_path, root, sizeof root);
    int dst = root_path < 0 ? -1 : ::open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char where[256] = "";
    int e = dst < 0 ? errno : copy_directory_contents(src, dst, where, sizeof where);
    ::close(src);
    if (dst >= 0) ::close(dst);
    bool ok = true;
    if (e) {
        ok = ctx.fail(e, "mounts[%zu] %s: tmpcopyup: copy %s%s", m.index, dest,
                      where[0] ? "" : "into the new tmpfs", where);
    } else if ((flags & MS_RDONLY) &&
               ::mount(nullptr, root, nullptr,
                       MS_BIND | MS_REMOUNT | MS_RDONLY | (flags & kLockableFlags), nullptr) != 0) {
        ok = ctx.fail(errno, "mounts[%zu] %s: remount read-only after tmpcopyup", m.index, dest);
    }
    // A failed copy leaves no half-filled tmpfs behind (the mount namespace may be the host's).
    if (!ok && root_path >= 0) ::umount2(root, MNT_DETACH);
    if (root_path >= 0) ::close(root_path);
    return ok;
}

bool do_mount(InitPlan& plan, const MountPlan& m, ChildCtx& ctx) noexcept {
    const MountOptions& o = m.options;
    bool leaf_file = false;
    if (o.bind) {
        struct stat st {};
        if ((m.source_fd >= 0 ? ::fstat(m.source_fd, &st) : ::stat(m.source.c_str(), &st)) != 0)
            return ctx.fail(errno, "mounts[%zu] bind source %s", m.index, m.source.c_str());
        leaf_file = !S_ISDIR(st.st_mode);
    }
    bool tmpfs = !o.bind && m.type == "tmpfs";
    struct stat covered {};
    bool over_dir = tmpfs && covered_directory(m.destination.c_str(), &covered);
    int fd = mkdir_all_in_root(g_rootfd, m.destination.c_str(), 0755, leaf_file);
    if (fd < 0)
        return ctx.fail(errno, "mounts[%zu] create destination %s in the rootfs", m.index,
                        m.destination.c_str());
    char target[64];
    fd_path(fd, target, sizeof target);
    bool ok = true;
    if (m.type == "cgroup" || m.type == "cgroup2") {
        ok = mount_cgroup(plan, m, fd, ctx);
        ok = ok && finish_mount(m, fd, plan.new_userns, ctx);
        ::close(fd);
        return ok;
    }
    if (o.bind && m.idmap_tree) {
        // The idmapped copy the parent prepared (linux/idmap.hpp), attached on the resolved
        // destination inode.
        if (::syscall(SYS_move_mount, m.idmap_tree.get(), "", fd, "",
                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
            ok = ctx.fail(errno, "mounts[%zu] attach idmapped %s on %s", m.index, m.source.c_str(),
                          m.destination.c_str());
        ::close(m.idmap_tree.get());
    } else if (o.bind) {
        char opened[64];
        const char* source =
            m.source_fd >= 0 ? fd_path(m.source_fd, opened, sizeof opened) : m.source.c_str();
        if (::mount(source, target, nullptr, MS_BIND | (o.recursive_bind ? MS_REC : 0), nullptr) !=
            0)
            ok = ctx.fail(errno, "mounts[%zu] bind %s on %s", m.index, m.source.c_str(),
                          m.destination.c_str());
        if (m.source_fd >= 0) ::close(m.source_fd);
    } else if (tmpfs) {
        ok = mount_tmpfs(m, fd, over_dir ? &covered : nullptr, ctx);
    } else {
        const char* source = m.source.empty() ? m.type.c_str() : m.source.c_str();
        unsigned long flags = o.flags & ~(MS_BIND | MS_REC);
        int r = ::mount(source, target, m.type.c_str(), flags,
                        o.data.empty() ? nullptr : o.data.c_str());
        if (r != 0 && errno == EPERM && m.type == "sysfs") {
            // sysfs cannot be mounted without owning the network namespace (e.g. user ns
            // without a new net ns): bind the host's /sys instead, as runc does.
            r = ::mount("/sys", target, nullptr, MS_BIND | MS_REC, nullptr);
            if (r == 0 && (flags & MS_RDONLY))
                ::mount(nullptr, target, nullptr,
                        MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(target), nullptr);
        }
        if (r != 0)
            ok = ctx.fail(errno, "mounts[%zu] mount %s (%s) on %s", m.index, source, m.type.c_str(),
                          m.destination.c_str());
    }
    ok = ok && finish_mount(m, fd, plan.new_userns, ctx);
    ::close(fd);
    return ok;
}

struct DefaultDevice {
    const char* name;
    unsigned major, minor;
};
constexpr DefaultDevice kDefaultDevices[] = {
    {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

// What is at `rel` in the rootfs: 0 nothing, 1 the device `type` `dev`, -1 something else.
int existing_node(const char* rel, mode_t type, dev_t dev) noexcept {
    int fd = open_in_root(g_rootfd, rel, O_PATH | O_NOFOLLOW);
    if (fd < 0) return 0;
    struct stat st {};
    bool same = ::fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == type && st.st_rdev == dev;
    ::close(fd);
    return same ? 1 : -1;
}

// mknod, or (in a user namespace, where mknod is refused) bind the host's device node.
// strict (linux.devices): a file already at `rel` that is not this device is an error
// (config-linux.md "devices"); a default device replaces whatever the image left there.
// parent_fd: rel's parent directory when the caller has it open (the default devices, in
// /dev), else -1 (it is then created and opened in the rootfs).
bool make_device(int parent_fd, const char* rel, mode_t type, unsigned major, unsigned minor,
                 mode_t perm, uid_t uid, gid_t gid, const char* host_path, bool in_userns,
                 bool strict, ChildCtx& ctx) noexcept {
    // Looked up only where it matters: strict, or in a user namespace (where a node that is
    // already there is kept); a default mknod replaces whatever is there anyway.
    int existing = strict || in_userns ? existing_node(rel, type, makedev(major, minor)) : 0;
    if (existing < 0 && strict)
        return ctx.fail(0, "device %s: a file that is not the %s device %u:%u is already there",
                        rel,
                        type == S_IFBLK   ? "block"
                        : type == S_IFIFO ? "fifo"
                                          : "character",
                        major, minor);
    if (!in_userns) {
        char parent[4096];
        if (!fits(std::snprintf(parent, sizeof parent, "%s", rel), sizeof parent))
            return ctx.fail(ENAMETOOLONG, "device %s", rel);
        char* slash = std::strrchr(parent, '/');
        const char* leaf = slash ? slash + 1 : parent;
        if (slash) *slash = '\0';
        int pfd = parent_fd >= 0
                      ? parent_fd
                      : mkdir_all_in_root(g_rootfd, parent[0] ? parent : "/", 0755, false);
        if (pfd < 0) return ctx.fail(errno, "device %s: create parent directory", rel);
        ::unlinkat(pfd, leaf, 0);  // a node left by the image is replaced
        int r = ::mknodat(pfd, leaf, type | perm, makedev(major, minor));
        int e = errno;
        if (r == 0) {
            ::fchownat(pfd, leaf, uid, gid, AT_SYMLINK_NOFOLLOW);
            ::fchmodat(pfd, leaf, perm, 0);  // not subject to the umask
        }
        if (pfd != parent_fd) ::close(pfd);
        if (r == 0) return true;
        if (e != EPERM) return ctx.fail(e, "mknod %s", rel);
    }
    // The host node bound must be the device asked for: the same path on the host, else the
    // udev links /dev/char|block/<major>:<minor>.
    auto is_wanted = [&](const char* path) {
        struct stat st {};
        return ::stat(path, &st) == 0 && (st.st_mode & S_IFMT) == type &&
               st.st_rdev == makedev(major, minor);
    };
    char alt[64];
    if (!is_wanted(host_path)) {
        (void)std::snprintf(alt, sizeof alt, "/dev/%s/%u:%u", type == S_IFBLK ? "block" : "char",
                            major, minor);
        if (!is_wanted(alt))
            return ctx.fail(0,
                            "device %s: in a user namespace devices are bind-mounted from the "
                            "host, which has no %s device %u:%u at %s or %s",
                            rel, type == S_IFBLK ? "block" : "character", major, minor, host_path,
                            alt);
        host_path = alt;
    }
    // Already there (a default device, or the image's own node of that device): keep it.
    if (existing > 0) return true;
    int fd = mkdir_all_in_root(g_rootfd, rel, 0755, true);
    if (fd < 0) return ctx.fail(errno, "device %s: create bind target", rel);
    char target[64];
    fd_path(fd, target, sizeof target);
    int r = ::mount(host_path, target, nullptr, MS_BIND, nullptr);
    int e = errno;
    ::close(fd);
    if (r != 0) return ctx.fail(e, "bind host device %s on %s", host_path, rel);
    return true;
}

}  // namespace

// The propagation of every mount of our copy of the host's tree, before anything is mounted.
// Nothing rt mounts may propagate back to the host, so it is always recursive: rslave (runc's
// default), or rprivate for rprivate/runbindable. A non-recursive value ("private", "slave",
// "unbindable", "shared") applied to / alone would leave the mount holding the rootfs shared
// when the host's is (e.g. /var on a systemd host): the rootfs bind and all our mounts would
// appear on the host. The requested value is applied to the container's / after pivot_root
// (step_root_propagation): runc does the same since 1.2.x, and for "shared" the spec asks for a
// new peer group, not the host's.
// "rshared" is the exception, as in runc: it is applied to / here, so that the container's
// copies of the host's shared mounts stay in the host's peer groups (rslave first would turn
// them into slaves for good). A bind volume made "rshared" then propagates both ways, which is
// what Kubernetes' Bidirectional propagation (containerd sets rootfsPropagation "rshared")
// needs. The mount holding the rootfs is then made private (runc's rootfsParentMountPrivate):
// the rootfs bind, and so every mount under it, stays out of the host's namespace, and
// pivot_root accepts it (it refuses a shared parent of the new root).
namespace {
unsigned long propagation_before_pivot(unsigned long requested) noexcept {
    if (requested == (MS_SHARED | MS_REC)) return MS_SHARED | MS_REC;
    if (requested == (MS_PRIVATE | MS_REC) || requested == (MS_UNBINDABLE | MS_REC))
        return MS_PRIVATE | MS_REC;
    return MS_SLAVE | MS_REC;
}

uint64_t mount_id(int fd) noexcept {
    struct statx sx {};
    if (::statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) != 0 ||
        !(sx.stx_mask & STATX_MNT_ID))
        return 0;
    return sx.stx_mnt_id;
}

// Makes the mount that holds `path` private: its mount point is the topmost ancestor of
// `path` (walking "..") that is still on the same mount.
bool make_parent_mount_private(const char* path, ChildCtx& ctx) noexcept {
    int top = ::open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (top < 0) return ctx.fail(errno, "open rootfs %s", path);
    uint64_t id = mount_id(top);
    if (id == 0) {
        ::close(top);
        return ctx.fail(errno ? errno : ENOSYS, "statx(STATX_MNT_ID) %s", path);
    }
    for (;;) {
        int up = ::openat(top, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (up < 0) break;
        struct stat a {
        }, b{};
        bool same_dir = ::fstat(up, &a) == 0 && ::fstat(top, &b) == 0 && a.st_dev == b.st_dev &&
                        a.st_ino == b.st_ino;  // "/": ".." is itself
        if (same_dir || mount_id(up) != id) {
            ::close(up);
            break;
        }
        ::close(top);
        top = up;
    }
    char where[64];
    int r = ::mount(nullptr, fd_path(top, where, sizeof where), nullptr, MS_PRIVATE, nullptr);
    int e = errno;
    ::close(top);
    if (r != 0) return ctx.fail(e, "make the mount holding the rootfs %s private", path);
    return true;
}
}  // namespace

bool step_rootfs_propagation(InitPlan& plan, ChildCtx& ctx) noexcept {
    // In rt's own mount namespace the host's propagation is not ours to change (runc makes the
    // host's / rslave here); the rootfs bind is made private instead (step_bind_rootfs).
    if (plan.shared_mount_ns) return true;
    unsigned long p = propagation_before_pivot(plan.rootfs_propagation);
    if (::mount(nullptr, "/", nullptr, p, nullptr) != 0)
        return ctx.fail(errno, "make / %s",
                        p & MS_SHARED    ? "rshared"
                        : p & MS_PRIVATE ? "rprivate"
                                         : "rslave");
    if (p & MS_SHARED) return make_parent_mount_private(plan.rootfs.c_str(), ctx);
    return true;
}

bool step_bind_rootfs(InitPlan& plan, ChildCtx& ctx) noexcept {
    const char* r = plan.rootfs.c_str();
    if (::mount(r, r, nullptr, MS_BIND | MS_REC, nullptr) != 0)
        return ctx.fail(errno, "bind rootfs %s on itself", r);
    // rt's mount namespace: what is mounted under the bind must not propagate to the host's
    // peers of the mount the rootfs is on.
    if (plan.shared_mount_ns && ::mount(nullptr, r, nullptr, MS_PRIVATE | MS_REC, nullptr) != 0)
        return ctx.fail(errno, "make the rootfs bind %s private", r);
    g_rootfd = ::open(r, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (g_rootfd < 0) return ctx.fail(errno, "open rootfs %s", r);
    return true;
}

bool step_mounts(InitPlan& plan, ChildCtx& ctx) noexcept {
    for (const auto& m : plan.mounts)
        if (!do_mount(plan, m, ctx)) return false;
    return true;
}

// A linux.devices entry at `path` (cleaned, as every DevicePlan path is).
bool configured_device(const InitPlan& plan, const char* path) noexcept {
    for (const auto& d : plan.devices)
        if (std::strcmp(d.path.c_str(), path) == 0) return true;
    return false;
}

// In runc's order (createDevices, setupPtmx, setupDevSymlinks): the default nodes a
// linux.devices entry of the same path does not replace, the configured nodes, then the links.
// Engines list every host node for --privileged (/dev/null, /dev/ptmx...): such an entry wins
// over the default of its path; /dev/ptmx is always the pts/ptmx link (runc skips the entry).
bool step_devices(InitPlan& plan, ChildCtx& ctx) noexcept {
    bool userns = plan.new_userns || plan.namespaces->joins_flag(CLONE_NEWUSER);
    int devfd = -1;
    if (plan.default_devices) {
        devfd = mkdir_all_in_root(g_rootfd, "/dev", 0755, false);
        if (devfd < 0) return ctx.fail(errno, "create /dev in the rootfs");
        for (const auto& d : kDefaultDevices) {
            char path[64];
            (void)std::snprintf(path, sizeof path, "/dev/%s", d.name);
            if (configured_device(plan, path)) continue;
            if (!make_device(devfd, path, S_IFCHR, d.major, d.minor, 0666, 0, 0, path, userns,
                             false, ctx)) {
                ::close(devfd);
                return false;
            }
        }
    }
    for (const auto& d : plan.devices) {
        if (plan.default_devices && d.path == "/dev/ptmx") continue;
        if (!make_device(-1, d.path.c_str(), d.type, d.major, d.minor, d.perm, d.uid, d.gid,
                         d.path.c_str(), userns, true, ctx)) {
            if (devfd >= 0) ::close(devfd);
            return false;
        }
    }
    if (!plan.default_devices) return true;
    struct Link {
        const char* target;
        const char* name;
    };
    const Link links[] = {{"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
                          {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                          {"pts/ptmx", "ptmx"},          {"/proc/kcore", "core"}};
    for (const auto& l : links) {
        if (std::strcmp(l.name, "core") == 0 && ::access("/proc/kcore", F_OK) != 0) continue;
        if (std::strcmp(l.name, "ptmx") == 0) ::unlinkat(devfd, "ptmx", 0);
        if (::symlinkat(l.target, devfd, l.name) != 0 && errno != EEXIST) {
            int e = errno;
            ::close(devfd);
            return ctx.fail(e, "symlink /dev/%s", l.name);
        }
    }
    ::mkdirat(devfd, "shm", 01777);
    ::mkdirat(devfd, "pts", 0755);
    ::close(devfd);
    return true;
}

bool step_create_cwd(InitPlan& plan, ChildCtx& ctx) noexcept {
    // runc creates a missing cwd (owned by root) before pivot_root.
    if (plan.process.cwd.empty() || plan.process.cwd == "/") return true;
    int fd = mkdir_all_in_root(g_rootfd, plan.process.cwd.c_str(), 0755, false);
    if (fd < 0) return ctx.fail(errno, "create cwd %s", plan.process.cwd.c_str());
    ::close(fd);
    return true;
}

bool step_pivot_root(InitPlan& plan, ChildCtx& ctx) noexcept {
    const char* r = plan.rootfs.c_str();
    if (plan.shared_mount_ns) {
        // rt's mount namespace: chroot, as runc does without a mount namespace. pivot_root
        // would swap the host's root, and --no-pivot's MS_MOVE would move the rootfs over the
        // host's / (runc does that with --no-pivot): rt chroots for --no-pivot too.
        if (::chdir(r) != 0) return ctx.fail(errno, "chdir %s", r);
        if (::chroot(".") != 0) return ctx.fail(errno, "chroot %s", r);
        if (::chdir("/") != 0) return ctx.fail(errno, "chdir /");
    } else if (plan.no_pivot) {
        if (::chdir(r) != 0) return ctx.fail(errno, "chdir %s", r);
        if (::mount(r, "/", nullptr, MS_MOVE, nullptr) != 0)
            return ctx.fail(errno, "move rootfs to /");
        if (::chroot(".") != 0) return ctx.fail(errno, "chroot");
        if (::chdir("/") != 0) return ctx.fail(errno, "chdir /");
    } else {
        int oldroot = ::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (oldroot < 0) return ctx.fail(errno, "open /");
        int newroot = ::open(r, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (newroot < 0) return ctx.fail(errno, "open %s", r);
        // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves
        // only the container's tree (no temporary directory in the rootfs needed).
        if (::fchdir(newroot) != 0) return ctx.fail(errno, "fchdir rootfs");
        if (::syscall(SYS_pivot_root, ".", ".") != 0) return ctx.fail(errno, "pivot_root %s", r);
        if (::fchdir(oldroot) != 0) return ctx.fail(errno, "fchdir old root");
        if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0)
            return ctx.fail(errno, "make old root slave");
        if (::umount2(".", MNT_DETACH) != 0) return ctx.fail(errno, "detach old root");
        if (::chdir("/") != 0) return ctx.fail(errno, "chdir /");
        ::close(oldroot);
        ::close(newroot);
    }
    if (g_rootfd >= 0) {
        ::close(g_rootfd);
        g_rootfd = -1;
    }
    return true;
}

bool step_root_propagation(InitPlan& plan, ChildCtx& ctx) noexcept {
    // linux.rootfsPropagation on the container's root (see step_rootfs_propagation), once its
    // last bind mount (masked paths) is done: nothing can be bind-mounted from an unbindable
    // mount.
    // Not again for rslave and rprivate: the rootfs bind has them already. (After "rshared",
    // the rootfs bind is private: see step_rootfs_propagation.)
    unsigned long p = plan.rootfs_propagation;
    bool done = !plan.shared_mount_ns && (p == (MS_SLAVE | MS_REC) || p == (MS_PRIVATE | MS_REC));
    if (p && !done && ::mount(nullptr, "/", nullptr, p, nullptr) != 0)
        return ctx.fail(errno, "apply rootfsPropagation to /");
    return true;
}

bool step_masked_paths(InitPlan& plan, ChildCtx& ctx) noexcept {
    if (!plan.spec->linux || !plan.spec->linux->maskedPaths) return true;
    for (const auto& p : *plan.spec->linux->maskedPaths) {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0) {
            if (errno == ENOENT) continue;
            return ctx.fail(errno, "masked path %s", p.c_str());
        }
        int r = S_ISDIR(st.st_mode) ? ::mount("tmpfs", p.c_str(), "tmpfs", MS_RDONLY, "size=0")
                                    : ::mount("/dev/null", p.c_str(), nullptr, MS_BIND, nullptr);
        if (r != 0) return ctx.fail(errno, "mask %s", p.c_str());
    }
    return true;
}

bool step_readonly_paths(InitPlan& plan, ChildCtx& ctx) noexcept {
    if (!plan.spec->linux || !plan.spec->linux->readonlyPaths) return true;
    for (const auto& p : *plan.spec->linux->readonlyPaths) {
        if (::mount(p.c_str(), p.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
            if (errno == ENOENT) continue;
            return ctx.fail(errno, "bind read-only path %s", p.c_str());
        }
        unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | locked_flags(p.c_str());
        if (::mount(nullptr, p.c_str(), nullptr, f, nullptr) != 0)
            return ctx.fail(errno, "remount %s read-only", p.c_str());
    }
    return true;
}

bool step_root_readonly(InitPlan& plan, ChildCtx& ctx) noexcept {
    if (!plan.spec->root || !plan.spec->root->readonly) return true;
    unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/");
    if (::mount(nullptr, "/", nullptr, f, nullptr) != 0)
        return ctx.fail(errno, "remount / read-only (root.readonly)");
    return true;
}

}  // namespace rt::linux
