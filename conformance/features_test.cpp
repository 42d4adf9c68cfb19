// features.md / features-linux.md: the `features` document (runc's `features` verb) follows the
// spec, and what it claims is real: its ociVersion range is accepted, its namespaces and seccomp
// actions, operators and architectures are recognized in a config.
#include <rapidjson/document.h>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <regex>
#include <vector>

#include "rt/oci/names.hpp"
#include "suite.hpp"

using namespace conformance;

#define RUN "verb:run", "verb:delete", "verb:state"

namespace {

rapidjson::Document features_document() {
    auto f = runtime().cmd({"features"});
    BOOST_REQUIRE_MESSAGE(f.ok(), f.describe());
    rapidjson::Document d;
    d.Parse(f.out.c_str());
    BOOST_REQUIRE_MESSAGE(d.IsObject(), "features is not a JSON object: " << f.out);
    return d;
}

std::vector<std::string> strings(const rapidjson::Value& parent, const char* key) {
    std::vector<std::string> out;
    if (!parent.IsObject() || !parent.HasMember(key) || !parent[key].IsArray()) return out;
    for (const auto& v : parent[key].GetArray())
        if (v.IsString()) out.push_back(v.GetString());
    return out;
}

const rapidjson::Value& member(const rapidjson::Value& parent, const char* key) {
    static const rapidjson::Value null;
    return parent.IsObject() && parent.HasMember(key) ? parent[key] : null;
}

// Runs the bundle (the probe writes /out/ran) and requires it to be accepted.
void require_accepted(Bundle& b, const std::string& what) {
    b.config.args({"/bin/rt-probe", "write", "/out/ran"});
    std::string id = unique_name("claimed");
    ContainerGuard guard(runtime(), id);
    auto r = runtime().run(id, b);
    BOOST_TEST(r.ok(), what << ": " << r.describe());
    BOOST_TEST(std::filesystem::exists(b.out() / "ran"), what << ": the program did not run");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(features)

// features.md: ociVersionMin/Max REQUIRED, SemVer, Max not less than Min; hooks and
// mountOptions arrays of strings; annotations a map of strings (as config.json's);
// features-linux.md: namespaces from the config's types, capabilities CAP_ names, cgroup
// v1/v2 booleans.
BOOST_AUTO_TEST_CASE(document_follows_the_spec, *needs({"verb:features"})) {
    auto d = features_document();
    static const std::regex semver(
        R"(^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$)");
    for (const char* key : {"ociVersionMin", "ociVersionMax"}) {
        BOOST_REQUIRE_MESSAGE(d.HasMember(key) && d[key].IsString(), key << " missing");
        BOOST_TEST(std::regex_match(std::string(d[key].GetString()), semver),
                   key << " '" << d[key].GetString() << "' is not SemVer");
    }
    BOOST_TEST(runtime().claims(std::string("spec:") + d["ociVersionMin"].GetString()),
               "ociVersionMax is less than ociVersionMin");
    for (const char* key : {"hooks", "mountOptions"}) {
        if (!d.HasMember(key) || d[key].IsNull()) continue;
        BOOST_REQUIRE_MESSAGE(d[key].IsArray(), key << " is not an array");
        for (const auto& v : d[key].GetArray()) BOOST_TEST(v.IsString(), key << ": not a string");
    }
    for (const auto& h : strings(d, "hooks")) {
        static const std::vector<std::string> known{"prestart",        "createRuntime",
                                                    "createContainer", "startContainer",
                                                    "poststart",       "poststop"};
        BOOST_TEST((std::find(known.begin(), known.end(), h) != known.end()), "hook " << h);
    }
    if (d.HasMember("annotations") && !d["annotations"].IsNull()) {
        BOOST_REQUIRE(d["annotations"].IsObject());
        for (const auto& a : d["annotations"].GetObject())
            BOOST_TEST(a.value.IsString(), "annotation " << a.name.GetString());
    }
    const auto& linux = member(d, "linux");
    static const std::vector<std::string> ns_types{"cgroup", "ipc",  "mount", "network",
                                                   "pid",    "time", "user",  "uts"};
    for (const auto& ns : strings(linux, "namespaces"))
        BOOST_TEST((std::find(ns_types.begin(), ns_types.end(), ns) != ns_types.end()),
                   "namespace " << ns);
    for (const auto& cap : strings(linux, "capabilities"))
        BOOST_TEST(cap.rfind("CAP_", 0) == 0u, "capability " << cap);
    const auto& cgroup = member(linux, "cgroup");
    for (const char* key : {"v1", "v2", "systemd", "systemdUser", "rdma"}) {
        const auto& v = member(cgroup, key);
        BOOST_TEST((v.IsNull() || v.IsBool()), "cgroup." << key << " is not a boolean");
    }
}

// features.md: "The runtime MUST accept this value as the ociVersion property of config.json",
// for both ociVersionMin and ociVersionMax.
BOOST_AUTO_TEST_CASE(oci_version_min_and_max_are_accepted, *needs({"verb:features", RUN})) {
    auto d = features_document();
    for (const char* key : {"ociVersionMin", "ociVersionMax"}) {
        Bundle b;
        b.config.set_string("/ociVersion", d[key].GetString());
        require_accepted(b, std::string("ociVersion ") + d[key].GetString());
    }
}

// features-linux.md "namespaces": the runtime MUST recognize each as a linux.namespaces type:
// a container with a new namespace of each claimed type runs (user with a mapping).
BOOST_AUTO_TEST_CASE(claimed_namespaces_are_recognized, *needs({"verb:features", RUN})) {
    auto d = features_document();
    for (const auto& ns : strings(member(d, "linux"), "namespaces")) {
        Bundle b;
        b.config.remove_namespace(ns);
        b.config.add_namespace(ns);
        if (ns == "user") {
            b.config.set("/linux/uidMappings", R"([{"containerID":0,"hostID":0,"size":65536}])");
            b.config.set("/linux/gidMappings", R"([{"containerID":0,"hostID":0,"size":65536}])");
        }
        require_accepted(b, "namespace " + ns);
    }
}

// features-linux.md "capabilities": the runtime MUST recognize each in process.capabilities:
// with every claimed capability in the bounding set, the container's bounding set holds each
// one this process has itself (only the bounding set: the permitted one cannot exceed the
// caller's, and root lacks CAP_SYS_RESOURCE on some hosts).
BOOST_AUTO_TEST_CASE(claimed_capabilities_are_recognized,
                     *needs({"verb:features", RUN, "capabilities"})) {
    auto d = features_document();
    auto claimed = strings(member(d, "linux"), "capabilities");
    std::string caps;
    for (const auto& cap : claimed) caps += (caps.empty() ? "\"" : ",\"") + cap + "\"";
    Bundle b;
    b.config.set("/process/capabilities/bounding", "[" + caps + "]");
    auto r = run_report(b);
    // This process's bounding set, by number (CapBnd in /proc/self/status).
    std::string status = read_text("/proc/self/status");
    auto at = status.find("CapBnd:\t");
    BOOST_REQUIRE(at != std::string::npos);
    uint64_t own = std::stoull(status.substr(at + 8, 16), nullptr, 16);
    // capabilities(7) by number, the table the probe decodes its report with.
    const auto& numbered = rt::oci::names::kCapabilities;
    const auto& bounding = r.capabilities["bounding"];
    for (const auto& cap : claimed) {
        auto it = std::find(std::begin(numbered), std::end(numbered), cap);
        if (it == std::end(numbered) || !((own >> (it - std::begin(numbered))) & 1)) continue;
        BOOST_TEST(bounding.count(cap) == 1u, cap << " claimed but not in the bounding set");
    }
}

// features.md "mountOptions": the runtime MUST recognize each as a mount option: a tmpfs with
// each claimed option, one mount each, runs (bind, rbind, idmap, ridmap and remount make sense
// on other kinds of mounts and are checked by the filesystem suite).
BOOST_AUTO_TEST_CASE(claimed_mount_options_are_recognized, *needs({"verb:features", RUN})) {
    auto d = features_document();
    Bundle b;
    int n = 0;
    std::string used;
    for (const auto& opt : strings(d, "mountOptions")) {
        if (opt == "bind" || opt == "rbind" || opt == "idmap" || opt == "ridmap" ||
            opt == "remount")
            continue;
        b.config.append("/mounts", R"({"destination":"/opt)" + std::to_string(n++) +
                                       R"(","type":"tmpfs","source":"tmpfs","options":[")" + opt +
                                       R"("]})");
        used += " " + opt;
    }
    BOOST_TEST_MESSAGE("tmpfs options:" << used);
    require_accepted(b, "tmpfs mounts with each claimed option");
}

