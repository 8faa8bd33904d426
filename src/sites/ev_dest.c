/*
** sites/ev_dest.c -- "destination": the struct member the pointer is
** stored into names what it points to.
**
** Contract: the data flow reports (si_dest_store, emitting pass) each
** 8-byte store of the allocation's pointer itself into memory through a
** register other than the stack pointer: t->node = luaM_newvector(...)
** is a store at offset 24 through the register holding t.  At
** attribution (si_ev_dest, after the DWARF and descriptor evidence), the
** DWARF variable holding that register at the store's pc (a register
** location, in a scope around the site) names the struct T -- else what
** the data flow knew of the base: the pointer of another site of the
** same function, typed T before this one (sites go in pc order: cert->pub
** = kzalloc(...) after cert = kzalloc(...)), or a pointer loaded from
** member m of a struct a DWARF variable in the load's base register
** names, m of type T * (p->priv->buf = ...); T's member at
** exactly that offset, of pointer type, names the pointee: a struct or
** union row of the binary (by name, through typedefs) is the type when it
** fits the allocation (its size, an element size, or a multiple for an
** array; a bigger one-object allocation keeps it only as a head, as
** attribute.c's fallback, unless it ends in a flexible array); members of
** embedded structs and unions count, a union only when its members at
** that offset agree; a pointer or scalar pointee ("TString *" in a
** `TString **` member: an array of pointers) says the allocation is no
** struct (type_name only, no candidates).  Stores into members that
** disagree, or a member that is not a pointer, decide nothing.
** Globals: a store of the pointer to a fixed address (flow.c's gstores),
** a store through a base loaded from one, and a store into a global
** array with an index register ask dwlines.c for the global's DWARF type
** (si_dest_globals, by the symbol holding the address): a global pointer
** names its pointee, a global struct its member at that offset, an array
** of pointers its element.  A store through a variable of type T **
** (*out = kzalloc(...)) names T when the size is known (a PyObject **
** receives every kind of object).  Slots of arrays that are not globals (an
** index register over a member or the stack) are not used.
*/
#include "sites/internal.h"
#include "sites/values.h"

#include <stdio.h>

#define MAX_DEST 4

static int cmp_dest(const void *a, const void *b)
{
    const dstore_ev *x = a, *y = b;
    int c = cmp_ev3(x->fn, x->gen, x->insn, y->fn, y->gen, y->insn);
    return c ? c : (x->pc < y->pc ? -1 : x->pc > y->pc);
}

void si_dest_sort(si_ctx *x)
{
    if (x->ndstores > 1)
        qsort(x->dstores, x->ndstores, sizeof *x->dstores, cmp_dest);
}

