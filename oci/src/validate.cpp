// Semantic checks of a parsed Spec (validate.hpp). Each rule cites where it comes from:
// the spec (config.md, config-linux.md, the schema's patterns and enums) or, where the spec
// is silent, runc's validator.
#include "rt/oci/validate.hpp"

#include <charconv>
#include <set>

#include "rt/error.hpp"
#include "rt/json_check.hpp"
#include "rt/oci/names.hpp"

namespace rt::oci {
namespace {

// ---------------------------------------------------------------- helpers

// RFC 6901 escaping of one pointer segment.
std::string seg(std::string_view key) {
    return json_check::pointer_token(key);
}

std::string at(const std::string& base, size_t index) {
    return base + "/" + std::to_string(index);
}
std::string at(const std::string& base, std::string_view key) {
    return base + "/" + seg(key);
}

std::string quoted(std::string_view text) {
    std::string out = "\"";
    out.append(text);
    out += '"';
    return out;
}

bool is_absolute(const std::string& path) {
    return !path.empty() && path[0] == '/';
}

bool has_char_outside(std::string_view text, std::string_view allowed) {
    return text.find_first_not_of(allowed) != std::string_view::npos;
}

struct Checker {
    std::vector<ValidationIssue> issues;

    void error(std::string pointer, std::string reason) {
        issues.push_back({std::move(pointer), std::move(reason), false});
    }
    void warn(std::string pointer, std::string reason) {
        issues.push_back({std::move(pointer), std::move(reason), true});
    }

