#!/usr/bin/env bash
# The systemd cgroup driver (--systemd-cgroup) against systemd 252 as PID 1 on pure cgroup v2,
# for runc 1.1.5 (the reference, first) and rt, with the same checks:
#   the container is a transient <prefix>-<name>.scope in its slice, Delegate=yes, with its
#   resources as unit properties (MemoryMax, TasksMax, CPUQuotaPerSecUSec, AllowedCPUs) and in
#   the cgroup files; the limits survive `systemctl daemon-reload` and a re-realization of the
#   slice (systemd-run with a CPUWeight in the same slice); `update` changes the unit's
#   properties and the files; delete removes the unit and its cgroup; a failed create leaves
#   no unit.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
ids=()
cleanup() {
  for id in "${ids[@]}"; do
    "$bin/rt" --systemd-cgroup delete -f "$id" >/dev/null 2>&1 || true
    runc --systemd-cgroup delete -f "$id" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
bundles/make-busybox-bundle.sh "$work/bundle" "$bin/rt" >/dev/null

failures=0
check() {  # check WHAT ACTUAL EXPECTED
  if [ "$2" = "$3" ]; then
    echo "  ok: $1 = $3"
  else
    echo "  FAIL: $1: got '$2', expected '$3'"
    failures=$((failures + 1))
  fi
}
prop() { systemctl show -p "$2" --value "$1"; }
cgfile() { cat "/sys/fs/cgroup/system.slice/$1/$2" 2>&1 || true; }

# config.json for a detached sleep with limits, in system.slice:PREFIX:NAME
configure() {  # configure PREFIX NAME [jq filter]
  jq --arg cp "system.slice:$1:$2" '
    .process.terminal = false | .process.args = ["sleep", "1000"] |
    .linux.cgroupsPath = $cp |
    .linux.resources.memory = {limit: 67108864} |
    .linux.resources.pids = {limit: 100} |
    .linux.resources.cpu = {quota: 50000, period: 100000, cpus: "0"}' \
    "$work/bundle/config.json.orig" | jq "${3:-.}" > "$work/bundle/config.json"
}
cp "$work/bundle/config.json" "$work/bundle/config.json.orig"

run_checks() {  # run_checks NAME RUNTIME-COMMAND... (prefix = NAME)
  local prefix=$1
  shift
  local id=vm-$prefix-$$ unit
  unit=$prefix-$id.scope
  ids+=("$id")
  echo "-- $prefix: $*"
  configure "$prefix" "$id"
  if ! "$@" --systemd-cgroup run -d --bundle "$work/bundle" "$id" </dev/null >/dev/null 2>"$work/err"; then
    echo "  FAIL: run: $(cat "$work/err")"
    failures=$((failures + 1))
    return
  fi
  local pid
  pid=$("$@" state "$id" | jq -r .pid)
  check "cgroup of the init" "$(cut -d: -f3 "/proc/$pid/cgroup")" "/system.slice/$unit"
  check "$unit ActiveState" "$(prop "$unit" ActiveState)" active
  check "$unit Slice" "$(prop "$unit" Slice)" system.slice
  check "$unit Delegate" "$(prop "$unit" Delegate)" yes
  check "$unit MemoryMax" "$(prop "$unit" MemoryMax)" 67108864
  check "$unit TasksMax" "$(prop "$unit" TasksMax)" 100
  check "$unit CPUQuotaPerSecUSec" "$(prop "$unit" CPUQuotaPerSecUSec)" 500ms
  check "$unit AllowedCPUs" "$(prop "$unit" AllowedCPUs)" 0
  local when
  for when in "after create" "after daemon-reload" "after a re-realization of system.slice"; do
    case $when in
      *daemon-reload) systemctl daemon-reload ;;
      *re-realization*) systemd-run --quiet --wait --slice=system.slice -p CPUWeight=50 true ;;
    esac
    check "memory.max $when" "$(cgfile "$unit" memory.max)" 67108864
    check "pids.max $when" "$(cgfile "$unit" pids.max)" 100
    check "cpu.max $when" "$(cgfile "$unit" cpu.max)" "50000 100000"
    check "cpuset.cpus $when" "$(cgfile "$unit" cpuset.cpus)" 0
  done
  for c in cpu cpuset memory pids; do
    grep -qw "$c" /sys/fs/cgroup/system.slice/cgroup.subtree_control &&
      check "system.slice delegates $c" yes yes || check "system.slice delegates $c" no yes
  done
  # exec joins the unit's cgroup; pause/resume and ps work through it
  check "cgroup of an exec" "$("$@" exec "$id" cat /proc/self/cgroup 2>&1 | cut -d: -f3)" "/system.slice/$unit"
  "$@" pause "$id" && check "status after pause" "$("$@" state "$id" | jq -r .status)" paused
  check "cgroup.freeze after pause" "$(cgfile "$unit" cgroup.freeze)" 1
  "$@" resume "$id" && check "status after resume" "$("$@" state "$id" | jq -r .status)" running
  check "ps lists the init" "$("$@" ps --format json "$id" | jq --argjson p "$pid" 'index($p) != null')" true
  if "$@" update --memory 134217728 --pids-limit 200 "$id" 2>"$work/err"; then
    check "MemoryMax after update" "$(prop "$unit" MemoryMax)" 134217728
    check "TasksMax after update" "$(prop "$unit" TasksMax)" 200
    check "memory.max after update" "$(cgfile "$unit" memory.max)" 134217728
    check "pids.max after update" "$(cgfile "$unit" pids.max)" 200
  else
    echo "  FAIL: update: $(cat "$work/err")"
    failures=$((failures + 1))
  fi
  "$@" kill "$id" KILL >/dev/null 2>&1 || true
  "$@" delete -f "$id" 2>"$work/err" || { echo "  FAIL: delete: $(cat "$work/err")"; failures=$((failures + 1)); }
  check "$unit after delete" "$(prop "$unit" LoadState)" not-found
  check "cgroup after delete" "$([ -e "/sys/fs/cgroup/system.slice/$unit" ] && echo present || echo gone)" gone

  # a create that fails once the unit exists (the command is not in the image) leaves no unit
  local bad=vm-$prefix-bad-$$
  ids+=("$bad")
  configure "$prefix" "$bad" '.process.args = ["/no/such/program"]'
  if "$@" --systemd-cgroup create --bundle "$work/bundle" "$bad" </dev/null >/dev/null 2>&1; then
    echo "  FAIL: create of a missing program succeeded"
    failures=$((failures + 1))
    "$@" delete -f "$bad" >/dev/null 2>&1 || true
  fi
  check "unit after a failed create" "$(prop "$prefix-$bad.scope" LoadState)" not-found
  check "cgroup after a failed create" \
    "$([ -e "/sys/fs/cgroup/system.slice/$prefix-$bad.scope" ] && echo present || echo gone)" gone
}

