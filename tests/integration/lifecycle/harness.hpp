// Test harness for the lifecycle integration tests: drives the real `rt` binary with a
// temporary --root, on busybox bundles built in a temporary directory. Everything a test
// creates is removed by RAII (containers with delete --force, then the directory).
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace lt {

struct Result {
    int code = -1;  // exit status, or 128+signal
    std::string out;
    std::string err;
};

// Runs argv, feeding `input` on stdin; `keep_fds` are passed to the child unchanged.
Result run(const std::vector<std::string>& argv, const std::string& input = "",
           const std::vector<int>& keep_fds = {});
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
bool exists(const std::string& path);

// A unique name for this run: "<base>-<pid>-<counter>".
std::string unique(const std::string& base);

// A shared busybox rootfs for the test binary (built once).
const std::string& shared_rootfs();

// A temporary directory with its own --root and one bundle (config.json = runc's default
// config running busybox, rootfs = the shared rootfs unless own_rootfs()).
class Env {
  public:
    Env();
    ~Env();
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;

    const std::string& dir() const { return dir_; }
    const std::string& root() const { return root_; }
    const std::string& bundle() const { return bundle_; }
    std::string rootfs() const;

    // Gives this bundle its own copy of the busybox rootfs (tests that change it).
    void own_rootfs();
    // Sets a JSON pointer (e.g. "/process/args") to a JSON value text.
    void set(const std::string& pointer, const std::string& json);
    void remove(const std::string& pointer);
    // Shorthand: process.args = {"sh", "-c", script}.
    void sh(const std::string& script);
    void write_config() const;

    // rt --root <root> args... (writes config.json first).
    Result rt(const std::vector<std::string>& args, const std::string& input = "",
              const std::vector<int>& keep_fds = {}) const;
    // rt run -b <bundle> <id> with a fresh id; returns the result.
    Result run_container(const std::string& name = "c");
    std::string id(const std::string& name = "c") { return unique(name); }
    std::string status(const std::string& id) const;  // from `rt state`
    int pid(const std::string& id) const;

    rapidjson::Document config;

  private:
    std::string dir_, root_, bundle_;
    bool own_rootfs_ = false;
};

// Makes `env` a detached `sleep` container in a new user namespace (container root mapped to
// host 100000..165535, with new pid/mount/uts/ipc namespaces) and runs it; returns its id or
// "" with the error in *err. For tests that join its user namespace by /proc/<pid>/ns/user.
std::string run_userns_holder(Env& env, std::string* err);

// Lines of `text`.
std::vector<std::string> lines(const std::string& text);

}  // namespace lt
