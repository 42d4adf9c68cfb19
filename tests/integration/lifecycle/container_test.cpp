// What the container sees: namespaces, hostname, mounts, read-only root, masked paths,
// devices, user, umask, rlimits, env, cwd, sysctl, fds, and the symlink escape.
#define BOOST_TEST_MODULE lifecycle integration : container
#include <fcntl.h>
#include <sys/stat.h>
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
std::string host_ns(const char* name) {
    char buf[256];
    ssize_t n = ::readlink((std::string("/proc/self/ns/") + name).c_str(), buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    return buf;
}
}  // namespace

BOOST_AUTO_TEST_CASE(namespaces_differ_from_the_host) {
    Env env;
    env.set(
        "/linux/namespaces",
        R"([{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"cgroup"}])");
    auto got = lines(out_of(
        env, "for n in pid net ipc uts mnt cgroup user; do readlink /proc/self/ns/$n; done"));
    BOOST_REQUIRE(got.size() == 7u);
    const char* names[] = {"pid", "net", "ipc", "uts", "mnt", "cgroup", "user"};
    for (int i = 0; i < 6; ++i) {
        BOOST_TEST_CONTEXT(names[i]) {
            BOOST_TEST(got[i] != host_ns(names[i]));
        }
    }
    BOOST_TEST(got[6] == host_ns("user"));  // not asked for: shared
    BOOST_TEST(out_of(env, "echo $$") == "1\n");
}

BOOST_AUTO_TEST_CASE(join_namespace_by_path_and_wrong_type) {
    Env env;
    // Join the host's network namespace by path: same inode as ours.
    env.set(
        "/linux/namespaces",
        R"([{"type":"pid"},{"type":"network","path":"/proc/self/ns/net"},{"type":"mount"},{"type":"uts"}])");
    BOOST_TEST(out_of(env, "readlink /proc/self/ns/net") == host_ns("net") + "\n");
    env.set(
        "/linux/namespaces",
        R"([{"type":"pid"},{"type":"network","path":"/proc/self/ns/uts"},{"type":"mount"},{"type":"uts"}])");
    env.sh("true");
    Result r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(
        r.err.find("/linux/namespaces/1/path: /proc/self/ns/uts is not a network namespace") !=
            std::string::npos,
        r.err);
}

