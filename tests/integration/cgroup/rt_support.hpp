// Helpers for the cgroup tests that drive the real `rt` binary (rt_test, rt_v2_test): a
// detached container force-deleted at scope exit, and JSON output parsing.
#pragma once

#include <rapidjson/document.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "../lifecycle/harness.hpp"
#include "support.hpp"

namespace cgit {

inline rapidjson::Document parse(const std::string& text) {
    rapidjson::Document d;
    d.Parse(text.c_str());
    if (d.HasParseError()) BOOST_FAIL("not JSON: " << text);
    return d;
}

// A container started detached (`rt run -d`) with `script` as its shell command,
// force-deleted at scope exit. `global` goes before the verb (e.g. --systemd-cgroup).
struct Running {
    lt::Env& env;
    std::string id = unique_name();
    std::string path = "/" + id;  // the default cgroupsPath
    explicit Running(lt::Env& e, const std::string& script = "sleep 1000",
                     const std::vector<std::string>& global = {})
        : env(e) {
        env.sh(script);
        std::vector<std::string> args = global;
        for (const char* a : {"run", "-d", "-b"}) args.push_back(a);
        args.push_back(env.bundle());
        args.push_back(id);
        auto r = env.rt(args);
        BOOST_REQUIRE_MESSAGE(r.code == 0, "rt run -d: " << r.err);
    }
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;
    ~Running() { env.rt({"delete", "--force", id}); }
    lt::Result rt(const std::vector<std::string>& args, const std::string& input = "") const {
        return env.rt(args, input);
    }
    int pid() const { return env.pid(id); }
    std::string status() const { return env.status(id); }
};

}  // namespace cgit
