// Known runtime attacks, kept as regression tests against the real `rt` binary.
//   CVE-2019-5736: a container process opens rt's binary through /proc/<pid>/exe while rt
//     runs in the container (the init waiting for `rt start`, an `rt exec` process during its
//     setup), keeps the handle and reopens it for writing once rt is gone. Two layers stop
//     it: rt's processes are not dumpable (a default container cannot open the exe at all)
//     and run from a read-only sealed binary (a privileged one, with CAP_SYS_PTRACE, gets
//     EROFS on the reopen).
//   CVE-2024-21626: cwd "/proc/self/fd/N" must not reach a host directory through a leaked fd.
//   exec/create ordering: a container with CAP_SYS_PTRACE that watches its /proc must never
//     see a process of rt before it is entirely the container's (mount namespace, root,
//     credentials): not an `rt exec` process, not the init of a container created into its
//     pid namespace (the pod pattern).
// (Symlinked mount destinations, CVE-2021-30465, and the fd listing are in
// tests/integration/lifecycle/container_test.cpp; masked/readonly paths too.)
#define BOOST_TEST_MODULE security integration : known attacks
#include <dirent.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/fd.hpp"
#include "harness.hpp"
#include "rt/oci/names.hpp"

using namespace lt;

namespace {

// A copy of rt of the test's own: if the defence failed, this copy (not the build's binary)
// would be written.
std::string copy_rt(const Env& env) {
    std::string path = env.dir() + "/rt-copy";
    Result r = run({"cp", RT_BINARY, path});
    if (r.code != 0) throw std::runtime_error("cp rt: " + r.err);
    return path;
}

Result rt_with(const Env& env, const std::string& binary, std::vector<std::string> args) {
    env.write_config();
    args.insert(args.begin(), {binary, "--root", env.root()});
    return run(args);
}

// Opens the FIFO for writing once the container side reads it (up to 30 s).
bool fifo_write(const std::string& path, const std::string& text) {
    for (int i = 0; i < 3000; ++i) {
        int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
            ::close(fd);
            return ok;
        }
        if (errno != ENXIO) return false;
        ::usleep(10000);
    }
    return false;
}

// What one writer writes into the FIFO (up to 30 s).
std::string fifo_read(const std::string& path) {
    rt::base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    std::string out;
    if (!fd) return "open " + path + ": " + std::strerror(errno);
    for (;;) {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, 30000) <= 0) return out + "(timeout)";
        char buf[256];
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<size_t>(n));
        } else if (n == 0 || errno != EAGAIN) {
            return out;
        }
    }
}

// Every capability the test itself holds (root here lacks CAP_SYS_RESOURCE, and capset cannot
// grant what the caller does not have), as all five sets but ambient: a "privileged" container.
std::string all_capabilities() {
    const auto& names = rt::oci::names::kCapabilities;
    uint64_t held = 0;
    for (const auto& line : lines(read_file("/proc/self/status")))
        if (line.rfind("CapPrm:", 0) == 0) held = std::stoull(line.substr(7), nullptr, 16);
    std::string list = "[";
    for (size_t cap = 0; cap < std::size(names); ++cap) {
        if (!(held & (uint64_t{1} << cap))) continue;
        list += std::string(list.size() > 1 ? "," : "") + "\"" + std::string(names[cap]) + "\"";
    }
    list += "]";
    return R"({"bounding":)" + list + R"(,"effective":)" + list + R"(,"permitted":)" + list +
           R"(,"inheritable":)" + list + "}";
}

