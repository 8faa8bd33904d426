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
** build-id must carry the same build-id.  When nothing is found the error
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
} df_opts;

typedef enum df_how {
    DF_EMBEDDED = 0, DF_GIVEN, DF_BUILD_ID, DF_DEBUGLINK
} df_how;

/* On success *dwarf_path is a malloc'd path (the binary's own path when
** embedded) and *how says how it was found. */
int df_locate(const ei_image *img, const df_opts *opts, char **dwarf_path,
              df_how *how, hp_err *err);

const char *df_how_name(df_how how);

/* The supplementary (dwz) file of the debug file `dbg` (at dbg->path),
** named by its .gnu_debugaltlink or .debug_sup: the name as written when
** absolute, else relative to the real directory of dbg->path; then by the
** alt build-id under each debug root (ROOT/.build-id/NN/REST.debug).  A
** candidate must be a readable ELF file with .debug_info and, when the
** link gives a build-id and the candidate has one, the same one.
** 0 with *alt_path (malloc'd) when found; 1 when dbg names none; 2 when
** none fits, with *why a malloc'd phrase naming what was tried and what
** was wrong ("X: build-id differs", "X: not found").  Never an error: a
** missing alt file leaves the types that use it unresolved, reported by
** the caller. */
int df_locate_alt(const ei_image *dbg, const df_opts *opts, char **alt_path, char **why);   /* "embedded", "given", "build-id", "debuglink" */

#endif
