#include "fixture.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "base/fd.hpp"
#include "netlink/netns.hpp"
#include "netlink/socket.hpp"

namespace fs = std::filesystem;

namespace cnit {

std::string tag() {
    return RT_CNI_TEST_TAG;
}
std::string bin_dir() {
    return RT_BIN_DIR;
}
std::string cni_path() {
    return bin_dir() + ":" + kRefDir;
}
std::string rt_bridge() {
    return bin_dir() + "/rt-bridge";
}
std::string rt_host_local() {
    return bin_dir() + "/rt-host-local";
}

int next_serial() {
    static int n = 0;
    return ++n;
}

namespace {
std::string hex(unsigned long v, int digits) {
    char buf[32];
    (void)std::snprintf(buf, sizeof buf, "%0*lx", digits, v);
    return std::string(buf).substr(std::string(buf).size() - static_cast<std::size_t>(digits));
}
std::string pid_str() {
    return std::to_string(getpid());
}
}  // namespace

int sh(const std::string& cmd, std::string* out) {
    std::string full = cmd + " 2>&1";
    FILE* p = popen(full.c_str(), "r");
    if (!p) return -1;
    std::string o;
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.append(buf, n);
    int st = pclose(p);
    if (out) *out = o;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Netns::Netns() : name_("rtcni-" + tag() + "-" + pid_str() + "-" + std::to_string(next_serial())) {
    std::string out;
    if (sh("ip netns add " + name_, &out) != 0)
        throw std::runtime_error("ip netns add " + name_ + ": " + out);
    // Loopback up, as a container runtime leaves it.
    sh("ip netns exec " + name_ + " ip link set lo up");
}

Netns::~Netns() {
    remove();
}

void Netns::remove() {
    if (!alive_) return;
    alive_ = false;
    sh("ip netns del " + name_);
}

int Netns::exec(const std::string& cmd, std::string* out) const {
    return sh("ip netns exec " + name_ + " " + cmd, out);
}

int Exec::code() const {
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("code") || !doc["code"].IsInt())
        return 0;
    return doc["code"].GetInt();
}

std::string Exec::msg() const {
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("msg") || !doc["msg"].IsString())
        return {};
    return doc["msg"].GetString();
}

namespace {

struct Running {
    pid_t pid = -1;
    rt::base::UniqueFd out;
    rt::base::UniqueFd err;  // a memfd: read after exit, so a chatty stderr cannot block
};

Running start(const Invocation& inv) {
    std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
    if (!inv.clear_command) env.push_back("CNI_COMMAND=" + inv.command);
    if (!inv.container_id.empty()) env.push_back("CNI_CONTAINERID=" + inv.container_id);
    if (!inv.netns.empty()) env.push_back("CNI_NETNS=" + inv.netns);
    if (!inv.ifname.empty()) env.push_back("CNI_IFNAME=" + inv.ifname);
    if (!inv.args.empty()) env.push_back("CNI_ARGS=" + inv.args);
    if (!inv.path.empty()) env.push_back("CNI_PATH=" + inv.path);
    for (const auto& [k, v] : inv.extra_env) env.push_back(k + "=" + v);
    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    rt::base::UniqueFd in(inv.stdin_path.empty()
                              ? memfd_create("cni-test-stdin", MFD_CLOEXEC)
                              : open(inv.stdin_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) throw std::runtime_error("open the plugin's stdin");
    if (inv.stdin_path.empty() && (write(in.get(), inv.config.data(), inv.config.size()) !=
                                       static_cast<ssize_t>(inv.config.size()) ||
                                   lseek(in.get(), 0, SEEK_SET) != 0))
        throw std::runtime_error("memfd for plugin stdin");
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    rt::base::UniqueFd rd(p[0]), wr(p[1]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.get(), 0);
    posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);
    rt::base::UniqueFd err(memfd_create("cni-test-stderr", MFD_CLOEXEC));
    if (!err) throw std::runtime_error("memfd for plugin stderr");
    posix_spawn_file_actions_adddup2(&fa, err.get(), 2);
    std::string exe = inv.plugin;
    char* argv[] = {exe.data(), nullptr};
    Running r;
    int rc = posix_spawn(&r.pid, exe.c_str(), &fa, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("spawn " + exe);
    r.out = std::move(rd);
    r.err = std::move(err);
    return r;
}

Exec finish(Running& r) {
    Exec e;
    char buf[8192];
    ssize_t n;
    while ((n = read(r.out.get(), buf, sizeof buf)) > 0)
        e.out.append(buf, static_cast<std::size_t>(n));
    int st = 0;
    waitpid(r.pid, &st, 0);
    e.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (lseek(r.err.get(), 0, SEEK_SET) == 0)
        while ((n = read(r.err.get(), buf, sizeof buf)) > 0)
            e.err.append(buf, static_cast<std::size_t>(n));
    if (!e.err.empty()) (void)fwrite(e.err.data(), 1, e.err.size(), stderr);  // as before
    e.doc.Parse(e.out.c_str());
    return e;
}

}  // namespace

Exec run(const Invocation& inv) {
    Running r = start(inv);
    return finish(r);
}

std::vector<Exec> run_parallel(const std::vector<Invocation>& invs) {
    std::vector<Running> rs;
    rs.reserve(invs.size());
    for (const auto& i : invs) rs.push_back(start(i));
    std::vector<Exec> out;
    out.reserve(rs.size());
    for (auto& r : rs) out.push_back(finish(r));
    return out;
}

TestNet::TestNet() : serial_(next_serial()) {
    pid_t pid = getpid();
    name = "rtcnet-" + tag() + "-" + pid_str() + "-" + std::to_string(serial_);
    bridge = "rt" + tag() + hex(static_cast<unsigned long>(pid), 6) +
             hex(static_cast<unsigned long>(serial_), 2);
    int b = 200 + static_cast<int>(pid % 40);
    int c = (serial_ + static_cast<int>(pid / 40) * 16) % 256;
    v4_prefix = "10." + std::to_string(b) + "." + std::to_string(c);
    // Written as Go and rt-host-local write IPv6 addresses: no leading zeros in a group.
    std::ostringstream v6;
    v6 << "fd00:2" << (10 + pid % 40) << ":" << std::hex
       << ((static_cast<unsigned long>(pid) & 0xffff) | 0x1000) << ":" << serial_;
    v6_prefix = v6.str();
    std::string tmpl = "/tmp/rt-cni-it-" + tag() + "-" + pid_str() + "-XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    data_dir = tmpl;
}

std::string TestNet::ip6(int host) const {
    std::ostringstream s;
    s << v6_prefix << "::" << std::hex << host;
    return s.str();
}

std::string TestNet::ipam_host_local(const std::string& type, bool v6,
                                     const std::string& extra) const {
    std::string ranges = R"([[{"subnet":")" + subnet4() + R"("}])";
    if (v6) ranges += R"(,[{"subnet":")" + subnet6() + R"("}])";
    ranges += "]";
    return R"({"type":")" + type + R"(","ranges":)" + ranges + R"(,"dataDir":")" + data_dir + "\"" +
           extra + "}";
}

