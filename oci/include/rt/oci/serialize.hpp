// Spec -> config.json text. parse_config(serialize_config(s)) == s for every field of the
// model (other platforms' sections and unknown members are not kept).
#pragma once

#include <string>

#include "rt/oci/spec.hpp"

namespace rt::oci {

// pretty: tab-indented like `runc spec`, ending in a newline; otherwise one compact line.
std::string serialize_config(const Spec& spec, bool pretty = true);
std::string serialize_process(const Process& process, bool pretty = false);

}  // namespace rt::oci
