/*
** sites/decode.c -- decoded function bodies, and decoding ahead in threads.
**
** Contract: si_decode_fn() puts function fi's instructions in x->insn, from
** the decoded cache when it holds them (within DCACHE_BUDGET bytes), and
** counts each body in si_stats once.  pd_start/pd_wait/pd_finish decode a
** round's bodies in x->jobs threads (one decoder each) while the analysis,
** sequential, consumes them in order; which thread decodes a body changes
** nothing but timing.  A call or jump to one of Linux's retpoline thunks
** (__x86_indirect_thunk_REG, calls.c's thunk_at) is decoded as the call
** or jump through REG it stands for, a jump to __x86_return_thunk as a
** ret, a call to __fentry__ as an instruction that changes nothing, a call
** to __stack_chk_fail (panic, do_exit, ...) as one that does not return.
*/
#include "sites/internal.h"

/* Linux's IS_ERR(p) on x86-64: `cmp $-4096, r; ja` (or `cmp $-4095, r;
** jae`, and jbe/jb for the other branch) of a body's bytes at v[i - 1],
** v[i]: the cmp becomes a test of r and the jump's condition says which
** edge holds an error value (as DA_CC_Z the null edge: not an allocation
** there, `if (IS_ERR(p)) return PTR_ERR(p)` returns none). */
static void is_err_check(da_insn *v, size_t i, const uint8_t *body, uint64_t base, size_t len)
{
    static const uint8_t dwreg[8] = { 0, 2, 1, 3, 7, 6, 4, 5 };     /* ModRM -> DWARF */
    da_insn *c = &v[i - 1], *j = &v[i];
    if (c->addr < base || c->addr - base + c->len > len || j->addr - base + j->len > len ||
        c->len < 6)
        return;
    const uint8_t *p = body + (c->addr - base), *q = body + (j->addr - base);
    unsigned r;
    const uint8_t *imm;
    if (c->len == 6 && p[0] == 0x48 && p[1] == 0x3d) {                  /* cmp $imm, %rax */
        r = 0;
        imm = p + 2;
    } else if (c->len == 7 && (p[0] == 0x48 || p[0] == 0x49) && p[1] == 0x81 &&
               (p[2] & 0xf8) == 0xf8) {                                 /* cmp $imm, %r */
        r = (p[2] & 7u) | (p[0] == 0x49 ? 8u : 0u);
        imm = p + 3;
    } else {
        return;
    }
    int32_t k = (int32_t)((uint32_t)imm[0] | (uint32_t)imm[1] << 8 | (uint32_t)imm[2] << 16 |
                          (uint32_t)imm[3] << 24);
    unsigned op = q[0] == 0x0f && j->len >= 2 ? q[1] - 0x10u : q[0];   /* 0f 87 -> 77 */
    int err_taken;
    if ((k == -4096 && op == 0x77) || (k == -4095 && op == 0x73))
        err_taken = 1;          /* ja / jae: the jump is the error's */
    else if ((k == -4096 && op == 0x76) || (k == -4095 && op == 0x72))
        err_taken = 0;          /* jbe / jb: the fall-through is */
    else
        return;
    c->op = DA_OP_TEST;
    c->src = r < 8 ? dwreg[r] : (uint8_t)r;
    c->width = 8;
    c->imm = k;                 /* not 0: an IS_ERR check (flow.c) */
    j->cc = err_taken ? DA_CC_Z : DA_CC_NZ;
}

/* A call or jump to a retpoline thunk is the indirect call or jump
** through its register it stands for; a jump to the return thunk is a
** ret.  In such a kernel, IS_ERR checks are null checks (is_err_check). */
void si_retpoline(const si_ctx *x, da_insn *v, size_t n, const uint8_t *body, uint64_t base,
                  size_t len)
{
    if (x->thunk_at.n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        da_insn *d = &v[i];
        if (d->kind == DA_KIND_JCC && i > 0 && d->cc == DA_CC_OTHER)
            is_err_check(v, i, body, base, len);
        if (d->kind != DA_KIND_CALL && d->kind != DA_KIND_JMP)
            continue;
        int32_t r = si_amap_get(&x->thunk_at, d->target);
        if (r == THUNK_RET && d->kind == DA_KIND_JMP) {
            d->kind = DA_KIND_RET;
            d->target = 0;
            continue;
        }
        if (r == THUNK_HALT && d->kind == DA_KIND_CALL) {
            d->kind = DA_KIND_HALT;         /* no return: nothing falls through */
            continue;
        }
        if (r == THUNK_NOP && d->kind == DA_KIND_CALL) {
            d->kind = DA_KIND_OTHER;        /* __fentry__ saves every register */
            d->op = DA_OP_OTHER;
            d->wmask = 0;
            d->base = d->index = DA_NOREG;
            d->target = 0;
            continue;
        }
        if (r < 0 || r >= DA_NREGS)
            continue;
        d->kind = d->kind == DA_KIND_CALL ? DA_KIND_ICALL : DA_KIND_IJMP;
        d->src = (uint8_t)r;
        d->mem_ind = 0;
        d->base = DA_NOREG;
        d->index = DA_NOREG;
        d->target = 0;
    }
}

