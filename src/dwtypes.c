/*
** dwtypes.c -- DWARF type loader (see dwtypes.h).
**
** How it works, per compile unit:
**  1. walk the unit's DIE tree once, keeping a compact node for every DIE
**     that can matter to a layout (types, members, subranges, scopes) in a
**     per-unit table indexed by DIE offset; everything else is skipped
**     without reading its attributes;
**  2. for every aggregate definition, build a lay_type: resolve each
**     member's type to a size, an alignment and a printable name (memoized
**     per node), place bitfields, and run lay_compute();
**  3. hand the layout to the shared typeset, which deduplicates.
** A member whose type the unit only declares (a class with a key function
** defined elsewhere) cannot be sized inside the unit: it leaves a
** reference (lay_member.ref_kind) with the class's qualified name, as does
** a member whose type's alignment depends on such a declaration
** (N_TAINT), and once every unit is read ts_resolve() fills them in from
** the set's definitions (or marks the type incomplete).
** References that leave the unit (DW_FORM_ref_addr, common with LTO) are
** followed with dws_offdie() and cached in the same table.
**
** Alignment is not in DWARF before version 5 (and gcc emits it only when
** it was requested), so it is derived the way the ABI does: scalars are
** aligned to their size (capped at 16; complex types to half), arrays to
** their element, aggregates to their strictest member, packed aggregates
** to 1.
*/
#include "dwtypes.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dwshim.h"
#include "elfimg.h"
#include "layout.h"

/* DWARF constants used here (values fixed by the DWARF standard; we do not
** include libdwarf's dwarf.h outside dwshim.c). */
enum {
    T_array = 0x01, T_class = 0x02, T_enumeration = 0x04, T_formal_parameter = 0x05,
    T_lexical_block = 0x0b, T_member = 0x0d, T_pointer = 0x0f, T_reference = 0x10,
    T_compile_unit = 0x11, T_structure = 0x13, T_subroutine_type = 0x15, T_typedef = 0x16,
    T_union = 0x17, T_inheritance = 0x1c, T_inlined_subroutine = 0x1d,
    T_ptr_to_member = 0x1f, T_subrange = 0x21, T_base = 0x24, T_const = 0x26,
    T_subprogram = 0x2e, T_variant = 0x19, T_volatile = 0x35, T_restrict = 0x37,
    T_interface = 0x38, T_namespace = 0x39, T_unspecified_type = 0x3b,
    T_partial_unit = 0x3c, T_type_unit = 0x41, T_rvalue_reference = 0x42,
    T_atomic = 0x47, T_immutable = 0x4b, T_variant_part = 0x33,
    T_skeleton_unit = 0x4a,
};
enum { ATE_complex_float = 0x03 };
enum { EM_386_ = 3, EM_IAMCU_ = 6 };      /* ELF machines (elf.h is elfimg's) */
enum { VIRTUALITY_virtual = 1 };

/* DW_LANG_* -> lay_lang */
static lay_lang map_lang(uint64_t l)
{
    switch (l) {
    case 0x0001: case 0x0002: case 0x000c: case 0x001d: case 0x002c:
        return LANG_C;                    /* C89, C, C99, C11, C17 */
    case 0x0004: case 0x001a: case 0x0021: case 0x002a: case 0x002b:
        return LANG_CXX;                  /* C++, C++03, C++11, C++14, C++17/20 */
    case 0x0016:
        return LANG_GO;
    case 0x001c:
        return LANG_RUST;
    case 0:
        return LANG_UNKNOWN;
    default:
        return LANG_OTHER;
    }
}

#define NONE UINT32_MAX

/* node flags */
#define N_DECL       0x0001
#define N_ARTIFICIAL 0x0002
#define N_EXTERNAL   0x0004
#define N_HAS_TYPE   0x0008
#define N_HAS_SIZE   0x0010
#define N_HAS_LOC    0x0020
#define N_LOC_EXPR   0x0040
#define N_BIT_SIZE   0x0080
#define N_DBO        0x0100   /* data_bit_offset */
#define N_BO         0x0200   /* DWARF 2/3 bit_offset */
#define N_HAS_COUNT  0x0400
#define N_HAS_UB     0x0800
#define N_GO_EMB     0x1000
#define N_FOREIGN    0x2000   /* loaded by reference from outside the walk */
#define N_SIGNATURE  0x4000   /* type given by a type-unit signature */
#define N_ALIGN      0x8000
#define N_SPEC       0x10000
#define N_CHILDREN_LOADED 0x20000
#define N_SKIPPED    0x40000  /* definition already read in an earlier unit */
#define N_KEYED      0x80000  /* read in full and registered under its key */
#define N_LAZY       0x100000 /* only offset, tag and place known: read on first use */
#define N_TAINT      0x200000 /* aggregate whose alignment depends on a declaration
                                 (set with align_state 2; see aggregate_align) */
#define N_UNRESOLVED 0x400000 /* a name or reference is in a supplementary file
                                 that is not loaded (DWA_UNRESOLVED) */
#define N_UNREAD_DONE 0x800000 /* memo of unread() computed ... */
#define N_UNREAD     0x1000000 /* ... and the answer is yes */
#define N_STANDIN    0x2000000 /* a type unit's stand-in (DW_AT_signature) for the
                                 type at `spec` */
#define N_DEEP_SIZE  0x4000000 /* the memo of type_size, type_align, nv_dsize ... */
#define N_DEEP_ALIGN 0x8000000
#define N_DEEP_DSIZE 0x10000000 /* ... met DT_TYPE_DEPTH or a cycle: not the answer */
#define N_CUT        0x20000000 /* read by reference (load_children) with more than
                                  HP_MAX_MEMBERS members: only the first are
                                  nodes, its alignment and data size unknown */


typedef struct node {
    uint64_t off;
    uint64_t type;           /* referenced type DIE offset */
    uint64_t size;           /* DW_AT_byte_size */
    uint64_t loc;            /* data_member_location */
    uint64_t bit_size, bit_off, dbo;
    int64_t count;           /* subrange element count, -1 unknown */
    uint64_t spec;           /* DW_AT_specification */
    uint64_t discr;          /* variant_part: discriminant member */
    const char *name;
    uint32_t parent, first_child, last_child, next;
    uint32_t flags;
    uint32_t decl_file;      /* DW_AT_decl_file + 1 (DWARF 5 numbers files from 0); 0 = none */
    uint32_t decl_line;
    uint32_t align;          /* DW_AT_alignment */
    uint16_t tag;
    uint8_t encoding;
    /* memo */
    uint8_t size_state;      /* 0 unknown, 1 busy, 2 done */
    uint8_t align_state;
    uint8_t name_state;
    uint8_t flex;            /* array of unknown length */
    uint64_t m_size;
    uint32_t m_align;
    const char *m_name;      /* rendered type name */
    const char *m_qual;      /* qualified aggregate name */
    ts_entry *entry;         /* the typeset entry this definition became */
    uint64_t keyh;           /* N_KEYED/N_SKIPPED: hash of the dedup key */
    const char *key;
    uint64_t m_dsize;        /* memo of nv_dsize + 1; 0 = not computed */
    uint64_t fp;             /* aggregate: fingerprint of its member and base
                                children (walk), 0 before it is walked */
    uint64_t kfp;            /* N_SKIPPED (C++): the fingerprint of the reading
                                it was counted with */
} node;

/* Early deduplication.  A struct defined in a header is read once per
** unit that includes it (~10^6 times in vmlinux for ~10^4 layouts).  A
** definition is identified by its key -- the unit's language, tag, name,
** byte size, declaration file and line -- and its members are read only in
** the lowest-numbered unit that defines it; later units skip the subtree
** and just count.  In C++ they still walk the class's children for nested
** class definitions, which the first unit may have only declared: a
** nested class is keyed by its own definition, and a C++ key counts for
** its class alone.  They also read its members and bases (not built):
** a class whose members differ in count and order (node.fp, key_unskip)
** or in names and types (member_types_fp, key_check_types) from the
** reading it was counted with is a variant, read in full.
** Whatever order threads reach units in, the layout kept is the one of
** the lowest unit (a higher unit that got there first is re-attributed),
** so results do not depend on -j.  --exact-dedup turns this off (every
** definition read and compared in full). */
typedef struct kentry {
    uint64_t h;
    char *key;
    uint64_t first_cu;       /* unit whose full read is kept */
    uint64_t nskipped;       /* units that counted through this entry */
    uint32_t align;          /* alignment of the aggregate (for skipped refs) */
    int taint;               /* ... which depends on a declared-only type */
    uint64_t fp;             /* C++: its member fingerprint (node.fp) */
    uint64_t tfp;            /* C++: its members' names and types (member_types_fp) */
    uint64_t dsize;          /* its non-virtual data size (see nv_dsize) */
    ts_entry **ents;         /* the aggregate and every aggregate nested in it */
    size_t nents, cap;
} kentry;

typedef struct shared {
    const char *path;
    const dt_opts *opts;
    typeset *ts;
    atomic_uint_fast64_t next_cu;    /* next entry of order[] to claim */
    uint64_t *order;                 /* unit indexes in the order to read them */
    const uint64_t *sizes;           /* bytes of each unit */
    uint64_t total_bytes;
    atomic_uint_fast64_t done_bytes; /* of the units read (opts->progress_permille) */
    atomic_uint_fast64_t done;
    uint64_t total;
    atomic_uint_fast64_t dies, aggregates;
    atomic_uint_fast64_t out_of_range, out_of_range_die;   /* see dt_result */
    uint64_t truncated_die;          /* (under mu) see dt_result */
    char *truncated_name;
    uint64_t deep_die;
    char *deep_name;
    atomic_int failed;
    pthread_mutex_t mu;              /* producer, langs, error, progress */
    char *producer;
    uint64_t lang_count[LANG_OTHER + 1];
    hp_err err;
    double last_progress;
    pthread_mutex_t kmu;             /* the early-dedup key map */
    kentry *keys;
    size_t nkeys, kcap;
    size_t *kslots;                  /* index+1, 0 empty */
    size_t nkslots;
    uint32_t scalar_align;           /* the most a scalar is aligned to inside an
                                        aggregate: 4 on i386 (its SysV ABI puts
                                        long long, double and long double at
                                        multiples of 4), else 16 */
} shared;

typedef struct worker {
    shared *sh;
    dws_file *f;
    hp_err err;
    /* per unit */
    hp_arena arena;
    node *nodes;
    size_t n, cap;
    uint32_t *slots;         /* offset map: index+1, 0 empty */
    size_t nslots;
    uint64_t cu_lo, cu_hi;
    uint16_t version;
    uint8_t addr_size;
    lay_lang lang;
    dws_die cu_die;
    const char **files;
    uint64_t nfiles;
    int files_loaded;
    uint64_t cu_index;
    int unit_unresolved;     /* a DIE of this unit has N_UNRESOLVED */
    int unit_dangling;       /* a reference of this unit did not resolve, or
                                is a type-unit signature (see unread) */
    int scope_loading;       /* foreign_scope is loading a chain of scopes */
    uint64_t unresolved;     /* aggregates left out: a name not read */
    char *first_unresolved;  /* the first one's name */
    hp_buf buf;
    lay_member *members;
    size_t members_cap;
    int truncated;           /* push_member refused one: past HP_MAX_MEMBERS */
    uint32_t deep;           /* DT_TYPE_DEPTH reached (or a cycle) while building
                                the current aggregate: see N_DEEP_* */
    uint32_t *order;         /* lay_compute_order's suggested order */
    size_t order_cap;
    uint32_t *typedef_of;    /* per node: typedef node naming it, or NONE */
    size_t typedef_cap;
    /* occurrences of each dedup key in this unit (see make_key) */
    struct occ { uint64_t h; uint64_t gen; uint32_t n; } *occ;
    size_t nocc;             /* slots, power of two */
    size_t occ_used;
    uint64_t gen;            /* bumped per unit: stale slots read as empty */
    int fn_depth;            /* the walk is inside this many function scopes */
} worker;

/* ---- the offset -> node map ---- */

static size_t slot_of(uint64_t off, size_t nslots)
{
    uint64_t h = off * 0x9e3779b97f4a7c15ULL;
    return (size_t)(h >> 20) & (nslots - 1);
}

static uint32_t map_get(worker *w, uint64_t off)
{
    size_t i = slot_of(off, w->nslots);
    while (w->slots[i]) {
        uint32_t k = w->slots[i] - 1;
        if (w->nodes[k].off == off)
            return k;
        i = (i + 1) & (w->nslots - 1);
    }
    return NONE;
}

static void map_put_raw(uint32_t *slots, size_t nslots, const node *nodes, uint32_t idx)
{
    size_t i = slot_of(nodes[idx].off, nslots);
    while (slots[i])
        i = (i + 1) & (nslots - 1);
    slots[i] = idx + 1;
}

/* A unit made of millions of one-byte type DIEs would cost ~100 bytes of
** node each: refuse it rather than grow without bound (issue 7).  Real
** units keep far fewer (the biggest vmlinux unit: well under 1 M). */
static int node_room(worker *w)
{
    if (w->n < HP_MAX_UNIT_NODES)
        return 0;
    return hp_errf(&w->err, w->sh->path, "corrupt DWARF: more than %u type DIEs in one unit",
                   HP_MAX_UNIT_NODES);
}

