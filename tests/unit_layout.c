/*
** unit_layout.c -- unit tests for src/layout.c on hand-built layouts.
**
** Contract: a standalone program (no framework, no files, no DWARF).  It
** prints "PASS name" or "FAIL name: expected X got Y" for every check, then
** "N passed, M failed", and exits 1 if anything failed.
**
** The expected hole numbers are pahole 1.24's, not guesses: each case
** quotes the C (or C++) it mirrors, which was compiled with gcc 12 / g++ 12
** -g on x86-64 and run through pahole; the member offsets below are the
** ones pahole printed.  Where holeprof deliberately differs from pahole
** (overlapping members, unions; see the design note in layout.c) the case
** says so and states what pahole printed.  Reorder results were checked by
** compiling the suggested order with gcc and taking sizeof.
**
** The last sections are property tests over generated layouts (laid out
** by the x86-64 SysV rules, bitfields included) and robustness tests over
** hostile values; they must run clean under -fsanitize=address,undefined.
*/
#include "layout.h"
#include "hp.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int npass, nfail;
static const char *cur_case = "";

static void check_u(const char *what, uint64_t expected, uint64_t got)
{
    if (expected == got) {
        printf("PASS %s.%s\n", cur_case, what);
        npass++;
    } else {
        printf("FAIL %s.%s: expected %" PRIu64 " got %" PRIu64 "\n",
               cur_case, what, expected, got);
        nfail++;
    }
}

static void check_s(const char *what, const char *expected, const char *got)
{
    if (strcmp(expected, got) == 0) {
        printf("PASS %s.%s\n", cur_case, what);
        npass++;
    } else {
        printf("FAIL %s.%s: expected \"%s\" got \"%s\"\n",
               cur_case, what, expected, got);
        nfail++;
    }
}

/* Checks inside loops report only failures, then one summary line, so a
** property test over thousands of layouts does not print thousands of
** PASS lines. */
static int quiet_fail(const char *what, uint64_t i, uint64_t expected, uint64_t got)
{
    printf("FAIL %s.%s[%" PRIu64 "]: expected %" PRIu64 " got %" PRIu64 "\n",
           cur_case, what, i, expected, got);
    return 1;
}

/* ---- building layouts by hand ---- */

#define TB_MAX 64

typedef struct tb {
    lay_type t;
    lay_member m[TB_MAX];
} tb;

static void tb_init(tb *b, lay_kind kind, const char *name, uint64_t size)
{
    memset(b, 0, sizeof *b);
    b->t.kind = kind;
    b->t.name = name;
    b->t.size = size;
    b->t.lang = LANG_C;
    b->t.members = b->m;
    cur_case = name;
}

static lay_member *tb_add(tb *b, const char *name, uint64_t off, uint64_t size,
                          uint32_t align)
{
    if (b->t.nmembers >= TB_MAX) {
        fprintf(stderr, "unit_layout: too many members in %s\n", b->t.name);
        exit(2);
    }
    lay_member *m = &b->m[b->t.nmembers++];
    m->name = name;
    m->type_name = "t";
    m->offset = off;
    m->size = size;
    m->bitpos = off * 8;
    m->align = align;
    return m;
}

/* A bitfield as a loader records it: storage unit offset and size (the
** declared type), absolute first bit, width. */
static lay_member *tb_bf(tb *b, const char *name, uint64_t unit_off,
                         uint64_t unit_size, uint64_t bitpos, uint32_t bits)
{
    lay_member *m = tb_add(b, name, unit_off, unit_size, (uint32_t)unit_size);
    m->bitpos = bitpos;
    m->bit_offset = (uint32_t)(bitpos - unit_off * 8);
    m->bit_size = bits;
    m->flags |= MF_BITFIELD;
    return m;
}

/* The pahole summary numbers of one struct. */
static void check_holes(const lay_type *t, uint64_t size, uint32_t holes,
                        uint64_t sum_holes, uint32_t bit_holes,
                        uint64_t sum_bit_holes, uint64_t padding)
{
    check_u("size", size, t->size);
    check_u("holes", holes, t->holes);
    check_u("sum_holes", sum_holes, t->hole_bytes);
    check_u("bit_holes", bit_holes, t->bit_holes);
    check_u("sum_bit_holes", sum_bit_holes, t->bit_hole_bits);
    check_u("padding", padding, t->tail_padding);
}

/* The suggested order as "name,name,...". */
static const char *order_names(const lay_type *t, uint64_t *size)
{
    static char buf[1024];
    uint32_t order[TB_MAX];
    size_t len = 0;
    uint64_t s = lay_optimal_order(t, order);
    if (size)
        *size = s;
    buf[0] = '\0';
    for (uint32_t i = 0; i < t->nmembers && i < TB_MAX; i++) {
        const char *n = t->members[order[i]].name;
        int w = snprintf(buf + len, sizeof buf - len, "%s%s", i ? "," : "",
                         n ? n : "?");
        if (w < 0 || (size_t)w >= sizeof buf - len)
            break;
        len += (size_t)w;
    }
    return buf;
}

static const char *member_names(const lay_type *t)
{
    static char buf[1024];
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < t->nmembers; i++) {
        int w = snprintf(buf + len, sizeof buf - len, "%s%s", i ? "," : "",
                         t->members[i].name);
        if (w < 0 || (size_t)w >= sizeof buf - len)
            break;
        len += (size_t)w;
    }
    return buf;
}

/* ---- hand-built cases ---- */

static void test_simple_holes(void)
{
    /* struct s1 { char a; int b; char c; };
    ** pahole: size 12, holes 1, sum holes 3, padding 3 */
    tb b;
    tb_init(&b, LAY_STRUCT, "s1", 12);
    tb_add(&b, "a", 0, 1, 1);
    tb_add(&b, "b", 4, 4, 4);
    tb_add(&b, "c", 8, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 12, 1, 3, 0, 0, 3);
    check_u("a.hole_after", 3, b.m[0].hole_after);
    check_u("b.hole_after", 0, b.m[1].hole_after);
    check_u("align", 4, b.t.align);
    check_u("packed", 0, b.t.flags & TF_PACKED);
    check_u("cachelines", 1, b.t.cachelines);
    check_u("optimal", 8, b.t.optimal_size);
    uint64_t sz;
    check_s("order", "b,a,c", order_names(&b.t, &sz));
    check_u("order_size", 8, sz);
}

