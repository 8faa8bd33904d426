/*
** sites/attribute.c -- which type each site allocates.
**
** Contract: si_attribute_sites() decides, for every final site, its size,
** count and type from the evidence families in order of strength (sites.h
** lists the methods and confidences), drops the duplicate of a
** speculatively devirtualised call, turns new[] bytes into elements, and
** gives each site its static weight.  It reads only the type set, so it
** may run while the types are stored.
*/
#include "sites/internal.h"

void si_set_type(fin *r, trow *t, const char *method, double conf)
{
    r->type = t;
    r->method = method;
    r->conf = conf;
    r->type_name = t->name;
}

/* Is t consistent with what the code says about the size? */
int si_size_ok(const fin *r, const trow *t)
{
    if (!r->size_known || t->size == 0)
        return 1;
    return (uint64_t)r->size >= t->size;
}

/* One object (not an array) that is bigger than t: t may be only its head
** -- unless t ends in a flexible array, which the rest is. */
static int only_head(const fin *r, const trow *t, const alloc *A)
{
    return r->size_known && r->count_known && r->count == 1 && !(A->flags & AF_ARRAY) &&
           t->size > 0 && t->size < (uint64_t)r->size && !(t->t && (t->t->flags & TF_FLEX));
}

/* Take t, or keep it for later when it may be only the head. */
int si_take(fin *r, trow *t, const alloc *A, const char *method, double conf)
{
    if (!only_head(r, t, A)) {
        si_set_type(r, t, method, conf);
        return 1;
    }
    if (r->fallback == NULL) {
        r->fallback = t;
        r->fb_method = method;
        r->fb_conf = conf;
    }
    return 0;
}

void si_use_fallback(fin *r)
{
    if (r->fallback)
        si_set_type(r, r->fallback, r->fb_method, r->fb_conf);
}

static void attribute(si_ctx *x, tindex *ti, const site_ev *e, const dwarfacts *df, fin *r)
{
    memset(r, 0, sizeof *r);
    attr at;
    memset(&at, 0, sizeof at);
    at.x = x;
    at.ti = ti;
    at.e = e;
    at.df = df;
    at.r = r;
    at.A = &x->allocs[e->alloc];
    at.ds = df->site;
    at.regs = abi_args(x, (at.A->flags & AF_GO_ABI) != 0, &at.na);

    si_ev_size(&at);
    if (si_ev_go(&at) || si_ev_alloc_type(&at) || si_ev_std_alloc(&at))
        return;
    si_ev_kmem_size(&at);
    si_ev_pytype_size(&at);
    /* a cache named after a struct holds that struct, and a CPython type
    ** object names its object: before the DWARF evidence, which a reused
    ** register can mislead (6.12's copy_process) or which names only the
    ** PyObject head */
    if (si_ev_kmem_name(&at) || si_ev_pytype_name(&at) || si_ev_ctor(&at) || si_ev_class_new(&at) ||
        si_ev_var(&at) ||
        si_ev_return(&at) || si_ev_dest(&at) || si_ev_param(&at))
        return;
    const char *scalar = at.scalar;
    if (scalar && r->fallback == NULL) {
        /* what is allocated is not a struct: no candidates by size */
        r->type_name = scalar;
        r->method = "dwarf-var";
        return;
    }
    if (!r->size_known || r->size <= 0) {
        si_use_fallback(r);
        return;
    }
    size_t slo, shi;
    si_ti_size_range(ti, (uint64_t)r->size, &slo, &shi);
    if (slo == shi) {
        si_use_fallback(r);
        return;
    }

    if (si_ev_stores(&at, slo, shi))
        return;

    if (r->fallback) {
        si_use_fallback(r);
        return;
    }
    si_ev_size_only(&at, slo, shi);
}

/* Does allocator a forward (through wrappers) to allocator b? */
static int wraps_to(const si_ctx *x, int32_t a, int32_t b)
{
    for (int guard = 0; a >= 0 && guard < 64; guard++) {
        if (a == b)
            return 1;
        a = x->allocs[a].wraps;
    }
    return 0;
}

/* Speculative devirtualisation: `if (tbl->malloc == f) <f inlined> else
** tbl->malloc(...)` gives two calls for one allocation, at one line.
** The call through the table is the duplicate when the same function has
** a direct call at the same line to what the table's target forwards to. */
static int devirt_duplicate(const si_ctx *x, const uint32_t *fin_idx, size_t nfin, size_t i,
                            const dl_site *ds, size_t nds)
{
    const site_ev *e = &x->sites[fin_idx[i]];
    if (!e->via_data)
        return 0;
    const dl_site *d = si_find_dlsite(ds, nds, e->pc);
    if (d == NULL || d->line == 0 || d->file == NULL)
        return 0;
    for (size_t k = 0; k < nfin; k++) {
        const site_ev *o = &x->sites[fin_idx[k]];
        if (k == i || o->fn != e->fn || o->via_data)
            continue;
        const dl_site *od = si_find_dlsite(ds, nds, o->pc);
        if (od && od->line == d->line && od->file && strcmp(od->file, d->file) == 0 &&
            wraps_to(x, e->alloc, o->alloc))
            return 1;
    }
    return 0;
}

/* Attribute the prepared sites to the binary's types: everything but the
** row ids, so that it can run while the types are being stored. */
void si_attribute_sites(si_ctx *x)
{
    const uint32_t *fin_idx = x->fin_idx;
    size_t nfin = x->nfin;
    const dl_site *ds = x->ds;
    size_t nds = x->nds;
    dwarfacts facts;
    memset(&facts, 0, sizeof facts);
    facts.funcs = x->dfn;
    facts.nfuncs = x->ndfn;
    facts.go = x->dli ? dl_go_types(x->dli, &facts.ngo) : NULL;
    facts.kc = x->kc;
    facts.nkc = x->nkc;
    x->ti = hp_xcalloc(1, sizeof *x->ti);
    si_ti_load(x->ti, x->types);
    x->done = hp_xmalloc((nfin + 1) * sizeof *x->done);
    x->ndone = 0;
    for (size_t i = 0; i < nfin; i++) {
        site_ev *e = &x->sites[fin_idx[i]];
        alloc *A = &x->allocs[e->alloc];
        if (devirt_duplicate(x, fin_idx, nfin, i, ds, nds))
            continue;
        done *o = &x->done[x->ndone++];
        o->ev = fin_idx[i];
        const dl_site *d = o->d = si_find_dlsite(ds, nds, e->pc);
        facts.site = d;
        fin *r = &o->r;
        attribute(x, x->ti, e, &facts, r);
        /* new[] of the chosen type: turn bytes into elements (a bigger
        ** single object is a header with trailing data, not an array) */
        if (r->type && r->type->size > 0 && r->size_known && (uint64_t)r->size > r->type->size &&
            (A->flags & AF_ARRAY)) {
            uint64_t ts = r->type->size;
            uint64_t total = (uint64_t)r->size * (r->count_known ? (uint64_t)r->count : 1);
            if (total % ts == 0) {
                r->size = (int64_t)ts;
                r->count = (int64_t)(total / ts);
                r->count_known = 1;
            } else if (total > 8 && (total - 8) % ts == 0) {
                r->size = (int64_t)ts;     /* new[] with a length cookie */
                r->count = (int64_t)((total - 8) / ts);
                r->count_known = 1;
            }
        }
        o->weight = 1;
        for (unsigned k = 0; k < e->loop_depth && k < 4; k++)
            o->weight *= 8;
    }
    x->attributed = 1;
}

