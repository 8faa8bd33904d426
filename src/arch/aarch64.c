/*
** arch/aarch64.c -- the AArch64 decoder behind disasm.h (see arch/arch.h).
**
** Contract: decodes AArch64 (little-endian A64) machine code into da_insn
** as disasm.h describes, registers in the DWARF numbering (x0..x30 are
** 0..30, sp 31; a w register is the 32-bit view of its x register, and
** a 32-bit write zeroes the upper half, as on x86-64).  Capstone's ARM64
** decoder does the decoding; this file folds its operands into da_insn:
** bl/blr calls, b/br jumps, b.cond/cbz/cbnz/tbz/tbnz conditional jumps,
** ret, brk/hlt; mov/orr register moves, movz/movn/orr-immediate
** constants and movk insertions, add/sub with an immediate or a (shifted)
** register, lsl, mul, smull/umull, sbfiz/ubfiz of a word, sign/zero
** extensions, three-register and of a mask, adrp/adr addresses, ldr/str
** (also pairs and pre/post-index writeback) with an immediate or a scaled
** register offset, ldr literal, csel.  Capstone 4's access flags are not
** trusted (it marks cmp's first operand written): written registers come
** from the instruction's class -- its first operand for data processing
** and loads, none for compares, stores (but a store-exclusive's status),
** branches and hints -- so a misclassification can make the analysis know
** less, never something false.  A word capstone does not decode (data,
** an extension capstone 4 lacks: LSE atomics, ldapr) is DA_KIND_BAD.
** aa64_refs() reads the branch and address words of a body without
** capstone for the callers scan.
*/
#include "arch/arch.h"

#include <stdlib.h>
#include <string.h>
#include "arch/cs.h"

#ifndef EM_AARCH64
#define EM_AARCH64 183
#endif

#define ZR 0xfd                 /* regmap: the zero register (xzr, wzr) */

typedef arch_cs aa64_ctx;

/* AAPCS64: arguments x0..x7, result x0; caller-saved x0..x18 and x30
** (the link register).  Go's register ABI: integer arguments R0..R15
** (the first nine are what da_arch holds); a Go call preserves only sp,
** the frame pointer x29 and g (x28). */
static const da_arch arch_aarch64 = {
    "aarch64", 31, 29, 0,
    8, { 0, 1, 2, 3, 4, 5, 6, 7 },
    9, { 0, 1, 2, 3, 4, 5, 6, 7, 8 },
    0x7ffffu | (1u << 30),
    (1u << 31) | (1u << 29) | (1u << 28),
    1027, 257,                  /* R_AARCH64_RELATIVE, R_AARCH64_ABS64 */
    0, -16,                     /* sp is the CFA at entry; fp after the smallest frame */
};

static void build_regmap(arch_cs *c)
{
    /* capstone 4 numbers X0..X28 and W0..W30 consecutively; x29, x30 apart */
    for (int i = 0; i <= 28; i++)
        arch_cs_map(c, ARM64_REG_X0 + i, (uint8_t)i, 8);
    for (int i = 0; i <= 30; i++)
        arch_cs_map(c, ARM64_REG_W0 + i, (uint8_t)i, 4);
    arch_cs_map(c, ARM64_REG_X29, 29, 8);
    arch_cs_map(c, ARM64_REG_X30, 30, 8);
    arch_cs_map(c, ARM64_REG_SP, 31, 8);
    arch_cs_map(c, ARM64_REG_WSP, 31, 4);
    arch_cs_map(c, ARM64_REG_XZR, ZR, 8);
    arch_cs_map(c, ARM64_REG_WZR, ZR, 4);
}

static void *aa64_open(const da_arch *arch, hp_err *err)
{
    return arch_cs_new(CS_ARCH_ARM64, CS_MODE_ARM, "AArch64", arch, build_regmap, err);
}

static uint8_t reg(const aa64_ctx *c, unsigned r) { return arch_cs_reg(c, r); }
static uint8_t rwidth(const aa64_ctx *c, unsigned r) { return arch_cs_width(c, r); }

/* the operand is a general register (x, w, sp; not the zero register) */
static int gpr(const aa64_ctx *c, const cs_arm64_op *o)
{
    return o && o->type == ARM64_OP_REG && reg(c, o->reg) < DA_NREGS;
}

static int zero_reg(const aa64_ctx *c, const cs_arm64_op *o)
{
    return o && o->type == ARM64_OP_REG && reg(c, o->reg) == ZR;
}

