#include "security/exe_seal.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "rt/error.hpp"

namespace rt::security {
namespace {

// Set across the re-exec, so that a copy that still looks unprotected (a kernel that ignores
// the read-only flag?) fails instead of re-executing forever; removed right away so that no
// child of rt inherits it.
constexpr const char* kReexecMarker = "_RT_EXE_SEALED";

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U  // Linux 6.3: executable memfd when vm.memfd_noexec asks for a choice
#endif

constexpr unsigned int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

// The outcome of the first ensure_protected_executable() in this process, repeated by later
// calls: main() calls it before parsing the command line and again after, when --log is open.
bool g_protected = false;
std::optional<Error> g_failure;

bool fd_is_protected(int fd) noexcept {
    struct statvfs st {};
    if (::fstatvfs(fd, &st) == 0 && (st.f_flag & ST_RDONLY)) return true;
    int seals = ::fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & F_SEAL_WRITE);
}

// A read-only bind mount of /proc/self/exe that is attached nowhere.
base::UniqueFd bind_mounted_copy() {
    base::UniqueFd tree(static_cast<int>(
        ::syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
    if (!tree) throw Error("open_tree /proc/self/exe", errno);
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (::syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        throw Error("mount_setattr read-only", errno);
    return tree;
}

base::UniqueFd memfd_copy() {
    base::UniqueFd src(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
    if (!src) throw Error("open /proc/self/exe", errno);
    struct stat st {};
    if (::fstat(src.get(), &st) < 0) throw Error("fstat /proc/self/exe", errno);
    base::UniqueFd copy(::memfd_create("rt", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC));
    if (!copy && errno == EINVAL) copy.reset(::memfd_create("rt", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!copy) throw Error("memfd_create", errno);
    off_t offset = 0;
    while (offset < st.st_size) {
        ssize_t n =
            ::sendfile(copy.get(), src.get(), &offset, static_cast<size_t>(st.st_size - offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw Error("copy /proc/self/exe into a memfd", n < 0 ? errno : EIO);
    }
    if (::fcntl(copy.get(), F_ADD_SEALS, kSeals) < 0) throw Error("seal the memfd", errno);
    return copy;
}

}  // namespace

bool executable_is_protected() noexcept {
    // F_GET_SEALS needs a real open file; O_PATH (an execute-only binary) gives statvfs only.
    int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) fd = ::open("/proc/self/exe", O_PATH | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = fd_is_protected(fd);
    ::close(fd);
    return ok;
}

namespace {

void protect_or_reexec(char** argv, char** envp, ExeSealMethod method) {
    const bool reexecuted = std::getenv(kReexecMarker) != nullptr;
    if (reexecuted) ::unsetenv(kReexecMarker);
    if (executable_is_protected()) {
        // Second layer, as runc: a non-dumpable rt is out of reach of the container's ptrace
        // access checks, so no process in it can open /proc/<pid>/exe, /fd or /cwd of rt's
        // processes there (the init waiting for start, an exec process in its setup) without
        // CAP_SYS_PTRACE. Clones inherit it; the container's execve resets it.
        ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        return;
    }
    if (reexecuted)
        throw Error("protect rt's binary (CVE-2019-5736): still writable after re-exec",
                    ErrorKind::Unsupported);

    base::UniqueFd copy;
    std::string failures;
    if (method != ExeSealMethod::Memfd) {
        try {
            copy = bind_mounted_copy();
        } catch (const Error& e) {
            if (method == ExeSealMethod::BindMount) throw;
            failures = e.message();
        }
    }
    if (!copy) {
        try {
            copy = memfd_copy();
        } catch (Error& e) {
            if (!failures.empty()) e.context(failures + "; fallback");
            e.context("protect rt's binary (CVE-2019-5736)");
            throw;
        }
    }

    // The environment of the re-executed rt: the caller's plus the marker.
    size_t count = 0;
    while (envp != nullptr && envp[count] != nullptr) ++count;
    std::string marker = std::string(kReexecMarker) + "=1";
    std::vector<char*> env(envp, envp + count);
    env.push_back(marker.data());
    env.push_back(nullptr);
    ::syscall(SYS_execveat, copy.get(), "", argv, env.data(), AT_EMPTY_PATH);
    throw Error("protect rt's binary (CVE-2019-5736): execveat", errno);
}

}  // namespace

void ensure_protected_executable(char** argv, char** envp, ExeSealMethod method) {
    if (g_protected) return;
    if (g_failure) throw *g_failure;
    try {
        protect_or_reexec(argv, envp, method);
        g_protected = true;
    } catch (const Error& e) {
        g_failure = e;
        throw;
    }
}

}  // namespace rt::security
