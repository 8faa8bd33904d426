/*
** html.c -- `holeprof report DB` and `holeprof report OLD.db NEW.db`
** (contract in html.h).
**
** Nothing here recomputes what another module owns: the offenders come
** in rk_rank_from()'s order (the order of `top`), the suggested layout from
** rep_load_layout() (the one `show` prints), the numbers from the views
** waste, waste_all and site_waste_all, and the diff from dif_run()'s JSON.
** This module only draws.
**
** A byte map is an SVG of 32 cells a row, one cell per byte, or per 8
** bytes (or more, so a map never passes HT_MAX_CELLS) for big types.  A
** cell belongs to the first member (in members.idx order) with a byte in
** it -- bitfields count the bytes their bits touch -- else it is a hole,
** or tail padding when no member ends after it.  Cacheline boundaries are
** lines: across the row when a row starts on one, else a mark at the
** cell.  Field heat, when loaded, shades each member (cold members fade).
*/
#include "profile.h"
#include "html.h"
#include "outfile.h"
#include "diff.h"
#include "rank.h"
#include "report.h"
#include "store.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HT_COLS       32          /* cells per byte-map row */
#define HT_MAX_CELLS  1024        /* cells per map, at most */
#define HT_CW         14          /* cell width, px */
#define HT_CH         22          /* cell height, px */
#define HT_LEFT       44          /* room for the row offsets */
#define HT_DEFAULT_N  10

static const char *const ht_palette[] = {
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#a0cbe8",
};
#define HT_NPAL (sizeof ht_palette / sizeof ht_palette[0])

/* ---- escaping ----------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t ht_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, min = 0x10000;
    else
        return 0;
    unsigned v = c & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    return n;
}

/* s as HTML text or attribute value: markup characters as entities,
** control characters (C0, DEL, C1) and invalid UTF-8 as U+FFFD. */
static void ht_esc(hp_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t n = ht_utf8_len(p);
        switch (n ? *p : 0) {
        case '&': hp_buf_puts(b, "&amp;"); break;
        case '<': hp_buf_puts(b, "&lt;"); break;
        case '>': hp_buf_puts(b, "&gt;"); break;
        case '"': hp_buf_puts(b, "&quot;"); break;
        case '\'': hp_buf_puts(b, "&#39;"); break;
        default:
            /* the control characters are those hp_text_clean replaces:
            ** C0, DEL and C1 (U+0080..U+009F) */
            if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))
                || (n == 2 && p[0] == 0xc2 && p[1] <= 0x9f))
                hp_buf_puts(b, "\xef\xbf\xbd");
            else
                hp_buf_putn(b, (const char *)p, n);
        }
        p += n ? n : 1;
    }
}

static void ht_col(hp_buf *b, sqlite3_stmt *s, int col, const char *dflt)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    ht_esc(b, t ? (const char *)t : dflt);
}

/* Numbers for people, as `top` prints them: whole values without ".0". */
static void ht_num(hp_buf *b, double d)
{
    if (!isfinite(d))
        hp_buf_puts(b, "?");
    else if (fabs(d - round(d)) < 0.005 && fabs(d) < 1e15)
        hp_buf_printf(b, "%.0f", round(d) == 0 ? 0.0 : round(d));
    else
        hp_buf_printf(b, "%.2f", d);
}

static void ht_colnum(hp_buf *b, sqlite3_stmt *s, int col)
{
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        hp_buf_puts(b, "?");
    else
        ht_num(b, sqlite3_column_double(s, col));
}

/* A sortable cell: the number in data-v, "" when unknown. */
static void ht_numcell(hp_buf *b, sqlite3_stmt *s, int col)
{
    if (sqlite3_column_type(s, col) == SQLITE_NULL) {
        hp_buf_puts(b, "<td class=\"n\" data-v=\"\">?</td>");
        return;
    }
    double d = sqlite3_column_double(s, col);
    hp_buf_printf(b, "<td class=\"n\" data-v=\"%.17g\">", isfinite(d) ? d : 0.0);
    ht_num(b, d);
    hp_buf_puts(b, "</td>");
}

/* ---- the byte map ------------------------------------------------------- */

/* Bytes [*s, *e) a member occupies in the current or the suggested order. */
static void ht_span(const rep_member *m, int sugg, int64_t *s, int64_t *e)
{
    if (m->bit_size > 0) {
        int64_t bp = sugg ? m->new_bitpos : m->bitpos;
        *s = bp / 8;
        *e = (bp + m->bit_size + 7) / 8;
    } else {
        *s = sugg ? m->new_offset : m->offset;
        *e = *s + m->size;
    }
}

static int64_t ht_cell_bytes(int64_t size)
{
    if (size <= 256)
        return 1;
    int64_t c = 8;
    while ((size + c - 1) / c > HT_MAX_CELLS)
        c *= 2;
    return c;
}

/* Heat on a log scale: the hottest member full colour, untouched ones faint. */
static void ht_heat_opacity(hp_buf *b, int64_t max, const rep_member *m)
{
    double t = max > 0 ? log1p((double)m->heat) / log1p((double)max) : 0;
    hp_buf_printf(b, " data-heat=\"%lld\" fill-opacity=\"%.2f\"", (long long)m->heat,
                  0.2 + 0.8 * t);
}

/* Cell k; holes and tail padding say where they are (data-offset). */
static void ht_rect(hp_buf *b, int64_t k, const char *cls, int64_t cell, const char *fill)
{
    int64_t x = HT_LEFT + k % HT_COLS * HT_CW, y = 2 + k / HT_COLS * HT_CH;
    hp_buf_printf(b, "<rect class=\"%s\" x=\"%lld\" y=\"%lld\" width=\"%d\" height=\"%d\"",
                  cls, (long long)x, (long long)y, HT_CW - 1, HT_CH - 2);
    if (fill)
        hp_buf_printf(b, " fill=\"%s\"", fill);
    if (fill != NULL)
        hp_buf_printf(b, " data-offset=\"%lld\"", (long long)(k * cell));
    hp_buf_puts(b, "/>");
}

/* A member's name over its run of cells, cut to what fits. */
static void ht_label(hp_buf *b, int64_t k, int64_t len, const char *name)
{
    size_t room = (size_t)(len * HT_CW - 4) / 7, n = 0, cut = 0;
    const unsigned char *p = (const unsigned char *)(name ? name : "(anon)");
    while (p[cut]) {
        size_t l = ht_utf8_len(p + cut);
        if (++n > room)
            break;
        cut += l ? l : 1;
    }
    if (cut == 0)
        return;
    char *t = hp_xstrndup((const char *)p, cut);
    hp_buf_printf(b, "<text class=\"lbl\" x=\"%lld\" y=\"%lld\">",
                  (long long)(HT_LEFT + k % HT_COLS * HT_CW + 3),
                  (long long)(2 + k / HT_COLS * HT_CH + HT_CH - 7));
    ht_esc(b, t);
    hp_buf_puts(b, p[cut] ? "\xe2\x80\xa6</text>" : "</text>");
    free(t);
}

