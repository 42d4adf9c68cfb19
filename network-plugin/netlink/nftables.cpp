#include "netlink/nftables.hpp"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cerrno>
#include <cstring>

#include "rt/error.hpp"

namespace rt::netlink::nft {

namespace {

constexpr std::uint32_t kReg = NFT_REG_1;
// libnftnl's user-data TLV for comments (type 0 for tables, chains, rules and elements).
constexpr std::uint8_t kUdataComment = 0;

int msg_type(int nft_msg) {
    return (NFNL_SUBSYS_NFTABLES << 8) | nft_msg;
}

std::vector<std::uint8_t> udata_comment(std::string_view comment) {
    // One TLV: type, length (with the NUL), text. nft caps comments at 128 bytes.
    std::string_view c = comment.substr(0, 127);
    std::vector<std::uint8_t> u(c.size() + 3, 0);
    u[0] = kUdataComment;
    u[1] = static_cast<std::uint8_t>(c.size() + 1);
    if (!c.empty()) std::memcpy(u.data() + 2, c.data(), c.size());
    return u;
}

std::string udata_comment_of(const nlattr* a) {
    const auto* p = static_cast<const std::uint8_t*>(nla_data(a));
    int len = nla_len(a);
    for (int i = 0; i + 2 <= len;) {
        std::uint8_t type = p[i], l = p[i + 1];
        if (i + 2 + l > len) break;
        if (type == kUdataComment) {
            const char* s = reinterpret_cast<const char*>(p + i + 2);
            return std::string(s, strnlen(s, l));
        }
        i += 2 + l;
    }
    return {};
}

void put_data(Message& m, int type, const std::vector<std::uint8_t>& v) {
    nlattr* n = m.begin(type);
    m.put(NFTA_DATA_VALUE, v.data(), v.size());
    m.end(n);
}

void put_verdict(Message& m, int type, std::int32_t code, std::string_view chain) {
    nlattr* d = m.begin(type);
    nlattr* v = m.begin(NFTA_DATA_VERDICT);
    m.put_be32(NFTA_VERDICT_CODE, static_cast<std::uint32_t>(code));
    if (!chain.empty()) m.put_string(NFTA_VERDICT_CHAIN, chain);
    m.end(v);
    m.end(d);
}

void put_expr(Message& m, const Expr& e) {
    static constexpr const char* names[] = {"meta",   "payload",   "cmp", "bitwise",
                                            "lookup", "immediate", "masq"};
    nlattr* elem = m.begin(NFTA_LIST_ELEM);
    m.put_string(NFTA_EXPR_NAME, names[e.kind]);
    if (e.kind == Expr::Masq) {
        m.end(elem);
        return;
    }
    nlattr* data = m.begin(NFTA_EXPR_DATA);
    switch (e.kind) {
        case Expr::Meta:
            m.put_be32(NFTA_META_KEY, e.a);
            m.put_be32(NFTA_META_DREG, kReg);
            break;
        case Expr::Payload:
            m.put_be32(NFTA_PAYLOAD_DREG, kReg);
            m.put_be32(NFTA_PAYLOAD_BASE, e.a);
            m.put_be32(NFTA_PAYLOAD_OFFSET, e.b);
            m.put_be32(NFTA_PAYLOAD_LEN, e.c);
            break;
        case Expr::Cmp:
            m.put_be32(NFTA_CMP_SREG, kReg);
            m.put_be32(NFTA_CMP_OP, e.a);
            put_data(m, NFTA_CMP_DATA, e.data);
            break;
        case Expr::Bitwise: {
            m.put_be32(NFTA_BITWISE_SREG, kReg);
            m.put_be32(NFTA_BITWISE_DREG, kReg);
            m.put_be32(NFTA_BITWISE_LEN, static_cast<std::uint32_t>(e.mask.size()));
            put_data(m, NFTA_BITWISE_MASK, e.mask);
            put_data(m, NFTA_BITWISE_XOR, std::vector<std::uint8_t>(e.mask.size(), 0));
            break;
        }
        case Expr::Lookup:
            m.put_string(NFTA_LOOKUP_SET, e.name);
            m.put_be32(NFTA_LOOKUP_SET_ID, e.a);
            m.put_be32(NFTA_LOOKUP_SREG, kReg);
            m.put_be32(NFTA_LOOKUP_DREG, NFT_REG_VERDICT);
            break;
        case Expr::Immediate:
            m.put_be32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
            put_verdict(m, NFTA_IMMEDIATE_DATA, e.verdict, e.name);
            break;
        case Expr::Masq:
            break;
    }
    m.end(data);
    m.end(elem);
}

nfgenmsg gen(std::uint8_t family) {
    nfgenmsg g{};
    g.nfgen_family = family;
    g.version = NFNETLINK_V0;
    return g;
}

}  // namespace

namespace {
Expr make(Expr::Kind kind, std::uint32_t a = 0, std::uint32_t b = 0, std::uint32_t c = 0) {
    Expr e;
    e.kind = kind;
    e.a = a;
    e.b = b;
    e.c = c;
    return e;
}
}  // namespace

Expr meta_load(std::uint32_t key) {
    return make(Expr::Meta, key);
}
Expr payload_load(std::uint32_t base, std::uint32_t offset, std::uint32_t len) {
    return make(Expr::Payload, base, offset, len);
}
Expr cmp_eq(std::vector<std::uint8_t> value) {
    Expr e = make(Expr::Cmp, NFT_CMP_EQ);
    e.data = std::move(value);
    return e;
}
Expr cmp_neq(std::vector<std::uint8_t> value) {
    Expr e = make(Expr::Cmp, NFT_CMP_NEQ);
    e.data = std::move(value);
    return e;
}
Expr mask_reg(std::vector<std::uint8_t> mask) {
    Expr e = make(Expr::Bitwise);
    e.mask = std::move(mask);
    return e;
}
Expr vmap_lookup(std::string set, std::uint32_t set_id) {
    Expr e = make(Expr::Lookup, set_id);
    e.name = std::move(set);
    return e;
}
Expr verdict(std::int32_t code, std::string chain) {
    Expr e = make(Expr::Immediate);
    e.verdict = code;
    e.name = std::move(chain);
    return e;
}
Expr masquerade() {
    return make(Expr::Masq);
}

Message& Batch::start(int type, int flags, std::string what) {
    msgs_.emplace_back(msg_type(type), flags, gen(family_));
    msgs_.back().what(std::move(what));
    return msgs_.back();
}

void Batch::add_table(std::string_view table, std::string_view comment, bool exclusive) {
    Message& m = start(NFT_MSG_NEWTABLE, NLM_F_CREATE | (exclusive ? NLM_F_EXCL : 0),
                       "nftables: create table " + std::string(table));
    m.put_string(NFTA_TABLE_NAME, table);
    m.put_be32(NFTA_TABLE_FLAGS, 0);
    if (!comment.empty()) {
        auto u = udata_comment(comment);
        m.put(NFTA_TABLE_USERDATA, u.data(), u.size());
    }
}

void Batch::del_table(std::string_view table) {
    Message& m = start(NFT_MSG_DELTABLE, 0, "nftables: delete table " + std::string(table));
    m.put_string(NFTA_TABLE_NAME, table);
}

void Batch::add_chain(std::string_view table, std::string_view chain,
                      const std::optional<Hook>& hook, std::string_view comment, bool exclusive) {
    Message& m = start(NFT_MSG_NEWCHAIN, NLM_F_CREATE | (exclusive ? NLM_F_EXCL : 0),
                       "nftables: create chain " + std::string(chain));
    m.put_string(NFTA_CHAIN_TABLE, table);
    m.put_string(NFTA_CHAIN_NAME, chain);
    if (hook) {
        nlattr* h = m.begin(NFTA_CHAIN_HOOK);
        m.put_be32(NFTA_HOOK_HOOKNUM, hook->num);
        m.put_be32(NFTA_HOOK_PRIORITY, static_cast<std::uint32_t>(hook->priority));
        m.end(h);
        m.put_be32(NFTA_CHAIN_POLICY, NF_ACCEPT);
        m.put_string(NFTA_CHAIN_TYPE, hook->type);
    }
    if (!comment.empty()) {
        auto u = udata_comment(comment);
        m.put(NFTA_CHAIN_USERDATA, u.data(), u.size());
    }
}

void Batch::del_chain(std::string_view table, std::string_view chain) {
    Message& m = start(NFT_MSG_DELCHAIN, 0, "nftables: delete chain " + std::string(chain));
    m.put_string(NFTA_CHAIN_TABLE, table);
    m.put_string(NFTA_CHAIN_NAME, chain);
}

void Batch::add_verdict_map(std::string_view table, std::string_view set, std::uint32_t set_id,
                            DataType key_type, std::uint32_t key_len, bool host_order_key) {
    Message& m = start(NFT_MSG_NEWSET, NLM_F_CREATE, "nftables: create map " + std::string(set));
    m.put_string(NFTA_SET_TABLE, table);
    m.put_string(NFTA_SET_NAME, set);
    m.put_be32(NFTA_SET_FLAGS, NFT_SET_MAP);
    m.put_be32(NFTA_SET_KEY_TYPE, key_type);
    m.put_be32(NFTA_SET_KEY_LEN, key_len);
    m.put_be32(NFTA_SET_DATA_TYPE, NFT_DATA_VERDICT);
    m.put_be32(NFTA_SET_ID, set_id);
    // libnftnl's NFTNL_UDATA_SET_KEYBYTEORDER (type 0): nft's BYTEORDER_HOST_ENDIAN (1) or
    // BYTEORDER_BIG_ENDIAN (2), as a native u32.
    std::uint32_t order = host_order_key ? 1 : 2;
    std::uint8_t udata[6] = {0, 4};
    std::memcpy(udata + 2, &order, 4);
    m.put(NFTA_SET_USERDATA, udata, sizeof udata);
}

void Batch::add_rule(std::string_view table, std::string_view chain, const std::vector<Expr>& exprs,
                     std::string_view comment) {
    Message& m = start(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
                       "nftables: add rule to " + std::string(chain));
    m.put_string(NFTA_RULE_TABLE, table);
    m.put_string(NFTA_RULE_CHAIN, chain);
    nlattr* list = m.begin(NFTA_RULE_EXPRESSIONS);
    for (const auto& e : exprs) put_expr(m, e);
    m.end(list);
    if (!comment.empty()) {
        auto u = udata_comment(comment);
        m.put(NFTA_RULE_USERDATA, u.data(), u.size());
    }
}

void Batch::add_element(std::string_view table, std::string_view set, const Element& e) {
    Message& m = start(NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL,
                       "nftables: add element to " + std::string(set));
    m.put_string(NFTA_SET_ELEM_LIST_TABLE, table);
    m.put_string(NFTA_SET_ELEM_LIST_SET, set);
    nlattr* list = m.begin(NFTA_SET_ELEM_LIST_ELEMENTS);
    nlattr* el = m.begin(NFTA_LIST_ELEM);
    put_data(m, NFTA_SET_ELEM_KEY, e.key);
    put_verdict(m, NFTA_SET_ELEM_DATA, e.verdict, e.chain);
    if (!e.comment.empty()) {
        auto u = udata_comment(e.comment);
        m.put(NFTA_SET_ELEM_USERDATA, u.data(), u.size());
    }
    m.end(el);
    m.end(list);
}

void Batch::del_element(std::string_view table, std::string_view set,
                        const std::vector<std::uint8_t>& key) {
    Message& m = start(NFT_MSG_DELSETELEM, 0, "nftables: delete element of " + std::string(set));
    m.put_string(NFTA_SET_ELEM_LIST_TABLE, table);
    m.put_string(NFTA_SET_ELEM_LIST_SET, set);
    nlattr* list = m.begin(NFTA_SET_ELEM_LIST_ELEMENTS);
    nlattr* el = m.begin(NFTA_LIST_ELEM);
    put_data(m, NFTA_SET_ELEM_KEY, key);
    m.end(el);
    m.end(list);
}

int commit(Socket& s, Batch& b, std::string* kernel_msg) {
    auto acks = s.nft_transaction(b.messages());
    for (const auto& a : acks) {
        if (a.error) {
            if (kernel_msg) *kernel_msg = a.kernel_msg;
            return a.error;
        }
    }
    return 0;
}

namespace {

void parse_elements(const nlmsghdr* h0, std::vector<Element>& out) {
    auto* h = const_cast<nlmsghdr*>(h0);
    if ((h->nlmsg_type & 0xff) != NFT_MSG_NEWSETELEM) return;
    nlattr* tb[NFTA_SET_ELEM_LIST_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(nfgenmsg), tb, NFTA_SET_ELEM_LIST_MAX, nullptr) < 0 ||
        !tb[NFTA_SET_ELEM_LIST_ELEMENTS])
        return;
    nlattr* a;
    int rem;
    nla_for_each_nested(a, tb[NFTA_SET_ELEM_LIST_ELEMENTS], rem) {
        nlattr* et[NFTA_SET_ELEM_MAX + 1] = {};
        if (nla_parse_nested(et, NFTA_SET_ELEM_MAX, a, nullptr) < 0) continue;
        Element e;
        if (et[NFTA_SET_ELEM_KEY]) {
            nlattr* dt[NFTA_DATA_MAX + 1] = {};
            if (nla_parse_nested(dt, NFTA_DATA_MAX, et[NFTA_SET_ELEM_KEY], nullptr) == 0 &&
                dt[NFTA_DATA_VALUE]) {
                const auto* p = static_cast<const std::uint8_t*>(nla_data(dt[NFTA_DATA_VALUE]));
                e.key.assign(p, p + nla_len(dt[NFTA_DATA_VALUE]));
            }
        }
        if (et[NFTA_SET_ELEM_DATA]) {
            nlattr* dt[NFTA_DATA_MAX + 1] = {};
            if (nla_parse_nested(dt, NFTA_DATA_MAX, et[NFTA_SET_ELEM_DATA], nullptr) == 0 &&
                dt[NFTA_DATA_VERDICT]) {
                nlattr* vt[NFTA_VERDICT_MAX + 1] = {};
                if (nla_parse_nested(vt, NFTA_VERDICT_MAX, dt[NFTA_DATA_VERDICT], nullptr) == 0) {
                    if (vt[NFTA_VERDICT_CODE])
                        e.verdict =
                            static_cast<std::int32_t>(ntohl(nla_get_u32(vt[NFTA_VERDICT_CODE])));
                    if (vt[NFTA_VERDICT_CHAIN]) {
                        const char* c = static_cast<const char*>(nla_data(vt[NFTA_VERDICT_CHAIN]));
                        e.chain.assign(
                            c,
                            strnlen(c, static_cast<std::size_t>(nla_len(vt[NFTA_VERDICT_CHAIN]))));
                    }
                }
            }
        }
        if (et[NFTA_SET_ELEM_USERDATA]) e.comment = udata_comment_of(et[NFTA_SET_ELEM_USERDATA]);
        out.push_back(std::move(e));
    }
}

}  // namespace

