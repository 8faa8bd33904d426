/*
** sites/ev_kmem.c -- "kmem-cache": Linux slab caches.
**
** Contract: for kmem_cache_alloc on a cache that facts.c traced to a
** kmem_cache_create (the global its result was stored to), the cache's
** size is the size (si_ev_kmem_size) and a struct named like the cache
** (and of its size, when the size is a constant) is the type
** (si_ev_kmem_name, tried before the DWARF evidence: the cache's name says
** what its objects are, where a register reused later in the function
** can make a DWARF variable name another type).
*/
#include "sites/internal.h"

void si_ev_kmem_size(attr *at)
{
    const site_ev *e = at->e;
    fin *r = at->r;
    const alloc *A = at->A;
    const dwarfacts *df = at->df;
    int na = at->na;
        if ((A->flags & AF_CACHE_ALLOC) && A->cache >= 0 && A->cache < na &&
        e->args[A->cache].k == V_LOAD) {
        uint64_t slot = (uint64_t)e->args[A->cache].c;
        for (size_t i = 0; i < df->nkc; i++)
            if (df->kc[i].slot == slot) {
                if (sane_size(df->kc[i].size) && !r->size_known) {
                    r->size = df->kc[i].size;
                    r->size_known = 1;
                    r->size_from = "kmem-cache";
                    r->count = 1;
                    r->count_known = 1;
                }
                at->cache_name = df->kc[i].name;
                r->cache = (int32_t)i + 1;
                break;
            }
    }
}

int si_ev_kmem_name(attr *at)
{
    tindex *ti = at->ti;
    fin *r = at->r;
    const char *cache_name = at->cache_name;
    if (cache_name) {
        trow *t = si_ti_find(ti, cache_name, r->size_known ? (uint64_t)r->size : 0, NULL, 0,
                          (uint64_t)r->size);
        if (t) {
            si_set_type(r, t, "kmem-cache", CONF_KMEM);
            return 1;
        }
    }
    return 0;
}
