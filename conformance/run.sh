#!/usr/bin/env bash
# conformance/run.sh: the one command that runs the black-box suite.
#   RUNTIME=/usr/sbin/runc CNI_PLUGIN=/usr/lib/cni/bridge conformance/run.sh [boost.test args]
#   RUNTIME=build/bin/rt   CNI_PLUGIN=build/bin/rt-bridge conformance/run.sh
# Either variable may be left out (its tests are then skipped and counted). crun 1.8 refuses
# this host's hybrid cgroup layout, so for crun the suite runs in a private mount namespace
# with /sys/fs/cgroup/unified unmounted (the host's mounts are untouched).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
suite=${CONFORMANCE_BIN:-$here/build/bin/rt-conformance}
[ -x "$suite" ] || { echo "run.sh: $suite not built (cmake --build --preset default)" >&2; exit 1; }
[ -z "${RUNTIME:-}" ] || export RUNTIME=$(realpath "$RUNTIME")
[ -z "${CNI_PLUGIN:-}" ] || export CNI_PLUGIN=$(realpath -m "$CNI_PLUGIN")
export RT_PROBE=${RT_PROBE:-$here/build/bin/rt-probe}
# CONFORMANCE_CGROUP2=1: pure cgroup v2, as on a v2-only host: the suite runs in a private mount
# namespace with cgroup2 mounted over /sys/fs/cgroup (the host's hierarchies stay as they are;
# only this namespace stops seeing the v1 ones). Tests needing a controller the v2 hierarchy
# lacks are skipped, naming it.
if [ "${CONFORMANCE_CGROUP2:-}" = 1 ]; then
  exec unshare -m --propagation private sh -c \
    'mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup && exec "$@"' sh "$suite" "$@"
fi
if [ -n "${RUNTIME:-}" ] && "$RUNTIME" --version 2>/dev/null | head -1 | grep -q '^crun '; then
  exec unshare -m --propagation private sh -c \
    'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi; exec "$@"' \
    sh "$suite" "$@"
fi
exec "$suite" "$@"
