/*
** layout.c -- implementation of layout.h: the hole arithmetic over one
** aggregate layout and the suggested member order.  Pure computation on
** lay_type values; no I/O, no libraries beyond hp.h.
**
** DESIGN NOTE
**
** The hole model.  Members are walked in bit order (lay_compute sorts them
** by bitpos first, stably, because Rust lists fields out of offset order).
** A cursor `seen` is the first bit not yet covered by any member.  Before
** each member we measure what lies between `seen` and the member's first
** bit:
**   - while inside a run of bitfields, the bits up to the member (but not
**     beyond the end of the current storage unit) are a BIT hole;
**   - for a bitfield that starts a new storage unit, the whole bytes up to
**     that unit are a BYTE hole and the bits from the unit's start to the
**     bitfield are a bit hole;
**   - for an ordinary member, the whole bytes up to it are a byte hole.
** The hole is charged to the previous member (hole_after, bit_hole_after),
** or to the type (pre_hole, pre_bit_hole) when no member precedes it.  At
** the end, the unused bits of a trailing bitfield unit are bit_padding and
** the bytes from the last covered byte to `size` are tail_padding.  The
** storage unit of a run of bitfields is the widest declared type seen in
** the run, anchored at the unit offset of the bitfield that widened it; a
** bitfield that spills past that unit (packed types) extends the run by one
** more unit.  These are the semantics of pahole 1.24's class__find_holes,
** re-derived here, so that size, "holes", "sum holes", "padding", "bit
** holes", "sum bit holes" and "bit_padding" agree with pahole on ordinary
** C, C++, Go and Rust structs.
**
** Where we deliberately differ from pahole 1.24:
**   1. Overlapping members.  pahole takes the end of the previous member
**      as the cursor, so a member that starts before it (empty base
**      optimisation, [[no_unique_address]], a derived member placed in a
**      non-POD base's tail padding) gives a negative hole, which pahole
**      stores in an unsigned field: "65532 bytes hole", a 250-bit hole,
**      a "BRAIN FART ALERT".  We never report a negative hole.  `seen`
**      stays at the highest bit covered so far (an int and an empty
**      member at the same offset: the int still covers its 4 bytes),
**      except that a non-bitfield member starting strictly inside the
**      non-bitfield member that reached `seen` reuses that member's tail
**      padding, so coverage restarts where it starts: struct NonPodBase {
**      NonPodBase(); int b; char c; } and struct D : NonPodBase { char d;
**      } put d at 5 inside the base's 8 bytes; bytes 6-7 are D's tail
**      padding (2, as pahole also says, by accident).
**   2. A base with virtual bases is laid out in a derived object without
**      them: the loader may give its non-virtual size as data_size, and
**      only that much counts as covered (struct Diamond : VLeft, VRight
**      has a real 4-byte hole between VLeft's 12 data bytes and VRight at
**      16, inside VLeft's 24-byte sizeof).
**   3. Members are sorted by bitpos; pahole walks DWARF order, which is
**      wrong for Rust and for a C++ vptr placed before a non-polymorphic
**      base.
**   4. Unions and Rust enums: pahole computes no holes and prints no
**      padding for them.  We also report no holes, but tail_padding is
**      size minus the end of the largest member (union {char a[5]; int b;}
**      has 3 bytes of tail padding), because those bytes are real waste.
**   5. Whether an empty class member is size 0 (as pahole treats it) or
**      size 1 is the loader's decision; with size 1 an empty base and the
**      member laid over it simply overlap (rule 1).
** Virtual bases (MF_VIRTUAL) are skipped, as pahole skips them: their
** offset is not a constant of the type.  pahole 1.24 also prints no
** "holes:" summary line for a struct whose only members are bitfields
** (its per-member "XXX N bytes hole" comments still show them); that is
** a printing choice, the holes are counted here.

** The reorder.  lay_optimal_order suggests a member order and the size
** the type would have in it, under the C ABI rule that each member goes at
** the next offset that is a multiple of its alignment, and the size is
** rounded up to the type's alignment.  What moves is a "unit": an ordinary
** member, or a bitfield group (consecutive bitfields whose storage units
** overlap), which moves as one block so that no bitfield changes the unit
** it shares with its neighbours.  A group's size is what its bits need
** when laid out from an aligned start (each bitfield bumped to its next
** unit boundary only if it would cross one), its alignment the largest of
** its members'.  Bases and the vtable pointer stay first, in their order
** (their positions are fixed by the C++ ABI); flexible arrays stay last;
** zero-size members go just before them (they cost nothing there because
** the type's alignment is at least theirs).  The movable units are placed
** by descending alignment, then descending size, then original position.
** Two placements are tried: that plain sort, and the same sort where, each
** time the next unit would leave a gap before its aligned slot, the gap is
** first filled with the largest remaining units that fit in it (best
** fit).  The smaller total wins (the plain one on a tie).  If neither beats
** the current size, the current order and size are returned, so the
** suggestion is never worse than what the compiler did.
**
** Why it is safe: every unit keeps its own alignment and its own internal
** layout, so the suggested order is a valid declaration order that a
** compiler lays out in at most the computed size (a compiler may pack
** bitfields across group boundaries even tighter; it never needs more).
** What it does not attempt: it is a heuristic, not an exact bin packing
** (sizes are almost always multiples of alignments, where sorting by
** alignment is already optimal); it does not split bitfield groups or
** change bitfield widths; it does not reorder unions, packed types, Rust
** enums, types with virtual bases, or types whose first member does not
** start at offset 0 (the space was reserved by someone else: a Rust
** enum variant's fields follow the discriminant; explicit unnamed
** bitfields in C) -- those get the identity order and current size; it
** ignores C++ tail-padding reuse (dsize) and cache-line or access-
** frequency grouping.
*/
#include "layout.h"
#include "hp.h"