std::string TestNet::conf(const std::string& version, const std::string& extra,
                          const std::string& ipam, const std::string& plugin_type) const {
    std::string i = ipam.empty() ? ipam_host_local() : ipam;
    return R"({"cniVersion":")" + version + R"(","name":")" + name + R"(","type":")" + plugin_type +
           R"(","bridge":")" + bridge + "\"" + extra + R"(,"ipam":)" + i + "}";
}

std::vector<std::string> TestNet::reservations() const {
    std::vector<std::string> out;
    std::string dir = data_dir + "/" + name;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
        std::string f = e.path().filename().string();
        if (!e.is_regular_file() || f == "lock" || f.rfind("last_reserved_ip.", 0) == 0) continue;
        out.push_back(e.path().lexically_relative(dir).string());
    }
    // rt-host-local's index entries (outside the network's directory).
    for (const auto& e : fs::directory_iterator(data_dir + "/.rt-index/" + name, ec))
        out.push_back(".rt-index/" + e.path().filename().string());
    return out;
}

std::vector<std::string> TestNet::host_veths() const {
    std::string out;
    sh("ip -o link show", &out);
    std::vector<std::string> names;
    std::istringstream in(out);
    std::string line;
    std::string needle = "alias rt-bridge " + name + " ";
    while (std::getline(in, line)) {
        if (line.find(needle) == std::string::npos) continue;
        auto c1 = line.find(": ");
        auto c2 = line.find_first_of("@:", c1 + 2);
        names.push_back(line.substr(c1 + 2, c2 - c1 - 2));
    }
    return names;
}

std::vector<std::string> TestNet::nft_elements() const {
    std::string out;
    sh("nft list ruleset", &out);
    std::vector<std::string> lines;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line))
        if (line.find(" " + name + " ") != std::string::npos) lines.push_back(line);
    return lines;
}

TestNet::~TestNet() {
    try {
        // Leaks are failures of the test that made them ...
        auto veths = host_veths();
        auto files = reservations();
        auto rules = nft_elements();
        BOOST_CHECK_MESSAGE(veths.empty(), "network " << name << " left veths: "
                                                      << (veths.empty() ? "" : veths[0]));
        BOOST_CHECK_MESSAGE(files.empty(), "network " << name << " left reservations: "
                                                      << (files.empty() ? "" : files[0]));
        BOOST_CHECK_MESSAGE(rules.empty(), "network " << name << " left nftables state: "
                                                      << (rules.empty() ? "" : rules[0]));
        // ... and are removed anyway, so one failure does not spill into other tests.
        if (!veths.empty() || !rules.empty()) {
            Invocation gc;
            gc.plugin = rt_bridge();
            gc.command = "GC";
            gc.ifname.clear();
            gc.config =
                R"({"cniVersion":"1.1.0","name":")" + name + R"(","type":"rt-bridge","bridge":")" +
                bridge +
                R"(","ipMasq":true,"macspoofchk":true,"ipam":{},"cni.dev/valid-attachments":[]})";
            run(gc);
            for (const auto& v : host_veths()) sh("ip link del " + v);
        }
        sh("ip link del " + bridge);
        sh("ip link del " + bridge + ".100");
        std::error_code ec;
        fs::remove_all(data_dir, ec);
    } catch (const std::exception& e) {
        (void)std::fprintf(stderr, "cni: ~TestNet cleanup: %s\n", e.what());
    }
}

