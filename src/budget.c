/*
** budget.c -- implementation of budget.h: read a YAML budget file with
** libyaml's document loader and check every type of a database against
** the first rule that matches it.
**
** The file is input: its size is capped, every node's type is checked
** before use, numbers must parse completely, and each error names the
** file and the line.
*/
#include "profile.h"
#include "budget.h"
#include "cifmt.h"
#include "diff.h"
#include "report.h"
#include "store.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define BUD_MAX_FILE (1u << 20)
#define BUD_MAX_RULES 100000
#define BUD_MAX_DEPTH 64          /* a budget file nests 3 levels */
#define BUD_MAX_NUMBER 9.2e18     /* below 2^63: every limit fits an int64 */

static char *bud_read(const char *path, size_t *len, hp_err *err)
{
    return hp_read_file(path, BUD_MAX_FILE, "budget file", len, err);
}

static int bud_line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

static const char *bud_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A non-negative number, wholly consumed ("64", "12.5", "1e6"). */
static int bud_number(const char *path, const yaml_node_t *n, const char *key, int integer,
                      double *out, hp_err *err)
{
    const char *s = bud_scalar(n);
    if (s == NULL || *s == '\0')
        return hp_errf(err, path, "line %d: %s wants a number", bud_line(n), key);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno != 0 || !isfinite(v))
        return hp_errf(err, path, "line %d: %s wants a number, not '%s'", bud_line(n), key, s);
    if (v < 0)
        return hp_errf(err, path, "line %d: %s must not be negative", bud_line(n), key);
    if (v > BUD_MAX_NUMBER)
        return hp_errf(err, path, "line %d: %s %s is too large (at most %.3g)", bud_line(n), key,
                       s, BUD_MAX_NUMBER);
    if (integer && v != floor(v))
        return hp_errf(err, path, "line %d: %s wants a whole number of bytes, not '%s'",
                       bud_line(n), key, s);
    *out = v;
    return 0;
}

static int bud_rule_parse(const char *path, yaml_document_t *doc, yaml_node_t *n, bud_rule *r,
                          hp_err *err)
{
    memset(r, 0, sizeof *r);
    r->line = bud_line(n);
    r->max_size = r->max_padding_bytes = r->max_padding_percent = r->max_waste_allocs =
        BUD_NO_LIMIT;
    if (n->type != YAML_MAPPING_NODE)
        return hp_errf(err, path, "line %d: each budget is a mapping (type: NAME, max_...: N)",
                       r->line);
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        const char *key = bud_scalar(k);
        if (key == NULL || v == NULL)
            return hp_errf(err, path, "line %d: keys must be plain words", k ? bud_line(k) : r->line);
        /* YAML leaves a repeated key to the reader: the last one winning
        ** silently would turn max_size 16 into whatever came later */
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *qk = yaml_document_get_node(doc, q->key);
            const char *qs = bud_scalar(qk);
            if (qs != NULL && strcmp(qs, key) == 0)
                return hp_errf(err, path, "line %d: %s given twice in one budget (first on"
                               " line %d)", bud_line(k), key, bud_line(qk));
        }
        if (strcmp(key, "type") == 0 || strcmp(key, "exact") == 0) {
            const char *s = bud_scalar(v);
            if (s == NULL || *s == '\0')
                return hp_errf(err, path, "line %d: %s wants a type name", bud_line(v), key);
            if (r->pattern != NULL)
                return hp_errf(err, path, "line %d: give one of type or exact per budget",
                               bud_line(k));
            if (strlen(s) > HP_MAX_NAME)
                return hp_errf(err, path, "line %d: name too long", bud_line(v));
            r->pattern = hp_xstrdup(s);
            r->glob = strcmp(key, "type") == 0 && strpbrk(s, "*?[") != NULL;
        } else if (strcmp(key, "kind") == 0) {
            const char *s = bud_scalar(v);
            if (s == NULL || (strcmp(s, "struct") && strcmp(s, "class") && strcmp(s, "union")
                              && strcmp(s, "enum")))
                return hp_errf(err, path, "line %d: kind is one of struct, class, union, enum",
                               bud_line(v));
            free(r->kind);
            r->kind = hp_xstrdup(s);
        } else if (strcmp(key, "max_size") == 0) {
            if (bud_number(path, v, key, 1, &r->max_size, err) != 0)
                return -1;
        } else if (strcmp(key, "max_padding_bytes") == 0) {
            if (bud_number(path, v, key, 1, &r->max_padding_bytes, err) != 0)
                return -1;
        } else if (strcmp(key, "max_padding_percent") == 0) {
            if (bud_number(path, v, key, 0, &r->max_padding_percent, err) != 0)
                return -1;
        } else if (strcmp(key, "max_waste_allocs") == 0) {
            if (bud_number(path, v, key, 0, &r->max_waste_allocs, err) != 0)
                return -1;
        } else if (strcmp(key, "note") == 0) {
            /* free text for people reading the file */
        } else {
            return hp_errf(err, path, "line %d: unknown key '%s' (type, exact, kind, max_size,"
                           " max_padding_bytes, max_padding_percent, max_waste_allocs, note)",
                           bud_line(k), key);
        }
    }
    if (r->pattern == NULL)
        return hp_errf(err, path, "line %d: budget without type: NAME-or-GLOB", r->line);
    return 0;
}

