// A process started inside a running container (`rt exec`): the "tenant" counterpart of the
// container init, sharing the process steps (process.hpp). The parent enters the container's
// pid and time namespaces for the clone only; the child joins all the others in one
// setns(pidfd, flags) after Go (so the cgroup namespace is joined after the cgroup), then runs
// the process steps and execs.
#pragma once

#include <sys/types.h>

#include <vector>

#include "base/fd.hpp"
#include "linux/launcher.hpp"
#include "linux/process.hpp"

namespace rt::linux {

struct TenantPlan {
    int init_pidfd = -1;  // pidfd of the container's init
    int join_flags = 0;   // namespaces of the init that differ from ours (minus pid/time)
    // The init's root (/proc/<pid>/root) when it shares our mount namespace (a container
    // without one): there joining nothing would leave the process at the host's root.
    int root_fd = -1;
    int sync_fd = -1;
    std::vector<int> close_fds;
    ProcessPlan process;
};

// Namespaces (CLONE_NEW*) in which process `pid` differs from the caller.
int differing_namespaces(pid_t pid);

// Clones the tenant process; it waits for Go. Throws rt::Error.
SpawnedProcess spawn_tenant(TenantPlan& plan, pid_t init_pid, int pidns_flags,
                            const SpawnOptions& options);

}  // namespace rt::linux
