// The container's view of its cgroup, for the lifecycle (runtime/core): create it from a
// config, keep it in the container's state directory, and find it again.
#pragma once

#include <optional>
#include <string>

#include "cgroup/manager.hpp"
#include "rt/oci/spec.hpp"

namespace rt::cgroup {

// The file, in the container's state directory, holding Manager::serialize().
inline constexpr const char* kStateFile = "cgroup.json";

// Detects the host layout, resolves linux.cgroupsPath (the systemd form when `systemd`),
// creates the cgroup and applies linux.resources with the device rules runc adds
// (container_device_rules). Leaves nothing behind on failure. intent: see Manager::create.
Manager create_for_container(const oci::Spec& spec, const std::string& id, bool systemd,
                             const Manager::IntentFn& intent = {});
// The systemd driver (--systemd-cgroup): records the unit in the state directory (dirfd,
// kUnitFile: the intent, before systemd makes anything, so delete always finds it), starts
// the transient unit with `pid` (the init, waiting for Go) and the resources systemd owns,
// then adopts its cgroup and applies linux.resources through cgroupfs in the delegated unit.
// On failure stops the unit and removes what it made.
inline constexpr const char* kUnitFile = "systemd-unit";
Manager create_in_systemd_unit(const oci::Spec& spec, const std::string& id, pid_t pid, int dirfd,
                               const Manager::IntentFn& intent = {});
// The unit recorded by create_in_systemd_unit, or "" (the cgroupfs driver).
std::string systemd_unit_of(int dirfd);
// Stops the container's systemd unit, if it has one (delete).
void stop_systemd_unit(int dirfd);

// Resources that can only be written once the init is in the cgroup (a pids limit of 0).
void apply_after_enter(const Manager& m, const oci::Spec& spec);

// The manager saved in a container's state directory (dirfd); nullopt when there is none
// (a container created before the cgroup existed, or by an interrupted create).
std::optional<Manager> load_for_container(int dirfd);

}  // namespace rt::cgroup
