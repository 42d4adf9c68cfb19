#include "json_read.hpp"

#include <rapidjson/error/en.h>

#include <cmath>

#include "rt/error.hpp"
#include "rt/json_check.hpp"

namespace rt::oci::json {

std::string Path::pointer() const {
    // Collect the frames root-first; paths are short (a handful of segments).
    std::vector<const Path*> frames;
    for (const Path* p = this; p->parent; p = p->parent) frames.push_back(p);
    std::string out;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
        out += '/';
        if ((*it)->is_index) {
            out += std::to_string((*it)->index);
            continue;
        }
        out += json_check::pointer_token(json_check::printable((*it)->key));
    }
    return out;
}

void Source::fail(const Path& path, std::string_view reason) const {
    fail_at(path.pointer(), reason);
}

void Source::fail_at(const std::string& pointer, std::string_view reason) const {
    std::string msg(origin);
    msg += ": ";
    msg += pointer.empty() ? std::string("(document)") : pointer;
    msg += ": ";
    msg += reason;
    throw Error(std::move(msg), ErrorKind::InvalidArgument);
}

void parse_document(rapidjson::Document& doc, std::string_view text, const Source& src) {
    // Iterative: nesting depth in hostile input cannot overflow the stack.
    doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
    if (!doc.HasParseError()) {
        // Invalid UTF-8 and duplicate keys, with the pointer of the member (the parser's
        // own encoding check would give only an offset).
        if (auto found = json_check::check(doc)) src.fail_at(found.pointer(), found.reason());
        return;
    }
    size_t offset = std::min(doc.GetErrorOffset(), text.size());
    size_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    std::string msg(src.origin);
    msg += ": line " + std::to_string(line) + ", column " +
           std::to_string(offset - line_start + 1) + ": " +
           rapidjson::GetParseError_En(doc.GetParseError());
    throw Error(std::move(msg), ErrorKind::InvalidArgument);
}

const char* type_name(const Value& v) {
    switch (v.GetType()) {
        case rapidjson::kNullType:
            return "null";
        case rapidjson::kFalseType:
        case rapidjson::kTrueType:
            return "boolean";
        case rapidjson::kObjectType:
            return "object";
        case rapidjson::kArrayType:
            return "array";
        case rapidjson::kStringType:
            return "string";
        case rapidjson::kNumberType:
            return "number";
    }
    return "unknown";
}

namespace {

std::string number_text(const Value& v) {
    if (v.IsInt64()) return std::to_string(v.GetInt64());
    if (v.IsUint64()) return std::to_string(v.GetUint64());
    char buf[32];
    (void)std::snprintf(buf, sizeof buf, "%.17g", v.GetDouble());
    return buf;
}

}  // namespace

void fail_int_range(const Source& src, const Path& path, const Value& v, const char* type,
                    std::string_view range) {
    src.fail(path, std::string("expected ") + type + " (" + std::string(range) + "), got " +
                       number_text(v));
}

void fail_not_integer(const Source& src, const Path& path, const Value& v) {
    if (v.IsNumber()) {
        // RapidJSON stores integers beyond 64 bits as doubles: say "out of range", not
        // "not an integer", when the value is whole.
        double d = v.GetDouble();
        if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) >= 9.2e18)
            src.fail(path, "integer " + number_text(v) + " out of 64-bit range");
        src.fail(path, "expected integer, got number");
    }
    src.fail(path, std::string("expected integer, got ") + type_name(v));
}

void read(const Source& src, const Path& path, const Value& v, std::string& out) {
    if (!v.IsString()) src.fail(path, std::string("expected string, got ") + type_name(v));
    std::string_view text(v.GetString(), v.GetStringLength());
    if (text.find('\0') != std::string_view::npos) src.fail(path, "contains a NUL byte");
    out.assign(text);
}

}  // namespace rt::oci::json
