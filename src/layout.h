/*
** layout.h -- the data model: one aggregate type's layout, and the pure
** computations over it (holes, bit holes, tail padding, cachelines, the
** optimal member order).
**
** Contract: loaders (dwtypes.c for DWARF) fill in the "input" fields of
** lay_type and its members; lay_compute() fills in every "derived" field.
** Nothing here reads files, calls libdwarf or touches SQLite, so the
** arithmetic can be unit-tested on hand-built layouts (tests/unit_layout.c)
** and reused by every report.
**
** Units: offsets and sizes are in bytes; bit positions are in bits.
** A bitfield member has bit_size > 0; its `offset` is the byte offset of its
** storage unit (aligned down to the declared type's size, as pahole shows
** it), `size` the storage unit's size, and `bit_offset` the position of
** its lowest bit inside that unit counted from the least significant bit
** (little-endian numbering).  `bitpos` is the absolute position of its
** first bit from the start of the aggregate and is what the hole
** arithmetic uses.
*/
#ifndef LAYOUT_H
#define LAYOUT_H

#include <stdint.h>

typedef enum lay_kind {
    LAY_STRUCT = 0,
    LAY_CLASS = 1,
    LAY_UNION = 2,
    LAY_ENUM_DATA = 3      /* Rust enum with data: a struct with a variant_part */
} lay_kind;

typedef enum lay_lang {
    LANG_UNKNOWN = 0, LANG_C, LANG_CXX, LANG_GO, LANG_RUST, LANG_OTHER
} lay_lang;

/* member flags */
#define MF_BITFIELD   0x0001   /* bit_size > 0 */
#define MF_BASE       0x0002   /* C++ base class subobject (DW_TAG_inheritance) */
#define MF_VIRTUAL    0x0004   /* virtual base: offset not constant, excluded from holes */
#define MF_VPTR       0x0008   /* vtable pointer (artificial _vptr member) */
#define MF_FLEX       0x0010   /* flexible array member (or zero-length trailing array) */
#define MF_ANON       0x0020   /* anonymous struct/union member */
#define MF_EMBEDDED   0x0040   /* Go embedded field */
#define MF_VARIANT    0x0080   /* member of a Rust enum variant (overlaps others) */
#define MF_DISCR      0x0100   /* Rust enum discriminant */
#define MF_ARTIFICIAL 0x0200   /* compiler-generated */
#define MF_ALIGNED    0x0400   /* member carries explicit alignment (DW_AT_alignment) */
#define MF_INCOMPLETE 0x0800   /* its type is declared but defined nowhere in the
                                  binary (or ambiguously): size and alignment unknown */
#define MF_UNREAD     0x1000   /* with MF_INCOMPLETE: its type is in debug information
                                  that was not read (a dwz supplementary file not
                                  found, a reference that does not resolve) */
#define MF_EMPTY      0x2000   /* an empty class (no data, only empty bases) as a
                                  base, or as a [[no_unique_address]] member laid
                                  over another: no storage, size 0 (Itanium ABI) */
/* Layout intent (set by lay_compute; see "Layout intent" in layout.c): */
#define MF_GROUP_START 0x4000  /* starts a layout group: no member is moved
                                  across the start of a group */
#define MF_PADMARK    0x8000   /* padding marker: a zero-size member that is
                                  not a trailing flexible array, or a field
                                  named pad/__pad/padding/reserved/rsvd[N] */
#define MF_SYNC       0x10000  /* lock, atomic or refcount by its type
                                  (lay_sync_type) */

/* type flags */
#define TF_PACKED       0x0001  /* members at offsets below their natural alignment,
                                   or size not a multiple of the natural alignment */
