/*
** sites/internal.h -- what the files of the allocation-site analysis share
** (the public contract is sites.h; nothing outside src/sites/ includes this).
**
** The pipeline, per binary (each step names the file that does it):
**  1. Functions (calls.c): symbol table of the binary, plus the debug
**     file's when the binary is stripped; PLT stubs come from
**     ei_load_symbols ("NAME@plt"); GOT slots of imports from ei_got_name
**     (-fno-plt calls).  Bodies must lie in an executable section with file
**     bytes (image.c reads sections, relocations and data words).
**  2. Allocators (catalogue.c): the catalogue and --alloc/--alloc-config
**     names are matched against every symbol name (aliases included, "@plt"
**     and symbol versions stripped; Rust names also in legacy and v0
**     mangling).
**  3. Callers (calls.c): one byte scan of each body collects call/jmp/jcc
**     targets (rel32, and rel8 to a neighbouring function), calls through
**     GOT slots, and disp32 references to data words that hold a function's
**     address, giving "who may call whom" without decoding.  Only functions
**     that may reach an allocator are decoded -- most of a large binary is
**     never disassembled.
**  4. Fixed point (wrappers.c): each candidate is decoded (decode.c,
**     capstone via disasm.h), cut into basic blocks (cfg.c) and analyzed
**     (flow.c): a forward data-flow of symbolic register and stack-slot
**     values (values.h: constants, incoming arguments, products, stack
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
**  5. The last analysis of every function with sites is the final one
**     (events.c records it): its sites carry the argument values, the
**     stores made through the returned pointer, where the pointer was kept
**     (every register and stack slot at each later pc, for DWARF
**     variables), the function called on it (C++ constructors), whether it
**     is returned (a taint set that survives joins the values do not), the
**     calls it is passed to as any argument (ev_param.c), and
**     the loop depth from dominators and natural loops (cfg.c).
**  6. DWARF (facts.c, through dwlines.c): lines through inline chains,
**     call-site constant arguments, variable types, Go type descriptors.
**  4b. Function pointers (indirect.c): after the fixed point, calls through
**     struct fields and parameters that only ever hold allocators (stores
**     and passes of function addresses, the fields named by DWARF
**     variables) are resolved to them, and the fixed point runs again.
**  7. Attribution (attribute.c over types.c's index of the binary's types,
**     one ev_*.c file per family of evidence) and writing (write.c).
**
** Limits, documented in db/README.md: indirect jumps other than tail calls
** through a known data word end a block (switch tables are not followed,
** so code reached only through them has no loop depth and no incoming
** values); irreducible loops are not counted; data words are read as
** initialised in the file (R_X86_64_RELATIVE addends for PIE).
*/
#ifndef SITES_INTERNAL_H
#define SITES_INTERNAL_H

#include "sites.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "dwlines.h"
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
#define R_X86_64_64_ 1

enum { FAM_C = 0, FAM_CXX, FAM_GO, FAM_RUST, FAM_GLIB, FAM_JEMALLOC, FAM_TCMALLOC,
       FAM_MIMALLOC, FAM_KERNEL, FAM_USER, FAM_WRAPPER };

#define AF_ARRAY        0x01    /* new[]: the size is a whole array */
#define AF_REALLOC      0x02
#define AF_CACHE_CREATE 0x04    /* kmem_cache_create: not a site; names a cache */
#define AF_CACHE_ALLOC  0x08    /* size comes from the cache argument */
#define AF_GO_ABI       0x10    /* arguments in Go's register order */
#define AF_MANGLED      0x20    /* Rust: match legacy and v0 manglings */
#define AF_PYTYPE       0x40    /* CPython: the size is the type object's
                                   (argument `type`; nitems in `type2`) */
#define AF_CLASS_NEW    0x80    /* C++ T::operator new / new[]: T in the name */

/* ------------------------------------------------------------------ */
/* Data structures                                                     */
/* ------------------------------------------------------------------ */

enum { O_BUILTIN = 0, O_USER, O_CONFIG, O_WRAPPER };

