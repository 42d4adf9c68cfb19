// devices: v1 devices.allow / devices.deny; v2 an eBPF filter (bpf_device_filter.hpp).
// Both are derived from the same DeviceState (device_rules.hpp).
//
// v1 updates are diffed against devices.list when the cgroup denies by default (the usual
// container setup), so a running container never sees a moment with every device denied;
// otherwise the default is reset with "a" and the exceptions written again.
#include <fcntl.h>

#include "base/fd.hpp"
#include "cgroup/bpf_device_filter.hpp"
#include "cgroup/controllers.hpp"
#include "cgroup/fs.hpp"

namespace rt::cgroup::detail {

namespace {

std::optional<DeviceRule> find_device(const std::vector<DeviceRule>& list, const DeviceRule& r) {
    for (const auto& e : list)
        if (e.same_device(r)) return e;
    return std::nullopt;
}

}  // namespace

void apply_devices_v1(const Target& t, const std::vector<DeviceRule>& rules, const Fields& f) {
    if (rules.empty()) return;
    DeviceState target = DeviceState::from_rules(rules);
    bool exact = false;
    DeviceState current =
        DeviceState::from_v1_list(fs::read_file(fs::join(t.dir, "devices.list")), &exact);
    if (!target.default_allow && !current.default_allow && exact) {
        // Remove access no longer wanted, then add the new.
        for (const auto& cur : current.exceptions) {
            auto want = find_device(target.exceptions, cur);
            uint8_t drop = static_cast<uint8_t>(cur.access & ~(want ? want->access : 0));
            if (!drop) continue;
            DeviceRule r = cur;
            r.access = drop;
            f.write(t, "devices.deny", r.to_v1(), "/devices");
        }
        for (const auto& want : target.exceptions) {
            auto cur = find_device(current.exceptions, want);
            uint8_t add = static_cast<uint8_t>(want.access & ~(cur ? cur->access : 0));
            if (!add) continue;
            DeviceRule r = want;
            r.access = add;
            f.write(t, "devices.allow", r.to_v1(), "/devices");
        }
        return;
    }
    f.write(t, target.default_allow ? "devices.allow" : "devices.deny", "a", "/devices");
    // The exceptions through one open of the file (a default container has eleven).
    std::vector<std::string> exceptions;
    exceptions.reserve(target.exceptions.size());
    for (const auto& e : target.exceptions) exceptions.push_back(e.to_v1());
    f.write_all(t, target.default_allow ? "devices.deny" : "devices.allow", exceptions, "/devices");
}

void apply_devices_v2(const Target& t, const std::vector<DeviceRule>& rules, const Fields& f) {
    if (rules.empty()) return;
    DeviceState state = DeviceState::from_rules(rules);
    base::UniqueFd dir(::open(t.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw Error(f.origin() + "/devices: open " + t.dir, errno);
    try {
        attach_device_filter(dir.get(), device_filter_program(state));
    } catch (Error& e) {
        throw e.context(f.origin() + "/devices");
    }
}

}  // namespace rt::cgroup::detail
