#include "linux/mount_options.hpp"

#include <linux/mount.h>
#include <sys/mount.h>

#include <string_view>

namespace rt::linux {
namespace {

struct FlagOption {
    std::string_view name;
    bool clear;  // the option clears the flag ("rw", "suid", ...)
    unsigned long flag;
};

constexpr FlagOption kFlags[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"symfollow", true, MS_NOSYMFOLLOW},
};

struct PropagationOption {
    std::string_view name;
    unsigned long flags;
};

constexpr PropagationOption kPropagation[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

struct AttrOption {
    std::string_view name;
    bool clear;
    uint64_t attr;
};

// Recursive mount attributes (runtime-spec 1.1, applied with mount_setattr AT_RECURSIVE).
constexpr AttrOption kAttrs[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

}  // namespace

unsigned long propagation_flags(const std::string& name) {
    for (const auto& p : kPropagation)
        if (p.name == name) return p.flags;
    return 0;
}

std::vector<std::string> known_mount_options() {
    std::vector<std::string> names = {"bind", "rbind", "idmap", "ridmap", "tmpcopyup"};
    for (const auto& f : kFlags) names.emplace_back(f.name);
    for (const auto& p : kPropagation) names.emplace_back(p.name);
    for (const auto& a : kAttrs) names.emplace_back(a.name);
    return names;
}

MountOptions parse_mount_options(const std::vector<std::string>& options) {
    MountOptions out;
    for (const auto& opt : options) {
        if (opt == "bind" || opt == "rbind") {
            out.bind = true;
            out.flags |= MS_BIND;
            if (opt == "rbind") {
                out.recursive_bind = true;
                out.flags |= MS_REC;
            }
            continue;
        }
        if (opt == "tmpcopyup") {  // ignored on other types than tmpfs, as runc does
            out.copy_up = true;
            continue;
        }
        if (opt == "idmap" || opt == "ridmap") {
            out.idmap = true;
            out.recursive_idmap = opt == "ridmap";
            continue;
        }
        bool matched = false;
        for (const auto& f : kFlags) {
            if (f.name == opt) {
                if (f.clear)
                    out.flags &= ~f.flag;
                else
                    out.flags |= f.flag;
                matched = true;
                break;
            }
        }
        if (matched) continue;
        for (const auto& p : kPropagation) {
            if (p.name == opt) {
                out.propagation.push_back(p.flags);
                matched = true;
                break;
            }
        }
        if (matched) continue;
        for (const auto& a : kAttrs) {
            if (a.name == opt) {
                if (a.clear) {
                    out.attr_clr |= a.attr;
                    out.attr_set &= ~a.attr;
                } else {
                    out.attr_set |= a.attr;
                    out.attr_clr &= ~a.attr;
                }
                matched = true;
                break;
            }
        }
        if (matched) continue;
        if (!out.data.empty()) out.data += ',';
        out.data += opt;
    }
    return out;
}

}  // namespace rt::linux
