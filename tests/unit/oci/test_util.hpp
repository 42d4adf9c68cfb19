// Helpers shared by the oci and core unit tests.
#pragma once

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "rt/error.hpp"

namespace oci_test {

namespace fs = std::filesystem;

#ifdef RT_OCI_TEST_DATA
inline const fs::path kData = RT_OCI_TEST_DATA;
#endif

inline std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

// The *.json files of a sample folder, sorted; fails when there are none (a test over an
// empty folder would pass for nothing).
inline std::vector<fs::path> samples(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".json") out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    BOOST_REQUIRE_MESSAGE(!out.empty(), "no samples in " << dir);
    return out;
}

// Runs fn, which must throw rt::Error; returns its message.
inline std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const rt::Error& e) {
        return e.message();
    }
    BOOST_FAIL("expected rt::Error, nothing thrown");
    return {};
}

// A fresh directory under /tmp, removed with everything in it at scope exit.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "rt-oci-test-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    void write(const std::string& name, const std::string& text) const {
        std::ofstream out(path / name, std::ios::binary);
        out << text;
    }
};

}  // namespace oci_test
