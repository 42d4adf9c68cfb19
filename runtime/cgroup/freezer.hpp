// The paused check of `rt list` / `rt state`, without loading the container's Manager.
#pragma once

#include <string>

namespace rt::cgroup {

// Where a container's freezer state can be read. Saved in the container record at create
// (Manager::freezer_dirs) so that the status check needs no cgroup.json parse.
struct FreezerDirs {
    std::string v2;  // cgroup2 node with the v2 freezer (cgroup.freeze), empty when none
    std::string v1;  // v1 freezer node, empty when none
};

// True when the container's processes are frozen: v2 cgroup.events "frozen 1", or v1
// freezer.state FROZEN/FREEZING (hybrid hosts: both are read while thawed; a v1 freezer
// frozen by another tool counts). A missing file (cgroup already gone) counts as thawed.
// One open/read/close per file, no allocation beyond the path.
bool frozen(const FreezerDirs& dirs);

}  // namespace rt::cgroup
