// v1 -> v2 conversions (the formulas runc and crun use).
#include <boost/test/unit_test.hpp>

#include "cgroup/convert.hpp"
#include "fake_tree.hpp"

using namespace rt::cgroup;

BOOST_AUTO_TEST_SUITE(convert)

BOOST_AUTO_TEST_CASE(cpu_shares_to_weight_points) {
    BOOST_TEST(cpu_shares_to_weight(0) == 0u);  // unset
    BOOST_TEST(cpu_shares_to_weight(2) == 1u);
    BOOST_TEST(cpu_shares_to_weight(1024) == 39u);  // the default share -> weight 39
    BOOST_TEST(cpu_shares_to_weight(262144) == 10000u);
    BOOST_TEST(cpu_shares_to_weight(1) == 1u);  // clamped like the kernel
    BOOST_TEST(cpu_shares_to_weight(1u << 30) == 10000u);
    // Monotonic over the whole range.
    uint64_t prev = 0;
    for (uint64_t s = 2; s <= 262144; s += 97) {
        uint64_t w = cpu_shares_to_weight(s);
        BOOST_TEST_REQUIRE(w >= prev);
        BOOST_TEST_REQUIRE((w >= 1 && w <= 10000));
        prev = w;
    }
}

BOOST_AUTO_TEST_CASE(blkio_weight_to_io_weight_points) {
    BOOST_TEST(blkio_weight_to_io_weight(0) == 0u);
    BOOST_TEST(blkio_weight_to_io_weight(10) == 1u);
    BOOST_TEST(blkio_weight_to_io_weight(500) == 4950u);
    BOOST_TEST(blkio_weight_to_io_weight(1000) == 10000u);
    BOOST_TEST(blkio_weight_to_io_weight(5) == 1u);
    BOOST_TEST(blkio_weight_to_io_weight(5000) == 10000u);
}

BOOST_AUTO_TEST_CASE(memory_swap_to_v2_cases) {
    BOOST_TEST(memory_swap_to_v2(0, 0) == 0);        // both unset
    BOOST_TEST(memory_swap_to_v2(0, -1) == -1);      // unlimited memory: unlimited swap
    BOOST_TEST(memory_swap_to_v2(-1, 100) == -1);    // unlimited swap
    BOOST_TEST(memory_swap_to_v2(300, 100) == 200);  // memsw 300 = 100 memory + 200 swap
    BOOST_TEST(memory_swap_to_v2(100, 100) == 0);    // no swap
    auto msg = cgtest::error_of([] { memory_swap_to_v2(50, 100); });
    BOOST_TEST(cgtest::contains(msg, "must be >= the memory limit"), msg);
    msg = cgtest::error_of([] { memory_swap_to_v2(50, 0); });
    BOOST_TEST(cgtest::contains(msg, "needs a memory limit"), msg);
}

BOOST_AUTO_TEST_CASE(cpu_max_strings) {
    BOOST_TEST(cpu_max(50000, 100000) == "50000 100000");
    BOOST_TEST(cpu_max(50000, std::nullopt) == "50000");
    BOOST_TEST(cpu_max(-1, 100000) == "max 100000");
    BOOST_TEST(cpu_max(std::nullopt, 20000, "30000") == "30000 20000");  // keeps the quota
    BOOST_TEST(cpu_max(std::nullopt, std::nullopt) == "");
    BOOST_TEST(v2_limit(-1) == "max");
    BOOST_TEST(v2_limit(4096) == "4096");
}

BOOST_AUTO_TEST_SUITE_END()
