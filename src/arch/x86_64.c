/*
** arch/x86_64.c -- the x86-64 decoder behind disasm.h (see arch/arch.h).
**
** Contract: decodes x86-64 machine code into da_insn as disasm.h
** describes.  Capstone does the decoding; this file only folds its
** detailed operands into da_insn.  The mapping is deliberately narrow: an
** instruction whose effect we do not model precisely is DA_OP_OTHER and
** only says which registers it writes, so a misclassification can make
** the analysis know less, never something false.  Partial-register
** writes (8 and 16 bits) keep the upper bits of the old value on x86, so
** they are never a known value; 32-bit writes zero the upper half, which
** the site analysis accounts for when it folds constants.  The most
** common forms are decoded here without capstone (fast_x86, on unless
** da_set_fast turns it off); tests/disasm_check holds the two decodings
** to each other.
*/
#include "arch/arch.h"

#include <stdlib.h>
#include <string.h>
#include "arch/cs.h"

#ifndef EM_X86_64
#define EM_X86_64 62
#endif

typedef arch_cs x86_ctx;

/* x86-64 SysV: rdi rsi rdx rcx r8 r9; Go's register ABI: rax rbx rcx rdi
** rsi r8 r9 r10 r11.  Caller-saved: rax rcx rdx rsi rdi r8-r11. */
static const da_arch arch_x86_64 = {
    "x86_64", 7, 6, 0,
    6, { 5, 4, 1, 2, 8, 9, 0, 0 },
    9, { 0, 3, 2, 5, 4, 8, 9, 10, 11 },
    (1u << 0) | (1u << 1) | (1u << 2) | (1u << 4) | (1u << 5) |
    (1u << 8) | (1u << 9) | (1u << 10) | (1u << 11),
    (1u << 7) | (1u << 6) | (1u << 14) | (1u << 15),    /* rsp rbp, r14 (g), r15 */
    8, 1,                                               /* R_X86_64_RELATIVE, R_X86_64_64 */
    -8, -16,
};

static void build_regmap(arch_cs *c)
{
    /* DWARF x86-64 numbering: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 */
    static const x86_reg r64[8] = { X86_REG_RAX, X86_REG_RDX, X86_REG_RCX, X86_REG_RBX,
                                    X86_REG_RSI, X86_REG_RDI, X86_REG_RBP, X86_REG_RSP };
    static const x86_reg r32[8] = { X86_REG_EAX, X86_REG_EDX, X86_REG_ECX, X86_REG_EBX,
                                    X86_REG_ESI, X86_REG_EDI, X86_REG_EBP, X86_REG_ESP };
    static const x86_reg r16[8] = { X86_REG_AX, X86_REG_DX, X86_REG_CX, X86_REG_BX,
                                    X86_REG_SI, X86_REG_DI, X86_REG_BP, X86_REG_SP };
    static const x86_reg r8l[8] = { X86_REG_AL, X86_REG_DL, X86_REG_CL, X86_REG_BL,
                                    X86_REG_SIL, X86_REG_DIL, X86_REG_BPL, X86_REG_SPL };
    for (int i = 0; i < 8; i++) {
        arch_cs_map(c, r64[i], (uint8_t)i, 8);
        arch_cs_map(c, r32[i], (uint8_t)i, 4);
        arch_cs_map(c, r16[i], (uint8_t)i, 2);
        arch_cs_map(c, r8l[i], (uint8_t)i, 1);
    }
    arch_cs_map(c, X86_REG_AH, 0, 1);
    arch_cs_map(c, X86_REG_DH, 1, 1);
    arch_cs_map(c, X86_REG_CH, 2, 1);
    arch_cs_map(c, X86_REG_BH, 3, 1);
    static const x86_reg x64[8] = { X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
                                    X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15 };
    static const x86_reg x32[8] = { X86_REG_R8D, X86_REG_R9D, X86_REG_R10D, X86_REG_R11D,
                                    X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D };
    static const x86_reg x16[8] = { X86_REG_R8W, X86_REG_R9W, X86_REG_R10W, X86_REG_R11W,
                                    X86_REG_R12W, X86_REG_R13W, X86_REG_R14W, X86_REG_R15W };
    static const x86_reg x8[8] = { X86_REG_R8B, X86_REG_R9B, X86_REG_R10B, X86_REG_R11B,
                                   X86_REG_R12B, X86_REG_R13B, X86_REG_R14B, X86_REG_R15B };
    for (int i = 0; i < 8; i++) {
        arch_cs_map(c, x64[i], (uint8_t)(8 + i), 8);
        arch_cs_map(c, x32[i], (uint8_t)(8 + i), 4);
        arch_cs_map(c, x16[i], (uint8_t)(8 + i), 2);
        arch_cs_map(c, x8[i], (uint8_t)(8 + i), 1);
    }
    arch_cs_map(c, X86_REG_RIP, DA_PC, 8);
}


static void *x86_open(const da_arch *arch, hp_err *err)
{
    return arch_cs_new(CS_ARCH_X86, CS_MODE_64, "x86-64", arch, build_regmap, err);
}

