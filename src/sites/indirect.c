/*
** sites/indirect.c -- allocators called through function pointers kept in
** struct fields and parameters.
**
** Contract: the data flow (flow.c) reports here, in its emitting pass,
** the function addresses and the pointer arguments a function stores into
** memory through a register (si_fp_store), passes to a function it calls
** (si_fp_pass), and the calls it makes through one of its own arguments
** (si_fp_argcall).  After each fixed point (wrappers.c) si_indirect_round()
** works out where allocator addresses go:
**  - a "slot" is a parameter (function P, argument k) or a struct field
**    (DWARF type name and size, offset): the field a store writes is named
**    by the DWARF variable that holds the store's base register at its pc
**    (or whose value is that register plus an offset: &l->g), so
**    `g->frealloc = f` writes the field (global_State, 0);
**  - a slot holds the functions stored or passed into it, directly or
**    through other slots (lua_newstate(l_alloc, ...) stores its f into
**    g->frealloc), to a fixed point;
**  - a call through a field (call *off(%reg), the variable holding reg
**    naming the type) or through an argument is resolved when its slot
**    holds at least one function, every function it holds is an allocator,
**    and they all take their size (count, type) in the same arguments: the
**    call is then a call of the first of them, and the function making it
**    is analyzed again -- a function that forwards its size to it is an
**    allocator wrapper like any other (evidence: the allocator's reason
**    names the slot and where the function was stored).
** Functions that pass a function address to another one make that one
** "watched": it is analyzed (again) so that what it does with its
** parameters is seen.  The functions that take an allocator's address
** (calls.c's takers) are analyzed when it becomes one.
** Limits: only what the analyzed code does is seen -- a field also set
** from code that is not analyzed, from outside the binary (an exported
** setter's argument) or by a struct copy is not known to hold anything
** else; on x86-64 calls through a register loaded from a field (mov
** off(%b),%r; call *%r) are not resolved (AArch64's blr after the ldr
** that loads it is: it has no other form).  Linux's retpoline thunks are: decode.c
** makes a call to __x86_indirect_thunk_REG a call *%REG.
*/
#include "sites/internal.h"
#include "sites/values.h"

#include <stdio.h>

enum { FE_STORE = 1, FE_PASS, FE_ARGCALL };

typedef struct fp_ev {
    uint32_t fn, gen;
    uint64_t pc;
    uint8_t kind;               /* FE_* */
    uint8_t base;               /* STORE: the base register */
    uint32_t alias;             /* STORE: other registers holding the
                                   base's value (the variable may be in one) */
    uint8_t arg;                /* PASS: the callee's argument */
    uint8_t src_arg;            /* the source, when src_fn is 0: this
                                   function's argument (ARGCALL: called) */
    int64_t disp;               /* STORE: the displacement */
    uint64_t src_fn;            /* the source: a function's address, or 0 */
    uint64_t callee;            /* PASS: the call's target */
} fp_ev;

#define FP_MAXF 4               /* functions a slot holds before it is "many" */

typedef struct fp_slot {
    uint8_t field;              /* 1: struct field, 0: parameter */
    uint8_t many;               /* more than FP_MAXF functions */
    uint8_t nf;
    uint8_t arg;                /* parameter: argument index */
    uint32_t fn;                /* parameter: the function */
    const char *tname;          /* field: the struct (fp arena) */
    uint64_t tsize;
    int64_t off;
    uint32_t f[FP_MAXF];        /* function indexes it holds */
    uint64_t where[FP_MAXF];    /* pc of the store or pass that put f[i] there */
} fp_slot;

typedef struct fp_edge { uint32_t from, to; uint64_t pc; } fp_edge;
typedef struct fp_use { uint64_t pc; uint32_t fn, slot; } fp_use;

struct fp_ctx {
    fp_ev *ev;
    size_t nev, evcap;
    amap resolved;              /* call pc -> allocator index */
    amap noted;                 /* call pc -> index into notes */
    char **notes;
    size_t nnotes, notecap;
    hp_arena names;
};

