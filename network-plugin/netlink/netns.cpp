#include "netlink/netns.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cni/error.hpp"
#include "rt/error.hpp"

namespace rt::netlink {

base::UniqueFd open_netns(const std::string& path, NetnsState& state) {
    base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) {
            state = NetnsState::Missing;
            return {};
        }
        throw Error("open " + path, errno);
    }
    struct statfs sfs {};
    if (fstatfs(fd.get(), &sfs) != 0) throw Error("statfs " + path, errno);
    // A namespace file is an nsfs inode; then ask the kernel which kind it is.
    if (static_cast<unsigned long>(sfs.f_type) != NSFS_MAGIC ||
        ioctl(fd.get(), NS_GET_NSTYPE) != CLONE_NEWNET) {
        state = NetnsState::NotNetns;
        return {};
    }
    state = NetnsState::Ok;
    return fd;
}

bool is_current_netns(int fd) {
    struct stat a {
    }, b{};
    if (fstat(fd, &a) != 0) return false;
    if (stat("/proc/thread-self/ns/net", &b) != 0) return false;
    return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

base::UniqueFd open_container_netns(const std::string& path) {
    NetnsState state{};
    base::UniqueFd fd = open_netns(path, state);
    if (state == NetnsState::Missing)
        throw cni::CniError(cni::kUnknownContainer,
                            "CNI_NETNS: network namespace " + path + " does not exist");
    if (state == NetnsState::NotNetns)
        throw cni::CniError(cni::kInvalidEnvironment,
                            "CNI_NETNS: " + path + " is not a network namespace");
    if (is_current_netns(fd.get()))
        throw cni::CniError(cni::kInvalidEnvironment,
                            "CNI_NETNS: " + path + " is the plugin's own network namespace");
    return fd;
}

void run_in_netns(int netns_fd, const std::function<void()>& fn) {
    std::exception_ptr failure;
    std::thread worker([&]() noexcept {
        try {
            if (setns(netns_fd, CLONE_NEWNET) != 0)
                throw Error("setns into container netns", errno);
            fn();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    worker.join();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace rt::netlink

namespace rt::netlink {

void run_switched_to_netns(int netns_fd, const std::function<void()>& fn) {
    base::UniqueFd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!home) throw Error("open /proc/thread-self/ns/net", errno);
    if (setns(netns_fd, CLONE_NEWNET) != 0) throw Error("setns into container netns", errno);
    std::exception_ptr failure;
    try {
        fn();
    } catch (...) {
        failure = std::current_exception();
    }
    if (setns(home.get(), CLONE_NEWNET) != 0) {
        (void)std::fprintf(stderr, "rt: cannot return to the original network namespace: %s\n",
                           std::strerror(errno));
        std::abort();
    }
    if (failure) std::rethrow_exception(failure);
}

}  // namespace rt::netlink
