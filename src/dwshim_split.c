/*
** dwshim_split.c -- split DWARF (-gsplit-dwarf) for the dwshim family
** (dwshim_int.h; dwshim.h: DWS_SPLIT, dws_split_unit, dws_split_addrx).
**
** Contract: for a skeleton unit the unit iterator meets, dwi_split_enter gives
** the split unit it names instead -- from BINARY.dwp or DEBUGFILE.dwp (by
** dwo_id in its .debug_cu_index), else from the DW_AT_dwo_name /
** DW_AT_GNU_dwo_name file (as written when absolute, else under
** DW_AT_comp_dir, then beside the binary and the debug file), whose unit
** must carry the skeleton's dwo_id -- or, when none is found or matches,
** leaves the skeleton as it is and counts it with the first reason
** (dws_image_gaps).  Parts and skeleton entries are found raw, once,
** under the image's mutex, and never move.  What a split unit gives by
** index is resolved here, never guessed: addresses from the file's
** .debug_addr at the skeleton's DW_AT_addr_base (dwi_split_addr:
** DW_FORM_addrx, DW_FORM_GNU_addr_index, DW_OP_addrx), DWARF 4 range lists
** from the file's .debug_ranges at DW_AT_GNU_ranges_base, DWARF 5 ones
** from the part's share of .debug_rnglists.dwo (DW_FORM_rnglistx), list
** entries by index (dwi_split_entry), the unit's file table from
** .debug_line.dwo or the skeleton's line table (dwi_split_srcfiles).  An index
** that does not resolve fails its list; it never becomes an address.
*/
#include "dwshim_int.h"

#include <errno.h>
#include <sys/stat.h>

/* ---- split DWARF ----
** gcc and clang -gsplit-dwarf leave in the file one skeleton unit per
** compile unit (DWARF 5 DW_UT_skeleton; DWARF 4 a compile unit with
** DW_AT_GNU_dwo_id) and put its DIEs in a split unit of a .dwo file, or
** of a .dwp package of them (dwp, llvm-dwp).  The unit iterator gives the
** split unit instead of its skeleton (dwi_split_enter): found by the
** skeleton's dwo_id in BINARY.dwp (the .debug_cu_index), else in the
** file DW_AT_dwo_name / DW_AT_GNU_dwo_name names (as written when
** absolute, else under DW_AT_comp_dir, then beside the binary and the
** debug file).  Its DIEs are read through a Dwarf_Debug of that file
** (DW_GROUPNUMBER_DWO), their offsets carry DWS_SPLIT and the part's
** index; the addresses they give by index (DW_FORM_addrx,
** DW_FORM_GNU_addr_index, range and location list entries) are read
** from the file's .debug_addr at the skeleton's DW_AT_addr_base
** (dwi_split_addr), DWARF 4 range lists from its .debug_ranges at
** DW_AT_GNU_ranges_base.  Everything about the
** parts is found raw, once per image, under di->mu. */

#define UT_skeleton      4
#define UT_split_compile 5
#define AT_dwo_name      0x76
#define AT_GNU_dwo_name  0x2130
#define AT_GNU_dwo_id    0x2131

/* The header of a unit at off of a split file: 0, -1 when it does not
** parse.  *id: a DWARF 5 split or skeleton unit's dwo_id (from the
** header), else 0. */
static int split_header(const uint8_t *p, size_t len, uint64_t off, uint16_t *ver, uint8_t *ut,
                        uint64_t *id, uint64_t *next)
{
    uint64_t ulen, pos, osz;
    if (p == NULL || dwi_unit_length(p, len, off, &ulen, &pos, &osz) != 0 || ulen < 2)
        return -1;
    *next = pos + ulen;
    *ver = (uint16_t)rd_le(p + pos, 2);
    *ut = 1;                    /* DW_UT_compile */
    *id = 0;
    if (*ver == 5) {
        if (ulen < 4 + osz)
            return -1;
        *ut = p[pos + 2];
        if (*ut == UT_skeleton || *ut == UT_split_compile) {
            if (ulen < 4 + osz + 8)
                return -1;
            memcpy(id, p + pos + 4 + osz, 8);
        }
    } else if (*ver < 2 || *ver > 4) {
        return -1;
    }
    return 0;
}

static int cmp_punit(const void *a, const void *b)
{
    return cmp_u64(&((const dws_punit *)a)->hdr, &((const dws_punit *)b)->hdr);
}

