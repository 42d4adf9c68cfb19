#define BOOST_TEST_MODULE oci
#include <boost/test/unit_test.hpp>
