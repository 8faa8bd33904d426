/*
** diff.c -- implementation of diff.h: compare two holeprof databases.
**
** Shape: each side is loaded whole (binaries, types, optional allocation
** data and sites) through a read-only connection; matching is done by
** sorting both sides on the same string keys and walking them together,
** so the cost is O(n log n) in types and the rules are easy to mirror in
** SQL (queries/diff.sql).  Members are read only for matched types whose
** layout changed.  All output is built in one buffer and written at the
** end, so an error never leaves half a report on stdout.
**
** Numbers read back are bounded (DIF_MAX) before any arithmetic: the
** databases are input files like any other.
*/
#include "diff.h"
#include "cifmt.h"
#include "report.h"
#include "store.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIF_MAX ((int64_t)1 << 48)

/* ---- small utilities shared with budget.c -------------------------------- */

void dif_json_str(hp_buf *b, const char *s)
{
    if (s == NULL)
        hp_buf_puts(b, "null");
    else
        fmt_json_string(b, s, strlen(s));
}

static int dif_is_number(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && *s != '.' && *s != '%' && *s != ' ' && *s != '-'
            && *s != '>' && *s != '+')
            return 0;
    return 1;
}

void dif_table_row(dif_table *t, const char *const *cells)
{
    size_t need = (t->nrows + 1) * t->ncols;
    hp_grow((void **)&t->cells, &t->cap, need, sizeof *t->cells);
    for (size_t c = 0; c < t->ncols; c++) {
        const char *v = cells[c] ? cells[c] : "";
        char *p = hp_text_safe(v);   /* one row, one line */
        t->cells[t->nrows * t->ncols + c] = p;
    }
    t->nrows++;
}

void dif_table_print(dif_table *t, hp_buf *b)
{
    size_t *w = hp_xcalloc(t->ncols + 1, sizeof *w);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t n = strlen(t->cells[r * t->ncols + c]);
            if (n > w[c])
                w[c] = n;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        hp_buf line = { 0 };
        for (size_t c = 0; c < t->ncols; c++) {
            const char *v = t->cells[r * t->ncols + c];
            size_t n = strlen(v);
            int right = r > 0 && dif_is_number(v);
            if (c > 0)
                hp_buf_puts(&line, "  ");
            if (right)
                for (size_t k = n; k < w[c]; k++)
                    hp_buf_putn(&line, " ", 1);
            hp_buf_puts(&line, v);
            if (!right && c + 1 < t->ncols)
                for (size_t k = n; k < w[c]; k++)
                    hp_buf_putn(&line, " ", 1);
        }
        while (line.len > 0 && line.s[line.len - 1] == ' ')
            line.s[--line.len] = '\0';
        hp_buf_puts(b, line.s ? line.s : "");
        hp_buf_puts(b, "\n");
        hp_buf_free(&line);
    }
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(w);
    memset(t, 0, sizeof *t);
}

/* ---- allocation data ------------------------------------------------------ */

/* Column names of relation `rel` (table or view, TEMP shadows included),
** as a NUL-separated list in b; 0 if the relation does not exist. */
static int dif_columns(sqlite3 *db, const char *rel, hp_buf *b)
{
    sqlite3_stmt *st = NULL;
    char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" LIMIT 0", rel);
    int ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && st != NULL;
    sqlite3_free(sql);
    hp_buf_reset(b);
    if (!ok) {
        sqlite3_finalize(st);
        return 0;
    }
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        const char *n = sqlite3_column_name(st, i);
        hp_buf_puts(b, n ? n : "");
        hp_buf_putn(b, "\n", 1);
    }
    sqlite3_finalize(st);
    return 1;
}

static int dif_has(const hp_buf *cols, const char *name)
{
    if (cols->s == NULL)
        return 0;
    size_t n = strlen(name);
    for (const char *p = cols->s; *p;) {
        const char *e = strchr(p, '\n');
        if (e == NULL)
            break;
        if ((size_t)(e - p) == n && sqlite3_strnicmp(p, name, (int)n) == 0)
            return 1;
        p = e + 1;
    }
    return 0;
}

static const char *dif_first(const hp_buf *cols, const char *const *names)
{
    for (; *names; names++)
        if (dif_has(cols, *names))
            return *names;
    return NULL;
}

static int dif_alloc_cmp(const void *a, const void *b)
{
    int64_t x = ((const dif_alloc *)a)->type_id, y = ((const dif_alloc *)b)->type_id;
    return (x > y) - (x < y);
}

int dif_load_extras(sqlite3 *db, const char *path, dif_extras *x, hp_err *err)
{
    static const char *const alloc_names[] = { "allocations", NULL };
    static const char *const now_names[] = { "class_now", "class_bytes", NULL };
    static const char *const after_names[] = { "class_after", "class_optimal", NULL };
    static const char *const score_names[] = { "score", NULL };
    hp_buf cols = { 0 }, cols2 = { 0 };
    char *sql = NULL;
    int from_view = 0;
    memset(x, 0, sizeof *x);

    if (dif_columns(db, "waste", &cols) && dif_has(&cols, "type_id")) {
        const char *a = dif_first(&cols, alloc_names), *cn = dif_first(&cols, now_names);
        const char *ca = dif_first(&cols, after_names), *sc = dif_first(&cols, score_names);
        if (a || cn || ca || sc) {
            x->has_alloc = a != NULL;
            x->has_class = cn != NULL && ca != NULL;
            x->has_score = sc != NULL;
            x->source = "the waste view";
            from_view = 1;
            sql = sqlite3_mprintf(
                "SELECT type_id, %s%s%s, %s%s%s, %s%s%s, %s%s%s FROM waste"
                " WHERE type_id IS NOT NULL GROUP BY type_id",
                a ? "sum(\"" : "NULL", a ? a : "", a ? "\")" : "",
                x->has_class ? "max(\"" : "NULL", x->has_class ? cn : "", x->has_class ? "\")" : "",
                x->has_class ? "max(\"" : "NULL", x->has_class ? ca : "", x->has_class ? "\")" : "",
                sc ? "sum(\"" : "NULL", sc ? sc : "", sc ? "\")" : "");
        }
    }
    if (sql == NULL && dif_columns(db, "sites", &cols) && dif_has(&cols, "type_id")
        && dif_has(&cols, "id") && dif_columns(db, "site_counts", &cols2)
        && dif_has(&cols2, "site_id") && dif_has(&cols2, "allocations")) {
        x->has_alloc = 1;
        x->source = "measured counts (site_counts)";
        sql = sqlite3_mprintf("SELECT s.type_id, sum(c.allocations), NULL, NULL, NULL"
                              " FROM site_counts c JOIN sites s ON s.id = c.site_id"
                              " WHERE s.type_id IS NOT NULL GROUP BY s.type_id");
    }
    if (sql == NULL && dif_columns(db, "sites", &cols) && dif_has(&cols, "type_id")
        && dif_has(&cols, "static_weight")) {
        x->has_alloc = 1;
        x->source = "static site weights (sites.static_weight)";
        sql = sqlite3_mprintf("SELECT type_id, sum(static_weight), NULL, NULL, NULL FROM sites"
                              " WHERE type_id IS NOT NULL GROUP BY type_id");
    }
    hp_buf_free(&cols);
    hp_buf_free(&cols2);
    if (sql == NULL)
        return 0;

    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return hp_errf(err, path, "cannot read allocation data: %s", sqlite3_errmsg(db));
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        dif_alloc *r = HP_PUSH(x->rows, x->n, cap);
        r->type_id = sqlite3_column_int64(st, 0);
        r->allocations = sqlite3_column_double(st, 1);
        r->class_now = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
        r->class_after = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
        r->score = sqlite3_column_double(st, 4);
        if (!isfinite(r->allocations) || r->allocations < 0 || r->allocations > 1e18
            || !isfinite(r->score) || fabs(r->score) > 1e30 || r->class_now > DIF_MAX
            || r->class_after > DIF_MAX) {
            sqlite3_finalize(st);
            dif_extras_free(x);
            return hp_errf(err, path, "damaged database: allocation data out of range");
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        dif_extras_free(x);
        return hp_errf(err, path, "cannot read allocation data: %s", sqlite3_errmsg(db));
    }
    /* Sites that name no type (none found, or none attributed) carry no
    ** weights: weighing everything by 0 would hide every change, so the
    ** database counts as having no allocation data. */
    if (!from_view) {
        int any = 0;
        for (size_t i = 0; i < x->n && !any; i++)
            any = x->rows[i].allocations > 0;
        if (!any) {
            dif_extras_free(x);
            memset(x, 0, sizeof *x);
            return 0;
        }
    }
    if (x->n > 1)
        qsort(x->rows, x->n, sizeof *x->rows, dif_alloc_cmp);
    return 0;
}

const dif_alloc *dif_extra_for(const dif_extras *x, int64_t type_id)
{
    dif_alloc key;
    key.type_id = type_id;
    return x->n ? bsearch(&key, x->rows, x->n, sizeof *x->rows, dif_alloc_cmp) : NULL;
}

void dif_extras_free(dif_extras *x)
{
    free(x->rows);
    x->rows = NULL;
    x->n = 0;
}

/* ---- one side --------------------------------------------------------------- */

typedef struct dif_bin {
    int64_t id;
    char *path, *build_id;
    const char *key;            /* pairing key: "", basename or path */
} dif_bin;

typedef struct dif_type {
    int64_t id, binary_id;
    char *kind, *name, *decl_file, *hash;
    const char *binkey;
    char *base;                 /* binkey \x1f kind \x1f name */
    char *key;                  /* base \x1f decl_file-if-repeated */
    int64_t decl_line, size, members, holes, hole_bytes, bit_holes, bit_hole_bits;
    int64_t tail_padding, optimal_size;
    int incomplete;             /* types.incomplete: hole numbers unknown (0 here) */
    int64_t rank;
    const dif_alloc *ex;
    struct dif_type *peer;
} dif_type;

typedef struct dif_site {
    const char *binkey;
    char *function, *file, *allocator, *type;
    int64_t line, pc;
    char *kf, *k2;              /* binkey+function, binkey+function+alloc+type */
    int64_t shift;              /* its function's line shift, old -> new */
    struct dif_site *peer;
    int moved;
} dif_site;