BOOST_AUTO_TEST_CASE(user_namespace_with_mappings) {
    Env env;
    env.set("/linux/namespaces",
            R"([{"type":"pid"},{"type":"user"},{"type":"mount"},{"type":"ipc"},{"type":"uts"}])");
    env.set("/linux/uidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/linux/gidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    // sysfs needs a net ns owned by the user ns: bind-mount fallback; cgroup stays a bind.
    std::string out = out_of(env, "cat /proc/self/uid_map; id -u; ls -ln /dev/null");
    auto l = lines(out);
    BOOST_REQUIRE(l.size() >= 3u);
    BOOST_TEST(l[0].find("100000") != std::string::npos, l[0]);
    BOOST_TEST(l[1] == "0");
}

// A new network namespace has lo up with 127.0.0.1 when the process starts (runc and crun
// bring it up; the kernel makes it down). IFF_UP is bit 0 of /sys/class/net/lo/flags.
BOOST_AUTO_TEST_CASE(loopback_is_up_in_a_new_network_namespace) {
    Env env;
    std::string out =
        out_of(env, "cat /sys/class/net/lo/flags; ip -4 addr show dev lo | grep -o 'inet [0-9.]*'");
    BOOST_TEST(out == "0x9\ninet 127.0.0.1\n", out);  // IFF_UP | IFF_LOOPBACK
}

// The stdio pipes rt hands to a non-root process become its uid's (gid kept), as runc does,
// so it can reopen /dev/stdout and /dev/stderr (they are /proc/self/fd/N: a new open of the
// pipe, checked against its owner). /dev/null is left as it is.
BOOST_AUTO_TEST_CASE(stdio_pipes_are_given_to_the_process_user) {
    Env env;
    env.set("/process/user", R"({"uid":1000,"gid":1000})");
    env.sh(
        "stat -L -c %u:%g /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; "
        "echo to-stdout > /dev/stdout; echo to-stderr > /dev/stderr; stat -L -c %u /dev/null");
    Result r = env.run_container();
    BOOST_TEST(r.code == 0, "exit " << r.code << ": " << r.err);
    BOOST_TEST(r.out == "1000:0\n1000:0\n1000:0\nto-stdout\n0\n");
    BOOST_TEST(r.err == "to-stderr\n");
}

BOOST_AUTO_TEST_CASE(hostname_and_domainname) {
    Env env;
    env.set("/hostname", "\"box-1\"");
    env.set("/domainname", "\"example.test\"");
    BOOST_TEST(out_of(env, "hostname; cat /proc/sys/kernel/domainname") == "box-1\nexample.test\n");
}

// runc and crun refuse the kernel.hostname sysctl, with or without "hostname": the dedicated
// field names the host. kernel.domainname has no such field and is applied.
BOOST_AUTO_TEST_CASE(kernel_hostname_sysctl_is_refused_domainname_applied) {
    Env env;
    env.set("/hostname", "\"box-1\"");
    env.set("/linux/sysctl", R"({"kernel.hostname":"other"})");
    env.sh("hostname");
    Result r = env.run_container();
    BOOST_TEST(r.code != 0, "exit 0, hostname: " << r.out);
    BOOST_TEST(r.err.find("/linux/sysctl/kernel.hostname: conflicts with the \"hostname\" field") !=
                   std::string::npos,
               r.err);
    BOOST_TEST(env.rt({"list", "-q"}).out.empty());
    env.remove("/hostname");
    r = env.run_container();
    BOOST_TEST(r.code != 0, "exit 0 without hostname, hostname: " << r.out);
    BOOST_TEST(r.err.find("/linux/sysctl/kernel.hostname: conflicts") != std::string::npos, r.err);

    env.set("/linux/sysctl", R"({"kernel.domainname":"sys.test"})");
    BOOST_TEST(out_of(env, "cat /proc/sys/kernel/domainname") == "sys.test\n");
}

BOOST_AUTO_TEST_CASE(mounts_present_with_their_options) {
    Env env;
    std::string src = env.dir() + "/data";
    ::mkdir(src.c_str(), 0755);
    write_file(src + "/f", "host data\n");
    env.set("/mounts/-", R"({"destination":"/data","type":"bind","source":")" + src +
                             R"(","options":["rbind","ro","nosuid","nodev"]})");
    env.set(
        "/mounts/-",
        R"({"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["noexec","size=1m","mode=700"]})");
    std::string out =
        out_of(env,
               "cat /data/f; grep -E ' /data | /scratch | /proc | /dev/pts | /sys | /dev/mqueue ' "
               "/proc/self/mountinfo; touch /data/x 2>&1 || echo ro-ok; stat -c %a /scratch");
    BOOST_TEST(out.find("host data") != std::string::npos);
    BOOST_TEST(out.find("ro-ok") != std::string::npos, out);
    BOOST_TEST(out.find("700") != std::string::npos, out);
    for (auto& line : lines(out)) {
        if (line.find(" /data ") != std::string::npos) {
            BOOST_TEST(line.find("ro,nosuid,nodev") != std::string::npos, line);
        }
        if (line.find(" /scratch ") != std::string::npos) {
            BOOST_TEST(line.find("noexec") != std::string::npos, line);
            BOOST_TEST(line.find("size=1024k") != std::string::npos, line);
        }
        if (line.find(" /sys ") != std::string::npos)
            BOOST_TEST(line.find(" ro,") != std::string::npos, line);
    }
    BOOST_TEST(out.find(" /proc ") != std::string::npos);
    BOOST_TEST(out.find(" /dev/pts ") != std::string::npos);
    BOOST_TEST(out.find(" /dev/mqueue ") != std::string::npos);
    BOOST_TEST(!exists(src + "/x"));
}

