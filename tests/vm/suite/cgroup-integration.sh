#!/usr/bin/env bash
# The cgroup manager's integration tests (tests/integration/cgroup) on a real pure-v2 host with
# systemd as PID 1: the manager directly, and through the rt binary. Each binary ends with its
# own leak check.
. "$(dirname "$0")/lib.sh"
rc=0
for t in test-integration-cgroup test-integration-cgroup-v2 test-integration-cgroup-rt test-integration-cgroup-rt-v2; do
  [ -x "$bin/$t" ] || fail "$bin/$t is not built"
  echo "-- $t"
  "$bin/$t" --log_level=test_suite --report_level=short || rc=1
done
exit "$rc"
