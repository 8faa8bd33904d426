/*
** sites/ev_alloctype.c -- "dwarf-alloc-type": the type the compiler itself
** recorded for the allocation.
**
** Contract: clang 22 puts DW_AT_LLVM_alloc_type (0x3e0e) on the
** DW_TAG_call_site of every C++ `new` expression (dwlines.c reads it into
** dl_site.alloc_type).  An aggregate named there is the site's type when
** the code's size agrees: a single object's constant size equal to the
** type's, an array's bytes a whole number of them (or of them plus an
** 8-byte new[] cookie); a size the code does not give is not checked.  A
** type that disagrees gives no answer (the other methods decide).  A
** non-aggregate (`new int[n]`) sets only type_name, and no size
** candidates are listed.  It is the strongest evidence there is, so it is
** tried first after Go's descriptors.
*/
#include "sites/internal.h"

/* Does the code's request fit whole objects of ts bytes?  A single
** object's size must be ts (an unknown size fits). */
int si_whole_objects(const fin *r, const alloc *A, uint64_t ts)
{
    if (!r->size_known || r->size <= 0 || ts == 0)
        return 1;
    uint64_t total = (uint64_t)r->size * (r->count_known && r->count > 0 ? (uint64_t)r->count : 1);
    if (!(A->flags & AF_ARRAY) && (!r->count_known || r->count == 1) && r->size_known)
        return total == ts;
    return total % ts == 0 || (total > 8 && (total - 8) % ts == 0);
}

int si_ev_alloc_type(attr *at)
{
    const dl_site *ds = at->ds;
    fin *r = at->r;
    if (ds == NULL || ds->alloc_type == NULL)
        return 0;
    const dl_type *dt = ds->alloc_type;
    if (dt->name == NULL) {
        if (dt->pointee_name == NULL || strcmp(dt->pointee_name, "?") == 0)
            return 0;
        r->type_name = dt->pointee_name;
        r->method = "dwarf-alloc-type";
        at->scalar = dt->pointee_name;
        return 1;
    }
    trow *t = si_ti_find(at->ti, dt->name, dt->size, dt->decl_file, dt->decl_line,
                         (uint64_t)r->size);
    if (t == NULL || !si_whole_objects(r, at->A, t->size))
        return 0;
    si_set_type(r, t, "dwarf-alloc-type", CONF_ALLOC_TYPE);
    return 1;
}
