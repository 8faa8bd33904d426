/*
** elfimg.c -- implementation of elfimg.h on top of elfutils' libelf.
**
** Contract: everything taken from the file is checked before use.  The
** ELF identification and header are validated by hand (libelf says little
** about why a file is bad; 64- and 32-bit classes are both taken); the
** program and section header tables must lie inside the file.  A section
** whose bytes lie outside the file is remembered as bad and only becomes
** an error when somebody needs its bytes, or when it is one ei_open()
** itself relies on (.debug_info): a binary with a damaged .comment section
** can still be analyzed.
**
** Decompressed section bytes and synthesized PLT symbol names are owned
** by the image and freed by ei_close().  libelf maps the file read-only;
** the strings it hands out (section and symbol names) stay valid until
** elf_end(), which is why ei_symbol.name can point into them.
**
** Threads: ei_section_data() and ei_load_symbols() may be called from
** several threads at once (type readers and the site scan share one
** image).  Every libelf call after ei_open() runs under the image's mutex;
** decompression runs outside it, one thread per section, and a thread
** that wants a section another is decompressing waits for it.
*/
#include "elfimg.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zstd.h>
#include <zstd_errors.h>

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif
#ifndef EM_RISCV
#define EM_RISCV 243
#endif
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif
#ifndef DF_1_PIE
#define DF_1_PIE 0x08000000
#endif
#ifndef R_AARCH64_GLOB_DAT
#define R_AARCH64_GLOB_DAT 1025
#endif
#ifndef R_AARCH64_JUMP_SLOT
#define R_AARCH64_JUMP_SLOT 1026
#endif

/* Longest build-id we keep: 64 bytes, the size of build_id_hex. */
#define EI_MAX_BUILD_ID 64

enum { C_EMPTY, C_BUSY, C_DONE };

typedef struct ei_cache {
    atomic_int state;           /* C_*; C_DONE is published last */
    const uint8_t *data;
    size_t len;
    uint8_t *owned;             /* decompressed copy, freed at close */
} ei_cache;

typedef struct ei_priv {
    pthread_mutex_t mu;         /* libelf, cache states, symbols */
    pthread_cond_t cv;          /* a section left C_BUSY */
    int fd;
    Elf *elf;
    unsigned char ei_data;      /* ELFDATA2LSB or ELFDATA2MSB */
    uint8_t *sec_ok;            /* per entry of img->sections */
    ei_cache *cache;            /* per entry of img->sections */
    hp_arena names;             /* "NAME@plt" strings */
    int symbols_loaded;
    struct gotslot *got;        /* GOT slot -> import, sorted (ei_got_name) */
    size_t ngot;
    uint64_t inflated;          /* bytes of sections decompressed or being so
                                   (under mu): see inflate_budget */
    pthread_t prefetch;         /* ei_prefetch's thread, when started */
    int prefetching;
    const ei_section **pf;      /* the sections it loads */
    size_t npf;
} ei_priv;

static ei_priv *PRIV(const ei_image *img) { return (ei_priv *)img->priv; }

/* ---- small helpers ---- */

/* Does [off, off+size) lie inside a file of fsize bytes?  No overflow. */
static int in_file(uint64_t off, uint64_t size, uint64_t fsize)
{
    return off <= fsize && size <= fsize - off;
}

static const char *arch_name(uint16_t machine, unsigned char data, int class32)
{
    if (class32 && machine == EM_RISCV)
        return "riscv32";
    if (class32 && machine == EM_MIPS)
        return data == ELFDATA2LSB ? "mipsel" : "mips";
    switch (machine) {
    case EM_X86_64:    return "x86_64";
    case EM_AARCH64:   return data == ELFDATA2MSB ? "aarch64_be" : "aarch64";
    case EM_386:       return "i386";
    case EM_RISCV:     return "riscv64";
    case EM_PPC64:     return data == ELFDATA2LSB ? "ppc64le" : "ppc64";
    case EM_S390:      return "s390x";
    case EM_ARM:       return "arm";
    case EM_MIPS:      return data == ELFDATA2LSB ? "mips64el" : "mips64";
    case EM_SPARCV9:   return "sparc64";
    case EM_IA_64:     return "ia64";
    case EM_ALPHA:     return "alpha";
    case EM_LOONGARCH: return "loongarch64";
    default:           return "unknown";
    }
}

static uint32_t rd32(const uint8_t *p, unsigned char data)
{
    if (data == ELFDATA2MSB)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t le32(const uint8_t *p) { return rd32(p, ELFDATA2LSB); }
static uint64_t rd64le_(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static int sec_pos(const ei_image *img, const ei_section *sec)
{
    if (sec < img->sections || sec >= img->sections + img->nsections)
        return -1;
    return (int)(sec - img->sections);
}

/* Plain (untranslated) bytes of a section known to lie inside the file. */
static int raw_bytes(ei_image *img, const ei_section *sec, const uint8_t **data,
                     size_t *len, hp_err *err)
{
    ei_priv *pv = PRIV(img);
    Elf_Scn *scn = elf_getscn(pv->elf, sec->index);
    Elf_Data *d = scn ? elf_rawdata(scn, NULL) : NULL;
    if (d == NULL || (d->d_buf == NULL && d->d_size > 0))
        return hp_errf(err, img->path, "cannot read section %s: %s", sec->name, elf_errmsg(-1));
    *data = d->d_buf;
    *len = d->d_size;
    return 0;
}

/* ---- decompression ---- */

/* A compressed section's stream: zlib (SHF_COMPRESSED ELFCOMPRESS_ZLIB,
** .zdebug_*) or zstd (ELFCOMPRESS_ZSTD, binutils >= 2.40). */
enum { Z_ZLIB = 1, Z_ZSTD = 2 };

/* Decompression bombs: a few compressed bytes can declare gigabytes, and
** each section's stream may expand ~1000:1 (deflate) or far more
** (zstd).  The total a file may inflate to is bounded by design:
** EI_INFLATE_RATIO times its size (debug info compresses 3 to 10 times),
** and never more than the machine's memory; HOLEPROF_MAX_INFLATE=BYTES
** (suffix k, M or G allowed) sets the bound instead.  Counted as sections
** are inflated, lazily, so what nobody reads costs nothing. */
#define EI_INFLATE_RATIO 32

static uint64_t inflate_limit(const ei_image *img, int *from_env)
{
    const char *e = getenv("HOLEPROF_MAX_INFLATE");
    *from_env = 0;
    if (e && *e) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(e, &end, 10);
        unsigned shift = 0;
        if (end && (*end == 'k' || *end == 'K')) shift = 10, end++;
        else if (end && *end == 'M') shift = 20, end++;
        else if (end && *end == 'G') shift = 30, end++;
        if (errno == 0 && end != e && *end == '\0' && v <= (UINT64_MAX >> shift)) {
            *from_env = 1;
            return (uint64_t)v << shift;
        }
    }
    uint64_t lim = img->file_size > UINT64_MAX / EI_INFLATE_RATIO
                   ? UINT64_MAX : img->file_size * EI_INFLATE_RATIO;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psize > 0 && (uint64_t)pages <= UINT64_MAX / (uint64_t)psize &&
        lim > (uint64_t)pages * (uint64_t)psize)
        lim = (uint64_t)pages * (uint64_t)psize;
    return lim;
}

