// rt::cgroup::Manager: a container's cgroup on every hierarchy of the host.
//
// Life of a container's cgroup:
//   Manager::create(layout, path)  mkdir on each hierarchy (v2: enable controllers in the
//                                  ancestors), undone on failure; leaves nothing behind
//   apply(resources)               one writer per controller, on whichever hierarchy has it
//   enter(pid) / clone_into_fd()   put the init in it (clone3 CLONE_INTO_CGROUP on v2)
//   freeze / thaw / frozen         rt pause / resume / state
//   pids, kill_all, stats, oom     rt ps / kill --all / events
//   destroy(kill)                  rt delete: every hierarchy, idempotent
//   serialize / load               kept in the container's state dir between rt commands
//
// Per controller the hierarchy is chosen at run time: its v1 hierarchy if it has one,
// else the cgroup2 hierarchy when the controller is enabled there. On this project's hybrid
// hosts that means memory/cpu/... on v1 and hugetlb on v2. Process-wide operations (freeze,
// kill, populated) use the cgroup2 core files whenever a cgroup2 node exists (hybrid too),
// because they are event driven and atomic, and fall back to v1 otherwise.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.hpp"
#include "cgroup/freezer.hpp"
#include "cgroup/layout.hpp"
#include "cgroup/path.hpp"
#include "cgroup/stats.hpp"
#include "rt/oci/spec.hpp"

namespace rt::cgroup {

// The container's cgroup in one hierarchy.
struct Node {
    bool unified = false;                  // the cgroup2 hierarchy
    std::string mount_point;               // hierarchy mount point
    std::string path;                      // cgroup path within the hierarchy: "/a/b"
    std::string dir;                       // mount_point + path (minus the mount root)
    std::vector<std::string> controllers;  // v1: the hierarchy's; v2: enabled for dir
    std::vector<std::string> created;      // dirs rt made (or, during create, is about to
                                           // make), deepest first; destroy removes them

    bool has(std::string_view controller) const noexcept;
};

struct ApplyOptions {
    // Prefix of every error: "<origin>/memory/limit: why".
    std::string origin = "config.json: /linux/resources";
    // An update of a running container (checkBeforeUpdate applies, devices are diffed).
    bool update = false;
};

enum class FreezerState { Thawed, Freezing, Frozen };

class OomWatcher;

class Manager {
  public:
    // Called with the manager whose nodes list, in `created`, the directories create() is
    // about to make: the caller persists serialize() (cgroup.json) before any is made, so
    // that destroy() after a crash removes exactly what this container made.
    using IntentFn = std::function<void(const Manager&)>;

    // Creates the container's cgroup on every hierarchy of layout. A leaf that already
    // exists is joined (and left in place by destroy) unless it has processes (error).
    // intent runs once before the first mkdir, and again whenever the plan changes (a
    // planned directory made meanwhile by someone else, a parent that vanished).
    // On failure removes every directory it created and throws rt::Error.
    //
    // systemd_unit: the leaf is the cgroup of a transient unit systemd has just made for the
    // container (the systemd driver): it exists and holds the init, and its ancestors are
    // systemd's slices, whose controllers systemd enables for a delegated unit; rt only makes
    // what is missing (v1 hierarchies systemd does not manage) and leaves the rest to systemd.
    static Manager create(const Layout& layout, const CgroupPath& path, const IntentFn& intent = {},
                          bool systemd_unit = false);
    // Rebuilds a manager from serialize(). Throws rt::Error on malformed text.
    static Manager load(std::string_view json);
    std::string serialize() const;

    LayoutKind kind() const noexcept { return kind_; }
    const std::vector<Node>& nodes() const noexcept { return nodes_; }
    const Node* unified_node() const noexcept;
    // The node holding a controller ("memory", "io", "name=systemd", ...), or nullptr.
    const Node* node_for(std::string_view controller) const noexcept;

    // Writes linux.resources. Errors name the field: "<origin>/cpu/shares: why".
    void apply(const oci::Resources& resources, const ApplyOptions& options = {}) const;

