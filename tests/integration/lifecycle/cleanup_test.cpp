// A failed create leaves nothing behind: no state dir, no process, no mount referencing the
// bundle, checked on the host after each of many distinct failure points.
#define BOOST_TEST_MODULE lifecycle integration : failure cleanup
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>

#include "harness.hpp"

using namespace lt;

namespace {

struct Subreaper {
    // Orphans of a failed create would become our children: make sure none is alive after.
    Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
};
Subreaper g_subreaper;

void expect_failure_leaves_nothing(Env& env, const std::string& expected_message,
                                   const std::vector<std::string>& extra = {}) {
    std::string id = env.id("fail");
    std::vector<std::string> args = {"create", "-b", env.bundle()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(id);
    Result r = env.rt(args);
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find(expected_message) != std::string::npos,
               "stderr: " << r.err << " expected: " << expected_message);
    BOOST_TEST(r.err.find('\n') == r.err.size() - 1, "one line: " << r.err);
    BOOST_TEST(!exists(env.root() + "/" + id), "state dir left");
    // No mount on the host references the test dir (bundle, rootfs copies...).
    std::string mounts = read_file("/proc/self/mountinfo");
    BOOST_TEST(mounts.find(env.dir()) == std::string::npos, "mount left");
    BOOST_TEST(mounts.find(shared_rootfs()) == std::string::npos, "mount left");
    // No process left: every process of the create was ours or our orphan (subreaper).
    int status;
    pid_t p;
    while ((p = ::waitpid(-1, &status, WNOHANG)) > 0) {
    }
    BOOST_TEST((p == -1 && errno == ECHILD), "a process of the failed create is still alive");
}

}  // namespace

BOOST_AUTO_TEST_CASE(failure_bad_config) {
    Env env;
    env.set("/process/args", "[]");
    env.write_config();
    write_file(env.bundle() + "/config.json", "{\"ociVersion\": ");
    // Written by rt(): use a raw run so our broken file stays.
    Result r = lt::run({RT_BINARY, "--root", env.root(), "create", "-b", env.bundle(), "x-bad"});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("config.json") != std::string::npos, r.err);
    BOOST_TEST(!exists(env.root() + "/x-bad"));
}

BOOST_AUTO_TEST_CASE(failure_missing_rootfs) {
    Env env;
    env.set("/root/path", "\"does-not-exist\"");
    expect_failure_leaves_nothing(env,
                                  "/root/path: " + env.bundle() + "/does-not-exist: no such file");
}

BOOST_AUTO_TEST_CASE(failure_intel_rdt_requested) {
    Env env;
    env.set("/linux/intelRdt", R"({"closID":"rt-test"})");
    expect_failure_leaves_nothing(env, "config.json: /linux/intelRdt: Intel RDT");
}

BOOST_AUTO_TEST_CASE(failure_net_device_missing) {
    Env env;
    env.set("/linux/netDevices", R"({"rt-no-such-dev0":{"name":"eth9"}})");
    expect_failure_leaves_nothing(
        env, "config.json: /linux/netDevices/rt-no-such-dev0: no network device rt-no-such-dev0");
}

BOOST_AUTO_TEST_CASE(failure_bad_namespace_path) {
    Env env;
    env.set(
        "/linux/namespaces",
        R"([{"type":"pid"},{"type":"network","path":"/proc/nope/ns/net"},{"type":"mount"},{"type":"uts"}])");
    expect_failure_leaves_nothing(env, "/linux/namespaces/1/path: open /proc/nope/ns/net");
}

BOOST_AUTO_TEST_CASE(failure_mount_in_the_child) {
    Env env;
    env.set("/mounts/-", R"({"destination":"/bad","type":"nosuchfs","source":"x"})");
    expect_failure_leaves_nothing(
        env, "step \"mounts\": mounts[7] mount x (nosuchfs) on /bad: no such device");
}

BOOST_AUTO_TEST_CASE(failure_bind_source_missing) {
    Env env;
    env.set("/mounts/-",
            R"({"destination":"/b","type":"bind","source":"/nonexistent/src","options":["bind"]})");
    expect_failure_leaves_nothing(env, "step \"mounts\": mounts[7] bind source /nonexistent/src");
}

BOOST_AUTO_TEST_CASE(failure_create_runtime_hook) {
    Env env;
    // runtime.md steps 4, 12, 13: the poststop hooks still run after the failed create.
    std::string poststop = env.dir() + "/poststop-ran";
    env.set("/hooks",
            R"({"createRuntime":[{"path":"/bin/sh","args":["sh","-c","echo nope; exit 3"]}],)"
            R"("poststop":[{"path":"/bin/touch","args":["touch",")" +
                poststop + R"("]}]})");
    expect_failure_leaves_nothing(env, "hook createRuntime[0] /bin/sh: exit status 3: nope");
    BOOST_TEST(exists(poststop), "no poststop hook ran after the failed create");
}

BOOST_AUTO_TEST_CASE(failure_prestart_hook_missing_binary) {
    Env env;
    env.set("/hooks", R"({"prestart":[{"path":"/nonexistent/hook"}]})");
    expect_failure_leaves_nothing(env, "hook prestart[0] /nonexistent/hook: exit status 127");
}