BOOST_AUTO_TEST_CASE(cgroup_mount_hybrid_layout) {
    Env env;
    std::string out =
        out_of(env, "ls /sys/fs/cgroup; grep ' /sys/fs/cgroup/memory ' /proc/self/mountinfo");
    for (const char* c : {"memory", "pids", "cpu", "devices", "systemd"})
        BOOST_TEST(out.find(std::string(c) + "\n") != std::string::npos, c << " in " << out);
    BOOST_TEST(out.find(" ro,") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(readonly_root_and_propagation) {
    Env env;
    env.set("/root/readonly", "true");
    BOOST_TEST(out_of(env, "touch /newfile 2>/dev/null && echo writable || echo readonly") ==
               "readonly\n");
    env.set("/root/readonly", "false");
    env.own_rootfs();
    BOOST_TEST(out_of(env, "touch /newfile && echo writable") == "writable\n");
    BOOST_TEST(exists(env.rootfs() + "/newfile"));
}

// linux.rootfsPropagation, with the rootfs on a mount shared with rt's mount namespace (as
// /var on a systemd host; this machine's mounts are all private, so the test makes one in a
// mount namespace of its own with unshare -m). Every value must work (pivot_root refuses a
// shared parent), give the container's / the asked propagation, and leave no mount of the
// container in rt's namespace; a slave root receives the host's later mounts, a private one
// does not.
BOOST_AUTO_TEST_CASE(rootfs_propagation_with_the_rootfs_on_a_shared_mount) {
    Env env;
    std::string m = env.dir() + "/shared";
    BOOST_REQUIRE(::mkdir(m.c_str(), 0755) == 0);
    std::string rootfs = env.rootfs();
    env.set("/root/path", "\"" + m + "/rootfs\"");
    env.set("/root/readonly", "false");
    env.set("/process/args", R"(["sleep","1000"])");
    struct Case {
        const char* value;  // "" = not set
        const char* root_has;
        const char* root_lacks;
        const char* receives_host_mounts;  // "1", "0", or "" (not checked)
    };
    const Case cases[] = {
        {"", "master:", "shared:", "1"},
        {"slave", "master:", "shared:", "1"},
        {"rslave", "master:", "shared:", "1"},
        {"private", "relatime -", "master:", "0"},
        {"rprivate", "relatime -", "master:", "0"},
        {"shared", "shared:", "unbindable", ""},
        {"rshared", "shared:", "unbindable", ""},
        {"unbindable", "unbindable", "shared:", "0"},
        {"runbindable", "unbindable", "shared:", "0"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("rootfsPropagation \"" << c.value << "\"") {
            if (*c.value)
                env.set("/linux/rootfsPropagation", std::string("\"") + c.value + "\"");
            else
                env.remove("/linux/rootfsPropagation");
            env.write_config();
            std::string id = env.id("prop");
            std::string rt = std::string(RT_BINARY) + " --root " + env.root();
            std::string script =
                "set -e; M=" + m + "; mount -t tmpfs rt-test $M; mount --make-shared $M; " +
                "mkdir $M/rootfs; mount --rbind " + rootfs + " $M/rootfs; trap '" + rt +
                " delete --force " + id + " >/dev/null 2>&1' EXIT; " + rt + " run -d -b " +
                env.bundle() + " " + id + "; mount -t tmpfs rt-hostside $M/rootfs/tmp; " + rt +
                " exec " + id +
                " sh -c 'awk \"\\$5 == \\\"/\\\"\" /proc/self/mountinfo; grep -c rt-hostside "
                "/proc/self/mountinfo || true'; grep -c \" $M/rootfs/\" /proc/self/mountinfo";
            Result r = lt::run(
                {"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script});
            BOOST_TEST(r.code == 0, r.err);
            auto l = lines(r.out);
            BOOST_REQUIRE_MESSAGE(l.size() == 3u, r.out << r.err);
            BOOST_TEST(l[0].find(c.root_has) != std::string::npos, l[0]);
            BOOST_TEST(l[0].find(c.root_lacks) == std::string::npos, l[0]);
            if (*c.receives_host_mounts) BOOST_TEST(l[1] == c.receives_host_mounts);
            BOOST_TEST(l[2] == "1", "mounts of the container in rt's namespace: " << r.out);
        }
    }
}

BOOST_AUTO_TEST_CASE(masked_and_readonly_paths) {
    Env env;
    std::string out =
        out_of(env,
               "cat /proc/keys /proc/timer_list | wc -c; ls /sys/firmware | wc -l; echo 1 > "
               "/proc/sys/kernel/ns_last_pid 2>/dev/null "
               "|| echo sys-ro; grep -c -E ' /proc/(keys|timer_list) ' /proc/self/mountinfo");
    BOOST_REQUIRE(exists("/proc/keys") && exists("/proc/timer_list") && exists("/sys/firmware"));
    BOOST_TEST(read_file("/proc/timer_list").size() > 0u);  // the host's is not empty
    auto l = lines(out);
    BOOST_REQUIRE(l.size() == 4u);
    BOOST_TEST(l[0] == "0");  // /dev/null bound on them
    BOOST_TEST(l[1] == "0");  // empty read-only tmpfs
    BOOST_TEST(l[2] == "sys-ro");
    BOOST_TEST(l[3] == "2");
}

BOOST_AUTO_TEST_CASE(devices_default_and_configured) {
    Env env;
    env.set(
        "/linux/devices",
        R"([{"path":"/dev/mynull","type":"c","major":1,"minor":3,"fileMode":432,"uid":1,"gid":2},{"path":"/dev/sub/myzero","type":"c","major":1,"minor":5}])");
    std::string out =
        out_of(env,
               "for d in null zero full random urandom tty mynull sub/myzero; do stat -c '%n %t:%T "
               "%F' /dev/$d; done; "
               "stat -c '%a %u %g' /dev/mynull; readlink /dev/ptmx; readlink /dev/fd; readlink "
               "/dev/stdin; test -d /dev/pts && test -d /dev/shm && echo dirs");
    for (const char* want : {"/dev/null 1:3 character special file", "/dev/zero 1:5",
                             "/dev/full 1:7", "/dev/random 1:8", "/dev/urandom 1:9", "/dev/tty 5:0",
                             "/dev/mynull 1:3", "/dev/sub/myzero 1:5", "660 1 2", "pts/ptmx",
                             "/proc/self/fd\n", "/proc/self/fd/0", "dirs"})
        BOOST_TEST(out.find(want) != std::string::npos, want << " in " << out);
    // config-linux.md "devices": a file already at path that is not the device is an error
    // (here the image's /etc directory); the same device already there is fine.
    env.set("/linux/devices", R"([{"path":"/dev/null","type":"c","major":1,"minor":3}])");
    BOOST_TEST(out_of(env, "stat -c %t:%T /dev/null") == "1:3\n");
    env.set("/linux/devices", R"([{"path":"/etc","type":"c","major":1,"minor":3}])");
    env.sh("true");
    Result r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("device /etc: a file that is not the character device 1:3 is already "
                          "there") != std::string::npos,
               r.err);
}

BOOST_AUTO_TEST_CASE(user_groups_and_umask) {
    Env env;
    env.set("/process/user", R"({"uid":1000,"gid":1001,"additionalGids":[2000,2001],"umask":63})");
    env.set("/root/readonly", "false");
    std::string out = out_of(env, "id -u; id -g; id -G; umask; echo $HOME");
    BOOST_TEST(out == "1000\n1001\n1001 2000 2001\n0077\n/\n", out);
    env.set("/process/user", R"({"uid":0,"gid":0})");
    BOOST_TEST(out_of(env, "umask; echo $HOME") == "0022\n/root\n");
}

BOOST_AUTO_TEST_CASE(rlimits_applied) {
    Env env;
    env.set(
        "/process/rlimits",
        R"([{"type":"RLIMIT_NOFILE","soft":512,"hard":768},{"type":"RLIMIT_NPROC","soft":300,"hard":400}])");
    BOOST_TEST(out_of(env, "ulimit -n; ulimit -Hn; ulimit -u") == "512\n768\n300\n");
    env.set("/process/rlimits", R"([{"type":"RLIMIT_BOGUS","soft":1,"hard":1}])");
    env.sh("true");
    Result r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(
        r.err.find("/process/rlimits/0/type: unknown rlimit \"RLIMIT_BOGUS\"") != std::string::npos,
        r.err);
}

BOOST_AUTO_TEST_CASE(env_and_cwd) {
    Env env;
    env.set("/process/env", R"(["PATH=/bin:/usr/bin","FOO=bar baz","EMPTY="])");
    env.set("/process/cwd", "\"/work/dir\"");
    std::string out = out_of(env, "echo \"$FOO|$EMPTY|$PATH\"; pwd");
    BOOST_TEST(out == "bar baz||/bin:/usr/bin\n/work/dir\n");
}

BOOST_AUTO_TEST_CASE(sysctl_and_oom_score_adj) {
    Env env;
    env.set("/linux/sysctl", R"({"net.ipv4.ip_forward":"1","kernel.shm_rmid_forced":"1"})");
    env.set("/process/oomScoreAdj", "500");
    BOOST_TEST(out_of(env,
                      "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced "
                      "/proc/self/oom_score_adj") == "1\n1\n500\n");
    // The host is unchanged by the container's own network namespace.
    BOOST_TEST(read_file("/proc/sys/kernel/shm_rmid_forced") == "0\n");
}

// A key too long for rt's path buffer fails: cut at the buffer's end it would name another
// sysctl ("net/ipv4////.../ip_forward" here) and rt would set that one instead.
BOOST_AUTO_TEST_CASE(sysctl_with_a_name_too_long_fails) {
    Env env;
    // "/proc/sys/" + key, dots made slashes: the first 511 bytes end with ".../ip_forward".
    std::string key = "net.ipv4" + std::string(482, '/') + ".ip_forward.rt_no_such_sysctl";
    env.set("/linux/sysctl", "{\"" + key + "\":\"1\"}");
    env.sh("cat /proc/sys/net/ipv4/ip_forward");
    Result r = env.run_container();
    BOOST_TEST(r.code != 0, "exit 0, ip_forward in the container: " << r.out);
    BOOST_TEST(r.err.find("name too long") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(only_stdio_and_preserved_fds_reach_the_process) {
    Env env;
    // ls opens the directory it lists as fd 3: /proc/self/fd shows 0 1 2 3.
    BOOST_TEST(out_of(env, "ls /proc/self/fd | tr '\\n' ' '") == "0 1 2 3 ");
    std::string path = env.dir() + "/extra";
    write_file(path, "preserved\n");
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    BOOST_REQUIRE(fd >= 0);
    int fd3 = ::fcntl(fd, F_DUPFD_CLOEXEC, 40);
    ::close(fd);
    env.sh("ls /proc/self/fd | tr '\\n' ' '; cat <&3");
    env.write_config();
    // The child sees the file as fd 3 (dup2 inside a shell), passed with --preserve-fds 1.
    Result r = lt::run({"/bin/bash", "-c",
                        std::string("exec 3<&") + std::to_string(fd3) + " " + std::to_string(fd3) +
                            "<&-; exec " RT_BINARY " --root " + env.root() +
                            " run --preserve-fds 1 -b " + env.bundle() + " " + unique("fds")},
                       "", {fd3});
    ::close(fd3);
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "0 1 2 3 4 preserved\n", r.out);
}

// Without a terminal the container gets rt's stdio itself (engines hand rt pipes), and
// LISTEN_FDS (socket activation) passes fds 3.. with LISTEN_FDS/LISTEN_PID set, as runc does.
BOOST_AUTO_TEST_CASE(stdio_passes_through_and_listen_fds) {
    Env env;
    std::string path = env.dir() + "/socket-standin";
    write_file(path, "activated\n");
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    BOOST_REQUIRE(fd >= 0);
    int fd3 = ::fcntl(fd, F_DUPFD_CLOEXEC, 40);
    ::close(fd);
    env.sh(
        "readlink /proc/self/fd/1; readlink /proc/self/fd/2; echo $LISTEN_FDS $LISTEN_PID; "
        "cat <&3; ls /proc/self/fd | tr '\\n' ' '");
    env.write_config();
    Result r = lt::run(
        {"/bin/bash", "-c",
         "readlink /proc/$$/fd/1; readlink /proc/$$/fd/2 >&2; exec 3<&" + std::to_string(fd3) +
             " " + std::to_string(fd3) + "<&-; LISTEN_FDS=1 exec " RT_BINARY " --root " +
             env.root() + " run -b " + env.bundle() + " " + unique("listen")},
        "", {fd3});
    ::close(fd3);
    BOOST_TEST(r.code == 0, r.err);
    auto l = lines(r.out);
    BOOST_REQUIRE_MESSAGE(l.size() == 6u, r.out);
    BOOST_TEST(l[0].find("pipe:") == 0u, l[0]);
    BOOST_TEST(l[1] == l[0]);                       // the very pipe rt got, not a copy
    BOOST_TEST(lines(r.err).at(0) == l[2], r.err);  // stderr too
    BOOST_TEST(l[3] == "1 1");
    BOOST_TEST(l[4] == "activated");
    BOOST_TEST(l[5] == "0 1 2 3 4 ");
}

BOOST_AUTO_TEST_CASE(symlink_in_rootfs_cannot_redirect_a_mount_to_the_host) {
    // CVE-2021-30465: /evil -> / (absolute) and /up -> ../../.. in the rootfs; mounts on
    // /evil/<host dir>/x and /up/x must land inside the rootfs.
    Env env;
    env.own_rootfs();
    std::string host_target = env.dir() + "/host-target";
    ::mkdir(host_target.c_str(), 0755);
    BOOST_REQUIRE(::symlink("/", (env.rootfs() + "/evil").c_str()) == 0);
    BOOST_REQUIRE(::symlink("../../../..", (env.rootfs() + "/up").c_str()) == 0);
    env.set("/mounts/-",
            R"({"destination":"/evil)" + host_target + R"(/x","type":"tmpfs","source":"tmpfs"})");
    env.set("/mounts/-", R"({"destination":"/up/escaped","type":"tmpfs","source":"tmpfs"})");
    env.set("/root/readonly", "false");
    std::string out =
        out_of(env, std::string("grep -c tmpfs /proc/self/mountinfo >/dev/null; test -d ") +
                        host_target + "/x && echo inside-ok; test -d /escaped && echo up-ok");
    BOOST_TEST(out == "inside-ok\nup-ok\n", out);
    BOOST_TEST(!exists(host_target + "/x"));
    BOOST_TEST(!exists(env.dir() + "/escaped"));
    BOOST_TEST(!exists("/escaped"));
    BOOST_TEST(exists(env.rootfs() + host_target + "/x"));
}

BOOST_AUTO_TEST_CASE(no_pivot_uses_chroot) {
    Env env;
    env.sh(
        "ls / | grep -c busybox >/dev/null; test -x /bin/busybox && echo in-rootfs; grep -c ' / ' "
        "/proc/self/mountinfo");
    env.write_config();
    Result r = env.rt({"run", "--no-pivot", "-b", env.bundle(), env.id()});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out.find("in-rootfs") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(time_namespace_offsets) {
    Env env;
    env.set("/linux/namespaces",
            R"([{"type":"pid"},{"type":"mount"},{"type":"uts"},{"type":"time"}])");
    env.set("/linux/timeOffsets",
            R"({"boottime":{"secs":864000,"nanosecs":0},"monotonic":{"secs":0,"nanosecs":0}})");
    std::string out = out_of(env, "cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time");
    auto l = lines(out);
    BOOST_REQUIRE(l.size() == 2u);
    double host_uptime = std::stod(read_file("/proc/uptime"));
    BOOST_TEST(std::stod(l[0]) >= host_uptime + 864000 - 5, out);
    BOOST_TEST(l[1] != host_ns("time"));
    // rt's own time namespace for children was restored after the clone.
    BOOST_TEST(host_ns("time_for_children") == host_ns("time"));
}

// Joining a user namespace by path together with a new pid namespace: the pid namespace must
// be owned by the joined user namespace (or /proc cannot be mounted in the container).
BOOST_AUTO_TEST_CASE(join_user_namespace_by_path_with_a_new_pid_namespace) {
    Env holder;
    std::string holder_err;
    std::string hid = run_userns_holder(holder, &holder_err);
    BOOST_REQUIRE_MESSAGE(!hid.empty(), holder_err);
    std::string userns = "/proc/" + std::to_string(holder.pid(hid)) + "/ns/user";

    Env env;
    env.set("/linux/namespaces", R"([{"type":"pid"},{"type":"user","path":")" + userns +
                                     R"("},{"type":"mount"},{"type":"uts"},{"type":"ipc"}])");
    env.remove("/linux/uidMappings");
    env.remove("/linux/gidMappings");
    // An "idmap" mount without mappings uses the joined user namespace's: the host's
    // root-owned files are the container root's.
    std::string data = env.dir() + "/data";
    BOOST_REQUIRE(::mkdir(data.c_str(), 0755) == 0);
    write_file(data + "/f", "x");
    env.set("/mounts/-", R"({"destination":"/tmp","type":"bind","source":")" + data +
                             R"(","options":["bind","idmap"]})");
    auto l = lines(out_of(env,
                          "echo $$; readlink /proc/self/ns/user; head -1 /proc/self/uid_map; "
                          "readlink /proc/self/ns/pid; id -u; stat -c %u:%g /tmp/f"));
    BOOST_REQUIRE(l.size() == 6u);
    BOOST_TEST(l[5] == "0:0");
    BOOST_TEST(l[0] == "1");
    char buf[256];
    ssize_t n = ::readlink(userns.c_str(), buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    BOOST_TEST(l[1] == buf);
    BOOST_TEST(l[2].find("100000") != std::string::npos, l[2]);
    BOOST_TEST(l[3] != host_ns("pid"));
    BOOST_TEST(l[4] == "0");
    // The foreground run got the exit code, and detached containers work too (state + exec).
    std::string id = env.id("joined");
    env.sh("sleep 1000");
    Result r = env.rt({"run", "-d", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    BOOST_TEST(env.status(id) == "running");
    r = env.rt({"exec", id, "sh", "-c", "echo $PPID; readlink /proc/self/ns/user"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == std::string("0\n") + buf + "\n");
    env.sh("exit 7");
    BOOST_TEST(env.run_container().code == 7);
}

// Idmapped bind mounts (config.md "mounts": idmap/ridmap, uidMappings/gidMappings): files of
// the source appear with the mapped owners, and files created through the mount get the
// unmapped owner on disk.
BOOST_AUTO_TEST_CASE(idmapped_bind_mounts) {
    Env env;
    std::string data = env.dir() + "/data";
    BOOST_REQUIRE(::mkdir(data.c_str(), 0777) == 0);
    write_file(data + "/f", "x");
    BOOST_REQUIRE(::chown((data + "/f").c_str(), 1234, 1235) == 0);

    // Without a user namespace: the mount's own mappings (on-disk 1234 -> 5000).
    env.set("/mounts/-", R"({"destination":"/tmp","type":"bind","source":")" + data +
                             R"(","options":["bind","idmap"],)"
                             R"("uidMappings":[{"containerID":1234,"hostID":5000,"size":1}],)"
                             R"("gidMappings":[{"containerID":1235,"hostID":6000,"size":1}]})");
    BOOST_TEST(out_of(env, "stat -c %u:%g /tmp/f") == "5000:6000\n");
    // ridmap + rbind is accepted too.
    env.set("/mounts/7/options", R"(["rbind","ridmap"])");
    BOOST_TEST(out_of(env, "stat -c %u:%g /tmp/f") == "5000:6000\n");

    // In a user namespace, "idmap" alone uses the container's mappings: the host's root-owned
    // files are the container root's, and what the container root creates is root's on disk.
    env.set("/linux/namespaces",
            R"([{"type":"pid"},{"type":"user"},{"type":"mount"},{"type":"ipc"},{"type":"uts"}])");
    env.set("/linux/uidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/linux/gidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/mounts/7", R"({"destination":"/tmp","type":"bind","source":")" + data +
                             R"(","options":["bind","idmap"]})");
    BOOST_REQUIRE(::chown((data + "/f").c_str(), 0, 0) == 0);
    BOOST_TEST(out_of(env, "stat -c %u:%g /tmp/f; touch /tmp/new") == "0:0\n");
    struct stat st {};
    BOOST_REQUIRE(::stat((data + "/new").c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == 0u);
    BOOST_TEST(st.st_gid == 0u);
    // Without the option the same file is unmapped (nobody) in the container.
    env.set("/mounts/7/options", R"(["bind"])");
    BOOST_TEST(out_of(env, "stat -c %u /tmp/f") == "65534\n");

    // Errors: idmap without mappings and without a user namespace; idmap of a non-bind mount.
    env.set("/linux/namespaces", R"([{"type":"pid"},{"type":"mount"},{"type":"uts"}])");
    env.remove("/linux/uidMappings");
    env.remove("/linux/gidMappings");
    env.set("/mounts/7/options", R"(["bind","idmap"])");
    env.sh("true");
    Result r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("/mounts/7/options: idmap needs uidMappings and gidMappings") !=
                   std::string::npos,
               r.err);
    env.set("/mounts/7", R"({"destination":"/tmp","type":"tmpfs","source":"tmpfs",)"
                         R"("options":["idmap"],)"
                         R"("uidMappings":[{"containerID":0,"hostID":5000,"size":1}],)"
                         R"("gidMappings":[{"containerID":0,"hostID":5000,"size":1}]})");
    r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("/mounts/7: idmapped mounts are supported for bind mounts only") !=
                   std::string::npos,
               r.err);
}

