#!/usr/bin/env bash
# demo.sh [--debian] [--no-build]: the README's main command, LXC's classic set-up done with rt.
#   1. install the Debian packages rt needs, build rt, rt-bridge and rt-host-local
#      (--no-build: use build/bin as it is)
#   2. install the plugins and the default network rt0 (bridge rt0, 10.230.0.0/24 and
#      fd00:230::/64) into /opt/cni/bin and /etc/cni/net.d, unless already there
#   3. build a bundle: busybox (default), or Debian 12 with --debian (debootstrap, cached)
#   4. start two detached containers on rt0, show `rt info` for both
#   5. ping the second from the first with `rt exec` (traffic stays on the bridge)
#   6. delete both: their veths and IP leases go with them; so do the bridge and the
#      lease dir when this run created them
# Runs as root, and can run again right away: it leaves no container, veth, lease or bridge
# behind (the installed plugins and conflist stay: they are the install).
# For tests: RT_DEMO_ROOT (rt --root), RT_DEMO_CNI_BIN_DIR and RT_DEMO_CNI_CONF_DIR
# (where step 2 installs, and where rt looks) keep a run off the machine's own dirs;
# RT_DEMO_BUILD_DIR is the build dir whose binaries it uses (default build/), RT_DEMO_DIR
# where the bundles go (default build/demo).
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=busybox
build=1
for arg in "$@"; do
  case "$arg" in
    --debian) flavour=debian ;;
    --no-build) build=0 ;;
    *) echo "usage: scripts/demo.sh [--debian] [--no-build]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (containers need namespaces, the bridge needs netlink)" >&2; exit 1; }

