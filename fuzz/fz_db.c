/*
** fz_db.c -- libFuzzer harness for the database readers (issue 22): a
** mutated holeprof database through every command that reads one.
**
** Input: the bytes of an SQLite file (seed: databases holeprof wrote),
** written to a file in /dev/shm (else /tmp): SQLite cannot open a memfd.
** Readers -- each opens the file as the program does, st_open_read with
** its hardening, schema check, time and heap limits, and prints into
** /dev/null: show, sites, top, query (a file of SELECTs over the views),
** check (a fixed budget), diff (the file against itself), each also with
** --binary 1, which builds the TEMP views.  One reader per input, picked
** by a hash of the input (so an input always meets the same one, and a
** mutation of it most likely another): a connection per input, not
** twelve.  FZ_DB_ALL=1 runs all twelve on every input (fuzz/run.sh's
** replay of a corpus); FZ_DB_READER=K only reader K (0-11, in the order
** above; for timing one).  The seeds must fit in -max_len: a database cut
** short is refused by every reader at st_open (fuzz/run.sh makes them
** with 512-byte pages).  SQLite's query flattener is off (fz_common.h).
** Errors are expected; crashes, hangs and leaks are not.  The time limit is set low (HOLEPROF_DB_TIME_LIMIT 2 s) so a
** slow input reports as an error instead of a timeout.
*/
#include "fz_common.h"

#include <string.h>

#include "budget.h"
#include "diff.h"
#include "rank.h"
#include "report.h"
#include "sites.h"
#include "store.h"

static FILE *fz_null;
static fz_file fz_sql, fz_yaml;

static void fz_text(fz_file *f, const char *s)
{
    fz_open(f, (const uint8_t *)s, strlen(s));
}

enum { FZ_DB_READERS = 12 };

/* Reader k: six commands, the second six with --binary 1. */
static void fz_read(const char *path, int k)
{
    const char *bin = k >= 6 ? "1" : NULL;
    hp_err err = { 0 };
    /* each reader is one command: its own time budget (else, 2 s after
    ** the first input, every statement of over 10,000 VM steps was
    ** interrupted) */
    st_limits_rearm();
    switch (k % 6) {
    case 0: {
        const char *names[] = { "conn", "*" };
        (void)rep_show(path, names, 2, bin, fz_null, &err);
        break;
    }
    case 1:
        (void)si_report(path, NULL, bin, fz_null, &err);
        break;
    case 2: {
        rk_opts ro = { .n = 0, .fmt = FMT_TABLE, .binary = bin };
        (void)rk_top(path, &ro, fz_null, &err);
        break;
    }
    case 3:
        (void)rep_query(path, fz_sql.path, bin, FMT_JSON, NULL, 0, fz_null, &err);
        break;
    case 4: {
        bud_opts bo = { .budget = fz_yaml.path, .binary = bin, .fmt = FMT_JSON };
        (void)bud_check(path, &bo, fz_null, &err);
        break;
    }
    default: {
        dif_opts d = { .binary = bin, .fmt = FMT_JSON, .fail_on_growth = -1 };
        (void)dif_run(path, path, &d, fz_null, &err);
        break;
    }
    }
}

/* FNV-1a of the input, which picks the reader.  Not instrumented: with
** libFuzzer's comparison tracing on the loop's bound, hashing 64 KiB was
** a fifth of fz_db's time. */
__attribute__((no_sanitize("coverage"), noinline)) static uint32_t fz_hash(const uint8_t *data,
                                                                 size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fz_null == NULL) {
        setenv("HOLEPROF_DB_TIME_LIMIT", "2", 1);
        setenv("HOLEPROF_DB_MEMORY_LIMIT", "256", 1);
        fz_sqlite_setup();
        fz_null = fopen("/dev/null", "w");
        fz_text(&fz_sql, "SELECT * FROM type_waste; SELECT * FROM member_holes;"
                         " SELECT * FROM waste LIMIT 50; SELECT count(*) FROM site_rows;");
        fz_text(&fz_yaml, "budgets:\n  - type: \"*\"\n    max_size: 64\n"
                          "    max_padding_percent: 10\n");
    }
    /* SQLite resolves /proc/self/fd/N to the memfd's name, which it cannot
    ** open: the database goes into a real file, rewritten per input */
    static char dbpath[64];
    static int all = -1, only = -1;
    if (dbpath[0] == '\0') {
        snprintf(dbpath, sizeof dbpath, "%s/holeprof-fz_db.%d.db",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (int)getpid());
        const char *a = getenv("FZ_DB_ALL");
        all = a != NULL && strcmp(a, "1") == 0;
        const char *r = getenv("FZ_DB_READER");
        if (r != NULL)
            only = atoi(r);
    }
    FILE *w = fopen(dbpath, "wb");
    if (w == NULL || fwrite(data, 1, size, w) != size || fclose(w) != 0) {
        perror(dbpath);
        abort();
    }
    uint32_t h = fz_hash(data, size);
    for (int k = 0; k < FZ_DB_READERS; k++)
        if (only >= 0 ? k == only : all || (uint32_t)k == h % FZ_DB_READERS)
            fz_read(dbpath, k);
    unlink(dbpath);
    return 0;
}