static struct fp_ctx *fpc(si_ctx *x)
{
    if (x->fp == NULL)
        x->fp = hp_xcalloc(1, sizeof *x->fp);
    return x->fp;
}

void si_indirect_free(si_ctx *x)
{
    struct fp_ctx *c = x->fp;
    if (c == NULL)
        return;
    free(c->ev);
    si_amap_free(&c->resolved);
    si_amap_free(&c->noted);
    for (size_t i = 0; i < c->nnotes; i++)
        free(c->notes[i]);
    free(c->notes);
    hp_arena_free(&c->names);
    free(c);
    x->fp = NULL;
}

/* ---- what the data flow reports (emitting pass) ---- */

/* v as a source: a function's address (*fa) or an argument of f (*arg) */
static int fp_source(si_ctx *x, const func *f, const sv *v, uint64_t *fa, uint8_t *arg)
{
    *fa = 0;
    *arg = 0;
    if (v->k == V_CONST && v->c != 0 && si_amap_get(&x->fn_at, (uint64_t)v->c) >= 0) {
        *fa = (uint64_t)v->c;
        return 1;
    }
    if (f->fp_watch && v->k == V_ARG && v->c == 1 && !v->adj) {
        *arg = v->a;
        return 1;
    }
    return 0;
}

static fp_ev *fp_push(si_ctx *x, const da_insn *d, uint8_t kind)
{
    struct fp_ctx *c = fpc(x);
    fp_ev *e = HP_PUSH(c->ev, c->nev, c->evcap);
    memset(e, 0, sizeof *e);
    e->fn = x->cur_fn;
    e->gen = x->fns[x->cur_fn].gen;
    e->pc = d->addr;
    e->kind = kind;
    return e;
}

void si_fp_store(si_ctx *x, const func *f, const state *S, const da_insn *d)
{
    if (d->op != DA_OP_STORE_REG || d->width != 8 || d->base >= DA_NREGS ||
        d->index != DA_NOREG || d->src >= DA_NREGS || S->r[d->base].k == V_STACK ||
        d->base == x->arch->sp)
        return;
    uint64_t fa;
    uint8_t arg;
    uint32_t alias = 0;
    const sv *b = &S->r[d->base];
    for (unsigned r = 0; r < DA_NREGS && (b->k != V_UNK || b->s != 0); r++)
        if (r != d->base && r != x->arch->sp && sv_eq(&S->r[r], b))
            alias |= 1u << r;
    /* a pair (AArch64 stp) stores its second register at the next word */
    for (int k = 0; k < (d->reg2 && d->reg2 != DA_REG2_ZERO ? 2 : 1); k++) {
        unsigned src = k == 0 ? d->src : d->reg2 - 1u;
        if (src >= DA_NREGS || !fp_source(x, f, &S->r[src], &fa, &arg))
            continue;
        fp_ev *e = fp_push(x, d, FE_STORE);
        e->base = d->base;
        e->alias = alias;
        e->disp = d->disp + 8 * k;
        e->src_fn = fa;
        e->src_arg = arg;
    }
}

void si_fp_pass(si_ctx *x, const func *f, const state *S, const da_insn *d, uint64_t target)
{
    if (target == 0 || f->go_abi)
        return;
    for (int i = 0; i < x->arch->nargs; i++) {
        uint64_t fa;
        uint8_t arg;
        if (!fp_source(x, f, &S->r[x->arch->args[i]], &fa, &arg))
            continue;
        fp_ev *e = fp_push(x, d, FE_PASS);
        e->arg = (uint8_t)i;
        e->src_fn = fa;
        e->src_arg = arg;
        e->callee = target;
    }
}

void si_fp_argcall(si_ctx *x, const func *f, const state *S, const da_insn *d)
{
    if (!f->fp_watch || d->mem_ind || d->src >= DA_NREGS)
        return;
    const sv *v = &S->r[d->src];
    if (v->k != V_ARG || v->c != 1 || v->adj)
        return;
    fp_ev *e = fp_push(x, d, FE_ARGCALL);
    e->src_arg = v->a;
}

