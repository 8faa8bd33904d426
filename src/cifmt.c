/*
** cifmt.c -- SARIF 2.1.0 and Markdown writers (contract in cifmt.h).
**
** The SARIF log is built in one buffer with fmt_json_string() for every
** string, so any byte a database holds comes out as valid JSON; nothing
** is written until the whole log is built.
*/
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "cifmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

static const char *const ci_level_names[] = { "note", "warning", "error" };

int ci_parse_format(const char *s, fmt_kind *out)
{
    if (strcmp(s, "sarif") == 0) {
        *out = FMT_SARIF;
        return 0;
    }
    if (strcmp(s, "markdown") == 0 || strcmp(s, "md") == 0) {
        *out = FMT_MARKDOWN;
        return 0;
    }
    return -1;
}

static char *ci_vasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return hp_xstrdup("");
    char *s = hp_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

void ci_add(ci_log *l, size_t rule, ci_level level, const char *file, int64_t line,
            const char *binary, const char *identity, const char *fmt, ...)
{
    ci_result *r = HP_PUSH(l->r, l->n, l->cap);
    memset(r, 0, sizeof *r);
    r->rule = rule < l->nrules ? rule : 0;
    r->level = level;
    r->file = file && *file ? hp_xstrdup(file) : NULL;
    r->line = line > 0 ? line : 0;
    r->binary = hp_xstrdup(binary ? binary : "");
    r->identity = hp_xstrdup(identity ? identity : "");
    va_list ap;
    va_start(ap, fmt);
    r->message = ci_vasprintf(fmt, ap);
    va_end(ap);
}

void ci_md(ci_log *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = ci_vasprintf(fmt, ap);
    va_end(ap);
    hp_buf_puts(&l->md, s);
    free(s);
}

char *ci_md_cell_code(const char *s)
{
    hp_buf b = { 0 };
    hp_buf_puts(&b, "`");
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '`')
            hp_buf_puts(&b, "'");
        else if (*p == '|')
            hp_buf_puts(&b, "\\|");     /* GFM tables split on | even in code */
        else if (*p < 0x20 || *p == 0x7f)
            hp_buf_puts(&b, "?");
        else
            hp_buf_putn(&b, (const char *)p, 1);
    }
    hp_buf_puts(&b, "`");
    return b.s;
}

void ci_md_code(ci_log *l, const char *s)
{
    char *c = ci_md_cell_code(s);
    hp_buf_puts(&l->md, c);
    free(c);
}

void ci_md_notes(ci_log *l, const char *notes, size_t n)
{
    const char *p = notes;
    for (size_t k = 0; k < n && p && *p; k++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = hp_xstrndup(p, len);
        ci_md(l, "%s- note: ", k ? "" : "\n");
        ci_md_code(l, line);
        ci_md(l, "\n");
        free(line);
        p = nl ? nl + 1 : p + len;
    }
}

void ci_md_row(ci_log *l, const char *const *cells, size_t n)
{
    hp_buf_puts(&l->md, "|");
    for (size_t i = 0; i < n; i++) {
        hp_buf_puts(&l->md, " ");
        hp_buf_puts(&l->md, cells[i] ? cells[i] : "");
        hp_buf_puts(&l->md, " |");
    }
    hp_buf_puts(&l->md, "\n");
}

/* ---- SARIF ---------------------------------------------------------------- */

static void ci_str(hp_buf *b, const char *s)
{
    fmt_json_string(b, s ? s : "", s ? strlen(s) : 0);
}

/* Percent-encode everything but RFC 3986 unreserved characters and '/'. */
static void ci_uri_path(hp_buf *b, const char *p)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *q = (const unsigned char *)p; *q; q++) {
        if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')
            || *q == '-' || *q == '.' || *q == '_' || *q == '~' || *q == '/') {
            hp_buf_putn(b, (const char *)q, 1);
        } else {
            char e[3] = { '%', hex[*q >> 4], hex[*q & 15] };
            hp_buf_putn(b, e, 3);
        }
    }
}

