/*
** classes.c -- allocator models and size classes in the database
** (contract in classes.h).
*/
#include "classes.h"
#include "sizeclass.h"

#include <stddef.h>
#include <stdlib.h>

typedef struct cl_pick {
    int64_t binary_id;
    sc_model model;
    const char *why;
} cl_pick;

static int cl_fill_models(sqlite3 *db, const char *path, hp_err *err)
{
    static const char sel_sql[] =
        "SELECT b.id, b.path, b.producer,"
        " EXISTS (SELECT 1 FROM types t WHERE t.binary_id = b.id AND t.lang = 'Go'),"
        " EXISTS (SELECT 1 FROM allocators a WHERE a.binary_id = b.id"
        "         AND a.name IN ('kmalloc', '__kmalloc', 'kmem_cache_alloc'))"
        " FROM binaries b"
        " WHERE NOT EXISTS (SELECT 1 FROM alloc_models m WHERE m.binary_id = b.id)";
    sqlite3_stmt *st = NULL;
    cl_pick *picks = NULL;
    size_t n = 0, cap = 0;
    int rc, status = -1;
    if (sqlite3_prepare_v2(db, sel_sql, -1, &st, NULL) != SQLITE_OK)
        goto dberr;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cl_pick *p = HP_PUSH(picks, n, cap);
        p->binary_id = sqlite3_column_int64(st, 0);
        p->model = sc_pick((const char *)sqlite3_column_text(st, 1),
                           (const char *)sqlite3_column_text(st, 2),
                           sqlite3_column_int(st, 3), sqlite3_column_int(st, 4), &p->why);
    }
    if (rc != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO alloc_models(binary_id, allocator, chosen, why)"
                           " VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK)
        goto dberr;
    for (size_t i = 0; i < n; i++) {
        for (int m = 0; m < SC_NMODELS; m++) {
            if (m == SC_GO_NOSCAN || m == SC_SLAB)   /* variants, not models to choose */
                continue;
            sqlite3_bind_int64(st, 1, picks[i].binary_id);
            sqlite3_bind_text(st, 2, sc_name((sc_model)m), -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 3, m == (int)picks[i].model);
            if (m == (int)picks[i].model)
                sqlite3_bind_text(st, 4, picks[i].why, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, 4);
            if (sqlite3_step(st) != SQLITE_DONE)
                goto dberr;
            sqlite3_reset(st);
        }
    }
    status = 0;
    goto done;
dberr:
    hp_errf(err, path, "cannot store allocator models: %s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(st);
    free(picks);
    return status;
}

typedef struct cl_req {
    uint64_t binary_id, request;
} cl_req;

/* Append the non-negative integer values of columns first..last of every
** row of sql, each with the row's column 0 (the binary). */
static int cl_collect(sqlite3 *db, const char *sql, int first, int last, cl_req **v,
                      size_t *n, size_t *cap)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 b = sqlite3_column_int64(st, 0);
        for (int c = first; c <= last; c++) {
            /* sizes come from a file: only non-negative integers are requests */
            if (sqlite3_column_type(st, c) != SQLITE_INTEGER || sqlite3_column_int64(st, c) < 0)
                continue;
            cl_req *r = HP_PUSH(*v, *n, *cap);
            r->binary_id = (uint64_t)b;
            r->request = (uint64_t)sqlite3_column_int64(st, c);
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int cl_fill(sqlite3 *db, const char *path, hp_err *err)
{
    /* Every request size the views join on: one object of each type, and
    ** each site's request before and after reordering (site_rows, a view
    ** over four joins, evaluated once).  Gathered and made distinct here
    ** rather than by a UNION in SQL, which built temporary b-trees over
    ** every types row and was most of this function's time. */
    if (cl_fill_models(db, path, err) != 0)
        return -1;
    sqlite3_stmt *st = NULL;
    cl_req *reqs = NULL;
    size_t n = 0, cap = 0;
    int status = -1;
    if (cl_collect(db, "SELECT binary_id, size, optimal_size FROM types", 1, 2, &reqs, &n,
                   &cap) != 0 ||
        cl_collect(db, "SELECT binary_id, class_request, class_request_after FROM site_rows",
                   1, 2, &reqs, &n, &cap) != 0 ||
        cl_collect(db, "SELECT binary_id, request, request_after FROM site_size_waste"
                   " WHERE chosen = 1", 1, 2, &reqs, &n, &cap) != 0 ||
        cl_collect(db, "SELECT binary_id, (size + max(align, 8) - 1) / max(align, 8)"
                   " * max(align, 8), (optimal_size + max(align, 8) - 1) / max(align, 8)"
                   " * max(align, 8) FROM types WHERE id IN (SELECT type_id FROM site_rows"
                   " WHERE cache)", 1, 2,
                   &reqs, &n, &cap) != 0)
        goto dberr;
    hp_radix_sort(reqs, n, sizeof *reqs, offsetof(cl_req, request));
    hp_radix_sort(reqs, n, sizeof *reqs, offsetof(cl_req, binary_id));
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || reqs[i].binary_id != reqs[u - 1].binary_id ||
            reqs[i].request != reqs[u - 1].request)
            reqs[u++] = reqs[i];
    n = u;
    if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO alloc_classes(binary_id, allocator,"
                           " request, bytes) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK)
        goto dberr;
    for (size_t i = 0; i < n; i++) {
        uint64_t req = reqs[i].request;
        for (int m = 0; m < SC_NMODELS; m++) {
            sqlite3_bind_int64(st, 1, (sqlite3_int64)reqs[i].binary_id);
            sqlite3_bind_text(st, 2, sc_name((sc_model)m), -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)reqs[i].request);
            if (req > SC_MAX_REQUEST)
                sqlite3_bind_null(st, 4);
            else
                sqlite3_bind_int64(st, 4, (int64_t)sc_class((sc_model)m, req));
            if (sqlite3_step(st) != SQLITE_DONE)
                goto dberr;
            sqlite3_reset(st);
        }
    }
    status = 0;
    goto done;
dberr:
    hp_errf(err, path, "cannot store allocator classes: %s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(st);
    free(reqs);
    return status;
}