int32_t si_indirect_callee(const si_ctx *x, uint64_t pc)
{
    return x->fp ? si_amap_get(&x->fp->resolved, pc) : -1;
}

const char *si_indirect_note(const si_ctx *x, uint64_t pc)
{
    if (x->fp == NULL)
        return NULL;
    int32_t k = si_amap_get(&x->fp->noted, pc);
    return k >= 0 ? x->fp->notes[k] : NULL;
}

/* ---- the round ---- */

typedef struct fp_work {
    fp_slot *sl;
    size_t nsl, slcap;
    fp_edge *ed;                /* from slot -> to slot */
    size_t ned, edcap;
    fp_edge *con;               /* function (from) -> slot (to) */
    size_t ncon, concap;
    fp_use *use;                /* calls through a slot */
    size_t nuse, usecap;
} fp_work;

static uint32_t param_slot(fp_work *w, uint32_t fn, uint8_t arg)
{
    for (size_t i = 0; i < w->nsl; i++)
        if (!w->sl[i].field && w->sl[i].fn == fn && w->sl[i].arg == arg)
            return (uint32_t)i;
    fp_slot *s = HP_PUSH(w->sl, w->nsl, w->slcap);
    memset(s, 0, sizeof *s);
    s->fn = fn;
    s->arg = arg;
    return (uint32_t)(w->nsl - 1);
}

static uint32_t field_slot(si_ctx *x, fp_work *w, const dl_type *t, int64_t off)
{
    for (size_t i = 0; i < w->nsl; i++)
        if (w->sl[i].field && w->sl[i].off == off && w->sl[i].tsize == t->size &&
            strcmp(w->sl[i].tname, t->name) == 0)
            return (uint32_t)i;
    fp_slot *s = HP_PUSH(w->sl, w->nsl, w->slcap);
    memset(s, 0, sizeof *s);
    s->field = 1;
    s->tname = hp_arena_strdup(&fpc(x)->names, t->name);
    s->tsize = t->size;
    s->off = off;
    return (uint32_t)(w->nsl - 1);
}

/* The body a call to `target` runs: a PLT stub of the binary's own
** exported function leads to that function. */
static int32_t body_of(si_ctx *x, uint64_t target)
{
    int32_t fi = si_amap_get(&x->fn_at, target);
    if (fi < 0 || !x->fns[fi].is_plt)
        return fi;
    const func *p = &x->fns[fi];
    size_t len = si_base_len(p->name);
    for (size_t i = 0; i < x->nfns; i++) {
        const func *g = &x->fns[i];
        if (!g->is_plt && g->name && si_base_len(g->name) == len &&
            memcmp(g->name, p->name, len) == 0)
            return (int32_t)i;
    }
    return -1;
}

static void watch(si_ctx *x, uint32_t fi, int *changed)
{
    func *f = &x->fns[fi];
    if (f->fp_watch || f->is_plt || f->cold || internal(x, f))
        return;
    f->fp_watch = 1;
    si_enqueue(x, fi);
    *changed = 1;
}

/* The struct fields a pointer in register `reg` at pc points into: each
** variable holding it (or holding reg + k) names (type, disp - k). */
static void fields_at(si_ctx *x, fp_work *w, const dl_site *ds, uint64_t pc, uint8_t reg,
                      int64_t disp, uint32_t *out, size_t *nout, size_t max)
{
    *nout = 0;
    if (ds == NULL)
        return;
    for (uint32_t k = 0; k < ds->nvars; k++) {
        const dl_var *v = &ds->vars[k];
        const dl_type *t = v->type;
        if (t == NULL || t->name == NULL || t->size == 0 || t->declaration)
            continue;
        for (uint32_t l = 0; l < v->nlocs; l++) {
            const dl_varloc *L = &v->locs[l];
            if (pc < L->lo || pc >= L->hi || L->reg != reg)
                continue;
            int64_t off;
            if (L->kind == DL_LOC_REG)
                off = disp;
            else if (L->kind == DL_LOC_VALUE)
                off = disp - L->off;
            else
                continue;
            /* the field of t, and of the embedded struct holding it */
            for (int depth = 0; t && depth < 8; depth++) {
                if (off < 0 || (uint64_t)off + 8 > t->size)
                    break;
                uint32_t s = field_slot(x, w, t, off);
                int dup = 0;
                for (size_t i = 0; i < *nout; i++)
                    dup |= out[i] == s;
                if (!dup && *nout < max)
                    out[(*nout)++] = s;
                const dl_type *in = NULL;
                for (uint32_t m = 0; m < t->nmembers && !in; m++) {
                    const dl_member *M = &t->members[m];
                    if ((uint64_t)off >= M->off && (uint64_t)off - M->off < M->type->size)
                        in = M->type;
                    if (in)
                        off -= (int64_t)M->off;
                }
                t = in;
            }
            break;
        }
    }
}

