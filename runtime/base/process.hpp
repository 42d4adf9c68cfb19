// Facts about processes from /proc and pidfds, used to derive a container's status from
// reality and to signal or wait for a process without pid-reuse races.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/fd.hpp"

namespace rt::base {

struct ProcStat {
    char state = '?';         // R S D Z T ...
    pid_t pgrp = 0;           // field 5: process group
    uint64_t start_time = 0;  // field 22: clock ticks after boot
};

// /proc/<pid>/stat, or nullopt when the process does not exist.
std::optional<ProcStat> proc_stat(pid_t pid) noexcept;

// `pid` as seen from its innermost pid namespace (last NSpid field of /proc/<pid>/status):
// 1 for the init of a new pid namespace. nullopt when the process does not exist.
std::optional<pid_t> pid_in_own_namespace(pid_t pid) noexcept;

// True when `pid` exists, is not a zombie and started at `start_time` (0: not checked).
bool process_alive(pid_t pid, uint64_t start_time) noexcept;

// pidfd_open(2) of `pid`, checked against start_time so a recycled pid is never signalled.
// Returns an empty fd when the process is gone.
UniqueFd open_pidfd(pid_t pid, uint64_t start_time);

// Sends a signal through a pidfd. Throws rt::Error.
void pidfd_signal(int pidfd, int sig);

// Blocks until the process behind `pidfd` has exited (poll on the pidfd, no sleeps).
// timeout_ms < 0 waits forever. Returns false on timeout.
bool pidfd_wait_exit(int pidfd, int timeout_ms);

// Signal names as runc accepts them: "KILL", "SIGKILL", "9", "SIGRTMIN+3". Throws rt::Error
// (InvalidArgument) naming the text.
int parse_signal(std::string_view text);
const char* signal_name(int sig);  // "SIGKILL"; nullptr when unknown

}  // namespace rt::base
