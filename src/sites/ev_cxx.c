/*
** sites/ev_cxx.c -- "cxx-ctor": the C++ constructor called on the pointer;
** "cxx-class-new": the class whose own operator new is called.
**
** Contract: the first constructor (Itanium C1/C2/C3 names) called with
** the new pointer as `this` names the class, from DWARF (the `this`
** parameter's type) or else from the mangled name; only a class that fits
** the known size is taken.  A class-specific T::operator new / new[]
** (si_class_new: the catalogue takes them as allocators) names T when the
** code's size is T's (new[]: whole T's, maybe with a cookie); a class that
** inherits it has another size and is left to the other methods.  The
** operator's own body is an allocator's internals: its call of malloc is
** no site (its callers' calls of it are), unless the operator is inlined
** into them -- then that call is the site, and the inline chain's
** T::operator new (dl_site.class_new) names T the same way.
*/
#include "sites/internal.h"

int si_is_ctor_name(const char *n)
{
    if (n == NULL || strncmp(n, "_ZN", 3) != 0)
        return 0;
    static const char *const pats[] = { "C1E", "C2E", "C3E", "C1I", "C2I", "CI1", "CI2" };
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++)
        if (strstr(n, pats[i]))
            return 1;
    return 0;
}

/* The class of a member's mangled name: "_ZN2ns4NodeC2Ev" -> "ns::Node"
** (stop "C": a constructor), "_ZN4LeafnwEm" -> "Leaf" (stop "nw"); NULL
** for anything fancier (templates, other members).  n has len bytes. */
char *si_mangled_class(const char *n, size_t len, const char *stop)
{
    hp_buf b = {0};
    if (len < 4 || strncmp(n, "_ZN", 3) != 0)
        return NULL;
    const char *p = n + 3, *lim = n + len;
    if (*p == 'K')
        p++;
    if (p[0] == 'S' && p[1] == 't') {
        hp_buf_puts(&b, "std");
        p += 2;
    }
    while (p < lim && *p >= '1' && *p <= '9') {
        char *end;
        unsigned long l = strtoul(p, &end, 10);
        if (l == 0 || l > 1024 || (size_t)(lim - end) < l) {
            hp_buf_free(&b);
            return NULL;
        }
        if (b.len)
            hp_buf_puts(&b, "::");
        hp_buf_putn(&b, end, l);
        p = end + l;
    }
    size_t sl = strlen(stop);
    if ((size_t)(lim - p) < sl || strncmp(p, stop, sl) != 0 || b.len == 0) {
        hp_buf_free(&b);
        return NULL;
    }
    return b.s;
}

/* Is name a class's own operator new (1) or new[] (2)?  _ZN<class>nwEm,
** _ZN<class>naEm, with the nothrow and align_val_t forms. */
int si_class_new(const char *name)
{
    static const char *const tails[] = { "", "RKSt9nothrow_t", "St11align_val_t",
                                         "St11align_val_tRKSt9nothrow_t" };
    size_t len = si_base_len(name);
    if (strncmp(name, "_ZN", 3) != 0 || !(strstr(name, "nwEm") || strstr(name, "naEm")))
        return 0;
    for (int arr = 0; arr < 2; arr++) {
        const char *op = arr ? "naEm" : "nwEm";
        char *cls = si_mangled_class(name, len, op);
        if (cls == NULL)
            continue;
        free(cls);
        const char *at = strstr(name, op);
        for (const char *q = at; q; q = strstr(q + 1, op))
            at = q;         /* the last one: the class name may hold "nwEm" */
        size_t rest = len - (size_t)(at + 4 - name);
        for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
            if (strlen(tails[i]) == rest && strncmp(at + 4, tails[i], rest) == 0)
                return arr ? 2 : 1;
    }
    return 0;
}

