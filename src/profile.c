/*
** profile.c -- `holeprof profile DB FILE`: the driver and the matching
** core (contract in profile.h; the readers' interface in pf_int.h).
**
** Recognising the file: zstd -> heaptrack (through the system's zstd);
** gzip -> heaptrack when its text starts "v " or "#", else pprof; a
** first non-blank '{' -> DHAT; a first byte that starts a protocol
** buffer field (fields 1-6 of profile.proto, length-delimited) -> a raw pprof
** profile; text starting "v " or "#" -> heaptrack.  Anything else is
** refused naming the formats.
**
** Matching: a frame belongs to site S when 0 <= address - bias - S.pc
** <= 15 (DHAT and pprof record the return address - 1, heaptrack the
** return address), S the site of greatest pc not above address - bias.
** The binary and its load bias are solved by voting: a PIE is mapped at
** a page boundary, so for each frame and each site whose pc has the right
** low 12 bits the bias is fixed; the (binary, bias) pair matched by the
** most distinct frames wins, ties going to the smaller bias.
**
** A foreign profile is refused before anything is written: once a bias
** is solved, the function names the profile gives at the frames that
** land on a site are compared with the site's function (its symbol, or
** the DWARF name, C++ qualifiers and parameters aside); when at least 3
** such addresses carry a name and fewer than half agree, the profile was
** recorded from something else.  With fewer names, the program the
** profile names (DHAT's cmd, heaptrack's X, pprof's main mapping) must
** be one of the database's binaries by base name.  A pprof profile
** whose mappings carry build-ids must carry the binary's.
**
** Attribution: walking a stack from the innermost frame, the first frame
** that is a site outside a wrapper (a function that is itself an
** allocator) decides; a wrapper's own site keeps the count only when no
** caller is a site.  Stack-guided: when that site has no type of its own
** (an allocator called through a pointer, a generic helper) and a site
** further out allocates a struct whose size fits the measured block
** (a whole number of objects, possibly after Python's 16-byte GC
** header), the count goes to that site (site_counts.via_stack,
** stack_from).  A stack no site takes is counted by reason in
** profile_misses: 'arena' (a frame of CPython's pymalloc: small objects
** never reach malloc), 'unresolved' (frames in the binary's code, but no
** call there is a known allocation site: an allocator through a pointer
** not resolved), 'library' (the allocating frame lies in another object,
** named when the format names it), 'no-frame' (no frame with an address).
**
** Names: each import has a name (--name, default the file's base name);
** importing a name again replaces that profile, `--drop NAME` removes
** one.  The newest import of a binary is the selected one (the views
** count only selected profiles), so two profiles of one run never add
** up unless `--use A,B` says so.
**
** Atomicity: everything is written in one SQLite transaction on DB
** (BEGIN IMMEDIATE ... COMMIT); the rollback journal makes it all or
** nothing, also across crashes.  An error names the real cause (SQLite's
** message and the system's errno).
*/
#include "profile.h"
#include "pf_int.h"
#include "elfimg.h"
#include "classes.h"
#include "report.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define PF_GC_HEAD 16        /* CPython's PyGC_Head before a GC object */

typedef struct pf_site {
    int64_t id, pc, type_id, binary_id, type_size;
    int in_wrapper, ambiguous, has_answer;
    char *function, *source_function, *file, *path;
    int64_t line;
    /* accumulated */
    int64_t allocs, bytes, points, via_wrapper, via_stack, stack_from, via_twin;
    int64_t min_size, max_size, sized, sized_bytes;
    int64_t request;     /* the constant bytes the call asks for (size x count), 0 unknown */
    int64_t folded, folded_bytes; /* DHAT: blocks of points whose sizes show reallocs
                                   ** folded in (see pf_count) */
    struct pf_size *sizes;   /* blocks per exact size, sorted by size */
    size_t nsizes, scap;
} pf_site;

/* Blocks of one exact size at a site (site_sizes). */
typedef struct pf_size {
    uint64_t size;       /* never negative: a uint64_t key for hp_lower_bound */
    int64_t allocs;
} pf_size;

typedef struct pf_range {
    uint64_t lo, hi;
} pf_range;

typedef struct pf_bin {
    int64_t id;
    char *base, *path, *build_id, *debug_file;
    pf_site *s;          /* sorted by pc */
    size_t n, cap;
    pf_range *code;      /* executable sections (link addresses), when the file is readable */
    size_t ncode;
} pf_bin;

typedef struct pf_miss {
    char *reason, *detail;
    int64_t points, allocs, bytes;
} pf_miss;

typedef struct pf_heat {
    int64_t type_id, size;
    int64_t *count;      /* per byte */
    struct pf_heat *next;
} pf_heat;

typedef struct pf_core {
    const pf_opts *o;
    pf_bin *bins;
    size_t nbins, bcap;
    pf_bin *bin;         /* the chosen binary */
    int64_t bias;
    char **allocators;   /* names of the chosen binary's allocators, sorted */
    size_t nalloc;
    pf_site **fsite;     /* per frame: its site under bias, or NULL */
    unsigned char *fflags; /* per frame: 1 in the binary's code, 2 pymalloc */
    pf_miss *miss;
    size_t nmiss, mcap;
    pf_heat *heat;
    int64_t points, pmatched, allocs, amatched, bytes, bmatched, heat_points;
    size_t symoff_resolved, symoff_oncall; /* symbol+offset frames given an address,
                                          ** and of them those right after a call */
    const char *symoff_bin;  /* the binary whose symbols gave them */
} pf_core;

#define CORE(c) ((pf_core *)(c)->core)

int pf_fail(pf_ctx *c, const char *fmt, ...)
{
    char buf[sizeof c->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return hp_errf(c->err, c->file, "%s", buf);
}

/* A database error with its real cause: SQLite's message for the code
** the call returned, and the system's errno behind an I/O error. */
static int pf_dberr(pf_ctx *c, int rc, const char *what)
{
    int sys = sqlite3_system_errno(c->db);
    const char *msg = rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE
                      ? sqlite3_errstr(rc) : sqlite3_errmsg(c->db);
    if (sys != 0)
        return hp_errf(c->err, c->dbpath, "%s: %s (%s)", what, msg, strerror(sys));
    return hp_errf(c->err, c->dbpath, "%s: %s", what, msg);
}

static int pf_prep(pf_ctx *c, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? 0 : pf_dberr(c, rc, "cannot prepare a statement");
}

pf_frame *pf_add_frame(pf_ctx *c)
{
    if (c->nfr >= PF_LIMIT_FRAMES) {
        pf_fail(c, "more than %zu distinct frames (the limit of a profile)", PF_LIMIT_FRAMES);
        return NULL;
    }
    pf_frame *f = HP_PUSH(c->fr, c->nfr, c->frcap);
    memset(f, 0, sizeof *f);
    return f;
}

void pf_free_strings(pf_ctx *c, char **strs, size_t n)
{
    for (size_t i = 0; i < c->nfr; i++)
        c->fr[i].module = NULL;
    for (size_t i = 0; i < n; i++)
        free(strs[i]);
    free(strs);
}

static int pf_by_pc(const void *a, const void *b)
{
    uint64_t x = (uint64_t)((const pf_site *)a)->pc, y = (uint64_t)((const pf_site *)b)->pc;
    return (x > y) - (x < y);
}

static int pf_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int pf_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *pf_base(const char *path)
{
    const char *sl = path ? strrchr(path, '/') : NULL;
    return sl ? sl + 1 : path ? path : "";
}

/* ---- sites, code ranges, allocators ---- */

static int pf_load_sites(pf_ctx *c, int64_t only_binary)
{
    pf_core *k = CORE(c);
    sqlite3_stmt *st = NULL;
    int rc;
    if (pf_prep(c, "SELECT s.binary_id, s.id, s.pc, s.type_id,"
                " s.function IS NOT NULL AND s.function IN"
                "   (SELECT a.name FROM allocators a WHERE a.binary_id = s.binary_id),"
                " b.path, b.build_id, coalesce(t.size, 0), s.ambiguous, s.type_name IS NOT NULL,"
                " s.function, s.source_function, s.file, s.line, b.debug_file,"
                " CASE WHEN s.size > 0 AND s.count > 0 AND s.size <= 1 << 40 AND s.count <= 1 << 20"
                "      THEN s.size * s.count END"
                " FROM sites s JOIN binaries b ON b.id = s.binary_id"
                " LEFT JOIN types t ON t.id = s.type_id"
                " WHERE ?1 IS NULL OR s.binary_id = ?1"
                " ORDER BY s.binary_id, s.pc", &st) != 0)
        return -1;
    if (only_binary > 0)
        sqlite3_bind_int64(st, 1, only_binary);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t bid = sqlite3_column_int64(st, 0), pc = sqlite3_column_int64(st, 2);
        if (sqlite3_column_type(st, 2) != SQLITE_INTEGER)
            continue;   /* a damaged row cannot match anything (a kernel's pc is
                        ** above 2^63: negative as SQLite's integer, fine here) */
        if (k->nbins == 0 || k->bins[k->nbins - 1].id != bid) {
            pf_bin *b = HP_PUSH(k->bins, k->nbins, k->bcap);
            memset(b, 0, sizeof *b);
            b->id = bid;
            const char *path = (const char *)sqlite3_column_text(st, 5);
            const char *bi = (const char *)sqlite3_column_text(st, 6);
            b->path = hp_xstrdup(path ? path : "");
            b->base = hp_xstrdup(pf_base(b->path));
            b->build_id = bi ? hp_xstrdup(bi) : NULL;
            const char *df = (const char *)sqlite3_column_text(st, 14);
            b->debug_file = df ? hp_xstrdup(df) : NULL;
        }
        pf_bin *b = &k->bins[k->nbins - 1];
        pf_site *s = HP_PUSH(b->s, b->n, b->cap);
        memset(s, 0, sizeof *s);
        s->binary_id = bid;
        s->id = sqlite3_column_int64(st, 1);
        s->pc = pc;
        s->type_id = sqlite3_column_type(st, 3) == SQLITE_INTEGER ? sqlite3_column_int64(st, 3) : 0;
        s->in_wrapper = sqlite3_column_int(st, 4);
        s->type_size = sqlite3_column_int64(st, 7);
        s->ambiguous = sqlite3_column_int(st, 8);
        s->has_answer = sqlite3_column_int(st, 9);
        const char *fn = (const char *)sqlite3_column_text(st, 10);
        const char *sf = (const char *)sqlite3_column_text(st, 11);
        s->function = fn ? hp_xstrdup(fn) : NULL;
        s->source_function = sf ? hp_xstrdup(sf) : NULL;
        const char *file = (const char *)sqlite3_column_text(st, 12);
        s->file = file ? hp_xstrdup(pf_base(file)) : NULL;
        s->path = file ? hp_xstrdup(file) : NULL;
        s->line = sqlite3_column_int64(st, 13);
        s->request = sqlite3_column_int64(st, 15);
        s->min_size = INT64_MAX;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return pf_dberr(c, rc, "cannot read the allocation sites");
    for (size_t i = 0; i < k->nbins; i++)
        qsort(k->bins[i].s, k->bins[i].n, sizeof *k->bins[i].s, pf_by_pc);
    return 0;
}

/* The binary's executable sections, from the file when it is still there
** and has the build-id the database recorded; else the span of its sites
** (a frame between two sites of the binary is in its code). */
static void pf_load_code(pf_bin *b)
{
    ei_image *img = NULL;
    hp_err e = { 0 };
    if (b->path[0] && ei_open(b->path, &img, &e) == 0
        && (b->build_id == NULL || strcmp(img->build_id_hex, b->build_id) == 0)) {
        size_t cap = 0;
        for (size_t i = 0; i < img->nsections; i++) {
            const ei_section *s = &img->sections[i];
            if ((s->flags & 0x4) && (s->flags & 0x2) && s->size > 0) {   /* SHF_EXECINSTR, SHF_ALLOC */
                pf_range *r = HP_PUSH(b->code, b->ncode, cap);
                r->lo = s->addr;
                r->hi = s->addr + s->size;
            }
        }
    }
    if (img)
        ei_close(img);
    if (b->ncode == 0 && b->n > 0) {
        b->code = hp_xmalloc(sizeof *b->code);
        b->code[0].lo = (uint64_t)b->s[0].pc;
        b->code[0].hi = (uint64_t)b->s[b->n - 1].pc + PF_MAX_CALL + 1;
        b->ncode = 1;
    }
}

static int pf_in_code(const pf_bin *b, uint64_t addr, int64_t bias)
{
    uint64_t rel = addr - (uint64_t)bias;   /* modulo 2^64: kernel addresses too */
    for (size_t i = 0; i < b->ncode; i++)
        if (rel >= b->code[i].lo && rel < b->code[i].hi)
            return 1;
    return 0;
}

static int pf_load_allocators(pf_ctx *c)
{
    pf_core *k = CORE(c);
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;
    if (pf_prep(c, "SELECT DISTINCT name FROM allocators WHERE binary_id = ?1 AND name IS NOT NULL",
                &st) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, k->bin->id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *HP_PUSH(k->allocators, k->nalloc, cap) = hp_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return pf_dberr(c, rc, "cannot read the allocators");
    qsort(k->allocators, k->nalloc, sizeof *k->allocators, pf_cmp_str);
    return 0;
}

/* A frame known to lie in another object than b (heaptrack and pprof name
** each frame's object; DHAT does not, and then every frame may match). */
static int pf_other_object(const pf_frame *f, const pf_bin *b)
{
    if (f->module == NULL || b->base[0] == '\0')
        return 0;
    return strcmp(pf_base(f->module), b->base) != 0;
}

/* The site a runtime frame address falls on under bias, or NULL. */
static pf_site *pf_match(pf_bin *b, uint64_t addr, int64_t bias)
{
    if (b->n == 0)
        return NULL;
    uint64_t rel = addr - (uint64_t)bias;   /* modulo 2^64: kernel addresses too */
    size_t lo = 0, hi = b->n;      /* first site with pc > rel */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uint64_t)b->s[mid].pc <= rel)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    pf_site *s = &b->s[lo - 1];
    return rel - (uint64_t)s->pc <= PF_MAX_CALL ? s : NULL;
}

