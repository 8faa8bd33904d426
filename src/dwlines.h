/*
** dwlines.h -- what DWARF says about a few code addresses: the source line
** a call belongs to (through inline chains), constant call arguments, the
** pointer types of the variables around it, and Go type descriptors.
**
** Contract: dl_collect() reads the DWARF of one file (through dwshim, never
** libdwarf directly) once, visiting only the compile units and subprograms
** that contain an address it was asked about, and fills in the caller's
** dl_site / dl_func records.  Everything it returns (strings, types,
** variables) lives in the dl_info and is freed by dl_free().
**
**  - Lines: a call inlined from a wrapper or a header is reported at the
**    line of the OUTERMOST caller: the DW_AT_call_file/DW_AT_call_line of
**    the first DW_TAG_inlined_subroutine under the concrete subprogram that
**    contains the pc (when that call has line 0, as clang gives calls it
**    merged, the next call of the chain with a line).  Without an inline
**    chain the line table row covering the pc is used; a row of line 0
**    takes the nearest row of its sequence with a line, before it if any.
**    On request (want_inline), the innermost inlined function around the pc
**    and its own call's file:line (the abstract origin's name): what an
**    inlined allocator wrapper is, and where it was called.
**  - Call-site parameters: DW_TAG_call_site / DW_TAG_GNU_call_site whose
**    return pc is the address after the call, each DW_TAG_call_site_parameter
**    whose location is a register and whose DW_AT_call_value is a constant
**    expression (DW_OP_lit*, DW_OP_const*, DW_OP_addr; plus DW_OP_stack_value).
**    The same call site's DW_AT_LLVM_alloc_type (0x3e0e, clang 22 on C++
**    `new`): the type allocated, through typedefs and qualifiers.
**  - On request (dl_site.want_alloc_elem), the element type T of a C++
**    standard allocator's `allocate` the call lies in: the innermost frame
**    around the pc (the subprogram itself, or an inlined subroutine through
**    its abstract origin) whose linkage name is the allocate of
**    std::allocator<T>, std::__new_allocator<T>, __gnu_cxx::new_allocator<T>,
**    std::allocator_traits<std::allocator<T>> or libc++'s std::__1 ones,
**    read from its declared return type T*; a deeper frame of any other
**    function (libc++'s __libcpp_* helpers excepted) clears it.  On
**    request (dl_site.want_class_new), the linkage name of the innermost inlined subroutine
**    around the pc that is a class's own operator new or new[] (a
**    "_ZN...nwE..." / "_ZN...naE..." name; sites/ev_cxx.c checks it).
**  - Variables and parameters in every scope (subprogram, lexical block,
**    inlined subroutine) that contains the pc, when their type is a pointer
**    (through typedefs and qualifiers) to a struct/class/union, with their
**    locations reduced to three simple shapes: a register, CFA + offset
**    (DW_OP_fbreg over a DW_OP_call_frame_cfa frame base), register +
**    offset (DW_OP_bregN, or fbreg over a register frame base); and a
**    value that is register + offset (DW_OP_bregN; DW_OP_stack_value:
**    a pointer to a member, &l->g), only when a site wants members.  Other
**    location expressions (pieces, entry values, computed) are skipped:
**    such a variable just gives no evidence.
**  - On request (dl_site.glob), the types of global variables, by
**    address or name, among the variables at the top of the site's unit.
**  - On request (dl_site.want_members), the members of those aggregates
**    that are aggregates themselves, with their offsets, recursively:
**    what says that a pointer to LG + 0xd0 is a pointer to its member g.
**  - The pointed-to aggregate a subprogram returns, and the aggregate its
**    first parameter points to ("this" of a constructor); on request
**    (dl_func.want_api) every aggregate its parameters and return value
**    are or point to, through typedefs, qualifiers, pointers, references
**    and arrays (an exported function's interface); on request
**    (dl_func.want_params) the aggregate each of its first eight
**    parameters points to, by position.
**  - On request (dl_func.want_consts), the DW_AT_const_value of the
**    function's own formal parameters (clang's IPSCCP, in one unit or under
**    LTO, removes a parameter every caller passes the same constant and
**    records it so).
**  - Go: every top-level type's DW_AT_go_runtime_type (an offset from the
**    runtime.types symbol), for dl_go_types(): structs, and the base,
**    pointer and array types make([]T) and new(T) also allocate.
**
** Robustness: a unit or DIE that does not read is skipped and counted in
** dl_info.skipped; only a file that cannot be opened at all is an error.
*/
#ifndef DWLINES_H
#define DWLINES_H