# A nested slice, as kubelet names pod slices: systemd makes the parents, the path expands
# the dashes the same way for both runtimes.
nested_checks() {  # nested_checks PREFIX RUNTIME-COMMAND...
  local prefix=$1
  shift
  local id=vm-nested-$prefix-$$
  ids+=("$id")
  jq --arg cp "rtvm-test-pod$$.slice:$prefix:$id" '.process.terminal = false |
    .process.args = ["sleep", "1000"] | .linux.cgroupsPath = $cp' \
    "$work/bundle/config.json.orig" > "$work/bundle/config.json"
  if "$@" --systemd-cgroup run -d --bundle "$work/bundle" "$id" </dev/null >/dev/null 2>"$work/err"; then
    local pid
    pid=$("$@" state "$id" | jq -r .pid)
    check "$prefix: cgroup in a nested slice" "$(cut -d: -f3 "/proc/$pid/cgroup")" \
      "/rtvm.slice/rtvm-test.slice/rtvm-test-pod$$.slice/$prefix-$id.scope"
    check "$prefix: Slice of the unit" "$(prop "$prefix-$id.scope" Slice)" "rtvm-test-pod$$.slice"
    "$@" delete -f "$id" >/dev/null 2>&1 || true
  else
    echo "  FAIL: $prefix: run in a nested slice: $(cat "$work/err")"
    failures=$((failures + 1))
  fi
  systemctl stop rtvm.slice 2>/dev/null || true
}

run_checks runc runc
run_checks rt "$bin/rt"
nested_checks runc runc
nested_checks rt "$bin/rt"
echo "systemd-driver: $failures failed checks"
[ "$failures" -eq 0 ]
