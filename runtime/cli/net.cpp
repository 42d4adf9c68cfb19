// rt's own networks on the command line: create/run's --net, --cni-conf-dir, --cni-bin-dir,
// and `rt info`.
//
// rt info ID [--format text|json]: what LXC's lxc-info showed, and more: status, pid,
// bundle, and for each network the container interface and MAC, the host-side veth, the
// bridge, addresses with their gateways, routes and DNS servers (from the CNI results kept
// in the container's state dir).
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "core/container.hpp"
#include "net/attach.hpp"
#include "net/summary.hpp"
#include "rt/oci/state.hpp"

namespace rt::cli {
namespace {

struct Info {
    oci::State state;
    core::ContainerRecord record;
    std::vector<net::NetworkSummary> networks;
};

Info gather(const std::string& root, const std::string& id) {
    core::Runtime runtime(root);
    Info info;
    info.state = runtime.state(id);
    info.record = runtime.store().open(id).read_record();
    for (const auto& a : net::read_attachments(runtime.store().dir_of(id)).networks)
        info.networks.push_back(net::summarize(a));
    return info;
}

bool has_pid(const Info& i) {
    return i.state.pid && *i.state.pid > 0 && i.state.status != oci::Status::Stopped;
}

void print_text(const Info& i) {
    auto line = [](const char* key, const std::string& value) {
        if (!value.empty()) std::printf("%-12s %s\n", key, value.c_str());
    };
    line("ID:", i.state.id);
    line("Status:", oci::to_string(i.state.status));
    line("PID:", has_pid(i) ? std::to_string(*i.state.pid) : "-");
    line("Bundle:", i.state.bundle);
    line("Rootfs:", i.record.rootfs);
    line("Created:", i.record.created);
    for (const auto& n : i.networks) {
        std::printf("Network:     %s\n", n.name.c_str());
        line("  Interface:", n.ifname + (n.mac.empty() ? "" : " (" + n.mac + ")"));
        line("  Host veth:", n.host_ifname);
        line("  Bridge:", n.bridge);
        for (const auto& a : n.addresses) {
            bool v6 = a.address.find(':') != std::string::npos;
            line(v6 ? "  IPv6:" : "  IPv4:",
                 a.address + (a.gateway.empty() ? "" : " gateway " + a.gateway));
        }
        for (const auto& r : n.routes)
            line("  Route:", r.dst + (r.gw.empty() ? "" : " via " + r.gw));
        for (const auto& d : n.dns_servers) line("  DNS:", d);
    }
}

void print_json(const Info& i) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    auto str = [&w](const char* key, const std::string& value) {
        w.Key(key);
        w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    };
    w.StartObject();
    str("id", i.state.id);
    str("status", oci::to_string(i.state.status));
    w.Key("pid");
    w.Int(has_pid(i) ? *i.state.pid : 0);
    str("bundle", i.state.bundle);
    str("rootfs", i.record.rootfs);
    str("created", i.record.created);
    str("owner", i.record.owner);
    w.Key("networks");
    w.StartArray();
    for (const auto& n : i.networks) {
        w.StartObject();
        str("name", n.name);
        str("interface", n.ifname);
        str("mac", n.mac);
        str("hostInterface", n.host_ifname);
        str("bridge", n.bridge);
        w.Key("addresses");
        w.StartArray();
        for (const auto& a : n.addresses) {
            w.StartObject();
            str("address", a.address);
            if (!a.gateway.empty()) str("gateway", a.gateway);
            w.EndObject();
        }
        w.EndArray();
        w.Key("routes");
        w.StartArray();
        for (const auto& r : n.routes) {
            w.StartObject();
            str("dst", r.dst);
            if (!r.gw.empty()) str("gw", r.gw);
            w.EndObject();
        }
        w.EndArray();
        w.Key("dns");
        w.StartArray();
        for (const auto& d : n.dns_servers) w.String(d.c_str());
        w.EndArray();
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::printf("%s\n", buffer.GetString());
}

}  // namespace

void add_network_flags(CLI::App* cmd, core::CreateOptions& o) {
    cmd->add_option("--net", o.networks,
                    "join CNI network NAME[:ip=ADDR,ip=ADDR,mac=MAC,ifname=IF] (repeatable)");
    cmd->add_option("--cni-conf-dir", o.cni.conf_dir, "where network configs are")
        ->capture_default_str();
    // A ':'-separated list, as CNI_PATH; Debian's reference plugins stay the last resort.
    cmd->add_option_function<std::string>(
        "--cni-bin-dir",
        [&o](const std::string& value) {
            std::vector<std::string> dirs;
            size_t pos = 0;
            while (pos <= value.size()) {
                size_t end = value.find(':', pos);
                if (end == std::string::npos) end = value.size();
                if (end > pos) dirs.push_back(value.substr(pos, end - pos));
                pos = end + 1;
            }
            if (dirs.empty()) throw CLI::ValidationError("--cni-bin-dir", "expected DIR[:DIR...]");
            if (std::find(dirs.begin(), dirs.end(), "/usr/lib/cni") == dirs.end())
                dirs.push_back("/usr/lib/cni");
            o.cni.bin_dirs = std::move(dirs);
        },
        "where CNI plugins are: DIR[:DIR...], searched in order, then /usr/lib/cni "
        "(default /opt/cni/bin)");
}

void register_info(CLI::App& app, const GlobalOptions& global, Action& action) {
    auto id = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>("text");
    auto* cmd = app.add_subcommand(
        "info", "show a container: status, pid, bundle, and its networks (as lxc-info)");
    cmd->add_option("id", *id, "container id")->required();
    cmd->add_option("-f,--format", *format, "text or json")->check(CLI::IsMember({"text", "json"}));
    cmd->callback([&action, &global, id, format] {
        action = [&global, id, format] {
            Info info = gather(global.root, *id);
            if (*format == "json")
                print_json(info);
            else
                print_text(info);
            return 0;
        };
    });
}

}  // namespace rt::cli
