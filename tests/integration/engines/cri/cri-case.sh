# cri-case.sh: the `cri` case of containerd.sh (sourced by it, after `begin`).
# Kubernetes' path without a kubelet: the CRI calls a kubelet makes for a pod whose
# RuntimeClass has `handler: rt`, sent by cri_client.py to a private containerd whose CRI
# plugin maps handler "rt" to the runc v2 shim with BinaryName = RUNTIME, and whose CNI
# config is a bridge network of the plugins under test.
source "$ENGINES_DIR/cri/cri-lib.sh"

say "two pods with runtime handler rt on $NET_V4_SUBNET / $NET_V6_SUBNET (bridge $NET_BRIDGE)"
run_pod pod-a
POD_A=$POD CTR_A=$CTR_ID A4=$POD_IP4 A6=$POD_IP6 NETNS_A=$POD_NETNS
run_pod pod-b
POD_B=$POD CTR_B=$CTR_ID B4=$POD_IP4 B6=$POD_IP6 NETNS_B=$POD_NETNS
say "pod-a: $A4 $A6, pod-b: $B4 $B6"
[[ "$A4" == 10.230.$NET_IDX.* && "$B4" == 10.230.$NET_IDX.* && "$A4" != "$B4" ]] ||
  fail "pod IPv4 addresses not distinct in $NET_V4_SUBNET: '$A4' '$B4'"
[[ "$A6" == fd00:230:$NET_IDX::* && "$B6" == fd00:230:$NET_IDX::* ]] ||
  fail "pod IPv6 addresses not in $NET_V6_SUBNET: '$A6' '$B6'"
runtime_was_called create
runtime_was_called start

say "ExecSync: output, exit code"
exec_sync "$CTR_A" /bin/sh -c 'echo from-exec; exit 3'
[ "$EXEC_RC" = 3 ] && [ "$EXEC_OUT" = from-exec ] || fail "ExecSync: rc '$EXEC_RC' out '$EXEC_OUT', want 3 from-exec"
runtime_was_called exec

say "pod-a pings pod-b (IPv4, IPv6) across the bridge"
exec_sync "$CTR_A" /bin/ping -c 1 -W 5 "$B4"
[ "$EXEC_RC" = 0 ] && [[ "$EXEC_OUT" == *ttl=64* ]] || fail "ping $B4 from pod-a failed: $OUT"
exec_sync "$CTR_B" /bin/ping -6 -c 1 -W 5 "$A6"
[ "$EXEC_RC" = 0 ] && [[ "$EXEC_OUT" == *ttl=64* ]] || fail "ping $A6 from pod-b failed: $OUT"

say "StopContainer: SIGTERM reaches the process (exit 0 from its trap)"
cri_must StopContainer "{\"container_id\": \"$CTR_A\", \"timeout\": 30}"
cri_must ContainerStatus "{\"container_id\": \"$CTR_A\"}"
[ "$(jq -r .status.state <<<"$OUT")" = CONTAINER_EXITED ] && [ "$(jq -r '.status.exit_code // 0' <<<"$OUT")" = 0 ] ||
  fail "after StopContainer: $OUT"
cri_must RemoveContainer "{\"container_id\": \"$CTR_A\"}"

say "StopPodSandbox (twice, as kubelet does) and RemovePodSandbox: CNI DEL, nothing left"
for p in "$POD_A" "$POD_B"; do
  cri_must StopPodSandbox "{\"pod_sandbox_id\": \"$p\"}"
  cri_must StopPodSandbox "{\"pod_sandbox_id\": \"$p\"}"
  cri_must RemovePodSandbox "{\"pod_sandbox_id\": \"$p\"}"
done
PODS=()
[ -z "$(bridge_ports)" ] || fail "veths left on $NET_BRIDGE: $(bridge_ports)"
[ -z "$(reserved_leases)" ] || fail "IP leases left: $(reserved_leases)"
[ ! -e "$NETNS_A" ] && [ ! -e "$NETNS_B" ] || fail "pod netns left: $NETNS_A $NETNS_B"
say "CNI calls seen: $(awk '{print $1, $2, $4}' "$CNI_LOG" | tr '\n' ';')"
[ "$(grep -c '^ADD ' "$CNI_LOG")" = 2 ] || fail "expected 2 CNI ADDs"
grep -v ' rc=0$' "$CNI_LOG" && fail "a CNI call failed (see above)"
for p in "$POD_A" "$POD_B"; do
  grep -q "^DEL netns=/.* id=$p rc=0" "$CNI_LOG" || fail "no DEL with the netns for pod $p"
done
# containerd 1.6 tears the network down again on the second StopPodSandbox and on
# RemovePodSandbox, after the netns is gone: the plugin gets DEL with an empty CNI_NETNS
# and must answer success (CNI SPEC: DEL is idempotent and tolerates a missing netns)
grep -q '^DEL netns=<empty> .* rc=0$' "$CNI_LOG" || fail "CRI sent no DEL with an empty CNI_NETNS"
c_must container ls -q
[ -z "$OUT" ] || fail "containerd still has containers in k8s.io: $OUT"
run "$RUNTIME" --root "$RUNTIME_ROOT/$NS" list -q
[ -z "$OUT" ] || fail "the runtime still has containers: $OUT"
runtime_was_called kill
runtime_was_called delete
