#include "suite.hpp"

#include <boost/test/tree/observer.hpp>
#include <boost/test/tree/test_unit.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "cgroups.hpp"
#include "rt/error.hpp"

namespace utf = boost::unit_test;

namespace conformance {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// expectations/<name>.txt: "skip TEST REASON..." lines (known deviations of a reference, or
// what a runtime does not do yet) and "issue FEATURE-PREFIX N" lines (which rt issue brings a
// missing feature). '#' starts a comment.
struct Expectations {
    std::map<std::string, std::string> skips;
    std::vector<std::pair<std::string, std::string>> issues;

    void load(const std::string& name) {
        std::string dir = env("CONFORMANCE_EXPECTATIONS");
#ifdef CONFORMANCE_SOURCE_DIR
        if (dir.empty()) dir = std::string(CONFORMANCE_SOURCE_DIR) + "/expectations";
#endif
        std::ifstream in(dir + "/" + name + ".txt");
        for (std::string line; std::getline(in, line);) {
            std::istringstream fields(line);
            std::string kind, key, rest;
            fields >> kind >> key;
            std::getline(fields >> std::ws, rest);
            if (kind == "skip") skips[key] = rest;
            if (kind == "issue") issues.emplace_back(key, rest);
        }
    }
    std::string issue_for(const std::string& feature) const {
        for (const auto& [prefix, issue] : issues) {
            if (feature.rfind(prefix, 0) == 0) return issue;
        }
        return "";
    }
};

struct Env {
    std::unique_ptr<Runtime> runtime;
    std::string runtime_error;
    std::unique_ptr<CniPlugin> plugin;
    Expectations runtime_expect, plugin_expect;
};

Env& environment() {
    static Env e;
    static std::once_flag once;
    std::call_once(once, [] {
        if (std::string path = env("RUNTIME"); !path.empty()) {
            try {
                e.runtime = std::make_unique<Runtime>(path);
                e.runtime_expect.load(e.runtime->name());
            } catch (const std::exception& ex) {
                e.runtime_error = ex.what();
            }
        } else {
            e.runtime_error = "RUNTIME is not set";
        }
        if (std::string path = env("CNI_PLUGIN"); !path.empty()) {
            e.plugin = std::make_unique<CniPlugin>(path);
            e.plugin_expect.load("cni-" + e.plugin->type());
        }
    });
    return e;
}

std::string test_path(utf::test_unit_id id) {
    const utf::test_unit& tu = utf::framework::get(id, utf::TUT_ANY);
    std::string path = tu.p_name;
    for (utf::test_unit_id p = tu.p_parent_id; p != utf::INV_TEST_UNIT_ID;) {
        const utf::test_unit& parent = utf::framework::get(p, utf::TUT_SUITE);
        if (parent.p_parent_id == utf::INV_TEST_UNIT_ID) break;  // the master suite
        path = std::string(parent.p_name) + "/" + path;
        p = parent.p_parent_id;
    }
    return path;
}

boost::test_tools::assertion_result skip(const std::string& why) {
    boost::test_tools::assertion_result r(false);
    r.message() << why;
    return r;
}

std::string missing(const std::string& what, const std::string& issue, const std::string& who) {
    std::string text = who + " lacks " + what;
    if (!issue.empty()) text += " (issue " + issue + ")";
    return text;
}

// Counts test cases as they finish and prints the summary line the project's CI reads.
class Summary : public utf::test_observer {
  public:
    void test_unit_start(const utf::test_unit& tu) override {
        if (tu.p_type == utf::TUT_CASE) failed_ = false;
    }
    void assertion_result(utf::assertion_result ar) override {
        if (ar == utf::AR_FAILED) failed_ = true;
    }
    void exception_caught(const boost::execution_exception&) override { failed_ = true; }
    void test_unit_aborted(const utf::test_unit&) override { failed_ = true; }
    void test_unit_timed_out(const utf::test_unit&) override { failed_ = true; }
    void test_unit_finish(const utf::test_unit& tu, unsigned long) override {
        if (tu.p_type != utf::TUT_CASE) return;
        (failed_ ? failed : passed)++;
    }
    void test_unit_skipped(const utf::test_unit& tu, utf::const_string reason) override {
        if (tu.p_type != utf::TUT_CASE) return;
        std::string why(reason.begin(), reason.end());
        if (why == "disabled") return;  // left out by --run_test: not part of this run
        skipped++;
        if (why.find("known deviation") != std::string::npos) deviations++;
        reasons[why]++;
    }
    void test_finish() override {
        if (!reasons.empty()) std::printf("conformance: skipped tests by reason:\n");
        for (const auto& [why, n] : reasons) std::printf("  %3d  %s\n", n, why.c_str());
        Env& e = environment();
        std::printf("conformance: runtime %s (%s); plugin %s\n",
                    e.runtime ? (e.runtime->path() + ", " + e.runtime->version_line()).c_str()
                              : e.runtime_error.c_str(),
                    e.runtime ? e.runtime->features_status().c_str() : "-",
                    e.plugin ? e.plugin->path().c_str() : "CNI_PLUGIN is not set");
        std::printf("conformance: %d known deviations (counted in skipped)\n", deviations);
        std::printf("conformance: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
        (void)std::fflush(stdout);
    }
    int priority() override { return 100; }

    int passed = 0, failed = 0, skipped = 0, deviations = 0;
    std::map<std::string, int> reasons;

  private:
    bool failed_ = false;
};

// Registered for the whole process (test_finish comes after the global fixtures' teardown).
struct RegisterSummary {
    RegisterSummary() {
        static Summary summary;
        utf::framework::register_observer(summary);
    }
};
BOOST_TEST_GLOBAL_FIXTURE(RegisterSummary);

}  // namespace

const Runtime& runtime() {
    Env& e = environment();
    if (!e.runtime) throw rt::Error(e.runtime_error);
    return *e.runtime;
}

const CniPlugin& plugin() {
    Env& e = environment();
    if (!e.plugin) throw rt::Error("CNI_PLUGIN is not set");
    return *e.plugin;
}

utf::decorator::precondition needs(std::initializer_list<const char*> requirements) {
    std::vector<std::string> reqs(requirements.begin(), requirements.end());
    return utf::decorator::precondition([reqs](utf::test_unit_id id) {
        Env& e = environment();
        std::string name = test_path(id);
        for (const auto& req : reqs) {
            if (req == "cni" || req.rfind("cni:", 0) == 0) {
                if (!e.plugin) return skip("CNI_PLUGIN is not set");
                auto it = e.plugin_expect.skips.find(name);
                if (it != e.plugin_expect.skips.end()) return skip(it->second);
                if (!e.plugin->available())
                    return skip(missing("a built plugin (" + e.plugin->path() + ")",
                                        e.plugin_expect.issue_for("cni"), e.plugin->type()));
                if (e.plugin->versions().empty())
                    return skip(missing("a working VERSION command",
                                        e.plugin_expect.issue_for("cni"), e.plugin->type()));
                if (req.size() > 4 && !e.plugin->supports(req.substr(4)))
                    return skip(missing("cniVersion " + req.substr(4) + " support",
                                        e.plugin_expect.issue_for(req), e.plugin->type()));
                continue;
            }
            if (!e.runtime) return skip(e.runtime_error);
            auto it = e.runtime_expect.skips.find(name);
            if (it != e.runtime_expect.skips.end()) return skip(it->second);
            const Runtime& r = *e.runtime;
            if (req == "runtime") continue;
            if (req.rfind("verb:", 0) == 0) {
                if (!r.has_verb(req.substr(5)))
                    return skip(missing("the `" + req.substr(5) + "` command",
                                        e.runtime_expect.issue_for(req), r.name()));
                continue;
            }
            if (!r.claims(req))
                return skip(missing("feature " + req + " (per its features)",
                                    e.runtime_expect.issue_for(req), r.name()));
        }
        return boost::test_tools::assertion_result(true);
    });
}

utf::decorator::precondition host_has(const std::function<std::string()>& missing) {
    return utf::decorator::precondition([missing](utf::test_unit_id) {
        std::string why = missing();
        if (why.empty()) return boost::test_tools::assertion_result(true);
        return skip("this host lacks " + why);
    });
}

utf::decorator::precondition host_controllers(std::initializer_list<const char*> controllers,
                                              bool v1_files) {
    std::vector<std::string> list(controllers.begin(), controllers.end());
    return host_has([list, v1_files] {
        for (const auto& c : list) {
            if (std::string why = controller_missing(c); !why.empty()) return why;
            if (v1_files && controller_hierarchy(c)->v2)
                return "a v1 " + c + " hierarchy (" + c +
                       " is a cgroup2 controller here and this test reads the v1 files)";
        }
        return std::string();
    });
}

ProbeReport run_report(Bundle& bundle, const std::string& id_prefix) {
    std::string id = unique_name(id_prefix);
    ContainerGuard guard(runtime(), id);
    auto r = runtime().run(id, bundle);
    if (!r.ok()) throw rt::Error("run " + id + ": " + r.describe());
    return parse_probe_report(r.out);
}

std::string start_sleeper(Bundle& bundle, std::unique_ptr<ContainerGuard>& guard) {
    bundle.config.args({"/bin/rt-probe", "sleep"});
    std::string id = unique_name("sleeper");
    guard = std::make_unique<ContainerGuard>(runtime(), id);
    auto c = runtime().create(id, bundle);
    if (!c.ok()) throw rt::Error("create " + id + ": " + c.describe());
    auto s = runtime().start(id);
    if (!s.ok()) throw rt::Error("start " + id + ": " + s.describe());
    return id;
}

RunResult run_probe(Bundle& bundle, std::initializer_list<std::string_view> args) {
    std::vector<std::string> argv{"/bin/rt-probe"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string json = "[";
    for (const auto& a : argv) json += (json.size() > 1 ? ",\"" : "\"") + a + "\"";
    bundle.config.set("/process/args", json + "]");
    std::string id = unique_name("probe");
    ContainerGuard guard(runtime(), id);
    return runtime().run(id, bundle);
}

}  // namespace conformance
