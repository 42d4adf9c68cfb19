// rt-bench: rt vs runc vs crun (and rt-bridge vs the reference bridge) side by side.
// Every measurement is interleaved across the tools (A B C A B C ...) so that machine noise
// hits them alike; the report gives median, min-max and the ratio to each reference.
// Usage: rt-bench [--smoke] [--rounds N] [--only REGEX] [--out FILE.tsv]
//   --only REGEX   measure only the metrics whose name matches (ECMAScript regex, searched
//                  anywhere in the name: `--only 'run /bin/true|^create$|exec'`); steps a
//                  selected metric depends on still run, unrecorded.
//   --rounds N     interleaved rounds per metric (default 20, 2 with --smoke).
// bench/run.sh wraps it and draws the chart.
// Environment: RT (default build/bin/rt), RT_BRIDGE (build/bin/rt-bridge), RT_PROBE.
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bundle.hpp"
#include "cni.hpp"
#include "netns.hpp"
#include "process.hpp"
#include "runtime.hpp"

using namespace conformance;
using Clock = std::chrono::steady_clock;

namespace {

struct Sample {
    double wall_ms = 0, cpu_ms = 0, rss_mib = 0;
};

struct Series {
    std::vector<Sample> samples;
    bool unavailable = false;
    std::string why;
};

// results[metric][tool]
std::map<std::string, std::map<std::string, Series>> g_results;
std::vector<std::string> g_metric_order;
std::optional<std::regex> g_only;  // --only: the selected metrics (all when unset)

bool wanted(const std::string& metric) {
    return !g_only || std::regex_search(metric, *g_only);
}

Sample sample_of(const RunResult& r) {
    Sample s;
    s.wall_ms = std::chrono::duration<double, std::milli>(r.wall).count();
    s.cpu_ms = (r.usage.ru_utime.tv_sec + r.usage.ru_stime.tv_sec) * 1e3 +
               (r.usage.ru_utime.tv_usec + r.usage.ru_stime.tv_usec) / 1e3;
    s.rss_mib = r.usage.ru_maxrss / 1024.0;
    return s;
}

void record(const std::string& metric, const std::string& tool, const Sample& s) {
    if (!wanted(metric)) return;
    if (!g_results.count(metric)) g_metric_order.push_back(metric);
    g_results[metric][tool].samples.push_back(s);
}

void unavailable(const std::string& metric, const std::string& tool, const std::string& why) {
    if (!wanted(metric)) return;
    if (!g_results.count(metric)) g_metric_order.push_back(metric);
    auto& s = g_results[metric][tool];
    s.unavailable = true;
    s.why = why;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Tool {
    std::string name;
    std::unique_ptr<Runtime> runtime;
    std::string why_not;
};

// A bundle whose process is args; rootfs shared by all tools.
std::unique_ptr<Bundle> make_bundle(std::initializer_list<std::string_view> args) {
    auto b = std::make_unique<Bundle>();
    b->config.args(args);
    b->config.remove("/mounts/6");  // the /out bind: not needed here
    b->write();
    return b;
}

void must(const RunResult& r, const std::string& what) {
    if (!r.ok()) throw std::runtime_error(what + ": " + r.describe());
}

// --- runtimes -----------------------------------------------------------------------------

void bench_runtimes(std::vector<Tool>& tools, int rounds, const std::vector<int>& populations,
                    int sequential, int parallel) {
    auto truebundle = make_bundle({"/bin/true"});
    auto sleeper = make_bundle({"/bin/rt-probe", "sleep"});
    std::vector<Tool*> live;
    for (auto& t : tools) {
        if (t.runtime) {
            live.push_back(&t);
        } else {
            for (const std::string& m :
                 {std::string("run /bin/true"), std::string("create"), std::string("start"),
                  std::string("delete"), std::string("exec /bin/true"),
                  std::to_string(sequential) + " sequential runs",
                  std::to_string(parallel) + " parallel runs"})
                unavailable(m, t.name, t.why_not);
        }
    }
    // create, start, exec and delete share one container: any of them runs all four.
    const bool run_true = wanted("run /bin/true");
    const bool lifecycle =
        wanted("create") || wanted("start") || wanted("exec /bin/true") || wanted("delete");
    for (int round = 0; round < rounds && (run_true || lifecycle); ++round) {
        for (Tool* t : live) {
            const Runtime& rt = *t->runtime;
            if (run_true) {
                std::string id = unique_name("bench");
                auto r = rt.run(id, *truebundle);
                must(r, t->name + " run");
                record("run /bin/true", t->name, sample_of(r));
            }
            if (!lifecycle) continue;

            std::string sid = unique_name("bench");
            auto c = rt.create(sid, *sleeper);
            must(c, t->name + " create");
            record("create", t->name, sample_of(c));
            auto s = rt.start(sid);
            must(s, t->name + " start");
            record("start", t->name, sample_of(s));
            auto e = rt.cmd({"exec", sid, "/bin/true"});
            must(e, t->name + " exec");
            record("exec /bin/true", t->name, sample_of(e));
            must(rt.kill(sid, "KILL"), t->name + " kill");
            rt.wait_status(sid, "stopped");
            auto d = rt.remove(sid);
            must(d, t->name + " delete");
            record("delete", t->name, sample_of(d));
        }
    }
    // Sequential and parallel batches: whole-batch wall time, sum of CPU.
    const std::string seq_metric = std::to_string(sequential) + " sequential runs";
    const std::string par_metric = std::to_string(parallel) + " parallel runs";
    for (int round = 0;
         round < std::max(1, rounds / 5) && (wanted(seq_metric) || wanted(par_metric)); ++round) {
        for (Tool* t : live) {
            if (wanted(seq_metric)) {
                Sample total;
                auto start = Clock::now();
                for (int i = 0; i < sequential; ++i) {
                    auto r = t->runtime->run(unique_name("seq"), *truebundle);
                    must(r, t->name + " run");
                    total.cpu_ms += sample_of(r).cpu_ms;
                }
                total.wall_ms =
                    std::chrono::duration<double, std::milli>(Clock::now() - start).count();
                record(seq_metric, t->name, total);
            }
            if (!wanted(par_metric)) continue;

            Sample par;
            std::vector<std::thread> threads;
            threads.reserve(parallel);
            std::vector<RunResult> results(parallel);
            auto start = Clock::now();
            for (int i = 0; i < parallel; ++i)
                threads.emplace_back(
                    [&, i] { results[i] = t->runtime->run(unique_name("par"), *truebundle); });
            for (auto& th : threads) th.join();
            par.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            for (auto& r : results) {
                // A failed run in a parallel batch is reported, not fatal: the batch time
                // still says how the runtime behaves under concurrency.
                if (!r.ok())
                    (void)std::fprintf(stderr, "rt-bench: %s: a parallel run failed: %s\n",
                                       t->name.c_str(), r.describe().c_str());
                par.cpu_ms += sample_of(r).cpu_ms;
            }
            record(par_metric, t->name, par);
        }
    }
    // Cost with n containers present (created, not started): create+delete of one more, list.
    for (int n : populations) {
        if (!wanted("create with " + std::to_string(n) + " present") &&
            !wanted("list with " + std::to_string(n) + " present"))
            continue;
        for (Tool* t : live) {
            const Runtime& rt = *t->runtime;
            std::vector<std::string> present;
            for (int i = 0; i < n; ++i) {
                std::string id = unique_name("pop");
                must(rt.create(id, *sleeper), t->name + " create (population)");
                present.push_back(id);
            }
            for (int round = 0; round < std::max(3, rounds / 2); ++round) {
                std::string id = unique_name("probe");
                auto c = rt.create(id, *sleeper);
                must(c, t->name + " create");
                record("create with " + std::to_string(n) + " present", t->name, sample_of(c));
                auto l = rt.cmd({"list", "--quiet"});
                must(l, t->name + " list");
                record("list with " + std::to_string(n) + " present", t->name, sample_of(l));
                must(rt.remove(id, true), t->name + " delete");
            }
            for (const auto& id : present) rt.remove(id, true);
        }
    }
}

// --- CNI ----------------------------------------------------------------------------------

struct CniTool {
    std::string name;
    std::unique_ptr<CniPlugin> plugin;
    std::string why_not;
};

std::string cni_config(const CniPlugin& p, const std::string& bridge, const std::string& data) {
    return R"({"cniVersion":"1.0.0","name":"bench","type":")" + p.type() + R"(","bridge":")" +
           bridge + R"(","isGateway":true,"ipam":{"type":")" + p.ipam_type() + R"(","dataDir":")" +
           data + R"(","ranges":[[{"subnet":"10.250.0.0/16"}]]}})";
}

