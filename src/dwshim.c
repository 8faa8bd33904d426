/*
** dwshim.c -- every libdwarf call holeprof makes (see dwshim.h).
**
** Written against the libdwarf 2021 API Debian 12 ships (20210528).  The
** calls that libdwarf 0.x changed are: dwarf_init_path (no reserved
** arguments), dwarf_next_cu_header_d -> _e, dwarf_siblingof_b -> _c,
** dwarf_srcfiles (unchanged).  Porting means editing this file only.
**
** Memory: libdwarf's "de_alloc tree" (which tracks every allocation so
** dwarf_finish can free it) costs a lot of time on big inputs; we turn it
** off and free every DIE, attribute and list ourselves.
*/
#include "dwshim.h"

#include <pthread.h>
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

struct dws_file {
    Dwarf_Debug dbg;
    char *path;
    uint64_t next_hdr;          /* offset of the next unit header */
    uint64_t dies;              /* DIE handles created */
    char **src;                 /* dwarf_srcfiles result (to dealloc) */
    Dwarf_Signed nsrc;
    const char **srcidx;        /* src re-indexed by decl_file value */
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void init_once(void)
{
    /* Process-wide switch; set before any handle exists. */
    dwarf_set_de_alloc_flag(0);
}

/* Turn a libdwarf error into hp_err and release it. */
static int derr(dws_file *f, Dwarf_Error e, hp_err *err, const char *what)
{
    const char *msg = e ? dwarf_errmsg(e) : "unknown error";
    hp_errf(err, f->path, "corrupt DWARF: %s: %s", what, msg ? msg : "?");
    if (e)
        dwarf_dealloc(f->dbg, e, DW_DLA_ERROR);
    return -1;
}

int dws_open(const char *path, dws_file **out, hp_err *err)
{
    pthread_once(&once, init_once);
    dws_file *f = hp_xcalloc(1, sizeof *f);
    f->path = hp_xstrdup(path);
    Dwarf_Error e = NULL;
    /* A zero-length true-path buffer tells libdwarf not to follow
    ** .gnu_debuglink itself: debugfind.c decides which file to read. */
    int rc = dwarf_init_path(path, NULL, 0, DW_DLC_READ, DW_GROUPNUMBER_ANY,
                             NULL, NULL, &f->dbg, NULL, 0, NULL, &e);
    if (rc == DW_DLV_NO_ENTRY) {
        hp_errf(err, path, "no DWARF debug info");
        free(f->path);
        free(f);
        return -1;
    }
    if (rc != DW_DLV_OK) {
        hp_errf(err, path, "cannot read DWARF: %s", e ? dwarf_errmsg(e) : "unknown error");
        if (e)
            dwarf_dealloc(f->dbg, e, DW_DLA_ERROR);
        if (f->dbg)
            dwarf_finish(f->dbg, NULL);
        free(f->path);
        free(f);
        return -1;
    }
    *out = f;
    return 0;
}

static void free_srcfiles(dws_file *f)
{
    if (f->src) {
        for (Dwarf_Signed i = 0; i < f->nsrc; i++)
            dwarf_dealloc(f->dbg, f->src[i], DW_DLA_STRING);
        dwarf_dealloc(f->dbg, f->src, DW_DLA_LIST);
    }
    f->src = NULL;
    f->nsrc = 0;
    free(f->srcidx);
    f->srcidx = NULL;
}

void dws_close(dws_file *f)
{
    if (f == NULL)
        return;
    free_srcfiles(f);
    dwarf_finish(f->dbg, NULL);
    free(f->path);
    free(f);
}

int dws_next_cu(dws_file *f, dws_cu *cu, hp_err *err)
{
    Dwarf_Unsigned hlen = 0, abbrev = 0, next = 0, typeoff = 0;
    Dwarf_Half ver = 0, asize = 0, lsize = 0, ext = 0, utype = 0;
    Dwarf_Sig8 sig;
    Dwarf_Error e = NULL;
    int rc = dwarf_next_cu_header_d(f->dbg, 1, &hlen, &ver, &abbrev, &asize, &lsize,
                                    &ext, &sig, &typeoff, &next, &utype, &e);
    if (rc == DW_DLV_NO_ENTRY) {
        f->next_hdr = 0;
        return 0;
    }
    if (rc != DW_DLV_OK)
        return derr(f, e, err, "unit header");
    memset(cu, 0, sizeof *cu);
    cu->hdr_offset = f->next_hdr;
    cu->next_offset = next;
    cu->version = ver;
    cu->addr_size = (uint8_t)asize;
    cu->unit_type = (uint8_t)utype;
    f->next_hdr = next;
    Dwarf_Die die = NULL;
    rc = dwarf_siblingof_b(f->dbg, NULL, 1, &die, &e);
    if (rc == DW_DLV_ERROR)
        return derr(f, e, err, "unit DIE");
    if (rc == DW_DLV_OK)
        f->dies++;
    cu->die = die;   /* may be NULL for an empty unit */
    return 1;
}

int dws_count_units(dws_file *f, uint64_t *count, hp_err *err)
{
    uint64_t n = 0;
    for (;;) {
        Dwarf_Unsigned hlen = 0, abbrev = 0, next = 0, typeoff = 0;
        Dwarf_Half ver = 0, asize = 0, lsize = 0, ext = 0, utype = 0;
        Dwarf_Sig8 sig;
        Dwarf_Error e = NULL;
        int rc = dwarf_next_cu_header_d(f->dbg, 1, &hlen, &ver, &abbrev, &asize, &lsize,
                                        &ext, &sig, &typeoff, &next, &utype, &e);
        if (rc == DW_DLV_NO_ENTRY)
            break;
        if (rc != DW_DLV_OK)
            return derr(f, e, err, "unit header");
        n++;
    }
    f->next_hdr = 0;
    *count = n;
    return 0;
}

uint16_t dws_tag(dws_file *f, dws_die die)
{
    Dwarf_Half tag = 0;
    Dwarf_Error e = NULL;
    if (dwarf_tag((Dwarf_Die)die, &tag, &e) != DW_DLV_OK) {
        if (e)
            dwarf_dealloc(f->dbg, e, DW_DLA_ERROR);
        return 0;
    }
    return tag;
}

dws_die dws_child(dws_file *f, dws_die die, hp_err *err)
{
    Dwarf_Die c = NULL;
    Dwarf_Error e = NULL;
    int rc = dwarf_child((Dwarf_Die)die, &c, &e);
    if (rc == DW_DLV_ERROR) {
        derr(f, e, err, "child DIE");
        return NULL;
    }
    if (rc != DW_DLV_OK)
        return NULL;
    f->dies++;
    return c;
}

dws_die dws_sibling(dws_file *f, dws_die die, hp_err *err)
{
    Dwarf_Die s = NULL;
    Dwarf_Error e = NULL;
    int rc = dwarf_siblingof_b(f->dbg, (Dwarf_Die)die, 1, &s, &e);
    if (rc == DW_DLV_ERROR) {
        derr(f, e, err, "sibling DIE");
        return NULL;
    }
    if (rc != DW_DLV_OK)
        return NULL;
    f->dies++;
    return s;
}

void dws_die_free(dws_file *f, dws_die die)
{
    if (die)
        dwarf_dealloc(f->dbg, die, DW_DLA_DIE);
}

dws_die dws_offdie(dws_file *f, uint64_t off, hp_err *err)
{
    Dwarf_Die d = NULL;
    Dwarf_Error e = NULL;
    int rc = dwarf_offdie_b(f->dbg, off, 1, &d, &e);
    if (rc == DW_DLV_ERROR) {
        derr(f, e, err, "DIE reference");
        return NULL;
    }
    if (rc != DW_DLV_OK) {
        hp_errf(err, f->path, "corrupt DWARF: reference to missing DIE 0x%llx",
                (unsigned long long)off);
        return NULL;
    }
    f->dies++;
    return d;
}

uint64_t dws_die_count(const dws_file *f)
{
    return f->dies;
}

/* ---- attributes ---- */

static int form_width(Dwarf_Half form)
{
    switch (form) {
    case DW_FORM_data1: return 1;
    case DW_FORM_data2: return 2;
    case DW_FORM_data4: return 4;
    case DW_FORM_data8: return 8;
    default: return 0;
    }
}

static int is_const_form(Dwarf_Half form)
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

static int get_u(Dwarf_Attribute a, Dwarf_Half form, uint64_t *v)
{
    Dwarf_Error e = NULL;
    if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
        Dwarf_Signed s = 0;
        if (dwarf_formsdata(a, &s, &e) != DW_DLV_OK)
            return -1;
        *v = (uint64_t)s;
        return 0;
    }
    Dwarf_Unsigned u = 0;
    if (dwarf_formudata(a, &u, &e) != DW_DLV_OK)
        return -1;
    *v = u;
    return 0;
}

