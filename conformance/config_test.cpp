// config.md and config-linux.md: each field set in a config is what the probe sees inside.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "checks.hpp"
#include "suite.hpp"

namespace fs = std::filesystem;
using namespace conformance;

#define RUN "verb:run", "verb:delete", "verb:state"

namespace {

std::string applied(const Problems& p) {
    return p.empty() ? "" : join(p);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(process)

// config.md "process": args, env, cwd, user; "hostname", "domainname".
BOOST_AUTO_TEST_CASE(args_env_cwd_and_hostname_are_applied, *needs({RUN})) {
    Bundle b;
    fs::create_directories(b.rootfs() / "work/dir");
    b.config.args({"/bin/rt-probe", "report", "--sysctl", "kernel.hostname"});
    b.config.set("/process/env", R"(["PATH=/bin","FOO=bar baz","EMPTY="])");
    b.config.set_string("/process/cwd", "/work/dir");
    b.config.set_string("/hostname", "conf-host");
    b.write();
    std::string id = unique_name("process");
    ContainerGuard guard(runtime(), id);
    RunOptions opts;
    opts.env_set["RT_CONFORMANCE_HOST_ONLY"] = "1";  // the runtime's env must not leak in
    auto run = runtime().run(id, b, {}, opts);
    BOOST_REQUIRE_MESSAGE(run.ok(), run.describe());
    auto r = parse_probe_report(run.out);
    auto problems = check_process(b.config, r);
    BOOST_TEST(problems.empty(), applied(problems));
    BOOST_TEST(!r.env_value("RT_CONFORMANCE_HOST_ONLY"));
    BOOST_TEST(r.sysctls["kernel.hostname"].value_or("") == "conf-host");
}

// config.md "domainname".
BOOST_AUTO_TEST_CASE(domainname_is_applied, *needs({RUN})) {
    Bundle b;
    b.config.set_string("/domainname", "conf.domain");
    auto r = run_report(b);
    BOOST_TEST(r.domainname == "conf.domain");
}

// config.md "user": uid, gid, additionalGids, umask (1.0.2+).
BOOST_AUTO_TEST_CASE(user_ids_groups_and_umask_are_applied, *needs({RUN})) {
    Bundle b;
    b.config.set("/process/user", R"({"uid":1234,"gid":2345,"additionalGids":[5,6,3456]})");
    b.config.set("/process/user/umask", "63");
    auto r = run_report(b);
    auto problems = check_process(b.config, r);
    BOOST_TEST(problems.empty(), applied(problems));
    BOOST_TEST(r.uid.saved == 1234u);
    BOOST_TEST(r.gid.saved == 2345u);
}

// config.md: the cwd is created when missing? No: it must exist or be an error for runc;
// the spec only says it is the working directory. A relative cwd is invalid (must be absolute).
BOOST_AUTO_TEST_CASE(relative_cwd_is_an_error, *needs({RUN})) {
    Bundle b;
    b.config.set_string("/process/cwd", "relative/dir");
    std::string id = unique_name("relcwd");
    ContainerGuard guard(runtime(), id);
    BOOST_TEST(!runtime().run(id, b).ok());
}

// config.md "rlimits": each applied, soft and hard.
BOOST_AUTO_TEST_CASE(rlimits_are_applied, *needs({RUN})) {
    Bundle b;
    b.config.set("/process/rlimits", R"([
        {"type":"RLIMIT_NOFILE","soft":512,"hard":1000},
        {"type":"RLIMIT_CORE","soft":0,"hard":4096},
        {"type":"RLIMIT_NPROC","soft":300,"hard":400},
        {"type":"RLIMIT_MSGQUEUE","soft":1000,"hard":2000}])");
    auto r = run_report(b);
    auto problems = check_rlimits(b.config, r);
    BOOST_TEST(problems.empty(), applied(problems));
}

// config.md "rlimits": an unknown type is an error (the runtime cannot apply it).
BOOST_AUTO_TEST_CASE(unknown_rlimit_is_an_error, *needs({RUN})) {
    Bundle b;
    b.config.set("/process/rlimits", R"([{"type":"RLIMIT_NOSUCH","soft":1,"hard":1}])");
    std::string id = unique_name("badrlimit");
    ContainerGuard guard(runtime(), id);
    BOOST_TEST(!runtime().run(id, b).ok());
}

// config.md "capabilities": each of the five sets exactly as configured.
BOOST_AUTO_TEST_CASE(capability_sets_are_applied, *needs({RUN, "capabilities"})) {
    Bundle b;
    b.config.set("/process/capabilities", R"({
        "bounding":["CAP_CHOWN","CAP_KILL","CAP_NET_RAW","CAP_SETUID","CAP_SETGID"],
        "effective":["CAP_CHOWN","CAP_KILL"],
        "permitted":["CAP_CHOWN","CAP_KILL","CAP_NET_RAW"],
        "inheritable":["CAP_KILL","CAP_NET_RAW"],
        "ambient":["CAP_KILL"]})");
    auto r = run_report(b);
    auto problems = check_capabilities(b.config, r);
    BOOST_TEST(problems.empty(), applied(problems));
}

