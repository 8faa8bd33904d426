/*
** unit_sizeclass.c -- unit tests for src/sizeclass.c: every model at its
** class boundaries (the last request of a class and the first of the
** next), its minimum and zero requests, its switch to page-sized blocks,
** and properties over every request up to 1 MiB (class >= request, never
** shrinking as the request grows, a class is its own class except for
** glibc, whose chunks include their header).
**
** Contract: a standalone program; prints "PASS name" / "FAIL name:
** expected X got Y", then "N passed, M failed"; exits 1 on any failure.
** The expected values come from the allocators' own tables (see the
** model notes in src/sizeclass.c), not from the code under test.
*/
#include "sizeclass.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int npass, nfail;

static void check(const char *what, uint64_t n, uint64_t expected, uint64_t got)
{
    if (expected == got) {
        printf("PASS %s(%" PRIu64 ")\n", what, n);
        npass++;
    } else {
        printf("FAIL %s(%" PRIu64 "): expected %" PRIu64 " got %" PRIu64 "\n",
               what, n, expected, got);
        nfail++;
    }
}

/* pairs {request, expected class} */
static void table(sc_model m, const uint64_t (*v)[2], size_t n)
{
    for (size_t i = 0; i < n; i++)
        check(sc_name(m), v[i][0], v[i][1], sc_class(m, v[i][0]));
}

#define TABLE(m, v) table(m, v, sizeof v / sizeof *v)

static void test_glibc(void)
{
    static const uint64_t v[][2] = {
        {0, 32}, {1, 32}, {24, 32}, {25, 48}, {32, 48}, {40, 48}, {41, 64},
        {56, 64}, {57, 80}, {1000, 1008}, {1016, 1024}, {1017, 1040},
        /* the last brk chunk below the 128 KiB mmap threshold, then mmap */
        {131048, 131056}, {131049, 135168}, {131072, 135168}, {135144, 135168},
        {135145, 139264},
    };
    TABLE(SC_GLIBC, v);
}

static void test_jemalloc(void)
{
    static const uint64_t v[][2] = {
        {0, 8}, {1, 8}, {8, 8}, {9, 16}, {16, 16}, {17, 32}, {32, 32}, {33, 48},
        {48, 48}, {49, 64}, {112, 112}, {113, 128}, {128, 128}, {129, 160},
        {160, 160}, {161, 192}, {224, 224}, {225, 256}, {256, 256}, {257, 320},
        {1024, 1024}, {1025, 1280}, {14336, 14336}, {14337, 16384},
        {16385, 20480}, {32768, 32768}, {32769, 40960},
    };
    TABLE(SC_JEMALLOC, v);
}

static void test_mimalloc(void)
{
    static const uint64_t v[][2] = {
        {0, 8}, {8, 8}, {9, 16}, {16, 16}, {17, 32}, {32, 32}, {33, 48}, {48, 48},
        {49, 64}, {64, 64}, {65, 80}, {80, 80}, {81, 96}, {128, 128}, {129, 160},
        {257, 320}, {131072, 131072}, {131073, 135168}, {524287, 524288},
        {524288, 524288}, {524289, 589824}, {2097153, 2359296},
    };
    TABLE(SC_MIMALLOC, v);
}

static void test_go(void)
{
    static const uint64_t v[][2] = {
        {0, 0}, {1, 8}, {8, 8}, {9, 16}, {16, 16}, {17, 24}, {24, 24}, {25, 32},
        {33, 48}, {256, 256}, {257, 288}, {1024, 1024}, {1025, 1152},
        {3073, 3200}, {6913, 8192}, {28673, 32768}, {32768, 32768},
        {32769, 40960}, {40961, 49152},
    };
    TABLE(SC_GO, v);
    /* pointer-free: the tiny allocator below 16 bytes, size classes above */
    static const uint64_t w[][2] = {
        {0, 0}, {1, 1}, {8, 8}, {12, 12}, {15, 15}, {16, 16}, {17, 24}, {33, 48},
    };
    TABLE(SC_GO_NOSCAN, w);
}

static void test_kmalloc(void)
{
    static const uint64_t v[][2] = {
        {0, 0}, {1, 8}, {8, 8}, {9, 16}, {17, 32}, {33, 64}, {64, 64}, {65, 96},
        {96, 96}, {97, 128}, {129, 192}, {192, 192}, {193, 256}, {257, 512},
        {513, 1024}, {4097, 8192}, {8192, 8192}, {8193, 16384}, {16385, 32768},
        {65537, 131072},
    };
    TABLE(SC_KMALLOC, v);
}

