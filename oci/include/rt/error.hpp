// rt::Error: the one error type of the project.
//
// An error carries a message, an optional errno and a chain of context frames added as it
// travels up ("create: mount /proc: operation not permitted"). It is thrown in the
// parent process only; code running in a cloned child must not throw (it reports a
// ChildError to the parent over its sync channel instead).
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>

namespace rt {

// Broad class of an error, used by front ends to choose an exit code or a CNI error code.
enum class ErrorKind {
    Generic,
    InvalidArgument,  // bad command line or config value
    NotFound,         // container, file, namespace ... does not exist
    AlreadyExists,    // duplicate container id, ...
    WrongState,       // operation not allowed in the container's current status
    Unsupported,      // the host or rt cannot do what was asked
    Io,               // a system call failed
};

class Error : public std::exception {
  public:
    explicit Error(std::string message, ErrorKind kind = ErrorKind::Generic);
    // Error from a failed system call: the message is followed by ": <errno_text(errnum)>".
    Error(std::string message, int errnum, ErrorKind kind = ErrorKind::Io);

    // Prepends a context frame: Error("EPERM").context("mount /proc") -> "mount /proc: EPERM".
    Error& context(std::string_view frame);

    const char* what() const noexcept override { return text_.c_str(); }
    const std::string& message() const noexcept { return text_; }
    int errnum() const noexcept { return errnum_; }
    ErrorKind kind() const noexcept { return kind_; }

  private:
    std::string text_;
    int errnum_ = 0;
    ErrorKind kind_;
};

// The text of an errno as Go's syscall package, and so runc, spells it: the C library's
// description with its first letter in lower case ("no such file or directory", "permission
// denied"). Engines match these substrings in a runtime's errors (docker and podman exit 127
// or 126 for a missing or non-executable command). "errno N" for an unknown number.
// The buffer form is async-signal-safe (a table lookup), for code after clone.
const char* errno_text(int errnum, char* buf, std::size_t size) noexcept;
std::string errno_text(int errnum);

// Throws Error("<what>", errno) for the current errno.
[[noreturn]] void throw_errno(std::string what);

}  // namespace rt
