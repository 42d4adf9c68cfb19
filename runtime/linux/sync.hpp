// The parent/child sync channel of create and exec: a SOCK_SEQPACKET socketpair carrying
// numbered messages. Each message is one datagram: a fixed header, then a text payload
// (an error message, or the container state JSON for hooks run by the child).
//
// create (parent = rt, child = the container init):
//   1. parent -> child  Go             id maps written, oom_score_adj set, cgroup joined;
//                                      payload: the state JSON ("creating") for hooks
//   2. child  -> parent RunHooks       (only if prestart/createRuntime hooks exist) mounts
//                                      are done, before pivot_root
//   3. parent -> child  HooksDone      prestart + createRuntime hooks succeeded
//   4. child  -> parent Ready          everything is set up; the init now waits for `start`
//   any child step failing sends       Error {step, errno, message} and exits
// With a joined user namespace and a new pid namespace, a first message 0. Pid (payload: the
// init's pid as decimal text) comes from the intermediate process, before Go. With a pid
// namespace joined by path, Pid comes after 3 (and the seccomp hand-off), from the process
// that did the setup and then cloned the init into that namespace; the parent answers with a
// second Go (the state with the init's pid), then 4.
// exec: 1 (Go), [seccomp hand-off], Pid (the intermediate cloned the process into the
// container's pid namespace) and Error; success is EOF (execve, the socket is close-on-exec).
// create and exec, when the seccomp filter uses SCMP_ACT_NOTIFY (before Ready):
//      child  -> parent SeccompFd      the filter is loaded; payload: the listener fd number
//                                      (sent with one write(2), see seccomp_agent.hpp)
//      parent -> child  SeccompDone    the parent copied the fd (pidfd_getfd) and handed it
//                                      to the seccomp agent
//
// The child side never throws and never allocates here: it fills a fixed-size buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rt::linux {

enum class SyncType : uint32_t {
    Go = 1,
    RunHooks = 2,
    HooksDone = 3,
    Ready = 4,
    Error = 5,
    SeccompFd = 6,
    SeccompDone = 7,
    Pid = 8,  // the pid of the process an intermediate cloned (see above)
    // create, after Go, in a user namespace: the init asks for its bind sources, which rt
    // opens as host root inside the init's mount namespace; one MountSourceFd each (the fd in
    // SCM_RIGHTS). See linux/mount_sources.hpp.
    MountSources = 9,
    MountSourceFd = 10,
};

const char* to_string(SyncType type) noexcept;

struct SyncHeader {
    SyncType type;
    int32_t err;    // errno of a failed step (Error), 0 otherwise
    char step[48];  // name of the failed step (Error)
};

inline constexpr size_t kSyncMaxPayload = size_t{60} * 1024;

// Child side (noexcept, no allocation). Return false when the socket is broken.
bool sync_send(int fd, SyncType type, const char* payload = nullptr, size_t len = 0) noexcept;
bool sync_send_error(int fd, const char* step, int err, const char* message) noexcept;
// SeccompFd with the fd number, in a single write(2): right after the filter is loaded, the
// only syscall allowed to run before the agent has the listener fd.
bool sync_send_seccomp_fd(int fd, int notify_fd) noexcept;
// Receives one message into `buf` (payload NUL-terminated). Returns payload length, -1 on EOF
// or error.
long sync_recv(int fd, SyncHeader& header, char* buf, size_t bufsize) noexcept;

// Receives one message that carries an fd (SCM_RIGHTS) into *fd (-1 if none). Returns the
// payload length, -1 on EOF or error.
long sync_recv_fd(int fd, SyncHeader& header, char* buf, size_t bufsize, int* passed) noexcept;
// Parent side: sends a message with `passed` in SCM_RIGHTS. Throws rt::Error.
void sync_send_fd_or_throw(int fd, SyncType type, int passed, const std::string& payload = {});

// Parent side: waits for the next message; throws rt::Error when the child reported a failed
// step ("step \"pivot_root\": <message>: invalid argument") or died (EOF), or when the message
// is not `expected`.
std::string sync_expect(int fd, SyncType expected, const char* what);
void sync_send_or_throw(int fd, SyncType type, const std::string& payload = {});

}  // namespace rt::linux
