/*
** pf_stacks.c -- frames and stacks interned by value, for the profile
** formats that print every stack once per sample or bucket (`perf
** script`, gperftools' heap profiles): contract in pf_int.h.
**
** Promises: a frame equal to an earlier one (same address or none, same
** object, same symbol text, same allocator mark) gets the earlier index;
** a stack equal to an earlier one (same frames, same block size) adds to
** the earlier counts, so memory is the distinct frames plus the distinct
** stacks, never the number of samples.  The frames of all distinct stacks
** together are bounded by PF_LIMIT_FRAMES (one line naming the bound
** beyond it); counts never pass PF_MAX_COUNT.
*/
#include "pf_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct pf_fkey {
    char *key;           /* "has|addr|alloc|module|sym" */
    size_t frame;
} pf_fkey;

typedef struct pf_skey {
    size_t off, n;       /* into pool */
    int64_t block, allocs, bytes;
    uint64_t hash;
} pf_skey;

struct pf_intern {
    pf_fkey *f;          /* open addressing, capacity a power of two */
    size_t nf, fcap;
    size_t *sh;          /* stack slots: index + 1 into st, 0 empty */
    size_t shcap;
    pf_skey *st;
    size_t nst, stcap;
    uint32_t *pool;
    size_t npool, poolcap;
    char **mods;         /* the objects' names, owned here */
    size_t nmods, modcap;
    hp_buf kb;
};

pf_intern *pf_intern_new(void)
{
    return hp_xcalloc(1, sizeof(pf_intern));
}

void pf_intern_free(pf_ctx *c, pf_intern *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < c->nfr; i++)
        c->fr[i].module = NULL;   /* they point into t->mods */
    for (size_t i = 0; i < t->fcap; i++)
        free(t->f[i].key);
    free(t->f);
    free(t->sh);
    free(t->st);
    free(t->pool);
    for (size_t i = 0; i < t->nmods; i++)
        free(t->mods[i]);
    free(t->mods);
    hp_buf_free(&t->kb);
    free(t);
}

static const char *pf_intern_module(pf_intern *t, const char *m)
{
    if (m == NULL)
        return NULL;
    for (size_t i = t->nmods; i-- > 0;)   /* few objects: a linear look */
        if (strcmp(t->mods[i], m) == 0)
            return t->mods[i];
    if (t->nmods >= 65536)
        return NULL;   /* bounded: further objects stay unnamed */
    char *d = hp_xstrdup(m);
    *HP_PUSH(t->mods, t->nmods, t->modcap) = d;
    return d;
}

static void pf_frame_grow(pf_intern *t)
{
    size_t ncap = t->fcap ? t->fcap * 2 : 1024;
    pf_fkey *n = hp_xcalloc(ncap, sizeof *n);
    for (size_t i = 0; i < t->fcap; i++) {
        if (t->f[i].key == NULL)
            continue;
        size_t j = (size_t)hp_hash_final(hp_hash_bytes(HP_HASH_INIT, t->f[i].key, strlen(t->f[i].key)))
                   & (ncap - 1);
        while (n[j].key)
            j = (j + 1) & (ncap - 1);
        n[j] = t->f[i];
    }
    free(t->f);
    t->f = n;
    t->fcap = ncap;
}

int pf_intern_frame(pf_ctx *c, pf_intern *t, uint64_t addr, int has_addr, const char *module,
                    const char *sym, int is_alloc, size_t *out)
{
    hp_buf_reset(&t->kb);
    hp_buf_printf(&t->kb, "%d|%llx|%d|%s|%s", has_addr, (unsigned long long)addr, is_alloc,
                  module ? module : "", sym ? sym : "");
    const char *key = t->kb.s;
    if ((t->nf + 1) * 2 > t->fcap)
        pf_frame_grow(t);
    size_t j = (size_t)hp_hash_final(hp_hash_bytes(HP_HASH_INIT, key, t->kb.len)) & (t->fcap - 1);
    while (t->f[j].key) {
        if (strcmp(t->f[j].key, key) == 0) {
            *out = t->f[j].frame;
            return 0;
        }
        j = (j + 1) & (t->fcap - 1);
    }
    pf_frame *fr = pf_add_frame(c);
    if (fr == NULL)
        return -1;
    fr->has_addr = has_addr;
    fr->addr = addr;
    fr->is_alloc = is_alloc;
    fr->module = pf_intern_module(t, module);
    if (sym && sym[0] && strcmp(sym, "[unknown]") != 0) {
        /* "name+0x1c" -> "name" for the function */
        const char *plus = strrchr(sym, '+');
        size_t n = plus && plus[1] == '0' && plus[2] == 'x' ? (size_t)(plus - sym) : strlen(sym);
        fr->func = hp_xstrndup(sym, n);
    }
    if (has_addr)
        fr->text = hp_xasprintf("0x%llx: %.400s (in %.400s)", (unsigned long long)addr,
                                sym && sym[0] ? sym : "?", module ? module : "?");
    else
        fr->text = hp_xasprintf("%.400s (in %.400s)", sym && sym[0] ? sym : "?",
                                module ? module : "?");
    t->f[j].key = hp_xstrdup(key);
    t->f[j].frame = c->nfr - 1;
    t->nf++;
    *out = c->nfr - 1;
    return 0;
}

