/*
** sites.c -- allocation-site discovery (see sites.h for the contract and
** the meaning of every method and number).
**
** The pipeline, per binary:
**  1. Functions: symbol table of the binary, plus the debug file's when the
**     binary is stripped; PLT stubs come from ei_load_symbols ("NAME@plt");
**     GOT slots of imports from ei_got_name (-fno-plt calls).  Bodies must
**     lie in an executable section with file bytes.
**  2. Allocators: the catalogue and --alloc/--alloc-config names are
**     matched against every symbol name (aliases included, "@plt" and
**     symbol versions stripped; Rust names also in legacy and v0 mangling).
**  3. Callers: one byte scan of each body collects call/jmp/jcc targets
**     (rel32, and rel8 to a neighbouring function), calls through GOT
**     slots, and disp32 references to data words that hold a function's
**     address, giving "who may call whom" without decoding.  Only
**     functions that may reach an allocator are decoded -- most of a large
**     binary is never disassembled.
**  4. Fixed point: each candidate is decoded (capstone via disasm.h) and
**     analyzed: basic blocks, a forward data-flow of symbolic register and
**     stack-slot values (constants, incoming arguments, products, stack
**     addresses, "the pointer returned by site N", "the word at address A")
**     to a fixed point with a meet that forgets what paths disagree on.
**     A function that passes its own argument -- unchanged, met with a
**     constant on some path (if (n == 0) n = 1), or multiplied by another
**     argument -- as an allocator's size and returns its result becomes an
**     allocator itself; its callers (and functions that load a data word
**     initialised with its address, for allocator tables such as CPython's
**     _PyMem) are queued again.  Repeat until nothing changes.  Small
**     functions go first and big ones (rarely wrappers, costly) wait until
**     the small ones settle; each round's bodies are decoded in -j threads.
**  5. The last analysis of every function with sites is the final one:
**     its sites carry the argument values, the stores made through the
**     returned pointer, where the pointer was kept (every register and
**     stack slot at each later pc, for DWARF variables), the function
**     called on it (C++ constructors), whether it is returned (a taint set
**     that survives joins the values do not), and the loop depth from
**     dominators and natural loops.
**  6. DWARF (dwlines.c): lines through inline chains, call-site constant
**     arguments, variable types, Go type descriptors.
**  7. Attribution and writing (types index in memory, bound parameters).
**
** Limits, documented in db/README.md: indirect jumps other than tail calls
** through a known data word end a block (switch tables are not followed,
** so code reached only through them has no loop depth and no incoming
** values); irreducible loops are not counted; data words are read as
** initialised in the file (R_X86_64_RELATIVE addends for PIE).
*/
#include "sites.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "disasm.h"
#include "dwlines.h"
#include "report.h"
#include "store.h"
#include "typeset.h"

#ifndef SHT_PROGBITS
#define SHT_PROGBITS 1
#define SHT_RELA     4
#define SHT_NOBITS   8
#endif
#ifndef SHF_ALLOC
#define SHF_ALLOC     0x2
#define SHF_EXECINSTR 0x4
#endif
#define ST_FUNC  2
#define ST_IFUNC 10
#define EM_X86_64_ 62
#define R_X86_64_RELATIVE_ 8

/* ------------------------------------------------------------------ */
/* Allocator catalogue                                                 */
/* ------------------------------------------------------------------ */

enum { FAM_C = 0, FAM_CXX, FAM_GO, FAM_RUST, FAM_GLIB, FAM_JEMALLOC, FAM_TCMALLOC,
       FAM_MIMALLOC, FAM_KERNEL, FAM_USER, FAM_WRAPPER };
static const char *const fam_names[] = {
    "c", "c++", "go", "rust", "glib", "jemalloc", "tcmalloc", "mimalloc", "kernel",
    "user", "wrapper"
};

#define AF_ARRAY        0x01    /* new[]: the size is a whole array */
#define AF_REALLOC      0x02
#define AF_CACHE_CREATE 0x04    /* kmem_cache_create: not a site; names a cache */
#define AF_CACHE_ALLOC  0x08    /* size comes from the cache argument */
#define AF_GO_ABI       0x10    /* arguments in Go's register order */
#define AF_MANGLED      0x20    /* Rust: match legacy and v0 manglings */

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
    /* not allocations: they tell which size a cache hands out; the cache
    ** (name) argument is 0, the size 1 */
    { "kmem_cache_create", 1, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_CREATE },
    { "kmem_cache_create_usercopy", 1, N, N, N, N, 0, FAM_KERNEL, AF_CACHE_CREATE },
};
#undef N
#define NCAT (sizeof catalogue / sizeof catalogue[0])

/* ------------------------------------------------------------------ */
/* Data structures                                                     */
/* ------------------------------------------------------------------ */

enum { O_BUILTIN = 0, O_USER, O_CONFIG, O_WRAPPER };
static const char *const origin_names[] = { "builtin", "user", "config", "wrapper" };

typedef struct alloc {
    char *name;                 /* owned; symbol name without @plt/version */
    int8_t size, count, type, type2, out, cache;
    uint8_t family, flags, origin;
    uint64_t addr;              /* entry address, 0 when only imported */
    int32_t wraps;              /* wrapper: the allocator it forwards to */
    char *reason;               /* wrapper: why (owned) */
    uint32_t nsites;
} alloc;

typedef struct func {
    uint64_t addr, size;
    const char *name;
    int32_t alloc;              /* allocator index, -1 if none */
    uint32_t gen;               /* analysis generation (events of older ones are stale) */
    uint8_t is_plt, cold, go_abi;
    uint8_t queued;
    uint8_t deferred;           /* big: analyzed once the small ones settle */
    uint8_t has_sites;          /* last analysis found allocator calls */
} func;

/* Symbolic values.  V_UNK and V_ARG carry a multiplier in c: "something
** times c" (c = 0/1: no known factor), which is how `n * sizeof(T)` keeps
** the element size.  A V_UNK may also name the instruction (and register)
** that produced it in s, so `x + x` and `x + 2*x` still know they are
** multiples of one x.  V_RET/V_MAYRET carry an offset into the object in c
** (p + 4 after `add rax, 4`). */
enum { V_BOT = 0, V_UNK, V_CONST, V_ARG, V_PROD, V_STACK, V_RET, V_MAYRET, V_LOAD };

typedef struct sv {
    uint8_t k;
    uint8_t a, b;               /* V_ARG: index a; V_PROD: indexes a, b */
    uint8_t adj;                /* V_ARG/V_PROD met with a constant */
    uint32_t s;                 /* V_RET/V_MAYRET: the call's instruction index;
                                   V_UNK: producer id, 0 for none */
    int64_t c;                  /* constant, multiplier, CFA offset, offset or address */
} sv;

#define NSLOT 12
typedef struct sslot {
    int32_t off;                /* CFA offset */
    uint8_t width, used, pad[2];
    uint32_t taint;
    uint32_t pad2;
    sv v;
} sslot;

/* Besides its value, every register and slot carries a "taint": the set
** of allocator calls (up to 32 per function, as bits) whose result it
** may hold.  Values forget what paths disagree on; taints keep the union,
** which is what "does this function return what it allocated" needs when
** two allocation paths (a fast path and a fallback) join before return. */
typedef struct state {
    sv r[DA_NREGS];
    uint32_t taint[DA_NREGS];
    sslot sl[NSLOT];
    uint8_t reached, pad[7];
} state;

enum { SK_CALL = 0, SK_TAIL = 1 };

/* the registers a state tracks, as bits of da_insn.wmask */
#define WMASK_REGS ((1u << DA_NREGS) - 1)

#define MAXARGS 9
typedef struct site_ev {
    uint32_t fn, gen, insn;
    int32_t alloc;
    uint64_t pc, ret_pc;
    sv args[MAXARGS];
    uint8_t kind, forwarding, returned, loop_depth;
    uint8_t indirect;           /* through a pointer */
    uint8_t via_data;           /* through a data word (function table) */
    int64_t id;                 /* database id once written */
} site_ev;

typedef struct store_ev {
    uint32_t fn, gen, insn;
    int32_t off;
    uint32_t width;
} store_ev;

#define H_REG 1
#define H_CFA 2
typedef struct holder_ev {
    uint32_t fn, gen, insn;
    uint64_t pc;                /* the location holds the pointer from here */
    uint8_t kind, reg, sp_known, fp_known;
    uint16_t regs;              /* every register holding it at pc */
    int32_t cfa_off;
    int32_t sp_off, fp_off;     /* CFA offsets of sp and fp at pc */
} holder_ev;

typedef struct call_ev {        /* a call made with the pointer as argument 0 */
    uint32_t fn, gen, insn;
    uint64_t target;
} call_ev;

typedef struct gstore_ev {      /* the pointer stored to a fixed address */
    uint32_t fn, gen, insn;
    uint64_t addr;
} gstore_ev;

#define MAX_HOLDERS 8
#define MAX_STORES 48
#define MAX_CALLS 2

typedef struct block {
    uint32_t first, last;       /* instruction indexes */
    uint32_t succ[2];
    uint8_t nsucc;
    uint8_t loop_depth;
    uint32_t rpo;               /* reverse post-order number, UINT32_MAX unreached */
    uint32_t idom;
} block;

/* address -> index map (open addressing) */
typedef struct amap {
    uint64_t *keys;             /* key + 1, 0 = empty */
    int32_t *vals;
    size_t n, cap;
} amap;

/* decoded bodies kept for re-analysis, within a memory budget */
typedef struct dcache {
    da_insn *v;
    size_t n;
    uint8_t counted;            /* in si_stats already: a body counts once */
} dcache;
#define DCACHE_BUDGET (96u << 20)

typedef struct slotref {        /* data word initialised with a function address */
    uint64_t slot;
    uint32_t fn;
    uint32_t zero;              /* 0: fn and zero read as one sort key */
} slotref;

typedef struct kcache {
    uint64_t slot;              /* where kmem_cache_create's result went */
    int64_t size;
    const char *name;           /* arena */
} kcache;

