/*
** sites/flow.c -- the data flow over one function's blocks.
**
** Contract: si_run_flow() computes, to a fixed point, the symbolic value
** (values.h) and the taint (the allocator calls whose result it may hold)
** of every register and tracked stack slot at the start of each block the
** entry reaches, then makes one emitting pass that records the events
** (events.c) the attribution needs, and what indirect.c wants to know
** about function addresses and pointer arguments.  A load through a
** pointer loaded from a data word the file initialises reads the word it
** points to (as initialised).  Blocks the entry does not reach start
** from nothing known.  On the edge where a null check (`test r,r` and
** je/jne) found r zero, r and what holds the same pointer carry no taint:
** `if (!p) return NULL;` that returns p's zeroed register returns no
** allocation.  The pointer stored to a word outside the stack comes back
** from a load of that word (state.hc) until a store may overwrite it.
** The visits are bounded (a budget per block).
*/
#include "sites/internal.h"
#include "sites/values.h"

#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Stack slots                                                         */
/* ------------------------------------------------------------------ */

static void slot_kill_range(state *S, int64_t off, unsigned width)
{
    if (off < (int64_t)INT32_MIN - 64 || off > (int64_t)INT32_MAX)
        return;                 /* no slot is there (their offsets are 32-bit) */
    for (int i = 0; i < NSLOT; i++) {
        sslot *s = &S->sl[i];
        if (s->used && off < (int64_t)s->off + s->width && (int64_t)s->off < off + (int64_t)width)
            memset(s, 0, sizeof *s);
    }
}

static void slot_put(state *S, int64_t off, unsigned width, sv v, uint32_t taint)
{
    if (off < INT32_MIN || off > INT32_MAX || width == 0 || width > 64)
        return;
    slot_kill_range(S, off, width);
    if (width != 4 && width != 8)
        return;
    int free_i = -1;
    for (int i = 0; i < NSLOT; i++)
        if (!S->sl[i].used) {
            free_i = i;
            break;
        }
    if (free_i < 0) {
        /* full: drop the first, keep the order deterministic */
        memmove(&S->sl[0], &S->sl[1], (NSLOT - 1) * sizeof S->sl[0]);
        free_i = NSLOT - 1;
    }
    sslot *s = &S->sl[free_i];
    memset(s, 0, sizeof *s);
    s->used = 1;
    s->off = (int32_t)off;
    s->width = (uint8_t)width;
    s->v = width == 4 ? vtrunc32(v) : v;
    s->taint = width == 8 ? taint : 0;
}

static sv slot_get(const state *S, int64_t off, unsigned width, uint32_t *taint)
{
    for (int i = 0; i < NSLOT; i++) {
        const sslot *s = &S->sl[i];
        if (s->used && s->off == off && s->width == width) {
            *taint = s->taint;
            return s->v;
        }
    }
    *taint = 0;
    return vunk();
}

/* ------------------------------------------------------------------ */
/* Words the pointer was stored to (state.hc)                          */
/* ------------------------------------------------------------------ */

/* A base whose value names one object: an argument, the result of one
** instruction, an allocation's pointer, a data word's value, a constant. */
static int cell_base_ok(const sv *b)
{
    return (b->k == V_ARG && !b->adj) || (b->k == V_UNK && b->s != 0) || b->k == V_RET ||
           (b->k == V_LOAD && !b->adj) || b->k == V_CONST;
}

/* A store of width bytes to base + disp (not the stack): drop the cells
** it may overwrite; remember it when it stores the allocation's pointer. */
static void cell_store(state *S, sv base, int64_t disp, unsigned width, sv v, uint32_t taint)
{
    if (disp < INT32_MIN || disp > INT32_MAX)
        return;
    for (int i = 0; i < NCELL; i++) {
        hcell *c = &S->hc[i];
        if (c->base.k == V_BOT)
            continue;
        int same = sv_eq(&c->base, &base);
        if ((same && disp < (int64_t)c->disp + 8 && (int64_t)c->disp < disp + (int64_t)width) ||
            (!same && c->disp == disp))
            memset(c, 0, sizeof *c);
    }
    if (width != 8 || v.k != V_RET || !cell_base_ok(&base))
        return;
    int free_i = -1;
    for (int i = 0; i < NCELL && free_i < 0; i++)
        if (S->hc[i].base.k == V_BOT)
            free_i = i;
    if (free_i < 0) {
        memmove(&S->hc[0], &S->hc[1], (NCELL - 1) * sizeof S->hc[0]);
        free_i = NCELL - 1;
    }
    hcell *c = &S->hc[free_i];
    c->base = base;
    c->disp = (int32_t)disp;
    c->v = v;
    c->taint = taint;
}

/* A write to an address computed from base that is not base + a constant
** (an index register, an instruction not modelled): every cell through
** base may be hit. */
static void cell_kill_base(state *S, const sv *base)
{
    for (int i = 0; i < NCELL; i++)
        if (S->hc[i].base.k != V_BOT && sv_eq(&S->hc[i].base, base))
            memset(&S->hc[i], 0, sizeof S->hc[i]);
}

/* The pointer a load of 8 bytes from base + disp gives back, else V_BOT. */
static sv cell_get(const state *S, const sv *base, int64_t disp, uint32_t *taint)
{
    for (int i = 0; i < NCELL; i++) {
        const hcell *c = &S->hc[i];
        if (c->base.k != V_BOT && c->disp == disp && sv_eq(&c->base, base)) {
            *taint = c->taint;
            return c->v;
        }
    }
    return vmk(V_BOT);
}

