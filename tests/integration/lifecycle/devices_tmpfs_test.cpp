// What engines put in /dev and on tmpfs mounts: --privileged lists every host node (with
// /dev/ptmx) in linux.devices, --device puts a node on a default path, podman adds tmpcopyup
// to its tmpfs mounts. Each case was run with runc 1.1.5 first; where rt differs the test
// says why.
#define BOOST_TEST_MODULE lifecycle integration : devices and tmpfs
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
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
        (void)std::snprintf(buf, sizeof buf, "/dev/%s %x:%x\n", n.substr(0, sp).c_str(),
                            std::stoi(n.substr(sp + 1, colon - sp - 1)),
                            std::stoi(n.substr(colon + 1)));
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

namespace {
std::string mode_owner(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return "missing";
    char buf[128];
    (void)std::snprintf(buf, sizeof buf, "%o %u:%u %ld", static_cast<unsigned>(st.st_mode),
                        static_cast<unsigned>(st.st_uid), static_cast<unsigned>(st.st_gid),
                        S_ISDIR(st.st_mode) ? 0L : static_cast<long>(st.st_mtim.tv_sec));
    return buf;
}

std::string xattr_of(const std::string& path, const char* name) {
    char buf[256];
    ssize_t n = ::lgetxattr(path.c_str(), name, buf, sizeof buf);
    return n < 0 ? "none" : std::string(buf, static_cast<size_t>(n));
}

// podman's options for --tmpfs, --mount type=tmpfs and the --read-only tmpfs mounts.
std::string podman_tmpfs(const std::string& dest, const std::string& more = "") {
    return R"({"destination":")" + dest +
           R"(","type":"tmpfs","source":"tmpfs","options":["rw","rprivate","nosuid","nodev","tmpcopyup")" +
           more + "]}";
}
}  // namespace

