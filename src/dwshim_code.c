/*
** dwshim_code.c -- code-side reading for allocation sites (dwlines.c;
** dwshim.h, dwcode.h; dwshim_int.h).
**
** Contract: dws_read_code reads the attributes of subprograms, inlined
** subroutines, call sites, variables and parameters in one pass;
** dws_ranges gives a DIE's address ranges (low/high pc, DWARF 5
** .debug_rnglists in both forms, DWARF 2-4 .debug_ranges from cu_base, a
** split unit's through dwshim_split.c); dws_locations decodes each
** location expression, or each entry of a location list, into
** operations (DWS_MAX_OPS at the most, else marked truncated), a
** location that does not decode being "unknown", not an error;
** dws_pc_bounds tests a DIE's code range without reading the rest.
** Values are raw DWARF numbers; callers compare them with the standard's.
*/
#include "dwshim_int.h"

/* ---- code-side reading (see dwshim.h) ---- */

#ifndef DW_TAG_GNU_call_site
#define DW_TAG_GNU_call_site 0x4109
#endif
#ifndef DW_AT_GNU_call_site_value
#define DW_AT_GNU_call_site_value 0x2111
#endif

static int get_addr(dws_file *f, Dwarf_Attribute a, Dwarf_Half form, uint64_t *v)
{
    Dwarf_Addr ad = 0;
    Dwarf_Error e = NULL;
    if (f->part != NO_PART && dwarf_addr_form_is_indexed(form)) {
        /* a split unit's: by index into the file's .debug_addr */
        Dwarf_Unsigned idx = 0;
        if (dwarf_get_debug_addr_index(a, &idx, &e) != DW_DLV_OK) {
            drop(f->cur, &e);
            return -1;
        }
        return dwi_split_addr(f, dwi_cur_skel(f, f->cur_die), idx, v);
    }
    if (dwarf_formaddr(a, &ad, &e) != DW_DLV_OK) {
        drop(f->cur, &e);
        return -1;
    }
    *v = ad;
    return 0;
}

typedef struct code_ctx {
    dws_code_attrs *out;
    uint64_t high;
    int high_is_offset, have_high;
} code_ctx;

/* One attribute of a code DIE (subprogram, inline, call site, variable). */
static void code_attr(dws_file *f, Dwarf_Attribute a, Dwarf_Half at, Dwarf_Half form,
                      void *ctx)
{
    code_ctx *c = ctx;
    dws_code_attrs *out = c->out;
    Dwarf_Error e = NULL;
    const char *str;
    switch (at) {
    case DW_AT_name:
        if ((str = dwi_get_str(f, a, form)) != NULL) {
            out->name = str;
            out->has |= DWC_NAME;
        }
        break;
    case DW_AT_linkage_name:
    case DW_AT_MIPS_linkage_name:
        if ((str = dwi_get_str(f, a, form)) != NULL) {
            out->linkage_name = str;
            out->has |= DWC_LINKAGE_NAME;
        }
        break;
    case DW_AT_low_pc:
        if (get_addr(f, a, form, &out->low_pc) == 0)
            out->has |= DWC_LOW_PC;
        break;
    case DW_AT_high_pc:
        if (is_const_form(form)) {
            if (dwi_get_u(f->cur, a, form, &c->high) == 0) {
                c->have_high = 1;
                c->high_is_offset = 1;
            }
        } else if (get_addr(f, a, form, &c->high) == 0) {
            c->have_high = 1;
        }
        break;
    case DW_AT_stmt_list: {
        Dwarf_Off so = 0;
        if (is_const_form(form) ? dwi_get_u(f->cur, a, form, &out->stmt_list) == 0
                                : dwarf_global_formref(a, &so, &e) == DW_DLV_OK) {
            if (!is_const_form(form))
                out->stmt_list = so;
            out->has |= DWC_STMT_LIST;
        }
        break;
    }
    case DW_AT_entry_pc:
        if (!is_const_form(form) && get_addr(f, a, form, &out->entry_pc) == 0)
            out->has |= DWC_ENTRY_PC;
        break;
    case DW_AT_ranges:
        out->has |= DWC_RANGES;
        break;
    case DW_AT_call_file:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->call_file) == 0)
            out->has |= DWC_CALL_FILE;
        break;
    case DW_AT_call_line:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->call_line) == 0)
            out->has |= DWC_CALL_LINE;
        break;
    case DW_AT_call_return_pc:
        if (get_addr(f, a, form, &out->return_pc) == 0)
            out->has |= DWC_RETURN_PC;
        break;
    case DW_AT_call_pc:
        if (get_addr(f, a, form, &out->call_pc) == 0)
            out->has |= DWC_CALL_PC;
        break;
    case DW_AT_location:
        out->has |= DWC_LOCATION;
        break;
    case DW_AT_frame_base:
        out->has |= DWC_FRAME_BASE;
        break;
    case DW_AT_call_value:
    case DW_AT_GNU_call_site_value:
        out->has |= DWC_CALL_VALUE;
        break;
    case DW_AT_type:
        if (dwi_get_ref(f, a, form, &out->type) == 0)
            out->has |= DWC_TYPE;
        break;
    case DW_AT_abstract_origin:
        if (dwi_get_ref(f, a, form, &out->origin) == 0)
            out->has |= DWC_ORIGIN;
        break;
    case DW_AT_specification:
        if (dwi_get_ref(f, a, form, &out->specification) == 0)
            out->has |= DWC_SPECIFICATION;
        break;
    case DW_AT_call_origin:
        if (dwi_get_ref(f, a, form, &out->call_origin) == 0)
            out->has |= DWC_CALL_ORIGIN;
        break;
    case DW_AT_artificial:
        if (dwi_get_flag(f->cur, a))
            out->has |= DWC_ARTIFICIAL;
        break;
    case DW_AT_declaration:
        if (dwi_get_flag(f->cur, a))
            out->has |= DWC_DECLARATION;
        break;
    case DW_AT_byte_size:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->byte_size) == 0)
            out->has |= DWC_BYTE_SIZE;
        break;
    case DW_AT_decl_file:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->decl_file) == 0)
            out->has |= DWC_DECL_FILE;
        break;
    case DW_AT_decl_line:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->decl_line) == 0)
            out->has |= DWC_DECL_LINE;
        break;
    case DW_AT_const_value:
        if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->const_value) == 0)
            out->has |= DWC_CONST_VALUE;
        break;
    case 0x3e0e:    /* DW_AT_LLVM_alloc_type, newer than this libdwarf */
        if (dwi_get_ref(f, a, form, &out->alloc_type) == 0)
            out->has |= DWC_ALLOC_TYPE;
        break;
    case DW_AT_go_runtime_type:
        if (form == DW_FORM_addr) {
            if (get_addr(f, a, form, &out->go_runtime_type) == 0)
                out->has |= DWC_GO_RUNTIME_TYPE;
        } else if (is_const_form(form) && dwi_get_u(f->cur, a, form, &out->go_runtime_type) == 0) {
            out->has |= DWC_GO_RUNTIME_TYPE;
        }
        break;
    default:
        break;
    }
    drop(f->cur, &e);
}

