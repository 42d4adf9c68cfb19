#include "linux/seccomp_handoff.hpp"

#include <charconv>

#include "linux/sync.hpp"
#include "rt/error.hpp"
#include "security/seccomp_agent.hpp"

namespace rt::linux {

void hand_seccomp_fd_to_agent(int sync_fd, pid_t pid, const security::ProcessSecurity& sec,
                              const std::string& state_json, const char* what) {
    if (!sec.seccomp || !sec.seccomp->notify) return;
    const std::string number = sync_expect(sync_fd, SyncType::SeccompFd, what);
    int remote = -1;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), remote);
    if (ec != std::errc() || end != number.data() + number.size() || remote < 0)
        throw Error(std::string(what) + ": bad seccomp fd message \"" + number + "\"");
    base::UniqueFd copy = security::take_fd_from_process(pid, remote);
    security::SeccompAgentMessage message;
    message.pid = pid;
    message.metadata = sec.seccomp->listener_metadata;
    message.state_json = state_json;
    security::send_to_seccomp_agent(sec.seccomp->listener_path, message, copy.get());
    sync_send_or_throw(sync_fd, SyncType::SeccompDone);
}

}  // namespace rt::linux