static void wmark(const aa64_ctx *c, da_insn *d, unsigned r)
{
    uint8_t n = reg(c, r);
    if (n < DA_NREGS)
        d->wmask |= 1u << n;
}

/* dst register of a data-processing form: its number, width and mask */
static int set_dst(const aa64_ctx *c, const cs_arm64_op *o, da_insn *d)
{
    if (!gpr(c, o))
        return 0;
    d->dst = reg(c, o->reg);
    d->width = rwidth(c, o->reg);
    d->wmask = 1u << d->dst;
    return 1;
}

/* The scale flags of an index register with extension ext: 0 for a
** plain x register (or uxtx/sxtx), DA_SCALE_SEXT32/ZEXT32 for a w
** register with sxtw/uxtw, -1 for anything else. */
static int index_ext(const aa64_ctx *c, unsigned r, arm64_extender ext)
{
    unsigned w = rwidth(c, r);
    if (w == 8 && (ext == ARM64_EXT_INVALID || ext == ARM64_EXT_UXTX || ext == ARM64_EXT_SXTX))
        return 0;
    if (w == 4 && ext == ARM64_EXT_SXTW)
        return DA_SCALE_SEXT32;
    if (w == 4 && ext == ARM64_EXT_UXTW)
        return DA_SCALE_ZEXT32;
    return -1;
}

/* A memory operand into base/index/scale/disp.  0 when it uses an index
** that is extended (a w register) or registers not tracked. */
static int memop(const aa64_ctx *c, const cs_arm64_op *o, da_insn *d)
{
    if (o->type != ARM64_OP_MEM)
        return 0;
    d->base = o->mem.base == ARM64_REG_INVALID ? DA_NOREG : reg(c, o->mem.base);
    d->index = o->mem.index == ARM64_REG_INVALID ? DA_NOREG : reg(c, o->mem.index);
    if (d->base >= DA_NREGS || (o->mem.index != ARM64_REG_INVALID && d->index >= DA_NREGS))
        return 0;
    d->scale = 1;
    if (d->index != DA_NOREG) {
        unsigned sh = o->shift.type == ARM64_SFT_LSL ? o->shift.value
                      : o->shift.type == ARM64_SFT_INVALID ? 0 : 99;
        int ext = index_ext(c, o->mem.index, o->ext);
        if (sh > 4 || ext < 0)
            return 0;
        d->scale = (uint8_t)((1u << sh) | (unsigned)ext);
    }
    d->disp = o->mem.disp;
    return 1;
}

/* Bytes a load or store moves per register: from the mnemonic's size
** suffix (ldrb, ldrsh, strh...), else the register's width. */
static unsigned access_width(unsigned id, unsigned regw)
{
    switch (id) {
    case ARM64_INS_LDRB: case ARM64_INS_LDURB: case ARM64_INS_LDRSB: case ARM64_INS_LDURSB:
    case ARM64_INS_STRB: case ARM64_INS_STURB:
        return 1;
    case ARM64_INS_LDRH: case ARM64_INS_LDURH: case ARM64_INS_LDRSH: case ARM64_INS_LDURSH:
    case ARM64_INS_STRH: case ARM64_INS_STURH:
        return 2;
    case ARM64_INS_LDRSW: case ARM64_INS_LDURSW: case ARM64_INS_LDPSW:
        return 4;
    default:
        return regw;
    }
}

/* bytes of a vector/FP register name (q 16, d 8, s 4, h 2, b 1), 0 for others */
static unsigned fp_width(unsigned r)
{
    if (r >= ARM64_REG_Q0 && r <= ARM64_REG_Q31)
        return 16;
    if (r >= ARM64_REG_D0 && r <= ARM64_REG_D31)
        return 8;
    if (r >= ARM64_REG_S0 && r <= ARM64_REG_S31)
        return 4;
    if (r >= ARM64_REG_H0 && r <= ARM64_REG_H31)
        return 2;
    if (r >= ARM64_REG_B0 && r <= ARM64_REG_B31)
        return 1;
    return 0;
}