void bench_cni(std::vector<CniTool>& tools, int rounds, const std::vector<int>& attached) {
    for (auto& t : tools) {
        if (!t.plugin) {
            for (int n : attached) {
                unavailable("CNI ADD with " + std::to_string(n) + " attached", t.name, t.why_not);
                unavailable("CNI DEL with " + std::to_string(n) + " attached", t.name, t.why_not);
            }
        }
    }
    for (int n : attached) {
        if (!wanted("CNI ADD with " + std::to_string(n) + " attached") &&
            !wanted("CNI DEL with " + std::to_string(n) + " attached"))
            continue;
        // One private "host" netns per tool; n attachments made first, then measured ADD/DELs.
        struct Live {
            CniTool* tool;
            std::unique_ptr<NetNs> host;
            std::unique_ptr<TempDir> data;
            std::string config;
            std::vector<std::unique_ptr<NetNs>> attached;
        };
        std::vector<Live> live;
        for (auto& t : tools) {
            if (!t.plugin) continue;
            Live l{
                &t, std::make_unique<NetNs>(), std::make_unique<TempDir>("rt-bench-cni"), "", {}};
            l.config = cni_config(*t.plugin, "rtbench0", l.data->str());
            for (int i = 0; i < n; ++i) {
                auto ns = std::make_unique<NetNs>();
                CniCall c{"ADD", "pre" + std::to_string(i), ns->path(), "eth0", "", l.config};
                auto r = t.plugin->call(c, *l.host);
                if (!r.run.ok()) throw std::runtime_error(t.name + " ADD: " + r.text());
                l.attached.push_back(std::move(ns));
            }
            live.push_back(std::move(l));
        }
        for (int round = 0; round < rounds; ++round) {
            for (auto& l : live) {
                NetNs ns;
                CniCall c{"ADD", unique_name("m"), ns.path(), "eth0", "", l.config};
                auto add = l.tool->plugin->call(c, *l.host);
                if (!add.run.ok()) throw std::runtime_error(l.tool->name + " ADD: " + add.text());
                record("CNI ADD with " + std::to_string(n) + " attached", l.tool->name,
                       sample_of(add.run));
                c.command = "DEL";
                auto del = l.tool->plugin->call(c, *l.host);
                record("CNI DEL with " + std::to_string(n) + " attached", l.tool->name,
                       sample_of(del.run));
            }
        }
        // The attached ones vanish with their netns and the host netns; the data dir with TempDir.
    }
}

