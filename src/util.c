/*
** util.c -- implementation of hp.h: errors, checked allocation, arena,
** string buffers, hashing.  Nothing here knows about ELF, DWARF or SQL.
*/
#include "hp.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int hp_verbose = 1;
int hp_timings;

static struct timespec phase_t0;

void hp_pace(const hp_pacer *p)
{
#ifdef SCHED_IDLE
    /* this thread runs at idle priority: -1 unknown (a thread inherits its
    ** creator's policy), so the first call always sets it */
    static _Thread_local int low = -1;
    int want = p != NULL && p->progress != NULL &&
               atomic_load_explicit(p->progress, memory_order_relaxed) < p->below;
    if (want == low)
        return;
    struct sched_param sp = { 0 };
    if (pthread_setschedparam(pthread_self(), want ? SCHED_IDLE : SCHED_OTHER, &sp) == 0)
        low = want;
#else
    (void)p;
#endif
}

void hp_phase_start(void)
{
    clock_gettime(CLOCK_MONOTONIC, &phase_t0);
}

void hp_phase(const char *fmt, ...)
{
    if (!hp_timings)
        return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double s = (double)(t.tv_sec - phase_t0.tv_sec) + (double)(t.tv_nsec - phase_t0.tv_nsec) / 1e9;
    struct rusage ru;
    double cpu = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
              (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    struct timespec tt;
    double thread = 0;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &tt) == 0)
        thread = (double)tt.tv_sec + (double)tt.tv_nsec / 1e9;
    fprintf(stderr, "holeprof: time %.3f s (cpu %.3f s, this thread %.3f s): %s\n", s, cpu,
            thread, what);
}

int (*hp_err_note)(const char *msg, char *buf, size_t n);

/* ---- temporary files removed on SIGINT/SIGTERM/SIGHUP ---- */

static char hp_tmp_path[HP_TMP_SLOTS][4096];
static volatile sig_atomic_t hp_tmp_used[HP_TMP_SLOTS];
static pthread_mutex_t hp_tmp_mu = PTHREAD_MUTEX_INITIALIZER;
static int hp_tmp_installed;
static const int hp_tmp_sigs[] = { SIGINT, SIGTERM, SIGHUP };

