// Meta tests: the checks must fail against a deliberately wrong config, so that a passing
// conformance test means the runtime did the thing, not that the check cannot fail.
#include <sched.h>

#include "checks.hpp"
#include "suite.hpp"

using namespace conformance;

#define RUN "verb:run", "verb:delete", "verb:state"

BOOST_AUTO_TEST_SUITE(meta)

BOOST_AUTO_TEST_CASE(process_checks_catch_a_wrong_config, *needs({RUN})) {
    Bundle b;
    b.config.set("/process/user", R"({"uid":0,"gid":0,"additionalGids":[7]})");
    auto report = run_report(b);
    BOOST_REQUIRE(check_process(b.config, report).empty());
    struct Wrong {
        const char* pointer;
        const char* value;
    };
    for (Wrong w :
         {Wrong{"/hostname", R"("not-the-hostname")"},
          Wrong{"/process/env", R"(["PATH=/bin","MISSING=1"])"}, Wrong{"/process/cwd", R"("/tmp")"},
          Wrong{"/process/user/uid", "1"}, Wrong{"/process/user/gid", "1"},
          Wrong{"/process/user/additionalGids", "[8]"}, Wrong{"/process/user/umask", "7"},
          Wrong{"/process/noNewPrivileges", "false"}, Wrong{"/process/oomScoreAdj", "5"},
          Wrong{"/process/args", R"(["/bin/rt-probe","other"])"},
          Wrong{"/process/capabilities/bounding", R"(["CAP_KILL"])"},
          Wrong{"/process/capabilities/inheritable", R"(["CAP_KILL"])"},
          Wrong{"/process/rlimits", R"([{"type":"RLIMIT_NOFILE","soft":99,"hard":99}])"}}) {
        Config wrong = b.config;
        wrong.set(w.pointer, w.value);
        BOOST_TEST(!check_process(wrong, report).empty(), w.pointer << " mismatch not caught");
    }
}

BOOST_AUTO_TEST_CASE(namespace_checks_catch_a_wrong_config, *needs({RUN})) {
    Bundle b;
    auto report = run_report(b);
    BOOST_REQUIRE(check_namespaces(b.config, report).empty());
    Config no_net = b.config;
    no_net.remove_namespace("network");
    BOOST_TEST(!check_namespaces(no_net, report).empty());
    Config new_user = b.config;
    new_user.add_namespace("cgroup");
    BOOST_TEST(!check_namespaces(new_user, report).empty());
    NetNs other;
    Config joined = b.config;
    joined.add_namespace("network", other.path());
    BOOST_TEST(!check_namespaces(joined, report).empty());
    // The probe run on the host, not in a container, fails the default config's checks.
    auto host = run_command({probe_path(), "report"});
    BOOST_TEST(!check_namespaces(b.config, parse_probe_report(host.out)).empty());
}

BOOST_AUTO_TEST_CASE(mount_and_device_checks_catch_a_wrong_config, *needs({RUN})) {
    Bundle b;
    b.config.set("/linux/devices",
                 R"([{"path":"/dev/fuse","type":"c","major":10,"minor":229,"fileMode":438}])");
    auto report = run_report(b);
    BOOST_REQUIRE(check_mounts(b.config, report).empty());
    BOOST_REQUIRE(check_devices(b.config, report).empty());
    Config extra_mount = b.config;
    extra_mount.append("/mounts", R"({"destination":"/nowhere","type":"tmpfs","source":"x"})");
    BOOST_TEST(!check_mounts(extra_mount, report).empty());
    Config extra_option = b.config;
    extra_option.set("/mounts/0/options", R"(["ro"])");  // /proc is mounted rw
    BOOST_TEST(!check_mounts(extra_option, report).empty());
    Config wrong_dev = b.config;
    wrong_dev.set("/linux/devices/0/minor", "230");
    BOOST_TEST(!check_devices(wrong_dev, report).empty());
    Config wrong_mode = b.config;
    wrong_mode.set("/linux/devices/0/fileMode", "420");
    BOOST_TEST(!check_devices(wrong_mode, report).empty());
}

BOOST_AUTO_TEST_SUITE_END()