/* ldr/ldur/ldrb.../ldp/ldpsw/ldnp: DA_OP_LOAD (a pair in reg2, the
** writeback in wb); 0 when the form is not one we model. */
static int load(const aa64_ctx *c, const cs_insn *in, da_insn *d, int pair)
{
    const cs_arm64 *a = &in->detail->arm64;
    unsigned id = in->id;
    int nreg = pair ? 2 : 1;
    if (a->op_count < nreg + 1)
        return 0;
    const cs_arm64_op *r0 = &a->operands[0], *r1 = pair ? &a->operands[1] : NULL;
    const cs_arm64_op *m = &a->operands[nreg];
    if (r0->type != ARM64_OP_REG || (r1 && r1->type != ARM64_OP_REG))
        return 0;
    unsigned w0 = rwidth(c, r0->reg) ? rwidth(c, r0->reg) : fp_width(r0->reg);
    if (w0 == 0)
        return 0;
    if (m->type == ARM64_OP_IMM && !pair) {         /* ldr literal */
        d->base = DA_PC;
        d->index = DA_NOREG;
        d->target = (uint64_t)m->imm;
    } else if (!memop(c, m, d)) {
        return 0;
    }
    d->op = DA_OP_LOAD;
    d->width = (uint8_t)access_width(id, w0);
    d->dst = gpr(c, r0) ? reg(c, r0->reg) : DA_NOREG;
    if (d->dst < DA_NREGS)
        d->wmask |= 1u << d->dst;
    if (r1 && gpr(c, r1)) {
        d->reg2 = (uint8_t)(reg(c, r1->reg) + 1);
        d->wmask |= 1u << reg(c, r1->reg);
    } else if (r1) {
        d->reg2 = 0;        /* a vector pair: nothing tracked is written */
        if (rwidth(c, r1->reg) == 0 && fp_width(r1->reg) == 0)
            return 0;
        d->width = (uint8_t)(2 * d->width);
    }
    if (a->writeback && d->base < DA_NREGS) {
        if (a->op_count > nreg + 1 && a->operands[nreg + 1].type == ARM64_OP_IMM) {
            d->wb = DA_WB_POST;
            d->imm = a->operands[nreg + 1].imm;
        } else {
            d->wb = DA_WB_PRE;
        }
        if (d->base == d->dst || (d->reg2 && d->reg2 - 1 == d->base))
            return 0;       /* unpredictable: leave it to the generic form */
    }
    return 1;
}

/* str/stur/strb/strh/stp/stnp: DA_OP_STORE_REG or _IMM (the zero
** register), a pair's second register in reg2; vectors STORE_OTHER. */
static int store(const aa64_ctx *c, const cs_insn *in, da_insn *d, int pair)
{
    const cs_arm64 *a = &in->detail->arm64;
    int nreg = pair ? 2 : 1;
    if (a->op_count < nreg + 1)
        return 0;
    const cs_arm64_op *r0 = &a->operands[0], *r1 = pair ? &a->operands[1] : NULL;
    const cs_arm64_op *m = &a->operands[nreg];
    if (r0->type != ARM64_OP_REG || (r1 && r1->type != ARM64_OP_REG) || !memop(c, m, d))
        return 0;
    unsigned w0 = rwidth(c, r0->reg);
    int vec = w0 == 0;
    if (vec && (w0 = fp_width(r0->reg)) == 0)
        return 0;
    d->width = (uint8_t)access_width(in->id, w0);
    if (vec) {
        d->op = DA_OP_STORE_OTHER;
        if (pair)
            d->width = (uint8_t)(2 * d->width);
    } else if (zero_reg(c, r0)) {
        d->op = DA_OP_STORE_IMM;
        d->imm = 0;
    } else {
        d->op = DA_OP_STORE_REG;
        d->src = reg(c, r0->reg);
    }
    if (r1 && !vec)
        d->reg2 = zero_reg(c, r1) ? DA_REG2_ZERO : (uint8_t)(reg(c, r1->reg) + 1);
    if (a->writeback && d->base < DA_NREGS) {
        if (a->op_count > nreg + 1 && a->operands[nreg + 1].type == ARM64_OP_IMM) {
            d->wb = DA_WB_POST;
            d->imm = a->operands[nreg + 1].imm;
            if (d->op == DA_OP_STORE_IMM)
                d->op = DA_OP_STORE_OTHER;  /* imm is the increment */
        } else {
            d->wb = DA_WB_PRE;
        }
    }
    return 1;
}

