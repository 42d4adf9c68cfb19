// rt-systemd: the systemd cgroup driver's D-Bus half, a small helper that rt runs.
//
// rt is one static-pie executable, and Debian ships libsystemd (sd-bus) as a shared library
// only; keeping the D-Bus code in this helper keeps the dynamic loader off the cgroupfs path
// of every rt call (docs/cgroups.md has the measurements). Only `--systemd-cgroup` pays the
// extra exec.
//
//   rt-systemd [--user] start UNIT SLICE PID [PROPERTY...]   StartTransientUnit, waits for the job
//   rt-systemd [--user] set UNIT PROPERTY...                 SetUnitProperties (runtime)
//   rt-systemd [--user] stop UNIT                            StopUnit, waits; absent unit: done
//
// PROPERTY is NAME=SIGNATURE:VALUE, with SIGNATURE one of
//   t (uint64, decimal), b (0 or 1), s (string), ay (hex bytes), a(ss) (PATH,ACCESS;...)
// A scope UNIT gets Slice=SLICE and PIDs=[PID]; a slice UNIT (a name ending in .slice, as
// kubelet's pod slices) gets Wants=SLICE and no PID. Both get Delegate=yes,
// DefaultDependencies=no and a Description, as runc's driver sets them.
// Errors: one line on stderr ("rt-systemd: start rt-x.scope: <why>"), exit 1.
#include <systemd/sd-bus.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kObject = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
// As runc: systemd answers in milliseconds; a job that takes longer is stuck.
constexpr auto kJobTimeout = std::chrono::seconds(30);

struct Failure {
    std::string what;
};

[[noreturn]] void fail(const std::string& what, int negative_errno,
                       const sd_bus_error* e = nullptr) {
    std::string why;
    if (e && sd_bus_error_is_set(e))
        why = std::string(e->message ? e->message : e->name);
    else if (negative_errno)
        why = std::strerror(-negative_errno);
    throw Failure{what + (why.empty() ? "" : ": " + why)};
}

void check(int r, const std::string& what) {
    if (r < 0) fail(what, r);
}

struct Bus {
    sd_bus* bus = nullptr;
    explicit Bus(bool user) {
        int r = user ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
        if (r < 0)
            fail(std::string("connect to the ") + (user ? "user" : "system") +
                     " bus (is systemd running?)",
                 r);
    }
    ~Bus() { sd_bus_flush_close_unref(bus); }
    Bus(const Bus&) = delete;
    Bus& operator=(const Bus&) = delete;
};

struct Message {
    sd_bus_message* m = nullptr;
    ~Message() { sd_bus_message_unref(m); }
};

struct Error {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    ~Error() { sd_bus_error_free(&e); }
};

std::vector<uint8_t> parse_hex(std::string_view hex, const std::string& what) {
    if (hex.size() % 2) throw Failure{what + ": odd number of hex digits"};
    std::vector<uint8_t> out;
    for (size_t i = 0; i < hex.size(); i += 2) {
        char buf[3] = {hex[i], hex[i + 1], 0};
        char* end = nullptr;
        unsigned long v = std::strtoul(buf, &end, 16);
        if (*end) throw Failure{what + ": not a hex byte: " + buf};
        out.push_back(static_cast<uint8_t>(v));
    }
    return out;
}

uint64_t parse_u64(std::string_view text, const std::string& what) {
    std::string s(text);
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (s.empty() || *end || errno || s[0] == '-') throw Failure{what + ": not a uint64: " + s};
    return v;
}