static uint8_t reg(const x86_ctx *c, x86_reg r) { return arch_cs_reg(c, (unsigned)r); }
static uint8_t rwidth(const x86_ctx *c, x86_reg r) { return arch_cs_width(c, (unsigned)r); }

static void wmark(const x86_ctx *c, da_insn *d, x86_reg r)
{
    uint8_t n = reg(c, r);
    if (n < DA_NREGS)
        d->wmask |= 1u << n;
}

/* Fill base/index/scale/disp/target of a memory operand.  Returns 0 when
** the operand uses a segment override (fs:/gs: thread data) or registers
** we do not track, so callers fall back to DA_OP_OTHER. */
static int memop(const x86_ctx *c, const cs_insn *in, const cs_x86_op *op, da_insn *d)
{
    if (op->mem.segment != X86_REG_INVALID)
        return 0;
    d->base = op->mem.base == X86_REG_INVALID ? DA_NOREG : reg(c, op->mem.base);
    d->index = op->mem.index == X86_REG_INVALID ? DA_NOREG : reg(c, op->mem.index);
    if ((op->mem.base != X86_REG_INVALID && d->base == DA_NOREG) ||
        (op->mem.index != X86_REG_INVALID && d->index == DA_NOREG))
        return 0;
    d->scale = (uint8_t)(op->mem.scale > 0 && op->mem.scale <= 8 ? op->mem.scale : 1);
    d->disp = op->mem.disp;
    if (d->base == DA_PC)
        d->target = in->address + in->size + (uint64_t)op->mem.disp;
    else if (d->base == DA_NOREG && d->index == DA_NOREG)
        d->target = (uint64_t)op->mem.disp;     /* absolute address */
    d->width = op->size;
    return 1;
}

static int is_cmov(unsigned id)
{
    switch (id) {
    case X86_INS_CMOVA: case X86_INS_CMOVAE: case X86_INS_CMOVB: case X86_INS_CMOVBE:
    case X86_INS_CMOVE: case X86_INS_CMOVG: case X86_INS_CMOVGE: case X86_INS_CMOVL:
    case X86_INS_CMOVLE: case X86_INS_CMOVNE: case X86_INS_CMOVNO: case X86_INS_CMOVNP:
    case X86_INS_CMOVNS: case X86_INS_CMOVO: case X86_INS_CMOVP: case X86_INS_CMOVS:
        return 1;
    default:
        return 0;
    }
}

/* Registers written by anything we do not model: explicit operands with
** write access (or unknown access, to stay safe) and implicit writes. */
static void generic_writes(const x86_ctx *c, const cs_insn *in, da_insn *d)
{
    const cs_detail *det = in->detail;
    const cs_x86 *x = &det->x86;
    for (int i = 0; i < x->op_count; i++) {
        const cs_x86_op *op = &x->operands[i];
        if (op->type == X86_OP_REG && (op->access & CS_AC_WRITE || op->access == 0))
            wmark(c, d, op->reg);
        else if (op->type == X86_OP_MEM && (op->access & CS_AC_WRITE) && d->op == DA_OP_OTHER) {
            da_insn tmp = *d;
            if (memop(c, in, op, &tmp)) {
                tmp.op = DA_OP_STORE_OTHER;
                *d = tmp;
            }
        }
    }
    for (int i = 0; i < det->regs_write_count; i++)
        wmark(c, d, det->regs_write[i]);
}

static void branch(const x86_ctx *c, const cs_insn *in, da_insn *d, da_kind direct, da_kind ind)
{
    const cs_x86 *x = &in->detail->x86;
    if (x->op_count < 1) {
        d->kind = (uint8_t)ind;
        return;
    }
    const cs_x86_op *op = &x->operands[0];
    if (op->type == X86_OP_IMM) {
        d->kind = (uint8_t)direct;
        d->target = (uint64_t)op->imm;
    } else if (op->type == X86_OP_REG) {
        d->kind = (uint8_t)ind;
        d->src = reg(c, op->reg);
    } else {
        d->kind = (uint8_t)ind;
        d->mem_ind = 1;
        if (!memop(c, in, op, d)) {
            d->base = d->index = DA_NOREG;
            d->target = 0;
        }
    }
}

