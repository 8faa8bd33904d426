/*
** typeset.c -- deduplicated layouts (see typeset.h).
**
** A header-defined struct appears once per compile unit that includes it:
** on vmlinux that is ~10^6 definitions of ~10^4 layouts, so the set is an
** open-addressing table keyed by the layout hash, guarded by one mutex
** (adds are short: the hash is precomputed by lay_compute, and a full
** comparison runs only when hashes match).
*/
#include "typeset.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "hp.h"

struct typeset {
    pthread_mutex_t mu;
    ts_entry **items;        /* insertion order until ts_finish sorts */
    size_t n, cap;
    size_t *slots;           /* open addressing: index+1, 0 = empty */
    size_t nslots;
    hp_arena arena;          /* names, members */
    struct alias { const char *alias, *target; uint64_t h; } *aliases;
    size_t nal, alcap;
    size_t *alslots;         /* open addressing over aliases: index+1 */
    size_t nalslots;
};

typeset *ts_new(void)
{
    typeset *s = hp_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->nslots = 1024;
    s->slots = hp_xcalloc(s->nslots, sizeof *s->slots);
    return s;
}

void ts_free(typeset *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->items[i]);
    free(s->items);
    free(s->slots);
    free(s->aliases);
    free(s->alslots);
    hp_arena_free(&s->arena);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static int streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static int same_layout(const lay_type *a, const lay_type *b)
{
    if (a->kind != b->kind || a->size != b->size || a->align != b->align ||
        a->nmembers != b->nmembers || a->flags != b->flags ||
        !streq(a->name, b->name))
        return 0;
    for (uint32_t i = 0; i < a->nmembers; i++) {
        const lay_member *x = &a->members[i], *y = &b->members[i];
        if (x->offset != y->offset || x->size != y->size || x->bitpos != y->bitpos ||
            x->bit_size != y->bit_size || x->align != y->align || x->flags != y->flags ||
            !streq(x->name, y->name) || !streq(x->type_name, y->type_name) ||
            x->data_size != y->data_size || x->ref_kind != y->ref_kind)
            return 0;
        if (x->ref_kind != LAY_REF_NONE &&
            (!streq(x->ref_name, y->ref_name) || x->ref_count != y->ref_count ||
             x->ref_flex != y->ref_flex || x->ref_size != y->ref_size ||
             x->ref_line != y->ref_line || !streq(x->ref_file, y->ref_file)))
            return 0;
    }
    return 1;
}

static const char *adup(hp_arena *a, const char *s)
{
    return s ? hp_arena_strdup(a, s) : NULL;
}

static void rehash(typeset *s)
{
    size_t ns = s->nslots * 2;
    size_t *slots = hp_xcalloc(ns, sizeof *slots);
    for (size_t i = 0; i < s->n; i++) {
        size_t h = (size_t)s->items[i]->t.hash & (ns - 1);
        while (slots[h])
            h = (h + 1) & (ns - 1);
        slots[h] = i + 1;
    }
    free(s->slots);
    s->slots = slots;
    s->nslots = ns;
}

