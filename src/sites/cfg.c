/*
** sites/cfg.c -- basic blocks, their reverse post-order, dominators and
** natural loops of one decoded function.
**
** Contract: si_build_blocks() cuts x->insn into blocks with up to two
** successors (jumps inside the function; indirect jumps, returns, halts
** and undecodable bytes end a block with none); si_compute_rpo() orders them
** from the entry (unreached blocks last, in address order); si_compute_loops()
** gives each reached block its loop depth (natural loops, one per header;
** irreducible loops not counted).
*/
#include "sites/internal.h"

/* instruction index at exactly addr, or -1 */
static int64_t insn_at(const si_ctx *x, uint64_t addr)
{
    size_t lo = hp_lower_bound(x->insn, 0, x->ninsn, sizeof *x->insn, offsetof(da_insn, addr),
                               addr);
    return lo < x->ninsn && x->insn[lo].addr == addr ? (int64_t)lo : -1;
}

void si_build_blocks(si_ctx *x, const func *f)
{
    size_t n = x->ninsn;
    hp_grow((void **)&x->leader, &x->leader_cap, n + 1, 1);
    memset(x->leader, 0, n + 1);
    hp_grow((void **)&x->blk_of, &x->blk_of_cap, n + 1, sizeof *x->blk_of);
    x->leader[0] = 1;
    for (size_t i = 0; i < n; i++) {
        const da_insn *d = &x->insn[i];
        if ((d->kind == DA_KIND_JCC || d->kind == DA_KIND_JMP) && inside(f, d->target)) {
            int64_t j = insn_at(x, d->target);
            if (j >= 0)
                x->leader[j] = 1;
        }
        if (d->kind == DA_KIND_JCC || d->kind == DA_KIND_JMP || d->kind == DA_KIND_IJMP ||
            d->kind == DA_KIND_RET || d->kind == DA_KIND_HALT || d->kind == DA_KIND_BAD)
            x->leader[i + 1] = 1;
    }
    x->nblk = 0;
    for (size_t i = 0; i < n; i++) {
        if (x->leader[i]) {
            block *b = HP_PUSH(x->blk, x->nblk, x->blkcap);
            memset(b, 0, sizeof *b);
            b->first = (uint32_t)i;
        }
        x->blk[x->nblk - 1].last = (uint32_t)i;
        x->blk_of[i] = (uint32_t)(x->nblk - 1);
    }
    for (size_t b = 0; b < x->nblk; b++) {
        block *B = &x->blk[b];
        const da_insn *d = &x->insn[B->last];
        int fall = B->last + 1 < n;
        B->nsucc = 0;
        if (d->kind == DA_KIND_JCC || d->kind == DA_KIND_JMP) {
            int64_t j = inside(f, d->target) ? insn_at(x, d->target) : -1;
            if (j >= 0)
                B->succ[B->nsucc++] = x->blk_of[j];
            if (d->kind == DA_KIND_JCC && fall)
                B->succ[B->nsucc++] = (uint32_t)(b + 1);
        } else if (d->kind != DA_KIND_IJMP && d->kind != DA_KIND_RET &&
                   d->kind != DA_KIND_HALT && d->kind != DA_KIND_BAD && fall) {
            B->succ[B->nsucc++] = (uint32_t)(b + 1);
        }
    }
}

static void ls_grow(loopscratch *ls, size_t n)
{
    if (n <= ls->cap)
        return;
    size_t c = ls->cap ? ls->cap : 64;
    while (c < n)
        c *= 2;
    ls->rpo_order = hp_xrealloc(ls->rpo_order, c * sizeof *ls->rpo_order);
    ls->pos = hp_xrealloc(ls->pos, c * sizeof *ls->pos);
    ls->pred_start = hp_xrealloc(ls->pred_start, (c + 1) * sizeof *ls->pred_start);
    ls->pred = hp_xrealloc(ls->pred, 2 * c * sizeof *ls->pred);
    ls->stack = hp_xrealloc(ls->stack, (2 * c + 2) * sizeof *ls->stack);
    ls->stamp = hp_xrealloc(ls->stamp, c * sizeof *ls->stamp);
    ls->sidx = hp_xrealloc(ls->sidx, c);
    ls->dpre = hp_xrealloc(ls->dpre, c * sizeof *ls->dpre);
    ls->dpost = hp_xrealloc(ls->dpost, c * sizeof *ls->dpost);
    ls->dchild_start = hp_xrealloc(ls->dchild_start, (c + 1) * sizeof *ls->dchild_start);
    ls->dchild = hp_xrealloc(ls->dchild, c * sizeof *ls->dchild);
    ls->dnext = hp_xrealloc(ls->dnext, c * sizeof *ls->dnext);
    ls->cap = c;
}

