// `rt exec`: a new process in a running container, set up by the same process steps as the
// container's init (linux/process.cpp) after joining all of the init's namespaces.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "base/crash_point.hpp"
#include "base/fs.hpp"
#include "base/process.hpp"
#include "base/rollback.hpp"
#include "cgroup/container.hpp"
#include "core/container.hpp"
#include "core/foreground.hpp"
#include "linux/seccomp_handoff.hpp"
#include "linux/sync.hpp"
#include "linux/tenant.hpp"
#include "linux/terminal.hpp"
#include "rt/error.hpp"
#include "rt/oci/parse.hpp"
#include "rt/oci/state.hpp"
#include "security/capabilities.hpp"
#include "security/process_security.hpp"

namespace rt::core {
namespace {

uint32_t parse_id(std::string_view text, const char* what) {
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || text.empty())
        throw Error(std::string("--user: invalid ") + what + " \"" + std::string(text) + "\"",
                    ErrorKind::InvalidArgument);
    return v;
}

// The process to run: --process FILE as engines pass it, or the container's process with the
// command line's changes (runc's behaviour).
oci::Process exec_process(const ExecOptions& o, const oci::Spec& container) {
    oci::Process p;
    if (!o.process_file.empty()) {
        std::string text = base::read_file(o.process_file);
        // The process object is parsed by the config parser, wrapped in a minimal document.
        oci::Spec wrapped = oci::parse_config(
            "{\"ociVersion\":\"" + std::string(oci::kSpecVersion) + "\",\"process\":" + text + "}",
            o.process_file);
        if (!wrapped.process)
            throw Error(o.process_file + ": not a process object", ErrorKind::InvalidArgument);
        p = *wrapped.process;
    } else {
        if (o.args.empty())
            throw Error("exec: a command is required (or --process FILE)",
                        ErrorKind::InvalidArgument);
        if (container.process) p = *container.process;
        p.args = o.args;
        p.terminal = o.tty;
        p.consoleSize.reset();
    }
    if (!o.process_file.empty() && o.tty) p.terminal = true;
    for (const auto& kv : o.env) {
        auto eq = kv.find('=');
        std::string key = kv.substr(0, eq);
        bool replaced = false;
        for (auto& e : p.env) {
            if (e.compare(0, key.size() + 1, key + "=") == 0) {
                e = kv;
                replaced = true;
            }
        }
        if (!replaced) p.env.push_back(kv);
    }
    if (!o.cwd.empty()) p.cwd = o.cwd;
    if (!o.user.empty()) {
        auto colon = o.user.find(':');
        p.user.uid = parse_id(std::string_view(o.user).substr(0, colon), "uid");
        // Without ":GID" the process keeps the container's gid (as runc).
        if (colon != std::string::npos)
            p.user.gid = parse_id(std::string_view(o.user).substr(colon + 1), "gid");
    }
    if (!o.additional_gids.empty()) p.user.additionalGids = o.additional_gids;
    if (o.no_new_privs) p.noNewPrivileges = true;
    // --cap, as runc: bounding, effective and permitted; ambient only when the process has an
    // inheritable set (ambient needs inheritable, which --cap does not add).
    for (const auto& cap : o.caps) {
        if (!security::parse_capability(cap))
            throw Error("exec: --cap: unknown capability \"" + cap + "\"",
                        ErrorKind::InvalidArgument);
        if (!p.capabilities) p.capabilities = oci::Capabilities{};
        auto& c = *p.capabilities;
        auto add = [&cap](std::optional<std::vector<std::string>>& set) {
            if (!set) set = std::vector<std::string>{};
            if (std::find(set->begin(), set->end(), cap) == set->end()) set->push_back(cap);
        };
        add(c.bounding);
        add(c.effective);
        add(c.permitted);
        if (c.inheritable) add(c.ambient);
    }
    if (!o.apparmor.empty()) p.apparmorProfile = o.apparmor;
    if (!o.process_label.empty()) p.selinuxLabel = o.process_label;
    return p;
}

}  // namespace

