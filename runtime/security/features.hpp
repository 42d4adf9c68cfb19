// The security part of `rt features` (features-linux.md): what rt recognizes and what this
// kernel and libseccomp really support.
#pragma once

#include "rt/oci/features.hpp"

namespace rt::security {

// Sets linux.capabilities (names known to the running kernel), linux.seccomp (actions the
// kernel implements, all operators, the architectures libseccomp supports, known and
// supported flags), and linux.apparmor / linux.selinux (rt can apply both; whether the host
// enables them is checked at create), and linux.memoryPolicy (modes and flags rt knows).
void fill_security_features(oci::Features::Linux& linux);

}  // namespace rt::security
