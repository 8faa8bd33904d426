/*
** dwshim_int.h -- what the files of the dwshim family share; nothing
** outside them includes it (tests/t_layers.sh checks that, and that
** libdwarf.h is included nowhere else).
**
** Contract: the public door to libdwarf is dwshim.h, which does not
** change with how the family is cut.  Here are the state of a reading
** session (dws_image: the sections of one ELF image and the tables found
** raw in them, shared by every handle over it under its mutex; dws_file:
** one handle, one Dwarf_Debug per file it reads), the tagging of DIE
** handles and global offsets, and the functions one file of the family
** calls in another (named dwi_*).  The files, lowest first; each calls
** only those listed before it, never one after:
**   dwshim_image.c  the sections handed to libdwarf (object access), the
**                   handles opened and closed, libdwarf errors -> hp_err
**   dwshim_form.c   attribute values by form: numbers, flags, strings
**   dwshim_tu.c     type units: signatures and .debug_types units, raw
**   dwshim_alt.c    the dwz supplementary units a file imports, raw
**   dwshim_split.c  split DWARF: .dwo/.dwp parts and their skeletons,
**                   .debug_addr, indexed range and location lists
**   dwshim.c        the unit iterator and the DIE walk
**   dwshim_attr.c   a type DIE's attributes (dws_read) and references
**   dwshim_files.c  a unit's file table (dws_srcfiles)
**   dwshim_code.c   code DIEs: attributes, ranges, locations, pc bounds
**
** Written against the libdwarf 2021 API Debian 12 ships (20210528).  The
** calls that libdwarf 0.x changed are: dwarf_object_init_b (no access
** flags), dwarf_next_cu_header_d -> _e, dwarf_siblingof_b -> _c,
** dwarf_srcfiles (unchanged).  Porting means editing these files only.
**
** Memory: libdwarf's "de_alloc tree" (which tracks every allocation so
** dwarf_finish can free it) costs a lot of time on big inputs; it is
** turned off (dwshim_image.c) and every DIE, attribute and list is freed
** by the family itself.
*/
#ifndef DWSHIM_INT_H
#define DWSHIM_INT_H

#include "dwshim.h"

#include <pthread.h>
#include "dwscan.h"
#include "elfimg.h"
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#if !defined(HAVE_LIBDWARF_LIBDWARF_H) && defined(HAVE_LIBDWARF_H)
#include <libdwarf.h>
#include <dwarf.h>
#else
#include <libdwarf/libdwarf.h>
#include <libdwarf/dwarf.h>
#endif

/* Go's vendor attributes (see ../shared/README.md) */
#define DW_AT_go_kind            0x2900
#define DW_AT_go_embedded_field  0x2903
#define DW_AT_go_runtime_type    0x2904

/* A partial unit's language and compilation directory, taken from a
** compile unit that imports it, directly or through other partial units
** (dwz writes neither in the partial units of a supplementary file).
** off: the partial unit's DIE offset, origin: that compile unit's, both
** with DWS_ALT set for one of the supplementary file. */
typedef struct ulang {
    uint64_t off, lang, origin;
} ulang;

/* The DWARF sections of an image, shared by every handle opened over it
** (dws_open_image).  Bytes come from elfimg on a handle's first request,
** so a section no handle reads is never decompressed. */
typedef struct dws_sec {
    const ei_section *sec;
    char *name;                  /* ".debug_*" (a .zdebug_ name renamed) */
    size_t size;                 /* after decompression */
} dws_sec;

/* A type unit's signature and the global offset of the DIE it names. */
typedef struct dws_sig {
    uint64_t sig, off;
} dws_sig;

/* A unit visited after the file's .debug_info ones (.debug_types),
** global offsets. */
typedef struct dws_xunit {
    uint64_t hdr, next, die;
    uint16_t version;
    uint8_t unit_type;
} dws_xunit;

/* Split DWARF (-gsplit-dwarf): a .dwo or .dwp file (a "part") and its
** split compile units, found raw (the .dwp's .debug_cu_index, else the
** unit headers and DW_AT_GNU_dwo_id); per skeleton unit of the file, the
** split unit it names (split_of).  Parts and skeletons are added under
** di->mu and never move: their tables are allocated once, to the number
** of units the file has (split_tables). */
typedef struct dws_punit {
    uint64_t id;                 /* dwo_id */
    uint64_t hdr, next, die;     /* in the part's .debug_info.dwo */
    uint64_t ab_off, ab_len;     /* its abbreviations (a .dwp's share) */
    uint64_t line_off;           /* its file table in .debug_line.dwo */
    uint64_t rng_off;            /* its share of .debug_rnglists.dwo */
    int has_line;
    uint16_t version;
    uint8_t unit_type;
    struct dws_skel *skel;       /* the skeleton that named it (under mu) */
} dws_punit;