static void classify(const x86_ctx *c, const cs_insn *in, da_insn *d)
{
    const cs_detail *det = in->detail;
    const cs_x86 *x = &det->x86;
    const cs_x86_op *o0 = x->op_count > 0 ? &x->operands[0] : NULL;
    const cs_x86_op *o1 = x->op_count > 1 ? &x->operands[1] : NULL;
    unsigned id = in->id;

    switch (id) {
    case X86_INS_CALL:
        branch(c, in, d, DA_KIND_CALL, DA_KIND_ICALL);
        d->wmask |= c->arch->caller_saved;
        return;
    case X86_INS_JMP:
        branch(c, in, d, DA_KIND_JMP, DA_KIND_IJMP);
        return;
    case X86_INS_RET: case X86_INS_RETF: case X86_INS_RETFQ: case X86_INS_IRET:
    case X86_INS_IRETD: case X86_INS_IRETQ:
        d->kind = DA_KIND_RET;
        return;
    case X86_INS_UD2: case X86_INS_UD2B: case X86_INS_HLT: case X86_INS_INT3:
        d->kind = DA_KIND_HALT;
        return;
    default:
        break;
    }
    for (int g = 0; g < det->groups_count; g++) {
        if (det->groups[g] == X86_GRP_JUMP) {
            /* every other jump is conditional (jcc, jrcxz, loop) */
            if (o0 && o0->type == X86_OP_IMM) {
                d->kind = DA_KIND_JCC;
                d->target = (uint64_t)o0->imm;
                d->cc = id == X86_INS_JE ? DA_CC_Z : id == X86_INS_JNE ? DA_CC_NZ : DA_CC_OTHER;
            } else {
                d->kind = DA_KIND_IJMP;
            }
            generic_writes(c, in, d);   /* loop decrements rcx */
            return;
        }
    }

    d->dst = d->src = d->base = d->index = DA_NOREG;
    switch (id) {
    case X86_INS_MOV:
    case X86_INS_MOVABS:
        if (!o0 || !o1)
            break;
        if (o0->type == X86_OP_REG) {
            uint8_t r = reg(c, o0->reg), w = rwidth(c, o0->reg);
            if (r >= DA_NREGS)
                break;
            d->dst = r;
            d->wmask = 1u << r;
            d->width = w;
            if (w < 4) {
                d->op = DA_OP_OTHER;            /* partial write: value unknown */
                return;
            }
            if (o1->type == X86_OP_IMM) {
                d->op = DA_OP_MOV_IMM;
                d->imm = w == 4 ? (int64_t)(uint32_t)o1->imm : o1->imm;
                return;
            }
            if (o1->type == X86_OP_REG) {
                uint8_t s = reg(c, o1->reg);
                if (s < DA_NREGS) {
                    d->op = DA_OP_MOV_REG;
                    d->src = s;
                }
                return;
            }
            if (o1->type == X86_OP_MEM && memop(c, in, o1, d)) {
                d->op = DA_OP_LOAD;
                d->width = w;
                return;
            }
            d->base = d->index = DA_NOREG;
            d->target = 0;
            return;
        }
        if (o0->type == X86_OP_MEM) {
            if (!memop(c, in, o0, d))
                return;
            if (o1->type == X86_OP_REG) {
                d->src = reg(c, o1->reg);
                d->op = d->src < DA_NREGS ? DA_OP_STORE_REG : DA_OP_STORE_OTHER;
            } else if (o1->type == X86_OP_IMM) {
                d->op = DA_OP_STORE_IMM;
                d->imm = o1->imm;
            } else {
                d->op = DA_OP_STORE_OTHER;
            }
            return;
        }
        break;

    case X86_INS_MOVZX: case X86_INS_MOVSX: case X86_INS_MOVSXD:
        if (!o0 || !o1 || o0->type != X86_OP_REG)
            break;
        {
            uint8_t r = reg(c, o0->reg);
            if (r >= DA_NREGS)
                break;
            d->dst = r;
            d->wmask = 1u << r;
            if (rwidth(c, o0->reg) < 4)
                return;
            if (o1->type == X86_OP_REG && reg(c, o1->reg) < DA_NREGS) {
                d->op = DA_OP_EXT_REG;
                d->src = reg(c, o1->reg);
                d->width = rwidth(c, o1->reg);
                d->imm = id != X86_INS_MOVZX;   /* sign extension */
            } else if (o1->type == X86_OP_MEM && memop(c, in, o1, d)) {
                d->op = DA_OP_LOAD;
            }
            return;
        }

    case X86_INS_LEA:
        if (!o0 || !o1 || o0->type != X86_OP_REG || o1->type != X86_OP_MEM)
            break;
        {
            uint8_t r = reg(c, o0->reg);
            if (r >= DA_NREGS)
                break;
            d->dst = r;
            d->wmask = 1u << r;
            d->width = rwidth(c, o0->reg);
            if (d->width >= 4 && memop(c, in, o1, d)) {
                d->op = DA_OP_LEA;
                d->width = rwidth(c, o0->reg);
            }
            return;
        }

    case X86_INS_XOR: case X86_INS_SUB:
        if (o0 && o1 && o0->type == X86_OP_REG && o1->type == X86_OP_REG &&
            o0->reg == o1->reg && rwidth(c, o0->reg) >= 4 && reg(c, o0->reg) < DA_NREGS) {
            d->op = DA_OP_ZERO;
            d->dst = reg(c, o0->reg);
            d->wmask = 1u << d->dst;
            return;
        }
        if (id == X86_INS_SUB && o0 && o1 && o0->type == X86_OP_REG && o1->type == X86_OP_IMM
            && rwidth(c, o0->reg) >= 4 && reg(c, o0->reg) < DA_NREGS) {
            d->op = DA_OP_ADD_IMM;
            d->dst = reg(c, o0->reg);
            d->wmask = 1u << d->dst;
            d->imm = -o1->imm;
            d->width = rwidth(c, o0->reg);
            return;
        }
        break;

    case X86_INS_ADD:
        if (o0 && o1 && o0->type == X86_OP_REG && o1->type == X86_OP_IMM &&
            rwidth(c, o0->reg) >= 4 && reg(c, o0->reg) < DA_NREGS) {
            d->op = DA_OP_ADD_IMM;
            d->dst = reg(c, o0->reg);
            d->wmask = 1u << d->dst;
            d->imm = o1->imm;
            d->width = rwidth(c, o0->reg);
            return;
        }
        if (o0 && o1 && o0->type == X86_OP_REG && o1->type == X86_OP_REG &&
            rwidth(c, o0->reg) >= 4 && reg(c, o0->reg) < DA_NREGS &&
            reg(c, o1->reg) < DA_NREGS) {
            d->op = DA_OP_ADD_REG;
            d->dst = reg(c, o0->reg);
            d->src = reg(c, o1->reg);
            d->wmask = 1u << d->dst;
            d->width = rwidth(c, o0->reg);
            return;
        }
        break;

    case X86_INS_SHL: case X86_INS_SAL:
        if (o0 && o1 && o0->type == X86_OP_REG && o1->type == X86_OP_IMM &&
            rwidth(c, o0->reg) >= 4 && reg(c, o0->reg) < DA_NREGS) {
            d->op = DA_OP_SHL_IMM;
            d->dst = reg(c, o0->reg);
            d->wmask = 1u << d->dst;
            d->imm = o1->imm & 63;
            d->width = rwidth(c, o0->reg);
            return;
        }
        break;

    case X86_INS_IMUL:
        if (x->op_count == 3 && o0->type == X86_OP_REG && o1->type == X86_OP_REG &&
            x->operands[2].type == X86_OP_IMM && rwidth(c, o0->reg) >= 4 &&
            reg(c, o0->reg) < DA_NREGS && reg(c, o1->reg) < DA_NREGS) {
            d->op = DA_OP_MUL_IMM;
            d->dst = reg(c, o0->reg);
            d->src = reg(c, o1->reg);
            d->imm = x->operands[2].imm;
            d->wmask = 1u << d->dst;
            d->width = rwidth(c, o0->reg);
            return;
        }
        if (x->op_count == 3 && o0->type == X86_OP_REG && o1->type == X86_OP_MEM &&
            x->operands[2].type == X86_OP_IMM && rwidth(c, o0->reg) >= 4 &&
            reg(c, o0->reg) < DA_NREGS && memop(c, in, o1, d)) {
            d->op = DA_OP_MUL_IMM;          /* dst = [mem] * imm */
            d->dst = reg(c, o0->reg);
            d->src = DA_NOREG;
            d->imm = x->operands[2].imm;
            d->wmask = 1u << d->dst;
            d->width = rwidth(c, o0->reg);
            return;
        }
        if (x->op_count == 2 && o0->type == X86_OP_REG && o1->type == X86_OP_REG &&
            rwidth(c, o0->reg) >= 4 && reg(c, o0->reg) < DA_NREGS && reg(c, o1->reg) < DA_NREGS) {
            d->op = DA_OP_MUL_REG;
            d->dst = reg(c, o0->reg);
            d->src = reg(c, o1->reg);
            d->wmask = 1u << d->dst;
            d->width = rwidth(c, o0->reg);
            return;
        }
        /* FALLTHROUGH */
    case X86_INS_MUL:   /* and IMUL's one-operand form: rdx:rax = rax * src */
        if (x->op_count == 1 && o0->type == X86_OP_REG && rwidth(c, o0->reg) >= 4 &&
            reg(c, o0->reg) < DA_NREGS) {
            d->op = DA_OP_MUL_REG;
            d->dst = 0;
            d->src = reg(c, o0->reg);
            d->wmask = 1u << 0 | 1u << 1;
            d->width = rwidth(c, o0->reg);
            return;
        }
        break;

    case X86_INS_PUSH:
        d->op = DA_OP_PUSH;
        d->wmask = 1u << c->arch->sp;
        d->width = 8;
        if (o0 && o0->type == X86_OP_REG && rwidth(c, o0->reg) == 8)
            d->src = reg(c, o0->reg);
        return;

    case X86_INS_POP:
        if (o0 && o0->type == X86_OP_REG && rwidth(c, o0->reg) == 8 &&
            reg(c, o0->reg) < DA_NREGS) {
            d->op = DA_OP_POP;
            d->dst = reg(c, o0->reg);
            d->wmask = 1u << d->dst | 1u << c->arch->sp;
            d->width = 8;
            return;
        }
        break;

    case X86_INS_TEST:
        /* test r,r: what a null check branches on */
        if (o0 && o1 && o0->type == X86_OP_REG && o1->type == X86_OP_REG &&
            o0->reg == o1->reg && rwidth(c, o0->reg) >= 4 && reg(c, o0->reg) < DA_NREGS) {
            d->op = DA_OP_TEST;
            d->src = reg(c, o0->reg);
            d->width = rwidth(c, o0->reg);
            return;
        }
        break;

    case X86_INS_AND:
        if (o0 && o1 && o0->type == X86_OP_REG && o1->type == X86_OP_IMM &&
            reg(c, o0->reg) == c->arch->sp) {
            d->op = DA_OP_ALIGN_SP;
            d->dst = c->arch->sp;
            d->wmask = 1u << d->dst;
            d->imm = o1->imm;
            return;
        }
        if (o0 && o1 && o0->type == X86_OP_REG && o1->type == X86_OP_IMM &&
            rwidth(c, o0->reg) >= 4 && reg(c, o0->reg) < DA_NREGS) {
            d->op = DA_OP_AND_IMM;
            d->dst = reg(c, o0->reg);
            d->wmask = 1u << d->dst;
            d->width = rwidth(c, o0->reg);
            /* a 32-bit mask sign-extended, whichever way capstone gives it */
            d->imm = d->width == 4 ? (int64_t)(int32_t)o1->imm : o1->imm;
            return;
        }
        break;

    default:
        if (is_cmov(id) && o0 && o1 && o0->type == X86_OP_REG && o1->type == X86_OP_REG &&
            rwidth(c, o0->reg) >= 4 && reg(c, o0->reg) < DA_NREGS && reg(c, o1->reg) < DA_NREGS) {
            d->op = DA_OP_CMOV;
            d->dst = reg(c, o0->reg);
            d->src = reg(c, o1->reg);
            d->wmask = 1u << d->dst;
            d->width = rwidth(c, o0->reg);
            return;
        }
        break;
    }
    d->op = DA_OP_OTHER;
    d->dst = d->src = d->base = d->index = DA_NOREG;
    d->target = 0;
    generic_writes(c, in, d);
}