std::vector<Element> list_elements(Socket& s, std::uint8_t family, std::string_view table,
                                   std::string_view set) {
    std::vector<Element> out;
    Message m(msg_type(NFT_MSG_GETSETELEM), 0, gen(family));
    m.put_string(NFTA_SET_ELEM_LIST_TABLE, table);
    m.put_string(NFTA_SET_ELEM_LIST_SET, set);
    m.what("nftables: list map " + std::string(set));
    try {
        s.dump(
            m, [&](const nlmsghdr* h) { parse_elements(h, out); }, [&] { out.clear(); });
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::NotFound) return {};  // no table or map: no elements
        throw;
    }
    return out;
}

std::optional<Element> get_element(Socket& s, std::uint8_t family, std::string_view table,
                                   std::string_view set, const std::vector<std::uint8_t>& key) {
    Message m(msg_type(NFT_MSG_GETSETELEM), 0, gen(family));
    m.put_string(NFTA_SET_ELEM_LIST_TABLE, table);
    m.put_string(NFTA_SET_ELEM_LIST_SET, set);
    nlattr* list = m.begin(NFTA_SET_ELEM_LIST_ELEMENTS);
    nlattr* el = m.begin(NFTA_LIST_ELEM);
    put_data(m, NFTA_SET_ELEM_KEY, key);
    m.end(el);
    m.end(list);
    std::vector<Element> out;
    int err = s.get(m, [&](const nlmsghdr* h) { parse_elements(h, out); });
    if (err == ENOENT) return std::nullopt;
    if (err) throw Error("nftables: get element of " + std::string(set), err);
    if (out.empty()) return std::nullopt;
    return out.front();
}