#include <stdlib.h>
#include <string.h>

/* Every quantity below may come from a hostile file: arithmetic
** saturates instead of wrapping, so a crafted size yields nonsense
** numbers but never a crash or an out-of-range index. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_bits(uint64_t bytes)
{
    return bytes > UINT64_MAX / 8 ? UINT64_MAX : bytes * 8;
}

static uint64_t sat_round_up(uint64_t n, uint64_t a)
{
    if (a <= 1)
        return n;
    uint64_t r = n % a;
    return r ? sat_add(n, a - r) : n;
}

static uint32_t clamp32(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* First bit after the member. */
static uint64_t mem_end(const lay_member *m)
{
    return sat_add(m->bitpos, m->bit_size ? m->bit_size : sat_bits(m->size));
}

/* First bit after the member's data: a base subobject with virtual bases
** holds only its non-virtual part (data_size), the rest of its type's
** size is the virtual bases, which live elsewhere in the object. */
static uint64_t data_end(const lay_member *m)
{
    if (m->bit_size == 0 && m->data_size > 0 && m->data_size < m->size)
        return sat_add(m->bitpos, sat_bits(m->data_size));
    return mem_end(m);
}

/* ---- sorting ---- */

/* Stable merge sort by bitpos.  Loaders usually hand us sorted members,
** so check first; a hostile file with HP_MAX_MEMBERS members in reverse
** order still costs only n log n. */
static void sort_members(lay_member *m, uint32_t n)
{
    uint32_t i;
    for (i = 1; i < n; i++)
        if (m[i].bitpos < m[i - 1].bitpos)
            break;
    if (i >= n)
        return;
    lay_member *tmp = hp_xmalloc((size_t)n * sizeof *tmp);
    lay_member *src = m, *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                dst[k++] = src[b].bitpos < src[a].bitpos ? src[b++] : src[a++];
            while (a < mid)
                dst[k++] = src[a++];
            while (b < hi)
                dst[k++] = src[b++];
        }
        lay_member *s = src;
        src = dst;
        dst = s;
    }
    if (src != m)
        memcpy(m, src, (size_t)n * sizeof *m);
    free(tmp);
}

/* ---- holes ---- */

