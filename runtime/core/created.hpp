// Internal: what create_container hands to run (the init stays our child there).
#pragma once

#include <memory>

#include "base/fd.hpp"
#include "core/container.hpp"
#include "linux/init.hpp"
#include "linux/namespaces.hpp"

namespace rt::core {

struct Runtime::Created {
    std::string config_text;
    std::unique_ptr<oci::Spec> spec;
    std::unique_ptr<linux::NamespacePlan> namespaces;
    std::unique_ptr<linux::InitPlan> plan;
    ContainerRecord record;
    pid_t pid = -1;
    base::UniqueFd pidfd;
    base::UniqueFd console_receiver;  // run with a terminal: the master arrives here
};

}  // namespace rt::core