static void test_no_holes(void)
{
    /* struct nh { long a; int b; short c; char d; char e; };  size 16 */
    tb b;
    tb_init(&b, LAY_STRUCT, "no_holes", 16);
    tb_add(&b, "a", 0, 8, 8);
    tb_add(&b, "b", 8, 4, 4);
    tb_add(&b, "c", 12, 2, 2);
    tb_add(&b, "d", 14, 1, 1);
    tb_add(&b, "e", 15, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 16, 0, 0, 0, 0, 0);
    check_u("optimal", 16, b.t.optimal_size);
    check_s("order_is_identity", "a,b,c,d,e", order_names(&b.t, NULL));
}

static void test_tail_padding(void)
{
    /* struct s3 { long a; char b; };  pahole: size 16, padding 7 */
    tb b;
    tb_init(&b, LAY_STRUCT, "s3", 16);
    tb_add(&b, "a", 0, 8, 8);
    tb_add(&b, "b", 8, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 16, 0, 0, 0, 0, 7);
    check_u("optimal", 16, b.t.optimal_size);
}

static void test_bitfields(void)
{
    tb b;

    /* struct s2 { unsigned a:3; unsigned b:5; char c; int d:7; long e; };
    ** pahole: a 0:0 4, b 0:3 4, c 1 1, d 0:16 4, e 8 8; size 16,
    ** holes 1 sum 4, bit holes 1 sum 9 (after d), no padding */
    tb_init(&b, LAY_STRUCT, "s2", 16);
    tb_bf(&b, "a", 0, 4, 0, 3);
    tb_bf(&b, "b", 0, 4, 3, 5);
    tb_add(&b, "c", 1, 1, 1);
    tb_bf(&b, "d", 0, 4, 16, 7);
    tb_add(&b, "e", 8, 8, 8);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 16, 1, 4, 1, 9, 0);
    check_u("d.bit_hole_after", 9, b.m[3].bit_hole_after);
    check_u("d.hole_after", 4, b.m[3].hole_after);
    check_u("bit_padding", 0, b.t.bit_padding);
    check_u("packed", 0, b.t.flags & TF_PACKED);

    /* struct s10 { unsigned long a:60; unsigned long b:10; char c; };
    ** pahole: a 0:0 8, b 8:0 8, c 10 1; size 16; bit holes 2 sum 10;
    ** padding 5 */
    tb_init(&b, LAY_STRUCT, "s10", 16);
    tb_bf(&b, "a", 0, 8, 0, 60);
    tb_bf(&b, "b", 8, 8, 64, 10);
    tb_add(&b, "c", 10, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 16, 0, 0, 2, 10, 5);
    check_u("a.bit_hole_after", 4, b.m[0].bit_hole_after);
    check_u("b.bit_hole_after", 6, b.m[1].bit_hole_after);

    /* struct c6 { short a; char b:3; int c:20; char d; };
    ** pahole: a 0 2, b 2:0 1, c 4:0 4, d 7 1; size 8; holes 1 sum 1;
    ** bit holes 2 sum 9 */
    tb_init(&b, LAY_STRUCT, "c6", 8);
    tb_add(&b, "a", 0, 2, 2);
    tb_bf(&b, "b", 2, 1, 16, 3);
    tb_bf(&b, "c", 4, 4, 32, 20);
    tb_add(&b, "d", 7, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 8, 1, 1, 2, 9, 0);
    check_u("b.bit_hole_after", 5, b.m[1].bit_hole_after);
    check_u("b.hole_after", 1, b.m[1].hole_after);
    check_u("c.bit_hole_after", 4, b.m[2].bit_hole_after);

    /* struct c7 { unsigned long a:4; char b; unsigned long c:4; };
    ** pahole: a 0:0 8, b 1 1, c 0:16 8; size 8; bit holes 1 sum 4;
    ** bit_padding 44 */
    tb_init(&b, LAY_STRUCT, "c7", 8);
    tb_bf(&b, "a", 0, 8, 0, 4);
    tb_add(&b, "b", 1, 1, 1);
    tb_bf(&b, "c", 0, 8, 16, 4);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 8, 0, 0, 1, 4, 0);
    check_u("bit_padding", 44, b.t.bit_padding);

    /* struct c1 { unsigned :4; unsigned a:4; };  (unnamed bitfields are
    ** not in DWARF) pahole: a 0:4 4; bit holes 1 sum 4 (before a);
    ** bit_padding 24 */
    tb_init(&b, LAY_STRUCT, "c1", 4);
    tb_bf(&b, "a", 0, 4, 4, 4);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 4, 0, 0, 1, 4, 0);
    check_u("pre_bit_hole", 4, b.t.pre_bit_hole);
    check_u("bit_padding", 24, b.t.bit_padding);

    /* struct c2 { char :8; char :8; int a; char b; };
    ** pahole: a 4 4, b 8 1; holes 1 sum 4 (before a); padding 3 */
    tb_init(&b, LAY_STRUCT, "c2", 12);
    tb_add(&b, "a", 4, 4, 4);
    tb_add(&b, "b", 8, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 12, 1, 4, 0, 0, 3);
    check_u("pre_hole", 4, b.t.pre_hole);
    check_u("optimal_keeps_leading_space", 12, b.t.optimal_size);

    /* struct r59 { unsigned short :9; unsigned short m0:14; };
    ** pahole: m0 2:0 2, "XXX 2 bytes hole" before it, bit_padding 2.
    ** (pahole 1.24 prints no "holes:" summary line for a struct whose
    ** only members are bitfields, but the hole is the same.) */
    tb_init(&b, LAY_STRUCT, "r59", 4);
    tb_bf(&b, "m0", 2, 2, 16, 14);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 4, 1, 2, 0, 0, 0);
    check_u("pre_hole", 2, b.t.pre_hole);
    check_u("bit_padding", 2, b.t.bit_padding);

    /* struct grp { unsigned a:4; unsigned b:4; long l; char c; };
    ** pahole: a 0:0 4, b 0:4 4, l 8 8, c 16 1; size 24; holes 1 sum 4;
    ** bit holes 1 sum 24; padding 7.  The group {a,b} must move as one:
    ** struct { long l; unsigned a:4; unsigned b:4; char c; } is 16. */
    tb_init(&b, LAY_STRUCT, "grp", 24);
    tb_bf(&b, "a", 0, 4, 0, 4);
    tb_bf(&b, "b", 0, 4, 4, 4);
    tb_add(&b, "l", 8, 8, 8);
    tb_add(&b, "c", 16, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 24, 1, 4, 1, 24, 7);
    uint64_t sz;
    check_s("order_keeps_group", "l,a,b,c", order_names(&b.t, &sz));
    check_u("optimal", 16, b.t.optimal_size);
    check_u("order_size", 16, sz);
}

