/*
** rank.c -- `holeprof top` (contract in rank.h; the arithmetic is in
** db/schema.sql's views, the classes they join are classes.c's).
**
** top reads waste_all (one row per type and model: classes and the sums
** over the type's sites) and site_waste_all (one row per site, type and
** model), orders the types itself, picks each type's worst site itself,
** and prints through a TEMP table so that csv and json come out of fmt.c
** exactly as `holeprof query` and the sqlite3 CLI print queries/worst.sql.
** Order: heap_saved, struct_saved, saving (all descending), then name and
** type_id ascending -- the ORDER BY of queries/worst.sql.  A type's worst
** site: largest heap_saved, then struct_saved, then allocations, then the
** lowest site id.  SQL sorts NULL below every number; so does rk_cmp_num.
*/
#include "profile.h"
#include "rank.h"
#include "cifmt.h"
#include "layout.h"
#include "report.h"
#include "sizeclass.h"
#include "store.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Values beyond these are damage, not data. */
#define RK_MAX_INT ((int64_t)1 << 56)
#define RK_MAX_REAL 1e30

/* ---- holeprof top ---- */

enum {
    RK_TYPE_ID, RK_KIND, RK_NAME, RK_SIZE, RK_OPTIMAL, RK_ALLOCATOR, RK_CLASS_NOW,
    RK_CLASS_AFTER, RK_ALLOCS, RK_SOURCE, RK_AMBIG, RK_SITES, RK_HEAP, RK_STRUCT,
    RK_SAVING, RK_BINARY, RK_VERDICT, RK_SECTION, RK_VARIABLE, RK_FLAGS, RK_NCOLS
};

/* top's sections (waste_all.section): what the ranking may claim */
enum { RK_SEC_SAVES = 1, RK_SEC_RAW = 2, RK_SEC_NOSITE = 3, RK_SEC_FIXED = 4, RK_NSEC = 5 };

typedef struct rk_row {
    sqlite3_value *v[RK_NCOLS];
    int64_t type_id, saving, section;
    double heap, strct;
    const char *name;
    /* the worst site so far */
    int has_worst;
    int64_t w_site;
    double w_heap, w_struct, w_allocs;
    char *worst;
} rk_row;

/* A number read back from the database, NULL as -inf (SQL's NULL sorts
** below every number). */
static int rk_num(sqlite3_stmt *s, int col, double *out)
{
    int t = sqlite3_column_type(s, col);
    if (t == SQLITE_NULL) {
        *out = -INFINITY;
        return 0;
    }
    if (t != SQLITE_INTEGER && t != SQLITE_FLOAT)
        return -1;
    double d = sqlite3_column_double(s, col);
    if (!isfinite(d) || fabs(d) > RK_MAX_REAL)
        return -1;
    *out = d;
    return 0;
}

static int rk_cmp_num(double a, double b)
{
    return (a > b) - (a < b);
}

static int rk_by_id(const void *a, const void *b)
{
    int64_t x = ((const rk_row *)a)->type_id, y = ((const rk_row *)b)->type_id;
    return (x > y) - (x < y);
}

static int rk_by_rank(const void *pa, const void *pb)
{
    const rk_row *a = pa, *b = pb;
    int c;
    if (a->section != b->section)
        return a->section < b->section ? -1 : 1;
    if ((c = rk_cmp_num(b->heap, a->heap)) != 0)
        return c;
    if ((c = rk_cmp_num(b->strct, a->strct)) != 0)
        return c;
    if (a->saving != b->saving)
        return a->saving < b->saving ? 1 : -1;
    if ((c = strcmp(a->name, b->name)) != 0)
        return c;
    return rk_by_id(pa, pb);
}

static void rk_rows_free(rk_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < RK_NCOLS; k++)
            sqlite3_value_free(rows[i].v[k]);
        free(rows[i].worst);
    }
    free(rows);
}

static const char rk_filter[] =
    " CASE WHEN ?1 IS NULL THEN chosen = 1 ELSE allocator = ?1 END";

