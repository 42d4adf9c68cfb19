// Crash points: the step boundaries of create, run --net, start, exec and delete, named once
// in RT_CRASH_POINTS. The code marks each boundary with crash_point(CrashPoint::X); the
// fault-injection test (tests/integration/lifecycle/crash_test.cpp) iterates kCrashPoints,
// so a point added here is covered without touching the test.
//
// RT_TEST_KILL_AT=<name>[:N] makes rt SIGKILL itself the N-th time (default the first) it
// passes <name>, as a crash there would. The variable is read once per process (one getenv);
// it gives nothing to whoever sets it: they could kill rt anyway.
//
// Only the parent side calls crash_point (never a child between clone and exec).
#pragma once

#include <cstddef>
#include <string_view>

namespace rt::base {

// X(enumerator, "name"); the prefix of a name is the verb or module passing it.
#define RT_CRASH_POINTS(X)                                                                       \
    X(CreateReserved, "create.reserved")        /* state dir made and locked */                  \
    X(CreateConfigSaved, "create.config")       /* config.json + exec.sock */                    \
    X(CgroupIntent, "cgroup.intent")            /* cgroup.json lists what is about to be made */ \
    X(CgroupMkdir, "cgroup.mkdir")              /* after each cgroup directory made */           \
    X(CreateCgroupMade, "create.cgroup")        /* cgroups made and configured */                \
    X(CreateCgroupSaved, "create.cgroup-saved") /* final cgroup.json */                          \
    X(CreateSpawned, "create.spawned")          /* init cloned, waits for Go */                  \
    X(CreateJoined, "create.joined")            /* init in every cgroup, id maps written */      \
    X(NetIntent, "net.intent")                  /* networks.json names the network to ADD */     \
    X(NetAdded, "net.added")                    /* a network's ADD returned */                   \
    X(NetSaved, "net.saved")                    /* networks.json holds its result */             \
    X(CreateGo, "create.go")                    /* Go sent: the init sets itself up */           \
    X(HookRunning, "hook.running")              /* a runtime-namespace hook was started */       \
    X(CreateHooksDone, "create.hooks")          /* prestart + createRuntime hooks done */        \
    X(CreateReady, "create.ready")              /* the init waits for start */                   \
    X(CreateRecorded, "create.recorded")        /* state.json written */                         \
    X(StartSignalled, "start.signalled")        /* exec.sock gone, start byte sent */            \
    X(ExecSpawned, "exec.spawned")              /* exec's process cloned */                      \
    X(ExecJoined, "exec.joined")                /* it joined the cgroups */                      \
    X(ExecGo, "exec.go")                        /* Go sent */                                    \
    X(ExecReady, "exec.ready")                  /* it is set up, about to execve */              \
    X(NetDeleted, "net.deleted")                /* a network's DEL returned */                   \
    X(DeleteNetworks, "delete.networks")        /* every network DELeted */                      \
    X(DeleteKilled, "delete.killed")            /* the init killed and gone */                   \
    X(DeleteCgroup, "delete.cgroup")            /* cgroups removed */                            \
    X(DeletePoststop, "delete.poststop")        /* poststop hooks ran, state dir still there */

enum class CrashPoint : int {
#define RT_CRASH_ENUM(e, name) e,
    RT_CRASH_POINTS(RT_CRASH_ENUM)
#undef RT_CRASH_ENUM
};

inline constexpr std::string_view kCrashPoints[] = {
#define RT_CRASH_NAME(e, name) name,
    RT_CRASH_POINTS(RT_CRASH_NAME)
#undef RT_CRASH_NAME
};
inline constexpr size_t kCrashPointCount = sizeof kCrashPoints / sizeof kCrashPoints[0];

// SIGKILLs rt when RT_TEST_KILL_AT names this point (and this is its N-th pass).
void crash_point(CrashPoint point) noexcept;

}  // namespace rt::base
