// Delegated plugins (SPEC.md section 4): the IPAM plugin named by ipam.type is looked up
// in CNI_PATH and executed with the same environment and the same stdin config.
//
// The child is started with posix_spawn (a vfork: no copy of the parent's memory) and
// gets the config from a memfd, so a large config never blocks on a pipe. The caller can
// do other work (create the veth) while the IPAM plugin runs, then wait().
//
// In-process delegation: rt-bridge and rt-host-local are one executable under two names.
// When CNI_PATH resolves the delegate to this very file (same device and inode as
// /proc/self/exe) and the executable runs that name as a plugin of its own (see
// set_builtin_plugins), the plugin's verb is called directly, with the same stdin config
// and the same environment (CNI_COMMAND replaced): exactly what exec'ing the file would
// run, without a fork, an exec and a second C library start-up. Any other file (the
// reference host-local, a copy of ours, static ...) is executed as the spec says.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "cni/result.hpp"

namespace rt::cni {

struct Plugin;

// The plugin this executable would run when exec'd under the file name `type`, or
// nullptr to always exec it. Set once by main() of a multi-call binary.
using BuiltinPlugins = std::function<const Plugin*(std::string_view type)>;
void set_builtin_plugins(BuiltinPlugins lookup);

// True when `path` is the file this process executes (same st_dev and st_ino as
// /proc/self/exe; a hard link or symlink to it counts). False when either is missing.
bool is_this_executable(const std::string& path);

// The executable for plugin `type` in the ':'-separated `cni_path`. Throws CniError:
// 7 if `type` is not a plain file name, 4 if CNI_PATH is empty, 7 if not found.
std::string find_plugin(std::string_view type, std::string_view cni_path);

class Delegate {
  public:
    // Starts `type` with CNI_COMMAND=`command`; other variables are inherited.
    Delegate(std::string_view type, std::string_view command, std::string_view cni_path,
             std::string_view config);
    ~Delegate();
    Delegate(const Delegate&) = delete;
    Delegate& operator=(const Delegate&) = delete;

    // Waits for the plugin. Returns its stdout on success; throws CniError with the
    // plugin's own code and message ("<type>: <msg>") on failure.
    std::string wait();
    Result wait_result();

  private:
    std::string type_, command_;
    pid_t pid_ = -1;
    base::UniqueFd out_;
    // Run in this process: its exit status and stdout.
    std::optional<std::pair<int, std::string>> done_;
};

// Runs a delegate to completion (DEL, CHECK, STATUS, GC).
void exec_delegate(std::string_view type, std::string_view command, std::string_view cni_path,
                   std::string_view config);

}  // namespace rt::cni
