/*
** dwscan.c -- implementation of dwscan.h: the raw top-level DIE scan.
**
** A cursor (cur) never reads past its end; any failure sets cur.bad and
** makes every later read return 0, so the walk can check once per DIE.
*/
#include "dwscan.h"

#include <stdlib.h>
#include <string.h>

#include "hp.h"

#define TAG_class       0x02
#define TAG_structure   0x13
#define TAG_subprogram  0x2e
#define TAG_namespace   0x39
#define AT_sibling      0x01
#define AT_low_pc       0x11
#define AT_ranges       0x55

/* Abbreviation codes above this fall back (they index a plain array). */
#define MAX_CODE  (1u << 20)

typedef struct cur {
    const uint8_t *p, *end;
    int bad;
} cur;

static uint64_t rd(cur *c, size_t n)
{
    if (c->bad || (size_t)(c->end - c->p) < n) {
        c->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | c->p[i];
    c->p += n;
    return v;
}

static void skip(cur *c, uint64_t n)
{
    if (c->bad || (uint64_t)(c->end - c->p) < n) {
        c->bad = 1;
        return;
    }
    c->p += n;
}

static uint64_t uleb(cur *c)
{
    uint64_t v = 0;
    for (unsigned sh = 0; !c->bad; sh += 7) {
        if (c->p >= c->end || sh > 63) {
            c->bad = 1;
            return 0;
        }
        uint8_t b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80))
            return v;
    }
    return 0;
}

static void skip_leb(cur *c)
{
    while (!c->bad) {
        if (c->p >= c->end) {
            c->bad = 1;
            return;
        }
        if (!(*c->p++ & 0x80))
            return;
    }
}

/* One attribute specification of an abbreviation. */
typedef struct spec {
    uint32_t at, form;
} spec;

typedef struct abbrev {
    uint32_t tag;
    uint32_t first, nspec;      /* into unit.specs */
    uint8_t children;
    uint8_t has_code;           /* DW_AT_low_pc or DW_AT_ranges */
    uint8_t defined;
} abbrev;

struct dsc_unit {
    abbrev *ab;                 /* indexed by code */
    size_t nab;
    spec *specs;
    size_t nspecs, speccap;
    uint64_t start, end;        /* unit header offset, end of the unit */
    uint64_t first;             /* offset of the unit DIE */
    unsigned version, addr_size, off_size;
    const uint8_t *info;
    size_t info_len;
    unsigned max_depth;
    /* dsc_subprograms' current call */
    int scoped;
    uint64_t **offs;
    size_t *n, *cap;
};
typedef struct dsc_unit unit;

static int read_abbrevs(unit *u, const uint8_t *sec, size_t len, uint64_t off)
{
    if (off >= len)
        return -1;
    cur c = { sec + off, sec + len, 0 };
    size_t abcap = 0;
    for (;;) {
        uint64_t code = uleb(&c);
        if (c.bad)
            return -1;
        if (code == 0)
            return 0;
        if (code >= MAX_CODE)
            return -1;
        if (code >= u->nab) {
            size_t need = (size_t)code + 1;
            hp_grow((void **)&u->ab, &abcap, need, sizeof *u->ab);
            memset(u->ab + u->nab, 0, (need - u->nab) * sizeof *u->ab);
            u->nab = need;
        }
        abbrev *a = &u->ab[code];
        if (a->defined)
            return -1;              /* duplicate code: let libdwarf decide */
        a->defined = 1;
        a->tag = (uint32_t)uleb(&c);
        a->children = (uint8_t)rd(&c, 1);
        a->first = (uint32_t)u->nspecs;
        for (;;) {
            uint64_t at = uleb(&c), form = uleb(&c);
            if (c.bad)
                return -1;
            if (at == 0 && form == 0)
                break;
            if (form == 0x21)       /* DW_FORM_implicit_const: value lives here */
                skip_leb(&c);
            spec *s = HP_PUSH(u->specs, u->nspecs, u->speccap);
            s->at = (uint32_t)at;
            s->form = (uint32_t)form;
            if (at == AT_low_pc || at == AT_ranges)
                a->has_code = 1;
        }
        a->nspec = (uint32_t)(u->nspecs - a->first);
    }
}