static void struct_holes(lay_type *t)
{
    const uint64_t size_bits = sat_bits(t->size);
    uint64_t seen = 0;              /* first bit not covered so far */
    uint64_t unit_end = size_bits;  /* end of the current bitfield unit */
    uint64_t unit_bits = 0;         /* width of that unit */
    int in_bits = 0;                /* previous member was a bitfield */
    uint64_t owner_start = 0;       /* first bit of the member ending at seen */
    int owner_plain = 0;            /* ... which is a non-bitfield member */
    lay_member *prev = NULL;

    for (uint32_t i = 0; i < t->nmembers; i++) {
        lay_member *m = &t->members[i];
        if (m->flags & MF_VIRTUAL)
            continue;
        uint64_t start = m->bitpos, end = data_end(m);
        uint64_t bits = 0, bytes = 0;

        /* A member starting strictly inside the previous one reuses that
        ** member's tail padding (C++ non-POD base, [[no_unique_address]]):
        ** the covered region ends where the newcomer starts. */
        if (m->bit_size == 0 && owner_plain && start > owner_start && start < seen)
            seen = start;

        /* Unused bits left in the unit of the bitfield run we are in. */
        if (in_bits) {
            uint64_t stop = min64(start, unit_end);
            if (stop > seen) {
                bits = stop - seen;
                seen = stop;
            }
        }
        if (m->bit_size) {
            uint64_t ustart = sat_bits(m->offset);
            /* A new unit after a gap: whole bytes up to the unit are a
            ** byte hole, the rest up to the first bit a bit hole. */
            if (seen < ustart && ustart <= start) {
                bytes = m->offset - seen / 8;
                seen = ustart;
            }
            if (start > seen)
                bits += start - seen;
        } else if (start / 8 > seen / 8) {
            bytes = start / 8 - seen / 8;
        }
        if (end > seen) {
            seen = end;
            owner_start = start;
            owner_plain = m->bit_size == 0;
        }

        if (m->bit_size) {
            uint64_t ub = sat_bits(m->size);
            in_bits = 1;
            if (end > unit_end || ub > unit_bits) {
                unit_bits = ub;
                unit_end = sat_add(sat_bits(m->offset), unit_bits);
                /* packed: the bitfield spilled into the next unit */
                if (end > unit_end)
                    unit_end = sat_add(unit_end, unit_bits);
            }
        } else {
            in_bits = 0;
            unit_bits = 0;
            unit_end = seen;
        }

        if (prev) {
            prev->hole_after = bytes;
            prev->bit_hole_after = clamp32(bits);
        } else {
            t->pre_hole = bytes;
            t->pre_bit_hole = clamp32(bits);
        }
        if (bytes) {
            t->holes++;
            t->hole_bytes = sat_add(t->hole_bytes, bytes);
        }
        if (bits) {
            t->bit_holes++;
            t->bit_hole_bits = sat_add(t->bit_hole_bits, bits);
        }
        prev = m;
    }
    if (in_bits) {
        uint64_t stop = min64(size_bits, unit_end);
        if (stop > seen) {
            t->bit_padding = clamp32(stop - seen);
            seen = stop;
        }
    }
    t->tail_padding = t->size > seen / 8 ? t->size - seen / 8 : 0;
}

/* Unions and Rust enums: members overlap by design, so there are no
** holes; what no member ever covers at the end is tail padding. */
static void overlay_padding(lay_type *t)
{
    uint64_t top = 0;
    for (uint32_t i = 0; i < t->nmembers; i++) {
        const lay_member *m = &t->members[i];
        if (m->flags & MF_VIRTUAL)
            continue;
        uint64_t e = mem_end(m);
        e = e / 8 + (e % 8 != 0);
        if (e > top)
            top = e;
    }
    t->tail_padding = t->size > top ? t->size - top : 0;
}

/* ---- alignment and packing ---- */

/* Largest member alignment; sized_only leaves out zero-size members so
** that a trailing `long x[0]` in a packed struct does not make it look
** misaligned. */
static uint32_t natural_align(const lay_type *t, int sized_only)
{
    uint32_t a = 1;
    for (uint32_t i = 0; i < t->nmembers; i++) {
        const lay_member *m = &t->members[i];
        if (m->flags & MF_VIRTUAL)
            continue;
        if (sized_only && m->size == 0 && m->bit_size == 0)
            continue;
        if (m->align > a)
            a = m->align;
    }
    return a;
}