int si_decode_fn(si_ctx *x, uint32_t fi)
{
    func *f = &x->fns[fi];
    x->ninsn = 0;
    if (x->dc && x->dc[fi].v) {
        hp_grow((void **)&x->insn, &x->insncap, x->dc[fi].n + 1, sizeof *x->insn);
        memcpy(x->insn, x->dc[fi].v, x->dc[fi].n * sizeof *x->insn);
        x->ninsn = x->dc[fi].n;
        return 0;
    }
    size_t len = 0;
    const uint8_t *p = si_body(x, f, &len);
    if (p == NULL || len == 0) {
        x->st->skipped++;
        return -1;
    }
    size_t bad = da_decode(x->da, p, len, f->addr, &x->insn, &x->ninsn, &x->insncap);
    si_retpoline(x, x->insn, x->ninsn, p, f->addr, len);
    if (!x->dc || !x->dc[fi].counted) {
        x->st->bad_bytes += bad;
        x->st->instructions += x->ninsn;
        x->st->analyzed++;
        if (x->dc)
            x->dc[fi].counted = 1;
    }
    size_t bytes = x->ninsn * sizeof *x->insn;
    if (x->dc && x->dc_bytes + bytes <= DCACHE_BUDGET) {
        x->dc[fi].v = hp_xmalloc(bytes + 1);
        memcpy(x->dc[fi].v, x->insn, bytes);
        x->dc[fi].n = x->ninsn;
        x->dc_bytes += bytes;
    }
    return 0;
}

/* Take the next undecoded body of the round and decode it with da into
** the cache; returns 0 when none is left. */
static int pd_one(pd_pipe *p, da_ctx *da, da_insn **buf, size_t *cap, pd_count *c)
{
    size_t i = atomic_fetch_add(&p->next, 1);
    if (i >= p->n)
        return 0;
    si_ctx *x = p->x;
    uint32_t fi = p->list[i];
    if (p->ptr[i] != NULL) {
        size_t n = 0;
        size_t bad = da_decode(da, p->ptr[i], p->len[i], x->fns[fi].addr, buf, &n, cap);
        si_retpoline(x, *buf, n, p->ptr[i], x->fns[fi].addr, p->len[i]);
        if (!x->dc[fi].counted) {   /* a body past the cache's budget comes again */
            c->insns += n;
            c->bad += bad;
            c->analyzed++;
            x->dc[fi].counted = 1;
        }
        size_t bytes = n * sizeof **buf;
        size_t left = atomic_load(&p->budget);
        while (left >= bytes && !atomic_compare_exchange_weak(&p->budget, &left, left - bytes))
            ;
        if (left >= bytes) {    /* else decoded again when analyzed */
            x->dc[fi].v = hp_xmalloc(bytes + 1);
            memcpy(x->dc[fi].v, *buf, bytes);
            x->dc[fi].n = n;
        }
    }
    pthread_mutex_lock(&p->mu);
    atomic_store_explicit(&p->done[i], 1, memory_order_release);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 1;
}

static void *pd_main(void *arg)
{
    pd_thread *t = arg;
    si_ctx *x = t->p->x;
    da_ctx *da = NULL;
    hp_err e2 = {0};
    if (da_open(x->img->machine, &da, &e2) != 0)
        return NULL;
    da_insn *buf = NULL;
    size_t cap = 0;
    do
        hp_pace(&x->pacer);     /* created at idle priority, maybe */
    while (pd_one(t->p, da, &buf, &cap, &t->c));
    free(buf);
    da_close(da);
    return NULL;
}

/* Start decoding list[0..n) (no threads for a short round, or -j 1: the
** analysis then decodes each body itself). */
void si_pd_start(si_ctx *x, pd_pipe *p, pd_thread *ts, const uint32_t *list, size_t n)
{
    memset(p, 0, sizeof *p);
    p->x = x;
    p->list = list;
    p->n = n;
    int nth = x->jobs < 16 ? x->jobs : 16;
    if (nth < 2 || n < 32)
        return;
    /* section bytes are fetched here, in one thread (ei_section_data fills
    ** a cache); the threads only read them */
    p->ptr = hp_xcalloc(n, sizeof *p->ptr);
    p->len = hp_xcalloc(n, sizeof *p->len);
    p->done = hp_xcalloc(n, sizeof *p->done);
    for (size_t i = 0; i < n; i++) {
        atomic_init(&p->done[i], 0);
        if (!x->dc[list[i]].v && !x->fns[list[i]].is_plt)
            p->ptr[i] = si_body(x, &x->fns[list[i]], &p->len[i]);
    }
    atomic_init(&p->next, 0);
    p->budget0 = DCACHE_BUDGET > x->dc_bytes ? DCACHE_BUDGET - x->dc_bytes : 0;
    atomic_init(&p->budget, p->budget0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int t = 0; t < nth; t++) {
        ts[t] = (pd_thread){ p, { 0, 0, 0 } };
        if (pthread_create(&p->th[t], NULL, pd_main, &ts[t]) != 0)
            break;
        p->nth++;
    }
}

/* Before analyzing list[i]: its body is decoded, by a thread or here. */
void si_pd_wait(pd_pipe *p, size_t i, da_insn **buf, size_t *cap, pd_count *c)
{
    if (p->done == NULL)
        return;
    while (!atomic_load_explicit(&p->done[i], memory_order_acquire)) {
        if (pd_one(p, p->x->da, buf, cap, c))
            continue;
        pthread_mutex_lock(&p->mu);
        while (!atomic_load_explicit(&p->done[i], memory_order_acquire))
            pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

void si_pd_finish(pd_pipe *p, pd_thread *ts, const pd_count *own)
{
    if (p->done == NULL)
        return;
    si_ctx *x = p->x;
    for (int t = 0; t < p->nth; t++) {
        pthread_join(p->th[t], NULL);
        x->st->instructions += ts[t].c.insns;
        x->st->bad_bytes += ts[t].c.bad;
        x->st->analyzed += ts[t].c.analyzed;
    }
    /* bodies nobody took (a thread failed to start: the analysis took them) */
    x->st->instructions += own->insns;
    x->st->bad_bytes += own->bad;
    x->st->analyzed += own->analyzed;
    x->dc_bytes += p->budget0 - atomic_load(&p->budget);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->ptr);
    free(p->len);
    free((void *)p->done);
}

