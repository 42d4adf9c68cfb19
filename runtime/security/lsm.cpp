#include "security/lsm.hpp"

#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "rt/error.hpp"

namespace rt::security {
namespace {

constexpr long kSelinuxMagic = 0xf97cff8c;  // SELINUX_MAGIC (linux/magic.h)

bool is_set(const std::optional<std::string>& value) {
    return value && !value->empty();
}

StepResult write_attr(const char* path, const char* fallback, const char* text) noexcept {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && fallback != nullptr) {
        path = fallback;
        fd = ::open(path, O_WRONLY | O_CLOEXEC);
    }
    if (fd < 0) return step_error(errno, "open %s", path);
    const size_t len = std::strlen(text);
    ssize_t n;
    while ((n = ::write(fd, text, len)) < 0 && errno == EINTR) {
    }
    const int err = errno;
    ::close(fd);
    if (n < 0) return step_error(err, "write \"%s\" to %s", text, path);
    if (static_cast<size_t>(n) != len) return step_error(EIO, "short write to %s", path);
    return step_ok();
}

}  // namespace

bool apparmor_enabled() noexcept {
    int fd = ::open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char c = 0;
    ssize_t n = ::read(fd, &c, 1);
    ::close(fd);
    return n == 1 && c == 'Y';
}

bool selinux_enabled() noexcept {
    struct statfs st {};
    if (::statfs("/sys/fs/selinux", &st) < 0) return false;
    return static_cast<long>(static_cast<unsigned int>(st.f_type)) == kSelinuxMagic;
}

void check_lsm_support(const std::optional<std::string>& apparmor_profile,
                       std::string_view apparmor_pointer,
                       const std::optional<std::string>& selinux_label,
                       std::string_view selinux_pointer,
                       const std::optional<std::string>& mount_label,
                       std::string_view mount_label_pointer) {
    if (is_set(apparmor_profile) && !apparmor_enabled())
        throw Error(std::string(apparmor_pointer) +
                        ": AppArmor is not enabled on this host "
                        "(profile \"" +
                        *apparmor_profile + "\")",
                    ErrorKind::Unsupported);
    if (is_set(selinux_label) && !selinux_enabled())
        throw Error(std::string(selinux_pointer) +
                        ": SELinux is not enabled on this host "
                        "(label \"" +
                        *selinux_label + "\")",
                    ErrorKind::Unsupported);
    if (is_set(mount_label) && !selinux_enabled())
        throw Error(std::string(mount_label_pointer) +
                        ": SELinux is not enabled on this host "
                        "(label \"" +
                        *mount_label + "\")",
                    ErrorKind::Unsupported);
}

std::string format_mount_label(std::string_view data, std::string_view label) {
    std::string out(data);
    if (label.empty()) return out;
    if (!out.empty()) out += ',';
    out += "context=\"";
    out.append(label);
    out += '"';
    return out;
}

StepResult apply_apparmor_profile(const char* profile) noexcept {
    if (profile == nullptr || profile[0] == '\0') return step_ok();
    char text[4096];
    int len = std::snprintf(text, sizeof text, "exec %s", profile);
    if (len < 0 || static_cast<size_t>(len) >= sizeof text)
        return step_error(ENAMETOOLONG, "apparmor profile name");
    return write_attr("/proc/thread-self/attr/apparmor/exec", "/proc/thread-self/attr/exec", text);
}

StepResult apply_selinux_label(const char* label) noexcept {
    if (label == nullptr || label[0] == '\0') return step_ok();
    return write_attr("/proc/thread-self/attr/exec", nullptr, label);
}

StepResult apply_selinux_keycreate_label(const char* label) noexcept {
    if (label == nullptr || label[0] == '\0') return step_ok();
    return write_attr("/proc/thread-self/attr/keycreate", nullptr, label);
}

}  // namespace rt::security
