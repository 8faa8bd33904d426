/*
** store.h -- the SQLite database: creation, writing, opening for reading.
**
** Contract: the schema is db/schema.sql, compiled in as hp_schema_sql.
** A writer builds the whole database in a temporary file beside the
** target (same directory, so rename(2) is atomic) with prepared
** statements, inside a transaction (st_flush() and st_add_types() may
** commit and open the next: the file is private until the rename), and
** st_commit() renames it into place only when every row is written;
** st_abort() (or any error) removes the temporary file, so a failed run
** never leaves a database behind and never damages an existing one.  Readers open read-only and refuse files that
** are not holeprof databases or come from an incompatible schema version.
** Every value reaches SQL as a bound parameter.
*/
#ifndef STORE_H
#define STORE_H

#include <stdint.h>
#include <sqlite3.h>
#include "hp.h"
#include "layout.h"

/* PRAGMA application_id marks a holeprof database ("HPRF"). */
#define ST_APPLICATION_ID 0x48505246
/* PRAGMA user_version: bump whenever db/schema.sql changes incompatibly. */
#define ST_SCHEMA_VERSION 12

extern const char hp_schema_sql[];

typedef struct st_binary_info {
    const char *path;
    const char *build_id;      /* hex, or NULL */
    const char *arch;
    const char *debug_file;    /* path of the file the DWARF came from */
    const char *debug_how;     /* "embedded", "build-id", "debuglink", "given", "debuginfod" */
    const char *producer;      /* DW_AT_producer of the first unit */
    uint32_t cacheline;        /* cacheline size used */
    uint64_t cu_count;         /* compile units read */
    uint64_t die_count;        /* DIEs visited */
} st_binary_info;

typedef struct st_writer st_writer;

/* The output path is planned by outfile.h: a symlink's target is replaced,
** a device or FIFO written through, and a regular file that is not a
** holeprof database refused unless flags has ST_FORCE. */
#define ST_FORCE 1u
int st_create(const char *final_path, st_writer **out, hp_err *err);   /* flags 0 */
int st_create_ex(const char *final_path, unsigned flags, st_writer **out, hp_err *err);
int st_add_binary(st_writer *w, const st_binary_info *bi, int64_t *binary_id, hp_err *err);
/* One type to store: its layout, the compile units holding it, and its
** members' indexes in the suggested order (from lay_compute_order), stored
** as members.suggested_pos; suggested may be NULL. */
typedef struct st_type_row {
    const lay_type *t;
    uint32_t cu_count;
    const uint32_t *suggested;
} st_type_row;
/* Store n types and their members; ids[i] (if ids) receives rows[i]'s
** types.id.  Ids ascend with i from one above the largest stored. */
int st_add_types(st_writer *w, int64_t binary_id, const st_type_row *rows, size_t n,
                 int64_t *ids, hp_err *err);
/* st_add_types writes a large first binary's types rows from a second
** thread; busy != 0 says every core already has work (analyze's site
** scan runs beside the store), where that thread would only compete. */
void st_set_busy(st_writer *w, int busy);
/* A typedef name of a named aggregate (typedef struct _object PyObject). */
int st_add_alias(st_writer *w, int64_t binary_id, const char *alias, const char *name,
                 hp_err *err);
sqlite3 *st_writer_db(st_writer *w);   /* for later stages (sites, ...) */
/* Build the secondary indexes of types and members now rather than at
** st_commit (which builds whatever is still missing).  For a caller that
** has stored its last type and has time to fill: analyze does it while
** the allocation-site scan finishes in another thread. */
int st_build_indexes(st_writer *w, hp_err *err);
/* Write the rows so far to the temporary file and start the kernel putting
** them on disk, so that st_commit()'s fsync finds less left to wait for.
** The file stays private until st_commit() renames it, so this publishes
** nothing; call it when a large batch of rows is in and other work (the
** indexes, the allocator classes) comes next. */
int st_flush(st_writer *w, hp_err *err);
int st_commit(st_writer *w, hp_err *err);   /* frees w */
void st_abort(st_writer *w);               /* frees w, removes the temp file */

/* Open an existing database read-only and verify it is ours: its
** application_id and user_version, and that every table of the built-in
** schema it has is a plain table (not a view or a virtual table).  The
** connection is hardened (st_harden). */
int st_open_read(const char *path, sqlite3 **db, hp_err *err);
/* The same for a command that writes into an existing database (profile):
** read-write, and its schema must be exactly the built-in one (same
** objects with the same SQL text; statistics tables and extra indexes on
** plain columns are allowed), else one error line and nothing written. */
int st_open_update(const char *path, sqlite3 **db, hp_err *err);
/* The schema check of st_open_read (writes == 0) or st_open_update
** (writes != 0), for a connection opened otherwise (merge's inputs). */
int st_check_schema(sqlite3 *db, const char *path, int writes, hp_err *err);

/* One object of the built-in schema (db/schema.sql as SQLite stores it in
** sqlite_schema, in creation order); type is table, index or view, sql is
** NULL for an automatic index.  Loaded once, never freed. */
typedef struct st_object {
    char *type, *name, *tbl, *sql;
} st_object;
const st_object *st_builtin(size_t *n);

/* Settings for every connection to a database holeprof did not just
** create: SQLITE_DBCONFIG_DEFENSIVE on, trusted_schema off, the
** two-argument fts3_tokenizer() off, extension loading off, triggers off,
** no ATTACH, and the limits below. */
void st_harden(sqlite3 *db, int writes);

/* Limits on the database work of one command (a hostile file can hold a
** view that never ends or that builds huge values): a time budget checked
** by a progress handler (the statement fails as "interrupted"), and
** SQLite's hard heap limit ("out of memory").  The environment overrides
** the defaults: HOLEPROF_DB_TIME_LIMIT (seconds, 0 = none) and
** HOLEPROF_DB_MEMORY_LIMIT (MiB, 0 = none).  Documented in
** doc/holeprof.1 (LIMITS). */
#define ST_DEFAULT_TIME_LIMIT   300     /* seconds */
#define ST_DEFAULT_MEMORY_LIMIT 2048    /* MiB */
/* The time budget runs from the first database a process opens: one
** command per process.  A process that runs many (the fuzz harnesses)
** calls this before each to give it the whole budget again. */
void st_limits_rearm(void);
/* When msg is an error caused by one of those limits, write a note naming
** the limit into buf and return its length; else 0.  hp_errf appends it. */
int st_limit_note(const char *msg, char *buf, size_t n);

#endif
