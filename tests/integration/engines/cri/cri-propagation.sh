# cri-propagation.sh: the `cri-propagation` case of containerd.sh (sourced by it, after
# `begin`). Kubernetes' `mountPropagation: Bidirectional` (what CSI node plugins use): a
# privileged container of a privileged pod (handler rt) gets a host directory P, itself a
# shared mount, at /mnt/vol with PROPAGATION_BIDIRECTIONAL; containerd's CRI then asks for
# an rshared bind and rootfsPropagation rshared. A mount the container makes under /mnt/vol
# must appear in the host's P, and a mount the host makes under P in the container.
source "$ENGINES_DIR/cri/cri-lib.sh"

VOL=$WORK/vol
mkdir -p "$VOL"
# the host side of a Bidirectional volume must be a shared mount (containerd checks it)
must mount --bind "$VOL" "$VOL"
defer_late "umount -R -l '$VOL'"
must mount --make-rshared "$VOL"
mkdir -p "$VOL/from-container" "$VOL/from-host"

cfg=$(
  cat <<EOF
{"metadata": {"name": "prop", "uid": "prop-$UNIQ", "namespace": "rt-eng"},
 "hostname": "prop", "log_directory": "$WORK/logs/prop",
 "linux": {"cgroup_parent": "/$CGROUP_PARENT/prop", "security_context": {"privileged": true}}}
EOF
)
mkdir -p "$WORK/logs/prop"
say "a privileged pod with handler rt"
cri_must RunPodSandbox "{\"config\": $cfg, \"runtime_handler\": \"rt\"}"
POD=$(jq -r .pod_sandbox_id <<<"$OUT")
PODS+=("$POD")
cri_must PodSandboxStatus "{\"pod_sandbox_id\": \"$POD\", \"verbose\": true}"
remember_netns "$(jq -r '.info.info | fromjson | .runtimeSpec.linux.namespaces[] | select(.type == "network") | .path' <<<"$OUT")"

say "a privileged container with $VOL on /mnt/vol, PROPAGATION_BIDIRECTIONAL"
cri_must CreateContainer "{\"pod_sandbox_id\": \"$POD\", \"sandbox_config\": $cfg,
  \"config\": {\"metadata\": {\"name\": \"csi\"}, \"image\": {\"image\": \"$IMAGE\"},
    \"command\": [\"/bin/sh\", \"-c\", \"mount --bind /etc /mnt/vol/from-container && trap 'exit 0' TERM; sleep 600 & wait\"],
    \"mounts\": [{\"container_path\": \"/mnt/vol\", \"host_path\": \"$VOL\", \"propagation\": \"PROPAGATION_BIDIRECTIONAL\"}],
    \"linux\": {\"security_context\": {\"privileged\": true}},
    \"log_path\": \"csi.log\"}}"
CTR_ID=$(jq -r .container_id <<<"$OUT")
cri_must ContainerStatus "{\"container_id\": \"$CTR_ID\", \"verbose\": true}"
spec_prop=$(jq -r '.info.info | fromjson | .runtimeSpec.linux.rootfsPropagation' <<<"$OUT")
[ "$spec_prop" = rshared ] || fail "containerd did not ask for rootfsPropagation rshared (got '$spec_prop')"
cri_must StartContainer "{\"container_id\": \"$CTR_ID\"}"

say "the container's mount under /mnt/vol reaches the host"
for _ in $(seq 1 50); do
  [ -e "$VOL/from-container/passwd" ] && break
  cri ContainerStatus "{\"container_id\": \"$CTR_ID\"}"
  [ "$(jq -r .status.state <<<"$OUT")" = CONTAINER_EXITED ] &&
    fail "the container exited: $(jq -c .status <<<"$OUT")"
  sleep 0.2
done
[ -e "$VOL/from-container/passwd" ] ||
  fail "the container's bind mount on /mnt/vol/from-container is not in the host's $VOL/from-container"
defer_late "umount -l '$VOL/from-container'"

say "the host's mount under the volume reaches the container"
must mount -t tmpfs rt-eng-prop "$VOL/from-host"
exec_sync "$CTR_ID" /bin/sh -c 'grep " /mnt/vol/from-host " /proc/mounts | cut -d" " -f1'
[ "$EXEC_RC" = 0 ] && [ "$EXEC_OUT" = rt-eng-prop ] ||
  fail "the host's tmpfs on $VOL/from-host is not at /mnt/vol/from-host in the container: rc $EXEC_RC, '$EXEC_OUT'"
must umount "$VOL/from-host"
runtime_was_called create
runtime_was_called start

say "stop and remove: the host unmounts what the container mounted"
cri_must StopContainer "{\"container_id\": \"$CTR_ID\", \"timeout\": 30}"
cri_must RemoveContainer "{\"container_id\": \"$CTR_ID\"}"
cri_must StopPodSandbox "{\"pod_sandbox_id\": \"$POD\"}"
cri_must RemovePodSandbox "{\"pod_sandbox_id\": \"$POD\"}"
PODS=()
must umount "$VOL/from-container"
run "$RUNTIME" --root "$RUNTIME_ROOT/$NS" list -q
[ -z "$OUT" ] || fail "the runtime still has containers: $OUT"
