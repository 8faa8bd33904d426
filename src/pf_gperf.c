/*
** pf_gperf.c -- a gperftools (tcmalloc) heap profile as a stream (reader
** contract in pf_int.h).
**
** Format (the legacy text that gperftools' heap profiler writes,
** `HEAPPROFILE=PREFIX LD_PRELOAD=libtcmalloc.so.4 PROG` ->
** PREFIX.NNNN.heap, and that `pprof --raw` reads; gperftools'
** docs/heapprofile.html):
**   heap profile:  INUSE: BYTES [ ALLOCS: ABYTES] @ heapprofile
**   INUSE: BYTES [ ALLOCS: ABYTES] @ 0xADDR 0xADDR ...    one per stack
**   (blank)
**   MAPPED_LIBRARIES:
**   START-END PERMS OFFSET DEV INODE PATH                 /proc/self/maps
** Addresses are runtime return addresses, innermost first (the profiler
** skips its own frames, so the first is the allocation's caller).  The
** bracketed pair counts every allocation since the start (what is
** imported); the first pair is what is still in use.  "@ heapprofile"
** counts every allocation exactly; a sampled profile ("@ heap_v2/RATE",
** tcmalloc's MallocExtension::GetHeapSample) counts one allocation per
** RATE bytes on average and is scaled back as pprof does: by
** 1 / (1 - exp(-average size / RATE)) (c->sampled: estimates).
** The mappings name each frame's object and, through the first mapping,
** the program.  gperftools writes the profile through a buffer of 1 MiB
** (heap-profiler.cc, kProfileBufferSize) and leaves out the stacks that do
** not fit: the header still counts every allocation, and the difference
** is counted as allocations on no site, reason 'cut' (c->header_allocs).
**
** Cost: bounded lines; the buckets are kept as frame indices (pf_stacks.c)
** until the mappings at the end have named the objects, so memory is the
** distinct stacks, bounded by PF_LIMIT_FRAMES frames in all.
*/
#include "pf_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct gp_map {
    uint64_t lo, hi;
    char *path;
} gp_map;

typedef struct gp_bucket {
    size_t off, n;       /* into the address pool */
    int64_t allocs, bytes;
} gp_bucket;

static int gp_damaged(pf_ctx *c, size_t lineno, const char *what)
{
    return pf_fail(c, "damaged gperftools heap profile: line %zu: %s", lineno, what);
}

/* "  N:  B" -> two counts */
static int gp_pair(const char **p, int64_t *a, int64_t *b)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    size_t n = strspn(s, "0123456789");
    if (n == 0 || s[n] != ':' || pf_parse_count(s, n, a) != 0)
        return -1;
    s += n + 1;
    while (*s == ' ')
        s++;
    n = strspn(s, "0123456789");
    if (n == 0 || pf_parse_count(s, n, b) != 0)
        return -1;
    *p = s + n;
    return 0;
}

/* "INUSE: BYTES [ALLOCS: ABYTES] @" -> the allocation pair; *p after '@' */
static int gp_counts(const char **p, int64_t *allocs, int64_t *bytes)
{
    int64_t u1, u2;
    const char *s = *p;
    if (gp_pair(&s, &u1, &u2) != 0)
        return -1;
    while (*s == ' ')
        s++;
    if (*s++ != '[' || gp_pair(&s, allocs, bytes) != 0)
        return -1;
    while (*s == ' ')
        s++;
    if (*s++ != ']')
        return -1;
    while (*s == ' ')
        s++;
    if (*s++ != '@')
        return -1;
    *p = s;
    return 0;
}

static int gp_by_lo(const void *a, const void *b)
{
    uint64_t x = ((const gp_map *)a)->lo, y = ((const gp_map *)b)->lo;
    return (x > y) - (x < y);
}

static const char *gp_object(const gp_map *m, size_t n, uint64_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && addr < m[lo - 1].hi ? m[lo - 1].path : NULL;
}

