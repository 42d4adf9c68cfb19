#!/usr/bin/env bash
# install-network-test.sh: scripts/install-network.sh installs the plugins and the default
# network idempotently, never clobbers the user's files, and uninstalls only its own.
# Runs without root, in a temp dir, with stand-in plugin binaries.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
script=$repo/scripts/install-network.sh
ours=$repo/runtime/net/conf/10-rt0.conflist
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() {
  echo "FAIL: install-network: $*" >&2
  exit 1
}
inst() { "$script" --bin-src "$t/build" --cni-bin-dir "$t/bin" --cni-conf-dir "$t/conf" "$@"; }

echo "-- the default network is the documented one"
jq -e '.cniVersion == "1.0.0" and .name == "rt0" and (.plugins | length) == 1
  and .plugins[0].type == "rt-bridge" and .plugins[0].bridge == "rt0"
  and .plugins[0].ipam.type == "rt-host-local"
  and .plugins[0].ipam.ranges[0][0].subnet == "10.230.0.0/24"
  and .plugins[0].ipam.ranges[1][0].subnet == "fd00:230::/64"' "$ours" >/dev/null ||
  fail "$ours is not the documented rt0 network"

mkdir -p "$t/build"
for p in rt-bridge rt-host-local; do printf '#!/bin/sh\necho %s v1\n' "$p" >"$t/build/$p"; done
chmod 755 "$t/build"/*

echo "-- fresh install"
inst >/dev/null || fail "first install failed"
for p in rt-bridge rt-host-local; do
  cmp -s "$t/build/$p" "$t/bin/$p" && [ -x "$t/bin/$p" ] || fail "$p not installed"
done
cmp -s "$ours" "$t/conf/10-rt0.conflist" || fail "conflist not installed"

echo "-- again: nothing changes"
before=$(stat -c '%i %Y' "$t/bin/rt-bridge" "$t/conf/10-rt0.conflist")
out=$(inst) || fail "second install failed"
[ "$before" = "$(stat -c '%i %Y' "$t/bin/rt-bridge" "$t/conf/10-rt0.conflist")" ] || fail "second install rewrote files"
[ "$(grep -c 'up to date' <<<"$out")" = 3 ] || fail "second install did not report 3 files up to date: $out"
[ -z "$(find "$t/bin" "$t/conf" -name '.*.new')" ] || fail "temp files left"

echo "-- a new build replaces the plugins"
printf '#!/bin/sh\necho v2\n' >"$t/build/rt-bridge"
inst >/dev/null || fail "update failed"
cmp -s "$t/build/rt-bridge" "$t/bin/rt-bridge" || fail "rt-bridge not updated"

echo "-- a conflist the user changed is kept"
echo '{"user": true}' >"$t/conf/10-rt0.conflist"
out=$(inst) || fail "install over a user conflist failed"
[ "$(cat "$t/conf/10-rt0.conflist")" = '{"user": true}' ] || fail "user conflist clobbered"
[[ "$out" == *kept* ]] || fail "install did not say it kept the user's conflist: $out"

echo "-- another conflist already naming network rt0: ours is not added"
rm -rf "$t/conf" && mkdir -p "$t/conf"
printf '{"cniVersion": "1.0.0", "name": "rt0", "plugins": []}\n' >"$t/conf/50-mine.conflist"
inst >/dev/null || fail "install next to a user rt0 network failed"
[ ! -e "$t/conf/10-rt0.conflist" ] || fail "installed a second network named rt0"

echo "-- uninstall removes only what is still ours"
rm -rf "$t/conf" && mkdir -p "$t/conf"
inst >/dev/null
echo "# changed" >>"$t/bin/rt-host-local"
inst --uninstall >/dev/null || fail "uninstall failed"
[ ! -e "$t/bin/rt-bridge" ] && [ ! -e "$t/conf/10-rt0.conflist" ] || fail "uninstall left our files"
[ -e "$t/bin/rt-host-local" ] || fail "uninstall removed a plugin that is not ours any more"

echo "-- one executable under two names (hard links) is installed as one file"
rm -rf "$t/bin" "$t/conf" && mkdir -p "$t/conf"
ln -f "$t/build/rt-bridge" "$t/build/rt-host-local"
inst >/dev/null || fail "install of linked plugins failed"
[ "$t/bin/rt-bridge" -ef "$t/bin/rt-host-local" ] || fail "rt-host-local not installed as a hard link of rt-bridge"
out=$(inst) || fail "second install of linked plugins failed"
[ "$(grep -c 'up to date' <<<"$out")" = 3 ] || fail "linked plugins not reported up to date: $out"
cp --remove-destination "$t/bin/rt-bridge" "$t/bin/rt-host-local"  # an install by an older script
inst >/dev/null && [ "$t/bin/rt-bridge" -ef "$t/bin/rt-host-local" ] || fail "separate copies not relinked"
rm -f "$t/build/rt-bridge" "$t/build/rt-host-local"
printf '#!/bin/sh\necho v3\n' >"$t/build/rt-bridge" && chmod 755 "$t/build/rt-bridge"
ln -f "$t/build/rt-bridge" "$t/build/rt-host-local"
inst >/dev/null || fail "update of linked plugins failed"
cmp -s "$t/build/rt-bridge" "$t/bin/rt-host-local" && [ "$t/bin/rt-bridge" -ef "$t/bin/rt-host-local" ] ||
  fail "linked plugins not updated as one file"
[ -z "$(find "$t/bin" -name '.*.new')" ] || fail "temp files left after a linked install"

echo "-- missing build: clear error"
rm -rf "$t/build"
out=$(inst 2>&1) && fail "install without a build succeeded"
[[ "$out" == *"missing: build first"* ]] || fail "unclear error without a build: $out"
echo "PASS: install-network"
