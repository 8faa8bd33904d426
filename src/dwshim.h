/*
** dwshim.h -- the only door to libdwarf.
**
** Contract: every libdwarf call in holeprof lives in the dwshim family
** (dwshim.c and dwshim_*.c, which share dwshim_int.h; its top lists what
** each file does).  The rest of the program sees opaque DIE handles and
** plain C structs, so a newer libdwarf (0.x changed dwarf_object_init_b,
** dwarf_siblingof_c, dwarf_next_cu_header_e, ...) is supported by
** changing those files only.
**
** One dws_file is one Dwarf_Debug and is NOT thread-safe: parallel readers
** each open their own dws_file over the same path and split the compile
** units between them.
**
** Strings returned (names, producer, file names) point into libdwarf's
** section data or into memory owned by the dws_file; they stay valid until
** dws_close().  DIE handles must be released with dws_die_free().
*/
#ifndef DWSHIM_H
#define DWSHIM_H

#include <stdint.h>
#include "dwcode.h"
#include "elfimg.h"
#include "hp.h"

typedef struct dws_file dws_file;

/* DIE offsets are .debug_info offsets of the file; with this bit set, of
** its supplementary file (dwz: .gnu_debugaltlink or DWARF 5 .debug_sup;
** see dws_image_set_alt).  Offsets of both kinds are what dws_offdie
** takes and what references (dws_attrs.type, ...) give. */
#define DWS_ALT (UINT64_C(1) << 63)
/* With this bit, an offset in the file's .debug_types (DWARF 4 type units,
** gcc -fdebug-types-section): those units are visited after the
** .debug_info ones, and a DW_FORM_ref_sig8 reference (DWARF 4 or 5) reads
** as the offset of the type DIE its signature names, as any reference
** does.  A signature no unit defines reads as DWA_SIGNATURE. */
#define DWS_TYPES (UINT64_C(1) << 62)
/* With this bit, an offset in a split DWARF file (-gsplit-dwarf): bits 40
** to 60 say which (.dwo, or the .dwp), bits 0 to 39 the offset in its
** .debug_info.dwo.  The unit iterator gives, for each skeleton unit of the
** file, the split unit it names instead: found in BINARY.dwp (by dwo_id,
** .debug_cu_index), else as the DW_AT_dwo_name / DW_AT_GNU_dwo_name file
** (as written when absolute, else under DW_AT_comp_dir, then beside the
** binary and the debug file), whose unit must carry the skeleton's
** dwo_id.  A skeleton whose split unit is not found or does not match is
** given as it is (no children) and counted in dws_gaps. */
#define DWS_SPLIT (UINT64_C(1) << 61)
typedef void *dws_die;           /* a Dwarf_Die; NULL means "none" */

typedef struct dws_cu {
    uint64_t hdr_offset;         /* unit header offset in .debug_info */
    uint64_t next_offset;        /* offset of the following unit header */
    uint16_t version;            /* DWARF version 2..5 */
    uint8_t addr_size;
    uint8_t unit_type;           /* DW_UT_* (DWARF 5), DW_UT_compile before */
    dws_die die;                 /* the unit DIE (caller frees) */
} dws_cu;

/* Attribute flags (dws_attrs.has) */
#define DWA_NAME        0x00000001u
#define DWA_BYTE_SIZE   0x00000002u
#define DWA_BIT_SIZE    0x00000004u
#define DWA_DATA_BIT_OFFSET 0x00000008u
#define DWA_BIT_OFFSET  0x00000010u   /* DWARF 2/3 style, from the MSB */
#define DWA_MEMBER_LOC  0x00000020u   /* constant data_member_location */
#define DWA_MEMBER_LOC_EXPR 0x00000040u /* non-constant location (virtual base) */
#define DWA_TYPE        0x00000080u
#define DWA_UPPER_BOUND 0x00000100u
#define DWA_COUNT       0x00000200u
#define DWA_LOWER_BOUND 0x00000400u
#define DWA_DECL_FILE   0x00000800u
#define DWA_DECL_LINE   0x00001000u
#define DWA_ALIGNMENT   0x00002000u
#define DWA_DECLARATION 0x00004000u
#define DWA_ARTIFICIAL  0x00008000u
#define DWA_EXTERNAL    0x00010000u
#define DWA_ENCODING    0x00020000u
#define DWA_LANGUAGE    0x00040000u
#define DWA_VIRTUALITY  0x00080000u
#define DWA_SPECIFICATION 0x00100000u
#define DWA_GO_EMBEDDED 0x00200000u
#define DWA_GO_KIND     0x00400000u
#define DWA_GO_RUNTIME_TYPE 0x00800000u
#define DWA_DISCR       0x01000000u
#define DWA_DISCR_VALUE 0x02000000u
#define DWA_PRODUCER    0x04000000u
#define DWA_SIGNATURE   0x08000000u   /* DW_AT_type names a type-unit signature that
                                         no unit of the file defines */
