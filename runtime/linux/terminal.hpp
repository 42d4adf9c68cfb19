// Terminals: the pty of a container is created INSIDE the container (its own devpts, after
// pivot_root) and its master is sent to the caller over --console-socket with SCM_RIGHTS,
// the protocol conmon and containerd implement for runc: one sendmsg whose data is the
// master's name and whose control message carries the fd.
#pragma once

#include <termios.h>

#include <string>

#include "base/fd.hpp"
#include "linux/child.hpp"

namespace rt::linux {

// Child side: opens /dev/ptmx, sizes it, sends the master over `socket_fd`, optionally binds
// the slave on /dev/console, and makes the slave stdio 0-2 and (with set_ctty, which needs a
// session leader) the controlling terminal.
bool setup_container_console(int socket_fd, unsigned short rows, unsigned short cols,
                             bool mount_console, bool set_ctty, ChildCtx& ctx) noexcept;

// Sends `fd` with SCM_RIGHTS; `name` is the payload. Child-safe. Returns false with errno.
bool send_fd(int socket_fd, int fd, const char* name) noexcept;
// Receives one fd (parent side). Throws rt::Error.
base::UniqueFd recv_fd(int socket_fd);
// Connects to the unix socket at `path` (any length: connects through an O_PATH fd of the
// directory). Throws rt::Error naming the path.
base::UniqueFd connect_unix(const std::string& path);

// Puts a terminal in raw mode and restores it on destruction (rt run/exec in the
// foreground with a terminal).
class RawMode {
  public:
    explicit RawMode(int fd);
    ~RawMode();
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;
    bool active() const { return active_; }

  private:
    int fd_;
    bool active_ = false;
    termios saved_{};
};

// Copies the window size of `from` (a tty) to `to` (a pty master). Ignores errors.
void copy_window_size(int from, int to) noexcept;

}  // namespace rt::linux
