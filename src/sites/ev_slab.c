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
** 6.12 form passes alignment, constructor and free pointer offset in a
** struct kmem_cache_args on the caller's stack: si_slab_args() keeps the
** bytes the constant stores before the call put there (kargs_ev), and
** si_write_caches() reads the fields where DWARF's layout of struct
** kmem_cache_args puts them (a field is known when all its bytes are).
** SLAB_HWCACHE_ALIGN and SLAB_TYPESAFE_BY_RCU are read with the bit values
** of enum _slab_flag_bits in the DWARF (6.8 and later, dl_enum_value),
** else, without that enumeration, the constants of the kernels before
** it, 0x2000 and 0x80000 -- unless the kernel has the entry points of
** 6.10 and later (_noprof, __kmem_cache_create_args): then unknown
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
static void slab_args(const char *fn, int *align, int *flags, int *ctor, int *sargs)
{
    *align = 2;
    *flags = 3;
    *ctor = 4;
    *sargs = -1;
    if (strcmp(fn, "kmem_cache_create_usercopy") == 0)
        *ctor = 6;
    else if (strcmp(fn, "__kmem_cache_create_args") == 0) {
        *align = *ctor = -1;
        *sargs = 2;
    }
}

void si_slab_args(si_ctx *x, const state *S, const site_ev *e)
{
    int ia, ifl, ic, isa;
    slab_args(x->allocs[e->alloc].name, &ia, &ifl, &ic, &isa);
    if (isa < 0 || e->args[isa].k != V_STACK)
        return;
    int64_t base = e->args[isa].c;
    kargs_ev *k = HP_PUSH(x->kargs, x->nkargs, x->kargscap);
    memset(k, 0, sizeof *k);
    k->site = (uint32_t)(e - x->sites);
    for (int i = 0; i < NSLOT; i++) {
        const sslot *sl = &S->sl[i];
        if (!sl->used || sl->v.k != V_CONST)
            continue;
        for (unsigned j = 0; j < sl->width; j++) {
            int64_t o = (int64_t)sl->off + j - base;
            if (o < 0 || o >= KARGS_BYTES)
                continue;
            k->b[o] = (uint8_t)((uint64_t)sl->v.c >> (8 * j));
            k->known |= (uint64_t)1 << o;
        }
    }
}

/* The kargs_ev of site index i (they are made in site order), or NULL. */
static const kargs_ev *kargs_of(const si_ctx *x, uint32_t i)
{
    size_t lo = 0, hi = x->nkargs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->kargs[mid].site < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < x->nkargs && x->kargs[lo].site == i ? &x->kargs[lo] : NULL;
}

void si_slab_cache(si_ctx *x, const site_ev *e, hp_arena *ar, kcache **kc, size_t *n,
                   size_t *cap)
{
    const alloc *A = &x->allocs[e->alloc];
    int ia, ifl, ic, isa, na;
    slab_args(A->name, &ia, &ifl, &ic, &isa);
    const kargs_ev *ka = isa >= 0 ? kargs_of(x, (uint32_t)(e - x->sites)) : NULL;
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
        c->args = ka;
        c->freeptr = -1;
        c->creator = e->alloc;
        c->fn = e->fn;
        c->pc = e->pc;
        c->id = 0;
    }
}

/* SLAB_HWCACHE_ALIGN and SLAB_TYPESAFE_BY_RCU (0 when not known): Linux
** 6.8 and later number the flags by enum _slab_flag_bits
** (__SLAB_FLAG_BIT(nr) = 1 << nr), read from the DWARF; without it, the
** constants of the kernels before, unless the entry points say 6.10 or
** later (the enumeration is then missing from the DWARF read, not from
** the kernel). */
static void slab_bits(const si_ctx *x, int64_t *hwcache, int64_t *rcu)
{
    int64_t v;
    int r = dl_enum_value(x->dli, "_SLAB_HWCACHE_ALIGN", &v);
    if (r >= 0) {
        *hwcache = r == 1 && v >= 0 && v < 63 ? (int64_t)1 << v : 0;
        r = dl_enum_value(x->dli, "_SLAB_TYPESAFE_BY_RCU", &v);
        *rcu = r == 1 && v >= 0 && v < 63 ? (int64_t)1 << v : 0;
        return;
    }
    int late = 0;
    for (size_t i = 0; i < x->nallocs && !late; i++) {
        const char *n = x->allocs[i].name;
        size_t l = strlen(n);
        late = (l > 7 && strcmp(n + l - 7, "_noprof") == 0)
               || strcmp(n, "__kmem_cache_create_args") == 0;
    }
    *hwcache = late ? 0 : 0x2000;
    *rcu = late ? 0 : 0x80000;
}

