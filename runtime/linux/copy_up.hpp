// The `tmpcopyup` mount option (runc's extension, which podman adds to every tmpfs): the
// contents of the directory a new tmpfs covers are copied into it, so the image's files stay
// visible on the now writable mount. For the child before pivot_root: noexcept, no allocation
// (stack buffers and one static copy buffer), nothing followed (symlinks are copied as links).
#pragma once

#include <cstddef>

namespace rt::linux {

// Copies everything under the directory `src` into the directory `dst` (both fds open
// O_RDONLY|O_DIRECTORY): directories, regular files, symlinks, device nodes, fifos and
// sockets, with owner, mode (setuid/setgid/sticky included, no umask), access and
// modification times, and the extended attributes the target accepts (tmpfs takes trusted.*,
// security.* and ACLs; user.* only since Linux 6.6: a name it refuses is left out). Hard
// links become separate copies (as runc's). `dst`'s own owner and mode are not changed.
// Returns 0, or an errno with the failing path (relative to `src`) in `where`.
int copy_directory_contents(int src, int dst, char* where, size_t where_size) noexcept;

}  // namespace rt::linux
