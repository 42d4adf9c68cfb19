#!/usr/bin/env bash
# demo-test.sh BUILD_DIR [--debian]: the README's main command (scripts/demo.sh) works and leaves
# nothing: run twice in a row (--no-build, on BUILD_DIR's binaries), each run must show both
# containers' `rt info`, get 3 of 3 ping replies across the bridge, and end with no
# container, veth, lease, bridge or lease dir of its own. The plugins and the default
# network are installed into private dirs and rt uses a private --root: the machine's
# /opt/cni/bin, /etc/cni/net.d and /run/rt are not touched.
#
# The demo's network is the shipped one (bridge rt0, 10.230.0.0/24, leases in
# /var/lib/cni/networks/rt0): if rt0 exists already (a demo running on this machine), the
# test is skipped (77), naming it. With --debian, the demo runs on the Debian bundle, from
# the debootstrap cache (/var/cache/rt/debian-bookworm, or RT_DEBIAN_CACHE): skipped when
# there is no cache, as building one downloads from a Debian mirror.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
build_dir=${1:?usage: demo-test.sh BUILD_DIR [--debian]}
flavour=()
if [ "${2:-}" = --debian ]; then
  flavour=(--debian)
  cache=${RT_DEBIAN_CACHE:-/var/cache/rt/debian-bookworm}
  if [ ! -f "$cache/.rt-complete" ]; then
    echo "demo-test: SKIP: no Debian bundle cache in $cache (build it once: bundles/make-debian-bundle.sh DIR; it downloads from a Debian mirror)" >&2
    exit 77
  fi
fi
[ "$(id -u)" -eq 0 ] || { echo "demo-test: needs root" >&2; exit 1; }
if ip link show rt0 >/dev/null 2>&1; then
  echo "demo-test: SKIP: bridge rt0 exists (the default network is in use on this machine)" >&2
  exit 77
fi
leases=/var/lib/cni/networks/rt0
had_leases=0
[ -e "$leases" ] && had_leases=1

work=$(mktemp -d /tmp/rt-demo-test.XXXXXX)
export RT_DEMO_ROOT=$work/root RT_DEMO_CNI_BIN_DIR=$work/cni-bin RT_DEMO_CNI_CONF_DIR=$work/cni-conf
export RT_DEMO_BUILD_DIR=$build_dir RT_DEMO_DIR=$work/bundles
rt=("$build_dir/bin/rt" --root "$RT_DEMO_ROOT")

# Also when a run fails or the test is killed: containers, bridge, lease dir, work dir.
demo_pid=
cleanup() {
  local id
  # a demo still running (the test was interrupted): stop it and its children first
  [ -z "$demo_pid" ] || kill -TERM -- "-$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null
  for id in demo-c1 demo-c2; do timeout 30 "${rt[@]}" delete --force "$id" 2>/dev/null; done
  if ip link show rt0 >/dev/null 2>&1 && [ -z "$(ip -o link show master rt0)" ]; then ip link del rt0; fi
  ((had_leases)) || rm -rf "$leases"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
  echo "demo-test: FAIL: $*" >&2
  exit 1
}

for run in 1 2; do
  echo "=== demo run $run"
  # in its own process group (setsid), in the background: a signal to this test runs the
  # cleanup at once, and the cleanup can stop the whole demo
  (cd "$repo" && exec setsid timeout -k 5 120 ./scripts/demo.sh --no-build "${flavour[@]}" >"$work/out" 2>&1) &
  demo_pid=$!
  wait "$demo_pid"
  rc=$?
  demo_pid=
  out=$(cat "$work/out")
  printf '%s\n' "$out"
  ((rc == 0)) || fail "run $run: demo.sh exited $rc"
  for want in ">>> rt info demo-c1" ">>> rt info demo-c2" \
    "RESULT: demo-c1 reached demo-c2: 3 of 3 replies, ttl=64" \
    "nothing is left: the next run starts from the same clean state" ">>> done"; do
    [[ "$out" == *"$want"* ]] || fail "run $run: output lacks '$want'"
  done
  [ "$(grep -c '^ *Bridge: *rt0$' <<<"$out")" = 2 ] || fail "run $run: expected both containers on bridge rt0"
  [ "$(grep -c '^ *IPv4: *10\.230\.0\.' <<<"$out")" = 2 ] || fail "run $run: expected one IPv4 on rt0 per container"
  [ "$(grep -c '^ *IPv6: *fd00:230::' <<<"$out")" = 2 ] || fail "run $run: expected one IPv6 on rt0 per container"
  # left behind? (checked here too, not only by the demo itself)
  ! ip link show rt0 >/dev/null 2>&1 || fail "run $run: bridge rt0 left"
  [ -z "$(ip -o link show | grep 'rt-bridge rt0 demo-c')" ] || fail "run $run: a demo veth left"
  [ -z "$("${rt[@]}" list -q 2>/dev/null)" ] || fail "run $run: containers left: $("${rt[@]}" list -q)"
  ((had_leases)) || [ ! -e "$leases" ] || fail "run $run: lease dir $leases left: $(ls -A "$leases")"
done
[ -x "$RT_DEMO_CNI_BIN_DIR/rt-bridge" ] && [ -f "$RT_DEMO_CNI_CONF_DIR/10-rt0.conflist" ] ||
  fail "the plugins and the default network were not installed where asked"
echo "demo-test: PASS"
