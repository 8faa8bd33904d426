/*
** query.c -- `holeprof query DB NAME|FILE.sql`: run a query file against a
** database, read-only, and print its results with fmt.c.
**
** Contract (rep_query in report.h): QUERY ending in ".sql" or holding a
** '/' is a file path; otherwise it is a name looked up as NAME.sql in, in
** order, $HOLEPROF_QUERY_DIR, the queries/ directory beside the
** program's own directory (a build that is not installed), the installed
** directory (HOLEPROF_QUERYDIR) and share/holeprof/queries beside the
** program's directory (an install moved elsewhere).  An unknown name is
** an error that lists the names available.  A file whose comments hold a
** line "-- holeprof-query: no: REASON" is not for this command (diff.sql
** needs two databases): it is refused with REASON and not listed.
**
** A file may hold several statements.  All are prepared before any runs,
** and each must pass sqlite3_stmt_readonly(); the database is also opened
** read-only, so a write is refused twice over; an authorizer (qry_auth)
** allows only reading: no ATTACH, no pragma that changes the connection,
** no fts3_tokenizer() or load_extension().  Parameters ?1..?N are
** bound from params (an integer-looking value as an integer, else text);
** the count given must match the highest one the file uses.  Each
** statement that returns columns is printed; in table form, results are
** separated by a blank line.  Errors name the query file and the line of
** the statement: "FILE: near line N: message".
*/
#include "profile.h"
#include "report.h"
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QRY_MAX_FILE (4u << 20)   /* a query file is text someone wrote */

/* The query directories, in search order; returns how many (at most 4).
** Beside the environment and the configured install directory, two are
** found from the program's own path (/proc/self/exe), so no path of the
** build tree is compiled in: DIR/../queries is a build's (the source
** tree's queries/ in an in-tree build, the copy `make` puts in the build
** tree otherwise), DIR/../share/holeprof/queries an install moved
** elsewhere after `make install`. */
static int qry_dirs(const char *dirs[4])
{
    static char build_dir[PATH_MAX + 16], moved_dir[PATH_MAX + 32];
    int n = 0;
    const char *env = getenv("HOLEPROF_QUERY_DIR");
    if (env != NULL && *env != '\0')
        dirs[n++] = env;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = len > 0 ? memrchr(exe, '/', (size_t)len) : NULL;
    if (slash != NULL) {
        *slash = '\0';
        snprintf(build_dir, sizeof build_dir, "%s/../queries", exe);
        dirs[n++] = build_dir;
    }
#ifdef HOLEPROF_QUERYDIR
    dirs[n++] = HOLEPROF_QUERYDIR;
#endif
    if (slash != NULL) {
        snprintf(moved_dir, sizeof moved_dir, "%s/../share/holeprof/queries", exe);
        dirs[n++] = moved_dir;
    }
    return n;
}

static int qry_valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int qry_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define QRY_NOT_FOR_US "-- holeprof-query: no:"

/* The REASON of a "-- holeprof-query: no: REASON" line of the file (its
** length in *n), or NULL: such a file is for the sqlite3 shell only. */
static const char *qry_refusal(const char *sql, size_t *n)
{
    size_t k = strlen(QRY_NOT_FOR_US);
    for (const char *p = sql; p != NULL; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, QRY_NOT_FOR_US, k) == 0) {
            p += k;
            while (*p == ' ')
                p++;
            *n = strcspn(p, "\r\n");
            return p;
        }
    }
    return NULL;
}

static char *qry_read(const char *path, size_t *len, hp_err *err);

/* "holes, summary, type": every query name found in the directories. */
static char *qry_available(const char *dirs[], int ndirs)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (int d = 0; d < ndirs; d++) {
        DIR *dir = opendir(dirs[d]);
        if (dir == NULL)
            continue;
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0
                && qry_valid_name(e->d_name, len - 4)) {
                char *path = hp_xasprintf("%s/%s", dirs[d], e->d_name);
                hp_err ignore = { 0 };
                size_t flen = 0, rlen = 0;
                char *sql = qry_read(path, &flen, &ignore);
                if (sql != NULL && qry_refusal(sql, &rlen) == NULL)
                    *HP_PUSH(names, n, cap) = hp_xstrndup(e->d_name, len - 4);
                free(sql);
                free(path);
            }
        }
        closedir(dir);
    }
    qsort(names, n, sizeof *names, qry_cmp);
    hp_buf b = { 0 };
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
            hp_buf_printf(&b, "%s%s", b.len ? ", " : "", names[i]);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (b.s == NULL)
        hp_buf_puts(&b, "");
    return b.s;
}

