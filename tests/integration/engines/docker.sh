#!/usr/bin/env bash
# docker.sh CASE: Debian's docker.io (dockerd 20.10) driving RUNTIME as a runtime added with
# --add-runtime, through containerd's runc v2 shim.
# CASE: run | exitcodes | privileged | device | readonly | exec-user-tty | oom | pause-rm | all
#   run            output, stderr, exit code, `--rm`, `inspect`; dockerd called RUNTIME
#   exitcodes      a missing command exits 127, a non-executable one 126 (docker's CLI maps the
#                  runtime's error text: "no such file or directory", "permission denied")
#   privileged     `--privileged` (every host /dev node in linux.devices, /dev/ptmx among them)
#   device         `--device /dev/null:/dev/zero`: a config device over a default device path
#   readonly       `--read-only` with `--tmpfs /tmp`: / refuses writes, the tmpfs takes them
#   exec-user-tty  `exec -t -u 65534`: a terminal owned by the process's user
#   oom            `-m 32m` and a process that eats memory: exit 137, .State.OOMKilled true
#   pause-rm       `pause` freezes (freezer cgroup), `rm -f` of the paused container removes it,
#                  its runtime state and its cgroup
# One private dockerd per run: its own --data-root/--exec-root/--pidfile/socket and its own
# containerd (so a system containerd is never used), no bridge, no iptables, no ip forwarding,
# cgroupfs under the run's unique parent. The image is the busybox rootfs `docker import`-ed:
# nothing is pulled. The docker client is Debian's /usr/bin/docker.
source "$(dirname "$0")/lib.sh"

IMAGE=rt-eng/busybox:latest
DOCKER_BIN=${DOCKER_BIN:-/usr/bin/docker}

start_dockerd() {
  require_cmds dockerd containerd containerd-shim-runc-v2
  [ -x "$DOCKER_BIN" ] || fail "$DOCKER_BIN missing (apt-get install docker.io)"
  local d=$WORK/docker
  mkdir -p "$d/containerd"
  # containerd first, private (CRI off): dockerd would use /run/containerd's if it existed
  CTRD_SOCK=$d/containerd/containerd.sock
  cat >"$d/containerd/config.toml" <<EOF
version = 2
root = "$d/containerd/root"
state = "$d/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$d/containerd/containerd.ttrpc.sock"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/containerd/opt"
EOF
  containerd --config "$d/containerd/config.toml" >"$d/containerd.log" 2>&1 &
  local ctrd_pid=$!
  defer "stop_daemon $ctrd_pid containerd-shim-runc-v2 .*-address $CTRD_SOCK"
  wait_socket "$CTRD_SOCK" "$ctrd_pid" containerd

  DOCKER_SOCK=$d/docker.sock
  ENGINE_LOG=$d/dockerd.log
  # rt is added as runtime "rteng" and made the default; the reference run adds runc the same
  # way (both through the harness's logging wrapper). Root here lacks CAP_SYS_RESOURCE, which
  # lowering an oom_score_adj needs: --oom-score-adjust=0 asks for none (dockerd 20.10 here
  # stays at 0 without it too; older releases lowered themselves to -500), and the default
  # ulimits stay below root's hard nofile limit (20000).
  dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" \
    -H "unix://$DOCKER_SOCK" --containerd "$CTRD_SOCK" \
    --add-runtime "rteng=$ENGINE_RUNTIME" --default-runtime rteng \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --userland-proxy=false --exec-opt native.cgroupdriver=cgroupfs \
    --cgroup-parent "/$CGROUP_PARENT" --default-ulimit nofile=1024:20000 \
    --oom-score-adjust=0 --storage-driver "${DOCKER_STORAGE_DRIVER:-overlay2}" \
    --log-level warn >"$ENGINE_LOG" 2>&1 &
  DOCKERD_PID=$!
  defer "stop_daemon $DOCKERD_PID"
  wait_socket "$DOCKER_SOCK" "$DOCKERD_PID" dockerd
  DOCKER=("$DOCKER_BIN" -H "unix://$DOCKER_SOCK")
  local i
  for i in $(seq 1 100); do
    "${DOCKER[@]}" version >/dev/null 2>&1 && break
    kill -0 "$DOCKERD_PID" 2>/dev/null || fail "dockerd exited at start (see $ENGINE_LOG)"
    sleep 0.2
  done
  must "${DOCKER[@]}" version --format '{{.Server.Version}}'
  say "dockerd $OUT (pid $DOCKERD_PID) serving $DOCKER_SOCK"
  defer docker_cleanup
}