static void test_greedy_fill(void)
{
    /* struct fill { unsigned long f:4; long l1; short s; long l2; int i; };
    ** pahole: f 0:0 8, l1 8, s 16, l2 24, i 32; size 40; holes 1 sum 6;
    ** bit holes 1 sum 60; padding 4.
    ** Sorted by alignment: l1,l2,f (1 byte, align 8),i,s -> 32 bytes;
    ** filling the gap before i with s: l1,l2,f,s,i -> 24 (gcc: sizeof 24,
    ** the plain order compiles to 32). */
    tb b;
    tb_init(&b, LAY_STRUCT, "fill", 40);
    tb_bf(&b, "f", 0, 8, 0, 4);
    tb_add(&b, "l1", 8, 8, 8);
    tb_add(&b, "s", 16, 2, 2);
    tb_add(&b, "l2", 24, 8, 8);
    tb_add(&b, "i", 32, 4, 4);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 40, 1, 6, 1, 60, 4);
    uint64_t sz;
    check_s("order", "l1,l2,f,s,i", order_names(&b.t, &sz));
    check_u("optimal", 24, b.t.optimal_size);
}

static void test_unions(void)
{
    tb b;

    /* union u1 { char a; int b; long c; }: no holes, no padding */
    tb_init(&b, LAY_UNION, "u1", 8);
    tb_add(&b, "a", 0, 1, 1);
    tb_add(&b, "b", 0, 4, 4);
    tb_add(&b, "c", 0, 8, 8);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 8, 0, 0, 0, 0, 0);
    check_u("align", 8, b.t.align);
    check_u("optimal", 8, b.t.optimal_size);
    check_s("order_is_identity", "a,b,c", order_names(&b.t, NULL));

    /* union u2 { char a[5]; int b; }: size 8.  pahole prints no padding
    ** for unions; we count the 3 bytes no member covers (layout.c, 3). */
    tb_init(&b, LAY_UNION, "u2", 8);
    tb_add(&b, "a", 0, 5, 1);
    tb_add(&b, "b", 0, 4, 4);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 8, 0, 0, 0, 0, 3);
    check_u("packed", 0, b.t.flags & TF_PACKED);

    /* union { unsigned a:3; char b; }: size 4, a bitfield covers 1 byte */
    tb_init(&b, LAY_UNION, "u_bits", 4);
    tb_bf(&b, "a", 0, 4, 0, 3);
    tb_add(&b, "b", 0, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 4, 0, 0, 0, 0, 3);
}

static void test_packed(void)
{
    tb b;

    /* struct __attribute__((packed)) p1 { char a; int b; short c; };
    ** pahole: a 0, b 1, c 5; size 7, no holes, no padding, __packed__ */
    tb_init(&b, LAY_STRUCT, "p1", 7);
    tb_add(&b, "a", 0, 1, 1);
    tb_add(&b, "b", 1, 4, 4);
    tb_add(&b, "c", 5, 2, 2);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 7, 0, 0, 0, 0, 0);
    check_u("packed", TF_PACKED, b.t.flags & TF_PACKED);
    check_u("align", 1, b.t.align);
    check_u("optimal", 7, b.t.optimal_size);
    check_s("order_is_identity", "a,b,c", order_names(&b.t, NULL));

    /* struct __attribute__((packed)) c8 { char a; long b:40; long c:30;
    ** char d; };  pahole: a 0, b 0:8 8, c 0:48 8 (straddles its unit),
    ** d 10; size 11; bit holes 1 sum 2 */
    tb_init(&b, LAY_STRUCT, "c8", 11);
    tb_add(&b, "a", 0, 1, 1);
    tb_bf(&b, "b", 0, 8, 8, 40);
    tb_bf(&b, "c", 0, 8, 48, 30);
    tb_add(&b, "d", 10, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 11, 0, 0, 1, 2, 0);
    check_u("packed", TF_PACKED, b.t.flags & TF_PACKED);
    check_u("optimal", 11, b.t.optimal_size);

    /* struct __attribute__((packed)) p2 { char a; unsigned b:30;
    ** unsigned c:20; };  pahole: a 0, b 0:8 4, c 4:6 4; size 8;
    ** bit_padding 6.  pahole does not see it as packed; b leaving its
    ** 4-byte unit tells us. */
    tb_init(&b, LAY_STRUCT, "p2", 8);
    tb_add(&b, "a", 0, 1, 1);
    tb_bf(&b, "b", 0, 4, 8, 30);
    tb_bf(&b, "c", 4, 4, 38, 20);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 8, 0, 0, 0, 0, 0);
    check_u("bit_padding", 6, b.t.bit_padding);
    check_u("packed", TF_PACKED, b.t.flags & TF_PACKED);

    /* Only a zero-size member is "misaligned": struct { char c;
    ** struct {} e; long z[0]; } as GNU C lays it out (z at 8, size 8) is
    ** not packed, and a zero-size member at an odd offset is ignored. */
    tb_init(&b, LAY_STRUCT, "zero_not_packed", 8);
    tb_add(&b, "c", 0, 1, 1);
    tb_add(&b, "e", 1, 0, 8);
    tb_add(&b, "z", 8, 0, 8);
    lay_compute(&b.t, 64);
    check_u("packed", 0, b.t.flags & TF_PACKED);
    check_u("align", 8, b.t.align);
    check_holes(&b.t, 8, 1, 7, 0, 0, 0);

    /* A given alignment below the members' own means packing. */
    tb_init(&b, LAY_STRUCT, "align_below_natural", 8);
    b.t.align = 1;
    tb_add(&b, "a", 0, 4, 4);
    tb_add(&b, "b", 4, 4, 4);
    lay_compute(&b.t, 64);
    check_u("packed", TF_PACKED, b.t.flags & TF_PACKED);
}

