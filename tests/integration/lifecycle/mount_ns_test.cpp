// The container's mount namespace against the host's: propagation between them, a container
// without a mount namespace of its own, and bind sources only host root can reach.
#define BOOST_TEST_MODULE lifecycle integration : mount namespace
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "harness.hpp"

using namespace lt;

namespace {

// A directory of the test made a mount of its own, shared with the host's peer group
// (`mount --bind P P; mount --make-rshared P`); detached with everything under it at the end.
struct SharedHostMount {
    std::string path;
    bool mounted = false;
    explicit SharedHostMount(std::string p) : path(std::move(p)) {
        BOOST_REQUIRE(::mkdir(path.c_str(), 0755) == 0);
        Result r = run({"/bin/mount", "--bind", path, path});
        BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
        mounted = true;
        r = run({"/bin/mount", "--make-rshared", path});
        BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    }
    ~SharedHostMount() {
        if (mounted) ::umount2(path.c_str(), MNT_DETACH);
    }
};

void add_caps(Env& env, const char* cap) {
    for (const char* set : {"bounding", "effective", "permitted"})
        env.set(std::string("/process/capabilities/") + set + "/-", std::string("\"") + cap + "\"");
}

// The mount points of the host's mounts under `dir`.
std::vector<std::string> host_mounts_under(const std::string& dir) {
    std::vector<std::string> found;
    for (const auto& l : lines(read_file("/proc/self/mountinfo"))) {
        size_t pos = 0;
        for (int field = 0; field < 4 && pos != std::string::npos; ++field)
            pos = l.find(' ', pos + 1);
        if (pos == std::string::npos) continue;
        std::string point = l.substr(pos + 1, l.find(' ', pos + 1) - pos - 1);
        if (point.rfind(dir + "/", 0) == 0 || point == dir) found.push_back(point);
    }
    return found;
}

}  // namespace

// Kubernetes "Bidirectional" (containerd: rootfsPropagation "rshared", the volume
// [rbind, rshared]): a mount the container makes under the volume reaches the host. runc
// 1.1.5 gives the same result on this case (the volume stays in the host's peer group).
BOOST_AUTO_TEST_CASE(rshared_volume_propagates_to_the_host) {
    Env env;
    env.own_rootfs();
    SharedHostMount p(env.dir() + "/P");
    BOOST_REQUIRE(::mkdir((p.path + "/c").c_str(), 0755) == 0);
    env.set("/linux/rootfsPropagation", "\"rshared\"");
    env.set("/mounts/-", R"({"destination":"/mnt/vol","type":"bind","source":")" + p.path +
                             R"(","options":["rbind","rshared"]})");
    add_caps(env, "CAP_SYS_ADMIN");
    env.sh("mount --bind /etc /mnt/vol/c && echo mounted");
    Result r = env.run_container();
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "mounted\n");
    BOOST_TEST(exists(p.path + "/c/passwd"), "the host does not see the container's mount");
    // The container's own tree stayed out of the host's namespace.
    BOOST_TEST(host_mounts_under(env.rootfs()).empty());
}

