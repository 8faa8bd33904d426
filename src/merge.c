/*
** merge.c -- many binaries in one database: `holeprof merge OUT IN...`
** and the `--binary SEL` filter of the read-side commands.
**
** Contract (report.h):
**
** mrg_merge() writes OUT through the store's temporary-file writer (which
** asks outfile.h what may be at OUT: devices and FIFOs are written through,
** symlinks keep pointing where they did, other files are refused unless
** force), so OUT
** appears only when every input was copied, and an existing OUT is left
** untouched on failure (OUT may also be one of the inputs: it is read
** before the new file replaces it).  Each input is opened with
** st_open_read(), which refuses files that are not holeprof databases or
** come from another schema version, and st_check_schema() refuses an
** input whose schema is not exactly the built-in one.  The copy is generic over the schema
** the program was built with, so tables added later (sites, counts...)
** merge without changes here: every table of the output schema is copied
** column by column, and integer keys are renumbered, each table's `id`
** by the largest id already in OUT, each foreign key (PRAGMA
** foreign_key_list, else a column NAME_id naming table NAME[s|es], with
** y->ies) by its parent's shift.  An input table the program does not know
** is an error (merging it would silently drop data), and so is an input
** lacking one (every schema change bumps the version).  A binary that is already in OUT
** (same path and build-id) is refused: merging a shard twice would count
** its types twice.
**
** mrg_copy_into() is the same copy into a writer's connection (analyze
** --update); mrg_drop_binary() removes one binary's rows and, table by
** table through the same keys, every row that hangs off them.
**
** mrg_select_binary() restricts an open read-only connection to one
** binary by shadowing: TEMP views with the names of the main tables come
** first in SQLite's name lookup, so every later unqualified query (query
** files included) sees only that binary's rows.  Tables are filtered by
** binary_id, or through their foreign keys to a filtered table; every main
** view holeprof makes is re-created as a TEMP view from the schema compiled
** into the program (never from the text stored in the file, which is
** input), so that it reads the filtered tables.
** SEL is an id, a build-id (or a prefix of one, at least 8 hex digits), a
** path as stored, or a path's last component; the first of these forms
** that matches decides, and it must match exactly one binary.
*/
#include "report.h"
#include "store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MRG_MAX_COLS 256

/* ---- schema introspection (the output schema is ours; inputs are not) -- */

typedef struct mrg_col {
    char *name;
    int parent;         /* index of the referenced table, -1 if none */
    int is_id;          /* the table's INTEGER PRIMARY KEY named id */
} mrg_col;

typedef struct mrg_table {
    char *name;
    mrg_col *cols;
    size_t ncols, cap;
    int has_id;
    int64_t shift;      /* for the current input */
} mrg_table;

typedef struct mrg_schema {
    mrg_table *t;
    size_t n, cap;
} mrg_schema;

static void mrg_schema_free(mrg_schema *s)
{
    for (size_t i = 0; i < s->n; i++) {
        for (size_t j = 0; j < s->t[i].ncols; j++)
            free(s->t[i].cols[j].name);
        free(s->t[i].cols);
        free(s->t[i].name);
    }
    free(s->t);
    memset(s, 0, sizeof *s);
}

