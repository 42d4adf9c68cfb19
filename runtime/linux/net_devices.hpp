// linux.netDevices (config-linux.md "Network Devices"): host network devices moved into the
// container's network namespace, renamed, with their permanent global addresses, and up.
#pragma once

#include <map>
#include <string>

#include "base/rollback.hpp"
#include "linux/namespaces.hpp"
#include "rt/oci/spec.hpp"

namespace rt::linux {

// Before anything exists: the devices need a network namespace that is not rt's own (a new
// one, or one joined by path that is another). Throws naming /linux/netDevices.
void check_net_devices_target(const NamespacePlan& ns);

// Moves every device of `devices` (host name -> NetDevice) from rt's network namespace into
// `netns_fd`: renamed to its `name` (a "%d" template lets the kernel pick the number), its
// permanent addresses of global scope re-added (the kernel drops every address on a move),
// then set up. Each device registers on `rollback`, as soon as it has left rt's namespace,
// the undo that moves it back with its host name, its permanent addresses and its up state,
// so a create that fails later leaves the host as it was.
void move_net_devices(const std::map<std::string, oci::NetDevice>& devices, int netns_fd,
                      base::Rollback& rollback);

// Sets `lo` up in the network namespace `netns_fd` (a new one: its only device, down).
// runc (the "loopback" network its spec conversion adds for a new network namespace) and
// crun do it; workloads assume 127.0.0.1 works. Throws rt::Error.
void set_loopback_up(int netns_fd);

}  // namespace rt::linux
