// Layout detection from mountinfo text and fake hosts.
#include <boost/test/unit_test.hpp>

#include "cgroup/layout.hpp"
#include "fake_tree.hpp"

using namespace rt::cgroup;
using namespace cgtest;

namespace {

// This project's hybrid hosts: cpu and cpuacct mounted separately, cgroup2 at .../unified.
std::string hybrid_mountinfo(const std::string& root) {
    const std::string& r = root;
    return "31 23 0:28 / " + r +
           " rw,relatime - tmpfs tmpfs rw,mode=755\n"
           "32 31 0:29 / " +
           r +
           "/cpu rw,relatime - cgroup cgroup rw,cpu\n"
           "33 31 0:30 / " +
           r +
           "/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
           "35 31 0:32 / " +
           r +
           "/memory rw,relatime - cgroup cgroup rw,memory\n"
           "40 31 0:37 / " +
           r +
           "/systemd rw,relatime shared:5 - cgroup cgroup rw,xattr,name=systemd\n"
           "41 31 0:38 / " +
           r + "/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(layout)

BOOST_AUTO_TEST_CASE(parse_mountinfo_fields_and_escapes) {
    auto mounts = parse_mountinfo(
        "36 35 98:0 /mnt1 /mnt\\040with\\040space rw,noatime master:1 - ext3 /dev/root "
        "rw,errors=continue\n"
        "garbage line\n"
        "41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    BOOST_REQUIRE_EQUAL(mounts.size(), 2u);
    BOOST_TEST(mounts[0].major == 98u);
    BOOST_TEST(mounts[0].minor == 0u);
    BOOST_TEST(mounts[0].root == "/mnt1");
    BOOST_TEST(mounts[0].mount_point == "/mnt with space");
    BOOST_TEST(mounts[0].fstype == "ext3");
    BOOST_TEST(mounts[0].super_options == "rw,errors=continue");
    BOOST_TEST(mounts[1].fstype == "cgroup2");
}

BOOST_AUTO_TEST_CASE(parse_proc_cgroup_lines) {
    auto own =
        parse_proc_cgroup("4:memory:/process_api/x\n2:cpu,cpuacct:/a:b\n1:name=systemd:/\n0::/u\n");
    BOOST_TEST(own["memory"] == "/process_api/x");
    BOOST_TEST(own["cpu,cpuacct"] == "/a:b");
    BOOST_TEST(own["name=systemd"] == "/");
    BOOST_TEST(own[""] == "/u");
}

BOOST_AUTO_TEST_CASE(detect_hybrid_with_separate_cpu_and_cpuacct) {
    TempDir t;
    put(t / "mountinfo", hybrid_mountinfo(t / "cg"));
    put(t / "cgroup", "4:memory:/process_api/abc\n1:cpu:/\n0::/\n");
    put(t / "cg/unified/cgroup.controllers", "hugetlb\n");
    auto l = detect_layout({t / "mountinfo", t / "cgroup", false});
    BOOST_TEST(to_string(l.kind) == "hybrid");
    BOOST_REQUIRE_EQUAL(l.v1.size(), 4u);
    BOOST_TEST(l.v1_for("cpu")->mount_point == t / "cg/cpu");
    BOOST_TEST(l.v1_for("cpuacct")->mount_point == t / "cg/cpuacct");
    BOOST_TEST(l.v1_for("cpu") != l.v1_for("cpuacct"));
    BOOST_TEST(l.v1_for("name=systemd")->controllers == std::vector<std::string>{"name=systemd"});
    BOOST_TEST(l.v1_for("hugetlb") == nullptr);
    BOOST_REQUIRE(l.unified);
    BOOST_TEST(l.unified->mount_point == t / "cg/unified");
    BOOST_TEST(l.unified->has("hugetlb"));
    BOOST_TEST(l.has_controller("hugetlb"));
    BOOST_TEST(!l.has_controller("net_cls"));
    BOOST_TEST(l.own["memory"] == "/process_api/abc");
}

BOOST_AUTO_TEST_CASE(detect_legacy_with_comounted_controllers) {
    TempDir t;
    put(t / "mountinfo", "32 31 0:29 / " + (t / "cg/cpu,cpuacct") +
                             " rw - cgroup cgroup rw,cpu,cpuacct\n"
                             "35 31 0:32 / " +
                             (t / "cg/memory") +
                             " rw - cgroup cgroup rw,memory\n"
                             "36 31 0:33 / " +
                             (t / "cg/net_cls,net_prio") +
                             " rw - cgroup cgroup rw,net_cls,net_prio\n");
    auto l = detect_layout({t / "mountinfo", t / "nonexistent", false});
    BOOST_TEST(to_string(l.kind) == "legacy");
    BOOST_TEST(l.v1_for("cpu") == l.v1_for("cpuacct"));
    BOOST_TEST(l.v1_for("cpu")->key() == "cpu,cpuacct");
    BOOST_TEST(l.v1_for("net_prio")->has("net_cls"));
    BOOST_TEST(!l.unified);
    BOOST_TEST(l.own.empty());
}

BOOST_AUTO_TEST_CASE(detect_unified) {
    TempDir t;
    put(t / "mountinfo", "30 23 0:26 / " + (t / "cg") +
                             " rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n");
    put(t / "cg/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    put(t / "cgroup", "0::/user.slice/session-1.scope\n");
    auto l = detect_layout({t / "mountinfo", t / "cgroup", false});
    BOOST_TEST(to_string(l.kind) == "unified");
    BOOST_TEST(l.v1.empty());
    BOOST_TEST(l.unified->controllers.size() == 8u);
    BOOST_TEST(l.has_controller("memory"));
    BOOST_TEST(l.own[""] == "/user.slice/session-1.scope");
}

BOOST_AUTO_TEST_CASE(named_only_v1_hierarchy_with_cgroup2_is_unified) {
    TempDir t;
    put(t / "mountinfo", "30 23 0:26 / " + (t / "cg") +
                             " rw - cgroup2 cgroup2 rw\n"
                             "31 23 0:27 / " +
                             (t / "systemd") + " rw - cgroup cgroup rw,xattr,name=systemd\n");
    auto l = detect_layout({t / "mountinfo", t / "x", false});
    BOOST_TEST(to_string(l.kind) == "unified");
    BOOST_TEST(l.v1.size() == 1u);  // still joined (process tracking), like runc
}

BOOST_AUTO_TEST_CASE(no_cgroup_mounted_is_an_error) {
    TempDir t;
    put(t / "mountinfo", "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n");
    auto msg = error_of([&] { detect_layout({t / "mountinfo", t / "x", false}); });
    BOOST_TEST(contains(msg, "no cgroup filesystem is mounted"), msg);
}

BOOST_AUTO_TEST_CASE(hidden_mounts_are_skipped_when_checking_visibility) {
    // Mount points that do not exist (or whose device differs) are hidden: nothing left.
    TempDir t;
    put(t / "mountinfo", "32 31 0:29 / " + (t / "nope") + " rw - cgroup cgroup rw,cpu\n");
    auto msg = error_of([&] { detect_layout({t / "mountinfo", t / "x", true}); });
    BOOST_TEST(contains(msg, "no cgroup filesystem"), msg);
}

BOOST_AUTO_TEST_CASE(kind_names_round_trip) {
    for (auto k : {LayoutKind::Legacy, LayoutKind::Hybrid, LayoutKind::Unified})
        BOOST_TEST((layout_kind_from_string(to_string(k)) == k));
    BOOST_TEST(!layout_kind_from_string("v3"));
}

BOOST_AUTO_TEST_SUITE_END()
