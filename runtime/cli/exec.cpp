// rt exec: runc's flags; the command follows the container id (flags stop there, as in runc).
#include <cstdlib>
#include <string_view>

#include "cli/commands.hpp"
#include "core/container.hpp"

namespace rt::cli {
namespace {

std::vector<std::string> g_exec_command;

// exec options that take a value (a new one must be listed here, or its value would be taken
// for the container id).
bool takes_value(std::string_view arg) {
    static const char* const kValued[] = {"-p",
                                          "--process",
                                          "--pid-file",
                                          "--console-socket",
                                          "--cwd",
                                          "-e",
                                          "--env",
                                          "-u",
                                          "--user",
                                          "-g",
                                          "--additional-gids",
                                          "--preserve-fds",
                                          "-c",
                                          "--cap",
                                          "--apparmor",
                                          "--process-label",
                                          "--cgroup"};
    for (const char* v : kValued)
        if (arg == v) return true;
    return false;
}

bool global_takes_value(std::string_view arg) {
    return arg == "--root" || arg == "--log" || arg == "--log-format" || arg == "--rootless" ||
           arg == "--criu";
}

}  // namespace

std::string_view verb_of(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (!a.starts_with('-')) return a;
        if (global_takes_value(a)) ++i;
    }
    return {};
}

int split_exec_command(int argc, char** argv) {
    int i = 1;
    while (i < argc && std::string_view(argv[i]) != "exec") {
        if (argv[i][0] != '-') return argc;  // another verb
        if (global_takes_value(argv[i])) ++i;
        ++i;
    }
    if (i >= argc) return argc;
    for (++i; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--") return argc;  // "exec -- id cmd" is not runc's form: leave it to CLI11
        if (a.starts_with('-')) {
            if (takes_value(a)) ++i;
            continue;
        }
        // a is the container id: everything after it is the command (a leading "--" dropped).
        int first = i + 1;
        if (first < argc && std::string_view(argv[first]) == "--") ++first;
        for (int j = first; j < argc; ++j) g_exec_command.emplace_back(argv[j]);
        return i + 1;
    }
    return argc;
}

std::vector<std::string> exec_command() {
    return g_exec_command;
}

void register_exec(CLI::App& app, const GlobalOptions& global, Action& action) {
    auto o = std::make_shared<core::ExecOptions>();
    auto* cmd = app.add_subcommand("exec", "run a process in a running container");
    cmd->add_option("id", o->id, "container id")->required();
    cmd->add_option("-p,--process", o->process_file, "process.json (a process object)");
    cmd->add_flag("-t,--tty", o->tty, "allocate a pseudo-TTY");
    cmd->add_flag("-d,--detach", o->detach, "detach from the process");
    cmd->add_option("--pid-file", o->pid_file, "file to write the process pid to");
    cmd->add_option("--console-socket", o->console_socket,
                    "unix socket that receives the pty master");
    cmd->add_option("--cwd", o->cwd, "working directory in the container");
    cmd->add_option("-e,--env", o->env, "set an environment variable K=V")->allow_extra_args(false);
    cmd->add_option("-u,--user", o->user, "UID[:GID]");
    cmd->add_option("-g,--additional-gids", o->additional_gids, "additional gids")
        ->allow_extra_args(false);
    cmd->add_option("--preserve-fds", o->preserve_fds, "fds after stdio passed on")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--ignore-paused", o->ignore_paused, "exec even if the container is paused");
    // security (docs/security.md "Capabilities" for what each does, as runc):
    cmd->add_option("-c,--cap", o->caps, "add a capability")->allow_extra_args(false);
    cmd->add_flag("--no-new-privs", o->no_new_privs, "set no_new_privs");
    cmd->add_option("--apparmor", o->apparmor, "AppArmor profile");
    cmd->add_option("--process-label", o->process_label, "SELinux label");
    cmd->add_option("--cgroup", o->cgroups,
                    "join an existing sub-cgroup: [controller[,controller]:]path (repeatable)")
        ->allow_extra_args(false);
    cmd->callback([&action, &global, o] {
        action = [&global, o] {
            o->args = exec_command();
            return core::Runtime(global.root).exec(*o);
        };
    });
}

}  // namespace rt::cli
