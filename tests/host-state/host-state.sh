#!/usr/bin/env bash
# host-state.sh snapshot FILE | compare FILE
# What a test run must leave as it found it on the host, kernel-wide: the cgroup hierarchies.
#   - /proc/cgroups: which hierarchy each controller is bound to (0: none / the v2 one). A v1
#     hierarchy a test mounts in a private mount namespace outlives it when it still has child
#     cgroups at its last unmount; every process then carries it in /proc/self/cgroup.
#   - /proc/self/cgroup: the hierarchies (id and controllers or name=, not the paths), which
#     also shows named v1 hierarchies (name=X) that /proc/cgroups does not list.
#   - the host's cgroup mounts (/proc/self/mountinfo, this process's namespace: the host's
#     under ctest): /sys/fs/cgroup and every cgroup/cgroup2 mount, with mount ids, devices,
#     options and propagation, so an unmount, remount or move shows.
# compare exits 1 naming every difference. Counts (num_cgroups) are left out: other tests
# and the host's own services create and remove cgroups all the time.
set -euo pipefail

state() {
  awk 'NR > 1 {print "/proc/cgroups: " $1 " hierarchy " $2}' /proc/cgroups
  awk -F: '{print "/proc/self/cgroup: hierarchy " $1 " " $2}' /proc/self/cgroup
  awk '{
    sep = 0
    for (i = 1; i <= NF; i++) if ($i == "-") { sep = i; break }
    if (sep && ($(sep + 1) == "cgroup" || $(sep + 1) == "cgroup2" || $5 == "/sys/fs/cgroup"))
      print "mountinfo: " $0
  }' /proc/self/mountinfo
}

# A v1 hierarchy bound in /proc/cgroups that no mount of this namespace shows (left by a run
# before this one: the snapshot cannot see who did it, only that the host is not clean).
unmounted_hierarchies() {
  local ctrl hier
  while read -r ctrl hier _; do
    [ "$hier" = 0 ] && continue
    awk -v c="$ctrl" '{
      sep = 0
      for (i = 1; i <= NF; i++) if ($i == "-") { sep = i; break }
      if ($(sep + 1) == "cgroup" && ("," $NF ",") ~ ("," c ",")) found = 1
    } END {exit !found}' /proc/self/mountinfo || echo "$ctrl (hierarchy $hier)"
  done < <(awk 'NR > 1' /proc/cgroups)
}

case "${1:-}" in
  snapshot)
    state >"$2"
    left=$(unmounted_hierarchies | tr '\n' ' ')
    [ -z "$left" ] || echo "host-state: warning: bound v1 hierarchies no host mount shows" \
      "(left by an earlier run; conformance/with-net-cls.sh --release frees net_cls): $left" >&2
    echo "host-state: $(wc -l <"$2") lines recorded in $2"
    ;;
  compare)
    [ -s "$2" ] || { echo "host-state: no snapshot $2 (the fixture's setup did not run)" >&2; exit 1; }
    now=$(mktemp)
    trap 'rm -f "$now"' EXIT
    state >"$now"
    if ! diff -u "$2" "$now" >"$now.diff"; then
      echo "host-state: the host's cgroup hierarchies or mounts changed during the test run" \
        "(- before, + after):" >&2
      grep '^[-+][^-+]' "$now.diff" >&2
      rm -f "$now.diff"
      exit 1
    fi
    rm -f "$now.diff"
    echo "host-state: /proc/cgroups, the hierarchies and the host's cgroup mounts are unchanged"
    ;;
  *)
    echo "usage: host-state.sh snapshot FILE | compare FILE" >&2
    exit 2
    ;;
esac