typedef struct dif_side {
    const char *path;
    sqlite3 *db;
    dif_bin *bins;
    size_t nbins, bcap;
    dif_type *types;
    size_t ntypes, tcap;
    dif_site *sites;
    size_t nsites, scap;
    int has_sites;
    dif_extras ex;
} dif_side;

static char *dif_col_dup(sqlite3_stmt *s, int c)
{
    const unsigned char *t = sqlite3_column_text(s, c);
    return t ? hp_xstrdup((const char *)t) : NULL;
}

static const char *dif_basename(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int dif_load_bins(dif_side *d, hp_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(d->db, "SELECT id, path, build_id FROM binaries ORDER BY id", -1,
                           &st, NULL) != SQLITE_OK)
        return hp_errf(err, d->path, "cannot read binaries: %s", sqlite3_errmsg(d->db));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        dif_bin *b = HP_PUSH(d->bins, d->nbins, d->bcap);
        b->id = sqlite3_column_int64(st, 0);
        b->path = dif_col_dup(st, 1);
        b->build_id = dif_col_dup(st, 2);
        if (b->path == NULL)
            b->path = hp_xstrdup("");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hp_errf(err, d->path, "cannot read binaries: %s", sqlite3_errmsg(d->db));
    for (size_t i = 0; i < d->nbins; i++) {
        dif_bin *b = &d->bins[i];
        if (d->nbins == 1) {
            b->key = "";
            continue;
        }
        const char *base = dif_basename(b->path);
        int dup = 0;
        for (size_t j = 0; j < d->nbins; j++)
            if (j != i && strcmp(dif_basename(d->bins[j].path), base) == 0)
                dup = 1;
        b->key = dup ? b->path : base;
    }
    return 0;
}

static const dif_bin *dif_bin_of(const dif_side *d, int64_t id)
{
    for (size_t i = 0; i < d->nbins; i++)
        if (d->bins[i].id == id)
            return &d->bins[i];
    return NULL;
}

static int dif_load_types(dif_side *d, hp_err *err)
{
    static const char sql[] =
        "SELECT id, binary_id, kind, name, decl_file, coalesce(decl_line, 0), size, members,"
        " coalesce(holes, 0), coalesce(hole_bytes, 0), coalesce(bit_holes, 0),"
        " coalesce(bit_hole_bits, 0), coalesce(tail_padding, 0), coalesce(optimal_size, size),"
        " layout_hash, incomplete"
        " FROM types ORDER BY id";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        return hp_errf(err, d->path, "cannot read types: %s", sqlite3_errmsg(d->db));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        dif_type *t = HP_PUSH(d->types, d->ntypes, d->tcap);
        memset(t, 0, sizeof *t);
        t->id = sqlite3_column_int64(st, 0);
        t->binary_id = sqlite3_column_int64(st, 1);
        t->kind = dif_col_dup(st, 2);
        t->name = dif_col_dup(st, 3);
        t->decl_file = dif_col_dup(st, 4);
        t->hash = dif_col_dup(st, 14);
        t->incomplete = sqlite3_column_int(st, 15) != 0;
        int64_t *v[] = { &t->decl_line, &t->size, &t->members, &t->holes, &t->hole_bytes,
                         &t->bit_holes, &t->bit_hole_bits, &t->tail_padding, &t->optimal_size };
        for (int i = 0; i < 9; i++) {
            *v[i] = sqlite3_column_int64(st, 5 + i);
            if (*v[i] < 0 || *v[i] > DIF_MAX) {
                sqlite3_finalize(st);
                return hp_errf(err, d->path, "damaged database: type id %lld has value %lld"
                               " out of range", (long long)t->id, (long long)*v[i]);
            }
        }
        if (t->kind == NULL || t->name == NULL) {
            sqlite3_finalize(st);
            return hp_errf(err, d->path, "damaged database: type id %lld lacks kind or name",
                           (long long)t->id);
        }
        if (t->hash == NULL)
            t->hash = hp_xstrdup("");
        const dif_bin *b = dif_bin_of(d, t->binary_id);
        if (b == NULL) {
            sqlite3_finalize(st);
            return hp_errf(err, d->path, "damaged database: type id %lld names binary %lld,"
                           " which does not exist", (long long)t->id, (long long)t->binary_id);
        }
        t->binkey = b->key;
        t->base = hp_xasprintf("%s\x1f%s\x1f%s", t->binkey, t->kind, t->name);
        t->ex = NULL;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hp_errf(err, d->path, "cannot read types: %s", sqlite3_errmsg(d->db));
    return 0;
}

/* Sites, when the table has at least a function and a line. */
static int dif_load_sites(dif_side *d, hp_err *err)
{
    hp_buf cols = { 0 }, fcols = { 0 };
    if (!dif_columns(d->db, "sites", &cols)) {
        hp_buf_free(&cols);
        return 0;
    }
    const char *fn = NULL, *join = "";
    if (dif_has(&cols, "function"))
        fn = "s.function";
    else if (dif_has(&cols, "function_id") && dif_columns(d->db, "functions", &fcols)
             && dif_has(&fcols, "name") && dif_has(&fcols, "id")) {
        fn = "f.name";
        join = " LEFT JOIN functions f ON f.id = s.function_id";
    }
    int ok = fn != NULL && dif_has(&cols, "line");
    char *sql = NULL;
    if (ok)
        sql = sqlite3_mprintf(
            "SELECT %s, %s, %s, s.line, %s, %s, %s FROM sites s%s%s ORDER BY s.rowid",
            dif_has(&cols, "binary_id") ? "s.binary_id" : "NULL", fn,
            dif_has(&cols, "file") ? "s.file" : "NULL",
            dif_has(&cols, "allocator") ? "s.allocator" : "NULL",
            dif_has(&cols, "type_id") ? "t.kind || ' ' || t.name" : "NULL",
            dif_has(&cols, "pc") ? "s.pc" : "NULL",
            dif_has(&cols, "type_id") ? " LEFT JOIN types t ON t.id = s.type_id" : "", join);
    hp_buf_free(&cols);
    hp_buf_free(&fcols);
    if (!ok)
        return 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return hp_errf(err, d->path, "cannot read sites: %s", sqlite3_errmsg(d->db));
    d->has_sites = 1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        dif_site *s = HP_PUSH(d->sites, d->nsites, d->scap);
        memset(s, 0, sizeof *s);
        const dif_bin *b = sqlite3_column_type(st, 0) == SQLITE_NULL
                               ? (d->nbins ? &d->bins[0] : NULL)
                               : dif_bin_of(d, sqlite3_column_int64(st, 0));
        s->binkey = b ? b->key : "";
        s->function = dif_col_dup(st, 1);
        s->file = dif_col_dup(st, 2);
        s->line = sqlite3_column_int64(st, 3);
        s->allocator = dif_col_dup(st, 4);
        s->type = dif_col_dup(st, 5);
        s->pc = sqlite3_column_int64(st, 6);
        if (s->line < 0 || s->line > DIF_MAX)
            s->line = 0;
        s->kf = hp_xasprintf("%s\x1f%s\x1f", s->binkey, s->function ? s->function : "");
        s->k2 = hp_xasprintf("%s%s\x1f%s", s->kf, s->allocator ? s->allocator : "",
                             s->type ? s->type : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hp_errf(err, d->path, "cannot read sites: %s", sqlite3_errmsg(d->db));
    return 0;
}

static int dif_load(dif_side *d, const char *path, const char *binsel, hp_err *err)
{
    memset(d, 0, sizeof *d);
    d->path = path;
    if (st_open_read(path, &d->db, err) != 0)
        return -1;
    if (binsel != NULL && mrg_select_binary(d->db, path, binsel, NULL, err) != 0)
        return -1;
    if (dif_load_bins(d, err) != 0 || dif_load_types(d, err) != 0
        || dif_load_extras(d->db, path, &d->ex, err) != 0 || dif_load_sites(d, err) != 0)
        return -1;
    for (size_t i = 0; i < d->ntypes; i++)
        d->types[i].ex = dif_extra_for(&d->ex, d->types[i].id);
    return 0;
}

static void dif_side_free(dif_side *d)
{
    for (size_t i = 0; i < d->nbins; i++) {
        free(d->bins[i].path);
        free(d->bins[i].build_id);
    }
    free(d->bins);
    for (size_t i = 0; i < d->ntypes; i++) {
        dif_type *t = &d->types[i];
        free(t->kind);
        free(t->name);
        free(t->decl_file);
        free(t->hash);
        free(t->base);
        free(t->key);
    }
    free(d->types);
    for (size_t i = 0; i < d->nsites; i++) {
        dif_site *s = &d->sites[i];
        free(s->function);
        free(s->file);
        free(s->allocator);
        free(s->type);
        free(s->kf);
        free(s->k2);
    }
    free(d->sites);
    dif_extras_free(&d->ex);
    if (d->db)
        sqlite3_close(d->db);
}

/* ---- matching ---------------------------------------------------------------- */

static int dif_cmp_base(const void *a, const void *b)
{
    return strcmp((*(dif_type *const *)a)->base, (*(dif_type *const *)b)->base);
}

/* Key order, then the tie-break order diff.sql's row_number() uses. */
static int dif_cmp_key(const void *a, const void *b)
{
    const dif_type *x = *(dif_type *const *)a, *y = *(dif_type *const *)b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    if (x->decl_line != y->decl_line)
        return x->decl_line < y->decl_line ? -1 : 1;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    c = strcmp(x->hash, y->hash);
    if (c != 0)
        return c;
    return (x->id > y->id) - (x->id < y->id);
}

/* How many rows of side `v` (sorted by base) have this base. */
static size_t dif_count_base(dif_type **v, size_t n, const char *base)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(v[mid]->base, base) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = 0;
    while (lo + k < n && strcmp(v[lo + k]->base, base) == 0)
        k++;
    return k;
}

