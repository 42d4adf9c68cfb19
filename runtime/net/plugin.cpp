#include "net/plugin.hpp"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "base/fd.hpp"
#include "rt/error.hpp"

extern char** environ;

namespace rt::net {
namespace {

// An fd above 2, so that dup2() onto stdin/stdout in the child always clears CLOEXEC.
base::UniqueFd above_stdio(base::UniqueFd fd, const char* what) {
    if (fd.get() > 2) return fd;
    base::UniqueFd moved(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
    if (!moved) throw_errno(what);
    return moved;
}

void write_all(int fd, std::string_view data, const char* what) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno(what);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

std::string join(const std::vector<std::string>& parts, char sep) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

// "<type> ADD: msg: details (CNI error N)" from the plugin's error object, if it printed one.
std::string plugin_error(const std::string& who, const std::string& out, int status) {
    rapidjson::Document doc;
    doc.Parse(out.c_str(), out.size());
    if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("msg") && doc["msg"].IsString()) {
        std::string message = who + ": " + doc["msg"].GetString();
        if (doc.HasMember("details") && doc["details"].IsString() &&
            doc["details"].GetStringLength() > 0)
            message += std::string(": ") + doc["details"].GetString();
        if (doc.HasMember("code") && doc["code"].IsInt())
            message += " (CNI error " + std::to_string(doc["code"].GetInt()) + ")";
        return message;
    }
    std::string message = who + ": ";
    if (WIFSIGNALED(status))
        message += std::string("killed by signal ") + ::strsignal(WTERMSIG(status));
    else
        message += "exited with status " + std::to_string(WEXITSTATUS(status));
    std::string text = out.substr(0, 200);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (!text.empty()) message += " and printed: " + text;
    return message;
}

struct SpawnArgs {
    const char* exe;
    char** argv;
    char** envp;
    int in_fd;
    int out_fd;
    pid_t parent;
    int exec_errno;  // written by the child (shared memory) when execve fails
};

// The plugin's side of the clone: only system calls (it runs on rt's memory).
int spawn_plugin(void* arg) {
    auto* a = static_cast<SpawnArgs*>(arg);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (::getppid() != a->parent) ::_exit(127);  // rt died before the prctl
    if (::dup2(a->in_fd, STDIN_FILENO) < 0 || ::dup2(a->out_fd, STDOUT_FILENO) < 0) {
        a->exec_errno = errno;
        ::_exit(127);
    }
    // A plugin must not inherit rt's blocked or ignored signals.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(a->exe, a->argv, a->envp);
    a->exec_errno = errno;
    ::_exit(127);
}

}  // namespace

std::string find_plugin(const std::string& type, const std::vector<std::string>& dirs) {
    for (const auto& dir : dirs) {
        std::string path = dir + "/" + type;
        struct stat st;
        if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            ::access(path.c_str(), X_OK) == 0)
            return path;
    }
    throw Error("CNI plugin \"" + type + "\" not found in " + join(dirs, ':'), ErrorKind::NotFound);
}

std::string run_plugin(const std::string& exe, const PluginCall& call, std::string_view config) {
    const std::string who = exe.substr(exe.rfind('/') + 1) + " " + call.command;

    // The config goes in through a memfd, not a pipe: the plugin may write its result
    // before it has read everything, and nothing can then block on a full pipe.
    base::UniqueFd input(::memfd_create("cni-config", MFD_CLOEXEC));
    if (!input) throw_errno(who + ": memfd_create");
    input = above_stdio(std::move(input), "memfd");
    write_all(input.get(), config, "write CNI config");
    if (::lseek(input.get(), 0, SEEK_SET) != 0) throw_errno(who + ": lseek");

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw_errno(who + ": pipe");
    base::UniqueFd out_read(pipe_fds[0]);
    base::UniqueFd out_write = above_stdio(base::UniqueFd(pipe_fds[1]), "pipe");

    // The plugin inherits rt's environment (PATH for its helpers), minus any CNI_* of ours.
    std::vector<std::string> env_strings;
    for (char** e = environ; e && *e; ++e)
        if (std::strncmp(*e, "CNI_", 4) != 0) env_strings.emplace_back(*e);
    env_strings.push_back("CNI_COMMAND=" + call.command);
    env_strings.push_back("CNI_CONTAINERID=" + call.container_id);
    env_strings.push_back("CNI_NETNS=" + call.netns);
    env_strings.push_back("CNI_IFNAME=" + call.ifname);
    env_strings.push_back("CNI_ARGS=" + call.args);
    env_strings.push_back("CNI_PATH=" + join(call.path, ':'));
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string argv0 = exe;
    char* argv[] = {argv0.data(), nullptr};

    // The plugin dies with rt (PR_SET_PDEATHSIG): an ADD outliving a killed rt could
    // reserve an address after delete's DEL released it. A CLONE_VM | CLONE_VFORK child, as
    // posix_spawn makes (which cannot set a parent-death signal); the forking thread waits
    // for the plugin below, so the signal comes exactly when rt dies.
    SpawnArgs spawn{exe.c_str(), argv, envp.data(), input.get(), out_write.get(), ::getpid(), 0};
    std::vector<char> stack(64 * 1024);
    sigset_t all, old;
    sigfillset(&all);
    // No handler of rt may run in the child, which shares rt's memory until it execs.
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = ::clone(spawn_plugin, stack.data() + stack.size(), CLONE_VM | CLONE_VFORK | SIGCHLD,
                        &spawn);
    int clone_err = errno;
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) throw Error(who + ": cannot run " + exe, clone_err);
    int rc = spawn.exec_errno;
    if (rc != 0) {
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
    if (rc != 0) throw Error(who + ": cannot run " + exe, rc);
    out_write.reset();
    input.reset();

    std::string out;
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(out_read.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw_errno(who + ": waitpid");
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return out;
    throw Error(plugin_error(who, out, status), ErrorKind::Generic);
}

}  // namespace rt::net