// Appends one (sv) entry of an a(sv) array.
void append_property(sd_bus_message* m, std::string_view spec) {
    std::string what = "property " + std::string(spec);
    size_t eq = spec.find('=');
    size_t colon = eq == std::string_view::npos ? eq : spec.find(':', eq);
    if (colon == std::string_view::npos) throw Failure{what + ": expected NAME=SIGNATURE:VALUE"};
    std::string name(spec.substr(0, eq));
    std::string sig(spec.substr(eq + 1, colon - eq - 1));
    std::string_view value = spec.substr(colon + 1);
    check(sd_bus_message_open_container(m, 'r', "sv"), what);
    check(sd_bus_message_append(m, "s", name.c_str()), what);
    check(sd_bus_message_open_container(m, 'v', sig.c_str()), what);
    if (sig == "t") {
        check(sd_bus_message_append(m, "t", parse_u64(value, what)), what);
    } else if (sig == "b") {
        check(sd_bus_message_append(m, "b", value == "1" ? 1 : 0), what);
    } else if (sig == "s") {
        check(sd_bus_message_append(m, "s", std::string(value).c_str()), what);
    } else if (sig == "ay") {
        auto bytes = parse_hex(value, what);
        check(sd_bus_message_append_array(m, 'y', bytes.data(), bytes.size()), what);
    } else if (sig == "a(ss)") {
        check(sd_bus_message_open_container(m, 'a', "(ss)"), what);
        while (!value.empty()) {
            size_t semi = value.find(';');
            std::string_view entry = value.substr(0, semi);
            size_t comma = entry.find(',');
            if (comma == std::string_view::npos) throw Failure{what + ": expected PATH,ACCESS"};
            check(sd_bus_message_append(m, "(ss)", std::string(entry.substr(0, comma)).c_str(),
                                        std::string(entry.substr(comma + 1)).c_str()),
                  what);
            if (semi == std::string_view::npos) break;
            value.remove_prefix(semi + 1);
        }
        check(sd_bus_message_close_container(m), what);
    } else {
        throw Failure{what + ": unsupported signature " + sig};
    }
    check(sd_bus_message_close_container(m), what);
    check(sd_bus_message_close_container(m), what);
}

// Waits for JobRemoved of `job` (subscribed before the call is made).
struct JobWait {
    std::string job;
    std::string result;
    bool done = false;

    static int on_removed(sd_bus_message* m, void* userdata, sd_bus_error*) {
        auto* self = static_cast<JobWait*>(userdata);
        uint32_t id = 0;
        const char *path = nullptr, *unit = nullptr, *result = nullptr;
        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0) return 0;
        if (self->job == path) {
            self->result = result;
            self->done = true;
        }
        return 0;
    }

    // sd_bus_call queues the signals that arrive before its reply; sd_bus_process here
    // dispatches them, so a job that finished before the reply was read is not missed.
    void wait(sd_bus* bus, const std::string& what) {
        auto deadline = std::chrono::steady_clock::now() + kJobTimeout;
        while (!done) {
            int r = sd_bus_process(bus, nullptr);
            check(r, what + ": read the bus");
            if (r > 0) continue;
            auto left = std::chrono::duration_cast<std::chrono::microseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                throw Failure{what + ": systemd did not finish job " + job + " within 30 s"};
            check(sd_bus_wait(bus, static_cast<uint64_t>(left.count())), what + ": wait");
        }
    }
};

// Calls a Manager method that queues a job (its reply is the job's object path) and waits
// until the job is removed; its result must be "done". The JobRemoved subscription is made
// before the call, so a job that finishes at once is not missed. Returns false, doing
// nothing, when the call fails with the error `absent` (the unit does not exist).
bool run_job(sd_bus* bus, const std::string& what, sd_bus_message* call,
             const char* absent = nullptr) {
    JobWait wait;
    sd_bus_slot* raw_slot = nullptr;
    check(sd_bus_match_signal(bus, &raw_slot, kService, kObject, kManager, "JobRemoved",
                              JobWait::on_removed, &wait),
          what + ": subscribe to JobRemoved");
    std::unique_ptr<sd_bus_slot, decltype(&sd_bus_slot_unref)> slot(raw_slot, sd_bus_slot_unref);
    Error error;
    Message reply;
    int r = sd_bus_call(bus, call, 0, &error.e, &reply.m);
    if (r < 0) {
        if (absent && sd_bus_error_has_name(&error.e, absent)) return false;
        fail(what, r, &error.e);
    }
    const char* job = nullptr;
    check(sd_bus_message_read(reply.m, "o", &job), what + ": read the job");
    wait.job = job;
    wait.wait(bus, what);
    if (wait.result != "done") throw Failure{what + ": systemd job " + wait.result};
    return true;
}

