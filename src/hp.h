/*
** hp.h -- shared basics for every holeprof module.
**
** Contract: error reporting (hp_err), checked allocation, growable
** arrays, a bump arena, string buffers and a 64-bit hash.  No module may
** print an error itself except main.c: errors travel up as hp_err so the
** top level can print exactly one line "holeprof: FILE: problem" and exit
** with status 2 (see HP_EXIT_*).
**
** Allocation failure is not recoverable in a command-line tool; hp_xmalloc
** and friends print one line and exit 2 rather than returning NULL, so the
** rest of the code never checks for NULL from them.
*/
#ifndef HP_H
#define HP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define HP_EXIT_OK       0
#define HP_EXIT_FOUND    1   /* diff/check: a regression or breach found */
#define HP_EXIT_ERROR    2   /* bad input, I/O error, usage error */

/* Limits on values read from untrusted files (see issue 7). */
#define HP_MAX_DEPTH        512         /* DIE nesting we follow */
#define HP_MAX_NAME         4096        /* longest name we keep */
#define HP_MAX_MEMBERS      65536       /* members per aggregate */
#define HP_MAX_ARRAY_ALLOC  (1u << 30)  /* one allocation from file data */
#define HP_MAX_UNIT_NODES   (1u << 23)  /* type DIEs kept per compile unit */
/* The largest size or offset of a stored type, bytes (256 TiB, beyond any
** real object): the type loader skips a type past it, the readers call a
** stored value past it damaged (issue 22). */
#define HP_MAX_OBJECT       ((uint64_t)1 << 48)

typedef struct hp_err {
    int set;
    char msg[1024];
} hp_err;

