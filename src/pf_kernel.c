/*
** pf_kernel.c -- the kernel's own allocation counts (reader contract in
** pf_int.h): /proc/slabinfo and /proc/allocinfo.
**
** /proc/slabinfo (slabinfo(5); mm/slab_common.c, version 2.1):
**   slabinfo - version: 2.1
**   # name <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables ... : slabdata ...
**   NAME ACTIVE TOTAL OBJSIZE PERSLAB PAGES : tunables L B S : slabdata A N S
** one line per cache: objects in use, objects allocated, the slot size in
** bytes, slots per slab and pages per slab.  These are counts of objects
** alive now, per cache, not per allocation site: they go to the table
** slab_caches (pf_ready decides which struct each cache holds), not to
** site_counts.
**
** /proc/allocinfo (kernels >= 6.10 with CONFIG_MEM_ALLOC_PROFILING;
** Documentation/mm/allocation-profiling.rst and
** Documentation/filesystems/proc.rst, "allocinfo"; lib/alloc_tag.c):
**   allocinfo - version: 1.0
**   # <size> <calls> <tag info>
**   BYTES CALLS FILE:LINE [MODULE] func:FUNCTION
** one line per allocation call in the source: the bytes and the number of
** allocations it made that are still alive.  Each line is one frame
** known by file:line (and function), matched by pf_ready to the sites of
** that file and line.  Counts are live objects, not allocations made.
**
** Both are bounded: lines (PF_LIMIT_LINE), caches and lines (PF_LIMIT_FRAMES).
*/
#include "pf_int.h"

#include <stdlib.h>
#include <string.h>

static int pk_damaged(pf_ctx *c, const char *what, size_t lineno, const char *why)
{
    return pf_fail(c, "damaged %s: line %zu: %s", what, lineno, why);
}

/* The next blank-separated field of *p, NUL-terminated in place. */
static char *pk_field(char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return NULL;
    char *e = s;
    while (*e && *e != ' ' && *e != '\t')
        e++;
    if (*e)
        *e++ = '\0';
    *p = e;
    return s;
}

static char *pk_clean(const char *s)
{
    char *d = hp_xstrndup(s, strnlen(s, 256));
    for (char *q = d; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f)
            *q = '?';
    return d;
}

/* The header line "WHAT - version: MAJOR.MINOR"; 0 when it is, the major in *major. */
static int pk_version(const char *line, const char *what, int *major)
{
    size_t n = strlen(what);
    if (strncmp(line, what, n) != 0 || strncmp(line + n, " - version: ", 12) != 0)
        return -1;
    const char *v = line + n + 12;
    if (*v < '0' || *v > '9')
        return -1;
    *major = atoi(v);
    return 0;
}

int pf_read_slabinfo(pf_ctx *c, FILE *f)
{
    pf_lines r = { f, NULL, 0, 0, 0, 0, 0 };
    char *line;
    size_t len, lineno = 0;
    int rc, status = -1, major = 0;
    while ((rc = pf_next_line(&r, &line, &len)) == 0) {
        lineno++;
        if (r.partial) {
            pf_fail(c, "truncated slabinfo: line %zu has no newline", lineno);
            goto out;
        }
        if (memchr(line, '\0', len) != NULL) {
            pk_damaged(c, "slabinfo", lineno, "a NUL byte");
            goto out;
        }
        if (lineno == 1) {
            if (pk_version(line, "slabinfo", &major) != 0) {
                pk_damaged(c, "slabinfo", lineno, "no 'slabinfo - version:' header");
                goto out;
            }
            if (major != 2) {
                pf_fail(c, "slabinfo version %d (2.x is known)", major);
                goto out;
            }
            continue;
        }
        if (line[0] == '#' || len == 0)
            continue;
        char *p = line, *name = pk_field(&p);
        int64_t v[5];
        for (int i = 0; i < 5; i++) {
            char *fld = pk_field(&p);
            if (fld == NULL || pf_parse_count(fld, strlen(fld), &v[i]) != 0) {
                pk_damaged(c, "slabinfo", lineno, "not NAME ACTIVE TOTAL OBJSIZE PERSLAB PAGES");
                goto out;
            }
        }
        if (v[0] > v[1]) {
            pk_damaged(c, "slabinfo", lineno, "more active objects than objects");
            goto out;
        }
        if (v[2] == 0 || v[2] > ((int64_t)1 << 32)) {
            pk_damaged(c, "slabinfo", lineno, "an object size of 0 or beyond 4 GiB");
            goto out;
        }
        if (c->ncaches >= PF_LIMIT_FRAMES) {
            pf_fail(c, "more than %zu caches (the limit of a profile)", PF_LIMIT_FRAMES);
            goto out;
        }
        pf_cache *k = HP_PUSH(c->caches, c->ncaches, c->cachecap);
        memset(k, 0, sizeof *k);
        k->name = pk_clean(name);
        k->active = v[0];
        k->total = v[1];
        k->objsize = v[2];
        k->perslab = v[3];
        k->pagesperslab = v[4];
    }
    if (rc < 0) {
        pf_fail(c, ferror(f) ? "cannot read the slabinfo" : "slabinfo: a line beyond the limit");
        goto out;
    }
    if (c->ncaches == 0) {
        pf_fail(c, "slabinfo without a cache");
        goto out;
    }
    c->kernel = 1;
    if (pf_ready(c) != 0)
        goto out;
    status = 0;
out:
    free(r.buf);
    return status;
}

