// The compiled-filter cache: hits return the same program, anything odd is a miss.
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "bpf_eval.hpp"
#include "security/seccomp_cache.hpp"

using namespace rt;
using namespace rt::security;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("rt-seccomp-cache-" + std::to_string(::getpid()) +
                                                 "-" + std::to_string(::random()));
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

oci::Seccomp sample(uint32_t errno_ret) {
    oci::Seccomp s;
    s.defaultAction = "SCMP_ACT_ALLOW";
    oci::Syscall rule;
    rule.names = {"getppid", "not_a_syscall"};
    rule.action = "SCMP_ACT_ERRNO";
    rule.errnoRet = errno_ret;
    s.syscalls.push_back(rule);
    return s;
}

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    return out;
}

bool same_program(const CompiledSeccomp& a, const CompiledSeccomp& b) {
    return a.program.size() == b.program.size() &&
           std::memcmp(a.program.data(), b.program.data(),
                       a.program.size() * sizeof(sock_filter)) == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp_cache)

BOOST_AUTO_TEST_CASE(a_miss_stores_and_a_hit_returns_the_same_filter) {
    TempDir tmp;
    const std::string dir = (tmp.path / "nested" / "cache").string();
    auto first = compile_seccomp_cached(sample(5), dir);
    auto files = files_in(dir);
    BOOST_TEST_REQUIRE(files.size() == 1u);
    struct stat st {};
    BOOST_TEST_REQUIRE(::stat(dir.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u);

    auto second = compile_seccomp_cached(sample(5), dir);
    BOOST_TEST(same_program(first, second));
    BOOST_TEST(second.warnings == first.warnings);  // the skipped syscall is still reported
    BOOST_TEST(second.warnings.size() == 1u);
    BOOST_TEST(rt::test::run_bpf(second.program, rt::test::syscall_data(SYS_getppid)) ==
               (SECCOMP_RET_ERRNO | 5));

    // Another profile is another file with another program.
    auto other = compile_seccomp_cached(sample(6), dir);
    BOOST_TEST(files_in(dir).size() == 2u);
    BOOST_TEST(rt::test::run_bpf(other.program, rt::test::syscall_data(SYS_getppid)) ==
               (SECCOMP_RET_ERRNO | 6));
}

BOOST_AUTO_TEST_CASE(the_key_covers_every_field) {
    const auto base = seccomp_cache_key(sample(5));
    BOOST_TEST(base == seccomp_cache_key(sample(5)));
    auto changed = [&](auto&& edit) {
        auto s = sample(5);
        edit(s);
        return seccomp_cache_key(s) != base;
    };
    BOOST_TEST(changed([](oci::Seccomp& s) { s.defaultAction = "SCMP_ACT_LOG"; }));
    BOOST_TEST(changed([](oci::Seccomp& s) { s.defaultErrnoRet = 1; }));
    BOOST_TEST(changed([](oci::Seccomp& s) { s.architectures = {"SCMP_ARCH_X86"}; }));
    BOOST_TEST(changed([](oci::Seccomp& s) { s.flags = {"SECCOMP_FILTER_FLAG_LOG"}; }));
    BOOST_TEST(changed([](oci::Seccomp& s) { s.listenerPath = "/x"; }));
    BOOST_TEST(changed([](oci::Seccomp& s) { s.listenerMetadata = "m"; }));
    BOOST_TEST(changed([](oci::Seccomp& s) { s.syscalls[0].names.push_back("getpid"); }));
    BOOST_TEST(changed([](oci::Seccomp& s) { s.syscalls[0].action = "SCMP_ACT_KILL"; }));
    BOOST_TEST(changed([](oci::Seccomp& s) {
        s.syscalls[0].args.push_back({0, 1, {}, "SCMP_CMP_EQ"});
    }));
    BOOST_TEST(changed([](oci::Seccomp& s) { s.syscalls[0].names = {"getppidnot_a_syscall"}; }));
    BOOST_TEST(base.find("libseccomp 2.") == 0u);
}

BOOST_AUTO_TEST_CASE(corrupt_or_untrusted_files_are_misses) {
    TempDir tmp;
    const std::string dir = tmp.path.string();
    auto good = compile_seccomp_cached(sample(7), dir);
    auto path = files_in(dir).at(0);

    // Truncated: ignored, recompiled and rewritten.
    fs::resize_file(path, 20);
    auto again = compile_seccomp_cached(sample(7), dir);
    BOOST_TEST(same_program(good, again));
    BOOST_TEST(fs::file_size(path) > 20u);

    // A file of ours is trusted as it is (the cache directory is root's, 0700)...
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(-static_cast<std::streamoff>(sizeof(sock_filter)), std::ios::end);
        sock_filter forged{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | 0x1234};
        f.write(reinterpret_cast<const char*>(&forged), sizeof forged);
    }
    auto forged = compile_seccomp_cached(sample(7), dir);
    BOOST_TEST(!same_program(good, forged));
    // ...but not when others could have written it.
    ::chmod(path.c_str(), 0666);
    auto trusted = compile_seccomp_cached(sample(7), dir);
    BOOST_TEST(same_program(good, trusted));

    // An empty cache dir name means no cache at all.
    auto uncached = compile_seccomp_cached(sample(7), "");
    BOOST_TEST(same_program(good, uncached));
}

BOOST_AUTO_TEST_CASE(an_unusable_cache_dir_only_costs_a_compile) {
    auto f = compile_seccomp_cached(sample(8), "/proc/rt-no-such-dir/cache");
    BOOST_TEST(rt::test::run_bpf(f.program, rt::test::syscall_data(SYS_getppid)) ==
               (SECCOMP_RET_ERRNO | 8));
}

BOOST_AUTO_TEST_SUITE_END()