/* Step over one attribute value; returns the value for the constant and
** reference forms a DW_AT_sibling may use (else 0). */
static uint64_t skip_form(const unit *u, cur *c, uint32_t form, int depth)
{
    switch (form) {
    case 0x01: skip(c, u->addr_size); return 0;                 /* addr */
    case 0x0b: case 0x0c: case 0x25: case 0x29:                 /* data1 flag strx1 addrx1 */
        return rd(c, 1);
    case 0x11: return rd(c, 1);                                 /* ref1 */
    case 0x05: case 0x26: case 0x2a: return rd(c, 2);           /* data2 strx2 addrx2 */
    case 0x12: return rd(c, 2);                                 /* ref2 */
    case 0x27: case 0x2b: return rd(c, 3);                      /* strx3 addrx3 */
    case 0x06: case 0x28: case 0x2c: case 0x1c: return rd(c, 4); /* data4 strx4 addrx4 ref_sup4 */
    case 0x13: return rd(c, 4);                                 /* ref4 */
    case 0x07: case 0x20: case 0x24: return rd(c, 8);           /* data8 ref_sig8 ref_sup8 */
    case 0x14: return rd(c, 8);                                 /* ref8 */
    case 0x1e: skip(c, 16); return 0;                           /* data16 */
    case 0x0e: case 0x17: case 0x1f: case 0x1d:                 /* strp sec_offset line_strp strp_sup */
    case 0x1f20: case 0x1f21:                                   /* GNU_ref_alt GNU_strp_alt */
        skip(c, u->off_size);
        return 0;
    case 0x10:                                                  /* ref_addr: global */
        return rd(c, u->version <= 2 ? u->addr_size : u->off_size);
    case 0x08: {                                                /* string */
        const uint8_t *z = c->bad ? NULL : memchr(c->p, 0, (size_t)(c->end - c->p));
        if (z == NULL)
            c->bad = 1;
        else
            c->p = z + 1;
        return 0;
    }
    case 0x0a: skip(c, rd(c, 1)); return 0;                     /* block1 */
    case 0x03: skip(c, rd(c, 2)); return 0;                     /* block2 */
    case 0x04: skip(c, rd(c, 4)); return 0;                     /* block4 */
    case 0x09: case 0x18: skip(c, uleb(c)); return 0;           /* block exprloc */
    case 0x0f: case 0x1a: case 0x22: case 0x23:                 /* udata strx loclistx rnglistx */
    case 0x1b: case 0x1f01: case 0x1f02:                        /* addrx GNU_addr_index GNU_str_index */
        return uleb(c);
    case 0x15: return uleb(c);                                  /* ref_udata */
    case 0x0d: skip_leb(c); return 0;                           /* sdata */
    case 0x19: case 0x21: return 0;                             /* flag_present implicit_const */
    case 0x16:                                                  /* indirect */
        if (depth > 4) {
            c->bad = 1;
            return 0;
        }
        return skip_form(u, c, (uint32_t)uleb(c), depth + 1);
    default:
        c->bad = 1;             /* a form we do not know: fall back */
        return 0;
    }
}

/* Where a DW_AT_sibling value points, as a section offset, or 0. */
static uint64_t sibling_target(const unit *u, uint32_t form, uint64_t v)
{
    switch (form) {
    case 0x11: case 0x12: case 0x13: case 0x14: case 0x15:
        return u->start + v;
    case 0x10:
        return v;
    default:
        return 0;
    }
}

/* One entry of a children list at c: 1 and the DIE's offset, its
** abbreviation and DW_AT_sibling (has_sib, and its target in sib, 0 when
** the form is not a reference), with c past the DIE's attributes; 0 at
** the list's null entry; -1 when the bytes do not parse. */
typedef struct die {
    uint64_t off, sib;
    const abbrev *a;
    int has_sib;
} die;

static int next_die(const unit *u, cur *c, die *d)
{
    d->off = (uint64_t)(c->p - u->info);
    uint64_t code = uleb(c);
    if (c->bad)
        return -1;
    if (code == 0)
        return 0;
    if (code >= u->nab || !u->ab[code].defined)
        return -1;
    d->a = &u->ab[code];
    d->sib = 0;
    d->has_sib = 0;
    for (uint32_t i = 0; i < d->a->nspec; i++) {
        const spec *sp = &u->specs[d->a->first + i];
        uint64_t v = skip_form(u, c, sp->form, 0);
        if (sp->at == AT_sibling) {
            d->has_sib = 1;
            d->sib = sibling_target(u, sp->form, v);
        }
    }
    return c->bad ? -1 : 1;
}

/* Walk the children starting at c (a list ended by a null entry).
** `wanted`: record subprograms and descend into namespaces (and classes)
** at this level; otherwise the DIEs are only stepped over. */
static int walk(unit *u, cur *c, unsigned depth, int wanted)
{
    if (depth > u->max_depth)
        return -1;
    die d;
    int r;
    while ((r = next_die(u, c, &d)) == 1) {
        const abbrev *a = d.a;
        if (wanted && a->tag == TAG_subprogram && a->has_code)
            *HP_PUSH(*u->offs, *u->n, *u->cap) = d.off;
        if (!a->children)
            continue;
        int descend = wanted && (a->tag == TAG_namespace ||
                                 (u->scoped && (a->tag == TAG_structure ||
                                                a->tag == TAG_class)));
        uint64_t here = (uint64_t)(c->p - u->info);
        if (!descend && d.sib > here && d.sib <= u->end) {
            c->p = u->info + d.sib;     /* jump over the subtree */
            continue;
        }
        if (walk(u, c, depth + 1, descend) != 0)
            return -1;
    }
    return r;
}

