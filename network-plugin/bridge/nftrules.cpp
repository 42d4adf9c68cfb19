#include "bridge/nftrules.hpp"

#include <fcntl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_bridge.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "base/fd.hpp"
#include "bridge/names.hpp"
#include "cni/error.hpp"
#include "netlink/nftables.hpp"
#include "rt/error.hpp"

namespace rt::bridge {

namespace nft = netlink::nft;
using cni::CniError;

std::uint64_t Attachment::hash() const {
    return attachment_hash(network, container_id, ifname);
}

std::string Attachment::comment() const {
    return hex(hash(), 16) + " " + network + " " + container_id + " " + ifname;
}

namespace {

constexpr const char* kLockPath = "/run/rt-cni-nft.lock";
constexpr int kAttempts = 4;

// Serialises creating and deleting shared tables and chains between plugin processes.
class NftLock {
  public:
    NftLock() : fd_(::open(kLockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) {
        if (!fd_) throw Error(std::string("open ") + kLockPath, errno);
        while (flock(fd_.get(), LOCK_EX) != 0)
            if (errno != EINTR) throw Error(std::string("lock ") + kLockPath, errno);
    }

  private:
    base::UniqueFd fd_;
};

[[noreturn]] void fail(std::string_view what, int err, const std::string& kmsg) {
    netlink::throw_ack(what, netlink::Ack{err, kmsg});
}

std::vector<std::uint8_t> bytes(const cni::IpAddr& a) {
    return std::vector<std::uint8_t>(a.data(), a.data() + a.size());
}

std::uint64_t comment_hash(const std::string& comment) {
    if (comment.size() < 16) return 0;
    std::uint64_t h = 0;
    for (int i = 0; i < 16; ++i) {
        char c = comment[static_cast<std::size_t>(i)];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) return 0;
        h = h << 4 | static_cast<std::uint64_t>(v);
    }
    return h;
}

// The second word of an element comment: its network.
std::string comment_network(const std::string& comment) {
    auto sp1 = comment.find(' ');
    if (sp1 == std::string::npos) return {};
    auto sp2 = comment.find(' ', sp1 + 1);
    return comment.substr(sp1 + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp1 - 1);
}

// Deletes `table` if only its base chain is left. Caller holds NftLock.
void delete_table_if_unused(netlink::Socket& s, std::uint8_t family, const char* table,
                            std::string_view base_chain) {
    auto chains = nft::list_chains(s, family, table);
    for (const auto& c : chains)
        if (c != base_chain) return;
    nft::Batch b(family);
    b.del_table(table);
    nft::commit(s, b);  // ENOENT: someone else removed it
}

// ---- masquerade ----

const char* map_of(const cni::IpAddr& a) {
    return a.is_v4() ? "masq4" : "masq6";
}

std::string masq_chain(const std::string& network, const cni::IpNet& ip) {
    return "n-" + hex(fnv1a64(network) >> 32, 8) + hex(fnv1a64(ip.network().str()) >> 32, 8);
}

std::string masq_chain_prefix(const std::string& network) {
    return "n-" + hex(fnv1a64(network) >> 32, 8);
}

std::vector<nft::Expr> match_family(bool v4) {
    return {nft::meta_load(NFT_META_NFPROTO),
            nft::cmp_eq({static_cast<std::uint8_t>(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6)})};
}

// daddr within `net`: payload, mask, compare.
std::vector<nft::Expr> daddr_in(const cni::IpNet& net) {
    bool v4 = net.addr.is_v4();
    auto e = match_family(v4);
    e.push_back(nft::payload_load(NFT_PAYLOAD_NETWORK_HEADER, v4 ? 16 : 24, v4 ? 4 : 16));
    cni::IpAddr mask = net.addr;
    for (int i = 0; i < mask.size(); ++i) mask.data()[i] = 0xff;
    mask = mask.masked(net.prefix);
    e.push_back(nft::mask_reg(bytes(mask)));
    e.push_back(nft::cmp_eq(bytes(net.addr.masked(net.prefix))));
    return e;
}

void create_masq_table(netlink::Socket& s) {
    nft::Batch b(NFPROTO_INET);
    b.add_table(masq::kTable, "rt-bridge: IP masquerade (ipMasq)", true);
    b.add_verdict_map(masq::kTable, "masq4", 1, nft::kTypeIpv4, 4);
    b.add_verdict_map(masq::kTable, "masq6", 2, nft::kTypeIpv6, 16);
    b.add_chain(masq::kTable, "postrouting", nft::Hook{NF_INET_POST_ROUTING, 100, "nat"}, "", true);
    for (bool v4 : {true, false}) {
        auto e = match_family(v4);
        e.push_back(nft::payload_load(NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, v4 ? 4 : 16));
        e.push_back(nft::vmap_lookup(v4 ? "masq4" : "masq6", v4 ? 1 : 2));
        b.add_rule(masq::kTable, "postrouting", e);
    }
    std::string kmsg;
    int err = nft::commit(s, b, &kmsg);
    if (err && err != EEXIST) fail("nftables: create table inet rt_cni", err, kmsg);
}

// The rules create_masq_chain puts in a subnet's chain.
constexpr std::uint32_t kMasqChainRules = 3;

void create_masq_chain(netlink::Socket& s, const std::string& network, const cni::IpNet& ip) {
    std::string chain = masq_chain(network, ip);
    cni::IpNet net = ip.network();
    bool v4 = net.addr.is_v4();
    nft::Batch b(NFPROTO_INET);
    b.add_chain(masq::kTable, chain, std::nullopt,
                "rt-bridge network " + network + " subnet " + net.str(), true);
    auto own = daddr_in(net);
    own.push_back(nft::verdict(NFT_RETURN));
    b.add_rule(masq::kTable, chain, own);
    cni::IpNet mcast = v4 ? cni::IpNet{*cni::IpAddr::parse("224.0.0.0"), 4}
                          : cni::IpNet{*cni::IpAddr::parse("ff00::"), 8};
    auto m = daddr_in(mcast);
    m.push_back(nft::verdict(NFT_RETURN));
    b.add_rule(masq::kTable, chain, m);
    b.add_rule(masq::kTable, chain, {nft::masquerade()});
    std::string kmsg;
    int err = nft::commit(s, b, &kmsg);
    if (err && err != EEXIST) fail("nftables: create chain " + chain, err, kmsg);
}

// A transaction the kernel refuses (ENOENT, EEXIST, EBUSY) is not free: its abort path
// waits for an RCU grace period (synchronize_rcu in nf_tables_abort, 10 ms here). So what
// might be missing or still in use is looked at first, and only transactions expected to
// succeed are sent; a race with another plugin process can still make one fail, and is
// retried.

// Makes sure the table and the chains of the subnets of `ips` exist.
void ensure_masq_chains(netlink::Socket& s, const std::string& network,
                        const std::vector<cni::IpNet>& ips) {
    auto missing = [&](const std::vector<std::string>& have) {
        std::vector<const cni::IpNet*> out;
        std::set<std::string> seen;
        for (const auto& ip : ips) {
            std::string c = masq_chain(network, ip);
            if (std::find(have.begin(), have.end(), c) == have.end() && seen.insert(c).second)
                out.push_back(&ip);
        }
        return out;
    };
    auto have = nft::list_chains(s, NFPROTO_INET, masq::kTable);  // empty: no table
    if (!have.empty() && missing(have).empty()) return;
    NftLock lock;
    have = nft::list_chains(s, NFPROTO_INET, masq::kTable);  // another ADD may have made them
    if (have.empty()) create_masq_table(s);
    for (const cni::IpNet* ip : missing(have)) create_masq_chain(s, network, *ip);
}

// Deletes the per-subnet `chains` no element jumps to any more, then the table if only
// its base chain is left (no element can be left then: each jumps to a subnet chain, and
// the kernel never deletes a chain something jumps to).
void prune_masq_chains(netlink::Socket& s, const std::vector<std::string>& chains) {
    if (chains.empty()) return;
    NftLock lock;
    nft::Batch b(NFPROTO_INET);
    bool others = false;  // chains that stay, besides the base chain
    for (const auto& c : nft::list_chains_info(s, NFPROTO_INET, masq::kTable)) {
        if (c.name == "postrouting") continue;
        // The kernel's count holds the chain's own rules and what jumps to it; a kernel
        // counting only the jumps (older ones) may refuse one with EBUSY, which is harmless.
        bool ours = std::find(chains.begin(), chains.end(), c.name) != chains.end();
        if (ours && c.use <= kMasqChainRules)
            b.del_chain(masq::kTable, c.name);
        else
            others = true;
    }
    if (b.messages().empty() || nft::commit(s, b) != 0) return;  // raced: a later DEL prunes
    if (!others) delete_table_if_unused(s, NFPROTO_INET, masq::kTable, "postrouting");
}

}  // namespace

void masq::setup(netlink::Socket& s, const Attachment& a, const std::vector<cni::IpNet>& ips) {
    if (ips.empty()) return;
    ensure_masq_chains(s, a.network, ips);
    for (int attempt = 0;; ++attempt) {
        nft::Batch b(NFPROTO_INET);
        for (const auto& ip : ips) {
            // An element for this address left by an attachment that vanished without DEL is
            // stale (IPAM just gave the address to us): replace it in the same transaction.
            if (auto old =
                    nft::get_element(s, NFPROTO_INET, kTable, map_of(ip.addr), bytes(ip.addr));
                old && comment_hash(old->comment) != a.hash())
                b.del_element(kTable, map_of(ip.addr), bytes(ip.addr));
            else if (old)
                continue;  // already ours
            b.add_element(
                kTable, map_of(ip.addr),
                nft::Element{bytes(ip.addr), NFT_JUMP, masq_chain(a.network, ip), a.comment()});
        }
        if (b.messages().empty()) return;
        std::string kmsg;
        int err = nft::commit(s, b, &kmsg);
        if (err == 0) return;
        if (err != ENOENT || attempt + 1 == kAttempts)
            fail("nftables: add masquerade for " + a.container_id, err, kmsg);
        // A DEL pruned the table or a subnet's chain since we looked: make them again.
        ensure_masq_chains(s, a.network, ips);
    }
}

void masq::teardown(netlink::Socket& s, const Attachment& a, const std::vector<cni::IpNet>& ips) {
    std::vector<std::pair<std::string, std::vector<std::uint8_t>>> mine;  // (map, key)
    std::vector<std::string> chains;
    if (!ips.empty()) {
        for (const auto& ip : ips) {
            auto e = nft::get_element(s, NFPROTO_INET, kTable, map_of(ip.addr), bytes(ip.addr));
            if (e && comment_hash(e->comment) == a.hash()) {
                mine.emplace_back(map_of(ip.addr), bytes(ip.addr));
                chains.push_back(e->chain);
            }
        }
    } else {
        for (const char* map : {"masq4", "masq6"})
            for (auto& e : nft::list_elements(s, NFPROTO_INET, kTable, map))
                if (comment_hash(e.comment) == a.hash()) {
                    mine.emplace_back(map, e.key);
                    chains.push_back(e.chain);
                }
    }
    // The subnets' chains go with their last element, also when the elements are gone
    // already (someone removed them by hand, an earlier DEL was interrupted).
    for (const auto& ip : ips) chains.push_back(masq_chain(a.network, ip));
    if (mine.empty()) {
        prune_masq_chains(s, chains);
        return;
    }
    nft::Batch b(NFPROTO_INET);
    for (const auto& [map, key] : mine) b.del_element(kTable, map, key);
    std::string kmsg;
    int err = nft::commit(s, b, &kmsg);
    if (err && err != ENOENT) fail("nftables: remove masquerade of " + a.container_id, err, kmsg);
    prune_masq_chains(s, chains);
}

void masq::check(netlink::Socket& s, const Attachment& a, const std::vector<cni::IpNet>& ips) {
    for (const auto& ip : ips) {
        auto e = nft::get_element(s, NFPROTO_INET, kTable, map_of(ip.addr), bytes(ip.addr));
        if (!e || comment_hash(e->comment) != a.hash())
            throw CniError(cni::kInternal, "ipMasq: no masquerade rule for " + ip.addr.str() +
                                               " (nft map inet rt_cni " + map_of(ip.addr) + ")");
    }
}

void masq::gc(netlink::Socket& s, const std::string& network,
              const std::set<std::uint64_t>& valid) {
    std::string prefix = masq_chain_prefix(network);
    std::vector<std::string> chains;
    nft::Batch b(NFPROTO_INET);
    for (const char* map : {"masq4", "masq6"})
        for (auto& e : nft::list_elements(s, NFPROTO_INET, kTable, map)) {
            if (e.chain.rfind(prefix, 0) != 0 || comment_network(e.comment) != network) continue;
            if (valid.count(comment_hash(e.comment))) continue;
            b.del_element(kTable, map, e.key);
        }
    if (!b.messages().empty()) {
        std::string kmsg;
        int err = nft::commit(s, b, &kmsg);
        if (err && err != ENOENT) fail("nftables: remove stale masquerade elements", err, kmsg);
    }
    for (const auto& c : nft::list_chains(s, NFPROTO_INET, kTable))
        if (c.rfind(prefix, 0) == 0) chains.push_back(c);
    prune_masq_chains(s, chains);
}

// ---- MAC spoof check ----

namespace {

std::vector<std::uint8_t> ifname_key(const std::string& name) {
    std::vector<std::uint8_t> k(16, 0);  // IFNAMSIZ, NUL padded, as meta iifname loads it
    std::memcpy(k.data(), name.data(), std::min<std::size_t>(name.size(), 15));
    return k;
}

std::string spoof_chain(const Attachment& a) {
    return "p-" + hex(a.hash(), 16);
}

void create_spoof_table(netlink::Socket& s) {
    nft::Batch b(NFPROTO_BRIDGE);
    b.add_table(spoof::kTable, "rt-bridge: MAC spoof checks (macspoofchk)", true);
    b.add_verdict_map(spoof::kTable, "ports", 1, nft::kTypeIfname, 16, true);
    b.add_chain(spoof::kTable, "prerouting", nft::Hook{NF_BR_PRE_ROUTING, -300, "filter"}, "",
                true);
    b.add_rule(spoof::kTable, "prerouting",
               {nft::meta_load(NFT_META_IIFNAME), nft::vmap_lookup("ports", 1)});
    std::string kmsg;
    int err = nft::commit(s, b, &kmsg);
    if (err && err != EEXIST) fail("nftables: create table bridge rt_cni_spoof", err, kmsg);
}

}  // namespace

void spoof::setup(netlink::Socket& s, const Attachment& a, const std::string& host_veth,
                  const cni::Mac& mac) {
    std::string chain = spoof_chain(a);
    // Each attachment brings its own chain, so adding one races a last DEL deleting the
    // table: both run under the lock.
    NftLock lock;
    // First use: the table, before a transaction that would fail without it (see above).
    if (nft::list_chains(s, NFPROTO_BRIDGE, kTable).empty()) create_spoof_table(s);
    for (int attempt = 0;; ++attempt) {
        nft::Batch b(NFPROTO_BRIDGE);
        b.add_chain(kTable, chain, std::nullopt, a.comment(), true);
        b.add_rule(kTable, chain,
                   {nft::payload_load(NFT_PAYLOAD_LL_HEADER, 6, 6),
                    nft::cmp_neq(std::vector<std::uint8_t>(mac.bytes.begin(), mac.bytes.end())),
                    nft::verdict(NF_DROP)},
                   "macspoofchk " + mac.str());
        b.add_element(kTable, "ports",
                      nft::Element{ifname_key(host_veth), NFT_JUMP, chain, a.comment()});
        std::string kmsg;
        int err = nft::commit(s, b, &kmsg);
        if (err == 0) return;
        if (err != ENOENT || attempt + 1 == kAttempts)
            fail("nftables: add MAC spoof check for " + host_veth, err, kmsg);
        create_spoof_table(s);
    }
}

void spoof::teardown(netlink::Socket& s, const Attachment& a, const std::string& host_veth) {
    std::string chain = spoof_chain(a);
    NftLock lock;
    nft::Batch b(NFPROTO_BRIDGE);
    b.del_element(kTable, "ports", ifname_key(host_veth));
    b.del_chain(kTable, chain);
    std::string kmsg;
    int err = nft::commit(s, b, &kmsg);
    if (err == ENOENT) {
        // Part of it is gone already (a second DEL): remove what is left, one by one.
        nft::Batch e(NFPROTO_BRIDGE);
        e.del_element(kTable, "ports", ifname_key(host_veth));
        nft::commit(s, e);
        nft::Batch c(NFPROTO_BRIDGE);
        c.del_chain(kTable, chain);
        err = nft::commit(s, c, &kmsg);
        if (err == ENOENT) return;
    }
    if (err) fail("nftables: remove MAC spoof check of " + host_veth, err, kmsg);
    delete_table_if_unused(s, NFPROTO_BRIDGE, kTable, "prerouting");
}

void spoof::check(netlink::Socket& s, const Attachment& a, const std::string& host_veth) {
    auto e = nft::get_element(s, NFPROTO_BRIDGE, kTable, "ports", ifname_key(host_veth));
    if (!e || e->chain != spoof_chain(a))
        throw CniError(cni::kInternal, "macspoofchk: no MAC spoof check for " + host_veth +
                                           " (nft map bridge rt_cni_spoof ports)");
}

void spoof::gc(netlink::Socket& s, const std::string& network,
               const std::set<std::uint64_t>& valid) {
    NftLock lock;
    bool removed = false;
    for (auto& e : nft::list_elements(s, NFPROTO_BRIDGE, kTable, "ports")) {
        if (comment_network(e.comment) != network || valid.count(comment_hash(e.comment))) continue;
        nft::Batch b(NFPROTO_BRIDGE);
        b.del_element(kTable, "ports", e.key);
        b.del_chain(kTable, e.chain);
        removed |= nft::commit(s, b) == 0;
    }
    if (removed) delete_table_if_unused(s, NFPROTO_BRIDGE, kTable, "prerouting");
}

}  // namespace rt::bridge
