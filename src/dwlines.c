/*
** dwlines.c -- DWARF facts about code addresses (see dwlines.h).
**
** Each of the `jobs` threads takes the units whose index is its own
** modulo the thread count, over the sections dt_load() already
** decompressed.  A unit is entered only when its address ranges hold an
** address we were asked about (units without any range attribute are
** entered too: we cannot tell).  Inside a unit only the top-level DIEs
** are visited (namespaces and, for C++ and Rust, aggregates are descended
** into, since member function definitions may nest there); a subprogram
** is looked at only when its low/high pc (read without decoding anything
** else) or its ranges hold an address, and inside it only the scopes
** holding a site's pc or one of its probes.  Types are resolved on demand
** by DIE offset and memoized per thread, so a struct pointed to from a
** thousand functions is read once or twice.  A site is claimed by the
** first thread that finds its subprogram (atomically), so each site is
** written by one thread; variables are merged by site at the end, so the
** result does not depend on the thread count.
**
** The line-number program is decoded here, not through libdwarf (whose
** per-row allocations cost more than the rest of the scan).  So are the
** DIEs themselves, wherever the raw reader (dwscan.h) takes them: the
** unit's subprograms, their scopes, variables and call sites, their range
** and location lists, and the types and abstract origins they refer to
** in any unit.  libdwarf creates a Dwarf_Die per DIE and, for the first
** location list, a table of all of them; on python3.11 that was two
** thirds of the DWARF half of the scan.  Units come from the raw header
** chain, and their unit DIE and file table are read raw too; each thread
** still has a libdwarf handle, which opens a unit's DIE only for Go units
** (their runtime type descriptors) and reads by offset any DIE or list
** the raw reader refuses (tests/dwscan_check: none from gcc, clang,
** rustc, Go, python3.11 or vmlinux).
**
** Limits (documented in db/README.md): location lists are reduced to
** register / CFA+offset / register+offset shapes (and a value computed as
** register+offset); a frame base that is
** itself a location list is not followed; call-site parameter values must
** be constant expressions.
*/
#include "dwlines.h"
#include "dwscan.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dwshim.h"

/* DWARF constants (fixed by the standard; dwarf.h stays inside dwshim.c) */
enum {
    TAG_class = 0x02, TAG_formal_parameter = 0x05, TAG_lexical_block = 0x0b,
    TAG_pointer = 0x0f, TAG_compile_unit = 0x11, TAG_structure = 0x13,
    TAG_typedef = 0x16, TAG_union = 0x17, TAG_inlined_subroutine = 0x1d,
    TAG_base = 0x24, TAG_const = 0x26, TAG_subprogram = 0x2e, TAG_variable = 0x34,
    TAG_volatile = 0x35, TAG_restrict = 0x37, TAG_namespace = 0x39,
    TAG_enumeration = 0x04, TAG_atomic = 0x47, TAG_immutable = 0x4b,
    TAG_call_site = 0x48, TAG_call_site_parameter = 0x49,
    TAG_GNU_call_site = 0x4109, TAG_GNU_call_site_parameter = 0x410a,
    TAG_partial_unit = 0x3c, TAG_array = 0x01,
};
enum {
    AT_location = 0x02, AT_frame_base = 0x40, AT_call_value = 0x7e,
    AT_GNU_call_site_value = 0x2111,
};
enum {
    OP_addr = 0x03, OP_const1u = 0x08, OP_consts = 0x11, OP_lit0 = 0x30, OP_lit31 = 0x4f,
    OP_reg0 = 0x50, OP_reg31 = 0x6f, OP_breg0 = 0x70, OP_breg31 = 0x8f, OP_regx = 0x90,
    OP_fbreg = 0x91, OP_bregx = 0x92, OP_call_frame_cfa = 0x9c, OP_stack_value = 0x9f,
    OP_addrx = 0xa1, OP_GNU_addr_index = 0xfb,
};

#define MAX_WALK_DEPTH 64
#define MAX_TYPE_HOPS 24

/* offset -> dl_type* memo; the sentinel marks "not a pointer to data". */
typedef struct memo_ent {
    uint64_t key;               /* offset + 1 (0 = empty) */
    const dl_type *val;
} memo_ent;

/* What one thread collects; the pieces are merged into dl_info. */
typedef struct dl_part {
    hp_arena arena;             /* types, names, locations: live until dl_free */
    dl_gotype *go;
    size_t ngo, gocap;
    uint64_t skipped;
    memo_ent *memo;
    size_t memo_n, memo_cap;    /* cap is a power of two */
    dl_var *vars;
    uint32_t *var_site;         /* site index of vars[i] */
    size_t nvars, varcap, vscap;
} dl_part;

struct dl_info {
    dl_part *parts;
    int nparts;
    dl_var *vars;               /* every site's variables, grouped by site */
    dl_gotype *go;
    size_t ngo;
    uint64_t skipped;
};

static const dl_type none_type;     /* sentinel: resolved, no aggregate */

typedef enum { FB_NONE = 0, FB_CFA, FB_BREG } fb_kind;

/* one row of a line-number program */
typedef struct lrow {
    uint64_t addr;
    uint32_t file;               /* the file register, as DW_AT_decl_file numbers files */
    uint32_t line;
    uint8_t end_sequence;
} lrow;

typedef struct walker {
    dws_file *f;
    dl_part *d;
    _Atomic uint8_t *claimed;   /* per site: a thread took it */
    _Atomic uint8_t *fclaimed;  /* per function */
    dl_site *sites;
    size_t nsites;
    dl_func *funcs;
    size_t nfuncs;
    int want_go;
    int want_members;           /* some site wants dl_type.members */
    int member_depth;           /* nesting of members being read */
    int inner_depth;            /* pointee() inside a pointer's pointee */
    int scoped;                 /* C++ / Rust unit: descend into aggregates */
    dws_cu cu;                  /* cu.die: libdwarf's, opened only when needed */
    uint64_t unit_die;          /* offset of the unit DIE */
    int cu_die_tried;
    uint64_t cu_base;
    const char **files;         /* cleaned names, into the arena on first use */
    const char **rawfiles;      /* the table as read (kept until the unit ends) */
    char **rawblock;            /* dsc_file_names' block, or NULL */
    uint64_t nfiles;
    int files_loaded;
    /* a split unit (-gsplit-dwarf): its DIEs are read through libdwarf
    ** from the .dwo or .dwp (w->u NULL); the skeleton's raw parse and
    ** the file table of its line table, which the rows number files by */
    int split;
    dsc_unit *sku;
    const char **lfiles;
    char **lrawblock;
    uint64_t nlfiles;
    int lfiles_loaded;
    /* line table intervals for the current unit (lazy) */
    const uint8_t *line_sec;    /* .debug_line bytes */
    size_t line_len;
    const uint8_t *info_sec;    /* .debug_info and .debug_abbrev bytes for */
    size_t info_len;            /* the raw subprogram scan (dwscan.h); */
    const uint8_t *abbrev_sec;  /* NULL: walk through libdwarf */
    size_t abbrev_len;
    dsc_sections secs;          /* what raw attribute values point into */
    dsc_unit *u;                /* the current unit, raw; NULL: libdwarf only */
    const uint64_t *unit_offs;  /* every unit's header offset, in order */
    size_t nunit_offs;
    dsc_unit **others;          /* per unit: opened for a reference into it */
    uint8_t *others_bad;        /* per unit: the raw reader refused it */
    uint64_t *offs;             /* scratch: subprogram offsets of a unit */
    size_t noffs, offcap;
    uint64_t stmt_list;
    int has_stmt;
    lrow *rows;
    size_t nrows, rowcap;
    int rows_loaded;
    /* scratch */
    dws_range *rv;
    size_t rn, rcap;
    dws_loc *lv;
    size_t ln, lcap;
    uint32_t *unit_sites;       /* sites found in the current unit */
    size_t nunit_sites, unit_sites_cap;
    /* line sequences of the current unit: [first row, end row] */
    size_t *seq;
    size_t nseq, seqcap;
    /* current subprogram */
    fb_kind fb;
    uint8_t fb_reg;
    int64_t fb_off;
} walker;

/* ---- small helpers ---- */

static int64_t sgn(uint64_t v)
{
    return (int64_t)v;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

/* first site index with pc >= addr */
static size_t site_lb(const walker *w, uint64_t addr)
{
    return hp_lower_bound(w->sites, 0, w->nsites, sizeof *w->sites, offsetof(dl_site, pc), addr);
}

/* first function index with entry >= addr */
static size_t func_lb(const walker *w, uint64_t addr)
{
    return hp_lower_bound(w->funcs, 0, w->nfuncs, sizeof *w->funcs, offsetof(dl_func, entry),
                          addr);
}

static int ranges_hit(const walker *w, const dws_range *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t s = site_lb(w, r[i].lo);
        if (s < w->nsites && w->sites[s].pc < r[i].hi)
            return 1;
        size_t k = func_lb(w, r[i].lo);
        if (k < w->nfuncs && w->funcs[k].entry < r[i].hi)
            return 1;
    }
    return 0;
}

/* ---- memo ---- */

static const dl_type *memo_get(const dl_part *d, uint64_t off, int *found)
{
    *found = 0;
    if (d->memo_cap == 0)
        return NULL;
    uint64_t key = off + 1;
    size_t mask = d->memo_cap - 1;
    size_t i = (size_t)(hp_mix64(key) & mask);
    while (d->memo[i].key != 0) {
        if (d->memo[i].key == key) {
            *found = 1;
            return d->memo[i].val;
        }
        i = (i + 1) & mask;
    }
    return NULL;
}

static void memo_put(dl_part *d, uint64_t off, const dl_type *val)
{
    if ((d->memo_n + 1) * 2 > d->memo_cap) {
        size_t ncap = d->memo_cap ? d->memo_cap * 2 : 1024;
        memo_ent *nm = hp_xcalloc(ncap, sizeof *nm);
        for (size_t i = 0; i < d->memo_cap; i++) {
            if (d->memo[i].key == 0)
                continue;
            size_t j = (size_t)(hp_mix64(d->memo[i].key) & (ncap - 1));
            while (nm[j].key != 0)
                j = (j + 1) & (ncap - 1);
            nm[j] = d->memo[i];
        }
        free(d->memo);
        d->memo = nm;
        d->memo_cap = ncap;
    }
    uint64_t key = off + 1;
    size_t mask = d->memo_cap - 1;
    size_t i = (size_t)(hp_mix64(key) & mask);
    while (d->memo[i].key != 0 && d->memo[i].key != key)
        i = (i + 1) & mask;
    if (d->memo[i].key == 0)
        d->memo_n++;
    d->memo[i].key = key;
    d->memo[i].val = val;
}

/* ---- file names ---- */

