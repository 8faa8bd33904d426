/*
** pf_int.h -- what the profile readers and the matching core share
** (internal to `holeprof profile`; the command's contract is profile.h).
**
** Contract: a reader (pf_dhat.c, pf_heaptrack.c, pf_pprof.c, pf_perf.c,
** pf_gperf.c, pf_kernel.c) streams one file format and reports, in this
** order,
**   1. every frame the profile names: pf_add_frame() (an address, the
**      text a summary prints, and when the format says so the function
**      and the object; a frame known only as symbol+offset (the kernel's
**      call_site) or as file:line (/proc/allocinfo) has no address and
**      says so in has_symoff or src_file), plus what the profile says it
**      was recorded from
**      (c->cmd, c->recorded_from, c->build_ids);
**   2. pf_ready(): the core loads the database's sites, solves the binary
**      and load bias from the frames, and refuses a profile of another
**      program (one line, exit 2, before anything is written);
**   3. every allocation stack with its counts: pf_stack() for a stack
**      given as an array of frame indices (innermost first), or, for a
**      format whose stacks form a tree (heaptrack), pf_attr_push() to
**      extend the attribution of a parent node by one frame and
**      pf_count() to count a node's allocations.
** The core attributes each stack to a site (profile.c) and keeps only
** per-site and per-reason sums, so memory is the frames, the sites and
** whatever a reader needs to walk its stacks -- never the file's size
** times its depth.  Every reader bounds what it keeps and refuses a file
** beyond a bound with one line that names the bound (PF_LIMIT_*).
*/
#ifndef PF_INT_H
#define PF_INT_H

#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>
#include "hp.h"

#define PF_MAX_CALL   15                /* longest x86-64 instruction */
#define PF_MAX_COUNT  ((int64_t)1 << 53)
#define PF_MAX_ACC    (1 << 20)         /* bytes of one acc array (DHAT: 1 KiB) */
#define PF_MAX_TEXT   1024              /* bytes of a frame's text kept */
#define PF_LIMIT_FRAMES ((size_t)1 << 24)   /* distinct frames (and trace nodes) */
#define PF_LIMIT_LINE ((size_t)1 << 20)     /* one heaptrack line, one JSON string */
#define PF_LIMIT_STACK ((size_t)1 << 20)    /* frames of one stack */
#define PF_LIMIT_MESSAGE ((size_t)64 << 20) /* one pprof message (a sample, a location) */
#define PF_INFLATE_RATIO 200            /* inflated bytes per compressed byte ... */
#define PF_INFLATE_MIN ((uint64_t)256 << 20) /* ... at least this much is allowed */

typedef struct pf_frame {
    uint64_t addr;
    int has_addr;
    char *text;        /* for summaries: "0x1091E7: main (p.c:9)" */
    char *func;        /* the function the profile names there, or NULL */
    const char *module;/* the object's path when the format names it, else NULL */
    int is_alloc;      /* the allocator's own frame (DHAT's malloc in vgpreload) */
    int has_symoff;    /* no address yet: func + symoff, resolved by pf_ready from
                          the binary's symbol table (a link address) */
    uint64_t symoff;
    char *src_file;    /* no address: the allocation's source file:line */
    int64_t src_line;
    int file_off;      /* addr is an offset into module's file (perf script prints
                          user-space frames so); pf_ready makes it the link address
                          through that binary's sections */
    int module_guessed;/* module is the caller frame's object, not the profile's
                          word (perf printed an inline chain without its real
                          frame): the frame counts only where its function
                          agrees with the site it lands on */
} pf_frame;

struct pf_site;
struct pf_bin;

/* The attribution of a stack, built from its outermost frame inwards. */
#define PF_TYPED_MAX 4
typedef struct pf_attr {
    struct pf_site *chosen;   /* innermost site outside a wrapper */
    struct pf_site *first;    /* innermost site at all */
    struct pf_site *typed[PF_TYPED_MAX]; /* typed sites further out than chosen, innermost first */
    int ntyped;
    size_t where, where2;     /* innermost frames that are not the allocator's (+1; 0 none) */
    int pymalloc;             /* a frame of CPython's small-object allocator */
    int twin;                 /* chosen through its indirect twin's frame (profile.c) */
} pf_attr;

typedef struct pf_ctx pf_ctx;

/* Reader side. */
pf_frame *pf_add_frame(pf_ctx *c);
int pf_ready(pf_ctx *c);
/* frames: indices into the frame table, innermost first.  block: the
** exact size of every block of the stack when the format knows it, else 0.
** acc/nacc: DHAT's per-byte access counts of one block (nacc bytes), or NULL. */
int pf_stack(pf_ctx *c, const size_t *frames, size_t n, int64_t allocs, int64_t bytes,
             int64_t block, const int64_t *acc, size_t nacc);
void pf_attr_push(pf_ctx *c, const pf_attr *outer, size_t frame, pf_attr *out);
int pf_count(pf_ctx *c, const pf_attr *a, int64_t allocs, int64_t bytes, int64_t block,
             const int64_t *acc, size_t nacc);
