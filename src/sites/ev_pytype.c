/*
** sites/ev_pytype.c -- "py-type": CPython objects allocated from their
** static type object (_PyObject_New(&PyList_Type), PyObject_GC_New,
** _PyObject_GC_NewVar), the way ev_go.c reads Go's type descriptors.
**
** Contract: for an allocator flagged AF_PYTYPE whose type argument is a
** constant address, the type object's tp_basicsize and tp_itemsize are
** read from the file at the offsets the binary's own PyTypeObject
** (struct _typeobject, from DWARF) gives them; the size is tp_basicsize,
** plus nitems * tp_itemsize rounded up to 8 as _PyObject_VAR_SIZE does
** when nitems is a constant (unknown otherwise, for a variable-size
** type).  The object is what the size says: the GC head that the GC
** variants put in front of it is not part of the object.  The type is
** decided (si_ev_pytype_name, before the DWARF evidence, whose variables
** are often only the PyObject head) by CPython's
** naming: the type object PyFoo_Type allocates PyFooObject (its typedef
** or struct name), only when that struct's size is tp_basicsize (or, for
** a variable-size type, between tp_basicsize and one item more); anything
** else leaves the type to the other evidence.  An object the code
** initialises itself (PyObject_Malloc, then _PyObject_Init inlined: the
** type object's address stored into ob_type, at the offset DWARF gives
** struct _object) is named the same way, when the allocation holds the
** struct: of its exact size for a fixed-size type, at least its size for
** a variable-size one (whose size the code may not know).
*/
#include "sites/internal.h"

#include <stdio.h>

/* The offset of member `name` of CPython's struct `sname`. */
static int type_member(tindex *ti, const char *sname, const char *name, uint64_t *off)
{
    trow *t = si_ti_find(ti, sname, 0, NULL, 0, 0);
    if (t == NULL || t->t == NULL)
        return 0;
    for (uint32_t i = 0; i < t->t->nmembers; i++) {
        const lay_member *m = &t->t->members[i];
        if (m->name && strcmp(m->name, name) == 0 && m->size == 8 && m->bit_size == 0) {
            *off = m->offset;
            return 1;
        }
    }
    return 0;
}

/* The type object at desc: its tp_basicsize and tp_itemsize into at. */
static int read_type(attr *at, uint64_t desc)
{
    uint64_t ob, oi;
    if (!type_member(at->ti, "_typeobject", "tp_basicsize", &ob) ||
        !type_member(at->ti, "_typeobject", "tp_itemsize", &oi))
        return 0;
    const uint8_t *pb = si_bytes_at(at->x, desc + ob, 8), *pi = si_bytes_at(at->x, desc + oi, 8);
    if (pb == NULL || pi == NULL)
        return 0;
    int64_t basic = (int64_t)rd64le(pb), item = (int64_t)rd64le(pi);
    if (!sane_size(basic) || item < 0 || item > (1 << 20))
        return 0;
    at->py_desc = desc;
    at->py_basic = (uint64_t)basic;
    at->py_item = (uint64_t)item;
    return 1;
}

/* An object the code initialises itself (_PyObject_Init inlined after
** PyObject_Malloc): the type object's address stored into its ob_type. */
static void init_store(attr *at)
{
    si_ctx *x = at->x;
    uint64_t ot;
    if (!type_member(at->ti, "_object", "ob_type", &ot))
        return;
    size_t lo, hi;
    EV_RANGE(x->stores, x->nstores, at->e, lo, hi);
    for (size_t i = lo; i < hi; i++) {
        const store_ev *s = &x->stores[i];
        if (s->addr == 0 || s->off != (int32_t)ot || s->width != 8)
            continue;
        if (read_type(at, s->addr))
            at->py_init = 1;
        return;
    }
}

void si_ev_pytype_size(attr *at)
{
    const site_ev *e = at->e;
    const alloc *A = at->A;
    fin *r = at->r;
    if (!(A->flags & AF_PYTYPE)) {
        if (at->x->nstores > 0)
            init_store(at);
        return;
    }
    if (A->type < 0 || A->type >= at->na || e->args[A->type].k != V_CONST ||
        !read_type(at, (uint64_t)e->args[A->type].c))
        return;
    int64_t basic = (int64_t)at->py_basic, item = (int64_t)at->py_item;
    int64_t size = basic;
    if (item > 0) {
        const sv *n = A->type2 >= 0 && A->type2 < at->na ? &e->args[A->type2] : NULL;
        if (n == NULL || n->k != V_CONST || n->c < 0 || n->c > (1 << 24))
            return;             /* a variable-size object of unknown length */
        size = (basic + n->c * item + 7) & ~(int64_t)7;
    }
    r->size = size;
    r->size_known = 1;
    r->size_from = "py-type";
    r->count = 1;
    r->count_known = 1;
}

/* Does the typeset name `alias` as a typedef of an aggregate?  Its
** target's name, else NULL. */
static const char *alias_target(const typeset *ts, const char *alias)
{
    size_t n = ts_alias_count(ts);
    for (size_t i = 0; i < n; i++) {
        const char *a, *t;
        ts_alias_get(ts, i, &a, &t);
        if (strcmp(a, alias) == 0)
            return t;
    }
    return NULL;
}

int si_ev_pytype_name(attr *at)
{
    if (at->py_desc == 0)
        return 0;
    si_ctx *x = at->x;
    const ei_symbol *s = ei_symbol_at(x->img, at->py_desc);
    if ((s == NULL || s->addr != at->py_desc) && x->dbg)
        s = ei_symbol_at(x->dbg, at->py_desc);
    if (s == NULL || s->addr != at->py_desc || s->name == NULL)
        return 0;
    size_t len = strlen(s->name);
    if (len < 8 || len > 120 || strcmp(s->name + len - 5, "_Type") != 0)
        return 0;
    char want[160];
    snprintf(want, sizeof want, "%.*sObject", (int)(len - 5), s->name);
    const char *names[2] = { want, x->types ? alias_target(x->types, want) : NULL };
    uint64_t lo = at->py_basic, hi = (at->py_basic + at->py_item + 7) & ~(uint64_t)7;
    for (int k = 0; k < 2; k++) {
        if (names[k] == NULL)
            continue;
        trow *t = si_ti_find(at->ti, names[k], 0, NULL, 0, at->py_basic);
        if (t == NULL || t->size < lo || t->size > hi || (at->py_item == 0 && t->size != lo))
            continue;
        /* initialised by the code: the allocation must hold the struct,
        ** and a size the code does not know is only a variable-size
        ** type's (a str's compact forms are smaller than its struct) */
        const fin *r = at->r;
        if (at->py_init && (r->size_known ? (uint64_t)r->size < t->size ||
                                                (at->py_item == 0 && (uint64_t)r->size != t->size)
                                          : at->py_item == 0))
            continue;
        {
            si_set_type(at->r, t, "py-type", CONF_PYTYPE);
            return 1;
        }
    }
    return 0;
}
