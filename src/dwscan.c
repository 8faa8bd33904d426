/*
** dwscan.c -- implementation of dwscan.h: the raw top-level DIE scan.
**
** A cursor (cur) never reads past its end; any failure sets cur.bad and
** makes every later read return 0, so the walk can check once per DIE.
*/
#include "dwscan.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hp.h"

#define TAG_class       0x02
#define TAG_structure   0x13
#define TAG_subprogram  0x2e
#define TAG_variable    0x34
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

static uint64_t uleb_slow(cur *c)
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

/* Most LEB128s are one byte (codes, attribute and form numbers, small
** constants): that case inline, the loop out of line. */
static inline uint64_t uleb(cur *c)
{
    if (!c->bad && c->p < c->end && !(*c->p & 0x80))
        return *c->p++;
    return uleb_slow(c);
}

static int64_t sleb(cur *c)
{
    uint64_t v = 0;
    unsigned sh = 0;
    for (;;) {
        if (c->bad || c->p >= c->end || sh > 63) {
            c->bad = 1;
            return 0;
        }
        uint8_t b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << sh;
        sh += 7;
        if (!(b & 0x80)) {
            if (sh < 64 && (b & 0x40))
                v |= ~(uint64_t)0 << sh;
            return (int64_t)v;
        }
    }
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
    int64_t ic;                 /* DW_FORM_implicit_const's value */
} spec;

typedef struct abbrev {
    uint32_t tag;
    uint32_t first, nspec;      /* into unit.specs */
    int32_t fixed;              /* bytes of all the attributes when every form
                                   has a fixed size, else -1 (next_die then
                                   steps over them in one move) */
    int32_t sib_at;             /* with fixed: DW_AT_sibling's offset among
                                   them, -1 when absent */
    uint32_t sib_form;
    uint8_t children;
    uint8_t has_code;           /* DW_AT_low_pc or DW_AT_ranges */
    uint8_t has_sib;            /* DW_AT_sibling among its attributes */
    uint8_t defined;
} abbrev;

struct dsc_unit {
    abbrev *ab;                 /* indexed by code */
    size_t nab, abcap;
    const uint8_t *ab_next;     /* the abbreviations not parsed yet, or NULL */
    const uint8_t *ab_end;
    spec *specs;
    size_t nspecs, speccap;
    uint64_t start, end;        /* unit header offset, end of the unit */
    uint64_t first;             /* offset of the unit DIE */
    unsigned version, addr_size, off_size;
    const uint8_t *info;
    size_t info_len;
    unsigned max_depth;
    int types;                   /* a .debug_types unit (DSC_DEBUG_TYPES) */
    /* dsc_subprograms' (dsc_variables') current call */
    int scoped;
    int variables;              /* record variables, not subprograms */
    uint64_t **offs;
    size_t *n, *cap;
    /* dsc_code_init: where values point */
    dsc_sections sec;
    uint64_t str_off_base, addr_base, rnglists_base, loclists_base;
    uint64_t cu_base;           /* the unit DIE's DW_AT_low_pc, or 0 */
    const char *comp_dir;       /* its DW_AT_comp_dir, or NULL */
    uint64_t language;          /* its DW_AT_language, or 0 */
    uint8_t have_addr_base, have_rnglists_base, have_loclists_base, code_ok;
};
typedef struct dsc_unit unit;

/* Size of a form's value when it does not depend on the value, else -1. */
static int fixed_size(const unit *u, uint32_t form)
{
    switch (form) {
    case 0x19: case 0x21: return 0;                     /* flag_present implicit_const */
    case 0x0b: case 0x0c: case 0x11: case 0x25: case 0x29: return 1;
    case 0x05: case 0x12: case 0x26: case 0x2a: return 2;
    case 0x27: case 0x2b: return 3;
    case 0x06: case 0x13: case 0x1c: case 0x28: case 0x2c: return 4;
    case 0x07: case 0x14: case 0x20: case 0x24: return 8;
    case 0x1e: return 16;
    case 0x01: return (int)u->addr_size;
    case 0x0e: case 0x17: case 0x1f: case 0x1d: case 0x1f20: case 0x1f21:
        return (int)u->off_size;
    case 0x10: return (int)(u->version <= 2 ? u->addr_size : u->off_size);
    default: return -1;                                 /* LEBs, strings, blocks, indirect */
    }
}

/* An abbreviation whose attributes all have fixed sizes is stepped over
** in one move; most type and member DIEs are such. */
static void fixed_layout(const unit *u, abbrev *a)
{
    int32_t at = 0;
    a->fixed = -1;
    a->sib_at = -1;
    a->sib_form = 0;
    for (uint32_t i = 0; i < a->nspec; i++) {
        const spec *sp = &u->specs[a->first + i];
        int n = fixed_size(u, sp->form);
        if (n < 0 || at > (1 << 20))
            return;
        if (sp->at == AT_sibling) {
            a->sib_at = at;
            a->sib_form = sp->form;
        }
        at += n;
    }
    a->fixed = at;
}

