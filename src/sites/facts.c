/*
** sites/facts.c -- the final site events and what DWARF says about them.
**
** Contract: si_collect_facts() sorts the events, keeps the final ones (the
** last analysis of each function, not forwarding), in pc order, turns
** kmem_cache_create calls into kmem caches (the global the cache went to,
** its size and name), and asks dwlines.c, once for all sites, for their
** lines, inline chains, call-site values, variables and return types, the
** `this` types of the constructors they call, and the parameter types of
** the functions their pointers are passed to (ev_param.c).  Nothing here needs the
** database.
*/
#include "sites/internal.h"

static int cmp_store(const void *a, const void *b)
{
    const store_ev *x = a, *y = b;
    int c = cmp_ev3(x->fn, x->gen, x->insn, y->fn, y->gen, y->insn);
    return c ? c : (x->off < y->off ? -1 : x->off > y->off);
}
static int cmp_holder(const void *a, const void *b)
{
    const holder_ev *x = a, *y = b;
    int c = cmp_ev3(x->fn, x->gen, x->insn, y->fn, y->gen, y->insn);
    return c ? c : (x->pc < y->pc ? -1 : x->pc > y->pc);
}
static int cmp_call(const void *a, const void *b)
{
    const call_ev *x = a, *y = b;
    int c = cmp_ev3(x->fn, x->gen, x->insn, y->fn, y->gen, y->insn);
    return c ? c : (x->target < y->target ? -1 : x->target > y->target);
}
static int cmp_gstore(const void *a, const void *b)
{
    const gstore_ev *x = a, *y = b;
    int c = cmp_ev3(x->fn, x->gen, x->insn, y->fn, y->gen, y->insn);
    return c ? c : (x->addr < y->addr ? -1 : x->addr > y->addr);
}