typedef struct alloc {
    char *name;                 /* owned; symbol name without @plt/version */
    int8_t size, count, type, type2, out, cache;
    uint8_t family, flags, origin;
    uint64_t addr;              /* entry address, 0 when only imported */
    int32_t wraps;              /* wrapper: the allocator it forwards to */
    char *reason;               /* wrapper: why (owned) */
    uint32_t nsites;
    int64_t fixed_size;         /* a clone specialised for one size: its
                                   bytes (size is -1 then), else 0 */
    int64_t fixed_count;        /* and its count, 0 when not known */
    int32_t size_add;           /* wrapper: what it asks its allocator for is
                                   (size + size_add) rounded up to 2^size_align
                                   (a header, a rounding); the caller's size is
                                   the site's */
    uint8_t size_align;
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
    uint8_t summarized;         /* analyzed at least once: ret_arg is known */
    uint32_t wanted_by;         /* 1 + the last function whose analysis put it
                                   on si_ctx.want (it needs its summary) */
    int8_t ret_arg;             /* every return from the entry hands back this
                                   argument unchanged (a pass-through hook),
                                   else -1 */
    uint8_t const_size;         /* DWARF gives a parameter the constant size
                                   its allocator call asks for: specialised
                                   like a gcc clone (wrappers.c) */
    uint8_t fp_watch;           /* handed an allocator's address: its
                                   analysis reports what it does with its
                                   arguments (indirect.c) */
} func;

/* Symbolic values.  V_UNK and V_ARG carry a multiplier in c: "something
** times c" (c = 0/1: no known factor), which is how `n * sizeof(T)` keeps
** the element size.  A V_UNK may also name the instruction (and register)
** that produced it in s, so `x + x` and `x + 2*x` still know they are
** multiples of one x.  V_RET/V_MAYRET carry an offset into the object in c
** (p + 4 after `add rax, 4`).  V_ARGX is argument a with a header added and
** maybe rounded up: (arg + c) rounded up to 2^b bytes (b 0: not rounded),
** what an allocator wrapper that prefixes a header or rounds asks for. */
enum { V_BOT = 0, V_UNK, V_CONST, V_ARG, V_PROD, V_STACK, V_RET, V_MAYRET, V_LOAD, V_ARGX };

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
/* A word outside the stack the allocation's pointer was stored to, at
** base + disp (the base register's value at the store, or a constant
** address with disp 0): a load from there gives the pointer back
** (p->em485 = kzalloc(...); hrtimer_init(&p->em485->timer)).  Kept across
** calls -- what a callee could store there is not known, and is taken to
** be the same object -- and dropped by a store to it or that may overlap
** it (the same base, or the same disp through another one). */
#define NCELL 4
typedef struct hcell {
    sv base;                    /* V_BOT: unused */
    sv v;
    int32_t disp;
    uint32_t taint;
} hcell;

typedef struct state {
    sv r[DA_NREGS];
    uint32_t taint[DA_NREGS];
    sslot sl[NSLOT];
    hcell hc[NCELL];
    uint8_t reached, pad[7];
} state;

enum { SK_CALL = 0, SK_TAIL = 1 };

/* the registers a state tracks, as bits of da_insn.wmask */
#define WMASK_REGS ((uint32_t)(((uint64_t)1 << DA_NREGS) - 1))

#define MAXARGS 9
typedef struct site_ev {
    uint32_t fn, gen, insn;
    int32_t alloc;
    uint64_t pc, ret_pc;
    sv args[MAXARGS];
    uint8_t kind, forwarding, returned, loop_depth;
    uint8_t indirect;           /* through a pointer */
    uint8_t via_data;           /* through a data word (function table) */
    uint64_t slot;              /* and that word's address, when known */
    uint16_t ret_off;           /* every return of the pointer hands back
                                   pointer + ret_off (past a header), 0 none;
                                   RET_OFF_MIXED: returns disagree */
    int64_t id;                 /* database id once written */
} site_ev;
#define RET_OFF_MIXED 0xffffu

typedef struct store_ev {
    uint32_t fn, gen, insn;
    int32_t off;
    uint32_t width;
    uint64_t addr;              /* an 8-byte store of a constant that is an
                                   address in the file: it, else 0 */
    uint32_t maybe;             /* through a pointer that is the allocation
                                   on some paths only (its taint): kept for
                                   addr, not a "stores" fact */
} store_ev;

