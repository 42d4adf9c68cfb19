// `rt create`, top-down. Read this function first: every resource acquired registers its undo
// on `rollback`, so any failure (thrown rt::Error) leaves no state dir, process, mount or
// cgroup behind. The child side of each step is in linux/init.cpp (kInitSteps).
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/crash_point.hpp"
#include "base/fs.hpp"
#include "base/log.hpp"
#include "base/process.hpp"
#include "base/rollback.hpp"
#include "cgroup/container.hpp"
#include "cgroup/systemd.hpp"
#include "core/container.hpp"
#include "core/created.hpp"
#include "linux/hooks.hpp"
#include "linux/host_rootfs.hpp"
#include "linux/init.hpp"
#include "linux/launcher.hpp"
#include "linux/mount_sources.hpp"
#include "linux/namespaces.hpp"
#include "linux/net_devices.hpp"
#include "linux/seccomp_handoff.hpp"
#include "linux/sync.hpp"
#include "linux/terminal.hpp"
#include "net/attach.hpp"
#include "net/summary.hpp"
#include "rt/error.hpp"
#include "rt/oci/parse.hpp"
#include "rt/oci/state.hpp"
#include "rt/oci/validate.hpp"
#include "security/process_security.hpp"

namespace rt::core {
namespace {

std::string rfc3339_now() {
    // std::chrono's calendar, not gmtime_r/strftime: glibc loads the time zone
    // (/etc/localtime, six system calls) on their first call, even for UTC.
    using namespace std::chrono;
    auto now = system_clock::now();
    auto day = floor<days>(now);
    year_month_day date{day};
    hh_mm_ss<nanoseconds> clock{duration_cast<nanoseconds>(now - day)};
    char buf[64];
    (void)std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%09lldZ", int(date.year()),
                        unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()),
                        int(clock.minutes().count()), int(clock.seconds().count()),
                        static_cast<long long>(clock.subseconds().count()));
    return buf;
}

// The creator's user name from /etc/passwd, read directly: rt is linked statically, and
// glibc's NSS (getpwuid) cannot be used from a static binary.
std::string owner_name() {
    uid_t uid = ::getuid();
    if (uid == 0) return "root";
    std::string id = std::to_string(uid);
    try {
        std::string passwd = base::read_file("/etc/passwd");
        size_t pos = 0;
        while (pos < passwd.size()) {
            size_t end = passwd.find('\n', pos);
            if (end == std::string::npos) end = passwd.size();
            std::string_view line(passwd.data() + pos, end - pos);
            auto c1 = line.find(':'), c2 = line.find(':', c1 + 1), c3 = line.find(':', c2 + 1);
            if (c3 != std::string_view::npos && line.substr(c2 + 1, c3 - c2 - 1) == id)
                return std::string(line.substr(0, c1));
            pos = end + 1;
        }
    } catch (const Error&) {
    }
    return id;
}

// config.json: parse + validate, with the checks only a Linux runtime makes.
oci::Spec load_spec(const std::string& bundle, std::string& text) {
    try {
        text = base::read_file(bundle + "/config.json");
    } catch (Error& e) {
        throw e.context("bundle " + bundle);
    }
    oci::Spec spec = oci::parse_config(text, "config.json");
    oci::validate_config(spec, "config.json");
    if (!spec.process)
        throw Error("config.json: /process: required to create a container",
                    ErrorKind::InvalidArgument);
    if (!spec.root || spec.root->path.empty())
        throw Error("config.json: /root/path: required", ErrorKind::InvalidArgument);
    if (!spec.linux)
        throw Error("config.json: /linux: required on Linux", ErrorKind::InvalidArgument);
    return spec;
}

