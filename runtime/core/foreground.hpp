// Staying in the foreground with a container process (rt run, rt exec): forwards signals to
// it, proxies a terminal (raw mode, SIGWINCH resize, restore on exit) and returns its exit
// code (128+N when killed by signal N). Waits on fds only (signalfd, pidfd, tty): no polling.
#pragma once

#include <sys/types.h>

namespace rt::core {

// Blocks the signals rt forwards; call before cloning (the child resets its mask at exec).
// Returns the signalfd.
int block_forwarded_signals();

// master_fd >= 0: proxy stdin -> master and master -> stdout. Returns the exit code.
int wait_foreground(pid_t pid, int pidfd, int signal_fd, int master_fd);

}  // namespace rt::core
