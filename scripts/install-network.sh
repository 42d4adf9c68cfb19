#!/usr/bin/env bash
# install-network.sh [--bin-src DIR] [--cni-bin-dir DIR] [--cni-conf-dir DIR] [--uninstall]
# Installs rt's CNI plugins and its default network, the way CNI users expect them:
#   rt-bridge, rt-host-local  ->  /opt/cni/bin            (from build/bin; one executable
#                                                          under two names: installed as
#                                                          hard links of one file, so
#                                                          rt-bridge runs its IPAM in-process)
#   10-rt0.conflist           ->  /etc/cni/net.d          (network "rt0": bridge rt0,
#                                                          10.230.0.0/24 + fd00:230::/64)
# Idempotent: run it again and nothing changes. It never overwrites a file it did not
# install: a conflist the user changed, or another conflist already naming a network
# "rt0", is kept and reported. --uninstall removes only files still identical to ours.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin_src=$repo/build/bin
bin_dir=/opt/cni/bin
conf_dir=/etc/cni/net.d
uninstall=0
while (($#)); do
  case "$1" in
    --bin-src) bin_src=$2; shift 2 ;;
    --cni-bin-dir) bin_dir=$2; shift 2 ;;
    --cni-conf-dir) conf_dir=$2; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    *) echo "usage: install-network.sh [--bin-src DIR] [--cni-bin-dir DIR] [--cni-conf-dir DIR] [--uninstall]" >&2; exit 2 ;;
  esac
done
plugins=(rt-bridge rt-host-local)
conflist_src=$repo/runtime/net/conf/10-rt0.conflist
conflist=$conf_dir/$(basename "$conflist_src")
network=$(sed -n 's/^  "name": "\(.*\)",$/\1/p' "$conflist_src")

say() { echo "install-network: $*"; }

if ((uninstall)); then
  for p in "${plugins[@]}"; do
    if [ -f "$bin_dir/$p" ] && cmp -s "$bin_src/$p" "$bin_dir/$p"; then
      rm -f "$bin_dir/$p" && say "removed $bin_dir/$p"
    elif [ -e "$bin_dir/$p" ]; then
      say "kept $bin_dir/$p (not the one in $bin_src)"
    fi
  done
  if [ -f "$conflist" ] && cmp -s "$conflist_src" "$conflist"; then
    rm -f "$conflist" && say "removed $conflist"
  elif [ -e "$conflist" ]; then
    say "kept $conflist (changed since it was installed)"
  fi
  exit 0
fi

for p in "${plugins[@]}"; do
  [ -x "$bin_src/$p" ] || { echo "install-network: $bin_src/$p missing: build first (scripts/build.sh)" >&2; exit 1; }
done
mkdir -p "$bin_dir" "$conf_dir"

# The plugins are ours by name: a different copy is an older build, replace it (atomically,
# so a plugin running right now keeps its inode). When the build has them as one file
# (hard links), so does the install: rt-bridge calls rt-host-local in-process only when
# CNI_PATH resolves it to its own inode.
first=
for p in "${plugins[@]}"; do
  link_to=
  if [ -n "$first" ] && [ "$bin_src/$p" -ef "$bin_src/$first" ]; then link_to=$bin_dir/$first; fi
  [ -n "$first" ] || first=$p
  if cmp -s "$bin_src/$p" "$bin_dir/$p" && { [ -z "$link_to" ] || [ "$bin_dir/$p" -ef "$link_to" ]; }; then
    say "$bin_dir/$p is up to date"
  else
    if [ -n "$link_to" ]; then
      ln -f "$link_to" "$bin_dir/.$p.new"
    else
      install -m 0755 "$bin_src/$p" "$bin_dir/.$p.new"
    fi
    mv -f "$bin_dir/.$p.new" "$bin_dir/$p"
    rm -f "$bin_dir/.$p.new"  # rename() between links of one file does nothing
    say "installed $bin_dir/$p"
  fi
done

# The conflist is configuration: never clobber one the user owns.
if [ -e "$conflist" ]; then
  if cmp -s "$conflist_src" "$conflist"; then
    say "$conflist is up to date"
  else
    say "kept $conflist: it differs from ours (yours wins; ours is $conflist_src)"
  fi
  exit 0
fi
for f in "$conf_dir"/*.conflist "$conf_dir"/*.conf "$conf_dir"/*.json; do
  [ -f "$f" ] || continue
  if grep -Eq "\"name\"[[:space:]]*:[[:space:]]*\"$network\"" "$f"; then
    say "kept $f: it already defines a network \"$network\"; $conflist not installed"
    exit 0
  fi
done
install -m 0644 "$conflist_src" "$conf_dir/.$(basename "$conflist").new"
mv -f "$conf_dir/.$(basename "$conflist").new" "$conflist"
say "installed $conflist (network \"$network\": bridge rt0, 10.230.0.0/24, fd00:230::/64)"
