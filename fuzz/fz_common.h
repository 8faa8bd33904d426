/*
** fz_common.h -- shared by the libFuzzer harnesses in fuzz/.
**
** Contract: fz_file() puts the fuzzer's bytes in an anonymous in-memory
** file (memfd) and returns a path naming it ("/proc/self/fd/N"), because
** every holeprof loader -- and libdwarf -- opens a path, exactly as the
** program does.  fz_done() closes it.  One file per input, nothing left
** on disk, so harnesses can run for hours without filling /tmp.
**
** fz_sqlite_setup() (the harnesses that go through SQLite: fz_db,
** fz_dhat) turns SQLite's query flattener off on every connection the
** process opens, through an auto-extension: holeprof's views nest
** subqueries whose columns the outer levels name many times, and the
** flattener copies each expression into every use -- site_rows compiles
** to 78,206 VDBE instructions with it, 1,269 without (SQLite 3.40.1), and
** compiling them is 80-90% of an execution.  The SQL, the rows and every
** line of holeprof that handles them are the same; only SQLite's plan
** differs.  FZ_SQLITE_PLAN=product keeps the product's planner (the
** replay of a corpus through the ASan build does: fuzz/run.sh).
*/
#ifndef FZ_COMMON_H
#define FZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

typedef struct fz_file {
    int fd;
    char path[64];
} fz_file;

static inline int fz_open(fz_file *f, const uint8_t *data, size_t size)
{
    f->fd = memfd_create("holeprof-fuzz", 0);
    if (f->fd < 0) {
        perror("memfd_create");
        abort();
    }
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(f->fd, data + off, size - off);
        if (n <= 0) {
            perror("write");
            abort();
        }
        off += (size_t)n;
    }
    snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
    return 0;
}

static inline void fz_close(fz_file *f)
{
    close(f->fd);
    f->fd = -1;
}

/* SQLITE_QueryFlattener in sqliteInt.h, not in sqlite3.h */
#define FZ_SQLITE_QUERY_FLATTENER 0x00000001

static inline int fz_sqlite_conn(sqlite3 *db, const char **msg, const void *api)
{
    (void)msg;
    (void)api;
    sqlite3_test_control(SQLITE_TESTCTRL_OPTIMIZATIONS, db, FZ_SQLITE_QUERY_FLATTENER);
    return SQLITE_OK;
}

static inline void fz_sqlite_setup(void)
{
    /* glibc (the throughput build; ASan's allocator ignores this) keeps
    ** freed memory instead of returning it and faulting it in again on
    ** the next connection's page cache */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    const char *p = getenv("FZ_SQLITE_PLAN");
    if (p != NULL && strcmp(p, "product") == 0)
        return;
    sqlite3_auto_extension((void (*)(void))fz_sqlite_conn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
