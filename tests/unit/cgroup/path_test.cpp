// cgroupsPath resolution: cgroupfs and systemd forms.
#include <boost/test/unit_test.hpp>

#include "cgroup/path.hpp"
#include "fake_tree.hpp"

using namespace rt::cgroup;
using cgtest::contains;
using cgtest::error_of;

BOOST_AUTO_TEST_SUITE(path)

BOOST_AUTO_TEST_CASE(cgroupfs_forms) {
    BOOST_TEST(resolve_cgroups_path(std::nullopt, "c1", false).path == "/c1");
    BOOST_TEST(resolve_cgroups_path(std::string(""), "c1", false).path == "/c1");
    BOOST_TEST(resolve_cgroups_path(std::string("/a/b"), "c1", false).path == "/a/b");
    BOOST_TEST(resolve_cgroups_path(std::string("//a/./b/"), "c1", false).path == "/a/b");
    auto rel = resolve_cgroups_path(std::string("a/b"), "c1", false);
    BOOST_TEST(rel.path == "a/b");
    BOOST_TEST(rel.relative());
    BOOST_TEST(!resolve_cgroups_path(std::string("/x"), "c1", false).relative());
    // Without --systemd-cgroup a colon is just a character of the path (runc).
    BOOST_TEST(resolve_cgroups_path(std::string("/a:b:c"), "c1", false).path == "/a:b:c");
}

BOOST_AUTO_TEST_CASE(cgroupfs_errors_name_the_field) {
    auto msg = error_of([] { resolve_cgroups_path(std::string("/a/../../etc"), "c1", false); });
    BOOST_TEST(contains(msg, "config.json: /linux/cgroupsPath: \"/a/../../etc\""), msg);
    BOOST_TEST(contains(msg, "\"..\" is not allowed"), msg);
    msg = error_of([] { resolve_cgroups_path(std::string("/"), "c1", false); });
    BOOST_TEST(contains(msg, "root cgroup"), msg);
    msg = error_of([] { resolve_cgroups_path(std::string("./"), "c1", false); });
    BOOST_TEST(contains(msg, "root cgroup"), msg);
}

BOOST_AUTO_TEST_CASE(systemd_forms) {
    BOOST_TEST(resolve_cgroups_path(std::string("system.slice:docker:abc"), "c1", true).path ==
               "/system.slice/docker-abc.scope");
    BOOST_TEST(resolve_cgroups_path(std::string("machine-pod1.slice:crio:abc"), "c1", true).path ==
               "/machine.slice/machine-pod1.slice/crio-abc.scope");
    BOOST_TEST(resolve_cgroups_path(std::string(":rt:abc"), "c1", true).path ==
               "/system.slice/rt-abc.scope");
    BOOST_TEST(resolve_cgroups_path(std::string("-.slice::abc"), "c1", true).path == "/abc.scope");
    BOOST_TEST(resolve_cgroups_path(std::string("user.slice:p:sub.slice"), "c1", true).path ==
               "/user.slice/sub.slice");
    BOOST_TEST(resolve_cgroups_path(std::nullopt, "c1", true).path == "/system.slice/rt-c1.scope");
}

BOOST_AUTO_TEST_CASE(systemd_errors) {
    auto msg = error_of([] { resolve_cgroups_path(std::string("/a/b"), "c1", true); });
    BOOST_TEST(contains(msg, "expected \"slice:prefix:name\""), msg);
    BOOST_TEST(contains(msg, "/linux/cgroupsPath"), msg);
    msg = error_of([] { resolve_cgroups_path(std::string("a:b:c:d"), "c1", true); });
    BOOST_TEST(contains(msg, "slice:prefix:name"), msg);
    msg = error_of([] { resolve_cgroups_path(std::string("bad:p:n"), "c1", true); });
    BOOST_TEST(contains(msg, "invalid systemd slice name \"bad\""), msg);
    msg = error_of([] { resolve_cgroups_path(std::string("system.slice:p:"), "c1", true); });
    BOOST_TEST(contains(msg, "invalid systemd unit name"), msg);
    msg = error_of([] { resolve_cgroups_path(std::string("system.slice:p:a/b"), "c1", true); });
    BOOST_TEST(contains(msg, "invalid systemd unit name"), msg);
}

BOOST_AUTO_TEST_CASE(expand_slice_rules) {
    BOOST_TEST(expand_slice("system.slice") == "/system.slice");
    BOOST_TEST(expand_slice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice");
    BOOST_TEST(expand_slice("-.slice") == "/");
    for (const char* bad : {".slice", "a", "-a.slice", "a--b.slice", "a-.slice", "a/b.slice"})
        BOOST_TEST(!error_of([&] { expand_slice(bad); }).empty(), bad);
}

BOOST_AUTO_TEST_CASE(hierarchy_paths) {
    CgroupPath abs{"/a/b"}, rel{"c/d"};
    BOOST_TEST(hierarchy_path(abs, "/own/x", false) == "/a/b");
    BOOST_TEST(hierarchy_path(rel, "/own/x", false) == "/own/x/c/d");
    BOOST_TEST(hierarchy_path(rel, "/own/x", true) == "/own/c/d");  // v2: parent of own
    BOOST_TEST(hierarchy_path(rel, "/", false) == "/c/d");
    BOOST_TEST(hierarchy_path(rel, "/", true) == "/c/d");
    BOOST_TEST(hierarchy_path(rel, "/x", true) == "/c/d");
    BOOST_TEST(hierarchy_path(rel, "", false) == "/c/d");
}

BOOST_AUTO_TEST_SUITE_END()