/* "/usr/bin/../lib/gcc/x/../../../../include/a.h" -> "/usr/include/a.h":
** clang writes paths through its own directory; "." and "dir/.." are
** dropped lexically (the files are not looked at). */
static char *clean_path(hp_arena *ar, const char *p)
{
    size_t n = strlen(p);
    char *out = hp_arena_alloc(ar, n + 1);
    size_t o = 0;
    int abs = p[0] == '/';
    const char *s = p;
    while (*s) {
        while (*s == '/')
            s++;
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - s);
        if (len == 1 && s[0] == '.') {
            /* skip */
        } else if (len == 2 && s[0] == '.' && s[1] == '.' && o > 0 &&
                   !(o >= 2 && out[o - 1] == '.' && out[o - 2] == '.' &&
                     (o == 2 || out[o - 3] == '/'))) {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;            /* the slash before the dropped part */
            if (o == 0 && abs)
                out[o++] = '/';
        } else if (len > 0) {
            if (o > 0 && out[o - 1] != '/')
                out[o++] = '/';
            else if (o == 0 && abs)
                out[o++] = '/';
            memcpy(out + o, s, len);
            o += len;
        }
        s = e;
    }
    if (o == 0 && abs)
        out[o++] = '/';
    out[o] = '\0';
    return out;
}

static dws_die cu_die(walker *w);

/* The unit's file table: read from the line table header here (dwscan.h:
** dsc_file_names, the names dwarf_srcfiles gives, without its per-unit
** allocations and process-wide lock), else through libdwarf. */
static const char *file_name(walker *w, uint64_t idx)
{
    if (!w->files_loaded) {
        w->files_loaded = 1;
        const char **names = NULL;
        char **raw = NULL;
        uint64_t n = 0;
        hp_err e2 = {0};
        if (w->u && w->has_stmt &&
            dsc_file_names(w->line_sec, w->line_len, w->stmt_list, dsc_comp_dir(w->u),
                           &w->secs, w->cu.version, &raw, &n) == 0) {
            names = (const char **)raw;
        } else {
            dws_die die = cu_die(w);
            if (die == NULL || dws_srcfiles(w->f, die, w->cu.version, &names, &n, &e2) != 0)
                n = 0;
        }
        if (n > 0 && n < (1u << 24)) {
            /* a kernel unit names ~150 files and its sites use a few:
            ** each is cleaned when first asked for */
            w->files = hp_arena_alloc(&w->d->arena, (size_t)n * sizeof *w->files);
            memset(w->files, 0, (size_t)n * sizeof *w->files);
            w->rawfiles = names;
            w->rawblock = raw;
            w->nfiles = n;
        } else {
            free(raw);
        }
    }
    if (idx >= w->nfiles)
        return NULL;
    if (w->files[idx] == NULL && w->rawfiles[idx] != NULL)
        w->files[idx] = clean_path(&w->d->arena, w->rawfiles[idx]);
    return w->files[idx];
}
/* The file the line table's rows name by idx: in a split unit, of the
** skeleton's line table (the unit's DIEs may number them by another). */
static const char *line_file(walker *w, uint64_t idx)
{
    if (!w->split)
        return file_name(w, idx);
    if (!w->lfiles_loaded) {
        w->lfiles_loaded = 1;
        uint64_t n = 0;
        if (w->has_stmt &&
            dsc_file_names(w->line_sec, w->line_len, w->stmt_list,
                           w->sku ? dsc_comp_dir(w->sku) : NULL, &w->secs, w->cu.version,
                           &w->lrawblock, &n) == 0 && n > 0 && n < (1u << 24)) {
            w->lfiles = hp_arena_alloc(&w->d->arena, (size_t)n * sizeof *w->lfiles);
            memset(w->lfiles, 0, (size_t)n * sizeof *w->lfiles);
            w->nlfiles = n;
        }
    }
    if (idx >= w->nlfiles)
        return NULL;
    if (w->lfiles[idx] == NULL && w->lrawblock[idx] != NULL)
        w->lfiles[idx] = clean_path(&w->d->arena, w->lrawblock[idx]);
    return w->lfiles[idx];
}

static int in_unit(const walker *w, uint64_t off)
{
    return off >= w->cu.hdr_offset && off < w->cu.next_offset;
}

/* ---- types ---- */

static int is_cv(uint16_t tag)
{
    return tag == TAG_typedef || tag == TAG_const || tag == TAG_volatile ||
           tag == TAG_restrict || tag == TAG_atomic || tag == TAG_immutable;
}

static int is_agg(uint16_t tag)
{
    return tag == TAG_structure || tag == TAG_class || tag == TAG_union;
}

/* The raw reader of the unit holding off (types and abstract origins are
** often in another unit: LTO partitions refer to the units they came
** from), opened on first use; NULL: read through libdwarf. */
static dsc_unit *unit_of(walker *w, uint64_t off)
{
    if (in_unit(w, off))
        return w->u;
    size_t k = hp_upper_bound(w->unit_offs, 0, w->nunit_offs, sizeof *w->unit_offs, 0, off);
    if (k == 0)
        return NULL;
    k--;
    if (w->others == NULL) {
        w->others = hp_xcalloc(w->nunit_offs + 1, sizeof *w->others);
        w->others_bad = hp_xcalloc(w->nunit_offs + 1, 1);
    }
    if (w->others[k] == NULL && !w->others_bad[k]) {
        dsc_unit *u = dsc_open(w->info_sec, w->info_len, w->abbrev_sec, w->abbrev_len,
                               w->unit_offs[k], MAX_WALK_DEPTH);
        if (u && dsc_code_init(u, &w->secs) != 0) {
            dsc_close(u);
            u = NULL;
        }
        w->others[k] = u;
        w->others_bad[k] = u == NULL;
    }
    return w->others[k];
}

static int read_at(walker *w, uint64_t off, dws_code_attrs *a)
{
    dsc_code dc;
    dsc_unit *u = w->u ? unit_of(w, off) : NULL;
    if (u && dsc_read_code(u, off, &dc) == 0) {
        *a = dc.a;
        return 0;
    }
    hp_err e2 = {0};
    dws_die die = dws_offdie(w->f, off, &e2);
    if (die == NULL)
        return -1;
    int rc = dws_read_code(w->f, die, a, &e2);
    dws_die_free(w->f, die);
    return rc;
}

static const dl_type *pointee(walker *w, uint64_t off);

/* The members of the aggregate at off that are aggregates (through
** typedefs and qualifiers), into t->members: read through libdwarf, which
** has the member locations; a member that does not read is left out. */
static void read_members(walker *w, uint64_t off, dl_type *t)
{
    if (w->member_depth >= 8)
        return;
    w->member_depth++;
    dl_member *v = NULL;
    size_t n = 0, cap = 0;
    hp_err e2 = {0};
    dws_die die = dws_offdie(w->f, off, &e2);
    dws_die c = die ? dws_child(w->f, die, &e2) : NULL;
    for (int k = 0; c && k < 4096; k++) {
        dws_attrs a;
        if (dws_read(w->f, c, &a, &e2) == 0 && a.tag == 0x0d && (a.has & DWA_MEMBER_LOC) &&
            (a.has & DWA_TYPE)) {
            const dl_type *mt = pointee(w, a.type);
            if (mt != &none_type && mt->name && mt->size > 0) {
                dl_member *m = HP_PUSH(v, n, cap);
                m->off = a.member_loc;
                m->type = mt;
            }
        }
        dws_die next = dws_sibling(w->f, c, &e2);
        dws_die_free(w->f, c);
        c = next;
    }
    if (c)
        dws_die_free(w->f, c);
    if (die)
        dws_die_free(w->f, die);
    if (n > 0) {
        dl_member *m = hp_arena_alloc(&w->d->arena, n * sizeof *m);
        memcpy(m, v, n * sizeof *m);
        t->members = m;
        t->nmembers = (uint32_t)n;
    }
    free(v);
    w->member_depth--;
}

/* The pointee of a pointer type at `off`, as a dl_type (memoized by the
** pointee's offset).  Aggregates get name/size/decl; anything else only a
** printable pointee_name. */
static const dl_type *pointee(walker *w, uint64_t off)
{
    int found;
    const dl_type *m = memo_get(w->d, off, &found);
    if (found)
        return m;
    const char *tdname = NULL;
    uint64_t cur = off;
    dws_code_attrs a;
    const dl_type *res = &none_type;
    for (int hop = 0; hop < MAX_TYPE_HOPS; hop++) {
        if (read_at(w, cur, &a) != 0) {
            w->d->skipped++;
            break;
        }
        if (is_cv(a.tag)) {
            if (a.tag == TAG_typedef && a.name && tdname == NULL)
                tdname = a.name;
            if (!(a.has & DWC_TYPE)) {
                /* typedef/const of nothing: void */
                dl_type *t = hp_arena_alloc(&w->d->arena, sizeof *t);
                memset(t, 0, sizeof *t);
                t->pointee_name = "void";
                res = t;
                break;
            }
            cur = a.type;
            continue;
        }
        dl_type *t = hp_arena_alloc(&w->d->arena, sizeof *t);
        memset(t, 0, sizeof *t);
        if (is_agg(a.tag)) {
            t->tag = (uint8_t)a.tag;
            const char *nm = a.name ? a.name : tdname;
            t->name = nm ? hp_arena_strdup(&w->d->arena, nm) : NULL;
            t->size = (a.has & DWC_BYTE_SIZE) ? a.byte_size : 0;
            t->declaration = (a.has & DWC_DECLARATION) != 0;
            t->decl_line = (a.has & DWC_DECL_LINE) ? (uint32_t)a.decl_line : 0;
            if ((a.has & DWC_DECL_FILE) && in_unit(w, cur))
                t->decl_file = file_name(w, a.decl_file);
            if (w->want_members && !t->declaration && a.has_children)
                read_members(w, cur, t);
        } else if (a.tag == TAG_pointer) {
            t->pointee_name = "pointer";
            if ((a.has & DWC_TYPE) && w->inner_depth == 0) {
                w->inner_depth++;
                const dl_type *in = pointee(w, a.type);
                w->inner_depth--;
                t->inner = in == &none_type ? NULL : in;
            }
        } else if (a.name) {
            t->pointee_name = hp_arena_strdup(&w->d->arena, a.name);
        } else {
            t->pointee_name = "?";
        }
        res = t;
        break;
    }
    memo_put(w->d, off, res);
    return res;
}

