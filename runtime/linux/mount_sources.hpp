// Bind sources of a container in a user namespace, opened by rt as host root.
//
// The init, root of its own user namespace, cannot reach a source under a directory only host
// root may search (0700 root:root); runc and crun open bind sources as host root. rt does what
// runc 1.1 does: once the init's mount namespace exists it asks (SyncType::MountSources); rt
// enters that mount namespace, opens each bind source there (O_PATH, host paths, as host root)
// and sends the fds (MountSourceFd); the init binds /proc/self/fd/N. The fds name mounts of the
// init's own namespace (a bind from another namespace's mount is refused), so the new mounts
// keep the locks the kernel put on the namespace's mounts when it copied them for the user
// namespace (a copy made with open_tree in rt's namespace would not carry them, and the
// container could clear the host's read-only or nosuid flags on it). Destinations are still
// resolved inside the rootfs by the init (CVE-2021-30465). Idmapped binds have their own
// detached trees (linux/idmap.hpp).
#pragma once

#include <sys/types.h>

#include "linux/child.hpp"
#include "linux/init.hpp"

namespace rt::linux {

// Whether the init asks for its bind sources: a user namespace (new or joined), a mount
// namespace of its own and at least one bind mount that is not idmapped. Child-safe.
bool needs_mount_sources(const InitPlan& plan) noexcept;

// Parent side, after Go: answers the init's MountSources request. Throws rt::Error naming
// the mount whose source cannot be opened.
void send_mount_sources(int sync_fd, pid_t init, const InitPlan& plan);

// Child step: asks for the sources and stores each fd in MountPlan::source_fd.
bool step_mount_sources(InitPlan& plan, ChildCtx& ctx) noexcept;

}  // namespace rt::linux