/* ---- the common forms without capstone ----
**
** Nine instructions in ten of compiled x86-64 are a handful of forms:
** mov, lea, push/pop, call/jmp/jcc/ret (direct and indirect), test/cmp,
** the ALU group with an immediate (83/81, also on memory), shifts by an
** immediate, movzx/movsx/movsxd, nops, xor-zeroing.  Capstone spends some
** 3000 instructions on each (decoding, printing its text, filling
** detail); these forms are decoded here in a few dozen, into exactly the
** da_insn classify() would make of capstone's answer, quirks included
** (test al/eax,imm "writes" rax, test m8,imm writes memory, rotates of
** memory do not) -- tests/disasm_check compares the two on every
** instruction of real binaries and on random bytes.  Anything else (any
** prefix but one REX, 16-bit operands, other opcodes) returns 0 and goes
** to capstone. */

/* x86 register code (with REX extension) -> DWARF number */
static const uint8_t x86_dwarf[16] = { 0, 2, 1, 3, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15 };

typedef struct fmodrm {
    uint8_t mod, reg, rm;       /* reg and rm with their REX bits */
    uint8_t len;                /* bytes of ModRM, SIB and displacement */
    uint8_t base, index, scale; /* memory operand (mod != 3), DWARF numbers */
    int64_t disp;
} fmodrm;