/* Type at `off` seen through typedefs/qualifiers: if it is a pointer,
** what it points to; else NULL. */
static const dl_type *ptr_target(walker *w, uint64_t off)
{
    dws_code_attrs a;
    uint64_t cur = off;
    for (int hop = 0; hop < MAX_TYPE_HOPS; hop++) {
        if (read_at(w, cur, &a) != 0)
            return NULL;
        if (is_cv(a.tag) && (a.has & DWC_TYPE)) {
            cur = a.type;
            continue;
        }
        if (a.tag == TAG_pointer) {
            if (!(a.has & DWC_TYPE)) {
                static const dl_type void_t = { .pointee_name = "void" };
                return &void_t;
            }
            const dl_type *t = pointee(w, a.type);
            return t == &none_type ? NULL : t;
        }
        return NULL;
    }
    return NULL;
}

/* Memoized ptr_target keyed by the (variable's) type offset.  Offsets of
** type DIEs never collide with the pointee memo's keys in a harmful way:
** both map a type DIE offset to what it ultimately points at... except
** that pointee() is keyed by the pointee.  Keep separate key spaces by
** tagging with the top bit. */
static const dl_type *var_type(walker *w, uint64_t off)
{
    uint64_t key = off | (1ULL << 63);
    int found;
    const dl_type *m = memo_get(w->d, key, &found);
    if (found)
        return m == &none_type ? NULL : m;
    const dl_type *t = ptr_target(w, off);
    memo_put(w->d, key, t ? t : &none_type);
    return t;
}

/* The type attribute of a DIE, following abstract_origin/specification
** (memoized per origin: every inlined copy of a variable points at the
** same abstract one). */
static int type_of_(walker *w, const dws_code_attrs *a, uint64_t *type);
static int type_of(walker *w, const dws_code_attrs *a, uint64_t *type)
{
    if (a->has & DWC_TYPE) {
        *type = a->type;
        return 1;
    }
    uint64_t org = (a->has & DWC_ORIGIN) ? a->origin :
                   (a->has & DWC_SPECIFICATION) ? a->specification : 0;
    if (org == 0)
        return 0;
    uint64_t key = org | (1ULL << 62);
    int found;
    const dl_type *m = memo_get(w->d, key, &found);
    if (found) {
        /* the memo holds offsets as pointers: 0 means "no type" */
        *type = (uint64_t)(uintptr_t)m;
        return m != NULL;
    }
    int r = type_of_(w, a, type);
    memo_put(w->d, key, r ? (const dl_type *)(uintptr_t)*type : NULL);
    return r;
}

static int type_of_(walker *w, const dws_code_attrs *a, uint64_t *type)
{
    uint64_t next = (a->has & DWC_ORIGIN) ? a->origin :
                    (a->has & DWC_SPECIFICATION) ? a->specification : 0;
    dws_code_attrs b;
    for (int hop = 0; next && hop < 4; hop++) {
        if (read_at(w, next, &b) != 0)
            return 0;
        if (b.has & DWC_TYPE) {
            *type = b.type;
            return 1;
        }
        next = (b.has & DWC_ORIGIN) ? b.origin :
               (b.has & DWC_SPECIFICATION) ? b.specification : 0;
    }
    return 0;
}

/* DW_AT_name (linkage 0) or DW_AT_linkage_name (1) of a DIE, through its
** abstract origin and specification (a member's declaration holds them). */
static const char *name_through(walker *w, const dws_code_attrs *a, int linkage)
{
    const char *n = linkage ? a->linkage_name : a->name;
    uint64_t next = (a->has & DWC_ORIGIN) ? a->origin :
                    (a->has & DWC_SPECIFICATION) ? a->specification : 0;
    dws_code_attrs b;
    for (int hop = 0; n == NULL && next && hop < 4; hop++) {
        if (read_at(w, next, &b) != 0)
            return NULL;
        n = linkage ? b.linkage_name : b.name;
        next = (b.has & DWC_ORIGIN) ? b.origin :
               (b.has & DWC_SPECIFICATION) ? b.specification : 0;
    }
    return n;
}

static const char *name_of(walker *w, const dws_code_attrs *a)
{
    return name_through(w, a, 0);
}

/* ---- a standard allocator's element type (dl_site.alloc_elem) ---- */

/* The linkage name of a subprogram or inlined subroutine. */
static const char *linkage_of(walker *w, const dws_code_attrs *a)
{
    return name_through(w, a, 1);
}

/* Is ln the `allocate` member of a standard allocator of T: std::allocator
** ("Sa"), std::__new_allocator (gcc 12+), __gnu_cxx::new_allocator,
** std::allocator_traits<std::allocator<T>>, libc++'s std::__1::allocator
** and its allocator_traits (libc++ puts an ABI tag "B..." after the name)?
** allocator_traits of any other allocator is not: that allocator's own
** allocate decides what it asks operator new for. */
static int std_allocate(const char *ln)
{
    static const char *const pre[] = {
        "_ZNSaI", "_ZNSt15__new_allocatorI", "_ZN9__gnu_cxx13new_allocatorI",
        "_ZNSt16allocator_traitsISaI", "_ZNSt3__19allocatorI",
        "_ZNSt3__116allocator_traitsINS_9allocatorI",
    };
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (strncmp(ln, pre[i], strlen(pre[i])) == 0)
            return strstr(ln, "E8allocateE") != NULL || strstr(ln, "E8allocateB") != NULL;
    return 0;
}

static const dl_type sa_other, sa_neutral;  /* std_alloc_frame's sentinels */

/* What one frame around a call says about the element type: a standard
** allocate returning T * (T), a libc++ helper between allocate and
** operator new (&sa_neutral: changes nothing), anything else (&sa_other).
** Memoized by the abstract origin (every inlined copy shares it). */
static const dl_type *std_alloc_frame(walker *w, const dws_code_attrs *a)
{
    uint64_t key = ((a->has & DWC_ORIGIN) ? a->origin : a->off) | (1ULL << 61);
    int found;
    const dl_type *m = memo_get(w->d, key, &found);
    if (found)
        return m;
    const dl_type *res = &sa_other;
    const char *ln = linkage_of(w, a);
    uint64_t rt;
    if (ln && std_allocate(ln)) {
        const dl_type *t = type_of(w, a, &rt) ? var_type(w, rt) : NULL;
        if (t && (t->name || (t->pointee_name && strcmp(t->pointee_name, "void") != 0 &&
                              strcmp(t->pointee_name, "?") != 0)))
            res = t;
    } else {
        const char *nm = name_of(w, a);
        if (nm && strncmp(nm, "__libcpp_", 9) == 0)
            res = &sa_neutral;
    }
    memo_put(w->d, key, res);
    return res;
}

/* The linkage name of an inlined frame that may be a class's own operator
** new / new[] (_ZN<class>nwE..., _ZN<class>naE...), else NULL: a cheap
** filter, the caller checks the name; no_class_new when it is not. */
static const char no_class_new[] = "";
static const char *class_new_frame(walker *w, const dws_code_attrs *a)
{
    const char *ln = linkage_of(w, a);
    if (ln == NULL || strncmp(ln, "_ZN", 3) != 0 || !(strstr(ln, "nwE") || strstr(ln, "naE")))
        return no_class_new;
    return hp_arena_strdup(&w->d->arena, ln);
}

/* The frame a (outer frames already applied) around site: innermost wins. */
static void std_alloc_apply(dl_site *site, const dl_type *t)
{
    if (t == &sa_other)
        site->alloc_elem = NULL;
    else if (t != &sa_neutral)
        site->alloc_elem = t;
}

/* ---- locations ---- */

/* DW_OP_bregN off or DW_OP_bregx N off: 1 with the register and offset
** in out, else 0 (out left as it was). */
static int breg_of(const dws_op *o, dl_varloc *out)
{
    if (o->op >= OP_breg0 && o->op <= OP_breg31) {
        out->reg = (uint8_t)(o->op - OP_breg0);
        out->off = sgn(o->n1);
        return 1;
    }
    if (o->op == OP_bregx && o->n1 < 256) {
        out->reg = (uint8_t)o->n1;
        out->off = sgn(o->n2);
        return 1;
    }
    return 0;
}

static int reduce_loc(const walker *w, const dws_loc *l, dl_varloc *out)
{
    if (l->truncated || l->nops < 1 || l->nops > 2)
        return 0;
    const dws_op *o = &l->ops[0];
    out->lo = l->lo;
    out->hi = l->hi;
    if (l->nops == 2) {
        /* DW_OP_bregN off; DW_OP_stack_value: the value is reg + off
        ** (&l->g kept as the pointer l plus the member's offset); only
        ** for the callers that asked for members (indirect calls) */
        if (l->ops[1].op != OP_stack_value || !w->want_members || !breg_of(o, out))
            return 0;
        out->kind = DL_LOC_VALUE;
        return 1;
    }
    if (o->op >= OP_reg0 && o->op <= OP_reg31) {
        out->kind = DL_LOC_REG;
        out->reg = (uint8_t)(o->op - OP_reg0);
        out->off = 0;
        return 1;
    }
    if (o->op == OP_regx && o->n1 < 256) {
        out->kind = DL_LOC_REG;
        out->reg = (uint8_t)o->n1;
        return 1;
    }
    if (breg_of(o, out)) {
        out->kind = DL_LOC_BREG;
        return 1;
    }
    if (o->op == OP_fbreg) {
        if (w->fb == FB_CFA) {
            out->kind = DL_LOC_CFA;
            out->off = sgn(o->n1);
            return 1;
        }
        if (w->fb == FB_BREG) {
            out->kind = DL_LOC_BREG;
            out->reg = w->fb_reg;
            out->off = w->fb_off + sgn(o->n1);
            return 1;
        }
    }
    return 0;
}

/* ---- code DIEs by offset ----
** The scope walk names DIEs by offset and reads them raw (dwscan.h) when
** the unit opened that way; any DIE, list or step the raw reader does not
** take is read through libdwarf instead, the DIE opened by offset. */

typedef struct cdie {
    dsc_code c;                 /* c.a: the attributes */
    dws_die die;                /* libdwarf's, when opened (owned) */
    int raw;                    /* c came from the raw reader */
} cdie;

static int cd_read(walker *w, uint64_t off, cdie *d)
{
    d->die = NULL;
    d->raw = w->u != NULL && dsc_read_code(w->u, off, &d->c) == 0;
    if (d->raw)
        return 0;
    memset(&d->c, 0, sizeof d->c);
    hp_err e2 = {0};
    d->die = dws_offdie(w->f, off, &e2);
    if (d->die == NULL || dws_read_code(w->f, d->die, &d->c.a, &e2) != 0) {
        if (d->die)
            dws_die_free(w->f, d->die);
        d->die = NULL;
        return -1;
    }
    return 0;
}

static void cd_free(walker *w, cdie *d)
{
    if (d->die)
        dws_die_free(w->f, d->die);
    d->die = NULL;
}

static dws_die cd_die(walker *w, cdie *d)
{
    if (d->die == NULL) {
        hp_err e2 = {0};
        d->die = dws_offdie(w->f, d->c.a.off, &e2);
    }
    return d->die;
}

