/*
** typeset.h -- the set of distinct layouts found in one binary.
**
** Contract: loaders add every aggregate definition they meet, from any
** thread; the set keeps one copy per distinct layout (lay_type.hash plus a
** full comparison, so a hash collision can never merge two layouts) and
** counts the compile units that defined it.  After ts_finish() the entries
** are in a deterministic order (kind, name, size, hash) whatever order
** they arrived in, so the database is identical whatever -j was, and every
** entry whose name also names another layout is flagged TF_CONFLICT.
** The declaration file/line kept is the one from the lowest unit index.
*/
#ifndef TYPESET_H
#define TYPESET_H

#include <stddef.h>
#include <stdint.h>
#include "layout.h"

typedef struct ts_entry {
    lay_type t;              /* deep copy owned by the set; derived fields set */
    uint32_t *order;         /* suggested member order (lay_compute_order) */
    uint32_t cu_count;
    uint64_t first_cu;       /* lowest unit index that defined it */
} ts_entry;

typedef struct typeset typeset;

typeset *ts_new(void);
void ts_free(typeset *s);

/* Add a computed layout (lay_compute_order already ran, leaving the
** suggested order in order[0..t->nmembers)) seen in unit cu_index.
** Thread-safe. The set copies everything it keeps.  Returns the entry
** (stable until ts_free) so loaders can adjust its unit count later. */
ts_entry *ts_add(typeset *s, const lay_type *t, const uint32_t *order, uint64_t cu_index);

/* Add delta (may be negative) to an entry's unit count, thread-safe.
** Entries whose count ends at 0 are dropped by ts_finish(). */
void ts_adjust(typeset *s, ts_entry *e, int64_t delta);

/* Sort and flag conflicts; call once, after all adds. */
void ts_finish(typeset *s);

size_t ts_count(const typeset *s);
ts_entry *ts_get(typeset *s, size_t i);

/* Typedef names of named aggregates (`typedef struct _object PyObject`):
** people search by either name.  Thread-safe; duplicates are dropped.
** After ts_finish() they are sorted by alias, then target. */
void ts_add_alias(typeset *s, const char *alias, const char *target);
size_t ts_alias_count(const typeset *s);
void ts_alias_get(const typeset *s, size_t i, const char **alias, const char **target);

#endif
