// Runs the rt binary under test and captures its output.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

extern char** environ;

namespace core_test {

struct RunResult {
    int status = -1;  // exit code, or -1 when killed by a signal
    std::string out, err;
};

inline std::string drain(int fd) {
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return text;
}

// rt with args; stdout and stderr go to files (small outputs, no pipe deadlock to manage).
inline RunResult run_rt(const std::vector<std::string>& args) {
    char out_tmpl[] = "/tmp/rt-core-test-out-XXXXXX";
    char err_tmpl[] = "/tmp/rt-core-test-err-XXXXXX";
    int out = ::mkstemp(out_tmpl), err = ::mkstemp(err_tmpl);
    BOOST_REQUIRE(out >= 0 && err >= 0);
    ::unlink(out_tmpl);
    ::unlink(err_tmpl);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out, 1);
    posix_spawn_file_actions_adddup2(&actions, err, 2);
    std::vector<std::string> all = {RT_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(all.size() + 1);
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, RT_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    BOOST_REQUIRE_MESSAGE(rc == 0, "spawn " << RT_BINARY);
    int wstatus = 0;
    BOOST_REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
    RunResult r;
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    ::lseek(out, 0, SEEK_SET);
    ::lseek(err, 0, SEEK_SET);
    r.out = drain(out);
    r.err = drain(err);
    return r;
}

}  // namespace core_test