static dif_type **dif_sorted(dif_side *d, int (*cmp)(const void *, const void *))
{
    dif_type **v = hp_xcalloc(d->ntypes + 1, sizeof *v);
    for (size_t i = 0; i < d->ntypes; i++)
        v[i] = &d->types[i];
    qsort(v, d->ntypes, sizeof *v, cmp);
    return v;
}

static void dif_match_types(dif_side *a, dif_side *b)
{
    dif_type **va = dif_sorted(a, dif_cmp_base), **vb = dif_sorted(b, dif_cmp_base);
    for (int side = 0; side < 2; side++) {
        dif_side *d = side ? b : a;
        for (size_t i = 0; i < d->ntypes; i++) {
            dif_type *t = &d->types[i];
            int rep = dif_count_base(va, a->ntypes, t->base) > 1
                      || dif_count_base(vb, b->ntypes, t->base) > 1;
            t->key = hp_xasprintf("%s\x1f%s", t->base, rep && t->decl_file ? t->decl_file : "");
        }
    }
    free(va);
    free(vb);
    va = dif_sorted(a, dif_cmp_key);
    vb = dif_sorted(b, dif_cmp_key);
    for (int side = 0; side < 2; side++) {
        dif_type **v = side ? vb : va;
        size_t n = side ? b->ntypes : a->ntypes;
        for (size_t i = 0; i < n; i++)
            v[i]->rank = i > 0 && strcmp(v[i]->key, v[i - 1]->key) == 0 ? v[i - 1]->rank + 1 : 1;
    }
    size_t i = 0, j = 0;
    while (i < a->ntypes && j < b->ntypes) {
        int c = strcmp(va[i]->key, vb[j]->key);
        if (c == 0)
            c = (va[i]->rank > vb[j]->rank) - (va[i]->rank < vb[j]->rank);
        if (c == 0) {
            va[i]->peer = vb[j];
            vb[j]->peer = va[i];
            i++, j++;
        } else if (c < 0) {
            i++;
        } else {
            j++;
        }
    }
    free(va);
    free(vb);
}

/* Sites pair up in three passes (diff.h):
**   1. by (function, allocator, type): a group with as many sites on both
**      sides pairs in source order, so code that only shifted (a line
**      added above a function) pairs every site with itself;
**   2. what is left, by function and line, the old line moved by its
**      function's shift (the commonest line delta of pass 1's pairs in
**      that function, the smallest on a tie, else 0): the same call whose
**      allocator or type changed;
**   3. what is left, by (function, allocator, type) again, nearest
**      shifted line first: the site moved within its function.
** A pass-1 pair is "moved" when its delta is not its function's shift. */
static int dif_cmp_site_k2(const void *a, const void *b)
{
    const dif_site *x = *(dif_site *const *)a, *y = *(dif_site *const *)b;
    int c = strcmp(x->k2, y->k2);
    if (c == 0)
        c = (x->line > y->line) - (x->line < y->line);
    if (c == 0)
        c = (x->pc > y->pc) - (x->pc < y->pc);
    return c;
}

/* Function, then shifted line, then the rest of the key. */
static int dif_cmp_site_line(const void *a, const void *b)
{
    const dif_site *x = *(dif_site *const *)a, *y = *(dif_site *const *)b;
    int c = strcmp(x->kf, y->kf);
    int64_t lx = x->line + x->shift, ly = y->line + y->shift;
    if (c == 0)
        c = (lx > ly) - (lx < ly);
    if (c == 0)
        c = strcmp(x->k2, y->k2);
    if (c == 0)
        c = (x->pc > y->pc) - (x->pc < y->pc);
    return c;
}

/* The unpaired sites of d, sorted by cmp; *n receives their number. */
static dif_site **dif_unpaired(dif_side *d, int (*cmp)(const void *, const void *), size_t *n)
{
    dif_site **v = hp_xcalloc(d->nsites + 1, sizeof *v);
    *n = 0;
    for (size_t i = 0; i < d->nsites; i++)
        if (d->sites[i].peer == NULL)
            v[(*n)++] = &d->sites[i];
    qsort(v, *n, sizeof *v, cmp);
    return v;
}

static void dif_link(dif_site *x, dif_site *y, int moved)
{
    x->peer = y;
    y->peer = x;
    x->moved = y->moved = moved;
}

/* Length of the run of v[i..n) with v[i]'s k2. */
static size_t dif_run_len(dif_site **v, size_t i, size_t n)
{
    size_t k = i + 1;
    while (k < n && strcmp(v[k]->k2, v[i]->k2) == 0)
        k++;
    return k - i;
}

typedef struct dif_delta {
    const char *kf;
    int64_t d;
} dif_delta;

/* Call fn once for each (function, allocator, type) that both sides'
** unpaired sites have, with that group of each side in line order. */
typedef void (*dif_group_fn)(dif_site **ga, size_t ra, dif_site **gb, size_t rb, void *ctx);
static void dif_for_groups(dif_side *a, dif_side *b, dif_group_fn fn, void *ctx)
{
    size_t na, nb;
    dif_site **va = dif_unpaired(a, dif_cmp_site_k2, &na);
    dif_site **vb = dif_unpaired(b, dif_cmp_site_k2, &nb);
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        int c = strcmp(va[i]->k2, vb[j]->k2);
        size_t ra = dif_run_len(va, i, na), rb = dif_run_len(vb, j, nb);
        if (c == 0)
            fn(va + i, ra, vb + j, rb, ctx);
        i += c <= 0 ? ra : 0;
        j += c >= 0 ? rb : 0;
    }
    free(va);
    free(vb);
}

typedef struct dif_deltas {
    dif_delta *v;
    size_t n, cap;
} dif_deltas;

/* Pass 1 on one group: as many sites on each side pair in order. */
static void dif_group_order(dif_site **ga, size_t ra, dif_site **gb, size_t rb, void *ctx)
{
    dif_deltas *dl = ctx;
    if (ra != rb)
        return;
    for (size_t k = 0; k < ra; k++) {
        dif_link(ga[k], gb[k], 0);
        dif_delta *d = HP_PUSH(dl->v, dl->n, dl->cap);
        d->kf = ga[k]->kf;
        d->d = gb[k]->line - ga[k]->line;
    }
}

static int dif_cmp_delta(const void *a, const void *b)
{
    const dif_delta *x = a, *y = b;
    int c = strcmp(x->kf, y->kf);
    if (c != 0)
        return c;
    return (x->d > y->d) - (x->d < y->d);
}

static int64_t dif_abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/* Pass 1, and each function's shift from its pairs. */
static void dif_pair_by_order(dif_side *a, dif_side *b)
{
    dif_deltas dd = { 0 };
    dif_for_groups(a, b, dif_group_order, &dd);
    dif_delta *dl = dd.v;
    size_t nd = dd.n;
    /* the commonest delta per function; ties: smallest |d|, then d */
    if (nd > 1)
        qsort(dl, nd, sizeof *dl, dif_cmp_delta);
    dif_delta *shifts = hp_xcalloc(nd + 1, sizeof *shifts);
    size_t ns = 0;
    for (size_t p = 0; p < nd;) {
        size_t q = p, best = 0;
        int64_t bestd = 0;
        while (q < nd && strcmp(dl[q].kf, dl[p].kf) == 0) {
            size_t r = q;
            while (r < nd && strcmp(dl[r].kf, dl[p].kf) == 0 && dl[r].d == dl[q].d)
                r++;
            if (r - q > best || (r - q == best && dif_abs64(dl[q].d) < dif_abs64(bestd))) {
                best = r - q;
                bestd = dl[q].d;
            }
            q = r;
        }
        shifts[ns].kf = dl[p].kf;
        shifts[ns++].d = bestd;
        p = q;
    }
    for (size_t k = 0; k < a->nsites; k++) {
        dif_site *s = &a->sites[k];
        size_t lo = 0, hi = ns;     /* shifts: one entry per function, sorted */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strcmp(shifts[mid].kf, s->kf) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        s->shift = lo < ns && strcmp(shifts[lo].kf, s->kf) == 0 ? shifts[lo].d : 0;
    }
    for (size_t k = 0; k < a->nsites; k++) {
        dif_site *s = &a->sites[k];
        if (s->peer != NULL)
            s->moved = s->peer->moved = s->peer->line - s->line != s->shift;
    }
    free(shifts);
    free(dl);
}

/* Pass 2: function and shifted line. */
static void dif_pair_by_line(dif_side *a, dif_side *b)
{
    size_t na, nb;
    dif_site **va = dif_unpaired(a, dif_cmp_site_line, &na);
    dif_site **vb = dif_unpaired(b, dif_cmp_site_line, &nb);
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        int c = strcmp(va[i]->kf, vb[j]->kf);
        if (c == 0) {
            int64_t la = va[i]->line + va[i]->shift, lb = vb[j]->line;
            c = (la > lb) - (la < lb);
        }
        if (c == 0) {
            dif_link(va[i], vb[j], 0);
            i++, j++;
        } else if (c < 0) {
            i++;
        } else {
            j++;
        }
    }
    free(va);
    free(vb);
}

/* Pass 3: same function, allocator and type, nearest shifted line first
** (greedy over the pairs of each group, bounded: a group beyond
** DIF_NEAREST_MAX sites a side pairs in order instead). */
#define DIF_NEAREST_MAX 256
static void dif_group_nearest(dif_site **ga, size_t ra, dif_site **gb, size_t rb, void *ctx)
{
    (void)ctx;
    if (ra > DIF_NEAREST_MAX || rb > DIF_NEAREST_MAX) {
        for (size_t k = 0; k < ra && k < rb; k++)
            dif_link(ga[k], gb[k], 1);
        return;
    }
    for (;;) {
        size_t bx = 0, by = 0;
        int64_t bd = -1;
        for (size_t x = 0; x < ra; x++) {
            if (ga[x]->peer)
                continue;
            for (size_t y = 0; y < rb; y++) {
                if (gb[y]->peer)
                    continue;
                int64_t d = dif_abs64(gb[y]->line - ga[x]->line - ga[x]->shift);
                if (bd < 0 || d < bd) {
                    bd = d;
                    bx = x;
                    by = y;
                }
            }
        }
        if (bd < 0)
            break;
        dif_link(ga[bx], gb[by], 1);
    }
}

