// Malformed config.json documents, one table: each is refused (parse, then validate, as
// load_bundle_config does) with one line naming the origin and the JSON pointer of what is
// wrong. Invalid UTF-8 and duplicate keys (RapidJSON lets both through) are found by
// rt/json_check.hpp's walk of the parsed document.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "rt/json_check.hpp"
#include "rt/oci/parse.hpp"
#include "rt/oci/state.hpp"
#include "rt/oci/validate.hpp"
#include "test_util.hpp"

using namespace rt::oci;
using namespace oci_test;

namespace {

// A valid config with `members` added at the top level and `linux_members` in "linux"
// (UTS and time namespaces: a hostname and timeOffsets are valid).
std::string config(const std::string& members, const std::string& linux_members = "") {
    return R"({"ociVersion": "1.0.0", "root": {"path": "rootfs"},)"
           R"( "process": {"cwd": "/", "args": ["sh"]},)"
           R"( "linux": {"namespaces": [{"type": "uts"}, {"type": "time"}])" +
           (linux_members.empty() ? "" : ", " + linux_members) + "}" +
           (members.empty() ? "" : ", " + members) + "}";
}

std::string refusal(const std::string& text) {
    return error_of([&] { validate_config(parse_config(text, "config.json"), "config.json"); });
}

struct Case {
    std::string text;
    std::string message;  // the whole message
};

}  // namespace

BOOST_AUTO_TEST_SUITE(malformed)