int pf_read_allocinfo(pf_ctx *c, FILE *f)
{
    pf_lines r = { f, NULL, 0, 0, 0, 0, 0 };
    char *line;
    size_t len, lineno = 0;
    int rc, status = -1, major = 0;
    typedef struct { size_t frame; int64_t bytes, calls; } pk_row;
    pk_row *rows = NULL;
    size_t nrows = 0, rowcap = 0;
    while ((rc = pf_next_line(&r, &line, &len)) == 0) {
        lineno++;
        if (r.partial) {
            pf_fail(c, "truncated allocinfo: line %zu has no newline", lineno);
            goto out;
        }
        if (memchr(line, '\0', len) != NULL) {
            pk_damaged(c, "allocinfo", lineno, "a NUL byte");
            goto out;
        }
        if (lineno == 1) {
            if (pk_version(line, "allocinfo", &major) != 0) {
                pk_damaged(c, "allocinfo", lineno, "no 'allocinfo - version:' header");
                goto out;
            }
            if (major < 1 || major > 2) {
                pf_fail(c, "allocinfo version %d (1.x and 2.x are known)", major);
                goto out;
            }
            continue;
        }
        if (line[0] == '#' || len == 0)
            continue;
        char *p = line, *fb = pk_field(&p), *fc = pk_field(&p), *where = pk_field(&p);
        int64_t bytes, calls;
        if (fb == NULL || fc == NULL || where == NULL || pf_parse_count(fb, strlen(fb), &bytes) != 0
            || pf_parse_count(fc, strlen(fc), &calls) != 0) {
            pk_damaged(c, "allocinfo", lineno, "not BYTES CALLS FILE:LINE [MODULE] func:NAME");
            goto out;
        }
        char *colon = strrchr(where, ':');
        int64_t ln;
        if (colon == NULL || colon == where || pf_parse_count(colon + 1, strlen(colon + 1), &ln) != 0) {
            pk_damaged(c, "allocinfo", lineno, "the tag is not FILE:LINE");
            goto out;
        }
        *colon = '\0';
        char *func = NULL, *module = NULL, *fld;
        while ((fld = pk_field(&p)) != NULL) {
            if (strncmp(fld, "func:", 5) == 0)
                func = fld + 5;
            else if (fld[0] == '[')
                module = fld;
        }
        if (calls == 0)
            continue;   /* nothing alive there */
        if (nrows >= PF_LIMIT_FRAMES) {
            pf_fail(c, "more than %zu allocation tags (the limit of a profile)", PF_LIMIT_FRAMES);
            goto out;
        }
        pf_frame *fr = pf_add_frame(c);
        if (fr == NULL)
            goto out;
        fr->src_file = pk_clean(where);
        fr->src_line = ln;
        fr->func = func ? pk_clean(func) : NULL;
        fr->text = hp_xasprintf("%.200s (%.200s:%lld)%s%.100s", func ? fr->func : "?", fr->src_file,
                                (long long)ln, module ? " " : "", module ? module : "");
        pk_row *rw = HP_PUSH(rows, nrows, rowcap);
        rw->frame = c->nfr - 1;
        rw->bytes = bytes;
        rw->calls = calls;
    }
    if (rc < 0) {
        pf_fail(c, ferror(f) ? "cannot read the allocinfo" : "allocinfo: a line beyond the limit");
        goto out;
    }
    if (lineno == 0) {
        pf_fail(c, "empty allocinfo");
        goto out;
    }
    c->kernel = 1;
    if (pf_ready(c) != 0)
        goto out;
    for (size_t i = 0; i < nrows; i++) {
        /* one line covers every size that call asked for: no block size */
        if (pf_stack(c, &rows[i].frame, 1, rows[i].calls, rows[i].bytes, 0, NULL, 0) != 0)
            goto out;
    }
    status = 0;
out:
    free(r.buf);
    free(rows);
    return status;
}
