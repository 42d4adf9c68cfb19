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
