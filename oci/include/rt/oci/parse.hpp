// config.json text -> Spec. Errors name the origin and the JSON path:
//   config.json: /linux/resources/memory/limit: expected integer, got string
//   config.json: line 3, column 7: Missing a comma or '}' after an object member.
#pragma once

#include <string>
#include <string_view>

#include "rt/oci/spec.hpp"

namespace rt::oci {

// Parses and type-checks a config document; throws rt::Error (kind InvalidArgument).
// Unknown fields are tolerated (config.md: "Runtimes MUST ignore unknown properties").
Spec parse_config(std::string_view json, std::string_view origin = "config.json");

// Reads <bundle>/config.json, parses and validates it (validate.hpp).
// Throws rt::Error naming the file, e.g. "bundle /x: config.json: no such file".
Spec load_bundle_config(const std::string& bundle_dir);

}  // namespace rt::oci
