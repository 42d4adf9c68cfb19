// config.json mount options -> mount(2) flags, propagation and mount_setattr(2) attributes.
// Pure translation (no system calls), unit-tested. Unknown options become filesystem data
// ("size=64k", "mode=755"), as runc does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rt::linux {

struct MountOptions {
    unsigned long flags = 0;                 // MS_* given to mount(2)
    std::vector<unsigned long> propagation;  // MS_PRIVATE, MS_SHARED|MS_REC, ... in order
    uint64_t attr_set = 0;                   // MOUNT_ATTR_* set recursively (rro, rnosuid...)
    uint64_t attr_clr = 0;                   // MOUNT_ATTR_* cleared recursively (rrw, rsuid...)
    std::string data;                        // comma-joined filesystem options
    bool bind = false;                       // bind or rbind
    bool recursive_bind = false;             // rbind
    bool idmap = false;                      // idmap / ridmap (linux/idmap.hpp)
    bool recursive_idmap = false;            // ridmap
    bool copy_up = false;  // tmpcopyup (runc's extension, tmpfs only; never filesystem data)
};

MountOptions parse_mount_options(const std::vector<std::string>& options);

// Name of a propagation mode for rootfsPropagation ("rslave" -> MS_SLAVE|MS_REC); 0 when
// unknown.
unsigned long propagation_flags(const std::string& name);

// Every option name parse_mount_options() gives a meaning to (for `rt features`).
std::vector<std::string> known_mount_options();

}  // namespace rt::linux
