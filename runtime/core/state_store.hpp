// Container state under --root: one directory per container.
//
//   <root>/                 0700, created on first use
//   <root>/<id>/            reserved atomically by mkdir (a duplicate id fails with EEXIST
//                           and touches nothing); flock()ed by every verb that changes it
//   <root>/<id>/state.json  ContainerRecord, written atomically (temp + rename) at the end
//                           of create; absent while the container is being created
//   <root>/<id>/config.json the config the container was created from (delete runs its
//                           poststop hooks, exec reads its process defaults)
//   <root>/<id>/exec.sock   present while the init waits for `start` (status "created")
//
// Nothing here scans other containers: create costs the same with 1 or 1000 containers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "cgroup/freezer.hpp"
#include "rt/oci/spec.hpp"
#include "rt/oci/state.hpp"

namespace rt::core {

// Throws rt::Error(InvalidArgument) for an empty id, "/", "..", ".", control characters, or
// more than 1024 bytes.
void validate_container_id(const std::string& id);

// What rt keeps about a container (state.json). The OCI state (`rt state`) is derived from it
// plus the liveness of the init.
struct ContainerRecord {
    std::string id;
    std::string bundle;  // absolute
    std::string rootfs;  // absolute
    int pid = 0;
    uint64_t start_time = 0;  // /proc/<pid>/stat field 22: guards against pid reuse
    std::string created;      // RFC 3339
    std::string owner;        // user name of the creator ("root")
    oci::StringMap annotations;
    // cgroup (issue 4): where the container's cgroup lives, for delete/pause/stats.
    std::string cgroup_path;
    // Where the paused check reads (saved at create: `list` and `state` need not parse
    // cgroup.json). nullopt in records written before it was kept: cgroup.json then.
    std::optional<cgroup::FreezerDirs> freezer;
};

std::string serialize_record(const ContainerRecord& record);
ContainerRecord parse_record(const std::string& json, const std::string& origin);

class ContainerDir {
  public:
    ContainerDir(std::string id, std::string path, base::UniqueFd fd)
        : id_(std::move(id)), path_(std::move(path)), fd_(std::move(fd)) {}
    const std::string& id() const { return id_; }
    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }

    // Exclusive lock for the verbs that change the container (create, start, delete, kill).
    void lock();
    bool has_record() const;
    ContainerRecord read_record() const;
    // As read_record, but nullopt while there is no state.json (still being created).
    std::optional<ContainerRecord> try_read_record() const;
    void write_record(const ContainerRecord& record) const;
    bool has_exec_socket() const;
    // The bundle path, kept from the start of create so `state` reports it while the
    // container is still being created (runtime.md "State": bundle is REQUIRED, whatever the
    // status). A symlink: one syscall on the create path. "" when absent (a dir left
    // half-created by an older rt).
    void keep_bundle(const std::string& bundle) const;
    std::string kept_bundle() const;

  private:
    std::string id_;
    std::string path_;
    base::UniqueFd fd_;
};

class StateStore {
  public:
    explicit StateStore(std::string root) : root_(std::move(root)) {}
    const std::string& root() const { return root_; }
    std::string dir_of(const std::string& id) const { return root_ + "/" + id; }

    // Creates <root>/<id> (and <root> itself). AlreadyExists when the id is taken.
    ContainerDir reserve(const std::string& id);
    // Opens an existing container dir. NotFound: "container \"x\" does not exist".
    ContainerDir open(const std::string& id) const;
    // Removes a container dir and everything in it.
    void remove(const std::string& id) const;
    // Ids of every container dir, sorted (for `list`; `list -q` needs nothing more).
    std::vector<std::string> ids() const;

  private:
    std::string root_;
};

}  // namespace rt::core
