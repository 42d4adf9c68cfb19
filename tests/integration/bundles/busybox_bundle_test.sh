#!/usr/bin/env bash
# busybox_bundle_test.sh MAKE_BUNDLE RT
# Builds a busybox bundle in a fresh temp dir with the given rt, then checks what a runtime
# will need: config.json is rt spec's default and validates, rootfs/bin/sh is busybox (a
# static binary) and really runs inside the rootfs (chroot, as root). Removes the dir.
set -euo pipefail
make_bundle=${1:?usage: busybox_bundle_test.sh MAKE_BUNDLE RT}
rt=${2:?usage: busybox_bundle_test.sh MAKE_BUNDLE RT}

fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (chroot into the rootfs)"

dir=$(mktemp -d /tmp/rt-bundle-test-XXXXXX)
trap 'rm -rf "$dir"' EXIT
bundle=$dir/busybox

"$make_bundle" "$bundle" "$rt"

# config.json: exactly what `rt spec` writes, and valid with the rootfs present.
[ -f "$bundle/config.json" ] || fail "no config.json"
"$rt" spec --bundle "$dir" >/dev/null
cmp "$bundle/config.json" "$dir/config.json" || fail "config.json is not rt spec's default"
"$rt" validate --bundle "$bundle" | grep -qx "$bundle/config.json: valid" || fail "rt validate"
grep -q '"path": "rootfs"' "$bundle/config.json" || fail "root.path is not rootfs"

# rootfs/bin/sh: busybox, static, and it runs in the rootfs with nothing else there.
sh=$bundle/rootfs/bin/sh
[ -L "$sh" ] || fail "rootfs/bin/sh is not a link"
[ "$(readlink "$sh")" = /bin/busybox ] || fail "rootfs/bin/sh -> $(readlink "$sh")"
[ -x "$bundle/rootfs/bin/busybox" ] || fail "rootfs/bin/busybox missing"
out=$(chroot "$bundle/rootfs" /bin/sh -c 'echo hello from $(readlink /bin/sh); ls /etc/passwd')
[ "$out" = $'hello from /bin/busybox\n/etc/passwd' ] || fail "chroot sh said: $out"
[ -d "$bundle/rootfs/proc" ] && [ -d "$bundle/rootfs/dev" ] && [ -d "$bundle/rootfs/sys" ] || fail "mount points"
[ "$(stat -c %a "$bundle/rootfs/tmp")" = 1777 ] || fail "rootfs/tmp mode"

# Running it again keeps an existing config.json (rt spec refuses to overwrite).
echo '{"custom": true}' >"$bundle/config.json"
"$make_bundle" "$bundle" "$rt" >/dev/null
grep -q custom "$bundle/config.json" || fail "existing config.json replaced"
echo "PASS"
