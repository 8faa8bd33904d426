/*
** sites/wrappers.c -- the fixed point that finds allocator wrappers.
**
** Contract: si_fixed_point() analyzes every function that may call an
** allocator (calls.c), and makes a function an allocator (origin
** "wrapper") when it forwards its own argument as an allocator's size,
** count or type and returns the result (or tail-calls it; or, having put
** a header in front, the pointer past it), the size maybe with a header or
** rounded up (recorded in the allocator: the caller's size is the site's);
** its callers,
** the users of data words holding its address and the functions taking
** its address are analyzed again, until nothing changes; then calls
** through function pointers are resolved (indirect.c) and the fixed point
** goes on from what that changed.  A function specialised for the one
** size its callers pass -- a gcc clone by its name, a clang one by its
** parameter's DW_AT_const_value (asked of DWARF for the few candidates
** after the fixed point) -- is a wrapper of that fixed size.  The last
** analysis of each function is its final one.
*/
#include "sites/internal.h"

#include <stdio.h>

/* Big functions are rarely wrappers but cost the most to analyze, and a
** caller is analyzed again each time one of its callees turns out to be
** a wrapper: so big ones wait until the small ones have settled, and are
** usually analyzed once.  (If one of them is a wrapper after all, its
** callers are queued as usual: the result is the same fixed point.) */
#define BIG_FUNCTION 2048

void si_enqueue(si_ctx *x, uint32_t fi)
{
    func *f = &x->fns[fi];
    if (f->queued || f->is_plt || internal(x, f))
        return;
    f->queued = 1;
    f->deferred = f->size > BIG_FUNCTION;
    uint32_t *q = HP_PUSH(x->queue, x->nqueue, x->queuecap);
    *q = fi;
}

static void enqueue_callers(si_ctx *x, uint32_t fi)
{
    for (uint32_t k = x->cal_start[fi]; k < x->cal_start[fi + 1]; k++)
        si_enqueue(x, x->cal[k]);
}

/* Does the function return the pointer past a header it added to the
** size it forwards (`h = malloc(n + sizeof *h); ...; return h + 1`)? */
static int past_header(const si_ctx *x, const site_ev *e)
{
    const alloc *A = &x->allocs[e->alloc];
    if (e->ret_off == 0 || e->ret_off == RET_OFF_MIXED || A->size < 0 || A->count >= 0)
        return 0;
    const sv *v = &e->args[A->size];
    return v->k == V_ARGX && v->b == 0 && v->c >= (int64_t)e->ret_off;
}

/* A function that returns the start of what it asked for n + c bytes
** for, c more than a terminator or a pad, has put its own object in front
** of the caller's bytes (PyBytes_FromStringAndSize: the PyBytesObject
** header, then n bytes): a constructor, not a wrapper. */
#define MAX_TAIL 8

/* Does site e forward the function's own arguments to its allocator?
** Fills the wrapper's argument positions, and in *add and *align the
** header it adds and the rounding (a size argument forwarded as
** (size + add) rounded up to 2^align; one transform, its own or its
** allocator's: two in a row are not followed). */
static int forwards(const si_ctx *x, const site_ev *e, int *sa, int *ca, int *ta, int32_t *add,
                    uint8_t *align)
{
    const alloc *A = &x->allocs[e->alloc];
    *sa = *ca = *ta = -1;
    *add = A->size_add;
    *align = A->size_align;
    if (A->flags & (AF_CACHE_CREATE | AF_CACHE_ALLOC) || A->out >= 0)
        return 0;
    if (A->size >= 0) {
        const sv *v = &e->args[A->size];
        if (v->k == V_ARG && v->c == 1) {
            *sa = v->a;
        } else if (v->k == V_ARGX && A->count < 0 && A->size_add == 0 && A->size_align == 0 &&
                   (v->c <= MAX_TAIL || past_header(x, e))) {
            *sa = v->a;
            *add = (int32_t)v->c;
            *align = v->b;
        } else if (v->k == V_PROD) {
            *ca = v->a;     /* count first, as in calloc(n, size) */
            *sa = v->b;
        } else {
            return 0;
        }
        if (A->count >= 0) {
            const sv *c = &e->args[A->count];
            if (c->k == V_ARG && c->c == 1 && *ca < 0 && c->a != *sa)
                *ca = c->a;
            else if (c->k != V_CONST)
                return 0;
        }
        return 1;
    }
    if (A->type >= 0) {
        const sv *v = &e->args[A->type];
        if (v->k == V_ARG && v->c == 1) {
            *ta = v->a;
            if (A->count >= 0 && e->args[A->count].k == V_ARG)
                *ca = e->args[A->count].a;
            return 1;
        }
    }
    return 0;
}

