/*
** diff.h -- `holeprof diff OLD.db NEW.db`: what changed between two
** builds, and the per-type allocation data that diff and check read from
** a database when a later stage has stored it.
**
** Contract: both databases are opened read-only with st_open_read() (so
** a file from another schema version is refused, never misread).  Types
** are matched by binary, kind and qualified name; when a name has several
** rows in a binary (on either side) the declaration file joins the key,
** and rows still sharing a key pair up in order of (decl_line, size,
** layout_hash).  Binaries pair up trivially when each side has one;
** otherwise by the last component of their path (the whole path when
** that repeats within a side).  queries/diff.sql implements the same
** matching in SQL; tests/t_diff.sh checks that both agree.
**
** For every matched type whose numbers or layout hash differ the report
** gives size, holes, hole bytes, tail padding, optimal size, waste
** (hole_bytes + tail_padding) and, when both sides have them, allocator
** class bytes, allocations and score; plus its members added, removed,
** moved (offset or bit position changed) or resized.  Types added and
** removed, allocation sites added, removed, moved or changed when both
** sides have a sites table, and totals before and after.  Sites pair by
** (function, allocator, type, order within the function) -- so code that
** only shifted lines pairs with itself and is no change -- and, where a
** group has a different number of sites on each side, by function and
** line corrected by the function's shift, then by nearest line; never by
** pc.  A paired site is "moved" when its line moved by another amount
** than its function's shift (the commonest delta of its function's
** order-paired sites), "changed" when its allocator or type differs.  Entries are ordered by impact: |d size| +
** |d waste|, each multiplied by allocations when both sides have them.
**
** Exit: HP_EXIT_OK, or HP_EXIT_FOUND with err holding one line saying
** why when a --fail-on-* condition holds, or HP_EXIT_ERROR.
*/
#ifndef DIFF_H
#define DIFF_H

#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>
#include "fmt.h"
#include "hp.h"

typedef struct dif_opts {
    const char *binary;         /* --binary SEL for both sides, or NULL */
    fmt_kind fmt;               /* FMT_TABLE or FMT_JSON */
    int fail_on_regression;     /* a type grew in size or waste, or total
                                   (weighted) waste grew */
    int64_t fail_on_growth;     /* a type grew by more than this; < 0 off */
} dif_opts;

int dif_run(const char *oldpath, const char *newpath, const dif_opts *o, FILE *out,
            hp_err *err);

/* Per-type allocation data, from the first source present:
**   1. a table or view `waste` with type_id and any of the columns
**      allocations, class_now (or class_bytes), class_after (or
**      class_optimal), score -- what the ranking stage stores;
**   2. site_counts(site_id, allocations) joined to sites(id, type_id):
**      measured counts;
**   3. sites(type_id, static_weight): static estimates.
** A database with none of these, or whose sites give no type a weight
** above 0, has no allocation data; callers say so and fall back to
** unweighted numbers. */
typedef struct dif_alloc {
    int64_t type_id;
    double allocations;         /* valid when dif_extras.has_alloc */
    int64_t class_now, class_after;  /* valid when has_class; -1 unknown */
    double score;               /* valid when has_score */
} dif_alloc;

typedef struct dif_extras {
    const char *source;         /* human-readable source, or NULL */
    int has_alloc, has_class, has_score;
    dif_alloc *rows;            /* sorted by type_id */
    size_t n;
} dif_extras;

int dif_load_extras(sqlite3 *db, const char *path, dif_extras *x, hp_err *err);
const dif_alloc *dif_extra_for(const dif_extras *x, int64_t type_id);  /* NULL if none */
void dif_extras_free(dif_extras *x);

/* A JSON string for s, or null when s is NULL (fmt_json_string). */
void dif_json_str(hp_buf *b, const char *s);

/* A plain aligned text table: rows of cells, numbers right-aligned. */
typedef struct dif_table {
    char **cells;               /* ncols per row, row 0 is the header */
    size_t ncols, nrows, cap;
} dif_table;
void dif_table_row(dif_table *t, const char *const *cells);
void dif_table_print(dif_table *t, hp_buf *b);    /* and frees the table */

#endif
