// /proc/sys values (in the calling thread's network namespace for net.*).
#pragma once

#include <optional>
#include <string>

namespace rt::bridge {

std::optional<std::string> read_sysctl(const std::string& path);
// Writes `value` unless the file already holds it; returns false if it cannot be written.
bool write_sysctl(const std::string& path, const std::string& value);

}  // namespace rt::bridge