// config.md "capabilities": for a non-root user, ambient caps survive the uid switch.
BOOST_AUTO_TEST_CASE(capabilities_of_a_non_root_user, *needs({RUN, "capabilities"})) {
    Bundle b;
    b.config.set("/process/user", R"({"uid":1000,"gid":1000})");
    b.config.set("/process/capabilities", R"({
        "bounding":["CAP_NET_BIND_SERVICE","CAP_KILL"],
        "effective":["CAP_NET_BIND_SERVICE"],
        "permitted":["CAP_NET_BIND_SERVICE"],
        "inheritable":["CAP_NET_BIND_SERVICE"],
        "ambient":["CAP_NET_BIND_SERVICE"]})");
    auto r = run_report(b);
    auto problems = check_process(b.config, r);
    BOOST_TEST(problems.empty(), applied(problems));
}

// config.md "capabilities": a value which cannot be mapped to a kernel capability MUST be
// logged as a warning (runtime.md "Warnings": the operation continues as if it had not been
// logged), so the container runs with the names that do map. (Not an error: runtimes SHOULD NOT
// fail on capabilities they cannot grant.)
BOOST_AUTO_TEST_CASE(unknown_capability_is_a_warning, *needs({RUN, "capabilities"})) {
    Bundle b;
    b.config.set("/process/capabilities", R"({
        "bounding":["CAP_KILL","CAP_NO_SUCH_THING"],
        "effective":["CAP_KILL"],
        "permitted":["CAP_KILL","CAP_NO_SUCH_THING"]})");
    std::string id = unique_name("badcap");
    ContainerGuard guard(runtime(), id);
    b.config.args({"/bin/rt-probe", "report"});
    auto run = runtime().run(id, b);
    BOOST_REQUIRE_MESSAGE(run.ok(),
                          "an unknown capability name failed the container: " << run.describe());
    auto r = parse_probe_report(run.out);
    BOOST_TEST((r.capabilities["bounding"] == std::set<std::string>{"CAP_KILL"}));
    BOOST_TEST((r.capabilities["effective"] == std::set<std::string>{"CAP_KILL"}));
    BOOST_TEST((r.capabilities["permitted"] == std::set<std::string>{"CAP_KILL"}));
}

BOOST_AUTO_TEST_CASE(no_new_privileges_is_applied_both_ways, *needs({RUN})) {
    for (bool nnp : {true, false}) {
        Bundle b;
        b.config.set("/process/noNewPrivileges", nnp ? "true" : "false");
        auto r = run_report(b);
        BOOST_TEST(r.no_new_privs == nnp);
    }
}

// config.md "oomScoreAdj" (positive: root here lacks CAP_SYS_RESOURCE for negative values).
BOOST_AUTO_TEST_CASE(oom_score_adj_is_applied, *needs({RUN})) {
    Bundle b;
    b.config.set("/process/oomScoreAdj", "123");
    auto r = run_report(b);
    BOOST_TEST(r.oom_score_adj == 123);
}

