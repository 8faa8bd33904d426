/*
** sites/calls.c -- functions, and who may call whom, without decoding.
**
** Contract: si_build_functions() makes one function per symbol address (the
** binary's and the debug file's symbols; PLT stubs included; sizes
** bounded by the next function and the section; one anonymous body per
** executable section when there are no symbols) and marks the allocators
** among them; si_scan_callers() finds, by one byte scan of each body, the
** direct call/jump edges between functions, the functions that call an
** allocator through its GOT slot, the uses of data words initialised
** with a function's address (si_load_srefs()) or with the address of such
** a word (a table behind a pointer), and the functions that take a
** function's address (lea, or an immediate in non-PIC code), so that only
** functions that may reach an allocator are ever decoded.  On an
** architecture whose backend lists a body's references (da_refs: AArch64
** bl/b targets and adrp+add/ldr addresses) those are used instead of the
** x86-64 byte patterns.
*/
#include "sites/internal.h"

typedef struct symref {
    uint64_t addr, size;
    const char *name;
    uint32_t seq;
    uint8_t is_plt;
} symref;

static void collect_syms(si_ctx *x, const ei_image *im, symref **v, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < im->nsymbols; i++) {
        const ei_symbol *s = &im->symbols[i];
        if (s->type == 0 && s->name && strcmp(s->name, "__x86_return_thunk") == 0 &&
            x->arch && strcmp(x->arch->name, "x86_64") == 0)
            si_amap_put(&x->thunk_at, s->addr, THUNK_RET);    /* an assembler label */
        if (s->type != ST_FUNC && s->type != ST_IFUNC)
            continue;
        if (si_exec_section(x->img, s->addr) == NULL)
            continue;
        symref *r = HP_PUSH(*v, *n, *cap);
        r->addr = s->addr;
        r->size = s->size;
        r->name = s->name;
        r->seq = (uint32_t)*n;
        size_t L = strlen(s->name);
        r->is_plt = L > 4 && strcmp(s->name + L - 4, "@plt") == 0;
    }
}

