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
**   5. Empty classes.  The loader and ts_resolve give an empty class
**      (no data, only empty bases) size 0 where the Itanium ABI gives it
**      no storage: as a base, also through a chain of empty bases, and
**      as a [[no_unique_address]] member laid over another (MF_EMPTY; it
**      never restarts the coverage of rule 1 and is no padding marker).
**      pahole instead sizes 0 every member whose type is a one-byte
**      struct with no members at all: right for a direct empty base,
**      wrong for a chain (struct F : E {} as a base keeps its byte) and
**      for an ordinary member of an empty class, which does hold a byte
**      of its own (struct G : E { E e2; int i; } has e2 at 1, 1 byte).
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
        if (m->bit_size == 0 && !(m->flags & MF_EMPTY) && owner_plain &&
            start > owner_start && start < seen)
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

#define LAY_FIXED (MF_BASE | MF_VPTR | MF_FLEX)

/* The movable units of members [a, b) (bases, the vtable pointer and
** flexible arrays excluded), in member order, into u; returns how many. */
static uint32_t make_units(const lay_member *m, uint32_t a, uint32_t b, lay_unit *u)
{
    uint32_t nu = 0;
    for (uint32_t i = a; i < b; i++) {
        const lay_member *x = &m[i];
        if (x->flags & LAY_FIXED)
            continue;
        lay_unit *g = &u[nu++];
        g->first = i;
        g->count = 1;
        g->align = x->align ? x->align : 1;
        g->size = x->size;
        if (x->bit_size == 0)
            continue;
        uint64_t gs = sat_bits(x->offset);
        uint64_t ge = sat_bits(sat_add(x->offset, x->size));
        while (i + 1 < b) {
            const lay_member *y = &m[i + 1];
            if (y->bit_size == 0 || (y->flags & LAY_FIXED))
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
    return nu;
}

/* Working state of one suggestion: where each member lands. */
typedef struct lay_plan {
    uint32_t *order, k;      /* the order being written, and its length */
    uint64_t *at, *len;      /* per member: new start and extent (bytes) */
} lay_plan;

static void plan_put(lay_plan *p, const lay_unit *g, uint64_t at)
{
    for (uint32_t j = 0; j < g->count; j++) {
        p->order[p->k++] = g->first + j;
        p->at[g->first + j] = at;
        p->len[g->first + j] = g->size;
    }
}

/* Lay out one layout group's units u[0..nu) from pos, either in their
** own order (keep) or in the best of the plain and best-fit sorted
** placements when that ends earlier; returns the end. */
static uint64_t place_group(lay_unit *u, uint32_t nu, int keep, uint64_t pos, lay_plan *p)
{
    uint64_t ident = pos;
    for (uint32_t i = 0; i < nu; i++)
        ident = sat_add(sat_round_up(ident, u[i].align), u[i].size);
    if (!keep && nu > 1) {
        lay_unit *s = hp_xmalloc((size_t)nu * sizeof *s);
        memcpy(s, u, (size_t)nu * sizeof *s);
        qsort(s, nu, sizeof *s, unit_cmp);
        uint32_t nb = 0;
        for (uint32_t i = 0; i < nu; i++)
            if (i == 0 || s[i].align != s[i - 1].align || s[i].size != s[i - 1].size)
                nb++;
        lay_bucket *bk = hp_xmalloc(((size_t)nb + 1) * sizeof *bk);
        uint32_t *seq[2];
        uint64_t end[2];
        seq[0] = hp_xmalloc(((size_t)nu + 1) * sizeof *seq[0]);
        seq[1] = hp_xmalloc(((size_t)nu + 1) * sizeof *seq[1]);
        end[0] = place_units(s, nu, bk, nb, 0, pos, seq[0]);
        end[1] = nb <= LAY_MAX_FILL_BUCKETS ? place_units(s, nu, bk, nb, 1, pos, seq[1])
                                            : UINT64_MAX;
        int pick = end[1] < end[0];
        if (end[pick] < ident) {
            uint64_t at = pos;
            for (uint32_t i = 0; i < nu; i++) {
                const lay_unit *g = &s[seq[pick][i]];
                at = sat_round_up(at, g->align);
                plan_put(p, g, at);
                at = sat_add(at, g->size);
            }
            free(seq[0]);
            free(seq[1]);
            free(bk);
            free(s);
            return at;
        }
        free(seq[0]);
        free(seq[1]);
        free(bk);
        free(s);
    }
    uint64_t at = pos;
    for (uint32_t i = 0; i < nu; i++) {
        at = sat_round_up(at, u[i].align);
        plan_put(p, &u[i], at);
        at = sat_add(at, u[i].size);
    }
    return at;
}

/* First and last cacheline of bytes [at, at + len); len > 0. */
static int lines_meet(uint64_t a0, uint64_t alen, uint64_t b0, uint64_t blen, uint64_t cl)
{
    uint64_t af = a0 / cl, al = (sat_add(a0, alen) - 1) / cl;
    uint64_t bf = b0 / cl, bl = (sat_add(b0, blen) - 1) / cl;
    return af <= bl && bf <= al;
}

/* Does the plan give some lock or atomic a cacheline neighbour it did not
** have in the current layout?  Sets bad[g] for the groups holding one. */
static int sync_broken(const lay_type *t, const lay_plan *p, const uint32_t *grp,
                       uint8_t *bad)
{
    const lay_member *m = t->members;
    const uint64_t cl = t->cacheline ? t->cacheline : 64;
    int broken = 0;
    for (uint32_t s = 0; s < t->nmembers; s++) {
        if (!(m[s].flags & MF_SYNC) || m[s].size == 0 || (m[s].flags & MF_VIRTUAL))
            continue;
        for (uint32_t x = 0; x < t->nmembers; x++) {
            if (x == s || m[x].size == 0 || (m[x].flags & MF_VIRTUAL) || p->len[x] == 0)
                continue;
            if (lines_meet(p->at[s], p->len[s], p->at[x], p->len[x], cl)
                && !lines_meet(m[s].offset, m[s].size, m[x].offset, m[x].size, cl)) {
                bad[grp[s]] = 1;
                broken = 1;
                break;
            }
        }
    }
    return broken;
}

/* One suggestion under the layout groups: bases and the vtable pointer
** first, then each group in turn (its marker first, the rest reordered
** unless keep[g]), then the flexible arrays.  Returns the size. */
static uint64_t plan_all(const lay_type *t, const uint32_t *grp, uint32_t ngroups,
                         const uint8_t *keep, uint64_t start, int leading, lay_unit *u,
                         lay_plan *p)
{
    const uint32_t n = t->nmembers;
    const lay_member *m = t->members;
    uint32_t i;
    p->k = 0;
    for (i = 0; i < n; i++) {
        p->at[i] = m[i].offset;
        p->len[i] = m[i].bit_size || m[i].size ? m[i].size : 0;
    }
    uint64_t pos = 0;
    for (i = 0; i < n; i++) {
        if (!(m[i].flags & (MF_BASE | MF_VPTR)))
            continue;
        p->order[p->k++] = i;
        if (!leading) {
            pos = sat_round_up(pos, m[i].align);
            p->at[i] = pos;
            pos = sat_add(pos, m[i].size);
        }
    }
    pos = start;
    uint32_t a = 0;
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t b = a;
        while (b < n && grp[b] == g)
            b++;
        uint32_t nu = make_units(m, a, b, u);
        uint32_t head = 0;
        /* the member that opens a group (an aligned member, a marker)
        ** stays first in it: nothing may slip in before it */
        const uint64_t cl = t->cacheline ? t->cacheline : 64;
        if (nu > 0 && ((m[u[0].first].flags & MF_PADMARK)
                       || ((m[u[0].first].flags & MF_GROUP_START) && m[u[0].first].align >= cl))) {
            pos = sat_round_up(pos, u[0].align);
            plan_put(p, &u[0], pos);
            pos = sat_add(pos, u[0].size);
            head = 1;
        }
        pos = place_group(u + head, nu - head, keep[g], pos, p);
        a = b;
    }
    for (i = 0; i < n; i++)
        if ((m[i].flags & MF_FLEX) && !(m[i].flags & (MF_BASE | MF_VPTR))) {
            pos = sat_round_up(pos, m[i].align);
            p->order[p->k++] = i;
            p->at[i] = pos;
            pos = sat_add(pos, m[i].size);
        }
    return sat_round_up(pos, t->align);
}

static uint64_t optimal_order(const lay_type *t, uint32_t *order, int *sync_kept)
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

    /* layout groups: a new one at every MF_GROUP_START */
    uint32_t *grp = hp_xmalloc((size_t)n * sizeof *grp);
    uint32_t ngroups = 1;
    int any_sync = 0;
    for (i = 0; i < n; i++) {
        if (i > 0 && (m[i].flags & MF_GROUP_START) && !(m[i].flags & LAY_FIXED))
            ngroups++;
        grp[i] = ngroups - 1;
        any_sync |= (m[i].flags & MF_SYNC) != 0;
    }
    uint8_t *keep = hp_xcalloc(ngroups, 1), *bad = hp_xcalloc(ngroups, 1);
    lay_unit *u = hp_xmalloc((size_t)n * sizeof *u);
    lay_plan p;
    p.order = hp_xmalloc((size_t)n * sizeof *p.order);
    p.at = hp_xmalloc((size_t)n * sizeof *p.at);
    p.len = hp_xmalloc((size_t)n * sizeof *p.len);

    uint64_t total = t->size;
    /* First every group free; if a lock or atomic would gain neighbours,
    ** the groups holding such locks keep their order; if that is still not
    ** enough, nothing moves. */
    for (int pass = 0; pass < 2; pass++) {
        uint64_t sz = plan_all(t, grp, ngroups, keep, start, leading, u, &p);
        if (sz >= t->size)
            break;
        memset(bad, 0, ngroups);
        if (!any_sync || !sync_broken(t, &p, grp, bad)) {
            if (p.k == n) {
                memcpy(order, p.order, (size_t)n * sizeof *order);
                total = sz;
            }
            break;
        }
        for (uint32_t g = 0; g < ngroups; g++)
            keep[g] |= bad[g];
        *sync_kept = 1;
    }
    free(p.order);
    free(p.at);
    free(p.len);
    free(u);
    free(keep);
    free(bad);
    free(grp);
    return total;
}

