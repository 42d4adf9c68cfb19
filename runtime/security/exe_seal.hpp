// Defence against CVE-2019-5736: a container process must not be able to write rt's binary
// through /proc/<pid>/exe.
//
// A process rt forks into a container runs rt's image until its final execve, and a container
// can make that execve run rt itself again (args[0] or a "#!/proc/self/exe" interpreter), so
// the container gets a process whose /proc/self/exe is rt's binary on the host. rt therefore
// runs create/run/exec from a copy of itself that cannot be written:
//   1. a read-only, detached bind mount of its own binary (open_tree(OPEN_TREE_CLONE) +
//      mount_setattr(MOUNT_ATTR_RDONLY) + execveat): no copy, about 40 us plus one execve.
//      The mount is in no mount namespace once the fd closes at execve, so nobody, not even
//      CAP_SYS_ADMIN in the container, can remount it; writes through /proc/<pid>/exe or
//      /proc/<pid>/map_files fail with EROFS.
//   2. fallback (kernels without mount_setattr, < 5.12): a sealed memfd copy (F_SEAL_WRITE,
//      F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_SEAL), as runc and crun do.
// Nothing is done when the binary already is on a read-only mount or sealed (installing rt on
// a read-only filesystem makes the defence free). See docs/security.md.
#pragma once

namespace rt::security {

enum class ExeSealMethod { Auto, BindMount, Memfd };

// True when /proc/self/exe cannot be opened for writing by anyone: it is on a read-only mount,
// or it is a memfd with F_SEAL_WRITE.
bool executable_is_protected() noexcept;

// Re-executes the current program (same argv and environment) from a protected copy unless
// executable_is_protected(). Returns when already protected, after making the process
// non-dumpable (PR_SET_DUMPABLE 0, as runc: container processes without CAP_SYS_PTRACE then
// cannot open /proc/<pid>/exe, fd or cwd of rt's processes at all); does not return after a
// successful re-exec; throws rt::Error when no method works. Call it first in main(), before
// any other thread or fd exists, for commands that start processes in containers: rt's main
// calls it before CLI11 parses anything (the verb read from argv), so the process that is
// replaced costs one bare start of rt. It remembers its outcome: a second call in the same
// process returns, or throws the same error, without system calls (main calls it again after
// parsing, where an error reaches --log). Doing it early changes nothing for the defence:
// no process has been cloned and nothing read from the bundle before the re-exec.
void ensure_protected_executable(char** argv, char** envp,
                                 ExeSealMethod method = ExeSealMethod::Auto);

}  // namespace rt::security
