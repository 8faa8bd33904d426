/*
** sites/values.h -- the algebra of symbolic values the data flow (flow.c)
** computes with.
**
** Contract: constructors (vunk, vconst, varg, vargx, vstack, vret, vload, vsym),
** equality, the meet of two paths (what they agree on: an argument met with
** a constant is the argument "adjusted"; a returned pointer met with
** anything else is "maybe returned"), and the arithmetic the size
** computations use (scale, add, multiply, and with a mask, truncate to 32
** bits; an argument plus a small constant, maybe rounded up, is V_ARGX:
** what a wrapper that adds a header or rounds asks for), each
** exact or V_UNK: a value is never guessed.  All static inline: they run
** for every register at every instruction of every pass.
*/
#ifndef SITES_VALUES_H
#define SITES_VALUES_H

#include "sites/internal.h"

/* a + b as the machine computes it (two's complement, wrapping): random
** code or a huge offset must not be signed overflow */
static inline int64_t wadd(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* a + i * scale + disp, wrapping likewise */
static inline int64_t waddr(int64_t a, int64_t i, unsigned scale, int64_t disp)
{
    return (int64_t)((uint64_t)a + (uint64_t)i * scale + (uint64_t)disp);
}

static inline sv vmk(uint8_t k)
{
    sv v;
    memset(&v, 0, sizeof v);
    v.k = k;
    return v;
}

static inline sv vunk(void) { return vmk(V_UNK); }

static inline sv vconst(int64_t c)
{
    sv v = vmk(V_CONST);
    v.c = c;
    return v;
}

static inline sv varg(int i)
{
    sv v = vmk(V_ARG);
    v.a = (uint8_t)i;
    v.c = 1;
    return v;
}

/* (argument a + hdr) rounded up to 2^align bytes */
static inline sv vargx(uint8_t a, int64_t hdr, uint8_t align)
{
    sv v = vmk(V_ARGX);
    v.a = a;
    v.c = hdr;
    v.b = align;
    return v;
}

/* the most a header may add: bigger constants are something else */
#define MAX_HEADER 4096

static inline sv vstack(int64_t off)
{
    sv v = vmk(V_STACK);
    v.c = off;
    return v;
}

static inline sv vret(uint32_t s)
{
    sv v = vmk(V_RET);
    v.s = s;
    return v;
}

static inline sv vload(uint64_t addr)
{
    sv v = vmk(V_LOAD);
    v.c = (int64_t)addr;
    return v;
}

/* an unknown value produced by instruction ii into register r */
static inline sv vsym(uint32_t ii, unsigned r)
{
    sv v = vmk(V_UNK);
    if (ii < (1u << 26))
        v.s = ((ii + 1) << 5) | (r & 31);
    return v;
}

/* What vsym() recorded in a V_UNK value (v->s != 0): the instruction
** index and the register. */
static inline uint32_t vsym_insn(const sv *v)
{
    return (v->s >> 5) - 1;
}

static inline unsigned vsym_reg(const sv *v)
{
    return v->s & 31;
}

static inline int sv_eq(const sv *a, const sv *b)
{
    /* two words, not a memcmp call: this runs for every register at
    ** every join of every pass */
    _Static_assert(sizeof(sv) == 16, "sv is two words");
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&a1, (const char *)a + 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, (const char *)b + 8, 8);
    return a0 == b0 && a1 == b1;
}

/* the returned pointer itself (offset 0) */
static inline int is_ret(const sv *v)
{
    return (v->k == V_RET || v->k == V_MAYRET) && v->c == 0;
}

/* the returned pointer, or a pointer into the object */
static inline int is_retoff(const sv *v)
{
    return v->k == V_RET || v->k == V_MAYRET;
}

/* What two paths agree on. */
static inline sv meet(sv x, sv y)
{
    if (x.k == V_BOT)
        return y;
    if (y.k == V_BOT)
        return x;
    if (sv_eq(&x, &y))
        return x;
    if (x.k == V_ARG && y.k == V_ARG && x.a == y.a && x.c == y.c) {
        x.adj = 1;
        return x;
    }
    if (x.k == V_PROD && y.k == V_PROD && x.a == y.a && x.b == y.b) {
        x.adj = 1;
        return x;
    }
    if ((x.k == V_ARG || x.k == V_PROD || x.k == V_ARGX) && y.k == V_CONST) {
        x.adj = 1;
        return x;
    }
    if ((y.k == V_ARG || y.k == V_PROD || y.k == V_ARGX) && x.k == V_CONST) {
        y.adj = 1;
        return y;
    }
    if (x.k == V_ARGX && y.k == V_ARGX && x.a == y.a && x.c == y.c && x.b == y.b) {
        x.adj = 1;
        return x;
    }
    if (is_retoff(&x) || is_retoff(&y)) {
        if (is_retoff(&x) && is_retoff(&y) && (x.s != y.s || x.c != y.c))
            return vunk();
        sv r = is_retoff(&x) ? x : y;
        if (r.c != 0)
            return vunk();
        r.k = V_MAYRET;
        return r;
    }
    /* "unknown times k" survives when both sides have the factor */
    if ((x.k == V_UNK || x.k == V_ARG) && (y.k == V_UNK || y.k == V_ARG) &&
        x.c > 1 && x.c == y.c) {
        sv r = vunk();
        r.c = x.c;
        return r;
    }
    return vunk();
}