/* Reserve want bytes of the file's budget before inflating a section;
** caller holds pv->mu. */
static int inflate_budget(ei_image *img, const ei_section *sec, size_t want, hp_err *err)
{
    ei_priv *pv = PRIV(img);
    int env = 0;
    uint64_t lim = inflate_limit(img, &env);
    if (want > lim || pv->inflated > lim - want) {
        if (env)
            return hp_errf(err, img->path, "section %s: decompressing it would bring the "
                           "file's DWARF to %llu bytes, over the limit of %llu bytes set by "
                           "HOLEPROF_MAX_INFLATE", sec->name,
                           (unsigned long long)(pv->inflated + want), (unsigned long long)lim);
        return hp_errf(err, img->path, "section %s: decompressing it would bring the file's "
                       "DWARF to %llu bytes, over the limit of %llu bytes (%d times the "
                       "file's size, at most the machine's memory; HOLEPROF_MAX_INFLATE=BYTES "
                       "raises it)", sec->name, (unsigned long long)(pv->inflated + want),
                       (unsigned long long)lim, EI_INFLATE_RATIO);
    }
    pv->inflated += want;
    return 0;
}

/* Inflate exactly `want` bytes from a zlib stream.  The caller has bounded
** `want`; a stream that yields more or fewer bytes is corrupt.  libdeflate
** inflates a whole buffer whose final size is known (as here) two to three
** times faster than zlib's streaming inflate: on python3.11's debug file,
** 22 MB of sections in 0.055 s instead of 0.126 s, and .debug_info must be
** whole before the type reader can start. */
static int unzstd_exact(const ei_image *img, const ei_section *sec, const uint8_t *in,
                        size_t inlen, size_t want, uint8_t **out, hp_err *err)
{
    /* the frame says how much it holds when the compressor knew (objcopy
    ** and ld do): a declared size that disagrees is refused before any
    ** memory is taken */
    unsigned long long fs = ZSTD_getFrameContentSize(in, inlen);
    if (fs == ZSTD_CONTENTSIZE_ERROR)
        return hp_errf(err, img->path, "section %s: corrupt zstd data", sec->name);
    if (fs != ZSTD_CONTENTSIZE_UNKNOWN && fs != (unsigned long long)want)
        return hp_errf(err, img->path, "section %s: zstd frame holds %llu bytes, the section "
                       "header says %zu", sec->name, fs, want);
    uint8_t *buf = hp_xmalloc(want ? want : 1);
    size_t got = ZSTD_decompress(buf, want, in, inlen);
    if (!ZSTD_isError(got) && got == want) {
        *out = buf;
        return 0;
    }
    free(buf);
    if (ZSTD_isError(got) && ZSTD_getErrorCode(got) == ZSTD_error_dstSize_tooSmall)
        return hp_errf(err, img->path, "section %s: decompressed data larger than the "
                       "declared %zu bytes", sec->name, want);
    if (!ZSTD_isError(got))
        return hp_errf(err, img->path, "section %s: decompressed to %zu bytes, expected %zu",
                       sec->name, got, want);
    return hp_errf(err, img->path, "section %s: corrupt zstd data (%s)", sec->name,
                   ZSTD_getErrorName(got));
}

static int inflate_exact(const ei_image *img, const ei_section *sec, int kind,
                         const uint8_t *in, size_t inlen, size_t want, uint8_t **out,
                         hp_err *err)
{
    if (kind == Z_ZSTD)
        return unzstd_exact(img, sec, in, inlen, want, out, err);
    /* deflate cannot expand more than about 1032:1, so a declared size
    ** beyond that is a lie; refusing it keeps a few bytes from reserving
    ** up to HP_MAX_ARRAY_ALLOC */
    if (want / 1032 > inlen + 64)
        return hp_errf(err, img->path, "section %s: declared size %zu impossible for %zu "
                       "compressed bytes", sec->name, want, inlen);
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (d == NULL)
        return hp_errf(err, img->path, "section %s: out of memory for the decompressor",
                       sec->name);
    uint8_t *buf = hp_xmalloc(want ? want : 1);
    size_t got = 0;
    enum libdeflate_result r = libdeflate_zlib_decompress(d, in, inlen, buf, want, &got);
    libdeflate_free_decompressor(d);
    if (r == LIBDEFLATE_SUCCESS && got == want) {
        *out = buf;
        return 0;
    }
    free(buf);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
        return hp_errf(err, img->path, "section %s: decompressed data larger than the "
                       "declared %zu bytes", sec->name, want);
    if (r == LIBDEFLATE_SUCCESS)
        return hp_errf(err, img->path, "section %s: decompressed to %zu bytes, expected %zu",
                       sec->name, got, want);
    return hp_errf(err, img->path, "section %s: corrupt compressed data", sec->name);
}

/* Where a section's zlib stream is and how long it inflates to: sets
** *in and *inlen to the stream and *want to the size, or leaves *in NULL when
** the bytes are stored as they are.  Caller holds pv->mu (libelf).
**   SHF_COMPRESSED: an Elf64_Chdr (Elf32_Chdr in a 32-bit file), then
**   the stream.
**   .zdebug_*: "ZLIB", an 8-byte big-endian size, then the stream; tools
**   may leave such a section uncompressed when that is smaller, and the
**   GNU format says so by the missing magic. */
static int stream_of(ei_image *img, const ei_section *sec, const uint8_t **in,
                     size_t *inlen, size_t *want, int *kind, hp_err *err)
{
    const uint8_t *raw;
    size_t rawlen;
    *in = NULL;
    *inlen = *want = 0;
    *kind = Z_ZLIB;
    if (raw_bytes(img, sec, &raw, &rawlen, err))
        return -1;
    uint64_t size;
    size_t hdr;
    if (sec->flags & SHF_COMPRESSED) {
        /* read by hand (little-endian, like every image ei_open takes):
        ** gelf_getchdr would make libelf convert the section */
        hdr = img->addr_size == 4 ? sizeof(Elf32_Chdr) : sizeof(Elf64_Chdr);
        if (rawlen < hdr)
            return hp_errf(err, img->path, "section %s: compressed section too small",
                           sec->name);
        uint32_t type = le32(raw);
        if (type != ELFCOMPRESS_ZLIB && type != ELFCOMPRESS_ZSTD)
            return hp_errf(err, img->path, "section %s: unsupported compression type %u "
                           "(zlib and zstd are supported)", sec->name, (unsigned)type);
        *kind = type == ELFCOMPRESS_ZSTD ? Z_ZSTD : Z_ZLIB;
        size = img->addr_size == 4 ? le32(raw + 4)
                                   : (uint64_t)le32(raw + 8) | (uint64_t)le32(raw + 12) << 32;
    } else if (strncmp(sec->name, ".zdebug", 7) == 0 && rawlen >= 12 &&
               memcmp(raw, "ZLIB", 4) == 0) {
        hdr = 12;
        size = 0;
        for (int i = 4; i < 12; i++)
            size = size << 8 | raw[i];
    } else {
        *want = rawlen;
        return 0;
    }
    if (size > HP_MAX_ARRAY_ALLOC)
        return hp_errf(err, img->path, "section %s: declared uncompressed size %llu is too "
                       "large", sec->name, (unsigned long long)size);
    *in = raw + hdr;
    *inlen = rawlen - hdr;
    *want = (size_t)size;
    return 0;
}

