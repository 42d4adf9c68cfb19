// Interrupted netlink dumps (NLM_F_DUMP_INTR) and CNI code 11 ("try again later").
//
// A real kernel sets NLM_F_DUMP_INTR only when a table changes between two parts of a
// dump, which a test cannot make happen on demand. So the "kernel" here is a second
// NETLINK_USERSOCK socket (netlink between two user sockets, no root needed) that answers
// every dump request with replies flagged as interrupted: rt::netlink::Socket runs its real
// send/receive code against it.
#include <boost/test/unit_test.hpp>

#include <linux/if_bridge.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <thread>

#include "base/fd.hpp"
#include "cni/error.hpp"
#include "cni/json.hpp"
#include "cni/skeleton.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace {

std::uint32_t port_of(int fd) {
    sockaddr_nl a{};
    socklen_t len = sizeof a;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("getsockname");
    return a.nl_pid;
}

// A fake kernel: answers `requests` dump requests; `interrupted(i)` says whether the
// replies to request i carry NLM_F_DUMP_INTR. Each answer is one RTM_NEWLINK part whose
// ifi_index is the request number, then NLMSG_DONE.
class FakeKernel {
  public:
    FakeKernel(rt::netlink::Socket& client, int requests,
               const std::function<bool(int)>& interrupted)
        : fd_(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK)) {
        BOOST_REQUIRE(fd_);
        sockaddr_nl self{};
        self.nl_family = AF_NETLINK;
        BOOST_REQUIRE(bind(fd_.get(), reinterpret_cast<sockaddr*>(&self), sizeof self) == 0);
        // A client that stops asking must not hang the test: the fake gives up after 10 s.
        timeval tv{10, 0};
        setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        // The client's requests (sent without an address) now come here, not to the kernel.
        sockaddr_nl me{};
        me.nl_family = AF_NETLINK;
        me.nl_pid = port_of(fd_.get());
        BOOST_REQUIRE(connect(client.fd(), reinterpret_cast<sockaddr*>(&me), sizeof me) == 0);
        client_port_ = port_of(client.fd());
        thread_ = std::thread([this, requests, interrupted] {
            for (int i = 0; i < requests; ++i) serve(i, interrupted(i));
        });
    }
    ~FakeKernel() { thread_.join(); }
    int served() const { return served_; }

  private:
    void serve(int n, bool interrupted) {
        alignas(nlmsghdr) char buf[4096];
        ssize_t got = recv(fd_.get(), buf, sizeof buf, 0);
        if (got < static_cast<ssize_t>(sizeof(nlmsghdr))) return;
        auto* req = reinterpret_cast<nlmsghdr*>(buf);
        std::uint16_t intr = interrupted ? NLM_F_DUMP_INTR : 0;

        alignas(nlmsghdr) char out[256]{};
        auto* part = reinterpret_cast<nlmsghdr*>(out);
        part->nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
        part->nlmsg_type = RTM_NEWLINK;
        part->nlmsg_flags = NLM_F_MULTI | intr;
        part->nlmsg_seq = req->nlmsg_seq;
        static_cast<ifinfomsg*>(NLMSG_DATA(part))->ifi_index = n;
        auto* done = reinterpret_cast<nlmsghdr*>(out + NLMSG_ALIGN(part->nlmsg_len));
        done->nlmsg_len = NLMSG_LENGTH(sizeof(int));
        done->nlmsg_type = NLMSG_DONE;
        done->nlmsg_flags = NLM_F_MULTI | intr;
        done->nlmsg_seq = req->nlmsg_seq;

        sockaddr_nl to{};
        to.nl_family = AF_NETLINK;
        to.nl_pid = client_port_;
        std::size_t len = NLMSG_ALIGN(part->nlmsg_len) + done->nlmsg_len;
        sendto(fd_.get(), out, len, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
        ++served_;
    }

    rt::base::UniqueFd fd_;
    std::uint32_t client_port_ = 0;
    std::atomic<int> served_{0};
    std::thread thread_;
};

