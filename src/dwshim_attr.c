/*
** dwshim_attr.c -- a type DIE's attributes in one pass (dws_read), and
** references as offsets holeprof can follow (dwshim_int.h).
**
** Contract: dwi_walk_attrs reads a DIE's tag, offset and children flag and
** hands each attribute to a reader (type_attr here, code_attr in
** dwshim_code.c), freeing the list; unknown attributes are ignored.
** dwi_get_ref gives a reference as a global offset: DWS_ALT for the
** supplementary file's forms (DW_FORM_ref_sup4/8 read raw, which
** libdwarf 20210528 does not), DWS_TYPES/DWS_SPLIT for the section and
** file it is in, the type DIE a DW_FORM_ref_sig8 names (or 1: no unit
** defines it, counted in dws_image_gaps).  dws_read sets DWA_UNRESOLVED
** when anything of the DIE is in a supplementary file that is not
** loaded, and gives a dwz partial unit without a language its importer's.
*/
#include "dwshim_int.h"

/* DW_FORM_ref_sup4/8 (dwz -5): libdwarf 20210528 gives no value for
** them, so the attribute is read from the DIE's bytes (dwscan). */
static int raw_ref(dws_file *f, Dwarf_Half at, uint64_t *val)
{
    Dwarf_Error e = NULL;
    Dwarf_Off cu_off = 0, cu_len = 0;
    if (!f->is_info)
        return -1;              /* dwz does not write .debug_types */
    if (dwarf_die_CU_offset_range(f->cur_die, &cu_off, &cu_len, &e) != DW_DLV_OK) {
        drop(f->cur, &e);
        return -1;
    }
    dsc_unit *u = dwi_scan_of(f, f->alt ? &f->ascan : &f->rscan, cu_off);
    uint32_t form = 0;
    if (u == NULL || dsc_attr_value(u, f->cur_off, at, &form, val) != 1 ||
        (form != FORM_ref_sup4 && form != FORM_ref_sup8))
        return -1;
    return 0;
}

