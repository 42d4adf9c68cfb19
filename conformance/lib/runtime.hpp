// An OCI runtime driven through runc's command line (runc, crun, rt ...), with a private
// temporary --root so tests never see or touch other containers.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bundle.hpp"
#include "process.hpp"

namespace conformance {

struct State {
    std::string oci_version, id, status, bundle;
    int pid = 0;
    std::map<std::string, std::string> annotations;
};

class Runtime {
  public:
    // path: the runtime binary; name: "runc", "crun", "rt" ... from its --version output.
    explicit Runtime(std::string path);
    const std::string& path() const { return path_; }
    const std::string& name() const { return name_; }
    std::string version_line() const { return version_; }
    std::string root() const { return root_.str(); }

    // `RUNTIME --root ROOT args...`
    RunResult cmd(const std::vector<std::string>& args, const RunOptions& options = {}) const;
    RunResult create(const std::string& id, const Bundle& bundle,
                     std::vector<std::string> extra = {}, const RunOptions& options = {}) const;
    RunResult start(const std::string& id) const { return cmd({"start", id}); }
    RunResult kill(const std::string& id, const std::string& signal = "") const;
    RunResult remove(const std::string& id, bool force = false) const;
    // Foreground `run`: create + start + wait; the result holds the container's exit code.
    RunResult run(const std::string& id, const Bundle& bundle, std::vector<std::string> extra = {},
                  const RunOptions& options = {}) const;
    // State of id, or nullopt when `state` fails (the container does not exist).
    std::optional<State> state(const std::string& id) const;
    // Polls `state` until the status is `status` (bounded: 10 s); returns the last status.
    std::string wait_status(const std::string& id, const std::string& status) const;

    bool has_verb(const std::string& verb) const;
    // What the runtime claims in `features`: "ns:user", "hook:prestart", "seccomp",
    // "mountopt:rro", "cgroup:v1", "memoryPolicy", "spec:1.2.0" (ociVersionMax is at least
    // that). A runtime without a `features` verb claims everything;
    // one whose `features` fails claims nothing.
    bool claims(const std::string& feature) const;
    std::string features_status() const { return features_status_; }

  private:
    std::string path_, name_, version_;
    TempDir root_{"rt-conf-root"};
    mutable std::string help_;
    bool features_all_ = false;
    std::set<std::string> features_;
    std::string oci_version_max_;
    std::string features_status_;
};

// Owns a container id: on destruction, `delete --force` (and SIGKILL of its pid as a fallback)
// so a failed test leaves nothing behind.
class ContainerGuard {
  public:
    ContainerGuard(const Runtime& runtime, std::string id) : rt_(runtime), id_(std::move(id)) {}
    ContainerGuard(const ContainerGuard&) = delete;
    ContainerGuard& operator=(const ContainerGuard&) = delete;
    ~ContainerGuard();
    const std::string& id() const { return id_; }

  private:
    const Runtime& rt_;
    std::string id_;
};

}  // namespace conformance