static int cmp_dls(const void *a, const void *b)
{
    const dl_site *x = a, *y = b;
    return x->pc < y->pc ? -1 : x->pc > y->pc;
}

/* DWARF variables at each of pcs (sorted, distinct); NULL when there is
** no DWARF or it does not read. */
static dl_site *vars_at(si_ctx *x, uint64_t *pcs, size_t n, dl_info **dli)
{
    *dli = NULL;
    if (n == 0 || x->dwarf == NULL)
        return NULL;
    dl_site *ds = hp_xcalloc(n, sizeof *ds);
    for (size_t i = 0; i < n; i++) {
        ds[i].pc = pcs[i];
        ds[i].ret_pc = pcs[i];
        ds[i].want_vars = 1;
        ds[i].want_members = 1;
    }
    qsort(ds, n, sizeof *ds, cmp_dls);
    hp_err err = {0};
    if (dl_collect(x->dwarf, ds, n, NULL, 0, 0, x->jobs, &x->pacer, dli, &err) != 0) {
        x->st->skipped++;
        free(ds);
        *dli = NULL;
        return NULL;
    }
    return ds;
}

static int cmp_u64p(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t uniq_u64(uint64_t *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_u64p);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (w == 0 || v[w - 1] != v[i])
            v[w++] = v[i];
    return w;
}

/* Does the body hold `call/jmp *disp(%reg)` (ff /2, ff /4; not rip-relative)
** with disp one of offs?  A byte test: a false hit only costs a decode. */
static int may_call_field(const uint8_t *p, size_t len, const int64_t *offs, size_t noffs)
{
    for (size_t k = 0; k + 2 <= len; k++) {
        if (p[k] != 0xff)
            continue;
        uint8_t m = p[k + 1];
        unsigned reg = (m >> 3) & 7, mod = m >> 6, rm = m & 7;
        if ((reg != 2 && reg != 4) || mod == 3 || (mod == 0 && rm == 5))
            continue;
        size_t at = k + 2 + (rm == 4);
        int64_t disp = 0;
        if (mod == 1 && at < len)
            disp = (int8_t)p[at];
        else if (mod == 2 && at + 4 <= len)
            disp = (int32_t)rd32le(p + at);
        else if (mod != 0)
            continue;
        for (size_t i = 0; i < noffs; i++)
            if (offs[i] == disp)
                return 1;
    }
    return 0;
}

