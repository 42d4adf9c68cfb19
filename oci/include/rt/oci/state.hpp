// Container state (runtime.md "State"), as `rt state` prints it and hooks receive it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rt/oci/spec.hpp"

namespace rt::oci {

// runtime.md names creating, created, running and stopped; runc also reports "paused"
// (frozen cgroup), and engines expect it.
enum class Status { Creating, Created, Running, Stopped, Paused };

const char* to_string(Status status);
std::optional<Status> status_from_string(std::string_view text);

struct State {
    std::string ociVersion = kSpecVersion;
    std::string id;
    Status status = Status::Creating;
    std::optional<int> pid;  // required when created or running (runtime.md, on Linux)
    std::string bundle;      // absolute path
    StringMap annotations;

    bool operator==(const State&) const = default;
};

// JSON text of the state (runtime.md / state-schema.json). Always valid JSON.
// pretty: 2-space indent like `runc state`, ending in a newline.
std::string serialize_state(const State& state, bool pretty = false);
// Throws rt::Error naming the JSON pointer on bad input (ociVersion, id, status and bundle
// are required; status must be one of the names above).
State parse_state(std::string_view json, std::string_view origin = "state.json");

}  // namespace rt::oci
