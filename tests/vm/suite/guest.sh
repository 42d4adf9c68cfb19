#!/usr/bin/env bash
# The guest is the host the tests claim it is: systemd as PID 1, pure cgroup v2 with every
# controller available, no network device but lo.
. "$(dirname "$0")/lib.sh"
[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm), not systemd"
# (is-system-running says "starting" here: this test runs from a unit of the boot transaction)
failed=$(systemctl --failed --no-legend --plain)
[ -z "$failed" ] || fail "failed systemd units: $failed"
busctl --system status >/dev/null || fail "the system bus does not answer"
for c in cpuset cpu io memory hugetlb pids rdma misc; do
  grep -qw "$c" /sys/fs/cgroup/cgroup.controllers || fail "controller $c missing from cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
done
! grep -q ' cgroup ' /proc/self/mounts || fail "a cgroup v1 hierarchy is mounted: $(grep ' cgroup ' /proc/self/mounts)"
links=$(ls /sys/class/net)
[ "$links" = lo ] || fail "network devices other than lo: $links"
echo "guest: $(uname -r), systemd $(systemctl --version | awk 'NR==1 {print $2}'), controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
