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

/* holeprof show DB NAME: pahole-like layout, then the suggested order.
** NAME matches types.name exactly; if several rows match (conflicting
** layouts, several binaries) all are shown. */
int rep_show(const char *dbpath, const char *name, FILE *out, hp_err *err);

/* holeprof query DB NAME|FILE.sql: NAME is looked up as NAME.sql in the
** query directories (see rep_query_dirs); anything ending in .sql or
** containing '/' is a file.  Runs read-only; params bound as ?1.. */
int rep_query(const char *dbpath, const char *query, fmt_kind fmt,
              const char **params, int nparams, FILE *out, hp_err *err);

#endif