/* Read a whole query file; NUL bytes are refused because SQLite would
** silently stop at the first one. */
static char *qry_read(const char *path, size_t *len, hp_err *err)
{
    size_t n = 0;
    char *s = hp_read_file(path, QRY_MAX_FILE, "query file", &n, err);
    if (s == NULL)
        return NULL;
    if (memchr(s, '\0', n) != NULL) {
        free(s);
        hp_errf(err, path, "not a text file (contains NUL bytes)");
        return NULL;
    }
    *len = n;
    return s;
}

/* Resolve QUERY to a readable file path (malloc'd). */
static char *qry_resolve(const char *query, hp_err *err)
{
    size_t len = strlen(query);
    if (strchr(query, '/') != NULL || (len >= 4 && strcmp(query + len - 4, ".sql") == 0))
        return hp_xstrdup(query);
    if (!qry_valid_name(query, len)) {
        hp_errf(err, NULL, "invalid query name '%s' (letters, digits, '_' and '-' only;"
                " give a path to run a file)", query);
        return NULL;
    }
    const char *dirs[4];
    int ndirs = qry_dirs(dirs);
    for (int d = 0; d < ndirs; d++) {
        char *path = hp_xasprintf("%s/%s.sql", dirs[d], query);
        FILE *f = fopen(path, "rb");
        if (f != NULL) {
            fclose(f);
            return path;
        }
        free(path);
    }
    char *avail = qry_available(dirs, ndirs);
    if (*avail != '\0') {
        hp_errf(err, NULL, "unknown query '%s' (available: %s)", query, avail);
    } else {
        hp_buf where = { 0 };
        for (int d = 0; d < ndirs; d++)
            hp_buf_printf(&where, "%s%s", d ? ", " : "", dirs[d]);
        hp_errf(err, NULL, "unknown query '%s' (no query files found in %s)", query,
                where.s ? where.s : "any directory; set HOLEPROF_QUERY_DIR");
        hp_buf_free(&where);
    }
    free(avail);
    return NULL;
}

static int qry_line(const char *start, const char *p)
{
    int line = 1;
    for (; start < p; start++)
        if (*start == '\n')
            line++;
    return line;
}

/* Skip blanks and SQL comments: where the statement really begins. */
static const char *qry_skip(const char *p, const char *end)
{
    while (p < end) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') {
            p++;
        } else if (p + 1 < end && p[0] == '-' && p[1] == '-') {
            while (p < end && *p != '\n')
                p++;
        } else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
            const char *q = p + 2;
            while (q + 1 < end && !(q[0] == '*' && q[1] == '/'))
                q++;
            p = q + 1 < end ? q + 2 : end;
        } else {
            break;
        }
    }
    return p;
}

