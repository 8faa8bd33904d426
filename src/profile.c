/*
** profile.c -- `holeprof profile DB FILE` (contract in profile.h).
**
** Reading: the DHAT file is handed to SQLite as one text value and every
** field is read with json_extract / json_each; nothing here parses JSON.
** Only a frame's leading "0x..." address is converted with strtoull.
** heaptrack's line format (see pf_load_heaptrack) is read line by line,
** through the system's zstd or gzip when compressed; its frames are
** return addresses and name their object, so frames of other objects are
** known rather than merely unmatched.  A Go pprof profile is a gzip'd
** protocol buffer, read with zlib and the small wire-format reader below
** (pf_load_pprof).  A file starting with '{' is DHAT; gzip'd text starting
** "v " or "#" is heaptrack, other gzip'd data pprof.
**
** Matching: DHAT records for each frame the return address minus one
** ("0x1091E7: main (p.c:9)" for a call at link address 0x11E3 of length 5
** in a PIE loaded at 0x108000).  So a frame belongs to site S when
** 0 <= address - bias - S.pc <= 15 (the longest x86 instruction), with S
** the site of greatest pc not above address - bias.  The load bias is
** solved by voting: a PIE is mapped at a page boundary, so for each frame
** and each site whose pc has the right low 12 bits the bias is fixed;
** the bias (and binary, when DB holds several) matched by the most
** distinct frames wins, ties going to the smaller bias (0 for
** non-PIE executables).  Frames of other objects (libc, the DHAT
** preload, libstdc++) match no site and are skipped.
**
** Attribution: walking a stack from the innermost frame, the first frame
** that is a site decides -- unless that site lies in a function that is
** itself an allocator (a wrapper: xmalloc calling malloc), in which case
** the walk goes on to the first caller frame that is a site outside a
** wrapper; if there is none, the wrapper's own site keeps the count.
**
** Field heat: DHAT's `acc` (blocks up to 1 KiB, all the same size) is a
** run-length list of per-byte access counts: n >= 0 is one byte accessed
** n times, -k followed by n is k bytes accessed n times each.  When the
** site allocates one known type, a block of whole objects is folded
** modulo the type size, any other block at least one object long counts
** as one object and a tail (its first size bytes); the counts are summed
** over each member's bytes (a bitfield gets its storage unit's counts).
**
** Atomicity: one SQLite transaction on DB itself (BEGIN IMMEDIATE ...
** COMMIT) rather than the copy-and-rename of analyze: the import only
** adds rows, SQLite's rollback journal already makes the transaction
** all-or-nothing across crashes, and copying a kernel-sized database to
** add a few hundred rows would cost more than the import.
*/
#include "profile.h"
#include "rank.h"
#include "report.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

extern char **environ;

#define PF_MAX_FILE   ((long)1 << 31)   /* a DHAT file we are willing to load */
#define PF_MAX_ACC    (1 << 20)         /* bytes of one acc array (DHAT: 1 KiB) */
#define PF_MAX_CALL   15                /* longest x86-64 instruction */
#define PF_MAX_COUNT  ((int64_t)1 << 53)

typedef struct pf_site {
    int64_t id, pc, type_id, binary_id;
    int in_wrapper;
    /* accumulated */
    int64_t allocs, bytes, points, via_wrapper;
} pf_site;

typedef struct pf_bin {
    int64_t id;
    char *base;          /* last component of binaries.path */
    pf_site *s;          /* sorted by pc */
    size_t n, cap;
} pf_bin;

typedef struct pf_frame {
    int has_addr;
    uint64_t addr;
    char *text;
    const char *module;  /* heaptrack: the object's path; NULL when unknown */
} pf_frame;

/* One program point: an allocation stack and its counts.  frames index
** c->fr, innermost first, from c->pfr[first] on. */
typedef struct pf_point {
    int64_t allocs, bytes;
    size_t first, nframes;
    char *acc;           /* DHAT's acc array as JSON text, or NULL */
} pf_point;

typedef struct pf_unmatched {
    int64_t allocs, bytes;
    char *where;
} pf_unmatched;

typedef struct pf_heat {
    int64_t type_id, size;
    int64_t *count;      /* per byte */
    struct pf_heat *next;
} pf_heat;

typedef struct pf_ctx {
    sqlite3 *db;
    const char *dbpath, *file;
    hp_err *err;
    pf_frame *fr;
    size_t nfr;
    pf_bin *bins;
    size_t nbins, bcap;
    pf_heat *heat;
    pf_point *pts;
    size_t npts, ptcap;
    size_t *pfr;
    size_t npfr, pfrcap;
    char **strs;         /* heaptrack string table, 1-based */
    size_t nstrs, strcap;
    const char *source;  /* "dhat" or "heaptrack" */
    char *cmd;
} pf_ctx;

/* The error of the last failed call on c->db, with the system's errno when
** SQLite has one (a full disk: "database or disk is full (No space left on
** device)").  Call it before anything else touches the connection. */
static int pf_dberr(pf_ctx *c, const char *what)
{
    int e = sqlite3_system_errno(c->db);
    if (e != 0 && (sqlite3_errcode(c->db) & 0xff) != SQLITE_OK)
        return hp_errf(c->err, c->dbpath, "%s: %s (%s)", what, sqlite3_errmsg(c->db),
                       strerror(e));
    return hp_errf(c->err, c->dbpath, "%s: %s", what, sqlite3_errmsg(c->db));
}

static int pf_prep(pf_ctx *c, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK)
        return pf_dberr(c, "cannot prepare a statement");
    return 0;
}

static int pf_by_pc(const void *a, const void *b)
{
    int64_t x = ((const pf_site *)a)->pc, y = ((const pf_site *)b)->pc;
    return (x > y) - (x < y);
}

static int pf_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The whole file as one string; DHAT files are text. */
static char *pf_read_file(const char *path, hp_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        hp_errf(err, path, "%s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        hp_errf(err, path, "not a regular file");
        return NULL;
    }
    if (st.st_size > PF_MAX_FILE) {
        fclose(f);
        hp_errf(err, path, "too large for a DHAT profile (%lld bytes)", (long long)st.st_size);
        return NULL;
    }
    size_t n = (size_t)st.st_size;
    char *buf = hp_xmalloc(n + 1);
    size_t got = fread(buf, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != n) {
        free(buf);
        hp_errf(err, path, "cannot read the file");
        return NULL;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        hp_errf(err, path, "not a DHAT profile (binary data)");
        return NULL;
    }
    return buf;
}

/* ---- the DHAT document ---- */

