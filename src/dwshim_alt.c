/*
** dwshim_alt.c -- which units of a dwz supplementary file a file imports,
** found raw (dwshim_int.h).
**
** Contract: dwi_ensure_imports follows, once per image and under its mutex,
** the DW_TAG_imported_unit edges from every unit of the file through the
** partial units of the file and of its supplementary file (dsc_imports),
** and keeps the supplementary units reached (the unit iterator visits
** them after the file's own) and, for each partial unit, the language
** and unit DIE of the first compile unit importing it (dwi_partial_of: dwz
** writes neither language nor comp_dir in partial units).  A unit that
** does not parse is passed over here; the type reader meets it and says
** what is wrong.
*/
#include "dwshim_int.h"

/* ---- the supplementary file's units ----
** A dwz'd file's units import partial units (DW_TAG_imported_unit) of
** its own and of the supplementary file; the type reader walks, after the
** file's own units, the supplementary units it imports, directly or
** through others -- not every unit there, which holds the DIEs of every
** file dwz was run over.  Found once per image by a raw pass over the
** unit DIEs and their top-level children (dsc_imports), which also gives
** each partial unit the language of the first unit importing it. */

typedef struct uinfo {
    uint64_t off;                /* header offset (DWS_ALT: supplementary) */
    uint64_t die;                /* unit DIE offset, likewise */
    uint64_t lang, origin;       /* see ulang; origin 0: none yet */
    int partial, queued;
} uinfo;

typedef struct uedge {
    uinfo *from, *to;
} uedge;

/* index of the unit of v (sorted by off) that holds offset x, or n */
static size_t unit_holding(const uinfo *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].off <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? n : lo - 1;
}

static int cmp_ulang(const void *a, const void *b)
{
    return cmp_u64(&((const ulang *)a)->off, &((const ulang *)b)->off);
}

/* The units of one file (DWS_ALT in `tag`), in offset order. */
static uinfo *list_units(const uint8_t *info, size_t len, uint64_t tag, size_t *n)
{
    uint64_t *offs = NULL;
    size_t k = 0;
    dsc_unit_offsets(info, len, &offs, &k);
    uinfo *v = hp_xcalloc(k + 1, sizeof *v);
    for (size_t i = 0; i < k; i++) {
        uint64_t die = 0, next = 0;
        unsigned ver = 0;
        v[i].off = offs[i] | tag;
        if (dsc_header(info, len, offs[i], &die, &next, &ver) == 0)
            v[i].die = die | tag;
    }
    free(offs);
    *n = k;
    return v;
}

