#include "cgroup/manager.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <map>

#include "base/crash_point.hpp"
#include "base/log.hpp"
#include "cgroup/controllers.hpp"
#include "cgroup/fs.hpp"
#include "rt/error.hpp"

namespace rt::cgroup {

bool Node::has(std::string_view controller) const noexcept {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

namespace {

using Clock = std::chrono::steady_clock;

// The directory of cgroup `path` in a hierarchy mounted at mount_point with mount root.
std::string dir_for(const std::string& mount_point, const std::string& root,
                    const std::string& path) {
    if (root == "/" || root.empty()) return mount_point + (path == "/" ? "" : path);
    if (path == root) return mount_point;
    if (path.compare(0, root.size(), root) != 0 || path[root.size()] != '/')
        throw Error("cgroup path " + path + " is outside the cgroup mounted at " + mount_point +
                        " (its root is " + root + ")",
                    ErrorKind::InvalidArgument);
    return mount_point + path.substr(root.size());
}

std::vector<std::string> split_commas(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        size_t c = s.find(',');
        if (c) out.emplace_back(s.substr(0, c));
        if (c == std::string_view::npos) break;
        s.remove_prefix(c + 1);
    }
    return out;
}

// rt's own cgroup in a v1 hierarchy, from /proc/self/cgroup ("/" when unknown).
std::string own_v1(const Layout& layout, const V1Hierarchy& h) {
    for (const auto& [key, path] : layout.own) {
        if (key.empty()) continue;
        for (const auto& c : split_commas(key))
            if (h.has(c)) return path;
    }
    return "/";
}

std::vector<std::string> read_words(const std::string& path) {
    std::vector<std::string> out;
    if (auto text = fs::read_file_if_exists(path))
        for (auto w : fs::split_words(fs::trim(*text))) out.emplace_back(w);
    return out;
}

bool has_processes(const std::string& dir) {
    auto procs = fs::read_file_if_exists(fs::join(dir, "cgroup.procs"));
    return procs && !fs::trim(*procs).empty();
}

// Enables in dir's cgroup.subtree_control every controller dir offers that is not enabled
// yet (as runc: all of them, so later updates can use any). Failures of single controllers
// are ignored: apply() reports a missing controller with the field that needs it.
void enable_controllers(const std::string& dir) {
    auto available = read_words(fs::join(dir, "cgroup.controllers"));
    auto enabled = read_words(fs::join(dir, "cgroup.subtree_control"));
    std::string all;
    std::vector<std::string> missing;
    for (const auto& c : available) {
        if (std::find(enabled.begin(), enabled.end(), c) != enabled.end()) continue;
        missing.push_back("+" + c);
        all += (all.empty() ? "" : " ") + missing.back();
    }
    if (missing.empty()) return;
    std::string file = fs::join(dir, "cgroup.subtree_control");
    if (fs::try_write_file(file, all) == 0) return;
    for (const auto& m : missing) fs::try_write_file(file, m);
}

void sleep_ms(long ms) {
    timespec ts{ms / 1000, (ms % 1000) * 1000000L};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

// Waits until `file` (a cgroup.events) has "key value", using POLLPRI notifications.
bool wait_events(const std::string& file, std::string_view key, std::string_view value,
                 int timeout_ms) {
    base::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw Error("open " + file, errno);
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        char buf[512];
        ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
        if (n < 0) throw Error("read " + file, errno);
        for (auto line : fs::split_lines(std::string_view(buf, static_cast<size_t>(n)))) {
            auto w = fs::split_words(line);
            if (w.size() == 2 && w[0] == key && w[1] == value) return true;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd.get(), POLLPRI, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR)
            throw Error("poll " + file, errno);
    }
}

// dir and every cgroup below it, parents first.
void subtree(const std::string& dir, std::vector<std::string>& out) {
    out.push_back(dir);
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    std::vector<std::string> children;
    while (dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (e->d_type == DT_DIR && name != "." && name != "..")
            children.push_back(fs::join(dir, name));
    }
    ::closedir(d);
    for (const auto& c : children) subtree(c, out);
}

void collect_pids(const std::string& dir, std::vector<pid_t>& out) {
    std::vector<std::string> dirs;
    subtree(dir, dirs);
    for (const auto& d : dirs)
        if (auto text = fs::read_file_if_exists(fs::join(d, "cgroup.procs")))
            for (auto line : fs::split_lines(*text))
                if (auto v = fs::parse_u64(line)) out.push_back(static_cast<pid_t>(*v));
}

constexpr int kFreezeTimeoutMs = 10000;
constexpr int kKillTimeoutMs = 10000;

}  // namespace

const Node* Manager::unified_node() const noexcept {
    for (const auto& n : nodes_)
        if (n.unified) return &n;
    return nullptr;
}

const Node* Manager::node_for(std::string_view controller) const noexcept {
    for (const auto& n : nodes_)
        if (!n.unified && n.has(controller)) return &n;
    for (const auto& n : nodes_)
        if (n.unified && n.has(controller)) return &n;
    return nullptr;
}

namespace {

// The directories of `path` that do not exist, deepest first, up to (not including) `top`,
// the hierarchy's mount point.
std::vector<std::string> missing_dirs(const std::string& path, const std::string& top) {
    std::vector<std::string> out;
    std::string cur = path;
    while (cur.size() > top.size() && !fs::exists(cur)) {
        out.push_back(cur);
        cur.resize(cur.find_last_of('/'));
    }
    return out;
}

bool self_or_ancestor(const std::string& dir, const std::string& of) {
    return dir.size() <= of.size() && of.compare(0, dir.size(), dir) == 0 &&
           (dir.size() == of.size() || of[dir.size()] == '/');
}

// Makes the directories planned in node.created (the intent, persisted by `intent` before
// any of them exists) up to `target`, top-down.
class DirMaker {
  public:
    DirMaker(const Manager& m, const Manager::IntentFn& intent) : m_(m), intent_(intent) {}
    void record() const {
        if (intent_) intent_(m_);
    }

