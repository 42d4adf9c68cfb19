#include <signal.h>

#include <boost/test/unit_test.hpp>

#include "base/process.hpp"
#include "rt/error.hpp"

using rt::base::parse_signal;

BOOST_AUTO_TEST_CASE(signals_names_with_and_without_sig_and_numbers) {
    BOOST_TEST(parse_signal("KILL") == SIGKILL);
    BOOST_TEST(parse_signal("SIGKILL") == SIGKILL);
    BOOST_TEST(parse_signal("sigterm") == SIGTERM);
    BOOST_TEST(parse_signal("9") == 9);
    BOOST_TEST(parse_signal("HUP") == SIGHUP);
    BOOST_TEST(parse_signal("SIGRTMIN") == SIGRTMIN);
    BOOST_TEST(parse_signal("RTMIN+3") == SIGRTMIN + 3);
    BOOST_TEST(parse_signal("SIGRTMAX-1") == SIGRTMAX - 1);
}

BOOST_AUTO_TEST_CASE(signals_rejects_unknown_and_out_of_range) {
    for (const char* bad : {"", "SIGFOO", "0", "-1", "999", "RTMIN+99", "RTMIN-1", "KILLX"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_CHECK_THROW(parse_signal(bad), rt::Error);
        }
    }
    try {
        parse_signal("SIGFOO");
    } catch (const rt::Error& e) {
        BOOST_TEST(std::string(e.what()) == "invalid signal \"SIGFOO\"");
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(rt::ErrorKind::InvalidArgument));
    }
}

BOOST_AUTO_TEST_CASE(signals_proc_stat_of_self) {
    auto st = rt::base::proc_stat(getpid());
    BOOST_REQUIRE(st.has_value());
    BOOST_TEST(st->start_time > 0u);
    BOOST_TEST(rt::base::process_alive(getpid(), st->start_time));
    BOOST_TEST(!rt::base::process_alive(getpid(), st->start_time + 1));
}

BOOST_AUTO_TEST_CASE(pid_in_own_namespace_is_the_pid_seen_by_the_process) {
    // getpid() is our pid in our own (innermost) pid namespace: NSpid's last field.
    BOOST_TEST(rt::base::pid_in_own_namespace(getpid()).value_or(-1) == getpid());
    BOOST_TEST(!rt::base::pid_in_own_namespace(-1).has_value());
}