static void ht_bytemap(hp_buf *b, const rep_layout *l, int sugg, int64_t size, int64_t cell,
                       int64_t cacheline, int64_t type_id)
{
    int64_t ncells = (size + cell - 1) / cell;
    int32_t *owner = hp_xcalloc((size_t)(ncells ? ncells : 1), sizeof *owner);
    int32_t *next = hp_xcalloc((size_t)(ncells ? ncells : 1), sizeof *next);
    int32_t *head = hp_xcalloc(l->n ? l->n : 1, sizeof *head);
    int64_t *count = hp_xcalloc(l->n ? l->n : 1, sizeof *count);
    int64_t *cov = hp_xcalloc((size_t)(ncells ? ncells : 1), sizeof *cov);
    int64_t lastend = 0, holes = 0, tails = 0, maxheat = 0;
    for (int64_t k = 0; k < ncells; k++)
        owner[k] = -1;
    for (size_t i = 0; i < l->n; i++) {
        int64_t s, e;
        head[i] = -1;
        if (l->m[i].heat > maxheat)
            maxheat = l->m[i].heat;
        ht_span(&l->m[i], sugg, &s, &e);
        if (s < 0)
            s = 0;
        if (e > size)
            e = size;
        if (s >= e)
            continue;
        if (e > lastend)
            lastend = e;
        for (int64_t k = s / cell; k <= (e - 1) / cell; k++) {
            if (owner[k] < 0)
                owner[k] = (int32_t)i;
            int64_t lo = k * cell > s ? k * cell : s, hi = (k + 1) * cell < e ? (k + 1) * cell : e;
            cov[k] += hi - lo;
        }
    }
    /* chain each member's cells, in offset order */
    for (int64_t k = ncells - 1; k >= 0; k--) {
        if (owner[k] < 0)
            continue;
        next[k] = head[owner[k]];
        head[owner[k]] = (int32_t)k;
        count[owner[k]]++;
    }
    for (int64_t k = 0; k < ncells; k++)
        if (owner[k] < 0) {
            if (k * cell >= lastend)
                tails++;
            else
                holes++;
        }

    int64_t rows = (ncells + HT_COLS - 1) / HT_COLS;
    int64_t w = HT_LEFT + HT_COLS * HT_CW + 4, h = rows * HT_CH + 4;
    hp_buf_printf(b, "<svg class=\"bytemap\" xmlns=\"http://www.w3.org/2000/svg\""
                  " width=\"%lld\" height=\"%lld\" viewBox=\"0 0 %lld %lld\" role=\"img\""
                  " data-layout=\"%s\" data-type-id=\"%lld\" data-size=\"%lld\""
                  " data-cell-bytes=\"%lld\" data-cells=\"%lld\" data-hole-cells=\"%lld\""
                  " data-tail-cells=\"%lld\">",
                  (long long)w, (long long)h, (long long)w, (long long)h,
                  sugg ? "suggested" : "current", (long long)type_id, (long long)size,
                  (long long)cell, (long long)ncells, (long long)holes, (long long)tails);
    hp_buf_printf(b, "<title>%s layout, %lld bytes, %lld %s per cell</title>",
                  sugg ? "suggested" : "current", (long long)size, (long long)cell,
                  cell == 1 ? "byte" : "bytes");
    for (int64_t r = 0; r < rows; r++)
        hp_buf_printf(b, "<text class=\"off\" x=\"%d\" y=\"%lld\">%lld</text>", HT_LEFT - 4,
                      (long long)(2 + r * HT_CH + HT_CH - 6), (long long)(r * HT_COLS * cell));
    for (size_t i = 0; i < l->n; i++) {
        const rep_member *m = &l->m[i];
        if (count[i] == 0)
            continue;
        int64_t s, e;
        ht_span(m, sugg, &s, &e);
        hp_buf_printf(b, "<g class=\"member\" data-member=\"%zu\" data-member-cells=\"%lld\""
                      " fill=\"%s\"", i, (long long)count[i], ht_palette[i % HT_NPAL]);
        if (l->has_heat)
            ht_heat_opacity(b, maxheat, m);
        hp_buf_puts(b, "><title>");
        ht_esc(b, m->name ? m->name : "(anonymous)");
        hp_buf_puts(b, ": ");
        ht_esc(b, m->type_name);
        if (m->bit_size > 0)
            hp_buf_printf(b, ", bits %lld..%lld", (long long)(sugg ? m->new_bitpos : m->bitpos),
                          (long long)((sugg ? m->new_bitpos : m->bitpos) + m->bit_size - 1));
        else
            hp_buf_printf(b, ", offset %lld, size %lld", (long long)s, (long long)m->size);
        if (l->has_heat)
            hp_buf_printf(b, ", %lld accesses", (long long)m->heat);
        hp_buf_puts(b, "</title>");
        /* a big cell that is partly a hole is outlined (class gap) */
        for (int32_t k = head[i]; k >= 0; k = next[k]) {
            int64_t used = lastend - k * cell < cell ? lastend - k * cell : cell;
            ht_rect(b, k, cov[k] < used ? "cell gap" : "cell", cell, NULL);
        }
        hp_buf_puts(b, "</g>");
    }
    /* names where a member has room: its longest run of cells in a row */
    for (size_t i = 0; i < l->n; i++) {
        int64_t best = -1, bestlen = 0;
        for (int32_t k = head[i]; k >= 0;) {
            int64_t len = 1;
            int32_t j = k;
            while (next[j] == j + 1 && (j + 1) % HT_COLS != 0) {
                j = next[j];
                len++;
            }
            if (len > bestlen) {
                bestlen = len;
                best = k;
            }
            k = next[j];
        }
        if (bestlen >= 2)
            ht_label(b, best, bestlen, l->m[i].name);
    }
    for (int64_t k = 0; k < ncells; k++)
        if (owner[k] < 0) {
            int tail = k * cell >= lastend;
            ht_rect(b, k, tail ? "cell tail" : "cell hole", cell,
                    tail ? "url(#hp-tail)" : "url(#hp-hatch)");
        }
    /* a mark every cell or two would only be noise: at least 4 cells apart,
    ** so at most HT_MAX_CELLS / 4 lines */
    for (int64_t off = cacheline; cacheline >= 4 * cell && off < size; off += cacheline) {
        int64_t k = off / cell, x = HT_LEFT + k % HT_COLS * HT_CW, y = 2 + k / HT_COLS * HT_CH;
        if (k % HT_COLS == 0)
            hp_buf_printf(b, "<line class=\"cacheline\" data-offset=\"%lld\" x1=\"%d\" y1=\"%lld\""
                          " x2=\"%d\" y2=\"%lld\"/>", (long long)off, HT_LEFT - 2,
                          (long long)(y - 1), HT_LEFT + HT_COLS * HT_CW, (long long)(y - 1));
        else
            hp_buf_printf(b, "<line class=\"cacheline\" data-offset=\"%lld\" x1=\"%lld\""
                          " y1=\"%lld\" x2=\"%lld\" y2=\"%lld\"/>", (long long)off,
                          (long long)(x - 1), (long long)(y - 2), (long long)(x - 1),
                          (long long)(y + HT_CH - 1));
    }
    hp_buf_puts(b, "</svg>");
    free(owner);
    free(next);
    free(head);
    free(count);
    free(cov);
}