static void dif_pair_sites(dif_side *a, dif_side *b)
{
    dif_pair_by_order(a, b);
    dif_pair_by_line(a, b);
    dif_for_groups(a, b, dif_group_nearest, NULL);
}

/* ---- the report --------------------------------------------------------------- */

typedef struct dif_mchange {
    const char *change;          /* added removed moved resized moved+resized */
    char *name;                  /* "(anonymous #k)" when unnamed */
    char *oldv, *newv;           /* "offset:size[:bits]" and type */
    char *otype, *ntype;
    int64_t ooff, osize, obits, noff, nsize, nbits;
} dif_mchange;

typedef struct dif_entry {
    const char *change;          /* added removed grew shrank changed */
    dif_type *o, *n;             /* either may be NULL */
    double impact;
    int regression;
    dif_mchange *m;
    size_t nm, mcap;
} dif_entry;

typedef struct dif_mem {
    char *name, *type;
    int64_t offset, size, bitpos, bit_size;
    int used;
} dif_mem;

static int dif_load_members(dif_side *d, int64_t type_id, dif_mem **out, size_t *n, hp_err *err)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(d->db, "SELECT name, type_name, offset, size, bitpos, bit_size"
                           " FROM members WHERE type_id = ?1 ORDER BY idx", -1, &st, NULL)
        != SQLITE_OK)
        return hp_errf(err, d->path, "cannot read members: %s", sqlite3_errmsg(d->db));
    sqlite3_bind_int64(st, 1, type_id);
    int rc, anon = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n >= HP_MAX_MEMBERS) {
            /* no holeprof stores more; comparing only the first ones
            ** would miss every change past them (show refuses the same) */
            sqlite3_finalize(st);
            return hp_errf(err, d->path, "damaged database: type id %lld has more than %d"
                           " members", (long long)type_id, HP_MAX_MEMBERS);
        }
        dif_mem *m = HP_PUSH(*out, *n, cap);
        memset(m, 0, sizeof *m);
        m->name = dif_col_dup(st, 0);
        if (m->name == NULL)
            m->name = hp_xasprintf("(anonymous #%d)", ++anon);
        m->type = dif_col_dup(st, 1);
        int64_t *v[] = { &m->offset, &m->size, &m->bitpos, &m->bit_size };
        for (int i = 0; i < 4; i++) {
            *v[i] = sqlite3_column_int64(st, 2 + i);
            if (*v[i] < 0 || *v[i] > DIF_MAX) {
                sqlite3_finalize(st);
                return hp_errf(err, d->path, "damaged database: member of type id %lld out"
                               " of range", (long long)type_id);
            }
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return hp_errf(err, d->path, "cannot read members: %s", sqlite3_errmsg(d->db));
    return 0;
}

static void dif_mem_free(dif_mem *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].name);
        free(m[i].type);
    }
    free(m);
}

static char *dif_mem_place(const dif_mem *m)
{
    if (m->bit_size > 0)
        return hp_xasprintf("%lld:%lld bit %lld", (long long)m->offset,
                            (long long)(m->bitpos - m->offset * 8), (long long)m->bit_size);
    return hp_xasprintf("%lld+%lld", (long long)m->offset, (long long)m->size);
}

static void dif_add_mchange(dif_entry *e, const char *change, const dif_mem *om, const dif_mem *nm)
{
    dif_mchange *c = HP_PUSH(e->m, e->nm, e->mcap);
    memset(c, 0, sizeof *c);
    c->change = change;
    c->name = hp_xstrdup(om ? om->name : nm->name);
    c->oldv = om ? dif_mem_place(om) : NULL;
    c->newv = nm ? dif_mem_place(nm) : NULL;
    c->otype = om && om->type ? hp_xstrdup(om->type) : NULL;
    c->ntype = nm && nm->type ? hp_xstrdup(nm->type) : NULL;
    if (om) {
        c->ooff = om->offset;
        c->osize = om->size;
        c->obits = om->bit_size;
    }
    if (nm) {
        c->noff = nm->offset;
        c->nsize = nm->size;
        c->nbits = nm->bit_size;
    }
}

static int dif_members(dif_side *a, dif_side *b, dif_entry *e, hp_err *err)
{
    dif_mem *om = NULL, *nm = NULL;
    size_t no = 0, nn = 0;
    int rc = -1;
    if (dif_load_members(a, e->o->id, &om, &no, err) != 0
        || dif_load_members(b, e->n->id, &nm, &nn, err) != 0)
        goto done;
    /* Members keep their declaration order across builds far more often
    ** than not, so the quadratic name search stays short in practice; it
    ** is bounded by HP_MAX_MEMBERS either way. */
    for (size_t i = 0; i < no; i++) {
        dif_mem *x = &om[i], *y = NULL;
        for (size_t j = 0; j < nn && y == NULL; j++) {
            size_t k = (i + j) % nn;
            if (!nm[k].used && strcmp(nm[k].name, x->name) == 0)
                y = &nm[k];
        }
        if (y == NULL) {
            dif_add_mchange(e, "removed", x, NULL);
            continue;
        }
        y->used = x->used = 1;
        int moved = x->bitpos != y->bitpos;
        int resized = x->size != y->size || x->bit_size != y->bit_size;
        if (moved || resized)
            dif_add_mchange(e, moved && resized ? "moved+resized" : moved ? "moved" : "resized",
                            x, y);
        else if ((x->type == NULL) != (y->type == NULL)
                 || (x->type && strcmp(x->type, y->type) != 0))
            dif_add_mchange(e, "retyped", x, y);
    }
    for (size_t j = 0; j < nn; j++)
        if (!nm[j].used)
            dif_add_mchange(e, "added", NULL, &nm[j]);
    rc = 0;
done:
    dif_mem_free(om, no);
    dif_mem_free(nm, nn);
    return rc;
}

static int64_t dif_waste(const dif_type *t)
{
    return t->hole_bytes + t->tail_padding;
}

static double dif_allocs(const dif_type *t)
{
    return t->ex ? t->ex->allocations : 0.0;
}

static int dif_entry_cmp(const void *a, const void *b)
{
    const dif_entry *x = a, *y = b;
    if (x->impact != y->impact)
        return x->impact > y->impact ? -1 : 1;
    if (x->regression != y->regression)
        return y->regression - x->regression;
    const dif_type *tx = x->n ? x->n : x->o, *ty = y->n ? y->n : y->o;
    int c = strcmp(tx->name, ty->name);
    if (c == 0)
        c = strcmp(tx->key, ty->key);
    return c;
}

typedef struct dif_totals {
    int64_t types, size, waste, hole_bytes, tail_padding, saving, sites;
    double weighted, score;
} dif_totals;

static void dif_total(const dif_side *d, int weighted, dif_totals *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < d->ntypes; i++) {
        const dif_type *x = &d->types[i];
        t->types++;
        t->size += x->size;
        t->waste += dif_waste(x);
        t->hole_bytes += x->hole_bytes;
        t->tail_padding += x->tail_padding;
        t->saving += x->size - x->optimal_size;
        t->weighted += weighted ? (double)dif_waste(x) * dif_allocs(x) : (double)dif_waste(x);
        if (x->ex)
            t->score += x->ex->score;
    }
    t->sites = (int64_t)d->nsites;
}

/* "24", or "16->24" when the value changed. */
static char *dif_pair_str(const dif_type *o, const dif_type *n, int64_t ov, int64_t nv)
{
    if (o == NULL)
        return hp_xasprintf("%lld", (long long)nv);
    if (n == NULL)
        return hp_xasprintf("%lld", (long long)ov);
    if (ov == nv)
        return hp_xasprintf("%lld", (long long)ov);
    return hp_xasprintf("%lld->%lld", (long long)ov, (long long)nv);
}

static void dif_fmt_num(hp_buf *b, double v)
{
    if (v == floor(v) && fabs(v) < 9e15)
        hp_buf_printf(b, "%lld", (long long)v);
    else
        hp_buf_printf(b, "%.6g", v);
}

static void dif_json_type(hp_buf *b, const dif_type *t, int alloc, int cls, int score)
{
    if (t == NULL) {
        hp_buf_puts(b, "null");
        return;
    }
    hp_buf_printf(b, "{\"size\": %lld, \"members\": %lld, \"holes\": %lld, \"hole_bytes\": %lld,"
                  " \"bit_holes\": %lld, \"bit_hole_bits\": %lld, \"tail_padding\": %lld,"
                  " \"optimal_size\": %lld, \"waste\": %lld, \"layout_hash\": ",
                  (long long)t->size, (long long)t->members, (long long)t->holes,
                  (long long)t->hole_bytes, (long long)t->bit_holes, (long long)t->bit_hole_bits,
                  (long long)t->tail_padding, (long long)t->optimal_size,
                  (long long)dif_waste(t));
    dif_json_str(b, t->hash);
    hp_buf_puts(b, ", \"decl_file\": ");
    dif_json_str(b, t->decl_file);
    hp_buf_printf(b, ", \"decl_line\": %lld", (long long)t->decl_line);
    if (alloc) {
        hp_buf_puts(b, ", \"allocations\": ");
        dif_fmt_num(b, dif_allocs(t));
    }
    if (cls) {
        int64_t cn = t->ex ? t->ex->class_now : -1, ca = t->ex ? t->ex->class_after : -1;
        if (cn >= 0)
            hp_buf_printf(b, ", \"class_now\": %lld", (long long)cn);
        else
            hp_buf_puts(b, ", \"class_now\": null");
        if (ca >= 0)
            hp_buf_printf(b, ", \"class_after\": %lld", (long long)ca);
        else
            hp_buf_puts(b, ", \"class_after\": null");
    }
    if (score) {
        hp_buf_puts(b, ", \"score\": ");
        dif_fmt_num(b, t->ex ? t->ex->score : 0.0);
    }
    hp_buf_puts(b, "}");
}