static int mrg_find_table(const mrg_schema *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (sqlite3_stricmp(s->t[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* "binary_id" -> the table it names by convention: binaries, types, sites. */
static int mrg_guess_parent(const mrg_schema *s, const char *col)
{
    size_t n = strlen(col);
    if (n <= 3 || strcmp(col + n - 3, "_id") != 0)
        return -1;
    char *base = hp_xstrndup(col, n - 3);
    size_t bn = n - 3;
    char *cand[3];
    cand[0] = hp_xasprintf("%ss", base);
    cand[1] = hp_xasprintf("%ses", base);
    cand[2] = bn > 0 && base[bn - 1] == 'y' ? hp_xasprintf("%.*sies", (int)(bn - 1), base)
                                            : hp_xstrdup(base);
    int found = -1;
    for (int i = 0; i < 3 && found < 0; i++)
        found = mrg_find_table(s, cand[i]);
    for (int i = 0; i < 3; i++)
        free(cand[i]);
    free(base);
    return found;
}

/* Read the tables, columns and keys of schema `db_name` ("main") of db. */
static int mrg_load_schema(sqlite3 *db, const char *path, mrg_schema *s, hp_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (sqlite3_prepare_v2(db, "SELECT name FROM main.sqlite_schema WHERE type = 'table'"
                           " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        return hp_errf(err, path, "cannot read schema: %s", sqlite3_errmsg(db));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (name == NULL)
            continue;
        mrg_table *t = HP_PUSH(s->t, s->n, s->cap);
        memset(t, 0, sizeof *t);
        t->name = hp_xstrdup(name);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hp_errf(err, path, "cannot read schema: %s", sqlite3_errmsg(db));

    for (size_t i = 0; i < s->n; i++) {
        mrg_table *t = &s->t[i];
        char *sql = sqlite3_mprintf("PRAGMA main.table_info(\"%w\")", t->name);
        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        sqlite3_free(sql);
        if (rc != SQLITE_OK)
            return hp_errf(err, path, "cannot read table %s: %s", t->name, sqlite3_errmsg(db));
        int npk = 0, id_pk = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *cn = (const char *)sqlite3_column_text(st, 1);
            const char *ty = (const char *)sqlite3_column_text(st, 2);
            int pk = sqlite3_column_int(st, 5);
            if (cn == NULL || t->ncols >= MRG_MAX_COLS)
                continue;
            mrg_col *c = HP_PUSH(t->cols, t->ncols, t->cap);
            c->name = hp_xstrdup(cn);
            c->parent = -1;
            c->is_id = 0;
            if (pk > 0)
                npk++;
            if (pk == 1 && strcmp(cn, "id") == 0 && ty && sqlite3_stricmp(ty, "INTEGER") == 0)
                id_pk = 1;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return hp_errf(err, path, "cannot read table %s: %s", t->name, sqlite3_errmsg(db));
        if (id_pk && npk == 1) {
            t->has_id = 1;
            for (size_t j = 0; j < t->ncols; j++)
                if (strcmp(t->cols[j].name, "id") == 0)
                    t->cols[j].is_id = 1;
        }
    }

    /* Keys: declared foreign keys first, then the NAME_id convention. */
    for (size_t i = 0; i < s->n; i++) {
        mrg_table *t = &s->t[i];
        char *sql = sqlite3_mprintf("PRAGMA main.foreign_key_list(\"%w\")", t->name);
        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        sqlite3_free(sql);
        if (rc != SQLITE_OK)
            return hp_errf(err, path, "cannot read keys of %s: %s", t->name, sqlite3_errmsg(db));
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *parent = (const char *)sqlite3_column_text(st, 2);
            const char *from = (const char *)sqlite3_column_text(st, 3);
            if (parent == NULL || from == NULL)
                continue;
            int p = mrg_find_table(s, parent);
            for (size_t j = 0; j < t->ncols && p >= 0; j++)
                if (strcmp(t->cols[j].name, from) == 0 && s->t[p].has_id)
                    t->cols[j].parent = p;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return hp_errf(err, path, "cannot read keys of %s: %s", t->name, sqlite3_errmsg(db));
        for (size_t j = 0; j < t->ncols; j++) {
            mrg_col *c = &t->cols[j];
            if (c->parent < 0 && !c->is_id) {
                int p = mrg_guess_parent(s, c->name);
                if (p >= 0 && s->t[p].has_id)
                    c->parent = p;
            }
        }
    }
    return 0;
}

/* Does table `tname` of input `in` have column `col`? */
static int mrg_has_col(sqlite3 *in, const char *tname, const char *col)
{
    sqlite3_stmt *st = NULL;
    char *sql = sqlite3_mprintf("PRAGMA main.table_info(\"%w\")", tname);
    int found = 0;
    if (sqlite3_prepare_v2(in, sql, -1, &st, NULL) == SQLITE_OK)
        while (!found && sqlite3_step(st) == SQLITE_ROW) {
            const char *cn = (const char *)sqlite3_column_text(st, 1);
            found = cn != NULL && strcmp(cn, col) == 0;
        }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return found;
}

static int64_t mrg_max_id(sqlite3 *db, const char *tname)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    char *sql = sqlite3_mprintf("SELECT coalesce(max(id), 0) FROM main.\"%w\"", tname);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return v;
}

/* Refuse a binary that OUT already holds (same path and build-id). */
static int mrg_check_dups(sqlite3 *out, sqlite3 *in, const char *inpath, const char *outpath,
                          hp_err *err)
{
    sqlite3_stmt *a = NULL, *b = NULL;
    int status = -1;
    if (sqlite3_prepare_v2(in, "SELECT path, build_id FROM binaries WHERE build_id IS NOT NULL",
                           -1, &a, NULL) != SQLITE_OK) {
        hp_errf(err, inpath, "cannot read binaries: %s", sqlite3_errmsg(in));
        goto done;
    }
    if (sqlite3_prepare_v2(out, "SELECT 1 FROM main.binaries WHERE path = ?1 AND build_id = ?2",
                           -1, &b, NULL) != SQLITE_OK) {
        hp_errf(err, outpath, "cannot read binaries: %s", sqlite3_errmsg(out));
        goto done;
    }
    int rc;
    while ((rc = sqlite3_step(a)) == SQLITE_ROW) {
        sqlite3_bind_value(b, 1, sqlite3_column_value(a, 0));
        sqlite3_bind_value(b, 2, sqlite3_column_value(a, 1));
        int dup = sqlite3_step(b) == SQLITE_ROW;
        sqlite3_reset(b);
        if (dup) {
            hp_errf(err, inpath, "binary %s (build-id %s) is already in the merge;"
                    " was this database given twice?", (const char *)sqlite3_column_text(a, 0),
                    (const char *)sqlite3_column_text(a, 1));
            goto done;
        }
    }
    if (rc != SQLITE_DONE) {
        hp_errf(err, inpath, "cannot read binaries: %s", sqlite3_errmsg(in));
        goto done;
    }
    status = 0;
done:
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    return status;
}

/* Tables of the input that the output schema lacks: refuse to drop them. */
static int mrg_check_unknown(sqlite3 *in, const char *inpath, const mrg_schema *s, hp_err *err)
{
    sqlite3_stmt *st = NULL;
    int status = 0, rc;
    if (sqlite3_prepare_v2(in, "SELECT name FROM main.sqlite_schema WHERE type = 'table'"
                           " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'", -1, &st, NULL) != SQLITE_OK)
        return hp_errf(err, inpath, "cannot read schema: %s", sqlite3_errmsg(in));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (name != NULL && mrg_find_table(s, name) < 0) {
            status = hp_errf(err, inpath, "has table '%s' that this holeprof does not know;"
                             " merge with the holeprof that made it", name);
            break;
        }
    }
    if (status == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
        status = hp_errf(err, inpath, "cannot read schema: %s", sqlite3_errmsg(in));
    sqlite3_finalize(st);
    return status;
}

/* Copy one table of `in` into OUT, shifting ids and keys. */
static int mrg_copy_table(sqlite3 *out, sqlite3 *in, const char *inpath, const char *outpath,
                          const mrg_schema *s, const mrg_table *t, int64_t *rows, hp_err *err)
{
    /* The input may predate a table or column: copy what both have, but
    ** a missing NOT NULL column would be a different schema after all,
    ** and the insert will say so. */
    hp_buf sel = { 0 }, ins = { 0 }, vals = { 0 };
    int *src = hp_xcalloc(t->ncols + 1, sizeof *src);
    int n = 0, status = -1;
    sqlite3_stmt *r = NULL, *w = NULL;
    char *q = NULL;
    sqlite3_stmt *probe = NULL;
    /* the name is a value: bound, not quoted into the text (issue 7) */
    int present = sqlite3_prepare_v2(in, "SELECT 1 FROM main.sqlite_schema"
                                     " WHERE type = 'table' AND name = ?1", -1, &probe,
                                     NULL) == SQLITE_OK
                  && sqlite3_bind_text(probe, 1, t->name, -1, SQLITE_STATIC) == SQLITE_OK
                  && sqlite3_step(probe) == SQLITE_ROW;
    sqlite3_finalize(probe);
    sqlite3_free(q);
    if (!present) {
        status = 0;
        goto done;
    }
    for (size_t j = 0; j < t->ncols; j++) {
        if (!mrg_has_col(in, t->name, t->cols[j].name))
            continue;
        char *qc = sqlite3_mprintf("\"%w\"", t->cols[j].name);
        hp_buf_printf(&sel, "%s%s", n ? ", " : "", qc);
        hp_buf_printf(&ins, "%s%s", n ? ", " : "", qc);
        hp_buf_printf(&vals, "%s?%d", n ? ", " : "", n + 1);
        sqlite3_free(qc);
        src[n++] = (int)j;
    }
    if (n == 0) {
        status = 0;
        goto done;
    }
    q = sqlite3_mprintf("SELECT %s FROM main.\"%w\"", sel.s, t->name);
    int rc = sqlite3_prepare_v2(in, q, -1, &r, NULL);
    sqlite3_free(q);
    if (rc != SQLITE_OK) {
        hp_errf(err, inpath, "cannot read table %s: %s", t->name, sqlite3_errmsg(in));
        goto done;
    }
    q = sqlite3_mprintf("INSERT INTO main.\"%w\"(%s) VALUES (%s)", t->name, ins.s, vals.s);
    rc = sqlite3_prepare_v2(out, q, -1, &w, NULL);
    sqlite3_free(q);
    if (rc != SQLITE_OK) {
        hp_errf(err, outpath, "cannot prepare copy of %s: %s", t->name, sqlite3_errmsg(out));
        goto done;
    }
    while ((rc = sqlite3_step(r)) == SQLITE_ROW) {
        for (int k = 0; k < n; k++) {
            const mrg_col *c = &t->cols[src[k]];
            int64_t shift = c->is_id ? t->shift : c->parent >= 0 ? s->t[c->parent].shift : 0;
            if (shift != 0 && sqlite3_column_type(r, k) == SQLITE_INTEGER) {
                int64_t v = sqlite3_column_int64(r, k);
                if (v < 0 || v > INT64_MAX - shift) {
                    hp_errf(err, inpath, "damaged database: %s.%s value %lld out of range",
                            t->name, c->name, (long long)v);
                    goto done;
                }
                sqlite3_bind_int64(w, k + 1, v + shift);
            } else {
                sqlite3_bind_value(w, k + 1, sqlite3_column_value(r, k));
            }
        }
        int wr = sqlite3_step(w);
        sqlite3_reset(w);
        if (wr != SQLITE_DONE) {
            hp_errf(err, inpath, "cannot copy a row of %s: %s", t->name, sqlite3_errmsg(out));
            goto done;
        }
        (*rows)++;
    }
    if (rc != SQLITE_DONE) {
        hp_errf(err, inpath, "cannot read table %s: %s", t->name, sqlite3_errmsg(in));
        goto done;
    }
    status = 0;
done:
    sqlite3_finalize(r);
    sqlite3_finalize(w);
    hp_buf_free(&sel);
    hp_buf_free(&ins);
    hp_buf_free(&vals);
    free(src);
    return status;
}

/* Every table of `in` into out, ids shifted above out's. */
static int mrg_copy_db(sqlite3 *odb, const char *out, mrg_schema *s, sqlite3 *in,
                       const char *inpath, int64_t *rows, hp_err *err)
{
    /* an input is copied only when its schema is exactly the built-in
    ** one: a trigger, view or table someone added is refused */
    if (mrg_check_unknown(in, inpath, s, err) != 0 || st_check_schema(in, inpath, 1, err) != 0)
        return -1;
    for (size_t k = 0; k < s->n; k++)
        s->t[k].shift = s->t[k].has_id ? mrg_max_id(odb, s->t[k].name) : 0;
    for (size_t k = 0; k < s->n; k++)
        if (mrg_copy_table(odb, in, inpath, out, s, &s->t[k], rows, err) != 0)
            return -1;
    return 0;
}

int mrg_copy_into(sqlite3 *out, const char *outpath, sqlite3 *in, const char *inpath,
                  hp_err *err)
{
    mrg_schema s = { 0 };
    int64_t rows = 0;
    int rc = mrg_load_schema(out, outpath, &s, err) == 0
             && mrg_copy_db(out, outpath, &s, in, inpath, &rows, err) == 0 ? 0 : -1;
    mrg_schema_free(&s);
    return rc;
}

int mrg_drop_binary(sqlite3 *db, const char *path, int64_t binary_id, hp_err *err)
{
    /* Rows go when their parent row went, table by table, until a pass
    ** removes nothing: each id table's removed ids are kept in a TEMP
    ** table (mrg_gone_NAME) that its children's deletes look up. */
    mrg_schema s = { 0 };
    int status = -1;
    char *sql = NULL;
    if (mrg_load_schema(db, path, &s, err) != 0)
        goto done;
    int bi = mrg_find_table(&s, "binaries");
    if (bi < 0) {
        hp_errf(err, path, "no binaries table");
        goto done;
    }
    for (size_t k = 0; k < s.n; k++) {
        if (!s.t[k].has_id)
            continue;
        sql = sqlite3_mprintf("DROP TABLE IF EXISTS temp.\"mrg_gone_%w\";"
                              " CREATE TEMP TABLE \"mrg_gone_%w\"(id INTEGER PRIMARY KEY)",
                              s.t[k].name, s.t[k].name);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_free(sql);
    }
    sql = sqlite3_mprintf("INSERT INTO temp.mrg_gone_binaries VALUES (%lld);"
                          " DELETE FROM main.binaries WHERE id = %lld",
                          (long long)binary_id, (long long)binary_id);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_free(sql);
    sql = NULL;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t k = 0; k < s.n; k++) {
            const mrg_table *t = &s.t[k];
            for (size_t c = 0; c < t->ncols; c++) {
                int p = t->cols[c].parent;
                if (p < 0 || (size_t)p == k || !s.t[p].has_id)
                    continue;
                if (t->has_id) {
                    sql = sqlite3_mprintf("INSERT OR IGNORE INTO temp.\"mrg_gone_%w\""
                                          " SELECT id FROM main.\"%w\" WHERE \"%w\" IN"
                                          " (SELECT id FROM temp.\"mrg_gone_%w\")",
                                          t->name, t->name, t->cols[c].name, s.t[p].name);
                    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
                        goto dberr;
                    sqlite3_free(sql);
                }
                sql = sqlite3_mprintf("DELETE FROM main.\"%w\" WHERE \"%w\" IN"
                                      " (SELECT id FROM temp.\"mrg_gone_%w\")",
                                      t->name, t->cols[c].name, s.t[p].name);
                if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
                    goto dberr;
                sqlite3_free(sql);
                sql = NULL;
                changed |= sqlite3_changes(db) > 0;
            }
        }
    }
    for (size_t k = 0; k < s.n; k++) {
        if (!s.t[k].has_id)
            continue;
        sql = sqlite3_mprintf("DROP TABLE temp.\"mrg_gone_%w\"", s.t[k].name);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_free(sql);
        sql = NULL;
    }
    status = 0;
    goto done;
dberr:
    hp_errf(err, path, "cannot remove binary %lld: %s", (long long)binary_id, sqlite3_errmsg(db));
done:
    sqlite3_free(sql);
    mrg_schema_free(&s);
    return status;
}

int mrg_merge(const char *out, const char *const *in, size_t nin, int force, FILE *log,
              hp_err *err)
{
    st_writer *w = NULL;
    mrg_schema s = { 0 };
    sqlite3 **dbs = hp_xcalloc(nin + 1, sizeof *dbs);
    int status = HP_EXIT_ERROR;

    if (nin == 0) {
        hp_errf(err, NULL, "merge needs at least one input database");
        goto done;
    }
    /* Open (and so validate) every input before creating anything. */
    for (size_t i = 0; i < nin; i++)
        if (st_open_read(in[i], &dbs[i], err) != 0)
            goto done;
    if (st_create_ex(out, force ? ST_FORCE : 0, &w, err) != 0)
        goto done;
    sqlite3 *odb = st_writer_db(w);
    if (mrg_load_schema(odb, out, &s, err) != 0)
        goto done;
    for (size_t i = 0; i < nin; i++) {
        int64_t rows = 0;
        if (mrg_check_dups(odb, dbs[i], in[i], out, err) != 0
            || mrg_copy_db(odb, out, &s, dbs[i], in[i], &rows, err) != 0)
            goto done;
        if (log != NULL)
            fprintf(log, "holeprof: merged %s (%lld rows)\n", in[i], (long long)rows);
    }
    /* Close the inputs before the rename: OUT may be one of them. */
    for (size_t i = 0; i < nin; i++) {
        sqlite3_close(dbs[i]);
        dbs[i] = NULL;
    }
    st_writer *ww = w;
    w = NULL;
    if (st_commit(ww, err) != 0)
        goto done;
    status = HP_EXIT_OK;
done:
    if (w != NULL)
        st_abort(w);
    for (size_t i = 0; i < nin; i++)
        sqlite3_close(dbs[i]);
    free(dbs);
    mrg_schema_free(&s);
    return status;
}

/* ---- --binary SEL ------------------------------------------------------- */

static int mrg_all_digits(const char *s, size_t min)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isdigit((unsigned char)s[n]))
            return 0;
    return n >= min;
}

static int mrg_all_hex(const char *s, size_t min)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]))
            return 0;
    return n >= min;
}

