// update, pause, resume, events, ps: runc's command lines (runc 1.1.5 flag names), each
// calling one rt::core::Runtime operation. (kill --all is in lifecycle.cpp.)
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

#include "base/fs.hpp"
#include "cli/commands.hpp"
#include "core/container.hpp"
#include "rt/error.hpp"
#include "rt/oci/parse.hpp"

extern char** environ;

namespace rt::cli {

// "512m", "1G", "1.5g", "100kb", "4096", "-1" -> bytes (docker's RAMInBytes: 1024 based).
int64_t parse_bytes(const std::string& flag, const std::string& text) {
    if (text == "-1") return -1;
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
        ++i;
    std::string number = text.substr(0, i), unit = text.substr(i);
    while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
    for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (unit.size() > 1 && unit.back() == 'b') unit.pop_back();  // "kb", "mib" -> "k", "mi"
    if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();
    double mult = 1;
    if (unit == "k")
        mult = 1024.0;
    else if (unit == "m")
        mult = 1024.0 * 1024;
    else if (unit == "g")
        mult = 1024.0 * 1024 * 1024;
    else if (unit == "t")
        mult = 1024.0 * 1024 * 1024 * 1024;
    else if (unit == "p")
        mult = 1024.0 * 1024 * 1024 * 1024 * 1024;
    else if (!unit.empty() && unit != "b")
        number.clear();
    char* end = nullptr;
    double v = number.empty() ? -1 : std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || v < 0 || v * mult > 9.2e18)
        throw Error("--" + flag + ": invalid size \"" + text + "\"", ErrorKind::InvalidArgument);
    return static_cast<int64_t>(v * mult);
}

