#include "linux/sync.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "rt/error.hpp"

namespace rt::linux {

const char* to_string(SyncType type) noexcept {
    switch (type) {
        case SyncType::Go:
            return "go";
        case SyncType::RunHooks:
            return "run-hooks";
        case SyncType::HooksDone:
            return "hooks-done";
        case SyncType::Ready:
            return "ready";
        case SyncType::Error:
            return "error";
        case SyncType::SeccompFd:
            return "seccomp-fd";
        case SyncType::SeccompDone:
            return "seccomp-done";
        case SyncType::Pid:
            return "pid";
        case SyncType::MountSources:
            return "mount-sources";
        case SyncType::MountSourceFd:
            return "mount-source-fd";
    }
    return "unknown";
}

static bool send_header(int fd, const SyncHeader& h, const char* payload, size_t len) noexcept {
    iovec iov[2] = {{const_cast<SyncHeader*>(&h), sizeof h},
                    {const_cast<char*>(payload), payload ? len : 0}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = payload && len ? 2 : 1;
    for (;;) {
        ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        return n >= 0;
    }
}

bool sync_send(int fd, SyncType type, const char* payload, size_t len) noexcept {
    SyncHeader h{};
    h.type = type;
    if (len > kSyncMaxPayload) len = kSyncMaxPayload;
    return send_header(fd, h, payload, len);
}

bool sync_send_error(int fd, const char* step, int err, const char* message) noexcept {
    SyncHeader h{};
    h.type = SyncType::Error;
    h.err = err;
    std::strncpy(h.step, step ? step : "?", sizeof h.step - 1);
    return send_header(fd, h, message, message ? std::strlen(message) : 0);
}

bool sync_send_seccomp_fd(int fd, int notify_fd) noexcept {
    struct {
        SyncHeader h;
        char number[16];
    } msg{};
    msg.h.type = SyncType::SeccompFd;
    int len = std::snprintf(msg.number, sizeof msg.number, "%d", notify_fd);
    const size_t size = sizeof msg.h + static_cast<size_t>(len);
    for (;;) {
        ssize_t n = ::write(fd, &msg, size);  // one SOCK_SEQPACKET record
        if (n < 0 && errno == EINTR) continue;
        return n == static_cast<ssize_t>(size);
    }
}

long sync_recv(int fd, SyncHeader& header, char* buf, size_t bufsize) noexcept {
    iovec iov[2] = {{&header, sizeof header}, {buf, bufsize - 1}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    for (;;) {
        ssize_t n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n < static_cast<ssize_t>(sizeof header)) return -1;
        size_t len = static_cast<size_t>(n) - sizeof header;
        buf[len] = '\0';
        return static_cast<long>(len);
    }
}

long sync_recv_fd(int fd, SyncHeader& header, char* buf, size_t bufsize, int* passed) noexcept {
    *passed = -1;
    iovec iov[2] = {{&header, sizeof header}, {buf, bufsize - 1}};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    for (;;) {
        ssize_t n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n < static_cast<ssize_t>(sizeof header)) return -1;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                std::memcpy(passed, CMSG_DATA(c), sizeof *passed);
        size_t len = static_cast<size_t>(n) - sizeof header;
        buf[len] = '\0';
        return static_cast<long>(len);
    }
}

void sync_send_fd_or_throw(int fd, SyncType type, int passed, const std::string& payload) {
    SyncHeader h{};
    h.type = type;
    iovec iov[2] = {{&h, sizeof h}, {const_cast<char*>(payload.data()), payload.size()}};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = payload.empty() ? 1 : 2;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &passed, sizeof passed);
    for (;;) {
        ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw Error(std::string("send ") + to_string(type) + " to the container process",
                        errno);
        return;
    }
}

std::string sync_expect(int fd, SyncType expected, const char* what) {
    SyncHeader h{};
    std::vector<char> buf(kSyncMaxPayload + 1);
    long n = sync_recv(fd, h, buf.data(), buf.size());
    if (n < 0)
        throw Error(std::string(what) + ": container process exited before " + to_string(expected),
                    ErrorKind::Generic);
    if (h.type == SyncType::Error) {
        h.step[sizeof h.step - 1] = '\0';
        std::string text = std::string("step \"") + h.step + "\": " + buf.data();
        throw Error(std::move(text), h.err, h.err ? ErrorKind::Io : ErrorKind::Generic);
    }
    if (h.type != expected)
        throw Error(std::string(what) + ": unexpected sync message " + to_string(h.type) +
                    " (expected " + to_string(expected) + ")");
    return std::string(buf.data(), static_cast<size_t>(n));
}

void sync_send_or_throw(int fd, SyncType type, const std::string& payload) {
    if (!sync_send(fd, type, payload.data(), payload.size()))
        throw Error(std::string("send ") + to_string(type) + " to the container process", errno);
}

}  // namespace rt::linux
