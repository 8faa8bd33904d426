/*
** report.h -- the read side: commands that print from a database.
**
** Contract: each function opens the database read-only via st_open_read(),
** prints to `out`, and returns an HP_EXIT_* status; errors go into hp_err
** as one line naming the file.
*/
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>
#include "hp.h"
#include "fmt.h"

/* holeprof show DB NAME...: pahole-like layout, then the suggested order,
** for every type each NAME means (rep_find_types: conflicting layouts,
** several binaries, a glob), in the order of the NAMEs; a type two NAMEs
** mean is shown once.  Any NAME that matches nothing is an error before
** anything is printed.
** binary: a --binary selector (see mrg_select_binary) or NULL for all. */
int rep_show(const char *dbpath, const char *const *names, size_t nnames, const char *binary,
             FILE *out, hp_err *err);

/* names.c -- the types a NAME from the command line means: exactly the
** name, else a typedef name (type_aliases), else a glob when NAME holds
** * ? or [; "struct NAME" (class, union, enum), the way top prints it,
** keeps only that kind.  *ids (malloc'd) in (binary, id) order, glob
** matches by name; no match is an error with "did you mean" names.
** Returns 1 when the glob matched, 0 for the other forms, -1 on error.
** db comes from st_open_read() (and mrg_select_binary). */
int rep_find_types(sqlite3 *db, const char *dbpath, const char *name, int64_t **ids, size_t *n,
                   hp_err *err);

/* holeprof query DB NAME|FILE.sql: NAME is looked up as NAME.sql in the
** query directories (see rep_query_dirs); anything ending in .sql or
** containing '/' is a file.  Runs read-only; params bound as ?1..;
** binary as for rep_show (the query sees that binary's rows only). */
int rep_query(const char *dbpath, const char *query, const char *binary, fmt_kind fmt,
              const char **params, int nparams, FILE *out, hp_err *err);

/* merge.c -- holeprof merge OUT.db IN.db...: one database from many,
** written atomically; ids renumbered, a binary given twice refused.
** Progress lines go to log (may be NULL).  OUT is planned by outfile.h:
** an existing file that is not a holeprof database is replaced only with
** force. */
int mrg_merge(const char *out, const char *const *in, size_t nin, int force, FILE *log,
              hp_err *err);

/* merge.c -- analyze --update: every row of the database `in` into the
** writer's connection `out` (ids above those already there, so an empty
** out keeps them), and the removal of one binary's rows and of every row
** that hangs off them through the schema's keys (types, members, sites,
** counts...). */
int mrg_copy_into(sqlite3 *out, const char *outpath, sqlite3 *in, const char *inpath,
                  hp_err *err);
int mrg_drop_binary(sqlite3 *db, const char *path, int64_t binary_id, hp_err *err);

/* merge.c -- --binary SEL (id, build-id or prefix, path, or last path
** component): make the read-only connection db show one binary only, by
** TEMP views that shadow its tables and views.  Sets *binary_id (may be
** NULL).  Call right after st_open_read(). */
int mrg_select_binary(sqlite3 *db, const char *dbpath, const char *sel, int64_t *binary_id,
                      hp_err *err);

/* show.c -- one type as `show` lays it out, for other reports (html.c):
** its members at their stored places and, when reordering makes the type
** smaller, at their places in show's suggested order (hot fields first
** when field heat allows).  db comes from st_open_read(). */
typedef struct rep_member {
    char *name;                 /* NULL when anonymous */
    char *type_name;
    int64_t offset, size, bitpos, bit_size, flags;
    int64_t heat;               /* member_heat accesses over all profiles */
    int64_t new_offset, new_bitpos;   /* valid when new_size >= 0 */
    int64_t suggested_pos;      /* -1 when none */
} rep_member;

typedef struct rep_layout {
    int64_t size, new_size;     /* new_size -1: no suggested order */
    int has_heat, hot;          /* hot: the suggestion is hot-first */
    rep_member *m;              /* in offset order (members.idx) */
    size_t n;
} rep_layout;

int rep_load_layout(sqlite3 *db, const char *dbpath, int64_t type_id, rep_layout *out,
                    hp_err *err);
void rep_layout_free(rep_layout *l);

#endif
