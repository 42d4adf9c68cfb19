// The closed sets of names the runtime-spec uses (namespace types, capabilities, rlimits,
// seccomp actions ...), in one place: validate.cpp checks configs against them and
// `rt features` reports them. Pure data.
//
// Where a list is ordered by kernel number this is said, so that the index is the number
// (kCapabilities[i] is capability i, kRlimits[i] is RLIMIT_* value i on Linux); the unit tests
// check that against the system headers.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace rt::oci::names {

using List = std::span<const std::string_view>;

// config-linux.md "Namespaces", in the order rt creates them.
inline constexpr std::string_view kNamespaces[] = {
    "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};

// capabilities(7), ordered by capability number (CAP_CHOWN is 0, CAP_CHECKPOINT_RESTORE 40).
inline constexpr std::string_view kCapabilities[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

// getrlimit(2) resources, ordered by their value on Linux (RLIMIT_CPU is 0, RLIMIT_RTTIME 15).
inline constexpr std::string_view kRlimits[] = {
    "RLIMIT_CPU",      "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",
    "RLIMIT_CORE",     "RLIMIT_RSS",   "RLIMIT_NPROC",  "RLIMIT_NOFILE",
    "RLIMIT_MEMLOCK",  "RLIMIT_AS",    "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

// config-linux.md "Seccomp" (libseccomp 2.6 names).
inline constexpr std::string_view kSeccompActions[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY",
};
inline constexpr std::string_view kSeccompOperators[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};
inline constexpr std::string_view kSeccompArchs[] = {
    "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",     "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",    "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",         "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",      "SCMP_ARCH_SHEB",
    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64",
};
inline constexpr std::string_view kSeccompFlags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

// config-linux.md "Rootfs Mount Propagation", then the recursive forms runc also accepts
// (engines write "rprivate" / "rslave"; for the rootfs mount the effect is the same).
inline constexpr std::string_view kRootfsPropagations[] = {
    "private", "shared", "slave", "unbindable", "rprivate", "rshared", "rslave", "runbindable",
};

// config.md "Linux mount options": every option string the spec's table lists, plus acl,
// noacl and rnodev which runc also recognises. The features document reports the subset the
// runtime implements (runtime/core/features.cpp), not this list.
inline constexpr std::string_view kMountOptions[] = {
    "acl",          "async",       "atime",          "bind",
    "defaults",     "dev",         "diratime",       "dirsync",
    "exec",         "iversion",    "lazytime",       "loud",
    "mand",         "noacl",       "noatime",        "nodev",
    "nodiratime",   "noexec",      "noiversion",     "nolazytime",
    "nomand",       "norelatime",  "nostrictatime",  "nosuid",
    "nosymfollow",  "private",     "ratime",         "rbind",
    "rdev",         "rdiratime",   "relatime",       "remount",
    "rexec",        "rnoatime",    "rnodev",         "rnodiratime",
    "rnoexec",      "rnorelatime", "rnostrictatime", "rnosuid",
    "rnosymfollow", "ro",          "rprivate",       "rrelatime",
    "rro",          "rrw",         "rshared",        "rslave",
    "rstrictatime", "rsuid",       "rsymfollow",     "runbindable",
    "rw",           "shared",      "silent",         "slave",
    "strictatime",  "suid",        "symfollow",      "sync",
    "tmpcopyup",    "unbindable",  "idmap",          "ridmap",
};

// config.md "POSIX-platform Hooks", in the order they run.
inline constexpr std::string_view kHooks[] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

// config.md "Linux Process": scheduler and I/O priority.
inline constexpr std::string_view kSchedulerPolicies[] = {
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",       "SCHED_BATCH",
    "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE",
};
inline constexpr std::string_view kSchedulerFlags[] = {
    "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
    "SCHED_FLAG_KEEP_POLICY",    "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
    "SCHED_FLAG_UTIL_CLAMP_MAX",
};
// Ordered by IOPRIO_CLASS_* value minus one (RT is 1, BE 2, IDLE 3).
inline constexpr std::string_view kIoPriorityClasses[] = {
    "IOPRIO_CLASS_RT",
    "IOPRIO_CLASS_BE",
    "IOPRIO_CLASS_IDLE",
};

// config-linux.md "Memory policy".
inline constexpr std::string_view kMemoryPolicyModes[] = {
    "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",
};
inline constexpr std::string_view kMemoryPolicyFlags[] = {
    "MPOL_F_NUMA_BALANCING",
    "MPOL_F_RELATIVE_NODES",
    "MPOL_F_STATIC_NODES",
};

// config-linux.md "Personality".
inline constexpr std::string_view kPersonalityDomains[] = {"LINUX", "LINUX32"};

// config-linux.md "Offset for Time Namespace": the clocks a time namespace can offset.
inline constexpr std::string_view kTimeOffsetClocks[] = {"boottime", "monotonic"};

// Position of name in list, or nullopt.
constexpr std::optional<size_t> index_of(List list, std::string_view name) {
    for (size_t i = 0; i < list.size(); ++i) {
        if (list[i] == name) return i;
    }
    return std::nullopt;
}
constexpr bool contains(List list, std::string_view name) {
    return index_of(list, name).has_value();
}

}  // namespace rt::oci::names