/* dws_ranges of d into w->rv (appended after w->rn) */
static int cd_ranges(walker *w, cdie *d, hp_err *err)
{
    size_t n0 = w->rn;
    if (d->raw && dsc_ranges(w->u, &d->c, &w->rv, &w->rn, &w->rcap) == 0)
        return 0;
    w->rn = n0;
    dws_die die = cd_die(w, d);
    return die ? dws_ranges(w->f, die, &d->c.a, w->cu_base, &w->rv, &w->rn, &w->rcap, err) : -1;
}

/* dws_locations of attribute attr of d into w->lv (after w->ln) */
static int cd_locations(walker *w, cdie *d, uint16_t attr, hp_err *err)
{
    if (d->raw) {
        const dsc_attr *at = attr == AT_location ? &d->c.location
                           : attr == AT_frame_base ? &d->c.frame_base
                           : attr == AT_call_value ? &d->c.call_value
                           : attr == AT_GNU_call_site_value ? &d->c.gnu_call_value : NULL;
        if (at && dsc_locations(w->u, at, &w->lv, &w->ln, &w->lcap) == 0)
            return 0;
    }
    dws_die die = cd_die(w, d);
    return die ? dws_locations(w->f, die, attr, &w->lv, &w->ln, &w->lcap, err) : -1;
}

/* First child / next sibling of the DIE at off: 1 and *out, 0 none. */
static int cd_step(walker *w, uint64_t off, int child, uint64_t *out)
{
    if (w->u) {
        int r = child ? dsc_first_child(w->u, off, out) : dsc_next_sibling(w->u, off, out);
        if (r >= 0)
            return r;
    }
    hp_err e2 = {0};
    dws_die die = dws_offdie(w->f, off, &e2);
    if (die == NULL)
        return 0;
    dws_die next = child ? dws_child(w->f, die, &e2) : dws_sibling(w->f, die, &e2);
    dws_die_free(w->f, die);
    if (next == NULL) {
        if (e2.set)
            w->d->skipped++;
        return 0;
    }
    *out = dws_offset(w->f, next);
    dws_die_free(w->f, next);
    return 1;
}

/* The next sibling of the DIE at *off, which was read as d when read is
** set: from what the read found (dsc_sibling_of), not by parsing the DIE
** again.  1 and *off, 0 at the end of the list. */
static int cd_next(walker *w, const cdie *d, int read, uint64_t *off)
{
    if (read && d->raw) {
        int r = dsc_sibling_of(w->u, &d->c, off);
        if (r >= 0)
            return r;
    }
    return cd_step(w, *off, 0, off);
}

static void read_frame_base(walker *w, cdie *d)
{
    w->fb = FB_NONE;
    w->ln = 0;
    hp_err e2 = {0};
    if (cd_locations(w, d, AT_frame_base, &e2) != 0 ||
        w->ln != 1 || w->lv[0].nops != 1 || w->lv[0].truncated)
        return;
    const dws_op *o = &w->lv[0].ops[0];
    if (o->op == OP_call_frame_cfa) {
        w->fb = FB_CFA;
    } else if (o->op >= OP_breg0 && o->op <= OP_breg31) {
        w->fb = FB_BREG;
        w->fb_reg = (uint8_t)(o->op - OP_breg0);
        w->fb_off = sgn(o->n1);
    } else if (o->op >= OP_reg0 && o->op <= OP_reg31) {
        /* frame base is the register's value: fbreg(k) = [reg + k] */
        w->fb = FB_BREG;
        w->fb_reg = (uint8_t)(o->op - OP_reg0);
        w->fb_off = 0;
    }
}

/* A constant DWARF expression's value. */
static int const_value(const dws_loc *l, int64_t *v)
{
    if (l->truncated || l->nops < 1 || l->nops > 2)
        return 0;
    if (l->nops == 2 && l->ops[1].op != OP_stack_value)
        return 0;
    uint8_t op = l->ops[0].op;
    if (op >= OP_lit0 && op <= OP_lit31) {
        *v = op - OP_lit0;
        return 1;
    }
    if ((op >= OP_const1u && op <= OP_consts) || op == OP_addr) {
        *v = sgn(l->ops[0].n1);
        return 1;
    }
    return 0;
}

/* ---- scopes ---- */

typedef struct subset {
    uint32_t *idx;              /* site indexes */
    size_t n, cap;
} subset;

/* Subset entries are site indexes; PROBE_ONLY marks a site whose pc is not
** in the scope but one of its probes is: its variables count, its line and
** inline depth do not. */
#define PROBE_ONLY 0x80000000u
#define SITE(e) ((e) & ~PROBE_ONLY)

static int in_ranges(const dws_range *r, size_t nr, uint64_t pc)
{
    for (size_t i = 0; i < nr; i++)
        if (pc >= r[i].lo && pc < r[i].hi)
            return 1;
    return 0;
}

static void subset_of(walker *w, const dws_range *r, size_t nr, const subset *parent,
                      subset *out)
{
    out->n = 0;
    for (size_t k = 0; k < parent->n; k++) {
        const dl_site *st = &w->sites[SITE(parent->idx[k])];
        uint32_t e = SITE(parent->idx[k]);
        if (!(parent->idx[k] & PROBE_ONLY) && in_ranges(r, nr, st->pc)) {
            uint32_t *s = HP_PUSH(out->idx, out->n, out->cap);
            *s = e;
            continue;
        }
        for (int p = 0; p < st->nprobe && p < DL_MAX_PROBES; p++)
            if (in_ranges(r, nr, st->probe[p])) {
                uint32_t *s = HP_PUSH(out->idx, out->n, out->cap);
                *s = e | PROBE_ONLY;
                break;
            }
    }
}

static void add_var(walker *w, const subset *s, const char *name, const dl_type *t,
                    const dl_varloc *locs, uint32_t nlocs, int is_param, int depth)
{
    dl_part *d = w->d;
    for (size_t k = 0; k < s->n; k++) {
        dl_site *site = &w->sites[SITE(s->idx[k])];
        if (site->nvars >= 256)
            continue;
        site->nvars++;
        dl_var *v = HP_PUSH(d->vars, d->nvars, d->varcap);
        hp_grow((void **)&d->var_site, &d->vscap, d->nvars, sizeof *d->var_site);
        d->var_site[d->nvars - 1] = SITE(s->idx[k]);
        v->name = name;
        v->type = t;
        v->locs = (dl_varloc *)locs;
        v->nlocs = nlocs;
        v->is_param = (uint8_t)is_param;
        v->inline_depth = (uint8_t)(depth > 255 ? 255 : depth);
    }
}

static void do_variable(walker *w, cdie *d, const subset *s, int depth)
{
    const dws_code_attrs *a = &d->c.a;
    uint64_t toff;
    if (!(a->has & DWC_LOCATION) || !type_of(w, a, &toff))
        return;
    const dl_type *t = var_type(w, toff);
    if (t == NULL)
        return;
    w->ln = 0;
    hp_err e2 = {0};
    if (cd_locations(w, d, AT_location, &e2) != 0) {
        w->d->skipped++;
        return;
    }
    if (w->ln == 0)
        return;
    dl_varloc *locs = hp_arena_alloc(&w->d->arena, w->ln * sizeof *locs);
    uint32_t n = 0;
    for (size_t i = 0; i < w->ln && n < UINT32_MAX; i++)
        if (reduce_loc(w, &w->lv[i], &locs[n]))
            n++;
    if (n == 0)
        return;
    /* the name is kept when the DIE has it; following the abstract origin
    ** only for a name would cost more than everything else here */
    add_var(w, s, a->name ? hp_arena_strdup(&w->d->arena, a->name) : NULL, t, locs, n,
            a->tag == TAG_formal_parameter, depth);
}

/* A call-site parameter: the register it is passed in and, when the
** value is a constant expression, the constant. */
static int call_param(walker *w, cdie *c, uint8_t *reg, int64_t *val)
{
    hp_err e2 = {0};
    w->ln = 0;
    if (cd_locations(w, c, AT_location, &e2) != 0 || w->ln != 1 || w->lv[0].nops != 1)
        return 0;
    uint8_t op = w->lv[0].ops[0].op;
    if (op < OP_reg0 || op > OP_reg31)
        return 0;
    *reg = (uint8_t)(op - OP_reg0);
    static const uint16_t attrs[2] = { AT_call_value, AT_GNU_call_site_value };
    for (int i = 0; i < 2; i++) {
        w->ln = 0;
        if (cd_locations(w, c, attrs[i], &e2) == 0 && w->ln == 1)
            return const_value(&w->lv[0], val);
    }
    return 0;
}

static void do_call_site(walker *w, const cdie *d, const subset *s, int params)
{
    const dws_code_attrs *a = &d->c.a;
    dl_site *site = NULL;
    for (size_t k = 0; k < s->n; k++) {
        if (s->idx[k] & PROBE_ONLY)
            continue;
        dl_site *c = &w->sites[s->idx[k]];
        if (((a->has & DWC_RETURN_PC) && c->ret_pc == a->return_pc) ||
            ((a->has & DWC_CALL_PC) && c->pc == a->call_pc)) {
            site = c;
            break;
        }
    }
    if (site == NULL)
        return;
    if ((a->has & DWC_ALLOC_TYPE) && site->want_alloc_type) {
        const dl_type *t = pointee(w, a->alloc_type);
        site->alloc_type = t == &none_type ? NULL : t;
    }
    if (!a->has_children || !params)
        return;
    uint64_t off;
    int more = cd_step(w, a->off, 1, &off);
    for (int guard = 0; more == 1 && guard < 4096; guard++) {
        cdie c;
        int read = cd_read(w, off, &c) == 0;
        if (read) {
            uint16_t tag = c.c.a.tag;
            uint8_t reg;
            int64_t val;
            if ((tag == TAG_call_site_parameter || tag == TAG_GNU_call_site_parameter) &&
                site->nparams < DL_MAX_PARAMS && call_param(w, &c, &reg, &val)) {
                site->param_reg[site->nparams] = reg;
                site->param_val[site->nparams] = val;
                site->nparams++;
            }
        }
        more = cd_next(w, &c, read, &off);
        cd_free(w, &c);
    }
}

