#include "linux/namespaces.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <cerrno>

#include "base/fs.hpp"
#include "rt/error.hpp"

namespace rt::linux {

const std::vector<NamespaceKind>& namespace_kinds() {
    static const std::vector<NamespaceKind> kinds = {
        {"user", "user", CLONE_NEWUSER},       {"pid", "pid", CLONE_NEWPID},
        {"time", "time", CLONE_NEWTIME},       {"ipc", "ipc", CLONE_NEWIPC},
        {"uts", "uts", CLONE_NEWUTS},          {"network", "net", CLONE_NEWNET},
        {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"mount", "mnt", CLONE_NEWNS},
    };
    return kinds;
}

const NamespaceKind* find_namespace(const std::string& spec_name) {
    for (const auto& k : namespace_kinds())
        if (spec_name == k.spec_name) return &k;
    return nullptr;
}

bool NamespacePlan::joins_flag(int flag) const {
    for (const auto& j : joins)
        if (j.clone_flag == flag) return true;
    return false;
}

int NamespacePlan::join_fd(int flag) const {
    for (const auto& j : joins)
        if (j.clone_flag == flag) return j.fd.get();
    return -1;
}

NamespacePlan plan_namespaces(const std::vector<oci::Namespace>& namespaces) {
    NamespacePlan plan;
    int seen = 0;
    for (size_t i = 0; i < namespaces.size(); ++i) {
        const auto& ns = namespaces[i];
        std::string field = "config.json: /linux/namespaces/" + std::to_string(i);
        const NamespaceKind* kind = find_namespace(ns.type);
        if (!kind)
            throw Error(field + "/type: unknown namespace type \"" + ns.type + "\"",
                        ErrorKind::InvalidArgument);
        if (seen & kind->clone_flag)
            throw Error(field + "/type: namespace \"" + ns.type + "\" listed twice",
                        ErrorKind::InvalidArgument);
        seen |= kind->clone_flag;
        if (!ns.path || ns.path->empty()) {
            plan.new_flags |= kind->clone_flag;
            continue;
        }
        int fd = ::open(ns.path->c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw Error(field + "/path: open " + *ns.path, errno);
        base::UniqueFd guard(fd);
        int type = ::ioctl(fd, NS_GET_NSTYPE);
        if (type < 0)
            throw Error(field + "/path: " + *ns.path + " is not a namespace", errno,
                        ErrorKind::InvalidArgument);
        if (type != kind->clone_flag)
            throw Error(field + "/path: " + *ns.path + " is not a " + ns.type + " namespace",
                        ErrorKind::InvalidArgument);
        plan.joins.push_back({kind->clone_flag, std::move(guard), *ns.path});
    }
    // Join in the canonical order (user first, mount last).
    std::vector<NamespaceJoin> ordered;
    for (const auto& k : namespace_kinds())
        for (auto& j : plan.joins)
            if (j.clone_flag == k.clone_flag) ordered.push_back(std::move(j));
    plan.joins = std::move(ordered);
    return plan;
}

std::string format_id_map(const std::vector<oci::IdMapping>& map) {
    std::string out;
    for (const auto& m : map) {
        out += std::to_string(m.containerID) + ' ' + std::to_string(m.hostID) + ' ' +
               std::to_string(m.size) + '\n';
    }
    return out;
}

void write_id_maps(pid_t pid, const std::vector<oci::IdMapping>& uids,
                   const std::vector<oci::IdMapping>& gids) {
    std::string base = "/proc/" + std::to_string(pid) + "/";
    // rt runs as real root here; an unprivileged caller would have to write "deny" to
    // setgroups first (runc does that only for rootless containers).
    if (!uids.empty()) {
        try {
            base::write_file(base + "uid_map", format_id_map(uids));
        } catch (Error& e) {
            throw e.context("config.json: /linux/uidMappings");
        }
    }
    if (!gids.empty()) {
        try {
            base::write_file(base + "gid_map", format_id_map(gids));
        } catch (Error& e) {
            throw e.context("config.json: /linux/gidMappings");
        }
    }
}

}  // namespace rt::linux
