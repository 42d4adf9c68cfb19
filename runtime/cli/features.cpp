// rt features: prints the features document (features.md) of this build.
#include <cerrno>
#include <cstdio>

#include "cli/commands.hpp"
#include "core/features.hpp"
#include "rt/error.hpp"
#include "rt/oci/features.hpp"

namespace rt::cli {

void register_features(CLI::App& app, const GlobalOptions&, Action& action) {
    auto* cmd = app.add_subcommand("features", "print the features JSON of this runtime");
    cmd->callback([&action] {
        action = []() -> int {
            std::string text = oci::serialize_features(core::runtime_features());
            if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
                std::fflush(stdout) != 0)
                throw Error("features: write to stdout", errno);
            return 0;
        };
    });
}

}  // namespace rt::cli
