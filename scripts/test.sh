#!/usr/bin/env bash
# The README's test command: everything CI checks, in order.
#   1. packages (scripts/install-deps.sh)
#   1b. clang-format --dry-run -Werror over every C++ file (scripts/lint.sh --format)
#   2. build with -Werror and run every ctest test (unit, integration, conformance, smoke)
#   2b. boot the test VM (tests/vm) and run its suite inside: pure cgroup v2 with systemd
#   3. build under ASan+UBSan and run the unit tests again
#   4. build the libFuzzer targets with clang and run each for RT_FUZZ_SECONDS (default 60)
# Needs root: integration tests create namespaces, cgroups, bridges and containers.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: run as root (integration tests use namespaces, cgroups and netlink)" >&2
  exit 1
fi

step() { printf '\n==== %s\n' "$*"; }

step "dependencies"
./scripts/install-deps.sh

step "clang-format (scripts/lint.sh --format)"
./scripts/lint.sh --format

step "build (-Werror)"
./scripts/build.sh default

step "all tests"
ctest --preset default -j"$(nproc)" --timeout 600 --no-tests=error

step "test VM: Debian 12 guest, systemd as PID 1, pure cgroup v2 (tests/vm/run.sh)"
./tests/vm/run.sh

step "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
./scripts/build.sh asan
ctest --preset asan -L unit -j"$(nproc)" --timeout 600 --no-tests=error

step "fuzzing (${RT_FUZZ_SECONDS:-60} s per target)"
./scripts/build.sh fuzz
shopt -s nullglob
fuzzers=(build-fuzz/bin/fuzz-*)
if ((${#fuzzers[@]} == 0)); then
  echo "no fuzz targets built (expected build-fuzz/bin/fuzz-*)" >&2
  exit 1
fi
for f in "${fuzzers[@]}"; do
  corpus=$(mktemp -d)
  trap 'rm -rf "$corpus"' EXIT
  name=$(basename "$f")
  args=(-max_total_time="${RT_FUZZ_SECONDS:-60}" -print_final_stats=1 -artifact_prefix=build-fuzz/)
  [ -f "tests/fuzz/$name.dict" ] && args+=(-dict="tests/fuzz/$name.dict")
  seeds=()
  [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
  echo "-- $name"
  "$f" "${args[@]}" "$corpus" "${seeds[@]}" 2>&1 | tail -n 12
  rm -rf "$corpus"
  trap - EXIT
done

step "all tests passed"
