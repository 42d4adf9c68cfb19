#include "cni/delegate.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cni/error.hpp"
#include "cni/json.hpp"
#include "cni/skeleton.hpp"

extern char** environ;

namespace rt::cni {

namespace {

BuiltinPlugins& builtins() {
    static BuiltinPlugins lookup;
    return lookup;
}

// The plugin to call in-process for `exe` (found in CNI_PATH as `type`), if any.
const Plugin* builtin_for(std::string_view type, const std::string& exe) {
    const BuiltinPlugins& lookup = builtins();
    if (!lookup) return nullptr;
    const Plugin* p = lookup(type);
    return p && is_this_executable(exe) ? p : nullptr;
}

// The delegate's outcome: its stdout on success, else CniError with its own code and
// message, or code 999 with how it ended.
std::string outcome(const std::string& type, const std::string& command, std::string out, bool ok,
                    const std::string& why) {
    if (ok) return out;
    std::string who = type + " (" + command + ")";
    json::Document doc;
    doc.Parse(out.data(), out.size());
    if (!doc.HasParseError() && doc.IsObject()) {
        const json::Value* code = json::find(doc, "code");
        const json::Value* msg = json::find(doc, "msg");
        if (code && code->IsInt() && msg && msg->IsString()) {
            std::string details;
            const json::Value* d = json::find(doc, "details");
            if (d && d->IsString()) details = d->GetString();
            throw CniError(code->GetInt(), who + ": " + msg->GetString(), details);
        }
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    if (out.size() > 200) out.resize(200);
    throw CniError(kInternal, who + " failed (" + why + ")" + (out.empty() ? "" : ": " + out));
}

}  // namespace

void set_builtin_plugins(BuiltinPlugins lookup) {
    builtins() = std::move(lookup);
}

bool is_this_executable(const std::string& path) {
    struct stat self {
    }, other{};
    return stat("/proc/self/exe", &self) == 0 && stat(path.c_str(), &other) == 0 &&
           self.st_dev == other.st_dev && self.st_ino == other.st_ino;
}

std::string find_plugin(std::string_view type, std::string_view cni_path) {
    if (type.empty() || type == "." || type == ".." || type.find('/') != std::string_view::npos)
        throw CniError(kInvalidConfig,
                       "ipam.type: \"" + std::string(type) + "\" must be a plugin file name");
    if (cni_path.empty())
        throw CniError(kInvalidEnvironment,
                       "CNI_PATH: required to find the IPAM plugin \"" + std::string(type) + "\"");
    std::string_view rest = cni_path;
    while (true) {
        auto colon = rest.find(':');
        std::string_view dir = rest.substr(0, colon);
        if (!dir.empty()) {
            std::string candidate(dir);
            candidate += '/';
            candidate += type;
            struct stat st {};
            if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
                access(candidate.c_str(), X_OK) == 0)
                return candidate;
        }
        if (colon == std::string_view::npos) break;
        rest = rest.substr(colon + 1);
    }
    throw CniError(kInvalidConfig, "ipam.type: plugin \"" + std::string(type) +
                                       "\" not found in CNI_PATH " + std::string(cni_path));
}

Delegate::Delegate(std::string_view type, std::string_view command, std::string_view cni_path,
                   std::string_view config)
    : type_(type), command_(command) {
    std::string exe = find_plugin(type, cni_path);

    if (const Plugin* p = builtin_for(type, exe)) {
        // What the exec'd file would see: the same environment but CNI_COMMAND, the same
        // config on stdin. dispatch() catches everything and answers in CNI JSON.
        std::string out;
        int rc = dispatch(
            *p,
            [this](const char* name) -> const char* {
                return std::strcmp(name, "CNI_COMMAND") == 0 ? command_.c_str() : std::getenv(name);
            },
            config, out);
        done_.emplace(rc, std::move(out));
        return;
    }

    base::UniqueFd in(memfd_create("cni-config", MFD_CLOEXEC));
    if (!in) throw Error("memfd_create", errno);
    for (std::size_t off = 0; off < config.size();) {
        ssize_t n = ::write(in.get(), config.data() + off, config.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error("write IPAM config", errno);
        }
        off += static_cast<std::size_t>(n);
    }
    if (lseek(in.get(), 0, SEEK_SET) != 0) throw Error("lseek IPAM config", errno);

    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) throw Error("pipe", errno);
    base::UniqueFd rd(p[0]), wr(p[1]);

    std::string cmd_var = "CNI_COMMAND=" + command_;
    std::vector<char*> env;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "CNI_COMMAND=", 12) != 0) env.push_back(*e);
    env.push_back(cmd_var.data());
    env.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, wr.get(), STDOUT_FILENO);
    char* argv[] = {exe.data(), nullptr};
    int rc = posix_spawn(&pid_, exe.c_str(), &fa, nullptr, argv, env.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        pid_ = -1;
        throw CniError(kInternal, "execute " + exe + ": " + errno_text(rc));
    }
    out_ = std::move(rd);
}

Delegate::~Delegate() {
    if (pid_ > 0) {
        out_.reset();
        int status;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

std::string Delegate::wait() {
    if (done_) {
        auto [rc, out] = std::move(*done_);
        done_.reset();
        return outcome(type_, command_, std::move(out), rc == 0,
                       "exit status " + std::to_string(rc));
    }
    std::string out;
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(out_.get(), buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) break;
        if (errno == EINTR) continue;
        throw Error("read output of " + type_, errno);
    }
    out_.reset();
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0) {
        if (errno != EINTR) throw Error("waitpid " + type_, errno);
    }
    pid_ = -1;
    std::string why = WIFEXITED(status)
                          ? "exit status " + std::to_string(WEXITSTATUS(status))
                          : std::string("killed by signal ") + std::to_string(WTERMSIG(status));
    return outcome(type_, command_, std::move(out), WIFEXITED(status) && WEXITSTATUS(status) == 0,
                   why);
}

Result Delegate::wait_result() {
    std::string out = wait();
    return Result::parse_text(out, "result of IPAM plugin " + type_);
}

void exec_delegate(std::string_view type, std::string_view command, std::string_view cni_path,
                   std::string_view config) {
    Delegate d(type, command, cni_path, config);
    d.wait();
}

}  // namespace rt::cni
