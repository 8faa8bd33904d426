/*
** fmt.c -- implementation of fmt.h: printing a statement's rows as an
** aligned table, CSV or JSON.
**
** Contract: fmt_print_stmt() steps the statement to the end and prints
** every row, header included, in one of three forms:
**   table  column names, then rows; columns separated by two spaces,
**          INTEGER and REAL cells right-aligned, text left-aligned, NULL
**          empty.  Rows are buffered to measure the columns, so widths are
**          exact for any number of rows.  Control characters in text are
**          shown as '?' so one row stays one line.
**   csv    a header line, then one line per row, fields quoted per RFC 4180
**          (quotes doubled) exactly where the sqlite3 CLI's csv mode quotes
**          them; lines end in "\n".  NULL is an empty field, empty text
**          is "".
**   json   an array of objects, one per row, keys in column order;
**          INTEGER and REAL as JSON numbers (non-finite reals as null),
**          NULL as null, text as strings with every control character
**          escaped and valid UTF-8 passed through (invalid bytes become
**          U+FFFD, so the output is always valid JSON).
** A REAL holding a whole number prints as an integer in every form ("8",
** not "8.0"), other REALs as SQLite gives them.  BLOB cells print as
** lower-case hex.  fmt_json_string() is the JSON
** string encoder, shared with other reports.  Errors from sqlite3_step() and
** from writing `out` come back in err (without a file name; the caller
** knows which file the statement came from).
*/
#include "fmt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int fmt_parse(const char *s, fmt_kind *out)
{
    static const struct { const char *name; fmt_kind kind; } names[] = {
        { "table", FMT_TABLE }, { "csv", FMT_CSV }, { "json", FMT_JSON },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (s != NULL && strcmp(s, names[i].name) == 0) {
            *out = names[i].kind;
            return 0;
        }
    }
    return -1;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if the byte
** at p does not start one.  Rejects overlongs, surrogates and > U+10FFFF. */
static size_t fmt_utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    else if (c >= 0xc2 && c <= 0xdf) { len = 2; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; min = 0x10000; }
    else
        return 0;
    if (len > n)
        return 0;
    unsigned cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static void fmt_hex(hp_buf *b, const void *blob, int n)
{
    const unsigned char *p = blob;
    for (int i = 0; i < n; i++)
        hp_buf_printf(b, "%02x", p[i]);
}

/* The cell as text for table and CSV output. */
static void fmt_cell_text(sqlite3_stmt *s, int col, hp_buf *b)
{
    hp_buf_reset(b);
    switch (sqlite3_column_type(s, col)) {
    case SQLITE_NULL:
        hp_buf_puts(b, "");
        break;
    case SQLITE_BLOB:
        fmt_hex(b, sqlite3_column_blob(s, col), sqlite3_column_bytes(s, col));
        if (b->s == NULL)
            hp_buf_puts(b, "");
        break;
    case SQLITE_FLOAT: {
        /* a whole number computed in REAL arithmetic (weights x counts)
        ** prints as the integer it is, "8" rather than SQLite's "8.0";
        ** exact up to 2^53, as JSON's %.15g does */
        double d = sqlite3_column_double(s, col);
        if (isfinite(d) && d == trunc(d) && fabs(d) < 9007199254740992.0) {
            hp_buf_printf(b, "%.0f", d == 0 ? 0.0 : d);
            break;
        }
    }
    /* fall through */
    default: {
        const unsigned char *t = sqlite3_column_text(s, col);
        hp_buf_putn(b, t ? (const char *)t : "", t ? (size_t)sqlite3_column_bytes(s, col) : 0);
        break;
    }
    }
}

void fmt_json_string(hp_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    hp_buf_putn(b, "\"", 1);
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            hp_buf_putn(b, e, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            switch (c) {
            case '\b': hp_buf_puts(b, "\\b"); break;
            case '\f': hp_buf_puts(b, "\\f"); break;
            case '\n': hp_buf_puts(b, "\\n"); break;
            case '\r': hp_buf_puts(b, "\\r"); break;
            case '\t': hp_buf_puts(b, "\\t"); break;
            default: hp_buf_printf(b, "\\u%04x", c); break;
            }
            i++;
        } else {
            size_t len = fmt_utf8_len(p + i, n - i);
            if (len == 0) {
                hp_buf_puts(b, "\\ufffd");
                i++;
            } else {
                hp_buf_putn(b, s + i, len);
                i += len;
            }
        }
    }
    hp_buf_putn(b, "\"", 1);
}

