#include "checks.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

namespace conformance {
namespace {

using Value = rapidjson::Value;

std::set<std::string> string_set(const Value* v) {
    std::set<std::string> out;
    if (v && v->IsArray()) {
        for (const auto& s : v->GetArray()) out.insert(s.GetString());
    }
    return out;
}

std::string list(const std::set<std::string>& s) {
    std::string out = "[";
    for (const auto& x : s) out += (out.size() > 1 ? "," : "") + x;
    return out + "]";
}

uint64_t host_ns(const std::string& kind) {
    struct stat st {};
    // The runtime inherits the test's namespaces: "not listed" means "the same as ours".
    if (::stat(("/proc/self/ns/" + kind).c_str(), &st) != 0) return 0;
    return st.st_ino;
}

}  // namespace

std::string join(const Problems& problems) {
    std::string out;
    for (const auto& p : problems) out += (out.empty() ? "" : "; ") + p;
    return out;
}

Problems check_process(const Config& c, const ProbeReport& r) {
    Problems p;
    if (const Value* args = c.get("/process/args")) {
        std::vector<std::string> want;
        for (const auto& a : args->GetArray()) want.push_back(a.GetString());
        if (want != r.args) p.push_back("/process/args: the process runs other arguments");
    }
    if (const Value* env = c.get("/process/env")) {
        for (const auto& e : env->GetArray()) {
            std::string entry = e.GetString();
            if (std::find(r.env.begin(), r.env.end(), entry) == r.env.end())
                p.push_back("/process/env: " + entry + " missing in the process");
        }
    }
    if (const Value* cwd = c.get("/process/cwd")) {
        if (r.cwd != cwd->GetString())
            p.push_back("/process/cwd: want " + std::string(cwd->GetString()) + ", got " + r.cwd);
    }
    if (const Value* uid = c.get("/process/user/uid")) {
        if (r.uid.real != uid->GetUint() || r.uid.effective != uid->GetUint())
            p.push_back("/process/user/uid: want " + std::to_string(uid->GetUint()) + ", got " +
                        std::to_string(r.uid.effective));
    }
    if (const Value* gid = c.get("/process/user/gid")) {
        if (r.gid.real != gid->GetUint() || r.gid.effective != gid->GetUint())
            p.push_back("/process/user/gid: want " + std::to_string(gid->GetUint()) + ", got " +
                        std::to_string(r.gid.effective));
    }
    if (const Value* groups = c.get("/process/user/additionalGids")) {
        for (const auto& g : groups->GetArray()) {
            if (std::find(r.groups.begin(), r.groups.end(), g.GetUint()) == r.groups.end())
                p.push_back("/process/user/additionalGids: " + std::to_string(g.GetUint()) +
                            " missing");
        }
    }
    if (const Value* umask = c.get("/process/user/umask")) {
        if (r.umask != umask->GetUint())
            p.push_back("/process/user/umask: want " + std::to_string(umask->GetUint()) + ", got " +
                        std::to_string(r.umask));
    }
    if (const Value* nnp = c.get("/process/noNewPrivileges")) {
        if (r.no_new_privs != nnp->GetBool())
            p.push_back(std::string("/process/noNewPrivileges: want ") +
                        (nnp->GetBool() ? "set" : "unset"));
    }
    if (const Value* oom = c.get("/process/oomScoreAdj")) {
        if (r.oom_score_adj != oom->GetInt())
            p.push_back("/process/oomScoreAdj: want " + std::to_string(oom->GetInt()) + ", got " +
                        std::to_string(r.oom_score_adj));
    }
    for (auto& more : {check_capabilities(c, r), check_rlimits(c, r), check_uts(c, r)})
        p.insert(p.end(), more.begin(), more.end());
    return p;
}

// What the kernel leaves of the configured sets after execve of a binary without file
// capabilities (capabilities(7), security/commoncap.c): ambient needs permitted and
// inheritable; a non-root process gets permitted = effective = ambient; root gets
// permitted = (inheritable | bounding), capped by the old permitted set under no_new_privs,
// plus ambient, and effective = permitted.
Problems check_capabilities(const Config& c, const ProbeReport& r) {
    Problems p;
    if (!c.get("/process/capabilities")) return p;
    auto set_of = [&](const char* name) {
        return string_set(c.get(std::string("/process/capabilities/") + name));
    };
    auto both = [](const std::set<std::string>& a, const std::set<std::string>& b) {
        std::set<std::string> out;
        std::set_intersection(a.begin(), a.end(), b.begin(), b.end(),
                              std::inserter(out, out.end()));
        return out;
    };
    std::set<std::string> bounding = set_of("bounding"), permitted = set_of("permitted"),
                          inheritable = set_of("inheritable");
    std::set<std::string> ambient = both(both(set_of("ambient"), permitted), inheritable);
    const Value* uid = c.get("/process/user/uid");
    const Value* nnp = c.get("/process/noNewPrivileges");
    std::map<std::string, std::set<std::string>> want;
    want["bounding"] = bounding;
    want["inheritable"] = inheritable;
    if (!uid || uid->GetUint() == 0) {
        std::set<std::string> gained = bounding;
        gained.insert(inheritable.begin(), inheritable.end());
        want["permitted"] = nnp && nnp->GetBool() ? both(gained, permitted) : gained;
        want["permitted"].insert(ambient.begin(), ambient.end());
        want["effective"] = want["permitted"];
        want["ambient"] = ambient;
    } else {
        want["permitted"] = ambient;
        want["effective"] = ambient;
        want["ambient"] = ambient;
    }
    for (const auto& [set, expected] : want) {
        const auto& got = r.capabilities.at(set);
        if (expected != got)
            p.push_back("/process/capabilities/" + set + ": want " + list(expected) + ", got " +
                        list(got));
    }
    return p;
}

Problems check_rlimits(const Config& c, const ProbeReport& r) {
    Problems p;
    const Value* limits = c.get("/process/rlimits");
    if (!limits) return p;
    for (const auto& l : limits->GetArray()) {
        std::string type = l["type"].GetString();
        auto it = r.rlimits.find(type);
        if (it == r.rlimits.end()) {
            p.push_back("/process/rlimits: " + type + " not reported");
            continue;
        }
        if (it->second.soft != l["soft"].GetUint64() || it->second.hard != l["hard"].GetUint64())
            p.push_back("/process/rlimits: " + type + " want " +
                        std::to_string(l["soft"].GetUint64()) + "/" +
                        std::to_string(l["hard"].GetUint64()) + ", got " +
                        std::to_string(it->second.soft) + "/" + std::to_string(it->second.hard));
    }
    return p;
}

Problems check_uts(const Config& c, const ProbeReport& r) {
    Problems p;
    if (const Value* h = c.get("/hostname")) {
        if (r.hostname != h->GetString())
            p.push_back("/hostname: want " + std::string(h->GetString()) + ", got " + r.hostname);
    }
    if (const Value* d = c.get("/domainname")) {
        if (r.domainname != d->GetString())
            p.push_back("/domainname: want " + std::string(d->GetString()) + ", got " +
                        r.domainname);
    }
    return p;
}

Problems check_namespaces(const Config& c, const ProbeReport& r) {
    Problems p;
    static const std::map<std::string, std::string> kFile = {
        {"pid", "pid"},   {"network", "net"}, {"ipc", "ipc"},       {"uts", "uts"},
        {"mount", "mnt"}, {"user", "user"},   {"cgroup", "cgroup"}, {"time", "time"}};
    std::map<std::string, std::string> listed;  // type -> path ("" for new)
    if (const Value* nss = c.get("/linux/namespaces")) {
        for (const auto& ns : nss->GetArray()) {
            listed[ns["type"].GetString()] = ns.HasMember("path") ? ns["path"].GetString() : "";
        }
    }
    for (const auto& [type, file] : kFile) {
        auto got = r.namespaces.find(file);
        if (got == r.namespaces.end()) continue;  // kernel without it
        uint64_t host = host_ns(file);
        auto it = listed.find(type);
        if (it == listed.end()) {
            if (got->second != host)
                p.push_back("/linux/namespaces: " + type +
                            " not listed but differs from the host's");
        } else if (it->second.empty()) {
            if (got->second == host)
                p.push_back("/linux/namespaces: " + type + " listed but is the host's");
        } else {
            struct stat st {};
            ::stat(it->second.c_str(), &st);
            if (got->second != st.st_ino)
                p.push_back("/linux/namespaces: " + type + " is not the one at " + it->second);
        }
    }
    return p;
}

Problems check_mounts(const Config& c, const ProbeReport& r) {
    Problems p;
    static const std::set<std::string> kFlagOptions = {"ro",     "nosuid",  "nodev",
                                                       "noexec", "noatime", "nodiratime"};
    const Value* mounts = c.get("/mounts");
    if (!mounts) return p;
    for (const auto& m : mounts->GetArray()) {
        std::string dest = m["destination"].GetString();
        const ProbeMount* got = r.mount_at(dest);
        if (!got) {
            p.push_back("/mounts: " + dest + " is not a mount point in the container");
            continue;
        }
        std::string type = m.HasMember("type") ? m["type"].GetString() : "";
        if (!type.empty() && type != "bind" && got->fstype != type &&
            !(type == "cgroup" && got->fstype == "tmpfs"))
            p.push_back("/mounts: " + dest + " type want " + type + ", got " + got->fstype);
        for (const auto& o : string_set(m.HasMember("options") ? &m["options"] : nullptr)) {
            if (kFlagOptions.count(o) && !got->has_option(o))
                p.push_back("/mounts: " + dest + " lacks option " + o);
        }
    }
    return p;
}

Problems check_devices(const Config& c, const ProbeReport& r) {
    Problems p;
    const Value* devices = c.get("/linux/devices");
    if (!devices) return p;
    for (const auto& d : devices->GetArray()) {
        std::string path = d["path"].GetString();
        const ProbeDevice* got = r.device(path);
        if (!got) {
            p.push_back("/linux/devices: " + path + " missing");
            continue;
        }
        std::string type = d["type"].GetString();
        if (got->type != (type == "u" ? "c" : type))
            p.push_back("/linux/devices: " + path + " type want " + type + ", got " + got->type);
        if (d.HasMember("major") && got->major != d["major"].GetUint())
            p.push_back("/linux/devices: " + path + " major differs");
        if (d.HasMember("minor") && got->minor != d["minor"].GetUint())
            p.push_back("/linux/devices: " + path + " minor differs");
        if (d.HasMember("fileMode") && got->mode != (d["fileMode"].GetUint() & 07777))
            p.push_back("/linux/devices: " + path + " fileMode want " +
                        std::to_string(d["fileMode"].GetUint()) + ", got " +
                        std::to_string(got->mode));
        if (d.HasMember("uid") && got->uid != d["uid"].GetUint())
            p.push_back("/linux/devices: " + path + " uid differs");
        if (d.HasMember("gid") && got->gid != d["gid"].GetUint())
            p.push_back("/linux/devices: " + path + " gid differs");
    }
    return p;
}

}  // namespace conformance
