#include "linux/mount_sources.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "base/fs.hpp"
#include "linux/sync.hpp"
#include "rt/error.hpp"

namespace rt::linux {
namespace {

bool opened_by_parent(const MountPlan& m) noexcept {
    return m.options.bind && !m.idmap_uids && m.idmap_userns < 0;
}

// rt inside another process's mount namespace for the life of the object; back in its own,
// with its root and working directory (setns(CLONE_NEWNS) resets both), afterwards.
class MountNamespaceVisit {
  public:
    explicit MountNamespaceVisit(pid_t pid)
        : own_(base::open_fd("/proc/self/ns/mnt", O_RDONLY)),
          root_(base::open_fd("/", O_PATH | O_DIRECTORY)),
          cwd_(base::open_fd(".", O_PATH | O_DIRECTORY)) {
        base::UniqueFd target = base::open_fd("/proc/" + std::to_string(pid) + "/ns/mnt", O_RDONLY);
        if (::setns(target.get(), CLONE_NEWNS) != 0)
            throw Error("setns into the container's mount namespace", errno);
    }
    ~MountNamespaceVisit() {
        if (::setns(own_.get(), CLONE_NEWNS) == 0 && ::fchdir(root_.get()) == 0)
            (void)::chroot(".");
        (void)::fchdir(cwd_.get());
    }
    MountNamespaceVisit(const MountNamespaceVisit&) = delete;
    MountNamespaceVisit& operator=(const MountNamespaceVisit&) = delete;

  private:
    base::UniqueFd own_, root_, cwd_;
};

}  // namespace

bool needs_mount_sources(const InitPlan& plan) noexcept {
    if (plan.shared_mount_ns) return false;
    if (!plan.new_userns && !plan.namespaces->joins_flag(CLONE_NEWUSER)) return false;
    for (const auto& m : plan.mounts)
        if (opened_by_parent(m)) return true;
    return false;
}

void send_mount_sources(int sync_fd, pid_t init, const InitPlan& plan) {
    sync_expect(sync_fd, SyncType::MountSources, "create");
    std::vector<base::UniqueFd> fds;
    {
        MountNamespaceVisit visit(init);
        for (const auto& m : plan.mounts) {
            if (!opened_by_parent(m)) continue;
            int fd = ::open(m.source.c_str(), O_PATH | O_CLOEXEC);
            if (fd < 0) {
                int e = errno;
                throw Error(
                    "config.json: /mounts/" + std::to_string(m.index) + "/source: open " + m.source,
                    e);
            }
            fds.emplace_back(fd);
        }
    }
    for (const auto& fd : fds) sync_send_fd_or_throw(sync_fd, SyncType::MountSourceFd, fd.get());
}

bool step_mount_sources(InitPlan& plan, ChildCtx& ctx) noexcept {
    if (!needs_mount_sources(plan)) return true;
    if (!sync_send(plan.sync_fd, SyncType::MountSources))
        return ctx.fail(errno, "ask for the bind sources");
    for (auto& m : plan.mounts) {
        if (!opened_by_parent(m)) continue;
        SyncHeader h{};
        char buf[64];
        int fd = -1;
        if (sync_recv_fd(plan.sync_fd, h, buf, sizeof buf, &fd) < 0 ||
            h.type != SyncType::MountSourceFd || fd < 0)
            return ctx.fail(EPROTO, "mounts[%zu]: receive the bind source %s", m.index,
                            m.source.c_str());
        m.source_fd = fd;
    }
    return true;
}

}  // namespace rt::linux