/* The ranking rows of `from`: waste_all, or a table of its rows (rk_rank_from). */
static int rk_load(sqlite3 *db, const char *path, const char *from, const char *allocator,
                   int64_t min_saving, rk_row **out, size_t *nout, hp_err *err)
{
    char *sql = sqlite3_mprintf(
        "SELECT type_id, kind, name, size, optimal_size, allocator, class_now, class_after,"
        " allocations, alloc_source, ambiguous_sites, sites, heap_saved, struct_saved, saving,"
        " (SELECT b.path FROM binaries b WHERE b.id = w.binary_id),"
        " verdict, section, variable_sites, flags"
        " FROM %s w WHERE reorderable = 1 AND saving > 0 AND saving >= ?2 AND%s", from, rk_filter);
    sqlite3_stmt *st = NULL;
    rk_row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        goto dberr;
    if (allocator)
        sqlite3_bind_text(st, 1, allocator, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, min_saving);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rk_row *r = HP_PUSH(rows, n, cap);
        memset(r, 0, sizeof *r);
        for (int k = 0; k < RK_NCOLS; k++)
            r->v[k] = sqlite3_value_dup(sqlite3_column_value(st, k));
        r->type_id = sqlite3_column_int64(st, RK_TYPE_ID);
        r->saving = sqlite3_column_int64(st, RK_SAVING);
        r->section = sqlite3_column_int64(st, RK_SECTION);
        int oom = 0;
        for (int k = 0; k < RK_NCOLS; k++)
            oom |= r->v[k] == NULL;     /* sqlite3_value_dup: only out of memory */
        if (oom) {
            sqlite3_finalize(st);
            rk_rows_free(rows, n);
            return hp_errf(err, path, "out of memory reading the ranking");
        }
        r->name = (const char *)sqlite3_value_text(r->v[RK_NAME]);
        if (sqlite3_column_type(st, RK_TYPE_ID) != SQLITE_INTEGER || r->name == NULL
            || r->saving <= 0 || r->saving > RK_MAX_INT || r->section < RK_SEC_SAVES
            || r->section >= RK_NSEC || rk_num(st, RK_HEAP, &r->heap) != 0
            || rk_num(st, RK_STRUCT, &r->strct) != 0) {
            long long id = (long long)sqlite3_column_int64(st, RK_TYPE_ID);
            sqlite3_finalize(st);
            rk_rows_free(rows, n);
            return hp_errf(err, path, "damaged database: bad ranking row for type %lld", id);
        }
    }
    if (rc != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(st);
    *out = rows;
    *nout = n;
    return 0;
dberr:
    hp_errf(err, path, "cannot read the ranking: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    rk_rows_free(rows, n);
    return -1;
}

/* Each type's worst site, from site_waste_all. */
static int rk_worst(sqlite3 *db, const char *path, const char *allocator, rk_row *rows,
                    size_t n, hp_err *err)
{
    char *sql = sqlite3_mprintf("SELECT type_id, site_id, heap_saved, struct_saved, allocations,"
                                " site FROM site_waste_all WHERE reorderable = 1 AND%s", rk_filter);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        goto dberr;
    if (allocator)
        sqlite3_bind_text(st, 1, allocator, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rk_row key;
        key.type_id = sqlite3_column_int64(st, 0);
        rk_row *r = n ? bsearch(&key, rows, n, sizeof *rows, rk_by_id) : NULL;
        if (r == NULL)
            continue;
        double h, s, a;
        int64_t site = sqlite3_column_int64(st, 1);
        if (rk_num(st, 2, &h) != 0 || rk_num(st, 3, &s) != 0 || rk_num(st, 4, &a) != 0) {
            sqlite3_finalize(st);
            return hp_errf(err, path, "damaged database: bad numbers for site %lld",
                           (long long)site);
        }
        int c = 0;
        if (r->has_worst) {
            if ((c = rk_cmp_num(h, r->w_heap)) == 0 && (c = rk_cmp_num(s, r->w_struct)) == 0
                && (c = rk_cmp_num(a, r->w_allocs)) == 0)
                c = site < r->w_site ? 1 : -1;
        }
        if (!r->has_worst || c > 0) {
            const unsigned char *t = sqlite3_column_text(st, 5);
            free(r->worst);
            r->worst = t ? hp_xstrdup((const char *)t) : NULL;
            r->has_worst = 1;
            r->w_site = site;
            r->w_heap = h;
            r->w_struct = s;
            r->w_allocs = a;
        }
    }
    if (rc != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(st);
    return 0;
dberr:
    hp_errf(err, path, "cannot read the sites' savings: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return -1;
}

/* Numbers for people: whole values without ".0", others to 2 places. */
static void rk_human(hp_buf *b, sqlite3_value *v)
{
    if (v == NULL || sqlite3_value_type(v) == SQLITE_NULL) {
        hp_buf_puts(b, "?");
        return;
    }
    double d = sqlite3_value_double(v);
    /* shares of ambiguous sites leave sums a hair off whole numbers */
    if (fabs(d - round(d)) < 0.005 && fabs(d) < 1e15)
        hp_buf_printf(b, "%.0f", round(d) == 0 ? 0.0 : round(d));
    else
        hp_buf_printf(b, "%.2f", d);
}

/* How many binaries the (possibly --binary filtered) database holds, and
** whether their file names tell them apart. */
static int64_t rk_binaries(sqlite3 *db, int *names_unique)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    *names_unique = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*), count(DISTINCT replace(path, rtrim(path,"
                           " replace(path, '/', '')), '')) FROM binaries", -1, &st, NULL)
            == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
        *names_unique = sqlite3_column_int64(st, 1) == n;
    }
    sqlite3_finalize(st);
    return n;
}

static const char *const rk_sec_title[RK_NSEC] = {
    NULL,
    NULL,
    "Raw savings only (no allocator class shrinks, the request depends on n, or only"
    " ambiguous size matches shrink one): cache density, not heap:",
    "No allocation site found (no evidence the type is on the heap), by raw saving:",
    "Layout fixed, not ranked (abi: a uapi or public header, the interface of exported"
    " functions, or a Rust #[repr(C)] struct; repr(Rust): rustc orders the fields itself):",
};

/* False sharing (view false_sharing): with field heat, the lines where a
** lock or atomic sits with members a profile saw accessed, busiest first;
** without, one line saying how many types keep a lock on a shared line.
** Best effort: a database without the view prints nothing. */
static void rk_false_sharing(sqlite3 *db, FILE *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT t.kind || ' ' || t.name, f.lock_name, f.lock_type, f.line,"
                           " f.others, f.hot, f.accesses,"
                           " (SELECT count(*) FROM member_heat h WHERE h.type_id = f.type_id),"
                           " t.optimal_size < t.size AND (t.flags & 49152) = 0"
                           " FROM false_sharing f JOIN types t ON t.id = f.type_id"
                           " WHERE f.others > 0 ORDER BY f.accesses DESC, t.name, f.line",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    int64_t hot_lines = 0, cold_types = 0;
    hp_buf names = { 0 };
    char *prev = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *tn = (const char *)sqlite3_column_text(st, 0);
        if (sqlite3_column_type(st, 5) != SQLITE_NULL && sqlite3_column_int64(st, 5) > 0) {
            if (hot_lines == 0)
                fprintf(out, "\nFalse sharing: a lock or atomic on a cacheline with members a"
                        " profile saw accessed (holeprof show TYPE):\n");
            if (hot_lines < 10)
                fprintf(out, "  %s: line %lld, %s %s with %lld other %s, %lld accessed"
                        " (%lld accesses)\n", tn ? tn : "?",
                        (long long)sqlite3_column_int64(st, 3),
                        sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2)
                                                   : "?",
                        sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1)
                                                   : "(anon)",
                        (long long)sqlite3_column_int64(st, 4),
                        sqlite3_column_int64(st, 4) == 1 ? "member" : "members",
                        (long long)sqlite3_column_int64(st, 5),
                        (long long)sqlite3_column_int64(st, 6));
            hot_lines++;
        } else if (sqlite3_column_int64(st, 7) == 0 && sqlite3_column_int(st, 8) && tn
                   && (prev == NULL || strcmp(prev, tn) != 0)) {
            /* a type no profile measured: rows of one type come together
            ** only among equal accesses (NULL), i.e. here */
            if (cold_types < 3)
                hp_buf_printf(&names, "%s%s", cold_types ? ", " : "", tn);
            cold_types++;
            free(prev);
            prev = hp_xstrdup(tn);
        }
    }
    sqlite3_finalize(st);
    if (hot_lines > 10)
        fprintf(out, "  (%lld more lines)\n", (long long)(hot_lines - 10));
    if (cold_types > 0)
        fprintf(out, "%lld reorderable %s without field heat %s a lock or atomic on a cacheline"
                " with other members (%s%s); whether those are written often needs a DHAT"
                " profile.\n",
                (long long)cold_types, cold_types == 1 ? "type" : "types",
                cold_types == 1 ? "keeps" : "keep", names.s ? names.s : "",
                cold_types > 3 ? ", ..." : "");
    free(prev);
    hp_buf_free(&names);
}