/* in = meet(in, out); returns 1 when in changed.  A block first reached
** takes out's `reached` mark: 1 from the entry, 2 from a block the entry
** does not reach. */
static int state_meet(state *in, const state *out)
{
    if (!in->reached) {
        *in = *out;
        return 1;
    }
    int changed = 0;
    for (int r = 0; r < DA_NREGS; r++) {
        if (!sv_eq(&in->r[r], &out->r[r])) {
            sv m = meet(in->r[r], out->r[r]);
            if (!sv_eq(&m, &in->r[r])) {
                in->r[r] = m;
                changed = 1;
            }
        }
    }
    /* taints only grow: one pass the compiler can vectorize */
    uint32_t grew = 0;
    for (int r = 0; r < DA_NREGS; r++) {
        grew |= out->taint[r] & ~in->taint[r];
        in->taint[r] |= out->taint[r];
    }
    changed |= grew != 0;
    for (int i = 0; i < NSLOT; i++) {
        sslot *s = &in->sl[i];
        if (!s->used)
            continue;
        /* slots usually sit at the same place on both sides */
        const sslot *same = &out->sl[i];
        if (same->used && same->off == s->off && same->width == s->width &&
            sv_eq(&same->v, &s->v) && (s->taint | same->taint) == s->taint)
            continue;
        int found = 0;
        for (int j = 0; j < NSLOT; j++) {
            const sslot *o = &out->sl[j];
            if (o->used && o->off == s->off && o->width == s->width) {
                sv m = meet(s->v, o->v);
                if (!sv_eq(&m, &s->v)) {
                    s->v = m;
                    changed = 1;
                }
                if ((s->taint | o->taint) != s->taint) {
                    s->taint |= o->taint;
                    changed = 1;
                }
                found = 1;
                break;
            }
        }
        if (!found) {
            memset(s, 0, sizeof *s);
            changed = 1;
        }
    }
    /* a cell survives when the other side has it too */
    for (int i = 0; i < NCELL; i++) {
        hcell *c = &in->hc[i];
        if (c->base.k == V_BOT)
            continue;
        int found = 0;
        for (int j = 0; j < NCELL && !found; j++) {
            const hcell *o = &out->hc[j];
            found = o->base.k != V_BOT && o->disp == c->disp && sv_eq(&o->base, &c->base) &&
                    sv_eq(&o->v, &c->v);
            if (found && (c->taint | o->taint) != c->taint) {
                c->taint |= o->taint;
                changed = 1;
            }
        }
        if (!found) {
            memset(c, 0, sizeof *c);
            changed = 1;
        }
    }
    return changed;
}

static void entry_state(si_ctx *x, const func *f, state *S)
{
    memset(S, 0, sizeof *S);
    for (int r = 0; r < DA_NREGS; r++)
        S->r[r] = vunk();
    S->reached = 1;
    if (f->cold)
        return;         /* a split-off part: nothing is known at its start */
    int na;
    const uint8_t *ar = abi_args(x, f->go_abi, &na);
    for (int i = 0; i < na; i++)
        S->r[ar[i]] = varg(i);
    S->r[x->arch->sp] = vstack(x->arch->cfa_sp_at_entry);
}

/* The index operand's value, extended as da_insn.scale says. */
static sv index_of(const state *S, const da_insn *d)
{
    sv i = d->index < DA_NREGS ? S->r[d->index] : vunk();
    if (d->scale & (DA_SCALE_SEXT32 | DA_SCALE_ZEXT32)) {
        if (i.k == V_CONST) {
            uint64_t u = (uint32_t)i.c;
            if ((d->scale & DA_SCALE_SEXT32) && (u >> 31))
                u |= ~(uint64_t)0 << 32;
            i = vconst((int64_t)u);
        } else if (i.k == V_ARG || i.k == V_UNK) {
            i.s = 0;                    /* an extension, as EXT_REG keeps it */
        } else {
            i = vunk();
        }
    }
    return i;
}

/* Two registers hold one value (so a + b * s is a * (s + 1)). */
static int same_value(const sv *a, const sv *b)
{
    return sv_eq(a, b) && ((a->k == V_ARG && !a->adj) || (a->k == V_UNK && a->s != 0));
}

/* Effective address of a memory operand as a value. */
static sv addr_of(const state *S, const da_insn *d)
{
    if (d->base == DA_PC)
        return vconst((int64_t)d->target);
    if (d->base == DA_NOREG && d->index == DA_NOREG)
        return vconst(d->disp);
    sv b = d->base < DA_NREGS ? S->r[d->base] : vconst(0);
    if (d->index != DA_NOREG) {
        sv i = index_of(S, d);
        if (b.k == V_CONST && i.k == V_CONST)
            return vconst(waddr(b.c, i.c, d->scale & DA_SCALE_MASK, d->disp));
        return vunk();
    }
    if (b.k == V_CONST)
        return vconst(wadd(b.c, d->disp));
    if (b.k == V_STACK)
        return vstack(wadd(b.c, d->disp));
    return vunk();
}

