/*
** store.c -- implementation of store.h: writing a holeprof database
** atomically, and opening one for reading.
**
** Contract: st_create() asks outfile.h what may be written at the target
** (refusing a regular file that is not a holeprof database unless
** ST_FORCE, following a symlink to the file it names, writing through a
** device or FIFO), then makes a temporary file ".NAME.tmp.XXXXXX" in the
** target's directory (so the final rename(2) cannot cross file systems;
** $TMPDIR for a device or FIFO, which st_commit() copies the file into),
** creates the schema in it and opens a transaction (st_flush() and the
** types thread below may commit and open the next: the file is private
** until the rename).  Rows go in through prepared statements that are
** reused, every value bound, many rows per statement.  st_commit()
** commits, closes, fsyncs and renames the file over the target; any
** failure, or st_abort(), unlinks the temporary file, so the target is
** either the complete new database or left exactly as it was.  The
** temporary file is also removed when SIGINT, SIGTERM or SIGHUP stops the
** run (hp_tmp_register).
** st_open_read() opens read-only and checks application_id and
** user_version before anyone reads a table; st_open_update() opens for
** writing into the file and requires its schema to be exactly the
** built-in one.  Every such connection is hardened (st_harden: defensive,
** untrusted schema, no fts3_tokenizer pointer, no triggers, no ATTACH,
** a time budget and a heap limit), because a database is input.
*/
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "store.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

enum { ST_INS_BINARY, ST_MAX_TYPE_ID, ST_INS_ALIAS, ST_NSTMT };

static const char *const st_insert_sql[ST_NSTMT] = {
    "INSERT INTO binaries(path, build_id, arch, debug_file, debug_how, producer,"
    " cacheline, cu_count, die_count, analyzed_at, holeprof_version)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    "SELECT max(id) FROM types",
    "INSERT OR IGNORE INTO type_aliases(binary_id, alias, name) VALUES (?1, ?2, ?3)",
};

/* Types and members go in ST_BATCH rows per INSERT, the members of
** consecutive types in the same statement, which spares SQLite most of
** its per-statement work: one statement runs for 16 rows instead of one
** per type (python3.11 has 4.8 members per type). */
#define ST_BATCH 16
#define ST_TYPE_COLS   27
#define ST_MEMBER_COLS 15
#define ST_TYPE_HEAD                                                            \
    "INSERT INTO types(id, binary_id, kind, name, size, align, members, holes," \
    " hole_bytes, bit_holes, bit_hole_bits, tail_padding, optimal_size,"        \
    " cachelines, decl_file, decl_line, cu_count, lang, flags, packed,"         \
    " explicit_align, conflict, layout_hash, pre_hole, pre_bit_hole, bit_padding," \
    " incomplete)"
#define ST_MEMBER_HEAD                                                          \
    "INSERT INTO members(type_id, idx, name, type_name, offset, size, bitpos,"  \
    " bit_offset, bit_size, align, flags, hole_after, bit_hole_after,"          \
    " cacheline, suggested_pos)"

struct st_writer {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_NSTMT];
    sqlite3_stmt *tstmt[ST_BATCH + 1];   /* [k]: k types rows, made on first use */
    sqlite3_stmt *mstmt[ST_BATCH + 1];   /* [k]: k members rows */
    char *final_path;       /* as the user named it (messages) */
    char *dest;             /* what st_commit renames over (symlinks resolved) */
    char *through;          /* or: the device or FIFO the finished file is copied into */
    char *tmp_path;
    int fd;                 /* from mkstemp; kept open for the final fsync */
    int no_helper;          /* st_add_types: no second thread (st_set_busy) */
    uint32_t *inv;          /* scratch: member idx -> suggested position */
    size_t inv_cap;
    char **deferred;        /* CREATE INDEX statements run by st_commit */
    size_t ndeferred, deferred_cap;
};

static void st_free(st_writer *w)
{
    for (int i = 0; i < ST_NSTMT; i++)
        sqlite3_finalize(w->stmt[i]);
    for (int i = 0; i <= ST_BATCH; i++) {
        sqlite3_finalize(w->tstmt[i]);
        sqlite3_finalize(w->mstmt[i]);
    }
    if (w->db)
        sqlite3_close_v2(w->db);
    if (w->fd >= 0)
        close(w->fd);
    if (w->tmp_path) {
        unlink(w->tmp_path);
        hp_tmp_unregister(w->tmp_path);
    }
    free(w->tmp_path);
    free(w->final_path);
    free(w->dest);
    free(w->through);
    free(w->inv);
    for (size_t i = 0; i < w->ndeferred; i++)
        free(w->deferred[i]);
    free(w->deferred);
    free(w);
}

void st_abort(st_writer *w)
{
    if (w != NULL)
        st_free(w);
}

static int st_sqlerr(st_writer *w, hp_err *err, const char *what)
{
    return hp_errf(err, w->final_path, "%s: %s", what, sqlite3_errmsg(w->db));
}

