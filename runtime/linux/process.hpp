// The process a container runs (process.* of the spec), shared by the container init and by
// `rt exec`: the parent builds a ProcessPlan (all parsing and validation, may throw), the
// child runs kProcessSteps on it (noexcept) and then process_exec().
//
// Order of the child steps (runc's standard_init_linux.go is the reference; the security
// steps are rt::security's, see security/process_security.hpp):
//   console -> rlimits -> security_attributes (personality, memory policy, scheduler,
//   ioPriority, LSM exec labels) -> bounding_set (drop, keepcaps) -> stdio_owner (stdio and
//   the pty to the process's uid, as runc) -> user
//   (setgroups/setgid/setuid) -> umask -> cwd (checked inside the root) -> env (HOME)
//   -> executable (PATH lookup) -> capabilities (capset, ambient, no_new_privileges, final
//   CPU affinity) -> [seccomp_notify: the filter, when it uses SCMP_ACT_NOTIFY: the agent
//   gets its fd from the parent, which is gone after Ready] -> close_fds
//   -> (init: ready, wait for start, startContainer hooks)
//   -> kFinalSteps: signal_mask, seccomp (last) -> execve
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <climits>
#include <string>
#include <vector>

#include "linux/child.hpp"
#include "rt/oci/spec.hpp"
#include "security/process_security.hpp"

namespace rt::linux {

struct ProcessPlan {
    const oci::Process* spec = nullptr;  // the whole process object (security steps read it)
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::vector<char*> argv;  // NULL-terminated, into args
    std::vector<char*> envp;  // NULL-terminated, into env, plus one spare slot for HOME
    std::string cwd;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> additional_gids;
    bool set_groups = true;  // false in a user ns whose setgroups is "deny"
    int umask = -1;          // -1: leave it
    struct Limit {
        int resource;
        rlimit value;
        const char* name;
    };
    std::vector<Limit> rlimits;
    // Capabilities, seccomp, no_new_privs, LSM labels, scheduling...: prepared by the parent
    // with security::prepare_process_security (build_process_plan leaves it empty).
    security::ProcessSecurity security;

    bool terminal = false;
    unsigned short rows = 0, cols = 0;
    int console_socket_fd = -1;  // where the pty master goes (SCM_RIGHTS)
    bool console_mount = false;  // init: bind the pty slave on /dev/console
    // setsid() for every process (as runc), in the console step; with defer_session (exec) in
    // become_session_leader(), called by the process that execs (the console step's
    // intermediate cannot make the session for it).
    bool new_session = true;
    bool defer_session = false;
    int preserve_fds = 0;  // fds 3 .. 3+preserve_fds-1 stay open across exec

    // Filled by the child.
    char exec_path[PATH_MAX] = {};
    char home_env[PATH_MAX + 8] = {};
};

// Parent side: validates and converts; `origin` prefixes errors ("config.json: /process").
// Throws rt::Error (InvalidArgument) e.g. "config.json: /process/rlimits/0/type: unknown
// rlimit "RLIMIT_FOO"".
ProcessPlan build_process_plan(const oci::Process& process, const std::string& origin);

// Child side: the shared, ordered setup steps (see the header comment).
bool run_process_steps(ProcessPlan& plan, ChildCtx& ctx) noexcept;
// Runs kFinalSteps (signal mask, [seccomp]) and execs. Returns only on failure (ctx filled).
void process_exec(ProcessPlan& plan, ChildCtx& ctx) noexcept;

// Individual steps, for callers that need to interleave their own (the init).
bool step_console(ProcessPlan& plan, ChildCtx& ctx) noexcept;
// With defer_session: setsid and, with a terminal, the pty on stdio as controlling terminal.
bool become_session_leader(ProcessPlan& plan, ChildCtx& ctx) noexcept;

// rlimit name <-> resource; -1 when unknown.
int rlimit_resource(const std::string& name);

}  // namespace rt::linux
