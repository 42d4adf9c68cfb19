#!/usr/bin/env bash
# The black-box suite against rt and rt-bridge on pure cgroup v2 with every controller (the
# host's hybrid layout skips most v2 resource tests; here they run for real). By default the
# parts that depend on the cgroup layout (cgroups, lifecycle: pause/resume, update, events,
# delete); RT_VM_CONFORMANCE=all runs the whole suite (about 25 minutes under TCG).
. "$(dirname "$0")/lib.sh"
conformance_args
RUNTIME=$bin/rt CNI_PLUGIN=$bin/rt-bridge CONFORMANCE_BIN=$bin/rt-conformance RT_PROBE=$bin/rt-probe \
  conformance/run.sh "${args[@]}"
