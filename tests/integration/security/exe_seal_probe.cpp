// Test helper for exe_seal: `security-exe-seal-probe auto|bind|memfd|none` protects itself
// (none: does not), then
// reports what a container process would see, one fact per line:
//   start            (printed before the protection: twice when it re-executed)
//   protected=1
//   marker=0         (the re-exec marker does not leak into the environment)
//   open_write=ETXTBSY|EROFS|...
//   then a shell writes through /proc/self/fd/N (an O_PATH fd of /proc/self/exe kept
//   across exec, as the CVE-2019-5736 exploit does): "write=blocked" or "write=DONE"
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "rt/error.hpp"
#include "security/exe_seal.hpp"

int main(int argc, char** argv, char** envp) {
    using namespace rt::security;
    std::printf("start\n");
    std::fflush(stdout);
    const std::string mode = argc > 1 ? argv[1] : "auto";
    const ExeSealMethod method = mode == "bind"    ? ExeSealMethod::BindMount
                                 : mode == "memfd" ? ExeSealMethod::Memfd
                                                   : ExeSealMethod::Auto;
    try {
        if (mode != "none") ensure_protected_executable(argv, envp, method);
    } catch (const rt::Error& e) {
        std::printf("error=%s\n", e.what());
        return 1;
    }
    std::printf("protected=%d\n", executable_is_protected() ? 1 : 0);
    std::printf("marker=%d\n", std::getenv("_RT_EXE_SEALED") != nullptr ? 1 : 0);
    int fd = ::open("/proc/self/exe", O_WRONLY | O_CLOEXEC);
    std::printf("open_write=%s\n", fd >= 0 ? "OPENED" : strerrorname_np(errno));
    int path_fd = ::open("/proc/self/exe", O_PATH);  // inherited by the shell on purpose
    std::fflush(stdout);
    std::string script = "if { echo pwned >> /proc/self/fd/" + std::to_string(path_fd) +
                         "; } 2>/dev/null; then echo write=DONE; else echo write=blocked; fi";
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    return 2;
}
