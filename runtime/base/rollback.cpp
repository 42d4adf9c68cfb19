#include "base/rollback.hpp"

#include <exception>

#include "base/log.hpp"

namespace rt::base {

void Rollback::unwind() noexcept {
    while (!undos_.empty()) {
        Undo undo = std::move(undos_.back());
        undos_.pop_back();
        try {
            undo.action();
        } catch (const std::exception& e) {
            log_warning("rollback: undo " + undo.what + ": " + e.what());
        } catch (...) {
            log_warning("rollback: undo " + undo.what + " failed");
        }
    }
}

}  // namespace rt::base
