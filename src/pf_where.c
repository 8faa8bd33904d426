/*
** pf_where.c -- where profile frames lie in the source, from the binary's
** own DWARF (reader-independent; contract in pf_int.h).
**
** A profile that gives only addresses (gperftools, perf's symbol+offset,
** heaptrack without debug info) says nothing of the source line or of
** inlined code at a frame.  pf_where_lookup() asks dwlines.c (dl_collect,
** want_inline) about each address, in the binary's debug file when the
** database recorded one (binaries.debug_file; its dwz supplementary file
** too), else in the binary itself: the outermost caller's file:line (as
** the sites table gives a site's), the containing subprogram, and the
** innermost inlined function with its own call's file:line.
**
** pf_call_ends_at() tells whether a call instruction ends at an address
** (x86-64: E8 rel32 or an FF /2 form; AArch64: bl, blr): what a return
** address of this very build is, for a symbol+offset call site.
**
** Promises: the strings live until pf_where_free(); a binary or debug file
** that is gone or unreadable leaves every record not found (found = 0) and
** is no error: the profile is imported without that help.
*/
#include "pf_int.h"
#include "debugfind.h"
#include "dwlines.h"
#include "elfimg.h"

#include <stdlib.h>
#include <string.h>

/* The length of an x86-64 indirect call (FF /2: call *reg, call *mem)
** starting at p (n bytes there), or 0: an optional notrack (3E) and REX
** prefix, the opcode, ModRM, SIB and displacement. */
static size_t pw_x86_icall(const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (i < n && p[i] == 0x3e)
        i++;
    if (i < n && (p[i] & 0xf0) == 0x40)
        i++;
    if (i + 2 > n || p[i] != 0xff || ((p[i + 1] >> 3) & 7) != 2)
        return 0;
    unsigned mod = p[i + 1] >> 6, rm = p[i + 1] & 7;
    i += 2;
    if (mod == 3)
        return i;
    if (rm == 4) {   /* SIB */
        if (i >= n)
            return 0;
        unsigned base = p[i] & 7;
        i++;
        if (mod == 0 && base == 5)
            return i + 4;
    } else if (mod == 0 && rm == 5) {
        return i + 4;   /* rip + disp32 */
    }
    return i + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

/* Is the instruction that ends at ret (a return address, as a link
** address) an indirect call (or, with direct, any call)?  x86-64: some
** length 2..8 before it decodes as one ending there, or E8 rel32;
** AArch64: blr / blraa-style register calls, or bl. */
static int pw_call_before(ei_image *img, uint64_t ret, int direct)
{
    for (size_t q = 0; q < img->nsections; q++) {
        const ei_section *s = &img->sections[q];
        if ((s->flags & 0x6) != 0x6 || s->type == 8 || ret <= s->addr || ret > s->addr + s->size)
            continue;
        const uint8_t *d;
        size_t len;
        hp_err e = { 0 };
        if (ei_section_data(img, s, &d, &len, &e) != 0 || ret - s->addr > len)
            return 0;
        size_t end = (size_t)(ret - s->addr);
        if (img->machine == 183) {   /* EM_AARCH64 */
            if (end < 4 || end % 4)
                return 0;
            uint32_t w = (uint32_t)d[end - 4] | (uint32_t)d[end - 3] << 8
                         | (uint32_t)d[end - 2] << 16 | (uint32_t)d[end - 1] << 24;
            return (w & 0xfffffc1fu) == 0xd63f0000u          /* blr */
                   || (w & 0xfefff800u) == 0xd63f0800u       /* blraa/blrab(z) */
                   || (direct && (w & 0xfc000000u) == 0x94000000u);   /* bl */
        }
        if (img->machine != 62)   /* EM_X86_64 */
            return 0;
        if (direct && end >= 5 && d[end - 5] == 0xe8)
            return 1;
        for (size_t l = 2; l <= 8 && l <= end; l++)
            if (pw_x86_icall(d + end - l, l) == l)
                return 1;
        return 0;
    }
    return 0;
}

int pf_call_ends_at(ei_image *img, uint64_t ret)
{
    return pw_call_before(img, ret, 1);
}

struct pf_where_db {
    ei_image *img, *dimg, *aimg;
    dl_info *dli;
};

static int pw_by_pc(const void *a, const void *b)
{
    uint64_t x = ((const dl_site *)a)->pc, y = ((const dl_site *)b)->pc;
    return (x > y) - (x < y);
}

pf_where_db *pf_where_lookup(const char *binary, const char *build_id, const char *debug_file,
                             pf_where *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        w[i].found = 0;
        w[i].file = w[i].subprogram = w[i].inlined = w[i].inlined_file = NULL;
        w[i].line = w[i].inlined_line = 0;
        w[i].indirect = 0;
    }
    pf_where_db *d = hp_xcalloc(1, sizeof *d);
    hp_err e = { 0 };
    if (n == 0 || binary == NULL || binary[0] == '\0' || ei_open(binary, &d->img, &e) != 0)
        return d;
    if (build_id && strcmp(d->img->build_id_hex, build_id) != 0)
        return d;   /* rebuilt since the analysis: its lines are not the sites' */
    ei_image *dw = d->img;
    if (debug_file && strcmp(debug_file, binary) != 0) {
        if (ei_open(debug_file, &d->dimg, &e) != 0)
            return d;
        d->dimg->origin = d->img->path;
        dw = d->dimg;
    }
    char *alt = NULL, *why = NULL;
    if (df_locate_alt(dw, NULL, &alt, &why) == 0 && ei_open(alt, &d->aimg, &e) == 0)
        dw->alt = d->aimg;
    free(alt);
    free(why);
    for (size_t i = 0; i < n; i++)   /* the profile's address: ret, or ret - 1 */
        w[i].indirect = pw_call_before(d->img, w[i].pc + 1, 0)
                        || pw_call_before(d->img, w[i].pc + 2, 0);
    dl_site *ds = hp_xcalloc(n, sizeof *ds);
    for (size_t i = 0; i < n; i++) {
        ds[i].pc = w[i].pc;
        ds[i].ret_pc = w[i].pc + 1;
        ds[i].want_inline = 1;
    }
    qsort(ds, n, sizeof *ds, pw_by_pc);
    if (dl_collect(dw, ds, n, NULL, 0, 0, 1, NULL, &d->dli, &e) == 0)
        for (size_t i = 0; i < n; i++) {
            dl_site key = { .pc = w[i].pc };
            const dl_site *r = bsearch(&key, ds, n, sizeof *ds, pw_by_pc);
            if (r == NULL || !r->found)
                continue;
            w[i].found = 1;
            w[i].file = r->file;
            w[i].line = r->line;
            w[i].subprogram = r->subprogram;
            w[i].inlined = r->inlined;
            w[i].inlined_file = r->inlined_file;
            w[i].inlined_line = r->inlined_line;
        }
    else
        d->dli = NULL;
    free(ds);
    return d;
}

void pf_where_free(pf_where_db *d)
{
    if (d == NULL)
        return;
    if (d->dli)
        dl_free(d->dli);
    if (d->dimg)
        ei_close(d->dimg);
    if (d->aimg)
        ei_close(d->aimg);
    if (d->img)
        ei_close(d->img);
    free(d);
}
