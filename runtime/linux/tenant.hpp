// A process started inside a running container (`rt exec`): the "tenant" counterpart of the
// container init, sharing the process steps (process.hpp). Two processes, so that nothing in
// the container's pid namespace ever sees rt's process before it is entirely the container's:
//   1. the intermediate, cloned in rt's pid namespace (into the container's cgroup), waits for
//      Go, joins every differing namespace of the init with one setns(pidfd, flags) (the pid
//      namespace for its children only), runs the process steps (console, rlimits, user,
//      capabilities, cwd, fds...) in the container's root, then clones
//   2. the process, with CLONE_PARENT (a child of rt), into the container's pid namespace; it
//      becomes a session leader, loads the seccomp filter and execs. The intermediate sends
//      its pid (SyncType::Pid) and exits.
#pragma once

#include <sys/types.h>

#include <vector>

#include "base/fd.hpp"
#include "linux/launcher.hpp"
#include "linux/process.hpp"

namespace rt::linux {

struct TenantPlan {
    int init_pidfd = -1;  // pidfd of the container's init
    int join_flags = 0;   // namespaces of the init that differ from ours (pid and time too)
    // The init's root (/proc/<pid>/root) when it shares our mount namespace (a container
    // without one): there joining nothing would leave the process at the host's root.
    int root_fd = -1;
    int sync_fd = -1;
    std::vector<int> close_fds;
    ProcessPlan process;
};

// Namespaces (CLONE_NEW*) in which process `pid` differs from the caller.
int differing_namespaces(pid_t pid);

// Clones the intermediate (out.pid); it waits for Go. After Go, adopt_spawned_child() turns
// `out` into the process itself. Throws rt::Error.
SpawnedProcess spawn_tenant(TenantPlan& plan, const SpawnOptions& options);

}  // namespace rt::linux
