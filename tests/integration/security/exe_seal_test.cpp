// CVE-2019-5736 defence at the binary level: a process running a protected copy of a program
// cannot write the program through /proc/self/exe, neither directly nor through an O_PATH fd
// kept across exec (the exploit's way around ETXTBSY); the original file stays untouched.
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "child.hpp"

using namespace rt::test;

namespace {

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

ChildResult run_probe(const std::string& path, const char* mode) {
    return run_in_child([&](int out) {
        ::dup2(out, STDOUT_FILENO);
        ::execl(path.c_str(), path.c_str(), mode, static_cast<char*>(nullptr));
        return 127;
    });
}

int count_lines(const std::string& text, const std::string& line) {
    int n = 0;
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l)) n += l == line;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(exe_seal)

BOOST_AUTO_TEST_CASE(each_method_blocks_writes_through_proc_self_exe) {
    const std::string probe = RT_EXE_SEAL_PROBE;
    const std::string before = file_bytes(probe);
    BOOST_TEST_REQUIRE(!before.empty());
    struct Case {
        const char* mode;
        const char* open_write;  // the errno of open(O_WRONLY) while it runs
    } cases[] = {{"auto", "ETXTBSY"}, {"bind", "ETXTBSY"}, {"memfd", "ETXTBSY"}};
    for (const auto& c : cases) {
        auto r = run_probe(probe, c.mode);
        BOOST_TEST_REQUIRE(r.exited(0), c.mode << ": " << r.describe());
        BOOST_TEST(count_lines(r.output, "start") == 2,
                   c.mode << ": re-executed once: " << r.output);
        BOOST_TEST(count_lines(r.output, "protected=1") == 1, c.mode << ": " << r.output);
        BOOST_TEST(count_lines(r.output, "marker=0") == 1, c.mode << ": " << r.output);
        BOOST_TEST(count_lines(r.output, std::string("open_write=") + c.open_write) == 1,
                   c.mode << ": " << r.output);
        BOOST_TEST(count_lines(r.output, "write=blocked") == 1, c.mode << ": " << r.output);
    }
    BOOST_TEST((file_bytes(probe) == before), "the probe binary was modified");
}

BOOST_AUTO_TEST_CASE(without_the_defence_the_attack_works) {
    // Control: a copy of the probe that skips the defence ("none") gets its own binary
    // overwritten through the O_PATH fd, so "write=blocked" above is a real outcome.
    const std::string probe = RT_EXE_SEAL_PROBE;
    const std::string copy = "/tmp/rt-exe-seal-control-" + std::to_string(::getpid());
    std::filesystem::copy_file(probe, copy, std::filesystem::copy_options::overwrite_existing);
    struct Remove {
        std::string path;
        ~Remove() { ::unlink(path.c_str()); }
    } remove{copy};
    const size_t size = file_bytes(copy).size();
    auto r = run_probe(copy, "none");
    BOOST_TEST_REQUIRE(r.exited(0), r.describe());
    BOOST_TEST(count_lines(r.output, "start") == 1, r.output);
    BOOST_TEST(count_lines(r.output, "protected=0") == 1, r.output);
    BOOST_TEST(count_lines(r.output, "write=DONE") == 1, r.output);
    BOOST_TEST(file_bytes(copy).size() == size + 6);  // "pwned\n" appended
}

BOOST_AUTO_TEST_CASE(a_binary_on_a_read_only_mount_is_not_re_executed) {
    const std::string probe = RT_EXE_SEAL_PROBE;
    const std::string target = "/tmp/rt-exe-seal-ro-" + std::to_string(::getpid());
    { std::ofstream(target).put('\0'); }
    struct Remove {
        std::string path;
        ~Remove() { ::unlink(path.c_str()); }
    } remove{target};
    auto r = run_in_child([&](int out) {
        // A private mount namespace: the read-only bind mount dies with the child.
        if (::unshare(CLONE_NEWNS) < 0 ||
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0 ||
            ::mount(probe.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) < 0 ||
            ::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) <
                0) {
            say(out, "mount setup failed: %s", std::strerror(errno));
            return 3;
        }
        ::dup2(out, STDOUT_FILENO);
        ::execl(target.c_str(), target.c_str(), "auto", static_cast<char*>(nullptr));
        return 127;
    });
    BOOST_TEST_REQUIRE(r.exited(0), r.describe());
    BOOST_TEST(count_lines(r.output, "start") == 1, r.output);  // no re-exec needed
    BOOST_TEST(count_lines(r.output, "protected=1") == 1, r.output);
    BOOST_TEST(count_lines(r.output, "write=blocked") == 1, r.output);
}

BOOST_AUTO_TEST_SUITE_END()