/* Set err (if not already set) to "FILE: message".  file may be NULL.
** Returns -1 so callers can write `return hp_errf(err, ...)`. */
int hp_errf(hp_err *err, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* When set, hp_errf calls it with the finished message; a note it writes
** into buf (returning its length) is appended (store.c: "the time limit
** ran out" after an "interrupted"). */
extern int (*hp_err_note)(const char *msg, char *buf, size_t n);

/* Text that came from a file (names from DWARF, rows of a database) made
** safe to print on a terminal and kept on one line: every C0 control
** character (ESC, BEL, newline, tab...), DEL and every C1 control
** (U+0080..U+009F, also terminal escapes) becomes '?' byte for byte.
** Every text output of holeprof that prints such names goes through it
** (show, sites, top/query tables, diff/check tables, error lines). */
void hp_text_clean(char *s);
char *hp_text_safe(const char *s);     /* a cleaned malloc'd copy; NULL -> NULL */
void hp_text_clean_lines(char *s);    /* the same, but newlines stay (a whole report) */

/* Temporary files that SIGINT, SIGTERM and SIGHUP remove: a writer
** registers its temporary file right after creating it and unregisters it
** once it is renamed or unlinked.  The first registration installs the
** handler, which unlinks every registered path (async-signal-safe) and
** then dies of the same signal with the default action, so the exit
** status still says which signal.  At most HP_TMP_SLOTS at once; a path
** that does not fit is simply not cleaned on a signal. */
#define HP_TMP_SLOTS 8
void hp_tmp_register(const char *path);
/* mkstemp(tmpl) registered as above, with no signal window between. */
int hp_tmp_mkstemp(char *tmpl);
void hp_tmp_unregister(const char *path);
/* Defer those three signals (blocked in the calling thread) across a
** short critical section such as profile's write transaction, so a
** Ctrl-C lands after the commit or rollback; hp_signals_release delivers
** anything pending. */
void hp_signals_defer(void);
void hp_signals_release(void);

void *hp_xmalloc(size_t n);
void *hp_xcalloc(size_t n, size_t sz);
void *hp_xrealloc(void *p, size_t n);
char *hp_xstrdup(const char *s);
char *hp_xstrndup(const char *s, size_t n);
char *hp_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (element size sz, capacity *cap) so that index `need-1` fits.
** The test is inline: pushes run millions of times (abbreviation specs,
** line rows) and almost never grow, so a call each time cost more than
** the push (106 M instructions of the scan's 3.4 G on vmlinux). */
void hp_grow_slow(void **arr, size_t *cap, size_t need, size_t sz);
static inline void hp_grow(void **arr, size_t *cap, size_t need, size_t sz)
{
    if (need > *cap)
        hp_grow_slow(arr, cap, need, sz);
}
#define HP_PUSH(arr, n, cap) \
    (hp_grow((void **)&(arr), &(cap), (n) + 1, sizeof(*(arr))), &(arr)[(n)++])

/* Binary search in an array of records sorted by a uint64_t field: the
** first index in [lo, hi) whose key is >= key (hp_lower_bound) or > key
** (hp_upper_bound); hi when there is none.  stride is the record size,
** off the key's offset in it (offsetof); a plain uint64_t array is
** stride 8, off 0.  Inline: the site scan calls it per instruction. */
static inline uint64_t hp_key_at(const void *base, size_t i, size_t stride, size_t off)
{
    uint64_t k;
    memcpy(&k, (const char *)base + i * stride + off, sizeof k);
    return k;
}

static inline size_t hp_lower_bound(const void *base, size_t lo, size_t hi, size_t stride,
                                    size_t off, uint64_t key)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hp_key_at(base, mid, stride, off) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static inline size_t hp_upper_bound(const void *base, size_t lo, size_t hi, size_t stride,
                                    size_t off, uint64_t key)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hp_key_at(base, mid, stride, off) <= key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Bump arena: many small allocations freed at once (per compile unit). */
typedef struct hp_arena_blk hp_arena_blk;
typedef struct hp_arena {
    hp_arena_blk *head;
    size_t used, cap;
} hp_arena;
void *hp_arena_alloc(hp_arena *a, size_t n);   /* 16-byte aligned */
char *hp_arena_strdup(hp_arena *a, const char *s);
void hp_arena_free(hp_arena *a);

/* Growable string buffer; s is always NUL-terminated once used. */
typedef struct hp_buf {
    char *s;
    size_t len, cap;
} hp_buf;
void hp_buf_puts(hp_buf *b, const char *s);
void hp_buf_putn(hp_buf *b, const char *s, size_t n);
void hp_buf_putu(hp_buf *b, uint64_t v);     /* decimal, without printf */
void hp_buf_printf(hp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hp_buf_reset(hp_buf *b);
void hp_buf_free(hp_buf *b);

/* 64-bit hashing (FNV-1a core with a final avalanche): stable across
** runs and platforms, so hashes may be stored in the database. */
#define HP_HASH_INIT 0xcbf29ce484222325ULL
uint64_t hp_hash_bytes(uint64_t h, const void *p, size_t n);
uint64_t hp_hash_str(uint64_t h, const char *s);   /* NULL hashes as "" + marker */
uint64_t hp_hash_u64(uint64_t h, uint64_t v);
uint64_t hp_hash_final(uint64_t h);

/* Stable sort of n records of `size` bytes by the uint64_t at key_off
** (radix, 8 bits a pass; passes where every key has the same byte are
** skipped).  Sorting by several keys: sort by the least significant one
** first, then by the next.  Several times cheaper than qsort with a
** comparator on the hundreds of thousands of records of a large binary
** (symbols, call edges). */
void hp_radix_sort(void *base, size_t n, size_t size, size_t key_off);

/* Slot of an integer key in an in-memory hash table (murmur3's 64-bit
** finalizer: two multiplies, every bit of v reaches every bit of the
** result); cheaper than hp_hash_u64, which walks bytes.  hp_hash_final
** is this function, and layout hashes stored in databases go through it:
** it must never change (tests/unit_util checks known values). */
static inline uint64_t hp_mix64(uint64_t v)
{
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 33;
    v *= 0xc4ceb9fe1a85ec53ULL;
    v ^= v >> 33;
    return v;
}

/* Read a whole file (at most max bytes) into a NUL-terminated malloc'd
** string; *len gets its length.  what names the file in the size error
** ("budget file", "query file"). */
char *hp_read_file(const char *path, size_t max, const char *what, size_t *len, hp_err *err);

/* Verbosity: 0 quiet, 1 normal.  Progress goes to stderr only when it
** is a terminal and verbosity > 0. */
extern int hp_verbose;

/* Phase timeline (analyze --timings): when hp_timings is set, hp_phase()
** prints "holeprof: time S.SSS s (cpu C.CCC s, this thread T.TTT s): WHAT"
** to stderr, S being the wall time since hp_phase_start(), C the CPU time
** of the whole process so far (all threads) and T that of the calling
** thread.  Safe from any thread (one fprintf per line). */
extern int hp_timings;

/* Pacing of a background thread against a foreground job's progress
** (analyze: the allocation-site scan beside the type reader).  While
** *progress (permille of the foreground work done) is below `below`, a
** thread calling hp_pace() runs at idle priority (Linux SCHED_IDLE: only
** on a CPU nothing else wants), from then on at normal priority; a NULL
** pacer or progress means normal priority.  Call it at convenient points;
** it changes the policy only when the answer changes.  Without SCHED_IDLE
** it does nothing. */
typedef struct hp_pacer {
    const _Atomic uint32_t *progress;
    uint32_t below;
} hp_pacer;
void hp_pace(const hp_pacer *p);
void hp_phase_start(void);
void hp_phase(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
