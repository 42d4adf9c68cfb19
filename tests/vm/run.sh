#!/usr/bin/env bash
# tests/vm/run.sh: boots the test VM (Debian 12 guest, systemd as PID 1, pure cgroup v2 with
# every controller), runs tests inside, brings back their output and exit codes, powers off.
#   tests/vm/run.sh                 every test in tests/vm/suite/ (one boot)
#   tests/vm/run.sh NAME...         those tests only (tests/vm/suite/NAME.sh, tests/vm/extra/NAME.sh)
#   tests/vm/run.sh --cmd 'CMD'     one shell command in the guest, its exit code is ours
# The project tree (with build/) is shared read-only at the same path, so the guest runs the
# binaries the host built. Each boot gets a throw-away qcow2 overlay on the cached image
# (tests/vm/build-image.sh); the guest has no network device.
# Exit: 0 all passed, 1 a test failed or the VM did not report, 77 the VM cannot run here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

cmd=
tests=()
while (($#)); do
  case $1 in
    --cmd) cmd=$2; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) tests+=("$1"); shift ;;
  esac
done
if [ -z "$cmd" ] && ((${#tests[@]} == 0)); then
  for t in "$here"/suite/*.sh; do
    [ "$(basename "$t")" = lib.sh ] || tests+=("$(basename "$t" .sh)")
  done
fi
# a test by name: tests/vm/suite/NAME.sh (the default list) or tests/vm/extra/NAME.sh
paths=()
for t in "${tests[@]}"; do
  if [ -f "$here/suite/$t.sh" ]; then
    paths+=("tests/vm/suite/$t.sh")
  elif [ -f "$here/extra/$t.sh" ]; then
    paths+=("tests/vm/extra/$t.sh")
  else
    echo "run.sh: no test $t (tests/vm/suite/$t.sh or tests/vm/extra/$t.sh)" >&2
    exit 2
  fi
done

command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 not installed" >&2; exit 77; }
image=$("$here/build-image.sh")

# KVM only where it can run a stock kernel: KVM-PVM (module kvm_pvm) cannot, so use TCG there.
accel=(-accel tcg -cpu max)
if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && [ -z "${RT_VM_TCG:-}" ]; then
  accel=(-accel kvm -cpu host)
fi

run=$(mktemp -d /tmp/rt-vm-XXXXXX)
qemu_pid=
tail_pid=
cleanup() {
  [ -z "$qemu_pid" ] || kill -9 "$qemu_pid" 2>/dev/null || true
  [ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null || true
  rm -rf "$run"
}
trap cleanup EXIT
mkdir "$run/results"
qemu-img create -q -f qcow2 -b "$image/rootfs.img" -F raw "$run/overlay.qcow2"
printf 'RT_VM_REPO=%q\n' "$repo" > "$run/results/env"
{
  echo 'set -u'
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  # settings of the guest tests (tests/vm/suite/lib.sh)
  [ -z "${RT_VM_CONFORMANCE:-}" ] || printf 'export RT_VM_CONFORMANCE=%q\n' "$RT_VM_CONFORMANCE"
  if [ -n "$cmd" ]; then
    printf '%s\n' "$cmd"
  else
    echo 'passed=0 failed=0 skipped=0 failures='
    for i in "${!tests[@]}"; do
      t=${tests[i]}
      cat <<GUEST
echo "==== vm test $t"
rc=0; bash ${paths[i]} || rc=\$?
case \$rc in
  0) passed=\$((passed + 1)); echo "vm test $t: passed" ;;
  77) skipped=\$((skipped + 1)); echo "vm test $t: skipped" ;;
  *) failed=\$((failed + 1)); failures="\$failures $t"; echo "vm test $t: FAILED (exit \$rc)" ;;
esac
GUEST
    done
    echo 'echo "vm: $passed passed, $failed failed, $skipped skipped${failures:+ (failed:$failures)}"'
    echo '[ "$failed" -eq 0 ]'
  fi
} > "$run/results/cmd.sh"

echo "run.sh: booting the test VM (${accel[1]}, image $(basename "$image"), $(cat "$image/kernel"))" >&2
started=$(date +%s)
qemu-system-x86_64 "${accel[@]}" -machine q35 -smp "${RT_VM_CPUS:-2}" -m "${RT_VM_MEMORY:-4096}" \
  -display none -monitor none -no-reboot -nic none \
  -serial "file:$run/console.log" \
  -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 panic=-1 quiet systemd.show_status=0 systemd.unified_cgroup_hierarchy=1" \
  -drive "file=$run/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe" \
  -virtfs "local,path=$run/results,mount_tag=results,security_model=none,id=results" \
  -virtfs "local,path=$repo,mount_tag=repo,security_model=none,readonly=on,id=repo" &
qemu_pid=$!
# the guest's output as it comes (9p writes reach the host file directly)
tail -F -n +1 --pid="$qemu_pid" "$run/results/output.log" 2>/dev/null &
tail_pid=$!
# The guest powers itself off when done; a bound on the whole run catches a hung guest.
deadline=$((started + ${RT_VM_TIMEOUT:-2700}))
while kill -0 "$qemu_pid" 2>/dev/null; do
  if (($(date +%s) > deadline)); then
    echo "run.sh: the VM did not finish within ${RT_VM_TIMEOUT:-2700} s; its console:" >&2
    tail -n 40 "$run/console.log" >&2 || true
    exit 1
  fi
  sleep 1
done
wait "$qemu_pid" || true
qemu_pid=
wait "$tail_pid" 2>/dev/null || true
if [ ! -f "$run/results/exit-code" ]; then
  echo "run.sh: the guest reported no exit code after $(($(date +%s) - started)) s; its console:" >&2
  tail -n 40 "$run/console.log" >&2 || true
  exit 1
fi
rc=$(cat "$run/results/exit-code")
echo "run.sh: guest finished in $(($(date +%s) - started)) s, exit $rc" >&2
exit "$rc"