static int pf_load_doc(pf_ctx *c, const char *text, char **cmd)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (sqlite3_exec(c->db, "CREATE TEMP TABLE pf_doc(doc TEXT)", NULL, NULL, NULL) != SQLITE_OK)
        return pf_dberr(c, "cannot load the profile");
    if (pf_prep(c, "INSERT INTO temp.pf_doc VALUES (?1)", &st) != 0)
        return -1;
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return pf_dberr(c, "cannot load the profile");
    /* validity first: json_extract on a malformed document is an error */
    if (pf_prep(c, "SELECT json_valid(doc) FROM temp.pf_doc", &st) != 0)
        return -1;
    int valid = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (!valid)
        return hp_errf(c->err, c->file, "not a DHAT profile (not valid JSON)");
    if (pf_prep(c, "SELECT json_valid(doc), json_extract(doc, '$.dhatFileVersion'),"
                " json_extract(doc, '$.mode'), json_extract(doc, '$.cmd'),"
                " json_type(doc, '$.pps'), json_type(doc, '$.ftbl') FROM temp.pf_doc", &st) != 0)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return pf_dberr(c, "cannot read the profile");
    }
    valid = sqlite3_column_int(st, 0);
    int64_t ver = sqlite3_column_int64(st, 1);
    const char *mode = (const char *)sqlite3_column_text(st, 2);
    const char *pps = (const char *)sqlite3_column_text(st, 4);
    const char *ftbl = (const char *)sqlite3_column_text(st, 5);
    int ok = valid && ver == 2 && pps && strcmp(pps, "array") == 0 && ftbl
             && strcmp(ftbl, "array") == 0;
    int heap = ok && mode && strcmp(mode, "heap") == 0;
    char modebuf[32];
    snprintf(modebuf, sizeof modebuf, "%s", mode ? mode : "?");
    if (ok && heap && sqlite3_column_text(st, 3))
        *cmd = hp_xstrdup((const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    if (!valid)
        return hp_errf(c->err, c->file, "not a DHAT profile (not valid JSON)");
    if (!ok)
        return hp_errf(c->err, c->file, "not a DHAT profile (format version 2 with pps and"
                       " ftbl expected)");
    if (!heap)
        return hp_errf(c->err, c->file, "a DHAT profile of mode '%s': only heap profiles carry"
                       " allocation counts", modebuf);
    return 0;
}

static int pf_load_frames(pf_ctx *c)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;
    if (pf_prep(c, "SELECT j.key, j.value, j.type FROM temp.pf_doc d, json_each(d.doc, '$.ftbl') j"
                " ORDER BY j.key", &st) != 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 0) != (int64_t)c->nfr) {
            sqlite3_finalize(st);
            return hp_errf(c->err, c->file, "damaged DHAT profile: ftbl out of order");
        }
        pf_frame *f = HP_PUSH(c->fr, c->nfr, cap);
        memset(f, 0, sizeof *f);
        const char *t = (const char *)sqlite3_column_text(st, 1);
        const char *type = (const char *)sqlite3_column_text(st, 2);
        if (t == NULL || type == NULL || strcmp(type, "text") != 0)
            continue;
        f->text = hp_xstrndup(t, strnlen(t, 512));
        if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
            char *end;
            errno = 0;
            unsigned long long a = strtoull(t + 2, &end, 16);
            if (errno == 0 && end != t + 2 && *end == ':') {
                f->has_addr = 1;
                f->addr = a;
            }
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return pf_dberr(c, "cannot read the frame table");
    return 0;
}

/* ---- sites and the load bias ---- */

static int pf_load_sites(pf_ctx *c, int64_t only_binary)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (pf_prep(c, "SELECT s.binary_id, s.id, s.pc, s.type_id,"
                " s.function IS NOT NULL AND s.function IN"
                "   (SELECT a.name FROM allocators a WHERE a.binary_id = s.binary_id),"
                " (SELECT b.path FROM binaries b WHERE b.id = s.binary_id)"
                " FROM sites s WHERE ?1 IS NULL OR s.binary_id = ?1"
                " ORDER BY s.binary_id, s.pc", &st) != 0)
        return -1;
    if (only_binary > 0)
        sqlite3_bind_int64(st, 1, only_binary);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t bid = sqlite3_column_int64(st, 0), pc = sqlite3_column_int64(st, 2);
        if (sqlite3_column_type(st, 2) != SQLITE_INTEGER || pc < 0)
            continue;   /* a damaged row cannot match anything */
        if (c->nbins == 0 || c->bins[c->nbins - 1].id != bid) {
            pf_bin *b = HP_PUSH(c->bins, c->nbins, c->bcap);
            memset(b, 0, sizeof *b);
            b->id = bid;
            const char *path = (const char *)sqlite3_column_text(st, 5);
            const char *sl = path ? strrchr(path, '/') : NULL;
            b->base = hp_xstrdup(sl ? sl + 1 : path ? path : "");
        }
        pf_bin *b = &c->bins[c->nbins - 1];
        pf_site *s = HP_PUSH(b->s, b->n, b->cap);
        memset(s, 0, sizeof *s);
        s->binary_id = bid;
        s->id = sqlite3_column_int64(st, 1);
        s->pc = pc;
        s->type_id = sqlite3_column_type(st, 3) == SQLITE_INTEGER ? sqlite3_column_int64(st, 3) : 0;
        s->in_wrapper = sqlite3_column_int(st, 4);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return pf_dberr(c, "cannot read the allocation sites");
    for (size_t i = 0; i < c->nbins; i++)
        qsort(c->bins[i].s, c->bins[i].n, sizeof *c->bins[i].s, pf_by_pc);
    return 0;
}

/* A frame known to lie in another object than b (heaptrack names each
** frame's object; DHAT does not, and then every frame may match). */
static int pf_other_object(const pf_frame *f, const pf_bin *b)
{
    if (f->module == NULL || b->base[0] == '\0')
        return 0;
    const char *sl = strrchr(f->module, '/');
    return strcmp(sl ? sl + 1 : f->module, b->base) != 0;
}

/* The site a runtime frame address falls on under bias, or NULL. */
static pf_site *pf_match(pf_bin *b, uint64_t addr, int64_t bias)
{
    if (b->n == 0 || addr > (uint64_t)INT64_MAX || (int64_t)addr < bias)
        return NULL;
    int64_t rel = (int64_t)addr - bias;
    size_t lo = 0, hi = b->n;      /* first site with pc > rel */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->s[mid].pc <= rel)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    pf_site *s = &b->s[lo - 1];
    return rel - s->pc <= PF_MAX_CALL ? s : NULL;
}