/* The split compile units of a .dwp, from its .debug_cu_index (version 2,
** the GNU extension for DWARF 4, or 5): per unit its signature and the
** offsets and sizes of its shares of the sections. */
static void dwp_units(dws_part *pt, const uint8_t *info, size_t ilen, const uint8_t *x,
                      size_t xlen, size_t *cap)
{
    if (xlen < 16)
        return;
    uint64_t ver = rd_le(x, 2), ncol = rd_le(x + 4, 4), nunit = rd_le(x + 8, 4),
             nslot = rd_le(x + 12, 4);
    if ((ver != 2 && ver != 5) || ncol == 0 || ncol > 16 || nunit > xlen || nslot > xlen)
        return;
    uint64_t hash = 16, idx = hash + 8 * nslot, cols = idx + 4 * nslot,
             offs = cols + 4 * ncol, sizes = offs + 4 * ncol * nunit,
             end = sizes + 4 * ncol * nunit;
    if (end > xlen)
        return;
    int c_info = -1, c_abbrev = -1, c_line = -1, c_rng = -1;
    for (uint64_t c = 0; c < ncol; c++) {
        uint64_t id = rd_le(x + cols + 4 * c, 4);
        if (id == 1)                    /* DW_SECT_INFO (both versions) */
            c_info = (int)c;
        else if (id == 3)               /* DW_SECT_ABBREV */
            c_abbrev = (int)c;
        else if (id == 4)               /* DW_SECT_LINE */
            c_line = (int)c;
        else if (id == 8 && ver == 5)   /* DW_SECT_RNGLISTS */
            c_rng = (int)c;
    }
    if (c_info < 0 || c_abbrev < 0)
        return;
    for (uint64_t s = 0; s < nslot; s++) {
        uint64_t row = rd_le(x + idx + 4 * s, 4);
        if (row == 0 || row > nunit)
            continue;
        row--;
#define CELL(tab, col) rd_le(x + (tab) + 4 * (row * ncol + (uint64_t)(col)), 4)
        dws_punit u;
        memset(&u, 0, sizeof u);
        memcpy(&u.id, x + hash + 8 * s, 8);
        u.hdr = CELL(offs, c_info);
        uint64_t isize = CELL(sizes, c_info);
        u.ab_off = CELL(offs, c_abbrev);
        u.ab_len = CELL(sizes, c_abbrev);
        if (c_line >= 0 && CELL(sizes, c_line) > 0) {
            u.line_off = CELL(offs, c_line);
            u.has_line = 1;
        }
        if (c_rng >= 0)
            u.rng_off = CELL(offs, c_rng);
#undef CELL
        uint64_t hid = 0;
        if (split_header(info, ilen, u.hdr, &u.version, &u.unit_type, &hid, &u.next) != 0 ||
            u.next > u.hdr + isize)
            continue;
        if (u.version == 5 && u.unit_type != UT_split_compile)
            continue;
        *HP_PUSH(pt->units, pt->nunits, *cap) = u;
    }
}

/* The split compile units of a part: from the .dwp index, else each unit
** of .debug_info.dwo with its dwo_id (DWARF 5: in the header, DWARF 4:
** DW_AT_GNU_dwo_id). */
static void part_units(dws_part *pt)
{
    const uint8_t *info = NULL, *ab = NULL;
    size_t ilen = 0, alen = 0, cap = 0, xlen = 0, llen = 0;
    hp_err e2 = {0};
    if (ei_section_data(pt->img, pt->di->info, &info, &ilen, &e2) != 0 ||
        ei_section_data(pt->img, pt->di->abbrev, &ab, &alen, &e2) != 0 || info == NULL)
        return;
    const uint8_t *x = ei_dwarf_section(pt->img, "cu_index", &xlen);
    int has_line = ei_dwarf_section(pt->img, "line.dwo", &llen) != NULL;
    if (x != NULL) {
        dwp_units(pt, info, ilen, x, xlen, &cap);
    } else {
        for (uint64_t off = 0; off < ilen;) {
            dws_punit u;
            memset(&u, 0, sizeof u);
            u.hdr = off;
            if (split_header(info, ilen, off, &u.version, &u.unit_type, &u.id, &u.next) != 0)
                break;
            off = u.next;
            if (u.version == 5 && u.unit_type != UT_split_compile)
                continue;
            u.ab_len = alen;
            u.has_line = has_line;
            if (u.version < 5) {
                dsc_unit *du = dsc_open_head(info, ilen, ab, alen, u.hdr, HP_MAX_DEPTH);
                uint32_t form = 0;
                uint64_t v = 0;
                int r = du ? dsc_attr_value(du, dsc_unit_die(du), AT_GNU_dwo_id, &form, &v) : -1;
                dsc_close(du);
                if (r != 1)
                    continue;
                u.id = v;
            }
            *HP_PUSH(pt->units, pt->nunits, cap) = u;
        }
    }
    for (size_t i = 0; i < pt->nunits; i++) {
        pt->units[i].die = 0;
        uint64_t die = 0, next = 0;
        unsigned ver = 0;
        if (dsc_header(info, ilen, pt->units[i].hdr, &die, &next, &ver) == 0)
            pt->units[i].die = die;
    }
    if (pt->nunits > 1)
        qsort(pt->units, pt->nunits, sizeof *pt->units, cmp_punit);
}