uint64_t lay_optimal_order(const lay_type *t, uint32_t *order)
{
    int kept = 0;
    return optimal_order(t, order, &kept);
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

/* ---- layout intent ---- */

/* The type name without qualifiers, "struct "/"union " and array bounds:
** "volatile atomic_long_t [9]" -> "atomic_long_t". */
static size_t core_name(const char *s, const char **out)
{
    static const char *const skip[] = { "const ", "volatile ", "struct ", "union ",
                                        "class ", "_Atomic ", "restrict " };
    int again = 1;
    while (again) {
        again = 0;
        for (size_t i = 0; i < sizeof skip / sizeof *skip; i++) {
            size_t l = strlen(skip[i]);
            if (strncmp(s, skip[i], l) == 0) {
                s += l;
                again = 1;
            }
        }
    }
    size_t n = strlen(s);
    /* an array of them: "T [9]", "T[9]", Go's and Rust's "[9]T" / "[T; 9]" */
    while (n > 0 && s[n - 1] == ']') {
        size_t b = n - 1;
        while (b > 0 && s[b] != '[')
            b--;
        if (b == 0)
            break;
        n = b;
        while (n > 0 && s[n - 1] == ' ')
            n--;
    }
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (e && e[1] && e[1] != ';') {
            s = e + 1;
            n = strlen(s);
        } else if (e == NULL || e[1] == '\0') {
            /* Rust [T; N] */
            const char *semi = strchr(s, ';');
            if (semi) {
                n = (size_t)(semi - s - 1);
                s++;
            }
        }
    }
    *out = s;
    return n;
}