/* A shared library calls its own exported functions through its own PLT
** (another object may interpose them): the stub "NAME@plt" of a new
** wrapper leads to the wrapper too, and the stub's callers are queued. */
static void link_plt(si_ctx *x, const func *f, int32_t k)
{
    if (!x->plts_listed) {
        x->plts_listed = 1;
        size_t cap = 0;
        for (size_t i = 0; i < x->nfns; i++)
            if (x->fns[i].is_plt)
                *(uint32_t *)HP_PUSH(x->plts, x->nplts, cap) = (uint32_t)i;
    }
    size_t len = si_base_len(f->name);
    for (size_t i = 0; i < x->nplts; i++) {
        func *p = &x->fns[x->plts[i]];
        if (p->alloc >= 0 || si_base_len(p->name) != len || memcmp(p->name, f->name, len) != 0)
            continue;
        p->alloc = k;
        si_amap_put(&x->alloc_at, p->addr, k);
        enqueue_callers(x, x->plts[i]);
    }
}

/* gcc's IPA clones (IPA-CP, IPA-SRA, partial inlining) keep the original
** name with a suffix. */
static int is_clone(const char *name)
{
    return strstr(name, ".constprop.") || strstr(name, ".isra.") || strstr(name, ".part.");
}

/* Does site e, in a clone, allocate a size fixed in the code (a wrapper
** specialised by IPA-CP for the one size its callers pass)?  *size and
** *count (0: unknown) get it. */
static int fixed_size(const si_ctx *x, const site_ev *e, int64_t *size, int64_t *count)
{
    const alloc *A = &x->allocs[e->alloc];
    *size = *count = 0;
    if (A->flags & (AF_CACHE_CREATE | AF_CACHE_ALLOC) || A->out >= 0 || A->type >= 0)
        return 0;
    if (A->fixed_size > 0) {
        *size = A->fixed_size;
        *count = A->fixed_count;
        return 1;
    }
    if (A->size < 0 || e->args[A->size].k != V_CONST || !sane_size(e->args[A->size].c))
        return 0;
    *size = e->args[A->size].c;
    if (A->count >= 0) {
        const sv *c = &e->args[A->count];
        if (c->k != V_CONST || !sane_size(c->c))
            return 0;
        *count = c->c;
    } else {
        *count = 1;
    }
    return 1;
}

/* Does the clone only hand the memory back?  One that stores through the
** pointer or passes it to a call builds an object (a constructor the
** compiler specialised: math_1_to_whatever.constprop.0 fills a float):
** its own site, typed from inside it, stays the site. */
static int only_hands_back(const si_ctx *x, const site_ev *e)
{
    const uint8_t *c = &x->evc[(size_t)e->insn * EVC_KINDS];
    return c[1] == 0 && c[2] == 0;
}

