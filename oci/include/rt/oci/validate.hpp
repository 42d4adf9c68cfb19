// Semantic checks beyond types: absolute paths, known enum values, version range, ...
// Each problem is reported as "<origin>: <json pointer>: <reason>".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rt/oci/spec.hpp"

namespace rt::oci {

struct ValidationIssue {
    std::string pointer;  // JSON pointer, e.g. "/mounts/2/destination"
    std::string reason;   // "must be absolute"
};

// Every problem found (empty when the spec is valid).
std::vector<ValidationIssue> check_config(const Spec& spec);

// Throws rt::Error(InvalidArgument) with the first issue: "config.json: /process/args: ...".
void validate_config(const Spec& spec, std::string_view origin = "config.json");

}  // namespace rt::oci