typedef struct si_ctx {
    ei_image *img;
    ei_image *dbg;              /* the separate debug file (not owned), or NULL */
    sqlite3 *db;
    int64_t binary_id;
    typeset *types;             /* the binary's types (si_attribute) */
    const int64_t *type_ids;    /* and their rows' ids (si_finish) */
    struct done *done;          /* si_attribute's results, in write order */
    size_t ndone;
    int attributed;
    struct tindex *ti;          /* what done[] points into */
    si_stats *st;
    da_ctx *da;
    const da_arch *arch;
    int go_binary;
    int jobs;
    uint64_t go_types_base;     /* value of runtime.types */
    /* functions */
    func *fns;
    size_t nfns, fncap;
    amap fn_at;                 /* entry address -> function */
    /* allocators */
    alloc *allocs;
    size_t nallocs, alloccap;
    amap alloc_at;              /* code address -> allocator */
    amap alloc_slot;            /* GOT slot / data word -> allocator (-2: none) */
    /* callers: CSR over callee function index */
    uint32_t *cal_start;        /* nfns + 1 */
    uint32_t *cal;              /* caller function indexes */
    uint32_t *got_callers;      /* functions calling through an allocator's GOT slot */
    size_t ngot_callers, gotcap;
    /* data words holding function addresses, and the functions that name
    ** them in their code (both sorted: srefs by function, uses by slot) */
    slotref *srefs;
    size_t nsrefs, srefcap;
    int srefs_loaded;
    amap sref_set;              /* slot -> 1 */
    uint64_t sref_lo, sref_hi;
    uint64_t sref_mask;         /* 7 when every slot is 8-byte aligned, else 0 */
    hp_pacer pacer;             /* si_opts.types_permille against SI_PACE_PERMILLE */
    slotref *uses;
    size_t nuses, usecap;
    /* relocations: RELATIVE addends (PIE data words) */
    uint64_t *rel_off;
    uint64_t *rel_add;
    size_t nrel;
    /* decoded cache */
    dcache *dc;
    size_t dc_bytes;
    /* analysis scratch */
    da_insn *insn;
    size_t ninsn, insncap;
    uint32_t *blk_of;
    size_t blk_of_cap;
    uint8_t *leader;
    size_t leader_cap;
    block *blk;
    size_t nblk, blkcap;
    state *in;
    size_t incap;
    /* events */
    site_ev *sites;
    size_t nsites, sitecap;
    store_ev *stores;
    size_t nstores, storecap;
    holder_ev *holders;
    size_t nholders, holdercap;
    call_ev *calls;
    size_t ncalls, callcap;
    gstore_ev *gstores;
    size_t ngstores, gstorecap;
    uint32_t cur_fn;
    size_t fn_sites_from;       /* first site event of the current analysis */
    uint32_t taint_insn[32];    /* call instruction of each taint bit */
    int ntaint;
    uint32_t ret_taint;         /* taint bits that reach a return */
    /* queue */
    uint32_t *queue;
    size_t nqueue, queuecap;
    /* prepared for writing (collect_facts): the final site events in pc
    ** order, the kmem caches, what DWARF says about each site */
    uint32_t *fin_idx;
    size_t nfin;
    kcache *kc;
    size_t nkc;
    hp_arena kc_names;
    dl_site *ds;
    size_t nds;
    dl_func *dfn;
    size_t ndfn;
    dl_info *dli;
    int no_arch;                /* no disassembler: only site_scan is written */
    char *scan_note;            /* why, for site_scan */
} si_ctx;

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static void amap_put(amap *m, uint64_t key, int32_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 256;
        uint64_t *nk = hp_xcalloc(ncap, sizeof *nk);
        int32_t *nv = hp_xcalloc(ncap, sizeof *nv);
        for (size_t i = 0; i < m->cap; i++) {
            if (m->keys[i] == 0)
                continue;
            size_t j = (size_t)(hp_mix64(m->keys[i]) & (ncap - 1));
            while (nk[j] != 0)
                j = (j + 1) & (ncap - 1);
            nk[j] = m->keys[i];
            nv[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = ncap;
    }
    uint64_t k = key + 1;
    size_t mask = m->cap - 1;
    size_t i = (size_t)(hp_mix64(k) & mask);
    while (m->keys[i] != 0 && m->keys[i] != k)
        i = (i + 1) & mask;
    if (m->keys[i] == 0)
        m->n++;
    m->keys[i] = k;
    m->vals[i] = val;
}

static int32_t amap_get(const amap *m, uint64_t key)
{
    if (m->cap == 0)
        return -1;
    uint64_t k = key + 1;
    size_t mask = m->cap - 1;
    size_t i = (size_t)(hp_mix64(k) & mask);
    while (m->keys[i] != 0) {
        if (m->keys[i] == k)
            return m->vals[i];
        i = (i + 1) & mask;
    }
    return -1;
}

static void amap_free(amap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64le(const uint8_t *p)
{
    return (uint64_t)rd32le(p) | (uint64_t)rd32le(p + 4) << 32;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes of the allocated section holding [addr, addr+len), or NULL. */
static const uint8_t *bytes_at(si_ctx *x, uint64_t addr, size_t len)
{
    ei_image *img = x->img;
    for (size_t i = 0; i < img->nsections; i++) {
        const ei_section *s = &img->sections[i];
        if (!(s->flags & SHF_ALLOC) || s->type == SHT_NOBITS || s->addr == 0)
            continue;
        if (addr < s->addr || addr - s->addr >= s->size || s->size - (addr - s->addr) < len)
            continue;
        const uint8_t *p;
        size_t n;
        hp_err e2 = {0};
        if (ei_section_data(img, s, &p, &n, &e2) != 0 || p == NULL)
            return NULL;
        uint64_t o = addr - s->addr;
        if (o > n || n - o < len)
            return NULL;
        return p + o;
    }
    return NULL;
}

static int cmp_rel(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* R_X86_64_RELATIVE relocations: in a PIE the initial pointer values live
** in the relocation addends, not in the data words. */
static void load_relative(si_ctx *x)
{
    if (x->img->machine != EM_X86_64_)
        return;
    uint64_t *pairs = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < x->img->nsections; i++) {
        const ei_section *s = &x->img->sections[i];
        /* only dynamic relocations: a kernel's .rela.debug_* are huge */
        if (s->type != SHT_RELA || !(s->flags & SHF_ALLOC))
            continue;
        const uint8_t *p;
        size_t len;
        hp_err e2 = {0};
        if (ei_section_data(x->img, s, &p, &len, &e2) != 0 || p == NULL)
            continue;
        for (size_t o = 0; o + 24 <= len; o += 24) {
            uint64_t off = rd64le(p + o), info = rd64le(p + o + 8), add = rd64le(p + o + 16);
            if ((info & 0xffffffff) != R_X86_64_RELATIVE_)
                continue;
            hp_grow((void **)&pairs, &cap, n + 2, sizeof *pairs);
            pairs[n++] = off;
            pairs[n++] = add;
        }
    }
    size_t np = n / 2;
    if (np > 1)
        qsort(pairs, np, 2 * sizeof *pairs, cmp_rel);
    x->rel_off = hp_xmalloc((np + 1) * sizeof *x->rel_off);
    x->rel_add = hp_xmalloc((np + 1) * sizeof *x->rel_add);
    for (size_t i = 0; i < np; i++) {
        x->rel_off[i] = pairs[2 * i];
        x->rel_add[i] = pairs[2 * i + 1];
    }
    x->nrel = np;
    free(pairs);
}

/* The 8-byte word at addr as initialised in the file; 0 if unknown. */
static uint64_t word_at(si_ctx *x, uint64_t addr)
{
    size_t lo = hp_lower_bound(x->rel_off, 0, x->nrel, sizeof *x->rel_off, 0, addr);
    if (lo < x->nrel && x->rel_off[lo] == addr)
        return x->rel_add[lo];
    const uint8_t *p = bytes_at(x, addr, 8);
    return p ? rd64le(p) : 0;
}

/* ------------------------------------------------------------------ */
/* Names and the catalogue                                             */
/* ------------------------------------------------------------------ */

/* Length of name without "@plt" or a symbol version ("@GLIBC_2.2.5"). */
static size_t base_len(const char *name)
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
static uint8_t cat_by_first[256][32];
static uint8_t cat_nfirst[256];
static pthread_once_t cat_once = PTHREAD_ONCE_INIT;

static void cat_index(void)
{
    _Static_assert(NCAT < 256, "catalogue indexes are bytes");
    for (size_t i = 0; i < NCAT; i++) {
        uint8_t f = (uint8_t)catalogue[i].name[0];
        if (cat_nfirst[f] < 32)
            cat_by_first[f][cat_nfirst[f]] = (uint8_t)i;
        cat_nfirst[f]++;
    }
}

static int cat_match(const char *name)
{
    size_t len = base_len(name);
    if (len == 0)
        return -1;
    /* mangled Rust names are tried only when they can be one */
    int mangled = name[0] == '_' && (name[1] == 'R' || (name[1] == 'Z' && name[2] == 'N')) &&
                  (strstr(name, "rust_") || strstr(name, "exchange_malloc"));
    pthread_once(&cat_once, cat_index);
    uint8_t f = (uint8_t)name[0];
    if (!mangled && cat_nfirst[f] <= 32) {
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

int si_read_config(const char *path, si_user_alloc **v, size_t *n, hp_err *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return hp_errf(err, path, "cannot open: %s", strerror(errno));
    char line[4096];
    unsigned lineno = 0;
    size_t cap = *n;
    while (fgets(line, sizeof line, f)) {
        lineno++;
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
        si_user_alloc ua;
        hp_err e2 = {0};
        if (si_parse_alloc(s, &ua, &e2) != 0) {
            fclose(f);
            return hp_errf(err, path, "line %u: %s", lineno, e2.msg);
        }
        si_user_alloc *p = HP_PUSH(*v, *n, cap);
        *p = ua;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return hp_errf(err, path, "read error");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Functions and allocators                                            */
/* ------------------------------------------------------------------ */

typedef struct symref {
    uint64_t addr, size;
    const char *name;
    uint32_t seq;
    uint8_t is_plt;
} symref;

/* The executable section of the binary holding addr, or NULL. */
static const ei_section *exec_section(const ei_image *img, uint64_t addr)
{
    for (size_t i = 0; i < img->nsections; i++) {
        const ei_section *s = &img->sections[i];
        if ((s->flags & (SHF_ALLOC | SHF_EXECINSTR)) == (SHF_ALLOC | SHF_EXECINSTR) &&
            s->type == SHT_PROGBITS && addr >= s->addr && addr - s->addr < s->size)
            return s;
    }
    return NULL;
}

static void collect_syms(si_ctx *x, const ei_image *im, symref **v, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < im->nsymbols; i++) {
        const ei_symbol *s = &im->symbols[i];
        if (s->type != ST_FUNC && s->type != ST_IFUNC)
            continue;
        if (exec_section(x->img, s->addr) == NULL)
            continue;
        symref *r = HP_PUSH(*v, *n, *cap);
        r->addr = s->addr;
        r->size = s->size;
        r->name = s->name;
        r->seq = (uint32_t)*n;
        size_t L = strlen(s->name);
        r->is_plt = L > 4 && strcmp(s->name + L - 4, "@plt") == 0;
    }
}

static int32_t new_alloc(si_ctx *x, const char *name, size_t len, uint64_t addr)
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

static const si_user_alloc *user_match(const si_user_alloc *u, size_t nu, const char *name)
{
    size_t len = base_len(name);
    for (size_t i = 0; i < nu; i++)
        if (name_is(name, len, u[i].name))
            return &u[i];
    return NULL;
}

/* Which allocator (catalogue or user) a symbol name is, as a new entry
** at addr; -1 if none.  User declarations override the catalogue. */
static int32_t alloc_for_name(si_ctx *x, const char *name, uint64_t addr,
                              const si_user_alloc *u, size_t nu, const uint8_t *u_origin)
{
    const si_user_alloc *ua = user_match(u, nu, name);
    int ci = ua ? -1 : cat_match(name);
    if (!ua && ci < 0)
        return -1;
    /* a catalogue entry goes by its own name (Rust's mangled symbols too) */
    const char *nm = ua ? name : catalogue[ci].name;
    int32_t k = new_alloc(x, nm, ua ? base_len(name) : strlen(nm), addr);
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

static void build_functions(si_ctx *x, const si_user_alloc *u, size_t nu, const uint8_t *u_origin)
{
    symref *v = NULL;
    size_t n = 0, cap = 0;
    collect_syms(x, x->img, &v, &n, &cap);
    if (x->dbg)
        collect_syms(x, x->dbg, &v, &n, &cap);
    /* by address, then insertion order (seq): a stable sort by address */
    hp_radix_sort(v, n, sizeof *v, offsetof(symref, addr));

    /* Go binaries: runtime.types anchors DW_AT_go_runtime_type */
    for (size_t k = 0; k < 2; k++) {
        const ei_image *im = k == 0 ? x->img : x->dbg;
        if (im == NULL)
            continue;
        for (size_t i = 0; i < im->nsymbols; i++) {
            const char *nm = im->symbols[i].name;
            if (strcmp(nm, "runtime.types") == 0) {
                x->go_types_base = im->symbols[i].addr;
                x->go_binary = 1;
            } else if (!x->go_binary && strcmp(nm, "runtime.newobject") == 0) {
                x->go_binary = 1;
            }
        }
    }

    /* one function per address; every alias name may name an allocator */
    for (size_t i = 0; i < n; ) {
        size_t j = i;
        while (j < n && v[j].addr == v[i].addr)
            j++;
        func *f = HP_PUSH(x->fns, x->nfns, x->fncap);
        memset(f, 0, sizeof *f);
        f->addr = v[i].addr;
        f->name = v[i].name;
        f->is_plt = v[i].is_plt;
        f->alloc = -1;
        uint64_t size = 0;
        for (size_t k = i; k < j; k++)
            if (v[k].size > size)
                size = v[k].size;
        f->size = size;
        /* among aliases (static glibc: malloc and __libc_malloc), a user
        ** declaration first, then the catalogue's own order */
        size_t best = j;
        int best_rank = INT32_MAX;
        for (size_t k = i; k < j; k++) {
            int rank = user_match(u, nu, v[k].name) ? -1 : cat_match(v[k].name);
            if (rank != -1 || user_match(u, nu, v[k].name)) {
                if (rank < best_rank) {
                    best_rank = rank;
                    best = k;
                }
            }
        }
        if (best < j)
            f->alloc = alloc_for_name(x, v[best].name, f->addr, u, nu, u_origin);
        size_t L = strlen(f->name);
        f->cold = strstr(f->name, ".cold") != NULL;
        f->go_abi = x->go_binary && !(L > 5 && strcmp(f->name + L - 5, ".abi0") == 0) &&
                    !f->is_plt;
        i = j;
    }
    free(v);

    /* sizes: zero-sized symbols extend to the next one; none may overlap
    ** the next function or leave its section */
    for (size_t i = 0; i < x->nfns; i++) {
        func *f = &x->fns[i];
        const ei_section *s = exec_section(x->img, f->addr);
        uint64_t lim = s ? s->addr + s->size : f->addr + f->size;
        if (i + 1 < x->nfns && x->fns[i + 1].addr < lim)
            lim = x->fns[i + 1].addr;
        if (f->size == 0 || f->addr + f->size > lim || f->addr + f->size < f->addr)
            f->size = lim - f->addr;
        amap_put(&x->fn_at, f->addr, (int32_t)i);
        if (f->alloc >= 0)
            amap_put(&x->alloc_at, f->addr, f->alloc);
    }

    /* no function symbols (PLT stubs aside): each executable section
    ** without stubs is one anonymous body, decoded in one sweep; its sites
    ** have no function name and wrappers cannot be told */
    size_t bodies = 0;
    for (size_t i = 0; i < x->nfns; i++)
        bodies += !x->fns[i].is_plt;
    if (bodies == 0) {
        for (size_t i = 0; i < x->img->nsections; i++) {
            const ei_section *s = &x->img->sections[i];
            if ((s->flags & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR) ||
                s->type != SHT_PROGBITS || s->size == 0 || strncmp(s->name, ".plt", 4) == 0)
                continue;
            int stubs = 0;
            for (size_t k = 0; k < x->nfns && !stubs; k++)
                stubs = x->fns[k].addr >= s->addr && x->fns[k].addr - s->addr < s->size;
            if (stubs)
                continue;
            func *f = HP_PUSH(x->fns, x->nfns, x->fncap);
            memset(f, 0, sizeof *f);
            f->addr = s->addr;
            f->size = s->size;
            f->name = NULL;
            f->alloc = -1;
            f->cold = 1;     /* no entry state: never a wrapper */
            amap_put(&x->fn_at, f->addr, (int32_t)(x->nfns - 1));
        }
    }
}

/* Allocator reached through GOT slot `slot`, memoized; -1 if none. */
static int32_t got_alloc(si_ctx *x, uint64_t slot, const si_user_alloc *u, size_t nu,
                         const uint8_t *u_origin)
{
    int32_t k = amap_get(&x->alloc_slot, slot);
    if (k != -1)
        return k < 0 ? -1 : k;
    const char *nm = ei_got_name(x->img, slot);
    int32_t a = nm ? alloc_for_name(x, nm, 0, u, nu, u_origin) : -1;
    amap_put(&x->alloc_slot, slot, a >= 0 ? a : -2);
    return a;
}

/* ------------------------------------------------------------------ */
/* Who may call whom: a byte scan, no decoding                         */
/* ------------------------------------------------------------------ */

typedef struct edge {
    uint32_t callee, caller;
} edge;

static const uint8_t *body(si_ctx *x, const func *f, size_t *len)
{
    const ei_section *s = exec_section(x->img, f->addr);
    if (s == NULL)
        return NULL;
    const uint8_t *p;
    size_t n;
    hp_err e2 = {0};
    if (ei_section_data(x->img, s, &p, &n, &e2) != 0 || p == NULL) {
        x->st->skipped++;
        return NULL;
    }
    uint64_t o = f->addr - s->addr;
    if (o >= n)
        return NULL;
    uint64_t avail = n - o;
    *len = (size_t)(f->size < avail ? f->size : avail);
    return p + o;
}

/* First bytes of the branches scan_callers follows: call/jmp rel32 (e8,
** e9), jmp/jcc rel8 (eb, 70-7f), jcc rel32 (0f 8x), call/jmp [rip+d32]
** (ff 15, ff 25). */
enum { BK_REL32 = 1, BK_REL8, BK_0F, BK_FF };
static const uint8_t branch_kind[256] = {
    [0x70] = BK_REL8, [0x71] = BK_REL8, [0x72] = BK_REL8, [0x73] = BK_REL8,
    [0x74] = BK_REL8, [0x75] = BK_REL8, [0x76] = BK_REL8, [0x77] = BK_REL8,
    [0x78] = BK_REL8, [0x79] = BK_REL8, [0x7a] = BK_REL8, [0x7b] = BK_REL8,
    [0x7c] = BK_REL8, [0x7d] = BK_REL8, [0x7e] = BK_REL8, [0x7f] = BK_REL8,
    [0xeb] = BK_REL8, [0xe8] = BK_REL32, [0xe9] = BK_REL32, [0x0f] = BK_0F, [0xff] = BK_FF,
};

static void scan_callers(si_ctx *x, const si_user_alloc *u, size_t nu, const uint8_t *u_origin)
{
    edge *e = NULL;
    size_t ne = 0, ecap = 0;
    for (size_t i = 0; i < x->nfns; i++) {
        func *f = &x->fns[i];
        if ((i & 255) == 0)
            hp_pace(&x->pacer);
        if (f->is_plt || f->alloc >= 0)
            continue;
        size_t len = 0;
        const uint8_t *p = body(x, f, &len);
        if (p == NULL || len < 2)
            continue;
        int got_hit = 0;
        /* the words load_srefs found are 8-byte aligned (sref_mask 7):
        ** most positions fail that test before any range test or lookup */
        const uint64_t lo = x->sref_lo, hi = x->sref_hi, mask = x->sref_mask;
        const uint64_t next = f->addr + 4;     /* rip after a disp32 at k: next + k */
        for (size_t k = 0; k + 2 <= len; k++) {
            /* a disp32 naming a data word that holds a function address
            ** (rip-relative, or absolute in non-PIE code) */
            uint64_t hit = 0;
            if (k + 4 <= len) {
                int64_t disp = (int32_t)rd32le(p + k);
                uint64_t rip = next + k + (uint64_t)disp, abs = (uint64_t)disp;
                if (!(rip & mask) && rip >= lo && rip <= hi && amap_get(&x->sref_set, rip) >= 0)
                    hit = rip;
                else if (!(abs & mask) && abs >= lo && abs <= hi &&
                         amap_get(&x->sref_set, abs) >= 0)
                    hit = abs;
            }
            if (hit && (x->nuses == 0 || x->uses[x->nuses - 1].slot != hit ||
                        x->uses[x->nuses - 1].fn != i)) {
                slotref *us = HP_PUSH(x->uses, x->nuses, x->usecap);
                us->slot = hit;
                us->fn = (uint32_t)i;
                us->zero = 0;
            }
            uint8_t b = p[k];
            unsigned kind = branch_kind[b];
            if (kind == 0)
                continue;
            uint64_t t;
            if (kind == BK_REL32 && k + 5 <= len) {
                t = f->addr + k + 5 + (uint64_t)(int64_t)(int32_t)rd32le(p + k + 1);
            } else if (kind == BK_REL8) {
                /* short jumps reach a neighbouring function's entry
                ** (a tail call to the next function in the file) */
                t = f->addr + k + 2 + (uint64_t)(int64_t)(int8_t)p[k + 1];
            } else if (kind == BK_0F && k + 6 <= len && (p[k + 1] & 0xf0) == 0x80) {
                t = f->addr + k + 6 + (uint64_t)(int64_t)(int32_t)rd32le(p + k + 2);
            } else if (kind == BK_FF && k + 6 <= len && (p[k + 1] == 0x15 || p[k + 1] == 0x25)) {
                uint64_t gs = f->addr + k + 6 + (uint64_t)(int64_t)(int32_t)rd32le(p + k + 2);
                if (!got_hit && got_alloc(x, gs, u, nu, u_origin) >= 0)
                    got_hit = 1;
                continue;
            } else {
                continue;
            }
            if (t >= f->addr && t < f->addr + f->size)
                continue;
            int32_t c = amap_get(&x->fn_at, t);
            if (c < 0)
                continue;
            edge *ed = HP_PUSH(e, ne, ecap);
            ed->callee = (uint32_t)c;
            ed->caller = (uint32_t)i;
        }
        if (got_hit) {
            uint32_t *g = HP_PUSH(x->got_callers, x->ngot_callers, x->gotcap);
            *g = (uint32_t)i;
        }
    }
    /* edges by (callee, caller): one 64-bit key each */
    uint64_t *ek = hp_xmalloc((ne + 1) * sizeof *ek);
    for (size_t k = 0; k < ne; k++)
        ek[k] = (uint64_t)e[k].callee << 32 | e[k].caller;
    hp_radix_sort(ek, ne, sizeof *ek, 0);
    for (size_t k = 0; k < ne; k++) {
        e[k].callee = (uint32_t)(ek[k] >> 32);
        e[k].caller = (uint32_t)ek[k];
    }
    free(ek);
    /* uses by (slot, fn): they were appended by function, in order */
    hp_radix_sort(x->uses, x->nuses, sizeof *x->uses, offsetof(slotref, slot));
    x->cal_start = hp_xcalloc(x->nfns + 1, sizeof *x->cal_start);
    x->cal = hp_xmalloc((ne + 1) * sizeof *x->cal);
    size_t w = 0;
    for (size_t i = 0; i < ne; i++) {
        if (i > 0 && e[i].callee == e[i - 1].callee && e[i].caller == e[i - 1].caller)
            continue;
        x->cal[w++] = e[i].caller;
        x->cal_start[e[i].callee + 1]++;
    }
    for (size_t i = 0; i < x->nfns; i++)
        x->cal_start[i + 1] += x->cal_start[i];
    free(e);
}

/* Data words initialised with a function's entry address (function
** pointer tables), sorted by function. */
static void load_srefs(si_ctx *x)
{
    if (x->srefs_loaded)
        return;
    x->srefs_loaded = 1;
    for (size_t i = 0; i < x->img->nsections; i++) {
        const ei_section *s = &x->img->sections[i];
        if (!(s->flags & SHF_ALLOC) || (s->flags & SHF_EXECINSTR) || s->type != SHT_PROGBITS
            || s->addr == 0 || s->size < 8)
            continue;
        const uint8_t *p;
        size_t n;
        hp_err e2 = {0};
        if (ei_section_data(x->img, s, &p, &n, &e2) != 0 || p == NULL)
            continue;
        uint64_t a0 = (s->addr + 7) & ~(uint64_t)7;
        for (uint64_t a = a0; a + 8 <= s->addr + n; a += 8) {
            uint64_t val = rd64le(p + (a - s->addr));
            int32_t fi = val ? amap_get(&x->fn_at, val) : -1;
            if (fi < 0)
                continue;
            slotref *r = HP_PUSH(x->srefs, x->nsrefs, x->srefcap);
            r->slot = a;
            r->fn = (uint32_t)fi;
            r->zero = 0;
        }
    }
    for (size_t i = 0; i < x->nrel; i++) {
        int32_t fi = amap_get(&x->fn_at, x->rel_add[i]);
        if (fi < 0)
            continue;
        slotref *r = HP_PUSH(x->srefs, x->nsrefs, x->srefcap);
        r->slot = x->rel_off[i];
        r->fn = (uint32_t)fi;
        r->zero = 0;
    }
    /* by (fn, slot): by slot, then stably by fn (with its zero word) */
    hp_radix_sort(x->srefs, x->nsrefs, sizeof *x->srefs, offsetof(slotref, slot));
    hp_radix_sort(x->srefs, x->nsrefs, sizeof *x->srefs, offsetof(slotref, fn));
    x->sref_lo = UINT64_MAX;
    x->sref_hi = 0;
    x->sref_mask = 7;
    for (size_t i = 0; i < x->nsrefs; i++) {
        uint64_t sl = x->srefs[i].slot;
        if (sl & 7)
            x->sref_mask = 0;       /* a relocated word off alignment: test all */
        amap_put(&x->sref_set, sl, 1);
        x->sref_lo = sl < x->sref_lo ? sl : x->sref_lo;
        x->sref_hi = sl > x->sref_hi ? sl : x->sref_hi;
    }
}

/* ------------------------------------------------------------------ */
/* Symbolic values                                                     */
/* ------------------------------------------------------------------ */

static sv vmk(uint8_t k)
{
    sv v;
    memset(&v, 0, sizeof v);
    v.k = k;
    return v;
}

static sv vunk(void) { return vmk(V_UNK); }

static sv vconst(int64_t c)
{
    sv v = vmk(V_CONST);
    v.c = c;
    return v;
}

static sv varg(int i)
{
    sv v = vmk(V_ARG);
    v.a = (uint8_t)i;
    v.c = 1;
    return v;
}

static sv vstack(int64_t off)
{
    sv v = vmk(V_STACK);
    v.c = off;
    return v;
}

static sv vret(uint32_t s)
{
    sv v = vmk(V_RET);
    v.s = s;
    return v;
}

static sv vload(uint64_t addr)
{
    sv v = vmk(V_LOAD);
    v.c = (int64_t)addr;
    return v;
}

/* an unknown value produced by instruction ii into register r */
static sv vsym(uint32_t ii, unsigned r)
{
    sv v = vmk(V_UNK);
    if (ii < (1u << 27))
        v.s = ((ii + 1) << 4) | (r & 15);
    return v;
}

static int sv_eq(const sv *a, const sv *b)
{
    /* two words, not a memcmp call: this runs for every register at
    ** every join of every pass */
    _Static_assert(sizeof(sv) == 16, "sv is two words");
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&a1, (const char *)a + 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, (const char *)b + 8, 8);
    return a0 == b0 && a1 == b1;
}

/* the returned pointer itself (offset 0) */
static int is_ret(const sv *v)
{
    return (v->k == V_RET || v->k == V_MAYRET) && v->c == 0;
}

/* the returned pointer, or a pointer into the object */
static int is_retoff(const sv *v)
{
    return v->k == V_RET || v->k == V_MAYRET;
}

/* What two paths agree on. */
static sv meet(sv x, sv y)
{
    if (x.k == V_BOT)
        return y;
    if (y.k == V_BOT)
        return x;
    if (sv_eq(&x, &y))
        return x;
    if (x.k == V_ARG && y.k == V_ARG && x.a == y.a && x.c == y.c) {
        x.adj = 1;
        return x;
    }
    if (x.k == V_PROD && y.k == V_PROD && x.a == y.a && x.b == y.b) {
        x.adj = 1;
        return x;
    }
    if ((x.k == V_ARG || x.k == V_PROD) && y.k == V_CONST) {
        x.adj = 1;
        return x;
    }
    if ((y.k == V_ARG || y.k == V_PROD) && x.k == V_CONST) {
        y.adj = 1;
        return y;
    }
    if (is_retoff(&x) || is_retoff(&y)) {
        if (is_retoff(&x) && is_retoff(&y) && (x.s != y.s || x.c != y.c))
            return vunk();
        sv r = is_retoff(&x) ? x : y;
        if (r.c != 0)
            return vunk();
        r.k = V_MAYRET;
        return r;
    }
    /* "unknown times k" survives when both sides have the factor */
    if ((x.k == V_UNK || x.k == V_ARG) && (y.k == V_UNK || y.k == V_ARG) &&
        x.c > 1 && x.c == y.c) {
        sv r = vunk();
        r.c = x.c;
        return r;
    }
    return vunk();
}

/* v * m */
static sv vscale(sv v, int64_t m)
{
    int64_t r;
    switch (v.k) {
    case V_CONST:
        if (__builtin_mul_overflow(v.c, m, &r))
            return vunk();
        return vconst(r);
    case V_ARG:
    case V_UNK:
        if (m <= 1 && v.k == V_UNK)
            return v;
        if (__builtin_mul_overflow(v.c > 1 ? v.c : 1, m, &r) || r <= 1 || r > (1 << 30))
            return vunk();
        v.c = r;
        v.adj = 0;
        return v;
    case V_PROD: {
        sv u = vunk();
        if (m > 1 && m <= (1 << 30))
            u.c = m;
        return u;
    }
    default:
        return vunk();
    }
}

static sv vadd(sv x, sv y)
{
    int64_t r;
    if (x.k == V_CONST && y.k == V_CONST)
        return __builtin_add_overflow(x.c, y.c, &r) ? vunk() : vconst(r);
    if (y.k == V_CONST && (x.k == V_STACK || is_retoff(&x))) {
        x.c += y.c;
        return x;
    }
    if (x.k == V_CONST && (y.k == V_STACK || is_retoff(&y))) {
        y.c += x.c;
        return y;
    }
    /* multiples of one value: x*a + x*b = x*(a+b) */
    if (x.k == y.k && ((x.k == V_ARG && x.a == y.a && !x.adj && !y.adj) ||
                       (x.k == V_UNK && x.s != 0 && x.s == y.s))) {
        int64_t a = x.c > 1 ? x.c : 1, b = y.c > 1 ? y.c : 1;
        if (__builtin_add_overflow(a, b, &r) || r > (1 << 30))
            return vunk();
        x.c = r;
        return x;
    }
    return vunk();
}

static sv vmul(sv x, sv y)
{
    if (x.k == V_CONST)
        return vscale(y, x.c);
    if (y.k == V_CONST)
        return vscale(x, y.c);
    if (x.k == V_ARG && y.k == V_ARG && x.c == 1 && y.c == 1 && !x.adj && !y.adj) {
        sv r = vmk(V_PROD);
        r.a = x.a < y.a ? x.a : y.a;
        r.b = x.a < y.a ? y.a : x.a;
        return r;
    }
    return vunk();
}

static sv vtrunc32(sv v)
{
    if (v.k == V_CONST)
        return vconst((int64_t)(uint32_t)v.c);
    if (v.k == V_STACK || v.k == V_LOAD || is_retoff(&v))
        return vunk();
    return v;
}

/* ------------------------------------------------------------------ */
/* Stack slots                                                         */
/* ------------------------------------------------------------------ */

static void slot_kill_range(state *S, int64_t off, unsigned width)
{
    for (int i = 0; i < NSLOT; i++) {
        sslot *s = &S->sl[i];
        if (s->used && off < (int64_t)s->off + s->width && (int64_t)s->off < off + (int64_t)width)
            memset(s, 0, sizeof *s);
    }
}

static void slot_put(state *S, int64_t off, unsigned width, sv v, uint32_t taint)
{
    if (off < INT32_MIN || off > INT32_MAX || width == 0 || width > 64)
        return;
    slot_kill_range(S, off, width);
    if (width != 4 && width != 8)
        return;
    int free_i = -1;
    for (int i = 0; i < NSLOT; i++)
        if (!S->sl[i].used) {
            free_i = i;
            break;
        }
    if (free_i < 0) {
        /* full: drop the first, keep the order deterministic */
        memmove(&S->sl[0], &S->sl[1], (NSLOT - 1) * sizeof S->sl[0]);
        free_i = NSLOT - 1;
    }
    sslot *s = &S->sl[free_i];
    memset(s, 0, sizeof *s);
    s->used = 1;
    s->off = (int32_t)off;
    s->width = (uint8_t)width;
    s->v = width == 4 ? vtrunc32(v) : v;
    s->taint = width == 8 ? taint : 0;
}

static sv slot_get(const state *S, int64_t off, unsigned width, uint32_t *taint)
{
    for (int i = 0; i < NSLOT; i++) {
        const sslot *s = &S->sl[i];
        if (s->used && s->off == off && s->width == width) {
            *taint = s->taint;
            return s->v;
        }
    }
    *taint = 0;
    return vunk();
}

/* in = meet(in, out); returns 1 when in changed. */
static int state_meet(state *in, const state *out)
{
    if (!in->reached) {
        *in = *out;
        in->reached = 1;
        return 1;
    }
    int changed = 0;
    for (int r = 0; r < DA_NREGS; r++) {
        if (!sv_eq(&in->r[r], &out->r[r])) {
            sv m = meet(in->r[r], out->r[r]);
            if (!sv_eq(&m, &in->r[r])) {
                in->r[r] = m;
                changed = 1;
            }
        }
    }
    /* taints only grow: one pass the compiler can vectorize */
    uint32_t grew = 0;
    for (int r = 0; r < DA_NREGS; r++) {
        grew |= out->taint[r] & ~in->taint[r];
        in->taint[r] |= out->taint[r];
    }
    changed |= grew != 0;
    for (int i = 0; i < NSLOT; i++) {
        sslot *s = &in->sl[i];
        if (!s->used)
            continue;
        /* slots usually sit at the same place on both sides */
        const sslot *same = &out->sl[i];
        if (same->used && same->off == s->off && same->width == s->width &&
            sv_eq(&same->v, &s->v) && (s->taint | same->taint) == s->taint)
            continue;
        int found = 0;
        for (int j = 0; j < NSLOT; j++) {
            const sslot *o = &out->sl[j];
            if (o->used && o->off == s->off && o->width == s->width) {
                sv m = meet(s->v, o->v);
                if (!sv_eq(&m, &s->v)) {
                    s->v = m;
                    changed = 1;
                }
                if ((s->taint | o->taint) != s->taint) {
                    s->taint |= o->taint;
                    changed = 1;
                }
                found = 1;
                break;
            }
        }
        if (!found) {
            memset(s, 0, sizeof *s);
            changed = 1;
        }
    }
    return changed;
}

/* ------------------------------------------------------------------ */
/* One function: decode, blocks, data flow, events                     */
/* ------------------------------------------------------------------ */

static int decode_fn(si_ctx *x, uint32_t fi)
{
    func *f = &x->fns[fi];
    x->ninsn = 0;
    if (x->dc && x->dc[fi].v) {
        hp_grow((void **)&x->insn, &x->insncap, x->dc[fi].n + 1, sizeof *x->insn);
        memcpy(x->insn, x->dc[fi].v, x->dc[fi].n * sizeof *x->insn);
        x->ninsn = x->dc[fi].n;
        return 0;
    }
    size_t len = 0;
    const uint8_t *p = body(x, f, &len);
    if (p == NULL || len == 0) {
        x->st->skipped++;
        return -1;
    }
    size_t bad = da_decode(x->da, p, len, f->addr, &x->insn, &x->ninsn, &x->insncap);
    if (!x->dc || !x->dc[fi].counted) {
        x->st->bad_bytes += bad;
        x->st->instructions += x->ninsn;
        x->st->analyzed++;
        if (x->dc)
            x->dc[fi].counted = 1;
    }
    size_t bytes = x->ninsn * sizeof *x->insn;
    if (x->dc && x->dc_bytes + bytes <= DCACHE_BUDGET) {
        x->dc[fi].v = hp_xmalloc(bytes + 1);
        memcpy(x->dc[fi].v, x->insn, bytes);
        x->dc[fi].n = x->ninsn;
        x->dc_bytes += bytes;
    }
    return 0;
}

/* Decode a round's bodies ahead of the analysis, in x->jobs threads with
** a decoder each, into the decoded cache (analysis then only copies them).
** Capstone is the most expensive part of the scan and the bodies of one
** round of the fixed point are independent; the analysis of the round,
** which is sequential (its order decides what a later function sees),
** starts on the first body as soon as that is decoded, and when the body
** it needs next is not ready it decodes one that nobody has taken yet
** instead of waiting.  So decoding and analysis overlap, instead of the
** analysis waiting for the whole round.  Which thread decodes a body
** changes nothing but timing: each body is decoded the same way and its
** statistics counted once (dcache.counted). */
typedef struct pd_pipe {
    si_ctx *x;
    const uint32_t *list;
    const uint8_t **ptr;
    size_t *len;
    size_t n;
    _Atomic size_t next;        /* first index nobody has taken */
    _Atomic uint8_t *done;      /* per index: decoded (or nothing to decode) */
    _Atomic size_t budget;      /* cache bytes still allowed */
    size_t budget0;             /* at the start */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th[16];
    int nth;
} pd_pipe;

typedef struct pd_count { uint64_t insns, bad, analyzed; } pd_count;

/* Take the next undecoded body of the round and decode it with da into
** the cache; returns 0 when none is left. */
static int pd_one(pd_pipe *p, da_ctx *da, da_insn **buf, size_t *cap, pd_count *c)
{
    size_t i = atomic_fetch_add(&p->next, 1);
    if (i >= p->n)
        return 0;
    si_ctx *x = p->x;
    uint32_t fi = p->list[i];
    if (p->ptr[i] != NULL) {
        size_t n = 0;
        size_t bad = da_decode(da, p->ptr[i], p->len[i], x->fns[fi].addr, buf, &n, cap);
        if (!x->dc[fi].counted) {   /* a body past the cache's budget comes again */
            c->insns += n;
            c->bad += bad;
            c->analyzed++;
            x->dc[fi].counted = 1;
        }
        size_t bytes = n * sizeof **buf;
        size_t left = atomic_load(&p->budget);
        while (left >= bytes && !atomic_compare_exchange_weak(&p->budget, &left, left - bytes))
            ;
        if (left >= bytes) {    /* else decoded again when analyzed */
            x->dc[fi].v = hp_xmalloc(bytes + 1);
            memcpy(x->dc[fi].v, *buf, bytes);
            x->dc[fi].n = n;
        }
    }
    pthread_mutex_lock(&p->mu);
    atomic_store_explicit(&p->done[i], 1, memory_order_release);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 1;
}

typedef struct pd_thread { pd_pipe *p; pd_count c; } pd_thread;

static void *pd_main(void *arg)
{
    pd_thread *t = arg;
    si_ctx *x = t->p->x;
    da_ctx *da = NULL;
    hp_err e2 = {0};
    if (da_open(x->img->machine, &da, &e2) != 0)
        return NULL;
    da_insn *buf = NULL;
    size_t cap = 0;
    do
        hp_pace(&x->pacer);     /* created at idle priority, maybe */
    while (pd_one(t->p, da, &buf, &cap, &t->c));
    free(buf);
    da_close(da);
    return NULL;
}

/* Start decoding list[0..n) (no threads for a short round, or -j 1: the
** analysis then decodes each body itself). */
static void pd_start(si_ctx *x, pd_pipe *p, pd_thread *ts, const uint32_t *list, size_t n)
{
    memset(p, 0, sizeof *p);
    p->x = x;
    p->list = list;
    p->n = n;
    int nth = x->jobs < 16 ? x->jobs : 16;
    if (nth < 2 || n < 32)
        return;
    /* section bytes are fetched here, in one thread (ei_section_data fills
    ** a cache); the threads only read them */
    p->ptr = hp_xcalloc(n, sizeof *p->ptr);
    p->len = hp_xcalloc(n, sizeof *p->len);
    p->done = hp_xcalloc(n, sizeof *p->done);
    for (size_t i = 0; i < n; i++) {
        atomic_init(&p->done[i], 0);
        if (!x->dc[list[i]].v && !x->fns[list[i]].is_plt)
            p->ptr[i] = body(x, &x->fns[list[i]], &p->len[i]);
    }
    atomic_init(&p->next, 0);
    p->budget0 = DCACHE_BUDGET > x->dc_bytes ? DCACHE_BUDGET - x->dc_bytes : 0;
    atomic_init(&p->budget, p->budget0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int t = 0; t < nth; t++) {
        ts[t] = (pd_thread){ p, { 0, 0, 0 } };
        if (pthread_create(&p->th[t], NULL, pd_main, &ts[t]) != 0)
            break;
        p->nth++;
    }
}

/* Before analyzing list[i]: its body is decoded, by a thread or here. */
static void pd_wait(pd_pipe *p, size_t i, da_insn **buf, size_t *cap, pd_count *c)
{
    if (p->done == NULL)
        return;
    while (!atomic_load_explicit(&p->done[i], memory_order_acquire)) {
        if (pd_one(p, p->x->da, buf, cap, c))
            continue;
        pthread_mutex_lock(&p->mu);
        while (!atomic_load_explicit(&p->done[i], memory_order_acquire))
            pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

static void pd_finish(pd_pipe *p, pd_thread *ts, const pd_count *own)
{
    if (p->done == NULL)
        return;
    si_ctx *x = p->x;
    for (int t = 0; t < p->nth; t++) {
        pthread_join(p->th[t], NULL);
        x->st->instructions += ts[t].c.insns;
        x->st->bad_bytes += ts[t].c.bad;
        x->st->analyzed += ts[t].c.analyzed;
    }
    /* bodies nobody took (a thread failed to start: the analysis took them) */
    x->st->instructions += own->insns;
    x->st->bad_bytes += own->bad;
    x->st->analyzed += own->analyzed;
    x->dc_bytes += p->budget0 - atomic_load(&p->budget);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->ptr);
    free(p->len);
    free((void *)p->done);
}

/* instruction index at exactly addr, or -1 */
static int64_t insn_at(const si_ctx *x, uint64_t addr)
{
    size_t lo = hp_lower_bound(x->insn, 0, x->ninsn, sizeof *x->insn, offsetof(da_insn, addr),
                               addr);
    return lo < x->ninsn && x->insn[lo].addr == addr ? (int64_t)lo : -1;
}

static int inside(const func *f, uint64_t a)
{
    return a >= f->addr && a - f->addr < f->size;
}

static void build_blocks(si_ctx *x, const func *f)
{
    size_t n = x->ninsn;
    hp_grow((void **)&x->leader, &x->leader_cap, n + 1, 1);
    memset(x->leader, 0, n + 1);
    hp_grow((void **)&x->blk_of, &x->blk_of_cap, n + 1, sizeof *x->blk_of);
    x->leader[0] = 1;
    for (size_t i = 0; i < n; i++) {
        const da_insn *d = &x->insn[i];
        if ((d->kind == DA_KIND_JCC || d->kind == DA_KIND_JMP) && inside(f, d->target)) {
            int64_t j = insn_at(x, d->target);
            if (j >= 0)
                x->leader[j] = 1;
        }
        if (d->kind == DA_KIND_JCC || d->kind == DA_KIND_JMP || d->kind == DA_KIND_IJMP ||
            d->kind == DA_KIND_RET || d->kind == DA_KIND_HALT || d->kind == DA_KIND_BAD)
            x->leader[i + 1] = 1;
    }
    x->nblk = 0;
    for (size_t i = 0; i < n; i++) {
        if (x->leader[i]) {
            block *b = HP_PUSH(x->blk, x->nblk, x->blkcap);
            memset(b, 0, sizeof *b);
            b->first = (uint32_t)i;
        }
        x->blk[x->nblk - 1].last = (uint32_t)i;
        x->blk_of[i] = (uint32_t)(x->nblk - 1);
    }
    for (size_t b = 0; b < x->nblk; b++) {
        block *B = &x->blk[b];
        const da_insn *d = &x->insn[B->last];
        int fall = B->last + 1 < n;
        B->nsucc = 0;
        if (d->kind == DA_KIND_JCC || d->kind == DA_KIND_JMP) {
            int64_t j = inside(f, d->target) ? insn_at(x, d->target) : -1;
            if (j >= 0)
                B->succ[B->nsucc++] = x->blk_of[j];
            if (d->kind == DA_KIND_JCC && fall)
                B->succ[B->nsucc++] = (uint32_t)(b + 1);
        } else if (d->kind != DA_KIND_IJMP && d->kind != DA_KIND_RET &&
                   d->kind != DA_KIND_HALT && d->kind != DA_KIND_BAD && fall) {
            B->succ[B->nsucc++] = (uint32_t)(b + 1);
        }
    }
}

static const uint8_t *abi_args(const si_ctx *x, int go, int *n)
{
    if (go) {
        *n = x->arch->go_nargs;
        return x->arch->go_args;
    }
    *n = x->arch->nargs;
    return x->arch->args;
}

static void entry_state(si_ctx *x, const func *f, state *S)
{
    memset(S, 0, sizeof *S);
    for (int r = 0; r < DA_NREGS; r++)
        S->r[r] = vunk();
    S->reached = 1;
    if (f->cold)
        return;         /* a split-off part: nothing is known at its start */
    int na;
    const uint8_t *ar = abi_args(x, f->go_abi, &na);
    for (int i = 0; i < na; i++)
        S->r[ar[i]] = varg(i);
    S->r[x->arch->sp] = vstack(x->arch->cfa_sp_at_entry);
}

/* Effective address of a memory operand as a value. */
static sv addr_of(const state *S, const da_insn *d)
{
    if (d->base == DA_PC)
        return vconst((int64_t)d->target);
    if (d->base == DA_NOREG && d->index == DA_NOREG)
        return vconst(d->disp);
    sv b = d->base < DA_NREGS ? S->r[d->base] : vconst(0);
    if (d->index != DA_NOREG) {
        sv i = d->index < DA_NREGS ? S->r[d->index] : vunk();
        if (b.k == V_CONST && i.k == V_CONST)
            return vconst(b.c + i.c * d->scale + d->disp);
        return vunk();
    }
    if (b.k == V_CONST)
        return vconst(b.c + d->disp);
    if (b.k == V_STACK)
        return vstack(b.c + d->disp);
    return vunk();
}

static site_ev *site_of(si_ctx *x, uint32_t insn)
{
    for (size_t i = x->fn_sites_from; i < x->nsites; i++)
        if (x->sites[i].insn == insn)
            return &x->sites[i];
    return NULL;
}

/* The taint bit of the allocator call at instruction ii (0 when all 32
** bits are taken). */
static uint32_t taint_bit(si_ctx *x, uint32_t ii)
{
    for (int i = 0; i < x->ntaint; i++)
        if (x->taint_insn[i] == ii)
            return 1u << i;
    if (x->ntaint >= 32)
        return 0;
    x->taint_insn[x->ntaint] = ii;
    return 1u << x->ntaint++;
}

/* Events of one kind already recorded for site `insn` in this analysis
** (they are contiguous at the end of their array). */
static int count_for(si_ctx *x, uint32_t insn, int which)
{
    uint32_t fn = x->cur_fn, gen = x->fns[fn].gen;
    int n = 0;
    if (which == 0) {
        for (size_t i = x->nholders; i > 0 && x->holders[i - 1].fn == fn &&
             x->holders[i - 1].gen == gen; i--)
            n += x->holders[i - 1].insn == insn;
    } else if (which == 1) {
        for (size_t i = x->nstores; i > 0 && x->stores[i - 1].fn == fn &&
             x->stores[i - 1].gen == gen; i--)
            n += x->stores[i - 1].insn == insn;
    } else {
        for (size_t i = x->ncalls; i > 0 && x->calls[i - 1].fn == fn &&
             x->calls[i - 1].gen == gen; i--)
            n += x->calls[i - 1].insn == insn;
    }
    return n;
}

static void holder(si_ctx *x, const state *S, const sv *v, uint64_t pc, int kind, int reg,
                   int64_t cfa)
{
    if (!is_ret(v) || count_for(x, v->s, 0) >= MAX_HOLDERS)
        return;
    holder_ev *h = HP_PUSH(x->holders, x->nholders, x->holdercap);
    memset(h, 0, sizeof *h);
    h->fn = x->cur_fn;
    h->gen = x->fns[x->cur_fn].gen;
    h->insn = v->s;
    h->pc = pc;
    h->kind = (uint8_t)kind;
    h->reg = (uint8_t)reg;
    h->cfa_off = (int32_t)cfa;
    for (int r = 0; r < DA_NREGS; r++)
        if (is_ret(&S->r[r]) && S->r[r].s == v->s)
            h->regs |= (uint16_t)(1u << r);
    const sv *sp = &S->r[x->arch->sp], *fp = &S->r[x->arch->fp];
    if (sp->k == V_STACK) {
        h->sp_known = 1;
        h->sp_off = (int32_t)sp->c;
    }
    if (fp->k == V_STACK) {
        h->fp_known = 1;
        h->fp_off = (int32_t)fp->c;
    }
}

/* Allocator a call/jump reaches, and its target address when known.
** *via_data is set when it goes through a data word (a function table). */
static int32_t callee(si_ctx *x, const state *S, const da_insn *d, uint64_t *target,
                      int *via_data)
{
    *target = 0;
    *via_data = 0;
    if (d->kind == DA_KIND_CALL || d->kind == DA_KIND_JMP || d->kind == DA_KIND_JCC) {
        *target = d->target;
        return amap_get(&x->alloc_at, d->target);
    }
    uint64_t slot = 0;
    if (d->mem_ind) {
        if (d->base != DA_PC && !(d->base == DA_NOREG && d->index == DA_NOREG))
            return -1;
        slot = d->target;
    } else if (d->src < DA_NREGS) {
        const sv *v = &S->r[d->src];
        if (v->k == V_CONST) {
            *target = (uint64_t)v->c;
            return amap_get(&x->alloc_at, (uint64_t)v->c);
        }
        if (v->k != V_LOAD)
            return -1;
        slot = (uint64_t)v->c;
    } else {
        return -1;
    }
    int32_t a = amap_get(&x->alloc_slot, slot);
    *target = word_at(x, slot);
    if (a >= 0) {
        *via_data = ei_got_name(x->img, slot) == NULL;
        return a;
    }
    if (*target == 0)
        return -1;
    a = amap_get(&x->alloc_at, *target);
    if (a >= 0)
        *via_data = 1;
    return a;
}

static void new_site(si_ctx *x, const state *S, uint32_t ii, int32_t a, int kind, int via_data)
{
    const da_insn *d = &x->insn[ii];
    const alloc *A = &x->allocs[a];
    site_ev *e = HP_PUSH(x->sites, x->nsites, x->sitecap);
    memset(e, 0, sizeof *e);
    e->fn = x->cur_fn;
    e->gen = x->fns[x->cur_fn].gen;
    e->insn = ii;
    e->alloc = a;
    e->pc = d->addr;
    e->ret_pc = d->addr + d->len;
    e->kind = (uint8_t)kind;
    e->returned = kind == SK_TAIL;
    e->indirect = d->kind == DA_KIND_ICALL || d->kind == DA_KIND_IJMP;
    e->via_data = (uint8_t)via_data;
    e->id = -1;
    int na;
    const uint8_t *ar = abi_args(x, (A->flags & AF_GO_ABI) != 0, &na);
    for (int i = 0; i < na && i < MAXARGS; i++)
        e->args[i] = S->r[ar[i]];
}

/* A function's own allocator internals are not sites (wrappers excepted:
** they may allocate for themselves too). */
static int internal(const si_ctx *x, const func *f)
{
    return f->alloc >= 0 && x->allocs[f->alloc].origin != O_WRAPPER;
}

static void setr(state *S, unsigned r, sv v, uint32_t taint)
{
    S->r[r] = v;
    S->taint[r] = taint;
}

/* Apply one instruction to S.  With emit, record events. */
static void xfer(si_ctx *x, const func *f, state *S, uint32_t ii, int emit)
{
    const da_insn *d = &x->insn[ii];
    const da_arch *ar = x->arch;
    uint64_t next = d->addr + d->len;

    switch (d->kind) {
    case DA_KIND_CALL:
    case DA_KIND_ICALL: {
        uint64_t target;
        int via;
        int32_t a = callee(x, S, d, &target, &via);
        const alloc *A = a >= 0 && !internal(x, f) ? &x->allocs[a] : NULL;
        if (emit && A)
            new_site(x, S, ii, a, SK_CALL, via);
        if (emit && !A && target) {
            const sv *a0 = &S->r[f->go_abi ? ar->go_args[0] : ar->args[0]];
            if (is_ret(a0) && count_for(x, a0->s, 2) < MAX_CALLS) {
                call_ev *c = HP_PUSH(x->calls, x->ncalls, x->callcap);
                c->fn = x->cur_fn;
                c->gen = f->gen;
                c->insn = a0->s;
                c->target = target;
            }
        }
        sv out = vsym(ii, ar->ret);
        uint32_t out_taint = 0;
        if (A && A->out >= 0) {
            int na;
            const uint8_t *args = abi_args(x, (A->flags & AF_GO_ABI) != 0, &na);
            sv p = A->out < na ? S->r[args[A->out]] : vunk();
            if (p.k == V_STACK) {
                sv r = vret(ii);
                slot_put(S, p.c, 8, r, taint_bit(x, ii));
                if (emit)
                    holder(x, S, &r, next, H_CFA, 0, p.c);
            }
        } else if (A) {
            out = vret(ii);
            out_taint = taint_bit(x, ii);
        }
        uint32_t clob = f->go_abi ? ~((1u << ar->sp) | (1u << ar->fp) | (1u << 14) | (1u << 15))
                                  : ar->caller_saved;
        for (int r = 0; r < DA_NREGS; r++)
            if (clob & (1u << r))
                setr(S, (unsigned)r, vunk(), 0);
        setr(S, ar->ret, out, out_taint);
        if (emit && is_ret(&out))
            holder(x, S, &out, next, H_REG, ar->ret, 0);
        return;
    }
    case DA_KIND_JMP:
    case DA_KIND_JCC:
    case DA_KIND_IJMP:
        if (emit && (d->kind == DA_KIND_IJMP || !inside(f, d->target))) {
            uint64_t target;
            int via;
            int32_t a = callee(x, S, d, &target, &via);
            if (a >= 0 && !internal(x, f))
                new_site(x, S, ii, a, SK_TAIL, via);
        }
        for (uint32_t wm = d->wmask & WMASK_REGS; wm; wm &= wm - 1) {
            unsigned r = (unsigned)__builtin_ctz(wm);
            setr(S, r, vunk(), 0);
        }
        return;
    case DA_KIND_RET:
        if (emit)
            x->ret_taint |= S->taint[ar->ret];
        return;
    case DA_KIND_BAD:
        for (int r = 0; r < DA_NREGS; r++)
            setr(S, (unsigned)r, vunk(), 0);
        memset(S->sl, 0, sizeof S->sl);
        return;
    case DA_KIND_HALT:
        return;
    default:
        break;
    }

    sv v;
    uint32_t t;
    switch (d->op) {
    case DA_OP_MOV_IMM:
        setr(S, d->dst, vconst(d->imm), 0);
        return;
    case DA_OP_MOV_REG:
        v = S->r[d->src];
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, d->width == 8 ? S->taint[d->src] : 0);
        if (emit && is_ret(&S->r[d->dst]))
            holder(x, S, &S->r[d->dst], next, H_REG, d->dst, 0);
        return;
    case DA_OP_EXT_REG:
        v = S->r[d->src];
        if (v.k == V_CONST) {
            uint64_t u = (uint64_t)v.c;
            unsigned bits = d->width * 8u;
            if (bits > 0 && bits < 64) {
                u &= (1ULL << bits) - 1;
                if (d->imm && (u >> (bits - 1)) & 1)
                    u |= ~0ULL << bits;
            }
            v = vconst((int64_t)u);
        } else if (v.k != V_ARG && v.k != V_UNK) {
            v = vunk();
        }
        setr(S, d->dst, v, 0);
        return;
    case DA_OP_LEA: {
        sv r;
        t = 0;
        if (d->base == DA_PC) {
            r = vconst((int64_t)d->target);
        } else {
            sv b = d->base < DA_NREGS ? S->r[d->base] : vconst(0);
            sv i = d->index < DA_NREGS ? S->r[d->index] : vconst(0);
            if (d->base == DA_NOREG)
                b = vconst(0);
            if (d->index == DA_NOREG) {
                if (b.k == V_CONST)
                    r = vconst(b.c + d->disp);
                else if (b.k == V_STACK)
                    r = vstack(b.c + d->disp);
                else if (is_retoff(&b))
                    r = (b.c += d->disp, b);
                else if (d->disp == 0)
                    r = b;
                else
                    r = vunk();
                if (d->disp == 0 && d->base < DA_NREGS)
                    t = S->taint[d->base];
            } else if (d->base == d->index && d->disp == 0) {
                r = vscale(b, d->scale + 1);
            } else if (d->base == DA_NOREG && d->disp == 0) {
                r = vscale(i, d->scale);
            } else if (b.k == V_CONST && i.k == V_CONST) {
                r = vconst(b.c + i.c * d->scale + d->disp);
            } else {
                r = vunk();
            }
        }
        setr(S, d->dst, d->width == 4 ? vtrunc32(r) : r, d->width == 8 ? t : 0);
        return;
    }
    case DA_OP_ZERO:
        setr(S, d->dst, vconst(0), 0);
        return;
    case DA_OP_SHL_IMM:
        v = S->r[d->dst];
        if (d->imm >= 0 && d->imm < 31)
            v = vscale(v, (int64_t)1 << d->imm);
        else
            v = vunk();
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    case DA_OP_MUL_IMM:
        if (d->src == DA_NOREG) {
            sv a = addr_of(S, d);
            v = a.k == V_STACK ? slot_get(S, a.c, d->width, &t) : vsym(ii, d->dst);
        } else {
            v = S->r[d->src];
        }
        v = vscale(v, d->imm);
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    case DA_OP_MUL_REG:
        v = vmul(S->r[d->dst], S->r[d->src]);
        if (d->wmask & 2u && d->dst == 0)
            setr(S, 1, vunk(), 0);       /* mul writes rdx:rax */
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    case DA_OP_ADD_IMM:
        v = vadd(S->r[d->dst], vconst(d->imm));
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    case DA_OP_ADD_REG:
        v = vadd(S->r[d->dst], S->r[d->src]);
        setr(S, d->dst, d->width == 4 ? vtrunc32(v) : v, 0);
        return;
    case DA_OP_LOAD: {
        sv a = addr_of(S, d);
        t = 0;
        if (a.k == V_STACK)
            v = slot_get(S, a.c, d->width, &t);
        else if (a.k == V_CONST && d->width == 8)
            v = vload((uint64_t)a.c);
        else
            v = vunk();
        if (v.k == V_UNK && v.c <= 1 && v.s == 0)
            v = vsym(ii, d->dst);
        setr(S, d->dst, v, t);
        if (emit && is_ret(&v))
            holder(x, S, &v, next, H_REG, d->dst, 0);
        return;
    }
    case DA_OP_STORE_REG:
    case DA_OP_STORE_IMM:
    case DA_OP_STORE_OTHER: {
        sv a = addr_of(S, d);
        sv val = d->op == DA_OP_STORE_REG ? S->r[d->src] :
                 d->op == DA_OP_STORE_IMM ? vconst(d->imm) : vunk();
        t = d->op == DA_OP_STORE_REG ? S->taint[d->src] : 0;
        if (a.k == V_STACK) {
            slot_put(S, a.c, d->width, val, t);
            if (emit && is_ret(&val) && d->width == 8)
                holder(x, S, &val, next, H_CFA, 0, a.c);
        } else if (emit && d->base < DA_NREGS && d->index == DA_NOREG &&
                   S->r[d->base].k == V_RET && d->width > 0 &&
                   count_for(x, S->r[d->base].s, 1) < MAX_STORES) {
            int64_t off = S->r[d->base].c + d->disp;
            store_ev *s = HP_PUSH(x->stores, x->nstores, x->storecap);
            s->fn = x->cur_fn;
            s->gen = f->gen;
            s->insn = S->r[d->base].s;
            s->off = (int32_t)(off > INT32_MAX ? INT32_MAX : off < INT32_MIN ? INT32_MIN : off);
            s->width = d->width;
        } else if (emit && a.k == V_CONST && is_ret(&val)) {
            gstore_ev *g = HP_PUSH(x->gstores, x->ngstores, x->gstorecap);
            g->fn = x->cur_fn;
            g->gen = f->gen;
            g->insn = val.s;
            g->addr = (uint64_t)a.c;
        }
        for (uint32_t wm = d->wmask & WMASK_REGS; wm; wm &= wm - 1) {
            unsigned r = (unsigned)__builtin_ctz(wm);
            setr(S, r, vsym(ii, r), 0);
        }
        return;
    }
    case DA_OP_PUSH: {
        sv sp = S->r[ar->sp];
        v = d->src < DA_NREGS ? S->r[d->src] : vunk();
        t = d->src < DA_NREGS ? S->taint[d->src] : 0;
        if (sp.k == V_STACK) {
            setr(S, ar->sp, vstack(sp.c - 8), 0);
            slot_put(S, sp.c - 8, 8, v, t);
        } else {
            setr(S, ar->sp, vunk(), 0);
        }
        return;
    }
    case DA_OP_POP: {
        sv sp = S->r[ar->sp];
        t = 0;
        v = sp.k == V_STACK ? slot_get(S, sp.c, 8, &t) : vunk();
        setr(S, ar->sp, sp.k == V_STACK ? vstack(sp.c + 8) : vunk(), 0);
        if (d->dst < DA_NREGS && d->dst != ar->sp)
            setr(S, d->dst, v, t);
        return;
    }
    case DA_OP_CMOV:
        setr(S, d->dst, meet(S->r[d->dst], S->r[d->src]), S->taint[d->dst] | S->taint[d->src]);
        return;
    case DA_OP_ALIGN_SP:
        setr(S, ar->sp, vunk(), 0);
        return;
    default:
        for (uint32_t wm = d->wmask & WMASK_REGS; wm; wm &= wm - 1) {
            unsigned r = (unsigned)__builtin_ctz(wm);
            setr(S, r, r == ar->sp ? vunk() : vsym(ii, r), 0);
        }
        if (d->op == DA_OP_OTHER && d->base != DA_NOREG) {
            /* a write we do not model may still hit a stack slot */
            sv a = addr_of(S, d);
            if (a.k == V_STACK)
                slot_kill_range(S, a.c, d->width ? d->width : 8);
        }
        return;
    }
}

/* ------------------------------------------------------------------ */
/* Block order, then loops: dominators (Cooper, Harvey, Kennedy)      */
/* ------------------------------------------------------------------ */

typedef struct loopscratch {
    uint32_t *rpo_order;        /* blocks in reverse post-order, then the
                                   blocks the entry does not reach, in
                                   address order */
    uint32_t *pos;              /* pos[b]: b's place in rpo_order */
    size_t npo;                 /* blocks the entry reaches */
    uint32_t *pred_start, *pred;
    uint32_t *stack, *stamp;
    uint8_t *sidx;
    size_t cap;
} loopscratch;

static void ls_grow(loopscratch *ls, size_t n)
{
    if (n <= ls->cap)
        return;
    size_t c = ls->cap ? ls->cap : 64;
    while (c < n)
        c *= 2;
    ls->rpo_order = hp_xrealloc(ls->rpo_order, c * sizeof *ls->rpo_order);
    ls->pos = hp_xrealloc(ls->pos, c * sizeof *ls->pos);
    ls->pred_start = hp_xrealloc(ls->pred_start, (c + 1) * sizeof *ls->pred_start);
    ls->pred = hp_xrealloc(ls->pred, 2 * c * sizeof *ls->pred);
    ls->stack = hp_xrealloc(ls->stack, (2 * c + 2) * sizeof *ls->stack);
    ls->stamp = hp_xrealloc(ls->stamp, c * sizeof *ls->stamp);
    ls->sidx = hp_xrealloc(ls->sidx, c);
    ls->cap = c;
}

static void ls_free(loopscratch *ls)
{
    free(ls->rpo_order);
    free(ls->pos);
    free(ls->pred_start);
    free(ls->pred);
    free(ls->stack);
    free(ls->stamp);
    free(ls->sidx);
    memset(ls, 0, sizeof *ls);
}

/* Reverse post-order of the blocks from the entry (iterative DFS): the
** order the data flow visits them in and the one dominators need.  Sets
** blk[].rpo (UINT32_MAX for the blocks the entry does not reach). */
static void compute_rpo(si_ctx *x, loopscratch *LS)
{
    size_t nb = x->nblk;
    block *B = x->blk;
    ls_grow(LS, nb + 1);
    LS->npo = 0;
    if (nb == 0)
        return;
    size_t sp = 0, npo = 0;
    memset(LS->sidx, 0, nb);
    uint8_t *seen = x->leader;      /* free scratch, one byte per block */
    memset(seen, 0, nb);
    LS->stack[sp++] = 0;
    seen[0] = 1;
    while (sp > 0) {
        uint32_t b = LS->stack[sp - 1];
        if (LS->sidx[b] < B[b].nsucc) {
            uint32_t t = B[b].succ[LS->sidx[b]++];
            if (!seen[t]) {
                seen[t] = 1;
                LS->stack[sp++] = t;
            }
        } else {
            LS->rpo_order[npo++] = b;
            sp--;
        }
    }
    for (size_t i = 0; i < npo / 2; i++) {
        uint32_t t = LS->rpo_order[i];
        LS->rpo_order[i] = LS->rpo_order[npo - 1 - i];
        LS->rpo_order[npo - 1 - i] = t;
    }
    LS->npo = npo;
    for (size_t b = 0; b < nb; b++) {
        B[b].rpo = UINT32_MAX;
        if (!seen[b])
            LS->rpo_order[npo++] = (uint32_t)b;
    }
    for (size_t i = 0; i < nb; i++)
        LS->pos[LS->rpo_order[i]] = (uint32_t)i;
    for (size_t i = 0; i < LS->npo; i++)
        B[LS->rpo_order[i]].rpo = (uint32_t)i;
}

/* Forward data flow to a fixed point, then one emitting pass.  The
** queued blocks are visited in sweeps in reverse post-order (LS, from
** compute_rpo), so a block's predecessors outside loops are done before
** it: 40% fewer block visits than a FIFO queue on python3.11.  The
** visiting order can matter -- slots evicted when full, a pointer met with
** a constant on one path first -- so it is fixed, not left to chance. */
static void run_flow(si_ctx *x, const func *f, const loopscratch *LS)
{
    size_t nb = x->nblk;
    const uint32_t *ord = LS->rpo_order, *pos = LS->pos;
    hp_grow((void **)&x->in, &x->incap, nb + 1, sizeof *x->in);
    /* only `reached` needs clearing: a state is copied in whole when first reached */
    for (size_t b = 0; b < nb; b++)
        x->in[b].reached = 0;
    /* the leader bytes are free once blocks exist: one "queued" byte per block */
    hp_grow((void **)&x->leader, &x->leader_cap, nb + 1, 1);
    uint8_t *inq = x->leader;
    memset(inq, 0, nb + 1);
    x->ntaint = 0;
    state S;
    entry_state(x, f, &x->in[0]);
    size_t budget = 64 * nb + 1024;     /* passes are cheap; a cap for pathologies */
    size_t root = 0;
    for (;;) {
        /* sweep the order from the root, wrapping, until nothing is queued */
        size_t nq = 1, cur = pos[root];
        inq[root] = 1;
        while (nq > 0 && budget > 0) {
            budget--;
            while (!inq[ord[cur]])
                cur = cur + 1 < nb ? cur + 1 : 0;
            uint32_t b = ord[cur];
            inq[b] = 0;
            nq--;
            S = x->in[b];
            for (uint32_t i = x->blk[b].first; i <= x->blk[b].last; i++)
                xfer(x, f, &S, i, 0);
            for (int k = 0; k < x->blk[b].nsucc; k++) {
                uint32_t t = x->blk[b].succ[k];
                if (state_meet(&x->in[t], &S) && !inq[t]) {
                    inq[t] = 1;
                    nq++;
                }
            }
        }
        /* blocks nothing reaches (switch targets...) start from nothing */
        while (root < nb && x->in[root].reached)
            root++;
        if (root >= nb || budget == 0)
            break;
        memset(&x->in[root], 0, sizeof x->in[root]);
        for (int r = 0; r < DA_NREGS; r++)
            x->in[root].r[r] = vunk();
        x->in[root].reached = 2;    /* reached, but not from the entry */
    }
    x->fn_sites_from = x->nsites;
    x->ret_taint = 0;
    for (size_t b = 0; b < nb; b++) {
        if (!x->in[b].reached)
            continue;
        S = x->in[b];
        for (uint32_t i = x->blk[b].first; i <= x->blk[b].last; i++)
            xfer(x, f, &S, i, 1);
    }
    for (int b = 0; b < x->ntaint; b++) {
        if (!(x->ret_taint & (1u << b)))
            continue;
        site_ev *e = site_of(x, x->taint_insn[b]);
        if (e)
            e->returned = 1;
    }
}

static uint32_t intersect(const block *B, uint32_t a, uint32_t b)
{
    while (a != b) {
        while (B[a].rpo > B[b].rpo)
            a = B[a].idom;
        while (B[b].rpo > B[a].rpo)
            b = B[b].idom;
    }
    return a;
}

/* blk[].loop_depth for the blocks reached from the entry; LS holds the
** order compute_rpo() found for this function */
static void compute_loops(si_ctx *x, loopscratch *LS)
{
    size_t nb = x->nblk;
    block *B = x->blk;
    for (size_t b = 0; b < nb; b++) {
        B[b].idom = UINT32_MAX;
        B[b].loop_depth = 0;
    }
    size_t npo = LS->npo, sp;
    if (npo == 0)
        return;
    /* predecessors among reached blocks */
    memset(LS->pred_start, 0, (nb + 1) * sizeof *LS->pred_start);
    for (size_t b = 0; b < nb; b++)
        if (B[b].rpo != UINT32_MAX)
            for (int k = 0; k < B[b].nsucc; k++)
                LS->pred_start[B[b].succ[k] + 1]++;
    for (size_t b = 0; b < nb; b++)
        LS->pred_start[b + 1] += LS->pred_start[b];
    memcpy(LS->stamp, LS->pred_start, nb * sizeof *LS->stamp);
    for (size_t b = 0; b < nb; b++)
        if (B[b].rpo != UINT32_MAX)
            for (int k = 0; k < B[b].nsucc; k++)
                LS->pred[LS->stamp[B[b].succ[k]]++] = (uint32_t)b;
    /* dominators */
    B[LS->rpo_order[0]].idom = LS->rpo_order[0];
    for (int changed = 1, rounds = 0; changed && rounds < 1000; rounds++) {
        changed = 0;
        for (size_t i = 1; i < npo; i++) {
            uint32_t b = LS->rpo_order[i];
            uint32_t nd = UINT32_MAX;
            for (uint32_t k = LS->pred_start[b]; k < LS->pred_start[b + 1]; k++) {
                uint32_t p = LS->pred[k];
                if (B[p].idom == UINT32_MAX)
                    continue;
                nd = nd == UINT32_MAX ? p : intersect(B, p, nd);
            }
            if (nd != UINT32_MAX && B[b].idom != nd) {
                B[b].idom = nd;
                changed = 1;
            }
        }
    }
    /* natural loops: for each header h, the blocks that reach a back edge
    ** source without passing h; all back edges into h form one loop */
    for (size_t b = 0; b < nb; b++)
        LS->stamp[b] = UINT32_MAX;
    for (size_t i = 0; i < npo; i++) {
        uint32_t h = LS->rpo_order[i];
        sp = 0;
        for (uint32_t k = LS->pred_start[h]; k < LS->pred_start[h + 1]; k++) {
            uint32_t u = LS->pred[k];
            uint32_t d = u;     /* does h dominate u? */
            for (size_t guard = 0; guard <= npo; guard++) {
                if (d == h) {
                    LS->stack[sp++] = u;
                    break;
                }
                if (B[d].idom == d || B[d].idom == UINT32_MAX)
                    break;
                d = B[d].idom;
            }
        }
        if (sp == 0)
            continue;
        LS->stamp[h] = h;
        if (B[h].loop_depth < 255)
            B[h].loop_depth++;
        while (sp > 0) {
            uint32_t u = LS->stack[--sp];
            if (LS->stamp[u] == h)
                continue;
            LS->stamp[u] = h;
            if (B[u].loop_depth < 255)
                B[u].loop_depth++;
            for (uint32_t k = LS->pred_start[u]; k < LS->pred_start[u + 1]; k++)
                if (LS->stamp[LS->pred[k]] != h)
                    LS->stack[sp++] = LS->pred[k];
        }
    }
}

/* ------------------------------------------------------------------ */
/* Wrappers and the fixed point                                        */
/* ------------------------------------------------------------------ */

/* Big functions are rarely wrappers but cost the most to analyze, and a
** caller is analyzed again each time one of its callees turns out to be
** a wrapper: so big ones wait until the small ones have settled, and are
** usually analyzed once.  (If one of them is a wrapper after all, its
** callers are queued as usual: the result is the same fixed point.) */
#define BIG_FUNCTION 2048

static void enqueue(si_ctx *x, uint32_t fi)
{
    func *f = &x->fns[fi];
    if (f->queued || f->is_plt || internal(x, f))
        return;
    f->queued = 1;
    f->deferred = f->size > BIG_FUNCTION;
    uint32_t *q = HP_PUSH(x->queue, x->nqueue, x->queuecap);
    *q = fi;
}

static void enqueue_callers(si_ctx *x, uint32_t fi)
{
    for (uint32_t k = x->cal_start[fi]; k < x->cal_start[fi + 1]; k++)
        enqueue(x, x->cal[k]);
}

/* Does site e forward the function's own arguments to its allocator?
** Fills the wrapper's argument positions. */
static int forwards(const si_ctx *x, const site_ev *e, int *sa, int *ca, int *ta)
{
    const alloc *A = &x->allocs[e->alloc];
    *sa = *ca = *ta = -1;
    if (A->flags & (AF_CACHE_CREATE | AF_CACHE_ALLOC) || A->out >= 0)
        return 0;
    if (A->size >= 0) {
        const sv *v = &e->args[A->size];
        if (v->k == V_ARG && v->c == 1) {
            *sa = v->a;
        } else if (v->k == V_PROD) {
            *ca = v->a;     /* count first, as in calloc(n, size) */
            *sa = v->b;
        } else {
            return 0;
        }
        if (A->count >= 0) {
            const sv *c = &e->args[A->count];
            if (c->k == V_ARG && c->c == 1 && *ca < 0 && c->a != *sa)
                *ca = c->a;
            else if (c->k != V_CONST)
                return 0;
        }
        return 1;
    }
    if (A->type >= 0) {
        const sv *v = &e->args[A->type];
        if (v->k == V_ARG && v->c == 1) {
            *ta = v->a;
            if (A->count >= 0 && e->args[A->count].k == V_ARG)
                *ca = e->args[A->count].a;
            return 1;
        }
    }
    return 0;
}

/* Mark forwarding sites of function fi; make it a wrapper if it is not an
** allocator yet.  Returns 1 when a new allocator was created. */
static int decide_wrapper(si_ctx *x, uint32_t fi, size_t from)
{
    func *f = &x->fns[fi];
    if (f->cold || f->name == NULL || internal(x, f))
        return 0;
    int made = 0;
    for (size_t i = from; i < x->nsites; i++) {
        site_ev *e = &x->sites[i];
        int sa, ca, ta;
        if (!(e->kind == SK_TAIL || e->returned) || !forwards(x, e, &sa, &ca, &ta))
            continue;
        if (x->allocs[e->alloc].addr == f->addr)
            continue;       /* recursion */
        e->forwarding = 1;
        if (f->alloc >= 0)
            continue;
        int32_t k = new_alloc(x, f->name, base_len(f->name), f->addr);
        alloc *W = &x->allocs[k];
        const alloc *A = &x->allocs[e->alloc];     /* after new_alloc: it may move */
        W->size = (int8_t)sa;
        W->count = (int8_t)ca;
        W->type = (int8_t)ta;
        W->family = A->family;
        W->flags = A->flags & (AF_ARRAY | AF_REALLOC);
        if (f->go_abi)
            W->flags |= AF_GO_ABI;
        W->origin = O_WRAPPER;
        W->wraps = e->alloc;
        const char *how = e->kind == SK_TAIL ? "tail-calls" : "calls";
        const char *ret = e->kind == SK_TAIL ? "" : " and returns the result";
        unsigned long long pc = (unsigned long long)e->pc;
        if (sa >= 0 && A->size >= 0 && e->args[A->size].k == V_PROD)
            W->reason = hp_xasprintf("%s %s at 0x%llx with argument %d times argument %d as "
                                     "the size%s", how, A->name, pc, sa, ca, ret);
        else if (sa >= 0 && ca >= 0)
            W->reason = hp_xasprintf("%s %s at 0x%llx with argument %d as the size and "
                                     "argument %d as the count%s", how, A->name, pc, sa, ca, ret);
        else if (sa >= 0)
            W->reason = hp_xasprintf("%s %s at 0x%llx with argument %d as the size%s%s", how,
                                     A->name, pc, sa,
                                     e->args[A->size].adj ? " (a constant on some paths)" : "",
                                     ret);
        else
            W->reason = hp_xasprintf("%s %s at 0x%llx with argument %d as the type%s", how,
                                     A->name, pc, ta, ret);
        f->alloc = k;
        amap_put(&x->alloc_at, f->addr, k);
        x->st->wrappers++;
        made = 1;
    }
    return made;
}

static void analyze_fn(si_ctx *x, uint32_t fi, loopscratch *ls, int *made_wrapper)
{
    func *f = &x->fns[fi];
    f->gen++;
    x->cur_fn = fi;
    *made_wrapper = 0;
    if (decode_fn(x, fi) != 0 || x->ninsn == 0) {
        f->has_sites = 0;
        return;
    }
    build_blocks(x, f);
    compute_rpo(x, ls);
    run_flow(x, f, ls);
    size_t from = x->fn_sites_from;
    f->has_sites = x->nsites > from;
    if (!f->has_sites)
        return;
    compute_loops(x, ls);
    for (size_t i = from; i < x->nsites; i++) {
        site_ev *e = &x->sites[i];
        uint32_t b = x->blk_of[e->insn];
        e->loop_depth = x->blk[b].rpo == UINT32_MAX ? 0 : x->blk[b].loop_depth;
    }
    *made_wrapper = decide_wrapper(x, fi, from);
}

/* Data words holding function fi's address now lead to allocator a: the
** functions that load them are queued. */
static void publish(si_ctx *x, uint32_t fi, int32_t a)
{
    size_t l = 0, h = x->nsrefs;
    while (l < h) {
        size_t m = l + (h - l) / 2;
        if (x->srefs[m].fn < fi)
            l = m + 1;
        else
            h = m;
    }
    for (size_t k = l; k < x->nsrefs && x->srefs[k].fn == fi; k++) {
        uint64_t sl = x->srefs[k].slot;
        amap_put(&x->alloc_slot, sl, a);
        size_t ul = 0, uh = x->nuses;
        while (ul < uh) {
            size_t m = ul + (uh - ul) / 2;
            if (x->uses[m].slot < sl)
                ul = m + 1;
            else
                uh = m;
        }
        for (size_t u = ul; u < x->nuses && x->uses[u].slot == sl; u++)
            enqueue(x, x->uses[u].fn);
    }
}

static void fixed_point(si_ctx *x)
{
    loopscratch ls;
    memset(&ls, 0, sizeof ls);
    /* the first wave: callers of every allocator with a body or stub */
    for (size_t i = 0; i < x->nfns; i++) {
        if (x->fns[i].alloc < 0)
            continue;
        enqueue_callers(x, (uint32_t)i);
        if (!x->fns[i].is_plt)
            publish(x, (uint32_t)i, x->fns[i].alloc);
    }
    for (size_t i = 0; i < x->ngot_callers; i++)
        enqueue(x, x->got_callers[i]);

    uint32_t *round = NULL;
    size_t rcap = 0;
    pd_pipe pipe;
    pd_thread pth[16];
    pd_count own = { 0, 0, 0 };
    da_insn *pbuf = NULL;       /* the analysis's own decoding */
    size_t pcap = 0;
    for (int iter = 0; x->nqueue > 0 && iter < 10000; iter++) {
        /* this round: the small queued functions, or the big ones when
        ** only big ones are left; the rest stays queued */
        int small = 0;
        for (size_t i = 0; i < x->nqueue && !small; i++)
            small = !x->fns[x->queue[i]].deferred;
        size_t n = 0, keep = 0;
        hp_grow((void **)&round, &rcap, x->nqueue + 1, sizeof *round);
        for (size_t i = 0; i < x->nqueue; i++) {
            uint32_t fi = x->queue[i];
            if (small && x->fns[fi].deferred)
                x->queue[keep++] = fi;
            else
                round[n++] = fi;
        }
        x->nqueue = keep;
        for (size_t i = 0; i < n; i++)
            x->fns[round[i]].queued = 0;
        pd_start(x, &pipe, pth, round, n);
        for (size_t i = 0; i < n; i++) {
            int made;
            hp_pace(&x->pacer);
            pd_wait(&pipe, i, &pbuf, &pcap, &own);
            analyze_fn(x, round[i], &ls, &made);
            if (!made)
                continue;
            enqueue_callers(x, round[i]);
            publish(x, round[i], x->fns[round[i]].alloc);
        }
        pd_finish(&pipe, pth, &own);
        own = (pd_count){ 0, 0, 0 };
    }
    free(pbuf);
    free(round);
    ls_free(&ls);
}

/* ------------------------------------------------------------------ */
/* The binary's types, for attribution                                */
/* ------------------------------------------------------------------ */

typedef struct tmem {
    uint64_t off, size;
    uint32_t bit_size;
    uint8_t compound;           /* array/aggregate: partial stores fit */
} tmem;

typedef struct trow {
    uint32_t tsi;               /* index in the type set: types row type_ids[tsi] */
    const char *name, *tail, *decl_file;
    uint64_t size;
    uint32_t decl_line;
    const lay_type *t;          /* the layout, in the type set */
    tmem *mem;
    uint32_t nmem;
    int8_t mem_loaded;
} trow;

typedef struct tindex {
    trow *rows;
    size_t n;
    uint32_t *by_tail;          /* row indexes sorted by tail */
    uint32_t *by_size;          /* row indexes sorted by size */
} tindex;

/* Is t a type of the toolchain or the system rather than of the program
** (declared under /usr/ or a Rust toolchain's library, or in std, core
** or alloc)? */
static int toolchain_type(const trow *t)
{
    /* crates Rust's standard library is built from */
    static const char *const std_crates[] = {
        "std::", "core::", "alloc::", "gimli::", "addr2line::", "object::", "hashbrown::",
        "miniz_oxide::", "rustc_demangle::", "memchr::", "adler::", "adler2::",
        "std_detect::", "panic_unwind::", "unwind::",
    };
    const char *f = t->decl_file ? t->decl_file : "";
    const char *n = t->name ? t->name : "";
    if (strncmp(f, "/usr/", 5) == 0 || strncmp(f, "/rustc/", 7) == 0 ||
        strstr(f, "/library/") != NULL)
        return 1;
    if (n[0] == '(' || n[0] == '&' || n[0] == '[' || n[0] == '*')
        return 1;                /* Rust tuples, references, slices: compiler-made */
    for (size_t i = 0; i < sizeof std_crates / sizeof std_crates[0]; i++)
        if (strncmp(n, std_crates[i], strlen(std_crates[i])) == 0)
            return 1;
    return 0;
}

/* the last component of a qualified name: "ns::A<b::c>::T" -> "T" */
static const char *name_tail(const char *s)
{
    const char *t = s;
    int depth = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '<' || *p == '(')
            depth++;
        else if ((*p == '>' || *p == ')') && depth > 0)
            depth--;
        else if (depth == 0 && p[0] == ':' && p[1] == ':')
            t = p + 2;
    }
    return t;
}

/* qsort has no context argument; sorting happens in one thread */
static const tindex *ti_sorting;
static int cmp_tail(const void *a, const void *b)
{
    const trow *x = &ti_sorting->rows[*(const uint32_t *)a];
    const trow *y = &ti_sorting->rows[*(const uint32_t *)b];
    int c = strcmp(x->tail, y->tail);
    return c ? c : (x->tsi < y->tsi ? -1 : x->tsi > y->tsi);
}
static int cmp_size(const void *a, const void *b)
{
    const trow *x = &ti_sorting->rows[*(const uint32_t *)a];
    const trow *y = &ti_sorting->rows[*(const uint32_t *)b];
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return x->tsi < y->tsi ? -1 : x->tsi > y->tsi;
}

/* The binary's types (enums aside), from the type set they are stored
** from: every value is the one its types or members row holds, without
** reading the rows back; row ids (ascending with the type set's order)
** are looked up only when the sites are written. */
static void ti_load(tindex *ti, typeset *types)
{
    memset(ti, 0, sizeof *ti);
    size_t n = ts_count(types), cap = 0;
    for (size_t i = 0; i < n; i++) {
        const lay_type *t = &ts_get(types, i)->t;
        if (t->kind == LAY_ENUM_DATA)
            continue;
        trow *r = HP_PUSH(ti->rows, ti->n, cap);
        memset(r, 0, sizeof *r);
        r->tsi = (uint32_t)i;
        r->name = t->name ? t->name : "(anonymous)";    /* as st_add_types stores it */
        r->tail = name_tail(r->name);
        r->size = t->size;
        r->decl_file = t->decl_file;
        r->decl_line = t->decl_line < UINT32_MAX ? t->decl_line : 0;
        r->t = t;
    }
    ti->by_tail = hp_xmalloc((ti->n + 1) * sizeof *ti->by_tail);
    ti->by_size = hp_xmalloc((ti->n + 1) * sizeof *ti->by_size);
    for (size_t i = 0; i < ti->n; i++)
        ti->by_tail[i] = ti->by_size[i] = (uint32_t)i;
    ti_sorting = ti;
    qsort(ti->by_tail, ti->n, sizeof *ti->by_tail, cmp_tail);
    qsort(ti->by_size, ti->n, sizeof *ti->by_size, cmp_size);
    ti_sorting = NULL;
}

static void ti_free(tindex *ti)
{
    for (size_t i = 0; i < ti->n; i++)
        free(ti->rows[i].mem);
    free(ti->rows);
    free(ti->by_tail);
    free(ti->by_size);
    memset(ti, 0, sizeof *ti);
}

/* May a store write part of this member (an array or an aggregate)?
** From the rendered type name and flags (MF_BASE, MF_ANON, MF_EMBEDDED). */
static int is_compound(const char *tn, uint64_t size, uint32_t flags)
{
    if (flags & (0x0002 | 0x0020 | 0x0040))
        return 1;
    if (tn == NULL)
        return size > 8;
    size_t n = strlen(tn);
    if (n > 0 && tn[n - 1] == ']')
        return 1;
    if (strncmp(tn, "struct ", 7) == 0 || strncmp(tn, "union ", 6) == 0 ||
        strncmp(tn, "class ", 6) == 0)
        return 1;
    if (strchr(tn, '*'))
        return 0;
    return size > 16;
}

static void ti_members(trow *r)
{
    if (r->mem_loaded)
        return;
    r->mem_loaded = 1;
    size_t cap = 0, n = 0;
    for (uint32_t i = 0; i < r->t->nmembers; i++) {
        const lay_member *lm = &r->t->members[i];
        if (lm->flags & MF_VIRTUAL)     /* no fixed offset */
            continue;
        tmem *m = HP_PUSH(r->mem, n, cap);
        m->off = lm->offset;
        m->size = lm->size;
        m->bit_size = lm->bit_size;
        m->compound = (uint8_t)is_compound(lm->type_name, m->size, lm->flags);
    }
    r->nmem = (uint32_t)n;
}

/* Rows whose size is exactly `size`: [*lo, *hi) in by_size. */
static void ti_size_range(const tindex *ti, uint64_t size, size_t *lo, size_t *hi)
{
    size_t a = 0, b = ti->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (ti->rows[ti->by_size[m]].size < size)
            a = m + 1;
        else
            b = m;
    }
    *lo = a;
    b = ti->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (ti->rows[ti->by_size[m]].size <= size)
            a = m + 1;
        else
            b = m;
    }
    *hi = a;
}

static const char *base_of(const char *p)
{
    const char *s = p ? strrchr(p, '/') : NULL;
    return s ? s + 1 : p;
}

/* The row a DWARF aggregate denotes, or NULL: the name must match the
** row's name or its last component(s); then size, declaration line and
** file decide between layouts of one name. */
static trow *ti_find(tindex *ti, const char *name, uint64_t size, const char *decl_file,
                     uint32_t decl_line, uint64_t want_size)
{
    if (name == NULL || ti->n == 0)
        return NULL;
    const char *tail = name_tail(name);
    size_t a = 0, b = ti->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (strcmp(ti->rows[ti->by_tail[m]].tail, tail) < 0)
            a = m + 1;
        else
            b = m;
    }
    trow *best = NULL;
    int best_score = -1, ties = 0;
    size_t lt = strlen(name);
    for (size_t i = a; i < ti->n; i++) {
        trow *r = &ti->rows[ti->by_tail[i]];
        if (strcmp(r->tail, tail) != 0)
            break;
        size_t ln = strlen(r->name);
        if (ln < lt || strcmp(r->name + ln - lt, name) != 0 ||
            (ln > lt && !(ln >= lt + 2 && r->name[ln - lt - 1] == ':')))
            continue;
        int score = 0;
        if (size > 0) {
            if (r->size != size)
                continue;
            score += 4;
        } else if (want_size > 0 && r->size == want_size) {
            score += 2;
        }
        if (decl_line && r->decl_line == decl_line)
            score += 2;
        if (decl_file && r->decl_file && strcmp(base_of(decl_file), base_of(r->decl_file)) == 0)
            score += 1;
        if (ln == lt)
            score += 1;
        if (score > best_score) {
            best = r;
            best_score = score;
            ties = 0;
        } else if (score == best_score) {
            ties++;
        }
    }
    /* a declaration-only name that several layouts share is not decided */
    if (best && size == 0 && ties > 0 && best_score < 2)
        return NULL;
    return best;
}

/* Does a store of `width` bytes at `off` fit r's members: exactly one
** member, inside an array/aggregate/bitfield member, or a run of whole
** members (vectorised initialisation), padding included? */
static int store_fits(const trow *r, int64_t off, uint32_t width)
{
    if (off < 0 || (uint64_t)off + width > r->size)
        return 0;
    uint64_t o = (uint64_t)off, e = o + width;
    for (uint32_t i = 0; i < r->nmem; i++) {
        const tmem *m = &r->mem[i];
        if (m->off == o && m->size == width)
            return 1;
        if (m->off <= o && e <= m->off + m->size && (m->compound || m->bit_size > 0))
            return 1;
    }
    int start_ok = 0, end_ok = e == r->size, any = 0;
    for (uint32_t i = 0; i < r->nmem; i++) {
        const tmem *m = &r->mem[i];
        uint64_t me = m->off + m->size;
        if (m->off < e && o < me) {
            if (m->off < o || me > e)
                return 0;       /* a member would be cut */
            any = 1;
        }
        if (m->off == o || me == o)
            start_ok = 1;
        if (me == e || m->off == e)
            end_ok = 1;
    }
    return any && start_ok && end_ok;
}

/* ------------------------------------------------------------------ */
/* Attribution                                                         */
/* ------------------------------------------------------------------ */

#define CONF_GO     0.99
#define CONF_CTOR   0.95
#define CONF_VAR    0.90
#define CONF_RETURN 0.85
#define CONF_KMEM   0.80
#define CONF_STORES 0.60
#define CONF_SIZE   0.30
#define MAX_CANDIDATES 16

typedef struct fin {
    trow *type;
    const char *method;
    double conf;
    int64_t size, count;
    int size_known, count_known;
    const char *size_from;
    const char *type_name;
    trow *cand[MAX_CANDIDATES];
    size_t ncand, ncand_total;
    const char *cand_method;
    int ambiguous;
    /* a variable's or return type smaller than the allocation: maybe a
    ** header of it (C-style inheritance: PyObject in every object), kept
    ** in case nothing names the whole object */
    trow *fallback;
    const char *fb_method;
    double fb_conf;
} fin;

static int cmp_ev3(uint32_t fa, uint32_t ga, uint32_t ia, uint32_t fb, uint32_t gb, uint32_t ib)
{
    if (fa != fb)
        return fa < fb ? -1 : 1;
    if (ga != gb)
        return ga < gb ? -1 : 1;
    return ia < ib ? -1 : ia > ib;
}
static int cmp_store(const void *a, const void *b)
{
    const store_ev *x = a, *y = b;
    int c = cmp_ev3(x->fn, x->gen, x->insn, y->fn, y->gen, y->insn);
    return c ? c : (x->off < y->off ? -1 : x->off > y->off);
}
static int cmp_holder(const void *a, const void *b)
{
    const holder_ev *x = a, *y = b;
    int c = cmp_ev3(x->fn, x->gen, x->insn, y->fn, y->gen, y->insn);
    return c ? c : (x->pc < y->pc ? -1 : x->pc > y->pc);
}
static int cmp_call(const void *a, const void *b)
{
    const call_ev *x = a, *y = b;
    int c = cmp_ev3(x->fn, x->gen, x->insn, y->fn, y->gen, y->insn);
    return c ? c : (x->target < y->target ? -1 : x->target > y->target);
}
static int cmp_gstore(const void *a, const void *b)
{
    const gstore_ev *x = a, *y = b;
    int c = cmp_ev3(x->fn, x->gen, x->insn, y->fn, y->gen, y->insn);
    return c ? c : (x->addr < y->addr ? -1 : x->addr > y->addr);
}

/* [lo, hi) of the events of site e in an array sorted by (fn, gen, insn) */
#define EV_RANGE(arr, n, e, lo, hi) do {                                        \
    size_t a_ = 0, b_ = (n);                                                    \
    while (a_ < b_) {                                                           \
        size_t m_ = a_ + (b_ - a_) / 2;                                         \
        if (cmp_ev3((arr)[m_].fn, (arr)[m_].gen, (arr)[m_].insn,                \
                    (e)->fn, (e)->gen, (e)->insn) < 0)                          \
            a_ = m_ + 1;                                                        \
        else                                                                    \
            b_ = m_;                                                            \
    }                                                                           \
    (lo) = a_;                                                                  \
    while (a_ < (n) && (arr)[a_].fn == (e)->fn && (arr)[a_].gen == (e)->gen &&  \
           (arr)[a_].insn == (e)->insn)                                         \
        a_++;                                                                   \
    (hi) = a_;                                                                  \
} while (0)