// linux.devices in a user namespace (mknod is refused there): bind-mounted from the host node
// of the same path, which must be the very device asked for.
BOOST_AUTO_TEST_CASE(devices_in_a_user_namespace_are_bound_from_the_host) {
    Env env;
    env.set("/linux/namespaces",
            R"([{"type":"pid"},{"type":"user"},{"type":"mount"},{"type":"ipc"},{"type":"uts"}])");
    env.set("/linux/uidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/linux/gidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/linux/devices", R"([{"path":"/dev/full","type":"c","major":1,"minor":7}])");
    BOOST_TEST(
        out_of(env, "stat -c '%t:%T' /dev/full; grep -c ' /dev/full ' /proc/self/mountinfo") ==
        "1:7\n1\n");
    // /dev/kmsg on the host is 1:11, not the 1:3 asked for: refused, not bound.
    env.set("/linux/devices", R"([{"path":"/dev/kmsg","type":"c","major":1,"minor":3}])");
    env.sh("true");
    Result r = env.run_container();
    BOOST_TEST(r.code != 0);
    BOOST_TEST(
        r.err.find("device /dev/kmsg: in a user namespace devices are bind-mounted from "
                   "the host, which has no character device 1:3 at /dev/kmsg") != std::string::npos,
        r.err);
}

