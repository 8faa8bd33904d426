/*
** arch/cs.c -- the capstone handle the decoders in src/arch/ share (see
** arch/cs.h).
*/
#include "arch/cs.h"

int arch_cs_open(cs_arch arch, cs_mode mode, const char *name, csh *cs, cs_insn **insn,
                 hp_err *err)
{
    if (cs_open(arch, mode, cs) != CS_ERR_OK) {
        hp_errf(err, NULL, "capstone cannot open an %s decoder", name);
        return -1;
    }
    cs_option(*cs, CS_OPT_DETAIL, CS_OPT_ON);
    *insn = cs_malloc(*cs);
    if (*insn == NULL) {
        cs_close(cs);
        hp_errf(err, NULL, "capstone: out of memory");
        return -1;
    }
    return 0;
}

void arch_cs_close(csh *cs, cs_insn *insn)
{
    cs_free(insn, 1);
    cs_close(cs);
}