/* Frames given as offsets in their object's file (perf script's user-space
** frames) become link addresses of the binary they name: the executable
** section holding the offset says where it is mapped.  A frame whose
** object is none of the database's binaries, or whose offset lies in no
** executable section, keeps no address (it can match nothing). */
static void pf_file_offsets(pf_ctx *c)
{
    pf_core *k = CORE(c);
    size_t want = 0;
    for (size_t f = 0; f < c->nfr; f++)
        want += c->fr[f].file_off;
    for (size_t i = 0; i < k->nbins && want > 0; i++) {
        pf_bin *b = &k->bins[i];
        ei_image *img = NULL;
        hp_err e = { 0 };
        if (b->path[0] == '\0' || ei_open(b->path, &img, &e) != 0)
            continue;
        if (b->build_id == NULL || strcmp(img->build_id_hex, b->build_id) == 0)
            for (size_t f = 0; f < c->nfr; f++) {
                pf_frame *fr = &c->fr[f];
                if (!fr->file_off || !fr->module || strcmp(pf_base(fr->module), b->base) != 0)
                    continue;
                for (size_t q = 0; q < img->nsections; q++) {
                    const ei_section *s = &img->sections[q];
                    if ((s->flags & 0x6) == 0x6 && s->type != 8 /* SHT_NOBITS */
                        && fr->addr >= s->offset && fr->addr - s->offset < s->size) {
                        fr->addr = fr->addr - s->offset + s->addr;
                        fr->file_off = 0;
                        want--;
                        break;
                    }
                }
            }
        ei_close(img);
    }
    for (size_t f = 0; f < c->nfr; f++)
        if (c->fr[f].file_off) {
            c->fr[f].has_addr = 0;
            c->fr[f].file_off = 0;
        }
}