void si_dest_store(si_ctx *x, const func *f, const state *S, const da_insn *d)
{
    if (d->op != DA_OP_STORE_REG || d->width != 8 || d->src >= DA_NREGS ||
        d->base == x->arch->sp || !is_ret(&S->r[d->src]))
        return;
    const sv *v = &S->r[d->src];
    uint8_t via = DV_NONE, lbase = 0;
    uint32_t bsite = 0;
    int64_t boff = 0;
    uint64_t lpc = 0;
    if (d->index < DA_NREGS && d->scale == 8 &&
        (d->base == DA_NOREG || (d->base < DA_NREGS && S->r[d->base].k == V_CONST))) {
        /* a slot of a global array: tab[i] = kzalloc(...) */
        via = DV_GSLOT;
        lpc = (uint64_t)wadd(d->base == DA_NOREG ? 0 : S->r[d->base].c, d->disp);
        goto record;
    }
    if (d->base >= DA_NREGS || d->index != DA_NOREG)
        return;
    const sv *b = &S->r[d->base];
    if (b->k == V_STACK || d->disp < 0 || d->disp > (1 << 20))
        return;
    if (is_retoff(b)) {
        /* into another allocation: a->b = kzalloc(...) after a = kzalloc(...) */
        if (b->s == v->s || b->c < 0 || b->c > (1 << 20))
            return;
        via = DV_SITE;
        bsite = b->s;
        boff = b->c;
    } else if (b->k == V_LOAD && !b->adj) {
        via = DV_GLOBAL;        /* p = global; p->m = kzalloc(...) */
        lpc = (uint64_t)b->c;
    } else if (b->k == V_UNK && b->c <= 1 && b->s != 0 && vsym_insn(b) < x->ninsn) {
        /* loaded from a member: q = p->m; q->n = kzalloc(...) */
        const da_insn *L = &x->insn[vsym_insn(b)];
        if (L->op == DA_OP_LOAD && L->width == 8 && L->dst == vsym_reg(b) &&
            L->base < DA_NREGS && L->base != x->arch->sp && L->index == DA_NOREG &&
            L->disp >= 0 && L->disp <= (1 << 20)) {
            via = DV_FIELD;
            lbase = L->base;
            boff = L->disp;
            lpc = L->addr;
        }
    }
record:;
    size_t seen = 0;
    for (size_t i = x->ndstores; i > 0 && seen <= MAX_DEST; i--) {
        const dstore_ev *o = &x->dstores[i - 1];
        if (o->fn != x->cur_fn || o->gen != f->gen)
            break;
        seen += o->insn == v->s;
    }
    if (seen >= MAX_DEST)
        return;
    dstore_ev *e = HP_PUSH(x->dstores, x->ndstores, x->dstorecap);
    e->fn = x->cur_fn;
    e->gen = f->gen;
    e->insn = v->s;
    e->pc = d->addr;
    e->base = d->base;
    e->disp = (int32_t)d->disp;
    e->via = via;
    e->lbase = lbase;
    e->bsite = bsite;
    e->boff = (int32_t)boff;
    e->lpc = lpc;
}

/* The pcs of site e's destination stores (and of the loads their bases
** came from), as DWARF probes. */
void si_dest_probes(const si_ctx *x, const site_ev *e, dl_site *d)
{
    size_t lo, hi;
    EV_RANGE(x->dstores, x->ndstores, e, lo, hi);
    if (hi > lo)
        d->want_vars = 1;
    for (size_t i = lo; i < hi; i++)
        for (int w = 0; w < 2; w++) {
            const dstore_ev *s = &x->dstores[i];
            uint64_t pc = w ? s->lpc : s->pc;
            if (w && s->via != DV_FIELD)
                continue;
            int dup = 0;
            for (int k = 0; k < d->nprobe; k++)
                dup |= d->probe[k] == pc;
            if (!dup && d->nprobe < DL_MAX_PROBES)
                d->probe[d->nprobe++] = pc;
        }
}

/* The symbol holding the data word at addr: its start, else 0. */
static uint64_t glob_start(const si_ctx *x, uint64_t addr, const char **name)
{
    const ei_symbol *sym = ei_symbol_at(x->img, addr);
    if ((sym == NULL || sym->type == ST_FUNC) && x->dbg)
        sym = ei_symbol_at(x->dbg, addr);
    if (sym == NULL || sym->type == ST_FUNC || sym->addr == 0 || addr - sym->addr > (1u << 20))
        return 0;
    *name = sym->name;
    return sym->addr;
}

static void want_glob(const si_ctx *x, dl_site *d, uint64_t addr)
{
    const char *name = NULL;
    uint64_t a = glob_start(x, addr, &name);
    if (a == 0)
        return;
    for (int k = 0; k < d->nglob; k++)
        if (d->glob[k].addr == a)
            return;
    if (d->nglob < DL_MAX_GLOBALS) {
        memset(&d->glob[d->nglob], 0, sizeof d->glob[0]);
        d->glob[d->nglob].addr = a;
        d->glob[d->nglob].name = name;
        d->nglob++;
    }
}

