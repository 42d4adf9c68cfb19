// The container init: what the cloned child of `rt create` does, as one linear list of named
// steps (init.cpp, kInitSteps), from "wait_parent" to the execve of process.args.
//
// The parent (core/create.cpp) builds an InitPlan with everything parsed and validated, clones
// (launcher.hpp) and talks to the child over the sync socket (sync.hpp). The child never
// throws: a failing step sends {step, errno, message} to the parent and exits.
#pragma once

#include <string>
#include <vector>

#include "base/fd.hpp"
#include "linux/mount_options.hpp"
#include "linux/namespaces.hpp"
#include "linux/process.hpp"
#include "rt/oci/spec.hpp"

namespace rt::linux {

struct MountPlan {
    size_t index = 0;         // position in config.json "mounts" (for messages)
    std::string source;       // bind: absolute host path; else the fs source ("proc", "tmpfs")
    std::string destination;  // absolute path inside the container
    std::string type;
    MountOptions options;
    // Idmapped bind mount: the mappings (the mount's own, or the container's user namespace's)
    // and the detached idmapped tree the parent prepares before the clone (linux/idmap.hpp).
    const std::vector<oci::IdMapping>* idmap_uids = nullptr;
    const std::vector<oci::IdMapping>* idmap_gids = nullptr;
    int idmap_userns = -1;  // instead of mappings: a user namespace the container joins
    base::UniqueFd idmap_tree;
    // Child side, in a user namespace: the bind source opened by rt as host root
    // (linux/mount_sources.hpp), -1 otherwise.
    int source_fd = -1;
};

// One linux.devices entry, as the child makes it.
struct DevicePlan {
    std::string path;   // lexically cleaned, as runc does (filepath.Clean): "/dev/x/" is "/dev/x"
    unsigned type = 0;  // S_IFCHR, S_IFBLK or S_IFIFO
    unsigned major = 0, minor = 0;
    unsigned perm = 0666;  // fileMode without the file type bits
    unsigned uid = 0, gid = 0;
};

struct InitPlan {
    const oci::Spec* spec = nullptr;
    std::string id;
    std::string bundle;  // absolute
    std::string rootfs;  // absolute

    // Namespaces: `namespaces.new_flags` minus what the child creates itself after joining
    // (unshare_flags), and CLONE_NEWCGROUP, which the child unshares only after the parent put
    // it into its cgroup (so the namespace is rooted at the container's cgroup).
    const NamespacePlan* namespaces = nullptr;
    int clone_flags = 0;
    int unshare_flags = 0;
    bool unshare_cgroup = false;
    bool new_userns = false;
    // A new pid namespace with a user namespace joined by path: the pid namespace must be
    // owned by that user namespace, so it cannot come from rt's clone. The cloned child
    // joins the user namespace, unshares the pid namespace and forks the init (pid 1), sends
    // its pid (SyncType::Pid) and exits; rt, a child subreaper then, adopts the init.
    bool fork_into_pid_ns = false;
    int joined_by_parent = 0;  // CLONE_NEW* joined by rt around the clone (new user ns case)

    std::vector<MountPlan> mounts;
    std::vector<DevicePlan> devices;       // linux.devices, in order
    unsigned long rootfs_propagation = 0;  // 0: rslave (runc's default)
    bool default_devices = true;           // false when /dev is bind-mounted from the host
    bool parent_hooks = false;             // prestart/createRuntime exist: sync RunHooks
    bool no_pivot = false;
    // No mount namespace in the config: the init shares rt's (see linux/host_rootfs.hpp).
    bool shared_mount_ns = false;
    bool no_new_keyring = false;

    int sync_fd = -1;            // child end of the sync socketpair
    int start_fd = -1;           // listening socket that `rt start` connects to (exec.sock)
    std::vector<int> close_fds;  // parent-only fds (its sync end, the state dir lock...)

    ProcessPlan process;
};

// Runs the init steps; never returns (execs the container process or exits 1).
[[noreturn]] void container_init(InitPlan& plan) noexcept;

}  // namespace rt::linux