// --- floors -------------------------------------------------------------------------------

void bench_floors(int rounds) {
    for (int round = 0; round < rounds; ++round) {
        if (wanted("floor: fork+exec /bin/true"))
            record("floor: fork+exec /bin/true", "machine", sample_of(run_command({"/bin/true"})));
        if (wanted("floor: unshare 6 namespaces + /bin/true"))
            record("floor: unshare 6 namespaces + /bin/true", "machine",
                   sample_of(run_command({"/usr/bin/unshare", "--mount", "--uts", "--ipc", "--net",
                                          "--pid", "--fork", "--cgroup", "/bin/true"})));
        if (!wanted("floor: veth pair into a netns (netlink)")) continue;
        // A veth pair created with its peer directly in the target netns (one RTM_NEWLINK).
        NetNs host, target;
        Sample s;
        std::thread t([&] {
            if (::setns(host.fd(), CLONE_NEWNET) != 0) return;
            nl_sock* sock = nl_socket_alloc();
            nl_connect(sock, NETLINK_ROUTE);
            rtnl_link* link = rtnl_link_veth_alloc();
            rtnl_link_set_name(link, "bv0");
            rtnl_link* peer = rtnl_link_veth_get_peer(link);
            rtnl_link_set_name(peer, "eth0");
            rtnl_link_set_ns_fd(peer, target.fd());
            // One queue per end, as rt-bridge asks: the kernel's default (one per possible
            // CPU, shrunk afterwards) waits for RCU grace periods, which is not the floor.
            for (rtnl_link* end : {link, peer}) {
                rtnl_link_set_num_tx_queues(end, 1);
                rtnl_link_set_num_rx_queues(end, 1);
            }
            // The thread's CPU clock: exact, where rusage of a thread is tick-sampled.
            timespec cpu_before{}, cpu_after{};
            ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_before);
            auto start = Clock::now();
            int err = rtnl_link_add(sock, link, NLM_F_CREATE | NLM_F_EXCL);
            s.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_after);
            s.cpu_ms = static_cast<double>(cpu_after.tv_sec - cpu_before.tv_sec) * 1e3 +
                       static_cast<double>(cpu_after.tv_nsec - cpu_before.tv_nsec) / 1e6;
            if (err < 0) s.wall_ms = -1;
            rtnl_link_put(peer);
            rtnl_link_put(link);
            nl_socket_free(sock);
        });
        t.join();
        if (s.wall_ms >= 0) record("floor: veth pair into a netns (netlink)", "machine", s);
    }
}

// --- report -------------------------------------------------------------------------------

