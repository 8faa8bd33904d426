/*
** sites/image.c -- the bytes of the binary the site analysis reads.
**
** Contract: address maps (amap), the bytes of an allocated section at an
** address, the executable section and body of a function, the 8-byte data
** word at an address as initialised in the file (R_*_RELATIVE addends
** for PIE, R_*_64 against a symbol the file defines; the types are the
** architecture's, da_arch), and printable C strings in the image.  An address the
** file does not cover gives NULL or 0, never a read outside a section.
*/
#include "sites/internal.h"

void si_amap_put(amap *m, uint64_t key, int32_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 256;
        uint64_t *nk = hp_xcalloc(ncap, sizeof *nk);
        int32_t *nv = hp_xcalloc(ncap, sizeof *nv);
        for (size_t i = 0; i < m->cap; i++) {
            if (m->keys[i] == 0)
                continue;
            size_t j = (size_t)(hp_mix64(m->keys[i]) & (ncap - 1));
            while (nk[j] != 0)
                j = (j + 1) & (ncap - 1);
            nk[j] = m->keys[i];
            nv[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = ncap;
    }
    uint64_t k = key + 1;
    size_t mask = m->cap - 1;
    size_t i = (size_t)(hp_mix64(k) & mask);
    while (m->keys[i] != 0 && m->keys[i] != k)
        i = (i + 1) & mask;
    if (m->keys[i] == 0)
        m->n++;
    m->keys[i] = k;
    m->vals[i] = val;
}

void si_amap_free(amap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* Bytes of the allocated section holding [addr, addr+len), or NULL. */
const uint8_t *si_bytes_at(si_ctx *x, uint64_t addr, size_t len)
{
    ei_image *img = x->img;
    /* the section of the last answer first: the data flow asks about
    ** neighbouring words of one table many times */
    size_t last = x->bytes_sec < img->nsections ? x->bytes_sec : 0;
    for (size_t j = 0; j <= img->nsections; j++) {
        size_t i = j == 0 ? last : j - 1;
        if (j > 0 && i == last)
            continue;
        const ei_section *s = &img->sections[i];
        if (!(s->flags & SHF_ALLOC) || s->type == SHT_NOBITS || s->addr == 0)
            continue;
        if (addr < s->addr || addr - s->addr >= s->size || s->size - (addr - s->addr) < len)
            continue;
        const uint8_t *p;
        size_t n;
        hp_err e2 = {0};
        if (ei_section_data(img, s, &p, &n, &e2) != 0 || p == NULL)
            return NULL;
        uint64_t o = addr - s->addr;
        if (o > n || n - o < len)
            return NULL;
        x->bytes_sec = i;
        return p + o;
    }
    return NULL;
}

static int cmp_rel(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The defined value of symbol `sym` of the symbol table in section
** index `link` (R_X86_64_64's symbol), or 0. */
static uint64_t rel_sym_value(ei_image *img, uint32_t link, uint64_t sym)
{
    for (size_t i = 0; i < img->nsections; i++) {
        const ei_section *s = &img->sections[i];
        if (s->index != link)
            continue;
        const uint8_t *p;
        size_t len;
        hp_err e2 = {0};
        if (ei_section_data(img, s, &p, &len, &e2) != 0 || p == NULL || sym >= len / 24)
            return 0;
        const uint8_t *e = p + sym * 24;
        uint16_t shndx = (uint16_t)(e[6] | e[7] << 8);
        return shndx == 0 ? 0 : rd64le(e + 8);
    }
    return 0;
}

/* R_X86_64_RELATIVE relocations: in a PIE the initial pointer values live
** in the relocation addends, not in the data words.  R_X86_64_64 against
** a symbol the file defines (a shared library's table holding one of its
** exported functions, which another object could interpose) is read as
** that symbol's value plus the addend: what the word holds unless
** something is interposed. */
void si_load_relative(si_ctx *x)
{
    if (x->arch == NULL || x->arch->r_relative == 0)
        return;
    uint64_t *pairs = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < x->img->nsections; i++) {
        const ei_section *s = &x->img->sections[i];
        /* only dynamic relocations: a kernel's .rela.debug_* are huge */
        if (s->type != SHT_RELA || !(s->flags & SHF_ALLOC))
            continue;
        const uint8_t *p;
        size_t len;
        hp_err e2 = {0};
        if (ei_section_data(x->img, s, &p, &len, &e2) != 0 || p == NULL)
            continue;
        for (size_t o = 0; o + 24 <= len; o += 24) {
            uint64_t off = rd64le(p + o), info = rd64le(p + o + 8), add = rd64le(p + o + 16);
            if ((info & 0xffffffff) == x->arch->r_abs64) {
                uint64_t v = rel_sym_value(x->img, s->link, info >> 32);
                if (v == 0)
                    continue;
                add += v;
            } else if ((info & 0xffffffff) != x->arch->r_relative) {
                continue;
            }
            hp_grow((void **)&pairs, &cap, n + 2, sizeof *pairs);
            pairs[n++] = off;
            pairs[n++] = add;
        }
    }
    size_t np = n / 2;
    if (np > 1)
        qsort(pairs, np, 2 * sizeof *pairs, cmp_rel);
    x->rel_off = hp_xmalloc((np + 1) * sizeof *x->rel_off);
    x->rel_add = hp_xmalloc((np + 1) * sizeof *x->rel_add);
    for (size_t i = 0; i < np; i++) {
        x->rel_off[i] = pairs[2 * i];
        x->rel_add[i] = pairs[2 * i + 1];
    }
    x->nrel = np;
    free(pairs);
}

/* The 8-byte word at addr as initialised in the file; 0 if unknown. */
uint64_t si_word_at(si_ctx *x, uint64_t addr)
{
    size_t lo = hp_lower_bound(x->rel_off, 0, x->nrel, sizeof *x->rel_off, 0, addr);
    if (lo < x->nrel && x->rel_off[lo] == addr)
        return x->rel_add[lo];
    const uint8_t *p = si_bytes_at(x, addr, 8);
    return p ? rd64le(p) : 0;
}

/* The executable section of the binary holding addr, or NULL. */
const ei_section *si_exec_section(const ei_image *img, uint64_t addr)
{
    for (size_t i = 0; i < img->nsections; i++) {
        const ei_section *s = &img->sections[i];
        if ((s->flags & (SHF_ALLOC | SHF_EXECINSTR)) == (SHF_ALLOC | SHF_EXECINSTR) &&
            s->type == SHT_PROGBITS && addr >= s->addr && addr - s->addr < s->size)
            return s;
    }
    return NULL;
}

const uint8_t *si_body(si_ctx *x, const func *f, size_t *len)
{
    const ei_section *s = si_exec_section(x->img, f->addr);
    if (s == NULL)
        return NULL;
    const uint8_t *p;
    size_t n;
    hp_err e2 = {0};
    if (ei_section_data(x->img, s, &p, &n, &e2) != 0 || p == NULL) {
        x->st->skipped++;
        return NULL;
    }
    uint64_t o = f->addr - s->addr;
    if (o >= n)
        return NULL;
    uint64_t avail = n - o;
    *len = (size_t)(f->size < avail ? f->size : avail);
    return p + o;
}
const char *si_c_string(si_ctx *x, hp_arena *ar, uint64_t addr)
{
    char buf[256];
    size_t n = 0;
    for (; n + 1 < sizeof buf; n++) {
        const uint8_t *p = si_bytes_at(x, addr + n, 1);
        if (p == NULL)
            return NULL;
        if (*p == 0)
            break;
        if (*p < 0x20 || *p > 0x7e)
            return NULL;
        buf[n] = (char)*p;
    }
    buf[n] = '\0';
    return n ? hp_arena_strdup(ar, buf) : NULL;
}

