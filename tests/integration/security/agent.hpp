// A test seccomp agent (the listener side of linux.seccomp.listenerPath): accepts one
// connection on a unix socket, reads the container process state and the notify fd sent with
// SCM_RIGHTS, then answers notifications with a fixed return value.
#pragma once

#include <poll.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/fd.hpp"

namespace rt::test {

struct TestAgent {
    std::string path;
    base::UniqueFd listener;
    std::string payload;  // the container process state, as received
    int fds_received = 0;
    int notified_pid = 0;  // of the last notification
    int notified_nr = -1;
    std::vector<int> notified_nrs;
    std::string error;

    explicit TestAgent(std::string socket_path) : path(std::move(socket_path)) {
        listener.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
            ::listen(listener.get(), 1) < 0)
            throw std::runtime_error("agent socket " + path + ": " + std::strerror(errno));
    }
    ~TestAgent() { ::unlink(path.c_str()); }

    // Serves one connection; answers up to `answers` notifications with `value` (error 0).
    // Gives up after 10 s without a connection or a notification.
    void serve(int answers, int64_t value) {
        pollfd lp{listener.get(), POLLIN, 0};
        if (::poll(&lp, 1, 10000) != 1) {
            error = "no connection";
            return;
        }
        base::UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn) {
            error = "accept failed";
            return;
        }
        base::UniqueFd notify;
        char buf[65536];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
        for (;;) {
            iovec iov{buf, sizeof buf};
            msghdr msg{};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            ssize_t n = ::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC);
            if (n <= 0) break;
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
                size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                fds_received += static_cast<int>(count);
                int fd;
                std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
                notify.reset(fd);
            }
            payload.append(buf, static_cast<size_t>(n));
        }
        if (!notify) {
            error = "no fd received";
            return;
        }
        seccomp_notif* req = nullptr;
        seccomp_notif_resp* resp = nullptr;
        if (seccomp_notify_alloc(&req, &resp) != 0) {
            error = "seccomp_notify_alloc failed";
            return;
        }
        for (int answered = 0; answered < answers;) {
            pollfd p{notify.get(), POLLIN, 0};
            if (::poll(&p, 1, 10000) != 1 || !(p.revents & POLLIN)) {
                if (answered == 0) error = "no notification";
                break;
            }
            if (seccomp_notify_receive(notify.get(), req) != 0) continue;
            notified_pid = static_cast<int>(req->pid);
            notified_nr = req->data.nr;
            notified_nrs.push_back(req->data.nr);
            resp->id = req->id;
            resp->val = value;
            resp->error = 0;
            resp->flags = 0;
            if (seccomp_notify_respond(notify.get(), resp) != 0) error = "respond failed";
            ++answered;
        }
        seccomp_notify_free(req, resp);
    }
};

}  // namespace rt::test