#define H_REG 1
#define H_CFA 2
typedef struct holder_ev {
    uint32_t fn, gen, insn;
    uint64_t pc;                /* the location holds the pointer from here */
    uint8_t kind, reg, sp_known, fp_known;
    uint32_t regs;              /* every register holding it at pc */
    int32_t cfa_off;
    int32_t sp_off, fp_off;     /* CFA offsets of sp and fp at pc */
} holder_ev;

typedef struct call_ev {        /* a call made with the pointer as argument 0 */
    uint32_t fn, gen, insn;
    uint64_t target;
} call_ev;

/* A call made with the pointer, or the pointer plus a constant (a member's
** address, &p->lock), as argument `arg` (ev_param.c). */
typedef struct pcall_ev {
    uint32_t fn, gen, insn;
    uint8_t arg;
    int32_t off;
    uint64_t target;
} pcall_ev;

typedef struct gstore_ev {      /* the pointer stored to a fixed address */
    uint32_t fn, gen, insn;
    uint64_t addr;
} gstore_ev;

/* what else holds the store's base, besides a DWARF variable (ev_dest.c) */
enum { DV_NONE = 0, DV_SITE, DV_FIELD, DV_GLOBAL, DV_GSLOT };

typedef struct dstore_ev {      /* the pointer stored through another register */
    uint32_t fn, gen, insn;
    uint8_t base;               /* the store's base register */
    uint8_t via;                /* DV_*: the base is the pointer of site
                                   `bsite` (+ boff), was loaded from
                                   [lbase + boff] at lpc, or from the
                                   global word at lpc; or the store is into
                                   the global array at lpc, indexed (GSLOT) */
    uint8_t lbase;
    int32_t disp;
    uint32_t bsite;             /* DV_SITE: that site's instruction */
    int32_t boff;
    uint64_t pc;
    uint64_t lpc;
} dstore_ev;

#define MAX_HOLDERS 8
#define MAX_STORES 48
#define MAX_CALLS 2
#define MAX_PCALLS 6
#define THUNK_RET 255           /* si_ctx.thunk_at: the return thunk */
#define THUNK_NOP 254           /* and __fentry__ */
#define THUNK_HALT 253          /* and the functions that never return */
#define EVC_KINDS 4             /* si_event_room's kinds */

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