/* A bound read as unsigned from data1..8 whose bits are all ones is -1:
** gcc writes the upper bound of `T a[0]` that way. */
static int get_bound(Dwarf_Attribute a, Dwarf_Half form, int64_t *v, int *is_signed)
{
    Dwarf_Error e = NULL;
    if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
        Dwarf_Signed s = 0;
        if (dwarf_formsdata(a, &s, &e) != DW_DLV_OK)
            return -1;
        *v = s;
        *is_signed = 1;
        return 0;
    }
    Dwarf_Unsigned u = 0;
    if (dwarf_formudata(a, &u, &e) != DW_DLV_OK)
        return -1;
    int w = form_width(form);
    if (w > 0 && w < 8 && u == ((1ULL << (8 * w)) - 1))
        *v = -1;
    else if (w == 8 && u == UINT64_MAX)
        *v = -1;
    else
        *v = (int64_t)u;
    *is_signed = 0;
    return 0;
}

static int get_flag(Dwarf_Attribute a)
{
    Dwarf_Bool b = 0;
    Dwarf_Error e = NULL;
    if (dwarf_formflag(a, &b, &e) != DW_DLV_OK)
        return 0;
    return b != 0;
}

static int get_ref(Dwarf_Attribute a, Dwarf_Half form, uint64_t *off)
{
    Dwarf_Off o = 0;
    Dwarf_Error e = NULL;
    if (form == DW_FORM_ref_sig8)
        return 1;           /* type unit signature: caller flags it */
    if (dwarf_global_formref(a, &o, &e) != DW_DLV_OK)
        return -1;
    *off = o;
    return 0;
}