/* An integer-looking parameter binds as an integer, so `LIMIT ?1` and
** `size > ?1` work; names never look like canonical integers. */
static int qry_bind(sqlite3_stmt *s, int i, const char *v)
{
    const char *p = v;
    if (*p == '-')
        p++;
    int canonical = *p != '\0' && strlen(p) <= 18 && (p[0] != '0' || p[1] == '\0')
                    && !(v[0] == '-' && p[0] == '0');
    for (const char *q = p; canonical && *q; q++)
        if (*q < '0' || *q > '9')
            canonical = 0;
    if (canonical)
        return sqlite3_bind_int64(s, i, strtoll(v, NULL, 10));
    return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* What a query may do: read.  An authorizer sees every action a
** statement would take while it is prepared, so this is a whitelist:
** SELECT, reading columns, recursive CTEs, functions other than the ones
** below, and pragmas that only report.  Everything else -- writes (TEMP
** tables too), ATTACH and DETACH (an attached file would escape the
** checks st_open_read makes), pragmas that change the connection
** (trusted_schema, writable_schema...) -- is refused, and why is kept
** for the error line. */
typedef struct qry_guard {
    char why[160];
} qry_guard;

static int qry_in(const char *s, const char *const *list)
{
    for (; s != NULL && *list != NULL; list++)
        if (sqlite3_stricmp(s, *list) == 0)
            return 1;
    return 0;
}

static int qry_auth(void *arg, int action, const char *a, const char *b, const char *c,
                    const char *d)
{
    (void)c, (void)d;
    qry_guard *g = arg;
    /* fts3_tokenizer hands out (one argument) or takes (two) a pointer to
    ** a function table; the others reach outside the database */
    static const char *const bad_fn[] = {
        "fts3_tokenizer", "load_extension", "readfile", "writefile", "edit", "fts5",
        "sqlite_dbpage", "zipfile", "sqlar_compress", "sqlar_uncompress", NULL,
    };
    /* pragmas that only report, with or without an argument */
    static const char *const info_pragma[] = {
        "table_info", "table_xinfo", "table_list", "index_list", "index_info",
        "index_xinfo", "foreign_key_list", "foreign_key_check", "database_list",
        "collation_list", "function_list", "module_list", "pragma_list",
        "compile_options", "integrity_check", "quick_check", NULL,
    };
    /* pragmas that set something when given a value: reading them is fine */
    static const char *const value_pragma[] = {
        "application_id", "user_version", "schema_version", "page_count", "page_size",
        "freelist_count", "encoding", "data_version", "auto_vacuum", "journal_mode",
        "max_page_count", "foreign_keys", NULL,
    };
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        if (!qry_in(b, bad_fn))
            return SQLITE_OK;
        snprintf(g->why, sizeof g->why, "function %s() is not allowed in a query", b);
        return SQLITE_DENY;
    case SQLITE_PRAGMA:
        if (qry_in(a, info_pragma) || (b == NULL && qry_in(a, value_pragma)))
            return SQLITE_OK;
        snprintf(g->why, sizeof g->why, "PRAGMA %s%s%s is not allowed in a query"
                 " (queries only read)", a ? a : "?", b ? " = " : "", b ? b : "");
        return SQLITE_DENY;
    case SQLITE_UPDATE:
        /* SQLite itself asks this of the schema table when a pragma is
        ** used as a table-valued function (pragma_table_info(...)); a
        ** real UPDATE of it is refused by stmt_readonly and defensive mode */
        if (a != NULL && (strcmp(a, "sqlite_master") == 0 || strcmp(a, "sqlite_schema") == 0))
            return SQLITE_OK;
        break;
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
        snprintf(g->why, sizeof g->why, "%s is not allowed in a query (only the database"
                 " given is read; merge databases with holeprof merge)",
                 action == SQLITE_ATTACH ? "ATTACH" : "DETACH");
        return SQLITE_DENY;
    default:
        break;
    }
    snprintf(g->why, sizeof g->why, "statement would modify the database;"
             " queries are read-only");
    return SQLITE_DENY;
}

typedef struct qry_stmt {
    sqlite3_stmt *stmt;
    int line;
} qry_stmt;

