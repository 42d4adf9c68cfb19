// Typed access to JSON config members with errors naming the field path
// ("ipam.ranges[0][1].subnet: must be a string"), on top of RapidJSON.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rt::cni::json {

using Value = rapidjson::Value;
using Document = rapidjson::Document;

// Parses `text`; throws CniError(6) with the offset and reason when it is not JSON, or when
// the top level is not an object; CniError(6) naming the member for invalid UTF-8 and (7)
// for a duplicate key or a NUL byte (rt/json_check.hpp).
void parse_object(Document& doc, std::string_view text, std::string_view what);

std::string path_join(std::string_view path, std::string_view key);
std::string path_index(std::string_view path, std::size_t index);

// nullptr when absent or JSON null.
const Value* find(const Value& obj, std::string_view key);

// Getters: absent/null -> nullopt (or the default); wrong type -> CniError(7) naming `path`.
std::optional<std::string> get_string(const Value& obj, std::string_view key,
                                      std::string_view path);
std::string get_string_or(const Value& obj, std::string_view key, std::string_view path,
                          std::string_view def);
// Booleans also accept the strings "true"/"false" (bridge.md's own example writes
// "portIsolation": "true").
bool get_bool(const Value& obj, std::string_view key, std::string_view path, bool def);
std::optional<std::int64_t> get_int(const Value& obj, std::string_view key, std::string_view path,
                                    std::int64_t min, std::int64_t max);
const Value* get_object(const Value& obj, std::string_view key, std::string_view path);
const Value* get_array(const Value& obj, std::string_view key, std::string_view path);

// Compact serialisation of a value.
std::string to_string(const Value& v);

}  // namespace rt::cni::json