static int is_ctor_name(const char *n)
{
    if (n == NULL || strncmp(n, "_ZN", 3) != 0)
        return 0;
    static const char *const pats[] = { "C1E", "C2E", "C3E", "C1I", "C2I", "CI1", "CI2" };
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++)
        if (strstr(n, pats[i]))
            return 1;
    return 0;
}

/* "_ZN2ns4NodeC2Ev" -> "ns::Node"; NULL for anything fancier. */
static char *ctor_class(const char *n)
{
    hp_buf b = {0};
    const char *p = n + 3;
    if (*p == 'K')
        p++;
    if (p[0] == 'S' && p[1] == 't') {
        hp_buf_puts(&b, "std");
        p += 2;
    }
    while (*p >= '1' && *p <= '9') {
        char *end;
        unsigned long len = strtoul(p, &end, 10);
        if (len == 0 || len > 1024 || strlen(end) < len) {
            hp_buf_free(&b);
            return NULL;
        }
        if (b.len)
            hp_buf_puts(&b, "::");
        hp_buf_putn(&b, end, len);
        p = end + len;
    }
    if (*p != 'C' || b.len == 0) {
        hp_buf_free(&b);
        return NULL;
    }
    return b.s;
}

static int loc_matches(const dl_varloc *l, const holder_ev *h, const da_arch *ar)
{
    if (h->pc < l->lo || h->pc >= l->hi)
        return 0;
    switch (l->kind) {
    case DL_LOC_REG:
        return (h->kind == H_REG && h->reg == l->reg) ||
               (l->reg < DA_NREGS && (h->regs & (1u << l->reg)));
    case DL_LOC_CFA:
        return h->kind == H_CFA && h->cfa_off == l->off;
    case DL_LOC_BREG:
        if (h->kind != H_CFA)
            return 0;
        if (l->reg == ar->sp && h->sp_known)
            return (int64_t)h->sp_off + l->off == h->cfa_off;
        if (l->reg == ar->fp && h->fp_known)
            return (int64_t)h->fp_off + l->off == h->cfa_off;
        return 0;
    default:
        return 0;
    }
}

