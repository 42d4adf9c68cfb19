#include "ipam/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "rt/error.hpp"

namespace rt::ipam {

namespace {

constexpr const char* kIndexDir = ".rt-index";
constexpr const char* kLastPrefix = "last_reserved_ip.";
constexpr std::size_t kMaxIndexEntry = 255;  // NAME_MAX

void mkdir_p(const std::string& path) {
    if (mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return;
    if (errno != ENOENT) throw Error("mkdir " + path, errno);
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos || slash == 0) throw Error("mkdir " + path, ENOENT);
    mkdir_p(path.substr(0, slash));
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw Error("mkdir " + path, errno);
}

// Reads a small file relative to `dirfd`; nullopt if it does not exist.
std::optional<std::string> read_at(int dirfd, const std::string& name) {
    base::UniqueFd fd(openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw Error("open " + name, errno);
    }
    std::string out;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
            if (out.size() > 65536) break;  // not one of ours
            continue;
        }
        if (n == 0) break;
        if (errno == EINTR) continue;
        throw Error("read " + name, errno);
    }
    return out;
}

void write_all(int fd, const std::string& data, const std::string& name) {
    for (std::size_t off = 0; off < data.size();) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error("write " + name, errno);
        }
        off += static_cast<std::size_t>(n);
    }
}

// Replaces a small file's content in place. Not O_TRUNC: on ext4 a truncate to zero
// followed by a write makes close() start writeback (auto_da_alloc), which cost ~15 ms
// per ADD here; overwriting and then trimming the tail does not.
void write_at(int dirfd, const std::string& name, const std::string& data) {
    base::UniqueFd fd(
        openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) throw Error("open " + name, errno);
    for (std::size_t off = 0; off < data.size();) {
        ssize_t n =
            ::pwrite(fd.get(), data.data() + off, data.size() - off, static_cast<off_t>(off));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error("write " + name, errno);
        }
        off += static_cast<std::size_t>(n);
    }
    struct stat st {};
    if (fstat(fd.get(), &st) == 0 && st.st_size > static_cast<off_t>(data.size()) &&
        ftruncate(fd.get(), static_cast<off_t>(data.size())) != 0)
        throw Error("truncate " + name, errno);
}

std::string trim(std::string s) {
    auto ws = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
    while (!s.empty() && ws(s.back())) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && ws(s[i])) ++i;
    return s.substr(i);
}

// "<id>\r\n<ifname>" (current reference) or "<id>" (its old versions).
void parse_owner(const std::string& content, Allocation& a) {
    std::string t = trim(content);
    auto crlf = t.find("\r\n");
    if (crlf == std::string::npos) {
        a.id = t;
        a.ifname.clear();
    } else {
        a.id = trim(t.substr(0, crlf));
        a.ifname = t.substr(crlf + 2);
    }
}

// Container ids never contain '@' (the skeleton checks them), so the name splits back.
std::string index_entry(const std::string& id, const std::string& ifname) {
    return id + "@" + ifname;
}

}  // namespace

