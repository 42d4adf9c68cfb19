// The cgroup verbs of a container (issue 4): pause, resume, update, ps, events. Each finds
// the container's cgroup through the manager saved at create (cgroup.json in its state dir).
#include <poll.h>

#include <algorithm>
#include <chrono>

#include "base/fs.hpp"
#include "base/log.hpp"
#include "base/process.hpp"
#include "cgroup/container.hpp"
#include "cgroup/device_rules.hpp"
#include "cgroup/systemd.hpp"
#include "core/container.hpp"
#include "rt/error.hpp"
#include "rt/oci/parse.hpp"
#include "rt/oci/serialize.hpp"
#include "rt/oci/state.hpp"

namespace rt::core {
namespace {

cgroup::Manager container_cgroup(const ContainerDir& dir) {
    auto cg = cgroup::load_for_container(dir.fd());
    if (!cg)
        throw Error("container \"" + dir.id() + "\" has no cgroup (created without one)",
                    ErrorKind::NotFound);
    return std::move(*cg);
}

Error wrong_state(const std::string& what, const std::string& id, oci::Status status) {
    return Error(what + " container \"" + id + "\": status is " + oci::to_string(status),
                 ErrorKind::WrongState);
}

template <typename T>
void take(std::optional<T>& into, const std::optional<T>& from) {
    if (from) into = from;
}

// Field-wise merge of an update into the container's stored resources (what runc keeps).
void merge(oci::Resources& into, const oci::Resources& r) {
    if (!r.devices.empty()) into.devices = r.devices;
    if (r.memory) {
        if (!into.memory) into.memory = oci::MemoryResources{};
        auto& m = *into.memory;
        take(m.limit, r.memory->limit);
        take(m.reservation, r.memory->reservation);
        take(m.swap, r.memory->swap);
        take(m.kernel, r.memory->kernel);
        take(m.kernelTCP, r.memory->kernelTCP);
        take(m.swappiness, r.memory->swappiness);
        take(m.disableOOMKiller, r.memory->disableOOMKiller);
        take(m.useHierarchy, r.memory->useHierarchy);
        take(m.checkBeforeUpdate, r.memory->checkBeforeUpdate);
    }
    if (r.cpu) {
        if (!into.cpu) into.cpu = oci::CpuResources{};
        auto& c = *into.cpu;
        take(c.shares, r.cpu->shares);
        take(c.quota, r.cpu->quota);
        take(c.burst, r.cpu->burst);
        take(c.period, r.cpu->period);
        take(c.realtimeRuntime, r.cpu->realtimeRuntime);
        take(c.realtimePeriod, r.cpu->realtimePeriod);
        take(c.cpus, r.cpu->cpus);
        take(c.mems, r.cpu->mems);
        take(c.idle, r.cpu->idle);
    }
    if (r.pids) into.pids = r.pids;
    if (r.blockIO) {
        if (!into.blockIO) into.blockIO = oci::BlockIoResources{};
        auto& b = *into.blockIO;
        take(b.weight, r.blockIO->weight);
        take(b.leafWeight, r.blockIO->leafWeight);
        if (!r.blockIO->weightDevice.empty()) b.weightDevice = r.blockIO->weightDevice;
        if (!r.blockIO->throttleReadBpsDevice.empty())
            b.throttleReadBpsDevice = r.blockIO->throttleReadBpsDevice;
        if (!r.blockIO->throttleWriteBpsDevice.empty())
            b.throttleWriteBpsDevice = r.blockIO->throttleWriteBpsDevice;
        if (!r.blockIO->throttleReadIOPSDevice.empty())
            b.throttleReadIOPSDevice = r.blockIO->throttleReadIOPSDevice;
        if (!r.blockIO->throttleWriteIOPSDevice.empty())
            b.throttleWriteIOPSDevice = r.blockIO->throttleWriteIOPSDevice;
    }
    for (const auto& h : r.hugepageLimits) {
        auto it =
            std::find_if(into.hugepageLimits.begin(), into.hugepageLimits.end(),
                         [&](const oci::HugepageLimit& o) { return o.pageSize == h.pageSize; });
        if (it == into.hugepageLimits.end())
            into.hugepageLimits.push_back(h);
        else
            *it = h;
    }
    if (r.network) {
        if (!into.network) into.network = oci::NetworkResources{};
        take(into.network->classID, r.network->classID);
        if (!r.network->priorities.empty()) into.network->priorities = r.network->priorities;
    }
    for (const auto& [k, v] : r.rdma) into.rdma[k] = v;
    for (const auto& [k, v] : r.unified) into.unified[k] = v;
}

}  // namespace

void Runtime::pause(const std::string& id) {
    ContainerDir dir = store_.open(id);
    dir.lock();
    ContainerRecord record = dir.read_record();
    oci::Status status = derive_status(dir, record);
    // runc pauses created containers too (the init waits for start, frozen).
    if (status != oci::Status::Running && status != oci::Status::Created)
        throw wrong_state("cannot pause", id, status);
    container_cgroup(dir).freeze();
}

void Runtime::resume(const std::string& id) {
    ContainerDir dir = store_.open(id);
    dir.lock();
    ContainerRecord record = dir.read_record();
    oci::Status status = derive_status(dir, record);
    if (status != oci::Status::Paused) throw wrong_state("cannot resume", id, status);
    container_cgroup(dir).thaw();
}

void Runtime::update(const std::string& id, const oci::Resources& resources,
                     const std::string& origin) {
    ContainerDir dir = store_.open(id);
    dir.lock();
    ContainerRecord record = dir.read_record();
    oci::Status status = derive_status(dir, record);
    if (status == oci::Status::Stopped) throw wrong_state("cannot update", id, status);
    cgroup::Manager cg = container_cgroup(dir);
    oci::Spec spec =
        oci::parse_config(base::read_file_at(dir.fd(), "config.json"), dir.path() + "/config.json");
    if (!spec.linux) spec.linux = oci::Linux{};
    oci::Resources apply = resources;
    if (!resources.devices.empty()) {
        // New device rules keep rt's defaults and linux.devices, as at create.
        oci::Linux l = *spec.linux;
        if (!l.resources) l.resources = oci::Resources{};
        l.resources->devices = resources.devices;
        apply.devices = cgroup::container_device_rules(l);
    }
    cgroup::ApplyOptions options;
    options.origin = origin;
    options.update = true;
    // systemd driver: the unit's properties first, so systemd does not undo the files when it
    // re-realizes the unit (runc's order); then the files, as for cgroupfs.
    std::string unit = cgroup::systemd_unit_of(dir.fd());
    if (!unit.empty())
        cgroup::systemd::set_unit_properties(
            unit,
            cgroup::systemd::unit_properties(apply, cg.kind() == cgroup::LayoutKind::Unified));
    cg.apply(apply, options);
    // Keep the stored config in step (exec and later updates read it).
    if (!spec.linux->resources) spec.linux->resources = oci::Resources{};
    merge(*spec.linux->resources, resources);
    base::write_file_atomic_at(dir.fd(), "config.json", oci::serialize_config(spec), 0600);
}

std::vector<pid_t> Runtime::pids(const std::string& id) {
    ContainerDir dir = store_.open(id);
    return container_cgroup(dir).pids();
}

void Runtime::events(const std::string& id, const EventsOptions& o,
                     const std::function<void(const std::string&)>& emit) {
    ContainerDir dir = store_.open(id);
    ContainerRecord record = dir.read_record();
    base::UniqueFd init = base::open_pidfd(record.pid, record.start_time);
    if (!init) throw Error("container \"" + id + "\" is not running", ErrorKind::WrongState);
    cgroup::Manager cg = container_cgroup(dir);
    if (o.stats_once) {
        emit(cgroup::stats_event_json(id, cg.stats()));
        return;
    }
    std::optional<cgroup::OomWatcher> oom;
    try {
        oom = cg.watch_oom();
    } catch (const Error& e) {
        base::log_warning(std::string("events: no OOM notifications: ") + e.what());
    }
    using Clock = std::chrono::steady_clock;
    const auto interval = std::chrono::milliseconds(o.interval_ms > 0 ? o.interval_ms : 5000);
    auto next = Clock::now();
    for (;;) {
        auto now = Clock::now();
        if (now >= next) {
            emit(cgroup::stats_event_json(id, cg.stats()));
            next = now + interval;
        }
        pollfd fds[2] = {{init.get(), POLLIN, 0}, {oom ? oom->fd() : -1, POLLIN, 0}};
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
        int n = ::poll(fds, 2, static_cast<int>(std::max<int64_t>(wait.count(), 0)));
        if (n < 0 && errno != EINTR) throw Error("events: poll", errno);
        if (n <= 0) continue;
        if (fds[1].revents & POLLIN)
            for (uint64_t k = oom->consume(); k > 0; --k) emit(cgroup::oom_event_json(id));
        if (fds[0].revents & POLLIN) return;  // the init exited: the container stopped
    }
}

}  // namespace rt::core