static int st_exec(st_writer *w, const char *sql, const char *what, hp_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(w->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        hp_errf(err, w->final_path, "%s: %s", what, msg ? msg : sqlite3_errmsg(w->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Secondary indexes of the bulk tables are built once, by st_commit(),
** over the finished rows: sorting once is several times cheaper than
** keeping a name index up to date through 10^4..10^6 random inserts.
** Indexes on binary_id stay, because the site scan and the ranking look
** rows up by binary while the file is written (and binary_id only grows,
** so those inserts are appends).  Called right after the schema exists:
** the SQL of each deferred index is kept and the index dropped. */
static int st_defer_indexes(st_writer *w, hp_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(w->db, "SELECT name, sql FROM sqlite_schema WHERE type = 'index'"
                           " AND sql IS NOT NULL AND tbl_name IN ('types', 'members')"
                           " AND sql NOT LIKE '%(binary_id)' ORDER BY rowid", -1, &s, NULL)
        != SQLITE_OK)
        return st_sqlerr(w, err, "cannot read schema");
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *HP_PUSH(names, n, cap) = hp_xstrdup((const char *)sqlite3_column_text(s, 0));
        *HP_PUSH(w->deferred, w->ndeferred, w->deferred_cap) =
            hp_xstrdup((const char *)sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    int bad = rc != SQLITE_DONE ? st_sqlerr(w, err, "cannot read schema") : 0;
    for (size_t i = 0; i < n; i++) {
        if (!bad) {
            char *sql = sqlite3_mprintf("DROP INDEX \"%w\"", names[i]);
            bad = st_exec(w, sql, "cannot defer index", err);
            sqlite3_free(sql);
        }
        free(names[i]);
    }
    free(names);
    return bad ? -1 : 0;
}

int st_create(const char *final_path, st_writer **out, hp_err *err)
{
    return st_create_ex(final_path, 0, out, err);
}

int st_create_ex(const char *final_path, unsigned flags, st_writer **out, hp_err *err)
{
    *out = NULL;
    if (final_path == NULL || *final_path == '\0')
        return hp_errf(err, NULL, "no database path given");
    /* outfile.c decides what may be written there: never a device node,
    ** FIFO or symlink replaced, never a file that is not a holeprof
    ** database replaced without ST_FORCE */
    of_plan plan;
    if (of_plan_output(final_path, OF_DATABASE, (flags & ST_FORCE) != 0, &plan, err) != 0)
        return -1;

    st_writer *w = hp_xcalloc(1, sizeof *w);
    w->fd = -1;
    w->final_path = hp_xstrdup(final_path);
    w->dest = plan.path;
    w->through = plan.through;
    char *dir = plan.tmpdir;
    const char *src = plan.path ? plan.path : final_path;
    const char *slash = strrchr(src, '/');
    const char *base = slash ? slash + 1 : src;
    w->tmp_path = hp_xasprintf("%s/.%s.tmp.XXXXXX", dir, base);
    w->fd = hp_tmp_mkstemp(w->tmp_path);   /* removed on SIGINT/SIGTERM/SIGHUP too */
    if (w->fd < 0) {
        hp_errf(err, dir, "cannot create database: %s", strerror(errno));
        free(dir);
        free(w->tmp_path);      /* nothing was created: do not unlink */
        w->tmp_path = NULL;
        st_free(w);
        return -1;
    }
    free(dir);
    /* mkstemp makes the file 0600; a database is an ordinary output file,
    ** so give it the permissions open(2) with 0666 would have. */
    mode_t um = umask(0);
    umask(um);
    if (fchmod(w->fd, 0666 & ~um) != 0) {
        hp_errf(err, w->tmp_path, "cannot set permissions: %s", strerror(errno));
        st_free(w);
        return -1;
    }

    /* NOMUTEX: the writer's connection is used by one thread at a time
    ** (analyze's site-scan thread never touches it), so SQLite's own
    ** per-call locking would only cost time */
    /* URI names are on, for st_side_join's ATTACH of an in-memory
    ** database; a path of ours that begins "file:" (-o file:dir/x.db)
    ** is kept a path by a leading "./" */
    char *open_path = strncmp(w->tmp_path, "file:", 5) == 0 ? hp_xasprintf("./%s", w->tmp_path)
                                                            : hp_xstrdup(w->tmp_path);
    int orc = sqlite3_open_v2(open_path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                              SQLITE_OPEN_URI, NULL);
    free(open_path);
    if (orc != SQLITE_OK) {
        hp_errf(err, w->tmp_path, "cannot open database: %s",
                w->db ? sqlite3_errmsg(w->db) : "out of memory");
        st_free(w);
        return -1;
    }
    /* No journal and no syncs: the temporary file is thrown away on any
    ** failure, so crash safety comes from the rename, not from SQLite. */
    if (st_exec(w, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                   " PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-65536;"
                   " PRAGMA foreign_keys=OFF;", "cannot configure database", err) != 0
        || st_exec(w, "BEGIN", "cannot begin transaction", err) != 0
        || st_exec(w, hp_schema_sql, "cannot create schema", err) != 0
        || st_defer_indexes(w, err) != 0) {
        st_free(w);
        return -1;
    }
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
             (int)ST_APPLICATION_ID, (int)ST_SCHEMA_VERSION);
    if (st_exec(w, pragmas, "cannot mark database", err) != 0) {
        st_free(w);
        return -1;
    }
    for (int i = 0; i < ST_NSTMT; i++) {
        if (st_insert_sql[i] == NULL)
            continue;
        if (sqlite3_prepare_v3(w->db, st_insert_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &w->stmt[i], NULL) != SQLITE_OK) {
            st_sqlerr(w, err, "cannot prepare statement");
            st_free(w);
            return -1;
        }
    }
    *out = w;
    return 0;
}

sqlite3 *st_writer_db(st_writer *w)
{
    return w->db;
}

/* Bind helpers: they only record the first failure in *rc, so a run of
** binds can be checked once. */
static void st_bind_text(sqlite3_stmt *s, int i, const char *v, int *rc)
{
    int r = v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
    if (*rc == SQLITE_OK)
        *rc = r;
}

static void st_bind_i64(sqlite3_stmt *s, int i, int64_t v, int *rc)
{
    int r = sqlite3_bind_int64(s, i, v);
    if (*rc == SQLITE_OK)
        *rc = r;
}

/* v when has, else NULL */
static void st_bind_i64_or_null(sqlite3_stmt *s, int i, int has, int64_t v, int *rc)
{
    if (has)
        st_bind_i64(s, i, v, rc);
    else if (*rc == SQLITE_OK)
        *rc = sqlite3_bind_null(s, i);
}

/* SQLite integers are signed 64-bit; a larger unsigned value can only come
** from a corrupt file that a loader failed to reject. */
static void st_bind_u64(sqlite3_stmt *s, int i, uint64_t v, int *rc, const char **bad)
{
    if (v > (uint64_t)INT64_MAX) {
        if (*bad == NULL)
            *bad = sqlite3_bind_parameter_name(s, i) ? sqlite3_bind_parameter_name(s, i) : "?";
        v = 0;
    }
    st_bind_i64(s, i, (int64_t)v, rc);
}

/* v when has, else NULL */
static void st_bind_u64_or_null(sqlite3_stmt *s, int i, int has, uint64_t v, int *rc,
                                const char **bad)
{
    if (has)
        st_bind_u64(s, i, v, rc, bad);
    else if (*rc == SQLITE_OK)
        *rc = sqlite3_bind_null(s, i);
}

/* Run a bound INSERT once and make it ready for reuse. */
static int st_step_on(sqlite3 *db, const char *path, sqlite3_stmt *s, int rc, const char *bad,
                      const char *what, hp_err *err)
{
    if (bad != NULL) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return hp_errf(err, path, "%s: value %s out of range", what, bad);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_OK) {
        sqlite3_clear_bindings(s);
        return hp_errf(err, path, "%s: %s", what, sqlite3_errmsg(db));
    }
    /* the bindings stay: every use binds every parameter again, and
    ** clearing the 240 of a members statement costs more than the step's
    ** own bookkeeping */
    return 0;
}

static int st_step(st_writer *w, sqlite3_stmt *s, int rc, const char *bad, const char *what,
                   hp_err *err)
{
    return st_step_on(w->db, w->final_path, s, rc, bad, what, err);
}

int st_add_binary(st_writer *w, const st_binary_info *bi, int64_t *binary_id, hp_err *err)
{
    sqlite3_stmt *s = w->stmt[ST_INS_BINARY];
    int rc = SQLITE_OK;
    const char *bad = NULL;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(when, sizeof when, "unknown");

    st_bind_text(s, 1, bi->path ? bi->path : "", &rc);
    st_bind_text(s, 2, bi->build_id, &rc);
    st_bind_text(s, 3, bi->arch, &rc);
    st_bind_text(s, 4, bi->debug_file, &rc);
    st_bind_text(s, 5, bi->debug_how, &rc);
    st_bind_text(s, 6, bi->producer, &rc);
    st_bind_i64(s, 7, bi->cacheline, &rc);
    st_bind_u64(s, 8, bi->cu_count, &rc, &bad);
    st_bind_u64(s, 9, bi->die_count, &rc, &bad);
    st_bind_text(s, 10, when, &rc);
    st_bind_text(s, 11, PACKAGE_VERSION, &rc);
    if (st_step(w, s, rc, bad, "cannot insert binary", err) != 0)
        return -1;
    if (binary_id)
        *binary_id = sqlite3_last_insert_rowid(w->db);
    return 0;
}

/* A k-row INSERT into `table` (cols columns, numbered parameters),
** prepared on first use and cached in cache[k]. */
static sqlite3_stmt *st_rows_stmt(sqlite3 *db, const char *path, sqlite3_stmt **cache,
                                  const char *head, int cols, uint32_t k, hp_err *err)
{
    if (cache[k] != NULL)
        return cache[k];
    hp_buf b = {0};
    hp_buf_puts(&b, head);
    hp_buf_puts(&b, " VALUES ");
    for (uint32_t r = 0; r < k; r++) {
        hp_buf_puts(&b, r ? ",(" : "(");
        for (int c = 0; c < cols; c++) {
            hp_buf_puts(&b, c ? ",?" : "?");
            hp_buf_putu(&b, r * (uint32_t)cols + (uint32_t)c + 1);
        }
        hp_buf_puts(&b, ")");
    }
    int rc = sqlite3_prepare_v3(db, b.s, -1, SQLITE_PREPARE_PERSISTENT, &cache[k], NULL);
    hp_buf_free(&b);
    if (rc != SQLITE_OK) {
        hp_errf(err, path, "cannot prepare statement: %s", sqlite3_errmsg(db));
        return NULL;
    }
    return cache[k];
}

/* Bind one types row at parameter offset b (ST_TYPE_COLS parameters);
** hash receives the layout hash's text, which must live until the step. */
static void st_bind_type(sqlite3_stmt *s, int b, int64_t id, int64_t binary_id,
                         const st_type_row *row, char hash[17], int *rc, const char **bad)
{
    const lay_type *t = row->t;
    /* an incomplete type (a member's type unknown): no hole or saving
    ** number is known, so none is stored */
    const int k = !(t->flags & TF_INCOMPLETE);
    snprintf(hash, 17, "%016" PRIx64, t->hash);
    st_bind_i64(s, b + 1, id, rc);
    st_bind_i64(s, b + 2, binary_id, rc);
    st_bind_text(s, b + 3, lay_kind_name(t->kind), rc);
    st_bind_text(s, b + 4, t->name ? t->name : "(anonymous)", rc);
    st_bind_u64(s, b + 5, t->size, rc, bad);
    st_bind_i64(s, b + 6, t->align, rc);
    st_bind_i64(s, b + 7, t->nmembers, rc);
    st_bind_u64_or_null(s, b + 8, k, t->holes, rc, bad);
    st_bind_u64_or_null(s, b + 9, k, t->hole_bytes, rc, bad);
    st_bind_u64_or_null(s, b + 10, k, t->bit_holes, rc, bad);
    st_bind_u64_or_null(s, b + 11, k, t->bit_hole_bits, rc, bad);
    st_bind_u64_or_null(s, b + 12, k, t->tail_padding, rc, bad);
    st_bind_u64_or_null(s, b + 13, k, t->optimal_size, rc, bad);
    st_bind_i64(s, b + 14, t->cachelines, rc);
    st_bind_text(s, b + 15, t->decl_file, rc);
    st_bind_i64_or_null(s, b + 16, t->decl_line > 0, t->decl_line, rc);
    st_bind_i64(s, b + 17, row->cu_count, rc);
    st_bind_text(s, b + 18, lay_lang_name(t->lang), rc);
    st_bind_i64(s, b + 19, t->flags, rc);
    st_bind_i64(s, b + 20, (t->flags & TF_PACKED) != 0, rc);
    st_bind_i64(s, b + 21, (t->flags & TF_EXPLICIT_ALIGN) != 0, rc);
    st_bind_i64(s, b + 22, (t->flags & TF_CONFLICT) != 0, rc);
    st_bind_text(s, b + 23, hash, rc);
    st_bind_u64_or_null(s, b + 24, k, t->pre_hole, rc, bad);
    st_bind_u64_or_null(s, b + 25, k, t->pre_bit_hole, rc, bad);
    st_bind_u64_or_null(s, b + 26, k, t->bit_padding, rc, bad);
    st_bind_i64(s, b + 27, !k, rc);
}

/* Bind members row at parameter offset b (ST_MEMBER_COLS parameters);
** pos is its place in the suggested order, or UINT32_MAX for none;
** known is 0 for a member of an incomplete type (no hole known). */
static void st_bind_member(sqlite3_stmt *s, int b, int64_t type_id, uint32_t idx,
                           const lay_member *m, uint32_t pos, int known, int *rc,
                           const char **bad)
{
    st_bind_i64(s, b + 1, type_id, rc);
    st_bind_i64(s, b + 2, idx, rc);
    st_bind_text(s, b + 3, m->name, rc);
    st_bind_text(s, b + 4, m->type_name, rc);
    st_bind_u64(s, b + 5, m->offset, rc, bad);
    st_bind_u64_or_null(s, b + 6, !(m->flags & MF_INCOMPLETE), m->size, rc, bad);
    st_bind_u64(s, b + 7, m->bitpos, rc, bad);
    st_bind_i64(s, b + 8, m->bit_offset, rc);
    st_bind_i64(s, b + 9, m->bit_size, rc);
    st_bind_i64(s, b + 10, m->align, rc);
    st_bind_i64(s, b + 11, m->flags, rc);
    st_bind_u64_or_null(s, b + 12, known, m->hole_after, rc, bad);
    st_bind_u64_or_null(s, b + 13, known, m->bit_hole_after, rc, bad);
    st_bind_i64(s, b + 14, m->cacheline, rc);
    st_bind_i64_or_null(s, b + 15, pos != UINT32_MAX, pos, rc);
}

/* members.suggested_pos is the inverse permutation of `suggested`, made
** into w->inv; anything that is not a permutation is a caller bug, not
** data. */
static int st_invert(st_writer *w, const st_type_row *row, hp_err *err)
{
    const lay_type *t = row->t;
    hp_grow((void **)&w->inv, &w->inv_cap, t->nmembers + 1, sizeof *w->inv);
    for (uint32_t i = 0; i < t->nmembers; i++)
        w->inv[i] = UINT32_MAX;
    if (row->suggested == NULL || (t->flags & TF_INCOMPLETE))
        return 0;        /* no suggestion for a layout not fully known */
    for (uint32_t pos = 0; pos < t->nmembers; pos++) {
        uint32_t ix = row->suggested[pos];
        if (ix >= t->nmembers || w->inv[ix] != UINT32_MAX)
            return hp_errf(err, w->final_path, "type '%s': suggested order is not a permutation",
                           t->name ? t->name : "(anonymous)");
        w->inv[ix] = pos;
    }
    return 0;
}

/* Insert rows[0..n) into types (ids first, first + 1, ...) over db,
** with statements cached in cache[]. */
static int st_insert_types(sqlite3 *db, const char *path, sqlite3_stmt **cache, int64_t first,
                           int64_t binary_id, const st_type_row *rows, size_t n, hp_err *err)
{
    char hash[ST_BATCH][17];
    for (size_t i0 = 0; i0 < n;) {
        uint32_t k = n - i0 < ST_BATCH ? (uint32_t)(n - i0) : ST_BATCH;
        sqlite3_stmt *s = st_rows_stmt(db, path, cache, ST_TYPE_HEAD, ST_TYPE_COLS, k, err);
        if (s == NULL)
            return -1;
        int rc = SQLITE_OK;
        const char *bad = NULL;
        for (uint32_t r = 0; r < k; r++)
            st_bind_type(s, (int)r * ST_TYPE_COLS, first + (int64_t)(i0 + r), binary_id,
                         &rows[i0 + r], hash[r], &rc, &bad);
        if (st_step_on(db, path, s, rc, bad, "cannot insert type", err) != 0)
            return -1;
        i0 += k;
    }
    return 0;
}

/* ---- the types rows in a second thread ----
** SQLite writes one database from one thread at a time, and on
** python3.11 the rows are a fifth of the run, with the other core idle.
** So the types rows go through a second connection, in a thread, into an
** in-memory database (SQLite's memdb VFS, shared by name within the
** process) with the same table, while this thread writes the members;
** then one INSERT ... SELECT copies the table in.  Into an empty table
** SQLite's transfer optimization moves the records without decoding
** them: on python3.11 the copy and the COMMIT around it take 36 M
** instructions on this thread, the inserts 111 M on the other.  A binary after the first
** (the table is no longer empty), a small one, and a writer told the
** cores are busy (st_set_busy) take the direct way. */
#define ST_SIDE_MIN_TYPES 256

typedef struct st_side {
    char uri[96];
    const char *path;           /* for messages: the database being made */
    char **schema;              /* CREATE statements of types and its indexes */
    size_t nschema, schema_cap;
    const st_type_row *rows;
    size_t n;
    int64_t binary_id, first;
    sqlite3 *db;                /* the thread's connection; closed by st_side_free */
    sqlite3_stmt *cache[ST_BATCH + 1];
    pthread_t th;
    int rc;
    hp_err err;
} st_side;

static void st_side_free(st_side *sd)
{
    for (int i = 0; i <= ST_BATCH; i++)
        sqlite3_finalize(sd->cache[i]);
    if (sd->db)
        sqlite3_close_v2(sd->db);
    for (size_t i = 0; i < sd->nschema; i++)
        free(sd->schema[i]);
    free(sd->schema);
    memset(sd, 0, sizeof *sd);
}

/* The table as main has it now, with the indexes it has now (the deferred
** ones are gone): the transfer needs the same columns, constraints and
** indexes on both sides. */
static int st_side_schema(st_writer *w, st_side *sd, hp_err *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(w->db, "SELECT sql FROM main.sqlite_schema WHERE tbl_name = 'types'"
                           " AND sql IS NOT NULL ORDER BY type = 'index', rowid", -1, &q, NULL)
        != SQLITE_OK)
        return st_sqlerr(w, err, "cannot read schema");
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        *HP_PUSH(sd->schema, sd->nschema, sd->schema_cap) =
            hp_xstrdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        st_side_free(sd);
        return st_sqlerr(w, err, "cannot read schema");
    }
    return 0;
}