int dws_read_code(dws_file *f, dws_die die, dws_code_attrs *out, hp_err *err)
{
    memset(out, 0, sizeof *out);
    code_ctx c = { out, 0, 0, 0 };
    uint16_t tag = 0;
    if (dwi_walk_attrs(f, on(f, die), &tag, &out->off, &out->has_children, code_attr, &c,
                   err) != 0)
        return -1;
    out->tag = tag;
    dws_code_finish(out, c.high, c.have_high, c.high_is_offset);
    return 0;
}

#define push_range dws_push_range

int dws_ranges(dws_file *f, dws_die die, const dws_code_attrs *a, uint64_t cu_base,
               dws_range **v, size_t *n, size_t *cap, hp_err *err)
{
    if ((a->has & (DWC_LOW_PC | DWC_HIGH_PC)) == (DWC_LOW_PC | DWC_HIGH_PC))
        push_range(v, n, cap, a->low_pc, a->high_pc);
    if (!(a->has & DWC_RANGES))
        return 0;
    Dwarf_Die d = on(f, die);
    Dwarf_Error e = NULL;
    Dwarf_Attribute at = NULL;
    if (dwarf_attr(d, DW_AT_ranges, &at, &e) != DW_DLV_OK) {
        drop(f->cur, &e);
        return 0;
    }
    Dwarf_Half form = 0, version = 0, offsize = 0;
    int rc = 0;
    if (dwarf_whatform(at, &form, &e) != DW_DLV_OK ||
        dwarf_get_version_of_die(d, &version, &offsize) != DW_DLV_OK) {
        rc = dwi_derr(f, e, err, "DW_AT_ranges");
        e = NULL;               /* dwi_derr freed it */
        goto out;
    }
    Dwarf_Unsigned val = 0;
    int r2 = form == DW_FORM_rnglistx ? dwarf_formudata(at, &val, &e)
                                      : dwarf_global_formref(at, &val, &e);
    if (r2 != DW_DLV_OK) {
        rc = dwi_derr(f, e, err, "DW_AT_ranges value");
        e = NULL;               /* dwi_derr freed it */
        goto out;
    }
    const dws_skel *sk = f->part != NO_PART ? dwi_cur_skel(f, d) : NULL;
    uint64_t sbase = sk ? sk->low_pc : 0;
    if (f->part != NO_PART && sk == NULL) {
        rc = hp_errf(err, dwi_cur_path(f), "corrupt DWARF: a split unit without its skeleton");
        goto out;
    }
    if (sk != NULL) {
        /* DWARF 4: in the file's .debug_ranges, which the .dwo does not
        ** have; DWARF 5: in the .dwo's .debug_rnglists.dwo */
        if ((version < 5 ? dwi_split_ranges4(f, sk, val, sk->low_pc, v, n, cap)
                         : dwi_split_ranges5(f, sk, form == DW_FORM_rnglistx, val, v, n, cap)) != 0)
            rc = hp_errf(err, dwi_cur_path(f), "corrupt DWARF: the range list 0x%llx of a split "
                         "unit", (unsigned long long)val);
        goto out;
    }
    if (version >= 5) {
        Dwarf_Rnglists_Head head = NULL;
        Dwarf_Unsigned count = 0, goff = 0;
        r2 = dwarf_rnglists_get_rle_head(at, form, val, &head, &count, &goff, &e);
        if (r2 == DW_DLV_ERROR) {
            rc = dwi_derr(f, e, err, "range list");
            e = NULL;               /* dwi_derr freed it */
            goto out;
        }
        if (r2 == DW_DLV_OK) {
            for (Dwarf_Unsigned i = 0; i < count && i < 100000; i++) {
                unsigned elen = 0, code = 0;
                Dwarf_Unsigned raw1 = 0, raw2 = 0, c1 = 0, c2 = 0;
                Dwarf_Bool unavail = 0;
                if (dwarf_get_rnglists_entry_fields_a(head, i, &elen, &code, &raw1, &raw2,
                                                      &unavail, &c1, &c2, &e) != DW_DLV_OK) {
                    drop(f->cur, &e);
                    break;
                }
                if (sk != NULL) {
                    /* a split unit's: the indexes resolved here */
                    uint64_t lo = 0, hi = 0;
                    if (dwi_split_entry(f, sk, 0, 1, code, raw1, raw2, &sbase, &lo, &hi) == 1)
                        push_range(v, n, cap, lo, hi);
                    continue;
                }
                /* DW_RLE_end_of_list 0, base_addressx 1, base_address 5 carry no range */
                if (code == 0 || code == 1 || code == 5 || unavail)
                    continue;
                push_range(v, n, cap, c1, c2);
            }
            dwarf_dealloc_rnglists_head(head);
        }
    } else {
        Dwarf_Ranges *rl = NULL;
        Dwarf_Signed cnt = 0;
        Dwarf_Unsigned bytes = 0;
        Dwarf_Off real = 0;
        r2 = dwarf_get_ranges_b(f->cur, val, d, &real, &rl, &cnt, &bytes, &e);
        if (r2 == DW_DLV_ERROR) {
            rc = dwi_derr(f, e, err, "range list");
            e = NULL;               /* dwi_derr freed it */
            goto out;
        }
        if (r2 == DW_DLV_OK) {
            uint64_t base = cu_base;
            for (Dwarf_Signed i = 0; i < cnt; i++) {
                if (rl[i].dwr_type == DW_RANGES_ENTRY)
                    push_range(v, n, cap, base + rl[i].dwr_addr1, base + rl[i].dwr_addr2);
                else if (rl[i].dwr_type == DW_RANGES_ADDRESS_SELECTION)
                    base = rl[i].dwr_addr2;
                else
                    break;
            }
            dwarf_ranges_dealloc(f->cur, rl, cnt);
        }
    }
out:
    /* libdwarf 20210528 can answer DW_DLV_NO_ENTRY with an error made on
    ** the way (a rnglistx index it cannot resolve): ours to free */
    drop(f->cur, &e);
    dwarf_dealloc(f->cur, at, DW_DLA_ATTR);
    return rc;
}