/* The field a call through a register reads, for an architecture that
** has no call through memory (AArch64: ldr x8, [x20, #off]; blr x8): the
** load is the last instruction before the call (insn[k]) that writes the
** register, in the same straight run (no branch before it back to the
** load, none in the function landing between the two), an 8-byte word
** (or a pair's second) at base + disp, base unchanged up to the call.
** 1 with *base and *disp set, else 0. */
static int reg_call_field(const si_ctx *x, size_t k, uint8_t *base, int64_t *disp)
{
    const da_insn *c = &x->insn[k];
    unsigned r = c->src;
    if (c->mem_ind || r >= DA_NREGS)
        return 0;
    for (size_t i = k, n = 0; i-- > 0 && n < 16; n++) {
        const da_insn *d = &x->insn[i];
        if (d->kind != DA_KIND_OTHER)
            return 0;
        if (!(d->wmask >> r & 1))
            continue;
        if (d->op != DA_OP_LOAD || d->width != 8 || d->base >= DA_NREGS ||
            d->index != DA_NOREG || d->wb != DA_WB_NONE)
            return 0;
        int64_t off = d->dst == r ? d->disp : d->reg2 == r + 1 ? d->disp + 8 : INT64_MIN;
        if (off == INT64_MIN)
            return 0;
        for (size_t j = i + 1; j < k; j++)
            if (x->insn[j].wmask >> d->base & 1)
                return 0;
        for (size_t j = 0; j < x->ninsn; j++) {
            const da_insn *b = &x->insn[j];
            if ((b->kind == DA_KIND_JMP || b->kind == DA_KIND_JCC) &&
                b->target > d->addr && b->target <= c->addr)
                return 0;
        }
        *base = d->base;
        *disp = off;
        return 1;
    }
    return 0;
}

/* The same for AArch64, whose only indirect calls are through a
** register: a blr/br xN with, in the 16 words before it, a 64-bit load
** of xN (ldr unsigned offset, ldur, ldp: either register) at one of the
** offsets. */
static int may_call_reg_a64(const uint8_t *p, size_t len, const int64_t *offs, size_t noffs)
{
    for (size_t k = 0; k + 4 <= len; k += 4) {
        uint32_t w = rd32le(p + k);
        if ((w & 0xfffffc1fu) != 0xd63f0000u && (w & 0xfffffc1fu) != 0xd61f0000u)
            continue;
        unsigned rn = (w >> 5) & 31;
        for (size_t j = k, n = 0; j >= 4 && n < 16; j -= 4, n++) {
            uint32_t l = rd32le(p + j - 4);
            int64_t off[2] = { INT64_MIN, INT64_MIN };
            if ((l & 0xffc00000u) == 0xf9400000u && (l & 31) == rn)
                off[0] = (int64_t)((l >> 10) & 0xfff) * 8;
            else if ((l & 0xffe00c00u) == 0xf8400000u && (l & 31) == rn)
                off[0] = (int64_t)(((l >> 12) & 0x1ff) ^ 0x100) - 0x100;
            else if ((l & 0xffc00000u) == 0xa9400000u) {
                int64_t o = ((int64_t)(((l >> 15) & 0x7f) ^ 0x40) - 0x40) * 8;
                if ((l & 31) == rn)
                    off[0] = o;
                if (((l >> 10) & 31) == rn)
                    off[1] = o + 8;
            }
            for (size_t i = 0; i < noffs; i++)
                if (offs[i] == off[0] || offs[i] == off[1])
                    return 1;
        }
    }
    return 0;
}

static const char *fn_label(si_ctx *x, uint64_t pc, char *buf, size_t n)
{
    int32_t lo = -1;
    for (size_t i = 0; i < x->nfns; i++)
        if (!x->fns[i].is_plt && inside(&x->fns[i], pc)) {
            lo = (int32_t)i;
            break;
        }
    if (lo < 0 || x->fns[lo].name == NULL)
        snprintf(buf, n, "0x%llx", (unsigned long long)pc);
    else
        snprintf(buf, n, "%s+0x%llx", x->fns[lo].name,
                 (unsigned long long)(pc - x->fns[lo].addr));
    return buf;
}

/* Add function f (put there at pc) to slot s; 1 if it changed. */
static int slot_add(fp_slot *s, uint32_t f, uint64_t pc)
{
    if (s->many)
        return 0;
    for (int i = 0; i < s->nf; i++)
        if (s->f[i] == f)
            return 0;
    if (s->nf == FP_MAXF) {
        s->many = 1;
        return 1;
    }
    s->f[s->nf] = f;
    s->where[s->nf] = pc;
    s->nf++;
    return 1;
}