static void fmt_json_cell(sqlite3_stmt *s, int col, hp_buf *b)
{
    switch (sqlite3_column_type(s, col)) {
    case SQLITE_NULL:
        hp_buf_puts(b, "null");
        break;
    case SQLITE_INTEGER:
        hp_buf_printf(b, "%lld", (long long)sqlite3_column_int64(s, col));
        break;
    case SQLITE_FLOAT: {
        double d = sqlite3_column_double(s, col);
        if (!isfinite(d)) {
            hp_buf_puts(b, "null");
            break;
        }
        /* %g of a finite double is always a JSON number; 15 digits
        ** reads best, 17 when 15 would not round-trip. */
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.15g", d);
        if (strtod(tmp, NULL) != d)
            snprintf(tmp, sizeof tmp, "%.17g", d);
        hp_buf_puts(b, tmp);
        break;
    }
    case SQLITE_BLOB: {
        hp_buf_puts(b, "\"");
        fmt_hex(b, sqlite3_column_blob(s, col), sqlite3_column_bytes(s, col));
        hp_buf_puts(b, "\"");
        break;
    }
    default: {
        const unsigned char *t = sqlite3_column_text(s, col);
        fmt_json_string(b, t ? (const char *)t : "", t ? (size_t)sqlite3_column_bytes(s, col) : 0);
        break;
    }
    }
}

/* Quoting follows the sqlite3 CLI's .mode csv, so both print the same
** bytes for the same query: quote empty text (so it differs from NULL)
** and anything holding a blank or control character, a quote, an
** apostrophe, a comma or a non-ASCII byte.  RFC 4180 permits quoting any
** field; it requires it only for commas, quotes and line breaks. */
static void fmt_csv_field(hp_buf *b, const char *s, size_t n)
{
    int quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '"' || c == '\'' || c == ',' || c >= 0x7f)
            quote = 1;
    }
    if (!quote) {
        hp_buf_putn(b, s, n);
        return;
    }
    hp_buf_putn(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            hp_buf_putn(b, "\"", 1);
        hp_buf_putn(b, s + i, 1);
    }
    hp_buf_putn(b, "\"", 1);
}

/* Display width of UTF-8 text: one column per code point (good enough
** for identifiers and paths; wide CJK glyphs are rare here). */
static size_t fmt_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

/* Control characters would break the one-row-one-line shape. */
static char *fmt_table_text(const char *s, size_t n)
{
    char *t = hp_xstrndup(s, n);
    for (size_t i = 0; i < n; i++)
        if (t[i] == '\0')
            t[i] = '?';
    hp_text_clean(t);
    return t;
}

typedef struct fmt_cell {
    char *text;
    int numeric;
} fmt_cell;

static int fmt_flush(hp_buf *b, FILE *out, hp_err *err)
{
    if (b->len > 0 && fwrite(b->s, 1, b->len, out) != b->len)
        return hp_errf(err, NULL, "write error: %s", strerror(errno));
    hp_buf_reset(b);
    return 0;
}

static void fmt_pad(hp_buf *b, size_t n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        hp_buf_putn(b, spaces, k);
        n -= k;
    }
}

