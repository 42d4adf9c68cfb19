#!/usr/bin/env bash
# conformance/with-net-cls.sh CMD...: runs CMD in a private mount namespace whose
# /sys/fs/cgroup also has a cgroup v1 net_cls,net_prio hierarchy, so the "network" resource
# tests have the controllers to check (this project's machines mount neither; a host that does
# keeps its own). /sys/fs/cgroup becomes a private tmpfs with the host's hierarchies bound back
# (runc looks for /sys/fs/cgroup/<controller>); nothing of the host is unmounted or remounted.
#
# conformance/with-net-cls.sh --release: only the release below (for a host an earlier run, or
# an older version of this script, left with the hierarchy bound).
#
# A v1 hierarchy is kernel-wide: it outlives the namespace that mounted it unless, when its
# last mount goes, it has no child cgroups left (the kernel then destroys it; a child that was
# rmdir'ed but is not yet released still counts). Left bound, every process gets a
# "N:net_cls,net_prio:/" line in /proc/self/cgroup that no mount on the host matches, and
# containerd's cgroup library fails on the host until reboot. So after CMD the hierarchy is
# released: mounted once more in a private namespace, emptied of child cgroups, waited on
# until /proc/cgroups counts only its root, unmounted; done when /proc/cgroups shows hierarchy
# 0 for net_cls and net_prio again. The run fails if it cannot get there.
set -euo pipefail

# hierarchy and num_cgroups of net_cls in /proc/cgroups
net_cls_hierarchy() { awk '$1 == "net_cls" {print $2}' /proc/cgroups; }
net_cls_cgroups() { awk '$1 == "net_cls" {print $3}' /proc/cgroups; }
host_mounts_net_cls() {
  awk '$0 ~ / - cgroup / && $NF ~ /(^|,)net_(cls|prio)(,|$)/ {found = 1} END {exit !found}' \
    /proc/self/mountinfo
}

# One attempt: mount the (existing) hierarchy in a private namespace, remove every child cgroup
# (deepest first; a process still in one is a container the run left: it is killed and
# reported), wait until the kernel has released them, unmount.
_release_once() {
  local dir=$1
  unshare -m --propagation private bash -c '
    set -u
    dir=$1
    mount -t cgroup -o nosuid,nodev,noexec,net_cls,net_prio cgroup "$dir" || exit 1
    left=$(find "$dir" -mindepth 2 -name cgroup.procs -exec cat {} + 2>/dev/null | tr "\n" " ")
    if [ -n "$left" ]; then
      echo "with-net-cls.sh: processes left in net_cls cgroups (killed): $left" >&2
      kill -9 $left 2>/dev/null
      sleep 0.5
      killed=1
    fi
    for i in $(seq 1 50); do
      find "$dir" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
      [ "$(awk "\$1 == \"net_cls\" {print \$3}" /proc/cgroups)" = 1 ] && break
      sleep 0.2
    done
    umount "$dir" || exit 1
    [ -z "${killed:-}" ] || exit 3
  ' bash "$dir"
}

release() {
  [ "$(net_cls_hierarchy)" != 0 ] || return 0
  if host_mounts_net_cls; then
    echo "with-net-cls.sh: the host mounts net_cls/net_prio itself: not released" >&2
    return 0
  fi
  local dir rc leaked=0
  dir=$(mktemp -d /run/rt-net-cls-release-XXXXXX)
  for _ in 1 2 3; do
    rc=0
    _release_once "$dir" || rc=$?
    ((rc != 3)) || leaked=1
    # the kernel destroys the hierarchy asynchronously after the last unmount
    for _ in $(seq 1 25); do
      [ "$(net_cls_hierarchy)" = 0 ] && break 2
      sleep 0.2
    done
  done
  rmdir "$dir"
  if [ "$(net_cls_hierarchy)" != 0 ]; then
    echo "with-net-cls.sh: cannot release the net_cls,net_prio hierarchy: /proc/cgroups still" \
      "shows hierarchy $(net_cls_hierarchy) with $(net_cls_cgroups) cgroups (a process or mount" \
      "namespace of this run still holds it?)" >&2
    return 1
  fi
  echo "with-net-cls.sh: net_cls,net_prio hierarchy released (/proc/cgroups: hierarchy 0)"
  # a process the run left behind is a failure of the run, even though it is gone now
  ((leaked == 0))
}

if [ -z "${RT_NET_CLS_INSIDE:-}" ]; then
  # one user of the kernel-wide hierarchy at a time on this machine (the release empties it)
  exec 9>/run/rt-net-cls.lock
  flock 9
  if [ "${1:-}" = --release ]; then
    release
    exit
  fi
  if host_mounts_net_cls; then
    exec "$@"
  fi
  if [ "$(net_cls_hierarchy)" != 0 ]; then
    echo "with-net-cls.sh: net_cls is bound to hierarchy $(net_cls_hierarchy) but not mounted" \
      "on the host (left by an earlier run): releasing it first" >&2
    release
  fi
  work=$(mktemp -d /run/rt-net-cls-XXXXXX)
  rc=0
  RT_NET_CLS_INSIDE=$work unshare -m --propagation private "$0" "$@" || rc=$?
  rmdir "$work"
  release || rc=1
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
exec 9>&-
exec "$@"
