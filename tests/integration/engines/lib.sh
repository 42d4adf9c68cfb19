# lib.sh: shared harness of the engine recipes (podman, containerd + ctr, containerd CRI).
# Sourced by each recipe script; see docs/engines.md for how to run them by hand.
#
# Parameters (environment):
#   RUNTIME          the OCI runtime under test (default: build/bin/rt; /usr/sbin/runc works)
#   CNI_BIN_DIR      where the CNI plugins under test are (default: /usr/lib/cni, the references)
#   CNI_BRIDGE       type of the bridge plugin in CNI_BIN_DIR (bridge | rt-bridge)
#   CNI_IPAM         type of the IPAM plugin in CNI_BIN_DIR (host-local | rt-host-local)
#   ENGINE_PENDING   when set, the test is skipped (exit 77, never a pass) naming what rt lacks
#   ENGINE_DEADLINE  seconds the whole recipe may take before it aborts and cleans up (240)
#   STEP_TIMEOUT     seconds one engine command may take (60)
#   KEEP_WORKDIR=1   keep the temp dir after the run (for debugging; processes are still ended)
#
# Everything a recipe creates is registered with `defer` the moment it exists and undone in
# reverse order on any exit (pass, fail, deadline, ^C): containers, engine daemons (by pid),
# mounts and processes under the work dir, cgroups under the recipe's unique parent,
# bridges, network namespaces and IP leases. Names carry the pid and a random suffix;
# addresses come from 10.230.0.0/16 and fd00:230::/48 only, one /24 + /64 per recipe run.

set -uo pipefail
shopt -s nullglob

ENGINES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$ENGINES_DIR/../../.." && pwd)
RUNTIME=${RUNTIME:-$REPO_DIR/build/bin/rt}
CNI_BIN_DIR=${CNI_BIN_DIR:-/usr/lib/cni}
CNI_BRIDGE=${CNI_BRIDGE:-bridge}
CNI_IPAM=${CNI_IPAM:-host-local}
ENGINE_DEADLINE=${ENGINE_DEADLINE:-240}
STEP_TIMEOUT=${STEP_TIMEOUT:-60}
# Debian's interpreter: grpcio and protobuf come from Debian packages, not from a pyenv.
PYTHON=${PYTHON:-/usr/bin/python3}

RECIPE=$(basename "$0" .sh)
CASE=${1:-all}
TEST_TAG="$RECIPE/$CASE [runtime $(basename "$RUNTIME"), cni $CNI_BRIDGE+$CNI_IPAM]"
UNIQ="$$-$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')"

# ---------------------------------------------------------------------------------------
# reporting

say() { printf -- '-- %s\n' "$*"; }
fail() {
  printf 'FAIL: %s: %s\n' "$TEST_TAG" "$*" >&2
  exit 1
}
skip() {
  printf 'SKIPPED (not a pass): %s: %s\n' "$TEST_TAG" "$*" >&2
  exit 77
}

# ---------------------------------------------------------------------------------------
# cleanup stacks: `defer CMD` runs CMD (a string, eval'ed) at exit, last registered first;
# engine-level undo (podman rm, ctr delete, stopping containerd) goes there. `defer_late`
# is for the harness's own safety net (netns, bridges, cgroups, the work dir): it runs after
# every `defer`, and whatever it still finds on the way is reported as left behind.