ts_entry *ts_add(typeset *s, const lay_type *t, const uint32_t *order, uint64_t cu_index)
{
    pthread_mutex_lock(&s->mu);
    size_t h = (size_t)t->hash & (s->nslots - 1);
    while (s->slots[h]) {
        ts_entry *e = s->items[s->slots[h] - 1];
        if (e->t.hash == t->hash && same_layout(&e->t, t)) {
            e->cu_count++;
            if (cu_index < e->first_cu) {
                /* keep the declaration of the first unit, so the result
                ** does not depend on which thread got there first */
                e->first_cu = cu_index;
                e->t.decl_file = adup(&s->arena, t->decl_file);
                e->t.decl_line = t->decl_line;
            }
            pthread_mutex_unlock(&s->mu);
            return e;
        }
        h = (h + 1) & (s->nslots - 1);
    }
    ts_entry *e = hp_xcalloc(1, sizeof *e);
    e->t = *t;
    e->t.name = adup(&s->arena, t->name);
    e->t.decl_file = adup(&s->arena, t->decl_file);
    e->t.members = hp_arena_alloc(&s->arena, (t->nmembers ? t->nmembers : 1) * sizeof(lay_member));
    for (uint32_t i = 0; i < t->nmembers; i++) {
        e->t.members[i] = t->members[i];
        e->t.members[i].name = adup(&s->arena, t->members[i].name);
        e->t.members[i].type_name = adup(&s->arena, t->members[i].type_name);
        e->t.members[i].ref_name = adup(&s->arena, t->members[i].ref_name);
        e->t.members[i].ref_file = adup(&s->arena, t->members[i].ref_file);
    }
    e->order = hp_arena_alloc(&s->arena, (t->nmembers ? t->nmembers : 1) * sizeof *e->order);
    if (t->nmembers)
        memcpy(e->order, order, t->nmembers * sizeof *e->order);
    e->cu_count = 1;
    e->first_cu = cu_index;
    *HP_PUSH(s->items, s->n, s->cap) = e;
    s->slots[h] = s->n;
    if (s->n * 2 > s->nslots)
        rehash(s);
    pthread_mutex_unlock(&s->mu);
    return e;
}

void ts_adjust(typeset *s, ts_entry *e, int64_t delta)
{
    pthread_mutex_lock(&s->mu);
    int64_t v = (int64_t)e->cu_count + delta;
    e->cu_count = v < 0 ? 0 : (uint32_t)v;
    pthread_mutex_unlock(&s->mu);
}

void ts_add_alias(typeset *s, const char *alias, const char *target)
{
    uint64_t h = hp_hash_final(hp_hash_str(hp_hash_str(HP_HASH_INIT, alias), target));
    pthread_mutex_lock(&s->mu);
    if ((s->nal + 1) * 2 > s->nalslots) {
        size_t ns = s->nalslots ? s->nalslots * 2 : 256;
        size_t *sl = hp_xcalloc(ns, sizeof *sl);
        for (size_t i = 0; i < s->nal; i++) {
            size_t k = (size_t)s->aliases[i].h & (ns - 1);
            while (sl[k])
                k = (k + 1) & (ns - 1);
            sl[k] = i + 1;
        }
        free(s->alslots);
        s->alslots = sl;
        s->nalslots = ns;
    }
    size_t k = (size_t)h & (s->nalslots - 1);
    while (s->alslots[k]) {
        struct alias *a = &s->aliases[s->alslots[k] - 1];
        if (a->h == h && strcmp(a->alias, alias) == 0 && strcmp(a->target, target) == 0) {
            pthread_mutex_unlock(&s->mu);
            return;
        }
        k = (k + 1) & (s->nalslots - 1);
    }
    struct alias *a = HP_PUSH(s->aliases, s->nal, s->alcap);
    a->alias = hp_arena_strdup(&s->arena, alias);
    a->target = hp_arena_strdup(&s->arena, target);
    a->h = h;
    s->alslots[k] = s->nal;
    pthread_mutex_unlock(&s->mu);
}

static int cmp_alias(const void *pa, const void *pb)
{
    const struct alias *a = pa, *b = pb;
    int c = strcmp(a->alias, b->alias);
    return c ? c : strcmp(a->target, b->target);
}

size_t ts_alias_count(const typeset *s)
{
    return s->nal;
}

void ts_alias_get(const typeset *s, size_t i, const char **alias, const char **target)
{
    *alias = s->aliases[i].alias;
    *target = s->aliases[i].target;
}

/* ---- cross-unit resolution (ts_resolve) ---- */

