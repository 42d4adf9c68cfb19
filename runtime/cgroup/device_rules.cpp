#include "cgroup/device_rules.hpp"

#include <algorithm>

#include "base/fs.hpp"
#include "rt/error.hpp"

namespace rt::cgroup {

std::string access_string(uint8_t access) {
    std::string s;
    if (access & kAccRead) s += 'r';
    if (access & kAccWrite) s += 'w';
    if (access & kAccMknod) s += 'm';
    return s;
}

std::string DeviceRule::to_v1() const {
    if (type == 'a') return "a";
    auto num = [](int64_t v) { return v < 0 ? std::string("*") : std::to_string(v); };
    return std::string(1, type) + " " + num(major) + ":" + num(minor) + " " + access_string(access);
}

std::vector<DeviceRule> convert_device_rules(const std::vector<oci::DeviceCgroupRule>& rules,
                                             std::string_view field) {
    std::vector<DeviceRule> out;
    out.reserve(rules.size());
    for (size_t i = 0; i < rules.size(); ++i) {
        const auto& r = rules[i];
        auto bad = [&](std::string_view member, const std::string& why) {
            return Error(std::string(field) + "/" + std::to_string(i) + "/" + std::string(member) +
                             ": " + why,
                         ErrorKind::InvalidArgument);
        };
        DeviceRule d;
        d.allow = r.allow;
        std::string type = r.type.value_or("a");
        if (type != "a" && type != "c" && type != "b")
            throw bad("type", "must be \"a\", \"c\" or \"b\", got \"" + type + "\"");
        d.type = type[0];
        // -1 is how runc spells "any" too; anything else negative or above 32 bits is bogus.
        auto number = [&](std::string_view member, const std::optional<int64_t>& v) -> int64_t {
            if (!v) return -1;
            if (*v < -1 || *v > 0xffffffffLL)
                throw bad(member, "must be a device number or absent, got " + std::to_string(*v));
            return *v;
        };
        d.major = number("major", r.major);
        d.minor = number("minor", r.minor);
        if (r.access) {
            d.access = 0;
            for (char c : *r.access) {
                if (c == 'r')
                    d.access |= kAccRead;
                else if (c == 'w')
                    d.access |= kAccWrite;
                else if (c == 'm')
                    d.access |= kAccMknod;
                else
                    throw bad("access",
                              "must be a combination of r, w and m, got \"" + *r.access + "\"");
            }
            if (d.access == 0) throw bad("access", "must not be empty");
        }
        out.push_back(d);
    }
    return out;
}

namespace {

void add_exception(std::vector<DeviceRule>& list, const DeviceRule& rule) {
    for (auto& e : list) {
        if (e.same_device(rule)) {
            e.access |= rule.access;
            return;
        }
    }
    list.push_back(rule);
}

void remove_exception(std::vector<DeviceRule>& list, const DeviceRule& rule) {
    for (auto it = list.begin(); it != list.end(); ++it) {
        if (!it->same_device(rule)) continue;
        it->access &= static_cast<uint8_t>(~rule.access);
        if (it->access == 0) list.erase(it);
        return;
    }
}

bool covers(const DeviceRule& e, char type, uint32_t major, uint32_t minor) {
    return e.type == type && (e.major < 0 || e.major == major) && (e.minor < 0 || e.minor == minor);
}

}  // namespace

void DeviceState::apply(const DeviceRule& rule) {
    if (rule.type == 'a') {
        default_allow = rule.allow;
        exceptions.clear();
        return;
    }
    DeviceRule ex = rule;
    ex.allow = !default_allow;
    if (rule.allow == default_allow)
        remove_exception(exceptions, ex);
    else
        add_exception(exceptions, ex);
}

bool DeviceState::permits(char type, uint32_t major, uint32_t minor,
                          uint8_t access) const noexcept {
    if (default_allow) {
        // Denied when any exception overlaps the request, even partially.
        return std::none_of(exceptions.begin(), exceptions.end(), [&](const DeviceRule& e) {
            return covers(e, type, major, minor) && (e.access & access) != 0;
        });
    }
    // Allowed when one exception grants every requested bit.
    return std::any_of(exceptions.begin(), exceptions.end(), [&](const DeviceRule& e) {
        return covers(e, type, major, minor) && (access & ~e.access) == 0;
    });
}

DeviceState DeviceState::from_rules(const std::vector<DeviceRule>& rules) {
    DeviceState s;
    for (const auto& r : rules) s.apply(r);
    return s;
}

DeviceState DeviceState::from_v1_list(std::string_view text, bool* exact) {
    DeviceState s;
    s.default_allow = false;
    if (exact) *exact = true;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty()) continue;
        // "c 1:3 rwm"
        if (line[0] == 'a') {
            s.default_allow = true;
            s.exceptions.clear();
            if (exact) *exact = false;
            return s;
        }
        size_t sp1 = line.find(' '), colon = line.find(':'), sp2 = line.rfind(' ');
        if (sp1 == std::string_view::npos || colon == std::string_view::npos || sp2 <= colon)
            continue;
        auto num = [](std::string_view v) -> int64_t {
            if (v == "*") return -1;
            int64_t n = 0;
            for (char c : v) {
                if (c < '0' || c > '9') return -1;
                n = n * 10 + (c - '0');
            }
            return n;
        };
        DeviceRule r;
        r.type = line[0];
        r.major = num(line.substr(sp1 + 1, colon - sp1 - 1));
        r.minor = num(line.substr(colon + 1, sp2 - colon - 1));
        r.access = 0;
        for (char c : line.substr(sp2 + 1)) {
            if (c == 'r') r.access |= kAccRead;
            if (c == 'w') r.access |= kAccWrite;
            if (c == 'm') r.access |= kAccMknod;
        }
        r.allow = true;
        s.exceptions.push_back(r);
    }
    return s;
}