namespace {

// The host's mountinfo line of `point` without the mount ids (field 1 and 2).
std::string host_mount_line(const std::string& point) {
    for (const auto& l : lines(read_file("/proc/self/mountinfo"))) {
        size_t pos = 0;
        for (int field = 0; field < 4 && pos != std::string::npos; ++field)
            pos = l.find(' ', pos + 1);
        if (pos == std::string::npos) continue;
        if (l.substr(pos + 1, l.find(' ', pos + 1) - pos - 1) == point)
            return l.substr(l.find(' ', l.find(' ') + 1) + 1);
    }
    return "";
}

// A bundle without a mount namespace: runc refuses maskedPaths and readonlyPaths there
// ("unable to restrict sys entries without a private MNT namespace"), and so does rt.
void without_mount_namespace(Env& env) {
    env.set("/linux/namespaces", R"([{"type":"pid"},{"type":"ipc"},{"type":"uts"}])");
    env.remove("/linux/maskedPaths");
    env.remove("/linux/readonlyPaths");
}

std::string host_ns(const char* name) {
    char buf[256];
    ssize_t n = ::readlink((std::string("/proc/self/ns/") + name).c_str(), buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    return buf;
}

}  // namespace

// config-linux.md: a namespace type that is not listed is inherited from the runtime. The
// container shares rt's mount namespace, is chrooted into its rootfs with its mounts (under a
// bind of the rootfs in rt's namespace, as runc), exec lands there too, and delete leaves the
// host's mount table as it was (runc 1.1.5 leaves the rootfs bind and every mount under it,
// and makes the host's / rslave).
BOOST_AUTO_TEST_CASE(no_mount_namespace_shares_rts_and_leaves_nothing_mounted) {
    Env env;
    env.own_rootfs();
    without_mount_namespace(env);
    write_file(env.rootfs() + "/marker", "in the rootfs\n");
    env.set("/process/args", R"(["sleep","1000"])");
    const std::string root_before = host_mount_line("/");
    BOOST_REQUIRE(!root_before.empty());
    BOOST_REQUIRE(host_mounts_under(env.rootfs()).empty());
    std::string id = env.id("nomntns");
    Result r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(!host_mounts_under(env.rootfs()).empty(), "the init's mounts are in rt's namespace");
    r = env.rt({"start", id});
    BOOST_TEST(r.code == 0, r.err);
    r = env.rt({"exec", id, "sh", "-c",
                "cat /marker; readlink /proc/self/ns/mnt; grep -c ' /proc ' /proc/self/mountinfo; "
                "test -c /dev/null && echo dev"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "in the rootfs\n" + host_ns("mnt") + "\n1\ndev\n");
    int pid = env.pid(id);
    BOOST_REQUIRE(pid > 0);
    BOOST_TEST(read_file("/proc/" + std::to_string(pid) + "/root/marker") == "in the rootfs\n");
    r = env.rt({"delete", "--force", id});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.err == "");
    BOOST_TEST(host_mounts_under(env.rootfs()).empty());
    BOOST_TEST(host_mount_line("/") == root_before);  // propagation of the host's / unchanged
}

// The init itself sees the rootfs (not only exec), and a create that fails after the init
// mounted things in rt's namespace leaves none of them behind.
BOOST_AUTO_TEST_CASE(no_mount_namespace_run_and_failed_create) {
    Env env;
    without_mount_namespace(env);
    env.sh("test -x /bin/busybox && readlink /proc/self/ns/mnt");
    Result r = env.run_container();
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == host_ns("mnt") + "\n");
    BOOST_TEST(host_mounts_under(env.rootfs()).empty());

    // The last mount fails (its bind source is missing): /proc, /dev... are mounted by then.
    env.set(
        "/mounts/-",
        R"({"destination":"/mnt","type":"bind","source":"/nonexistent-rt-test","options":["rbind"]})");
    r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("/nonexistent-rt-test") != std::string::npos, r.err);
    BOOST_TEST(host_mounts_under(env.rootfs()).empty());
}

// A new user namespace cannot mount in rt's mount namespace: refused before anything exists.
BOOST_AUTO_TEST_CASE(no_mount_namespace_with_a_new_user_namespace_is_refused) {
    Env env;
    without_mount_namespace(env);
    env.set("/linux/namespaces", R"([{"type":"pid"},{"type":"user"},{"type":"uts"}])");
    env.set("/linux/uidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/linux/gidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    Result r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("/linux/namespaces: a new user namespace needs a mount namespace") !=
                   std::string::npos,
               r.err);
}

// A container in a new user namespace binds a file and a directory kept under a directory
// only host root may enter (0700 root:root): rt opens bind sources as host root, as runc and
// crun do (the init, root of its user namespace only, gets EACCES there). The bound file stays
// read-only inside, and a bind without ro stays writable by the mapped root where the host
// lets it.
BOOST_AUTO_TEST_CASE(userns_bind_sources_under_a_root_only_directory) {
    Env env;
    env.own_rootfs();
    std::string secret = env.dir() + "/secret";
    BOOST_REQUIRE(::mkdir(secret.c_str(), 0700) == 0);
    BOOST_REQUIRE(::chmod(secret.c_str(), 0700) == 0);
    BOOST_REQUIRE(::mkdir((secret + "/d").c_str(), 0755) == 0);
    write_file(secret + "/f", "file under 0700\n");
    write_file(secret + "/d/g", "dir under 0700\n");
    env.set("/linux/namespaces",
            R"([{"type":"pid"},{"type":"user"},{"type":"mount"},{"type":"uts"},{"type":"ipc"}])");
    env.set("/linux/uidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/linux/gidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/mounts/-", R"({"destination":"/tmp/f","type":"bind","source":")" + secret +
                             R"(/f","options":["bind","ro"]})");
    env.set("/mounts/-", R"({"destination":"/tmp/d","type":"bind","source":")" + secret +
                             R"(/d","options":["rbind"]})");
    env.sh("cat /tmp/f /tmp/d/g; echo x 2>/dev/null > /tmp/f || echo read-only");
    Result r = env.run_container();
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "file under 0700\ndir under 0700\nread-only\n");
    BOOST_TEST(read_file(secret + "/f") == "file under 0700\n");

    // A missing source is still one line naming the mount.
    env.set("/mounts/-", R"({"destination":"/tmp/m","type":"bind","source":")" + secret +
                             R"(/missing","options":["bind"]})");
    r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("/mounts/") != std::string::npos, r.err);
    BOOST_TEST(r.err.find(secret + "/missing") != std::string::npos, r.err);
}
