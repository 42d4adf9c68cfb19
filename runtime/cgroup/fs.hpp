// Small helpers for cgroupfs files: one read, one write(2) per value, errors naming the path.
//
// cgroupfs files take exactly one value per write(2) and report bad values through that
// write's errno, so writes never go through buffered streams.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rt::cgroup::fs {

// dir + "/" + name.
std::string join(std::string_view dir, std::string_view name);

bool exists(const std::string& path) noexcept;

// Reads a whole (small) file. Throws rt::Error "read <path>: <why>".
std::string read_file(const std::string& path);
// As read_file, but nullopt when the file does not exist.
std::optional<std::string> read_file_if_exists(const std::string& path);

// Writes value with one write(2), without O_CREAT (a missing file means a missing
// controller or feature, which callers turn into a clear error). Returns 0 or the errno.
int try_write_file(const std::string& path, std::string_view value) noexcept;
// As try_write_file; throws rt::Error `write "<value>" to <path>: <why>`.
void write_file(const std::string& path, std::string_view value);
// Writes each value with its own write(2) through one open of path (cgroupfs takes each
// write as one value: the v1 devices files, one rule per write). Returns 0, or the errno with
// *failed set to the index of the value that was refused.
int try_write_values(const std::string& path, const std::vector<std::string>& values,
                     size_t* failed) noexcept;

// Tests only: when set, every successful write is appended here as {path, value} (a fake
// tree of regular files keeps only the last value written to a file).
void set_write_log(std::vector<std::pair<std::string, std::string>>* log) noexcept;

// Parsing of the usual cgroup file formats.
std::string_view trim(std::string_view s) noexcept;
std::vector<std::string_view> split_lines(std::string_view text);
std::vector<std::string_view> split_words(std::string_view line);
std::optional<uint64_t> parse_u64(std::string_view s) noexcept;
std::optional<int64_t> parse_i64(std::string_view s) noexcept;
// "key value" lines (memory.stat, cpu.stat, memory.events, ...); non-numeric values skipped.
std::map<std::string, uint64_t> parse_flat_keyed(std::string_view text);
// A single number; "max" (v2 unlimited) gives max_value.
uint64_t parse_value(std::string_view text, uint64_t max_value, const std::string& path);
// Reads a file holding one number (or "max"); nullopt when the file does not exist.
std::optional<uint64_t> read_u64_if_exists(const std::string& path, uint64_t max_value = 0);

// Removes a cgroup directory and the cgroups below it (deepest first). ENOENT is success.
// Returns 0 or the errno of the first rmdir that failed.
int remove_cgroup_tree(const std::string& path) noexcept;

}  // namespace rt::cgroup::fs