/* Step over one list of children (to its null entry), checking every
** DW_AT_sibling on the way: it must point after its DIE and no further
** than `limit`, the end of the enclosing DIE's subtree as far as is known
** (the unit's end at first; a DIE's own sibling bounds its children). */
static int check_list(unit *u, cur *c, unsigned depth, uint64_t limit)
{
    if (depth > u->max_depth)
        return -1;
    die d;
    int r;
    while ((r = next_die(u, c, &d)) == 1) {
        if (d.has_sib && (d.sib <= d.off || d.sib > limit))
            return -1;
        if (d.a->children && check_list(u, c, depth + 1, d.has_sib ? d.sib : limit) != 0)
            return -1;
        if (d.has_sib && (uint64_t)(c->p - u->info) > d.sib)
            return -1;
    }
    return r < 0 || (uint64_t)(c->p - u->info) > limit ? -1 : 0;
}

/* Parse the unit header at unit_off and its abbreviations. */
static int open_unit(unit *u, const uint8_t *info, size_t info_len, const uint8_t *abbrev_sec,
                     size_t abbrev_len, uint64_t unit_off)
{
    if (info == NULL || abbrev_sec == NULL || unit_off >= info_len)
        return -1;
    u->info = info;
    u->info_len = info_len;
    u->start = unit_off;
    cur cc = { info + unit_off, info + info_len, 0 };
    cur *c = &cc;
    uint64_t len = rd(c, 4);
    u->off_size = 4;
    if (len == 0xffffffffu) {
        len = rd(c, 8);
        u->off_size = 8;
    } else if (len >= 0xfffffff0u) {
        return -1;
    }
    if (c->bad || len > (uint64_t)(c->end - c->p))
        return -1;
    c->end = c->p + len;
    u->end = (uint64_t)(c->end - info);
    u->version = (unsigned)rd(c, 2);
    uint64_t abbrev_off;
    if (u->version >= 2 && u->version <= 4) {
        abbrev_off = rd(c, u->off_size);
        u->addr_size = (unsigned)rd(c, 1);
    } else if (u->version == 5) {
        unsigned type = (unsigned)rd(c, 1);
        u->addr_size = (unsigned)rd(c, 1);
        abbrev_off = rd(c, u->off_size);
        if (type == 4 || type == 5)             /* skeleton, split_compile */
            skip(c, 8);
        else if (type == 2 || type == 6)        /* type, split_type */
            skip(c, 8 + u->off_size);
        else if (type != 1 && type != 3)        /* compile, partial */
            return -1;
    } else {
        return -1;
    }
    if (c->bad || (u->addr_size != 4 && u->addr_size != 8))
        return -1;
    u->first = (uint64_t)(c->p - info);
    return read_abbrevs(u, abbrev_sec, abbrev_len, abbrev_off);
}

dsc_unit *dsc_open(const uint8_t *info, size_t info_len, const uint8_t *abbrev_sec,
                   size_t abbrev_len, uint64_t unit_off, unsigned max_depth)
{
    unit *u = hp_xcalloc(1, sizeof *u);
    u->max_depth = max_depth;
    if (open_unit(u, info, info_len, abbrev_sec, abbrev_len, unit_off) != 0) {
        dsc_close(u);
        return NULL;
    }
    return u;
}

uint64_t dsc_offset(const dsc_unit *u)
{
    return u->start;
}

void dsc_close(dsc_unit *u)
{
    if (u == NULL)
        return;
    free(u->ab);
    free(u->specs);
    free(u);
}

/* Position a cursor at the DIE at off and step over its attributes;
** returns its abbreviation, or NULL. */
static const abbrev *die_at(unit *u, uint64_t off, cur *c)
{
    if (off < u->first || off >= u->end)
        return NULL;
    *c = (cur){ u->info + off, u->info + u->end, 0 };
    die d;
    return next_die(u, c, &d) == 1 ? d.a : NULL;
}

int dsc_subtree_ok(dsc_unit *u, uint64_t die_off, uint64_t *end)
{
    cur c;
    const abbrev *a = die_at(u, die_off, &c);
    if (a == NULL || (a->children && check_list(u, &c, 0, u->end) != 0))
        return 0;
    if (end)
        *end = (uint64_t)(c.p - u->info);
    return 1;
}

int dsc_null_at(const dsc_unit *u, uint64_t off)
{
    if (off >= u->end)
        return 1;
    cur c = { u->info + off, u->info + u->end, 0 };
    return uleb(&c) == 0;   /* a bad code reads as 0: ends the list too */
}

int dsc_subprograms(dsc_unit *u, int scoped, uint64_t **offs, size_t *n, size_t *cap)
{
    size_t n0 = *n;
    u->scoped = scoped;
    u->offs = offs;
    u->n = n;
    u->cap = cap;
    cur c;
    const abbrev *a = die_at(u, u->first, &c);
    int rc = a == NULL ? -1 : a->children ? walk(u, &c, 0, 1) : 0;
    if (rc != 0)
        *n = n0;
    return rc;
}
