// Device cgroup rules: validation of linux.resources.devices, the state the kernel's v1
// device controller reaches after a rule list (a default plus exceptions), and the default
// rules runc adds for every container.
//
// The state model is the kernel's (security/device_cgroup.c): a rule of type "a" resets the
// default (allow or deny) and drops every exception, whatever its major/minor/access say;
// other rules add an exception opposite to the default, or remove access bits from one.
// The same state drives both the v1 writes and the v2 eBPF filter, so both agree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rt/oci/spec.hpp"

namespace rt::cgroup {

// Access bits, with the kernel's eBPF encoding (BPF_DEVCG_ACC_*).
inline constexpr uint8_t kAccMknod = 1, kAccRead = 2, kAccWrite = 4, kAccAll = 7;

struct DeviceRule {
    char type = 'a';     // 'a' (all), 'c', 'b'
    int64_t major = -1;  // -1: any ("*")
    int64_t minor = -1;
    uint8_t access = kAccAll;
    bool allow = false;

    // The v1 file syntax: "c 1:3 rwm", "b *:* m", "a".
    std::string to_v1() const;
    bool same_device(const DeviceRule& o) const noexcept {
        return type == o.type && major == o.major && minor == o.minor;
    }
};

// Validates and converts OCI rules; errors name `field` and the index
// ("config.json: /linux/resources/devices/2/access: ...").
std::vector<DeviceRule> convert_device_rules(const std::vector<oci::DeviceCgroupRule>& rules,
                                             std::string_view field);

std::string access_string(uint8_t access);

class DeviceState {
  public:
    bool default_allow = true;           // a fresh cgroup behaves as "a *:* rwm"
    std::vector<DeviceRule> exceptions;  // each has allow == !default_allow

    void apply(const DeviceRule& rule);
    // What the kernel's v1 controller answers for one access (type 'c' or 'b').
    bool permits(char type, uint32_t major, uint32_t minor, uint8_t access) const noexcept;

    // The state after applying rules in order to a fresh cgroup.
    static DeviceState from_rules(const std::vector<DeviceRule>& rules);
    // Parses v1 devices.list. "a *:* rwm" (allow by default) hides any deny exceptions, so
    // `exact` is false then.
    static DeviceState from_v1_list(std::string_view text, bool* exact = nullptr);
};

// The devices runc allows in every container, after the config's own rules: mknod of any
// char/block device, /dev/null, zero, full, random, urandom, tty, console-less ptmx,
// /dev/pts/*, and /dev/net/tun (runc 1.1).
std::vector<oci::DeviceCgroupRule> default_allowed_devices();

// The full rule list for a container, in runc's order: linux.resources.devices, then the
// default allowed devices but those whose path a linux.devices entry takes (runc 1.1 gives
// linux.devices entries no rule of their own).
std::vector<oci::DeviceCgroupRule> container_device_rules(const oci::Linux& linux);

}  // namespace rt::cgroup
