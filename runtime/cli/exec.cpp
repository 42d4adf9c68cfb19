// rt exec: runc's flags; the command follows the container id (flags stop there, as in runc).
#include <cstdlib>

#include "cli/commands.hpp"
#include "core/container.hpp"

namespace rt::cli {

void register_exec(CLI::App& app, const GlobalOptions& global, Action& action) {
    auto o = std::make_shared<core::ExecOptions>();
    auto* cmd = app.add_subcommand("exec", "run a process in a running container");
    cmd->prefix_command();
    cmd->add_option("id", o->id, "container id")->required();
    cmd->add_option("-p,--process", o->process_file, "process.json (a process object)");
    cmd->add_flag("-t,--tty", o->tty, "allocate a pseudo-TTY");
    cmd->add_flag("-d,--detach", o->detach, "detach from the process");
    cmd->add_option("--pid-file", o->pid_file, "file to write the process pid to");
    cmd->add_option("--console-socket", o->console_socket,
                    "unix socket that receives the pty master");
    cmd->add_option("--cwd", o->cwd, "working directory in the container");
    cmd->add_option("-e,--env", o->env, "set an environment variable K=V")->take_all();
    cmd->add_option("-u,--user", o->user, "UID[:GID]");
    cmd->add_option("-g,--additional-gids", o->additional_gids, "additional gids")->take_all();
    cmd->add_option("--preserve-fds", o->preserve_fds, "fds after stdio passed on")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--ignore-paused", o->ignore_paused, "exec even if the container is paused");
    // security (issue 5) gives these their effect:
    cmd->add_option("-c,--cap", o->caps, "add a capability")->take_all();
    cmd->add_flag("--no-new-privs", o->no_new_privs, "set no_new_privs");
    cmd->add_option("--apparmor", o->apparmor, "AppArmor profile");
    cmd->add_option("--process-label", o->process_label, "SELinux label");
    cmd->add_option("--cgroup", "cgroup (sub)path to join (accepted; issue 4)");
    cmd->callback([&action, &global, o, cmd] {
        action = [&global, o, cmd] {
            auto rest = cmd->remaining();
            if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
            o->args = rest;
            return core::Runtime(global.root).exec(*o);
        };
    });
}

}  // namespace rt::cli