    void absolute(const std::string& pointer, const std::string& path) {
        if (!is_absolute(path)) error(pointer, "must be an absolute path");
    }
    // value must be one of list; `what` names the kind ("namespace type").
    bool known(const std::string& pointer, const std::string& value, names::List list,
               std::string_view what) {
        if (names::contains(list, value)) return true;
        error(pointer, "unknown " + std::string(what) + " " + quoted(value));
        return false;
    }
    void known_all(const std::string& pointer, const std::vector<std::string>& values,
                   names::List list, std::string_view what) {
        for (size_t i = 0; i < values.size(); ++i) known(at(pointer, i), values[i], list, what);
    }
};

// ---------------------------------------------------------------- config.md

// Parses "MAJOR.MINOR.PATCH[-pre][+build]" (SemVer 2.0.0); false when malformed.
bool parse_semver(std::string_view text, unsigned (&parts)[3]) {
    size_t pos = 0;
    for (int i = 0; i < 3; ++i) {
        if (i > 0) {
            if (pos >= text.size() || text[pos] != '.') return false;
            ++pos;
        }
        size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        if (pos == start || (text[start] == '0' && pos - start > 1)) return false;
        auto [end, ec] = std::from_chars(text.data() + start, text.data() + pos, parts[i]);
        if (ec != std::errc() || end != text.data() + pos) return false;
    }
    if (pos == text.size()) return true;
    if (text[pos] != '-' && text[pos] != '+') return false;
    if (pos + 1 == text.size()) return false;
    return !has_char_outside(text.substr(pos + 1),
                             "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-.+");
}

void check_version(Checker& c, const Spec& spec) {
    unsigned v[3] = {0, 0, 0};
    if (!parse_semver(spec.ociVersion, v)) {
        c.error("/ociVersion", "invalid version " + quoted(spec.ociVersion) +
                                   " (expected SemVer MAJOR.MINOR.PATCH)");
        return;
    }
    // 1.0.0 .. 1.3.x compared on MAJOR.MINOR only: pre-release tags are ignored because tools
    // write their vendored spec version, e.g. "1.0.2-dev" (runc spec) or "1.1.0-rc.1".
    if (v[0] != 1 || v[1] > 3) {
        c.error("/ociVersion",
                "unsupported version " + quoted(spec.ociVersion) + " (rt supports 1.0.0 to 1.3.x)");
    }
}

// uidMappings / gidMappings of the user namespace or of an idmapped mount.
void check_id_mappings(Checker& c, const std::string& pointer,
                       const std::vector<IdMapping>& mappings) {
    // The kernel takes at most 340 lines in uid_map / gid_map (user_namespaces(7)).
    if (mappings.size() > 340) c.error(pointer, "too many mappings (the kernel takes 340)");
    for (size_t i = 0; i < mappings.size(); ++i) {
        const IdMapping& m = mappings[i];
        if (m.size == 0) {
            c.error(at(at(pointer, i), "size"), "must be at least 1");
        } else if (uint64_t{m.containerID} + m.size > (uint64_t{1} << 32) ||
                   uint64_t{m.hostID} + m.size > (uint64_t{1} << 32)) {
            c.error(at(at(pointer, i), "size"), "range goes past 4294967295");
        }
    }
}

void check_mounts(Checker& c, const Spec& spec) {
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const Mount& m = spec.mounts[i];
        std::string p = at("/mounts", i);
        if (m.destination.empty()) {
            c.error(p + "/destination", "must not be empty");
        } else if (!is_absolute(m.destination)) {
            // config.md: relative destinations are deprecated and taken relative to "/";
            // runc 1.1 accepts them with a warning.
            c.warn(p + "/destination", "relative path is deprecated (taken relative to /)");
        }
        // config.md: uidMappings and gidMappings of a mount go together.
        if (m.uidMappings.empty() != m.gidMappings.empty()) {
            c.error(p + (m.uidMappings.empty() ? "/uidMappings" : "/gidMappings"),
                    "required when " +
                        std::string(m.uidMappings.empty() ? "gidMappings" : "uidMappings") +
                        " is set");
        }
        check_id_mappings(c, p + "/uidMappings", m.uidMappings);
        check_id_mappings(c, p + "/gidMappings", m.gidMappings);
    }
}

void check_process(Checker& c, const Process& proc) {
    const std::string p = "/process";
    // config.md: args needs at least one entry (non-Windows); cwd MUST be absolute.
    if (proc.args.empty()) c.error(p + "/args", "must be a non-empty array");
    c.absolute(p + "/cwd", proc.cwd);

    if (proc.capabilities) {
        // config.md: unknown capabilities MUST be logged as a warning, not fail (runc too).
        auto check_set = [&](const char* name, const std::optional<std::vector<std::string>>& set) {
            if (!set) return;
            for (size_t i = 0; i < set->size(); ++i) {
                if (!names::contains(names::kCapabilities, (*set)[i]))
                    c.warn(at(p + "/capabilities/" + name, i),
                           "unknown capability " + quoted((*set)[i]) + " (ignored)");
            }
        };
        check_set("bounding", proc.capabilities->bounding);
        check_set("effective", proc.capabilities->effective);
        check_set("inheritable", proc.capabilities->inheritable);
        check_set("permitted", proc.capabilities->permitted);
        check_set("ambient", proc.capabilities->ambient);
    }

    // config.md: unknown rlimit types and duplicates MUST be errors.
    std::set<std::string_view> rlimits;
    for (size_t i = 0; i < proc.rlimits.size(); ++i) {
        const Rlimit& r = proc.rlimits[i];
        std::string rp = at(p + "/rlimits", i);
        if (!c.known(rp + "/type", r.type, names::kRlimits, "rlimit")) continue;
        if (!rlimits.insert(r.type).second) c.error(rp + "/type", "duplicate rlimit " + r.type);
        // setrlimit(2) refuses soft > hard (EINVAL): say so before the container starts.
        if (r.soft > r.hard) c.error(rp + "/soft", "greater than hard");
    }

    // proc(5): oom_score_adj takes -1000..1000.
    if (proc.oomScoreAdj && (*proc.oomScoreAdj < -1000 || *proc.oomScoreAdj > 1000))
        c.error(p + "/oomScoreAdj", "must be in -1000..1000");

    if (proc.ioPriority) {
        c.known(p + "/ioPriority/class", proc.ioPriority->ioClass, names::kIoPriorityClasses,
                "I/O priority class");
        if (proc.ioPriority->priority < 0 || proc.ioPriority->priority > 7)
            c.error(p + "/ioPriority/priority", "must be in 0..7");
    }

    if (proc.scheduler) {
        const Scheduler& s = *proc.scheduler;
        c.known(p + "/scheduler/policy", s.policy, names::kSchedulerPolicies, "scheduler policy");
        c.known_all(p + "/scheduler/flags", s.flags, names::kSchedulerFlags, "scheduler flag");
        // sched_setattr(2) takes nice -20..19.
        if (s.nice && (*s.nice < -20 || *s.nice > 19))
            c.error(p + "/scheduler/nice", "must be in -20..19");
    }

    if (proc.execCPUAffinity) {
        // Schema pattern ^[0-9, -]*$.
        auto cpus = [&](const char* name, const std::optional<std::string>& list) {
            if (list && has_char_outside(*list, "0123456789, -"))
                c.error(p + "/execCPUAffinity/" + name, "invalid CPU list " + quoted(*list));
        };
        cpus("initial", proc.execCPUAffinity->initial);
        cpus("final", proc.execCPUAffinity->final);
    }
}

void check_hooks(Checker& c, const Hooks& hooks) {
    auto check = [&](const char* name, const std::vector<Hook>& list) {
        for (size_t i = 0; i < list.size(); ++i) {
            std::string p = at(std::string("/hooks/") + name, i);
            // config.md: path MUST be absolute; timeout MUST be greater than zero.
            c.absolute(p + "/path", list[i].path);
            if (list[i].timeout && *list[i].timeout < 1)
                c.error(p + "/timeout", "must be greater than zero");
        }
    };
    check("prestart", hooks.prestart);
    check("createRuntime", hooks.createRuntime);
    check("createContainer", hooks.createContainer);
    check("startContainer", hooks.startContainer);
    check("poststart", hooks.poststart);
    check("poststop", hooks.poststop);
}

// ---------------------------------------------------------------- config-linux.md

const Namespace* find_namespace(const Spec& spec, std::string_view type) {
    if (!spec.linux) return nullptr;
    for (const Namespace& ns : spec.linux->namespaces) {
        if (ns.type == type) return &ns;
    }
    return nullptr;
}

void check_namespaces(Checker& c, const Linux& l) {
    std::set<std::string_view> seen;
    for (size_t i = 0; i < l.namespaces.size(); ++i) {
        const Namespace& ns = l.namespaces[i];
        std::string p = at("/linux/namespaces", i);
        if (!c.known(p + "/type", ns.type, names::kNamespaces, "namespace type")) continue;
        // config-linux.md: duplicated types MUST be an error.
        if (!seen.insert(ns.type).second)
            c.error(p + "/type", "duplicate namespace " + quoted(ns.type));
        if (ns.path) c.absolute(p + "/path", *ns.path);
    }
}

void check_user_mappings(Checker& c, const Spec& spec) {
    const Linux& l = *spec.linux;
    check_id_mappings(c, "/linux/uidMappings", l.uidMappings);
    check_id_mappings(c, "/linux/gidMappings", l.gidMappings);
    const Namespace* user = find_namespace(spec, "user");
    if (!user) {
        // runc: mappings without a user namespace are an error.
        if (!l.uidMappings.empty()) c.error("/linux/uidMappings", "needs a user namespace");
        if (!l.gidMappings.empty()) c.error("/linux/gidMappings", "needs a user namespace");
    } else if (!user->path) {
        // A new user namespace with no mapping leaves every id unmapped (runc refuses too).
        if (l.uidMappings.empty())
            c.error("/linux/uidMappings", "required for a new user namespace");
        if (l.gidMappings.empty())
            c.error("/linux/gidMappings", "required for a new user namespace");
    }
}

void check_devices(Checker& c, const Linux& l) {
    for (size_t i = 0; i < l.devices.size(); ++i) {
        const Device& d = l.devices[i];
        std::string p = at("/linux/devices", i);
        if (d.type.size() != 1 ||
            std::string_view("cbup").find(d.type[0]) == std::string_view::npos) {
            c.error(p + "/type",
                    "unknown device type " + quoted(d.type) + " (expected c, b, u or p)");
        } else if (d.type != "p") {
            // config-linux.md: major and minor are REQUIRED unless type is p.
            if (!d.major) c.error(p + "/major", "required for type " + d.type);
            if (!d.minor) c.error(p + "/minor", "required for type " + d.type);
        }
        c.absolute(p + "/path", d.path);
        // fileMode is not range-checked: engines (podman) write it with the S_IFCHR bits.
    }
}

// Linux interface names as the kernel's dev_valid_name() takes them (runc checks the same):
// 1..15 bytes, not "." or "..", no '/', ':' or whitespace (isspace: " \t\n\v\f\r").
bool valid_ifname(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    return name.find_first_of("/: \t\n\v\f\r") == std::string_view::npos;
}

void check_net_devices(Checker& c, const Linux& l) {
    for (const auto& [host_name, dev] : l.netDevices) {
        std::string p = at("/linux/netDevices", host_name);
        if (!valid_ifname(host_name)) c.error(p, "invalid interface name " + quoted(host_name));
        // An empty name is no name (the host name is kept), as runc takes it.
        if (dev.name && !dev.name->empty() && !valid_ifname(*dev.name))
            c.error(p + "/name", "invalid interface name " + quoted(*dev.name));
    }
}

bool valid_page_size(std::string_view size) {
    // Schema pattern ^[1-9][0-9]*[KMG]B$.
    if (size.size() < 3 || size[0] < '1' || size[0] > '9' || size.back() != 'B') return false;
    if (std::string_view("KMG").find(size[size.size() - 2]) == std::string_view::npos) return false;
    return !has_char_outside(size.substr(1, size.size() - 3), "0123456789");
}

void check_resources(Checker& c, const Resources& r) {
    const std::string p = "/linux/resources";
    for (size_t i = 0; i < r.devices.size(); ++i) {
        const DeviceCgroupRule& d = r.devices[i];
        std::string dp = at(p + "/devices", i);
        if (d.type && (d.type->size() != 1 ||
                       std::string_view("acb").find((*d.type)[0]) == std::string_view::npos))
            c.error(dp + "/type",
                    "unknown device type " + quoted(*d.type) + " (expected a, c or b)");
        if (d.access && has_char_outside(*d.access, "rwm"))
            c.error(dp + "/access", "must be a combination of r, w and m");
    }
    // config-linux.md: swappiness is 0..100.
    if (r.memory && r.memory->swappiness && *r.memory->swappiness > 100)
        c.error(p + "/memory/swappiness", "must be in 0..100");
    if (r.blockIO) {
        const auto& devices = r.blockIO->weightDevice;
        for (size_t i = 0; i < devices.size(); ++i) {
            // config-linux.md: at least one of weight and leafWeight.
            if (!devices[i].weight && !devices[i].leafWeight)
                c.error(at(p + "/blockIO/weightDevice", i), "needs weight or leafWeight");
        }
    }
    for (size_t i = 0; i < r.hugepageLimits.size(); ++i) {
        const std::string& size = r.hugepageLimits[i].pageSize;
        if (!valid_page_size(size))
            c.error(at(p + "/hugepageLimits", i) + "/pageSize",
                    "invalid page size " + quoted(size) + " (expected e.g. 2MB or 1GB)");
    }
    for (const auto& [device, limit] : r.rdma) {
        // config-linux.md: at least one of hcaHandles and hcaObjects.
        if (!limit.hcaHandles && !limit.hcaObjects)
            c.error(at(p + "/rdma", device), "needs hcaHandles or hcaObjects");
    }
    for (const auto& [file, value] : r.unified) {
        // Keys are file names in the container's cgroup directory (runc rejects paths).
        if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos)
            c.error(at(p + "/unified", file), "must be a cgroup file name");
    }
}