typedef struct dws_part {
    char *path;
    ei_image *img;               /* NULL: the file does not open (why) */
    struct dws_image *di;
    dws_punit *units;            /* sorted by hdr */
    size_t nunits;
    char *why;                   /* malloc'd, when img is NULL */
} dws_part;

typedef struct dws_skel {
    uint64_t hdr;                /* the skeleton's unit header offset */
    uint32_t part;               /* index in parts, NO_PART: not found */
    const dws_punit *unit;       /* its split unit, when found */
    uint64_t stmt_list;          /* the skeleton's line table */
    int has_stmt;
    char *comp_dir;              /* the skeleton's DW_AT_comp_dir, or NULL */
    uint64_t addr_base;          /* DW_AT_addr_base / DW_AT_GNU_addr_base */
    uint64_t ranges_base;        /* DW_AT_GNU_ranges_base (DWARF 4) */
    uint64_t low_pc;             /* the unit's base address */
    uint8_t addr_size;
} dws_skel;
#define NO_PART UINT32_MAX

struct dws_image {
    ei_image *img;
    const ei_section *info, *abbrev;    /* for dws_sibling's check */
    const ei_section *types;     /* .debug_types (DWARF 4 type units) */
    dws_sec *secs;
    size_t n;
    pthread_mutex_t mu;          /* bad, checked */
    int bad;                     /* a section failed to load or check */
    char bad_msg[sizeof(((hp_err *)0)->msg)];  /* why, without the path */
    uint8_t *checked;            /* per section: list headers checked ok */
    /* the supplementary (dwz) file, when one is attached: its own
    ** sections, and which of its units this file imports (imports_*) */
    dws_image *alt;
    int imports_done, imports_rc;   /* under mu */
    hp_err imports_err;
    uint64_t *alt_units;         /* header offsets of the imported alt units */
    size_t nalt_units;
    ulang *langs;                /* partial units' languages, by unit DIE offset */
    size_t nlangs;
    /* type units: every signature of .debug_info and .debug_types (sorted,
    ** built at the first DW_FORM_ref_sig8), and the .debug_types units */
    int sigs_done;               /* under mu */
    dws_sig *sigs;
    size_t nsigs;
    int xunits_done;             /* under mu */
    dws_xunit *xunits;
    size_t nxunits;
    uint64_t missing_sigs;       /* under mu: dws_image_gaps */
    /* split DWARF (split_of; under mu): tables sized once to cap */
    unsigned flags;              /* dws_image_new's, for the parts */
    dws_part *parts;
    size_t nparts, split_cap;
    uint64_t *unit_offs;         /* every unit header of .debug_info, in order */
    size_t nunit_offs;
    dws_skel **skels;            /* per unit of unit_offs: its skeleton entry */
    size_t nskels, split_missing;
    char *split_first;
    int dwp_tried;
    uint32_t dwp_part;           /* BINARY.dwp or DEBUGFILE.dwp, or NO_PART */
    int is_part;                 /* this image is a .dwo or .dwp */
};

/* The object-access interface over a dws_image.  libdwarf numbers
** sections from 0 with 0 the ELF null section, so index i maps to
** secs[i - 1]. */
typedef struct dws_obj {
    dws_image *di;
    uint8_t addr_size;
    Dwarf_Obj_Access_Interface iface;
} dws_obj;