/* Registers written by anything not modelled: the first operand of a
** data-processing instruction or a load (the second too for a pair
** load), a store-exclusive's status, a writeback base; memory written
** is DA_OP_STORE_OTHER when its address is understood. */
static void generic(const aa64_ctx *c, const cs_insn *in, da_insn *d)
{
    const cs_arm64 *a = &in->detail->arm64;
    unsigned id = in->id;
    d->op = DA_OP_OTHER;
    d->dst = d->src = d->base = d->index = DA_NOREG;
    d->width = 0;
    switch (id) {
    case ARM64_INS_CMP: case ARM64_INS_CMN: case ARM64_INS_TST: case ARM64_INS_CCMP:
    case ARM64_INS_CCMN: case ARM64_INS_FCMP: case ARM64_INS_FCMPE: case ARM64_INS_FCCMP:
    case ARM64_INS_FCCMPE: case ARM64_INS_NOP: case ARM64_INS_HINT: case ARM64_INS_YIELD:
    case ARM64_INS_WFE: case ARM64_INS_WFI: case ARM64_INS_SEV: case ARM64_INS_SEVL:
    case ARM64_INS_DMB: case ARM64_INS_DSB: case ARM64_INS_ISB: case ARM64_INS_CLREX:
    case ARM64_INS_PRFM: case ARM64_INS_PRFUM: case ARM64_INS_MSR: case ARM64_INS_SYS:
        return;
    case ARM64_INS_SVC:
        d->wmask = 1u << 0;         /* Linux: the result in x0 */
        return;
    default:
        break;
    }
    const char *mn = in->mnemonic;
    int is_store = mn[0] == 's' && mn[1] == 't';
    int first = 0;
    if (is_store) {
        /* stxr/stlxr/stxp/stlxp: the status register first */
        if (strstr(mn, "xr") || strstr(mn, "xp"))
            first = 1;
    } else {
        first = 1;
    }
    if (first && a->op_count > 0 && a->operands[0].type == ARM64_OP_REG)
        wmark(c, d, a->operands[0].reg);
    if (!is_store && mn[0] == 'l' && mn[1] == 'd' && strchr(mn, 'p') && a->op_count > 1 &&
        a->operands[1].type == ARM64_OP_REG)
        wmark(c, d, a->operands[1].reg);        /* ldxp, ldaxp */
    for (int i = 0; i < a->op_count; i++) {
        const cs_arm64_op *o = &a->operands[i];
        if (o->type != ARM64_OP_MEM)
            continue;
        if (a->writeback)
            wmark(c, d, o->mem.base);
        if (is_store) {
            da_insn tmp = *d;
            if (memop(c, o, &tmp)) {
                tmp.op = DA_OP_STORE_OTHER;
                tmp.width = 8;
                *d = tmp;
            }
        }
    }
    for (int i = 0; i < in->detail->regs_write_count; i++)
        wmark(c, d, in->detail->regs_write[i]);
}

/* shifted immediate of a mov-wide / add form */
static int64_t shifted(const cs_arm64_op *o)
{
    unsigned sh = o->shift.type == ARM64_SFT_LSL ? o->shift.value : 0;
    return sh < 64 ? (int64_t)((uint64_t)o->imm << sh) : 0;
}

