/*
** dwscan.h -- DWARF read from the raw section bytes, without libdwarf,
** for the readers that want a handful of DIEs out of thousands.
**
** Contract: units by their header chain (dsc_unit_offsets, dsc_header);
** per unit, its abbreviations parsed once (dsc_open).  dsc_subprograms()
** lists, in .debug_info order, the offsets of the subprogram DIEs of one
** unit whose abbreviation gives them a code address (DW_AT_low_pc or
** DW_AT_ranges: concrete functions, never declarations or abstract inline
** instances), at the unit's top level and inside namespaces -- and, when
** `scoped` (C++, Rust), inside struct and class DIEs too; dsc_variables()
** the variable DIEs at those levels (globals, their declarations).  The function
** bodies under them are read DIE by DIE (dsc_first_child,
** dsc_next_sibling, dsc_read_code, dsc_ranges, dsc_locations), the unit's
** file table from its line table header (dsc_file_names), all with the
** values dwshim.h's libdwarf readers give, in dwcode.h's types
** (tests/dwscan_check compares them on whole binaries).  dsc_subtree_ok and dsc_die_shape serve
** dwshim.c's guard before libdwarf steps over a subtree.  Nothing is
** allocated per DIE; subtrees are jumped over by DW_AT_sibling where the
** producer wrote one, abbreviations whose forms all have fixed sizes in
** one move, and the rest attribute by attribute.
**
** Why not libdwarf: it creates and frees a Dwarf_Die per DIE, an
** attribute list per read, a context per unit it passes and, for the
** first location list, a table of all of them; on vmlinux and python3.11
** that was most of the allocation-site scan.
**
** Robustness: every read is bounds-checked and every loop advances.
** Anything this reader does not understand -- an unknown form or
** operation, a malformed header or abbreviation, an index without its
** base, nesting beyond `max_depth` -- returns -1 for that unit, DIE or
** list, and the caller reads it through libdwarf (or, for a line table
** header that does not parse, gives up on the file names).  DWARF
** versions 2 to 5, 32- and 64-bit units, .debug_info only.
*/
#ifndef DWSCAN_H
#define DWSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "dwcode.h"
#include "elfimg.h"

/* One unit's header and abbreviations, parsed once for any number of
** calls below.  info/abbrev: the whole .debug_info and .debug_abbrev
** sections; unit_off: the unit header's offset.  NULL when the header or
** the abbreviations do not parse (the caller falls back or refuses). */
typedef struct dsc_unit dsc_unit;
dsc_unit *dsc_open(const uint8_t *info, size_t info_len, const uint8_t *abbrev_sec,
                   size_t abbrev_len, uint64_t unit_off, unsigned max_depth);
/* OR'ed into max_depth: `info` is .debug_types, whose DWARF 4 unit headers
** carry a type signature and offset (dwshim.c reads its type units). */
#define DSC_DEBUG_TYPES 0x80000000u
uint64_t dsc_offset(const dsc_unit *u);     /* the unit_off it was opened at */

/* dsc_open in two steps, for a reader that may need only the unit DIE:
** dsc_open_head parses the abbreviations only as far as the unit DIE's
** (usually the first of the table), enough for dsc_code_init,
** dsc_read_code of the unit DIE and dsc_ranges on it; dsc_open_rest
** parses the others before anything else is asked (0, or -1: the table
** does not parse, and the unit must be read another way). */
dsc_unit *dsc_open_head(const uint8_t *info, size_t info_len, const uint8_t *abbrev_sec,
                        size_t abbrev_len, uint64_t unit_off, unsigned max_depth);
int dsc_open_rest(dsc_unit *u);

/* Just the header of the unit at unit_off: its unit DIE's offset, the
** next unit's offset and the DWARF version; 0, or -1. */
int dsc_header(const uint8_t *info, size_t info_len, uint64_t unit_off, uint64_t *die_off,
               uint64_t *next, unsigned *version);
uint64_t dsc_unit_die(const dsc_unit *u);   /* offset of its unit DIE */

/* The offsets of every unit header in .debug_info, in order (malloc'd,
** *n entries), as far as the headers' lengths chain: 0 when they chain to
** the section's end, 1 when a header that does not parse ended the chain
** early, -1 when the section is missing (*v is then NULL). */
int dsc_unit_offsets(const uint8_t *info, size_t info_len, uint64_t **v, size_t *n);
void dsc_close(dsc_unit *u);