/* The globals site e stores its pointer into, or loaded a store's base
** from, as DWARF requests (dl_site.glob). */
void si_dest_globals(const si_ctx *x, const site_ev *e, dl_site *d)
{
    size_t lo, hi;
    EV_RANGE(x->gstores, x->ngstores, e, lo, hi);
    for (size_t i = lo; i < hi; i++)
        want_glob(x, d, x->gstores[i].addr);
    EV_RANGE(x->dstores, x->ndstores, e, lo, hi);
    for (size_t i = lo; i < hi; i++)
        if (x->dstores[i].via == DV_GLOBAL || x->dstores[i].via == DV_GSLOT)
            want_glob(x, d, x->dstores[i].lpc);
}

/* "Node *" -> "Node"; "struct Table *" -> "Table"; NULL when the type is
** not a pointer.  *ptr is set when the pointee is itself a pointer. */
static const char *pointee_of(const char *tn, char *buf, size_t n, int *ptr)
{
    *ptr = 0;
    size_t L = strlen(tn);
    while (L > 0 && tn[L - 1] == ' ')
        L--;
    if (L < 2 || tn[L - 1] != '*')
        return NULL;
    L--;
    while (L > 0 && tn[L - 1] == ' ')
        L--;
    if (L > 0 && tn[L - 1] == '*') {
        *ptr = 1;
        return "pointer";
    }
    const char *p = tn;
    for (int again = 1; again; ) {
        again = 0;
        static const char *const pre[] = { "const ", "volatile ", "struct ", "union ",
                                           "class " };
        for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++) {
            size_t pl = strlen(pre[k]);
            if ((size_t)(p - tn) + pl <= L && strncmp(p, pre[k], pl) == 0) {
                p += pl;
                again = 1;
            }
        }
    }
    size_t m = L - (size_t)(p - tn);
    while (m > 0 && p[m - 1] == ' ')
        m--;
    if (m >= 6 && strncmp(p + m - 6, " const", 6) == 0)
        m -= 6;
    if (m == 0 || m >= n)
        return NULL;
    memcpy(buf, p, m);
    buf[m] = '\0';
    return buf;
}

static int is_raw(const char *n)
{
    static const char *const b[] = { "void", "char", "signed char", "unsigned char",
                                     "uint8_t", "int8_t", "u8", "byte" };
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        if (strcmp(n, b[i]) == 0)
            return 1;
    return 0;
}

/* The row a member's pointee names (directly, or a typedef's target). */
static trow *find_named(attr *at, const char *name)
{
    trow *t = si_ti_find(at->ti, name, 0, NULL, 0, at->r->size_known ? (uint64_t)at->r->size : 0);
    if (t || at->x->types == NULL)
        return t;
    size_t n = ts_alias_count(at->x->types);
    for (size_t i = 0; i < n; i++) {
        const char *a, *tg;
        ts_alias_get(at->x->types, i, &a, &tg);
        if (strcmp(a, name) == 0)
            return si_ti_find(at->ti, tg, 0, NULL, 0,
                              at->r->size_known ? (uint64_t)at->r->size : 0);
    }
    return NULL;
}

/* Does t fit what the code allocates? */
static int fits(const attr *at, const trow *t)
{
    const fin *r = at->r;
    if (!r->size_known || t->size == 0)
        return 1;
    uint64_t sz = (uint64_t)r->size;
    if (at->scaled || sz == t->size)
        return sz == t->size;
    if (t->t && (t->t->flags & TF_FLEX) && sz > t->size && (!r->count_known || r->count == 1))
        return 1;               /* the struct and its flexible array */
    return sz > t->size && sz % t->size == 0 && (!r->count_known || r->count >= 1);
}

/* The struct a DWARF variable in register reg at pc points to, or NULL. */
static trow *var_in_reg(attr *at, uint8_t reg, uint64_t pc)
{
    const dl_site *ds = at->ds;
    if (ds == NULL)
        return NULL;
    for (uint32_t k = 0; k < ds->nvars; k++) {
        const dl_var *v = &ds->vars[k];
        for (uint32_t l = 0; l < v->nlocs; l++) {
            const dl_varloc *L = &v->locs[l];
            if (L->kind == DL_LOC_REG && L->reg == reg && pc >= L->lo && pc < L->hi &&
                v->type && v->type->name) {
                trow *T = si_ti_find(at->ti, v->type->name, v->type->size, v->type->decl_file,
                                     v->type->decl_line, 0);
                return T && T->t ? T : NULL;
            }
        }
    }
    return NULL;
}

