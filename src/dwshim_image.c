/*
** dwshim_image.c -- the ground under the dwshim family (dwshim_int.h):
** an ELF image's DWARF sections as libdwarf sees them, and the handles
** opened over them.
**
** Contract: dws_image_new lists the image's .debug_* sections (a
** .zdebug_ one renamed; DWS_TYPES_ONLY hides what a type reader never
** needs) and hands them to libdwarf through its object-access interface,
** each fetched from elfimg (decompressed there, once) the first time a
** handle asks for it; the .debug_rnglists and .debug_loclists unit
** headers are checked before libdwarf sees them.  A section that fails
** to load or check is remembered, and is what a later libdwarf error of
** any handle over that image reports (dwi_derr).  dws_open_image and
** dws_close make and free a dws_file: its Dwarf_Debug over the file and
** over the supplementary file when there is one, and all that the other
** files of the family hang on it.  libdwarf's de_alloc tree is turned
** off once per process, before the first handle.
*/
#include "dwshim_int.h"

dws_wrap *dwi_wrap_get(dws_file *f)
{
    if (f->wfree == NULL) {
        enum { N = 256 };
        dws_wrap *blk = hp_xcalloc(N, sizeof *blk);
        f->wblocks = hp_xrealloc(f->wblocks, (f->nwblocks + 1) * sizeof *f->wblocks);
        f->wblocks[f->nwblocks++] = blk;
        for (size_t i = 0; i < N; i++) {
            blk[i].next = f->wfree;
            f->wfree = &blk[i];
        }
    }
    dws_wrap *w = f->wfree;
    f->wfree = w->next;
    return w;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void init_once(void)
{
    /* Process-wide switch; set before any handle exists. */
    dwarf_set_de_alloc_flag(0);
}

/* The file the current call is about. */
const char *dwi_cur_path(const dws_file *f)
{
    if (f->part != NO_PART && f->part < f->obj->di->nparts)
        return f->obj->di->parts[f->part].path;
    return f->alt && f->obj->di->alt ? f->obj->di->alt->img->path : f->path;
}

int dwi_derr(dws_file *f, Dwarf_Error e, hp_err *err, const char *what)
{
    const char *msg = e ? dwarf_errmsg(e) : "unknown error";
    if (!dwi_bad_section(f, err))
        hp_errf(err, dwi_cur_path(f), "corrupt DWARF: %s: %s", what, msg ? msg : "?");
    drop(f->cur, &e);
    return -1;
}

int dwi_unit_die(dws_file *f, uint64_t off, Dwarf_Die *d, hp_err *err)
{
    Dwarf_Error e = NULL;
    int rc = dwarf_offdie_b(f->cur, off, 1, d, &e);
    if (rc == DW_DLV_ERROR)
        return dwi_derr(f, e, err, "unit DIE");
    return rc == DW_DLV_OK;
}

void dwi_addr_size(Dwarf_Debug dbg, Dwarf_Die d, uint8_t *sz)
{
    Dwarf_Half asz = 0;
    Dwarf_Error e = NULL;
    if (dwarf_get_die_address_size(d, &asz, &e) == DW_DLV_OK && (asz == 4 || asz == 8))
        *sz = (uint8_t)asz;
    drop(dbg, &e);
}

/* libdwarf 20210528 frees a list context twice (double free, heap
** corruption) when a .debug_rnglists or .debug_loclists unit header is
** malformed, and it reads those headers as soon as the first unit header
** is read (_dwarf_load_debug_info -> dwarf_load_rnglists).  Found by
** fuzz/fz_dwarf, kept in tests/fuzz-regress/.  So the headers are checked
** here, before libdwarf sees them, and a file that breaks them is refused:
** every unit's length fits the section, version 5, address size 4 or 8,
** no segment selector, the offset array fits the unit. */
static int check_list_headers(const char *path, const char *name, const uint8_t *p,
                              uint64_t len, hp_err *err)
{
    uint64_t off = 0;
    if (p == NULL)
        return 0;
    while (off < len) {
        uint64_t ulen, offsz = 4;
        if (len - off < 4)
            goto bad;
        ulen = rd_le(p + off, 4);
        off += 4;
        if (ulen == 0xffffffffu) {
            if (len - off < 8)
                goto bad;
            ulen = rd_le(p + off, 8);
            off += 8;
            offsz = 8;
        } else if (ulen >= 0xfffffff0u) {
            goto bad;
        }
        if (ulen < 8 || ulen > len - off)
            goto bad;
        unsigned version = (unsigned)rd_le(p + off, 2), asz = p[off + 2], seg = p[off + 3];
        uint64_t count = rd_le(p + off + 4, 4);
        if (version != 5 || (asz != 4 && asz != 8) || seg != 0 || count > (ulen - 8) / offsz)
            goto bad;
        off += ulen;
    }
    return 0;
bad:
    return hp_errf(err, path, "corrupt DWARF: malformed %s unit header at offset %llu",
                   name, (unsigned long long)off);
}

static int obj_section_info(void *o, Dwarf_Half idx, Dwarf_Obj_Access_Section *ret, int *error)
{
    dws_obj *ob = o;
    (void)error;
    memset(ret, 0, sizeof *ret);
    if (idx == 0) {
        ret->name = "";
        return DW_DLV_OK;
    }
    if ((size_t)idx > ob->di->n)
        return DW_DLV_NO_ENTRY;
    const dws_sec *sc = &ob->di->secs[idx - 1];
    ret->addr = sc->sec->addr;
    ret->type = 1;              /* SHT_PROGBITS */
    ret->size = sc->size;
    ret->name = sc->name;
    return DW_DLV_OK;
}

static Dwarf_Endianness obj_byte_order(void *o)
{
    (void)o;
    return DW_OBJECT_LSB;       /* ei_open accepts little-endian objects only */
}

static Dwarf_Small obj_length_size(void *o)
{
    (void)o;
    return 4;
}

static Dwarf_Small obj_pointer_size(void *o)
{
    return ((dws_obj *)o)->addr_size;
}

static Dwarf_Unsigned obj_section_count(void *o)
{
    return ((dws_obj *)o)->di->n + 1;
}

/* Remember the first reason a section could not be handed to libdwarf;
** dwi_derr() reports it instead of libdwarf's vaguer message. */
static void set_bad(dws_image *di, const char *msg)
{
    pthread_mutex_lock(&di->mu);
    if (!di->bad) {
        di->bad = 1;
        snprintf(di->bad_msg, sizeof di->bad_msg, "%s", msg);
    }
    pthread_mutex_unlock(&di->mu);
}

int dwi_bad_section(dws_file *f, hp_err *err)
{
    dws_image *di = f->part != NO_PART ? f->obj->di->parts[f->part].di
                  : f->alt && f->obj->di->alt ? f->obj->di->alt : f->obj->di;
    pthread_mutex_lock(&di->mu);
    int bad = di->bad;
    if (bad)
        hp_errf(err, di->img->path, "%s", di->bad_msg);
    pthread_mutex_unlock(&di->mu);
    return bad;
}

static int obj_load_section(void *o, Dwarf_Half idx, Dwarf_Small **data, int *error)
{
    dws_obj *ob = o;
    dws_image *di = ob->di;
    if (idx == 0 || (size_t)idx > di->n)
        return DW_DLV_NO_ENTRY;
    const dws_sec *sc = &di->secs[idx - 1];
    const uint8_t *p = NULL;
    size_t len = 0;
    hp_err e2 = {0};
    if (ei_section_data(di->img, sc->sec, &p, &len, &e2) != 0 || len != sc->size) {
        /* ei's message starts with the path; keep what follows */
        const char *m = e2.set ? e2.msg : "section changed size";
        size_t pl = strlen(di->img->path);
        if (strncmp(m, di->img->path, pl) == 0 && strncmp(m + pl, ": ", 2) == 0)
            m += pl + 2;
        set_bad(di, m);
        *error = DW_DLE_SECTION_SIZE_OR_OFFSET_LARGE;
        return DW_DLV_ERROR;
    }
    if (p == NULL)
        return DW_DLV_NO_ENTRY;
    if (strcmp(sc->name, ".debug_rnglists") == 0 || strcmp(sc->name, ".debug_loclists") == 0 ||
        strcmp(sc->name, ".debug_rnglists.dwo") == 0 ||
        strcmp(sc->name, ".debug_loclists.dwo") == 0) {
        pthread_mutex_lock(&di->mu);
        int done = di->checked[idx - 1];
        pthread_mutex_unlock(&di->mu);
        if (!done) {
            if (check_list_headers(NULL, sc->name, p, len, &e2) != 0) {
                set_bad(di, e2.msg);
                *error = DW_DLE_SECTION_SIZE_OR_OFFSET_LARGE;
                return DW_DLV_ERROR;
            }
            pthread_mutex_lock(&di->mu);
            di->checked[idx - 1] = 1;
            pthread_mutex_unlock(&di->mu);
        }
    }
    /* libdwarf reads through this pointer and never writes when no
    ** relocation method is given */
    *data = (Dwarf_Small *)(uintptr_t)p;
    return DW_DLV_OK;
}

static const Dwarf_Obj_Access_Methods obj_methods = {
    obj_section_info, obj_byte_order, obj_length_size, obj_pointer_size,
    obj_section_count, obj_load_section, NULL
};

/* Sections a type reader never needs.  Location and range lists matter
** most: libdwarf 20210528 loads (and so decompresses) both as soon as it
** reads the first unit header, and on a compressed debug file they are a
** fifth of the inflating. */
static int types_skip(const char *name)
{
    char base[32];
    size_t len = strlen(name);
    if (len > 4 && len - 4 < sizeof base && strcmp(name + len - 4, ".dwo") == 0) {
        memcpy(base, name, len - 4);    /* a split DWARF file's section */
        base[len - 4] = '\0';
        name = base;
    }
    static const char *const skip[] = {
        ".debug_loclists", ".debug_loc", ".debug_rnglists", ".debug_ranges",
        ".debug_aranges", ".debug_frame", ".debug_pubnames", ".debug_pubtypes",
        ".debug_gnu_pubnames", ".debug_gnu_pubtypes", ".debug_macro", ".debug_macinfo",
    };
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (strcmp(name, skip[i]) == 0)
            return 1;
    return 0;
}

int dws_image_new(ei_image *img, unsigned flags, dws_image **out, hp_err *err)
{
    *out = NULL;
    dws_image *di = hp_xcalloc(1, sizeof *di);
    di->img = img;
    pthread_mutex_init(&di->mu, NULL);
    size_t cap = 0;
    for (size_t i = 0; i < img->nsections; i++) {
        const ei_section *sc = &img->sections[i];
        int z = strncmp(sc->name, ".zdebug_", 8) == 0;
        if ((!z && strncmp(sc->name, ".debug_", 7) != 0) || sc->size == 0 ||
            sc->type == 8 /* SHT_NOBITS */)
            continue;
        char *name = z ? hp_xasprintf(".%s", sc->name + 2) : hp_xstrdup(sc->name);
        size_t size;
        if ((flags & DWS_TYPES_ONLY) && types_skip(name)) {
            free(name);
            continue;
        }
        if (ei_section_size(img, sc, &size, err) != 0) {
            free(name);
            dws_image_free(di);
            return -1;
        }
        dws_sec *d = HP_PUSH(di->secs, di->n, cap);
        d->sec = sc;
        d->name = name;
        d->size = size;
    }
    if (di->n + 1 > 0xffff) {
        hp_errf(err, img->path, "too many sections (%zu)", di->n);
        dws_image_free(di);
        return -1;
    }
    di->checked = hp_xcalloc(di->n + 1, 1);
    for (size_t i = 0; i < di->n; i++) {
        if (strcmp(di->secs[i].name, ".debug_info") == 0)
            di->info = di->secs[i].sec;
        else if (strcmp(di->secs[i].name, ".debug_abbrev") == 0)
            di->abbrev = di->secs[i].sec;
        else if (strcmp(di->secs[i].name, ".debug_types") == 0)
            di->types = di->secs[i].sec;
    }
    di->flags = flags;
    if (img->alt != NULL && img->alt != img && dws_image_set_alt(di, img->alt, err) != 0) {
        dws_image_free(di);
        return -1;
    }
    *out = di;
    return 0;
}

void dws_image_gaps(dws_image *di, dws_gaps *g)
{
    memset(g, 0, sizeof *g);
    pthread_mutex_lock(&di->mu);
    g->missing_sigs = di->missing_sigs;
    g->split_units = di->nskels;
    g->split_missing = di->split_missing;
    g->split_first = di->split_first ? hp_xstrdup(di->split_first) : NULL;
    pthread_mutex_unlock(&di->mu);
}

void dws_image_free(dws_image *di)
{
    if (di == NULL)
        return;
    for (size_t i = 0; i < di->n; i++)
        free(di->secs[i].name);
    free(di->secs);
    free(di->checked);
    dws_image_free(di->alt);
    free(di->alt_units);
    free(di->langs);
    free(di->sigs);
    free(di->xunits);
    for (size_t i = 0; i < di->nparts; i++) {
        dws_part *p = &di->parts[i];
        dws_image_free(p->di);
        if (p->img)
            ei_close(p->img);
        free(p->path);
        free(p->units);
        free(p->why);
    }
    free(di->parts);
    for (size_t i = 0; i < di->nunit_offs; i++)
        if (di->skels[i]) {
            free(di->skels[i]->comp_dir);
            free(di->skels[i]);
        }
    free(di->skels);
    free(di->unit_offs);
    free(di->split_first);
    pthread_mutex_destroy(&di->mu);
    free(di);
}

int dws_image_set_alt(dws_image *di, ei_image *alt, hp_err *err)
{
    if (di->alt != NULL)
        return hp_errf(err, di->img->path, "internal error: a second supplementary file");
    dws_image *a = NULL;
    if (dws_image_new(alt, DWS_TYPES_ONLY, &a, err) != 0)
        return -1;
    if (a->info == NULL || a->abbrev == NULL) {
        dws_image_free(a);
        return hp_errf(err, alt->path, "supplementary file has no .debug_info");
    }
    di->alt = a;
    return 0;
}

/* One Dwarf_Debug over a dws_image. */
int dwi_open_dbg(dws_image *di, dws_obj **objp, Dwarf_Debug *dbg, hp_err *err)
{
    unsigned group = di->is_part ? DW_GROUPNUMBER_DWO : DW_GROUPNUMBER_ANY;
    const char *path = di->img->path;
    dws_obj *obj = hp_xcalloc(1, sizeof *obj);
    obj->di = di;
    obj->addr_size = di->img->addr_size == 4 ? 4 : 8;
    obj->iface.object = obj;
    obj->iface.methods = &obj_methods;
    Dwarf_Error e = NULL;
    int rc = dwarf_object_init_b(&obj->iface, NULL, NULL, group, dbg, &e);
    if (rc != DW_DLV_OK) {
        pthread_mutex_lock(&di->mu);
        if (di->bad)
            hp_errf(err, path, "%s", di->bad_msg);
        pthread_mutex_unlock(&di->mu);
        if (rc == DW_DLV_NO_ENTRY)
            hp_errf(err, path, "no DWARF debug info");
        else
            hp_errf(err, path, "cannot read DWARF: %s", e ? dwarf_errmsg(e) : "unknown error");
        if (e)
            dwarf_dealloc(*dbg, e, DW_DLA_ERROR);
        free(obj);
        return -1;
    }
    *objp = obj;
    return 0;
}

int dws_open_image(dws_image *di, dws_file **out, hp_err *err)
{
    pthread_once(&once, init_once);
    dws_file *f = hp_xcalloc(1, sizeof *f);
    f->path = hp_xstrdup(di->img->path);
    if (dwi_open_dbg(di, &f->obj, &f->dbg, err) != 0) {
        free(f->path);
        free(f);
        return -1;
    }
    f->cur = f->dbg;
    f->part = NO_PART;
    if (di->alt != NULL && dwi_open_dbg(di->alt, &f->aobj, &f->adbg, err) != 0) {
        dwarf_object_finish(f->dbg, NULL);
        free(f->obj);
        free(f->path);
        free(f);
        return -1;
    }
    *out = f;
    return 0;
}

void dwi_free_srcfiles(dws_file *f)
{
    if (f->src) {
        for (Dwarf_Signed i = 0; i < f->nsrc; i++)
            dwarf_dealloc(f->src_dbg, f->src[i], DW_DLA_STRING);
        dwarf_dealloc(f->src_dbg, f->src, DW_DLA_LIST);
    }
    f->src = NULL;
    f->nsrc = 0;
    free(f->srcidx);
    f->srcidx = NULL;
    free(f->rawsrc);
    f->rawsrc = NULL;
}

void dws_close(dws_file *f)
{
    if (f == NULL)
        return;
    dwi_free_srcfiles(f);
    dsc_close(f->scan);
    dsc_close(f->tscan);
    dsc_close(f->pscan);
    for (size_t i = 0; f->pdbg && i < f->obj->di->split_cap; i++)
        if (f->pdbg[i]) {
            dwarf_object_finish(f->pdbg[i], NULL);
            free(f->pobj[i]);
        }
    free(f->pdbg);
    free(f->pobj);
    for (size_t i = 0; i < f->nwblocks; i++)
        free(f->wblocks[i]);
    free(f->wblocks);
    dsc_close(f->ascan);
    dsc_close(f->rscan);
    dwarf_object_finish(f->dbg, NULL);
    if (f->adbg)
        dwarf_object_finish(f->adbg, NULL);
    free(f->obj);
    free(f->aobj);
    free(f->path);
    free(f);
}
