// open_in_root / mkdir_all_in_root: symlinks inside the root never lead outside it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "base/fd.hpp"
#include "base/fs.hpp"
#include "linux/safe_path.hpp"

using namespace rt;

namespace {
struct Tree {
    std::string top, root, outside;
    base::UniqueFd rootfd;
    Tree() {
        char tmpl[] = "/tmp/rt-unit-safepath-XXXXXX";
        top = ::mkdtemp(tmpl);
        root = top + "/root";
        outside = top + "/outside";
        ::mkdir(root.c_str(), 0755);
        ::mkdir(outside.c_str(), 0755);
        ::mkdir((root + "/etc").c_str(), 0755);
        // Escapes that must resolve inside the root.
        ::symlink("/", (root + "/abs").c_str());
        ::symlink("../../..", (root + "/etc/up").c_str());
        ::symlink(outside.c_str(), (root + "/host").c_str());
        rootfd.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    ~Tree() { base::remove_all_at(AT_FDCWD, top); }
};

std::string real_path_of(int fd) {
    char link[64], buf[4096];
    (void)std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = ::readlink(link, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    return buf;
}
}  // namespace

BOOST_AUTO_TEST_CASE(safe_path_symlinks_stay_inside_the_root) {
    Tree t;
    int fd = linux::open_in_root(t.rootfd.get(), "/abs/etc", O_PATH);
    BOOST_REQUIRE(fd >= 0);
    BOOST_TEST(real_path_of(fd) == t.root + "/etc");
    ::close(fd);
    fd = linux::open_in_root(t.rootfd.get(), "etc/up", O_PATH);
    BOOST_REQUIRE(fd >= 0);
    BOOST_TEST(real_path_of(fd) == t.root);
    ::close(fd);
    // An absolute symlink to a host path is resolved inside the root: it does not exist there.
    BOOST_TEST(linux::open_in_root(t.rootfd.get(), "host", O_PATH) < 0);
}

BOOST_AUTO_TEST_CASE(safe_path_mkdir_all_creates_inside_the_root_only) {
    Tree t;
    int fd = linux::mkdir_all_in_root(t.rootfd.get(), "/host/new/dir", 0755, false);
    BOOST_REQUIRE(fd >= 0);
    ::close(fd);
    struct stat st {};
    BOOST_TEST(::stat((t.outside + "/new").c_str(), &st) != 0);  // host side untouched
    BOOST_TEST(::stat((t.root + t.outside + "/new/dir").c_str(), &st) == 0);
    fd = linux::mkdir_all_in_root(t.rootfd.get(), "/etc/up/../file", 0755, true);
    BOOST_REQUIRE(fd >= 0);
    ::close(fd);
    BOOST_REQUIRE(::stat((t.root + "/file").c_str(), &st) == 0);
    BOOST_TEST(S_ISREG(st.st_mode));
    BOOST_TEST(::stat((t.top + "/file").c_str(), &st) != 0);
}

// base::clean_path: Go's filepath.Clean for absolute config paths (runc cleans device paths).
BOOST_AUTO_TEST_CASE(clean_path_is_lexical_and_absolute) {
    BOOST_TEST(base::clean_path("/dev/foo/") == "/dev/foo");
    BOOST_TEST(base::clean_path("//dev/./x") == "/dev/x");
    BOOST_TEST(base::clean_path("/dev/../dev//y/.") == "/dev/y");
    BOOST_TEST(base::clean_path("/../..") == "/");
    BOOST_TEST(base::clean_path("") == "/");
    BOOST_TEST(base::clean_path("dev/null") == "/dev/null");
}