static int dwarf_param(const dl_site *ds, uint8_t reg, int64_t *v)
{
    if (ds == NULL)
        return 0;
    for (int i = 0; i < ds->nparams; i++)
        if (ds->param_reg[i] == reg) {
            *v = ds->param_val[i];
            return 1;
        }
    return 0;
}

static int sane_size(int64_t v)
{
    return v > 0 && v < ((int64_t)1 << 40);
}

static const char *c_string(si_ctx *x, hp_arena *ar, uint64_t addr)
{
    char buf[256];
    size_t n = 0;
    for (; n + 1 < sizeof buf; n++) {
        const uint8_t *p = bytes_at(x, addr + n, 1);
        if (p == NULL)
            return NULL;
        if (*p == 0)
            break;
        if (*p < 0x20 || *p > 0x7e)
            return NULL;
        buf[n] = (char)*p;
    }
    buf[n] = '\0';
    return n ? hp_arena_strdup(ar, buf) : NULL;
}

/* Go: the type whose descriptor is at addr */
static const dl_gotype *go_type_at(const si_ctx *x, const dl_gotype *gv, size_t ng, uint64_t addr)
{
    if (!x->go_types_base || addr < x->go_types_base)
        return NULL;
    uint64_t off = addr - x->go_types_base;
    size_t lo = hp_lower_bound(gv, 0, ng, sizeof *gv, offsetof(dl_gotype, runtime_type), off);
    /* prefer a struct when several DIEs share the descriptor */
    const dl_gotype *best = NULL;
    for (size_t i = lo; i < ng && gv[i].runtime_type == off; i++)
        if (best == NULL || (gv[i].tag == 0x13 && best->tag != 0x13))
            best = &gv[i];
    return best;
}

