#include "linux/host_rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/fs.hpp"
#include "rt/error.hpp"

namespace rt::linux {

uint64_t mount_id_of(const std::string& path) noexcept {
    struct statx sx {};
    if (::statx(AT_FDCWD, path.c_str(), 0, STATX_MNT_ID, &sx) != 0 || !(sx.stx_mask & STATX_MNT_ID))
        return 0;
    return sx.stx_mnt_id;
}

uint64_t record_host_rootfs(int state_dirfd, const std::string& rootfs) {
    uint64_t id = mount_id_of(rootfs);
    if (id == 0) throw Error("statx(STATX_MNT_ID) " + rootfs, errno ? errno : ENOSYS);
    // "<mount id> <rootfs>": the path last, it may hold spaces.
    base::write_file_atomic_at(state_dirfd, kHostRootfsFile, std::to_string(id) + " " + rootfs,
                               0600);
    return id;
}

bool detach_host_rootfs(const std::string& rootfs, uint64_t before, std::string& message) noexcept {
    uint64_t now = mount_id_of(rootfs);
    if (now == 0 || now == before) return true;  // the init never bound it, or it is gone
    // MNT_DETACH: the bind and everything under it, even while a process still uses them.
    if (::umount2(rootfs.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) {
        message = "unmount the rootfs bind " + rootfs + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

bool remove_host_rootfs(int state_dirfd, std::string& message) noexcept {
    std::string text;
    try {
        if (::faccessat(state_dirfd, kHostRootfsFile, F_OK, 0) != 0) return true;
        text = base::read_file_at(state_dirfd, kHostRootfsFile);
    } catch (const Error& e) {
        message = e.message();
        return false;
    }
    uint64_t before = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), before);
    if (ec != std::errc() || end == text.data() + text.size() || *end != ' ') {
        message = std::string(kHostRootfsFile) + ": malformed";
        return false;
    }
    std::string rootfs = text.substr(static_cast<size_t>(end + 1 - text.data()));
    return detach_host_rootfs(rootfs, before, message);
}

}  // namespace rt::linux
