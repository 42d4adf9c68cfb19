// The runtime's log, configured by the global flags --log, --log-format and --debug.
//
// Engines (conmon, containerd's shim) pass --log FILE --log-format json and read the last
// "error" line to tell the user why a command failed, so every fatal error goes through
// log_error() as well as stderr.
#pragma once

#include <string_view>

namespace rt::base {

enum class LogLevel { Debug, Info, Warning, Error };
enum class LogFormat { Text, Json };

struct LogConfig {
    std::string_view path;  // empty: stderr
    LogFormat format = LogFormat::Text;
    bool debug = false;
};

// Opens the log (O_APPEND|O_CLOEXEC). Throws rt::Error if the file cannot be opened.
void log_open(const LogConfig& config);
void log_close();

void log_message(LogLevel level, std::string_view message);
inline void log_debug(std::string_view m) {
    log_message(LogLevel::Debug, m);
}
inline void log_info(std::string_view m) {
    log_message(LogLevel::Info, m);
}
inline void log_warning(std::string_view m) {
    log_message(LogLevel::Warning, m);
}
inline void log_error(std::string_view m) {
    log_message(LogLevel::Error, m);
}

// True when --log names a file (errors then go to the file and to stderr).
bool log_to_file();
// The log fd (or -1), for a child that must write its own lines (e.g. a hook's stderr).
int log_fd();

}  // namespace rt::base
