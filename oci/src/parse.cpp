// config.json -> Spec, straight from the RapidJSON DOM (json_read.hpp has the conventions).
//
// This file checks JSON types and the integer ranges of the schema; closed sets of names,
// paths and cross-field rules are validate.cpp's job.
#include "rt/oci/parse.hpp"

#include "json_read.hpp"
#include "rt/oci/names.hpp"

namespace rt::oci {

// Struct readers: found by json::read through argument-dependent lookup, so they live in
// rt::oci (internal linkage keeps them private to this file).
using json::Object;

// ---------------------------------------------------------------- config.md

static void read_object(const Object& o, Root& r) {
    o.req("path", r.path);
    o.opt("readonly", r.readonly);
}

static void read_object(const Object& o, IdMapping& m) {
    o.req("containerID", m.containerID);
    o.req("hostID", m.hostID);
    o.req("size", m.size);
}

static void read_object(const Object& o, Mount& m) {
    o.req("destination", m.destination);
    o.opt("type", m.type);
    o.opt("source", m.source);
    o.opt("options", m.options);
    o.opt("uidMappings", m.uidMappings);
    o.opt("gidMappings", m.gidMappings);
}

static void read_object(const Object& o, Hook& h) {
    o.req("path", h.path);
    o.opt("args", h.args);
    o.opt("env", h.env);
    o.opt("timeout", h.timeout);
}

static void read_object(const Object& o, Hooks& h) {
    o.opt("prestart", h.prestart);
    o.opt("createRuntime", h.createRuntime);
    o.opt("createContainer", h.createContainer);
    o.opt("startContainer", h.startContainer);
    o.opt("poststart", h.poststart);
    o.opt("poststop", h.poststop);
}

static void read_object(const Object& o, ConsoleSize& c) {
    o.req("height", c.height);
    o.req("width", c.width);
}

static void read_object(const Object& o, User& u) {
    // config.md calls uid and gid REQUIRED but the schema does not; absent means 0 (runc).
    o.opt("uid", u.uid);
    o.opt("gid", u.gid);
    o.opt("umask", u.umask);
    o.opt("additionalGids", u.additionalGids);
    o.opt("username", u.username);
}

static void read_object(const Object& o, Capabilities& c) {
    o.opt("bounding", c.bounding);
    o.opt("effective", c.effective);
    o.opt("inheritable", c.inheritable);
    o.opt("permitted", c.permitted);
    o.opt("ambient", c.ambient);
}

static void read_object(const Object& o, Rlimit& r) {
    o.req("type", r.type);
    o.req("soft", r.soft);
    o.req("hard", r.hard);
}

static void read_object(const Object& o, IoPriority& p) {
    o.req("class", p.ioClass);
    o.opt("priority", p.priority);
}

static void read_object(const Object& o, Scheduler& s) {
    o.req("policy", s.policy);
    o.opt("nice", s.nice);
    o.opt("priority", s.priority);
    o.opt("flags", s.flags);
    o.opt("runtime", s.runtime);
    o.opt("deadline", s.deadline);
    o.opt("period", s.period);
}

static void read_object(const Object& o, ExecCpuAffinity& a) {
    o.opt("initial", a.initial);
    o.opt("final", a.final);
}

static void read_object(const Object& o, Process& p) {
    o.opt("terminal", p.terminal);
    o.opt("consoleSize", p.consoleSize);
    o.opt("user", p.user);
    o.opt("args", p.args);
    o.opt("commandLine", p.commandLine);
    o.opt("env", p.env);
    o.req("cwd", p.cwd);
    o.opt("capabilities", p.capabilities);
    o.opt("rlimits", p.rlimits);
    o.opt("noNewPrivileges", p.noNewPrivileges);
    o.opt("apparmorProfile", p.apparmorProfile);
    o.opt("oomScoreAdj", p.oomScoreAdj);
    o.opt("selinuxLabel", p.selinuxLabel);
    o.opt("ioPriority", p.ioPriority);
    o.opt("scheduler", p.scheduler);
    o.opt("execCPUAffinity", p.execCPUAffinity);
}

// ---------------------------------------------------------------- config-linux.md

static void read_object(const Object& o, Namespace& n) {
    o.req("type", n.type);
    o.opt("path", n.path);
}

static void read_object(const Object& o, TimeOffset& t) {
    o.opt("secs", t.secs);
    o.opt("nanosecs", t.nanosecs);
}

static void read_object(const Object& o, Device& d) {
    o.req("type", d.type);
    o.req("path", d.path);
    o.opt("major", d.major);
    o.opt("minor", d.minor);
    o.opt("fileMode", d.fileMode);
    o.opt("uid", d.uid);
    o.opt("gid", d.gid);
}

static void read_object(const Object& o, NetDevice& d) {
    o.opt("name", d.name);
}

static void read_object(const Object& o, DeviceCgroupRule& r) {
    o.req("allow", r.allow);
    o.opt("type", r.type);
    o.opt("major", r.major);
    o.opt("minor", r.minor);
    o.opt("access", r.access);
}

static void read_object(const Object& o, MemoryResources& m) {
    o.opt("limit", m.limit);
    o.opt("reservation", m.reservation);
    o.opt("swap", m.swap);
    o.opt("kernel", m.kernel);
    o.opt("kernelTCP", m.kernelTCP);
    o.opt("swappiness", m.swappiness);
    o.opt("disableOOMKiller", m.disableOOMKiller);
    o.opt("useHierarchy", m.useHierarchy);
    o.opt("checkBeforeUpdate", m.checkBeforeUpdate);
}

static void read_object(const Object& o, CpuResources& c) {
    o.opt("shares", c.shares);
    o.opt("quota", c.quota);
    o.opt("burst", c.burst);
    o.opt("period", c.period);
    o.opt("realtimeRuntime", c.realtimeRuntime);
    o.opt("realtimePeriod", c.realtimePeriod);
    o.opt("cpus", c.cpus);
    o.opt("mems", c.mems);
    o.opt("idle", c.idle);
}

static void read_object(const Object& o, PidsResources& p) {
    o.req("limit", p.limit);
}

static void read_object(const Object& o, BlockIoDeviceWeight& w) {
    o.req("major", w.major);
    o.req("minor", w.minor);
    o.opt("weight", w.weight);
    o.opt("leafWeight", w.leafWeight);
}

static void read_object(const Object& o, BlockIoDeviceThrottle& t) {
    o.req("major", t.major);
    o.req("minor", t.minor);
    o.req("rate", t.rate);  // REQUIRED in config-linux.md (the schema omits it)
}

static void read_object(const Object& o, BlockIoResources& b) {
    o.opt("weight", b.weight);
    o.opt("leafWeight", b.leafWeight);
    o.opt("weightDevice", b.weightDevice);
    o.opt("throttleReadBpsDevice", b.throttleReadBpsDevice);
    o.opt("throttleWriteBpsDevice", b.throttleWriteBpsDevice);
    o.opt("throttleReadIOPSDevice", b.throttleReadIOPSDevice);
    o.opt("throttleWriteIOPSDevice", b.throttleWriteIOPSDevice);
}

static void read_object(const Object& o, HugepageLimit& h) {
    o.req("pageSize", h.pageSize);
    o.req("limit", h.limit);
}

static void read_object(const Object& o, NetworkPriority& p) {
    o.req("name", p.name);
    o.req("priority", p.priority);
}

static void read_object(const Object& o, NetworkResources& n) {
    o.opt("classID", n.classID);
    o.opt("priorities", n.priorities);
}

static void read_object(const Object& o, RdmaLimit& r) {
    o.opt("hcaHandles", r.hcaHandles);
    o.opt("hcaObjects", r.hcaObjects);
}

static void read_object(const Object& o, Resources& r) {
    o.opt("devices", r.devices);
    o.opt("memory", r.memory);
    o.opt("cpu", r.cpu);
    o.opt("pids", r.pids);
    o.opt("blockIO", r.blockIO);
    o.opt("hugepageLimits", r.hugepageLimits);
    o.opt("network", r.network);
    o.opt("rdma", r.rdma);
    o.opt("unified", r.unified);
}

static void read_object(const Object& o, SyscallArg& a) {
    o.req("index", a.index);
    o.req("value", a.value);
    o.opt("valueTwo", a.valueTwo);
    o.req("op", a.op);
}

static void read_object(const Object& o, Syscall& s) {
    o.req("names", s.names);
    o.req("action", s.action);
    o.opt("errnoRet", s.errnoRet);
    o.opt("args", s.args);
}

static void read_object(const Object& o, Seccomp& s) {
    o.req("defaultAction", s.defaultAction);
    o.opt("defaultErrnoRet", s.defaultErrnoRet);
    o.opt("architectures", s.architectures);
    o.opt("flags", s.flags);
    o.opt("listenerPath", s.listenerPath);
    o.opt("listenerMetadata", s.listenerMetadata);
    o.opt("syscalls", s.syscalls);
}

static void read_object(const Object& o, IntelRdt& r) {
    o.opt("closID", r.closID);
    o.opt("schemata", r.schemata);
    o.opt("l3CacheSchema", r.l3CacheSchema);
    o.opt("memBwSchema", r.memBwSchema);
    o.opt("enableMonitoring", r.enableMonitoring);
}

static void read_object(const Object& o, MemoryPolicy& m) {
    o.opt("mode", m.mode);
    o.opt("nodes", m.nodes);
    o.opt("flags", m.flags);
}

static void read_object(const Object& o, Personality& p) {
    o.opt("domain", p.domain);
    o.opt("flags", p.flags);
}

static void read_object(const Object& o, Linux& l) {
    o.opt("namespaces", l.namespaces);
    o.opt("uidMappings", l.uidMappings);
    o.opt("gidMappings", l.gidMappings);
    // Every entry: the key names the clock (config-linux.md); validate refuses clocks the
    // time namespace has no offset for.
    o.opt("timeOffsets", l.timeOffsets);
    o.opt("devices", l.devices);
    o.opt("netDevices", l.netDevices);
    o.opt("cgroupsPath", l.cgroupsPath);
    o.opt("resources", l.resources);
    o.opt("intelRdt", l.intelRdt);
    o.opt("sysctl", l.sysctl);
    o.opt("seccomp", l.seccomp);
    o.opt("rootfsPropagation", l.rootfsPropagation);
    o.opt("maskedPaths", l.maskedPaths);
    o.opt("readonlyPaths", l.readonlyPaths);
    o.opt("mountLabel", l.mountLabel);
    o.opt("personality", l.personality);
    o.opt("memoryPolicy", l.memoryPolicy);
}

// ---------------------------------------------------------------- other platforms
//
// rt runs Linux containers only, so other platforms' sections are not modelled (and not kept
// by serialize_config). The small FreeBSD and z/OS sections are still type-checked against
// their schemas so that a config that is invalid for the spec is rejected as the spec's own
// test suite expects; the Solaris, Windows and VM sections are ignored.

namespace {

void check_enum(const Object& o, std::string_view name,
                std::initializer_list<std::string_view> allowed) {
    std::optional<std::string> value;
    o.opt(name, value);
    if (!value) return;
    for (std::string_view a : allowed) {
        if (*value == a) return;
    }
    std::string reason = "unknown value \"" + *value + "\" (expected one of";
    for (std::string_view a : allowed) reason.append(" ").append(a);
    o.source().fail(o.path().member(name), reason + ")");
}

struct FreebsdDevice {};
struct FreebsdJail {};
struct FreebsdJailAllow {};
struct FreebsdSection {};
struct ZosNamespace {};
struct ZosSection {};

void read_object(const Object& o, FreebsdDevice&) {
    std::string path;
    uint32_t mode = 0;
    o.opt("path", path);
    o.opt("mode", mode);
    if (mode > 0777) o.source().fail(o.path().member("mode"), "expected file mode 0..511");
}

void read_object(const Object& o, FreebsdJailAllow&) {
    bool flag = false;
    for (std::string_view name : {"setHostname", "rawSockets", "chflags", "quotas", "socketAf",
                                  "mlock", "reservedPorts", "suser"})
        o.opt(name, flag);
    std::vector<std::string> mount;
    o.opt("mount", mount);
}

void read_object(const Object& o, FreebsdJail&) {
    std::string text;
    std::vector<std::string> list;
    uint8_t statfs = 0;
    FreebsdJailAllow allow;
    o.opt("parent", text);
    o.opt("interface", text);
    for (std::string_view name : {"ip4Addr", "ip6Addr", "vnetInterfaces"}) o.opt(name, list);
    o.opt("enforceStatfs", statfs);
    o.opt("allow", allow);
    for (std::string_view name : {"host", "vnet"}) check_enum(o, name, {"new", "inherit"});
    for (std::string_view name : {"ip4", "ip6", "sysvmsg", "sysvsem", "sysvshm"})
        check_enum(o, name, {"disable", "new", "inherit"});
}

void read_object(const Object& o, FreebsdSection&) {
    std::vector<FreebsdDevice> devices;
    FreebsdJail jail;
    o.opt("devices", devices);
    o.opt("jail", jail);
}

void read_object(const Object& o, ZosNamespace&) {
    std::string type, path;
    o.req("type", type);
    o.opt("path", path);
    check_enum(o, "type", {"mount", "pid", "uts", "ipc"});
}

void read_object(const Object& o, ZosSection&) {
    std::vector<ZosNamespace> namespaces;
    o.opt("namespaces", namespaces);
}

}  // namespace

static void read_object(const Object& o, Spec& s) {
    o.req("ociVersion", s.ociVersion);
    o.opt("root", s.root);
    o.opt("mounts", s.mounts);
    o.opt("process", s.process);
    o.opt("hostname", s.hostname);
    o.opt("domainname", s.domainname);
    o.opt("hooks", s.hooks);
    o.opt("annotations", s.annotations);
    o.opt("linux", s.linux);
    FreebsdSection freebsd;
    ZosSection zos;
    o.opt("freebsd", freebsd);
    o.opt("zos", zos);
}

// ---------------------------------------------------------------- entry points

namespace {

template <typename T>
T parse_document_as(std::string_view text, std::string_view origin) {
    json::Source src{origin};
    rapidjson::Document doc;
    json::parse_document(doc, text, src);
    T out;
    json::read(src, json::Path{}, doc, out);
    return out;
}

}  // namespace

Spec parse_config(std::string_view json, std::string_view origin) {
    return parse_document_as<Spec>(json, origin);
}

Process parse_process(std::string_view json, std::string_view origin) {
    return parse_document_as<Process>(json, origin);
}

Resources parse_resources(std::string_view json, std::string_view origin) {
    return parse_document_as<Resources>(json, origin);
}

}  // namespace rt::oci