/* v * m */
static inline sv vscale(sv v, int64_t m)
{
    int64_t r;
    switch (v.k) {
    case V_CONST:
        if (__builtin_mul_overflow(v.c, m, &r))
            return vunk();
        return vconst(r);
    case V_ARG:
    case V_UNK:
        if (m <= 1 && v.k == V_UNK)
            return v;
        if (__builtin_mul_overflow(v.c > 1 ? v.c : 1, m, &r) || r <= 1 || r > (1 << 30))
            return vunk();
        v.c = r;
        v.adj = 0;
        return v;
    case V_PROD: {
        sv u = vunk();
        if (m > 1 && m <= (1 << 30))
            u.c = m;
        return u;
    }
    default:
        return vunk();
    }
}

static inline sv vadd(sv x, sv y)
{
    int64_t r;
    if (x.k == V_CONST && y.k == V_CONST)
        return __builtin_add_overflow(x.c, y.c, &r) ? vunk() : vconst(r);
    if (x.k == V_CONST) {
        sv t = x;
        x = y;
        y = t;
    }
    /* an argument plus a small constant: a header (or the rounding's
    ** addend, see vand) */
    if (y.k == V_CONST && y.c > 0 && y.c <= MAX_HEADER) {
        if (x.k == V_ARG && x.c == 1 && !x.adj)
            return vargx(x.a, y.c, 0);
        if (x.k == V_ARGX && x.b == 0 && !x.adj && x.c + y.c <= MAX_HEADER)
            return vargx(x.a, x.c + y.c, 0);
    }
    if (y.k == V_CONST && (x.k == V_STACK || is_retoff(&x))) {
        x.c = wadd(x.c, y.c);
        return x;
    }
    if (x.k == V_CONST && (y.k == V_STACK || is_retoff(&y))) {
        y.c = wadd(y.c, x.c);
        return y;
    }
    /* multiples of one value: x*a + x*b = x*(a+b) */
    if (x.k == y.k && ((x.k == V_ARG && x.a == y.a && !x.adj && !y.adj) ||
                       (x.k == V_UNK && x.s != 0 && x.s == y.s))) {
        int64_t a = x.c > 1 ? x.c : 1, b = y.c > 1 ? y.c : 1;
        if (__builtin_add_overflow(a, b, &r) || r > (1 << 30))
            return vunk();
        x.c = r;
        return x;
    }
    return vunk();
}

static inline sv vmul(sv x, sv y)
{
    if (x.k == V_CONST)
        return vscale(y, x.c);
    if (y.k == V_CONST)
        return vscale(x, y.c);
    if (x.k == V_ARG && y.k == V_ARG && x.c == 1 && y.c == 1 && !x.adj && !y.adj) {
        sv r = vmk(V_PROD);
        r.a = x.a < y.a ? x.a : y.a;
        r.b = x.a < y.a ? y.a : x.a;
        return r;
    }
    return vunk();
}

/* v & m: a constant, or (arg + hdr + 2^k - 1) & -2^k, arg + hdr rounded up
** to 2^k; anything else is not modelled (V_BOT: the caller clobbers) */
static inline sv vand(sv v, int64_t m)
{
    if (v.k == V_CONST)
        return vconst(v.c & m);
    if (v.k == V_ARGX && v.b == 0 && !v.adj && m < 0 && m >= -MAX_HEADER) {
        uint64_t align = (uint64_t)-m;
        if ((align & (align - 1)) == 0 && align >= 2 && (int64_t)align - 1 <= v.c) {
            v.c -= (int64_t)align - 1;
            v.b = (uint8_t)__builtin_ctzll(align);
            return v;
        }
    }
    return vmk(V_BOT);
}

static inline sv vtrunc32(sv v)
{
    if (v.k == V_CONST)
        return vconst((int64_t)(uint32_t)v.c);
    if (v.k == V_STACK || v.k == V_LOAD || is_retoff(&v))
        return vunk();
    return v;
}

#endif