/* The part's unit with dwo_id id, or NULL. */
static dws_punit *part_unit_by_id(dws_part *pt, uint64_t id)
{
    for (size_t i = 0; i < pt->nunits; i++)
        if (pt->units[i].id == id && pt->units[i].die != 0)
            return &pt->units[i];
    return NULL;
}

/* The part's unit holding the .debug_info.dwo offset off, or NULL. */
static const dws_punit *part_unit_at(const dws_part *pt, uint64_t off)
{
    size_t lo = 0, hi = pt->nunits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pt->units[mid].hdr <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && off < pt->units[lo - 1].next ? &pt->units[lo - 1] : NULL;
}

/* The tables, once: for each unit of the file, a skeleton and the three
** files it may be in, and the two .dwp candidates. */
static void split_tables(dws_image *di)
{
    if (di->skels != NULL)
        return;
    const uint8_t *p = NULL;
    size_t len = 0;
    hp_err e2 = {0};
    if (di->info != NULL && ei_section_data(di->img, di->info, &p, &len, &e2) == 0 && p)
        dsc_unit_offsets(p, len, &di->unit_offs, &di->nunit_offs);
    di->split_cap = 3 * di->nunit_offs + 2;     /* up to 3 candidates per skeleton */
    di->parts = hp_xcalloc(di->split_cap, sizeof *di->parts);
    di->skels = hp_xcalloc(di->nunit_offs + 1, sizeof *di->skels);
}

/* The part at path (opened the first time it is asked for), or NO_PART
** when the table is full. */
static uint32_t part_open(dws_image *di, const char *path)
{
    for (size_t i = 0; i < di->nparts; i++)
        if (strcmp(di->parts[i].path, path) == 0)
            return (uint32_t)i;
    if (di->nparts >= di->split_cap)
        return NO_PART;
    dws_part *pt = &di->parts[di->nparts];
    memset(pt, 0, sizeof *pt);
    pt->path = hp_xstrdup(path);
    hp_err e2 = {0};
    struct stat st;
    if (stat(path, &st) != 0) {
        pt->why = hp_xstrdup(errno == ENOENT ? "not found" : strerror(errno));
    } else if (ei_open(path, &pt->img, &e2) != 0) {
        pt->img = NULL;
        pt->why = hp_xstrdup(e2.msg);
    } else if (dws_image_new(pt->img, di->flags, &pt->di, &e2) != 0) {
        pt->why = hp_xstrdup(e2.msg);
    } else {
        dws_image *d = pt->di;
        d->is_part = 1;
        d->info = d->abbrev = d->types = NULL;
        for (size_t i = 0; i < d->n; i++) {
            if (strcmp(d->secs[i].name, ".debug_info.dwo") == 0)
                d->info = d->secs[i].sec;
            else if (strcmp(d->secs[i].name, ".debug_abbrev.dwo") == 0)
                d->abbrev = d->secs[i].sec;
        }
        if (d->info == NULL || d->abbrev == NULL)
            pt->why = hp_xstrdup("no .debug_info.dwo: not a split DWARF file");
        else
            part_units(pt);
    }
    if (pt->why != NULL) {
        dws_image_free(pt->di);
        pt->di = NULL;
        if (pt->img)
            ei_close(pt->img);
        pt->img = NULL;
    }
    return (uint32_t)di->nparts++;
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    return hp_xasprintf("%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name);
}

static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s == NULL ? hp_xstrdup(".") : s == path ? hp_xstrdup("/")
                                        : hp_xasprintf("%.*s", (int)(s - path), path);
}