/* Mark forwarding sites of function fi; make it a wrapper if it is not an
** allocator yet.  Returns 1 when a new allocator was created. */
static int decide_wrapper(si_ctx *x, uint32_t fi, size_t from)
{
    func *f = &x->fns[fi];
    if (f->cold || f->name == NULL || internal(x, f))
        return 0;
    int made = 0;
    for (size_t i = from; i < x->nsites; i++) {
        site_ev *e = &x->sites[i];
        int sa, ca, ta;
        int32_t add = 0;
        uint8_t align = 0;
        int64_t fsize = 0, fcount = 0;
        if (!(e->kind == SK_TAIL || e->returned || past_header(x, e)))
            continue;
        if (!forwards(x, e, &sa, &ca, &ta, &add, &align) &&
            !((is_clone(f->name) || f->const_size) && only_hands_back(x, e) &&
              fixed_size(x, e, &fsize, &fcount)))
            continue;
        if (x->allocs[e->alloc].addr == f->addr)
            continue;       /* recursion */
        e->forwarding = 1;
        if (f->alloc >= 0)
            continue;
        int32_t k = si_new_alloc(x, f->name, si_base_len(f->name), f->addr);
        alloc *W = &x->allocs[k];
        const alloc *A = &x->allocs[e->alloc];     /* after new_alloc: it may move */
        W->size = (int8_t)sa;
        W->count = (int8_t)ca;
        W->type = (int8_t)ta;
        W->fixed_size = fsize;
        W->fixed_count = fcount;
        W->size_add = fsize > 0 ? 0 : add;
        W->size_align = fsize > 0 ? 0 : align;
        W->family = A->family;
        W->flags = A->flags & (AF_ARRAY | AF_REALLOC);
        if (ta >= 0)
            W->flags |= A->flags & AF_PYTYPE;   /* forwards the type object */
        if (f->go_abi)
            W->flags |= AF_GO_ABI;
        W->origin = O_WRAPPER;
        W->wraps = e->alloc;
        const char *how = e->kind == SK_TAIL ? "tail-calls" : "calls";
        const char *note = si_indirect_note(x, e->pc);
        char table[96] = "";
        if (note == NULL && e->via_data && e->slot)
            snprintf(table, sizeof table, "through the function table word at 0x%llx",
                     (unsigned long long)e->slot);
        if (table[0])
            note = table;
        char *ret_s = hp_xasprintf("%s%s%s", note ? " " : "", note ? note : "",
                                   e->kind == SK_TAIL ? "" : e->returned ? " and returns the result"
                                   : " and returns the pointer past the header");
        const char *ret = ret_s;
        unsigned long long pc = (unsigned long long)e->pc;
        if (fsize > 0)
            W->reason = hp_xasprintf("a %s specialised for one size: %s %s at 0x%llx with "
                                     "%lld bytes%s", is_clone(f->name) ? "clone" :
                                     "function (DWARF: a parameter with that constant value)",
                                     how, A->name, pc,
                                     (long long)(fsize * (fcount > 0 ? fcount : 1)), ret);
        else if (sa >= 0 && A->size >= 0 && e->args[A->size].k == V_PROD)
            W->reason = hp_xasprintf("%s %s at 0x%llx with argument %d times argument %d as "
                                     "the size%s", how, A->name, pc, sa, ca, ret);
        else if (sa >= 0 && ca >= 0)
            W->reason = hp_xasprintf("%s %s at 0x%llx with argument %d as the size and "
                                     "argument %d as the count%s", how, A->name, pc, sa, ca, ret);
        else if (sa >= 0 && A->size >= 0 && e->args[A->size].k == V_ARGX) {
            char tr[96];
            if (align && add)
                snprintf(tr, sizeof tr, " plus %d bytes rounded up to %u", (int)add, 1u << align);
            else if (align)
                snprintf(tr, sizeof tr, " rounded up to %u", 1u << align);
            else
                snprintf(tr, sizeof tr, " plus %d bytes", (int)add);
            W->reason = hp_xasprintf("%s %s at 0x%llx with argument %d%s as the size (a header "
                                     "or rounding: the caller's size is the site's)%s%s", how,
                                     A->name, pc, sa, tr,
                                     e->args[A->size].adj ? " (a constant on some paths)" : "",
                                     ret);
        } else if (sa >= 0)
            W->reason = hp_xasprintf("%s %s at 0x%llx with argument %d as the size%s%s", how,
                                     A->name, pc, sa,
                                     e->args[A->size].adj ? " (a constant on some paths)" : "",
                                     ret);
        else
            W->reason = hp_xasprintf("%s %s at 0x%llx with argument %d as the type%s", how,
                                     A->name, pc, ta, ret);
        free(ret_s);
        f->alloc = k;
        si_amap_put(&x->alloc_at, f->addr, k);
        link_plt(x, f, k);
        x->st->wrappers++;
        made = 1;
    }
    return made;
}

static void analyze_fn(si_ctx *x, uint32_t fi, loopscratch *ls, int *made_wrapper)
{
    func *f = &x->fns[fi];
    f->gen++;
    x->cur_fn = fi;
    *made_wrapper = 0;
    if (si_decode_fn(x, fi) != 0 || x->ninsn == 0) {
        f->summarized = 1;
        f->ret_arg = -1;
        f->has_sites = 0;
        return;
    }
    si_build_blocks(x, f);
    si_compute_rpo(x, ls);
    si_run_flow(x, f, ls);
    f->summarized = 1;
    f->ret_arg = (int8_t)(x->ret_arg >= 0 ? x->ret_arg : -1);
    size_t from = x->fn_sites_from;
    f->has_sites = x->nsites > from;
    if (!f->has_sites)
        return;
    si_compute_loops(x, ls);
    for (size_t i = from; i < x->nsites; i++) {
        site_ev *e = &x->sites[i];
        uint32_t b = x->blk_of[e->insn];
        e->loop_depth = x->blk[b].rpo == UINT32_MAX ? 0 : x->blk[b].loop_depth;
    }
    *made_wrapper = decide_wrapper(x, fi, from);
}