std::optional<rt::netlink::LinkInfo> link_in(const std::string& netns_path,
                                             const std::string& name) {
    std::optional<rt::netlink::LinkInfo> out;
    auto query = [&] {
        rt::netlink::Socket s;
        out = rt::netlink::link_by_name(s, name);
    };
    if (netns_path.empty()) {
        query();
        return out;
    }
    rt::netlink::NetnsState st{};
    auto fd = rt::netlink::open_netns(netns_path, st);
    if (st != rt::netlink::NetnsState::Ok) return std::nullopt;
    rt::netlink::run_in_netns(fd.get(), query);
    return out;
}

std::vector<rt::netlink::AddrInfo> addrs_in(const std::string& netns_path,
                                            const std::string& name) {
    std::vector<rt::netlink::AddrInfo> out;
    auto query = [&] {
        rt::netlink::Socket s;
        if (auto l = rt::netlink::link_by_name(s, name))
            out = rt::netlink::list_addrs(s, l->index, AF_UNSPEC);
    };
    if (netns_path.empty()) {
        query();
        return out;
    }
    rt::netlink::NetnsState st{};
    auto fd = rt::netlink::open_netns(netns_path, st);
    if (st != rt::netlink::NetnsState::Ok) return out;
    rt::netlink::run_in_netns(fd.get(), query);
    return out;
}

bool has_addr(const std::string& netns_path, const std::string& ifname, const std::string& cidr) {
    for (const auto& a : addrs_in(netns_path, ifname))
        if (a.addr.str() == cidr) return true;
    return false;
}

std::string json_str(const rt::cni::json::Value& v, const char* key) {
    if (!v.IsObject() || !v.HasMember(key) || !v[key].IsString()) return {};
    return v[key].GetString();
}

}  // namespace cnit

namespace cnit {

Attachment::Attachment(const TestNet& net, const Netns& ns, std::string config, std::string id,
                       std::string ifname, std::string args, std::string plugin)
    : config_(std::move(config)),
      id_(std::move(id)),
      ifname_(std::move(ifname)),
      args_(std::move(args)),
      plugin_(std::move(plugin)),
      netns_(ns.path()) {
    (void)net;
    add_ = run(base("ADD"));
    if (!ok()) deleted_ = true;  // nothing to delete; the test reports add().dump()
}

Attachment::~Attachment() {
    try {
        if (!deleted_) del();
    } catch (const std::exception& e) {
        (void)std::fprintf(stderr, "cni: ~Attachment cleanup: %s\n", e.what());
    }
}

Invocation Attachment::base(const std::string& cmd) const {
    Invocation i;
    i.plugin = plugin_;
    i.command = cmd;
    i.container_id = id_;
    i.netns = netns_;
    i.ifname = ifname_;
    i.args = args_;
    i.config = cmd == "ADD" ? config_ : with_prev();
    return i;
}

std::string Attachment::with_prev() const {
    if (!ok()) return config_;
    // As a runtime builds it: prevResult set to the ADD's result, replacing one the ADD
    // itself got (a second "prevResult" member would be a duplicate key, refused).
    rt::cni::json::Document d, prev;
    d.Parse(config_.c_str());
    prev.Parse(add_.out.c_str());
    if (d.HasParseError() || !d.IsObject() || prev.HasParseError())
        return config_.substr(0, config_.size() - 1) + R"(,"prevResult":)" + add_.out + "}";
    d.RemoveMember("prevResult");
    d.AddMember("prevResult", rt::cni::json::Value(prev, d.GetAllocator()), d.GetAllocator());
    return rt::cni::json::to_string(d);
}

Exec Attachment::del() {
    deleted_ = true;
    return run(base("DEL"));
}

Exec Attachment::check() {
    return run(base("CHECK"));
}

std::string Attachment::host_veth() const {
    if (!ok() || add_.doc["interfaces"].Size() < 2) return {};
    return json_str(add_.doc["interfaces"][1], "name");
}

std::string Attachment::mac() const {
    if (!ok()) return {};
    for (const auto& i : add_.doc["interfaces"].GetArray())
        if (json_str(i, "name") == ifname_ && !json_str(i, "sandbox").empty())
            return json_str(i, "mac");
    return {};
}

std::string Attachment::ip(int family) const {
    if (!ok() || !add_.doc.HasMember("ips")) return {};
    for (const auto& i : add_.doc["ips"].GetArray()) {
        std::string a = json_str(i, "address");
        bool v6 = a.find(':') != std::string::npos;
        if ((family == 6) == v6) return a.substr(0, a.find('/'));
    }
    return {};
}

}  // namespace cnit
