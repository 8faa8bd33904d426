/*
** dwcode.c -- the helpers both code-side DWARF readers share (dwcode.h).
**
** Contract: pure functions over dwcode.h's types; no libdwarf, no I/O.
*/
#include "dwcode.h"

#include "hp.h"

enum { TAG_GNU_call_site = 0x4109 };   /* DW_TAG_GNU_call_site */

void dws_code_finish(dws_code_attrs *out, uint64_t high, int have_high, int high_is_offset)
{
    if (have_high && (out->has & DWC_LOW_PC)) {
        out->high_pc = high_is_offset ? out->low_pc + high : high;
        if (out->high_pc >= out->low_pc)
            out->has |= DWC_HIGH_PC;
    }
    /* gcc's pre-DWARF-5 call sites give the return address as low_pc */
    if (out->tag == TAG_GNU_call_site && (out->has & DWC_LOW_PC) &&
        !(out->has & DWC_RETURN_PC)) {
        out->return_pc = out->low_pc;
        out->has |= DWC_RETURN_PC;
    }
}

void dws_push_range(dws_range **v, size_t *n, size_t *cap, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return;
    dws_range *r = HP_PUSH(*v, *n, *cap);
    r->lo = lo;
    r->hi = hi;
}
