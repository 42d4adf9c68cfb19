#include "security/seccomp_cache.hpp"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/fd.hpp"
#include "base/log.hpp"
#include "rt/error.hpp"

namespace rt::security {
namespace {

constexpr char kMagic[8] = {'R', 'T', 'S', 'E', 'C', 'C', '1', '\n'};

void put_string(std::string& out, std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out.append(s);
}

template <typename T>
void put_optional(std::string& out, const std::optional<T>& v) {
    if (!v) {
        out += '-';
        return;
    }
    out += '+';
    if constexpr (std::is_same_v<T, std::string>)
        put_string(out, *v);
    else
        out += std::to_string(*v) + ';';
}

void put_list(std::string& out, const std::vector<std::string>& list) {
    out += std::to_string(list.size()) + '[';
    for (const auto& s : list) put_string(out, s);
}

uint64_t fnv1a(std::string_view text) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

// Binary record: fields appended / read in the same order.
struct Writer {
    std::string out;
    void u32(uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
    void str(std::string_view s) {
        u32(static_cast<uint32_t>(s.size()));
        out.append(s);
    }
};

struct Reader {
    std::string_view in;
    bool ok = true;
    uint32_t u32() {
        uint32_t v = 0;
        if (in.size() < sizeof v) {
            ok = false;
            return 0;
        }
        std::memcpy(&v, in.data(), sizeof v);
        in.remove_prefix(sizeof v);
        return v;
    }
    std::string str() {
        uint32_t n = u32();
        if (!ok || in.size() < n) {
            ok = false;
            return {};
        }
        std::string s(in.substr(0, n));
        in.remove_prefix(n);
        return s;
    }
};

std::string serialize(const std::string& key, const CompiledSeccomp& f) {
    Writer w;
    w.out.append(kMagic, sizeof kMagic);
    w.str(key);
    w.u32(f.flags);
    w.u32(f.notify ? 1 : 0);
    w.str(f.listener_path);
    w.u32(f.listener_metadata ? 1 : 0);
    w.str(f.listener_metadata.value_or(""));
    w.u32(static_cast<uint32_t>(f.warnings.size()));
    for (const auto& warning : f.warnings) w.str(warning);
    w.str(std::string_view(reinterpret_cast<const char*>(f.program.data()),
                           f.program.size() * sizeof(sock_filter)));
    return w.out;
}

std::optional<CompiledSeccomp> deserialize(std::string_view data, const std::string& key) {
    if (data.size() < sizeof kMagic || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0)
        return std::nullopt;
    Reader r{data.substr(sizeof kMagic)};
    if (r.str() != key || !r.ok) return std::nullopt;
    CompiledSeccomp f;
    f.flags = r.u32();
    f.notify = r.u32() != 0;
    f.listener_path = r.str();
    const bool has_metadata = r.u32() != 0;
    std::string metadata = r.str();
    if (has_metadata) f.listener_metadata = std::move(metadata);
    const uint32_t warnings = r.u32();
    for (uint32_t i = 0; r.ok && i < warnings; ++i) f.warnings.push_back(r.str());
    std::string program = r.str();
    if (!r.ok || !r.in.empty() || program.empty() || program.size() % sizeof(sock_filter) != 0)
        return std::nullopt;
    f.program.resize(program.size() / sizeof(sock_filter));
    std::memcpy(f.program.data(), program.data(), program.size());
    return f;
}

std::optional<std::string> read_cache_file(const std::string& path) {
    base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return std::nullopt;
    struct stat st {};
    // Only a regular file of ours that nobody else can write is trusted.
    if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
        (st.st_mode & 022) != 0 || st.st_size <= 0 || st.st_size > (16 << 20))
        return std::nullopt;
    std::string data(static_cast<size_t>(st.st_size), '\0');
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::read(fd.get(), data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        done += static_cast<size_t>(n);
    }
    return data;
}

void ensure_dir(const std::string& dir) {
    // mkdir -p, each level 0700 when rt creates it.
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos != dir.size() && dir[pos] != '/') continue;
        std::string part = dir.substr(0, pos);
        if (::mkdir(part.c_str(), 0700) < 0 && errno != EEXIST) throw Error("mkdir " + part, errno);
    }
}

void write_cache_file(const std::string& dir, const std::string& path, const std::string& data) {
    ensure_dir(dir);
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    base::UniqueFd fd(
        ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) throw Error("create " + tmp, errno);
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            ::unlink(tmp.c_str());
            throw Error("write " + tmp, err);
        }
        done += static_cast<size_t>(n);
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error("rename " + tmp, err);
    }
}

}  // namespace

std::string seccomp_cache_key(const oci::Seccomp& config) {
    std::string key;
    const scmp_version* v = seccomp_version();
    utsname u{};
    ::uname(&u);
    key += "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
           std::to_string(v->micro) + "\n";
    key += std::string("kernel ") + u.release + " " + u.machine + "\n";
    put_string(key, config.defaultAction);
    put_optional(key, config.defaultErrnoRet);
    put_list(key, config.architectures);
    put_list(key, config.flags);
    put_optional(key, config.listenerPath);
    put_optional(key, config.listenerMetadata);
    key += std::to_string(config.syscalls.size()) + '{';
    for (const auto& rule : config.syscalls) {
        put_list(key, rule.names);
        put_string(key, rule.action);
        put_optional(key, rule.errnoRet);
        key += std::to_string(rule.args.size()) + '(';
        for (const auto& arg : rule.args) {
            key += std::to_string(arg.index) + ',' + std::to_string(arg.value) + ',';
            put_optional(key, arg.valueTwo);
            put_string(key, arg.op);
        }
    }
    return key;
}

CompiledSeccomp compile_seccomp_cached(const oci::Seccomp& config, const std::string& cache_dir) {
    if (cache_dir.empty()) return compile_seccomp(config);
    const std::string key = seccomp_cache_key(config);
    char name[32];
    (void)std::snprintf(name, sizeof name, "%016llx.bpf",
                        static_cast<unsigned long long>(fnv1a(key)));
    const std::string path = cache_dir + "/" + name;

    if (auto data = read_cache_file(path)) {
        if (auto cached = deserialize(*data, key)) {
            for (const auto& w : cached->warnings) base::log_warning("seccomp: " + w);
            return std::move(*cached);
        }
    }
    CompiledSeccomp compiled = compile_seccomp(config);
    try {
        write_cache_file(cache_dir, path, serialize(key, compiled));
    } catch (const Error& e) {
        base::log_debug("seccomp cache: " + std::string(e.what()));
    }
    return compiled;
}

}  // namespace rt::security
