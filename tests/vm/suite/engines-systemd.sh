#!/usr/bin/env bash
# podman with its systemd cgroup manager (the default on systemd hosts) calling runc (the
# reference, first) and rt: run with -m/--pids-limit, exec, stats, update, rm, and the unit
# systemd keeps for the container (tests/integration/engines/podman.sh, case systemd).
. "$(dirname "$0")/lib.sh"
rc=0
for runtime in /usr/sbin/runc "$bin/rt"; do
  echo "-- podman --cgroup-manager systemd --runtime $runtime"
  RUNTIME=$runtime bash tests/integration/engines/podman.sh systemd || rc=1
done
exit "$rc"
