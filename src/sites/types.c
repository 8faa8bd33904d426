/*
** sites/types.c -- the binary's types as the attribution looks them up.
**
** Contract: si_ti_load() indexes the final type set (by name tail and by
** size) without reading the database; si_ti_find() is the row a DWARF
** aggregate denotes (name, then size, declaration line and file decide;
** NULL when undecided); si_store_fits() says whether a store through the
** pointer fits a type's members.  The index only reads the type set.
*/
#include "sites/internal.h"

/* Is t a type of the toolchain or the system rather than of the program
** (declared under /usr/ or a Rust toolchain's library, or in std, core
** or alloc)? */
int si_toolchain_type(const trow *t)
{
    /* crates Rust's standard library is built from */
    static const char *const std_crates[] = {
        "std::", "core::", "alloc::", "gimli::", "addr2line::", "object::", "hashbrown::",
        "miniz_oxide::", "rustc_demangle::", "memchr::", "adler::", "adler2::",
        "std_detect::", "panic_unwind::", "unwind::",
    };
    const char *f = t->decl_file ? t->decl_file : "";
    const char *n = t->name ? t->name : "";
    if (strncmp(f, "/usr/", 5) == 0 || strncmp(f, "/rustc/", 7) == 0 ||
        strstr(f, "/library/") != NULL)
        return 1;
    if (n[0] == '(' || n[0] == '&' || n[0] == '[' || n[0] == '*')
        return 1;                /* Rust tuples, references, slices: compiler-made */
    for (size_t i = 0; i < sizeof std_crates / sizeof std_crates[0]; i++)
        if (strncmp(n, std_crates[i], strlen(std_crates[i])) == 0)
            return 1;
    return 0;
}

/* the last component of a qualified name: "ns::A<b::c>::T" -> "T" */
static const char *name_tail(const char *s)
{
    const char *t = s;
    int depth = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '<' || *p == '(')
            depth++;
        else if ((*p == '>' || *p == ')') && depth > 0)
            depth--;
        else if (depth == 0 && p[0] == ':' && p[1] == ':')
            t = p + 2;
    }
    return t;
}

/* qsort has no context argument; sorting happens in one thread */
static const tindex *ti_sorting;
static int cmp_tail(const void *a, const void *b)
{
    const trow *x = &ti_sorting->rows[*(const uint32_t *)a];
    const trow *y = &ti_sorting->rows[*(const uint32_t *)b];
    int c = strcmp(x->tail, y->tail);
    return c ? c : (x->tsi < y->tsi ? -1 : x->tsi > y->tsi);
}
static int cmp_size(const void *a, const void *b)
{
    const trow *x = &ti_sorting->rows[*(const uint32_t *)a];
    const trow *y = &ti_sorting->rows[*(const uint32_t *)b];
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return x->tsi < y->tsi ? -1 : x->tsi > y->tsi;
}

/* The binary's types (enums aside), from the type set they are stored
** from: every value is the one its types or members row holds, without
** reading the rows back; row ids (ascending with the type set's order)
** are looked up only when the sites are written. */
void si_ti_load(tindex *ti, typeset *types)
{
    memset(ti, 0, sizeof *ti);
    size_t n = ts_count(types), cap = 0;
    for (size_t i = 0; i < n; i++) {
        const lay_type *t = &ts_get(types, i)->t;
        if (t->kind == LAY_ENUM_DATA)
            continue;
        trow *r = HP_PUSH(ti->rows, ti->n, cap);
        memset(r, 0, sizeof *r);
        r->tsi = (uint32_t)i;
        r->name = t->name ? t->name : "(anonymous)";    /* as st_add_types stores it */
        r->tail = name_tail(r->name);
        r->size = t->size;
        r->decl_file = t->decl_file;
        r->decl_line = t->decl_line < UINT32_MAX ? t->decl_line : 0;
        r->t = t;
    }
    ti->by_tail = hp_xmalloc((ti->n + 1) * sizeof *ti->by_tail);
    ti->by_size = hp_xmalloc((ti->n + 1) * sizeof *ti->by_size);
    for (size_t i = 0; i < ti->n; i++)
        ti->by_tail[i] = ti->by_size[i] = (uint32_t)i;
    ti_sorting = ti;
    qsort(ti->by_tail, ti->n, sizeof *ti->by_tail, cmp_tail);
    qsort(ti->by_size, ti->n, sizeof *ti->by_size, cmp_size);
    ti_sorting = NULL;
}

void si_ti_free(tindex *ti)
{
    for (size_t i = 0; i < ti->n; i++)
        free(ti->rows[i].mem);
    free(ti->rows);
    free(ti->by_tail);
    free(ti->by_size);
    memset(ti, 0, sizeof *ti);
}

