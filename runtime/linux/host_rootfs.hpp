// A container without a mount namespace of its own (config-linux.md: a namespace type that
// is not listed is inherited from the runtime) shares rt's mount namespace: its init binds the
// rootfs on itself there and mounts under that bind (as runc does). rt removes that bind, and
// with it every mount under it, when the container is deleted or its create fails, so the host
// keeps no mount of the container (runc leaves them). The mount the rootfs path showed before
// the create is kept in the state dir (kHostRootfsFile), so a create killed before it wrote its
// record is cleaned up by `delete --force` too.
#pragma once

#include <cstdint>
#include <string>

namespace rt::linux {

inline constexpr const char* kHostRootfsFile = "host-rootfs";

// The id of the mount `path` is on (statx STATX_MNT_ID); 0 when it cannot be read.
uint64_t mount_id_of(const std::string& path) noexcept;

// Before the clone: records the mount `rootfs` is on in <state dir>/kHostRootfsFile and
// returns its id.
uint64_t record_host_rootfs(int state_dirfd, const std::string& rootfs);

// Detaches the init's rootfs bind from rt's mount namespace when the topmost mount on the
// rootfs path is no longer `before` (the one it showed before the clone): it is the init's
// bind. Returns false with a message when the unmount failed, true when done or nothing to do.
bool detach_host_rootfs(const std::string& rootfs, uint64_t before, std::string& message) noexcept;
// The same from the record in the state dir (none: nothing to do).
bool remove_host_rootfs(int state_dirfd, std::string& message) noexcept;

}  // namespace rt::linux
