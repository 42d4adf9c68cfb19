#!/usr/bin/env bash
# podman.sh CASE: podman 4.3 driving RUNTIME through conmon on a --rootfs directory.
# CASE: run | detach | pause | stop | init | exitcodes | privileged | device | readonly | tmpfs |
#       exec-user-tty | oom | pause-rm | network | all
#   run     output and exit code of `podman run`, a missing binary gives 127, rlimits from
#           containers.conf reach the process, `podman rm` removes container and runtime state
#   detach  `run -d`, `exec` with and without -t, exit codes of exec, exec joins the container
#   pause   pause/unpause really freeze/thaw the container's processes (freezer cgroup)
#   stop    `podman stop` delivers SIGTERM to the container's process (it exits 0 from its trap)
#   init    `--init` puts podman's init (catatonit) as pid 1 and passes the exit code through
#   exitcodes  a missing command exits 127 (absolute and on PATH), a non-executable one 126
#   privileged `--privileged`: every host /dev node in linux.devices (/dev/ptmx among them), all
#           of root's capabilities, a terminal works
#   device  `--device /dev/null:/dev/zero`: a config device over a default device path
#   readonly `--read-only`: / refuses writes; podman's read-only tmpfs mounts (/tmp, /var/tmp,
#           /run, all with tmpcopyup) take them
#   tmpfs   `--tmpfs DIR` and `--mount type=tmpfs`: tmpfs with tmpcopyup, so the image's files
#           under DIR are there, owner and mode kept
#   exec-user-tty `exec -t -u 65534`: a terminal owned by the process's user
#   oom     `-m 32m` and a process that eats memory: exit 137 (OOMKilled: see the case)
#   pause-rm `rm -f` of a paused container removes it, its runtime state and its cgroup
#   network podman's CNI backend with the plugins under test (CNI_BIN_DIR, CNI_BRIDGE,
#           CNI_IPAM): two containers on one bridge network ping each other over IPv4 and
#           IPv6 (ttl 64: bridged, not routed); veths, netns and leases are gone after stop
# Podman runs private to the run: own --root/--runroot/--tmpdir, vfs storage, cgroupfs under
# a unique parent, file events, file locks, and the runtime's --root in the run's work dir
# (added by the harness's runtime wrapper: podman has no setting for it).
source "$(dirname "$0")/lib.sh"

podman_setup() {
  require_cmds podman conmon
  # conmon writes files into its working directory (its "oom" marker): keep them in the run's
  cd "$WORK" || fail "cannot enter $WORK"
  make_rootfs "$WORK/bundle"
  make_cni_bin_dir log
  mkdir -p "$WORK/cni-conf"
  cat >"$WORK/containers.conf" <<EOF
[containers]
# root here lacks CAP_SYS_RESOURCE and its hard limits are nofile 20000 / nproc 32768: podman's
# defaults (1048576) could not be set, so ask for limits below the hard ones
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
lock_type = "file"
# conmon then passes --log-format=json --log FILE to the runtime
runtime_supports_json = ["runc", "crun", "rt"]

[network]
network_backend = "cni"
network_config_dir = "$WORK/cni-conf"
cni_plugin_dirs = ["$CNI_DIR"]
EOF
  cat >"$WORK/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$WORK/storage"
runroot = "$WORK/runroot"
EOF
  export CONTAINERS_CONF=$WORK/containers.conf
  export CONTAINERS_STORAGE_CONF=$WORK/storage.conf
  PODMAN=(podman --root "$WORK/storage" --runroot "$WORK/runroot" --tmpdir "$WORK/tmp"
    --storage-driver vfs --cgroup-manager cgroupfs --events-backend file
    --runtime "$ENGINE_RUNTIME")
  NAME=rteng-$UNIQ
  # container options every case uses
  COPTS=(--network none --cgroup-parent "/$CGROUP_PARENT")
  defer_late cleanup_cgroups
  defer "timeout 60 ${PODMAN[*]} rm -af -t 0"
}

pm() { run "${PODMAN[@]}" "$@"; }
pm_must() { must "${PODMAN[@]}" "$@"; }
pm_rc() {
  local want=$1
  shift
  expect_rc "$want" "${PODMAN[@]}" "$@"
}
state_of() {
  pm_must inspect -f "$2" "$1"
  STATE=$OUT
}

