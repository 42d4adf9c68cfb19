// rt spec [--bundle DIR] [--rootless]: writes the default config.json (runc spec's).
#include <unistd.h>

#include "cli/commands.hpp"
#include "core/default_spec.hpp"

namespace rt::cli {

namespace {

struct SpecOptions {
    std::string bundle = ".";
    bool rootless = false;
};

}  // namespace

void register_spec(CLI::App& app, const GlobalOptions&, Action& action) {
    auto opts = std::make_shared<SpecOptions>();
    auto* cmd = app.add_subcommand("spec", "write a default config.json into the bundle");
    cmd->add_option("-b,--bundle", opts->bundle, "bundle directory (default: current directory)");
    cmd->add_flag("--rootless", opts->rootless, "a spec for a container run by a non-root user");
    cmd->callback([&action, opts] {
        action = [opts]() -> int {
            oci::Spec spec = core::default_spec();
            if (opts->rootless) core::make_rootless(spec, ::geteuid(), ::getegid());
            core::write_new_config(opts->bundle, spec);
            return 0;
        };
    });
}

}  // namespace rt::cli