/* The section's bytes as stored (not decompressed); caller holds pv->mu. */
static int plain_bytes(ei_image *img, const ei_section *sec, const uint8_t **data,
                       size_t *len, hp_err *err)
{
    ei_priv *pv = PRIV(img);
    if (strncmp(sec->name, ".zdebug", 7) == 0)
        return raw_bytes(img, sec, data, len, err);
    Elf_Scn *scn = elf_getscn(pv->elf, sec->index);
    Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
    if (d == NULL || (d->d_buf == NULL && d->d_size > 0))
        return hp_errf(err, img->path, "cannot read section %s: %s", sec->name,
                       elf_errmsg(-1));
    *data = d->d_buf;
    *len = d->d_size;
    return 0;
}

static int section_ok(ei_image *img, const ei_section *sec, int pos, hp_err *err)
{
    if (pos < 0)
        return hp_errf(err, img->path, "internal error: section not of this image");
    if (!PRIV(img)->sec_ok[pos])
        return hp_errf(err, img->path, "section %s (%llu bytes at offset %llu) extends "
                       "beyond the end of the file (truncated?)", sec->name,
                       (unsigned long long)sec->size, (unsigned long long)sec->offset);
    return 0;
}

int ei_section_size(ei_image *img, const ei_section *sec, size_t *len, hp_err *err)
{
    ei_priv *pv = PRIV(img);
    int pos = sec_pos(img, sec);
    *len = 0;
    if (section_ok(img, sec, pos, err) != 0)
        return -1;
    if (sec->type == SHT_NOBITS || sec->size == 0)
        return 0;
    if (atomic_load_explicit(&pv->cache[pos].state, memory_order_acquire) == C_DONE) {
        *len = pv->cache[pos].len;
        return 0;
    }
    const uint8_t *in;
    size_t inlen;
    int kind;
    pthread_mutex_lock(&pv->mu);
    int rc = stream_of(img, sec, &in, &inlen, len, &kind, err);
    pthread_mutex_unlock(&pv->mu);
    return rc;
}

/* Relocatable objects: DWARF offsets into other sections and addresses
** are left to the linker, as relocations against section symbols.  Apply
** every entry of the SHT_RELA and SHT_REL sections that target section
** pos (sh_info) to a private copy of its bytes: value = symbol value +
** addend (a REL entry's addend is the value in place), for the absolute
** types (x86-64: 64, 32, 32S, DTPOFF64, DTPOFF32; AArch64: ABS64, ABS32;
** i386: 32, TLS_LDO_32; ARM: ABS32, TLS_LDO32).  Other types, and entries
** whose symbol or place lies outside its section, are left alone: libdwarf
** would refuse such a file outright, holeprof reads what it can.  Caller
** holds pv->mu. */
static unsigned reloc_width(uint16_t machine, uint32_t type)
{
    switch (machine) {
    case EM_X86_64:
        return type == 1 || type == 17 ? 8 : type == 10 || type == 11 || type == 21 ? 4 : 0;
    case EM_AARCH64:
        return type == 257 ? 8 : type == 258 ? 4 : 0;
    case EM_386:
        return type == 1 || type == 32 ? 4 : 0;
    case EM_ARM:
        return type == 2 || type == 106 ? 4 : 0;
    default:
        return 0;
    }
}

static void relocate(ei_image *img, int pos, ei_cache *c)
{
    const ei_section *target = &img->sections[pos];
    const int c32 = img->addr_size == 4;
    const size_t symsz = c32 ? 16 : 24;
    for (size_t r = 0; r < img->nsections; r++) {
        const ei_section *rs = &img->sections[r];
        if ((rs->type != SHT_RELA && rs->type != SHT_REL) || rs->info != target->index ||
            rs->size == 0 || !PRIV(img)->sec_ok[r])
            continue;
        const int rela = rs->type == SHT_RELA;
        const size_t ent = c32 ? (rela ? 12 : 8) : (rela ? 24 : 16);
        const ei_section *sym = NULL;
        for (size_t k = 0; k < img->nsections && sym == NULL; k++)
            if (img->sections[k].index == rs->link && img->sections[k].type == SHT_SYMTAB &&
                PRIV(img)->sec_ok[k])
                sym = &img->sections[k];
        const uint8_t *rel, *syms;
        size_t rlen, slen;
        hp_err e2 = {0};
        if (sym == NULL || raw_bytes(img, rs, &rel, &rlen, &e2) != 0 ||
            raw_bytes(img, sym, &syms, &slen, &e2) != 0)
            continue;
        if (c->owned == NULL && c->len > 0) {
            uint8_t *copy = hp_xmalloc(c->len);
            memcpy(copy, c->data, c->len);
            c->owned = copy;
            c->data = copy;
        }
        for (size_t o = 0; o + ent <= rlen; o += ent) {
            uint64_t where, info;
            uint32_t type, si;
            if (c32) {
                where = le32(rel + o);
                info = le32(rel + o + 4);
                type = (uint32_t)(info & 0xff);
                si = (uint32_t)(info >> 8);
            } else {
                where = rd64le_(rel + o);
                info = rd64le_(rel + o + 8);
                type = (uint32_t)info;
                si = (uint32_t)(info >> 32);
            }
            unsigned width = reloc_width(img->machine, type);
            if (width == 0 || (uint64_t)si >= slen / symsz || where > c->len ||
                c->len - where < width)
                continue;
            uint64_t addend;
            if (rela)
                addend = c32 ? (uint64_t)(int64_t)(int32_t)le32(rel + o + 8) : rd64le_(rel + o + 16);
            else
                addend = width == 8 ? rd64le_(c->owned + where) : le32(c->owned + where);
            uint64_t sv = c32 ? le32(syms + (size_t)si * symsz + 4)
                              : rd64le_(syms + (size_t)si * symsz + 8);
            uint64_t v = sv + addend;
            for (unsigned b = 0; b < width; b++)
                c->owned[where + b] = (uint8_t)(v >> (8 * b));
        }
    }
}

/* Fill cache entry pos; caller holds pv->mu, which is released while the
** section inflates. */
static int fill_locked(ei_image *img, const ei_section *sec, int pos, hp_err *err)
{
    ei_priv *pv = PRIV(img);
    ei_cache *c = &pv->cache[pos];
    while (atomic_load_explicit(&c->state, memory_order_relaxed) == C_BUSY)
        pthread_cond_wait(&pv->cv, &pv->mu);
    if (atomic_load_explicit(&c->state, memory_order_relaxed) == C_DONE)
        return 0;
    if (section_ok(img, sec, pos, err) != 0)
        return -1;
    if (sec->type == SHT_NOBITS || sec->size == 0) {
        c->data = NULL;
        c->len = 0;
    } else {
        const uint8_t *in;
        size_t inlen, want;
        int kind;
        if (stream_of(img, sec, &in, &inlen, &want, &kind, err) != 0)
            return -1;
        if (in == NULL) {
            if (plain_bytes(img, sec, &c->data, &c->len, err) != 0)
                return -1;
        } else {
            if (inflate_budget(img, sec, want, err) != 0)
                return -1;
            atomic_store_explicit(&c->state, C_BUSY, memory_order_relaxed);
            pthread_mutex_unlock(&pv->mu);
            uint8_t *buf = NULL;
            int rc = inflate_exact(img, sec, kind, in, inlen, want, &buf, err);
            pthread_mutex_lock(&pv->mu);
            atomic_store_explicit(&c->state, C_EMPTY, memory_order_relaxed);
            pthread_cond_broadcast(&pv->cv);
            if (rc != 0) {
                pv->inflated -= want;
                return -1;
            }
            c->owned = buf;
            c->data = buf;
            c->len = want;
        }
        if (img->e_type == ET_REL)
            relocate(img, pos, c);
    }
    atomic_store_explicit(&c->state, C_DONE, memory_order_release);
    return 0;
}

