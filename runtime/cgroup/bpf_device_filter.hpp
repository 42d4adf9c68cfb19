// The cgroup v2 device controller: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE built
// from a DeviceState and attached to the container's cgroup with the raw bpf(2) syscall.
//
// The program loads (type, access, major, minor) from struct bpf_cgroup_dev_ctx, tests the
// exceptions one block each (the first match returns its verdict) and ends with the default.
// An allow exception must grant every requested access bit; a deny exception matches any
// overlap, which is what the v1 controller does (runc's filter only denies full matches).
#pragma once

#include <linux/bpf.h>

#include <vector>

#include "cgroup/device_rules.hpp"

namespace rt::cgroup {

std::vector<bpf_insn> device_filter_program(const DeviceState& state);

// Loads the program and attaches it to the cgroup (a directory fd) with BPF_F_ALLOW_MULTI,
// then detaches the programs that were attached there before: the old and new filters
// overlap for a moment (both must allow), so an update never widens access transiently.
// Throws rt::Error with the verifier's first message when the kernel rejects the program.
void attach_device_filter(int cgroup_fd, const std::vector<bpf_insn>& program);

// Ids of the device programs attached directly to the cgroup.
std::vector<uint32_t> attached_device_programs(int cgroup_fd);

}  // namespace rt::cgroup
