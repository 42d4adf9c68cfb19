// A cache of compiled seccomp filters, so that `rt create` does not pay libseccomp's
// compilation on every container: a Docker-sized profile with three architectures takes
// about 20 ms to compile and under 0.1 ms to read back (crun keeps a similar cache).
//
// One file per distinct linux.seccomp, named by a hash of its canonical text; the file holds
// the whole key, so a hash collision is a miss, never a wrong filter. The key includes the
// libseccomp version and the kernel release (syscall tables and kernel support checks are
// part of the result). Files are written atomically (temp + rename) in a 0700 directory owned
// by root; a file that is not ours (owner, mode) or does not parse is ignored and rewritten.
// Cache failures are never errors: rt compiles instead.
#pragma once

#include <string>

#include "rt/oci/spec.hpp"
#include "security/seccomp.hpp"

namespace rt::security {

// The canonical text of everything the compiled result depends on.
std::string seccomp_cache_key(const oci::Seccomp& config);

// compile_seccomp(config), through the cache in cache_dir (created if missing; empty: no
// cache). Warnings stored with a cached filter are logged again on a hit.
CompiledSeccomp compile_seccomp_cached(const oci::Seccomp& config, const std::string& cache_dir);

}  // namespace rt::security
