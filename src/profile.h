/*
** profile.h -- `holeprof profile DB FILE`: real allocation counts (and
** DHAT's field heat) per allocation site, and the read side of profiles.
**
** Contract: pf_import() reads FILE -- valgrind --tool=dhat
** --dhat-out-file=FILE (format version 2), heaptrack's data file (zstd,
** gzip or plain; file format 2 or 3), or a pprof profile (gzip'd or raw;
** Go's heap/allocs profiles: alloc_objects/alloc_space) -- as a stream,
** in memory bounded by its distinct frames and stacks (the bounds are
** PF_LIMIT_* in pf_int.h; beyond one, or for damaged data, one line and
** nothing written).  It refuses a profile recorded from a program that
** is not in DB (one line naming the profile, what it was recorded from and
** what DB holds).  Otherwise it attributes each allocation stack to an
** allocation site of one binary of DB and writes, in one transaction, a
** profiles row named o->name (default: FILE's base name; an existing
** profile of that name is replaced), its site_counts, profile_misses and
** member_heat; the new profile becomes the one its binary's views count.
** A summary with the coverage goes to `log` (may be NULL).
**
** pf_manage() drops a profile by name and/or makes exactly the listed
** profiles (comma-separated) the counted ones, in one transaction.
**
** Read side (pf_use.c): pf_apply() gives a reading command's connection
** the selection of pf_use_list (set by main from --profile; NULL: the
** database's own selection), without writing the database.
** pf_coverage() appends the coverage lines of the selected profiles (or
** of profile_id > 0) to b; nothing when there is no such profile.
*/
#ifndef PROFILE_H
#define PROFILE_H

#include <stdio.h>
#include <sqlite3.h>
#include "hp.h"

typedef struct pf_opts {
    const char *binary;   /* --binary selector (id, build-id, path, name) or NULL */
    const char *name;     /* --name, or NULL for the file's base name */
    int unmatched;        /* how many reasons for unmatched allocations to list (default 5) */
} pf_opts;

int pf_import(const char *dbpath, const char *file, const pf_opts *o, FILE *log, hp_err *err);
int pf_manage(const char *dbpath, const char *drop, const char *use, FILE *log, hp_err *err);

extern const char *pf_use_list;
int pf_apply(sqlite3 *db, const char *dbpath, hp_err *err);
int pf_use_names(sqlite3 *db, const char *dbpath, const char *list, int shadow, hp_err *err);
char *pf_profile_names(sqlite3 *db);
int pf_coverage(sqlite3 *db, int64_t profile_id, int nreasons, const char *indent, hp_buf *b);
void pf_print_coverage(sqlite3 *db, int64_t profile_id, int nreasons, FILE *out);

#endif
