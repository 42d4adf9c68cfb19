// create, start, run, state, kill, delete, list: runc's command lines (runc 1.1.5 flag names),
// each calling one rt::core::Runtime operation.
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <cstdio>
#include <cstdlib>

#include "base/process.hpp"
#include "cli/commands.hpp"
#include "core/container.hpp"
#include "rt/error.hpp"
#include "rt/oci/state.hpp"

namespace rt::cli {
namespace {

void add_create_flags(CLI::App* cmd, core::CreateOptions& o) {
    cmd->add_option("-b,--bundle", o.bundle, "path to the bundle (default: current directory)");
    cmd->add_option("--console-socket", o.console_socket,
                    "unix socket that receives the pty master (process.terminal)");
    cmd->add_option("--pid-file", o.pid_file, "file to write the init's pid to");
    cmd->add_flag("--no-pivot", o.no_pivot, "chroot instead of pivot_root (ramdisk roots)");
    cmd->add_flag("--no-new-keyring", o.no_new_keyring,
                  "keep the caller's session keyring instead of a new one");
    cmd->add_option("--preserve-fds", o.preserve_fds,
                    "number of fds after stdio (3, 4, ...) passed to the container")
        ->check(CLI::NonNegativeNumber);
    add_network_flags(cmd, o);
}

// LISTEN_FDS (systemd socket activation) are passed like --preserve-fds, as runc does.
void add_listen_fds(core::CreateOptions& o) {
    if (const char* v = std::getenv("LISTEN_FDS")) {
        int n = std::atoi(v);
        if (n > 0) o.listen_fds = n;
    }
}

std::string json_escape(const std::string& s) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.String(s);
    return b.GetString();
}

// Engines parse what state and list print: a failed write fails the command instead of
// exiting 0 after partial output (the spec is silent; a caller must not take it for success).
void print_stdout(std::string_view verb, std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
        throw Error(std::string(verb) + ": write to stdout", errno);
}

}  // namespace

