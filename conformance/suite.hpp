// The conformance suite's environment: which runtime and CNI plugin are under test, what
// they claim, which tests are known deviations, and the `needs(...)` precondition that turns
// a missing feature into an explicit, counted skip naming the feature (and rt's issue).
#pragma once

#include <boost/test/unit_test.hpp>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

#include "bundle.hpp"
#include "cni.hpp"
#include "probe_report.hpp"
#include "runtime.hpp"

namespace conformance {

// The runtime under test (RUNTIME=path); throws when RUNTIME is unset (tests are then skipped
// by their precondition first).
const Runtime& runtime();
// The CNI bridge plugin under test (CNI_PLUGIN=path).
const CniPlugin& plugin();

// Precondition decorator: skip unless every requirement holds. Requirements:
//   "runtime"            RUNTIME is set and executable
//   "verb:create" ...    the runtime has that subcommand
//   "ns:user", "hook:poststop", "seccomp", "capabilities", "cgroup:v1", "mountopt:rro" ...
//   "seccompflag:SECCOMP_FILTER_FLAG_LOG" (linux.seccomp.supportedFlags)
//                        claimed by the runtime's `features` (see Runtime::claims)
//   "spec:1.2.0"         the runtime's features ociVersionMax is at least 1.2.0
//   "cni"                CNI_PLUGIN is set and answers VERSION
//   "cni:1.0.0"          the plugin lists that version in supportedVersions
// Every test also checks the expectations file of the runtime / plugin under test.
boost::unit_test::decorator::precondition needs(std::initializer_list<const char*> requirements);

// Precondition on this host (not the runtime): skip, counted, with "this host lacks WHAT" when
// `missing` returns a non-empty WHAT.
boost::unit_test::decorator::precondition host_has(const std::function<std::string()>& missing);
// Every controller is in a cgroup hierarchy of the suite's mount namespace (v1 or v2); with
// v1_files, in a v1 one (the test reads v1 file names).
boost::unit_test::decorator::precondition host_controllers(
    std::initializer_list<const char*> controllers, bool v1_files = false);

// Runs the bundle with `run` (foreground) and parses the probe report it prints.
ProbeReport run_report(Bundle& bundle, const std::string& id_prefix = "report");

// Creates a container that keeps running (rt-probe sleep) and returns after `start`.
std::string start_sleeper(Bundle& bundle, std::unique_ptr<ContainerGuard>& guard);

// Runs `rt-probe ARGS` in a fresh container built from bundle and returns its stdout.
RunResult run_probe(Bundle& bundle, std::initializer_list<std::string_view> args);

}  // namespace conformance
