/*
** arch/cs.h -- the capstone state the decoders in src/arch/ share.
**
** Contract: arch_cs_new() opens capstone for one architecture and mode
** with operand details on and one instruction buffer (cs_malloc), and a
** register map that starts empty (every capstone register DA_NOREG, width
** 0) and that the backend's fill() then sets (arch_cs_map); or returns NULL with err naming the architecture and
** nothing left open.  arch_cs_free() frees it all.  arch_cs_reg() and
** arch_cs_width() read the map: a register capstone numbers outside it
** is DA_NOREG of width 0.  arch_cs_bad() records a run of undecodable
** bytes (one DA_KIND_BAD entry per run, as disasm.h says) and
** arch_cs_push() the entry of the instruction capstone just decoded,
** cleared but for its address and length.  Only the backends under
** src/arch/ use it.
*/
#ifndef ARCH_CS_H
#define ARCH_CS_H

#include <capstone/capstone.h>
#include "disasm.h"

/* more than any architecture's capstone register count (cs.c checks) */
#define ARCH_CS_NREGS 512

typedef struct arch_cs {
    csh cs;
    cs_insn *insn;
    const da_arch *arch;
    uint8_t regmap[ARCH_CS_NREGS];      /* capstone register -> DWARF number */
    uint8_t regwidth[ARCH_CS_NREGS];    /* bytes of that name (0: none we track) */
} arch_cs;

arch_cs *arch_cs_new(cs_arch arch, cs_mode mode, const char *name, const da_arch *da,
                     void (*fill)(arch_cs *c), hp_err *err);
void arch_cs_free(void *c);
void arch_cs_bad(uint64_t pc, unsigned len, da_insn **out, size_t *n, size_t *cap);
da_insn *arch_cs_push(const arch_cs *c, da_insn **out, size_t *n, size_t *cap);

static inline void arch_cs_map(arch_cs *c, unsigned r, uint8_t num, uint8_t width)
{
    c->regmap[r] = num;
    c->regwidth[r] = width;
}

static inline uint8_t arch_cs_reg(const arch_cs *c, unsigned r)
{
    return r < ARCH_CS_NREGS ? c->regmap[r] : DA_NOREG;
}

static inline uint8_t arch_cs_width(const arch_cs *c, unsigned r)
{
    return r < ARCH_CS_NREGS ? c->regwidth[r] : 0;
}

#endif
