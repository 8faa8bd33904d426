/*
** sizeclass.h -- allocator models: how many bytes an allocation of n
** bytes really consumes.
**
** Contract: pure functions, no I/O.  sc_class(model, n) is the size of the
** block (or chunk) the allocator hands out for a request of n bytes, on
** x86-64 with 4 KiB pages; it is >= n for every n <= SC_MAX_REQUEST and 0
** above (no model: callers store NULL).  A reordered struct saves heap
** memory only when sc_class(size) > sc_class(optimal_size).  The models,
** with the version they follow, are documented in sizeclass.c and in
** db/README.md ("Ranking"); tests/unit_sizeclass.c checks each boundary.
**
** SC_GO_NOSCAN is not a separate allocator: it is Go's allocator for a
** pointer-free object, which under 16 bytes goes to the tiny allocator.
*/
#ifndef SIZECLASS_H
#define SIZECLASS_H

#include <stdint.h>

#define SC_MAX_REQUEST ((uint64_t)1 << 48)

typedef enum sc_model {
    SC_GLIBC = 0,     /* glibc 2.36 malloc, 64-bit */
    SC_JEMALLOC,      /* jemalloc 5, 4 KiB pages, 16-byte quantum */
    SC_MIMALLOC,      /* mimalloc 2.x */
    SC_GO,            /* Go 1.19 runtime, objects with pointers */
    SC_GO_NOSCAN,     /* Go, pointer-free objects (tiny allocator < 16 B) */
    SC_KMALLOC,       /* Linux SLUB kmalloc caches, 4 KiB pages */
    SC_SLAB,          /* Linux SLUB, a dedicated kmem_cache: bytes of slab per
                         object of an n-byte slot (sc_slab) */
    SC_NMODELS
} sc_model;

/* "glibc", "jemalloc", "mimalloc", "go", "go-noscan", "kmalloc", "slab". */
const char *sc_name(sc_model m);

/* Name -> model (the names above, case-sensitive); -1 if unknown. */
int sc_parse(const char *name, sc_model *out);

/* A dedicated SLUB cache whose objects take slots of n bytes (the object
** size already rounded to the cache's alignment): the slab's page order
** as SLUB's calculate_order() picks it (for SC_SLAB_CPUS CPUs), the
** objects one slab holds, and the slab's bytes.  0 objects when n is 0 or
** beyond one order-10 slab.  sc_class(SC_SLAB, n) is slab bytes / objects,
** rounded down: what one object costs. */
#define SC_SLAB_CPUS 8
typedef struct sc_slab_info {
    unsigned order;
    uint64_t objects, slab_bytes;
} sc_slab_info;
sc_slab_info sc_slab(uint64_t n);

/* The slot SLUB gives an object of size bytes in a cache created with
** alignment align (0: none) and, when hwcache, SLAB_HWCACHE_ALIGN:
** calculate_alignment() (at least 8; with hwcache the cacheline, halved
** while the object fits in half of it), then the size rounded up to it. */
uint64_t sc_slab_slot(uint64_t size, uint64_t align, int hwcache);

/* Bytes consumed by one request of n bytes; 0 when n > SC_MAX_REQUEST. */
uint64_t sc_class(sc_model m, uint64_t n);

/* The model a binary most likely uses: Go binaries (producer "Go ..." or
** Go types) -> go, a Linux kernel image (path ending in "vmlinux" or
** "vmlinux-...", or calling kmalloc) -> kmalloc, else glibc.  why gets a
** short static explanation.  Any argument may be NULL / 0. */
sc_model sc_pick(const char *path, const char *producer, int has_go_types,
                 int calls_kmalloc, const char **why);

#endif