static void test_aligned64(void)
{
    /* struct s5 { char a; _Alignas(64) int b; char c; };
    ** pahole: a 0, b 64, c 68; size 128, cachelines 2; holes 1 sum 63;
    ** padding 59.  struct { _Alignas(64) int b; char a; char c; } would
    ** have sizeof 64, but b is aligned to a cacheline on purpose: it starts
    ** a layout group, a stays before it, so nothing is gained. */
    tb b;
    tb_init(&b, LAY_STRUCT, "s5", 128);
    b.t.flags |= TF_EXPLICIT_ALIGN;
    tb_add(&b, "a", 0, 1, 1);
    tb_add(&b, "b", 64, 4, 64)->flags |= MF_ALIGNED;
    tb_add(&b, "c", 68, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 128, 1, 63, 0, 0, 59);
    check_u("cachelines", 2, b.t.cachelines);
    check_u("b.cacheline", 1, b.m[1].cacheline);
    check_u("align", 64, b.t.align);
    check_s("order", "a,b,c", order_names(&b.t, NULL));
    check_u("optimal", 128, b.t.optimal_size);
    check_u("b.group_start", MF_GROUP_START, b.m[1].flags & MF_GROUP_START);
    check_u("packed", 0, b.t.flags & TF_PACKED);
}

static void test_flex(void)
{
    tb b;

    /* struct s6 { int n; char c; long data[]; };
    ** pahole: n 0, c 4, data 8 (size 0); size 8; holes 1 sum 3; no
    ** padding */
    tb_init(&b, LAY_STRUCT, "s6", 8);
    b.t.flags |= TF_FLEX;
    tb_add(&b, "n", 0, 4, 4);
    tb_add(&b, "c", 4, 1, 1);
    tb_add(&b, "data", 8, 0, 8)->flags |= MF_FLEX;
    lay_compute(&b.t, 64);
    check_holes(&b.t, 8, 1, 3, 0, 0, 0);
    check_u("optimal", 8, b.t.optimal_size);

    /* struct s7 { int n; char c; char data[0]; };
    ** pahole: data 5 (size 0); size 8; padding 3 */
    tb_init(&b, LAY_STRUCT, "s7", 8);
    tb_add(&b, "n", 0, 4, 4);
    tb_add(&b, "c", 4, 1, 1);
    tb_add(&b, "data", 5, 0, 1)->flags |= MF_FLEX;
    lay_compute(&b.t, 64);
    check_holes(&b.t, 8, 0, 0, 0, 0, 3);

    /* struct flex { char c; long x; int n; long data[]; };
    ** pahole: c 0, x 8, n 16, data 24; size 24; holes 2 sum 11.
    ** Reordered x,n,c,data: gcc sizeof 16; data stays last. */
    tb_init(&b, LAY_STRUCT, "flex", 24);
    tb_add(&b, "c", 0, 1, 1);
    tb_add(&b, "x", 8, 8, 8);
    tb_add(&b, "n", 16, 4, 4);
    tb_add(&b, "data", 24, 0, 8)->flags |= MF_FLEX;
    lay_compute(&b.t, 64);
    check_holes(&b.t, 24, 2, 11, 0, 0, 0);
    check_s("order_flex_last", "x,n,c,data", order_names(&b.t, NULL));
    check_u("optimal", 16, b.t.optimal_size);
}

static void test_base_vptr(void)
{
    /* struct B { int i; };
    ** struct P : B { virtual ~P(); char c; long l; char d; };
    ** g++: _vptr.P 0, B 8 (size 4), c 12, l 16, d 24; size 32.
    ** DWARF lists the base before the vptr; sorted, there is one 3-byte
    ** hole after c and 7 bytes of padding.  (pahole 1.24 walks DWARF
    ** order and prints "65524 bytes hole".)  Bases and vptr stay first;
    ** struct P2 : B { virtual ~P2(); char c; char d; long l; } is 24. */
    tb b;
    tb_init(&b, LAY_CLASS, "P", 32);
    b.t.lang = LANG_CXX;
    b.t.flags |= TF_HAS_VPTR;
    tb_add(&b, "B", 8, 4, 4)->flags |= MF_BASE;
    tb_add(&b, "_vptr.P", 0, 8, 8)->flags |= MF_VPTR | MF_ARTIFICIAL;
    tb_add(&b, "c", 12, 1, 1);
    tb_add(&b, "l", 16, 8, 8);
    tb_add(&b, "d", 24, 1, 1);
    lay_compute(&b.t, 64);
    check_s("sorted", "_vptr.P,B,c,l,d", member_names(&b.t));
    check_holes(&b.t, 32, 1, 3, 0, 0, 7);
    check_s("order_prefix_first", "_vptr.P,B,c,d,l", order_names(&b.t, NULL));
    check_u("optimal", 24, b.t.optimal_size);

    /* A base of 12 bytes (struct { int a, b, c; }) followed by longs:
    ** the gap before the first long is filled by the int. */
    tb_init(&b, LAY_CLASS, "base12", 32);
    tb_add(&b, "Base", 0, 12, 4)->flags |= MF_BASE;
    tb_add(&b, "x", 16, 8, 8);
    tb_add(&b, "n", 24, 4, 4);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 32, 1, 4, 0, 0, 4);
    check_s("order", "Base,n,x", order_names(&b.t, NULL));
    check_u("optimal", 24, b.t.optimal_size);
}

