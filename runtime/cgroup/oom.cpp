#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

#include "cgroup/fs.hpp"
#include "cgroup/manager.hpp"
#include "rt/error.hpp"

namespace rt::cgroup {

OomWatcher OomWatcher::v1(const std::string& memory_dir) {
    OomWatcher w;
    w.dir_ = memory_dir;
    w.fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!w.fd_) throw Error("oom: eventfd", errno);
    std::string control = fs::join(memory_dir, "memory.oom_control");
    base::UniqueFd oc(::open(control.c_str(), O_RDONLY | O_CLOEXEC));
    if (!oc) throw Error("oom: open " + control, errno);
    // "<event fd> <file fd>" registers the eventfd for OOM notifications of this cgroup;
    // the registration holds what it needs, so the oom_control fd can be closed after.
    std::string spec = std::to_string(w.fd_.get()) + " " + std::to_string(oc.get());
    fs::write_file(fs::join(memory_dir, "cgroup.event_control"), spec);
    return w;
}

OomWatcher OomWatcher::v2(const std::string& memory_dir) {
    OomWatcher w;
    w.unified_ = true;
    w.dir_ = memory_dir;
    w.fd_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!w.fd_) throw Error("oom: inotify_init1", errno);
    std::string events = fs::join(memory_dir, "memory.events");
    if (::inotify_add_watch(w.fd_.get(), events.c_str(), IN_MODIFY) < 0)
        throw Error("oom: watch " + events, errno);
    auto text = fs::read_file(events);
    w.last_ = fs::parse_flat_keyed(text)["oom_kill"];
    return w;
}

uint64_t OomWatcher::consume() {
    if (!fd_) return 0;
    if (!unified_) {
        uint64_t count = 0;
        if (::read(fd_.get(), &count, sizeof count) != sizeof count) return 0;
        // The kernel also signals the eventfd when the cgroup is removed: not an OOM.
        if (!alive()) return 0;
        return count;
    }
    char buf[4096];
    while (::read(fd_.get(), buf, sizeof buf) > 0) {
    }
    auto text = fs::read_file_if_exists(fs::join(dir_, "memory.events"));
    if (!text) return 0;
    uint64_t now = fs::parse_flat_keyed(*text)["oom_kill"];
    uint64_t delta = now > last_ ? now - last_ : 0;
    last_ = now;
    return delta;
}

bool OomWatcher::alive() const noexcept {
    return !dir_.empty() &&
           fs::exists(fs::join(dir_, unified_ ? "memory.events" : "cgroup.event_control"));
}

OomWatcher Manager::watch_oom() const {
    const Node* n = node_for("memory");
    if (!n) throw Error("oom: no memory controller on this host", ErrorKind::Unsupported);
    return n->unified ? OomWatcher::v2(n->dir) : OomWatcher::v1(n->dir);
}

}  // namespace rt::cgroup
