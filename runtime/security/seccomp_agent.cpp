#include "security/seccomp_agent.hpp"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "rt/error.hpp"
#include "rt/oci/spec.hpp"

namespace rt::security {
namespace {

// Connects a fresh socket to path. sun_path holds 107 bytes; a longer path is reached through
// its directory's fd (/proc/self/fd/N/name), which the kernel resolves at connect time.
base::UniqueFd connect_unix(const std::string& path) {
    base::UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) throw Error("socket", errno);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string target = path;
    base::UniqueFd dir;
    if (path.size() >= sizeof addr.sun_path) {
        auto slash = path.rfind('/');
        if (slash == std::string::npos)
            throw Error("path too long for a unix socket", ENAMETOOLONG);
        std::string parent = slash == 0 ? "/" : path.substr(0, slash);
        dir.reset(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dir) throw Error("open " + parent, errno);
        target = "/proc/self/fd/" + std::to_string(dir.get()) + "/" + path.substr(slash + 1);
        if (target.size() >= sizeof addr.sun_path)
            throw Error("socket name too long", ENAMETOOLONG);
    }
    std::memcpy(addr.sun_path, target.c_str(), target.size() + 1);
    while (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        if (errno == EINTR) continue;
        throw Error("connect", errno);
    }
    return sock;
}

}  // namespace

std::string seccomp_agent_payload(const SeccompAgentMessage& message) {
    rapidjson::Document state;
    state.Parse(message.state_json.data(), message.state_json.size());
    if (state.HasParseError() || !state.IsObject())
        throw Error("seccomp agent: container state is not a JSON object", ErrorKind::Generic);

    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("ociVersion");
    writer.String(oci::kSpecVersion);
    writer.Key("fds");
    writer.StartArray();
    writer.String("seccompFd");
    writer.EndArray();
    writer.Key("pid");
    writer.Int(message.pid);
    if (message.metadata) {
        writer.Key("metadata");
        writer.String(message.metadata->c_str(),
                      static_cast<rapidjson::SizeType>(message.metadata->size()));
    }
    writer.Key("state");
    state.Accept(writer);
    writer.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

void send_to_seccomp_agent(const std::string& listener_path, const SeccompAgentMessage& message,
                           int notify_fd) {
    const std::string payload = seccomp_agent_payload(message);
    try {
        base::UniqueFd sock = connect_unix(listener_path);

        // First sendmsg: the fd and as much of the payload as the socket takes; the rest
        // follows in plain sends (the spec allows several, fds only in the first).
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        iovec iov{const_cast<char*>(payload.data()), payload.size()};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cmsg), &notify_fd, sizeof(int));

        ssize_t sent;
        while ((sent = ::sendmsg(sock.get(), &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
        }
        if (sent < 0) throw Error("sendmsg", errno);
        size_t done = static_cast<size_t>(sent);
        while (done < payload.size()) {
            ssize_t n =
                ::send(sock.get(), payload.data() + done, payload.size() - done, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw Error("send", errno);
            done += static_cast<size_t>(n);
        }
    } catch (Error& e) {
        e.context("seccomp agent " + listener_path);
        throw;
    }
}

base::UniqueFd take_fd_from_process(pid_t pid, int fd) {
    base::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) throw Error("pidfd_open " + std::to_string(pid), errno);
    base::UniqueFd copy(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0)));
    if (!copy)
        throw Error("pidfd_getfd fd " + std::to_string(fd) + " of pid " + std::to_string(pid),
                    errno);
    return copy;
}

}  // namespace rt::security
