/*
** sites/ev_stores.c -- "stores": the offsets and widths written through
** the pointer.
**
** Contract: among the structs of exactly the allocated size, the ones
** every recorded store through the pointer itself (not the "maybe" ones,
** through a pointer that is the allocation on some paths only) fits (types.c's si_store_fits); exactly one is the
** type; several are candidates (the site ambiguous), unless a head type
** found earlier is kept instead; none leaves the decision to the size.
*/
#include "sites/internal.h"

int si_ev_stores(attr *at, size_t slo, size_t shi)
{
    si_ctx *x = at->x;
    const site_ev *e = at->e;
    fin *r = at->r;
    tindex *ti = at->ti;
    size_t lo, hi;
    EV_RANGE(x->stores, x->nstores, e, lo, hi);
    int any = 0;
    for (size_t i = lo; i < hi; i++)
        any |= !x->stores[i].maybe;
    if (any) {
        size_t nfit = 0;
        trow *fits[MAX_CANDIDATES];
        for (size_t c = slo; c < shi; c++) {
            trow *t = &ti->rows[ti->by_size[c]];
            si_ti_members(t);
            int ok = 1;
            for (size_t i = lo; i < hi && ok; i++)
                ok = x->stores[i].maybe ||
                     si_store_fits(t, x->stores[i].off, x->stores[i].width);
            if (ok) {
                if (nfit < MAX_CANDIDATES)
                    fits[nfit] = t;
                nfit++;
            }
        }
        if (nfit == 1) {
            si_set_type(r, fits[0], "stores", CONF_STORES);
            return 1;
        }
        if (r->fallback) {
            si_use_fallback(r);
            return 1;
        }
        if (nfit > 1) {
            r->ncand_total = nfit;
            r->ncand = nfit < MAX_CANDIDATES ? nfit : MAX_CANDIDATES;
            memcpy(r->cand, fits, r->ncand * sizeof *fits);
            r->cand_method = "stores";
            r->method = "stores";
            r->ambiguous = 1;
            return 1;
        }
        /* nothing fits: the size alone below */
    }
    return 0;
}
