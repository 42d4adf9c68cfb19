#include <boost/test/unit_test.hpp>

#include "cni/ip.hpp"

using rt::cni::IpAddr;
using rt::cni::IpNet;
using rt::cni::Mac;

BOOST_AUTO_TEST_SUITE(ip)

BOOST_AUTO_TEST_CASE(parse_and_format_v4) {
    auto a = IpAddr::parse("10.200.0.5");
    BOOST_REQUIRE(a);
    BOOST_TEST(a->is_v4());
    BOOST_TEST(a->str() == "10.200.0.5");
    BOOST_TEST(!IpAddr::parse("10.200.0").has_value());
    BOOST_TEST(!IpAddr::parse("10.200.0.256").has_value());
    BOOST_TEST(!IpAddr::parse("").has_value());
    BOOST_TEST(!IpAddr::parse("hello").has_value());
}

BOOST_AUTO_TEST_CASE(format_v6_like_go) {
    // host-local names its files with Go's net.IP.String(): RFC 5952.
    BOOST_TEST(IpAddr::parse("fd00:0200:0000:0000:0000:0000:0000:0001")->str() == "fd00:200::1");
    BOOST_TEST(IpAddr::parse("fd00::")->str() == "fd00::");
    BOOST_TEST(IpAddr::parse("::")->str() == "::");
    BOOST_TEST(IpAddr::parse("::1")->str() == "::1");
    BOOST_TEST(IpAddr::parse("fd00:1:0:1:0:0:0:1")->str() == "fd00:1:0:1::1");
    BOOST_TEST(IpAddr::parse("fd00:0:0:1:0:0:1:1")->str() == "fd00::1:0:0:1:1");
    BOOST_TEST(IpAddr::parse("fd00:1:2:3:4:5:0:7")->str() ==
               "fd00:1:2:3:4:5:0:7");  // one 0 group stays
    BOOST_TEST(IpAddr::parse("FD00::ABCD")->str() == "fd00::abcd");
}

BOOST_AUTO_TEST_CASE(mapped_v4_becomes_v4) {
    auto a = IpAddr::parse("::ffff:10.200.0.9");
    BOOST_REQUIRE(a);
    BOOST_TEST(a->is_v4());
    BOOST_TEST(a->str() == "10.200.0.9");
}

BOOST_AUTO_TEST_CASE(arithmetic) {
    BOOST_TEST(IpAddr::parse("10.200.0.255")->next().str() == "10.200.1.0");
    BOOST_TEST(IpAddr::parse("10.200.1.0")->prev().str() == "10.200.0.255");
    BOOST_TEST(IpAddr::parse("fd00::ffff")->next().str() == "fd00::1:0");
    BOOST_TEST(IpAddr::parse("10.200.3.77")->masked(22).str() == "10.200.0.0");
    BOOST_TEST(IpAddr::parse("10.200.3.77")->last_in(22).str() == "10.200.3.255");
    BOOST_TEST(IpAddr::parse("fd00:200::1234")->masked(120).str() == "fd00:200::1200");
    BOOST_TEST((*IpAddr::parse("10.0.0.1") < *IpAddr::parse("10.0.0.2")));
    BOOST_TEST((*IpAddr::parse("10.0.0.9") < *IpAddr::parse("fd00::1")));  // families order
}

BOOST_AUTO_TEST_CASE(prefixes) {
    auto n = IpNet::parse("10.200.0.5/24");
    BOOST_REQUIRE(n);
    BOOST_TEST(n->str() == "10.200.0.5/24");
    BOOST_TEST(n->network().str() == "10.200.0.0/24");
    BOOST_TEST(n->contains(*IpAddr::parse("10.200.0.200")));
    BOOST_TEST(!n->contains(*IpAddr::parse("10.200.1.1")));
    BOOST_TEST(!n->contains(*IpAddr::parse("fd00::1")));
    BOOST_TEST(!IpNet::parse("10.200.0.5/33").has_value());
    BOOST_TEST(!IpNet::parse("10.200.0.5").has_value());
    BOOST_TEST(!IpNet::parse("10.200.0.5/").has_value());
    BOOST_TEST(!IpNet::parse("10.200.0.5/2x").has_value());
    BOOST_TEST(IpNet::parse("fd00:200::/64")->prefix == 64);
    BOOST_TEST(!IpNet::parse("fd00::/129").has_value());
}

BOOST_AUTO_TEST_CASE(macs) {
    auto m = Mac::parse("C2:11:22:33:44:55");
    BOOST_REQUIRE(m);
    BOOST_TEST(m->str() == "c2:11:22:33:44:55");
    BOOST_TEST(Mac::parse("c2-11-22-33-44-55").has_value());
    BOOST_TEST(!Mac::parse("c2:11:22:33:44").has_value());
    BOOST_TEST(!Mac::parse("c2:11:22:33:44:5g").has_value());
    BOOST_TEST(!Mac::parse("c2:11-22:33:44:55").has_value());
    BOOST_TEST(Mac::parse("01:00:5e:00:00:01")->is_multicast());
    for (int i = 0; i < 50; ++i) {
        Mac r = Mac::random();
        BOOST_TEST(!r.is_multicast());
        BOOST_TEST((r.bytes[0] & 2) == 2);  // locally administered
    }
}

BOOST_AUTO_TEST_SUITE_END()
