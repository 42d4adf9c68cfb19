// Device rules: the kernel's state model, v1 writes (reset and diff), and the eBPF filter,
// which is run here by a small interpreter of the instructions it uses and compared with
// the state model on every combination of device and access.
#include <linux/bpf.h>

#include <boost/test/unit_test.hpp>
#include <cstring>

#include "cgroup/bpf_device_filter.hpp"
#include "cgroup/controllers.hpp"
#include "cgroup/device_rules.hpp"
#include "fake_tree.hpp"

using namespace rt;
using namespace rt::cgroup;
using namespace cgtest;

namespace {

DeviceRule rule(bool allow, char type, int64_t major, int64_t minor, uint8_t access) {
    DeviceRule r;
    r.allow = allow;
    r.type = type;
    r.major = major;
    r.minor = minor;
    r.access = access;
    return r;
}

// Runs a BPF_PROG_TYPE_CGROUP_DEVICE program on one request. Fails the test on an
// instruction the generator is not expected to emit.
int run_filter(const std::vector<bpf_insn>& prog, uint32_t type, uint32_t access, uint32_t major,
               uint32_t minor) {
    bpf_cgroup_dev_ctx ctx{(access << 16) | type, major, minor};
    uint64_t r[11] = {};
    size_t pc = 0;
    for (int steps = 0; steps < 10000; ++steps) {
        BOOST_TEST_REQUIRE(pc < prog.size());
        const bpf_insn& i = prog[pc++];
        uint8_t cls = BPF_CLASS(i.code);
        if (i.code == (BPF_LDX | BPF_MEM | BPF_W)) {
            BOOST_TEST_REQUIRE(i.src_reg == 1);
            BOOST_TEST_REQUIRE((i.off >= 0 && i.off + 4 <= static_cast<int>(sizeof ctx)));
            uint32_t v;
            std::memcpy(&v, reinterpret_cast<const char*>(&ctx) + i.off, 4);
            r[i.dst_reg] = v;
        } else if (cls == BPF_ALU) {
            BOOST_TEST_REQUIRE(i.off == 0);
            uint32_t src = BPF_SRC(i.code) == BPF_X ? static_cast<uint32_t>(r[i.src_reg])
                                                    : static_cast<uint32_t>(i.imm);
            uint32_t dst = static_cast<uint32_t>(r[i.dst_reg]);
            switch (BPF_OP(i.code)) {
                case BPF_AND:
                    dst &= src;
                    break;
                case BPF_RSH:
                    dst >>= src;
                    break;
                case BPF_MOV:
                    dst = src;
                    break;
                default:
                    BOOST_FAIL("unexpected ALU op");
            }
            r[i.dst_reg] = dst;  // ALU32 zero-extends
        } else if (cls == BPF_JMP32) {
            uint32_t a = static_cast<uint32_t>(r[i.dst_reg]);
            uint32_t b = BPF_SRC(i.code) == BPF_X ? static_cast<uint32_t>(r[i.src_reg])
                                                  : static_cast<uint32_t>(i.imm);
            bool jump = false;
            switch (BPF_OP(i.code)) {
                case BPF_JNE:
                    jump = a != b;
                    break;
                case BPF_JEQ:
                    jump = a == b;
                    break;
                default:
                    BOOST_FAIL("unexpected JMP32 op");
            }
            BOOST_TEST_REQUIRE(i.off >= 0);  // forward only
            if (jump) pc += static_cast<size_t>(i.off);
        } else if (i.code == (BPF_JMP | BPF_EXIT)) {
            return static_cast<int>(r[0]);
        } else {
            BOOST_FAIL("unexpected opcode " << int(i.code));
        }
    }
    BOOST_FAIL("program does not terminate");
    return -1;
}

// Compares the filter with the state model over types, accesses and a set of numbers.
void check_filter_matches_state(const DeviceState& s) {
    auto prog = device_filter_program(s);
    for (char type : {'c', 'b'}) {
        uint32_t bpf_type = type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
        for (uint8_t access = 1; access <= 7; ++access)
            for (uint32_t major : {0u, 1u, 5u, 136u, 254u, 0xfffffff0u})
                for (uint32_t minor : {0u, 3u, 5u, 9u, 0x80000001u}) {
                    bool want = s.permits(type, major, minor, access);
                    int got = run_filter(prog, bpf_type, access, major, minor);
                    BOOST_TEST_REQUIRE(got == (want ? 1 : 0), type << " " << major << ":" << minor
                                                                   << " access " << int(access));
                }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(devices)

BOOST_AUTO_TEST_CASE(state_model_follows_the_kernel) {
    // Default deny, exceptions merge and lose bits.
    DeviceState s =
        DeviceState::from_rules({rule(false, 'a', -1, -1, kAccAll), rule(true, 'c', 1, 3, kAccRead),
                                 rule(true, 'c', 1, 3, kAccWrite), rule(true, 'c', 1, 5, kAccAll),
                                 rule(false, 'c', 1, 5, kAccMknod)});
    BOOST_TEST(!s.default_allow);
    BOOST_REQUIRE_EQUAL(s.exceptions.size(), 2u);
    BOOST_TEST(s.exceptions[0].access == (kAccRead | kAccWrite));
    BOOST_TEST(s.exceptions[1].access == (kAccRead | kAccWrite));
    BOOST_TEST(s.permits('c', 1, 3, kAccRead | kAccWrite));
    BOOST_TEST(!s.permits('c', 1, 3, kAccMknod));
    BOOST_TEST(!s.permits('c', 1, 3, kAccRead | kAccMknod));  // one bit missing: denied
    BOOST_TEST(!s.permits('b', 1, 3, kAccRead));
    BOOST_TEST(!s.permits('c', 1, 4, kAccRead));

    // "a" with any numbers resets everything (the kernel looks at the type only).
    s.apply(rule(true, 'a', 1, 2, kAccRead));
    BOOST_TEST(s.default_allow);
    BOOST_TEST(s.exceptions.empty());

    // Default allow: a deny exception matches any overlap.
    s.apply(rule(false, 'c', 10, -1, kAccWrite));
    BOOST_TEST(!s.permits('c', 10, 7, kAccRead | kAccWrite));
    BOOST_TEST(s.permits('c', 10, 7, kAccRead));
    BOOST_TEST(s.permits('c', 11, 7, kAccWrite));
    // An allow rule under allow-by-default removes deny bits.
    s.apply(rule(true, 'c', 10, -1, kAccWrite));
    BOOST_TEST(s.exceptions.empty());
}

BOOST_AUTO_TEST_CASE(filter_matches_state_model) {
    check_filter_matches_state(DeviceState::from_rules({}));  // allow all
    check_filter_matches_state(DeviceState::from_rules({rule(false, 'a', -1, -1, kAccAll)}));
    std::vector<DeviceRule> runc_like = {rule(false, 'a', -1, -1, kAccAll)};
    for (const auto& r : convert_device_rules(default_allowed_devices(), "x"))
        runc_like.push_back(r);
    runc_like.push_back(rule(true, 'b', 254, 0, kAccRead));
    runc_like.push_back(rule(true, 'c', 0xfffffff0, 0x80000001, kAccAll));
    check_filter_matches_state(DeviceState::from_rules(runc_like));
    check_filter_matches_state(DeviceState::from_rules(
        {rule(false, 'c', 1, -1, kAccWrite), rule(false, 'b', -1, 0, kAccMknod | kAccRead),
         rule(false, 'c', 136, 3, kAccAll)}));
}

BOOST_AUTO_TEST_CASE(convert_rules_validates) {
    oci::DeviceCgroupRule r;
    r.allow = true;
    r.type = "x";
    auto msg = error_of([&] {
        convert_device_rules({oci::DeviceCgroupRule{}, r}, "config.json: /linux/resources/devices");
    });
    BOOST_TEST(
        contains(msg,
                 "config.json: /linux/resources/devices/1/type: must be \"a\", \"c\" or \"b\""),
        msg);
    r.type = "c";
    r.access = "rwx";
    msg = error_of([&] { convert_device_rules({r}, "d"); });
    BOOST_TEST(contains(msg, "d/0/access: must be a combination of r, w and m"), msg);
    r.access = "rw";
    r.major = -2;
    msg = error_of([&] { convert_device_rules({r}, "d"); });
    BOOST_TEST(contains(msg, "d/0/major"), msg);
    r.major = 4;
    auto out = convert_device_rules({r}, "d");
    BOOST_TEST(out[0].to_v1() == "c 4:* rw");
    oci::DeviceCgroupRule all;
    BOOST_TEST(convert_device_rules({all}, "d")[0].to_v1() == "a");
}

BOOST_AUTO_TEST_CASE(container_rules_in_runc_order) {
    oci::Linux linux;
    linux.resources = oci::Resources{};
    oci::DeviceCgroupRule deny;
    deny.access = "rwm";
    linux.resources->devices.push_back(deny);
    oci::Device fuse;
    fuse.type = "c";
    fuse.path = "/dev/fuse";
    fuse.major = 10;
    fuse.minor = 229;
    oci::Device fifo;
    fifo.type = "p";
    fifo.path = "/dev/p";
    linux.devices = {fuse, fifo};
    auto rules = container_device_rules(linux);
    // The config's rules, then runc's defaults; linux.devices entries add no rule (runc 1.1).
    BOOST_REQUIRE_EQUAL(rules.size(), 1 + default_allowed_devices().size());
    BOOST_TEST(!rules.front().allow);
    BOOST_TEST(rules.back().major.value() == 10);
    BOOST_TEST(rules.back().minor.value() == 200);  // /dev/net/tun, the last default
    auto state = DeviceState::from_rules(convert_device_rules(rules, "d"));
    BOOST_TEST(state.permits('c', 1, 3, kAccRead | kAccWrite));  // /dev/null
    BOOST_TEST(state.permits('c', 136, 7, kAccRead));            // /dev/pts/7
    BOOST_TEST(!state.permits('c', 10, 229, kAccRead));          // linux.devices entry alone
    BOOST_TEST(state.permits('b', 8, 0, kAccMknod));             // mknod anything
    BOOST_TEST(!state.permits('b', 8, 0, kAccRead));
}

// A linux.devices entry with a default device's path replaces that default's rule: a
// "/dev/null" with other numbers does not keep 1:3 open.
BOOST_AUTO_TEST_CASE(container_rules_drop_the_default_a_device_replaces) {
    oci::Linux linux;
    linux.resources = oci::Resources{};
    oci::DeviceCgroupRule deny;
    deny.access = "rwm";
    linux.resources->devices.push_back(deny);
    oci::Device null;
    null.type = "c";
    null.path = "/dev/null";
    null.major = 1;
    null.minor = 7;
    linux.devices = {null};
    auto rules = container_device_rules(linux);
    BOOST_TEST(rules.size() == default_allowed_devices().size());  // deny + defaults - null
    auto state = DeviceState::from_rules(convert_device_rules(rules, "d"));
    BOOST_TEST(!state.permits('c', 1, 3, kAccRead));
    BOOST_TEST(state.permits('c', 1, 7, kAccRead));  // /dev/full's own default
}

BOOST_AUTO_TEST_CASE(v1_list_parsing) {
    bool exact = false;
    auto s = DeviceState::from_v1_list("c 1:3 rwm\nc 136:* rw\nb *:* m\n", &exact);
    BOOST_TEST(exact);
    BOOST_TEST(!s.default_allow);
    BOOST_REQUIRE_EQUAL(s.exceptions.size(), 3u);
    BOOST_TEST(s.exceptions[1].to_v1() == "c 136:* rw");
    BOOST_TEST(s.exceptions[2].to_v1() == "b *:* m");
    s = DeviceState::from_v1_list("a *:* rwm\n", &exact);
    BOOST_TEST(s.default_allow);
    BOOST_TEST(!exact);
    s = DeviceState::from_v1_list("", &exact);  // deny all, no exceptions
    BOOST_TEST(!s.default_allow);
    BOOST_TEST(exact);
}

BOOST_AUTO_TEST_CASE(v1_writes_reset_then_diff) {
    TempDir t;
    detail::Target target{t / "devices", false};
    make_cgroup(target.dir, {"devices.allow", "devices.deny"});
    put(target.dir + "/devices.list", "a *:* rwm\n");
    detail::Fields f("config.json: /linux/resources");
    std::vector<DeviceRule> rules = {rule(false, 'a', -1, -1, kAccAll),
                                     rule(true, 'c', 1, 3, kAccAll),
                                     rule(true, 'c', 1, 5, kAccRead)};
    {
        WriteLog log;
        detail::apply_devices_v1(target, rules, f);
        // Allow-all before: reset to deny, then the exceptions.
        BOOST_TEST((log.to("devices.deny") == std::vector<std::string>{"a"}));
        BOOST_TEST((log.to("devices.allow") == std::vector<std::string>{"c 1:3 rwm", "c 1:5 r"}));
    }
    // The kernel now lists the exceptions: an update only writes the difference.
    put(target.dir + "/devices.list", "c 1:3 rwm\nc 1:5 r\n");
    rules = {rule(false, 'a', -1, -1, kAccAll), rule(true, 'c', 1, 3, kAccRead | kAccWrite),
             rule(true, 'c', 1, 5, kAccAll), rule(true, 'c', 1, 9, kAccAll)};
    {
        WriteLog log;
        detail::apply_devices_v1(target, rules, f);
        BOOST_TEST((log.to("devices.deny") == std::vector<std::string>{"c 1:3 m"}));
        BOOST_TEST((log.to("devices.allow") == std::vector<std::string>{"c 1:5 wm", "c 1:9 rwm"}));
    }
    // To allow-by-default: reset with "a" on devices.allow, then the deny exceptions.
    rules = {rule(true, 'a', -1, -1, kAccAll), rule(false, 'b', 8, 0, kAccWrite)};
    {
        WriteLog log;
        detail::apply_devices_v1(target, rules, f);
        BOOST_TEST((log.to("devices.allow") == std::vector<std::string>{"a"}));
        BOOST_TEST((log.to("devices.deny") == std::vector<std::string>{"b 8:0 w"}));
    }
}

// The exceptions go through one open (try_write_values): every value is its own write, a
// plain file keeps the last one, and a missing file names the first value and the path.
BOOST_AUTO_TEST_CASE(write_values_one_open) {
    TempDir t;
    std::string file = t / "devices.allow";
    put(file, "something longer than any rule\n");
    size_t failed = 99;
    {
        WriteLog log;
        BOOST_TEST(rt::cgroup::fs::try_write_values(file, {"c 1:3 rwm", "c 1:5 r"}, &failed) == 0);
        BOOST_TEST((log.to("devices.allow") == std::vector<std::string>{"c 1:3 rwm", "c 1:5 r"}));
    }
    BOOST_TEST(get(file) == "c 1:5 r");
    BOOST_TEST(rt::cgroup::fs::try_write_values(t / "missing", {"a"}, &failed) == ENOENT);
    BOOST_TEST(failed == 0u);
    detail::Target target{t / "none", false};
    detail::Fields f("config.json: /linux/resources");
    try {
        f.write_all(target, "devices.allow", {"c 1:3 rwm"}, "/devices");
        BOOST_FAIL("write_all to a missing file must throw");
    } catch (const rt::Error& e) {
        BOOST_TEST(std::string(e.what()).find("/devices: write \"c 1:3 rwm\" to " + target.dir +
                                              "/devices.allow") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
