// rt validate [--bundle DIR]: reads and validates <bundle>/config.json (parse + check_config)
// and checks that the root filesystem directory exists; prints warnings, exit 1 on the first
// error. Not a runc verb: a way to check a bundle without creating anything.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "base/log.hpp"
#include "cli/commands.hpp"
#include "rt/error.hpp"
#include "rt/oci/parse.hpp"

namespace rt::cli {

void register_validate(CLI::App& app, const GlobalOptions&, Action& action) {
    auto bundle = std::make_shared<std::string>(".");
    auto* cmd = app.add_subcommand("validate", "check a bundle's config.json (creates nothing)");
    cmd->add_option("-b,--bundle", *bundle, "bundle directory (default: current directory)");
    cmd->callback([&action, bundle] {
        action = [bundle]() -> int {
            std::vector<oci::ValidationIssue> warnings;
            oci::Spec spec = oci::load_bundle_config(*bundle, &warnings);
            std::string origin = *bundle + "/config.json";
            for (const auto& w : warnings) base::log_warning(oci::format_issue(w, origin));
            // root.path is relative to the bundle unless absolute (config.md).
            std::string root = spec.root->path;
            if (root[0] != '/') root = *bundle + "/" + root;
            struct stat st {};
            if (::stat(root.c_str(), &st) != 0)
                throw Error(origin + ": /root/path: " + root, errno);
            if (!S_ISDIR(st.st_mode))
                throw Error(origin + ": /root/path: " + root + " is not a directory",
                            ErrorKind::InvalidArgument);
            std::printf("%s: valid\n", origin.c_str());
            return 0;
        };
    });
}

}  // namespace rt::cli
