// CNI error results: the well-known codes of SPEC.md section 5, carried by an rt::Error.
#pragma once

#include <string>

#include "rt/error.hpp"

namespace rt::cni {

enum Code : int {
    kIncompatibleVersion = 1,
    kUnsupportedField = 2,
    kUnknownContainer = 3,
    kInvalidEnvironment = 4,
    kIoFailure = 5,
    kDecodeFailure = 6,
    kInvalidConfig = 7,
    kTryAgainLater = 11,
    kNotAvailable = 50,
    kNotAvailableLimited = 51,
    // Plugin-specific (100+): a system call or the kernel refused; the message says which.
    // The reference plugins use 999 for the same class of failure.
    kInternal = 999,
};

// An error with a CNI code. `msg` is the short, one-line message; `details` is optional.
class CniError : public rt::Error {
  public:
    CniError(int code, std::string msg, std::string details = {})
        : rt::Error(std::move(msg)), code_(code), details_(std::move(details)) {}
    int code() const noexcept { return code_; }
    const std::string& details() const noexcept { return details_; }

  private:
    int code_;
    std::string details_;
};

// Maps any rt::Error to a CNI code: CniError keeps its own; invalid arguments are config
// errors (7); everything else is a plugin-specific failure (999).
int code_of(const rt::Error& e);

}  // namespace rt::cni
