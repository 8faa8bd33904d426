/*
** fz_dhat.c -- libFuzzer harness for the profile importer (src/profile.c):
** DHAT JSON and heaptrack files.
**
** Input: a profile file.  It is imported into a copy of a real database
** that has allocation sites (FZ_DHAT_DB, made by fuzz/run.sh from the
** sites fixture), the way `holeprof profile DB FILE` does; the copy lives
** in a private directory under /dev/shm and is refreshed when an import
** succeeds (which changes it).  Without FZ_DHAT_DB the harness stops.
*/
#include "fz_common.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "profile.h"
#include "store.h"

static char dbpath[256];
static uint8_t *dbbytes;
static size_t dblen;

static void put_db(void)
{
    int fd = open(dbpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, dbbytes, dblen) != (ssize_t)dblen) {
        perror(dbpath);
        abort();
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dbbytes == NULL) {
        fz_sqlite_setup();
        const char *src = getenv("FZ_DHAT_DB");
        FILE *in = src ? fopen(src, "rb") : NULL;
        if (in == NULL) {
            fprintf(stderr, "fz_dhat: set FZ_DHAT_DB to a holeprof database with sites\n");
            abort();
        }
        fseek(in, 0, SEEK_END);
        dblen = (size_t)ftell(in);
        fseek(in, 0, SEEK_SET);
        dbbytes = malloc(dblen);
        if (dbbytes == NULL || fread(dbbytes, 1, dblen, in) != dblen)
            abort();
        fclose(in);
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(dbpath, sizeof dbpath, "%s/holeprof-fz-dhat.%d", base ? base : "/tmp",
                 (int)getpid());
        mkdir(dbpath, 0700);
        strcat(dbpath, "/x.db");
        put_db();
    }
    fz_file f;
    fz_open(&f, data, size);
    pf_opts o;
    memset(&o, 0, sizeof o);
    o.unmatched = 5;
    hp_err err = { 0 };
    st_limits_rearm();   /* one command: its own time budget */
    if (pf_import(dbpath, f.path, &o, NULL, &err) == 0)
        put_db();
    fz_close(&f);
    return 0;
}