/* SLUB dedicated caches: orders and objects per slab as calculate_order()
** gives them for 8 CPUs (min_objects 20); /proc/slabinfo on such machines
** shows vm_area_struct 26 objects in 1 page, kmalloc-256 32 in 2 pages,
** task_struct (9792-byte slot) 3 in 8 pages. */
static void test_slab(void)
{
    static const uint64_t v[][3] = {
        {152, 0, 26}, {256, 1, 32}, {9792, 3, 3}, {64, 0, 64}, {2240, 3, 14},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        sc_slab_info si = sc_slab(v[i][0]);
        check("slab order", v[i][0], v[i][1], si.order);
        check("slab objects", v[i][0], v[i][2], si.objects);
        check("slab bytes/object", v[i][0], si.slab_bytes / si.objects,
              sc_class(SC_SLAB, v[i][0]));
    }
    check("slab 0", 0, 0, sc_slab(0).objects);
    check("slot", 100, 104, sc_slab_slot(100, 0, 0));
    check("slot hwcache", 20, 32, sc_slab_slot(20, 0, 1));
    check("slot hwcache", 100, 128, sc_slab_slot(100, 0, 1));
    check("slot align", 9790, 9792, sc_slab_slot(9790, 64, 0));
}

static void test_properties(void)
{
    for (int m = 0; m < SC_NMODELS; m++) {
        if (m == SC_SLAB)       /* per-object cost: not a size class (test_slab) */
            continue;
        int bad = 0;
        uint64_t prev = 0;
        for (uint64_t n = 1; n <= (1u << 20) && bad < 5; n++) {
            uint64_t c = sc_class((sc_model)m, n);
            /* glibc's chunk includes its header: a chunk size is not a
            ** request that fits it, so it is not its own class */
            if (c < n || c < prev || (m != SC_GLIBC && sc_class((sc_model)m, c) != c)) {
                printf("FAIL %s property at %" PRIu64 ": class %" PRIu64 " (previous %" PRIu64
                       ", class of class %" PRIu64 ")\n", sc_name((sc_model)m), n, c, prev,
                       sc_class((sc_model)m, c));
                bad++;
            }
            prev = c;
        }
        check(sc_name((sc_model)m), 1u << 20, 0, (uint64_t)bad);
        check(sc_name((sc_model)m), SC_MAX_REQUEST + 1, 0,
              sc_class((sc_model)m, SC_MAX_REQUEST + 1));
        check(sc_name((sc_model)m), UINT64_MAX, 0, sc_class((sc_model)m, UINT64_MAX));
        uint64_t big = sc_class((sc_model)m, SC_MAX_REQUEST);
        check(sc_name((sc_model)m), SC_MAX_REQUEST, 1, big >= SC_MAX_REQUEST);
        sc_model back;
        check("parse", (uint64_t)m, 0, (uint64_t)(sc_parse(sc_name((sc_model)m), &back) != 0
                                                  || back != (sc_model)m));
    }
    sc_model x;
    check("parse-unknown", 0, 1, (uint64_t)(sc_parse("tcmalloc", &x) != 0));
}

static void test_pick(void)
{
    const char *why;
    check("pick-go", 0, SC_GO, sc_pick("/tmp/prog", "Go cmd/compile go1.19.8", 0, 0, &why));
    check("pick-go-types", 0, SC_GO, sc_pick("/tmp/prog", NULL, 1, 0, &why));
    check("pick-vmlinux", 0, SC_KMALLOC, sc_pick("/boot/vmlinux-6.1.0", "GNU C11", 0, 0, &why));
    check("pick-vmlinux2", 0, SC_KMALLOC, sc_pick("vmlinux", NULL, 0, 0, &why));
    check("pick-kmalloc", 0, SC_KMALLOC, sc_pick("/x/mod.ko", NULL, 0, 1, &why));
    check("pick-c", 0, SC_GLIBC, sc_pick("/usr/bin/python3.11", "GNU C17 12.2.0", 0, 0, &why));
    check("pick-null", 0, SC_GLIBC, sc_pick(NULL, NULL, 0, 0, NULL));
    check("pick-not-vmlinux", 0, SC_GLIBC, sc_pick("/tmp/myvmlinux", NULL, 0, 0, &why));
}

int main(void)
{
    test_glibc();
    test_jemalloc();
    test_mimalloc();
    test_go();
    test_kmalloc();
    test_slab();
    test_properties();
    test_pick();
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
