// What RapidJSON's DOM parser lets through and rt refuses, checked in one walk of a parsed
// document (config.json, state and features documents, CNI network configs):
//   - strings and member names that are not valid UTF-8 (RFC 8259 section 8.1 requires
//     UTF-8; without kParseValidateEncodingFlag RapidJSON copies any byte, and with it the
//     error names only an offset, not the member): a byte 0xff in a hostname or a bridge
//     name would reach the kernel as it is;
//   - an object naming a member twice (RFC 8259 section 4: names SHOULD be unique): Go's
//     encoding/json keeps the last one and RapidJSON's FindMember the first, so an engine
//     and rt would read different values from the same file;
//   - optionally NUL bytes, which a C string for a system call would silently cut.
// The walk is iterative (hostile nesting depth cannot overflow the stack) and allocates
// only its frame stack; small objects are checked for duplicates pairwise, large ones
// (annotations) by sorting their names.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rt::json_check {

struct Segment {
    std::string_view key;  // a member name (into the document)
    std::size_t index = 0;
    bool is_index = false;
};

enum class Problem { None, InvalidUtf8, NulByte, DuplicateKey };

struct Finding {
    Problem problem = Problem::None;
    // To the offending string value, or to the member whose name is bad or repeated.
    std::vector<Segment> path;
    bool in_key = false;     // InvalidUtf8 / NulByte: in the member name, not its value
    std::size_t offset = 0;  // byte offset of the bad byte in the string
    unsigned char byte = 0;

    explicit operator bool() const { return problem != Problem::None; }
    // "not valid UTF-8 (byte 0xff at offset 7)", "duplicate key: the object names it twice" ...
    std::string reason() const;
    // The path as an RFC 6901 pointer ("/linux/sysctl/a~1b") or as CNI's dotted form
    // ("ipam.ranges[0][1].subnet"), with unprintable bytes written \xNN.
    std::string pointer() const;
    std::string dotted() const;
};

struct Options {
    bool reject_nul = false;
};

// The first problem of the document in document order, or a Finding that is false.
Finding check(const rapidjson::Value& root, Options options = {});

// Offset of the first byte that does not belong to a well-formed UTF-8 sequence (no
// overlong forms, surrogates or code points above U+10FFFF), npos when there is none.
std::size_t invalid_utf8(std::string_view s);

// s with each byte of an invalid UTF-8 sequence and each ASCII control character written
// as \xNN: safe to put in a one-line message.
std::string printable(std::string_view s);

// One JSON pointer segment for `key`, RFC 6901 escaped ("a/b" -> "a~1b", "~" -> "~0").
std::string pointer_token(std::string_view key);

}  // namespace rt::json_check
