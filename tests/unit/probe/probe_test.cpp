// rt-probe reports what the kernel shows this process, and the parser reads it back: each
// check compares a probe field with the same fact read here, after changing it first where
// the test can (umask, env, an open fd, cwd), so a probe that prints constants fails.
#define BOOST_TEST_MODULE probe
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "probe_report.hpp"
#include "process.hpp"
#include "rt/error.hpp"

using namespace conformance;

namespace {

const std::string kProbe = RT_PROBE_PATH;

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/rt-probe-test-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

uint64_t inode(const std::string& path) {
    struct stat st {};
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_ino;
}

ProbeReport report(const RunOptions& options = {}, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{kProbe, "report"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run_command(argv, options);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
    return parse_probe_report(r.out);
}

}  // namespace

BOOST_AUTO_TEST_CASE(report_matches_the_callers_view) {
    TempDir dir;
    mode_t old = ::umask(027);
    int fd = ::open("/dev/zero", O_RDONLY);  // inherited: no O_CLOEXEC
    RunOptions opts;
    opts.env_set["RT_PROBE_TEST"] = "value with spaces";
    opts.cwd = dir.path;
    auto r = report(opts, {"--sysctl", "kernel.ostype", "--sysctl", "no.such.sysctl"});
    ::umask(old);

    BOOST_TEST(r.umask == 027u);
    BOOST_TEST(r.env_value("RT_PROBE_TEST").value_or("") == "value with spaces");
    BOOST_TEST(!r.env_value("RT_PROBE_NOT_SET"));
    BOOST_TEST(r.cwd == dir.path.string());
    BOOST_TEST(r.uid.effective == ::geteuid());
    BOOST_TEST(r.gid.real == ::getgid());
    BOOST_TEST(r.ppid == ::getpid());
    BOOST_TEST(r.namespaces.at("pid") == inode("/proc/self/ns/pid"));
    BOOST_TEST(r.namespaces.at("mnt") == inode("/proc/self/ns/mnt"));
    BOOST_TEST(r.sysctls.at("kernel.ostype").value_or("") == "Linux");
    BOOST_TEST(!r.sysctls.at("no.such.sysctl").has_value());
    bool saw_zero = false;
    for (const auto& f : r.fds) saw_zero |= f.fd == fd && f.target == "/dev/zero" && !f.cloexec;
    BOOST_TEST(saw_zero);
    ::close(fd);

    rlimit nofile{};
    ::getrlimit(RLIMIT_NOFILE, &nofile);
    BOOST_TEST(r.rlimits.at("RLIMIT_NOFILE").soft == nofile.rlim_cur);
    BOOST_TEST(r.rlimits.at("RLIMIT_NOFILE").hard == nofile.rlim_max);
    BOOST_REQUIRE(r.mount_at("/") != nullptr);
    BOOST_REQUIRE(r.mount_at("/proc") != nullptr);
    BOOST_TEST(r.mount_at("/proc")->fstype == "proc");
    const ProbeDevice* null = r.device("/dev/null");
    BOOST_REQUIRE(null != nullptr);
    BOOST_TEST(null->type == "c");
    BOOST_TEST(null->major == 1u);
    BOOST_TEST(null->minor == 3u);
    BOOST_TEST(r.args.at(1) == "report");
    BOOST_TEST(r.isatty[0] == false);  // stdin is /dev/null
    BOOST_TEST(!r.cgroups.empty());
}

BOOST_AUTO_TEST_CASE(capabilities_decode_the_status_masks) {
    auto r = report();
    // Read CapEff here and decode one well-known bit ourselves.
    std::string status;
    {
        auto s = run_command({kProbe, "cat", "/proc/self/status"});
        status = s.out;
    }
    size_t pos = status.find("CapBnd:");
    BOOST_REQUIRE(pos != std::string::npos);
    uint64_t bnd = std::strtoull(status.c_str() + pos + 7, nullptr, 16);
    BOOST_TEST(r.capabilities.at("bounding").count("CAP_CHOWN") == ((bnd & 1) != 0));
    BOOST_TEST(r.capabilities.at("bounding").count("CAP_SYS_ADMIN") == ((bnd >> 21 & 1) != 0));
    BOOST_TEST(r.capabilities.at("bounding").size() == size_t(__builtin_popcountll(bnd)));
}

BOOST_AUTO_TEST_CASE(write_read_stat_and_errors) {
    TempDir dir;
    std::string file = (dir.path / "f").string();
    auto w = run_command({kProbe, "write", file, "hello"});
    BOOST_TEST(w.ok());
    BOOST_TEST(parse_probe_action(w.out).err == 0);
    auto rd = run_command({kProbe, "read", file});
    BOOST_TEST(parse_probe_action(rd.out).data == "hello");
    auto missing = run_command({kProbe, "read", (dir.path / "missing").string()});
    BOOST_TEST(missing.exit_code == 1);
    BOOST_TEST(parse_probe_action(missing.out).err == ENOENT);
    auto bad_verb = run_command({kProbe, "no-such-verb"});
    BOOST_TEST(bad_verb.exit_code == 2);
    auto bad_sys = run_command({kProbe, "syscall", "no_such_syscall"});
    BOOST_TEST(bad_sys.exit_code == 2);
    auto pid = run_command({kProbe, "syscall", "getpid"});
    BOOST_TEST(pid.ok());
    BOOST_TEST(run_command({kProbe, "exit", "7"}).exit_code == 7);
}

BOOST_AUTO_TEST_CASE(hook_records_stdin_and_label) {
    TempDir dir;
    std::string log = (dir.path / "hooks").string();
    RunOptions opts;
    opts.stdin_data = R"({"id":"x"})";
    BOOST_TEST(run_command({kProbe, "hook", log, "prestart"}, opts).ok());
    BOOST_TEST(run_command({kProbe, "hook", log, "poststop", "3"}, opts).exit_code == 3);
    auto text = run_command({kProbe, "cat", log}).out;
    BOOST_TEST(text.find(R"("label":"prestart","stdin":"{\"id\":\"x\"}")") != std::string::npos);
    BOOST_TEST(text.find(R"("label":"poststop")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(net_report_has_loopback) {
    auto r = run_command({kProbe, "net"});
    BOOST_REQUIRE_MESSAGE(r.ok(), r.describe());
    auto net = parse_net_report(r.out);
    const NetLink* lo = net.link("lo");
    BOOST_REQUIRE(lo != nullptr);
    BOOST_TEST(lo->up);
    auto cidrs = net.cidrs_of("lo");
    BOOST_TEST((std::find(cidrs.begin(), cidrs.end(), "127.0.0.1/8") != cidrs.end()));
}

BOOST_AUTO_TEST_CASE(parser_rejects_missing_and_mistyped_fields) {
    auto good = run_command({kProbe, "report"}).out;
    BOOST_CHECK_NO_THROW(parse_probe_report(good));
    std::string no_umask = good;
    no_umask.replace(no_umask.find("\"umask\""), 7, "\"umaskX\"");
    BOOST_CHECK_EXCEPTION(parse_probe_report(no_umask), rt::Error, [](const rt::Error& e) {
        return std::string(e.what()).find("/umask: missing") != std::string::npos;
    });
    std::string bad_type = good;
    bad_type.replace(bad_type.find("\"no_new_privs\":"), 15, "\"no_new_privs\":1,\"x\":");
    BOOST_CHECK_THROW(parse_probe_report(bad_type), rt::Error);
    BOOST_CHECK_THROW(parse_probe_report("not json"), rt::Error);
    BOOST_CHECK_THROW(parse_probe_report("[]"), rt::Error);
}

BOOST_AUTO_TEST_CASE(mount_propagation_from_optional_fields) {
    ProbeMount m;
    BOOST_TEST(m.propagation() == "private");
    m.optional = {"shared:5"};
    BOOST_TEST(m.propagation() == "shared");
    m.optional = {"master:5"};
    BOOST_TEST(m.propagation() == "slave");
    m.optional = {"shared:2", "master:5"};
    BOOST_TEST(m.propagation() == "shared+slave");
    m.options = {"ro", "nosuid"};
    m.super_options = {"rw", "size=64k"};
    BOOST_TEST(m.has_option("nosuid"));
    BOOST_TEST(m.has_option("size=64k"));
    BOOST_TEST(!m.has_option("nodev"));
}