/* Linux's retpoline thunks (-mindirect-branch=thunk-extern): a call to
** __x86_indirect_thunk_rax is call *%rax (also the _call_ and _jump_
** thunks of call depth tracking); the register numbers are DWARF's.  A
** jump to __x86_return_thunk (-mfunction-return=thunk-extern, every
** return of a kernel built with CONFIG_MITIGATION_RETHUNK) is a ret; the
** call to __fentry__ that -mfentry puts at every entry (ftrace) changes no
** register the analysis tracks; a call to __stack_chk_fail, panic, do_exit
** and the like does not return. */
static void retpoline_thunk(si_ctx *x, const char *name, uint64_t addr)
{
    static const char *const pre[] = { "__x86_indirect_thunk_", "__x86_indirect_call_thunk_",
                                       "__x86_indirect_jump_thunk_" };
    static const char *const regs[] = { "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
                                        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
    /* the kernel's functions that never return: what follows their call
    ** is another path's code (gcc puts other blocks right after it) */
    static const char *const noret[] = { "__stack_chk_fail", "panic", "do_exit",
                                         "make_task_dead", "__fortify_panic", "kthread_exit" };
    if (x->arch == NULL || strcmp(x->arch->name, "x86_64") != 0)
        return;
    for (size_t k = 0; k < sizeof noret / sizeof noret[0]; k++)
        if (strcmp(name, noret[k]) == 0)
            si_amap_put(&x->thunk_at, addr, THUNK_HALT);
    if (strncmp(name, "__", 2))
        return;
    if (strcmp(name, "__x86_return_thunk") == 0) {
        si_amap_put(&x->thunk_at, addr, THUNK_RET);
        return;
    }
    if (strcmp(name, "__fentry__") == 0) {
        si_amap_put(&x->thunk_at, addr, THUNK_NOP);
        return;
    }
    for (size_t p = 0; p < sizeof pre / sizeof pre[0]; p++) {
        size_t pl = strlen(pre[p]);
        if (strncmp(name, pre[p], pl) != 0)
            continue;
        for (int r = 0; r < 16; r++)
            if (strcmp(name + pl, regs[r]) == 0 && r != 7)
                si_amap_put(&x->thunk_at, addr, r);
    }
}

void si_build_functions(si_ctx *x, const si_user_alloc *u, size_t nu, const uint8_t *u_origin)
{
    symref *v = NULL;
    size_t n = 0, cap = 0;
    collect_syms(x, x->img, &v, &n, &cap);
    if (x->dbg)
        collect_syms(x, x->dbg, &v, &n, &cap);
    /* by address, then insertion order (seq): a stable sort by address */
    hp_radix_sort(v, n, sizeof *v, offsetof(symref, addr));

    /* Go binaries: runtime.types anchors DW_AT_go_runtime_type */
    for (size_t k = 0; k < 2; k++) {
        const ei_image *im = k == 0 ? x->img : x->dbg;
        if (im == NULL)
            continue;
        for (size_t i = 0; i < im->nsymbols; i++) {
            const char *nm = im->symbols[i].name;
            if (strcmp(nm, "runtime.types") == 0) {
                x->go_types_base = im->symbols[i].addr;
                x->go_binary = 1;
            } else if (!x->go_binary && strcmp(nm, "runtime.newobject") == 0) {
                x->go_binary = 1;
            }
        }
    }

    /* one function per address; every alias name may name an allocator */
    for (size_t i = 0; i < n; ) {
        size_t j = i;
        while (j < n && v[j].addr == v[i].addr)
            j++;
        func *f = HP_PUSH(x->fns, x->nfns, x->fncap);
        memset(f, 0, sizeof *f);
        f->addr = v[i].addr;
        f->name = v[i].name;
        f->is_plt = v[i].is_plt;
        f->alloc = -1;
        uint64_t size = 0;
        for (size_t k = i; k < j; k++)
            if (v[k].size > size)
                size = v[k].size;
        f->size = size;
        /* among aliases (static glibc: malloc and __libc_malloc), a user
        ** declaration first, then the catalogue's own order */
        size_t best = j;
        int best_rank = INT32_MAX;
        for (size_t k = i; k < j; k++) {
            int rank = si_user_match(u, nu, v[k].name) ? -1 : si_cat_match(v[k].name);
            if (rank == -1 && si_class_new(v[k].name))
                rank = INT32_MAX - 1;   /* a class's operator new: after the catalogue */
            if (rank != -1 || si_user_match(u, nu, v[k].name)) {
                if (rank < best_rank) {
                    best_rank = rank;
                    best = k;
                }
            }
        }
        if (best < j)
            f->alloc = si_alloc_for_name(x, v[best].name, f->addr, u, nu, u_origin);
        for (size_t k = i; k < j; k++)
            retpoline_thunk(x, v[k].name, f->addr);
        size_t L = strlen(f->name);
        f->cold = strstr(f->name, ".cold") != NULL;
        f->go_abi = x->go_binary && !(L > 5 && strcmp(f->name + L - 5, ".abi0") == 0) &&
                    !f->is_plt;
        i = j;
    }
    free(v);

    /* sizes: zero-sized symbols extend to the next one; none may overlap
    ** the next function or leave its section */
    for (size_t i = 0; i < x->nfns; i++) {
        func *f = &x->fns[i];
        const ei_section *s = si_exec_section(x->img, f->addr);
        uint64_t lim = s ? s->addr + s->size : f->addr + f->size;
        if (i + 1 < x->nfns && x->fns[i + 1].addr < lim)
            lim = x->fns[i + 1].addr;
        if (f->size == 0 || f->addr + f->size > lim || f->addr + f->size < f->addr)
            f->size = lim - f->addr;
        si_amap_put(&x->fn_at, f->addr, (int32_t)i);
        if (f->alloc >= 0)
            si_amap_put(&x->alloc_at, f->addr, f->alloc);
    }

    /* no function symbols (PLT stubs aside): each executable section
    ** without stubs is one anonymous body, decoded in one sweep; its sites
    ** have no function name and wrappers cannot be told */
    size_t bodies = 0;
    for (size_t i = 0; i < x->nfns; i++)
        bodies += !x->fns[i].is_plt;
    if (bodies == 0) {
        for (size_t i = 0; i < x->img->nsections; i++) {
            const ei_section *s = &x->img->sections[i];
            if ((s->flags & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR) ||
                s->type != SHT_PROGBITS || s->size == 0 || strncmp(s->name, ".plt", 4) == 0)
                continue;
            int stubs = 0;
            for (size_t k = 0; k < x->nfns && !stubs; k++)
                stubs = x->fns[k].addr >= s->addr && x->fns[k].addr - s->addr < s->size;
            if (stubs)
                continue;
            func *f = HP_PUSH(x->fns, x->nfns, x->fncap);
            memset(f, 0, sizeof *f);
            f->addr = s->addr;
            f->size = s->size;
            f->name = NULL;
            f->alloc = -1;
            f->cold = 1;     /* no entry state: never a wrapper */
            si_amap_put(&x->fn_at, f->addr, (int32_t)(x->nfns - 1));
        }
    }
}

/* Allocator reached through GOT slot `slot`, memoized; -1 if none. */
static int32_t got_alloc(si_ctx *x, uint64_t slot, const si_user_alloc *u, size_t nu,
                         const uint8_t *u_origin)
{
    int32_t k = si_amap_get(&x->alloc_slot, slot);
    if (k != -1)
        return k < 0 ? -1 : k;
    const char *nm = ei_got_name(x->img, slot);
    int32_t a = nm ? si_alloc_for_name(x, nm, 0, u, nu, u_origin) : -1;
    si_amap_put(&x->alloc_slot, slot, a >= 0 ? a : -2);
    return a;
}

typedef struct edge {
    uint32_t callee, caller;
} edge;

/* First bytes of the branches scan_callers follows: call/jmp rel32 (e8,
** e9), jmp/jcc rel8 (eb, 70-7f), jcc rel32 (0f 8x), call/jmp [rip+d32]
** (ff 15, ff 25). */
enum { BK_REL32 = 1, BK_REL8, BK_0F, BK_FF };
static const uint8_t branch_kind[256] = {
    [0x70] = BK_REL8, [0x71] = BK_REL8, [0x72] = BK_REL8, [0x73] = BK_REL8,
    [0x74] = BK_REL8, [0x75] = BK_REL8, [0x76] = BK_REL8, [0x77] = BK_REL8,
    [0x78] = BK_REL8, [0x79] = BK_REL8, [0x7a] = BK_REL8, [0x7b] = BK_REL8,
    [0x7c] = BK_REL8, [0x7d] = BK_REL8, [0x7e] = BK_REL8, [0x7f] = BK_REL8,
    [0xeb] = BK_REL8, [0xe8] = BK_REL32, [0xe9] = BK_REL32, [0x0f] = BK_0F, [0xff] = BK_FF,
};

/* Function f (index i) takes the address of the function at a, if any. */
static void note_take(si_ctx *x, uint32_t i, uint64_t a)
{
    int32_t t = si_amap_get(&x->fn_at, a);
    if (t < 0 || (uint32_t)t == i)
        return;
    if (x->ntakes > 0 && x->takes[x->ntakes - 1].fn == i &&
        x->takes[x->ntakes - 1].slot == (uint64_t)t)
        return;
    slotref *r = HP_PUSH(x->takes, x->ntakes, x->takecap);
    r->slot = (uint64_t)t;
    r->fn = i;
    r->zero = 0;
}

/* Opcodes that may take a function's address: lea (8d, rip-relative),
** and in non-PIC code mov $imm32 into a register (b8+r) or r/m (c7 /0). */
static const uint8_t take_op[256] = {
    [0x8d] = 1, [0xb8] = 2, [0xb9] = 2, [0xba] = 2, [0xbb] = 2, [0xbc] = 2, [0xbd] = 2,
    [0xbe] = 2, [0xbf] = 2, [0xc7] = 3,
};

/* The instruction whose opcode is at p[k] (a byte scan: it may be no
** instruction at all, which only costs a lookup) takes the address of a
** function in [lo, hi): noted. */
static void take_at(si_ctx *x, uint32_t i, const uint8_t *p, size_t len, size_t k,
                    uint64_t base, uint64_t lo, uint64_t hi, int pic)
{
    uint64_t a;
    switch (take_op[p[k]]) {
    case 1:                     /* lea disp32(%rip), %reg */
        if (k + 6 > len || (p[k + 1] & 0xc7) != 0x05)
            return;
        a = base + k + 6 + (uint64_t)(int64_t)(int32_t)rd32le(p + k + 2);
        break;
    case 2:                     /* mov $imm32, %r32 (zero-extended) */
        if (pic || k + 5 > len)
            return;
        a = rd32le(p + k + 1);
        break;
    default: {                  /* mov $imm32, r/m (sign-extended) */
        if (pic || k + 2 > len)
            return;
        uint8_t m = p[k + 1];
        size_t at;
        if ((m & 0xf8) == 0xc0)
            at = k + 2;                 /* a register */
        else if ((m & 0xf8) == 0x40 && (m & 7) != 4)
            at = k + 3;                 /* disp8(%reg) */
        else if ((m & 0xf8) == 0x80 && (m & 7) != 4)
            at = k + 6;                 /* disp32(%reg) */
        else
            return;
        if (at + 4 > len)
            return;
        a = (uint64_t)(int64_t)(int32_t)rd32le(p + at);
        break;
    }
    }
    if (a >= lo && a < hi)
        note_take(x, i, a);
}

/* A use of the data word at slot by function i (once for a run of uses
** of the same word). */
static inline void note_use(si_ctx *x, uint32_t i, uint64_t slot)
{
    if (x->nuses == 0 || x->uses[x->nuses - 1].slot != slot || x->uses[x->nuses - 1].fn != i) {
        slotref *us = HP_PUSH(x->uses, x->nuses, x->usecap);
        us->slot = slot;
        us->fn = i;
        us->zero = 0;
    }
}

/* An edge from function i (f) to the function starting at t, unless t is
** inside f itself. */
static inline void note_edge(si_ctx *x, uint32_t i, const func *f, uint64_t t, edge **e,
                             size_t *ne, size_t *ecap)
{
    if (t >= f->addr && t < f->addr + f->size)
        return;
    int32_t c = si_amap_get(&x->fn_at, t);
    if (c < 0)
        return;
    edge *ed = HP_PUSH(*e, *ne, *ecap);
    ed->callee = (uint32_t)c;
    ed->caller = i;
}

/* Function i calls an allocator through a GOT slot. */
static void note_got_caller(si_ctx *x, uint32_t i)
{
    uint32_t *g = HP_PUSH(x->got_callers, x->ngot_callers, x->gotcap);
    *g = i;
}

/* The edges, GOT calls, data-word uses and address takes of function i
** from the references da_refs() lists; 0 when the backend lists none. */
static int scan_refs(si_ctx *x, uint32_t i, const uint8_t *p, size_t len, edge **e, size_t *ne,
                     size_t *ecap, da_ref **rv, size_t *rcap, const si_user_alloc *u, size_t nu,
                     const uint8_t *u_origin)
{
    const func *f = &x->fns[i];
    size_t nr = 0;
    if (!da_refs(x->da, p, len, f->addr, rv, &nr, rcap))
        return 0;
    int got_hit = 0;
    for (size_t k = 0; k < nr; k++) {
        uint64_t t = (*rv)[k].target;
        if ((*rv)[k].kind == DA_REF_ADDR) {
            if (!got_hit && got_alloc(x, t, u, nu, u_origin) >= 0)
                got_hit = 1;
            if (!(t & x->sref_mask) && t >= x->sref_lo && t <= x->sref_hi &&
                si_amap_get(&x->sref_set, t) >= 0)
                note_use(x, i, t);
            note_take(x, i, t);
            continue;
        }
        note_edge(x, i, f, t, e, ne, ecap);
    }
    if (got_hit)
        note_got_caller(x, i);
    return 1;
}

void si_scan_callers(si_ctx *x, const si_user_alloc *u, size_t nu, const uint8_t *u_origin)
{
    edge *e = NULL;
    size_t ne = 0, ecap = 0;
    da_ref *rv = NULL;
    size_t rcap = 0;
    /* where code addresses are: a lea's target or an immediate (non-PIC
    ** code, without relocations: mov $func, ...) outside is no function */
    uint64_t text_lo = UINT64_MAX, text_hi = 0;
    const int pic = x->nrel > 0;
    for (size_t i = 0; i < x->img->nsections; i++) {
        const ei_section *s = &x->img->sections[i];
        if ((s->flags & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR) ||
            s->type != SHT_PROGBITS || s->size == 0)
            continue;
        text_lo = s->addr < text_lo ? s->addr : text_lo;
        text_hi = s->addr + s->size > text_hi ? s->addr + s->size : text_hi;
    }
    for (size_t i = 0; i < x->nfns; i++) {
        func *f = &x->fns[i];
        if ((i & 255) == 0)
            hp_pace(&x->pacer);
        if (f->is_plt || f->alloc >= 0)
            continue;
        size_t len = 0;
        const uint8_t *p = si_body(x, f, &len);
        if (p == NULL || len < 2)
            continue;
        if (scan_refs(x, (uint32_t)i, p, len, &e, &ne, &ecap, &rv, &rcap, u, nu, u_origin))
            continue;
        int got_hit = 0;
        /* the words load_srefs found are 8-byte aligned (sref_mask 7):
        ** most positions fail that test before any range test or lookup */
        const uint64_t lo = x->sref_lo, hi = x->sref_hi, mask = x->sref_mask;
        const uint64_t next = f->addr + 4;     /* rip after a disp32 at k: next + k */
        for (size_t k = 0; k + 2 <= len; k++) {
            /* a disp32 naming a data word that holds a function address
            ** (rip-relative, or absolute in non-PIE code) */
            uint64_t hit = 0;
            if (k + 4 <= len) {
                int64_t disp = (int32_t)rd32le(p + k);
                uint64_t rip = next + k + (uint64_t)disp, abs = (uint64_t)disp;
                if (!(rip & mask) && rip >= lo && rip <= hi && si_amap_get(&x->sref_set, rip) >= 0)
                    hit = rip;
                else if (!(abs & mask) && abs >= lo && abs <= hi &&
                         si_amap_get(&x->sref_set, abs) >= 0)
                    hit = abs;
            }
            if (hit)
                note_use(x, (uint32_t)i, hit);
            uint8_t b = p[k];
            if (take_op[b])
                take_at(x, (uint32_t)i, p, len, k, f->addr, text_lo, text_hi, pic);
            unsigned kind = branch_kind[b];
            if (kind == 0)
                continue;
            uint64_t t;
            if (kind == BK_REL32 && k + 5 <= len) {
                t = f->addr + k + 5 + (uint64_t)(int64_t)(int32_t)rd32le(p + k + 1);
            } else if (kind == BK_REL8) {
                /* short jumps reach a neighbouring function's entry
                ** (a tail call to the next function in the file) */
                t = f->addr + k + 2 + (uint64_t)(int64_t)(int8_t)p[k + 1];
            } else if (kind == BK_0F && k + 6 <= len && (p[k + 1] & 0xf0) == 0x80) {
                t = f->addr + k + 6 + (uint64_t)(int64_t)(int32_t)rd32le(p + k + 2);
            } else if (kind == BK_FF && k + 6 <= len && (p[k + 1] == 0x15 || p[k + 1] == 0x25)) {
                uint64_t gs = f->addr + k + 6 + (uint64_t)(int64_t)(int32_t)rd32le(p + k + 2);
                if (!got_hit && got_alloc(x, gs, u, nu, u_origin) >= 0)
                    got_hit = 1;
                continue;
            } else {
                continue;
            }
            note_edge(x, (uint32_t)i, f, t, &e, &ne, &ecap);
        }
        if (got_hit)
            note_got_caller(x, (uint32_t)i);
    }
    free(rv);
    /* edges by (callee, caller): one 64-bit key each */
    uint64_t *ek = hp_xmalloc((ne + 1) * sizeof *ek);
    for (size_t k = 0; k < ne; k++)
        ek[k] = (uint64_t)e[k].callee << 32 | e[k].caller;
    hp_radix_sort(ek, ne, sizeof *ek, 0);
    for (size_t k = 0; k < ne; k++) {
        e[k].callee = (uint32_t)(ek[k] >> 32);
        e[k].caller = (uint32_t)ek[k];
    }
    free(ek);
    /* uses by (slot, fn): they were appended by function, in order */
    hp_radix_sort(x->uses, x->nuses, sizeof *x->uses, offsetof(slotref, slot));
    /* takers by function taken, likewise */
    hp_radix_sort(x->takes, x->ntakes, sizeof *x->takes, offsetof(slotref, slot));
    x->cal_start = hp_xcalloc(x->nfns + 1, sizeof *x->cal_start);
    x->cal = hp_xmalloc((ne + 1) * sizeof *x->cal);
    size_t w = 0;
    for (size_t i = 0; i < ne; i++) {
        if (i > 0 && e[i].callee == e[i - 1].callee && e[i].caller == e[i - 1].caller)
            continue;
        x->cal[w++] = e[i].caller;
        x->cal_start[e[i].callee + 1]++;
    }
    for (size_t i = 0; i < x->nfns; i++)
        x->cal_start[i + 1] += x->cal_start[i];
    free(e);
}

/* Data words initialised with a function's entry address (function
** pointer tables), sorted by function. */
void si_load_srefs(si_ctx *x)
{
    if (x->srefs_loaded)
        return;
    x->srefs_loaded = 1;
    for (size_t i = 0; i < x->img->nsections; i++) {
        const ei_section *s = &x->img->sections[i];
        if (!(s->flags & SHF_ALLOC) || (s->flags & SHF_EXECINSTR) || s->type != SHT_PROGBITS
            || s->addr == 0 || s->size < 8)
            continue;
        const uint8_t *p;
        size_t n;
        hp_err e2 = {0};
        if (ei_section_data(x->img, s, &p, &n, &e2) != 0 || p == NULL)
            continue;
        uint64_t a0 = (s->addr + 7) & ~(uint64_t)7;
        for (uint64_t a = a0; a + 8 <= s->addr + n; a += 8) {
            uint64_t val = rd64le(p + (a - s->addr));
            int32_t fi = val ? si_amap_get(&x->fn_at, val) : -1;
            if (fi < 0)
                continue;
            slotref *r = HP_PUSH(x->srefs, x->nsrefs, x->srefcap);
            r->slot = a;
            r->fn = (uint32_t)fi;
            r->zero = 0;
        }
    }
    for (size_t i = 0; i < x->nrel; i++) {
        int32_t fi = si_amap_get(&x->fn_at, x->rel_add[i]);
        if (fi < 0)
            continue;
        slotref *r = HP_PUSH(x->srefs, x->nsrefs, x->srefcap);
        r->slot = x->rel_off[i];
        r->fn = (uint32_t)fi;
        r->zero = 0;
    }
    /* by (fn, slot): by slot, then stably by fn (with its zero word) */
    hp_radix_sort(x->srefs, x->nsrefs, sizeof *x->srefs, offsetof(slotref, slot));
    hp_radix_sort(x->srefs, x->nsrefs, sizeof *x->srefs, offsetof(slotref, fn));
    /* words the file initialises with the address of such a word (a
    ** table behind a pointer: static struct ops *cur = &default_ops),
    ** relocated ones only (a PIE's or library's); by (fn, slot) too */
    if (x->nrel > 0 && x->nsrefs > 0) {
        slotref *by_slot = hp_xmalloc(x->nsrefs * sizeof *by_slot);
        memcpy(by_slot, x->srefs, x->nsrefs * sizeof *by_slot);
        hp_radix_sort(by_slot, x->nsrefs, sizeof *by_slot, offsetof(slotref, slot));
        for (size_t i = 0; i < x->nrel; i++) {
            uint64_t v = x->rel_add[i];
            size_t k = hp_lower_bound(by_slot, 0, x->nsrefs, sizeof *by_slot,
                                      offsetof(slotref, slot), v);
            for (; k < x->nsrefs && by_slot[k].slot == v; k++) {
                slotref *r = HP_PUSH(x->outer, x->nouter, x->outercap);
                r->slot = x->rel_off[i];
                r->fn = by_slot[k].fn;
                r->zero = 0;
            }
        }
        free(by_slot);
        hp_radix_sort(x->outer, x->nouter, sizeof *x->outer, offsetof(slotref, slot));
        hp_radix_sort(x->outer, x->nouter, sizeof *x->outer, offsetof(slotref, fn));
    }
    x->sref_lo = UINT64_MAX;
    x->sref_hi = 0;
    x->sref_mask = 7;
    for (size_t i = 0; i < x->nsrefs + x->nouter; i++) {
        uint64_t sl = i < x->nsrefs ? x->srefs[i].slot : x->outer[i - x->nsrefs].slot;
        if (sl & 7)
            x->sref_mask = 0;       /* a relocated word off alignment: test all */
        si_amap_put(&x->sref_set, sl, 1);
        x->sref_lo = sl < x->sref_lo ? sl : x->sref_lo;
        x->sref_hi = sl > x->sref_hi ? sl : x->sref_hi;
    }
}