void write_report(const std::string& path, const std::vector<std::string>& tool_order) {
    std::ofstream out(path);
    out << "metric\ttool\tn\twall_median_ms\twall_min_ms\twall_max_ms\tcpu_median_ms\t"
           "rss_median_mib\tnote\n";
    for (const auto& metric : g_metric_order) {
        for (const auto& [tool, series] : g_results[metric]) {
            if (series.unavailable) {
                out << metric << '\t' << tool << "\t0\t-\t-\t-\t-\t-\t" << series.why << '\n';
                continue;
            }
            std::vector<double> wall, cpu, rss;
            for (const auto& s : series.samples) {
                wall.push_back(s.wall_ms);
                cpu.push_back(s.cpu_ms);
                rss.push_back(s.rss_mib);
            }
            char line[512];
            (void)std::snprintf(line, sizeof line, "%s\t%s\t%zu\t%.2f\t%.2f\t%.2f\t%.2f\t%.1f\t\n",
                                metric.c_str(), tool.c_str(), wall.size(), median(wall),
                                *std::min_element(wall.begin(), wall.end()),
                                *std::max_element(wall.begin(), wall.end()), median(cpu),
                                median(rss));
            out << line;
        }
    }
    (void)tool_order;
}

}  // namespace

int main(int argc, char** argv) {
    bool smoke = false;
    int rounds_arg = 0;
    std::string out = "bench-results.tsv";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        bool has_value = i + 1 < argc;
        if (a == "--smoke") {
            smoke = true;
        } else if (a == "--out" && has_value) {
            out = argv[++i];
        } else if (a == "--rounds" && has_value) {
            rounds_arg = std::atoi(argv[++i]);
            if (rounds_arg < 1) {
                (void)std::fprintf(stderr, "rt-bench: --rounds: must be a positive number\n");
                return 2;
            }
        } else if (a == "--only" && has_value) {
            try {
                g_only.emplace(argv[++i], std::regex::ECMAScript | std::regex::optimize);
            } catch (const std::regex_error& e) {
                (void)std::fprintf(stderr, "rt-bench: --only %s: not a regex: %s\n", argv[i],
                                   e.what());
                return 2;
            }
        } else {
            (void)std::fprintf(
                stderr,
                "rt-bench: unknown argument %s (usage: rt-bench [--smoke] [--rounds N] "
                "[--only REGEX] [--out FILE.tsv])\n",
                a.c_str());
            return 2;
        }
    }
    // Every command is measured from the small spawner (bench/spawn.cpp), not from a fork of
    // this process (whose address space the kernel would charge to each tool).
    const char* spawner = std::getenv("RT_BENCH_SPAWN");
    conformance::measure_through(spawner ? spawner : RT_BENCH_SPAWN);
    const char* rt_env = std::getenv("RT");
    std::vector<Tool> tools;
    for (auto [name, path] :
         {std::pair<std::string, std::string>{"rt", rt_env ? rt_env : "build/bin/rt"},
          {"runc", "/usr/sbin/runc"},
          {"crun", "/usr/bin/crun"}}) {
        Tool t{name, nullptr, ""};
        try {
            auto r = std::make_unique<Runtime>(path);
            if (!r->has_verb("run") || !r->has_verb("create") || !r->has_verb("exec")) {
                t.why_not = name + " cannot run containers yet (no run/create/exec command)";
            } else {
                t.runtime = std::move(r);
            }
        } catch (const std::exception& e) {
            t.why_not = e.what();
        }
        if (!t.runtime)
            (void)std::fprintf(stderr, "rt-bench: %s unavailable: %s\n", name.c_str(),
                               t.why_not.c_str());
        tools.push_back(std::move(t));
    }
    const char* br_env = std::getenv("RT_BRIDGE");
    std::vector<CniTool> cni;
    for (auto [name, path] :
         {std::pair<std::string, std::string>{"rt-bridge", br_env ? br_env : "build/bin/rt-bridge"},
          {"bridge (reference)", "/usr/lib/cni/bridge"}}) {
        CniTool t{name, std::make_unique<CniPlugin>(path), ""};
        if (!t.plugin->available() || !t.plugin->supports("1.0.0")) {
            t.why_not = path + " not built or without cniVersion 1.0.0";
            t.plugin.reset();
            (void)std::fprintf(stderr, "rt-bench: %s unavailable: %s\n", name.c_str(),
                               t.why_not.c_str());
        }
        cni.push_back(std::move(t));
    }
    try {
        int rounds = rounds_arg ? rounds_arg : smoke ? 2 : 20;
        bench_floors(rounds);
        bench_runtimes(tools, rounds, smoke ? std::vector<int>{1} : std::vector<int>{1, 100, 500},
                       smoke ? 3 : 100, smoke ? 2 : 10);
        bench_cni(cni,
                  rounds_arg ? rounds_arg
                  : smoke    ? 2
                             : 15,
                  smoke ? std::vector<int>{0, 2} : std::vector<int>{0, 50, 200, 500});
    } catch (const std::exception& e) {
        (void)std::fprintf(stderr, "rt-bench: %s\n", e.what());
        write_report(out, {});
        return 1;
    }
    write_report(out, {});
    std::printf("rt-bench: results in %s\n", out.c_str());
    return 0;
}