/* Vote for biases: returns the best bias of b and its frame count. */
static size_t pf_vote(pf_ctx *c, pf_bin *b, int64_t *best)
{
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
        if (!c->fr[f].has_addr || c->fr[f].module_guessed
            || pf_other_object(&c->fr[f], b))
            continue;
        uint64_t a = c->fr[f].addr;
        size_t first = nc;
        for (int d = 0; d <= PF_MAX_CALL; d++) {
            for (size_t i = head[(size_t)((a - d) & 0xfff)]; i != SIZE_MAX; i = next[i]) {
                uint64_t pc = (uint64_t)b->s[i].pc;
                int64_t bias = (int64_t)(a - (uint64_t)d - pc);
                /* a runtime address below the link address: only a kernel
                ** (addresses above 2^63, the bias modulo 2^64) is mapped so */
                if (bias < 0 && !(a >> 63) && !(pc >> 63))
                    continue;
                int dup = 0;   /* one vote per frame and bias */
                for (size_t q = first; q < nc && !dup; q++)
                    dup = cand[q] == bias;
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

/* "ns::Foo::bar(int) const" -> "bar"; "foo.part.0" -> "foo"; into buf. */
static void pf_bare_name(const char *s, char *buf, size_t cap)
{
    size_t n = strcspn(s, "(<");
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *p = buf;
    for (char *q = buf; (q = strstr(q, "::")) != NULL; q += 2)
        p = q + 2;
    memmove(buf, p, strlen(p) + 1);
    char *dot = strchr(buf, '.');
    if (dot && dot != buf)
        *dot = '\0';
}

static int pf_names_agree(const char *profile_name, const pf_site *s)
{
    char a[256], b[256];
    pf_bare_name(profile_name, a, sizeof a);
    if (a[0] == '\0')
        return 1;
    if (s->function) {
        pf_bare_name(s->function, b, sizeof b);
        if (strcmp(a, b) == 0 || strcmp(profile_name, s->function) == 0)
            return 1;
    }
    if (s->source_function) {
        pf_bare_name(s->source_function, b, sizeof b);
        if (strcmp(a, b) == 0)
            return 1;
    }
    return 0;
}

static int pf_is_pymalloc(const char *fn)
{
    static const char *const names[] = { "_PyObject_Malloc", "_PyObject_Calloc",
                                         "_PyObject_Realloc", "pymalloc_alloc", "new_arena",
                                         "allocate_from_new_pool", "pymalloc_realloc" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(fn, names[i]) == 0)
            return 1;
    return 0;
}

static int pf_is_allocator_name(const pf_core *k, const char *fn)
{
    char buf[256];
    pf_bare_name(fn, buf, sizeof buf);
    const char *key = buf;
    if (k->nalloc && bsearch(&key, k->allocators, k->nalloc, sizeof *k->allocators, pf_cmp_str))
        return 1;
    static const char *const libc[] = { "malloc", "calloc", "realloc", "reallocarray",
                                        "memalign", "posix_memalign", "aligned_alloc",
                                        "valloc", "pvalloc", "strdup", "strndup" };
    for (size_t i = 0; i < sizeof libc / sizeof libc[0]; i++)
        if (strcmp(buf, libc[i]) == 0)
            return 1;
    return strncmp(fn, "operator new", 12) == 0;
}

/* What the profile says it was recorded from, for messages. */
static const char *pf_recorded(const pf_ctx *c)
{
    return c->cmd ? c->cmd : c->recorded_from ? c->recorded_from
           : c->kernel ? "a kernel (its kmem events)" : "an unnamed program";
}

static void pf_db_binaries(pf_ctx *c, char *buf, size_t cap)
{
    pf_core *k = CORE(c);
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k->nbins && n + 1 < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", k->bins[i].base);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    if (n >= cap - 1 && cap > 4)
        memcpy(buf + cap - 4, "...", 4);
}

/* Refuse a profile recorded from another program (see the header). */
static int pf_check_foreign(pf_ctx *c)
{
    pf_core *k = CORE(c);
    pf_bin *b = k->bin;
    size_t named = 0, agree = 0;
    char disagree_eg[160] = "";
    /* per distinct address: agree when any name at it agrees (inlined
    ** frames share their caller's address) */
    uint64_t *addrs = NULL;
    unsigned char *ok = NULL;
    size_t na = 0, cap = 0, okcap = 0;
    for (size_t f = 0; f < c->nfr; f++) {
        pf_site *s = k->fsite[f];
        const char *fn = c->fr[f].func;
        if (s == NULL || fn == NULL || fn[0] == '\0' || strcmp(fn, "???") == 0)
            continue;
        size_t i = 0;
        while (i < na && addrs[i] != c->fr[f].addr)
            i++;
        if (na > 4096)
            break;   /* enough evidence */
        if (i == na) {
            *HP_PUSH(addrs, na, cap) = c->fr[f].addr;
            size_t dummy = na - 1;
            *HP_PUSH(ok, dummy, okcap) = 0;
        }
        if (pf_names_agree(fn, s))
            ok[i] = 1;
        else if (disagree_eg[0] == '\0')
            snprintf(disagree_eg, sizeof disagree_eg, "%.60s where the database has %.60s", fn,
                     s->function ? s->function : s->source_function ? s->source_function : "?");
    }
    named = na;
    for (size_t i = 0; i < na; i++)
        agree += ok[i];
    free(addrs);
    free(ok);
    char bins[256];
    pf_db_binaries(c, bins, sizeof bins);
    if (named >= 3 && agree * 2 < named)
        return pf_fail(c, "a profile of '%.200s', not of %s (which holds %s): %zu of %zu"
                       " function names at matching addresses agree (e.g. %s); nothing imported",
                       pf_recorded(c), c->dbpath, bins, agree, named, disagree_eg);
    if (c->nbuild_ids > 0 && b->build_id) {
        int found = 0;
        for (size_t i = 0; i < c->nbuild_ids && !found; i++)
            found = strcasecmp(c->build_ids[i], b->build_id) == 0;
        if (!found)
            return pf_fail(c, "a profile of '%.200s' (build-id %.64s), not of %s (%s, build-id"
                           " %.64s); nothing imported", pf_recorded(c), c->build_ids[0],
                           c->dbpath, b->base, b->build_id);
    }
    if (named < 3 && (c->cmd || c->recorded_from)) {
        char prog[512];
        const char *from = c->recorded_from ? c->recorded_from : c->cmd;
        size_t n = strcspn(from, " \t");
        snprintf(prog, sizeof prog, "%.*s", (int)(n < 500 ? n : 500), from);
        const char *pb = pf_base(prog);
        int found = 0;
        for (size_t i = 0; i < k->nbins && !found; i++)
            found = strcmp(pb, k->bins[i].base) == 0;
        if (!found)
            return pf_fail(c, "a profile of '%.200s', not of %s (which holds %s), and too few"
                           " named frames to tell otherwise; nothing imported",
                           pf_recorded(c), c->dbpath, bins);
    }
    return 0;
}

/* ---- twins: the indirect call beside a site ----
** A call through a function table next to a direct call at the same line
** to what the table's entry forwards to (speculative devirtualisation) is
** one allocation in the sites table: only the direct call is kept.  When
** the program took the indirect path, its frame lands a few bytes off
** the site.  The profile's frame text names the function and the source
** line ("f.lto_priv.0 (rangeobject.c:779)"); a site of that binary in the
** same function at the same file:line is that allocation. */

static int pf_by_fn_line(const void *a, const void *b)
{
    const pf_site *x = *(pf_site *const *)a, *y = *(pf_site *const *)b;
    int r = strcmp(x->function, y->function);
    if (r != 0)
        return r;
    return (x->line > y->line) - (x->line < y->line);
}

typedef struct pf_twin {
    uint64_t addr;
    pf_site *site;
} pf_twin;

static int pf_by_addr(const void *a, const void *b)
{
    uint64_t x = ((const pf_twin *)a)->addr, y = ((const pf_twin *)b)->addr;
    return (x > y) - (x < y);
}

static int pf_by_line_file(const void *a, const void *b)
{
    const pf_site *x = *(pf_site *const *)a, *y = *(pf_site *const *)b;
    if (x->line != y->line)
        return (x->line > y->line) - (x->line < y->line);
    return strcmp(x->file, y->file);
}

/* A frame's text when the profile names no function there (DHAT's
** "UnknownInlinedFun", perf's "[unknown]"): what holeprof's own DWARF
** says, the inlined function and where it was inlined. */
static int pf_unnamed(const char *fn)
{
    return fn == NULL || fn[0] == '\0' || strcmp(fn, "UnknownInlinedFun") == 0
           || strcmp(fn, "???") == 0 || strcmp(fn, "[unknown]") == 0;
}

/* The same for frames whose text gives no file:line (gperftools, perf,
** heaptrack without debug info) or no function name (DHAT's
** "UnknownInlinedFun"): holeprof reads the binary's own DWARF for the
** frame's outermost caller line and subprogram (pf_where.c); an indirect
** call there, in the site's function at the site's line, is the twin.
** Only an indirect call counts: a direct call on the line of an
** allocation calls something else. */
static void pf_twins_dwarf(pf_ctx *c)
{
    pf_core *k = CORE(c);
    pf_bin *b = k->bin;
    pf_where *wh = NULL;
    size_t *wf = NULL, nw = 0, cap = 0, fcap = 0;
    for (size_t f = 0; f < c->nfr; f++) {
        pf_frame *fr = &c->fr[f];
        if (k->fsite[f] || !fr->has_addr || fr->is_alloc || pf_other_object(fr, b)
            || !pf_in_code(b, fr->addr, k->bias))
            continue;
        pf_where *w = HP_PUSH(wh, nw, cap);
        memset(w, 0, sizeof *w);
        w->pc = fr->addr - (uint64_t)k->bias - 1;
        size_t dummy = nw - 1;
        *HP_PUSH(wf, dummy, fcap) = f;
    }
    if (nw == 0) {
        free(wh);
        free(wf);
        return;
    }
    pf_where_db *db = pf_where_lookup(b->path, b->build_id, b->debug_file, wh, nw);
    pf_site **ix = hp_xmalloc((b->n + 1) * sizeof *ix);
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->s[i].file && b->s[i].line > 0)
            ix[n++] = &b->s[i];
    qsort(ix, n, sizeof *ix, pf_by_line_file);
    for (size_t i = 0; i < nw; i++) {
        pf_where *w = &wh[i];
        pf_frame *fr = &c->fr[wf[i]];
        if (!w->found)
            continue;
        if (w->indirect && w->line > 0 && w->file && w->subprogram) {
            pf_site key, *kp = &key, *best = NULL;
            memset(&key, 0, sizeof key);
            key.line = w->line;
            key.file = (char *)pf_base(w->file);
            pf_site **hit = bsearch(&kp, ix, n, sizeof *ix, pf_by_line_file);
            if (hit) {
                while (hit > ix && pf_by_line_file(hit - 1, &kp) == 0)
                    hit--;
                uint64_t link = fr->addr - (uint64_t)k->bias, bestd = UINT64_MAX;
                for (; hit < ix + n && pf_by_line_file(hit, &kp) == 0; hit++) {
                    pf_site *s = *hit;
                    const char *sf = s->source_function ? s->source_function : s->function;
                    if (sf == NULL || strcmp(sf, w->subprogram) != 0)
                        continue;
                    if (fr->module_guessed && (fr->func == NULL || !pf_names_agree(fr->func, s)))
                        continue;
                    uint64_t d = link > (uint64_t)s->pc ? link - (uint64_t)s->pc
                                                         : (uint64_t)s->pc - link;
                    if (d < bestd) {
                        bestd = d;
                        best = s;
                    }
                }
            }
            if (best) {
                k->fsite[wf[i]] = best;
                k->fflags[wf[i]] |= 4 | 1;
                continue;
            }
        }
        if (w->inlined && pf_unnamed(fr->func)) {
            /* name the inlined code for the reasons a summary prints */
            char *t = hp_xasprintf("0x%llx: %.200s inlined at %.200s:%u in %.200s (%.200s:%u)",
                                   (unsigned long long)fr->addr, w->inlined,
                                   w->inlined_file ? pf_base(w->inlined_file) : "?", w->inlined_line,
                                   w->subprogram ? w->subprogram : "?",
                                   w->file ? pf_base(w->file) : "?", w->line);
            free(fr->text);
            fr->text = t;
        }
    }
    pf_where_free(db);
    free(ix);
    free(wh);
    free(wf);
}

static void pf_twins(pf_ctx *c)
{
    pf_core *k = CORE(c);
    pf_bin *b = k->bin;
    pf_site **ix = hp_xmalloc((b->n + 1) * sizeof *ix);
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->s[i].function && b->s[i].file && b->s[i].line > 0)
            ix[n++] = &b->s[i];
    qsort(ix, n, sizeof *ix, pf_by_fn_line);
    pf_twin *tw = NULL;
    size_t ntw = 0, cap = 0;
    for (size_t f = 0; f < c->nfr && n > 0; f++) {
        pf_frame *fr = &c->fr[f];
        if (k->fsite[f] || !(k->fflags[f] & 1) || fr->func == NULL || fr->text == NULL)
            continue;
        const char *open = strstr(fr->text, " (");
        const char *colon = open ? strrchr(open, ':') : NULL;
        if (colon == NULL || strncmp(open + 2, "in ", 3) == 0)
            continue;
        char file[256];
        size_t fl = (size_t)(colon - (open + 2));
        if (fl == 0 || fl >= sizeof file)
            continue;
        memcpy(file, open + 2, fl);
        file[fl] = '\0';
        pf_site key;
        memset(&key, 0, sizeof key);
        key.function = fr->func;
        key.line = strtoll(colon + 1, NULL, 10);
        pf_site *kp = &key, **hit = bsearch(&kp, ix, n, sizeof *ix, pf_by_fn_line);
        if (hit == NULL || strcmp((*hit)->file, pf_base(file)) != 0)
            continue;
        /* the nearest site of that function and line before the address */
        pf_twin *t = HP_PUSH(tw, ntw, cap);
        t->addr = fr->addr;
        t->site = *hit;
    }
    if (ntw > 1)
        qsort(tw, ntw, sizeof *tw, pf_by_addr);
    for (size_t f = 0; f < c->nfr && ntw > 0; f++) {
        if (k->fsite[f] || !c->fr[f].has_addr || pf_other_object(&c->fr[f], b))
            continue;
        pf_twin key = { c->fr[f].addr, NULL };
        pf_twin *t = bsearch(&key, tw, ntw, sizeof *tw, pf_by_addr);
        if (t) {
            k->fsite[f] = t->site;
            k->fflags[f] |= 4;
        }
    }
    free(tw);
    free(ix);
    pf_twins_dwarf(c);
}

/* ---- frames without an address ---- */

typedef struct pf_sym {
    const char *name;
    uint64_t addr;
    int dup;
} pf_sym;

static int pf_sym_by_name(const void *a, const void *b)
{
    return strcmp(((const pf_sym *)a)->name, ((const pf_sym *)b)->name);
}

/* Frames known as symbol+offset (the kernel's call_site without a call
** graph) get their link address from the symbol table of the binary
** whose functions name most of them; a name that several functions bear
** (static functions of different files) stays unresolved. */
static void pf_resolve_symbolic(pf_ctx *c)
{
    pf_core *k = CORE(c);
    size_t want = 0, best = 0;
    for (size_t f = 0; f < c->nfr; f++)
        want += c->fr[f].has_symoff && !c->fr[f].has_addr && c->fr[f].func;
    if (want == 0)
        return;
    uint64_t *addr = hp_xcalloc(c->nfr + 1, sizeof *addr), *bestaddr = NULL;
    size_t bestcall = 0;
    for (size_t i = 0; i < k->nbins; i++) {
        pf_bin *b = &k->bins[i];
        ei_image *img = NULL;
        hp_err e = { 0 };
        if (b->path[0] == '\0' || ei_open(b->path, &img, &e) != 0)
            continue;
        if ((b->build_id && strcmp(img->build_id_hex, b->build_id) != 0)
            || ei_load_symbols(img, &e) != 0) {
            ei_close(img);
            continue;
        }
        pf_sym *sy = hp_xmalloc((img->nsymbols + 1) * sizeof *sy);
        size_t n = 0;
        for (size_t q = 0; q < img->nsymbols; q++)
            if (img->symbols[q].type == 2 && img->symbols[q].name && img->symbols[q].name[0]) {
                sy[n].name = img->symbols[q].name;   /* STT_FUNC */
                sy[n].addr = img->symbols[q].addr;
                sy[n].dup = 0;
                n++;
            }
        qsort(sy, n, sizeof *sy, pf_sym_by_name);
        for (size_t q = 1; q < n; q++)
            if (strcmp(sy[q].name, sy[q - 1].name) == 0 && sy[q].addr != sy[q - 1].addr)
                sy[q].dup = sy[q - 1].dup = 1;
        size_t got = 0, oncall = 0;
        for (size_t f = 0; f < c->nfr; f++) {
            pf_frame *fr = &c->fr[f];
            addr[f] = 0;
            if (!fr->has_symoff || fr->has_addr || fr->func == NULL)
                continue;
            pf_sym key = { fr->func, 0, 0 }, *hit = bsearch(&key, sy, n, sizeof *sy, pf_sym_by_name);
            if (hit && !hit[0].dup) {
                addr[f] = hit->addr + fr->symoff;
                got++;
                /* a call_site is a return address: in the build it was
                ** recorded from, a call ends there */
                oncall += pf_call_ends_at(img, addr[f]) != 0;
            }
        }
        free(sy);
        ei_close(img);
        if (got > best) {
            best = got;
            bestcall = oncall;
            k->symoff_bin = b->base;
            free(bestaddr);
            bestaddr = addr;
            addr = hp_xcalloc(c->nfr + 1, sizeof *addr);
        }
    }
    for (size_t f = 0; bestaddr && f < c->nfr; f++)
        if (bestaddr[f]) {
            c->fr[f].addr = bestaddr[f];
            c->fr[f].has_addr = 1;
        }
    k->symoff_resolved = best;
    k->symoff_oncall = bestcall;
    free(addr);
    free(bestaddr);
}

/* Does the site's source path end in the profile's (relative) file? */
static int pf_same_file(const char *site_path, const char *file)
{
    if (site_path == NULL)
        return 0;
    size_t a = strlen(site_path), b = strlen(file);
    if (a < b || strcmp(site_path + a - b, file) != 0)
        return 0;
    return a == b || site_path[a - b - 1] == '/' || file[0] == '/';
}

/* The site of a frame known by file:line: one at that line of that file,
** the one in the function the profile names when there are several. */
static pf_site *pf_match_line(pf_bin *b, const pf_frame *fr)
{
    pf_site *first = NULL;
    for (size_t i = 0; i < b->n; i++) {
        pf_site *s = &b->s[i];
        if (s->line != fr->src_line || !pf_same_file(s->path, fr->src_file))
            continue;
        if (fr->func == NULL || pf_names_agree(fr->func, s))
            return s;
        if (first == NULL)
            first = s;
    }
    return first;
}

/* No frame has an address: the binary whose sites hold most file:line frames. */
static void pf_choose_by_line(pf_ctx *c)
{
    pf_core *k = CORE(c);
    size_t best = 0;
    for (size_t i = 0; i < k->nbins; i++) {
        size_t got = 0;
        for (size_t f = 0; f < c->nfr; f++)
            got += c->fr[f].src_file && pf_match_line(&k->bins[i], &c->fr[f]) != NULL;
        if (got > best) {
            best = got;
            k->bin = &k->bins[i];
            k->bias = 0;
        }
    }
}

/* ---- /proc/slabinfo: which struct each cache holds ---- */

/* The size-class caches of kmalloc hold no one struct. */
static int pf_kmalloc_cache(const char *n)
{
    if (strncmp(n, "dma-", 4) == 0)
        n += 4;
    return strncmp(n, "kmalloc-", 8) == 0 || strncmp(n, "dma-kmalloc-", 12) == 0;
}

/* A slot of objsize bytes holds an object of `size` (alignment `align`):
** the object rounded up to its alignment, or after SLUB's free pointer
** (8 bytes past a constructed or RCU object), or to a cacheline
** (SLAB_HWCACHE_ALIGN). */
static int pf_slot_fits(int64_t size, int64_t align, int64_t objsize)
{
    if (size <= 0 || objsize < size)
        return 0;
    int64_t a = align > 8 ? align : 8;
    int64_t up = (size + a - 1) / a * a, fp = (size + 8 + a - 1) / a * a, cl = (size + 63) / 64 * 64;
    return objsize == size || objsize == up || objsize == fp || objsize == cl
           || objsize == (fp + 63) / 64 * 64;
}

static int pf_ready_caches(pf_ctx *c, int64_t only)
{
    pf_core *k = CORE(c);
    sqlite3_stmt *st = NULL;
    int64_t bid = only, nkern = 0;
    if (bid <= 0) {
        if (pf_prep(c, "SELECT binary_id FROM alloc_models WHERE chosen AND allocator = 'kmalloc'"
                    " ORDER BY binary_id", &st) != 0)
            return -1;
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (nkern++ == 0)
                bid = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        if (nkern == 0) {
            char bins[256] = "";
            return pf_fail(c, "a kernel's slab caches, but %s holds no kernel (analyze a vmlinux"
                           " into it)%s", c->dbpath, bins);
        }
        if (nkern > 1)
            return pf_fail(c, "%s holds %lld kernels: say which with --binary", c->dbpath,
                           (long long)nkern);
    }
    pf_bin *b = HP_PUSH(k->bins, k->nbins, k->bcap);
    memset(b, 0, sizeof *b);
    b->id = bid;
    b->path = hp_xstrdup("");
    b->base = hp_xstrdup("");
    k->bin = b;
    /* the code's evidence first: the kmem_cache the code creates under
    ** that name, and the one struct its kmem_cache_alloc sites allocate */
    sqlite3_stmt *kc = NULL;
    if (pf_prep(c, "SELECT kc.id, (SELECT count(DISTINCT s.type_id) FROM sites s WHERE s.cache_id = kc.id"
                " AND s.type_id IS NOT NULL), (SELECT min(s.type_id) FROM sites s WHERE s.cache_id = kc.id)"
                " FROM kmem_caches kc WHERE kc.binary_id = ?1 AND kc.name = ?2 ORDER BY kc.id", &kc) != 0)
        return -1;
    if (pf_prep(c, "SELECT id, size, align FROM types WHERE binary_id = ?1 AND name = ?2"
                " AND kind IN ('struct', 'union', 'class') AND NOT incomplete ORDER BY id", &st) != 0)
        return -1;
    for (size_t i = 0; i < c->ncaches; i++) {
        pf_cache *ca = &c->caches[i];
        ca->why = "none";
        int64_t ncreated = 0, ntypes = 0, tid = 0;
        sqlite3_bind_int64(kc, 1, bid);
        sqlite3_bind_text(kc, 2, ca->name, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(kc) == SQLITE_ROW) {
            if (ncreated++ == 0) {
                ca->kmem_cache_id = sqlite3_column_int64(kc, 0);
                ntypes = sqlite3_column_int64(kc, 1);
                tid = sqlite3_column_int64(kc, 2);
            }
        }
        sqlite3_reset(kc);
        if (ncreated > 1)
            ca->kmem_cache_id = 0;   /* several caches of one name: not told apart */
        if (ncreated == 1 && ntypes == 1) {
            ca->type_id = tid;
            ca->why = "sites";
        } else if (pf_kmalloc_cache(ca->name)) {
            ca->why = "kmalloc";
        } else {
            /* a struct named like the cache ("task_struct"), or like it without
            ** "_cache" ("sighand_cache" -> sighand), that fits the slot */
            char alt[256];
            size_t n = strlen(ca->name);
            snprintf(alt, sizeof alt, "%s", ca->name);
            if (n > 6 && n < sizeof alt && strcmp(ca->name + n - 6, "_cache") == 0)
                alt[n - 6] = '\0';
            const char *names[2] = { ca->name, alt };
            int64_t hit = 0, fits = 0;
            int named = 0;
            for (int w = 0; w < 2 && fits == 0; w++) {
                if (w == 1 && strcmp(alt, ca->name) == 0)
                    break;
                sqlite3_bind_int64(st, 1, bid);
                sqlite3_bind_text(st, 2, names[w], -1, SQLITE_TRANSIENT);
                while (sqlite3_step(st) == SQLITE_ROW) {
                    named = 1;
                    if (pf_slot_fits(sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                                     ca->objsize)) {
                        if (fits++ == 0)
                            hit = sqlite3_column_int64(st, 0);
                    }
                }
                sqlite3_reset(st);
            }
            if (fits == 1) {
                ca->type_id = hit;
                ca->why = "name";
            } else if (fits > 1)
                ca->why = "ambiguous";
            else if (named)
                ca->why = "no-fit";
        }
        k->points++;
        k->allocs += ca->active;
        int64_t by = ca->active > PF_MAX_COUNT / ca->objsize ? PF_MAX_COUNT : ca->active * ca->objsize;
        k->bytes = k->bytes > PF_MAX_COUNT - by ? PF_MAX_COUNT : k->bytes + by;
        if (ca->type_id) {
            k->pmatched++;
            k->amatched += ca->active;
            k->bmatched = k->bmatched > PF_MAX_COUNT - by ? PF_MAX_COUNT : k->bmatched + by;
        }
        if (k->allocs > PF_MAX_COUNT) {
            sqlite3_finalize(st);
            sqlite3_finalize(kc);
            return pf_fail(c, "damaged slabinfo: the objects add up beyond 2^53");
        }
    }
    sqlite3_finalize(st);
    sqlite3_finalize(kc);
    return 0;
}

int pf_ready(pf_ctx *c)
{
    pf_core *k = CORE(c);
    int64_t only = 0;
    if (k->o && k->o->binary) {
        sqlite3 *rdb = NULL;
        if (st_open_read(c->dbpath, &rdb, c->err) != 0)
            return -1;
        int r = mrg_select_binary(rdb, c->dbpath, k->o->binary, &only, c->err);
        sqlite3_close(rdb);
        if (r != 0)
            return -1;
    }
    if (c->ncaches > 0)
        return pf_ready_caches(c, only);
    if (pf_load_sites(c, only) != 0)
        return -1;
    pf_file_offsets(c);
    pf_resolve_symbolic(c);
    /* symbol+offset frames of another build name the same functions, but
    ** their offsets fall anywhere in this build's code */
    if (k->symoff_resolved > 0 && k->symoff_oncall * 2 < k->symoff_resolved)
        return pf_fail(c, "a recording of another build than %s: of the %zu call sites given as"
                       " symbol+offset, %zu are right after a call in its code (perf script"
                       " names no build-id: compare `perf buildid-list -i perf.data` with the"
                       " binary's); nothing imported", k->symoff_bin ? k->symoff_bin : "?",
                       k->symoff_resolved, k->symoff_oncall);
    size_t votes = 0;
    for (size_t i = 0; i < k->nbins; i++) {
        int64_t bb;
        size_t v = pf_vote(c, &k->bins[i], &bb);
        if (v > votes) {
            votes = v;
            k->bias = bb;
            k->bin = &k->bins[i];
        }
    }
    if (k->bin == NULL && k->nbins > 0)
        pf_choose_by_line(c);
    if (k->bin == NULL) {
        if (k->nbins == 0) {
            /* why there are no sites: the scan ran and found none, or it did not run */
            sqlite3_stmt *st = NULL;
            int64_t scanned = 0;
            if (pf_prep(c, "SELECT count(*) FROM site_scan", &st) != 0)
                return -1;
            if (sqlite3_step(st) == SQLITE_ROW)
                scanned = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
            char bins[256];
            sqlite3_stmt *b2 = NULL;
            size_t n = 0;
            bins[0] = '\0';
            if (pf_prep(c, "SELECT path FROM binaries ORDER BY id", &b2) != 0)
                return -1;
            while (sqlite3_step(b2) == SQLITE_ROW && n + 64 < sizeof bins) {
                int w = snprintf(bins + n, sizeof bins - n, "%s%s", n ? ", " : "",
                                 pf_base((const char *)sqlite3_column_text(b2, 0)));
                n += w > 0 ? (size_t)w : 0;
            }
            sqlite3_finalize(b2);
            if (scanned == 0)
                return pf_fail(c, "%s has no allocation sites (it was analyzed with --no-sites):"
                               " analyze the binaries again without it", c->dbpath);
            return pf_fail(c, "%s has no allocation sites: the code of %s calls no allocator"
                           " holeprof knows (if the program's allocations are made in a shared"
                           " library, analyze that library into the database too; a profile of"
                           " '%.200s')", c->dbpath, bins[0] ? bins : "its binaries",
                           pf_recorded(c));
        }
        char bins[256];
        pf_db_binaries(c, bins, sizeof bins);
        return pf_fail(c, "no frame of the profile is an allocation site of %s (which holds %s):"
                       " a profile of '%.200s', another program or a different build",
                       c->dbpath, bins, pf_recorded(c));
    }
    pf_load_code(k->bin);
    if (pf_load_allocators(c) != 0)
        return -1;
    k->fsite = hp_xcalloc(c->nfr + 1, sizeof *k->fsite);
    k->fflags = hp_xcalloc(c->nfr + 1, 1);
    for (size_t f = 0; f < c->nfr; f++) {
        pf_frame *fr = &c->fr[f];
        if (fr->func && pf_is_pymalloc(fr->func))
            k->fflags[f] |= 2;
        if (fr->func && !fr->is_alloc && pf_is_allocator_name(k, fr->func)
            && !(fr->has_addr && !pf_other_object(fr, k->bin) && pf_match(k->bin, fr->addr, k->bias)))
            fr->is_alloc = 1;
        if (fr->src_file) {   /* known by file:line (/proc/allocinfo) */
            k->fsite[f] = pf_match_line(k->bin, fr);
            k->fflags[f] |= 1;
            continue;
        }
        if (!fr->has_addr || pf_other_object(fr, k->bin))
            continue;
        k->fsite[f] = pf_match(k->bin, fr->addr, k->bias);
        if (fr->module_guessed && (k->fsite[f] == NULL || fr->func == NULL
                                   || !pf_names_agree(fr->func, k->fsite[f]))) {
            k->fsite[f] = NULL;   /* the guessed object is not confirmed */
            continue;
        }
        if (pf_in_code(k->bin, fr->addr, k->bias) && (fr->module != NULL || k->fsite[f] != NULL
                                                      || !fr->is_alloc))
            k->fflags[f] |= 1;
    }
    if (pf_check_foreign(c) != 0)
        return -1;
    pf_twins(c);
    return 0;
}

/* ---- attribution ---- */

void pf_attr_push(pf_ctx *c, const pf_attr *outer, size_t frame, pf_attr *out)
{
    pf_core *k = CORE(c);
    static const pf_attr none;
    if (outer == NULL)
        outer = &none;
    *out = *outer;
    if (frame >= c->nfr)
        return;
    pf_site *s = k->fsite[frame];
    if (s != NULL) {
        out->first = s;
        if (!s->in_wrapper) {
            /* the outer chosen site and its typed sites are now "further out" */
            pf_site *prev = outer->chosen;
            out->chosen = s;
            out->twin = (k->fflags[frame] & 4) != 0;
            out->ntyped = 0;
            if (prev && prev->type_id > 0)
                out->typed[out->ntyped++] = prev;
            for (int i = 0; i < outer->ntyped && out->ntyped < PF_TYPED_MAX; i++)
                out->typed[out->ntyped++] = outer->typed[i];
        }
    }
    if (!c->fr[frame].is_alloc) {
        out->where2 = outer->where;
        out->where = frame + 1;
    }
    if (k->fflags[frame] & 2)
        out->pymalloc = 1;
}

/* Does a block of `block` bytes hold whole objects of `size` bytes,
** possibly after CPython's GC header? */
static int pf_fits(int64_t size, int64_t block)
{
    if (size <= 0 || block <= 0)
        return 0;
    if (block % size == 0)
        return 1;
    return block > PF_GC_HEAD && (block - PF_GC_HEAD) % size == 0;
}

static pf_heat *pf_heat_for(pf_core *k, int64_t type_id, int64_t size)
{
    for (pf_heat *h = k->heat; h; h = h->next)
        if (h->type_id == type_id)
            return h;
    pf_heat *h = hp_xcalloc(1, sizeof *h);
    h->type_id = type_id;
    h->size = size;
    h->count = hp_xcalloc((size_t)size, sizeof *h->count);
    h->next = k->heat;
    k->heat = h;
    return h;
}

/* Fold one block's access counts onto the type: a whole number of
** objects folds modulo the size; anything else at least one object long
** is one object and a tail (only its first bytes are the members). */
static int pf_fold(pf_core *k, const pf_site *s, const int64_t *acc, size_t nacc)
{
    int64_t size = s->type_size, len = (int64_t)nacc;
    if (size <= 0 || size > PF_MAX_ACC || len < size)
        return 0;
    if (len % size != 0)
        len = size;
    pf_heat *h = pf_heat_for(k, s->type_id, size);
    for (int64_t i = 0; i < len; i++) {
        int64_t *d = &h->count[i % size];
        *d = *d > PF_MAX_COUNT - acc[i] ? PF_MAX_COUNT : *d + acc[i];
    }
    return 1;
}

static void pf_add_miss(pf_ctx *c, const char *reason, const char *detail, int64_t allocs,
                        int64_t bytes)
{
    pf_core *k = CORE(c);
    for (size_t i = 0; i < k->nmiss; i++)
        if (strcmp(k->miss[i].reason, reason) == 0 && strcmp(k->miss[i].detail, detail) == 0) {
            k->miss[i].points++;
            k->miss[i].allocs += allocs;
            k->miss[i].bytes += bytes;
            return;
        }
    if (k->nmiss >= 4096) {   /* bounded: the rest under one detail */
        reason = "other";
        detail = "more reasons than kept";
        for (size_t i = 0; i < k->nmiss; i++)
            if (strcmp(k->miss[i].reason, reason) == 0) {
                k->miss[i].points++;
                k->miss[i].allocs += allocs;
                k->miss[i].bytes += bytes;
                return;
            }
    }
    pf_miss *m = HP_PUSH(k->miss, k->nmiss, k->mcap);
    m->reason = hp_xstrdup(reason);
    m->detail = hp_xstrdup(detail);
    m->points = 1;
    m->allocs = allocs;
    m->bytes = bytes;
}

/* Allocations the profiler counted but gave no stack for: the part of a
** gperftools profile cut at its 1 MiB dump buffer (the header's total
** against the stacks listed), and the samples perf says it lost.  They
** are measured allocations on no site, each under its reason, so the
** coverage says what share they are and what to do. */
static void pf_unlisted(pf_ctx *c)
{
    pf_core *k = CORE(c);
    if (k->bin == NULL)
        return;
    if (c->header_allocs > k->allocs && !c->sampled) {
        int64_t a = c->header_allocs - k->allocs;
        int64_t b = c->header_bytes > k->bytes ? c->header_bytes - k->bytes : 0;
        pf_add_miss(c, "cut", "the stacks past gperftools' 1 MiB profile buffer", a, b);
        if (strcmp(k->miss[k->nmiss - 1].reason, "other") != 0)
            k->miss[k->nmiss - 1].points = 0;
        k->allocs += a;
        k->bytes += b;
    }
    if (c->lost > 0 && c->lost <= PF_MAX_COUNT - k->allocs) {
        pf_add_miss(c, "lost", "samples perf lost (PERF_RECORD_LOST)", c->lost, 0);
        if (strcmp(k->miss[k->nmiss - 1].reason, "other") != 0)
            k->miss[k->nmiss - 1].points = 0;
        k->allocs += c->lost;
    }
}

/* A frame's text without its leading address: "main (p.c:9)". */
static const char *pf_frame_label(const pf_frame *f)
{
    const char *t = f->text ? f->text : "?";
    if (t[0] == '0' && t[1] == 'x') {
        const char *p = strstr(t, ": ");
        if (p)
            return p + 2;
    }
    return t;
}

static void pf_unmatched(pf_ctx *c, const pf_attr *a, int64_t allocs, int64_t bytes)
{
    char detail[PF_MAX_TEXT + 64];
    if (a->pymalloc) {
        pf_add_miss(c, "arena", "CPython's pymalloc", allocs, bytes);
        return;
    }
    if (a->where == 0) {
        pf_add_miss(c, "no-frame", "no frame beyond the allocator", allocs, bytes);
        return;
    }
    /* the allocating frame in the binary's own code, at no site: the
    ** allocator was reached through something the scan did not resolve */
    if (CORE(c)->fflags[a->where - 1] & 1) {
        snprintf(detail, sizeof detail, "%s", pf_frame_label(&c->fr[a->where - 1]));
        pf_add_miss(c, "unresolved", detail, allocs, bytes);
        return;
    }
    const pf_frame *f = &c->fr[a->where - 1];
    if (f->module)
        snprintf(detail, sizeof detail, "%s", f->module);
    else {
        /* DHAT names no object; "(in /lib/x.so)" when the object has no symbols */
        const char *in = f->text ? strstr(f->text, "(in ") : NULL;
        if (in) {
            size_t n = strcspn(in + 4, ")");
            snprintf(detail, sizeof detail, "%.*s", (int)n, in + 4);
        } else
            snprintf(detail, sizeof detail, "%s", pf_frame_label(f));
    }
    pf_add_miss(c, "library", detail, allocs, bytes);
}

/* Count allocs blocks of exactly `size` bytes at s (sorted insert). */
static void pf_add_size(pf_site *s, int64_t size, int64_t allocs)
{
    size_t lo = hp_lower_bound(s->sizes, 0, s->nsizes, sizeof *s->sizes,
                               offsetof(pf_size, size), (uint64_t)size);
    if (lo < s->nsizes && s->sizes[lo].size == (uint64_t)size) {
        s->sizes[lo].allocs += allocs;
        return;
    }
    (void)HP_PUSH(s->sizes, s->nsizes, s->scap);
    memmove(&s->sizes[lo + 1], &s->sizes[lo], (s->nsizes - 1 - lo) * sizeof *s->sizes);
    s->sizes[lo].size = (uint64_t)size;
    s->sizes[lo].allocs = allocs;
}

int pf_count(pf_ctx *c, const pf_attr *a, int64_t allocs, int64_t bytes, int64_t block,
             const int64_t *acc, size_t nacc)
{
    pf_core *k = CORE(c);
    if (allocs < 0 || bytes < 0 || allocs > PF_MAX_COUNT || bytes > PF_MAX_COUNT)
        return pf_fail(c, "damaged profile: a count out of range (over 2^53)");
    k->points++;
    k->allocs += allocs;
    k->bytes += bytes;
    if (k->allocs > PF_MAX_COUNT || k->bytes > PF_MAX_COUNT)
        return pf_fail(c, "damaged profile: the counts add up beyond 2^53");
    pf_site *chosen = a->chosen, *from = NULL;
    int via = chosen != NULL && chosen != a->first;
    if (chosen == NULL)
        chosen = a->first;
    if (chosen == NULL) {
        pf_unmatched(c, a, allocs, bytes);
        return 0;
    }
    /* stack-guided: an untyped site hands the count to a typed call further out */
    int64_t avg = allocs > 0 ? bytes / allocs : 0, sz = block > 0 ? block : avg;
    if (chosen->type_id == 0 && !chosen->ambiguous) {
        for (int i = 0; i < a->ntyped; i++)
            if (pf_fits(a->typed[i]->type_size, sz)) {
                from = chosen;
                chosen = a->typed[i];
                break;
            }
    }
    k->pmatched++;
    k->amatched += allocs;
    k->bmatched += bytes;
    chosen->allocs += allocs;
    chosen->bytes += bytes;
    chosen->points++;
    chosen->via_wrapper += via;
    if (from) {
        chosen->via_stack++;
        chosen->stack_from = from->id;
    } else if (a->twin)
        chosen->via_twin++;
    if (block > 0 || allocs == 1) {
        int64_t b = block > 0 ? block : bytes;
        if (b > PF_MAX_COUNT || (allocs > 0 && b > PF_MAX_COUNT / allocs) ||
            chosen->sized_bytes > PF_MAX_COUNT - b * allocs)
            return pf_fail(c, "damaged profile: the counts add up beyond 2^53 (blocks x block size)");
        if (b < chosen->min_size)
            chosen->min_size = b;
        if (b > chosen->max_size)
            chosen->max_size = b;
        chosen->sized += allocs;
        chosen->sized_bytes += b * allocs;
        pf_add_size(chosen, b, allocs);
    }
    /* DHAT counts a realloc as a block of the point that first allocated
    ** it (valgrind's dh_main.c keeps the block's allocation point): a call
    ** asking for a constant C bytes whose point measured other sizes, and
    ** not C plus a per-block constant (a wrapper's header), had its blocks
    ** grown or shrunk by reallocs made elsewhere -- counted here by DHAT */
    if (c->source && strcmp(c->source, "dhat") == 0 && chosen->request > 0 && allocs > 1
        && bytes != allocs * chosen->request
        && (bytes - allocs * chosen->request) % allocs != 0) {
        chosen->folded += allocs;
        chosen->folded_bytes += bytes;
    }
    if (chosen->type_id > 0 && acc != NULL)
        k->heat_points += pf_fold(k, chosen, acc, nacc);
    return 0;
}

/* The summary line for pf_count's folded reallocs, or nothing. */
static void pf_print_folded(const pf_core *k, FILE *log)
{
    const pf_site *eg = NULL;
    size_t n = 0;
    int64_t blocks = 0;
    for (size_t i = 0; k->bin && i < k->bin->n; i++) {
        const pf_site *s = &k->bin->s[i];
        if (s->folded == 0)
            continue;
        n++;
        blocks += s->folded;
        if (eg == NULL || s->folded > eg->folded)
            eg = s;
    }
    if (n == 0)
        return;
    fprintf(log, "reallocs: DHAT counts a realloc at the block's first allocation point: at %zu"
            " site%s asking for a constant size the blocks measured differ (%.100s %s:%lld asks"
            " %lld bytes; DHAT: %lld blocks, %lld bytes), so %lld blocks include reallocs made"
            " elsewhere -- heaptrack, or perf uprobes on realloc, count each at its own call\n",
            n, n == 1 ? "" : "s", eg->function ? eg->function : "?", eg->file ? eg->file : "?",
            (long long)eg->line, (long long)eg->request, (long long)eg->folded,
            (long long)eg->folded_bytes, (long long)blocks);
}

int pf_stack(pf_ctx *c, const size_t *frames, size_t n, int64_t allocs, int64_t bytes,
             int64_t block, const int64_t *acc, size_t nacc)
{
    pf_attr a, b;
    memset(&a, 0, sizeof a);
    for (size_t i = n; i-- > 0;) {
        if (frames[i] >= c->nfr)
            return pf_fail(c, "damaged profile: a stack names frame %zu of %zu", frames[i], c->nfr);
        pf_attr_push(c, &a, frames[i], &b);
        a = b;
    }
    return pf_count(c, &a, allocs, bytes, block, acc, nacc);
}

/* ---- recognising the file ---- */

enum { PF_DHAT, PF_HEAPTRACK, PF_HEAPTRACK_GZ, PF_HEAPTRACK_ZST, PF_PPROF_GZ, PF_PPROF_RAW,
       PF_PERF, PF_GPERF, PF_SLABINFO, PF_ALLOCINFO };

/* A text format told by its first line that is not a comment ('#') or
** blank, within the first bytes read; -1 when none is recognised. */
static int pf_text_kind(const unsigned char *m, size_t n)
{
    char line[4097];
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && m[e] != '\n')
            e++;
        size_t len = e - i < sizeof line - 1 ? e - i : sizeof line - 1;
        memcpy(line, m + i, len);
        line[len] = '\0';
        if (memchr(line, '\0', len) != NULL)
            return -1;   /* binary */
        size_t sp = strspn(line, " \t\r");
        i = e + 1;
        if (line[sp] == '\0' || line[sp] == '#')
            continue;
        if (line[0] == 'v' && line[1] == ' ')
            return PF_HEAPTRACK;
        if (strncmp(line, "heap profile:", 13) == 0)
            return PF_GPERF;
        if (strncmp(line, "slabinfo - version:", 19) == 0)
            return PF_SLABINFO;
        if (strncmp(line, "allocinfo - version:", 20) == 0)
            return PF_ALLOCINFO;
        if (e < n && (pf_perf_header(line) || strstr(line, " PERF_RECORD_LOST lost ")))
            return PF_PERF;
        return -1;
    }
    return -1;
}

