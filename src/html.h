/*
** html.h -- `holeprof report`: one self-contained HTML page from a
** database, or from two (the diff between two builds).
**
** Contract: the page needs no network (inline CSS, JS and SVG, system
** fonts only) and reads the databases read-only through st_open_read().
** It holds: a summary (binaries, build-ids, totals, bytes saved per
** allocator model, allocations static or measured); the top offenders in
** exactly `holeprof top`'s order (rk_rank), each with a byte map of its
** layout and of show's suggested order (rep_load_layout), the allocator
** class now and after, and its allocation sites; a table of every type,
** sortable and filterable in the page; and with two databases the diff
** of `holeprof diff --format json` (dif_run), rendered by the page's
** script.  Every string from a database is HTML-escaped (invalid UTF-8
** and control characters replaced), and JSON inside the page has '<',
** '>' and '&' escaped so no string can end a script element.
**
** Stable hooks for tests and tools: #summary, #offenders, #types,
** #types-table, #type-filter, #diff, #diff-table; article.offender
** (data-rank, data-type-id, data-name); svg.bytemap (data-layout
** "current" or "suggested", data-size, data-cell-bytes, data-cells,
** data-hole-cells, data-tail-cells); g.member (data-member = members.idx,
** data-member-cells); rect.hole and rect.tail (data-offset, in bytes).
**
** The file is written beside its final name and renamed into place, so a
** failed run never leaves half a page; "-" writes to standard output.
** What may be at the output path is outfile.h's policy: a device or FIFO
** is written through, a symlink's target replaced, and an existing file
** that is not a holeprof report replaced only with force.
*/
#ifndef HTML_H
#define HTML_H

#include "hp.h"

typedef struct ht_opts {
    const char *out;        /* file to write, "-" for stdout */
    const char *binary;     /* --binary SEL, or NULL */
    long n;                 /* top offenders drawn; 0 = all */
    int force;              /* --force: replace any regular file at out */
} ht_opts;

/* newpath NULL: the report of dbpath; else the diff dbpath -> newpath
** followed by the report of newpath.  Returns an HP_EXIT_* status. */
int ht_report(const char *dbpath, const char *newpath, const ht_opts *o, hp_err *err);

#endif
