#include "cni/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cni/error.hpp"
#include "rt/json_check.hpp"

namespace rt::cni::json {

void parse_object(Document& doc, std::string_view text, std::string_view what) {
    // Without kParseStopWhenDoneFlag RapidJSON rejects text after the value, as Go does.
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError()) {
        throw CniError(kDecodeFailure, std::string(what) + ": invalid JSON at offset " +
                                           std::to_string(doc.GetErrorOffset()) + ": " +
                                           rapidjson::GetParseError_En(doc.GetParseError()));
    }
    if (!doc.IsObject())
        throw CniError(kDecodeFailure, std::string(what) + ": must be a JSON object");
    // Invalid UTF-8 is not JSON (RFC 8259 section 8.1): 6. A duplicate key (Go plugins read
    // the last, RapidJSON the first) or a NUL byte (cut short in a C string for netlink or
    // a path) is a config that cannot mean one thing: 7. Both name the member.
    if (auto found = rt::json_check::check(doc, {.reject_nul = true})) {
        int code =
            found.problem == rt::json_check::Problem::InvalidUtf8 ? kDecodeFailure : kInvalidConfig;
        throw CniError(code, std::string(what) + ": " + found.dotted() + ": " + found.reason());
    }
}

std::string path_join(std::string_view path, std::string_view key) {
    std::string p(path);
    if (!p.empty()) p += '.';
    p += key;
    return p;
}

std::string path_index(std::string_view path, std::size_t index) {
    return std::string(path) + "[" + std::to_string(index) + "]";
}

const Value* find(const Value& obj, std::string_view key) {
    if (!obj.IsObject()) return nullptr;
    // HasMember/operator[] rather than FindMember: comparing RapidJSON's member
    // iterators in our code is ambiguous in C++20 (clang -Wambiguous-reversed-operator).
    Value name(rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
    if (!obj.HasMember(name)) return nullptr;
    const Value& v = obj[name];
    return v.IsNull() ? nullptr : &v;
}

namespace {
[[noreturn]] void bad(std::string_view path, std::string_view key, std::string_view why) {
    throw CniError(kInvalidConfig, path_join(path, key) + ": " + std::string(why));
}
}  // namespace

std::optional<std::string> get_string(const Value& obj, std::string_view key,
                                      std::string_view path) {
    const Value* v = find(obj, key);
    if (!v) return std::nullopt;
    if (!v->IsString()) bad(path, key, "must be a string");
    return std::string(v->GetString(), v->GetStringLength());
}

std::string get_string_or(const Value& obj, std::string_view key, std::string_view path,
                          std::string_view def) {
    auto s = get_string(obj, key, path);
    return s ? *s : std::string(def);
}

bool get_bool(const Value& obj, std::string_view key, std::string_view path, bool def) {
    const Value* v = find(obj, key);
    if (!v) return def;
    if (v->IsBool()) return v->GetBool();
    if (v->IsString()) {
        std::string_view s(v->GetString(), v->GetStringLength());
        if (s == "true") return true;
        if (s == "false") return false;
    }
    bad(path, key, "must be true or false");
}

std::optional<std::int64_t> get_int(const Value& obj, std::string_view key, std::string_view path,
                                    std::int64_t min, std::int64_t max) {
    const Value* v = find(obj, key);
    if (!v) return std::nullopt;
    if (!v->IsInt64()) bad(path, key, "must be an integer");
    std::int64_t i = v->GetInt64();
    if (i < min || i > max)
        bad(path, key,
            "must be between " + std::to_string(min) + " and " + std::to_string(max) + " (got " +
                std::to_string(i) + ")");
    return i;
}

const Value* get_object(const Value& obj, std::string_view key, std::string_view path) {
    const Value* v = find(obj, key);
    if (v && !v->IsObject()) bad(path, key, "must be an object");
    return v;
}

const Value* get_array(const Value& obj, std::string_view key, std::string_view path) {
    const Value* v = find(obj, key);
    if (v && !v->IsArray()) bad(path, key, "must be an array");
    return v;
}

std::string to_string(const Value& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace rt::cni::json
