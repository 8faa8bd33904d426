/*
** pf_heaptrack.c -- heaptrack's data file as a stream (reader contract
** in pf_int.h).
**
** Format (what heaptrack_interpret writes, file format 2 or 3; numbers in
** hex):
**   v VERSION FORMAT     header
**   X COMMAND            the profiled command line
**   s [LEN] TEXT         a string, numbered from 1 (LEN since format 3)
**   i IP MODULE [FUNCTION FILE LINE]...  an instruction pointer (a return
**                        address), numbered from 1; MODULE names its object;
**                        the triples are the inline chain there, innermost
**                        first (the last one is the real function)
**   t IP PARENT          a trace node, numbered from 1; PARENT 0 is the root
**   a SIZE TRACE         an allocation kind, numbered from 0
**   + KIND               one allocation of that kind
** Frees, timestamps, RSS and comments are not needed.  A trace is its
** node's instruction pointer, then its parents'; a parent precedes its
** child.
**
** Cost: the text is read in bounded lines (PF_LIMIT_LINE; a longer line is
** refused with its number), decompressed by the system's zstd or gzip in a
** child process when it is compressed (posix_spawnp, no shell).  Kept:
** the strings, the instruction pointers, two numbers per trace node and
** three per allocation kind.  Each node's attribution is computed once
** from its parent's (pf_attr_push), so a deep trace shared by many
** allocation kinds costs its depth once, not once per kind.
*/
#include "pf_int.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define HT_LIMIT_NODES ((size_t)1 << 22)   /* trace nodes and allocation kinds */

typedef struct ht_node {
    size_t ip, parent;   /* ip: frame index; parent: node number, 0 the root */
} ht_node;

typedef struct ht_kind {
    int64_t size, count;
    size_t trace;
} ht_kind;

/* The bounded line reader (pf_int.h), shared with the other text formats. */
int pf_next_line(pf_lines *r, char **line, size_t *n)
{
    for (;;) {
        char *nl = r->len > r->pos ? memchr(r->buf + r->pos, '\n', r->len - r->pos) : NULL;
        if (nl != NULL || (r->eof && r->len > r->pos)) {
            char *start = r->buf + r->pos;
            size_t len = nl ? (size_t)(nl - start) : r->len - r->pos;
            start[len] = '\0';
            r->pos += len + (nl != NULL);
            r->partial = nl == NULL;
            *line = start;
            *n = len;
            return 0;
        }
        if (r->eof)
            return 1;
        if (r->pos > 0) {
            memmove(r->buf, r->buf + r->pos, r->len - r->pos);
            r->len -= r->pos;
            r->pos = 0;
        }
        if (r->len >= PF_LIMIT_LINE)
            return -1;
        if (r->cap - r->len < 65536 + 1) {
            r->cap = r->cap ? r->cap * 2 : 1 << 17;
            if (r->cap > PF_LIMIT_LINE + 65536 + 1)
                r->cap = PF_LIMIT_LINE + 65536 + 1;
            r->buf = hp_xrealloc(r->buf, r->cap);
        }
        size_t want = r->cap - r->len - 1;
        size_t got = fread(r->buf + r->len, 1, want, r->f);
        r->len += got;
        if (got == 0) {
            if (ferror(r->f))
                return -1;
            r->eof = 1;
        }
    }
}

static int ht_hex(const char **p, int64_t *out)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    int64_t v = 0;
    const char *start = s;
    for (;; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            break;
        if (v > (INT64_MAX >> 4))
            return -1;   /* overflows */
        v = (v << 4) | d;
    }
    if (s == start)
        return -1;
    *p = s;
    *out = v;
    return 0;
}

