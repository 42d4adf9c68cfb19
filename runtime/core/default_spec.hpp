// The default config.json of `rt spec`: the same container as runc 1.1.5's `runc spec`
// (namespaces, mounts, masked / read-only paths, capabilities, rlimits, no_new_privs,
// terminal), and its --rootless variant.
#pragma once

#include <cstdint>
#include <string>

#include "rt/oci/spec.hpp"

namespace rt::core {

// runc spec's default, with rt's spec version and hostname "rt".
oci::Spec default_spec();

// runc spec --rootless's changes: no network namespace, a user namespace mapping container
// root to host_uid / host_gid (the caller passes its euid / egid), /sys bind-mounted instead
// of a new sysfs, no uid= / gid= mount options, no cgroup resources.
void make_rootless(oci::Spec& spec, uint32_t host_uid, uint32_t host_gid);

// Writes spec as <bundle_dir>/config.json: the whole file appears at once (temp file +
// link) and an existing config.json is never replaced. Throws rt::Error:
//   "bundle /x: no such file or directory"
//   "/x/config.json: already exists (remove it first)"
// Nothing is left behind on failure.
void write_new_config(const std::string& bundle_dir, const oci::Spec& spec);

}  // namespace rt::core
