/*
** sites/report.c -- `holeprof sites DB [TYPE]` (si_report, sites.h).
**
** Contract: reads a database (read-only) and prints its sites grouped by
** the chosen type, then ambiguous and untyped ones; with TYPE also the
** sites where it is only a candidate (TYPE named as for show: names.c);
** --binary selects one binary of a merged database.  Errors name the
** database.
*/
#include "sites.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "store.h"

/* Column i of the current row as text safe for a terminal
** (hp_text_safe), "" for NULL; valid until the next call for column i. */
static const char *col(sqlite3_stmt *st, int i)
{
    static char *slot[20];
    if (i < 0 || i >= (int)(sizeof slot / sizeof *slot))
        return "";
    const char *s = (const char *)sqlite3_column_text(st, i);
    free(slot[i]);
    slot[i] = hp_text_safe(s ? s : "");
    return slot[i];
}

static void print_site(sqlite3_stmt *st, const char *grp, FILE *out)
{
    const char *file = col(st, 2);
    const char *slash = strrchr(file, '/');
    char where[512];
    if (*file)
        snprintf(where, sizeof where, "%s:%lld", slash ? slash + 1 : file,
                 (long long)sqlite3_column_int64(st, 3));
    else
        snprintf(where, sizeof where, "0x%llx", (unsigned long long)sqlite3_column_int64(st, 13));
    char size[64] = "?";
    if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
        long long sz = (long long)sqlite3_column_int64(st, 6);
        if (sqlite3_column_type(st, 7) == SQLITE_NULL)
            snprintf(size, sizeof size, "n x %lld", sz);
        else if (sqlite3_column_int64(st, 7) != 1)
            snprintf(size, sizeof size, "%lld x %lld", (long long)sqlite3_column_int64(st, 7), sz);
        else
            snprintf(size, sizeof size, "%lld", sz);
    }
    fprintf(out, "  %-28s %-24s %s%s(%s)", where, col(st, 4), col(st, 5),
            strcmp(col(st, 14), "tail") == 0 ? " [tail]" : "", size);
    const char *method = col(st, 8);
    if (*method)
        fprintf(out, "  %s %.2f", method, sqlite3_column_double(st, 9));
    if (sqlite3_column_int64(st, 10) > 1)
        fprintf(out, "  weight %lld", (long long)sqlite3_column_int64(st, 10));
    if (sqlite3_column_int64(st, 11) > 0 && sqlite3_column_type(st, 15) != SQLITE_NULL)
        fprintf(out, "  %lld candidates: %s%s", (long long)sqlite3_column_int64(st, 11),
                col(st, 15), sqlite3_column_int64(st, 11) > 6 ? ", ..." : "");
    else if (*col(st, 12) && grp[0] == '(')
        fprintf(out, "  allocates %s", col(st, 12));
    fputc('\n', out);
}

int si_report(const char *dbpath, const char *type, const char *binary, FILE *out, hp_err *err)
{
    sqlite3 *db = NULL;
    if (st_open_read(dbpath, &db, err) != 0)
        return HP_EXIT_ERROR;
    int status = HP_EXIT_ERROR;
    sqlite3_stmt *st = NULL;
    hp_buf idlist = { 0 };
    if (binary != NULL && mrg_select_binary(db, dbpath, binary, NULL, err) != 0)
        goto out;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'sites'", -1, &st,
                           NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        hp_errf(err, dbpath, "no allocation sites in this database (written by an older "
                "holeprof)");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    /* TYPE means what it means to show (names.c): a typedef name, "struct
    ** conn", a glob; the ids go to SQL as one JSON array */
    if (type) {
        int64_t *ids = NULL;
        size_t nids = 0;
        if (rep_find_types(db, dbpath, type, &ids, &nids, err) < 0)
            goto out;
        hp_buf_puts(&idlist, "[");
        for (size_t i = 0; i < nids; i++)
            hp_buf_printf(&idlist, "%s%lld", i ? "," : "", (long long)ids[i]);
        hp_buf_puts(&idlist, "]");
        free(ids);
    }
    /* chosen type first; with TYPE also the sites where it is a candidate */
    const char *sql =
        "SELECT coalesce(t.kind || ' ' || t.name, CASE WHEN s.ambiguous THEN '(ambiguous)' "
        "       ELSE '(type unknown)' END) AS grp, t.size, s.file, s.line, "
        "       coalesce(s.source_function, s.function), "
        "       s.allocator, s.size, s.count, s.method, s.confidence, s.static_weight, "
        "       s.candidates, s.type_name, s.pc, s.kind, "
        "       (SELECT group_concat(name, ', ') FROM (SELECT ct.name FROM site_candidates c "
        "          JOIN types ct ON ct.id = c.type_id WHERE c.site_id = s.id "
        "          ORDER BY ct.name LIMIT 6)) AS cands, 0 AS cand_only, "
        "       t.id IS NULL AS no_type "
        "  FROM sites s LEFT JOIN types t ON t.id = s.type_id "
        " WHERE ?1 IS NULL OR t.id IN (SELECT value FROM json_each(?1)) "
        "UNION ALL "
        "SELECT '(candidate) ' || t.kind || ' ' || t.name, t.size, s.file, s.line, "
        "       coalesce(s.source_function, s.function), "
        "       s.allocator, s.size, s.count, s.method, c.confidence, s.static_weight, "
        "       s.candidates, s.type_name, s.pc, s.kind, NULL, 1, 0 "
        "  FROM site_candidates c JOIN sites s ON s.id = c.site_id "
        "  JOIN types t ON t.id = c.type_id "
        " WHERE ?1 IS NOT NULL AND t.id IN (SELECT value FROM json_each(?1)) "
        " ORDER BY cand_only, no_type, grp, 3, 4, 14";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        hp_errf(err, dbpath, "cannot read sites: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (type)
        sqlite3_bind_text(st, 1, idlist.s, -1, SQLITE_STATIC);
    char *last = NULL;
    size_t shown = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *grp = col(st, 0);
        if (last == NULL || strcmp(last, grp) != 0) {
            free(last);
            last = hp_xstrdup(grp);
            if (sqlite3_column_type(st, 1) != SQLITE_NULL)
                fprintf(out, "%s%s (%lld bytes)\n", shown ? "\n" : "", grp,
                        (long long)sqlite3_column_int64(st, 1));
            else
                fprintf(out, "%s%s\n", shown ? "\n" : "", grp);
        }
        shown++;
        print_site(st, grp, out);
    }
    free(last);
    if (rc != SQLITE_DONE) {
        hp_errf(err, dbpath, "cannot read sites: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (shown == 0 && type)
        fprintf(out, "%s: no allocation sites found\n", type);
    else if (shown == 0)
        fprintf(out, "no allocation sites found\n");
    status = HP_EXIT_OK;
out:
    if (st)
        sqlite3_finalize(st);
    hp_buf_free(&idlist);
    sqlite3_close(db);
    return status;
}