/* Printable copy: control bytes of a hostile file never reach a terminal. */
static char *ht_clean(const char *s, size_t max)
{
    char *d = hp_xstrndup(s, strnlen(s, max));
    for (char *p = d; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return d;
}

/* A stream of the file's text, decompressed by a child when needed. */
static FILE *ht_open(pf_ctx *c, int how, pid_t *pid)
{
    *pid = -1;
    if (how == 0) {
        FILE *f = fopen(c->file, "rb");
        if (f == NULL)
            pf_fail(c, "%s", strerror(errno));
        return f;
    }
    const char *tool = how == 2 ? "zstd" : "gzip";
    int fds[2];
    if (pipe(fds) != 0) {
        pf_fail(c, "cannot decompress: %s", strerror(errno));
        return NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = { (char *)tool, (char *)"-dc", (char *)"--", (char *)c->file, NULL };
    int rc = posix_spawnp(pid, tool, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        *pid = -1;
        pf_fail(c, "cannot run %s to decompress it (%s): install %s or decompress the file first",
                tool, strerror(rc), tool);
        return NULL;
    }
    FILE *f = fdopen(fds[0], "rb");
    if (f == NULL) {
        close(fds[0]);
        pf_fail(c, "cannot decompress: %s", strerror(errno));
    }
    return f;
}

/* Close the stream and reap the child (when we stopped early, closing
** the pipe ends it with SIGPIPE); a decompressor that failed on its own
** (a non-zero exit) makes it an error, whatever reading the text said. */
static int ht_close(pf_ctx *c, FILE *f, pid_t pid, int how, int stopped_early)
{
    if (f)
        fclose(f);
    if (pid <= 0)
        return 0;
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return pf_fail(c, "cannot wait for the decompressor: %s", strerror(errno));
    if ((WIFEXITED(ws) && WEXITSTATUS(ws) != 0) || (!stopped_early && !WIFEXITED(ws))) {
        memset(c->err, 0, sizeof *c->err);   /* the cause, not what the broken stream said */
        return pf_fail(c, "%s could not decompress it", how == 2 ? "zstd" : "gzip");
    }
    return 0;
}

int pf_read_heaptrack(pf_ctx *c, int how)
{
    ht_node *tr = NULL;
    ht_kind *ai = NULL;
    char **strs = NULL;
    pf_attr *attr = NULL;
    size_t ntr = 0, trcap = 0, nai = 0, aicap = 0, nstrs = 0, strcap = 0, lineno = 0;
    int status = -1, format = 0, done = 0;
    pid_t pid;
    FILE *f = ht_open(c, how, &pid);
    if (f == NULL)
        return -1;
    pf_lines r = { f, NULL, 0, 0, 0, 0, 0 };
    char *line;
    size_t len;
    int rc;
    while ((rc = pf_next_line(&r, &line, &len)) == 0) {
        lineno++;
        if (format == 0 && line[0] != 'v' && line[0] != '#' && line[0] != '\0') {
            pf_fail(c, "neither a DHAT profile nor heaptrack data");
            goto out;
        }
        const char *p = line + 1;
        int64_t a = 0, b = 0;
        int bad = 0;
        switch (line[0]) {
        case 'v':
            bad = ht_hex(&p, &a) != 0 || ht_hex(&p, &b) != 0;
            if (!bad && b != 2 && b != 3) {
                pf_fail(c, "heaptrack data of file format %lld (2 and 3 are known)", (long long)b);
                goto out;
            }
            format = (int)b;
            break;
        case 'X':
            if (c->cmd == NULL && len > 2)
                c->cmd = ht_clean(line + 2, 4096);
            break;
        case 's':
            if (format >= 3) {
                bad = ht_hex(&p, &a) != 0 || *p != ' ';
                if (!bad)
                    p++;
            } else {
                bad = *p != ' ';
                p++;
            }
            if (!bad && nstrs >= PF_LIMIT_FRAMES) {
                pf_fail(c, "more than %zu strings (the limit of a profile)", PF_LIMIT_FRAMES);
                goto out;
            }
            if (!bad)
                *HP_PUSH(strs, nstrs, strcap) = ht_clean(p, HP_MAX_NAME);
            break;
        case 'i': {
            bad = ht_hex(&p, &a) != 0 || ht_hex(&p, &b) != 0 || (uint64_t)b > nstrs;
            if (bad)
                break;
            pf_frame *fr = pf_add_frame(c);
            if (fr == NULL)
                goto out;
            fr->has_addr = 1;
            fr->addr = (uint64_t)a;
            fr->module = b >= 1 ? strs[b - 1] : NULL;
            int64_t fn, fl, ln;
            if (ht_hex(&p, &fn) == 0 && ht_hex(&p, &fl) == 0 && ht_hex(&p, &ln) == 0) {
                /* the triples are the inline chain at IP, innermost first:
                ** the last is the function the address is in (the symbol
                ** the database's sites name), at its caller's line */
                int64_t fn2, fl2, ln2;
                while (ht_hex(&p, &fn2) == 0 && ht_hex(&p, &fl2) == 0 && ht_hex(&p, &ln2) == 0) {
                    fn = fn2;
                    fl = fl2;
                    ln = ln2;
                }
                const char *fname = fn >= 1 && (uint64_t)fn <= nstrs ? strs[fn - 1] : NULL;
                const char *file = fl >= 1 && (uint64_t)fl <= nstrs ? strs[fl - 1] : NULL;
                fr->func = fname ? hp_xstrdup(fname) : NULL;
                fr->text = hp_xasprintf("0x%llx: %.200s (%.200s:%lld)", (unsigned long long)a,
                                        fname ? fname : "?", file ? file : "?", (long long)ln);
            } else
                fr->text = hp_xasprintf("0x%llx: ? (in %.300s)", (unsigned long long)a,
                                        fr->module ? fr->module : "?");
            break;
        }
        case 't':
            bad = ht_hex(&p, &a) != 0 || ht_hex(&p, &b) != 0 || a < 1 || (uint64_t)a > c->nfr
                  || (uint64_t)b > ntr;
            if (!bad) {
                if (ntr >= HT_LIMIT_NODES) {
                    pf_fail(c, "more than %zu trace nodes (the limit of a profile)", HT_LIMIT_NODES);
                    goto out;
                }
                ht_node *n = HP_PUSH(tr, ntr, trcap);
                n->ip = (size_t)a - 1;
                n->parent = (size_t)b;
            }
            break;
        case 'a':
            bad = ht_hex(&p, &a) != 0 || ht_hex(&p, &b) != 0 || (uint64_t)b > ntr
                  || a > PF_MAX_COUNT;
            if (!bad) {
                if (nai >= HT_LIMIT_NODES) {
                    pf_fail(c, "more than %zu allocation kinds (the limit of a profile)",
                            HT_LIMIT_NODES);
                    goto out;
                }
                ht_kind *x = HP_PUSH(ai, nai, aicap);
                x->size = a;
                x->trace = (size_t)b;
                x->count = 0;
            }
            break;
        case '+':
            bad = ht_hex(&p, &a) != 0 || (uint64_t)a >= nai;
            if (!bad && ai[a].count >= PF_MAX_COUNT) {
                pf_fail(c, "damaged heaptrack data: line %zu: more than 2^53 allocations of"
                        " one kind", lineno);
                goto out;
            }
            if (!bad)
                ai[a].count++;
            break;
        default:
            break;
        }
        if (bad) {
            pf_fail(c, "damaged heaptrack data: line %zu", lineno);
            goto out;
        }
    }
    if (rc < 0) {
        if (ferror(f))
            pf_fail(c, "cannot read the heaptrack data");
        else
            pf_fail(c, "heaptrack data: line %zu is longer than %zu bytes (the limit)",
                    lineno + 1, PF_LIMIT_LINE);
        goto out;
    }
    done = 1;
    if (ht_close(c, f, pid, how, 0) != 0) {
        f = NULL;
        goto out;
    }
    f = NULL;
    if (format == 0) {
        pf_fail(c, "neither a DHAT profile nor heaptrack data");
        goto out;
    }
    if (pf_ready(c) != 0)
        goto out;
    /* one attribution per node, from its parent's */
    attr = hp_xmalloc((ntr + 1) * sizeof *attr);
    memset(&attr[0], 0, sizeof attr[0]);
    for (size_t i = 1; i <= ntr; i++)
        pf_attr_push(c, &attr[tr[i - 1].parent], tr[i - 1].ip, &attr[i]);
    for (size_t i = 0; i < nai; i++) {
        if (ai[i].count == 0)
            continue;
        int64_t bytes = ai[i].size > PF_MAX_COUNT / ai[i].count ? -1 : ai[i].size * ai[i].count;
        if (bytes < 0) {
            pf_fail(c, "damaged heaptrack data: allocation kind %zu counts more than 2^53 bytes", i);
            goto out;
        }
        if (pf_count(c, &attr[ai[i].trace], ai[i].count, bytes, ai[i].size, NULL, 0) != 0)
            goto out;
    }
    status = 0;
out:
    if (f)
        ht_close(c, f, pid, how, !done);
    free(r.buf);
    free(tr);
    free(ai);
    free(attr);
    pf_free_strings(c, strs, nstrs);
    return status;
}
