#include "bridge/rollback.hpp"

#include <exception>

#include "cni/skeleton.hpp"

namespace rt::bridge {

void Rollback::run() noexcept {
    while (!steps_.empty()) {
        auto step = std::move(steps_.back());
        steps_.pop_back();
        try {
            step.second();
        } catch (const std::exception& e) {
            cni::warn("rt-bridge", "rollback: " + step.first + ": " + e.what());
        } catch (...) {
            cni::warn("rt-bridge", "rollback: " + step.first + ": unknown error");
        }
    }
}

}  // namespace rt::bridge