static const char *get_str(Dwarf_Attribute a)
{
    char *s = NULL;
    Dwarf_Error e = NULL;
    if (dwarf_formstring(a, &s, &e) != DW_DLV_OK)
        return NULL;
    return s;
}

static uint64_t uleb(const uint8_t **p, const uint8_t *end, int *ok)
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

/* A data_member_location given as an expression: DW_OP_plus_uconst N or
** DW_OP_constu N is a constant; anything else (virtual bases use
** DW_OP_dup, DW_OP_deref, ...) is not. */
static int loc_expr_const(const uint8_t *p, uint64_t len, uint64_t *v)
{
    const uint8_t *end = p + len;
    if (len == 0)
        return 0;
    uint8_t op = *p++;
    if (op != DW_OP_plus_uconst && op != DW_OP_constu)
        return 0;
    int ok = 1;
    *v = uleb(&p, end, &ok);
    return ok && p == end;
}

static void read_member_loc(Dwarf_Attribute a, Dwarf_Half form, dws_attrs *out)
{
    Dwarf_Error e = NULL;
    if (is_const_form(form)) {
        if (get_u(a, form, &out->member_loc) == 0)
            out->has |= DWA_MEMBER_LOC;
        return;
    }
    if (form == DW_FORM_exprloc) {
        Dwarf_Unsigned len = 0;
        Dwarf_Ptr ptr = NULL;
        if (dwarf_formexprloc(a, &len, &ptr, &e) == DW_DLV_OK) {
            if (loc_expr_const(ptr, len, &out->member_loc))
                out->has |= DWA_MEMBER_LOC;
            else
                out->has |= DWA_MEMBER_LOC_EXPR;
        }
        return;
    }
    if (form == DW_FORM_block1 || form == DW_FORM_block2 ||
        form == DW_FORM_block4 || form == DW_FORM_block) {
        Dwarf_Block *b = NULL;
        if (dwarf_formblock(a, &b, &e) == DW_DLV_OK) {
            if (loc_expr_const(b->bl_data, b->bl_len, &out->member_loc))
                out->has |= DWA_MEMBER_LOC;
            else
                out->has |= DWA_MEMBER_LOC_EXPR;
        }
        return;
    }
    out->has |= DWA_MEMBER_LOC_EXPR;   /* loclist or unknown */
}