static void test_virtual_base(void)
{
    /* struct B { long l; char c; };  struct VB : virtual B { char d; };
    ** g++: _vptr.VB 0, d 8, virtual base B (offset not constant); size 32.
    ** pahole skips the virtual base: no holes, padding 23. */
    tb b;
    tb_init(&b, LAY_CLASS, "VB", 32);
    b.t.flags |= TF_VIRTUAL_BASE | TF_HAS_VPTR;
    tb_add(&b, "B", 0, 16, 8)->flags |= MF_BASE | MF_VIRTUAL;
    tb_add(&b, "_vptr.VB", 0, 8, 8)->flags |= MF_VPTR;
    tb_add(&b, "d", 8, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 32, 0, 0, 0, 0, 23);
    check_u("optimal", 32, b.t.optimal_size);
}

static void test_out_of_order(void)
{
    /* A Rust struct lists fields in source order with reordered offsets:
    ** struct S { a: u8, b: u64, c: u32 } is b@0, c@8, a@12, size 16. */
    tb b;
    tb_init(&b, LAY_STRUCT, "rust_S", 16);
    b.t.lang = LANG_RUST;
    tb_add(&b, "a", 12, 1, 1);
    tb_add(&b, "b", 0, 8, 8);
    tb_add(&b, "c", 8, 4, 4);
    lay_compute(&b.t, 64);
    check_s("sorted", "b,c,a", member_names(&b.t));
    check_holes(&b.t, 16, 0, 0, 0, 0, 3);
    check_u("optimal", 16, b.t.optimal_size);
    uint64_t h1 = b.t.hash;

    tb_init(&b, LAY_STRUCT, "rust_S", 16);
    b.t.lang = LANG_RUST;
    tb_add(&b, "b", 0, 8, 8);
    tb_add(&b, "c", 8, 4, 4);
    tb_add(&b, "a", 12, 1, 1);
    lay_compute(&b.t, 64);
    check_u("hash_independent_of_input_order", h1, b.t.hash);

    /* Stable: equal offsets keep their input order.  struct c10 { int
    ** a[0]; char b; }: pahole a 0 (size 0), b 0; size 4, padding 3. */
    tb_init(&b, LAY_STRUCT, "c10", 4);
    tb_add(&b, "a", 0, 0, 4);
    tb_add(&b, "b", 0, 1, 1);
    lay_compute(&b.t, 64);
    check_s("stable", "a,b", member_names(&b.t));
    check_holes(&b.t, 4, 0, 0, 0, 0, 3);
    check_u("optimal", 4, b.t.optimal_size);
}

static void test_empty(void)
{
    tb b;

    /* struct s9 {};  (GNU C) pahole: size 0, cachelines 0 */
    tb_init(&b, LAY_STRUCT, "s9", 0);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 0, 0, 0, 0, 0, 0);
    check_u("cachelines", 0, b.t.cachelines);
    check_u("optimal", 0, b.t.optimal_size);
    check_u("align", 1, b.t.align);

    /* struct Empty {};  (C++) pahole: size 1, padding 1 */
    tb_init(&b, LAY_STRUCT, "Empty", 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 1, 0, 0, 0, 0, 1);
    check_u("cachelines", 1, b.t.cachelines);
    check_u("optimal", 1, b.t.optimal_size);
}

static void test_overlap(void)
{
    tb b;

    /* struct Empty {};  struct D1 : Empty { int x; char c; };
    ** g++: Empty base at 0 (empty base optimisation), x 0, c 4; size 8.
    ** pahole: no holes, padding 3 -- with the base as size 1 or 0. */
    tb_init(&b, LAY_STRUCT, "D1", 8);
    tb_add(&b, "Empty", 0, 1, 1)->flags |= MF_BASE;
    tb_add(&b, "x", 0, 4, 4);
    tb_add(&b, "c", 4, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 8, 0, 0, 0, 0, 3);
    check_u("optimal", 8, b.t.optimal_size);

    /* struct NUA { int a; [[no_unique_address]] Empty e; char c; };
    ** g++: a 0, e 0, c 4; size 8.  pahole 1.24: "65532 bytes hole"
    ** after a and a 4-byte hole after e (holes 2, sum 65536).  We see
    ** an overlap and no hole (layout.c, difference 1). */
    tb_init(&b, LAY_STRUCT, "NUA", 8);
    tb_add(&b, "a", 0, 4, 4);
    tb_add(&b, "e", 0, 1, 1);
    tb_add(&b, "c", 4, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 8, 0, 0, 0, 0, 3);

    /* Derived member in a non-POD base's tail padding:
    ** struct NonPodBase { NonPodBase(); int b; char c; };
    ** struct NonPodDerived : NonPodBase { char d; };
    ** g++: base 0 (size 8), d 5; size 8.  Coverage restarts at d, so bytes
    ** 6-7 are tail padding (pahole: a 65533-byte hole, then padding 2). */
    tb_init(&b, LAY_CLASS, "NonPodDerived", 8);
    tb_add(&b, "NonPodBase", 0, 8, 4)->flags |= MF_BASE;
    tb_add(&b, "d", 5, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 8, 0, 0, 0, 0, 2);
    check_u("optimal_not_worse", 8, b.t.optimal_size);

    /* The same with a bigger base: struct B { B(); long l; char c; };
    ** struct D : B { char e; };  g++: B 0 (size 16), e 9; size 16. */
    tb_init(&b, LAY_CLASS, "tail_reuse", 16);
    tb_add(&b, "B", 0, 16, 8)->flags |= MF_BASE;
    tb_add(&b, "e", 9, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 16, 0, 0, 0, 0, 6);
    check_u("optimal_not_worse", 16, b.t.optimal_size);

    /* struct VBase { long v; };  struct VLeft : virtual VBase { int x; };
    ** struct VRight : virtual VBase { int y; };
    ** struct Diamond : VLeft, VRight { int z; };
    ** g++: VLeft 0 (sizeof 24, non-virtual part 12), VRight 16 (sizeof
    ** 24, non-virtual 12), z 28, VBase 32-39 (not listed); size 40.
    ** With the non-virtual sizes as data_size: a 4-byte hole at 12-15 and
    ** the shared VBase's 8 bytes as tail padding.  (pahole 1.24: holes of
    ** 65528 and 65524 bytes, padding 8.) */
    tb_init(&b, LAY_CLASS, "Diamond", 40);
    b.t.flags |= TF_HAS_VPTR;
    lay_member *vl = tb_add(&b, "VLeft", 0, 24, 8);
    vl->flags |= MF_BASE;
    vl->data_size = 12;
    lay_member *vr = tb_add(&b, "VRight", 16, 24, 8);
    vr->flags |= MF_BASE;
    vr->data_size = 12;
    tb_add(&b, "z", 28, 4, 4);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 40, 1, 4, 0, 0, 8);
    check_u("VLeft.hole_after", 4, b.m[0].hole_after);
    check_u("optimal", 40, b.t.optimal_size);

    /* Without data_size the bases' whole sizeof counts as covered: each
    ** later base or member reuses the earlier one's "tail", no hole. */
    b.m[0].data_size = 0;
    b.m[1].data_size = 0;
    lay_compute(&b.t, 64);
    check_holes(&b.t, 40, 0, 0, 0, 0, 8);
    check_u("optimal_without_data_size", 40, b.t.optimal_size);

    /* data_size is ignored when not below size */
    tb_init(&b, LAY_STRUCT, "data_size_ignored", 16);
    tb_add(&b, "a", 0, 8, 8)->data_size = 99;
    tb_add(&b, "c", 8, 1, 1);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 16, 0, 0, 0, 0, 7);
}

