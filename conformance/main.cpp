// The conformance suite's test module: RUNTIME=... CNI_PLUGIN=... rt-conformance [boost args].
#define BOOST_TEST_MODULE conformance
#include <boost/test/unit_test.hpp>
