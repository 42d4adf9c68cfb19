// The systemd driver's unit names and unit properties (what rt-systemd is asked to set).
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "cgroup/path.hpp"
#include "cgroup/systemd.hpp"

using namespace rt::cgroup;

namespace {

bool has(const std::vector<std::string>& props, const std::string& p) {
    return std::find(props.begin(), props.end(), p) != props.end();
}

std::string dump(const std::vector<std::string>& props) {
    std::string out;
    for (const auto& p : props) out += p + " ";
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(systemd_unit)

BOOST_AUTO_TEST_CASE(unit_names_as_runc) {
    auto u = resolve_systemd_unit(std::string("system.slice:docker:abc"), "id");
    BOOST_TEST(u.slice == "system.slice");
    BOOST_TEST(u.name == "docker-abc.scope");
    u = resolve_systemd_unit(std::nullopt, "c1");
    BOOST_TEST(u.slice == "system.slice");
    BOOST_TEST(u.name == "rt-c1.scope");
    u = resolve_systemd_unit(std::string(":rt:x"), "id");
    BOOST_TEST(u.slice == "system.slice");
    u = resolve_systemd_unit(std::string("kubepods.slice::kubepods-besteffort-pod1.slice"), "id");
    BOOST_TEST(u.name == "kubepods-besteffort-pod1.slice");  // a slice unit, not a scope
    u = resolve_systemd_unit(std::string("a.slice::n"), "id");
    BOOST_TEST(u.name == "n.scope");
}

BOOST_AUTO_TEST_CASE(v2_resources_become_v2_properties) {
    rt::oci::Resources r;
    r.memory = rt::oci::MemoryResources{};
    r.memory->limit = 64 << 20;
    r.memory->reservation = 32 << 20;
    r.memory->swap = 128 << 20;
    r.cpu = rt::oci::CpuResources{};
    r.cpu->shares = 1024;
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    r.cpu->cpus = "0-2,9";
    r.cpu->mems = "0";
    r.pids = rt::oci::PidsResources{100};
    r.blockIO = rt::oci::BlockIoResources{};
    r.blockIO->weight = 500;
    auto p = systemd::unit_properties(r, true);
    BOOST_TEST(has(p, "MemoryMax=t:67108864"), dump(p));
    BOOST_TEST(has(p, "MemoryLow=t:33554432"), dump(p));
    BOOST_TEST(has(p, "MemorySwapMax=t:67108864"), dump(p));  // swap is memory+swap in OCI
    BOOST_TEST(has(p, "CPUWeight=t:39"), dump(p));
    BOOST_TEST(has(p, "CPUQuotaPerSecUSec=t:500000"), dump(p));
    BOOST_TEST(has(p, "CPUQuotaPeriodUSec=t:100000"), dump(p));
    BOOST_TEST(has(p, "AllowedCPUs=ay:0702"), dump(p));  // bits 0,1,2 and 9
    BOOST_TEST(has(p, "AllowedMemoryNodes=ay:01"), dump(p));
    BOOST_TEST(has(p, "TasksMax=t:100"), dump(p));
    BOOST_TEST(has(p, "IOWeight=t:4950"), dump(p));
}

BOOST_AUTO_TEST_CASE(v1_names_and_limits) {
    rt::oci::Resources r;
    r.memory = rt::oci::MemoryResources{};
    r.memory->limit = -1;
    r.cpu = rt::oci::CpuResources{};
    r.cpu->shares = 512;
    r.cpu->quota = 12345;  // 123450 us per second, rounded up to systemd's 10 ms steps
    r.cpu->cpus = "1";
    r.pids = rt::oci::PidsResources{-1};
    auto p = systemd::unit_properties(r, false);
    BOOST_TEST(has(p, "MemoryMax=t:18446744073709551615"), dump(p));
    BOOST_TEST(has(p, "CPUShares=t:512"), dump(p));
    BOOST_TEST(has(p, "CPUQuotaPerSecUSec=t:130000"), dump(p));
    BOOST_TEST(has(p, "TasksMax=t:18446744073709551615"), dump(p));
    for (const auto& prop : p) BOOST_TEST(prop.rfind("AllowedCPUs", 0) != 0, prop);  // v2 only
    // a pids limit of 0 is written to pids.max once the init is inside, not as TasksMax
    r = {};
    r.pids = rt::oci::PidsResources{0};
    BOOST_TEST(systemd::unit_properties(r, true).empty());
}

BOOST_AUTO_TEST_CASE(device_rules_become_an_allow_list) {
    rt::oci::Resources r;
    r.devices.push_back({false, std::string("a"), std::nullopt, std::nullopt, std::string("rwm")});
    r.devices.push_back({true, std::string("c"), 1, 3, std::string("rwm")});
    r.devices.push_back({true, std::string("c"), 136, std::nullopt, std::string("rw")});
    r.devices.push_back({true, std::string("b"), std::nullopt, std::nullopt, std::string("m")});
    auto p = systemd::unit_properties(r, true);
    BOOST_TEST(has(p, "DevicePolicy=s:strict"), dump(p));
    bool found = false;
    for (const auto& prop : p) {
        if (prop.rfind("DeviceAllow=a(ss):", 0) != 0) continue;
        found = true;
        BOOST_TEST(prop.find("/dev/char/1:3,rwm") != std::string::npos, prop);
        // 136 is "pts" in /proc/devices; an unknown major would be char-*
        BOOST_TEST((prop.find("char-pts,rw") != std::string::npos ||
                    prop.find("char-*,rw") != std::string::npos),
                   prop);
        BOOST_TEST(prop.find("block-*,m") != std::string::npos, prop);
    }
    BOOST_TEST(found, dump(p));
    // allowing everything: no device program from systemd
    r.devices = {{true, std::string("a"), std::nullopt, std::nullopt, std::string("rwm")}};
    p = systemd::unit_properties(r, true);
    BOOST_TEST(has(p, "DevicePolicy=s:auto"), dump(p));
}

BOOST_AUTO_TEST_SUITE_END()
