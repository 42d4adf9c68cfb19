// CNI spec versions this project speaks, and version comparison.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace rt::cni {

// Versions rt-bridge and rt-host-local accept and convert results to (oldest first).
inline constexpr std::array<std::string_view, 5> kSupportedVersions = {"0.3.0", "0.3.1", "0.4.0",
                                                                       "1.0.0", "1.1.0"};
inline constexpr std::string_view kLatestVersion = "1.1.0";

bool is_supported_version(std::string_view v);
// Compares two "X.Y.Z" versions; throws CniError(6) if either does not parse.
int compare_versions(std::string_view a, std::string_view b);
// `"0.3.0", "0.3.1", ...` for error details.
std::string supported_versions_text();

}  // namespace rt::cni