/* The allocator every function of the slot is, or -1. */
static int32_t slot_alloc(const si_ctx *x, const fp_slot *s)
{
    if (s->many || s->nf == 0)
        return -1;
    int32_t a0 = x->fns[s->f[0]].alloc;
    if (a0 < 0)
        return -1;
    const alloc *A = &x->allocs[a0];
    if (A->flags & (AF_CACHE_CREATE | AF_GO_ABI))
        return -1;
    for (int i = 1; i < s->nf; i++) {
        int32_t a = x->fns[s->f[i]].alloc;
        if (a < 0)
            return -1;
        const alloc *B = &x->allocs[a];
        if (B->size != A->size || B->count != A->count || B->type != A->type ||
            B->out != A->out || B->cache != A->cache || B->flags != A->flags)
            return -1;
    }
    return a0;
}

/* Does the slot hold an allocator? */
static int slot_has_alloc(const si_ctx *x, const fp_slot *s)
{
    for (int i = 0; i < s->nf; i++)
        if (x->fns[s->f[i]].alloc >= 0)
            return 1;
    return 0;
}

static void propagate(fp_work *w)
{
    for (size_t i = 0; i < w->ncon; i++)
        slot_add(&w->sl[w->con[i].to], w->con[i].from, w->con[i].pc);
    for (int more = 1, it = 0; more && it < 64; it++) {
        more = 0;
        for (size_t i = 0; i < w->ned; i++) {
            fp_slot *from = &w->sl[w->ed[i].from], *to = &w->sl[w->ed[i].to];
            if (from->many && !to->many) {
                to->many = 1;
                more = 1;
            }
            for (int k = 0; k < from->nf; k++)
                more |= slot_add(to, from->f[k], from->where[k]);
        }
    }
}

/* Is the store's or pass's source an allocator, or a parameter that
** holds one? */
static int carries(si_ctx *x, fp_work *w, const fp_ev *e)
{
    if (e->src_fn) {
        int32_t fi = si_amap_get(&x->fn_at, e->src_fn);
        return fi >= 0 && x->fns[fi].alloc >= 0;
    }
    return slot_has_alloc(x, &w->sl[param_slot(w, e->fn, e->src_arg)]);
}

static void add_source(si_ctx *x, fp_work *w, const fp_ev *e, uint32_t to)
{
    if (e->src_fn) {
        fp_edge *g = HP_PUSH(w->con, w->ncon, w->concap);
        *g = (fp_edge){ (uint32_t)si_amap_get(&x->fn_at, e->src_fn), to, e->pc };
    } else {
        uint32_t from = param_slot(w, e->fn, e->src_arg);
        fp_edge *g = HP_PUSH(w->ed, w->ned, w->edcap);
        *g = (fp_edge){ from, to, e->pc };
    }
}

