// What `rt features` claims (features.md, features-linux.md): only what rt implements today.
//
// The document is assembled from one function per area, all in core/features.cpp. When you
// land a feature, update your area's function there (and nothing else): the unit test
// tests/unit/core/features_test.cpp checks that `rt features` prints exactly what these
// functions return and that every claimed name is a name the spec knows.
#pragma once

#include <string>
#include <vector>

#include "rt/oci/features.hpp"

namespace rt::core {

// The whole document printed by `rt features`.
oci::Features runtime_features();

// ---- one function per area (see core/features.cpp for who owns which) ----

// Lifecycle (issue 3): hook names rt runs, in spec order (names::kHooks).
std::vector<std::string> hook_features();
// Lifecycle (issue 3): mount options rt applies (names::kMountOptions).
std::vector<std::string> mount_option_features();
// Lifecycle (issue 3): namespace types rt can create or join (names::kNamespaces).
std::vector<std::string> namespace_features();
// Lifecycle (issue 3): idmapped mounts, netDevices, time offsets ... (optional<bool>s).
void fill_lifecycle_features(oci::Features::Linux& linux);
// Cgroups (issue 4): cgroup managers / controllers rt drives.
void fill_cgroup_features(oci::Features::Linux& linux);
// Security (issue 5): capabilities, seccomp, apparmor, selinux, memoryPolicy ...
void fill_security_features(oci::Features::Linux& linux);

}  // namespace rt::core
