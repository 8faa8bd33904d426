/*
** sizeclass.c -- allocator models (contract in sizeclass.h).
**
** The models, as read from each allocator's source:
**
** glibc 2.36 (malloc/malloc.c, 64-bit): a request becomes a chunk of
**   max(32, (n + 8 + 15) & ~15) bytes (8 bytes of size header, 16-byte
**   alignment, 32-byte minimum; malloc(0) too).  Chunks of 128 KiB and
**   more (the default M_MMAP_THRESHOLD; the dynamic threshold that grows
**   after frees is ignored) are mmapped: chunk + 8 rounded up to a page.
** jemalloc 5 (size classes with LG_QUANTUM 4, 4 KiB pages): 8, 16, then
**   multiples of 16 up to 128, then four classes per doubling: n rounded
**   up to 2^(floor(log2(n - 1)) - 2).  Large classes (> 14 KiB) follow the
**   same progression, so one formula covers every size.  malloc(0) is 8.
** mimalloc 2.x (src/page-queue.c _mi_bin): in 8-byte words w = ceil(n/8):
**   w <= 1 -> 8 B; w <= 8 -> w rounded up to even; above, four bins per
**   doubling of w - 1, each bin's block being its largest size.  Above
**   MI_MEDIUM_OBJ_SIZE_MAX (128 KiB) blocks are sized by
**   _mi_os_good_alloc_size: rounded to 4 KiB below 512 KiB, 64 KiB below
**   2 MiB, 256 KiB below 8 MiB, 1 MiB below 32 MiB, else 4 MiB.
** Go 1.19 (runtime/sizeclasses.go): the table below up to 32 KiB, larger
**   objects in whole 8 KiB pages; size 0 is the shared zerobase (0 bytes).
**   Pointer-free objects under 16 bytes use the tiny allocator, which packs
**   them into 16-byte blocks: they cost their own size (the alignment gap
**   before one is charged to it as well; we ignore that).
** Linux kmalloc (SLUB, mm/slab_common.c kmalloc_info, 4 KiB pages): caches
**   of 8 16 32 64 96 128 192 256 512 ... 8192 bytes; above
**   KMALLOC_MAX_CACHE_SIZE (two pages) the page allocator gives a power of
**   two pages.  kmalloc(0) returns ZERO_SIZE_PTR: 0 bytes.
** Linux SLUB dedicated caches (mm/slub.c, 6.1): an object's slot is its
**   size rounded up to calculate_alignment() (sc_slab_slot; the free
**   pointer lives inside the object unless the cache has a constructor or
**   is SLAB_TYPESAFE_BY_RCU, which we do not see, and debugging is off);
**   a slab is 2^order pages, the order chosen by calculate_order(): with
**   min_objects = 4 * (fls(SC_SLAB_CPUS) + 1) (20 for 8 CPUs), capped by
**   what an order-3 slab holds, the smallest order from
**   get_order(min_objects * slot) whose leftover is at most 1/16, then
**   1/8, then 1/4 of the slab, retried with one object fewer down to 1,
**   then any leftover up to order 3, else up to order 10.  One object
**   costs slab bytes / objects.
*/
#include "sizeclass.h"

#include <string.h>

static const char *const sc_names[SC_NMODELS] = {
    "glibc", "jemalloc", "mimalloc", "go", "go-noscan", "kmalloc", "slab",
};

static const uint32_t sc_go_classes[] = {
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
    288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280,
    1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528,
    6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432,
    19072, 20480, 21760, 24576, 27264, 28672, 32768,
};

