/*
** analyze.h -- the `analyze` job: binaries in, one database out.
**
** Contract: for each binary, open the ELF image, locate its DWARF, load
** every layout, and write them with the binary's facts into one database
** that appears at opts->out only if every step succeeded.  With --update
** the database already at opts->out is copied into the new one first;
** a binary it holds (the same file, build-id and debug file) is not
** read, one it holds under the same path otherwise is replaced (its rows
** removed, mrg_drop_binary), and when no binary was read the file is
** left untouched (opts->wrote says which).  -r on a terminal draws a
** progress line (done, skipped, failed) between the binaries, erased
** before anything else is printed.  Later stages
** (allocation sites, frequencies) hook in here, between loading and
** committing, writing through st_writer_db().
*/
#ifndef ANALYZE_H
#define ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include "hp.h"

typedef struct an_opts {
    const char *out;            /* database path (required) */
    const char *debug_file;     /* --debug-file */
    const char **debug_dirs;    /* --debug-dir (repeatable) */
    size_t ndebug_dirs;
    uint32_t cacheline;         /* --cacheline, default 64 */
    int jobs;                   /* -j, default: online CPUs */
    int quiet;                  /* -q */
    int skip_functions;         /* --no-local-types */
    int exact_dedup;            /* --exact-dedup */
    int recursive;              /* --recursive: directories are walked for ELF
                                   files; files without debug info are skipped */
    int no_system_dirs;         /* tests: do not search /usr/lib/debug */
    int no_sites;               /* --no-sites: skip allocation-site discovery */
    const char **allocs;        /* --alloc NAME:SIZEARG[:COUNTARG] (repeatable) */
    size_t nallocs;
    const char *alloc_config;   /* --alloc-config FILE */
    int force;                  /* --force: replace a file at out that is not
                                   a holeprof database (outfile.h) */
    int update;                 /* --update: keep the database at out, skip the
                                   binaries it holds (same path, build-id and
                                   debug file), replace those whose build-id or
                                   debug file changed */
    int *wrote;                 /* if not NULL: set to 1 when out was written,
                                   0 when --update found nothing to do */
} an_opts;

/* Returns HP_EXIT_OK or HP_EXIT_ERROR (with err set). */
int an_run(const char **bins, size_t nbins, const an_opts *o, hp_err *err);

/* Default output name for a binary: BASENAME.holeprof.db (malloc'd). */
char *an_default_out(const char *binary);

#endif
