// Reads AUDIT_SECCOMP records (what SCMP_ACT_LOG produces) from the audit netlink multicast
// group. The kernel log copy of these records is rate limited machine-wide, the multicast
// group gets every record (needs CAP_AUDIT_READ).
#pragma once

#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

#include "base/fd.hpp"

namespace rt::test {

class AuditSeccompReader {
  public:
    // Open before the action happens: only later records are seen.
    AuditSeccompReader() {
        fd_.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT));
        if (!fd_)
            throw std::runtime_error(std::string("audit netlink socket: ") + std::strerror(errno));
        sockaddr_nl addr{};
        addr.nl_family = AF_NETLINK;
        addr.nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1);
        if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            throw std::runtime_error(std::string("bind audit log group: ") + std::strerror(errno));
    }

    // Waits up to ~10 s for an AUDIT_SECCOMP record whose text satisfies `match`.
    bool wait_for(const std::function<bool(const std::string&)>& match) {
        for (int waited = 0; waited < 100; ++waited) {
            pollfd p{fd_.get(), POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char buf[16384];
            ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
            if (n <= 0) continue;
            for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, static_cast<unsigned>(n));
                 h = NLMSG_NEXT(h, n)) {
                if (h->nlmsg_type != AUDIT_SECCOMP) continue;
                std::string text(static_cast<const char*>(NLMSG_DATA(h)),
                                 h->nlmsg_len - NLMSG_HDRLEN);
                if (match(text)) return true;
            }
        }
        return false;
    }

  private:
    base::UniqueFd fd_;
};

}  // namespace rt::test