void register_lifecycle(CLI::App& app, const GlobalOptions& global, Action& action) {
    // ---- create
    {
        auto o = std::make_shared<core::CreateOptions>();
        auto* cmd = app.add_subcommand("create", "create a container (its init waits for start)");
        cmd->add_option("id", o->id, "container id")->required();
        add_create_flags(cmd, *o);
        cmd->callback([&action, &global, o] {
            action = [&global, o] {
                add_listen_fds(*o);
                o->systemd_cgroup = global.systemd_cgroup;
                core::Runtime(global.root).create(*o);
                return 0;
            };
        });
    }
    // ---- start
    {
        auto id = std::make_shared<std::string>();
        auto* cmd = app.add_subcommand("start", "start a created container");
        cmd->add_option("id", *id, "container id")->required();
        cmd->callback([&action, &global, id] {
            action = [&global, id] {
                core::Runtime(global.root).start(*id);
                return 0;
            };
        });
    }
    // ---- run
    {
        auto o = std::make_shared<core::RunOptions>();
        auto bundle_given = std::make_shared<bool>(false);  // holds --no-subreaper (no effect)
        auto* cmd = app.add_subcommand("run", "create and start a container");
        cmd->add_option("id", o->create.id, "container id, or a bundle directory (id = its name)")
            ->required();
        add_create_flags(cmd, o->create);
        cmd->add_flag("-d,--detach", o->detach, "do not wait for the container");
        cmd->add_flag("--keep", o->keep, "do not delete the container after it exits");
        cmd->add_flag("--no-subreaper", *bundle_given,
                      "accepted for runc compatibility: rt is the init's parent already");
        cmd->callback([&action, &global, o, cmd] {
            action = [&global, o, cmd] {
                // `rt run bundle/`: one positional that is a directory with a config.json.
                struct stat st {};
                const std::string& arg = o->create.id;
                if (cmd->count("--bundle") == 0 && ::stat(arg.c_str(), &st) == 0 &&
                    S_ISDIR(st.st_mode) && ::access((arg + "/config.json").c_str(), F_OK) == 0) {
                    o->create.bundle = arg;
                    std::string name = arg;
                    while (name.size() > 1 && name.back() == '/') name.pop_back();
                    auto slash = name.rfind('/');
                    o->create.id = slash == std::string::npos ? name : name.substr(slash + 1);
                }
                add_listen_fds(o->create);
                o->create.systemd_cgroup = global.systemd_cgroup;
                return core::Runtime(global.root).run(*o);
            };
        });
    }
    // ---- state
    {
        auto id = std::make_shared<std::string>();
        auto* cmd = app.add_subcommand("state", "print the state of a container (JSON)");
        cmd->add_option("id", *id, "container id")->required();
        cmd->callback([&action, &global, id] {
            action = [&global, id] {
                oci::State st = core::Runtime(global.root).state(*id);
                print_stdout("state", oci::serialize_state(st, true) + '\n');
                return 0;
            };
        });
    }
    // ---- kill
    {
        auto id = std::make_shared<std::string>();
        auto sig = std::make_shared<std::string>("SIGTERM");
        auto all = std::make_shared<bool>(false);
        auto* cmd = app.add_subcommand("kill", "send a signal to the container's init");
        cmd->add_option("id", *id, "container id")->required();
        cmd->add_option("signal", *sig, "signal name (KILL, SIGKILL) or number (default SIGTERM)");
        cmd->add_flag("-a,--all", *all, "signal every process of the container");
        cmd->callback([&action, &global, id, sig, all] {
            action = [&global, id, sig, all] {
                core::Runtime(global.root).kill(*id, base::parse_signal(*sig), *all);
                return 0;
            };
        });
    }
    // ---- delete
    {
        auto id = std::make_shared<std::string>();
        auto force = std::make_shared<bool>(false);
        auto* cmd = app.add_subcommand("delete", "delete a container and everything it holds");
        cmd->add_option("id", *id, "container id")->required();
        cmd->add_flag("-f,--force", *force, "kill a running container first");
        cmd->callback([&action, &global, id, force] {
            action = [&global, id, force] {
                core::Runtime rt(global.root);
                try {
                    rt.remove(*id, *force);
                } catch (const Error& e) {
                    // runc: delete --force of a missing container succeeds.
                    if (!(*force && e.kind() == ErrorKind::NotFound)) throw;
                }
                return 0;
            };
        });
    }
    // ---- list
    {
        auto format = std::make_shared<std::string>("table");
        auto quiet = std::make_shared<bool>(false);
        auto* cmd = app.add_subcommand("list", "list containers");
        cmd->add_option("-f,--format", *format, "table or json")
            ->check(CLI::IsMember({"table", "json"}));
        cmd->add_flag("-q,--quiet", *quiet, "print only ids");
        cmd->callback([&action, &global, format, quiet] {
            action = [&global, format, quiet] {
                if (*quiet) {
                    // Names only, as they are in --root: no state file or cgroup is read.
                    std::string out;
                    for (const auto& id : core::Runtime(global.root).ids()) out += id + '\n';
                    print_stdout("list", out);
                    return 0;
                }
                auto list = core::Runtime(global.root).list();
                if (*format == "json") {
                    std::string out = "[";
                    for (size_t i = 0; i < list.size(); ++i) {
                        const auto& c = list[i];
                        bool stopped = c.status == oci::Status::Stopped;
                        if (i) out += ',';
                        out += "{\"ociVersion\":\"" + std::string(oci::kSpecVersion) +
                               "\",\"id\":" + json_escape(c.record.id) +
                               ",\"pid\":" + std::to_string(stopped ? 0 : c.record.pid) +
                               ",\"status\":\"" + oci::to_string(c.status) +
                               "\",\"bundle\":" + json_escape(c.record.bundle) +
                               ",\"rootfs\":" + json_escape(c.record.rootfs) +
                               ",\"created\":" + json_escape(c.record.created) +
                               ",\"owner\":" + json_escape(c.record.owner) + "}";
                    }
                    out += "]\n";
                    print_stdout("list", out);
                } else {
                    std::printf("%-12s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS",
                                "BUNDLE", "CREATED", "OWNER");
                    for (const auto& c : list) {
                        bool stopped = c.status == oci::Status::Stopped;
                        std::printf("%-12s %-8d %-10s %-40s %-31s %s\n", c.record.id.c_str(),
                                    stopped ? 0 : c.record.pid, oci::to_string(c.status),
                                    c.record.bundle.c_str(), c.record.created.c_str(),
                                    c.record.owner.c_str());
                    }
                }
                return 0;
            };
        });
    }
}

}  // namespace rt::cli
