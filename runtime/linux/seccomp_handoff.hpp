// Parent side of the SeccompFd sync step (sync.hpp): when the process's seccomp filter uses
// SCMP_ACT_NOTIFY, the child loads it before Ready and sends the listener fd number; the
// parent copies the fd (pidfd_getfd), sends it with the container process state to the
// agent at linux.seccomp.listenerPath (security/seccomp_agent.hpp) and answers SeccompDone.
#pragma once

#include <sys/types.h>

#include <string>

#include "security/process_security.hpp"

namespace rt::linux {

// No-op unless sec's filter uses SCMP_ACT_NOTIFY. Throws rt::Error (the child's own failure,
// or the agent's socket: "seccomp agent /run/agent.sock: connect: ...").
void hand_seccomp_fd_to_agent(int sync_fd, pid_t pid, const security::ProcessSecurity& sec,
                              const std::string& state_json, const char* what);

}  // namespace rt::linux
