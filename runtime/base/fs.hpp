// Small file helpers used by the parent side (never in a cloned child: they may throw).
#pragma once

#include <string>
#include <string_view>

#include "base/fd.hpp"

namespace rt::base {

// Whole file as a string. Throws rt::Error("read <path>: ...").
std::string read_file(const std::string& path);
// Reads a file relative to a directory fd.
std::string read_file_at(int dirfd, const std::string& name);
// Writes `data` to dirfd/name atomically: a temp file in the same directory, fsync-free
// (state is runtime data under /run), then rename over the target.
void write_file_atomic_at(int dirfd, const std::string& name, std::string_view data,
                          unsigned mode = 0644);
void write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);
// Writes `data` to an existing file (e.g. a /proc or /sys control file).
void write_file(const std::string& path, std::string_view data);
// mkdir -p with mode for created components.
void mkdir_all(const std::string& path, unsigned mode = 0755);
// Removes dirfd/name recursively (no symlink following). Missing is not an error.
void remove_all_at(int dirfd, const std::string& name);
// Absolute, lexically clean form of a path (relative to the cwd). No symlink resolution.
std::string absolute_path(const std::string& path);
// Lexically clean form of a path taken as absolute (Go's filepath.Clean on "/" + path, which
// runc applies to config paths): "//dev/./x/" -> "/dev/x", "/a/../.." -> "/". No cwd, no
// symlink resolution.
std::string clean_path(std::string_view path);
// Opens with O_CLOEXEC added; throws rt::Error naming the path.
UniqueFd open_fd(const std::string& path, int flags, unsigned mode = 0);

}  // namespace rt::base