static uint64_t pf_stack_hash(const uint32_t *fr, size_t n, int64_t block)
{
    uint64_t h = hp_hash_u64(HP_HASH_INIT, (uint64_t)block);
    return hp_hash_final(hp_hash_bytes(h, fr, n * sizeof *fr));
}

static void pf_stack_grow(pf_intern *t)
{
    size_t ncap = t->shcap ? t->shcap * 2 : 1024;
    size_t *n = hp_xcalloc(ncap, sizeof *n);
    for (size_t i = 0; i < t->nst; i++) {
        size_t j = (size_t)t->st[i].hash & (ncap - 1);
        while (n[j])
            j = (j + 1) & (ncap - 1);
        n[j] = i + 1;
    }
    free(t->sh);
    t->sh = n;
    t->shcap = ncap;
}

int pf_intern_stack(pf_ctx *c, pf_intern *t, const size_t *frames, size_t n, int64_t block,
                    int64_t allocs, int64_t bytes)
{
    if (allocs < 0 || bytes < 0 || allocs > PF_MAX_COUNT || bytes > PF_MAX_COUNT)
        return pf_fail(c, "damaged profile: a count out of range (over 2^53)");
    if (n > PF_LIMIT_STACK)
        return pf_fail(c, "a stack of more than %zu frames (the limit of a profile)",
                       PF_LIMIT_STACK);
    /* the key, as 32-bit indices at the pool's end (kept only when new) */
    if (t->npool + n > PF_LIMIT_FRAMES)
        return pf_fail(c, "more than %zu frames in distinct stacks (the limit of a profile)",
                       PF_LIMIT_FRAMES);
    while (t->poolcap < t->npool + n + 1) {
        t->poolcap = t->poolcap ? t->poolcap * 2 : 4096;
        t->pool = hp_xrealloc(t->pool, t->poolcap * sizeof *t->pool);
    }
    uint32_t *k = t->pool + t->npool;
    for (size_t i = 0; i < n; i++)
        k[i] = (uint32_t)frames[i];
    uint64_t h = pf_stack_hash(k, n, block);
    if ((t->nst + 1) * 2 > t->shcap)
        pf_stack_grow(t);
    size_t j = (size_t)h & (t->shcap - 1);
    while (t->sh[j]) {
        pf_skey *s = &t->st[t->sh[j] - 1];
        if (s->hash == h && s->n == n && s->block == block
            && memcmp(t->pool + s->off, k, n * sizeof *k) == 0) {
            if (s->allocs > PF_MAX_COUNT - allocs || s->bytes > PF_MAX_COUNT - bytes)
                return pf_fail(c, "damaged profile: the counts of one stack add up beyond 2^53");
            s->allocs += allocs;
            s->bytes += bytes;
            return 0;
        }
        j = (j + 1) & (t->shcap - 1);
    }
    pf_skey *s = HP_PUSH(t->st, t->nst, t->stcap);
    s->off = t->npool;
    s->n = n;
    s->block = block;
    s->allocs = allocs;
    s->bytes = bytes;
    s->hash = h;
    t->npool += n;
    t->sh[j] = t->nst;
    return 0;
}

size_t pf_intern_stacks(const pf_intern *t)
{
    return t->nst;
}

int pf_intern_emit(pf_ctx *c, pf_intern *t)
{
    size_t *fr = NULL, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < t->nst && rc == 0; i++) {
        pf_skey *s = &t->st[i];
        if (s->n > cap) {
            cap = s->n;
            fr = hp_xrealloc(fr, cap * sizeof *fr);
        }
        for (size_t q = 0; q < s->n; q++)
            fr[q] = t->pool[s->off + q];
        rc = pf_stack(c, fr, s->n, s->allocs, s->bytes, s->block, NULL, 0);
    }
    free(fr);
    return rc;
}

int pf_parse_count(const char *s, size_t n, int64_t *out)
{
    if (n == 0)
        return -1;
    int base = 10;
    size_t i = 0;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    int64_t v = 0;
    for (; i < n; i++) {
        int d;
        char ch = s[i];
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if (base == 16 && ch >= 'a' && ch <= 'f')
            d = ch - 'a' + 10;
        else if (base == 16 && ch >= 'A' && ch <= 'F')
            d = ch - 'A' + 10;
        else
            return -1;
        if (v > (PF_MAX_COUNT - d) / base)
            return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}
