/*
** fz_sites.c -- libFuzzer harness for allocation-site discovery
** (src/sites/, src/arch/x86_64.c with capstone, src/dwlines.c), run the way
** analyze runs it.
**
** Input: the bytes of an executable.  an_run() does all of analyze --
** ELF, DWARF types, the database writer, then si_run over the binary's
** code with the types just written -- into a database in a private
** directory under /dev/shm (or $TMPDIR), which each run replaces.  One
** thread, quiet, no system debug directories.
*/
#include "fz_common.h"

#include <string.h>
#include <sys/stat.h>

#include "analyze.h"

static char dbpath[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dbpath[0] == '\0') {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(dbpath, sizeof dbpath, "%s/holeprof-fz-sites.%d", base ? base : "/tmp",
                 (int)getpid());
        mkdir(dbpath, 0700);
        strcat(dbpath, "/x.db");
    }
    fz_file f;
    fz_open(&f, data, size);
    an_opts o;
    memset(&o, 0, sizeof o);
    o.out = dbpath;
    o.cacheline = 64;
    o.jobs = 1;
    o.quiet = 1;
    o.no_system_dirs = 1;
    const char *bins[1] = { f.path };
    hp_err err = { 0 };
    (void)an_run(bins, 1, &o, &err);
    fz_close(&f);
    return 0;
}