/* A reader's string table, freed; frames stop pointing into it. */
void pf_free_strings(pf_ctx *c, char **strs, size_t n);
/* One line into c->err naming the file; returns -1. */
int pf_fail(pf_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A bounded line reader over a FILE (pf_heaptrack.c): the next line
** without its newline, NUL-terminated, in *line; 1 at the end, -1 when a
** line is longer than PF_LIMIT_LINE or reading failed (ferror tells).
** partial: the last line returned had no newline (a truncated file). */
typedef struct pf_lines {
    FILE *f;
    char *buf;
    size_t pos, len, cap;
    int eof;
    int partial;
} pf_lines;
int pf_next_line(pf_lines *r, char **line, size_t *n);

/* Frames and stacks interned by value (pf_stacks.c), for the text
** formats that repeat every stack per sample: memory is the distinct
** frames and the distinct (stack, block size) pairs, each bounded.
** pf_intern_frame gives the index of a frame equal to the one described
** (adding it); module and sym are copied.  pf_intern_stack counts allocs
** blocks of `bytes` in all (block: their common size, 0 unknown) on a
** stack of frame indices, innermost first.  pf_intern_emit hands every
** distinct stack to pf_stack() once (after pf_ready). */
typedef struct pf_intern pf_intern;
pf_intern *pf_intern_new(void);
void pf_intern_free(pf_ctx *c, pf_intern *t);
int pf_intern_frame(pf_ctx *c, pf_intern *t, uint64_t addr, int has_addr, const char *module,
                    const char *sym, int is_alloc, size_t *out);
int pf_intern_stack(pf_ctx *c, pf_intern *t, const size_t *frames, size_t n, int64_t block,
                    int64_t allocs, int64_t bytes);
int pf_intern_emit(pf_ctx *c, pf_intern *t);
size_t pf_intern_stacks(const pf_intern *t);

/* Parse a decimal or 0x-hex count into *out (0 .. PF_MAX_COUNT); -1 on
** anything else, an overflow included. */
int pf_parse_count(const char *s, size_t n, int64_t *out);

/* Where code addresses of a binary lie in the source, from its own DWARF
** (pf_where.c): for each w[i].pc (a link address inside a call), the
** outermost caller's file:line as the sites table gives it, the containing
** subprogram, and the innermost inlined function with its call's
** file:line; found = 0 when the DWARF does not say (or the binary, or its
** debug file, is gone or another build); indirect: the instruction that
** ends at pc + 1 or pc + 2 (pc being a profile's return address - 1 or
** - 2) is a call through a register or memory.  The strings live until
** pf_where_free(). */
typedef struct pf_where {
    uint64_t pc;
    int found, indirect;
    const char *file, *subprogram, *inlined, *inlined_file;
    uint32_t line, inlined_line;
} pf_where;
typedef struct pf_where_db pf_where_db;
pf_where_db *pf_where_lookup(const char *binary, const char *build_id, const char *debug_file,
                             pf_where *w, size_t n);
void pf_where_free(pf_where_db *d);
/* Does a call instruction (direct or not) end at link address ret of img
** (x86-64, AArch64)?  What a return address of this build is. */
struct ei_image;
int pf_call_ends_at(struct ei_image *img, uint64_t ret);

/* A dedicated kmem_cache as /proc/slabinfo lists it (pf_kernel.c). */
typedef struct pf_cache {
    char *name;
    int64_t active, total, objsize, perslab, pagesperslab;
    int64_t type_id;         /* set by pf_ready: the struct it holds, 0 none */
    int64_t kmem_cache_id;   /* the kmem_caches row of that name, 0 none */
    const char *why;         /* how type_id was decided, or why not */
} pf_cache;

/* The readers. */
int pf_read_dhat(pf_ctx *c, FILE *f);
int pf_read_perf(pf_ctx *c, FILE *f);      /* `perf script` text */
int pf_perf_header(const char *line);      /* a line names GROUP:EVENT: (sniffing) */
int pf_read_gperf(pf_ctx *c, FILE *f);     /* gperftools heap profile text */
int pf_read_slabinfo(pf_ctx *c, FILE *f);  /* /proc/slabinfo */
int pf_read_allocinfo(pf_ctx *c, FILE *f); /* /proc/allocinfo */
int pf_read_heaptrack(pf_ctx *c, int how);   /* how: 0 plain, 1 gzip, 2 zstd */
int pf_read_pprof(pf_ctx *c, int gzipped);

struct pf_ctx {
    /* set by the driver */
    const char *file, *dbpath;
    hp_err *err;
    sqlite3 *db;
    const char *source;      /* "dhat", "heaptrack", "pprof", "perf", "gperftools",
                                "slabinfo", "allocinfo" */
    uint64_t file_size;      /* compressed size, for the inflate bound */
    /* filled by the reader */
    pf_frame *fr;
    size_t nfr, frcap;
    char *cmd;               /* the profiled command line */
    char *recorded_from;     /* the program it names (argv[0], main mapping) */
    char **build_ids;        /* build-ids the profile records (pprof mappings) */
    size_t nbuild_ids, bidcap;
    pf_cache *caches;        /* slabinfo: the caches, written to slab_caches */
    size_t ncaches, cachecap;
    int kernel;              /* recorded from the kernel: match a kernel binary */
    int sampled;             /* the counts are estimates from sampling */
    int64_t lost;            /* perf: samples it says it lost (PERF_RECORD_LOST) */
    int64_t header_allocs, header_bytes; /* gperftools: all allocations its header
                                counts (the stacks may list fewer: cut), 0 none */
    /* the core's state (profile.c) */
    void *core;
};

#endif
