#!/usr/bin/env bash
# The README's main command: build rt, make the busybox bundle and run it.
# (Grows with the issues: lifecycle runs the bundle; networking makes it the two-container
# bridge demo.)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n>>> %s\n' "$*"; }

say "installing build dependencies (Debian packages)"
./scripts/install-deps.sh
say "building rt"
./scripts/build.sh default >/dev/null
say "building the busybox bundle in build/demo/busybox"
rm -rf build/demo/busybox
./bundles/make-busybox-bundle.sh build/demo/busybox
say "validating the bundle (config.json from rt spec, rootfs present)"
./build/bin/rt validate --bundle build/demo/busybox
say "done"