// Go durations: "5s", "100ms", "1m30s", "1.5s", "250us". Returns milliseconds (>= 1).
int parse_duration_ms(const std::string& flag, const std::string& text) {
    double total_ms = 0;
    size_t i = 0;
    auto bad = [&] {
        return Error("--" + flag + ": invalid duration \"" + text + "\" (e.g. 5s, 500ms)",
                     ErrorKind::InvalidArgument);
    };
    if (text.empty()) throw bad();
    while (i < text.size()) {
        size_t start = i;
        while (i < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
            ++i;
        if (start == i) throw bad();
        double v = std::strtod(text.substr(start, i - start).c_str(), nullptr);
        size_t u = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
        std::string unit = text.substr(u, i - u);
        double ms;
        if (unit == "h")
            ms = v * 3600000;
        else if (unit == "m")
            ms = v * 60000;
        else if (unit == "s")
            ms = v * 1000;
        else if (unit == "ms")
            ms = v;
        else if (unit == "us" || unit == "µs")
            ms = v / 1000;
        else if (unit == "ns")
            ms = v / 1000000;
        else
            throw bad();
        total_ms += ms;
    }
    if (total_ms > 24.0 * 3600000) throw bad();
    return std::max(1, static_cast<int>(std::lround(total_ms)));
}

namespace {

struct UpdateFlags {
    std::string resources;
    uint16_t blkio_weight = 0;
    uint64_t cpu_period = 0, cpu_rt_period = 0, cpu_share = 0;
    int64_t cpu_quota = 0, cpu_rt_runtime = 0, pids_limit = 0;
    std::string cpuset_cpus, cpuset_mems, memory, memory_reservation, memory_swap, kernel_memory,
        kernel_memory_tcp, l3_cache_schema, mem_bw_schema;
};

std::string read_all(std::istream& in) {
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

oci::Resources resources_from_flags(const UpdateFlags& f, CLI::App* cmd) {
    if (!f.l3_cache_schema.empty() || !f.mem_bw_schema.empty())
        throw Error("update: Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported by rt",
                    ErrorKind::Unsupported);
    oci::Resources r;
    auto given = [&](const char* name) { return cmd->count(name) > 0; };
    if (given("--blkio-weight")) {
        r.blockIO = oci::BlockIoResources{};
        r.blockIO->weight = f.blkio_weight;
    }
    auto cpu = [&]() -> oci::CpuResources& {
        if (!r.cpu) r.cpu = oci::CpuResources{};
        return *r.cpu;
    };
    if (given("--cpu-period")) cpu().period = f.cpu_period;
    if (given("--cpu-quota")) cpu().quota = f.cpu_quota;
    if (given("--cpu-share")) cpu().shares = f.cpu_share;
    if (given("--cpu-rt-period")) cpu().realtimePeriod = f.cpu_rt_period;
    if (given("--cpu-rt-runtime")) cpu().realtimeRuntime = f.cpu_rt_runtime;
    if (given("--cpuset-cpus")) cpu().cpus = f.cpuset_cpus;
    if (given("--cpuset-mems")) cpu().mems = f.cpuset_mems;
    auto mem = [&]() -> oci::MemoryResources& {
        if (!r.memory) r.memory = oci::MemoryResources{};
        return *r.memory;
    };
    if (given("--memory")) mem().limit = parse_bytes("memory", f.memory);
    if (given("--memory-reservation"))
        mem().reservation = parse_bytes("memory-reservation", f.memory_reservation);
    if (given("--memory-swap")) mem().swap = parse_bytes("memory-swap", f.memory_swap);
    if (given("--kernel-memory")) mem().kernel = parse_bytes("kernel-memory", f.kernel_memory);
    if (given("--kernel-memory-tcp"))
        mem().kernelTCP = parse_bytes("kernel-memory-tcp", f.kernel_memory_tcp);
    if (given("--pids-limit")) r.pids = oci::PidsResources{f.pids_limit};
    return r;
}

// Runs `ps args...` and keeps the header and the lines of the given pids (runc's ps).
int print_ps_table(const std::vector<pid_t>& pids, std::vector<std::string> args) {
    if (args.empty()) args = {"-ef"};
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw Error("ps: pipe", errno);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<char*> argv;
    std::string ps = "ps";
    argv.push_back(ps.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t child = -1;
    int err = ::posix_spawnp(&child, "ps", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (err != 0) {
        ::close(out[0]);
        throw Error("ps: run ps", err);
    }
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error("ps: ps " + args.front() + "... failed", ErrorKind::Generic);
    std::istringstream in(text);
    std::string header;
    std::getline(in, header);
    std::istringstream hs(header);
    std::string word;
    int column = -1;
    for (int i = 0; hs >> word; ++i)
        if (word == "PID") column = i;
    if (column < 0) throw Error("ps: couldn't find PID field in ps output", ErrorKind::Generic);
    std::set<pid_t> wanted(pids.begin(), pids.end());
    std::printf("%s\n", header.c_str());
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string field;
        for (int i = 0; i <= column && ls >> field; ++i) {
        }
        char* end = nullptr;
        long pid = std::strtol(field.c_str(), &end, 10);
        if (end && *end == '\0' && wanted.count(static_cast<pid_t>(pid)))
            std::printf("%s\n", line.c_str());
    }
    return 0;
}

}  // namespace

void register_cgroup(CLI::App& app, const GlobalOptions& global, Action& action) {
    // ---- update
    {
        auto id = std::make_shared<std::string>();
        auto f = std::make_shared<UpdateFlags>();
        auto* cmd = app.add_subcommand("update", "update the resource limits of a container");
        cmd->add_option("id", *id, "container id")->required();
        cmd->add_option("-r,--resources", f->resources,
                        "linux.resources JSON file, or - for stdin (flags are then ignored)");
        cmd->add_option("--blkio-weight", f->blkio_weight, "block I/O weight (10-1000)");
        cmd->add_option("--cpu-period", f->cpu_period, "CPU CFS period (us)");
        cmd->add_option("--cpu-quota", f->cpu_quota, "CPU CFS quota (us)");
        cmd->add_option("--cpu-share,--cpu-shares", f->cpu_share, "CPU shares");
        cmd->add_option("--cpu-rt-period", f->cpu_rt_period, "CPU realtime period (us)");
        cmd->add_option("--cpu-rt-runtime", f->cpu_rt_runtime, "CPU realtime runtime (us)");
        cmd->add_option("--cpuset-cpus", f->cpuset_cpus, "CPUs to use (0-3, 0,1)");
        cmd->add_option("--cpuset-mems", f->cpuset_mems, "memory nodes to use");
        cmd->add_option("--memory", f->memory, "memory limit (bytes, or 512m, 1g; -1: none)");
        cmd->add_option("--memory-reservation", f->memory_reservation, "memory soft limit");
        cmd->add_option("--memory-swap", f->memory_swap, "memory+swap limit (-1: unlimited)");
        cmd->add_option("--kernel-memory", f->kernel_memory, "deprecated, ignored");
        cmd->add_option("--kernel-memory-tcp", f->kernel_memory_tcp, "kernel TCP buffer limit");
        cmd->add_option("--pids-limit", f->pids_limit, "maximum number of tasks (-1: none)");
        cmd->add_option("--l3-cache-schema", f->l3_cache_schema, "Intel RDT (not supported)");
        cmd->add_option("--mem-bw-schema", f->mem_bw_schema, "Intel RDT (not supported)");
        cmd->callback([&action, &global, id, f, cmd] {
            action = [&global, id, f, cmd] {
                oci::Resources r;
                std::string origin;
                if (!f->resources.empty()) {
                    std::string text;
                    if (f->resources == "-") {
                        text = read_all(std::cin);
                        origin = "stdin";
                    } else {
                        text = base::read_file(f->resources);
                        origin = f->resources;
                    }
                    r = oci::parse_resources(text, origin);
                    origin += ": ";
                } else {
                    r = resources_from_flags(*f, cmd);
                    origin = "update: ";
                }
                core::Runtime(global.root).update(*id, r, origin);
                return 0;
            };
        });
    }
    // ---- pause, resume
    for (bool pause : {true, false}) {
        auto id = std::make_shared<std::string>();
        auto* cmd = app.add_subcommand(
            pause ? "pause" : "resume",
            pause ? "suspend every process of a container" : "resume a paused container");
        cmd->add_option("id", *id, "container id")->required();
        cmd->callback([&action, &global, id, pause] {
            action = [&global, id, pause] {
                core::Runtime rt(global.root);
                if (pause)
                    rt.pause(*id);
                else
                    rt.resume(*id);
                return 0;
            };
        });
    }
    // ---- events
    {
        auto id = std::make_shared<std::string>();
        auto interval = std::make_shared<std::string>("5s");
        auto stats = std::make_shared<bool>(false);
        auto* cmd =
            app.add_subcommand("events", "print resource usage and OOM events (JSON lines)");
        cmd->add_option("id", *id, "container id")->required();
        cmd->add_option("--interval", *interval, "time between stats (default 5s)");
        cmd->add_flag("--stats", *stats, "print the stats once and exit");
        cmd->callback([&action, &global, id, interval, stats] {
            action = [&global, id, interval, stats] {
                core::EventsOptions o;
                o.stats_once = *stats;
                o.interval_ms = parse_duration_ms("interval", *interval);
                core::Runtime(global.root).events(*id, o, [](const std::string& line) {
                    // Write errors are ignored: a reader that went away ends us by SIGPIPE.
                    (void)std::fwrite(line.data(), 1, line.size(), stdout);
                    (void)std::fputc('\n', stdout);
                    (void)std::fflush(stdout);
                });
                return 0;
            };
        });
    }
    // ---- ps
    {
        auto id = std::make_shared<std::string>();
        auto format = std::make_shared<std::string>("table");
        auto ps_args = std::make_shared<std::vector<std::string>>();
        auto* cmd = app.add_subcommand("ps", "list the processes of a container");
        cmd->add_option("id", *id, "container id")->required();
        // Everything after the id goes to ps(1) (default -ef), as runc does; options for ps
        // follow "--": rt ps ID -- -o pid,comm
        cmd->add_option("ps-args", *ps_args, "ps(1) arguments (after --; default -ef)");
        cmd->add_option("-f,--format", *format, "table or json")
            ->check(CLI::IsMember({"table", "json"}));
        cmd->callback([&action, &global, id, format, ps_args] {
            action = [&global, id, format, ps_args] {
                std::vector<std::string> args = *ps_args;
                auto pids = core::Runtime(global.root).pids(*id);
                if (*format == "json") {
                    std::string out = "[";
                    for (size_t i = 0; i < pids.size(); ++i)
                        out += (i ? "," : "") + std::to_string(pids[i]);
                    std::printf("%s]\n", out.c_str());
                    return 0;
                }
                return print_ps_table(pids, args);
            };
        });
    }
}

}  // namespace rt::cli
