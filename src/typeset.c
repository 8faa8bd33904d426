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
            !streq(x->name, y->name) || !streq(x->type_name, y->type_name))
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