Store::Store(const std::string& data_dir, const std::string& network)
    : dir_(data_dir + "/" + network), index_dir_(data_dir + "/" + kIndexDir + "/" + network) {
    mkdir_p(dir_);
    dirfd_.reset(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dirfd_) throw Error("open " + dir_, errno);
    lock_.reset(openat(dirfd_.get(), "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!lock_) throw Error("open " + dir_ + "/lock", errno);
    lock();
}

void Store::lock() {
    while (flock(lock_.get(), LOCK_EX) != 0) {
        if (errno != EINTR) throw Error("lock " + dir_ + "/lock", errno);
    }
}

std::optional<Store> Store::open_existing(const std::string& data_dir, const std::string& network) {
    Store s;
    s.dir_ = data_dir + "/" + network;
    s.index_dir_ = data_dir + "/" + kIndexDir + "/" + network;
    s.dirfd_.reset(::open(s.dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!s.dirfd_) {
        if (errno == ENOENT) return std::nullopt;
        throw Error("open " + s.dir_, errno);
    }
    s.lock_.reset(openat(s.dirfd_.get(), "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!s.lock_ && errno == EROFS) {
        // flock() works on a read-only descriptor: a writer elsewhere (a read-write view of
        // the same directory) is still waited for.
        s.lock_.reset(openat(s.dirfd_.get(), "lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!s.lock_ && errno == ENOENT) return s;
    }
    if (!s.lock_) throw Error("open " + s.dir_ + "/lock", errno);
    s.lock();
    return s;
}

bool Store::reserve(const cni::IpAddr& ip, const std::string& id, const std::string& ifname,
                    std::size_t set) {
    std::string name = ip.str();
    base::UniqueFd fd(openat(dirfd_.get(), name.c_str(),
                             O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) {
        if (errno == EEXIST) return false;
        throw Error("create " + dir_ + "/" + name, errno);
    }
    try {
        write_all(fd.get(), trim(id) + "\r\n" + ifname, name);
    } catch (...) {
        unlinkat(dirfd_.get(), name.c_str(), 0);
        throw;
    }
    write_at(dirfd_.get(), kLastPrefix + std::to_string(set), name);
    return true;
}

std::optional<cni::IpAddr> Store::last_reserved(std::size_t set) {
    auto s = read_at(dirfd_.get(), kLastPrefix + std::to_string(set));
    if (!s) return std::nullopt;
    return cni::IpAddr::parse(trim(*s));
}

std::optional<Allocation> Store::owner(const cni::IpAddr& ip) {
    auto s = read_at(dirfd_.get(), ip.str());
    if (!s) return std::nullopt;
    Allocation a;
    a.ip = ip;
    parse_owner(*s, a);
    return a;
}

void Store::release(const cni::IpAddr& ip) {
    std::string name = ip.str();
    if (unlinkat(dirfd_.get(), name.c_str(), 0) != 0 && errno != ENOENT)
        throw Error("remove " + dir_ + "/" + name, errno);
}

bool Store::owned_by(const cni::IpAddr& ip, const std::string& id, const std::string& ifname) {
    auto o = owner(ip);
    return o && o->id == trim(id) && (o->ifname == ifname || o->ifname.empty());
}

std::vector<cni::IpAddr> Store::find(const std::string& id, const std::string& ifname) {
    std::vector<cni::IpAddr> out = find_indexed(id, ifname);
    // An index whose files all moved on (released by the reference plugin, say) says
    // nothing: scan.
    if (!out.empty()) return out;
    std::string tid = trim(id);
    for (const auto& a : scan())
        if (a.id == tid && (a.ifname == ifname || a.ifname.empty())) out.push_back(a.ip);
    return out;
}

std::vector<cni::IpAddr> Store::find_indexed(const std::string& id, const std::string& ifname) {
    std::vector<cni::IpAddr> out;
    std::string entry = index_entry(id, ifname);
    if (entry.size() > kMaxIndexEntry) return out;  // never written (write_index): scan
    if (auto idx = read_at(AT_FDCWD, index_dir_ + "/" + entry)) {
        std::size_t pos = 0;
        while (pos < idx->size()) {
            auto nl = idx->find('\n', pos);
            std::string line =
                idx->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
            pos = nl == std::string::npos ? idx->size() : nl + 1;
            if (auto ip = cni::IpAddr::parse(trim(line)); ip && owned_by(*ip, id, ifname))
                out.push_back(*ip);
        }
    }
    return out;
}

void Store::write_index(const std::string& id, const std::string& ifname,
                        const std::vector<cni::IpAddr>& ips) {
    std::string entry = index_entry(id, ifname);
    if (entry.size() > kMaxIndexEntry) return;  // too long for a file name: DEL scans instead
    std::string text;
    for (const auto& ip : ips) text += ip.str() + "\n";
    std::string path = index_dir_ + "/" + entry;
    try {
        write_at(AT_FDCWD, path, text);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::NotFound) throw;
        mkdir_p(index_dir_);  // first attachment of the network
        write_at(AT_FDCWD, path, text);
    }
}

void Store::remove_index(const std::string& id, const std::string& ifname) {
    std::string path = index_dir_ + "/" + index_entry(id, ifname);
    if (unlink(path.c_str()) == 0) return;
    int err = errno;
    if (err == ENOENT || err == ENAMETOOLONG) return;
    // A read-only file system says EROFS before it looks the name up.
    struct stat st {};
    if (err == EROFS && lstat(path.c_str(), &st) != 0 && errno == ENOENT) return;
    throw Error("remove " + path, err);
}

std::vector<std::pair<std::string, std::string>> Store::indexed() {
    std::vector<std::pair<std::string, std::string>> out;
    DIR* d = opendir(index_dir_.c_str());
    if (!d) {
        if (errno == ENOENT) return out;
        throw Error("opendir " + index_dir_, errno);
    }
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        auto at = n.find('@');
        if (n == "." || n == ".." || at == std::string::npos) continue;
        out.emplace_back(n.substr(0, at), n.substr(at + 1));
    }
    closedir(d);
    return out;
}

std::vector<Allocation> Store::scan() {
    std::vector<Allocation> out;
    int fd = openat(dirfd_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw Error("open " + dir_, errno);
    DIR* d = fdopendir(fd);
    if (!d) {
        ::close(fd);
        throw Error("opendir " + dir_, errno);
    }
    try {
        while (dirent* e = readdir(d)) {
            if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) continue;
            auto ip = cni::IpAddr::parse(e->d_name);
            if (!ip || ip->str() != e->d_name) continue;
            if (auto o = owner(*ip)) out.push_back(std::move(*o));
        }
    } catch (...) {
        closedir(d);
        throw;
    }
    closedir(d);
    return out;
}

}  // namespace rt::ipam
