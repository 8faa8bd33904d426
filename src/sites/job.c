/*
** sites/job.c -- si_prepare, si_attribute, si_finish (sites.h): the steps
** of the site analysis in order, their statistics and timings.
**
** Contract: as sites.h says; this file only sequences the other files of
** src/sites/ and owns the context they share.
*/
#include "sites/internal.h"

#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ctx_free(si_ctx *x)
{
    if (x->ti) {
        si_ti_free(x->ti);
        free(x->ti);
    }
    free(x->done);
    for (size_t i = 0; i < x->nallocs; i++) {
        free(x->allocs[i].name);
        free(x->allocs[i].reason);
    }
    free(x->allocs);
    if (x->dc) {
        for (size_t i = 0; i < x->nfns; i++)
            free(x->dc[i].v);
        free(x->dc);
    }
    free(x->fns);
    free(x->plts);
    si_amap_free(&x->fn_at);
    si_amap_free(&x->thunk_at);
    si_amap_free(&x->alloc_at);
    si_amap_free(&x->alloc_slot);
    free(x->cal_start);
    free(x->cal);
    free(x->got_callers);
    free(x->srefs);
    free(x->uses);
    free(x->outer);
    free(x->takes);
    si_indirect_free(x);
    si_amap_free(&x->sref_set);
    free(x->rel_off);
    free(x->rel_add);
    free(x->insn);
    free(x->blk_of);
    free(x->leader);
    free(x->blk);
    free(x->in);
    free(x->heap);
    free(x->sites);
    free(x->stores);
    free(x->holders);
    free(x->calls);
    free(x->gstores);
    free(x->dstores);
    free(x->pcalls);
    free(x->queue);
    free(x->want);
    free(x->evc);
    if (x->da)
        da_close(x->da);
    free(x->fin_idx);
    free(x->kc);
    hp_arena_free(&x->kc_names);
    free(x->ds);
    free(x->dfn);
    dl_free(x->dli);
    free(x->scan_note);
}

struct si_job {
    si_ctx x;
    si_stats st;
};

int si_prepare(ei_image *img, ei_image *dwarf, const si_opts *o, si_job **out, hp_err *err)
{
    double t0 = now_s();
    si_job *j = hp_xcalloc(1, sizeof *j);
    si_ctx *x = &j->x;
    x->img = img;
    x->dwarf = dwarf;
    x->st = &j->st;
    x->jobs = o && o->jobs > 0 ? o->jobs : 1;
    x->pacer = (hp_pacer){ o ? o->types_permille : NULL, SI_PACE_PERMILLE };
    hp_pace(&x->pacer);
    *out = NULL;

    si_user_alloc *u = NULL;
    size_t nu = 0, ucap = 0;
    uint8_t *uorig = NULL;
    int rc = -1;
    for (size_t i = 0; o && i < o->nalloc_specs; i++) {
        si_user_alloc ua;
        if (si_parse_alloc(o->alloc_specs[i], &ua, err) != 0)
            goto out;
        si_user_alloc *p = HP_PUSH(u, nu, ucap);
        *p = ua;
    }
    size_t ncli = nu;
    if (o && o->alloc_config && si_read_config(o->alloc_config, &u, &nu, err) != 0)
        goto out;
    uorig = hp_xcalloc(nu + 1, 1);
    for (size_t i = 0; i < nu; i++)
        uorig[i] = i < ncli ? O_USER : O_CONFIG;

    hp_err e2 = {0};
    if (da_open(img->machine, &x->da, &e2) != 0) {
        j->st.no_arch = 1;
        j->st.skipped++;
        x->no_arch = 1;
        x->scan_note = hp_xstrdup(e2.msg);
        rc = 0;
        goto out;
    }
    x->arch = da_arch_of(x->da);
    if (ei_load_symbols(img, &e2) != 0) {
        j->st.skipped++;
        e2.set = 0;
    }
    if (dwarf && dwarf != img) {
        x->dbg = dwarf;
        if (ei_load_symbols(x->dbg, &e2) != 0) {
            j->st.skipped++;
            e2.set = 0;
        }
    }
    si_load_relative(x);
    hp_phase("sites: symbols read");
    hp_pace(&x->pacer);
    si_build_functions(x, u, nu, uorig);
    for (size_t i = 0; i < x->nfns; i++)
        j->st.functions += !x->fns[i].is_plt;
    x->dc = hp_xcalloc(x->nfns + 1, sizeof *x->dc);
    hp_pace(&x->pacer);
    si_load_srefs(x);
    hp_phase("sites: %zu functions found", x->nfns);
    hp_pace(&x->pacer);
    si_scan_callers(x, u, nu, uorig);
    hp_phase("sites: callers scanned");
    hp_pace(&x->pacer);
    si_fixed_point(x);
    hp_phase("sites: wrappers found, code disassembled");
    si_collect_facts(x, dwarf);
    hp_phase("sites: DWARF facts collected");
    if (x->nfns == 0)
        x->scan_note = hp_xstrdup("no function symbols");
    rc = 0;
out:
    hp_pace(NULL);              /* whatever comes next runs at normal priority */
    j->st.seconds = now_s() - t0;
    for (size_t i = 0; i < nu; i++)
        free(u[i].name);
    free(u);
    free(uorig);
    if (rc != 0) {
        si_job_free(j);
        return -1;
    }
    *out = j;
    return 0;
}

void si_attribute(si_job *j, typeset *types)
{
    si_ctx *x = &j->x;
    if (x->attributed || x->no_arch)
        return;
    double t0 = now_s();
    x->types = types;
    si_attribute_sites(x);
    hp_phase("sites: attributed");
    j->st.seconds += now_s() - t0;
}

int si_finish(si_job *j, sqlite3 *db, int64_t binary_id, typeset *types,
              const int64_t *type_ids, si_stats *stats, hp_err *err)
{
    si_attribute(j, types);
    double t0 = now_s();
    si_ctx *x = &j->x;
    x->db = db;
    x->binary_id = binary_id;
    x->type_ids = type_ids;
    int rc = x->no_arch ? si_write_scan(x, x->scan_note, err)
             : si_write_caches(x, err) != 0 || si_write_sites(x, err) != 0
                   || si_write_allocators(x, err) != 0 || si_write_abi(x, err) != 0 ? -1
             : si_write_scan(x, x->scan_note, err);
    hp_phase("sites: stored");
    j->st.seconds += now_s() - t0;
    *stats = j->st;
    return rc;
}

void si_job_free(si_job *j)
{
    if (j == NULL)
        return;
    ctx_free(&j->x);
    free(j);
}