static int name_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncmp(s, w, n) == 0;
}

static int name_starts(const char *s, size_t n, const char *w)
{
    size_t l = strlen(w);
    return n >= l && strncmp(s, w, l) == 0;
}

int lay_sync_type(const char *type_name)
{
    static const char *const exact[] = {
        /* Linux */
        "spinlock_t", "raw_spinlock_t", "arch_spinlock_t", "spinlock", "raw_spinlock",
        "qspinlock", "rwlock_t", "arch_rwlock_t", "qrwlock", "seqlock_t", "seqcount_t",
        "seqcount", "seqcount_spinlock_t", "seqcount_raw_spinlock_t", "seqcount_mutex_t",
        "mutex", "rw_semaphore", "semaphore", "atomic_t", "atomic64_t", "atomic_long_t",
        "refcount_t", "refcount_struct", "kref", "local_t", "local64_t", "percpu_rw_semaphore",
        "wait_queue_head_t", "wait_queue_head", "lockref", "bit_spinlock",
        /* POSIX, C11 */
        "pthread_mutex_t", "pthread_spinlock_t", "pthread_rwlock_t", "pthread_cond_t",
        "sem_t", "atomic_flag", "atomic_int", "atomic_uint", "atomic_long", "atomic_ulong",
        "atomic_llong", "atomic_ullong", "atomic_bool", "atomic_size_t", "atomic_intptr_t",
        "atomic_uintptr_t",
        /* C++ */
        "std::mutex", "std::recursive_mutex", "std::timed_mutex", "std::shared_mutex",
        "std::shared_timed_mutex", "std::atomic_flag", "std::condition_variable",
        "std::once_flag",
        /* Go */
        "sync.Mutex", "sync.RWMutex", "sync.WaitGroup", "sync.Once", "sync/atomic.Int32",
        "sync/atomic.Int64", "sync/atomic.Uint32", "sync/atomic.Uint64",
        "sync/atomic.Uintptr", "sync/atomic.Bool", "sync/atomic.Value", "atomic.Int32",
        "atomic.Int64", "atomic.Uint32", "atomic.Uint64", "atomic.Bool", "atomic.Value",
    };
    static const char *const prefix[] = {
        "std::atomic<", "std::__atomic_base<", "std::__atomic_float<", "std::atomic_ref<",
        "sync/atomic.Pointer[", "atomic.Pointer[",
        /* Rust, by path or by the last component */
        "std::sync::mutex::Mutex<", "std::sync::rwlock::RwLock<", "core::sync::atomic::Atomic",
        "std::sync::Mutex<", "std::sync::RwLock<", "Mutex<", "RwLock<", "AtomicUsize",
        "AtomicIsize", "AtomicU8", "AtomicU16", "AtomicU32", "AtomicU64", "AtomicI8",
        "AtomicI16", "AtomicI32", "AtomicI64", "AtomicBool", "AtomicPtr<",
        "std::sys::sync::mutex", "std::sys::unix::locks",
    };
    if (type_name == NULL)
        return 0;
    if (strncmp(type_name, "_Atomic ", 8) == 0 || strstr(type_name, " _Atomic") != NULL)
        return 1;                           /* DW_TAG_atomic_type */
    const char *s;
    size_t n = core_name(type_name, &s);
    if (n == 0 || memchr(s, '*', n) != NULL || s[0] == '&')
        return 0;                           /* a pointer to a lock is no lock */
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (name_is(s, n, exact[i]))
            return 1;
    for (size_t i = 0; i < sizeof prefix / sizeof *prefix; i++)
        if (name_starts(s, n, prefix[i]))
            return 1;
    return 0;
}