/* path with "." and ".." components resolved lexically (a compiler
** records /src/build/../lib/x.h), malloc'd. */
static char *ci_normalize(const char *path)
{
    size_t n = strlen(path);
    char *out = hp_xmalloc(n + 2);
    size_t len = 0;
    int abs = path[0] == '/';
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        size_t cl = (size_t)(e - p);
        if (cl == 0)
            break;
        if (cl == 1 && p[0] == '.') {
            /* nothing */
        } else if (cl == 2 && p[0] == '.' && p[1] == '.' && len > 0
                   && !(len >= 2 && out[len - 1] == '.' && out[len - 2] == '.'
                        && (len == 2 || out[len - 3] == '/'))) {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;              /* the slash before it */
        } else if (!(cl == 2 && p[0] == '.' && p[1] == '.' && abs && len == 0)) {
            if (len > 0 || abs)
                out[len++] = '/';
            memcpy(out + len, p, cl);
            len += cl;
        }
        p = e;
    }
    if (len == 0 && abs)
        out[len++] = '/';
    out[len] = '\0';
    return out;
}

/* The artifactLocation object for path, relative to cwd when under it. */
static void ci_artifact(hp_buf *b, const char *rawpath, const char *cwd)
{
    size_t n = cwd ? strlen(cwd) : 0;
    hp_buf u = { 0 };
    char *path = ci_normalize(rawpath);
    if (n > 1 && strncmp(path, cwd, n) == 0 && path[n] == '/' && path[n + 1]) {
        ci_uri_path(&u, path + n + 1);
        hp_buf_puts(b, "{\"uri\": ");
        ci_str(b, u.s);
        hp_buf_puts(b, ", \"uriBaseId\": \"%SRCROOT%\"}");
    } else if (path[0] == '/') {
        hp_buf_puts(&u, "file://");
        ci_uri_path(&u, path);
        hp_buf_puts(b, "{\"uri\": ");
        ci_str(b, u.s);
        hp_buf_puts(b, "}");
    } else {
        ci_uri_path(&u, path);
        hp_buf_puts(b, "{\"uri\": ");
        ci_str(b, u.s);
        hp_buf_puts(b, "}");
    }
    hp_buf_free(&u);
    free(path);
}

