// An undo stack for ADD: each step that creates something registers how to remove it;
// if ADD fails, the destructor undoes the steps in reverse order, so a failed ADD leaves
// no veth, address reservation or nftables element behind. dismiss() on success.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace rt::bridge {

class Rollback {
  public:
    Rollback() = default;
    Rollback(const Rollback&) = delete;
    Rollback& operator=(const Rollback&) = delete;
    ~Rollback() { run(); }

    void push(std::string what, std::function<void()> undo) {
        steps_.emplace_back(std::move(what), std::move(undo));
    }
    void dismiss() { steps_.clear(); }
    // Undoes everything now; failures are reported on stderr and do not stop the others.
    void run() noexcept;

  private:
    std::vector<std::pair<std::string, std::function<void()>>> steps_;
};

}  // namespace rt::bridge