static uint32_t new_node(worker *w)
{
    if ((w->n + 1) * 2 > w->nslots) {
        size_t ns = w->nslots ? w->nslots * 2 : 4096;
        uint32_t *s = hp_xcalloc(ns, sizeof *s);
        for (size_t i = 0; i < w->n; i++)
            map_put_raw(s, ns, w->nodes, (uint32_t)i);
        free(w->slots);
        w->slots = s;
        w->nslots = ns;
    }
    node *nd = HP_PUSH(w->nodes, w->n, w->cap);
    memset(nd, 0, sizeof *nd);
    nd->parent = nd->first_child = nd->last_child = nd->next = NONE;
    nd->count = -1;
    return (uint32_t)(w->n - 1);
}

static void reset_unit(worker *w)
{
    if (w->nslots)
        memset(w->slots, 0, w->nslots * sizeof *w->slots);
    w->n = 0;
    hp_arena_free(&w->arena);
    w->files = NULL;
    w->nfiles = 0;
    w->files_loaded = 0;
    w->gen++;
    w->occ_used = 0;
    w->unit_unresolved = 0;
    w->unit_dangling = 0;
    w->fn_depth = 0;
}

/* Type DIEs read only when a layout needs them.  Typedefs are not among
** them: they name anonymous aggregates and give aliases, so every one is
** read. */
static int is_lazy_tag(uint16_t t)
{
    switch (t) {
    case T_pointer: case T_reference: case T_rvalue_reference: case T_ptr_to_member:
    case T_const: case T_volatile: case T_restrict: case T_atomic: case T_immutable:
    case T_base: case T_array: case T_subroutine_type: case T_enumeration:
    case T_unspecified_type:
        return 1;
    default:
        return 0;
    }
}

/* Which tags are kept as nodes. */
static int is_type_tag(uint16_t t)
{
    switch (t) {
    case T_array: case T_class: case T_enumeration: case T_pointer: case T_reference:
    case T_structure: case T_subroutine_type: case T_typedef: case T_union:
    case T_ptr_to_member: case T_base: case T_const: case T_volatile: case T_restrict:
    case T_interface: case T_unspecified_type: case T_rvalue_reference: case T_atomic:
    case T_immutable:
        return 1;
    default:
        return 0;
    }
}

static int is_aggregate(uint16_t t)
{
    return t == T_structure || t == T_class || t == T_union || t == T_interface;
}

/* Fill a node from a DIE's attributes. */
static void link_child(worker *w, uint32_t idx, uint32_t parent)
{
    if (parent != NONE) {
        node *p = &w->nodes[parent];
        if (p->last_child == NONE)
            p->first_child = idx;
        else
            w->nodes[p->last_child].next = idx;
        p->last_child = idx;
    }
}

static int fill_node(worker *w, dws_die die, uint32_t idx, uint32_t parent)
{
    dws_attrs a;
    if (dws_read(w->f, die, &a, &w->err) != 0)
        return -1;
    node *nd = &w->nodes[idx];
    nd->off = a.off;
    nd->tag = a.tag;
    nd->parent = parent;
    if (a.has & DWA_NAME) {
        size_t len = strlen(a.name);
        nd->name = len > HP_MAX_NAME ? hp_arena_strdup(&w->arena, "(name too long)") : a.name;
    }
    if (a.has & DWA_TYPE) { nd->type = a.type; nd->flags |= N_HAS_TYPE; }
    if (a.has & DWA_SIGNATURE) {
        nd->flags |= N_SIGNATURE;
        w->unit_dangling = 1;
    }
    if (a.signature) { nd->flags |= N_STANDIN; nd->spec = a.signature; }
    if (a.has & DWA_UNRESOLVED) {
        nd->flags |= N_UNRESOLVED;
        w->unit_unresolved = 1;
    }
    if (a.has & DWA_BYTE_SIZE) { nd->size = a.byte_size; nd->flags |= N_HAS_SIZE; }
    if (a.has & DWA_MEMBER_LOC) { nd->loc = a.member_loc; nd->flags |= N_HAS_LOC; }
    if (a.has & DWA_MEMBER_LOC_EXPR) nd->flags |= N_LOC_EXPR;
    if (a.has & DWA_BIT_SIZE) { nd->bit_size = a.bit_size; nd->flags |= N_BIT_SIZE; }
    if (a.has & DWA_DATA_BIT_OFFSET) { nd->dbo = a.data_bit_offset; nd->flags |= N_DBO; }
    if (a.has & DWA_BIT_OFFSET) { nd->bit_off = a.bit_offset; nd->flags |= N_BO; }
    if (a.has & DWA_DECLARATION) nd->flags |= N_DECL;
    if (a.has & DWA_ARTIFICIAL) nd->flags |= N_ARTIFICIAL;
    if (a.has & DWA_EXTERNAL) nd->flags |= N_EXTERNAL;
    if (a.has & DWA_GO_EMBEDDED) nd->flags |= N_GO_EMB;
    if (a.has & DWA_ALIGNMENT) {
        nd->align = a.alignment > (1u << 30) ? (1u << 30) : (uint32_t)a.alignment;
        nd->flags |= N_ALIGN;
    }
    if ((a.has & DWA_SPECIFICATION) && !a.signature) { nd->spec = a.specification; nd->flags |= N_SPEC; }
    if (a.has & DWA_DISCR) nd->discr = a.discr;
    if (a.has & DWA_ENCODING) nd->encoding = (uint8_t)a.encoding;
    if (a.has & DWA_DECL_FILE) nd->decl_file = a.decl_file >= UINT32_MAX ? 0 : (uint32_t)a.decl_file + 1;
    if (a.has & DWA_DECL_LINE) nd->decl_line = a.decl_line > UINT32_MAX ? 0 : (uint32_t)a.decl_line;
    if (a.tag == T_subrange) {
        if (a.has & DWA_COUNT) {
            nd->count = a.count > (uint64_t)INT64_MAX ? -1 : (int64_t)a.count;
        } else if (a.has & DWA_UPPER_BOUND) {
            int64_t lo = (a.has & DWA_LOWER_BOUND) ? a.lower_bound : 0;
            nd->count = a.upper_bound < lo ? (a.upper_bound == lo - 1 ? 0 : -1)
                                           : a.upper_bound - lo + 1;
            if (a.upper_bound == -1 && !(a.has & DWA_BOUND_SIGNED) && lo == 0)
                nd->count = 0;       /* T a[0] as gcc writes it */
        }
    }
    if (a.tag == T_compile_unit || a.tag == T_partial_unit || a.tag == T_type_unit) {
        /* not kept as a node; only read for language/producer */
    }
    if (!(nd->flags & N_LAZY))
        link_child(w, idx, parent);
    return 0;
}

/* ---- early deduplication (see kentry) ---- */

static const char *file_name(worker *w, uint32_t idx);
static uint64_t nv_dsize(worker *w, uint32_t k, int depth);
static const char *qual_name(worker *w, uint32_t k, int depth);

/* Find key h/key; NULL if absent.  Caller holds kmu. */
static kentry *key_find(shared *sh, uint64_t h, const char *key)
{
    if (sh->nkslots == 0)
        return NULL;
    size_t i = (size_t)h & (sh->nkslots - 1);
    while (sh->kslots[i]) {
        kentry *k = &sh->keys[sh->kslots[i] - 1];
        if (k->h == h && strcmp(k->key, key) == 0)
            return k;
        i = (i + 1) & (sh->nkslots - 1);
    }
    return NULL;
}

static kentry *key_insert(shared *sh, uint64_t h, const char *key)
{
    if ((sh->nkeys + 1) * 2 > sh->nkslots) {
        size_t ns = sh->nkslots ? sh->nkslots * 2 : 4096;
        size_t *sl = hp_xcalloc(ns, sizeof *sl);
        for (size_t j = 0; j < sh->nkeys; j++) {
            size_t i = (size_t)sh->keys[j].h & (ns - 1);
            while (sl[i])
                i = (i + 1) & (ns - 1);
            sl[i] = j + 1;
        }
        free(sh->kslots);
        sh->kslots = sl;
        sh->nkslots = ns;
    }
    kentry *k = HP_PUSH(sh->keys, sh->nkeys, sh->kcap);
    memset(k, 0, sizeof *k);
    k->h = h;
    k->key = hp_xstrdup(key);
    size_t i = (size_t)h & (sh->nkslots - 1);
    while (sh->kslots[i])
        i = (i + 1) & (sh->nkslots - 1);
    sh->kslots[i] = sh->nkeys;
    return k;
}

/* Compute the key of aggregate definition idx; 0 if it has none (no
** declaration line: such definitions are always read in full). */
static int make_key(worker *w, uint32_t idx)
{
    node *nd = &w->nodes[idx];
    if (!nd->decl_line || !(nd->flags & N_HAS_SIZE) || (nd->flags & (N_DECL | N_SPEC)))
        return 0;
    /* A class local to a function (or a lambda's closure type) is one per
    ** instance of a template function under one name, file and line
    ** (basic_string<char>::_M_construct's _Guard, the wchar_t one): not
    ** keyed, read wherever it is, and so are the types nested in an
    ** aggregate that has no key. */
    if (w->fn_depth > 0)
        return 0;
    if (nd->parent != NONE && is_aggregate(w->nodes[nd->parent].tag) &&
        !(w->nodes[nd->parent].flags & (N_KEYED | N_SKIPPED)))
        return 0;
    const char *file = nd->decl_file ? file_name(w, nd->decl_file - 1) : NULL;
    nd = &w->nodes[idx];
    hp_buf_reset(&w->buf);
    /* "lang tag US name US size US file US line", built without printf:
    ** this runs for every aggregate definition of every unit.  The unit's
    ** language is part of it: a C and a C++ unit render a header's struct
    ** differently, and a C++ key stands for the class alone (key_register) */
    hp_buf_putu(&w->buf, (uint64_t)w->lang);
    hp_buf_putn(&w->buf, "\x1f", 1);
    hp_buf_putu(&w->buf, nd->tag);
    hp_buf_putn(&w->buf, "\x1f", 1);
    hp_buf_puts(&w->buf, nd->name ? nd->name : "");
    hp_buf_putn(&w->buf, "\x1f", 1);
    hp_buf_putu(&w->buf, nd->size);
    hp_buf_putn(&w->buf, "\x1f", 1);
    hp_buf_puts(&w->buf, file ? file : "");
    hp_buf_putn(&w->buf, "\x1f", 1);
    hp_buf_putu(&w->buf, nd->decl_line);
    /* A type nested in another (macros put an anonymous struct and its
    ** parent on one line) is keyed by its parent and its position there,
    ** one in a namespace by the namespace (std::collate<char> and
    ** std::__cxx11::collate<char> share a name, a size and a line). */
    uint32_t par = nd->parent;
    if (par != NONE && w->nodes[par].tag == T_namespace) {
        const char *ns = qual_name(w, par, 0);
        hp_buf_putn(&w->buf, "\x1f", 1);
        hp_buf_puts(&w->buf, ns);
        /* a type in an anonymous namespace is its unit's own, whatever
        ** its name and line (shim_facets.cc's collate_shim twice) */
        if (strstr(ns, "(anonymous namespace)")) {
            hp_buf_putn(&w->buf, "\x1f@", 2);
            hp_buf_putu(&w->buf, w->cu_index);
        }
        nd = &w->nodes[idx];
        par = nd->parent;
    }
    if (par != NONE && is_aggregate(w->nodes[par].tag)) {
        /* (counting the nested types only: a unit reading the parent in
        ** full and one walking it after key_skip see the same ones) */
        unsigned pos = 0;
        for (uint32_t c = w->nodes[par].first_child; c != NONE && c != idx; c = w->nodes[c].next)
            pos += is_aggregate(w->nodes[c].tag);
        hp_buf_printf(&w->buf, "\x1f%016llx.%u", (unsigned long long)w->nodes[par].keyh, pos);
    }
    /* Macros can put two anonymous types of one size on one line (gcc
    ** writes both at unit level); number the occurrences in this unit so
    ** each keeps its own key. */
    uint64_t h = hp_hash_final(hp_hash_str(HP_HASH_INIT, w->buf.s));
    if ((w->occ_used + 1) * 2 > w->nocc) {
        size_t ns = w->nocc ? w->nocc * 2 : 1024;
        struct occ *o = hp_xcalloc(ns, sizeof *o);
        for (size_t i = 0; i < w->nocc; i++) {
            if (w->occ[i].gen != w->gen)
                continue;
            size_t j = (size_t)w->occ[i].h & (ns - 1);
            while (o[j].gen == w->gen)
                j = (j + 1) & (ns - 1);
            o[j] = w->occ[i];
        }
        free(w->occ);
        w->occ = o;
        w->nocc = ns;
    }
    size_t j = (size_t)h & (w->nocc - 1);
    while (w->occ[j].gen == w->gen && w->occ[j].h != h)
        j = (j + 1) & (w->nocc - 1);
    if (w->occ[j].gen != w->gen) {
        w->occ[j].gen = w->gen;
        w->occ[j].h = h;
        w->occ[j].n = 0;
        w->occ_used++;
    }
    uint32_t nth = w->occ[j].n++;
    if (nth)
        hp_buf_printf(&w->buf, "\x1f#%u", nth);
    nd = &w->nodes[idx];
    nd->key = hp_arena_strdup(&w->arena, w->buf.s);
    nd->keyh = hp_hash_final(hp_hash_str(HP_HASH_INIT, nd->key));
    return 1;
}

/* Count this unit's definition nd as a skip of the reading k kept (kmu
** held): k's entries get the unit, and nd what members of this unit's
** other types need of it (alignment, data size, taint, fingerprint). */
static void key_count_skip(shared *sh, kentry *k, node *nd)
{
    k->nskipped++;
    for (size_t i = 0; i < k->nents; i++)
        ts_adjust(sh->ts, k->ents[i], 1);
    nd->m_align = k->align ? k->align : 1;
    nd->m_dsize = k->dsize + 1;
    nd->align_state = 2;
    if (k->taint)
        nd->flags |= N_TAINT;
    nd->kfp = k->fp;
}

