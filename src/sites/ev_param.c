/*
** sites/ev_param.c -- "dwarf-param": the parameter types of the functions
** the pointer is passed to.
**
** Contract: the data flow reports (si_param_call, emitting pass) each
** call, other than to an allocator, made with the allocation's pointer --
** or the pointer plus a constant, the address of a member (&p->lock) --
** in an argument register: up to MAX_PCALLS per site.  The callees'
** DWARF (si_param_funcs: dwlines.c's dl_func.param) says what aggregate
** each parameter points to.  At attribution (si_ev_param, after the DWARF
** variable, return and destination evidence), a parameter of type D *
** receiving pointer + off says the allocated struct holds a D at offset
** off (container_of): D itself when off is 0 and D has the allocation's
** size (or ends in a flexible array and the size is unknown or bigger),
** else the one struct of the allocation's size whose member at off is a
** D, through embedded structs and unions (by name, typedefs resolved
** through the type set's aliases).  Every call must agree; a struct whose
** member at off cannot be told (a member type that does not resolve, an
** array of aggregates, a union whose members differ there) stays possible,
** so the site is typed only when exactly one struct is certain and no
** other is possible.  Calls to gcc clones (.isra, .constprop, .part: their
** parameters are not the source's) and parameters that point to no
** aggregate (void *, char *) say nothing.
*/
#include "sites/internal.h"
#include "sites/values.h"

#include <stddef.h>

#define MAX_NEST 6

static int cmp_pcall(const void *a, const void *b)
{
    const pcall_ev *x = a, *y = b;
    int c = cmp_ev3(x->fn, x->gen, x->insn, y->fn, y->gen, y->insn);
    if (c)
        return c;
    if (x->target != y->target)
        return x->target < y->target ? -1 : 1;
    if (x->arg != y->arg)
        return x->arg < y->arg ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

void si_param_sort(si_ctx *x)
{
    if (x->npcalls > 1)
        qsort(x->pcalls, x->npcalls, sizeof *x->pcalls, cmp_pcall);
}

/* A gcc clone whose parameters may not be the source's. */
static int is_clone(const char *name)
{
    return name == NULL || strstr(name, ".isra") || strstr(name, ".constprop") ||
           strstr(name, ".part") || strstr(name, ".cold");
}

void si_param_call(si_ctx *x, const func *f, const state *S, const da_insn *d, uint64_t target)
{
    (void)d;
    int32_t fi = si_amap_get(&x->fn_at, target);
    if (fi < 0 || is_clone(x->fns[fi].name))
        return;
    int na;
    const uint8_t *ar = abi_args(x, f->go_abi, &na);
    for (int i = 0; i < na && i < DL_MAX_PARAMS; i++) {
        const sv *v = &S->r[ar[i]];
        if (v->k != V_RET || v->c < 0 || v->c > (1 << 20))
            continue;
        if (!si_event_room(x, v->s, 3, MAX_PCALLS))
            continue;
        pcall_ev *c = HP_PUSH(x->pcalls, x->npcalls, x->pcallcap);
        c->fn = x->cur_fn;
        c->gen = f->gen;
        c->insn = v->s;
        c->arg = (uint8_t)i;
        c->off = (int32_t)v->c;
        c->target = target;
    }
}

/* The callees of the final analyses' calls, for their parameter types. */
void si_param_funcs(si_ctx *x, dl_func **dfn, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < x->npcalls; i++) {
        const pcall_ev *c = &x->pcalls[i];
        if (c->gen != x->fns[c->fn].gen || (i > 0 && c->target == x->pcalls[i - 1].target))
            continue;
        dl_func *f = HP_PUSH(*dfn, *n, *cap);
        memset(f, 0, sizeof *f);
        f->entry = c->target;
        f->want_params = 1;
    }
}

