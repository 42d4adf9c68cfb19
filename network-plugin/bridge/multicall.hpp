// rt-bridge and rt-host-local are one executable, installed under both names (hard links,
// like busybox): the name it is run as picks the plugin, and rt-bridge calls its IPAM
// in-process when CNI_PATH resolves ipam.type to this same file (cni/delegate.hpp).
#pragma once

#include <string_view>

#include "cni/skeleton.hpp"

namespace rt::bridge {

// True when the program name (argv[0] or a CNI type) selects rt-host-local: its file
// name ends in "host-local" ("rt-host-local", "/opt/cni/bin/rt-host-local"). Any other
// name runs rt-bridge.
bool runs_host_local(std::string_view program);

// The plugin the executable runs under `program`.
const cni::Plugin& plugin_for_program(std::string_view program);

// For cni::set_builtin_plugins: host-local types only. A delegate that would run as
// rt-bridge is exec'd, never called in-process (it would delegate to itself forever).
const cni::Plugin* builtin_ipam(std::string_view type);

}  // namespace rt::bridge
