// Network namespaces: opening CNI_NETNS safely and running work inside one.
//
// A thread's network namespace is per thread. Work that must happen inside a container's
// namespace (opening a netlink socket there, its /proc/sys/net) runs either on a
// short-lived dedicated thread that calls setns() and then exits (run_in_netns: the
// calling thread never changes namespace), or, for rt-bridge's hot path, on the calling
// thread switched there and back (run_switched_to_netns: no thread start and join).
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <thread>

#include "base/fd.hpp"

namespace rt::netlink {

enum class NetnsState { Ok, Missing, NotNetns };

// Opens a network namespace path (/run/netns/x, /proc/PID/ns/net). Sets `state`: Missing if
// the path does not exist, NotNetns if it exists but is not a network namespace (fd then
// invalid).
base::UniqueFd open_netns(const std::string& path, NetnsState& state);

// Like open_netns, but throws CniError: 3 if missing, 4 if not a network namespace or if
// it is the plugin's own namespace (an ADD there would configure the host).
base::UniqueFd open_container_netns(const std::string& path);

// True if `fd` is the calling thread's current network namespace.
bool is_current_netns(int fd);

// Runs `fn` on a new thread that has joined the network namespace `netns_fd`; rethrows
// what `fn` throws. The calling thread's namespace is never touched.
void run_in_netns(int netns_fd, const std::function<void()>& fn);

// Runs `fn` on the calling thread switched into `netns_fd`, then switches it back to the
// namespace it was in (also when `fn` throws; rethrown). For short work with no other
// thread waiting on this one (opening sockets there): it saves run_in_netns' thread
// start, join and the two wake-ups. Should switching back fail (the kernel refusing to
// return to the namespace the thread just left), the process aborts: it must not go on
// configuring the container's namespace as if it were the host's.
void run_switched_to_netns(int netns_fd, const std::function<void()>& fn);

}  // namespace rt::netlink