// The attacker's side (busybox sh): opens /proc/<target>/exe read-only (kept as fd 3),
// reports, waits, then reopens it for writing through /proc/self/fd/3 (rt is gone by then,
// so the binary is no longer busy). Results go to /result.txt; /held and /go are FIFOs.
// `target` is a pid, or "$t" read from /go first.
std::string attacker_script(const std::string& target, bool read_target) {
    std::string s = "exec </dev/null >/dev/null 2>/dev/null; r=/result.txt; ";
    if (read_target) s += "read t < /go; ";
    s += "if (: < /proc/" + target + "/exe) 2>/tmp/err; then exec 3< /proc/" + target +
         "/exe; echo open=ok >> $r; else echo \"open=failed $(cat /tmp/err)\" >> $r; fi; "
         "echo held > /held; read x < /go; "
         "{ echo -n pwned >> /proc/self/fd/3; } 2>> $r; echo rc=$? >> $r; echo done > /held; ";
    return s;
}

// A seccomp agent that lets every notified syscall continue, except the first one of its
// `hold_connection`-th connection, which it keeps until release(): the process that made it
// stays blocked in rt's setup code, in the container, for as long as the test wants.
class HoldingAgent {
  public:
    HoldingAgent(std::string path, int hold_connection)
        : path_(std::move(path)), hold_connection_(hold_connection) {
        listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
        if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listener_.get(), 4) != 0)
            throw std::runtime_error("agent socket: " + std::string(std::strerror(errno)));
        wake_.reset(::eventfd(0, EFD_CLOEXEC));
        thread_ = std::thread([this] { serve(); });
    }
    ~HoldingAgent() {
        {
            std::lock_guard lock(m_);
            stop_ = true;
        }
        poke();
        thread_.join();
        ::unlink(path_.c_str());
    }
    // Host pid of the held process, or -1 after 30 s.
    int wait_held() {
        std::unique_lock lock(m_);
        cv_.wait_for(lock, std::chrono::seconds(30), [this] { return held_pid_ > 0; });
        return held_pid_ > 0 ? held_pid_ : -1;
    }
    void release() {
        {
            std::lock_guard lock(m_);
            release_ = true;
        }
        poke();
    }

  private:
    void poke() {
        uint64_t one = 1;
        (void)!::write(wake_.get(), &one, sizeof one);
    }
    static void answer(int fd, uint64_t id) {
        seccomp_notif_resp resp{};
        resp.id = id;
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        (void)::ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
    void take_connection() {
        rt::base::UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn) return;
        ++connections_;
        char buf[8192];
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        for (;;) {
            iovec iov{buf, sizeof buf};
            msghdr msg{};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            if (::recvmsg(conn.get(), &msg, MSG_CMSG_CLOEXEC) <= 0) break;
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_type != SCM_RIGHTS) continue;
                int fd;
                std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
                fds_.emplace_back(fd);
                connection_of_.push_back(connections_);
            }
        }
    }
    void serve() {
        seccomp_notif req{};
        for (;;) {
            std::vector<pollfd> p = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
            for (auto& fd : fds_) p.push_back({fd.get(), POLLIN, 0});
            if (::poll(p.data(), p.size(), 60000) <= 0) return;
            if (p[0].revents & POLLIN) take_connection();
            if (p[1].revents & POLLIN) {
                uint64_t v;
                (void)!::read(wake_.get(), &v, sizeof v);
                std::lock_guard lock(m_);
                if (release_ && held_fd_ >= 0) {
                    answer(held_fd_, held_id_);
                    held_fd_ = -1;
                }
                if (stop_) return;
            }
            for (size_t i = 2; i < p.size(); ++i) {
                auto& fd = fds_[i - 2];
                if (p[i].revents & POLLHUP) {
                    fd.reset();  // every process under that filter is gone
                    continue;
                }
                if (!(p[i].revents & POLLIN)) continue;
                std::memset(&req, 0, sizeof req);
                if (::ioctl(fd.get(), SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) continue;
                std::lock_guard lock(m_);
                if (connection_of_[i - 2] == hold_connection_ && held_pid_ == 0) {
                    held_pid_ = static_cast<int>(req.pid);
                    held_fd_ = fd.get();
                    held_id_ = req.id;
                    cv_.notify_all();
                } else {
                    answer(fd.get(), req.id);
                }
            }
            // Drop closed notify fds (keep the index of connections in step).
            for (size_t i = fds_.size(); i-- > 0;) {
                if (fds_[i]) continue;
                fds_.erase(fds_.begin() + static_cast<long>(i));
                connection_of_.erase(connection_of_.begin() + static_cast<long>(i));
            }
        }
    }

    std::string path_;
    int hold_connection_;
    rt::base::UniqueFd listener_, wake_;
    std::vector<rt::base::UniqueFd> fds_;
    std::vector<int> connection_of_;
    int connections_ = 0;
    std::mutex m_;
    std::condition_variable cv_;
    int held_pid_ = 0, held_fd_ = -1;
    uint64_t held_id_ = 0;
    bool release_ = false, stop_ = false;
    std::thread thread_;
};

