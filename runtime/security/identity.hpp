// The process's user: supplementary groups, gid and uid, switched in the child between
// drop_bounding_set/set_keep_caps and apply_capabilities (see process_security.hpp).
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "security/step.hpp"

namespace rt::security {

// setgroups(groups), setresgid(gid), setresuid(uid), in that order (groups and gid need
// CAP_SETGID, which the uid switch takes away). The host's supplementary groups never reach
// the container: an empty list clears them. Where setgroups is denied (a user namespace with
// setgroups "deny") an empty list is accepted if there are no groups to clear, and a
// non-empty one is an error. An unmapped uid or gid is reported as such.
StepResult set_user_ids(uid_t uid, gid_t gid, const gid_t* groups,
                        std::size_t group_count) noexcept;

}  // namespace rt::security
