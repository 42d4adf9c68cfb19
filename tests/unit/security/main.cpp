#define BOOST_TEST_MODULE rt security unit tests
#include <boost/test/unit_test.hpp>
