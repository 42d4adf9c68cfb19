#include "cgroup/freezer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "base/fd.hpp"
#include "rt/error.hpp"

namespace rt::cgroup {
namespace {

// Reads a small cgroup file with one read (these are far below a page, which kernfs returns
// whole); an empty view and exists=false when the file does not exist.
std::string_view read_small(const std::string& path, char* buf, size_t size, bool& exists) {
    base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        exists = false;
        if (errno == ENOENT) return {};
        throw Error("read " + path, errno);
    }
    exists = true;
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error("read " + path, errno);
        return std::string_view(buf, static_cast<size_t>(n));
    }
}

// "frozen 1" as a line of cgroup.events.
bool events_frozen(std::string_view events) {
    for (size_t at = 0; at < events.size();) {
        size_t end = events.find('\n', at);
        if (end == std::string_view::npos) end = events.size();
        std::string_view line = events.substr(at, end - at);
        if (line.starts_with("frozen ")) return line.substr(7) == "1";
        at = end + 1;
    }
    return false;
}

}  // namespace

bool frozen(const FreezerDirs& dirs) {
    char buf[256];
    bool exists = false;
    if (!dirs.v2.empty() &&
        events_frozen(read_small(dirs.v2 + "/cgroup.events", buf, sizeof buf, exists)))
        return true;
    if (!dirs.v1.empty()) {
        std::string_view s = read_small(dirs.v1 + "/freezer.state", buf, sizeof buf, exists);
        if (s.starts_with("FROZEN") || s.starts_with("FREEZING")) return true;
    }
    return false;
}

}  // namespace rt::cgroup
