// Idmapped bind mounts (config.md "mounts": idmap / ridmap options, uidMappings/gidMappings),
// with mount_setattr(MOUNT_ATTR_IDMAP) (Linux 5.12+). Parent side: setting an idmapping needs
// privilege over the source's superblock, which the container init (in its own user namespace)
// does not have. So rt prepares, before the clone, a detached idmapped copy of each source
// (open_tree(OPEN_TREE_CLONE) + mount_setattr); the init attaches it at the destination inside
// the rootfs with move_mount.
#pragma once

#include <string>
#include <vector>

#include "base/fd.hpp"
#include "linux/init.hpp"
#include "rt/oci/spec.hpp"

namespace rt::linux {

// A user namespace with these mappings ("containerID hostID size" lines, as for the container's
// user namespace), held only by the returned fd: its short-lived helper process is reaped.
base::UniqueFd make_userns(const std::vector<oci::IdMapping>& uids,
                           const std::vector<oci::IdMapping>& gids);

// A detached copy of `source` (its submounts too for rbind) idmapped with `userns_fd`
// (recursively for ridmap). Throws rt::Error naming the source.
base::UniqueFd idmapped_tree(const std::string& source, bool recursive_bind, bool recursive_idmap,
                             int userns_fd);

// Fills MountPlan::idmap_tree of every idmapped mount of the plan (one user namespace per
// distinct mapping). Throws rt::Error naming the config field.
void prepare_idmapped_mounts(InitPlan& plan);

}  // namespace rt::linux
