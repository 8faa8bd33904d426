/*
** fz_db.c -- libFuzzer harness for the database readers (issue 22): a
** mutated holeprof database through every command that reads one.
**
** Input: the bytes of an SQLite file (seed: databases holeprof wrote),
** written to /tmp/holeprof-fz_db.PID.db (SQLite cannot open a memfd).
** Each reader opens it as the program does -- st_open_read with its
** hardening, schema check, time and heap limits -- and prints into
** /dev/null: show, sites, top, query (a file of SELECTs over the views),
** check (a fixed budget), diff (the file against itself), each also with
** --binary 1, which builds the TEMP views.  Errors are expected; crashes,
** hangs and leaks are not.  The time limit is set low (HOLEPROF_DB_TIME_LIMIT
** 2 s) so a slow input reports as an error instead of a timeout.
*/
#include "fz_common.h"

#include <string.h>

#include "budget.h"
#include "diff.h"
#include "rank.h"
#include "report.h"
#include "sites.h"

static FILE *fz_null;
static fz_file fz_sql, fz_yaml;

static void fz_text(fz_file *f, const char *s)
{
    fz_open(f, (const uint8_t *)s, strlen(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fz_null == NULL) {
        setenv("HOLEPROF_DB_TIME_LIMIT", "2", 1);
        setenv("HOLEPROF_DB_MEMORY_LIMIT", "256", 1);
        fz_null = fopen("/dev/null", "w");
        fz_text(&fz_sql, "SELECT * FROM type_waste; SELECT * FROM member_holes;"
                         " SELECT * FROM waste LIMIT 50; SELECT count(*) FROM site_rows;");
        fz_text(&fz_yaml, "budgets:\n  - type: \"*\"\n    max_size: 64\n"
                          "    max_padding_percent: 10\n");
    }
    /* SQLite resolves /proc/self/fd/N to the memfd's name, which it cannot
    ** open: the database goes into a real file, rewritten per input */
    static char dbpath[64];
    if (dbpath[0] == '\0')
        snprintf(dbpath, sizeof dbpath, "/tmp/holeprof-fz_db.%d.db", (int)getpid());
    FILE *w = fopen(dbpath, "wb");
    if (w == NULL || fwrite(data, 1, size, w) != size || fclose(w) != 0) {
        perror(dbpath);
        abort();
    }
    struct { const char *path; } f = { dbpath };
    for (int sel = 0; sel < 2; sel++) {
        const char *bin = sel ? "1" : NULL;
        hp_err err = { 0 };
        const char *names[] = { "conn", "*" };
        (void)rep_show(f.path, names, 2, bin, fz_null, &err);
        memset(&err, 0, sizeof err);
        (void)si_report(f.path, NULL, bin, fz_null, &err);
        memset(&err, 0, sizeof err);
        rk_opts ro = { .n = 0, .fmt = FMT_TABLE, .binary = bin };
        (void)rk_top(f.path, &ro, fz_null, &err);
        memset(&err, 0, sizeof err);
        (void)rep_query(f.path, fz_sql.path, bin, FMT_JSON, NULL, 0, fz_null, &err);
        memset(&err, 0, sizeof err);
        bud_opts bo = { .budget = fz_yaml.path, .binary = bin, .fmt = FMT_JSON };
        (void)bud_check(f.path, &bo, fz_null, &err);
        memset(&err, 0, sizeof err);
        dif_opts d = { .binary = bin, .fmt = FMT_JSON, .fail_on_growth = -1 };
        (void)dif_run(f.path, f.path, &d, fz_null, &err);
    }
    return 0;
}