/* A load from [p + disp] where p was loaded from the data word at addr:
** the word at p + disp when the file initialises addr with a pointer into
** its data (a table reached through a pointer), else unknown. */
static sv load_through(si_ctx *x, uint64_t addr, int64_t disp)
{
    uint64_t p = si_word_at(x, addr);
    if (p == 0 || si_bytes_at(x, p + (uint64_t)disp, 8) == NULL)
        return vunk();
    sv v = vload(p + (uint64_t)disp);
    v.adj = 1;          /* through a pointer: only an allocator's word counts */
    return v;
}

static void setr(state *S, unsigned r, sv v, uint32_t taint)
{
    S->r[r] = v;
    S->taint[r] = taint;
}

/* A return from the entry's paths hands back v (NULL: something that is
** not an argument): what si_ctx.ret_arg, the function's summary, says. */
static void note_return(si_ctx *x, const state *S, const sv *v)
{
    if (S->reached != 1)
        return;                 /* not from the entry: says nothing */
    int k = v && v->k == V_ARG && v->c == 1 ? v->a : -1;
    if (x->ret_arg == -2 || x->ret_arg == k)
        x->ret_arg = k;
    else
        x->ret_arg = -1;
}

/* Summaries are computed for bodies this small only: pass-through hooks
** are tiny, and each summary costs an analysis. */
#define SUMMARY_MAX_BYTES 1024

/* C library functions that return their first argument (the destination):
** `return memcpy(p, s, n)` hands back what p holds. */
static int libc_returns_dest(const char *name)
{
    static const char *const names[] = {
        "memcpy", "memmove", "memset", "strcpy", "strncpy", "strcat", "strncat",
        "__memcpy_chk", "__memmove_chk", "__memset_chk", "__strcpy_chk", "__strncpy_chk",
        "__strcat_chk", "__strncat_chk", "wmemcpy", "wmemmove", "wmemset",
    };
    size_t len = si_base_len(name);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return 1;
    return 0;
}

/* The function a call or tail jump to `target` reaches when it hands back
** one of its arguments unchanged (func.ret_arg), else NULL.  A small body
** not analyzed yet, called with an allocation result, is put on
** si_ctx.want: the fixed point summarises it and analyzes f again. */
static const func *passthrough(si_ctx *x, const func *f, const state *S, uint64_t target)
{
    if (target == 0 || f->go_abi)
        return NULL;
    int32_t gi = si_amap_get(&x->fn_at, target);
    if (gi < 0)
        return NULL;
    func *g = &x->fns[gi];
    if (!g->summarized && g->name && libc_returns_dest(g->name)) {
        g->summarized = 1;      /* a stub's summary is the library's; the
                                   kernel's memcpy returns dest as well */
        g->ret_arg = 0;
    }
    if (g->summarized)
        return g->ret_arg >= 0 && g->ret_arg < x->arch->nargs ? g : NULL;
    if (g->wanted_by == x->cur_fn + 1 || g->is_plt || g->cold || g->go_abi || g->alloc >= 0 || g->name == NULL ||
        g->size > SUMMARY_MAX_BYTES || g == f)
        return NULL;
    for (int i = 0; i < x->arch->nargs; i++) {
        unsigned r = x->arch->args[i];
        if (S->taint[r] || is_retoff(&S->r[r])) {
            g->wanted_by = x->cur_fn + 1;
            hp_grow((void **)&x->want, &x->wantcap, x->nwant + 2, sizeof *x->want);
            x->want[x->nwant++] = (uint32_t)gi;
            x->want[x->nwant++] = x->cur_fn;
            break;
        }
    }
    return NULL;
}

/* A load or store's base register writeback (da_insn.wb), after the
** access. */
static void writeback(state *S, const da_insn *d)
{
    if (d->wb == DA_WB_NONE || d->base >= DA_NREGS)
        return;
    int64_t inc = d->wb == DA_WB_PRE ? d->disp : d->imm;
    setr(S, d->base, vadd(S->r[d->base], vconst(inc)), 0);
}

/* The value a store pair (da_insn.reg2) writes to its second word. */
static sv pair_second(const state *S, const da_insn *d)
{
    unsigned r2 = d->reg2 - 1u;
    return d->reg2 == DA_REG2_ZERO ? vconst(0) : r2 < DA_NREGS ? S->r[r2] : vunk();
}

/* The address a stored 8-byte word holds when it is a constant that
** points into the image (a type object's), else 0. */
static uint64_t word_addr(si_ctx *x, sv v)
{
    return v.k == V_CONST && v.c > 0 && si_bytes_at(x, (uint64_t)v.c, 8) ? (uint64_t)v.c : 0;
}