namespace {

// runc 1.1's AllowedDevices; `path` is set for the entries a linux.devices entry of the same
// path replaces.
struct DefaultDevice {
    const char* path;
    const char* type;
    std::optional<int64_t> major, minor;
    const char* access;
};

const DefaultDevice kDefaultDevices[] = {
    {nullptr, "c", std::nullopt, std::nullopt, "m"},  // mknod of any char device
    {nullptr, "b", std::nullopt, std::nullopt, "m"},  // mknod of any block device
    {"/dev/null", "c", 1, 3, "rwm"},
    {"/dev/random", "c", 1, 8, "rwm"},
    {"/dev/full", "c", 1, 7, "rwm"},
    {"/dev/tty", "c", 5, 0, "rwm"},
    {"/dev/zero", "c", 1, 5, "rwm"},
    {"/dev/urandom", "c", 1, 9, "rwm"},
    {nullptr, "c", 136, std::nullopt, "rwm"},  // /dev/pts/*
    {nullptr, "c", 5, 2, "rwm"},               // /dev/ptmx
    {nullptr, "c", 10, 200, "rwm"},            // /dev/net/tun
};

oci::DeviceCgroupRule to_rule(const DefaultDevice& d) {
    oci::DeviceCgroupRule r;
    r.allow = true;
    r.type = d.type;
    r.major = d.major;
    r.minor = d.minor;
    r.access = d.access;
    return r;
}

}  // namespace

std::vector<oci::DeviceCgroupRule> default_allowed_devices() {
    std::vector<oci::DeviceCgroupRule> out;
    for (const auto& d : kDefaultDevices) out.push_back(to_rule(d));
    return out;
}

// As runc 1.1 (specconv): linux.devices entries get no rule of their own (engines add
// resources.devices rules for the devices they pass); an entry only drops the default rule
// of the same path (cleaned, as the node is made: "/dev/null/" is /dev/null), so a
// /dev/null with other numbers is not allowed by accident.
std::vector<oci::DeviceCgroupRule> container_device_rules(const oci::Linux& linux) {
    std::vector<oci::DeviceCgroupRule> out;
    if (linux.resources) out = linux.resources->devices;
    for (const auto& d : kDefaultDevices) {
        bool replaced = d.path && std::any_of(linux.devices.begin(), linux.devices.end(),
                                              [&](const oci::Device& x) {
                                                  return base::clean_path(x.path) == d.path;
                                              });
        if (!replaced) out.push_back(to_rule(d));
    }
    return out;
}

}  // namespace rt::cgroup
