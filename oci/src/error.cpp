#include "rt/error.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace rt {

const char* errno_text(int errnum, char* buf, std::size_t size) noexcept {
    if (size == 0) return buf;
    const char* text = strerrordesc_np(errnum);
    if (text == nullptr) {
        (void)std::snprintf(buf, size, "errno %d", errnum);
        return buf;
    }
    (void)std::snprintf(buf, size, "%s", text);
    // "Permission denied" -> "permission denied"; an acronym ("RFS specific error") stays.
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = static_cast<char>(buf[0] - 'A' + 'a');
    return buf;
}

std::string errno_text(int errnum) {
    char buf[128];
    return errno_text(errnum, buf, sizeof buf);
}

Error::Error(std::string message, ErrorKind kind) : text_(std::move(message)), kind_(kind) {}

Error::Error(std::string message, int errnum, ErrorKind kind)
    : text_(std::move(message)), errnum_(errnum), kind_(kind) {
    if (errnum != 0) {
        text_ += ": ";
        text_ += errno_text(errnum);
    }
    if (errnum == ENOENT && kind == ErrorKind::Io) kind_ = ErrorKind::NotFound;
}

Error& Error::context(std::string_view frame) {
    std::string joined;
    joined.reserve(frame.size() + 2 + text_.size());
    joined.append(frame).append(": ").append(text_);
    text_ = std::move(joined);
    return *this;
}

void throw_errno(std::string what) {
    throw Error(std::move(what), errno);
}

}  // namespace rt