static int find_imports(dws_image *di, hp_err *err)
{
    const uint8_t *mi = NULL, *ma = NULL, *ai = NULL, *aa = NULL;
    size_t mil = 0, mal = 0, ail = 0, aal = 0;
    if (di->info == NULL || di->abbrev == NULL ||
        ei_section_data(di->img, di->info, &mi, &mil, err) != 0 ||
        ei_section_data(di->img, di->abbrev, &ma, &mal, err) != 0 ||
        (di->alt && (ei_section_data(di->alt->img, di->alt->info, &ai, &ail, err) != 0 ||
                     ei_section_data(di->alt->img, di->alt->abbrev, &aa, &aal, err) != 0)))
        return -1;
    size_t nm = 0, na = 0;
    uinfo *mu = list_units(mi, mil, 0, &nm), *au = list_units(ai, ail, DWS_ALT, &na);
    /* breadth first from every unit of the file itself */
    uint64_t *queue = hp_xmalloc((nm + na + 1) * sizeof *queue);
    size_t qh = 0, qt = 0;
    for (size_t i = 0; i < nm; i++) {
        queue[qt++] = mu[i].off;
        mu[i].queued = 1;
    }
    dsc_import *imp = NULL;
    size_t nimp = 0, icap = 0;
    uedge *edges = NULL;
    size_t nedges = 0, ecap = 0;
    while (qh < qt) {
        uint64_t off = queue[qh++];
        int alt = (off & DWS_ALT) != 0;
        uinfo *v = alt ? au : mu;
        size_t nv = alt ? na : nm, ui = unit_holding(v, nv, off);
        dsc_unit *u = alt ? dsc_open(ai, ail, aa, aal, off & ~DWS_ALT, HP_MAX_DEPTH)
                          : dsc_open(mi, mil, ma, mal, off, HP_MAX_DEPTH);
        uint32_t tag = 0;
        uint64_t lang = 0;
        nimp = 0;
        if (u == NULL || ui == nv || dsc_imports(u, &tag, &lang, &imp, &nimp, &icap) != 0) {
            dsc_close(u);
            continue;           /* the type reader meets it and says what is wrong */
        }
        dsc_close(u);
        v[ui].partial = tag == TAG_partial_unit;
        if (!v[ui].partial) {
            v[ui].lang = lang;
            v[ui].origin = v[ui].die;
        }
        for (size_t k = 0; k < nimp; k++) {
            int to_alt = imp[k].form == FORM_GNU_ref_alt || imp[k].form == FORM_ref_sup4 ||
                         imp[k].form == FORM_ref_sup8 || (alt && imp[k].form != 0);
            uint64_t t = imp[k].target | (to_alt ? DWS_ALT : 0);
            uinfo *tv = to_alt ? au : mu;
            size_t tn = to_alt ? na : nm, ti = unit_holding(tv, tn, t);
            if (ti == tn)
                continue;
            uedge *ed = HP_PUSH(edges, nedges, ecap);
            ed->from = &v[ui];
            ed->to = &tv[ti];
            if (!tv[ti].queued) {
                tv[ti].queued = 1;
                queue[qt++] = tv[ti].off;
            }
        }
    }
    free(imp);
    free(queue);
    /* origins through chains of partial units, whatever the order the
    ** units came in: to a fixed point (each pass settles one more level) */
    for (size_t pass = 0, changed = 1; changed && pass <= nm + na; pass++) {
        changed = 0;
        for (size_t k = 0; k < nedges; k++) {
            uinfo *a = edges[k].from, *b = edges[k].to;
            if (b->partial && b->origin == 0 && a->origin != 0) {
                b->origin = a->origin;
                b->lang = a->lang;
                changed = 1;
            }
        }
    }
    free(edges);
    size_t cap = 0, lcap = 0;
    for (size_t i = 0; i < na; i++)
        if (au[i].queued)
            *HP_PUSH(di->alt_units, di->nalt_units, cap) = au[i].off & ~DWS_ALT;
    for (int side = 0; side < 2; side++) {
        uinfo *v = side ? au : mu;
        size_t nv = side ? na : nm;
        for (size_t i = 0; i < nv; i++)
            if (v[i].partial && v[i].origin != 0) {
                ulang *l = HP_PUSH(di->langs, di->nlangs, lcap);
                l->off = v[i].die;
                l->lang = v[i].lang;
                l->origin = v[i].origin;
            }
    }
    if (di->nlangs > 1)
        qsort(di->langs, di->nlangs, sizeof *di->langs, cmp_ulang);
    free(mu);
    free(au);
    return 0;
}

/* Done when the unit iterator starts (dws_count_units) for a file with a
** supplementary file, else on the first partial unit without a language
** dws_read meets: nothing for files dwz did not touch. */
int dwi_ensure_imports(dws_image *di, hp_err *err)
{
    pthread_mutex_lock(&di->mu);
    if (!di->imports_done) {
        di->imports_rc = find_imports(di, &di->imports_err);
        di->imports_done = 1;
    }
    int rc = di->imports_rc;
    if (rc != 0 && err && !err->set)
        *err = di->imports_err;
    pthread_mutex_unlock(&di->mu);
    return rc;
}

/* What the partial unit whose unit DIE is at off takes from its origin,
** or NULL. */
const ulang *dwi_partial_of(const dws_image *di, uint64_t off)
{
    size_t lo = 0, hi = di->nlangs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (di->langs[mid].off == off)
            return &di->langs[mid];
        if (di->langs[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
