/*
** disasm.c -- da_ decoders (see disasm.h): the architecture-neutral part.
**
** Contract: da_open() picks the decoder of an ELF machine from the
** backends in src/arch/ (arch/arch.h) and fails, with a message naming
** the machine, for one that has none; every other da_ call forwards to
** the backend chosen.  Nothing here knows an instruction set.
*/
#include "disasm.h"

#include <stdlib.h>

#include "arch/arch.h"

/* Every architecture with a decoder. */
static const da_backend *const backends[] = {
    &da_backend_x86_64,
    &da_backend_aarch64,
};

struct da_ctx {
    const da_backend *be;
    void *st;                   /* the backend's own state */
    int fast;                   /* the backend's fast decoder first (da_set_fast) */
    uint64_t nfast;             /* instructions it decoded */
};

int da_open(uint16_t machine, da_ctx **out, hp_err *err)
{
    const da_backend *be = NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (backends[i]->machine == machine)
            be = backends[i];
    if (be == NULL)
        return hp_errf(err, NULL, "no disassembler for ELF machine %u (only x86-64 and AArch64)",
                       (unsigned)machine);
    void *st = be->open(be->arch, err);
    if (st == NULL)
        return -1;
    da_ctx *c = hp_xcalloc(1, sizeof *c);
    c->be = be;
    c->st = st;
    c->fast = 1;
    *out = c;
    return 0;
}

void da_close(da_ctx *c)
{
    if (c == NULL)
        return;
    c->be->close(c->st);
    free(c);
}

void da_set_fast(da_ctx *c, int on)
{
    c->fast = on;
}

uint64_t da_fast_count(const da_ctx *c)
{
    return c->nfast;
}

void da_fast_reset(da_ctx *c)
{
    c->nfast = 0;
}

const da_arch *da_arch_of(const da_ctx *c)
{
    return c->be->arch;
}

const char *da_kind_name(da_kind k)
{
    static const char *const names[] = {
        "other", "call", "icall", "jmp", "ijmp", "jcc", "ret", "halt", "bad"
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

size_t da_decode(da_ctx *c, const uint8_t *code, size_t len, uint64_t addr,
                 da_insn **out, size_t *n, size_t *cap)
{
    return c->be->decode(c->st, c->fast, &c->nfast, code, len, addr, out, n, cap);
}

int da_refs(da_ctx *c, const uint8_t *code, size_t len, uint64_t addr,
            da_ref **out, size_t *n, size_t *cap)
{
    if (c->be->refs == NULL)
        return 0;
    c->be->refs(c->st, code, len, addr, out, n, cap);
    return 1;
}
