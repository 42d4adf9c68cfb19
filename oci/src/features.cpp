// The features document (features.md, features-linux.md).
#include "rt/oci/features.hpp"

#include "json_read.hpp"
#include "json_write.hpp"

namespace rt::oci {
namespace {

// {"enabled": bool} objects of features-linux.md.
struct Enabled {
    std::optional<bool> enabled;
};

void read_object(const json::Object& o, Enabled& e) {
    o.opt("enabled", e.enabled);
}

template <typename W>
void put(W& w, const Enabled& e) {
    json::ObjectOut o(w);
    o.opt("enabled", e.enabled);
}

// Reads member `name` of o as {"enabled": bool} into out.
void read_enabled(const json::Object& o, std::string_view name, std::optional<bool>& out) {
    std::optional<Enabled> e;
    o.opt(name, e);
    if (e) out = e->enabled;
}

}  // namespace

using FL = Features::Linux;

static bool is_set(const FL::Cgroup& c) {
    return c != FL::Cgroup{};
}
static bool is_set(const FL::Seccomp& s) {
    return s != FL::Seccomp{};
}

static void read_object(const json::Object& o, FL::Cgroup& c) {
    o.opt("v1", c.v1);
    o.opt("v2", c.v2);
    o.opt("systemd", c.systemd);
    o.opt("systemdUser", c.systemdUser);
    o.opt("rdma", c.rdma);
}

static void read_object(const json::Object& o, FL::Seccomp& s) {
    o.opt("enabled", s.enabled);
    o.opt("actions", s.actions);
    o.opt("operators", s.operators);
    o.opt("archs", s.archs);
    o.opt("knownFlags", s.knownFlags);
    o.opt("supportedFlags", s.supportedFlags);
}

namespace {

struct IntelRdtFeature {
    std::optional<bool> enabled, schemata, monitoring;
};

void read_object(const json::Object& o, IntelRdtFeature& r) {
    o.opt("enabled", r.enabled);
    o.opt("schemata", r.schemata);
    o.opt("monitoring", r.monitoring);
}

template <typename W>
void put(W& w, const IntelRdtFeature& r) {
    json::ObjectOut o(w);
    o.opt("enabled", r.enabled);
    o.opt("schemata", r.schemata);
    o.opt("monitoring", r.monitoring);
}

}  // namespace

static void read_object(const json::Object& o, FL::MemoryPolicy& m) {
    o.opt("modes", m.modes);
    o.opt("flags", m.flags);
}

static void read_object(const json::Object& o, FL& l) {
    o.opt("namespaces", l.namespaces);
    o.opt("capabilities", l.capabilities);
    o.opt("cgroup", l.cgroup);
    o.opt("seccomp", l.seccomp);
    read_enabled(o, "apparmor", l.apparmor);
    read_enabled(o, "selinux", l.selinux);
    std::optional<IntelRdtFeature> rdt;
    o.opt("intelRdt", rdt);
    if (rdt) {
        l.intelRdt = rdt->enabled;
        l.intelRdtSchemata = rdt->schemata;
        l.intelRdtMonitoring = rdt->monitoring;
    }
    if (const json::Value* v = o.find("mountExtensions")) {
        json::Path path = o.path().member("mountExtensions");
        json::Object ext(o.source(), path, *v);
        read_enabled(ext, "idmap", l.idmapMounts);
    }
    read_enabled(o, "netDevices", l.netDevices);
    o.opt("memoryPolicy", l.memoryPolicy);
}

static void read_object(const json::Object& o, Features& f) {
    o.req("ociVersionMin", f.ociVersionMin);
    o.req("ociVersionMax", f.ociVersionMax);
    o.opt("hooks", f.hooks);
    o.opt("mountOptions", f.mountOptions);
    o.opt("annotations", f.annotations);
    o.opt("potentiallyUnsafeConfigAnnotations", f.potentiallyUnsafeConfigAnnotations);
    o.opt("linux", f.linux);
}

template <typename W>
static void put(W& w, const FL::Cgroup& c) {
    json::ObjectOut o(w);
    o.opt("v1", c.v1);
    o.opt("v2", c.v2);
    o.opt("systemd", c.systemd);
    o.opt("systemdUser", c.systemdUser);
    o.opt("rdma", c.rdma);
}

template <typename W>
static void put(W& w, const FL::Seccomp& s) {
    json::ObjectOut o(w);
    o.opt("enabled", s.enabled);
    o.field("actions", s.actions);
    o.field("operators", s.operators);
    o.field("archs", s.archs);
    o.field("knownFlags", s.knownFlags);
    o.field("supportedFlags", s.supportedFlags);
}

template <typename W>
static void put(W& w, const FL::MemoryPolicy& m) {
    json::ObjectOut o(w);
    o.field("modes", m.modes);
    o.field("flags", m.flags);
}

template <typename W>
static void put(W& w, const FL& l) {
    json::ObjectOut o(w);
    o.field("namespaces", l.namespaces);
    o.field("capabilities", l.capabilities);
    if (is_set(l.cgroup)) o.field("cgroup", l.cgroup);
    if (is_set(l.seccomp)) o.field("seccomp", l.seccomp);
    if (l.apparmor) o.field("apparmor", Enabled{l.apparmor});
    if (l.selinux) o.field("selinux", Enabled{l.selinux});
    if (l.intelRdt || l.intelRdtSchemata || l.intelRdtMonitoring)
        o.field("intelRdt", IntelRdtFeature{l.intelRdt, l.intelRdtSchemata, l.intelRdtMonitoring});
    if (l.idmapMounts) {
        o.writer().Key("mountExtensions");
        json::ObjectOut ext(o.writer());
        ext.field("idmap", Enabled{l.idmapMounts});
    }
    if (l.netDevices) o.field("netDevices", Enabled{l.netDevices});
    o.opt("memoryPolicy", l.memoryPolicy);
}

template <typename W>
static void put(W& w, const Features& f) {
    json::ObjectOut o(w);
    o.field("ociVersionMin", f.ociVersionMin);
    o.field("ociVersionMax", f.ociVersionMax);
    o.field("hooks", f.hooks);
    o.field("mountOptions", f.mountOptions);
    o.opt("linux", f.linux);
    o.nonempty("annotations", f.annotations);
    o.nonempty("potentiallyUnsafeConfigAnnotations", f.potentiallyUnsafeConfigAnnotations);
}

std::string serialize_features(const Features& features, bool pretty) {
    return json::write_json(pretty, ' ', 4, [&](auto& w) { put(w, features); });
}

Features parse_features(std::string_view text, std::string_view origin) {
    json::Source src{origin};
    rapidjson::Document doc;
    json::parse_document(doc, text, src);
    Features features;
    json::read(src, json::Path{}, doc, features);
    return features;
}

}  // namespace rt::oci
