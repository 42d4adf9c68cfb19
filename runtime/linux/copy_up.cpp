#include "linux/copy_up.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace rt::linux {
namespace {

struct Dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[1];
};

constexpr int kMaxDepth = 128;

// The child is single-threaded: one buffer for file data, two for xattr names and values
// (the kernel's limits for a list and a value are 64 KiB each).
char g_data[1 << 16];
char g_xattr_names[1 << 16];
char g_xattr_value[1 << 16];

struct Walk {
    char rel[PATH_MAX];  // the entry being copied, relative to the top (for the error)
    size_t len = 0;
};

// Appends "/name" (or "name" at the top) to w.rel; false when it does not fit.
bool push(Walk& w, const char* name, size_t* saved) noexcept {
    *saved = w.len;
    int n = std::snprintf(w.rel + w.len, sizeof w.rel - w.len, "%s%s", w.len ? "/" : "", name);
    if (n < 0 || static_cast<size_t>(n) >= sizeof w.rel - w.len) return false;
    w.len += static_cast<size_t>(n);
    return true;
}

// tmpfs refuses some namespaces (user.* before 6.6) and an unprivileged init others: such a
// name is left out rather than failing the container.
bool xattr_refused(int e) noexcept {
    return e == ENOTSUP || e == EOPNOTSUPP || e == EPERM || e == EACCES;
}

int copy_xattrs(int from, int to) noexcept {
    ssize_t n = ::flistxattr(from, g_xattr_names, sizeof g_xattr_names);
    if (n < 0) return errno == ENOTSUP || errno == EOPNOTSUPP ? 0 : errno;
    for (ssize_t off = 0; off < n;) {
        const char* name = g_xattr_names + off;
        off += static_cast<ssize_t>(std::strlen(name)) + 1;
        ssize_t v = ::fgetxattr(from, name, g_xattr_value, sizeof g_xattr_value);
        if (v < 0) {
            if (errno == ENODATA) continue;  // removed meanwhile
            return errno;
        }
        if (::fsetxattr(to, name, g_xattr_value, static_cast<size_t>(v), 0) != 0 &&
            !xattr_refused(errno))
            return errno;
    }
    return 0;
}

int copy_data(int in, int out) noexcept {
    for (;;) {
        ssize_t n = ::sendfile(out, in, nullptr, 1 << 30);
        if (n > 0) continue;
        if (n == 0) return 0;
        if (errno == EINTR) continue;
        if (errno != EINVAL && errno != ENOSYS) return errno;
        break;  // this pair of files does not do sendfile: read and write
    }
    for (;;) {
        ssize_t n = ::read(in, g_data, sizeof g_data);
        if (n == 0) return 0;
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(out, g_data + done, static_cast<size_t>(n - done));
            if (w < 0) {
                if (errno == EINTR) continue;
                return errno;
            }
            done += w;
        }
    }
}

int copy_dir(int src, int dst, Walk& w, int depth) noexcept;

// Owner, then mode (chown clears setuid/setgid), xattrs, then the times (last: a directory's
// mtime moved with every entry made in it).
int copy_attributes(int in, int out, const struct stat& st) noexcept {
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::fchown(out, st.st_uid, st.st_gid) != 0) return errno;
    if (::fchmod(out, st.st_mode & 07777) != 0) return errno;
    if (int e = copy_xattrs(in, out)) return e;
    if (::futimens(out, times) != 0) return errno;
    return 0;
}

// One entry of `src` (already named in w.rel).
int copy_entry(int src, int dst, const char* name, Walk& w, int depth) noexcept {
    struct stat st {};
    if (::fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    int e = 0;
    if (S_ISDIR(st.st_mode)) {
        if (depth >= kMaxDepth) return ELOOP;
        if (::mkdirat(dst, name, 0700) != 0) return errno;
        int in = ::openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0) return errno;
        int out = ::openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (out < 0) {
            e = errno;
            ::close(in);
            return e;
        }
        e = copy_dir(in, out, w, depth + 1);
        if (!e) e = copy_attributes(in, out, st);
        ::close(in);
        ::close(out);
        return e;
    }
    if (S_ISREG(st.st_mode)) {
        int in = ::openat(src, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (in < 0) return errno;
        int out = ::openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0) {
            e = errno;
            ::close(in);
            return e;
        }
        e = copy_data(in, out);
        if (!e) e = copy_attributes(in, out, st);
        ::close(in);
        ::close(out);
        return e;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = ::readlinkat(src, name, target, sizeof target - 1);
        if (n < 0) return errno;
        target[n] = '\0';
        if (::symlinkat(target, dst, name) != 0) return errno;
    } else {
        // Device nodes, fifos, sockets: a new inode of the same kind (runc's copy fails on
        // fifos and sockets).
        if (::mknodat(dst, name, st.st_mode & (S_IFMT | 07777), st.st_rdev) != 0) return errno;
    }
    if (::fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) return errno;
    if (!S_ISLNK(st.st_mode) && ::fchmodat(dst, name, st.st_mode & 07777, 0) != 0) return errno;
    if (::utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW) != 0) return errno;
    return 0;
}

int copy_dir(int src, int dst, Walk& w, int depth) noexcept {
    alignas(Dirent64) char buf[4096];
    for (;;) {
        long n = ::syscall(SYS_getdents64, src, buf, sizeof buf);
        if (n == 0) return 0;
        if (n < 0) return errno;
        for (long off = 0; off < n;) {
            auto* d = reinterpret_cast<Dirent64*>(buf + off);
            off += d->d_reclen;
            if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
            size_t saved;
            if (!push(w, d->d_name, &saved)) return ENAMETOOLONG;
            if (int e = copy_entry(src, dst, d->d_name, w, depth)) return e;
            w.len = saved;
            w.rel[w.len] = '\0';
        }
    }
}

}  // namespace

int copy_directory_contents(int src, int dst, char* where, size_t where_size) noexcept {
    static Walk w;
    w.len = 0;
    w.rel[0] = '\0';
    int e = copy_dir(src, dst, w, 0);
    if (e && where_size) (void)std::snprintf(where, where_size, "%s", w.rel);
    return e;
}

}  // namespace rt::linux
