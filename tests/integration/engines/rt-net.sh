#!/usr/bin/env bash
# rt-net.sh CASE: rt's own networks (`rt run|create --net`, `rt info`, delete's CNI DEL),
# with the CNI plugins under test (CNI_BIN_DIR, CNI_BRIDGE, CNI_IPAM).
# CASE: attach | chain | failures | all
#   attach    two containers on one network (one by --net with ip= and mac=, one by the
#             org.rt.networks annotation), `rt info` text and JSON, ping across the bridge,
#             create/start keeps the network, delete (running, and after the process
#             exited by itself) releases veths and leases
#   chain     a conflist of two plugins (the bridge, then the reference tuning, which works
#             only chained: it needs prevResult) with routes and the ips/mac capabilities:
#             the request reaches the plugins (CNI_ARGS checked here), tuning's MTU and
#             the routes reach the container, `rt info` shows the routes, delete DELs
#             both plugins (tuning's saved state goes)
#   failures  an unknown network, a taken address, an out-of-range address, a missing
#             plugin and a config without its own network namespace each fail create with a
#             clear message and leave no container, veth, lease or state behind; a failure
#             after ADD (a failing hook) DELs; an rt killed after ADD leaves a half-created
#             container whose `delete --force` DELs its networks
source "$(dirname "$0")/lib.sh"

setup() {
  require_cmds jq
  alloc_net
  make_cni_bin_dir log
  [ -x /usr/lib/cni/tuning ] || fail "/usr/lib/cni/tuning missing (apt-get install containernetworking-plugins)"
  # tuning under a name of its own, in a second plugin dir: the chain case finds it only
  # through --cni-bin-dir's list (/usr/lib/cni, always searched last, has no such name)
  mkdir -p "$WORK/cni-bin2"
  printf '#!/bin/sh\nexec /usr/lib/cni/tuning "$@"\n' >"$WORK/cni-bin2/rteng-tuning"
  chmod 755 "$WORK/cni-bin2/rteng-tuning"
  NET=rteng-$UNIQ
  write_conflist "$WORK/cni-conf/$NET.conflist" "$NET"
  make_rootfs "$WORK/bundle"
  # a config of our own (rt spec's default, made suitable): no terminal, cgroups under the
  # run's parent, CAP_NET_RAW for ping (busybox's opens a raw ICMP socket only: Debian's
  # 1.35 has no fallback to ICMP datagram sockets, so net.ipv4.ping_group_range is no help)
  mkdir -p "$WORK/c"
  cat >"$WORK/config.base.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"],
    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
    "cwd": "/",
    "capabilities": {"bounding": ["CAP_KILL", "CAP_NET_RAW"], "effective": ["CAP_KILL", "CAP_NET_RAW"], "permitted": ["CAP_KILL", "CAP_NET_RAW"]},
    "noNewPrivileges": true
  },
  "root": {"path": "$ROOTFS", "readonly": true},
  "hostname": "rt-net",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}
  ],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]
  }
}
EOF
  RT=("$RUNTIME" --root "$RUNTIME_ROOT")
  NETOPTS=(--cni-conf-dir "$WORK/cni-conf" --cni-bin-dir "$CNI_DIR")
  ID=rteng-$UNIQ
  defer_late cleanup_cgroups
  defer rt_cleanup
}

rt_cleanup() {
  local id
  for id in $("$RUNTIME" --root "$RUNTIME_ROOT" list -q 2>/dev/null); do
    timeout 30 "$RUNTIME" --root "$RUNTIME_ROOT" delete --force "$id"
  done
}

# bundle NAME [jq filter]: a bundle dir whose config.json is the base one, filtered.
bundle() {
  mkdir -p "$WORK/c/$1"
  jq --arg parent "/$CGROUP_PARENT/$1" ".linux.cgroupsPath = \$parent | ${2:-.}" \
    "$WORK/config.base.json" >"$WORK/c/$1/config.json"
  echo "$WORK/c/$1"
}

info_json() { must "${RT[@]}" info --format json "$1"; }

expect_nothing_left() {
  [ -z "$(bridge_ports)" ] || fail "veths left on $NET_BRIDGE: $(bridge_ports)"
  [ -z "$(reserved_leases)" ] || fail "leases left: $(reserved_leases)"
  run "${RT[@]}" list -q
  [ -z "$OUT" ] || fail "containers left: $OUT"
  [ -z "$(ls -A "$RUNTIME_ROOT" 2>/dev/null)" ] || fail "state left in $RUNTIME_ROOT: $(ls -A "$RUNTIME_ROOT")"
}

