#include "probe_report.hpp"

#include <rapidjson/document.h>

#include "rt/error.hpp"

namespace conformance {
namespace {

using Value = rapidjson::Value;

[[noreturn]] void bad(const std::string& path, const char* what) {
    throw rt::Error("probe report: " + path + ": " + what, rt::ErrorKind::InvalidArgument);
}

const Value& member(const Value& obj, const char* key, const std::string& path) {
    if (!obj.IsObject()) bad(path, "must be an object");
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd()) bad(path + "/" + key, "missing");
    return it->value;
}

std::string str(const Value& obj, const char* key, const std::string& path) {
    const Value& v = member(obj, key, path);
    if (!v.IsString()) bad(path + "/" + key, "must be a string");
    return {v.GetString(), v.GetStringLength()};
}

int64_t num(const Value& obj, const char* key, const std::string& path) {
    const Value& v = member(obj, key, path);
    if (!v.IsInt64()) bad(path + "/" + key, "must be an integer");
    return v.GetInt64();
}

uint64_t unum(const Value& obj, const char* key, const std::string& path) {
    const Value& v = member(obj, key, path);
    if (!v.IsUint64()) bad(path + "/" + key, "must be an unsigned integer");
    return v.GetUint64();
}

bool boolean(const Value& obj, const char* key, const std::string& path) {
    const Value& v = member(obj, key, path);
    if (!v.IsBool()) bad(path + "/" + key, "must be a boolean");
    return v.GetBool();
}

const Value& array(const Value& obj, const char* key, const std::string& path) {
    const Value& v = member(obj, key, path);
    if (!v.IsArray()) bad(path + "/" + key, "must be an array");
    return v;
}

std::vector<std::string> strings(const Value& obj, const char* key, const std::string& path) {
    std::vector<std::string> out;
    for (const auto& item : array(obj, key, path).GetArray()) {
        if (!item.IsString()) bad(path + "/" + key, "must hold strings");
        out.emplace_back(item.GetString(), item.GetStringLength());
    }
    return out;
}

rapidjson::Document parse(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        std::string head(json.substr(0, 200));
        throw rt::Error("probe output is not a JSON object: '" + head + "'",
                        rt::ErrorKind::InvalidArgument);
    }
    return doc;
}

Ids ids(const Value& obj, const char* key) {
    const Value& v = member(obj, key, "");
    std::string path = std::string("/") + key;
    return {unum(v, "real", path), unum(v, "effective", path), unum(v, "saved", path),
            unum(v, "fs", path)};
}

}  // namespace

bool ProbeMount::has_option(std::string_view opt) const {
    for (const auto& o : options) {
        if (o == opt) return true;
    }
    for (const auto& o : super_options) {
        if (o == opt) return true;
    }
    return false;
}

std::string ProbeMount::propagation() const {
    bool shared = false, slave = false, unbindable = false;
    for (const auto& o : optional) {
        shared |= o.rfind("shared:", 0) == 0;
        slave |= o.rfind("master:", 0) == 0;
        unbindable |= o == "unbindable";
    }
    if (unbindable) return "unbindable";
    if (shared && slave) return "shared+slave";
    if (shared) return "shared";
    if (slave) return "slave";
    return "private";
}

const ProbeMount* ProbeReport::mount_at(std::string_view path) const {
    const ProbeMount* found = nullptr;
    for (const auto& m : mounts) {
        if (m.mountpoint == path) found = &m;
    }
    return found;
}

const ProbeDevice* ProbeReport::device(std::string_view path) const {
    for (const auto& d : devices) {
        if (d.path == path) return &d;
    }
    return nullptr;
}

std::optional<std::string> ProbeReport::env_value(std::string_view name) const {
    for (const auto& e : env) {
        if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=')
            return e.substr(name.size() + 1);
    }
    return std::nullopt;
}

