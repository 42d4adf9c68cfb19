// What engines put in /dev and on tmpfs mounts: --privileged lists every host node (with
// /dev/ptmx) in linux.devices, --device puts a node on a default path, podman adds tmpcopyup
// to its tmpfs mounts. Each case was run with runc 1.1.5 first; where rt differs the test
// says why.
#define BOOST_TEST_MODULE lifecycle integration : devices and tmpfs
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "harness.hpp"

using namespace lt;

namespace {
std::string out_of(Env& env, const std::string& script) {
    env.sh(script);
    Result r = env.run_container();
    BOOST_TEST(r.code == 0, "exit " << r.code << ": " << r.err);
    return r.out;
}

std::string device_json(const std::string& path, char type, unsigned major, unsigned minor,
                        unsigned file_mode) {
    return R"({"path":")" + path + R"(","type":")" + std::string(1, type) + R"(","major":)" +
           std::to_string(major) + R"(,"minor":)" + std::to_string(minor) + R"(,"fileMode":)" +
           std::to_string(file_mode) + R"(,"uid":0,"gid":0})";
}

// Every character and block node directly under the host's /dev, as containerd, podman and
// docker list them for --privileged (fileMode with the file type bits, as podman writes it).
std::string host_devices_json(std::vector<std::string>* names) {
    std::string json = "[";
    DIR* d = ::opendir("/dev");
    BOOST_REQUIRE(d);
    while (dirent* e = ::readdir(d)) {
        std::string path = std::string("/dev/") + e->d_name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) continue;
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) continue;
        if (json.size() > 1) json += ",";
        json += device_json(path, S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev),
                            minor(st.st_rdev), st.st_mode);
        names->push_back(std::string(e->d_name) + " " + std::to_string(major(st.st_rdev)) + ":" +
                         std::to_string(minor(st.st_rdev)));
    }
    ::closedir(d);
    return json + "]";
}

void allow_all_devices(Env& env) {
    env.set("/linux/resources", R"({"devices":[{"allow":true,"access":"rwm"}]})");
}
}  // namespace

// --privileged: every host node in linux.devices, /dev/ptmx (5:2) and the defaults included.
// The entries replace rt's default nodes; /dev/ptmx stays the pts/ptmx link (runc skips that
// entry in createDevices and makes the link in setupPtmx).
BOOST_AUTO_TEST_CASE(privileged_host_devices_with_ptmx_and_the_defaults) {
    Env env;
    allow_all_devices(env);
    std::vector<std::string> names;
    env.set("/linux/devices", host_devices_json(&names));
    BOOST_REQUIRE(names.size() > 6);  // the host has at least the defaults and ptmx
    bool has_ptmx = false;
    for (const auto& n : names) has_ptmx |= n == "ptmx 5:2";
    BOOST_REQUIRE(has_ptmx);
    std::string out = out_of(env,
                             "for f in /dev/*; do [ -L $f ] && continue; [ -b $f ] || [ -c $f ] "
                             "&& stat -c '%n %t:%T' $f; done; echo link $(readlink /dev/ptmx); "
                             "stat -c 'pts %t:%T' /dev/pts/ptmx");
    // stat prints the numbers in hex.
    auto hex = [](const std::string& n) {
        auto sp = n.find(' '), colon = n.find(':');
        char buf[64];
        std::snprintf(buf, sizeof buf, "/dev/%s %x:%x\n", n.substr(0, sp).c_str(),
                      std::stoi(n.substr(sp + 1, colon - sp - 1)), std::stoi(n.substr(colon + 1)));
        return std::string(buf);
    };
    for (const auto& n : names) {
        if (n == "ptmx 5:2") continue;
        BOOST_TEST(out.find(hex(n)) != std::string::npos, n << " in " << out);
    }
    BOOST_TEST(out.find("/dev/ptmx ") == std::string::npos, out);
    BOOST_TEST(out.find("link pts/ptmx\n") != std::string::npos, out);
    BOOST_TEST(out.find("pts 5:2\n") != std::string::npos, out);
}

// docker/podman --device /dev/null:/dev/zero: the entry's node, not the default 1:5.
BOOST_AUTO_TEST_CASE(device_entry_on_a_default_path_wins) {
    Env env;
    allow_all_devices(env);
    env.set("/linux/devices", "[" + device_json("/dev/zero", 'c', 1, 3, 0620) + "]");
    BOOST_TEST(
        out_of(env, "stat -c '%n %t:%T %a' /dev/zero /dev/null; head -c 4 /dev/zero | wc -c") ==
        "/dev/zero 1:3 620\n/dev/null 1:3 666\n0\n");
}

// A node the image left where no tmpfs covers /dev is still checked (config-linux.md
// "devices": a file at path that is not the device is an error), default path or not; runc
// 1.1.5 keeps whatever is there (mknod EEXIST is ignored).
BOOST_AUTO_TEST_CASE(a_wrong_node_left_by_the_image_is_still_an_error) {
    Env env;
    env.own_rootfs();
    env.remove("/mounts/1");  // the /dev tmpfs
    BOOST_REQUIRE(env.config["mounts"][1]["destination"] == "/dev/pts");
    write_file(env.rootfs() + "/dev/null", "not a device\n");
    env.set("/linux/devices", "[" + device_json("/dev/null", 'c', 1, 3, 0666) + "]");
    env.sh("true");
    Result r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("device /dev/null: a file that is not the character device 1:3 is "
                          "already there") != std::string::npos,
               r.err);
    // Without the entry, rt's default node replaces what the image left.
    env.remove("/linux/devices");
    BOOST_TEST(out_of(env, "stat -c '%t:%T' /dev/null") == "1:3\n");
}

// Device paths are cleaned as runc cleans them (filepath.Clean), for the node and for the
// default it replaces: "/dev/null/" is /dev/null, "//dev/./x/" is /dev/x, "/dev/ptmx/" the
// ptmx entry (skipped). runc 1.1.5 compares the raw "/dev/null/" with its default's path and
// then ignores the entry (the default node is already there); rt lets the entry win.
BOOST_AUTO_TEST_CASE(device_paths_are_cleaned) {
    Env env;
    allow_all_devices(env);
    env.set("/linux/devices", "[" + device_json("/dev/null/", 'c', 1, 5, 0666) + "," +
                                  device_json("//dev/./sub//x/", 'c', 1, 7, 0600) + "," +
                                  device_json("/dev/../dev/y", 'c', 1, 8, 0640) + "," +
                                  device_json("/dev/ptmx/", 'c', 5, 2, 0666) + "]");
    BOOST_TEST(
        out_of(env, "stat -c '%n %t:%T %a' /dev/null /dev/sub/x /dev/y; readlink /dev/ptmx") ==
        "/dev/null 1:5 666\n/dev/sub/x 1:7 600\n/dev/y 1:8 640\npts/ptmx\n");
}
