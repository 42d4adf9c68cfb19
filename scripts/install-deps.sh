#!/usr/bin/env bash
# Installs every Debian 12 package rt needs to build, test and demo. Idempotent: does
# nothing (and needs no network) when all packages are already present.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git clang
  clang-format clang-tidy  # scripts/lint.sh
  rapidjson-dev libseccomp-dev libnl-3-dev libnl-route-3-dev libcli11-dev libboost-test-dev
  libsystemd-dev  # rt-systemd, the systemd cgroup driver's D-Bus helper
  # bundles and tests
  busybox-static iproute2 nftables iptables procps util-linux
  strace  # tests/integration/cni: which plugins rt-bridge exec's
  # references for side-by-side tests and benchmarks
  runc crun containernetworking-plugins
  # engines: tests/integration/engines (podman, containerd + ctr, containerd's CRI, docker,
  # buildah) and bundles/ (umoci images, the optional Debian bundle). crictl is not in Debian 12: the
  # CRI test speaks gRPC through python3-grpcio with a protoc-generated subset of the API.
  podman conmon catatonit containerd umoci debootstrap docker.io buildah
  python3-grpcio python3-protobuf protobuf-compiler jq
  # the test VM (tests/vm): qemu under TCG, the guest image built from Debian packages
  qemu-system-x86 qemu-utils kmod e2fsprogs cpio
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  # Installing docker.io or containerd must not start their system daemons (their iptables
  # rules and bridges would change the host under the tests): services stay stopped while apt
  # runs, unless the machine already has a policy of its own.
  policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
  fi
  rc=0
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
  [ -z "$policy" ] || $SUDO rm -f "$policy"
  [ "$rc" -eq 0 ] || exit "$rc"
fi
