// nf_tables over netlink: the few objects rt-bridge needs (tables, chains, verdict maps,
// rules built from a handful of expressions, map elements), sent as atomic transactions.
//
// Why not libnftables or the nft tool: each libnftables command first dumps every chain
// and set of the ruleset into its cache (so its cost grows with the number of attached
// containers), it pulls in five more shared libraries, and the tool is a subprocess. The
// messages below are built once and cost the same with 1 or 500 attachments; the
// per-attachment state is a single map element.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netlink/socket.hpp"

namespace rt::netlink::nft {

// nftables' own datatype ids (the `type` of a set key as `nft list` shows it).
enum DataType : std::uint32_t {
    kTypeVerdict = 1,
    kTypeIpv4 = 7,
    kTypeIpv6 = 8,
    kTypeEther = 9,
    kTypeIfname = 41,
};

struct Expr {
    enum Kind { Meta, Payload, Cmp, Bitwise, Lookup, Immediate, Masq } kind = Meta;
    std::uint32_t a = 0, b = 0, c = 0, d = 0;  // kind-specific (see the builders)
    std::vector<std::uint8_t> data, mask;
    std::string name;  // set name (Lookup) or chain name (Immediate jump)
    std::int32_t verdict = 0;
};

// Builders, nft syntax in comments. Register 1 is the only data register used.
Expr meta_load(std::uint32_t key);  // meta <key> -> reg1
Expr payload_load(std::uint32_t base, std::uint32_t offset, std::uint32_t len);  // -> reg1
Expr cmp_eq(std::vector<std::uint8_t> value);                                    // reg1 == value
Expr cmp_neq(std::vector<std::uint8_t> value);                                   // reg1 != value
Expr mask_reg(std::vector<std::uint8_t> mask);                                   // reg1 &= mask
Expr vmap_lookup(std::string set, std::uint32_t set_id);                         // reg1 vmap @set
Expr verdict(std::int32_t code, std::string chain = {});  // accept / drop / return / jump
Expr masquerade();

struct Hook {
    std::uint32_t num;
    std::int32_t priority;
    std::string type;  // "nat", "filter"
};

struct Element {
    std::vector<std::uint8_t> key;
    std::int32_t verdict = 0;
    std::string chain;  // jump target
    std::string comment;
};

// Messages of one transaction, for Socket::nft_transaction().
class Batch {
  public:
    explicit Batch(std::uint8_t family) : family_(family) {}
    // `exclusive`: fail with EEXIST if it exists (an atomic "create if absent").
    void add_table(std::string_view table, std::string_view comment, bool exclusive);
    void del_table(std::string_view table);
    void add_chain(std::string_view table, std::string_view chain, const std::optional<Hook>& hook,
                   std::string_view comment, bool exclusive);
    void del_chain(std::string_view table, std::string_view chain);
    // `host_order_key`: the key is stored in host byte order (strings such as ifname);
    // recorded in the set's user data so `nft list` prints it right.
    void add_verdict_map(std::string_view table, std::string_view set, std::uint32_t set_id,
                         DataType key_type, std::uint32_t key_len, bool host_order_key = false);
    void add_rule(std::string_view table, std::string_view chain, const std::vector<Expr>& exprs,
                  std::string_view comment = {});
    void add_element(std::string_view table, std::string_view set, const Element& e);
    void del_element(std::string_view table, std::string_view set,
                     const std::vector<std::uint8_t>& key);
    std::vector<Message>& messages() { return msgs_; }

  private:
    Message& start(int type, int flags, std::string what);
    std::uint8_t family_;
    std::vector<Message> msgs_;
};

// Runs the batch as one transaction; returns the first errno (0 if it was applied).
int commit(Socket& s, Batch& b, std::string* kernel_msg = nullptr);

// Elements of a map (a dump), and one element by key (nullopt if absent).
std::vector<Element> list_elements(Socket& s, std::uint8_t family, std::string_view table,
                                   std::string_view set);
std::optional<Element> get_element(Socket& s, std::uint8_t family, std::string_view table,
                                   std::string_view set, const std::vector<std::uint8_t>& key);
// Chain names of a table (empty if the table does not exist).
std::vector<std::string> list_chains(Socket& s, std::uint8_t family, std::string_view table);
// The same with each chain's reference count (NFTA_CHAIN_USE: rules and map elements
// jumping to it); a chain can be deleted only at 0.
struct ChainInfo {
    std::string name;
    std::uint32_t use = 0;
};
std::vector<ChainInfo> list_chains_info(Socket& s, std::uint8_t family, std::string_view table);

}  // namespace rt::netlink::nft
