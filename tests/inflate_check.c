/*
** inflate_check.c -- loads every section of an ELF file through elfimg,
** in section-table order, the way the DWARF readers do (ei_section_data).
**
** Usage: inflate_check FILE
**
** Contract: prints one line per section with file data, "NAME SIZE ok"
** or "NAME error: MESSAGE", and exits 0 when every section loaded, 1 when
** one did not, 2 when the file does not open.  For tests/t_compress.sh:
** the decompression budget of one image is shared by all its sections,
** which the analyzer inflates lazily and in an order that depends on its
** threads; here the order is fixed.
*/
#include <stdio.h>

#include "elfimg.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: inflate_check FILE\n");
        return 2;
    }
    ei_image *img = NULL;
    hp_err err = {0};
    if (ei_open(argv[1], &img, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    int rc = 0;
    for (size_t i = 0; i < img->nsections; i++) {
        const ei_section *s = &img->sections[i];
        if (s->size == 0 || s->type == 8 /* SHT_NOBITS */ || s->name[0] == '\0')
            continue;
        const uint8_t *p = NULL;
        size_t len = 0;
        hp_err e2 = {0};
        if (ei_section_data(img, s, &p, &len, &e2) == 0) {
            printf("%s %zu ok\n", s->name, len);
        } else {
            printf("%s error: %s\n", s->name, e2.msg);
            rc = 1;
        }
    }
    ei_close(img);
    return rc;
}