static void classify(const aa64_ctx *c, const cs_insn *in, da_insn *d)
{
    const cs_arm64 *a = &in->detail->arm64;
    const cs_arm64_op *o0 = a->op_count > 0 ? &a->operands[0] : NULL;
    const cs_arm64_op *o1 = a->op_count > 1 ? &a->operands[1] : NULL;
    const cs_arm64_op *o2 = a->op_count > 2 ? &a->operands[2] : NULL;
    unsigned id = in->id;

    switch (id) {
    case ARM64_INS_BL:
        d->kind = DA_KIND_CALL;
        d->target = o0 && o0->type == ARM64_OP_IMM ? (uint64_t)o0->imm : 0;
        d->wmask = c->arch->caller_saved;
        return;
    case ARM64_INS_BLR:
        d->kind = DA_KIND_ICALL;
        d->src = gpr(c, o0) ? reg(c, o0->reg) : DA_NOREG;
        d->wmask = c->arch->caller_saved;
        return;
    case ARM64_INS_B:
        d->target = o0 && o0->type == ARM64_OP_IMM ? (uint64_t)o0->imm : 0;
        d->kind = a->cc == ARM64_CC_INVALID || a->cc == ARM64_CC_AL || a->cc == ARM64_CC_NV
                  ? DA_KIND_JMP : DA_KIND_JCC;
        d->cc = a->cc == ARM64_CC_EQ ? DA_CC_Z : a->cc == ARM64_CC_NE ? DA_CC_NZ : DA_CC_OTHER;
        return;
    case ARM64_INS_CBZ: case ARM64_INS_CBNZ:
        /* compare and branch: its own null check (DA_OP_TEST on the jump) */
        d->kind = DA_KIND_JCC;
        d->target = o1 && o1->type == ARM64_OP_IMM ? (uint64_t)o1->imm : 0;
        if (gpr(c, o0)) {
            d->op = DA_OP_TEST;
            d->src = reg(c, o0->reg);
            d->width = rwidth(c, o0->reg);
            d->cc = id == ARM64_INS_CBZ ? DA_CC_Z : DA_CC_NZ;
        }
        return;
    case ARM64_INS_TBZ: case ARM64_INS_TBNZ:
        d->kind = DA_KIND_JCC;
        d->target = o2 && o2->type == ARM64_OP_IMM ? (uint64_t)o2->imm : 0;
        return;
    case ARM64_INS_BR:
        d->kind = DA_KIND_IJMP;
        d->src = gpr(c, o0) ? reg(c, o0->reg) : DA_NOREG;
        return;
    case ARM64_INS_RET:
        d->kind = DA_KIND_RET;
        return;
    case ARM64_INS_BRK: case ARM64_INS_HLT:
        d->kind = DA_KIND_HALT;
        return;
    default:
        break;
    }

    switch (id) {
    case ARM64_INS_CMP: case ARM64_INS_TST:
        /* cmp r, #0 and tst r, r: the flags a null check's b.eq/b.ne use */
        if (a->op_count == 2 && gpr(c, o0) && reg(c, o0->reg) != c->arch->sp &&
            ((id == ARM64_INS_CMP && o1->type == ARM64_OP_IMM && o1->imm == 0 &&
              o1->shift.type == ARM64_SFT_INVALID) ||
             (id == ARM64_INS_TST && o1->type == ARM64_OP_REG && o1->reg == o0->reg &&
              o1->shift.type == ARM64_SFT_INVALID))) {
            d->op = DA_OP_TEST;
            d->src = reg(c, o0->reg);
            d->width = rwidth(c, o0->reg);
            return;
        }
        break;
    case ARM64_INS_MOV:         /* register move (orr/add alias) */
        if (a->op_count != 2 || !gpr(c, o0) || o1->type != ARM64_OP_REG)
            break;
        set_dst(c, o0, d);
        if (zero_reg(c, o1)) {
            d->op = DA_OP_MOV_IMM;
            d->imm = 0;
        } else if (gpr(c, o1)) {
            d->op = DA_OP_MOV_REG;
            d->src = reg(c, o1->reg);
        } else {
            break;
        }
        return;
    case ARM64_INS_MOVZ: case ARM64_INS_MOVN:
        if (a->op_count != 2 || !gpr(c, o0) || o1->type != ARM64_OP_IMM)
            break;
        set_dst(c, o0, d);
        d->op = DA_OP_MOV_IMM;
        d->imm = shifted(o1);
        if (id == ARM64_INS_MOVN)
            d->imm = ~d->imm;
        if (d->width == 4)
            d->imm = (int64_t)(uint32_t)d->imm;
        return;
    case ARM64_INS_MOVK: {
        if (a->op_count != 2 || !gpr(c, o0) || o1->type != ARM64_OP_IMM)
            break;
        unsigned sh = o1->shift.type == ARM64_SFT_LSL ? o1->shift.value : 0;
        if (sh > 48)
            break;
        set_dst(c, o0, d);
        d->op = DA_OP_INSERT_IMM;
        d->imm = (int64_t)(((uint64_t)o1->imm & 0xffff) << sh);
        d->disp = (int64_t)((uint64_t)0xffff << sh);
        return;
    }
    case ARM64_INS_ORR:
        /* orr rd, zr, #imm: mov of a bitmask immediate */
        if (a->op_count == 3 && gpr(c, o0) && zero_reg(c, o1) && o2->type == ARM64_OP_IMM) {
            set_dst(c, o0, d);
            d->op = DA_OP_MOV_IMM;
            d->imm = d->width == 4 ? (int64_t)(uint32_t)o2->imm : o2->imm;
            return;
        }
        break;
    case ARM64_INS_AND:
        /* and rd, rn, #0xff/#0xffff/#0xffffffff: a zero extension */
        if (a->op_count == 3 && gpr(c, o0) && gpr(c, o1) && o2->type == ARM64_OP_IMM &&
            (o2->imm == 0xff || o2->imm == 0xffff || o2->imm == 0xffffffffLL)) {
            set_dst(c, o0, d);
            d->op = DA_OP_EXT_REG;
            d->src = reg(c, o1->reg);
            d->width = o2->imm == 0xff ? 1 : o2->imm == 0xffff ? 2 : 4;
            d->imm = 0;
            return;
        }
        /* and rd, rn, #mask: a size rounded down to a multiple (the
        ** round-up's second half, (n + 15) & ~15) */
        if (a->op_count == 3 && gpr(c, o0) && gpr(c, o1) && o2->type == ARM64_OP_IMM &&
            reg(c, o0->reg) != c->arch->sp && rwidth(c, o0->reg) == rwidth(c, o1->reg)) {
            set_dst(c, o0, d);
            d->op = DA_OP_AND_IMM;
            d->src = reg(c, o1->reg);
            d->imm = d->width == 4 ? (int64_t)(int32_t)o2->imm : o2->imm;
            return;
        }
        break;
    case ARM64_INS_ADD: case ARM64_INS_SUB:
        if (a->op_count != 3 || !gpr(c, o0) || !gpr(c, o1))
            break;
        if (rwidth(c, o0->reg) != rwidth(c, o1->reg))
            break;
        if (o2->type == ARM64_OP_IMM) {
            int64_t imm = shifted(o2);
            set_dst(c, o0, d);
            d->op = DA_OP_LEA;
            d->base = reg(c, o1->reg);
            d->disp = id == ARM64_INS_SUB ? -imm : imm;
            return;
        }
        if (o2->type == ARM64_OP_REG) {
            /* a 64-bit add may extend a w register: add x0, x1, w2, sxtw #3 */
            int ext = zero_reg(c, o2) || !gpr(c, o2) ? -1
                      : rwidth(c, o0->reg) == 8 ? index_ext(c, o2->reg, o2->ext)
                      : o2->ext == ARM64_EXT_INVALID && rwidth(c, o2->reg) == 4 ? 0 : -1;
            if (ext < 0 || (ext && id == ARM64_INS_SUB))
                break;
            unsigned sh = o2->shift.type == ARM64_SFT_LSL ? o2->shift.value
                          : o2->shift.type == ARM64_SFT_INVALID ? 0 : 99;
            uint8_t rd = reg(c, o0->reg), rn = reg(c, o1->reg), rm = reg(c, o2->reg);
            if (id == ARM64_INS_SUB) {
                if (rn == rm && sh == 0) {
                    set_dst(c, o0, d);
                    d->op = DA_OP_ZERO;
                    return;
                }
                break;
            }
            if (sh > 7)
                break;
            set_dst(c, o0, d);
            if (sh == 0 && !ext && (rd == rn || rd == rm)) {
                d->op = DA_OP_ADD_REG;
                d->src = rd == rn ? rm : rn;
                return;
            }
            d->op = DA_OP_LEA;
            d->base = rn;
            d->index = rm;
            d->scale = (uint8_t)((1u << sh) | (unsigned)ext);
            return;
        }
        break;
    case ARM64_INS_LSL:
        if (a->op_count == 3 && gpr(c, o0) && gpr(c, o1) && o2->type == ARM64_OP_IMM &&
            o2->imm >= 0 && o2->imm < 31 && rwidth(c, o0->reg) == rwidth(c, o1->reg)) {
            set_dst(c, o0, d);
            if (reg(c, o1->reg) == d->dst) {
                d->op = DA_OP_SHL_IMM;
                d->imm = o2->imm;
            } else {
                d->op = DA_OP_MUL_IMM;
                d->src = reg(c, o1->reg);
                d->imm = (int64_t)1 << o2->imm;
            }
            return;
        }
        break;
    case ARM64_INS_MUL:
        if (a->op_count == 3 && gpr(c, o0) && gpr(c, o1) && gpr(c, o2)) {
            set_dst(c, o0, d);
            d->op = DA_OP_MUL_REG;
            d->index = reg(c, o1->reg);
            d->src = reg(c, o2->reg);
            return;
        }
        break;
    case ARM64_INS_SBFIZ: case ARM64_INS_UBFIZ:
        /* sbfiz x0, x1, #4, #32: the low word of x1 extended, times 16
        ** (a 32-bit count scaled to bytes) */
        if (a->op_count == 4 && gpr(c, o0) && gpr(c, o1) && rwidth(c, o0->reg) == 8 &&
            o2->type == ARM64_OP_IMM && a->operands[3].type == ARM64_OP_IMM &&
            a->operands[3].imm == 32 && o2->imm >= 0 && o2->imm <= 5) {
            set_dst(c, o0, d);
            d->op = DA_OP_LEA;
            d->base = DA_NOREG;
            d->index = reg(c, o1->reg);
            d->scale = (uint8_t)((1u << o2->imm) |
                                 (id == ARM64_INS_SBFIZ ? DA_SCALE_SEXT32 : DA_SCALE_ZEXT32));
            d->disp = 0;
            return;
        }
        break;
    case ARM64_INS_SMULL: case ARM64_INS_UMULL:
        /* x = w * w, each extended: a count times an element size */
        if (a->op_count == 3 && gpr(c, o0) && gpr(c, o1) && gpr(c, o2) &&
            rwidth(c, o0->reg) == 8 && rwidth(c, o1->reg) == 4 && rwidth(c, o2->reg) == 4) {
            set_dst(c, o0, d);
            d->op = DA_OP_MUL_REG;
            d->index = reg(c, o1->reg);
            d->src = reg(c, o2->reg);
            d->scale = id == ARM64_INS_SMULL ? DA_SCALE_SEXT32 : DA_SCALE_ZEXT32;
            return;
        }
        break;
    case ARM64_INS_SXTW: case ARM64_INS_SXTH: case ARM64_INS_SXTB:
    case ARM64_INS_UXTH: case ARM64_INS_UXTB: case ARM64_INS_UXTW:
        if (a->op_count == 2 && gpr(c, o0) && gpr(c, o1)) {
            set_dst(c, o0, d);
            d->op = DA_OP_EXT_REG;
            d->src = reg(c, o1->reg);
            d->width = id == ARM64_INS_SXTW || id == ARM64_INS_UXTW ? 4
                       : id == ARM64_INS_SXTH || id == ARM64_INS_UXTH ? 2 : 1;
            d->imm = id == ARM64_INS_SXTW || id == ARM64_INS_SXTH || id == ARM64_INS_SXTB;
            return;
        }
        break;
    case ARM64_INS_CSEL: case ARM64_INS_CSINC: case ARM64_INS_CSINV: case ARM64_INS_CSNEG:
        /* one of two registers, or (the second the zero register) of a
        ** register and a constant: 0, 1 (csinc), ~0 (csinv), 0 (csneg) */
        if (a->op_count == 3 && gpr(c, o0) && gpr(c, o1) &&
            rwidth(c, o0->reg) == rwidth(c, o1->reg)) {
            set_dst(c, o0, d);
            d->op = DA_OP_CMOV;
            d->src = reg(c, o1->reg);
            if (zero_reg(c, o2)) {
                d->mem_ind = 1;
                d->imm = id == ARM64_INS_CSINC ? 1 : id == ARM64_INS_CSINV ? -1 : 0;
                if (d->width == 4)
                    d->imm = (int64_t)(uint32_t)d->imm;
                return;
            }
            if (id == ARM64_INS_CSEL && gpr(c, o2) && rwidth(c, o2->reg) == d->width) {
                d->index = reg(c, o2->reg);
                return;
            }
        }
        break;
    case ARM64_INS_ADRP: case ARM64_INS_ADR:
        if (a->op_count == 2 && gpr(c, o0) && o1->type == ARM64_OP_IMM) {
            set_dst(c, o0, d);
            d->op = DA_OP_LEA;
            d->base = DA_PC;
            d->target = (uint64_t)o1->imm;
            return;
        }
        break;
    case ARM64_INS_LDR: case ARM64_INS_LDUR: case ARM64_INS_LDRB: case ARM64_INS_LDURB:
    case ARM64_INS_LDRH: case ARM64_INS_LDURH: case ARM64_INS_LDRSW: case ARM64_INS_LDURSW:
    case ARM64_INS_LDRSB: case ARM64_INS_LDURSB: case ARM64_INS_LDRSH: case ARM64_INS_LDURSH:
        if (load(c, in, d, 0))
            return;
        break;
    case ARM64_INS_LDP: case ARM64_INS_LDPSW: case ARM64_INS_LDNP:
        if (load(c, in, d, 1))
            return;
        break;
    case ARM64_INS_STR: case ARM64_INS_STUR: case ARM64_INS_STRB: case ARM64_INS_STURB:
    case ARM64_INS_STRH: case ARM64_INS_STURH:
        if (store(c, in, d, 0))
            return;
        break;
    case ARM64_INS_STP: case ARM64_INS_STNP:
        if (store(c, in, d, 1))
            return;
        break;
    default:
        break;
    }
    /* a form not modelled: start again from a clean entry */
    uint64_t addr = d->addr;
    uint8_t len = d->len;
    memset(d, 0, sizeof *d);
    d->addr = addr;
    d->len = len;
    generic(c, in, d);
}

