/*
** dwcode.h -- the values the code-side DWARF readers give: a code DIE's
** attributes, address ranges, decoded location expressions.
**
** Contract: plain C types and two small helpers, no library and no I/O.
** Both readers fill them the same way -- dwshim.c through libdwarf
** (dws_read_code, dws_ranges, dws_locations) and dwscan.c from the raw
** section bytes (dsc_read_code, dsc_ranges, dsc_locations) -- so their
** callers (dwlines.c) cannot tell which one read a DIE.  This header is
** what the two share; neither includes the other's header for it
** (dwshim.c uses dwscan.h, never the reverse).
*/
#ifndef DWCODE_H
#define DWCODE_H

#include <stddef.h>
#include <stdint.h>

#define DWC_LOW_PC        0x0001u
#define DWC_HIGH_PC       0x0002u   /* high_pc is resolved to an address */
#define DWC_RANGES        0x0004u
#define DWC_CALL_FILE     0x0008u
#define DWC_CALL_LINE     0x0010u
#define DWC_RETURN_PC     0x0020u   /* DW_AT_call_return_pc, or the low_pc of
                                       a DW_TAG_GNU_call_site */
#define DWC_LOCATION      0x0040u
#define DWC_FRAME_BASE    0x0080u
#define DWC_CALL_VALUE    0x0100u   /* DW_AT_call_value / GNU_call_site_value */
#define DWC_TYPE          0x0200u
#define DWC_ORIGIN        0x0400u   /* DW_AT_abstract_origin */
#define DWC_SPECIFICATION 0x0800u
#define DWC_CALL_ORIGIN   0x1000u
#define DWC_ARTIFICIAL    0x2000u
#define DWC_DECLARATION   0x4000u
#define DWC_BYTE_SIZE     0x8000u
#define DWC_DECL_FILE     0x10000u
#define DWC_DECL_LINE     0x20000u
#define DWC_GO_RUNTIME_TYPE 0x40000u
#define DWC_NAME          0x80000u
#define DWC_LINKAGE_NAME  0x100000u
#define DWC_CALL_PC       0x200000u
#define DWC_ENTRY_PC      0x400000u
#define DWC_STMT_LIST     0x800000u   /* unit's offset in .debug_line */
#define DWC_ALLOC_TYPE    0x1000000u  /* DW_AT_LLVM_alloc_type (0x3e0e, clang 22:
                                         the type a `new` call site allocates) */
#define DWC_CONST_VALUE   0x2000000u  /* DW_AT_const_value in a constant form
                                         (a parameter the compiler propagated) */

typedef struct dws_code_attrs {
    uint64_t off;
    uint32_t has;                /* DWC_* */
    uint16_t tag;
    uint8_t has_children;
    const char *name;
    const char *linkage_name;
    uint64_t low_pc, high_pc;
    uint64_t entry_pc;
    uint64_t call_file, call_line;
    uint64_t return_pc;
    uint64_t call_pc;
    uint64_t type, origin, specification, call_origin;   /* global offsets */
    uint64_t byte_size;
    uint64_t decl_file, decl_line;
    uint64_t go_runtime_type;
    uint64_t stmt_list;
    uint64_t alloc_type;         /* global offset */
    uint64_t const_value;        /* as an unsigned number */
} dws_code_attrs;

/* The last step of reading a code DIE, whoever read its attributes (also
** dwscan.c): DW_AT_high_pc (an address, or an offset from low_pc) into
** high_pc, and gcc's pre-DWARF-5 call sites' low_pc as their return pc. */
void dws_code_finish(dws_code_attrs *a, uint64_t high, int have_high, int high_is_offset);

typedef struct dws_range {
    uint64_t lo, hi;             /* [lo, hi) */
} dws_range;

/* Append [lo, hi) to a range vector unless it is empty. */
void dws_push_range(dws_range **v, size_t *n, size_t *cap, uint64_t lo, uint64_t hi);

#define DWS_MAX_OPS 6
typedef struct dws_op {
    uint8_t op;                  /* DW_OP_* */
    uint64_t n1, n2;             /* decoded operands */
} dws_op;

typedef struct dws_loc {
    uint64_t lo, hi;             /* pc range; 0, UINT64_MAX for a single
                                    expression valid everywhere */
    uint8_t nops;
    uint8_t truncated;           /* had more than DWS_MAX_OPS operations */
    dws_op ops[DWS_MAX_OPS];
} dws_loc;

#endif