static void *st_side_main(void *arg)
{
    st_side *sd = arg;
    sd->rc = -1;
    if (sqlite3_open_v2(sd->uri, &sd->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        hp_errf(&sd->err, sd->path, "cannot open an in-memory database: %s",
                sd->db ? sqlite3_errmsg(sd->db) : "out of memory");
        return NULL;
    }
    if (sqlite3_exec(sd->db, "PRAGMA journal_mode=OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        goto sqlerr;
    for (size_t i = 0; i < sd->nschema; i++)
        if (sqlite3_exec(sd->db, sd->schema[i], NULL, NULL, NULL) != SQLITE_OK)
            goto sqlerr;
    if (st_insert_types(sd->db, sd->path, sd->cache, sd->first, sd->binary_id, sd->rows, sd->n,
                        &sd->err) != 0)
        return NULL;
    if (sqlite3_exec(sd->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto sqlerr;
    sd->rc = 0;
    return NULL;
sqlerr:
    hp_errf(&sd->err, sd->path, "cannot store types: %s", sqlite3_errmsg(sd->db));
    return NULL;
}

/* Wait for the thread; unless err is NULL (giving up), copy its table in.
** The copy's read of the in-memory database lasts until the transaction
** ends, and only then can it be detached: hence the COMMIT here, which
** st_flush's reasons make harmless. */
static int st_side_join(st_writer *w, st_side *sd, hp_err *err)
{
    pthread_join(sd->th, NULL);
    int rc = -1;
    if (err == NULL)
        goto out;
    if (sd->rc != 0) {
        *err = sd->err;
        goto out;
    }
    char *sql = sqlite3_mprintf("ATTACH %Q AS hp_side; INSERT INTO main.types SELECT * FROM"
                                " hp_side.types; COMMIT; DETACH hp_side; BEGIN", sd->uri);
    rc = st_exec(w, sql, "cannot store types", err);
    sqlite3_free(sql);
out:
    st_side_free(sd);
    return rc;
}

int st_add_types(st_writer *w, int64_t binary_id, const st_type_row *rows, size_t n,
                 int64_t *ids, hp_err *err)
{
    uint64_t nmembers = 0;
    for (size_t i = 0; i < n; i++) {
        const lay_type *t = rows[i].t;
        if (t->nmembers > 0 && t->members == NULL)
            return hp_errf(err, w->final_path, "type '%s': members missing",
                           t->name ? t->name : "(anonymous)");
        nmembers += t->nmembers;
    }
    /* Ids are given, not left to SQLite, so that a member's row can be
    ** bound before its type's: both tables go in ST_BATCH rows per
    ** statement, across type boundaries. */
    int64_t first = 1;
    sqlite3_stmt *q = w->stmt[ST_MAX_TYPE_ID];
    if (sqlite3_step(q) == SQLITE_ROW)
        first = sqlite3_column_int64(q, 0) + 1;
    int qrc = sqlite3_reset(q);
    if (qrc != SQLITE_OK)
        return st_sqlerr(w, err, "cannot number types");
    /* Many types into the empty table (the database's first binary): a
    ** second thread writes the types rows while this one writes the
    ** members */
    st_side side;
    memset(&side, 0, sizeof side);
    int helper = 0;
    if (first == 1 && n >= ST_SIDE_MIN_TYPES && !w->no_helper) {
        side.path = w->final_path;
        side.rows = rows;
        side.n = n;
        side.binary_id = binary_id;
        side.first = first;
        snprintf(side.uri, sizeof side.uri, "file:/holeprof-%ld-%p?vfs=memdb", (long)getpid(),
                 (void *)w);
        if (st_side_schema(w, &side, err) != 0)
            return -1;
        helper = pthread_create(&side.th, NULL, st_side_main, &side) == 0;
        if (!helper)
            st_side_free(&side);
    }
    if (!helper && st_insert_types(w->db, w->final_path, w->tstmt, first, binary_id, rows, n,
                                   err) != 0)
        return -1;
    /* members: a cursor (type ti, member mi) walks them all in order */
    size_t ti = 0;
    uint32_t mi = 0;
    for (uint64_t done = 0; done < nmembers;) {
        uint32_t k = nmembers - done < ST_BATCH ? (uint32_t)(nmembers - done) : ST_BATCH;
        sqlite3_stmt *s = st_rows_stmt(w->db, w->final_path, w->mstmt, ST_MEMBER_HEAD,
                                       ST_MEMBER_COLS, k, err);
        if (s == NULL)
            goto fail;
        int rc = SQLITE_OK;
        const char *bad = NULL;
        for (uint32_t r = 0; r < k; r++) {
            while (mi == rows[ti].t->nmembers) {
                ti++;
                mi = 0;
            }
            if (mi == 0 && st_invert(w, &rows[ti], err) != 0)
                goto fail;      /* the whole database goes: no row half-kept */
            st_bind_member(s, (int)r * ST_MEMBER_COLS, first + (int64_t)ti, mi,
                           &rows[ti].t->members[mi], w->inv[mi],
                           !(rows[ti].t->flags & TF_INCOMPLETE), &rc, &bad);
            mi++;
        }
        if (st_step(w, s, rc, bad, "cannot insert member", err) != 0)
            goto fail;
        done += k;
    }
    if (helper && st_side_join(w, &side, err) != 0)
        return -1;
    if (ids)
        for (size_t i = 0; i < n; i++)
            ids[i] = first + (int64_t)i;
    return 0;
fail:
    if (helper)
        st_side_join(w, &side, NULL);
    return -1;
}

int st_add_alias(st_writer *w, int64_t binary_id, const char *alias, const char *name,
                 hp_err *err)
{
    sqlite3_stmt *st = w->stmt[ST_INS_ALIAS];
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, binary_id);
    sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        return st_sqlerr(w, err, "cannot store type alias");
    return 0;
}

int st_build_indexes(st_writer *w, hp_err *err)
{
    if (w->ndeferred == 0)
        return 0;
    for (size_t i = 0; i < w->ndeferred; i++)
        if (st_exec(w, w->deferred[i], "cannot create index", err) != 0)
            return -1;
    for (size_t i = 0; i < w->ndeferred; i++)
        free(w->deferred[i]);
    w->ndeferred = 0;
    hp_phase("indexes built");
    return 0;
}

void st_set_busy(st_writer *w, int busy)
{
    w->no_helper = busy;
}

int st_flush(st_writer *w, hp_err *err)
{
    /* journal_mode=OFF: the COMMIT only writes the dirty pages out; a
    ** later failure still unlinks the whole temporary file */
    if (st_exec(w, "COMMIT; BEGIN", "cannot write database", err) != 0)
        return -1;
#ifdef SYNC_FILE_RANGE_WRITE
    /* asynchronous: queue the writeback and return (Linux only; elsewhere
    ** st_commit's fsync does all of it) */
    (void)sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
    return 0;
}

int st_commit(st_writer *w, hp_err *err)
{
    if (st_build_indexes(w, err) != 0) {
        st_free(w);
        return -1;
    }
    if (st_exec(w, "COMMIT", "cannot commit", err) != 0) {
        st_free(w);
        return -1;
    }
    for (int i = 0; i < ST_NSTMT; i++) {
        sqlite3_finalize(w->stmt[i]);
        w->stmt[i] = NULL;
    }
    for (int i = 0; i <= ST_BATCH; i++) {
        sqlite3_finalize(w->tstmt[i]);
        sqlite3_finalize(w->mstmt[i]);
        w->tstmt[i] = w->mstmt[i] = NULL;
    }
    if (sqlite3_close(w->db) != SQLITE_OK) {
        st_sqlerr(w, err, "cannot close database");
        st_free(w);
        return -1;
    }
    w->db = NULL;
    /* SQLite ran with synchronous=OFF; make the bytes durable before the
    ** rename publishes them, or a crash could leave an empty target. */
    if (w->through != NULL) {
        /* a device or FIFO: copy the finished file into it, replace nothing */
        int rc = of_copy_through(w->through, w->final_path, w->fd, err);
        st_free(w);             /* closes and unlinks the temporary file */
        return rc;
    }
    if (fsync(w->fd) != 0) {
        hp_errf(err, w->final_path, "cannot sync database: %s", strerror(errno));
        st_free(w);
        return -1;
    }
    if (close(w->fd) != 0) {
        w->fd = -1;
        hp_errf(err, w->final_path, "cannot write database: %s", strerror(errno));
        st_free(w);
        return -1;
    }
    w->fd = -1;
    if (rename(w->tmp_path, w->dest) != 0) {
        hp_errf(err, w->final_path, "cannot create database: %s", strerror(errno));
        st_free(w);
        return -1;
    }
    hp_tmp_unregister(w->tmp_path);
    free(w->tmp_path);
    w->tmp_path = NULL;
    /* Persist the directory entry too; failing here is harmless (the file
    ** is complete), so it is best effort. */
    char *dir = of_dirname(w->dest);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
    st_free(w);
    return 0;
}

static int st_pragma_int(sqlite3 *db, const char *sql, int *val)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *val = sqlite3_column_int(s, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

/* ---- the built-in schema, as SQLite stores it ---------------------------- */

static st_object *st_objs;
static size_t st_nobjs;
static pthread_once_t st_objs_once = PTHREAD_ONCE_INIT;

/* hp_schema_sql run in a private in-memory database: the rows of its
** sqlite_schema are exactly what st_create() leaves in every file (the
** deferred indexes are re-created from the same text). */
static void st_load_builtin(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK
        || sqlite3_exec(db, hp_schema_sql, NULL, NULL, NULL) != SQLITE_OK
        || sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema"
                              " ORDER BY rowid", -1, &s, NULL) != SQLITE_OK) {
        /* the compiled-in text is ours: this is a build defect */
        fprintf(stderr, "holeprof: the built-in schema does not load: %s\n",
                db ? sqlite3_errmsg(db) : "out of memory");
        exit(HP_EXIT_ERROR);
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        st_object *o = HP_PUSH(st_objs, st_nobjs, cap);
        const char *sql = (const char *)sqlite3_column_text(s, 3);
        o->type = hp_xstrdup((const char *)sqlite3_column_text(s, 0));
        o->name = hp_xstrdup((const char *)sqlite3_column_text(s, 1));
        o->tbl = hp_xstrdup((const char *)sqlite3_column_text(s, 2));
        o->sql = sql ? hp_xstrdup(sql) : NULL;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
}

const st_object *st_builtin(size_t *n)
{
    pthread_once(&st_objs_once, st_load_builtin);
    *n = st_nobjs;
    return st_objs;
}

static const st_object *st_builtin_find(const char *type, const char *name)
{
    size_t n;
    const st_object *o = st_builtin(&n);
    for (size_t i = 0; i < n; i++)
        if ((type == NULL || strcmp(o[i].type, type) == 0) && sqlite3_stricmp(o[i].name, name) == 0)
            return &o[i];
    return NULL;
}

/* ---- limits on reading a database: time and SQLite's heap ---------------- */

static double st_time_limit = -1;        /* seconds; 0 = none; < 0 not read yet */
static int64_t st_heap_limit = -1;       /* bytes; 0 = none */
static struct timespec st_deadline;
static volatile int st_time_hit;
/* HOLEPROF_DB_STEPS=1: count the virtual-machine steps of every reading
** connection (in units of ST_STEP_UNIT, the progress handler's interval
** then) and print the total at exit -- a cost that does not depend on the
** machine's load, for tests/t_db_scale.sh */
#define ST_PROGRESS_STEPS 10000
#define ST_STEP_UNIT 100
static int st_count_steps;
static _Atomic unsigned long long st_steps;

static void st_print_steps(void)
{
    fprintf(stderr, "holeprof: %llu SQLite virtual-machine steps\n",
            (unsigned long long)st_steps * ST_STEP_UNIT);
}

static double st_env_number(const char *name, double dflt, double max)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return dflt;
    char *end = NULL;
    double d = strtod(v, &end);
    if (end == v || *end != '\0' || !(d >= 0) || d > max) {
        fprintf(stderr, "holeprof: %s=%s is not a number from 0 to %.0f; using %.0f\n", name, v,
                max, dflt);
        return dflt;
    }
    return d;
}

static void st_arm_deadline(void)
{
    clock_gettime(CLOCK_MONOTONIC, &st_deadline);
    double whole = (double)(int64_t)st_time_limit;
    st_deadline.tv_sec += (time_t)whole;
    st_deadline.tv_nsec += (long)((st_time_limit - whole) * 1e9);
    if (st_deadline.tv_nsec >= 1000000000L) {
        st_deadline.tv_sec++;
        st_deadline.tv_nsec -= 1000000000L;
    }
    st_time_hit = 0;
}

void st_limits_rearm(void)
{
    if (st_time_limit >= 0)
        st_arm_deadline();
}

static void st_read_limits(void)
{
    if (st_time_limit >= 0)
        return;
    st_time_limit = st_env_number("HOLEPROF_DB_TIME_LIMIT", ST_DEFAULT_TIME_LIMIT, 1e7);
    st_heap_limit = (int64_t)(st_env_number("HOLEPROF_DB_MEMORY_LIMIT", ST_DEFAULT_MEMORY_LIMIT,
                                            1 << 24) * 1048576.0);
    st_arm_deadline();
    /* process-wide; readers and profile only (analyze never gets here,
    ** and its in-memory side database may legitimately be large) */
    if (st_heap_limit > 0)
        sqlite3_hard_heap_limit64(st_heap_limit);
    const char *c = getenv("HOLEPROF_DB_STEPS");
    if (c != NULL && strcmp(c, "1") == 0) {
        st_count_steps = 1;
        atexit(st_print_steps);
    }
}

/* Called by SQLite every few thousand VM steps: past the deadline, the
** statement fails with SQLITE_INTERRUPT. */
static int st_progress(void *arg)
{
    (void)arg;
    if (st_count_steps) {
        st_steps++;
        if (st_steps % (ST_PROGRESS_STEPS / ST_STEP_UNIT) != 0 || st_time_limit <= 0)
            return 0;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > st_deadline.tv_sec
        || (now.tv_sec == st_deadline.tv_sec && now.tv_nsec >= st_deadline.tv_nsec)) {
        st_time_hit = 1;
        return 1;
    }
    return 0;
}

int st_limit_note(const char *msg, char *buf, size_t n)
{
    if (st_time_hit && strstr(msg, "interrupted") != NULL)
        return snprintf(buf, n, " (the time limit for database work, %g s, ran out;"
                        " HOLEPROF_DB_TIME_LIMIT=SECONDS raises it)", st_time_limit);
    if (st_heap_limit > 0 && strstr(msg, "out of memory") != NULL)
        return snprintf(buf, n, " (SQLite's memory limit, %lld MiB, was reached;"
                        " HOLEPROF_DB_MEMORY_LIMIT=MIB raises it)",
                        (long long)(st_heap_limit >> 20));
    return 0;
}

void st_harden(sqlite3 *db, int writes)
{
    /* A database is input like any other file: its schema may not run
    ** functions with side effects (trusted_schema off), it cannot be
    ** made to write its own schema (defensive), the two-argument
    ** fts3_tokenizer() that turns a blob into a function pointer is off,
    ** no extension loads, and no trigger of the file ever fires. */
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
#endif
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    /* the file's own views stay usable (they can call only innocuous
    ** functions, and the limits below bound them); --binary replaces them
    ** by TEMP views built from the compiled-in schema (merge.c) */
    (void)writes;
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    st_read_limits();
    hp_err_note = st_limit_note;
    if (st_count_steps)
        sqlite3_progress_handler(db, ST_STEP_UNIT, st_progress, NULL);
    else if (st_time_limit > 0)
        sqlite3_progress_handler(db, ST_PROGRESS_STEPS, st_progress, NULL);
}

/* ---- the file's schema against the built-in one -------------------------- */

/* An index holeprof did not make is harmless to a writer when it only
** orders plain columns: no expression, no WHERE clause. */
static int st_plain_index(sqlite3 *db, const char *name, const char *tbl)
{
    sqlite3_stmt *s = NULL;
    int plain = st_builtin_find("table", tbl) != NULL;
    char *sql = sqlite3_mprintf("SELECT count(*) FROM pragma_index_list(%Q) WHERE name = %Q"
                                " AND partial = 0 AND origin = 'c'", tbl, name);
    if (plain && sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK
        && sqlite3_step(s) == SQLITE_ROW)
        plain = sqlite3_column_int(s, 0) == 1;
    else
        plain = 0;
    sqlite3_finalize(s);
    sqlite3_free(sql);
    s = NULL;
    sql = sqlite3_mprintf("SELECT count(*) FROM pragma_index_xinfo(%Q) WHERE cid = -2", name);
    if (plain && sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK
        && sqlite3_step(s) == SQLITE_ROW)
        plain = sqlite3_column_int(s, 0) == 0;
    else
        plain = 0;
    sqlite3_finalize(s);
    sqlite3_free(sql);
    return plain;
}

int st_check_schema(sqlite3 *db, const char *path, int writes, hp_err *err)
{
    size_t nb;
    const st_object *b = st_builtin(&nb);
    char *seen = hp_xcalloc(nb + 1, 1);
    sqlite3_stmt *s = NULL;
    int status = -1, rc;
    const char *verb = writes ? "; refusing to write into it" : "";
    if (sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, sql FROM main.sqlite_schema"
                           " ORDER BY rowid", -1, &s, NULL) != SQLITE_OK) {
        hp_errf(err, path, "damaged database: %s", sqlite3_errmsg(db));
        goto done;
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(s, 0);
        const char *name = (const char *)sqlite3_column_text(s, 1);
        const char *tbl = (const char *)sqlite3_column_text(s, 2);
        const char *sql = (const char *)sqlite3_column_text(s, 3);
        if (type == NULL || name == NULL || tbl == NULL) {
            hp_errf(err, path, "damaged database: a schema row without a type or name");
            goto done;
        }
        const st_object *o = st_builtin_find(type, name);
        const st_object *same_name = o ? o : st_builtin_find(NULL, name);
        if (same_name != NULL && strcmp(same_name->type, "table") == 0 && o == NULL) {
            /* readers too: `types` as a view or virtual table is not data */
            hp_errf(err, path, "damaged database: '%s' is a %s, not a table", name, type);
            goto done;
        }
        if (o != NULL && strcmp(type, "table") == 0 && !writes && sql != NULL
            && sqlite3_strnicmp(sql, "CREATE VIRTUAL", 14) == 0) {
            hp_errf(err, path, "damaged database: '%s' is a virtual table", name);
            goto done;
        }
        if (o != NULL)
            seen[o - b] = 1;
        if (!writes)
            continue;
        if (o != NULL) {
            if ((o->sql == NULL) != (sql == NULL) || (sql != NULL && strcmp(o->sql, sql) != 0)) {
                hp_errf(err, path, "its %s '%s' is not the one this holeprof makes%s", type,
                        name, verb);
                goto done;
            }
            continue;
        }
        /* objects holeprof did not make: statistics from ANALYZE and
        ** plain indexes are harmless; tables, views and triggers are not */
        if (strcmp(type, "table") == 0
            && (strcmp(name, "sqlite_stat1") == 0 || strcmp(name, "sqlite_stat4") == 0))
            continue;
        if (strcmp(type, "index") == 0 && sql != NULL && st_plain_index(db, name, tbl))
            continue;
        hp_errf(err, path, "has %s %s '%s' that this holeprof did not make%s",
                strcmp(type, "index") == 0 ? "an" : "a", type, name, verb);
        goto done;
    }
    if (rc != SQLITE_DONE) {
        hp_errf(err, path, "damaged database: %s", sqlite3_errmsg(db));
        goto done;
    }
    for (size_t i = 0; writes && i < nb; i++)
        if (!seen[i] && strcmp(b[i].type, "index") != 0) {
            hp_errf(err, path, "lacks the %s '%s' this holeprof makes%s", b[i].type, b[i].name,
                    verb);
            goto done;
        }
    status = 0;
done:
    sqlite3_finalize(s);
    free(seen);
    return status;
}

/* ---- opening ------------------------------------------------------------ */

/* "file:" URI of path with immutable=1: every byte but the unreserved
** ones percent-encoded, so no '?', '#' or '%' of the name is read as URI
** syntax. */
static char *st_immutable_uri(const char *path)
{
    hp_buf b = { 0 };
    hp_buf_puts(&b, path[0] == '/' ? "file://" : "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
            || *p == '/' || *p == '.' || *p == '-' || *p == '_' || *p == '~')
            hp_buf_putn(&b, (const char *)p, 1);
        else
            hp_buf_printf(&b, "%%%02X", *p);
    }
    hp_buf_puts(&b, "?mode=ro&immutable=1");
    return b.s;
}

/* A reader of a WAL-mode database (header bytes 18-19 = 2) opens it
** immutable when its -wal file is absent or empty: there is nothing to
** miss, SQLite then needs no -shm or -wal (so a non-root user can read
** it in a directory it cannot write), and the reader leaves no files
** behind.  With a non-empty -wal the changes in it must be read: a
** normal read-only open, which needs the -shm; when that cannot work (a
** directory we cannot write, no -shm), one line says what to do. */
static int st_read_mode(const char *path, int *immutable, hp_err *err)
{
    *immutable = 0;
    unsigned char h[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hp_errf(err, path, "%s", strerror(errno));
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n != (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0 || h[18] != 2
        || h[19] != 2)
        return 0;
    char *wal = hp_xasprintf("%s-wal", path), *shm = hp_xasprintf("%s-shm", path);
    struct stat ws;
    int has_wal = stat(wal, &ws) == 0 && ws.st_size > 0;
    int status = 0;
    if (!has_wal) {
        *immutable = 1;
    } else if (access(shm, F_OK) != 0) {
        char *dir = of_dirname(path);
        if (access(dir, W_OK) != 0)
            status = hp_errf(err, path, "its write-ahead log %s holds changes, and without"
                             " %s they cannot be read from a directory this user cannot"
                             " write; checkpoint it first (sqlite3 FILE 'PRAGMA"
                             " wal_checkpoint(TRUNCATE)')", wal, shm);
        free(dir);
    }
    free(wal);
    free(shm);
    return status;
}

static int st_open(const char *path, int writes, sqlite3 **out, hp_err *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return hp_errf(err, path, "%s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return hp_errf(err, path, "not a holeprof database (not a regular file)");
    int immutable = 0;
    if (!writes && st_read_mode(path, &immutable, err) != 0)
        return -1;
    sqlite3 *db = NULL;
    /* a path that begins "file:" stays a path: URI names are off, except
    ** for the immutable URI we build */
    char *uri = immutable ? st_immutable_uri(path) : NULL;
    int orc = sqlite3_open_v2(uri ? uri : path, &db,
                              (writes ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY)
                              | (uri ? SQLITE_OPEN_URI : 0), NULL);
    free(uri);
    if (orc != SQLITE_OK) {
        hp_errf(err, path, "cannot open database%s: %s", writes ? " for writing" : "",
                db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    st_harden(db, writes);
    sqlite3_extended_result_codes(db, 1);
    if (writes)
        sqlite3_busy_timeout(db, 5000);

    int app = 0, ver = 0, rc = st_pragma_int(db, "PRAGMA application_id", &app);
    if ((rc & 0xff) == SQLITE_NOTADB) {
        hp_errf(err, path, "not a holeprof database (not an SQLite file)");
        goto fail;
    }
    if (rc != SQLITE_OK) {
        hp_errf(err, path, "cannot read database: %s", sqlite3_errmsg(db));
        goto fail;
    }
    if ((uint32_t)app != (uint32_t)ST_APPLICATION_ID) {
        hp_errf(err, path, "not a holeprof database");
        goto fail;
    }
    if (st_pragma_int(db, "PRAGMA user_version", &ver) != SQLITE_OK) {
        hp_errf(err, path, "cannot read database: %s", sqlite3_errmsg(db));
        goto fail;
    }
    if (ver != ST_SCHEMA_VERSION) {
        hp_errf(err, path, "made by a different holeprof schema version %d (this is %d);"
                " re-run analyze", ver, ST_SCHEMA_VERSION);
        goto fail;
    }
    /* Reading the schema now turns a damaged file into an error here
    ** rather than in the middle of a report. */
    if (st_check_schema(db, path, writes, err) != 0)
        goto fail;
    *out = db;
    return 0;
fail:
    sqlite3_close(db);
    return -1;
}

int st_open_read(const char *path, sqlite3 **out, hp_err *err)
{
    return st_open(path, 0, out, err);
}

int st_open_update(const char *path, sqlite3 **out, hp_err *err)
{
    return st_open(path, 1, out, err);
}