/* Called when the walk meets an aggregate definition: 1 if an earlier
** unit already read it (the caller then skips its subtree). */
static int key_skip(worker *w, uint32_t idx)
{
    shared *sh = w->sh;
    if (sh->opts->exact_dedup || !make_key(w, idx))
        return 0;
    node *nd = &w->nodes[idx];
    int skip = 0;
    pthread_mutex_lock(&sh->kmu);
    kentry *k = key_find(sh, nd->keyh, nd->key);
    if (k && k->first_cu < w->cu_index) {
        skip = 1;
        key_count_skip(sh, k, nd);
    }
    pthread_mutex_unlock(&sh->kmu);
    nd->flags |= skip ? N_SKIPPED : N_KEYED;
    return skip;
}

/* A C++ definition's key once it is known to differ from the reading its
** key found: the key, the member fingerprint appended. */
static void key_variant(worker *w, uint32_t idx)
{
    node *nd = &w->nodes[idx];
    hp_buf_reset(&w->buf);
    hp_buf_puts(&w->buf, nd->key);
    hp_buf_printf(&w->buf, "\x1f%%%016llx", (unsigned long long)nd->fp);
    nd->key = hp_arena_strdup(&w->arena, w->buf.s);
    nd->keyh = hp_hash_final(hp_hash_str(HP_HASH_INIT, nd->key));
}

static const char *type_name(worker *w, uint32_t k);
static uint32_t type_of(worker *w, uint32_t k, int depth);

/* A C++ class's members by name and type as the layout will name them:
** two definitions at one file:line whose members agree in count and
** order (node.fp) still differ when a unit renamed a member's type by
** macro (libstdc++'s compatibility units: std::error_code's _M_cat is a
** `const std::_V2xx::error_categoryxx *` there).  Never 0. */
static uint64_t member_types_fp(worker *w, uint32_t k)
{
    uint64_t h = HP_HASH_INIT;
    for (uint32_t c = w->nodes[k].first_child; c != NONE; c = w->nodes[c].next) {
        uint16_t ct = w->nodes[c].tag;
        if ((ct != T_member && ct != T_inheritance) ||
            (ct == T_member && (w->nodes[c].flags & (N_EXTERNAL | N_DECL))))
            continue;
        h = hp_hash_str(h, w->nodes[c].name);
        const char *tn = type_name(w, type_of(w, c, 0));
        h = hp_hash_str(h, tn);
    }
    return hp_hash_final(h) | 1;
}

/* The key of a definition whose members' types differ from those of the
** reading its key found: the key, that fingerprint appended. */
static void key_tvariant(worker *w, uint32_t idx, uint64_t tfp)
{
    node *nd = &w->nodes[idx];
    hp_buf_reset(&w->buf);
    hp_buf_puts(&w->buf, nd->key);
    hp_buf_printf(&w->buf, "\x1f$%016llx", (unsigned long long)tfp);
    nd->key = hp_arena_strdup(&w->arena, w->buf.s);
    nd->keyh = hp_hash_final(hp_hash_str(HP_HASH_INIT, nd->key));
}

/* After the walk of a C++ unit (every type of the unit known): a class
** skipped by key_skip whose members' types differ from the reading it was
** counted with is not that layout.  The count goes back and it is keyed
** as its variant: counted with an earlier reading of that variant, or
** read in full (build_aggregate) and registered (key_register). */
static void key_check_types(worker *w)
{
    shared *sh = w->sh;
    size_t n = w->n;
    for (size_t i = 0; i < n; i++) {
        node *nd = &w->nodes[i];
        if (!(nd->flags & N_SKIPPED) || !is_aggregate(nd->tag))
            continue;
        uint64_t tfp = member_types_fp(w, (uint32_t)i);
        nd = &w->nodes[i];
        pthread_mutex_lock(&sh->kmu);
        kentry *k = key_find(sh, nd->keyh, nd->key);
        int differs = k != NULL && k->tfp != 0 && k->tfp != tfp;
        if (differs) {
            k->nskipped--;
            for (size_t e = 0; e < k->nents; e++)
                ts_adjust(sh->ts, k->ents[e], -1);
        }
        pthread_mutex_unlock(&sh->kmu);
        if (!differs)
            continue;
        nd->flags &= ~(uint32_t)(N_SKIPPED | N_TAINT | N_DEEP_ALIGN | N_DEEP_DSIZE);
        nd->align_state = 0;
        nd->m_align = 0;
        nd->m_dsize = 0;
        key_tvariant(w, (uint32_t)i, tfp);
        nd = &w->nodes[i];
        int skip = 0;
        pthread_mutex_lock(&sh->kmu);
        k = key_find(sh, nd->keyh, nd->key);
        if (k && k->first_cu < w->cu_index && k->fp == nd->fp && k->tfp == tfp) {
            skip = 1;
            key_count_skip(sh, k, nd);
        }
        pthread_mutex_unlock(&sh->kmu);
        nd->flags |= skip ? N_SKIPPED : N_KEYED;
    }
}

/* A C++ class skipped by key_skip whose members turn out (by their
** fingerprint, seen while walking it for nested types) to differ from
** the reading it was counted with: a header compiled under other macros,
** gcc writing a base in one unit and not in another.  The count goes back,
** and the definition is keyed as the variant it is: counted with an
** earlier reading of that variant (1), or to be read in full (0). */
static int key_unskip(worker *w, uint32_t idx)
{
    shared *sh = w->sh;
    node *nd = &w->nodes[idx];
    pthread_mutex_lock(&sh->kmu);
    kentry *k = key_find(sh, nd->keyh, nd->key);
    if (k) {
        k->nskipped--;
        for (size_t i = 0; i < k->nents; i++)
            ts_adjust(sh->ts, k->ents[i], -1);
    }
    pthread_mutex_unlock(&sh->kmu);
    nd->flags &= ~(uint32_t)(N_SKIPPED | N_TAINT | N_DEEP_ALIGN | N_DEEP_DSIZE);
    nd->align_state = 0;
    nd->m_align = 0;
    nd->m_dsize = 0;
    key_variant(w, idx);
    nd = &w->nodes[idx];
    int skip = 0;
    pthread_mutex_lock(&sh->kmu);
    k = key_find(sh, nd->keyh, nd->key);
    if (k && k->first_cu < w->cu_index && k->fp == nd->fp) {
        skip = 1;
        key_count_skip(sh, k, nd);
    }
    pthread_mutex_unlock(&sh->kmu);
    nd->flags |= skip ? N_SKIPPED : N_KEYED;
    return skip;
}

/* After a unit is built: register every definition it read in full. */
typedef struct kpair { uint32_t anc; ts_entry *e; } kpair;

static int cmp_kpair(const void *pa, const void *pb)
{
    const kpair *a = pa, *b = pb;
    return a->anc < b->anc ? -1 : a->anc > b->anc;
}

/* Whether a layout's alignment waits for ts_resolve: a member typed by
** a declaration, or by a type whose alignment depends on one (an empty
** base left to the set, LAY_REF_EMPTY, has its alignment, 1). */
static int align_refs(const lay_type *t)
{
    for (uint32_t i = 0; i < t->nmembers; i++)
        if (t->members[i].ref_kind == LAY_REF_DECL || t->members[i].ref_kind == LAY_REF_ALIGN)
            return 1;
    return 0;
}

static void key_register(worker *w)
{
    shared *sh = w->sh;
    size_t n = w->n;
    /* (keyed ancestor, entry) for every built aggregate and each keyed
    ** aggregate enclosing it, itself included */
    kpair *pairs = NULL;
    size_t np = 0, cap = 0;
    ts_entry **via = NULL;
    size_t nvia = 0, vcap = 0;
    /* In C++ a keyed class stands for itself only: its nested classes
    ** have keys of their own, and a unit that skips the class still meets
    ** them (visit) and counts them through those. */
    const int nest = w->lang != LANG_CXX;
    for (size_t x = 0; x < n; x++) {
        nvia = 0;
        if (w->nodes[x].entry != NULL) {
            *HP_PUSH(via, nvia, vcap) = w->nodes[x].entry;
        } else if (nest && (w->nodes[x].flags & N_SKIPPED) && w->nodes[x].parent != NONE) {
            /* nested and skipped: whoever skips the parent must count
            ** what this node counted */
            pthread_mutex_lock(&sh->kmu);
            kentry *k = key_find(sh, w->nodes[x].keyh, w->nodes[x].key);
            for (size_t e = 0; k && e < k->nents; e++)
                *HP_PUSH(via, nvia, vcap) = k->ents[e];
            pthread_mutex_unlock(&sh->kmu);
        }
        if (nvia == 0)
            continue;
        uint32_t p = (uint32_t)x;
        for (int d = 0; p != NONE && d < HP_MAX_DEPTH && (nest || d == 0); d++, p = w->nodes[p].parent)
            if (w->nodes[p].flags & N_KEYED)
                for (size_t e = 0; e < nvia; e++) {
                    kpair *kp = HP_PUSH(pairs, np, cap);
                    kp->anc = p;
                    kp->e = via[e];
                }
    }
    free(via);
    if (np > 1)
        qsort(pairs, np, sizeof *pairs, cmp_kpair);   /* stable enough: entries of one
                                                         ancestor are a set */
    for (size_t i = 0; i < np;) {
        size_t j = i;
        while (j < np && pairs[j].anc == pairs[i].anc)
            j++;
        uint64_t tfp = nest ? 0 : member_types_fp(w, pairs[i].anc);
        node *an = &w->nodes[pairs[i].anc];
        pthread_mutex_lock(&sh->kmu);
        kentry *k = key_find(sh, an->keyh, an->key);
        if (!nest && k && k->fp != an->fp) {
            /* C++: another reading of this key has other members: this
            ** one is its own variant (key_unskip) */
            pthread_mutex_unlock(&sh->kmu);
            key_variant(w, pairs[i].anc);
            an = &w->nodes[pairs[i].anc];
            pthread_mutex_lock(&sh->kmu);
            k = key_find(sh, an->keyh, an->key);
        }
        if (!nest && k && k->tfp != tfp) {
            /* ... or members of other types (key_check_types) */
            pthread_mutex_unlock(&sh->kmu);
            key_tvariant(w, pairs[i].anc, tfp);
            an = &w->nodes[pairs[i].anc];
            pthread_mutex_lock(&sh->kmu);
            k = key_find(sh, an->keyh, an->key);
        }
        int fresh = 0;
        if (k == NULL) {
            k = key_insert(sh, an->keyh, an->key);
            k->first_cu = w->cu_index;
            k->fp = an->fp;
            k->tfp = tfp;
            fresh = 1;
        } else if (k->first_cu > w->cu_index) {
            fresh = 1;
            k->fp = an->fp;
            k->tfp = tfp;
            /* a higher unit registered first: this unit's read wins, and
            ** every unit counted so far moves over to our entries */
            for (size_t e = 0; e < k->nents; e++)
                ts_adjust(sh->ts, k->ents[e], -(int64_t)(1 + k->nskipped));
            for (size_t e = i; e < j; e++)
                ts_adjust(sh->ts, pairs[e].e, (int64_t)(1 + k->nskipped));
            k->nskipped++;           /* the displaced read now counts as a skip */
            k->nents = 0;
            k->align = 0;
            k->first_cu = w->cu_index;
        } else if (k->first_cu < w->cu_index) {
            /* a lower unit registered while we were reading: count this
            ** unit as a skip of that one */
            for (size_t e = i; e < j; e++)
                ts_adjust(sh->ts, pairs[e].e, -1);
            for (size_t e = 0; e < k->nents; e++)
                ts_adjust(sh->ts, k->ents[e], 1);
            k->nskipped++;
            pthread_mutex_unlock(&sh->kmu);
            i = j;
            continue;
        }
        /* new, or a second definition with the same key in this unit */
        for (size_t e = i; e < j; e++) {
            size_t q = 0;
            while (!fresh && q < k->nents && k->ents[q] != pairs[e].e)
                q++;
            if (fresh || q == k->nents)
                *HP_PUSH(k->ents, k->nents, k->cap) = pairs[e].e;
        }
        if (k->align == 0 && an->entry) {
            k->align = an->entry->t.align;
            /* (an incomplete layout's alignment is unknown too: units
            ** skipping it resolve it by name, and find it incomplete) */
            k->taint = align_refs(&an->entry->t) || (an->entry->t.flags & TF_INCOMPLETE);
        }
        if (k->dsize == 0)
            k->dsize = nv_dsize(w, pairs[i].anc, 0);
        pthread_mutex_unlock(&sh->kmu);
        i = j;
    }
    free(pairs);
}

/* ---- the walk ---- */

static int walk(worker *w, dws_die die, uint32_t parent, uint16_t ptag, int depth);