/* What a DWARF variable of type T ** in register reg at pc points to
** through its pointer: T (*out = kzalloc(...)), or NULL. */
static const dl_type *pvar_in_reg(const attr *at, uint8_t reg, uint64_t pc)
{
    const dl_site *ds = at->ds;
    for (uint32_t k = 0; ds && k < ds->nvars; k++) {
        const dl_var *v = &ds->vars[k];
        for (uint32_t l = 0; l < v->nlocs; l++) {
            const dl_varloc *L = &v->locs[l];
            if (L->kind == DL_LOC_REG && L->reg == reg && pc >= L->lo && pc < L->hi)
                return v->type && v->type->name == NULL && v->type->inner ? v->type->inner
                                                                         : NULL;
        }
    }
    return NULL;
}

/* The 8-byte member of T at off, inside embedded structs and unions too
** (tb = &g->strt; tb->hash = ...; d->map.std = ...); NULL when there is
** none, or when members of a union that overlap there differ. */
static const lay_member *member_at(attr *at, trow *T, uint64_t off)
{
    for (int depth = 0; T && T->t && depth < 6; depth++) {
        const lay_member *in = NULL;
        for (uint32_t k = 0; k < T->t->nmembers; k++) {
            const lay_member *c = &T->t->members[k];
            if (c->bit_size == 0 && c->type_name && off >= c->offset &&
                off - c->offset < c->size) {
                if (in && (in->offset != c->offset || in->size != c->size ||
                           strcmp(in->type_name, c->type_name) != 0))
                    return NULL;        /* union members that differ */
                if (in == NULL)
                    in = c;
            }
        }
        if (in == NULL)
            return NULL;
        char nb[256];
        int p2;
        int ptr = pointee_of(in->type_name, nb, sizeof nb, &p2) != NULL;
        int exact = in->offset == off && in->size == 8;
        if (ptr)
            return exact ? in : NULL;   /* inside a pointer: nothing embedded */
        snprintf(nb, sizeof nb, "%s", in->type_name);
        const char *q = nb;
        if (strncmp(q, "struct ", 7) == 0)
            q += 7;
        else if (strncmp(q, "union ", 6) == 0)
            q += 6;
        trow *E = si_ti_find(at->ti, q, in->size, NULL, 0, 0);
        if (E == NULL || E->t == NULL)
            return exact ? in : NULL;   /* a scalar there */
        off -= in->offset;
        T = E;
    }
    return NULL;
}

/* The struct a DWARF variable in register reg at pc points to, for a store
** at offset off through it: when several variables share the register (a
** struct and the one embedding it first, vdev and vp_dev =
** container_of(vdev, ...)), the one with a member there; variables whose
** members there differ decide nothing.  Else var_in_reg's answer. */
static trow *var_in_reg_at(attr *at, uint8_t reg, uint64_t pc, uint64_t off)
{
    const dl_site *ds = at->ds;
    trow *first = var_in_reg(at, reg, pc), *best = NULL;
    const lay_member *bm = NULL;
    if (first == NULL || member_at(at, first, off))
        return first;
    for (uint32_t k = 0; k < ds->nvars; k++) {
        const dl_var *v = &ds->vars[k];
        for (uint32_t l = 0; l < v->nlocs; l++) {
            const dl_varloc *L = &v->locs[l];
            if (L->kind != DL_LOC_REG || L->reg != reg || pc < L->lo || pc >= L->hi ||
                v->type == NULL || v->type->name == NULL)
                continue;
            trow *T = si_ti_find(at->ti, v->type->name, v->type->size, v->type->decl_file,
                                 v->type->decl_line, 0);
            const lay_member *m = T && T->t ? member_at(at, T, off) : NULL;
            if (m == NULL || T == best)
                break;
            if (best && (bm->type_name == NULL || m->type_name == NULL ||
                         strcmp(bm->type_name, m->type_name) != 0))
                return NULL;
            best = T;
            bm = m;
            break;
        }
    }
    return best ? best : first;
}

