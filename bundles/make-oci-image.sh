#!/usr/bin/env bash
# make-oci-image.sh WORKDIR OUT.tar
# Builds an OCI image archive (an image layout, tarred) of the busybox rootfs with umoci, for
# engines that run images rather than bundles: `ctr image import --base-name NAME OUT.tar`
# gives NAME:latest. Nothing is downloaded; WORKDIR holds the intermediate layout.
# The image's default command waits until SIGTERM (or SIGKILL), so it also serves as a
# pod's sandbox ("pause") image for containerd's CRI.
set -euo pipefail

work=${1:?usage: make-oci-image.sh WORKDIR OUT.tar}
out=${2:?usage: make-oci-image.sh WORKDIR OUT.tar}
command -v umoci >/dev/null || { echo "make-oci-image: umoci missing (apt-get install umoci)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$work"
layout=$work/layout
unpacked=$work/unpacked
rm -rf "$layout" "$unpacked"
"$here/make-busybox-bundle.sh" --rootfs-only "$work/busybox" >/dev/null

umoci init --layout "$layout"
umoci new --image "$layout:latest"
# umoci tracks changes against an unpacked copy: unpack the empty image, put the busybox
# tree in its place, and repack it as the image's one layer.
umoci unpack --image "$layout:latest" "$unpacked" >/dev/null
rm -rf "$unpacked/rootfs"
cp -a "$work/busybox/rootfs" "$unpacked/rootfs"
umoci repack --image "$layout:latest" "$unpacked"
umoci config --image "$layout:latest" \
  --config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  --config.cmd /bin/sh --config.cmd -c \
  --config.cmd 'trap "exit 0" TERM; sleep 2147483647 & wait'
umoci gc --layout "$layout"
rm -rf "$unpacked"
tar -C "$layout" -cf "$out" .
echo "image ready: $out"
