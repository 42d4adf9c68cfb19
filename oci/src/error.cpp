#include "rt/error.hpp"

#include <cerrno>
#include <cstring>

namespace rt {

Error::Error(std::string message, ErrorKind kind) : text_(std::move(message)), kind_(kind) {}

Error::Error(std::string message, int errnum, ErrorKind kind)
    : text_(std::move(message)), errnum_(errnum), kind_(kind) {
    if (errnum != 0) {
        text_ += ": ";
        text_ += std::strerror(errnum);
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
