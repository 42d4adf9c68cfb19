// rt-host-local: the verbs of a host-local compatible IPAM plugin.
#pragma once

#include <string_view>

#include "cni/skeleton.hpp"

namespace rt::ipam {

cni::Plugin host_local_plugin();

// resolv.conf text -> CNI dns (nameserver, domain, search, options lines).
cni::Dns parse_resolv_conf(std::string_view text);

}  // namespace rt::ipam
