// load_bundle_config: the only file of oci/ that makes system calls (reading config.json).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "rt/error.hpp"
#include "rt/oci/parse.hpp"

namespace rt::oci {
namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// Whole file behind fd; path is for messages.
std::string read_all(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw Error(path, errno);
    // A FIFO or device would block or never end: config.json must be a plain file.
    if (!S_ISREG(st.st_mode))
        throw Error(path + ": not a regular file", ErrorKind::InvalidArgument);
    std::string text;
    text.resize(static_cast<size_t>(st.st_size) + 1);  // +1: notice growth without a 2nd stat
    size_t used = 0;
    for (;;) {
        if (used == text.size()) text.resize(text.size() * 2);
        ssize_t n = ::read(fd, text.data() + used, text.size() - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(path, errno);
        if (n == 0) break;
        used += static_cast<size_t>(n);
    }
    text.resize(used);
    return text;
}

}  // namespace

Spec load_bundle_config(const std::string& bundle_dir, std::vector<ValidationIssue>* warnings) {
    Fd dir;
    dir.fd = ::open(bundle_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir.fd < 0) throw Error("bundle " + bundle_dir, errno);

    std::string path = bundle_dir;
    if (path.empty() || path.back() != '/') path += '/';
    path += "config.json";

    Fd file;
    // O_NONBLOCK: opening a FIFO must not hang; read_all rejects anything but a plain file.
    file.fd = ::openat(dir.fd, "config.json", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (file.fd < 0) throw Error(path, errno);
    std::string text = read_all(file.fd, path);

    Spec spec = parse_config(text, path);
    std::vector<ValidationIssue> found = validate_config(spec, path);
    if (warnings) warnings->insert(warnings->end(), found.begin(), found.end());
    return spec;
}

}  // namespace rt::oci
