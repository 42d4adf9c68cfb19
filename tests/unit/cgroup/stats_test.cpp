// Stats from fake v1 and v2 trees (kernel file formats), the events JSON, the v2 OOM watcher.
#include <poll.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "cgroup/manager.hpp"
#include "fake_tree.hpp"

using namespace rt::cgroup;
using namespace cgtest;

namespace {

std::string node_json(bool unified, const std::string& dir, const std::string& controllers) {
    return std::string("{\"unified\":") + (unified ? "true" : "false") +
           ",\"mount\":\"/m\",\"path\":\"/c\",\"dir\":\"" + dir + "\",\"controllers\":[" +
           controllers + "],\"created\":[]}";
}

Manager fake_manager(const std::string& layout, const std::vector<std::string>& nodes) {
    std::string json = "{\"version\":1,\"layout\":\"" + layout + "\",\"nodes\":[";
    for (size_t i = 0; i < nodes.size(); ++i) json += (i ? "," : "") + nodes[i];
    return Manager::load(json + "]}");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stats)

BOOST_AUTO_TEST_CASE(v1_stats_from_files) {
    TempDir t;
    put(t / "cpuacct/cpuacct.usage", "3000000000\n");
    put(t / "cpuacct/cpuacct.usage_percpu", "1000000000 2000000000 \n");
    put(t / "cpuacct/cpuacct.usage_all", "cpu user system\n0 700 300\n1 1500 500\n");
    put(t / "cpuacct/cpuacct.stat", "user 150\nsystem 50\n");
    put(t / "cpu/cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 123456\n");
    put(t / "memory/memory.usage_in_bytes", "4096\n");
    put(t / "memory/memory.max_usage_in_bytes", "8192\n");
    put(t / "memory/memory.limit_in_bytes", "9223372036854771712\n");
    put(t / "memory/memory.failcnt", "3\n");
    put(t / "memory/memory.stat", "cache 100\nrss 200\ntotal_cache 100\n");
    put(t / "memory/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    put(t / "pids/pids.current", "5\n");
    put(t / "pids/pids.max", "max\n");
    put(t / "blkio/blkio.throttle.io_service_bytes_recursive",
        "254:0 Read 4096\n254:0 Write 0\nTotal 4096\n");
    put(t / "blkio/blkio.throttle.io_serviced_recursive", "254:0 Read 1\n254:0 Write 0\nTotal 1\n");
    put(t / "cpuset/cpuset.effective_cpus", "0-1\n");
    put(t / "cpuset/cpuset.effective_mems", "0\n");
    put(t / "cpuset/cpuset.sched_load_balance", "1\n");
    put(t / "unified/hugetlb.2MB.max", "max\n");
    put(t / "unified/hugetlb.2MB.rsvd.max", "max\n");
    put(t / "unified/hugetlb.2MB.current", "2097152\n");
    put(t / "unified/hugetlb.2MB.events", "max 1\n");
    auto m = fake_manager(
        "hybrid",
        {node_json(false, t / "cpuacct", "\"cpuacct\""), node_json(false, t / "cpu", "\"cpu\""),
         node_json(false, t / "memory", "\"memory\""), node_json(false, t / "pids", "\"pids\""),
         node_json(false, t / "blkio", "\"blkio\""), node_json(false, t / "cpuset", "\"cpuset\""),
         node_json(true, t / "unified", "\"hugetlb\"")});
    auto s = m.stats();
    BOOST_TEST(s.cpu.usage.total == 3000000000u);
    BOOST_TEST((s.cpu.usage.percpu == std::vector<uint64_t>{1000000000, 2000000000}));
    BOOST_TEST((s.cpu.usage.percpu_user == std::vector<uint64_t>{700, 1500}));
    BOOST_TEST((s.cpu.usage.percpu_kernel == std::vector<uint64_t>{300, 500}));
    const uint64_t tick = 1000000000ULL / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
    BOOST_TEST(s.cpu.usage.user == 150 * tick);
    BOOST_TEST(s.cpu.usage.kernel == 50 * tick);
    BOOST_TEST(s.cpu.throttling.throttled_periods == 4u);
    BOOST_TEST(s.cpu.throttling.throttled_time == 123456u);
    BOOST_TEST(s.memory.usage.usage == 4096u);
    BOOST_TEST(s.memory.usage.max == 8192u);
    BOOST_TEST(s.memory.usage.limit == 9223372036854771712u);
    BOOST_TEST(s.memory.usage.failcnt == 3u);
    BOOST_TEST(s.memory.cache == 100u);
    BOOST_TEST(s.memory.raw["rss"] == 200u);
    BOOST_TEST(s.memory.oom_kills == 2u);
    BOOST_TEST(s.pids.current == 5u);
    BOOST_TEST(s.pids.limit == 0u);
    BOOST_REQUIRE_EQUAL(s.blkio.io_service_bytes_recursive.size(), 2u);  // "Total" skipped
    BOOST_TEST(s.blkio.io_service_bytes_recursive[0].major == 254u);
    BOOST_TEST(s.blkio.io_service_bytes_recursive[0].op == "Read");
    BOOST_TEST(s.blkio.io_service_bytes_recursive[0].value == 4096u);
    BOOST_TEST((s.cpuset.cpus == std::vector<uint16_t>{0, 1}));
    BOOST_TEST(s.cpuset.flags["sched_load_balance"] == 1);
    BOOST_REQUIRE_EQUAL(s.hugetlb.size(), 1u);  // rsvd is not a page size
    BOOST_TEST(s.hugetlb["2MB"].usage == 2097152u);
    BOOST_TEST(s.hugetlb["2MB"].failcnt == 1u);

    // The runc events JSON.
    rapidjson::Document d;
    d.Parse(stats_event_json("c1", s).c_str());
    BOOST_REQUIRE(!d.HasParseError());
    BOOST_TEST(std::string(d["type"].GetString()) == "stats");
    BOOST_TEST(std::string(d["id"].GetString()) == "c1");
    const auto& data = d["data"];
    BOOST_TEST(data["cpu"]["usage"]["total"].GetUint64() == 3000000000u);
    BOOST_TEST(data["cpu"]["usage"]["percpu"].Size() == 2u);
    BOOST_TEST(data["cpu"]["throttling"]["throttledPeriods"].GetUint64() == 4u);
    BOOST_TEST(data["memory"]["usage"]["usage"].GetUint64() == 4096u);
    BOOST_TEST(data["memory"]["usage"]["failcnt"].GetUint64() == 3u);
    BOOST_TEST(data["memory"]["raw"]["rss"].GetUint64() == 200u);
    BOOST_TEST(data["pids"]["current"].GetUint64() == 5u);
    BOOST_TEST(!data["pids"].HasMember("limit"));  // 0 omitted, as Go's omitempty
    BOOST_TEST(data["blkio"]["ioServiceBytesRecursive"][0]["op"].GetString() ==
               std::string("Read"));
    BOOST_TEST(data["hugetlb"]["2MB"]["usage"].GetUint64() == 2097152u);
    BOOST_TEST(data["hugetlb"]["2MB"]["failcnt"].GetUint64() == 1u);
    BOOST_TEST(data["network_interfaces"].IsNull());
    BOOST_TEST(data["intel_rdt"].IsObject());
    BOOST_TEST(data["cpuset"]["sched_load_balance"].GetInt64() == 1);
}

BOOST_AUTO_TEST_CASE(v2_stats_from_files) {
    TempDir t;
    put(t / "c/cpu.stat",
        "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 7\nnr_throttled "
        "2\nthrottled_usec 30\n");
    put(t / "c/memory.current", "10000\n");
    put(t / "c/memory.max", "max\n");
    put(t / "c/memory.peak", "20000\n");
    put(t / "c/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
    put(t / "c/memory.swap.current", "100\n");
    put(t / "c/memory.swap.max", "max\n");
    put(t / "c/memory.stat", "anon 5000\nfile 3000\n");
    put(t / "c/pids.current", "3\n");
    put(t / "c/pids.max", "64\n");
    put(t / "c/io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");
    put(t / "c/cpuset.cpus.effective", "0,2-3\n");
    auto m = fake_manager(
        "unified", {node_json(true, t / "c", "\"cpu\",\"memory\",\"pids\",\"io\",\"cpuset\"")});
    auto s = m.stats();
    BOOST_TEST(s.cpu.usage.total == 2000000u);
    BOOST_TEST(s.cpu.usage.user == 1500000u);
    BOOST_TEST(s.cpu.usage.kernel == 500000u);
    BOOST_TEST(s.cpu.throttling.periods == 7u);
    BOOST_TEST(s.cpu.throttling.throttled_time == 30000u);
    BOOST_TEST(s.memory.usage.usage == 10000u);
    BOOST_TEST(s.memory.usage.limit == UINT64_MAX);
    BOOST_TEST(s.memory.usage.max == 20000u);
    BOOST_TEST(s.memory.usage.failcnt == 4u);
    BOOST_TEST(s.memory.swap.usage == 10100u);  // memory+swap, like v1
    BOOST_TEST(s.memory.cache == 3000u);
    BOOST_TEST(s.memory.oom_kills == 1u);
    BOOST_TEST(s.pids.limit == 64u);
    BOOST_REQUIRE_EQUAL(s.blkio.io_service_bytes_recursive.size(), 3u);
    BOOST_TEST(s.blkio.io_service_bytes_recursive[1].op == "Write");
    BOOST_TEST(s.blkio.io_service_bytes_recursive[1].value == 8192u);
    BOOST_TEST(s.blkio.io_serviced_recursive[0].value == 1u);
    BOOST_TEST((s.cpuset.cpus == std::vector<uint16_t>{0, 2, 3}));
}

BOOST_AUTO_TEST_CASE(cpu_list_parsing) {
    BOOST_TEST((parse_cpu_list("0-2,5\n") == std::vector<uint16_t>{0, 1, 2, 5}));
    BOOST_TEST(parse_cpu_list("").empty());
    BOOST_TEST((parse_cpu_list("3-1,x,4") == std::vector<uint16_t>{4}));
}

BOOST_AUTO_TEST_CASE(oom_event_json_shape) {
    rapidjson::Document d;
    d.Parse(oom_event_json("c\"1").c_str());
    BOOST_REQUIRE(!d.HasParseError());
    BOOST_TEST(std::string(d["type"].GetString()) == "oom");
    BOOST_TEST(std::string(d["id"].GetString()) == "c\"1");
}

BOOST_AUTO_TEST_CASE(v2_oom_watcher_counts_oom_kills) {
    TempDir t;
    put(t / "c/memory.events", "oom 1\noom_kill 1\n");
    auto m = fake_manager("unified", {node_json(true, t / "c", "\"memory\"")});
    auto w = m.watch_oom();
    BOOST_TEST(w.alive());
    pollfd p{w.fd(), POLLIN, 0};
    BOOST_TEST(::poll(&p, 1, 0) == 0);  // nothing yet
    put(t / "c/memory.events", "oom 3\noom_kill 3\n");
    BOOST_TEST(::poll(&p, 1, 5000) == 1);
    BOOST_TEST(w.consume() == 2u);  // counted from the value at watch time
    BOOST_TEST(w.consume() == 0u);
    std::filesystem::remove(t / "c/memory.events");
    BOOST_TEST(!w.alive());
}

BOOST_AUTO_TEST_SUITE_END()