    void make(Node& node, const std::string& target) {
        for (int attempt = 0;; ++attempt) {
            std::vector<std::string> todo;  // top-down
            for (auto it = node.created.rbegin(); it != node.created.rend(); ++it)
                if (self_or_ancestor(*it, target) &&
                    std::find(made_.begin(), made_.end(), *it) == made_.end())
                    todo.push_back(*it);
            int err = 0;
            std::string failed;
            for (const auto& d : todo) {
                if (::mkdir(d.c_str(), 0755) == 0) {
                    made_.push_back(d);
                    base::crash_point(base::CrashPoint::CgroupMkdir);
                    continue;
                }
                if (errno == EEXIST) {
                    // Made by someone else since it was planned: not ours to remove.
                    node.created.erase(std::find(node.created.begin(), node.created.end(), d));
                    record();
                    continue;
                }
                err = errno;
                failed = d;
                break;
            }
            if (err == 0) return;
            if (err != ENOENT || attempt >= 3) throw Error("mkdir " + failed, err);
            // A parent vanished (another container's delete removed an empty shared
            // ancestor): plan it again, recorded before it is made again.
            for (const auto& d : missing_dirs(target, node.mount_point)) {
                made_.erase(std::remove(made_.begin(), made_.end(), d), made_.end());
                if (std::find(node.created.begin(), node.created.end(), d) == node.created.end())
                    node.created.push_back(d);
            }
            std::sort(
                node.created.begin(), node.created.end(),
                [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
            record();
        }
    }

  private:
    const Manager& m_;
    const Manager::IntentFn& intent_;
    std::vector<std::string> made_;
};

}  // namespace

Manager Manager::create(const Layout& layout, const CgroupPath& path, const IntentFn& intent,
                        bool systemd_unit) {
    Manager m;
    m.kind_ = layout.kind;
    try {
        // 1. plan: every node and the directories it lacks, recorded before any is made, so
        //    that a crash at any moment leaves a record of all this container may have made
        //    and of nothing that existed before it (docs/security.md "Crash consistency").
        for (const auto& h : layout.v1) {
            Node n;
            n.mount_point = h.mount_point;
            n.controllers = h.controllers;
            n.path = hierarchy_path(path, own_v1(layout, h), false);
            n.dir = dir_for(h.mount_point, h.root, n.path);
            n.created = missing_dirs(n.dir, n.mount_point);
            m.nodes_.push_back(std::move(n));
        }
        if (layout.unified) {
            const auto& u = *layout.unified;
            auto own = layout.own.find("");
            Node n;
            n.unified = true;
            n.mount_point = u.mount_point;
            n.path = hierarchy_path(path, own == layout.own.end() ? "/" : own->second, true);
            n.dir = dir_for(u.mount_point, u.root, n.path);
            n.created = missing_dirs(n.dir, n.mount_point);
            m.nodes_.push_back(std::move(n));
        }
        DirMaker maker(m, intent);
        maker.record();
        // 2. make them
        // (a systemd unit's cgroup holds the init already: it is the container's by design)
        auto check_preexisting = [systemd_unit](const Node& node) {
            bool preexisting = node.created.empty() || node.created.front() != node.dir;
            if (preexisting && !systemd_unit && has_processes(node.dir))
                throw Error("cgroup " + node.dir + " already exists and has processes",
                            ErrorKind::AlreadyExists);
        };
        for (auto& node : m.nodes_) {
            if (node.unified) continue;
            maker.make(node, node.dir);
            if (node.has("cpuset")) detail::init_cpuset_dirs(node.created);
            check_preexisting(node);
        }
        for (auto& node : m.nodes_) {
            if (!node.unified) continue;
            if (systemd_unit) {
                // systemd made the unit's cgroup and enables the controllers of its slices
                if (!fs::exists(node.dir))
                    throw Error("the systemd unit's cgroup " + node.dir + " does not exist",
                                ErrorKind::NotFound);
                node.created.clear();
                node.controllers = read_words(fs::join(node.dir, "cgroup.controllers"));
                continue;
            }
            std::string parent = node.dir.substr(0, node.dir.find_last_of('/'));
            // Ancestors first (enabling controllers top-down needs them), then the leaf.
            if (parent.size() > node.mount_point.size()) maker.make(node, parent);
            std::string anc = node.mount_point;
            enable_controllers(anc);
            size_t pos = node.mount_point.size();
            while (pos < parent.size()) {
                size_t next = parent.find('/', pos + 1);
                anc = parent.substr(0, next);
                enable_controllers(anc);
                pos = next == std::string::npos ? parent.size() : next;
            }
            maker.make(node, node.dir);
            check_preexisting(node);
            node.controllers = read_words(fs::join(node.dir, "cgroup.controllers"));
        }
    } catch (Error& e) {
        m.destroy_created_noexcept();
        throw e.context("create cgroup " + path.path);
    } catch (...) {
        m.destroy_created_noexcept();
        throw;
    }
    return m;
}

void Manager::destroy_created_noexcept() noexcept {
    for (auto& n : nodes_) {
        for (const auto& d : n.created) {
            if (d == n.dir)
                fs::remove_cgroup_tree(d);
            else
                ::rmdir(d.c_str());
        }
        n.created.clear();
    }
}

void Manager::apply(const oci::Resources& r, const ApplyOptions& options) const {
    detail::Fields f(options.origin);
    auto target = [&](std::string_view v1_name, std::string_view v2_name, std::string_view field) {
        for (const auto& n : nodes_)
            if (!n.unified && n.has(v1_name)) return detail::Target{n.dir, false};
        const Node* u = unified_node();
        if (u && u->has(v2_name)) return detail::Target{u->dir, true};
        std::string why =
            "the " + std::string(v1_name) + " controller is not available on this host";
        if (u)
            why += " (not mounted on cgroup v1, and \"" + std::string(v2_name) + "\" is not in " +
                   fs::join(u->dir, "cgroup.controllers") + ")";
        else
            why += " (not mounted)";
        throw f.error(field, why, ErrorKind::Unsupported);
    };

    if (r.cpu && (r.cpu->cpus || r.cpu->mems)) {
        bool any = (r.cpu->cpus && !r.cpu->cpus->empty()) || (r.cpu->mems && !r.cpu->mems->empty());
        if (any) detail::apply_cpuset(target("cpuset", "cpuset", "/cpu/cpus"), *r.cpu, f);
    }
    if (!r.devices.empty()) {
        auto rules = convert_device_rules(r.devices, options.origin + "/devices");
        bool done = false;
        for (const auto& n : nodes_) {
            if (!n.unified && n.has("devices")) {
                detail::apply_devices_v1({n.dir, false}, rules, f);
                done = true;
                break;
            }
        }
        if (!done) {
            const Node* u = unified_node();
            if (!u)
                throw f.error("/devices", "no devices controller on this host",
                              ErrorKind::Unsupported);
            detail::apply_devices_v2({u->dir, true}, rules, f);
        }
    }
    if (r.memory)
        detail::apply_memory(target("memory", "memory", "/memory"), *r.memory, f, options.update);
    if (r.cpu) {
        const auto& c = *r.cpu;
        if (c.shares || c.quota || c.period || c.burst || c.realtimeRuntime || c.realtimePeriod ||
            c.idle)
            detail::apply_cpu(target("cpu", "cpu", "/cpu"), c, f);
    }
    if (r.pids) detail::apply_pids(target("pids", "pids", "/pids"), *r.pids, f);
    if (r.blockIO) {
        const auto& b = *r.blockIO;
        if (b.weight || b.leafWeight || !b.weightDevice.empty() ||
            !b.throttleReadBpsDevice.empty() || !b.throttleWriteBpsDevice.empty() ||
            !b.throttleReadIOPSDevice.empty() || !b.throttleWriteIOPSDevice.empty())
            detail::apply_blkio(target("blkio", "io", "/blockIO"), b, f);
    }
    if (!r.hugepageLimits.empty())
        detail::apply_hugetlb(target("hugetlb", "hugetlb", "/hugepageLimits"), r.hugepageLimits, f);
    if (r.network) {
        auto v1_only = [&](std::string_view controller, std::string_view field) {
            for (const auto& n : nodes_)
                if (!n.unified && n.has(controller)) return detail::Target{n.dir, false};
            throw f.error(
                field,
                "the " + std::string(controller) +
                    " controller is not available on this host (it exists on cgroup v1 only,"
                    " and is not mounted)",
                ErrorKind::Unsupported);
        };
        if (r.network->classID)
            detail::apply_net_cls(v1_only("net_cls", "/network/classID"), *r.network->classID, f);
        if (!r.network->priorities.empty())
            detail::apply_net_prio(v1_only("net_prio", "/network/priorities"),
                                   r.network->priorities, f);
    }
    if (!r.rdma.empty()) detail::apply_rdma(target("rdma", "rdma", "/rdma"), r.rdma, f);
    if (!r.unified.empty()) {
        const Node* u = unified_node();
        if (!u)
            throw f.error("/unified", "needs cgroup v2, and this host has cgroup v1 only",
                          ErrorKind::Unsupported);
        std::vector<std::string> v1_controllers;
        for (const auto& n : nodes_)
            if (!n.unified)
                v1_controllers.insert(v1_controllers.end(), n.controllers.begin(),
                                      n.controllers.end());
        detail::apply_unified({u->dir, true}, r.unified, f, v1_controllers);
    }
}

void Manager::enter(pid_t pid, bool skip_unified) const {
    std::string value = std::to_string(pid);
    for (const auto& n : nodes_) {
        if (n.unified && skip_unified) continue;
        std::string file = fs::join(n.dir, "cgroup.procs");
        if (int err = fs::try_write_file(file, value))
            throw Error("join cgroup " + n.dir + " (pid " + value + ")", err);
    }
}

std::vector<std::string> Manager::sub_cgroup_dirs(const std::vector<std::string>& args) const {
    std::vector<std::string> dirs;
    for (const auto& n : nodes_) dirs.push_back(n.dir);
    if (args.empty()) return dirs;
    bool v1 = false;
    for (const auto& n : nodes_) v1 = v1 || !n.unified;
    auto fail = [](const std::string& arg, const std::string& why) {
        return Error("exec: --cgroup " + arg + ": " + why, ErrorKind::InvalidArgument);
    };
    // Relative, cleaned, never above the container's cgroup.
    auto clean = [&fail](const std::string& arg, std::string_view path) {
        std::string out;
        size_t i = 0;
        while (i <= path.size()) {
            size_t end = path.find('/', i);
            if (end == std::string_view::npos) end = path.size();
            std::string_view part = path.substr(i, end - i);
            if (part == "..") throw fail(arg, "not a sub-cgroup path (\"..\")");
            if (!part.empty() && part != ".") out += "/" + std::string(part);
            i = end + 1;
        }
        if (out.empty()) throw fail(arg, "an empty sub-cgroup path");
        return out;
    };
    for (const auto& arg : args) {
        size_t colon = arg.find(':');
        if (colon == std::string::npos) {
            if (args.size() != 1)
                throw fail(arg, "a path without <controller>: must be the only --cgroup");
            std::string sub = clean(arg, arg);
            for (auto& d : dirs) d += sub;
            continue;
        }
        if (arg.find(':', colon + 1) != std::string::npos)
            throw fail(arg, "expected [<controller>[,<controller>]:]<path>");
        if (!v1) throw fail(arg, "cgroup v2 has one hierarchy: give the path without a controller");
        std::string sub = clean(arg, std::string_view(arg).substr(colon + 1));
        std::string_view list = std::string_view(arg).substr(0, colon);
        size_t i = 0;
        while (i <= list.size()) {
            size_t end = list.find(',', i);
            if (end == std::string_view::npos) end = list.size();
            std::string_view ctrl = list.substr(i, end - i);
            const Node* n = node_for(ctrl);
            if (ctrl.empty() || !n)
                throw fail(arg, "unknown controller \"" + std::string(ctrl) +
                                    "\" (not a hierarchy of the container)");
            dirs[static_cast<size_t>(n - nodes_.data())] = n->dir + sub;
            i = end + 1;
        }
    }
    for (size_t i = 0; i < dirs.size(); ++i) {
        if (dirs[i] == nodes_[i].dir) continue;
        struct stat st {};
        int err = ::stat(dirs[i].c_str(), &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
        if (err)
            throw Error("exec: --cgroup: " + dirs[i] + " is not an existing cgroup", err,
                        ErrorKind::InvalidArgument);
    }
    return dirs;
}

void Manager::enter_dirs(pid_t pid, const std::vector<std::string>& dirs, bool skip_unified) const {
    std::string value = std::to_string(pid);
    for (size_t i = 0; i < nodes_.size() && i < dirs.size(); ++i) {
        if (nodes_[i].unified && skip_unified) continue;
        if (int err = fs::try_write_file(fs::join(dirs[i], "cgroup.procs"), value))
            throw Error("join cgroup " + dirs[i] + " (pid " + value + ")", err);
    }
}

base::UniqueFd Manager::open_unified_dir(const std::vector<std::string>& dirs) const {
    for (size_t i = 0; i < nodes_.size() && i < dirs.size(); ++i) {
        if (!nodes_[i].unified) continue;
        base::UniqueFd fd(::open(dirs[i].c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!fd) throw Error("open " + dirs[i], errno);
        return fd;
    }
    return {};
}

base::UniqueFd Manager::open_unified_dir() const {
    const Node* u = unified_node();
    if (!u) return {};
    base::UniqueFd fd(::open(u->dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw Error("open " + u->dir, errno);
    return fd;
}

namespace {

const Node* v2_freezer(const Manager& m) {
    const Node* u = m.unified_node();
    return u && fs::exists(fs::join(u->dir, "cgroup.freeze")) ? u : nullptr;
}

}  // namespace

namespace {

// The v1 freezer node, when the freezer controller is on a v1 hierarchy.
const Node* v1_freezer(const Manager& m) {
    const Node* n = m.node_for("freezer");
    return n && !n->unified ? n : nullptr;
}

// v1 freezer.state is not pollable: re-assert FROZEN and re-read with a short backoff until
// the kernel reports FROZEN (tasks in uninterruptible sleep take a moment).
void freeze_v1(const Node& v1) {
    std::string state = fs::join(v1.dir, "freezer.state");
    auto deadline = Clock::now() + std::chrono::milliseconds(kFreezeTimeoutMs);
    long wait_us = 50;
    for (;;) {
        fs::write_file(state, "FROZEN");
        if (fs::trim(fs::read_file(state)) == "FROZEN") return;
        if (Clock::now() > deadline) {
            fs::try_write_file(state, "THAWED");
            throw Error("freeze " + v1.dir + ": timed out waiting for the processes to stop");
        }
        timespec ts{0, wait_us * 1000};
        ::nanosleep(&ts, nullptr);
        wait_us = std::min(wait_us * 2, 10000L);
    }
}

void thaw_v1(const Node& v1) {
    std::string state = fs::join(v1.dir, "freezer.state");
    if (fs::exists(state)) fs::write_file(state, "THAWED");
}

}  // namespace

void Manager::freeze() const {
    const Node* v1 = v1_freezer(*this);
    if (const Node* u = v2_freezer(*this)) {
        fs::write_file(fs::join(u->dir, "cgroup.freeze"), "1");
        if (!wait_events(fs::join(u->dir, "cgroup.events"), "frozen", "1", kFreezeTimeoutMs)) {
            fs::try_write_file(fs::join(u->dir, "cgroup.freeze"), "0");
            throw Error("freeze " + u->dir + ": timed out waiting for the processes to stop");
        }
        // Hybrid host: the v1 freezer is frozen too (at once: every task is stopped), as
        // runc freezes it there, so tools that read freezer.state see the pause.
        if (v1) {
            try {
                freeze_v1(*v1);
            } catch (...) {
                fs::try_write_file(fs::join(u->dir, "cgroup.freeze"), "0");
                throw;
            }
        }
        return;
    }
    if (!v1)
        throw Error("freeze: no freezer on this host (no cgroup v2, no v1 freezer)",
                    ErrorKind::Unsupported);
    freeze_v1(*v1);
}

void Manager::thaw() const {
    // v1 first (also a cgroup frozen by another tool, or before v2 was mounted), then v2.
    if (const Node* v1 = v1_freezer(*this)) thaw_v1(*v1);
    if (const Node* u = v2_freezer(*this)) fs::write_file(fs::join(u->dir, "cgroup.freeze"), "0");
}

FreezerState Manager::freezer_state() const {
    if (const Node* u = v2_freezer(*this)) {
        auto events = fs::parse_flat_keyed(fs::read_file(fs::join(u->dir, "cgroup.events")));
        if (events["frozen"] == 1) return FreezerState::Frozen;
        if (fs::trim(fs::read_file(fs::join(u->dir, "cgroup.freeze"))) == "1")
            return FreezerState::Freezing;
    }
    if (const Node* v1 = node_for("freezer"); v1 && !v1->unified) {
        auto s = fs::read_file_if_exists(fs::join(v1->dir, "freezer.state"));
        if (s && fs::trim(*s) == "FROZEN") return FreezerState::Frozen;
        if (s && fs::trim(*s) == "FREEZING") return FreezerState::Freezing;
    }
    return FreezerState::Thawed;
}

FreezerDirs Manager::freezer_dirs() const {
    FreezerDirs dirs;
    if (const Node* u = v2_freezer(*this)) dirs.v2 = u->dir;
    if (const Node* v1 = v1_freezer(*this)) dirs.v1 = v1->dir;
    return dirs;
}

std::vector<pid_t> Manager::pids() const {
    const Node* n = unified_node();
    if (!n) n = node_for("pids");
    if (!n && !nodes_.empty()) n = &nodes_.front();
    std::vector<pid_t> out;
    if (!n) return out;
    collect_pids(n->dir, out);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

void Manager::kill_all(int signal) const {
    if (signal == SIGKILL) {
        if (const Node* u = unified_node()) {
            std::string file = fs::join(u->dir, "cgroup.kill");
            int err = fs::try_write_file(file, "1");
            if (err == 0) {
                // A v1-frozen task dies only once thawed (a v2-frozen one dies at once).
                if (const Node* v1 = v1_freezer(*this)) thaw_v1(*v1);
                return;
            }
            if (err != ENOENT) throw Error("kill: write 1 to " + file, err);
        }
    }
    // Freeze so that no process forks a child we would miss, signal all, then thaw unless
    // the container was paused already (SIGKILL needs a thaw to be delivered on v1).
    bool can_freeze = v2_freezer(*this) || node_for("freezer");
    bool was_frozen = can_freeze && freezer_state() == FreezerState::Frozen;
    std::vector<pid_t> list = pids();
    // A process frozen in a v1 freezer cgroup rt does not own never reaches the v2 freezer's
    // stop: freezing would wait for it until the timeout. It cannot fork either; signal
    // without the freeze then. As runc, a freeze that fails is a warning, not the end.
    if (can_freeze && !was_frozen) {
        bool stuck = std::any_of(list.begin(), list.end(),
                                 [&](pid_t pid) { return !frozen_reason(pid).empty(); });
        if (stuck) {
            can_freeze = false;
        } else {
            try {
                freeze();
                list = pids();
            } catch (const Error& e) {
                base::log_warning("kill: " + e.message() + "; signalling without it");
                can_freeze = false;
            }
        }
    }
    int first_err = 0;
    for (pid_t pid : list) {
        if (::kill(pid, signal) != 0 && errno != ESRCH && !first_err) first_err = errno;
    }
    if (can_freeze && (!was_frozen || signal == SIGKILL)) thaw();
    if (first_err) throw Error("kill: signal " + std::to_string(signal), first_err);
}

bool Manager::wait_empty(int timeout_ms) const {
    if (const Node* u = unified_node()) {
        std::string events = fs::join(u->dir, "cgroup.events");
        if (fs::exists(events)) return wait_events(events, "populated", "0", timeout_ms);
    }
    // v1: wait on pidfds of the remaining processes.
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        auto list = pids();
        if (list.empty()) return true;
        std::vector<pollfd> fds;
        std::vector<base::UniqueFd> owned;
        for (pid_t pid : list) {
            int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
            if (fd < 0) continue;  // gone already
            owned.emplace_back(fd);
            fds.push_back({fd, POLLIN, 0});
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        if (!fds.empty() && ::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 &&
            errno != EINTR)
            throw Error("poll pidfds", errno);
    }
}

namespace {

bool self_or_below(const std::string& dir, const std::string& top) {
    return dir.compare(0, top.size(), top) == 0 &&
           (dir.size() == top.size() || dir[top.size()] == '/');
}

// "process 12 is" / "processes 12, 13 and 4 more are", for the one-line delete report.
std::string describe_pids(const std::vector<pid_t>& pids) {
    std::string out = pids.size() == 1 ? "process " : "processes ";
    constexpr size_t kShown = 5;
    for (size_t i = 0; i < pids.size() && i < kShown; ++i)
        out += (i ? ", " : "") + std::to_string(pids[i]);
    if (pids.size() > kShown) out += " and " + std::to_string(pids.size() - kShown) + " more";
    return out + (pids.size() == 1 ? " is" : " are");
}

std::string joined(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
    return out;
}

}  // namespace

std::vector<std::string> Manager::thaw_all() const {
    std::vector<std::string> problems;
    auto thaw = [&](const std::string& top, const char* file, std::string_view value) {
        std::vector<std::string> dirs;
        subtree(top, dirs);
        for (const auto& d : dirs) {
            std::string f = fs::join(d, file);
            int err = fs::try_write_file(f, value);
            if (err && err != ENOENT)
                problems.push_back("thaw: write " + std::string(value) + " to " + f + ": " +
                                   std::strerror(err));
        }
    };
    if (const Node* v1 = v1_freezer(*this)) thaw(v1->dir, "freezer.state", "THAWED");
    if (const Node* u = v2_freezer(*this)) thaw(u->dir, "cgroup.freeze", "0");
    return problems;
}

std::string Manager::frozen_reason(pid_t pid) const {
    const Node* v1 = v1_freezer(*this);
    if (!v1) return "";
    try {
        auto text = fs::read_file_if_exists("/proc/" + std::to_string(pid) + "/cgroup");
        if (!text) return "";
        std::string path;
        for (const auto& [key, p] : parse_proc_cgroup(*text))
            for (const auto& c : split_commas(key))
                if (c == "freezer") path = p;
        if (path.empty()) return "";
        // The hierarchy's mount root, from the node: dir = mount point + path minus root.
        std::string root =
            v1->path.substr(0, v1->path.size() - (v1->dir.size() - v1->mount_point.size()));
        std::string dir = dir_for(v1->mount_point, root.empty() ? "/" : root, path);
        auto state = fs::read_file_if_exists(fs::join(dir, "freezer.state"));
        if (!state) return "";
        std::string_view s = fs::trim(*state);
        if (s != "FROZEN" && s != "FREEZING") return "";
        // Ours were thawed just before: a cgroup of ours still frozen has a frozen ancestor.
        if (self_or_below(dir, v1->dir))
            return "frozen in " + dir + " by a frozen ancestor cgroup (thaw it)";
        return "frozen in " + dir + ", a freezer cgroup rt did not create (thaw it)";
    } catch (const Error&) {
        return "";  // gone meanwhile, or outside the mounted part of the hierarchy
    }
}

std::vector<std::string> Manager::kill_and_wait(int timeout_ms) const {
    std::vector<std::string> problems;
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    // SIGKILL first, thaw after: a frozen task keeps the signal pending and dies as it
    // thaws, so nothing runs in between. v2 (hybrid too): cgroup.kill kills every process,
    // also one forked meanwhile. Else each round below signals the processes it has not
    // signalled yet: a fork made before its parent died is found in the next round. No
    // freeze first (runc freezes on v1): a task stuck in the kernel would keep the cgroup
    // FREEZING and the freeze would wait for it.
    std::vector<pid_t> signalled;
    if (const Node* u = unified_node()) {
        int err = fs::try_write_file(fs::join(u->dir, "cgroup.kill"), "1");
        if (err && err != ENOENT)
            problems.push_back("write 1 to " + fs::join(u->dir, "cgroup.kill") + ": " +
                               std::strerror(err));
    }
    for (pid_t pid : pids())
        if (::kill(pid, SIGKILL) == 0) signalled.push_back(pid);
    auto thawed = thaw_all();
    problems.insert(problems.end(), thawed.begin(), thawed.end());
    std::vector<pid_t> previous;
    long idle_us = 100;
    // The first round only waits (briefly): what dies of the SIGKILL at once costs no look at
    // /proc/<pid>/cgroup; later rounds look for processes that cannot die.
    bool first = true;
    constexpr int kFirstRoundMs = 50;
    for (;;) {
        std::vector<pid_t> list = pids();
        if (list.empty()) return problems;
        std::vector<base::UniqueFd> owned;
        std::vector<pollfd> fds;
        std::vector<pid_t> waiting;
        std::map<std::string, std::vector<pid_t>> frozen;  // reason -> pids
        for (pid_t pid : list) {
            int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
            if (fd < 0) continue;  // gone already
            owned.emplace_back(fd);
            if (std::find(signalled.begin(), signalled.end(), pid) == signalled.end()) {
                (void)::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
                signalled.push_back(pid);
            }
            if (std::string why = first ? "" : frozen_reason(pid); !why.empty()) {
                frozen[why].push_back(pid);
                continue;
            }
            fds.push_back({fd, POLLIN, 0});
            waiting.push_back(pid);
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (!frozen.empty() && (fds.empty() || left.count() <= 0)) {
            // Only frozen ones are left (or time is up): they cannot die until thawed.
            for (auto& [why, ps] : frozen) problems.push_back(describe_pids(ps) + " " + why);
            if (!waiting.empty())
                problems.push_back(describe_pids(waiting) + " still alive " +
                                   std::to_string(timeout_ms) + " ms after SIGKILL");
            return problems;
        }
        if (left.count() <= 0) {
            problems.push_back(describe_pids(waiting.empty() ? list : waiting) + " still alive " +
                               std::to_string(timeout_ms) + " ms after SIGKILL");
            return problems;
        }
        if (fds.empty() || list == previous) {
            // Listed but not pollable (exiting), or the same list again after a wake-up: the
            // kernel is still taking them out of the cgroup. Back off instead of spinning.
            timespec ts{0, idle_us * 1000};
            ::nanosleep(&ts, nullptr);
            idle_us = std::min(idle_us * 2, 20000L);
        }
        previous = list;
        if (!fds.empty()) {
            int wait = static_cast<int>(std::min<long>(left.count(), first ? kFirstRoundMs : 1000));
            first = false;
            if (::poll(fds.data(), fds.size(), wait) < 0 && errno != EINTR)
                throw Error("poll pidfds", errno);
        }
    }
}

std::vector<std::string> Manager::remove_dirs() {
    std::map<std::string, std::vector<std::string>> failed;  // why -> dirs
    for (auto& n : nodes_) {
        while (!n.created.empty()) {
            const std::string d = n.created.front();
            if (d != n.dir) {
                // An ancestor rt created for this path: remove it only while empty; another
                // container may share it, which is fine (it then removes it).
                if (::rmdir(d.c_str()) != 0 && errno != ENOENT) break;
                n.created.erase(n.created.begin());
                continue;
            }
            int err = fs::remove_cgroup_tree(d);
            // EBUSY right after the last process exits: the kernel releases the cgroup
            // asynchronously. Retry a few times with a short backoff.
            for (long ms = 1; err == EBUSY && ms <= 64; ms *= 4) {
                sleep_ms(ms);
                err = fs::remove_cgroup_tree(d);
            }
            if (err != 0) {
                failed[std::string(std::strerror(err)) +
                       (err == EBUSY ? " (processes still in it)" : "")]
                    .push_back(d);
                break;
            }
            n.created.erase(n.created.begin());
        }
        // Ancestors that could not be removed are shared: forget them.
        if (n.created.empty() || n.created.front() != n.dir) n.created.clear();
    }
    std::vector<std::string> problems;
    for (const auto& [why, dirs] : failed)
        problems.push_back("cannot remove cgroup " + joined(dirs, ", ") + ": " + why);
    return problems;
}

void Manager::destroy(bool kill) {
    std::vector<std::string> problems;
    if (kill) problems = kill_and_wait(kKillTimeoutMs);
    auto left = remove_dirs();
    problems.insert(problems.end(), left.begin(), left.end());
    if (!problems.empty()) throw Error(joined(problems, "; "), ErrorKind::Generic);
}

DestroyGuard::~DestroyGuard() {
    if (!m_) return;
    try {
        m_->destroy(true);
    } catch (const Error& e) {
        base::log_warning(e.message());
    } catch (...) {
    }
}

}  // namespace rt::cgroup
