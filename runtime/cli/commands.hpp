// The rt command line: global options (runc's) and one registration function per verb.
// Each verb lives in its own file (spec.cpp, create.cpp, ...) and only parses its options
// and calls into the runtime library.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace rt::core {
struct CreateOptions;
}

namespace rt::cli {

struct GlobalOptions {
    std::string root = "/run/rt";
    std::string log_path;
    std::string log_format = "text";
    bool debug = false;
    bool systemd_cgroup = false;
    std::string rootless = "auto";  // accepted for runc compatibility
};

// A verb's action: runs after parsing; returns the process exit code, throws rt::Error.
using Action = std::function<int()>;

// Each register_* adds one subcommand to app and sets `action` when that subcommand is chosen.
void register_spec(CLI::App& app, const GlobalOptions& global, Action& action);
void register_features(CLI::App& app, const GlobalOptions& global, Action& action);
void register_validate(CLI::App& app, const GlobalOptions& global, Action& action);
// create, start, run, state, kill, delete, list (lifecycle.cpp)
void register_lifecycle(CLI::App& app, const GlobalOptions& global, Action& action);
void register_exec(CLI::App& app, const GlobalOptions& global, Action& action);
// rt's own networks (net.cpp): `rt info`, and create/run's --net and CNI dirs.
void register_info(CLI::App& app, const GlobalOptions& global, Action& action);
void add_network_flags(CLI::App* cmd, core::CreateOptions& options);
// update, pause, resume, events, ps (cgroup.cpp)
void register_cgroup(CLI::App& app, const GlobalOptions& global, Action& action);
// checkpoint, restore (checkpoint.cpp): runc's flags accepted, "not supported by this build".
void register_checkpoint(CLI::App& app, const GlobalOptions& global, Action& action);
// Parsers of runc's flag values (cgroup.cpp): "512m" -> bytes, "5s" -> milliseconds.
int64_t parse_bytes(const std::string& flag, const std::string& text);
int parse_duration_ms(const std::string& flag, const std::string& text);
// runc stops parsing exec's flags at the container id: cuts the command off argv before
// CLI11 sees it (returns the new argc); exec_command() returns it.
int split_exec_command(int argc, char** argv);
std::vector<std::string> exec_command();
// The verb of argv: its first word that is neither a global flag nor a global flag's value
// (empty when there is none). A cheap look before CLI11 parses anything.
std::string_view verb_of(int argc, char** argv);

}  // namespace rt::cli
