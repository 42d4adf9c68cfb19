#include "ipam/host_local.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "cni/error.hpp"
#include "ipam/allocator.hpp"
#include "ipam/config.hpp"
#include "ipam/store.hpp"
#include "rt/error.hpp"

namespace rt::ipam {

using cni::CniError;
using cni::Request;
using cni::Result;
namespace json = cni::json;

cni::Dns parse_resolv_conf(std::string_view text) {
    cni::Dns d;
    auto words = [](std::string_view line) {
        std::vector<std::string> w;
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
            std::size_t j = i;
            while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
            if (j > i) w.emplace_back(line.substr(i, j - i));
            i = j;
        }
        return w;
    };
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        auto w = words(line);
        if (w.empty() || w[0][0] == '#' || w[0][0] == ';') continue;
        if (w[0] == "nameserver" && w.size() > 1)
            d.nameservers.push_back(w[1]);
        else if (w[0] == "domain" && w.size() > 1)
            d.domain = w[1];
        else if (w[0] == "search")
            d.search.assign(w.begin() + 1, w.end());
        else if (w[0] == "options")
            d.options.insert(d.options.end(), w.begin() + 1, w.end());
    }
    return d;
}

namespace {

cni::Dns read_resolv_conf(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("ipam.resolvConf: open " + path, errno, ErrorKind::InvalidArgument);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    int err = errno;
    ::close(fd);
    if (n < 0) throw Error("ipam.resolvConf: read " + path, err);
    return parse_resolv_conf(text);
}

// The caller's CNI_ARGS go to every plugin in a chain: MAC= is rt-bridge's.
void check_args(const Request& r) {
    r.args.check_known({"IP", "MAC", "K8S_POD_NAMESPACE", "K8S_POD_NAME",
                        "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"});
}

// Addresses of prevResult that lie in our ranges (a hint for DEL and CHECK).
std::vector<cni::IpAddr> prev_addresses(const Request& r, const IpamConfig& cfg) {
    std::vector<cni::IpAddr> out;
    if (!r.prev_result) return out;
    for (const auto& ip : r.prev_result->ips)
        for (const auto& set : cfg.ranges)
            if (set.contains(ip.address.addr)) out.push_back(ip.address.addr);
    return out;
}

Result add(Request& r) {
    check_args(r);
    IpamConfig cfg = IpamConfig::parse(r);
    Result res;
    if (!cfg.resolv_conf.empty()) res.dns = read_resolv_conf(cfg.resolv_conf);
    Store store(cfg.data_dir, cfg.name);
    auto held = store.find_indexed(r.container_id, r.ifname);
    if (!held.empty())
        throw CniError(kAddressInUse, held.front().str() + " is already allocated to container " +
                                          r.container_id + " (" + r.ifname +
                                          "): a second ADD needs a DEL first");
    res.ips = allocate(store, cfg, r.container_id, r.ifname);
    std::vector<cni::IpAddr> ips;
    for (const auto& c : res.ips) ips.push_back(c.address.addr);
    try {
        store.write_index(r.container_id, r.ifname, ips);
    } catch (...) {
        for (const auto& ip : ips) store.release(ip);
        throw;
    }
    res.routes = cfg.routes;
    return res;
}

void del(Request& r) {
    IpamConfig cfg = IpamConfig::parse(r);
    // Without the network's directory nothing is reserved: nothing to release (and none
    // to create, on a read-only dataDir say).
    auto existing = Store::open_existing(cfg.data_dir, cfg.name);
    if (!existing) return;
    Store& store = *existing;
    std::vector<cni::IpAddr> ips;
    for (const auto& ip : prev_addresses(r, cfg))
        if (store.owned_by(ip, r.container_id, r.ifname)) ips.push_back(ip);
    if (ips.empty()) ips = store.find(r.container_id, r.ifname);
    for (const auto& ip : ips) store.release(ip);
    store.remove_index(r.container_id, r.ifname);
}

void check(Request& r) {
    IpamConfig cfg = IpamConfig::parse(r);
    Store store(cfg.data_dir, cfg.name);
    auto held = store.find(r.container_id, r.ifname);
    if (held.empty())
        throw CniError(cni::kInternal, "no address is allocated to container " + r.container_id +
                                           " (" + r.ifname + ") in network " + cfg.name);
    for (const auto& ip : prev_addresses(r, cfg))
        if (!store.owned_by(ip, r.container_id, r.ifname))
            throw CniError(cni::kInternal, "prevResult address " + ip.str() +
                                               " is not allocated to container " + r.container_id +
                                               " (" + r.ifname + ")");
}

void status(Request& r) {
    IpamConfig cfg = IpamConfig::parse(r);
    Store store(cfg.data_dir, cfg.name);
    auto all = store.scan();
    for (const auto& set : cfg.ranges) {
        unsigned long long used = 0;
        for (const auto& a : all)
            if (set.contains(a.ip)) ++used;
        if (used >= set.capacity())
            throw CniError(cni::kNotAvailable, "no IP addresses available in range set " +
                                                   set.str() + " of network " + cfg.name + " (" +
                                                   std::to_string(used) + " allocated)");
    }
}

void gc(Request& r) {
    IpamConfig cfg = IpamConfig::parse(r);
    std::set<std::pair<std::string, std::string>> valid;
    std::set<std::string> valid_ids;
    const json::Value* va = json::get_array(r.config, "cni.dev/valid-attachments", "");
    if (va) {
        for (rapidjson::SizeType i = 0; i < va->Size(); ++i) {
            std::string p = json::path_index("cni.dev/valid-attachments", i);
            const auto& e = (*va)[i];
            if (!e.IsObject()) throw CniError(cni::kInvalidConfig, p + ": must be an object");
            auto id = json::get_string_or(e, "containerID", p, "");
            auto ifname = json::get_string_or(e, "ifname", p, "");
            valid.emplace(id, ifname);
            valid_ids.insert(id);
        }
    }
    Store store(cfg.data_dir, cfg.name);
    for (const auto& a : store.scan()) {
        bool keep =
            a.ifname.empty() ? valid_ids.count(a.id) > 0 : valid.count({a.id, a.ifname}) > 0;
        if (!keep) store.release(a.ip);
    }
    for (const auto& [id, ifname] : store.indexed())
        if (!valid.count({id, ifname})) store.remove_index(id, ifname);
}

}  // namespace

cni::Plugin host_local_plugin() {
    cni::Plugin p;
    p.name = "rt-host-local";
    p.add = add;
    p.del = del;
    p.check = check;
    p.status = status;
    p.gc = gc;
    return p;
}

}  // namespace rt::ipam
