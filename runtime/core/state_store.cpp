#include "core/state_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <algorithm>
#include <cerrno>

#include "base/fs.hpp"
#include "rt/error.hpp"

namespace rt::core {

void validate_container_id(const std::string& id) {
    auto bad = [&](const std::string& why) {
        return Error("invalid container id \"" + id + "\": " + why, ErrorKind::InvalidArgument);
    };
    if (id.empty())
        throw Error("invalid container id: must not be empty", ErrorKind::InvalidArgument);
    if (id.size() > 1024) throw bad("longer than 1024 bytes");
    if (id == "." || id == "..") throw bad("must not be \".\" or \"..\"");
    for (unsigned char c : id) {
        if (c == '/') throw bad("must not contain '/'");
        if (c < 0x20 || c == 0x7f) throw bad("must not contain control characters");
    }
}

std::string serialize_record(const ContainerRecord& r) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("id");
    w.String(r.id);
    w.Key("bundle");
    w.String(r.bundle);
    w.Key("rootfs");
    w.String(r.rootfs);
    w.Key("pid");
    w.Int(r.pid);
    w.Key("startTime");
    w.Uint64(r.start_time);
    w.Key("created");
    w.String(r.created);
    w.Key("owner");
    w.String(r.owner);
    w.Key("annotations");
    w.StartObject();
    for (const auto& [k, v] : r.annotations) {
        w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
        w.String(v);
    }
    w.EndObject();
    w.Key("cgroupPath");
    w.String(r.cgroup_path);
    if (r.freezer) {
        w.Key("freezer");
        w.StartObject();
        w.Key("v2");
        w.String(r.freezer->v2);
        w.Key("v1");
        w.String(r.freezer->v1);
        w.EndObject();
    }
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

ContainerRecord parse_record(const std::string& json, const std::string& origin) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError()) {
        std::string why = rapidjson::GetParseError_En(d.GetParseError());
        if (!why.empty() && why.back() == '.') why.pop_back();
        throw Error(origin + ": not a valid state file: " +
                        (json.empty() ? std::string("empty")
                                      : "not JSON (" + why + " at byte " +
                                            std::to_string(d.GetErrorOffset()) + ")"),
                    ErrorKind::Generic);
    }
    if (!d.IsObject())
        throw Error(origin + ": not a valid state file: not a JSON object", ErrorKind::Generic);
    ContainerRecord r;
    // Const iterators only: clang's C++20 mode finds rapidjson's mutable iterator comparisons
    // ambiguous.
    const rapidjson::Value& root = d;
    auto str = [&](const char* key, std::string& out) {
        auto it = root.FindMember(key);
        if (it != root.MemberEnd() && it->value.IsString())
            out.assign(it->value.GetString(), it->value.GetStringLength());
    };
    str("id", r.id);
    str("bundle", r.bundle);
    str("rootfs", r.rootfs);
    str("created", r.created);
    str("owner", r.owner);
    str("cgroupPath", r.cgroup_path);
    // The init's identity is what kill and delete act on: a record without it is damaged,
    // not a stopped container (pid 0 would reach pidfd_open, a start time of 0 would skip
    // the pid-reuse check and let a recycled pid be killed).
    auto damaged = [&](const std::string& why) {
        return Error(origin + ": not a valid state file: " + why, ErrorKind::Generic);
    };
    if (auto it = root.FindMember("pid");
        it != root.MemberEnd() && it->value.IsInt() && it->value.GetInt() > 0)
        r.pid = it->value.GetInt();
    else
        throw damaged("\"pid\" must be a positive integer");
    if (auto it = root.FindMember("startTime");
        it != root.MemberEnd() && it->value.IsUint64() && it->value.GetUint64() > 0)
        r.start_time = it->value.GetUint64();
    else
        throw damaged("\"startTime\" must be a positive integer");
    if (auto it = root.FindMember("freezer"); it != root.MemberEnd() && it->value.IsObject()) {
        const rapidjson::Value& obj = it->value;
        cgroup::FreezerDirs dirs;
        auto v2 = obj.FindMember("v2");
        auto v1 = obj.FindMember("v1");
        if (v2 != obj.MemberEnd() && v2->value.IsString()) dirs.v2 = v2->value.GetString();
        if (v1 != obj.MemberEnd() && v1->value.IsString()) dirs.v1 = v1->value.GetString();
        r.freezer = std::move(dirs);
    }
    if (auto it = root.FindMember("annotations"); it != root.MemberEnd() && it->value.IsObject()) {
        const rapidjson::Value& obj = it->value;
        for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m)
            if (m->value.IsString()) r.annotations[m->name.GetString()] = m->value.GetString();
    }
    return r;
}