/* A reference as an offset holeprof can follow (dws_offdie): in the
** supplementary file (DWS_ALT) for its forms and for every reference made
** there.  0, 1 for a type-unit signature (the caller flags it), -1. */
int dwi_get_ref(dws_file *f, Dwarf_Attribute a, Dwarf_Half form, uint64_t *off)
{
    Dwarf_Off o = 0;
    Dwarf_Error e = NULL;
    if (form == DW_FORM_ref_sig8) {
        Dwarf_Sig8 sg;
        uint64_t sig = 0;
        if (dwarf_formsig8(a, &sg, &e) != DW_DLV_OK) {
            drop(f->cur, &e);
            return -1;
        }
        memcpy(&sig, sg.signature, 8);
        /* (type units of split DWARF files are not read) */
        if (!f->alt && f->part == NO_PART && dwi_sig_lookup(f->obj->di, sig, off))
            return 0;
        /* a type unit nobody defines: the caller flags it (DWA_SIGNATURE) */
        pthread_mutex_lock(&f->obj->di->mu);
        f->obj->di->missing_sigs++;
        pthread_mutex_unlock(&f->obj->di->mu);
        return 1;
    }
    int sup = form == FORM_GNU_ref_alt || form == FORM_ref_sup4 || form == FORM_ref_sup8;
    if (sup && f->adbg == NULL)
        f->unresolved = 1;
    if (form == FORM_ref_sup4 || form == FORM_ref_sup8) {
        uint64_t v = 0;
        Dwarf_Half at = 0;
        if (dwarf_whatattr(a, &at, &e) != DW_DLV_OK || raw_ref(f, at, &v) != 0) {
            drop(f->cur, &e);
            return -1;
        }
        *off = v | DWS_ALT;
        return 0;
    }
    if (dwarf_global_formref(a, &o, &e) != DW_DLV_OK) {
        drop(f->cur, &e);
        return -1;
    }
    *off = sup ? o | DWS_ALT : gofs(f, o);
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

static void read_member_loc(Dwarf_Debug dbg, Dwarf_Attribute a, Dwarf_Half form, dws_attrs *out)
{
    Dwarf_Error e = NULL;
    if (is_const_form(form)) {
        if (dwi_get_u(dbg, a, form, &out->member_loc) == 0)
            out->has |= DWA_MEMBER_LOC;
        return;
    }
    if (form == DW_FORM_exprloc) {
        Dwarf_Unsigned len = 0;
        Dwarf_Ptr ptr = NULL;
        if (dwarf_formexprloc(a, &len, &ptr, &e) != DW_DLV_OK) {
            drop(dbg, &e);
            out->has |= DWA_MEMBER_LOC_EXPR;
        } else {
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
        if (dwarf_formblock(a, &b, &e) != DW_DLV_OK) {
            drop(dbg, &e);
            out->has |= DWA_MEMBER_LOC_EXPR;
        } else {
            if (loc_expr_const(b->bl_data, b->bl_len, &out->member_loc))
                out->has |= DWA_MEMBER_LOC;
            else
                out->has |= DWA_MEMBER_LOC_EXPR;
            dwarf_dealloc(dbg, b, DW_DLA_BLOCK);   /* no de_alloc tree: ours to free */
        }
        return;
    }
    out->has |= DWA_MEMBER_LOC_EXPR;   /* loclist or unknown */
}

int dwi_walk_attrs(dws_file *f, Dwarf_Die d, uint16_t *tag, uint64_t *off,
                      uint8_t *has_children, attr_fn fn, void *ctx, hp_err *err)
{
    Dwarf_Error e = NULL;
    Dwarf_Half t = 0;
    if (dwarf_tag(d, &t, &e) != DW_DLV_OK)
        return dwi_derr(f, e, err, "DIE tag");
    *tag = t;
    Dwarf_Off o = 0;
    if (dwarf_dieoffset(d, &o, &e) != DW_DLV_OK)
        return dwi_derr(f, e, err, "DIE offset");
    *off = gofs(f, o);
    f->cur_die = d;
    f->cur_off = o;
    f->unresolved = 0;
    Dwarf_Half hc = 0;
    if (dwarf_die_abbrev_children_flag(d, &hc) == DW_DLV_OK)
        *has_children = hc != 0;
    Dwarf_Attribute *list = NULL;
    Dwarf_Signed n = 0;
    int rc = dwarf_attrlist(d, &list, &n, &e);
    if (rc == DW_DLV_NO_ENTRY)
        return 0;
    if (rc != DW_DLV_OK)
        return dwi_derr(f, e, err, "attribute list");
    for (Dwarf_Signed i = 0; i < n; i++) {
        Dwarf_Half at = 0, form = 0;
        if (dwarf_whatattr(list[i], &at, &e) != DW_DLV_OK ||
            dwarf_whatform(list[i], &form, &e) != DW_DLV_OK) {
            drop(f->cur, &e);
            continue;
        }
        fn(f, list[i], at, form, ctx);
    }
    for (Dwarf_Signed i = 0; i < n; i++)
        dwarf_dealloc(f->cur, list[i], DW_DLA_ATTR);
    dwarf_dealloc(f->cur, list, DW_DLA_LIST);
    return 0;
}

/* One attribute of a type DIE into dws_attrs.  A repeated attribute that
** does not read must not leave a NULL string flagged present (found by
** fuzzing), so strings go through str. */
static void type_attr(dws_file *f, Dwarf_Attribute a, Dwarf_Half at, Dwarf_Half form,
                      void *ctx)
{
    dws_attrs *out = ctx;
    Dwarf_Error e = NULL;
    const char *str;
    int r, sgn = 0;
    switch (at) {
    case DW_AT_name:
        if ((str = dwi_get_str(f, a, form)) != NULL) {
            out->name = str;
            out->has |= DWA_NAME;
        }
        break;
    case DW_AT_producer:
        if ((str = dwi_get_str(f, a, form)) != NULL) {
            out->producer = str;
            out->has |= DWA_PRODUCER;
        }
        break;
    case DW_AT_linkage_name:
    case DW_AT_MIPS_linkage_name:
        if ((str = dwi_get_str(f, a, form)) != NULL) {
            out->linkage_name = str;
            out->has |= DWA_LINKAGE_NAME;
        }
        break;
    case DW_AT_byte_size:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->byte_size) == 0)
            out->has |= DWA_BYTE_SIZE;
        break;
    case DW_AT_bit_size:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->bit_size) == 0)
            out->has |= DWA_BIT_SIZE;
        break;
    case DW_AT_data_bit_offset:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->data_bit_offset) == 0)
            out->has |= DWA_DATA_BIT_OFFSET;
        break;
    case DW_AT_bit_offset:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->bit_offset) == 0)
            out->has |= DWA_BIT_OFFSET;
        break;
    case DW_AT_data_member_location:
        read_member_loc(f->cur, a, form, out);
        break;
    case DW_AT_type:
        r = dwi_get_ref(f, a, form, &out->type);
        if (r == 0)
            out->has |= DWA_TYPE;
        else if (r == 1)
            out->has |= DWA_SIGNATURE;
        break;
    case DW_AT_signature:
        if (form != DW_FORM_ref_sig8 || dwi_get_ref(f, a, form, &out->signature) != 0)
            out->signature = 0;
        break;
    case DW_AT_specification:
        if (dwi_get_ref(f, a, form, &out->specification) == 0)
            out->has |= DWA_SPECIFICATION;
        break;
    case DW_AT_abstract_origin:
        if (dwi_get_ref(f, a, form, &out->abstract_origin) == 0)
            out->has |= DWA_ABSTRACT_ORIGIN;
        break;
    case DW_AT_upper_bound:
        if (is_const_form(form) && dwi_get_bound(f->cur, a, form, &out->upper_bound, &sgn) == 0)
            out->has |= DWA_UPPER_BOUND | (sgn ? DWA_BOUND_SIGNED : 0);
        break;
    case DW_AT_lower_bound: {
        int s2 = 0;
        if (is_const_form(form) && dwi_get_bound(f->cur, a, form, &out->lower_bound, &s2) == 0)
            out->has |= DWA_LOWER_BOUND;
        break;
    }
    case DW_AT_count:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->count) == 0)
            out->has |= DWA_COUNT;
        break;
    case DW_AT_decl_file:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->decl_file) == 0)
            out->has |= DWA_DECL_FILE;
        break;
    case DW_AT_decl_line:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->decl_line) == 0)
            out->has |= DWA_DECL_LINE;
        break;
    case DW_AT_alignment:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->alignment) == 0)
            out->has |= DWA_ALIGNMENT;
        break;
    case DW_AT_encoding:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->encoding) == 0)
            out->has |= DWA_ENCODING;
        break;
    case DW_AT_language:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->language) == 0)
            out->has |= DWA_LANGUAGE;
        break;
    case DW_AT_virtuality:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->virtuality) == 0)
            out->has |= DWA_VIRTUALITY;
        break;
    case DW_AT_declaration:
        if (dwi_get_flag(f->cur, a))
            out->has |= DWA_DECLARATION;
        break;
    case DW_AT_artificial:
        if (dwi_get_flag(f->cur, a))
            out->has |= DWA_ARTIFICIAL;
        break;
    case DW_AT_external:
        if (dwi_get_flag(f->cur, a))
            out->has |= DWA_EXTERNAL;
        break;
    case DW_AT_discr:
        if (dwi_get_ref(f, a, form, &out->discr) == 0)
            out->has |= DWA_DISCR;
        break;
    case DW_AT_discr_value:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->discr_value) == 0)
            out->has |= DWA_DISCR_VALUE;
        break;
    case DW_AT_go_kind:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->go_kind) == 0)
            out->has |= DWA_GO_KIND;
        break;
    case DW_AT_go_embedded_field:
        if (dwi_get_flag(f->cur, a))
            out->has |= DWA_GO_EMBEDDED;
        break;
    case DW_AT_go_runtime_type:
        if (form == DW_FORM_addr) {
            Dwarf_Addr ad = 0;
            if (dwarf_formaddr(a, &ad, &e) == DW_DLV_OK) {
                out->go_runtime_type = ad;
                out->has |= DWA_GO_RUNTIME_TYPE;
            }
        } else if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->go_runtime_type) == 0) {
            out->has |= DWA_GO_RUNTIME_TYPE;
        }
        break;
    default:
        break;
    }
    drop(f->cur, &e);
}

int dws_read(dws_file *f, dws_die die, dws_attrs *out, hp_err *err)
{
    memset(out, 0, sizeof *out);
    if (dwi_walk_attrs(f, on(f, die), &out->tag, &out->off, &out->has_children,
                   type_attr, out, err) != 0)
        return -1;
    if (f->unresolved)
        out->has |= DWA_UNRESOLVED;
    /* dwz makes partial units without a language: the importer's */
    if (out->tag == TAG_partial_unit && !(out->has & DWA_LANGUAGE)) {
        hp_err e2;              /* not zeroed for every DIE: 1 KB */
        e2.set = 0;
        const ulang *pl = dwi_ensure_imports(f->obj->di, &e2) == 0
                              ? dwi_partial_of(f->obj->di, out->off) : NULL;
        if (pl != NULL && pl->lang != 0) {
            out->language = pl->lang;
            out->has |= DWA_LANGUAGE;
        }
    }
    return 0;
}

