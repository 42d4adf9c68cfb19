// Shared fixture of the CNI integration tests: run the plugin binaries for real, in
// network namespaces and on bridges the tests create, with unique names and subnets.
//
// Names carry a tag of the build directory (so a leak check can find everything this
// build's tests ever created, and runs from other clones never collide) and the pid:
//   network  rtcnet-<tag>-<pid>-<n>      netns  rtcni-<tag>-<pid>-<n>
//   bridge   rt<tag><pid 6 hex><n 2 hex>  (14 characters)
//   dataDir  /tmp/rt-cni-it-<tag>-<pid>-XXXXXX
// Addresses: 10.<200+pid%40>.<n>.0/24 and fd00:2<pid%40>:<pid hex>:<n>::/64, only on
// bridges and namespaces of the test.
#pragma once

#include <boost/test/unit_test.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cni/json.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"

namespace cnit {

std::string tag();       // 4 hex digits of the build directory
std::string bin_dir();   // where rt-bridge and rt-host-local are
std::string cni_path();  // bin_dir():/usr/lib/cni
int next_serial();       // per-process counter

// Runs a shell command; returns exit status, stdout+stderr in `out`.
int sh(const std::string& cmd, std::string* out = nullptr);

class Netns {
  public:
    Netns();
    ~Netns();
    Netns(const Netns&) = delete;
    Netns& operator=(const Netns&) = delete;
    const std::string& name() const { return name_; }
    std::string path() const { return "/run/netns/" + name_; }
    // Runs a command inside (ip netns exec).
    int exec(const std::string& cmd, std::string* out = nullptr) const;
    void remove();  // early removal (tests of a vanished namespace)

  private:
    std::string name_;
    bool alive_ = true;
};

struct Exec {
    int status = -1;  // exit status
    std::string out;
    std::string err;  // the plugin's stderr (also copied to the test's stderr)
    rt::cni::json::Document doc;
    int code() const;  // CNI error code (0 if none)
    std::string msg() const;
    std::string dump() const { return "exit " + std::to_string(status) + ": " + out; }
};

struct Invocation {
    std::string plugin;  // absolute path
    std::string command;
    std::string container_id;
    std::string netns;  // path or empty
    std::string ifname = "eth0";
    std::string args;
    std::string path = cni_path();
    std::string config;
    std::map<std::string, std::string> extra_env;
    bool clear_command = false;  // leave CNI_COMMAND unset
    std::string stdin_path;      // stdin opened from this path instead of `config`
};

Exec run(const Invocation& inv);
// Starts many invocations at once and collects them (parallel ADDs).
std::vector<Exec> run_parallel(const std::vector<Invocation>& invs);

std::string rt_bridge();
std::string rt_host_local();
inline const char* kRefDir = "/usr/lib/cni";

// One test network: a unique name, bridge, subnets and dataDir. The destructor removes
// the bridge, the dataDir and any nftables element of the network, then checks that
// nothing of the network was left (a leak fails the test that made it).
class TestNet {
  public:
    TestNet();
    ~TestNet();
    TestNet(const TestNet&) = delete;
    TestNet& operator=(const TestNet&) = delete;

    std::string name, bridge, data_dir;
    std::string v4_prefix;  // "10.2xx.n"   (subnet v4_prefix + ".0/24")
    std::string v6_prefix;  // "fd00:2xx:pppp:n"  (subnet v6_prefix + "::/64")
    std::string subnet4() const { return v4_prefix + ".0/24"; }
    std::string subnet6() const { return v6_prefix + "::/64"; }
    std::string ip4(int host) const { return v4_prefix + "." + std::to_string(host); }
    std::string ip6(int host) const;

    // A bridge conf: `plugin_type` ("rt-bridge"/"bridge"), extra top-level members
    // (",\"ipMasq\":true"), and the ipam object ("" for the default dual-stack
    // rt-host-local on this network's subnets).
    std::string conf(const std::string& version = "1.1.0", const std::string& extra = "",
                     const std::string& ipam = "",
                     const std::string& plugin_type = "rt-bridge") const;
    std::string ipam_host_local(const std::string& type = "rt-host-local", bool v6 = true,
                                const std::string& extra = "") const;

    // Files under the dataDir of this network (allocations, index, ...).
    std::vector<std::string> reservations() const;
    // Host veths of this network (by their alias).
    std::vector<std::string> host_veths() const;
    // nftables elements mentioning this network.
    std::vector<std::string> nft_elements() const;

  private:
    int serial_;
};

// Kernel state.
std::optional<rt::netlink::LinkInfo> link_in(const std::string& netns_path,
                                             const std::string& name);
std::vector<rt::netlink::AddrInfo> addrs_in(const std::string& netns_path, const std::string& name);
bool has_addr(const std::string& netns_path, const std::string& ifname, const std::string& cidr);

// A parsed CNI result: helpers.
std::string json_str(const rt::cni::json::Value& v, const char* key);

}  // namespace cnit

namespace cnit {

// One attachment: ADD in the constructor, DEL (with prevResult) in the destructor unless
// the test deleted it. Tests REQUIRE ok() before using it.
class Attachment {
  public:
    Attachment(const TestNet& net, const Netns& ns, std::string config, std::string id,
               std::string ifname = "eth0", std::string args = "",
               std::string plugin = rt_bridge());
    ~Attachment();
    Attachment(const Attachment&) = delete;
    Attachment& operator=(const Attachment&) = delete;

    bool ok() const { return add_.status == 0; }
    const Exec& add() const { return add_; }
    Exec del();
    Exec check();
    std::string host_veth() const;     // interfaces[1].name
    std::string mac() const;           // the container interface's MAC
    std::string ip(int family) const;  // first address of a family, without prefix
    std::string with_prev() const;     // config + prevResult (the ADD's result)
    const std::string& netns() const { return netns_; }
    const std::string& ifname() const { return ifname_; }

  private:
    Invocation base(const std::string& cmd) const;
    std::string config_, id_, ifname_, args_, plugin_, netns_;
    Exec add_;
    bool deleted_ = false;
};

}  // namespace cnit
