// The plugin skeleton: CNI_* environment, stdin config, version negotiation, dispatch to
// the verbs, and the result or error JSON on stdout (SPEC.md sections 2 and 5).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cni/args.hpp"
#include "cni/json.hpp"
#include "cni/result.hpp"

namespace rt::cni {

enum class Command { Add, Del, Check, Status, Gc, Version };

struct Request {
    Command command{};
    std::string container_id;  // CNI_CONTAINERID
    std::string netns;         // CNI_NETNS
    std::string ifname;        // CNI_IFNAME
    std::string args_text;     // CNI_ARGS
    std::string path;          // CNI_PATH
    CniArgs args;
    std::string stdin_data;  // the config exactly as received (delegated plugins get it)
    json::Document config;
    std::string cni_version;
    std::string name;
    std::optional<Result> prev_result;
};

struct Plugin {
    std::string_view name;  // "rt-bridge", used in the about text
    // ADD returns the result; the others return nothing on success. All throw on failure.
    std::function<Result(Request&)> add;
    std::function<void(Request&)> del, check, status, gc;
};

using Getenv = std::function<const char*(const char*)>;

// One invocation: reads the environment through `getenv`, the config from `stdin_data`,
// writes the result or error JSON into `out`. Returns the exit status.
int dispatch(const Plugin& p, const Getenv& getenv, std::string_view stdin_data, std::string& out);

// A note for people on stderr (e.g. what a best-effort DEL could not remove). Errors are
// reported once, as the JSON error on stdout.
void warn(std::string_view plugin, std::string_view message);

// main(): dispatch() over the real environment, stdin and stdout.
int run_main(const Plugin& p);

// The JSON error object of SPEC.md section 5.
std::string error_json(std::string_view cni_version, int code, std::string_view msg,
                       std::string_view details);

// Name rules of SPEC.md section 3 (container id, network name) and of Linux (ifname).
bool valid_identifier(std::string_view s);
bool valid_ifname(std::string_view s);
// A network name is a file name (NAME_MAX). A container id has no limit of its own.
inline constexpr std::size_t kMaxNetworkName = 255;

}  // namespace rt::cni
