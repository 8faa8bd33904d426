/*
** disasm_check.c -- holds arch/x86_64.c's own decoder of the common x86-64
** forms to capstone's.
**
** Usage: disasm_check [-m MIN_PERMILLE] ELF...
**        disasm_check -r SEED BUFFERS
**
** Every executable section of each file is decoded twice by da_decode,
** once with the fast forms on and once with capstone alone, and the two
** da_insn sequences must be identical, field by field (the same
** instruction boundaries, kinds, operands, written registers).  Prints
** per file the instructions compared and how many of them the fast path
** decoded; exits 1 on the first difference (printed with both decodings)
** or when the fast path took fewer than MIN_PERMILLE per mille of the
** instructions (so that a fast path broken into never matching is not
** "identical" by doing nothing), 2 on a file it cannot read.
** With -r, BUFFERS buffers of random bytes (1 to 64 bytes each, from
** SEED; half of them biased towards the forms the fast path takes, with
** REX prefixes, ModRM/SIB and truncation at the end) are compared the
** same way: what no compiler emits must agree too.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "elfimg.h"

#ifndef SHF_EXECINSTR
#define SHF_EXECINSTR 0x4
#endif

static void show(const char *what, const da_insn *d)
{
    printf("  %s: addr %#llx len %u kind %u op %u dst %u src %u base %u index %u scale %u "
           "width %u disp %lld imm %lld target %#llx wmask %#x mem_ind %u\n", what,
           (unsigned long long)d->addr, d->len, d->kind, d->op, d->dst, d->src, d->base,
           d->index, d->scale, d->width, (long long)d->disp, (long long)d->imm,
           (unsigned long long)d->target, d->wmask, d->mem_ind);
}

static int check_file(const char *path, long min_permille)
{
    ei_image *img = NULL;
    hp_err err = {0};
    if (ei_open(path, &img, &err) != 0) {
        fprintf(stderr, "disasm_check: %s\n", err.msg);
        return 2;
    }
    da_ctx *fast = NULL, *slow = NULL;
    if (da_open(img->machine, &fast, &err) != 0 || da_open(img->machine, &slow, &err) != 0) {
        fprintf(stderr, "disasm_check: %s: %s\n", path, err.msg);
        da_close(fast);
        ei_close(img);
        return 2;
    }
    da_set_fast(slow, 0);
    da_insn *a = NULL, *b = NULL;
    size_t acap = 0, bcap = 0;
    unsigned long long total = 0, nfast = 0;
    int rc = 0;
    for (size_t s = 0; s < img->nsections && rc == 0; s++) {
        const ei_section *sec = &img->sections[s];
        if (!(sec->flags & SHF_EXECINSTR) || sec->size == 0)
            continue;
        const uint8_t *p;
        size_t len;
        if (ei_section_data(img, sec, &p, &len, &err) != 0 || p == NULL)
            continue;
        size_t na = 0, nb = 0;
        da_decode(fast, p, len, sec->addr, &a, &na, &acap);
        da_decode(slow, p, len, sec->addr, &b, &nb, &bcap);
        size_t n = na < nb ? na : nb;
        for (size_t i = 0; i < n; i++) {
            if (memcmp(&a[i], &b[i], sizeof a[i]) != 0) {
                printf("%s: %s: instruction %zu differs:\n", path, sec->name, i);
                show("fast    ", &a[i]);
                show("capstone", &b[i]);
                size_t off = (size_t)(b[i].addr - sec->addr);
                printf("  bytes:");
                for (size_t k = 0; k < 15 && off + k < len; k++)
                    printf(" %02x", p[off + k]);
                printf("\n");
                rc = 1;
                break;
            }
        }
        if (rc == 0 && na != nb) {
            printf("%s: %s: %zu instructions fast, %zu with capstone\n", path, sec->name, na, nb);
            rc = 1;
        }
        total += n;
        nfast += da_fast_count(fast);
        da_fast_reset(fast);
    }
    printf("%s: %llu instructions compared, %llu (%.1f%%) by the fast path\n", path, total,
           nfast, total ? 100.0 * (double)nfast / (double)total : 0.0);
    if (rc == 0 && total > 0 && (long long)(nfast * 1000 / total) < min_permille) {
        printf("%s: the fast path decoded fewer than %ld per mille\n", path, min_permille);
        rc = 1;
    }
    free(a);
    free(b);
    da_close(fast);
    da_close(slow);
    ei_close(img);
    return rc;
}

/* xorshift64*: the same buffers on every machine */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static int check_random(uint64_t seed, long count)
{
    static const uint8_t common[] = { 0x89, 0x8b, 0x8d, 0x85, 0x39, 0x3b, 0x31, 0x33, 0x29,
                                       0x2b, 0x01, 0x03, 0x83, 0x81, 0xc7, 0xb8, 0xbf, 0x50,
                                       0x5f, 0xe8, 0xe9, 0xeb, 0x74, 0x0f, 0xc3, 0xcc,
                                       0xc1, 0x63, 0xff, 0x84, 0x38, 0x3a, 0xf6, 0x80,
                                       0x3c, 0xa8, 0x3d, 0xa9, 0x90 };
    /* second bytes after 0x0f: jcc rel32 (0x80-0x8f), movzx, movsx, nop */
    static const uint8_t common0f[] = { 0x80, 0x84, 0x85, 0x8f, 0xb6, 0xb7, 0xbe, 0xbf, 0x1f };
    hp_err err = {0};
    da_ctx *fast = NULL, *slow = NULL;
    if (da_open(62, &fast, &err) != 0 || da_open(62, &slow, &err) != 0) {
        fprintf(stderr, "disasm_check: %s\n", err.msg);
        return 2;
    }
    da_set_fast(slow, 0);
    uint64_t s = seed ? seed : 1;
    da_insn *a = NULL, *b = NULL;
    size_t acap = 0, bcap = 0;
    unsigned long long total = 0;
    int rc = 0;
    for (long k = 0; k < count && rc == 0; k++) {
        uint8_t buf[64];
        size_t len = 1 + (size_t)(rnd(&s) % sizeof buf);
        for (size_t j = 0; j < len; j++)
            buf[j] = (uint8_t)rnd(&s);
        if (k & 1) {            /* a likely REX, then a common opcode */
            size_t j = 0;
            if (len > 1 && (rnd(&s) & 1))
                buf[j++] = (uint8_t)(0x40 | (rnd(&s) & 15));
            buf[j] = common[rnd(&s) % sizeof common];
            if (buf[j] == 0x0f && j + 1 < len && (rnd(&s) & 1))
                buf[j + 1] = common0f[rnd(&s) % sizeof common0f];
        }
        uint64_t addr = rnd(&s) & ~0xfffull;
        size_t na = 0, nb = 0;
        da_decode(fast, buf, len, addr, &a, &na, &acap);
        da_decode(slow, buf, len, addr, &b, &nb, &bcap);
        for (size_t i = 0; i < na && i < nb && rc == 0; i++) {
            if (memcmp(&a[i], &b[i], sizeof a[i]) != 0) {
                printf("random buffer %ld: instruction %zu differs:\n", k, i);
                show("fast    ", &a[i]);
                show("capstone", &b[i]);
                printf("  bytes:");
                for (size_t j = 0; j < len; j++)
                    printf(" %02x", buf[j]);
                printf("\n");
                rc = 1;
            }
        }
        if (rc == 0 && na != nb) {
            printf("random buffer %ld: %zu instructions fast, %zu with capstone\n", k, na, nb);
            rc = 1;
        }
        total += na < nb ? na : nb;
    }
    printf("random: %ld buffers, %llu instructions compared, %llu by the fast path\n", count,
           total, (unsigned long long)da_fast_count(fast));
    if (rc == 0 && da_fast_count(fast) == 0)
        rc = 1;
    free(a);
    free(b);
    da_close(fast);
    da_close(slow);
    return rc;
}

int main(int argc, char **argv)
{
    long min_permille = 0;
    int i = 1;
    if (argc == 4 && strcmp(argv[1], "-r") == 0)
        return check_random(strtoull(argv[2], NULL, 10), strtol(argv[3], NULL, 10));
    if (i + 1 < argc && strcmp(argv[i], "-m") == 0) {
        min_permille = strtol(argv[i + 1], NULL, 10);
        i += 2;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: disasm_check [-m MIN_PERMILLE] ELF...\n");
        return 2;
    }
    int rc = 0;
    for (; i < argc && rc == 0; i++)
        rc = check_file(argv[i], min_permille);
    return rc;
}
