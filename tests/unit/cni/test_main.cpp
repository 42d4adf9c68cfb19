#define BOOST_TEST_MODULE cni_unit
#include <boost/test/unit_test.hpp>