static int pf_sniff(const char *path, int *kind, uint64_t *size, hp_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return hp_errf(err, path, "%s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return hp_errf(err, path, "not a regular file");
    }
    *size = (uint64_t)st.st_size;
    unsigned char m[8192] = { 0 };
    size_t n = fread(m, 1, sizeof m, f), skip = 0;
    fclose(f);
    while (skip < n && (m[skip] == ' ' || m[skip] == '\n' || m[skip] == '\t' || m[skip] == '\r'))
        skip++;
    if (n == 0)
        return hp_errf(err, path, "empty file: not a profile");
    int text = pf_text_kind(m, n);
    if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        *kind = PF_HEAPTRACK_ZST;
    else if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        /* gzip'd: heaptrack text ("v ..." or "# ...") or else a pprof buffer */
        *kind = PF_PPROF_GZ;
        gzFile gz = gzopen(path, "rb");
        unsigned char first = 0;
        if (gz != NULL) {
            if (gzread(gz, &first, 1) == 1 && (first == 'v' || first == '#'))
                *kind = PF_HEAPTRACK_GZ;
            gzclose(gz);
        }
    } else if (skip < n && m[skip] == '{')
        *kind = PF_DHAT;
    else if (text >= 0)
        *kind = text;
    else if ((m[0] == 'v' && n > 1 && m[1] == ' ') || m[0] == '#')
        *kind = PF_HEAPTRACK;
    else if ((m[0] >> 3) >= 1 && (m[0] >> 3) <= 6 && (m[0] & 7) == 2)
        *kind = PF_PPROF_RAW;   /* a protocol buffer's first key: one of fields 1-6, a message */
    else
        return hp_errf(err, path, "not a profile: neither a DHAT profile, heaptrack data, a pprof"
                       " profile, perf script output, a gperftools heap profile, /proc/slabinfo"
                       " nor /proc/allocinfo");
    return 0;
}