/* A first pass over the parser's events, refusing nesting deeper than
** BUD_MAX_DEPTH before the document loader builds anything: libyaml's
** loader took over 20 s on 100,000 nested '[', the event pass stops at
** level 65 at once.  Syntax errors are left to the loader's message. */
static int bud_depth(const char *path, const char *text, size_t len, hp_err *err)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return hp_errf(err, path, "cannot initialize the YAML parser");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, status = 0;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e))
            break;
        int t = e.type, line = (int)e.start_mark.line + 1;
        yaml_event_delete(&e);
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (++depth > BUD_MAX_DEPTH) {
                status = hp_errf(err, path, "line %d: nested deeper than %d levels", line,
                                 BUD_MAX_DEPTH);
                break;
            }
        } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
            depth--;
        } else if (t == YAML_STREAM_END_EVENT) {
            break;
        }
    }
    yaml_parser_delete(&p);
    return status;
}

void bud_free(bud_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->rules[i].pattern);
        free(f->rules[i].kind);
    }
    free(f->rules);
    memset(f, 0, sizeof *f);
}

int bud_load(const char *path, bud_file *f, hp_err *err)
{
    size_t len = 0, cap = 0;
    int status = -1, have_doc = 0;
    yaml_parser_t parser;
    yaml_document_t doc;
    memset(f, 0, sizeof *f);
    char *text = bud_read(path, &len, err);
    if (text == NULL)
        return -1;
    if (!yaml_parser_initialize(&parser)) {
        free(text);
        return hp_errf(err, path, "cannot initialize the YAML parser");
    }
    if (bud_depth(path, text, len, err) != 0)
        goto done;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        hp_errf(err, path, "line %d: %s%s%s", (int)parser.problem_mark.line + 1,
                parser.problem ? parser.problem : "YAML error",
                parser.context ? " " : "", parser.context ? parser.context : "");
        goto done;
    }
    have_doc = 1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        hp_errf(err, path, "empty budget file (want: budgets: [...])");
        goto done;
    }
    if (root->type != YAML_MAPPING_NODE) {
        hp_errf(err, path, "line %d: the file is a mapping with a 'budgets' list", bud_line(root));
        goto done;
    }
    yaml_node_t *list = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&doc, p->value);
        const char *key = bud_scalar(k);
        for (yaml_node_pair_t *q = root->data.mapping.pairs.start; key && q < p; q++) {
            yaml_node_t *qk = yaml_document_get_node(&doc, q->key);
            const char *qs = bud_scalar(qk);
            if (qs != NULL && strcmp(qs, key) == 0) {
                hp_errf(err, path, "line %d: a second '%s:' (the first is on line %d)",
                        bud_line(k), key, bud_line(qk));
                goto done;
            }
        }
        if (key != NULL && strcmp(key, "budgets") == 0) {
            list = v;
        } else if (key != NULL && strcmp(key, "version") == 0) {
            const char *s = bud_scalar(v);
            if (s == NULL || strcmp(s, "1") != 0) {
                hp_errf(err, path, "line %d: unsupported budget file version (this holeprof"
                        " reads version 1)", v ? bud_line(v) : bud_line(k));
                goto done;
            }
        } else {
            hp_errf(err, path, "line %d: unknown top-level key '%s' (version, budgets)",
                    k ? bud_line(k) : 1, key ? key : "?");
            goto done;
        }
    }
    if (list == NULL || list->type != YAML_SEQUENCE_NODE) {
        hp_errf(err, path, "line %d: want 'budgets:' followed by a list of rules",
                list ? bud_line(list) : 1);
        goto done;
    }
    for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top;
         it++) {
        yaml_node_t *n = yaml_document_get_node(&doc, *it);
        if (n == NULL)
            continue;
        if (f->n >= BUD_MAX_RULES) {
            hp_errf(err, path, "more than %d budgets", BUD_MAX_RULES);
            goto done;
        }
        bud_rule *r = HP_PUSH(f->rules, f->n, cap);
        if (bud_rule_parse(path, &doc, n, r, err) != 0)
            goto done;
    }
    status = 0;
