/*
** sites/events.c -- what an emitting pass of the data flow records.
**
** Contract: allocator calls become site events (with their argument
** values; a realloc-like call with the constant size 0 frees and is none), the returned pointer's holders (registers and stack slots at
** each pc, for DWARF variables), the stores made through it, the calls made
** with it (constructors) and its stores to fixed addresses; si_callee()
** resolves which allocator a call or jump reaches (directly, through a GOT
** slot, through a data word holding an allocator's address, also one
** reached through a pointer the file initialises, or through a function
** pointer indirect.c resolved).  Events of
** an older analysis of a function are stale (func.gen) and ignored later.
*/
#include "sites/internal.h"
#include "sites/values.h"

site_ev *si_site_of(si_ctx *x, uint32_t insn)
{
    for (size_t i = x->fn_sites_from; i < x->nsites; i++)
        if (x->sites[i].insn == insn)
            return &x->sites[i];
    return NULL;
}

/* The taint bit of the allocator call at instruction ii (0 when all 32
** bits are taken). */
uint32_t si_taint_bit(si_ctx *x, uint32_t ii)
{
    for (int i = 0; i < x->ntaint; i++)
        if (x->taint_insn[i] == ii)
            return 1u << i;
    if (x->ntaint >= 32)
        return 0;
    x->taint_insn[x->ntaint] = ii;
    return 1u << x->ntaint++;
}

/* Room for one more event of one kind (0 holders, 1 stores, 2 calls, 3
** calls with the pointer as any argument) for
** site `insn` in this emitting pass, within max: counted per instruction
** (si_ctx.evc, cleared when the pass starts), so a function with many
** sites costs what its events do, not their square. */
int si_event_room(si_ctx *x, uint32_t insn, int which, int max)
{
    if (insn >= x->ninsn)
        return 0;
    uint8_t *c = &x->evc[(size_t)insn * EVC_KINDS + (size_t)which];
    if (*c >= max)
        return 0;
    (*c)++;
    return 1;
}

void si_holder(si_ctx *x, const state *S, const sv *v, uint64_t pc, int kind, int reg,
                   int64_t cfa)
{
    if (!is_ret(v) || !si_event_room(x, v->s, 0, MAX_HOLDERS))
        return;
    holder_ev *h = HP_PUSH(x->holders, x->nholders, x->holdercap);
    memset(h, 0, sizeof *h);
    h->fn = x->cur_fn;
    h->gen = x->fns[x->cur_fn].gen;
    h->insn = v->s;
    h->pc = pc;
    h->kind = (uint8_t)kind;
    h->reg = (uint8_t)reg;
    h->cfa_off = (int32_t)cfa;
    for (int r = 0; r < DA_NREGS; r++)
        if (is_ret(&S->r[r]) && S->r[r].s == v->s)
            h->regs |= 1u << r;
    const sv *sp = &S->r[x->arch->sp], *fp = &S->r[x->arch->fp];
    if (sp->k == V_STACK) {
        h->sp_known = 1;
        h->sp_off = (int32_t)sp->c;
    }
    if (fp->k == V_STACK) {
        h->fp_known = 1;
        h->fp_off = (int32_t)fp->c;
    }
}

/* Allocator a call/jump reaches, and its target address when known.
** *via_data is set when it goes through a data word (a function table). */
int32_t si_callee(si_ctx *x, const state *S, const da_insn *d, uint64_t *target,
                      int *via_data)
{
    *target = 0;
    *via_data = 0;
    x->callee_slot = 0;
    if (d->kind == DA_KIND_CALL || d->kind == DA_KIND_JMP || d->kind == DA_KIND_JCC) {
        *target = d->target;
        return si_amap_get(&x->alloc_at, d->target);
    }
    uint64_t slot = 0;
    int through = 0;
    int32_t r = si_indirect_callee(x, d->addr);
    if (r >= 0) {
        *target = x->allocs[r].addr;
        *via_data = 1;
        return r;
    }
    if (d->mem_ind) {
        if (d->base < DA_NREGS && d->index == DA_NOREG && S->r[d->base].k == V_LOAD) {
            /* a table reached through a pointer the file initialises */
            uint64_t p = si_word_at(x, (uint64_t)S->r[d->base].c);
            if (p == 0 || si_bytes_at(x, p + (uint64_t)d->disp, 8) == NULL)
                return -1;
            slot = p + (uint64_t)d->disp;
            through = 1;
        } else if (d->base != DA_PC && !(d->base == DA_NOREG && d->index == DA_NOREG)) {
            return -1;
        } else {
            slot = d->target;
        }
    } else if (d->src < DA_NREGS) {
        const sv *v = &S->r[d->src];
        if (v->k == V_CONST) {
            *target = (uint64_t)v->c;
            return si_amap_get(&x->alloc_at, (uint64_t)v->c);
        }
        if (v->k != V_LOAD)
            return -1;
        slot = (uint64_t)v->c;
        through = v->adj;
    } else {
        return -1;
    }
    int32_t a = si_amap_get(&x->alloc_slot, slot);
    if (through && a < 0)
        return -1;      /* two words as initialised: trusted for allocators only */
    *target = si_word_at(x, slot);
    if (a >= 0) {
        *via_data = ei_got_name(x->img, slot) == NULL;
        x->callee_slot = *via_data ? slot : 0;
        return a;
    }
    if (*target == 0)
        return -1;
    a = si_amap_get(&x->alloc_at, *target);
    if (a >= 0) {
        *via_data = 1;
        x->callee_slot = slot;
    }
    return a;
}

void si_new_site(si_ctx *x, const state *S, uint32_t ii, int32_t a, int kind, int via_data)
{
    const da_insn *d = &x->insn[ii];
    const alloc *A = &x->allocs[a];
    site_ev *e = HP_PUSH(x->sites, x->nsites, x->sitecap);
    memset(e, 0, sizeof *e);
    e->fn = x->cur_fn;
    e->gen = x->fns[x->cur_fn].gen;
    e->insn = ii;
    e->alloc = a;
    e->pc = d->addr;
    e->ret_pc = d->addr + d->len;
    e->kind = (uint8_t)kind;
    e->returned = kind == SK_TAIL;
    e->indirect = d->kind == DA_KIND_ICALL || d->kind == DA_KIND_IJMP;
    e->via_data = (uint8_t)via_data;
    e->slot = via_data ? x->callee_slot : 0;
    e->id = -1;
    int na;
    const uint8_t *ar = abi_args(x, (A->flags & AF_GO_ABI) != 0, &na);
    for (int i = 0; i < na && i < MAXARGS; i++)
        e->args[i] = S->r[ar[i]];
    /* realloc(p, 0) frees (Lua's allocator function, nsize 0): no site */
    if ((A->flags & AF_REALLOC) && A->size >= 0 && A->size < MAXARGS &&
        e->args[A->size].k == V_CONST && e->args[A->size].c == 0)
        x->nsites--;
}