/* ---- writing ---- */

static void pf_core_free(pf_ctx *c)
{
    pf_core *k = CORE(c);
    for (size_t i = 0; i < c->nfr; i++) {
        free(c->fr[i].text);
        free(c->fr[i].func);
        free(c->fr[i].src_file);
    }
    for (size_t i = 0; i < c->ncaches; i++)
        free(c->caches[i].name);
    free(c->caches);
    free(c->fr);
    free(c->cmd);
    free(c->recorded_from);
    for (size_t i = 0; i < c->nbuild_ids; i++)
        free(c->build_ids[i]);
    free(c->build_ids);
    if (k == NULL)
        return;
    for (size_t i = 0; i < k->nbins; i++) {
        for (size_t j = 0; j < k->bins[i].n; j++) {
            free(k->bins[i].s[j].function);
            free(k->bins[i].s[j].source_function);
            free(k->bins[i].s[j].file);
            free(k->bins[i].s[j].path);
            free(k->bins[i].s[j].sizes);
        }
        free(k->bins[i].s);
        free(k->bins[i].base);
        free(k->bins[i].path);
        free(k->bins[i].build_id);
        free(k->bins[i].debug_file);
        free(k->bins[i].code);
    }
    free(k->bins);
    for (size_t i = 0; i < k->nalloc; i++)
        free(k->allocators[i]);
    free(k->allocators);
    free(k->fsite);
    free(k->fflags);
    for (size_t i = 0; i < k->nmiss; i++) {
        free(k->miss[i].reason);
        free(k->miss[i].detail);
    }
    free(k->miss);
    while (k->heat) {
        pf_heat *h = k->heat;
        k->heat = h->next;
        free(h->count);
        free(h);
    }
}

