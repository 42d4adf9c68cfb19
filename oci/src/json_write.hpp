// Internal: writing the C++ model as JSON with RapidJSON's SAX writers, straight into a
// std::string. Struct writers are `void put(W&, const T&)` overloads found by ADL.
#pragma once

#include <rapidjson/prettywriter.h>
#include <rapidjson/writer.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace rt::oci::json {

// RapidJSON output stream appending to a std::string.
struct StringOut {
    using Ch = char;
    std::string& out;
    void Put(char c) { out.push_back(c); }
    void Flush() {}
};

using CompactWriter = rapidjson::Writer<StringOut>;
using PrettyWriter = rapidjson::PrettyWriter<StringOut>;

template <typename W>
void put(W& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
template <typename W>
void put(W& w, const std::string& s) {
    put(w, std::string_view(s));
}
template <typename W>
void put(W& w, const char* s) {
    put(w, std::string_view(s));
}
template <typename W>
void put(W& w, bool b) {
    w.Bool(b);
}
template <typename W, typename T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) void put(W& w, T v) {
    if constexpr (std::is_signed_v<T>) {
        w.Int64(static_cast<int64_t>(v));
    } else {
        w.Uint64(static_cast<uint64_t>(v));
    }
}
template <typename W, typename T>
void put(W& w, const std::vector<T>& list) {
    w.StartArray();
    for (const T& item : list) put(w, item);
    w.EndArray();
}
template <typename W, typename T>
void put(W& w, const std::map<std::string, T>& map) {
    w.StartObject();
    for (const auto& [key, value] : map) {
        w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        put(w, value);
    }
    w.EndObject();
}

// Writes one JSON object; members are written in call order. Absent optionals and empty
// lists are left out (Go's omitempty, what runc writes), except where the caller says.
template <typename W>
class ObjectOut {
  public:
    explicit ObjectOut(W& w) : w_(w) { w_.StartObject(); }
    ~ObjectOut() { w_.EndObject(); }
    ObjectOut(const ObjectOut&) = delete;
    ObjectOut& operator=(const ObjectOut&) = delete;

    template <typename T>
    void field(std::string_view key, const T& value) {
        w_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        put(w_, value);
    }
    template <typename T>
    void opt(std::string_view key, const std::optional<T>& value) {
        if (value) field(key, *value);
    }
    template <typename T>
    void nonempty(std::string_view key, const T& list) {
        if (!list.empty()) field(key, list);
    }
    void nonempty(std::string_view key, const std::string& text) {
        if (!text.empty()) field(key, text);
    }
    void if_true(std::string_view key, bool flag) {
        if (flag) field(key, flag);
    }
    W& writer() { return w_; }

  private:
    W& w_;
};

// Runs emit(writer) with a compact or a pretty writer (indent: indent_count x indent_char).
template <typename Emit>
std::string write_json(bool pretty, char indent_char, unsigned indent_count, Emit&& emit) {
    std::string text;
    StringOut out{text};
    if (pretty) {
        PrettyWriter w(out);
        w.SetIndent(indent_char, indent_count);
        emit(w);
        text += '\n';
    } else {
        CompactWriter w(out);
        emit(w);
    }
    return text;
}

}  // namespace rt::oci::json