/* Ids of the binaries `sql` (one ?1 parameter) selects, at most 6. */
static int mrg_candidates(sqlite3 *db, const char *dbpath, const char *sql, const char *arg,
                          int64_t *ids, int *n, hp_err *err)
{
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return hp_errf(err, dbpath, "cannot read binaries: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < 6)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return hp_errf(err, dbpath, "cannot read binaries: %s", sqlite3_errmsg(db));
    return 0;
}

/* "1 /usr/bin/a, 2 /usr/bin/b" for error messages. */
static void mrg_list_binaries(sqlite3 *db, const char *where, hp_buf *b)
{
    sqlite3_stmt *st = NULL;
    char *sql = sqlite3_mprintf("SELECT id, path, build_id FROM main.binaries %s ORDER BY id LIMIT 6",
                                where);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        int k = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *p = (const char *)sqlite3_column_text(st, 1);
            if (k++ == 5) {
                hp_buf_puts(b, ", ...");
                break;
            }
            hp_buf_printf(b, "%s%lld %s", k > 1 ? ", " : "", (long long)sqlite3_column_int64(st, 0),
                          p ? p : "?");
        }
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
}

static int mrg_resolve(sqlite3 *db, const char *dbpath, const char *sel, int64_t *id, hp_err *err)
{
    static const char *const by[] = {
        "SELECT id FROM main.binaries WHERE id = CAST(?1 AS INTEGER)",
        ("SELECT id FROM main.binaries WHERE build_id = lower(?1)"
         " OR (length(?1) >= 8 AND substr(build_id, 1, length(?1)) = lower(?1))"),
        "SELECT id FROM main.binaries WHERE path = ?1",
        "SELECT id FROM main.binaries WHERE substr(path, -length(?1) - 1) = '/' || ?1",
    };
    int64_t ids[6];
    int n = 0;
    for (int k = 0; k < 4 && n == 0; k++) {
        if (k == 0 && !mrg_all_digits(sel, 1))
            continue;
        if (k == 1 && !mrg_all_hex(sel, 8))
            continue;
        if (mrg_candidates(db, dbpath, by[k], sel, ids, &n, err) != 0)
            return -1;
    }
    if (n == 1) {
        *id = ids[0];
        return 0;
    }
    hp_buf b = { 0 };
    if (n == 0) {
        mrg_list_binaries(db, "", &b);
        hp_errf(err, dbpath, "no binary matches '%s' (binaries: %s)", sel, b.s ? b.s : "none");
    } else {
        hp_buf where = { 0 };
        hp_buf_puts(&where, "WHERE id IN (");
        for (int k = 0; k < n; k++)
            hp_buf_printf(&where, "%s%lld", k ? "," : "", (long long)ids[k]);
        hp_buf_puts(&where, ")");
        mrg_list_binaries(db, where.s, &b);
        hp_buf_free(&where);
        hp_errf(err, dbpath, "'%s' matches several binaries (%s); give an id or a full path",
                sel, b.s ? b.s : "?");
    }
    hp_buf_free(&b);
    return -1;
}