int dws_locations(dws_file *f, dws_die die, uint16_t attr, dws_loc **v, size_t *n,
                  size_t *cap, hp_err *err)
{
    Dwarf_Die d = on(f, die);
    Dwarf_Error e = NULL;
    Dwarf_Attribute at = NULL;
    int rc = dwarf_attr(d, attr, &at, &e);
    if (rc == DW_DLV_NO_ENTRY)
        return 0;
    if (rc != DW_DLV_OK)
        return dwi_derr(f, e, err, "location attribute");
    Dwarf_Loc_Head_c head = NULL;
    Dwarf_Unsigned count = 0;
    /* On a location list entry whose expression does not decode,
    ** libdwarf 20210528 fails and drops the operator arrays it had
    ** already made for it (fuzz/fz_sites, tests/fuzz-regress/
    ** sites-loclist-op-leak): bounded by the file, nothing of ours, not
    ** reported to LeakSanitizer, as with dwarf_child in dwshim.c. */
    if (__lsan_disable)
        __lsan_disable();
    rc = dwarf_get_loclist_c(at, &head, &count, &e);
    if (__lsan_enable)
        __lsan_enable();
    if (rc != DW_DLV_OK) {
        /* a malformed or unsupported location is "unknown", not fatal */
        drop(f->cur, &e);
        dwarf_dealloc(f->cur, at, DW_DLA_ATTR);
        return 0;
    }
    const dws_skel *sk = f->part != NO_PART ? dwi_cur_skel(f, d) : NULL;
    uint64_t sbase = sk ? sk->low_pc : 0;
    for (Dwarf_Unsigned i = 0; i < count && i < 100000; i++) {
        Dwarf_Small lle = 0, source = 0;
        Dwarf_Unsigned rawlo = 0, rawhi = 0, nops = 0, exoff = 0, descoff = 0;
        Dwarf_Bool unavail = 0;
        Dwarf_Addr lo = 0, hi = 0;
        Dwarf_Locdesc_c desc = NULL;
        if (dwarf_get_locdesc_entry_d(head, i, &lle, &rawlo, &rawhi, &unavail, &lo, &hi,
                                      &nops, &desc, &source, &exoff, &descoff, &e) != DW_DLV_OK) {
            drop(f->cur, &e);
            break;
        }
        if (sk != NULL && source != 0) {
            /* a split unit's list: the indexes resolved here (source 1
            ** and 2: DWARF 4 lists, GNU's in .debug_loc.dwo; 5: DWARF 5) */
            uint64_t slo = 0, shi = 0;
            if (dwi_split_entry(f, sk, source != 5, 0, lle, rawlo, rawhi, &sbase, &slo, &shi) != 1)
                continue;
            lo = slo;
            hi = shi;
            unavail = 0;
        }
        if (unavail || (source != 0 && nops == 0))
            continue;       /* base-address and end entries */
        dws_loc *l = HP_PUSH(*v, *n, *cap);
        memset(l, 0, sizeof *l);
        if (source == 0) {
            l->lo = 0;
            l->hi = UINT64_MAX;
        } else {
            l->lo = lo;
            l->hi = hi;
        }
        for (Dwarf_Unsigned k = 0; k < nops; k++) {
            if (k >= DWS_MAX_OPS) {
                l->truncated = 1;
                break;
            }
            Dwarf_Small atom = 0;
            Dwarf_Unsigned o1 = 0, o2 = 0, o3 = 0, r1 = 0, r2 = 0, r3 = 0, br = 0;
            if (dwarf_get_location_op_value_d(desc, k, &atom, &o1, &o2, &o3, &r1, &r2, &r3,
                                              &br, &e) != DW_DLV_OK) {
                drop(f->cur, &e);
                l->truncated = 1;
                break;
            }
            l->ops[k].op = atom;
            l->ops[k].n1 = o1;
            l->ops[k].n2 = o2;
            l->nops = (uint8_t)(k + 1);
        }
    }
    dwarf_loc_head_c_dealloc(head);
    dwarf_dealloc(f->cur, at, DW_DLA_ATTR);
    return 0;
}