/* With measured counts: when none of the three most allocated types (any
** saving) gains, say so, with the share of the measured allocations the
** first section holds.  Best effort: nothing on a database error. */
static void rk_hot(sqlite3 *db, const char *allocator, double saves_allocs, FILE *out)
{
    char *sql = sqlite3_mprintf("SELECT kind || ' ' || name, allocations, verdict,"
                                " sum(allocations) OVER () FROM waste_all"
                                " WHERE alloc_source = 'measured' AND allocations > 0 AND%s"
                                " ORDER BY allocations DESC, name, type_id", rk_filter);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    if (allocator)
        sqlite3_bind_text(st, 1, allocator, -1, SQLITE_STATIC);
    hp_buf names = { 0 };
    int k = 0, gains = 0;
    double total = 0;
    while (k < 3 && sqlite3_step(st) == SQLITE_ROW) {
        const char *tn = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 2);
        gains |= v && strcmp(v, "saves") == 0;
        total = sqlite3_column_double(st, 3);
        hp_buf_printf(&names, "%s%s %.0f", k ? ", " : "", tn ? tn : "?",
                      sqlite3_column_double(st, 1));
        k++;
    }
    sqlite3_finalize(st);
    if (k > 0 && !gains && total > 0)
        fprintf(out, "nothing to gain in the hot objects: the most allocated types (%s,"
                " measured) do not shrink; the types whose class shrinks take %.2f%% of the"
                " measured allocations on struct-typed sites.\n", names.s,
                100.0 * saves_allocs / total);
    hp_buf_free(&names);
}

