#include "base/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "rt/error.hpp"

namespace rt::base {
namespace {

std::string read_all(int fd, const std::string& what) {
    std::string out;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error("read " + what, errno);
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

void write_all(int fd, std::string_view data, const std::string& what) {
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error("write " + what, errno);
        done += static_cast<size_t>(n);
    }
}

}  // namespace

UniqueFd open_fd(const std::string& path, int flags, unsigned mode) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) throw Error("open " + path, errno);
    return UniqueFd(fd);
}

std::string read_file(const std::string& path) {
    UniqueFd fd = open_fd(path, O_RDONLY);
    return read_all(fd.get(), path);
}

std::string read_file_at(int dirfd, const std::string& name) {
    int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) throw Error("open " + name, errno);
    UniqueFd guard(fd);
    return read_all(fd, name);
}

void write_file_atomic_at(int dirfd, const std::string& name, std::string_view data,
                          unsigned mode) {
    std::string tmp = "." + name + ".tmp";
    int fd =
        ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) throw Error("create " + tmp, errno);
    {
        UniqueFd guard(fd);
        try {
            write_all(fd, data, tmp);
        } catch (...) {
            ::unlinkat(dirfd, tmp.c_str(), 0);
            throw;
        }
    }
    if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) {
        int err = errno;
        ::unlinkat(dirfd, tmp.c_str(), 0);
        throw Error("rename " + tmp + " to " + name, err);
    }
}

void write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    UniqueFd dirfd = open_fd(dir, O_RDONLY | O_DIRECTORY);
    try {
        write_file_atomic_at(dirfd.get(), name, data, mode);
    } catch (Error& e) {
        throw e.context(path);
    }
}

void write_file(const std::string& path, std::string_view data) {
    UniqueFd fd = open_fd(path, O_WRONLY);
    write_all(fd.get(), data, path);
}

void mkdir_all(const std::string& path, unsigned mode) {
    if (path.empty()) return;
    size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        std::string part = path.substr(0, pos);
        if (part.empty()) continue;
        if (::mkdir(part.c_str(), mode) != 0 && errno != EEXIST)
            throw Error("mkdir " + part, errno);
    }
}

void remove_all_at(int dirfd, const std::string& name) {
    if (::unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) return;
    if (errno != EISDIR && errno != EPERM) throw Error("remove " + name, errno);
    int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return;
        throw Error("open " + name, errno);
    }
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
        ::close(fd);
        throw Error("opendir " + name, errno);
    }
    std::vector<std::string> entries;
    while (dirent* ent = ::readdir(dir)) {
        std::string_view n = ent->d_name;
        if (n != "." && n != "..") entries.emplace_back(n);
    }
    for (const auto& e : entries) remove_all_at(::dirfd(dir), e);
    ::closedir(dir);
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        throw Error("rmdir " + name, errno);
}

std::string absolute_path(const std::string& path) {
    if (!path.empty() && path[0] == '/') return clean_path(path);
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) throw Error("getcwd", errno);
    return clean_path(std::string(cwd) + "/" + path);
}

std::string clean_path(std::string_view path) {
    // Drop "" and "." components, resolve ".." (never above "/").
    std::vector<std::string_view> parts;
    std::string_view rest = path;
    while (!rest.empty()) {
        auto slash = rest.find('/');
        std::string_view part = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string out;
    for (auto p : parts) out.append("/").append(p);
    return out.empty() ? "/" : out;
}

}  // namespace rt::base
