// rt: entry point. Parses runc's global flags, dispatches to one verb, and turns an
// rt::Error into one line on stderr (and in --log) with exit status 1.
#include <seccomp.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "base/log.hpp"
#include "cli/commands.hpp"
#include "rt/error.hpp"
#include "rt/oci/spec.hpp"
#include "rt/version.hpp"
#include "security/exe_seal.hpp"

namespace {

std::string version_text() {
    const scmp_version* seccomp = seccomp_version();
    std::string text =
        std::string("rt version ") + rt::version() + "\ncommit: " + rt::git_commit() + "\nspec: ";
    text += rt::oci::kSpecVersion;
    text += "\nlibseccomp: " + std::to_string(seccomp->major) + "." +
            std::to_string(seccomp->minor) + "." + std::to_string(seccomp->micro) + "\n";
    return text;
}

}  // namespace

namespace {

bool starts_container_process(std::string_view verb) {
    return verb == "create" || verb == "run" || verb == "exec";
}

// The verbs of register_lifecycle (lifecycle.cpp).
bool lifecycle_verb(std::string_view verb) {
    for (std::string_view v : {"create", "start", "run", "state", "kill", "delete", "list"})
        if (verb == v) return true;
    return false;
}

}  // namespace

namespace {

int run_rt(int argc, char** argv) {
    using namespace rt;
    // Verbs that start processes in a container run from a copy of rt that cannot be written
    // through /proc/<pid>/exe (CVE-2019-5736, security/exe_seal.hpp). The re-exec comes first,
    // before CLI11 builds the command line, so the process that is replaced does only that
    // (~0.15 ms CPU less per create/run/exec). The call after parsing repeats this call's
    // outcome: an error reaches --log there; a verb this look misses is caught there.
    const std::string_view verb = cli::verb_of(argc, argv);
    if (starts_container_process(verb)) {
        try {
            security::ensure_protected_executable(argv, environ);
        } catch (const Error&) {
            // Reported below, after the log is open.
        }
    }

    CLI::App app{"rt: an OCI container runtime (runc-compatible command line)", "rt"};
    app.require_subcommand(1);
    app.set_version_flag("-v,--version", version_text());

    cli::GlobalOptions global;
    app.add_option("--root", global.root, "directory for container state")->capture_default_str();
    app.add_option("--log", global.log_path, "log file (default: stderr)");
    app.add_option("--log-format", global.log_format, "log format: text or json")
        ->check(CLI::IsMember({"text", "json"}));
    app.add_flag("--debug", global.debug, "log debug messages");
    app.add_flag("--systemd-cgroup", global.systemd_cgroup,
                 "cgroupsPath is in systemd form slice:prefix:name");
    app.add_option("--rootless", global.rootless, "accepted for runc compatibility");

    cli::Action action;
    // The lifecycle verbs and exec (what engines call per container) build only their own
    // subcommands: CLI11 objects for all of rt's verbs cost ~0.1 ms per start. Anything else
    // (no verb, --help, a typo) gets the full command line.
    if (lifecycle_verb(verb)) {
        cli::register_lifecycle(app, global, action);
    } else if (verb == "exec") {
        cli::register_exec(app, global, action);
    } else {
        cli::register_spec(app, global, action);
        cli::register_features(app, global, action);
        cli::register_validate(app, global, action);
        cli::register_lifecycle(app, global, action);
        cli::register_exec(app, global, action);
        cli::register_info(app, global, action);
        cli::register_cgroup(app, global, action);
        cli::register_checkpoint(app, global, action);
    }

    try {
        app.parse(cli::split_exec_command(argc, argv), argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    try {
        base::log_open({global.log_path,
                        global.log_format == "json" ? base::LogFormat::Json : base::LogFormat::Text,
                        global.debug});
        for (const auto* sub : app.get_subcommands())
            if (starts_container_process(sub->get_name()))
                security::ensure_protected_executable(argv, environ);
        return action ? action() : 0;
    } catch (const Error& e) {
        base::log_error(e.message());
        // With --log, engines read the error from the file; people still want it on stderr.
        if (base::log_to_file()) (void)std::fprintf(stderr, "rt: %s\n", e.what());
        return 1;
    }
}

}  // namespace

// Any other exception (std::bad_alloc, a library's) is caught here too, so the stack unwinds
// and RAII rollbacks undo a half-done create; uncaught, std::terminate would abort without
// unwinding and leave state dirs, cgroups and mounts behind.
int main(int argc, char** argv) {
    try {
        return run_rt(argc, argv);
    } catch (const std::exception& e) {
        rt::base::log_error(e.what());
        if (rt::base::log_to_file()) (void)std::fprintf(stderr, "rt: %s\n", e.what());
    } catch (...) {
        rt::base::log_error("unknown exception");
        if (rt::base::log_to_file()) (void)std::fputs("rt: unknown exception\n", stderr);
    }
    return 1;
}