static int looks_packed(const lay_type *t)
{
    int sized = 0;
    for (uint32_t i = 0; i < t->nmembers; i++) {
        const lay_member *m = &t->members[i];
        if (m->flags & MF_VIRTUAL)
            continue;
        if (m->bit_size) {
            /* The ABI never lets a bitfield leave its declared unit. */
            uint64_t us = sat_bits(m->offset);
            uint64_t ue = sat_bits(sat_add(m->offset, m->size));
            if (m->bitpos < us || mem_end(m) > ue)
                return 1;
            sized = 1;
        } else if (m->size > 0) {
            if (m->align > 1 && m->offset % m->align != 0)
                return 1;
            sized = 1;
        }
    }
    if (!sized)
        return 0;
    uint32_t nat = natural_align(t, 1);
    if (nat > 1 && t->size % nat != 0)
        return 1;
    /* A given alignment below the members' own only comes from packing. */
    return t->align != 0 && t->align < nat;
}

/* ---- the suggested order ---- */

typedef struct lay_unit {
    uint32_t first, count;   /* members[first .. first+count-1] */
    uint32_t align;
    uint64_t size;
} lay_unit;

typedef struct lay_bucket {
    uint32_t next, end;      /* unplaced units [next, end) of one shape */
} lay_bucket;

/* Past this many distinct (alignment, size) shapes the best-fit search
** would be quadratic; only a crafted file gets there, and the plain sort
** still runs. */
#define LAY_MAX_FILL_BUCKETS 1024

/* Bytes a bitfield group needs when laid out from an aligned start. */
static uint64_t group_size(const lay_member *m, uint32_t n)
{
    uint64_t pos = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t ub = sat_bits(m[i].size), w = m[i].bit_size;
        if (ub > 0 && w <= ub && pos % ub + w > ub)
            pos = sat_round_up(pos, ub);
        pos = sat_add(pos, w);
    }
    return pos / 8 + (pos % 8 != 0);
}

static int unit_cmp(const void *pa, const void *pb)
{
    const lay_unit *a = pa, *b = pb;
    if (a->align != b->align)
        return a->align > b->align ? -1 : 1;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;
}

/* Place the sorted units from `pos` on, writing the placement order of
** unit indexes to seq; returns the end offset.  fill: fill the gap before
** each aligned slot with the largest remaining units that fit. */
static uint64_t place_units(const lay_unit *u, uint32_t nu, lay_bucket *bk,
                            uint32_t nb, int fill, uint64_t pos, uint32_t *seq)
{
    uint32_t ns = 0, b, c;
    uint32_t at = 0;
    for (b = 0; b < nb; b++) {
        bk[b].next = at;
        while (at < nu && u[at].align == u[bk[b].next].align
               && u[at].size == u[bk[b].next].size)
            at++;
        bk[b].end = at;
    }
    for (b = 0; b < nb; b++) {
        while (bk[b].next < bk[b].end) {
            const lay_unit *x = &u[bk[b].next++];
            uint64_t slot = sat_round_up(pos, x->align);
            while (fill && pos < slot) {
                uint32_t best = nb;
                uint64_t best_at = 0;
                for (c = 0; c < nb; c++) {
                    if (bk[c].next >= bk[c].end)
                        continue;
                    const lay_unit *y = &u[bk[c].next];
                    if (y->size == 0)
                        continue;
                    uint64_t at_y = sat_round_up(pos, y->align);
                    if (at_y >= slot || y->size > slot - at_y)
                        continue;
                    /* buckets run by descending alignment, so the first
                    ** of equal size has the largest alignment */
                    if (best == nb || y->size > u[bk[best].next].size) {
                        best = c;
                        best_at = at_y;
                    }
                }
                if (best == nb)
                    break;
                seq[ns++] = bk[best].next;
                pos = best_at + u[bk[best].next].size;
                bk[best].next++;
            }
            seq[ns++] = (uint32_t)(x - u);
            pos = sat_add(slot, x->size);
        }
    }
    return pos;
}

static uint64_t identity(const lay_type *t, uint32_t *order)
{
    for (uint32_t i = 0; i < t->nmembers; i++)
        order[i] = i;
    return t->size;
}

