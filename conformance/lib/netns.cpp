#include "netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <thread>

#include "rt/error.hpp"

namespace conformance {
namespace {

// unshare() on a throw-away thread, so no thread of the test process ever changes namespace,
// then pin the new namespace by bind-mounting the thread's ns file onto `target`.
void create_pinned(int clone_flag, const char* name, const std::string& target) {
    std::ofstream(target).put('\0');
    int err = 0;
    std::string step;
    std::thread t([&] {
        if (::unshare(clone_flag) != 0) {
            err = errno;
            step = "unshare";
            return;
        }
        std::string self =
            "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/" + name;
        if (::mount(self.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
            err = errno;
            step = "bind " + self;
        }
    });
    t.join();
    if (err) throw rt::Error("create " + std::string(name) + " namespace: " + step, err);
}

unsigned long inode_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) rt::throw_errno("stat " + path);
    return st.st_ino;
}

}  // namespace

NetNs::NetNs() {
    path_ = dir_.str() + "/ns";
    create_pinned(CLONE_NEWNET, "net", path_);
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) rt::throw_errno("open " + path_);
}

NetNs::~NetNs() {
    if (fd_ >= 0) ::close(fd_);
    ::umount2(path_.c_str(), MNT_DETACH);
}

unsigned long NetNs::inode() const {
    return inode_of(path_);
}

PinnedNs::PinnedNs(int clone_flag, const char* name) {
    path_ = dir_.str() + "/ns";
    create_pinned(clone_flag, name, path_);
}

PinnedNs::~PinnedNs() {
    ::umount2(path_.c_str(), MNT_DETACH);
}

unsigned long PinnedNs::inode() const {
    return inode_of(path_);
}

}  // namespace conformance
