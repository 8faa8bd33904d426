/*
** disasm.c -- da_ decoders (see disasm.h).  x86-64 through capstone.
**
** Capstone does the decoding; this file only folds its detailed operands
** into da_insn.  The mapping is deliberately narrow: an instruction whose
** effect we do not model precisely is DA_OP_OTHER and only says which
** registers it writes, so a misclassification can make the analysis know
** less, never something false.  Partial-register writes (8 and 16 bits)
** keep the upper bits of the old value on x86, so they are never a known
** value; 32-bit writes zero the upper half, which sites.c accounts for
** when it folds constants.
*/
#include "disasm.h"

#include <stdlib.h>
#include <string.h>
#include <capstone/capstone.h>

#ifndef EM_X86_64
#define EM_X86_64 62
#endif

struct da_ctx {
    csh cs;
    cs_insn *insn;
    const da_arch *arch;
    uint8_t regmap[X86_REG_ENDING];   /* capstone register -> DWARF number */
    uint8_t regwidth[X86_REG_ENDING]; /* width in bytes of that name */
};

/* x86-64 SysV: rdi rsi rdx rcx r8 r9; Go's register ABI: rax rbx rcx rdi
** rsi r8 r9 r10 r11.  Caller-saved: rax rcx rdx rsi rdi r8-r11. */
static const da_arch arch_x86_64 = {
    "x86_64", 7, 6, 0,
    6, { 5, 4, 1, 2, 8, 9, 0, 0 },
    9, { 0, 3, 2, 5, 4, 8, 9, 10, 11 },
    (1u << 0) | (1u << 1) | (1u << 2) | (1u << 4) | (1u << 5) |
    (1u << 8) | (1u << 9) | (1u << 10) | (1u << 11),
    -8, -16,
};

static void map(da_ctx *c, x86_reg r, uint8_t num, uint8_t w)
{
    c->regmap[r] = num;
    c->regwidth[r] = w;
}

static void build_regmap(da_ctx *c)
{
    memset(c->regmap, DA_NOREG, sizeof c->regmap);
    memset(c->regwidth, 0, sizeof c->regwidth);
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
        map(c, r64[i], (uint8_t)i, 8);
        map(c, r32[i], (uint8_t)i, 4);
        map(c, r16[i], (uint8_t)i, 2);
        map(c, r8l[i], (uint8_t)i, 1);
    }
    map(c, X86_REG_AH, 0, 1);
    map(c, X86_REG_DH, 1, 1);
    map(c, X86_REG_CH, 2, 1);
    map(c, X86_REG_BH, 3, 1);
    static const x86_reg x64[8] = { X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
                                    X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15 };
    static const x86_reg x32[8] = { X86_REG_R8D, X86_REG_R9D, X86_REG_R10D, X86_REG_R11D,
                                    X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D };
    static const x86_reg x16[8] = { X86_REG_R8W, X86_REG_R9W, X86_REG_R10W, X86_REG_R11W,
                                    X86_REG_R12W, X86_REG_R13W, X86_REG_R14W, X86_REG_R15W };
    static const x86_reg x8[8] = { X86_REG_R8B, X86_REG_R9B, X86_REG_R10B, X86_REG_R11B,
                                   X86_REG_R12B, X86_REG_R13B, X86_REG_R14B, X86_REG_R15B };
    for (int i = 0; i < 8; i++) {
        map(c, x64[i], (uint8_t)(8 + i), 8);
        map(c, x32[i], (uint8_t)(8 + i), 4);
        map(c, x16[i], (uint8_t)(8 + i), 2);
        map(c, x8[i], (uint8_t)(8 + i), 1);
    }
    c->regmap[X86_REG_RIP] = DA_PC;
    c->regwidth[X86_REG_RIP] = 8;
}