/* ei_section_data for a caller that holds pv->mu */
static int section_data_locked(ei_image *img, const ei_section *sec, const uint8_t **data,
                               size_t *len, hp_err *err)
{
    int pos = sec_pos(img, sec);
    if (pos < 0)
        return hp_errf(err, img->path, "internal error: section not of this image");
    if (fill_locked(img, sec, pos, err) != 0)
        return -1;
    *data = PRIV(img)->cache[pos].data;
    *len = PRIV(img)->cache[pos].len;
    return 0;
}

int ei_section_data(ei_image *img, const ei_section *sec,
                    const uint8_t **data, size_t *len, hp_err *err)
{
    ei_priv *pv = PRIV(img);
    int pos = sec_pos(img, sec);
    if (pos < 0)
        return hp_errf(err, img->path, "internal error: section not of this image");
    ei_cache *c = &pv->cache[pos];
    if (atomic_load_explicit(&c->state, memory_order_acquire) != C_DONE) {
        pthread_mutex_lock(&pv->mu);
        int rc = fill_locked(img, sec, pos, err);
        pthread_mutex_unlock(&pv->mu);
        if (rc != 0)
            return -1;
    }
    *data = c->data;
    *len = c->len;
    return 0;
}

static void *prefetch_main(void *arg)
{
    ei_image *img = arg;
    ei_priv *pv = PRIV(img);
    for (size_t i = 0; i < pv->npf; i++) {
        const uint8_t *d;
        size_t len;
        hp_err e2 = {0};
        (void)ei_section_data(img, pv->pf[i], &d, &len, &e2);
    }
    return NULL;
}

int ei_prefetch(ei_image *img, const char *const *names, size_t n)
{
    ei_priv *pv = PRIV(img);
    if (pv->prefetching)
        return 0;
    pv->pf = hp_xcalloc(n + 1, sizeof *pv->pf);
    pv->npf = 0;
    for (size_t i = 0; i < n; i++) {
        const ei_section *s = ei_find_section(img, names[i]);
        if (s != NULL)
            pv->pf[pv->npf++] = s;
    }
    if (pv->npf == 0)
        return 0;
    if (pthread_create(&pv->prefetch, NULL, prefetch_main, img) != 0)
        return -1;
    pv->prefetching = 1;
    return 0;
}

const uint8_t *ei_dwarf_section(ei_image *img, const char *name, size_t *len)
{
    char n1[48], n2[48];
    snprintf(n1, sizeof n1, ".debug_%s", name);
    snprintf(n2, sizeof n2, ".zdebug_%s", name);
    const ei_section *sc = ei_find_section(img, n1);
    if (sc == NULL)
        sc = ei_find_section(img, n2);
    const uint8_t *p = NULL;
    hp_err e = {0};
    *len = 0;
    if (sc == NULL || ei_section_data(img, sc, &p, len, &e) != 0) {
        *len = 0;
        return NULL;
    }
    return p;
}

const ei_section *ei_find_section(const ei_image *img, const char *name)
{
    for (size_t i = 0; i < img->nsections; i++)
        if (strcmp(img->sections[i].name, name) == 0)
            return &img->sections[i];
    return NULL;
}

/* ---- notes, debuglink, PIE ---- */

static void hexify(char *out, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Scan one block of notes for NT_GNU_BUILD_ID; gelf_getnote() checks
** every header and size against the block. */
static int build_id_in(ei_image *img, Elf_Data *d)
{
    GElf_Nhdr nh;
    size_t off = 0, noff, doff, next;
    while (off < d->d_size && (next = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
        const char *nm = (const char *)d->d_buf + noff;
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(nm, "GNU", 4) == 0
            && nh.n_descsz > 0 && nh.n_descsz <= EI_MAX_BUILD_ID) {
            hexify(img->build_id_hex, (const uint8_t *)d->d_buf + doff, nh.n_descsz);
            return 1;
        }
        off = next;
    }
    return 0;
}

static void find_build_id(ei_image *img)
{
    ei_priv *pv = PRIV(img);
    int saw_notes = 0;
    for (size_t i = 0; i < img->nsections; i++) {
        const ei_section *s = &img->sections[i];
        if (s->type != SHT_NOTE || !pv->sec_ok[i] || s->size == 0)
            continue;
        saw_notes = 1;
        Elf_Scn *scn = elf_getscn(pv->elf, s->index);
        Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
        if (d && d->d_buf && build_id_in(img, d))
            return;
    }
    if (saw_notes)
        return;
    /* No section headers (or no note sections): try the PT_NOTE segments. */
    size_t phnum = 0;
    if (elf_getphdrnum(pv->elf, &phnum) != 0)
        return;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(pv->elf, (int)i, &ph) == NULL || ph.p_type != PT_NOTE)
            continue;
        if (!in_file(ph.p_offset, ph.p_filesz, img->file_size) || ph.p_filesz == 0)
            continue;
        Elf_Data *d = elf_getdata_rawchunk(pv->elf, (int64_t)ph.p_offset, ph.p_filesz,
                                           ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
        if (d && d->d_buf && build_id_in(img, d))
            return;
    }
}

/* .gnu_debuglink: a NUL-terminated file name, padding to 4, a CRC32 in
** the file's byte order.  A malformed one is ignored, as if absent: it is
** only a hint, and a name with '/' could point anywhere. */
static void find_debuglink(ei_image *img)
{
    ei_priv *pv = PRIV(img);
    const ei_section *s = ei_find_section(img, ".gnu_debuglink");
    int pos = s ? sec_pos(img, s) : -1;
    if (pos < 0 || !pv->sec_ok[pos] || s->type == SHT_NOBITS || (s->flags & SHF_COMPRESSED))
        return;
    const uint8_t *p;
    size_t n;
    hp_err ignored = {0};
    if (raw_bytes(img, s, &p, &n, &ignored) || p == NULL)
        return;
    const uint8_t *nul = memchr(p, '\0', n);
    if (nul == NULL)
        return;
    size_t namelen = (size_t)(nul - p);
    size_t crcoff = (namelen + 1 + 3) & ~(size_t)3;
    if (namelen == 0 || namelen > HP_MAX_NAME || crcoff > n || n - crcoff < 4)
        return;
    if (memchr(p, '/', namelen) != NULL || strcmp((const char *)p, ".") == 0
        || strcmp((const char *)p, "..") == 0)
        return;
    img->debuglink = hp_xstrndup((const char *)p, namelen);
    img->debuglink_crc = rd32(p + crcoff, pv->ei_data);
}