BOOST_AUTO_TEST_CASE(every_malformed_config_is_one_line_naming_the_pointer) {
    const std::vector<Case> cases = {
        // Invalid UTF-8, in values and in member names, at any depth.
        {config("\"hostname\": \"adv\xff\""),
         "config.json: /hostname: not valid UTF-8 (byte 0xff at offset 3)"},
        {config("\"annotations\": {\"a\": \"ok\", \"b\": \"\xc3\"}"),
         "config.json: /annotations/b: not valid UTF-8 (byte 0xc3 at offset 0)"},
        {config("\"annotations\": {\"k\xfe\": \"v\"}"),
         "config.json: /annotations/k\\xfe: member name is not valid UTF-8 (byte 0xfe at offset "
         "1)"},
        {config(R"("mounts": [{"destination": "/a"}, {"destination": "/b)"
                "\xed\xa0\x80\"}]"),  // an encoded UTF-16 surrogate
         "config.json: /mounts/1/destination: not valid UTF-8 (byte 0xed at offset 2)"},
        {config("\"hostname\": \"\xc0\xaf\""),  // overlong '/'
         "config.json: /hostname: not valid UTF-8 (byte 0xc0 at offset 0)"},
        {config("\"hostname\": \"\xf4\x90\x80\x80\""),  // above U+10FFFF
         "config.json: /hostname: not valid UTF-8 (byte 0xf4 at offset 0)"},
        {config("\"hostname\": \"\\udc00\""),  // a lone low surrogate escape
         "config.json: /hostname: not valid UTF-8 (byte 0xed at offset 0)"},
        {config("\"vendor\": [[{\"x\": \"\x80\"}]]"),  // also in members rt does not read
         "config.json: /vendor/0/0/x: not valid UTF-8 (byte 0x80 at offset 0)"},
        // Duplicate keys: Go keeps the last, RapidJSON the first.
        {config(R"("hostname": "a", "hostname": "b")"),
         "config.json: /hostname: duplicate key: the object names this member more than once"},
        {R"({"ociVersion": "1.0.0", "ociVersion": "1.0.0", "root": {"path": "r"}})",
         "config.json: /ociVersion: duplicate key: the object names this member more than once"},
        {config("", R"("sysctl": {"a/b": "1", "a/b": "2"})"),
         "config.json: /linux/sysctl/a~1b: duplicate key: the object names this member more "
         "than once"},
        {config(R"("mounts": [{"destination": "/a", "type": "bind", "type": "tmpfs"}])"),
         "config.json: /mounts/0/type: duplicate key: the object names this member more than "
         "once"},
        // Valid UTF-8 that is not ASCII is fine; a control character in a key is escaped.
        {config("\"annotations\": {\"a\\nb\": 1}"),
         "config.json: /annotations/a\\x0ab: expected string, got number"},
        // Types, ranges, required members, NUL, syntax.
        {config(R"("hostname": 5)"), "config.json: /hostname: expected string, got number"},
        {config(R"("process": {"cwd": "/"})"),
         "config.json: /process: duplicate key: the object names this member more than once"},
        {R"({"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"cwd": "/", "args": []}})",
         "config.json: /process/args: must be a non-empty array"},
        {config(R"("linux": {})"),
         "config.json: /linux: duplicate key: the object names this member more than once"},
        {R"({"ociVersion": "1.0.0", "root": {}})", "config.json: /root/path: required"},
        {config(R"("hostname": "a\u0000b")"), "config.json: /hostname: contains a NUL byte"},
        {config("", R"("resources": {"pids": {"limit": 1.5}})"),
         "config.json: /linux/resources/pids/limit: expected integer, got number"},
        {config("", R"("uidMappings": [{"containerID": -1, "hostID": 0, "size": 1}])"),
         "config.json: /linux/uidMappings/0/containerID: expected uint32 (0..4294967295), got -1"},
        {"{\"ociVersion\": \"1.0.0\",\n \"root\": {\"path\": \"r\"},\n}",
         "config.json: line 3, column 1: Missing a name for object member."},
        {"", "config.json: line 1, column 1: The document is empty."},
        {"[]", "config.json: (document): expected object, got array"},
        // timeOffsets: only the clocks a time namespace has.
        {config("", R"("timeOffsets": {"realtime": {"secs": 1}})"),
         "config.json: /linux/timeOffsets/realtime: unknown clock \"realtime\" (a time namespace "
         "offsets only \"monotonic\" and \"boottime\")"},
        {config("", R"("timeOffsets": {"realtime": "x"})"),
         "config.json: /linux/timeOffsets/realtime: expected object, got string"},
        {config("", R"("timeOffsets": {"monotonic": {"nanosecs": 1000000000}})"),
         "config.json: /linux/timeOffsets/monotonic/nanosecs: must be less than 1000000000"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(rt::json_check::printable(c.text)) {
            std::string message = refusal(c.text);
            BOOST_TEST(message == c.message);
            BOOST_TEST(message.find('\n') == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(valid_utf8_and_unique_keys_pass) {
    Spec s =
        parse_config(config("\"hostname\": \"h\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3\", "
                            "\"annotations\": {\"\\u00e9\": \"\\ud83d\\udc33\"}"));
    BOOST_TEST(*s.hostname == "h\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3");
    BOOST_CHECK_NO_THROW(validate_config(s));
    BOOST_TEST(s.annotations.at("\xc3\xa9") == "\xf0\x9f\x90\xb3");
    // The same key in two different objects is not a duplicate.
    BOOST_CHECK_NO_THROW(
        parse_config(config(R"("mounts": [{"destination": "/a"}, {"destination": "/b"}])")));
}

BOOST_AUTO_TEST_CASE(large_objects_are_checked_too) {
    // Above 16 members the walk sorts the names instead of comparing them pairwise.
    std::string annotations;
    for (int i = 0; i < 500; ++i) annotations += "\"k" + std::to_string(i) + "\": \"v\", ";
    BOOST_CHECK_NO_THROW(
        parse_config(config("\"annotations\": {" + annotations + "\"z\": \"v\"}")));
    BOOST_TEST(refusal(config("\"annotations\": {" + annotations + "\"k250\": \"v\"}")) ==
               "config.json: /annotations/k250: duplicate key: the object names this member "
               "more than once");
}

BOOST_AUTO_TEST_CASE(deep_nesting_does_not_overflow_the_stack) {
    std::string deep = std::string(200000, '[') + "\"\xff\"" + std::string(200000, ']');
    std::string message = refusal(config("\"vendor\": " + deep));
    BOOST_TEST(message.rfind("config.json: /vendor/0/0/0/", 0) == 0);
    BOOST_TEST(message.find("not valid UTF-8 (byte 0xff at offset 0)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(state_documents_share_the_checks) {
    BOOST_TEST(error_of([] {
                   parse_state(R"({"ociVersion": "1.0.2", "id": "a", "id": "b", "status": )"
                               R"("created", "bundle": "/b"})",
                               "state.json");
               }) == "state.json: /id: duplicate key: the object names this member more than once");
    BOOST_TEST(error_of([] {
                   parse_state(
                       "{\"ociVersion\": \"1.0.2\", \"id\": \"a\xff\", \"status\": "
                       "\"created\", \"bundle\": \"/b\"}",
                       "state.json");
               }) == "state.json: /id: not valid UTF-8 (byte 0xff at offset 1)");
}

BOOST_AUTO_TEST_CASE(utf8_validator_edges) {
    using rt::json_check::invalid_utf8;
    constexpr auto npos = std::string_view::npos;
    BOOST_TEST(invalid_utf8("") == npos);
    BOOST_TEST(invalid_utf8("plain ascii") == npos);
    BOOST_TEST(invalid_utf8("\xef\xbb\xbf") == npos);      // U+FEFF
    BOOST_TEST(invalid_utf8("\xf4\x8f\xbf\xbf") == npos);  // U+10FFFF
    BOOST_TEST(invalid_utf8("\xed\x9f\xbf") == npos);      // U+D7FF
    BOOST_TEST(invalid_utf8("ab\xe2\x82") == 2u);          // truncated
    BOOST_TEST(invalid_utf8("\xe0\x80\x80") == 0u);        // overlong
    BOOST_TEST(invalid_utf8("\xf0\x80\x80\x80") == 0u);    // overlong
    BOOST_TEST(invalid_utf8("\xf5\x80\x80\x80") == 0u);    // beyond U+10FFFF
    BOOST_TEST(invalid_utf8("a\xc3\xa9\xc3") == 3u);
    BOOST_TEST(invalid_utf8("\xe2\x28\xa1") == 0u);  // bad continuation
    BOOST_TEST(rt::json_check::printable("a\xff\xc3\xa9\x01") == "a\\xff\xc3\xa9\\x01");
}

BOOST_AUTO_TEST_SUITE_END()