uint64_t lay_optimal_order(const lay_type *t, uint32_t *order)
{
    const uint32_t n = t->nmembers;
    const lay_member *m = t->members;
    uint32_t i;

    identity(t, order);
    if (n == 0 || (t->kind != LAY_STRUCT && t->kind != LAY_CLASS)
        || (t->flags & (TF_PACKED | TF_VIRTUAL_BASE)))
        return t->size;
    for (i = 0; i < n; i++)
        if (m[i].flags & MF_VIRTUAL)
            return t->size;
    /* Space before the first member was reserved by someone else: a Rust
    ** enum's discriminant in front of a variant's fields, or explicit
    ** unnamed bitfields in C.  Such a layout is not ours to change. */
    if (m[0].bitpos > 0)
        return t->size;

    /* The fixed prefix keeps its current place when it leads the type;
    ** otherwise it is laid out afresh at the front. */
    uint32_t nprefix = 0;
    int leading = 1;
    for (i = 0; i < n; i++)
        if (m[i].flags & (MF_BASE | MF_VPTR)) {
            if (i != nprefix)
                leading = 0;
            nprefix++;
        }
    uint64_t start = 0;
    for (i = 0; i < n; i++) {
        if (!(m[i].flags & (MF_BASE | MF_VPTR)))
            continue;
        if (leading) {
            uint64_t e = sat_add(m[i].offset, m[i].size);
            if (e > start)
                start = e;
        } else {
            start = sat_add(sat_round_up(start, m[i].align), m[i].size);
        }
    }

    lay_unit *u = hp_xmalloc((size_t)n * sizeof *u);
    uint32_t nu = 0;
    for (i = 0; i < n; i++) {
        const lay_member *x = &m[i];
        if (x->flags & (MF_BASE | MF_VPTR | MF_FLEX))
            continue;
        if (x->bit_size == 0 && x->size == 0)
            continue;                       /* zero-size: placed at the end */
        lay_unit *g = &u[nu++];
        g->first = i;
        g->count = 1;
        g->align = x->align ? x->align : 1;
        g->size = x->size;
        if (x->bit_size == 0)
            continue;
        uint64_t gs = sat_bits(x->offset);
        uint64_t ge = sat_bits(sat_add(x->offset, x->size));
        while (i + 1 < n) {
            const lay_member *y = &m[i + 1];
            if (y->bit_size == 0 || (y->flags & (MF_BASE | MF_VPTR | MF_FLEX)))
                break;
            uint64_t ys = sat_bits(y->offset);
            uint64_t ye = sat_bits(sat_add(y->offset, y->size));
            if (ys >= ge || ye <= gs)
                break;                      /* no shared storage */
            if (ys < gs)
                gs = ys;
            if (ye > ge)
                ge = ye;
            if (y->align > g->align)
                g->align = y->align;
            g->count++;
            i++;
        }
        g->size = group_size(&m[g->first], g->count);
    }
    qsort(u, nu, sizeof *u, unit_cmp);

    uint32_t nb = 0;
    for (i = 0; i < nu; i++)
        if (i == 0 || u[i].align != u[i - 1].align || u[i].size != u[i - 1].size)
            nb++;
    lay_bucket *bk = hp_xmalloc(((size_t)nb + 1) * sizeof *bk);
    uint32_t *seq[2];
    uint64_t end[2];
    seq[0] = hp_xmalloc(((size_t)nu + 1) * sizeof *seq[0]);
    seq[1] = hp_xmalloc(((size_t)nu + 1) * sizeof *seq[1]);
    end[0] = place_units(u, nu, bk, nb, 0, start, seq[0]);
    end[1] = nb <= LAY_MAX_FILL_BUCKETS
        ? place_units(u, nu, bk, nb, 1, start, seq[1]) : UINT64_MAX;
    int pick = end[1] < end[0];

    uint64_t pos = end[pick];
    for (i = 0; i < n; i++)
        if (!(m[i].flags & (MF_BASE | MF_VPTR | MF_FLEX))
            && m[i].bit_size == 0 && m[i].size == 0)
            pos = sat_round_up(pos, m[i].align);
    for (i = 0; i < n; i++)
        if ((m[i].flags & MF_FLEX) && !(m[i].flags & (MF_BASE | MF_VPTR)))
            pos = sat_add(sat_round_up(pos, m[i].align), m[i].size);
    uint64_t total = sat_round_up(pos, t->align);

    if (total < t->size) {
        uint32_t k = 0;
        for (i = 0; i < n; i++)
            if (m[i].flags & (MF_BASE | MF_VPTR))
                order[k++] = i;
        for (uint32_t s = 0; s < nu; s++) {
            const lay_unit *g = &u[seq[pick][s]];
            for (uint32_t j = 0; j < g->count; j++)
                order[k++] = g->first + j;
        }
        for (i = 0; i < n; i++)
            if (!(m[i].flags & (MF_BASE | MF_VPTR | MF_FLEX))
                && m[i].bit_size == 0 && m[i].size == 0)
                order[k++] = i;
        for (i = 0; i < n; i++)
            if ((m[i].flags & MF_FLEX) && !(m[i].flags & (MF_BASE | MF_VPTR)))
                order[k++] = i;
    } else {
        total = t->size;
    }
    free(seq[0]);
    free(seq[1]);
    free(bk);
    free(u);
    return total;
}

