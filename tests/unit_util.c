/*
** unit_util.c -- unit tests for the sorting and hashing helpers of
** src/util.c (hp.h) that the allocation-site scan leans on.
**
** hp_radix_sort must order records exactly as a comparator sort on the
** key and keep equal keys in their input order (the scan relies on that
** to sort by two keys in two passes, and symbols by address then by their
** run order): checked against insertion sort, which is stable by
** construction, on keys with many repeats, keys differing only in their
** top byte, all-equal keys, one and zero records, and records wider than
** the key.  hp_mix64 must be the 64-bit finalizer hp_hash_final always
** was (layout hashes stored in databases depend on it), checked on known
** values.
**
** Contract: a standalone program; prints "PASS name" / "FAIL name ...",
** then "N passed, M failed"; exits 1 on any failure.
*/
#include "hp.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int npass, nfail;

static void ok(const char *what, int cond)
{
    printf("%s %s\n", cond ? "PASS" : "FAIL", what);
    if (cond)
        npass++;
    else
        nfail++;
}

typedef struct rec {
    uint32_t seq;
    uint32_t pad;
    uint64_t key;
    char tail[13];
} rec;

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* stable reference: insertion sort by key */
static void ref_sort(rec *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        rec t = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1].key > t.key) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

static void case_keys(const char *name, size_t n, uint64_t (*gen)(size_t))
{
    rec *a = calloc(n + 1, sizeof *a), *b = calloc(n + 1, sizeof *b);
    for (size_t i = 0; i < n; i++) {
        a[i].seq = (uint32_t)i;
        a[i].key = gen(i);
        snprintf(a[i].tail, sizeof a[i].tail, "r%zu", i);
    }
    memcpy(b, a, n * sizeof *a);
    hp_radix_sort(a, n, sizeof *a, offsetof(rec, key));
    ref_sort(b, n);
    int same = n == 0 || memcmp(a, b, n * sizeof *a) == 0;
    char what[96];
    snprintf(what, sizeof what, "radix sort = stable sort: %s (%zu records)", name, n);
    ok(what, same);
    free(a);
    free(b);
}

static uint64_t g_repeats(size_t i) { (void)i; return rnd() % 17; }
static uint64_t g_wide(size_t i) { (void)i; return rnd(); }
static uint64_t g_top(size_t i) { (void)i; return (rnd() % 5) << 56 | 0x1234; }
static uint64_t g_equal(size_t i) { (void)i; return 42; }
static uint64_t g_desc(size_t i) { return UINT64_MAX - i; }
static uint64_t g_addr(size_t i) { (void)i; return 0xffffffff81000000ULL + (rnd() % 4096) * 16; }

int main(void)
{
    case_keys("few distinct keys", 3000, g_repeats);
    case_keys("random 64-bit keys", 3000, g_wide);
    case_keys("keys differing in the top byte", 2000, g_top);
    case_keys("all keys equal", 500, g_equal);
    case_keys("descending", 1000, g_desc);
    case_keys("kernel-like addresses", 4000, g_addr);
    case_keys("one record", 1, g_wide);
    case_keys("no record", 0, g_wide);

    /* two passes sort by (major, minor): minor first, then major */
    enum { N = 2000 };
    uint64_t (*pairs)[2] = calloc(N, sizeof *pairs);
    for (size_t i = 0; i < N; i++) {
        pairs[i][0] = rnd() % 50;       /* minor */
        pairs[i][1] = rnd() % 30;       /* major */
    }
    hp_radix_sort(pairs, N, sizeof *pairs, 0);
    hp_radix_sort(pairs, N, sizeof *pairs, sizeof(uint64_t));
    int lex = 1;
    for (size_t i = 1; i < N; i++)
        if (pairs[i - 1][1] > pairs[i][1] ||
            (pairs[i - 1][1] == pairs[i][1] && pairs[i - 1][0] > pairs[i][0]))
            lex = 0;
    ok("two stable passes give the (major, minor) order", lex);
    free(pairs);

    /* hp_mix64 is murmur3's fmix64: values from its reference code */
    ok("hp_mix64(0) = 0", hp_mix64(0) == 0);
    ok("hp_mix64(1)", hp_mix64(1) == 0xb456bcfc34c2cb2cULL);
    ok("hp_hash_final is hp_mix64", hp_hash_final(0x0123456789abcdefULL) ==
                                    hp_mix64(0x0123456789abcdefULL));

    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