/* The members, with their colour, both offsets and their heat. */
static void ht_legend(hp_buf *b, const rep_layout *l)
{
    hp_buf_puts(b, "<table class=\"legend\"><thead><tr><th></th><th>member</th><th>type</th>"
                   "<th class=\"n\">offset</th><th class=\"n\">size</th>");
    if (l->new_size >= 0)
        hp_buf_puts(b, "<th class=\"n\">suggested</th>");
    if (l->has_heat)
        hp_buf_puts(b, "<th class=\"n\">accesses</th>");
    hp_buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < l->n; i++) {
        const rep_member *m = &l->m[i];
        hp_buf_printf(b, "<tr data-member=\"%zu\"><td><span class=\"sw\" style=\"background:%s\">"
                      "</span></td><td>", i, ht_palette[i % HT_NPAL]);
        ht_esc(b, m->name ? m->name : "(anonymous)");
        hp_buf_puts(b, "</td><td>");
        ht_esc(b, m->type_name);
        if (m->bit_size > 0)
            hp_buf_printf(b, "</td><td class=\"n\">%lld:%lld</td><td class=\"n\">%lld bits</td>",
                          (long long)(m->bitpos / 8), (long long)(m->bitpos % 8),
                          (long long)m->bit_size);
        else
            hp_buf_printf(b, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>",
                          (long long)m->offset, (long long)m->size);
        if (l->new_size >= 0) {
            if (m->bit_size > 0)
                hp_buf_printf(b, "<td class=\"n\">%lld:%lld</td>", (long long)(m->new_bitpos / 8),
                              (long long)(m->new_bitpos % 8));
            else
                hp_buf_printf(b, "<td class=\"n\">%lld</td>", (long long)m->new_offset);
        }
        if (l->has_heat)
            hp_buf_printf(b, "<td class=\"n\">%lld</td>", (long long)m->heat);
        hp_buf_puts(b, "</tr>");
    }
    hp_buf_puts(b, "</tbody></table>");
}

/* ---- sections ----------------------------------------------------------- */

static int ht_dberr(sqlite3 *db, const char *path, const char *what, hp_err *err)
{
    return hp_errf(err, path, "cannot read %s: %s", what, sqlite3_errmsg(db));
}

static int ht_summary(sqlite3 *db, const char *path, hp_buf *b, hp_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc;
    hp_buf_puts(b, "<section id=\"summary\"><h2>Summary</h2><table class=\"kv\" id=\"binaries\">"
                   "<thead><tr><th>binary</th><th>build-id</th><th>arch</th><th>producer</th>"
                   "<th class=\"n\">cacheline</th><th>analyzed</th></tr></thead><tbody>");
    if (sqlite3_prepare_v2(db, "SELECT path, build_id, arch, producer, cacheline, analyzed_at"
                           " FROM binaries ORDER BY id", -1, &s, NULL) != SQLITE_OK)
        return ht_dberr(db, path, "binaries", err);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        hp_buf_puts(b, "<tr class=\"binary\"><td class=\"path\">");
        ht_col(b, s, 0, "?");
        hp_buf_puts(b, "</td><td class=\"build-id\"><code>");
        ht_col(b, s, 1, "none");
        hp_buf_puts(b, "</code></td><td>");
        ht_col(b, s, 2, "?");
        hp_buf_puts(b, "</td><td>");
        ht_col(b, s, 3, "?");
        hp_buf_puts(b, "</td>");
        ht_numcell(b, s, 4);
        hp_buf_puts(b, "<td>");
        ht_col(b, s, 5, "?");
        hp_buf_puts(b, "</td></tr>");
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return ht_dberr(db, path, "binaries", err);
    hp_buf_puts(b, "</tbody></table>");

    if (sqlite3_prepare_v2(db, "SELECT count(*), total(holes > 0), total(holes),"
                           " total(hole_bytes), total(tail_padding), total(optimal_size < size),"
                           " total(size - optimal_size), total(bit_holes)"
                           " FROM types WHERE kind <> 'enum'", -1, &s, NULL) != SQLITE_OK)
        return ht_dberr(db, path, "types", err);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return ht_dberr(db, path, "types", err);
    }
    static const char *const labels[] = {
        "types", "types with holes", "holes", "hole bytes", "tail padding bytes",
        "types reordering shrinks", "bytes saved, one object of each", "bit holes",
    };
    static const char *const keys[] = {
        "types", "types-with-holes", "holes", "hole-bytes", "tail-padding", "reorderable",
        "bytes-saved", "bit-holes",
    };
    hp_buf_puts(b, "<dl class=\"totals\" id=\"totals\">");
    for (int i = 0; i < 8; i++) {
        hp_buf_printf(b, "<div data-total=\"%s\"><dt>%s</dt><dd>", keys[i], labels[i]);
        ht_colnum(b, s, i);
        hp_buf_puts(b, "</dd></div>");
    }
    hp_buf_puts(b, "</dl>");
    sqlite3_finalize(s);

    /* allocations: measured once a profile is loaded, else static weights */
    if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM sites), (SELECT count(*) FROM profiles),"
                           " (SELECT total(allocations) FROM site_allocations),"
                           " (SELECT group_concat(source, ', ') FROM"
                           "   (SELECT DISTINCT source FROM site_allocations ORDER BY source))",
                           -1, &s, NULL) != SQLITE_OK)
        return ht_dberr(db, path, "sites", err);
    if (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *src = sqlite3_column_text(s, 3);
        hp_buf_printf(b, "<p id=\"alloc-source\" data-source=\"%s\">",
                      src == NULL ? "none" : strchr((const char *)src, ',') ? "mixed"
                      : strcmp((const char *)src, "measured") == 0 ? "measured" : "static");
        ht_colnum(b, s, 0);
        hp_buf_puts(b, " allocation sites; ");
        ht_colnum(b, s, 2);
        if (src == NULL)
            hp_buf_puts(b, " allocations (no sites found).");
        else if (strcmp((const char *)src, "static") == 0)
            hp_buf_puts(b, " allocations, <b>static</b> estimates (8<sup>loop depth</sup> per"
                           " site; no profile loaded).");
        else {
            hp_buf_puts(b, " allocations, <b>measured</b> by ");
            ht_colnum(b, s, 1);
            hp_buf_puts(b, " imported profile(s)");
            if (strchr((const char *)src, ','))
                hp_buf_puts(b, " (binaries without a profile: static estimates)");
            hp_buf_puts(b, ".");
        }
        hp_buf_puts(b, "</p>");
    }
    sqlite3_finalize(s);
    {   /* what the measured counts are out of (profile.h) */
        hp_buf cov = { 0 };
        if (pf_coverage(db, 0, 3, "", &cov) == 0 && cov.len) {
            hp_buf_puts(b, "<pre id=\"coverage\">");
            ht_esc(b, cov.s);
            hp_buf_puts(b, "</pre>");
        }
        hp_buf_free(&cov);
    }

    if (sqlite3_prepare_v2(db, "SELECT allocator, total(chosen), total(heap_saved),"
                           " total(struct_saved), total(class_saving > 0),"
                           " total(CASE WHEN class_now IS NOT NULL THEN"
                           "   (class_now - size) * (allocations > 0) END)"
                           " FROM temp.ht_models WHERE saving > 0 GROUP BY allocator"
                           " ORDER BY total(chosen) DESC, allocator", -1, &s, NULL) != SQLITE_OK)
        return ht_dberr(db, path, "the allocator models", err);
    hp_buf_puts(b, "<table class=\"models\" id=\"models\"><thead><tr><th>allocator model</th>"
                   "<th class=\"n\">heap bytes saved</th><th class=\"n\">struct bytes saved</th>"
                   "<th class=\"n\">types whose class shrinks</th></tr></thead><tbody>");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int chosen = sqlite3_column_double(s, 1) > 0;
        hp_buf_printf(b, "<tr data-model=\"");
        ht_col(b, s, 0, "?");
        hp_buf_printf(b, "\"%s><td>", chosen ? " class=\"chosen\"" : "");
        ht_col(b, s, 0, "?");
        if (chosen)
            hp_buf_puts(b, " <small>(chosen)</small>");
        hp_buf_puts(b, "</td>");
        ht_numcell(b, s, 2);
        ht_numcell(b, s, 3);
        ht_numcell(b, s, 4);
        hp_buf_puts(b, "</tr>");
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return ht_dberr(db, path, "the allocator models", err);
    hp_buf_puts(b, "</tbody></table><p class=\"note\">heap bytes saved: allocator bytes the best"
                   " member order gives back, (class now &minus; class after) &times;"
                   " allocations, summed over the types reordering shrinks; struct bytes saved:"
                   " raw bytes, (size &minus; optimal) &times; objects &times; allocations."
                   "</p></section>\n");
    return 0;
}