// Everything the child needs, computed and validated before anything is created.
linux::InitPlan build_init_plan(const oci::Spec& spec, const CreateOptions& o,
                                const std::string& bundle, const linux::NamespacePlan& ns,
                                const std::string& seccomp_cache_dir) {
    linux::InitPlan plan;
    plan.spec = &spec;
    plan.id = o.id;
    plan.bundle = bundle;
    const std::string& root = spec.root->path;
    plan.rootfs = base::absolute_path(root[0] == '/' ? root : bundle + "/" + root);
    struct stat st {};
    if (::stat(plan.rootfs.c_str(), &st) != 0)
        throw Error("config.json: /root/path: " + plan.rootfs, errno);
    if (!S_ISDIR(st.st_mode))
        throw Error("config.json: /root/path: " + plan.rootfs + " is not a directory",
                    ErrorKind::InvalidArgument);
    plan.namespaces = &ns;
    // config-linux.md: a namespace type that is not listed is inherited from the runtime. In
    // rt's mount namespace the init still binds the rootfs and mounts under it, and chroots
    // (runc does the same); rt removes that bind on delete (linux/host_rootfs.hpp).
    plan.shared_mount_ns = !ns.has(CLONE_NEWNS);
    if (plan.shared_mount_ns && (ns.new_flags & CLONE_NEWUSER))
        throw Error(
            "config.json: /linux/namespaces: a new user namespace needs a mount namespace too "
            "(the container's root could not mount its rootfs in rt's mount namespace)",
            ErrorKind::InvalidArgument);
    if (ns.new_flags & CLONE_NEWUSER) {
        if (spec.linux->uidMappings.empty() || spec.linux->gidMappings.empty())
            throw Error(
                "config.json: /linux/uidMappings: a new user namespace needs uid and "
                "gid mappings",
                ErrorKind::InvalidArgument);
    }
    const auto& prop = spec.linux->rootfsPropagation;
    if (prop && !prop->empty()) {
        plan.rootfs_propagation = linux::propagation_flags(*prop);
        if (!plan.rootfs_propagation)
            throw Error("config.json: /linux/rootfsPropagation: unknown value \"" + *prop + "\"",
                        ErrorKind::InvalidArgument);
    }
    for (size_t i = 0; i < spec.mounts.size(); ++i) {
        const auto& m = spec.mounts[i];
        linux::MountPlan mp;
        mp.index = i;
        mp.destination = m.destination;
        mp.type = m.type.value_or("");
        mp.options = linux::parse_mount_options(m.options);
        if (mp.type == "bind") mp.options.bind = true;
        if (mp.options.idmap || !m.uidMappings.empty()) {
            // config.md: the mount's own mappings, else the container's user namespace's.
            std::string where = "config.json: /mounts/" + std::to_string(i);
            if (!mp.options.bind)
                throw Error(where + ": idmapped mounts are supported for bind mounts only",
                            ErrorKind::Unsupported);
            if (!m.uidMappings.empty()) {
                mp.idmap_uids = &m.uidMappings;
                mp.idmap_gids = &m.gidMappings;
            } else if (ns.new_flags & CLONE_NEWUSER) {
                mp.idmap_uids = &spec.linux->uidMappings;
                mp.idmap_gids = &spec.linux->gidMappings;
            } else if (ns.joins_flag(CLONE_NEWUSER)) {
                mp.idmap_userns = ns.join_fd(CLONE_NEWUSER);  // the joined one's mappings
            } else {
                throw Error(where +
                                "/options: idmap needs uidMappings and gidMappings, or a user "
                                "namespace",
                            ErrorKind::InvalidArgument);
            }
        }
        std::string source = m.source.value_or("");
        // Relative bind sources are relative to the bundle (runc runs in the bundle dir).
        if (mp.options.bind && !source.empty() && source[0] != '/') source = bundle + "/" + source;
        mp.source = source;
        if (mp.options.bind && mp.source.empty())
            throw Error(
                "config.json: /mounts/" + std::to_string(i) + "/source: required for a bind mount",
                ErrorKind::InvalidArgument);
        if (!mp.options.bind && mp.type.empty())
            throw Error("config.json: /mounts/" + std::to_string(i) + "/type: required",
                        ErrorKind::InvalidArgument);
        if (base::clean_path(mp.destination) == "/dev" && mp.options.bind)
            plan.default_devices = false;
        plan.mounts.push_back(std::move(mp));
    }
    for (const auto& d : spec.linux->devices) {
        linux::DevicePlan dp;
        dp.path = base::clean_path(d.path);
        dp.type = d.type == "b" ? S_IFBLK : d.type == "p" ? S_IFIFO : S_IFCHR;  // "u" is c
        dp.major = static_cast<unsigned>(d.major.value_or(0));
        dp.minor = static_cast<unsigned>(d.minor.value_or(0));
        if (d.fileMode) dp.perm = static_cast<unsigned>(*d.fileMode & 07777);
        dp.uid = d.uid.value_or(0);
        dp.gid = d.gid.value_or(0);
        plan.devices.push_back(std::move(dp));
    }
    if (spec.hooks)
        plan.parent_hooks = !spec.hooks->prestart.empty() || !spec.hooks->createRuntime.empty();
    plan.no_pivot = o.no_pivot;
    plan.no_new_keyring = o.no_new_keyring;
    plan.process = linux::build_process_plan(*spec.process, "config.json: /process");
    try {
        plan.process.security = security::prepare_process_security(
            *spec.process, &*spec.linux, security::ProcessRole::ContainerInit, "/process",
            seccomp_cache_dir);
    } catch (Error& e) {
        throw e.context("config.json");
    }
    if (plan.process.umask < 0) plan.process.umask = 022;  // runc's default
    plan.process.preserve_fds = o.preserve_fds + o.listen_fds;
    if (o.listen_fds > 0) {
        // As runc: the container's process is told about socket-activation fds (it is pid 1
        // when it has its own pid namespace).
        plan.process.env.push_back("LISTEN_FDS=" + std::to_string(o.listen_fds));
        plan.process.env.push_back("LISTEN_PID=1");
    }
    return plan;
}

