/*
** pf_dhat.c -- valgrind DHAT's JSON profile as a stream (reader contract
** in pf_int.h).
**
** Format (valgrind --tool=dhat --dhat-out-file=FILE, dhatFileVersion 2):
** one object with "mode" ("heap" carries allocation counts), "cmd" (the
** command line), "pps" (program points: "tbk" blocks, "tb" bytes, "fs"
** frame indices innermost first, and for points whose blocks all have
** one size of at most 1 KiB "acc", a run-length list of per-byte access
** counts: n >= 0 is one byte accessed n times, -k followed by n is k
** bytes accessed n times each) and "ftbl" (frame texts: "[root]", then
** "0x1091E7: main (p.c:9)" or "0x4849: malloc (in /lib/x.so)").
**
** Reading: a small pull parser over the file (strict JSON: strings with
** escapes, numbers, literals, nesting at most 64 deep), twice: the first
** pass checks the whole document and keeps the header and the frame
** table; once the core has solved the binary and bias from the frames
** (pf_ready), the second pass hands each program point to the core and
** forgets it.  So memory is the frame table plus one point, whatever the
** file's size; a string longer than PF_LIMIT_LINE, a stack deeper than
** PF_LIMIT_STACK or an acc array beyond PF_MAX_ACC bytes is refused.
*/
#include "pf_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DH_MAX_DEPTH 64

typedef struct dh {
    pf_ctx *c;
    FILE *f;
    unsigned char buf[1 << 16];
    size_t pos, len;
    int eof;
    uint64_t off;          /* file offset of buf[pos], for messages */
    hp_buf s;              /* the last string read */
    size_t *fs;            /* one point's frames */
    size_t nfs, fscap;
    int64_t *acc;          /* one point's access counts, per byte */
    size_t nacc;
} dh;

static int dh_fail(dh *d, const char *what)
{
    return pf_fail(d->c, "not a DHAT profile (not valid JSON: %s at byte %llu)", what,
                   (unsigned long long)d->off);
}

static int dh_fill(dh *d)
{
    if (d->pos < d->len)
        return 1;
    if (d->eof)
        return 0;
    d->len = fread(d->buf, 1, sizeof d->buf, d->f);
    d->pos = 0;
    if (d->len == 0) {
        d->eof = 1;
        return 0;
    }
    return 1;
}

static int dh_peek(dh *d)
{
    for (;;) {
        if (!dh_fill(d))
            return -1;
        int ch = d->buf[d->pos];
        if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
            d->pos++;
            d->off++;
            continue;
        }
        return ch;
    }
}

static int dh_getc(dh *d)
{
    if (!dh_fill(d))
        return -1;
    d->off++;
    return d->buf[d->pos++];
}

static int dh_expect(dh *d, int ch)
{
    int got = dh_peek(d);
    if (got < 0)   /* a file cut short: say so, whatever was expected */
        return dh_fail(d, "unexpected end of file");
    if (got != ch) {
        char what[32];
        snprintf(what, sizeof what, "'%c' expected", ch);
        return dh_fail(d, what);
    }
    dh_getc(d);
    return 0;
}

/* A string into d->s (keep) or nowhere; control bytes become '?'. */
static int dh_string(dh *d, int keep)
{
    hp_buf_reset(&d->s);
    if (dh_expect(d, '"') != 0)
        return -1;
    size_t n = 0;
    for (;;) {
        int ch = dh_getc(d);
        if (ch < 0)
            return dh_fail(d, "unterminated string");
        if (ch == '"')
            break;
        if (ch < 0x20)
            return dh_fail(d, "control character in a string");
        if (ch == '\\') {
            ch = dh_getc(d);
            switch (ch) {
            case '"': case '\\': case '/': break;
            case 'b': case 'f': case 'n': case 'r': case 't': ch = '?'; break;
            case 'u':
                for (int i = 0; i < 4; i++) {
                    int h = dh_getc(d);
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
                        return dh_fail(d, "bad \\u escape");
                }
                ch = '?';
                break;
            default:
                return dh_fail(d, "bad escape");
            }
        }
        if (++n > PF_LIMIT_LINE)
            return pf_fail(d->c, "a DHAT string longer than %zu bytes (the limit) at byte %llu",
                           PF_LIMIT_LINE, (unsigned long long)d->off);
        if (keep) {
            char cc = ch == 0x7f ? '?' : (char)ch;
            hp_buf_putn(&d->s, &cc, 1);
        }
    }
    return 0;
}

static const char *dh_str(const dh *d)
{
    return d->s.s ? d->s.s : "";
}