// features-linux.md "seccomp": the runtime MUST recognize each claimed action, operator and
// architecture in a config: one profile uses them all, each rule on a syscall the container
// never makes (SCMP_ACT_NOTIFY, which needs an agent, is checked by the security suite; the
// default action ALLOW needs no rule; architectures of the host's byte order only).
BOOST_AUTO_TEST_CASE(claimed_seccomp_values_are_recognized,
                     *needs({"verb:features", RUN, "seccomp"})) {
    auto d = features_document();
    const auto& seccomp = member(member(d, "linux"), "seccomp");
    static const std::vector<std::string> unused{
        "acct",          "swapon",        "swapoff",     "kexec_load",    "init_module",
        "delete_module", "quotactl",      "syslog",      "pivot_root",    "umount2",
        "settimeofday",  "adjtimex",      "sethostname", "setdomainname", "iopl",
        "ioperm",        "create_module", "nfsservctl",  "vhangup",       "lookup_dcookie"};
    size_t next = 0;
    auto syscall_name = [&]() {
        BOOST_REQUIRE_MESSAGE(next < unused.size(), "more claimed values than spare syscalls");
        return unused[next++];
    };
    std::string rules;
    auto add = [&](const std::string& rule) { rules += (rules.empty() ? "" : ",") + rule; };
    for (const auto& action : strings(seccomp, "actions")) {
        if (action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_NOTIFY") continue;
        add(R"({"names":[")" + syscall_name() + R"("],"action":")" + action + R"("})");
    }
    for (const auto& op : strings(seccomp, "operators")) {
        add(R"({"names":[")" + syscall_name() +
            R"("],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"valueTwo":1,"op":")" +
            op + R"("}]})");
    }
    // One filter holds architectures of one byte order only (libseccomp refuses to mix them,
    // EDOM): the big-endian ones are left out on a little-endian host and the other way round.
    static const std::vector<std::string> big_endian{
        "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",    "SCMP_ARCH_S390",   "SCMP_ARCH_S390X",     "SCMP_ARCH_PARISC",
        "SCMP_ARCH_PARISC64", "SCMP_ARCH_M68K",   "SCMP_ARCH_SHEB"};
    const bool host_big_endian = std::endian::native == std::endian::big;
    std::string archs;
    for (const auto& arch : strings(seccomp, "archs")) {
        bool big = std::find(big_endian.begin(), big_endian.end(), arch) != big_endian.end();
        if (big != host_big_endian) continue;
        archs += (archs.empty() ? "\"" : ",\"") + arch + "\"";
    }
    Bundle b;
    b.config.set("/linux/seccomp", R"({"defaultAction":"SCMP_ACT_ALLOW","architectures":[)" +
                                       archs + R"(],"syscalls":[)" + rules + "]}");
    BOOST_TEST_MESSAGE("profile: " << b.config.get("/linux/seccomp"));
    require_accepted(b, "every claimed seccomp action, operator and architecture");
}

BOOST_AUTO_TEST_SUITE_END()