/* The struct the pointer member of T at off points to (q = p->m: what q
** is), or NULL. */
static trow *member_target(attr *at, trow *T, uint64_t off)
{
    const lay_member *m = member_at(at, T, off);
    char buf[256];
    int ptr;
    const char *pn = m ? pointee_of(m->type_name, buf, sizeof buf, &ptr) : NULL;
    if (pn == NULL || ptr || is_raw(pn))
        return NULL;
    trow *D = si_ti_find(at->ti, pn, 0, NULL, 0, 0);
    return D && D->t ? D : NULL;
}

/* The struct site `insn` of the same analysis was typed as (an earlier
** site: they are attributed in pc order), or NULL. */
static trow *site_type(attr *at, uint32_t insn)
{
    si_ctx *x = at->x;
    const site_ev *e = at->e;
    for (size_t k = x->ndone; k-- > 0; ) {
        const site_ev *o = &x->sites[x->done[k].ev];
        if (o == e)
            continue;
        if (o->fn != e->fn)
            break;
        if (o->gen == e->gen && o->insn == insn)
            return x->done[k].r.type;
    }
    return NULL;
}

/* The global holding the data word at addr, as the site's DWARF requests
** found it, with the word's offset in it (in its element, for an array). */
static const dl_global *glob_of(const attr *at, uint64_t addr, uint64_t *off)
{
    const dl_site *ds = at->ds;
    const char *name;
    uint64_t a = ds ? glob_start(at->x, addr, &name) : 0;
    for (int k = 0; a && k < ds->nglob; k++) {
        const dl_global *g = &ds->glob[k];
        if (g->addr != a || g->kind == DL_G_NONE || g->type == NULL)
            continue;
        *off = addr - a;
        if (g->array && g->stride > 0)
            *off %= g->stride;
        return g;
    }
    return NULL;
}

/* The row of a global's aggregate (or of what it points to). */
static trow *glob_row(attr *at, const dl_type *t)
{
    if (t == NULL || t->name == NULL)
        return NULL;
    trow *T = si_ti_find(at->ti, t->name, t->size, t->decl_file, t->decl_line, 0);
    return T && T->t ? T : NULL;
}

/* One destination's say: the pointee pn (ptr: a pointer to pointers) of
** the member or global the pointer went to.  -1: the site is not
** understood (raw memory, members that disagree), else 0. */
static int vote(attr *at, const char *pn, int ptr, trow **pick, const char **scalar)
{
    if (pn == NULL || is_raw(pn))
        return -1;              /* not a pointer, or raw memory */
    trow *D = ptr ? NULL : find_named(at, pn);
    if (D == NULL) {
        /* a pointer, a scalar, or no struct by that name */
        if (*pick)
            return -1;
        if (ptr || si_ti_find(at->ti, pn, 0, NULL, 0, 0) == NULL)
            *scalar = ptr ? "pointer" : hp_arena_strdup(&at->x->kc_names, pn);
        return 0;
    }
    if (*scalar || (*pick && *pick != D))
        return -1;
    *pick = D;
    return 0;
}

/* The vote of a global pointer to t. */
static int vote_ptr(attr *at, const dl_type *t, trow **pick, const char **scalar)
{
    if (t->name == NULL && t->pointee_name && strcmp(t->pointee_name, "?") == 0)
        return 0;               /* a type without a name (an array): nothing */
    if (t->name)
        return vote(at, t->name, 0, pick, scalar);
    return vote(at, t->pointee_name,
                t->pointee_name && strcmp(t->pointee_name, "pointer") == 0, pick, scalar);
}

