/*
** outfile.h -- where an output file may be written, and how.
**
** Contract: every file holeprof creates for the user (analyze -o, merge
** OUT, report -o) is planned here first, so that nothing of the user's is
** ever replaced by accident.  of_plan_output() looks at what is at the
** path now and answers with one of three plans, or refuses with one line:
**
** - nothing there: create it (temporary file beside it, then rename);
** - a regular file that is empty, or is already a holeprof output of the
**   same kind (a database by its SQLite header and application_id, a
**   report by its generator tag), or anything when `force` is set: replace
**   it atomically the same way;
** - a character device or a FIFO (/dev/null, /dev/stdout on a pipe, a
**   named pipe): write through it -- the finished output is copied into
**   it, opened without O_CREAT or O_TRUNC, and the node itself is never
**   replaced; a database is then built in $TMPDIR (default /tmp) first.
**
** A symbolic link is followed: the file it points to is planned as above
** and, when replaced, replaced in its own directory, so the link keeps
** pointing where it pointed.  A dangling link, a directory, a block
** device and a socket are refused, whatever `force` says.  Nothing here
** writes; callers do (store.c for databases, html.c for pages).
*/
#ifndef OUTFILE_H
#define OUTFILE_H

#include <stddef.h>
#include "hp.h"

typedef enum of_kind {
    OF_DATABASE,    /* a holeprof SQLite database */
    OF_REPORT       /* an HTML page from holeprof report */
} of_kind;

typedef struct of_plan {
    char *path;      /* regular file to create or replace atomically (symlinks
                        resolved); NULL when writing through */
    char *through;   /* existing device or FIFO to copy the output into; or NULL */
    char *tmpdir;    /* directory for the temporary file */
} of_plan;

/* Plan the output `out`; 0 with *p filled, or -1 with err set ("OUT:
** problem") and *p empty.  Free with of_plan_free(). */
int of_plan_output(const char *out, of_kind kind, int force, of_plan *p, hp_err *err);
void of_plan_free(of_plan *p);

/* Write the whole of buf, or every byte of the file open at fd (read from
** offset 0), into p->through, opened O_WRONLY|O_NOCTTY.  0 or -1 with err
** naming name (the path the user gave). */
int of_write_through(const char *through, const char *name, const void *buf, size_t len,
                     hp_err *err);
int of_copy_through(const char *through, const char *name, int fd, hp_err *err);

/* "dir/name" -> "dir"; "name" -> "."; "/name" -> "/" (malloc'd). */
char *of_dirname(const char *path);

/* 1 when a and b name the same existing file (after symlinks), else 0. */
int of_same_file(const char *a, const char *b);

#endif