static int visit(worker *w, dws_die die, uint16_t tag, uint32_t parent, uint16_t ptag, int depth)
{
    int keep = 0, descend = 0;
    if (is_type_tag(tag)) {
        keep = 1;
        /* children matter for aggregates (members, nested types), arrays
        ** (subranges), subroutine types (parameters) and enums (nothing) */
        descend = is_aggregate(tag) || tag == T_array || tag == T_subroutine_type;
    } else if (tag == T_member || tag == T_inheritance) {
        keep = is_aggregate(ptag) || ptag == T_variant || ptag == T_variant_part;
    } else if (tag == T_subrange) {
        keep = ptag == T_array;
    } else if (tag == T_formal_parameter) {
        keep = ptag == T_subroutine_type;
    } else if (tag == T_namespace) {
        keep = 1;
        descend = 1;
    } else if (tag == T_variant_part || tag == T_variant) {
        keep = is_aggregate(ptag) || ptag == T_variant_part;
        descend = keep;
    } else if (tag == T_subprogram || tag == T_lexical_block) {
        /* Local types live in function bodies.  The methods of a class
        ** are declarations, except in a local class or a lambda's closure
        ** type (a class inside a function), where gcc nests their bodies
        ** in the class, with the types defined in them. */
        descend = !w->sh->opts->skip_functions && (!is_aggregate(ptag) || w->fn_depth > 0);
    }
    if (parent != NONE && (w->nodes[parent].flags & N_SKIPPED)) {
        /* inside a C++ class an earlier unit read (key_skip): what that
        ** reading may have lacked, the nested type definitions, the nested
        ** types that name them or that members elsewhere use (so that they
        ** keep their scope: path::_Type), the bodies of a local class, and
        ** the members and bases, by which key_unskip and key_check_types
        ** tell whether it is that reading's layout at all */
        if (!is_type_tag(tag) && tag != T_subprogram && tag != T_member &&
            tag != T_inheritance && tag != T_variant_part)
            return 0;
    }
    uint32_t idx = parent;
    if (keep && node_room(w) != 0)
        return -1;
    if (keep && is_lazy_tag(tag)) {
        /* Most of a unit's pointer, qualifier and base type DIEs are
        ** never needed once early dedup skips the structs that use them:
        ** note where they are and read them on first use. */
        idx = new_node(w);
        node *nd = &w->nodes[idx];
        nd->off = dws_offset(w->f, die);
        nd->tag = tag;
        nd->parent = parent;
        nd->flags |= N_LAZY;
        link_child(w, idx, parent);
        map_put_raw(w->slots, w->nslots, w->nodes, idx);
        return 0;
    }
    if (keep) {
        idx = new_node(w);
        if (fill_node(w, die, idx, parent) != 0)
            return -1;
        map_put_raw(w->slots, w->nslots, w->nodes, idx);
        /* A C++ class read by an earlier unit is still walked for the
        ** nested classes defined in it: that unit may have had only their
        ** declarations (each nested definition has its own key) */
        if (is_aggregate(tag) && key_skip(w, idx) && w->lang != LANG_CXX)
            descend = 0;
    }
    if (descend) {
        if (depth >= HP_MAX_DEPTH)
            return hp_errf(&w->err, w->sh->path, "corrupt DWARF: DIEs nested deeper than %d",
                           HP_MAX_DEPTH);
        /* types inside functions are not scoped by the function for naming */
        int fn = tag == T_subprogram || tag == T_lexical_block;
        w->fn_depth += fn;
        int rc = walk(w, die, keep ? idx : (fn ? NONE : parent), tag, depth + 1);
        w->fn_depth -= fn;
        /* not the layout it was counted as: read in full (its members
        ** are there) or counted with the variant it is */
        if (rc == 0 && keep && is_aggregate(tag) && (w->nodes[idx].flags & N_SKIPPED) &&
            w->nodes[idx].fp != w->nodes[idx].kfp)
            (void)key_unskip(w, idx);
        return rc;
    }
    return 0;
}

static int walk(worker *w, dws_die die, uint32_t parent, uint16_t ptag, int depth)
{
    dws_die c = dws_child(w->f, die, &w->err);
    int rc = 0;
    /* an aggregate's fingerprint: how many members and bases, in which
    ** order (what a reading skipped in C++ is checked by, key_unskip) */
    uint64_t fp = 1;
    while (c != NULL) {
        uint16_t tag = dws_tag(w->f, c);
        if (tag == T_member || tag == T_inheritance)
            fp = hp_mix64(fp * 31 + tag);
        if (tag == 0)
            rc = hp_errf(&w->err, w->sh->path, "corrupt DWARF: unreadable DIE tag");
        else
            rc = visit(w, c, tag, parent, ptag, depth);
        dws_die next = rc == 0 ? dws_sibling(w->f, c, &w->err) : NULL;
        dws_die_free(w->f, c);
        c = next;
    }
    if (w->err.set)
        return -1;
    if (parent != NONE && is_aggregate(ptag))
        w->nodes[parent].fp = fp;
    return rc;
}

/* ---- resolving references ---- */

/* The node for a DIE offset, loading it when it lies outside what the
** walk kept (another unit, or a subtree we skipped). */
static void load_children(worker *w, dws_die d, uint32_t idx, hp_err *e2);

/* Read a lazily noted node now. */
static void ensure(worker *w, uint32_t k)
{
    if (k == NONE || !(w->nodes[k].flags & N_LAZY))
        return;
    w->nodes[k].flags &= ~(uint32_t)N_LAZY;
    hp_err e2 = {0};
    dws_die d = dws_offdie(w->f, w->nodes[k].off, &e2);
    if (d == NULL) {
        w->unit_dangling = 1;
        return;
    }
    uint32_t parent = w->nodes[k].parent;
    w->nodes[k].flags |= N_LAZY;          /* fill_node must not link it twice */
    if (fill_node(w, d, k, parent) == 0) {
        w->nodes[k].flags &= ~(uint32_t)N_LAZY;
        load_children(w, d, k, &e2);
    } else {
        w->nodes[k].flags &= ~(uint32_t)N_LAZY;
    }
    dws_die_free(w->f, d);
}

static int scoped_lang(lay_lang l);
static uint32_t get_node(worker *w, uint64_t off, int depth);

/* A type read by reference from outside the walk (a type unit, a dwz
** partial unit, another compile unit) has no parent node: its enclosing
** namespaces and classes are read from its unit (dws_ancestors) so that
** it is named as where it is defined, xu::Box<long int>, not Box<long int>. */
static void foreign_scope(worker *w, uint32_t idx, int depth)
{
    enum { MAXS = 16 };
    uint16_t tag = w->nodes[idx].tag;
    if (w->scope_loading || w->nodes[idx].parent != NONE || !scoped_lang(w->lang) ||
        !(is_aggregate(tag) || tag == T_enumeration || tag == T_typedef))
        return;
    uint64_t anc[MAXS];
    hp_err e2 = {0};
    int n = dws_ancestors(w->f, w->nodes[idx].off, anc, MAXS, &e2);
    if (n <= 0 || n > MAXS)
        return;
    w->scope_loading = 1;
    uint32_t prev = NONE;
    for (int i = 0; i < n; i++) {
        uint32_t k = get_node(w, anc[i], depth + 1);
        if (k == NONE || k == idx)
            break;
        if (w->nodes[k].parent == NONE && prev != NONE && prev != k)
            w->nodes[k].parent = prev;
        prev = k;
    }
    w->scope_loading = 0;
    if (prev != NONE && prev != idx)
        w->nodes[idx].parent = prev;
}

static uint32_t get_node(worker *w, uint64_t off, int depth)
{
    uint32_t k = map_get(w, off);
    if (k != NONE) {
        ensure(w, k);
        /* a type unit's stand-in for another's type: that type */
        if ((w->nodes[k].flags & N_STANDIN) && w->nodes[k].spec != off) {
            if (depth <= DT_TYPE_DEPTH)
                return get_node(w, w->nodes[k].spec, depth + 1);
            w->deep++;
        }
        return k;
    }
    if (w->err.set)
        return NONE;
    if (depth > DT_TYPE_DEPTH) {
        w->deep++;
        return NONE;
    }
    hp_err e2 = {0};
    dws_die d = dws_offdie(w->f, off, &e2);
    if (d == NULL) {
        /* a dangling reference in one member should not sink the unit:
        ** what depends on it is unknown (unread) */
        w->unit_dangling = 1;
        return NONE;
    }
    if (node_room(w) != 0) {
        dws_die_free(w->f, d);
        return NONE;
    }
    uint32_t idx = new_node(w);
    if (fill_node(w, d, idx, NONE) != 0) {
        dws_die_free(w->f, d);
        return NONE;
    }
    w->nodes[idx].flags |= N_FOREIGN;
    map_put_raw(w->slots, w->nslots, w->nodes, idx);
    load_children(w, d, idx, &e2);
    dws_die_free(w->f, d);
    foreign_scope(w, idx, depth);
    return idx;
}

/* One level of children for a node read outside the walk: members,
** subranges, parameters. */
static void load_children(worker *w, dws_die d, uint32_t idx, hp_err *e2)
{
    uint16_t tag = w->nodes[idx].tag;
    if (is_aggregate(tag) || tag == T_array || tag == T_subroutine_type ||
        tag == T_variant_part || tag == T_variant) {
        /* one level of children: members, subranges, parameters */
        dws_die c = dws_child(w->f, d, e2);
        size_t kept = 0;
        while (c != NULL) {
            uint16_t ct = dws_tag(w->f, c);
            int want = (ct == T_member || ct == T_inheritance) ? is_aggregate(tag) || tag == T_variant
                     : ct == T_subrange ? tag == T_array
                     : ct == T_formal_parameter ? tag == T_subroutine_type
                     : ct == T_variant_part ? is_aggregate(tag)
                     : ct == T_variant ? tag == T_variant_part : 0;
            if (want && node_room(w) != 0) {
                dws_die_free(w->f, c);
                c = NULL;
                break;
            }
            if (want && kept++ >= HP_MAX_MEMBERS) {
                /* the rest is not read: the alignment and data size
                ** computed from the first ones would be a guess */
                w->nodes[idx].flags |= N_CUT;
                break;
            }
            if (want) {
                uint32_t ci = new_node(w);
                if (fill_node(w, c, ci, idx) != 0) {
                    dws_die_free(w->f, c);
                    c = NULL;
                    break;
                }
                w->nodes[ci].flags |= N_FOREIGN;
                map_put_raw(w->slots, w->nslots, w->nodes, ci);
            }
            dws_die nx = dws_sibling(w->f, c, e2);
            dws_die_free(w->f, c);
            c = nx;
        }
        if (c)
            dws_die_free(w->f, c);
        w->nodes[idx].flags |= N_CHILDREN_LOADED;
    }
}

static uint32_t type_of(worker *w, uint32_t k, int depth)
{
    if (k == NONE || !(w->nodes[k].flags & N_HAS_TYPE))
        return NONE;
    return get_node(w, w->nodes[k].type, depth);
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    if (a != 0 && b > UINT64_MAX / a)
        return UINT64_MAX;
    return a * b;
}

static uint64_t type_size(worker *w, uint32_t k, int depth);
static uint32_t type_align(worker *w, uint32_t k, int depth);

static uint32_t largest_pow2_dividing(uint64_t n, uint32_t cap)
{
    uint32_t a = 1;
    while (a < cap && n % (a * 2) == 0)
        a *= 2;
    return a;
}

static uint64_t array_count(worker *w, uint32_t k, int *flex)
{
    uint64_t total = 1;
    int any = 0;
    *flex = 0;
    for (uint32_t c = w->nodes[k].first_child; c != NONE; c = w->nodes[c].next) {
        if (w->nodes[c].tag != T_subrange)
            continue;
        any = 1;
        if (w->nodes[c].count < 0) {
            *flex = 1;
            return 0;
        }
        total = sat_mul(total, (uint64_t)w->nodes[c].count);
    }
    if (!any) {          /* `T a[]` without a subrange */
        *flex = 1;
        return 0;
    }
    return total;
}

static uint64_t type_size(worker *w, uint32_t k, int depth)
{
    if (k == NONE)
        return 0;
    if (depth > DT_TYPE_DEPTH) {
        w->deep++;
        return 0;
    }
    ensure(w, k);
    node *nd = &w->nodes[k];
    if (nd->size_state == 2) {
        w->deep += (nd->flags & N_DEEP_SIZE) != 0;
        return nd->m_size;
    }
    if (nd->size_state == 1) {
        w->deep++;                  /* cycle in malformed input */
        return 0;
    }
    nd->size_state = 1;
    const uint32_t deep0 = w->deep;
    uint64_t s = 0;
    switch (nd->tag) {
    case T_pointer: case T_reference: case T_rvalue_reference: case T_unspecified_type:
        s = (nd->flags & N_HAS_SIZE) ? nd->size : w->addr_size;
        break;
    case T_ptr_to_member: {
        if (nd->flags & N_HAS_SIZE) {
            s = nd->size;
        } else {
            uint32_t t = type_of(w, k, depth + 1);
            s = (t != NONE && w->nodes[t].tag == T_subroutine_type) ? 2u * w->addr_size
                                                                    : w->addr_size;
        }
        break;
    }
    case T_typedef: case T_const: case T_volatile: case T_restrict: case T_atomic:
    case T_immutable:
        if (nd->flags & N_HAS_SIZE)
            s = nd->size;
        else
            s = type_size(w, type_of(w, k, depth + 1), depth + 1);
        break;
    case T_array: {
        int flex;
        uint64_t n = array_count(w, k, &flex);
        uint64_t es = type_size(w, type_of(w, k, depth + 1), depth + 1);
        nd = &w->nodes[k];
        if (nd->flags & N_HAS_SIZE)
            s = nd->size;
        else
            s = flex ? 0 : sat_mul(n, es);
        nd = &w->nodes[k];
        nd->flex = (uint8_t)flex;
        break;
    }
    case T_enumeration:
        if (nd->flags & N_HAS_SIZE)
            s = nd->size;
        else
            s = type_size(w, type_of(w, k, depth + 1), depth + 1);
        break;
    case T_subroutine_type:
        s = 0;
        break;
    default:
        s = (nd->flags & N_HAS_SIZE) ? nd->size : 0;
        break;
    }
    nd = &w->nodes[k];          /* the table may have moved */
    nd->m_size = s;
    nd->size_state = 2;
    if (w->deep != deep0)
        nd->flags |= N_DEEP_SIZE;
    return s;
}