void ContainerDir::lock() {
    while (::flock(fd_.get(), LOCK_EX) != 0) {
        if (errno != EINTR) throw Error("lock container " + id_, errno);
    }
}

bool ContainerDir::has_record() const {
    return ::faccessat(fd_.get(), "state.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

bool ContainerDir::has_exec_socket() const {
    return ::faccessat(fd_.get(), "exec.sock", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

void ContainerDir::keep_bundle(const std::string& bundle) const {
    if (::symlinkat(bundle.c_str(), fd_.get(), "bundle") != 0)
        throw Error("keep the bundle path in " + path_ + "/bundle", errno);
}

std::string ContainerDir::kept_bundle() const {
    std::string target(4096, '\0');
    ssize_t n = ::readlinkat(fd_.get(), "bundle", target.data(), target.size());
    if (n < 0) {
        if (errno == ENOENT) return "";
        throw Error("read " + path_ + "/bundle", errno);
    }
    target.resize(static_cast<size_t>(n));
    return target;
}

std::optional<ContainerRecord> ContainerDir::try_read_record() const {
    // No faccessat first: the open answers whether it exists. One read sized by fstat
    // (state.json is replaced by rename, never written in place, so its size holds).
    base::UniqueFd fd(::openat(fd_.get(), "state.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw Error("open " + path_ + "/state.json", errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw Error("stat " + path_ + "/state.json", errno);
    std::string text(static_cast<size_t>(st.st_size) + 1, '\0');
    size_t have = 0;
    for (;;) {
        ssize_t n = ::read(fd.get(), text.data() + have, text.size() - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error("read " + path_ + "/state.json", errno);
        have += static_cast<size_t>(n);
        // A short read of a regular file is its end; a full buffer means it grew: read on.
        if (have < text.size() || n == 0) break;
        text.resize(text.size() * 2);
    }
    text.resize(have);
    return parse_record(text, path_ + "/state.json");
}

ContainerRecord ContainerDir::read_record() const {
    if (auto record = try_read_record()) return std::move(*record);
    throw Error(
        "container \"" + id_ + "\" is still being created or was left half-created (no state.json)",
        ErrorKind::WrongState);
}

void ContainerDir::write_record(const ContainerRecord& record) const {
    base::write_file_atomic_at(fd_.get(), "state.json", serialize_record(record), 0600);
}

ContainerDir StateStore::reserve(const std::string& id) {
    validate_container_id(id);
    if (::mkdir(root_.c_str(), 0700) != 0 && errno != EEXIST) {
        if (errno != ENOENT) throw Error("create state root " + root_, errno);
        base::mkdir_all(root_, 0700);
    }
    std::string dir = dir_of(id);
    if (::mkdir(dir.c_str(), 0700) != 0) {
        if (errno == EEXIST)
            throw Error("container \"" + id + "\" already exists", ErrorKind::AlreadyExists);
        throw Error("create state dir " + dir, errno);
    }
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) throw Error("open state dir " + dir, errno);
    return ContainerDir(id, dir, base::UniqueFd(fd));
}

ContainerDir StateStore::open(const std::string& id) const {
    validate_container_id(id);
    std::string dir = dir_of(id);
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            throw Error("container \"" + id + "\" does not exist", ErrorKind::NotFound);
        throw Error("open state dir " + dir, errno);
    }
    return ContainerDir(id, dir, base::UniqueFd(fd));
}

void StateStore::remove(const std::string& id) const {
    int rootfd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        if (errno == ENOENT) return;
        throw Error("open state root " + root_, errno);
    }
    base::UniqueFd guard(rootfd);
    base::remove_all_at(rootfd, id);
}

std::vector<std::string> StateStore::ids() const {
    std::vector<std::string> out;
    DIR* dir = ::opendir(root_.c_str());
    if (!dir) {
        if (errno == ENOENT) return out;
        throw Error("open state root " + root_, errno);
    }
    while (dirent* ent = ::readdir(dir)) {
        std::string_view name = ent->d_name;
        if (name == "." || name == ".." || name.starts_with('.')) continue;
        if (ent->d_type == DT_DIR || ent->d_type == DT_UNKNOWN) out.emplace_back(name);
    }
    ::closedir(dir);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace rt::core
