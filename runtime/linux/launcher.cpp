#include "linux/launcher.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <memory>
#include <optional>
#include <string>

#include "base/fs.hpp"
#include "linux/idmap.hpp"
#include "linux/sync.hpp"
#include "rt/error.hpp"

namespace rt::linux {

pid_t clone_process(uint64_t flags, base::UniqueFd& pidfd, int cgroup_fd) {
    clone_args args{};
    int fd = -1;
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&fd);
    args.exit_signal = SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) throw Error("clone3", errno);
    if (pid == 0) return 0;
    pidfd.reset(fd);
    return static_cast<pid_t>(pid);
}

namespace {

// Saves the caller's namespace of one kind and restores it on destruction (for the
// *_for_children namespaces the parent switches only around the clone).
class NamespaceRestore {
  public:
    NamespaceRestore(const char* proc_name, int flag) : flag_(flag) {
        std::string path = std::string("/proc/self/ns/") + proc_name;
        fd_ = base::open_fd(path, O_RDONLY);
    }
    ~NamespaceRestore() {
        if (fd_) ::setns(fd_.get(), flag_);
    }

  private:
    int flag_;
    base::UniqueFd fd_;
};

void kill_and_reap(pid_t pid, int pidfd) noexcept {
    if (pidfd >= 0)
        ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
    else
        ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

void adopt_spawned_child(SpawnedProcess& out, const char* what) {
    pid_t intermediate = out.pid;
    std::string text;
    try {
        text = sync_expect(out.sync.get(), SyncType::Pid, what);
    } catch (...) {
        kill_and_reap(intermediate, out.pidfd.get());
        throw;
    }
    int status = 0;
    while (::waitpid(intermediate, &status, 0) < 0 && errno == EINTR) {
    }
    pid_t init = 0;
    std::from_chars(text.data(), text.data() + text.size(), init);
    if (init <= 0)
        throw Error(std::string(what) + ": bad pid \"" + text + "\" from the container process");
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, init, 0));
    if (fd < 0) {
        int e = errno;
        kill_and_reap(init, -1);
        throw Error("pidfd_open " + std::to_string(init), e);
    }
    out.pidfd.reset(fd);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    out.pid = init;
}

SpawnedProcess spawn_init(InitPlan& plan, const oci::Spec& spec, const SpawnOptions& options) {
    const NamespacePlan& ns = *plan.namespaces;
    int flags = ns.new_flags;
    plan.new_userns = (flags & CLONE_NEWUSER) != 0;
    plan.unshare_cgroup = (flags & CLONE_NEWCGROUP) != 0;
    flags &= ~CLONE_NEWCGROUP;
    if (ns.joins_flag(CLONE_NEWUSER)) {
        // Namespaces created after joining a user namespace must be owned by it: the child
        // unshares them itself after setns(user). (A new pid namespace still comes from
        // clone and is owned by rt's user namespace.)
        plan.unshare_flags = flags & ~(CLONE_NEWPID | CLONE_NEWTIME);
        flags &= CLONE_NEWPID | CLONE_NEWTIME;
        // A new pid namespace must be owned by the joined user namespace too (or the
        // container cannot mount /proc): the child creates it and forks the init into it.
        if (flags & CLONE_NEWPID) {
            plan.fork_into_pid_ns = true;
            flags &= ~CLONE_NEWPID;
            if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
                throw Error("prctl(PR_SET_CHILD_SUBREAPER)", errno);
        }
    }

    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        throw Error("socketpair", errno);
    SpawnedProcess out;
    out.sync.reset(pair[0]);
    base::UniqueFd child_end(pair[1]);
    plan.sync_fd = pair[1];
    plan.close_fds.push_back(pair[0]);
    // Before entering any namespace below (its helper processes must not land there); the
    // init inherits the trees.
    prepare_idmapped_mounts(plan);

    // A new user namespace with net/ipc/uts/cgroup namespaces joined by path: rt joins those
    // around the clone, while it is privileged over them; the child, in its new user
    // namespace, could not (runc also joins them before unsharing the user namespace).
    std::vector<std::unique_ptr<NamespaceRestore>> restore_joined;
    if (flags & CLONE_NEWUSER) {
        constexpr int kByParent = CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
        for (const auto& j : ns.joins) {
            if (!(j.clone_flag & kByParent)) continue;
            for (const auto& k : namespace_kinds())
                if (k.clone_flag == j.clone_flag)
                    restore_joined.push_back(
                        std::make_unique<NamespaceRestore>(k.proc_name, k.clone_flag));
            if (::setns(j.fd.get(), j.clone_flag) != 0) throw Error("setns " + j.path, errno);
            plan.joined_by_parent |= j.clone_flag;
        }
    }

    // pid/time namespaces by path: switch our *_for_children around the clone.
    std::optional<NamespaceRestore> restore_pid, restore_time;
    if (int fd = ns.join_fd(CLONE_NEWPID); fd >= 0) {
        restore_pid.emplace("pid_for_children", CLONE_NEWPID);
        if (::setns(fd, CLONE_NEWPID) != 0) throw Error("setns pid namespace", errno);
    }
    if (int fd = ns.join_fd(CLONE_NEWTIME); fd >= 0) {
        restore_time.emplace("time_for_children", CLONE_NEWTIME);
        if (::setns(fd, CLONE_NEWTIME) != 0) throw Error("setns time namespace", errno);
    } else if (flags & CLONE_NEWTIME) {
        restore_time.emplace("time_for_children", CLONE_NEWTIME);
        if (::unshare(CLONE_NEWTIME) != 0) throw Error("unshare time namespace", errno);
        std::string offsets;
        if (spec.linux) {
            for (const auto& [clock, off] : spec.linux->timeOffsets)
                offsets += clock + " " + std::to_string(off.secs) + " " +
                           std::to_string(off.nanosecs) + "\n";
        }
        if (!offsets.empty()) {
            try {
                base::write_file("/proc/self/timens_offsets", offsets);
            } catch (Error& e) {
                throw e.context("config.json: /linux/timeOffsets");
            }
        }
        flags &= ~CLONE_NEWTIME;
    }
    plan.clone_flags = flags;

    pid_t pid = clone_process(static_cast<uint64_t>(flags), out.pidfd, options.cgroup_fd);
    if (pid == 0) container_init(plan);  // never returns
    out.pid = pid;
    for (auto& m : plan.mounts) m.idmap_tree.reset();  // the init has its own copies
    if (plan.fork_into_pid_ns) adopt_spawned_child(out, "create");
    return out;
}

}  // namespace rt::linux