int dws_pc_bounds(dws_file *f, dws_die die, uint64_t *lo, uint64_t *hi)
{
    Dwarf_Die d = on(f, die);
    Dwarf_Error e = NULL;
    Dwarf_Addr low = 0, high = 0;
    Dwarf_Half form = 0;
    enum Dwarf_Form_Class cls = DW_FORM_CLASS_UNKNOWN;
    int rc;
    if (f->part != NO_PART) {
        /* a split unit's low_pc is an index (get_addr) */
        Dwarf_Attribute a = NULL;
        uint64_t v = 0;
        f->cur_die = d;
        rc = dwarf_attr(d, DW_AT_low_pc, &a, &e);
        if (rc == DW_DLV_OK && (dwarf_whatform(a, &form, &e) != DW_DLV_OK ||
                                get_addr(f, a, form, &v) != 0))
            rc = DW_DLV_NO_ENTRY;
        if (a)
            dwarf_dealloc(f->cur, a, DW_DLA_ATTR);
        drop(f->cur, &e);
        low = v;
    } else {
        rc = dwarf_lowpc(d, &low, &e);
    }
    if (rc == DW_DLV_OK) {
        rc = dwarf_highpc_b(d, &high, &form, &cls, &e);
        if (rc == DW_DLV_OK) {
            if (cls == DW_FORM_CLASS_CONSTANT)
                high += low;
            if (high >= low) {
                *lo = low;
                *hi = high;
                return 1;
            }
        }
    }
    drop(f->cur, &e);
    Dwarf_Bool has = 0;
    if (dwarf_hasattr(d, DW_AT_ranges, &has, &e) == DW_DLV_OK && has)
        return 2;
    drop(f->cur, &e);
    return 0;
}