/* Apply one instruction to S.  With emit, record events. */
static void xfer(si_ctx *x, const func *f, state *S, uint32_t ii, int emit)
{
    const da_insn *d = &x->insn[ii];
    const da_arch *ar = x->arch;
    uint64_t next = d->addr + d->len;

    switch (d->kind) {
    case DA_KIND_CALL:
    case DA_KIND_ICALL: {
        uint64_t target;
        int via;
        int32_t a = si_callee(x, S, d, &target, &via);
        const alloc *A = a >= 0 && !internal(x, f) ? &x->allocs[a] : NULL;
        if (emit && A)
            si_new_site(x, S, ii, a, SK_CALL, via);
        if (emit && !A && d->kind == DA_KIND_CALL)
            si_fp_pass(x, f, S, d, target);
        else if (emit && !A)
            si_fp_argcall(x, f, S, d);
        if (emit && !A && target)
            si_param_call(x, f, S, d, target);
        if (emit && !A && target) {
            const sv *a0 = &S->r[f->go_abi ? ar->go_args[0] : ar->args[0]];
            if (is_ret(a0) && si_event_room(x, a0->s, 2, MAX_CALLS)) {
                call_ev *c = HP_PUSH(x->calls, x->ncalls, x->callcap);
                c->fn = x->cur_fn;
                c->gen = f->gen;
                c->insn = a0->s;
                c->target = target;
            }
        }
        sv out = vsym(ii, ar->ret);
        uint32_t out_taint = 0;
        const func *g = A ? NULL : passthrough(x, f, S, target);
        if (g) {
            unsigned k = ar->args[g->ret_arg];
            out = S->r[k];
            out_taint = S->taint[k];
        }
        if (A && A->out >= 0) {
            int na;
            const uint8_t *args = abi_args(x, (A->flags & AF_GO_ABI) != 0, &na);
            sv p = A->out < na ? S->r[args[A->out]] : vunk();
            if (p.k == V_STACK) {
                sv r = vret(ii);
                slot_put(S, p.c, 8, r, si_taint_bit(x, ii));
                if (emit)
                    si_holder(x, S, &r, next, H_CFA, 0, p.c);
            }
        } else if (A) {
            out = vret(ii);
            out_taint = si_taint_bit(x, ii);
        }
        uint32_t clob = f->go_abi ? ~ar->go_preserved : ar->caller_saved;
        for (int r = 0; r < DA_NREGS; r++)
            if (clob & (1u << r))
                setr(S, (unsigned)r, vunk(), 0);
        setr(S, ar->ret, out, out_taint);
        if (emit && is_ret(&out))
            si_holder(x, S, &out, next, H_REG, ar->ret, 0);
        return;
    }
    case DA_KIND_JMP:
    case DA_KIND_JCC:
    case DA_KIND_IJMP:
        if (d->kind == DA_KIND_IJMP || !inside(f, d->target)) {
            uint64_t target;
            int via;
            int32_t a = si_callee(x, S, d, &target, &via);
            const func *g = a < 0 && d->kind == DA_KIND_JMP ? passthrough(x, f, S, target) : NULL;
            if (emit && a >= 0 && !internal(x, f))
                si_new_site(x, S, ii, a, SK_TAIL, via);
            else if (emit && a < 0 && d->kind == DA_KIND_JMP)
                si_fp_pass(x, f, S, d, target);
            else if (emit && a < 0 && d->kind == DA_KIND_IJMP)
                si_fp_argcall(x, f, S, d);
            if (emit && g) {
                /* a tail call to a pass-through hook returns its argument */
                unsigned k = ar->args[g->ret_arg];
                x->ret_taint |= S->taint[k];
                note_return(x, S, &S->r[k]);
            } else if (emit) {
                note_return(x, S, NULL);
            }
        }
        for (uint32_t wm = d->wmask & WMASK_REGS; wm; wm &= wm - 1) {
            unsigned r = (unsigned)__builtin_ctz(wm);
            setr(S, r, vunk(), 0);
        }
        return;
    case DA_KIND_RET:
        if (emit) {
            const sv *rv = &S->r[ar->ret];
            x->ret_taint |= S->taint[ar->ret];
            note_return(x, S, rv);
            if (rv->k == V_RET && rv->c > 0 && rv->c <= MAX_HEADER) {
                /* the pointer past a header the function put in front */
                site_ev *e = si_site_of(x, rv->s);
                if (e)
                    e->ret_off = e->ret_off == 0 || e->ret_off == (uint16_t)rv->c
                               ? (uint16_t)rv->c : RET_OFF_MIXED;
            }
        }
        return;
    case DA_KIND_BAD:
        for (int r = 0; r < DA_NREGS; r++)
            setr(S, (unsigned)r, vunk(), 0);
        memset(S->sl, 0, sizeof S->sl);
        memset(S->hc, 0, sizeof S->hc);
        return;
    case DA_KIND_HALT:
        return;
    default:
        break;
    }

    sv v;
    uint32_t t;
    switch (d->op) {
    case DA_OP_MOV_IMM:
        setr(S, d->dst, vconst(d->imm), 0);
        return;
    case DA_OP_MOV_REG:
        v = S->r[d->src];
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, d->width == 8 ? S->taint[d->src] : 0);
        if (emit && is_ret(&S->r[d->dst]))
            si_holder(x, S, &S->r[d->dst], next, H_REG, d->dst, 0);
        return;
    case DA_OP_EXT_REG:
        v = S->r[d->src];
        if (v.k == V_CONST) {
            uint64_t u = (uint64_t)v.c;
            unsigned bits = d->width * 8u;
            if (bits > 0 && bits < 64) {
                u &= (1ULL << bits) - 1;
                if (d->imm && (u >> (bits - 1)) & 1)
                    u |= ~0ULL << bits;
            }
            v = vconst((int64_t)u);
        } else if (v.k != V_ARG && v.k != V_UNK) {
            v = vunk();
        }
        setr(S, d->dst, v, 0);
        return;
    case DA_OP_LEA: {
        sv r;
        t = 0;
        if (d->base == DA_PC) {
            r = vconst((int64_t)d->target);
        } else {
            sv b = d->base < DA_NREGS ? S->r[d->base] : vconst(0);
            sv i = d->index < DA_NREGS ? index_of(S, d) : vconst(0);
            unsigned sc = d->scale & DA_SCALE_MASK;
            if (d->base == DA_NOREG)
                b = vconst(0);
            if (d->index == DA_NOREG) {
                if (b.k == V_CONST)
                    r = vconst(wadd(b.c, d->disp));
                else if (b.k == V_STACK)
                    r = vstack(wadd(b.c, d->disp));
                else if (is_retoff(&b))
                    r = (b.c = wadd(b.c, d->disp), b);
                else if (d->disp == 0)
                    r = b;
                else if (b.k == V_ARG || b.k == V_ARGX)
                    r = vadd(b, vconst(d->disp));   /* a header: lea 16(%rdi) */
                else
                    r = vunk();
                if (d->disp == 0 && d->base < DA_NREGS)
                    t = S->taint[d->base];
            } else if (((d->base == d->index && sc == d->scale) || same_value(&b, &i)) &&
                       d->disp == 0) {
                r = vscale(b, sc + 1);
            } else if (d->base == DA_NOREG && d->disp == 0) {
                r = vscale(i, sc);
            } else if (b.k == V_CONST && i.k == V_CONST) {
                r = vconst(waddr(b.c, i.c, sc, d->disp));
            } else if (d->base < DA_NREGS && d->disp == 0) {
                /* x + k*x: lea (%rdi,%rax,2) after lea (%rdi,%rdi,8)
                ** is 19 times rdi (n * 152 built by gcc); anything
                ** else vadd does not know is unknown */
                r = vadd(b, sc > 1 ? vscale(i, sc) : i);
            } else {
                r = vunk();
            }
        }
        setr(S, d->dst, d->width == 4 ? vtrunc32(r) : r, d->width == 8 ? t : 0);
        return;
    }
    case DA_OP_ZERO:
        setr(S, d->dst, vconst(0), 0);
        return;
    case DA_OP_SHL_IMM:
        v = S->r[d->dst];
        if (d->imm >= 0 && d->imm < 31)
            v = vscale(v, (int64_t)1 << d->imm);
        else
            v = vunk();
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    case DA_OP_MUL_IMM:
        if (d->src == DA_NOREG) {
            sv a = addr_of(S, d);
            v = a.k == V_STACK ? slot_get(S, a.c, d->width, &t) : vsym(ii, d->dst);
        } else {
            v = S->r[d->src];
        }
        v = vscale(v, d->imm);
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    case DA_OP_MUL_REG: {
        /* the operands may be 32-bit values extended (smull/umull) */
        da_insn e = *d;
        e.index = d->src;
        v = vmul(d->index < DA_NREGS ? index_of(S, d) : S->r[d->dst], index_of(S, &e));
        if (d->wmask & 2u && d->dst == 0)
            setr(S, 1, vunk(), 0);       /* mul writes rdx:rax */
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    }
    case DA_OP_ADD_IMM:
        v = vadd(S->r[d->dst], vconst(d->imm));
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    case DA_OP_INSERT_IMM:
        v = S->r[d->dst];
        v = v.k == V_CONST ? vconst((int64_t)(((uint64_t)v.c & ~(uint64_t)d->disp) |
                                              (uint64_t)d->imm))
                           : vsym(ii, d->dst);
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    case DA_OP_ADD_REG:
        v = vadd(S->r[d->dst], S->r[d->src]);
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    case DA_OP_LOAD: {
        sv a = addr_of(S, d);
        t = 0;
        sv cv = vmk(V_BOT);
        if (a.k == V_CONST && d->width == 8)
            cv = cell_get(S, &a, 0, &t);
        else if (a.k != V_STACK && d->width == 8 && d->base < DA_NREGS && d->index == DA_NOREG)
            cv = cell_get(S, &S->r[d->base], d->disp, &t);
        if (cv.k != V_BOT)
            v = cv;
        else if (a.k == V_STACK)
            v = slot_get(S, a.c, d->width, &t);
        else if (a.k == V_CONST && d->width == 8)
            v = vload((uint64_t)a.c);
        else if (d->width == 8 && d->base < DA_NREGS && d->index == DA_NOREG &&
                 S->r[d->base].k == V_LOAD)
            v = load_through(x, (uint64_t)S->r[d->base].c, d->disp);
        else
            v = vunk();
        if (v.k == V_UNK && v.c <= 1 && v.s == 0)
            v = vsym(ii, d->dst);
        if (d->reg2 && d->reg2 != DA_REG2_ZERO && d->reg2 - 1 < DA_NREGS) {
            /* a pair: the second register from the next word */
            uint32_t t2 = 0;
            sv v2 = a.k == V_STACK ? slot_get(S, wadd(a.c, d->width), d->width, &t2)
                                   : vsym(ii, d->reg2 - 1u);
            if (v2.k == V_UNK && v2.c <= 1 && v2.s == 0)
                v2 = vsym(ii, d->reg2 - 1u);
            setr(S, d->reg2 - 1u, v2, t2);
            if (emit && is_ret(&v2))
                si_holder(x, S, &v2, next, H_REG, d->reg2 - 1, 0);
        }
        if (d->dst < DA_NREGS) {
            setr(S, d->dst, v, t);
            if (emit && is_ret(&v))
                si_holder(x, S, &v, next, H_REG, d->dst, 0);
        }
        writeback(S, d);
        return;
    }
    case DA_OP_STORE_REG:
    case DA_OP_STORE_IMM:
    case DA_OP_STORE_OTHER: {
        sv a = addr_of(S, d);
        sv val = d->op == DA_OP_STORE_REG ? S->r[d->src] :
                 d->op == DA_OP_STORE_IMM ? vconst(d->imm) : vunk();
        t = d->op == DA_OP_STORE_REG ? S->taint[d->src] : 0;
        if (emit) {
            si_fp_store(x, f, S, d);
            si_dest_store(x, f, S, d);
        }
        if (a.k == V_CONST) {
            cell_store(S, a, 0, d->width ? d->width : 8, val, t);
        } else if (a.k != V_STACK && d->base < DA_NREGS && d->index == DA_NOREG &&
                   d->base != ar->sp) {
            unsigned w = d->width ? d->width : 8;
            cell_store(S, S->r[d->base], d->disp, w, val, t);
            if (d->reg2) {
                unsigned r2 = d->reg2 - 1u;
                cell_store(S, S->r[d->base], wadd(d->disp, w), w, pair_second(S, d),
                           d->reg2 != DA_REG2_ZERO && r2 < DA_NREGS ? S->taint[r2] : 0);
            }
        } else if (a.k != V_STACK && d->base < DA_NREGS) {
            cell_kill_base(S, &S->r[d->base]);
        }
        if (a.k == V_STACK) {
            slot_put(S, a.c, d->width, val, t);
            if (emit && is_ret(&val) && d->width == 8)
                si_holder(x, S, &val, next, H_CFA, 0, a.c);
            if (d->reg2) {
                /* a pair: the second register at the next word */
                unsigned r2 = d->reg2 - 1u;
                sv v2 = pair_second(S, d);
                uint32_t t2 = d->reg2 != DA_REG2_ZERO && r2 < DA_NREGS ? S->taint[r2] : 0;
                slot_put(S, wadd(a.c, d->width), d->width, v2, t2);
                if (emit && is_ret(&v2) && d->width == 8)
                    si_holder(x, S, &v2, next, H_CFA, 0, wadd(a.c, d->width));
            }
        } else if (emit && d->base < DA_NREGS && d->index == DA_NOREG &&
                   S->r[d->base].k == V_RET && d->width > 0 &&
                   si_event_room(x, S->r[d->base].s, 1, MAX_STORES)) {
            /* a pair is two stores, the second at the next word */
            for (int k = 0; k < (d->reg2 ? 2 : 1); k++) {
                if (k > 0 && !si_event_room(x, S->r[d->base].s, 1, MAX_STORES))
                    break;
                sv wv = k == 0 ? val : pair_second(S, d);
                int64_t off = wadd(S->r[d->base].c, wadd(d->disp, k * (int64_t)d->width));
                store_ev *s = HP_PUSH(x->stores, x->nstores, x->storecap);
                s->fn = x->cur_fn;
                s->gen = f->gen;
                s->insn = S->r[d->base].s;
                s->off = (int32_t)(off > INT32_MAX ? INT32_MAX : off < INT32_MIN ? INT32_MIN : off);
                s->width = d->width;
                s->addr = d->width == 8 ? word_addr(x, wv) : 0;
                s->maybe = 0;
            }
        } else if (emit && d->base < DA_NREGS && d->index == DA_NOREG && d->width == 8 &&
                   S->taint[d->base] &&
                   (S->r[d->base].k != V_MAYRET || S->r[d->base].c == 0) &&
                   d->base != ar->sp &&
                   (word_addr(x, val) || (d->reg2 && word_addr(x, pair_second(S, d))))) {
            /* paths that allocate differently (a pool, a table's call)
            ** met: the value is lost or only "maybe", the taint says which
            ** calls' pointer the base may be (moves only: offset 0) -- an
            ** address stored
            ** there (a type object into ob_type) is a "maybe" store; a
            ** pair's second word is checked the same way */
            for (int k = 0; k < (d->reg2 ? 2 : 1); k++) {
                uint64_t wa = word_addr(x, k == 0 ? val : pair_second(S, d));
                int64_t off = wadd(d->disp, k * 8);
                if (!wa)
                    continue;
                for (int b = 0; b < x->ntaint; b++) {
                    if (!(S->taint[d->base] & (1u << b)) ||
                        !si_event_room(x, x->taint_insn[b], 1, MAX_STORES))
                        continue;
                    store_ev *s = HP_PUSH(x->stores, x->nstores, x->storecap);
                    s->fn = x->cur_fn;
                    s->gen = f->gen;
                    s->insn = x->taint_insn[b];
                    s->off = (int32_t)(off > INT32_MAX ? INT32_MAX : off < INT32_MIN ? INT32_MIN : off);
                    s->width = 8;
                    s->addr = wa;
                    s->maybe = 1;
                }
            }
        } else if (emit && a.k == V_CONST && is_ret(&val)) {
            gstore_ev *g = HP_PUSH(x->gstores, x->ngstores, x->gstorecap);
            g->fn = x->cur_fn;
            g->gen = f->gen;
            g->insn = val.s;
            g->addr = (uint64_t)a.c;
        }
        for (uint32_t wm = d->wmask & WMASK_REGS; wm; wm &= wm - 1) {
            unsigned r = (unsigned)__builtin_ctz(wm);
            setr(S, r, vsym(ii, r), 0);
        }
        writeback(S, d);
        return;
    }
    case DA_OP_PUSH: {
        sv sp = S->r[ar->sp];
        v = d->src < DA_NREGS ? S->r[d->src] : vunk();
        t = d->src < DA_NREGS ? S->taint[d->src] : 0;
        if (sp.k == V_STACK) {
            setr(S, ar->sp, vstack(wadd(sp.c, -8)), 0);
            slot_put(S, wadd(sp.c, -8), 8, v, t);
        } else {
            setr(S, ar->sp, vunk(), 0);
        }
        return;
    }
    case DA_OP_POP: {
        sv sp = S->r[ar->sp];
        t = 0;
        v = sp.k == V_STACK ? slot_get(S, sp.c, 8, &t) : vunk();
        setr(S, ar->sp, sp.k == V_STACK ? vstack(wadd(sp.c, 8)) : vunk(), 0);
        if (d->dst < DA_NREGS && d->dst != ar->sp)
            setr(S, d->dst, v, t);
        return;
    }
    case DA_OP_CMOV: {
        /* the other value: dst itself, another register, or a constant */
        unsigned o = d->index < DA_NREGS ? d->index : d->dst;
        sv ov = d->index >= DA_NREGS && d->mem_ind ? vconst(d->imm) : S->r[o];
        uint32_t ot = d->index >= DA_NREGS && d->mem_ind ? 0 : S->taint[o];
        setr(S, d->dst, meet(ov, S->r[d->src]), ot | S->taint[d->src]);
        return;
    }
    case DA_OP_ALIGN_SP:
        setr(S, ar->sp, vunk(), 0);
        return;
    case DA_OP_AND_IMM:
        /* a constant, or a size rounded up; else as any other write */
        v = vand(S->r[d->src < DA_NREGS ? d->src : d->dst], d->imm);
        if (v.k == V_BOT)
            v = vsym(ii, d->dst);
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    default:
        if (d->op == DA_OP_OTHER && d->base < DA_NREGS && S->r[d->base].k != V_STACK)
            cell_kill_base(S, &S->r[d->base]);      /* it may write there */
        for (uint32_t wm = d->wmask & WMASK_REGS; wm; wm &= wm - 1) {
            unsigned r = (unsigned)__builtin_ctz(wm);
            setr(S, r, r == ar->sp ? vunk() : vsym(ii, r), 0);
        }
        if (d->op == DA_OP_OTHER && d->base != DA_NOREG) {
            /* a write we do not model may still hit a stack slot */
            sv a = addr_of(S, d);
            if (a.k == V_STACK)
                slot_kill_range(S, a.c, d->width ? d->width : 8);
        }
        return;
    }
}

