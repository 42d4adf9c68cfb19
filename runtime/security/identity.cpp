#include "security/identity.hpp"

#include <grp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace rt::security {

StepResult set_user_ids(uid_t uid, gid_t gid, const gid_t* groups,
                        std::size_t group_count) noexcept {
    // Raw syscalls: the child is single-threaded, and glibc's wrappers would broadcast to
    // (nonexistent) other threads with signals.
    if (::syscall(SYS_setgroups, group_count, groups) < 0) {
        const int err = errno;
        // EPERM with nothing to set: fine when there is nothing to clear either (a user
        // namespace with setgroups "deny" starts without supplementary groups).
        const bool nothing_to_clear = group_count == 0 && ::getgroups(0, nullptr) == 0;
        if (!(err == EPERM && nothing_to_clear))
            return step_error(err, group_count != 0 && err == EPERM
                                       ? "setgroups (denied in this user namespace?)"
                                       : "setgroups");
    }
    if (::syscall(SYS_setresgid, gid, gid, gid) < 0) {
        if (errno == EINVAL)
            return step_error(EINVAL, "setgid %u: gid is not mapped in the user namespace", gid);
        return step_error(errno, "setgid %u", gid);
    }
    if (::syscall(SYS_setresuid, uid, uid, uid) < 0) {
        if (errno == EINVAL)
            return step_error(EINVAL, "setuid %u: uid is not mapped in the user namespace", uid);
        return step_error(errno, "setuid %u", uid);
    }
    return step_ok();
}

}  // namespace rt::security
