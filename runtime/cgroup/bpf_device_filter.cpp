#include "cgroup/bpf_device_filter.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/fd.hpp"
#include "rt/error.hpp"

namespace rt::cgroup {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

// Registers: R1 ctx (then scratch), R2 type, R3 access, R4 major, R5 minor.
constexpr uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

bpf_insn ldx_w(uint8_t dst, uint8_t src, int16_t off) {
    return insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
}
bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm) {
    return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn mov32_reg(uint8_t dst, uint8_t src) {
    return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}
// 32-bit compares (BPF_JMP32) so majors/minors above 2^31 compare as unsigned.
bpf_insn jmp32_imm(uint8_t op, uint8_t dst, int32_t imm, int16_t off) {
    return insn(BPF_JMP32 | op | BPF_K, dst, 0, off, imm);
}
bpf_insn jmp32_reg(uint8_t op, uint8_t dst, uint8_t src, int16_t off) {
    return insn(BPF_JMP32 | op | BPF_X, dst, src, off, 0);
}
bpf_insn exit_insn() {
    return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

long sys_bpf(int cmd, bpf_attr* attr) noexcept {
    return ::syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

// One exception: a run of "if mismatch goto next" tests, then "return verdict".
void append_rule(std::vector<bpf_insn>& out, const DeviceRule& rule) {
    std::vector<bpf_insn> tests;
    // Offsets are filled below once the block length is known.
    tests.push_back(
        jmp32_imm(BPF_JNE, R2, rule.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0));
    if (rule.access != kAccAll) {
        tests.push_back(mov32_reg(R1, R3));
        tests.push_back(alu32_imm(BPF_AND, R1, rule.access));
        if (rule.allow)
            tests.push_back(jmp32_reg(BPF_JNE, R1, R3, 0));  // some requested bit not granted
        else
            tests.push_back(jmp32_imm(BPF_JEQ, R1, 0, 0));  // no requested bit denied
    }
    if (rule.major >= 0)
        tests.push_back(
            jmp32_imm(BPF_JNE, R4, static_cast<int32_t>(static_cast<uint32_t>(rule.major)), 0));
    if (rule.minor >= 0)
        tests.push_back(
            jmp32_imm(BPF_JNE, R5, static_cast<int32_t>(static_cast<uint32_t>(rule.minor)), 0));
    const int16_t block = static_cast<int16_t>(tests.size() + 2);
    for (size_t i = 0; i < tests.size(); ++i) {
        if (BPF_CLASS(tests[i].code) == BPF_JMP32)
            tests[i].off = static_cast<int16_t>(block - static_cast<int16_t>(i) - 1);
    }
    out.insert(out.end(), tests.begin(), tests.end());
    out.push_back(insn(BPF_ALU | BPF_MOV | BPF_K, R0, 0, 0, rule.allow ? 1 : 0));
    out.push_back(exit_insn());
}

std::string verifier_log(const std::vector<bpf_insn>& program) {
    std::string log(size_t{64} * 1024, '\0');
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<uint64_t>(program.data());
    attr.insn_cnt = static_cast<uint32_t>(program.size());
    attr.license = reinterpret_cast<uint64_t>("Apache");
    attr.log_buf = reinterpret_cast<uint64_t>(log.data());
    attr.log_size = static_cast<uint32_t>(log.size());
    attr.log_level = 1;
    long fd = sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0) ::close(static_cast<int>(fd));
    log.resize(std::strlen(log.c_str()));
    // Keep the last non-empty line: the verifier's reason.
    while (!log.empty() && log.back() == '\n') log.pop_back();
    size_t nl = log.find_last_of('\n');
    return nl == std::string::npos ? log : log.substr(nl + 1);
}

}  // namespace

std::vector<bpf_insn> device_filter_program(const DeviceState& state) {
    std::vector<bpf_insn> p;
    p.push_back(ldx_w(R2, R1, offsetof(bpf_cgroup_dev_ctx, access_type)));
    p.push_back(alu32_imm(BPF_AND, R2, 0xffff));  // type: low 16 bits
    p.push_back(ldx_w(R3, R1, offsetof(bpf_cgroup_dev_ctx, access_type)));
    p.push_back(alu32_imm(BPF_RSH, R3, 16));  // access: high 16 bits
    p.push_back(ldx_w(R4, R1, offsetof(bpf_cgroup_dev_ctx, major)));
    p.push_back(ldx_w(R5, R1, offsetof(bpf_cgroup_dev_ctx, minor)));
    for (const auto& e : state.exceptions) append_rule(p, e);
    p.push_back(insn(BPF_ALU | BPF_MOV | BPF_K, R0, 0, 0, state.default_allow ? 1 : 0));
    p.push_back(exit_insn());
    return p;
}

std::vector<uint32_t> attached_device_programs(int cgroup_fd) {
    std::vector<uint32_t> ids(64);
    for (;;) {
        bpf_attr attr{};
        attr.query.target_fd = static_cast<uint32_t>(cgroup_fd);
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = reinterpret_cast<uint64_t>(ids.data());
        attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
        if (sys_bpf(BPF_PROG_QUERY, &attr) == 0) {
            ids.resize(attr.query.prog_cnt);
            return ids;
        }
        if (errno == ENOSPC && ids.size() < 4096) {
            ids.resize(ids.size() * 4);
            continue;
        }
        throw Error("bpf: query device programs of the cgroup", errno);
    }
}

void attach_device_filter(int cgroup_fd, const std::vector<bpf_insn>& program) {
    auto old = attached_device_programs(cgroup_fd);

    bpf_attr load{};
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = reinterpret_cast<uint64_t>(program.data());
    load.insn_cnt = static_cast<uint32_t>(program.size());
    load.license = reinterpret_cast<uint64_t>("Apache");
    std::memcpy(load.prog_name, "rt_devices", sizeof("rt_devices"));
    base::UniqueFd prog(static_cast<int>(sys_bpf(BPF_PROG_LOAD, &load)));
    if (!prog) {
        int err = errno;
        std::string why = err == EACCES || err == EINVAL ? verifier_log(program) : std::string();
        throw Error("bpf: load the device filter" + (why.empty() ? "" : " (" + why + ")"), err);
    }

    bpf_attr attach{};
    attach.target_fd = static_cast<uint32_t>(cgroup_fd);
    attach.attach_bpf_fd = static_cast<uint32_t>(prog.get());
    attach.attach_type = BPF_CGROUP_DEVICE;
    attach.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &attach) != 0)
        throw Error("bpf: attach the device filter to the cgroup", errno);

    for (uint32_t id : old) {
        bpf_attr get{};
        get.prog_id = id;
        base::UniqueFd old_fd(static_cast<int>(sys_bpf(BPF_PROG_GET_FD_BY_ID, &get)));
        if (!old_fd) {
            if (errno == ENOENT) continue;  // detached meanwhile
            throw Error("bpf: open device program " + std::to_string(id), errno);
        }
        bpf_attr detach{};
        detach.target_fd = static_cast<uint32_t>(cgroup_fd);
        detach.attach_bpf_fd = static_cast<uint32_t>(old_fd.get());
        detach.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, &detach) != 0 && errno != ENOENT)
            throw Error("bpf: detach the previous device filter " + std::to_string(id), errno);
    }
}

}  // namespace rt::cgroup