struct dws_file {
    Dwarf_Debug dbg;
    dws_obj *obj;               /* the object interface over a dws_image */
    /* The supplementary file (dws_image_set_alt), opened as a second
    ** Dwarf_Debug.  Its DIE handles carry ALT_TAG in the pointer's low bit
    ** and its offsets DWS_ALT; `cur` is the Dwarf_Debug of the DIE the
    ** current call is about (on()), `alt` whether that is adbg. */
    Dwarf_Debug adbg;
    dws_obj *aobj;
    Dwarf_Debug cur;
    int alt;
    int is_info;                /* the current call's DIE is in .debug_info, not
                                   .debug_types (TYPES_TAG, DWS_TYPES) */
    int phase;                  /* of the unit iterator: PH_* */
    uint32_t part;              /* the current call's split file, or NO_PART */
    Dwarf_Debug *pdbg;          /* per part of di, opened on first use (split_cap) */
    dws_obj **pobj;
    const dws_skel *skel;       /* dwi_cur_skel's last answer: of the unit at */
    uint64_t skel_cu;           /* skel_cu of part skel_part */
    uint32_t skel_part;
    const uint8_t *addr;        /* the file's .debug_addr, for split units */
    size_t addr_len;
    int addr_loaded;
    struct dws_wrap *wfree;     /* handles of split DIEs: free list */
    struct dws_wrap **wblocks;
    size_t nwblocks;
    dsc_unit *pscan;            /* check_skip's parse of a split unit */
    uint32_t pscan_part;
    size_t xpos;                /* next of di->xunits it will return */
    size_t alt_pos;             /* next of di->alt_units it will return */
    dsc_unit *ascan;            /* check_skip's parse of the current alt unit */
    dsc_unit *rscan;            /* raw_ref's parse of the current unit */
    Dwarf_Die cur_die;          /* dwi_walk_attrs' DIE and its offset in its file */
    uint64_t cur_off;
    int unresolved;             /* it refers to a supplementary file not loaded */
    int astr_loaded;            /* the supplementary file's .debug_str */
    const uint8_t *astr;
    size_t astr_len;
    Dwarf_Debug src_dbg;        /* the handle f->src came from */
    char *path;
    uint64_t next_hdr;          /* offset of the next unit header */
    uint64_t dies;              /* DIE handles created */
    char **src;                 /* dwarf_srcfiles result (to dealloc) */
    Dwarf_Signed nsrc;
    const char **srcidx;        /* src re-indexed by decl_file value */
    char **rawsrc;              /* or dsc_file_names' block */
    dsc_unit *scan;             /* check_skip's parse of the current unit */
    dsc_unit *tscan;            /* the same in .debug_types */
    int fsecs_loaded[2];        /* line, fsecs: for dsc_file_names, of the
                                   file [0] and its supplementary file [1] */
    const uint8_t *line[2];
    size_t line_len[2];
    dsc_sections fsecs[2];
};

/* The unit iterator's phases: the file's .debug_info units, its
** .debug_types units (di->xunits), the supplementary file's units. */
enum { PH_INFO = 0, PH_TYPES, PH_ALT };

/* Handles of the supplementary file's DIEs are tagged in bit 0, those of
** .debug_types DIEs in bit 1 (libdwarf allocates DIEs aligned to at
** least 8). */
#define ALT_TAG ((uintptr_t)1)
#define TYPES_TAG ((uintptr_t)2)
#define PART_TAG ((uintptr_t)4)
#define ALL_TAGS (ALT_TAG | TYPES_TAG | PART_TAG)

/* A handle of a split file's DIE: which file it is of, beside the DIE
** (split DWARF has one file per unit); from a free list, never freed
** before dws_close. */
typedef struct dws_wrap {
    Dwarf_Die d;
    uint32_t part;
    struct dws_wrap *next;
} dws_wrap;
#define PART_SHIFT 40
#define PART_MASK ((UINT64_C(1) << 21) - 1)
#define LOCAL_MASK ((UINT64_C(1) << PART_SHIFT) - 1)

/* The libdwarf DIE behind a handle; sets which file the call is about. */
static inline Dwarf_Die on(dws_file *f, dws_die die)
{
    uintptr_t v = (uintptr_t)die;
    if (v & PART_TAG) {
        dws_wrap *w = (dws_wrap *)(v & ~ALL_TAGS);
        f->alt = 0;
        f->is_info = 1;
        f->part = w->part;
        f->cur = f->pdbg[w->part];
        return w->d;
    }
    f->part = NO_PART;
    f->alt = (v & ALT_TAG) != 0;
    f->is_info = (v & TYPES_TAG) == 0;
    f->cur = f->alt ? f->adbg : f->dbg;
    return (Dwarf_Die)(v & ~ALL_TAGS);
}

/* Make the current call's file the file itself (alt 0) or its
** supplementary file (alt 1), in .debug_info. */
static inline void on_info(dws_file *f, int alt)
{
    f->part = NO_PART;
    f->alt = alt;
    f->is_info = 1;
    f->cur = alt ? f->adbg : f->dbg;
}

/* A handle for a split file's DIE, from f's free list (dwshim_image.c). */
dws_wrap *dwi_wrap_get(dws_file *f);

