/*
** arch/cs.h -- the capstone handle the decoders in src/arch/ share.
**
** Contract: arch_cs_open() opens capstone for one architecture and mode
** with operand details on and one instruction buffer (cs_malloc), or
** returns -1 with err naming the architecture and nothing left open;
** arch_cs_close() frees both.  Only the backends under src/arch/ use it.
*/
#ifndef ARCH_CS_H
#define ARCH_CS_H

#include <capstone/capstone.h>
#include "hp.h"

int arch_cs_open(cs_arch arch, cs_mode mode, const char *name, csh *cs, cs_insn **insn,
                 hp_err *err);
void arch_cs_close(csh *cs, cs_insn *insn);

#endif
