// rt-bridge: containers' veths joined to a host bridge (the reference bridge's options).
#pragma once

#include "cni/skeleton.hpp"

namespace rt::bridge {

cni::Plugin bridge_plugin();

}  // namespace rt::bridge
