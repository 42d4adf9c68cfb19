// The OCI state document (runtime.md "State") as rt prints it and hooks receive it.
// (oci/state.hpp declares the same for the spec model; until its serializer lands, core uses
// this one. Both write the same JSON: ociVersion, id, status, pid, bundle, annotations.)
#pragma once

#include <string>

#include "rt/oci/state.hpp"

namespace rt::core {

const char* status_name(oci::Status status);
std::string state_json(const oci::State& state, bool pretty = false);

}  // namespace rt::core