done:
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(text);
    if (status != 0)
        bud_free(f);
    return status;
}

bud_rule *bud_match(const bud_file *f, const char *kind, const char *name)
{
    for (size_t i = 0; i < f->n; i++) {
        bud_rule *r = &f->rules[i];
        if (r->kind != NULL && strcmp(r->kind, kind) != 0)
            continue;
        if (r->glob ? fnmatch(r->pattern, name, 0) == 0 : strcmp(r->pattern, name) == 0)
            return r;
    }
    return NULL;
}

/* ---- the check ------------------------------------------------------------ */

typedef struct bud_breach {
    char *kind, *name, *binary, *decl_file;
    int64_t decl_line;
    size_t rule;                /* index */
    const char *limit;
    double allowed, actual;
    double excess;              /* actual / allowed, for "worst" */
} bud_breach;

static void bud_num(hp_buf *b, double v)
{
    if (v == floor(v) && fabs(v) < 9e15)
        hp_buf_printf(b, "%lld", (long long)v);
    else
        hp_buf_printf(b, "%.4g", v);
}

/* ---- SARIF and Markdown (cifmt.h) ---------------------------------------- */

static const char *const bud_limits[] = { "max_size", "max_padding_bytes",
                                          "max_padding_percent", "max_waste_allocs" };
static const ci_rule bud_rules[] = {
    { "budget-max-size", "BudgetMaxSize", "A type is larger than its budget allows",
      "The type's size in bytes exceeds max_size of the first budget rule that matches it.",
      CI_ERROR },
    { "budget-max-padding-bytes", "BudgetMaxPaddingBytes",
      "A type wastes more bytes than its budget allows",
      "The type's holes plus tail padding exceed max_padding_bytes of the first budget rule"
      " that matches it; holeprof show DB TYPE prints a smaller member order.", CI_ERROR },
    { "budget-max-padding-percent", "BudgetMaxPaddingPercent",
      "A type wastes a larger share of its size than its budget allows",
      "The type's holes plus tail padding, as a percentage of its size, exceed"
      " max_padding_percent of the first budget rule that matches it.", CI_ERROR },
    { "budget-max-waste-allocs", "BudgetMaxWasteAllocs",
      "A type's padding times its allocations exceeds its budget",
      "The type's holes plus tail padding, multiplied by its allocations (measured or"
      " static), exceed max_waste_allocs of the first budget rule that matches it.", CI_ERROR },
};