static void dif_json_totals(hp_buf *b, const dif_totals *t, int score)
{
    hp_buf_printf(b, "{\"types\": %lld, \"size\": %lld, \"waste\": %lld, \"hole_bytes\": %lld,"
                  " \"tail_padding\": %lld, \"saving\": %lld, \"sites\": %lld,"
                  " \"weighted_waste\": ", (long long)t->types, (long long)t->size,
                  (long long)t->waste, (long long)t->hole_bytes, (long long)t->tail_padding,
                  (long long)t->saving, (long long)t->sites);
    dif_fmt_num(b, t->weighted);
    if (score) {
        hp_buf_puts(b, ", \"score\": ");
        dif_fmt_num(b, t->score);
    }
    hp_buf_puts(b, "}");
}

static void dif_json_side(hp_buf *b, const dif_side *d)
{
    hp_buf_puts(b, "{\"path\": ");
    dif_json_str(b, d->path);
    hp_buf_puts(b, ", \"binaries\": [");
    for (size_t i = 0; i < d->nbins; i++) {
        hp_buf_printf(b, "%s{\"id\": %lld, \"path\": ", i ? ", " : "", (long long)d->bins[i].id);
        dif_json_str(b, d->bins[i].path);
        hp_buf_puts(b, ", \"build_id\": ");
        dif_json_str(b, d->bins[i].build_id);
        hp_buf_puts(b, "}");
    }
    hp_buf_puts(b, "], \"allocation_data\": ");
    dif_json_str(b, d->ex.source);
    hp_buf_printf(b, ", \"has_sites\": %s}", d->has_sites ? "true" : "false");
}

static const char *dif_site_change(const dif_site *s, int old)
{
    if (s->peer == NULL)
        return old ? "removed" : "added";
    if (s->moved)
        return "moved";
    int same = ((s->type == NULL) == (s->peer->type == NULL))
               && (s->type == NULL || strcmp(s->type, s->peer->type) == 0)
               && ((s->allocator == NULL) == (s->peer->allocator == NULL))
               && (s->allocator == NULL || strcmp(s->allocator, s->peer->allocator) == 0);
    return same ? NULL : "changed";
}

/* The changed sites of two sides in report order (the old side's removed,
** moved and changed sites, then the new side's added ones), one per call:
** *pos starts at 0; returns 0 when there are no more.  Both printers walk
** them through this so they cannot disagree on what changed. */
typedef struct dif_site_chg {
    const char *change;
    const dif_site *os, *ns, *any;   /* old, new (either may be NULL), whichever exists */
} dif_site_chg;

static int dif_next_site_change(const dif_side *a, const dif_side *b, size_t *pos,
                                dif_site_chg *out)
{
    for (;;) {
        size_t i = *pos;
        int side = i >= a->nsites;
        const dif_side *d = side ? b : a;
        if (side)
            i -= a->nsites;
        if (i >= d->nsites)
            return 0;
        (*pos)++;
        const dif_site *s = &d->sites[i];
        if (side == 1 && s->peer)
            continue;
        const char *ch = dif_site_change(s, side == 0);
        if (ch == NULL)
            continue;
        out->change = ch;
        out->os = side ? NULL : s;
        out->ns = side ? s : s->peer;
        out->any = out->ns ? out->ns : out->os;
        return 1;
    }
}

static char *dif_site_where(const dif_site *s)
{
    const char *f = s->file ? dif_basename(s->file) : "?";
    return hp_xasprintf("%s:%lld", f, (long long)s->line);
}

/* The one line that says why the gate failed, or NULL. */
static char *dif_verdict(const dif_opts *o, const dif_entry *e, size_t ne, const dif_totals *to,
                         const dif_totals *tn, int weighted)
{
    hp_buf b = { 0 };
    if (o->fail_on_regression) {
        size_t nreg = 0;
        const dif_entry *worst = NULL;
        for (size_t i = 0; i < ne; i++)
            if (e[i].regression) {
                nreg++;
                if (worst == NULL)
                    worst = &e[i];     /* entries are in impact order */
            }
        int total_grew = tn->weighted > to->weighted;
        if (nreg > 0 || total_grew) {
            hp_buf_puts(&b, "regression:");
            if (nreg > 0)
                hp_buf_printf(&b, " %zu type%s grew in size or waste (worst: %s %s, size"
                              " %lld->%lld, waste %lld->%lld)", nreg, nreg == 1 ? "" : "s",
                              worst->n->kind, worst->n->name, (long long)worst->o->size,
                              (long long)worst->n->size, (long long)dif_waste(worst->o),
                              (long long)dif_waste(worst->n));
            if (total_grew) {
                hp_buf_printf(&b, "%s total %s grew from ", nreg > 0 ? ";" : "",
                              weighted ? "weighted waste (bytes x allocations)" : "waste (bytes)");
                dif_fmt_num(&b, to->weighted);
                hp_buf_puts(&b, " to ");
                dif_fmt_num(&b, tn->weighted);
            }
        }
    }
    if (o->fail_on_growth >= 0) {
        size_t ng = 0;
        const dif_entry *worst = NULL;
        for (size_t i = 0; i < ne; i++)
            if (e[i].o && e[i].n && e[i].n->size - e[i].o->size > o->fail_on_growth) {
                ng++;
                if (worst == NULL || e[i].n->size - e[i].o->size > worst->n->size - worst->o->size)
                    worst = &e[i];
            }
        if (ng > 0)
            hp_buf_printf(&b, "%sgrowth over %lld byte%s: %zu type%s (worst: %s %s grew %lld->%lld,"
                          " +%lld)", b.len ? "; " : "", (long long)o->fail_on_growth,
                          o->fail_on_growth == 1 ? "" : "s", ng, ng == 1 ? "" : "s",
                          worst->n->kind, worst->n->name, (long long)worst->o->size,
                          (long long)worst->n->size, (long long)(worst->n->size - worst->o->size));
    }
    return b.s;
}

/* ---- SARIF and Markdown (cifmt.h) ------------------------------------------- */

enum { DIF_R_REGRESSION, DIF_R_GROWTH, DIF_R_IMPROVED, DIF_R_ADDED, DIF_R_CHANGED };
static const ci_rule dif_rules[] = {
    { "layout-regression", "LayoutRegression", "A type grew in size or in padding",
      "The type is larger, or wastes more bytes in holes and tail padding, than in the base"
      " build. Reorder its members (holeprof show DB TYPE prints the smallest order) or make"
      " the growth intended.", CI_WARNING },
    { "layout-growth", "LayoutGrowth", "A type grew by more than the allowed bytes",
      "The type grew by more bytes than diff --fail-on-growth allows.", CI_ERROR },
    { "layout-improved", "LayoutImproved", "A type shrank or lost padding",
      "The type is smaller, or wastes fewer bytes, than in the base build.", CI_NOTE },
    { "layout-added", "LayoutAdded", "A new type has padding",
      "A type that the base build did not have wastes bytes in holes or tail padding.",
      CI_NOTE },
    { "layout-changed", "LayoutChanged", "A type's layout changed at the same size",
      "Members of the type moved, or its allocation data changed, without it growing or"
      " shrinking.", CI_NOTE },
};

static char *dif_identity(const char *rule, const dif_type *t)
{
    return hp_xasprintf("diff\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", rule, t->binkey, t->kind, t->name,
                        t->decl_file ? dif_basename(t->decl_file) : "");
}

static void dif_ci_add(ci_log *l, size_t rule, ci_level lv, const dif_side *d, const dif_type *t,
                       const char *msg)
{
    char *id = dif_identity(dif_rules[rule].id, t);
    const dif_bin *bn = dif_bin_of(d, t->binary_id);
    ci_add(l, rule, lv, t->decl_file, t->decl_line, bn ? bn->path : "", id, "%s", msg);
    free(id);
}

/* "8 -> 12 (+4)" or "8" */
static char *dif_md_pair(int64_t o, int64_t n)
{
    if (o == n)
        return hp_xasprintf("%lld", (long long)n);
    return hp_xasprintf("%lld -> %lld (%+lld)", (long long)o, (long long)n, (long long)(n - o));
}

static char *dif_md_decl(const dif_type *t)
{
    if (t->decl_file == NULL)
        return hp_xstrdup("?");
    char *w = hp_xasprintf("%s:%lld", dif_basename(t->decl_file), (long long)t->decl_line);
    char *c = ci_md_cell_code(w);
    free(w);
    return c;
}

static char *dif_md_type(const dif_type *t)
{
    char *w = *t->binkey ? hp_xasprintf("%s %s (%s)", t->kind, t->name, t->binkey)
                         : hp_xasprintf("%s %s", t->kind, t->name);
    char *c = ci_md_cell_code(w);
    free(w);
    return c;
}

static int dif_worst_cmp(const void *pa, const void *pb)
{
    const dif_type *x = *(dif_type *const *)pa, *y = *(dif_type *const *)pb;
    double wx = (double)dif_waste(x) * (x->ex ? x->ex->allocations : 1.0);
    double wy = (double)dif_waste(y) * (y->ex ? y->ex->allocations : 1.0);
    if (wx != wy)
        return wx > wy ? -1 : 1;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* One Markdown table of the entries for which pick() holds. */
static void dif_md_entries(ci_log *l, const char *title, const dif_entry *e, size_t ne,
                           int (*pick)(const dif_entry *), int weighted, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < ne; i++)
        n += pick(&e[i]) != 0;
    if (n == 0)
        return;
    ci_md(l, "\n### %s (%zu)\n\n", title, n);
    const char *hdr[7] = { "type", "size", "waste", "holes", "optimal", "allocations", "declared" };
    size_t nc = weighted ? 7 : 6;
    if (!weighted)
        hdr[5] = "declared";
    ci_md_row(l, hdr, nc);
    ci_md(l, "|---|--:|--:|--:|--:|%s---|\n", weighted ? "--:|" : "");
    size_t shown = 0;
    for (size_t i = 0; i < ne; i++) {
        const dif_entry *x = &e[i];
        if (!pick(x))
            continue;
        if (shown++ == max) {
            ci_md(l, "\n(%zu more)\n", n - max);
            break;
        }
        const dif_type *o = x->o, *t = x->n ? x->n : x->o;
        char *c[7];
        c[0] = dif_md_type(t);
        c[1] = o && x->n ? dif_md_pair(o->size, t->size) : hp_xasprintf("%lld", (long long)t->size);
        c[2] = o && x->n ? dif_md_pair(dif_waste(o), dif_waste(t))
                         : hp_xasprintf("%lld", (long long)dif_waste(t));
        c[3] = o && x->n ? dif_md_pair(o->holes, t->holes) : hp_xasprintf("%lld", (long long)t->holes);
        c[4] = hp_xasprintf("%lld", (long long)t->optimal_size);
        hp_buf ab = { 0 };
        if (weighted)
            dif_fmt_num(&ab, dif_allocs(t));
        c[5] = weighted ? ab.s : dif_md_decl(t);
        c[6] = weighted ? dif_md_decl(t) : NULL;
        ci_md_row(l, (const char *const *)c, nc);
        for (size_t k = 0; k < nc; k++)
            free(c[k]);
    }
}

