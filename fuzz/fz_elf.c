/*
** fz_elf.c -- libFuzzer harness for the ELF image loader and the debug
** file search (src/elfimg.c, src/debugfind.c).
**
** Input: the bytes of an executable.  Everything analyze does with an
** image before DWARF is read: ei_open, df_locate (no system dirs, so a
** build-id never reaches /usr/lib/debug), every section's data (this
** decompresses SHF_COMPRESSED and .zdebug_ sections), symbols with PLT
** stubs, and symbol/GOT lookups.  Errors are expected; a crash, a
** sanitizer report, a leak or a hang is a bug.
*/
#include "fz_common.h"

#include <string.h>

#include "debugfind.h"
#include "elfimg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_file f;
    fz_open(&f, data, size);
    ei_image *img = NULL;
    hp_err err = { 0 };
    if (ei_open(f.path, &img, &err) == 0) {
        df_opts o = { .no_system_dirs = 1, .quiet = 1 };
        char *dp = NULL;
        df_how how;
        hp_err e2 = { 0 };
        if (df_locate(img, &o, &dp, &how, &e2) == 0)
            free(dp);
        for (size_t i = 0; i < img->nsections; i++) {
            const uint8_t *d;
            size_t len;
            hp_err e3 = { 0 };
            if (ei_section_data(img, &img->sections[i], &d, &len, &e3) == 0 && len > 0) {
                /* touch first and last byte: ASan checks the length is real */
                volatile uint8_t x = d[0];
                x = d[len - 1];
                (void)x;
            }
        }
        hp_err e4 = { 0 };
        if (ei_load_symbols(img, &e4) == 0) {
            for (size_t i = 0; i < img->nsymbols; i++) {
                const ei_symbol *s = ei_symbol_at(img, img->symbols[i].addr);
                if (s != NULL && s->name != NULL)
                    (void)strlen(s->name);
                (void)ei_got_name(img, img->symbols[i].addr);
            }
        }
        ei_close(img);
    }
    fz_close(&f);
    return 0;
}