/* Walk the children of the scope d (a subprogram, block or inlined
** call) for the sites in s. */
static void walk_scope(walker *w, const cdie *parent, const subset *s, int depth, int inl)
{
    if (depth > MAX_WALK_DEPTH || s->n == 0 || !parent->c.a.has_children)
        return;
    hp_err e2 = {0};
    /* variables and call sites are read only for the sites that need them */
    int want_vars = 0, want_params = 0, want_at = 0;
    for (size_t k = 0; k < s->n; k++) {
        want_vars |= w->sites[SITE(s->idx[k])].want_vars;
        want_params |= w->sites[SITE(s->idx[k])].want_params;
        want_at |= w->sites[SITE(s->idx[k])].want_alloc_type;
    }
    subset sub = {0};
    uint64_t off;
    int more = cd_step(w, parent->c.a.off, 1, &off);
    while (more == 1) {
        cdie c;
        if (cd_read(w, off, &c) != 0) {
            w->d->skipped++;
            more = cd_next(w, &c, 0, &off);
            continue;
        }
        const dws_code_attrs *a = &c.c.a;
        switch (a->tag) {
        case TAG_lexical_block:
        case TAG_inlined_subroutine: {
            /* most blocks hold none of the sites: tell from low/high pc */
            if ((a->has & (DWC_LOW_PC | DWC_HIGH_PC)) == (DWC_LOW_PC | DWC_HIGH_PC)) {
                dws_range r1 = { a->low_pc, a->high_pc };
                subset_of(w, &r1, 1, s, &sub);
                if (sub.n == 0)
                    break;
            } else if (!(a->has & DWC_RANGES)) {
                break;
            }
            w->rn = 0;
            if (cd_ranges(w, &c, &e2) != 0)
                break;
            subset_of(w, w->rv, w->rn, s, &sub);
            if (sub.n == 0)
                break;
            if (a->tag == TAG_inlined_subroutine) {
                const dl_type *sa = NULL;
                const char *cn = NULL;
                for (size_t k = 0; k < sub.n; k++) {
                    if (sub.idx[k] & PROBE_ONLY)
                        continue;
                    dl_site *site = &w->sites[sub.idx[k]];
                    if (site->want_alloc_elem) {
                        if (sa == NULL)
                            sa = std_alloc_frame(w, a);
                        std_alloc_apply(site, sa);
                    }
                    if (site->want_class_new) {
                        if (cn == NULL)
                            cn = class_new_frame(w, a);
                        if (cn != NULL && cn != no_class_new)
                            site->class_new = cn;
                    }
                    site->inline_depth++;
                    /* the outermost inlined call gives the caller's line;
                    ** when it has none (clang's line 0 on merged calls),
                    ** the next call of the chain that has one */
                    if ((inl == 0 || site->line == 0) && (a->has & DWC_CALL_LINE) &&
                        a->call_line > 0) {
                        site->line = (uint32_t)a->call_line;
                        site->file = (a->has & DWC_CALL_FILE) ? file_name(w, a->call_file) : NULL;
                    }
                    if (site->want_inline) {   /* deeper levels come later */
                        const char *nm = name_of(w, a);
                        site->inlined = nm ? hp_arena_strdup(&w->d->arena, nm) : NULL;
                        site->inlined_line = (a->has & DWC_CALL_LINE) ? (uint32_t)a->call_line : 0;
                        site->inlined_file = (a->has & DWC_CALL_FILE) ? file_name(w, a->call_file)
                                                                       : NULL;
                    }
                }
            }
            {
                /* recursion needs its own subset storage */
                subset mine = sub;
                sub = (subset){0};
                walk_scope(w, &c, &mine, depth + 1, inl + (a->tag == TAG_inlined_subroutine));
                free(mine.idx);
            }
            break;
        }
        case TAG_variable:
        case TAG_formal_parameter:
            if (want_vars)
                do_variable(w, &c, s, inl);
            break;
        case TAG_call_site:
        case TAG_GNU_call_site:
            if (want_params || want_at)
                do_call_site(w, &c, s, want_params);
            break;
        default:
            break;
        }
        if (e2.set) {
            w->d->skipped++;
            e2.set = 0;
        }
        more = cd_next(w, &c, 1, &off);
        cd_free(w, &c);
    }
    free(sub.idx);
}

/* First formal parameter's pointee ("this" of a member function). */
static const dl_type *first_param_type(walker *w, const dws_code_attrs *a, int hops)
{
    const dl_type *res = NULL;
    uint64_t off;
    int more = a->has_children ? cd_step(w, a->off, 1, &off) : 0;
    for (int guard = 0; more == 1 && guard < 65536; guard++) {
        cdie c;
        int read = cd_read(w, off, &c) == 0;
        if (read && c.c.a.tag == TAG_formal_parameter) {
            uint64_t toff;
            if (type_of(w, &c.c.a, &toff))
                res = var_type(w, toff);
            cd_free(w, &c);
            return res;
        }
        more = cd_next(w, &c, read, &off);
        cd_free(w, &c);
    }
    /* an out-of-line instance may list no parameters: ask its origin */
    uint64_t org = (a->has & DWC_ORIGIN) ? a->origin :
                   (a->has & DWC_SPECIFICATION) ? a->specification : 0;
    if (org && hops < 4) {
        cdie od;
        if (cd_read(w, org, &od) == 0) {
            if (od.c.a.has_children && !(od.c.a.has & DWC_ORIGIN && od.c.a.origin == org))
                res = first_param_type(w, &od.c.a, hops + 1);
            cd_free(w, &od);
        }
    }
    return res;
}

/* The aggregates the formal parameters point to, by position, into
** f->param (dl_func.want_params; an out-of-line instance that lists no
** parameters: its origin's). */
static void params_of(walker *w, const dws_code_attrs *a, dl_func *f, int hops)
{
    uint64_t off;
    int more = a->has_children ? cd_step(w, a->off, 1, &off) : 0, n = 0;
    for (int guard = 0; more == 1 && guard < 65536 && n < DL_MAX_PARAMS; guard++) {
        cdie c;
        int read = cd_read(w, off, &c) == 0;
        if (read && c.c.a.tag == TAG_formal_parameter) {
            uint64_t toff;
            const dl_type *t = type_of(w, &c.c.a, &toff) ? var_type(w, toff) : NULL;
            f->param[n++] = t && t->tag != 0 && t->name ? t : NULL;
        }
        more = cd_next(w, &c, read, &off);
        cd_free(w, &c);
    }
    uint64_t org = (a->has & DWC_ORIGIN) ? a->origin :
                   (a->has & DWC_SPECIFICATION) ? a->specification : 0;
    if (n == 0 && org && hops < 4) {
        cdie od;
        if (cd_read(w, org, &od) == 0) {
            if (od.c.a.has_children && !(od.c.a.has & DWC_ORIGIN && od.c.a.origin == org))
                params_of(w, &od.c.a, f, hops + 1);
            cd_free(w, &od);
        }
    }
}

/* The aggregate a parameter or return type of an interface is or points
** to (dl_func.api), through typedefs, qualifiers, pointers, references
** (0x10, 0x42) and arrays (0x01). */
static int api_type(walker *w, uint64_t off, dl_api *out)
{
    dws_code_attrs a;
    uint64_t cur = off, tdfile = 0, named = off;   /* named: after the last indirection */
    int byval = 1, have_td = 0, td_here = 0;
    const dsc_unit *tdu = NULL;
    for (int hop = 0;; hop++) {
        if (hop >= MAX_TYPE_HOPS || read_at(w, cur, &a) != 0)
            return 0;
        if (a.tag == TAG_typedef && !have_td && (a.has & DWC_DECL_FILE)) {
            have_td = 1;
            tdfile = a.decl_file;
            /* a supplementary file's DIE (top bit) has no unit here */
            tdu = w->u && !(cur >> 63) ? unit_of(w, cur) : NULL;
            td_here = in_unit(w, cur);
        }
        int ind = a.tag == TAG_pointer || a.tag == 0x10 || a.tag == 0x42 || a.tag == 0x01;
        if ((is_cv(a.tag) || ind) && (a.has & DWC_TYPE)) {
            byval &= !ind;
            cur = a.type;
            if (ind)
                named = cur;
            continue;
        }
        break;
    }
    if (!is_agg(a.tag))
        return 0;
    const dl_type *t = pointee(w, named);   /* a typedef names an anonymous struct */
    if (t == NULL || t == &none_type || t->tag == 0)
        return 0;
    out->type = t;
    out->by_value = (uint8_t)byval;
    /* the typedef and the definition in one file of one unit's table (a
    ** dwz partial unit holds both, with its own file table) */
    const dsc_unit *au = w->u && !(cur >> 63) ? unit_of(w, cur) : NULL;
    out->typedef_with_def = have_td && (a.has & DWC_DECL_FILE) && a.decl_file == tdfile &&
                            ((au != NULL && au == tdu) || (td_here && in_unit(w, cur)));
    return 1;
}

/* The constant values DWARF gives a subprogram's formal parameters. */
static void consts_of(walker *w, const dws_code_attrs *a, dl_func *f)
{
    uint64_t off;
    int more = a->has_children ? cd_step(w, a->off, 1, &off) : 0;
    for (int guard = 0; more == 1 && guard < 65536 && f->nconsts < DL_MAX_CONSTS; guard++) {
        cdie c;
        int read = cd_read(w, off, &c) == 0;
        if (read && c.c.a.tag == TAG_formal_parameter && (c.c.a.has & DWC_CONST_VALUE))
            f->consts[f->nconsts++] = c.c.a.const_value;
        more = cd_next(w, &c, read, &off);
        cd_free(w, &c);
    }
}

/* Every aggregate a subprogram's parameters and return value are or
** point to, into f->api (an out-of-line instance: its origin's). */
static void api_of(walker *w, const dws_code_attrs *a, dl_func *f, int hops)
{
    uint64_t off, rt;
    if (hops == 0 && type_of(w, a, &rt) && f->napi < DL_MAX_API &&
        api_type(w, rt, &f->api[f->napi]))
        f->napi++;
    int more = a->has_children ? cd_step(w, a->off, 1, &off) : 0, nparams = 0;
    for (int guard = 0; more == 1 && guard < 65536 && f->napi < DL_MAX_API; guard++) {
        cdie c;
        int read = cd_read(w, off, &c) == 0;
        if (read && c.c.a.tag == TAG_formal_parameter) {
            uint64_t toff;
            nparams++;
            if (type_of(w, &c.c.a, &toff) && api_type(w, toff, &f->api[f->napi]))
                f->napi++;
        }
        more = cd_next(w, &c, read, &off);
        cd_free(w, &c);
    }
    uint64_t org = (a->has & DWC_ORIGIN) ? a->origin :
                   (a->has & DWC_SPECIFICATION) ? a->specification : 0;
    if (nparams == 0 && org && hops < 4) {
        cdie od;
        if (cd_read(w, org, &od) == 0) {
            if (od.c.a.has_children && !(od.c.a.has & DWC_ORIGIN && od.c.a.origin == org))
                api_of(w, &od.c.a, f, hops + 1);
            cd_free(w, &od);
        }
    }
}