void check_intel_rdt(Checker& c, const IntelRdt& rdt) {
    const std::string p = "/linux/intelRdt";
    // closID names a resctrl directory; "/" is the default CLOS (config-linux.md).
    if (rdt.closID && *rdt.closID != "/" &&
        (rdt.closID->empty() || *rdt.closID == "." || *rdt.closID == ".." ||
         rdt.closID->find('/') != std::string::npos))
        c.error(p + "/closID", "must be \"/\" or a directory name");
    if (rdt.l3CacheSchema && rdt.l3CacheSchema->find('\n') != std::string::npos)
        c.error(p + "/l3CacheSchema", "must not contain a newline");
    if (rdt.memBwSchema &&
        (rdt.memBwSchema->rfind("MB:", 0) != 0 || rdt.memBwSchema->find('\n') != std::string::npos))
        c.error(p + "/memBwSchema", "must start with \"MB:\" and have no newline");
    for (size_t i = 0; i < rdt.schemata.size(); ++i) {
        if (rdt.schemata[i].find('\n') != std::string::npos)
            c.error(at(p + "/schemata", i), "must not contain a newline");
    }
}

// runc's rule (the spec is silent): a sysctl is only allowed when it belongs to a namespace
// the container has its own of, so a container cannot change the host's kernel settings.
void check_sysctl(Checker& c, const Spec& spec) {
    static constexpr std::string_view kIpcSysctls[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    };
    for (const auto& [key, value] : spec.linux->sysctl) {
        std::string p = at("/linux/sysctl", key);
        const char* needs = nullptr;
        if (names::contains(kIpcSysctls, key) || key.rfind("fs.mqueue.", 0) == 0) {
            needs = "ipc";
        } else if (key.rfind("net.", 0) == 0) {
            needs = "network";
        } else if (key == "kernel.hostname") {
            // runc and crun refuse it even when "hostname" is unset (the spec is silent):
            // the dedicated field is the one way to name the host, so the two cannot disagree.
            c.error(p, "conflicts with the \"hostname\" field (set the hostname there)");
            continue;
        } else if (key == "kernel.domainname") {
            needs = "uts";
        } else {
            c.error(p, "not in a namespace of the container (would change the host)");
            continue;
        }
        if (!find_namespace(spec, needs))
            c.error(p, std::string("needs a ") + needs + " namespace");
    }
}