#define DWA_BOUND_SIGNED 0x10000000u  /* upper_bound was a signed form */
#define DWA_LINKAGE_NAME 0x20000000u
#define DWA_ABSTRACT_ORIGIN 0x40000000u
#define DWA_UNRESOLVED  0x80000000u   /* a name or reference of the DIE is in a
                                         supplementary file that is not loaded:
                                         what it says is missing, not absent */

typedef struct dws_attrs {
    uint64_t off;                /* global offset of this DIE */
    uint32_t has;                /* DWA_* */
    uint16_t tag;
    uint8_t has_children;
    const char *name;
    const char *producer;
    const char *linkage_name;
    uint64_t byte_size;
    uint64_t bit_size;
    uint64_t data_bit_offset;
    uint64_t bit_offset;
    uint64_t member_loc;
    uint64_t type;               /* global offset of the referenced DIE */
    int64_t upper_bound;
    uint64_t count;
    int64_t lower_bound;
    uint64_t decl_file;
    uint64_t decl_line;
    uint64_t alignment;
    uint64_t encoding;
    uint64_t language;
    uint64_t virtuality;
    uint64_t specification;      /* global offset */
    uint64_t abstract_origin;    /* global offset */
    uint64_t go_kind;
    uint64_t go_runtime_type;
    uint64_t discr;              /* global offset of the discriminant member */
    uint64_t discr_value;
    uint64_t signature;          /* a type unit's stand-in (DW_AT_signature): the
                                    global offset of the type it stands for; 0 none */
} dws_attrs;

void dws_close(dws_file *f);

/* The DWARF sections of an opened ELF image, for handles that share one
** copy of the bytes instead of each loading its own: a section is fetched
** through ei_section_data() (decompressed there, once) the first time any
** handle needs it, so sections nobody reads cost nothing.  With
** DWS_TYPES_ONLY the location, range, frame, lookup and macro sections
** are hidden from libdwarf: a reader of types and their declarations
** never needs them.  The image must outlive the dws_image, and the
** dws_image every handle opened over it.  Relocatable objects work too:
** elfimg applies their relocations.  This is the only way holeprof opens
** DWARF: libdwarf's own ELF reader (dwarf_init_path) is never used, since
** a file it fails on leaves libdwarf 20210528 in a state that crashes a
** later dwarf_object_init_b in the same process (fuzz/README.md).  The .debug_rnglists and .debug_loclists
** unit headers are checked when loaded (see dwshim_image.c); a failed load or
** check is what a later error from any handle reports. */
typedef struct dws_image dws_image;
#define DWS_TYPES_ONLY 1u
int dws_image_new(ei_image *img, unsigned flags, dws_image **out, hp_err *err);
void dws_image_free(dws_image *di);
int dws_open_image(dws_image *di, dws_file **out, hp_err *err);

/* What the handles over di met that the file does not hold, so far:
** references to type units (DW_FORM_ref_sig8, DW_AT_signature) whose
** signature no unit of the file defines (each counted once per reading). */
typedef struct dws_gaps {
    uint64_t missing_sigs;
    uint64_t split_units;        /* skeleton units (-gsplit-dwarf) */
    uint64_t split_missing;      /* of them, without their split unit */
    char *split_first;           /* malloc'd: the first one's file and what is
                                    wrong ("x.dwo: not found"), or NULL */
} dws_gaps;
void dws_image_gaps(dws_image *di, dws_gaps *g);

/* Attach the supplementary file of a dwz'd file (before any handle is
** opened; `alt` outlives di).  dws_image_new does it for an image whose
** `alt` is set.  Every handle then reads DW_FORM_GNU_ref_alt,
** DW_FORM_ref_sup4/8, DW_FORM_GNU_strp_alt and DW_FORM_strp_sup through
** it, and the unit iterator (dws_count_units, dws_next_cu) visits, after
** the file's own units, the supplementary units it imports (directly or
** through others; DW_TAG_imported_unit), with DWS_ALT offsets.  Partial
** units take the language of their first importer when they have none.
** Without one, those forms read as DWA_UNRESOLVED (never a placeholder
** string) and references into it fail in dws_offdie. */
int dws_image_set_alt(dws_image *di, ei_image *alt, hp_err *err);

/* Next compile/partial/type unit.  Returns 1 and fills cu, 0 at the end,
** -1 on error.  Units are visited in .debug_info order, then those of
** .debug_types, then the supplementary file's. */
int dws_next_cu(dws_file *f, dws_cu *cu, hp_err *err);

/* For a reader that walks the units itself (dwlines.c): the split unit
** (-gsplit-dwarf) that the skeleton unit whose header is at hdr (a
** .debug_info offset) names, found as the unit iterator finds it: 1 with
** cu (DWS_SPLIT offsets, its unit DIE, which the caller frees), 0 when
** that unit is no skeleton or its split unit is not found (counted in
** dws_image_gaps), -1 on error. */
int dws_split_unit(dws_file *f, uint64_t hdr, dws_cu *cu, hp_err *err);
/* The address at index idx of the .debug_addr table of the split unit
** whose DIE die is (DW_OP_addrx, DW_OP_GNU_addr_index), read at its
** skeleton's DW_AT_addr_base: 0, else -1. */
int dws_split_addrx(dws_file *f, dws_die die, uint64_t idx, uint64_t *addr);

