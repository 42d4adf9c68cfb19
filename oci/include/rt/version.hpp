// rt's version and the git commit it was built from (rt --version, rt features).
// Defined in a file generated at configure time, so a new commit recompiles one file only.
#pragma once

namespace rt {

const char* version() noexcept;     // e.g. "0.1.0"
const char* git_commit() noexcept;  // short hash, or "unknown" outside a git checkout

}  // namespace rt