case_attach() {
  local a b
  a=$(bundle a)
  b=$(bundle b ".annotations[\"org.rt.networks\"] = \"$NET:ip=10.230.$NET_IDX.40\"")
  say "rt run -d --net $NET:ip=..,mac=.. and a second container by annotation"
  must "${RT[@]}" run -d --bundle "$a" "${NETOPTS[@]}" --net "$NET:ip=10.230.$NET_IDX.30,ip=fd00:230:$NET_IDX::30,mac=02:00:0a:e6:00:1e" "$ID-a"
  must "${RT[@]}" create --bundle "$b" "${NETOPTS[@]}" "$ID-b"
  must "${RT[@]}" start "$ID-b"

  say "rt info: status, pid, the network's interface, host veth, bridge, addresses"
  info_json "$ID-a"
  local j=$OUT
  [ "$(jq -r .status <<<"$j")" = running ] || fail "info: status $(jq -r .status <<<"$j")"
  [ "$(jq -r .pid <<<"$j")" -gt 0 ] || fail "info: no pid"
  [ "$(jq -r .bundle <<<"$j")" = "$a" ] || fail "info: bundle $(jq -r .bundle <<<"$j"), want $a"
  [ "$(jq -r '.networks | length' <<<"$j")" = 1 ] || fail "info: expected 1 network: $j"
  [ "$(jq -r '.networks[0].name' <<<"$j")" = "$NET" ] || fail "info: network name"
  [ "$(jq -r '.networks[0].interface' <<<"$j")" = eth0 ] || fail "info: interface"
  [ "$(jq -r '.networks[0].mac' <<<"$j")" = 02:00:0a:e6:00:1e ] || fail "info: mac $(jq -r '.networks[0].mac' <<<"$j")"
  [ "$(jq -r '.networks[0].bridge' <<<"$j")" = "$NET_BRIDGE" ] || fail "info: bridge"
  local veth
  veth=$(jq -r '.networks[0].hostInterface' <<<"$j")
  [[ " $(bridge_ports) " == *" $veth "* ]] || fail "info: host veth '$veth' is not on $NET_BRIDGE ($(bridge_ports))"
  jq -e --arg a "10.230.$NET_IDX.30/24" --arg g "$NET_V4_GW" '.networks[0].addresses | any(.address == $a and .gateway == $g)' <<<"$j" >/dev/null ||
    fail "info: IPv4 10.230.$NET_IDX.30/24 with gateway missing: $j"
  jq -e --arg a "fd00:230:$NET_IDX::30/64" --arg g "$NET_V6_GW" '.networks[0].addresses | any(.address == $a and .gateway == $g)' <<<"$j" >/dev/null ||
    fail "info: IPv6 fd00:230:$NET_IDX::30/64 with gateway missing: $j"
  must "${RT[@]}" info "$ID-a"
  local want text
  text=$(tr -s ' ' <<<"$OUT")
  for want in "Status: running" "Bundle: $a" "Network: $NET" "Interface: eth0 (02:00:0a:e6:00:1e)" \
    "Host veth: $veth" "Bridge: $NET_BRIDGE" "IPv4: 10.230.$NET_IDX.30/24 gateway $NET_V4_GW" \
    "IPv6: fd00:230:$NET_IDX::30/64 gateway $NET_V6_GW"; do
    [[ "$text" == *"$want"* ]] || fail "info text lacks '$want': $OUT"
  done

  say "the CNI result is kept in the state dir (networks.json: the config and result ADD used)"
  local rec=$RUNTIME_ROOT/$ID-a/networks.json
  [ -f "$rec" ] || fail "no $rec"
  jq -e --arg n "$NET" --arg a "10.230.$NET_IDX.30/24" '.networks[0].config.name == $n and
    (.networks[0].result.ips | any(.address == $a))' "$rec" >/dev/null || fail "$rec: $(cat "$rec")"

  say "inside: eth0 has the addresses and MAC; a pings b across the bridge"
  must "${RT[@]}" exec "$ID-a" ip -o addr show dev eth0
  expect_out_has "10.230.$NET_IDX.30/24"
  must "${RT[@]}" exec "$ID-a" cat /sys/class/net/eth0/address
  expect_out 02:00:0a:e6:00:1e
  must "${RT[@]}" exec "$ID-a" ping -c 1 -W 5 "10.230.$NET_IDX.40"
  expect_out_has "ttl=64"
  must "${RT[@]}" exec "$ID-b" ping -6 -c 1 -W 5 "fd00:230:$NET_IDX::30"

  say "delete of a running container: DEL releases veth and leases"
  must "${RT[@]}" delete --force "$ID-a"
  ip link show "$veth" >/dev/null 2>&1 && fail "host veth $veth left after delete"
  [[ "$(reserved_leases)" != *"10.230.$NET_IDX.30"* ]] || fail "lease 10.230.$NET_IDX.30 left after delete"

  say "delete after the process exited by itself (netns gone): leases still released"
  must "${RT[@]}" kill "$ID-b" KILL
  local i
  for i in $(seq 1 50); do
    run "${RT[@]}" state "$ID-b"
    [ "$(jq -r .status <<<"$OUT" 2>/dev/null)" = stopped ] && break
    sleep 0.1
  done
  must "${RT[@]}" delete "$ID-b"
  # the kernel dismantles a dead netns (and its veth pair) asynchronously
  for i in $(seq 1 100); do [ -z "$(bridge_ports)" ] && break; sleep 0.05; done
  expect_nothing_left
}

