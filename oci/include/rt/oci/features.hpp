// The features document (features.md, features-linux.md) printed by `rt features`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rt/oci/spec.hpp"

namespace rt::oci {

struct Features {
    std::string ociVersionMin = kSpecVersionMin;
    std::string ociVersionMax = kSpecVersion;
    std::vector<std::string> hooks;
    std::vector<std::string> mountOptions;
    StringMap annotations;
    std::vector<std::string> potentiallyUnsafeConfigAnnotations;
    struct Linux {
        std::vector<std::string> namespaces;
        std::vector<std::string> capabilities;
        struct Cgroup {
            std::optional<bool> v1, v2, systemd, systemdUser, rdma;
        } cgroup;
        struct Seccomp {
            std::optional<bool> enabled;
            std::vector<std::string> actions, operators, archs, knownFlags, supportedFlags;
        } seccomp;
        std::optional<bool> apparmor, selinux, intelRdt, idmapMounts, netDevices;
    };
    std::optional<Linux> linux;
};

std::string serialize_features(const Features& features, bool pretty = true);
Features parse_features(std::string_view json, std::string_view origin = "features.json");

}  // namespace rt::oci