/* The supplementary file a dwz'd debug file shares DIEs and strings with.
**   .gnu_debugaltlink: a NUL-terminated path, then the alt file's build-id
**   (the rest of the section).
**   .debug_sup (DWARF 5): version 5 (2 bytes), is_supplementary (1 byte),
**   a NUL-terminated file name, a ULEB128 checksum length, the checksum
**   (dwz writes the build-id there).
** Malformed ones are ignored as if absent (the reader then meets forms it
** cannot resolve and says so). */
static void find_altlink(ei_image *img)
{
    ei_priv *pv = PRIV(img);
    static const char *const names[] = { ".gnu_debugaltlink", ".debug_sup" };
    for (int k = 0; k < 2 && img->altlink == NULL; k++) {
        const ei_section *s = ei_find_section(img, names[k]);
        int pos = s ? sec_pos(img, s) : -1;
        if (pos < 0 || !pv->sec_ok[pos] || s->type == SHT_NOBITS ||
            (s->flags & SHF_COMPRESSED))
            continue;
        const uint8_t *p;
        size_t n;
        hp_err ignored = {0};
        if (raw_bytes(img, s, &p, &n, &ignored) || p == NULL)
            continue;
        size_t at = 0;
        if (k == 1) {
            if (n < 4 || (p[0] | p[1] << 8) != 5)
                continue;
            img->is_supplementary = p[2] != 0;
            at = 3;
        }
        const uint8_t *nul = memchr(p + at, '\0', n - at);
        if (nul == NULL)
            continue;
        size_t namelen = (size_t)(nul - (p + at));
        size_t idoff = (size_t)(nul - p) + 1, idlen = n - idoff;
        if (k == 1) {
            uint64_t len = 0;
            unsigned shift = 0;
            while (idoff < n && shift < 63) {
                uint8_t b = p[idoff++];
                len |= (uint64_t)(b & 0x7f) << shift;
                shift += 7;
                if (!(b & 0x80))
                    break;
            }
            if (len > n - idoff)
                continue;
            idlen = (size_t)len;
        }
        if (img->is_supplementary || namelen == 0 || namelen > HP_MAX_NAME)
            continue;
        img->altlink = hp_xstrndup((const char *)p + at, namelen);
        img->alt_sup = k == 1;
        if (idlen > 0 && idlen <= EI_MAX_BUILD_ID)
            hexify(img->alt_build_id_hex, p + idoff, idlen);
    }
}

static int find_pie(ei_image *img, const GElf_Ehdr *eh)
{
    ei_priv *pv = PRIV(img);
    if (eh->e_type != ET_DYN)
        return 0;
    size_t phnum = 0;
    if (elf_getphdrnum(pv->elf, &phnum) == 0) {
        for (size_t i = 0; i < phnum; i++) {
            GElf_Phdr ph;
            if (gelf_getphdr(pv->elf, (int)i, &ph) && ph.p_type == PT_INTERP)
                return 1;
        }
    }
    for (size_t i = 0; i < img->nsections; i++) {
        const ei_section *s = &img->sections[i];
        if (s->type != SHT_DYNAMIC || !pv->sec_ok[i])
            continue;
        Elf_Scn *scn = elf_getscn(pv->elf, s->index);
        Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
        size_t ent = gelf_fsize(pv->elf, ELF_T_DYN, 1, EV_CURRENT);
        if (d == NULL || ent == 0)
            continue;
        for (size_t k = 0; k < d->d_size / ent; k++) {
            GElf_Dyn dyn;
            if (gelf_getdyn(d, (int)k, &dyn) == NULL || dyn.d_tag == DT_NULL)
                break;
            if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
                return 1;
        }
    }
    return 0;
}

/* ---- open / close ---- */

static int load_sections(ei_image *img, const GElf_Ehdr *eh, hp_err *err)
{
    ei_priv *pv = PRIV(img);
    size_t shnum = 0, shstrndx = 0;
    uint64_t shoff = eh->e_shoff;
    if (shoff == 0)
        return 0;               /* no section table: legal, e.g. sstripped */
    const size_t shsz = img->addr_size == 4 ? sizeof(Elf32_Shdr) : sizeof(Elf64_Shdr);
    if (eh->e_shentsize != shsz)
        return hp_errf(err, img->path, "bad section header entry size %u",
                       (unsigned)eh->e_shentsize);
    /* libelf reads section 0 for the extended count; check it first. */
    if (!in_file(shoff, shsz, img->file_size))
        return hp_errf(err, img->path, "section header table beyond end of file "
                       "(truncated file?)");
    if (elf_getshdrnum(pv->elf, &shnum) != 0)
        return hp_errf(err, img->path, "bad section header table: %s", elf_errmsg(-1));
    if (shnum > (img->file_size - shoff) / shsz)
        return hp_errf(err, img->path, "section header table (%zu entries at offset %llu) "
                       "beyond end of file (truncated file?)", shnum,
                       (unsigned long long)shoff);
    if (shnum == 0)
        return 0;
    if (elf_getshdrstrndx(pv->elf, &shstrndx) != 0 || shstrndx >= shnum)
        return hp_errf(err, img->path, "bad section name table index");

    img->sections = hp_xcalloc(shnum, sizeof *img->sections);
    pv->sec_ok = hp_xcalloc(shnum, 1);
    pv->cache = hp_xcalloc(shnum, sizeof *pv->cache);
    for (size_t i = 1; i < shnum; i++) {
        Elf_Scn *scn = elf_getscn(pv->elf, i);
        GElf_Shdr sh;
        if (scn == NULL || gelf_getshdr(scn, &sh) == NULL)
            return hp_errf(err, img->path, "cannot read section header %zu: %s", i,
                           elf_errmsg(-1));
        ei_section *s = &img->sections[img->nsections];
        const char *nm = elf_strptr(pv->elf, shstrndx, sh.sh_name);
        s->name = nm ? nm : "";
        s->index = (uint32_t)i;
        s->type = sh.sh_type;
        s->flags = sh.sh_flags;
        s->addr = sh.sh_addr;
        s->offset = sh.sh_offset;
        s->size = sh.sh_size;
        s->link = sh.sh_link;
        s->info = sh.sh_info;
        pv->sec_ok[img->nsections] = sh.sh_type == SHT_NOBITS || sh.sh_size == 0
            || in_file(sh.sh_offset, sh.sh_size, img->file_size);
        img->nsections++;
    }
    return 0;
}

/* 1 when the file carries DWARF, 0 when not, -1 when a DWARF section lies
** outside the file: the DWARF reader needs all of them, so that is fatal
** (*badname says which). */
static int check_dwarf(ei_image *img, const char **badname)
{
    ei_priv *pv = PRIV(img);
    int has = 0;
    for (size_t i = 0; i < img->nsections; i++) {
        const ei_section *s = &img->sections[i];
        if (strncmp(s->name, ".debug_", 7) != 0 && strncmp(s->name, ".zdebug_", 8) != 0)
            continue;
        if (s->type == SHT_NOBITS || s->size == 0)
            continue;
        if (!pv->sec_ok[i]) {
            *badname = s->name;
            return -1;
        }
        if (strcmp(s->name, ".debug_info") == 0 || strcmp(s->name, ".zdebug_info") == 0)
            has = 1;
    }
    return has;
}

