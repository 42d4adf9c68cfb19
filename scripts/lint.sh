#!/usr/bin/env bash
# Lint gate: clang-format (.clang-format) and clang-tidy (.clang-tidy) must report nothing.
#   scripts/lint.sh                   both, over the whole project
#   scripts/lint.sh --format          only clang-format --dry-run -Werror (a few seconds)
#   scripts/lint.sh --tidy            only clang-tidy (slow: ~11 s per translation unit)
#   scripts/lint.sh --changed main    only files changed since a ref (committed or not); for
#                                     clang-tidy, changed .cpp files and the TUs that include
#                                     a changed header
#   scripts/lint.sh --fix             rewrite files with clang-format instead of checking
#   scripts/lint.sh [options] FILE... only these files (sources, or headers for clang-format)
# clang-tidy reads build/compile_commands.json (or $RT_LINT_BUILD_DIR): build first. It runs
# $RT_LINT_JOBS (default 2) files at a time. Exits non-zero on any warning.
set -euo pipefail
cd "$(dirname "$0")/.."

do_format=1 do_tidy=1 fix=0 ref= only=()
while (($#)); do
  case $1 in
    --format) do_tidy=0 ;;
    --tidy) do_format=0 ;;
    --fix) fix=1 do_tidy=0 ;;
    --changed) ref=${2:?--changed needs a git ref}; shift ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "lint.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) only+=("$1") ;;
  esac
  shift
done

format_bin=${CLANG_FORMAT:-clang-format}
tidy_bin=${CLANG_TIDY:-$(command -v clang-tidy-14 || echo clang-tidy)}
build_dir=${RT_LINT_BUILD_DIR:-build}
jobs=${RT_LINT_JOBS:-2}
cxx_pattern='\.(cpp|hpp|h|cc)$'

# Project C++ files, tracked by git (so build dirs and generated files never count).
project_files() { git ls-files -- '*.cpp' '*.hpp' '*.h' '*.cc'; }
changed_files() {
  # From the merge base: files changed on this branch (committed or not), not on $ref since.
  { git diff --name-only --diff-filter=d "$(git merge-base "$ref" HEAD)" -- ;
    git ls-files --others --exclude-standard; } |
    sort -u | grep -E "$cxx_pattern" || true
}
if ((${#only[@]})); then
  files=("${only[@]}")
elif [ -n "$ref" ]; then
  git rev-parse --verify -q "$ref^{commit}" >/dev/null || { echo "lint.sh: no such ref $ref" >&2; exit 2; }
  mapfile -t files < <(changed_files)
else
  mapfile -t files < <(project_files)
fi

status=0

if ((do_format)); then
  if ((${#files[@]} == 0)); then
    echo "lint.sh: clang-format: no files"
  elif ((fix)); then
    "$format_bin" -i -- "${files[@]}"
    echo "lint.sh: clang-format: rewrote ${#files[@]} files"
  else
    if "$format_bin" --dry-run -Werror -- "${files[@]}"; then
      echo "lint.sh: clang-format: ${#files[@]} files clean"
    else
      echo "lint.sh: clang-format: warnings above (fix: scripts/lint.sh --fix)" >&2
      status=1
    fi
  fi
fi

if ((do_tidy)); then
  db=$build_dir/compile_commands.json
  [ -f "$db" ] || { echo "lint.sh: $db missing: configure and build first (scripts/build.sh)" >&2; exit 2; }
  root=$(pwd -P)
  # Translation units of the project: sources under the repo, not generated into a build dir.
  mapfile -t all_tus < <(python3 - "$db" "$root" <<'EOF'
import json, os, sys
db, root = sys.argv[1], sys.argv[2]
seen = set()
for entry in json.load(open(db)):
    path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
    rel = os.path.relpath(path, root)
    # A source built into several targets (a test harness) is checked once.
    if rel.startswith("..") or rel.split(os.sep)[0].startswith("build") or rel in seen:
        continue
    seen.add(rel)
    print(rel)
EOF
  )
  if [ -n "$ref" ] || ((${#only[@]})); then
    # Changed sources, plus every TU that includes a changed header (by file name: cheap and
    # errs on the side of checking more).
    declare -A pick=()
    for f in "${files[@]}"; do
      case $f in
        *.cpp | *.cc) pick[$f]=1 ;;
        *)
          name=$(basename "$f")
          for tu in "${all_tus[@]}"; do
            grep -qE "#include [<\"]([^>\"]*/)?${name//./\\.}[>\"]" "$tu" && pick[$tu]=1
          done
          ;;
      esac
    done
    tus=()
    for tu in "${all_tus[@]}"; do [ -n "${pick[$tu]:-}" ] && tus+=("$tu"); done
  else
    tus=("${all_tus[@]}")
  fi
  if ((${#tus[@]} == 0)); then
    echo "lint.sh: clang-tidy: no translation units"
  else
    # The project's own headers, by absolute path: .clang-tidy's relative HeaderFilterRegex
    # would also match a checkout that happens to live under a directory named like ours.
    header_filter="^$(printf '%s' "$root" | sed 's/[][\.*^$+?(){}|]/\\&/g')/(oci|runtime|network-plugin|conformance|bundles|bench|tests)/"
    echo "lint.sh: clang-tidy: ${#tus[@]} translation units, $jobs at a time"
    start=$SECONDS
    # Each file's output is printed in one piece, only when it has findings.
    if printf '%s\0' "${tus[@]}" | xargs -0 -n1 -P"$jobs" bash -c '
        out=$("$0" --quiet -p "$1" --header-filter="$2" --warnings-as-errors="*" "$3" 2>&1) && exit 0
        printf "%s\n" "$out" | grep -v -E "^[0-9]+ (warnings?|errors?) (generated|treated as errors)\.?$"
        exit 1' "$tidy_bin" "$build_dir" "$header_filter"; then
      echo "lint.sh: clang-tidy: clean ($((SECONDS - start)) s)"
    else
      echo "lint.sh: clang-tidy: warnings above ($((SECONDS - start)) s)" >&2
      status=1
    fi
  fi
fi

exit $status