static const uint32_t sc_kmalloc_classes[] = {
    8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

const char *sc_name(sc_model m)
{
    return (unsigned)m < SC_NMODELS ? sc_names[m] : "?";
}

int sc_parse(const char *name, sc_model *out)
{
    for (int i = 0; name && i < SC_NMODELS; i++)
        if (strcmp(name, sc_names[i]) == 0) {
            *out = (sc_model)i;
            return 0;
        }
    return -1;
}

static uint64_t sc_round(uint64_t n, uint64_t a)
{
    return (n + a - 1) / a * a;
}

/* floor(log2(v)), v > 0 */
static int sc_lg(uint64_t v)
{
    int b = 0;
    while (v >>= 1)
        b++;
    return b;
}

/* Four classes per doubling: n rounded up to 2^(floor(log2(n-1)) - 2).
** Callers only use it for n > 64, so the step is at least 16. */
static uint64_t sc_quarter(uint64_t n)
{
    return sc_round(n, (uint64_t)1 << (sc_lg(n - 1) - 2));
}

static uint64_t sc_table(const uint32_t *t, size_t n, uint64_t req)
{
    for (size_t i = 0; i < n; i++)
        if (req <= t[i])
            return t[i];
    return 0;
}

uint64_t sc_class(sc_model m, uint64_t n)
{
    if (n > SC_MAX_REQUEST)
        return 0;
    switch (m) {
    case SC_GLIBC: {
        uint64_t chunk = (n + 8 + 15) & ~(uint64_t)15;
        if (chunk < 32)
            chunk = 32;
        return chunk >= 128 * 1024 ? sc_round(chunk + 8, 4096) : chunk;
    }
    case SC_JEMALLOC:
        if (n <= 8)
            return 8;
        if (n <= 128)
            return sc_round(n, 16);
        return sc_quarter(n);
    case SC_MIMALLOC: {
        if (n > 128 * 1024) {
            uint64_t a = n < 512 * 1024 ? 4096 : n < 2 * 1024 * 1024 ? 64 * 1024
                       : n < 8 * 1024 * 1024 ? 256 * 1024 : n < 32 * 1024 * 1024 ? 1024 * 1024
                       : 4 * 1024 * 1024;
            return sc_round(n, a);
        }
        uint64_t w = (n + 7) / 8;
        if (w <= 1)
            return 8;
        if (w <= 8)
            return ((w + 1) & ~(uint64_t)1) * 8;
        return sc_quarter(w * 8);
    }
    case SC_GO_NOSCAN:
        if (n < 16)
            return n;
        /* fall through */
    case SC_GO:
        if (n == 0)
            return 0;
        if (n <= 32768)
            return sc_table(sc_go_classes, sizeof sc_go_classes / sizeof *sc_go_classes, n);
        return sc_round(n, 8192);
    case SC_KMALLOC:
        if (n == 0)
            return 0;
        if (n <= 8192)
            return sc_table(sc_kmalloc_classes,
                            sizeof sc_kmalloc_classes / sizeof *sc_kmalloc_classes, n);
        {
            uint64_t p = 4096;
            while (p < n)
                p <<= 1;
            return p;
        }
    case SC_SLAB: {
        sc_slab_info si = sc_slab(n);
        return si.objects ? si.slab_bytes / si.objects : 0;
    }
    default:
        return 0;
    }
}

/* get_order(): the smallest order whose 2^order pages hold n bytes */
static unsigned sc_get_order(uint64_t n)
{
    unsigned o = 0;
    while (((uint64_t)4096 << o) < n && o < 63)
        o++;
    return o;
}

/* calc_slab_order() (slub_min_order 0) */
static unsigned sc_calc_order(uint64_t size, uint64_t min_objects, unsigned max_order,
                              uint64_t fract)
{
    unsigned order = sc_get_order(min_objects * size);
    for (; order <= max_order; order++) {
        uint64_t slab = (uint64_t)4096 << order;
        if (slab % size <= slab / fract)
            break;
    }
    return order;
}

static int sc_fls(unsigned v)
{
    int b = 0;
    while (v) {
        b++;
        v >>= 1;
    }
    return b;
}

sc_slab_info sc_slab(uint64_t n)
{
    sc_slab_info r = { 0, 0, 0 };
    if (n == 0 || n > ((uint64_t)4096 << 10))
        return r;
    const unsigned max_order = 3;      /* PAGE_ALLOC_COSTLY_ORDER */
    uint64_t min_objects = 4 * (uint64_t)(sc_fls(SC_SLAB_CPUS) + 1);
    uint64_t max_objects = ((uint64_t)4096 << max_order) / n;
    if (min_objects > max_objects)
        min_objects = max_objects;
    unsigned order = 64;
    for (; min_objects > 1 && order > max_order; min_objects--)
        for (uint64_t fract = 16; fract >= 4 && order > max_order; fract /= 2)
            order = sc_calc_order(n, min_objects, max_order, fract);
    if (order > max_order)
        order = sc_calc_order(n, 1, max_order, 1);
    if (order > max_order)
        order = sc_calc_order(n, 1, 10, 1);
    if (order > 10)
        return r;
    r.order = order;
    r.slab_bytes = (uint64_t)4096 << order;
    r.objects = r.slab_bytes / n;
    return r;
}

uint64_t sc_slab_slot(uint64_t size, uint64_t align, int hwcache)
{
    uint64_t a = align > 8 ? align : 8;    /* ARCH_SLAB_MINALIGN, sizeof(void *) */
    if (hwcache) {
        uint64_t ralign = 64;
        while (size <= ralign / 2 && ralign > 8)
            ralign /= 2;
        if (ralign > a)
            a = ralign;
    }
    return size == 0 ? 0 : sc_round(size, a);
}

static int sc_ends_with_vmlinux(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    return strcmp(b, "vmlinux") == 0 || strncmp(b, "vmlinux-", 8) == 0
           || strncmp(b, "vmlinux.", 8) == 0;
}

sc_model sc_pick(const char *path, const char *producer, int has_go_types,
                 int calls_kmalloc, const char **why)
{
    const char *dummy;
    if (why == NULL)
        why = &dummy;
    if ((producer && strncmp(producer, "Go ", 3) == 0) || has_go_types) {
        *why = "Go binary";
        return SC_GO;
    }
    if (path && sc_ends_with_vmlinux(path)) {
        *why = "Linux kernel image";
        return SC_KMALLOC;
    }
    if (calls_kmalloc) {
        *why = "calls kmalloc";
        return SC_KMALLOC;
    }
    *why = "default";
    return SC_GLIBC;
}