/* Writing into the user's database: st_open_update checks that it is
** ours and that its schema is exactly the built-in one (no triggers,
** views or tables someone added), before anything is written. */
static int pf_open_rw(const char *dbpath, sqlite3 **out, hp_err *err)
{
    if (st_open_update(dbpath, out, err) != 0)
        return -1;
    sqlite3_extended_result_codes(*out, 1);   /* the real cause of an I/O error */
    return 0;
}

/* Run one statement with up to two text parameters and one integer. */
static int pf_exec(pf_ctx *c, const char *what, const char *sql, const char *t1, const char *t2,
                   int64_t i3)
{
    sqlite3_stmt *st = NULL;
    if (pf_prep(c, sql, &st) != 0)
        return -1;
    if (t1)
        sqlite3_bind_text(st, 1, t1, -1, SQLITE_STATIC);
    if (t2)
        sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(st) >= 3)
        sqlite3_bind_int64(st, 3, i3);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : pf_dberr(c, rc, what);
}

/* Remove the profile named `name` (its rows everywhere). */
static int pf_delete_named(pf_ctx *c, const char *name)
{
    static const char *const del[] = {
        "DELETE FROM member_heat WHERE profile_id IN (SELECT id FROM profiles WHERE name = ?1)",
        "DELETE FROM site_counts WHERE profile_id IN (SELECT id FROM profiles WHERE name = ?1)",
        "DELETE FROM site_sizes WHERE profile_id IN (SELECT id FROM profiles WHERE name = ?1)",
        "DELETE FROM profile_misses WHERE profile_id IN (SELECT id FROM profiles WHERE name = ?1)",
        "DELETE FROM slab_caches WHERE profile_id IN (SELECT id FROM profiles WHERE name = ?1)",
        "DELETE FROM profiles WHERE name = ?1",
    };
    for (size_t i = 0; i < sizeof del / sizeof del[0]; i++)
        if (pf_exec(c, "cannot replace the earlier import", del[i], name, NULL, 0) != 0)
            return -1;
    return 0;
}

