// OCI bundles for black-box tests: a temp dir with rootfs/ (busybox + rt-probe, both static)
// and a config.json that each test edits through JSON pointers before writing it.
#pragma once

#include <rapidjson/document.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace conformance {

// A config.json document. Values are given as JSON text: set("/hostname", R"("box")").
class Config {
  public:
    Config();  // the default: like `runc spec`, no terminal, args = rt-probe report
    Config(const Config& other);
    Config& operator=(const Config& other);
    void set(std::string_view pointer, std::string_view json);
    void set_string(std::string_view pointer, std::string_view value);
    void append(std::string_view array_pointer, std::string_view json);  // creates the array
    void remove(std::string_view pointer);
    const rapidjson::Value* get(std::string_view pointer) const;
    std::string text() const;
    rapidjson::Document& doc() { return doc_; }
    const rapidjson::Document& doc() const { return doc_; }

    // Shorthands for the most common edits.
    void args(std::initializer_list<std::string_view> argv);
    void add_namespace(std::string_view type, std::string_view path = {});
    void remove_namespace(std::string_view type);
    // Bind-mounts a host directory read-write at dest (tests collect files through it).
    void bind(std::string_view host, std::string_view dest, bool readonly = false);

  private:
    rapidjson::Document doc_;
};

// A unique temporary directory removed (recursively, not crossing mounts) on destruction.
class TempDir {
  public:
    explicit TempDir(std::string_view prefix = "rt-conf");
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    std::string str() const { return path_.string(); }

  private:
    std::filesystem::path path_;
};

class Bundle {
  public:
    Bundle();
    const std::filesystem::path& path() const { return dir_.path(); }
    std::filesystem::path rootfs() const { return dir_.path() / "rootfs"; }
    // A host directory for files the container writes (bind-mounted at /out by default).
    std::filesystem::path out() const { return dir_.path() / "out"; }
    Config config;
    void write() const;  // (re)writes config.json

  private:
    TempDir dir_;
};

// Where the probe and busybox come from (RT_PROBE env or the build's bin dir; /bin/busybox).
std::string probe_path();
std::string unique_name(std::string_view prefix);  // prefix-<pid>-<counter>
std::string read_text(const std::filesystem::path& path);

}  // namespace conformance