/* Tag only (cheap); 0 on error. */
uint16_t dws_tag(dws_file *f, dws_die die);

/* Children and siblings; NULL when there are none.  On a libdwarf error
** they return NULL and set err. */
dws_die dws_child(dws_file *f, dws_die die, hp_err *err);
dws_die dws_sibling(dws_file *f, dws_die die, hp_err *err);
void dws_die_free(dws_file *f, dws_die die);

/* Global .debug_info offset of a DIE (cheap: no attribute is read). */
uint64_t dws_offset(dws_file *f, dws_die die);

/* Read every attribute holeprof uses in one pass over the DIE's attribute
** list.  Unknown attributes are ignored. */
int dws_read(dws_file *f, dws_die die, dws_attrs *a, hp_err *err);

/* DIE at a global .debug_info offset (for references that leave the
** current unit, DW_FORM_ref_addr).  NULL with err set if invalid. */
dws_die dws_offdie(dws_file *f, uint64_t off, hp_err *err);

/* File names of a unit's line table, indexed as DW_AT_decl_file values
** index them (the DWARF 5 zero origin is handled here).  The returned
** array is owned by f and valid until the next dws_srcfiles call. */
int dws_srcfiles(dws_file *f, dws_die cu_die, uint16_t version,
                 const char ***names, uint64_t *count, hp_err *err);

/* dws_srcfiles reads the table itself (dwscan.h: dsc_file_names) and
** asks libdwarf only for forms it does not take; this is libdwarf's
** dwarf_srcfiles alone, for tests/dwscan_check to compare the two. */
int dws_srcfiles_libdwarf(dws_file *f, dws_die cu_die, uint16_t version,
                          const char ***names, uint64_t *count, hp_err *err);

/* Number of units (a header-only pass over .debug_info), and when sizes
** is not NULL each unit's size in bytes, header included (*sizes is
** malloc'd, *count entries).  Call it before the first dws_next_cu() on
** this file: it leaves the unit iterator at the first unit. */
int dws_count_units(dws_file *f, uint64_t *count, uint64_t **sizes, hp_err *err);

/* Step over the next unit without reading its unit DIE: 1, 0 at the
** end, -1 on error (a worker passing the units of the others). */
int dws_skip_cu(dws_file *f, hp_err *err);

/* Put the unit iterator back at the first unit, wherever it is. */
int dws_rewind(dws_file *f, hp_err *err);

/* The DIEs enclosing the DIE at global offset off (its parent chain up to,
** not including, the unit DIE), outermost first: their global offsets in
** v (the first max of them) and how many there are, or -1 with err.  For
** a DIE reached by reference from another unit, whose scope (namespaces,
** enclosing classes) the reader did not walk: type units and dwz partial
** units define each type away from its users.  Found by stepping over the
** unit's subtrees raw (dwscan.h), without reading their attributes. */
int dws_ancestors(dws_file *f, uint64_t off, uint64_t *v, int max, hp_err *err);

/* Number of DIEs a dws_file has handed out so far (for statistics). */
uint64_t dws_die_count(const dws_file *f);

/* ---- code-side reading (allocation sites: dwlines.c) ----
** Attributes of subprograms, inlined subroutines, call sites, variables
** and parameters; address ranges; location expressions decoded into
** operations; line table rows.  Values are raw DWARF numbers (tags,
** attribute numbers, DW_OP_* codes): callers compare them with the
** standard's constants.  The plain types (dws_code_attrs, dws_range,
** dws_loc) are in dwcode.h, shared with the raw reader (dwscan.h). */


int dws_read_code(dws_file *f, dws_die die, dws_code_attrs *a, hp_err *err);



/* Address ranges of a DIE: DW_AT_low_pc/high_pc, or DW_AT_ranges (DWARF 5
** .debug_rnglists in both forms, DWARF 2-4 .debug_ranges relative to
** cu_base).  Appends to *v; empty ranges are dropped. */
int dws_ranges(dws_file *f, dws_die die, const dws_code_attrs *a, uint64_t cu_base,
               dws_range **v, size_t *n, size_t *cap, hp_err *err);


/* The location description(s) of attribute `attr` (DW_AT_location,
** DW_AT_frame_base, DW_AT_call_value, ...): a single expression or every
** entry of a location list, with addresses already relocated by libdwarf.
** Appends to *v; returns 0 (also when the attribute is absent). */
int dws_locations(dws_file *f, dws_die die, uint16_t attr, dws_loc **v, size_t *n,
                  size_t *cap, hp_err *err);

/* Cheap test of a DIE's code range without decoding its other attributes:
** 1 with [*lo, *hi) from DW_AT_low_pc/DW_AT_high_pc, 2 when it has only
** DW_AT_ranges (read them with dws_read_code + dws_ranges), 0 when it has
** no code (declarations, abstract instances). */
int dws_pc_bounds(dws_file *f, dws_die die, uint64_t *lo, uint64_t *hi);

#endif