// A bundle with its own writable rootfs holding the /held and /go FIFOs.
void prepare(Env& env, bool privileged) {
    env.own_rootfs();
    env.set("/root/readonly", "false");
    if (privileged) env.set("/process/capabilities", all_capabilities());
    BOOST_REQUIRE(::mkfifo((env.rootfs() + "/held").c_str(), 0600) == 0);
    BOOST_REQUIRE(::mkfifo((env.rootfs() + "/go").c_str(), 0600) == 0);
}

// The outcome once the attacker is done: the attack must have failed, the binary unchanged.
void check_attack_failed(const Env& env, const std::string& copy, bool privileged) {
    const std::string result = read_file(env.rootfs() + "/result.txt");
    BOOST_TEST_MESSAGE("attacker: " << result);
    BOOST_TEST(result.find("rc=0") == std::string::npos, result);
    BOOST_TEST(result.find("rc=") != std::string::npos, result);  // the attacker got there
    if (!privileged) {
        // rt's processes are not dumpable: without CAP_SYS_PTRACE the container cannot even
        // open their /proc/<pid>/exe.
        BOOST_TEST(result.find("open=failed") != std::string::npos, result);
        BOOST_TEST(result.find("Permission denied") != std::string::npos, result);
    } else {
        // With every capability the attacker does get a handle on rt's binary (the kernel's
        // ptrace checks pass); what stops the write is the read-only sealed copy.
        BOOST_TEST(result.find("open=ok") != std::string::npos, result);
        BOOST_TEST(result.find("Read-only file system") != std::string::npos, result);
    }
    BOOST_TEST(read_file(copy) == read_file(RT_BINARY), "rt's binary was modified");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cve_2019_5736)

