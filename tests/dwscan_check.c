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
** Inside every such subprogram, every DIE of its subtree is read both
** ways too: the raw reader's attributes (dsc_read_code), address ranges
** (dsc_ranges), location descriptions of DW_AT_location, frame_base,
** call_value and GNU_call_site_value (dsc_locations), first child and
** next sibling must equal dwshim's (dws_read_code, dws_ranges,
** dws_locations, dws_child, dws_sibling; the sibling found from a read,
** dsc_sibling_of, too); a DIE or list the raw reader
** refuses counts as a difference.  So does a unit whose line table file
** names (dsc_file_names) differ from libdwarf's (dws_srcfiles_libdwarf).
** Prints one line per file ("FILE: U units, S subprograms, D code DIEs,
** ok" or what differed) and exits 1 on any difference, 2 on unreadable
** input.  DWSCAN_CHECK_VERBOSE=1 in the environment also prints the two
** location lists of each difference, operation by operation.
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
    uint64_t code_dies, code_bad;   /* DIEs under subprograms compared, differing */
    uint64_t cu_base;
    dws_range *r1, *r2;
    size_t nr1, nr2, cr1, cr2;
    dws_loc *l1, *l2;
    size_t nl1, nl2, cl1, cl2;
    const char *path;
} raw;

static int same_str(const char *a, const char *b)
{
    return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

static int same_attrs(const dws_code_attrs *x, const dws_code_attrs *y)
{
    return x->off == y->off && x->has == y->has && x->tag == y->tag &&
           x->has_children == y->has_children && same_str(x->name, y->name) &&
           same_str(x->linkage_name, y->linkage_name) && x->low_pc == y->low_pc &&
           x->high_pc == y->high_pc && x->entry_pc == y->entry_pc &&
           x->call_file == y->call_file && x->call_line == y->call_line &&
           x->return_pc == y->return_pc && x->call_pc == y->call_pc && x->type == y->type &&
           x->origin == y->origin && x->specification == y->specification &&
           x->call_origin == y->call_origin && x->byte_size == y->byte_size &&
           x->decl_file == y->decl_file && x->decl_line == y->decl_line &&
           x->go_runtime_type == y->go_runtime_type && x->stmt_list == y->stmt_list &&
           x->const_value == y->const_value;
}

static int same_locs(const dws_loc *a, const dws_loc *b, size_t n)
{
    if (getenv("DWSCAN_CHECK_VERBOSE"))
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < a[i].nops && k < b[i].nops; k++)
                if (a[i].ops[k].op != b[i].ops[k].op || a[i].ops[k].n1 != b[i].ops[k].n1 ||
                    a[i].ops[k].n2 != b[i].ops[k].n2)
                    printf("  op %02x %" PRIx64 " %" PRIx64 " | %02x %" PRIx64 " %" PRIx64 "\n",
                           a[i].ops[k].op, a[i].ops[k].n1, a[i].ops[k].n2,
                           b[i].ops[k].op, b[i].ops[k].n1, b[i].ops[k].n2);
    for (size_t i = 0; i < n; i++) {
        if (a[i].lo != b[i].lo || a[i].hi != b[i].hi || a[i].nops != b[i].nops ||
            a[i].truncated != b[i].truncated)
            return 0;
        for (int k = 0; k < a[i].nops; k++)
            if (a[i].ops[k].op != b[i].ops[k].op || a[i].ops[k].n1 != b[i].ops[k].n1 ||
                a[i].ops[k].n2 != b[i].ops[k].n2)
                return 0;
    }
    return 1;
}

static void code_diff(raw *r, uint64_t off, const char *what)
{
    if (r->code_bad++ < 10)
        printf("%s: DIE at 0x%" PRIx64 ": raw and libdwarf differ: %s\n", r->path, off, what);
}

