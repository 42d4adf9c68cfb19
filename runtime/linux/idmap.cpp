#include "linux/idmap.hpp"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/fs.hpp"
#include "linux/launcher.hpp"
#include "linux/namespaces.hpp"
#include "rt/error.hpp"

namespace rt::linux {

base::UniqueFd make_userns(const std::vector<oci::IdMapping>& uids,
                           const std::vector<oci::IdMapping>& gids) {
    base::UniqueFd pidfd;
    pid_t pid = clone_process(CLONE_NEWUSER, pidfd);
    if (pid == 0) {
        // The helper only has to exist while its maps are written and its namespace opened.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        for (;;) ::pause();
    }
    struct Reap {
        pid_t pid;
        int pidfd;
        ~Reap() {
            ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
            while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
            }
        }
    } reap{pid, pidfd.get()};
    std::string dir = "/proc/" + std::to_string(pid) + "/";
    base::write_file(dir + "uid_map", format_id_map(uids));
    base::write_file(dir + "gid_map", format_id_map(gids));
    return base::open_fd(dir + "ns/user", O_RDONLY);
}

base::UniqueFd idmapped_tree(const std::string& source, bool recursive_bind, bool recursive_idmap,
                             int userns_fd) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive_bind ? AT_RECURSIVE : 0);
    int fd = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, source.c_str(), flags));
    if (fd < 0) throw Error("open_tree " + source, errno);
    base::UniqueFd tree(fd);
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<uint64_t>(userns_fd);
    if (::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive_idmap ? AT_RECURSIVE : 0),
                  &attr, sizeof attr) != 0)
        throw Error("idmap " + source + " (mount_setattr MOUNT_ATTR_IDMAP)", errno);
    return tree;
}

void prepare_idmapped_mounts(InitPlan& plan) {
    struct Userns {
        std::string key;  // the uid_map and gid_map texts
        base::UniqueFd fd;
    };
    std::vector<Userns> made;
    for (auto& m : plan.mounts) {
        if (!m.idmap_uids && m.idmap_userns < 0) continue;
        try {
            if (m.idmap_userns >= 0) {
                m.idmap_tree = idmapped_tree(m.source, m.options.recursive_bind,
                                             m.options.recursive_idmap, m.idmap_userns);
                continue;
            }
            std::string key = format_id_map(*m.idmap_uids) + "|" + format_id_map(*m.idmap_gids);
            int userns = -1;
            for (const auto& u : made)
                if (u.key == key) userns = u.fd.get();
            if (userns < 0) {
                made.push_back({key, make_userns(*m.idmap_uids, *m.idmap_gids)});
                userns = made.back().fd.get();
            }
            m.idmap_tree = idmapped_tree(m.source, m.options.recursive_bind,
                                         m.options.recursive_idmap, userns);
        } catch (Error& e) {
            throw e.context("config.json: /mounts/" + std::to_string(m.index));
        }
    }
}

}  // namespace rt::linux
