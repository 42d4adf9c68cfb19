// start, run, kill, delete, state, list: the operations after create.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "base/crash_point.hpp"
#include "base/fs.hpp"
#include "base/log.hpp"
#include "base/process.hpp"
#include "cgroup/container.hpp"
#include "cgroup/freezer.hpp"
#include "core/container.hpp"
#include "core/created.hpp"
#include "core/foreground.hpp"
#include "linux/hooks.hpp"
#include "linux/host_rootfs.hpp"
#include "linux/terminal.hpp"
#include "net/attach.hpp"
#include "rt/error.hpp"
#include "rt/oci/parse.hpp"
#include "rt/oci/state.hpp"

namespace rt::core {
namespace {

std::string make_state(const ContainerRecord& r, oci::Status status) {
    oci::State st;
    st.id = r.id;
    st.status = status;
    if (status != oci::Status::Stopped) st.pid = r.pid;
    st.bundle = r.bundle;
    st.annotations = r.annotations;
    return oci::serialize_state(st);
}

Error wrong_state(const std::string& what, const std::string& id, oci::Status status) {
    return Error(what + " container \"" + id + "\": status is " + oci::to_string(status),
                 ErrorKind::WrongState);
}

// The stored config (for poststop hooks). Missing or broken: no hooks, with a warning.
std::optional<oci::Spec> stored_config(const ContainerDir& dir) {
    try {
        return oci::parse_config(base::read_file_at(dir.fd(), "config.json"),
                                 dir.path() + "/config.json");
    } catch (const Error& e) {
        base::log_warning(std::string("read stored config: ") + e.what());
        return std::nullopt;
    }
}

// Hooks a killed rt left running (their records in the state dir): killed before anything
// else, as they may act on the container.
void kill_left_hooks(const ContainerDir& dir) {
    for (const auto& m : linux::kill_recorded_hooks(dir.fd()))
        base::log_warning("delete " + dir.id() + ": " + m);
}

// A container without a mount namespace: its rootfs bind in rt's namespace. A failure is a
// warning: delete goes on (the state dir keeps nothing that could retry it).
void remove_host_rootfs(const ContainerDir& dir, const std::string& id) {
    std::string message;
    if (!linux::remove_host_rootfs(dir.fd(), message))
        base::log_warning("delete " + id + ": " + message);
}

// How long delete waits for the container's processes to die after SIGKILL (runc's delete
// --force waits 10 s for its init, then gives up with "container init still running").
constexpr int kKillTimeoutMs = 10000;

std::string joined(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
    return out;
}

}  // namespace

oci::Status derive_status(const ContainerDir& dir, const ContainerRecord& record) {
    if (!base::process_alive(record.pid, record.start_time)) return oci::Status::Stopped;
    // Paused before created, as runc: a created container can be paused too. The freezer
    // dirs come from the record (no cgroup.json parse per container in `list`); records
    // written before they were kept fall back to cgroup.json.
    try {
        std::optional<cgroup::FreezerDirs> dirs = record.freezer;
        if (!dirs) {
            if (auto cg = cgroup::load_for_container(dir.fd())) dirs = cg->freezer_dirs();
        }
        if (dirs && cgroup::frozen(*dirs)) return oci::Status::Paused;
    } catch (const Error& e) {
        base::log_warning(std::string("cgroup state of \"") + record.id + "\": " + e.what());
    }
    if (dir.has_exec_socket()) return oci::Status::Created;
    return oci::Status::Running;
}

// ---------------------------------------------------------------- start

void Runtime::start_container(ContainerDir& dir, const ContainerRecord& record) {
    oci::Status status = derive_status(dir, record);
    if (status != oci::Status::Created) throw wrong_state("cannot start", record.id, status);
    base::UniqueFd conn = linux::connect_unix(dir.path() + "/exec.sock");
    // From here on the container counts as started (runc removes exec.fifo the same way).
    ::unlinkat(dir.fd(), "exec.sock", 0);
    char go = 's';
    if (::send(conn.get(), &go, 1, MSG_NOSIGNAL) != 1) throw Error("signal start", errno);
    base::crash_point(base::CrashPoint::StartSignalled);
    // EOF: execve succeeded (the connection is close-on-exec). Text: why it failed.
    std::string failure;
    char buf[1024];
    for (;;) {
        ssize_t n = ::read(conn.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        failure.append(buf, static_cast<size_t>(n));
    }
    // runtime.md steps 7 and 9: a failing startContainer or poststart hook is an error, the
    // container is stopped and the lifecycle goes on at step 12: it is destroyed and its
    // poststop hooks run (13), so it is no longer listed. (runc 1.1.5 leaves it stopped after
    // a startContainer hook and runs poststart during create; engines take a container that
    // "does not exist" at their delete as deleted.) A failed exec leaves it stopped, as runc.
    auto destroyed = [&](const std::string& why) {
        destroy(dir, &record, true);
        return Error(why + " (the container was destroyed)", ErrorKind::Generic);
    };
    if (!failure.empty()) {
        // The init's startContainer step reports "hook startContainer[i] ..." (hooks.cpp).
        if (failure.rfind("hook startContainer[", 0) == 0) throw destroyed(failure);
        throw Error(failure, ErrorKind::Generic);
    }

    auto spec = stored_config(dir);
    if (spec && spec->hooks && !spec->hooks->poststart.empty()) {
        try {
            linux::run_hooks(spec->hooks->poststart, "poststart",
                             make_state(record, oci::Status::Running), dir.fd());
        } catch (Error& e) {
            throw destroyed(e.what());
        }
    }
}

void Runtime::start(const std::string& id) {
    ContainerDir dir = store_.open(id);
    dir.lock();
    try {
        start_container(dir, dir.read_record());
    } catch (Error& e) {
        throw e.context("start");
    }
}

// ---------------------------------------------------------------- kill

void Runtime::kill(const std::string& id, int signal, bool all) {
    ContainerDir dir = store_.open(id);
    ContainerRecord record = dir.read_record();
    if (all) {
        // Every process of the cgroup, also when the init is gone but others linger (runc).
        auto cg = cgroup::load_for_container(dir.fd());
        if (!cg) throw Error("container \"" + id + "\" has no cgroup", ErrorKind::NotFound);
        cg->kill_all(signal);
        return;
    }
    base::UniqueFd pidfd = base::open_pidfd(record.pid, record.start_time);
    // "container not running" is runc's text: containerd's runc shim matches it to treat a
    // kill of an exited container as done (not as an error).
    if (!pidfd)
        throw Error("cannot signal container \"" + id + "\": container not running",
                    ErrorKind::WrongState);
    base::pidfd_signal(pidfd.get(), signal);
    // A SIGKILLed init of a paused container dies only once thawed (v1 freezer): thaw it, as
    // runc does for SIGKILL only (other signals stay pending until `resume`). The spec makes
    // kill of a paused container an error; engines rely on runc's behaviour instead.
    if (signal == SIGKILL && derive_status(dir, record) == oci::Status::Paused)
        if (auto cg = cgroup::load_for_container(dir.fd())) cg->thaw();
}

// ---------------------------------------------------------------- delete

void Runtime::destroy(ContainerDir& dir, const ContainerRecord* record, bool run_poststop) {
    const std::string& id = dir.id();
    kill_left_hooks(dir);
    bool init_alive = record && base::process_alive(record->pid, record->start_time);
    // networks: CNI DEL while the network namespace still exists (the init is alive), else
    // with an empty CNI_NETNS (plugins then release addresses and rules all the same). A
    // failed DEL is a warning: delete goes on, as runc's does when a hook fails. Networks a
    // killed create attached or was attaching are in networks.json too (named before ADD).
    try {
        net::AttachmentRecord networks = net::read_attachments(dir.path());
        if (!networks.networks.empty()) {
            std::string netns =
                init_alive ? "/proc/" + std::to_string(record->pid) + "/ns/net" : "";
            for (const auto& m : net::detach_networks(networks, id, netns, dir.path()))
                base::log_warning("delete " + id + ": " + m);
        }
    } catch (const Error& e) {
        base::log_warning("delete " + id + ": " + e.message());
    }
    base::crash_point(base::CrashPoint::DeleteNetworks);

    // Every wait below is bounded, and nothing stops at the first problem: delete removes
    // what it can and reports the rest in one line. A process that cannot die (frozen in a
    // v1 freezer cgroup rt does not own, stuck in the kernel) keeps the state dir, so that
    // another delete --force finishes the job once it is gone.
    std::vector<std::string> left;  // what remains, one phrase each
    std::string unknown;            // a record that could not be read: what it held is unknown
    base::UniqueFd pidfd;
    if (record) pidfd = base::open_pidfd(record->pid, record->start_time);
    if (pidfd) {
        try {
            base::pidfd_signal(pidfd.get(), SIGKILL);
        } catch (const Error& e) {
            if (e.errnum() != ESRCH) left.push_back("init: " + e.message());
        }
    }
    std::optional<cgroup::Manager> cg;
    try {
        cg = cgroup::load_for_container(dir.fd());
    } catch (const Error& e) {
        unknown = dir.path() + "/" + cgroup::kStateFile + ": " + e.message() +
                  ": the container's cgroups are unknown and were not removed";
    }
    bool init_waited = false;
    if (cg) {
        // The init is normally one of the cgroup's processes: killed and waited for here.
        std::vector<pid_t> in_cgroup = cg->pids();
        init_waited =
            !pidfd || std::find(in_cgroup.begin(), in_cgroup.end(), record->pid) != in_cgroup.end();
        auto p = cg->kill_and_wait(kKillTimeoutMs);
        left.insert(left.end(), p.begin(), p.end());
    }
    if (pidfd && !init_waited && !base::pidfd_wait_exit(pidfd.get(), 0)) {
        // Moved out of the container's cgroups: waited for alone, unless it cannot die now.
        std::string why = cg ? cg->frozen_reason(record->pid) : "";
        if (why.empty() && !base::pidfd_wait_exit(pidfd.get(), kKillTimeoutMs))
            why = "still alive " + std::to_string(kKillTimeoutMs) + " ms after SIGKILL";
        if (!why.empty())
            left.push_back("init process " + std::to_string(record->pid) + " is " + why);
    }
    base::crash_point(base::CrashPoint::DeleteKilled);
    if (cg) {
        auto p = cg->remove_dirs();
        left.insert(left.end(), p.begin(), p.end());
    }
    // The systemd driver's unit goes too: after the processes, so the stop has nothing to
    // wait for (a unit systemd already dropped when it emptied is no error).
    try {
        cgroup::stop_systemd_unit(dir.fd());
    } catch (const Error& e) {
        left.push_back(e.message());
    }
    if (!left.empty())
        throw Error("delete container \"" + id + "\": " + joined(left, "; ") +
                        "; its state is kept for another delete --force",
                    ErrorKind::Generic);
    remove_host_rootfs(dir, id);
    base::crash_point(base::CrashPoint::DeleteCgroup);

    if (run_poststop) {
        auto spec = stored_config(dir);
        if (spec && spec->hooks && !spec->hooks->poststop.empty()) {
            ContainerRecord fallback;
            if (!record) {
                fallback.id = id;
                fallback.bundle = dir.kept_bundle();
            }
            linux::run_hooks_warning_on_failure(
                spec->hooks->poststop, "poststop",
                make_state(record ? *record : fallback, oci::Status::Stopped), dir.fd());
        }
    }
    base::crash_point(base::CrashPoint::DeletePoststop);
    store_.remove(id);
    if (!unknown.empty())
        throw Error("delete container \"" + id + "\": " + unknown, ErrorKind::Generic);
}

void Runtime::remove(const std::string& id, bool force) {
    ContainerDir dir = store_.open(id);
    dir.lock();
    std::optional<ContainerRecord> record;
    try {
        record = dir.try_read_record();
    } catch (const Error& e) {
        // A damaged state.json (truncated, garbage, no pid): --force removes what the other
        // records of the state dir lead to (the cgroups and their processes, the networks).
        if (!force)
            throw Error(e.message() + " (delete --force removes the container)",
                        ErrorKind::Generic);
        base::log_warning("delete " + id + ": " + e.message() +
                          "; removing what cgroup.json and networks.json record");
        destroy(dir, nullptr, true);
        return;
    }
    if (!record) {
        // Left half-created by a killed `rt create` (its init died with it: PDEATHSIG).
        // Networks it attached or was attaching when it was killed (networks.json names each
        // before its ADD) are DELeted with an empty CNI_NETNS, as the netns died with the
        // init; plugins still release the leases and host-side state they hold.
        if (!force)
            throw Error("container \"" + id +
                            "\" has no state (a create was interrupted); "
                            "use delete --force",
                        ErrorKind::WrongState);
        destroy(dir, nullptr, false);
        return;
    }
    oci::Status status = derive_status(dir, *record);
    // runc deletes a "created" container without --force (it was never started); running or
    // paused ones need --force.
    if ((status == oci::Status::Running || status == oci::Status::Paused) && !force)
        throw Error("cannot delete container \"" + id +
                        "\" that is not stopped: " + oci::to_string(status) + " (use --force)",
                    ErrorKind::WrongState);
    destroy(dir, &*record, true);
}

// ---------------------------------------------------------------- state, list

oci::State Runtime::state(const std::string& id) {
    ContainerDir dir = store_.open(id);
    oci::State st;
    st.id = id;
    std::optional<ContainerRecord> stored = dir.try_read_record();
    if (!stored) {
        st.status = oci::Status::Creating;
        st.bundle = dir.kept_bundle();
        return st;
    }
    const ContainerRecord& record = *stored;
    st.status = derive_status(dir, record);
    if (st.status != oci::Status::Stopped) st.pid = record.pid;
    st.bundle = record.bundle;
    st.annotations = record.annotations;
    return st;
}

std::vector<std::string> Runtime::ids() const {
    return store_.ids();
}

std::vector<ContainerInfo> Runtime::list() {
    std::vector<ContainerInfo> out;
    for (const auto& id : store_.ids()) {
        try {
            ContainerDir dir = store_.open(id);
            ContainerInfo info;
            if (auto record = dir.try_read_record()) {
                info.record = std::move(*record);
                info.status = derive_status(dir, info.record);
            } else {
                info.record.id = id;
                info.record.bundle = dir.kept_bundle();
                info.status = oci::Status::Creating;
            }
            out.push_back(std::move(info));
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::NotFound) base::log_warning(e.what());
        }
    }
    return out;
}

// ---------------------------------------------------------------- run

int Runtime::run(const RunOptions& o) {
    if (o.detach) {
        create_container(o.create, false);
        ContainerDir dir = store_.open(o.create.id);
        dir.lock();
        ContainerRecord record = dir.read_record();
        try {
            start_container(dir, record);
        } catch (Error& e) {
            if (dir.has_record()) destroy(dir, &record, true);  // else start destroyed it
            throw e.context("run");
        }
        return 0;
    }
    int signal_fd = block_forwarded_signals();
    base::UniqueFd sfd(signal_fd);
    Created created = create_container(o.create, true);
    ContainerDir dir = store_.open(o.create.id);
    base::UniqueFd master;
    try {
        if (created.console_receiver) master = linux::recv_fd(created.console_receiver.get());
        start_container(dir, created.record);
    } catch (Error& e) {
        if (dir.has_record()) destroy(dir, &created.record, true);  // else start destroyed it
        throw e.context("run");
    }
    int code = wait_foreground(created.pid, created.pidfd.get(), signal_fd, master.get());
    if (!o.keep) {
        dir.lock();
        destroy(dir, &created.record, true);
    }
    return code;
}

}  // namespace rt::core
