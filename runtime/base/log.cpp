#include "base/log.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "rt/error.hpp"

namespace rt::base {
namespace {

struct Logger {
    int fd = STDERR_FILENO;
    bool owns_fd = false;
    LogFormat format = LogFormat::Text;
    bool debug = false;
};

Logger g_logger;

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::Debug:
            return "debug";
        case LogLevel::Info:
            return "info";
        case LogLevel::Warning:
            return "warning";
        case LogLevel::Error:
            return "error";
    }
    return "info";
}

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (unsigned char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    (void)std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

std::string rfc3339_now() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm utc{};
    gmtime_r(&ts.tv_sec, &utc);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    (void)std::snprintf(buf + n, sizeof buf - n, ".%09ldZ", ts.tv_nsec);
    return buf;
}

void write_all(int fd, const std::string& line) {
    size_t done = 0;
    while (done < line.size()) {
        ssize_t n = ::write(fd, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a log write failure must not fail the operation
        done += static_cast<size_t>(n);
    }
}

}  // namespace

void log_open(const LogConfig& config) {
    log_close();
    g_logger.format = config.format;
    g_logger.debug = config.debug;
    if (!config.path.empty()) {
        std::string path(config.path);
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0) throw Error("open log file " + path, errno);
        g_logger.fd = fd;
        g_logger.owns_fd = true;
    }
}

void log_close() {
    if (g_logger.owns_fd) ::close(g_logger.fd);
    g_logger = Logger{};
}

bool log_to_file() {
    return g_logger.owns_fd;
}
int log_fd() {
    return g_logger.owns_fd ? g_logger.fd : -1;
}

void log_message(LogLevel level, std::string_view message) {
    if (level == LogLevel::Debug && !g_logger.debug) return;
    std::string line;
    if (g_logger.format == LogFormat::Json) {
        line = "{\"level\":\"";
        line += level_name(level);
        line += "\",\"msg\":";
        append_json_string(line, message);
        line += ",\"time\":\"" + rfc3339_now() + "\"}\n";
    } else if (g_logger.owns_fd) {
        line = rfc3339_now() + " " + level_name(level) + ": ";
        line.append(message);
        line += '\n';
    } else {
        line = "rt: ";
        if (level != LogLevel::Error) line += std::string(level_name(level)) + ": ";
        line.append(message);
        line += '\n';
    }
    write_all(g_logger.fd, line);
}

}  // namespace rt::base