static int rk_print(sqlite3 *db, const char *path, rk_row *rows, size_t n, const rk_opts *o,
                    FILE *out, hp_err *err)
{
    static const char *const csv_cols =
        "rank, type_id, kind, name, size, optimal_size, allocator, class_now, class_after,"
        " allocations, alloc_source, ambiguous_sites, sites, heap_saved, struct_saved,"
        " worst_site, verdict, binary";
    int table = o->fmt == FMT_TABLE;
    /* a database of several binaries (merge, analyze A B, -r) says whose
    ** type each row is: the same name may rank once per binary; csv and
    ** json always carry the binary's path (as queries/worst.sql does) */
    int names_unique = 0;
    int many = rk_binaries(db, &names_unique) > 1;
    char *sql = table
        ? sqlite3_mprintf("CREATE TEMP TABLE rk_top(rank, section, type, binary, size,"
                          " allocator, class, allocations, heap_saved, struct_saved, worst_site,"
                          " verdict)")
        : sqlite3_mprintf("CREATE TEMP TABLE rk_top(%s)", csv_cols);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        hp_errf(err, path, "cannot build the ranking: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    sqlite3_stmt *ins = NULL, *sel = NULL;
    sql = sqlite3_mprintf("INSERT INTO rk_top VALUES (%s)",
                          table ? "?1,?2,?3,?12,?4,?5,?6,?7,?8,?9,?10,?11"
                                : "?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
                                  "?18");
    rc = sqlite3_prepare_v2(db, sql, -1, &ins, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        goto dberr;
    size_t per[RK_NSEC] = { 0 }, shown[RK_NSEC] = { 0 };
    for (size_t i = 0; i < n; i++)
        per[rows[i].section]++;
    size_t lim = o->n > 0 && (size_t)o->n < n ? (size_t)o->n : n;
    int any_ambig = 0, any_only = 0, any_var = 0, any_none = 0, any_slab = 0;
    /* section 1 with static weights only, every site outside loops: no
    ** evidence that any of it is allocated often */
    int once_only = per[RK_SEC_SAVES] > 0;
    double once_heap = 0, saves_allocs = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].section != RK_SEC_SAVES)
            continue;
        const char *src = (const char *)sqlite3_value_text(rows[i].v[RK_SOURCE]);
        saves_allocs += sqlite3_value_double(rows[i].v[RK_ALLOCS]);
        if (src == NULL || strcmp(src, "static") != 0
            || sqlite3_value_double(rows[i].v[RK_ALLOCS])
                   > (double)sqlite3_value_int64(rows[i].v[RK_SITES]))
            once_only = 0;
        else
            once_heap += rows[i].heap;
    }
    hp_buf b = { 0 };
    for (size_t i = 0; i < n; i++) {
        rk_row *r = &rows[i];
        /* the table: -n rows of each section; csv and json: the first -n */
        if (table ? (o->n > 0 && shown[r->section] >= (size_t)o->n) : i >= lim)
            continue;
        shown[r->section]++;
        sqlite3_bind_int64(ins, 1, (int64_t)i + 1);
        const char *verdict = (const char *)sqlite3_value_text(r->v[RK_VERDICT]);
        if (table) {
            sqlite3_bind_int64(ins, 2, r->section);
            hp_buf_reset(&b);
            hp_buf_printf(&b, "%s %s", sqlite3_value_text(r->v[RK_KIND]) ?
                          (const char *)sqlite3_value_text(r->v[RK_KIND]) : "?", r->name);
            sqlite3_bind_text(ins, 3, b.s, -1, SQLITE_TRANSIENT);
            hp_buf_reset(&b);
            rk_human(&b, r->v[RK_SIZE]);
            hp_buf_puts(&b, " -> ");
            rk_human(&b, r->v[RK_OPTIMAL]);
            sqlite3_bind_text(ins, 4, b.s, -1, SQLITE_TRANSIENT);
            sqlite3_bind_value(ins, 5, r->v[RK_ALLOCATOR]);
            hp_buf_reset(&b);
            if (sqlite3_value_int64(r->v[RK_FLAGS]) & TF_FLEX) {
                hp_buf_puts(&b, "depends on n");   /* one object has no fixed size */
            } else {
                rk_human(&b, r->v[RK_CLASS_NOW]);
                hp_buf_puts(&b, " -> ");
                rk_human(&b, r->v[RK_CLASS_AFTER]);
            }
            sqlite3_bind_text(ins, 6, b.s, -1, SQLITE_TRANSIENT);
            hp_buf_reset(&b);
            rk_human(&b, r->v[RK_ALLOCS]);
            const char *src = (const char *)sqlite3_value_text(r->v[RK_SOURCE]);
            int64_t amb = sqlite3_value_int64(r->v[RK_AMBIG]);
            int only = (amb > 0 && amb == sqlite3_value_int64(r->v[RK_SITES]))
                       || (verdict && strcmp(verdict, "ambiguous only") == 0);
            hp_buf_printf(&b, " %s%s", src ? src : "?", only ? "?" : amb > 0 ? "*" : "");
            any_ambig |= amb > 0 && !only;
            any_only |= only;
            any_none |= src && strcmp(src, "none") == 0;
            any_slab |= src && strcmp(src, "slabinfo") == 0;
            sqlite3_bind_text(ins, 7, b.s, -1, SQLITE_TRANSIENT);
            hp_buf_reset(&b);
            int64_t var = sqlite3_value_int64(r->v[RK_VARIABLE]);
            if (sqlite3_value_type(r->v[RK_HEAP]) == SQLITE_NULL && var > 0) {
                hp_buf_puts(&b, "depends on n");
            } else {
                rk_human(&b, r->v[RK_HEAP]);
                if (var > 0) {
                    hp_buf_puts(&b, " +n");
                    any_var = 1;
                }
            }
            sqlite3_bind_text(ins, 8, b.s, -1, SQLITE_TRANSIENT);
            hp_buf_reset(&b);
            rk_human(&b, r->v[RK_STRUCT]);
            sqlite3_bind_text(ins, 9, b.s, -1, SQLITE_TRANSIENT);
            /* the file's last component keeps the table readable; csv
            ** and json carry the whole path */
            const char *w = r->worst ? r->worst : "-", *slash = strrchr(w, '/');
            sqlite3_bind_text(ins, 10, slash && slash[1] ? slash + 1 : w, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 11, verdict ? verdict : "?", -1, SQLITE_TRANSIENT);
            const char *bp = (const char *)sqlite3_value_text(r->v[RK_BINARY]);
            const char *bs = bp ? strrchr(bp, '/') : NULL;
            sqlite3_bind_text(ins, 12, bp == NULL ? "?" : names_unique && bs && bs[1] ? bs + 1 : bp,
                              -1, SQLITE_TRANSIENT);
        } else {
            for (int k = 0; k < RK_SAVING; k++)
                sqlite3_bind_value(ins, k + 2, r->v[k]);
            if (r->worst)
                sqlite3_bind_text(ins, 16, r->worst, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(ins, 16);
            sqlite3_bind_value(ins, 17, r->v[RK_VERDICT]);
            sqlite3_bind_value(ins, 18, r->v[RK_BINARY]);
        }
        if (sqlite3_step(ins) != SQLITE_DONE) {
            hp_buf_free(&b);
            goto dberr;
        }
        sqlite3_reset(ins);
    }
    hp_buf_free(&b);
    sqlite3_finalize(ins);
    ins = NULL;
    if (!table) {
        if (sqlite3_prepare_v2(db, "SELECT * FROM rk_top ORDER BY rank", -1, &sel, NULL)
            != SQLITE_OK)
            goto dberr;
        int st = fmt_print_stmt(sel, o->fmt, out, err);
        sqlite3_finalize(sel);
        return st;
    }
    fprintf(out, "heap_saved: allocator bytes given back by the best member order, (class now"
            " - class after) x allocations; struct_saved: raw bytes, (size - optimal) x"
            " objects x allocations (cache density).  class: one object's; array sites"
            " and sites with a tail use their whole request (holeprof show TYPE).\n");
    if (n == 0) {
        fprintf(out, "no type can be made smaller by reordering its members\n");
        return 0;
    }
    const char *model = NULL;
    for (size_t i = 0; i < n && model == NULL; i++)
        model = (const char *)sqlite3_value_text(rows[i].v[RK_ALLOCATOR]);
    if (per[RK_SEC_SAVES] == 0)
        fprintf(out, "nothing to gain: no reordering moves any type into a smaller %s"
                " allocator class; the raw savings are listed apart below.\n",
                model ? model : "?");
    else if (once_only)
        fprintf(out, "nothing to gain in hot code: the %zu %s whose class shrinks %s allocated"
                " only outside loops (static weights, no profile), %.0f heap bytes in all;"
                " a profile (holeprof profile) says how often.\n", per[RK_SEC_SAVES],
                per[RK_SEC_SAVES] == 1 ? "type" : "types", per[RK_SEC_SAVES] == 1 ? "is" : "are",
                once_heap);
    else
        rk_hot(db, o->allocator, saves_allocs, out);
    sql = sqlite3_mprintf("SELECT rank, type,%s size, allocator, class, allocations,"
                          " heap_saved, struct_saved, worst_site, verdict FROM rk_top"
                          " WHERE section = ?1 ORDER BY rank", many ? " binary," : "");
    rc = sqlite3_prepare_v2(db, sql, -1, &sel, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        goto dberr;
    for (int k = RK_SEC_SAVES; k < RK_NSEC; k++) {
        if (per[k] == 0)
            continue;
        if (rk_sec_title[k])
            fprintf(out, "\n%s\n", rk_sec_title[k]);
        sqlite3_bind_int(sel, 1, k);
        if (fmt_print_stmt(sel, o->fmt, out, err) != 0) {
            sqlite3_finalize(sel);
            return -1;
        }
        sqlite3_reset(sel);
        if (shown[k] < per[k])
            fprintf(out, "(%zu more; -n 0 shows all)\n", per[k] - shown[k]);
    }
    sqlite3_finalize(sel);
    if (any_ambig)
        fprintf(out, "* includes ambiguous sites (only the size was known): their allocations are"
                " split evenly over the candidate types; see `holeprof sites`.\n");
    if (any_only)
        fprintf(out, "? built only from ambiguous sites (or its heap saving is only theirs):"
                " a guess from the size alone, not evidence that the type is allocated there.\n");
    if (any_var)
        fprintf(out, "+n: some sites ask for sizeof(T) + n*k or n*sizeof(T) bytes with n unknown;"
                " what they save depends on n and is not counted.\n");
    if (any_none)
        fprintf(out, "none: no allocation site of the type was found; ranked by raw saving.\n");
    if (any_slab)
        fprintf(out, "slabinfo: the objects alive now in the type's dedicated slab cache, as an"
                " imported /proc/slabinfo counts them (not allocations made); heap_saved is the"
                " slab memory they would give back.\n");
    rk_false_sharing(db, out);
    pf_print_coverage(db, 0, 3, out);   /* what the measured counts are out of */
    return 0;
dberr:
    hp_errf(err, path, "cannot build the ranking: %s", sqlite3_errmsg(db));
    sqlite3_finalize(ins);
    return -1;
}

/* A database from before the ranking tables, or one analyze did not
** finish filling: say so rather than print zeros. */
static int rk_check_filled(sqlite3 *db, const char *dbpath, hp_err *err)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM binaries),"
                                " (SELECT count(DISTINCT binary_id) FROM alloc_models)",
                                -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW
             && sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    if (!ok)
        return hp_errf(err, dbpath, "no allocator classes in this database (made by an older"
                       " holeprof): re-run holeprof analyze");
    return 0;
}