#include <stddef.h>
#include <stdint.h>
#include "elfimg.h"
#include "hp.h"

typedef struct dl_member dl_member;

/* An aggregate type as DWARF names it, for matching rows of `types`. */
typedef struct dl_type {
    const char *name;           /* DW_AT_name, or the typedef naming an
                                   anonymous aggregate; NULL if neither */
    const char *decl_file;      /* may be NULL */
    uint32_t decl_line;
    uint64_t size;              /* 0 for a declaration */
    uint8_t declaration;        /* no definition in this unit */
    uint8_t tag;                /* 0x13 struct, 0x02 class, 0x17 union */
    const char *pointee_name;   /* for non-aggregate pointees: "char", "int", ... */
    const struct dl_type *inner; /* pointee_name "pointer": what that pointer
                                   points to (one level: T of a T **), or NULL */
    const dl_member *members;   /* its members that are aggregates themselves
                                   (embedded structs), when a site asked for
                                   them (want_members), else NULL */
    uint32_t nmembers;
} dl_type;

struct dl_member {
    uint64_t off;               /* byte offset in the outer aggregate */
    const dl_type *type;        /* the embedded aggregate */
};

#define DL_LOC_REG  1           /* value in register `reg` */
#define DL_LOC_CFA  2           /* in memory at CFA + off */
#define DL_LOC_BREG 3           /* in memory at reg + off */
#define DL_LOC_VALUE 4          /* the value itself is reg + off (DW_OP_bregN;
                                   DW_OP_stack_value) */

typedef struct dl_varloc {
    uint64_t lo, hi;            /* [lo, hi) */
    uint8_t kind;               /* DL_LOC_* */
    uint8_t reg;                /* DWARF register number */
    int64_t off;
} dl_varloc;

typedef struct dl_var {
    const char *name;
    const dl_type *type;        /* the aggregate the variable points to */
    dl_varloc *locs;
    uint32_t nlocs;
    uint8_t is_param;
    uint8_t inline_depth;       /* 0 in the subprogram itself */
} dl_var;

#define DL_MAX_PARAMS 8
#define DL_MAX_PROBES 4
#define DL_MAX_GLOBALS 2

/* A global variable a site stores its pointer into, or loads the base of
** such a store from (dl_site.glob): matched in the site's unit by its
** address (DW_AT_location DW_OP_addr) or, for a declaration of a global
** another unit defines, by its name. */
enum { DL_G_NONE = 0, DL_G_PTR, DL_G_AGG };
typedef struct dl_global {
    uint64_t addr;              /* input: the variable's (its symbol's) address */
    const char *name;           /* input: its symbol name, or NULL */
    uint8_t kind;               /* output: DL_G_PTR, the variable (or each
                                   element) points to `type`; DL_G_AGG, it is
                                   (or each element is) the aggregate `type`;
                                   DL_G_NONE: not found, or something else */
    uint8_t array;              /* an array of those, elements `stride` bytes */
    uint64_t stride;
    const dl_type *type;        /* an aggregate, or for DL_G_PTR pointee_name */
} dl_global;

