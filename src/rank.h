/*
** rank.h -- which struct to fix first: `holeprof top`.
**
** Contract: the ranking arithmetic lives in SQL, in the views site_rows,
** site_waste_all and waste_all of db/schema.sql; this module only orders
** and prints their rows, so `top`, `show`, `diff` and queries/worst.sql
** agree by construction on every number (tests/t_top.sh checks order and
** numbers against worst.sql).
**
** The allocator models and classes those views join are filled by
** classes.c (cl_fill), at the end of analyze and of profile.
*/
#ifndef RANK_H
#define RANK_H

#include <stdio.h>
#include <sqlite3.h>

#include "fmt.h"
#include "hp.h"

typedef struct rk_opts {
    long n;                  /* rows to print; 0 = all */
    fmt_kind fmt;
    const char *allocator;   /* model name, or NULL for each binary's own */
    const char *binary;      /* --binary selector, or NULL */
    int64_t min_saving;      /* --min-saving: only types whose reordering saves at
                                least this many bytes per object (size - optimal) */
} rk_opts;

/* With more than one binary in the database (after --binary), the table
** has a binary column: the file name (the path when two binaries share a
** name).  csv and json always end in the binary's path. */

/* holeprof top DB: reorderable types by heap bytes saved (then raw struct
** bytes saved, per-object saving, name, id); read-only. */
int rk_top(const char *dbpath, const rk_opts *o, FILE *out, hp_err *err);

/* The order `top` prints under each binary's chosen model, for other
** reports (html.c): the ids of every type reordering makes smaller, best
** first, on a connection from st_open_read() (after mrg_select_binary
** when one binary is selected).  *ids is malloc'd; the caller frees it. */
int rk_rank(sqlite3 *db, const char *dbpath, int64_t **ids, size_t *nids, hp_err *err);
/* The same from `from`, a relation with waste_all's columns and rows (a
** TEMP table of them: report reads waste_all once for all its parts). */
int rk_rank_from(sqlite3 *db, const char *dbpath, const char *from, int64_t **ids,
                 size_t *nids, hp_err *err);

#endif
