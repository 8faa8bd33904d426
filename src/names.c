/*
** names.c -- which types a name typed on the command line means
** (rep_find_types in report.h), for show, sites and other reports.
**
** Contract: NAME is tried in this order, the first form that matches
** anything deciding:
**   1. exactly, as types.name spells it (C's "conn", C++'s "ns::Outer",
**      Go's "main.T", a typedef name of an anonymous struct);
**   2. a typedef name of a named aggregate (type_aliases: PyObject ->
**      struct _object);
**   3. when NAME holds '*', '?' or '[', as a glob (SQLite GLOB: case
**      matters) over names and typedef names, like pahole -C's patterns.
** A leading "struct ", "class ", "union " or "enum " -- the way `top`
** and `sites` print a type -- restricts every form to that kind.  Exact
** matches come in (binary, id) order, glob matches by name first.  A name
** that matches nothing is an error naming the database, with up to five
** similar names ("did you mean").  Everything reaches SQL as a bound
** parameter.
*/
#include "report.h"

#include <stdlib.h>
#include <string.h>

static const char *const nm_kinds[] = { "struct", "class", "union", "enum" };

/* "struct conn" -> kind "struct", rest "conn"; otherwise no kind. */
static const char *nm_split(const char *name, char kind[8])
{
    kind[0] = '\0';
    for (size_t i = 0; i < sizeof nm_kinds / sizeof nm_kinds[0]; i++) {
        size_t k = strlen(nm_kinds[i]);
        if (strncmp(name, nm_kinds[i], k) == 0 && name[k] == ' ') {
            const char *rest = name + k;
            while (*rest == ' ')
                rest++;
            if (*rest == '\0')
                break;
            memcpy(kind, nm_kinds[i], k + 1);
            return rest;
        }
    }
    return name;
}

static void nm_did_you_mean(sqlite3 *db, const char *name, hp_buf *b)
{
    static const char sql[] =
        "SELECT DISTINCT name FROM types WHERE name LIKE ?1 ESCAPE '\\'"
        " ORDER BY length(name), name LIMIT 5";
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return;
    hp_buf pat = { 0 };
    hp_buf_puts(&pat, "%");
    for (const char *p = name; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            hp_buf_putn(&pat, "\\", 1);
        hp_buf_putn(&pat, p, 1);
    }
    hp_buf_puts(&pat, "%");
    sqlite3_bind_text(s, 1, pat.s, -1, SQLITE_STATIC);
    int n = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        if (t != NULL)
            hp_buf_printf(b, "%s%s", n++ ? ", " : "; did you mean: ", (const char *)t);
    }
    if (n > 0)
        hp_buf_puts(b, "?");
    sqlite3_finalize(s);
    hp_buf_free(&pat);
}

int rep_find_types(sqlite3 *db, const char *dbpath, const char *name, int64_t **ids, size_t *n,
                   hp_err *err)
{
    static const char *const forms[] = {
        "SELECT t.id FROM types t WHERE t.name = ?1 AND (?2 IS NULL OR t.kind = ?2)"
        " ORDER BY t.binary_id, t.id",
        "SELECT t.id FROM types t WHERE (?2 IS NULL OR t.kind = ?2)"
        " AND t.name IN (SELECT a.name FROM type_aliases a"
        "                 WHERE a.alias = ?1 AND a.binary_id = t.binary_id)"
        " ORDER BY t.binary_id, t.id",
        "SELECT t.id FROM types t WHERE (?2 IS NULL OR t.kind = ?2)"
        " AND (t.name GLOB ?1 OR t.name IN (SELECT a.name FROM type_aliases a"
        "                                    WHERE a.alias GLOB ?1"
        "                                      AND a.binary_id = t.binary_id))"
        " ORDER BY t.name, t.binary_id, t.id",
    };
    char kind[8];
    const char *rest = nm_split(name, kind);
    int glob = strpbrk(rest, "*?[") != NULL;
    size_t cap = 0;
    int matched = 0;
    *ids = NULL;
    *n = 0;
    for (size_t f = 0; f < sizeof forms / sizeof forms[0] && *n == 0; f++) {
        if (f == 2 && !glob)
            break;
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, forms[f], -1, &s, NULL) != SQLITE_OK) {
            hp_errf(err, dbpath, "cannot read types: %s", sqlite3_errmsg(db));
            free(*ids);
            *ids = NULL;
            return -1;
        }
        sqlite3_bind_text(s, 1, rest, -1, SQLITE_STATIC);
        if (kind[0])
            sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            *HP_PUSH(*ids, *n, cap) = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        matched = (int)f;
        if (rc != SQLITE_DONE) {
            hp_errf(err, dbpath, "cannot read types: %s", sqlite3_errmsg(db));
            free(*ids);
            *ids = NULL;
            *n = 0;
            return -1;
        }
    }
    if (*n == 0) {
        hp_buf msg = { 0 };
        if (!glob)
            nm_did_you_mean(db, rest, &msg);
        hp_errf(err, dbpath, "no type %s '%s'%s", glob ? "matches" : "named", name,
                msg.s ? msg.s : "");
        hp_buf_free(&msg);
        return -1;
    }
    return matched == 2;
}
