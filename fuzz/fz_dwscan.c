/*
** fz_dwscan.c -- libFuzzer harness for the raw DWARF reader (src/dwscan.c)
** that dwlines.c reads function bodies with: unit headers and
** abbreviations, the unit DIE's bases, child/sibling steps, attributes,
** range lists and location lists with their expressions.
**
** Input: an ELF file.  Every unit dsc_unit_offsets() finds is opened; its
** DIEs are walked from the unit DIE by dsc_first_child/dsc_next_sibling
** (depth-first, at most 20000 DIEs per input so one input stays fast) and
** each is read with dsc_read_code, dsc_sibling_of, dsc_ranges and
** dsc_locations on all four location attributes; each unit's line table
** file names are read with dsc_file_names.  No libdwarf: this is the
** reader that must stand alone on hostile bytes.
*/
#include "fz_common.h"

#include <string.h>

#include "dwscan.h"
#include "elfimg.h"

typedef struct scratch {
    dws_range *r;
    size_t nr, cr;
    dws_loc *l;
    size_t nl, cl;
    unsigned budget;
} scratch;

static void visit(dsc_unit *u, uint64_t off, int depth, scratch *s)
{
    while (s->budget > 0) {
        s->budget--;
        dsc_code c;
        if (dsc_read_code(u, off, &c) == 0) {
            uint64_t sib;
            dsc_sibling_of(u, &c, &sib);
            s->nr = 0;
            dsc_ranges(u, &c, &s->r, &s->nr, &s->cr);
            const dsc_attr *at[4] = { &c.location, &c.frame_base, &c.call_value,
                                      &c.gnu_call_value };
            for (int i = 0; i < 4; i++) {
                s->nl = 0;
                dsc_locations(u, at[i], &s->l, &s->nl, &s->cl);
            }
        }
        uint64_t kid;
        if (depth < 64 && dsc_first_child(u, off, &kid) == 1)
            visit(u, kid, depth + 1, s);
        if (dsc_next_sibling(u, off, &off) != 1)
            return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_file f;
    fz_open(&f, data, size);
    ei_image *img = NULL;
    hp_err err = { 0 };
    if (ei_open(f.path, &img, &err) == 0) {
        size_t ilen, alen;
        const uint8_t *info = ei_dwarf_section(img, "info", &ilen);
        const uint8_t *abbrev = ei_dwarf_section(img, "abbrev", &alen);
        dsc_sections secs;
        dsc_sections_load(img, &secs);
        size_t llen = 0;
        const uint8_t *line = ei_dwarf_section(img, "line", &llen);
        uint64_t *units = NULL;
        size_t nunits = 0;
        scratch s;
        memset(&s, 0, sizeof s);
        s.budget = 20000;
        dsc_unit_offsets(info, ilen, &units, &nunits);
        for (size_t i = 0; i < nunits && s.budget > 0; i++) {
            /* every other unit in two steps (dsc_open_head, the unit
            ** DIE, dsc_open_rest), as dwlines.c opens them */
            dsc_unit *u = i & 1 ? dsc_open_head(info, ilen, abbrev, alen, units[i], 64)
                                : dsc_open(info, ilen, abbrev, alen, units[i], 64);
            if (u == NULL)
                continue;
            if (i & 1) {
                dsc_code uc;
                dsc_read_code(u, dsc_unit_die(u), &uc);
                if (dsc_open_rest(u) != 0) {
                    dsc_close(u);
                    continue;
                }
            }
            /* the whole unit from its unit DIE, then the subprograms the
            ** top-level scan names (as dwlines.c reaches them) */
            uint64_t die_off, next;
            unsigned version;
            if (dsc_code_init(u, &secs) == 0 &&
                dsc_header(info, ilen, units[i], &die_off, &next, &version) == 0) {
                /* the line table's file names, when the unit names one */
                dsc_code uc;
                if (dsc_read_code(u, die_off, &uc) == 0 && (uc.a.has & DWC_STMT_LIST)) {
                    char **names = NULL;
                    uint64_t nn = 0;
                    if (dsc_file_names(line, llen, uc.a.stmt_list, dsc_comp_dir(u), &secs,
                                       version, &names, &nn) == 0)
                        for (uint64_t k = 0; k < nn; k++)
                            if (names[k])
                                s.budget -= s.budget > 0 && strlen(names[k]) > 4096;
                    free(names);
                }
                visit(u, dsc_unit_die(u), 0, &s);
                uint64_t *offs = NULL;
                size_t n = 0, cap = 0;
                if (dsc_subprograms(u, 1, &offs, &n, &cap) == 0)
                    for (size_t k = 0; k < n && s.budget > 0; k++)
                        visit(u, offs[k], 0, &s);
                free(offs);
            }
            dsc_close(u);
        }
        free(units);
        free(s.r);
        free(s.l);
        ei_close(img);
    }
    fz_close(&f);
    return 0;
}
