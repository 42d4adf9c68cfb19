// Running a program to completion and collecting its output, exit status and resource use.
// The conformance suite and the benchmarks drive runtimes and CNI plugins only through this.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

struct RunOptions {
    std::map<std::string, std::string> env_set;  // added to (or replacing in) the environment
    std::vector<std::string> env_unset;
    bool clear_env = false;        // start from an empty environment
    std::string stdin_data;        // fed on stdin (empty: /dev/null)
    std::optional<int> stdout_fd;  // give the child this fd instead of capturing
    std::string cwd;
    int netns_fd = -1;                         // setns(CLONE_NEWNET) before exec
    std::chrono::milliseconds timeout{60000};  // SIGKILL after this long
};

struct RunResult {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    bool timed_out = false;
    std::string out, err;
    rusage usage{};  // of the child (wait4)
    std::chrono::nanoseconds wall{};
    bool ok() const { return exit_code == 0; }
    // "exit 1: <stderr>" for failure messages.
    std::string describe() const;
};

// Benchmarks only: from now on run every command through the measuring program at
// `spawner` (bench/spawn.cpp), so that `usage` and `wall` are the command's own and not
// charged with tearing down a copy of the caller's address space. "" turns it off.
void measure_through(std::string spawner);

// Runs argv[0] (a path) with argv; throws rt::Error only when it cannot be started.
RunResult run_command(const std::vector<std::string>& argv, const RunOptions& options = {});

}  // namespace conformance
