// Semantic checks beyond types: version range, absolute paths, known names, no duplicates,
// cross-field rules of config.md / config-linux.md. Pure (no system calls: whether paths
// exist is for the runtime to find out).
// Each problem is reported as "<origin>: <json pointer>: <reason>".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rt/oci/spec.hpp"

namespace rt::oci {

struct ValidationIssue {
    std::string pointer;   // JSON pointer, e.g. "/mounts/2/destination"
    std::string reason;    // "must be an absolute path"
    bool warning = false;  // accepted but deprecated (runc logs a warning and goes on)

    bool operator==(const ValidationIssue&) const = default;
};

// Every problem found, errors and warnings, in document order (empty when all is well).
std::vector<ValidationIssue> check_config(const Spec& spec);

// Throws rt::Error(InvalidArgument) with the first error: "config.json: /process/args: ...".
// Returns the warnings (for the caller to log).
std::vector<ValidationIssue> validate_config(const Spec& spec,
                                             std::string_view origin = "config.json");

// "<origin>: <pointer>: <reason>", the one-line form used in errors and logs.
std::string format_issue(const ValidationIssue& issue, std::string_view origin = "config.json");

}  // namespace rt::oci