int rep_query(const char *dbpath, const char *query, const char *binary, fmt_kind fmt,
              const char **params, int nparams, FILE *out, hp_err *err)
{
    sqlite3 *db = NULL;
    qry_stmt *st = NULL;
    size_t nst = 0, cap = 0, len = 0;
    char *sql = NULL;
    int status = HP_EXIT_ERROR, maxparam = 0;
    char *path = qry_resolve(query, err);
    if (path == NULL)
        return HP_EXIT_ERROR;
    if ((sql = qry_read(path, &len, err)) == NULL)
        goto done;
    size_t rlen = 0;
    const char *why = qry_refusal(sql, &rlen);
    if (why != NULL) {
        hp_errf(err, path, "not a query for holeprof query: %.*s", (int)rlen, why);
        goto done;
    }
    if (st_open_read(dbpath, &db, err) != 0)
        goto done;
    if (binary != NULL && mrg_select_binary(db, dbpath, binary, NULL, err) != 0)
        goto done;
    if (pf_apply(db, dbpath, err) != 0)
        goto done;

    /* Prepare everything first, so that nothing runs unless every
    ** statement passes the authorizer, is read-only and the parameters
    ** fit.  Line numbers are counted as the statements go by, so a file of
    ** many statements costs linear time. */
    qry_guard guard = { { 0 } };
    sqlite3_set_authorizer(db, qry_auth, &guard);
    const char *tail = sql, *end = sql + len, *counted = sql;
    int line = 1;
    while (tail < end) {
        const char *begin = qry_skip(tail, end);
        if (begin >= end)
            break;
        sqlite3_stmt *s = NULL;
        const char *next = NULL;
        guard.why[0] = '\0';
        line += qry_line(counted, begin) - 1;
        counted = begin;
        if (sqlite3_prepare_v2(db, begin, -1, &s, &next) != SQLITE_OK) {
            const char *at = begin;
#if SQLITE_VERSION_NUMBER >= 3038000
            int off = sqlite3_error_offset(db);
            if (off >= 0 && off <= end - begin)
                at = begin + off;
#endif
            hp_errf(err, path, "near line %d: %s", line + qry_line(begin, at) - 1,
                    guard.why[0] ? guard.why : sqlite3_errmsg(db));
            goto done;
        }
        if (s == NULL)         /* only a comment or a lone ';' */
            break;
        qry_stmt *q = HP_PUSH(st, nst, cap);
        q->stmt = s;
        q->line = line;
        if (!sqlite3_stmt_readonly(s)) {
            hp_errf(err, path, "near line %d: statement would modify the database;"
                    " queries are read-only", q->line);
            goto done;
        }
        int np = sqlite3_bind_parameter_count(s);
        for (int i = 1; i <= np; i++) {
            const char *pn = sqlite3_bind_parameter_name(s, i);
            if (pn != NULL && pn[0] != '?') {
                hp_errf(err, path, "near line %d: named parameter %s is not supported;"
                        " use ?1, ?2, ...", q->line, pn);
                goto done;
            }
        }
        if (np > maxparam)
            maxparam = np;
        if (next == NULL || next <= begin)
            break;
        tail = next;
    }
    if (nst == 0) {
        hp_errf(err, path, "no SQL statement in the file");
        goto done;
    }
    if (nparams < maxparam) {
        char range[32] = "";
        if (maxparam > 1)
            snprintf(range, sizeof range, "..?%d", maxparam);
        hp_errf(err, path, "needs %d parameter%s (?1%s); give %s with --param VALUE",
                maxparam, maxparam == 1 ? "" : "s", range, maxparam == 1 ? "it" : "them");
        goto done;
    }
    if (nparams > maxparam) {
        hp_errf(err, path, "takes %d parameter%s but %d %s given", maxparam,
                maxparam == 1 ? "" : "s", nparams, nparams == 1 ? "was" : "were");
        goto done;
    }

    int printed = 0;
    for (size_t k = 0; k < nst; k++) {
        sqlite3_stmt *s = st[k].stmt;
        int np = sqlite3_bind_parameter_count(s);
        for (int i = 1; i <= np; i++) {
            if (qry_bind(s, i, params[i - 1]) != SQLITE_OK) {
                hp_errf(err, path, "near line %d: cannot bind ?%d: %s", st[k].line, i,
                        sqlite3_errmsg(db));
                goto done;
            }
        }
        if (sqlite3_column_count(s) == 0) {
            int rc;
            while ((rc = sqlite3_step(s)) == SQLITE_ROW)
                ;
            if (rc != SQLITE_DONE) {
                hp_errf(err, path, "near line %d: %s", st[k].line, sqlite3_errmsg(db));
                goto done;
            }
            continue;
        }
        if (printed++ > 0 && fmt == FMT_TABLE)
            fputc('\n', out);
        hp_err local = { 0 };
        if (fmt_print_stmt(s, fmt, out, &local) != 0) {
            hp_errf(err, path, "near line %d: %s", st[k].line, local.msg);
            goto done;
        }
    }
    status = HP_EXIT_OK;
done:
    for (size_t k = 0; k < nst; k++)
        sqlite3_finalize(st[k].stmt);
    free(st);
    if (db)
        sqlite3_close(db);
    free(sql);
    free(path);
    return status;
}