/* Bytes of a layout that hold data when it is a base: all of it, except
** for a class with virtual bases, whose virtual bases live elsewhere in a
** derived object (dwtypes.c's nv_dsize, from the finished layout). */
static uint64_t entry_dsize(const lay_type *t)
{
    if (!(t->flags & TF_VIRTUAL_BASE))
        return t->size;
    uint64_t end = 0;
    for (uint32_t i = 0; i < t->nmembers; i++) {
        const lay_member *m = &t->members[i];
        if (m->flags & MF_VIRTUAL)
            continue;
        uint64_t e = m->bit_size ? (m->bitpos + m->bit_size + 7) / 8
                                 : m->offset + (m->data_size ? m->data_size : m->size);
        if (e > end)
            end = e;
    }
    return end < t->size ? end : t->size;
}

/* An empty class: one byte, no data; its members (if any) are empty
** bases that take no storage. */
static int entry_empty(const lay_type *t)
{
    if (t->size != 1 || t->kind == LAY_UNION)
        return 0;
    for (uint32_t i = 0; i < t->nmembers; i++)
        if (!(t->members[i].flags & MF_BASE) || t->members[i].size != 0)
            return 0;
    return 1;
}

/* Whether member i's byte lies inside another member's storage: an
** empty member placed there ([[no_unique_address]]) holds no byte of its
** own; one that is not (an ordinary member of an empty class) does. */
static int laid_over(const lay_type *t, uint32_t i)
{
    const lay_member *m = &t->members[i];
    for (uint32_t j = 0; j < t->nmembers; j++) {
        const lay_member *o = &t->members[j];
        if (j == i || o->ref_kind == LAY_REF_EMPTY || (o->flags & MF_VIRTUAL) || o->size == 0)
            continue;
        uint64_t lo = o->bit_size ? o->bitpos / 8 : o->offset;
        uint64_t hi = o->bit_size ? (o->bitpos + o->bit_size + 7) / 8 : o->offset + o->size;
        if (m->offset >= lo && m->offset < hi)
            return 1;
    }
    return 0;
}

enum { RS_DONE = 0, RS_PENDING = 1 };

typedef struct byname { const char *name; size_t idx; } byname;

typedef struct resolver {
    typeset *s;
    byname *byname;          /* every item, sorted by name */
    uint8_t *state;          /* per item: RS_* */
} resolver;

