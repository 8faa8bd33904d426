/*
** pf_use.c -- the read side of profiles: which profiles a command counts
** (`--profile A,B`) and how much of what they measured lands on a site
** (the coverage lines of `profile`, `top`, `show` and `report`).
**
** Contract (profile.h): pf_apply() is called by every reading command
** right after the --binary filter, on the command's read-only connection;
** when main set pf_use_list it makes exactly the named profiles the
** selected ones, for this connection only, by shadowing: a TEMP table
** pf_use holds the profiles rows (as the connection sees them, so after
** --binary) with `selected` recomputed, a TEMP view `profiles` reads it,
** and every view of the compiled-in schema (db/schema.sql, never the
** file's own text; st_builtin) is re-created as a TEMP view, so that the ranking
** views read the shadow.  A name that is not in the database is an error
** that lists the names there are.  The database itself is not written.
**
** pf_coverage() appends the coverage of the selected profiles (or of one
** profile) to a buffer: the measured allocations and bytes, the shares on
** struct-typed sites, sites with another answer, ambiguous and untyped
** sites and no site at all, and the leading reasons for the last with
** what to do about each.  It prints nothing when no profile is selected.
*/
#include "profile.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

const char *pf_use_list;

char *pf_profile_names(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT group_concat(name, ', ') FROM (SELECT name FROM profiles"
                           " ORDER BY id)", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = hp_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

static int pu_exec(sqlite3 *db, const char *dbpath, const char *sql, hp_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        hp_errf(err, dbpath, "cannot select the profiles: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Every view of the compiled-in schema (st_builtin), as a TEMP view. */
static int pu_temp_views(sqlite3 *db, const char *dbpath, hp_err *err)
{
    size_t nb;
    const st_object *o = st_builtin(&nb);
    int status = 0;
    for (size_t i = 0; i < nb && status == 0; i++) {
        if (strcmp(o[i].type, "view") != 0 || o[i].sql == NULL
            || sqlite3_strnicmp(o[i].sql, "CREATE VIEW ", 12) != 0)
            continue;
        char *drop = sqlite3_mprintf("DROP VIEW IF EXISTS temp.\"%w\"", o[i].name);
        char *make = sqlite3_mprintf("CREATE TEMP VIEW %s", o[i].sql + 12);
        status = pu_exec(db, dbpath, drop, err);
        if (status == 0)
            status = pu_exec(db, dbpath, make, err);
        sqlite3_free(drop);
        sqlite3_free(make);
    }
    return status;
}

int pf_use_names(sqlite3 *db, const char *dbpath, const char *list, int shadow, hp_err *err)
{
    if (list == NULL || *list == '\0')
        return hp_errf(err, dbpath, "--profile wants one or more profile names, A or A,B");
    if (pu_exec(db, dbpath, "DROP TABLE IF EXISTS temp.pf_use;"
                " CREATE TEMP TABLE pf_use AS SELECT * FROM profiles;"
                " UPDATE temp.pf_use SET selected = 0", err) != 0)
        return -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "UPDATE temp.pf_use SET selected = 1 WHERE name = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return hp_errf(err, dbpath, "cannot select the profiles: %s", sqlite3_errmsg(db));
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, p, (int)n, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(db) == 0) {
            char *names = pf_profile_names(db);
            hp_errf(err, dbpath, "no profile named '%.*s' (profiles: %.300s)", (int)(n < 200 ? n : 200),
                    p, names ? names : "none");
            free(names);
            sqlite3_finalize(st);
            return -1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    sqlite3_finalize(st);
    if (!shadow)
        return 0;
    if (pu_exec(db, dbpath, "DROP VIEW IF EXISTS temp.profiles;"
                " CREATE TEMP VIEW profiles AS SELECT * FROM temp.pf_use", err) != 0)
        return -1;
    return pu_temp_views(db, dbpath, err);
}

int pf_apply(sqlite3 *db, const char *dbpath, hp_err *err)
{
    if (pf_use_list == NULL)
        return 0;
    return pf_use_names(db, dbpath, pf_use_list, 1, err);
}

static void pu_pct(hp_buf *b, int64_t part, int64_t whole)
{
    hp_buf_printf(b, "%.1f%%", whole > 0 ? 100.0 * (double)part / (double)whole : 0.0);
}

/* What to do about each reason an allocation found no site. */
static const char *pu_advice(const char *reason)
{
    if (strcmp(reason, "library") == 0)
        return "frames in code not analyzed into the database: analyze that library too";
    if (strcmp(reason, "arena") == 0)
        return "small objects served from pymalloc's arenas never reach malloc: run the program"
               " with PYTHONMALLOC=malloc";
    if (strcmp(reason, "unresolved") == 0)
        return "an allocator called through a pointer holeprof did not resolve";
    if (strcmp(reason, "no-frame") == 0)
        return "the profile recorded no frame beyond the allocator";
    if (strcmp(reason, "cut") == 0)
        return "gperftools wrote no stack for them (its heap profile holds at most 1 MiB of"
               " stacks): profile a shorter run, or count with perf uprobes or heaptrack";
    if (strcmp(reason, "lost") == 0)
        return "perf dropped them: record with a larger -m buffer (-m 16M) or a smaller"
               " --call-graph dwarf,SIZE, and check `perf report --stats` for LOST_SAMPLES";
    return "";
}

int pf_coverage(sqlite3 *db, int64_t profile_id, int nreasons, const char *indent, hp_buf *b)
{
    sqlite3_stmt *st = NULL;
    const char *sql =
        "SELECT group_concat(name, ','), count(*), sum(allocations), sum(bytes),"
        " sum(struct_allocations), sum(struct_bytes), sum(other_allocations), sum(other_bytes),"
        " sum(ambiguous_allocations), sum(ambiguous_bytes), sum(untyped_allocations),"
        " sum(untyped_bytes), sum(nosite_allocations), sum(nosite_bytes)"
        " FROM profile_coverage WHERE CASE WHEN ?1 > 0 THEN profile_id = ?1 ELSE selected END";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, profile_id);
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 1) == 0) {
        sqlite3_finalize(st);
        return 0;
    }
    int64_t v[12];
    for (int i = 0; i < 12; i++)
        v[i] = sqlite3_column_int64(st, 2 + i);
    const char *names = (const char *)sqlite3_column_text(st, 0);
    int64_t nprof = sqlite3_column_int64(st, 1);
    hp_buf_printf(b, "%scoverage of %s %s: %lld allocations measured (%lld bytes); on struct-typed"
                  " sites %lld (", indent, nprof > 1 ? "profiles" : "profile", names ? names : "?",
                  (long long)v[0], (long long)v[1], (long long)v[2]);
    pu_pct(b, v[2], v[0]);
    hp_buf_puts(b, " of blocks, ");
    pu_pct(b, v[3], v[1]);
    hp_buf_printf(b, " of bytes), other answers %lld (", (long long)v[4]);
    pu_pct(b, v[4], v[0]);
    hp_buf_printf(b, "), ambiguous %lld (", (long long)v[6]);
    pu_pct(b, v[6], v[0]);
    hp_buf_printf(b, "), untyped %lld (", (long long)v[8]);
    pu_pct(b, v[8], v[0]);
    hp_buf_printf(b, "), no site %lld (", (long long)v[10]);
    pu_pct(b, v[10], v[0]);
    hp_buf_puts(b, ")\n");
    sqlite3_finalize(st);
    if (v[10] <= 0 || nreasons <= 0)
        return 0;
    if (sqlite3_prepare_v2(db, "SELECT m.reason, m.detail, sum(m.allocations), sum(m.bytes)"
                           " FROM profile_misses m JOIN profiles p ON p.id = m.profile_id"
                           " WHERE CASE WHEN ?1 > 0 THEN p.id = ?1 ELSE p.selected END"
                           " GROUP BY m.reason, m.detail ORDER BY 3 DESC, 4 DESC, 1, 2 LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, profile_id);
    sqlite3_bind_int(st, 2, nreasons);
    int first = 1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *reason = (const char *)sqlite3_column_text(st, 0);
        const char *detail = (const char *)sqlite3_column_text(st, 1);
        int64_t a = sqlite3_column_int64(st, 2);
        if (first)
            hp_buf_printf(b, "%sno site, leading reasons:\n", indent);
        first = 0;
        hp_buf_printf(b, "%s  %lld (", indent, (long long)a);
        pu_pct(b, a, v[0]);
        hp_buf_printf(b, ") %s: %s -- %s\n", reason ? reason : "?", detail ? detail : "?",
                      pu_advice(reason ? reason : ""));
    }
    sqlite3_finalize(st);
    return 0;
}

void pf_print_coverage(sqlite3 *db, int64_t profile_id, int nreasons, FILE *out)
{
    hp_buf b = { 0 };
    if (pf_coverage(db, profile_id, nreasons, "", &b) == 0 && b.len)
        fwrite(b.s, 1, b.len, out);
    hp_buf_free(&b);
}
