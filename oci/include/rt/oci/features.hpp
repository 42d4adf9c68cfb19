// The features document (features.md, features-linux.md) printed by `rt features`.
// Pure data + JSON. What rt claims is decided in runtime/core/features.cpp.
//
// JSON form: hooks, mountOptions, linux.namespaces and linux.capabilities are always
// written, an empty list meaning "none" (rt only claims what it implements); cgroup and
// seccomp are written when something in them is set; optional<bool> members are written
// when set, apparmor / selinux / idmapMounts / netDevices / intelRdt as {"enabled": b}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rt/oci/spec.hpp"

namespace rt::oci {

struct Features {
    std::string ociVersionMin = kSpecVersionMin;
    std::string ociVersionMax = kSpecVersion;
    std::vector<std::string> hooks;
    std::vector<std::string> mountOptions;
    StringMap annotations;
    std::vector<std::string> potentiallyUnsafeConfigAnnotations;  // written when not empty
    struct Linux {
        std::vector<std::string> namespaces;
        std::vector<std::string> capabilities;
        struct Cgroup {
            std::optional<bool> v1, v2, systemd, systemdUser, rdma;
            bool operator==(const Cgroup&) const = default;
        } cgroup;
        struct Seccomp {
            std::optional<bool> enabled;
            std::vector<std::string> actions, operators, archs, knownFlags, supportedFlags;
            bool operator==(const Seccomp&) const = default;
        } seccomp;
        std::optional<bool> apparmor, selinux, intelRdt, idmapMounts, netDevices;
        std::optional<bool> intelRdtSchemata,
            intelRdtMonitoring;  // intelRdt.schemata / .monitoring
        struct MemoryPolicy {
            std::vector<std::string> modes, flags;
            bool operator==(const MemoryPolicy&) const = default;
        };
        std::optional<MemoryPolicy> memoryPolicy;

        bool operator==(const Linux&) const = default;
    };
    std::optional<Linux> linux;

    bool operator==(const Features&) const = default;
};

// pretty: 4-space indent like `runc features`, ending in a newline.
std::string serialize_features(const Features& features, bool pretty = true);
// Throws rt::Error naming the JSON pointer (ociVersionMin and ociVersionMax are required).
Features parse_features(std::string_view json, std::string_view origin = "features.json");

}  // namespace rt::oci