/* A field of struct kmem_cache_args (offset, size from DWARF; size 0: not
** in the layout) as the bytes known: 1 and *v when every byte is. */
static int karg_field(const kargs_ev *k, int64_t off, int64_t size, int64_t *v)
{
    if (k == NULL || size <= 0 || size > 8 || off < 0 || off + size > KARGS_BYTES)
        return 0;
    uint64_t u = 0;
    for (int64_t i = size - 1; i >= 0; i--) {
        if (!(k->known & ((uint64_t)1 << (off + i))))
            return 0;
        u = (u << 8) | k->b[off + i];
    }
    *v = (int64_t)u;
    return 1;
}

/* Where struct kmem_cache_args (the binary's DWARF, stored in members)
** keeps align, ctor, use_freeptr_offset and freeptr_offset: offset and
** size each, size 0 when absent. */
enum { KA_ALIGN, KA_CTOR, KA_USE_FREEPTR, KA_FREEPTR, KA_N };
static void karg_layout(si_ctx *x, int64_t off[KA_N], int64_t size[KA_N])
{
    static const char *const names[KA_N] = { "align", "ctor", "use_freeptr_offset",
                                            "freeptr_offset" };
    for (int i = 0; i < KA_N; i++)
        off[i] = size[i] = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(x->db, "SELECT m.name, m.offset, m.size FROM members m"
                           " WHERE m.bit_size = 0 AND m.size IS NOT NULL AND m.type_id ="
                           " (SELECT min(t.id) FROM types t WHERE t.binary_id = ?1"
                           " AND t.name = 'kmem_cache_args' AND t.kind = 'struct'"
                           " AND NOT t.incomplete)", -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    sqlite3_bind_int64(st, 1, x->binary_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *n = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; i < KA_N && n; i++)
            if (strcmp(n, names[i]) == 0) {
                off[i] = sqlite3_column_int64(st, 1);
                size[i] = sqlite3_column_int64(st, 2);
            }
    }
    sqlite3_finalize(st);
}

int si_write_caches(si_ctx *x, hp_err *err)
{
    if (x->nkc == 0)
        return 0;
    int64_t hw_bit, rcu_bit, ka_off[KA_N], ka_size[KA_N];
    slab_bits(x, &hw_bit, &rcu_bit);
    karg_layout(x, ka_off, ka_size);
    for (size_t i = 0; i < x->nkc; i++) {
        /* 6.12: the fields of the struct kmem_cache_args passed */
        kcache *c = &x->kc[i];
        int64_t v, u;
        if (c->args == NULL)
            continue;
        if (karg_field(c->args, ka_off[KA_ALIGN], ka_size[KA_ALIGN], &v))
            c->align = v;
        if (karg_field(c->args, ka_off[KA_CTOR], ka_size[KA_CTOR], &v))
            c->ctor = v != 0;
        if (karg_field(c->args, ka_off[KA_USE_FREEPTR], ka_size[KA_USE_FREEPTR], &u))
            c->freeptr = u == 0 ? -2
                         : karg_field(c->args, ka_off[KA_FREEPTR], ka_size[KA_FREEPTR], &v)
                         ? v : -1;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO kmem_caches (binary_id, name, global, "
                           "global_addr, object_size, align, flags, hwcache, ctor, creator, "
                           "function, pc, rcu, freeptr_offset) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,"
                           "?9,?10,?11,?12,?13,?14)", -1,
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
            if (hw_bit)
                sqlite3_bind_int(st, 8, (c->flags & hw_bit) != 0);
            if (rcu_bit)
                sqlite3_bind_int(st, 13, (c->flags & rcu_bit) != 0);
        }
        if (c->freeptr >= 0)
            sqlite3_bind_int64(st, 14, c->freeptr);
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
