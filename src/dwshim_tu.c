/*
** dwshim_tu.c -- type units, found raw (dwshim_int.h).
**
** Contract: the signature of every type unit of .debug_info (DWARF 5
** DW_UT_type, DW_UT_split_type) and of .debug_types (DWARF 4), sorted and
** built once per image, under its mutex, at the first DW_FORM_ref_sig8 or
** unit count (dwi_ensure_sigs; dwi_sig_lookup: the global offset of the type DIE
** a signature names), and the .debug_types units the unit iterator visits
** after the .debug_info ones (dwi_ensure_xunits).  A header that does not
** parse ends the scan of its section: libdwarf meets the same header and
** says what is wrong.  dwi_unit_length reads any unit's initial length.
*/
#include "dwshim_int.h"

/* ---- type units ----
** DWARF 4 puts them in .debug_types, DWARF 5 in .debug_info (DW_UT_type,
** DW_UT_split_type); a DW_FORM_ref_sig8 names one by its 8-byte
** signature.  The unit headers are read raw: both tables are built once
** per image, the signatures only when the first reference to one is
** read, so a file without type units pays nothing. */

/* The initial length of the unit at off: its length, where what follows
** it starts and the offset size (4, or 8 in 64-bit DWARF); 0, or -1 when
** it does not fit the section. */
int dwi_unit_length(const uint8_t *p, size_t len, uint64_t off, uint64_t *ulen,
                       uint64_t *pos, uint64_t *osz)
{
    if (off >= len || len - off < 4)
        return -1;
    *ulen = rd_le(p + off, 4);
    *pos = off + 4;
    *osz = 4;
    if (*ulen == 0xffffffffu) {
        if (len - off < 12)
            return -1;
        *ulen = rd_le(p + off + 4, 8);
        *pos = off + 12;
        *osz = 8;
    } else if (*ulen >= 0xfffffff0u) {
        return -1;
    }
    return *ulen > len - *pos ? -1 : 0;
}

/* The header of the type unit at off: its signature and the offsets of
** its type DIE and of the next unit; 1, 0 when it is no type unit, -1
** when the header does not parse.  types: a .debug_types unit. */
static int tu_header(const uint8_t *p, size_t len, uint64_t off, int types, uint64_t *sig,
                     uint64_t *type_die, uint64_t *first_die, uint64_t *next, uint16_t *ver)
{
    uint64_t ulen, pos, osz;
    if (dwi_unit_length(p, len, off, &ulen, &pos, &osz) != 0)
        return -1;
    uint64_t end = pos + ulen;
    if (end - pos < 2)
        return -1;
    uint16_t v = (uint16_t)rd_le(p + pos, 2);
    pos += 2;
    *next = end;
    *ver = v;
    if (v == 5) {
        if (end - pos < 2 + osz)
            return -1;
        uint8_t ut = p[pos];
        pos += 2 + osz;                 /* unit_type, address_size, abbrev offset */
        if (ut != 2 && ut != 6)         /* DW_UT_type, DW_UT_split_type */
            return 0;
    } else if (types && v >= 2 && v <= 4) {
        if (end - pos < osz + 1)
            return -1;
        pos += osz + 1;                 /* abbrev offset, address_size */
    } else {
        return v >= 2 && v <= 4 ? 0 : -1;
    }
    if (end - pos < 8 + osz)
        return -1;
    memcpy(sig, p + pos, 8);
    uint64_t toff = rd_le(p + pos + 8, (int)osz);
    pos += 8 + osz;
    if (toff >= end - off)
        return -1;
    *type_die = off + toff;
    *first_die = pos;
    return 1;
}

static int cmp_sig(const void *a, const void *b)
{
    const dws_sig *x = a, *y = b;
    return x->sig < y->sig ? -1 : x->sig > y->sig ? 1 : x->off < y->off ? -1 : x->off > y->off;
}

/* Every type unit of one section into di's tables (tag: DWS_TYPES or 0;
** xunits: list the units too). */
static void scan_type_units(dws_image *di, const ei_section *sec, uint64_t tag, int xunits,
                            size_t *scap, size_t *xcap)
{
    const uint8_t *p = NULL;
    size_t len = 0;
    hp_err e2 = {0};
    if (sec == NULL || ei_section_data(di->img, sec, &p, &len, &e2) != 0 || p == NULL)
        return;
    uint64_t off = 0;
    while (off < len) {
        uint64_t sig = 0, tdie = 0, first = 0, next = 0;
        uint16_t ver = 0;
        int r = tu_header(p, len, off, tag != 0, &sig, &tdie, &first, &next, &ver);
        if (r < 0)
            break;      /* libdwarf meets the same header and says what is wrong */
        if (r > 0) {
            if (scap) {
                dws_sig *sg = HP_PUSH(di->sigs, di->nsigs, *scap);
                sg->sig = sig;
                sg->off = tdie | tag;
            }
            if (xunits && xcap) {
                dws_xunit *x = HP_PUSH(di->xunits, di->nxunits, *xcap);
                x->hdr = off | tag;
                x->next = next | tag;
                x->die = first | tag;
                x->version = ver;
                x->unit_type = 2;       /* DW_UT_type */
            }
        }
        off = next;
    }
}

void dwi_ensure_sigs(dws_image *di)
{
    pthread_mutex_lock(&di->mu);
    if (!di->sigs_done) {
        size_t cap = 0;
        scan_type_units(di, di->info, 0, 0, &cap, NULL);
        scan_type_units(di, di->types, DWS_TYPES, 0, &cap, NULL);
        if (di->nsigs > 1)
            qsort(di->sigs, di->nsigs, sizeof *di->sigs, cmp_sig);
        di->sigs_done = 1;
    }
    pthread_mutex_unlock(&di->mu);
}

/* The global offset of the type DIE the signature names: 1, or 0 when no
** unit of the file defines it (the first of equal ones: the linker keeps
** one copy of each type unit, so two would be the same). */
int dwi_sig_lookup(dws_image *di, uint64_t sig, uint64_t *off)
{
    dwi_ensure_sigs(di);
    size_t lo = 0, hi = di->nsigs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (di->sigs[mid].sig < sig)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < di->nsigs && di->sigs[lo].sig == sig) {
        *off = di->sigs[lo].off;
        return 1;
    }
    return 0;
}

void dwi_ensure_xunits(dws_image *di)
{
    pthread_mutex_lock(&di->mu);
    if (!di->xunits_done) {
        size_t xcap = 0;
        scan_type_units(di, di->types, DWS_TYPES, 1, NULL, &xcap);
        di->xunits_done = 1;
    }
    pthread_mutex_unlock(&di->mu);
}
