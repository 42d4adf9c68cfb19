// Fake cgroup trees for unit tests: plain directories and files in a temporary directory.
// The kernel's cgroupfs creates control files on mkdir; here the test creates the files a
// real cgroup would have, so a write to a file the kernel would not offer fails as it would.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cgroup/fs.hpp"

namespace cgtest {

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/rt-cgroup-unit-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string str() const { return path.string(); }
    std::string operator/(const std::string& rel) const { return (path / rel).string(); }
};

inline void put(const std::string& path, const std::string& content = "") {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::trunc) << content;
}

inline std::string get(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A cgroup directory holding the given (empty) control files.
inline void make_cgroup(const std::string& dir, std::initializer_list<std::string> files) {
    std::filesystem::create_directories(dir);
    for (const auto& f : files) put(dir + "/" + f);
}

// Records every write the cgroup code makes while alive.
struct WriteLog {
    std::vector<std::pair<std::string, std::string>> writes;
    WriteLog() { rt::cgroup::fs::set_write_log(&writes); }
    ~WriteLog() { rt::cgroup::fs::set_write_log(nullptr); }
    WriteLog(const WriteLog&) = delete;
    WriteLog& operator=(const WriteLog&) = delete;
    // Values written to files whose name is `file`, in order.
    std::vector<std::string> to(const std::string& file) const {
        std::vector<std::string> out;
        for (const auto& [p, v] : writes)
            if (std::filesystem::path(p).filename() == file) out.push_back(v);
        return out;
    }
};

// Runs f and returns the rt::Error message it throws ("" when it does not throw).
template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

inline bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace cgtest
