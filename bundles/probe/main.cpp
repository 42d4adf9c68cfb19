// rt-probe entry point: `rt-probe [SUBCOMMAND] [ARGS...]`; the default subcommand is `report`.
// Subcommands that only act (sleep, exit, trap, cat) print nothing on success.
#include <unistd.h>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "probe.hpp"

namespace {

constexpr const char* kUsage =
    "usage: rt-probe [report [--sysctl NAME]... | net | sleep [SECONDS] | exit CODE |\n"
    "                write PATH [DATA] | read PATH | open PATH r|w|rw | stat PATH | ls DIR | cat "
    "PATH... |\n"
    "                mount SRC DST FSTYPE [OPTS] | umount PATH | syscall NAME |\n"
    "                trap FILE | hook FILE LABEL [EXIT] | tty | kill PID SIG | mempolicy]\n";

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string verb = "report";
    if (!args.empty()) {
        verb = args.front();
        args.erase(args.begin());
    }
    if (verb == "-h" || verb == "--help" || verb == "help") {
        (void)std::fputs(kUsage, stdout);
        return 0;
    }
    rapidjson::StringBuffer buffer;
    probe::Writer w(buffer);
    int code = 0;
    if (verb == "report") {
        code = probe::report(w, args);
    } else if (verb == "net") {
        code = probe::net(w, args);
    } else {
        code = probe::action(w, verb, args);
    }
    if (code == 2 && buffer.GetSize() == 0) {
        (void)std::fprintf(stderr, "rt-probe: bad usage of '%s'\n%s", verb.c_str(), kUsage);
        return 2;
    }
    if (buffer.GetSize() > 0) {
        std::string out(buffer.GetString(), buffer.GetSize());
        out += '\n';
        // One write so that concurrent writers to a shared file do not interleave.
        size_t off = 0;
        while (off < out.size()) {
            ssize_t n = ::write(1, out.data() + off, out.size() - off);
            if (n <= 0) return 3;
            off += static_cast<size_t>(n);
        }
    }
    return code;
}
