// A named network namespace for tests: created empty (only lo, down), pinned by a bind mount
// on a file in a temp dir, and removed (with every link in it) on destruction.
#pragma once

#include <string>

#include "bundle.hpp"

namespace conformance {

class NetNs {
  public:
    NetNs();
    NetNs(const NetNs&) = delete;
    NetNs& operator=(const NetNs&) = delete;
    ~NetNs();
    const std::string& path() const { return path_; }
    int fd() const { return fd_; }  // O_RDONLY|O_CLOEXEC, for setns
    unsigned long inode() const;

  private:
    TempDir dir_{"rt-conf-netns"};
    std::string path_;
    int fd_ = -1;
};

// Same for a UTS (or any other) namespace type, pinned the same way: used by join-by-path
// tests. type is a CLONE_NEW* flag; name is the /proc/self/ns/ file name.
class PinnedNs {
  public:
    PinnedNs(int clone_flag, const char* name);
    PinnedNs(const PinnedNs&) = delete;
    PinnedNs& operator=(const PinnedNs&) = delete;
    ~PinnedNs();
    const std::string& path() const { return path_; }
    unsigned long inode() const;

  private:
    TempDir dir_{"rt-conf-ns"};
    std::string path_;
};

}  // namespace conformance
