// Parent side of cloning a container process: one clone3() straight from rt (no re-exec of
// the binary, no intermediate process but for InitPlan::fork_into_pid_ns) with the CLONE_NEW* flags
// of the new namespaces, a pidfd for race-free waiting and signalling, and optionally
// CLONE_INTO_CGROUP.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "base/fd.hpp"
#include "linux/init.hpp"

namespace rt::linux {

// fork-like clone3: returns 0 in the child, the child's pid in the parent (pidfd filled).
// cgroup_fd >= 0 adds CLONE_INTO_CGROUP (cgroup v2 only). Throws rt::Error in the parent.
pid_t clone_process(uint64_t flags, base::UniqueFd& pidfd, int cgroup_fd = -1);

struct SpawnedProcess {
    pid_t pid = -1;
    base::UniqueFd pidfd;
    base::UniqueFd sync;  // parent end of the sync socketpair
};

struct SpawnOptions {
    int cgroup_fd = -1;  // cgroup (issue 4): CLONE_INTO_CGROUP on cgroup v2
};

// Clones the container init for `plan` (which it completes: clone/unshare flags, sync fd).
// The child waits for Go. pid and time namespaces given by `path` are entered by the parent
// for the clone only (they apply to children), and a new time namespace is created by the
// parent so that timeOffsets can be written before any process lives in it.
SpawnedProcess spawn_init(InitPlan& plan, const oci::Spec& spec, const SpawnOptions& options);

// The intermediate `out` sent the pid of the process it cloned with CLONE_PARENT (or forked,
// rt being a child subreaper) and exits: reaps it and makes `out` that process (pid, pidfd;
// the sync socket stays). The process is rt's unreaped child, so its pid cannot be reused
// before pidfd_open. Throws rt::Error (`what` prefixes it) after killing what it can.
void adopt_spawned_child(SpawnedProcess& out, const char* what);

}  // namespace rt::linux