rt::netlink::Message dump_request() {
    ifinfomsg ifi{};
    rt::netlink::Message m(RTM_GETLINK, 0, ifi);
    m.what("netlink: list links");
    return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(netlink_dump)

BOOST_AUTO_TEST_CASE(interrupted_dump_is_restarted_and_only_the_clean_one_counts) {
    rt::netlink::Socket s(NETLINK_USERSOCK);
    std::vector<int> seen;
    int restarts = 0;
    {
        FakeKernel k(s, 3, [](int i) { return i < 2; });  // two interrupted, then clean
        rt::netlink::Message m = dump_request();
        s.dump(
            m,
            [&](const nlmsghdr* h) {
                seen.push_back(static_cast<const ifinfomsg*>(NLMSG_DATA(h))->ifi_index);
            },
            [&] {
                ++restarts;
                seen.clear();
            });
    }
    BOOST_TEST(restarts == 2);
    BOOST_TEST(seen == std::vector<int>{2});  // parts of interrupted dumps never reach the caller
}

BOOST_AUTO_TEST_CASE(a_dump_that_keeps_changing_is_code_11) {
    rt::netlink::Socket s(NETLINK_USERSOCK);
    int replies = 0;
    try {
        FakeKernel k(s, 16, [](int) { return true; });
        rt::netlink::Message m = dump_request();
        s.dump(m, [&](const nlmsghdr*) { ++replies; });
        BOOST_FAIL("an always-interrupted dump returned");
    } catch (const rt::cni::CniError& e) {
        BOOST_TEST(e.code() == rt::cni::kTryAgainLater);
        BOOST_TEST(std::string(e.what()).find("list links") != std::string::npos, e.what());
        BOOST_TEST(std::string(e.what()).find("kept changing") != std::string::npos, e.what());
    }
    BOOST_TEST(replies == 0);
}

BOOST_AUTO_TEST_CASE(code_11_reaches_the_plugin_output) {
    // The same failure inside a verb: the plugin answers with CNI error 11 (SPEC.md
    // "Try again later"), so the runtime knows to retry.
    rt::cni::Plugin p;
    p.name = "dumper";
    p.add = [](rt::cni::Request&) -> rt::cni::Result {
        rt::netlink::Socket s(NETLINK_USERSOCK);
        FakeKernel k(s, 16, [](int) { return true; });
        rt::netlink::Message m = dump_request();
        s.dump(m, [](const nlmsghdr*) {});
        return {};
    };
    std::string out;
    int rc = rt::cni::dispatch(
        p,
        [](const char* n) -> const char* {
            std::string_view k(n);
            if (k == "CNI_COMMAND") return "ADD";
            if (k == "CNI_CONTAINERID") return "c1";
            if (k == "CNI_NETNS") return "/run/netns/x";
            if (k == "CNI_IFNAME") return "eth0";
            return nullptr;
        },
        R"({"cniVersion":"1.1.0","name":"n","type":"dumper"})", out);
    BOOST_TEST(rc != 0);
    rt::cni::json::Document d;
    d.Parse(out.c_str());
    BOOST_REQUIRE(d.IsObject());
    BOOST_TEST(d["code"].GetInt() == 11, out);
    BOOST_TEST(std::string(d["msg"].GetString()).find("kept changing") != std::string::npos, out);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// A fake kernel that ACKs one request and keeps a copy of it.
class CapturingKernel {
  public:
    explicit CapturingKernel(rt::netlink::Socket& client)
        : fd_(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK)) {
        BOOST_REQUIRE(fd_);
        sockaddr_nl self{};
        self.nl_family = AF_NETLINK;
        BOOST_REQUIRE(bind(fd_.get(), reinterpret_cast<sockaddr*>(&self), sizeof self) == 0);
        timeval tv{10, 0};
        setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_nl me{};
        me.nl_family = AF_NETLINK;
        me.nl_pid = port_of(fd_.get());
        BOOST_REQUIRE(connect(client.fd(), reinterpret_cast<sockaddr*>(&me), sizeof me) == 0);
        std::uint32_t client_port = port_of(client.fd());
        thread_ = std::thread([this, client_port] {
            ssize_t got = recv(fd_.get(), buf_, sizeof buf_, 0);
            if (got < static_cast<ssize_t>(sizeof(nlmsghdr))) return;
            len_ = static_cast<std::size_t>(got);
            const auto* req = reinterpret_cast<const nlmsghdr*>(buf_);
            alignas(nlmsghdr) char out[NLMSG_SPACE(sizeof(nlmsgerr))]{};
            auto* h = reinterpret_cast<nlmsghdr*>(out);
            h->nlmsg_len = NLMSG_LENGTH(sizeof(nlmsgerr));
            h->nlmsg_type = NLMSG_ERROR;
            h->nlmsg_flags = NLM_F_CAPPED;
            h->nlmsg_seq = req->nlmsg_seq;
            auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(h));
            e->error = 0;
            e->msg = *req;
            sockaddr_nl to{};
            to.nl_family = AF_NETLINK;
            to.nl_pid = client_port;
            sendto(fd_.get(), out, h->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
        });
    }
    ~CapturingKernel() {
        if (thread_.joinable()) thread_.join();
    }
    // The request, once the client has its ACK.
    const nlmsghdr* request() {
        thread_.join();
        return len_ ? reinterpret_cast<const nlmsghdr*>(buf_) : nullptr;
    }

  private:
    rt::base::UniqueFd fd_;
    alignas(nlmsghdr) char buf_[65536];
    std::size_t len_ = 0;
    std::thread thread_;
};

// "vid:flags" of every IFLA_BRIDGE_VLAN_INFO in an AF_BRIDGE link request's IFLA_AF_SPEC.
std::string vlan_infos(const nlmsghdr* h) {
    const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    std::string out = "family " + std::to_string(ifi->ifi_family) + " index " +
                      std::to_string(ifi->ifi_index) + ":";
    int len = static_cast<int>(h->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof(ifinfomsg)));
    for (auto* a = reinterpret_cast<const rtattr*>(reinterpret_cast<const char*>(ifi) +
                                                   NLMSG_ALIGN(sizeof(ifinfomsg)));
         RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if ((a->rta_type & NLA_TYPE_MASK) != IFLA_AF_SPEC) continue;
        int inner = static_cast<int>(RTA_PAYLOAD(a));
        for (auto* v = static_cast<const rtattr*>(RTA_DATA(a)); RTA_OK(v, inner);
             v = RTA_NEXT(v, inner)) {
            if (v->rta_type != IFLA_BRIDGE_VLAN_INFO) continue;
            const auto* info = static_cast<const bridge_vlan_info*>(RTA_DATA(v));
            out += " " + std::to_string(info->vid) + ":" + std::to_string(info->flags);
        }
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(netlink_fake)

BOOST_AUTO_TEST_CASE(bridge_vlan_messages) {
    // What rt-bridge asks the kernel for a port's VLANs (the kernel of this project's VM
    // cannot do VLAN filtering, so the request itself is checked): RTM_SETLINK / RTM_DELLINK,
    // AF_BRIDGE, the port's index, one IFLA_BRIDGE_VLAN_INFO per VLAN in IFLA_AF_SPEC.
    {
        rt::netlink::Socket s(NETLINK_USERSOCK);
        CapturingKernel k(s);
        rt::netlink::bridge_vlan_add(
            s, 42, "veth0",
            {{100, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED}, {11, 0}, {12, 0}});
        const nlmsghdr* h = k.request();
        BOOST_REQUIRE(h);
        BOOST_TEST(h->nlmsg_type == RTM_SETLINK);
        BOOST_TEST((h->nlmsg_flags & NLM_F_ACK) != 0);
        BOOST_TEST(vlan_infos(h) ==
                   "family " + std::to_string(AF_BRIDGE) + " index 42: 100:6 11:0 12:0");
    }
    {
        rt::netlink::Socket s(NETLINK_USERSOCK);
        CapturingKernel k(s);
        rt::netlink::bridge_vlan_del(s, 7, "veth1", {{1, 0}});
        const nlmsghdr* h = k.request();
        BOOST_REQUIRE(h);
        BOOST_TEST(h->nlmsg_type == RTM_DELLINK);
        BOOST_TEST(vlan_infos(h) == "family " + std::to_string(AF_BRIDGE) + " index 7: 1:0");
    }
}

BOOST_AUTO_TEST_SUITE_END()
