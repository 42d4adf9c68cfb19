#include "linux/safe_path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace rt::linux {
namespace {

bool g_no_openat2 = false;

// Walk fallback: resolves component by component, following symlinks inside root. Returns
// an O_PATH fd.
int walk_in_root(int rootfd, const char* path) noexcept {
    constexpr int kMaxDepth = 256;
    int stack[kMaxDepth];
    int depth = 0;
    stack[0] = ::fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    if (stack[0] < 0) return -1;
    auto cleanup = [&] {
        for (int i = 0; i <= depth; ++i) ::close(stack[i]);
    };
    char remaining[PATH_MAX * 2];
    if (std::strlen(path) >= sizeof remaining) {
        cleanup();
        errno = ENAMETOOLONG;
        return -1;
    }
    std::strcpy(remaining, path);
    int links = 0;
    char* p = remaining;
    while (*p) {
        while (*p == '/') ++p;
        if (!*p) break;
        char* end = std::strchr(p, '/');
        size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
        char comp[NAME_MAX + 1];
        if (len > NAME_MAX) {
            cleanup();
            errno = ENAMETOOLONG;
            return -1;
        }
        std::memcpy(comp, p, len);
        comp[len] = '\0';
        p += len;
        if (std::strcmp(comp, ".") == 0) continue;
        if (std::strcmp(comp, "..") == 0) {
            if (depth > 0) ::close(stack[depth--]);
            continue;
        }
        int fd = ::openat(stack[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            cleanup();
            errno = e;
            return -1;
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            int e = errno;
            ::close(fd);
            cleanup();
            errno = e;
            return -1;
        }
        if (S_ISLNK(st.st_mode)) {
            ::close(fd);
            if (++links > 40) {
                cleanup();
                errno = ELOOP;
                return -1;
            }
            char target[PATH_MAX];
            ssize_t n = ::readlinkat(stack[depth], comp, target, sizeof target - 1);
            if (n < 0) {
                int e = errno;
                cleanup();
                errno = e;
                return -1;
            }
            target[n] = '\0';
            char next[PATH_MAX * 2];
            int w = std::snprintf(next, sizeof next, "%s/%s", target, p);
            if (w < 0 || static_cast<size_t>(w) >= sizeof next) {
                cleanup();
                errno = ENAMETOOLONG;
                return -1;
            }
            std::strcpy(remaining, next);
            p = remaining;
            if (target[0] == '/') {
                while (depth > 0) ::close(stack[depth--]);
            }
            continue;
        }
        if (depth + 1 >= kMaxDepth) {
            ::close(fd);
            cleanup();
            errno = ENAMETOOLONG;
            return -1;
        }
        stack[++depth] = fd;
    }
    int result = stack[depth];
    for (int i = 0; i < depth; ++i) ::close(stack[i]);
    return result;
}

}  // namespace

const char* fd_path(int fd, char* buf, unsigned size) noexcept {
    (void)std::snprintf(buf, size, "/proc/self/fd/%d", fd);
    return buf;
}

int open_in_root(int rootfd, const char* path, int flags) noexcept {
    if (!g_no_openat2) {
        open_how how{};
        how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        for (int attempt = 0; attempt < 16; ++attempt) {
            int fd = static_cast<int>(::syscall(SYS_openat2, rootfd, path, &how, sizeof how));
            if (fd >= 0) return fd;
            if (errno == EAGAIN) continue;  // a concurrent rename: the kernel asks to retry
            if (errno != ENOSYS) return -1;
            g_no_openat2 = true;
            break;
        }
        if (!g_no_openat2) return -1;
    }
    int fd = walk_in_root(rootfd, path);
    if (fd < 0 || (flags & O_PATH)) return fd;
    char buf[64];
    int reopened = ::open(fd_path(fd, buf, sizeof buf), flags | O_CLOEXEC);
    int e = errno;
    ::close(fd);
    errno = e;
    return reopened;
}

static int mkdir_all_depth(int rootfd, const char* path, mode_t mode, bool leaf_file,
                           int depth) noexcept;

int mkdir_all_in_root(int rootfd, const char* path, mode_t mode, bool leaf_file) noexcept {
    return mkdir_all_depth(rootfd, path, mode, leaf_file, 0);
}

static int mkdir_all_depth(int rootfd, const char* path, mode_t mode, bool leaf_file,
                           int depth) noexcept {
    char prefix[PATH_MAX];
    size_t plen = 0;
    int cur = ::fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    if (cur < 0) return -1;
    const char* p = path;
    while (*p) {
        while (*p == '/') ++p;
        if (!*p) break;
        const char* end = std::strchr(p, '/');
        size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
        const char* next = p + len;
        while (*next == '/') ++next;
        bool last = *next == '\0';
        if (plen + len + 2 >= sizeof prefix || len > NAME_MAX) {
            ::close(cur);
            errno = ENAMETOOLONG;
            return -1;
        }
        prefix[plen++] = '/';
        std::memcpy(prefix + plen, p, len);
        plen += len;
        prefix[plen] = '\0';
        char comp[NAME_MAX + 1];
        std::memcpy(comp, p, len);
        comp[len] = '\0';
        p += len;

        int fd = open_in_root(rootfd, prefix, O_PATH);
        if (fd < 0 && errno == ENOENT) {
            int r;
            if (last && leaf_file) {
                r = ::openat(cur, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (r >= 0) ::close(r);
            } else {
                r = ::mkdirat(cur, comp, mode);
            }
            if (r < 0 && errno != EEXIST) {
                int e = errno;
                ::close(cur);
                errno = e;
                return -1;
            }
            // What was just made, through the parent's inode: looking the prefix up from the
            // root again would follow whatever the container swapped into an ancestor
            // meanwhile (rename exchange with a symlink) and miss it. A symlink found here is
            // resolved from the root below, as before; one that turns back into something
            // else while we look (the same exchange race) is looked at again, a few times.
            for (int tries = 0;; ++tries) {
                fd = -1;
                if (std::strcmp(comp, ".") != 0 && std::strcmp(comp, "..") != 0) {
                    fd = ::openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                    struct stat st {};
                    if (fd >= 0 && (::fstat(fd, &st) != 0 || S_ISLNK(st.st_mode))) {
                        ::close(fd);
                        fd = -1;
                    }
                }
                if (fd < 0) fd = open_in_root(rootfd, prefix, O_PATH);
                if (fd >= 0 || errno != ENOENT || depth >= 40) break;
                // A dangling symlink: create its target, resolved inside the root (absolute
                // targets are relative to the root), then the rest of the path below it.
                char target[PATH_MAX];
                ssize_t n = ::readlinkat(cur, comp, target, sizeof target - 1);
                if (n > 0) {
                    target[n] = '\0';
                    char next[PATH_MAX];
                    prefix[plen - len - 1] = '\0';  // the parent's prefix
                    int w = target[0] == '/'
                                ? std::snprintf(next, sizeof next, "%s/%s", target, p)
                                : std::snprintf(next, sizeof next, "%s/%s/%s", prefix, target, p);
                    ::close(cur);
                    if (w < 0 || static_cast<size_t>(w) >= sizeof next) {
                        errno = ENAMETOOLONG;
                        return -1;
                    }
                    return mkdir_all_depth(rootfd, next, mode, leaf_file, depth + 1);
                }
                if (errno == EINVAL && tries < 16) continue;  // no longer a symlink
                errno = ENOENT;
                break;
            }
        }
        if (fd < 0) {
            int e = errno;
            ::close(cur);
            errno = e;
            return -1;
        }
        ::close(cur);
        cur = fd;
    }
    return cur;
}

}  // namespace rt::linux
