#!/usr/bin/env bash
# tests/vm/build-image.sh: builds the test VM's guest (Debian 12, systemd as PID 1, pure
# cgroup v2) from Debian packages only, into a cache keyed by a hash of the recipe (this
# script, guest/ and the package list), and prints the cache directory.
#   kernel:  linux-image-6.1.*-amd64 (apt-get download + dpkg-deb -x: nothing installed on the host)
#   initrd:  busybox-static + the virtio/ext4/9p modules, an /init that mounts /dev/vda
#   rootfs:  debootstrap --variant=minbase, made into an ext4 image with mkfs.ext4 -d
# Rebuilt only when the recipe changes; RT_VM_CACHE (default /var/cache/rt-vm) holds it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${RT_VM_CACHE:-/var/cache/rt-vm}

# What the guest's tests need (runc for side-by-side runs, the engines, criu, the libraries
# the project's dynamically linked test binaries use).
packages=(
  systemd systemd-sysv dbus kmod udev
  runc crun podman containerd conmon catatonit criu containernetworking-plugins
  iptables nftables uidmap jq procps iproute2 busybox-static util-linux strace
  libseccomp2 libnl-3-200 libnl-route-3-200 libboost-test1.74.0 libsystemd0
)
kernel_package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6\.1/ {print $2; exit}'; }
kernel_pkg=$(kernel_package)
if [ -z "$kernel_pkg" ]; then
  apt-get update -qq >&2
  kernel_pkg=$(kernel_package)
fi
[ -n "$kernel_pkg" ] || { echo "build-image.sh: no linux-image-6.1.*-amd64 in apt's lists (run apt-get update)" >&2; exit 1; }

key=$( { cat "$0" "$here"/guest/*; echo "${packages[*]} $kernel_pkg"; } | sha256sum | cut -c1-16)
out=$cache_root/$key
if [ -f "$out/ready" ]; then
  echo "$out"
  exit 0
fi

for tool in debootstrap mkfs.ext4 cpio depmod qemu-img; do
  command -v "$tool" >/dev/null || { echo "build-image.sh: $tool not installed (scripts/install-deps.sh)" >&2; exit 1; }
done
mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/build-XXXXXX")
cleanup() {
  # debootstrap mounts /proc and /sys in the target while it runs; make sure none stays
  for m in $(awk -v w="$work" '$2 ~ "^"w {print $2}' /proc/self/mounts | sort -r); do umount -l "$m" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
log=$work/build.log
echo "build-image.sh: building the test VM image in $out (log: $log)" >&2

# 1. kernel and modules from the Debian package
(cd "$work" && apt-get download "$kernel_pkg" >>"$log" 2>&1)
dpkg-deb -x "$work"/"$kernel_pkg"_*.deb "$work/kernel"
kver=${kernel_pkg#linux-image-}
depmod -b "$work/kernel" "$kver"

# 2. initrd: busybox + the modules to reach the root disk and the 9p shares
mkdir -p "$work/initrd"/{bin,dev,proc,sys,newroot,lib/modules}
cp /bin/busybox "$work/initrd/bin/busybox"
for m in virtio_pci virtio_blk ext4 9pnet_virtio 9p; do
  modprobe -d "$work/kernel" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' > "$work/modules.list"
while read -r ko; do
  cp "$ko" "$work/initrd/lib/modules/"
  echo "/lib/modules/$(basename "$ko")"
done < "$work/modules.list" > "$work/initrd/modules.order"
install -m 0755 "$here/guest/initrd-init" "$work/initrd/init"
(cd "$work/initrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.img"

# 3. root file system
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
root=$work/root
debootstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" bookworm "$root" "$mirror" >>"$log" 2>&1 ||
  { tail -n 20 "$log" >&2; echo "build-image.sh: debootstrap failed (log above)" >&2; exit 1; }
mkdir -p "$root/lib/modules"
cp -a "$work/kernel/lib/modules/$kver" "$root/lib/modules/"
echo rt-vm > "$root/etc/hostname"
printf '/dev/vda / ext4 rw,relatime 0 1\n' > "$root/etc/fstab"
install -m 0755 "$here/guest/rt-vm-run" "$root/usr/local/sbin/rt-vm-run"
install -m 0644 "$here/guest/rt-vm-run.service" "$root/etc/systemd/system/rt-vm-run.service"
ln -sf /etc/systemd/system/rt-vm-run.service "$root/etc/systemd/system/multi-user.target.wants/rt-vm-run.service"
# Nothing else starts on its own: the tests start the engines they need; timers would only
# make boots slower and less repeatable.
for unit in containerd.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
  man-db.timer fstrim.timer e2scrub_all.timer dpkg-db-backup.timer systemd-timesyncd.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
mkfs.ext4 -q -L rt-vm -d "$root" "$work/rootfs.img" 3G >>"$log" 2>&1

mkdir -p "$out"
mv "$work/rootfs.img" "$work/initrd.img" "$out/"
cp "$work/kernel/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$kernel_pkg" > "$out/kernel"
touch "$out/ready"
# older images of other recipes are of no further use
for old in "$cache_root"/*; do
  case $(basename "$old") in
    "$key" | build-*) ;;
    *) [[ $(basename "$old") =~ ^[0-9a-f]{16}$ ]] && rm -rf "$old" ;;
  esac
done
echo "$out"