static void hp_tmp_on_signal(int sig)
{
    for (int i = 0; i < HP_TMP_SLOTS; i++)
        if (hp_tmp_used[i])
            unlink(hp_tmp_path[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

void hp_tmp_register(const char *path)
{
    size_t n = strlen(path);
    if (n >= sizeof hp_tmp_path[0])
        return;
    pthread_mutex_lock(&hp_tmp_mu);
    if (!hp_tmp_installed) {
        for (size_t k = 0; k < sizeof hp_tmp_sigs / sizeof *hp_tmp_sigs; k++) {
            struct sigaction sa, old;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = hp_tmp_on_signal;
            sigemptyset(&sa.sa_mask);
            for (size_t j = 0; j < sizeof hp_tmp_sigs / sizeof *hp_tmp_sigs; j++)
                sigaddset(&sa.sa_mask, hp_tmp_sigs[j]);
            /* a signal the user's shell ignores (nohup) stays ignored */
            if (sigaction(hp_tmp_sigs[k], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
                sigaction(hp_tmp_sigs[k], &sa, NULL);
        }
        hp_tmp_installed = 1;
    }
    for (int i = 0; i < HP_TMP_SLOTS; i++)
        if (!hp_tmp_used[i]) {
            memcpy(hp_tmp_path[i], path, n + 1);
            atomic_signal_fence(memory_order_seq_cst);
            hp_tmp_used[i] = 1;
            break;
        }
    pthread_mutex_unlock(&hp_tmp_mu);
}

/* mkstemp() and hp_tmp_register() with the three signals blocked in
** between: a signal that arrives while the file exists but is not yet
** registered would kill the process and leave the file behind. */
int hp_tmp_mkstemp(char *tmpl)
{
    sigset_t set, old;
    sigemptyset(&set);
    for (size_t k = 0; k < sizeof hp_tmp_sigs / sizeof *hp_tmp_sigs; k++)
        sigaddset(&set, hp_tmp_sigs[k]);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    int fd = mkstemp(tmpl);
    int e = errno;
    if (fd >= 0)
        hp_tmp_register(tmpl);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return fd;
}

void hp_tmp_unregister(const char *path)
{
    pthread_mutex_lock(&hp_tmp_mu);
    for (int i = 0; i < HP_TMP_SLOTS; i++)
        if (hp_tmp_used[i] && strcmp(hp_tmp_path[i], path) == 0) {
            hp_tmp_used[i] = 0;
            atomic_signal_fence(memory_order_seq_cst);
            break;
        }
    pthread_mutex_unlock(&hp_tmp_mu);
}

static sigset_t hp_deferred_old;

void hp_signals_defer(void)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t k = 0; k < sizeof hp_tmp_sigs / sizeof *hp_tmp_sigs; k++)
        sigaddset(&set, hp_tmp_sigs[k]);
    pthread_sigmask(SIG_BLOCK, &set, &hp_deferred_old);
}

void hp_signals_release(void)
{
    pthread_sigmask(SIG_SETMASK, &hp_deferred_old, NULL);
}

static void hp_text_clean_as(char *s, int keep_nl)
{
    for (unsigned char *p = (unsigned char *)s; p != NULL && *p; p++) {
        if ((*p < 0x20 && !(keep_nl && *p == '\n')) || *p == 0x7f) {
            *p = '?';
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            p[0] = p[1] = '?';
            p++;
        }
    }
}

void hp_text_clean(char *s)
{
    hp_text_clean_as(s, 0);
}

void hp_text_clean_lines(char *s)
{
    hp_text_clean_as(s, 1);
}

char *hp_text_safe(const char *s)
{
    if (s == NULL)
        return NULL;
    char *c = hp_xstrdup(s);
    hp_text_clean(c);
    return c;
}

int hp_errf(hp_err *err, const char *file, const char *fmt, ...)
{
    if (err == NULL || err->set)
        return -1;
    size_t off = 0;
    if (file != NULL) {
        int n = snprintf(err->msg, sizeof err->msg, "%s: ", file);
        off = n < 0 ? 0 : (size_t)n;
        if (off >= sizeof err->msg)
            off = sizeof err->msg - 1;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + off, sizeof err->msg - off, fmt, ap);
    va_end(ap);
    if (hp_err_note != NULL) {
        char note[256];
        int k = hp_err_note(err->msg, note, sizeof note);
        size_t used = strlen(err->msg);
        if (k > 0 && used < sizeof err->msg - 1)
            snprintf(err->msg + used, sizeof err->msg - used, "%s", note);
    }
    /* The contract is one line: fold any newline a library gave us, and
    ** no name from a file may reach the terminal as a control sequence. */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    hp_text_clean(err->msg);
    err->set = 1;
    return -1;
}

static void oom(size_t n)
{
    fprintf(stderr, "holeprof: out of memory (allocating %zu bytes)\n", n);
    exit(HP_EXIT_ERROR);
}

void *hp_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *hp_xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (p == NULL)
        oom(n * sz);
    return p;
}

void *hp_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

char *hp_xstrdup(const char *s)
{
    return hp_xstrndup(s, strlen(s));
}

char *hp_xstrndup(const char *s, size_t n)
{
    char *p = hp_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *hp_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(0);
    char *p = hp_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void hp_grow_slow(void **arr, size_t *cap, size_t need, size_t sz)
{
    size_t nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / sz)
            oom(SIZE_MAX);
        nc *= 2;
    }
    *arr = hp_xrealloc(*arr, nc * sz);
    *cap = nc;
}

/* ---- arena ---- */

struct hp_arena_blk {
    hp_arena_blk *next;
    size_t size;
    /* data follows, 16-aligned because the header is 16 bytes */
};

#define ARENA_BLOCK (256 * 1024)

void *hp_arena_alloc(hp_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (a->head == NULL || a->used + n > a->cap) {
        size_t sz = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        hp_arena_blk *b = hp_xmalloc(sizeof *b + sz);
        b->size = sz;
        b->next = a->head;
        a->head = b;
        a->used = 0;
        a->cap = sz;
    }
    void *p = (char *)(a->head + 1) + a->used;
    a->used += n;
    return p;
}

char *hp_arena_strdup(hp_arena *a, const char *s)
{
    size_t n = strlen(s);
    char *p = hp_arena_alloc(a, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

void hp_arena_free(hp_arena *a)
{
    hp_arena_blk *b = a->head;
    while (b) {
        hp_arena_blk *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->used = a->cap = 0;
}

/* ---- string buffer ---- */

void hp_buf_putn(hp_buf *b, const char *s, size_t n)
{
    hp_grow((void **)&b->s, &b->cap, b->len + n + 1, 1);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void hp_buf_puts(hp_buf *b, const char *s)
{
    hp_buf_putn(b, s, strlen(s));
}

void hp_buf_printf(hp_buf *b, const char *fmt, ...)
{
    /* one formatting pass when the text fits what is already allocated
    ** (the common case once a buffer has been used), a second otherwise */
    va_list ap;
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    va_start(ap, fmt);
    int n = vsnprintf(room ? b->s + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        if (b->s)
            b->s[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        hp_grow((void **)&b->s, &b->cap, b->len + (size_t)n + 1, 1);
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void hp_buf_putu(hp_buf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    hp_buf_putn(b, tmp + i, sizeof tmp - i);
}

void hp_buf_reset(hp_buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void hp_buf_free(hp_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

/* ---- hashing ---- */

uint64_t hp_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t hp_hash_str(uint64_t h, const char *s)
{
    if (s == NULL)
        return hp_hash_u64(h, 0x9e3779b97f4a7c15ULL);
    /* include the terminator so "ab"+"c" differs from "a"+"bc" */
    return hp_hash_bytes(h, s, strlen(s) + 1);
}

uint64_t hp_hash_u64(uint64_t h, uint64_t v)
{
    return hp_hash_bytes(h, &v, sizeof v);
}

uint64_t hp_hash_final(uint64_t h)
{
    return hp_mix64(h);
}

/* ---- files ---- */

char *hp_read_file(const char *path, size_t max, const char *what, size_t *len, hp_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        hp_errf(err, path, "%s", strerror(errno));
        return NULL;
    }
    hp_buf b = { 0 };
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + got > max) {
            fclose(f);
            hp_buf_free(&b);
            hp_errf(err, path, "%s larger than %zu bytes", what, max);
            return NULL;
        }
        hp_buf_putn(&b, chunk, got);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        hp_buf_free(&b);
        hp_errf(err, path, "read error");
        return NULL;
    }
    if (b.s == NULL)
        hp_buf_puts(&b, "");
    *len = b.len;
    return b.s;
}

void hp_radix_sort(void *base, size_t n, size_t size, size_t key_off)
{
    if (n < 2)
        return;
    /* one pass counts every digit of every key */
    size_t (*cnt)[256] = hp_xcalloc(8, sizeof *cnt);
    uint8_t *a = base;
    for (size_t i = 0; i < n; i++) {
        uint64_t k;
        memcpy(&k, a + i * size + key_off, sizeof k);
        for (int d = 0; d < 8; d++)
            cnt[d][(k >> (8 * d)) & 0xff]++;
    }
    uint8_t *tmp = hp_xmalloc(n * size);
    uint8_t *src = a, *dst = tmp;
    for (int d = 0; d < 8; d++) {
        size_t *c = cnt[d];
        int trivial = 0;
        for (int v = 0; v < 256 && !trivial; v++)
            trivial = c[v] == n;
        if (trivial)
            continue;               /* every key has this byte */
        size_t pos = 0;
        for (int v = 0; v < 256; v++) {
            size_t k = c[v];
            c[v] = pos;
            pos += k;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t k;
            memcpy(&k, src + i * size + key_off, sizeof k);
            memcpy(dst + c[(k >> (8 * d)) & 0xff]++ * size, src + i * size, size);
        }
        uint8_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * size);
    free(tmp);
    free(cnt);
}