static void do_subprogram(walker *w, cdie *d)
{
    const dws_code_attrs *a = &d->c.a;
    w->rn = 0;
    hp_err e2 = {0};
    if (cd_ranges(w, d, &e2) != 0) {
        w->d->skipped++;
        return;
    }
    if (w->rn == 0 || !ranges_hit(w, w->rv, w->rn))
        return;
    /* copy: the scratch range vector is reused below */
    size_t nr = w->rn;
    dws_range *r = hp_xmalloc(nr * sizeof *r);
    memcpy(r, w->rv, nr * sizeof *r);

    uint64_t rt;
    const dl_type *ret = type_of(w, a, &rt) ? var_type(w, rt) : NULL;
    const char *nm = name_of(w, a);
    nm = nm ? hp_arena_strdup(&w->d->arena, nm) : NULL;

    for (size_t i = 0; i < nr; i++) {
        for (size_t k = func_lb(w, r[i].lo); k < w->nfuncs && w->funcs[k].entry < r[i].hi; k++) {
            uint64_t e = w->funcs[k].entry;
            int entry = (a->has & DWC_LOW_PC) ? e == a->low_pc :
                        (a->has & DWC_ENTRY_PC) ? e == a->entry_pc : e == r[i].lo;
            if (!entry || atomic_exchange(&w->fclaimed[k], 1))
                continue;
            w->funcs[k].ret_type = ret;
            w->funcs[k].this_type = first_param_type(w, a, 0);
            if (w->funcs[k].want_api)
                api_of(w, a, &w->funcs[k], 0);
            if (w->funcs[k].want_consts)
                consts_of(w, a, &w->funcs[k]);
            if (w->funcs[k].want_params)
                params_of(w, a, &w->funcs[k], 0);
        }
    }

    subset s = {0};
    const dl_type *sa = NULL;
    for (size_t i = 0; i < nr; i++) {
        for (size_t k = site_lb(w, r[i].lo); k < w->nsites && w->sites[k].pc < r[i].hi; k++) {
            dl_site *site = &w->sites[k];
            if (atomic_exchange(&w->claimed[k], 1))
                continue;
            site->found = 1;
            if (site->want_alloc_elem) {
                if (sa == NULL)
                    sa = std_alloc_frame(w, a);
                std_alloc_apply(site, sa);
            }
            uint32_t *u = HP_PUSH(w->unit_sites, w->nunit_sites, w->unit_sites_cap);
            *u = (uint32_t)k;
            site->subprogram = nm;
            site->ret_type = ret;
            uint32_t *p = HP_PUSH(s.idx, s.n, s.cap);
            *p = (uint32_t)k;
        }
    }
    free(r);
    if (s.n > 0 && a->has_children) {
        read_frame_base(w, d);
        walk_scope(w, d, &s, 0, 0);
    }
    free(s.idx);
}

/* ---- globals (dl_site.glob) ---- */

/* What the global of type toff is: a pointer (or an array of them) to
** something, or an aggregate (or an array of them). */
static void glob_type(walker *w, uint64_t toff, dl_global *g)
{
    dws_code_attrs a;
    uint64_t cur = toff;
    for (int hop = 0; hop < MAX_TYPE_HOPS; hop++) {
        if (read_at(w, cur, &a) != 0)
            return;
        if (is_cv(a.tag) && (a.has & DWC_TYPE)) {
            cur = a.type;
            continue;
        }
        if (a.tag == TAG_array && (a.has & DWC_TYPE) && !g->array) {
            g->array = 1;
            cur = a.type;
            continue;
        }
        break;
    }
    const dl_type *p = var_type(w, cur);
    if (p) {
        g->kind = DL_G_PTR;
        g->type = p;
        g->stride = 8;
        return;
    }
    const dl_type *t = pointee(w, cur);
    if (t && t != &none_type && t->tag != 0 && t->size > 0) {
        g->kind = DL_G_AGG;
        g->type = t;
        g->stride = t->size;
    }
}

/* dsc_variables for a split unit, whose DIEs only libdwarf reads: the
** variables at the top of the unit, of its namespaces and, when scoped,
** of its classes, into w->offs. */
static void split_variables(walker *w, dws_die parent, int depth)
{
    if (depth > MAX_WALK_DEPTH)
        return;
    hp_err e2 = {0};
    dws_die c = dws_child(w->f, parent, &e2);
    while (c) {
        uint16_t tag = dws_tag(w->f, c);
        if (tag == TAG_variable)
            *HP_PUSH(w->offs, w->noffs, w->offcap) = dws_offset(w->f, c);
        else if (tag == TAG_namespace ||
                 (w->scoped && (tag == TAG_structure || tag == TAG_class)))
            split_variables(w, c, depth + 1);
        dws_die next = dws_sibling(w->f, c, &e2);
        dws_die_free(w->f, c);
        c = next;
    }
    if (e2.set)
        w->d->skipped++;
}

/* The globals the unit's sites asked for: its top-level variables by
** address (DW_OP_addr), a declaration of one defined elsewhere by name. */
static void do_globals(walker *w)
{
    int want = 0;
    for (size_t i = 0; i < w->nunit_sites && !want; i++)
        want = w->sites[w->unit_sites[i]].nglob > 0;
    if (!want || (w->u == NULL && !w->split))
        return;
    w->noffs = 0;
    if (w->split) {
        /* a split unit (read through libdwarf): its top-level variables */
        dws_die die = cu_die(w);
        if (die != NULL)
            split_variables(w, die, 0);
    } else if (dsc_variables(w->u, w->scoped, &w->offs, &w->noffs, &w->offcap) != 0) {
        w->d->skipped++;
        return;
    }
    for (size_t k = 0; k < w->noffs; k++) {
        cdie d;
        if (cd_read(w, w->offs[k], &d) != 0) {
            w->d->skipped++;
            continue;
        }
        const dws_code_attrs *a = &d.c.a;
        uint64_t addr = 0, toff;
        int has_addr = 0;
        if (a->has & DWC_LOCATION) {
            hp_err e2 = {0};
            w->ln = 0;
            if (cd_locations(w, &d, AT_location, &e2) == 0 && w->ln == 1 &&
                !w->lv[0].truncated && w->lv[0].nops == 1) {
                const dws_op *o = &w->lv[0].ops[0];
                if (o->op == OP_addr) {
                    addr = o->n1;
                    has_addr = 1;
                } else if (o->op == OP_addrx || o->op == OP_GNU_addr_index) {
                    has_addr = w->u ? dsc_addrx(w->u, o->n1, &addr) == 0
                                    : dws_split_addrx(w->f, w->cu.die, o->n1, &addr) == 0;
                }
            }
        }
        const char *nm = !has_addr && !(a->has & DWC_LOCATION) ? name_of(w, a) : NULL;
        int typed = (has_addr || nm) && type_of(w, a, &toff);
        for (size_t i = 0; typed && i < w->nunit_sites; i++) {
            dl_site *s = &w->sites[w->unit_sites[i]];
            for (int j = 0; j < s->nglob && j < DL_MAX_GLOBALS; j++) {
                dl_global *g = &s->glob[j];
                if (g->kind == DL_G_NONE && !g->array &&
                    (has_addr ? addr == g->addr : g->name && strcmp(nm, g->name) == 0))
                    glob_type(w, toff, g);
            }
        }
        cd_free(w, &d);
    }
}

/* ---- line table ---- */

/* The unit's line-number program, decoded here rather than through
** libdwarf's dwarf_srclines_b, which allocates a structure per row and
** builds the file table: on a large binary that cost more than the whole
** rest of the site scan.  Only what a row needs is kept (address, file
** register, line, end of sequence); the header is skipped with its
** header_length, so every version from 2 to 5 decodes the same way.  All
** reads are bounds-checked; a malformed program ends the unit's rows. */
typedef struct lcur {
    const uint8_t *p, *end;
    int bad;
} lcur;

static uint64_t l_u(lcur *c, int n)
{
    if (c->end - c->p < n) {
        c->bad = 1;
        c->p = c->end;
        return 0;
    }
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | c->p[i];
    c->p += n;
    return v;
}

static uint64_t l_uleb(lcur *c)
{
    uint64_t v = 0;
    unsigned shift = 0;
    while (c->p < c->end) {
        uint8_t b = *c->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            return v;
    }
    c->bad = 1;
    return 0;
}

static int64_t l_sleb(lcur *c)
{
    int64_t v = 0;
    unsigned shift = 0;
    uint8_t b = 0x80;
    while (c->p < c->end && (b & 0x80)) {
        b = *c->p++;
        if (shift < 64)
            v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
        shift += 7;
    }
    if (b & 0x80) {
        c->bad = 1;
        return 0;
    }
    if (shift < 64 && (b & 0x40))
        v |= -((int64_t)1 << shift);
    return v;
}

static void push_row(walker *w, uint64_t addr, uint64_t file, uint64_t line, int end)
{
    lrow *r = HP_PUSH(w->rows, w->nrows, w->rowcap);
    r->addr = addr;
    r->file = file > UINT32_MAX ? UINT32_MAX : (uint32_t)file;
    r->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    r->end_sequence = (uint8_t)end;
}

static int decode_lines(walker *w, const uint8_t *sec, size_t seclen, uint64_t off)
{
    dsc_line_hdr h;
    if (dsc_line_header(sec, seclen, off, &h) != 0)
        return -1;
    lcur c = { h.prog, h.end, 0 };
    unsigned min_inst = h.min_inst, line_range = h.line_range, opcode_base = h.opcode_base;
    int line_base = h.line_base;
    const uint8_t *std_len = h.std_len;
    /* special opcodes (most of a program) by table: no division per row */
    uint32_t sp_addr[256];
    int32_t sp_line[256];
    for (unsigned op = opcode_base; op < 256; op++) {
        unsigned adj = op - opcode_base;
        sp_addr[op] = (adj / line_range) * min_inst;
        sp_line[op] = line_base + (int)(adj % line_range);
    }
    uint64_t addr = 0, file = 1, line = 1;
    size_t guard = 0;
    while (c.p < c.end && !c.bad && guard++ < (1u << 26)) {
        unsigned op = *c.p++;
        if (op >= opcode_base) {
            addr += sp_addr[op];
            line += (uint64_t)(int64_t)sp_line[op];
            push_row(w, addr, file, line, 0);
            continue;
        }
        switch (op) {
        case 0: {
            uint64_t n = l_uleb(&c);
            if (c.bad || n == 0 || n > (uint64_t)(c.end - c.p))
                return c.bad ? -1 : 0;
            const uint8_t *next = c.p + n;
            unsigned sub = *c.p++;
            if (sub == 1) {             /* end_sequence */
                push_row(w, addr, file, line, 1);
                addr = 0;
                file = 1;
                line = 1;
            } else if (sub == 2 && n - 1 <= 8) {
                addr = l_u(&c, (int)(n - 1));
            }
            c.p = next;
            break;
        }
        case 1:
            push_row(w, addr, file, line, 0);
            break;
        case 2:
            addr += l_uleb(&c) * min_inst;
            break;
        case 3:
            line += (uint64_t)l_sleb(&c);
            break;
        case 4:
            file = l_uleb(&c);
            break;
        case 8:
            addr += (uint64_t)((255 - opcode_base) / line_range) * min_inst;
            break;
        case 9:
            addr += l_u(&c, 2);
            break;
        case 6: case 7: case 10: case 11:
            break;
        default:                        /* 5, 12 and unknown: skip operands */
            for (unsigned k = 0; k < std_len[op - 1] && !c.bad; k++)
                l_uleb(&c);
            break;
        }
    }
    return c.bad ? -1 : 0;
}

