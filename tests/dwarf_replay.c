/*
** dwarf_replay.c -- reads the types of many files in ONE process.
**
** Usage: dwarf_replay FILE...
**
** Contract: for every FILE in order, what fuzz/fz_dwarf does with an
** input -- ei_open, then dt_load with one thread, then free everything --
** in a single process, printing "FILE: ok" or "FILE: <the one-line
** error>".  Exit status 0 when every file was handled (read or refused),
** whatever the files hold; a crash is the failure it exists to catch.
** holeprof keeps no state between files, but libdwarf 20210528 did: a
** file it answered "no DWARF" for, or one its own ELF reader failed on,
** could make a later dwarf_object_init_b crash (fuzz/README.md).  The
** sequences under tests/fuzz-regress/seq-* are such runs.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwtypes.h"
#include "elfimg.h"
#include "typeset.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dwarf_replay FILE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        ei_image *img = NULL;
        hp_err err = { 0 };
        if (ei_open(argv[i], &img, &err) == 0) {
            dt_opts o;
            memset(&o, 0, sizeof o);
            o.cacheline = 64;
            o.jobs = 1;         /* and no o.image: dt_load opens its own, as fz_dwarf */
            dt_result res;
            memset(&res, 0, sizeof res);
            if (dt_load(argv[i], &o, &res, &err) == 0) {
                ts_free(res.types);
                free(res.producer);
                free(res.truncated_name);
            }
            ei_close(img);
        }
        printf("%s: %s\n", argv[i], err.set ? err.msg : "ok");
        fflush(stdout);
    }
    return 0;
}