/* Vote for biases: returns the best bias of b and its frame count. */
static size_t pf_vote(pf_ctx *c, pf_bin *b, int64_t *best)
{
    /* sites by the low 12 bits of their pc */
    size_t *head = hp_xmalloc(4096 * sizeof *head), *next = hp_xmalloc((b->n + 1) * sizeof *next);
    for (size_t i = 0; i < 4096; i++)
        head[i] = SIZE_MAX;
    for (size_t i = 0; i < b->n; i++) {
        size_t k = (size_t)(b->s[i].pc & 0xfff);
        next[i] = head[k];
        head[k] = i;
    }
    int64_t *cand = NULL;
    size_t nc = 0, cap = 0;
    for (size_t f = 0; f < c->nfr; f++) {
        if (!c->fr[f].has_addr || c->fr[f].addr > (uint64_t)INT64_MAX
            || pf_other_object(&c->fr[f], b))
            continue;
        int64_t a = (int64_t)c->fr[f].addr;
        size_t first = nc;
        for (int d = 0; d <= PF_MAX_CALL; d++) {
            for (size_t i = head[(size_t)((a - d) & 0xfff)]; i != SIZE_MAX; i = next[i]) {
                int64_t bias = a - d - b->s[i].pc;
                if (bias < 0)
                    continue;
                /* one vote per frame and bias */
                int dup = 0;
                for (size_t k = first; k < nc && !dup; k++)
                    dup = cand[k] == bias;
                if (!dup)
                    *HP_PUSH(cand, nc, cap) = bias;
            }
        }
    }
    size_t bestn = 0;
    *best = 0;
    if (nc > 1)
        qsort(cand, nc, sizeof *cand, pf_cmp_i64);
    for (size_t i = 0; i < nc;) {
        size_t j = i;
        while (j < nc && cand[j] == cand[i])
            j++;
        if (j - i > bestn) {   /* ascending order: ties keep the smaller bias */
            bestn = j - i;
            *best = cand[i];
        }
        i = j;
    }
    free(cand);
    free(head);
    free(next);
    return bestn;
}

/* ---- field heat ---- */

static pf_heat *pf_heat_for(pf_ctx *c, int64_t type_id, int64_t size)
{
    for (pf_heat *h = c->heat; h; h = h->next)
        if (h->type_id == type_id)
            return h;
    pf_heat *h = hp_xcalloc(1, sizeof *h);
    h->type_id = type_id;
    h->size = size;
    h->count = hp_xcalloc((size_t)size, sizeof *h->count);
    h->next = c->heat;
    c->heat = h;
    return h;
}

/* Decode one acc array (JSON text) and fold it onto type_id.
** Returns 1 when folded, 0 when it does not fit, -1 on error. */
static int pf_fold(pf_ctx *c, const char *acc, int64_t type_id, int64_t *counts)
{
    sqlite3_stmt *st = NULL;
    int64_t size = 0;
    if (pf_prep(c, "SELECT size FROM types WHERE id = ?1", &st) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, type_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        size = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (size <= 0 || size > PF_MAX_ACC)
        return 0;
    if (pf_prep(c, "SELECT value, type FROM json_each(?1)", &st) != 0)
        return -1;
    sqlite3_bind_text(st, 1, acc, -1, SQLITE_STATIC);
    int64_t len = 0, run = 0;
    int rc, bad = 0;
    while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 1);
        if (t == NULL || strcmp(t, "integer") != 0) {
            bad = 1;
            break;
        }
        int64_t v = sqlite3_column_int64(st, 0);
        if (run == 0 && v < 0) {
            if (v < -PF_MAX_ACC)
                bad = 1;
            run = -v;
            continue;
        }
        if (v < 0 || v > PF_MAX_COUNT) {
            bad = 1;
            break;
        }
        int64_t k = run ? run : 1;
        run = 0;
        if (len + k > PF_MAX_ACC) {
            bad = 1;
            break;
        }
        for (int64_t i = 0; i < k; i++)
            counts[len + i] = v;
        len += k;
    }
    sqlite3_finalize(st);
    if (bad || run != 0)
        return hp_errf(c->err, c->file, "damaged DHAT profile: bad acc array");
    if (len < size)
        return 0;
    /* a whole number of objects folds modulo the size; anything else is
    ** one object and a tail (a flexible array): only its first bytes
    ** are the members (site_rows reads the request the same way) */
    if (len % size != 0)
        len = size;
    pf_heat *h = pf_heat_for(c, type_id, size);
    for (int64_t i = 0; i < len; i++) {
        int64_t *d = &h->count[i % size];
        *d = *d > PF_MAX_COUNT - counts[i] ? PF_MAX_COUNT : *d + counts[i];
    }
    return 1;
}

/* ---- loading program points ---- */

/* DHAT: every pps entry, its frames (fs) and its acc array. */
static int pf_load_dhat_points(pf_ctx *c)
{
    sqlite3_stmt *st = NULL, *fs = NULL;
    int rc, status = -1;
    if (pf_prep(c, "SELECT json_extract(p.value, '$.tbk'), json_extract(p.value, '$.tb'),"
                " json_extract(p.value, '$.fs'), json_extract(p.value, '$.acc'),"
                " json_type(p.value, '$.fs')"
                " FROM temp.pf_doc d, json_each(d.doc, '$.pps') p ORDER BY p.key", &st) != 0
        || pf_prep(c, "SELECT value FROM json_each(?1) ORDER BY key", &fs) != 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t tbk = sqlite3_column_int64(st, 0), tb = sqlite3_column_int64(st, 1);
        const char *fstype = (const char *)sqlite3_column_text(st, 4);
        if (sqlite3_column_type(st, 0) != SQLITE_INTEGER || sqlite3_column_type(st, 1)
            != SQLITE_INTEGER || tbk < 0 || tb < 0 || tbk > PF_MAX_COUNT || tb > PF_MAX_COUNT
            || fstype == NULL || strcmp(fstype, "array") != 0) {
            hp_errf(c->err, c->file, "damaged DHAT profile: program point %zu", c->npts);
            goto out;
        }
        pf_point *p = HP_PUSH(c->pts, c->npts, c->ptcap);
        memset(p, 0, sizeof *p);
        p->allocs = tbk;
        p->bytes = tb;
        p->first = c->npfr;
        if (sqlite3_column_type(st, 3) == SQLITE_TEXT)
            p->acc = hp_xstrdup((const char *)sqlite3_column_text(st, 3));
        sqlite3_reset(fs);
        sqlite3_bind_text(fs, 1, (const char *)sqlite3_column_text(st, 2), -1, SQLITE_TRANSIENT);
        while (sqlite3_step(fs) == SQLITE_ROW) {
            int64_t fi = sqlite3_column_int64(fs, 0);
            if (sqlite3_column_type(fs, 0) != SQLITE_INTEGER || fi < 0 || (uint64_t)fi >= c->nfr) {
                hp_errf(c->err, c->file, "damaged DHAT profile: bad frame index in point %zu",
                        c->npts - 1);
                goto out;
            }
            *HP_PUSH(c->pfr, c->npfr, c->pfrcap) = (size_t)fi;
            p->nframes++;
        }
    }
    if (rc != SQLITE_DONE) {
        pf_dberr(c, "cannot read the program points");
        goto out;
    }
    status = 0;
out:
    sqlite3_finalize(st);
    sqlite3_finalize(fs);
    return status;
}

