// A CNI plugin driven as the spec says: environment variables, config on stdin, result or
// error JSON on stdout. The "host" side runs inside a test netns, so bridges, veths and
// masquerade rules a plugin creates never touch the machine's own network namespace.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "netns.hpp"
#include "process.hpp"

namespace conformance {

struct CniCall {
    std::string command;  // ADD, DEL, CHECK, VERSION, STATUS, GC
    std::string container_id;
    std::string netns;  // CNI_NETNS ("" to leave it unset)
    std::string ifname = "eth0";
    std::string args;           // CNI_ARGS
    std::string config;         // stdin
    bool omit_command = false;  // leave CNI_COMMAND unset (error tests)
};

struct CniOutcome {
    RunResult run;
    rapidjson::Document json;  // stdout parsed (Null if it was not JSON)
    bool is_error() const;     // non-zero exit with an error object
    int error_code() const;    // "code" of the error object, or -1
    std::string text() const;  // for failure messages
};

class CniPlugin {
  public:
    // plugin: path to the bridge plugin binary; its directory is CNI_PATH and holds the IPAM
    // plugin (rt-host-local next to rt-bridge, host-local next to the reference bridge).
    explicit CniPlugin(std::string plugin);
    const std::string& path() const { return path_; }
    const std::string& type() const { return type_; }       // "bridge" or "rt-bridge"
    const std::string& ipam_type() const { return ipam_; }  // "host-local" or "rt-host-local"
    const std::string& dir() const { return dir_; }
    bool available() const { return available_; }
    const std::vector<std::string>& versions() const { return versions_; }
    bool supports(const std::string& version) const;

    // Runs the bridge plugin (or `other`, a plugin name in dir()) with host_netns as the
    // "host" network namespace.
    CniOutcome call(const CniCall& call, const NetNs& host_netns,
                    const std::string& other = "") const;

  private:
    std::string path_, dir_, type_, ipam_;
    bool available_ = false;
    std::vector<std::string> versions_;
};

// Runs argv (an absolute path) inside netns, e.g. the probe's `net` report or busybox ping.
RunResult run_in_netns(const NetNs& netns, const std::vector<std::string>& argv);

}  // namespace conformance