    // Moves pid into the container's cgroup on every hierarchy (skip_unified: it already
    // is there through clone3 CLONE_INTO_CGROUP).
    void enter(pid_t pid, bool skip_unified = false) const;
    // `rt exec --cgroup` (runc 1.1's sub-cgroups): one directory per node (nodes() order) for
    // the process to join. Each argument is "[controller[,controller]:]path", the path
    // relative to the container's cgroup and existing; a path without controllers (one
    // argument only) applies to every hierarchy, and is the only form on cgroup v2. Throws
    // rt::Error naming the argument.
    std::vector<std::string> sub_cgroup_dirs(const std::vector<std::string>& args) const;
    // enter() into those directories instead of the container's.
    void enter_dirs(pid_t pid, const std::vector<std::string>& dirs, bool skip_unified) const;
    // An O_PATH directory fd of the cgroup2 node for clone3's CLONE_INTO_CGROUP, or an
    // empty fd when there is no cgroup2 node. On hybrid/legacy hosts enter() is still
    // needed for the v1 hierarchies.
    base::UniqueFd open_unified_dir() const;
    // The same for the cgroup2 entry of sub_cgroup_dirs().
    base::UniqueFd open_unified_dir(const std::vector<std::string>& dirs) const;

    // Stops every process and waits until the kernel reports the cgroup frozen
    // (v2: cgroup.events, no polling loop; v1: freezer.state). Throws on timeout.
    void freeze() const;
    void thaw() const;
    FreezerState freezer_state() const;
    // What frozen() reads, for the container record (create saves it once).
    FreezerDirs freezer_dirs() const;

    // Every pid in the cgroup and its descendants, sorted.
    std::vector<pid_t> pids() const;
    // Signals every process: cgroup.kill for SIGKILL on v2, else freeze, signal, thaw so
    // that no fork escapes.
    void kill_all(int signal) const;
    // Waits until the cgroup has no process left (v2: cgroup.events "populated 0"; v1:
    // pidfds of the remaining processes). Returns false on timeout.
    bool wait_empty(int timeout_ms) const;

    Stats stats() const;
    OomWatcher watch_oom() const;

    // Removes the cgroup (and any cgroups below it) from every hierarchy. kill: SIGKILL
    // lingering processes first and wait for them (kill_and_wait). Idempotent; throws when a
    // process or a directory remains, naming all of them in one message.
    void destroy(bool kill = false);

    // The steps of destroy, for delete, which reports what remains instead of stopping at it.
    // Each returns what it could not do, one phrase per problem (empty: all done).
    //
    // Thaws the container's cgroup and every cgroup below it (v1 freezer.state, v2
    // cgroup.freeze): a v1-frozen task does not die of SIGKILL until thawed, and a sub-cgroup
    // stays frozen when its parent is thawed.
    std::vector<std::string> thaw_all() const;
    // thaw_all, SIGKILL to every process (again to any that appears), and a wait until none
    // is left, at most timeout_ms. A process frozen in a v1 freezer cgroup rt cannot thaw
    // (moved into another one, or below a frozen ancestor) is not waited for: it cannot die
    // before someone thaws that cgroup; it is reported with the cgroup's path.
    std::vector<std::string> kill_and_wait(int timeout_ms) const;
    // Removes the directories rt created, deepest first, each hierarchy independently; keeps
    // (and reports) the ones still holding processes.
    std::vector<std::string> remove_dirs();
    // Why `pid` cannot die now: "frozen in <v1 freezer dir>" when its v1 freezer cgroup is
    // FROZEN or FREEZING; "" otherwise (also when this manager has no v1 freezer).
    std::string frozen_reason(pid_t pid) const;

  private:
    // Removes what create() made so far (failure path).
    void destroy_created_noexcept() noexcept;

    LayoutKind kind_ = LayoutKind::Unified;
    std::vector<Node> nodes_;
};

// Undoes a freshly created cgroup unless dismissed: the create path's RAII guard.
class DestroyGuard {
  public:
    explicit DestroyGuard(Manager& m) noexcept : m_(&m) {}
    DestroyGuard(const DestroyGuard&) = delete;
    DestroyGuard& operator=(const DestroyGuard&) = delete;
    ~DestroyGuard();
    void dismiss() noexcept { m_ = nullptr; }

  private:
    Manager* m_;
};

// OOM notifications of a container's memory cgroup.
//   v1: an eventfd registered through cgroup.event_control for memory.oom_control
//   v2: inotify on memory.events, counting "oom_kill"
// fd() becomes readable (poll POLLIN) when something happened; consume() then returns how
// many OOM events occurred since the previous call (0 for a spurious wake-up).
class OomWatcher {
  public:
    OomWatcher() = default;
    static OomWatcher v1(const std::string& memory_dir);
    static OomWatcher v2(const std::string& memory_dir);

    int fd() const noexcept { return fd_.get(); }
    uint64_t consume();
    // False once the cgroup is gone (v1 signals the eventfd when the cgroup is removed).
    bool alive() const noexcept;

  private:
    base::UniqueFd fd_;
    bool unified_ = false;
    std::string dir_;
    uint64_t last_ = 0;
};

}  // namespace rt::cgroup