/* Data words holding function fi's address now lead to allocator a: the
** functions that load them are queued. */
static void publish(si_ctx *x, uint32_t fi, int32_t a)
{
    size_t l = 0, h = x->nsrefs;
    while (l < h) {
        size_t m = l + (h - l) / 2;
        if (x->srefs[m].fn < fi)
            l = m + 1;
        else
            h = m;
    }
    for (size_t k = l; k < x->nsrefs && x->srefs[k].fn == fi; k++) {
        uint64_t sl = x->srefs[k].slot;
        si_amap_put(&x->alloc_slot, sl, a);
        size_t ul = 0, uh = x->nuses;
        while (ul < uh) {
            size_t m = ul + (uh - ul) / 2;
            if (x->uses[m].slot < sl)
                ul = m + 1;
            else
                uh = m;
        }
        for (size_t u = ul; u < x->nuses && x->uses[u].slot == sl; u++)
            si_enqueue(x, x->uses[u].fn);
    }
    /* the users of words that point to such a word */
    size_t ol = 0, oh = x->nouter;
    while (ol < oh) {
        size_t m = ol + (oh - ol) / 2;
        if (x->outer[m].fn < fi)
            ol = m + 1;
        else
            oh = m;
    }
    for (size_t k = ol; k < x->nouter && x->outer[k].fn == fi; k++) {
        size_t ul = hp_lower_bound(x->uses, 0, x->nuses, sizeof *x->uses,
                                   offsetof(slotref, slot), x->outer[k].slot);
        for (size_t u = ul; u < x->nuses && x->uses[u].slot == x->outer[k].slot; u++)
            si_enqueue(x, x->uses[u].fn);
    }
    /* the functions that take its address (indirect.c follows where it goes) */
    size_t tl = hp_lower_bound(x->takes, 0, x->ntakes, sizeof *x->takes,
                               offsetof(slotref, slot), fi);
    for (size_t k = tl; k < x->ntakes && x->takes[k].slot == fi; k++)
        si_enqueue(x, x->takes[k].fn);
}

/* After a round: the summaries its analyses wanted.  Each small body is
** analyzed once (a wrapper it turns out to be is published as usual);
** a caller of one that hands back its argument is analyzed again. */
static void summarise(si_ctx *x, loopscratch *ls)
{
    for (size_t i = 0; i + 1 < x->nwant; i += 2) {
        uint32_t gi = x->want[i], fi = x->want[i + 1];
        func *g = &x->fns[gi];
        if (!g->summarized) {
            int made;
            analyze_fn(x, gi, ls, &made);
            if (made) {
                enqueue_callers(x, gi);
                publish(x, gi, g->alloc);
            }
        }
        if (g->ret_arg >= 0)
            si_enqueue(x, fi);
    }
    x->nwant = 0;
}

static void run(si_ctx *x);

static int cmp_dlf(const void *a, const void *b)
{
    const dl_func *x = a, *y = b;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Is LLVM among the compilers that made the file (.comment: "clang
** version", "rustc version"; a file with no .comment may be)?  gcc names
** its specialised functions (.constprop): for a file only gcc made, DWARF
** need not be asked. */
static int maybe_llvm(si_ctx *x)
{
    ei_image *imgs[2] = { x->img, x->dwarf };
    int seen = 0;
    for (int i = 0; i < 2; i++) {
        const ei_section *s = imgs[i] ? ei_find_section(imgs[i], ".comment") : NULL;
        const uint8_t *p;
        size_t len;
        hp_err err = {0};
        if (s == NULL || s->type == SHT_NOBITS || ei_section_data(imgs[i], s, &p, &len, &err) != 0)
            continue;
        seen = 1;
        if (memmem(p, len, "clang", 5) || memmem(p, len, "rustc", 5))
            return 1;
    }
    return !seen;
}

/* clang specialises a function every caller passes one constant size
** (IPSCCP: in one unit, or across units under full LTO) without renaming
** it: its allocator call has the constant and the parameter is gone from
** the code, but DWARF keeps it with DW_AT_const_value.  A function that
** hands back what it allocated, with a constant size that one of its
** parameters has as its constant value, is such a wrapper (a gcc clone's
** name says the same); a constructor-like function (`return
** malloc(sizeof(struct s))`, no such parameter) is not.  Returns how many
** were found; they are queued again. */
static int const_size_round(si_ctx *x)
{
    if (x->dwarf == NULL || !maybe_llvm(x))
        return 0;
    dl_func *df = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < x->nsites; i++) {
        const site_ev *e = &x->sites[i];
        func *f = &x->fns[e->fn];
        int64_t fsize, fcount;
        if (e->gen != f->gen || f->alloc >= 0 || f->const_size || f->cold || f->name == NULL ||
            is_clone(f->name) || !(e->kind == SK_TAIL || e->returned) || !only_hands_back(x, e) ||
            !fixed_size(x, e, &fsize, &fcount))
            continue;
        if (n > 0 && df[n - 1].entry == f->addr)
            continue;
        dl_func *d = HP_PUSH(df, n, cap);
        memset(d, 0, sizeof *d);
        d->entry = f->addr;
        d->want_consts = 1;
    }
    if (n == 0)
        return 0;
    qsort(df, n, sizeof *df, cmp_dlf);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || df[w - 1].entry != df[i].entry)
            df[w++] = df[i];
    n = w;
    dl_info *dli = NULL;
    hp_err err = {0};
    if (dl_collect(x->dwarf, NULL, 0, df, n, 0, x->jobs, &x->pacer, &dli, &err) != 0) {
        x->st->skipped++;
        free(df);
        return 0;
    }
    int found = 0;
    for (size_t i = 0; i < x->nsites; i++) {
        const site_ev *e = &x->sites[i];
        func *f = &x->fns[e->fn];
        int64_t fsize, fcount;
        if (e->gen != f->gen || f->alloc >= 0 || f->const_size || !fixed_size(x, e, &fsize, &fcount))
            continue;
        size_t k = hp_lower_bound(df, 0, n, sizeof *df, offsetof(dl_func, entry), f->addr);
        if (k >= n || df[k].entry != f->addr)
            continue;
        uint64_t bytes = (uint64_t)fsize * (uint64_t)(fcount > 0 ? fcount : 1);
        for (uint8_t c = 0; c < df[k].nconsts && !f->const_size; c++)
            if (df[k].consts[c] == bytes || df[k].consts[c] == (uint64_t)fsize) {
                f->const_size = 1;
                si_enqueue(x, e->fn);
                found++;
            }
    }
    dl_free(dli);
    free(df);
    return found;
}