/* heaptrack (what heaptrack_interpret writes, file format 2 or 3; numbers
** in hex):
**   v VERSION FORMAT     header
**   X COMMAND            the profiled command line
**   s [LEN] TEXT         a string, numbered from 1 (LEN since format 3)
**   i IP MODULE [FUNCTION FILE LINE]...  an instruction pointer (a return
**                        address), numbered from 1; MODULE names its object
**   t IP PARENT          a trace node, numbered from 1; PARENT 0 is the root
**   a SIZE TRACE         an allocation kind, numbered from 0
**   + KIND               one allocation of that kind
** Frees, timestamps, RSS and comments are not needed.  A trace's frames
** are its node's instruction pointer, then its parents'.  A parent must
** precede its child, which also bounds every walk. */
typedef struct pf_htnode {
    size_t ip, parent;
} pf_htnode;

typedef struct pf_htinfo {
    int64_t size, trace, count;
} pf_htinfo;

static int pf_hex(const char **p, int64_t *out)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (end == s || errno != 0 || v > (unsigned long long)INT64_MAX)
        return -1;
    *p = end;
    *out = (int64_t)v;
    return 0;
}

static const char *pf_str(const pf_ctx *c, int64_t i)
{
    return i >= 1 && (uint64_t)i <= c->nstrs ? c->strs[i - 1] : NULL;
}

static int pf_load_heaptrack(pf_ctx *c, FILE *in)
{
    pf_htnode *tr = NULL;
    pf_htinfo *ai = NULL;
    size_t ntr = 0, trcap = 0, nai = 0, aicap = 0, frcap = 0, lineno = 0, cap = 0;
    char *line = NULL;
    ssize_t len;
    int status = -1, format = 0;
    while ((len = getline(&line, &cap, in)) > 0) {
        lineno++;
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        if (format == 0 && line[0] != 'v' && line[0] != '#' && line[0] != '\0') {
            hp_errf(c->err, c->file, "neither a DHAT profile nor heaptrack data");
            goto out;
        }
        const char *p = line + 1;
        int64_t a = 0, b = 0;
        int bad = 0;
        switch (line[0]) {
        case 'v':
            bad = pf_hex(&p, &a) != 0 || pf_hex(&p, &b) != 0;
            if (!bad && b != 2 && b != 3) {
                hp_errf(c->err, c->file, "heaptrack data of file format %lld (2 and 3 are"
                        " known)", (long long)b);
                goto out;
            }
            format = (int)b;
            break;
        case 'X':
            if (c->cmd == NULL && len > 2)
                c->cmd = hp_xstrndup(line + 2, strnlen(line + 2, 4096));
            break;
        case 's':
            if (format >= 3) {
                bad = pf_hex(&p, &a) != 0 || *p != ' ';
                if (!bad)
                    p++;
            } else {
                bad = *p != ' ';
                p++;
            }
            if (!bad)
                *HP_PUSH(c->strs, c->nstrs, c->strcap) = hp_xstrndup(p, strnlen(p, HP_MAX_NAME));
            break;
        case 'i': {
            bad = pf_hex(&p, &a) != 0 || pf_hex(&p, &b) != 0;
            if (bad)
                break;
            pf_frame *f = HP_PUSH(c->fr, c->nfr, frcap);
            memset(f, 0, sizeof *f);
            f->has_addr = 1;
            f->addr = (uint64_t)a;
            f->module = pf_str(c, b);
            int64_t fn, fl, ln;
            if (pf_hex(&p, &fn) == 0 && pf_hex(&p, &fl) == 0 && pf_hex(&p, &ln) == 0)
                f->text = hp_xasprintf("0x%llx: %s (%s:%lld)", (unsigned long long)a,
                                       pf_str(c, fn) ? pf_str(c, fn) : "?",
                                       pf_str(c, fl) ? pf_str(c, fl) : "?", (long long)ln);
            else
                f->text = hp_xasprintf("0x%llx (in %s)", (unsigned long long)a,
                                       f->module ? f->module : "?");
            break;
        }
        case 't':
            bad = pf_hex(&p, &a) != 0 || pf_hex(&p, &b) != 0 || a < 1 || (uint64_t)a > c->nfr
                  || (uint64_t)b > ntr;
            if (!bad) {
                pf_htnode *n = HP_PUSH(tr, ntr, trcap);
                n->ip = (size_t)a - 1;
                n->parent = (size_t)b;
            }
            break;
        case 'a':
            bad = pf_hex(&p, &a) != 0 || pf_hex(&p, &b) != 0 || (uint64_t)b > ntr
                  || a > PF_MAX_COUNT;
            if (!bad) {
                pf_htinfo *x = HP_PUSH(ai, nai, aicap);
                x->size = a;
                x->trace = b;
                x->count = 0;
            }
            break;
        case '+':
            bad = pf_hex(&p, &a) != 0 || (uint64_t)a >= nai;
            if (!bad && ai[a].count < PF_MAX_COUNT)
                ai[a].count++;
            break;
        default:
            break;
        }
        if (bad) {
            hp_errf(c->err, c->file, "damaged heaptrack data: line %zu", lineno);
            goto out;
        }
    }
    if (ferror(in)) {
        hp_errf(c->err, c->file, "cannot read the heaptrack data");
        goto out;
    }
    if (format == 0) {
        hp_errf(c->err, c->file, "neither a DHAT profile nor heaptrack data");
        goto out;
    }
    for (size_t i = 0; i < nai; i++) {
        if (ai[i].count == 0)
            continue;
        pf_point *pt = HP_PUSH(c->pts, c->npts, c->ptcap);
        memset(pt, 0, sizeof *pt);
        pt->allocs = ai[i].count;
        pt->bytes = ai[i].size > PF_MAX_COUNT / ai[i].count ? PF_MAX_COUNT
                                                            : ai[i].size * ai[i].count;
        pt->first = c->npfr;
        for (size_t k = (size_t)ai[i].trace; k != 0; k = tr[k - 1].parent) {
            *HP_PUSH(c->pfr, c->npfr, c->pfrcap) = tr[k - 1].ip;
            pt->nframes++;
            if (tr[k - 1].parent >= k)   /* cannot happen: parents come first */
                break;
        }
    }
    status = 0;
out:
    free(line);
    free(tr);
    free(ai);
    return status;
}

/* ---- Go pprof heap profiles ---- */

/* A pprof file is a gzip'd protocol buffer (profile.proto).  Only its
** wire format is needed: varints, fixed 64/32-bit values and
** length-delimited fields.  Read: Profile.sample_type (1: ValueType type,
** unit as string indexes), sample (2: location_id 1, value 2; packed or
** not), mapping (3: id 1, filename 5), location (4: id 1, mapping_id 2,
** address 3, line 4 -> function_id 1), function (5: id 1, name 2) and
** string_table (6).  Counts come from the sample types alloc_objects and
** alloc_space (Go scales sampled values to estimates already; a program
** setting runtime.MemProfileRate = 1 gets exact ones). */
#define PF_MAX_PPROF ((size_t)1 << 30)

typedef struct pf_pb {
    const unsigned char *p, *end;
} pf_pb;

static int pf_pb_varint(pf_pb *b, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end)
            return -1;
        unsigned char c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Next field: its number, wire type, and for wire type 0/1/5 its value,
