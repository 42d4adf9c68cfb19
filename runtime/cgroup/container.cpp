#include "cgroup/container.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/fd.hpp"
#include "base/fs.hpp"
#include "base/log.hpp"
#include "cgroup/device_rules.hpp"
#include "cgroup/path.hpp"
#include "cgroup/systemd.hpp"
#include "rt/error.hpp"

namespace rt::cgroup {

namespace {

const oci::Linux& linux_of(const oci::Spec& spec) {
    static const oci::Linux kNoLinux;
    return spec.linux ? *spec.linux : kNoLinux;
}

// linux.resources with the device rules runc adds; a pids limit of 0 is left for
// apply_after_enter.
oci::Resources resources_at_create(const oci::Linux& linux) {
    oci::Resources resources = linux.resources ? *linux.resources : oci::Resources{};
    resources.devices = container_device_rules(linux);
    if (resources.pids && resources.pids->limit == 0) resources.pids.reset();
    return resources;
}

}  // namespace

Manager create_for_container(const oci::Spec& spec, const std::string& id, bool systemd,
                             const Manager::IntentFn& intent) {
    const oci::Linux& linux = linux_of(spec);
    CgroupPath path = resolve_cgroups_path(linux.cgroupsPath, id, systemd);
    Manager m = Manager::create(detect_layout(), path, intent);
    DestroyGuard guard(m);
    m.apply(resources_at_create(linux));
    guard.dismiss();
    return m;
}

Manager create_in_systemd_unit(const oci::Spec& spec, const std::string& id, pid_t pid, int dirfd,
                               const Manager::IntentFn& intent) {
    const oci::Linux& linux = linux_of(spec);
    SystemdUnit unit = resolve_systemd_unit(linux.cgroupsPath, id);
    CgroupPath path = resolve_cgroups_path(linux.cgroupsPath, id, true);
    Layout layout = detect_layout();
    oci::Resources resources = resources_at_create(linux);
    auto properties = systemd::unit_properties(resources, layout.kind == LayoutKind::Unified);
    base::write_file_atomic_at(dirfd, kUnitFile, unit.name, 0600);
    try {
        systemd::start_unit(unit, pid, properties);
        Manager m = Manager::create(layout, path, intent, true);
        DestroyGuard guard(m);
        m.apply(resources);
        guard.dismiss();
        return m;
    } catch (...) {
        try {
            systemd::stop_unit(unit.name);
        } catch (const Error& e) {
            base::log_warning(std::string("undo: ") + e.what());
        }
        throw;
    }
}

std::string systemd_unit_of(int dirfd) {
    base::UniqueFd fd(::openat(dirfd, kUnitFile, O_RDONLY | O_CLOEXEC));
    if (!fd) return {};
    char buf[512];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

void stop_systemd_unit(int dirfd) {
    std::string unit = systemd_unit_of(dirfd);
    if (!unit.empty()) systemd::stop_unit(unit);
}

void apply_after_enter(const Manager& m, const oci::Spec& spec) {
    // A pids limit of 0 forbids every new task, including the init's clone into the cgroup
    // (CLONE_INTO_CGROUP on v2): it is written once the init is inside.
    if (!spec.linux || !spec.linux->resources || !spec.linux->resources->pids ||
        spec.linux->resources->pids->limit != 0)
        return;
    oci::Resources only_pids;
    only_pids.pids = spec.linux->resources->pids;
    m.apply(only_pids);
}

std::optional<Manager> load_for_container(int dirfd) {
    base::UniqueFd fd(::openat(dirfd, kStateFile, O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw Error(std::string("open ") + kStateFile, errno);
    }
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(std::string("read ") + kStateFile, errno);
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    return Manager::load(text);
}

}  // namespace rt::cgroup
