/*
** sites/ev_cxx.c -- "cxx-ctor": the C++ constructor called on the pointer.
**
** Contract: the first constructor (Itanium C1/C2/C3 names) called with
** the new pointer as `this` names the class, from DWARF (the `this`
** parameter's type) or else from the mangled name; only a class that fits
** the known size is taken.
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

/* "_ZN2ns4NodeC2Ev" -> "ns::Node"; NULL for anything fancier. */
static char *ctor_class(const char *n)
{
    hp_buf b = {0};
    const char *p = n + 3;
    if (*p == 'K')
        p++;
    if (p[0] == 'S' && p[1] == 't') {
        hp_buf_puts(&b, "std");
        p += 2;
    }
    while (*p >= '1' && *p <= '9') {
        char *end;
        unsigned long len = strtoul(p, &end, 10);
        if (len == 0 || len > 1024 || strlen(end) < len) {
            hp_buf_free(&b);
            return NULL;
        }
        if (b.len)
            hp_buf_puts(&b, "::");
        hp_buf_putn(&b, end, len);
        p = end + len;
    }
    if (*p != 'C' || b.len == 0) {
        hp_buf_free(&b);
        return NULL;
    }
    return b.s;
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
