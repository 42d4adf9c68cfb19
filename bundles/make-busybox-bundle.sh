#!/usr/bin/env bash
# make-busybox-bundle.sh [--rootfs-only] DIR [RT]
# Builds a minimal OCI bundle in DIR: rootfs/ from Debian's busybox-static (one static
# binary plus its applet links) and config.json from `rt spec`. Nothing is downloaded.
# --rootfs-only builds DIR/rootfs alone (engines bring their own config: podman --rootfs,
# umoci images for containerd).
set -euo pipefail

rootfs_only=0
if [ "${1:-}" = --rootfs-only ]; then
  rootfs_only=1
  shift
fi
dir=${1:?usage: make-busybox-bundle.sh [--rootfs-only] DIR [RT]}
rt=${2:-$(cd "$(dirname "$0")/.." && pwd)/build/bin/rt}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make-busybox-bundle: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
# (ldd exits 1 for a static binary: its text is what tells, not its status under pipefail)
ldd_says=$(ldd "$busybox" 2>&1 || true)
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || grep -q 'not a dynamic' <<<"$ldd_says" ||
  { echo "make-busybox-bundle: $busybox is not static (install busybox-static)" >&2; exit 1; }

rootfs=$dir/rootfs
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,root,run,var/tmp}
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list-full); do
  [ -e "$rootfs/$applet" ] || ln -s /bin/busybox "$rootfs/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
: >"$rootfs/etc/hosts"
: >"$rootfs/etc/resolv.conf"

if ((rootfs_only)); then
  echo "rootfs ready: $rootfs"
  exit 0
fi
if [ ! -e "$dir/config.json" ]; then
  "$rt" spec --bundle "$dir"
fi
echo "bundle ready: $dir"
