// The seccomp agent protocol (config-linux.md "The Container Process State"): when a filter
// uses SCMP_ACT_NOTIFY, the runtime connects to linux.seccomp.listenerPath, sends the
// container process state as JSON with the listener fd in SCM_RIGHTS, and closes the
// connection. Parent side only (throws rt::Error).
//
// How the fd gets from the child to the parent: the child loads the filter (load_seccomp),
// writes the fd *number* on its sync channel with write(2) and waits; the parent copies the
// fd with take_fd_from_process() (pidfd_getfd), sends it to the agent, then lets the child
// close its copy and go on. Only write(2) runs in the child between the load and the
// parent's copy, which is why compile_seccomp refuses SCMP_ACT_NOTIFY on write (as runc).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/fd.hpp"

namespace rt::security {

struct SeccompAgentMessage {
    pid_t pid = 0;                        // the container process, as the runtime sees it
    std::optional<std::string> metadata;  // linux.seccomp.listenerMetadata
    std::string state_json;               // the container state (runtime.md), already JSON
};

// The JSON document sent to the agent: {"ociVersion", "fds": ["seccompFd"], "pid",
// "metadata"?, "state": <state_json>}. Throws if state_json is not a JSON object.
std::string seccomp_agent_payload(const SeccompAgentMessage& message);

// Connects to the agent's socket (AF_UNIX, SOCK_STREAM; paths longer than sun_path work),
// sends the payload with notify_fd as the only SCM_RIGHTS fd in the first sendmsg, and
// closes. Errors name the listener path.
void send_to_seccomp_agent(const std::string& listener_path, const SeccompAgentMessage& message,
                           int notify_fd);

// A copy (O_CLOEXEC) of file descriptor `fd` of process `pid`, with pidfd_open + pidfd_getfd
// (Linux 5.6). Needs ptrace access to pid (rt is its parent and root).
base::UniqueFd take_fd_from_process(pid_t pid, int fd);

}  // namespace rt::security
