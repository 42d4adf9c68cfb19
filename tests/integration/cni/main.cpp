#define BOOST_TEST_MODULE cni_integration
#include <boost/test/unit_test.hpp>
