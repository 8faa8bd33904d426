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

/* Cross-unit resolution, once after all adds and before ts_finish().
** A member typed by a class that its unit only declares (gcc writes a
** class with a key function in that function's unit only; clang's
** -fno-standalone-debug more) carries LAY_REF_DECL and the class's
** qualified name: it gets the size, alignment and data size of the
** set's definition of that name -- when several layouts bear the name,
** the one declared at the reference's file:line, and only if what is
** left agrees on size, alignment and data size.  A member whose type's
** alignment depended on such a declaration (LAY_REF_ALIGN) gets the
** alignment of the definition by name and size.  Each type with such
** members is laid out again (lay_compute_order with `cacheline`) once
** the types it refers to are final, and layouts that became equal are
** merged.  What cannot be resolved is never guessed: the member gets
** MF_INCOMPLETE, its type TF_INCOMPLETE (also when a member's type is
** itself incomplete).  Returns the number of incomplete types. */
size_t ts_resolve(typeset *s, uint32_t cacheline);

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
