/*
** sites/catalogue.c -- the allocators holeprof knows by name, and which
** allocator a symbol name is.
**
** Contract: the built-in catalogue (C, CPython's object allocators, C++
** operator new and any class's own operator new / new[] by its mangled
** name, Go runtime, Rust,
** glib, jemalloc, tcmalloc, mimalloc, the Linux kernel) with each entry's
** argument positions and flags; matching of a symbol name against it and
** against user declarations (--alloc, --alloc-config; they win), "@plt"
** and symbol versions stripped, Rust names in legacy and v0 mangling; the
** parsing of user declarations (si_parse_alloc, si_read_config, sites.h).
*/
#include "sites/internal.h"

#include <ctype.h>
#include <errno.h>

typedef struct cat_entry {
    const char *name;
    int8_t size, count, type, type2, out, cache;
    uint8_t family, flags;
} cat_entry;

#define N -1
static const cat_entry catalogue[] = {
    /* C */
    { "malloc", 0, N, N, N, N, N, FAM_C, 0 },
    { "calloc", 1, 0, N, N, N, N, FAM_C, 0 },
    { "realloc", 1, N, N, N, N, N, FAM_C, AF_REALLOC },
    { "reallocarray", 2, 1, N, N, N, N, FAM_C, AF_REALLOC },
    { "aligned_alloc", 1, N, N, N, N, N, FAM_C, 0 },
    { "memalign", 1, N, N, N, N, N, FAM_C, 0 },
    { "posix_memalign", 2, N, N, N, 0, N, FAM_C, 0 },
    { "valloc", 0, N, N, N, N, N, FAM_C, 0 },
    { "pvalloc", 0, N, N, N, N, N, FAM_C, 0 },
    { "__libc_malloc", 0, N, N, N, N, N, FAM_C, 0 },
    { "__libc_calloc", 1, 0, N, N, N, N, FAM_C, 0 },
    { "__libc_realloc", 1, N, N, N, N, N, FAM_C, AF_REALLOC },
    { "__libc_memalign", 1, N, N, N, N, N, FAM_C, 0 },
    /* CPython: objects allocated from their type object (argument 0):
    ** the size is its tp_basicsize (+ nitems * tp_itemsize, nitems in
    ** the type2 position), read from the static type in the file */
    { "_PyObject_New", N, N, 0, N, N, N, FAM_C, AF_PYTYPE },
    { "_PyObject_GC_New", N, N, 0, N, N, N, FAM_C, AF_PYTYPE },
    { "_PyObject_NewVar", N, N, 0, 1, N, N, FAM_C, AF_PYTYPE },
    { "_PyObject_GC_NewVar", N, N, 0, 1, N, N, FAM_C, AF_PYTYPE },
    /* C++ operator new, Itanium ABI (x86-64: size_t is unsigned long) */
    { "_Znwm", 0, N, N, N, N, N, FAM_CXX, 0 },
    { "_Znam", 0, N, N, N, N, N, FAM_CXX, AF_ARRAY },
    { "_ZnwmRKSt9nothrow_t", 0, N, N, N, N, N, FAM_CXX, 0 },
    { "_ZnamRKSt9nothrow_t", 0, N, N, N, N, N, FAM_CXX, AF_ARRAY },
    { "_ZnwmSt11align_val_t", 0, N, N, N, N, N, FAM_CXX, 0 },
    { "_ZnamSt11align_val_t", 0, N, N, N, N, N, FAM_CXX, AF_ARRAY },
    { "_ZnwmSt11align_val_tRKSt9nothrow_t", 0, N, N, N, N, N, FAM_CXX, 0 },
    { "_ZnamSt11align_val_tRKSt9nothrow_t", 0, N, N, N, N, N, FAM_CXX, AF_ARRAY },
    /* Go runtime (register ABI: rax rbx rcx rdi rsi ...) */
    { "runtime.newobject", N, N, 0, N, N, N, FAM_GO, AF_GO_ABI },
    { "runtime.makeslice", N, 1, 0, N, N, N, FAM_GO, AF_GO_ABI | AF_ARRAY },
    { "runtime.makeslicecopy", N, 1, 0, N, N, N, FAM_GO, AF_GO_ABI | AF_ARRAY },
    { "runtime.newarray", N, 1, 0, N, N, N, FAM_GO, AF_GO_ABI | AF_ARRAY },
    { "runtime.mallocgc", 0, N, 1, N, N, N, FAM_GO, AF_GO_ABI },
    /* growslice: Go <= 1.19 (et, old, cap) has the type first; Go >= 1.20
    ** (oldPtr, newLen, oldCap, num, et) last: whichever holds a type */
    { "runtime.growslice", N, N, 0, 4, N, N, FAM_GO, AF_GO_ABI | AF_ARRAY | AF_REALLOC },
    { "runtime.convT", N, N, 0, N, N, N, FAM_GO, AF_GO_ABI },
    { "runtime.convTnoptr", N, N, 0, N, N, N, FAM_GO, AF_GO_ABI },
    /* Rust (legacy and v0 mangled forms are matched too) */
    { "__rust_alloc", 0, N, N, N, N, N, FAM_RUST, AF_MANGLED },
    { "__rust_alloc_zeroed", 0, N, N, N, N, N, FAM_RUST, AF_MANGLED },
    { "__rust_realloc", 3, N, N, N, N, N, FAM_RUST, AF_MANGLED | AF_REALLOC },
    { "exchange_malloc", 0, N, N, N, N, N, FAM_RUST, AF_MANGLED },
    /* glib */
    { "g_malloc", 0, N, N, N, N, N, FAM_GLIB, 0 },
    { "g_malloc0", 0, N, N, N, N, N, FAM_GLIB, 0 },
    { "g_malloc_n", 1, 0, N, N, N, N, FAM_GLIB, 0 },
    { "g_malloc0_n", 1, 0, N, N, N, N, FAM_GLIB, 0 },
    { "g_try_malloc", 0, N, N, N, N, N, FAM_GLIB, 0 },
    { "g_try_malloc0", 0, N, N, N, N, N, FAM_GLIB, 0 },
    { "g_try_malloc_n", 1, 0, N, N, N, N, FAM_GLIB, 0 },
    { "g_try_malloc0_n", 1, 0, N, N, N, N, FAM_GLIB, 0 },
    { "g_realloc", 1, N, N, N, N, N, FAM_GLIB, AF_REALLOC },
    { "g_try_realloc", 1, N, N, N, N, N, FAM_GLIB, AF_REALLOC },
    { "g_realloc_n", 2, 1, N, N, N, N, FAM_GLIB, AF_REALLOC },
    { "g_slice_alloc", 0, N, N, N, N, N, FAM_GLIB, 0 },
    { "g_slice_alloc0", 0, N, N, N, N, N, FAM_GLIB, 0 },
    /* jemalloc */
    { "mallocx", 0, N, N, N, N, N, FAM_JEMALLOC, 0 },
    { "rallocx", 1, N, N, N, N, N, FAM_JEMALLOC, AF_REALLOC },
    { "je_malloc", 0, N, N, N, N, N, FAM_JEMALLOC, 0 },
    { "je_calloc", 1, 0, N, N, N, N, FAM_JEMALLOC, 0 },
    { "je_realloc", 1, N, N, N, N, N, FAM_JEMALLOC, AF_REALLOC },
    { "je_aligned_alloc", 1, N, N, N, N, N, FAM_JEMALLOC, 0 },
    { "je_posix_memalign", 2, N, N, N, 0, N, FAM_JEMALLOC, 0 },
    { "je_mallocx", 0, N, N, N, N, N, FAM_JEMALLOC, 0 },
    { "je_rallocx", 1, N, N, N, N, N, FAM_JEMALLOC, AF_REALLOC },
    /* tcmalloc */
    { "tc_malloc", 0, N, N, N, N, N, FAM_TCMALLOC, 0 },
    { "tc_calloc", 1, 0, N, N, N, N, FAM_TCMALLOC, 0 },
    { "tc_realloc", 1, N, N, N, N, N, FAM_TCMALLOC, AF_REALLOC },
    { "tc_memalign", 1, N, N, N, N, N, FAM_TCMALLOC, 0 },
    { "tc_posix_memalign", 2, N, N, N, 0, N, FAM_TCMALLOC, 0 },
    { "tc_new", 0, N, N, N, N, N, FAM_TCMALLOC, 0 },
    { "tc_newarray", 0, N, N, N, N, N, FAM_TCMALLOC, AF_ARRAY },
    { "tc_new_nothrow", 0, N, N, N, N, N, FAM_TCMALLOC, 0 },
    { "tc_newarray_nothrow", 0, N, N, N, N, N, FAM_TCMALLOC, AF_ARRAY },
    { "tc_malloc_skip_new_handler", 0, N, N, N, N, N, FAM_TCMALLOC, 0 },
    /* mimalloc */
    { "mi_malloc", 0, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_zalloc", 0, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_calloc", 1, 0, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_mallocn", 1, 0, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_realloc", 1, N, N, N, N, N, FAM_MIMALLOC, AF_REALLOC },
    { "mi_reallocn", 2, 1, N, N, N, N, FAM_MIMALLOC, AF_REALLOC },
    { "mi_malloc_small", 0, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_zalloc_small", 0, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_malloc_aligned", 0, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_zalloc_aligned", 0, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_calloc_aligned", 1, 0, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_new", 0, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_new_n", 1, 0, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_new_aligned", 0, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_new_nothrow", 0, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_heap_malloc", 1, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_heap_zalloc", 1, N, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_heap_calloc", 2, 1, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_heap_mallocn", 2, 1, N, N, N, N, FAM_MIMALLOC, 0 },
    { "mi_heap_malloc_small", 1, N, N, N, N, N, FAM_MIMALLOC, 0 },
    /* Linux kernel (6.x: constant-size kmalloc inlines to kmalloc_trace) */
    { "kmalloc", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kzalloc", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__kmalloc", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kmalloc_array", 1, 0, N, N, N, N, FAM_KERNEL, 0 },
    { "kcalloc", 1, 0, N, N, N, N, FAM_KERNEL, 0 },
    { "kmalloc_node", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kzalloc_node", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__kmalloc_node", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__kmalloc_node_track_caller", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kmalloc_trace", 2, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kmalloc_node_trace", 3, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kmalloc_large", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kmalloc_large_node", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "krealloc", 1, N, N, N, N, N, FAM_KERNEL, AF_REALLOC },
    { "kvmalloc", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kvzalloc", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kvmalloc_node", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kvcalloc", 1, 0, N, N, N, N, FAM_KERNEL, 0 },
    { "kvmalloc_array", 1, 0, N, N, N, N, FAM_KERNEL, 0 },
    { "vmalloc", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "vzalloc", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "devm_kmalloc", 1, N, N, N, N, N, FAM_KERNEL, 0 },
    { "devm_kzalloc", 1, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kmem_cache_alloc", N, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_ALLOC },
    { "kmem_cache_zalloc", N, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_ALLOC },
    { "kmem_cache_alloc_node", N, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_ALLOC },
    { "kmem_cache_alloc_lru", N, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_ALLOC },
    /* Linux 6.10 and later (memory allocation profiling): the entry points
    ** are NAME_noprof, the alloc_hooks() macros of the old names wrap them;
    ** constant-size kmalloc inlines to __kmalloc_cache_noprof(cache, flags,
    ** size) with the kmalloc cache of the size's class.  With
    ** CONFIG_SLAB_BUCKETS the size is still argument 0 (the buckets follow) */
    { "__kmalloc_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__kmalloc_node_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__kmalloc_node_track_caller_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__kmalloc_cache_noprof", 2, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__kmalloc_cache_node_noprof", 3, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__kmalloc_large_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__kmalloc_large_node_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kmalloc_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kmalloc_node_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kzalloc_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kmalloc_array_noprof", 1, 0, N, N, N, N, FAM_KERNEL, 0 },
    { "kcalloc_noprof", 1, 0, N, N, N, N, FAM_KERNEL, 0 },
    { "krealloc_noprof", 1, N, N, N, N, N, FAM_KERNEL, AF_REALLOC },
    { "__kvmalloc_node_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kvmalloc_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kvzalloc_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "kvmalloc_node_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "vmalloc_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "vzalloc_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__vmalloc_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "vmalloc_node_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "vzalloc_node_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "vmalloc_huge_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "vmalloc_user_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "__vmalloc_node_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "vmalloc_array_noprof", 1, 0, N, N, N, N, FAM_KERNEL, 0 },
    { "__vmalloc_array_noprof", 1, 0, N, N, N, N, FAM_KERNEL, 0 },
    { "vcalloc_noprof", 1, 0, N, N, N, N, FAM_KERNEL, 0 },
    { "__vcalloc_noprof", 1, 0, N, N, N, N, FAM_KERNEL, 0 },
    { "vmalloc_32_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "vmalloc_32_user_noprof", 0, N, N, N, N, N, FAM_KERNEL, 0 },
    { "vrealloc_noprof", 1, N, N, N, N, N, FAM_KERNEL, AF_REALLOC },
    { "kvrealloc_noprof", 1, N, N, N, N, N, FAM_KERNEL, AF_REALLOC },
    { "kmem_cache_alloc_noprof", N, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_ALLOC },
    { "kmem_cache_alloc_node_noprof", N, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_ALLOC },
    { "kmem_cache_alloc_lru_noprof", N, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_ALLOC },
    /* not allocations: they tell which size a cache hands out; the cache
    ** (name) argument is 0, the size 1 */
    { "kmem_cache_create", 1, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_CREATE },
    { "kmem_cache_create_usercopy", 1, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_CREATE },
    { "__kmem_cache_create_args", 1, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_CREATE },
};
#undef N
#define NCAT (sizeof catalogue / sizeof catalogue[0])

/* Length of name without "@plt" or a symbol version ("@GLIBC_2.2.5"). */
size_t si_base_len(const char *name)
{
    const char *at = strchr(name, '@');
    return at ? (size_t)(at - name) : strlen(name);
}

static int name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(name, want, len) == 0;
}

/* Rust: legacy "_ZN...<len><ident>17h<hash>E" or v0 "_R...<len><ident>". */
static int rust_mangled(const char *name, size_t len, const char *ident)
{
    char tag[80];
    int t = snprintf(tag, sizeof tag, "%zu%s", strlen(ident), ident);
    if (t <= 0 || (size_t)t >= sizeof tag)
        return 0;
    size_t tl = (size_t)t;
    if (len > 2 && name[0] == '_' && name[1] == 'R') {
        /* v0 puts a '_' between the length and an identifier that starts
        ** with '_' or a digit: "12___rust_alloc" for "__rust_alloc" */
        char tag2[84];
        int t2 = snprintf(tag2, sizeof tag2, "%zu_%s", strlen(ident), ident);
        if (t2 > 0 && (size_t)t2 < sizeof tag2 && len > (size_t)t2 &&
            memcmp(name + len - (size_t)t2, tag2, (size_t)t2) == 0)
            return 1;
        return len > tl && memcmp(name + len - tl, tag, tl) == 0;
    }
    if (len > 3 && memcmp(name, "_ZN", 3) == 0 && name[len - 1] == 'E') {
        /* the ident is the last path component before the hash */
        if (len < tl + 3 + 20)
            return 0;
        const char *p = name + len - 1 - 19;   /* "17h" + 16 hex digits, then "E" */
        if (memcmp(p, "17h", 3) != 0)
            return 0;
        return p - name >= (ptrdiff_t)tl && memcmp(p - tl, tag, tl) == 0;
    }
    return 0;
}

/* The catalogue's entries by first letter, in catalogue order: every
** symbol of the binary is matched, and most share no letter with any. */
static uint8_t cat_by_first[256][48];
static uint8_t cat_nfirst[256];
static pthread_once_t cat_once = PTHREAD_ONCE_INIT;

static void cat_index(void)
{
    _Static_assert(NCAT < 256, "catalogue indexes are bytes");
    for (size_t i = 0; i < NCAT; i++) {
        uint8_t f = (uint8_t)catalogue[i].name[0];
        if (cat_nfirst[f] < 48)
            cat_by_first[f][cat_nfirst[f]] = (uint8_t)i;
        cat_nfirst[f]++;
    }
}

int si_cat_match(const char *name)
{
    size_t len = si_base_len(name);
    if (len == 0)
        return -1;
    /* mangled Rust names are tried only when they can be one */
    int mangled = name[0] == '_' && (name[1] == 'R' || (name[1] == 'Z' && name[2] == 'N')) &&
                  (strstr(name, "rust_") || strstr(name, "exchange_malloc"));
    pthread_once(&cat_once, cat_index);
    uint8_t f = (uint8_t)name[0];
    if (!mangled && cat_nfirst[f] <= 48) {
        for (unsigned k = 0; k < cat_nfirst[f]; k++)
            if (name_is(name, len, catalogue[cat_by_first[f][k]].name))
                return cat_by_first[f][k];
        return -1;
    }
    for (size_t i = 0; i < NCAT; i++) {
        const cat_entry *c = &catalogue[i];
        if (c->name[0] == name[0] && name_is(name, len, c->name))
            return (int)i;
        if (mangled && (c->flags & AF_MANGLED) && rust_mangled(name, len, c->name))
            return (int)i;
    }
    return -1;
}

int si_parse_alloc(const char *spec, si_user_alloc *out, hp_err *err)
{
    memset(out, 0, sizeof *out);
    out->count_arg = -1;
    const char *c1 = strchr(spec, ':');
    if (c1 == NULL || c1 == spec)
        return hp_errf(err, NULL, "--alloc wants NAME:SIZEARG[:COUNTARG], not '%s'", spec);
    const char *p = c1 + 1;
    char *end;
    errno = 0;
    long sz = strtol(p, &end, 10);
    if (end == p || errno || sz < 0 || sz > 8 || (*end != '\0' && *end != ':'))
        return hp_errf(err, NULL, "--alloc '%s': SIZEARG must be an argument position 0..8", spec);
    long cnt = -1;
    if (*end == ':') {
        p = end + 1;
        errno = 0;
        cnt = strtol(p, &end, 10);
        if (end == p || errno || cnt < 0 || cnt > 8 || *end != '\0' || cnt == sz)
            return hp_errf(err, NULL, "--alloc '%s': COUNTARG must be another argument "
                           "position 0..8", spec);
    }
    if ((size_t)(c1 - spec) > HP_MAX_NAME)
        return hp_errf(err, NULL, "--alloc: name too long");
    out->name = hp_xstrndup(spec, (size_t)(c1 - spec));
    out->size_arg = (int)sz;
    out->count_arg = (int)cnt;
    return 0;
}

/* An --alloc-config file is a short list someone wrote: at most
** SI_MAX_CONFIG bytes (so /dev/zero or a huge file is refused at once
** instead of read forever), no NUL bytes, lines of any length (a long
** comment stays a comment), and a declaration at most SI_MAX_DECL bytes. */
#define SI_MAX_CONFIG (1u << 20)
#define SI_MAX_DECL   4096

int si_read_config(const char *path, si_user_alloc **v, size_t *n, hp_err *err)
{
    size_t len = 0;
    char *text = hp_read_file(path, SI_MAX_CONFIG, "allocator config", &len, err);
    if (text == NULL)
        return -1;
    if (memchr(text, '\0', len) != NULL) {
        free(text);
        return hp_errf(err, path, "not a text file (contains NUL bytes)");
    }
    unsigned lineno = 0;
    size_t cap = *n;
    int status = 0;
    for (char *line = text, *next; line != NULL && *line != '\0' && status == 0; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *h = strchr(line, '#');
        if (h)
            *h = '\0';
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        char *e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
            *--e = '\0';
        if (*s == '\0')
            continue;
        if ((size_t)(e - s) > SI_MAX_DECL) {
            status = hp_errf(err, path, "line %u: declaration longer than %u bytes", lineno,
                             SI_MAX_DECL);
            break;
        }
        si_user_alloc ua;
        hp_err e2 = {0};
        if (si_parse_alloc(s, &ua, &e2) != 0) {
            status = hp_errf(err, path, "line %u: %s", lineno, e2.msg);
            break;
        }
        si_user_alloc *p = HP_PUSH(*v, *n, cap);
        *p = ua;
    }
    free(text);
    return status;
}

int32_t si_new_alloc(si_ctx *x, const char *name, size_t len, uint64_t addr)
{
    alloc *a = HP_PUSH(x->allocs, x->nallocs, x->alloccap);
    memset(a, 0, sizeof *a);
    a->name = hp_xstrndup(name, len);
    a->addr = addr;
    a->wraps = -1;
    a->size = a->count = a->type = a->type2 = a->out = a->cache = -1;
    return (int32_t)(x->nallocs - 1);
}

static void set_from_cat(alloc *a, const cat_entry *c)
{
    a->size = c->size;
    a->count = c->count;
    a->type = c->type;
    a->type2 = c->type2;
    a->out = c->out;
    a->cache = c->cache;
    a->family = c->family;
    a->flags = c->flags;
    a->origin = O_BUILTIN;
}

const si_user_alloc *si_user_match(const si_user_alloc *u, size_t nu, const char *name)
{
    size_t len = si_base_len(name);
    for (size_t i = 0; i < nu; i++)
        if (name_is(name, len, u[i].name))
            return &u[i];
    return NULL;
}

/* Which allocator (catalogue or user) a symbol name is, as a new entry
** at addr; -1 if none.  User declarations override the catalogue. */
int32_t si_alloc_for_name(si_ctx *x, const char *name, uint64_t addr,
                              const si_user_alloc *u, size_t nu, const uint8_t *u_origin)
{
    const si_user_alloc *ua = si_user_match(u, nu, name);
    int ci = ua ? -1 : si_cat_match(name);
    int cn = ua || ci >= 0 ? 0 : si_class_new(name);
    if (cn) {
        /* T::operator new(size_t): an allocator of its own (a pool or
        ** malloc, whatever its body does), of T when the size is T's */
        int32_t k = si_new_alloc(x, name, si_base_len(name), addr);
        alloc *a = &x->allocs[k];
        a->size = 0;
        a->family = FAM_CXX;
        a->flags = AF_CLASS_NEW | (cn == 2 ? AF_ARRAY : 0);
        a->origin = O_BUILTIN;
        return k;
    }
    if (!ua && ci < 0)
        return -1;
    /* a catalogue entry goes by its own name (Rust's mangled symbols too) */
    const char *nm = ua ? name : catalogue[ci].name;
    int32_t k = si_new_alloc(x, nm, ua ? si_base_len(name) : strlen(nm), addr);
    alloc *a = &x->allocs[k];
    if (ua) {
        a->size = (int8_t)ua->size_arg;
        a->count = (int8_t)ua->count_arg;
        a->family = FAM_USER;
        a->origin = u_origin[ua - u];
        if (x->go_binary && strchr(name, '.'))
            a->flags |= AF_GO_ABI;
    } else {
        set_from_cat(a, &catalogue[ci]);
    }
    return k;
}

