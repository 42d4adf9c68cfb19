// `rt features`: the single place that decides what rt claims. One function per area; each
// says what rt implements *today*. Engines read this document to decide what they may put
// in config.json, so a claim that is not implemented is a bug: add names here in the same
// commit that implements them, not before.
#include "core/features.hpp"

#include <seccomp.h>

#include "linux/mount_options.hpp"
#include "rt/oci/names.hpp"
#include "rt/version.hpp"
#include "security/features.hpp"

namespace rt::core {

// ---------------------------------------------------------------- lifecycle (issue 3)
// Each claim is exercised by tests/integration/lifecycle (hooks_console_test: all six hook
// kinds in order; container_test: every namespace, created and joined by path, incl. time).

std::vector<std::string> hook_features() {
    return {std::begin(oci::names::kHooks), std::end(oci::names::kHooks)};
}

std::vector<std::string> mount_option_features() {
    return linux::known_mount_options();
}

std::vector<std::string> namespace_features() {
    return {"mount", "pid", "network", "uts", "ipc", "user", "cgroup", "time"};
}

void fill_lifecycle_features(oci::Features::Linux& linux) {
    // Idmapped bind mounts (container_test: idmapped_bind_mounts); other mount types are refused.
    linux.idmapMounts = true;
    // linux.netDevices: moved, renamed, addresses kept, up (lifecycle/net_devices_test).
    linux.netDevices = true;
}

// ---------------------------------------------------------------- cgroups (issue 4)
// Owner: the cgroup engineer (runtime/cgroup, docs/cgroups.md).

void fill_cgroup_features(oci::Features::Linux& linux) {
    linux.cgroup.v1 = true;  // legacy and hybrid hosts, every v1 controller
    linux.cgroup.v2 = true;  // unified hosts; the eBPF device filter
    // --systemd-cgroup: the container's cgroup is a transient systemd unit (rt-systemd, over
    // D-Bus), delegated, with the resources systemd owns as unit properties.
    linux.cgroup.systemd = true;
    linux.cgroup.systemdUser = false;  // no rootless user-manager delegation
    linux.cgroup.rdma = true;          // rdma.max, when the host has the controller
    linux.intelRdt = false;
}

// ---------------------------------------------------------------- security (issue 5)
// Owner: the security engineer; the lists come from runtime/security/features.cpp.

void fill_security_features(oci::Features::Linux& linux) {
    security::fill_security_features(linux);
}

// ---------------------------------------------------------------- the document

oci::Features runtime_features() {
    oci::Features f;  // ociVersionMin/Max: oci::kSpecVersionMin .. oci::kSpecVersion
    f.hooks = hook_features();
    f.mountOptions = mount_option_features();
    oci::Features::Linux linux;
    linux.namespaces = namespace_features();
    fill_lifecycle_features(linux);
    fill_cgroup_features(linux);
    fill_security_features(linux);
    f.linux = std::move(linux);

    const scmp_version* seccomp = seccomp_version();
    f.annotations["io.github.seccomp.libseccomp.version"] = std::to_string(seccomp->major) + "." +
                                                            std::to_string(seccomp->minor) + "." +
                                                            std::to_string(seccomp->micro);
    f.annotations["rt.version"] = rt::version();
    f.annotations["rt.commit"] = rt::git_commit();
    return f;
}

}  // namespace rt::core