static int dif_pick_grew(const dif_entry *x)
{
    return x->regression;
}

static int dif_pick_shrank(const dif_entry *x)
{
    return x->o && x->n && !x->regression
           && (x->n->size < x->o->size || dif_waste(x->n) < dif_waste(x->o));
}

static int dif_pick_added(const dif_entry *x)
{
    return x->o == NULL;
}

static int dif_pick_removed(const dif_entry *x)
{
    return x->n == NULL;
}

static void dif_ci(const dif_opts *o, const dif_side *a, const dif_side *b, const dif_entry *e,
                   size_t ne, size_t counts[4], const dif_totals *to, const dif_totals *tn,
                   int weighted, int sites, const char *verdict, const hp_buf *notes,
                   size_t nnotes, hp_buf *out)
{
    ci_log l = { 0 };
    l.rules = dif_rules;
    l.nrules = sizeof dif_rules / sizeof dif_rules[0];
    for (size_t i = 0; i < ne; i++) {
        const dif_entry *x = &e[i];
        const dif_type *ot = x->o, *nt = x->n;
        if (nt == NULL)
            continue;               /* removed: nothing in NEW to point at */
        char *msg;
        if (ot == NULL) {
            if (dif_waste(nt) == 0)
                continue;
            msg = hp_xasprintf("new %s %s: %lld bytes, %lld of them holes and tail padding"
                               " (holes: %lld); the best order gives %lld bytes", nt->kind,
                               nt->name, (long long)nt->size, (long long)dif_waste(nt),
                               (long long)nt->holes, (long long)nt->optimal_size);
            dif_ci_add(&l, DIF_R_ADDED, CI_NOTE, b, nt, msg);
            free(msg);
            continue;
        }
        msg = hp_xasprintf("%s %s: size %lld -> %lld bytes, waste (holes + tail padding)"
                           " %lld -> %lld bytes, holes %lld -> %lld; the best order gives %lld"
                           " bytes", nt->kind, nt->name, (long long)ot->size, (long long)nt->size,
                           (long long)dif_waste(ot), (long long)dif_waste(nt),
                           (long long)ot->holes, (long long)nt->holes,
                           (long long)nt->optimal_size);
        if (x->regression)
            dif_ci_add(&l, DIF_R_REGRESSION, o->fail_on_regression ? CI_ERROR : CI_WARNING, b,
                       nt, msg);
        else if (dif_pick_shrank(x))
            dif_ci_add(&l, DIF_R_IMPROVED, CI_NOTE, b, nt, msg);
        else
            dif_ci_add(&l, DIF_R_CHANGED, CI_NOTE, b, nt, msg);
        if (o->fail_on_growth >= 0 && nt->size - ot->size > o->fail_on_growth) {
            char *m2 = hp_xasprintf("%s %s grew by %lld bytes (%lld -> %lld), more than the %lld"
                                    " allowed", nt->kind, nt->name,
                                    (long long)(nt->size - ot->size), (long long)ot->size,
                                    (long long)nt->size, (long long)o->fail_on_growth);
            dif_ci_add(&l, DIF_R_GROWTH, CI_ERROR, b, nt, m2);
            free(m2);
        }
        free(msg);
    }

    /* Markdown */
    ci_md(&l, "## holeprof diff\n\n");
    ci_md_code(&l, a->path);
    ci_md(&l, " -> ");
    ci_md_code(&l, b->path);
    ci_md(&l, ": %zu types changed, %zu added, %zu removed, %zu unchanged.\n\n", counts[0],
          counts[1], counts[2], counts[3]);
    if (verdict != NULL) {
        char *v = ci_md_cell_code(verdict);
        ci_md(&l, "**Fails:** %s\n", v);
        free(v);
    } else if (o->fail_on_regression || o->fail_on_growth >= 0) {
        ci_md(&l, "**Passes:** no regression.\n");
    }
    dif_md_entries(&l, "Grew in size or waste", e, ne, dif_pick_grew, weighted, 100);
    dif_md_entries(&l, "Shrank or lost waste", e, ne, dif_pick_shrank, weighted, 100);
    dif_md_entries(&l, "Added", e, ne, dif_pick_added, weighted, 50);
    dif_md_entries(&l, "Removed", e, ne, dif_pick_removed, weighted, 50);

    /* the worst offenders of NEW, by (weighted) waste */
    dif_type **v = hp_xcalloc(b->ntypes + 1, sizeof *v);
    size_t nv = 0;
    for (size_t i = 0; i < b->ntypes; i++)
        if (dif_waste(&b->types[i]) > 0 && b->types[i].optimal_size < b->types[i].size)
            v[nv++] = (dif_type *)&b->types[i];
    qsort(v, nv, sizeof *v, dif_worst_cmp);
    if (nv == 0) {
        ci_md(&l, "\n### Worst offenders in NEW\n\nNo type in NEW can be made smaller by"
              " reordering its members.\n");
    } else {
        ci_md(&l, "\n### Worst offenders in NEW (by %s)\n\n",
              weighted ? "waste x allocations" : "waste");
        const char *hdr[5] = { "type", "size", "optimal", "waste", weighted ? "waste x allocations"
                                                                            : "declared" };
        ci_md_row(&l, hdr, 5);
        ci_md(&l, "|---|--:|--:|--:|%s\n", weighted ? "--:|" : "---|");
        for (size_t i = 0; i < nv && i < 10; i++) {
            const dif_type *t = v[i];
            char *c[5];
            c[0] = dif_md_type(t);
            c[1] = hp_xasprintf("%lld", (long long)t->size);
            c[2] = hp_xasprintf("%lld", (long long)t->optimal_size);
            c[3] = hp_xasprintf("%lld", (long long)dif_waste(t));
            hp_buf wb = { 0 };
            if (weighted)
                dif_fmt_num(&wb, (double)dif_waste(t) * dif_allocs(t));
            c[4] = weighted ? wb.s : dif_md_decl(t);
            ci_md_row(&l, (const char *const *)c, 5);
            for (size_t k = 0; k < 5; k++)
                free(c[k]);
        }
    }
    free(v);

    ci_md(&l, "\n### Totals\n\n| total | old | new | change |\n|---|--:|--:|--:|\n");
    struct { const char *name; double o, n; } rows[] = {
        { "types", (double)to->types, (double)tn->types },
        { "size (bytes, one of each)", (double)to->size, (double)tn->size },
        { "waste (holes + tail padding)", (double)to->waste, (double)tn->waste },
        { "saving (size - optimal)", (double)to->saving, (double)tn->saving },
        { weighted ? "weighted waste (x allocations)" : NULL, to->weighted, tn->weighted },
        { sites ? "allocation sites" : NULL, (double)to->sites, (double)tn->sites },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].name == NULL)
            continue;
        hp_buf c1 = { 0 }, c2 = { 0 }, c3 = { 0 };
        dif_fmt_num(&c1, rows[i].o);
        dif_fmt_num(&c2, rows[i].n);
        if (rows[i].n > rows[i].o)
            hp_buf_puts(&c3, "+");
        dif_fmt_num(&c3, rows[i].n - rows[i].o);
        const char *r[4] = { rows[i].name, c1.s, c2.s, c3.s };
        ci_md_row(&l, r, 4);
        hp_buf_free(&c1);
        hp_buf_free(&c2);
        hp_buf_free(&c3);
    }
    if (sites) {
        size_t pos = 0, nsc[4] = { 0 };
        dif_site_chg c;
        static const char *const names[4] = { "added", "removed", "moved", "changed" };
        while (dif_next_site_change(a, b, &pos, &c))
            for (int k = 0; k < 4; k++)
                nsc[k] += strcmp(c.change, names[k]) == 0;
        ci_md(&l, "\nAllocation sites: %zu added, %zu removed, %zu moved, %zu changed.\n", nsc[0],
              nsc[1], nsc[2], nsc[3]);
    }
    ci_md_notes(&l, notes->s, nnotes);
    ci_render(&l, o->fmt, out);
    ci_free(&l);
}