// tmpcopyup: the image's files under the mount point are copied into the new tmpfs with owner,
// mode (setuid, setgid dirs: runc 1.1.5 loses these to its umask, runc#3991), times and xattrs;
// fifos and device nodes too (runc 1.1.5 fails on a fifo). The tmpfs root keeps the covered
// directory's mode, not its owner (as runc). Checked from the host through /proc/PID/root of the
// created container, then from inside.
BOOST_AUTO_TEST_CASE(tmpcopyup_copies_the_image_contents) {
    Env env;
    env.own_rootfs();
    std::string data = env.rootfs() + "/data";
    BOOST_REQUIRE(::mkdir(data.c_str(), 0750) == 0);
    BOOST_REQUIRE(::chown(data.c_str(), 5, 6) == 0);
    write_file(data + "/f", "image file\n");
    BOOST_REQUIRE(::chown((data + "/f").c_str(), 1000, 2000) == 0);
    BOOST_REQUIRE(::chmod((data + "/f").c_str(), 0640) == 0);
    BOOST_REQUIRE(::lsetxattr((data + "/f").c_str(), "trusted.rt-test", "kept", 4, 0) == 0);
    write_file(data + "/suid", "#!/bin/sh\n");
    BOOST_REQUIRE(::chmod((data + "/suid").c_str(), 04755) == 0);
    BOOST_REQUIRE(::mkdir((data + "/sub").c_str(), 0755) == 0);
    BOOST_REQUIRE(::chown((data + "/sub").c_str(), 3, 4) == 0);
    BOOST_REQUIRE(::chmod((data + "/sub").c_str(), 02775) == 0);
    write_file(data + "/sub/g", "deeper\n");
    BOOST_REQUIRE(::symlink("f", (data + "/link").c_str()) == 0);
    BOOST_REQUIRE(::lchown((data + "/link").c_str(), 7, 8) == 0);
    BOOST_REQUIRE(::mkfifo((data + "/fifo").c_str(), 0620) == 0);
    BOOST_REQUIRE(::mknod((data + "/nul").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0);
    struct timespec old[2] = {{978307200, 0}, {978307200, 0}};  // 2001-01-01
    for (const char* f : {"/f", "/suid", "/sub/g", "/fifo"})
        BOOST_REQUIRE(::utimensat(AT_FDCWD, (data + f).c_str(), old, 0) == 0);
    env.set("/mounts/-", podman_tmpfs("/data"));

    env.set("/process/args", R"(["sleep","100"])");
    std::string id = env.id();
    Result r = env.rt({"create", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    std::string inside = "/proc/" + std::to_string(env.pid(id)) + "/root/data";
    for (const char* f : {"/f", "/suid", "/sub", "/sub/g", "/link", "/fifo", "/nul"})
        BOOST_TEST(mode_owner(inside + f) == mode_owner(data + f), f);
    BOOST_TEST(mode_owner(inside) == "40750 0:0 0");  // mode of the covered dir, owner root
    BOOST_TEST(read_file(inside + "/f") == "image file\n");
    BOOST_TEST(read_file(inside + "/sub/g") == "deeper\n");
    BOOST_TEST(xattr_of(inside + "/f", "trusted.rt-test") == "kept");
    char target[16] = {};
    BOOST_TEST(::readlink((inside + "/link").c_str(), target, sizeof target - 1) == 1);
    BOOST_TEST(std::string(target) == "f");
    BOOST_TEST(env.rt({"delete", "-f", id}).code == 0);

    // Inside (root without CAP_DAC_OVERRIDE: the copied modes apply): a writable tmpfs
    // (nosuid, nodev) whose writes never reach the image.
    std::string out = out_of(env,
                             "cat /data/sub/g; cat /data/f 2>/dev/null || echo f-denied; "
                             "echo new > /data/new && cat /data/new; "
                             "grep ' /data ' /proc/self/mountinfo");
    BOOST_TEST(out.find("deeper\nf-denied\nnew\n") == 0, out);
    BOOST_TEST(out.find(" - tmpfs ") != std::string::npos, out);
    BOOST_TEST(out.find("rw,nosuid,nodev") != std::string::npos, out);
    BOOST_TEST(!exists(data + "/new"));
}

// podman --read-only: a read-only rootfs with writable tmpfs mounts (tmpcopyup) on /tmp,
// /var/tmp and /run; a read-only tmpcopyup tmpfs shows the copy and refuses writes.
BOOST_AUTO_TEST_CASE(read_only_rootfs_with_tmpcopyup_tmpfs_mounts) {
    Env env;
    env.own_rootfs();
    BOOST_REQUIRE(env.config["root"]["readonly"].GetBool());
    write_file(env.rootfs() + "/run/image-file", "from the image\n");
    ::mkdir((env.rootfs() + "/etc/conf.d").c_str(), 0755);
    write_file(env.rootfs() + "/etc/conf.d/a", "conf\n");
    for (const char* d : {"/tmp", "/var/tmp", "/run"}) env.set("/mounts/-", podman_tmpfs(d));
    env.set("/mounts/-", podman_tmpfs("/etc/conf.d", R"(,"ro")"));
    std::string out =
        out_of(env,
               "for d in /tmp /var/tmp /run; do echo x > $d/w && stat -c \"%n %a\" $d; done; "
               "cat /run/image-file /etc/conf.d/a; touch /etc/x 2>/dev/null || echo root-ro; "
               "touch /etc/conf.d/b 2>/dev/null || echo conf-ro");
    BOOST_TEST(out ==
               "/tmp 1777\n/var/tmp 1777\n/run 755\nfrom the image\nconf\nroot-ro\nconf-ro\n");
    BOOST_TEST(!exists(env.rootfs() + "/run/w"));
}

// A tmpfs over an existing directory without mode= keeps the directory's mode (runc chmods the
// tmpfs root to it), also read-only; mode= wins (runc 1.1.5 chmods over it too); a destination
// rt creates gets tmpfs's own 1777.
BOOST_AUTO_TEST_CASE(tmpfs_without_mode_keeps_the_directory_mode) {
    Env env;
    env.own_rootfs();
    for (auto [d, mode] : {std::pair{"/m750", 0750}, {"/m750ro", 0750}, {"/m755given700", 0755}}) {
        BOOST_REQUIRE(::mkdir((env.rootfs() + d).c_str(), 0700) == 0);
        BOOST_REQUIRE(::chmod((env.rootfs() + d).c_str(), mode) == 0);
    }
    env.set("/mounts/-", R"({"destination":"/m750","type":"tmpfs","source":"tmpfs"})");
    env.set(
        "/mounts/-",
        R"({"destination":"/m750ro","type":"tmpfs","source":"tmpfs","options":["ro","size=1m"]})");
    env.set(
        "/mounts/-",
        R"({"destination":"/m755given700","type":"tmpfs","source":"tmpfs","options":["mode=700"]})");
    env.set("/mounts/-", R"({"destination":"/made/by/rt","type":"tmpfs","source":"tmpfs"})");
    BOOST_TEST(out_of(env, "stat -c '%n %a' /m750 /m750ro /m755given700 /made/by/rt") ==
               "/m750 750\n/m750ro 750\n/m755given700 700\n/made/by/rt 1777\n");
}