void si_ls_free(loopscratch *ls)
{
    free(ls->rpo_order);
    free(ls->pos);
    free(ls->pred_start);
    free(ls->pred);
    free(ls->stack);
    free(ls->stamp);
    free(ls->sidx);
    free(ls->dpre);
    free(ls->dpost);
    free(ls->dchild_start);
    free(ls->dchild);
    free(ls->dnext);
    memset(ls, 0, sizeof *ls);
}

/* Reverse post-order of the blocks from the entry (iterative DFS): the
** order the data flow visits them in and the one dominators need.  Sets
** blk[].rpo (UINT32_MAX for the blocks the entry does not reach). */
void si_compute_rpo(si_ctx *x, loopscratch *LS)
{
    size_t nb = x->nblk;
    block *B = x->blk;
    ls_grow(LS, nb + 1);
    LS->npo = 0;
    if (nb == 0)
        return;
    size_t sp = 0, npo = 0;
    memset(LS->sidx, 0, nb);
    uint8_t *seen = x->leader;      /* free scratch, one byte per block */
    memset(seen, 0, nb);
    LS->stack[sp++] = 0;
    seen[0] = 1;
    while (sp > 0) {
        uint32_t b = LS->stack[sp - 1];
        if (LS->sidx[b] < B[b].nsucc) {
            uint32_t t = B[b].succ[LS->sidx[b]++];
            if (!seen[t]) {
                seen[t] = 1;
                LS->stack[sp++] = t;
            }
        } else {
            LS->rpo_order[npo++] = b;
            sp--;
        }
    }
    for (size_t i = 0; i < npo / 2; i++) {
        uint32_t t = LS->rpo_order[i];
        LS->rpo_order[i] = LS->rpo_order[npo - 1 - i];
        LS->rpo_order[npo - 1 - i] = t;
    }
    LS->npo = npo;
    for (size_t b = 0; b < nb; b++) {
        B[b].rpo = UINT32_MAX;
        if (!seen[b])
            LS->rpo_order[npo++] = (uint32_t)b;
    }
    for (size_t i = 0; i < nb; i++)
        LS->pos[LS->rpo_order[i]] = (uint32_t)i;
    for (size_t i = 0; i < LS->npo; i++)
        B[LS->rpo_order[i]].rpo = (uint32_t)i;
}

/* Loop work (idom steps, loop body blocks) allowed per block of the
** function: past it the loops are not counted (site_scan.skipped). */
#define LOOP_WORK 64

static uint32_t intersect(const block *B, uint32_t a, uint32_t b, size_t *budget)
{
    while (a != b && *budget > 0) {
        while (B[a].rpo > B[b].rpo && (*budget)-- > 0)
            a = B[a].idom;
        while (B[b].rpo > B[a].rpo && (*budget)-- > 0)
            b = B[b].idom;
    }
    return a;
}

/* Out of loop work: no block is in a loop (depth 0 everywhere). */
static void loops_given_up(si_ctx *x)
{
    for (size_t b = 0; b < x->nblk; b++)
        x->blk[b].loop_depth = 0;
    x->st->skipped++;
}

/* Pre- and post-order numbers of the dominator tree (iterative DFS): h
** dominates u exactly when u's interval nests in h's. */
static void number_domtree(si_ctx *x, loopscratch *LS)
{
    size_t nb = x->nblk, npo = LS->npo;
    block *B = x->blk;
    memset(LS->dchild_start, 0, (nb + 1) * sizeof *LS->dchild_start);
    uint32_t root = LS->rpo_order[0];
    for (size_t i = 1; i < npo; i++) {
        uint32_t b = LS->rpo_order[i];
        if (B[b].idom != UINT32_MAX)
            LS->dchild_start[B[b].idom + 1]++;
    }
    for (size_t b = 0; b < nb; b++)
        LS->dchild_start[b + 1] += LS->dchild_start[b];
    memcpy(LS->dnext, LS->dchild_start, nb * sizeof *LS->dnext);
    for (size_t i = 1; i < npo; i++) {
        uint32_t b = LS->rpo_order[i];
        if (B[b].idom != UINT32_MAX)
            LS->dchild[LS->dnext[B[b].idom]++] = b;
    }
    for (size_t b = 0; b < nb; b++) {
        LS->dpre[b] = UINT32_MAX;       /* not in the tree: dominates nothing */
        LS->dpost[b] = 0;
    }
    memcpy(LS->dnext, LS->dchild_start, nb * sizeof *LS->dnext);
    uint32_t clock = 0;
    size_t sp = 0;
    LS->stack[sp++] = root;
    LS->dpre[root] = clock++;
    while (sp > 0) {
        uint32_t u = LS->stack[sp - 1];
        if (LS->dnext[u] < LS->dchild_start[u + 1]) {
            uint32_t c = LS->dchild[LS->dnext[u]++];
            LS->dpre[c] = clock++;
            LS->stack[sp++] = c;
        } else {
            LS->dpost[u] = clock++;
            sp--;
        }
    }
}