static int cmp_use(const void *a, const void *b)
{
    const fp_use *x = a, *y = b;
    if (x->pc != y->pc)
        return x->pc < y->pc ? -1 : 1;
    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Resolve the calls at one pc (uses[lo, hi)): every slot its variables
** name that holds something must hold the same allocators. */
static void resolve(si_ctx *x, fp_work *w, size_t lo, size_t hi, int *changed)
{
    struct fp_ctx *c = fpc(x);
    const fp_use *u = &w->use[lo];
    if (si_amap_get(&c->resolved, u->pc) >= 0)
        return;
    int32_t a = -1;
    const fp_slot *s = NULL;
    for (size_t i = lo; i < hi; i++) {
        const fp_slot *t = &w->sl[w->use[i].slot];
        if (t->nf == 0 && !t->many)
            continue;
        int32_t b = slot_alloc(x, t);
        if (b < 0 || (a >= 0 && b != a))
            return;
        if (a < 0) {
            a = b;
            s = t;
        }
    }
    if (a < 0)
        return;
    si_amap_put(&c->resolved, u->pc, a);
    char where[160], slot[200];
    fn_label(x, s->where[0], where, sizeof where);
    if (s->field)
        snprintf(slot, sizeof slot, "the field at offset %lld of %s",
                 (long long)s->off, s->tname);
    else
        snprintf(slot, sizeof slot, "argument %d of %s", s->arg,
                 x->fns[s->fn].name ? x->fns[s->fn].name : "?");
    char *note = hp_xasprintf("through %s, which holds %s (from %s)", slot,
                              x->fns[s->f[0]].name ? x->fns[s->f[0]].name : "?", where);
    *(char **)HP_PUSH(c->notes, c->nnotes, c->notecap) = note;
    si_amap_put(&c->noted, u->pc, (int32_t)(c->nnotes - 1));
    si_enqueue(x, u->fn);
    *changed = 1;
}

int si_indirect_round(si_ctx *x)
{
    struct fp_ctx *c = x->fp;
    if (c == NULL || c->nev == 0)
        return 0;
    int changed = 0;
    fp_work w;
    memset(&w, 0, sizeof w);
    uint64_t *pcs = NULL;
    size_t npcs = 0, pcap = 0;

    /* passes and calls through arguments */
    for (size_t i = 0; i < c->nev; i++) {
        const fp_ev *e = &c->ev[i];
        if (e->gen != x->fns[e->fn].gen)
            continue;
        if (e->kind == FE_PASS) {
            int32_t p = body_of(x, e->callee);
            if (p >= 0 && x->fns[p].alloc < 0)
                add_source(x, &w, e, param_slot(&w, (uint32_t)p, e->arg));
        } else if (e->kind == FE_ARGCALL) {
            fp_use *u = HP_PUSH(w.use, w.nuse, w.usecap);
            *u = (fp_use){ e->pc, e->fn, param_slot(&w, e->fn, e->src_arg) };
        }
    }
    propagate(&w);
    /* a function handed an allocator is analyzed for what it does with it */
    for (size_t i = 0; i < c->nev; i++) {
        const fp_ev *e = &c->ev[i];
        if (e->kind != FE_PASS || e->gen != x->fns[e->fn].gen || !carries(x, &w, e))
            continue;
        int32_t p = body_of(x, e->callee);
        if (p >= 0 && x->fns[p].alloc < 0)
            watch(x, (uint32_t)p, &changed);
    }

    /* the stores that put an allocator somewhere, and the other function
    ** addresses stored at the same offsets (a field that holds others too
    ** is no allocator's): the fields their base registers' variables name */
    int64_t *offs = NULL;
    size_t noffs = 0, ocap = 0;
    for (size_t i = 0; i < c->nev; i++) {
        const fp_ev *e = &c->ev[i];
        if (e->kind == FE_STORE && e->gen == x->fns[e->fn].gen && carries(x, &w, e))
            *(int64_t *)HP_PUSH(offs, noffs, ocap) = e->disp;
    }
    for (size_t i = 0; noffs && i < c->nev; i++) {
        const fp_ev *e = &c->ev[i];
        if (e->kind != FE_STORE || e->gen != x->fns[e->fn].gen)
            continue;
        int want = carries(x, &w, e);
        for (size_t k = 0; k < noffs && !want; k++)
            want = offs[k] == e->disp;
        if (want)
            *(uint64_t *)HP_PUSH(pcs, npcs, pcap) = e->pc;
    }
    npcs = uniq_u64(pcs, npcs);
    noffs = 0;
    dl_info *dli = NULL;
    dl_site *ds = vars_at(x, pcs, npcs, &dli);
    for (size_t i = 0; ds && i < c->nev; i++) {
        const fp_ev *e = &c->ev[i];
        if (e->kind != FE_STORE || e->gen != x->fns[e->fn].gen)
            continue;
        const dl_site *d = si_find_dlsite(ds, npcs, e->pc);
        if (d == NULL)
            continue;
        uint32_t to[8];
        size_t nto;
        fields_at(x, &w, d, e->pc, e->base, e->disp, to, &nto, 8);
        for (uint32_t am = e->alias; nto == 0 && am; am &= am - 1)
            fields_at(x, &w, d, e->pc, (uint8_t)__builtin_ctz(am), e->disp, to, &nto, 8);
        for (size_t k = 0; k < nto; k++) {
            add_source(x, &w, e, to[k]);
            *(int64_t *)HP_PUSH(offs, noffs, ocap) = w.sl[to[k]].off;
        }
    }
    free(ds);
    dl_free(dli);
    for (size_t i = 0; i < w.nsl; i++) {
        w.sl[i].nf = 0;
        w.sl[i].many = 0;
    }
    propagate(&w);

    /* calls through a field that holds an allocator: the bodies that may
    ** make one, decoded, and the variables at each such call */
    size_t nalloc_fields = 0;
    for (size_t i = 0; i < w.nsl; i++)
        nalloc_fields += w.sl[i].field && slot_alloc(x, &w.sl[i]) >= 0;
    if (nalloc_fields > 0) {
        size_t nuo = 0;
        for (size_t i = 0; i < noffs; i++) {
            int dup = 0;
            for (size_t k = 0; k < nuo; k++)
                dup |= offs[k] == offs[i];
            if (!dup)
                offs[nuo++] = offs[i];
        }
        npcs = 0;
        int x86 = strcmp(x->arch->name, "x86_64") == 0;
        uint32_t *cfn = NULL;
        size_t ncfn = 0, cfcap = 0;
        for (size_t fi = 0; fi < x->nfns; fi++) {
            func *f = &x->fns[fi];
            if (f->is_plt || f->cold || internal(x, f))
                continue;
            size_t len = 0;
            const uint8_t *p = si_body(x, f, &len);
            /* bodies that may make such a call (x86-64: call *disp(%reg);
            ** AArch64: blr/br of a register loaded at such an offset) */
            if (p == NULL || (x86 ? !may_call_field(p, len, offs, nuo) : !may_call_reg_a64(p, len, offs, nuo)) ||
                si_decode_fn(x, (uint32_t)fi))
                continue;
            for (size_t k = 0; k < x->ninsn; k++) {
                const da_insn *d = &x->insn[k];
                uint8_t base = d->base;
                int64_t disp = d->disp;
                if ((d->kind != DA_KIND_ICALL && d->kind != DA_KIND_IJMP) ||
                    (!d->mem_ind && (x86 || !reg_call_field(x, k, &base, &disp))) ||
                    base >= DA_NREGS || (d->mem_ind && d->index != DA_NOREG))
                    continue;
                int hit = 0;
                for (size_t j = 0; j < nuo && !hit; j++)
                    hit = offs[j] == disp;
                if (!hit)
                    continue;
                *(uint64_t *)HP_PUSH(pcs, npcs, pcap) = d->addr;
                *(uint32_t *)HP_PUSH(cfn, ncfn, cfcap) = (uint32_t)fi;
                *(uint32_t *)HP_PUSH(cfn, ncfn, cfcap) = (uint32_t)base;
                *(int64_t *)HP_PUSH(offs, noffs, ocap) = disp;
            }
        }
        uint64_t *sorted = hp_xmalloc((npcs + 1) * sizeof *sorted);
        memcpy(sorted, pcs, npcs * sizeof *pcs);
        size_t nsorted = uniq_u64(sorted, npcs);
        ds = vars_at(x, sorted, nsorted, &dli);
        for (size_t i = 0; ds && i < npcs; i++) {
            uint32_t to[8];
            size_t nto;
            fields_at(x, &w, si_find_dlsite(ds, nsorted, pcs[i]), pcs[i], (uint8_t)cfn[2 * i + 1],
                      offs[noffs - npcs + i], to, &nto, 8);
            for (size_t j = 0; j < nto; j++) {
                fp_use *u = HP_PUSH(w.use, w.nuse, w.usecap);
                *u = (fp_use){ pcs[i], cfn[2 * i], to[j] };
            }
        }
        free(ds);
        dl_free(dli);
        free(sorted);
        free(cfn);
    }
    if (w.nuse > 1)
        qsort(w.use, w.nuse, sizeof *w.use, cmp_use);
    for (size_t i = 0; i < w.nuse; ) {
        size_t j = i;
        while (j < w.nuse && w.use[j].pc == w.use[i].pc)
            j++;
        resolve(x, &w, i, j, &changed);
        i = j;
    }
    free(offs);
    free(pcs);
    free(w.sl);
    free(w.ed);
    free(w.con);
    free(w.use);
    return changed;
}
