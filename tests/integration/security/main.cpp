#define BOOST_TEST_MODULE rt security integration tests
#include <unistd.h>

#include <boost/test/unit_test.hpp>

// Every test here changes credentials or loads filters in forked children: root is required,
// and its absence is a failure, not a skip.
struct RequireRoot {
    RequireRoot() {
        if (::geteuid() != 0) BOOST_FAIL("security integration tests need root (euid 0)");
    }
};
BOOST_TEST_GLOBAL_FIXTURE(RequireRoot);