int da_open(uint16_t machine, da_ctx **out, hp_err *err)
{
    if (machine != EM_X86_64)
        return hp_errf(err, NULL, "no disassembler for ELF machine %u (only x86-64 so far)",
                       (unsigned)machine);
    da_ctx *c = hp_xcalloc(1, sizeof *c);
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &c->cs) != CS_ERR_OK) {
        free(c);
        return hp_errf(err, NULL, "capstone cannot open an x86-64 decoder");
    }
    cs_option(c->cs, CS_OPT_DETAIL, CS_OPT_ON);
    c->insn = cs_malloc(c->cs);
    if (c->insn == NULL) {
        cs_close(&c->cs);
        free(c);
        return hp_errf(err, NULL, "capstone: out of memory");
    }
    c->arch = &arch_x86_64;
    build_regmap(c);
    *out = c;
    return 0;
}

void da_close(da_ctx *c)
{
    if (c == NULL)
        return;
    cs_free(c->insn, 1);
    cs_close(&c->cs);
    free(c);
}

const da_arch *da_arch_of(const da_ctx *c)
{
    return c->arch;
}

const char *da_kind_name(da_kind k)
{
    static const char *const names[] = {
        "other", "call", "icall", "jmp", "ijmp", "jcc", "ret", "halt", "bad"
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static uint8_t reg(const da_ctx *c, x86_reg r)
{
    return (unsigned)r < X86_REG_ENDING ? c->regmap[r] : DA_NOREG;
}

static uint8_t rwidth(const da_ctx *c, x86_reg r)
{
    return (unsigned)r < X86_REG_ENDING ? c->regwidth[r] : 0;
}

static void wmark(const da_ctx *c, da_insn *d, x86_reg r)
{
    uint8_t n = reg(c, r);
    if (n < DA_NREGS)
        d->wmask |= 1u << n;
}

/* Fill base/index/scale/disp/target of a memory operand.  Returns 0 when
** the operand uses a segment override (fs:/gs: thread data) or registers
** we do not track, so callers fall back to DA_OP_OTHER. */
static int memop(const da_ctx *c, const cs_insn *in, const cs_x86_op *op, da_insn *d)
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
static void generic_writes(const da_ctx *c, const cs_insn *in, da_insn *d)
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

static void branch(const da_ctx *c, const cs_insn *in, da_insn *d, da_kind direct, da_kind ind)
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

static void classify(const da_ctx *c, const cs_insn *in, da_insn *d)
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

    case X86_INS_AND:
        if (o0 && o1 && o0->type == X86_OP_REG && o1->type == X86_OP_IMM &&
            reg(c, o0->reg) == c->arch->sp) {
            d->op = DA_OP_ALIGN_SP;
            d->dst = c->arch->sp;
            d->wmask = 1u << d->dst;
            d->imm = o1->imm;
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

size_t da_decode(da_ctx *c, const uint8_t *code, size_t len, uint64_t addr,
                 da_insn **out, size_t *n, size_t *cap)
{
    const uint8_t *p = code;
    size_t left = len;
    uint64_t pc = addr;
    size_t bad = 0;
    while (left > 0) {
        const uint8_t *before = p;
        if (!cs_disasm_iter(c->cs, &p, &left, &pc, c->insn)) {
            /* skip one byte; merge runs of undecodable bytes */
            p = before + 1;
            left--;
            bad++;
            da_insn *last = *n > 0 ? &(*out)[*n - 1] : NULL;
            if (last && last->kind == DA_KIND_BAD && last->addr + last->len == pc && last->len < 255) {
                last->len++;
            } else {
                da_insn *d = HP_PUSH(*out, *n, *cap);
                memset(d, 0, sizeof *d);
                d->addr = pc;
                d->len = 1;
                d->kind = DA_KIND_BAD;
                d->dst = d->src = d->base = d->index = DA_NOREG;
            }
            pc++;
            continue;
        }
        da_insn *d = HP_PUSH(*out, *n, *cap);
        memset(d, 0, sizeof *d);
        d->addr = c->insn->address;
        d->len = (uint8_t)c->insn->size;
        d->dst = d->src = d->base = d->index = DA_NOREG;
        classify(c, c->insn, d);
    }
    return bad;
}