/* ModRM at p (rex: the REX byte or 0); 0 when the bytes run out. */
static int f_modrm(const uint8_t *p, size_t left, unsigned rex, fmodrm *m)
{
    if (left < 1)
        return 0;
    unsigned b = p[0];
    m->mod = (uint8_t)(b >> 6);
    m->reg = (uint8_t)(((b >> 3) & 7) | (rex & 4 ? 8 : 0));
    unsigned rm = b & 7;
    m->rm = (uint8_t)(rm | (rex & 1 ? 8 : 0));
    m->len = 1;
    m->base = m->index = DA_NOREG;
    m->scale = 1;
    m->disp = 0;
    if (m->mod == 3)
        return 1;
    unsigned dispsz = m->mod == 1 ? 1 : m->mod == 2 ? 4 : 0;
    if (rm == 4) {
        if (left < 2)
            return 0;
        unsigned sib = p[1];
        m->len = 2;
        unsigned idx = ((sib >> 3) & 7) | (rex & 2 ? 8 : 0);
        if (idx != 4)
            m->index = x86_dwarf[idx];
        m->scale = (uint8_t)(1u << (sib >> 6));     /* capstone keeps it without an index */
        unsigned base = sib & 7;
        if (base == 5 && m->mod == 0)
            dispsz = 4;                             /* no base, disp32 */
        else
            m->base = x86_dwarf[base | (rex & 1 ? 8 : 0)];
    } else if (rm == 5 && m->mod == 0) {
        m->base = DA_PC;                            /* rip + disp32 */
        dispsz = 4;
    } else {
        m->base = x86_dwarf[m->rm];
    }
    if (left < (size_t)m->len + dispsz)
        return 0;
    const uint8_t *d = p + m->len;
    if (dispsz == 1)
        m->disp = (int8_t)d[0];
    else if (dispsz == 4)
        m->disp = (int32_t)((uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                            (uint32_t)d[3] << 24);
    m->len = (uint8_t)(m->len + dispsz);
    return 1;
}

/* The memory operand into d, as memop() does (len: the whole instruction). */
static void f_mem(const fmodrm *m, da_insn *d, unsigned width)
{
    d->base = m->base;
    d->index = m->index;
    d->scale = m->scale;
    d->disp = m->disp;
    if (d->base == DA_PC)
        d->target = d->addr + d->len + (uint64_t)m->disp;
    else if (d->base == DA_NOREG && d->index == DA_NOREG)
        d->target = (uint64_t)m->disp;
    d->width = (uint8_t)width;
}

static int32_t f_rd32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}