static void set_type(fin *r, trow *t, const char *method, double conf)
{
    r->type = t;
    r->method = method;
    r->conf = conf;
    r->type_name = t->name;
}

/* Is t consistent with what the code says about the size? */
static int size_ok(const fin *r, const trow *t)
{
    if (!r->size_known || t->size == 0)
        return 1;
    return (uint64_t)r->size >= t->size;
}

/* Byte types and void point at raw memory, which may hold any struct. */
static int is_bytes(const char *n)
{
    static const char *const b[] = { "void", "char", "signed char", "unsigned char",
                                     "uint8_t", "int8_t", "u8", "uint8", "byte", "?" };
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        if (strcmp(n, b[i]) == 0)
            return 1;
    return 0;
}

/* One object (not an array) that is bigger than t: t may be only its head. */
static int only_head(const fin *r, const trow *t, const alloc *A)
{
    return r->size_known && r->count_known && r->count == 1 && !(A->flags & AF_ARRAY) &&
           t->size > 0 && t->size < (uint64_t)r->size;
}

/* Take t, or keep it for later when it may be only the head. */
static int take(fin *r, trow *t, const alloc *A, const char *method, double conf)
{
    if (!only_head(r, t, A)) {
        set_type(r, t, method, conf);
        return 1;
    }
    if (r->fallback == NULL) {
        r->fallback = t;
        r->fb_method = method;
        r->fb_conf = conf;
    }
    return 0;
}

