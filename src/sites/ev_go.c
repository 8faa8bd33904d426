/*
** sites/ev_go.c -- "go-type": the type descriptor a Go allocation passes.
**
** Contract: when the allocator's type argument is a constant address that
** DW_AT_go_runtime_type maps to a DWARF type (relative to runtime.types),
** that type is the answer (a struct row when there is one; otherwise only
** its name), and the descriptor's size is the size when the code gave
** none.
*/
#include "sites/internal.h"

/* Go: the type whose descriptor is at addr */
static const dl_gotype *go_type_at(const si_ctx *x, const dl_gotype *gv, size_t ng, uint64_t addr)
{
    if (!x->go_types_base || addr < x->go_types_base)
        return NULL;
    uint64_t off = addr - x->go_types_base;
    size_t lo = hp_lower_bound(gv, 0, ng, sizeof *gv, offsetof(dl_gotype, runtime_type), off);
    /* prefer a struct when several DIEs share the descriptor */
    const dl_gotype *best = NULL;
    for (size_t i = lo; i < ng && gv[i].runtime_type == off; i++)
        if (best == NULL || (gv[i].tag == 0x13 && best->tag != 0x13))
            best = &gv[i];
    return best;
}

int si_ev_go(attr *at)
{
    si_ctx *x = at->x;
    const site_ev *e = at->e;
    fin *r = at->r;
    const alloc *A = at->A;
    tindex *ti = at->ti;
    const dwarfacts *df = at->df;
    int na = at->na;
    if (A->type >= 0) {
        const dl_gotype *g = NULL;
        uint64_t desc = 0;
        for (int k = 0; k < 2 && g == NULL; k++) {
            int idx = k == 0 ? A->type : A->type2;
            if (idx < 0 || idx >= na || e->args[idx].k != V_CONST)
                continue;
            desc = (uint64_t)e->args[idx].c;
            g = go_type_at(x, df->go, df->ngo, desc);
        }
        if (g) {
            const uint8_t *p = si_bytes_at(x, desc, 8);    /* _type.size */
            uint64_t dsz = p ? rd64le(p) : g->size;
            if (dsz > 0 && sane_size((int64_t)dsz) && !r->size_known) {
                r->size = (int64_t)dsz;
                r->size_known = 1;
                r->size_from = "go-type";
                if (A->count < 0 && !(A->flags & AF_ARRAY)) {
                    r->count = 1;
                    r->count_known = 1;
                }
            }
            r->type_name = g->name;
            trow *t = g->tag == 0x13 ? si_ti_find(ti, g->name, g->size, NULL, 0, (uint64_t)r->size)
                                     : NULL;
            if (t) {
                si_set_type(r, t, "go-type", CONF_GO);
                return 1;
            }
            r->method = "go-type";      /* a known type, but not a struct row */
            r->conf = CONF_GO;
            return 1;
        }
    }
    return 0;
}
