#!/usr/bin/env bash
# The cgroup manager's pure-v2 integration tests (tests/integration/cgroup: v2_test and
# rt_v2_test, which on the development host run in a private cgroup2 mount) on a real pure-v2
# host with systemd as PID 1. Each binary ends with its own leak check.
. "$(dirname "$0")/lib.sh"
rc=0
for t in test-integration-cgroup-v2 test-integration-cgroup-rt-v2; do
  [ -x "$bin/$t" ] || fail "$bin/$t is not built"
  echo "-- $t"
  "$bin/$t" --report_level=short || rc=1
done
exit "$rc"