/* A memory operand written by anything but a plain store (read-modify-
** write, shifts): DA_OP_STORE_OTHER, as generic_writes() makes it. */
static size_t f_store_other(const fmodrm *m, da_insn *d, unsigned width)
{
    f_mem(m, d, width);
    d->op = DA_OP_STORE_OTHER;
    return d->len;
}

/* movzx/movsx/movsxd: the ModRM at p + at, a source of sw bytes (sign:
** sign extension), into d as classify() makes it; 0 when bytes run out. */
static size_t f_extend(const uint8_t *p, size_t at, size_t left, unsigned rex, unsigned sw,
                       int sign, da_insn *d)
{
    fmodrm m;
    if (!f_modrm(p + at, left - at, rex, &m))
        return 0;
    d->len = (uint8_t)(at + m.len);
    d->dst = x86_dwarf[m.reg];
    d->wmask = 1u << d->dst;
    if (m.mod != 3) {
        f_mem(&m, d, sw);
        d->op = DA_OP_LOAD;
        return d->len;
    }
    /* without REX, byte registers 4-7 are ah, ch, dh, bh: parts of 0-3 */
    d->src = sw == 1 && !rex && (m.rm & 7) >= 4 ? x86_dwarf[(m.rm & 7) - 4] : x86_dwarf[m.rm];
    d->op = DA_OP_EXT_REG;
    d->width = (uint8_t)sw;
    d->imm = sign;
    return d->len;
}