int dif_run(const char *oldpath, const char *newpath, const dif_opts *o, FILE *out, hp_err *err)
{
    dif_side a, b;
    dif_entry *e = NULL;
    size_t ne = 0, ecap = 0, unchanged = 0;
    hp_buf outb = { 0 }, notes = { 0 };
    size_t nnotes = 0;
    char *verdict = NULL;
    int status = HP_EXIT_ERROR;
    memset(&b, 0, sizeof b);

    if (dif_load(&a, oldpath, o->binary, err) != 0 || dif_load(&b, newpath, o->binary, err) != 0)
        goto done;

    /* Weigh by allocations only when both sides can. */
    int weighted = a.ex.has_alloc && b.ex.has_alloc;
    int cls = a.ex.has_class && b.ex.has_class;
    int score = a.ex.has_score && b.ex.has_score;
#define DIF_NOTE(...) (hp_buf_printf(&notes, __VA_ARGS__), hp_buf_putn(&notes, "\n", 1), nnotes++)
    if (a.ex.has_alloc != b.ex.has_alloc)
        DIF_NOTE("allocation data only in %s: totals and impact are unweighted",
                 a.ex.has_alloc ? "OLD" : "NEW");
    else if (!weighted)
        DIF_NOTE("no allocation data in either database: waste is unweighted (1 per type),"
                 " class bytes and score changes skipped");
    if (weighted && !score)
        DIF_NOTE("no scores in %s: score changes skipped", a.ex.has_score ? "NEW" : "OLD");
    if (a.has_sites != b.has_sites)
        DIF_NOTE("sites table only in %s: site changes skipped", a.has_sites ? "OLD" : "NEW");
    else if (!a.has_sites)
        DIF_NOTE("no sites table in either database: site changes skipped");
    for (size_t i = 0; i < a.nbins; i++) {
        int paired = 0;
        for (size_t j = 0; j < b.nbins && !paired; j++)
            paired = strcmp(a.bins[i].key, b.bins[j].key) == 0;
        if (!paired)
            DIF_NOTE("binary %s only in OLD: its types count as removed", a.bins[i].path);
    }
    for (size_t j = 0; j < b.nbins; j++) {
        int paired = 0;
        for (size_t i = 0; i < a.nbins && !paired; i++)
            paired = strcmp(a.bins[i].key, b.bins[j].key) == 0;
        if (!paired)
            DIF_NOTE("binary %s only in NEW: its types count as added", b.bins[j].path);
    }

    dif_match_types(&a, &b);
    for (int side = 0; side < 2; side++) {
        dif_side *d = side ? &b : &a;
        for (size_t i = 0; i < d->ntypes; i++) {
            dif_type *t = &d->types[i];
            if (side == 1 && t->peer != NULL)
                continue;          /* already seen from OLD */
            dif_type *ot = side ? NULL : t, *nt = side ? t : t->peer;
            const char *change;
            if (ot == NULL)
                change = "added";
            else if (nt == NULL)
                change = "removed";
            else if (ot->size < nt->size)
                change = "grew";
            else if (ot->size > nt->size)
                change = "shrank";
            else {
                int same = strcmp(ot->hash, nt->hash) == 0 && ot->holes == nt->holes
                           && ot->hole_bytes == nt->hole_bytes && ot->tail_padding == nt->tail_padding
                           && ot->optimal_size == nt->optimal_size && ot->bit_holes == nt->bit_holes
                           && ot->bit_hole_bits == nt->bit_hole_bits && ot->members == nt->members;
                if (same && weighted && dif_allocs(ot) != dif_allocs(nt))
                    same = 0;
                if (same && cls && ot->ex && nt->ex
                    && (ot->ex->class_now != nt->ex->class_now
                        || ot->ex->class_after != nt->ex->class_after))
                    same = 0;
                if (same && score && (ot->ex ? ot->ex->score : 0) != (nt->ex ? nt->ex->score : 0))
                    same = 0;
                if (same) {
                    unchanged++;
                    continue;
                }
                change = "changed";
            }
            dif_entry *x = HP_PUSH(e, ne, ecap);
            memset(x, 0, sizeof *x);
            x->change = change;
            x->o = ot;
            x->n = nt;
            double wo = ot ? (weighted ? dif_allocs(ot) : 1.0) : 0.0;
            double wn = nt ? (weighted ? dif_allocs(nt) : 1.0) : 0.0;
            double so = ot ? (double)ot->size * wo : 0, sn = nt ? (double)nt->size * wn : 0;
            double wso = ot ? (double)dif_waste(ot) * wo : 0, wsn = nt ? (double)dif_waste(nt) * wn : 0;
            x->impact = fabs(sn - so) + fabs(wsn - wso);
            /* an incomplete side has no known waste: only its size compares */
            x->regression = ot && nt && (nt->size > ot->size ||
                                         (!ot->incomplete && !nt->incomplete &&
                                          dif_waste(nt) > dif_waste(ot)));
            if (ot && nt && strcmp(ot->hash, nt->hash) != 0 && dif_members(&a, &b, x, err) != 0)
                goto done;
        }
    }
    if (ne > 1)
        qsort(e, ne, sizeof *e, dif_entry_cmp);

    /* sites */
    int sites = a.has_sites && b.has_sites;
    if (sites) {
        dif_pair_sites(&a, &b);
    }

    dif_totals to, tn;
    dif_total(&a, weighted, &to);
    dif_total(&b, weighted, &tn);
    verdict = dif_verdict(o, e, ne, &to, &tn, weighted);

    size_t nadd = 0, nrem = 0, nchg = 0;
    for (size_t i = 0; i < ne; i++) {
        if (e[i].o == NULL)
            nadd++;
        else if (e[i].n == NULL)
            nrem++;
        else
            nchg++;
    }

    if (o->fmt == FMT_SARIF || o->fmt == FMT_MARKDOWN) {
        size_t counts[4] = { nchg, nadd, nrem, unchanged };
        dif_ci(o, &a, &b, e, ne, counts, &to, &tn, weighted, sites, verdict, &notes, nnotes,
               &outb);
    } else if (o->fmt == FMT_JSON) {
        hp_buf *j = &outb;
        hp_buf_puts(j, "{\n  \"old\": ");
        dif_json_side(j, &a);
        hp_buf_puts(j, ",\n  \"new\": ");
        dif_json_side(j, &b);
        hp_buf_printf(j, ",\n  \"weighting\": %s", weighted ? "\"allocations\"" : "\"none\"");
        hp_buf_printf(j, ",\n  \"summary\": {\"changed\": %zu, \"added\": %zu, \"removed\": %zu,"
                      " \"unchanged\": %zu}", nchg, nadd, nrem, unchanged);
        hp_buf_puts(j, ",\n  \"types\": [");
        for (size_t i = 0; i < ne; i++) {
            const dif_entry *x = &e[i];
            const dif_type *t = x->n ? x->n : x->o;
            hp_buf_printf(j, "%s\n    {\"change\": \"%s\", \"kind\": ", i ? "," : "", x->change);
            dif_json_str(j, t->kind);
            hp_buf_puts(j, ", \"name\": ");
            dif_json_str(j, t->name);
            hp_buf_puts(j, ", \"binary\": ");
            dif_json_str(j, t->binkey);
            hp_buf_printf(j, ", \"regression\": %s, \"impact\": ", x->regression ? "true" : "false");
            dif_fmt_num(j, x->impact);
            hp_buf_puts(j, ",\n     \"old\": ");
            dif_json_type(j, x->o, weighted, cls, score);
            hp_buf_puts(j, ",\n     \"new\": ");
            dif_json_type(j, x->n, weighted, cls, score);
            if (x->o && x->n)
                hp_buf_printf(j, ",\n     \"delta\": {\"size\": %lld, \"waste\": %lld,"
                              " \"holes\": %lld, \"hole_bytes\": %lld, \"tail_padding\": %lld,"
                              " \"optimal_size\": %lld}",
                              (long long)(x->n->size - x->o->size),
                              (long long)(dif_waste(x->n) - dif_waste(x->o)),
                              (long long)(x->n->holes - x->o->holes),
                              (long long)(x->n->hole_bytes - x->o->hole_bytes),
                              (long long)(x->n->tail_padding - x->o->tail_padding),
                              (long long)(x->n->optimal_size - x->o->optimal_size));
            hp_buf_puts(j, ",\n     \"members\": [");
            for (size_t k = 0; k < x->nm; k++) {
                const dif_mchange *c = &x->m[k];
                hp_buf_printf(j, "%s{\"change\": \"%s\", \"name\": ", k ? ", " : "", c->change);
                dif_json_str(j, c->name);
                if (c->oldv)
                    hp_buf_printf(j, ", \"old\": {\"offset\": %lld, \"size\": %lld, \"bit_size\": %lld,"
                                  " \"type\": ", (long long)c->ooff, (long long)c->osize,
                                  (long long)c->obits);
                else
                    hp_buf_puts(j, ", \"old\": null");
                if (c->oldv) {
                    dif_json_str(j, c->otype);
                    hp_buf_puts(j, "}");
                }
                if (c->newv)
                    hp_buf_printf(j, ", \"new\": {\"offset\": %lld, \"size\": %lld, \"bit_size\": %lld,"
                                  " \"type\": ", (long long)c->noff, (long long)c->nsize,
                                  (long long)c->nbits);
                else
                    hp_buf_puts(j, ", \"new\": null");
                if (c->newv) {
                    dif_json_str(j, c->ntype);
                    hp_buf_puts(j, "}");
                }
                hp_buf_puts(j, "}");
            }
            hp_buf_puts(j, "]}");
        }
        hp_buf_puts(j, ne ? "\n  ],\n  \"sites\": " : "],\n  \"sites\": ");
        if (!sites) {
            hp_buf_puts(j, "null");
        } else {
            hp_buf_puts(j, "[");
            int k = 0;
            size_t pos = 0;
            dif_site_chg c;
            while (dif_next_site_change(&a, &b, &pos, &c)) {
                const dif_site *os = c.os, *ns = c.ns, *any = c.any;
                hp_buf_printf(j, "%s\n    {\"change\": \"%s\", \"binary\": ", k++ ? "," : "",
                              c.change);
                dif_json_str(j, any->binkey);
                hp_buf_puts(j, ", \"function\": ");
                dif_json_str(j, any->function);
                hp_buf_puts(j, ", \"file\": ");
                dif_json_str(j, any->file);
                if (os)
                    hp_buf_printf(j, ", \"old_line\": %lld", (long long)os->line);
                else
                    hp_buf_puts(j, ", \"old_line\": null");
                if (ns)
                    hp_buf_printf(j, ", \"new_line\": %lld", (long long)ns->line);
                else
                    hp_buf_puts(j, ", \"new_line\": null");
                hp_buf_puts(j, ", \"allocator\": ");
                dif_json_str(j, any->allocator);
                hp_buf_puts(j, ", \"old_type\": ");
                dif_json_str(j, os ? os->type : NULL);
                hp_buf_puts(j, ", \"new_type\": ");
                dif_json_str(j, ns ? ns->type : NULL);
                hp_buf_puts(j, "}");
            }
            hp_buf_puts(j, k ? "\n  ]" : "]");
        }
        hp_buf_puts(j, ",\n  \"totals\": {\"old\": ");
        dif_json_totals(j, &to, score);
        hp_buf_puts(j, ", \"new\": ");
        dif_json_totals(j, &tn, score);
        hp_buf_puts(j, "},\n  \"notes\": [");
        const char *p = notes.s;
        for (size_t k = 0; k < nnotes && p; k++) {
            const char *nl = strchr(p, '\n');
            hp_buf_puts(j, k ? ", " : "");
            fmt_json_string(j, p, (size_t)(nl - p));
            p = nl + 1;
        }
        hp_buf_printf(j, "],\n  \"verdict\": {\"status\": %d, \"reason\": ",
                      verdict ? HP_EXIT_FOUND : HP_EXIT_OK);
        dif_json_str(j, verdict);
        hp_buf_puts(j, "}\n}\n");
    } else {
        hp_buf *t = &outb;
        hp_buf_printf(t, "old: %s (%zu binar%s, %lld types)\nnew: %s (%zu binar%s, %lld types)\n",
                      a.path, a.nbins, a.nbins == 1 ? "y" : "ies", (long long)to.types,
                      b.path, b.nbins, b.nbins == 1 ? "y" : "ies", (long long)tn.types);
        hp_buf_printf(t, "types: %zu changed, %zu added, %zu removed, %zu unchanged\n",
                      nchg, nadd, nrem, unchanged);
        if (ne > 0) {
            dif_table tb = { 0 };
            tb.ncols = 10 + (size_t)weighted + (size_t)cls + (size_t)score;
            const char *hdr[14] = { "change", "kind", "name", "size", "waste", "holes",
                                    "hole_bytes", "tail_padding", "optimal_size", "impact" };
            size_t h = 10;
            if (weighted)
                hdr[h++] = "allocations";
            if (cls)
                hdr[h++] = "class_bytes";
            if (score)
                hdr[h++] = "score";
            dif_table_row(&tb, hdr);
            for (size_t i = 0; i < ne; i++) {
                const dif_entry *x = &e[i];
                const dif_type *ot = x->o, *nt = x->n, *any = nt ? nt : ot;
                char *c[14] = { 0 };
                c[0] = hp_xstrdup(x->change);
                c[1] = hp_xstrdup(any->kind);
                c[2] = *any->binkey ? hp_xasprintf("%s (%s)", any->name, any->binkey)
                                    : hp_xstrdup(any->name);
                c[3] = dif_pair_str(ot, nt, ot ? ot->size : 0, nt ? nt->size : 0);
                c[4] = dif_pair_str(ot, nt, ot ? dif_waste(ot) : 0, nt ? dif_waste(nt) : 0);
                c[5] = dif_pair_str(ot, nt, ot ? ot->holes : 0, nt ? nt->holes : 0);
                c[6] = dif_pair_str(ot, nt, ot ? ot->hole_bytes : 0, nt ? nt->hole_bytes : 0);
                c[7] = dif_pair_str(ot, nt, ot ? ot->tail_padding : 0, nt ? nt->tail_padding : 0);
                c[8] = dif_pair_str(ot, nt, ot ? ot->optimal_size : 0, nt ? nt->optimal_size : 0);
                hp_buf nb = { 0 };
                dif_fmt_num(&nb, x->impact);
                c[9] = nb.s;
                size_t k = 10;
                if (weighted) {
                    hp_buf ab = { 0 };
                    if (ot)
                        dif_fmt_num(&ab, dif_allocs(ot));
                    if (ot && nt)
                        hp_buf_puts(&ab, "->");
                    if (nt)
                        dif_fmt_num(&ab, dif_allocs(nt));
                    c[k++] = ab.s;
                }
                if (cls) {
                    int64_t on = ot && ot->ex ? ot->ex->class_now : -1;
                    int64_t nn = nt && nt->ex ? nt->ex->class_now : -1;
                    c[k++] = ot && nt && on != nn ? hp_xasprintf("%lld->%lld", (long long)on, (long long)nn)
                                                  : hp_xasprintf("%lld", (long long)(nt ? nn : on));
                }
                if (score) {
                    hp_buf sb = { 0 };
                    if (ot)
                        dif_fmt_num(&sb, ot->ex ? ot->ex->score : 0);
                    if (ot && nt)
                        hp_buf_puts(&sb, "->");
                    if (nt)
                        dif_fmt_num(&sb, nt->ex ? nt->ex->score : 0);
                    c[k++] = sb.s;
                }
                dif_table_row(&tb, (const char *const *)c);
                for (size_t q = 0; q < 14; q++)
                    free(c[q]);
            }
            hp_buf_puts(t, "\n");
            dif_table_print(&tb, t);
        }
        int anym = 0;
        for (size_t i = 0; i < ne && !anym; i++)
            anym = e[i].nm > 0;
        if (anym) {
            dif_table tb = { 0 };
            tb.ncols = 6;
            const char *hdr[6] = { "type", "member", "change", "old", "new", "member_type" };
            dif_table_row(&tb, hdr);
            for (size_t i = 0; i < ne; i++)
                for (size_t k = 0; k < e[i].nm; k++) {
                    const dif_mchange *c = &e[i].m[k];
                    char *tn2 = hp_xasprintf("%s %s", e[i].n->kind, e[i].n->name);
                    const char *ty = c->ntype ? c->ntype : c->otype;
                    char *tyc = c->otype && c->ntype && strcmp(c->otype, c->ntype) != 0
                                    ? hp_xasprintf("%s -> %s", c->otype, c->ntype)
                                    : hp_xstrdup(ty ? ty : "");
                    const char *row[6] = { tn2, c->name, c->change, c->oldv ? c->oldv : "-",
                                           c->newv ? c->newv : "-", tyc };
                    dif_table_row(&tb, row);
                    free(tn2);
                    free(tyc);
                }
            hp_buf_puts(t, "\nmembers (offset+size, or offset:bit width):\n");
            dif_table_print(&tb, t);
        }
        if (sites) {
            dif_table tb = { 0 };
            tb.ncols = 6;
            const char *hdr[6] = { "change", "function", "old", "new", "allocator", "type" };
            dif_table_row(&tb, hdr);
            size_t pos = 0;
            dif_site_chg c;
            while (dif_next_site_change(&a, &b, &pos, &c)) {
                const dif_site *os = c.os, *ns = c.ns, *any = c.any;
                const char *ch = c.change;
                char *ow = os ? dif_site_where(os) : hp_xstrdup("-");
                char *nw = ns ? dif_site_where(ns) : hp_xstrdup("-");
                const char *ty = any->type ? any->type : "?";
                char *tyc = os && ns && os->type && ns->type && strcmp(os->type, ns->type)
                                ? hp_xasprintf("%s -> %s", os->type, ns->type)
                                : hp_xstrdup(ty);
                const char *row[6] = { ch, any->function ? any->function : "?", ow, nw,
                                       any->allocator ? any->allocator : "?", tyc };
                dif_table_row(&tb, row);
                free(ow);
                free(nw);
                free(tyc);
            }
            if (tb.nrows > 1) {
                hp_buf_puts(t, "\nsites:\n");
                dif_table_print(&tb, t);
            } else {
                hp_buf scratch = { 0 };
                dif_table_print(&tb, &scratch);     /* only to free it */
                hp_buf_free(&scratch);
                hp_buf_puts(t, "\nsites: no changes\n");
            }
        }
        dif_table tb = { 0 };
        tb.ncols = 4;
        const char *hdr[4] = { "total", "old", "new", "change" };
        dif_table_row(&tb, hdr);
        struct { const char *name; double o, n; } rows[] = {
            { "types", (double)to.types, (double)tn.types },
            { "size (bytes, one of each)", (double)to.size, (double)tn.size },
            { "waste (holes + tail padding)", (double)to.waste, (double)tn.waste },
            { "hole_bytes", (double)to.hole_bytes, (double)tn.hole_bytes },
            { "tail_padding", (double)to.tail_padding, (double)tn.tail_padding },
            { "saving (size - optimal)", (double)to.saving, (double)tn.saving },
            { weighted ? "weighted waste (x allocations)" : NULL, to.weighted, tn.weighted },
            { sites ? "sites" : NULL, (double)to.sites, (double)tn.sites },
            { score ? "score" : NULL, to.score, tn.score },
        };
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            if (rows[i].name == NULL)
                continue;
            hp_buf c1 = { 0 }, c2 = { 0 }, c3 = { 0 };
            dif_fmt_num(&c1, rows[i].o);
            dif_fmt_num(&c2, rows[i].n);
            double d = rows[i].n - rows[i].o;
            if (d > 0)
                hp_buf_puts(&c3, "+");
            dif_fmt_num(&c3, d);
            const char *row[4] = { rows[i].name, c1.s, c2.s, c3.s };
            dif_table_row(&tb, row);
            hp_buf_free(&c1);
            hp_buf_free(&c2);
            hp_buf_free(&c3);
        }
        hp_buf_puts(t, "\n");
        dif_table_print(&tb, t);
        if (nnotes > 0 && notes.s) {
            const char *p = notes.s;
            hp_buf_puts(t, "\n");
            for (size_t k = 0; k < nnotes && p && *p; k++) {
                const char *nl = strchr(p, '\n');
                hp_buf_puts(t, "note: ");
                hp_buf_putn(t, p, (size_t)(nl - p) + 1);
                p = nl + 1;
            }
        }
    }
    if (outb.len > 0 && fwrite(outb.s, 1, outb.len, out) != outb.len) {
        hp_errf(err, NULL, "write error");
        goto done;
    }
    if (fflush(out) != 0) {
        hp_errf(err, NULL, "write error");
        goto done;
    }
    if (verdict != NULL) {
        hp_errf(err, NULL, "%s", verdict);
        status = HP_EXIT_FOUND;
    } else {
        status = HP_EXIT_OK;
    }
done:
    for (size_t i = 0; i < ne; i++) {
        for (size_t k = 0; k < e[i].nm; k++) {
            free(e[i].m[k].name);
            free(e[i].m[k].oldv);
            free(e[i].m[k].newv);
            free(e[i].m[k].otype);
            free(e[i].m[k].ntype);
        }
        free(e[i].m);
    }
    free(e);
    free(verdict);
    hp_buf_free(&outb);
    hp_buf_free(&notes);
    dif_side_free(&a);
    dif_side_free(&b);
    return status;
}
