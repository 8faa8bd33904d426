/*
** dwshim_files.c -- the file table of a unit, as DW_AT_decl_file values
** index it (dws_srcfiles; dwshim_int.h).
**
** Contract: the table is read raw from the line table header (dwscan.h:
** dsc_file_names), joined to the unit's DW_AT_comp_dir -- a dwz partial
** unit's from the compile unit importing it, a split unit's from the
** part's .debug_line.dwo or its skeleton's table (dwshim_split.c) -- and
** only the forms the raw reader does not take go to libdwarf's
** dwarf_srcfiles (dws_srcfiles_libdwarf, also for tests/dwscan_check),
** under a process-wide lock.  DWARF 2-4 number files from 1, DWARF 5
** from 0; the array is the handle's until the next call or dws_close.
*/
#include "dwshim_int.h"

static pthread_mutex_t srcfiles_mu = PTHREAD_MUTEX_INITIALIZER;

/* A partial unit without DW_AT_comp_dir: its origin's (see ulang), or
** NULL.  The current call's file (f->alt) is left as it was. */
static const char *origin_comp_dir(dws_file *f, Dwarf_Die die)
{
    Dwarf_Off off = 0;
    Dwarf_Error e = NULL;
    Dwarf_Half tag = 0;
    hp_err e2 = {0};
    if (dwarf_tag(die, &tag, &e) != DW_DLV_OK ||
        tag != TAG_partial_unit || dwarf_dieoffset(die, &off, &e) != DW_DLV_OK) {
        drop(f->cur, &e);
        return NULL;
    }
    const ulang *pl = dwi_ensure_imports(f->obj->di, &e2) == 0 ? dwi_partial_of(f->obj->di, gofs(f, off))
                                                          : NULL;
    if (pl == NULL)
        return NULL;
    int alt = f->alt;
    const char *dir = NULL;
    dws_die od = dws_offdie(f, pl->origin, &e2);
    if (od != NULL) {
        Dwarf_Die d = on(f, od);
        Dwarf_Attribute a = NULL;
        if (dwarf_attr(d, DW_AT_comp_dir, &a, &e) == DW_DLV_OK)
            dir = dwi_get_str(f, a, 0);
        if (a)
            dwarf_dealloc(f->cur, a, DW_DLA_ATTR);
        drop(f->cur, &e);
        dws_die_free(f, od);
    }
    on_info(f, alt);            /* a partial unit's DIE */
    return dir;
}

/* The unit's file table read from the line table header (dwscan.h:
** dsc_file_names): the same names, without dwarf_srcfiles' allocations,
** its process-wide lock, or its trust in the header's counts.  1 when
** done, 0 when libdwarf should read it, -1 when the header is broken. */
static int raw_srcfiles(dws_file *f, Dwarf_Die die, uint16_t version, const char ***names,
                        uint64_t *count)
{
    int k = f->alt;
    if (!f->fsecs_loaded[k]) {
        f->fsecs_loaded[k] = 1;
        /* only what file tables point into: the type reader never needs
        ** (nor inflates) the location and range lists */
        ei_image *img = k ? f->obj->di->alt->img : f->obj->di->img;
        memset(&f->fsecs[k], 0, sizeof f->fsecs[k]);
        f->line[k] = ei_dwarf_section(img, "line", &f->line_len[k]);
        f->fsecs[k].str = ei_dwarf_section(img, "str", &f->fsecs[k].str_len);
        f->fsecs[k].line_str = ei_dwarf_section(img, "line_str", &f->fsecs[k].line_str_len);
    }
    if (f->line[k] == NULL)
        return 0;
    Dwarf_Error e = NULL;
    Dwarf_Attribute a = NULL;
    Dwarf_Off stmt = 0;
    int rc = dwarf_attr(die, DW_AT_stmt_list, &a, &e);
    if (rc != DW_DLV_OK || dwarf_global_formref(a, &stmt, &e) != DW_DLV_OK) {
        if (a)
            dwarf_dealloc(f->cur, a, DW_DLA_ATTR);
        drop(f->cur, &e);
        return 0;
    }
    dwarf_dealloc(f->cur, a, DW_DLA_ATTR);
    char *comp_dir = NULL;
    a = NULL;
    if (dwarf_attr(die, DW_AT_comp_dir, &a, &e) == DW_DLV_OK)
        comp_dir = (char *)dwi_get_str(f, a, 0);
    if (a)
        dwarf_dealloc(f->cur, a, DW_DLA_ATTR);
    drop(f->cur, &e);
    if (comp_dir == NULL)
        comp_dir = (char *)origin_comp_dir(f, die);
    uint64_t n = 0;
    rc = dsc_file_names(f->line[k], f->line_len[k], stmt, comp_dir, &f->fsecs[k], version,
                        &f->rawsrc, &n);
    if (rc == -2)
        return 0;
    if (rc != 0)
        return -1;
    *names = (const char **)f->rawsrc;
    *count = n;
    return 1;
}

int dws_srcfiles(dws_file *f, dws_die cu_die, uint16_t version,
                 const char ***names, uint64_t *count, hp_err *err)
{
    dwi_free_srcfiles(f);
    Dwarf_Die d = on(f, cu_die);
    int raw = f->part != NO_PART ? dwi_split_srcfiles(f, d, version, names, count)
                                 : raw_srcfiles(f, d, version, names, count);
    if (raw > 0)
        return 0;
    if (raw < 0)
        return hp_errf(err, dwi_cur_path(f), "corrupt DWARF: the line table header of the unit does "
                       "not parse");
    return dws_srcfiles_libdwarf(f, cu_die, version, names, count, err);
}

int dws_srcfiles_libdwarf(dws_file *f, dws_die cu_die, uint16_t version,
                          const char ***names, uint64_t *count, hp_err *err)
{
    dwi_free_srcfiles(f);
    Dwarf_Error e = NULL;
    /* dwarf_srcfiles in libdwarf 20210528 is not safe to run in two
    ** threads at once even on separate handles (ASan caught a heap
    ** overflow in its path building), so it runs under a process lock. */
    /* It also loses a list entry and a path (93 bytes) when a DWARF 5 file
    ** entry names a directory index past the table (found by
    ** fuzz/fz_dwarf, tests/fuzz-regress/dwarf-srcfiles-dir-leak): at most
    ** once per unit and call, so bounded by the file; not reported to
    ** LeakSanitizer, like dwarf_child's loss (dwshim.c). */
    pthread_mutex_lock(&srcfiles_mu);
    if (__lsan_disable)
        __lsan_disable();
    int rc = dwarf_srcfiles(on(f, cu_die), &f->src, &f->nsrc, &e);
    f->src_dbg = f->cur;
    if (__lsan_enable)
        __lsan_enable();
    pthread_mutex_unlock(&srcfiles_mu);
    if (rc == DW_DLV_ERROR)
        return dwi_derr(f, e, err, "line table file names");
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