/* The vote of the member of T at off. */
static int vote_member(attr *at, trow *T, uint64_t off, trow **pick, const char **scalar)
{
    const lay_member *m = member_at(at, T, off);
    if (m == NULL)
        return -1;              /* no pointer member there: not understood */
    char buf[256];
    int ptr;
    const char *pn = pointee_of(m->type_name, buf, sizeof buf, &ptr);
    return vote(at, pn, ptr, pick, scalar);
}

int si_ev_dest(attr *at)
{
    si_ctx *x = at->x;
    const site_ev *e = at->e;
    fin *r = at->r;
    size_t lo, hi;
    trow *pick = NULL;
    const char *scalar = NULL;
    /* into a global pointer, or a member of a global struct */
    EV_RANGE(x->gstores, x->ngstores, e, lo, hi);
    for (size_t i = lo; i < hi; i++) {
        uint64_t off;
        const dl_global *g = glob_of(at, x->gstores[i].addr, &off);
        int rc = 0;
        if (g == NULL)
            continue;
        if (g->kind == DL_G_PTR && off == 0)
            rc = vote_ptr(at, g->type, &pick, &scalar);
        else if (g->kind == DL_G_AGG && glob_row(at, g->type))
            rc = vote_member(at, glob_row(at, g->type), off, &pick, &scalar);
        else
            rc = -1;
        if (rc < 0)
            return 0;
    }
    EV_RANGE(x->dstores, x->ndstores, e, lo, hi);
    for (size_t i = lo; i < hi; i++) {
        const dstore_ev *s = &x->dstores[i];
        if (s->via == DV_GSLOT) {
            /* an element of a global array of pointers */
            uint64_t goff;
            const dl_global *g = glob_of(at, s->lpc, &goff);
            if (g == NULL)
                continue;
            if (!(g->array && g->kind == DL_G_PTR && goff == 0) ||
                vote_ptr(at, g->type, &pick, &scalar) < 0)
                return 0;
            continue;
        }
        /* what the base points to: a DWARF variable in the register, else
        ** the allocation it holds, else the struct of the member or global
        ** it was loaded from */
        uint64_t off = (uint64_t)s->disp;
        trow *T = var_in_reg_at(at, s->base, s->pc, off);
        const dl_type *P = T ? NULL : pvar_in_reg(at, s->base, s->pc);
        if (P && ((P->name == NULL && P->pointee_name && is_raw(P->pointee_name)) ||
                  !at->r->size_known))
            continue;           /* a void **, or nothing to check the size of
                                   (*pv = realloc(...) through a PyObject **
                                   is a PyBytesObject) */
        if (P) {
            /* through a pointer to pointers: *out = ..., out[i] = ... */
            if (off % 8 != 0 || vote_ptr(at, P, &pick, &scalar) < 0)
                return 0;
            continue;
        }
        if (T == NULL && s->via == DV_SITE) {
            T = site_type(at, s->bsite);
            off += (uint64_t)s->boff;
        } else if (T == NULL && s->via == DV_FIELD) {
            trow *O = var_in_reg(at, s->lbase, s->lpc);
            T = O ? member_target(at, O, (uint64_t)s->boff) : NULL;
        } else if (T == NULL && s->via == DV_GLOBAL) {
            uint64_t goff;
            const dl_global *g = glob_of(at, s->lpc, &goff);
            if (g && g->kind == DL_G_PTR && goff == 0)
                T = glob_row(at, g->type);
            else if (g && g->kind == DL_G_AGG && glob_row(at, g->type))
                T = member_target(at, glob_row(at, g->type), goff);
        }
        if (T == NULL)
            continue;
        if (vote_member(at, T, off, &pick, &scalar) < 0)
            return 0;
    }
    if (pick) {
        if (!fits(at, pick))
            return 0;
        return si_take(r, pick, at->A, "destination", CONF_DEST);
    }
    if (scalar && r->fallback == NULL) {
        r->type_name = scalar;
        r->method = "destination";
        r->conf = CONF_DEST;
        return 1;
    }
    return 0;
}
