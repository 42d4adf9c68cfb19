#!/usr/bin/env bash
# The README's main command: build rt, make the busybox bundle and run it with rt.
# (Grows with the issues: networking makes it the two-container bridge demo.)
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n>>> %s\n' "$*"; }

say "installing build dependencies (Debian packages)"
./scripts/install-deps.sh
say "building rt"
./scripts/build.sh default >/dev/null
rt=$PWD/build/bin/rt
bundle=$PWD/build/demo/busybox
say "building the busybox bundle in build/demo/busybox"
rm -rf "$bundle"
mkdir -p "$bundle"
# The demo's own config: runc's default, with a command that shows where it runs.
cat >"$bundle/config.json" <<'JSON'
{
 "ociVersion": "1.0.2",
 "process": {"terminal": false, "user": {"uid": 0, "gid": 0},
  "args": ["sh", "-c", "echo \"hello from $(hostname), pid $$ in its own pid namespace\"; echo 'processes it sees:'; ps; echo 'its mounts:'; cut -d' ' -f5,9 /proc/self/mountinfo | head -8; echo \"uid $(id -u), root read-only: $(touch /x 2>/dev/null && echo no || echo yes)\""],
  "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
  "cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
  "noNewPrivileges": true},
 "root": {"path": "rootfs", "readonly": true},
 "hostname": "rt-demo",
 "mounts": [
  {"destination": "/proc", "type": "proc", "source": "proc"},
  {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
  {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
  {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
  {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}],
 "linux": {
  "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
  "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
  "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]}
}
JSON
./bundles/make-busybox-bundle.sh "$bundle" "$rt"
say "validating the bundle"
"$rt" validate --bundle "$bundle"
root=$(mktemp -d /tmp/rt-demo-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
say "rt run: the busybox bundle as container 'demo' (state in $root)"
"$rt" --root "$root" run -b "$bundle" demo
say "rt left nothing behind: $("$rt" --root "$root" list -q | wc -l) containers in $root"
say "done"