int ei_open(const char *path, ei_image **out, hp_err *err)
{
    *out = NULL;
    /* O_NONBLOCK: opening a FIFO (or a tty-like device) for reading would
    ** otherwise wait for a writer forever; only regular files go on */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return hp_errf(err, path, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return hp_errf(err, path, "%s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return hp_errf(err, path, "%s, not an ELF file",
                       S_ISDIR(st.st_mode) ? "is a directory"
                       : S_ISFIFO(st.st_mode) ? "is a FIFO"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "is a device"
                       : "not a regular file");
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);

    /* Identify the file ourselves: clearer messages than libelf's. */
    uint8_t eh[sizeof(Elf64_Ehdr)];
    ssize_t got = pread(fd, eh, sizeof eh, 0);
    if (got < 0) {
        int e = errno;
        close(fd);
        return hp_errf(err, path, "%s", strerror(e));
    }
    const char *bad = NULL;
    if (st.st_size == 0)
        bad = "not an ELF file (empty file)";
    else if (got < SELFMAG || memcmp(eh, ELFMAG, SELFMAG) != 0)
        bad = "not an ELF file";
    else if (got < EI_NIDENT)
        bad = "truncated ELF header";
    else if (eh[EI_CLASS] != ELFCLASS64 && eh[EI_CLASS] != ELFCLASS32)
        bad = "unknown ELF class (corrupt ELF header)";
    else if (eh[EI_DATA] != ELFDATA2LSB && eh[EI_DATA] != ELFDATA2MSB)
        bad = "unknown ELF data encoding (corrupt ELF header)";
    else if ((size_t)got < (eh[EI_CLASS] == ELFCLASS32 ? sizeof(Elf32_Ehdr) : sizeof eh))
        bad = "truncated ELF header";
    if (bad) {
        close(fd);
        return hp_errf(err, path, "%s", bad);
    }

    if (elf_version(EV_CURRENT) == EV_NONE) {
        close(fd);
        return hp_errf(err, path, "libelf is out of date");
    }
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (elf == NULL) {
        close(fd);
        return hp_errf(err, path, "cannot read ELF: %s", elf_errmsg(-1));
    }

    ei_image *img = hp_xcalloc(1, sizeof *img);
    ei_priv *pv = hp_xcalloc(1, sizeof *pv);
    pthread_mutex_init(&pv->mu, NULL);
    pthread_cond_init(&pv->cv, NULL);
    img->priv = pv;
    img->path = hp_xstrdup(path);
    img->file_size = (uint64_t)st.st_size;
    img->addr_size = eh[EI_CLASS] == ELFCLASS32 ? 4 : 8;
    pv->fd = fd;
    pv->elf = elf;
    pv->ei_data = eh[EI_DATA];

    GElf_Ehdr ehdr;
    if (elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, &ehdr) == NULL) {
        hp_errf(err, path, "not a valid ELF file: %s", elf_errmsg(-1));
        goto fail;
    }
    if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN && ehdr.e_type != ET_REL) {
        hp_errf(err, path, "%s", ehdr.e_type == ET_CORE ? "is a core dump, not a program"
                : "unsupported ELF file type");
        goto fail;
    }
    img->machine = ehdr.e_machine;
    img->e_type = ehdr.e_type;
    img->arch = arch_name(ehdr.e_machine, pv->ei_data, img->addr_size == 4);

    if (ehdr.e_phoff != 0 || ehdr.e_phnum != 0) {
        size_t phnum = 0;
        const size_t phsz = img->addr_size == 4 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
        if (ehdr.e_phnum != 0 && ehdr.e_phentsize != phsz) {
            hp_errf(err, path, "bad program header entry size %u", (unsigned)ehdr.e_phentsize);
            goto fail;
        }
        if (ehdr.e_phnum != 0 && !in_file(ehdr.e_phoff, phsz, img->file_size)) {
            hp_errf(err, path, "program header table beyond end of file (truncated file?)");
            goto fail;
        }
        if (elf_getphdrnum(elf, &phnum) != 0) {
            hp_errf(err, path, "bad program header table: %s", elf_errmsg(-1));
            goto fail;
        }
        if (phnum > (img->file_size - ehdr.e_phoff) / phsz) {
            hp_errf(err, path, "program header table beyond end of file (truncated file?)");
            goto fail;
        }
    }
    if (load_sections(img, &ehdr, err))
        goto fail;

    const char *badname = NULL;
    int dw = check_dwarf(img, &badname);
    if (dw < 0) {
        hp_errf(err, path, "DWARF section %s extends beyond the end of the file "
                "(truncated file?)", badname);
        goto fail;
    }
    img->has_dwarf = dw;
    find_build_id(img);
    find_debuglink(img);
    find_altlink(img);
    img->is_pie = find_pie(img, &ehdr);
    *out = img;
    return 0;

fail:
    ei_close(img);
    return -1;
}

void ei_close(ei_image *img)
{
    if (img == NULL)
        return;
    ei_priv *pv = PRIV(img);
    if (pv) {
        if (pv->prefetching)
            pthread_join(pv->prefetch, NULL);
        free(pv->pf);
        if (pv->cache)
            for (size_t i = 0; i < img->nsections; i++)
                free(pv->cache[i].owned);
        free(pv->cache);
        free(pv->sec_ok);
        hp_arena_free(&pv->names);
        free(pv->got);
        if (pv->elf)
            elf_end(pv->elf);
        if (pv->fd >= 0)
            close(pv->fd);
        pthread_mutex_destroy(&pv->mu);
        pthread_cond_destroy(&pv->cv);
        free(pv);
    }
    free(img->sections);
    free(img->symbols);
    free(img->debuglink);
    free(img->altlink);
    free(img->path);
    free(img);
}

/* ---- symbols ---- */

/* Lower rank sorts first among symbols at one address: the name a reader
** expects (a global function) before aliases and local labels. */
static int sym_rank(const ei_symbol *s)
{
    int r = 0;
    if (s->type != STT_FUNC && s->type != STT_GNU_IFUNC)
        r += 4;
    if (s->bind == STB_WEAK)
        r += 1;
    else if (s->bind == STB_LOCAL)
        r += 2;
    return r;
}

static int cmp_addr_name(const void *a, const void *b)
{
    const ei_symbol *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    int rx = sym_rank(x), ry = sym_rank(y);
    if (rx != ry)
        return rx - ry;
    return x->size > y->size ? -1 : x->size < y->size;
}