int rk_rank(sqlite3 *db, const char *dbpath, int64_t **ids, size_t *nids, hp_err *err)
{
    return rk_rank_from(db, dbpath, "waste_all", ids, nids, err);
}

int rk_rank_from(sqlite3 *db, const char *dbpath, const char *from, int64_t **ids,
                 size_t *nids, hp_err *err)
{
    rk_row *rows = NULL;
    size_t n = 0;
    *ids = NULL;
    *nids = 0;
    if (rk_check_filled(db, dbpath, err) != 0
        || rk_load(db, dbpath, from, NULL, 0, &rows, &n, err) != 0)
        return -1;
    if (n > 1)
        qsort(rows, n, sizeof *rows, rk_by_rank);
    *ids = hp_xcalloc(n ? n : 1, sizeof **ids);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].section != RK_SEC_FIXED)     /* an interface gets no suggestion */
            (*ids)[k++] = rows[i].type_id;
    *nids = k;
    rk_rows_free(rows, n);
    return 0;
}

/* ---- SARIF and Markdown (cifmt.h) ---- */

static const ci_rule rk_rules[] = {
    { "reorder-saves-heap", "ReorderSavesHeap",
      "Reordering the type's members moves it to a smaller allocator class",
      "The type has holes or tail padding, and the member order holeprof show DB TYPE"
      " prints makes it small enough for a smaller allocator size class: heap_saved bytes"
      " come back for its allocations.", CI_WARNING },
    { "reorder-saves-bytes", "ReorderSavesBytes",
      "Reordering the type's members makes it smaller",
      "The type has holes or tail padding that a better member order removes; its allocator"
      " class does not change (or no allocation of it is known), so the gain is cache"
      " density rather than heap.", CI_NOTE },
};

