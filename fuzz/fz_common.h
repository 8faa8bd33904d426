/*
** fz_common.h -- shared by the libFuzzer harnesses in fuzz/.
**
** Contract: fz_file() puts the fuzzer's bytes in an anonymous in-memory
** file (memfd) and returns a path naming it ("/proc/self/fd/N"), because
** every holeprof loader -- and libdwarf -- opens a path, exactly as the
** program does.  fz_done() closes it.  One file per input, nothing left
** on disk, so harnesses can run for hours without filling /tmp.
*/
#ifndef FZ_COMMON_H
#define FZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