step() { printf '\n\033[1m>>> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }

ids=(demo-c1 demo-c2)
build_dir=${RT_DEMO_BUILD_DIR:-$PWD/build}
demo_dir=${RT_DEMO_DIR:-$build_dir/demo}
cni_bin_dir=${RT_DEMO_CNI_BIN_DIR:-/opt/cni/bin}
cni_conf_dir=${RT_DEMO_CNI_CONF_DIR:-/etc/cni/net.d}
rt=("$build_dir/bin/rt")
[ -z "${RT_DEMO_ROOT:-}" ] || rt+=(--root "$RT_DEMO_ROOT")
net_opts=()
[ -z "${RT_DEMO_CNI_BIN_DIR:-}" ] || net_opts+=(--cni-bin-dir "$cni_bin_dir")
[ -z "${RT_DEMO_CNI_CONF_DIR:-}" ] || net_opts+=(--cni-conf-dir "$cni_conf_dir")
# what this run creates beyond the containers (removed at the end, when unused)
bridge=rt0
leases=/var/lib/cni/networks/rt0
created_bridge=0
created_leases=0
ip link show "$bridge" >/dev/null 2>&1 || created_bridge=1
[ -e "$leases" ] || created_leases=1

# Whatever happens, the containers go (DEL releases their veths and addresses), then the
# bridge and lease dir if this run made them and nothing else uses them.
teardown() {
  for id in "${ids[@]}"; do
    "${rt[@]}" delete --force "$id" 2>/dev/null || true
  done
  if ((created_bridge)) && ip link show "$bridge" >/dev/null 2>&1 &&
    [ -z "$(ip -o link show master "$bridge")" ]; then
    ip link del "$bridge" && note "bridge $bridge removed (this run created it)"
  fi
  if ((created_leases)) && [ -d "$leases" ] &&
    [ -z "$(find "$leases" -mindepth 1 -maxdepth 1 ! -name 'last_reserved_ip*' ! -name lock)" ]; then
    rm -rf "$leases" && note "lease dir $leases removed (this run created it)"
  fi
}

if ((build)); then
  step "installing the Debian packages rt needs (scripts/install-deps.sh)"
  ./scripts/install-deps.sh

  step "building rt, rt-bridge and rt-host-local (build/bin)"
  ./scripts/build.sh default >/dev/null
fi
[ -x "${rt[0]}" ] || { echo "demo.sh: ${rt[0]} missing: build first (scripts/build.sh)" >&2; exit 1; }
"${rt[@]}" --version | head -n 1 | sed 's/^/    /'

step "installing the CNI plugins and the default network rt0 (scripts/install-network.sh)"
./scripts/install-network.sh --bin-src "$build_dir/bin" --cni-bin-dir "$cni_bin_dir" --cni-conf-dir "$cni_conf_dir" | sed 's/^/    /'

# A previous run that was interrupted may have left its containers: start clean.
for id in "${ids[@]}"; do
  "${rt[@]}" delete --force "$id" 2>/dev/null || true
done

step "building the $flavour bundle (one read-only rootfs, one config.json per container, rt validate)"
mkdir -p "$demo_dir"
if [ "$flavour" = debian ]; then
  ./bundles/make-debian-bundle.sh "$demo_dir/debian" "${rt[0]}" | sed 's/^/    /'
else
  rm -rf "$demo_dir/busybox"
  ./bundles/make-busybox-bundle.sh "$demo_dir/busybox" "${rt[0]}" | sed 's/^/    /'
fi
rootfs=$demo_dir/$flavour/rootfs
for id in "${ids[@]}"; do
  mkdir -p "$demo_dir/$id"
  # The container: its own hostname, a shared read-only rootfs, a process that waits until
  # it is told to stop, and CAP_NET_RAW for ping (busybox's ping opens a raw ICMP socket
  # only; Debian's iputils ping would do with ICMP datagram sockets and ping_group_range).
  jq --arg host "$id" --arg rootfs "$rootfs" '
      .hostname = $host
    | .root = {path: $rootfs, readonly: true}
    | .process.terminal = false
    | .process.args = ["/bin/sh", "-c", "trap \"exit 0\" TERM; sleep 2147483647 & wait"]
    | .process.capabilities |= with_entries(
        if .key == "inheritable" or .key == "ambient" then . else .value |= (. + ["CAP_NET_RAW"] | unique) end)
    | .linux.sysctl["net.ipv4.ping_group_range"] = "0 2147483647"' \
    "$demo_dir/$flavour/config.json" >"$demo_dir/$id/config.json"
done
for id in "${ids[@]}"; do
  "${rt[@]}" validate --bundle "$demo_dir/$id" >/dev/null ||
    { echo "demo.sh: $demo_dir/$id/config.json does not validate" >&2; exit 1; }
done
note "rootfs: $rootfs"
note "configs: $demo_dir/demo-c1/config.json, $demo_dir/demo-c2/config.json"

trap teardown EXIT
step "starting two containers on network rt0 (rt run -d --net rt0)"
for id in "${ids[@]}"; do
  "${rt[@]}" run -d --bundle "$demo_dir/$id" "${net_opts[@]}" --net rt0 "$id"
  note "$id: $("${rt[@]}" state "$id" | jq -r '.status + ", pid " + (.pid | tostring)')"
done

for id in "${ids[@]}"; do
  step "rt info $id"
  "${rt[@]}" info "$id" | sed 's/^/    /'
done

ip1=$("${rt[@]}" info --format json demo-c1 | jq -r '.networks[0].addresses[] | select(.address | contains(".")) | .address | split("/")[0]')
ip2=$("${rt[@]}" info --format json demo-c2 | jq -r '.networks[0].addresses[] | select(.address | contains(".")) | .address | split("/")[0]')
veth1=$("${rt[@]}" info --format json demo-c1 | jq -r '.networks[0].hostInterface')
veth2=$("${rt[@]}" info --format json demo-c2 | jq -r '.networks[0].hostInterface')

step "demo-c1 ($ip1) pings demo-c2 ($ip2): rt exec demo-c1 ping -c 3 $ip2"
if out=$("${rt[@]}" exec demo-c1 ping -c 3 -W 2 "$ip2" 2>&1); then
  printf '%s\n' "$out" | sed 's/^/    /'
  # busybox: "3 packets received"; iputils (Debian): "3 received"
  received=$(sed -n 's/.* \([0-9][0-9]*\) \(packets \)\{0,1\}received.*/\1/p' <<<"$out")
  ttl=$(grep -o 'ttl=[0-9]*' <<<"$out" | head -n 1)
  note "RESULT: demo-c1 reached demo-c2: $received of 3 replies, $ttl (64: same bridge, no router between them)"
else
  printf '%s\n' "$out" | sed 's/^/    /'
  note "RESULT: demo-c1 could NOT reach demo-c2"
  exit 1
fi

step "deleting both containers (rt delete --force: kill, CNI DEL, cleanup)"
trap - EXIT
for id in "${ids[@]}"; do
  "${rt[@]}" delete --force "$id"
  note "$id deleted"
done
teardown
left=()
for veth in "$veth1" "$veth2"; do
  ! ip link show "$veth" >/dev/null 2>&1 || left+=("host veth $veth")
done
for ip in "$ip1" "$ip2"; do
  # rt-host-local keeps one file per reserved address (as the reference host-local)
  [ ! -e "$leases/$ip" ] || left+=("the lease of $ip")
done
for id in "${ids[@]}"; do
  ! "${rt[@]}" state "$id" >/dev/null 2>&1 || left+=("container $id")
done
if ((created_bridge)) && ip link show "$bridge" >/dev/null 2>&1; then left+=("bridge $bridge"); fi
if ((${#left[@]})); then
  note "RESULT: left behind: ${left[*]}"
  exit 1
fi
note "host veths $veth1 and $veth2 are gone; addresses $ip1 and $ip2 are free again"
if ((created_bridge)); then
  note "nothing is left: the next run starts from the same clean state"
else
  note "the bridge $bridge stays: it was there before this run (like LXC's lxcbr0)"
fi
step "done"