/* Whether candidate k of the part at path holds the unit id: 1 (entry
** filled), 0 (*why says what is wrong with it, when it is the first). */
static int split_try(dws_image *di, const char *path, uint64_t id, dws_skel *sk, char **why)
{
    uint32_t k = part_open(di, path);
    if (k == NO_PART)
        return 0;
    dws_part *pt = &di->parts[k];
    dws_punit *u = pt->img ? part_unit_by_id(pt, id) : NULL;
    if (u != NULL && u->skel == NULL) {
        sk->part = k;
        sk->unit = u;
        u->skel = sk;
        return 1;
    }
    /* a file that is there but does not match says more than one that
    ** is not there */
    int there = pt->img != NULL || strcmp(pt->why, "not found") != 0;
    if (*why == NULL || (there && strstr(*why, ": not found") != NULL)) {
        free(*why);
        *why = pt->img == NULL ? hp_xasprintf("%s: %s", path, pt->why)
               : hp_xasprintf("%s: no unit with the skeleton's dwo_id 0x%016llx (built "
                              "after the binary was linked?)", path, (unsigned long long)id);
    }
    return 0;
}

/* A string attribute of a skeleton's unit DIE, or NULL. */
static const char *skel_str(dws_file *f, Dwarf_Die die, Dwarf_Half at)
{
    Dwarf_Error e = NULL;
    Dwarf_Attribute a = NULL;
    const char *str = NULL;
    if (dwarf_attr(die, at, &a, &e) == DW_DLV_OK)
        str = dwi_get_str(f, a, 0);
    if (a)
        dwarf_dealloc(f->dbg, a, DW_DLA_ATTR);
    drop(f->dbg, &e);
    return str;
}

/* A section offset or constant attribute of a skeleton's unit DIE: 1 and
** *v, or 0. */
static int skel_num(dws_file *f, Dwarf_Die die, Dwarf_Half at, uint64_t *v)
{
    Dwarf_Error e = NULL;
    Dwarf_Attribute a = NULL;
    Dwarf_Unsigned u = 0;
    Dwarf_Off o = 0;
    int ok = 0;
    if (dwarf_attr(die, at, &a, &e) == DW_DLV_OK) {
        if (dwarf_global_formref(a, &o, &e) == DW_DLV_OK) {
            *v = o;
            ok = 1;
        } else {
            drop(f->dbg, &e);
            if (dwarf_formudata(a, &u, &e) == DW_DLV_OK) {
                *v = u;
                ok = 1;
            }
        }
    }
    if (a)
        dwarf_dealloc(f->dbg, a, DW_DLA_ATTR);
    drop(f->dbg, &e);
    return ok;
}