/* Decode the instruction at p into d (addr set, the rest as da_decode
** initialises it); returns its length, or 0 for capstone to decode it. */
static size_t fast_x86(const x86_ctx *c, const uint8_t *p, size_t left, da_insn *d)
{
    size_t at = 0;
    unsigned rex = 0;
    if (left >= 1 && (p[0] & 0xf0) == 0x40) {
        rex = p[0];
        at = 1;
    }
    if (at >= left)
        return 0;
    unsigned op = p[at++];
    unsigned w = rex & 8 ? 8 : 4;
    fmodrm m;
    switch (op) {
    case 0x89: case 0x8b:                           /* mov r/m,r; mov r,r/m */
    case 0x8d:                                      /* lea r,m */
    case 0x85: case 0x39: case 0x3b:                /* test, cmp: flags only */
    case 0x31: case 0x33: case 0x29: case 0x2b:     /* xor, sub */
    case 0x01: case 0x03: {                         /* add */
        if (!f_modrm(p + at, left - at, rex, &m))
            return 0;
        d->len = (uint8_t)(at + m.len);
        uint8_t rr = x86_dwarf[m.reg], rm = x86_dwarf[m.rm];
        if (op == 0x85 && m.mod == 3 && rr == rm) {
            d->op = DA_OP_TEST;                     /* test r,r */
            d->src = rr;
            d->width = (uint8_t)w;
            return d->len;
        }
        if (op == 0x85 || op == 0x39 || op == 0x3b)
            return d->len;                          /* writes no register */
        if (m.mod != 3) {
            if (op == 0x8d || op == 0x8b) {
                d->dst = rr;
                d->wmask = 1u << rr;
                f_mem(&m, d, w);
                d->op = op == 0x8d ? DA_OP_LEA : DA_OP_LOAD;
                return d->len;
            }
            if (op == 0x89) {
                f_mem(&m, d, w);
                d->src = rr;
                d->op = DA_OP_STORE_REG;
                return d->len;
            }
            return 0;                               /* read-modify-write, or a load into an ALU op */
        }
        if (op == 0x8d)
            return 0;                               /* lea with a register: invalid */
        /* register forms: dst is the ModRM rm for 89/31/29/01, reg for 8b/33/2b/03 */
        int to_reg = op == 0x8b || op == 0x33 || op == 0x2b || op == 0x03;
        uint8_t dst = to_reg ? rr : rm, src = to_reg ? rm : rr;
        d->dst = dst;
        d->wmask = 1u << dst;
        if (op == 0x89 || op == 0x8b) {
            d->width = (uint8_t)w;
            d->op = DA_OP_MOV_REG;
            d->src = src;
            return d->len;
        }
        if (op == 0x01 || op == 0x03) {
            d->op = DA_OP_ADD_REG;
            d->src = src;
            d->width = (uint8_t)w;
            return d->len;
        }
        if (dst == src) {                           /* xor r,r / sub r,r */
            d->op = DA_OP_ZERO;
            return d->len;
        }
        d->dst = DA_NOREG;                          /* OTHER: writes dst */
        return d->len;
    }
    case 0x83: case 0x81: {                         /* ALU r/m,imm */
        if (!f_modrm(p + at, left - at, rex, &m))
            return 0;
        unsigned isz = op == 0x83 ? 1 : 4;
        size_t end = at + m.len + isz;
        if (end > left)
            return 0;
        unsigned ext = m.reg & 7;
        const uint8_t *ip = p + at + m.len;
        /* capstone's form: imm8 sign-extended, a 32-bit operation's imm32
        ** zero-extended */
        int64_t imm = isz == 1 ? (int8_t)ip[0] : w == 4 ? (int64_t)(uint32_t)f_rd32(ip) : f_rd32(ip);
        d->len = (uint8_t)end;
        if (ext == 7)
            return d->len;                          /* cmp: flags only */
        if (m.mod != 3)                             /* memory read-modify-write */
            return f_store_other(&m, d, w);
        uint8_t dst = x86_dwarf[m.rm];
        if (ext == 4 && dst == c->arch->sp)
            return 0;                               /* and rsp,imm: realignment */
        d->wmask = 1u << dst;
        if (ext == 4 && w >= 4) {                   /* and r,imm: a size rounded up */
            d->op = DA_OP_AND_IMM;
            d->dst = dst;
            d->imm = w == 4 ? (int64_t)(int32_t)imm : imm;
            d->width = (uint8_t)w;
            return d->len;
        }
        if (ext != 0 && ext != 5)
            return d->len;                          /* or/adc/sbb/xor: unknown */
        d->op = DA_OP_ADD_IMM;
        d->dst = dst;
        d->imm = ext == 5 ? -imm : imm;
        d->width = (uint8_t)w;
        return d->len;
    }
    case 0xc1: {                                    /* shift/rotate r/m,imm8 */
        if (!f_modrm(p + at, left - at, rex, &m) || (m.reg & 7) == 6)
            return 0;                               /* /6: an alias capstone may name */
        size_t end = at + m.len + 1;
        if (end > left)
            return 0;
        d->len = (uint8_t)end;
        if (m.mod != 3) {
            if ((m.reg & 7) < 4)
                return 0;                           /* capstone: rotates write no memory */
            return f_store_other(&m, d, w);
        }
        uint8_t dst = x86_dwarf[m.rm];
        d->wmask = 1u << dst;
        if ((m.reg & 7) == 4) {                     /* shl */
            d->op = DA_OP_SHL_IMM;
            d->dst = dst;
            d->imm = p[at + m.len] & 63;
            d->width = (uint8_t)w;
        }
        return d->len;
    }
    case 0x63:                                      /* movsxd r64,r/m32 */
        if (!(rex & 8))
            return 0;
        return f_extend(p, at, left, rex, 4, 1, d);
    case 0x0f:
        if (at >= left)
            return 0;
        switch (p[at]) {
        case 0xb6: case 0xb7:                       /* movzx r,r/m8 r/m16 */
        case 0xbe: case 0xbf:                       /* movsx */
            return f_extend(p, at + 1, left, rex, p[at] & 1 ? 2 : 1, p[at] >= 0xbe, d);
        case 0x1f:                                  /* nop m */
            if (!f_modrm(p + at + 1, left - at - 1, rex, &m) || m.mod == 3)
                return 0;
            d->len = (uint8_t)(at + 1 + m.len);
            return d->len;
        default:
            break;
        }
        break;
    case 0xff: {                                    /* call/jmp r/m64 */
        if (!f_modrm(p + at, left - at, rex, &m))
            return 0;
        unsigned ext = m.reg & 7;
        if (ext != 2 && ext != 4)
            return 0;
        d->len = (uint8_t)(at + m.len);
        if (m.mod == 3) {
            d->src = x86_dwarf[m.rm];
        } else {
            d->mem_ind = 1;
            f_mem(&m, d, 8);
        }
        d->kind = ext == 2 ? DA_KIND_ICALL : DA_KIND_IJMP;
        if (ext == 2)
            d->wmask = c->arch->caller_saved;
        return d->len;
    }
    case 0x84: case 0x38: case 0x3a:                /* test/cmp r/m8,r8: flags only */
        if (!f_modrm(p + at, left - at, rex, &m))
            return 0;
        d->len = (uint8_t)(at + m.len);
        return d->len;
    case 0xf6: case 0x80: {                         /* test/cmp r/m8,imm8 */
        if (!f_modrm(p + at, left - at, rex, &m) || (m.reg & 7) != (op == 0xf6 ? 0 : 7) ||
            at + m.len + 1 > left)
            return 0;
        d->len = (uint8_t)(at + m.len + 1);
        if (op == 0xf6 && m.mod != 3)               /* capstone calls test's memory */
            return f_store_other(&m, d, 1);         /* operand written: so must we */
        return d->len;
    }
    case 0x3c: case 0xa8:                           /* cmp/test al,imm8 */
    case 0x3d: case 0xa9: {                         /* cmp/test eax/rax,imm32 */
        size_t end = at + (op == 0x3c || op == 0xa8 ? 1 : 4);
        if (end > left)
            return 0;
        d->len = (uint8_t)end;
        if (op == 0xa8 || op == 0xa9)
            d->wmask = 1u << 0;                     /* capstone: test writes its rax operand */
        return d->len;
    }
    case 0xc7: {                                    /* mov r/m,imm32 */
        if (!f_modrm(p + at, left - at, rex, &m) || (m.reg & 7) != 0)
            return 0;
        size_t end = at + m.len + 4;
        if (end > left)
            return 0;
        int64_t imm = f_rd32(p + at + m.len);
        d->len = (uint8_t)end;
        if (m.mod == 3) {
            uint8_t dst = x86_dwarf[m.rm];
            d->op = DA_OP_MOV_IMM;
            d->dst = dst;
            d->wmask = 1u << dst;
            d->width = (uint8_t)w;
            d->imm = w == 4 ? (int64_t)(uint32_t)imm : imm;
            return d->len;
        }
        f_mem(&m, d, w);
        d->op = DA_OP_STORE_IMM;
        d->imm = w == 4 ? (int64_t)(uint32_t)imm : imm;   /* capstone's form */
        return d->len;
    }
    case 0xb8: case 0xb9: case 0xba: case 0xbb:
    case 0xbc: case 0xbd: case 0xbe: case 0xbf: {   /* mov r32,imm32 */
        if (rex & 8)
            return 0;                               /* movabs */
        if (at + 4 > left)
            return 0;
        uint8_t dst = x86_dwarf[(op & 7) | (rex & 1 ? 8 : 0)];
        d->len = (uint8_t)(at + 4);
        d->op = DA_OP_MOV_IMM;
        d->dst = dst;
        d->wmask = 1u << dst;
        d->width = 4;
        d->imm = (int64_t)(uint32_t)f_rd32(p + at);
        return d->len;
    }
    case 0x50: case 0x51: case 0x52: case 0x53:
    case 0x54: case 0x55: case 0x56: case 0x57:     /* push r64 */
    case 0x58: case 0x59: case 0x5a: case 0x5b:
    case 0x5c: case 0x5d: case 0x5e: case 0x5f: {   /* pop r64 */
        if (rex & ~1u & 0xf)
            return 0;
        uint8_t r = x86_dwarf[(op & 7) | (rex & 1 ? 8 : 0)];
        d->len = (uint8_t)at;
        d->width = 8;
        if (op < 0x58) {
            d->op = DA_OP_PUSH;
            d->wmask = 1u << c->arch->sp;
            d->src = r;
        } else {
            d->op = DA_OP_POP;
            d->dst = r;
            d->wmask = 1u << r | 1u << c->arch->sp;
        }
        return d->len;
    }
    default:
        break;
    }
    if (rex)
        return 0;
    if (op == 0xe8 || op == 0xe9) {                 /* call/jmp rel32 */
        if (at + 4 > left)
            return 0;
        d->len = (uint8_t)(at + 4);
        d->target = d->addr + d->len + (uint64_t)(int64_t)f_rd32(p + at);
        d->kind = op == 0xe8 ? DA_KIND_CALL : DA_KIND_JMP;
        if (op == 0xe8)
            d->wmask = c->arch->caller_saved;
        return d->len;
    }
    if (op == 0xeb || (op >= 0x70 && op <= 0x7f)) { /* jmp/jcc rel8 */
        if (at + 1 > left)
            return 0;
        d->len = (uint8_t)(at + 1);
        d->target = d->addr + d->len + (uint64_t)(int64_t)(int8_t)p[at];
        d->kind = op == 0xeb ? DA_KIND_JMP : DA_KIND_JCC;
        d->cc = op == 0x74 ? DA_CC_Z : op == 0x75 ? DA_CC_NZ : DA_CC_OTHER;
        return d->len;
    }
    if (op == 0x0f && at < left && (p[at] & 0xf0) == 0x80) {   /* jcc rel32 */
        if (at + 5 > left)
            return 0;
        d->len = (uint8_t)(at + 5);
        d->target = d->addr + d->len + (uint64_t)(int64_t)f_rd32(p + at + 1);
        d->kind = DA_KIND_JCC;
        d->cc = p[at] == 0x84 ? DA_CC_Z : p[at] == 0x85 ? DA_CC_NZ : DA_CC_OTHER;
        return d->len;
    }
    if (op == 0x90) {                               /* nop (with REX.B: xchg) */
        d->len = 1;
        return 1;
    }
    if (op == 0xc3 || op == 0xcc) {
        d->len = 1;
        d->kind = op == 0xc3 ? DA_KIND_RET : DA_KIND_HALT;
        return 1;
    }
    return 0;
}