BOOST_AUTO_TEST_CASE(failure_create_container_hook_in_the_child) {
    Env env;
    env.set("/hooks", R"({"createContainer":[{"path":"/bin/false"}]})");
    expect_failure_leaves_nothing(
        env, "step \"hooks_createContainer\": hook createContainer[0] /bin/false: exit status 1");
}

BOOST_AUTO_TEST_CASE(failure_executable_not_found) {
    Env env;
    env.set("/process/args", R"(["nosuchcmd"])");
    expect_failure_leaves_nothing(
        env, "step \"executable\": exec: \"nosuchcmd\": executable file not found in $PATH");
}

// A missing or non-executable command fails `create` (as runc), with runc's lower-case texts:
// docker and podman exit 127 on "no such file or directory" / "executable file not found" and
// 126 on "permission denied", matching these substrings of the runtime's error.
BOOST_AUTO_TEST_CASE(failure_missing_command_with_a_slash) {
    Env env;
    env.set("/process/args", R"(["/missing"])");
    expect_failure_leaves_nothing(
        env, "step \"executable\": exec: \"/missing\": stat /missing: no such file or directory");
}

BOOST_AUTO_TEST_CASE(failure_command_that_is_not_executable) {
    for (const char* path : {"/etc/passwd", "/bin", "/dev/null"}) {
        Env env;
        env.set("/process/args", std::string("[\"") + path + "\"]");
        expect_failure_leaves_nothing(
            env, std::string("step \"executable\": exec: \"") + path + "\": permission denied");
    }
}

// x bits for root only: the process (uid 1000) cannot execute it; found at create, not start.
BOOST_AUTO_TEST_CASE(failure_command_executable_only_by_another_user) {
    Env env;
    env.own_rootfs();
    const std::string file = env.rootfs() + "/root-only";
    BOOST_REQUIRE(lt::run({"cp", env.rootfs() + "/bin/busybox", file}).code == 0);
    BOOST_REQUIRE(::chmod(file.c_str(), 0700) == 0);
    env.set("/process/user", R"({"uid":1000,"gid":1000})");
    env.set("/process/args", R"(["/root-only", "true"])");
    expect_failure_leaves_nothing(env,
                                  "step \"executable\": exec: \"/root-only\": permission denied");
}

BOOST_AUTO_TEST_CASE(failure_cwd_is_a_file) {
    Env env;
    env.set("/process/cwd", "\"/bin/busybox/x\"");
    expect_failure_leaves_nothing(env, "step \"create_cwd\"");
}

BOOST_AUTO_TEST_CASE(failure_bad_id_mapping) {
    Env env;
    env.set("/linux/namespaces",
            R"([{"type":"pid"},{"type":"user"},{"type":"mount"},{"type":"uts"}])");
    // Overlapping ranges: the kernel refuses the uid_map write (parent side, after clone).
    env.set(
        "/linux/uidMappings",
        R"([{"containerID":0,"hostID":100000,"size":10},{"containerID":5,"hostID":200000,"size":10}])");
    env.set("/linux/gidMappings", R"([{"containerID":0,"hostID":100000,"size":10}])");
    expect_failure_leaves_nothing(env, "/linux/uidMappings: write /proc/");
}

BOOST_AUTO_TEST_CASE(failure_in_an_init_forked_into_a_joined_user_namespace) {
    // A joined user namespace + a new pid namespace: rt's child forks the init (see
    // InitPlan::fork_into_pid_ns). Both must be gone after a failure. The user namespace is
    // kept by an fd of ours, so that no process of the holder container remains.
    Env holder;
    std::string holder_err;
    std::string hid = run_userns_holder(holder, &holder_err);
    BOOST_REQUIRE_MESSAGE(!hid.empty(), holder_err);
    std::string userns = "/proc/" + std::to_string(holder.pid(hid)) + "/ns/user";
    int fd = ::open(userns.c_str(), O_RDONLY | O_CLOEXEC);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(holder.rt({"delete", "--force", hid}).code == 0);
    struct CloseFd {
        int fd;
        ~CloseFd() { ::close(fd); }
    } close_fd{fd};

    Env env;
    env.set("/linux/namespaces", R"([{"type":"pid"},{"type":"user","path":"/proc/)" +
                                     std::to_string(::getpid()) + "/fd/" + std::to_string(fd) +
                                     R"("},{"type":"mount"},{"type":"uts"},{"type":"ipc"}])");
    env.remove("/linux/uidMappings");
    env.remove("/linux/gidMappings");
    env.set("/mounts/-", R"({"destination":"/bad","type":"nosuchfs","source":"x"})");
    expect_failure_leaves_nothing(
        env, "step \"mounts\": mounts[7] mount x (nosuchfs) on /bad: no such device");
}

BOOST_AUTO_TEST_CASE(interrupted_create_leaves_only_a_dir_that_delete_force_removes) {
    // Not a failure point of create itself: a state dir without state.json (e.g. rt killed)
    // is reported and removable.
    Env env;
    ::mkdir(env.root().c_str(), 0700);
    ::mkdir((env.root() + "/half").c_str(), 0700);
    BOOST_TEST(env.status("half") == "creating");
    BOOST_TEST(env.rt({"delete", "half"}).code != 0);
    BOOST_TEST(env.rt({"delete", "--force", "half"}).code == 0);
    BOOST_TEST(!exists(env.root() + "/half"));
}