/* The successor of block b on which a null check `test r,r; je/jne` (or
** a jump that tests r itself: AArch64 cbz/cbnz) found r zero, else
** UINT32_MAX; *reg is r. */
static uint32_t null_edge(const si_ctx *x, const func *f, uint32_t b, unsigned *reg)
{
    const block *B = &x->blk[b];
    const da_insn *j = &x->insn[B->last];
    if (B->nsucc != 2 || (B->last == B->first && j->op != DA_OP_TEST))
        return UINT32_MAX;
    const da_insn *t = j->op == DA_OP_TEST ? j : j - 1;
    if (j->kind != DA_KIND_JCC || j->cc == DA_CC_OTHER || t->op != DA_OP_TEST ||
        t->width != 8 || t->src >= DA_NREGS || !inside(f, j->target))
        return UINT32_MAX;
    /* succ[0] is the jump's target, succ[1] the fall-through (cfg.c) */
    if (B->succ[0] == B->succ[1])
        return UINT32_MAX;
    *reg = t->src;
    return B->succ[j->cc == DA_CC_Z ? 0 : 1];
}

/* On the null edge the tested register, and every register and slot
** holding the same pointer, hold NULL: not the allocation (`if (!p)
** return NULL;` returns no allocation, and nothing is stored through it).
** On the error edge of an IS_ERR check (err; decode.c) they hold an error
** code: nothing the DWARF variables there say is about the allocation. */
static void null_taint(state *S, unsigned r, int err)
{
    sv v = S->r[r];
    S->taint[r] = 0;
    if (!is_ret(&v))
        return;
    for (int k = 0; k < DA_NREGS; k++)
        if (sv_eq(&S->r[k], &v)) {
            S->taint[k] = 0;
            if (err)
                S->r[k] = vunk();
        }
    for (int i = 0; i < NSLOT; i++)
        if (S->sl[i].used && sv_eq(&S->sl[i].v, &v)) {
            S->sl[i].taint = 0;
            if (err)
                S->sl[i].v = vunk();
        }
    for (int i = 0; i < NCELL && err; i++)
        if (S->hc[i].base.k != V_BOT && sv_eq(&S->hc[i].v, &v))
            memset(&S->hc[i], 0, sizeof S->hc[i]);
}