BOOST_AUTO_TEST_CASE(the_init_waiting_for_start_cannot_have_its_binary_written) {
    for (bool privileged : {false, true}) {
        BOOST_TEST_CONTEXT("privileged " << privileged) {
            Env env;
            prepare(env, privileged);
            const std::string copy = copy_rt(env);
            env.set("/process/args", R"(["sleep","1000"])");
            std::string id = env.id("cve5736c");
            Result c = rt_with(env, copy, {"create", "-b", env.bundle(), id});
            BOOST_REQUIRE_MESSAGE(c.code == 0, c.err);
            // The attacker: a process exec'd into the created container, aiming at pid 1 (rt's
            // init, in rt's image until `rt start`).
            Result e =
                rt_with(env, copy, {"exec", "-d", id, "sh", "-c", attacker_script("1", false)});
            BOOST_REQUIRE_MESSAGE(e.code == 0, e.err);
            BOOST_REQUIRE_EQUAL(fifo_read(env.rootfs() + "/held"), "held\n");
            // The init now execs `sleep`: no process runs rt's binary any more.
            Result s = rt_with(env, copy, {"start", id});
            BOOST_REQUIRE_MESSAGE(s.code == 0, s.err);
            BOOST_REQUIRE(fifo_write(env.rootfs() + "/go", "go\n"));
            BOOST_REQUIRE_EQUAL(fifo_read(env.rootfs() + "/held"), "done\n");
            check_attack_failed(env, copy, privileged);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_exec_process_during_its_setup_cannot_have_its_binary_written) {
    for (bool privileged : {false, true}) {
        BOOST_TEST_CONTEXT("privileged " << privileged) {
            Env env;
            prepare(env, privileged);
            const std::string copy = copy_rt(env);
            // The container's filter sends setsid to the agent: rt's exec process calls it
            // once it is in the container's pid namespace, right before execve (the
            // intermediate that did the setup, outside that namespace, never calls it). The
            // agent holds that call: the process sits in rt's image inside the container.
            const std::string socket_path = "/tmp/" + unique("rt-cve-agent") + ".sock";
            HoldingAgent agent(socket_path, 2);  // 1: the init at create, 2: the exec
            env.set("/linux/seccomp",
                    R"({"defaultAction":"SCMP_ACT_ALLOW","listenerPath":")" + socket_path +
                        R"(","syscalls":[{"names":["setsid"],"action":"SCMP_ACT_NOTIFY"}]})");
            // The attacker is the container's init; it learns the target's pid from /go.
            env.sh(attacker_script("$t", true) + "exec sleep 1000");
            std::string id = env.id("cve5736e");
            Result c = rt_with(env, copy, {"run", "-d", "-b", env.bundle(), id});
            BOOST_REQUIRE_MESSAGE(c.code == 0, c.err);

            Result e;
            std::thread exec_thread([&] { e = rt_with(env, copy, {"exec", "-d", id, "true"}); });
            struct Join {
                std::thread& t;
                HoldingAgent& a;
                ~Join() {
                    a.release();
                    t.join();
                }
            } join{exec_thread, agent};

            int host_pid = agent.wait_held();
            BOOST_REQUIRE(host_pid > 0);
            // Its pid in the container: the last NSpid field.
            std::string inner;
            for (const auto& line :
                 lines(read_file("/proc/" + std::to_string(host_pid) + "/status")))
                if (line.rfind("NSpid:", 0) == 0) inner = line.substr(line.find_last_of(" \t") + 1);
            BOOST_REQUIRE(!inner.empty());
            BOOST_REQUIRE(fifo_write(env.rootfs() + "/go", inner + "\n"));
            BOOST_REQUIRE_EQUAL(fifo_read(env.rootfs() + "/held"), "held\n");
            // Let the exec finish: its process execs `true`, rt exec -d exits.
            agent.release();
            exec_thread.join();
            exec_thread = std::thread([] {});
            BOOST_REQUIRE_MESSAGE(e.code == 0, e.err);
            BOOST_REQUIRE(fifo_write(env.rootfs() + "/go", "go\n"));
            BOOST_REQUIRE_EQUAL(fifo_read(env.rootfs() + "/held"), "done\n");
            check_attack_failed(env, copy, privileged);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cve_2024_21626)

BOOST_AUTO_TEST_CASE(cwd_through_a_leaked_fd_never_reaches_the_host) {
    // A marker next to the state dir and the bundle: a cwd on a host directory would see it
    // somewhere up the tree.
    Env env;
    const std::string marker = unique("rt-host-marker");
    write_file(env.dir() + "/" + marker, "host");
    const std::string probe = "ls -a; ls -a .. ../.. ../../..; pwd";
    for (int n = 3; n <= 12; ++n) {
        const std::string cwd = "/proc/self/fd/" + std::to_string(n);
        BOOST_TEST_CONTEXT("cwd " << cwd) {
            env.set("/process/cwd", "\"" + cwd + "\"");
            env.sh(probe);
            Result r = env.run_container("cwdfd");
            // rt refuses the cwd (naming it), or the process runs inside the container.
            BOOST_TEST_MESSAGE(cwd << ": exit " << r.code << " " << r.err);
            if (r.code != 0) BOOST_TEST(r.err.find(cwd) != std::string::npos, r.err);
            BOOST_TEST(r.out.find(marker) == std::string::npos, r.out);
            BOOST_TEST(r.out.find("config.json") == std::string::npos, r.out);
            BOOST_TEST(r.out.find("state.json") == std::string::npos, r.out);
        }
    }
    // The same through rt exec --cwd.
    env.set("/process/cwd", "\"/\"");
    env.set("/process/args", R"(["sleep","1000"])");
    std::string id = env.id("cwdexec");
    Result started = env.rt({"run", "-d", "-b", env.bundle(), id});
    BOOST_REQUIRE_MESSAGE(started.code == 0, started.err);
    for (int n = 3; n <= 12; ++n) {
        const std::string cwd = "/proc/self/fd/" + std::to_string(n);
        BOOST_TEST_CONTEXT("exec --cwd " << cwd) {
            Result r = env.rt({"exec", "--cwd", cwd, id, "sh", "-c", probe});
            BOOST_TEST_MESSAGE("exec " << cwd << ": exit " << r.code << " " << r.err);
            if (r.code != 0) BOOST_TEST(r.err.find(cwd) != std::string::npos, r.err);
            BOOST_TEST(r.out.find(marker) == std::string::npos, r.out);
            BOOST_TEST(r.out.find("config.json") == std::string::npos, r.out);
            BOOST_TEST(r.out.find("state.json") == std::string::npos, r.out);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cve_2021_30465)

// Symlinks anywhere in a mount destination resolve inside the rootfs: a nested relative one
// with more ".." than the depth, and a final component pointing at an absolute host path.
BOOST_AUTO_TEST_CASE(symlinked_mount_destinations_stay_in_the_rootfs) {
    Env env;
    env.own_rootfs();
    const std::string host_target = env.dir() + "/host-target";
    BOOST_REQUIRE(::mkdir(host_target.c_str(), 0755) == 0);
    const std::string root = env.rootfs();
    BOOST_REQUIRE(::mkdir((root + "/d1").c_str(), 0755) == 0);
    BOOST_REQUIRE(::mkdir((root + "/d1/d2").c_str(), 0755) == 0);
    BOOST_REQUIRE(::symlink("../../../../../../../..", (root + "/d1/d2/up").c_str()) == 0);
    BOOST_REQUIRE(::symlink(host_target.c_str(), (root + "/final").c_str()) == 0);
    env.set("/mounts/-", R"({"destination":"/d1/d2/up/esc1","type":"tmpfs","source":"tmpfs"})");
    env.set("/mounts/-", R"({"destination":"/final","type":"tmpfs","source":"tmpfs"})");
    env.set("/root/readonly", "false");
    env.sh("touch /esc1/in-esc1 /final/in-final && grep -c -E ' (/esc1|" + host_target +
           ") ' /proc/self/mountinfo");
    Result r = env.run_container("symswap");
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out == "2\n", r.out);  // both tmpfs mounts, inside the container
    // Nothing reached the host: no file, no mount on the target.
    BOOST_TEST(!exists(host_target + "/in-final"));
    BOOST_TEST(!exists(env.dir() + "/esc1"));
    BOOST_TEST(!exists("/esc1"));
    BOOST_TEST(read_file("/proc/self/mountinfo").find(host_target) == std::string::npos);
    BOOST_TEST(exists(root + "/esc1"));
    BOOST_TEST(exists(root + host_target));
}

// Entries of a directory ("." and ".." aside); -1 when it cannot be read.
int entries(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return -1;
    int n = 0;
    while (dirent* e = ::readdir(d))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ++n;
    ::closedir(d);
    return n;
}

// Keeps exchanging `a` (a directory) and `b` (a symlink) with renameat2(RENAME_EXCHANGE)
// until destroyed: whoever resolves a path through `a` meets either, at any moment.
class Swapper {
  public:
    Swapper(std::string a, std::string b) : a_(std::move(a)), b_(std::move(b)) {
        thread_ = std::thread([this] {
            while (!stop_.load(std::memory_order_relaxed)) {
                if (::renameat2(AT_FDCWD, a_.c_str(), AT_FDCWD, b_.c_str(), RENAME_EXCHANGE) == 0)
                    swaps_.fetch_add(1, std::memory_order_relaxed);
            }
        });
    }
    ~Swapper() {
        stop_ = true;
        thread_.join();
    }
    long swaps() const { return swaps_.load(); }

  private:
    std::string a_, b_;
    std::atomic<bool> stop_{false};
    std::atomic<long> swaps_{0};
    std::thread thread_;
};

// The race of CVE-2021-30465: while rt sets up many bind mounts under /race, /race keeps
// being exchanged with a symlink to an absolute host directory (the canary). A runtime that
// resolves destinations by path on the host (mkdir -p + mount <rootfs>/race/mN) follows the
// symlink at some point and creates (and mounts on) <canary>/mN on the host; rt resolves
// every destination inside the rootfs (RESOLVE_IN_ROOT), so the symlink leads to
// <rootfs>/<canary path> and the host canary stays empty and unmounted. The symlink aims at
// a test directory rather than "/" so that a regression cannot touch the host's root.
BOOST_AUTO_TEST_CASE(mount_destinations_swapped_with_a_host_symlink_never_leave_the_rootfs) {
    constexpr int kMounts = 24, kIterations = 50;
    Env env;
    env.own_rootfs();
    env.set("/root/readonly", "false");
    const std::string canary = env.dir() + "/canary", source = env.dir() + "/source";
    BOOST_REQUIRE(::mkdir(canary.c_str(), 0755) == 0);
    BOOST_REQUIRE(::mkdir(source.c_str(), 0755) == 0);
    write_file(source + "/marker", "source");
    const std::string race = env.rootfs() + "/race", link = env.rootfs() + "/race-link";
    BOOST_REQUIRE(::mkdir(race.c_str(), 0755) == 0);
    BOOST_REQUIRE(::symlink(canary.c_str(), link.c_str()) == 0);
    for (int i = 0; i < kMounts; ++i)
        env.set("/mounts/-", R"({"destination":"/race/m)" + std::to_string(i) +
                                 R"(","type":"bind","source":")" + source +
                                 R"(","options":["rbind","ro"]})");
    env.sh("true");

    // Control: the same race against naive by-path resolution (what rt must not do) does
    // reach the canary, so the swapping below is fast enough to catch a regression.
    {
        Swapper swapper(race, link);
        bool escaped = false;
        for (int i = 0; i < 20000 && !escaped; ++i) {
            const std::string path = race + "/naive" + std::to_string(i);
            if (::mkdir(path.c_str(), 0755) == 0)
                escaped = exists(canary + "/naive" + std::to_string(i));
        }
        BOOST_REQUIRE_MESSAGE(escaped, "the swapper never won the race against a by-path mkdir");
    }
    run({"rm", "-rf", "--one-file-system", canary});
    BOOST_REQUIRE(::mkdir(canary.c_str(), 0755) == 0);

    int succeeded = 0;
    long swaps = 0;
    for (int i = 0; i < kIterations; ++i) {
        Result r;
        {
            Swapper swapper(race, link);
            r = env.run_container("race");
            swaps += swapper.swaps();
        }
        if (r.code == 0)
            ++succeeded;
        else
            BOOST_TEST_MESSAGE("iteration " << i << ": exit " << r.code << " " << r.err);
        // Nothing was created or mounted on the host side of the symlink.
        BOOST_TEST_REQUIRE(entries(canary) == 0,
                           "iteration " << i << ": " << canary << " got entries");
        BOOST_TEST_REQUIRE(read_file("/proc/self/mountinfo").find(env.dir()) == std::string::npos,
                           "iteration " << i << ": a mount landed under " << env.dir());
    }
    BOOST_TEST_MESSAGE(succeeded << "/" << kIterations << " runs succeeded, " << swaps
                                 << " exchanges");
    BOOST_TEST(swaps > 0);
    // rt resolves a destination once and mounts through that handle: a swap can move a
    // half-made destination, never make rt fail.
    BOOST_TEST(succeeded == kIterations);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exec_ordering)

namespace {

// The attacker (proc_root_watcher.cpp) as the init of a container with `rt spec`'s
// capabilities plus CAP_SYS_PTRACE (no user namespace). It races every new pid of its pid
// namespace for /proc/<pid>/root/<canary> (a host file, read and write) and ptrace, until
// /stop exists, then writes its counters to /result.txt.
class Watcher {
  public:
    explicit Watcher(Env& env) : env_(env), canary_(env.dir() + "/host-canary") {
        write_file(canary_, "host secret\n");
        env.own_rootfs();
        env.set("/root/readonly", "false");
        Result cp = run({"cp", RT_PROC_ROOT_WATCHER, env.rootfs() + "/watcher"});
        if (cp.code != 0) throw std::runtime_error("cp watcher: " + cp.err);
        for (const char* set : {"bounding", "effective", "permitted"})
            env.set(std::string("/process/capabilities/") + set + "/-", R"("CAP_SYS_PTRACE")");
        char mntns[64] = {};
        if (::readlink("/proc/self/ns/mnt", mntns, sizeof mntns - 1) <= 0)
            throw std::runtime_error("readlink /proc/self/ns/mnt");
        struct stat root {};
        if (::stat("/", &root) != 0) throw std::runtime_error("stat /");
        env.set("/process/args", R"(["/watcher",")" + canary_ + R"(","/result.txt","/stop",")" +
                                     mntns + R"(",")" + std::to_string(root.st_dev) + ":" +
                                     std::to_string(root.st_ino) + R"("])");
        id_ = env.id("watcher");
        Result r = env.rt({"run", "-d", "-b", env.bundle(), id_});
        if (r.code != 0) throw std::runtime_error("run the watcher: " + r.err);
        pid_ = env.pid(id_);
    }
    const std::string& id() const { return id_; }
    int pid() const { return pid_; }
    // Stops the watcher and returns its counters (seen, reads, writes, attached, ...).
    std::map<std::string, int> finish() {
        write_file(env_.rootfs() + "/stop", "");
        std::string text;
        for (int i = 0; i < 3000 && text.empty(); ++i) {
            if (exists(env_.rootfs() + "/result.txt"))
                text = read_file(env_.rootfs() + "/result.txt");
            if (text.empty()) ::usleep(10000);
        }
        BOOST_TEST_MESSAGE("watcher: " << text);
        std::map<std::string, int> out;
        std::istringstream in(text);
        std::string field;
        while (in >> field) {
            auto eq = field.find('=');
            if (eq != std::string::npos) out[field.substr(0, eq)] = std::stoi(field.substr(eq + 1));
        }
        return out;
    }
    // Nothing of the host: no read or write of the canary, no ptrace of a process in the
    // host's mount namespace or root, or with capabilities the container does not have. And
    // the watcher did see and attach to processes, so it could have won.
    void check(std::map<std::string, int> c) const {
        BOOST_REQUIRE_MESSAGE(c.count("seen"), "the watcher wrote no result");
        BOOST_TEST(c["reads"] == 0);
        BOOST_TEST(c["writes"] == 0);
        BOOST_TEST(c["attached_host"] == 0);
        BOOST_TEST(c["attached_privileged"] == 0);
        BOOST_TEST(read_file(canary_) == "host secret\n");
        BOOST_TEST(c["seen"] > 0);
        BOOST_TEST(c["attached"] > 0);
    }

  private:
    Env& env_;
    std::string canary_, id_;
    int pid_ = -1;
};

}  // namespace