static void use_fallback(fin *r)
{
    if (r->fallback)
        set_type(r, r->fallback, r->fb_method, r->fb_conf);
}

typedef struct dwarfacts {
    const dl_site *site;        /* may be NULL */
    const dl_func *funcs;
    size_t nfuncs;
    const dl_gotype *go;
    size_t ngo;
    const kcache *kc;
    size_t nkc;
} dwarfacts;

static void attribute(si_ctx *x, tindex *ti, const site_ev *e, const dwarfacts *df, fin *r)
{
    memset(r, 0, sizeof *r);
    const alloc *A = &x->allocs[e->alloc];
    const dl_site *ds = df->site;
    int na;
    const uint8_t *regs = abi_args(x, (A->flags & AF_GO_ABI) != 0, &na);
    int scaled = 0;

    /* ---- size and count ---- */
    if (A->size >= 0 && A->size < na) {
        const sv *v = &e->args[A->size];
        int64_t d;
        if (v->k == V_CONST && sane_size(v->c)) {
            r->size = v->c;
            r->size_known = 1;
            r->size_from = "code";
        } else if ((v->k == V_UNK || v->k == V_ARG) && v->c > 1) {
            r->size = v->c;             /* n * size: the element size */
            r->size_known = 1;
            r->size_from = "code";
            scaled = 1;
        } else if (dwarf_param(ds, regs[A->size], &d) && sane_size(d)) {
            r->size = d;
            r->size_known = 1;
            r->size_from = "dwarf-call-site";
        }
    }
    if (A->count >= 0 && A->count < na) {
        const sv *v = &e->args[A->count];
        int64_t d;
        if (v->k == V_CONST && v->c >= 0) {
            r->count = v->c;
            r->count_known = 1;
        } else if (dwarf_param(ds, regs[A->count], &d) && d >= 0) {
            r->count = d;
            r->count_known = 1;
        }
    } else if (r->size_known && !scaled && A->type < 0) {
        r->count = 1;
        r->count_known = 1;
    }
    /* calloc(n, 1) is one object of n bytes: gcc -O2 turns malloc(sizeof *p)
    ** followed by memset(p, 0, sizeof *p) into calloc(sizeof *p, 1), and
    ** taken as n one-byte elements no struct would fit */
    if (r->size_known && r->count_known && r->size == 1 && r->count > 1 &&
        sane_size(r->count)) {
        r->size = r->count;
        r->count = 1;
    }

    /* ---- Go: the type descriptor ---- */
    if (A->type >= 0) {
        const dl_gotype *g = NULL;
        uint64_t desc = 0;
        for (int k = 0; k < 2 && g == NULL; k++) {
            int idx = k == 0 ? A->type : A->type2;
            if (idx < 0 || idx >= na || e->args[idx].k != V_CONST)
                continue;
            desc = (uint64_t)e->args[idx].c;
            g = go_type_at(x, df->go, df->ngo, desc);
        }
        if (g) {
            const uint8_t *p = bytes_at(x, desc, 8);    /* _type.size */
            uint64_t dsz = p ? rd64le(p) : g->size;
            if (dsz > 0 && sane_size((int64_t)dsz) && !r->size_known) {
                r->size = (int64_t)dsz;
                r->size_known = 1;
                r->size_from = "go-type";
                if (A->count < 0 && !(A->flags & AF_ARRAY)) {
                    r->count = 1;
                    r->count_known = 1;
                }
            }
            r->type_name = g->name;
            trow *t = g->tag == 0x13 ? ti_find(ti, g->name, g->size, NULL, 0, (uint64_t)r->size)
                                     : NULL;
            if (t) {
                set_type(r, t, "go-type", CONF_GO);
                return;
            }
            r->method = "go-type";      /* a known type, but not a struct row */
            r->conf = CONF_GO;
            return;
        }
    }

    /* ---- Linux: the cache's size and name ---- */
    const char *cache_name = NULL;
    if ((A->flags & AF_CACHE_ALLOC) && A->cache >= 0 && A->cache < na &&
        e->args[A->cache].k == V_LOAD) {
        uint64_t slot = (uint64_t)e->args[A->cache].c;
        for (size_t i = 0; i < df->nkc; i++)
            if (df->kc[i].slot == slot) {
                if (sane_size(df->kc[i].size) && !r->size_known) {
                    r->size = df->kc[i].size;
                    r->size_known = 1;
                    r->size_from = "kmem-cache";
                    r->count = 1;
                    r->count_known = 1;
                }
                cache_name = df->kc[i].name;
                break;
            }
    }

    /* ---- C++: the constructor called on the pointer ---- */
    size_t lo, hi;
    EV_RANGE(x->calls, x->ncalls, e, lo, hi);
    for (size_t i = lo; i < hi; i++) {
        int32_t fi = amap_get(&x->fn_at, x->calls[i].target);
        const char *fname = fi >= 0 ? x->fns[fi].name : NULL;
        if (!is_ctor_name(fname))
            continue;
        trow *t = NULL;
        size_t a = 0, b = df->nfuncs;
        while (a < b) {
            size_t m = a + (b - a) / 2;
            if (df->funcs[m].entry < x->calls[i].target)
                a = m + 1;
            else
                b = m;
        }
        if (a < df->nfuncs && df->funcs[a].entry == x->calls[i].target &&
            df->funcs[a].this_type && df->funcs[a].this_type->name) {
            const dl_type *dt = df->funcs[a].this_type;
            t = ti_find(ti, dt->name, dt->size, dt->decl_file, dt->decl_line, (uint64_t)r->size);
        }
        if (t == NULL) {
            char *cls = ctor_class(fname);
            if (cls) {
                t = ti_find(ti, cls, 0, NULL, 0, (uint64_t)r->size);
                free(cls);
            }
        }
        if (t && size_ok(r, t)) {
            set_type(r, t, "cxx-ctor", CONF_CTOR);
            return;
        }
        break;      /* only the first constructor call speaks */
    }

    /* ---- DWARF: a variable holding the pointer ---- */
    const char *scalar = NULL;      /* it points to int, wchar_t, pointers...: no struct */
    if (ds && ds->nvars > 0) {
        EV_RANGE(x->holders, x->nholders, e, lo, hi);
        for (size_t i = lo; i < hi; i++) {
            trow *pick = NULL, *exact = NULL;
            int conflict = 0, nexact = 0;
            for (uint32_t k = 0; k < ds->nvars; k++) {
                const dl_var *v = &ds->vars[k];
                int hit = 0;
                for (uint32_t l = 0; l < v->nlocs && !hit; l++)
                    hit = loc_matches(&v->locs[l], &x->holders[i], x->arch);
                if (!hit)
                    continue;
                const dl_type *dt = v->type;
                if (dt->name == NULL) {
                    if (dt->pointee_name && r->type_name == NULL)
                        r->type_name = dt->pointee_name;
                    if (dt->pointee_name && !is_bytes(dt->pointee_name) && scalar == NULL)
                        scalar = dt->pointee_name;
                    continue;
                }
                trow *t = ti_find(ti, dt->name, dt->size, dt->decl_file, dt->decl_line,
                                  (uint64_t)r->size);
                if (t == NULL || !size_ok(r, t))
                    continue;
                if (pick && pick != t)
                    conflict = 1;
                pick = t;
                /* a base class or member pointer may hold it too: the
                ** type of exactly the allocated size wins a conflict */
                if (r->size_known && t->size == (uint64_t)r->size && exact != t) {
                    exact = t;
                    nexact++;
                }
            }
            if (pick && !conflict) {
                if (take(r, pick, A, "dwarf-var", CONF_VAR))
                    return;
                break;
            }
            if (conflict && nexact == 1) {
                set_type(r, exact, "dwarf-var", CONF_VAR);
                return;
            }
            if (conflict)
                break;
        }
    }

    /* ---- DWARF: the function returns it as T* ---- */
    if (e->returned && ds && ds->ret_type && ds->ret_type->name) {
        const dl_type *dt = ds->ret_type;
        trow *t = ti_find(ti, dt->name, dt->size, dt->decl_file, dt->decl_line,
                          (uint64_t)r->size);
        if (t && size_ok(r, t) && take(r, t, A, "dwarf-return", CONF_RETURN))
            return;
    }

    /* ---- Linux: a cache named after its struct ---- */
    if (cache_name) {
        trow *t = ti_find(ti, cache_name, r->size_known ? (uint64_t)r->size : 0, NULL, 0,
                          (uint64_t)r->size);
        if (t) {
            set_type(r, t, "kmem-cache", CONF_KMEM);
            return;
        }
    }

    if (scalar && r->fallback == NULL) {
        /* what is allocated is not a struct: no candidates by size */
        r->type_name = scalar;
        r->method = "dwarf-var";
        return;
    }
    if (!r->size_known || r->size <= 0) {
        use_fallback(r);
        return;
    }
    size_t slo, shi;
    ti_size_range(ti, (uint64_t)r->size, &slo, &shi);
    if (slo == shi) {
        use_fallback(r);
        return;
    }

    /* ---- the stores made through the pointer ---- */
    EV_RANGE(x->stores, x->nstores, e, lo, hi);
    if (hi > lo) {
        size_t nfit = 0;
        trow *fits[MAX_CANDIDATES];
        for (size_t c = slo; c < shi; c++) {
            trow *t = &ti->rows[ti->by_size[c]];
            ti_members(t);
            int ok = 1;
            for (size_t i = lo; i < hi && ok; i++)
                ok = store_fits(t, x->stores[i].off, x->stores[i].width);
            if (ok) {
                if (nfit < MAX_CANDIDATES)
                    fits[nfit] = t;
                nfit++;
            }
        }
        if (nfit == 1) {
            set_type(r, fits[0], "stores", CONF_STORES);
            return;
        }
        if (r->fallback) {
            use_fallback(r);
            return;
        }
        if (nfit > 1) {
            r->ncand_total = nfit;
            r->ncand = nfit < MAX_CANDIDATES ? nfit : MAX_CANDIDATES;
            memcpy(r->cand, fits, r->ncand * sizeof *fits);
            r->cand_method = "stores";
            r->method = "stores";
            r->ambiguous = 1;
            return;
        }
        /* nothing fits: the size alone below */
    }

    if (r->fallback) {
        use_fallback(r);
        return;
    }
    /* ---- size only ---- */
    r->ncand_total = shi - slo;
    r->ncand = r->ncand_total < MAX_CANDIDATES ? r->ncand_total : MAX_CANDIDATES;
    /* When more types share the size than we keep, keep the program's own
    ** first: a Rust binary carries hundreds of std structs of every small
    ** size, and the allocation is far more likely one of its own types. */
    size_t k = 0;
    for (int pass = 0; pass < 2 && k < r->ncand; pass++)
        for (size_t c = slo; c < shi && k < r->ncand; c++) {
            trow *t = &ti->rows[ti->by_size[c]];
            if (toolchain_type(t) == pass)
                r->cand[k++] = t;
        }
    r->cand_method = "size";
    r->method = "size";
    r->ambiguous = 1;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

static int dberr(sqlite3 *db, hp_err *err, const char *what)
{
    return hp_errf(err, NULL, "sites: %s: %s", what, sqlite3_errmsg(db));
}

static int cmp_dlfunc(const void *a, const void *b)
{
    const dl_func *x = a, *y = b;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static const dl_site *find_dlsite(const dl_site *v, size_t n, uint64_t pc)
{
    size_t lo = hp_lower_bound(v, 0, n, sizeof *v, offsetof(dl_site, pc), pc);
    return lo < n && v[lo].pc == pc && v[lo].found ? &v[lo] : NULL;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int write_scan(si_ctx *x, const char *note, hp_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO site_scan (binary_id, arch, functions, analyzed, "
                           "instructions, bad_bytes, sites, typed, ambiguous, wrappers, skipped, "
                           "note) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)", -1, &st,
                           NULL) != SQLITE_OK)
        return dberr(x->db, err, "site_scan");
    const si_stats *s = x->st;
    sqlite3_bind_int64(st, 1, x->binary_id);
    bind_text(st, 2, x->img->arch);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)s->functions);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)s->analyzed);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)s->instructions);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)s->bad_bytes);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)s->sites);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)s->typed);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)s->ambiguous);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)s->wrappers);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)s->skipped);
    bind_text(st, 12, note);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : dberr(x->db, err, "site_scan");
}

