/*
** debugfind.h -- where is the DWARF for this binary?
**
** Contract: given an opened image, return the path of the file whose DWARF
** describes it.  Order: --debug-file if given (its build-id must match when
** both have one); the binary itself when it carries .debug_info; then by
** build-id under each debug root (--debug-dir values, then
** /usr/lib/debug): ROOT/.build-id/NN/REST.debug; then by .gnu_debuglink
** name: next to the binary, in its .debug/ subdirectory, and under
** ROOT/DIRNAME-OF-BINARY/, with the CRC checked.  A candidate found by
** build-id must carry the same build-id.  Last, when none of these fits
** and DEBUGINFOD_URLS names servers, the debug file is fetched by build-id
** through libdebuginfod (its cache: DEBUGINFOD_CACHE_PATH, else
** ~/.cache/debuginfod_client) and checked like a build-id candidate.  A
** fetch waits at most DEBUGINFOD_TIMEOUT seconds (holeprof's default:
** DF_DEBUGINFOD_TIMEOUT) without receiving a byte, for each of
** libdebuginfod's tries (DEBUGINFOD_RETRY_LIMIT); a server that fails
** (down, too slow, an HTTP error other than "not found") is one note line
** on stderr and is not asked again by this process.  A progress line is
** drawn on stderr when it is a terminal.  When nothing is found the error
** names the build-id, every path tried, and hints at the -dbg/-dbgsym
** package.
*/
#ifndef DEBUGFIND_H
#define DEBUGFIND_H

#include "elfimg.h"

typedef struct df_opts {
    const char *debug_file;     /* --debug-file, or NULL */
    const char **debug_dirs;    /* --debug-dir values (searched before /usr/lib/debug) */
    size_t ndebug_dirs;
    int no_system_dirs;         /* tests: do not look in /usr/lib/debug */
    int quiet;                  /* no progress line (the failure note stays) */
    const char *label;          /* the binary's name in those lines, or NULL */
} df_opts;

typedef enum df_how {
    DF_EMBEDDED = 0, DF_GIVEN, DF_BUILD_ID, DF_DEBUGLINK, DF_DEBUGINFOD
} df_how;

/* Seconds a debuginfod fetch may go without receiving anything, when
** DEBUGINFOD_TIMEOUT does not say (libdebuginfod's own default is 90). */
#define DF_DEBUGINFOD_TIMEOUT 20

/* On success *dwarf_path is a malloc'd path (the binary's own path when
** embedded) and *how says how it was found. */
int df_locate(const ei_image *img, const df_opts *opts, char **dwarf_path,
              df_how *how, hp_err *err);

/* "embedded", "given", "build-id", "debuglink", "debuginfod" */
const char *df_how_name(df_how how);

/* The supplementary (dwz) file of the debug file `dbg` (at dbg->path),
** named by its .gnu_debugaltlink or .debug_sup: the name as written when
** absolute, else relative to the real directory of dbg->path; then by the
** alt build-id under each debug root (ROOT/.build-id/NN/REST.debug), then
** through debuginfod by the alt build-id (as df_locate).  A
** candidate must be a readable ELF file with .debug_info and, when the
** link gives a build-id and the candidate has one, the same one.
** 0 with *alt_path (malloc'd) when found; 1 when dbg names none; 2 when
** none fits, with *why a malloc'd phrase naming what was tried and what
** was wrong ("X: build-id differs", "X: not found").  Never an error: a
** missing alt file leaves the types that use it unresolved, reported by
** the caller. */
int df_locate_alt(const ei_image *dbg, const df_opts *opts, char **alt_path, char **why);

#endif