static int fmt_table(sqlite3_stmt *stmt, FILE *out, hp_err *err)
{
    int ncol = sqlite3_column_count(stmt);
    fmt_cell *cells = NULL;
    size_t ncells = 0, cap = 0, nrows = 0;
    hp_buf b = { 0 };
    int rc, status = 0;

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (int c = 0; c < ncol; c++) {
            fmt_cell_text(stmt, c, &b);
            int type = sqlite3_column_type(stmt, c);
            fmt_cell *cell = HP_PUSH(cells, ncells, cap);
            cell->text = fmt_table_text(b.s ? b.s : "", b.len);
            cell->numeric = type == SQLITE_INTEGER || type == SQLITE_FLOAT;
        }
        nrows++;
    }
    if (rc != SQLITE_DONE) {
        status = hp_errf(err, NULL, "%s", sqlite3_errmsg(sqlite3_db_handle(stmt)));
        goto done;
    }

    size_t *width = hp_xcalloc((size_t)ncol, sizeof *width);
    int *rjust = hp_xcalloc((size_t)ncol, sizeof *rjust);
    char **head = hp_xcalloc((size_t)ncol, sizeof *head);
    for (int c = 0; c < ncol; c++) {
        const char *name = sqlite3_column_name(stmt, c);
        head[c] = fmt_table_text(name ? name : "", name ? strlen(name) : 0);
        width[c] = fmt_width(head[c]);
        /* A header sits over its numbers when the column is all numbers. */
        rjust[c] = nrows > 0;
    }
    for (size_t r = 0; r < nrows; r++) {
        for (int c = 0; c < ncol; c++) {
            fmt_cell *cell = &cells[r * (size_t)ncol + (size_t)c];
            size_t w = fmt_width(cell->text);
            if (w > width[c])
                width[c] = w;
            if (!cell->numeric && cell->text[0] != '\0')
                rjust[c] = 0;
        }
    }
    for (size_t r = 0; r <= nrows + 1 && status == 0; r++) {
        hp_buf_reset(&b);
        for (int c = 0; c < ncol; c++) {
            const char *text;
            int right;
            if (r == 0) {
                text = head[c];
                right = rjust[c];
            } else if (r == 1) {
                text = NULL;
                right = 0;
            } else {
                fmt_cell *cell = &cells[(r - 2) * (size_t)ncol + (size_t)c];
                text = cell->text;
                right = cell->numeric;
            }
            if (c > 0)
                hp_buf_puts(&b, "  ");
            if (text == NULL) {
                for (size_t i = 0; i < width[c]; i++)
                    hp_buf_putn(&b, "-", 1);
                continue;
            }
            size_t pad = width[c] - fmt_width(text);
            if (right)
                fmt_pad(&b, pad);
            hp_buf_puts(&b, text);
            if (!right && c + 1 < ncol)
                fmt_pad(&b, pad);
        }
        /* no trailing blanks: a left-aligned last column is not padded */
        while (b.len > 0 && b.s[b.len - 1] == ' ')
            b.s[--b.len] = '\0';
        hp_buf_puts(&b, "\n");
        status = fmt_flush(&b, out, err);
    }
    for (int c = 0; c < ncol; c++)
        free(head[c]);
    free(head);
    free(width);
    free(rjust);
done:
    for (size_t i = 0; i < ncells; i++)
        free(cells[i].text);
    free(cells);
    hp_buf_free(&b);
    return status;
}

static int fmt_stream(sqlite3_stmt *stmt, fmt_kind kind, FILE *out, hp_err *err)
{
    int ncol = sqlite3_column_count(stmt);
    hp_buf b = { 0 }, cell = { 0 };
    int rc = SQLITE_DONE, status = 0;
    size_t nrows = 0;

    if (kind == FMT_CSV) {
        for (int c = 0; c < ncol; c++) {
            const char *name = sqlite3_column_name(stmt, c);
            if (c > 0)
                hp_buf_puts(&b, ",");
            fmt_csv_field(&b, name ? name : "", name ? strlen(name) : 0);
        }
        hp_buf_puts(&b, "\n");
    } else {
        hp_buf_puts(&b, "[");
    }
    while (status == 0 && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (int c = 0; c < ncol; c++) {
            if (kind == FMT_CSV) {
                if (c > 0)
                    hp_buf_puts(&b, ",");
                if (sqlite3_column_type(stmt, c) == SQLITE_NULL)
                    continue;       /* NULL: an empty, unquoted field */
                fmt_cell_text(stmt, c, &cell);
                fmt_csv_field(&b, cell.s ? cell.s : "", cell.len);
            } else {
                const char *name = sqlite3_column_name(stmt, c);
                hp_buf_puts(&b, c == 0 ? (nrows == 0 ? "\n  {" : ",\n  {") : ", ");
                fmt_json_string(&b, name ? name : "", name ? strlen(name) : 0);
                hp_buf_puts(&b, ": ");
                fmt_json_cell(stmt, c, &b);
            }
        }
        if (kind == FMT_CSV)
            hp_buf_puts(&b, "\n");
        else
            hp_buf_puts(&b, ncol > 0 ? "}" : (nrows == 0 ? "\n  {}" : ",\n  {}"));
        nrows++;
        if (b.len >= 65536)
            status = fmt_flush(&b, out, err);
    }
    if (status == 0 && rc != SQLITE_DONE)
        status = hp_errf(err, NULL, "%s", sqlite3_errmsg(sqlite3_db_handle(stmt)));
    if (status == 0) {
        if (kind == FMT_JSON)
            hp_buf_puts(&b, nrows > 0 ? "\n]\n" : "]\n");
        status = fmt_flush(&b, out, err);
    }
    hp_buf_free(&b);
    hp_buf_free(&cell);
    return status;
}

int fmt_print_stmt(sqlite3_stmt *stmt, fmt_kind kind, FILE *out, hp_err *err)
{
    int status = kind == FMT_TABLE ? fmt_table(stmt, out, err) : fmt_stream(stmt, kind, out, err);
    if (status == 0 && fflush(out) != 0)
        status = hp_errf(err, NULL, "write error: %s", strerror(errno));
    return status;
}
