// The OCI runtime-spec configuration (config.md, config-linux.md) as plain C++ data.
//
// Pure data: no system calls here. Field names follow the JSON names so that a reader of the
// spec finds them; optional JSON members are std::optional (absent != zero), arrays that may
// be absent and whose absence means "empty" are plain vectors. Parsing and serialization
// live in parse.hpp / serialize.hpp, semantic checks in validate.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rt::oci {

// Versions of the runtime-spec this model reads (config.ociVersion must be in range).
inline constexpr const char* kSpecVersion = "1.3.0";  // what rt writes and reports
inline constexpr const char* kSpecVersionMin = "1.0.0";

using StringMap = std::map<std::string, std::string>;

// ---------------------------------------------------------------- config.md

struct Root {
    std::string path;
    bool readonly = false;

    bool operator==(const Root&) const = default;
};

struct IdMapping {
    uint32_t containerID = 0;
    uint32_t hostID = 0;
    uint32_t size = 0;

    bool operator==(const IdMapping&) const = default;
};

struct Mount {
    std::string destination;
    std::optional<std::string> type;
    std::optional<std::string> source;
    std::vector<std::string> options;
    std::vector<IdMapping> uidMappings;  // idmapped mounts (runtime-spec 1.1)
    std::vector<IdMapping> gidMappings;

    bool operator==(const Mount&) const = default;
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int64_t> timeout;  // seconds, >= 1

    bool operator==(const Hook&) const = default;
};

struct Hooks {
    std::vector<Hook> prestart;  // deprecated in the spec, still run (as runc does)
    std::vector<Hook> createRuntime;
    std::vector<Hook> createContainer;
    std::vector<Hook> startContainer;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;

    bool operator==(const Hooks&) const = default;
};

struct ConsoleSize {
    uint64_t height = 0;
    uint64_t width = 0;

    bool operator==(const ConsoleSize&) const = default;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additionalGids;
    std::optional<std::string> username;  // Windows only; kept for round trip

    bool operator==(const User&) const = default;
};

struct Capabilities {
    // Each set is optional: absent means "empty set" for the runtime, but round trip keeps
    // the difference between absent and [].
    std::optional<std::vector<std::string>> bounding;
    std::optional<std::vector<std::string>> effective;
    std::optional<std::vector<std::string>> inheritable;
    std::optional<std::vector<std::string>> permitted;
    std::optional<std::vector<std::string>> ambient;

    bool operator==(const Capabilities&) const = default;
};

struct Rlimit {
    std::string type;  // RLIMIT_*
    uint64_t soft = 0;
    uint64_t hard = 0;

    bool operator==(const Rlimit&) const = default;
};

struct IoPriority {
    std::string ioClass;  // JSON "class": IOPRIO_CLASS_RT | _BE | _IDLE
    int32_t priority = 0;

    bool operator==(const IoPriority&) const = default;
};

struct Scheduler {
    std::string policy;  // SCHED_*
    std::optional<int32_t> nice;
    std::optional<int32_t> priority;
    std::vector<std::string> flags;  // SCHED_FLAG_*
    std::optional<uint64_t> runtime;
    std::optional<uint64_t> deadline;
    std::optional<uint64_t> period;

    bool operator==(const Scheduler&) const = default;
};

struct ExecCpuAffinity {
    std::optional<std::string> initial;
    std::optional<std::string> final;

    bool operator==(const ExecCpuAffinity&) const = default;
};

struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> consoleSize;
    User user;
    std::vector<std::string> args;
    std::optional<std::string> commandLine;  // Windows only; kept for round trip
    std::vector<std::string> env;
    std::string cwd;
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool noNewPrivileges = false;
    std::optional<std::string> apparmorProfile;
    std::optional<int> oomScoreAdj;
    std::optional<std::string> selinuxLabel;
    std::optional<IoPriority> ioPriority;
    std::optional<Scheduler> scheduler;
    std::optional<ExecCpuAffinity> execCPUAffinity;

    bool operator==(const Process&) const = default;
};

// ---------------------------------------------------------------- config-linux.md

struct Namespace {
    std::string type;  // mount pid network uts ipc user cgroup time
    std::optional<std::string> path;

    bool operator==(const Namespace&) const = default;
};

struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;

    bool operator==(const TimeOffset&) const = default;
};

struct Device {
    std::string type;  // c b u p
    std::string path;
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::optional<uint32_t> fileMode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;

    bool operator==(const Device&) const = default;
};

struct NetDevice {
    std::optional<std::string> name;  // name inside the container; defaults to the host name

    bool operator==(const NetDevice&) const = default;
};

struct DeviceCgroupRule {
    bool allow = false;
    std::optional<std::string> type;  // a c b; absent means all ("a")
    std::optional<int64_t> major;     // absent means all (*)
    std::optional<int64_t> minor;
    std::optional<std::string> access;  // rwm subset

    bool operator==(const DeviceCgroupRule&) const = default;
};

struct MemoryResources {
    std::optional<int64_t> limit;
    std::optional<int64_t> reservation;
    std::optional<int64_t> swap;
    std::optional<int64_t> kernel;     // deprecated; accepted and ignored like runc
    std::optional<int64_t> kernelTCP;  // deprecated
    std::optional<uint64_t> swappiness;
    std::optional<bool> disableOOMKiller;
    std::optional<bool> useHierarchy;
    std::optional<bool> checkBeforeUpdate;

