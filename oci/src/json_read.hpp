// Internal: typed reading of a RapidJSON DOM with errors that name the JSON pointer.
//
// The walk reads each known member straight out of the DOM into the C++ model (one pass, no
// intermediate copies). The JSON pointer of the value being read is a chain of Path frames on
// the stack and is only rendered into a string when an error is thrown, so the success path
// allocates nothing for it.
//
// Conventions (shared by config, state and features documents):
//   - a member that is absent or null is "absent" (Go encoders write null for nil slices,
//     maps and pointers and runc accepts them); a required member that is absent is
//     "<pointer>: required".
//   - wrong types: "<pointer>: expected integer, got string".
//   - integers are range-checked for the C++ type that stores them ("expected uint32
//     (0..4294967295), got -1"); numbers written with a fraction or exponent are not integers.
//   - strings must not contain NUL: every string ends up in a C string for a system call,
//     where a NUL would silently truncate it.
//   - the document is valid UTF-8 and no object names a member twice (parse_document).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace rt::oci::json {

using Value = rapidjson::Value;

// One segment of a JSON pointer: a member name or an array index, linked to its parent.
struct Path {
    const Path* parent = nullptr;
    std::string_view key;
    size_t index = 0;
    bool is_index = false;

    Path member(std::string_view name) const { return Path{this, name, 0, false}; }
    Path at(size_t i) const { return Path{this, {}, i, true}; }
    // RFC 6901 pointer, "" for the document root.
    std::string pointer() const;
};

// What is being read ("config.json", "/bundle/config.json"), for error messages.
struct Source {
    std::string_view origin;

    [[noreturn]] void fail(const Path& path, std::string_view reason) const;
    [[noreturn]] void fail_at(const std::string& pointer, std::string_view reason) const;
};

// Parses text into doc, throwing "<origin>: line L, column C: <reason>" when malformed and
// "<origin>: <pointer>: <reason>" for invalid UTF-8 or a duplicate key (rt/json_check.hpp).
void parse_document(rapidjson::Document& doc, std::string_view text, const Source& src);

const char* type_name(const Value& v);

template <typename T>
constexpr const char* int_type_name() {
    if constexpr (std::is_same_v<T, int8_t>) return "int8";
    if constexpr (std::is_same_v<T, int16_t>) return "int16";
    if constexpr (std::is_same_v<T, int32_t>) return "int32";
    if constexpr (std::is_same_v<T, int64_t>) return "int64";
    if constexpr (std::is_same_v<T, uint8_t>) return "uint8";
    if constexpr (std::is_same_v<T, uint16_t>) return "uint16";
    if constexpr (std::is_same_v<T, uint32_t>) return "uint32";
    if constexpr (std::is_same_v<T, uint64_t>) return "uint64";
}

[[noreturn]] void fail_int_range(const Source& src, const Path& path, const Value& v,
                                 const char* type, std::string_view range);
[[noreturn]] void fail_not_integer(const Source& src, const Path& path, const Value& v);

// ---------------------------------------------------------------- scalar readers

inline void read(const Source& src, const Path& path, const Value& v, bool& out) {
    if (!v.IsBool()) src.fail(path, std::string("expected boolean, got ") + type_name(v));
    out = v.GetBool();
}

void read(const Source& src, const Path& path, const Value& v, std::string& out);

template <typename T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) void read(const Source& src,
                                                                      const Path& path,
                                                                      const Value& v, T& out) {
    using Limits = std::numeric_limits<T>;
    if (!v.IsInt64() && !v.IsUint64()) fail_not_integer(src, path, v);
    bool in_range;
    if constexpr (std::is_signed_v<T>) {
        in_range = v.IsInt64() && v.GetInt64() >= Limits::min() && v.GetInt64() <= Limits::max();
        if (in_range) out = static_cast<T>(v.GetInt64());
    } else {
        in_range = v.IsUint64() && v.GetUint64() <= Limits::max();
        if (in_range) out = static_cast<T>(v.GetUint64());
    }
    if (!in_range) {
        fail_int_range(src, path, v, int_type_name<T>(),
                       std::to_string(Limits::min()) + ".." + std::to_string(Limits::max()));
    }
}

// ---------------------------------------------------------------- containers

template <typename T>
void read(const Source& src, const Path& path, const Value& v, std::vector<T>& out);
template <typename T>
void read(const Source& src, const Path& path, const Value& v, std::optional<T>& out);
template <typename T>
void read(const Source& src, const Path& path, const Value& v, std::map<std::string, T>& out);

// A JSON object being read: typed access to its members by name.
class Object {
  public:
    Object(const Source& src, const Path& path, const Value& v) : src_(src), path_(path), v_(v) {
        if (!v.IsObject()) src.fail(path, std::string("expected object, got ") + type_name(v));
    }

    const Source& source() const { return src_; }
    const Path& path() const { return path_; }
    const Value& value() const { return v_; }

    // The member's value, or null when absent or JSON null.
    const Value* find(std::string_view name) const {
        auto it = v_.FindMember(Value(rapidjson::StringRef(name.data(), name.size())));
        if (it == v_.MemberEnd() || it->value.IsNull()) return nullptr;
        return &it->value;
    }

    // Reads member `name` into out when present; leaves out untouched otherwise.
    template <typename T>
    void opt(std::string_view name, T& out) const {
        if (const Value* m = find(name)) read(src_, path_.member(name), *m, out);
    }
    // Reads member `name` into out; throws "<pointer>/name: required" when absent.
    template <typename T>
    void req(std::string_view name, T& out) const {
        const Value* m = find(name);
        if (!m) src_.fail(path_.member(name), "required");
        read(src_, path_.member(name), *m, out);
    }

  private:
    const Source& src_;
    const Path& path_;
    const Value& v_;
};

// Struct readers are found by ADL/overload: void read_object(const Object&, T&).
template <typename T>
requires requires(const Object& o, T& t) {
    read_object(o, t);
}
void read(const Source& src, const Path& path, const Value& v, T& out) {
    Object o(src, path, v);
    read_object(o, out);
}

template <typename T>
void read(const Source& src, const Path& path, const Value& v, std::vector<T>& out) {
    if (!v.IsArray()) src.fail(path, std::string("expected array, got ") + type_name(v));
    out.clear();
    out.resize(v.Size());
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) read(src, path.at(i), v[i], out[i]);
}

template <typename T>
void read(const Source& src, const Path& path, const Value& v, std::optional<T>& out) {
    read(src, path, v, out.emplace());
}

// JSON object used as a map: every member is read as T (member names are the keys).
template <typename T>
void read(const Source& src, const Path& path, const Value& v, std::map<std::string, T>& out) {
    if (!v.IsObject()) src.fail(path, std::string("expected object, got ") + type_name(v));
    out.clear();
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        std::string_view key(it->name.GetString(), it->name.GetStringLength());
        Path child = path.member(key);
        if (key.find('\0') != std::string_view::npos) src.fail(child, "key contains a NUL byte");
        T value{};
        read(src, child, it->value, value);
        // Keys are unique: parse_document refuses a document with a duplicate key.
        out.emplace(std::string(key), std::move(value));
    }
}

}  // namespace rt::oci::json