/* The entry of the skeleton unit h (its unit DIE: die), made the first
** time; NULL when the file's units cannot be listed. */
static dws_skel *split_of(dws_file *f, const unit_hdr *h, Dwarf_Die die)
{
    dws_image *di = f->obj->di;
    uint64_t id = h->version >= 5 ? h->sig : 0;
    int has_id = h->version >= 5;
    const char *name = skel_str(f, die, AT_dwo_name), *dir = skel_str(f, die, DW_AT_comp_dir);
    if (name == NULL)
        name = skel_str(f, die, AT_GNU_dwo_name);
    uint64_t stmt = 0, bases[2] = { 0, 0 }, v = 0;
    int has_stmt = skel_num(f, die, DW_AT_stmt_list, &stmt);
    if (skel_num(f, die, 0x73 /* DW_AT_addr_base */, &v) ||
        skel_num(f, die, 0x2133 /* DW_AT_GNU_addr_base */, &v))
        bases[0] = v;
    if (skel_num(f, die, 0x2132 /* DW_AT_GNU_ranges_base */, &v))
        bases[1] = v;
    if (!has_id && skel_num(f, die, AT_GNU_dwo_id, &v)) {
        id = v;
        has_id = 1;
    }
    Dwarf_Error e = NULL;
    Dwarf_Addr low = 0;
    if (dwarf_lowpc(die, &low, &e) != DW_DLV_OK)
        low = 0;
    drop(f->dbg, &e);
    uint8_t asz = 8;
    dwi_addr_size(f->dbg, die, &asz);

    pthread_mutex_lock(&di->mu);
    split_tables(di);
    size_t lo = 0, hi = di->nunit_offs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (di->unit_offs[mid] < h->offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    dws_skel *sk = NULL;
    if (lo < di->nunit_offs && di->unit_offs[lo] == h->offset) {
        sk = di->skels[lo];
        if (sk == NULL) {
            sk = hp_xcalloc(1, sizeof *sk);
            sk->hdr = h->offset;
            sk->part = NO_PART;
            sk->stmt_list = stmt;
            sk->has_stmt = has_stmt;
            sk->comp_dir = dir ? hp_xstrdup(dir) : NULL;
            sk->addr_base = bases[0];
            sk->ranges_base = bases[1];
            sk->low_pc = low;
            sk->addr_size = asz;
            di->skels[lo] = sk;
            di->nskels++;
            char *why = NULL;
            int found = 0;
            /* the package first: BINARY.dwp, DEBUGFILE.dwp */
            const char *bins[2] = { di->img->origin, di->img->path };
            for (int i = 0; i < 2 && has_id && !found; i++) {
                if (bins[i] == NULL || (i == 1 && bins[0] && strcmp(bins[0], bins[1]) == 0))
                    continue;
                char *dwp = hp_xasprintf("%s.dwp", bins[i]);
                uint32_t k = part_open(di, dwp);
                if (k != NO_PART && (di->parts[k].img != NULL ||
                                     strcmp(di->parts[k].why, "not found") != 0))
                    found = split_try(di, dwp, id, sk, &why);
                free(dwp);
            }
            /* then the .dwo: as named, beside the binary, the debug file */
            if (name != NULL && has_id && !found) {
                char *cand[4] = { NULL, NULL, NULL, NULL };
                const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
                if (name[0] == '/')
                    cand[0] = hp_xstrdup(name);
                else
                    cand[0] = dir ? path_join(dir, name) : hp_xstrdup(name);
                for (int i = 0; i < 2; i++)
                    if (bins[i] != NULL) {
                        char *d = dir_of(bins[i]);
                        cand[1 + i] = path_join(d, base);
                        free(d);
                    }
                for (int i = 0; i < 3 && !found; i++) {
                    int dup = cand[i] == NULL;
                    for (int j = 0; j < i && !dup; j++)
                        dup = cand[j] && strcmp(cand[i], cand[j]) == 0;
                    if (!dup)
                        found = split_try(di, cand[i], id, sk, &why);
                }
                for (int i = 0; i < 4; i++)
                    free(cand[i]);
            }
            if (!found) {
                di->split_missing++;
                if (why == NULL)
                    why = !has_id ? hp_xasprintf("the skeleton unit at 0x%llx has no dwo_id",
                                                 (unsigned long long)h->offset)
                                  : hp_xasprintf("the skeleton unit at 0x%llx names no .dwo file "
                                                 "and no .dwp holds it",
                                                 (unsigned long long)h->offset);
                if (di->split_first == NULL) {
                    di->split_first = why;
                    why = NULL;
                }
            }
            free(why);
        }
    }
    pthread_mutex_unlock(&di->mu);
    return sk;
}

/* The handle's Dwarf_Debug of part k, opened on first use.  Not tied to
** the file's (dwarf_set_tied_dbg): libdwarf 20210528 then gives a split
** unit the skeleton's DW_AT_str_offsets_base, which is not the .dwo's
** (clang's names come out wrong), and only when the unit was reached by
** dwarf_next_cu_header; the addresses (DW_FORM_addrx, DW_OP_addrx, list
** entries) are read here instead: dwi_split_addr. */
int dwi_open_part_dbg(dws_file *f, uint32_t k, hp_err *err)
{
    dws_image *di = f->obj->di;
    pthread_mutex_lock(&di->mu);
    size_t cap = di->split_cap, n = di->nparts;
    pthread_mutex_unlock(&di->mu);
    if (k >= n || di->parts[k].di == NULL)
        return hp_errf(err, f->path, "corrupt DWARF: a split DWARF file that is not loaded");
    if (f->pdbg == NULL) {
        f->pdbg = hp_xcalloc(cap, sizeof *f->pdbg);
        f->pobj = hp_xcalloc(cap, sizeof *f->pobj);
    }
    if (f->pdbg[k] != NULL)
        return 0;
    if (dwi_open_dbg(di->parts[k].di, &f->pobj[k], &f->pdbg[k], err) != 0) {
        f->pdbg[k] = NULL;
        return -1;
    }
    return 0;
}

/* Whether the unit just read (h, its unit DIE die) is a skeleton. */
int dwi_is_skeleton(dws_file *f, const unit_hdr *h, Dwarf_Die die)
{
    if (h->version >= 5)
        return h->unit_type == UT_skeleton;
    Dwarf_Bool has = 0;
    Dwarf_Error e = NULL;
    if (dwarf_hasattr(die, AT_GNU_dwo_id, &has, &e) != DW_DLV_OK) {
        drop(f->dbg, &e);
        return 0;
    }
    return has != 0;
}

/* The skeleton unit h, whose unit DIE is die, as the split unit it names
** (cu filled, the skeleton's DIE freed): 1.  When that unit is missing,
** the skeleton as it is (counted: dws_image_gaps): 1.  -1 on error. */
int dwi_split_enter(dws_file *f, const unit_hdr *h, Dwarf_Die die, dws_cu *cu, hp_err *err)
{
    dws_skel *sk = split_of(f, h, die);
    f->part = NO_PART;
    f->cur = f->dbg;
    if (sk == NULL || sk->part == NO_PART)
        return 1;
    uint32_t k = sk->part;
    /* the skeleton's DIE is not handed out any more, whatever happens */
    dwarf_dealloc(f->dbg, die, DW_DLA_DIE);
    cu->die = NULL;
    if (dwi_open_part_dbg(f, k, err) != 0)
        return -1;
    const dws_punit *u = sk->unit;
    Dwarf_Die d = NULL;
    Dwarf_Error e = NULL;
    f->part = k;
    f->cur = f->pdbg[k];
    int rc = dwarf_offdie_b(f->cur, u->die, 1, &d, &e);
    if (rc != DW_DLV_OK) {
        if (rc == DW_DLV_ERROR)
            return dwi_derr(f, e, err, "split unit DIE");
        return hp_errf(err, dwi_cur_path(f), "corrupt DWARF: no split unit DIE at 0x%llx",
                       (unsigned long long)u->die);
    }
    f->dies++;
    cu->hdr_offset = gofs(f, u->hdr);
    cu->next_offset = gofs(f, u->next);
    cu->version = u->version;
    cu->unit_type = u->unit_type;
    cu->die = tagged(f, d);
    return 1;
}

int dws_split_unit(dws_file *f, uint64_t hdr, dws_cu *cu, hp_err *err)
{
    dws_image *di = f->obj->di;
    const uint8_t *p = NULL;
    size_t len = 0;
    uint64_t die_off = 0, next = 0;
    unsigned ver = 0;
    unit_hdr h;
    memset(&h, 0, sizeof h);
    memset(cu, 0, sizeof *cu);
    if (di->info == NULL || ei_section_data(di->img, di->info, &p, &len, err) != 0)
        return -1;
    if (split_header(p, len, hdr, &h.version, &h.unit_type, &h.sig, &h.next) != 0 ||
        (h.version >= 5 && h.unit_type != UT_skeleton) ||
        dsc_header(p, len, hdr, &die_off, &next, &ver) != 0)
        return 0;
    h.offset = hdr;
    h.addr_size = 8;
    on_info(f, 0);
    Dwarf_Die d = NULL;
    int rc = dwi_unit_die(f, die_off, &d, err);
    if (rc <= 0)
        return rc;
    if (!dwi_is_skeleton(f, &h, d)) {
        dwarf_dealloc(f->dbg, d, DW_DLA_DIE);
        return 0;
    }
    cu->die = d;
    if (dwi_split_enter(f, &h, d, cu, err) < 0)
        return -1;
    if (cu->die == d) {         /* not found: counted */
        dwarf_dealloc(f->dbg, d, DW_DLA_DIE);
        memset(cu, 0, sizeof *cu);
        return 0;
    }
    return 1;
}

/* A split unit's file table: .debug_line.dwo's (gcc), else the
** skeleton's line table (clang), joined to the split unit's
** DW_AT_comp_dir or the skeleton's.  As raw_srcfiles. */
int dwi_split_srcfiles(dws_file *f, Dwarf_Die die, uint16_t version, const char ***names,
                          uint64_t *count)
{
    dws_part *pt = &f->obj->di->parts[f->part];
    Dwarf_Off off = 0;
    Dwarf_Error e = NULL;
    if (dwarf_dieoffset(die, &off, &e) != DW_DLV_OK) {
        drop(f->cur, &e);
        return -1;
    }
    const dws_punit *u = part_unit_at(pt, off);
    if (u == NULL || u->skel == NULL)
        return -1;
    const dws_skel *sk = u->skel;
    const char *comp_dir = NULL;
    Dwarf_Attribute a = NULL;
    if (dwarf_attr(die, DW_AT_comp_dir, &a, &e) == DW_DLV_OK)
        comp_dir = dwi_get_str(f, a, 0);
    if (a)
        dwarf_dealloc(f->cur, a, DW_DLA_ATTR);
    drop(f->cur, &e);
    if (comp_dir == NULL)
        comp_dir = sk->comp_dir;
    const uint8_t *line;
    size_t len = 0;
    uint64_t at;
    dsc_sections secs;
    memset(&secs, 0, sizeof secs);
    if (u->has_line) {
        line = ei_dwarf_section(pt->img, "line.dwo", &len);
        secs.str = ei_dwarf_section(pt->img, "str.dwo", &secs.str_len);
        at = u->line_off;
    } else if (sk->has_stmt) {
        ei_image *img = f->obj->di->img;
        line = ei_dwarf_section(img, "line", &len);
        secs.str = ei_dwarf_section(img, "str", &secs.str_len);
        secs.line_str = ei_dwarf_section(img, "line_str", &secs.line_str_len);
        at = sk->stmt_list;
    } else {
        *names = NULL;
        *count = 0;
        return 1;
    }
    if (line == NULL)
        return -1;
    uint64_t n = 0;
    int rc = dsc_file_names(line, len, at, comp_dir, &secs, version, &f->rawsrc, &n);
    if (rc != 0)
        return -1;
    *names = (const char **)f->rawsrc;
    *count = n;
    return 1;
}

/* The raw parse of the split unit at cu_off of part f->part (f->pscan). */
dsc_unit *dwi_part_scan(dws_file *f, uint64_t cu_off)
{
    if (f->pscan != NULL && f->pscan_part == f->part && dsc_offset(f->pscan) == cu_off)
        return f->pscan;
    dsc_close(f->pscan);
    f->pscan = NULL;
    dws_part *pt = &f->obj->di->parts[f->part];
    const dws_punit *u = part_unit_at(pt, cu_off);
    const uint8_t *info = NULL, *ab = NULL;
    size_t ilen = 0, alen = 0;
    hp_err e2 = {0};
    if (u == NULL || u->hdr != cu_off ||
        ei_section_data(pt->img, pt->di->info, &info, &ilen, &e2) != 0 ||
        ei_section_data(pt->img, pt->di->abbrev, &ab, &alen, &e2) != 0 || ab == NULL ||
        u->ab_off > alen || u->ab_len > alen - u->ab_off)
        return NULL;
    f->pscan = dsc_open(info, ilen, ab + u->ab_off, u->ab_len, cu_off, HP_MAX_DEPTH);
    f->pscan_part = f->part;
    return f->pscan;
}

/* The skeleton of the split unit holding DIE d of part f->part, or NULL. */
const dws_skel *dwi_cur_skel(dws_file *f, Dwarf_Die d)
{
    Dwarf_Off cu_off = 0, cu_len = 0;
    Dwarf_Error e = NULL;
    if (dwarf_die_CU_offset_range(d, &cu_off, &cu_len, &e) != DW_DLV_OK) {
        drop(f->cur, &e);
        return NULL;
    }
    if (f->skel == NULL || f->skel_part != f->part || f->skel_cu != cu_off) {
        const dws_punit *u = part_unit_at(&f->obj->di->parts[f->part], cu_off);
        f->skel = u ? u->skel : NULL;
        f->skel_part = f->part;
        f->skel_cu = cu_off;
    }
    return f->skel;
}

/* Address number idx of the split unit of skeleton sk: from the file's
** .debug_addr at the skeleton's base.  0, or -1 past the section. */
int dwi_split_addr(dws_file *f, const dws_skel *sk, uint64_t idx, uint64_t *out)
{
    if (!f->addr_loaded) {
        f->addr_loaded = 1;
        f->addr = ei_dwarf_section(f->obj->di->img, "addr", &f->addr_len);
    }
    uint64_t n = sk ? sk->addr_size : 8;
    if (sk == NULL || f->addr == NULL || idx > (UINT64_MAX - sk->addr_base) / n ||
        sk->addr_base + idx * n > f->addr_len || f->addr_len - (sk->addr_base + idx * n) < n)
        return -1;
    *out = rd_le(f->addr + sk->addr_base + idx * n, (int)n);
    return 0;
}

/* One entry of a split unit's range or location list, from the raw
** values libdwarf gives (it resolves no address index without a tied
** file): 1 with [*lo, *hi), 0 for an entry that only sets the base
** (*base) or ends the list, -1 when an index does not resolve.  gnu: a
** DWARF 4 .debug_loc.dwo entry (DW_LLEX_*); rle: a DWARF 5 range list
** entry (DW_RLE_*); else a DWARF 5 location list entry (DW_LLE_*). */
int dwi_split_entry(dws_file *f, const dws_skel *sk, int gnu, int rle, unsigned code,
                       uint64_t r1, uint64_t r2, uint64_t *base, uint64_t *lo, uint64_t *hi)
{
    uint64_t a = 0, b = 0;
    /* DW_RLE_* and DW_LLE_* agree up to 4; then DW_RLE_base_address 5,
    ** start_end 6, start_length 7, and DW_LLE_default_location 5,
    ** base_address 6, start_end 7, start_length 8 */
    if (rle && code >= 5)
        code++;
    if (gnu && code > 4)
        return 0;
    switch (code) {
    case 1:                     /* base address (by index) */
        return dwi_split_addr(f, sk, r1, base) == 0 ? 0 : -1;
    case 2:                     /* start and end (by index) */
        if (dwi_split_addr(f, sk, r1, &a) != 0 || dwi_split_addr(f, sk, r2, &b) != 0)
            return -1;
        break;
    case 3:                     /* start (by index) and length */
        if (dwi_split_addr(f, sk, r1, &a) != 0)
            return -1;
        b = a + r2;
        break;
    case 4:                     /* offsets from the base */
        a = *base + r1;
        b = *base + r2;
        break;
    case 6:                     /* base address */
        *base = r1;
        return 0;
    case 7:                     /* start and end */
        a = r1;
        b = r2;
        break;
    case 8:                     /* start and length */
        a = r1;
        b = r1 + r2;
        break;
    default:                    /* end of list, default location */
        return 0;
    }
    *lo = a;
    *hi = b;
    return 1;
}

/* A DWARF 4 split unit's DW_AT_ranges (val): a list of the file's
** .debug_ranges at the skeleton's DW_AT_GNU_ranges_base, read here. */
int dwi_split_ranges4(dws_file *f, const dws_skel *sk, uint64_t val, uint64_t cu_base,
                         dws_range **v, size_t *n, size_t *cap)
{
    size_t len = 0;
    const uint8_t *p = ei_dwarf_section(f->obj->di->img, "ranges", &len);
    uint64_t at = sk->ranges_base + val, base = cu_base, sz = sk->addr_size;
    uint64_t ones = sz == 8 ? UINT64_MAX : 0xffffffffu;
    if (p == NULL || at < val)
        return -1;
    for (int k = 0; k < 100000 && at <= len && len - at >= 2 * sz; k++, at += 2 * sz) {
        uint64_t a = rd_le(p + at, (int)sz), b = rd_le(p + at + sz, (int)sz);
        if (a == 0 && b == 0)
            return 0;
        if (a == ones)
            base = b;
        else
            dws_push_range(v, n, cap, base + a, base + b);
    }
    return -1;
}

/* A DWARF 5 split unit's DW_AT_ranges: a list of its .debug_rnglists.dwo
** (libdwarf 20210528 takes no DW_FORM_rnglistx there without a tied
** file), by index in the offsets array after the header of the unit's
** share, or (DW_FORM_sec_offset) at that offset of it. */
int dwi_split_ranges5(dws_file *f, const dws_skel *sk, int indexed, uint64_t val,
                         dws_range **v, size_t *n, size_t *cap)
{
    dws_part *pt = &f->obj->di->parts[sk->part];
    size_t len = 0;
    const uint8_t *p = ei_dwarf_section(pt->img, "rnglists.dwo", &len);
    uint64_t at = sk->unit->rng_off, base = sk->low_pc, sz = sk->addr_size;
    if (p == NULL || at >= len || len - at < 12 || rd_le(p + at, 4) >= 0xfffffff0u)
        return -1;
    uint64_t first = at + 12, count = rd_le(p + at + 8, 4);
    if (indexed) {
        if (val >= count || first + 4 * (val + 1) > len)
            return -1;
        at = first + rd_le(p + first + 4 * val, 4);
    } else {
        at += val;
    }
    const uint8_t *q = p + at, *end = p + len;
    int ok = 1;
    for (int k = 0; k < 100000 && at < len; k++) {
        unsigned code = *q++;
        uint64_t r1 = 0, r2 = 0, lo = 0, hi = 0;
        if (code == 0)
            return 0;
        if (code == 5 || code == 6 || code == 7) {      /* an address first */
            if ((uint64_t)(end - q) < sz)
                return -1;
            r1 = rd_le(q, (int)sz);
            q += sz;
        } else {
            r1 = uleb(&q, end, &ok);
        }
        if (code == 6) {
            if ((uint64_t)(end - q) < sz)
                return -1;
            r2 = rd_le(q, (int)sz);
            q += sz;
        } else if (code != 1 && code != 5) {
            r2 = uleb(&q, end, &ok);
        }
        if (!ok || code > 7)
            return -1;
        int r = dwi_split_entry(f, sk, 0, 1, code, r1, r2, &base, &lo, &hi);
        if (r < 0)
            return -1;
        if (r > 0)
            dws_push_range(v, n, cap, lo, hi);
        at = (uint64_t)(q - p);
    }
    return -1;
}

int dws_split_addrx(dws_file *f, dws_die die, uint64_t idx, uint64_t *addr)
{
    if (die == NULL)
        return -1;
    Dwarf_Die d = on(f, die);
    if (f->part == NO_PART)
        return -1;
    return dwi_split_addr(f, dwi_cur_skel(f, d), idx, addr);
}
