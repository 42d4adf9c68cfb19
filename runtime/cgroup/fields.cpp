#include "cgroup/controllers.hpp"
#include "cgroup/fs.hpp"

namespace rt::cgroup::detail {

Error Fields::error(std::string_view field, const std::string& why, ErrorKind kind) const {
    return Error(origin_ + std::string(field) + ": " + why, kind);
}

int Fields::try_write(const Target& t, std::string_view file,
                      std::string_view value) const noexcept {
    try {
        return fs::try_write_file(fs::join(t.dir, file), value);
    } catch (...) {
        return ENOMEM;
    }
}

namespace {

[[noreturn]] void throw_write_error(const std::string& origin, std::string_view field,
                                    std::string_view value, const std::string& path, int err) {
    std::string msg =
        origin + std::string(field) + ": write \"" + std::string(value) + "\" to " + path;
    if (err == ENOENT) {
        throw Error(msg + ": the file does not exist (controller or feature missing on this host)",
                    ErrorKind::Unsupported);
    }
    throw Error(msg, err,
                err == EINVAL || err == ERANGE ? ErrorKind::InvalidArgument : ErrorKind::Io);
}

}  // namespace

void Fields::write_all(const Target& t, std::string_view file,
                       const std::vector<std::string>& values, std::string_view field) const {
    std::string path = fs::join(t.dir, file);
    size_t failed = 0;
    int err = fs::try_write_values(path, values, &failed);
    if (err == 0) return;
    throw_write_error(origin_, field, failed < values.size() ? values[failed] : "", path, err);
}

void Fields::write(const Target& t, std::string_view file, std::string_view value,
                   std::string_view field) const {
    std::string path = fs::join(t.dir, file);
    int err = fs::try_write_file(path, value);
    if (err == 0) return;
    throw_write_error(origin_, field, value, path, err);
}

bool Fields::has_file(const Target& t, std::string_view file) const {
    return fs::exists(fs::join(t.dir, file));
}

}  // namespace rt::cgroup::detail
