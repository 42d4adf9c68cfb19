#!/usr/bin/env bash
# make-debian-bundle.sh [--refresh] DIR [RT]
# Builds an OCI bundle in DIR whose rootfs is a minimal Debian 12 (bookworm), as LXC's
# `lxc-create -t debian` did: `debootstrap --variant=minbase` plus iproute2 and ping, and
# config.json from `rt spec` (RT defaults to build/bin/rt; any runc-compatible `spec` works).
#
# The debootstrap tree is cached outside the repo, in $RT_DEBIAN_CACHE (default
# /var/cache/rt/debian-bookworm): only the first build downloads (from the Debian mirror apt
# uses here, or $RT_DEBIAN_MIRROR); later builds copy the cache. --refresh rebuilds it.
# The test suite never needs this bundle; `scripts/demo.sh --debian` uses it.
set -euo pipefail

refresh=0
if [ "${1:-}" = --refresh ]; then
  refresh=1
  shift
fi
dir=${1:?usage: make-debian-bundle.sh [--refresh] DIR [RT]}
rt=${2:-$(cd "$(dirname "$0")/.." && pwd)/build/bin/rt}
cache=${RT_DEBIAN_CACHE:-/var/cache/rt/debian-bookworm}
suite=bookworm
extra_packages=iproute2,iputils-ping

die() {
  echo "make-debian-bundle: $*" >&2
  exit 1
}
[ "$(id -u)" -eq 0 ] || die "debootstrap needs root"

# The mirror apt already uses for the main archive (deb822 .sources or one-line sources.list).
find_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / '"$suite"'( |$)/ && u != "" {print u; exit}' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  if [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $3 == "'"$suite"'" {print $2; exit}' /etc/apt/sources.list)
    [ -n "$uri" ] && { echo "$uri"; return; }
  fi
  return 1
}

if ((refresh)) || [ ! -f "$cache/.rt-complete" ]; then
  command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
  mirror=${RT_DEBIAN_MIRROR:-$(find_mirror)} ||
    die "no Debian $suite mirror found in apt's sources; set RT_DEBIAN_MIRROR"
  echo "make-debian-bundle: debootstrap --variant=minbase $suite from $mirror into $cache (first build only)"
  tmp=$cache.tmp.$$
  rm -rf "$tmp"
  mkdir -p "$(dirname "$cache")"
  trap 'rm -rf "$tmp"' EXIT
  debootstrap --variant=minbase --include="$extra_packages" "$suite" "$tmp" "$mirror" >"$tmp.log" 2>&1 ||
    {
      tail -n 20 "$tmp.log" >&2
      rm -f "$tmp.log"
      die "debootstrap failed"
    }
  rm -f "$tmp.log"
  # apt's package lists and downloaded .debs are not needed in a container rootfs
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
  touch "$tmp/.rt-complete"
  rm -rf "$cache"
  mv "$tmp" "$cache"
  trap - EXIT
fi

mkdir -p "$dir"
rm -rf "$dir/rootfs"
cp -a "$cache" "$dir/rootfs"
rm -f "$dir/rootfs/.rt-complete"
# the container's names and resolver come from its own config, not the build host's
: >"$dir/rootfs/etc/resolv.conf"
echo "rt-debian" >"$dir/rootfs/etc/hostname"

if [ ! -e "$dir/config.json" ]; then
  [ -x "$rt" ] || die "$rt missing: build rt first, or pass a runc-compatible RT"
  "$rt" spec --bundle "$dir"
fi
echo "bundle ready: $dir (Debian $suite, $(du -sh "$dir/rootfs" | cut -f1))"