/* Compare one DIE under a subprogram, then its children. */
static void compare_code(dws_file *f, dws_die die, raw *r, int depth)
{
    uint64_t off = dws_offset(f, die);
    r->code_dies++;
    hp_err e = {0};
    dws_code_attrs want;
    dsc_code got;
    if (dws_read_code(f, die, &want, &e) != 0) {
        code_diff(r, off, "libdwarf cannot read it");
        return;
    }
    if (dsc_read_code(r->u, off, &got) != 0) {
        code_diff(r, off, "the raw reader refused it");
        return;
    }
    if (!same_attrs(&want, &got.a))
        code_diff(r, off, "attributes");
    /* the sibling from the read (dsc_sibling_of) is the sibling the DIE's
    ** own parse gives (dsc_next_sibling, checked against libdwarf below) */
    uint64_t s1 = 0, s2 = 0;
    int k1 = dsc_sibling_of(r->u, &got, &s1), k2 = dsc_next_sibling(r->u, off, &s2);
    if (k1 != k2 || (k1 == 1 && s1 != s2))
        code_diff(r, off, "sibling from the read");
    r->nr1 = r->nr2 = 0;
    int a1 = dws_ranges(f, die, &want, r->cu_base, &r->r1, &r->nr1, &r->cr1, &e);
    int a2 = dsc_ranges(r->u, &got, &r->r2, &r->nr2, &r->cr2);
    if (a1 != a2 || r->nr1 != r->nr2 ||
        (r->nr1 && memcmp(r->r1, r->r2, r->nr1 * sizeof *r->r1) != 0))
        code_diff(r, off, "address ranges");
    static const uint16_t attrs[4] = { 0x02, 0x40, 0x7e, 0x2111 };
    const dsc_attr *raws[4] = { &got.location, &got.frame_base, &got.call_value,
                                &got.gnu_call_value };
    for (int i = 0; i < 4; i++) {
        r->nl1 = r->nl2 = 0;
        a1 = dws_locations(f, die, attrs[i], &r->l1, &r->nl1, &r->cl1, &e);
        a2 = dsc_locations(r->u, raws[i], &r->l2, &r->nl2, &r->cl2);
        if (a1 != a2 || r->nl1 != r->nl2 || !same_locs(r->l1, r->l2, r->nl1)) {
            if (getenv("DWSCAN_CHECK_VERBOSE")) {
                printf("  libdwarf rc %d n %zu / raw rc %d n %zu\n", a1, r->nl1, a2, r->nl2);
                for (size_t k = 0; k < r->nl1 || k < r->nl2; k++) {
                    const dws_loc *x = k < r->nl1 ? &r->l1[k] : NULL, *y = k < r->nl2 ? &r->l2[k] : NULL;
                    printf("  %zu: [%" PRIx64 ",%" PRIx64 ") n%d op%02x %" PRIx64 " | [%" PRIx64 ",%" PRIx64 ") n%d op%02x %" PRIx64 "\n", k,
                           x ? x->lo : 0, x ? x->hi : 0, x ? x->nops : -1, x && x->nops ? x->ops[0].op : 0, x && x->nops ? x->ops[0].n1 : 0,
                           y ? y->lo : 0, y ? y->hi : 0, y ? y->nops : -1, y && y->nops ? y->ops[0].op : 0, y && y->nops ? y->ops[0].n1 : 0);
                }
            }
            code_diff(r, off, attrs[i] == 0x02 ? "DW_AT_location" : attrs[i] == 0x40
                      ? "DW_AT_frame_base" : "call value");
        }
    }
    /* children, and the raw navigation to each of them */
    uint64_t roff = 0;
    int rr = dsc_first_child(r->u, off, &roff);
    dws_die c = depth < 64 ? dws_child(f, die, &e) : NULL;
    if (depth < 64 && (rr != (c != NULL) || (c && roff != dws_offset(f, c))))
        code_diff(r, off, "first child");
    while (c) {
        compare_code(f, c, r, depth + 1);
        uint64_t coff = dws_offset(f, c);
        dws_die next = dws_sibling(f, c, &e);
        rr = dsc_next_sibling(r->u, coff, &roff);
        if (rr != (next != NULL) || (next && roff != dws_offset(f, next)))
            code_diff(r, coff, "next sibling");
        dws_die_free(f, c);
        c = next;
    }
}

