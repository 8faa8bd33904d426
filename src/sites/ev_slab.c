/*
** sites/ev_slab.c -- Linux slab caches the code creates: kmem_cache_create,
** kmem_cache_create_usercopy (6.1) and __kmem_cache_create_args (6.12),
** whose result is stored to a global (task_struct_cachep).
**
** Contract: si_slab_cache() turns one final call of a cache-creating
** function into one kcache per global its result is stored to (facts.c
** traced the stores): the name (a constant string), the object size, the
** alignment, the flags and whether a constructor is passed, each only
** when the code passes it as a constant, else unknown (-1, size 0); the
** 6.12 form passes alignment and constructor in a struct kmem_cache_args
** (a pointer), so both stay unknown there.  SLAB_HWCACHE_ALIGN and
** SLAB_TYPESAFE_BY_RCU are read with the kernel generation's bit values
** (slab_bits).  si_write_caches() writes the
** kmem_caches rows (db/schema.sql) and keeps each row id for the sites
** (sites.cache_id).  Which cache a kmem_cache_alloc* site uses is
** ev_kmem.c's: the cache argument loaded from the same global.
*/
#include "sites/internal.h"

/* Argument positions (x86-64 order, from 0): name 0 and size 1 in every
** form; kmem_cache_create(name, size, align, flags, ctor),
** kmem_cache_create_usercopy(name, size, align, flags, useroffset,
** usersize, ctor), __kmem_cache_create_args(name, size, args, flags). */
static void slab_args(const char *fn, int *align, int *flags, int *ctor)
{
    *align = 2;
    *flags = 3;
    *ctor = 4;
    if (strcmp(fn, "kmem_cache_create_usercopy") == 0)
        *ctor = 6;
    else if (strcmp(fn, "__kmem_cache_create_args") == 0)
        *align = *ctor = -1;
}

void si_slab_cache(si_ctx *x, const site_ev *e, hp_arena *ar, kcache **kc, size_t *n,
                   size_t *cap)
{
    const alloc *A = &x->allocs[e->alloc];
    int ia, ifl, ic, na;
    slab_args(A->name, &ia, &ifl, &ic);
    abi_args(x, 0, &na);
    if (na > MAXARGS)
        na = MAXARGS;
    size_t lo, hi;
    EV_RANGE(x->gstores, x->ngstores, e, lo, hi);
    for (size_t k = lo; k < hi; k++) {
        kcache *c = HP_PUSH(*kc, *n, *cap);
        memset(c, 0, sizeof *c);
        c->slot = x->gstores[k].addr;
        c->size = A->size >= 0 && A->size < na && e->args[A->size].k == V_CONST
                      ? e->args[A->size].c : 0;
        c->name = A->cache >= 0 && A->cache < na && e->args[A->cache].k == V_CONST
                      ? si_c_string(x, ar, (uint64_t)e->args[A->cache].c) : NULL;
        const ei_symbol *sym = ei_symbol_at(x->img, c->slot);
        if ((sym == NULL || sym->addr != c->slot) && x->dbg)
            sym = ei_symbol_at(x->dbg, c->slot);
        c->global = sym && sym->addr == c->slot && sym->name
                        ? hp_arena_strdup(ar, sym->name) : NULL;
        c->align = ia >= 0 && ia < na && e->args[ia].k == V_CONST && e->args[ia].c >= 0
                       ? e->args[ia].c : -1;
        c->flags = ifl >= 0 && ifl < na && e->args[ifl].k == V_CONST && e->args[ifl].c >= 0
                       ? e->args[ifl].c : -1;
        c->ctor = ic >= 0 && ic < na && e->args[ic].k == V_CONST ? e->args[ic].c != 0 : -1;
        c->creator = e->alloc;
        c->fn = e->fn;
        c->pc = e->pc;
        c->id = 0;
    }
}

/* SLAB_HWCACHE_ALIGN and SLAB_TYPESAFE_BY_RCU: Linux 6.10 and later
** number the flags by enum _slab_flag_bits (bits 4 and 9; the kernel with
** the _noprof entry points or __kmem_cache_create_args), earlier kernels
** by the old constants 0x2000 and 0x80000.  (6.8 and 6.9 already had the
** enum without either name: read with the old values.) */
static void slab_bits(const si_ctx *x, int64_t *hwcache, int64_t *rcu)
{
    int enum_bits = 0;
    for (size_t i = 0; i < x->nallocs && !enum_bits; i++) {
        const char *n = x->allocs[i].name;
        size_t l = strlen(n);
        enum_bits = (l > 7 && strcmp(n + l - 7, "_noprof") == 0)
                    || strcmp(n, "__kmem_cache_create_args") == 0;
    }
    *hwcache = enum_bits ? (int64_t)1 << 4 : 0x2000;
    *rcu = enum_bits ? (int64_t)1 << 9 : 0x80000;
}

int si_write_caches(si_ctx *x, hp_err *err)
{
    if (x->nkc == 0)
        return 0;
    int64_t hw_bit, rcu_bit;
    slab_bits(x, &hw_bit, &rcu_bit);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO kmem_caches (binary_id, name, global, "
                           "global_addr, object_size, align, flags, hwcache, ctor, creator, "
                           "function, pc, rcu) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
                           "?13)", -1,
                           &st, NULL) != SQLITE_OK)
        return hp_errf(err, NULL, "sites: kmem_caches: %s", sqlite3_errmsg(x->db));
    for (size_t i = 0; i < x->nkc; i++) {
        kcache *c = &x->kc[i];
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        sqlite3_bind_int64(st, 1, x->binary_id);
        if (c->name)
            sqlite3_bind_text(st, 2, c->name, -1, SQLITE_TRANSIENT);
        if (c->global)
            sqlite3_bind_text(st, 3, c->global, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)c->slot);
        if (sane_size(c->size))
            sqlite3_bind_int64(st, 5, c->size);
        if (c->align >= 0)
            sqlite3_bind_int64(st, 6, c->align);
        if (c->flags >= 0) {
            sqlite3_bind_int64(st, 7, c->flags);
            sqlite3_bind_int(st, 8, (c->flags & hw_bit) != 0);
            sqlite3_bind_int(st, 13, (c->flags & rcu_bit) != 0);
        }
        if (c->ctor >= 0)
            sqlite3_bind_int(st, 9, c->ctor);
        sqlite3_bind_text(st, 10, x->allocs[c->creator].name, -1, SQLITE_TRANSIENT);
        if (x->fns[c->fn].name)
            sqlite3_bind_text(st, 11, x->fns[c->fn].name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 12, (sqlite3_int64)c->pc);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return hp_errf(err, NULL, "sites: kmem_caches: %s", sqlite3_errmsg(x->db));
        }
        c->id = sqlite3_last_insert_rowid(x->db);
    }
    sqlite3_finalize(st);
    return 0;
}