static void test_rust_enum(void)
{
    /* enum E { A(u8), B(u64) }: discriminant u8 at 0, A.0 at 1,
    ** B.0 at 8; size 16.  Members overlap by design: no holes. */
    tb b;
    tb_init(&b, LAY_ENUM_DATA, "E", 16);
    b.t.lang = LANG_RUST;
    tb_add(&b, "B.0", 8, 8, 8)->flags |= MF_VARIANT;
    tb_add(&b, "tag", 0, 1, 1)->flags |= MF_DISCR | MF_ARTIFICIAL;
    tb_add(&b, "A.0", 1, 1, 1)->flags |= MF_VARIANT;
    lay_compute(&b.t, 64);
    check_holes(&b.t, 16, 0, 0, 0, 0, 0);
    check_u("optimal", 16, b.t.optimal_size);
    check_u("align", 8, b.t.align);
    check_s("order_is_identity", "tag,A.0,B.0", order_names(&b.t, NULL));

    /* The variant structs of enum Shape { Circle(f64), Rect { w: u32,
    ** h: u32 }, .. }: rustc places their fields after the enum's u32
    ** discriminant, in the enum's 16 bytes (Circle.__0 at 8, Rect.w at 4,
    ** Rect.h at 8).  Their layout is the enum's: never reordered. */
    tb_init(&b, LAY_STRUCT, "Shape::Circle", 16);
    b.t.lang = LANG_RUST;
    b.t.flags |= TF_NESTED;
    b.t.align = 8;
    tb_add(&b, "__0", 8, 8, 8);
    lay_compute(&b.t, 64);
    check_u("pre_hole", 8, b.t.pre_hole);
    check_u("optimal", 16, b.t.optimal_size);

    tb_init(&b, LAY_STRUCT, "Shape::Rect", 16);
    b.t.lang = LANG_RUST;
    b.t.flags |= TF_NESTED;
    b.t.align = 8;
    tb_add(&b, "w", 4, 4, 4);
    tb_add(&b, "h", 8, 4, 4);
    lay_compute(&b.t, 64);
    check_holes(&b.t, 16, 1, 4, 0, 0, 4);
    check_u("optimal", 16, b.t.optimal_size);
    check_s("order_is_identity", "w,h", order_names(&b.t, NULL));
}

static void test_hash(void)
{
    tb a, b;
    tb_init(&a, LAY_STRUCT, "h", 12);
    tb_add(&a, "a", 0, 1, 1);
    tb_add(&a, "b", 4, 4, 4);
    tb_add(&a, "c", 8, 1, 1);
    a.t.decl_file = "one.c";
    a.t.decl_line = 10;
    a.t.lang = LANG_C;
    lay_compute(&a.t, 64);

    tb_init(&b, LAY_STRUCT, "h", 12);
    tb_add(&b, "a", 0, 1, 1);
    tb_add(&b, "b", 4, 4, 4);
    tb_add(&b, "c", 8, 1, 1);
    b.t.decl_file = "two.c";
    b.t.decl_line = 99;
    b.t.lang = LANG_CXX;
    lay_compute(&b.t, 64);
    check_u("same_layout_other_decl", a.t.hash, b.t.hash);

    b.m[2].name = "d";
    lay_compute(&b.t, 64);
    check_u("member_name_changes_hash", 1, a.t.hash != b.t.hash);

    b.m[2].name = "c";
    b.m[2].offset = 9;
    b.m[2].bitpos = 72;
    lay_compute(&b.t, 64);
    check_u("offset_changes_hash", 1, a.t.hash != b.t.hash);

    b.m[2].offset = 8;
    b.m[2].bitpos = 64;
    b.t.kind = LAY_CLASS;
    lay_compute(&b.t, 64);
    check_u("kind_changes_hash", 1, a.t.hash != b.t.hash);

    b.t.kind = LAY_STRUCT;
    lay_compute(&b.t, 64);
    check_u("recompute_is_stable", a.t.hash, b.t.hash);
}

