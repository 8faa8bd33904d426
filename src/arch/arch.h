/*
** arch/arch.h -- what one architecture's decoder provides to disasm.c.
**
** Contract: each src/arch/<name>.c defines one da_backend; disasm.c lists
** them and picks one by ELF e_machine in da_open().  A backend keeps its
** own state (opened once per da_ctx, used by one thread at a time) and
** fills da_insn exactly as disasm.h describes: registers in the
** architecture's DWARF numbering, one DA_KIND_BAD entry per run of
** undecodable bytes, no read outside [code, code+len), no allocation per
** instruction.  Adding an architecture is one more file here and one more
** line in disasm.c's table; nothing above disasm.h changes.
*/
#ifndef ARCH_H
#define ARCH_H

#include "disasm.h"

typedef struct da_backend {
    uint16_t machine;           /* ELF e_machine */
    const da_arch *arch;
    /* Returns the backend's state, or NULL with err set. */
    void *(*open)(const da_arch *arch, hp_err *err);
    void (*close)(void *st);
    /* da_decode() for this architecture.  fast: the backend's own decoder
    ** may be used before the general one (da_set_fast); *nfast counts the
    ** instructions it decoded. */
    size_t (*decode)(void *st, int fast, uint64_t *nfast, const uint8_t *code, size_t len,
                     uint64_t addr, da_insn **out, size_t *n, size_t *cap);
    /* da_refs() for this architecture, or NULL */
    void (*refs)(void *st, const uint8_t *code, size_t len, uint64_t addr,
                 da_ref **out, size_t *n, size_t *cap);
} da_backend;

extern const da_backend da_backend_x86_64;
extern const da_backend da_backend_aarch64;

#endif
