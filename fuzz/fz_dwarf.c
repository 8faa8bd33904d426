/*
** fz_dwarf.c -- libFuzzer harness for the DWARF type reader
** (src/dwshim*.c, src/dwtypes.c, src/typeset.c, src/layout.c).
**
** Input: the bytes of an executable with DWARF.  The same order as
** analyze: ei_open validates the ELF first (holeprof never hands libdwarf
** a file ei_open refused), then dt_load reads every type with one
** thread, and each layout's optimal order is computed as analyze does
** before storing.
*/
#include "fz_common.h"

#include <string.h>

#include "dwtypes.h"
#include "elfimg.h"
#include "layout.h"
#include "typeset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_file f;
    fz_open(&f, data, size);
    ei_image *img = NULL;
    hp_err err = { 0 };
    if (ei_open(f.path, &img, &err) == 0) {
        dt_opts o;
        memset(&o, 0, sizeof o);
        o.cacheline = 64;
        o.jobs = 1;
        dt_result res;
        memset(&res, 0, sizeof res);
        hp_err e2 = { 0 };
        if (dt_load(f.path, &o, &res, &e2) == 0) {
            uint32_t *order = NULL;
            size_t cap = 0;
            for (size_t i = 0; i < ts_count(res.types); i++) {
                ts_entry *e = ts_get(res.types, i);
                hp_grow((void **)&order, &cap, e->t.nmembers + 1, sizeof *order);
                lay_optimal_order(&e->t, order);
            }
            free(order);
        }
        if (res.types)
            ts_free(res.types);
        free(res.producer);
        ei_close(img);
    }
    fz_close(&f);
    return 0;
}
