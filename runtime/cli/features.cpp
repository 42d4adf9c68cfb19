// rt features: placeholder until the foundation issue lands the features document.
#include "cli/commands.hpp"
#include "rt/error.hpp"

namespace rt::cli {

void register_features(CLI::App& app, const GlobalOptions&, Action& action) {
    auto* cmd = app.add_subcommand("features", "print the features JSON of this runtime");
    cmd->callback([&action] {
        action = [] () -> int { throw Error("features: not implemented yet", ErrorKind::Unsupported); };
    });
}

}  // namespace rt::cli