/* Is member m of aggregate k a bitfield? */
static int is_bitfield(const node *m)
{
    return (m->flags & N_BIT_SIZE) != 0;
}

static int member_tainted(worker *w, uint32_t mt);

static uint32_t aggregate_align(worker *w, uint32_t k, int depth)
{
    if (w->nodes[k].flags & N_CUT)
        w->deep++;                  /* members not read: not computed */
    uint32_t maxa = 1;
    int packed = 0, taint = 0;
    uint64_t size = w->nodes[k].size;
    for (uint32_t c = w->nodes[k].first_child; c != NONE; c = w->nodes[c].next) {
        uint16_t t = w->nodes[c].tag;
        if (t == T_variant_part) {
            /* Rust enums always carry DW_AT_alignment; be safe anyway */
            continue;
        }
        if (t != T_member && t != T_inheritance)
            continue;
        if ((w->nodes[c].flags & (N_EXTERNAL | N_DECL)) && t == T_member)
            continue;           /* static member */
        uint32_t mt = type_of(w, c, depth + 1);
        uint32_t a = (w->nodes[c].flags & N_ALIGN) ? w->nodes[c].align : type_align(w, mt, depth + 1);
        uint64_t ms = type_size(w, mt, depth + 1);
        if (!(w->nodes[c].flags & N_ALIGN) && !taint && member_tainted(w, mt))
            taint = 1;
        if (a == 0)
            a = 1;
        if (!is_bitfield(&w->nodes[c]) && ms > 0 && (w->nodes[c].flags & N_HAS_LOC) &&
            w->nodes[c].loc % a != 0)
            packed = 1;
        if (a > maxa)
            maxa = a;
    }
    if (!packed && size % maxa != 0)
        packed = 1;
    if (taint && !packed)
        w->nodes[k].flags |= N_TAINT;
    return packed ? 1 : maxa;
}

/* What a member's type comes to once typedefs, qualifiers and arrays are
** looked through: the node reached (NONE for void or a broken chain), and
** how many of it the member holds (*flex: an array of unknown length). */
static uint32_t strip_type(worker *w, uint32_t t, uint64_t *count, int *flex)
{
    *count = 1;
    *flex = 0;
    for (int i = 0; t != NONE; i++) {
        if (i > DT_TYPE_DEPTH) {
            w->deep++;
            return NONE;
        }
        ensure(w, t);
        uint16_t tg = w->nodes[t].tag;
        if (w->nodes[t].flags & N_HAS_SIZE)
            return t;
        if (tg == T_typedef || tg == T_const || tg == T_volatile || tg == T_restrict ||
            tg == T_atomic || tg == T_immutable) {
            t = type_of(w, t, 0);
        } else if (tg == T_array) {
            int fl;
            uint64_t n = array_count(w, t, &fl);
            if (fl)
                *flex = 1;
            *count = sat_mul(*count, n);
            t = type_of(w, t, 0);
        } else {
            return t;
        }
    }
    return NONE;
}

/* A class, struct or union known only by a declaration in this unit
** (gcc's key-function rule, clang's -fno-standalone-debug): its size and
** alignment are those of its definition, found elsewhere (ts_resolve). */
static int declared_only(worker *w, uint32_t k)
{
    const node *nd = &w->nodes[k];
    return is_aggregate(nd->tag) && (nd->flags & N_DECL) && !(nd->flags & N_HAS_SIZE);
}

/* Does the alignment of member c's type depend on a declaration?  Either
** it is one, or it is an aggregate whose alignment does (N_TAINT, known
** once type_align ran on it). */
static int member_tainted(worker *w, uint32_t mt)
{
    uint64_t cnt;
    int fl;
    uint32_t st = strip_type(w, mt, &cnt, &fl);
    if (st == NONE)
        return 0;
    return declared_only(w, st) || (is_aggregate(w->nodes[st].tag) && (w->nodes[st].flags & N_TAINT));
}

static uint32_t type_align(worker *w, uint32_t k, int depth)
{
    if (k == NONE)
        return 1;
    if (depth > DT_TYPE_DEPTH) {
        w->deep++;
        return 1;
    }
    ensure(w, k);
    node *nd = &w->nodes[k];
    if (nd->align_state == 2) {
        w->deep += (nd->flags & N_DEEP_ALIGN) != 0;
        return nd->m_align;
    }
    if (nd->align_state == 1) {
        w->deep++;                  /* cycle in malformed input */
        return 1;
    }
    if (nd->flags & N_ALIGN) {
        nd->align_state = 2;
        nd->m_align = nd->align ? nd->align : 1;
        return nd->m_align;
    }
    nd->align_state = 1;
    const uint32_t deep0 = w->deep;
    uint32_t a = 1;
    switch (nd->tag) {
    case T_pointer: case T_reference: case T_rvalue_reference: case T_ptr_to_member:
    case T_unspecified_type:
        a = w->addr_size ? w->addr_size : 8;
        break;
    case T_base: {
        uint64_t s = nd->size;
        if (nd->encoding == ATE_complex_float)
            s /= 2;
        a = s ? largest_pow2_dividing(s, w->sh->scalar_align) : 1;
        break;
    }
    case T_enumeration: {
        uint64_t s = type_size(w, k, depth + 1);
        a = s ? largest_pow2_dividing(s, w->sh->scalar_align) : 1;
        break;
    }
    case T_atomic:
        /* _Atomic long long and _Atomic double are aligned to their size
        ** also where the plain type is not (i386: 8, not 4) */
        a = type_align(w, type_of(w, k, depth + 1), depth + 1);
        if (w->sh->scalar_align < 16) {
            uint64_t s = type_size(w, k, depth + 1);
            if (s && (s & (s - 1)) == 0 && s <= 16 && s > a)
                a = (uint32_t)s;
        }
        break;
    case T_typedef: case T_const: case T_volatile: case T_restrict:
    case T_immutable: case T_array:
        a = type_align(w, type_of(w, k, depth + 1), depth + 1);
        break;
    case T_structure: case T_class: case T_union: case T_interface:
        a = aggregate_align(w, k, depth);
        break;
    default:
        a = 1;
    }
    nd = &w->nodes[k];
    nd->m_align = a ? a : 1;
    nd->align_state = 2;
    if (w->deep != deep0)
        nd->flags |= N_DEEP_ALIGN;
    return nd->m_align;
}

/* ---- names ---- */

static const char *kind_word(uint16_t tag)
{
    switch (tag) {
    case T_class: return "class";
    case T_union: return "union";
    case T_enumeration: return "enum";
    default: return "struct";
    }
}

static int scoped_lang(lay_lang l)
{
    return l == LANG_CXX || l == LANG_RUST;
}