/* May a store write part of this member (an array or an aggregate)?
** From the rendered type name and flags (MF_BASE, MF_ANON, MF_EMBEDDED). */
static int is_compound(const char *tn, uint64_t size, uint32_t flags)
{
    if (flags & (0x0002 | 0x0020 | 0x0040))
        return 1;
    if (tn == NULL)
        return size > 8;
    size_t n = strlen(tn);
    if (n > 0 && tn[n - 1] == ']')
        return 1;
    if (strncmp(tn, "struct ", 7) == 0 || strncmp(tn, "union ", 6) == 0 ||
        strncmp(tn, "class ", 6) == 0)
        return 1;
    if (strchr(tn, '*'))
        return 0;
    return size > 16;
}

void si_ti_members(trow *r)
{
    if (r->mem_loaded)
        return;
    r->mem_loaded = 1;
    size_t cap = 0, n = 0;
    for (uint32_t i = 0; i < r->t->nmembers; i++) {
        const lay_member *lm = &r->t->members[i];
        if (lm->flags & MF_VIRTUAL)     /* no fixed offset */
            continue;
        tmem *m = HP_PUSH(r->mem, n, cap);
        m->off = lm->offset;
        m->size = lm->size;
        m->bit_size = lm->bit_size;
        m->compound = (uint8_t)is_compound(lm->type_name, m->size, lm->flags);
    }
    r->nmem = (uint32_t)n;
}

/* Rows whose size is exactly `size`: [*lo, *hi) in by_size. */
void si_ti_size_range(const tindex *ti, uint64_t size, size_t *lo, size_t *hi)
{
    size_t a = 0, b = ti->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (ti->rows[ti->by_size[m]].size < size)
            a = m + 1;
        else
            b = m;
    }
    *lo = a;
    b = ti->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (ti->rows[ti->by_size[m]].size <= size)
            a = m + 1;
        else
            b = m;
    }
    *hi = a;
}

static const char *base_of(const char *p)
{
    const char *s = p ? strrchr(p, '/') : NULL;
    return s ? s + 1 : p;
}

/* The row a DWARF aggregate denotes, or NULL: the name must match the
** row's name or its last component(s); then size, declaration line and
** file decide between layouts of one name. */
trow *si_ti_find(tindex *ti, const char *name, uint64_t size, const char *decl_file,
                     uint32_t decl_line, uint64_t want_size)
{
    if (name == NULL || ti->n == 0)
        return NULL;
    const char *tail = name_tail(name);
    size_t a = 0, b = ti->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (strcmp(ti->rows[ti->by_tail[m]].tail, tail) < 0)
            a = m + 1;
        else
            b = m;
    }
    trow *best = NULL;
    int best_score = -1, ties = 0;
    size_t lt = strlen(name);
    for (size_t i = a; i < ti->n; i++) {
        trow *r = &ti->rows[ti->by_tail[i]];
        if (strcmp(r->tail, tail) != 0)
            break;
        size_t ln = strlen(r->name);
        if (ln < lt || strcmp(r->name + ln - lt, name) != 0 ||
            (ln > lt && !(ln >= lt + 2 && r->name[ln - lt - 1] == ':')))
            continue;
        int score = 0;
        if (size > 0) {
            if (r->size != size)
                continue;
            score += 4;
        } else if (want_size > 0 && r->size == want_size) {
            score += 2;
        }
        if (decl_line && r->decl_line == decl_line)
            score += 2;
        if (decl_file && r->decl_file && strcmp(base_of(decl_file), base_of(r->decl_file)) == 0)
            score += 1;
        if (ln == lt)
            score += 1;
        if (score > best_score) {
            best = r;
            best_score = score;
            ties = 0;
        } else if (score == best_score) {
            ties++;
        }
    }
    /* a declaration-only name that several layouts share is not decided */
    if (best && size == 0 && ties > 0 && best_score < 2)
        return NULL;
    return best;
}

/* Does a store of `width` bytes at `off` fit r's members: exactly one
** member, inside an array/aggregate/bitfield member, or a run of whole
** members (vectorised initialisation), padding included? */
int si_store_fits(const trow *r, int64_t off, uint32_t width)
{
    if (off < 0 || (uint64_t)off + width > r->size)
        return 0;
    uint64_t o = (uint64_t)off, e = o + width;
    for (uint32_t i = 0; i < r->nmem; i++) {
        const tmem *m = &r->mem[i];
        if (m->off == o && m->size == width)
            return 1;
        if (m->off <= o && e <= m->off + m->size && (m->compound || m->bit_size > 0))
            return 1;
    }
    int start_ok = 0, end_ok = e == r->size, any = 0;
    for (uint32_t i = 0; i < r->nmem; i++) {
        const tmem *m = &r->mem[i];
        uint64_t me = m->off + m->size;
        if (m->off < e && o < me) {
            if (m->off < o || me > e)
                return 0;       /* a member would be cut */
            any = 1;
        }
        if (m->off == o || me == o)
            start_ok = 1;
        if (me == e || m->off == e)
            end_ok = 1;
    }
    return any && start_ok && end_ok;
}

