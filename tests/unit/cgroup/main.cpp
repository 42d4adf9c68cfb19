#define BOOST_TEST_MODULE cgroup
#include <boost/test/unit_test.hpp>
