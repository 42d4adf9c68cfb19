#include "netlink/socket.hpp"

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "cni/error.hpp"
#include "rt/error.hpp"

namespace rt::netlink {

namespace {
constexpr std::size_t kRecvBuffer = std::size_t{64} * 1024;
// A dump restarted this many times in a row is reported as "try again later" (CNI 11).
constexpr int kDumpRetries = 16;
}  // namespace

Message::Message(int type, int flags, const void* header, std::size_t header_len)
    : msg_(nlmsg_alloc_simple(type, flags)) {
    if (!msg_) throw Error("netlink: out of memory", ENOMEM);
    if (header_len &&
        nlmsg_append(msg_.get(), const_cast<void*>(header), header_len, NLMSG_ALIGNTO) < 0)
        throw Error("netlink: message too large", EMSGSIZE);
}

Message& Message::put(int type, const void* data, std::size_t len) {
    if (nla_put(msg_.get(), type, static_cast<int>(len), data) < 0)
        throw Error("netlink: message too large", EMSGSIZE);
    return *this;
}

Message& Message::put_be32(int type, std::uint32_t host_order) {
    std::uint32_t v = htonl(host_order);
    return put(type, &v, 4);
}

Message& Message::put_string(int type, std::string_view s) {
    std::string tmp(s);
    return put(type, tmp.c_str(), tmp.size() + 1);
}

Message& Message::append(const void* data, std::size_t len) {
    if (nlmsg_append(msg_.get(), const_cast<void*>(data), len, NLMSG_ALIGNTO) < 0)
        throw Error("netlink: message too large", EMSGSIZE);
    return *this;
}

nlattr* Message::begin(int type) {
    nlattr* n = nla_nest_start(msg_.get(), type | NLA_F_NESTED);
    if (!n) throw Error("netlink: message too large", EMSGSIZE);
    return n;
}

Message& Message::end(nlattr* nest) {
    nla_nest_end(msg_.get(), nest);
    return *this;
}

Socket::Socket(int protocol) : sk_(nl_socket_alloc()), buf_(new char[kRecvBuffer]) {
    if (!sk_) throw Error("netlink: out of memory", ENOMEM);
    // libnl's nl_connect creates the socket with SOCK_CLOEXEC and binds a unique port.
    if (int err = nl_connect(sk_, protocol); err < 0) {
        nl_socket_free(sk_);
        sk_ = nullptr;
        throw Error(std::string("netlink: connect: ") + nl_geterror(err), ENOTCONN);
    }
    int one = 1;
    // Kernel error strings for failed requests; short ACKs (no echo of the request).
    setsockopt(fd(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(fd(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    // Let the kernel filter dumps by the header's fields (ifindex, master ...).
    if (protocol == NETLINK_ROUTE)
        setsockopt(fd(), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
    // Requests are answered while sendmsg runs; this bound only guards against a kernel
    // that never answers (it is not a polling interval).
    timeval tv{30, 0};
    setsockopt(fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

Socket::~Socket() {
    if (sk_) nl_socket_free(sk_);
}

Socket::Socket(Socket&& o) noexcept : sk_(o.sk_), seq_(o.seq_), buf_(std::move(o.buf_)) {
    o.sk_ = nullptr;
}

int Socket::fd() const {
    return nl_socket_get_fd(sk_);
}

void Socket::add_membership(int group) {
    if (int err = nl_socket_add_membership(sk_, group); err < 0)
        throw Error(std::string("netlink: join group: ") + nl_geterror(err), EINVAL);
}

void throw_ack(std::string_view what, const Ack& ack) {
    Error e(std::string(what), ack.error);
    if (!ack.kernel_msg.empty()) {
        Error with(
            std::string(what) + ": " + errno_text(ack.error) + " (kernel: " + ack.kernel_msg + ")",
            e.kind());
        throw with;
    }
    throw e;
}

std::uint32_t Socket::send_all(std::span<Message> msgs, bool nft) {
    std::vector<iovec> iov;
    iov.reserve(msgs.size() + 2);
    struct Batch {
        nlmsghdr h;
        nfgenmsg g;
    } begin{}, end{};
    std::uint32_t first = ++seq_;
    if (nft) {
        // The transaction brackets carry their own sequence numbers around the messages'.
        begin.h = {sizeof(Batch), NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, first, 0};
        begin.g = {AF_UNSPEC, NFNETLINK_V0, htons(NFNL_SUBSYS_NFTABLES)};
        iov.push_back({&begin, sizeof begin});
        first = ++seq_;
    }
    std::uint32_t seq = first;
    for (auto& m : msgs) {
        nlmsghdr* h = m.hdr();
        h->nlmsg_seq = seq++;
        h->nlmsg_pid = 0;
        h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        iov.push_back({h, h->nlmsg_len});
    }
    seq_ = seq - 1;
    if (nft) {
        end.h = {sizeof(Batch), NFNL_MSG_BATCH_END, NLM_F_REQUEST, ++seq_, 0};
        end.g = {AF_UNSPEC, NFNETLINK_V0, htons(NFNL_SUBSYS_NFTABLES)};
        iov.push_back({&end, sizeof end});
    }
    // No destination address: the socket's peer, which is the kernel unless a test connected
    // the socket to a fake one (as send() in get() and dump()).
    msghdr mh{};
    mh.msg_iov = iov.data();
    mh.msg_iovlen = iov.size();
    while (sendmsg(fd(), &mh, 0) < 0) {
        if (errno == EINTR) continue;
        throw Error("netlink: send", errno);
    }
    return first;
}

namespace {

// Extracts (errno, extack message) from an NLMSG_ERROR message.
Ack parse_error(const nlmsghdr* h) {
    Ack a;
    if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(nlmsgerr)) {
        a.error = EPROTO;
        return a;
    }
    const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
    a.error = -e->error;
    if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return a;
    std::size_t off = NLMSG_HDRLEN + sizeof(nlmsgerr);
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += e->msg.nlmsg_len - NLMSG_HDRLEN;
    if (off >= h->nlmsg_len) return a;
    const char* p = reinterpret_cast<const char*>(h) + off;
    int len = static_cast<int>(h->nlmsg_len - off);
    nlattr* tb[NLMSGERR_ATTR_MAX + 1] = {};
    if (nla_parse(tb, NLMSGERR_ATTR_MAX, reinterpret_cast<nlattr*>(const_cast<char*>(p)), len,
                  nullptr) == 0 &&
        tb[NLMSGERR_ATTR_MSG]) {
        const char* s = static_cast<const char*>(nla_data(tb[NLMSGERR_ATTR_MSG]));
        a.kernel_msg.assign(s,
                            strnlen(s, static_cast<std::size_t>(nla_len(tb[NLMSGERR_ATTR_MSG]))));
    }
    return a;
}

}  // namespace

void Socket::recv_acks(std::uint32_t first_seq, std::span<Ack> acks) {
    std::size_t pending = acks.size();
    std::vector<bool> seen(acks.size(), false);
    while (pending) {
        ssize_t n = recv(fd(), buf_.get(), kRecvBuffer, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error("netlink: receive", errno);
        }
        int len = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf_.get()); nlmsg_ok(h, len);
             h = nlmsg_next(h, &len)) {
            if (h->nlmsg_type != NLMSG_ERROR) continue;
            Ack a = parse_error(h);
            // An error against the nf_tables BATCH_BEGIN (first_seq - 1) fails everything.
            if (h->nlmsg_seq == first_seq - 1 && a.error) {
                for (std::size_t i = 0; i < acks.size(); ++i)
                    if (!seen[i]) acks[i] = a;
                return;
            }
            if (h->nlmsg_seq < first_seq || h->nlmsg_seq >= first_seq + acks.size()) continue;
            std::size_t i = h->nlmsg_seq - first_seq;
            if (seen[i]) continue;
            seen[i] = true;
            acks[i] = a;
            --pending;
        }
    }
}

std::vector<Ack> Socket::batch(std::span<Message> msgs) {
    std::vector<Ack> acks(msgs.size());
    if (msgs.empty()) return acks;
    std::uint32_t first = send_all(msgs, false);
    recv_acks(first, acks);
    return acks;
}

std::vector<Ack> Socket::nft_transaction(std::span<Message> msgs) {
    std::vector<Ack> acks(msgs.size());
    if (msgs.empty()) return acks;
    std::uint32_t first = send_all(msgs, true);
    recv_acks(first, acks);
    return acks;
}

void Socket::request(Message& msg) {
    Ack a = batch(std::span<Message>(&msg, 1))[0];
    if (a.error) throw_ack(msg.what(), a);
}

int Socket::try_request(Message& msg) {
    return batch(std::span<Message>(&msg, 1))[0].error;
}

int Socket::get(Message& msg, const std::function<void(const nlmsghdr*)>& on_reply) {
    nlmsghdr* h0 = msg.hdr();
    h0->nlmsg_seq = ++seq_;
    h0->nlmsg_pid = 0;
    h0->nlmsg_flags |= NLM_F_REQUEST;
    while (send(fd(), h0, h0->nlmsg_len, 0) < 0) {
        if (errno == EINTR) continue;
        throw Error("netlink: send", errno);
    }
    for (;;) {
        ssize_t n = recv(fd(), buf_.get(), kRecvBuffer, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error("netlink: receive", errno);
        }
        int len = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf_.get()); nlmsg_ok(h, len);
             h = nlmsg_next(h, &len)) {
            if (h->nlmsg_seq != h0->nlmsg_seq) continue;
            if (h->nlmsg_type == NLMSG_ERROR) {
                Ack a = parse_error(h);
                if (a.error == 0) continue;
                return a.error;
            }
            on_reply(h);
            return 0;
        }
    }
}

void Socket::dump(Message& msg, const std::function<void(const nlmsghdr*)>& on_reply,
                  const std::function<void()>& on_restart) {
    nlmsghdr* h0 = msg.hdr();
    h0->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
    for (int attempt = 0;; ++attempt) {
        h0->nlmsg_seq = ++seq_;
        h0->nlmsg_pid = 0;
        while (send(fd(), h0, h0->nlmsg_len, 0) < 0) {
            if (errno == EINTR) continue;
            throw Error("netlink: send", errno);
        }
        bool interrupted = false, done = false;
        while (!done) {
            ssize_t n = recv(fd(), buf_.get(), kRecvBuffer, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw Error("netlink: receive", errno);
            }
            int len = static_cast<int>(n);
            for (auto* h = reinterpret_cast<nlmsghdr*>(buf_.get()); nlmsg_ok(h, len);
                 h = nlmsg_next(h, &len)) {
                if (h->nlmsg_seq != h0->nlmsg_seq) continue;
                if (h->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
                if (h->nlmsg_type == NLMSG_DONE) {
                    done = true;
                    break;
                }
                if (h->nlmsg_type == NLMSG_ERROR) {
                    Ack a = parse_error(h);
                    if (a.error) throw_ack(msg.what(), a);
                    continue;
                }
                if (!interrupted) on_reply(h);
            }
        }
        if (!interrupted) return;
        if (attempt + 1 == kDumpRetries)
            throw cni::CniError(cni::kTryAgainLater,
                                msg.what() + ": the kernel table kept changing during the dump");
        if (on_restart) on_restart();
    }
}

bool Socket::receive(const std::function<void(const nlmsghdr*)>& on_msg) {
    for (;;) {
        ssize_t n = recv(fd(), buf_.get(), kRecvBuffer, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
            throw Error("netlink: receive", errno);
        }
        int len = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf_.get()); nlmsg_ok(h, len);
             h = nlmsg_next(h, &len))
            on_msg(h);
        return true;
    }
}

}  // namespace rt::netlink