static inline dws_die tagged(dws_file *f, Dwarf_Die d)
{
    if (d == NULL)
        return NULL;
    if (f->part != NO_PART) {
        dws_wrap *w = dwi_wrap_get(f);
        w->d = d;
        w->part = f->part;
        return (dws_die)((uintptr_t)w | PART_TAG);
    }
    return (dws_die)((uintptr_t)d | (f->alt ? ALT_TAG : 0) | (f->is_info ? 0 : TYPES_TAG));
}

/* An offset in the file of the current call, as the rest of holeprof
** sees it. */
static inline uint64_t gofs(const dws_file *f, uint64_t off)
{
    if (f->part != NO_PART)
        return DWS_SPLIT | ((uint64_t)f->part << PART_SHIFT) | (off & LOCAL_MASK);
    return off | (f->alt ? DWS_ALT : 0) | (f->is_info ? 0 : DWS_TYPES);
}

/* Part k's Dwarf_Debug of the handle, opened on first use (dwshim_split.c). */
int dwi_open_part_dbg(dws_file *f, uint32_t k, hp_err *err);

/* Which file and section a global offset is in: sets the current call's
** and returns the offset in that section (f->cur NULL: a split file that
** cannot be opened, err set). */
static inline uint64_t goto_ofs_e(dws_file *f, uint64_t off, hp_err *err)
{
    if (off & DWS_SPLIT) {
        uint32_t k = (uint32_t)((off >> PART_SHIFT) & PART_MASK);
        f->alt = 0;
        f->is_info = 1;
        f->part = k;
        f->cur = dwi_open_part_dbg(f, k, err) == 0 ? f->pdbg[k] : NULL;
        return off & LOCAL_MASK;
    }
    f->part = NO_PART;
    f->alt = (off & DWS_ALT) != 0;
    f->is_info = (off & DWS_TYPES) == 0;
    f->cur = f->alt ? f->adbg : f->dbg;
    return off & ~(DWS_ALT | DWS_TYPES);
}

static inline uint64_t goto_ofs(dws_file *f, uint64_t off)
{
    return goto_ofs_e(f, off, NULL);
}

/* A unit header as the iterator reads it (dwshim.c: next_header). */
typedef struct unit_hdr {
    uint64_t offset, next;
    uint64_t sig;                /* DWARF 5 skeleton and split units: dwo_id */
    uint16_t version;
    uint8_t addr_size, unit_type;
} unit_hdr;


/* Forms and tags of dwz's supplementary files */
#define FORM_ref_addr     0x10
#define FORM_ref_sup4     0x1c
#define FORM_ref_sup8     0x24
#define FORM_GNU_ref_alt  0x1f20
#define FORM_GNU_strp_alt 0x1f21
#define FORM_strp_sup     0x1d
#define TAG_partial_unit  0x3c

/* Release an error libdwarf handed back; with the de_alloc tree off,
** dwarf_finish would not. */
static inline void drop(Dwarf_Debug dbg, Dwarf_Error *e)
{
    if (*e) {
        dwarf_dealloc(dbg, *e, DW_DLA_ERROR);
        *e = NULL;
    }
}

/* A little-endian number of n bytes. */
static inline uint64_t rd_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* ULEB128 at *p (advanced); *ok cleared when it runs past end. */
static inline uint64_t uleb(const uint8_t **p, const uint8_t *end, int *ok)
{
    uint64_t v = 0;
    unsigned shift = 0;
    while (*p < end) {
        uint8_t b = *(*p)++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            return v;
    }
    *ok = 0;
    return 0;
}

static inline int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static inline int form_width(Dwarf_Half form)
{
    switch (form) {
    case DW_FORM_data1: return 1;
    case DW_FORM_data2: return 2;
    case DW_FORM_data4: return 4;
    case DW_FORM_data8: return 8;
    default: return 0;
    }
}

static inline int is_const_form(Dwarf_Half form)
{
    switch (form) {
    case DW_FORM_data1: case DW_FORM_data2: case DW_FORM_data4:
    case DW_FORM_data8: case DW_FORM_udata: case DW_FORM_sdata:
    case DW_FORM_implicit_const: case DW_FORM_data16:
        return 1;
    default:
        return 0;
    }
}

/* LeakSanitizer's switches (weak: absent outside sanitizer builds); see
** dws_child (dwshim.c) for why some libdwarf calls run with it off. */
extern void __lsan_disable(void) __attribute__((weak));
extern void __lsan_enable(void) __attribute__((weak));

/* ---- dwshim_image.c ---- */