int lay_pad_name(const char *name)
{
    static const char *const words[] = { "padding", "pad", "reserved", "rsvd", "resv" };
    if (name == NULL)
        return 0;
    while (*name == '_')
        name++;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t l = strlen(words[i]);
        if (strncmp(name, words[i], l) != 0)
            continue;
        const char *r = name + l;
        while (*r == '_' || (*r >= '0' && *r <= '9'))
            r++;
        if (*r == '\0')
            return 1;
    }
    return 0;
}

int lay_abi_file(const char *f)
{
    if (f == NULL)
        return 0;
    if (strncmp(f, "/usr/include/", 13) == 0 || strncmp(f, "/usr/local/include/", 19) == 0)
        return 1;
    if (strncmp(f, "/usr/lib/gcc/", 13) == 0 && strstr(f, "/include/") != NULL)
        return 1;
    if (strncmp(f, "uapi/", 5) == 0)
        return 1;
    return strstr(f, "/uapi/") != NULL;
}

/* Group starts, padding markers and locks (see "Layout intent" above).
** Members are sorted.  A member the layout shows to be aligned beyond what
** DWARF recorded (a cacheline-multiple offset after a longer hole than its
** alignment needs: DWARF 4 has no DW_AT_alignment) gets the alignment the
** offset proves. */
static void mark_intent(lay_type *t, uint64_t cl)
{
    const uint32_t n = t->nmembers;
    lay_member *m = t->members;
    uint64_t end = 0;             /* first byte after the members so far */
    int mark_next = 0;
    for (uint32_t i = 0; i < n; i++) {
        lay_member *x = &m[i];
        x->flags &= ~(uint32_t)(MF_GROUP_START | MF_PADMARK | MF_SYNC);
        if (x->flags & MF_VIRTUAL)
            continue;
        if (lay_sync_type(x->type_name))
            x->flags |= MF_SYNC;
        int start = mark_next;
        mark_next = 0;
        if (x->bit_size == 0 && x->size == 0 &&
            !(x->flags & (MF_FLEX | MF_BASE | MF_INCOMPLETE | MF_EMPTY))) {
            x->flags |= MF_PADMARK;
            start = 1;
        } else if (x->bit_size == 0 && lay_pad_name(x->name) && !(x->flags & MF_BASE)) {
            x->flags |= MF_PADMARK;
            start = 1;
            mark_next = 1;       /* a pad field stays between its neighbours */
        }
        if (x->align >= cl)
            start = 1;
        else if (x->bit_size == 0 && !(t->flags & TF_PACKED) && x->offset > 0
                 && x->offset % cl == 0 && sat_round_up(end, x->align) < x->offset) {
            uint64_t p = x->align ? x->align : 1;
            while (p < cl && sat_round_up(end, p) < x->offset)
                p *= 2;
            while (sat_round_up(end, p) < x->offset && p < ((uint64_t)1 << 30))
                p *= 2;
            if (p >= cl && sat_round_up(end, p) == x->offset) {
                x->align = (uint32_t)p;
                start = 1;
            }
        }
        if (start && i > 0)
            x->flags |= MF_GROUP_START;
        uint64_t e = sat_add(x->offset, x->size);
        if (x->bit_size == 0 && x->data_size > 0 && x->data_size < x->size)
            e = sat_add(x->offset, x->data_size);
        if (e > end)
            end = e;
    }
}

