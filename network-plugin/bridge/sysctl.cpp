#include "bridge/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/fd.hpp"

namespace rt::bridge {

std::optional<std::string> read_sysctl(const std::string& path) {
    base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    char buf[64];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) return std::nullopt;
    std::string s(buf, static_cast<std::size_t>(n));
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

bool write_sysctl(const std::string& path, const std::string& value) {
    if (read_sysctl(path) == value) return true;
    base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return false;
    return ::write(fd.get(), value.data(), value.size()) == static_cast<ssize_t>(value.size());
}

}  // namespace rt::bridge