int dws_read(dws_file *f, dws_die die, dws_attrs *out, hp_err *err)
{
    Dwarf_Die d = (Dwarf_Die)die;
    Dwarf_Error e = NULL;
    memset(out, 0, sizeof *out);
    Dwarf_Half tag = 0;
    if (dwarf_tag(d, &tag, &e) != DW_DLV_OK)
        return derr(f, e, err, "DIE tag");
    out->tag = tag;
    Dwarf_Off off = 0;
    if (dwarf_dieoffset(d, &off, &e) != DW_DLV_OK)
        return derr(f, e, err, "DIE offset");
    out->off = off;
    Dwarf_Half hc = 0;
    if (dwarf_die_abbrev_children_flag(d, &hc) == DW_DLV_OK)
        out->has_children = hc != 0;

    Dwarf_Attribute *list = NULL;
    Dwarf_Signed n = 0;
    int rc = dwarf_attrlist(d, &list, &n, &e);
    if (rc == DW_DLV_NO_ENTRY)
        return 0;
    if (rc != DW_DLV_OK)
        return derr(f, e, err, "attribute list");
    for (Dwarf_Signed i = 0; i < n; i++) {
        Dwarf_Attribute a = list[i];
        Dwarf_Half at = 0, form = 0;
        if (dwarf_whatattr(a, &at, &e) != DW_DLV_OK ||
            dwarf_whatform(a, &form, &e) != DW_DLV_OK) {
            if (e) {
                dwarf_dealloc(f->dbg, e, DW_DLA_ERROR);
                e = NULL;
            }
            continue;
        }
        int r;
        int sgn = 0;
        switch (at) {
        case DW_AT_name:
            if ((out->name = get_str(a)) != NULL)
                out->has |= DWA_NAME;
            break;
        case DW_AT_producer:
            if ((out->producer = get_str(a)) != NULL)
                out->has |= DWA_PRODUCER;
            break;
        case DW_AT_linkage_name:
        case DW_AT_MIPS_linkage_name:
            if ((out->linkage_name = get_str(a)) != NULL)
                out->has |= DWA_LINKAGE_NAME;
            break;
        case DW_AT_byte_size:
            if (is_const_form(form) && get_u(a, form, &out->byte_size) == 0)
                out->has |= DWA_BYTE_SIZE;
            break;
        case DW_AT_bit_size:
            if (is_const_form(form) && get_u(a, form, &out->bit_size) == 0)
                out->has |= DWA_BIT_SIZE;
            break;
        case DW_AT_data_bit_offset:
            if (is_const_form(form) && get_u(a, form, &out->data_bit_offset) == 0)
                out->has |= DWA_DATA_BIT_OFFSET;
            break;
        case DW_AT_bit_offset:
            if (is_const_form(form) && get_u(a, form, &out->bit_offset) == 0)
                out->has |= DWA_BIT_OFFSET;
            break;
        case DW_AT_data_member_location:
            read_member_loc(a, form, out);
            break;
        case DW_AT_type:
            r = get_ref(a, form, &out->type);
            if (r == 0)
                out->has |= DWA_TYPE;
            else if (r == 1)
                out->has |= DWA_SIGNATURE;
            break;
        case DW_AT_specification:
            if (get_ref(a, form, &out->specification) == 0)
                out->has |= DWA_SPECIFICATION;
            break;
        case DW_AT_abstract_origin:
            if (get_ref(a, form, &out->abstract_origin) == 0)
                out->has |= DWA_ABSTRACT_ORIGIN;
            break;
        case DW_AT_upper_bound:
            if (is_const_form(form) && get_bound(a, form, &out->upper_bound, &sgn) == 0)
                out->has |= DWA_UPPER_BOUND | (sgn ? DWA_BOUND_SIGNED : 0);
            break;
        case DW_AT_lower_bound: {
            int s2 = 0;
            if (is_const_form(form) && get_bound(a, form, &out->lower_bound, &s2) == 0)
                out->has |= DWA_LOWER_BOUND;
            break;
        }
        case DW_AT_count:
            if (is_const_form(form) && get_u(a, form, &out->count) == 0)
                out->has |= DWA_COUNT;
            break;
        case DW_AT_decl_file:
            if (is_const_form(form) && get_u(a, form, &out->decl_file) == 0)
                out->has |= DWA_DECL_FILE;
            break;
        case DW_AT_decl_line:
            if (is_const_form(form) && get_u(a, form, &out->decl_line) == 0)
                out->has |= DWA_DECL_LINE;
            break;
        case DW_AT_alignment:
            if (is_const_form(form) && get_u(a, form, &out->alignment) == 0)
                out->has |= DWA_ALIGNMENT;
            break;
        case DW_AT_encoding:
            if (is_const_form(form) && get_u(a, form, &out->encoding) == 0)
                out->has |= DWA_ENCODING;
            break;
        case DW_AT_language:
            if (is_const_form(form) && get_u(a, form, &out->language) == 0)
                out->has |= DWA_LANGUAGE;
            break;
        case DW_AT_virtuality:
            if (is_const_form(form) && get_u(a, form, &out->virtuality) == 0)
                out->has |= DWA_VIRTUALITY;
            break;
        case DW_AT_declaration:
            if (get_flag(a))
                out->has |= DWA_DECLARATION;
            break;
        case DW_AT_artificial:
            if (get_flag(a))
                out->has |= DWA_ARTIFICIAL;
            break;
        case DW_AT_external:
            if (get_flag(a))
                out->has |= DWA_EXTERNAL;
            break;
        case DW_AT_discr:
            if (get_ref(a, form, &out->discr) == 0)
                out->has |= DWA_DISCR;
            break;
        case DW_AT_discr_value:
            if (is_const_form(form) && get_u(a, form, &out->discr_value) == 0)
                out->has |= DWA_DISCR_VALUE;
            break;
        case DW_AT_go_kind:
            if (is_const_form(form) && get_u(a, form, &out->go_kind) == 0)
                out->has |= DWA_GO_KIND;
            break;
        case DW_AT_go_embedded_field:
            if (get_flag(a))
                out->has |= DWA_GO_EMBEDDED;
            break;
        case DW_AT_go_runtime_type:
            if (form == DW_FORM_addr) {
                Dwarf_Addr ad = 0;
                if (dwarf_formaddr(a, &ad, &e) == DW_DLV_OK) {
                    out->go_runtime_type = ad;
                    out->has |= DWA_GO_RUNTIME_TYPE;
                }
            } else if (is_const_form(form) && get_u(a, form, &out->go_runtime_type) == 0) {
                out->has |= DWA_GO_RUNTIME_TYPE;
            }
            break;
        default:
            break;
        }
        if (e) {
            dwarf_dealloc(f->dbg, e, DW_DLA_ERROR);
            e = NULL;
        }
    }
    for (Dwarf_Signed i = 0; i < n; i++)
        dwarf_dealloc(f->dbg, list[i], DW_DLA_ATTR);
    dwarf_dealloc(f->dbg, list, DW_DLA_LIST);
    return 0;
}

int dws_srcfiles(dws_file *f, dws_die cu_die, uint16_t version,
                 const char ***names, uint64_t *count, hp_err *err)
{
    free_srcfiles(f);
    Dwarf_Error e = NULL;
    int rc = dwarf_srcfiles((Dwarf_Die)cu_die, &f->src, &f->nsrc, &e);
    if (rc == DW_DLV_ERROR)
        return derr(f, e, err, "line table file names");
    if (rc == DW_DLV_NO_ENTRY) {
        f->src = NULL;
        f->nsrc = 0;
    }
    /* DWARF 2-4 number files from 1 (decl_file 1 is src[0]); DWARF 5 from
    ** 0, and libdwarf returns the DWARF 5 table as it is. */
    uint64_t n = (uint64_t)f->nsrc;
    size_t base = version >= 5 ? 0 : 1;
    f->srcidx = hp_xcalloc(n + base + 1, sizeof *f->srcidx);
    for (uint64_t i = 0; i < n; i++)
        f->srcidx[i + base] = f->src[i];
    *names = f->srcidx;
    *count = n + base;
    return 0;
}