** for 2 its bytes in *sub.  Returns 1 at the end, -1 when malformed. */
static int pf_pb_next(pf_pb *b, uint32_t *field, int *wt, uint64_t *val, pf_pb *sub)
{
    if (b->p >= b->end)
        return 1;
    uint64_t key, len;
    if (pf_pb_varint(b, &key) != 0 || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
        return -1;
    *field = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    switch (*wt) {
    case 0:
        return pf_pb_varint(b, val);
    case 1:
    case 5: {
        size_t n = *wt == 1 ? 8 : 4;
        if ((size_t)(b->end - b->p) < n)
            return -1;
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
            v |= (uint64_t)b->p[i] << (8 * i);
        b->p += n;
        *val = v;
        return 0;
    }
    case 2:
        if (pf_pb_varint(b, &len) != 0 || len > (uint64_t)(b->end - b->p))
            return -1;
        sub->p = b->p;
        sub->end = b->p + len;
        b->p += len;
        return 0;
    default:
        return -1;   /* groups (3, 4) are not used by profile.proto */
    }
}

/* A repeated integer field, packed (wire type 2) or not: append to *v. */
static int pf_pb_ints(int wt, uint64_t val, pf_pb *sub, uint64_t **v, size_t *n, size_t *cap)
{
    if (wt == 0) {
        *HP_PUSH(*v, *n, *cap) = val;
        return 0;
    }
    if (wt != 2)
        return -1;
    while (sub->p < sub->end) {
        uint64_t x;
        if (pf_pb_varint(sub, &x) != 0)
            return -1;
        *HP_PUSH(*v, *n, *cap) = x;
    }
    return 0;
}

/* The whole file, gunzip'd when it is gzip'd. */
static unsigned char *pf_gunzip(const char *path, size_t *len, hp_err *err)
{
    gzFile gz = gzopen(path, "rb");
    if (gz == NULL) {
        hp_errf(err, path, "%s", strerror(errno));
        return NULL;
    }
    size_t n = 0, cap = 1 << 16;
    unsigned char *buf = hp_xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= PF_MAX_PPROF) {
                gzclose(gz);
                free(buf);
                hp_errf(err, path, "too large for a pprof profile");
                return NULL;
            }
            cap *= 2;
            buf = hp_xrealloc(buf, cap);
        }
        int r = gzread(gz, buf + n, (unsigned)(cap - n > (1u << 30) ? (1u << 30) : cap - n));
        if (r < 0) {
            gzclose(gz);
            free(buf);
            hp_errf(err, path, "cannot decompress it (damaged gzip data)");
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    /* gzread stops quietly at a truncated stream; gzclose reports it */
    if (gzclose(gz) != Z_OK) {
        free(buf);
        hp_errf(err, path, "cannot decompress it (truncated gzip data)");
        return NULL;
    }
    *len = n;
    return buf;
}

typedef struct pf_pploc {
    uint64_t id, mapping, address, function;
} pf_pploc;

typedef struct pf_ppid {
    uint64_t id, name;   /* name: a string index (mapping filename, function name) */
} pf_ppid;

static int pf_ppid_cmp(const void *a, const void *b)
{
    uint64_t x = ((const pf_ppid *)a)->id, y = ((const pf_ppid *)b)->id;
    return (x > y) - (x < y);
}

static int pf_pploc_cmp(const void *a, const void *b)
{
    uint64_t x = ((const pf_pploc *)a)->id, y = ((const pf_pploc *)b)->id;
    return (x > y) - (x < y);
}

