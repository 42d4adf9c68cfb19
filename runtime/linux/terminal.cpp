#include "linux/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "rt/error.hpp"

namespace rt::linux {

bool send_fd(int socket_fd, int fd, const char* name) noexcept {
    char payload[64];
    size_t len = std::strlen(name);
    if (len >= sizeof payload) len = sizeof payload - 1;
    // NOLINTNEXTLINE(bugprone-not-null-terminated-result): sent with its length, not a C string
    std::memcpy(payload, name, len);
    iovec iov{payload, len};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    for (;;) {
        ssize_t n = ::sendmsg(socket_fd, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        return n >= 0;
    }
}

base::UniqueFd recv_fd(int socket_fd) {
    char payload[256];
    iovec iov{payload, sizeof payload};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw Error("receive pty master", errno);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
            return base::UniqueFd(fd);
        }
    }
    throw Error("receive pty master: no file descriptor in the message");
}

base::UniqueFd connect_unix(const std::string& path) {
    int sock = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) throw Error("socket", errno);
    base::UniqueFd guard(sock);
    // sun_path holds 108 bytes; reach long paths through /proc/self/fd/<dirfd>/<name>.
    std::string target = path;
    base::UniqueFd dirfd;
    if (path.size() >= sizeof(sockaddr_un::sun_path)) {
        auto slash = path.rfind('/');
        std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
        int d = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (d < 0) throw Error("connect " + path, errno);
        dirfd.reset(d);
        target = "/proc/self/fd/" + std::to_string(d) + "/" + path.substr(slash + 1);
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (target.size() >= sizeof addr.sun_path)
        throw Error("connect " + path + ": socket name too long", ErrorKind::InvalidArgument);
    std::memcpy(addr.sun_path, target.c_str(), target.size() + 1);
    if (::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw Error("connect " + path, errno);
    return guard;
}

bool setup_container_console(int socket_fd, unsigned short rows, unsigned short cols,
                             bool mount_console, bool set_ctty, ChildCtx& ctx) noexcept {
    int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return ctx.fail(errno, "open /dev/ptmx in the container");
    int unlock = 0;
    if (::ioctl(master, TIOCSPTLCK, &unlock) != 0) return ctx.fail(errno, "unlockpt");
    int ptn = 0;
    if (::ioctl(master, TIOCGPTN, &ptn) != 0) return ctx.fail(errno, "ptsname");
    int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) return ctx.fail(errno, "open pty slave");
    if (rows || cols) {
        winsize ws{};
        ws.ws_row = rows;
        ws.ws_col = cols;
        ::ioctl(master, TIOCSWINSZ, &ws);
    }
    if (mount_console) {
        char pts[64];
        (void)std::snprintf(pts, sizeof pts, "/dev/pts/%d", ptn);
        int f = ::open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (f >= 0) ::close(f);
        if (::mount(pts, "/dev/console", nullptr, MS_BIND, nullptr) != 0)
            return ctx.fail(errno, "bind %s on /dev/console", pts);
    }
    if (socket_fd >= 0 && !send_fd(socket_fd, master, "/dev/ptmx"))
        return ctx.fail(errno, "send the pty master over the console socket");
    ::close(master);
    if (socket_fd >= 0) ::close(socket_fd);
    for (int i = 0; i < 3; ++i)
        if (::dup2(slave, i) < 0) return ctx.fail(errno, "dup2 pty slave to %d", i);
    if (set_ctty && ::ioctl(0, TIOCSCTTY, 0) != 0)
        return ctx.fail(errno, "set controlling terminal");
    if (slave > 2) ::close(slave);
    return true;
}

RawMode::RawMode(int fd) : fd_(fd) {
    if (!::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSANOW, &raw) == 0) active_ = true;
}

RawMode::~RawMode() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
}

void copy_window_size(int from, int to) noexcept {
    winsize ws{};
    if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

}  // namespace rt::linux