static int write_allocators(si_ctx *x, hp_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO allocators (binary_id, name, address, family, "
                           "origin, size_arg, count_arg, type_arg, wraps, reason, sites) "
                           "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)", -1, &st, NULL)
        != SQLITE_OK)
        return dberr(x->db, err, "allocators");
    for (size_t i = 0; i < x->nallocs; i++) {
        const alloc *a = &x->allocs[i];
        if (a->flags & AF_CACHE_CREATE)
            continue;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        sqlite3_bind_int64(st, 1, x->binary_id);
        bind_text(st, 2, a->name);
        if (a->addr)
            sqlite3_bind_int64(st, 3, (sqlite3_int64)a->addr);
        bind_text(st, 4, fam_names[a->family]);
        bind_text(st, 5, origin_names[a->origin]);
        if (a->size >= 0)
            sqlite3_bind_int(st, 6, a->size);
        if (a->count >= 0)
            sqlite3_bind_int(st, 7, a->count);
        if (a->type >= 0)
            sqlite3_bind_int(st, 8, a->type);
        bind_text(st, 9, a->wraps >= 0 ? x->allocs[a->wraps].name : NULL);
        bind_text(st, 10, a->reason);
        sqlite3_bind_int64(st, 11, a->nsites);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return dberr(x->db, err, "allocators");
        }
    }
    sqlite3_finalize(st);
    return 0;
}

static const si_ctx *sorting_ctx;
static int cmp_site_pc(const void *a, const void *b)
{
    const site_ev *x = &sorting_ctx->sites[*(const uint32_t *)a];
    const site_ev *y = &sorting_ctx->sites[*(const uint32_t *)b];
    return x->pc < y->pc ? -1 : x->pc > y->pc;
}

/* Does allocator a forward (through wrappers) to allocator b? */
static int wraps_to(const si_ctx *x, int32_t a, int32_t b)
{
    for (int guard = 0; a >= 0 && guard < 64; guard++) {
        if (a == b)
            return 1;
        a = x->allocs[a].wraps;
    }
    return 0;
}

/* Speculative devirtualisation: `if (tbl->malloc == f) <f inlined> else
** tbl->malloc(...)` gives two calls for one allocation, at one line.
** The call through the table is the duplicate when the same function has
** a direct call at the same line to what the table's target forwards to. */
static int devirt_duplicate(const si_ctx *x, const uint32_t *fin_idx, size_t nfin, size_t i,
                            const dl_site *ds, size_t nds)
{
    const site_ev *e = &x->sites[fin_idx[i]];
    if (!e->via_data)
        return 0;
    const dl_site *d = find_dlsite(ds, nds, e->pc);
    if (d == NULL || d->line == 0 || d->file == NULL)
        return 0;
    for (size_t k = 0; k < nfin; k++) {
        const site_ev *o = &x->sites[fin_idx[k]];
        if (k == i || o->fn != e->fn || o->via_data)
            continue;
        const dl_site *od = find_dlsite(ds, nds, o->pc);
        if (od && od->line == d->line && od->file && strcmp(od->file, d->file) == 0 &&
            wraps_to(x, e->alloc, o->alloc))
            return 1;
    }
    return 0;
}

/* What a site needs from DWARF beyond its line: variables when the code
** kept the pointer somewhere a variable could name and no Go descriptor
** types it; call-site values when the code left the size unknown. */
static void want_dwarf(const si_ctx *x, const site_ev *e, dl_site *d)
{
    const alloc *A = &x->allocs[e->alloc];
    int na;
    abi_args(x, (A->flags & AF_GO_ABI) != 0, &na);
    if (A->size >= 0 && A->size < na && e->args[A->size].k != V_CONST)
        d->want_params = 1;
    if (A->count >= 0 && A->count < na && e->args[A->count].k != V_CONST)
        d->want_params = 1;
    int go = A->type >= 0 && A->type < na && e->args[A->type].k == V_CONST;
    if (!go) {
        size_t lo, hi;
        EV_RANGE(x->holders, x->nholders, e, lo, hi);
        d->want_vars = hi > lo;
        for (size_t i = lo; i < hi && d->nprobe < DL_MAX_PROBES; i++) {
            uint64_t pc = x->holders[i].pc;
            int dup = 0;
            for (int k = 0; k < d->nprobe; k++)
                dup |= d->probe[k] == pc;
            if (!dup)
                d->probe[d->nprobe++] = pc;
        }
    }
}

/* Everything writing needs that does not depend on the database: the
** final site events and the DWARF facts about them. */
static void collect_facts(si_ctx *x, ei_image *dwarf)
{
    uint32_t *fin_idx = NULL;
    size_t nfin = 0, fcap = 0;
    kcache *kc = NULL;
    size_t nkc = 0, kcap = 0;
    hp_arena ar = {0};
    /* qsort's array is declared nonnull even for 0 elements (UBSan) */
    if (x->nstores > 1)
        qsort(x->stores, x->nstores, sizeof *x->stores, cmp_store);
    if (x->nholders > 1)
        qsort(x->holders, x->nholders, sizeof *x->holders, cmp_holder);
    if (x->ncalls > 1)
        qsort(x->calls, x->ncalls, sizeof *x->calls, cmp_call);
    if (x->ngstores > 1)
        qsort(x->gstores, x->ngstores, sizeof *x->gstores, cmp_gstore);
    /* final events: the last analysis of each function, not forwarding */
    for (size_t i = 0; i < x->nsites; i++) {
        site_ev *e = &x->sites[i];
        if (e->gen != x->fns[e->fn].gen || e->forwarding)
            continue;
        const alloc *A = &x->allocs[e->alloc];
        if (A->flags & AF_CACHE_CREATE) {
            /* which global the cache went to, with its size and name */
            size_t lo, hi;
            EV_RANGE(x->gstores, x->ngstores, e, lo, hi);
            for (size_t k = lo; k < hi; k++) {
                kcache *c = HP_PUSH(kc, nkc, kcap);
                c->slot = x->gstores[k].addr;
                c->size = A->size >= 0 && e->args[A->size].k == V_CONST ? e->args[A->size].c : 0;
                c->name = A->cache >= 0 && e->args[A->cache].k == V_CONST
                              ? c_string(x, &ar, (uint64_t)e->args[A->cache].c) : NULL;
            }
            continue;
        }
        uint32_t *p = HP_PUSH(fin_idx, nfin, fcap);
        *p = (uint32_t)i;
    }
    sorting_ctx = x;
    if (nfin > 1)
        qsort(fin_idx, nfin, sizeof *fin_idx, cmp_site_pc);
    sorting_ctx = NULL;

    /* DWARF facts for the sites and the constructors they call */
    dl_site *ds = hp_xcalloc(nfin + 1, sizeof *ds);
    size_t nds = 0;
    for (size_t i = 0; i < nfin; i++) {
        const site_ev *e = &x->sites[fin_idx[i]];
        if (nds > 0 && ds[nds - 1].pc == e->pc)
            continue;
        ds[nds].pc = e->pc;
        ds[nds].ret_pc = e->ret_pc;
        want_dwarf(x, e, &ds[nds]);
        nds++;
    }
    dl_func *dfn = NULL;
    size_t ndfn = 0, dfcap = 0;
    for (size_t i = 0; i < x->ncalls; i++) {
        int32_t fi = amap_get(&x->fn_at, x->calls[i].target);
        if (fi < 0 || !is_ctor_name(x->fns[fi].name))
            continue;
        dl_func *f = HP_PUSH(dfn, ndfn, dfcap);
        memset(f, 0, sizeof *f);
        f->entry = x->calls[i].target;
    }
    if (ndfn > 1) {
        qsort(dfn, ndfn, sizeof *dfn, cmp_dlfunc);
        size_t w = 1;
        for (size_t i = 1; i < ndfn; i++)
            if (dfn[i].entry != dfn[w - 1].entry)
                dfn[w++] = dfn[i];
        ndfn = w;
    }
    dl_info *dli = NULL;
    hp_err derr = {0};
    if (dwarf && (nds > 0 || ndfn > 0 || x->go_binary)) {
        if (dl_collect(dwarf, ds, nds, dfn, ndfn, x->go_binary, x->jobs, &x->pacer, &dli,
                       &derr) != 0)
            x->st->skipped++;
        else
            x->st->skipped += dl_skipped(dli);
    }
    x->fin_idx = fin_idx;
    x->nfin = nfin;
    x->kc = kc;
    x->nkc = nkc;
    x->kc_names = ar;
    x->ds = ds;
    x->nds = nds;
    x->dfn = dfn;
    x->ndfn = ndfn;
    x->dli = dli;
}

