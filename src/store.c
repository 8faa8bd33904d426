/*
** store.c -- implementation of store.h: writing a holeprof database
** atomically, and opening one for reading.
**
** Contract: st_create() makes a temporary file ".NAME.tmp.XXXXXX" in the
** target's directory (so the final rename(2) cannot cross file systems),
** creates the schema in it and opens one transaction.  Rows go in through
** prepared statements that are reused, every value bound.  st_commit()
** commits, closes, fsyncs and renames the file over the target; any
** failure, or st_abort(), unlinks the temporary file, so the target is
** either the complete new database or left exactly as it was.
** st_open_read() opens read-only and checks application_id and
** user_version before anyone reads a table.
*/
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

enum { ST_INS_BINARY, ST_INS_TYPE, ST_INS_MEMBER, ST_INS_ALIAS, ST_NSTMT };

static const char *const st_insert_sql[ST_NSTMT] = {
    "INSERT INTO binaries(path, build_id, arch, debug_file, debug_how, producer,"
    " cacheline, cu_count, die_count, analyzed_at, holeprof_version)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    "INSERT INTO types(binary_id, kind, name, size, align, members, holes,"
    " hole_bytes, bit_holes, bit_hole_bits, tail_padding, optimal_size,"
    " cachelines, decl_file, decl_line, cu_count, lang, flags, packed,"
    " explicit_align, conflict, layout_hash, pre_hole, pre_bit_hole, bit_padding)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
    NULL,   /* members: st_member_stmt() */
    "INSERT OR IGNORE INTO type_aliases(binary_id, alias, name) VALUES (?1, ?2, ?3)",
};

/* Members go in ST_MEMBER_BATCH rows per INSERT: one statement per type
** for most types instead of one per member, which spares SQLite most of
** its per-statement work (a third of the writing on python3.11). */
#define ST_MEMBER_BATCH 16
#define ST_MEMBER_COLS  15

struct st_writer {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_NSTMT];
    sqlite3_stmt *mstmt[ST_MEMBER_BATCH + 1];   /* [k]: k rows, made on first use */
    char *final_path;
    char *tmp_path;
    int fd;                 /* from mkstemp; kept open for the final fsync */
    uint32_t *inv;          /* scratch: member idx -> suggested position */
    size_t inv_cap;
    char **deferred;        /* CREATE INDEX statements run by st_commit */
    size_t ndeferred, deferred_cap;
};

/* "dir/name" -> "dir"; "name" -> "." */
static char *st_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return hp_xstrdup(".");
    if (slash == path)
        return hp_xstrdup("/");
    return hp_xstrndup(path, (size_t)(slash - path));
}

