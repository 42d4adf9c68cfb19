// Comparisons of a config (what was asked) with a probe report (what the kernel shows).
// Each returns the list of differences, one line each naming the config field; the tests
// require it to be empty and the meta tests require it to be non-empty for a wrong config.
#pragma once

#include <string>
#include <vector>

#include "bundle.hpp"
#include "probe_report.hpp"

namespace conformance {

using Problems = std::vector<std::string>;

Problems check_process(const Config& config, const ProbeReport& report);
Problems check_capabilities(const Config& config, const ProbeReport& report);
Problems check_rlimits(const Config& config, const ProbeReport& report);
Problems check_uts(const Config& config, const ProbeReport& report);
// Namespaces listed without a path differ from the host's; those not listed equal the host's;
// those with a path equal the inode of that path.
Problems check_namespaces(const Config& config, const ProbeReport& report);
// Mounts of config.mounts are present with their type and the flag options asked for.
Problems check_mounts(const Config& config, const ProbeReport& report);
Problems check_devices(const Config& config, const ProbeReport& report);

std::string join(const Problems& problems);

}  // namespace conformance