/* A number; *isint when it is an integer that fits in int64. */
static int dh_number(dh *d, int64_t *out, int *isint)
{
    int ch = dh_peek(d), neg = 0, digits = 0, overflow = 0;
    uint64_t v = 0;
    *isint = 1;
    if (ch == '-') {
        neg = 1;
        dh_getc(d);
    }
    while (dh_fill(d) && d->buf[d->pos] >= '0' && d->buf[d->pos] <= '9') {
        int dig = dh_getc(d) - '0';
        if (v > (UINT64_MAX - (uint64_t)dig) / 10)
            overflow = 1;
        else
            v = v * 10 + (uint64_t)dig;
        digits++;
    }
    if (digits == 0)
        return dh_fail(d, "bad number");
    if (dh_fill(d) && d->buf[d->pos] == '.') {
        *isint = 0;
        dh_getc(d);
        int fd = 0;
        while (dh_fill(d) && d->buf[d->pos] >= '0' && d->buf[d->pos] <= '9') {
            dh_getc(d);
            fd++;
        }
        if (fd == 0)
            return dh_fail(d, "bad number");
    }
    if (dh_fill(d) && (d->buf[d->pos] == 'e' || d->buf[d->pos] == 'E')) {
        *isint = 0;
        dh_getc(d);
        if (dh_fill(d) && (d->buf[d->pos] == '+' || d->buf[d->pos] == '-'))
            dh_getc(d);
        int ed = 0;
        while (dh_fill(d) && d->buf[d->pos] >= '0' && d->buf[d->pos] <= '9') {
            dh_getc(d);
            ed++;
        }
        if (ed == 0)
            return dh_fail(d, "bad number");
    }
    if (overflow || v > (uint64_t)INT64_MAX)
        *isint = 0;
    *out = *isint ? (neg ? -(int64_t)v : (int64_t)v) : 0;
    return 0;
}

static int dh_literal(dh *d)
{
    static const char *const lit[] = { "true", "false", "null" };
    int ch = dh_peek(d);
    for (int i = 0; i < 3; i++)
        if (ch == lit[i][0]) {
            for (const char *p = lit[i]; *p; p++)
                if (dh_getc(d) != *p)
                    return dh_fail(d, "bad literal");
            return 0;
        }
    return dh_fail(d, "unexpected character");
}

/* Skip one value of any kind (iteratively, nesting bounded). */
static int dh_skip(dh *d)
{
    char stack[DH_MAX_DEPTH];   /* '{' or '[' */
    int depth = 0;
    for (;;) {
        int ch = dh_peek(d);
        if (ch == '{' || ch == '[') {
            if (depth >= DH_MAX_DEPTH)
                return dh_fail(d, "nested too deep");
            stack[depth++] = (char)ch;
            dh_getc(d);
            int next = dh_peek(d);
            if ((ch == '{' && next == '}') || (ch == '[' && next == ']')) {
                dh_getc(d);
                depth--;
                goto after_value;
            }
            if (ch == '{') {
                if (dh_string(d, 0) != 0 || dh_expect(d, ':') != 0)
                    return -1;
            }
            continue;
        }
        if (ch == '"') {
            if (dh_string(d, 0) != 0)
                return -1;
        } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
            int64_t v;
            int isint;
            if (dh_number(d, &v, &isint) != 0)
                return -1;
        } else if (dh_literal(d) != 0)
            return -1;
    after_value:
        for (;;) {
            if (depth == 0)
                return 0;
            ch = dh_peek(d);
            if (ch == ',') {
                dh_getc(d);
                if (stack[depth - 1] == '{' && (dh_string(d, 0) != 0 || dh_expect(d, ':') != 0))
                    return -1;
                break;
            }
            if ((stack[depth - 1] == '{' && ch == '}') || (stack[depth - 1] == '[' && ch == ']')) {
                dh_getc(d);
                depth--;
                continue;
            }
            return dh_fail(d, "',' or a closing bracket expected");
        }
    }
}

/* Iterate a container: call first with *first = 1. Returns 1 at its
** end, 0 when an element (or key, read into d->s) follows, -1 on error. */
static int dh_next(dh *d, int close, int *first, int is_object)
{
    int ch = dh_peek(d);
    if (ch == close) {
        dh_getc(d);
        return 1;
    }
    if (ch < 0)
        return dh_fail(d, "unexpected end of file");
    if (!*first) {
        if (ch != ',')
            return dh_fail(d, "',' expected");
        dh_getc(d);
    }
    *first = 0;
    if (is_object && (dh_string(d, 1) != 0 || dh_expect(d, ':') != 0))
        return -1;
    return 0;
}

