// config.json text -> Spec. Errors name the origin and the JSON pointer:
//   config.json: /linux/resources/memory/limit: expected integer, got string
//   config.json: /root/path: required
//   config.json: line 3, column 7: Missing a comma or '}' after an object member.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rt/oci/spec.hpp"
#include "rt/oci/validate.hpp"

namespace rt::oci {

// Parses and type-checks a config document (types, required members, integer ranges of the
// schema); throws rt::Error (kind InvalidArgument). Does not validate (validate.hpp).
// Unknown members are tolerated (config.md: runtimes MUST ignore unknown properties); a
// member that is JSON null counts as absent (Go encoders write null for nil; runc accepts).
Spec parse_config(std::string_view json, std::string_view origin = "config.json");

// A process document alone (`rt exec --process FILE`): same rules as config.json's "process".
Process parse_process(std::string_view json, std::string_view origin = "process.json");

// A linux.resources document alone (`rt update --resources FILE`): same rules as
// config.json's "/linux/resources", pointers relative to the document ("/memory/limit").
Resources parse_resources(std::string_view json, std::string_view origin = "resources.json");

// Reads <bundle_dir>/config.json, parses it and validates it (validate_config). Errors name
// the path and say what is wrong, one line each:
//   bundle /x: no such file or directory
//   /x/config.json: no such file or directory
//   /x/config.json: line 1, column 2: Missing a name for object member.
//   /x/config.json: /process/cwd: must be an absolute path
// Validation warnings (deprecated but accepted forms) are appended to *warnings when given.
// The only system calls of oci/: open, fstat, read, close.
Spec load_bundle_config(const std::string& bundle_dir,
                        std::vector<ValidationIssue>* warnings = nullptr);

}  // namespace rt::oci