typedef struct dl_site {
    /* input */
    uint64_t pc;                /* address of the call (or tail jump) */
    uint64_t ret_pc;            /* address after it */
    uint8_t want_vars;          /* collect variables (else only the line) */
    uint8_t want_params;        /* collect call-site parameter values */
    uint8_t want_alloc_type;    /* read DW_AT_LLVM_alloc_type of its call site */
    uint8_t want_alloc_elem;    /* the element type of a std allocate around it */
    uint8_t want_class_new;     /* an inlined T::operator new around it */
    uint8_t want_inline;        /* name the innermost inlined function (inlined,
                                   inlined_file, inlined_line) */
    uint8_t want_members;       /* the variables' aggregates list their
                                   embedded aggregates (dl_type.members);
                                   one site asking is enough for all */
    uint8_t nprobe;
    uint64_t probe[DL_MAX_PROBES];  /* later pcs where the result is held: the
                                   variables of scopes around them count too
                                   (an inlined constructor's `this`) */
    uint8_t nglob;
    dl_global glob[DL_MAX_GLOBALS]; /* input and output (dl_global) */
    /* output */
    int found;                  /* a subprogram contains pc */
    const char *file;
    uint32_t line;
    uint32_t inline_depth;      /* inlined_subroutine levels around pc */
    const char *subprogram;     /* DW_AT_name of the containing subprogram
                                   (through its specification/origin) */
    const dl_type *ret_type;    /* the subprogram returns a pointer to this */
    uint8_t nparams;
    uint8_t param_reg[DL_MAX_PARAMS];
    int64_t param_val[DL_MAX_PARAMS];
    dl_var *vars;
    uint32_t nvars;
    const char *inlined;        /* want_inline: the innermost inlined function
                                   around pc (its DW_AT_abstract_origin's name),
                                   NULL when pc is in no inlined code */
    const char *inlined_file;   /* ... and where it is called from: its
                                   DW_AT_call_file / DW_AT_call_line */
    uint32_t inlined_line;
    const dl_type *alloc_type;  /* DW_AT_LLVM_alloc_type of the call site (clang
                                   22 on `new`): the allocated type itself (an
                                   aggregate, or pointee_name for others); NULL */
    const dl_type *alloc_elem;  /* with want_alloc_elem: T of the innermost
                                   std::allocator<T>-family allocate the call
                                   is in (an aggregate, or pointee_name:
                                   "pointer" with inner for T = U *); NULL */
    const char *class_new;      /* with want_class_new: the linkage name of
                                   the innermost inlined T::operator new /
                                   new[] around the call, or NULL */
} dl_site;

/* An aggregate an exported function takes or returns (dl_func.api). */
#define DL_MAX_API 9
typedef struct dl_api {
    const dl_type *type;
    uint8_t by_value;           /* passed or returned by value, not through a
                                   pointer (or reference, or array) */
    uint8_t typedef_with_def;   /* the first typedef on the way (the name the
                                   interface uses) is declared in the file
                                   that defines the aggregate: lua.h's
                                   lua_Debug, not lua_State (lstate.h) */
} dl_api;

#define DL_MAX_CONSTS 4
typedef struct dl_func {
    uint64_t entry;             /* input: function address */
    uint8_t want_api;           /* input: fill api[] */
    uint8_t want_consts;        /* input: fill consts[] */
    const dl_type *this_type;   /* output: first parameter points to this */
    const dl_type *ret_type;    /* output: returns a pointer to this */
    dl_api api[DL_MAX_API];     /* output with want_api: the aggregates its
                                   parameters (the first eight) and its
                                   return value are or point to */
    uint8_t napi;
    uint8_t want_params;        /* input: fill param[] */
    const dl_type *param[DL_MAX_PARAMS];  /* output with want_params: the
                                   aggregate parameter i points to (through
                                   typedefs and qualifiers), else NULL */
    uint64_t consts[DL_MAX_CONSTS]; /* output with want_consts: the values of its
                                   formal parameters that have a
                                   DW_AT_const_value (the compiler propagated
                                   the one value every caller passes) */
    uint8_t nconsts;
} dl_func;

typedef struct dl_gotype {
    uint64_t runtime_type;      /* DW_AT_go_runtime_type */
    const char *name;
    uint64_t size;
    uint16_t tag;               /* DW_TAG_* of the type */
} dl_gotype;

typedef struct dl_info dl_info;

/* sites must be sorted by pc, funcs by entry.  The DWARF is read from the
** opened image (its already decompressed sections are reused) by `jobs`
** threads, each with its own handle over a share of the units; the result
** does not depend on `jobs`. */
/* pace: how the threads pace themselves (hp_pace before each unit), or NULL */
int dl_collect(ei_image *dwarf, dl_site *sites, size_t nsites, dl_func *funcs,
               size_t nfuncs, int want_go, int jobs, const hp_pacer *pace,
               dl_info **out, hp_err *err);

/* Go types with a runtime type, sorted by runtime_type. */
const dl_gotype *dl_go_types(const dl_info *d, size_t *n);

/* Units or DIEs that could not be read and were skipped. */
uint64_t dl_skipped(const dl_info *d);

void dl_free(dl_info *d);

#endif
