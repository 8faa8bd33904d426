/*
** arch/cs.c -- the capstone state the decoders in src/arch/ share (see
** arch/cs.h).
*/
#include "arch/cs.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(X86_REG_ENDING <= ARCH_CS_NREGS, "x86 registers fit the map");
_Static_assert(ARM64_REG_ENDING <= ARCH_CS_NREGS, "ARM64 registers fit the map");

arch_cs *arch_cs_new(cs_arch arch, cs_mode mode, const char *name, const da_arch *da,
                     void (*fill)(arch_cs *c), hp_err *err)
{
    arch_cs *c = hp_xcalloc(1, sizeof *c);
    if (cs_open(arch, mode, &c->cs) != CS_ERR_OK) {
        hp_errf(err, NULL, "capstone cannot open an %s decoder", name);
        free(c);
        return NULL;
    }
    cs_option(c->cs, CS_OPT_DETAIL, CS_OPT_ON);
    c->insn = cs_malloc(c->cs);
    if (c->insn == NULL) {
        cs_close(&c->cs);
        free(c);
        hp_errf(err, NULL, "capstone: out of memory");
        return NULL;
    }
    c->arch = da;
    memset(c->regmap, DA_NOREG, sizeof c->regmap);
    fill(c);
    return c;
}

void arch_cs_free(void *st)
{
    arch_cs *c = st;
    cs_free(c->insn, 1);
    cs_close(&c->cs);
    free(c);
}

void arch_cs_bad(uint64_t pc, unsigned len, da_insn **out, size_t *n, size_t *cap)
{
    da_insn *last = *n > 0 ? &(*out)[*n - 1] : NULL;
    if (last && last->kind == DA_KIND_BAD && last->addr + last->len == pc &&
        last->len <= 255 - len) {
        last->len = (uint8_t)(last->len + len);
        return;
    }
    da_insn *d = HP_PUSH(*out, *n, *cap);
    memset(d, 0, sizeof *d);
    d->addr = pc;
    d->len = (uint8_t)len;
    d->kind = DA_KIND_BAD;
    d->dst = d->src = d->base = d->index = DA_NOREG;
}

da_insn *arch_cs_push(const arch_cs *c, da_insn **out, size_t *n, size_t *cap)
{
    da_insn *d = HP_PUSH(*out, *n, *cap);
    memset(d, 0, sizeof *d);
    d->addr = c->insn->address;
    d->len = (uint8_t)c->insn->size;
    d->dst = d->src = d->base = d->index = DA_NOREG;
    return d;
}