static void bud_ci(const char *dbpath, const bud_opts *o, const bud_file *f,
                   const bud_breach *br, size_t nbr, const bud_breach *worst, size_t checked,
                   size_t matched, const hp_buf *notes, size_t nnotes, hp_buf *out)
{
    ci_log l = { 0 };
    l.rules = bud_rules;
    l.nrules = sizeof bud_rules / sizeof bud_rules[0];
    for (size_t i = 0; i < nbr; i++) {
        const bud_breach *x = &br[i];
        size_t rule = 0;
        for (size_t k = 0; k < l.nrules; k++)
            if (strcmp(x->limit, bud_limits[k]) == 0)
                rule = k;
        hp_buf a = { 0 }, v = { 0 };
        bud_num(&a, x->allowed);
        bud_num(&v, x->actual);
        const char *base = strrchr(x->binary, '/');
        const char *df = x->decl_file ? strrchr(x->decl_file, '/') : NULL;
        char *id = hp_xasprintf("check\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", x->limit,
                                base ? base + 1 : x->binary, x->kind, x->name,
                                df ? df + 1 : x->decl_file ? x->decl_file : "");
        ci_add(&l, rule, CI_ERROR, x->decl_file, x->decl_line, x->binary, id,
               "%s %s: %s %s > %s (budget rule %zu, %s line %d, pattern %s)", x->kind, x->name,
               x->limit, v.s, a.s, x->rule + 1, o->budget, f->rules[x->rule].line,
               f->rules[x->rule].pattern);
        free(id);
        hp_buf_free(&a);
        hp_buf_free(&v);
    }
    ci_md(&l, "## holeprof check\n\n");
    ci_md_code(&l, dbpath);
    ci_md(&l, " against ");
    ci_md_code(&l, o->budget);
    ci_md(&l, ": %zu rule%s, %zu types checked, %zu matched a rule.\n\n", f->n,
          f->n == 1 ? "" : "s", checked, matched);
    if (nbr == 0) {
        ci_md(&l, "**Passes:** no budget breaches.\n");
    } else {
        hp_buf a = { 0 }, v = { 0 };
        bud_num(&a, worst->allowed);
        bud_num(&v, worst->actual);
        char *wn = hp_xasprintf("%s %s", worst->kind, worst->name);
        ci_md(&l, "**Fails:** %zu budget breach%s; worst: ", nbr, nbr == 1 ? "" : "es");
        ci_md_code(&l, wn);
        ci_md(&l, " %s %s > %s (rule %zu).\n\n### Breaches\n\n", worst->limit, v.s, a.s,
              worst->rule + 1);
        free(wn);
        hp_buf_free(&a);
        hp_buf_free(&v);
        const char *hdr[7] = { "type", "binary", "rule", "limit", "allowed", "actual", "declared" };
        ci_md_row(&l, hdr, 7);
        ci_md(&l, "|---|---|---|---|--:|--:|---|\n");
        for (size_t i = 0; i < nbr; i++) {
            const bud_breach *x = &br[i];
            char *tn = hp_xasprintf("%s %s", x->kind, x->name);
            const char *bb = strrchr(x->binary, '/');
            const char *df = x->decl_file ? strrchr(x->decl_file, '/') : NULL;
            char *decl = x->decl_file ? hp_xasprintf("%s:%lld", df ? df + 1 : x->decl_file,
                                                     (long long)x->decl_line)
                                      : hp_xstrdup("?");
            hp_buf a2 = { 0 }, v2 = { 0 };
            bud_num(&a2, x->allowed);
            bud_num(&v2, x->actual);
            char *c[7] = { ci_md_cell_code(tn), ci_md_cell_code(bb ? bb + 1 : x->binary),
                           hp_xasprintf("%zu (line %d)", x->rule + 1, f->rules[x->rule].line),
                           hp_xstrdup(x->limit), a2.s, v2.s, ci_md_cell_code(decl) };
            ci_md_row(&l, (const char *const *)c, 7);
            for (int k = 0; k < 7; k++)
                free(c[k]);
            free(tn);
            free(decl);
        }
    }
    ci_md_notes(&l, notes->s, nnotes);
    ci_render(&l, o->fmt, out);
    ci_free(&l);
}