int pf_read_gperf(pf_ctx *c, FILE *f)
{
    pf_lines r = { f, NULL, 0, 0, 0, 0, 0 };
    gp_map *maps = NULL;
    gp_bucket *bk = NULL;
    uint64_t *pool = NULL;
    size_t nmaps = 0, mapcap = 0, nbk = 0, bkcap = 0, npool = 0, poolcap = 0, lineno = 0;
    int status = -1, in_maps = 0, header = 0;
    double rate = 0;
    pf_intern *in = pf_intern_new();
    size_t *idx = NULL, idxcap = 0;
    char *line;
    size_t len;
    int rc;
    while ((rc = pf_next_line(&r, &line, &len)) == 0) {
        lineno++;
        if (r.partial) {
            pf_fail(c, "truncated gperftools heap profile: line %zu has no newline", lineno);
            goto out;
        }
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (memchr(line, '\0', len) != NULL) {
            gp_damaged(c, lineno, "a NUL byte");
            goto out;
        }
        if (!header) {
            if (strncmp(line, "heap profile:", 13) != 0) {
                gp_damaged(c, lineno, "no 'heap profile:' header");
                goto out;
            }
            const char *p = line + 13;
            int64_t a, b;
            if (gp_counts(&p, &a, &b) != 0) {
                gp_damaged(c, lineno, "the header's counts");
                goto out;
            }
            c->header_allocs = a;
            c->header_bytes = b;
            while (*p == ' ')
                p++;
            if (strncmp(p, "heap_v2/", 8) == 0) {
                int64_t rt;
                if (pf_parse_count(p + 8, strcspn(p + 8, " "), &rt) != 0) {
                    gp_damaged(c, lineno, "the sampling rate");
                    goto out;
                }
                rate = (double)rt;
                c->sampled = rt > 1;
            } else if (strncmp(p, "heapprofile", 11) != 0 && strncmp(p, "heap", 4) != 0) {
                pf_fail(c, "a gperftools profile of another kind ('%.40s'): only heap profiles"
                        " (HEAPPROFILE=) count allocations", p);
                goto out;
            }
            header = 1;
            continue;
        }
        if (len == 0)
            continue;
        if (strncmp(line, "MAPPED_LIBRARIES:", 17) == 0) {
            in_maps = 1;
            continue;
        }
        if (in_maps) {
            /* START-END PERMS OFFSET DEV INODE [PATH] */
            char *end = NULL;
            uint64_t lo = strtoull(line, &end, 16), hi;
            if (end == line || *end != '-') {
                gp_damaged(c, lineno, "a mapping without START-END");
                goto out;
            }
            const char *q = end + 1;
            hi = strtoull(q, &end, 16);
            if (end == q || hi < lo) {
                gp_damaged(c, lineno, "a mapping without START-END");
                goto out;
            }
            const char *path = end;
            for (int fld = 0; fld < 4 && *path; fld++) {
                while (*path == ' ')
                    path++;
                path += strcspn(path, " ");
            }
            while (*path == ' ')
                path++;
            if (*path == '\0' || *path == '[')
                continue;
            if (nmaps >= 1 << 20) {
                pf_fail(c, "more than %d mappings (the limit of a profile)", 1 << 20);
                goto out;
            }
            gp_map *m = HP_PUSH(maps, nmaps, mapcap);
            m->lo = lo;
            m->hi = hi;
            m->path = hp_xstrndup(path, strnlen(path, 4096));
            for (char *z = m->path; *z; z++)
                if ((unsigned char)*z < 0x20 || *z == 0x7f)
                    *z = '?';
            if (c->recorded_from == NULL)
                c->recorded_from = hp_xstrdup(m->path);
            continue;
        }
        const char *p = line;
        int64_t allocs, bytes;
        if (gp_counts(&p, &allocs, &bytes) != 0) {
            gp_damaged(c, lineno, "not 'N: B [N: B] @ ADDR...'");
            goto out;
        }
        if (nbk >= PF_LIMIT_FRAMES) {
            pf_fail(c, "more than %zu stacks (the limit of a profile)", PF_LIMIT_FRAMES);
            goto out;
        }
        gp_bucket *b = HP_PUSH(bk, nbk, bkcap);
        b->off = npool;
        b->n = 0;
        b->allocs = allocs;
        b->bytes = bytes;
        for (;;) {
            while (*p == ' ')
                p++;
            if (*p == '\0')
                break;
            if (p[0] != '0' || p[1] != 'x') {
                gp_damaged(c, lineno, "a frame that is not 0xADDR");
                goto out;
            }
            size_t n = strspn(p + 2, "0123456789abcdefABCDEF");
            if (n == 0 || n > 16 || (p[2 + n] != ' ' && p[2 + n] != '\0')) {
                gp_damaged(c, lineno, "a frame that is not 0xADDR");
                goto out;
            }
            if (npool >= PF_LIMIT_FRAMES || b->n >= PF_LIMIT_STACK) {
                pf_fail(c, "more than %zu frames in the stacks (the limit of a profile)",
                        PF_LIMIT_FRAMES);
                goto out;
            }
            *HP_PUSH(pool, npool, poolcap) = strtoull(p + 2, NULL, 16);
            b->n++;
            p += 2 + n;
        }
    }
    if (rc < 0) {
        if (ferror(f))
            pf_fail(c, "cannot read the heap profile");
        else
            pf_fail(c, "gperftools heap profile: line %zu is longer than %zu bytes (the limit)",
                    lineno + 1, PF_LIMIT_LINE);
        goto out;
    }
    if (!header) {
        pf_fail(c, "empty gperftools heap profile");
        goto out;
    }
    if (nmaps > 1)
        qsort(maps, nmaps, sizeof *maps, gp_by_lo);
    /* frames, named by their mapping */
    for (size_t i = 0; i < nbk; i++) {
        gp_bucket *b = &bk[i];
        if (b->n + 1 > idxcap) {
            idxcap = b->n + 1;
            idx = hp_xrealloc(idx, idxcap * sizeof *idx);
        }
        for (size_t q = 0; q < b->n; q++) {
            uint64_t a = pool[b->off + q];
            if (pf_intern_frame(c, in, a, 1, gp_object(maps, nmaps, a), NULL, 0, &idx[q]) != 0)
                goto out;
        }
        int64_t allocs = b->allocs, bytes = b->bytes;
        if (c->sampled && allocs > 0 && rate > 0) {
            double avg = (double)bytes / (double)allocs, scale = 1.0 / (1.0 - exp(-avg / rate));
            double na = (double)allocs * scale, nb = (double)bytes * scale;
            if (!(na < (double)PF_MAX_COUNT) || !(nb < (double)PF_MAX_COUNT)) {
                pf_fail(c, "damaged gperftools heap profile: scaled counts over 2^53");
                goto out;
            }
            allocs = (int64_t)(na + 0.5);
            bytes = (int64_t)(nb + 0.5);
        }
        if (pf_intern_stack(c, in, idx, b->n, 0, allocs, bytes) != 0)
            goto out;
    }
    free(pool);
    pool = NULL;
    if (pf_ready(c) != 0 || pf_intern_emit(c, in) != 0)
        goto out;
    status = 0;
out:
    free(r.buf);
    free(pool);
    free(bk);
    free(idx);
    pf_intern_free(c, in);
    for (size_t i = 0; i < nmaps; i++)
        free(maps[i].path);
    free(maps);
    return status;
}
