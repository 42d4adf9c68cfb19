#include "bridge/config.hpp"

#include <algorithm>

#include "cni/error.hpp"

namespace rt::bridge {

using cni::CniError;
using cni::kInvalidConfig;
namespace json = cni::json;

namespace {

cni::Mac parse_mac(std::string_view text, const std::string& where, int code) {
    auto m = cni::Mac::parse(text);
    if (!m) throw CniError(code, where + ": invalid MAC address \"" + std::string(text) + "\"");
    if (m->is_multicast() || m->is_zero())
        throw CniError(code, where + ": " + std::string(text) + " is not a unicast MAC address");
    return *m;
}

std::vector<int> parse_trunk(const json::Value& arr) {
    std::vector<int> vids;
    for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
        std::string p = json::path_index("vlanTrunk", i);
        const auto& e = arr[i];
        if (!e.IsObject()) throw CniError(kInvalidConfig, p + ": must be an object");
        auto id = json::get_int(e, "id", p, 1, 4094);
        auto min = json::get_int(e, "minID", p, 1, 4094);
        auto max = json::get_int(e, "maxID", p, 1, 4094);
        if (min.has_value() != max.has_value())
            throw CniError(kInvalidConfig, p + ": minID and maxID must be given together");
        if (min) {
            if (*min > *max) throw CniError(kInvalidConfig, p + ": minID is greater than maxID");
            for (auto v = *min; v <= *max; ++v) vids.push_back(static_cast<int>(v));
        }
        if (id) vids.push_back(static_cast<int>(*id));
        if (!id && !min) throw CniError(kInvalidConfig, p + ": needs id or minID/maxID");
    }
    std::sort(vids.begin(), vids.end());
    vids.erase(std::unique(vids.begin(), vids.end()), vids.end());
    return vids;
}

}  // namespace

NetConf NetConf::parse(const cni::Request& r, bool check_args) {
    const json::Value& c = r.config;
    NetConf n;
    n.name = r.name;
    n.bridge = json::get_string_or(c, "bridge", "", kDefaultBridge);
    if (n.bridge.empty()) n.bridge = kDefaultBridge;
    if (!cni::valid_ifname(n.bridge))
        throw CniError(kInvalidConfig,
                       "bridge: \"" + n.bridge + "\" is not a valid interface name");
    n.is_default_gateway = json::get_bool(c, "isDefaultGateway", "", false);
    n.is_gateway = json::get_bool(c, "isGateway", "", false) || n.is_default_gateway;
    n.force_address = json::get_bool(c, "forceAddress", "", false);
    n.ip_masq = json::get_bool(c, "ipMasq", "", false);
    // The reference picks iptables or nftables; rt-bridge always programs nftables over
    // netlink (docs/cni.md). "iptables" is accepted so that a conflist written for the
    // reference works unchanged: the masquerade it asks for is the same (Debian's iptables
    // is itself iptables-nft), only the tables holding it differ.
    std::string backend = json::get_string_or(c, "ipMasqBackend", "", "nftables");
    if (backend != "nftables" && backend != "iptables")
        throw CniError(kInvalidConfig,
                       "ipMasqBackend: \"" + backend + "\" must be \"nftables\" or \"iptables\"");
    n.mtu = static_cast<int>(json::get_int(c, "mtu", "", 0, 65535).value_or(0));
    if (n.mtu != 0 && n.mtu < 68) throw CniError(kInvalidConfig, "mtu: must be at least 68");
    n.hairpin = json::get_bool(c, "hairpinMode", "", false);
    n.promisc = json::get_bool(c, "promiscMode", "", false);
    if (n.hairpin && n.promisc)
        throw CniError(kInvalidConfig, "hairpinMode and promiscMode cannot both be set");
    n.vlan = static_cast<int>(json::get_int(c, "vlan", "", 0, 4094).value_or(0));
    if (const json::Value* t = json::get_array(c, "vlanTrunk", "")) n.vlan_trunk = parse_trunk(*t);
    n.preserve_default_vlan = json::get_bool(c, "preserveDefaultVlan", "", true);
    n.macspoofchk = json::get_bool(c, "macspoofchk", "", false);
    n.enable_dad = json::get_bool(c, "enabledad", "", false);
    n.disable_container_interface = json::get_bool(c, "disableContainerInterface", "", false);
    n.port_isolation = json::get_bool(c, "portIsolation", "", false);

    if (const json::Value* ipam = json::get_object(c, "ipam", ""))
        n.ipam_type = json::get_string_or(*ipam, "type", "ipam", "");
    if (n.disable_container_interface && n.layer3())
        throw CniError(kInvalidConfig,
                       "disableContainerInterface: cannot be used with IPAM (ipam.type \"" +
                           n.ipam_type + "\")");

    if (const json::Value* dns = json::get_object(c, "dns", "")) {
        cni::Dns d = cni::parse_dns(*dns, "dns");
        if (!d.empty()) n.dns = d;
    }

    // The caller's CNI_ARGS reach every plugin in a chain: IP= is for the IPAM plugin.
    if (check_args)
        r.args.check_known({"MAC", "IP", "K8S_POD_NAMESPACE", "K8S_POD_NAME",
                            "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"});
    if (auto mac = r.args.get("MAC"); mac && !mac->empty())
        n.mac = parse_mac(*mac, "CNI_ARGS MAC", cni::kInvalidEnvironment);
    if (const json::Value* args = json::get_object(c, "args", ""))
        if (const json::Value* cni = json::get_object(*args, "cni", "args"))
            if (auto mac = json::get_string(*cni, "mac", "args.cni"); mac && !mac->empty())
                n.mac = parse_mac(*mac, "args.cni.mac", kInvalidConfig);
    if (const json::Value* rc = json::get_object(c, "runtimeConfig", ""))
        if (auto mac = json::get_string(*rc, "mac", "runtimeConfig"); mac && !mac->empty())
            n.mac = parse_mac(*mac, "runtimeConfig.mac", kInvalidConfig);
    return n;
}

}  // namespace rt::bridge