/* A Linux slab cache created by the code (ev_slab.c builds and writes
** them): unknown arguments are -1. */
typedef struct kcache {
    uint64_t slot;              /* where kmem_cache_create's result went */
    int64_t size;               /* object size argument, 0 when not a constant */
    const char *name;           /* arena */
    const char *global;         /* the global's symbol name (arena), or NULL */
    int64_t align;              /* alignment argument, -1 unknown */
    int64_t flags;              /* slab_flags_t argument, -1 unknown */
    int ctor;                   /* a constructor passed: 1, none 0, -1 unknown */
    int32_t creator;            /* the allocator called (allocs index) */
    uint32_t fn;                /* the function calling it */
    uint64_t pc;
    int64_t id;                 /* kmem_caches.id once written */
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
    amap thunk_at;              /* Linux retpoline thunk entry -> the register
                                   it jumps through (__x86_indirect_thunk_REG),
                                   THUNK_RET (__x86_return_thunk), THUNK_NOP
                                   (__fentry__) */
    uint32_t *plts;             /* the PLT stubs' function indexes (link_plt) */
    size_t nplts;
    int plts_listed;
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
    slotref *outer;             /* words holding a word of srefs' address,
                                   with that word's function, by function */
    size_t nouter, outercap;
    /* functions whose code takes a function's address (lea, mov $imm),
    ** sorted by the function taken: slot is its index, fn the taker */
    slotref *takes;
    size_t ntakes, takecap;
    struct fp_ctx *fp;          /* indirect.c's state, or NULL */
    uint64_t callee_slot;       /* the data word si_callee's last answer
                                   came through, else 0 */
    size_t bytes_sec;           /* si_bytes_at's last section */
    ei_image *dwarf;            /* the file holding the DWARF, or NULL */
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
    uint64_t *heap;             /* the data flow's sweep order (flow.c) */
    size_t heapcap;
    uint8_t flow_bounded;       /* the last analysis was the bounded one */
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
    dstore_ev *dstores;         /* ev_dest.c */
    size_t ndstores, dstorecap;
    pcall_ev *pcalls;           /* ev_param.c */
    size_t npcalls, pcallcap;
    uint8_t *evc;               /* events per site instruction (si_event_room) */
    size_t evc_cap;
    uint32_t cur_fn;
    size_t fn_sites_from;       /* first site event of the current analysis */
    uint32_t taint_insn[32];    /* call instruction of each taint bit */
    int ntaint;
    uint32_t ret_taint;         /* taint bits that reach a return */
    int ret_arg;                /* what the returns hand back: -2 none seen,
                                   -1 not one argument, else its index */
    /* (function, caller) pairs: the caller's analysis wanted the
    ** function's summary (func.ret_arg) -- a small body called with an
    ** allocation result, not analyzed yet; the fixed point summarises it
    ** after the round and analyzes the caller again if it passes through */
    uint32_t *want;
    size_t nwant, wantcap;
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

/* ---- the binary's types, for attribution (types.c) ---- */

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

/* ---- attribution (attribute.c, ev_*.c) ---- */

#define CONF_GO     0.99
#define CONF_ALLOC_TYPE 0.97
#define CONF_CTOR   0.95
#define CONF_STD_ALLOC 0.95
#define CONF_CLASS_NEW 0.90
#define CONF_VAR    0.90
#define CONF_RETURN 0.85
#define CONF_KMEM   0.80
#define CONF_PYTYPE 0.80
#define CONF_DEST   0.70
#define CONF_PARAM  0.65
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
    int32_t cache;              /* Linux: 1 + the kmem cache's index in
                                   si_ctx.kc, 0 when not traced */
    /* a variable's or return type smaller than the allocation: maybe a
    ** header of it (C-style inheritance: PyObject in every object), kept
    ** in case nothing names the whole object */
    trow *fallback;
    const char *fb_method;
    double fb_conf;
} fin;

typedef struct dwarfacts {
    const dl_site *site;        /* may be NULL */
    const dl_func *funcs;
    size_t nfuncs;
    const dl_gotype *go;
    size_t ngo;
    const kcache *kc;
    size_t nkc;
} dwarfacts;

/* One site as si_attribute() decided it, for si_write_sites(). */
typedef struct done {
    uint32_t ev;                /* x->sites[ev] */
    const dl_site *d;           /* its DWARF facts, or NULL */
    int64_t weight;
    fin r;
} done;

/* ---- decoding pipeline (decode.c) ---- */

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

typedef struct pd_thread { pd_pipe *p; pd_count c; } pd_thread;

/* ---- block order and loops (cfg.c) ---- */

typedef struct loopscratch {
    uint32_t *rpo_order;        /* blocks in reverse post-order, then the
                                   blocks the entry does not reach, in
                                   address order */
    uint32_t *pos;              /* pos[b]: b's place in rpo_order */
    size_t npo;                 /* blocks the entry reaches */
    uint32_t *pred_start, *pred;
    uint32_t *stack, *stamp;
    uint8_t *sidx;
    uint32_t *dpre, *dpost;     /* dominator tree DFS numbers (dominance in O(1)) */
    uint32_t *dchild_start, *dchild, *dnext;
    size_t cap;
} loopscratch;

/* One site being attributed: what every evidence family (ev_*.c) reads,
** and what the earlier ones leave for the later ones. */
typedef struct attr {
    si_ctx *x;
    tindex *ti;
    const site_ev *e;
    const dwarfacts *df;
    const alloc *A;
    const dl_site *ds;          /* the site's DWARF facts, or NULL */
    const uint8_t *regs;        /* the allocator's argument registers */
    int na;                     /* and how many */
    int scaled;                 /* the size is an element size (n * size) */
    const char *cache_name;     /* Linux: the kmem cache's name, or NULL */
    int32_t cache;              /* and its index in df->kc, -1 when not traced */
    const char *scalar;         /* a variable points to a non-struct */
    uint64_t py_desc;           /* CPython: the type object's address, or 0 */
    uint64_t py_basic, py_item; /* and its tp_basicsize, tp_itemsize */
    int py_init;                /* found stored into the object's ob_type */
    fin *r;
} attr;