// config-linux.md "personality".
BOOST_AUTO_TEST_CASE(personality_is_applied, *needs({RUN})) {
    Bundle b;
    b.config.set("/linux/personality", R"({"domain":"LINUX32"})");
    auto r = run_report(b);
    BOOST_TEST((r.personality & 0xff) == 0x0008);  // PER_LINUX32
}

// runtime-linux.md: the process has no fds but stdio (and runtime-specific ones the spec
// allows, none here); none of the runtime's own fds leak in.
BOOST_AUTO_TEST_CASE(only_stdio_fds_reach_the_process, *needs({RUN})) {
    Bundle b;
    auto r = run_report(b);
    for (const auto& f : r.fds) {
        BOOST_TEST(f.fd <= 2, "fd " << f.fd << " -> " << f.target << " leaked in");
    }
}

// runc's CLI: --preserve-fds N passes fds 3..3+N-1.
BOOST_AUTO_TEST_CASE(preserve_fds_passes_extra_fds, *needs({RUN})) {
    Bundle b;
    std::string id = unique_name("preserve");
    ContainerGuard guard(runtime(), id);
    // run_command gives the child fds 0-2 only; an extra fd has to be inherited: open it
    // without O_CLOEXEC at fd 3 for the runtime process (restored afterwards).
    int saved = ::dup(3);
    int fd = ::open("/dev/zero", O_RDONLY);
    if (fd != 3) {
        ::dup2(fd, 3);
        ::close(fd);
    }
    auto r = runtime().run(id, b, {"--preserve-fds", "1"});
    ::close(3);
    if (saved >= 0) {
        ::dup2(saved, 3);
        ::close(saved);
    }
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
    auto report = parse_probe_report(r.out);
    bool found = false;
    for (const auto& f : report.fds) found |= f.fd == 3 && f.target == "/dev/zero";
    BOOST_TEST(found);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(namespaces)

BOOST_AUTO_TEST_CASE(requested_namespaces_are_new_others_shared, *needs({RUN})) {
    Bundle b;
    b.config.remove_namespace("ipc");  // shared with the host
    auto r = run_report(b);
    auto problems = check_namespaces(b.config, r);
    BOOST_TEST(problems.empty(), applied(problems));
    BOOST_TEST(r.pid == 1);  // pid namespace: the process is its init
}

BOOST_AUTO_TEST_CASE(cgroup_namespace_is_new, *needs({RUN, "ns:cgroup"})) {
    Bundle b;
    b.config.add_namespace("cgroup");
    auto r = run_report(b);
    auto problems = check_namespaces(b.config, r);
    BOOST_TEST(problems.empty(), applied(problems));
    for (const auto& c : r.cgroups) BOOST_TEST(c.path == "/", c.controllers << " " << c.path);
}

// config-linux.md "namespaces": path joins an existing namespace.
BOOST_AUTO_TEST_CASE(namespace_path_is_joined, *needs({RUN})) {
    NetNs net;
    PinnedNs uts(CLONE_NEWUTS, "uts");
    Bundle b;
    b.config.add_namespace("network", net.path());
    b.config.add_namespace("uts", uts.path());
    b.config.remove("/hostname");  // a joined uts namespace keeps its name (runc refuses both)
    auto r = run_report(b);
    BOOST_TEST(r.namespaces["net"] == net.inode());
    BOOST_TEST(r.namespaces["uts"] == uts.inode());
}

// config-linux.md: a path to a namespace of another type is an error.
BOOST_AUTO_TEST_CASE(namespace_path_of_the_wrong_type_is_an_error, *needs({RUN})) {
    PinnedNs uts(CLONE_NEWUTS, "uts");
    Bundle b;
    b.config.add_namespace("network", uts.path());
    std::string id = unique_name("wrongns");
    ContainerGuard guard(runtime(), id);
    BOOST_TEST(!runtime().run(id, b).ok());
}

// config-linux.md "user namespace mappings".
BOOST_AUTO_TEST_CASE(user_namespace_with_mappings, *needs({RUN, "ns:user"})) {
    Bundle b;
    b.config.add_namespace("user");
    b.config.set("/linux/uidMappings", R"([{"containerID":0,"hostID":200000,"size":65536}])");
    b.config.set("/linux/gidMappings", R"([{"containerID":0,"hostID":200000,"size":65536}])");
    // sysfs cannot be mounted in a user namespace without its own network namespace owner
    // rights over the host's; keep the default network namespace (new) so it is allowed.
    b.config.args({"/bin/rt-probe", "cat", "/proc/self/uid_map", "/proc/self/gid_map"});
    std::string id = unique_name("userns");
    ContainerGuard guard(runtime(), id);
    auto r = runtime().run(id, b);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
    std::string squeezed;
    for (char c : r.out) {
        if (c == ' ' && (squeezed.empty() || squeezed.back() == ' ')) continue;
        squeezed += c;
    }
    BOOST_TEST(squeezed.find("0 200000 65536") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(time_namespace_offsets, *needs({RUN, "ns:time"})) {
    Bundle b;
    b.config.add_namespace("time");
    b.config.set("/linux/timeOffsets", R"({"monotonic":{"secs":86400,"nanosecs":0}})");
    b.config.args({"/bin/rt-probe", "cat", "/proc/self/timens_offsets"});
    std::string id = unique_name("timens");
    ContainerGuard guard(runtime(), id);
    auto r = runtime().run(id, b);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
    BOOST_TEST(r.out.find("86400") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(filesystem)

// config.md "mounts": each mount present with its type and options, in order.
BOOST_AUTO_TEST_CASE(mounts_are_applied_with_their_options, *needs({RUN})) {
    Bundle b;
    b.config.append("/mounts", R"({"destination":"/scratch","type":"tmpfs","source":"tmpfs",
        "options":["nosuid","nodev","noexec","size=1m","mode=700"]})");
    TempDir host_ro;
    b.config.bind(host_ro.str(), "/ro-bind", true);
    auto r = run_report(b);
    auto problems = check_mounts(b.config, r);
    BOOST_TEST(problems.empty(), applied(problems));
    const ProbeMount* scratch = r.mount_at("/scratch");
    BOOST_REQUIRE(scratch);
    BOOST_TEST(scratch->has_option("size=1024k"));
    BOOST_TEST(scratch->has_option("mode=700"));
}

BOOST_AUTO_TEST_CASE(read_only_bind_mount_refuses_writes, *needs({RUN})) {
    Bundle b;
    TempDir host;
    b.config.bind(host.str(), "/ro", true);
    auto w = run_probe(b, {"write", "/ro/file"});
    BOOST_TEST(parse_probe_action(w.out).err == EROFS, w.describe());
    BOOST_TEST(!fs::exists(host.path() / "file"));
}

// config.md "mounts": the runtime creates a missing destination inside the rootfs.
BOOST_AUTO_TEST_CASE(missing_mount_destination_is_created, *needs({RUN})) {
    Bundle b;
    b.config.append("/mounts",
                    R"({"destination":"/new/deep/dir","type":"tmpfs","source":"tmpfs"})");
    auto r = run_report(b);
    BOOST_TEST(r.mount_at("/new/deep/dir") != nullptr);
}

// config.md "mounts" + CVE-2021-30465: a destination through a symlink that points out of
// the rootfs resolves inside the rootfs.
BOOST_AUTO_TEST_CASE(symlinked_mount_destination_stays_in_the_rootfs, *needs({RUN})) {
    Bundle b;
    TempDir outside;
    fs::create_symlink(outside.path(), b.rootfs() / "escape");
    b.config.append("/mounts", R"({"destination":"/escape","type":"tmpfs","source":"tmpfs"})");
    std::string id = unique_name("symlink");
    ContainerGuard guard(runtime(), id);
    b.config.args({"/bin/rt-probe", "write", "/escape/marker"});
    auto r = runtime().run(id, b);
    // Whether the runtime refuses or mounts inside, the host directory stays untouched.
    BOOST_TEST(!fs::exists(outside.path() / "marker"));
    std::ifstream info("/proc/self/mountinfo");
    std::string all((std::istreambuf_iterator<char>(info)), {});
    BOOST_TEST(all.find(" " + outside.str() + " ") == std::string::npos);
}

// config.md "root.readonly".
BOOST_AUTO_TEST_CASE(readonly_root_refuses_writes, *needs({RUN})) {
    Bundle b;
    b.config.set("/root/readonly", "true");
    auto w = run_probe(b, {"write", "/file"});
    BOOST_TEST(parse_probe_action(w.out).err == EROFS, w.describe());
    BOOST_TEST(!fs::exists(b.rootfs() / "file"));
}

// config-linux.md "maskedPaths": files read empty, directories are empty.
BOOST_AUTO_TEST_CASE(masked_paths_are_masked, *needs({RUN})) {
    Bundle b;
    b.config.set("/linux/maskedPaths",
                 R"(["/proc/kcore","/proc/keys","/sys/firmware","/etc","/proc/no-such"])");
    auto r = run_report(b);
    for (const char* path : {"/proc/kcore", "/proc/keys", "/sys/firmware", "/etc"}) {
        // Paths the kernel does not have (e.g. /proc/kcore without CONFIG_PROC_KCORE) are
        // skipped by runtimes; everything that exists must be covered.
        if (!fs::exists(path)) continue;
        BOOST_TEST(r.mount_at(path) != nullptr, path << " is not masked by a mount");
    }
    auto keys = run_probe(b, {"read", "/proc/keys"});
    BOOST_TEST(parse_probe_action(keys.out).data.empty());
    auto etc = run_probe(b, {"ls", "/etc"});
    BOOST_TEST(etc.out.find("passwd") == std::string::npos, etc.out);
}

// config-linux.md "readonlyPaths".
BOOST_AUTO_TEST_CASE(readonly_paths_are_read_only, *needs({RUN})) {
    Bundle b;
    b.config.set("/linux/readonlyPaths", R"(["/proc/sys","/var"])");
    auto w = run_probe(b, {"write", "/var/file"});
    BOOST_TEST(parse_probe_action(w.out).err == EROFS, w.describe());
    b.config.args({"/bin/rt-probe", "report"});
    auto r = run_report(b);
    BOOST_REQUIRE(r.mount_at("/proc/sys"));
    BOOST_TEST(r.mount_at("/proc/sys")->has_option("ro"));
}

// config-linux.md "rootfsPropagation": the container's / has the propagation asked for.
namespace {
void check_rootfs_propagation(const char* prop) {
    Bundle b;
    b.config.set_string("/linux/rootfsPropagation", prop);
    auto r = run_report(b);
    const ProbeMount* root = r.mount_at("/");
    BOOST_REQUIRE(root);
    std::string got = root->propagation();
    // A slave of a private mount is private (the kernel drops a master-less slave): when the
    // host's mount holding the bundle is not shared, "slave" can only show as private.
    ProbeReport host = parse_probe_report(run_command({probe_path(), "report"}).out);
    std::string host_prop = "private";
    size_t best = 0;
    for (const auto& m : host.mounts) {
        std::string mp = m.mountpoint == "/" ? "/" : m.mountpoint + "/";
        if (b.path().string().rfind(mp, 0) == 0 && mp.size() >= best) {
            best = mp.size();
            host_prop = m.propagation();
        }
    }
    bool ok = got == prop || (std::string(prop) == "slave" && got == "shared+slave") ||
              (std::string(prop) == "slave" && got == "private" &&
               host_prop.find("shared") == std::string::npos);
    BOOST_TEST(ok,
               "rootfsPropagation " << prop << " gave " << got << " (host: " << host_prop << ")");
}
}  // namespace

BOOST_AUTO_TEST_CASE(rootfs_propagation_private, *needs({RUN})) {
    check_rootfs_propagation("private");
}
BOOST_AUTO_TEST_CASE(rootfs_propagation_slave, *needs({RUN})) {
    check_rootfs_propagation("slave");
}
BOOST_AUTO_TEST_CASE(rootfs_propagation_shared, *needs({RUN})) {
    check_rootfs_propagation("shared");
}

// config.md "mounts" propagation options on one mount.
BOOST_AUTO_TEST_CASE(mount_propagation_options, *needs({RUN, "mountopt:rshared"})) {
    Bundle b;
    b.config.append("/mounts", R"({"destination":"/shared","type":"tmpfs","source":"tmpfs",
        "options":["rshared"]})");
    b.config.append("/mounts", R"({"destination":"/private","type":"tmpfs","source":"tmpfs",
        "options":["rprivate"]})");
    auto r = run_report(b);
    BOOST_REQUIRE(r.mount_at("/shared"));
    BOOST_TEST(r.mount_at("/shared")->propagation() == "shared");
    BOOST_REQUIRE(r.mount_at("/private"));
    BOOST_TEST(r.mount_at("/private")->propagation() == "private");
}

// runtime-linux.md "/dev symbolic links"; config-linux.md "default devices".
BOOST_AUTO_TEST_CASE(default_devices_and_dev_symlinks, *needs({RUN})) {
    Bundle b;
    auto r = run_report(b);
    struct Dev {
        const char* path;
        unsigned major, minor;
    };
    for (Dev d : {Dev{"/dev/null", 1, 3}, Dev{"/dev/zero", 1, 5}, Dev{"/dev/full", 1, 7},
                  Dev{"/dev/random", 1, 8}, Dev{"/dev/urandom", 1, 9}, Dev{"/dev/tty", 5, 0}}) {
        const ProbeDevice* got = r.device(d.path);
        BOOST_REQUIRE_MESSAGE(got, d.path << " missing");
        BOOST_TEST(got->type == "c", d.path);
        BOOST_TEST(got->major == d.major, d.path);
        BOOST_TEST(got->minor == d.minor, d.path);
    }
    struct Link {
        const char* path;
        const char* target;
    };
    for (Link l : {Link{"/dev/fd", "/proc/self/fd"}, Link{"/dev/stdin", "/proc/self/fd/0"},
                   Link{"/dev/stdout", "/proc/self/fd/1"}, Link{"/dev/stderr", "/proc/self/fd/2"},
                   Link{"/dev/ptmx", "pts/ptmx"}}) {
        const ProbeDevice* got = r.device(l.path);
        BOOST_REQUIRE_MESSAGE(got, l.path << " missing");
        BOOST_TEST(got->type == "l", l.path);
        BOOST_TEST(got->target == l.target, l.path);
    }
    BOOST_TEST(r.mount_at("/dev/pts") != nullptr);
}

// config-linux.md "devices": created with type, major, minor, fileMode, uid, gid.
BOOST_AUTO_TEST_CASE(configured_devices_are_created, *needs({RUN})) {
    Bundle b;
    b.config.set("/linux/devices", R"([
        {"path":"/dev/fuse","type":"c","major":10,"minor":229,"fileMode":432,"uid":7,"gid":8},
        {"path":"/dev/sub/loopx","type":"b","major":7,"minor":200,"fileMode":384}])");
    auto r = run_report(b);
    auto problems = check_devices(b.config, r);
    BOOST_TEST(problems.empty(), applied(problems));
}

// config-linux.md "sysctl".
BOOST_AUTO_TEST_CASE(sysctls_are_applied, *needs({RUN})) {
    Bundle b;
    b.config.set("/linux/sysctl", R"({"net.ipv4.ip_forward":"1","kernel.shm_rmid_forced":"1"})");
    b.config.args({"/bin/rt-probe", "report", "--sysctl", "net.ipv4.ip_forward", "--sysctl",
                   "kernel.shm_rmid_forced"});
    auto r = run_report(b);
    BOOST_TEST(r.sysctls["net.ipv4.ip_forward"].value_or("") == "1");
    BOOST_TEST(r.sysctls["kernel.shm_rmid_forced"].value_or("") == "1");
}

// config-linux.md "sysctl" is silent on sysctls the container's namespaces do not isolate; runc
// (and crun) refuse them rather than change the host: we follow runc.
BOOST_AUTO_TEST_CASE(sysctl_outside_the_namespaces_is_an_error, *needs({RUN})) {
    Bundle b;
    b.config.set("/linux/sysctl", R"({"vm.swappiness":"10"})");
    std::string id = unique_name("badsysctl");
    ContainerGuard guard(runtime(), id);
    BOOST_TEST(!runtime().run(id, b).ok());
}

BOOST_AUTO_TEST_SUITE_END()
