// Runs after every other CNI integration test (ctest FIXTURES_CLEANUP): nothing any of
// them created may be left on the machine.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <sstream>

#include "fixture.hpp"

using namespace cnit;

BOOST_AUTO_TEST_SUITE(leaks)

BOOST_AUTO_TEST_CASE(nothing_left_by_the_suite) {
    std::string out;
    sh("ip netns list", &out);
    BOOST_TEST(out.find("rtcni-" + tag() + "-") == std::string::npos, out);
    sh("ip -o link show", &out);
    std::istringstream links(out);
    std::string line;
    while (std::getline(links, line)) {
        BOOST_TEST(line.find(": rt" + tag()) == std::string::npos, line);
        BOOST_TEST(line.find("alias rt-bridge rtcnet-" + tag() + "-") == std::string::npos, line);
    }
    sh("nft list ruleset", &out);
    BOOST_TEST(out.find("rtcnet-" + tag() + "-") == std::string::npos, out);
    sh("iptables-save 2>/dev/null; ip6tables-save 2>/dev/null", &out);
    BOOST_TEST(out.find("rtcnet-" + tag() + "-") == std::string::npos, out);
    for (const auto& e : std::filesystem::directory_iterator("/tmp"))
        BOOST_TEST(e.path().filename().string().rfind("rt-cni-it-" + tag() + "-", 0) != 0u,
                   e.path());
}

BOOST_AUTO_TEST_SUITE_END()