static void ht_sites(sqlite3 *db, int64_t type_id, hp_buf *b)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT w.site, s.function, s.allocator, w.elements,"
                           " w.allocations, w.alloc_source, w.class_now, w.class_after,"
                           " w.heap_saved, w.struct_saved, w.ambiguous"
                           " FROM site_waste_all w JOIN sites s ON s.id = w.site_id"
                           " WHERE w.type_id = ?1 AND w.chosen = 1"
                           " ORDER BY w.heap_saved DESC, w.struct_saved DESC, w.allocations DESC,"
                           " w.site_id", -1, &s, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(s, 1, type_id);
    int n = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (n++ == 0)
            hp_buf_puts(b, "<table class=\"sites\"><thead><tr><th>site</th><th>function</th>"
                           "<th>allocator</th><th class=\"n\">objects</th>"
                           "<th class=\"n\">allocations</th><th class=\"n\">class</th>"
                           "<th class=\"n\">heap saved</th><th class=\"n\">struct saved</th>"
                           "</tr></thead><tbody>");
        hp_buf_puts(b, "<tr class=\"site\"><td class=\"where\">");
        ht_col(b, s, 0, "?");
        hp_buf_puts(b, "</td><td>");
        ht_col(b, s, 1, "?");
        hp_buf_puts(b, "</td><td>");
        ht_col(b, s, 2, "?");
        hp_buf_puts(b, "</td><td class=\"n\">");
        ht_colnum(b, s, 3);
        hp_buf_puts(b, "</td><td class=\"n\">");
        ht_colnum(b, s, 4);
        hp_buf_puts(b, " ");
        ht_col(b, s, 5, "?");
        if (sqlite3_column_int(s, 10))
            hp_buf_puts(b, " (ambiguous: a share)");
        hp_buf_puts(b, "</td><td class=\"n\">");
        ht_colnum(b, s, 6);
        hp_buf_puts(b, " &rarr; ");
        ht_colnum(b, s, 7);
        hp_buf_puts(b, "</td>");
        ht_numcell(b, s, 8);
        ht_numcell(b, s, 9);
        hp_buf_puts(b, "</tr>");
    }
    sqlite3_finalize(s);
    hp_buf_puts(b, n ? "</tbody></table>" : "<p class=\"sites none\">No allocation site found;"
                " ranked by raw saving.</p>");
}

/* Locks and atomics on a cacheline with other members (view
** false_sharing): with field heat, the lines where a profile saw those
** members accessed; without, one line naming the locks. */
static void ht_false_sharing(sqlite3 *db, int64_t type_id, hp_buf *b)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT lock_name, lock_type, line, others, hot, accesses"
                           " FROM false_sharing WHERE type_id = ?1 AND others > 0"
                           " ORDER BY line, lock_idx", -1, &s, NULL) != SQLITE_OK) {
        sqlite3_finalize(s);
        return;
    }
    sqlite3_bind_int64(s, 1, type_id);
    int hot = 0, cold = 0;
    hp_buf names = { 0 };
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (sqlite3_column_type(s, 4) == SQLITE_NULL) {
            if (cold++ < 6) {
                if (cold > 1)
                    hp_buf_puts(&names, ", ");
                hp_buf_puts(&names, "<code>");
                ht_col(&names, s, 0, "(anon)");
                hp_buf_printf(&names, "</code> (line %lld)", (long long)sqlite3_column_int64(s, 2));
            }
            continue;
        }
        if (sqlite3_column_int64(s, 4) <= 0)
            continue;
        if (hot++ == 0)
            hp_buf_puts(b, "<ul class=\"false-sharing\">");
        hp_buf_printf(b, "<li>False sharing on cacheline %lld: <code>",
                      (long long)sqlite3_column_int64(s, 2));
        ht_col(b, s, 1, "?");
        hp_buf_puts(b, " ");
        ht_col(b, s, 0, "(anon)");
        hp_buf_puts(b, "</code> shares it with ");
        ht_colnum(b, s, 3);
        hp_buf_puts(b, " other members, ");
        ht_colnum(b, s, 4);
        hp_buf_puts(b, " of them accessed (");
        ht_colnum(b, s, 5);
        hp_buf_puts(b, " accesses)</li>");
    }
    sqlite3_finalize(s);
    if (hot)
        hp_buf_puts(b, "</ul>");
    if (cold)
        hp_buf_printf(b, "<p class=\"false-sharing\">Locks and atomics sharing a cacheline with"
                      " other members: %s%s; how often those are written needs field heat (a"
                      " DHAT profile).</p>", names.s, cold > 6 ? ", &hellip;" : "");
    hp_buf_free(&names);
}

