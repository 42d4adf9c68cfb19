#!/usr/bin/env bash
# buildah.sh CASE: buildah 1.28 building images whose RUN steps run in RUNTIME
# (`buildah bud --runtime RUNTIME --isolation oci`).
# CASE: bud | fail | all
#   bud   a Containerfile FROM a local base image with RUN steps: their output reaches
#         buildah, a later step sees what an earlier one wrote, the step runs as root in /work
#         (WORKDIR), the built image holds the result (`buildah from` + `buildah run` of it)
#   fail  a RUN step that exits 3 fails the build, naming the exit status, and leaves no
#         working container behind
# Buildah runs private to the run: own --root/--runroot (vfs), a signature policy and an empty
# registries.conf of its own, the runtime's --root in the work dir (the harness's wrapper).
# The base image is the busybox OCI archive of bundles/make-oci-image.sh (`FROM
# oci-archive:...`): nothing is pulled.
source "$(dirname "$0")/lib.sh"

buildah_setup() {
  require_cmds buildah umoci
  defer_late cleanup_cgroups
  make_oci_image "$WORK/base.tar"
  echo '{"default": [{"type": "insecureAcceptAnything"}]}' >"$WORK/policy.json"
  : >"$WORK/registries.conf"
  cat >"$WORK/containers.conf" <<EOF
[engine]
lock_type = "file"
EOF
  export CONTAINERS_CONF=$WORK/containers.conf
  export CONTAINERS_REGISTRIES_CONF=$WORK/registries.conf
  # buildah puts each RUN step's bundle under TMPDIR (default /var/tmp)
  mkdir -p "$WORK/tmp"
  export TMPDIR=$WORK/tmp
  # containers/image keeps root's blob-info cache in /var/lib/containers/cache whatever --root
  # says: buildah runs in a private mount namespace with a tmpfs there (the dir is made if the
  # host has none, and then removed at exit)
  own_host_dirs /var/lib/containers
  # a cache file some buildah step still writes on the host goes too, where the tests made the
  # dir (runs after this one's own_host_dirs cleanup: defer_late runs last registered first)
  [ ! -e "$OWNED_MARKS/_var_lib_containers" ] ||
    defer_late "rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb"
  # (made before each call: a concurrent run may remove the empty dir at its exit)
  BUILDAH=(unshare -m --propagation private sh -c
    'mkdir -p /var/lib/containers && mount -t tmpfs -o mode=700 rt-eng-buildah-cache /var/lib/containers && exec "$@"' sh
    buildah --root "$WORK/storage" --runroot "$WORK/runroot" --storage-driver vfs
    --registries-conf "$WORK/registries.conf")
  BUD_OPTS=(--runtime "$ENGINE_RUNTIME" --isolation oci --network none
    --cgroup-parent "/$CGROUP_PARENT" --signature-policy "$WORK/policy.json")
  defer "timeout 60 \"\${BUILDAH[@]}\" rm -a"
  mkdir -p "$WORK/ctx"
  TAG=localhost/rt-eng/built-$UNIQ:latest
}

b() { run "${BUILDAH[@]}" "$@"; }
b_must() { must "${BUILDAH[@]}" "$@"; }

# No working container may be left by a build (buildah removes its build containers).
expect_no_containers() {
  b_must containers -q
  [ -z "$OUT" ] || fail "buildah still has working containers: $OUT"
  run "$RUNTIME" --root "$RUNTIME_ROOT" list -q
  [ -z "$OUT" ] || fail "the runtime still has containers: $OUT"
}

case_bud() {
  cat >"$WORK/ctx/Containerfile" <<EOF
FROM oci-archive:$WORK/base.tar
WORKDIR /work
RUN echo "step1 uid=\$(id -u) cwd=\$(pwd)" && echo built-by-run > /work/result
RUN echo "step2 sees: \$(cat /work/result)"
CMD ["/bin/cat", "/work/result"]
EOF
  say "bud: RUN steps through the runtime"
  b_must bud "${BUD_OPTS[@]}" -f "$WORK/ctx/Containerfile" -t "$TAG" "$WORK/ctx"
  expect_out_has "step1 uid=0 cwd=/work"
  expect_out_has "step2 sees: built-by-run"
  runtime_was_called create
  runtime_was_called start
  expect_no_containers
  say "the built image holds what the RUN steps wrote"
  b_must from --pull=never --cgroup-parent "/$CGROUP_PARENT" --name "rteng-$UNIQ" "$TAG"
  b_must run --runtime "$ENGINE_RUNTIME" --isolation oci --network none "rteng-$UNIQ" -- \
    /bin/cat /work/result
  expect_out built-by-run
  b_must rm "rteng-$UNIQ"
  b_must rmi "$TAG"
  expect_no_containers
}

case_fail() {
  cat >"$WORK/ctx/Containerfile" <<EOF
FROM oci-archive:$WORK/base.tar
RUN echo before-failure
RUN exit 3
RUN echo never-reached
EOF
  say "fail: a RUN step exiting 3 fails the build"
  b bud "${BUD_OPTS[@]}" -f "$WORK/ctx/Containerfile" -t "$TAG" "$WORK/ctx"
  ((RC != 0)) || fail "the build succeeded although a RUN step exited 3"
  [[ "$OUT$ERR" == *"exit status 3"* ]] || fail "buildah did not name the step's exit status 3: '$ERR'"
  [[ "$OUT" == *before-failure* ]] || fail "the step before the failing one did not run: '$OUT'"
  [[ "$OUT" != *never-reached* ]] || fail "a step after the failing one ran"
  expect_no_containers
}

CASES=(bud fail)
[[ "$CASE" == all || " ${CASES[*]} " == *" $CASE "* ]] || fail "unknown case '$CASE' (${CASES[*]} | all)"
begin
buildah_setup
if [ "$CASE" = all ]; then
  for c in "${CASES[@]}"; do "case_$c"; done
else
  "case_$CASE"
fi