/* blk[].loop_depth for the blocks reached from the entry; LS holds the
** order si_compute_rpo() found for this function */
void si_compute_loops(si_ctx *x, loopscratch *LS)
{
    size_t nb = x->nblk;
    block *B = x->blk;
    for (size_t b = 0; b < nb; b++) {
        B[b].idom = UINT32_MAX;
        B[b].loop_depth = 0;
    }
    size_t npo = LS->npo, sp;
    if (npo == 0)
        return;
    /* predecessors among reached blocks */
    memset(LS->pred_start, 0, (nb + 1) * sizeof *LS->pred_start);
    for (size_t b = 0; b < nb; b++)
        if (B[b].rpo != UINT32_MAX)
            for (int k = 0; k < B[b].nsucc; k++)
                LS->pred_start[B[b].succ[k] + 1]++;
    for (size_t b = 0; b < nb; b++)
        LS->pred_start[b + 1] += LS->pred_start[b];
    memcpy(LS->stamp, LS->pred_start, nb * sizeof *LS->stamp);
    for (size_t b = 0; b < nb; b++)
        if (B[b].rpo != UINT32_MAX)
            for (int k = 0; k < B[b].nsucc; k++)
                LS->pred[LS->stamp[B[b].succ[k]]++] = (uint32_t)b;
    /* dominators, within a budget of idom steps (irreducible or giant
    ** graphs take many rounds) */
    size_t budget = LOOP_WORK * (nb + 1) + 4096;
    B[LS->rpo_order[0]].idom = LS->rpo_order[0];
    for (int changed = 1, rounds = 0; changed && rounds < 1000; rounds++) {
        changed = 0;
        for (size_t i = 1; i < npo; i++) {
            uint32_t b = LS->rpo_order[i];
            uint32_t nd = UINT32_MAX;
            for (uint32_t k = LS->pred_start[b]; k < LS->pred_start[b + 1]; k++) {
                uint32_t p = LS->pred[k];
                if (B[p].idom == UINT32_MAX)
                    continue;
                nd = nd == UINT32_MAX ? p : intersect(B, p, nd, &budget);
            }
            if (budget == 0) {
                loops_given_up(x);
                return;
            }
            if (nd != UINT32_MAX && B[b].idom != nd) {
                B[b].idom = nd;
                changed = 1;
            }
        }
    }
    number_domtree(x, LS);
    /* natural loops: for each header h, the blocks that reach a back edge
    ** source without passing h; all back edges into h form one loop */
    for (size_t b = 0; b < nb; b++)
        LS->stamp[b] = UINT32_MAX;
    for (size_t i = 0; i < npo; i++) {
        uint32_t h = LS->rpo_order[i];
        sp = 0;
        for (uint32_t k = LS->pred_start[h]; k < LS->pred_start[h + 1]; k++) {
            uint32_t u = LS->pred[k];
            /* does h dominate u? */
            if (LS->dpre[u] != UINT32_MAX && LS->dpre[h] <= LS->dpre[u] &&
                LS->dpost[u] <= LS->dpost[h])
                LS->stack[sp++] = u;
        }
        if (sp == 0)
            continue;
        LS->stamp[h] = h;
        if (B[h].loop_depth < 255)
            B[h].loop_depth++;
        while (sp > 0) {
            if (budget == 0) {
                loops_given_up(x);
                return;
            }
            budget--;
            uint32_t u = LS->stack[--sp];
            if (LS->stamp[u] == h)
                continue;
            LS->stamp[u] = h;
            if (B[u].loop_depth < 255)
                B[u].loop_depth++;
            for (uint32_t k = LS->pred_start[u]; k < LS->pred_start[u + 1]; k++)
                if (LS->stamp[LS->pred[k]] != h)
                    LS->stack[sp++] = LS->pred[k];
        }
    }
}