static int ht_offender(sqlite3 *db, const char *path, size_t rank, int64_t id, hp_buf *b,
                       hp_err *err)
{
    static const char sql[] =
        "SELECT w.kind, w.name, w.size, w.optimal_size, w.allocator, w.class_now,"
        " w.class_after, w.allocations, w.alloc_source, w.heap_saved, w.struct_saved,"
        " t.decl_file, t.decl_line, b.cacheline, b.path, w.hole_bytes, w.tail_padding"
        " FROM ht_waste w JOIN types t ON t.id = w.type_id JOIN binaries b ON b.id = t.binary_id"
        " WHERE w.type_id = ?1 AND w.reorderable = 1";
    sqlite3_stmt *s = NULL;
    rep_layout l;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return ht_dberr(db, path, "the ranking", err);
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return hp_errf(err, path, "damaged database: type %lld ranked but not found",
                       (long long)id);
    }
    if (rep_load_layout(db, path, id, &l, err) != 0) {
        sqlite3_finalize(s);
        return -1;
    }
    int64_t cacheline = sqlite3_column_int64(s, 13);
    if (cacheline <= 0 || cacheline > (1 << 20))
        cacheline = 64;
    hp_buf_printf(b, "<article class=\"offender\" id=\"type-%lld\" data-rank=\"%zu\""
                  " data-type-id=\"%lld\" data-name=\"", (long long)id, rank, (long long)id);
    ht_col(b, s, 1, "?");
    hp_buf_printf(b, "\"><h3><span class=\"rank\">%zu</span> ", rank);
    ht_col(b, s, 0, "?");
    hp_buf_puts(b, " <code class=\"tname\">");
    ht_col(b, s, 1, "?");
    hp_buf_puts(b, "</code></h3><p class=\"facts\"><span>size <b>");
    ht_colnum(b, s, 2);
    hp_buf_puts(b, " &rarr; ");
    ht_colnum(b, s, 3);
    hp_buf_puts(b, "</b> bytes</span><span>waste ");
    ht_num(b, sqlite3_column_double(s, 15) + sqlite3_column_double(s, 16));
    hp_buf_puts(b, " bytes (holes ");
    ht_colnum(b, s, 15);
    hp_buf_puts(b, ", tail ");
    ht_colnum(b, s, 16);
    hp_buf_puts(b, ")</span><span class=\"class\">");
    ht_col(b, s, 4, "?");
    hp_buf_puts(b, " class <b>");
    ht_colnum(b, s, 5);
    hp_buf_puts(b, " &rarr; ");
    ht_colnum(b, s, 6);
    hp_buf_puts(b, "</b> bytes</span><span>");
    ht_colnum(b, s, 7);
    hp_buf_puts(b, " allocations (");
    ht_col(b, s, 8, "?");
    hp_buf_puts(b, ")</span><span>heap saved <b>");
    ht_colnum(b, s, 9);
    hp_buf_puts(b, "</b></span><span>struct saved ");
    ht_colnum(b, s, 10);
    hp_buf_puts(b, "</span>");
    if (sqlite3_column_type(s, 11) != SQLITE_NULL) {
        hp_buf_puts(b, "<span class=\"decl\">");
        ht_col(b, s, 11, "?");
        if (sqlite3_column_int64(s, 12) > 0)
            hp_buf_printf(b, ":%lld", (long long)sqlite3_column_int64(s, 12));
        hp_buf_puts(b, "</span>");
    }
    hp_buf_puts(b, "</p>");
    sqlite3_finalize(s);

    int64_t cell = ht_cell_bytes(l.size);
    hp_buf_puts(b, "<div class=\"maps\"><figure><figcaption>now: ");
    hp_buf_printf(b, "%lld bytes</figcaption>", (long long)l.size);
    ht_bytemap(b, &l, 0, l.size, cell, cacheline, id);
    hp_buf_puts(b, "</figure><figure><figcaption>suggested: ");
    if (l.new_size >= 0) {
        hp_buf_printf(b, "%lld bytes%s</figcaption>", (long long)l.new_size,
                      l.hot ? ", hot fields first" : "");
        ht_bytemap(b, &l, 1, l.new_size, cell, cacheline, id);
    } else {
        hp_buf_puts(b, "unavailable (no usable order stored)</figcaption>");
    }
    hp_buf_printf(b, "</figure></div><p class=\"scale\">one cell = %lld %s; red hatching:"
                  " holes; grey hatching: tail padding;%s %s (%lld bytes)%s.</p>", (long long)cell,
                  cell == 1 ? "byte" : "bytes", cell > 1 ? " red outline: a cell partly"
                  " a hole;" : "", cacheline >= 4 * cell ? "dark lines: cacheline"
                  " boundaries" : "cacheline boundaries not drawn at this scale",
                  (long long)cacheline, l.has_heat ? "; faded members are cold (field heat"
                  " from the loaded profile)" : "");
    hp_buf_puts(b, "<details class=\"members\"><summary>members</summary>");
    ht_legend(b, &l);
    hp_buf_puts(b, "</details>");
    ht_false_sharing(db, id, b);
    ht_sites(db, id, b);
    hp_buf_puts(b, "</article>\n");
    rep_layout_free(&l);
    return 0;
}

static int ht_offenders(sqlite3 *db, const char *path, long nmax, hp_buf *b, hp_err *err)
{
    int64_t *ids = NULL;
    size_t n = 0;
    if (rk_rank_from(db, path, "temp.ht_models", &ids, &n, err) != 0)
        return -1;
    size_t lim = nmax > 0 && (size_t)nmax < n ? (size_t)nmax : n;
    hp_buf_printf(b, "<section id=\"offenders\" data-count=\"%zu\" data-ranked=\"%zu\">"
                  "<h2>Top offenders</h2><p class=\"note\">Ranked as <code>holeprof top</code>"
                  " ranks them: heap bytes saved, then struct bytes saved, then bytes saved per"
                  " object.", lim, n);
    if (lim < n)
        hp_buf_printf(b, " %zu more in the table below.", n - lim);
    hp_buf_puts(b, "</p>");
    if (n == 0)
        hp_buf_puts(b, "<p>No type can be made smaller by reordering its members.</p>");
    int status = 0;
    for (size_t i = 0; i < lim && status == 0; i++)
        status = ht_offender(db, path, i + 1, ids[i], b, err);
    hp_buf_puts(b, "</section>\n");
    free(ids);
    return status;
}