/* One site as si_attribute() decided it, for write_sites(). */
typedef struct done {
    uint32_t ev;                /* x->sites[ev] */
    const dl_site *d;           /* its DWARF facts, or NULL */
    int64_t weight;
    fin r;
} done;

/* Attribute the prepared sites to the binary's types: everything but the
** row ids, so that it can run while the types are being stored. */
static void attribute_sites(si_ctx *x)
{
    const uint32_t *fin_idx = x->fin_idx;
    size_t nfin = x->nfin;
    const dl_site *ds = x->ds;
    size_t nds = x->nds;
    dwarfacts facts;
    memset(&facts, 0, sizeof facts);
    facts.funcs = x->dfn;
    facts.nfuncs = x->ndfn;
    facts.go = x->dli ? dl_go_types(x->dli, &facts.ngo) : NULL;
    facts.kc = x->kc;
    facts.nkc = x->nkc;
    x->ti = hp_xcalloc(1, sizeof *x->ti);
    ti_load(x->ti, x->types);
    x->done = hp_xmalloc((nfin + 1) * sizeof *x->done);
    x->ndone = 0;
    for (size_t i = 0; i < nfin; i++) {
        site_ev *e = &x->sites[fin_idx[i]];
        alloc *A = &x->allocs[e->alloc];
        if (devirt_duplicate(x, fin_idx, nfin, i, ds, nds))
            continue;
        done *o = &x->done[x->ndone++];
        o->ev = fin_idx[i];
        const dl_site *d = o->d = find_dlsite(ds, nds, e->pc);
        facts.site = d;
        fin *r = &o->r;
        attribute(x, x->ti, e, &facts, r);
        /* new[] of the chosen type: turn bytes into elements (a bigger
        ** single object is a header with trailing data, not an array) */
        if (r->type && r->type->size > 0 && r->size_known && (uint64_t)r->size > r->type->size &&
            (A->flags & AF_ARRAY)) {
            uint64_t ts = r->type->size;
            uint64_t total = (uint64_t)r->size * (r->count_known ? (uint64_t)r->count : 1);
            if (total % ts == 0) {
                r->size = (int64_t)ts;
                r->count = (int64_t)(total / ts);
                r->count_known = 1;
            } else if (total > 8 && (total - 8) % ts == 0) {
                r->size = (int64_t)ts;     /* new[] with a length cookie */
                r->count = (int64_t)((total - 8) / ts);
                r->count_known = 1;
            }
        }
        o->weight = 1;
        for (unsigned k = 0; k < e->loop_depth && k < 4; k++)
            o->weight *= 8;
    }
    x->attributed = 1;
}

/* Write the attributed sites and their candidates. */
static int write_sites(si_ctx *x, hp_err *err)
{
    const int64_t *ids = x->type_ids;
    int rc = -1;
    sqlite3_stmt *ins = NULL, *cand = NULL;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO sites (binary_id, pc, function, file, line, "
                           "allocator, size, count, type_id, method, confidence, static_weight, "
                           "loop_depth, kind, indirect, inline_depth, ambiguous, candidates, "
                           "type_name, size_from, source_function) VALUES (?1,?2,?3,?4,?5,?6,?7,"
                           "?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)", -1, &ins,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(x->db, "INSERT OR IGNORE INTO site_candidates (site_id, type_id, "
                           "method, confidence) VALUES (?1,?2,?3,?4)", -1, &cand, NULL)
        != SQLITE_OK) {
        dberr(x->db, err, "sites");
        goto out;
    }
    for (size_t i = 0; i < x->ndone; i++) {
        const done *o = &x->done[i];
        site_ev *e = &x->sites[o->ev];
        alloc *A = &x->allocs[e->alloc];
        const dl_site *d = o->d;
        const fin *r = &o->r;
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        sqlite3_bind_int64(ins, 1, x->binary_id);
        sqlite3_bind_int64(ins, 2, (sqlite3_int64)e->pc);
        bind_text(ins, 3, x->fns[e->fn].name);
        bind_text(ins, 4, d ? d->file : NULL);
        if (d && d->line)
            sqlite3_bind_int64(ins, 5, d->line);
        bind_text(ins, 6, A->name);
        if (r->size_known)
            sqlite3_bind_int64(ins, 7, r->size);
        if (r->count_known)
            sqlite3_bind_int64(ins, 8, r->count);
        if (r->type)
            sqlite3_bind_int64(ins, 9, ids[r->type->tsi]);
        bind_text(ins, 10, r->method);
        sqlite3_bind_double(ins, 11, r->type ? r->conf : 0.0);
        sqlite3_bind_int64(ins, 12, o->weight);
        sqlite3_bind_int64(ins, 13, e->loop_depth);
        bind_text(ins, 14, e->kind == SK_TAIL ? "tail" : "call");
        sqlite3_bind_int(ins, 15, e->indirect);
        sqlite3_bind_int64(ins, 16, d ? d->inline_depth : 0);
        sqlite3_bind_int(ins, 17, r->ambiguous);
        sqlite3_bind_int64(ins, 18, (sqlite3_int64)r->ncand_total);
        bind_text(ins, 19, r->type_name);
        bind_text(ins, 20, r->size_from);
        bind_text(ins, 21, d ? d->subprogram : NULL);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            dberr(x->db, err, "sites");
            goto out;
        }
        e->id = sqlite3_last_insert_rowid(x->db);
        A->nsites++;
        x->st->sites++;
        if (r->type)
            x->st->typed++;
        if (r->ambiguous)
            x->st->ambiguous++;
        double c = r->cand_method && strcmp(r->cand_method, "stores") == 0 ? CONF_STORES : CONF_SIZE;
        for (size_t k = 0; k < r->ncand; k++) {
            sqlite3_reset(cand);
            sqlite3_bind_int64(cand, 1, e->id);
            sqlite3_bind_int64(cand, 2, ids[r->cand[k]->tsi]);
            bind_text(cand, 3, r->cand_method);
            sqlite3_bind_double(cand, 4, c / (double)r->ncand_total);
            if (sqlite3_step(cand) != SQLITE_DONE) {
                dberr(x->db, err, "site_candidates");
                goto out;
            }
        }
    }
    rc = 0;
out:
    if (ins)
        sqlite3_finalize(ins);
    if (cand)
        sqlite3_finalize(cand);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

static void ctx_free(si_ctx *x)
{
    if (x->ti) {
        ti_free(x->ti);
        free(x->ti);
    }
    free(x->done);
    for (size_t i = 0; i < x->nallocs; i++) {
        free(x->allocs[i].name);
        free(x->allocs[i].reason);
    }
    free(x->allocs);
    if (x->dc) {
        for (size_t i = 0; i < x->nfns; i++)
            free(x->dc[i].v);
        free(x->dc);
    }
    free(x->fns);
    amap_free(&x->fn_at);
    amap_free(&x->alloc_at);
    amap_free(&x->alloc_slot);
    free(x->cal_start);
    free(x->cal);
    free(x->got_callers);
    free(x->srefs);
    free(x->uses);
    amap_free(&x->sref_set);
    free(x->rel_off);
    free(x->rel_add);
    free(x->insn);
    free(x->blk_of);
    free(x->leader);
    free(x->blk);
    free(x->in);
    free(x->sites);
    free(x->stores);
    free(x->holders);
    free(x->calls);
    free(x->gstores);
    free(x->queue);
    if (x->da)
        da_close(x->da);
    free(x->fin_idx);
    free(x->kc);
    hp_arena_free(&x->kc_names);
    free(x->ds);
    free(x->dfn);
    dl_free(x->dli);
    free(x->scan_note);
}

struct si_job {
    si_ctx x;
    si_stats st;
};

int si_prepare(ei_image *img, ei_image *dwarf, const si_opts *o, si_job **out, hp_err *err)
{
    double t0 = now_s();
    si_job *j = hp_xcalloc(1, sizeof *j);
    si_ctx *x = &j->x;
    x->img = img;
    x->st = &j->st;
    x->jobs = o && o->jobs > 0 ? o->jobs : 1;
    x->pacer = (hp_pacer){ o ? o->types_permille : NULL, SI_PACE_PERMILLE };
    hp_pace(&x->pacer);
    *out = NULL;

    si_user_alloc *u = NULL;
    size_t nu = 0, ucap = 0;
    uint8_t *uorig = NULL;
    int rc = -1;
    for (size_t i = 0; o && i < o->nalloc_specs; i++) {
        si_user_alloc ua;
        if (si_parse_alloc(o->alloc_specs[i], &ua, err) != 0)
            goto out;
        si_user_alloc *p = HP_PUSH(u, nu, ucap);
        *p = ua;
    }
    size_t ncli = nu;
    if (o && o->alloc_config && si_read_config(o->alloc_config, &u, &nu, err) != 0)
        goto out;
    uorig = hp_xcalloc(nu + 1, 1);
    for (size_t i = 0; i < nu; i++)
        uorig[i] = i < ncli ? O_USER : O_CONFIG;

    hp_err e2 = {0};
    if (da_open(img->machine, &x->da, &e2) != 0) {
        j->st.no_arch = 1;
        j->st.skipped++;
        x->no_arch = 1;
        x->scan_note = hp_xstrdup(e2.msg);
        rc = 0;
        goto out;
    }
    x->arch = da_arch_of(x->da);
    if (ei_load_symbols(img, &e2) != 0) {
        j->st.skipped++;
        e2.set = 0;
    }
    if (dwarf && dwarf != img) {
        x->dbg = dwarf;
        if (ei_load_symbols(x->dbg, &e2) != 0) {
            j->st.skipped++;
            e2.set = 0;
        }
    }
    load_relative(x);
    hp_phase("sites: symbols read");
    hp_pace(&x->pacer);
    build_functions(x, u, nu, uorig);
    for (size_t i = 0; i < x->nfns; i++)
        j->st.functions += !x->fns[i].is_plt;
    x->dc = hp_xcalloc(x->nfns + 1, sizeof *x->dc);
    hp_pace(&x->pacer);
    load_srefs(x);
    hp_phase("sites: %zu functions found", x->nfns);
    hp_pace(&x->pacer);
    scan_callers(x, u, nu, uorig);
    hp_phase("sites: callers scanned");
    hp_pace(&x->pacer);
    fixed_point(x);
    hp_phase("sites: wrappers found, code disassembled");
    collect_facts(x, dwarf);
    hp_phase("sites: DWARF facts collected");
    if (x->nfns == 0)
        x->scan_note = hp_xstrdup("no function symbols");
    rc = 0;
out:
    hp_pace(NULL);              /* whatever comes next runs at normal priority */
    j->st.seconds = now_s() - t0;
    for (size_t i = 0; i < nu; i++)
        free(u[i].name);
    free(u);
    free(uorig);
    if (rc != 0) {
        si_job_free(j);
        return -1;
    }
    *out = j;
    return 0;
}

void si_attribute(si_job *j, typeset *types)
{
    si_ctx *x = &j->x;
    if (x->attributed || x->no_arch)
        return;
    double t0 = now_s();
    x->types = types;
    attribute_sites(x);
    hp_phase("sites: attributed");
    j->st.seconds += now_s() - t0;
}

int si_finish(si_job *j, sqlite3 *db, int64_t binary_id, typeset *types,
              const int64_t *type_ids, si_stats *stats, hp_err *err)
{
    si_attribute(j, types);
    double t0 = now_s();
    si_ctx *x = &j->x;
    x->db = db;
    x->binary_id = binary_id;
    x->type_ids = type_ids;
    int rc = x->no_arch ? write_scan(x, x->scan_note, err)
             : write_sites(x, err) != 0 || write_allocators(x, err) != 0 ? -1
             : write_scan(x, x->scan_note, err);
    hp_phase("sites: stored");
    j->st.seconds += now_s() - t0;
    *stats = j->st;
    return rc;
}

void si_job_free(si_job *j)
{
    if (j == NULL)
        return;
    ctx_free(&j->x);
    free(j);
}

/* ------------------------------------------------------------------ */
/* holeprof sites DB [TYPE]                                            */
/* ------------------------------------------------------------------ */

static const char *col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static void print_site(sqlite3_stmt *st, const char *grp, FILE *out)
{
    const char *file = col(st, 2);
    const char *slash = strrchr(file, '/');
    char where[512];
    if (*file)
        snprintf(where, sizeof where, "%s:%lld", slash ? slash + 1 : file,
                 (long long)sqlite3_column_int64(st, 3));
    else
        snprintf(where, sizeof where, "0x%llx", (unsigned long long)sqlite3_column_int64(st, 13));
    char size[64] = "?";
    if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
        long long sz = (long long)sqlite3_column_int64(st, 6);
        if (sqlite3_column_type(st, 7) == SQLITE_NULL)
            snprintf(size, sizeof size, "n x %lld", sz);
        else if (sqlite3_column_int64(st, 7) != 1)
            snprintf(size, sizeof size, "%lld x %lld", (long long)sqlite3_column_int64(st, 7), sz);
        else
            snprintf(size, sizeof size, "%lld", sz);
    }
    fprintf(out, "  %-28s %-24s %s%s(%s)", where, col(st, 4), col(st, 5),
            strcmp(col(st, 14), "tail") == 0 ? " [tail]" : "", size);
    const char *method = col(st, 8);
    if (*method)
        fprintf(out, "  %s %.2f", method, sqlite3_column_double(st, 9));
    if (sqlite3_column_int64(st, 10) > 1)
        fprintf(out, "  weight %lld", (long long)sqlite3_column_int64(st, 10));
    if (sqlite3_column_int64(st, 11) > 0 && sqlite3_column_type(st, 15) != SQLITE_NULL)
        fprintf(out, "  %lld candidates: %s%s", (long long)sqlite3_column_int64(st, 11),
                col(st, 15), sqlite3_column_int64(st, 11) > 6 ? ", ..." : "");
    else if (*col(st, 12) && grp[0] == '(')
        fprintf(out, "  allocates %s", col(st, 12));
    fputc('\n', out);
}

int si_report(const char *dbpath, const char *type, const char *binary, FILE *out, hp_err *err)
{
    sqlite3 *db = NULL;
    if (st_open_read(dbpath, &db, err) != 0)
        return HP_EXIT_ERROR;
    int status = HP_EXIT_ERROR;
    sqlite3_stmt *st = NULL;
    if (binary != NULL && mrg_select_binary(db, dbpath, binary, NULL, err) != 0)
        goto out;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'sites'", -1, &st,
                           NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        hp_errf(err, dbpath, "no allocation sites in this database (written by an older "
                "holeprof)");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (type) {
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM types WHERE name = ?1", -1, &st, NULL)
            != SQLITE_OK) {
            hp_errf(err, dbpath, "%s", sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int64(st, 0) == 0) {
            hp_errf(err, dbpath, "no type named '%s'", type);
            goto out;
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    /* chosen type first; with TYPE also the sites where it is a candidate */
    const char *sql =
        "SELECT coalesce(t.kind || ' ' || t.name, CASE WHEN s.ambiguous THEN '(ambiguous)' "
        "       ELSE '(type unknown)' END) AS grp, t.size, s.file, s.line, "
        "       coalesce(s.source_function, s.function), "
        "       s.allocator, s.size, s.count, s.method, s.confidence, s.static_weight, "
        "       s.candidates, s.type_name, s.pc, s.kind, "
        "       (SELECT group_concat(name, ', ') FROM (SELECT ct.name FROM site_candidates c "
        "          JOIN types ct ON ct.id = c.type_id WHERE c.site_id = s.id "
        "          ORDER BY ct.name LIMIT 6)) AS cands, 0 AS cand_only, "
        "       t.id IS NULL AS no_type "
        "  FROM sites s LEFT JOIN types t ON t.id = s.type_id "
        " WHERE ?1 IS NULL OR t.name = ?1 "
        "UNION ALL "
        "SELECT '(candidate) ' || t.kind || ' ' || t.name, t.size, s.file, s.line, "
        "       coalesce(s.source_function, s.function), "
        "       s.allocator, s.size, s.count, s.method, c.confidence, s.static_weight, "
        "       s.candidates, s.type_name, s.pc, s.kind, NULL, 1, 0 "
        "  FROM site_candidates c JOIN sites s ON s.id = c.site_id "
        "  JOIN types t ON t.id = c.type_id "
        " WHERE ?1 IS NOT NULL AND t.name = ?1 "
        " ORDER BY cand_only, no_type, grp, 3, 4, 14";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        hp_errf(err, dbpath, "cannot read sites: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (type)
        sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    char *last = NULL;
    size_t shown = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *grp = col(st, 0);
        if (last == NULL || strcmp(last, grp) != 0) {
            free(last);
            last = hp_xstrdup(grp);
            if (sqlite3_column_type(st, 1) != SQLITE_NULL)
                fprintf(out, "%s%s (%lld bytes)\n", shown ? "\n" : "", grp,
                        (long long)sqlite3_column_int64(st, 1));
            else
                fprintf(out, "%s%s\n", shown ? "\n" : "", grp);
        }
        shown++;
        print_site(st, grp, out);
    }
    free(last);
    if (rc != SQLITE_DONE) {
        hp_errf(err, dbpath, "cannot read sites: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (shown == 0 && type)
        fprintf(out, "%s: no allocation sites found\n", type);
    else if (shown == 0)
        fprintf(out, "no allocation sites found\n");
    status = HP_EXIT_OK;
out:
    if (st)
        sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}
