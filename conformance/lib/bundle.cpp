#include "bundle.hpp"

#include <rapidjson/pointer.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "process.hpp"
#include "rt/error.hpp"

namespace fs = std::filesystem;

namespace conformance {
namespace {

// The default config: what `runc spec` writes, minus the terminal, running the probe, with
// /out bound to the bundle's out/ directory.
constexpr const char* kDefaultConfig = R"({
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/rt-probe", "report"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "conformance",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]}
  ],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
                   {"type": "mount"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                    "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
})";

rapidjson::Value parse_value(std::string_view json, rapidjson::Document::AllocatorType& alloc) {
    rapidjson::Document tmp(&alloc);
    tmp.Parse(json.data(), json.size());
    if (tmp.HasParseError())
        throw rt::Error("Config: bad JSON value: " + std::string(json),
                        rt::ErrorKind::InvalidArgument);
    rapidjson::Value v;
    v.CopyFrom(tmp, alloc);
    return v;
}

std::string json_string(std::string_view s) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return buf.GetString();
}

const std::vector<std::string>& busybox_applets() {
    static std::vector<std::string> applets;
    static std::once_flag once;
    std::call_once(once, [] {
        auto r = run_command({"/bin/busybox", "--list-full"});
        std::istringstream in(r.out);
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) applets.push_back(line);
        }
    });
    return applets;
}

void install_file(const fs::path& from, const fs::path& to) {
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    ::chmod(to.c_str(), 0755);
}

}  // namespace

std::string unique_name(std::string_view prefix) {
    static std::atomic<unsigned> counter{0};
    return std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string probe_path() {
    if (const char* env = std::getenv("RT_PROBE")) return env;
#ifdef RT_PROBE_DEFAULT
    return RT_PROBE_DEFAULT;
#else
    return "build/bin/rt-probe";
#endif
}

Config::Config() {
    doc_.Parse(kDefaultConfig);
    if (doc_.HasParseError()) throw rt::Error("Config: default config does not parse");
}

Config::Config(const Config& other) {
    doc_.CopyFrom(other.doc_, doc_.GetAllocator());
}

Config& Config::operator=(const Config& other) {
    if (this != &other) doc_.CopyFrom(other.doc_, doc_.GetAllocator());
    return *this;
}

void Config::set(std::string_view pointer, std::string_view json) {
    rapidjson::Pointer(pointer.data(), pointer.size())
        .Set(doc_, parse_value(json, doc_.GetAllocator()));
}

void Config::set_string(std::string_view pointer, std::string_view value) {
    set(pointer, json_string(value));
}

void Config::append(std::string_view array_pointer, std::string_view json) {
    rapidjson::Pointer p(array_pointer.data(), array_pointer.size());
    rapidjson::Value* arr = p.Get(doc_);
    if (!arr || !arr->IsArray()) {
        p.Set(doc_, rapidjson::Value(rapidjson::kArrayType));
        arr = p.Get(doc_);
    }
    arr->PushBack(parse_value(json, doc_.GetAllocator()), doc_.GetAllocator());
}

void Config::remove(std::string_view pointer) {
    rapidjson::Pointer(pointer.data(), pointer.size()).Erase(doc_);
}

const rapidjson::Value* Config::get(std::string_view pointer) const {
    return rapidjson::Pointer(pointer.data(), pointer.size()).Get(doc_);
}

std::string Config::text() const {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    doc_.Accept(w);
    return buf.GetString();
}

void Config::args(std::initializer_list<std::string_view> argv) {
    std::string json = "[";
    for (auto a : argv) json += (json.size() > 1 ? "," : "") + json_string(a);
    set("/process/args", json + "]");
}

void Config::add_namespace(std::string_view type, std::string_view path) {
    remove_namespace(type);
    std::string json = "{\"type\":" + json_string(type);
    if (!path.empty()) json += ",\"path\":" + json_string(path);
    append("/linux/namespaces", json + "}");
}

void Config::remove_namespace(std::string_view type) {
    auto* arr = rapidjson::Pointer("/linux/namespaces").Get(doc_);
    if (!arr || !arr->IsArray()) return;
    for (auto it = arr->Begin(); it != arr->End();) {
        if ((*it)["type"].GetString() == type) {
            it = arr->Erase(it);
        } else {
            ++it;
        }
    }
}

void Config::bind(std::string_view host, std::string_view dest, bool readonly) {
    append("/mounts", "{\"destination\":" + json_string(dest) +
                          ",\"type\":\"bind\",\"source\":" + json_string(host) +
                          ",\"options\":[\"rbind\",\"" + (readonly ? "ro" : "rw") + "\"]}");
}

TempDir::TempDir(std::string_view prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base && *base ? base : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
    if (!::mkdtemp(tmpl.data())) rt::throw_errno("mkdtemp " + tmpl);
    path_ = tmpl;
    ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
    // A runtime that failed to clean up may leave mounts below: detach them (deepest first)
    // so that removal never walks into a directory bound there from elsewhere.
    std::istringstream info(read_text("/proc/self/mountinfo"));
    std::vector<std::string> below;
    const std::string prefix = path_.string() + "/";
    for (std::string line; std::getline(info, line);) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, point;
        fields >> id >> parent >> devno >> root >> point;
        if (point.compare(0, prefix.size(), prefix) == 0) below.push_back(point);
    }
    std::sort(below.begin(), below.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
    for (const auto& point : below) ::umount2(point.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(path_, ec);
}

Bundle::Bundle() : dir_("rt-conf-bundle") {
    fs::path root = rootfs();
    for (const char* d : {"bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "etc",
                          "root", "run", "var/tmp", "out"}) {
        fs::create_directories(root / d);
    }
    ::chmod((root / "tmp").c_str(), 01777);
    install_file("/bin/busybox", root / "bin/busybox");
    install_file(probe_path(), root / "bin/rt-probe");
    for (const auto& applet : busybox_applets()) {
        fs::path link = root / fs::path(applet).relative_path();
        std::error_code ec;
        if (!fs::exists(link, ec)) fs::create_symlink("/bin/busybox", link, ec);
    }
    std::ofstream(root / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
    std::ofstream(root / "etc/group") << "root:x:0:\nnogroup:x:65534:\n";
    fs::create_directories(out());
    ::chmod(out().c_str(), 0777);
    config.bind(out().string(), "/out");
}

void Bundle::write() const {
    // Temp file + rename: a runtime reading config.json at the same moment (parallel runs of
    // one bundle) sees the old or the new file, never a truncated one.
    fs::path tmp =
        path() / ("config.json." + std::to_string(::getpid()) + "." +
                  std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())));
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << config.text();
        if (!f) throw rt::Error("cannot write " + tmp.string());
    }
    fs::rename(tmp, path() / "config.json");
}

}  // namespace conformance
