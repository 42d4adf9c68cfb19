// Linux namespaces of a container: spec type names <-> CLONE_NEW* flags, joining by path
// (checked to be the right type), and the id maps the parent writes for a new user ns.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/fd.hpp"
#include "rt/oci/spec.hpp"

namespace rt::linux {

struct NamespaceKind {
    const char* spec_name;  // "network"
    const char* proc_name;  // "net" (/proc/<pid>/ns/<proc_name>)
    int clone_flag;         // CLONE_NEWNET
};

// The eight kinds, in the order a joining process must enter them (user first, so that the
// others are entered with the capabilities the user ns grants; mount last but one, since it
// changes the root).
const std::vector<NamespaceKind>& namespace_kinds();
// nullptr when `spec_name` is not a namespace type.
const NamespaceKind* find_namespace(const std::string& spec_name);

struct NamespaceJoin {
    int clone_flag = 0;
    base::UniqueFd fd;
    std::string path;
};

// What linux.namespaces asks for: flags of new namespaces and fds of namespaces to join.
struct NamespacePlan {
    int new_flags = 0;  // CLONE_NEW* to create
    std::vector<NamespaceJoin> joins;
    bool has(int flag) const { return (new_flags & flag) != 0 || joins_flag(flag); }
    bool joins_flag(int flag) const;
    int join_fd(int flag) const;  // -1 when not joined
};

// Opens every `path` namespace and checks its type (ioctl NS_GET_NSTYPE). Throws rt::Error
// naming the config field: "config.json: /linux/namespaces/2/path: /x is not a network
// namespace".
NamespacePlan plan_namespaces(const std::vector<oci::Namespace>& namespaces);

// "0 1000 65536\n..." for /proc/<pid>/uid_map.
std::string format_id_map(const std::vector<oci::IdMapping>& map);
// Writes uid_map and gid_map of `pid` (the parent does this while the child waits).
void write_id_maps(pid_t pid, const std::vector<oci::IdMapping>& uids,
                   const std::vector<oci::IdMapping>& gids);

}  // namespace rt::linux