/* The ranking once: waste_all's rows of the types reordering shrinks, under
** every model (ht_models), for the summary's models, the offenders (in
** rk_rank_from's order) and, under the chosen models, the table of all
** types; the other types' rows of waste under the chosen models join them
** in ht_waste, keyed by type.  Asking the view per part (or per offender)
** would sum every site of those types again each time. */
static int ht_keep_waste(sqlite3 *db, const char *path, hp_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, "DROP TABLE IF EXISTS temp.ht_models;"
                     " CREATE TEMP TABLE ht_models AS SELECT * FROM waste_all"
                     " WHERE reorderable = 1;"
                     " DROP TABLE IF EXISTS temp.ht_waste;"
                     " CREATE TEMP TABLE ht_waste(type_id INTEGER PRIMARY KEY, kind, name, size,"
                     " optimal_size, allocator, class_now, class_after, allocations, alloc_source,"
                     " heap_saved, struct_saved, hole_bytes, tail_padding, reorderable);"
                     " INSERT OR IGNORE INTO ht_waste SELECT type_id, kind, name, size,"
                     " optimal_size, allocator, class_now, class_after, allocations, alloc_source,"
                     " heap_saved, struct_saved, hole_bytes, tail_padding, reorderable"
                     " FROM temp.ht_models WHERE chosen = 1;"
                     " INSERT OR IGNORE INTO ht_waste SELECT type_id, kind, name, size,"
                     " optimal_size, allocator, class_now, class_after, allocations, alloc_source,"
                     " heap_saved, struct_saved, hole_bytes, tail_padding, reorderable"
                     " FROM waste WHERE reorderable = 0",
                     NULL, NULL, &msg) != SQLITE_OK) {
        hp_errf(err, path, "cannot read the waste view: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int ht_types(sqlite3 *db, const char *path, hp_buf *b, hp_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT t.id, t.kind, t.name, t.size, t.optimal_size,"
                           " t.size - t.optimal_size, t.holes, t.hole_bytes, t.tail_padding,"
                           " t.bit_holes, w.class_now, w.class_after, w.allocations,"
                           " w.heap_saved, t.decl_file, t.decl_line, b.path,"
                           " (SELECT count(*) FROM binaries)"
                           " FROM types t JOIN binaries b ON b.id = t.binary_id"
                           " LEFT JOIN ht_waste w ON w.type_id = t.id"
                           " WHERE t.kind <> 'enum'"
                           " ORDER BY coalesce(w.heap_saved, 0) DESC, t.size - t.optimal_size DESC,"
                           " t.hole_bytes + t.tail_padding DESC, t.name, t.id",
                           -1, &s, NULL) != SQLITE_OK)
        return ht_dberr(db, path, "types", err);
    hp_buf_puts(b, "<section id=\"types\"><h2>All types</h2><p class=\"filter\">"
                   "<input id=\"type-filter\" type=\"search\" placeholder=\"filter by name\""
                   " aria-label=\"filter types by name\"> <label><input id=\"only-waste\""
                   " type=\"checkbox\"> only types with holes or padding</label>"
                   " <span id=\"type-count\"></span></p>"
                   "<table class=\"sortable\" id=\"types-table\"><thead><tr>"
                   "<th data-key=\"kind\">kind</th><th data-key=\"name\">name</th>"
                   "<th data-key=\"size\" data-type=\"num\" class=\"n\">size</th>"
                   "<th data-key=\"optimal\" data-type=\"num\" class=\"n\">optimal</th>"
                   "<th data-key=\"saving\" data-type=\"num\" class=\"n\">saving</th>"
                   "<th data-key=\"holes\" data-type=\"num\" class=\"n\">holes</th>"
                   "<th data-key=\"hole_bytes\" data-type=\"num\" class=\"n\">hole bytes</th>"
                   "<th data-key=\"tail\" data-type=\"num\" class=\"n\">tail</th>"
                   "<th data-key=\"bit_holes\" data-type=\"num\" class=\"n\">bit holes</th>"
                   "<th data-key=\"class_now\" data-type=\"num\" class=\"n\">class</th>"
                   "<th data-key=\"class_after\" data-type=\"num\" class=\"n\">after</th>"
                   "<th data-key=\"allocations\" data-type=\"num\" class=\"n\">allocations</th>"
                   "<th data-key=\"heap_saved\" data-type=\"num\" class=\"n\">heap saved</th>"
                   "<th data-key=\"decl\">declared</th></tr></thead><tbody>");
    int rc;
    size_t row = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t waste = sqlite3_column_int64(s, 7) + sqlite3_column_int64(s, 8);
        hp_buf_printf(b, "<tr data-order=\"%zu\" data-type-id=\"%lld\" data-waste=\"%lld\""
                      " data-name=\"", row++, (long long)sqlite3_column_int64(s, 0),
                      (long long)waste);
        ht_col(b, s, 2, "?");
        hp_buf_puts(b, "\"><td>");
        ht_col(b, s, 1, "?");
        hp_buf_printf(b, "</td><td class=\"tname\"><a href=\"#type-%lld\">",
                      (long long)sqlite3_column_int64(s, 0));
        ht_col(b, s, 2, "?");
        hp_buf_puts(b, "</a></td>");
        for (int c = 3; c <= 13; c++)
            ht_numcell(b, s, c);
        hp_buf_puts(b, "<td class=\"decl\">");
        if (sqlite3_column_int64(s, 17) > 1) {
            ht_col(b, s, 16, "?");
            hp_buf_puts(b, ": ");
        }
        const unsigned char *f = sqlite3_column_text(s, 14);
        if (f != NULL) {
            const char *slash = strrchr((const char *)f, '/');
            hp_buf_puts(b, "<span title=\"");
            ht_esc(b, (const char *)f);
            hp_buf_puts(b, "\">");
            ht_esc(b, slash && slash[1] ? slash + 1 : (const char *)f);
            if (sqlite3_column_int64(s, 15) > 0)
                hp_buf_printf(b, ":%lld", (long long)sqlite3_column_int64(s, 15));
            hp_buf_puts(b, "</span>");
        }
        hp_buf_puts(b, "</td></tr>\n");
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return ht_dberr(db, path, "types", err);
    hp_buf_puts(b, "</tbody></table></section>\n");
    return 0;
}

/* The diff as `holeprof diff --format json` prints it, for the script to
** draw.  '<', '>' and '&' appear in JSON only inside strings, where
** \u escapes mean the same; escaped, no name can close the script. */
static int ht_diff(const char *oldpath, const char *newpath, const char *binary, hp_buf *b,
                   hp_err *err)
{
    char *json = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&json, &len);
    if (mem == NULL)
        return hp_errf(err, NULL, "cannot buffer the diff: %s", strerror(errno));
    dif_opts o;
    memset(&o, 0, sizeof o);
    o.binary = binary;
    o.fmt = FMT_JSON;
    o.fail_on_growth = -1;
    int st = dif_run(oldpath, newpath, &o, mem, err);
    if (fclose(mem) != 0 && st != HP_EXIT_ERROR) {
        hp_errf(err, NULL, "cannot buffer the diff");
        st = HP_EXIT_ERROR;
    }
    if (st == HP_EXIT_ERROR) {
        free(json);
        return -1;
    }
    hp_buf_puts(b, "<section id=\"diff\"><h2>Changes from the old build</h2>"
                   "<p class=\"note\">");
    ht_esc(b, oldpath);
    hp_buf_puts(b, " &rarr; ");
    ht_esc(b, newpath);
    hp_buf_puts(b, "</p><div id=\"diff-view\"><noscript>The diff needs JavaScript; run"
                   " <code>holeprof diff</code> for text.</noscript></div>"
                   "<script type=\"application/json\" id=\"diff-data\">");
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (c == '<')
            hp_buf_puts(b, "\\u003c");
        else if (c == '>')
            hp_buf_puts(b, "\\u003e");
        else if (c == '&')
            hp_buf_puts(b, "\\u0026");
        else
            hp_buf_putn(b, &c, 1);
    }
    hp_buf_puts(b, "</script></section>\n");
    free(json);
    return 0;
}