/* Appends the subprograms' offsets to *offs (capacity *cap, count *n;
** grown with hp_grow).  0 on success, -1: fall back. */
int dsc_subprograms(dsc_unit *u, int scoped, uint64_t **offs, size_t *n, size_t *cap);
/* The address at index idx of the unit's .debug_addr table (DW_OP_addrx,
** DW_FORM_addrx*), once dsc_code_init ran: 0, else -1. */
int dsc_addrx(const dsc_unit *u, uint64_t idx, uint64_t *addr);
/* The same for the variables at the top of the unit (and of its
** namespaces, and classes when scoped): globals and their declarations. */
int dsc_variables(dsc_unit *u, int scoped, uint64_t **offs, size_t *n, size_t *cap);

/* libdwarf steps over a DIE's children itself when the DIE has no
** DW_AT_sibling, following the DW_AT_sibling of the DIEs inside; one that
** points backwards makes dwarf_siblingof_b loop forever (found by
** fuzz/fz_dwarf).  1 when that step is safe: the subtree of the DIE at
** die_off parses, and every DW_AT_sibling in it points after its DIE and
** no further than the end of the enclosing subtree; 0 otherwise.  *end
** (when not NULL) is set to the offset just past the subtree, where the
** DIE's next sibling (or the end of its list) is. */
int dsc_subtree_ok(dsc_unit *u, uint64_t die_off, uint64_t *end);

/* What the abbreviation of the DIE at off says, without reading its
** attributes: DSC_LEAF (no children), DSC_KIDS_SIB (children and a
** DW_AT_sibling), DSC_KIDS (children, no DW_AT_sibling), or -1 when off
** is not the start of a DIE of this unit this reader can parse. */
enum { DSC_LEAF = 0, DSC_KIDS_SIB = 1, DSC_KIDS = 2 };
int dsc_die_shape(const dsc_unit *u, uint64_t off);

/* 1 when the entry at off ends its list (a null entry, or the unit's end):
** after dsc_subtree_ok, whether the DIE has a next sibling. */
int dsc_null_at(const dsc_unit *u, uint64_t off);

/* ---- supplementary files (dwz) ----
** dsc_attr_value: the attribute `at` of the DIE at off as written: 1 with its
** form and value (constants and references as numbers, unit-local
** references made section offsets, DW_FORM_GNU_ref_alt, ref_sup4/8,
** strp_sup and GNU_strp_alt as the offsets they are), 0 when the DIE has
** none or its form carries no number, -1 when the bytes do not parse.
** libdwarf 20210528 reads no value of DW_FORM_ref_sup4/8 (dwz -5).
** dsc_imports: the unit DIE's tag and DW_AT_language (0 when absent),
** and the DW_AT_import of every DW_TAG_imported_unit among its children
** (form and value as dsc_attr_value gives them), appended to *v (capacity
** *cap, count *n); 0, or -1 when the unit does not parse.  Needs the
** whole abbreviation table (dsc_open). */
typedef struct dsc_import {
    uint32_t form;
    uint64_t target;
} dsc_import;
int dsc_attr_value(dsc_unit *u, uint64_t off, uint32_t at, uint32_t *form, uint64_t *val);
int dsc_imports(dsc_unit *u, uint32_t *tag, uint64_t *lang, dsc_import **v, size_t *n,
                size_t *cap);

/* ---- function bodies (dwlines.c's scope walk) ----
** The DIEs under a subprogram -- blocks, inlined calls, variables, call
** sites -- read here instead of through libdwarf, which creates a
** Dwarf_Die per DIE, an attribute list per read and, for the first
** location list, a table of every list in .debug_loclists.  Values come
** out exactly as dwshim.h's dws_read_code, dws_ranges and dws_locations
** give them (tests/dwscan_check compares the two on whole binaries).
** Anything this reader does not take (a form or operation it does not
** know, an index without its base, a supplementary-file form) is -1 for
** that DIE or attribute only: the caller reads it through libdwarf. */

/* The sections values point into; any may be NULL. */
typedef struct dsc_sections {
    const uint8_t *str, *line_str, *str_offsets, *addr, *rnglists, *ranges, *loclists, *loc;
    size_t str_len, line_str_len, str_offsets_len, addr_len, rnglists_len, ranges_len,
           loclists_len, loc_len;
    const uint8_t *sup_str;      /* the supplementary file's .debug_str, for
                                    DW_FORM_GNU_strp_alt and DW_FORM_strp_sup */
    size_t sup_str_len;
} dsc_sections;