/* An inlined T::operator new / new[] around the call (dl_site.class_new):
** its call of malloc (or of any allocator) is the site, a T when the size
** is T's (new[]: whole T's, maybe with an 8-byte cookie; the site becomes
** sizeof(T) x count).  An unknown size is not taken: Derived inherits
** T's operator new with its own size. */
static int class_new_inlined(attr *at)
{
    const dl_site *ds = at->ds;
    fin *r = at->r;
    int kind = ds && ds->class_new ? si_class_new(ds->class_new) : 0;
    if (kind == 0 || !r->size_known || r->size <= 0)
        return 0;
    const char *cn = ds->class_new;
    char *cls = si_mangled_class(cn, si_base_len(cn), kind == 2 ? "na" : "nw");
    if (cls == NULL)
        return 0;
    trow *t = si_ti_find(at->ti, cls, 0, NULL, 0, (uint64_t)r->size);
    free(cls);
    if (t == NULL || t->size == 0)
        return 0;
    uint64_t ts = t->size, total = (uint64_t)r->size;
    if (kind == 1) {
        if (at->scaled || (r->count_known && r->count != 1) || total != ts)
            return 0;
    } else if (at->scaled) {
        if (total % ts != 0)
            return 0;
        r->size = (int64_t)ts;
    } else {
        if (r->count_known && r->count > 0)
            total *= (uint64_t)r->count;
        if (total % ts != 0 && (total <= 8 || (total - 8) % ts != 0))
            return 0;
        r->count = (int64_t)((total % ts == 0 ? total : total - 8) / ts);
        r->count_known = 1;
        r->size = (int64_t)ts;
    }
    si_set_type(r, t, "cxx-class-new", CONF_CLASS_NEW);
    return 1;
}

/* "cxx-class-new": T::operator new allocates a T when the size is T's
** (new T[n]: whole T's); a derived class inheriting it has another size. */
int si_ev_class_new(attr *at)
{
    const alloc *A = at->A;
    fin *r = at->r;
    if (!(A->flags & AF_CLASS_NEW))
        return class_new_inlined(at);
    char *cls = si_mangled_class(A->name, strlen(A->name), (A->flags & AF_ARRAY) ? "na" : "nw");
    if (cls == NULL)
        return 0;
    trow *t = si_ti_find(at->ti, cls, 0, NULL, 0, (uint64_t)r->size);
    free(cls);
    if (t == NULL || t->size == 0 || !r->size_known || r->size <= 0 ||
        !si_whole_objects(r, A, t->size))
        return 0;
    si_set_type(r, t, "cxx-class-new", CONF_CLASS_NEW);
    return 1;
}

/* "_ZN2ns4NodeC2Ev" -> "ns::Node"; NULL for anything fancier. */
static char *ctor_class(const char *n)
{
    return si_mangled_class(n, strlen(n), "C");
}

int si_ev_ctor(attr *at)
{
    si_ctx *x = at->x;
    const site_ev *e = at->e;
    fin *r = at->r;
    tindex *ti = at->ti;
    const dwarfacts *df = at->df;
    size_t lo, hi;
    EV_RANGE(x->calls, x->ncalls, e, lo, hi);
    for (size_t i = lo; i < hi; i++) {
        int32_t fi = si_amap_get(&x->fn_at, x->calls[i].target);
        const char *fname = fi >= 0 ? x->fns[fi].name : NULL;
        if (!si_is_ctor_name(fname))
            continue;
        trow *t = NULL;
        size_t a = 0, b = df->nfuncs;
        while (a < b) {
            size_t m = a + (b - a) / 2;
            if (df->funcs[m].entry < x->calls[i].target)
                a = m + 1;
            else
                b = m;
        }
        if (a < df->nfuncs && df->funcs[a].entry == x->calls[i].target &&
            df->funcs[a].this_type && df->funcs[a].this_type->name) {
            const dl_type *dt = df->funcs[a].this_type;
            t = si_ti_find(ti, dt->name, dt->size, dt->decl_file, dt->decl_line, (uint64_t)r->size);
        }
        if (t == NULL) {
            char *cls = ctor_class(fname);
            if (cls) {
                t = si_ti_find(ti, cls, 0, NULL, 0, (uint64_t)r->size);
                free(cls);
            }
        }
        if (t && si_size_ok(r, t)) {
            si_set_type(r, t, "cxx-ctor", CONF_CTOR);
            return 1;
        }
        break;      /* only the first constructor call speaks */
    }
    return 0;
}