# The container must be gone from podman and from the runtime, and its cgroup removed.
expect_removed() {
  pm_must ps -aq
  [ -z "$OUT" ] || fail "podman still lists containers: $OUT"
  run "$RUNTIME" --root "$RUNTIME_ROOT" list -q
  [ -z "$OUT" ] || { run "$RUNTIME" --root "$RUNTIME_ROOT" list; fail "the runtime still has containers after podman rm: $OUT"; }
  local d
  for d in /sys/fs/cgroup/*/"$CGROUP_PARENT"/libpod-*; do
    [ -d "$d" ] && fail "container cgroup left after rm: $d"
  done
  return 0
}

# A long-running container process that exits 0 from its SIGTERM trap, leaving a mark.
LONG_CMD=(/bin/sh -c 'trap "echo got-term > /tmp/term; exit 0" TERM; sleep 600 & wait')

case_run() {
  say "run: output and exit code"
  pm_rc 3 run --name "$NAME-a" "${COPTS[@]}" --rootfs "$ROOTFS" \
    /bin/sh -c 'echo hello-from-rt; echo to-stderr >&2; exit 3'
  expect_out "hello-from-rt"
  [[ "$ERR" == *to-stderr* ]] || fail "stderr of the container did not reach podman: '$ERR'"
  state_of "$NAME-a" '{{.State.ExitCode}}'
  [ "$STATE" = 3 ] || fail "podman inspect: exit code $STATE, want 3"

  say "run: rlimits from containers.conf reach the process"
  pm_rc 0 run --name "$NAME-l" "${COPTS[@]}" --rootfs "$ROOTFS" /bin/sh -c 'ulimit -Hn; ulimit -Sn'
  expect_out $'4096\n4096'

  say "run: a missing binary gives 127"
  pm_rc 127 run --name "$NAME-m" "${COPTS[@]}" --rootfs "$ROOTFS" /no/such/binary
  pm_rc 127 run --name "$NAME-p" "${COPTS[@]}" --rootfs "$ROOTFS" no-such-command-in-path

  say "rm: container, runtime state and cgroup go"
  pm_must rm "$NAME-a" "$NAME-l" "$NAME-m" "$NAME-p"
  expect_removed
  runtime_was_called create
  runtime_was_called start
  runtime_was_called delete
}

case_detach() {
  say "run -d"
  pm_must run -d --name "$NAME-d" "${COPTS[@]}" --rootfs "$ROOTFS" "${LONG_CMD[@]}"
  state_of "$NAME-d" '{{.State.Status}}'
  [ "$STATE" = running ] || fail "after run -d the container is '$STATE', want running"

  case "$(basename "$RUNTIME")" in runc | crun | rt)
    say "conmon asks the runtime for JSON logs"
    state_of "$NAME-d" '{{.State.ConmonPid}}'
    tr '\0' ' ' <"/proc/$STATE/cmdline" | grep -q -- '--log-format=json' ||
      fail "conmon was not given --log-format=json for the runtime"
    ;;
  esac

  say "exec: output, exit code, same pid namespace"
  pm_rc 5 exec "$NAME-d" /bin/sh -c 'echo from-exec; exit 5'
  expect_out from-exec
  pm_rc 0 exec "$NAME-d" /bin/sh -c 'cat /proc/1/cmdline | tr "\0" " "'
  expect_out_has 'trap'
  pm_rc 127 exec "$NAME-d" /no/such/binary

  say "exec without -t: no terminal"
  pm_rc 0 exec "$NAME-d" /bin/sh -c 'test -t 1 && echo tty || echo no-tty'
  expect_out no-tty

  say "exec -t: a terminal on stdin and stdout"
  pm_rc 0 exec -t "$NAME-d" /bin/sh -c 'test -t 0 && test -t 1 && tty'
  [[ "$OUT" == /dev/pts/* ]] || fail "exec -t: expected a /dev/pts/N terminal, got '$OUT'"
  pm_rc 4 exec -t "$NAME-d" /bin/sh -c 'exit 4'

  runtime_was_called exec
  pm_must rm -f -t 0 "$NAME-d"
  expect_removed
}

# freezer.state of the cgroup holding PID (cgroup v1 freezer or v2 cgroup.freeze).
freezer_state() {
  local path
  path=$(awk -F: '$2 == "freezer" {print $3}' "/proc/$1/cgroup")
  if [ -n "$path" ] && [ -f "/sys/fs/cgroup/freezer$path/freezer.state" ]; then
    cat "/sys/fs/cgroup/freezer$path/freezer.state"
  else
    path=$(awk -F: '$1 == "0" {print $3}' "/proc/$1/cgroup")
    [ "$(cat "/sys/fs/cgroup$path/cgroup.freeze" 2>/dev/null)" = 1 ] && echo FROZEN || echo THAWED
  fi
}

case_pause() {
  pm_must run -d --name "$NAME-p" "${COPTS[@]}" --rootfs "$ROOTFS" "${LONG_CMD[@]}"
  state_of "$NAME-p" '{{.State.Pid}}'
  local pid=$STATE
  say "pause: the container's processes are frozen"
  pm_must pause "$NAME-p"
  state_of "$NAME-p" '{{.State.Status}}'
  [ "$STATE" = paused ] || fail "after pause the container is '$STATE'"
  [ "$(freezer_state "$pid")" = FROZEN ] || fail "after pause the freezer of pid $pid is $(freezer_state "$pid")"
  say "unpause: thawed and usable"
  pm_must unpause "$NAME-p"
  state_of "$NAME-p" '{{.State.Status}}'
  [ "$STATE" = running ] || fail "after unpause the container is '$STATE'"
  [ "$(freezer_state "$pid")" = THAWED ] || fail "after unpause the freezer of pid $pid is $(freezer_state "$pid")"
  pm_rc 0 exec "$NAME-p" /bin/echo alive
  expect_out alive
  runtime_was_called pause
  runtime_was_called resume
  pm_must rm -f -t 0 "$NAME-p"
  expect_removed
}

case_stop() {
  rm -f "$ROOTFS/tmp/term"
  pm_must run -d --name "$NAME-s" "${COPTS[@]}" --rootfs "$ROOTFS" "${LONG_CMD[@]}"
  say "stop: SIGTERM reaches the process, which exits 0 from its trap"
  pm_must stop -t 50 "$NAME-s"
  state_of "$NAME-s" '{{.State.Status}} {{.State.ExitCode}}'
  [ "$STATE" = "exited 0" ] || fail "after stop: '$STATE', want 'exited 0' (137 would mean SIGKILL)"
  [ "$(cat "$ROOTFS/tmp/term" 2>/dev/null)" = got-term ] || fail "the container's TERM trap did not run"
  runtime_was_called kill
  pm_must rm "$NAME-s"
  expect_removed
}

case_init() {
  say "--init: podman's init is pid 1, the command runs under it"
  pm_rc 0 run --init --name "$NAME-i" "${COPTS[@]}" --rootfs "$ROOTFS" \
    /bin/sh -c 'echo "$(tr "\0" " " </proc/1/cmdline)|$$"'
  [[ "$OUT" == /run/podman-init\ --\ /bin/sh* ]] || fail "pid 1 is not podman-init: '$OUT'"
  [[ "${OUT##*|}" != 1 ]] || fail "the command itself is pid 1 despite --init"
  pm_rc 4 run --init --name "$NAME-j" "${COPTS[@]}" --rootfs "$ROOTFS" /bin/sh -c 'exit 4'
  pm_must rm "$NAME-i" "$NAME-j"
  expect_removed
}

case_exitcodes() {
  say "a missing command: 127"
  pm_rc 127 run --rm "${COPTS[@]}" --rootfs "$ROOTFS" /no/such/binary
  pm_rc 127 run --rm "${COPTS[@]}" --rootfs "$ROOTFS" no-such-command-in-path
  say "a non-executable file: 126"
  pm_rc 126 run --rm "${COPTS[@]}" --rootfs "$ROOTFS" /etc/passwd
  expect_removed
}

case_privileged() {
  say "--privileged: host device nodes, all of root's capabilities"
  local bnd
  bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  pm_rc 0 run --rm --privileged "${COPTS[@]}" --rootfs "$ROOTFS" /bin/sh -c \
    'test -c /dev/null && test -c /dev/zero && test -e /dev/ptmx && echo x >/dev/null &&
     awk "/^CapEff:/ {print \$2}" /proc/self/status'
  [ "$OUT" = "$bnd" ] || fail "--privileged: effective capabilities '$OUT', want root's bounding set $bnd"
  say "--privileged -t: a terminal from the container's /dev/ptmx"
  pm_rc 0 run --rm -t --privileged "${COPTS[@]}" --rootfs "$ROOTFS" /bin/sh -c 'tty'
  [[ "$OUT" == /dev/pts/* ]] || fail "run -t --privileged: no terminal: '$OUT'"
  expect_removed
}

case_device() {
  say "--device /dev/null:/dev/zero: the config's node wins over the default /dev/zero"
  pm_rc 0 run --rm --device /dev/null:/dev/zero "${COPTS[@]}" --rootfs "$ROOTFS" /bin/sh -c \
    'echo x >/dev/zero && head -c 4 /dev/zero | wc -c && stat -c "%t:%T" /dev/zero'
  # /dev/null is 1:3: reading it gives nothing
  expect_out $'0\n1:3'
  expect_removed
}

case_readonly() {
  say "--read-only: / refuses writes, podman's tmpfs on /tmp takes them"
  pm_rc 0 run --rm --read-only "${COPTS[@]}" --rootfs "$ROOTFS" /bin/sh -c \
    'if touch /rootfs-write 2>/dev/null; then echo rootfs-writable; fi
     echo ok >/tmp/f && cat /tmp/f && grep " /tmp " /proc/mounts | cut -d" " -f3'
  expect_out $'ok\ntmpfs'
  expect_removed
}

case_tmpfs() {
  # a directory of the image with a file podman's tmpcopyup must carry into the tmpfs
  mkdir -p "$ROOTFS/data"
  echo from-image >"$ROOTFS/data/keep"
  chown 65534:65534 "$ROOTFS/data/keep"
  chmod 640 "$ROOTFS/data/keep"
  local check='grep " /data " /proc/mounts | cut -d" " -f3; cat /data/keep; stat -c "%u %a" /data/keep; echo new >/data/new && cat /data/new'
  say "--tmpfs /data: a tmpfs with the image's files (tmpcopyup)"
  pm_rc 0 run --rm --tmpfs /data "${COPTS[@]}" --rootfs "$ROOTFS" /bin/sh -c "$check"
  expect_out $'tmpfs\nfrom-image\n65534 640\nnew'
  say "--mount type=tmpfs,destination=/data: the same"
  pm_rc 0 run --rm --mount type=tmpfs,destination=/data "${COPTS[@]}" --rootfs "$ROOTFS" /bin/sh -c "$check"
  expect_out $'tmpfs\nfrom-image\n65534 640\nnew'
  [ ! -e "$ROOTFS/data/new" ] || fail "a write to the tmpfs reached the image's /data"
  rm -rf "$ROOTFS/data"
  expect_removed
}

case_exec-user-tty() {
  pm_must run -d --name "$NAME-e" "${COPTS[@]}" --rootfs "$ROOTFS" "${LONG_CMD[@]}"
  say "exec -t -u 65534: a terminal, owned by the process's user"
  pm_rc 0 exec -t -u 65534 "$NAME-e" /bin/sh -c 'id -u; tty; stat -c %u $(tty)'
  local got=${OUT//$'\r'/}
  [[ "$got" == $'65534\n/dev/pts/'*$'\n65534' ]] ||
    fail "exec -t -u 65534: want uid 65534, a /dev/pts terminal owned by 65534; got '$got'"
  pm_must rm -f -t 0 "$NAME-e"
  expect_removed
}

case_oom() {
  say "oom: a process over -m 32m is killed: exit 137, OOMKilled"
  # tail buffers its whole input looking for a newline that /dev/zero never sends
  pm_must run -d --name "$NAME-o" -m 32m --memory-swap 32m "${COPTS[@]}" --rootfs "$ROOTFS" \
    /bin/sh -c 'sleep 1; tail /dev/zero'
  pm_must wait "$NAME-o"
  expect_out 137
  state_of "$NAME-o" '{{.State.ExitCode}}'
  [ "$STATE" = 137 ] || fail "podman inspect: exit code '$STATE', want 137"
  # .State.OOMKilled is not checked: podman 4.3 with conmon 2.1.6 reports false here with runc
  # too (conmon sees the OOM but writes its "oom" file into its working directory, not where
  # podman looks); docker.sh and containerd.sh check their engine's OOM flag
  pm_must rm "$NAME-o"
  expect_removed
}

case_pause-rm() {
  pm_must run -d --name "$NAME-r" "${COPTS[@]}" --rootfs "$ROOTFS" "${LONG_CMD[@]}"
  state_of "$NAME-r" '{{.State.Pid}}'
  local pid=$STATE
  pm_must pause "$NAME-r"
  [ "$(freezer_state "$pid")" = FROZEN ] || fail "after pause the freezer of pid $pid is $(freezer_state "$pid")"
  say "rm -f of the paused container: container, runtime state and cgroup go"
  pm_must rm -f -t 0 "$NAME-r"
  kill -0 "$pid" 2>/dev/null && fail "the container's process $pid is still alive after rm -f"
  expect_removed
}

# podman's systemd cgroup manager (the default on systemd hosts): podman passes
# --systemd-cgroup and "machine.slice:libpod:<id>" to the runtime, which must make the
# container a delegated libpod-<id>.scope with the limits as unit properties. Runs where
# systemd is PID 1 (the test VM: tests/vm/suite/engines-systemd.sh).
case_systemd() {
  [ -d /run/systemd/system ] || skip "systemd is not PID 1 here (tests/vm runs this case)"
  local pm_sd=() i
  for ((i = 0; i < ${#PODMAN[@]}; i++)); do
    pm_sd+=("${PODMAN[i]}")
    [ "${PODMAN[i]}" = --cgroup-manager ] && { pm_sd+=(systemd); i=$((i + 1)); }
  done
  defer "timeout 60 ${pm_sd[*]} rm -af -t 0"
  say "run -m 64m --pids-limit 50 with the systemd cgroup manager"
  # (--cgroupns host: /proc/self/cgroup of an exec then names the unit, not "/")
  must "${pm_sd[@]}" run -d --name "$NAME-sd" --network none --cgroupns host -m 64m --pids-limit 50 \
    --rootfs "$ROOTFS" "${LONG_CMD[@]}"
  must "${pm_sd[@]}" inspect -f '{{.Id}} {{.State.Pid}}' "$NAME-sd"
  local id=${OUT% *} pid=${OUT#* } unit
  unit=libpod-$id.scope
  [ "$(systemctl show -p ActiveState --value "$unit")" = active ] || fail "$unit is not an active unit"
  [ "$(systemctl show -p Delegate --value "$unit")" = yes ] || fail "$unit is not delegated"
  [ "$(systemctl show -p MemoryMax --value "$unit")" = 67108864 ] ||
    fail "$unit MemoryMax: $(systemctl show -p MemoryMax --value "$unit"), want 67108864"
  [ "$(systemctl show -p TasksMax --value "$unit")" = 50 ] ||
    fail "$unit TasksMax: $(systemctl show -p TasksMax --value "$unit"), want 50"
  grep -q "^0::/machine.slice/$unit\$" "/proc/$pid/cgroup" || fail "pid $pid is in $(cat "/proc/$pid/cgroup")"
  say "exec joins the unit's cgroup"
  must "${pm_sd[@]}" exec "$NAME-sd" cat /proc/self/cgroup
  [ "$OUT" = "0::/machine.slice/$unit" ] || fail "exec's cgroup: $OUT"
  say "stats read the unit's cgroup"
  must "${pm_sd[@]}" stats --no-stream --format '{{.MemUsage}}' "$NAME-sd"
  [[ "$OUT" == *"/ 67.11MB"* ]] || fail "stats: memory usage '$OUT', want a 67.11MB limit"
  say "update --memory 128m: the unit's property and memory.max"
  must "${pm_sd[@]}" update --memory 128m "$NAME-sd"
  [ "$(systemctl show -p MemoryMax --value "$unit")" = 134217728 ] ||
    fail "after update MemoryMax is $(systemctl show -p MemoryMax --value "$unit")"
  [ "$(cat "/sys/fs/cgroup/machine.slice/$unit/memory.max")" = 134217728 ] || fail "after update memory.max is not 128m"
  say "rm -f: the unit goes"
  must "${pm_sd[@]}" rm -f -t 0 "$NAME-sd"
  [ "$(systemctl show -p LoadState --value "$unit")" = not-found ] || fail "$unit still loaded after rm"
}

case_network() {
  alloc_net
  local net=rteng-$UNIQ
  write_conflist "$WORK/cni-conf/$net.conflist" "$net"
  local opts=(--network "$net" --cgroup-parent "/$CGROUP_PARENT")
  say "two containers on network $net ($NET_V4_SUBNET, $NET_V6_SUBNET, bridge $NET_BRIDGE)"
  pm_must run -d --name "$NAME-a" "${opts[@]}" --rootfs "$ROOTFS" "${LONG_CMD[@]}"
  state_of "$NAME-a" '{{.NetworkSettings.SandboxKey}}'
  local ns_a=$STATE
  remember_netns "$ns_a"
  pm_must run -d --name "$NAME-b" "${opts[@]}" --rootfs "$ROOTFS" "${LONG_CMD[@]}"
  state_of "$NAME-b" '{{.NetworkSettings.SandboxKey}}'
  local ns_b=$STATE
  remember_netns "$ns_b"
  [ -e "$ns_a" ] && [ -e "$ns_b" ] || fail "podman's netns paths do not exist: '$ns_a' '$ns_b'"

  local a4 b4 a6 b6
  state_of "$NAME-a" "{{(index .NetworkSettings.Networks \"$net\").IPAddress}} {{(index .NetworkSettings.Networks \"$net\").GlobalIPv6Address}}"
  read -r a4 a6 <<<"$STATE"
  state_of "$NAME-b" "{{(index .NetworkSettings.Networks \"$net\").IPAddress}} {{(index .NetworkSettings.Networks \"$net\").GlobalIPv6Address}}"
  read -r b4 b6 <<<"$STATE"
  say "addresses: a=$a4 $a6, b=$b4 $b6"
  [[ "$a4" == 10.230.$NET_IDX.* && "$b4" == 10.230.$NET_IDX.* && "$a4" != "$b4" ]] ||
    fail "IPv4 addresses not distinct in $NET_V4_SUBNET: '$a4' '$b4'"
  [[ "$a6" == fd00:230:$NET_IDX::* && "$b6" == fd00:230:$NET_IDX::* && "$a6" != "$b6" ]] ||
    fail "IPv6 addresses not distinct in $NET_V6_SUBNET: '$a6' '$b6'"
  pm_rc 0 exec "$NAME-a" ip -4 -o addr show dev eth0
  expect_out_has "$a4/24"
  local ports
  ports=$(bridge_ports)
  [ "$(wc -w <<<"$ports")" = 2 ] || fail "expected 2 veths on $NET_BRIDGE, found: '$ports'"

  say "a pings b (IPv4) and b pings a (IPv6), across the bridge"
  pm_rc 0 exec "$NAME-a" /bin/ping -c 1 -W 5 "$b4"
  expect_out_has "ttl=64"
  pm_rc 0 exec "$NAME-b" /bin/ping -6 -c 1 -W 5 "$a6"
  expect_out_has "ttl=64"

  say "stop: veths, netns and leases are released"
  pm_must stop -t 50 "$NAME-a" "$NAME-b"
  ports=$(bridge_ports)
  [ -z "$ports" ] || fail "veths left on $NET_BRIDGE after stop: $ports"
  [ -z "$(reserved_leases)" ] || fail "IP leases left after stop: $(reserved_leases)"
  [ ! -e "$ns_a" ] && [ ! -e "$ns_b" ] || fail "netns left after stop: $ns_a $ns_b"
  pm_must rm "$NAME-a" "$NAME-b"
  expect_removed
}

begin
podman_setup
CASES=(run detach pause stop init exitcodes privileged device readonly tmpfs exec-user-tty oom pause-rm network systemd)
case " ${CASES[*]} " in
  *" $CASE "*) "case_$CASE" ;;
  *)
    [ "$CASE" = all ] || fail "unknown case '$CASE' (${CASES[*]} | all)"
    for c in "${CASES[@]}"; do
      # (all: the systemd case only where it can run; by name it skips elsewhere)
      [ "$c" = systemd ] && [ ! -d /run/systemd/system ] && continue
      "case_$c"
    done
    ;;
esac