#define TF_EXPLICIT_ALIGN 0x0002 /* DW_AT_alignment on the type or a member */
#define TF_CONFLICT     0x0004  /* same name, different layout elsewhere in the binary */
#define TF_ANON         0x0008  /* no name of its own (named after typedef or parent) */
#define TF_TYPEDEF_NAME 0x0010  /* name comes from a typedef of an anonymous type */
#define TF_HAS_VPTR     0x0020
#define TF_VIRTUAL_BASE 0x0040  /* has virtual bases (their placement is not constant) */
#define TF_TEMPLATE     0x0080  /* template instance (name has <...>) */
#define TF_FLEX         0x0100  /* ends in a flexible array member */
#define TF_NESTED       0x0200  /* declared inside another type */
#define TF_DECLARATION_ONLY 0x0400 /* never stored; loaders drop these */
#define TF_INCOMPLETE   0x0800  /* a member's type (or the alignment of a member's
                                   type) is unknown: holes and savings are not
                                   computable; stored as NULL, never ranked */

/* lay_member.ref_kind: what the loader could not know inside one compile
** unit and left for the whole binary's set (ts_resolve) to fill in. */
#define LAY_REF_NONE  0
#define LAY_REF_DECL  1   /* member type is a declaration: size, align (and a
                             base's data size) come from the definition */
#define LAY_REF_ALIGN 2   /* member type is a definition whose alignment
                             depends on such a declaration: align comes from
                             the set's entry of that definition */
#define LAY_REF_EMPTY 3   /* a base or member of one byte whose type may be
                             an empty class: no storage (size 0, the Itanium
                             ABI's empty base; a [[no_unique_address]] member
                             laid over another) when the set's definition is
                             one (no data, only empty bases) */
