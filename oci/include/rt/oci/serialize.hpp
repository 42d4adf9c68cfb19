// Spec -> config.json text. parse_config(serialize_config(s)) == s for every known field.
#pragma once

#include <string>

#include "rt/oci/spec.hpp"

namespace rt::oci {

std::string serialize_config(const Spec& spec, bool pretty = true);

}  // namespace rt::oci