std::optional<std::string> ProbeReport::cgroup_path(std::string_view controller) const {
    for (const auto& c : cgroups) {
        if (controller.empty()) {
            if (c.hierarchy == 0) return c.path;
            continue;
        }
        std::string_view list = c.controllers;
        while (!list.empty()) {
            size_t comma = list.find(',');
            if (list.substr(0, comma) == controller) return c.path;
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    return std::nullopt;
}

ProbeReport parse_probe_report(std::string_view json) {
    auto doc = parse(json);
    ProbeReport r;
    r.pid = static_cast<int>(num(doc, "pid", ""));
    r.ppid = static_cast<int>(num(doc, "ppid", ""));
    r.pgid = static_cast<int>(num(doc, "pgid", ""));
    r.sid = static_cast<int>(num(doc, "sid", ""));
    for (const auto& ns : member(doc, "namespaces", "").GetObject()) {
        if (!ns.value.IsUint64()) bad("/namespaces", "must hold inode numbers");
        r.namespaces[ns.name.GetString()] = ns.value.GetUint64();
    }
    r.uid = ids(doc, "uid");
    r.gid = ids(doc, "gid");
    for (const auto& g : array(doc, "groups", "").GetArray()) {
        if (!g.IsUint()) bad("/groups", "must hold gids");
        r.groups.push_back(g.GetUint());
    }
    r.umask = static_cast<unsigned>(unum(doc, "umask", ""));
    const Value& caps = member(doc, "capabilities", "");
    for (const char* set : {"inheritable", "permitted", "effective", "bounding", "ambient"}) {
        auto names = strings(caps, set, "/capabilities");
        r.capabilities[set] = {names.begin(), names.end()};
    }
    r.no_new_privs = boolean(doc, "no_new_privs", "");
    r.seccomp = static_cast<int>(num(doc, "seccomp", ""));
    r.seccomp_filters = static_cast<int>(num(doc, "seccomp_filters", ""));
    for (const auto& rl : member(doc, "rlimits", "").GetObject()) {
        std::string path = std::string("/rlimits/") + rl.name.GetString();
        r.rlimits[rl.name.GetString()] = {unum(rl.value, "soft", path),
                                          unum(rl.value, "hard", path)};
    }
    r.cwd = str(doc, "cwd", "");
    r.env = strings(doc, "env", "");
    r.args = strings(doc, "args", "");
    r.hostname = str(doc, "hostname", "");
    r.domainname = str(doc, "domainname", "");
    r.cpus_allowed = str(doc, "cpus_allowed", "");
    size_t i = 0;
    for (const auto& m : array(doc, "mounts", "").GetArray()) {
        std::string path = "/mounts/" + std::to_string(i++);
        ProbeMount pm;
        pm.id = static_cast<int>(num(m, "id", path));
        pm.parent = static_cast<int>(num(m, "parent", path));
        pm.major = static_cast<int>(num(m, "major", path));
        pm.minor = static_cast<int>(num(m, "minor", path));
        pm.root = str(m, "root", path);
        pm.mountpoint = str(m, "mountpoint", path);
        pm.fstype = str(m, "fstype", path);
        pm.source = str(m, "source", path);
        pm.options = strings(m, "options", path);
        pm.optional = strings(m, "optional", path);
        pm.super_options = strings(m, "super_options", path);
        r.mounts.push_back(std::move(pm));
    }
    i = 0;
    for (const auto& f : array(doc, "fds", "").GetArray()) {
        std::string path = "/fds/" + std::to_string(i++);
        r.fds.push_back({static_cast<int>(num(f, "fd", path)), str(f, "target", path),
                         boolean(f, "cloexec", path)});
    }
    i = 0;
    for (const auto& c : array(doc, "cgroup", "").GetArray()) {
        std::string path = "/cgroup/" + std::to_string(i++);
        r.cgroups.push_back({static_cast<int>(num(c, "hierarchy", path)),
                             str(c, "controllers", path), str(c, "path", path)});
    }
    i = 0;
    for (const auto& d : array(doc, "devices", "").GetArray()) {
        std::string path = "/devices/" + std::to_string(i++);
        ProbeDevice pd;
        pd.path = str(d, "path", path);
        pd.type = str(d, "type", path);
        pd.major = static_cast<unsigned>(unum(d, "major", path));
        pd.minor = static_cast<unsigned>(unum(d, "minor", path));
        pd.mode = static_cast<unsigned>(unum(d, "mode", path));
        pd.uid = static_cast<unsigned>(unum(d, "uid", path));
        pd.gid = static_cast<unsigned>(unum(d, "gid", path));
        if (pd.type == "l") pd.target = str(d, "target", path);
        r.devices.push_back(std::move(pd));
    }
    for (const auto& s : member(doc, "sysctls", "").GetObject()) {
        if (s.value.IsNull()) {
            r.sysctls[s.name.GetString()] = std::nullopt;
        } else if (s.value.IsString()) {
            r.sysctls[s.name.GetString()] = s.value.GetString();
        } else {
            bad(std::string("/sysctls/") + s.name.GetString(), "must be a string or null");
        }
    }
    r.oom_score_adj = static_cast<int>(num(doc, "oom_score_adj", ""));
    r.personality = static_cast<int>(num(doc, "personality", ""));
    r.sched_policy = static_cast<int>(num(doc, "sched_policy", ""));
    r.sched_priority = static_cast<int>(num(doc, "sched_priority", ""));
    r.nice = static_cast<int>(num(doc, "nice", ""));
    r.ioprio = static_cast<int>(num(doc, "ioprio", ""));
    const Value& tty = array(doc, "isatty", "");
    if (tty.Size() != 3) bad("/isatty", "must have 3 entries");
    for (unsigned k = 0; k < 3; ++k) {
        if (!tty[k].IsBool()) bad("/isatty", "must hold booleans");
        r.isatty[k] = tty[k].GetBool();
    }
    return r;
}

const NetLink* NetReport::link(std::string_view name) const {
    for (const auto& l : links) {
        if (l.name == name) return &l;
    }
    return nullptr;
}

std::vector<std::string> NetReport::cidrs_of(std::string_view name) const {
    std::vector<std::string> out;
    const NetLink* l = link(name);
    if (!l) return out;
    for (const auto& a : addresses) {
        if (a.index == l->index) out.push_back(a.cidr);
    }
    return out;
}

NetReport parse_net_report(std::string_view json) {
    auto doc = parse(json);
    NetReport r;
    size_t i = 0;
    for (const auto& l : array(doc, "links", "").GetArray()) {
        std::string path = "/links/" + std::to_string(i++);
        NetLink nl;
        nl.index = static_cast<int>(num(l, "index", path));
        nl.name = str(l, "name", path);
        nl.up = boolean(l, "up", path);
        nl.promisc = boolean(l, "promisc", path);
        if (l.HasMember("mtu")) nl.mtu = static_cast<unsigned>(unum(l, "mtu", path));
        if (l.HasMember("mac")) nl.mac = str(l, "mac", path);
        if (l.HasMember("kind")) nl.kind = str(l, "kind", path);
        if (l.HasMember("master")) nl.master = static_cast<int>(num(l, "master", path));
        r.links.push_back(std::move(nl));
    }
    i = 0;
    for (const auto& a : array(doc, "addresses", "").GetArray()) {
        std::string path = "/addresses/" + std::to_string(i++);
        r.addresses.push_back({static_cast<int>(num(a, "index", path)),
                               static_cast<int>(num(a, "family", path)),
                               static_cast<int>(num(a, "prefix", path)), str(a, "address", path),
                               str(a, "cidr", path)});
    }
    i = 0;
    for (const auto& rt : array(doc, "routes", "").GetArray()) {
        std::string path = "/routes/" + std::to_string(i++);
        r.routes.push_back({static_cast<int>(num(rt, "family", path)),
                            static_cast<int>(num(rt, "oif", path)), str(rt, "dst", path),
                            str(rt, "gateway", path)});
    }
    if (!boolean(doc, "ok", "")) bad("/ok", "the probe could not dump every table");
    return r;
}

ProbeAction parse_probe_action(std::string_view json) {
    auto doc = parse(json);
    ProbeAction a;
    a.err = static_cast<int>(num(doc, "errno", ""));
    a.error = str(doc, "error", "");
    if (doc.HasMember("data")) a.data = str(doc, "data", "");
    return a;
}

}  // namespace conformance
