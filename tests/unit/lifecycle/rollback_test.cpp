#define BOOST_TEST_MODULE lifecycle unit tests
#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/rollback.hpp"

using rt::base::Rollback;

BOOST_AUTO_TEST_CASE(rollback_unwinds_in_reverse_order_on_scope_exit) {
    std::vector<int> order;
    {
        Rollback r;
        r.add("one", [&] { order.push_back(1); });
        r.add("two", [&] { order.push_back(2); });
        r.add("three", [&] { order.push_back(3); });
    }
    BOOST_TEST(order == (std::vector<int>{3, 2, 1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rollback_commit_keeps_everything) {
    int undone = 0;
    {
        Rollback r;
        r.add("x", [&] { ++undone; });
        r.commit();
    }
    BOOST_TEST(undone == 0);
}

BOOST_AUTO_TEST_CASE(rollback_failing_undo_does_not_stop_the_others) {
    std::vector<int> order;
    {
        Rollback r;
        r.add("one", [&] { order.push_back(1); });
        r.add("boom", [] { throw std::runtime_error("boom"); });
        r.add("three", [&] { order.push_back(3); });
    }
    BOOST_TEST(order == (std::vector<int>{3, 1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rollback_unwinds_when_an_exception_leaves_the_scope) {
    int undone = 0;
    try {
        Rollback r;
        r.add("x", [&] { ++undone; });
        throw std::runtime_error("create failed");
    } catch (const std::runtime_error&) {
    }
    BOOST_TEST(undone == 1);
}
