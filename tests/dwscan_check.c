/*
** dwscan_check.c -- checks src/dwscan.c against libdwarf.
**
** Usage: dwscan_check FILE...
**
** Contract: for every compile unit of every FILE, and for both settings
** of `scoped`, the subprogram offsets dsc_subprograms() finds in the raw
** bytes must equal those a walk through libdwarf (dwshim) finds by the
** same rule: subprogram DIEs having DW_AT_low_pc or DW_AT_ranges, at the
** unit's top level, inside namespaces, and (scoped) inside struct/class
** DIEs.  A unit the raw scan refuses is a failure too: the inputs are
** well-formed files from real compilers, which the scan must handle.
** dsc_subtree_ok() must also accept the subtree of every DIE with
** children at those levels (valid sibling pointers from real compilers).
** Prints one line per file ("FILE: U units, S subprograms, ok" or what
** differed) and exits 1 on any difference, 2 on unreadable input.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwscan.h"
#include "dwshim.h"
#include "elfimg.h"

#define TAG_class      0x02
#define TAG_structure  0x13
#define TAG_subprogram 0x2e
#define TAG_namespace  0x39

typedef struct vec {
    uint64_t *v;
    size_t n, cap;
} vec;

typedef struct raw {
    dsc_unit *u;
    uint64_t subtrees, refused;
} raw;

static void walk(dws_file *f, dws_die parent, int scoped, int depth, vec *out, raw *r)
{
    hp_err e = {0};
    dws_die c = dws_child(f, parent, &e);
    while (c && depth < 64) {
        uint16_t tag = dws_tag(f, c);
        if (tag == TAG_subprogram) {
            dws_code_attrs a;
            hp_err e2 = {0};
            if (dws_read_code(f, c, &a, &e2) == 0 && (a.has & (DWC_LOW_PC | DWC_RANGES)))
                *HP_PUSH(out->v, out->n, out->cap) = dws_offset(f, c);
        } else if (tag == TAG_namespace ||
                   (scoped && (tag == TAG_structure || tag == TAG_class))) {
            walk(f, c, scoped, depth + 1, out, r);
        }
        hp_err e3 = {0};
        dws_die kid = r ? dws_child(f, c, &e3) : NULL;
        if (kid) {
            r->subtrees++;
            if (r->u == NULL || !dsc_subtree_ok(r->u, dws_offset(f, c), NULL))
                r->refused++;
            dws_die_free(f, kid);
        }
        dws_die next = dws_sibling(f, c, &e);
        dws_die_free(f, c);
        c = next;
    }
}

static const uint8_t *bytes(ei_image *img, const char *name, size_t *len)
{
    const ei_section *s = ei_find_section(img, name);
    const uint8_t *p = NULL;
    hp_err e = {0};
    *len = 0;
    if (s == NULL || ei_section_data(img, s, &p, len, &e) != 0)
        return NULL;
    return p;
}

static int check_file(const char *path)
{
    hp_err err = {0};
    ei_image *img = NULL;
    dws_image *di = NULL;
    dws_file *f = NULL;
    if (ei_open(path, &img, &err) != 0 || dws_image_new(img, 0, &di, &err) != 0 ||
        dws_open_image(di, &f, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        dws_image_free(di);
        ei_close(img);
        return 2;
    }
    size_t ilen, alen;
    const uint8_t *info = bytes(img, ".debug_info", &ilen);
    const uint8_t *abbrev = bytes(img, ".debug_abbrev", &alen);
    vec want = {0}, got = {0};
    uint64_t units = 0, subs = 0, subtrees = 0;
    int bad = 0;
    dws_cu cu;
    while (!bad && dws_next_cu(f, &cu, &err) == 1) {
        for (int scoped = 0; scoped <= 1 && !bad; scoped++) {
            want.n = got.n = 0;
            dsc_unit *u = dsc_open(info, ilen, abbrev, alen, cu.hdr_offset, 512);
            raw r = { u, 0, 0 };
            if (cu.die)
                walk(f, cu.die, scoped, 0, &want, scoped ? &r : NULL);
            subtrees += r.subtrees;
            if (r.refused) {
                printf("%s: unit at 0x%" PRIx64 ": %" PRIu64 " of %" PRIu64 " subtrees refused "
                       "by dsc_subtree_ok\n", path, cu.hdr_offset, r.refused, r.subtrees);
                bad = 1;
            }
            int rc = u ? dsc_subprograms(u, scoped, &got.v, &got.n, &got.cap) : -1;
            dsc_close(u);
            if (rc != 0) {
                printf("%s: unit at 0x%" PRIx64 ": raw scan refused the unit\n", path,
                       cu.hdr_offset);
                bad = 1;
            } else if (got.n != want.n ||
                       (want.n && memcmp(got.v, want.v, want.n * sizeof *want.v) != 0)) {
                printf("%s: unit at 0x%" PRIx64 " (scoped %d): raw scan %zu subprograms, "
                       "libdwarf %zu\n", path, cu.hdr_offset, scoped, got.n, want.n);
                for (size_t i = 0; i < got.n || i < want.n; i++)
                    printf("  %2zu raw 0x%" PRIx64 "  libdwarf 0x%" PRIx64 "\n", i,
                           i < got.n ? got.v[i] : 0, i < want.n ? want.v[i] : 0);
                bad = 1;
            }
            if (scoped)
                subs += want.n;
        }
        units++;
        if (cu.die)
            dws_die_free(f, cu.die);
    }
    if (err.set) {
        printf("%s: %s\n", path, err.msg);
        bad = 1;
    }
    if (!bad && (units == 0 || subs == 0 || subtrees == 0)) {
        printf("%s: nothing to compare (%" PRIu64 " units, %" PRIu64 " subprograms)\n", path,
               units, subs);
        bad = 1;
    }
    if (!bad)
        printf("%s: %" PRIu64 " units, %" PRIu64 " subprograms, %" PRIu64 " subtrees, ok\n",
               path, units, subs, subtrees);
    free(want.v);
    free(got.v);
    dws_close(f);
    dws_image_free(di);
    ei_close(img);
    return bad;
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: dwscan_check FILE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        int r = check_file(argv[i]);
        if (r > rc)
            rc = r;
    }
    return rc;
}
