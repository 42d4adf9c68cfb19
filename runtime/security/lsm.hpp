// Linux security modules: process.apparmorProfile, process.selinuxLabel, linux.mountLabel.
//
// The parent checks that the LSM a field needs is enabled (a clear error otherwise: silently
// running a container without the confinement it asked for would be worse); the child
// writes the label for its next execve through /proc/thread-self/attr.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "security/step.hpp"

namespace rt::security {

// AppArmor is enabled: /sys/module/apparmor/parameters/enabled says Y.
bool apparmor_enabled() noexcept;
// SELinux is enabled: selinuxfs is mounted at /sys/fs/selinux.
bool selinux_enabled() noexcept;

// Throws rt::Error(Unsupported) naming the field when a profile or label is set and its LSM
// is not enabled: "/process/apparmorProfile: AppArmor is not enabled on this host".
// Empty strings count as unset (engines write "" for "none").
void check_lsm_support(const std::optional<std::string>& apparmor_profile,
                       std::string_view apparmor_pointer,
                       const std::optional<std::string>& selinux_label,
                       std::string_view selinux_pointer,
                       const std::optional<std::string>& mount_label = std::nullopt,
                       std::string_view mount_label_pointer = "/linux/mountLabel");

// Mount data with the SELinux context of linux.mountLabel appended ("size=64k" ->
// "size=64k,context=\"system_u:...\""), for the filesystems rt mounts fresh (tmpfs, devpts,
// mqueue); not for bind mounts, proc, sysfs or cgroup, which take no context= option. An
// empty label returns data unchanged. Parent side (allocates): compute it before clone.
std::string format_mount_label(std::string_view data, std::string_view label);

// ---- child side

// The AppArmor profile the next execve switches to ("exec <profile>" into
// /proc/thread-self/attr/apparmor/exec, or attr/exec on kernels without LSM stacking).
StepResult apply_apparmor_profile(const char* profile) noexcept;
// The SELinux label the next execve switches to (/proc/thread-self/attr/exec).
StepResult apply_selinux_label(const char* label) noexcept;
// The SELinux label of keys this process creates (attr/keycreate): set before the container
// gets its session keyring, so the keyring carries the process label (as runc).
StepResult apply_selinux_keycreate_label(const char* label) noexcept;

}  // namespace rt::security
