// Rollback: the undo stack of an operation that acquires several resources (create, exec).
//
// Each acquired resource registers how to undo it, right after acquiring it. If the operation
// fails (an exception leaves the scope, or the Rollback is destroyed without commit()), the
// undos run in reverse order. commit() keeps everything. Undo actions must not throw; an undo
// that fails logs a warning and the remaining undos still run.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace rt::base {

class Rollback {
  public:
    Rollback() = default;
    Rollback(const Rollback&) = delete;
    Rollback& operator=(const Rollback&) = delete;
    ~Rollback() { unwind(); }

    // `what` names the resource in the warning printed if its undo fails.
    void add(std::string what, std::function<void()> undo) {
        undos_.push_back({std::move(what), std::move(undo)});
    }
    // Success: keep every resource.
    void commit() noexcept { undos_.clear(); }
    // Runs every undo now, newest first.
    void unwind() noexcept;
    size_t size() const noexcept { return undos_.size(); }

  private:
    struct Undo {
        std::string what;
        std::function<void()> action;
    };
    std::vector<Undo> undos_;
};

}  // namespace rt::base
