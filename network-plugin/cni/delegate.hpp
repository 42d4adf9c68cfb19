// Delegated plugins (SPEC.md section 4): the IPAM plugin named by ipam.type is looked up
// in CNI_PATH and executed with the same environment and the same stdin config.
//
// The child is started with posix_spawn (a vfork: no copy of the parent's memory) and
// gets the config from a memfd, so a large config never blocks on a pipe. The caller can
// do other work (create the veth) while the IPAM plugin runs, then wait().
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "cni/result.hpp"

namespace rt::cni {

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
};

// Runs a delegate to completion (DEL, CHECK, STATUS, GC).
void exec_delegate(std::string_view type, std::string_view command, std::string_view cni_path,
                   std::string_view config);

}  // namespace rt::cni
