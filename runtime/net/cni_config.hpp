// CNI network configurations (SPEC.md "Configuration format"): a network list (.conflist)
// or a single-plugin network (.conf/.json), found by name in a directory as libcni does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rt::net {

// CNI versions rt speaks as a runtime (results older than 0.3.0 have another shape).
bool supported_cni_version(std::string_view version);

struct NetworkConfig {
    std::string name;
    std::string cni_version;
    std::string source;  // the file it came from (for messages)
    // The network as a conflist document (a single .conf becomes a one-plugin list). It is
    // kept with the container so DEL uses exactly what ADD used, whatever happens to the file.
    std::string conflist;
    std::vector<std::string> plugin_types;  // in chain order
};

// Parses a .conflist or a .conf document. Throws rt::Error (InvalidArgument) naming origin
// and the field: "/etc/cni/net.d/10-x.conflist: /plugins/0/type: missing".
NetworkConfig parse_network_config(std::string_view text, const std::string& origin);

// The network called `name` among dir's *.conflist, *.conf and *.json, in lexical order
// (the first with that name wins, as in libcni). Throws NotFound naming the dir, with the
// files that could not be parsed, if any.
NetworkConfig load_network(const std::string& dir, const std::string& name);

}  // namespace rt::net