void lay_compute_order(lay_type *t, uint32_t cacheline, uint32_t *order)
{
    const uint64_t cl = cacheline ? cacheline : 64;
    t->cacheline = (uint32_t)cl;

    /* rustc lists fields in declaration order; offsets out of that order
    ** mean it reordered them (the default repr), in order a fixed repr */
    int declared_order = 1;
    for (uint32_t i = 1; i < t->nmembers; i++)
        if (t->members[i].bitpos < t->members[i - 1].bitpos)
            declared_order = 0;
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

    t->flags &= ~(uint32_t)(TF_ABI | TF_REPR_RUST | TF_SYNC_FIXED);
    if (t->kind == LAY_STRUCT || t->kind == LAY_CLASS)
        mark_intent(t, cl);
    if (lay_abi_file(t->decl_file))
        t->flags |= TF_ABI;

    int kept = 0;
    t->optimal_size = t->nmembers > 0 ? optimal_order(t, order, &kept) : t->size;
    if (kept)
        t->flags |= TF_SYNC_FIXED;
    /* Rust: fields out of declaration order were reordered by rustc (the
    ** default repr); in declaration order with padding a reorder would
    ** remove, rustc was told not to: #[repr(C)] */
    if (t->lang == LANG_RUST && t->kind == LAY_STRUCT && t->nmembers > 1) {
        if (!declared_order)
            t->flags |= TF_REPR_RUST;
        else if (t->optimal_size < t->size)
            t->flags |= TF_ABI;
    }
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