/* Parse the abbreviations from u->ab_next on: all of them, or (stop != 0)
** up to and including the one with code `stop`, leaving u->ab_next at
** the next (dsc_open_head); u->ab_next is NULL once the table's end is
** read. */
static int read_abbrevs(unit *u, uint64_t stop)
{
    if (u->ab_next == NULL)
        return 0;
    cur c = { u->ab_next, u->ab_end, 0 };
    for (;;) {
        uint64_t code = uleb(&c);
        if (c.bad)
            return -1;
        if (code == 0) {
            u->ab_next = NULL;
            return 0;
        }
        if (code >= MAX_CODE)
            return -1;
        if (code >= u->nab) {
            size_t need = (size_t)code + 1;
            hp_grow((void **)&u->ab, &u->abcap, need, sizeof *u->ab);
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
            int64_t ic = form == 0x21 ? sleb(&c) : 0;  /* DW_FORM_implicit_const */
            spec *s = HP_PUSH(u->specs, u->nspecs, u->speccap);
            s->at = (uint32_t)at;
            s->form = (uint32_t)form;
            s->ic = ic;
            if (at == AT_low_pc || at == AT_ranges)
                a->has_code = 1;
            if (at == AT_sibling)
                a->has_sib = 1;
        }
        a->nspec = (uint32_t)(u->nspecs - a->first);
        fixed_layout(u, a);
        if (code == stop) {
            u->ab_next = c.p;
            return 0;
        }
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
    if (d->a->fixed >= 0) {
        const uint8_t *start = c->p;
        skip(c, (uint64_t)d->a->fixed);
        if (c->bad)
            return -1;
        if (d->a->sib_at >= 0) {
            /* a sibling attribute uses only ref forms or data forms */
            cur sc = { start + d->a->sib_at, c->p, 0 };
            uint64_t v = skip_form(u, &sc, d->a->sib_form, 0);
            d->has_sib = 1;
            d->sib = sibling_target(u, d->a->sib_form, v);
        }
        return 1;
    }
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
        if (wanted && (u->variables ? a->tag == TAG_variable
                                    : a->tag == TAG_subprogram && a->has_code))
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
static int unit_header(unit *u, const uint8_t *info, size_t info_len, uint64_t unit_off,
                       uint64_t *abbrev_off);

/* head: parse the abbreviations only up to the unit DIE's (dsc_open_head) */
static int open_unit(unit *u, const uint8_t *info, size_t info_len, const uint8_t *abbrev_sec,
                     size_t abbrev_len, uint64_t unit_off, int head)
{
    uint64_t abbrev_off;
    if (abbrev_sec == NULL || unit_header(u, info, info_len, unit_off, &abbrev_off) != 0 ||
        abbrev_off >= abbrev_len)
        return -1;
    u->ab_next = abbrev_sec + abbrev_off;
    u->ab_end = abbrev_sec + abbrev_len;
    uint64_t stop = 0;
    if (head) {
        cur c = { info + u->first, info + u->end, 0 };
        stop = uleb(&c);
        if (c.bad || stop == 0)
            return -1;
    }
    return read_abbrevs(u, stop);
}

int dsc_header(const uint8_t *info, size_t info_len, uint64_t unit_off, uint64_t *die_off,
               uint64_t *next, unsigned *version)
{
    unit u;
    memset(&u, 0, sizeof u);
    uint64_t abbrev_off;
    if (unit_header(&u, info, info_len, unit_off, &abbrev_off) != 0)
        return -1;
    *die_off = u.first;
    *next = u.end;
    *version = u.version;
    return 0;
}

/* The unit header at unit_off: fills start, end, version, sizes and
** first (the unit DIE's offset). */
static int unit_header(unit *u, const uint8_t *info, size_t info_len, uint64_t unit_off,
                       uint64_t *abbrev_off_out)
{
    if (info == NULL || unit_off >= info_len)
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
        if (u->types)                           /* .debug_types: signature, type offset */
            skip(c, 8 + u->off_size);
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
    *abbrev_off_out = abbrev_off;
    return 0;
}

static dsc_unit *open_any(const uint8_t *info, size_t info_len, const uint8_t *abbrev_sec,
                          size_t abbrev_len, uint64_t unit_off, unsigned max_depth, int head)
{
    unit *u = hp_xcalloc(1, sizeof *u);
    u->types = (max_depth & DSC_DEBUG_TYPES) != 0;
    u->max_depth = max_depth & ~DSC_DEBUG_TYPES;
    if (open_unit(u, info, info_len, abbrev_sec, abbrev_len, unit_off, head) != 0) {
        dsc_close(u);
        return NULL;
    }
    return u;
}

dsc_unit *dsc_open(const uint8_t *info, size_t info_len, const uint8_t *abbrev_sec,
                   size_t abbrev_len, uint64_t unit_off, unsigned max_depth)
{
    return open_any(info, info_len, abbrev_sec, abbrev_len, unit_off, max_depth, 0);
}

dsc_unit *dsc_open_head(const uint8_t *info, size_t info_len, const uint8_t *abbrev_sec,
                        size_t abbrev_len, uint64_t unit_off, unsigned max_depth)
{
    return open_any(info, info_len, abbrev_sec, abbrev_len, unit_off, max_depth, 1);
}

int dsc_open_rest(dsc_unit *u)
{
    return read_abbrevs(u, 0);
}

int dsc_unit_offsets(const uint8_t *info, size_t info_len, uint64_t **v, size_t *n)
{
    size_t cap = 0;
    *v = NULL;
    *n = 0;
    if (info == NULL)
        return -1;
    uint64_t off = 0;
    while (off + 4 <= info_len) {
        cur c = { info + off, info + info_len, 0 };
        uint64_t len = rd(&c, 4);
        if (len == 0xffffffffu)
            len = rd(&c, 8);
        else if (len >= 0xfffffff0u)
            break;
        if (c.bad || len > (uint64_t)(c.end - c.p))
            break;
        *HP_PUSH(*v, *n, cap) = off;
        off = (uint64_t)(c.p - info) + len;
    }
    return off < info_len ? 1 : 0;
}

uint64_t dsc_offset(const dsc_unit *u)
{
    return u->start;
}

uint64_t dsc_unit_die(const dsc_unit *u)
{
    return u->first;
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

int dsc_die_shape(const dsc_unit *u, uint64_t off)
{
    if (off < u->first || off >= u->end)
        return -1;
    cur c = { u->info + off, u->info + u->end, 0 };
    uint64_t code = uleb(&c);
    if (c.bad || code == 0 || code >= u->nab || !u->ab[code].defined)
        return -1;
    const abbrev *a = &u->ab[code];
    return !a->children ? DSC_LEAF : a->has_sib ? DSC_KIDS_SIB : DSC_KIDS;
}

int dsc_null_at(const dsc_unit *u, uint64_t off)
{
    if (off >= u->end)
        return 1;
    cur c = { u->info + off, u->info + u->end, 0 };
    return uleb(&c) == 0;   /* a bad code reads as 0: ends the list too */
}

static int top_dies(dsc_unit *u, int scoped, int variables, uint64_t **offs, size_t *n,
                    size_t *cap)
{
    size_t n0 = *n;
    u->scoped = scoped;
    u->variables = variables;
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

int dsc_subprograms(dsc_unit *u, int scoped, uint64_t **offs, size_t *n, size_t *cap)
{
    return top_dies(u, scoped, 0, offs, n, cap);
}

int dsc_variables(dsc_unit *u, int scoped, uint64_t **offs, size_t *n, size_t *cap)
{
    return top_dies(u, scoped, 1, offs, n, cap);
}

/* ---- supplementary files and imported units (dsc_attr, dsc_imports) ---- */

/* The value of the attribute at spec sp, cursor at it: constants and
** references as numbers (unit-local references made section offsets,
** the offset forms as written); -1 for a form that carries no number. */
static int spec_value(const unit *u, cur *c, uint32_t form, uint64_t *val)
{
    switch (form) {
    case 0x0b: case 0x05: case 0x06: case 0x07: case 0x0f:     /* data1 2 4 8, udata */
    case 0x10: case 0x1c: case 0x24:                            /* ref_addr ref_sup4 ref_sup8 */
        *val = skip_form(u, c, form, 0);
        return c->bad ? -1 : 0;
    case 0x11: case 0x12: case 0x13: case 0x14: case 0x15:     /* ref1 2 4 8 udata */
        *val = u->start + skip_form(u, c, form, 0);
        return c->bad ? -1 : 0;
    case 0x0e: case 0x17: case 0x1f: case 0x1d:                 /* strp sec_offset line_strp strp_sup */
    case 0x1f20: case 0x1f21:                                   /* GNU_ref_alt GNU_strp_alt */
        *val = rd(c, u->off_size);
        return c->bad ? -1 : 0;
    default:
        skip_form(u, c, form, 0);
        return -1;
    }
}

/* The attributes of the DIE at off read up to attribute `at`: 1 with its
** form and value, 0 when the DIE has no such attribute, -1 when the bytes
** do not parse.  *d is the DIE's header. */
static int find_attr(unit *u, uint64_t off, uint32_t at, die *d, cur *c, uint32_t *form,
                     uint64_t *val)
{
    if (off < u->first || off >= u->end)
        return -1;
    *c = (cur){ u->info + off, u->info + u->end, 0 };
    d->off = off;
    uint64_t code = uleb(c);
    if (c->bad || code == 0 || code >= u->nab || !u->ab[code].defined)
        return -1;
    d->a = &u->ab[code];
    int found = 0;
    for (uint32_t i = 0; i < d->a->nspec; i++) {
        const spec *sp = &u->specs[d->a->first + i];
        uint32_t fm = sp->form;
        if (fm == 0x16) {                       /* indirect */
            fm = (uint32_t)uleb(c);
            if (fm == 0x16)
                return -1;
        }
        if (sp->at == at && !found) {
            *form = fm;
            if (fm == 0x21)
                *val = (uint64_t)sp->ic;        /* implicit_const */
            else if (spec_value(u, c, fm, val) != 0)
                return c->bad ? -1 : 0;
            found = 1;
        } else if (fm != 0x21) {
            skip_form(u, c, fm, 0);
        }
        if (c->bad)
            return -1;
    }
    return found;
}

int dsc_attr_value(dsc_unit *u, uint64_t off, uint32_t at, uint32_t *form, uint64_t *val)
{
    die d;
    cur c;
    return find_attr(u, off, at, &d, &c, form, val);
}

#define TAG_imported_unit 0x3d
#define AT_import         0x18
#define AT_language       0x13

int dsc_imports(dsc_unit *u, uint32_t *tag, uint64_t *lang, dsc_import **v, size_t *n,
                size_t *cap)
{
    die d;
    cur c;
    uint32_t form = 0;
    uint64_t val = 0;
    *lang = 0;
    int r = find_attr(u, u->first, AT_language, &d, &c, &form, &val);
    if (r < 0)
        return -1;
    *tag = d.a->tag;
    if (r == 1)
        *lang = val;
    if (!d.a->children)
        return 0;
    /* the top-level children: imported units are read, the rest stepped
    ** over (by DW_AT_sibling where there is one) */
    c = (cur){ u->info + u->first, u->info + u->end, 0 };
    if (next_die(u, &c, &d) != 1)
        return -1;
    for (unsigned guard = 0;; guard++) {
        if (guard > (1u << 26))
            return -1;
        r = next_die(u, &c, &d);
        if (r <= 0)
            return r;
        if (d.a->tag == TAG_imported_unit) {
            die d2;
            cur c2;
            if (find_attr(u, d.off, AT_import, &d2, &c2, &form, &val) == 1) {
                dsc_import *im = HP_PUSH(*v, *n, *cap);
                im->form = form;
                im->target = val;
            }
        }
        if (!d.a->children)
            continue;
        uint64_t here = (uint64_t)(c.p - u->info);
        if (d.sib > here && d.sib <= u->end)
            c.p = u->info + d.sib;
        else if (walk(u, &c, 1, 0) != 0)
            return -1;
    }
}

/* ---- function bodies ---- */

enum {
    F_addr = 0x01, F_block2 = 0x03, F_block4 = 0x04, F_data2 = 0x05, F_data4 = 0x06,
    F_data8 = 0x07, F_string = 0x08, F_block = 0x09, F_block1 = 0x0a, F_data1 = 0x0b,
    F_flag = 0x0c, F_sdata = 0x0d, F_strp = 0x0e, F_udata = 0x0f, F_ref_addr = 0x10,
    F_ref1 = 0x11, F_ref2 = 0x12, F_ref4 = 0x13, F_ref8 = 0x14, F_ref_udata = 0x15,
    F_indirect = 0x16, F_sec_offset = 0x17, F_exprloc = 0x18, F_flag_present = 0x19,
    F_strx = 0x1a, F_addrx = 0x1b, F_ref_sup4 = 0x1c, F_strp_sup = 0x1d, F_data16 = 0x1e,
    F_line_strp = 0x1f, F_ref_sig8 = 0x20, F_implicit_const = 0x21, F_loclistx = 0x22,
    F_rnglistx = 0x23, F_ref_sup8 = 0x24, F_strx1 = 0x25, F_strx2 = 0x26, F_strx3 = 0x27,
    F_strx4 = 0x28, F_addrx1 = 0x29, F_addrx2 = 0x2a, F_addrx3 = 0x2b, F_addrx4 = 0x2c,
    F_GNU_addr_index = 0x1f01, F_GNU_str_index = 0x1f02, F_GNU_strp_alt = 0x1f21,
};

enum {
    A_location = 0x02, A_name = 0x03, A_byte_size = 0x0b, A_stmt_list = 0x10,
    A_low_pc = 0x11, A_high_pc = 0x12, A_abstract_origin = 0x31, A_artificial = 0x34,
    A_decl_file = 0x3a, A_decl_line = 0x3b, A_declaration = 0x3c, A_frame_base = 0x40,
    A_specification = 0x47, A_type = 0x49, A_entry_pc = 0x52, A_ranges = 0x55,
    A_call_file = 0x58, A_call_line = 0x59, A_linkage_name = 0x6e,
    A_str_offsets_base = 0x72, A_addr_base = 0x73, A_rnglists_base = 0x74,
    A_call_value = 0x7e, A_call_origin = 0x7f, A_call_return_pc = 0x7d, A_call_pc = 0x81,
    A_loclists_base = 0x8c, A_language = 0x13, A_comp_dir = 0x1b, A_const_value = 0x1c,
    A_MIPS_linkage_name = 0x2007, A_GNU_call_site_value = 0x2111,
    A_go_runtime_type = 0x2904, A_LLVM_alloc_type = 0x3e0e,
};


/* One attribute value, decoded by its form. */
typedef struct aval {
    uint32_t form;
    uint64_t u;                 /* constants, addresses (resolved), offsets, indexes */
    const uint8_t *blk;         /* block forms; string forms: the string */
    size_t blen;
    uint8_t is_const, is_addr, is_ref, is_str, is_flag, is_block;
    uint8_t unsupported;        /* a form this reader does not take */
} aval;

static uint64_t sec_u(const uint8_t *sec, size_t len, uint64_t off, unsigned n, int *ok)
{
    if (sec == NULL || off > len || len - off < n) {
        *ok = 0;
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = v << 8 | sec[off + i];
    return v;
}

static const char *sec_str(const uint8_t *sec, size_t len, uint64_t off)
{
    if (sec == NULL || off >= len || memchr(sec + off, 0, len - off) == NULL)
        return NULL;
    return (const char *)sec + off;
}

/* .debug_addr entry idx of this unit */
static int addr_at(const unit *u, uint64_t idx, uint64_t *out)
{
    if (!u->have_addr_base || idx > (uint64_t)1 << 40)
        return -1;
    int ok = 1;
    *out = sec_u(u->sec.addr, u->sec.addr_len, u->addr_base + idx * u->addr_size,
                 u->addr_size, &ok);
    return ok ? 0 : -1;
}

int dsc_addrx(const dsc_unit *u, uint64_t idx, uint64_t *addr)
{
    return u->code_ok ? addr_at(u, idx, addr) : -1;
}

static const char *strx_at(const unit *u, uint64_t idx)
{
    int ok = 1;
    uint64_t off = sec_u(u->sec.str_offsets, u->sec.str_offsets_len,
                         u->str_off_base + idx * u->off_size, u->off_size, &ok);
    return ok && idx < (uint64_t)1 << 40 ? sec_str(u->sec.str, u->sec.str_len, off) : NULL;
}

static void read_val(const unit *u, cur *c, const spec *sp, aval *v, int depth)
{
    uint32_t form = sp->form;
    memset(v, 0, sizeof *v);
    v->form = form;
    switch (form) {
    case F_addr: v->u = rd(c, u->addr_size); v->is_addr = 1; return;
    case F_addrx: case F_GNU_addr_index: case F_addrx1: case F_addrx2: case F_addrx3:
    case F_addrx4: {
        uint64_t idx = form == F_addrx1 ? rd(c, 1) : form == F_addrx2 ? rd(c, 2)
                     : form == F_addrx3 ? rd(c, 3) : form == F_addrx4 ? rd(c, 4) : uleb(c);
        if (addr_at(u, idx, &v->u) == 0)
            v->is_addr = 1;
        else
            v->unsupported = 1;
        return;
    }
    case F_data1: v->u = rd(c, 1); v->is_const = 1; return;
    case F_data2: v->u = rd(c, 2); v->is_const = 1; return;
    case F_data4: v->u = rd(c, 4); v->is_const = 1; return;
    case F_data8: v->u = rd(c, 8); v->is_const = 1; return;
    case F_udata: v->u = uleb(c); v->is_const = 1; return;
    case F_sdata: v->u = (uint64_t)sleb(c); v->is_const = 1; return;
    case F_implicit_const: v->u = (uint64_t)sp->ic; v->is_const = 1; return;
    case F_data16: skip(c, 16); return;            /* no 64-bit value: ignored */
    case F_flag: v->u = rd(c, 1); v->is_flag = 1; return;
    case F_flag_present: v->u = 1; v->is_flag = 1; return;
    case F_ref1: v->u = u->start + rd(c, 1); v->is_ref = 1; return;
    case F_ref2: v->u = u->start + rd(c, 2); v->is_ref = 1; return;
    case F_ref4: v->u = u->start + rd(c, 4); v->is_ref = 1; return;
    case F_ref8: v->u = u->start + rd(c, 8); v->is_ref = 1; return;
    case F_ref_udata: v->u = u->start + uleb(c); v->is_ref = 1; return;
    case F_ref_addr:
        v->u = rd(c, u->version <= 2 ? u->addr_size : u->off_size);
        v->is_ref = 1;
        return;
    case F_ref_sig8: skip(c, 8); return;            /* type units: not followed */
    case F_sec_offset: v->u = rd(c, u->off_size); return;
    case F_loclistx: case F_rnglistx: v->u = uleb(c); return;
    case F_string: {
        const uint8_t *z = c->bad ? NULL : memchr(c->p, 0, (size_t)(c->end - c->p));
        if (z == NULL) {
            c->bad = 1;
            return;
        }
        v->blk = c->p;
        v->is_str = 1;
        c->p = z + 1;
        return;
    }
    case F_strp: case F_line_strp: case F_strp_sup: case F_GNU_strp_alt: {
        uint64_t off = rd(c, u->off_size);
        const char *str = form == F_strp ? sec_str(u->sec.str, u->sec.str_len, off)
                        : form == F_line_strp ? sec_str(u->sec.line_str, u->sec.line_str_len, off)
                        : sec_str(u->sec.sup_str, u->sec.sup_str_len, off);  /* dwz */
        if (str) {
            v->blk = (const uint8_t *)str;
            v->is_str = 1;
        } else if (!c->bad) {
            v->unsupported = 1;
        }
        return;
    }
    case F_strx: case F_GNU_str_index: case F_strx1: case F_strx2: case F_strx3:
    case F_strx4: {
        uint64_t idx = form == F_strx1 ? rd(c, 1) : form == F_strx2 ? rd(c, 2)
                     : form == F_strx3 ? rd(c, 3) : form == F_strx4 ? rd(c, 4) : uleb(c);
        const char *str = strx_at(u, idx);
        if (str) {
            v->blk = (const uint8_t *)str;
            v->is_str = 1;
        } else {
            v->unsupported = 1;
        }
        return;
    }
    case F_block1: case F_block2: case F_block4: case F_block: case F_exprloc: {
        uint64_t n = form == F_block1 ? rd(c, 1) : form == F_block2 ? rd(c, 2)
                   : form == F_block4 ? rd(c, 4) : uleb(c);
        if (c->bad || n > (uint64_t)(c->end - c->p)) {
            c->bad = 1;
            return;
        }
        v->blk = c->p;
        v->blen = (size_t)n;
        v->is_block = 1;
        c->p += n;
        return;
    }
    case F_indirect: {
        spec s2 = { sp->at, (uint32_t)uleb(c), 0 };
        if (depth > 4 || s2.form == F_implicit_const) {
            c->bad = 1;
            return;
        }
        read_val(u, c, &s2, v, depth + 1);
        return;
    }
    default:
        /* supplementary-file forms and anything unknown: skip_form knows
        ** the sizes of the first, nothing of the rest */
        skip_form(u, c, form, 0);
        v->unsupported = 1;
        return;
    }
}

static void keep_attr(dsc_attr *d, const aval *v)
{
    d->form = v->form;
    d->val = v->u;
    d->blk = v->is_block ? v->blk : NULL;
    d->blen = v->is_block ? v->blen : 0;
}

void dsc_sections_load(ei_image *img, dsc_sections *s)
{
    s->str = ei_dwarf_section(img, "str", &s->str_len);
    s->line_str = ei_dwarf_section(img, "line_str", &s->line_str_len);
    s->str_offsets = ei_dwarf_section(img, "str_offsets", &s->str_offsets_len);
    s->addr = ei_dwarf_section(img, "addr", &s->addr_len);
    s->rnglists = ei_dwarf_section(img, "rnglists", &s->rnglists_len);
    s->ranges = ei_dwarf_section(img, "ranges", &s->ranges_len);
    s->loclists = ei_dwarf_section(img, "loclists", &s->loclists_len);
    s->loc = ei_dwarf_section(img, "loc", &s->loc_len);
    s->sup_str = NULL;
    s->sup_str_len = 0;
    if (img->alt != NULL)
        s->sup_str = ei_dwarf_section(img->alt, "str", &s->sup_str_len);
}

int dsc_code_init(dsc_unit *u, const dsc_sections *s)
{
    u->sec = *s;
    u->code_ok = 0;
    u->have_addr_base = u->have_rnglists_base = u->have_loclists_base = 0;
    /* DWARF 5 default bases: just past each table's header, as producers
    ** that omit them (a unit with a single table) expect */
    unsigned hdr = u->off_size == 8 ? 16 : 8;
    u->str_off_base = u->version >= 5 ? hdr : 0;
    cur c = { u->info + u->first, u->info + u->end, 0 };
    uint64_t code = uleb(&c);
    if (c.bad || code == 0 || code >= u->nab || !u->ab[code].defined)
        return -1;
    const abbrev *a = &u->ab[code];
    aval low;
    memset(&low, 0, sizeof low);
    for (uint32_t i = 0; i < a->nspec; i++) {
        const spec *sp = &u->specs[a->first + i];
        if (sp->at == A_low_pc && (sp->form == F_addr || sp->form == F_addrx ||
                                   (sp->form >= F_addrx1 && sp->form <= F_addrx4))) {
            /* an index is resolved below, once addr_base is known */
            low.form = sp->form;
            low.u = sp->form == F_addr ? rd(&c, u->addr_size)
                  : sp->form == F_addrx ? uleb(&c) : rd(&c, sp->form - F_addrx1 + 1);
        } else if (sp->at == A_str_offsets_base || sp->at == A_addr_base ||
            sp->at == A_rnglists_base || sp->at == A_loclists_base) {
            /* bases are sec_offset; their values need no other base */
            if (sp->form != F_sec_offset && sp->form != F_data4 && sp->form != F_data8)
                return -1;
            uint64_t v = rd(&c, sp->form == F_data8 ? 8 : sp->form == F_data4 ? 4 : u->off_size);
            if (sp->at == A_str_offsets_base) {
                u->str_off_base = v;
            } else if (sp->at == A_addr_base) {
                u->addr_base = v;
                u->have_addr_base = 1;
            } else if (sp->at == A_rnglists_base) {
                u->rnglists_base = v;
                u->have_rnglists_base = 1;
            } else {
                u->loclists_base = v;
                u->have_loclists_base = 1;
            }
        } else {
            skip_form(u, &c, sp->form, 0);
        }
        if (c.bad)
            return -1;
    }
    u->cu_base = 0;
    if (low.form == F_addr)
        u->cu_base = low.u;
    else if (low.form != 0 && addr_at(u, low.u, &u->cu_base) != 0)
        return -1;
    /* again, now that the bases are known: the strings and the language */
    u->comp_dir = NULL;
    u->language = 0;
    c = (cur){ u->info + u->first, u->info + u->end, 0 };
    uleb(&c);
    for (uint32_t i = 0; i < a->nspec && !c.bad; i++) {
        const spec *sp = &u->specs[a->first + i];
        aval v;
        read_val(u, &c, sp, &v, 0);
        if (sp->at == A_comp_dir && v.is_str)
            u->comp_dir = (const char *)v.blk;
        else if (sp->at == A_language && v.is_const)
            u->language = v.u;
    }
    if (c.bad)
        return -1;
    u->code_ok = 1;
    return 0;
}

const char *dsc_comp_dir(const dsc_unit *u)
{
    return u->comp_dir;
}

uint64_t dsc_language(const dsc_unit *u)
{
    return u->language;
}

/* ---- line table file names ---- */

/* One value of a DWARF 5 directory or file entry, through read_val as for
** a DIE attribute: the entry's forms are the same, and so are the
** sections a string form points into.  0 with a string or a number, -1
** when the bytes do not parse, -2 for a form that needs a unit (strx). */
static int entry_val(unit *lu, cur *c, uint64_t form, const char **str, uint64_t *num)
{
    spec sp = { 0, form > UINT32_MAX ? 0 : (uint32_t)form, 0 };
    aval v;
    read_val(lu, c, &sp, &v, 0);
    *str = v.is_str ? (const char *)v.blk : NULL;
    *num = v.is_const ? v.u : 0;
    if (c->bad || (v.unsupported && (sp.form == F_strp || sp.form == F_line_strp)))
        return -1;                      /* a string past its section: broken */
    return v.unsupported || sp.form == F_implicit_const ? -2 : 0;
}

/* DWARF 2-4 directory and file lists: a string per entry, a 0 byte at
** the end.  1 at the end, 0 with the entry's string in *s, -1 broken. */
static int v4_entry(unit *lu, cur *c, const char **s)
{
    if (c->p < c->end && *c->p == 0) {
        c->p++;
        return 1;
    }
    uint64_t n;
    return entry_val(lu, c, F_string, s, &n) != 0 ? -1 : 0;
}

static int is_abs(const char *p)
{
    return p != NULL && p[0] == '/';
}

/* dir/name, comp_dir/dir/name or name, into the output block */
static char *join_path(hp_buf *b, const char *comp_dir, const char *dir, const char *name)
{
    size_t at = b->len;
    if (!is_abs(name)) {
        const char *part[2] = { !is_abs(dir) ? comp_dir : NULL, dir };
        for (int k = 0; k < 2; k++) {
            size_t n = part[k] ? strlen(part[k]) : 0;
            if (n == 0)
                continue;
            hp_buf_putn(b, part[k], n);
            if (part[k][n - 1] != '/')
                hp_buf_putn(b, "/", 1);
        }
    }
    hp_buf_puts(b, name);
    hp_buf_putn(b, "", 1);                /* the NUL */
    return (char *)(uintptr_t)(at + 1);   /* offset + 1; fixed up at the end */
}

int dsc_line_header(const uint8_t *line, size_t len, uint64_t off, dsc_line_hdr *h)
{
    memset(h, 0, sizeof *h);
    if (line == NULL || off >= len)
        return -1;
    cur c = { line + off, line + len, 0 };
    uint64_t ulen = rd(&c, 4);
    h->off_size = 4;
    if (ulen == 0xffffffffu) {
        ulen = rd(&c, 8);
        h->off_size = 8;
    }
    if (c.bad || ulen > (uint64_t)(c.end - c.p))
        return -1;
    h->end = c.p + ulen;
    c.end = h->end;
    h->version = (unsigned)rd(&c, 2);
    if (h->version < 2 || h->version > 5)
        return -1;
    if (h->version >= 5)
        skip(&c, 2);                            /* address_size, seg_sel_size */
    uint64_t hlen = rd(&c, h->off_size);
    if (c.bad || hlen > (uint64_t)(c.end - c.p))
        return -1;
    h->prog = c.p + hlen;
    c.end = h->prog;                            /* the header's end */
    h->min_inst = (unsigned)rd(&c, 1);
    if (h->version >= 4)
        skip(&c, 1);                            /* maximum_operations_per_instruction */
    skip(&c, 1);                                /* default_is_stmt */
    h->line_base = (int8_t)rd(&c, 1);
    h->line_range = (unsigned)rd(&c, 1);
    h->opcode_base = (unsigned)rd(&c, 1);
    h->std_len = c.p;
    skip(&c, h->opcode_base ? h->opcode_base - 1 : 0);
    if (c.bad || h->line_range == 0 || h->opcode_base == 0)
        return -1;
    h->tables = c.p;
    h->tables_end = h->prog;
    return 0;
}

int dsc_file_names(const uint8_t *line, size_t len, uint64_t off, const char *comp_dir,
                   const dsc_sections *s, unsigned unit_version, char ***names,
                   uint64_t *count)
{
    *names = NULL;
    *count = 0;
    dsc_line_hdr h;
    if (dsc_line_header(line, len, off, &h) != 0)
        return -1;
    unsigned version = h.version;
    cur c = { h.tables, h.tables_end, 0 };
    /* the values' context: no unit, so no string index base (set up once
    ** per table, not per value: the unit is large and tables have 10^4) */
    unit lu;
    memset(&lu, 0, sizeof lu);
    lu.off_size = h.off_size;
    lu.addr_size = 8;
    lu.version = 5;
    lu.sec = *s;
    lu.sec.str_offsets = NULL;
    const char **dirs = NULL;
    size_t ndirs = 0, dcap = 0;
    hp_buf b = {0};
    struct fe { const char *name; uint64_t dir; } *files = NULL;
    size_t nfiles = 0, fcap = 0;
    int rc = -1;
    if (version <= 4) {
        for (;;) {
            const char *d;
            int r = v4_entry(&lu, &c, &d);
            if (r < 0)
                goto out;
            if (r > 0)
                break;
            *HP_PUSH(dirs, ndirs, dcap) = d;
        }
        for (;;) {
            const char *nm;
            int r = v4_entry(&lu, &c, &nm);
            if (r < 0)
                goto out;
            if (r > 0)
                break;
            struct fe *f = HP_PUSH(files, nfiles, fcap);
            f->name = nm;
            f->dir = uleb(&c);
            uleb(&c);                           /* mtime */
            uleb(&c);                           /* length */
            if (c.bad)
                goto out;
        }
    } else {
        for (int pass = 0; pass < 2; pass++) {
            unsigned nfmt = (unsigned)rd(&c, 1);
            uint64_t fmt[2 * 16];
            if (c.bad || nfmt > 16)
                goto out;
            for (unsigned k = 0; k < nfmt; k++) {
                fmt[2 * k] = uleb(&c);
                fmt[2 * k + 1] = uleb(&c);
            }
            uint64_t n = uleb(&c);
            if (c.bad || n > (uint64_t)(c.end - c.p))
                goto out;
            for (uint64_t e = 0; e < n; e++) {
                const char *path = NULL;
                uint64_t dir = 0;
                for (unsigned k = 0; k < nfmt; k++) {
                    const char *str;
                    uint64_t num;
                    int r = entry_val(&lu, &c, fmt[2 * k + 1], &str, &num);
                    if (r != 0) {
                        rc = r;
                        goto out;
                    }
                    if (fmt[2 * k] == 1)        /* DW_LNCT_path */
                        path = str;
                    else if (fmt[2 * k] == 2)   /* DW_LNCT_directory_index */
                        dir = num;
                }
                if (path == NULL)
                    goto out;
                if (pass == 0) {
                    *HP_PUSH(dirs, ndirs, dcap) = path;
                } else {
                    struct fe *f = HP_PUSH(files, nfiles, fcap);
                    f->name = path;
                    f->dir = dir;
                }
            }
        }
    }
    /* the joins, as libdwarf's dwarf_srcfiles makes them */
    size_t base = unit_version >= 5 ? 0 : 1;
    uint64_t nout = nfiles + base;
    char **tmp = hp_xcalloc(nout + 1, sizeof *tmp);
    for (size_t i = 0; i < nfiles; i++) {
        const char *dir = NULL;
        if (version >= 5)
            dir = files[i].dir < ndirs ? dirs[files[i].dir] : NULL;
        else if (files[i].dir > 0)
            dir = files[i].dir <= ndirs ? dirs[files[i].dir - 1] : NULL;
        if (version >= 5 && files[i].dir >= ndirs) {
            free(tmp);
            goto out;                           /* libdwarf refuses the table */
        }
        tmp[i + base] = join_path(&b, comp_dir, dir, files[i].name);
    }
    /* one block: the pointer array, then the strings */
    size_t ptrs = (nout + 1) * sizeof(char *);
    char **blk = hp_xmalloc(ptrs + b.len + 1);
    char *strs = (char *)blk + ptrs;
    if (b.len)
        memcpy(strs, b.s, b.len);
    for (uint64_t i = 0; i < nout; i++)
        blk[i] = tmp[i] ? strs + ((uintptr_t)tmp[i] - 1) : NULL;
    blk[nout] = NULL;
    free(tmp);
    *names = blk;
    *count = nout;
    rc = 0;
out:
    free(dirs);
    free(files);
    hp_buf_free(&b);
    return rc;
}

int dsc_first_child(dsc_unit *u, uint64_t off, uint64_t *child)
{
    cur c;
    const abbrev *a = die_at(u, off, &c);
    if (a == NULL)
        return -1;
    if (!a->children)
        return 0;
    uint64_t at = (uint64_t)(c.p - u->info);
    if (dsc_null_at(u, at))
        return 0;
    *child = at;
    return 1;
}

/* c is just past the attributes of a DIE with the given shape: step over
** its children (by its DW_AT_sibling when that points forward within the
** unit) to the entry after it; 1 and that entry's offset, 0 at the end of
** the list, -1 when the bytes do not parse. */
static int step_past(dsc_unit *u, cur *c, int children, int has_sib, uint64_t sib,
                     uint64_t *next)
{
    if (children) {
        uint64_t here = (uint64_t)(c->p - u->info);
        if (has_sib && sib > here && sib <= u->end) {
            c->p = u->info + sib;
        } else {
            /* step over the subtree: count open lists, no recursion */
            unsigned open = 1;
            die d;
            while (open > 0) {
                int r = next_die(u, c, &d);
                if (r < 0)
                    return -1;
                if (r == 0) {
                    open--;
                } else if (d.a->children) {
                    here = (uint64_t)(c->p - u->info);
                    if (d.has_sib && d.sib > here && d.sib <= u->end)
                        c->p = u->info + d.sib;
                    else if (++open > u->max_depth)
                        return -1;
                }
            }
        }
    }
    uint64_t at = (uint64_t)(c->p - u->info);
    if (dsc_null_at(u, at))
        return 0;
    *next = at;
    return 1;
}

int dsc_next_sibling(dsc_unit *u, uint64_t off, uint64_t *next)
{
    if (off < u->first || off >= u->end)
        return -1;
    cur c = { u->info + off, u->info + u->end, 0 };
    die d;
    if (next_die(u, &c, &d) != 1)
        return -1;
    return step_past(u, &c, d.a->children, d.has_sib, d.sib, next);
}

int dsc_sibling_of(dsc_unit *u, const dsc_code *dc, uint64_t *next)
{
    if (dc->after <= dc->a.off || dc->after > u->end)
        return -1;
    cur c = { u->info + dc->after, u->info + u->end, 0 };
    return step_past(u, &c, dc->a.has_children, dc->has_sib, dc->sib, next);
}

/* The attributes dsc_read_code takes, with the value classes dwshim.c's
** code_attr accepts for each: where it goes and which DWC_ bit says so. */
enum { K_NONE, K_CONST, K_ADDR, K_ADDR_CONST, K_OFFSET, K_FLAG, K_STR, K_REF, K_LOC };
typedef struct field {
    uint8_t kind;               /* K_NONE: an attribute not taken */
    uint32_t bit;
    size_t off;                 /* in dws_code_attrs; K_LOC: in dsc_code */
} field;

/* Indexed by attribute: every DIE of every function body looks its
** attributes up here. */
#define F(kind, bit, member) { kind, bit, offsetof(dws_code_attrs, member) }
#define L(bit, member) { K_LOC, bit, offsetof(dsc_code, member) }
static const field fields[0x90] = {
    [A_name] = F(K_STR, DWC_NAME, name),
    [A_linkage_name] = F(K_STR, DWC_LINKAGE_NAME, linkage_name),
    [A_low_pc] = F(K_ADDR, DWC_LOW_PC, low_pc),
    [A_high_pc] = F(K_ADDR_CONST, 0, high_pc),             /* finished below */
    [A_stmt_list] = F(K_OFFSET, DWC_STMT_LIST, stmt_list),
    [A_entry_pc] = F(K_ADDR, DWC_ENTRY_PC, entry_pc),
    [A_call_file] = F(K_CONST, DWC_CALL_FILE, call_file),
    [A_call_line] = F(K_CONST, DWC_CALL_LINE, call_line),
    [A_call_return_pc] = F(K_ADDR, DWC_RETURN_PC, return_pc),
    [A_call_pc] = F(K_ADDR, DWC_CALL_PC, call_pc),
    [A_type] = F(K_REF, DWC_TYPE, type),
    [A_abstract_origin] = F(K_REF, DWC_ORIGIN, origin),
    [A_specification] = F(K_REF, DWC_SPECIFICATION, specification),
    [A_call_origin] = F(K_REF, DWC_CALL_ORIGIN, call_origin),
    [A_artificial] = F(K_FLAG, DWC_ARTIFICIAL, has),
    [A_declaration] = F(K_FLAG, DWC_DECLARATION, has),
    [A_byte_size] = F(K_CONST, DWC_BYTE_SIZE, byte_size),
    [A_decl_file] = F(K_CONST, DWC_DECL_FILE, decl_file),
    [A_decl_line] = F(K_CONST, DWC_DECL_LINE, decl_line),
    [A_const_value] = F(K_CONST, DWC_CONST_VALUE, const_value),
    [A_ranges] = L(DWC_RANGES, ranges),
    [A_location] = L(DWC_LOCATION, location),
    [A_frame_base] = L(DWC_FRAME_BASE, frame_base),
    [A_call_value] = L(DWC_CALL_VALUE, call_value),
};
/* and the four with numbers past the table */
static const field f_mips_linkage = F(K_STR, DWC_LINKAGE_NAME, linkage_name);
static const field f_gnu_call_value = L(DWC_CALL_VALUE, gnu_call_value);
static const field f_go_runtime_type = F(K_ADDR_CONST, DWC_GO_RUNTIME_TYPE, go_runtime_type);
static const field f_alloc_type = F(K_REF, DWC_ALLOC_TYPE, alloc_type);
#undef F
#undef L

static const field *field_of(uint32_t at)
{
    if (at < sizeof fields / sizeof fields[0])
        return fields[at].kind != K_NONE ? &fields[at] : NULL;
    return at == A_MIPS_linkage_name ? &f_mips_linkage
         : at == A_GNU_call_site_value ? &f_gnu_call_value
         : at == A_go_runtime_type ? &f_go_runtime_type
         : at == A_LLVM_alloc_type ? &f_alloc_type : NULL;
}

int dsc_read_code(dsc_unit *u, uint64_t off, dsc_code *dc)
{
    memset(dc, 0, sizeof *dc);
    dws_code_attrs *out = &dc->a;
    if (!u->code_ok || off < u->first || off >= u->end)
        return -1;
    cur c = { u->info + off, u->info + u->end, 0 };
    uint64_t code = uleb(&c);
    if (c.bad || code == 0 || code >= u->nab || !u->ab[code].defined)
        return -1;
    const abbrev *ab = &u->ab[code];
    out->off = off;
    out->tag = (uint16_t)ab->tag;
    out->has_children = ab->children;
    uint64_t high = 0;
    int have_high = 0, high_is_offset = 0;
    for (uint32_t i = 0; i < ab->nspec; i++) {
        const spec *sp = &u->specs[ab->first + i];
        aval v;
        read_val(u, &c, sp, &v, 0);
        if (c.bad)
            return -1;
        if (sp->at == AT_sibling) {
            dc->has_sib = 1;
            dc->sib = v.is_ref ? v.u : 0;
            continue;
        }
        const field *fd = field_of(sp->at);
        if (fd == NULL)
            continue;
        if (v.unsupported) {
            /* as code_attr: a constant, flag or location in a form we do
            ** not take is left out; anything else the DIE needs, libdwarf
            ** reads */
            if (fd->kind == K_LOC || fd->kind == K_CONST || fd->kind == K_FLAG)
                continue;
            return -1;
        }
        if (sp->at == A_high_pc) {
            if (v.is_const || v.is_addr) {
                high = v.u;
                have_high = 1;
                high_is_offset = v.is_const;
            }
            continue;
        }
        int ok;
        switch (fd->kind) {
        case K_CONST: ok = v.is_const; break;
        case K_ADDR: ok = v.is_addr; break;
        case K_ADDR_CONST: ok = v.is_addr || v.is_const; break;
        case K_OFFSET: ok = v.is_const || v.form == F_sec_offset; break;
        case K_FLAG: ok = v.is_flag && v.u; break;
        case K_STR: ok = v.is_str; break;
        case K_REF:
            ok = v.is_ref || v.form == F_sec_offset;
            if (!ok && v.form != F_ref_sig8)
                return -1;          /* let libdwarf say what it makes of it */
            break;
        default:                    /* K_LOC: kept as written, read on demand */
            keep_attr((dsc_attr *)((char *)dc + fd->off), &v);
            out->has |= fd->bit;
            continue;
        }
        if (!ok)
            continue;
        out->has |= fd->bit;
        if (fd->kind == K_STR)
            *(const char **)((char *)out + fd->off) = (const char *)v.blk;
        else if (fd->kind != K_FLAG)
            *(uint64_t *)((char *)out + fd->off) = v.u;
    }
    dws_code_finish(out, high, have_high, high_is_offset);
    dc->after = (uint64_t)(c.p - u->info);
    return 0;
}

#define push_range dws_push_range

/* Offset of list idx of a DWARF 5 offsets table at base (rnglistx,
** loclistx): relative to the base. */
static int listx(const unit *u, const uint8_t *sec, size_t len, uint64_t base, uint64_t idx,
                 uint64_t *off)
{
    int ok = 1;
    if (idx > (uint64_t)1 << 32)
        return -1;
    uint64_t rel = sec_u(sec, len, base + idx * u->off_size, u->off_size, &ok);
    *off = base + rel;
    return ok ? 0 : -1;
}

#define MAX_LIST 100000

int dsc_ranges(dsc_unit *u, const dsc_code *dc, dws_range **v, size_t *n, size_t *cap)
{
    uint64_t cu_base = u->cu_base;
    const dws_code_attrs *a = &dc->a;
    if ((a->has & (DWC_LOW_PC | DWC_HIGH_PC)) == (DWC_LOW_PC | DWC_HIGH_PC))
        push_range(v, n, cap, a->low_pc, a->high_pc);
    if (!(a->has & DWC_RANGES))
        return 0;
    const dsc_attr *at = &dc->ranges;
    uint64_t off;
    if (u->version >= 5) {
        if (at->form == F_rnglistx) {
            if (!u->have_rnglists_base ||
                listx(u, u->sec.rnglists, u->sec.rnglists_len, u->rnglists_base, at->val,
                      &off) != 0)
                return -1;
        } else if (at->form == F_sec_offset) {
            off = at->val;
        } else {
            return -1;
        }
        if (u->sec.rnglists == NULL || off >= u->sec.rnglists_len)
            return -1;
        cur c = { u->sec.rnglists + off, u->sec.rnglists + u->sec.rnglists_len, 0 };
        uint64_t base = cu_base;
        for (int i = 0; i < MAX_LIST; i++) {
            unsigned kind = (unsigned)rd(&c, 1);
            uint64_t x, y;
            switch (kind) {
            case 0: return c.bad ? -1 : 0;                      /* end_of_list */
            case 1:                                             /* base_addressx */
                if (addr_at(u, uleb(&c), &base) != 0)
                    return -1;
                break;
            case 2:                                             /* startx_endx */
                if (addr_at(u, uleb(&c), &x) != 0 || addr_at(u, uleb(&c), &y) != 0)
                    return -1;
                push_range(v, n, cap, x, y);
                break;
            case 3:                                             /* startx_length */
                if (addr_at(u, uleb(&c), &x) != 0)
                    return -1;
                y = uleb(&c);
                push_range(v, n, cap, x, x + y);
                break;
            case 4:                                             /* offset_pair */
                x = uleb(&c);
                y = uleb(&c);
                push_range(v, n, cap, base + x, base + y);
                break;
            case 5: base = rd(&c, u->addr_size); break;         /* base_address */
            case 6:                                             /* start_end */
                x = rd(&c, u->addr_size);
                y = rd(&c, u->addr_size);
                push_range(v, n, cap, x, y);
                break;
            case 7:                                             /* start_length */
                x = rd(&c, u->addr_size);
                y = uleb(&c);
                push_range(v, n, cap, x, x + y);
                break;
            default:
                return -1;
            }
            if (c.bad)
                return -1;
        }
        return 0;
    }
    if (at->form != F_sec_offset && at->form != F_data4 && at->form != F_data8)
        return -1;
    off = at->val;
    if (u->sec.ranges == NULL || off >= u->sec.ranges_len)
        return -1;
    cur c = { u->sec.ranges + off, u->sec.ranges + u->sec.ranges_len, 0 };
    uint64_t base = cu_base;
    uint64_t all = u->addr_size == 8 ? ~(uint64_t)0 : 0xffffffffu;
    for (int i = 0; i < MAX_LIST; i++) {
        uint64_t x = rd(&c, u->addr_size), y = rd(&c, u->addr_size);
        if (c.bad)
            return -1;
        if (x == 0 && y == 0)
            break;
        if (x == all)
            base = y;
        else
            push_range(v, n, cap, base + x, base + y);
    }
    return 0;
}

/* Operand encodings of DW_OP_*: what follows the opcode. */
enum { O_NONE, O_ADDR, O_U1, O_S1, O_U2, O_S2, O_U4, O_S4, O_U8, O_S8, O_ULEB, O_SLEB,
       O_ULEB_SLEB, O_ULEB_ULEB, O_OFF, O_OFF_SLEB, O_BLOCK, O_ULEB_B1BLOCK, O_U1_ULEB,
       O_BAD };

static int op_operands(unsigned op)
{
    if (op >= 0x30 && op <= 0x6f)       /* lit0-31, reg0-31 */
        return O_NONE;
    if (op >= 0x70 && op <= 0x8f)       /* breg0-31 */
        return O_SLEB;
    switch (op) {
    case 0x03: return O_ADDR;
    case 0x06: case 0x12: case 0x13: case 0x14: case 0x16: case 0x17: case 0x19:
    case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f: case 0x20:
    case 0x21: case 0x22: case 0x24: case 0x25: case 0x26: case 0x27: case 0x29:
    case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e: case 0x96: case 0x97:
    case 0x9b: case 0x9c: case 0x9f: case 0xe0: case 0xf0:
        return O_NONE;
    case 0x08: return O_U1;
    case 0x09: return O_S1;
    case 0x0a: return O_U2;
    case 0x0b: return O_S2;
    case 0x0c: return O_U4;
    case 0x0d: return O_S4;
    case 0x0e: return O_U8;
    case 0x0f: return O_S8;
    case 0x10: return O_ULEB;
    case 0x11: return O_SLEB;
    case 0x15: return O_U1;             /* pick */
    case 0x23: return O_ULEB;           /* plus_uconst */
    case 0x28: case 0x2f: return O_S2;  /* bra, skip */
    case 0x90: return O_ULEB;           /* regx */
    case 0x91: return O_SLEB;           /* fbreg */
    case 0x92: return O_ULEB_SLEB;      /* bregx */
    case 0x93: return O_ULEB;           /* piece */
    case 0x94: case 0x95: return O_U1;  /* deref_size, xderef_size */
    case 0x98: return O_U2;             /* call2 */
    case 0x99: return O_U4;             /* call4 */
    case 0x9a: return O_OFF;            /* call_ref */
    case 0x9d: return O_ULEB_ULEB;      /* bit_piece */
    case 0x9e: return O_BLOCK;          /* implicit_value */
    case 0xa0: case 0xf2: return O_OFF_SLEB;    /* implicit_pointer */
    case 0xa1: case 0xa2: case 0xfb: case 0xfc: return O_ULEB;  /* addrx, constx */
    case 0xa3: case 0xf3: return O_BLOCK;       /* entry_value */
    case 0xa4: case 0xf4: return O_ULEB_B1BLOCK; /* const_type */
    case 0xa5: case 0xf5: return O_ULEB_ULEB;   /* regval_type */
    case 0xa6: case 0xa7: case 0xf6: return O_U1_ULEB; /* deref_type */
    case 0xa8: case 0xa9: case 0xf7: case 0xf9: return O_ULEB; /* convert, reinterpret */
    case 0xfa: return O_U4;             /* GNU_parameter_ref */
    case 0xfd: return O_OFF;            /* GNU_variable_value */
    default: return O_BAD;
    }
}

/* Decode an expression into l (at most DWS_MAX_OPS operations, as
** dws_locations does).  -1 when an operation is not known. */
static int decode_expr(const unit *u, const uint8_t *p, size_t len, dws_loc *l)
{
    cur c = { p, p + len, 0 };
    l->nops = 0;
    l->truncated = 0;
    while (c.p < c.end) {
        if (l->nops >= DWS_MAX_OPS) {
            l->truncated = 1;
            return 0;
        }
        unsigned op = (unsigned)rd(&c, 1);
        uint64_t n1 = 0, n2 = 0;
        switch (op_operands(op)) {
        case O_NONE:
            if (op >= 0x30 && op <= 0x4f)   /* lit0-31: libdwarf gives the value */
                n1 = op - 0x30;
            break;
        case O_ADDR: n1 = rd(&c, u->addr_size); break;
        case O_U1: n1 = rd(&c, 1); break;
        case O_S1: n1 = (uint64_t)(int64_t)(int8_t)rd(&c, 1); break;
        case O_U2: n1 = rd(&c, 2); break;
        case O_S2: n1 = (uint64_t)(int64_t)(int16_t)rd(&c, 2); break;
        case O_U4: n1 = rd(&c, 4); break;
        case O_S4: n1 = (uint64_t)(int64_t)(int32_t)rd(&c, 4); break;
        case O_U8: case O_S8: n1 = rd(&c, 8); break;
        case O_ULEB: n1 = uleb(&c); break;
        case O_SLEB: n1 = (uint64_t)sleb(&c); break;
        case O_ULEB_SLEB: n1 = uleb(&c); n2 = (uint64_t)sleb(&c); break;
        case O_ULEB_ULEB: n1 = uleb(&c); n2 = uleb(&c); break;
        case O_OFF: n1 = rd(&c, u->off_size); break;
        case O_OFF_SLEB: n1 = rd(&c, u->off_size); n2 = (uint64_t)sleb(&c); break;
        case O_BLOCK:                   /* the block's length and address */
            n1 = uleb(&c);
            n2 = (uint64_t)(uintptr_t)c.p;
            skip(&c, n1);
            break;
        case O_ULEB_B1BLOCK: n1 = uleb(&c); n2 = rd(&c, 1); skip(&c, n2); break;
        case O_U1_ULEB: n1 = rd(&c, 1); n2 = uleb(&c); break;
        default: return -1;
        }
        if (c.bad)
            return -1;
        dws_op *o = &l->ops[l->nops++];
        o->op = (uint8_t)op;
        o->n1 = n1;
        o->n2 = n2;
    }
    return 0;
}

static int push_loc(const unit *u, dws_loc **v, size_t *n, size_t *cap, uint64_t lo,
                    uint64_t hi, const uint8_t *p, size_t len)
{
    dws_loc l;
    memset(&l, 0, sizeof l);
    l.lo = lo;
    l.hi = hi;
    if (decode_expr(u, p, len, &l) != 0)
        return -1;
    if (l.nops == 0 && !(lo == 0 && hi == UINT64_MAX))
        return 0;           /* dws_locations drops list entries without operations */
    *HP_PUSH(*v, *n, *cap) = l;
    return 0;
}

int dsc_locations(dsc_unit *u, const dsc_attr *at, dws_loc **v, size_t *n, size_t *cap)
{
    if (at->form == 0)
        return 0;
    if (at->blk != NULL)
        return push_loc(u, v, n, cap, 0, UINT64_MAX, at->blk, at->blen);
    size_t n0 = *n;
    uint64_t off;
    int rc = -1;
    if (u->version >= 5) {
        if (at->form == F_loclistx) {
            if (!u->have_loclists_base ||
                listx(u, u->sec.loclists, u->sec.loclists_len, u->loclists_base, at->val,
                      &off) != 0)
                goto out;
        } else if (at->form == F_sec_offset) {
            off = at->val;
        } else {
            goto out;
        }
        if (u->sec.loclists == NULL || off >= u->sec.loclists_len)
            goto out;
        cur c = { u->sec.loclists + off, u->sec.loclists + u->sec.loclists_len, 0 };
        uint64_t base = u->cu_base;
        for (int i = 0; i < MAX_LIST; i++) {
            unsigned kind = (unsigned)rd(&c, 1);
            uint64_t x = 0, y = 0;
            int has_expr = 1;
            switch (kind) {
            case 0:                                             /* end_of_list */
                rc = c.bad ? -1 : 0;
                goto out;
            case 1:                                             /* base_addressx */
                if (addr_at(u, uleb(&c), &base) != 0)
                    goto out;
                has_expr = 0;
                break;
            case 2:                                             /* startx_endx */
                if (addr_at(u, uleb(&c), &x) != 0 || addr_at(u, uleb(&c), &y) != 0)
                    goto out;
                break;
            case 3:                                             /* startx_length */
                if (addr_at(u, uleb(&c), &x) != 0)
                    goto out;
                y = x + uleb(&c);
                break;
            case 4:                                             /* offset_pair */
                x = uleb(&c);
                y = uleb(&c);
                x += base;
                y += base;
                break;
            case 5: x = 0; y = UINT64_MAX; break;               /* default_location */
            case 6: base = rd(&c, u->addr_size); has_expr = 0; break; /* base_address */
            case 7:                                             /* start_end */
                x = rd(&c, u->addr_size);
                y = rd(&c, u->addr_size);
                break;
            case 8:                                             /* start_length */
                x = rd(&c, u->addr_size);
                y = x + uleb(&c);
                break;
            default:
                goto out;
            }
            if (has_expr) {
                uint64_t len = uleb(&c);
                if (c.bad || len > (uint64_t)(c.end - c.p))
                    goto out;
                if (push_loc(u, v, n, cap, x, y, c.p, (size_t)len) != 0)
                    goto out;
                c.p += len;
            }
            if (c.bad)
                goto out;
        }
        rc = 0;
        goto out;
    }
    if (at->form != F_sec_offset && at->form != F_data4 && at->form != F_data8)
        goto out;
    off = at->val;
    if (u->sec.loc == NULL || off >= u->sec.loc_len)
        goto out;
    {
        cur c = { u->sec.loc + off, u->sec.loc + u->sec.loc_len, 0 };
        uint64_t base = u->cu_base;
        uint64_t all = u->addr_size == 8 ? ~(uint64_t)0 : 0xffffffffu;
        for (int i = 0; i < MAX_LIST; i++) {
            uint64_t x = rd(&c, u->addr_size), y = rd(&c, u->addr_size);
            if (c.bad)
                goto out;
            if (x == 0 && y == 0)
                break;
            if (x == all) {
                base = y;
                continue;
            }
            uint64_t len = rd(&c, 2);
            if (c.bad || len > (uint64_t)(c.end - c.p))
                goto out;
            if (push_loc(u, v, n, cap, base + x, base + y, c.p, (size_t)len) != 0)
                goto out;
            c.p += len;
        }
        rc = 0;
    }
out:
    if (rc != 0)
        *n = n0;
    return rc;
}
