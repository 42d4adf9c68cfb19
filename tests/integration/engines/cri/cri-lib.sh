# cri-lib.sh: what the CRI cases of containerd.sh share (sourced after `begin`): a private
# containerd with its CRI plugin mapping handler "rt" to the runc v2 shim with BinaryName =
# RUNTIME, a CNI bridge network of the plugins under test, the sandbox image, the CRI client
# (cri_client.py: the calls a kubelet makes), pod and container helpers, and cleanup through
# CRI first (what kubelet would do), containerd's own after.

require_cmds protoc jq
[ -x "$PYTHON" ] || fail "$PYTHON missing"
"$PYTHON" -c 'import grpc, google.protobuf' 2>/dev/null ||
  fail "python3-grpcio / python3-protobuf missing: run scripts/install-deps.sh"

NS=k8s.io # the namespace CRI keeps its images and containers in
CGROUP_PARENT=rt-eng-$UNIQ
defer_late cleanup_cgroups
alloc_net
make_cni_bin_dir log
write_conflist "$WORK/cni-conf/10-rteng.conflist" "rteng-$UNIQ"
start_containerd cri
make_oci_image "$WORK/image.tar"
must "${CTR[@]}" image import --base-name "${IMAGE%:*}" "$WORK/image.tar"

GEN=$WORK/cri-py
mkdir -p "$GEN"
must protoc -I "$ENGINES_DIR/cri" --python_out="$GEN" cri_subset.proto

# cri METHOD JSON: one CRI call; the JSON response in OUT.
cri() { run "$PYTHON" "$ENGINES_DIR/cri/cri_client.py" "$GEN" "$SOCK" "$@"; }
cri_must() { must "$PYTHON" "$ENGINES_DIR/cri/cri_client.py" "$GEN" "$SOCK" "$@"; }

# Undo through CRI first (what kubelet would do), containerd's own cleanup after.
PODS=()
cri_cleanup() {
  local p
  for p in "${PODS[@]}"; do
    cri StopPodSandbox "{\"pod_sandbox_id\": \"$p\"}"
    cri RemovePodSandbox "{\"pod_sandbox_id\": \"$p\"}"
  done
}
defer ctr_cleanup
defer cri_cleanup

cri_must Version '{"version": "v1"}'
say "CRI: $(jq -r '.runtime_name + " " + .runtime_version + " (" + .runtime_api_version + ")"' <<<"$OUT")"

pod_config() { # NAME
  cat <<EOF
{"metadata": {"name": "$1", "uid": "$1-$UNIQ", "namespace": "rt-eng"},
 "hostname": "$1", "log_directory": "$WORK/logs/$1",
 "linux": {"cgroup_parent": "/$CGROUP_PARENT/$1"}}
EOF
}

# run_pod NAME: a pod with handler rt and one long-running container; sets POD, CTR_ID,
# POD_IP4, POD_IP6, POD_NETNS.
run_pod() {
  local cfg
  cfg=$(pod_config "$1")
  mkdir -p "$WORK/logs/$1"
  cri_must RunPodSandbox "{\"config\": $cfg, \"runtime_handler\": \"rt\"}"
  POD=$(jq -r .pod_sandbox_id <<<"$OUT")
  PODS+=("$POD")
  cri_must PodSandboxStatus "{\"pod_sandbox_id\": \"$POD\", \"verbose\": true}"
  [ "$(jq -r .status.state <<<"$OUT")" = SANDBOX_READY ] || fail "pod $1 is not ready: $OUT"
  [ "$(jq -r .status.runtime_handler <<<"$OUT")" = rt ] || fail "pod $1 does not use handler rt: $OUT"
  POD_IP4=$(jq -r .status.network.ip <<<"$OUT")
  POD_IP6=$(jq -r '.status.network.additional_ips[0].ip' <<<"$OUT")
  POD_NETNS=$(jq -r '.info.info | fromjson | .runtimeSpec.linux.namespaces[] | select(.type == "network") | .path' <<<"$OUT")
  remember_netns "$POD_NETNS"
  cri_must CreateContainer "{\"pod_sandbox_id\": \"$POD\", \"sandbox_config\": $cfg,
    \"config\": {\"metadata\": {\"name\": \"main\"}, \"image\": {\"image\": \"$IMAGE\"},
                 \"command\": [\"/bin/sh\", \"-c\", \"trap 'exit 0' TERM; sleep 600 & wait\"],
                 \"log_path\": \"main.log\"}}"
  CTR_ID=$(jq -r .container_id <<<"$OUT")
  cri_must StartContainer "{\"container_id\": \"$CTR_ID\"}"
  cri_must ContainerStatus "{\"container_id\": \"$CTR_ID\"}"
  [ "$(jq -r .status.state <<<"$OUT")" = CONTAINER_RUNNING ] || fail "container of $1 not running: $OUT"
}

exec_sync() { # CONTAINER CMD...
  local id=$1
  shift
  cri_must ExecSync "{\"container_id\": \"$id\", \"cmd\": $(printf '%s\n' "$@" | jq -R . | jq -s .), \"timeout\": 30}"
  EXEC_RC=$(jq -r .exit_code <<<"$OUT")
  EXEC_OUT=$(jq -r .stdout <<<"$OUT")
}