static const dl_func *dl_func_at(const dwarfacts *df, uint64_t entry)
{
    size_t a = hp_lower_bound(df->funcs, 0, df->nfuncs, sizeof *df->funcs,
                              offsetof(dl_func, entry), entry);
    return a < df->nfuncs && df->funcs[a].entry == entry ? &df->funcs[a] : NULL;
}

/* The row a member's rendered type names: "struct X", "union X", an
** anonymous aggregate's "(anonymous union at f.h:12)", or a typedef of an
** aggregate (the type set's aliases); NULL when it names none. */
static trow *member_row(const attr *at, const char *tn, uint64_t size)
{
    static const char *const pre[] = { "struct ", "union ", "class " };
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (strncmp(tn, pre[i], strlen(pre[i])) == 0) {
            tn += strlen(pre[i]);
            break;
        }
    trow *t = si_ti_find(at->ti, tn, size, NULL, 0, 0);
    if (t || at->x->types == NULL)
        return t;
    /* aliases are sorted by alias (ts_finish) */
    const typeset *ts = at->x->types;
    size_t a = 0, b = ts_alias_count(ts);
    while (a < b) {
        size_t m = a + (b - a) / 2;
        const char *al, *tg;
        ts_alias_get(ts, m, &al, &tg);
        if (strcmp(al, tn) < 0)
            a = m + 1;
        else
            b = m;
    }
    if (a < ts_alias_count(ts)) {
        const char *al, *tg;
        ts_alias_get(ts, a, &al, &tg);
        if (strcmp(al, tn) == 0)
            return si_ti_find(at->ti, tg, size, NULL, 0, 0);
    }
    return NULL;
}

static int same_type(const trow *a, const trow *b)
{
    return a == b || (a->size == b->size && strcmp(a->name, b->name) == 0);
}

static int holds_at(const attr *at, const trow *T, uint64_t off, const trow *D, int depth);

/* Does the array member m ("struct x[4]", "u64[2][3]") hold a D at off
** into it?  D lies in one element, so elements smaller than D hold none. */
static int in_array(const attr *at, const lay_member *m, uint64_t off, const trow *D, int depth)
{
    const char *br = strchr(m->type_name, '[');
    uint64_t count = 1;
    for (const char *p = br; *p == '['; ) {
        char *end;
        unsigned long long k = strtoull(p + 1, &end, 10);
        if (end == p + 1 || *end != ']' || k == 0 || count > UINT64_MAX / k)
            return -1;
        count *= k;
        p = end + 1;
    }
    if (m->size == 0 || m->size % count != 0)
        return -1;
    uint64_t es = m->size / count;
    if (es < D->size)
        return 0;
    if (strchr(m->type_name, '*'))
        return 0;       /* pointers */
    char name[256];
    size_t n = (size_t)(br - m->type_name);
    while (n > 0 && m->type_name[n - 1] == ' ')
        n--;
    if (n == 0 || n >= sizeof name)
        return -1;
    memcpy(name, m->type_name, n);
    name[n] = '\0';
    trow *et = member_row(at, name, es);
    return et ? holds_at(at, et, off % es, D, depth + 1) : -1;
}

/* Does T hold a D at byte offset off?  1 yes, 0 no, -1 cannot tell. */
static int holds_at(const attr *at, const trow *T, uint64_t off, const trow *D, int depth)
{
    if (off == 0 && same_type(T, D))
        return 1;
    if (T->t == NULL || depth >= MAX_NEST || off + D->size > T->size)
        return off + D->size > T->size ? 0 : -1;
    int yes = 0, unsure = 0;
    for (uint32_t k = 0; k < T->t->nmembers; k++) {
        const lay_member *m = &T->t->members[k];
        if (m->flags & MF_VIRTUAL)
            return -1;
        if (m->bit_size != 0 || off < m->offset || off - m->offset >= m->size)
            continue;
        /* a member that holds off: all of D must fit in it */
        int v;
        if (off + D->size > m->offset + m->size) {
            v = 0;
        } else if (m->type_name == NULL) {
            v = -1;
        } else if (strchr(m->type_name, '[')) {
            v = in_array(at, m, off - m->offset, D, depth);
        } else if (strchr(m->type_name, '*')) {
            v = 0;          /* a pointer (or a function pointer) */
        } else {
            trow *mt = member_row(at, m->type_name, m->size);
            v = mt ? holds_at(at, mt, off - m->offset, D, depth + 1) : -1;
        }
        /* members of a union overlap: each is one possibility */
        yes |= v == 1;
        unsure |= v == -1;
    }
    return unsure ? -1 : yes;
}

