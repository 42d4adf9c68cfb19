#!/usr/bin/env bash
# conformance/with-net-cls.sh CMD...: runs CMD in a private mount namespace whose
# /sys/fs/cgroup also has a cgroup v1 net_cls,net_prio hierarchy, so the "network" resource
# tests have the controllers to check (this project's machines mount neither; a host that does
# keeps its own). /sys/fs/cgroup becomes a private tmpfs with the host's hierarchies bound back
# (runc looks for /sys/fs/cgroup/<controller>); nothing of the host is unmounted or remounted.
# The new hierarchy lives as long as this namespace and the cgroups the tests create in it.
set -euo pipefail
if [ -z "${RT_NET_CLS_INSIDE:-}" ]; then
  work=$(mktemp -d /run/rt-net-cls-XXXXXX)
  trap 'rmdir "$work"' EXIT
  rc=0
  RT_NET_CLS_INSIDE=$work unshare -m --propagation private "$0" "$@" || rc=$?
  exit "$rc"
fi
work=$RT_NET_CLS_INSIDE
mount -t tmpfs rt-net-cls "$work"
mkdir "$work/host"
mount --rbind /sys/fs/cgroup "$work/host"
mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
for entry in "$work"/host/*; do
  name=$(basename "$entry")
  if [ -L "$entry" ]; then
    ln -s "$(readlink "$entry")" "/sys/fs/cgroup/$name"
  else
    mkdir "/sys/fs/cgroup/$name"
    mount --rbind "$entry" "/sys/fs/cgroup/$name"
  fi
done
umount -l "$work/host"
if [ ! -e /sys/fs/cgroup/net_cls ]; then
  mkdir /sys/fs/cgroup/net_cls,net_prio
  mount -t cgroup -o nosuid,nodev,noexec,net_cls,net_prio cgroup /sys/fs/cgroup/net_cls,net_prio
  ln -s net_cls,net_prio /sys/fs/cgroup/net_cls
  ln -s net_cls,net_prio /sys/fs/cgroup/net_prio
fi
unset RT_NET_CLS_INSIDE
exec "$@"