static void walk(dws_file *f, dws_die parent, int scoped, int depth, vec *out, raw *r)
{
    hp_err e = {0};
    dws_die c = dws_child(f, parent, &e);
    while (c && depth < 64) {
        uint16_t tag = dws_tag(f, c);
        if (tag == TAG_subprogram) {
            dws_code_attrs a;
            hp_err e2 = {0};
            if (dws_read_code(f, c, &a, &e2) == 0 && (a.has & (DWC_LOW_PC | DWC_RANGES))) {
                *HP_PUSH(out->v, out->n, out->cap) = dws_offset(f, c);
                if (r && r->u)
                    compare_code(f, c, r, 0);
            }
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
    const uint8_t *info = ei_dwarf_section(img, "info", &ilen);
    const uint8_t *abbrev = ei_dwarf_section(img, "abbrev", &alen);
    vec want = {0}, got = {0};
    uint64_t units = 0, subs = 0, subtrees = 0, code_dies = 0, files = 0;
    size_t llen = 0;
    const uint8_t *line = ei_dwarf_section(img, "line", &llen);
    dsc_sections secs;
    dsc_sections_load(img, &secs);
    int bad = 0;
    dws_cu cu;
    while (!bad && dws_next_cu(f, &cu, &err) == 1) {
        for (int scoped = 0; scoped <= 1 && !bad; scoped++) {
            want.n = got.n = 0;
            /* the second pass opens in two steps, as dwlines.c does */
            dsc_unit *u = scoped ? dsc_open_head(info, ilen, abbrev, alen, cu.hdr_offset, 512)
                                 : dsc_open(info, ilen, abbrev, alen, cu.hdr_offset, 512);
            raw r;
            memset(&r, 0, sizeof r);
            r.u = u;
            r.path = path;
            if (u && dsc_code_init(u, &secs) != 0) {
                printf("%s: unit at 0x%" PRIx64 ": the raw reader refused the unit DIE\n", path,
                       cu.hdr_offset);
                bad = 1;
            }
            dws_code_attrs ua;
            hp_err ue = {0};
            int have_ua = cu.die && dws_read_code(f, cu.die, &ua, &ue) == 0;
            if (scoped && u && !bad) {
                /* before the rest of its abbreviations, the unit DIE reads
                ** as libdwarf reads it */
                dsc_code uc;
                if (dsc_read_code(u, dsc_unit_die(u), &uc) != 0 ||
                    (have_ua && !same_attrs(&uc.a, &ua)) || dsc_open_rest(u) != 0) {
                    printf("%s: unit at 0x%" PRIx64 ": the two-step open differs\n", path,
                           cu.hdr_offset);
                    bad = 1;
                }
            }
            if (have_ua && (ua.has & DWC_LOW_PC))
                r.cu_base = ua.low_pc;
            if (cu.die)
                walk(f, cu.die, scoped, 0, &want, scoped ? &r : NULL);
            subtrees += r.subtrees;
            code_dies += r.code_dies;
            if (r.code_bad) {
                printf("%s: unit at 0x%" PRIx64 ": %" PRIu64 " of %" PRIu64 " code DIEs differ\n",
                       path, cu.hdr_offset, r.code_bad, r.code_dies);
                bad = 1;
            }
            free(r.r1);
            free(r.r2);
            free(r.l1);
            free(r.l2);
            if (r.refused) {
                printf("%s: unit at 0x%" PRIx64 ": %" PRIu64 " of %" PRIu64 " subtrees refused "
                       "by dsc_subtree_ok\n", path, cu.hdr_offset, r.refused, r.subtrees);
                bad = 1;
            }
            /* the line table's file names, both ways (once per unit) */
            if (scoped && u && have_ua && (ua.has & DWC_STMT_LIST) && !bad &&
                cu.die) {
                const char **want_f = NULL;
                uint64_t nwant = 0;
                char **got_f = NULL;
                uint64_t ngot = 0;
                hp_err fe = {0};
                int w1 = dws_srcfiles_libdwarf(f, cu.die, cu.version, &want_f, &nwant, &fe);
                int w2 = dsc_file_names(line, llen, ua.stmt_list, dsc_comp_dir(u), &secs,
                                        cu.version, &got_f, &ngot);
                int same = w1 == 0 && w2 == 0 && nwant == ngot;
                for (uint64_t k = 0; same && k < nwant; k++)
                    same = same_str(want_f[k], got_f[k]);
                files += nwant;
                if (!same) {
                    printf("%s: unit at 0x%" PRIx64 ": file names differ (libdwarf %d, %"
                           PRIu64 " names; raw %d, %" PRIu64 ")\n", path, cu.hdr_offset, w1,
                           nwant, w2, ngot);
                    for (uint64_t k = 0; k < nwant || k < ngot; k++)
                        if (k < 6 || getenv("DWSCAN_CHECK_VERBOSE"))
                            printf("  %2" PRIu64 " libdwarf %s  raw %s\n", k,
                                   k < nwant && want_f[k] ? want_f[k] : "-",
                                   k < ngot && got_f[k] ? got_f[k] : "-");
                    bad = 1;
                }
                free(got_f);
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
    if (!bad && (units == 0 || subs == 0 || subtrees == 0 || code_dies == 0)) {
        printf("%s: nothing to compare (%" PRIu64 " units, %" PRIu64 " subprograms)\n", path,
               units, subs);
        bad = 1;
    }
    if (!bad)
        printf("%s: %" PRIu64 " units, %" PRIu64 " subprograms, %" PRIu64 " subtrees, %" PRIu64
               " code DIEs, %" PRIu64 " file names, ok\n", path, units, subs, subtrees, code_dies,
               files);
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