/* Fill s from an image's DWARF sections (ei_dwarf_section), sup_str from
** its supplementary file when img->alt is set. */
void dsc_sections_load(ei_image *img, dsc_sections *s);

/* Read the unit DIE's bases (DW_AT_str_offsets_base, addr_base,
** rnglists_base, loclists_base; DWARF 5 defaults otherwise) and its
** DW_AT_low_pc, the base of its range and location lists.  -1: the unit
** DIE does not parse (read nothing of this unit here). */
int dsc_code_init(dsc_unit *u, const dsc_sections *s);

/* The header of the line-number program at off in .debug_line (line,
** len): what decoding its rows needs, and where its directory and file
** tables (tables..tables_end) and its opcodes (prog..end) are.  0, or -1
** when it does not parse (version outside 2..5, sizes past the unit). */
typedef struct dsc_line_hdr {
    unsigned version, off_size;
    unsigned min_inst, line_range, opcode_base;
    int line_base;
    const uint8_t *std_len;             /* opcode_base - 1 operand counts */
    const uint8_t *tables, *tables_end;
    const uint8_t *prog, *end;
} dsc_line_hdr;
int dsc_line_header(const uint8_t *line, size_t len, uint64_t off, dsc_line_hdr *h);

/* The file names of the line table at off in .debug_line (line, len), as
** dwshim.h's dws_srcfiles gives them for a unit of DWARF version
** unit_version: indexed by the file register and DW_AT_decl_file (DWARF
** 2-4 from 1, entry 0 NULL; DWARF 5 from 0), each joined to its
** directory and, when that is relative, to comp_dir (the unit's
** DW_AT_comp_dir, or NULL).  *names and the strings are one malloc'd
** block (free(*names)); -1 when the header does not parse (as libdwarf
** would fail on it, or worse: fuzz/fz_dwarf found a header that makes
** dwarf_srcfiles ask calloc for 2^59 bytes), -2 when an entry uses a form
** this reader does not take (strx: a split unit's table). */
int dsc_file_names(const uint8_t *line, size_t len, uint64_t off, const char *comp_dir,
                   const dsc_sections *s, unsigned unit_version, char ***names,
                   uint64_t *count);

/* The unit DIE's DW_AT_comp_dir (NULL when absent) and DW_AT_language (0
** when absent), read by dsc_code_init. */
const char *dsc_comp_dir(const dsc_unit *u);
uint64_t dsc_language(const dsc_unit *u);

/* Navigation by offset: 1 and the offset, 0 when there is none, -1 when
** the bytes do not parse. */
int dsc_first_child(dsc_unit *u, uint64_t off, uint64_t *child);
int dsc_next_sibling(dsc_unit *u, uint64_t off, uint64_t *next);

/* A location-valued attribute as written: form (0: absent) and value,
** or the expression's bytes for the block forms. */
typedef struct dsc_attr {
    uint32_t form;
    uint64_t val;
    const uint8_t *blk;
    size_t blen;
} dsc_attr;

typedef struct dsc_code {
    dws_code_attrs a;
    dsc_attr ranges, location, frame_base, call_value, gnu_call_value;
    uint64_t after;             /* offset just past its attributes */
    uint64_t sib;               /* its DW_AT_sibling target (has_sib), or 0 */
    int has_sib;
} dsc_code;

/* The attributes of the DIE at off, as dws_read_code() reads them. */
int dsc_read_code(dsc_unit *u, uint64_t off, dsc_code *c);

/* dsc_next_sibling() of a DIE read by dsc_read_code, without parsing its
** attributes again (the scope walk reads every DIE it steps over). */
int dsc_sibling_of(dsc_unit *u, const dsc_code *c, uint64_t *next);

/* dws_ranges() of a DIE read by dsc_read_code, with the unit DIE's
** DW_AT_low_pc as the lists' base address. */
int dsc_ranges(dsc_unit *u, const dsc_code *c, dws_range **v, size_t *n, size_t *cap);

/* dws_locations() of one attribute of such a DIE. */
int dsc_locations(dsc_unit *u, const dsc_attr *at, dws_loc **v, size_t *n, size_t *cap);

#endif