static int mrg_exec(sqlite3 *db, const char *dbpath, char *sql, hp_err *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        hp_errf(err, dbpath, "cannot select binary: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    sqlite3_free(sql);
    return rc == SQLITE_OK ? 0 : -1;
}

/* "CREATE VIEW x AS ..." -> the offset just past "CREATE", or 0 when the
** stored text is not a plain CREATE VIEW. */
static size_t mrg_view_prefix(const char *sql)
{
    const char *p = sql;
    while (isspace((unsigned char)*p))
        p++;
    if (sqlite3_strnicmp(p, "CREATE", 6) != 0 || !isspace((unsigned char)p[6]))
        return 0;
    const char *q = p + 6;
    while (isspace((unsigned char)*q))
        q++;
    if (sqlite3_strnicmp(q, "VIEW", 4) != 0 || !isspace((unsigned char)q[4]))
        return 0;
    return (size_t)(p + 6 - sql);
}

int mrg_select_binary(sqlite3 *db, const char *dbpath, const char *sel, int64_t *binary_id,
                      hp_err *err)
{
    int64_t id = 0;
    mrg_schema s = { 0 };
    int status = -1;
    char *filtered = NULL;
    sqlite3_stmt *st = NULL;

    if (sel == NULL || *sel == '\0')
        return hp_errf(err, dbpath, "--binary needs a path, build-id or id");
    if (mrg_resolve(db, dbpath, sel, &id, err) != 0)
        return -1;
    if (binary_id != NULL)
        *binary_id = id;
    if (mrg_load_schema(db, dbpath, &s, err) != 0)
        goto done;
    filtered = hp_xcalloc(s.n + 1, 1);

    /* Filter tables until nothing changes: binaries and tables with a
    ** binary_id first, then whatever references a filtered table. */
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < s.n; i++) {
            mrg_table *t = &s.t[i];
            if (filtered[i])
                continue;
            char *sql = NULL;
            if (strcmp(t->name, "binaries") == 0) {
                sql = sqlite3_mprintf("CREATE TEMP VIEW \"%w\" AS SELECT * FROM main.\"%w\""
                                      " WHERE id = %lld", t->name, t->name, (long long)id);
            } else {
                for (size_t j = 0; j < t->ncols && sql == NULL; j++) {
                    const mrg_col *c = &t->cols[j];
                    if (strcmp(c->name, "binary_id") == 0)
                        sql = sqlite3_mprintf("CREATE TEMP VIEW \"%w\" AS SELECT * FROM"
                                              " main.\"%w\" WHERE binary_id = %lld",
                                              t->name, t->name, (long long)id);
                }
                for (size_t j = 0; j < t->ncols && sql == NULL; j++) {
                    const mrg_col *c = &t->cols[j];
                    if (c->parent >= 0 && (size_t)c->parent != i && filtered[c->parent])
                        sql = sqlite3_mprintf("CREATE TEMP VIEW \"%w\" AS SELECT * FROM"
                                              " main.\"%w\" WHERE \"%w\" IN (SELECT id FROM"
                                              " temp.\"%w\")", t->name, t->name, c->name,
                                              s.t[c->parent].name);
                }
            }
            if (sql == NULL)
                continue;
            if (mrg_exec(db, dbpath, sql, err) != 0)
                goto done;
            filtered[i] = 1;
            changed = 1;
        }
    }

    /* Views in main read main's tables; their TEMP twins read the filtered
    ** ones.  Each twin is built from the compiled-in schema, never from
    ** the text stored in the file (that text is input, and sqlite3_exec
    ** of it would run whatever statements follow the view).  Only views
    ** the file has get a twin, so --binary changes nothing but the rows;
    ** a view the file has and holeprof does not make reads main's tables. */
    size_t nb;
    const st_object *b = st_builtin(&nb);
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_schema WHERE type = 'view'"
                           " AND name = ?1", -1, &st, NULL) != SQLITE_OK) {
        hp_errf(err, dbpath, "cannot read schema: %s", sqlite3_errmsg(db));
        goto done;
    }
    for (size_t i = 0; i < nb; i++) {
        if (strcmp(b[i].type, "view") != 0 || b[i].sql == NULL)
            continue;
        sqlite3_bind_text(st, 1, b[i].name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            hp_errf(err, dbpath, "cannot read schema: %s", sqlite3_errmsg(db));
            goto done;
        }
        size_t at = mrg_view_prefix(b[i].sql);
        if (rc != SQLITE_ROW || at == 0)
            continue;
        char *tsql = sqlite3_mprintf("%.*s TEMP%s", (int)at, b[i].sql, b[i].sql + at);
        sqlite3_stmt *cv = NULL;
        const char *tail = NULL;
        int ok = sqlite3_prepare_v2(db, tsql, -1, &cv, &tail) == SQLITE_OK && cv != NULL
                 && tail != NULL && *tail == '\0' && sqlite3_step(cv) == SQLITE_DONE;
        if (!ok)
            hp_errf(err, dbpath, "cannot select binary: view %s: %s", b[i].name,
                    sqlite3_errmsg(db));
        sqlite3_finalize(cv);
        sqlite3_free(tsql);
        if (!ok)
            goto done;
    }
    status = 0;
done:
    sqlite3_finalize(st);
    free(filtered);
    mrg_schema_free(&s);
    return status;
}
