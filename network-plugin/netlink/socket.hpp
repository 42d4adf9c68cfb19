// A netlink socket and request messages, on libnl-3's message/attribute layer.
//
// Why not libnl-route's object caches: they dump whole tables (O(links) per lookup, which
// grows with the number of attached containers) and lack bridge VLAN / port-isolation
// setters. Here each request is one message; dumps are filtered in the kernel
// (NETLINK_GET_STRICT_CHK); several requests go out in one sendmsg and their ACKs are
// read back by sequence number. Requests are processed synchronously by the kernel while
// sendmsg runs, so nothing here ever waits on a timer.
#pragma once

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rt::netlink {

// One outgoing message (owns an nl_msg).
class Message {
  public:
    // `header` (ifinfomsg, ifaddrmsg, rtmsg, nfgenmsg ...) is appended after nlmsghdr.
    Message(int type, int flags, const void* header, std::size_t header_len);
    template <typename H>
    Message(int type, int flags, const H& header) : Message(type, flags, &header, sizeof(H)) {}
    Message(Message&&) noexcept = default;
    Message& operator=(Message&&) noexcept = default;

    Message& put(int type, const void* data, std::size_t len);
    Message& put_u8(int type, std::uint8_t v) { return put(type, &v, 1); }
    Message& put_u16(int type, std::uint16_t v) { return put(type, &v, 2); }
    Message& put_u32(int type, std::uint32_t v) { return put(type, &v, 4); }
    Message& put_be32(int type, std::uint32_t host_order);
    Message& put_string(int type, std::string_view s);  // NUL-terminated
    // Raw bytes at the tail (a header inside a nest, e.g. VETH_INFO_PEER's ifinfomsg).
    Message& append(const void* data, std::size_t len);
    // Nested attributes: begin() returns a token for end().
    nlattr* begin(int type);
    Message& end(nlattr* nest);

    nlmsghdr* hdr() const { return nlmsg_hdr(msg_.get()); }
    // What the message is, for error messages ("create veth veth0123").
    Message& what(std::string w) {
        what_ = std::move(w);
        return *this;
    }
    const std::string& what() const { return what_; }

  private:
    struct Free {
        void operator()(nl_msg* m) const { nlmsg_free(m); }
    };
    std::unique_ptr<nl_msg, Free> msg_;
    std::string what_;
};

// The outcome of one request in a batch: 0 or a positive errno, plus the kernel's
// extended-ACK text when it gave one.
struct Ack {
    int error = 0;
    std::string kernel_msg;
};

class Socket {
  public:
    // A socket of `protocol` (NETLINK_ROUTE, NETLINK_NETFILTER) in the calling thread's
    // network namespace; it stays bound to that namespace for its whole life.
    explicit Socket(int protocol = NETLINK_ROUTE);
    ~Socket();
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    Socket(Socket&& o) noexcept;

    int fd() const;
    void add_membership(int group);

    // Sends one request and waits for its ACK; throws rt::Error naming msg.what().
    void request(Message& msg);
    // Like request(), but returns the errno (0 on success) instead of throwing.
    int try_request(Message& msg);
    // Sends all messages in one sendmsg (the kernel handles them in order) and returns one
    // Ack per message. A failed message does not stop the ones after it.
    std::vector<Ack> batch(std::span<Message> msgs);
    // Sends a nf_tables transaction (BATCH_BEGIN ... BATCH_END around `msgs`); returns one
    // Ack per message in `msgs`. The kernel applies all of them or none.
    std::vector<Ack> nft_transaction(std::span<Message> msgs);

    // Sends a GET request that returns one message; calls `on_reply` with it. Returns the
    // errno (0 on success), so callers can treat ENODEV/ENOENT as "absent".
    int get(Message& msg, const std::function<void(const nlmsghdr*)>& on_reply);
    // Sends a dump request (NLM_F_DUMP added) and calls `on_reply` for every message.
    // A dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is restarted from the
    // beginning; `on_restart` runs first so the caller can drop what it collected.
    void dump(Message& msg, const std::function<void(const nlmsghdr*)>& on_reply,
              const std::function<void()>& on_restart = {});

    // Reads the next message from the socket (blocking), for multicast listeners.
    // Returns false on timeout (SO_RCVTIMEO).
    bool receive(const std::function<void(const nlmsghdr*)>& on_msg);

  private:
    std::uint32_t send_all(std::span<Message> msgs, bool nft);
    void recv_acks(std::uint32_t first_seq, std::span<Ack> acks);
    nl_sock* sk_ = nullptr;
    std::uint32_t seq_ = 0;
    // Receive buffer, not zero-filled: the kernel writes only what it sends, so only
    // those pages are ever touched (a zeroed 64 KiB vector cost 16 page faults and a
    // memset per socket, and an ADD opens two or three).
    std::unique_ptr<char[]> buf_;
};

// Throws rt::Error("<what>: <strerror>[ (kernel: <msg>)]").
[[noreturn]] void throw_ack(std::string_view what, const Ack& ack);

}  // namespace rt::netlink
