# Sourced by every guest test (tests/vm/suite/*.sh): runs in the guest, cwd = the project tree
# (read-only, the host's build/ inside). Exit 0 passed, 77 skipped (say why), else failed.
set -euo pipefail
bin=$PWD/build/bin
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || fail "/sys/fs/cgroup is not cgroup2 in the guest"
[ -x "$bin/rt" ] || fail "$bin/rt is not built (cmake --build --preset default on the host)"
# conformance_args: the suite's --run_test selection for this run (RT_VM_CONFORMANCE).
conformance_args() {
  args=()
  case ${RT_VM_CONFORMANCE:-layout} in
    all) ;;
    layout) args=(--run_test=cgroups:lifecycle) ;;
    *) args=("--run_test=$RT_VM_CONFORMANCE") ;;
  esac
}