// A new session keyring named after the container, searchable by its user (perm 3f1b....),
// unless --no-new-keyring (as runc).
BOOST_AUTO_TEST_CASE(session_keyring_and_no_new_keyring) {
    Env env;
    env.set("/linux/maskedPaths", "[]");  // /proc/keys readable
    for (bool keep_callers : {false, true}) {
        std::string id = env.id("keyring");
        env.sh("grep ' _ses." + id + ": ' /proc/keys | grep -c ' perm 3f1b' || true");
        std::vector<std::string> args = {"run"};
        if (keep_callers) args.push_back("--no-new-keyring");
        args.insert(args.end(), {"-b", env.bundle(), id});
        Result r = env.rt(args);
        BOOST_TEST(r.code == 0, r.err);
        BOOST_TEST(r.out == (keep_callers ? "0\n" : "1\n"), "--no-new-keyring " << keep_callers);
    }
}

// A new user namespace with network and uts namespaces joined by path (a pod's shared
// namespaces): rt joins them around the clone, since the child in its new user namespace has
// no privilege over them (as runc does).
BOOST_AUTO_TEST_CASE(new_user_namespace_with_namespaces_joined_by_path) {
    Env env;
    env.set("/linux/namespaces",
            R"([{"type":"pid"},{"type":"user"},{"type":"mount"},{"type":"ipc"},)"
            R"({"type":"uts","path":"/proc/self/ns/uts"},)"
            R"({"type":"network","path":"/proc/self/ns/net"}])");
    env.set("/linux/uidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.set("/linux/gidMappings", R"([{"containerID":0,"hostID":100000,"size":65536}])");
    env.remove("/hostname");  // the host's uts namespace: not ours to name
    auto l = lines(out_of(env,
                          "for n in net uts user ipc; do readlink /proc/self/ns/$n; done; "
                          "id -u; test -d /sys/class && echo sys"));
    BOOST_REQUIRE(l.size() == 6u);
    BOOST_TEST(l[0] == host_ns("net"));
    BOOST_TEST(l[1] == host_ns("uts"));
    BOOST_TEST(l[2] != host_ns("user"));
    BOOST_TEST(l[3] != host_ns("ipc"));
    BOOST_TEST(l[4] == "0");
    BOOST_TEST(l[5] == "sys");
}
