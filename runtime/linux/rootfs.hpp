// Child-side rootfs steps of the container init (noexcept; failures recorded in ChildCtx):
// propagation, binding the rootfs, the config's mounts (destinations resolved inside the
// rootfs, see safe_path.hpp), cgroup mounts (v1, v2 and hybrid), /dev, pivot_root, masked
// and read-only paths, read-only root.
#pragma once

#include "linux/child.hpp"
#include "linux/init.hpp"

namespace rt::linux {

bool step_rootfs_propagation(InitPlan& plan, ChildCtx& ctx) noexcept;
bool step_bind_rootfs(InitPlan& plan, ChildCtx& ctx) noexcept;
bool step_mounts(InitPlan& plan, ChildCtx& ctx) noexcept;
bool step_devices(InitPlan& plan, ChildCtx& ctx) noexcept;
bool step_create_cwd(InitPlan& plan, ChildCtx& ctx) noexcept;
bool step_pivot_root(InitPlan& plan, ChildCtx& ctx) noexcept;
bool step_masked_paths(InitPlan& plan, ChildCtx& ctx) noexcept;
bool step_readonly_paths(InitPlan& plan, ChildCtx& ctx) noexcept;
bool step_root_propagation(InitPlan& plan, ChildCtx& ctx) noexcept;
bool step_root_readonly(InitPlan& plan, ChildCtx& ctx) noexcept;

}  // namespace rt::linux
