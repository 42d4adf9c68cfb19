// Container state (runtime.md "State"), as `rt state` prints it and hooks receive it.
#pragma once

#include <optional>
#include <string>

#include "rt/oci/spec.hpp"

namespace rt::oci {

enum class Status { Creating, Created, Running, Stopped, Paused };

const char* to_string(Status status);
std::optional<Status> status_from_string(std::string_view text);

struct State {
    std::string ociVersion = kSpecVersion;
    std::string id;
    Status status = Status::Creating;
    std::optional<int> pid;  // required when created or running
    std::string bundle;      // absolute path
    StringMap annotations;
};

// JSON text of the state (runtime.md / state-schema.json). Always valid JSON.
std::string serialize_state(const State& state, bool pretty = false);
// Throws rt::Error naming the JSON path on bad input.
State parse_state(std::string_view json, std::string_view origin = "state.json");

}  // namespace rt::oci