static size_t x86_decode(void *st, int fast, uint64_t *nfast, const uint8_t *code, size_t len,
                         uint64_t addr, da_insn **out, size_t *n, size_t *cap)
{
    x86_ctx *c = st;
    const uint8_t *p = code;
    size_t left = len;
    uint64_t pc = addr;
    size_t bad = 0;
    while (left > 0) {
        if (fast) {
            da_insn *d = HP_PUSH(*out, *n, *cap);
            memset(d, 0, sizeof *d);
            d->addr = pc;
            d->dst = d->src = d->base = d->index = DA_NOREG;
            size_t k = fast_x86(c, p, left, d);
            if (k > 0) {
                (*nfast)++;
                p += k;
                left -= k;
                pc += k;
                continue;
            }
            (*n)--;
        }
        const uint8_t *before = p;
        if (!cs_disasm_iter(c->cs, &p, &left, &pc, c->insn)) {
            /* skip one byte; merge runs of undecodable bytes */
            p = before + 1;
            left--;
            bad++;
            arch_cs_bad(pc, 1, out, n, cap);
            pc++;
            continue;
        }
        classify(c, c->insn, arch_cs_push(c, out, n, cap));
    }
    return bad;
}

const da_backend da_backend_x86_64 = {
    EM_X86_64, &arch_x86_64, x86_open, arch_cs_free, x86_decode, NULL,
};