static void st_free(st_writer *w)
{
    for (int i = 0; i < ST_NSTMT; i++)
        sqlite3_finalize(w->stmt[i]);
    for (int i = 0; i <= ST_MEMBER_BATCH; i++)
        sqlite3_finalize(w->mstmt[i]);
    if (w->db)
        sqlite3_close_v2(w->db);
    if (w->fd >= 0)
        close(w->fd);
    if (w->tmp_path)
        unlink(w->tmp_path);
    free(w->tmp_path);
    free(w->final_path);
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
    *out = NULL;
    if (final_path == NULL || *final_path == '\0')
        return hp_errf(err, NULL, "no database path given");
    size_t len = strlen(final_path);
    if (final_path[len - 1] == '/')
        return hp_errf(err, final_path, "database path names a directory");

    struct stat st;
    if (stat(final_path, &st) == 0 && S_ISDIR(st.st_mode))
        return hp_errf(err, final_path, "cannot create database: Is a directory");

    st_writer *w = hp_xcalloc(1, sizeof *w);
    w->fd = -1;
    w->final_path = hp_xstrdup(final_path);
    char *dir = st_dirname(final_path);
    const char *slash = strrchr(final_path, '/');
    const char *base = slash ? slash + 1 : final_path;
    w->tmp_path = hp_xasprintf("%s/.%s.tmp.XXXXXX", dir, base);
    w->fd = mkstemp(w->tmp_path);
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
    if (sqlite3_open_v2(w->tmp_path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
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

/* Run a bound INSERT once and make it ready for reuse. */
static int st_step(st_writer *w, sqlite3_stmt *s, int rc, const char *bad, const char *what,
                   hp_err *err)
{
    if (bad != NULL) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return hp_errf(err, w->final_path, "%s: value %s out of range", what, bad);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE && rc != SQLITE_OK)
        return st_sqlerr(w, err, what);
    return 0;
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

/* The INSERT of k member rows, prepared on first use. */
static sqlite3_stmt *st_member_stmt(st_writer *w, uint32_t k, hp_err *err)
{
    if (w->mstmt[k] != NULL)
        return w->mstmt[k];
    hp_buf b = {0};
    hp_buf_puts(&b, "INSERT INTO members(type_id, idx, name, type_name, offset, size, bitpos,"
                " bit_offset, bit_size, align, flags, hole_after, bit_hole_after,"
                " cacheline, suggested_pos) VALUES ");
    for (uint32_t r = 0; r < k; r++) {
        hp_buf_puts(&b, r ? ",(" : "(");
        for (int c = 0; c < ST_MEMBER_COLS; c++) {
            hp_buf_puts(&b, c ? ",?" : "?");
            hp_buf_putu(&b, r * ST_MEMBER_COLS + (uint32_t)c + 1);
        }
        hp_buf_puts(&b, ")");
    }
    int rc = sqlite3_prepare_v3(w->db, b.s, -1, SQLITE_PREPARE_PERSISTENT, &w->mstmt[k], NULL);
    hp_buf_free(&b);
    if (rc != SQLITE_OK) {
        st_sqlerr(w, err, "cannot prepare statement");
        return NULL;
    }
    return w->mstmt[k];
}

int st_add_type(st_writer *w, int64_t binary_id, const lay_type *t, uint32_t cu_count,
                const uint32_t *suggested, int64_t *type_id, hp_err *err)
{
    sqlite3_stmt *s = w->stmt[ST_INS_TYPE];
    int rc = SQLITE_OK;
    const char *bad = NULL;
    const char *name = t->name ? t->name : "(anonymous)";
    char hash[17];
    snprintf(hash, sizeof hash, "%016" PRIx64, t->hash);

    if (t->nmembers > 0 && t->members == NULL)
        return hp_errf(err, w->final_path, "type '%s': members missing", name);
    /* members.suggested_pos is the inverse permutation of `suggested`;
    ** anything that is not a permutation is a caller bug, not data. */
    if (suggested != NULL && t->nmembers > 0) {
        hp_grow((void **)&w->inv, &w->inv_cap, t->nmembers, sizeof *w->inv);
        for (uint32_t i = 0; i < t->nmembers; i++)
            w->inv[i] = UINT32_MAX;
        for (uint32_t pos = 0; pos < t->nmembers; pos++) {
            uint32_t ix = suggested[pos];
            if (ix >= t->nmembers || w->inv[ix] != UINT32_MAX)
                return hp_errf(err, w->final_path,
                               "type '%s': suggested order is not a permutation", name);
            w->inv[ix] = pos;
        }
    }

    st_bind_i64(s, 1, binary_id, &rc);
    st_bind_text(s, 2, lay_kind_name(t->kind), &rc);
    st_bind_text(s, 3, name, &rc);
    st_bind_u64(s, 4, t->size, &rc, &bad);
    st_bind_i64(s, 5, t->align, &rc);
    st_bind_i64(s, 6, t->nmembers, &rc);
    st_bind_i64(s, 7, t->holes, &rc);
    st_bind_u64(s, 8, t->hole_bytes, &rc, &bad);
    st_bind_i64(s, 9, t->bit_holes, &rc);
    st_bind_u64(s, 10, t->bit_hole_bits, &rc, &bad);
    st_bind_u64(s, 11, t->tail_padding, &rc, &bad);
    st_bind_u64(s, 12, t->optimal_size, &rc, &bad);
    st_bind_i64(s, 13, t->cachelines, &rc);
    st_bind_text(s, 14, t->decl_file, &rc);
    if (t->decl_line > 0)
        st_bind_i64(s, 15, t->decl_line, &rc);
    else
        rc = rc == SQLITE_OK ? sqlite3_bind_null(s, 15) : rc;
    st_bind_i64(s, 16, cu_count, &rc);
    st_bind_text(s, 17, lay_lang_name(t->lang), &rc);
    st_bind_i64(s, 18, t->flags, &rc);
    st_bind_i64(s, 19, (t->flags & TF_PACKED) != 0, &rc);
    st_bind_i64(s, 20, (t->flags & TF_EXPLICIT_ALIGN) != 0, &rc);
    st_bind_i64(s, 21, (t->flags & TF_CONFLICT) != 0, &rc);
    st_bind_text(s, 22, hash, &rc);
    st_bind_u64(s, 23, t->pre_hole, &rc, &bad);
    st_bind_i64(s, 24, t->pre_bit_hole, &rc);
    st_bind_i64(s, 25, t->bit_padding, &rc);
    if (st_step(w, s, rc, bad, "cannot insert type", err) != 0)
        return -1;
    int64_t tid = sqlite3_last_insert_rowid(w->db);

    for (uint32_t i0 = 0; i0 < t->nmembers;) {
        uint32_t k = t->nmembers - i0 < ST_MEMBER_BATCH ? t->nmembers - i0 : ST_MEMBER_BATCH;
        s = st_member_stmt(w, k, err);
        if (s == NULL)
            return -1;
        rc = SQLITE_OK;
        for (uint32_t r = 0; r < k; r++) {
            uint32_t i = i0 + r;
            const lay_member *m = &t->members[i];
            int b = (int)(r * ST_MEMBER_COLS);
            st_bind_i64(s, b + 1, tid, &rc);
            st_bind_i64(s, b + 2, i, &rc);
            st_bind_text(s, b + 3, m->name, &rc);
            st_bind_text(s, b + 4, m->type_name, &rc);
            st_bind_u64(s, b + 5, m->offset, &rc, &bad);
            st_bind_u64(s, b + 6, m->size, &rc, &bad);
            st_bind_u64(s, b + 7, m->bitpos, &rc, &bad);
            st_bind_i64(s, b + 8, m->bit_offset, &rc);
            st_bind_i64(s, b + 9, m->bit_size, &rc);
            st_bind_i64(s, b + 10, m->align, &rc);
            st_bind_i64(s, b + 11, m->flags, &rc);
            st_bind_u64(s, b + 12, m->hole_after, &rc, &bad);
            st_bind_i64(s, b + 13, m->bit_hole_after, &rc);
            st_bind_i64(s, b + 14, m->cacheline, &rc);
            if (suggested != NULL)
                st_bind_i64(s, b + 15, w->inv[i], &rc);
            else
                rc = rc == SQLITE_OK ? sqlite3_bind_null(s, b + 15) : rc;
        }
        if (st_step(w, s, rc, bad, "cannot insert member", err) != 0)
            return -1;
        i0 += k;
    }
    if (type_id)
        *type_id = tid;
    return 0;
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
    for (int i = 0; i <= ST_MEMBER_BATCH; i++) {
        sqlite3_finalize(w->mstmt[i]);
        w->mstmt[i] = NULL;
    }
    if (sqlite3_close(w->db) != SQLITE_OK) {
        st_sqlerr(w, err, "cannot close database");
        st_free(w);
        return -1;
    }
    w->db = NULL;
    /* SQLite ran with synchronous=OFF; make the bytes durable before the
    ** rename publishes them, or a crash could leave an empty target. */
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
    if (rename(w->tmp_path, w->final_path) != 0) {
        hp_errf(err, w->final_path, "cannot create database: %s", strerror(errno));
        st_free(w);
        return -1;
    }
    free(w->tmp_path);
    w->tmp_path = NULL;
    /* Persist the directory entry too; failing here is harmless (the file
    ** is complete), so it is best effort. */
    char *dir = st_dirname(w->final_path);
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

int st_open_read(const char *path, sqlite3 **out, hp_err *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return hp_errf(err, path, "%s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return hp_errf(err, path, "not a holeprof database (not a regular file)");
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        hp_errf(err, path, "cannot open database: %s", db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    /* A database is input like any other file: never let its schema run
    ** functions with side effects, and refuse to write through it. */
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
#endif
    sqlite3_extended_result_codes(db, 1);

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
    rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        hp_errf(err, path, "damaged database: %s", sqlite3_errmsg(db));
        goto fail;
    }
    *out = db;
    return 0;
fail:
    sqlite3_close(db);
    return -1;
}
