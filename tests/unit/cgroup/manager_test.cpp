// Manager on fake hosts: create on every hierarchy (and undo on failure), per-controller
// dispatch across v1/v2, errors for missing controllers, destroy, state round trip.
#include <boost/test/unit_test.hpp>

#include "cgroup/freezer.hpp"
#include "cgroup/manager.hpp"
#include "fake_tree.hpp"

using namespace rt;
using namespace rt::cgroup;
using namespace cgtest;
namespace fsys = std::filesystem;

namespace {

// A fake hybrid host: v1 cpu, cpuacct, memory, cpuset, devices, pids, name=systemd, and a
// cgroup2 mount offering hugetlb, all under <tmp>/cg.
struct FakeHybrid {
    TempDir t;
    Layout layout;
    FakeHybrid() {
        std::string mi;
        int id = 40;
        for (std::string c : {"cpu", "cpuacct", "memory", "cpuset", "devices", "pids", "systemd"}) {
            std::string opt = c == "systemd" ? "name=systemd" : c;
            fsys::create_directories(t / ("cg/" + c));
            ++id;
            mi += std::to_string(id) + " 31 0:" + std::to_string(id) + " / " + (t / ("cg/" + c)) +
                  " rw - cgroup cgroup rw," + opt + "\n";
        }
        mi += "99 31 0:99 / " + (t / "cg/unified") + " rw - cgroup2 cgroup2 rw\n";
        put(t / "cg/unified/cgroup.controllers", "hugetlb\n");
        put(t / "cg/unified/cgroup.subtree_control", "");
        put(t / "cg/cpuset/cpuset.cpus", "0-1\n");
        put(t / "cg/cpuset/cpuset.mems", "0\n");
        put(t / "mountinfo", mi);
        put(t / "self", "4:memory:/session/x\n0::/\n");
        layout = detect_layout({t / "mountinfo", t / "self", false});
    }
    std::string dir(const std::string& rel) const { return t / ("cg/" + rel); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(manager)

// The paused check of list/state: v2 cgroup.events "frozen 1", v1 FROZEN or FREEZING; a
// cgroup that is gone (or none kept) reads as thawed.
BOOST_AUTO_TEST_CASE(frozen_reads_events_and_freezer_state) {
    TempDir t;
    FreezerDirs dirs{t / "v2", t / "v1"};
    put(t / "v2/cgroup.events", "populated 1\nfrozen 0\n");
    put(t / "v1/freezer.state", "THAWED\n");
    BOOST_TEST(!frozen(dirs));
    put(t / "v2/cgroup.events", "populated 1\nfrozen 1\n");
    BOOST_TEST(frozen(dirs));
    BOOST_TEST(frozen(FreezerDirs{t / "v2", ""}));
    put(t / "v2/cgroup.events", "populated 1\nfrozen 0\n");
    put(t / "v1/freezer.state", "FREEZING\n");
    BOOST_TEST(frozen(dirs));
    put(t / "v1/freezer.state", "FROZEN\n");
    BOOST_TEST(frozen(FreezerDirs{"", t / "v1"}));
    BOOST_TEST(!frozen(FreezerDirs{t / "v2", ""}));
    // No "frozen" key (a kernel without the v2 freezer), missing files, nothing kept.
    put(t / "v2/cgroup.events", "populated 1\n");
    BOOST_TEST(!frozen(FreezerDirs{t / "v2", ""}));
    BOOST_TEST(!frozen(FreezerDirs{t / "gone2", t / "gone1"}));
    BOOST_TEST(!frozen(FreezerDirs{}));
}

BOOST_AUTO_TEST_CASE(create_makes_a_dir_on_every_hierarchy) {
    FakeHybrid h;
    auto m = Manager::create(h.layout, resolve_cgroups_path(std::string("/pod/c1"), "c1", false));
    BOOST_TEST(m.nodes().size() == 8u);
    for (std::string c :
         {"cpu", "cpuacct", "memory", "cpuset", "devices", "pids", "systemd", "unified"})
        BOOST_TEST(fsys::is_directory(h.dir(c + "/pod/c1")), c);
    // v2: controllers enabled in the ancestors (the fake root offers hugetlb).
    BOOST_TEST(get(h.dir("unified/cgroup.subtree_control")) == "+hugetlb");
    const Node* u = m.unified_node();
    BOOST_REQUIRE(u);
    BOOST_TEST(u->dir == h.dir("unified/pod/c1"));
    BOOST_TEST(
        (u->created == std::vector<std::string>{h.dir("unified/pod/c1"), h.dir("unified/pod")}));
    BOOST_TEST(m.node_for("memory")->dir == h.dir("memory/pod/c1"));
    BOOST_TEST(m.node_for("name=systemd")->dir == h.dir("systemd/pod/c1"));
    BOOST_TEST(m.node_for("net_cls") == nullptr);
    BOOST_TEST(to_string(m.kind()) == "hybrid");

    m.destroy();
    for (std::string c : {"cpu", "memory", "systemd", "unified"}) {
        BOOST_TEST(!fsys::exists(h.dir(c + "/pod/c1")), c);
        BOOST_TEST(!fsys::exists(h.dir(c + "/pod")), c);  // the ancestor rt created
    }
    m.destroy();  // idempotent
}

BOOST_AUTO_TEST_CASE(relative_paths_follow_own_cgroup) {
    FakeHybrid h;
    auto m = Manager::create(h.layout, resolve_cgroups_path(std::string("sub/c2"), "c2", false));
    BOOST_TEST(m.node_for("memory")->dir == h.dir("memory/session/x/sub/c2"));
    BOOST_TEST(m.node_for("cpu")->dir == h.dir("cpu/sub/c2"));
    BOOST_TEST(m.unified_node()->dir == h.dir("unified/sub/c2"));
    m.destroy();
    BOOST_TEST(fsys::exists(h.dir("memory/session/x")) == false);  // created by this test only
}

BOOST_AUTO_TEST_CASE(existing_leaf_is_joined_and_kept) {
    FakeHybrid h;
    fsys::create_directories(h.dir("memory/shared"));
    put(h.dir("memory/shared/cgroup.procs"), "");
    auto m = Manager::create(h.layout, {"/shared"});
    m.destroy();
    BOOST_TEST(fsys::exists(h.dir("memory/shared")));  // not ours
    BOOST_TEST(!fsys::exists(h.dir("cpu/shared")));
}

BOOST_AUTO_TEST_CASE(failed_create_leaves_nothing) {
    FakeHybrid h;
    // The leaf exists on "pids" with a process in it: refused after the earlier
    // hierarchies were created, which must be undone.
    fsys::create_directories(h.dir("pids/busy"));
    put(h.dir("pids/busy/cgroup.procs"), "4242\n");
    auto msg = error_of([&] { Manager::create(h.layout, {"/busy"}); });
    BOOST_TEST(contains(msg, "create cgroup /busy: cgroup " + h.dir("pids/busy") +
                                 " already exists and has processes"),
               msg);
    for (std::string c : {"cpu", "cpuacct", "memory", "cpuset", "devices", "systemd", "unified"})
        BOOST_TEST(!fsys::exists(h.dir(c + "/busy")), c);
    BOOST_TEST(fsys::exists(h.dir("pids/busy")));

    // mkdir failing (a file where a directory should be) on a later hierarchy.
    put(h.dir("devices/blocker"), "");
    msg = error_of([&] { Manager::create(h.layout, {"/blocker/c"}); });
    BOOST_TEST(contains(msg, "mkdir " + h.dir("devices/blocker/c")), msg);
    for (std::string c : {"cpu", "cpuacct", "memory", "cpuset"})
        BOOST_TEST(!fsys::exists(h.dir(c + "/blocker")), c);
}

BOOST_AUTO_TEST_CASE(apply_dispatches_per_controller_and_names_fields) {
    FakeHybrid h;
    auto m = Manager::create(h.layout, {"/c3"});
    // The files the kernel would create.
    put(h.dir("memory/c3/memory.limit_in_bytes"));
    put(h.dir("pids/c3/pids.max"));
    put(h.dir("cpuset/c3/cpuset.cpus"), "0-1");
    put(h.dir("cpuset/c3/cpuset.mems"), "0");
    put(h.dir("unified/c3/hugetlb.2MB.max"));
    put(h.dir("unified/c3/cgroup.controllers"), "hugetlb\n");
    auto loaded = Manager::load(m.serialize());  // controllers as created: none on the fake leaf
    oci::Resources r;
    r.memory = oci::MemoryResources{};
    r.memory->limit = 1 << 20;
    r.pids = oci::PidsResources{32};
    r.cpu = oci::CpuResources{};
    r.cpu->cpus = "1";
    m.apply(r);
    BOOST_TEST(get(h.dir("memory/c3/memory.limit_in_bytes")) == std::to_string(1 << 20));
    BOOST_TEST(get(h.dir("pids/c3/pids.max")) == "32");
    BOOST_TEST(get(h.dir("cpuset/c3/cpuset.cpus")) == "1");

    // hugetlb lives on v2 here; the leaf's cgroup.controllers was empty at create time.
    oci::Resources huge;
    huge.hugepageLimits.push_back({"2MB", 2097152});
    auto msg = error_of([&] { loaded.apply(huge); });
    BOOST_TEST(contains(msg,
                        "config.json: /linux/resources/hugepageLimits: the hugetlb controller is "
                        "not available on this host"),
               msg);
    BOOST_TEST(contains(msg, "cgroup.controllers"), msg);

    oci::Resources net;
    net.network = oci::NetworkResources{};
    net.network->classID = 7;
    msg = error_of([&] { m.apply(net); });
    BOOST_TEST(contains(msg, "/network/classID: the net_cls controller is not available"), msg);

    oci::Resources uni;
    uni.unified["cpu.weight"] = "100";
    msg = error_of([&] { m.apply(uni); });
    BOOST_TEST(
        contains(msg, "/unified/cpu.weight: the cpu controller is on cgroup v1 on this host"), msg);

    ApplyOptions upd;
    upd.origin = "rt update --resources";
    msg = error_of([&] { m.apply(net, upd); });
    BOOST_TEST(contains(msg, "rt update --resources/network/classID"), msg);

    fsys::remove_all(h.dir("memory/c3"));  // fake files are not cgroupfs: clean by hand
    fsys::remove_all(h.dir("pids/c3"));
    fsys::remove_all(h.dir("cpuset/c3"));
    fsys::remove_all(h.dir("unified/c3"));
    m.destroy();
}

BOOST_AUTO_TEST_CASE(unified_on_legacy_is_an_error) {
    TempDir t;
    fsys::create_directories(t / "cg/memory");
    put(t / "mountinfo", "35 31 0:32 / " + (t / "cg/memory") + " rw - cgroup cgroup rw,memory\n");
    auto layout = detect_layout({t / "mountinfo", t / "x", false});
    auto m = Manager::create(layout, {"/c"});
    oci::Resources r;
    r.unified["memory.high"] = "1";
    auto msg = error_of([&] { m.apply(r); });
    BOOST_TEST(contains(msg,
                        "config.json: /linux/resources/unified: needs cgroup v2, and this host has "
                        "cgroup v1 only"),
               msg);
    BOOST_TEST(m.open_unified_dir().get() == -1);
    m.destroy();
}

BOOST_AUTO_TEST_CASE(state_round_trip_and_errors) {
    FakeHybrid h;
    auto m = Manager::create(h.layout, {"/rt1"});
    auto text = m.serialize();
    auto back = Manager::load(text);
    BOOST_TEST(back.serialize() == text);
    BOOST_TEST(back.nodes().size() == m.nodes().size());
    BOOST_TEST(back.unified_node()->dir == h.dir("unified/rt1"));
    back.destroy();
    BOOST_TEST(!fsys::exists(h.dir("cpu/rt1")));

    for (const char* bad :
         {"", "[]", "{\"version\":2}", "{\"version\":1,\"layout\":\"x\",\"nodes\":[]}",
          "{\"version\":1,\"layout\":\"hybrid\",\"nodes\":[{\"mount\":\"/m\"}]}",
          // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one literal over two lines
          "{\"version\":1,\"layout\":\"hybrid\",\"nodes\":[{\"mount\":\"/m\",\"path\":\"/\","
          "\"dir\":\"rel\"}]}"})
        BOOST_TEST(contains(error_of([&] { Manager::load(bad); }), "cgroup state:"), bad);
}

BOOST_AUTO_TEST_CASE(systemd_path_layout) {
    FakeHybrid h;
    auto m = Manager::create(h.layout,
                             resolve_cgroups_path(std::string("machine.slice:rt:c9"), "c9", true));
    BOOST_TEST(m.node_for("memory")->dir == h.dir("memory/machine.slice/rt-c9.scope"));
    m.destroy();
    BOOST_TEST(!fsys::exists(h.dir("memory/machine.slice")));
}

BOOST_AUTO_TEST_SUITE_END()
