// serialize_config: parse -> serialize -> parse keeps every field, on every spec sample and
// on data/full.json, which sets every field of the model; serializing full.json gives back
// the same JSON document (so a field the parser drops is caught too).
#include <rapidjson/document.h>

#include <boost/test/unit_test.hpp>

#include "rt/oci/parse.hpp"
#include "rt/oci/serialize.hpp"
#include "test_util.hpp"

using namespace rt::oci;
using namespace oci_test;

namespace {

rapidjson::Document dom(const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    BOOST_REQUIRE_MESSAGE(!doc.HasParseError(), "not JSON: " << text);
    return doc;
}

void check_round_trip(const Spec& spec) {
    for (bool pretty : {true, false}) {
        std::string text = serialize_config(spec, pretty);
        Spec again = parse_config(text);
        BOOST_TEST((again == spec), "round trip differs (pretty=" << pretty << "):\n" << text);
        BOOST_TEST(serialize_config(again, pretty) == text);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(serialize)

BOOST_AUTO_TEST_CASE(every_good_sample_round_trips) {
    for (const auto& path : samples(kData / "schema/config/good")) {
        BOOST_TEST_CONTEXT(path.filename()) {
            check_round_trip(parse_config(read_file(path)));
        }
    }
}

BOOST_AUTO_TEST_CASE(full_config_round_trips_and_keeps_every_member) {
    std::string original = read_file(kData / "full.json");
    Spec spec = parse_config(original);
    check_round_trip(spec);
    // Same document, member for member (order aside): nothing dropped by parse or serialize.
    rapidjson::Document expected = dom(original);
    rapidjson::Document written = dom(serialize_config(spec));
    BOOST_TEST((written == expected), "serialized:\n" << serialize_config(spec));
}

BOOST_AUTO_TEST_CASE(full_config_sets_every_optional) {
    // Guards the fixture itself: if a field were missing from full.json the test above
    // would not cover it.
    Spec s = parse_config(read_file(kData / "full.json"));
    const Process& p = *s.process;
    BOOST_TEST((p.consoleSize && p.user.umask && p.user.username && p.commandLine &&
                p.capabilities && p.capabilities->bounding && p.capabilities->effective &&
                p.capabilities->inheritable && p.capabilities->permitted &&
                p.capabilities->ambient && p.apparmorProfile && p.oomScoreAdj && p.selinuxLabel &&
                p.ioPriority && p.scheduler && p.scheduler->nice && p.scheduler->priority &&
                p.scheduler->runtime && p.scheduler->deadline && p.scheduler->period &&
                p.execCPUAffinity && p.execCPUAffinity->initial && p.execCPUAffinity->final));
    BOOST_TEST((s.root && s.hostname && s.domainname && s.hooks));
    const Linux& l = *s.linux;
    const Resources& r = *l.resources;
    BOOST_TEST((r.memory && r.memory->limit && r.memory->reservation && r.memory->swap &&
                r.memory->kernel && r.memory->kernelTCP && r.memory->swappiness &&
                r.memory->disableOOMKiller && r.memory->useHierarchy &&
                r.memory->checkBeforeUpdate));
    BOOST_TEST((r.cpu && r.cpu->shares && r.cpu->quota && r.cpu->burst && r.cpu->period &&
                r.cpu->realtimeRuntime && r.cpu->realtimePeriod && r.cpu->cpus && r.cpu->mems &&
                r.cpu->idle));
    BOOST_TEST((r.pids && r.blockIO && r.blockIO->weight && r.blockIO->leafWeight && r.network &&
                r.network->classID && !r.rdma.empty() && !r.unified.empty()));
    BOOST_TEST((l.cgroupsPath && l.seccomp && l.seccomp->defaultErrnoRet &&
                l.seccomp->listenerPath && l.seccomp->listenerMetadata && l.rootfsPropagation &&
                l.maskedPaths && l.readonlyPaths && l.mountLabel && l.intelRdt &&
                l.intelRdt->closID && l.intelRdt->l3CacheSchema && l.intelRdt->memBwSchema &&
                l.intelRdt->enableMonitoring && l.memoryPolicy && l.memoryPolicy->mode &&
                l.memoryPolicy->nodes && l.personality && l.personality->domain));
    BOOST_TEST(l.timeOffsets.size() == 2u);
    BOOST_TEST(l.readonlyPaths->empty());  // present but empty: kept apart from absent
}

BOOST_AUTO_TEST_CASE(absent_and_empty_lists_stay_apart_where_the_model_keeps_them) {
    Spec s = parse_config(R"({"ociVersion": "1.0.0", "linux": {"maskedPaths": []},
                              "process": {"cwd": "/", "capabilities": {"bounding": []}}})");
    std::string text = serialize_config(s, false);
    BOOST_TEST(text.find(R"("maskedPaths":[])") != std::string::npos, text);
    BOOST_TEST(text.find(R"("bounding":[])") != std::string::npos, text);
    BOOST_TEST(text.find("readonlyPaths") == std::string::npos, text);
    BOOST_TEST(text.find("effective") == std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(pretty_output_is_tab_indented_and_ends_in_newline) {
    Spec s;
    s.ociVersion = "1.3.0";
    s.root = Root{"rootfs", false};
    BOOST_TEST(
        serialize_config(s, true) ==
        "{\n\t\"ociVersion\": \"1.3.0\",\n\t\"root\": {\n\t\t\"path\": \"rootfs\"\n\t}\n}\n");
    BOOST_TEST(serialize_config(s, false) == R"({"ociVersion":"1.3.0","root":{"path":"rootfs"}})");
}

BOOST_AUTO_TEST_CASE(strings_are_escaped) {
    Spec s;
    s.ociVersion = "1.3.0";
    s.hostname = "a\"b\\c\nd\x01";
    std::string text = serialize_config(s, false);
    BOOST_TEST(text == R"({"ociVersion":"1.3.0","hostname":"a\"b\\c\nd\u0001"})");
    BOOST_TEST(*parse_config(text).hostname == *s.hostname);
}

BOOST_AUTO_TEST_CASE(process_round_trips) {
    Spec s = parse_config(read_file(kData / "full.json"));
    std::string text = serialize_process(*s.process);
    BOOST_TEST((parse_process(text) == *s.process), text);
}

BOOST_AUTO_TEST_SUITE_END()
