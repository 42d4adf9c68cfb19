// Spec -> config.json. Members are written in the order of the spec's Go bindings (what
// runc writes); absent optionals and empty lists are left out, so that
// parse_config(serialize_config(s)) == s for every field of the model.
#include "rt/oci/serialize.hpp"

#include "json_write.hpp"

namespace rt::oci {

using json::ObjectOut;

// ---------------------------------------------------------------- config.md

template <typename W>
static void put(W& w, const Root& r) {
    ObjectOut o(w);
    o.field("path", r.path);
    o.if_true("readonly", r.readonly);
}

template <typename W>
static void put(W& w, const IdMapping& m) {
    ObjectOut o(w);
    o.field("containerID", m.containerID);
    o.field("hostID", m.hostID);
    o.field("size", m.size);
}

template <typename W>
static void put(W& w, const Mount& m) {
    ObjectOut o(w);
    o.field("destination", m.destination);
    o.opt("type", m.type);
    o.opt("source", m.source);
    o.nonempty("options", m.options);
    o.nonempty("uidMappings", m.uidMappings);
    o.nonempty("gidMappings", m.gidMappings);
}

template <typename W>
static void put(W& w, const Hook& h) {
    ObjectOut o(w);
    o.field("path", h.path);
    o.nonempty("args", h.args);
    o.nonempty("env", h.env);
    o.opt("timeout", h.timeout);
}

template <typename W>
static void put(W& w, const Hooks& h) {
    ObjectOut o(w);
    o.nonempty("prestart", h.prestart);
    o.nonempty("createRuntime", h.createRuntime);
    o.nonempty("createContainer", h.createContainer);
    o.nonempty("startContainer", h.startContainer);
    o.nonempty("poststart", h.poststart);
    o.nonempty("poststop", h.poststop);
}

template <typename W>
static void put(W& w, const ConsoleSize& c) {
    ObjectOut o(w);
    o.field("height", c.height);
    o.field("width", c.width);
}

template <typename W>
static void put(W& w, const User& u) {
    ObjectOut o(w);
    o.field("uid", u.uid);
    o.field("gid", u.gid);
    o.opt("umask", u.umask);
    o.nonempty("additionalGids", u.additionalGids);
    o.opt("username", u.username);
}

template <typename W>
static void put(W& w, const Capabilities& c) {
    ObjectOut o(w);
    o.opt("bounding", c.bounding);
    o.opt("effective", c.effective);
    o.opt("inheritable", c.inheritable);
    o.opt("permitted", c.permitted);
    o.opt("ambient", c.ambient);
}

template <typename W>
static void put(W& w, const Rlimit& r) {
    ObjectOut o(w);
    o.field("type", r.type);
    o.field("hard", r.hard);
    o.field("soft", r.soft);
}

template <typename W>
static void put(W& w, const IoPriority& p) {
    ObjectOut o(w);
    o.field("class", p.ioClass);
    o.field("priority", p.priority);
}

template <typename W>
static void put(W& w, const Scheduler& s) {
    ObjectOut o(w);
    o.field("policy", s.policy);
    o.opt("nice", s.nice);
    o.opt("priority", s.priority);
    o.nonempty("flags", s.flags);
    o.opt("runtime", s.runtime);
    o.opt("deadline", s.deadline);
    o.opt("period", s.period);
}

template <typename W>
static void put(W& w, const ExecCpuAffinity& a) {
    ObjectOut o(w);
    o.opt("initial", a.initial);
    o.opt("final", a.final);
}

template <typename W>
static void put(W& w, const Process& p) {
    ObjectOut o(w);
    o.if_true("terminal", p.terminal);
    o.opt("consoleSize", p.consoleSize);
    o.field("user", p.user);
    o.nonempty("args", p.args);
    o.opt("commandLine", p.commandLine);
    o.nonempty("env", p.env);
    o.field("cwd", p.cwd);
    o.opt("capabilities", p.capabilities);
    o.nonempty("rlimits", p.rlimits);
    o.if_true("noNewPrivileges", p.noNewPrivileges);
    o.opt("apparmorProfile", p.apparmorProfile);
    o.opt("oomScoreAdj", p.oomScoreAdj);
    o.opt("scheduler", p.scheduler);
    o.opt("selinuxLabel", p.selinuxLabel);
    o.opt("ioPriority", p.ioPriority);
    o.opt("execCPUAffinity", p.execCPUAffinity);
}

// ---------------------------------------------------------------- config-linux.md

template <typename W>
static void put(W& w, const Namespace& n) {
    ObjectOut o(w);
    o.field("type", n.type);
    o.opt("path", n.path);
}

template <typename W>
static void put(W& w, const TimeOffset& t) {
    ObjectOut o(w);
    o.field("secs", t.secs);
    o.field("nanosecs", t.nanosecs);
}

template <typename W>
static void put(W& w, const Device& d) {
    ObjectOut o(w);
    o.field("path", d.path);
    o.field("type", d.type);
    o.opt("major", d.major);
    o.opt("minor", d.minor);
    o.opt("fileMode", d.fileMode);
    o.opt("uid", d.uid);
    o.opt("gid", d.gid);
}

template <typename W>
static void put(W& w, const NetDevice& d) {
    ObjectOut o(w);
    o.opt("name", d.name);
}

template <typename W>
static void put(W& w, const DeviceCgroupRule& r) {
    ObjectOut o(w);
    o.field("allow", r.allow);
    o.opt("type", r.type);
    o.opt("major", r.major);
    o.opt("minor", r.minor);
    o.opt("access", r.access);
}

template <typename W>
static void put(W& w, const MemoryResources& m) {
    ObjectOut o(w);
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

template <typename W>
static void put(W& w, const CpuResources& c) {
    ObjectOut o(w);
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

template <typename W>
static void put(W& w, const PidsResources& p) {
    ObjectOut o(w);
    o.field("limit", p.limit);
}

template <typename W>
static void put(W& w, const BlockIoDeviceWeight& d) {
    ObjectOut o(w);
    o.field("major", d.major);
    o.field("minor", d.minor);
    o.opt("weight", d.weight);
    o.opt("leafWeight", d.leafWeight);
}

template <typename W>
static void put(W& w, const BlockIoDeviceThrottle& d) {
    ObjectOut o(w);
    o.field("major", d.major);
    o.field("minor", d.minor);
    o.field("rate", d.rate);
}

template <typename W>
static void put(W& w, const BlockIoResources& b) {
    ObjectOut o(w);
    o.opt("weight", b.weight);
    o.opt("leafWeight", b.leafWeight);
    o.nonempty("weightDevice", b.weightDevice);
    o.nonempty("throttleReadBpsDevice", b.throttleReadBpsDevice);
    o.nonempty("throttleWriteBpsDevice", b.throttleWriteBpsDevice);
    o.nonempty("throttleReadIOPSDevice", b.throttleReadIOPSDevice);
    o.nonempty("throttleWriteIOPSDevice", b.throttleWriteIOPSDevice);
}

template <typename W>
static void put(W& w, const HugepageLimit& h) {
    ObjectOut o(w);
    o.field("pageSize", h.pageSize);
    o.field("limit", h.limit);
}

template <typename W>
static void put(W& w, const NetworkPriority& p) {
    ObjectOut o(w);
    o.field("name", p.name);
    o.field("priority", p.priority);
}

template <typename W>
static void put(W& w, const NetworkResources& n) {
    ObjectOut o(w);
    o.opt("classID", n.classID);
    o.nonempty("priorities", n.priorities);
}

template <typename W>
static void put(W& w, const RdmaLimit& r) {
    ObjectOut o(w);
    o.opt("hcaHandles", r.hcaHandles);
    o.opt("hcaObjects", r.hcaObjects);
}

template <typename W>
static void put(W& w, const Resources& r) {
    ObjectOut o(w);
    o.nonempty("devices", r.devices);
    o.opt("memory", r.memory);
    o.opt("cpu", r.cpu);
    o.opt("pids", r.pids);
    o.opt("blockIO", r.blockIO);
    o.nonempty("hugepageLimits", r.hugepageLimits);
    o.opt("network", r.network);
    o.nonempty("rdma", r.rdma);
    o.nonempty("unified", r.unified);
}

template <typename W>
static void put(W& w, const SyscallArg& a) {
    ObjectOut o(w);
    o.field("index", a.index);
    o.field("value", a.value);
    o.opt("valueTwo", a.valueTwo);
    o.field("op", a.op);
}

template <typename W>
static void put(W& w, const Syscall& s) {
    ObjectOut o(w);
    o.field("names", s.names);
    o.field("action", s.action);
    o.opt("errnoRet", s.errnoRet);
    o.nonempty("args", s.args);
}

template <typename W>
static void put(W& w, const Seccomp& s) {
    ObjectOut o(w);
    o.field("defaultAction", s.defaultAction);
    o.opt("defaultErrnoRet", s.defaultErrnoRet);
    o.nonempty("architectures", s.architectures);
    o.nonempty("flags", s.flags);
    o.opt("listenerPath", s.listenerPath);
    o.opt("listenerMetadata", s.listenerMetadata);
    o.nonempty("syscalls", s.syscalls);
}

template <typename W>
static void put(W& w, const IntelRdt& r) {
    ObjectOut o(w);
    o.opt("closID", r.closID);
    o.nonempty("schemata", r.schemata);
    o.opt("l3CacheSchema", r.l3CacheSchema);
    o.opt("memBwSchema", r.memBwSchema);
    o.opt("enableMonitoring", r.enableMonitoring);
}

template <typename W>
static void put(W& w, const MemoryPolicy& m) {
    ObjectOut o(w);
    o.opt("mode", m.mode);
    o.opt("nodes", m.nodes);
    o.nonempty("flags", m.flags);
}

template <typename W>
static void put(W& w, const Personality& p) {
    ObjectOut o(w);
    o.opt("domain", p.domain);
    o.nonempty("flags", p.flags);
}

template <typename W>
static void put(W& w, const Linux& l) {
    ObjectOut o(w);
    o.nonempty("uidMappings", l.uidMappings);
    o.nonempty("gidMappings", l.gidMappings);
    o.nonempty("sysctl", l.sysctl);
    o.opt("resources", l.resources);
    o.opt("cgroupsPath", l.cgroupsPath);
    o.nonempty("namespaces", l.namespaces);
    o.nonempty("devices", l.devices);
    o.nonempty("netDevices", l.netDevices);
    o.opt("seccomp", l.seccomp);
    o.opt("rootfsPropagation", l.rootfsPropagation);
    o.opt("maskedPaths", l.maskedPaths);
    o.opt("readonlyPaths", l.readonlyPaths);
    o.opt("mountLabel", l.mountLabel);
    o.opt("intelRdt", l.intelRdt);
    o.opt("memoryPolicy", l.memoryPolicy);
    o.opt("personality", l.personality);
    o.nonempty("timeOffsets", l.timeOffsets);
}

template <typename W>
static void put(W& w, const Spec& s) {
    ObjectOut o(w);
    o.field("ociVersion", s.ociVersion);
    o.opt("process", s.process);
    o.opt("root", s.root);
    o.opt("hostname", s.hostname);
    o.opt("domainname", s.domainname);
    o.nonempty("mounts", s.mounts);
    o.opt("hooks", s.hooks);
    o.nonempty("annotations", s.annotations);
    o.opt("linux", s.linux);
}

std::string serialize_config(const Spec& spec, bool pretty) {
    // Tabs, as `runc spec` writes config.json.
    return json::write_json(pretty, '\t', 1, [&](auto& w) { put(w, spec); });
}

std::string serialize_process(const Process& process, bool pretty) {
    return json::write_json(pretty, '\t', 1, [&](auto& w) { put(w, process); });
}

}  // namespace rt::oci