static int pf_load_pprof(pf_ctx *c)
{
    size_t len = 0;
    unsigned char *data = pf_gunzip(c->file, &len, c->err);
    if (data == NULL)
        return -1;
    pf_pb top = { data, data + len }, sub, sub2;
    uint32_t field, f2;
    int wt, w2, r, status = -1;
    uint64_t val, v2;
    uint64_t *types = NULL;      /* sample_type: type string index, in order */
    size_t ntypes = 0, tcap = 0;
    pf_ppid *maps = NULL, *funcs = NULL;
    size_t nmaps = 0, mcap = 0, nfuncs = 0, fcap = 0, frcap = 0;
    pf_pploc *locs = NULL;
    size_t nlocs = 0, lcap = 0;
    /* samples are kept as ranges of the raw buffer and read in a second
    ** pass, once the string table says which values are alloc_* */
    pf_pb *samples = NULL;
    size_t nsamples = 0, scap = 0;
    uint64_t *ids = NULL, *vals = NULL;
    size_t nids = 0, icap = 0, nvals = 0, vcap = 0;

    while ((r = pf_pb_next(&top, &field, &wt, &val, &sub)) == 0) {
        if (wt != 2) {
            if (field == 1 || field == 2 || field == 3 || field == 4 || field == 5 || field == 6)
                goto bad;
            continue;
        }
        switch (field) {
        case 1:   /* ValueType */
            while ((r = pf_pb_next(&sub, &f2, &w2, &v2, &sub2)) == 0)
                if (f2 == 1 && w2 == 0)
                    *HP_PUSH(types, ntypes, tcap) = v2;
            if (r < 0)
                goto bad;
            break;
        case 2:
            *HP_PUSH(samples, nsamples, scap) = sub;
            break;
        case 3:
        case 5: {   /* Mapping (filename 5) / Function (name 2) */
            pf_ppid x = { 0, 0 };
            while ((r = pf_pb_next(&sub, &f2, &w2, &v2, &sub2)) == 0) {
                if (w2 == 0 && f2 == 1)
                    x.id = v2;
                else if (w2 == 0 && f2 == (field == 3 ? 5u : 2u))
                    x.name = v2;
            }
            if (r < 0)
                goto bad;
            if (field == 3)
                *HP_PUSH(maps, nmaps, mcap) = x;
            else
                *HP_PUSH(funcs, nfuncs, fcap) = x;
            break;
        }
        case 4: {   /* Location */
            pf_pploc x = { 0, 0, 0, 0 };
            while ((r = pf_pb_next(&sub, &f2, &w2, &v2, &sub2)) == 0) {
                if (w2 == 0 && f2 == 1)
                    x.id = v2;
                else if (w2 == 0 && f2 == 2)
                    x.mapping = v2;
                else if (w2 == 0 && f2 == 3)
                    x.address = v2;
                else if (w2 == 2 && f2 == 4 && x.function == 0) {
                    /* the first Line is the innermost inlined function */
                    pf_pb ln = sub2, s3;
                    uint32_t f3;
                    int w3;
                    uint64_t v3;
                    while ((r = pf_pb_next(&ln, &f3, &w3, &v3, &s3)) == 0)
                        if (f3 == 1 && w3 == 0)
                            x.function = v3;
                    if (r < 0)
                        goto bad;
                }
            }
            if (r < 0)
                goto bad;
            *HP_PUSH(locs, nlocs, lcap) = x;
            break;
        }
        case 6:
            *HP_PUSH(c->strs, c->nstrs, c->strcap) =
                hp_xstrndup((const char *)sub.p, (size_t)(sub.end - sub.p) < HP_MAX_NAME
                                                 ? (size_t)(sub.end - sub.p) : HP_MAX_NAME);
            break;
        default:
            break;
        }
    }
    if (r < 0)
        goto bad;
    /* string_table[0] is "": our 1-based pf_str(i + 1) is the proto's i */
    long ia = -1, ib = -1;
    for (size_t i = 0; i < ntypes; i++) {
        const char *t = types[i] < c->nstrs ? c->strs[types[i]] : NULL;
        if (t && strcmp(t, "alloc_objects") == 0)
            ia = (long)i;
        else if (t && strcmp(t, "alloc_space") == 0)
            ib = (long)i;
    }
    if (ia < 0) {
        hp_errf(c->err, c->file, "a pprof profile without alloc_objects (not a Go heap or"
                " allocs profile)");
        goto out;
    }
    qsort(locs, nlocs, sizeof *locs, pf_pploc_cmp);
    qsort(maps, nmaps, sizeof *maps, pf_ppid_cmp);
    qsort(funcs, nfuncs, sizeof *funcs, pf_ppid_cmp);
    /* one frame per location, in id order: frame index = position */
    for (size_t i = 0; i < nlocs; i++) {
        pf_frame *f = HP_PUSH(c->fr, c->nfr, frcap);
        memset(f, 0, sizeof *f);
        f->has_addr = locs[i].address != 0;
        f->addr = locs[i].address;
        pf_ppid key = { locs[i].mapping, 0 }, *m = NULL, *fn = NULL;
        if (nmaps)
            m = bsearch(&key, maps, nmaps, sizeof *maps, pf_ppid_cmp);
        key.id = locs[i].function;
        if (nfuncs)
            fn = bsearch(&key, funcs, nfuncs, sizeof *funcs, pf_ppid_cmp);
        const char *mod = m ? pf_str(c, (int64_t)m->name + 1) : NULL;
        f->module = mod && mod[0] ? mod : NULL;
        const char *name = fn ? pf_str(c, (int64_t)fn->name + 1) : NULL;
        f->text = hp_xasprintf("0x%llx: %s", (unsigned long long)locs[i].address,
                               name ? name : "?");
    }
    for (size_t i = 0; i < nsamples; i++) {
        nids = nvals = 0;
        pf_pb sb = samples[i];
        while ((r = pf_pb_next(&sb, &f2, &w2, &v2, &sub2)) == 0) {
            if (f2 == 1 && pf_pb_ints(w2, v2, &sub2, &ids, &nids, &icap) != 0)
                goto bad;
            if (f2 == 2 && pf_pb_ints(w2, v2, &sub2, &vals, &nvals, &vcap) != 0)
                goto bad;
        }
        if (r < 0 || nvals != ntypes)
            goto bad;
        int64_t objs = (int64_t)vals[ia], bytes = ib >= 0 ? (int64_t)vals[ib] : 0;
        if (objs <= 0)
            continue;
        if (objs > PF_MAX_COUNT || bytes < 0 || bytes > PF_MAX_COUNT)
            goto bad;
        pf_point *pt = HP_PUSH(c->pts, c->npts, c->ptcap);
        memset(pt, 0, sizeof *pt);
        pt->allocs = objs;
        pt->bytes = bytes;
        pt->first = c->npfr;
        for (size_t k = 0; k < nids; k++) {
            pf_pploc key = { ids[k], 0, 0, 0 };
            pf_pploc *l = nlocs ? bsearch(&key, locs, nlocs, sizeof *locs, pf_pploc_cmp) : NULL;
            if (l == NULL)
                goto bad;
            *HP_PUSH(c->pfr, c->npfr, c->pfrcap) = (size_t)(l - locs);
            pt->nframes++;
        }
    }
    status = 0;
    goto out;
bad:
    hp_errf(c->err, c->file, "damaged pprof profile");
out:
    free(data);
    free(types);
    free(maps);
    free(funcs);
    free(locs);
    free(samples);
    free(ids);
    free(vals);
    return status;
}

/* What kind of file: DHAT's JSON, or heaptrack data (plain, gzip or zstd).
** Compressed heaptrack data is read through the system's gzip or zstd. */
enum { PF_DHAT, PF_HEAPTRACK, PF_HEAPTRACK_GZ, PF_HEAPTRACK_ZST, PF_PPROF };

static int pf_sniff(const char *path, int *kind, hp_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return hp_errf(err, path, "%s", strerror(errno));
    unsigned char m[4] = { 0 };
    size_t n = fread(m, 1, 4, f), skip = 0;
    fclose(f);
    while (skip < n && (m[skip] == ' ' || m[skip] == '\n' || m[skip] == '\t' || m[skip] == '\r'))
        skip++;
    if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        *kind = PF_HEAPTRACK_ZST;
    else if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        /* gzip'd: heaptrack text ("v ..." or "# ...") or else a pprof
        ** protocol buffer (Go writes its fields in no fixed order) */
        *kind = PF_PPROF;
        gzFile gz = gzopen(path, "rb");
        unsigned char first = 0;
        if (gz != NULL) {
            if (gzread(gz, &first, 1) == 1 && (first == 'v' || first == '#'))
                *kind = PF_HEAPTRACK_GZ;
            gzclose(gz);
        }
    } else if (n >= 1 && m[0] < 0x20 && m[0] != '\n' && m[0] != '\t' && m[0] != '\r')
        *kind = PF_PPROF;   /* a protocol buffer as it is, not gzip'd */
    else if (skip < n && m[skip] == '{')
        *kind = PF_DHAT;
    else
        *kind = PF_HEAPTRACK;
    return 0;
}

/* A stream of the file's text, decompressed by a child process when
** needed (posix_spawnp, no shell; its stderr goes to /dev/null). */
static FILE *pf_open_stream(const char *path, int kind, pid_t *pid, hp_err *err)
{
    *pid = -1;
    if (kind == PF_HEAPTRACK) {
        FILE *f = fopen(path, "r");
        if (f == NULL)
            hp_errf(err, path, "%s", strerror(errno));
        return f;
    }
    const char *tool = kind == PF_HEAPTRACK_ZST ? "zstd" : "gzip";
    int fds[2];
    if (pipe(fds) != 0) {
        hp_errf(err, path, "cannot decompress: %s", strerror(errno));
        return NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = { (char *)tool, (char *)"-dc", (char *)"--", (char *)path, NULL };
    int rc = posix_spawnp(pid, tool, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        *pid = -1;
        hp_errf(err, path, "cannot run %s to decompress it (%s): install %s or decompress"
                " the file first", tool, strerror(rc), tool);
        return NULL;
    }
    FILE *f = fdopen(fds[0], "r");
    if (f == NULL) {
        close(fds[0]);
        hp_errf(err, path, "cannot decompress: %s", strerror(errno));
    }
    return f;
}

/* Close the stream; a decompressor that failed makes it an error. */
static int pf_close_stream(FILE *f, pid_t pid, const char *path, int kind, hp_err *err)
{
    if (f)
        fclose(f);
    if (pid <= 0)
        return 0;
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return hp_errf(err, path, "cannot wait for the decompressor: %s", strerror(errno));
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        /* the cause, rather than what reading the broken stream said */
        memset(err, 0, sizeof *err);
        return hp_errf(err, path, "%s could not decompress it",
                       kind == PF_HEAPTRACK_ZST ? "zstd" : "gzip");
    }
    return 0;
}

