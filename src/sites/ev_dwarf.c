/*
** sites/ev_dwarf.c -- "dwarf-var" and "dwarf-return": what DWARF says
** about the variable holding the pointer and the function returning it.
**
** Contract: a variable or parameter of type T* whose location holds the
** returned pointer at a pc where the code keeps it (a register or stack
** slot, events.c's holders) names T; conflicting variables decide only
** when exactly one has the allocated size; a pointer to a non-struct
** (int, pointers) is recorded as such and prevents size candidates.  A
** function that returns the pointer as T* names T.  A type smaller than a
** one-object allocation is only its head (attribute.c's fallback).
*/
#include "sites/internal.h"

static int loc_matches(const dl_varloc *l, const holder_ev *h, const da_arch *ar)
{
    if (h->pc < l->lo || h->pc >= l->hi)
        return 0;
    switch (l->kind) {
    case DL_LOC_REG:
        return (h->kind == H_REG && h->reg == l->reg) ||
               (l->reg < DA_NREGS && (h->regs & (1u << l->reg)));
    case DL_LOC_CFA:
        return h->kind == H_CFA && h->cfa_off == l->off;
    case DL_LOC_BREG:
        if (h->kind != H_CFA)
            return 0;
        if (l->reg == ar->sp && h->sp_known)
            return (int64_t)h->sp_off + l->off == h->cfa_off;
        if (l->reg == ar->fp && h->fp_known)
            return (int64_t)h->fp_off + l->off == h->cfa_off;
        return 0;
    default:
        return 0;
    }
}

/* Byte types and void point at raw memory, which may hold any struct. */
static int is_bytes(const char *n)
{
    static const char *const b[] = { "void", "char", "signed char", "unsigned char",
                                     "uint8_t", "int8_t", "u8", "uint8", "byte", "?" };
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        if (strcmp(n, b[i]) == 0)
            return 1;
    return 0;
}

int si_ev_var(attr *at)
{
    si_ctx *x = at->x;
    const site_ev *e = at->e;
    fin *r = at->r;
    const alloc *A = at->A;
    tindex *ti = at->ti;
    const dl_site *ds = at->ds;
    size_t lo, hi;
        if (ds && ds->nvars > 0) {
        EV_RANGE(x->holders, x->nholders, e, lo, hi);
        for (size_t i = lo; i < hi; i++) {
            trow *pick = NULL, *exact = NULL;
            int conflict = 0, nexact = 0;
            for (uint32_t k = 0; k < ds->nvars; k++) {
                const dl_var *v = &ds->vars[k];
                int hit = 0;
                for (uint32_t l = 0; l < v->nlocs && !hit; l++)
                    hit = loc_matches(&v->locs[l], &x->holders[i], x->arch);
                if (!hit)
                    continue;
                const dl_type *dt = v->type;
                if (dt->name == NULL) {
                    if (dt->pointee_name && r->type_name == NULL)
                        r->type_name = dt->pointee_name;
                    if (dt->pointee_name && !is_bytes(dt->pointee_name) && at->scalar == NULL)
                        at->scalar = dt->pointee_name;
                    continue;
                }
                trow *t = si_ti_find(ti, dt->name, dt->size, dt->decl_file, dt->decl_line,
                                  (uint64_t)r->size);
                if (t == NULL || !si_size_ok(r, t))
                    continue;
                if (pick && pick != t)
                    conflict = 1;
                pick = t;
                /* a base class or member pointer may hold it too: the
                ** type of exactly the allocated size wins a conflict */
                if (r->size_known && t->size == (uint64_t)r->size && exact != t) {
                    exact = t;
                    nexact++;
                }
            }
            if (pick && !conflict) {
                if (si_take(r, pick, A, "dwarf-var", CONF_VAR))
                    return 1;
                break;
            }
            if (conflict && nexact == 1) {
                si_set_type(r, exact, "dwarf-var", CONF_VAR);
                return 1;
            }
            if (conflict)
                break;
        }
    }
    return 0;
}

int si_ev_return(attr *at)
{
    const site_ev *e = at->e;
    fin *r = at->r;
    const alloc *A = at->A;
    tindex *ti = at->ti;
    const dl_site *ds = at->ds;
    /* an IPA-SRA clone may have dropped the return value its DWARF (the
    ** original's) declares: what is left in the return register says
    ** nothing about that type */
    const char *fn = at->x->fns[e->fn].name;
    if (ds && ds->inline_depth == 0 && fn && strstr(fn, ".isra."))
        return 0;
    if (e->returned && ds && ds->ret_type && ds->ret_type->name) {
        const dl_type *dt = ds->ret_type;
        trow *t = si_ti_find(ti, dt->name, dt->size, dt->decl_file, dt->decl_line,
                          (uint64_t)r->size);
        if (t && si_size_ok(r, t) && si_take(r, t, A, "dwarf-return", CONF_RETURN))
            return 1;
    }
    return 0;
}