#define TF_ABI          0x4000  /* the layout is an interface, not ours to
                                   reorder: declared in a kernel uapi header
                                   or an installed public header
                                   (/usr/include...), or a Rust struct whose
                                   fields are in declaration order (#[repr(C)]) */
#define TF_REPR_RUST    0x8000  /* Rust struct whose fields rustc reordered
                                   (default repr): rustc already orders it */
#define TF_SYNC_FIXED   0x10000 /* a group's order was kept so that no lock
                                   or atomic gets new cacheline neighbours */
#define TF_EXPORTED     0x20000 /* reachable from a function the binary
                                   exports (.dynsym): its parameters, return
                                   value and their members (sites/abi.c);
                                   with TF_ABI when callers see the layout */
#define TF_TRUNCATED    0x40000 /* with TF_INCOMPLETE: more members than
                                   HP_MAX_MEMBERS; only the first ones are
                                   kept, so holes and savings are unknown */
#define TF_DEEP         0x80000 /* with TF_INCOMPLETE: the size or alignment of a
                                   member's type needs types nested deeper than
                                   the loader follows (256 levels), or a cycle,
                                   or more members than it reads (a type read
                                   from another unit) */

typedef struct lay_member {
    /* input */
    const char *name;        /* NULL for anonymous members */
    const char *type_name;   /* rendered C-like type, e.g. "const char *" */
    uint64_t offset;         /* byte offset (storage unit offset for bitfields) */
    uint64_t size;           /* byte size (storage unit size for bitfields) */
    uint64_t bitpos;         /* absolute bit position of first bit */
    uint32_t bit_offset;     /* bitfield: lowest bit inside the storage unit */
    uint32_t bit_size;       /* bitfield width, 0 if not a bitfield */
    uint32_t align;          /* alignment of the member's type (explicit if given) */
    uint32_t flags;          /* MF_* */
    uint64_t data_size;      /* optional: bytes of a base subobject that hold
                                data when less than size (a base with virtual
                                bases: its non-virtual part); 0 = size */
    /* optional input: a reference to resolve across units (LAY_REF_*) */
    uint8_t ref_kind;
    uint8_t ref_flex;        /* DECL: the member is an array of unknown length */
    uint32_t ref_line;       /* declaration line of the referenced type, 0 none */
    const char *ref_name;    /* qualified name of the referenced type */
    const char *ref_file;    /* its declaration file, NULL none */
    uint64_t ref_count;      /* DECL: elements (1, or the array's length) */
    uint64_t ref_size;       /* ALIGN, EMPTY: byte size of the referenced definition */
    /* derived by lay_compute() */
    uint64_t hole_after;     /* byte hole between this member and the next one */
    uint32_t bit_hole_after; /* bits unused after this bitfield in its unit */
    uint32_t cacheline;      /* cacheline index of `offset` */
} lay_member;

typedef struct lay_type {
    /* input */
    lay_kind kind;
    const char *name;        /* qualified: ns::Outer::Inner, main.T, typedef name */
    uint64_t size;
    uint32_t align;          /* DW_AT_alignment if present, else computed */
    uint32_t given_align;    /* input: DW_AT_alignment, 0 if none (align was
                                computed and is recomputed on re-layout) */
    uint32_t flags;          /* TF_* */
    lay_lang lang;
    const char *decl_file;   /* may be NULL */
    uint32_t decl_line;
    lay_member *members;     /* sorted by bitpos by lay_compute() */
    uint32_t nmembers;
    /* derived by lay_compute() */
    uint32_t holes;          /* number of byte holes between members */
    uint64_t hole_bytes;     /* their total size */
    uint32_t bit_holes;      /* number of bit holes (inside bitfield units) */
    uint64_t bit_hole_bits;  /* their total size in bits */
    uint64_t tail_padding;   /* bytes after the last member up to size */
    uint64_t pre_hole;       /* byte hole before the first member (in holes) */
    uint32_t pre_bit_hole;   /* bit hole before the first member (in bit_holes) */
    uint32_t bit_padding;    /* unused bits at the end of a trailing bitfield
                                unit (pahole's "bit_padding"); not in bit_holes */
    uint64_t optimal_size;   /* smallest size reachable by reordering */
    uint32_t cachelines;     /* number of cachelines spanned by size */
    uint32_t cacheline;      /* the cacheline size lay_compute used (0: 64) */
    uint64_t hash;           /* layout hash: name, kind, size, members */
} lay_type;

/* Compute every derived field.  cacheline is the cacheline size in bytes
** (64 by default).  Sorts members by bitpos (stable), so loaders may append
** members in any order (Rust lists them out of offset order). */
void lay_compute(lay_type *t, uint32_t cacheline);

/* lay_compute, also leaving in order[0..nmembers) the suggested member
** order lay_optimal_order gives for the computed layout (the order the
** reorder needs anyway; asking again would compute it twice). */
void lay_compute_order(lay_type *t, uint32_t cacheline, uint32_t *order);

/* The suggested member order: fills order[0..nmembers-1] with member
** indexes (into t->members after lay_compute) and returns the size the
** type would have in that order.  Respects alignment, keeps bitfield
** groups together, keeps bases and the vtable pointer first and flexible
** arrays last, moves members only inside their layout group
** (MF_GROUP_START), and never gives a lock or atomic (MF_SYNC) a cacheline
** neighbour it did not have.  For unions, packed types and Rust enums
** returns the current order and size. */
uint64_t lay_optimal_order(const lay_type *t, uint32_t *order);

/* 1 if some member still has a reference to resolve (ref_kind set). */
int lay_has_refs(const lay_type *t);

/* 1 when a member's type, as the loader renders it, is a lock, an atomic
** or a reference count: spinlock_t, struct mutex, atomic_t, refcount_t,
** _Atomic T, std::atomic<T>, std::mutex, pthread_mutex_t, sync.Mutex,
** sync/atomic.Int64, Rust's Mutex<T> and AtomicUsize, ... (arrays of them
** too).  The type decides, never the member's name. */
int lay_sync_type(const char *type_name);

/* 1 when a member name is a padding field by convention: pad, __pad,
** _pad1_, padding, reserved, __reserved2, rsvd (leading underscores, then
** the word, then only digits and underscores). */
int lay_pad_name(const char *name);

/* 1 when a declaration file is an interface header: a kernel uapi header
** (a path component "uapi") or an installed public header (/usr/include,
** /usr/local/include, /usr/lib/gcc/.../include). */
int lay_abi_file(const char *decl_file);

/* Round n up to a multiple of a (a may be 0 or 1). */
static inline uint64_t lay_round_up(uint64_t n, uint64_t a)
{
    return a > 1 ? (n + a - 1) / a * a : n;
}

const char *lay_kind_name(lay_kind k);   /* "struct", "class", "union", "enum" */
const char *lay_lang_name(lay_lang l);   /* "C", "C++", "Go", "Rust", ... */

#endif