/* ---- the import ---- */

static int pf_by_allocs(const void *a, const void *b)
{
    const pf_unmatched *x = a, *y = b;
    if (x->allocs != y->allocs)
        return x->allocs < y->allocs ? 1 : -1;
    return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

static void pf_free(pf_ctx *c)
{
    for (size_t i = 0; i < c->nfr; i++)
        free(c->fr[i].text);
    free(c->fr);
    for (size_t i = 0; i < c->nbins; i++) {
        free(c->bins[i].s);
        free(c->bins[i].base);
    }
    free(c->bins);
    for (size_t i = 0; i < c->npts; i++)
        free(c->pts[i].acc);
    free(c->pts);
    free(c->pfr);
    for (size_t i = 0; i < c->nstrs; i++)
        free(c->strs[i]);
    free(c->strs);
    free(c->cmd);
    while (c->heat) {
        pf_heat *h = c->heat;
        c->heat = h->next;
        free(h->count);
        free(h);
    }
}

/* Writing into the user's database: st_open_update checks that it is
** ours and that its schema is exactly the built-in one (no triggers,
** views or tables someone added), before anything is written. */
static int pf_open_rw(const char *dbpath, sqlite3 **out, hp_err *err)
{
    return st_open_update(dbpath, out, err);
}

int pf_import(const char *dbpath, const char *file, const pf_opts *o, FILE *log, hp_err *err)
{
    pf_ctx c;
    memset(&c, 0, sizeof c);
    c.dbpath = dbpath;
    c.file = file;
    c.err = err;
    char *text = NULL, *abspath = NULL;
    pf_unmatched *um = NULL;
    size_t num = 0, umcap = 0;
    int64_t *counts = NULL;
    sqlite3_stmt *st = NULL;
    int status = -1, in_tx = 0, deferred = 0, kind = PF_DHAT, rc;

    int64_t only = 0;
    if (o && o->binary) {
        sqlite3 *rdb = NULL;
        if (st_open_read(dbpath, &rdb, err) != 0)
            return -1;
        int r = mrg_select_binary(rdb, dbpath, o->binary, &only, err);
        sqlite3_close(rdb);
        if (r != 0)
            return -1;
    }
    if (pf_sniff(file, &kind, err) != 0)
        return -1;
    if (kind == PF_DHAT && (text = pf_read_file(file, err)) == NULL)
        return -1;
    if (pf_open_rw(dbpath, &c.db, err) != 0)
        goto out;
    if (kind == PF_DHAT) {
        c.source = "dhat";
        if (pf_load_doc(&c, text, &c.cmd) != 0 || pf_load_frames(&c) != 0
            || pf_load_dhat_points(&c) != 0)
            goto out;
        free(text);
        text = NULL;
    } else if (kind == PF_PPROF) {
        c.source = "pprof";
        if (pf_load_pprof(&c) != 0)
            goto out;
    } else {
        c.source = "heaptrack";
        pid_t pid;
        FILE *in = pf_open_stream(file, kind, &pid, err);
        if (in == NULL)
            goto out;
        int r = pf_load_heaptrack(&c, in);
        if (pf_close_stream(in, pid, file, kind, err) != 0 || r != 0)
            goto out;
    }
    if (pf_load_sites(&c, only) != 0)
        goto out;

    /* the binary and load bias most frames agree on */
    pf_bin *bin = NULL;
    int64_t bias = 0;
    size_t votes = 0;
    for (size_t i = 0; i < c.nbins; i++) {
        int64_t bb;
        size_t v = pf_vote(&c, &c.bins[i], &bb);
        if (v > votes) {
            votes = v;
            bias = bb;
            bin = &c.bins[i];
        }
    }
    if (bin == NULL) {
        hp_errf(err, file, "no frame of the profile is an allocation site of %s%s", dbpath,
                c.nbins ? " (another program, or a different build?)"
                        : " (it has no allocation sites: analyze without --no-sites)");
        goto out;
    }

    /* attribute every program point */
    counts = hp_xmalloc(PF_MAX_ACC * sizeof *counts);
    int64_t points = 0, pmatched = 0, allocs = 0, amatched = 0, bytes = 0, bmatched = 0;
    int64_t heat_points = 0;
    for (size_t pi = 0; pi < c.npts; pi++) {
        const pf_point *pt = &c.pts[pi];
        points++;
        allocs += pt->allocs;
        bytes += pt->bytes;
        if (allocs > PF_MAX_COUNT || bytes > PF_MAX_COUNT) {
            hp_errf(err, file, "damaged profile: counts out of range");
            goto out;
        }
        pf_site *first = NULL, *chosen = NULL;
        const char *where = NULL, *where2 = NULL;
        for (size_t k = 0; k < pt->nframes && chosen == NULL; k++) {
            pf_frame *f = &c.fr[c.pfr[pt->first + k]];
            /* DHAT's first frame is the allocator itself; heaptrack's the caller */
            if (where == NULL && (k > 0 || kind != PF_DHAT))
                where = f->text;
            else if (where != NULL && where2 == NULL)
                where2 = f->text;
            if (!f->has_addr || pf_other_object(f, bin))
                continue;
            pf_site *sx = pf_match(bin, f->addr, bias);
            if (sx == NULL)
                continue;
            if (first == NULL)
                first = sx;
            if (!sx->in_wrapper)
                chosen = sx;
        }
        int via = chosen != NULL && chosen != first;
        if (chosen == NULL)
            chosen = first;
        if (chosen == NULL) {
            pf_unmatched *u = HP_PUSH(um, num, umcap);
            u->allocs = pt->allocs;
            u->bytes = pt->bytes;
            u->where = hp_xasprintf("%s%s%s", where ? where : "?", where2 ? " <- " : "",
                                    where2 ? where2 : "");
            continue;
        }
        pmatched++;
        amatched += pt->allocs;
        bmatched += pt->bytes;
        chosen->allocs += pt->allocs;
        chosen->bytes += pt->bytes;
        chosen->points++;
        chosen->via_wrapper += via;
        if (chosen->type_id > 0 && pt->acc != NULL) {
            int r = pf_fold(&c, pt->acc, chosen->type_id, counts);
            if (r < 0)
                goto out;
            heat_points += r;
        }
    }

    /* write it all in one transaction; SIGINT, SIGTERM and SIGHUP wait
    ** until it is committed or rolled back and the file closed, so a
    ** Ctrl-C never leaves a hot journal behind */
    hp_signals_defer();
    deferred = 1;
    if (sqlite3_exec(c.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        pf_dberr(&c, "cannot start the import");
        goto out;
    }
    in_tx = 1;
    abspath = realpath(file, NULL);
    const char *path = abspath ? abspath : file;
    if (pf_prep(&c, "DELETE FROM member_heat WHERE profile_id IN (SELECT id FROM profiles"
                " WHERE binary_id = ?1 AND path = ?2)", &st) != 0)
        goto out;
    for (int pass = 0; pass < 3; pass++) {
        static const char *const del[3] = {
            NULL,
            "DELETE FROM site_counts WHERE profile_id IN (SELECT id FROM profiles"
            " WHERE binary_id = ?1 AND path = ?2)",
            "DELETE FROM profiles WHERE binary_id = ?1 AND path = ?2",
        };
        if (pass > 0 && pf_prep(&c, del[pass], &st) != 0)
            goto out;
        sqlite3_bind_int64(st, 1, bin->id);
        sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        st = NULL;
        if (rc != SQLITE_DONE) {
            pf_dberr(&c, "cannot replace the earlier import");
            goto out;
        }
    }
    char when[32];
    time_t now = time(NULL);
    struct tm tmv;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tmv));
    if (pf_prep(&c, "INSERT INTO profiles(binary_id, source, path, command, imported_at,"
                " load_bias, points, points_matched, allocations, allocations_matched, bytes,"
                " bytes_matched, heat_points) VALUES (?1, ?13, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                " ?9, ?10, ?11, ?12)", &st) != 0)
        goto out;
    sqlite3_bind_int64(st, 1, bin->id);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    if (c.cmd)
        sqlite3_bind_text(st, 3, c.cmd, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, when, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, bias);
    sqlite3_bind_int64(st, 6, points);
    sqlite3_bind_int64(st, 7, pmatched);
    sqlite3_bind_int64(st, 8, allocs);
    sqlite3_bind_int64(st, 9, amatched);
    sqlite3_bind_int64(st, 10, bytes);
    sqlite3_bind_int64(st, 11, bmatched);
    sqlite3_bind_int64(st, 12, heat_points);
    sqlite3_bind_text(st, 13, c.source, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) {
        pf_dberr(&c, "cannot store the profile");
        goto out;
    }
    int64_t pid = sqlite3_last_insert_rowid(c.db);
    if (pf_prep(&c, "INSERT INTO site_counts(site_id, profile_id, source, allocations, bytes,"
                " points, via_wrapper) VALUES (?1, ?2, ?7, ?3, ?4, ?5, ?6)", &st) != 0)
        goto out;
    for (size_t i = 0; i < bin->n; i++) {
        pf_site *s = &bin->s[i];
        if (s->points == 0)
            continue;
        sqlite3_bind_int64(st, 1, s->id);
        sqlite3_bind_int64(st, 2, pid);
        sqlite3_bind_int64(st, 3, s->allocs);
        sqlite3_bind_int64(st, 4, s->bytes);
        sqlite3_bind_int64(st, 5, s->points);
        sqlite3_bind_int64(st, 6, s->via_wrapper);
        sqlite3_bind_text(st, 7, c.source, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            pf_dberr(&c, "cannot store the site counts");
            goto out;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    /* every member gets a row, so a field never touched shows as 0 */
    if (pf_prep(&c, "INSERT INTO member_heat(type_id, idx, profile_id, accesses, bytes_touched)"
                " VALUES (?1, ?2, ?3, ?4, ?5)", &st) != 0)
        goto out;
    sqlite3_stmt *mem = NULL;
    if (pf_prep(&c, "SELECT idx, offset, size FROM members WHERE type_id = ?1 ORDER BY idx",
                &mem) != 0)
        goto out;
    for (pf_heat *h = c.heat; h; h = h->next) {
        sqlite3_bind_int64(mem, 1, h->type_id);
        while (sqlite3_step(mem) == SQLITE_ROW) {
            int64_t idx = sqlite3_column_int64(mem, 0), off = sqlite3_column_int64(mem, 1);
            int64_t sz = sqlite3_column_int64(mem, 2), acc = 0, touched = 0;
            for (int64_t b = off < 0 ? 0 : off; b < h->size && b < off + sz && sz > 0; b++) {
                acc = acc > PF_MAX_COUNT - h->count[b] ? PF_MAX_COUNT : acc + h->count[b];
                touched += h->count[b] > 0;
            }
            sqlite3_bind_int64(st, 1, h->type_id);
            sqlite3_bind_int64(st, 2, idx);
            sqlite3_bind_int64(st, 3, pid);
            sqlite3_bind_int64(st, 4, acc);
            sqlite3_bind_int64(st, 5, touched);
            if (sqlite3_step(st) != SQLITE_DONE) {
                pf_dberr(&c, "cannot store the field heat");   /* before finalize resets it */
                sqlite3_finalize(mem);
                goto out;
            }
            sqlite3_reset(st);
        }
        sqlite3_reset(mem);
    }
    sqlite3_finalize(mem);
    sqlite3_finalize(st);
    st = NULL;
    /* measured sizes may ask for classes of new request sizes */
    if (rk_fill_classes(c.db, dbpath, err) != 0)
        goto out;
    if (sqlite3_exec(c.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        pf_dberr(&c, "cannot commit the import");
        goto out;
    }
    in_tx = 0;

    if (log) {
        fprintf(log, "profile %s (%s): binary %lld, load bias 0x%llx\n", file, c.source,
                (long long)bin->id, (unsigned long long)bias);
        fprintf(log, "program points: %lld, matched %lld\n", (long long)points,
                (long long)pmatched);
        fprintf(log, "allocations: %lld, matched %lld (%.1f%%); bytes %lld, matched %lld\n",
                (long long)allocs, (long long)amatched,
                allocs ? 100.0 * (double)amatched / (double)allocs : 0.0, (long long)bytes,
                (long long)bmatched);
        fprintf(log, "field heat: %lld program points folded onto members\n",
                (long long)heat_points);
        if (num > 1)
            qsort(um, num, sizeof *um, pf_by_allocs);
        size_t show = o && o->unmatched >= 0 ? (size_t)o->unmatched : 5;
        if (num)
            fprintf(log, "largest unmatched (allocations, bytes, first frames):\n");
        for (size_t i = 0; i < num && i < show; i++)
            fprintf(log, "  %lld  %lld  %s\n", (long long)um[i].allocs, (long long)um[i].bytes,
                    um[i].where);
    }
    status = 0;
out:
    if (in_tx)
        sqlite3_exec(c.db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(st);
    if (c.db)
        sqlite3_close(c.db);
    if (deferred)
        hp_signals_release();
    pf_free(&c);
    for (size_t i = 0; i < num; i++)
        free(um[i].where);
    free(um);
    free(counts);
    free(text);
    free(abspath);
    return status;
}