static int dh_int(dh *d, int64_t *v, const char *what)
{
    int isint;
    if (dh_peek(d) != '-' && (dh_peek(d) < '0' || dh_peek(d) > '9'))
        return pf_fail(d->c, "damaged DHAT profile: %s is not a number", what);
    if (dh_number(d, v, &isint) != 0)
        return -1;
    if (!isint)
        return pf_fail(d->c, "damaged DHAT profile: %s is not an integer that fits 64 bits", what);
    return 0;
}

/* "0x4849F1B: malloc (in /x/vgpreload_dhat-amd64-linux.so)" */
static int dh_frame(dh *d, const char *t)
{
    pf_frame *f = pf_add_frame(d->c);
    if (f == NULL)
        return -1;
    f->text = hp_xstrndup(t, strnlen(t, PF_MAX_TEXT));
    if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
        char *end;
        errno = 0;
        unsigned long long a = strtoull(t + 2, &end, 16);
        if (errno == 0 && end != t + 2 && *end == ':') {
            f->has_addr = 1;
            f->addr = a;
            const char *fn = end + 1;
            while (*fn == ' ')
                fn++;
            const char *paren = strstr(fn, " (");
            size_t n = paren ? (size_t)(paren - fn) : strlen(fn);
            if (n > 0 && n < PF_MAX_TEXT)
                f->func = hp_xstrndup(fn, n);
            if (paren && strstr(paren, "vgpreload_"))
                f->is_alloc = 1;
        }
    }
    return 0;
}

/* acc: the run-length array into d->acc; -1 on error. */
static int dh_acc(dh *d)
{
    int first = 1, r;
    int64_t run = 0;
    d->nacc = 0;
    if (dh_expect(d, '[') != 0)
        return -1;
    while ((r = dh_next(d, ']', &first, 0)) == 0) {
        int64_t v;
        if (dh_int(d, &v, "an acc entry") != 0)
            return -1;
        if (run == 0 && v < 0) {
            if (v < -PF_MAX_ACC)
                return pf_fail(d->c, "damaged DHAT profile: bad acc array");
            run = -v;
            continue;
        }
        if (v < 0 || v > PF_MAX_COUNT)
            return pf_fail(d->c, "damaged DHAT profile: bad acc array");
        int64_t k = run ? run : 1;
        run = 0;
        if ((int64_t)d->nacc + k > PF_MAX_ACC)
            return pf_fail(d->c, "damaged DHAT profile: bad acc array (more than %d bytes)",
                           PF_MAX_ACC);
        for (int64_t i = 0; i < k; i++)
            d->acc[d->nacc + (size_t)i] = v;
        d->nacc += (size_t)k;
    }
    if (r < 0)
        return -1;
    if (run != 0)
        return pf_fail(d->c, "damaged DHAT profile: bad acc array");
    return 0;
}