/* ---- the page ----------------------------------------------------------- */

static const char ht_css[] =
    ":root{--fg:#1d232b;--mute:#5b6673;--line:#d8dee6;--bg:#fff;--alt:#f5f7fa;--acc:#2d6cdf}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--fg);background:var(--bg)}"
    "header{padding:18px 28px;background:#1f2d3d;color:#fff}"
    "header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c9d3df}"
    "main{padding:8px 28px 40px;max-width:1400px}"
    "h2{margin:28px 0 10px;font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px}"
    "h3{margin:0 0 6px;font-size:16px}"
    "code{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace;font-size:13px}"
    "table{border-collapse:collapse;margin:8px 0}"
    "th,td{padding:3px 9px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top}"
    "th{background:var(--alt);font-weight:600}td.n,th.n{text-align:right;"
    "font-variant-numeric:tabular-nums}"
    "tr.chosen td{font-weight:600}"
    ".totals{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}"
    ".totals div{background:var(--alt);border:1px solid var(--line);border-radius:6px;"
    "padding:6px 12px;min-width:120px}"
    ".totals dt{color:var(--mute);font-size:12px}.totals dd{margin:0;font-size:18px;"
    "font-weight:600}"
    ".note,.scale{color:var(--mute);font-size:12.5px;max-width:70em}"
    "article.offender{border:1px solid var(--line);border-radius:8px;padding:12px 16px;"
    "margin:14px 0;background:#fff}"
    ".rank{display:inline-block;min-width:26px;padding:0 6px;margin-right:6px;border-radius:13px;"
    "background:var(--acc);color:#fff;text-align:center}"
    ".facts{display:flex;flex-wrap:wrap;gap:6px 18px;margin:4px 0 8px}"
    ".facts .decl{color:var(--mute)}"
    ".maps{display:flex;flex-wrap:wrap;gap:18px}figure{margin:0}"
    "figcaption{font-size:12.5px;color:var(--mute);margin-bottom:2px}"
    "svg.bytemap .cell{stroke:none}svg.bytemap text.off{font:10px ui-monospace,monospace;"
    "fill:var(--mute);text-anchor:end}"
    "svg.bytemap line.cacheline{stroke:#1d232b;stroke-width:2}"
    "svg.bytemap text.lbl{font:11px ui-monospace,'DejaVu Sans Mono',monospace;fill:#fff;"
    "pointer-events:none;paint-order:stroke;stroke:rgba(0,0,0,.35);stroke-width:2px}"
    "svg.bytemap rect.gap{stroke:#d2362a;stroke-width:2;stroke-dasharray:3 2}"
    "svg.bytemap g.member.hl rect{stroke:#000;stroke-width:1.5}"
    "table.legend tr.hl td{background:#fff3c4}"
    ".sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:middle}"
    "details.members summary{cursor:pointer;color:var(--acc);margin:6px 0}"
    "table.sites td.where{font-family:ui-monospace,monospace;font-size:12.5px}"
    ".filter input[type=search]{padding:5px 8px;width:280px;border:1px solid #b8c2cc;"
    "border-radius:5px;font:inherit}"
    "#types-table th{cursor:pointer;user-select:none;position:sticky;top:0}"
    "#types-table th[aria-sort=ascending]::after{content:' \\25B2'}"
    "#types-table th[aria-sort=descending]::after{content:' \\25BC'}"
    "#types-table tbody tr:nth-child(even){background:#fafbfc}"
    "#types-table td.tname{max-width:34em;overflow-wrap:anywhere}"
    "#types-table a{color:inherit;text-decoration:none}"
    "#types-table td.decl{color:var(--mute);font-size:12.5px}"
    ".grew,.regression{color:#b3261e}.shrank{color:#1b7f3b}"
    "#diff-table td.members{font-size:12.5px;color:var(--mute)}";

static const char ht_js[] =
    "(function(){'use strict';\n"
    "function $$(s,r){return Array.prototype.slice.call((r||document).querySelectorAll(s));}\n"
    /* the diff first, drawn from dif_run()'s JSON with textContent only,
    ** so that its table sorts like the others */
    "var dd=document.getElementById('diff-data');\n"
    "if(dd){var d=JSON.parse(dd.textContent),v=document.getElementById('diff-view');\n"
    " function el(tag,text,cls){var e=document.createElement(tag);"
    "if(text!=null)e.textContent=String(text);if(cls)e.className=cls;return e;}\n"
    " function side(x,k){return x&&x[k]!=null?x[k]:null;}\n"
    " function pair(o,n,k){var a=side(o,k),b=side(n,k);if(a==null&&b==null)return '';\n"
    "  if(a==null)return String(b);if(b==null)return String(a)+' \\u2192 \\u2014';\n"
    "  if(a===b)return String(a);var dl=b-a;return a+' \\u2192 '+b+' ('+(dl>0?'+':'')+dl+')';}\n"
    " var s=d.summary||{},p=el('p',null,'diff-summary');p.id='diff-summary';\n"
    " ['changed','added','removed','unchanged'].forEach(function(k){var b=el('span',"
    "(s[k]||0)+' '+k+'  ');b.setAttribute('data-count-'+k,String(s[k]||0));p.appendChild(b);});\n"
    " v.appendChild(p);\n"
    " var tb=el('table'),th=el('thead'),hr=el('tr');tb.id='diff-table';tb.className='sortable';\n"
    " ['change','kind','name','size','waste','holes','class now','allocations','members']"
    ".forEach(function(h){hr.appendChild(el('th',h));});th.appendChild(hr);tb.appendChild(th);\n"
    " var body=el('tbody');(d.types||[]).forEach(function(t,i){var r=el('tr');\n"
    "  r.setAttribute('data-change',t.change||'');r.setAttribute('data-name',t.name||'');"
    "r.setAttribute('data-order',String(i));\n"
    "  if(t.regression)r.className='regression';\n"
    "  r.appendChild(el('td',t.change,t.change));r.appendChild(el('td',t.kind));"
    "r.appendChild(el('td',t.name,'tname'));\n"
    "  ['size','waste','holes','class_now','allocations'].forEach(function(k){"
    "r.appendChild(el('td',pair(t.old,t['new'],k),'n'));});\n"
    "  var m=(t.members||[]).map(function(x){return x.change+' '+(x.name==null?'(anonymous)':x.name);});\n"
    "  r.appendChild(el('td',m.join(', '),'members'));body.appendChild(r);});\n"
    " tb.appendChild(body);v.appendChild(tb);\n"
    " if(!(d.types||[]).length)v.appendChild(el('p','No type changed.'));}\n"
    /* hovering a member lights it in both maps and the legend */
    "$$('article.offender').forEach(function(a){\n"
    " function hl(i,on){$$('[data-member=\"'+i+'\"]',a).forEach(function(e){"
    "e.classList.toggle('hl',on);});}\n"
    " $$('[data-member]',a).forEach(function(e){var i=e.getAttribute('data-member');\n"
    "  e.addEventListener('mouseenter',function(){hl(i,true);});\n"
    "  e.addEventListener('mouseleave',function(){hl(i,false);});});\n"
    "});\n"
    "function key(td,num){var v=td.getAttribute('data-v');if(v===null)v=td.textContent;\n"
    " if(num)return v===''?-Infinity:parseFloat(v);return v.toLowerCase();}\n"
    "$$('table.sortable').forEach(function(t){var ths=$$('th',t.tHead);\n"
    " ths.forEach(function(th,i){th.addEventListener('click',function(){\n"
    "  var num=th.getAttribute('data-type')==='num',cur=th.getAttribute('aria-sort');\n"
    "  var dir=cur==='descending'?'ascending':cur==='ascending'?'descending':"
    "(num?'descending':'ascending');\n"
    "  ths.forEach(function(h){h.removeAttribute('aria-sort');});th.setAttribute('aria-sort',dir);\n"
    "  var k=dir==='ascending'?1:-1,body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);\n"
    "  rows.sort(function(a,b){var x=key(a.cells[i],num),y=key(b.cells[i],num);\n"
    "   return (x<y?-1:x>y?1:0)*k||(+a.getAttribute('data-order'))-(+b.getAttribute('data-order'));});\n"
    "  var f=document.createDocumentFragment();rows.forEach(function(r){f.appendChild(r);});\n"
    "  body.appendChild(f);});});});\n"
    "var tf=document.getElementById('type-filter'),ow=document.getElementById('only-waste'),"
    "tt=document.getElementById('types-table');\n"
    "function filter(){if(!tt)return;var q=tf.value.trim().toLowerCase(),w=ow.checked,n=0,"
    "rows=tt.tBodies[0].rows;\n"
    " for(var i=0;i<rows.length;i++){var r=rows[i],show=(!q||r.getAttribute('data-name')"
    ".toLowerCase().indexOf(q)>=0)&&(!w||+r.getAttribute('data-waste')>0);\n"
    "  r.hidden=!show;if(show)n++;}\n"
    " document.getElementById('type-count').textContent=n+' of '+rows.length+' types';}\n"
    "if(tt){tf.addEventListener('input',filter);ow.addEventListener('change',filter);filter();}\n"
    "})();\n";