std::vector<ChainInfo> list_chains_info(Socket& s, std::uint8_t family, std::string_view table) {
    std::vector<ChainInfo> out;
    Message m(msg_type(NFT_MSG_GETCHAIN), 0, gen(family));
    m.put_string(NFTA_CHAIN_TABLE, table);
    m.what("nftables: list chains of " + std::string(table));
    try {
        s.dump(
            m,
            [&](const nlmsghdr* h0) {
                auto* h = const_cast<nlmsghdr*>(h0);
                if ((h->nlmsg_type & 0xff) != NFT_MSG_NEWCHAIN) return;
                nlattr* tb[NFTA_CHAIN_MAX + 1] = {};
                if (nlmsg_parse(h, sizeof(nfgenmsg), tb, NFTA_CHAIN_MAX, nullptr) < 0) return;
                if (!tb[NFTA_CHAIN_NAME] || !tb[NFTA_CHAIN_TABLE]) return;
                const char* t = static_cast<const char*>(nla_data(tb[NFTA_CHAIN_TABLE]));
                if (std::string_view(t) != table) return;
                ChainInfo c;
                c.name = static_cast<const char*>(nla_data(tb[NFTA_CHAIN_NAME]));
                if (tb[NFTA_CHAIN_USE]) c.use = ntohl(nla_get_u32(tb[NFTA_CHAIN_USE]));
                out.push_back(std::move(c));
            },
            [&] { out.clear(); });
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::NotFound) return {};
        throw;
    }
    return out;
}

std::vector<std::string> list_chains(Socket& s, std::uint8_t family, std::string_view table) {
    std::vector<std::string> out;
    for (auto& c : list_chains_info(s, family, table)) out.push_back(std::move(c.name));
    return out;
}

}  // namespace rt::netlink::nft