# wait_socket PATH PID NAME: until the daemon's socket exists (bounded); fails if it exits.
wait_socket() {
  local i
  for i in $(seq 1 150); do
    [ -S "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || fail "$3 exited at start (see $WORK/docker/$3.log)"
    sleep 0.2
  done
  fail "$3 did not create $1"
}

# stop_daemon PID [PATTERN]: TERM, then KILL after 10 s; then shims matching PATTERN, by pid.
stop_daemon() {
  local pid=$1 i p
  shift
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if (($#)); then
    for p in $(pgrep -f "$*"); do
      _leftovers+=("shim $p")
      kill -KILL "$p"
    done
  fi
}

docker_cleanup() {
  local ids
  ids=$("${DOCKER[@]}" ps -aq 2>/dev/null)
  [ -n "$ids" ] && timeout 60 "${DOCKER[@]}" rm -f $ids
}

docker_setup() {
  # dockerd makes /run/docker/plugins, the shim /run/containerd/s for its sockets
  own_host_dirs /run/docker /run/containerd
  defer_late cleanup_cgroups
  start_dockerd
  make_rootfs "$WORK/bundle"
  tar -C "$ROOTFS" -cf "$WORK/rootfs.tar" .
  must "${DOCKER[@]}" import --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/sh"]' "$WORK/rootfs.tar" "$IMAGE"
  NAME=rteng-$UNIQ
  COPTS=(--network none)
}

d() { run "${DOCKER[@]}" "$@"; }
d_must() { must "${DOCKER[@]}" "$@"; }
d_rc() {
  local want=$1
  shift
  expect_rc "$want" "${DOCKER[@]}" "$@"
}
state_of() {
  d_must inspect -f "$2" "$1"
  STATE=$OUT
}

# The container is gone from docker and from the runtime, and its cgroups are removed.
expect_removed() {
  d_must ps -aq
  [ -z "$OUT" ] || fail "docker still lists containers: $OUT"
  local root
  for root in "$RUNTIME_ROOT"/*/; do
    run "$RUNTIME" --root "$root" list -q
    [ -z "$OUT" ] || fail "the runtime still has containers in $root: $OUT"
  done
  local dir
  for dir in /sys/fs/cgroup/*/"$CGROUP_PARENT"/*/; do
    fail "container cgroup left after rm: $dir"
  done
  return 0
}

LONG_CMD=(/bin/sh -c 'trap "exit 0" TERM; sleep 600 & wait')

case_run() {
  say "run: output, stderr and exit code"
  d_rc 3 run --name "$NAME-a" "${COPTS[@]}" "$IMAGE" /bin/sh -c 'echo hello-from-rt; echo to-stderr >&2; exit 3'
  expect_out hello-from-rt
  [[ "$ERR" == *to-stderr* ]] || fail "stderr of the container did not reach docker: '$ERR'"
  state_of "$NAME-a" '{{.State.ExitCode}} {{.HostConfig.Runtime}}'
  [ "$STATE" = "3 rteng" ] || fail "docker inspect: '$STATE', want '3 rteng'"
  say "run: the default ulimits reach the process"
  d_rc 0 run --rm "${COPTS[@]}" "$IMAGE" /bin/sh -c 'ulimit -Sn; ulimit -Hn'
  expect_out $'1024\n20000'
  d_must rm "$NAME-a"
  expect_removed
  runtime_was_called create
  runtime_was_called start
  runtime_was_called delete
}

case_exitcodes() {
  say "a missing command: 127"
  d_rc 127 run --rm "${COPTS[@]}" "$IMAGE" /no/such/binary
  d_rc 127 run --rm "${COPTS[@]}" "$IMAGE" no-such-command-in-path
  say "a non-executable file: 126"
  d_rc 126 run --rm "${COPTS[@]}" "$IMAGE" /etc/passwd
  expect_removed
}

case_privileged() {
  # docker 20.10 gives a privileged container every capability the kernel knows
  # (caps.GetAllCapabilities), not those of its own bounding set as podman and containerd do:
  # where root lacks one, no runtime can start it (runc: "unable to apply caps")
  local bnd
  bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  (((0x$bnd >> 24) & 1)) || skip "root here lacks CAP_SYS_RESOURCE, which docker 20.10's --privileged asks for (runc fails the same way; podman and containerd run their privileged cases)"
  say "--privileged: host device nodes, /dev/ptmx usable, all capabilities"
  d_rc 0 run --rm --privileged "${COPTS[@]}" "$IMAGE" /bin/sh -c \
    'test -c /dev/null && test -c /dev/zero && test -e /dev/ptmx && echo x >/dev/null &&
     grep CapEff /proc/self/status'
  expect_out_has "CapEff:"
  [[ "$OUT" != *"CapEff:	0000000000000000"* ]] || fail "--privileged: no effective capabilities: $OUT"
  say "--privileged: a terminal from /dev/ptmx works"
  in_pty "${DOCKER[*]} run --rm -t --privileged --network none $IMAGE /bin/sh -c 'tty'"
  ((RC == 0)) || {
    _show "docker run -t --privileged"
    fail "docker run -t --privileged: exit code $RC"
  }
  [[ "$OUT" == *"/dev/pts/"* ]] || fail "docker run -t --privileged: no terminal: '$OUT'"
  expect_removed
}

case_device() {
  say "--device /dev/null:/dev/zero: the config's node wins over the default /dev/zero"
  d_rc 0 run --rm --device /dev/null:/dev/zero "${COPTS[@]}" "$IMAGE" /bin/sh -c \
    'echo x >/dev/zero && head -c 4 /dev/zero | wc -c && stat -c "%t:%T" /dev/zero'
  # /dev/null is 1:3: reading it gives nothing
  expect_out $'0\n1:3'
  expect_removed
}

case_readonly() {
  say "--read-only --tmpfs /tmp: / refuses writes, /tmp is a writable tmpfs"
  d_rc 0 run --rm --read-only --tmpfs /tmp "${COPTS[@]}" "$IMAGE" /bin/sh -c \
    'if touch /rootfs-write 2>/dev/null; then echo rootfs-writable; fi
     echo ok >/tmp/f && cat /tmp/f && grep " /tmp " /proc/mounts | cut -d" " -f3'
  expect_out $'ok\ntmpfs'
  expect_removed
}

# script(1) gives the docker client (and so the container) a terminal.
in_pty() { run script -qefc "$*" /dev/null; }

case_exec-user-tty() {
  d_must run -d --name "$NAME-e" "${COPTS[@]}" "$IMAGE" "${LONG_CMD[@]}"
  say "exec -t -u 65534: a terminal, owned by the process's user"
  in_pty "${DOCKER[*]} exec -t -u 65534 $NAME-e /bin/sh -c 'id -u; tty; stat -c %u \$(tty)'"
  ((RC == 0)) || {
    _show "docker exec -t -u 65534"
    fail "docker exec -t -u 65534: exit code $RC"
  }
  local got=${OUT//$'\r'/}
  [[ "$got" == $'65534\n/dev/pts/'*$'\n65534' ]] ||
    fail "exec -t -u 65534: want uid 65534, a /dev/pts terminal owned by 65534; got '$got'"
  runtime_was_called exec
  d_must rm -f "$NAME-e"
  expect_removed
}

case_oom() {
  say "oom: a process over -m 32m is killed: exit 137, OOMKilled"
  # tail buffers its whole input looking for a newline that /dev/zero never sends
  d_rc 137 run --name "$NAME-o" -m 32m --memory-swap 32m "${COPTS[@]}" "$IMAGE" /bin/sh -c 'tail /dev/zero'
  state_of "$NAME-o" '{{.State.ExitCode}} {{.State.OOMKilled}}'
  [ "$STATE" = "137 true" ] || fail "docker inspect: '$STATE', want '137 true' (exit code, OOMKilled)"
  d_must rm "$NAME-o"
  expect_removed
}

# freezer.state of the v1 freezer cgroup holding PID
freezer_state() {
  local path
  path=$(awk -F: '$2 == "freezer" {print $3}' "/proc/$1/cgroup")
  cat "/sys/fs/cgroup/freezer$path/freezer.state" 2>/dev/null || echo no-freezer
}

case_pause-rm() {
  d_must run -d --name "$NAME-p" "${COPTS[@]}" "$IMAGE" "${LONG_CMD[@]}"
  state_of "$NAME-p" '{{.State.Pid}}'
  local pid=$STATE
  say "pause: frozen"
  d_must pause "$NAME-p"
  state_of "$NAME-p" '{{.State.Status}}'
  [ "$STATE" = paused ] || fail "after pause the container is '$STATE'"
  [ "$(freezer_state "$pid")" = FROZEN ] || fail "after pause the freezer of pid $pid is $(freezer_state "$pid")"
  runtime_was_called pause
  say "rm -f of the paused container: container, runtime state and cgroups go"
  d_must rm -f "$NAME-p"
  kill -0 "$pid" 2>/dev/null && fail "the container's process $pid is still alive after rm -f"
  expect_removed
}

CASES=(run exitcodes privileged device readonly exec-user-tty oom pause-rm)
[[ "$CASE" == all || " ${CASES[*]} " == *" $CASE "* ]] || fail "unknown case '$CASE' (${CASES[*]} | all)"
begin
docker_setup
if [ "$CASE" = all ]; then
  for c in "${CASES[@]}"; do "case_$c"; done
else
  "case_$CASE"
fi
