/*
** profile.h -- `holeprof profile DB FILE`: real allocation counts and
** field heat from a valgrind DHAT profile, or counts from heaptrack.
**
** Contract: pf_import() reads FILE -- valgrind --tool=dhat
** --dhat-out-file=FILE (format version 2, read through SQLite's JSON
** functions), heaptrack's data file (zstd, gzip or plain; file format 2
** or 3), or a Go pprof heap/allocs profile (alloc_objects); only DHAT
** has field heat -- and
** matches each program point (allocation stack) to an allocation site of
** one binary of DB, and writes a profiles row, site_counts and
** member_heat into DB, atomically: the database is copied to a temporary
** file beside it, the import runs there in one transaction, and the copy
** is renamed over DB only when everything is written (a failure leaves DB
** exactly as it was).  Importing the same FILE path again replaces that
** profile's rows.  A summary (points and allocations matched, the
** largest unmatched points) goes to `log` (may be NULL).
*/
#ifndef PROFILE_H
#define PROFILE_H

#include <stdio.h>
#include "hp.h"

typedef struct pf_opts {
    const char *binary;   /* --binary selector (id, build-id, path, name) or NULL */
    int unmatched;        /* how many unmatched points to list (default 5) */
} pf_opts;

int pf_import(const char *dbpath, const char *file, const pf_opts *o, FILE *log, hp_err *err);

#endif