/* One element of pps: counted (pass 2) or only checked (pass 1). */
static int dh_point(dh *d, size_t index, int count)
{
    int first = 1, r, has_tbk = 0, has_tb = 0, has_fs = 0, has_acc = 0;
    int64_t tbk = 0, tb = 0;
    d->nfs = 0;
    if (dh_peek(d) != '{')
        return pf_fail(d->c, "damaged DHAT profile: program point %zu is not an object", index);
    dh_getc(d);
    while ((r = dh_next(d, '}', &first, 1)) == 0) {
        if (strcmp(dh_str(d), "tbk") == 0) {
            if (dh_int(d, &tbk, "tbk") != 0)
                return -1;
            has_tbk = 1;
        } else if (strcmp(dh_str(d), "tb") == 0) {
            if (dh_int(d, &tb, "tb") != 0)
                return -1;
            has_tb = 1;
        } else if (strcmp(dh_str(d), "fs") == 0) {
            int f2 = 1, r2;
            if (dh_peek(d) != '[')
                return pf_fail(d->c, "damaged DHAT profile: program point %zu", index);
            dh_getc(d);
            while ((r2 = dh_next(d, ']', &f2, 0)) == 0) {
                int64_t fi;
                if (dh_int(d, &fi, "a frame index") != 0)
                    return -1;
                if (count && (fi < 0 || (uint64_t)fi >= d->c->nfr))
                    return pf_fail(d->c, "damaged DHAT profile: bad frame index in point %zu",
                                   index);
                if (d->nfs >= PF_LIMIT_STACK)
                    return pf_fail(d->c, "a DHAT stack deeper than %zu frames (the limit)",
                                   PF_LIMIT_STACK);
                if (count)
                    *HP_PUSH(d->fs, d->nfs, d->fscap) = (size_t)fi;
                else
                    d->nfs++;
            }
            if (r2 < 0)
                return -1;
            has_fs = 1;
        } else if (strcmp(dh_str(d), "acc") == 0) {
            if (dh_acc(d) != 0)
                return -1;
            has_acc = 1;
        } else if (dh_skip(d) != 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (!has_tbk || !has_tb || !has_fs || tbk < 0 || tb < 0 || tbk > PF_MAX_COUNT
        || tb > PF_MAX_COUNT)
        return pf_fail(d->c, "damaged DHAT profile: program point %zu", index);
    if (!count)
        return 0;
    /* acc is kept only for points whose blocks all have one size: its length */
    int64_t block = has_acc && d->nacc > 0 ? (int64_t)d->nacc : tbk == 1 ? tb : 0;
    return pf_stack(d->c, d->fs, d->nfs, tbk, tb, block, has_acc ? d->acc : NULL,
                    has_acc ? d->nacc : 0);
}

/* One pass over the document. */
static int dh_pass(dh *d, int pass)
{
    int first = 1, r, have_pps = 0, have_ftbl = 0, have_ver = 0;
    int64_t ver = 0;
    char mode[32] = "";
    if (dh_peek(d) != '{')
        return dh_fail(d, "'{' expected");
    dh_getc(d);
    while ((r = dh_next(d, '}', &first, 1)) == 0) {
        if (strcmp(dh_str(d), "dhatFileVersion") == 0) {
            int isint;
            if (dh_peek(d) == '-' || (dh_peek(d) >= '0' && dh_peek(d) <= '9')) {
                if (dh_number(d, &ver, &isint) != 0)
                    return -1;
                have_ver = isint;
            } else if (dh_skip(d) != 0)
                return -1;
        } else if (strcmp(dh_str(d), "mode") == 0 && dh_peek(d) == '"') {
            if (dh_string(d, 1) != 0)
                return -1;
            snprintf(mode, sizeof mode, "%s", dh_str(d));
        } else if (strcmp(dh_str(d), "cmd") == 0 && dh_peek(d) == '"') {
            if (dh_string(d, 1) != 0)
                return -1;
            if (pass == 1 && d->c->cmd == NULL)
                d->c->cmd = hp_xstrndup(dh_str(d), strnlen(dh_str(d), 4096));
        } else if (strcmp(dh_str(d), "pps") == 0 && dh_peek(d) == '[') {
            int f2 = 1, r2;
            size_t i = 0;
            dh_getc(d);
            while ((r2 = dh_next(d, ']', &f2, 0)) == 0)
                if (dh_point(d, i++, pass == 2) != 0)
                    return -1;
            if (r2 < 0)
                return -1;
            have_pps = 1;
        } else if (strcmp(dh_str(d), "ftbl") == 0 && dh_peek(d) == '[') {
            int f2 = 1, r2;
            dh_getc(d);
            while ((r2 = dh_next(d, ']', &f2, 0)) == 0) {
                if (pass == 2) {
                    if (dh_skip(d) != 0)
                        return -1;
                    continue;
                }
                if (dh_peek(d) != '"') {
                    if (dh_skip(d) != 0)   /* not text: a frame without an address */
                        return -1;
                    if (pf_add_frame(d->c) == NULL)
                        return -1;
                    continue;
                }
                if (dh_string(d, 1) != 0 || dh_frame(d, dh_str(d)) != 0)
                    return -1;
            }
            if (r2 < 0)
                return -1;
            have_ftbl = 1;
        } else if (dh_skip(d) != 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (dh_peek(d) != -1)
        return dh_fail(d, "data after the document");
    if (ferror(d->f))
        return pf_fail(d->c, "cannot read the file: %s", strerror(errno));
    if (pass == 1) {
        if (!have_ver || ver != 2 || !have_pps || !have_ftbl)
            return pf_fail(d->c, "not a DHAT profile (format version 2 with pps and ftbl expected)");
        if (strcmp(mode, "heap") != 0)
            return pf_fail(d->c, "a DHAT profile of mode '%s': only heap profiles carry"
                           " allocation counts", mode[0] ? mode : "?");
    }
    return 0;
}

int pf_read_dhat(pf_ctx *c, FILE *f)
{
    dh *d = hp_xcalloc(1, sizeof *d);
    d->c = c;
    d->f = f;
    int status = -1;
    d->acc = hp_xmalloc(PF_MAX_ACC * sizeof *d->acc);
    if (dh_pass(d, 1) != 0)
        goto out;
    if (pf_ready(c) != 0)
        goto out;
    if (fseek(f, 0, SEEK_SET) != 0) {
        pf_fail(c, "cannot read the file again: %s", strerror(errno));
        goto out;
    }
    d->pos = d->len = 0;
    d->eof = 0;
    d->off = 0;
    if (dh_pass(d, 2) != 0)
        goto out;
    status = 0;
out:
    hp_buf_free(&d->s);
    free(d->fs);
    free(d->acc);
    free(d);
    return status;
}