static int rk_ci(sqlite3 *db, const char *path, rk_row *rows, size_t n, const rk_opts *o,
                 FILE *out, hp_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT t.decl_file, coalesce(t.decl_line, 0), b.path"
                           " FROM types t JOIN binaries b ON b.id = t.binary_id WHERE t.id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return hp_errf(err, path, "cannot read types: %s", sqlite3_errmsg(db));
    ci_log l = { 0 };
    l.rules = rk_rules;
    l.nrules = sizeof rk_rules / sizeof rk_rules[0];
    /* a layout that is an interface (section 4) is no finding */
    while (n > 0 && rows[n - 1].section == RK_SEC_FIXED)
        n--;
    size_t lim = o->n > 0 && (size_t)o->n < n ? (size_t)o->n : n;
    ci_md(&l, "## holeprof top\n\n");
    ci_md_code(&l, path);
    ci_md(&l, ": %zu type%s a reordering makes smaller%s.\n\n", n, n == 1 ? "" : "s",
          lim < n ? "; the first shown" : "");
    if (lim > 0) {
        const char *hdr[9] = { "rank", "type", "size", "allocator", "class", "allocations",
                               "heap_saved", "struct_saved", "declared" };
        ci_md_row(&l, hdr, 9);
        ci_md(&l, "|--:|---|--:|---|--:|--:|--:|--:|---|\n");
    } else {
        ci_md(&l, "No type can be made smaller by reordering its members.\n");
    }
    hp_buf b = { 0 };
    for (size_t i = 0; i < lim; i++) {
        rk_row *r = &rows[i];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, r->type_id);
        const char *df = NULL, *bin = "";
        int64_t line = 0;
        if (sqlite3_step(st) == SQLITE_ROW) {
            df = (const char *)sqlite3_column_text(st, 0);
            line = sqlite3_column_int64(st, 1);
            bin = sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "";
        }
        const char *kind = sqlite3_value_text(r->v[RK_KIND])
                               ? (const char *)sqlite3_value_text(r->v[RK_KIND]) : "?";
        const char *alloc = sqlite3_value_text(r->v[RK_ALLOCATOR])
                                ? (const char *)sqlite3_value_text(r->v[RK_ALLOCATOR]) : "?";
        const char *src = sqlite3_value_text(r->v[RK_SOURCE])
                              ? (const char *)sqlite3_value_text(r->v[RK_SOURCE]) : "?";
        char *c[9];
        c[0] = hp_xasprintf("%zu", i + 1);
        char *tn = hp_xasprintf("%s %s", kind, r->name);
        c[1] = ci_md_cell_code(tn);
        hp_buf_reset(&b);
        rk_human(&b, r->v[RK_SIZE]);
        hp_buf_puts(&b, " -> ");
        rk_human(&b, r->v[RK_OPTIMAL]);
        c[2] = hp_xstrdup(b.s);
        c[3] = hp_xstrdup(alloc);
        hp_buf_reset(&b);
        rk_human(&b, r->v[RK_CLASS_NOW]);
        hp_buf_puts(&b, " -> ");
        rk_human(&b, r->v[RK_CLASS_AFTER]);
        c[4] = hp_xstrdup(b.s);
        hp_buf_reset(&b);
        rk_human(&b, r->v[RK_ALLOCS]);
        hp_buf_printf(&b, " %s", src);
        c[5] = hp_xstrdup(b.s);
        hp_buf_reset(&b);
        rk_human(&b, r->v[RK_HEAP]);
        c[6] = hp_xstrdup(b.s);
        hp_buf_reset(&b);
        rk_human(&b, r->v[RK_STRUCT]);
        c[7] = hp_xstrdup(b.s);
        const char *slash = df ? strrchr(df, '/') : NULL;
        char *decl = df ? hp_xasprintf("%s:%lld", slash ? slash + 1 : df, (long long)line)
                        : hp_xstrdup("?");
        c[8] = ci_md_cell_code(decl);
        ci_md_row(&l, (const char *const *)c, 9);

        const char *bslash = strrchr(bin, '/');
        char *id = hp_xasprintf("top\x1f%s\x1f%s\x1f%s\x1f%s", bslash ? bslash + 1 : bin, kind,
                                r->name, slash ? slash + 1 : df ? df : "");
        int heap = r->heap > 0 && r->section == RK_SEC_SAVES;
        ci_add(&l, heap ? 0 : 1, heap ? CI_WARNING : CI_NOTE, df, line, bin, id,
               "%s: size %s bytes in the suggested order; %s class %s bytes; allocations %s;"
               " heap bytes saved %s, struct bytes saved %s%s%s", tn, c[2], alloc, c[4], c[5],
               c[6], c[7], r->worst ? "; worst site " : "", r->worst ? r->worst : "");
        free(id);
        free(decl);
        free(tn);
        for (int k = 0; k < 9; k++)
            free(c[k]);
    }
    if (lim < n)
        ci_md(&l, "\n(%zu more; -n 0 shows all)\n", n - lim);
    sqlite3_finalize(st);
    hp_buf_reset(&b);
    ci_render(&l, o->fmt, &b);
    ci_free(&l);
    int rc = 0;
    if ((b.len > 0 && fwrite(b.s, 1, b.len, out) != b.len) || fflush(out) != 0)
        rc = hp_errf(err, NULL, "write error");
    hp_buf_free(&b);
    return rc;
}

