/*
** dwtypes.h -- the DWARF type loader: every struct/class/union definition
** in a file's .debug_info becomes a lay_type in a typeset.
**
** Contract: dt_load() reads the DWARF of `path` (through dwshim, never
** libdwarf directly) with `jobs` threads, each with its own handle over a
** disjoint set of compile units, and fills `out`.  The result does not
** depend on `jobs`.  Units are streamed: only one unit's DIE table per
** thread is in memory at a time, plus the deduplicated layouts.
*/
#ifndef DWTYPES_H
#define DWTYPES_H

#include <stdatomic.h>
#include <stdint.h>
#include "hp.h"
#include "typeset.h"

/* How far a type is followed through the types it is made of (typedefs,
** qualifiers, arrays, members and bases held by value, scopes): real code
** stays far below (a clang-built chain of 70 structs each holding the
** next by value is 70); a size, alignment or data size that would need
** more -- or a cycle, only in damaged input -- is not computed but
** counted, and the aggregate being built is flagged
** TF_DEEP | TF_INCOMPLETE.  The recursion is a few hundred bytes of stack
** a level. */
#define DT_TYPE_DEPTH 256

typedef struct dt_opts {
    uint32_t cacheline;      /* bytes, for lay_compute */
    int jobs;                /* worker threads (>= 1) */
    int progress;            /* print "units done/total" on stderr */
    int skip_functions;      /* do not look for types inside function bodies */
    int exact_dedup;         /* read every definition in full (no early dedup) */
    struct ei_image *image;  /* the file at path, opened by the caller, or NULL:
                                its decompressed sections stay for later stages */
    _Atomic uint32_t *progress_permille;  /* when not NULL: the share of the
                                units' bytes read so far, in permille, 1000
                                when dt_load returns (see hp_pace) */
} dt_opts;

typedef struct dt_result {
    typeset *types;          /* caller frees with ts_free */
    char *producer;          /* DW_AT_producer of the first unit (malloc'd) */
    uint64_t units;          /* compile units read */
    uint64_t dies;           /* DIEs visited */
    uint64_t aggregates;     /* aggregate definitions seen before dedup */
    lay_lang lang;           /* the most common unit language */
    uint64_t incomplete;     /* types with TF_INCOMPLETE (see ts_resolve) */
    uint64_t unresolved;     /* aggregates left out: their layout needs DIEs or
                                names of a supplementary file not loaded */
    char *first_unresolved;  /* the name of one of them (malloc'd), or NULL */
    uint64_t out_of_range;   /* definitions skipped: a size or member offset or
                                size beyond HP_MAX_OBJECT (a damaged or hostile
                                file: byte_size 2^63-1) */
    uint64_t out_of_range_die;  /* the DIE offset of the first (lowest) one */
    char *truncated_name;    /* the aggregate with more than HP_MAX_MEMBERS members
                                (TF_TRUNCATED) at the lowest DIE offset, malloc'd,
                                or NULL when there is none */
    uint64_t truncated_die;  /* its DIE offset */
    char *deep_name;         /* the same for TF_DEEP: a size or alignment needed a
                                type chain deeper than the loader follows */
    uint64_t deep_die;
    uint64_t missing_sigs;   /* references to type units the file does not hold
                                (dwshim.h: dws_gaps); the types needing them are
                                counted in `unresolved` */
    uint64_t split_units;    /* skeleton units (-gsplit-dwarf) met */
    uint64_t split_missing;  /* of them, read without their split unit (.dwo or
                                .dwp missing or not theirs): their types are
                                missing, and a member declared with a type left
                                undefined is MF_INCOMPLETE | MF_UNREAD */
    char *split_first;       /* the first such file and what is wrong (malloc'd) */
} dt_result;

int dt_load(const char *path, const dt_opts *opts, dt_result *out, hp_err *err);

#endif
