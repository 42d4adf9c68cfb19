#include "cgroup/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "base/fd.hpp"
#include "rt/error.hpp"

namespace rt::cgroup::fs {

std::string join(std::string_view dir, std::string_view name) {
    std::string out;
    out.reserve(dir.size() + 1 + name.size());
    out.append(dir);
    if (out.empty() || out.back() != '/') out.push_back('/');
    while (!name.empty() && name.front() == '/') name.remove_prefix(1);
    out.append(name);
    return out;
}

bool exists(const std::string& path) noexcept {
    return ::access(path.c_str(), F_OK) == 0;
}

namespace {

// Reads fd to the end; returns 0 or errno.
int read_all(int fd, std::string& out) {
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return 0;
        out.append(buf, static_cast<size_t>(n));
    }
}

}  // namespace

std::optional<std::string> read_file_if_exists(const std::string& path) {
    base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw Error("read " + path, errno);
    }
    std::string out;
    if (int err = read_all(fd.get(), out)) throw Error("read " + path, err);
    return out;
}

std::string read_file(const std::string& path) {
    auto text = read_file_if_exists(path);
    if (!text) throw Error("read " + path, ENOENT);
    return std::move(*text);
}

namespace {
std::vector<std::pair<std::string, std::string>>* g_write_log = nullptr;
}

void set_write_log(std::vector<std::pair<std::string, std::string>>* log) noexcept {
    g_write_log = log;
}

int try_write_file(const std::string& path, std::string_view value) noexcept {
    // O_TRUNC is a no-op on cgroupfs and makes a plain file (tests' fake trees) hold
    // exactly the last value written.
    int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return errno;
    int err = 0;
    for (;;) {
        ssize_t n = ::write(fd, value.data(), value.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) err = errno;
        // cgroupfs consumes a value in one write; a short write would split it.
        else if (static_cast<size_t>(n) != value.size())
            err = EIO;
        break;
    }
    ::close(fd);
    if (err == 0 && g_write_log) {
        try {
            g_write_log->emplace_back(path, value);
        } catch (...) {
        }
    }
    return err;
}

int try_write_values(const std::string& path, const std::vector<std::string>& values,
                     size_t* failed) noexcept {
    *failed = 0;
    if (values.empty()) return 0;
    base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (!fd) return errno;
    // A plain file (tests' fake trees) is truncated before each value, so that it holds the
    // last one written, as with one open per value.
    struct statfs sfs {};
    bool plain = ::fstatfs(fd.get(), &sfs) == 0 && sfs.f_type != CGROUP_SUPER_MAGIC &&
                 sfs.f_type != CGROUP2_SUPER_MAGIC;
    for (size_t i = 0; i < values.size(); ++i) {
        const std::string& v = values[i];
        ssize_t n;
        do {
            n = plain ? (::ftruncate(fd.get(), 0) == 0 ? ::pwrite(fd.get(), v.data(), v.size(), 0)
                                                       : -1)
                      : ::write(fd.get(), v.data(), v.size());
        } while (n < 0 && errno == EINTR);
        int err = n < 0 ? errno : static_cast<size_t>(n) != v.size() ? EIO : 0;
        if (err != 0) {
            *failed = i;
            return err;
        }
        if (g_write_log) {
            try {
                g_write_log->emplace_back(path, v);
            } catch (...) {
            }
        }
    }
    return 0;
}

void write_file(const std::string& path, std::string_view value) {
    if (int err = try_write_file(path, value)) {
        throw Error("write \"" + std::string(value) + "\" to " + path, err);
    }
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!trim(line).empty()) lines.push_back(line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) words.push_back(line.substr(start, i - start));
    }
    return words;
}

std::optional<uint64_t> parse_u64(std::string_view s) noexcept {
    s = trim(s);
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::optional<int64_t> parse_i64(std::string_view s) noexcept {
    s = trim(s);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::map<std::string, uint64_t> parse_flat_keyed(std::string_view text) {
    std::map<std::string, uint64_t> out;
    for (auto line : split_lines(text)) {
        auto words = split_words(line);
        if (words.size() != 2) continue;
        if (auto v = parse_u64(words[1])) out.emplace(std::string(words[0]), *v);
    }
    return out;
}

uint64_t parse_value(std::string_view text, uint64_t max_value, const std::string& path) {
    text = trim(text);
    if (text == "max") return max_value;
    if (auto v = parse_u64(text)) return *v;
    // v1 reports "unlimited" for some limits as -1.
    if (auto v = parse_i64(text); v && *v < 0) return max_value;
    throw Error(path + ": expected a number, got \"" + std::string(text) + "\"");
}

std::optional<uint64_t> read_u64_if_exists(const std::string& path, uint64_t max_value) {
    auto text = read_file_if_exists(path);
    if (!text) return std::nullopt;
    return parse_value(*text, max_value, path);
}

int remove_cgroup_tree(const std::string& path) noexcept {
    // A container's cgroup usually has no child cgroups: try the rmdir before listing it
    // (v1 refuses a cgroup with children with EBUSY, v2 with ENOTEMPTY).
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY && errno != ENOTEMPTY) return errno;
    try {
        if (DIR* dir = ::opendir(path.c_str())) {
            std::vector<std::string> children;
            while (dirent* e = ::readdir(dir)) {
                if (e->d_type != DT_DIR) continue;
                std::string_view name = e->d_name;
                if (name == "." || name == "..") continue;
                children.push_back(join(path, name));
            }
            ::closedir(dir);
            for (const auto& child : children) {
                if (int err = remove_cgroup_tree(child)) return err;
            }
        } else if (errno == ENOENT) {
            return 0;
        }
        if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return 0;
        return errno;
    } catch (...) {
        return ENOMEM;
    }
}

}  // namespace rt::cgroup::fs