static int ht_page(const char *dbpath, const char *oldpath, const ht_opts *o, hp_buf *b,
                   hp_err *err)
{
    sqlite3 *db = NULL;
    int status = -1;
    if (st_open_read(dbpath, &db, err) != 0)
        return -1;
    if (o->binary && mrg_select_binary(db, dbpath, o->binary, NULL, err) != 0)
        goto done;
    if (pf_apply(db, dbpath, err) != 0)
        goto done;
    hp_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                   "<meta name=\"generator\" content=\"holeprof\"><title>holeprof ");
    hp_buf_puts(b, oldpath ? "diff: " : "report: ");
    ht_esc(b, dbpath);
    hp_buf_printf(b, "</title><style>%s</style></head><body>"
                  "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\">"
                  "<defs><pattern id=\"hp-hatch\" width=\"5\" height=\"5\""
                  " patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                  "<rect width=\"5\" height=\"5\" fill=\"#fde8e6\"/><line x1=\"0\" y1=\"0\" x2=\"0\""
                  " y2=\"5\" stroke=\"#d2362a\" stroke-width=\"2.2\"/></pattern>"
                  "<pattern id=\"hp-tail\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\""
                  " patternTransform=\"rotate(-45)\"><rect width=\"5\" height=\"5\""
                  " fill=\"#eef0f3\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"#8a949e\""
                  " stroke-width=\"1.6\"/></pattern></defs></svg>"
                  "<header><h1>holeprof %s</h1><p>", ht_css, oldpath ? "diff" : "report");
    if (oldpath) {
        ht_esc(b, oldpath);
        hp_buf_puts(b, " &rarr; ");
    }
    ht_esc(b, dbpath);
    if (o->binary) {
        hp_buf_puts(b, " (binary ");
        ht_esc(b, o->binary);
        hp_buf_puts(b, ")");
    }
    hp_buf_puts(b, "</p></header><main>\n");
    if (oldpath && ht_diff(oldpath, dbpath, o->binary, b, err) != 0)
        goto done;
    if (ht_keep_waste(db, dbpath, err) != 0 || ht_summary(db, dbpath, b, err) != 0
        || ht_offenders(db, dbpath, o->n, b, err) != 0 || ht_types(db, dbpath, b, err) != 0)
        goto done;
    hp_buf_printf(b, "</main><script>%s</script></body></html>\n", ht_js);
    status = 0;
done:
    sqlite3_close(db);
    return status;
}

/* Write the page beside out and rename it into place; see outfile.h for
** what may be at out (a device or FIFO is written through). */
static int ht_write(const char *out, int force, const hp_buf *b, hp_err *err)
{
    if (strcmp(out, "-") == 0) {
        if (fwrite(b->s, 1, b->len, stdout) != b->len || fflush(stdout) != 0)
            return hp_errf(err, NULL, "write error");
        return 0;
    }
    of_plan plan;
    if (of_plan_output(out, OF_REPORT, force, &plan, err) != 0)
        return -1;
    if (plan.through != NULL) {
        int rc = of_write_through(plan.through, out, b->s, b->len, err);
        of_plan_free(&plan);
        return rc;
    }
    char *tmp = hp_xasprintf("%s.tmpXXXXXX", plan.path);
    int fd = hp_tmp_mkstemp(tmp);   /* removed on SIGINT/SIGTERM/SIGHUP too */
    if (fd < 0) {
        hp_errf(err, out, "cannot create: %s", strerror(errno));
        free(tmp);
        of_plan_free(&plan);
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    int ok = f != NULL && fwrite(b->s, 1, b->len, f) == b->len;
    int e = errno;
    if (f != NULL) {
        if (fclose(f) != 0 && ok) {
            ok = 0;
            e = errno;
        }
    } else {
        close(fd);
    }
    /* mkstemp makes 0600; a report is for sharing */
    if (ok)
        (void)chmod(tmp, 0644);
    if (!ok || rename(tmp, plan.path) != 0) {
        if (ok)
            e = errno;
        unlink(tmp);
        hp_tmp_unregister(tmp);
        free(tmp);
        of_plan_free(&plan);
        return hp_errf(err, out, "cannot write: %s", strerror(e));
    }
    hp_tmp_unregister(tmp);
    free(tmp);
    of_plan_free(&plan);
    return 0;
}

int ht_report(const char *dbpath, const char *newpath, const ht_opts *o, hp_err *err)
{
    hp_buf b = { 0 };
    ht_opts oo = *o;
    if (oo.out == NULL)
        oo.out = "report.html";
    if (oo.n < 0)
        oo.n = HT_DEFAULT_N;
    int st = newpath ? ht_page(newpath, dbpath, &oo, &b, err) : ht_page(dbpath, NULL, &oo, &b, err);
    if (st == 0)
        st = ht_write(oo.out, oo.force, &b, err);
    hp_buf_free(&b);
    return st == 0 ? HP_EXIT_OK : HP_EXIT_ERROR;
}