int Runtime::exec(const ExecOptions& o) {
    ContainerDir dir = store_.open(o.id);
    ContainerRecord record = dir.read_record();
    oci::Status status = derive_status(dir, record);
    if (status == oci::Status::Stopped)
        throw Error("cannot exec in container \"" + o.id + "\": it is not running",
                    ErrorKind::WrongState);
    if (status == oci::Status::Paused && !o.ignore_paused)
        throw Error("cannot exec in container \"" + o.id + "\": it is paused",
                    ErrorKind::WrongState);
    oci::Spec container =
        oci::parse_config(base::read_file_at(dir.fd(), "config.json"), dir.path() + "/config.json");
    oci::Process process = exec_process(o, container);
    if (process.terminal && o.console_socket.empty() && o.detach)
        throw Error("exec: a terminal needs --console-socket with --detach",
                    ErrorKind::InvalidArgument);

    linux::TenantPlan plan;
    plan.process =
        linux::build_process_plan(process, o.process_file.empty() ? "exec" : o.process_file);
    plan.process.preserve_fds = o.preserve_fds;
    // Every exec'd process is a session leader (runc calls setsid for every process).
    plan.process.new_session = true;
    try {
        // The container's seccomp, personality and memory policy apply to exec'd processes too.
        plan.process.security = security::prepare_process_security(
            process, container.linux ? &*container.linux : nullptr, security::ProcessRole::Exec,
            o.process_file.empty() ? "/process" : "", seccomp_cache_dir(store_.root()));
    } catch (Error& e) {
        throw e.context(o.process_file.empty() ? "exec" : o.process_file);
    }

    base::UniqueFd init_pidfd = base::open_pidfd(record.pid, record.start_time);
    if (!init_pidfd)
        throw Error("cannot exec in container \"" + o.id + "\": it is not running",
                    ErrorKind::WrongState);
    plan.init_pidfd = init_pidfd.get();
    plan.join_flags = linux::differing_namespaces(record.pid);
    plan.close_fds.push_back(dir.fd());
    base::UniqueFd init_root;
    if (!(plan.join_flags & CLONE_NEWNS)) {
        init_root =
            base::open_fd("/proc/" + std::to_string(record.pid) + "/root", O_PATH | O_DIRECTORY);
        // Checked again: the pid was the container's init when the pidfd was opened.
        if (!base::open_pidfd(record.pid, record.start_time))
            throw Error("cannot exec in container \"" + o.id + "\": it is not running",
                        ErrorKind::WrongState);
        plan.root_fd = init_root.get();
    }

    base::UniqueFd console, receiver;
    if (process.terminal) {
        if (!o.console_socket.empty()) {
            console = linux::connect_unix(o.console_socket);
        } else {
            int pair[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
                throw Error("socketpair", errno);
            receiver.reset(pair[0]);
            console.reset(pair[1]);
            plan.close_fds.push_back(pair[0]);
        }
        plan.process.console_socket_fd = console.get();
    }

    base::UniqueFd signal_fd;
    if (!o.detach) signal_fd.reset(block_forwarded_signals());

    // The process joins the container's cgroup: born there on cgroup2 (CLONE_INTO_CGROUP),
    // v1 hierarchies joined before Go. With execCPUAffinity.initial it joins only after the
    // affinity is set (a cgroup2 cpuset would otherwise refuse CPUs outside it).
    // --cgroup: an existing sub-cgroup of the container's instead (as runc).
    std::optional<cgroup::Manager> cg = cgroup::load_for_container(dir.fd());
    if (!cg && !o.cgroups.empty())
        throw Error("exec: --cgroup: container \"" + o.id + "\" has no cgroup",
                    ErrorKind::InvalidArgument);
    std::vector<std::string> cgroup_dirs;
    if (cg) cgroup_dirs = cg->sub_cgroup_dirs(o.cgroups);
    base::UniqueFd cgroup_fd;
    if (cg && !plan.process.security.cpu_affinity_initial)
        cgroup_fd = cg->open_unified_dir(cgroup_dirs);
    linux::SpawnOptions spawn_options;
    spawn_options.cgroup_fd = cgroup_fd.get();
    linux::SpawnedProcess child;
    base::Rollback rollback;
    child = linux::spawn_tenant(plan, spawn_options);
    console.reset();
    rollback.add("exec process", [&child] {
        if (child.pidfd) base::pidfd_signal(child.pidfd.get(), SIGKILL);
        while (::waitpid(child.pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    });
    base::crash_point(base::CrashPoint::ExecSpawned);
    // execCPUAffinity.initial: before the process joins the container's cgroup (spec).
    if (plan.process.security.cpu_affinity_initial) {
        auto r =
            security::apply_cpu_affinity(child.pid, *plan.process.security.cpu_affinity_initial);
        if (!r) throw Error(std::string("exec: ") + r.message, r.err);
    }
    cgroup_fd.reset();
    if (cg) cg->enter_dirs(child.pid, cgroup_dirs, spawn_options.cgroup_fd >= 0);
    base::crash_point(base::CrashPoint::ExecJoined);
    linux::sync_send_or_throw(child.sync.get(), linux::SyncType::Go);
    base::crash_point(base::CrashPoint::ExecGo);
    try {
        oci::State state;
        state.id = record.id;
        state.status = status;
        state.pid = record.pid;
        state.bundle = record.bundle;
        state.annotations = record.annotations;
        linux::hand_seccomp_fd_to_agent(child.sync.get(), child.pid, plan.process.security,
                                        oci::serialize_state(state), "exec");
        // The intermediate is set up and cloned the process into the pid namespace.
        linux::adopt_spawned_child(child, "exec");
    } catch (Error& e) {
        throw e.context("exec");
    }
    base::crash_point(base::CrashPoint::ExecReady);
    // Only setsid, the seccomp filter and execve remain: a failure arrives as an Error
    // message, success as EOF.
    {
        linux::SyncHeader h{};
        std::vector<char> buf(linux::kSyncMaxPayload + 1);
        long n = linux::sync_recv(child.sync.get(), h, buf.data(), buf.size());
        if (n >= 0 && h.type == linux::SyncType::Error) {
            h.step[sizeof h.step - 1] = '\0';
            throw Error(std::string("exec: ") + buf.data(), h.err);
        }
    }
    if (!o.pid_file.empty())
        base::write_file_atomic(base::absolute_path(o.pid_file), std::to_string(child.pid));
    rollback.commit();
    if (o.detach) return 0;
    base::UniqueFd master;
    if (receiver) master = linux::recv_fd(receiver.get());
    return wait_foreground(child.pid, child.pidfd.get(), signal_fd.get(), master.get());
}

}  // namespace rt::core