static void ci_sarif(const ci_log *l, hp_buf *b)
{
    char cwd[4096];
    const char *wd = getcwd(cwd, sizeof cwd) ? cwd : NULL;
    hp_buf_puts(b, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
                   "  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n"
                   "      \"tool\": {\n        \"driver\": {\n"
                   "          \"name\": \"holeprof\",\n          \"version\": ");
    ci_str(b, PACKAGE_VERSION);
    hp_buf_puts(b, ",\n          \"semanticVersion\": ");
    ci_str(b, PACKAGE_VERSION);
    hp_buf_puts(b, ",\n          \"rules\": [");
    for (size_t i = 0; i < l->nrules; i++) {
        const ci_rule *r = &l->rules[i];
        hp_buf_puts(b, i ? ",\n            {\"id\": " : "\n            {\"id\": ");
        ci_str(b, r->id);
        hp_buf_puts(b, ", \"name\": ");
        ci_str(b, r->name);
        hp_buf_puts(b, ",\n             \"shortDescription\": {\"text\": ");
        ci_str(b, r->short_desc);
        hp_buf_puts(b, "},\n             \"fullDescription\": {\"text\": ");
        ci_str(b, r->full_desc);
        hp_buf_puts(b, "},\n             \"help\": {\"text\": ");
        ci_str(b, r->full_desc);
        hp_buf_printf(b, "},\n             \"defaultConfiguration\": {\"level\": \"%s\"},"
                      "\n             \"properties\": {\"tags\": [\"memory\", \"padding\"]}}",
                      ci_level_names[r->level]);
    }
    hp_buf_puts(b, l->nrules ? "\n          ]\n        }\n      },\n" : "]\n        }\n      },\n");
    if (wd != NULL) {
        hp_buf u = { 0 };
        hp_buf_puts(&u, "file://");
        ci_uri_path(&u, wd);
        if (u.len == 0 || u.s[u.len - 1] != '/')
            hp_buf_puts(&u, "/");
        hp_buf_puts(b, "      \"originalUriBaseIds\": {\"%SRCROOT%\": {\"uri\": ");
        ci_str(b, u.s);
        hp_buf_puts(b, "}},\n");
        hp_buf_free(&u);
    }
    size_t lim = l->n < CI_MAX_RESULTS ? l->n : CI_MAX_RESULTS;
    hp_buf_puts(b, "      \"results\": [");
    for (size_t i = 0; i < lim; i++) {
        const ci_result *r = &l->r[i];
        hp_buf_printf(b, "%s\n        {\"ruleId\": ", i ? "," : "");
        ci_str(b, l->rules[r->rule].id);
        hp_buf_printf(b, ", \"ruleIndex\": %zu, \"level\": \"%s\",\n         \"message\": {\"text\": ",
                      r->rule, ci_level_names[r->level]);
        ci_str(b, r->message);
        hp_buf_puts(b, "},\n         \"locations\": [{\"physicalLocation\": {\"artifactLocation\": ");
        ci_artifact(b, r->file ? r->file : r->binary, wd);
        if (r->file && r->line > 0)
            hp_buf_printf(b, ", \"region\": {\"startLine\": %lld}", (long long)r->line);
        uint64_t h = hp_hash_final(hp_hash_str(HP_HASH_INIT, r->identity));
        hp_buf_printf(b, "}}],\n         \"partialFingerprints\": {\"holeprofType/v1\": \"%016llx\"}}",
                      (unsigned long long)h);
    }
    hp_buf_puts(b, lim ? "\n      ]" : "]");
    if (lim < l->n)
        hp_buf_printf(b, ",\n      \"invocations\": [{\"executionSuccessful\": true,"
                      " \"toolExecutionNotifications\": [{\"level\": \"note\", \"message\":"
                      " {\"text\": \"%zu more results not written (at most %d per run)\"}}]}]",
                      l->n - lim, CI_MAX_RESULTS);
    hp_buf_puts(b, "\n    }\n  ]\n}\n");
}

/* ---- Markdown --------------------------------------------------------------- */

/* Cut md at a line boundary so that it and the note fit CI_MD_LIMIT. */
static void ci_md_cut(hp_buf *md)
{
    if (md->len <= CI_MD_LIMIT)
        return;
    size_t keep = CI_MD_LIMIT - 200;    /* room for the note */
    while (keep > 0 && md->s[keep - 1] != '\n')
        keep--;
    size_t dropped = 0;
    for (size_t i = keep; i < md->len; i++)
        dropped += md->s[i] == '\n';
    if (md->len > 0 && md->s[md->len - 1] != '\n')
        dropped++;
    md->len = keep;
    md->s[keep] = '\0';
    hp_buf_printf(md, "\n**Truncated:** %zu more lines not shown (a comment holds at most"
                  " 65,536 characters); the full report is in the JSON or table output.\n",
                  dropped);
}

void ci_render(ci_log *l, fmt_kind fmt, hp_buf *out)
{
    if (fmt == FMT_SARIF) {
        ci_sarif(l, out);
    } else {
        ci_md_cut(&l->md);
        hp_buf_putn(out, l->md.s ? l->md.s : "", l->md.len);
    }
}

void ci_free(ci_log *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->r[i].message);
        free(l->r[i].file);
        free(l->r[i].binary);
        free(l->r[i].identity);
    }
    free(l->r);
    hp_buf_free(&l->md);
    memset(l, 0, sizeof *l);
}