static size_t aa64_decode(void *st, int fast, uint64_t *nfast, const uint8_t *code, size_t len,
                          uint64_t addr, da_insn **out, size_t *n, size_t *cap)
{
    aa64_ctx *c = st;
    (void)fast;
    (void)nfast;
    const uint8_t *p = code;
    size_t left = len;
    uint64_t pc = addr;
    size_t bad = 0;
    while (left > 0) {
        const uint8_t *before = p;
        size_t step = left < 4 ? left : 4;
        if (left < 4 || !cs_disasm_iter(c->cs, &p, &left, &pc, c->insn)) {
            /* an undecodable word (or a tail under 4 bytes): skip it,
            ** merging runs */
            p = before + step;
            left -= step;
            bad += step;
            arch_cs_bad(pc, (unsigned)step, out, n, cap);
            pc += step;
            continue;
        }
        classify(c, c->insn, arch_cs_push(c, out, n, cap));
    }
    return bad;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int64_t sext(uint64_t v, unsigned bits)
{
    uint64_t m = (uint64_t)1 << (bits - 1);
    v &= ((uint64_t)1 << bits) - 1;
    return (int64_t)((v ^ m) - m);
}

static void push_ref(da_ref **out, size_t *n, size_t *cap, uint64_t t, uint8_t kind)
{
    da_ref *r = HP_PUSH(*out, *n, *cap);
    r->target = t;
    r->kind = kind;
}

/* The branch targets and the addresses a body forms, from the encodings:
** b/bl imm26, b.cond/cbz/cbnz imm19, tbz/tbnz imm14; adr; ldr literal;
** adrp followed (anywhere later: the scan may over-approximate) by an add
** immediate or a 64-bit ldr/str immediate on the register it set. */
static void aa64_refs(void *st, const uint8_t *code, size_t len, uint64_t addr,
                      da_ref **out, size_t *n, size_t *cap)
{
    (void)st;
    uint64_t page[32];
    uint32_t have = 0;          /* registers page[] holds an address for */
    for (size_t k = 0; k + 4 <= len; k += 4) {
        uint32_t w = rd32(code + k);
        uint64_t pc = addr + k;
        if ((w & 0x7c000000) == 0x14000000) {                   /* b, bl */
            push_ref(out, n, cap, pc + (uint64_t)(sext(w, 26) * 4), DA_REF_BRANCH);
        } else if ((w & 0xff000010) == 0x54000000 ||             /* b.cond */
                   (w & 0x7e000000) == 0x34000000) {             /* cbz, cbnz */
            push_ref(out, n, cap, pc + (uint64_t)(sext(w >> 5, 19) * 4), DA_REF_BRANCH);
        } else if ((w & 0x7e000000) == 0x36000000) {             /* tbz, tbnz */
            push_ref(out, n, cap, pc + (uint64_t)(sext(w >> 5, 14) * 4), DA_REF_BRANCH);
        } else if ((w & 0x1f000000) == 0x10000000) {             /* adr, adrp */
            uint64_t imm = (uint64_t)((w >> 5) & 0x7ffff) << 2 | ((w >> 29) & 3);
            unsigned rd = w & 31;
            if (w & 0x80000000u) {
                page[rd] = (pc & ~(uint64_t)0xfff) + ((uint64_t)sext(imm, 21) << 12);
                have |= 1u << rd;
            } else {
                push_ref(out, n, cap, pc + (uint64_t)sext(imm, 21), DA_REF_ADDR);
                page[rd] = pc + (uint64_t)sext(imm, 21);
                have |= 1u << rd;
            }
        } else if ((w & 0xbf000000) == 0x18000000) {             /* ldr literal */
            push_ref(out, n, cap, pc + (uint64_t)(sext(w >> 5, 19) * 4), DA_REF_ADDR);
        } else if ((w & 0xff800000) == 0x91000000) {             /* add x, x, #imm */
            unsigned rn = (w >> 5) & 31, rd = w & 31;
            uint64_t imm = (w >> 10) & 0xfff;
            if (w & (1u << 22))
                imm <<= 12;
            if (rn < 31 && (have >> rn & 1)) {
                uint64_t a = page[rn] + imm;
                push_ref(out, n, cap, a, DA_REF_ADDR);
                if (rd < 31) {
                    page[rd] = a;
                    have |= 1u << rd;
                }
            }
        } else if ((w & 0xffc00000) == 0xf9400000 ||             /* ldr x, [x, #imm] */
                   (w & 0xffc00000) == 0xf9000000) {             /* str x, [x, #imm] */
            unsigned rn = (w >> 5) & 31;
            if (rn < 31 && (have >> rn & 1))
                push_ref(out, n, cap, page[rn] + ((w >> 10) & 0xfff) * 8, DA_REF_ADDR);
        }
    }
}

const da_backend da_backend_aarch64 = {
    EM_AARCH64, &arch_aarch64, aa64_open, arch_cs_free, aa64_decode, aa64_refs,
};