static int cmp_dlfunc(const void *a, const void *b)
{
    const dl_func *x = a, *y = b;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

const dl_site *si_find_dlsite(const dl_site *v, size_t n, uint64_t pc)
{
    size_t lo = hp_lower_bound(v, 0, n, sizeof *v, offsetof(dl_site, pc), pc);
    return lo < n && v[lo].pc == pc && v[lo].found ? &v[lo] : NULL;
}

static const si_ctx *sorting_ctx;
static int cmp_site_pc(const void *a, const void *b)
{
    const site_ev *x = &sorting_ctx->sites[*(const uint32_t *)a];
    const site_ev *y = &sorting_ctx->sites[*(const uint32_t *)b];
    return x->pc < y->pc ? -1 : x->pc > y->pc;
}

/* What a site needs from DWARF beyond its line: variables when the code
** kept the pointer somewhere a variable could name and no Go descriptor
** types it; call-site values when the code left the size unknown; the
** allocated type clang records on a C++ allocation's call site. */
static void want_dwarf(const si_ctx *x, const site_ev *e, dl_site *d)
{
    const alloc *A = &x->allocs[e->alloc];
    int na;
    abi_args(x, (A->flags & AF_GO_ABI) != 0, &na);
    if (A->size >= 0 && A->size < na && e->args[A->size].k != V_CONST)
        d->want_params = 1;
    if (A->count >= 0 && A->count < na && e->args[A->count].k != V_CONST)
        d->want_params = 1;
    /* clang 22 names the type of a C++ `new` on its call site */
    d->want_alloc_type = A->family == FAM_CXX;
    /* and a standard allocator's allocate the call lies in names T */
    d->want_alloc_elem = A->family == FAM_CXX;
    /* an inlined T::operator new calling malloc names T (ev_cxx.c) */
    d->want_class_new = A->family != FAM_GO && A->family != FAM_KERNEL;
    int go = (A->flags & AF_GO_ABI) && A->type >= 0 && A->type < na &&
             e->args[A->type].k == V_CONST;
    if (!go) {
        size_t lo, hi;
        EV_RANGE(x->holders, x->nholders, e, lo, hi);
        d->want_vars = hi > lo;
        for (size_t i = lo; i < hi && d->nprobe < DL_MAX_PROBES; i++) {
            uint64_t pc = x->holders[i].pc;
            int dup = 0;
            for (int k = 0; k < d->nprobe; k++)
                dup |= d->probe[k] == pc;
            if (!dup)
                d->probe[d->nprobe++] = pc;
        }
        si_dest_probes(x, e, d);
        si_dest_globals(x, e, d);
    }
}

/* Everything writing needs that does not depend on the database: the
** final site events and the DWARF facts about them. */
void si_collect_facts(si_ctx *x, ei_image *dwarf)
{
    uint32_t *fin_idx = NULL;
    size_t nfin = 0, fcap = 0;
    kcache *kc = NULL;
    size_t nkc = 0, kcap = 0;
    hp_arena ar = {0};
    /* qsort's array is declared nonnull even for 0 elements (UBSan) */
    if (x->nstores > 1)
        qsort(x->stores, x->nstores, sizeof *x->stores, cmp_store);
    if (x->nholders > 1)
        qsort(x->holders, x->nholders, sizeof *x->holders, cmp_holder);
    if (x->ncalls > 1)
        qsort(x->calls, x->ncalls, sizeof *x->calls, cmp_call);
    if (x->ngstores > 1)
        qsort(x->gstores, x->ngstores, sizeof *x->gstores, cmp_gstore);
    si_dest_sort(x);
    si_param_sort(x);
    /* final events: the last analysis of each function, not forwarding */
    for (size_t i = 0; i < x->nsites; i++) {
        site_ev *e = &x->sites[i];
        if (e->gen != x->fns[e->fn].gen || e->forwarding)
            continue;
        const alloc *A = &x->allocs[e->alloc];
        if (A->flags & AF_CACHE_CREATE) {
            /* which global the cache went to, with its arguments */
            si_slab_cache(x, e, &ar, &kc, &nkc, &kcap);
            continue;
        }
        uint32_t *p = HP_PUSH(fin_idx, nfin, fcap);
        *p = (uint32_t)i;
    }
    sorting_ctx = x;
    if (nfin > 1)
        qsort(fin_idx, nfin, sizeof *fin_idx, cmp_site_pc);
    sorting_ctx = NULL;

    /* DWARF facts for the sites and the constructors they call */
    dl_site *ds = hp_xcalloc(nfin + 1, sizeof *ds);
    size_t nds = 0;
    for (size_t i = 0; i < nfin; i++) {
        const site_ev *e = &x->sites[fin_idx[i]];
        if (nds > 0 && ds[nds - 1].pc == e->pc)
            continue;
        ds[nds].pc = e->pc;
        ds[nds].ret_pc = e->ret_pc;
        want_dwarf(x, e, &ds[nds]);
        nds++;
    }
    dl_func *dfn = NULL;
    size_t ndfn = 0, dfcap = 0;
    for (size_t i = 0; i < x->ncalls; i++) {
        int32_t fi = si_amap_get(&x->fn_at, x->calls[i].target);
        if (fi < 0 || !si_is_ctor_name(x->fns[fi].name))
            continue;
        dl_func *f = HP_PUSH(dfn, ndfn, dfcap);
        memset(f, 0, sizeof *f);
        f->entry = x->calls[i].target;
    }
    si_abi_functions(x, &dfn, &ndfn, &dfcap);    /* the exported interface (abi.c) */
    si_param_funcs(x, &dfn, &ndfn, &dfcap);      /* callees' parameters (ev_param.c) */
    if (ndfn > 1) {
        qsort(dfn, ndfn, sizeof *dfn, cmp_dlfunc);
        size_t w = 1;
        for (size_t i = 1; i < ndfn; i++) {
            if (dfn[i].entry != dfn[w - 1].entry) {
                dfn[w++] = dfn[i];
            } else {
                dfn[w - 1].want_api |= dfn[i].want_api;
                dfn[w - 1].want_params |= dfn[i].want_params;
            }
        }
        ndfn = w;
    }
    dl_info *dli = NULL;
    hp_err derr = {0};
    if (dwarf && (nds > 0 || ndfn > 0 || x->go_binary)) {
        if (dl_collect(dwarf, ds, nds, dfn, ndfn, x->go_binary, x->jobs, &x->pacer, &dli,
                       &derr) != 0)
            x->st->skipped++;
        else
            x->st->skipped += dl_skipped(dli);
    }
    x->fin_idx = fin_idx;
    x->nfin = nfin;
    x->kc = kc;
    x->nkc = nkc;
    x->kc_names = ar;
    x->ds = ds;
    x->nds = nds;
    x->dfn = dfn;
    x->ndfn = ndfn;
    x->dli = dli;
}