static int cmp_final(const void *a, const void *b)
{
    const ei_symbol *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    int rx = sym_rank(x), ry = sym_rank(y);
    if (rx != ry)
        return rx - ry;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Stable sort of a short run (symbols at one address): insertion sort,
** qsort beyond a few dozen. */
static void sort_run(ei_symbol *v, size_t n, int (*cmp)(const void *, const void *))
{
    if (n > 32) {
        qsort(v, n, sizeof *v, cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        ei_symbol t = v[i];
        size_t j = i;
        while (j > 0 && cmp(&v[j - 1], &t) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

typedef struct symvec {
    ei_symbol *v;
    size_t n, cap;
} symvec;

static int read_symtab(ei_image *img, size_t pos, symvec *sv, hp_err *err)
{
    ei_priv *pv = PRIV(img);
    const ei_section *s = &img->sections[pos];
    if (!pv->sec_ok[pos])
        return hp_errf(err, img->path, "symbol table %s extends beyond the end of the file "
                       "(truncated?)", s->name);
    Elf_Scn *scn = elf_getscn(pv->elf, s->index);
    GElf_Shdr sh;
    Elf_Data *d;
    if (scn == NULL || gelf_getshdr(scn, &sh) == NULL || (d = elf_getdata(scn, NULL)) == NULL)
        return hp_errf(err, img->path, "cannot read symbol table %s: %s", s->name,
                       elf_errmsg(-1));
    size_t ent = gelf_fsize(pv->elf, ELF_T_SYM, 1, EV_CURRENT);
    size_t n = ent ? d->d_size / ent : 0;
    for (size_t i = 1; i < n; i++) {
        GElf_Sym sym;
        if (gelf_getsym(d, (int)i, &sym) == NULL)
            break;
        int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
        if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE
            && type != STT_GNU_IFUNC)
            continue;
        if (sym.st_shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS || sym.st_shndx == SHN_COMMON)
            continue;
        const char *nm = elf_strptr(pv->elf, sh.sh_link, sym.st_name);
        if (nm == NULL || nm[0] == '\0')
            continue;
        /* ARM/AArch64 mapping symbols and assembler-local labels are noise */
        if (type == STT_NOTYPE && bind == STB_LOCAL
            && (nm[0] == '$' || strncmp(nm, ".L", 2) == 0))
            continue;
        ei_symbol *e = HP_PUSH(sv->v, sv->n, sv->cap);
        e->name = nm;
        e->addr = sym.st_value;
        e->size = sym.st_size;
        e->type = (uint8_t)type;
        e->bind = (uint8_t)bind;
        e->shndx = sym.st_shndx;
        e->dynamic = s->type == SHT_DYNSYM;
    }
    return 0;
}

/* ---- PLT stubs ---- */

typedef struct gotslot {
    uint64_t addr;
    const char *name;
} gotslot;

static int cmp_slot(const void *a, const void *b)
{
    const gotslot *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static const char *slot_name(const gotslot *v, size_t n, uint64_t addr)
{
    size_t lo = hp_lower_bound(v, 0, n, sizeof *v, offsetof(gotslot, addr), addr);
    return lo < n && v[lo].addr == addr ? v[lo].name : NULL;
}

/* GOT slot -> imported name, from every dynamic relocation section whose
** symbols are in .dynsym: JUMP_SLOT (lazy PLT) and GLOB_DAT (.plt.got,
** -fno-plt). */
static void collect_slots(ei_image *img, gotslot **out, size_t *nout)
{
    ei_priv *pv = PRIV(img);
    gotslot *v = NULL;
    size_t n = 0, cap = 0;
    int jump, glob;
    if (img->machine == EM_X86_64) {
        jump = R_X86_64_JUMP_SLOT;
        glob = R_X86_64_GLOB_DAT;
    } else if (img->machine == EM_AARCH64) {
        jump = R_AARCH64_JUMP_SLOT;
        glob = R_AARCH64_GLOB_DAT;
    } else {
        *out = NULL;
        *nout = 0;
        return;
    }
    for (size_t i = 0; i < img->nsections; i++) {
        const ei_section *s = &img->sections[i];
        if ((s->type != SHT_RELA && s->type != SHT_REL) || !pv->sec_ok[i])
            continue;
        Elf_Scn *scn = elf_getscn(pv->elf, s->index);
        GElf_Shdr sh, symsh;
        Elf_Data *d, *symd;
        Elf_Scn *symscn;
        if (scn == NULL || gelf_getshdr(scn, &sh) == NULL || sh.sh_link == 0)
            continue;
        symscn = elf_getscn(pv->elf, sh.sh_link);
        if (symscn == NULL || gelf_getshdr(symscn, &symsh) == NULL
            || symsh.sh_type != SHT_DYNSYM)
            continue;
        /* the symbol table must itself be readable */
        int ok = 0;
        for (size_t k = 0; k < img->nsections; k++)
            if (img->sections[k].index == sh.sh_link)
                ok = pv->sec_ok[k];
        if (!ok || (d = elf_getdata(scn, NULL)) == NULL || (symd = elf_getdata(symscn, NULL)) == NULL)
            continue;
        int rela = s->type == SHT_RELA;
        size_t ent = gelf_fsize(pv->elf, rela ? ELF_T_RELA : ELF_T_REL, 1, EV_CURRENT);
        size_t nrel = ent ? d->d_size / ent : 0;
        for (size_t r = 0; r < nrel; r++) {
            GElf_Rela ra;
            GElf_Rel rl;
            uint64_t off, info;
            if (rela) {
                if (gelf_getrela(d, (int)r, &ra) == NULL)
                    break;
                off = ra.r_offset;
                info = ra.r_info;
            } else {
                if (gelf_getrel(d, (int)r, &rl) == NULL)
                    break;
                off = rl.r_offset;
                info = rl.r_info;
            }
            int type = (int)GELF_R_TYPE(info);
            size_t symi = GELF_R_SYM(info);
            if ((type != jump && type != glob) || symi == 0)
                continue;
            GElf_Sym sym;
            if (gelf_getsym(symd, (int)symi, &sym) == NULL)    /* bounds-checked */
                continue;
            const char *nm = elf_strptr(pv->elf, symsh.sh_link, sym.st_name);
            if (nm == NULL || nm[0] == '\0')
                continue;
            gotslot *g = HP_PUSH(v, n, cap);
            g->addr = off;
            g->name = nm;
        }
    }
    if (n)
        qsort(v, n, sizeof *v, cmp_slot);
    *out = v;
    *nout = n;
}

/* x86-64 stub: [endbr64] [bnd] jmp *disp32(%rip).  Returns the GOT slot
** and the offset just past the jump, or 0 when p is not a stub start. */
static size_t x86_stub(const uint8_t *p, size_t avail, uint64_t pc, uint64_t *slot)
{
    size_t k = 0;
    if (avail >= 4 && p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa)
        k = 4;
    if (k < avail && p[k] == 0xf2)
        k++;
    if (avail < k + 6 || p[k] != 0xff || p[k + 1] != 0x25)
        return 0;
    int32_t disp = (int32_t)le32(p + k + 2);
    *slot = pc + k + 6 + (uint64_t)(int64_t)disp;
    return k + 6;
}

/* AArch64 stub: [bti c] adrp x16, PAGE; ldr x17, [x16, #OFF]; ... */
static size_t a64_stub(const uint8_t *p, size_t avail, uint64_t pc, uint64_t *slot)
{
    size_t k = 0;
    if (avail >= 4 && le32(p) == 0xd503245f)          /* bti c */
        k = 4;
    if (avail < k + 8)
        return 0;
    uint32_t adrp = le32(p + k), ldr = le32(p + k + 4);
    if ((adrp & 0x9f00001f) != 0x90000010)            /* adrp x16 */
        return 0;
    if ((ldr & 0xffc003ff) != 0xf9400211)             /* ldr x17, [x16, #imm] */
        return 0;
    uint64_t imm = ((uint64_t)((adrp >> 5) & 0x7ffff) << 2) | ((adrp >> 29) & 3);
    if (imm & (1u << 20))
        imm |= ~(uint64_t)0 << 21;                     /* sign-extend 21 bits */
    uint64_t page = ((pc + k) & ~(uint64_t)0xfff) + (imm << 12);
    *slot = page + (uint64_t)((ldr >> 10) & 0xfff) * 8;
    return k + 8;
}

static int plt_symbols(ei_image *img, symvec *sv, hp_err *err)
{
    static const char *const plts[] = { ".plt", ".plt.sec", ".plt.got" };
    ei_priv *pv = PRIV(img);
    if (img->machine != EM_X86_64 && img->machine != EM_AARCH64)
        return 0;
    if (img->machine == EM_AARCH64 && pv->ei_data != ELFDATA2LSB)
        return 0;
    gotslot *slots;
    size_t nslots;
    collect_slots(img, &slots, &nslots);
    if (nslots == 0) {
        free(slots);
        return 0;
    }
    for (size_t k = 0; k < sizeof plts / sizeof plts[0]; k++) {
        const ei_section *s = ei_find_section(img, plts[k]);
        if (s == NULL || s->type != SHT_PROGBITS || !(s->flags & SHF_EXECINSTR))
            continue;
        const uint8_t *p = NULL;
        size_t n = 0;
        if (section_data_locked(img, s, &p, &n, err)) {
            free(slots);
            return -1;
        }
        size_t first = sv->n;
        size_t step = img->machine == EM_AARCH64 ? 4 : 1;
        for (size_t i = 0; i + step <= n; ) {
            uint64_t slot;
            size_t used = img->machine == EM_X86_64
                ? x86_stub(p + i, n - i, s->addr + i, &slot)
                : a64_stub(p + i, n - i, s->addr + i, &slot);
            const char *nm = used ? slot_name(slots, nslots, slot) : NULL;
            if (nm == NULL) {
                i += step;
                continue;
            }
            size_t len = strlen(nm);
            char *full = hp_arena_alloc(&pv->names, len + 5);
            memcpy(full, nm, len);
            memcpy(full + len, "@plt", 5);
            ei_symbol *e = HP_PUSH(sv->v, sv->n, sv->cap);
            e->name = full;
            e->addr = s->addr + i;
            e->size = n - i;            /* trimmed to the next stub below */
            e->type = STT_FUNC;
            e->bind = STB_GLOBAL;
            e->shndx = (uint16_t)(s->index < SHN_LORESERVE ? s->index : SHN_XINDEX);
            e->dynamic = 0;
            i += used;
        }
        /* Stub size: the table's entry size when the linker recorded one
        ** (GNU ld does, lld leaves 0), else the smallest distance between
        ** stubs -- not the distance to the next named stub, since unnamed
        ** IRELATIVE entries can sit in between. */
        GElf_Shdr sh;
        Elf_Scn *scn = elf_getscn(pv->elf, s->index);
        uint64_t ent = scn && gelf_getshdr(scn, &sh) ? sh.sh_entsize : 0;
        if (ent < 8 || ent > 32) {
            ent = 0;
            for (size_t j = first; j + 1 < sv->n; j++) {
                uint64_t d = sv->v[j + 1].addr - sv->v[j].addr;
                if (ent == 0 || d < ent)
                    ent = d;
            }
            if (ent < 8 || ent > 32)
                ent = 16;
        }
        for (size_t j = first; j < sv->n; j++) {
            if (sv->v[j].size > ent)
                sv->v[j].size = ent;
            if (j + 1 < sv->n && sv->v[j + 1].addr - sv->v[j].addr < sv->v[j].size)
                sv->v[j].size = sv->v[j + 1].addr - sv->v[j].addr;
        }
    }
    pv->got = slots;        /* kept for ei_got_name() */
    pv->ngot = nslots;
    return 0;
}

static int load_symbols_locked(ei_image *img, hp_err *err);

int ei_load_symbols(ei_image *img, hp_err *err)
{
    ei_priv *pv = PRIV(img);
    pthread_mutex_lock(&pv->mu);
    int rc = load_symbols_locked(img, err);
    pthread_mutex_unlock(&pv->mu);
    return rc;
}

static int load_symbols_locked(ei_image *img, hp_err *err)
{
    ei_priv *pv = PRIV(img);
    if (pv->symbols_loaded)
        return 0;
    symvec sv = {0};
    for (size_t i = 0; i < img->nsections; i++) {
        uint32_t t = img->sections[i].type;
        if ((t == SHT_SYMTAB || t == SHT_DYNSYM) && read_symtab(img, i, &sv, err)) {
            free(sv.v);
            return -1;
        }
    }
    if (plt_symbols(img, &sv, err)) {
        free(sv.v);
        return -1;
    }
    if (sv.n > 1) {
        /* By address (a radix sort: a kernel has 10^5 symbols), then each
        ** run of one address by name, to drop the same name twice (.symtab
        ** usually repeats .dynsym), then by rank for the final order. */
        hp_radix_sort(sv.v, sv.n, sizeof *sv.v, offsetof(ei_symbol, addr));
        size_t w = 0;
        for (size_t g = 0; g < sv.n;) {
            size_t e = g + 1;
            while (e < sv.n && sv.v[e].addr == sv.v[g].addr)
                e++;
            sort_run(sv.v + g, e - g, cmp_addr_name);
            size_t first = w;
            for (size_t r = g; r < e; r++) {
                if (w > first && strcmp(sv.v[r].name, sv.v[w - 1].name) == 0) {
                    sv.v[w - 1].dynamic |= sv.v[r].dynamic;   /* .dynsym's copy */
                    continue;
                }
                sv.v[w++] = sv.v[r];
            }
            sort_run(sv.v + first, w - first, cmp_final);
            g = e;
        }
        sv.n = w;
    }
    img->symbols = sv.v;
    img->nsymbols = sv.n;
    pv->symbols_loaded = 1;
    return 0;
}

/* First index whose address is > addr. */
static size_t upper_bound(const ei_image *img, uint64_t addr)
{
    return hp_upper_bound(img->symbols, 0, img->nsymbols, sizeof *img->symbols,
                          offsetof(ei_symbol, addr), addr);
}

static int contains(const ei_symbol *s, uint64_t addr)
{
    if (s->size == 0)
        return addr == s->addr;
    return addr >= s->addr && addr - s->addr < s->size;
}

const ei_symbol *ei_symbol_at(const ei_image *img, uint64_t addr)
{
    /* Walk back over a few address groups (nested or overlapping symbols,
    ** a zero-sized label after a function); within a group the preferred
    ** symbol comes first.  The bounds keep hostile tables cheap. */
    size_t end = upper_bound(img, addr);
    for (int groups = 0; end > 0 && groups < 16; groups++) {
        uint64_t a = img->symbols[end - 1].addr;
        size_t start = a == 0 ? 0 : upper_bound(img, a - 1);
        for (size_t i = start, k = 0; i < end && k < 64; i++, k++)
            if (contains(&img->symbols[i], addr))
                return &img->symbols[i];
        end = start;
    }
    return NULL;
}

const char *ei_got_name(const ei_image *img, uint64_t slot)
{
    const ei_priv *pv = PRIV(img);
    return pv->got ? slot_name(pv->got, pv->ngot, slot) : NULL;
}