/* ---- the whole computation ---- */

static uint64_t layout_hash(const lay_type *t)
{
    uint64_t h = HP_HASH_INIT;
    h = hp_hash_u64(h, (uint64_t)t->kind);
    h = hp_hash_str(h, t->name);
    h = hp_hash_u64(h, t->size);
    h = hp_hash_u64(h, t->align);
    h = hp_hash_u64(h, t->nmembers);
    for (uint32_t i = 0; i < t->nmembers; i++) {
        const lay_member *m = &t->members[i];
        h = hp_hash_str(h, m->name);
        h = hp_hash_str(h, m->type_name);
        h = hp_hash_u64(h, m->offset);
        h = hp_hash_u64(h, m->size);
        h = hp_hash_u64(h, m->bitpos);
        h = hp_hash_u64(h, m->bit_size);
        h = hp_hash_u64(h, m->flags);
    }
    return hp_hash_final(h);
}

void lay_compute(lay_type *t, uint32_t cacheline)
{
    uint32_t *order = t->nmembers ? hp_xmalloc((size_t)t->nmembers * sizeof *order) : NULL;
    lay_compute_order(t, cacheline, order);
    free(order);
}

void lay_compute_order(lay_type *t, uint32_t cacheline, uint32_t *order)
{
    const uint64_t cl = cacheline ? cacheline : 64;

    sort_members(t->members, t->nmembers);

    t->holes = 0;
    t->hole_bytes = 0;
    t->bit_holes = 0;
    t->bit_hole_bits = 0;
    t->tail_padding = 0;
    t->pre_hole = 0;
    t->pre_bit_hole = 0;
    t->bit_padding = 0;
    for (uint32_t i = 0; i < t->nmembers; i++) {
        lay_member *m = &t->members[i];
        m->hole_after = 0;
        m->bit_hole_after = 0;
        m->cacheline = clamp32(m->offset / cl);
        if (m->bit_size)
            m->flags |= MF_BITFIELD;
    }

    if (looks_packed(t))
        t->flags |= TF_PACKED;
    if (t->align == 0)
        t->align = (t->flags & TF_PACKED) ? 1 : natural_align(t, 0);

    if (t->kind == LAY_UNION || t->kind == LAY_ENUM_DATA)
        overlay_padding(t);
    else
        struct_holes(t);

    t->cachelines = clamp32(t->size / cl + (t->size % cl != 0));

    t->optimal_size = t->nmembers > 0 ? lay_optimal_order(t, order) : t->size;
    t->hash = layout_hash(t);
}

int lay_has_refs(const lay_type *t)
{
    for (uint32_t i = 0; i < t->nmembers; i++)
        if (t->members[i].ref_kind != LAY_REF_NONE)
            return 1;
    return 0;
}

const char *lay_kind_name(lay_kind k)
{
    switch (k) {
    case LAY_STRUCT:    return "struct";
    case LAY_CLASS:     return "class";
    case LAY_UNION:     return "union";
    case LAY_ENUM_DATA: return "enum";
    }
    return "struct";
}

const char *lay_lang_name(lay_lang l)
{
    switch (l) {
    case LANG_C:       return "C";
    case LANG_CXX:     return "C++";
    case LANG_GO:      return "Go";
    case LANG_RUST:    return "Rust";
    case LANG_OTHER:   return "other";
    case LANG_UNKNOWN: return "unknown";
    }
    return "unknown";
}