static void test_names(void)
{
    cur_case = "names";
    check_s("struct", "struct", lay_kind_name(LAY_STRUCT));
    check_s("class", "class", lay_kind_name(LAY_CLASS));
    check_s("union", "union", lay_kind_name(LAY_UNION));
    check_s("enum", "enum", lay_kind_name(LAY_ENUM_DATA));
    check_s("C", "C", lay_lang_name(LANG_C));
    check_s("C++", "C++", lay_lang_name(LANG_CXX));
    check_s("Go", "Go", lay_lang_name(LANG_GO));
    check_s("Rust", "Rust", lay_lang_name(LANG_RUST));
    check_s("other", "other", lay_lang_name(LANG_OTHER));
    check_s("unknown", "unknown", lay_lang_name(LANG_UNKNOWN));
}

static void test_cachelines(void)
{
    tb b;
    tb_init(&b, LAY_STRUCT, "cl", 130);
    tb_add(&b, "a", 0, 8, 8);
    tb_add(&b, "big", 8, 120, 8);
    tb_add(&b, "z", 128, 2, 2);
    lay_compute(&b.t, 64);
    check_u("cachelines", 3, b.t.cachelines);
    check_u("z.cacheline", 2, b.m[2].cacheline);
    lay_compute(&b.t, 128);
    check_u("cachelines_128", 2, b.t.cachelines);
    check_u("z.cacheline_128", 1, b.m[2].cacheline);
    lay_compute(&b.t, 0);          /* 0 means the default, 64 */
    check_u("cachelines_default", 3, b.t.cachelines);
}

/* ---- property tests over generated layouts ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t n)
{
    /* xorshift64*: deterministic, so a failure is reproducible */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return n ? (rng_state * 0x2545f4914f6cdd1dULL >> 11) % n : 0;
}

typedef struct shape {
    uint64_t size;           /* bytes; bitfields: the declared type */
    uint32_t align;
    uint32_t bits;           /* bitfield width or 0 */
} shape;

/* Lay members out in the given order by the x86-64 SysV rules (what gcc
** does for non-packed structs) and return the struct size.  Fills the
** members' offset/bitpos when m is not NULL. */
static uint64_t sysv_layout(const shape *s, const uint32_t *order, uint32_t n,
                            lay_member *m, uint32_t *align_out)
{
    uint64_t pos = 0;        /* bits */
    uint32_t align = 1;
    for (uint32_t k = 0; k < n; k++) {
        const shape *x = &s[order[k]];
        if (x->align > align)
            align = x->align;
        if (x->bits) {
            uint64_t ub = x->size * 8;
            if (pos % ub + x->bits > ub)
                pos = lay_round_up(pos, ub);
            if (m) {
                m[k].offset = pos / ub * x->size;
                m[k].bitpos = pos;
                m[k].bit_offset = (uint32_t)(pos - m[k].offset * 8);
            }
            pos += x->bits;
        } else {
            pos = lay_round_up(pos, (uint64_t)x->align * 8);
            if (m) {
                m[k].offset = pos / 8;
                m[k].bitpos = pos;
            }
            pos += x->size * 8;
        }
    }
    if (align_out)
        *align_out = align;
    return lay_round_up((pos + 7) / 8, align);
}

static void test_generated(void)
{
    static const shape plain[] = {
        {1, 1, 0}, {2, 2, 0}, {4, 4, 0}, {8, 8, 0}, {12, 4, 0}, {16, 8, 0},
        {3, 1, 0}, {6, 2, 0}, {16, 16, 0}, {24, 8, 0}, {0, 4, 0}
    };
    enum { NGEN = 3000, MAXM = 24 };
    int bad = 0;
    uint64_t reordered = 0, saved = 0;
    cur_case = "generated";

    for (uint64_t it = 0; it < NGEN; it++) {
        shape s[MAXM];
        lay_member m[MAXM];
        uint32_t ident[MAXM], order[MAXM], n = 1 + (uint32_t)rnd(MAXM - 1);
        char names[MAXM][16];
        for (uint32_t i = 0; i < n; i++) {
            if (rnd(3) == 0) {
                uint64_t u = 1ULL << rnd(4);
                s[i].size = u;
                s[i].align = (uint32_t)u;
                s[i].bits = 1 + (uint32_t)rnd(u * 8);
            } else {
                s[i] = plain[rnd(sizeof plain / sizeof plain[0])];
            }
            ident[i] = i;
        }
        memset(m, 0, sizeof m);
        uint32_t align;
        uint64_t size = sysv_layout(s, ident, n, m, &align);
        uint64_t bytes = 0, bits = 0;
        for (uint32_t i = 0; i < n; i++) {
            snprintf(names[i], sizeof names[i], "m%u", (unsigned)i);
            m[i].name = names[i];
            m[i].type_name = "t";
            m[i].size = s[i].size;
            m[i].align = s[i].align;
            m[i].bit_size = s[i].bits;
            if (s[i].bits)
                bits += s[i].bits;
            else
                bytes += s[i].size;
        }
        lay_type t;
        memset(&t, 0, sizeof t);
        t.kind = LAY_STRUCT;
        t.name = "gen";
        t.size = size;
        t.members = m;
        t.nmembers = n;
        lay_compute(&t, 64);

        /* pahole's own consistency check: every bit of the struct is a
        ** member bit, a hole bit or padding. */
        uint64_t acc = bytes * 8 + bits + t.hole_bytes * 8 + t.bit_hole_bits
                       + t.tail_padding * 8 + t.bit_padding;
        if (acc != size * 8)
            bad |= quiet_fail("bits_accounted", it, size * 8, acc);
        if (t.align != align)
            bad |= quiet_fail("align", it, align, t.align);
        if (t.flags & TF_PACKED)
            bad |= quiet_fail("not_packed", it, 0, t.flags & TF_PACKED);

        uint64_t opt = lay_optimal_order(&t, order);
        if (opt != t.optimal_size)
            bad |= quiet_fail("optimal_consistent", it, t.optimal_size, opt);
        if (opt > size)
            bad |= quiet_fail("optimal_not_worse", it, size, opt);

        /* a permutation */
        uint32_t seen[MAXM] = {0};
        for (uint32_t i = 0; i < n; i++) {
            if (order[i] >= n || seen[order[i]]++)
                bad |= quiet_fail("permutation", it, 1, 0);
        }
        /* lower bound: no order beats the members' bytes, rounded */
        if (bits == 0 && opt < lay_round_up(bytes, align))
            bad |= quiet_fail("lower_bound", it, lay_round_up(bytes, align), opt);

        /* the claim holds: laying out the suggested order by the ABI
        ** needs at most the claimed size */
        shape s2[MAXM];
        uint32_t ident2[MAXM];
        for (uint32_t i = 0; i < n; i++) {
            const lay_member *x = &t.members[order[i]];
            s2[i].size = x->size;
            s2[i].align = x->align;
            s2[i].bits = x->bit_size;
            ident2[i] = i;
        }
        uint64_t real = sysv_layout(s2, ident2, n, NULL, NULL);
        if (real > opt)
            bad |= quiet_fail("claim_holds", it, opt, real);
        if (opt < size) {
            reordered++;
            saved += size - opt;
        }
    }
    printf("%s generated: %d layouts, %" PRIu64 " reordered, %" PRIu64
           " bytes saved\n", bad ? "FAIL" : "PASS", NGEN, reordered, saved);
    if (bad)
        nfail++;
    else
        npass++;
}