int rk_top(const char *dbpath, const rk_opts *o, FILE *out, hp_err *err)
{
    sqlite3 *db = NULL;
    rk_row *rows = NULL;
    size_t n = 0;
    int status = HP_EXIT_ERROR;
    sc_model m;
    if (o->allocator && (sc_parse(o->allocator, &m) != 0 || m == SC_GO_NOSCAN
                         || m == SC_SLAB))
        return hp_errf(err, NULL, "unknown allocator '%s' (glibc, jemalloc, mimalloc, go,"
                       " kmalloc)", o->allocator), HP_EXIT_ERROR;
    if (st_open_read(dbpath, &db, err) != 0)
        return HP_EXIT_ERROR;
    if (o->binary && mrg_select_binary(db, dbpath, o->binary, NULL, err) != 0)
        goto out;
    if (pf_apply(db, dbpath, err) != 0)
        goto out;
    if (rk_check_filled(db, dbpath, err) != 0)
        goto out;
    if (rk_load(db, dbpath, "waste_all", o->allocator, o->min_saving, &rows, &n, err) != 0)
        goto out;
    if (n > 1)
        qsort(rows, n, sizeof *rows, rk_by_id);
    if (rk_worst(db, dbpath, o->allocator, rows, n, err) != 0)
        goto out;
    if (n > 1)
        qsort(rows, n, sizeof *rows, rk_by_rank);
    if (o->fmt == FMT_SARIF || o->fmt == FMT_MARKDOWN ? rk_ci(db, dbpath, rows, n, o, out, err)
                                                       : rk_print(db, dbpath, rows, n, o, out, err))
        goto out;
    status = HP_EXIT_OK;
out:
    rk_rows_free(rows, n);
    sqlite3_close(db);
    return status;
}