/* Rows come in sequences, each ending with an end_sequence row; inside a
** sequence addresses never decrease.  The row covering pc is the last one
** at or below pc in the sequence whose range holds pc; among rows at one
** address the last in table order wins, as in addr2line. */
static void load_rows(walker *w)
{
    if (w->rows_loaded)
        return;
    w->rows_loaded = 1;
    w->nrows = 0;
    w->nseq = 0;
    if (!w->has_stmt || w->line_sec == NULL ||
        decode_lines(w, w->line_sec, w->line_len, w->stmt_list) != 0)
        w->d->skipped += w->has_stmt != 0;
    size_t start = 0;
    for (size_t i = 0; i < w->nrows; i++) {
        if (!w->rows[i].end_sequence)
            continue;
        if (i > start) {
            size_t *p = HP_PUSH(w->seq, w->nseq, w->seqcap);
            *p = start;
            p = HP_PUSH(w->seq, w->nseq, w->seqcap);
            *p = i;
        }
        start = i + 1;
    }
}

static void line_for(walker *w, dl_site *s)
{
    load_rows(w);
    for (size_t q = 0; q + 1 < w->nseq; q += 2) {
        size_t first = w->seq[q], end = w->seq[q + 1];
        if (s->pc < w->rows[first].addr || s->pc >= w->rows[end].addr)
            continue;
        /* the last row in [first, end) with addr <= pc */
        size_t lo = hp_upper_bound(w->rows, first, end, sizeof *w->rows, offsetof(lrow, addr),
                                   s->pc);
        if (lo == first)
            continue;
        const lrow *r = &w->rows[lo - 1];
        /* line 0: code the compiler merged from several lines (clang gives
        ** one call of two branches no line); the nearest row of the
        ** sequence with a line before it, else after it, names the place */
        for (size_t k = lo - 1; r->line == 0 && k > first; k--)
            if (w->rows[k - 1].line > 0)
                r = &w->rows[k - 1];
        for (size_t k = lo; r->line == 0 && k < end; k++)
            if (w->rows[k].line > 0)
                r = &w->rows[k];
        if (r->line > 0) {
            s->line = r->line;
            s->file = line_file(w, r->file);
        }
        return;
    }
}

/* ---- units ---- */

static void go_type(walker *w, dws_die die)
{
    dws_code_attrs a;
    hp_err e2 = {0};
    if (dws_read_code(w->f, die, &a, &e2) != 0 || !(a.has & DWC_GO_RUNTIME_TYPE) ||
        a.name == NULL)
        return;
    dl_gotype *g = HP_PUSH(w->d->go, w->d->ngo, w->d->gocap);
    g->runtime_type = a.go_runtime_type;
    g->name = hp_arena_strdup(&w->d->arena, a.name);
    g->size = (a.has & DWC_BYTE_SIZE) ? a.byte_size : 0;
    g->tag = a.tag;
}

/* A subprogram DIE of the unit: read it only if it may hold a wanted pc. */
static void visit_subprogram(walker *w, uint64_t off)
{
    cdie d;
    if (cd_read(w, off, &d) != 0) {
        w->d->skipped++;
        return;
    }
    /* most subprograms hold no address we want: decide that from
    ** low/high pc alone */
    const dws_code_attrs *a = &d.c.a;
    dws_range r1 = { a->low_pc, a->high_pc };
    int bounded = (a->has & (DWC_LOW_PC | DWC_HIGH_PC)) == (DWC_LOW_PC | DWC_HIGH_PC);
    if ((bounded ? ranges_hit(w, &r1, 1) : (a->has & DWC_RANGES) != 0) &&
        !(a->has & DWC_DECLARATION))
        do_subprogram(w, &d);
    cd_free(w, &d);
}

static void walk_top(walker *w, dws_die parent, int depth, int hit)
{
    if (depth > MAX_WALK_DEPTH)
        return;
    hp_err e2 = {0};
    dws_die c = dws_child(w->f, parent, &e2);
    while (c) {
        uint16_t tag = dws_tag(w->f, c);
        if (tag == TAG_subprogram && hit) {
            visit_subprogram(w, dws_offset(w->f, c));
        } else if (tag == TAG_namespace) {
            walk_top(w, c, depth + 1, hit);
        } else if (w->want_go && depth == 0 && (tag == TAG_structure || tag == TAG_base ||
                   tag == TAG_pointer || tag == TAG_typedef || tag == 0x01 /* array */)) {
            go_type(w, c);
        } else if (hit && w->scoped && (tag == TAG_structure || tag == TAG_class)) {
            walk_top(w, c, depth + 1, hit);
        }
        if (e2.set) {
            w->d->skipped++;
            e2.set = 0;
        }
        dws_die next = dws_sibling(w->f, c, &e2);
        dws_die_free(w->f, c);
        c = next;
    }
}

/* The same visit without walking the unit through libdwarf: the raw scan
** names the subprograms that have code (dwscan.h) and only those are
** read.  0 when done, -1 when the unit must be walked after all. */
static int scan_top(walker *w)
{
    w->noffs = 0;
    if (w->u == NULL || dsc_subprograms(w->u, w->scoped, &w->offs, &w->noffs, &w->offcap) != 0)
        return -1;
    for (size_t i = 0; i < w->noffs; i++)
        visit_subprogram(w, w->offs[i]);
    return 0;
}

/* libdwarf's DIE of the current unit, opened on first need (Go units,
** units the raw reader refuses, file tables it refuses): opening every
** unit through libdwarf cost more than the rest of the scan on vmlinux. */
static dws_die cu_die(walker *w)
{
    if (w->cu.die == NULL && !w->cu_die_tried) {
        hp_err e2 = {0};
        w->cu_die_tried = 1;
        w->cu.die = dws_offdie(w->f, w->unit_die, &e2);
        if (e2.set)
            w->d->skipped++;
    }
    return w->cu.die;
}

/* Whether the unit at hdr may be a skeleton (-gsplit-dwarf; dwshim.h:
** dws_split_unit says for sure): DWARF 5 says so in its header, DWARF 4
** by DW_AT_GNU_dwo_id. */
static int is_skeleton(walker *w, uint64_t hdr, unsigned version)
{
    if (version >= 5) {
        if (hdr + 4 > w->info_len)
            return 0;
        uint64_t at = hdr + (w->info_sec[hdr] == 0xff && w->info_sec[hdr + 1] == 0xff &&
                             w->info_sec[hdr + 2] == 0xff && w->info_sec[hdr + 3] == 0xff
                             ? 12 : 4) + 2;
        return at < w->info_len && w->info_sec[at] == 4;       /* DW_UT_skeleton */
    }
    uint32_t form = 0;
    uint64_t v = 0;
    return w->u == NULL || dsc_attr_value(w->u, w->unit_die, 0x2131 /* GNU_dwo_id */, &form,
                                          &v) == 1;
}

/* The unit whose header is at hdr: read raw where dwscan.h can. */
static void do_unit(walker *w, uint64_t hdr)
{
    w->files_loaded = 0;
    w->files = NULL;
    w->rawfiles = NULL;
    w->rawblock = NULL;
    w->nfiles = 0;
    w->rows_loaded = 0;
    w->nrows = 0;
    uint64_t next;
    unsigned version;
    if (dsc_header(w->info_sec, w->info_len, hdr, &w->unit_die, &next, &version) != 0) {
        w->d->skipped++;
        return;
    }
    memset(&w->cu, 0, sizeof w->cu);
    w->cu.hdr_offset = hdr;
    w->cu.next_offset = next;
    w->cu.version = (uint16_t)version;
    w->cu_die_tried = 0;
    /* most units hold no site: parse their abbreviations only as far as
    ** the unit DIE's, which says so, and the rest when the unit is read */
    int raw = 1;
again:
    w->u = raw ? dsc_open_head(w->info_sec, w->info_len, w->abbrev_sec, w->abbrev_len, hdr,
                               MAX_WALK_DEPTH) : NULL;
    if (w->u && dsc_code_init(w->u, &w->secs) != 0) {
        dsc_close(w->u);
        w->u = NULL;
    }
    /* the unit DIE: raw, else libdwarf's */
    cdie ud;
    uint64_t lang = 0;
    if (w->u && dsc_read_code(w->u, w->unit_die, &ud.c) == 0) {
        ud.raw = 1;
        ud.die = NULL;
        lang = dsc_language(w->u);
    } else {
        ud.raw = 0;
        ud.die = NULL;
        memset(&ud.c, 0, sizeof ud.c);
        hp_err e2 = {0};
        dws_attrs la;
        dws_die die = cu_die(w);
        if (die == NULL || dws_read_code(w->f, die, &ud.c.a, &e2) != 0) {
            w->d->skipped++;
            goto done;
        }
        if (dws_read(w->f, die, &la, &e2) == 0 && (la.has & DWA_LANGUAGE))
            lang = la.language;
    }
    const dws_code_attrs *a = &ud.c.a;
    w->cu_base = (a->has & DWC_LOW_PC) ? a->low_pc : 0;
    w->has_stmt = (a->has & DWC_STMT_LIST) != 0;
    w->stmt_list = a->stmt_list;
    /* DW_AT_language: C++ (4, 0x1a, 0x21, 0x2a, 0x2b) and Rust (0x1c) */
    w->scoped = lang == 0x4 || lang == 0x1a || lang == 0x21 || lang == 0x2a || lang == 0x2b ||
                lang == 0x1c;
    int hit = 1;
    if (a->has & (DWC_LOW_PC | DWC_RANGES)) {
        hp_err e2 = {0};
        w->rn = 0;
        int r = ud.raw ? dsc_ranges(w->u, &ud.c, &w->rv, &w->rn, &w->rcap) : -1;
        if (r != 0) {
            dws_die die = cu_die(w);
            w->rn = 0;
            r = die ? dws_ranges(w->f, die, a, w->cu_base, &w->rv, &w->rn, &w->rcap, &e2) : -1;
        }
        if (r == 0)
            hit = w->rn > 0 && ranges_hit(w, w->rv, w->rn);
    }
    if (!hit && !w->want_go)
        goto done;
    if (is_skeleton(w, hdr, version)) {
        /* -gsplit-dwarf: the DIEs are in the split unit it names (when
        ** that is missing, the type reader says so) */
        dws_cu scu;
        hp_err e2 = {0};
        int r = dws_split_unit(w->f, hdr, &scu, &e2);
        if (r < 0)
            w->d->skipped++;
        if (r <= 0)
            goto done;
        w->split = 1;
        w->sku = w->u;
        w->u = NULL;
        w->cu.hdr_offset = scu.hdr_offset;
        w->cu.next_offset = scu.next_offset;
        w->cu.die = scu.die;
        w->cu_die_tried = 1;
        w->unit_die = dws_offset(w->f, scu.die);
        dws_attrs la;
        if (dws_read(w->f, scu.die, &la, &e2) == 0 && (la.has & DWA_LANGUAGE)) {
            lang = la.language;
            w->scoped = lang == 0x4 || lang == 0x1a || lang == 0x21 || lang == 0x2a ||
                        lang == 0x2b || lang == 0x1c;
        }
    }
    if (w->u && dsc_open_rest(w->u) != 0) {
        /* the table breaks after the unit DIE's abbreviation: read the
        ** unit as when the raw reader refuses it from the start */
        dsc_close(w->u);
        w->u = NULL;
        raw = 0;
        goto again;
    }
    w->nunit_sites = 0;
    /* Go units also name their types' runtime descriptors at the top
    ** level, which only the full walk collects */
    if (w->want_go || !hit || scan_top(w) != 0) {
        dws_die die = cu_die(w);
        if (die)
            walk_top(w, die, 0, hit);
    }
    do_globals(w);
    /* sites without an inline chain take the line table's row */
    for (size_t i = 0; i < w->nunit_sites; i++) {
        dl_site *s = &w->sites[w->unit_sites[i]];
        if (s->line == 0)
            line_for(w, s);
    }
done:
    dsc_close(w->u);
    w->u = NULL;
    dsc_close(w->sku);
    w->sku = NULL;
    w->split = 0;
    free(w->lrawblock);
    w->lrawblock = NULL;
    w->lfiles = NULL;
    w->nlfiles = 0;
    w->lfiles_loaded = 0;
    /* the table came from dsc_file_names (freed here) or from libdwarf
    ** through dws_srcfiles (valid until the unit DIE goes) */
    free(w->rawblock);
    w->rawblock = NULL;
    w->rawfiles = NULL;
    w->nfiles = 0;
    w->files_loaded = 0;
    if (w->cu.die)
        dws_die_free(w->f, w->cu.die);
    w->cu.die = NULL;
}

