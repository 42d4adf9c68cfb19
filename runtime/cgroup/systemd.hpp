// The systemd cgroup driver (rt --systemd-cgroup): the container's cgroup is a transient unit
// that systemd knows about, so it keeps the container's controllers and limits when it
// re-realizes the slice (a daemon-reload, any systemd-run in the same slice).
//
//   create   StartTransientUnit "<prefix>-<name>.scope" in the slice, with the init's pid,
//            Delegate=yes and the resources systemd owns as unit properties; rt then writes
//            every resource through cgroupfs inside the delegated scope, as with cgroupfs
//   update   SetUnitProperties with the same mapping, then the files
//   delete   StopUnit (the unit's cgroup goes with it)
// as runc's systemd driver does. The D-Bus calls are made by the rt-systemd helper
// (runtime/systemd-bus): rt stays one static executable without libsystemd.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "cgroup/path.hpp"
#include "rt/oci/spec.hpp"

namespace rt::cgroup::systemd {

// True when systemd runs as the init of this host (sd_booted(3): /run/systemd/system exists).
bool running() noexcept;
// Throws rt::Error (Unsupported) naming --systemd-cgroup when systemd is not running.
void require_running();

// The unit properties for `resources` (NAME=SIGNATURE:VALUE, rt-systemd's form). unified:
// the host is cgroup v2, where systemd has the v2 names (CPUWeight, MemoryLow, AllowedCPUs);
// on v1 the v1 ones (CPUShares, BlockIOWeight). Device rules become DevicePolicy/DeviceAllow.
std::vector<std::string> unit_properties(const oci::Resources& resources, bool unified);

// The rt-systemd helper's calls. Each throws rt::Error with the helper's one-line reason.
void start_unit(const SystemdUnit& unit, pid_t pid, const std::vector<std::string>& properties);
void set_unit_properties(const std::string& unit, const std::vector<std::string>& properties);
// Stops the unit and waits; a unit that does not exist is not an error.
void stop_unit(const std::string& unit);

// Where rt finds rt-systemd: next to rt itself, then in rt's libexec directory.
std::string helper_path();

}  // namespace rt::cgroup::systemd
