#include "cgroup/container.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/fd.hpp"
#include "cgroup/device_rules.hpp"
#include "cgroup/path.hpp"
#include "rt/error.hpp"

namespace rt::cgroup {

Manager create_for_container(const oci::Spec& spec, const std::string& id, bool systemd,
                             const Manager::IntentFn& intent) {
    static const oci::Linux kNoLinux;
    const oci::Linux& linux = spec.linux ? *spec.linux : kNoLinux;
    CgroupPath path = resolve_cgroups_path(linux.cgroupsPath, id, systemd);
    Manager m = Manager::create(detect_layout(), path, intent);
    DestroyGuard guard(m);
    oci::Resources resources = linux.resources ? *linux.resources : oci::Resources{};
    resources.devices = container_device_rules(linux);
    if (resources.pids && resources.pids->limit == 0) resources.pids.reset();  // see below
    m.apply(resources);
    guard.dismiss();
    return m;
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
