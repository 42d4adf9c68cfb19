// checkpoint, restore: runc's verbs (CRIU), not implemented by rt. Engines call them with
// runc's flags (podman container checkpoint, containerd's CRI); they get one clear line and
// exit 1 instead of a flag parse error, whatever runc flags they pass.
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "rt/error.hpp"

namespace rt::cli {
namespace {

struct Ignored {
    std::vector<std::string> values;
    bool flag = false;
};

// runc 1.1.5's flags of each verb: accepted (and listed by --help) so that the answer is
// "not supported", not "unknown option"; flags of a newer runc land in the extras.
void add_unsupported_verb(CLI::App& app, Action& action, Ignored& sink, const char* verb,
                          const char* help, const std::vector<const char*>& value_flags,
                          const std::vector<const char*>& bool_flags) {
    auto* cmd = app.add_subcommand(verb, help);
    cmd->allow_extras();
    for (const char* name : value_flags) cmd->add_option(name, sink.values, "accepted, unused");
    for (const char* name : bool_flags) cmd->add_flag(name, sink.flag, "accepted, unused");
    cmd->add_option("container-id", sink.values, "the container");
    std::string what = verb;
    cmd->callback([&action, what] {
        action = [what]() -> int {
            throw Error(what + ": not supported by this build", ErrorKind::Unsupported);
        };
    });
}

}  // namespace

void register_checkpoint(CLI::App& app, const GlobalOptions&, Action& action) {
    static Ignored sink;
    add_unsupported_verb(app, action, sink, "checkpoint",
                         "checkpoint a running container (not supported by this build)",
                         {"--image-path", "--work-path", "--parent-path", "--status-fd",
                          "--page-server", "--manage-cgroups-mode", "--empty-ns"},
                         {"--leave-running", "--tcp-established", "--ext-unix-sk", "--shell-job",
                          "--lazy-pages", "--file-locks", "--pre-dump", "--auto-dedup"});
    add_unsupported_verb(
        app, action, sink, "restore",
        "restore a checkpointed container (not supported by this build)",
        {"--console-socket", "--image-path", "--work-path", "--manage-cgroups-mode", "-b,--bundle",
         "--pid-file", "--empty-ns", "--lsm-profile", "--lsm-mount-context"},
        {"--tcp-established", "--ext-unix-sk", "--shell-job", "--file-locks", "-d,--detach",
         "--no-subreaper", "--no-pivot", "--auto-dedup", "--lazy-pages"});
}

}  // namespace rt::cli