_deferred=()
_deferred_late=()
defer() { _deferred+=("$*"); }
defer_late() { _deferred_late+=("$*"); }
_run_deferred() {
  local i
  for ((i = ${#_deferred[@]} - 1; i >= 0; i--)); do
    eval "${_deferred[i]}" >/dev/null 2>&1 || true
  done
  for ((i = ${#_deferred_late[@]} - 1; i >= 0; i--)); do
    eval "${_deferred_late[i]}" >/dev/null 2>&1 || true
  done
  _deferred=() _deferred_late=()
}
_on_exit() {
  local rc=$?
  trap - EXIT TERM INT
  if ((rc != 0 && rc != 77)); then
    dump_runtime_calls
    [ -s "${CNI_LOG:-/dev/null}" ] && { printf '   CNI calls:\n' >&2; sed 's/^/     /' "$CNI_LOG" >&2; }
    [ -n "${ENGINE_LOG:-}" ] && [ -s "$ENGINE_LOG" ] && { printf '   %s (last lines):\n' "$ENGINE_LOG" >&2; grep -v 'level=info' "$ENGINE_LOG" | tail -n 25 | sed 's/^/     /' >&2; }
  fi
  _run_deferred
  if ((${#_leftovers[@]})); then
    printf 'FAIL: %s: cleanup left: %s\n' "$TEST_TAG" "${_leftovers[*]}" >&2
    ((rc == 0 || rc == 77)) && rc=1
  fi
  ((rc == 0)) && printf 'PASS: %s\n' "$TEST_TAG"
  exit "$rc"
}
_leftovers=()
trap _on_exit EXIT
trap 'printf "FAIL: %s: interrupted\n" "$TEST_TAG" >&2; exit 1' TERM INT

# A watchdog turns a hang into a failure that still cleans up: it sends TERM to the recipe
# after ENGINE_DEADLINE seconds; every engine command is itself bounded by STEP_TIMEOUT.
_start_watchdog() {
  (
    trap 'kill "$sp" 2>/dev/null; exit 0' TERM
    sleep "$ENGINE_DEADLINE" &
    sp=$!
    wait "$sp"
    printf 'FAIL: %s: deadline of %ss reached\n' "$TEST_TAG" "$ENGINE_DEADLINE" >&2
    kill -TERM $$
  ) &
  defer "kill $! 2>/dev/null"
}

# ---------------------------------------------------------------------------------------
# running commands: OUT / ERR / RC hold the result of the last `run`

OUT= ERR= RC=0
run() {
  local o e
  o=$(mktemp) e=$(mktemp)
  timeout -k 5 "$STEP_TIMEOUT" "$@" >"$o" 2>"$e" </dev/null
  RC=$?
  OUT=$(tr -d '\0' <"$o") ERR=$(tr -d '\0' <"$e")
  rm -f "$o" "$e"
  ((RC == 124)) && printf 'note: timed out after %ss: %s\n' "$STEP_TIMEOUT" "$*" >&2
  return 0
}
_show() { printf '   command: %s\n   rc=%s\n   stdout: %s\n   stderr: %s\n' "$1" "$RC" "$OUT" "$ERR" >&2; }
# must CMD...: CMD succeeds (rc 0)
must() {
  run "$@"
  ((RC == 0)) || {
    _show "$*"
    fail "command failed: $*"
  }
}
# expect_rc N CMD...: CMD exits with N
expect_rc() {
  local want=$1
  shift
  run "$@"
  ((RC == want)) || {
    _show "$*"
    fail "expected exit code $want, got $RC: $*"
  }
}
# expect_out TEXT: the last command's stdout, stripped of CR (ttys), equals TEXT
expect_out() {
  local got=${OUT//$'\r'/}
  [[ "$got" == "$1" ]] || fail "expected stdout '$1', got '$got'"
}
expect_out_has() {
  [[ "$OUT" == *"$1"* ]] || fail "expected stdout to contain '$1', got '$OUT'"
}

require_cmds() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null || fail "'$c' is not installed: run scripts/install-deps.sh (engines group)"
  done
}

# ---------------------------------------------------------------------------------------
# the recipe's world

# begin: root check, pending check, runtime check, work dir and watchdog.
begin() {
  [ "$(id -u)" -eq 0 ] || fail "engine tests need root"
  [ -z "${ENGINE_PENDING:-}" ] || skip "$ENGINE_PENDING (runnable by hand against the reference: RUNTIME=/usr/sbin/runc $0 $CASE)"
  [ -x "$RUNTIME" ] || fail "RUNTIME=$RUNTIME is not an executable (build rt, or set RUNTIME=/usr/sbin/runc)"
  RUNTIME=$(readlink -f "$RUNTIME")
  WORK=$(mktemp -d "/tmp/rt-eng-$RECIPE-$CASE.XXXXXX")
  chmod 755 "$WORK"
  defer_late _remove_workdir
  _start_watchdog
  say "$TEST_TAG: work dir $WORK"
  _wrap_runtime
}

# The engines call the runtime through a wrapper that logs each call's arguments, so a
# recipe can prove that RUNTIME (not some default runc) ran, and a failure shows what the
# engine asked for. It keeps the runtime's basename (podman keys JSON-log support on it).
_wrap_runtime() {
  mkdir -p "$WORK/bin"
  RUNTIME_LOG=$WORK/runtime-calls.log
  : >"$RUNTIME_LOG"
  ENGINE_RUNTIME=$WORK/bin/$(basename "$RUNTIME")
  # Podman has no setting for the runtime's --root (and its exit-command cleanup drops
  # --runtime-flag, leaking state), so when the engine passes no --root the wrapper adds
  # the run's own: rt and runc never touch /run/rt or /run/runc in these tests.
  RUNTIME_ROOT=$WORK/runtime-root
  cat >"$ENGINE_RUNTIME" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>'$RUNTIME_LOG'
case " \$* " in
  *" --root "* | *" --root="*) exec '$RUNTIME' "\$@" ;;
esac
exec '$RUNTIME' --root '$RUNTIME_ROOT' "\$@"
EOF
  chmod 755 "$ENGINE_RUNTIME"
}

# runtime_was_called VERB: the engine called RUNTIME with subcommand VERB at least once.
runtime_was_called() {
  grep -Eq "(^| )$1( |\$)" "$RUNTIME_LOG" ||
    fail "the engine never called '$(basename "$RUNTIME") $1' (calls: $(tr '\n' ';' <"$RUNTIME_LOG"))"
}

dump_runtime_calls() {
  [ -s "${RUNTIME_LOG:-/dev/null}" ] || return 0
  printf '   runtime calls:\n' >&2
  sed 's/^/     /' "$RUNTIME_LOG" | tail -n 40 >&2
}

# Every process that still refers to the work dir (engine daemons, shims, conmon, container
# processes started from its rootfs) is ended by pid; then mounts under it go, then the dir.
_pids_under_workdir() {
  local p exe
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] && continue
    if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$WORK"; then
      echo "$p"
      continue
    fi
    exe=$(readlink "/proc/$p/root" 2>/dev/null) || continue
    [[ "$exe" == "$WORK"/* ]] && echo "$p"
  done
}
_remove_workdir() {
  [ -n "${WORK:-}" ] && [ -d "$WORK" ] || return 0
  local pids
  pids=$(_pids_under_workdir)
  if [ -n "$pids" ]; then
    _leftovers+=("processes($(echo $pids))")
    kill -9 $pids 2>/dev/null
    sleep 0.2
  fi
  local m
  # deepest first; lazy so a busy mount cannot stop the cleanup
  for m in $(findmnt -rn -o TARGET | grep -F "$WORK" | sort -r); do
    umount -l "$m" 2>/dev/null
  done
  if [ "${KEEP_WORKDIR:-0}" = 1 ]; then
    printf 'note: kept %s\n' "$WORK" >&2
  else
    rm -rf "$WORK" 2>/dev/null || _leftovers+=("workdir $WORK")
  fi
}

# own_host_dirs DIR...: fixed host paths an engine creates whatever its settings say (dockerd's
# /run/docker/plugins, the containerd shim's socket dir /run/containerd/s, ...). The first run
# that finds DIR missing leaves a mark under /run/rt-engine-tests/created (kept: runs overlap
# under ctest -j, and any of them may be the last); every run that sees the mark removes DIR at
# exit as far as it is empty (a concurrent run's live socket keeps its dir; that run removes it
# later). A DIR the host had before the first run has no mark and is never touched.
OWNED_MARKS=/run/rt-engine-tests/created
own_host_dirs() {
  local dir mark
  mkdir -p "$OWNED_MARKS"
  for dir in "$@"; do
    mark=$OWNED_MARKS/${dir//\//_}
    [ -e "$dir" ] || touch "$mark"
    [ -e "$mark" ] && defer_late "[ ! -d '$dir' ] || find '$dir' -depth -type d -empty -delete"
  done
}

# ---------------------------------------------------------------------------------------
# cgroups: every recipe puts its containers under one parent named after the run

CGROUP_PARENT=rt-eng-$UNIQ
# Thaw, kill and remove everything under /<parent> in every hierarchy (v1 controllers and
# the unified v2 mount); a dir that will not go is reported as a leftover.
cleanup_cgroups() {
  local parent=${1:-$CGROUP_PARENT} h d p
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    d=$h$parent
    [ -d "$d" ] || continue
    [ -f "$d/freezer.state" ] && find "$d" -name freezer.state -exec sh -c 'echo THAWED > "$1"' _ {} \; 2>/dev/null
    [ -f "$d/cgroup.freeze" ] && find "$d" -name cgroup.freeze -exec sh -c 'echo 0 > "$1"' _ {} \; 2>/dev/null
    for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
      kill -9 "$p" 2>/dev/null && _leftovers+=("process $p in cgroup $d")
    done
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    [ -d "$d" ] && {
      sleep 0.3
      find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    }
    [ -d "$d" ] && _leftovers+=("cgroup $d")
  done
  return 0
}

# ---------------------------------------------------------------------------------------
# networks: one /24 of 10.230.0.0/16 and one /64 of fd00:230::/48 per run. Index 0 is the
# default network (rt0) that ships with the install; tests take 1..250. A slot is a dir
# under /run/rt-engine-tests holding the owner's pid; a dead owner's slot is reclaimed.

NET_SLOTS=/run/rt-engine-tests/nets
alloc_net() {
  mkdir -p "$NET_SLOTS"
  local i owner
  for i in $(seq 1 250); do
    if ! mkdir "$NET_SLOTS/$i" 2>/dev/null; then
      owner=$(cat "$NET_SLOTS/$i/pid" 2>/dev/null || echo)
      if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then continue; fi
      # stale: its owner died without cleaning; take it over (its bridge too)
      ip link del "rteng$i" 2>/dev/null
      rm -rf "$NET_SLOTS/$i"
      mkdir "$NET_SLOTS/$i" 2>/dev/null || continue
    fi
    echo $$ >"$NET_SLOTS/$i/pid"
    # someone outside this harness uses the subnet: leave it alone
    if ip -4 route show to match "10.230.$i.1" | grep -q "10.230.$i.0/24"; then
      rm -rf "$NET_SLOTS/$i"
      continue
    fi
    NET_IDX=$i
    NET_BRIDGE=rteng$i
    NET_V4_SUBNET=10.230.$i.0/24
    NET_V4_GW=10.230.$i.1
    NET_V6_SUBNET=fd00:230:$i::/64
    NET_V6_GW=fd00:230:$i::1
    defer_late "rm -rf '$NET_SLOTS/$i'"
    defer_late "_remove_bridge $NET_BRIDGE"
    defer_late _remove_fw_rules
    return 0
  done
  fail "no free test subnet in 10.230.1-250.0/24"
}
_remove_bridge() {
  ip link show "$1" >/dev/null 2>&1 || return 0
  local ports
  ports=$(ip -o link show master "$1" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1)
  [ -n "$ports" ] && _leftovers+=("veths on $1: $(echo $ports)")
  for p in $ports; do ip link del "$p" 2>/dev/null; done
  ip link del "$1" 2>/dev/null
}

# Firewall rules of this run left behind (iptables-nft and nft both land in nftables): any
# rule naming the run's bridge, subnets or unique suffix (in CNI's comments "name: NET id:
# ID") is reported, deleted by handle, and a per-container CNI-* chain it jumps to goes too.
# The tests' networks ask for no rules (ipMasq false, no portmap/firewall), so any is a leak.
_remove_fw_rules() {
  command -v nft >/dev/null || return 0
  local pat="\"$NET_BRIDGE\"|10\\.230\\.$NET_IDX\\.|fd00:230:$NET_IDX:|$UNIQ"
  local family table chain rule handle target
  local -a chains=()
  while read -r family table chain handle target rule; do
    _leftovers+=("firewall rule ($family $table $chain: $rule)")
    nft delete rule "$family" "$table" "$chain" handle "$handle" 2>/dev/null
    [[ "$target" == CNI-* ]] && chains+=("$family $table $target")
  done < <(nft -a list ruleset 2>/dev/null | awk -v pat="$pat" '
    $1 == "table" { family = $2; table = $3 }
    $1 == "chain" { chain = $2 }
    /# handle [0-9]+$/ && $1 != "chain" && $1 != "table" && $0 ~ pat {
      handle = $NF; target = "-"
      for (i = 1; i < NF; i++) if ($i == "jump" || $i == "goto") target = $(i + 1)
      line = $0; sub(/ *# handle [0-9]+$/, "", line); gsub(/^[ \t]+/, "", line)
      print family, table, chain, handle, target, line
    }')
  local c
  for c in "${chains[@]}"; do
    nft flush chain $c 2>/dev/null && nft delete chain $c 2>/dev/null
  done
  return 0
}

# make_cni_bin_dir [log]: a plugin dir with the plugins under test under their type names
# plus the reference loopback (containerd's CRI needs it); with "log", every call of the
# bridge plugin is recorded in $WORK/cni-calls.log (verb, netns, exit code) and its
# interface and CNI_ARGS in $WORK/cni-args.log (verb, ifname, args); named netns given to
# ADD are removed at exit if still there (and reported as left behind).
make_cni_bin_dir() {
  CNI_DIR=$WORK/cni-bin
  mkdir -p "$CNI_DIR"
  local p
  for p in "$CNI_BRIDGE" "$CNI_IPAM"; do
    [ -x "$CNI_BIN_DIR/$p" ] || fail "CNI plugin $CNI_BIN_DIR/$p missing (build it, or use the references in /usr/lib/cni)"
    ln -sf "$(readlink -f "$CNI_BIN_DIR/$p")" "$CNI_DIR/$p"
  done
  [ -x /usr/lib/cni/loopback ] || fail "/usr/lib/cni/loopback missing (apt-get install containernetworking-plugins)"
  [ -e "$CNI_DIR/loopback" ] || ln -sf /usr/lib/cni/loopback "$CNI_DIR/loopback"
  if [ "${1:-}" = log ]; then
    CNI_LOG=$WORK/cni-calls.log
    : >"$CNI_LOG"
    rm "$CNI_DIR/$CNI_BRIDGE"
    # every netns handed to ADD, noted before the plugin runs: a run cut short between an
    # engine's ADD and the recipe's own remember_netns still has its netns removed
    NETNS_LOG=$WORK/cni-netns.log
    : >"$NETNS_LOG"
    defer_late _remove_logged_netns
    cat >"$CNI_DIR/$CNI_BRIDGE" <<EOF
#!/bin/sh
[ "\$CNI_COMMAND" != ADD ] || [ -z "\$CNI_NETNS" ] || printf '%s\n' "\$CNI_NETNS" >>'$NETNS_LOG'
'$(readlink -f "$CNI_BIN_DIR/$CNI_BRIDGE")' "\$@"
rc=\$?
printf '%s netns=%s id=%s rc=%s\n' "\$CNI_COMMAND" "\${CNI_NETNS:-<empty>}" "\$CNI_CONTAINERID" "\$rc" >>'$CNI_LOG'
printf '%s %s %s\n' "\$CNI_COMMAND" "\$CNI_IFNAME" "\${CNI_ARGS:-}" >>'$WORK/cni-args.log'
exit \$rc
EOF
    chmod 755 "$CNI_DIR/$CNI_BRIDGE"
  fi
}

# write_conflist FILE NAME: a dual-stack bridge network on this run's subnet, with leases in
# $WORK/leases so the recipe can check that every reservation is released.
write_conflist() {
  LEASES=$WORK/leases
  mkdir -p "$LEASES" "$(dirname "$1")"
  cat >"$1" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$2",
  "plugins": [
    {
      "type": "$CNI_BRIDGE",
      "bridge": "$NET_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "$CNI_IPAM",
        "dataDir": "$LEASES",
        "ranges": [
          [{ "subnet": "$NET_V4_SUBNET", "gateway": "$NET_V4_GW" }],
          [{ "subnet": "$NET_V6_SUBNET", "gateway": "$NET_V6_GW" }]
        ]
      }
    }
  ]
}
EOF
}

# Leases of this run still reserved (files named after an address).
reserved_leases() {
  find "${LEASES:-/nonexistent}" -type f \( -name '10.230.*' -o -name 'fd00:230:*' \) -printf '%f ' 2>/dev/null
}
bridge_ports() { ip -o link show master "$NET_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | tr '\n' ' '; }

# remember_netns PATH: a netns an engine made for us; removed at exit if the engine did not.
remember_netns() {
  [ -n "$1" ] || return 0
  defer_late "_remove_netns '$1'"
}
# Named netns (under /run/netns) the plugin was given by an engine and still there.
_remove_logged_netns() {
  local ns
  [ -s "${NETNS_LOG:-}" ] || return 0
  for ns in $(sort -u "$NETNS_LOG"); do
    case "$ns" in /run/netns/* | /var/run/netns/*) _remove_netns "$ns" ;; esac
  done
}
_remove_netns() {
  [ -e "$1" ] || return 0
  _leftovers+=("netns $1")
  umount "$1" 2>/dev/null
  rm -f "$1"
}

# ---------------------------------------------------------------------------------------
# images: the busybox rootfs, and an OCI image of it (for containerd)

# make_rootfs DIR: busybox rootfs from Debian's busybox-static, as bundles/ builds it.
make_rootfs() {
  must "$REPO_DIR/bundles/make-busybox-bundle.sh" --rootfs-only "$1"
  ROOTFS=$1/rootfs
}

# make_oci_image TAR: OCI image archive (umoci) of the busybox rootfs whose default command
# sleeps until killed, as a pod's sandbox ("pause") container needs.
make_oci_image() {
  must "$REPO_DIR/bundles/make-oci-image.sh" "$WORK/image-src" "$1"
}
