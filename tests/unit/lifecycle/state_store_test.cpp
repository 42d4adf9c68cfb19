#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/fs.hpp"
#include "core/state_store.hpp"
#include "rt/error.hpp"

using namespace rt;

namespace {
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/rt-unit-lifecycle-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { base::remove_all_at(AT_FDCWD, path); }
};
}  // namespace

BOOST_AUTO_TEST_CASE(container_id_validation) {
    for (const char* ok : {"a", "my-container_1.2", "0123456789abcdef"})
        BOOST_CHECK_NO_THROW(core::validate_container_id(ok));
    std::string too_long(1025, 'x');
    for (const std::string& bad :
         {std::string(""), std::string("/"), std::string(".."), std::string("."),
          std::string("a/b"), std::string("a\nb"), std::string("a\x7f"), too_long}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_CHECK_THROW(core::validate_container_id(bad), Error);
        }
    }
    BOOST_CHECK_NO_THROW(core::validate_container_id(std::string(1024, 'y')));
}

BOOST_AUTO_TEST_CASE(record_round_trip) {
    core::ContainerRecord r;
    r.id = "c1";
    r.bundle = "/b";
    r.rootfs = "/b/rootfs";
    r.pid = 42;
    r.start_time = 123456789012ULL;
    r.created = "2026-01-01T00:00:00.000000000Z";
    r.owner = "root";
    r.annotations = {{"a", "1"}, {"quote\"d", "x\ny"}};
    r.cgroup_path = "/sys/fs/cgroup/x";
    r.freezer = cgroup::FreezerDirs{"/sys/fs/cgroup/unified/x", "/sys/fs/cgroup/freezer/x"};
    auto back = core::parse_record(core::serialize_record(r), "state.json");
    BOOST_TEST(back.id == r.id);
    BOOST_TEST(back.bundle == r.bundle);
    BOOST_TEST(back.rootfs == r.rootfs);
    BOOST_TEST(back.pid == r.pid);
    BOOST_TEST(back.start_time == r.start_time);
    BOOST_TEST(back.created == r.created);
    BOOST_TEST(back.owner == r.owner);
    BOOST_TEST(back.cgroup_path == r.cgroup_path);
    BOOST_TEST((back.annotations == r.annotations));
    BOOST_REQUIRE(back.freezer.has_value());
    BOOST_TEST(back.freezer->v2 == r.freezer->v2);
    BOOST_TEST(back.freezer->v1 == r.freezer->v1);
    // A container without a freezer keeps an empty one (no cgroup.json fallback later).
    r.freezer = cgroup::FreezerDirs{};
    back = core::parse_record(core::serialize_record(r), "state.json");
    BOOST_REQUIRE(back.freezer.has_value());
    BOOST_TEST(back.freezer->v2.empty());
    BOOST_TEST(back.freezer->v1.empty());
    // Records written before the freezer dirs were kept: none (derive_status reads
    // cgroup.json then).
    r.freezer.reset();
    back = core::parse_record(core::serialize_record(r), "state.json");
    BOOST_TEST(!back.freezer.has_value());
}

// A record kill and delete cannot act on safely is damaged, not "stopped": each message
// names the file and what is wrong (pid 0 used to reach pidfd_open, a start time of 0 would
// skip the pid-reuse check).
BOOST_AUTO_TEST_CASE(parse_record_refuses_damaged_records) {
    const std::pair<std::string, std::string> cases[] = {
        {"", "s.json: not a valid state file: empty"},
        {"{\"id\":\"c1\",\"pi", "s.json: not a valid state file: not JSON ("},
        {"[1]", "s.json: not a valid state file: not a JSON object"},
        {"{}", "s.json: not a valid state file: \"pid\" must be a positive integer"},
        {R"({"pid":0,"startTime":5})", "\"pid\" must be a positive integer"},
        {R"({"pid":-3,"startTime":5})", "\"pid\" must be a positive integer"},
        {R"({"pid":"12","startTime":5})", "\"pid\" must be a positive integer"},
        {R"({"pid":12})",
         "s.json: not a valid state file: \"startTime\" must be a positive integer"},
        {R"({"pid":12,"startTime":0})", "\"startTime\" must be a positive integer"},
    };
    for (const auto& [text, expected] : cases) {
        BOOST_TEST_CONTEXT(text) {
            try {
                core::parse_record(text, "s.json");
                BOOST_FAIL("accepted");
            } catch (const Error& e) {
                BOOST_TEST(std::string(e.what()).find(expected) != std::string::npos, e.what());
            }
        }
    }
    BOOST_TEST(core::parse_record(R"({"pid":12,"startTime":5})", "s.json").pid == 12);
}

// try_read_record: nullopt while there is no state.json, else the record (one read sized
// by fstat, also for a record larger than any fixed buffer); read_record names the state.
BOOST_AUTO_TEST_CASE(try_read_record_absent_and_present) {
    TempDir tmp;
    core::StateStore store(tmp.path);
    core::ContainerDir dir = store.reserve("c1");
    BOOST_TEST(!dir.try_read_record().has_value());
    try {
        dir.read_record();
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(ErrorKind::WrongState));
        BOOST_TEST(std::string(e.what()).find("no state.json") != std::string::npos);
    }
    core::ContainerRecord r;
    r.id = "c1";
    r.pid = 7;
    r.start_time = 99;
    r.annotations = {{"big", std::string(20000, 'x')}};
    dir.write_record(r);
    auto back = dir.try_read_record();
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(back->id == "c1");
    BOOST_TEST(back->pid == 7);
    BOOST_TEST(back->annotations["big"].size() == 20000u);
    BOOST_TEST(store.ids() == std::vector<std::string>{"c1"});
}

BOOST_AUTO_TEST_CASE(state_store_reserve_is_exclusive_and_leaves_the_first_untouched) {
    TempDir tmp;
    core::StateStore store(tmp.path + "/root");
    {
        core::ContainerDir d = store.reserve("c1");
        core::ContainerRecord r;
        r.id = "c1";
        r.pid = 7;
        r.start_time = 99;
        d.write_record(r);
    }
    try {
        store.reserve("c1");
        BOOST_FAIL("duplicate id accepted");
    } catch (const Error& e) {
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(ErrorKind::AlreadyExists));
        BOOST_TEST(std::string(e.what()) == "container \"c1\" already exists");
    }
    BOOST_TEST(store.open("c1").read_record().pid == 7);
    struct stat st {};
    BOOST_REQUIRE(::stat((tmp.path + "/root").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u);
    BOOST_TEST(store.ids() == (std::vector<std::string>{"c1"}), boost::test_tools::per_element());
    store.remove("c1");
    BOOST_TEST(store.ids().empty());
    BOOST_CHECK_THROW(store.open("c1"), Error);
}

BOOST_AUTO_TEST_CASE(state_store_open_missing_names_the_container) {
    TempDir tmp;
    core::StateStore store(tmp.path);
    try {
        store.open("nope");
        BOOST_FAIL("no error");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()) == "container \"nope\" does not exist");
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(ErrorKind::NotFound));
    }
}