case_chain() {
  local net=$NET-chain c i
  cat >"$WORK/cni-conf/$net.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$net",
  "plugins": [
    {
      "type": "$CNI_BRIDGE",
      "bridge": "$NET_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "capabilities": {"ips": true, "mac": true},
      "ipam": {
        "type": "$CNI_IPAM",
        "dataDir": "$LEASES",
        "ranges": [
          [{ "subnet": "$NET_V4_SUBNET", "gateway": "$NET_V4_GW" }],
          [{ "subnet": "$NET_V6_SUBNET", "gateway": "$NET_V6_GW" }]
        ],
        "routes": [{ "dst": "10.99.0.0/16" }, { "dst": "fd00:99::/48" }]
      }
    },
    { "type": "rteng-tuning", "mtu": 1400, "dataDir": "$WORK/tuning" }
  ]
}
EOF
  c=$(bundle c)
  local opts=(--cni-conf-dir "$WORK/cni-conf" --cni-bin-dir "$CNI_DIR:$WORK/cni-bin2")
  say "a plugin outside the one --cni-bin-dir is not found (nothing attached)"
  expect_rc 1 "${RT[@]}" run -d --bundle "$c" "${NETOPTS[@]}" --net "$net" "$ID-c"
  [[ "$ERR" == *"CNI plugin \"rteng-tuning\" not found in $CNI_DIR:/usr/lib/cni"* ]] || fail "unclear error: $ERR"
  expect_nothing_left
  say "rt run --net NAME:ip=..,mac=.. on a bridge + tuning chain, --cni-bin-dir DIR:DIR"
  must "${RT[@]}" run -d --bundle "$c" "${opts[@]}" --net "$net:ip=10.230.$NET_IDX.60,mac=02:00:0a:e6:00:3c" "$ID-c"
  say "CNI_ARGS carries the request (runtimeConfig and args.cni: see the unit tests)"
  grep -q "^ADD eth0 IgnoreUnknown=1;IP=10.230.$NET_IDX.60;MAC=02:00:0a:e6:00:3c\$" "$WORK/cni-args.log" ||
    fail "CNI_ARGS of ADD: $(cat "$WORK/cni-args.log")"
  say "inside: the requested address and MAC, tuning's MTU, the configured routes"
  must "${RT[@]}" exec "$ID-c" ip -o addr show dev eth0
  expect_out_has "10.230.$NET_IDX.60/24"
  must "${RT[@]}" exec "$ID-c" cat /sys/class/net/eth0/address /sys/class/net/eth0/mtu
  expect_out $'02:00:0a:e6:00:3c\n1400'
  must "${RT[@]}" exec "$ID-c" ip route show
  expect_out_has "10.99.0.0/16 via $NET_V4_GW dev eth0"
  must "${RT[@]}" exec "$ID-c" ip -6 route show
  expect_out_has "fd00:99::/48 via $NET_V6_GW dev eth0"
  [ -n "$(ls -A "$WORK/tuning" 2>/dev/null)" ] || fail "tuning kept no state of its ADD in $WORK/tuning"
  say "rt info shows the chain's final result: routes, the MAC"
  info_json "$ID-c"
  jq -e '.networks[0].routes | any(.dst == "10.99.0.0/16") and any(.dst == "fd00:99::/48")' <<<"$OUT" >/dev/null ||
    fail "info: routes missing: $OUT"
  [ "$(jq -r '.networks[0].mac' <<<"$OUT")" = 02:00:0a:e6:00:3c ] || fail "info: mac: $OUT"
  must "${RT[@]}" info "$ID-c"
  [[ "$(tr -s ' ' <<<"$OUT")" == *"Route: 10.99.0.0/16"* ]] || fail "info text lacks the route: $OUT"
  say "delete: DEL runs through both plugins (tuning's saved state goes, the lease too)"
  must "${RT[@]}" delete --force "$ID-c"
  [ "$(grep -c '^DEL eth0 ' "$WORK/cni-args.log")" = 1 ] || fail "expected one DEL of the bridge: $(cat "$WORK/cni-args.log")"
  [ -z "$(ls -A "$WORK/tuning" 2>/dev/null)" ] || fail "tuning's state left after delete: $(ls -A "$WORK/tuning")"
  for i in $(seq 1 100); do [ -z "$(bridge_ports)" ] && break; sleep 0.05; done
  expect_nothing_left
}