/* ---- hostile values ---- */

static void test_hostile(void)
{
    enum { N = 16 };
    static const uint64_t big[] = {
        0, 1, 7, 8, 63, 64, UINT32_MAX, (uint64_t)UINT32_MAX + 1,
        UINT64_MAX / 16, UINT64_MAX / 8, UINT64_MAX / 8 + 1, UINT64_MAX - 1,
        UINT64_MAX
    };
    const size_t nb = sizeof big / sizeof big[0];
    int bad = 0;
    cur_case = "hostile";
    for (int it = 0; it < 20000; it++) {
        lay_member m[N];
        uint32_t order[N];
        lay_type t;
        memset(&t, 0, sizeof t);
        memset(m, 0, sizeof m);
        t.kind = (lay_kind)rnd(4);
        t.name = "evil";
        t.size = rnd(2) ? big[rnd(nb)] : rnd(256);
        t.align = rnd(3) == 0 ? (uint32_t)big[rnd(nb)] : (uint32_t)rnd(70);
        t.flags = (uint32_t)rnd(0x800);
        t.members = m;
        t.nmembers = (uint32_t)rnd(N + 1);
        for (uint32_t i = 0; i < t.nmembers; i++) {
            m[i].offset = rnd(2) ? big[rnd(nb)] : rnd(256);
            m[i].size = rnd(2) ? big[rnd(nb)] : rnd(64);
            m[i].bitpos = rnd(2) ? big[rnd(nb)] : m[i].offset * 8 + rnd(70);
            m[i].bit_size = rnd(2) ? 0 : (uint32_t)(rnd(2) ? big[rnd(nb)] : rnd(65));
            m[i].align = rnd(3) == 0 ? (uint32_t)big[rnd(nb)] : (uint32_t)rnd(70);
            m[i].flags = (uint32_t)rnd(0x800);
        }
        lay_compute(&t, (uint32_t)rnd(3) * 32);
        uint64_t opt = lay_optimal_order(&t, order);
        if (opt > t.size)
            bad |= quiet_fail("optimal_not_worse", (uint64_t)it, t.size, opt);
        if (t.optimal_size != opt)
            bad |= quiet_fail("optimal_consistent", (uint64_t)it, t.optimal_size, opt);
        for (uint32_t i = 0; i < t.nmembers; i++)
            if (order[i] >= t.nmembers)
                bad |= quiet_fail("order_in_range", (uint64_t)it, t.nmembers, order[i]);
        for (uint32_t i = 1; i < t.nmembers; i++)
            if (m[i].bitpos < m[i - 1].bitpos)
                bad |= quiet_fail("sorted", (uint64_t)it, m[i - 1].bitpos, m[i].bitpos);
    }
    printf("%s hostile: 20000 random layouts\n", bad ? "FAIL" : "PASS");
    if (bad)
        nfail++;
    else
        npass++;
}

/* The member limit, in reverse order and with all-distinct sizes (the
** worst case for the sort and for the best-fit search). */
static void test_many_members(void)
{
    const uint32_t n = HP_MAX_MEMBERS;
    lay_member *m = hp_xcalloc(n, sizeof *m);
    uint32_t *order = hp_xmalloc((size_t)n * sizeof *order);
    uint64_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        lay_member *x = &m[n - 1 - i];
        x->name = "x";
        x->size = 1 + i % 5000;
        x->align = 1u << (i % 4);
        off = lay_round_up(off, x->align);
        x->offset = off;
        x->bitpos = off * 8;
        off += x->size;
    }
    lay_type t;
    memset(&t, 0, sizeof t);
    t.kind = LAY_STRUCT;
    t.name = "many";
    t.size = lay_round_up(off, 8);
    t.members = m;
    t.nmembers = n;
    cur_case = "many_members";
    lay_compute(&t, 64);
    int sorted = 1;
    for (uint32_t i = 1; i < n; i++)
        if (m[i].bitpos < m[i - 1].bitpos)
            sorted = 0;
    check_u("sorted", 1, sorted);
    check_u("optimal_not_worse", 1, t.optimal_size <= t.size);
    check_u("order_size", t.optimal_size, lay_optimal_order(&t, order));
    free(order);
    free(m);
}

int main(void)
{
    test_simple_holes();
    test_no_holes();
    test_tail_padding();
    test_bitfields();
    test_greedy_fill();
    test_unions();
    test_packed();
    test_aligned64();
    test_flex();
    test_base_vptr();
    test_virtual_base();
    test_out_of_order();
    test_empty();
    test_overlap();
    test_rust_enum();
    test_hash();
    test_names();
    test_cachelines();
    test_generated();
    test_hostile();
    test_many_members();
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
