// rt spec: placeholder until the foundation issue lands the default config writer.
#include "cli/commands.hpp"
#include "rt/error.hpp"

namespace rt::cli {

void register_spec(CLI::App& app, const GlobalOptions&, Action& action) {
    auto* cmd = app.add_subcommand("spec", "write a default config.json into the bundle");
    cmd->callback([&action] {
        action = [] () -> int { throw Error("spec: not implemented yet", ErrorKind::Unsupported); };
    });
}

}  // namespace rt::cli