int bud_check(const char *dbpath, const bud_opts *o, FILE *out, hp_err *err)
{
    static const char sql[] =
        "SELECT t.id, t.kind, t.name, t.size, coalesce(t.hole_bytes + t.tail_padding, 0), b.path,"
        " t.decl_file, coalesce(t.decl_line, 0), t.incomplete"
        " FROM types t JOIN binaries b ON b.id = t.binary_id ORDER BY t.binary_id, t.name, t.id";
    bud_file f = { 0 };
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    dif_extras ex = { 0 };
    bud_breach *br = NULL;
    size_t nbr = 0, cap = 0, checked = 0, matched = 0, skipped_allocs = 0;
    size_t skipped_incomplete = 0;   /* types whose padding is unknown */
    hp_buf outb = { 0 };
    int status = HP_EXIT_ERROR, rc;

    if (bud_load(o->budget, &f, err) != 0)
        return HP_EXIT_ERROR;
    if (st_open_read(dbpath, &db, err) != 0)
        goto done;
    if (o->binary != NULL && mrg_select_binary(db, dbpath, o->binary, NULL, err) != 0)
        goto done;
    if (pf_apply(db, dbpath, err) != 0)
        goto done;
    if (dif_load_extras(db, dbpath, &ex, err) != 0)
        goto done;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        hp_errf(err, dbpath, "cannot read types: %s", sqlite3_errmsg(db));
        goto done;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        const char *name = (const char *)sqlite3_column_text(st, 2);
        int64_t size = sqlite3_column_int64(st, 3), pad = sqlite3_column_int64(st, 4);
        if (kind == NULL || name == NULL || size < 0 || pad < 0 || size > ((int64_t)1 << 48)
            || pad > ((int64_t)1 << 48)) {
            hp_errf(err, dbpath, "damaged database: type id %lld",
                    (long long)sqlite3_column_int64(st, 0));
            goto done;
        }
        checked++;
        bud_rule *r = bud_match(&f, kind, name);
        if (r == NULL)
            continue;
        matched++;
        r->matched++;
        double pct = size > 0 ? 100.0 * (double)pad / (double)size : 0.0;
        const dif_alloc *al = dif_extra_for(&ex, sqlite3_column_int64(st, 0));
        double wa = (double)pad * (al ? al->allocations : 0.0);
        /* an incomplete type's padding is unknown: only its size is checked */
        int known = sqlite3_column_int(st, 8) == 0;
        struct { const char *limit; double allowed, actual; int ok; } lim[] = {
            { "max_size", r->max_size, (double)size, 1 },
            { "max_padding_bytes", r->max_padding_bytes, (double)pad, known },
            { "max_padding_percent", r->max_padding_percent, pct, known },
            { "max_waste_allocs", r->max_waste_allocs, wa, ex.has_alloc && known },
        };
        int counted_incomplete = 0;
        for (size_t k = 0; k < sizeof lim / sizeof lim[0]; k++) {
            if (lim[k].allowed == BUD_NO_LIMIT)
                continue;
            if (!known && k > 0) {
                skipped_incomplete += !counted_incomplete;
                counted_incomplete = 1;
                continue;
            }
            if (!lim[k].ok) {
                skipped_allocs++;
                continue;
            }
            /* percentages compare at the precision they are shown with */
            double actual = k == 2 ? round(lim[k].actual * 100.0) / 100.0 : lim[k].actual;
            if (actual <= lim[k].allowed)
                continue;
            bud_breach *x = HP_PUSH(br, nbr, cap);
            x->kind = hp_xstrdup(kind);
            x->name = hp_xstrdup(name);
            const unsigned char *bp = sqlite3_column_text(st, 5);
            x->binary = hp_xstrdup(bp ? (const char *)bp : "?");
            const unsigned char *df = sqlite3_column_text(st, 6);
            x->decl_file = df ? hp_xstrdup((const char *)df) : NULL;
            x->decl_line = sqlite3_column_int64(st, 7);
            x->rule = (size_t)(r - f.rules);
            x->limit = lim[k].limit;
            x->allowed = lim[k].allowed;
            x->actual = actual;
            x->excess = lim[k].allowed > 0 ? actual / lim[k].allowed : INFINITY;
        }
    }
    if (rc != SQLITE_DONE) {
        hp_errf(err, dbpath, "cannot read types: %s", sqlite3_errmsg(db));
        goto done;
    }

    hp_buf notes = { 0 };
    size_t nnotes = 0;
    if (skipped_allocs > 0) {
        hp_buf_printf(&notes, "max_waste_allocs skipped for %zu type%s: the database has no"
                      " allocation data\n", skipped_allocs, skipped_allocs == 1 ? "" : "s");
        nnotes++;
    }
    if (skipped_incomplete > 0) {
        hp_buf_printf(&notes, "padding limits skipped for %zu incomplete type%s: a member's type"
                      " is declared but not defined in the binary\n", skipped_incomplete,
                      skipped_incomplete == 1 ? "" : "s");
        nnotes++;
    }
    for (size_t i = 0; i < f.n; i++)
        if (f.rules[i].matched == 0) {
            hp_buf_printf(&notes, "rule %zu (line %d, %s%s) matched no type\n", i + 1,
                          f.rules[i].line, f.rules[i].glob ? "glob " : "", f.rules[i].pattern);
            nnotes++;
        }
    const bud_breach *worst = NULL;
    for (size_t i = 0; i < nbr; i++)
        if (worst == NULL || br[i].excess > worst->excess)
            worst = &br[i];

    if (o->fmt == FMT_SARIF || o->fmt == FMT_MARKDOWN) {
        bud_ci(dbpath, o, &f, br, nbr, worst, checked, matched, &notes, nnotes, &outb);
    } else if (o->fmt == FMT_JSON) {
        hp_buf_puts(&outb, "{\n  \"database\": ");
        dif_json_str(&outb, dbpath);
        hp_buf_puts(&outb, ",\n  \"budget\": ");
        dif_json_str(&outb, o->budget);
        hp_buf_printf(&outb, ",\n  \"rules\": %zu, \"types_checked\": %zu, \"types_matched\": %zu,"
                      "\n  \"allocation_data\": ", f.n, checked, matched);
        dif_json_str(&outb, ex.source);
        hp_buf_puts(&outb, ",\n  \"breaches\": [");
        for (size_t i = 0; i < nbr; i++) {
            const bud_breach *x = &br[i];
            hp_buf_printf(&outb, "%s\n    {\"kind\": ", i ? "," : "");
            dif_json_str(&outb, x->kind);
            hp_buf_puts(&outb, ", \"name\": ");
            dif_json_str(&outb, x->name);
            hp_buf_puts(&outb, ", \"binary\": ");
            dif_json_str(&outb, x->binary);
            hp_buf_printf(&outb, ", \"rule\": %zu, \"rule_line\": %d, \"pattern\": ", x->rule + 1,
                          f.rules[x->rule].line);
            dif_json_str(&outb, f.rules[x->rule].pattern);
            hp_buf_printf(&outb, ", \"limit\": \"%s\", \"allowed\": ", x->limit);
            bud_num(&outb, x->allowed);
            hp_buf_puts(&outb, ", \"actual\": ");
            bud_num(&outb, x->actual);
            hp_buf_puts(&outb, "}");
        }
        hp_buf_puts(&outb, nbr ? "\n  ],\n  \"notes\": [" : "],\n  \"notes\": [");
        const char *p = notes.s;
        for (size_t k = 0; k < nnotes && p; k++) {
            const char *nl = strchr(p, '\n');
            hp_buf_puts(&outb, k ? ", " : "");
            fmt_json_string(&outb, p, (size_t)(nl - p));
            p = nl + 1;
        }
        hp_buf_printf(&outb, "],\n  \"status\": %d\n}\n", nbr ? HP_EXIT_FOUND : HP_EXIT_OK);
    } else {
        hp_buf_printf(&outb, "budget %s: %zu rule%s; %s: %zu types checked, %zu matched a rule\n",
                      o->budget, f.n, f.n == 1 ? "" : "s", dbpath, checked, matched);
        if (nbr > 0) {
            dif_table tb = { 0 };
            tb.ncols = 6;
            const char *hdr[6] = { "type", "binary", "rule", "limit", "allowed", "actual" };
            dif_table_row(&tb, hdr);
            for (size_t i = 0; i < nbr; i++) {
                const bud_breach *x = &br[i];
                char *tn = hp_xasprintf("%s %s", x->kind, x->name);
                char *rl = hp_xasprintf("%zu (line %d)", x->rule + 1, f.rules[x->rule].line);
                hp_buf a = { 0 }, v = { 0 };
                bud_num(&a, x->allowed);
                bud_num(&v, x->actual);
                const char *row[6] = { tn, x->binary, rl, x->limit, a.s, v.s };
                dif_table_row(&tb, row);
                free(tn);
                free(rl);
                hp_buf_free(&a);
                hp_buf_free(&v);
            }
            hp_buf_puts(&outb, "\n");
            dif_table_print(&tb, &outb);
        } else {
            hp_buf_puts(&outb, "no breaches\n");
        }
        const char *p = notes.s;
        for (size_t k = 0; k < nnotes && p; k++) {
            const char *nl = strchr(p, '\n');
            hp_buf_puts(&outb, k ? "" : "\n");
            hp_buf_puts(&outb, "note: ");
            hp_buf_putn(&outb, p, (size_t)(nl - p) + 1);
            p = nl + 1;
        }
    }
    hp_buf_free(&notes);
    if (fwrite(outb.s, 1, outb.len, out) != outb.len || fflush(out) != 0) {
        hp_errf(err, NULL, "write error");
        goto done;
    }
    if (nbr > 0) {
        hp_buf a = { 0 }, v = { 0 };
        bud_num(&a, worst->allowed);
        bud_num(&v, worst->actual);
        hp_errf(err, o->budget, "%zu budget breach%s (worst: %s %s %s %s > %s, rule %zu)", nbr,
                nbr == 1 ? "" : "es", worst->kind, worst->name, worst->limit, v.s, a.s,
                worst->rule + 1);
        hp_buf_free(&a);
        hp_buf_free(&v);
        status = HP_EXIT_FOUND;
    } else {
        status = HP_EXIT_OK;
    }
done:
    sqlite3_finalize(st);
    if (db)
        sqlite3_close(db);
    for (size_t i = 0; i < nbr; i++) {
        free(br[i].kind);
        free(br[i].name);
        free(br[i].binary);
        free(br[i].decl_file);
    }
    free(br);
    dif_extras_free(&ex);
    hp_buf_free(&outb);
    bud_free(&f);
    return status;
}
