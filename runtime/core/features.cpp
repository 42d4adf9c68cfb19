// `rt features`: the single place that decides what rt claims. One function per area; each
// says what rt implements *today*. Engines read this document to decide what they may put
// in config.json, so a claim that is not implemented is a bug: add names here in the same
// commit that implements them, not before.
#include "core/features.hpp"

#include <seccomp.h>

#include "rt/version.hpp"
#include "security/features.hpp"

namespace rt::core {

// ---------------------------------------------------------------- lifecycle (issue 3)
// Owner: the lifecycle engineer. Nothing here yet: rt cannot create a container so far.

std::vector<std::string> hook_features() {
    // Add "prestart", "createRuntime", "createContainer", "startContainer", "poststart",
    // "poststop" (spec order, names::kHooks) as each is run by create/start/delete.
    return {};
}

std::vector<std::string> mount_option_features() {
    // Add the options of names::kMountOptions that the rootfs/mount code applies.
    return {};
}

std::vector<std::string> namespace_features() {
    // Add "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" as the launcher
    // creates / joins them.
    return {};
}

void fill_lifecycle_features(oci::Features::Linux& linux) {
    // Set linux.idmapMounts (mount uidMappings/gidMappings) and linux.netDevices when
    // implemented.
    (void)linux;
}

// ---------------------------------------------------------------- cgroups (issue 4)
// Owner: the cgroup engineer. Nothing yet.

void fill_cgroup_features(oci::Features::Linux& linux) {
    // Set linux.cgroup.v1 / v2 / systemd / systemdUser / rdma, and linux.intelRdt, as the
    // cgroup manager implements them.
    (void)linux;
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
