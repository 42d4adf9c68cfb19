// A classic-BPF interpreter for seccomp programs, so unit tests can check what a compiled
// filter returns for a syscall without loading it into the kernel.
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace rt::test {

inline seccomp_data syscall_data(int nr, std::vector<uint64_t> args = {},
                                 uint32_t arch = AUDIT_ARCH_X86_64) {
    seccomp_data data{};
    data.nr = nr;
    data.arch = arch;
    for (size_t i = 0; i < args.size() && i < 6; ++i) data.args[i] = args[i];
    return data;
}

// Runs the program over `data` and returns the filter's verdict (SECCOMP_RET_*).
inline uint32_t run_bpf(const std::vector<sock_filter>& program, const seccomp_data& data) {
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
    unsigned char bytes[sizeof data];
    std::memcpy(bytes, &data, sizeof data);
    for (size_t pc = 0; pc < program.size(); ++pc) {
        const sock_filter& ins = program[pc];
        const uint32_t src = BPF_SRC(ins.code) == BPF_X ? x : ins.k;
        switch (BPF_CLASS(ins.code)) {
            case BPF_LD:
                if (BPF_MODE(ins.code) == BPF_ABS && BPF_SIZE(ins.code) == BPF_W) {
                    if (ins.k + 4 > sizeof data) throw std::runtime_error("bpf: load out of range");
                    std::memcpy(&a, bytes + ins.k, 4);
                } else if (BPF_MODE(ins.code) == BPF_IMM) {
                    a = ins.k;
                } else if (BPF_MODE(ins.code) == BPF_MEM) {
                    a = mem[ins.k % BPF_MEMWORDS];
                } else {
                    throw std::runtime_error("bpf: unsupported load");
                }
                break;
            case BPF_LDX:
                if (BPF_MODE(ins.code) == BPF_IMM)
                    x = ins.k;
                else if (BPF_MODE(ins.code) == BPF_MEM)
                    x = mem[ins.k % BPF_MEMWORDS];
                else
                    throw std::runtime_error("bpf: unsupported ldx");
                break;
            case BPF_ST:
                mem[ins.k % BPF_MEMWORDS] = a;
                break;
            case BPF_STX:
                mem[ins.k % BPF_MEMWORDS] = x;
                break;
            case BPF_ALU:
                switch (BPF_OP(ins.code)) {
                    case BPF_ADD:
                        a += src;
                        break;
                    case BPF_SUB:
                        a -= src;
                        break;
                    case BPF_MUL:
                        a *= src;
                        break;
                    case BPF_DIV:
                        a = src ? a / src : 0;
                        break;
                    case BPF_OR:
                        a |= src;
                        break;
                    case BPF_AND:
                        a &= src;
                        break;
                    case BPF_LSH:
                        a <<= src;
                        break;
                    case BPF_RSH:
                        a >>= src;
                        break;
                    case BPF_NEG:
                        a = -a;
                        break;
                    case BPF_XOR:
                        a ^= src;
                        break;
                    default:
                        throw std::runtime_error("bpf: unsupported alu");
                }
                break;
            case BPF_JMP: {
                if (BPF_OP(ins.code) == BPF_JA) {
                    pc += ins.k;
                    break;
                }
                bool taken = false;
                switch (BPF_OP(ins.code)) {
                    case BPF_JEQ:
                        taken = a == src;
                        break;
                    case BPF_JGT:
                        taken = a > src;
                        break;
                    case BPF_JGE:
                        taken = a >= src;
                        break;
                    case BPF_JSET:
                        taken = (a & src) != 0;
                        break;
                    default:
                        throw std::runtime_error("bpf: unsupported jump");
                }
                pc += taken ? ins.jt : ins.jf;
                break;
            }
            case BPF_RET:
                return BPF_RVAL(ins.code) == BPF_A ? a : ins.k;
            case BPF_MISC:
                if (BPF_MISCOP(ins.code) == BPF_TAX)
                    x = a;
                else
                    a = x;
                break;
            default:
                throw std::runtime_error("bpf: unsupported class");
        }
    }
    throw std::runtime_error("bpf: fell off the end of the program");
}

}  // namespace rt::test