    bool operator==(const MemoryResources&) const = default;
};

struct CpuResources {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> burst;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtimeRuntime;
    std::optional<uint64_t> realtimePeriod;
    std::optional<std::string> cpus;
    std::optional<std::string> mems;
    std::optional<int64_t> idle;

    bool operator==(const CpuResources&) const = default;
};

struct PidsResources {
    int64_t limit = 0;  // <= 0 means unlimited (max)

    bool operator==(const PidsResources&) const = default;
};

struct BlockIoDeviceWeight {
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;

    bool operator==(const BlockIoDeviceWeight&) const = default;
};

struct BlockIoDeviceThrottle {
    int64_t major = 0;
    int64_t minor = 0;
    uint64_t rate = 0;

    bool operator==(const BlockIoDeviceThrottle&) const = default;
};

struct BlockIoResources {
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
    std::vector<BlockIoDeviceWeight> weightDevice;
    std::vector<BlockIoDeviceThrottle> throttleReadBpsDevice;
    std::vector<BlockIoDeviceThrottle> throttleWriteBpsDevice;
    std::vector<BlockIoDeviceThrottle> throttleReadIOPSDevice;
    std::vector<BlockIoDeviceThrottle> throttleWriteIOPSDevice;

    bool operator==(const BlockIoResources&) const = default;
};

struct HugepageLimit {
    std::string pageSize;  // e.g. "2MB"
    uint64_t limit = 0;

    bool operator==(const HugepageLimit&) const = default;
};

struct NetworkPriority {
    std::string name;
    uint32_t priority = 0;

    bool operator==(const NetworkPriority&) const = default;
};

struct NetworkResources {
    std::optional<uint32_t> classID;
    std::vector<NetworkPriority> priorities;

    bool operator==(const NetworkResources&) const = default;
};

struct RdmaLimit {
    std::optional<uint32_t> hcaHandles;
    std::optional<uint32_t> hcaObjects;

    bool operator==(const RdmaLimit&) const = default;
};

struct Resources {
    std::vector<DeviceCgroupRule> devices;
    std::optional<MemoryResources> memory;
    std::optional<CpuResources> cpu;
    std::optional<PidsResources> pids;
    std::optional<BlockIoResources> blockIO;
    std::vector<HugepageLimit> hugepageLimits;
    std::optional<NetworkResources> network;
    std::map<std::string, RdmaLimit> rdma;
    StringMap unified;

    bool operator==(const Resources&) const = default;
};

struct SyscallArg {
    uint32_t index = 0;
    uint64_t value = 0;
    std::optional<uint64_t> valueTwo;
    std::string op;  // SCMP_CMP_*

    bool operator==(const SyscallArg&) const = default;
};

struct Syscall {
    std::vector<std::string> names;
    std::string action;  // SCMP_ACT_*
    std::optional<uint32_t> errnoRet;
    std::vector<SyscallArg> args;

    bool operator==(const Syscall&) const = default;
};

struct Seccomp {
    std::string defaultAction;
    std::optional<uint32_t> defaultErrnoRet;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::optional<std::string> listenerPath;
    std::optional<std::string> listenerMetadata;
    std::vector<Syscall> syscalls;

    bool operator==(const Seccomp&) const = default;
};

struct IntelRdt {
    std::optional<std::string> closID;
    std::vector<std::string> schemata;
    std::optional<std::string> l3CacheSchema;
    std::optional<std::string> memBwSchema;
    std::optional<bool> enableMonitoring;

    bool operator==(const IntelRdt&) const = default;
};

struct MemoryPolicy {
    std::optional<std::string> mode;  // MPOL_*
    std::optional<std::string> nodes;
    std::vector<std::string> flags;

    bool operator==(const MemoryPolicy&) const = default;
};

struct Personality {
    std::optional<std::string> domain;  // LINUX | LINUX32
    std::vector<std::string> flags;

    bool operator==(const Personality&) const = default;
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uidMappings;
    std::vector<IdMapping> gidMappings;
    std::map<std::string, TimeOffset> timeOffsets;  // "boottime", "monotonic"
    std::vector<Device> devices;
    std::map<std::string, NetDevice> netDevices;
    std::optional<std::string> cgroupsPath;
    std::optional<Resources> resources;
    std::optional<IntelRdt> intelRdt;
    StringMap sysctl;
    std::optional<Seccomp> seccomp;
    std::optional<std::string> rootfsPropagation;
    std::optional<std::vector<std::string>> maskedPaths;
    std::optional<std::vector<std::string>> readonlyPaths;
    std::optional<std::string> mountLabel;
    std::optional<Personality> personality;
    std::optional<MemoryPolicy> memoryPolicy;

    bool operator==(const Linux&) const = default;
};

// The whole config.json.
struct Spec {
    std::string ociVersion;
    std::optional<Root> root;
    std::vector<Mount> mounts;
    std::optional<Process> process;
    std::optional<std::string> hostname;
    std::optional<std::string> domainname;
    std::optional<Hooks> hooks;
    StringMap annotations;
    std::optional<Linux> linux;

    bool operator==(const Spec&) const = default;
};

}  // namespace rt::oci