static int cmp_go(const void *x, const void *y)
{
    const dl_gotype *a = x, *b = y;
    int c = cmp_u64(a->runtime_type, b->runtime_type);
    return c ? c : strcmp(a->name, b->name);
}

/* One thread: its own libdwarf handle over the shared sections, every
** unit whose index is its own modulo the thread count. */
typedef struct job {
    walker w;
    dws_image *di;
    const hp_pacer *pace;       /* or NULL */
    int tid, nthreads;
    hp_err err;
    int rc;
} job;

static void *job_main(void *arg)
{
    job *j = arg;
    walker *w = &j->w;
    j->rc = -1;
    if (dws_open_image(j->di, &w->f, &j->err) != 0)
        return NULL;
    /* units by the header chain read raw (dsc_unit_offsets); a broken
    ** header ends the chain, as it ends libdwarf's */
    for (size_t idx = (size_t)j->tid; idx < w->nunit_offs; idx += (size_t)j->nthreads) {
        hp_pace(j->pace);
        do_unit(w, w->unit_offs[idx]);
    }
    dws_close(w->f);
    w->f = NULL;
    j->rc = 0;
    return NULL;
}

static void job_free(job *j)
{
    free(j->w.unit_sites);
    free(j->w.seq);
    free(j->w.rows);
    free(j->w.rv);
    free(j->w.lv);
    free(j->w.offs);
    if (j->w.others)
        for (size_t i = 0; i < j->w.nunit_offs; i++)
            dsc_close(j->w.others[i]);
    free(j->w.others);
    free(j->w.others_bad);
}

int dl_collect(ei_image *dwarf, dl_site *sites, size_t nsites, dl_func *funcs,
               size_t nfuncs, int want_go, int jobs, const hp_pacer *pace,
               dl_info **out, hp_err *err)
{
    dl_info *d = hp_xcalloc(1, sizeof *d);
    *out = d;
    if (nsites == 0 && nfuncs == 0 && !want_go)
        return 0;
    if (jobs < 1)
        jobs = 1;
    if (jobs > 64)
        jobs = 64;
    d->parts = hp_xcalloc((size_t)jobs, sizeof *d->parts);
    d->nparts = jobs;
    _Atomic uint8_t *claimed = hp_xcalloc(nsites + 1, sizeof *claimed);
    _Atomic uint8_t *fclaimed = hp_xcalloc(nfuncs + 1, sizeof *fclaimed);
    for (size_t i = 0; i < nsites; i++)
        atomic_init(&claimed[i], 0);
    for (size_t i = 0; i < nfuncs; i++)
        atomic_init(&fclaimed[i], 0);

    const uint8_t *line_sec, *info_sec = NULL, *abbrev_sec = NULL;
    size_t line_len, info_len = 0, abbrev_len = 0;
    line_sec = ei_dwarf_section(dwarf, "line", &line_len);
    info_sec = ei_dwarf_section(dwarf, "info", &info_len);
    abbrev_sec = ei_dwarf_section(dwarf, "abbrev", &abbrev_len);
    dsc_sections secs;
    uint64_t *unit_offs = NULL;
    size_t nunit_offs = 0;
    if (dsc_unit_offsets(info_sec, info_len, &unit_offs, &nunit_offs) == 1)
        d->skipped++;           /* a broken unit header ends the units */
    dsc_sections_load(dwarf, &secs);

    int rc = -1;
    job *js = hp_xcalloc((size_t)jobs, sizeof *js);
    pthread_t *th = hp_xcalloc((size_t)jobs, sizeof *th);
    int started = 0;
    dws_image *di = NULL;
    {
        if (dws_image_new(dwarf, 0, &di, err) != 0)
            goto out;
        for (int t = 0; t < jobs; t++) {
            job *j = &js[t];
            j->w.d = &d->parts[t];
            j->w.sites = sites;
            j->w.nsites = nsites;
            j->w.funcs = funcs;
            j->w.nfuncs = nfuncs;
            j->w.want_go = want_go;
            for (size_t i = 0; i < nsites && !j->w.want_members; i++)
                j->w.want_members = sites[i].want_members;
            j->w.claimed = claimed;
            j->w.fclaimed = fclaimed;
            j->w.line_sec = line_sec;
            j->w.line_len = line_len;
            j->w.info_sec = info_sec;
            j->w.info_len = info_len;
            j->w.abbrev_sec = abbrev_sec;
            j->w.abbrev_len = abbrev_len;
            j->w.secs = secs;
            j->w.unit_offs = unit_offs;
            j->w.nunit_offs = nunit_offs;
            j->di = di;
            j->pace = pace;
            j->tid = t;
            j->nthreads = jobs;
        }
        if (jobs == 1) {
            job_main(&js[0]);
            started = 0;
        } else {
            for (; started < jobs; started++)
                if (pthread_create(&th[started], NULL, job_main, &js[started]) != 0)
                    break;
            if (started < jobs) {
                /* no more threads: the units of the missing ones are not read */
                d->skipped++;
            }
            for (int t = 0; t < started; t++)
                pthread_join(th[t], NULL);
        }
        for (int t = 0; t < jobs; t++) {
            if ((jobs == 1 || t < started) && js[t].rc != 0) {
                hp_errf(err, NULL, "%s", js[t].err.msg);
                goto out;
            }
        }
    }

    /* merge: variables grouped by site, Go types sorted, counters summed */
    size_t nvars = 0, ngo = 0;
    for (int t = 0; t < d->nparts; t++) {
        nvars += d->parts[t].nvars;
        ngo += d->parts[t].ngo;
        d->skipped += d->parts[t].skipped;
    }
    if (nvars > 0) {
        size_t *start = hp_xcalloc(nsites + 1, sizeof *start);
        for (int t = 0; t < d->nparts; t++)
            for (size_t i = 0; i < d->parts[t].nvars; i++)
                start[d->parts[t].var_site[i] + 1]++;
        for (size_t i = 0; i < nsites; i++)
            start[i + 1] += start[i];
        d->vars = hp_xmalloc(nvars * sizeof *d->vars);
        size_t *fill = hp_xmalloc((nsites + 1) * sizeof *fill);
        memcpy(fill, start, (nsites + 1) * sizeof *fill);
        for (int t = 0; t < d->nparts; t++)
            for (size_t i = 0; i < d->parts[t].nvars; i++)
                d->vars[fill[d->parts[t].var_site[i]]++] = d->parts[t].vars[i];
        for (size_t i = 0; i < nsites; i++) {
            sites[i].vars = start[i + 1] > start[i] ? &d->vars[start[i]] : NULL;
            sites[i].nvars = (uint32_t)(start[i + 1] - start[i]);
        }
        free(fill);
        free(start);
    }
    if (ngo > 0) {
        d->go = hp_xmalloc(ngo * sizeof *d->go);
        for (int t = 0; t < d->nparts; t++) {
            if (d->parts[t].ngo)
                memcpy(d->go + d->ngo, d->parts[t].go, d->parts[t].ngo * sizeof *d->go);
            d->ngo += d->parts[t].ngo;
        }
        if (d->ngo > 1)
            qsort(d->go, d->ngo, sizeof *d->go, cmp_go);
    }
    rc = 0;
out:
    for (int t = 0; t < jobs; t++)
        job_free(&js[t]);
    free(js);
    free(th);
    dws_image_free(di);
    free((void *)claimed);
    free((void *)fclaimed);
    free(unit_offs);
    return rc;
}

const dl_gotype *dl_go_types(const dl_info *d, size_t *n)
{
    *n = d->ngo;
    return d->go;
}

uint64_t dl_skipped(const dl_info *d)
{
    return d->skipped;
}

void dl_free(dl_info *d)
{
    if (d == NULL)
        return;
    for (int t = 0; t < d->nparts; t++) {
        dl_part *p = &d->parts[t];
        free(p->vars);
        free(p->var_site);
        free(p->go);
        free(p->memo);
        hp_arena_free(&p->arena);
    }
    free(d->parts);
    free(d->vars);
    free(d->go);
    free(d);
}
