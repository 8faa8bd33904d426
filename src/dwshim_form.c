/*
** dwshim_form.c -- attribute values by form, for every reader of the
** dwshim family (dwshim_int.h).
**
** Contract: dwi_get_u gives a constant (the signed forms sign-extended),
** dwi_get_bound an array bound (an unsigned one as it is, but 64 bits of ones
** as -1), dwi_get_flag a flag (0 when it does not read), dwi_get_str a string:
** from the supplementary file's .debug_str for DW_FORM_GNU_strp_alt and
** DW_FORM_strp_sup, and never one of libdwarf's placeholders for what it
** cannot read ("<DW_FORM_..._no-tied-file>"): such a string, and one of a
** supplementary file that is not loaded, is NULL and sets f->unresolved.
** Errors libdwarf hands back are released here.
*/
#include "dwshim_int.h"

int dwi_get_u(Dwarf_Debug dbg, Dwarf_Attribute a, Dwarf_Half form, uint64_t *v)
{
    Dwarf_Error e = NULL;
    if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
        Dwarf_Signed s = 0;
        if (dwarf_formsdata(a, &s, &e) != DW_DLV_OK) {
            drop(dbg, &e);
            return -1;
        }
        *v = (uint64_t)s;
        return 0;
    }
    Dwarf_Unsigned u = 0;
    if (dwarf_formudata(a, &u, &e) != DW_DLV_OK) {
        drop(dbg, &e);
        return -1;
    }
    *v = u;
    return 0;
}

/* Array bounds: signed forms as they are; unsigned ones as unsigned,
** except 64 bits of ones, which old gcc writes for the bound of `T a[0]`. */
int dwi_get_bound(Dwarf_Debug dbg, Dwarf_Attribute a, Dwarf_Half form, int64_t *v, int *is_signed)
{
    uint64_t u = 0;
    if (dwi_get_u(dbg, a, form, &u) != 0)
        return -1;
    *is_signed = form == DW_FORM_sdata || form == DW_FORM_implicit_const;
    /* Only a full 64-bit all-ones unsigned value means -1 here: gcc
    ** writes the bound of `char name[256]` as data1 0xff, which is 255. */
    if (!*is_signed && form_width(form) == 8 && u == UINT64_MAX)
        *v = -1;
    else
        *v = (int64_t)u;    /* a signed form's value, as dwi_get_u read it */
    return 0;
}

int dwi_get_flag(Dwarf_Debug dbg, Dwarf_Attribute a)
{
    Dwarf_Bool b = 0;
    Dwarf_Error e = NULL;
    if (dwarf_formflag(a, &b, &e) != DW_DLV_OK) {
        drop(dbg, &e);
        return 0;
    }
    return b != 0;
}

/* A string attribute, from the supplementary file's .debug_str for its
** forms.  Never one of libdwarf's placeholders ("<DW_FORM_..._no-tied-
** file>" and the like, which it gives for what it cannot read): such a
** string is NULL here, as one that does not read.  form: the attribute's,
** or 0 when the caller does not know it. */
const char *dwi_get_str(dws_file *f, Dwarf_Attribute a, Dwarf_Half form)
{
    char *s = NULL;
    Dwarf_Error e = NULL;
    if (form == 0 && dwarf_whatform(a, &form, &e) != DW_DLV_OK) {
        drop(f->cur, &e);
        return NULL;
    }
    if (form == FORM_GNU_strp_alt || form == FORM_strp_sup) {
        Dwarf_Off o = 0;
        dws_image *ai = f->obj->di->alt;
        if (ai == NULL || f->alt) {
            f->unresolved = 1;
            return NULL;
        }
        if (!f->astr_loaded) {
            f->astr_loaded = 1;
            f->astr = ei_dwarf_section(ai->img, "str", &f->astr_len);
        }
        if (dwarf_global_formref(a, &o, &e) != DW_DLV_OK || f->astr == NULL ||
            o >= f->astr_len || memchr(f->astr + o, '\0', f->astr_len - o) == NULL) {
            drop(f->cur, &e);
            f->unresolved = 1;
            return NULL;
        }
        return (const char *)f->astr + o;
    }
    if (dwarf_formstring(a, &s, &e) != DW_DLV_OK) {
        drop(f->cur, &e);
        return NULL;
    }
    if (s != NULL && s[0] == '<' && strncmp(s, "<DW_FORM_", 9) == 0) {
        f->unresolved = 1;
        return NULL;
    }
    return s;
}