/* The data flow keeps one state (712 bytes) per block: a function of more
** blocks than this (random bytes, a generated giant) gets the bounded
** analysis instead, and so does one whose fixed point takes more than
** FLOW_VISITS block visits per block.  Either is counted in
** site_scan.skipped. */
#define FLOW_MAX_BLOCKS 65536
#define FLOW_VISITS 64

/* The sweep order as a heap of (sweep, position in the order) keys: the
** next block to visit is the first queued one at or after the current
** position, else the first of the next sweep -- what scanning the order
** for it gave, in O(log n) instead of a walk over the whole order. */
static void heap_push(uint64_t *h, size_t *n, uint64_t key)
{
    size_t i = (*n)++;
    while (i > 0 && h[(i - 1) / 2] > key) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = key;
}

static uint64_t heap_pop(uint64_t *h, size_t *n)
{
    uint64_t top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] < h[c])
            c++;
        if (h[c] >= last)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0)
        h[i] = last;
    return top;
}

/* Forward data flow to a fixed point; 0 when the visit budget ran out.
** The queued blocks are visited in sweeps in reverse post-order (LS,
** from compute_rpo), so a block's predecessors outside loops are done
** before it: 40% fewer block visits than a FIFO queue on python3.11.
** The visiting order can matter -- slots evicted when full, a pointer
** met with a constant on one path first -- so it is fixed, not left to
** chance. */
static int fixed_flow(si_ctx *x, const func *f, const loopscratch *LS)
{
    size_t nb = x->nblk;
    const uint32_t *ord = LS->rpo_order, *pos = LS->pos;
    hp_grow((void **)&x->in, &x->incap, nb + 1, sizeof *x->in);
    /* only `reached` needs clearing: a state is copied in whole when first reached */
    for (size_t b = 0; b < nb; b++)
        x->in[b].reached = 0;
    /* the leader bytes are free once blocks exist: one "queued" byte per block */
    hp_grow((void **)&x->leader, &x->leader_cap, nb + 1, 1);
    uint8_t *inq = x->leader;
    memset(inq, 0, nb + 1);
    hp_grow((void **)&x->heap, &x->heapcap, nb + 1, sizeof *x->heap);
    uint64_t *heap = x->heap;
    state S, Z;
    entry_state(x, f, &x->in[0]);
    size_t budget = FLOW_VISITS * nb + 1024;
    size_t root = 0;
    for (;;) {
        /* sweep the order from the root, wrapping, until nothing is queued */
        size_t nh = 0;
        heap_push(heap, &nh, pos[root]);
        inq[root] = 1;
        while (nh > 0 && budget > 0) {
            budget--;
            uint64_t key = heap_pop(heap, &nh);
            uint64_t sweep = key >> 32;
            uint32_t cur = (uint32_t)key;
            uint32_t b = ord[cur];
            inq[b] = 0;
            S = x->in[b];
            for (uint32_t i = x->blk[b].first; i <= x->blk[b].last; i++)
                xfer(x, f, &S, i, 0);
            unsigned nreg = 0;
            uint32_t nul = null_edge(x, f, b, &nreg);
            for (int k = 0; k < x->blk[b].nsucc; k++) {
                uint32_t t = x->blk[b].succ[k];
                const state *out = &S;
                if (t == nul && (S.taint[nreg] || is_ret(&S.r[nreg]))) {
                    Z = S;
                    null_taint(&Z, nreg, x->insn[x->blk[b].last - 1].imm != 0);
                    out = &Z;
                }
                /* what the entry does not reach (alignment padding after a
                ** jmp or ret, code reached only through a switch table)
                ** never seeds a block the entry reaches: its "nothing
                ** known" would erase what the real paths agree on */
                if (S.reached == 2 && x->in[t].reached == 1)
                    continue;
                if (state_meet(&x->in[t], out) && !inq[t]) {
                    inq[t] = 1;
                    heap_push(heap, &nh, (pos[t] >= cur ? sweep : sweep + 1) << 32 | pos[t]);
                }
            }
        }
        if (nh > 0)
            return 0;           /* out of visits with blocks still queued */
        /* blocks nothing reaches (switch targets...) start from nothing */
        while (root < nb && x->in[root].reached)
            root++;
        if (root >= nb)
            return 1;
        if (budget == 0)
            return 0;
        memset(&x->in[root], 0, sizeof x->in[root]);
        for (int r = 0; r < DA_NREGS; r++)
            x->in[root].r[r] = vunk();
        x->in[root].reached = 2;    /* reached, but not from the entry */
    }
}