void si_fixed_point(si_ctx *x)
{
    /* the first wave: callers of every allocator with a body or stub */
    for (size_t i = 0; i < x->nfns; i++) {
        if (x->fns[i].alloc < 0)
            continue;
        enqueue_callers(x, (uint32_t)i);
        if (!x->fns[i].is_plt)
            publish(x, (uint32_t)i, x->fns[i].alloc);
    }
    for (size_t i = 0; i < x->ngot_callers; i++)
        si_enqueue(x, x->got_callers[i]);
    run(x);
    /* calls through function pointers resolved to allocators, and the
    ** functions handed one: analyzed again, to a fixed point of both */
    for (int k = 0; k < 8 && si_indirect_round(x); k++)
        run(x);
    /* wrappers clang specialised for one size, and what that changes */
    for (int k = 0; k < 4 && const_size_round(x); k++) {
        run(x);
        for (int j = 0; j < 8 && si_indirect_round(x); j++)
            run(x);
    }
}

static void run(si_ctx *x)
{
    loopscratch ls;
    memset(&ls, 0, sizeof ls);

    uint32_t *round = NULL;
    size_t rcap = 0;
    pd_pipe pipe;
    pd_thread pth[16];
    pd_count own = { 0, 0, 0 };
    da_insn *pbuf = NULL;       /* the analysis's own decoding */
    size_t pcap = 0;
    for (int iter = 0; x->nqueue > 0 && iter < 10000; iter++) {
        /* this round: the small queued functions, or the big ones when
        ** only big ones are left; the rest stays queued */
        int small = 0;
        for (size_t i = 0; i < x->nqueue && !small; i++)
            small = !x->fns[x->queue[i]].deferred;
        size_t n = 0, keep = 0;
        hp_grow((void **)&round, &rcap, x->nqueue + 1, sizeof *round);
        for (size_t i = 0; i < x->nqueue; i++) {
            uint32_t fi = x->queue[i];
            if (small && x->fns[fi].deferred)
                x->queue[keep++] = fi;
            else
                round[n++] = fi;
        }
        x->nqueue = keep;
        for (size_t i = 0; i < n; i++)
            x->fns[round[i]].queued = 0;
        si_pd_start(x, &pipe, pth, round, n);
        for (size_t i = 0; i < n; i++) {
            int made;
            hp_pace(&x->pacer);
            si_pd_wait(&pipe, i, &pbuf, &pcap, &own);
            analyze_fn(x, round[i], &ls, &made);
            if (!made)
                continue;
            enqueue_callers(x, round[i]);
            publish(x, round[i], x->fns[round[i]].alloc);
        }
        si_pd_finish(&pipe, pth, &own);
        own = (pd_count){ 0, 0, 0 };
        summarise(x, &ls);
    }
    free(pbuf);
    free(round);
    si_ls_free(&ls);
}

