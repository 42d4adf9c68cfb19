// Contention and exhaustion of the state root: parallel creates of one id (exactly one
// wins, the others fail in one line and leave nothing), and a --root on a full tmpfs (create
// fails cleanly: no state dir, no process, no mount).
#define BOOST_TEST_MODULE lifecycle integration : contention and a full root
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "harness.hpp"

using namespace lt;

namespace {

struct Subreaper {
    // Orphans of a failed create would become our children: none may be alive after.
    Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
};
Subreaper g_subreaper;

bool no_process_left() {
    int status;
    pid_t p;
    while ((p = ::waitpid(-1, &status, WNOHANG)) > 0) {
    }
    return p == -1 && errno == ECHILD;
}

// A tmpfs mounted for the test's lifetime.
class Tmpfs {
  public:
    Tmpfs(std::string dir, const std::string& options) : dir_(std::move(dir)) {
        ::mkdir(dir_.c_str(), 0700);
        if (::mount("rt-test-full", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) !=
            0)
            throw std::runtime_error("mount tmpfs on " + dir_ + ": " + std::strerror(errno));
    }
    ~Tmpfs() {
        if (::umount2(dir_.c_str(), 0) != 0 && ::umount2(dir_.c_str(), MNT_DETACH) != 0)
            (void)std::fprintf(stderr, "umount %s: %s\n", dir_.c_str(), std::strerror(errno));
        ::rmdir(dir_.c_str());
    }
    Tmpfs(const Tmpfs&) = delete;
    Tmpfs& operator=(const Tmpfs&) = delete;

  private:
    std::string dir_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(twenty_parallel_creates_of_one_id_one_wins) {
    Env env;
    env.sh("sleep 60");
    env.write_config();
    std::string id = env.id("race");
    std::vector<Result> results(20);
    std::vector<std::thread> threads;
    threads.reserve(results.size());
    for (auto& r : results)
        threads.emplace_back([&r, &env, &id] {
            r = lt::run({RT_BINARY, "--root", env.root(), "create", "-b", env.bundle(), id});
        });
    for (auto& t : threads) t.join();
    int won = 0;
    for (const Result& r : results) {
        if (r.code == 0) {
            ++won;
            continue;
        }
        BOOST_TEST(r.err.find(id) != std::string::npos, r.err);
        BOOST_TEST(r.err.find('\n') == r.err.size() - 1, "one line: " << r.err);
    }
    BOOST_TEST(won == 1);
    BOOST_TEST(env.status(id) == "created");
    Result del = env.rt({"delete", "--force", id});
    BOOST_TEST(del.code == 0, del.err);
    BOOST_TEST(!exists(env.root() + "/" + id));
    BOOST_TEST(no_process_left());
}

BOOST_AUTO_TEST_CASE(create_on_a_full_root_fails_cleanly) {
    Env env;
    env.sh("true");
    env.write_config();
    std::string root = env.dir() + "/full-root";
    Tmpfs tmpfs(root, "size=16k,mode=0700");
    {
        // Every block taken: the state files cannot be written.
        std::ofstream fill(root + "/fill", std::ios::binary);
        std::string block(4096, 'x');
        for (int i = 0; i < 16 && fill.write(block.data(), block.size()); ++i) {
        }
    }
    std::string id = env.id("full");
    // Env removes containers of its own --root only: this one's before the unmount.
    struct Deleted {
        std::string root, id;
        ~Deleted() { (void)lt::run({RT_BINARY, "--root", root, "delete", "--force", id}); }
    } deleted{root, id};
    Result r = lt::run({RT_BINARY, "--root", root, "create", "-b", env.bundle(), id});
    BOOST_TEST(r.code != 0);
    BOOST_TEST(r.err.find("no space left on device") != std::string::npos, r.err);
    BOOST_TEST(r.err.find('\n') == r.err.size() - 1, "one line: " << r.err);
    BOOST_TEST(!exists(root + "/" + id), "state dir left");
    std::string mounts = read_file("/proc/self/mountinfo");
    BOOST_TEST(mounts.find(env.bundle()) == std::string::npos, "mount left");
    BOOST_TEST(mounts.find(shared_rootfs()) == std::string::npos, "mount left");
    BOOST_TEST(no_process_left());
    // With space again the same create works.
    ::unlink((root + "/fill").c_str());
    Result ok = lt::run({RT_BINARY, "--root", root, "create", "-b", env.bundle(), id});
    BOOST_TEST(ok.code == 0, ok.err);
    Result del = lt::run({RT_BINARY, "--root", root, "delete", "--force", id});
    BOOST_TEST(del.code == 0, del.err);
    BOOST_TEST(!exists(root + "/" + id));
}