/* The data flow of one function, then one emitting pass.  A function too
** big for states per block, or whose fixed point ran out of visits, is
** analyzed block by block from nothing known instead: what one block
** computes (a constant size moved into the argument register) is still
** seen, no value crosses a block boundary, and the cost is one pass. */
void si_run_flow(si_ctx *x, const func *f, const loopscratch *LS)
{
    size_t nb = x->nblk;
    x->ntaint = 0;
    int bounded = nb > FLOW_MAX_BLOCKS || !fixed_flow(x, f, LS);
    if (bounded)
        x->st->skipped++;
    x->flow_bounded = (uint8_t)bounded;
    hp_grow((void **)&x->evc, &x->evc_cap, EVC_KINDS * x->ninsn + 1, 1);
    memset(x->evc, 0, EVC_KINDS * x->ninsn + 1);
    state S;
    x->fn_sites_from = x->nsites;
    x->ret_taint = 0;
    x->ret_arg = -2;
    for (size_t b = 0; b < nb; b++) {
        if (bounded) {
            memset(&S, 0, sizeof S);
            for (int r = 0; r < DA_NREGS; r++)
                S.r[r] = vunk();
            S.reached = 2;
        } else if (!x->in[b].reached) {
            continue;
        } else {
            S = x->in[b];
        }
        for (uint32_t i = x->blk[b].first; i <= x->blk[b].last; i++)
            xfer(x, f, &S, i, 1);
    }
    for (int b = 0; b < x->ntaint; b++) {
        if (!(x->ret_taint & (1u << b)))
            continue;
        site_ev *e = si_site_of(x, x->taint_insn[b]);
        if (e)
            e->returned = 1;
    }
}

