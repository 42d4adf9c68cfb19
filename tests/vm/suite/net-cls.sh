#!/usr/bin/env bash
# The "network" resource (net_cls classID, net_prio priorities: cgroup v1 only) for rt and,
# to prove the test, runc. It needs a v1 net_cls,net_prio hierarchy, which stays bound
# kernel-wide once mounted: that is why it runs here, in a throw-away guest, and never on a
# development or CI host. In a private mount namespace /sys/fs/cgroup becomes a hybrid layout
# (cgroup2 at unified/; net_cls,net_prio, and devices and freezer, which runc's v1 driver
# cannot do without, beside it: v1-only controllers, so the guest can mount them), as on a
# hybrid host.
. "$(dirname "$0")/lib.sh"
if [ -z "${RT_NET_CLS_INSIDE:-}" ]; then
  RT_NET_CLS_INSIDE=1 exec unshare -m --propagation private "$0" "$@"
fi
work=$(mktemp -d)
mount -t tmpfs net-cls-work "$work"
mkdir "$work/v2"
mount --bind /sys/fs/cgroup "$work/v2"
mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
mkdir /sys/fs/cgroup/unified
mount --move "$work/v2" /sys/fs/cgroup/unified
for h in net_cls,net_prio devices freezer; do
  mkdir "/sys/fs/cgroup/$h"
  mount -t cgroup -o "nosuid,nodev,noexec,$h" cgroup "/sys/fs/cgroup/$h"
done
ln -s net_cls,net_prio /sys/fs/cgroup/net_cls
ln -s net_cls,net_prio /sys/fs/cgroup/net_prio
rc=0
for runtime in "$bin/rt" /usr/sbin/runc; do
  echo "-- $runtime"
  out=$(RUNTIME=$runtime CONFORMANCE_BIN=$bin/rt-conformance RT_PROBE=$bin/rt-probe \
    conformance/run.sh --run_test=cgroups/network_class_and_priorities_are_applied 2>&1) || rc=1
  echo "$out"
  # a skip (no controller found) would hide a broken layout: the test must have run
  grep -q 'conformance: 1 passed, 0 failed' <<<"$out" || rc=1
done
exit "$rc"