bool errno_action(const std::string& action) {
    return action == "SCMP_ACT_ERRNO" || action == "SCMP_ACT_TRACE";
}

void check_seccomp(Checker& c, const Seccomp& s) {
    const std::string p = "/linux/seccomp";
    c.known(p + "/defaultAction", s.defaultAction, names::kSeccompActions, "seccomp action");
    // config-linux.md: errnoRet with an action that takes no errno MUST fail.
    if (s.defaultErrnoRet && !errno_action(s.defaultAction))
        c.error(p + "/defaultErrnoRet", "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    // runc refuses a notifying default action: the runtime's own syscalls would be held.
    if (s.defaultAction == "SCMP_ACT_NOTIFY")
        c.error(p + "/defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
    c.known_all(p + "/architectures", s.architectures, names::kSeccompArchs,
                "seccomp architecture");
    c.known_all(p + "/flags", s.flags, names::kSeccompFlags, "seccomp flag");
    // config-linux.md: listenerMetadata MUST NOT be set without listenerPath.
    if (s.listenerMetadata && !s.listenerPath)
        c.error(p + "/listenerMetadata", "needs listenerPath");
    bool notify = false;
    for (size_t i = 0; i < s.syscalls.size(); ++i) {
        const Syscall& sc = s.syscalls[i];
        std::string sp = at(p + "/syscalls", i);
        // config-linux.md: names MUST contain at least one entry.
        if (sc.names.empty()) c.error(sp + "/names", "must contain at least one entry");
        for (size_t k = 0; k < sc.names.size(); ++k) {
            if (sc.names[k].empty()) c.error(at(sp + "/names", k), "must not be empty");
        }
        c.known(sp + "/action", sc.action, names::kSeccompActions, "seccomp action");
        if (sc.errnoRet && !errno_action(sc.action))
            c.error(sp + "/errnoRet", "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
        notify = notify || sc.action == "SCMP_ACT_NOTIFY";
        for (size_t k = 0; k < sc.args.size(); ++k) {
            std::string ap = at(sp + "/args", k);
            // A syscall has at most six arguments (seccomp_data.args[6]).
            if (sc.args[k].index > 5) c.error(ap + "/index", "must be in 0..5");
            c.known(ap + "/op", sc.args[k].op, names::kSeccompOperators, "seccomp operator");
        }
    }
    // config-linux.md: the notify fd goes to listenerPath; without it nobody answers.
    if (notify && !s.listenerPath) c.error(p + "/listenerPath", "required with SCMP_ACT_NOTIFY");
}

void check_linux(Checker& c, const Spec& spec) {
    const Linux& l = *spec.linux;
    check_namespaces(c, l);
    check_user_mappings(c, spec);

    for (const auto& [clock, offset] : l.timeOffsets) {
        // time_namespaces(7): only CLOCK_MONOTONIC and CLOCK_BOOTTIME have offsets (there
        // is none for realtime: the kernel refuses it in timens_offsets).
        if (!names::contains(names::kTimeOffsetClocks, clock)) {
            c.error(at("/linux/timeOffsets", clock),
                    "unknown clock " + quoted(clock) +
                        " (a time namespace offsets only \"monotonic\" and \"boottime\")");
            continue;
        }
        if (offset.nanosecs >= 1000000000u)
            c.error(at("/linux/timeOffsets", clock) + "/nanosecs", "must be less than 1000000000");
    }
    if (!l.timeOffsets.empty() && !find_namespace(spec, "time"))
        c.error("/linux/timeOffsets", "needs a time namespace");

    check_devices(c, l);
    check_net_devices(c, l);
    if (l.resources) check_resources(c, *l.resources);
    if (l.intelRdt) check_intel_rdt(c, *l.intelRdt);
    check_sysctl(c, spec);
    if (l.seccomp) check_seccomp(c, *l.seccomp);
    if (l.rootfsPropagation)
        c.known("/linux/rootfsPropagation", *l.rootfsPropagation, names::kRootfsPropagations,
                "rootfs propagation");

    // config-linux.md: masked and readonly paths MUST be absolute; runc needs its own mount
    // namespace to apply them.
    for (const char* name : {"maskedPaths", "readonlyPaths"}) {
        const auto& paths =
            std::string_view(name) == "maskedPaths" ? l.maskedPaths : l.readonlyPaths;
        if (!paths) continue;
        std::string p = std::string("/linux/") + name;
        for (size_t i = 0; i < paths->size(); ++i) c.absolute(at(p, i), (*paths)[i]);
        if (!paths->empty() && !find_namespace(spec, "mount"))
            c.error(p, "needs a mount namespace");
    }

    if (l.personality) {
        // config-linux.md: domain is REQUIRED; "currently no flag values are supported".
        if (!l.personality->domain) {
            c.error("/linux/personality/domain", "required");
        } else {
            c.known("/linux/personality/domain", *l.personality->domain, names::kPersonalityDomains,
                    "personality domain");
        }
        for (size_t i = 0; i < l.personality->flags.size(); ++i)
            c.error(at("/linux/personality/flags", i),
                    "unsupported personality flag " + quoted(l.personality->flags[i]));
    }

    if (l.memoryPolicy) {
        const MemoryPolicy& m = *l.memoryPolicy;
        // config-linux.md: mode is REQUIRED.
        if (!m.mode) {
            c.error("/linux/memoryPolicy/mode", "required");
        } else {
            c.known("/linux/memoryPolicy/mode", *m.mode, names::kMemoryPolicyModes,
                    "memory policy mode");
        }
        c.known_all("/linux/memoryPolicy/flags", m.flags, names::kMemoryPolicyFlags,
                    "memory policy flag");
        if (m.nodes && has_char_outside(*m.nodes, "0123456789,-"))
            c.error("/linux/memoryPolicy/nodes", "invalid node list " + quoted(*m.nodes));
    }
}

}  // namespace

std::vector<ValidationIssue> check_config(const Spec& spec) {
    Checker c;
    check_version(c, spec);
    // config.md: root is REQUIRED on every platform but Windows.
    if (!spec.root) {
        c.error("/root", "required");
    } else if (spec.root->path.empty()) {
        c.error("/root/path", "must not be empty");
    }
    check_mounts(c, spec);
    if (spec.process) check_process(c, *spec.process);
    // runc: hostname and domainname need the container's own UTS namespace.
    if (spec.hostname && !spec.hostname->empty() && !find_namespace(spec, "uts"))
        c.error("/hostname", "needs a uts namespace");
    if (spec.domainname && !spec.domainname->empty() && !find_namespace(spec, "uts"))
        c.error("/domainname", "needs a uts namespace");
    if (spec.hooks) check_hooks(c, *spec.hooks);
    // config.md: annotation keys MUST NOT be empty.
    if (spec.annotations.count("")) c.error("/annotations/", "key must not be empty");
    if (spec.linux) check_linux(c, spec);
    return std::move(c.issues);
}

std::string format_issue(const ValidationIssue& issue, std::string_view origin) {
    std::string text(origin);
    text += ": ";
    text += issue.pointer;
    text += ": ";
    text += issue.reason;
    return text;
}

std::vector<ValidationIssue> validate_config(const Spec& spec, std::string_view origin) {
    std::vector<ValidationIssue> issues = check_config(spec);
    std::vector<ValidationIssue> warnings;
    for (ValidationIssue& issue : issues) {
        if (!issue.warning) throw Error(format_issue(issue, origin), ErrorKind::InvalidArgument);
        warnings.push_back(std::move(issue));
    }
    return warnings;
}

}  // namespace rt::oci