int start(sd_bus* bus, const std::string& unit, const std::string& slice, const std::string& pid,
          const std::vector<std::string>& props) {
    std::string what = "start " + unit;
    Message call;
    check(sd_bus_message_new_method_call(bus, &call.m, kService, kObject, kManager,
                                         "StartTransientUnit"),
          what);
    check(sd_bus_message_append(call.m, "ss", unit.c_str(), "replace"), what);
    check(sd_bus_message_open_container(call.m, 'a', "(sv)"), what);
    bool is_slice = unit.size() > 6 && unit.compare(unit.size() - 6, 6, ".slice") == 0;
    append_property(call.m, "Description=s:rt container " + unit);
    append_property(call.m, "Delegate=b:1");
    append_property(call.m, "DefaultDependencies=b:0");
    if (is_slice) {
        check(sd_bus_message_append(call.m, "(sv)", "Wants", "as", 1, slice.c_str()), what);
    } else {
        append_property(call.m, "Slice=s:" + slice);
        uint32_t p = static_cast<uint32_t>(parse_u64(pid, what + ": pid"));
        check(sd_bus_message_append(call.m, "(sv)", "PIDs", "au", 1, p), what);
    }
    for (const auto& p : props) append_property(call.m, p);
    check(sd_bus_message_close_container(call.m), what);
    check(sd_bus_message_append(call.m, "a(sa(sv))", 0), what);
    run_job(bus, what, call.m);
    return 0;
}

int set(sd_bus* bus, const std::string& unit, const std::vector<std::string>& props) {
    std::string what = "set properties of " + unit;
    Message call;
    check(sd_bus_message_new_method_call(bus, &call.m, kService, kObject, kManager,
                                         "SetUnitProperties"),
          what);
    check(sd_bus_message_append(call.m, "sb", unit.c_str(), 1), what);
    check(sd_bus_message_open_container(call.m, 'a', "(sv)"), what);
    for (const auto& p : props) append_property(call.m, p);
    check(sd_bus_message_close_container(call.m), what);
    Error error;
    Message reply;
    int r = sd_bus_call(bus, call.m, 0, &error.e, &reply.m);
    if (r < 0) fail(what, r, &error.e);
    return 0;
}

int stop(sd_bus* bus, const std::string& unit) {
    std::string what = "stop " + unit;
    Message call;
    check(sd_bus_message_new_method_call(bus, &call.m, kService, kObject, kManager, "StopUnit"),
          what);
    check(sd_bus_message_append(call.m, "ss", unit.c_str(), "replace"), what);
    // Already gone (stopped with its last process, or never started): nothing to do.
    if (!run_job(bus, what, call.m, "org.freedesktop.systemd1.NoSuchUnit")) return 0;
    // A unit that failed stays loaded as "failed" and would make the next start of the
    // same name fail: reset it (errors ignored: the unit may be gone already).
    Error ignored;
    sd_bus_call_method(bus, kService, kObject, kManager, "ResetFailedUnit", &ignored.e, nullptr,
                       "s", unit.c_str());
    return 0;
}

[[noreturn]] void usage() {
    std::fputs(
        "usage: rt-systemd [--user] start UNIT SLICE PID [NAME=SIG:VALUE...]\n"
        "       rt-systemd [--user] set UNIT NAME=SIG:VALUE...\n"
        "       rt-systemd [--user] stop UNIT\n",
        stderr);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    bool user = false;
    if (!args.empty() && args[0] == "--user") {
        user = true;
        args.erase(args.begin());
    }
    if (args.size() < 2) usage();
    const std::string verb = args[0];
    try {
        Bus bus(user);
        if (verb == "start" && args.size() >= 4)
            return start(bus.bus, args[1], args[2], args[3], {args.begin() + 4, args.end()});
        if (verb == "set" && args.size() >= 3)
            return set(bus.bus, args[1], {args.begin() + 2, args.end()});
        if (verb == "stop" && args.size() == 2) return stop(bus.bus, args[1]);
        usage();
    } catch (const Failure& f) {
        std::fprintf(stderr, "rt-systemd: %s\n", f.what.c_str());
        return 1;
    }
}
