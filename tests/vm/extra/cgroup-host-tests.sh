#!/usr/bin/env bash
# The host-layout cgroup integration tests (tests/integration/cgroup: hybrid_test, rt_test,
# written for the development host's hybrid layout) on the guest's pure v2: not in the default
# suite (about 4 minutes under TCG, and known failures on pure v2: docs/cgroups.md "Tests");
# run by name: tests/vm/run.sh cgroup-host-tests.
. "$(dirname "$0")/../suite/lib.sh"
rc=0
for t in test-integration-cgroup test-integration-cgroup-rt; do
  [ -x "$bin/$t" ] || fail "$bin/$t is not built"
  echo "-- $t"
  "$bin/$t" --log_level=test_suite --report_level=short || rc=1
done
exit "$rc"
