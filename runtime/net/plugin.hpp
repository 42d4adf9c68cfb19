// Running one CNI plugin (SPEC.md "Execution protocol"): parameters in CNI_* environment
// variables, the network configuration on stdin, the result or an error object on stdout.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rt::net {

struct PluginCall {
    std::string command;            // ADD, DEL, CHECK
    std::string container_id;       // CNI_CONTAINERID
    std::string netns;              // CNI_NETNS (empty on DEL when the namespace is gone)
    std::string ifname;             // CNI_IFNAME
    std::string args;               // CNI_ARGS ("IgnoreUnknown=1;IP=...;MAC=...")
    std::vector<std::string> path;  // CNI_PATH: where plugins (and their delegates) are
};

// The first dir in `dirs` holding an executable named `type`. Throws NotFound naming them.
std::string find_plugin(const std::string& type, const std::vector<std::string>& dirs);

// Runs `exe` and returns its stdout when it exits 0. Otherwise throws rt::Error with the
// plugin's own message: "rt-bridge ADD: <msg>: <details> (CNI error 7)", or its exit status
// when it printed no error object. No shell, no PATH lookup; stderr is rt's.
std::string run_plugin(const std::string& exe, const PluginCall& call, std::string_view config);

}  // namespace rt::net