static int pf_write(pf_ctx *c, const char *name, const char *path, int64_t *pid_out,
                    char **replaced)
{
    pf_core *k = CORE(c);
    pf_bin *bin = k->bin;
    sqlite3_stmt *st = NULL;
    int rc;
    /* the profile this one takes over from in the views, for the summary */
    if (c->ncaches == 0 && pf_prep(c, "SELECT group_concat(name, ', ') FROM profiles WHERE binary_id = ?1"
                " AND selected AND name <> ?2", &st) != 0)
        return -1;
    if (st) {
        sqlite3_bind_int64(st, 1, bin->id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            *replaced = hp_xstrdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    st = NULL;
    if (pf_delete_named(c, name) != 0)
        return -1;
    /* slab caches count objects per cache, not per site: such a profile is
    ** never one the views count, and leaves the binary's selection alone */
    int per_site = c->ncaches == 0;
    if (per_site && pf_exec(c, "cannot store the profile",
                            "UPDATE profiles SET selected = 0 WHERE binary_id = ?3", NULL, NULL,
                            bin->id) != 0)
        return -1;
    char when[32];
    time_t now = time(NULL);
    struct tm tmv;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tmv));
    if (pf_prep(c, "INSERT INTO profiles(binary_id, source, path, command, imported_at,"
                " load_bias, points, points_matched, allocations, allocations_matched, bytes,"
                " bytes_matched, heat_points, name, selected, recorded_from, build_id)"
                " VALUES (?1, ?13, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?14, ?17, ?15, ?16)",
                &st) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, bin->id);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    if (c->cmd)
        sqlite3_bind_text(st, 3, c->cmd, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, when, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, k->bias);
    sqlite3_bind_int64(st, 6, k->points);
    sqlite3_bind_int64(st, 7, k->pmatched);
    sqlite3_bind_int64(st, 8, k->allocs);
    sqlite3_bind_int64(st, 9, k->amatched);
    sqlite3_bind_int64(st, 10, k->bytes);
    sqlite3_bind_int64(st, 11, k->bmatched);
    sqlite3_bind_int64(st, 12, k->heat_points);
    sqlite3_bind_text(st, 13, c->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, name, -1, SQLITE_STATIC);
    const char *from = c->recorded_from ? c->recorded_from : NULL;
    char prog[512];
    if (from == NULL && c->cmd) {
        size_t n = strcspn(c->cmd, " \t");
        snprintf(prog, sizeof prog, "%.*s", (int)(n < 500 ? n : 500), c->cmd);
        from = prog;
    }
    if (from)
        sqlite3_bind_text(st, 15, from, -1, SQLITE_TRANSIENT);
    if (c->nbuild_ids)
        sqlite3_bind_text(st, 16, c->build_ids[0], -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 17, per_site);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE)
        return pf_dberr(c, rc, "cannot store the profile");
    int64_t pid = sqlite3_last_insert_rowid(c->db);
    *pid_out = pid;
    if (pf_prep(c, "INSERT INTO site_counts(site_id, profile_id, source, allocations, bytes,"
                " points, via_wrapper, min_size, max_size, sized_allocations, via_stack, stack_from,"
                " via_twin, sized_bytes) VALUES (?1, ?2, ?7, ?3, ?4, ?5, ?6, ?8, ?9, ?10, ?11, ?12,"
                " ?13, ?14)", &st) != 0)
        return -1;
    sqlite3_stmt *szst = NULL;
    if (pf_prep(c, "INSERT INTO site_sizes(site_id, profile_id, size, allocations)"
                " VALUES (?1, ?2, ?3, ?4)", &szst) != 0) {
        sqlite3_finalize(st);
        return -1;
    }
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
        sqlite3_bind_text(st, 7, c->source, -1, SQLITE_STATIC);
        if (s->sized > 0) {
            sqlite3_bind_int64(st, 8, s->min_size);
            sqlite3_bind_int64(st, 9, s->max_size);
        } else {
            sqlite3_bind_null(st, 8);
            sqlite3_bind_null(st, 9);
        }
        sqlite3_bind_int64(st, 10, s->sized);
        sqlite3_bind_int64(st, 11, s->via_stack);
        if (s->stack_from)
            sqlite3_bind_int64(st, 12, s->stack_from);
        else
            sqlite3_bind_null(st, 12);
        sqlite3_bind_int64(st, 13, s->via_twin);
        sqlite3_bind_int64(st, 14, s->sized_bytes);
        if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
            sqlite3_finalize(st);
            sqlite3_finalize(szst);
            return pf_dberr(c, rc, "cannot store the site counts");
        }
        sqlite3_reset(st);
        for (size_t j = 0; j < s->nsizes; j++) {
            sqlite3_bind_int64(szst, 1, s->id);
            sqlite3_bind_int64(szst, 2, pid);
            sqlite3_bind_int64(szst, 3, (sqlite3_int64)s->sizes[j].size);
            sqlite3_bind_int64(szst, 4, s->sizes[j].allocs);
            if ((rc = sqlite3_step(szst)) != SQLITE_DONE) {
                sqlite3_finalize(st);
                sqlite3_finalize(szst);
                return pf_dberr(c, rc, "cannot store the measured block sizes");
            }
            sqlite3_reset(szst);
        }
    }
    sqlite3_finalize(szst);
    sqlite3_finalize(st);
    st = NULL;
    if (pf_prep(c, "INSERT INTO profile_misses(profile_id, reason, detail, points, allocations,"
                " bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st) != 0)
        return -1;
    for (size_t i = 0; i < k->nmiss; i++) {
        sqlite3_bind_int64(st, 1, pid);
        sqlite3_bind_text(st, 2, k->miss[i].reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, k->miss[i].detail, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, k->miss[i].points);
        sqlite3_bind_int64(st, 5, k->miss[i].allocs);
        sqlite3_bind_int64(st, 6, k->miss[i].bytes);
        if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return pf_dberr(c, rc, "cannot store the unattributed allocations");
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (pf_prep(c, "INSERT INTO slab_caches(profile_id, idx, name, active_objs, num_objs, objsize,"
                " objperslab, pagesperslab, type_id, type_from, kmem_cache_id) VALUES (?1, ?2, ?3, ?4,"
                " ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &st) != 0)
        return -1;
    for (size_t i = 0; i < c->ncaches; i++) {
        const pf_cache *ca = &c->caches[i];
        sqlite3_bind_int64(st, 1, pid);
        sqlite3_bind_int64(st, 2, (int64_t)i);
        sqlite3_bind_text(st, 3, ca->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, ca->active);
        sqlite3_bind_int64(st, 5, ca->total);
        sqlite3_bind_int64(st, 6, ca->objsize);
        sqlite3_bind_int64(st, 7, ca->perslab);
        sqlite3_bind_int64(st, 8, ca->pagesperslab);
        if (ca->type_id > 0)
            sqlite3_bind_int64(st, 9, ca->type_id);
        else
            sqlite3_bind_null(st, 9);
        sqlite3_bind_text(st, 10, ca->why, -1, SQLITE_STATIC);
        if (ca->kmem_cache_id > 0)
            sqlite3_bind_int64(st, 11, ca->kmem_cache_id);
        else
            sqlite3_bind_null(st, 11);
        if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return pf_dberr(c, rc, "cannot store the slab caches");
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    /* every member gets a row, so a field never touched shows as 0 */
    sqlite3_stmt *mem = NULL;
    if (pf_prep(c, "INSERT INTO member_heat(type_id, idx, profile_id, accesses, bytes_touched)"
                " VALUES (?1, ?2, ?3, ?4, ?5)", &st) != 0
        || pf_prep(c, "SELECT idx, offset, size FROM members WHERE type_id = ?1 ORDER BY idx",
                   &mem) != 0) {
        sqlite3_finalize(st);
        return -1;
    }
    for (pf_heat *h = k->heat; h; h = h->next) {
        sqlite3_bind_int64(mem, 1, h->type_id);
        while ((rc = sqlite3_step(mem)) == SQLITE_ROW) {
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
            if ((rc = sqlite3_step(st)) != SQLITE_DONE)
                break;
            sqlite3_reset(st);
        }
        sqlite3_reset(mem);
        if (rc != SQLITE_DONE) {
            sqlite3_finalize(mem);
            sqlite3_finalize(st);
            return pf_dberr(c, rc, "cannot store the field heat");
        }
    }
    sqlite3_finalize(mem);
    sqlite3_finalize(st);
    /* measured sizes may ask for classes of new request sizes */
    return cl_fill(c->db, c->dbpath, c->err);
}

/* slabinfo's summary: caches, and how many hold a known struct. */
static void pf_print_caches(pf_ctx *c, FILE *log)
{
    static const char *const why[] = { "sites", "name", "kmalloc", "none", "no-fit", "ambiguous" };
    static const char *const say[] = { "hold the struct their kmem_cache_alloc sites allocate",
                                       "hold the struct of their name", "are kmalloc size classes",
                                       "have no struct of their name",
                                       "have a struct of their name that does not fit the slot",
                                       "have several structs of their name that fit" };
    for (size_t w = 0; w < sizeof why / sizeof why[0]; w++) {
        int64_t n = 0, act = 0;
        for (size_t i = 0; i < c->ncaches; i++)
            if (strcmp(c->caches[i].why, why[w]) == 0) {
                n++;
                act += c->caches[i].active;
            }
        if (n > 0)
            fprintf(log, "  %lld caches %s (%lld active objects)\n", (long long)n, say[w],
                    (long long)act);
    }
}

/* The default name: the file's base name. */
static char *pf_default_name(const char *file)
{
    return hp_xstrdup(pf_base(file));
}

static int pf_begin(pf_ctx *c)
{
    int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : pf_dberr(c, rc, "cannot start the import");
}

static int pf_commit(pf_ctx *c)
{
    int rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : pf_dberr(c, rc, "cannot commit the import");
}

int pf_import(const char *dbpath, const char *file, const pf_opts *o, FILE *log, hp_err *err)
{
    pf_ctx c;
    pf_core k;
    memset(&c, 0, sizeof c);
    memset(&k, 0, sizeof k);
    c.dbpath = dbpath;
    c.file = file;
    c.err = err;
    c.core = &k;
    k.o = o;
    char *abspath = NULL, *name = NULL, *replaced = NULL;
    int status = -1, in_tx = 0, deferred = 0, kind = PF_DHAT;

    if (o && o->name && (o->name[0] == '\0' || strchr(o->name, ',')))
        return hp_errf(err, file, "--name wants a non-empty name without commas");
    if (pf_sniff(file, &kind, &c.file_size, err) != 0)
        return -1;
    if (pf_open_rw(dbpath, &c.db, err) != 0)
        goto out;
    if (kind == PF_DHAT || kind == PF_PERF || kind == PF_GPERF || kind == PF_SLABINFO
        || kind == PF_ALLOCINFO) {
        static const struct {
            int kind;
            const char *source;
            int (*read)(pf_ctx *, FILE *);
        } rd[] = { { PF_DHAT, "dhat", pf_read_dhat }, { PF_PERF, "perf", pf_read_perf },
                   { PF_GPERF, "gperftools", pf_read_gperf },
                   { PF_SLABINFO, "slabinfo", pf_read_slabinfo },
                   { PF_ALLOCINFO, "allocinfo", pf_read_allocinfo } };
        size_t w = 0;
        while (rd[w].kind != kind)
            w++;
        c.source = rd[w].source;
        FILE *f = fopen(file, "rb");
        if (f == NULL) {
            hp_errf(err, file, "%s", strerror(errno));
            goto out;
        }
        int r = rd[w].read(&c, f);
        fclose(f);
        if (r != 0)
            goto out;
    } else if (kind == PF_PPROF_GZ || kind == PF_PPROF_RAW) {
        c.source = "pprof";
        if (pf_read_pprof(&c, kind == PF_PPROF_GZ) != 0)
            goto out;
    } else {
        c.source = "heaptrack";
        int how = kind == PF_HEAPTRACK_ZST ? 2 : kind == PF_HEAPTRACK_GZ ? 1 : 0;
        if (pf_read_heaptrack(&c, how) != 0)
            goto out;
    }

    pf_unlisted(&c);

    /* SIGINT, SIGTERM and SIGHUP wait until the transaction is committed
    ** or rolled back and the file closed: a Ctrl-C never leaves a hot journal */
    hp_signals_defer();
    deferred = 1;
    if (pf_begin(&c) != 0)
        goto out;
    in_tx = 1;
    abspath = realpath(file, NULL);
    name = o && o->name ? hp_xstrdup(o->name) : pf_default_name(file);
    int64_t pid = 0;
    if (pf_write(&c, name, abspath ? abspath : file, &pid, &replaced) != 0 || pf_commit(&c) != 0)
        goto out;
    in_tx = 0;

    if (log) {
        fprintf(log, "profile %s (%s) as '%s': binary %lld, load bias 0x%llx\n", file, c.source,
                name, (long long)k.bin->id, (unsigned long long)k.bias);
        fprintf(log, "program points: %lld, matched %lld\n", (long long)k.points,
                (long long)k.pmatched);
        fprintf(log, "allocations: %lld, matched %lld (%.1f%%); bytes %lld, matched %lld\n",
                (long long)k.allocs, (long long)k.amatched,
                k.allocs ? 100.0 * (double)k.amatched / (double)k.allocs : 0.0,
                (long long)k.bytes, (long long)k.bmatched);
        if (strcmp(c.source, "dhat") == 0)
            fprintf(log, "field heat: %lld program points folded onto members\n",
                    (long long)k.heat_points);
        if (c.sampled)
            fprintf(log, "sampled: the counts are estimates, scaled back from the samples\n");
        pf_print_folded(&k, log);
        if (c.lost > 0)
            fprintf(log, "lost: perf lost %lld samples, so the counts are too low (record with a"
                    " larger -m buffer or a smaller --call-graph dwarf size)\n", (long long)c.lost);
        if (strcmp(c.source, "allocinfo") == 0 || c.ncaches > 0)
            fprintf(log, "live objects: the kernel's counts of what is allocated now, not of"
                    " allocations made\n");
        if (replaced)
            fprintf(log, "counted instead of '%s' for this binary (to add them up: --use"
                    " %s,%s)\n", replaced, replaced, name);
        if (c.ncaches > 0)
            pf_print_caches(&c, log);
        sqlite3 *rdb = NULL;
        hp_err e2 = { 0 };
        if (c.ncaches == 0 && st_open_read(dbpath, &rdb, &e2) == 0) {
            pf_print_coverage(rdb, pid, o && o->unmatched >= 0 ? o->unmatched : 5, log);
            sqlite3_close(rdb);
        }
    }
    status = 0;
out:
    if (in_tx)
        sqlite3_exec(c.db, "ROLLBACK", NULL, NULL, NULL);
    if (c.db)
        sqlite3_close(c.db);
    if (deferred)
        hp_signals_release();
    pf_core_free(&c);
    free(abspath);
    free(name);
    free(replaced);
    return status;
}

/* `profile DB --drop NAME` and `profile DB --use A,B`. */
int pf_manage(const char *dbpath, const char *drop, const char *use, FILE *log, hp_err *err)
{
    pf_ctx c;
    memset(&c, 0, sizeof c);
    c.dbpath = dbpath;
    c.file = dbpath;
    c.err = err;
    int status = -1, in_tx = 0;
    if (pf_open_rw(dbpath, &c.db, err) != 0)
        return -1;
    hp_signals_defer();
    if (pf_begin(&c) != 0)
        goto out;
    in_tx = 1;
    if (drop) {
        sqlite3_stmt *st = NULL;
        int64_t bid = -1, sel = 0;
        if (pf_prep(&c, "SELECT binary_id, selected FROM profiles WHERE name = ?1", &st) != 0)
            goto out;
        sqlite3_bind_text(st, 1, drop, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            bid = sqlite3_column_int64(st, 0);
            sel = sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
        if (bid < 0) {
            char *names = pf_profile_names(c.db);
            hp_errf(err, dbpath, "no profile named '%.200s' (profiles: %.300s)", drop,
                    names ? names : "none");
            free(names);
            goto out;
        }
        if (pf_delete_named(&c, drop) != 0)
            goto out;
        /* the binary keeps counting its newest remaining profile */
        if (sel && pf_exec(&c, "cannot select a profile",
                           "UPDATE profiles SET selected = 1 WHERE id = (SELECT max(id) FROM"
                           " profiles WHERE binary_id = ?3) AND NOT EXISTS (SELECT 1 FROM"
                           " profiles WHERE binary_id = ?3 AND selected)", NULL, NULL, bid) != 0)
            goto out;
        if (log)
            fprintf(log, "dropped profile '%s'\n", drop);
    }
    if (use) {
        if (pf_use_names(c.db, dbpath, use, 0, err) != 0)
            goto out;
        if (pf_exec(&c, "cannot select the profiles",
                    "UPDATE main.profiles SET selected = (SELECT u.selected FROM temp.pf_use u"
                    " WHERE u.id = main.profiles.id)", NULL, NULL, 0) != 0)
            goto out;
        if (log)
            fprintf(log, "counting profiles %s\n", use);
    }
    if (cl_fill(c.db, dbpath, err) != 0 || pf_commit(&c) != 0)
        goto out;
    in_tx = 0;
    status = 0;
out:
    if (in_tx)
        sqlite3_exec(c.db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(c.db);
    hp_signals_release();
    return status;
}
