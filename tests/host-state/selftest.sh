#!/usr/bin/env bash
# selftest.sh: host-state.sh compare passes on an unchanged host and fails, naming the line,
# when the snapshot differs (here: a snapshot edited to show net_cls on another hierarchy).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bash "$here/host-state.sh" snapshot "$dir/snap" >/dev/null || { echo "FAIL: snapshot failed" >&2; exit 1; }
bash "$here/host-state.sh" compare "$dir/snap" >/dev/null || { echo "FAIL: compare of an unchanged host failed" >&2; exit 1; }
grep -q '^/proc/cgroups: net_cls hierarchy ' "$dir/snap" || { echo "FAIL: no net_cls line in the snapshot" >&2; exit 1; }
sed -i 's|^/proc/cgroups: net_cls hierarchy .*|/proc/cgroups: net_cls hierarchy 999|' "$dir/snap"
if bash "$here/host-state.sh" compare "$dir/snap" 2>"$dir/err"; then
  echo "FAIL: compare passed although the snapshot differs" >&2
  exit 1
fi
grep -q '^-/proc/cgroups: net_cls hierarchy 999' "$dir/err" || { echo "FAIL: compare did not name the difference: $(cat "$dir/err")" >&2; exit 1; }
echo "PASS: host-state.sh compare passes unchanged and names a difference"
