/*
** sites/write.c -- the sites, their candidates, the allocators and the
** scan summary, written into the writer's open transaction.
**
** Contract: tables sites (cache_id: the kmem_caches row ev_slab.c wrote
** before), site_candidates, allocators and site_scan of
** db/schema.sql, as db/README.md documents them; every value bound as a
** parameter, NULL for what is not known.  Only database errors are
** returned.
*/
#include "sites/internal.h"

static const char *const fam_names[] = {
    "c", "c++", "go", "rust", "glib", "jemalloc", "tcmalloc", "mimalloc", "kernel",
    "user", "wrapper"
};

static const char *const origin_names[] = { "builtin", "user", "config", "wrapper" };

static int dberr(sqlite3 *db, hp_err *err, const char *what)
{
    return hp_errf(err, NULL, "sites: %s: %s", what, sqlite3_errmsg(db));
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

int si_write_scan(si_ctx *x, const char *note, hp_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO site_scan (binary_id, arch, functions, analyzed, "
                           "instructions, bad_bytes, sites, typed, ambiguous, wrappers, skipped, "
                           "note) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)", -1, &st,
                           NULL) != SQLITE_OK)
        return dberr(x->db, err, "site_scan");
    const si_stats *s = x->st;
    sqlite3_bind_int64(st, 1, x->binary_id);
    bind_text(st, 2, x->img->arch);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)s->functions);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)s->analyzed);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)s->instructions);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)s->bad_bytes);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)s->sites);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)s->typed);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)s->ambiguous);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)s->wrappers);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)s->skipped);
    bind_text(st, 12, note);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : dberr(x->db, err, "site_scan");
}

int si_write_allocators(si_ctx *x, hp_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO allocators (binary_id, name, address, family, "
                           "origin, size_arg, count_arg, type_arg, wraps, reason, sites) "
                           "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)", -1, &st, NULL)
        != SQLITE_OK)
        return dberr(x->db, err, "allocators");
    for (size_t i = 0; i < x->nallocs; i++) {
        const alloc *a = &x->allocs[i];
        if (a->flags & AF_CACHE_CREATE)
            continue;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        sqlite3_bind_int64(st, 1, x->binary_id);
        bind_text(st, 2, a->name);
        if (a->addr)
            sqlite3_bind_int64(st, 3, (sqlite3_int64)a->addr);
        bind_text(st, 4, fam_names[a->family]);
        bind_text(st, 5, origin_names[a->origin]);
        if (a->size >= 0)
            sqlite3_bind_int(st, 6, a->size);
        if (a->count >= 0)
            sqlite3_bind_int(st, 7, a->count);
        if (a->type >= 0)
            sqlite3_bind_int(st, 8, a->type);
        bind_text(st, 9, a->wraps >= 0 ? x->allocs[a->wraps].name : NULL);
        bind_text(st, 10, a->reason);
        sqlite3_bind_int64(st, 11, a->nsites);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return dberr(x->db, err, "allocators");
        }
    }
    sqlite3_finalize(st);
    return 0;
}

/* Write the attributed sites and their candidates. */
int si_write_sites(si_ctx *x, hp_err *err)
{
    const int64_t *ids = x->type_ids;
    int rc = -1;
    sqlite3_stmt *ins = NULL, *cand = NULL;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO sites (binary_id, pc, function, file, line, "
                           "allocator, size, count, type_id, method, confidence, static_weight, "
                           "loop_depth, kind, indirect, inline_depth, ambiguous, candidates, "
                           "type_name, size_from, source_function, cache_id) VALUES (?1,?2,?3,"
                           "?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,"
                           "?22)", -1, &ins,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(x->db, "INSERT OR IGNORE INTO site_candidates (site_id, type_id, "
                           "method, confidence) VALUES (?1,?2,?3,?4)", -1, &cand, NULL)
        != SQLITE_OK) {
        dberr(x->db, err, "sites");
        goto out;
    }
    for (size_t i = 0; i < x->ndone; i++) {
        const done *o = &x->done[i];
        site_ev *e = &x->sites[o->ev];
        alloc *A = &x->allocs[e->alloc];
        const dl_site *d = o->d;
        const fin *r = &o->r;
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        sqlite3_bind_int64(ins, 1, x->binary_id);
        sqlite3_bind_int64(ins, 2, (sqlite3_int64)e->pc);
        bind_text(ins, 3, x->fns[e->fn].name);
        bind_text(ins, 4, d ? d->file : NULL);
        if (d && d->line)
            sqlite3_bind_int64(ins, 5, d->line);
        bind_text(ins, 6, A->name);
        if (r->size_known)
            sqlite3_bind_int64(ins, 7, r->size);
        if (r->count_known)
            sqlite3_bind_int64(ins, 8, r->count);
        if (r->type)
            sqlite3_bind_int64(ins, 9, ids[r->type->tsi]);
        bind_text(ins, 10, r->method);
        sqlite3_bind_double(ins, 11, r->type ? r->conf : 0.0);
        sqlite3_bind_int64(ins, 12, o->weight);
        sqlite3_bind_int64(ins, 13, e->loop_depth);
        bind_text(ins, 14, e->kind == SK_TAIL ? "tail" : "call");
        sqlite3_bind_int(ins, 15, e->indirect);
        sqlite3_bind_int64(ins, 16, d ? d->inline_depth : 0);
        sqlite3_bind_int(ins, 17, r->ambiguous);
        sqlite3_bind_int64(ins, 18, (sqlite3_int64)r->ncand_total);
        bind_text(ins, 19, r->type_name);
        bind_text(ins, 20, r->size_from);
        bind_text(ins, 21, d ? d->subprogram : NULL);
        if (r->cache > 0 && (size_t)r->cache <= x->nkc && x->kc[r->cache - 1].id > 0)
            sqlite3_bind_int64(ins, 22, x->kc[r->cache - 1].id);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            dberr(x->db, err, "sites");
            goto out;
        }
        e->id = sqlite3_last_insert_rowid(x->db);
        A->nsites++;
        x->st->sites++;
        if (r->type)
            x->st->typed++;
        if (r->ambiguous)
            x->st->ambiguous++;
        double c = r->cand_method && strcmp(r->cand_method, "stores") == 0 ? CONF_STORES : CONF_SIZE;
        for (size_t k = 0; k < r->ncand; k++) {
            sqlite3_reset(cand);
            sqlite3_bind_int64(cand, 1, e->id);
            sqlite3_bind_int64(cand, 2, ids[r->cand[k]->tsi]);
            bind_text(cand, 3, r->cand_method);
            sqlite3_bind_double(cand, 4, c / (double)r->ncand_total);
            if (sqlite3_step(cand) != SQLITE_DONE) {
                dberr(x->db, err, "site_candidates");
                goto out;
            }
        }
    }
    rc = 0;
out:
    if (ins)
        sqlite3_finalize(ins);
    if (cand)
        sqlite3_finalize(cand);
    return rc;
}

