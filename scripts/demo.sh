#!/usr/bin/env bash
# demo.sh [--debian]: the README's main command, LXC's classic set-up done with rt.
#   1. install the Debian packages rt needs, build rt, rt-bridge and rt-host-local
#   2. install the plugins and the default network rt0 (bridge rt0, 10.230.0.0/24 and
#      fd00:230::/64) into /opt/cni/bin and /etc/cni/net.d, unless already there
#   3. build a bundle: busybox (default), or Debian 12 with --debian (debootstrap, cached)
#   4. start two detached containers on rt0, show `rt info` for both
#   5. ping the second from the first with `rt exec` (traffic stays on the bridge)
#   6. delete both: their veths and IP leases go with them
# Runs as root, and can run again right away: it leaves no container, veth or lease behind.
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=busybox
case "${1:-}" in
  "") ;;
  --debian) flavour=debian ;;
  *) echo "usage: scripts/demo.sh [--debian]" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (containers need namespaces, the bridge needs netlink)" >&2; exit 1; }

step() { printf '\n\033[1m>>> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }

rt=$PWD/build/bin/rt
ids=(demo-c1 demo-c2)
demo_dir=$PWD/build/demo

# Whatever happens, the containers go (DEL releases their veths and addresses).
teardown() {
  for id in "${ids[@]}"; do
    "$rt" delete --force "$id" 2>/dev/null || true
  done
}

step "installing the Debian packages rt needs (scripts/install-deps.sh)"
./scripts/install-deps.sh

step "building rt, rt-bridge and rt-host-local (build/bin)"
./scripts/build.sh default >/dev/null
"$rt" --version | head -n 1 | sed 's/^/    /'

step "installing the CNI plugins and the default network rt0 (scripts/install-network.sh)"
./scripts/install-network.sh | sed 's/^/    /'

# A previous run that was interrupted may have left its containers: start clean.
teardown

step "building the $flavour bundle (one read-only rootfs, one config.json per container, rt validate)"
mkdir -p "$demo_dir"
if [ "$flavour" = debian ]; then
  ./bundles/make-debian-bundle.sh "$demo_dir/debian" "$rt" | sed 's/^/    /'
else
  rm -rf "$demo_dir/busybox"
  ./bundles/make-busybox-bundle.sh "$demo_dir/busybox" "$rt" | sed 's/^/    /'
fi
rootfs=$demo_dir/$flavour/rootfs
for id in "${ids[@]}"; do
  mkdir -p "$demo_dir/$id"
  # The container: its own hostname, a shared read-only rootfs, a process that waits until
  # it is told to stop, and ping allowed without CAP_NET_RAW (ICMP datagram sockets).
  jq --arg host "$id" --arg rootfs "$rootfs" '
      .hostname = $host
    | .root = {path: $rootfs, readonly: true}
    | .process.terminal = false
    | .process.args = ["/bin/sh", "-c", "trap \"exit 0\" TERM; sleep 2147483647 & wait"]
    | .linux.sysctl["net.ipv4.ping_group_range"] = "0 2147483647"' \
    "$demo_dir/$flavour/config.json" >"$demo_dir/$id/config.json"
done
for id in "${ids[@]}"; do
  "$rt" validate --bundle "$demo_dir/$id" >/dev/null ||
    { echo "demo.sh: $demo_dir/$id/config.json does not validate" >&2; exit 1; }
done
note "rootfs: $rootfs"
note "configs: $demo_dir/demo-c1/config.json, $demo_dir/demo-c2/config.json"

trap teardown EXIT
step "starting two containers on network rt0 (rt run -d --net rt0)"
for id in "${ids[@]}"; do
  "$rt" run -d --bundle "$demo_dir/$id" --net rt0 "$id"
  note "$id: $("$rt" state "$id" | jq -r '.status + ", pid " + (.pid | tostring)')"
done

for id in "${ids[@]}"; do
  step "rt info $id"
  "$rt" info "$id" | sed 's/^/    /'
done

ip1=$("$rt" info --format json demo-c1 | jq -r '.networks[0].addresses[] | select(.address | contains(".")) | .address | split("/")[0]')
ip2=$("$rt" info --format json demo-c2 | jq -r '.networks[0].addresses[] | select(.address | contains(".")) | .address | split("/")[0]')
veth2=$("$rt" info --format json demo-c2 | jq -r '.networks[0].hostInterface')

step "demo-c1 ($ip1) pings demo-c2 ($ip2): rt exec demo-c1 ping -c 3 $ip2"
if out=$("$rt" exec demo-c1 ping -c 3 -W 2 "$ip2" 2>&1); then
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
  "$rt" delete --force "$id"
  note "$id deleted"
done
if ip link show "$veth2" >/dev/null 2>&1; then
  note "host veth $veth2 is still there"
  exit 1
fi
for ip in "$ip1" "$ip2"; do
  # rt-host-local keeps one file per reserved address (as the reference host-local)
  if [ -e "/var/lib/cni/networks/rt0/$ip" ]; then
    note "address $ip is still reserved"
    exit 1
  fi
done
note "host veth $veth2 is gone; addresses $ip1 and $ip2 are free again"
note "the bridge rt0 stays, like LXC's lxcbr0 (ip link show rt0); run the demo again at will"
step "done"