/* What the code's size allows of D at offset 0, the allocation being
** exactly D: its size, or a flexible array's header. */
static int fits_whole(const fin *r, const trow *D)
{
    if (!r->size_known)
        return D->t && (D->t->flags & TF_FLEX);
    if ((uint64_t)r->size == D->size)
        return 1;
    return D->t && (D->t->flags & TF_FLEX) && (uint64_t)r->size > D->size &&
           (!r->count_known || r->count == 1);
}

int si_ev_param(attr *at)
{
    si_ctx *x = at->x;
    const site_ev *e = at->e;
    fin *r = at->r;
    size_t lo, hi;
    EV_RANGE(x->pcalls, x->npcalls, e, lo, hi);
    if (lo == hi)
        return 0;
    /* the evidence: (D, off) pairs */
    trow *dv[MAX_PCALLS];
    uint64_t ov[MAX_PCALLS];
    int nd = 0;
    for (size_t i = lo; i < hi && nd < MAX_PCALLS; i++) {
        const pcall_ev *c = &x->pcalls[i];
        const dl_func *df = dl_func_at(at->df, c->target);
        const dl_type *pt = df && c->arg < DL_MAX_PARAMS ? df->param[c->arg] : NULL;
        if (pt == NULL || pt->name == NULL || pt->declaration)
            continue;
        trow *D = si_ti_find(at->ti, pt->name, pt->size, pt->decl_file, pt->decl_line, 0);
        if (D == NULL || D->size == 0)
            continue;
        dv[nd] = D;
        ov[nd] = (uint64_t)c->off;
        nd++;
    }
    if (nd == 0)
        return 0;
    /* a D at offset 0 the allocation is exactly */
    trow *whole = NULL;
    for (int i = 0; i < nd; i++)
        if (ov[i] == 0 && fits_whole(r, dv[i]) && (!r->size_known || !at->scaled ||
                                                   (uint64_t)r->size == dv[i]->size)) {
            if (whole && !same_type(whole, dv[i]))
                return 0;
            whole = dv[i];
        }
    if (whole) {
        for (int i = 0; i < nd; i++)
            if (holds_at(at, whole, ov[i], dv[i], 0) != 1)
                return 0;
        si_set_type(r, whole, "dwarf-param", CONF_PARAM);
        return 1;
    }
    /* container_of: the one struct of the size holding every D */
    if (!r->size_known || r->size <= 0)
        return 0;
    size_t slo, shi;
    si_ti_size_range(at->ti, (uint64_t)r->size, &slo, &shi);
    trow *only = NULL;
    for (size_t k = slo; k < shi; k++) {
        trow *T = &at->ti->rows[at->ti->by_size[k]];
        if (T->t == NULL || si_toolchain_type(T))
            continue;
        int all = 1;
        for (int i = 0; i < nd && all >= 0; i++) {
            int v = holds_at(at, T, ov[i], dv[i], 0);
            if (v == 0)
                all = -2;
            else if (v < 0)
                all = -1;
        }
        if (all == -2)
            continue;
        if (all == -1 || only)
            return 0;   /* another struct is possible */
        only = T;
    }
    if (only == NULL)
        return 0;
    si_set_type(r, only, "dwarf-param", CONF_PARAM);
    return 1;
}