/* The file the current call is about. */
const char *dwi_cur_path(const dws_file *f);
/* Turn a libdwarf error into hp_err (the first reason a section did not
** load, when there is one) and release it: -1. */
int dwi_derr(dws_file *f, Dwarf_Error e, hp_err *err, const char *what);
/* Whether the current call's file had a section fail to load or check:
** then 1, with err saying why. */
int dwi_bad_section(dws_file *f, hp_err *err);
/* The DIE at off of the current call's file's .debug_info (a unit DIE):
** 1 and *d, 0 when there is none there, -1 with err when libdwarf fails. */
int dwi_unit_die(dws_file *f, uint64_t off, Dwarf_Die *d, hp_err *err);
/* A DIE's address size into *sz when it is 4 or 8; *sz is left else. */
void dwi_addr_size(Dwarf_Debug dbg, Dwarf_Die d, uint8_t *sz);
/* One Dwarf_Debug over a dws_image. */
int dwi_open_dbg(dws_image *di, dws_obj **objp, Dwarf_Debug *dbg, hp_err *err);
/* Release the file table of the last dws_srcfiles call. */
void dwi_free_srcfiles(dws_file *f);

/* ---- dwshim_form.c ---- */

int dwi_get_u(Dwarf_Debug dbg, Dwarf_Attribute a, Dwarf_Half form, uint64_t *v);
int dwi_get_bound(Dwarf_Debug dbg, Dwarf_Attribute a, Dwarf_Half form, int64_t *v, int *is_signed);
int dwi_get_flag(Dwarf_Debug dbg, Dwarf_Attribute a);
const char *dwi_get_str(dws_file *f, Dwarf_Attribute a, Dwarf_Half form);

/* ---- dwshim_tu.c ---- */

int dwi_unit_length(const uint8_t *p, size_t len, uint64_t off, uint64_t *ulen,
                uint64_t *pos, uint64_t *osz);
void dwi_ensure_sigs(dws_image *di);
int dwi_sig_lookup(dws_image *di, uint64_t sig, uint64_t *off);
void dwi_ensure_xunits(dws_image *di);

/* ---- dwshim_alt.c ---- */

int dwi_ensure_imports(dws_image *di, hp_err *err);
const ulang *dwi_partial_of(const dws_image *di, uint64_t off);

/* ---- dwshim_split.c ---- */

int dwi_is_skeleton(dws_file *f, const unit_hdr *h, Dwarf_Die die);
int dwi_split_enter(dws_file *f, const unit_hdr *h, Dwarf_Die die, dws_cu *cu, hp_err *err);
dsc_unit *dwi_part_scan(dws_file *f, uint64_t cu_off);
int dwi_split_srcfiles(dws_file *f, Dwarf_Die die, uint16_t version, const char ***names,
                   uint64_t *count);
const dws_skel *dwi_cur_skel(dws_file *f, Dwarf_Die d);
int dwi_split_addr(dws_file *f, const dws_skel *sk, uint64_t idx, uint64_t *out);
int dwi_split_entry(dws_file *f, const dws_skel *sk, int gnu, int rle, unsigned code,
                uint64_t r1, uint64_t r2, uint64_t *base, uint64_t *lo, uint64_t *hi);
int dwi_split_ranges4(dws_file *f, const dws_skel *sk, uint64_t val, uint64_t cu_base,
                  dws_range **v, size_t *n, size_t *cap);
int dwi_split_ranges5(dws_file *f, const dws_skel *sk, int indexed, uint64_t val,
                  dws_range **v, size_t *n, size_t *cap);

/* ---- dwshim.c ---- */

/* The raw parse of the unit at cu_off of the current call's file, kept in
** *slot while calls stay in that unit; NULL when it does not parse. */
dsc_unit *dwi_scan_of(dws_file *f, dsc_unit **slot, uint64_t cu_off);

/* ---- dwshim_attr.c ---- */

/* A reference as an offset holeprof can follow (dws_offdie): in the
** supplementary file (DWS_ALT) for its forms and for every reference made
** there.  0, 1 for a type-unit signature (the caller flags it), -1. */
int dwi_get_ref(dws_file *f, Dwarf_Attribute a, Dwarf_Half form, uint64_t *off);
/* The part every attribute reader shares: tag, offset and children flag,
** then fn for each attribute of the DIE, then the list freed (no de_alloc
** tree: the attributes are ours to free). */
typedef void (*attr_fn)(dws_file *f, Dwarf_Attribute a, Dwarf_Half at, Dwarf_Half form,
                        void *ctx);

int dwi_walk_attrs(dws_file *f, Dwarf_Die d, uint16_t *tag, uint64_t *off,
               uint8_t *has_children, attr_fn fn, void *ctx, hp_err *err);

#endif
