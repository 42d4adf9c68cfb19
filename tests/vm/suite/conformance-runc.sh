#!/usr/bin/env bash
# The same part of the suite against runc 1.1.5 and the reference CNI plugins in the same boot:
# proves the tests on this host (deviations are counted as in docs/conformance.md).
. "$(dirname "$0")/lib.sh"
[ -x /usr/sbin/runc ] || fail "runc is not installed in the guest image"
conformance_args
RUNTIME=/usr/sbin/runc CNI_PLUGIN=/usr/lib/cni/bridge CONFORMANCE_BIN=$bin/rt-conformance \
  RT_PROBE=$bin/rt-probe conformance/run.sh "${args[@]}"