static const char *file_name(worker *w, uint32_t idx)
{
    if (!w->files_loaded) {
        w->files_loaded = 1;
        hp_err e2 = {0};
        if (w->cu_die == NULL ||
            dws_srcfiles(w->f, w->cu_die, w->version, &w->files, &w->nfiles, &e2) != 0) {
            w->files = NULL;
            w->nfiles = 0;
        }
    }
    if (idx < w->nfiles && w->files)
        return w->files[idx];
    return NULL;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static const char *qual_name(worker *w, uint32_t k, int depth);

/* Name of an aggregate/enum that has no name of its own. */
/* The scope a type is declared in: its parent, or for an out-of-line
** definition (DW_AT_specification: type units define a nested type apart
** from its class) its declaration's. */
static uint32_t decl_scope(worker *w, uint32_t k, int depth)
{
    uint32_t scope = w->nodes[k].parent;
    if (w->nodes[k].flags & N_SPEC) {
        uint32_t sp = get_node(w, w->nodes[k].spec, depth + 1);
        if (sp != NONE)
            scope = w->nodes[sp].parent;
    }
    return scope;
}

static const char *anon_name(worker *w, uint32_t k, int depth)
{
    if (w->typedef_of && k < w->typedef_cap && w->typedef_of[k] != NONE)
        return qual_name(w, w->typedef_of[k], depth + 1);
    /* copy what we need: qual_name() below may grow the node table */
    uint16_t tag = w->nodes[k].tag;
    uint32_t line = w->nodes[k].decl_line;
    uint64_t off = w->nodes[k].off;
    uint32_t par = decl_scope(w, k, depth);
    const char *file = w->nodes[k].decl_file ? file_name(w, w->nodes[k].decl_file - 1) : NULL;
    hp_buf b = {0};
    if (scoped_lang(w->lang) && par != NONE && (is_aggregate(w->nodes[par].tag) ||
                                                 w->nodes[par].tag == T_namespace))
        hp_buf_printf(&b, "%s::", qual_name(w, par, depth + 1));
    if (file && line)
        hp_buf_printf(&b, "(anonymous %s at %s:%u)", kind_word(tag), base_name(file), line);
    else
        hp_buf_printf(&b, "(anonymous %s@0x%llx)", kind_word(tag), (unsigned long long)off);
    const char *r = hp_arena_strdup(&w->arena, b.s);
    hp_buf_free(&b);
    return r;
}

/* Qualified name of a named scope/type: ns::Outer::Inner for C++ and
** Rust, the plain DWARF name elsewhere (Go names carry their package). */
static const char *qual_name(worker *w, uint32_t k, int depth)
{
    if (k == NONE)
        return "?";
    ensure(w, k);
    node *nd = &w->nodes[k];
    if (nd->m_qual)
        return nd->m_qual;
    if (depth > DT_TYPE_DEPTH) {
        w->deep++;                  /* named without its outer scopes */
        return nd->name ? nd->name : "?";
    }
    if (nd->flags & N_STANDIN) {
        /* a type unit's stand-in (clang nests the definitions of a
        ** class's nested types in one): the name of what it stands for */
        uint32_t t = get_node(w, nd->spec, depth + 1);
        if (t != NONE && t != k) {
            const char *r = qual_name(w, t, depth + 1);
            w->nodes[k].m_qual = r;
            return r;
        }
        nd = &w->nodes[k];
    }
    const char *own = nd->name;
    uint32_t scope = nd->parent;
    if (nd->flags & N_SPEC) {
        /* out-of-line definition: name and scope come from the declaration */
        uint32_t s = get_node(w, nd->spec, depth + 1);
        nd = &w->nodes[k];
        if (s != NONE) {
            if (!own)
                own = w->nodes[s].name;
            scope = w->nodes[s].parent;
        }
    }
    const char *r;
    if (own == NULL) {
        if (nd->tag == T_namespace)
            own = "(anonymous namespace)";
        else if (is_aggregate(nd->tag) || nd->tag == T_enumeration) {
            r = anon_name(w, k, depth);
            w->nodes[k].m_qual = r;
            return r;
        } else
            own = "?";
    }
    if (scoped_lang(w->lang) && scope != NONE &&
        (is_aggregate(w->nodes[scope].tag) || w->nodes[scope].tag == T_namespace)) {
        const char *pq = qual_name(w, scope, depth + 1);
        size_t n = strlen(pq) + strlen(own) + 3;
        char *s = hp_arena_alloc(&w->arena, n);
        snprintf(s, n, "%s::%s", pq, own);
        r = s;
    } else {
        r = own;
    }
    w->nodes[k].m_qual = r;
    return r;
}

static void render(worker *w, uint32_t k, hp_buf *b, int depth);

static void render_params(worker *w, uint32_t fn, hp_buf *b, int depth)
{
    hp_buf_puts(b, "(");
    int first = 1;
    for (uint32_t c = w->nodes[fn].first_child; c != NONE; c = w->nodes[c].next) {
        if (w->nodes[c].tag != T_formal_parameter)
            continue;
        if (!first)
            hp_buf_puts(b, ", ");
        first = 0;
        render(w, type_of(w, c, depth + 1), b, depth + 1);
    }
    if (first && w->lang == LANG_C)
        hp_buf_puts(b, "void");
    hp_buf_puts(b, ")");
}

/* Render a type as C-like text.  Declarator syntax is simplified on
** purpose: pointers to functions and arrays get the common (*) forms,
** anything deeper reads left to right. */
static void render(worker *w, uint32_t k, hp_buf *b, int depth)
{
    if (k == NONE) {
        hp_buf_puts(b, "void");
        return;
    }
    if (depth > 24 || b->len > 1024) {
        hp_buf_puts(b, "...");
        return;
    }
    ensure(w, k);
    node *nd = &w->nodes[k];
    if (nd->m_name) {
        hp_buf_puts(b, nd->m_name);
        return;
    }
    size_t start = b->len;
    uint16_t tag = nd->tag;
    /* Go (and some Rust) name their pointer/array/slice types: use that */
    if (nd->name && (w->lang == LANG_GO || w->lang == LANG_RUST) &&
        (tag == T_pointer || tag == T_array || tag == T_subroutine_type)) {
        hp_buf_puts(b, nd->name);
        goto memo;
    }
    switch (tag) {
    case T_base: case T_typedef: case T_unspecified_type:
        hp_buf_puts(b, nd->name ? (tag == T_typedef ? qual_name(w, k, depth) : nd->name)
                                : (tag == T_unspecified_type ? "void" : "?"));
        break;
    case T_structure: case T_class: case T_union: case T_enumeration: case T_interface:
        if (w->lang == LANG_C && nd->name)
            hp_buf_printf(b, "%s %s", kind_word(tag), nd->name);
        else
            hp_buf_puts(b, qual_name(w, k, depth));
        break;
    case T_const: case T_volatile: case T_restrict: case T_atomic: case T_immutable: {
        const char *q = tag == T_const ? "const" : tag == T_volatile ? "volatile"
                      : tag == T_restrict ? "restrict" : tag == T_atomic ? "_Atomic" : "immutable";
        uint32_t t = type_of(w, k, depth + 1);
        uint16_t tt = t == NONE ? 0 : w->nodes[t].tag;
        if (tt == T_pointer || tt == T_reference || tt == T_rvalue_reference) {
            render(w, t, b, depth + 1);
            hp_buf_printf(b, " %s", q);
        } else {
            hp_buf_printf(b, "%s ", q);
            render(w, t, b, depth + 1);
        }
        break;
    }
    case T_pointer: case T_reference: case T_rvalue_reference: {
        const char *star = tag == T_pointer ? "*" : tag == T_reference ? "&" : "&&";
        uint32_t t = type_of(w, k, depth + 1);
        if (t != NONE && w->nodes[t].tag == T_subroutine_type) {
            render(w, type_of(w, t, depth + 1), b, depth + 1);
            hp_buf_printf(b, " (%s)", star);
            render_params(w, t, b, depth + 1);
        } else if (t != NONE && w->nodes[t].tag == T_array) {
            render(w, type_of(w, t, depth + 1), b, depth + 1);
            hp_buf_printf(b, " (%s)", star);
            for (uint32_t c = w->nodes[t].first_child; c != NONE; c = w->nodes[c].next)
                if (w->nodes[c].tag == T_subrange) {
                    if (w->nodes[c].count >= 0)
                        hp_buf_printf(b, "[%lld]", (long long)w->nodes[c].count);
                    else
                        hp_buf_puts(b, "[]");
                }
        } else {
            render(w, t, b, depth + 1);
            hp_buf_printf(b, " %s", star);
        }
        break;
    }
    case T_ptr_to_member:
        render(w, type_of(w, k, depth + 1), b, depth + 1);
        hp_buf_puts(b, " (::*)");
        break;
    case T_array: {
        render(w, type_of(w, k, depth + 1), b, depth + 1);
        int any = 0;
        for (uint32_t c = w->nodes[k].first_child; c != NONE; c = w->nodes[c].next)
            if (w->nodes[c].tag == T_subrange) {
                any = 1;
                if (w->nodes[c].count >= 0)
                    hp_buf_printf(b, "[%lld]", (long long)w->nodes[c].count);
                else
                    hp_buf_puts(b, "[]");
            }
        if (!any)
            hp_buf_puts(b, "[]");
        break;
    }
    case T_subroutine_type:
        render(w, type_of(w, k, depth + 1), b, depth + 1);
        hp_buf_puts(b, " ");
        render_params(w, k, b, depth + 1);
        break;
    default:
        hp_buf_puts(b, nd->name ? nd->name : "?");
    }
memo:
    w->nodes[k].m_name = hp_arena_strdup(&w->arena, b->s + start);
}

static const char *type_name(worker *w, uint32_t k)
{
    if (k == NONE)
        return "void";
    if (w->nodes[k].m_name)
        return w->nodes[k].m_name;
    hp_buf_reset(&w->buf);
    render(w, k, &w->buf, 0);
    return w->nodes[k].m_name ? w->nodes[k].m_name : hp_arena_strdup(&w->arena, w->buf.s ? w->buf.s : "?");
}

/* ---- building layouts ---- */

/* The next member of the aggregate being built, or NULL past
** HP_MAX_MEMBERS: then w->truncated is set and the type is flagged
** TF_TRUNCATED | TF_INCOMPLETE (its holes are not those of the members
** kept), never stored as if complete. */
static lay_member *push_member(worker *w, uint32_t *n)
{
    if (*n >= HP_MAX_MEMBERS) {
        w->truncated = 1;
        return NULL;
    }
    hp_grow((void **)&w->members, &w->members_cap, (size_t)*n + 1, sizeof *w->members);
    lay_member *m = &w->members[(*n)++];
    memset(m, 0, sizeof *m);
    return m;
}

/* Data size of aggregate k without its virtual bases (the Itanium ABI's
** "dsize" of the non-virtual part): where a class with virtual bases is a
** base of another, only this much of it sits at the base's offset; its
** virtual bases live at the end of the complete object.  Equal to the
** byte size for classes without virtual bases. */
static uint64_t nv_dsize(worker *w, uint32_t k, int depth)
{
    if (k == NONE)
        return 0;
    if (depth > DT_TYPE_DEPTH) {
        w->deep++;
        return 0;
    }
    if (w->nodes[k].m_dsize) {
        w->deep += (w->nodes[k].flags & N_DEEP_DSIZE) != 0;
        return w->nodes[k].m_dsize - 1;
    }
    const uint32_t deep0 = w->deep;
    if (w->nodes[k].flags & N_CUT)
        w->deep++;
    uint64_t size = w->nodes[k].size, end = 0;
    int virt = 0;
    for (uint32_t c = w->nodes[k].first_child; c != NONE; c = w->nodes[c].next) {
        uint16_t t = w->nodes[c].tag;
        if (t != T_member && t != T_inheritance)
            continue;
        if (t == T_member && (w->nodes[c].flags & (N_EXTERNAL | N_DECL)))
            continue;
        if (w->nodes[c].flags & N_LOC_EXPR) {
            virt = 1;
            continue;
        }
        uint64_t off = w->nodes[c].loc, e;
        uint32_t mt = type_of(w, c, depth + 1);
        if (w->nodes[c].flags & N_BIT_SIZE) {
            uint64_t bp = (w->nodes[c].flags & N_DBO) ? w->nodes[c].dbo : off * 8;
            e = (bp + w->nodes[c].bit_size + 7) / 8;
        } else if (t == T_inheritance) {
            e = off + nv_dsize(w, mt, depth + 1);
        } else {
            e = off + type_size(w, mt, depth + 1);
        }
        if (e > end)
            end = e;
    }
    uint64_t r = virt && end < size ? end : size;
    w->nodes[k].m_dsize = r + 1;
    if (w->deep != deep0)
        w->nodes[k].flags |= N_DEEP_DSIZE;
    return r;
}

/* ---- what depends on debug information not read ----
** A reference that does not resolve (into a dwz supplementary file that
** is not loaded, a type unit, a damaged file) leaves what it names
** unknown: never "void" of size 0.  A member whose size or alignment
** depends on one is MF_INCOMPLETE | MF_UNREAD and its type TF_INCOMPLETE;
** a type name that would be rendered from one is NULL; a type whose own
** name, scope or member names were not read is left out (counted).  Only
** run in units where such a reference was met (unit_dangling) or a
** string was not read (unit_unresolved). */

static int unread(worker *w, uint32_t k, int depth);

/* Whether what node k's DW_AT_type names is unknown or depends on what
** was not read. */
static int ref_unread(worker *w, uint32_t k, int depth)
{
    if (!(w->nodes[k].flags & N_HAS_TYPE))
        return (w->nodes[k].flags & N_SIGNATURE) != 0;
    uint32_t t = type_of(w, k, depth);
    return t == NONE || unread(w, t, depth + 1);
}

/* Whether the size or alignment of a value of type k depends on a DIE
** not read: through typedefs, qualifiers, arrays and size-less enums to
** what they name, and into an aggregate's members (its alignment); a
** pointer's size never depends on its pointee, and a declared-only class
** is ts_resolve's.  Memoized per node (a cycle, only in damaged input,
** reads as known where it closes). */
static int unread(worker *w, uint32_t k, int depth)
{
    if (depth > DT_TYPE_DEPTH) {
        w->deep++;                  /* unknown, and said to be too deep */
        return 1;
    }
    ensure(w, k);
    node *nd = &w->nodes[k];
    if (nd->flags & N_UNREAD_DONE)
        return (nd->flags & N_UNREAD) != 0;
    nd->flags |= N_UNREAD_DONE;
    int bad = 0;
    uint16_t tg = nd->tag;
    if (is_aggregate(tg) && !declared_only(w, k)) {
        if (!(nd->flags & N_CHILDREN_LOADED) && (nd->flags & N_FOREIGN)) {
            hp_err e2 = {0};
            dws_die d = dws_offdie(w->f, nd->off, &e2);
            if (d) {
                load_children(w, d, k, &e2);
                dws_die_free(w->f, d);
            }
        }
        for (uint32_t c = w->nodes[k].first_child; c != NONE && !bad; c = w->nodes[c].next) {
            uint16_t ct = w->nodes[c].tag;
            if ((ct == T_member && !(w->nodes[c].flags & (N_EXTERNAL | N_DECL))) ||
                ct == T_inheritance)
                bad = ref_unread(w, c, depth + 1);
        }
    } else if (tg == T_typedef || tg == T_const || tg == T_volatile || tg == T_restrict ||
               tg == T_atomic || tg == T_immutable || tg == T_array ||
               (tg == T_enumeration && !(nd->flags & N_HAS_SIZE))) {
        bad = ref_unread(w, k, depth + 1);
    }
    if (bad)
        w->nodes[k].flags |= N_UNREAD;
    return bad;
}

/* Whether the type name rendered for what node k (a member, a parameter)
** refers to would be made of something not read: a reference that does
** not resolve, or a name in a supplementary file not loaded, along the
** pointers, qualifiers, arrays and function types render() follows. */
static int name_unread(worker *w, uint32_t k, int depth)
{
    for (int i = 0; i < 32 && depth < 8; i++) {
        const node *nd = &w->nodes[k];
        if (i > 0) {
            uint16_t tg = nd->tag;
            if ((nd->flags & N_UNRESOLVED) && nd->name == NULL)
                return 1;
            if (tg == T_subroutine_type)
                for (uint32_t c = nd->first_child; c != NONE; c = w->nodes[c].next)
                    if (w->nodes[c].tag == T_formal_parameter && name_unread(w, c, depth + 1))
                        return 1;
            if (tg == T_typedef || is_aggregate(tg) || tg == T_enumeration || tg == T_base ||
                tg == T_unspecified_type)
                return 0;           /* rendered by its own name */
        }
        if (!(w->nodes[k].flags & N_HAS_TYPE))
            return (w->nodes[k].flags & N_SIGNATURE) != 0;
        uint32_t t = type_of(w, k, 0);
        if (t == NONE)
            return 1;
        ensure(w, t);
        k = t;
    }
    return 1;
}

/* Whether aggregate k cannot be named as the file says: its name, a
** scope's, its declaration's (DW_AT_specification) or a member's name
** was not read. */
static int name_missing(worker *w, uint32_t k)
{
    for (uint32_t p = k; p != NONE; p = w->nodes[p].parent)
        if ((w->nodes[p].flags & N_UNRESOLVED) && w->nodes[p].name == NULL)
            return 1;
    if ((w->nodes[k].flags & N_SPEC) && get_node(w, w->nodes[k].spec, 0) == NONE)
        return 1;
    for (uint32_t c = w->nodes[k].first_child; c != NONE; c = w->nodes[c].next)
        if (w->nodes[c].tag == T_member && (w->nodes[c].flags & N_UNRESOLVED) &&
            w->nodes[c].name == NULL)
            return 1;
    return 0;
}

/* A member whose type is (or holds by value) a declaration, or an
** aggregate whose alignment depends on one: note what to look up in the
** whole binary's set once every unit is read (ts_resolve). */
static void set_ref(worker *w, lay_member *m, uint32_t mt)
{
    uint64_t cnt;
    int fl;
    uint32_t st = strip_type(w, mt, &cnt, &fl);
    if (st == NONE || !is_aggregate(w->nodes[st].tag))
        return;
    if (declared_only(w, st)) {
        m->ref_kind = LAY_REF_DECL;
        m->ref_count = cnt;
        m->ref_flex = (uint8_t)fl;
    } else if (w->nodes[st].flags & N_TAINT) {
        m->ref_kind = LAY_REF_ALIGN;
        m->ref_size = w->nodes[st].size;
    } else {
        return;
    }
    m->ref_name = qual_name(w, st, 0);
    if (w->nodes[st].decl_file)
        m->ref_file = file_name(w, w->nodes[st].decl_file - 1);
    m->ref_line = w->nodes[st].decl_line;
}

/* Whether aggregate k (a definition of one byte) may be an empty class:
** no data member, no vptr, only bases (each of which ts_resolve checks is
** empty in turn).  A union or a class holding a char is not. */
static int maybe_empty(worker *w, uint32_t k)
{
    const node *nd = &w->nodes[k];
    if (!is_aggregate(nd->tag) || nd->tag == T_union || nd->size != 1 ||
        !(nd->flags & N_HAS_SIZE) || (nd->flags & (N_DECL | N_CUT)))
        return 0;
    for (uint32_t c = nd->first_child; c != NONE; c = w->nodes[c].next) {
        uint16_t t = w->nodes[c].tag;
        if ((t == T_member && !(w->nodes[c].flags & (N_EXTERNAL | N_DECL))) ||
            t == T_variant_part)
            return 0;
    }
    return 1;
}

/* Fill one member from a DW_TAG_member/inheritance node. */
static void make_member(worker *w, lay_member *m, uint32_t c, uint32_t extra_flags)
{
    node *cn = &w->nodes[c];
    uint32_t mt = type_of(w, c, 0);
    uint64_t tsize = type_size(w, mt, 0);
    uint32_t talign = type_align(w, mt, 0);
    cn = &w->nodes[c];
    m->flags = extra_flags;
    m->type_name = type_name(w, mt);
    cn = &w->nodes[c];
    m->name = cn->name;
    if (cn->tag == T_inheritance) {
        m->flags |= MF_BASE;
        m->name = m->type_name;
        uint64_t ds = nv_dsize(w, mt, 0);
        if (ds < tsize)
            m->data_size = ds;
        cn = &w->nodes[c];
    }
    if (cn->flags & N_ARTIFICIAL) {
        m->flags |= MF_ARTIFICIAL;
        if (cn->name && strncmp(cn->name, "_vptr", 5) == 0)
            m->flags |= MF_VPTR;
    }
    if (cn->flags & N_GO_EMB)
        m->flags |= MF_EMBEDDED;
    if (m->name == NULL && mt != NONE && (is_aggregate(w->nodes[mt].tag)))
        m->flags |= MF_ANON;
    m->align = talign ? talign : 1;
    if (cn->flags & N_ALIGN) {
        m->align = cn->align ? cn->align : 1;
        m->flags |= MF_ALIGNED;
    }
    uint64_t off = (cn->flags & N_HAS_LOC) ? cn->loc : 0;
    if (cn->flags & N_LOC_EXPR)
        m->flags |= MF_VIRTUAL;
    if (cn->flags & N_BIT_SIZE) {
        uint64_t unit = (cn->flags & N_HAS_SIZE) ? cn->size : tsize;
        if (unit == 0)
            unit = 1;
        if (unit > 16)
            unit = 16;
        uint64_t bitpos;
        if (cn->flags & N_DBO)
            bitpos = cn->dbo;
        else if (cn->flags & N_BO) {
            /* DWARF 2/3: bit_offset counts from the most significant bit
            ** of the storage unit at data_member_location (little-endian) */
            uint64_t hi = unit * 8;
            uint64_t used = cn->bit_off + cn->bit_size;
            bitpos = off * 8 + (used <= hi ? hi - used : 0);
        } else
            bitpos = off * 8;
        uint64_t bs = cn->bit_size > 128 ? 128 : cn->bit_size;
        uint64_t uoff = bitpos / (unit * 8) * unit;
        if (bitpos + bs > (uoff + unit) * 8)
            uoff = bitpos / 8;           /* straddles a unit: packed layout */
        m->offset = uoff;
        m->size = unit;
        m->bitpos = bitpos;
        m->bit_offset = (uint32_t)(bitpos - uoff * 8);
        m->bit_size = (uint32_t)bs;
        m->flags |= MF_BITFIELD;
    } else {
        m->offset = off;
        m->size = tsize;
        m->bitpos = off * 8;
        set_ref(w, m, mt);
        cn = &w->nodes[c];
        if (m->ref_kind == LAY_REF_NONE && m->size == 1) {
            /* maybe an empty class: as a base (or a [[no_unique_address]]
            ** member laid over another) it takes no storage; whether it is
            ** empty is the set's to say (its bases may be declared here
            ** and defined in another unit) */
            uint64_t cnt;
            int fl;
            uint32_t st = strip_type(w, mt, &cnt, &fl);
            if (st != NONE && cnt == 1 && !fl && maybe_empty(w, st)) {
                m->ref_kind = LAY_REF_EMPTY;
                m->ref_size = 1;
                m->ref_name = qual_name(w, st, 0);
                if (w->nodes[st].decl_file)
                    m->ref_file = file_name(w, w->nodes[st].decl_file - 1);
                m->ref_line = w->nodes[st].decl_line;
            }
            cn = &w->nodes[c];
        }
        if (mt != NONE) {
            /* find an array behind typedefs/qualifiers to spot flex arrays */
            uint32_t t = mt;
            for (int i = 0; i < 16 && t != NONE && w->nodes[t].tag != T_array; i++) {
                uint16_t tg = w->nodes[t].tag;
                if (tg != T_typedef && tg != T_const && tg != T_volatile && tg != T_atomic)
                    break;
                t = type_of(w, t, 0);
            }
            /* (an array of a declared class has size 0 only until ts_resolve) */
            if (t != NONE && w->nodes[t].tag == T_array && tsize == 0 &&
                !(m->ref_kind == LAY_REF_DECL && !m->ref_flex))
                m->flags |= MF_FLEX;
        }
    }
    if (w->unit_unresolved || w->unit_dangling) {
        /* what was not read is unknown, never void of size 0 */
        cn = &w->nodes[c];
        int sized = (cn->flags & N_BIT_SIZE) && (cn->flags & N_HAS_SIZE);
        if (!sized && ref_unread(w, c, 0)) {
            m->flags |= MF_INCOMPLETE | MF_UNREAD;
            m->flags &= ~(uint32_t)MF_FLEX;
            m->size = 0;
            m->data_size = 0;
            m->ref_kind = LAY_REF_NONE;
        }
        if (name_unread(w, c, 0)) {
            m->type_name = NULL;
            if (m->flags & MF_BASE)
                m->name = NULL;
        }
    }
}

/* Keep name and DIE offset of the aggregate at the lowest offset met for
** one reason (*name NULL: none yet), under the shared mutex. */
static void note_first(worker *w, char **name, uint64_t *die, const char *tname, uint64_t off)
{
    off &= ~DWS_ALT;
    pthread_mutex_lock(&w->sh->mu);
    if (*name == NULL || off < *die) {
        free(*name);
        *name = hp_xstrdup(tname ? tname : "(anonymous)");
        *die = off;
    }
    pthread_mutex_unlock(&w->sh->mu);
}

/* Every size and offset of t within HP_MAX_OBJECT bytes. */
static int in_range(const lay_type *t)
{
    if (t->size > HP_MAX_OBJECT)
        return 0;
    for (uint32_t i = 0; i < t->nmembers; i++) {
        const lay_member *m = &t->members[i];
        if (m->offset > HP_MAX_OBJECT || m->size > HP_MAX_OBJECT || m->bitpos / 8 > HP_MAX_OBJECT)
            return 0;
    }
    return 1;
}

/* i386 aligns an 8-byte scalar to 4 inside a struct, except _Atomic ones
** (and those declared aligned(8)), which DWARF 4 cannot tell apart: gcc
** writes `long long`.  A member of 8 bytes with alignment 4 whose offset
** is the next multiple of 8, past the next multiple of 4, after what the
** members before it cover, is aligned to 8: the offset proves it. */
static void offsets_prove_align(lay_member *ms, uint32_t nm)
{
    for (uint32_t i = 0; i < nm; i++) {
        lay_member *x = &ms[i];
        if (x->bit_size || x->size != 8 || x->align != 4 || (x->flags & MF_VIRTUAL) ||
            x->offset % 8 != 0)
            continue;
        uint64_t end = 0;
        for (uint32_t j = 0; j < nm; j++) {
            const lay_member *y = &ms[j];
            if (j == i || (y->flags & MF_VIRTUAL) || y->bitpos >= x->bitpos)
                continue;
            uint64_t e = y->bit_size ? (y->bitpos + y->bit_size + 7) / 8 : y->offset + y->size;
            if (e > end)
                end = e;
        }
        if (lay_round_up(end, 4) < x->offset && lay_round_up(end, 8) == x->offset)
            x->align = 8;
    }
}

static void build_aggregate(worker *w, uint32_t k)
{
    node *nd = &w->nodes[k];
    if ((nd->flags & (N_DECL | N_FOREIGN | N_SKIPPED)) || !(nd->flags & N_HAS_SIZE))
        return;
    if (w->unit_unresolved && name_missing(w, k)) {
        /* no name is invented: counted, and said in the warning */
        if (w->unresolved++ == 0) {
            /* named by where it is declared: its name is what is unknown */
            hp_buf b = {0};
            const char *f = nd->decl_file ? file_name(w, nd->decl_file - 1) : NULL;
            nd = &w->nodes[k];
            if (f && nd->decl_line)
                hp_buf_printf(&b, "the %s at %s:%u", kind_word(nd->tag), base_name(f),
                              nd->decl_line);
            else
                hp_buf_printf(&b, "the %s at DIE 0x%llx", kind_word(nd->tag),
                              (unsigned long long)(nd->off & ~DWS_ALT));
            w->first_unresolved = hp_xstrdup(b.s);
            hp_buf_free(&b);
        }
        return;
    }
    nd = &w->nodes[k];
    w->deep = 0;
    lay_type t;
    memset(&t, 0, sizeof t);
    t.kind = nd->tag == T_class ? LAY_CLASS : nd->tag == T_union ? LAY_UNION : LAY_STRUCT;
    t.lang = w->lang;
    t.size = nd->size;
    t.name = qual_name(w, k, 0);
    nd = &w->nodes[k];
    if (nd->name == NULL) {
        t.flags |= TF_ANON;
        if (w->typedef_of && k < w->typedef_cap && w->typedef_of[k] != NONE)
            t.flags |= TF_TYPEDEF_NAME;
    }
    if (strchr(t.name, '<'))
        t.flags |= TF_TEMPLATE;
    /* an out-of-line definition (a type unit's, DW_AT_specification) is
    ** nested where its declaration is */
    uint32_t scope = decl_scope(w, k, 0);
    nd = &w->nodes[k];
    if (scope != NONE && is_aggregate(w->nodes[scope].tag))
        t.flags |= TF_NESTED;
    if (nd->flags & N_ALIGN) {
        t.align = nd->align;
        t.given_align = nd->align;
        /* gcc/clang write DW_AT_alignment only when the source asked for
        ** it; rustc writes it on every type, so it is not "explicit" there */
        if (w->lang != LANG_RUST)
            t.flags |= TF_EXPLICIT_ALIGN;
    }
    if (nd->decl_file) {
        t.decl_file = file_name(w, nd->decl_file - 1);
        nd = &w->nodes[k];
    }
    t.decl_line = nd->decl_line;

    uint32_t nm = 0;
    w->truncated = 0;
    for (uint32_t c = w->nodes[k].first_child; c != NONE && !w->truncated; c = w->nodes[c].next) {
        uint16_t ct = w->nodes[c].tag;
        if (ct == T_member || ct == T_inheritance) {
            if (ct == T_member && (w->nodes[c].flags & (N_EXTERNAL | N_DECL)))
                continue;       /* static data member */
            lay_member *m = push_member(w, &nm);
            if (!m)
                break;
            make_member(w, m, c, 0);
            if ((m->flags & MF_ALIGNED) && w->lang != LANG_RUST)
                t.flags |= TF_EXPLICIT_ALIGN;    /* rustc writes alignment everywhere */
            if (m->flags & MF_VPTR)
                t.flags |= TF_HAS_VPTR;
            if (m->flags & MF_VIRTUAL)
                t.flags |= TF_VIRTUAL_BASE;
        } else if (ct == T_variant_part) {
            /* Rust enum: the discriminant and one member per variant,
            ** all overlapping */
            t.kind = LAY_ENUM_DATA;
            uint64_t discr = w->nodes[c].discr;
            for (uint32_t v = w->nodes[c].first_child; v != NONE; v = w->nodes[v].next) {
                uint16_t vt = w->nodes[v].tag;
                if (vt == T_member) {
                    lay_member *m = push_member(w, &nm);
                    if (!m)
                        break;
                    make_member(w, m, v, w->nodes[v].off == discr ? MF_DISCR : MF_VARIANT);
                } else if (vt == T_variant) {
                    for (uint32_t vm = w->nodes[v].first_child; vm != NONE; vm = w->nodes[vm].next) {
                        if (w->nodes[vm].tag != T_member)
                            continue;
                        lay_member *m = push_member(w, &nm);
                        if (!m)
                            break;
                        make_member(w, m, vm, MF_VARIANT);
                    }
                }
            }
        }
    }
    for (uint32_t i = 0; i < nm; i++)
        if (w->members[i].flags & MF_UNREAD)
            t.flags |= TF_INCOMPLETE;
    if (w->truncated) {
        /* the members past the limit are not read: what the kept ones
        ** leave between them and up to the size is no hole to report */
        t.flags |= TF_INCOMPLETE | TF_TRUNCATED;
        note_first(w, &w->sh->truncated_name, &w->sh->truncated_die, t.name, w->nodes[k].off);
    }
    if (w->deep) {
        /* a size or alignment it needs was not computed (DT_TYPE_DEPTH) */
        t.flags |= TF_INCOMPLETE | TF_DEEP;
        note_first(w, &w->sh->deep_name, &w->sh->deep_die, t.name, w->nodes[k].off);
    }
    if (w->sh->scalar_align < 8)
        offsets_prove_align(w->members, nm);
    /* a flexible array is only "flexible" at the end */
    for (uint32_t i = 0; i < nm; i++) {
        if (!(w->members[i].flags & MF_FLEX))
            continue;
        int last = 1;
        for (uint32_t j = 0; j < nm; j++)
            if (j != i && w->members[j].bitpos > w->members[i].bitpos)
                last = 0;
        if (last)
            t.flags |= TF_FLEX;
        else
            w->members[i].flags &= ~(uint32_t)MF_FLEX;
    }
    t.members = w->members;
    t.nmembers = nm;
    if (!in_range(&t)) {
        /* no real type is this big: counted and named (the first DIE),
        ** never stored, so no reader later calls the database damaged */
        atomic_fetch_add(&w->sh->out_of_range, 1);
        uint_fast64_t prev = atomic_load(&w->sh->out_of_range_die);
        while ((prev == 0 || w->nodes[k].off < prev)
               && !atomic_compare_exchange_weak(&w->sh->out_of_range_die, &prev,
                                                w->nodes[k].off))
            ;
        return;
    }
    hp_grow((void **)&w->order, &w->order_cap, (size_t)nm + 1, sizeof *w->order);
    lay_compute_order(&t, w->sh->opts->cacheline, w->order);
    atomic_fetch_add(&w->sh->aggregates, 1);
    w->nodes[k].entry = ts_add(w->sh->ts, &t, w->order, w->cu_index);
}

/* typedef_of[k] = the typedef that names anonymous aggregate k */
static void index_typedefs(worker *w)
{
    hp_grow((void **)&w->typedef_of, &w->typedef_cap, w->n, sizeof *w->typedef_of);
    for (size_t i = 0; i < w->typedef_cap; i++)
        w->typedef_of[i] = NONE;
    size_t n = w->n;
    for (size_t i = 0; i < n; i++) {
        if (w->nodes[i].tag != T_typedef || w->nodes[i].name == NULL ||
            !(w->nodes[i].flags & N_HAS_TYPE) || (w->nodes[i].flags & N_FOREIGN))
            continue;
        uint32_t t = map_get(w, w->nodes[i].type);
        if (t == NONE) {
            /* in another unit: dwz moves typedefs and the types they name
            ** into partial units of their own; only the alias matters */
            t = get_node(w, w->nodes[i].type, 0);
            if (t != NONE && w->nodes[t].name != NULL && is_aggregate(w->nodes[t].tag) &&
                strcmp(w->nodes[t].name, w->nodes[i].name) != 0)
                ts_add_alias(w->sh->ts, qual_name(w, (uint32_t)i, 0), qual_name(w, t, 0));
            continue;
        }
        ensure(w, t);
        if (w->nodes[t].name != NULL) {
            /* typedef struct _object PyObject: remember the alias */
            if (is_aggregate(w->nodes[t].tag) &&
                strcmp(w->nodes[t].name, w->nodes[i].name) != 0)
                ts_add_alias(w->sh->ts, qual_name(w, (uint32_t)i, 0), qual_name(w, t, 0));
            continue;
        }
        uint16_t tg = w->nodes[t].tag;
        if ((is_aggregate(tg) || tg == T_enumeration) && w->typedef_of[t] == NONE)
            w->typedef_of[t] = (uint32_t)i;
    }
}

static void progress(worker *w)
{
    shared *sh = w->sh;
    uint64_t done = atomic_fetch_add(&sh->done, 1) + 1;
    if (sh->opts->progress_permille && sh->total_bytes > 0) {
        uint64_t b = atomic_fetch_add(&sh->done_bytes, sh->sizes[w->cu_index]) +
                     sh->sizes[w->cu_index];
        atomic_store(sh->opts->progress_permille,
                     (uint32_t)(b >= sh->total_bytes ? 1000 : b * 1000 / sh->total_bytes));
    }
    if (!sh->opts->progress)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    pthread_mutex_lock(&sh->mu);
    if (now - sh->last_progress > 0.2 || done == sh->total) {
        sh->last_progress = now;
        fprintf(stderr, "\rholeprof: reading types: %llu/%llu units",
                (unsigned long long)done, (unsigned long long)sh->total);
        if (done == sh->total)
            fputc('\n', stderr);
        fflush(stderr);
    }
    pthread_mutex_unlock(&sh->mu);
}

static int do_unit(worker *w, dws_cu *cu)
{
    reset_unit(w);
    w->cu_lo = cu->hdr_offset;
    w->cu_hi = cu->next_offset;
    w->version = cu->version;
    w->addr_size = cu->addr_size ? cu->addr_size : 8;
    w->cu_die = cu->die;
    if (cu->die == NULL)
        return 0;
    dws_attrs a;
    if (dws_read(w->f, cu->die, &a, &w->err) != 0)
        return -1;
    w->lang = map_lang(a.language);
    if (w->lang == LANG_OTHER && (a.has & DWA_PRODUCER) && strstr(a.producer, "Go"))
        w->lang = LANG_GO;
    pthread_mutex_lock(&w->sh->mu);
    w->sh->lang_count[w->lang]++;
    if (w->cu_index == 0 && (a.has & DWA_PRODUCER))
        w->sh->producer = hp_xstrdup(a.producer);
    pthread_mutex_unlock(&w->sh->mu);

    if (walk(w, cu->die, NONE, a.tag, 0) != 0)
        return -1;
    index_typedefs(w);
    if (w->lang == LANG_CXX && !w->sh->opts->exact_dedup)
        key_check_types(w);
    size_t n = w->n;   /* nodes loaded during building are foreign: skip */
    for (size_t i = 0; i < n; i++)
        if (is_aggregate(w->nodes[i].tag))
            build_aggregate(w, (uint32_t)i);
    key_register(w);
    return 0;
}

/* The order workers claim units in: .debug_info order, which lets early
** dedup skip a header's types in every unit after the first -- except
** that a few giant units (8 times the mean size or more: Python 3.11's
** deepfreeze.c, a quarter of the reading on 6.6% of the bytes) go first,
** largest first, so that the last unit claimed is never one that keeps a
** worker busy long after the others ran dry.  The result does not depend
** on the order (see key_skip). */
static uint64_t *unit_order(const uint64_t *sizes, uint64_t n, int jobs)
{
    uint64_t *order = hp_xmalloc((n + 1) * sizeof *order);
    uint64_t total = 0, nbig = 0;
    for (uint64_t i = 0; i < n; i++)
        total += sizes[i];
    uint64_t big = n ? total / n * 8 : 0;
    uint64_t maxbig = (uint64_t)jobs * 4;
    if (jobs > 1 && big > 0) {
        /* selection of the largest few, in decreasing size */
        while (nbig < maxbig) {
            uint64_t best = n;
            for (uint64_t i = 0; i < n; i++) {
                int taken = 0;
                for (uint64_t k = 0; k < nbig && !taken; k++)
                    taken = order[k] == i;
                if (!taken && sizes[i] >= big && (best == n || sizes[i] > sizes[best]))
                    best = i;
            }
            if (best == n)
                break;
            order[nbig++] = best;
        }
    }
    uint64_t o = nbig;
    for (uint64_t i = 0; i < n; i++) {
        int taken = 0;
        for (uint64_t k = 0; k < nbig && !taken; k++)
            taken = order[k] == i;
        if (!taken)
            order[o++] = i;
    }
    return order;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    uint64_t pos = 0;            /* index of the unit the handle will return next */
    uint64_t claim = atomic_fetch_add(&sh->next_cu, 1);
    while (!atomic_load(&sh->failed) && claim < sh->total) {
        uint64_t want = sh->order[claim];
        if (want < pos) {
            if (dws_rewind(w->f, &w->err) != 0)
                break;
            pos = 0;
        }
        dws_cu cu;
        int r = pos < want ? dws_skip_cu(w->f, &w->err) : dws_next_cu(w->f, &cu, &w->err);
        if (r <= 0) {
            if (r == 0)
                hp_errf(&w->err, sh->path, "corrupt DWARF: unit %llu missing",
                        (unsigned long long)want);
            break;
        }
        uint64_t idx = pos++;
        if (idx != want)
            continue;
        w->cu_index = idx;
        int rc = do_unit(w, &cu);
        dws_die_free(w->f, cu.die);
        w->cu_die = NULL;
        if (rc != 0)
            break;
        progress(w);
        claim = atomic_fetch_add(&sh->next_cu, 1);
    }
    atomic_fetch_add(&sh->dies, dws_die_count(w->f));
    if (w->err.set) {
        atomic_store(&sh->failed, 1);
        pthread_mutex_lock(&sh->mu);
        if (!sh->err.set)
            sh->err = w->err;
        pthread_mutex_unlock(&sh->mu);
    }
    return NULL;
}

static void worker_free(worker *w)
{
    hp_arena_free(&w->arena);
    free(w->nodes);
    free(w->slots);
    free(w->members);
    free(w->order);
    free(w->typedef_of);
    free(w->occ);
    free(w->first_unresolved);
    hp_buf_free(&w->buf);
    dws_close(w->f);
}

int dt_load(const char *path, const dt_opts *opts, dt_result *out, hp_err *err)
{
    memset(out, 0, sizeof *out);
    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.path = path;
    sh.opts = opts;
    pthread_mutex_init(&sh.mu, NULL);
    pthread_mutex_init(&sh.kmu, NULL);
    atomic_init(&sh.next_cu, 0);
    atomic_init(&sh.done, 0);
    atomic_init(&sh.dies, 0);
    atomic_init(&sh.aggregates, 0);
    atomic_init(&sh.out_of_range, 0);
    atomic_init(&sh.out_of_range_die, 0);
    atomic_init(&sh.failed, 0);
    atomic_init(&sh.done_bytes, 0);

    int jobs = opts->jobs < 1 ? 1 : opts->jobs > 64 ? 64 : opts->jobs;
    worker *ws = hp_xcalloc((size_t)jobs, sizeof *ws);
    int rc = -1;
    int opened = 0;
    /* One copy of the DWARF bytes for every worker: the file is mapped
    ** once (decompressed, and relocated in a relocatable object, once) and
    ** each libdwarf handle reads the same memory. */
    ei_image *img = NULL;
    dws_image *di = NULL;
    uint64_t *sizes = NULL;
    if (opts->image)
        img = opts->image;
    else if (ei_open(path, &img, err) != 0)
        goto out;
    sh.scalar_align = img->machine == EM_386_ || img->machine == EM_IAMCU_ ? 4 : 16;
    /* Compressed DWARF (Go, Debian's debug packages) is inflated section
    ** by section on first use: while this thread inflates .debug_info,
    ** another inflates the string and line sections every unit needs,
    ** which the workers would otherwise wait for one after the other. */
    static const char *const early[] = {
        ".debug_str", ".debug_line_str", ".debug_str_offsets", ".debug_line",
        ".zdebug_str", ".zdebug_line",
    };
    ei_prefetch(img, early, sizeof early / sizeof early[0]);
    if (dws_image_new(img, DWS_TYPES_ONLY, &di, err) != 0)
        goto out;
    for (; opened < jobs; opened++) {
        ws[opened].sh = &sh;
        if (dws_open_image(di, &ws[opened].f, err) != 0)
            goto out;
    }
    if (dws_count_units(ws[0].f, &sh.total, &sizes, err) != 0)
        goto out;
    hp_phase("types: %llu units counted", (unsigned long long)sh.total);
    sh.order = unit_order(sizes, sh.total, jobs);
    sh.sizes = sizes;
    for (uint64_t i = 0; i < sh.total; i++)
        sh.total_bytes += sizes[i];
    if (sh.total == 0) {
        hp_errf(err, path, "no DWARF debug info (no compile units)");
        goto out;
    }
    if ((uint64_t)jobs > sh.total)
        jobs = (int)sh.total;
    sh.ts = ts_new();
    if (jobs == 1) {
        worker_main(&ws[0]);
    } else {
        pthread_t *th = hp_xcalloc((size_t)jobs, sizeof *th);
        int started = 0;
        for (; started < jobs; started++)
            if (pthread_create(&th[started], NULL, worker_main, &ws[started]) != 0)
                break;
        if (started == 0)
            worker_main(&ws[0]);
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        free(th);
    }
    if (atomic_load(&sh.failed)) {
        if (err && !err->set)
            *err = sh.err;
        ts_free(sh.ts);
        free(sh.producer);
        goto out;
    }
    hp_phase("types: units read");
    for (int i = 0; i < opened; i++) {
        out->unresolved += ws[i].unresolved;
        if (out->first_unresolved == NULL && ws[i].first_unresolved) {
            out->first_unresolved = ws[i].first_unresolved;
            ws[i].first_unresolved = NULL;
        }
    }
    dws_gaps gaps;
    dws_image_gaps(di, &gaps);
    out->missing_sigs = gaps.missing_sigs;
    out->split_units = gaps.split_units;
    out->split_missing = gaps.split_missing;
    out->split_first = gaps.split_first;
    out->incomplete = ts_resolve(sh.ts, opts->cacheline);
    /* split units not read: a type declared but defined nowhere read may
    ** well be defined in one of them */
    for (size_t i = 0; out->split_missing && i < ts_count(sh.ts); i++) {
        lay_type *t = &ts_get(sh.ts, i)->t;
        for (uint32_t j = 0; (t->flags & TF_INCOMPLETE) && j < t->nmembers; j++)
            if (t->members[j].flags & MF_INCOMPLETE)
                t->members[j].flags |= MF_UNREAD;
    }
    hp_phase("types: declarations resolved");
    ts_finish(sh.ts);
    out->types = sh.ts;
    out->producer = sh.producer;
    out->units = atomic_load(&sh.done);
    out->dies = atomic_load(&sh.dies);
    out->aggregates = atomic_load(&sh.aggregates);
    out->out_of_range = atomic_load(&sh.out_of_range);
    out->out_of_range_die = atomic_load(&sh.out_of_range_die);
    out->truncated_name = sh.truncated_name;
    sh.truncated_name = NULL;
    out->truncated_die = sh.truncated_die;
    out->deep_name = sh.deep_name;
    sh.deep_name = NULL;
    out->deep_die = sh.deep_die;
    lay_lang best = LANG_UNKNOWN;
    for (int l = 0; l <= LANG_OTHER; l++)
        if (sh.lang_count[l] > sh.lang_count[best])
            best = (lay_lang)l;
    out->lang = best;
    rc = 0;
out:
    if (opts->progress_permille)
        atomic_store(opts->progress_permille, 1000);
    for (int i = 0; i < opened; i++)
        worker_free(&ws[i]);
    dws_image_free(di);
    if (img && img != opts->image)
        ei_close(img);
    /* workers beyond `jobs` after clamping were opened too */
    free(ws);
    for (size_t i = 0; i < sh.nkeys; i++) {
        free(sh.keys[i].key);
        free(sh.keys[i].ents);
    }
    free(sh.keys);
    free(sh.kslots);
    free(sh.order);
    free(sizes);
    free(sh.truncated_name);
    free(sh.deep_name);
    pthread_mutex_destroy(&sh.kmu);
    pthread_mutex_destroy(&sh.mu);
    return rc;
}