// The socket `rt start` connects to; bound at <state dir>/exec.sock through the dir fd (no
// sun_path length limit on long --root paths).
base::UniqueFd listen_exec_socket(const ContainerDir& dir) {
    int sock = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) throw Error("socket", errno);
    base::UniqueFd guard(sock);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    (void)std::snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/exec.sock",
                        dir.fd());
    if (::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw Error("bind " + dir.path() + "/exec.sock", errno);
    if (::listen(sock, 4) != 0) throw Error("listen exec.sock", errno);
    return guard;
}

std::string make_state(const ContainerRecord& r, oci::Status status) {
    oci::State st;
    st.id = r.id;
    st.status = status;
    st.pid = r.pid;
    st.bundle = r.bundle;
    st.annotations = r.annotations;
    return oci::serialize_state(st);
}

void write_pid_file(const std::string& path, pid_t pid) {
    base::write_file_atomic(base::absolute_path(path), std::to_string(pid), 0644);
}

}  // namespace

Runtime::Created Runtime::create_container(const CreateOptions& o, bool foreground_terminal) {
    // ---- 1. config: load + validate, and every plan the child needs (no side effects yet)
    validate_container_id(o.id);
    std::string bundle = base::absolute_path(o.bundle);
    Created out;
    out.spec = std::make_unique<oci::Spec>(load_spec(bundle, out.config_text));
    const oci::Spec& spec = *out.spec;
    if (spec.process->terminal && o.console_socket.empty() && !foreground_terminal)
        throw Error(
            "config.json: /process/terminal: a terminal needs --console-socket when rt "
            "does not stay in the foreground",
            ErrorKind::InvalidArgument);
    // config-linux.md "IntelRdt": without a mounted resctrl the runtime MUST generate an error;
    // rt has no resctrl support at all, so any intelRdt is refused before anything exists.
    if (spec.linux && spec.linux->intelRdt)
        throw Error("config.json: /linux/intelRdt: Intel RDT (resctrl) is not supported by rt",
                    ErrorKind::InvalidArgument);
    // networks (--net, org.rt.networks): parsed and checked before anything exists
    std::vector<net::NetworkRequest> networks = net::resolve_requests(o.networks, spec.annotations);
    if (!networks.empty()) net::require_own_network_namespace(spec);
    out.namespaces =
        std::make_unique<linux::NamespacePlan>(linux::plan_namespaces(spec.linux->namespaces));
    if (!spec.linux->netDevices.empty()) linux::check_net_devices_target(*out.namespaces);
    out.plan = std::make_unique<linux::InitPlan>(
        build_init_plan(spec, o, bundle, *out.namespaces, seccomp_cache_dir(store_.root())));
    linux::InitPlan& plan = *out.plan;

    // Declared before the rollback: its undo (kill + reap) must outlive nothing it uses.
    linux::SpawnedProcess child;
    cgroup::Manager cg;  // same: its undo runs from the rollback's destructor
    base::Rollback rollback;

    // ---- 2. state dir: reserved atomically (a duplicate id touches nothing), locked
    ContainerDir dir = store_.reserve(o.id);
    rollback.add("state dir " + dir.path(), [this, id = o.id] { store_.remove(id); });
    base::crash_point(base::CrashPoint::CreateReserved);
    // runtime.md steps 3-5, 12, 13: a create that fails from here on still runs the poststop
    // hooks, once the container is destroyed (undos run newest first); failures only warn.
    if (spec.hooks && !spec.hooks->poststop.empty()) {
        rollback.add("poststop hooks", [this, &spec, id = o.id, bundle] {
            oci::State st;
            st.id = id;
            st.status = oci::Status::Stopped;
            st.bundle = bundle;
            st.annotations = spec.annotations;
            // Recorded in the state dir, which its undo removes after this one (`dir` itself
            // is gone by now when an error unwinds).
            base::UniqueFd state(
                ::open(store_.dir_of(id).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            linux::run_hooks_warning_on_failure(spec.hooks->poststop, "poststop",
                                                oci::serialize_state(st), state.get());
        });
    }
    dir.lock();
    dir.keep_bundle(bundle);
    base::write_file_atomic_at(dir.fd(), "config.json", out.config_text, 0600);
    base::UniqueFd exec_sock = listen_exec_socket(dir);
    plan.start_fd = exec_sock.get();
    plan.close_fds.push_back(dir.fd());  // the child must not hold the lock
    base::crash_point(base::CrashPoint::CreateConfigSaved);

    // ---- 3. console socket (the pty master goes there from inside the container)
    base::UniqueFd console;
    if (spec.process->terminal) {
        if (!o.console_socket.empty()) {
            console = linux::connect_unix(o.console_socket);
        } else {
            int pair[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
                throw Error("socketpair", errno);
            out.console_receiver.reset(pair[0]);
            console.reset(pair[1]);
            plan.close_fds.push_back(pair[0]);
        }
        plan.process.console_socket_fd = console.get();
    }

    // ---- 4. cgroup: created and configured before any process exists, so a bad resource
    //         fails cheaply and the init never runs unlimited. On cgroup2 the init is
    //         cloned straight into it (CLONE_INTO_CGROUP); v1 hierarchies are joined in 6.
    //         Intent before resource: cgroup.json lists the directories about to be made
    //         before the first mkdir, so a crash at any moment leaves delete a record of
    //         exactly what this container made (docs/security.md "Crash consistency").
    //         With the systemd driver the cgroup is a unit systemd makes around the init's
    //         pid, in step 6 (as runc and crun: a scope cannot start without a process).
    auto save_cgroup = [&dir](const cgroup::Manager& m) {
        base::write_file_atomic_at(dir.fd(), cgroup::kStateFile, m.serialize(), 0600);
    };
    auto cgroup_intent = [&save_cgroup](const cgroup::Manager& m) {
        save_cgroup(m);
        base::crash_point(base::CrashPoint::CgroupIntent);
    };
    base::UniqueFd cgroup_fd;
    std::string systemd_unit;
    if (o.systemd_cgroup) {
        const auto& cgroups_path = spec.linux ? spec.linux->cgroupsPath : std::nullopt;
        systemd_unit = cgroup::resolve_systemd_unit(cgroups_path, o.id).name;
        cgroup::resolve_cgroups_path(cgroups_path, o.id, true);  // the slice's name is checked
        cgroup::systemd::require_running();
    } else {
        cg = cgroup::create_for_container(spec, o.id, false, cgroup_intent);
        rollback.add("cgroup", [&cg] { cg.destroy(true); });
        base::crash_point(base::CrashPoint::CreateCgroupMade);
        save_cgroup(cg);
        base::crash_point(base::CrashPoint::CreateCgroupSaved);
        cgroup_fd = cg.open_unified_dir();
    }
    linux::SpawnOptions spawn_options;
    spawn_options.cgroup_fd = cgroup_fd.get();

    // No mount namespace: the init's mounts land in rt's namespace; what the rootfs path
    // showed before is recorded so a failed create and delete can remove the init's bind
    // (undone after the init is killed: registered before it).
    if (plan.shared_mount_ns) {
        uint64_t before = linux::record_host_rootfs(dir.fd(), plan.rootfs);
        rollback.add("rootfs bind in rt's mount namespace", [rootfs = plan.rootfs, before] {
            std::string message;
            if (!linux::detach_host_rootfs(rootfs, before, message))
                base::log_warning("undo rootfs bind: " + message);
        });
    }

    // ---- 5. clone the init: it waits for Go
    child = linux::spawn_init(plan, spec, spawn_options);
    console.reset();
    exec_sock.reset();
    rollback.add("container process", [&child] {
        if (child.pidfd) base::pidfd_signal(child.pidfd.get(), SIGKILL);
        while (::waitpid(child.pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    });
    base::crash_point(base::CrashPoint::CreateSpawned);

    // ---- 6. parent steps while the child waits: id maps, oom_score_adj, cgroup join
    if (plan.new_userns)
        linux::write_id_maps(child.pid, spec.linux->uidMappings, spec.linux->gidMappings);
    if (spec.process->oomScoreAdj) {
        try {
            base::write_file("/proc/" + std::to_string(child.pid) + "/oom_score_adj",
                             std::to_string(*spec.process->oomScoreAdj));
        } catch (Error& e) {
            throw e.context("config.json: /process/oomScoreAdj");
        }
    }
    // cgroup: join the hierarchies CLONE_INTO_CGROUP did not cover (v1), before Go.
    cgroup_fd.reset();
    if (o.systemd_cgroup) {
        // The init waits for Go, so nothing runs before it is in the unit with its limits.
        // (create_in_systemd_unit stops the unit itself when it fails)
        cg = cgroup::create_in_systemd_unit(spec, o.id, child.pid, dir.fd(), cgroup_intent);
        rollback.add("systemd unit", [unit = systemd_unit] {
            try {
                cgroup::systemd::stop_unit(unit);
            } catch (const Error& e) {
                base::log_warning(std::string("undo: ") + e.what());
            }
        });
        rollback.add("cgroup", [&cg] { cg.destroy(true); });
        save_cgroup(cg);
    }
    cg.enter(child.pid, spawn_options.cgroup_fd >= 0);
    cgroup::apply_after_enter(cg, spec);
    base::crash_point(base::CrashPoint::CreateJoined);
    // config-linux.md "Network Devices": moved before anything runs in the namespace (hooks
    // included). Each moved device's undo puts it back in rt's namespace as it was: the
    // spec's "MUST NOT move the interface out" is about deleting a container, and a failed
    // create must leave nothing behind (runc leaves it to the namespace's destruction, which
    // destroys virtual devices). Undone before the init is killed (newest first).
    // A new network namespace gets lo up before anything runs in it (runc, crun; the spec is
    // silent). A joined one is left as it is.
    if (out.namespaces->new_flags & CLONE_NEWNET) {
        std::string path = "/proc/" + std::to_string(child.pid) + "/ns/net";
        base::UniqueFd netns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!netns) throw Error("open " + path, errno);
        try {
            linux::set_loopback_up(netns.get());
        } catch (Error& e) {
            throw e.context("network namespace");
        }
    }
    if (!spec.linux->netDevices.empty()) {
        base::UniqueFd own;
        int netns = out.namespaces->join_fd(CLONE_NEWNET);
        if (netns < 0) {
            std::string path = "/proc/" + std::to_string(child.pid) + "/ns/net";
            own.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
            if (!own) throw Error("open " + path, errno);
            netns = own.get();
        }
        linux::move_net_devices(spec.linux->netDevices, netns, rollback);
    }
    // networks: CNI ADD into the init's new network namespace, before anything runs in it
    // (a failed ADD has already undone itself; later failures DEL through the rollback)
    if (!networks.empty()) {
        std::string netns = "/proc/" + std::to_string(child.pid) + "/ns/net";
        net::attach_networks(o.cni, networks, o.id, netns, dir.path());
        // (by value: the rollback runs after `dir` is destroyed when an error unwinds)
        rollback.add("networks", [state = dir.path(), netns, id = o.id] {
            for (const auto& m :
                 net::detach_networks(net::read_attachments(state), id, netns, state))
                base::log_warning("undo networks: " + m);
        });
    }

    ContainerRecord record;
    record.id = o.id;
    record.bundle = bundle;
    record.rootfs = plan.rootfs;
    record.pid = child.pid;
    if (auto st = base::proc_stat(child.pid)) record.start_time = st->start_time;
    record.created = rfc3339_now();
    record.owner = owner_name();
    record.annotations = spec.annotations;
    if (!cg.nodes().empty()) record.cgroup_path = cg.nodes().front().path;
    record.freezer = cg.freezer_dirs();
    std::string creating = make_state(record, oci::Status::Creating);
    // createContainer/startContainer run in the container namespace: their state carries the
    // pid as seen there (runtime.md "State"), 1 in a new pid namespace.
    ContainerRecord inside = record;
    if (spec.hooks &&
        (!spec.hooks->createContainer.empty() || !spec.hooks->startContainer.empty())) {
        if (auto p = base::pid_in_own_namespace(child.pid)) inside.pid = *p;
    }
    linux::sync_send_or_throw(child.sync.get(), linux::SyncType::Go,
                              make_state(inside, oci::Status::Creating) + '\0' +
                                  make_state(inside, oci::Status::Created));
    base::crash_point(base::CrashPoint::CreateGo);

    // In a user namespace the init's bind sources are opened by rt, as host root, in the
    // init's mount namespace (linux/mount_sources.hpp).
    if (linux::needs_mount_sources(plan))
        linux::send_mount_sources(child.sync.get(), child.pid, plan);

    // ---- 7. prestart + createRuntime hooks: after the mounts, before pivot_root
    if (plan.parent_hooks) {
        linux::sync_expect(child.sync.get(), linux::SyncType::RunHooks, "create");
        linux::run_hooks(spec.hooks->prestart, "prestart", creating, dir.fd());
        linux::run_hooks(spec.hooks->createRuntime, "createRuntime", creating, dir.fd());
        linux::sync_send_or_throw(child.sync.get(), linux::SyncType::HooksDone);
        base::crash_point(base::CrashPoint::CreateHooksDone);
    }

    // ---- 8. the init is ready and waits for start (with SCMP_ACT_NOTIFY, its filter is
    //         loaded first and the seccomp agent gets the listener fd)
    linux::hand_seccomp_fd_to_agent(child.sync.get(), child.pid, plan.process.security, creating,
                                    "create");
    linux::sync_expect(child.sync.get(), linux::SyncType::Ready, "create");
    base::crash_point(base::CrashPoint::CreateReady);
    if (!o.pid_file.empty()) write_pid_file(o.pid_file, child.pid);
    dir.write_record(record);
    base::crash_point(base::CrashPoint::CreateRecorded);

    rollback.commit();
    out.record = record;
    out.pid = child.pid;
    out.pidfd = std::move(child.pidfd);
    return out;
}

void Runtime::create(const CreateOptions& options) {
    create_container(options, false);
}

}  // namespace rt::core