static int cmp_byname(const void *pa, const void *pb)
{
    const byname *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    return c ? c : a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The definition member m refers to: 0 found (*out), 1 a candidate is not
** final yet, -1 none or ambiguous. */
static int ref_pick(const resolver *r, size_t self, const lay_member *m, ts_entry **out)
{
    const typeset *s = r->s;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(r->byname[mid].name, m->ref_name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < s->n && strcmp(r->byname[end].name, m->ref_name) == 0)
        end++;
    int by_decl = 0;
    for (int pass = 0; pass < 2; pass++) {
        ts_entry *best = NULL;
        int wait = 0, amb = 0, any_decl = 0;
        for (size_t i = lo; i < end; i++) {
            size_t idx = r->byname[i].idx;
            ts_entry *e = s->items[idx];
            if (idx == self || e->cu_count == 0)
                continue;
            if ((m->ref_kind == LAY_REF_ALIGN || m->ref_kind == LAY_REF_EMPTY) &&
                e->t.size != m->ref_size)
                continue;
            int decl = m->ref_line != 0 && e->t.decl_line == m->ref_line &&
                       m->ref_file != NULL && streq(e->t.decl_file, m->ref_file);
            any_decl |= decl;
            if (by_decl && !decl)
                continue;
            if (r->state[idx] == RS_PENDING) {
                wait = 1;
                continue;
            }
            if (e->t.flags & TF_INCOMPLETE) {
                amb = 1;
                continue;
            }
            if (best == NULL)
                best = e;
            else if (best->t.size != e->t.size || best->t.align != e->t.align ||
                     entry_dsize(&best->t) != entry_dsize(&e->t))
                amb = 1;
        }
        if (wait)
            return 1;
        if (best != NULL && !amb) {
            *out = best;
            return 0;
        }
        if (by_decl || !any_decl)
            return -1;
        by_decl = 1;         /* several layouts: the one declared where the reference says */
    }
    return -1;
}

/* Resolve what can be of entry idx; 1 when it is final (laid out again). */
static int resolve_entry(resolver *r, size_t idx, uint32_t cacheline, int force)
{
    ts_entry *e = r->s->items[idx];
    lay_type *t = &e->t;
    int waiting = 0;
    for (uint32_t i = 0; i < t->nmembers; i++) {
        lay_member *m = &t->members[i];
        if (m->ref_kind == LAY_REF_NONE)
            continue;
        ts_entry *d = NULL;
        int rc = ref_pick(r, idx, m, &d);
        if (rc == 1 && !force) {
            waiting = 1;
            continue;
        }
        if (rc != 0 && m->ref_kind == LAY_REF_EMPTY) {
            /* not known to be empty: it keeps its byte */
        } else if (rc == 0 && m->ref_kind == LAY_REF_EMPTY) {
            /* empty: as a base, or laid over another member; a class of
            ** one byte laid over another member (std::_Tuple_impl<1,
            ** default_delete<T>> on the pointer of a unique_ptr) takes no
            ** storage either, whatever members DWARF gives it: that byte
            ** is the other member's */
            int over = t->kind != LAY_UNION && !(m->flags & MF_VARIANT) && laid_over(t, i);
            if ((entry_empty(&d->t) && (m->flags & MF_BASE)) || over) {
                m->size = 0;
                m->flags |= MF_EMPTY;
            }
        } else if (rc != 0) {
            /* never guessed: the member (a declaration) or the alignment
            ** of its type is unknown */
            if (m->ref_kind == LAY_REF_DECL)
                m->flags |= MF_INCOMPLETE;
            t->flags |= TF_INCOMPLETE;
        } else if (m->ref_kind == LAY_REF_DECL) {
            m->size = m->ref_flex ? 0 : (m->ref_count != 0 && d->t.size > UINT64_MAX / m->ref_count
                                         ? UINT64_MAX : m->ref_count * d->t.size);
            if (!(m->flags & MF_ALIGNED))
                m->align = d->t.align ? d->t.align : 1;
            if (m->flags & MF_BASE) {
                uint64_t ds = entry_dsize(&d->t);
                m->data_size = ds < m->size ? ds : 0;
                if (entry_empty(&d->t)) {
                    m->size = 0;       /* an empty base takes no storage */
                    m->flags |= MF_EMPTY;
                }
            }
        } else {
            if (!(m->flags & MF_ALIGNED))
                m->align = d->t.align ? d->t.align : 1;
            if (m->size == 1 && m->bit_size == 0 && entry_empty(&d->t) && t->kind != LAY_UNION &&
                ((m->flags & MF_BASE) || laid_over(t, i))) {
                m->size = 0;       /* (LAY_REF_EMPTY's case, when also tainted) */
                m->flags |= MF_EMPTY;
            }
        }
        if (rc == 0 || force)
            m->ref_kind = LAY_REF_NONE;
    }
    if (waiting)
        return 0;
    t->flags &= ~(uint32_t)TF_PACKED;
    t->align = t->given_align;
    lay_compute_order(t, cacheline, e->order);
    r->state[idx] = RS_DONE;
    return 1;
}

size_t ts_resolve(typeset *s, uint32_t cacheline)
{
    size_t npending = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i]->cu_count > 0 && lay_has_refs(&s->items[i]->t))
            npending++;
    if (npending == 0) {
        /* (a loader may have marked types incomplete itself: MF_UNREAD) */
        size_t incomplete = 0;
        for (size_t i = 0; i < s->n; i++)
            incomplete += s->items[i]->cu_count > 0 && (s->items[i]->t.flags & TF_INCOMPLETE);
        return incomplete;
    }
    resolver r = { s, hp_xmalloc(s->n * sizeof(byname)), hp_xcalloc(s->n, 1) };
    size_t *pend = hp_xmalloc(npending * sizeof *pend);
    size_t np = 0;
    for (size_t i = 0; i < s->n; i++) {
        r.byname[i].name = s->items[i]->t.name ? s->items[i]->t.name : "";
        r.byname[i].idx = i;
        if (s->items[i]->cu_count > 0 && lay_has_refs(&s->items[i]->t)) {
            r.state[i] = RS_PENDING;
            pend[np++] = i;
        }
    }
    qsort(r.byname, s->n, sizeof *r.byname, cmp_byname);
    /* a type is final once the types it refers to are: passes until no
    ** progress, then (a cycle, only in malformed input) what is left */
    int force = 0;
    while (np > 0) {
        size_t kept = 0;
        for (size_t i = 0; i < np; i++)
            if (!resolve_entry(&r, pend[i], cacheline, force))
                pend[kept++] = pend[i];
        if (kept == np)
            force = 1;
        np = kept;
    }
    free(pend);
    free(r.byname);
    free(r.state);
    /* layouts that became equal (one unit resolved a class locally,
    ** another through the set) are one entry again */
    memset(s->slots, 0, s->nslots * sizeof *s->slots);
    size_t kept = 0, incomplete = 0;
    for (size_t i = 0; i < s->n; i++) {
        ts_entry *e = s->items[i];
        size_t h = (size_t)e->t.hash & (s->nslots - 1);
        ts_entry *same = NULL;
        while (e->cu_count > 0 && s->slots[h]) {
            ts_entry *x = s->items[s->slots[h] - 1];
            if (x->t.hash == e->t.hash && same_layout(&x->t, &e->t)) {
                same = x;
                break;
            }
            h = (h + 1) & (s->nslots - 1);
        }
        if (same) {
            same->cu_count += e->cu_count;
            if (e->first_cu < same->first_cu) {
                same->first_cu = e->first_cu;
                same->t.decl_file = e->t.decl_file;
                same->t.decl_line = e->t.decl_line;
            }
            free(e);
            continue;
        }
        s->items[kept++] = e;
        if (e->cu_count > 0) {
            s->slots[h] = kept;
            incomplete += (e->t.flags & TF_INCOMPLETE) != 0;
        }
    }
    s->n = kept;
    return incomplete;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const ts_entry *a = *(ts_entry *const *)pa, *b = *(ts_entry *const *)pb;
    int c = strcmp(a->t.name ? a->t.name : "", b->t.name ? b->t.name : "");
    if (c)
        return c;
    if (a->t.kind != b->t.kind)
        return a->t.kind < b->t.kind ? -1 : 1;
    if (a->t.size != b->t.size)
        return a->t.size < b->t.size ? -1 : 1;
    if (a->t.hash != b->t.hash)
        return a->t.hash < b->t.hash ? -1 : 1;
    return 0;
}

void ts_finish(typeset *s)
{
    /* drop entries whose every unit was re-attributed (see ts_adjust) */
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i]->cu_count == 0)
            free(s->items[i]);
        else
            s->items[kept++] = s->items[i];
    }
    s->n = kept;
    if (s->n > 1)      /* items is NULL when nothing was added (UBSan) */
        qsort(s->items, s->n, sizeof *s->items, cmp_entry);
    if (s->nal)
        qsort(s->aliases, s->nal, sizeof *s->aliases, cmp_alias);
    free(s->alslots);        /* slots are stale after sorting; no adds follow */
    s->alslots = NULL;
    s->nalslots = 0;
    /* after sorting, equal names are adjacent */
    for (size_t i = 0; i < s->n;) {
        size_t j = i + 1;
        while (j < s->n && streq(s->items[j]->t.name, s->items[i]->t.name))
            j++;
        if (j - i > 1 && s->items[i]->t.name != NULL)
            for (size_t k = i; k < j; k++)
                s->items[k]->t.flags |= TF_CONFLICT;
        i = j;
    }
}

size_t ts_count(const typeset *s)
{
    return s->n;
}

ts_entry *ts_get(typeset *s, size_t i)
{
    return i < s->n ? s->items[i] : NULL;
}
