/*
** fz_disasm_a64.c -- libFuzzer harness for arch/aarch64.c, which has no
** fast path to hold to capstone (fz_disasm.c does that for x86-64): here
** the decoding is held to disasm.h's contract and to the backend's own
** bit-level reader of branches (da_refs).
**
** Input: raw bytes, taken as AArch64 code at an address chosen by the
** first eight bytes.  da_decode must give entries that tile the buffer
** in order (4 bytes each but for DA_KIND_BAD runs, whose lengths add up
** to what it returns), with every register field a register, DA_NOREG or
** (a base) DA_PC, a pair's second register and a writeback as disasm.h
** says (the written-back base not in wmask), DA_OP_TEST only on a
** register; and the direct branch targets capstone's decoding gives
** (call, jump, conditional jump) must be the branch targets da_refs reads
** from the encodings, as multisets.  Any difference aborts.
*/
#include "fz_common.h"

#include <string.h>

#include "disasm.h"

static da_ctx *dc;
static da_insn *a;
static da_ref *r;
static size_t acap, rcap;
static uint64_t *t1, *t2;
static size_t t1cap, t2cap;

static int reg_ok(uint8_t v, int pc_ok)
{
    return v < DA_NREGS || v == DA_NOREG || (pc_ok && v == DA_PC);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t p = *(const uint64_t *)x, q = *(const uint64_t *)y;
    return p < q ? -1 : p > q;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dc == NULL) {
        hp_err err = {0};
        if (da_open(183, &dc, &err) != 0)
            abort();
    }
    uint64_t addr = 0x400000;
    if (size >= 8) {
        memcpy(&addr, data, 8);
        data += 8;
        size -= 8;
    }
    size_t na = 0, nr = 0, n1 = 0, n2 = 0;
    size_t bad = da_decode(dc, data, size, addr, &a, &na, &acap);
    uint64_t pc = addr;
    size_t badsum = 0;
    for (size_t i = 0; i < na; i++) {
        const da_insn *d = &a[i];
        if (d->addr != pc || d->len == 0)
            abort();
        pc += d->len;
        if (d->kind == DA_KIND_BAD) {
            badsum += d->len;
            continue;
        }
        if (d->len != 4 || d->kind > DA_KIND_BAD)
            abort();
        if (!reg_ok(d->dst, 0) || !reg_ok(d->src, 0) || !reg_ok(d->base, 1) ||
            !reg_ok(d->index, 0))
            abort();
        if (d->reg2 != 0 && d->reg2 != DA_REG2_ZERO && d->reg2 > DA_NREGS)
            abort();
        if (d->wb != DA_WB_NONE &&
            (d->wb > DA_WB_POST || d->base >= DA_NREGS || (d->wmask >> d->base & 1)))
            abort();
        if (d->op == DA_OP_TEST && (d->src >= DA_NREGS || d->wmask != 0))
            abort();
        if ((d->kind == DA_KIND_CALL || d->kind == DA_KIND_JMP || d->kind == DA_KIND_JCC))
            *(uint64_t *)HP_PUSH(t1, n1, t1cap) = d->target;
    }
    if (pc != addr + size || badsum != bad)
        abort();
    if (!da_refs(dc, data, size, addr, &r, &nr, &rcap))
        abort();
    for (size_t i = 0; i < nr; i++)
        if (r[i].kind == DA_REF_BRANCH)
            *(uint64_t *)HP_PUSH(t2, n2, t2cap) = r[i].target;
    if (n1 != n2)
        abort();
    if (n1 == 0)
        return 0;
    qsort(t1, n1, sizeof *t1, cmp_u64);
    qsort(t2, n2, sizeof *t2, cmp_u64);
    if (memcmp(t1, t2, n1 * sizeof *t1) != 0)
        abort();
    return 0;
}
