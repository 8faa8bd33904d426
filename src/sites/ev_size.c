/*
** sites/ev_size.c -- the size and count of an allocation, and the "size"
** method: every struct of exactly that size is a candidate.
**
** Contract: si_ev_size() reads the size and count from the allocator's
** arguments (a constant, or "n times a constant": an element size), else
** from the DWARF call-site values; calloc(n, 1) is one object of n bytes.
** si_ev_size_only() makes the candidates when nothing stronger decided:
** up to MAX_CANDIDATES structs of the size, the program's own first, and
** the site ambiguous with no type chosen.
*/
#include "sites/internal.h"

static int dwarf_param(const dl_site *ds, uint8_t reg, int64_t *v)
{
    if (ds == NULL)
        return 0;
    for (int i = 0; i < ds->nparams; i++)
        if (ds->param_reg[i] == reg) {
            *v = ds->param_val[i];
            return 1;
        }
    return 0;
}

void si_ev_size(attr *at)
{
    const site_ev *e = at->e;
    fin *r = at->r;
    const alloc *A = at->A;
    const dl_site *ds = at->ds;
    int na = at->na;
    const uint8_t *regs = at->regs;
    if (A->size >= 0 && A->size < na) {
        const sv *v = &e->args[A->size];
        int64_t d;
        if (v->k == V_CONST && sane_size(v->c)) {
            r->size = v->c;
            r->size_known = 1;
            r->size_from = "code";
        } else if ((v->k == V_UNK || v->k == V_ARG) && v->c > 1) {
            r->size = v->c;             /* n * size: the element size */
            r->size_known = 1;
            r->size_from = "code";
            at->scaled = 1;
        } else if (dwarf_param(ds, regs[A->size], &d) && sane_size(d)) {
            r->size = d;
            r->size_known = 1;
            r->size_from = "dwarf-call-site";
        }
    }
    if (A->count >= 0 && A->count < na) {
        const sv *v = &e->args[A->count];
        int64_t d;
        if (v->k == V_CONST && v->c >= 0) {
            r->count = v->c;
            r->count_known = 1;
        } else if (dwarf_param(ds, regs[A->count], &d) && d >= 0) {
            r->count = d;
            r->count_known = 1;
        }
    } else if (r->size_known && !at->scaled && A->type < 0) {
        r->count = 1;
        r->count_known = 1;
    }
    if (A->fixed_size > 0 && !r->size_known) {
        /* a clone specialised for one size (wrappers.c): its constant */
        r->size = A->fixed_size;
        r->size_known = 1;
        r->size_from = "code";
        r->count = A->fixed_count > 0 ? A->fixed_count : 1;
        r->count_known = 1;
    }
    /* calloc(n, 1) is one object of n bytes: gcc -O2 turns malloc(sizeof *p)
    ** followed by memset(p, 0, sizeof *p) into calloc(sizeof *p, 1), and
    ** taken as n one-byte elements no struct would fit */
    if (r->size_known && r->count_known && r->size == 1 && r->count > 1 &&
        sane_size(r->count)) {
        r->size = r->count;
        r->count = 1;
    }
}

void si_ev_size_only(attr *at, size_t slo, size_t shi)
{
    tindex *ti = at->ti;
    fin *r = at->r;
    r->ncand_total = shi - slo;
    r->ncand = r->ncand_total < MAX_CANDIDATES ? r->ncand_total : MAX_CANDIDATES;
    /* When more types share the size than we keep, keep the program's own
    ** first: a Rust binary carries hundreds of std structs of every small
    ** size, and the allocation is far more likely one of its own types. */
    size_t k = 0;
    for (int pass = 0; pass < 2 && k < r->ncand; pass++)
        for (size_t c = slo; c < shi && k < r->ncand; c++) {
            trow *t = &ti->rows[ti->by_size[c]];
            if (si_toolchain_type(t) == pass)
                r->cand[k++] = t;
        }
    r->cand_method = "size";
    r->method = "size";
    r->ambiguous = 1;
}
