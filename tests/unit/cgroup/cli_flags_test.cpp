// runc's flag values for `rt update` and `rt events` (runtime/cli/cgroup.cpp): sizes as
// docker's RAMInBytes (1024 based), Go durations.
#include <boost/test/unit_test.hpp>
#include <functional>
#include <string>

#include "cli/commands.hpp"
#include "rt/error.hpp"

using rt::cli::parse_bytes;
using rt::cli::parse_duration_ms;

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const rt::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_flags)

BOOST_AUTO_TEST_CASE(sizes) {
    BOOST_TEST(parse_bytes("memory", "4096") == 4096);
    BOOST_TEST(parse_bytes("memory", "-1") == -1);
    BOOST_TEST(parse_bytes("memory", "100k") == 102400);
    BOOST_TEST(parse_bytes("memory", "100kb") == 102400);
    BOOST_TEST(parse_bytes("memory", "512m") == 536870912);
    BOOST_TEST(parse_bytes("memory", "512MiB") == 536870912);
    BOOST_TEST(parse_bytes("memory", "1G") == 1073741824);
    BOOST_TEST(parse_bytes("memory", "1.5g") == 1610612736);
    BOOST_TEST(parse_bytes("memory", "2 t") == 2199023255552);
    BOOST_TEST(parse_bytes("memory", "10b") == 10);
    for (const char* bad : {"", "lots", "5x", "-2", "m", "1.2.3m", "99999999p"}) {
        std::string e = error_of([&] { parse_bytes("memory-swap", bad); });
        BOOST_TEST(
            e.find("--memory-swap: invalid size \"" + std::string(bad) + "\"") != std::string::npos,
            bad << ": " << e);
    }
}

BOOST_AUTO_TEST_CASE(durations) {
    BOOST_TEST(parse_duration_ms("interval", "5s") == 5000);
    BOOST_TEST(parse_duration_ms("interval", "100ms") == 100);
    BOOST_TEST(parse_duration_ms("interval", "1m30s") == 90000);
    BOOST_TEST(parse_duration_ms("interval", "1.5s") == 1500);
    BOOST_TEST(parse_duration_ms("interval", "1h") == 3600000);
    BOOST_TEST(parse_duration_ms("interval", "250us") == 1);  // at least 1 ms
    BOOST_TEST(parse_duration_ms("interval", "2000000ns") == 2);
    for (const char* bad : {"", "fast", "5", "s", "5 s", "-1s", "25h"}) {
        std::string e = error_of([&] { parse_duration_ms("interval", bad); });
        BOOST_TEST(e.find("--interval: invalid duration") != std::string::npos, bad << ": " << e);
    }
}

BOOST_AUTO_TEST_SUITE_END()
