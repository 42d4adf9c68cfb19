// The lifecycle operations behind the CLI verbs (runtime.md "Operations" + runc's extras).
// Each verb of runtime/cli calls exactly one of these.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/state_store.hpp"
#include "net/attach.hpp"
#include "rt/oci/state.hpp"

namespace rt::core {

struct CreateOptions {
    std::string id;
    std::string bundle = ".";
    std::string pid_file;
    std::string console_socket;
    bool no_pivot = false;
    bool no_new_keyring = false;
    int preserve_fds = 0;
    int listen_fds = 0;  // LISTEN_FDS from rt's environment: preserved, and told to the process
    // rt's own CNI networks (runtime/net): --net specs, added to the org.rt.networks annotation's
    std::vector<std::string> networks;
    net::CniOptions cni;
    bool systemd_cgroup = false;  // --systemd-cgroup: cgroupsPath is "slice:prefix:name"
};

// rt events (issue 4): stats once, or stats every interval plus OOM events until the
// container stops.
struct EventsOptions {
    bool stats_once = false;
    int interval_ms = 5000;
};

struct RunOptions {
    CreateOptions create;
    bool detach = false;
    bool keep = false;
};

struct ExecOptions {
    std::string id;
    std::string process_file;       // --process FILE (JSON process object)
    std::vector<std::string> args;  // command after the id
    bool tty = false;
    bool detach = false;
    std::string pid_file;
    std::string console_socket;
    std::string cwd;
    std::vector<std::string> env;  // K=V, added/overriding
    std::string user;              // UID[:GID]
    std::vector<uint32_t> additional_gids;
    int preserve_fds = 0;
    bool ignore_paused = false;
    // security (issue 5): --cap, --no-new-privs, --apparmor, --process-label land here.
    std::vector<std::string> caps;
    bool no_new_privs = false;
    std::string apparmor;
    std::string process_label;
    std::vector<std::string> cgroups;  // --cgroup [controller[,controller]:]path (sub-cgroups)
};

struct ContainerInfo {
    ContainerRecord record;
    oci::Status status = oci::Status::Stopped;
};

// Status from reality: the init's pid alive with the recorded start time, exec.sock present
// while it waits for start, a frozen cgroup makes it "paused".
oci::Status derive_status(const ContainerDir& dir, const ContainerRecord& record);

// Compiled seccomp filters kept across commands (security/seccomp_cache.hpp); the leading
// dot keeps it out of `rt list`.
inline std::string seccomp_cache_dir(const std::string& root) {
    return root + "/.seccomp-cache";
}

class Runtime {
  public:
    explicit Runtime(std::string root) : store_(std::move(root)) {}

    // create: exit code 0 or throws. The init is left waiting for start.
    void create(const CreateOptions& options);
    void start(const std::string& id);
    // Foreground: the container's exit code (128+N when killed by signal N).
    int run(const RunOptions& options);
    void kill(const std::string& id, int signal, bool all);
    void remove(const std::string& id, bool force);
    oci::State state(const std::string& id);
    std::vector<ContainerInfo> list();
    // The container ids alone, sorted (`list -q`: no state file is read).
    std::vector<std::string> ids() const;
    int exec(const ExecOptions& options);

    // cgroup verbs (issue 4, core/cgroup_ops.cpp)
    void pause(const std::string& id);
    void resume(const std::string& id);
    // Applies a partial linux.resources to a running (or paused, created) container; errors
    // name fields as "<origin>/memory/limit: ...".
    void update(const std::string& id, const oci::Resources& resources, const std::string& origin);
    // Pids of every process in the container's cgroup, sorted.
    std::vector<pid_t> pids(const std::string& id);
    // Calls emit with each event line (runc's JSON, no newline).
    void events(const std::string& id, const EventsOptions& options,
                const std::function<void(const std::string&)>& emit);

    StateStore& store() { return store_; }

  private:
    struct Created;
    Created create_container(const CreateOptions& options, bool foreground_terminal);
    void start_container(ContainerDir& dir, const ContainerRecord& record);
    // Kills, removes the cgroups and networks, runs the poststop hooks, removes the state
    // dir. record: nullptr when state.json is missing or damaged. Throws one line naming
    // what could not be removed (the state dir is then kept).
    void destroy(ContainerDir& dir, const ContainerRecord* record, bool run_poststop);

    StateStore store_;
};

}  // namespace rt::core
