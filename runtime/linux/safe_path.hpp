// Path resolution confined to a root directory (the container's rootfs), for the child
// before pivot_root: a symlink inside the rootfs pointing at "/" or ".." resolves inside the
// rootfs, never on the host (CVE-2021-30465). Uses openat2(RESOLVE_IN_ROOT); on kernels
// without openat2 a component-by-component walk with the same semantics.
// Child-safe: noexcept, no allocation; failures return -1 with errno set.
#pragma once

#include <sys/types.h>

namespace rt::linux {

// Opens `path` (interpreted relative to root, "/" = root) with `flags` (O_CLOEXEC added).
// The fallback walk supports O_PATH only (other flags are added by reopening through
// /proc/self/fd).
int open_in_root(int rootfd, const char* path, int flags) noexcept;

// Creates the missing components of `path` inside root (directories with `mode`; the last one
// as an empty regular file when leaf_file) and returns an O_PATH fd of the result.
int mkdir_all_in_root(int rootfd, const char* path, mode_t mode, bool leaf_file) noexcept;

// "/proc/self/fd/<fd>" into buf (size >= 32): the path through which mount(2) reaches the
// exact inode an fd resolved, without resolving any path again.
const char* fd_path(int fd, char* buf, unsigned size) noexcept;

}  // namespace rt::linux