case_failures() {
  local b
  b=$(bundle f)
  say "an unknown network"
  expect_rc 1 "${RT[@]}" run -d --bundle "$b" "${NETOPTS[@]}" --net no-such-net "$ID-f"
  [[ "$ERR" == *'network "no-such-net"'* ]] || fail "unclear error: $ERR"
  expect_nothing_left

  say "a taken address"
  # (its own bundle: each container needs its own cgroup)
  must "${RT[@]}" run -d --bundle "$(bundle t)" "${NETOPTS[@]}" --net "$NET:ip=10.230.$NET_IDX.50" "$ID-t"
  expect_rc 1 "${RT[@]}" run -d --bundle "$b" "${NETOPTS[@]}" --net "$NET:ip=10.230.$NET_IDX.50" "$ID-f"
  [[ "$ERR" == *"network $NET"* && "$ERR" == *"10.230.$NET_IDX.50"* ]] || fail "unclear error: $ERR"
  [ "$(wc -w <<<"$(bridge_ports)")" = 1 ] || fail "the failed create left a veth: $(bridge_ports)"
  run "${RT[@]}" state "$ID-f"
  ((RC != 0)) || fail "the failed container exists"
  must "${RT[@]}" delete --force "$ID-t"
  expect_nothing_left

  say "an out-of-range address"
  expect_rc 1 "${RT[@]}" run -d --bundle "$b" "${NETOPTS[@]}" --net "$NET:ip=10.231.$NET_IDX.5" "$ID-f"
  [[ "$ERR" == *"network $NET"* ]] || fail "unclear error: $ERR"
  expect_nothing_left

  say "a second network whose plugin is missing: the first is undone"
  cat >"$WORK/cni-conf/broken.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "broken-$UNIQ", "plugins": [{"type": "no-such-plugin"}]}
EOF
  expect_rc 1 "${RT[@]}" run -d --bundle "$b" "${NETOPTS[@]}" --net "$NET" --net "broken-$UNIQ" "$ID-f"
  [[ "$ERR" == *'CNI plugin "no-such-plugin" not found'* ]] || fail "unclear error: $ERR"
  expect_nothing_left

  say "a failure after the networks are attached (a failing createRuntime hook) DELs them"
  local h
  h=$(bundle hookfail '.hooks.createRuntime = [{"path": "/bin/false"}]')
  expect_rc 1 "${RT[@]}" run -d --bundle "$h" "${NETOPTS[@]}" --net "$NET" "$ID-f"
  for i in $(seq 1 100); do [ -z "$(bridge_ports)" ] && break; sleep 0.05; done
  expect_nothing_left

  say "rt killed after the networks are attached: delete --force DELs them (leases freed)"
  printf '#!/bin/sh\nkill -9 $PPID\n' >"$WORK/kill-rt.sh"
  chmod 755 "$WORK/kill-rt.sh"
  h=$(bundle hookkill ".hooks.createRuntime = [{\"path\": \"$WORK/kill-rt.sh\"}]")
  expect_rc 137 "${RT[@]}" run -d --bundle "$h" "${NETOPTS[@]}" --net "$NET:ip=10.230.$NET_IDX.70" "$ID-k"
  [[ "$(reserved_leases)" == *"10.230.$NET_IDX.70"* ]] ||
    fail "the killed create had not attached (no lease of 10.230.$NET_IDX.70): the case tests nothing"
  must "${RT[@]}" delete --force "$ID-k"
  for i in $(seq 1 100); do [ -z "$(bridge_ports)" ] && break; sleep 0.05; done
  expect_nothing_left

  say "a bad --net spec"
  expect_rc 1 "${RT[@]}" run -d --bundle "$b" "${NETOPTS[@]}" --net "$NET:ip=300.1.1.1" "$ID-f"
  [[ "$ERR" == *"ip=300.1.1.1"* ]] || fail "unclear error: $ERR"

  say "a config without its own network namespace"
  b=$(bundle h '.linux.namespaces |= map(select(.type != "network"))')
  expect_rc 1 "${RT[@]}" run -d --bundle "$b" "${NETOPTS[@]}" --net "$NET" "$ID-f"
  [[ "$ERR" == *'no "network" entry'* ]] || fail "unclear error: $ERR"
  expect_nothing_left
}

begin
setup
case "$CASE" in
  attach | chain | failures) "case_$CASE" ;;
  all) for c in attach chain failures; do "case_$c"; done ;;
  *) fail "unknown case '$CASE' (attach | chain | failures | all)" ;;
esac