/* ---- small helpers every step uses ---- */

static inline int32_t si_amap_get(const amap *m, uint64_t key)
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

static inline uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64le(const uint8_t *p)
{
    return (uint64_t)rd32le(p) | (uint64_t)rd32le(p + 4) << 32;
}

static inline int inside(const func *f, uint64_t a)
{
    return a >= f->addr && a - f->addr < f->size;
}

static inline const uint8_t *abi_args(const si_ctx *x, int go, int *n)
{
    if (go) {
        *n = x->arch->go_nargs;
        return x->arch->go_args;
    }
    *n = x->arch->nargs;
    return x->arch->args;
}

/* A function's own allocator internals are not sites (wrappers excepted:
** they may allocate for themselves too). */
static inline int internal(const si_ctx *x, const func *f)
{
    return f->alloc >= 0 && x->allocs[f->alloc].origin != O_WRAPPER;
}

static inline int sane_size(int64_t v)
{
    return v > 0 && v < ((int64_t)1 << 40);
}

static inline int cmp_ev3(uint32_t fa, uint32_t ga, uint32_t ia, uint32_t fb, uint32_t gb,
                          uint32_t ib)
{
    if (fa != fb)
        return fa < fb ? -1 : 1;
    if (ga != gb)
        return ga < gb ? -1 : 1;
    return ia < ib ? -1 : ia > ib;
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

/* ---- the steps, by file ---- */

/* image.c */
void si_amap_put(amap *m, uint64_t key, int32_t val);
void si_amap_free(amap *m);
const uint8_t *si_body(si_ctx *x, const func *f, size_t *len);
const uint8_t *si_bytes_at(si_ctx *x, uint64_t addr, size_t len);
const char *si_c_string(si_ctx *x, hp_arena *ar, uint64_t addr);
const ei_section *si_exec_section(const ei_image *img, uint64_t addr);
void si_load_relative(si_ctx *x);
uint64_t si_word_at(si_ctx *x, uint64_t addr);

/* catalogue.c */
int32_t si_alloc_for_name(si_ctx *x, const char *name, uint64_t addr, const si_user_alloc *u,
                          size_t nu, const uint8_t *u_origin);
size_t si_base_len(const char *name);
int si_cat_match(const char *name);
int32_t si_new_alloc(si_ctx *x, const char *name, size_t len, uint64_t addr);
const si_user_alloc *si_user_match(const si_user_alloc *u, size_t nu, const char *name);

/* calls.c */
void si_build_functions(si_ctx *x, const si_user_alloc *u, size_t nu, const uint8_t *u_origin);
void si_load_srefs(si_ctx *x);
void si_scan_callers(si_ctx *x, const si_user_alloc *u, size_t nu, const uint8_t *u_origin);

/* decode.c */
void si_retpoline(const si_ctx *x, da_insn *v, size_t n, const uint8_t *body, uint64_t base,
                  size_t len);
int si_decode_fn(si_ctx *x, uint32_t fi);
void si_pd_finish(pd_pipe *p, pd_thread *ts, const pd_count *own);
void si_pd_start(si_ctx *x, pd_pipe *p, pd_thread *ts, const uint32_t *list, size_t n);
void si_pd_wait(pd_pipe *p, size_t i, da_insn **buf, size_t *cap, pd_count *c);

/* cfg.c */
void si_build_blocks(si_ctx *x, const func *f);
void si_compute_loops(si_ctx *x, loopscratch *LS);
void si_compute_rpo(si_ctx *x, loopscratch *LS);
void si_ls_free(loopscratch *ls);

/* events.c */
int32_t si_callee(si_ctx *x, const state *S, const da_insn *d, uint64_t *target, int *via_data);
int si_event_room(si_ctx *x, uint32_t insn, int which, int max);
void si_holder(si_ctx *x, const state *S, const sv *v, uint64_t pc, int kind, int reg, int64_t cfa);
void si_new_site(si_ctx *x, const state *S, uint32_t ii, int32_t a, int kind, int via_data);
site_ev *si_site_of(si_ctx *x, uint32_t insn);
uint32_t si_taint_bit(si_ctx *x, uint32_t ii);

/* flow.c */
void si_run_flow(si_ctx *x, const func *f, const loopscratch *LS);

/* wrappers.c */
void si_enqueue(si_ctx *x, uint32_t fi);
void si_fixed_point(si_ctx *x);

/* indirect.c */
void si_fp_argcall(si_ctx *x, const func *f, const state *S, const da_insn *d);
void si_fp_pass(si_ctx *x, const func *f, const state *S, const da_insn *d, uint64_t target);
void si_fp_store(si_ctx *x, const func *f, const state *S, const da_insn *d);
int32_t si_indirect_callee(const si_ctx *x, uint64_t pc);
void si_indirect_free(si_ctx *x);
const char *si_indirect_note(const si_ctx *x, uint64_t pc);
int si_indirect_round(si_ctx *x);

/* types.c */
int si_store_fits(const trow *r, int64_t off, uint32_t width);
trow *si_ti_find(tindex *ti, const char *name, uint64_t size, const char *decl_file,
                 uint32_t decl_line, uint64_t want_size);
void si_ti_free(tindex *ti);
void si_ti_load(tindex *ti, typeset *types);
void si_ti_members(trow *r);
void si_ti_size_range(const tindex *ti, uint64_t size, size_t *lo, size_t *hi);
int si_toolchain_type(const trow *t);

/* facts.c */
void si_collect_facts(si_ctx *x, ei_image *dwarf);
const dl_site *si_find_dlsite(const dl_site *v, size_t n, uint64_t pc);

/* write.c */
int si_write_allocators(si_ctx *x, hp_err *err);
int si_write_scan(si_ctx *x, const char *note, hp_err *err);
int si_write_sites(si_ctx *x, hp_err *err);

/* attribute.c: the decision a family takes (si_take keeps a type that is
** only the head of a bigger object as a fallback, returning 0) */
void si_set_type(fin *r, trow *t, const char *method, double conf);
int si_size_ok(const fin *r, const trow *t);
int si_take(fin *r, trow *t, const alloc *A, const char *method, double conf);
void si_use_fallback(fin *r);
void si_attribute_sites(si_ctx *x);

/* ev_*.c: the evidence families, in the order attribute.c tries them; an
** int result is 1 when the site is decided */
void si_ev_size(attr *at);
int si_ev_go(attr *at);
/* abi.c: the exported functions' types */
void si_abi_functions(si_ctx *x, dl_func **dfn, size_t *n, size_t *cap);
int si_write_abi(si_ctx *x, hp_err *err);
/* ev_slab.c: the caches the code creates, and their rows */
void si_slab_cache(si_ctx *x, const site_ev *e, hp_arena *ar, kcache **kc, size_t *n,
                   size_t *cap);
int si_write_caches(si_ctx *x, hp_err *err);
int si_ev_alloc_type(attr *at);
int si_ev_std_alloc(attr *at);
int si_whole_objects(const fin *r, const alloc *A, uint64_t ts);
void si_ev_kmem_size(attr *at);
int si_ev_ctor(attr *at);
int si_ev_var(attr *at);
int si_ev_return(attr *at);
int si_ev_kmem_name(attr *at);
void si_ev_pytype_size(attr *at);
int si_ev_pytype_name(attr *at);
int si_ev_stores(attr *at, size_t slo, size_t shi);
int si_ev_dest(attr *at);
void si_param_call(si_ctx *x, const func *f, const state *S, const da_insn *d, uint64_t target);
void si_param_sort(si_ctx *x);
void si_param_funcs(si_ctx *x, dl_func **dfn, size_t *n, size_t *cap);
int si_ev_param(attr *at);
void si_dest_store(si_ctx *x, const func *f, const state *S, const da_insn *d);
void si_dest_sort(si_ctx *x);
void si_dest_probes(const si_ctx *x, const site_ev *e, dl_site *d);
void si_dest_globals(const si_ctx *x, const site_ev *e, dl_site *d);
void si_ev_size_only(attr *at, size_t slo, size_t shi);
int si_is_ctor_name(const char *n);
char *si_mangled_class(const char *n, size_t len, const char *stop);
int si_class_new(const char *name);
int si_ev_class_new(attr *at);

#endif