// rt exec: the process appears in the container's pid namespace only after it joined the
// mount namespace (root included) and dropped its credentials (runtime/linux/tenant.hpp).
BOOST_AUTO_TEST_CASE(exec_processes_never_expose_the_host_to_a_ptrace_capable_container) {
    constexpr int kExecs = 40;
    Env env;
    Watcher watcher(env);
    int failed = 0;
    for (int i = 0; i < kExecs; ++i) {
        // Half short (true), half alive long enough for the watcher to see each one.
        Result e = env.rt({"exec", watcher.id(), i % 2 ? "true" : "sleep", "0.05"});
        if (e.code != 0) ++failed;
        if (e.code != 0) BOOST_TEST_MESSAGE("exec " << i << ": " << e.code << " " << e.err);
    }
    BOOST_TEST(failed == 0);
    watcher.check(watcher.finish());
}

// The pod pattern (a pid namespace joined by path): the init is in that namespace, `rt state`
// and the startContainer hook report its pid, exec and kill reach it.
BOOST_AUTO_TEST_CASE(a_container_joining_a_pid_namespace_by_path_runs_in_it) {
    Env holder;
    holder.set("/process/args", R"(["sleep","1000"])");
    std::string hid = holder.id("holder");
    Result h = holder.rt({"run", "-d", "-b", holder.bundle(), hid});
    BOOST_REQUIRE_MESSAGE(h.code == 0, h.err);
    const std::string pidns = "/proc/" + std::to_string(holder.pid(hid)) + "/ns/pid";

    Env pod;
    for (auto& ns : pod.config["linux"]["namespaces"].GetArray())
        if (std::string(ns["type"].GetString()) == "pid")
            ns.AddMember("path", rapidjson::Value(pidns.c_str(), pod.config.GetAllocator()),
                         pod.config.GetAllocator());
    // startContainer hooks run in the container's mount namespace: the file is in its rootfs.
    pod.own_rootfs();
    pod.set("/root/readonly", "false");
    const std::string hook_out = pod.rootfs() + "/start-hook.json";
    pod.set(
        "/hooks",
        R"({"startContainer":[{"path":"/bin/sh","args":["sh","-c","cat > /start-hook.json"]}]})");
    pod.set("/process/args", R"(["sleep","1000"])");
    std::string id = pod.id("member");
    Result c = pod.rt({"create", "-b", pod.bundle(), id});
    BOOST_REQUIRE_MESSAGE(c.code == 0, c.err);
    int pid = pod.pid(id);
    BOOST_REQUIRE(pid > 0);
    char a[64] = {}, b[64] = {};
    BOOST_REQUIRE(::readlink(pidns.c_str(), a, sizeof a - 1) > 0);
    BOOST_REQUIRE(
        ::readlink(("/proc/" + std::to_string(pid) + "/ns/pid").c_str(), b, sizeof b - 1) > 0);
    BOOST_TEST(std::string(a) == std::string(b));
    BOOST_TEST(pod.status(id) == "created");
    Result s = pod.rt({"start", id});
    BOOST_REQUIRE_MESSAGE(s.code == 0, s.err);
    BOOST_TEST(pod.status(id) == "running");
    // The hook (run in the container's namespaces) got the init's pid as seen there.
    std::string nspid;
    for (const auto& line : lines(read_file("/proc/" + std::to_string(pid) + "/status")))
        if (line.rfind("NSpid:", 0) == 0) nspid = line.substr(line.find_last_of(" \t") + 1);
    const std::string state = read_file(hook_out);
    BOOST_TEST(state.find("\"pid\":" + nspid + ",") != std::string::npos, state << " " << nspid);
    // exec joins it too: the holder's sleep (its pid 1) is visible.
    Result e = pod.rt({"exec", id, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"});
    BOOST_TEST(e.code == 0, e.err);
    BOOST_TEST(e.out == "sleep 1000 ", e.out);
    Result k = pod.rt({"kill", id, "KILL"});
    BOOST_TEST(k.code == 0, k.err);
    for (int i = 0; i < 500 && pod.status(id) != "stopped"; ++i) ::usleep(10000);
    BOOST_TEST(pod.status(id) == "stopped");
    BOOST_TEST(holder.status(hid) == "running");
}

BOOST_AUTO_TEST_SUITE_END()
