/*
** show.c -- `holeprof show DB NAME...`: types' layouts, pahole style,
** from the database, followed by the suggested member order written as a
** declaration in the type's own language.
**
** Contract (rep_show in report.h): every type each NAME means is shown
** (names.c: exact name, typedef name, "struct NAME", glob; several
** layouts under one name, or several binaries; several NAMEs, in order,
** each type once), each as: a header with size, alignment, language and declaration place; one
** line per member with offset and size ("offset:bit size" for bitfields);
** "XXX" lines for byte and bit holes where they are; cacheline boundary
** lines; a footer with the totals; the type's flags; then the suggested
** order with offsets recomputed in that order -- hot fields first when a
** profile's field heat is loaded and such an order still reaches the
** minimal size -- then the field heat, the allocator models' class bytes
** for one object, and the allocation sites with their allocations and
** savings (views waste_all and site_waste_all; rank.h).  The recomputation follows
** the same rules as lay_optimal_order(): each member goes to the next
** offset its alignment allows, and a run of adjacent bitfields moves as
** one block by a multiple of its alignment, so every bit keeps its place
** inside its storage unit.
**
** The database is input: every number read back is checked before it is
** used for arithmetic, and a damaged row gives an error, never a crash.
** An unknown NAME is an error with up to five "did you mean" names
** (names.c), before anything is printed.
*/
#include "profile.h"
#include "report.h"
#include "sizeclass.h"
#include "store.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Numbers from a database we did not necessarily write: anything beyond
** this is damage, not a type. */
#define SHW_MAX_VALUE ((int64_t)1 << 48)

typedef struct shw_mem {
    char *name;              /* NULL when anonymous */
    char *type_name;         /* "?" when missing */
    int64_t offset, size, bitpos, bit_offset, bit_size, align, flags;
    int64_t hole_after, bit_hole_after, cacheline, suggested_pos;
    int64_t new_offset;      /* in the suggested order */
    int64_t new_bit_offset;
    int64_t heat;            /* DHAT accesses summed over profiles (member_heat) */
} shw_mem;

typedef struct shw_type {
    int64_t id, size, align, nmembers, holes, hole_bytes, bit_holes, bit_hole_bits;
    int64_t tail_padding, optimal_size, cachelines, decl_line, flags, cu_count;
    int64_t cacheline_size, nlayouts, pre_hole, pre_bit_hole, bit_padding;
    char *kind, *name, *decl_file, *lang, *hash, *binary;
    shw_mem *m;
    size_t n, cap;
    int has_heat;            /* member_heat has rows for this type */
} shw_type;

static char *shw_col_str(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    if (t == NULL)
        return NULL;
    /* Control characters would break the one-line-per-member shape. */
    return hp_text_safe((const char *)t);
}

static void shw_free(shw_type *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->m[i].name);
        free(t->m[i].type_name);
    }
    free(t->m);
    free(t->kind);
    free(t->name);
    free(t->decl_file);
    free(t->lang);
    free(t->hash);
    free(t->binary);
}

static int shw_in_range(int64_t v)
{
    return v >= 0 && v <= SHW_MAX_VALUE;
}

static const char *shw_plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* ---- C declarators ---------------------------------------------------- */

/* C and C++ wrap the name inside the type: "char [16]" + "buf" is
** "char buf[16]", "void (*)(int)" + "cb" is "void (*cb)(int)".  Writes the
** part before the name to pre and the part after to post. */
static void shw_split_c(const char *type, hp_buf *pre, hp_buf *post)
{
    hp_buf_reset(pre);
    hp_buf_reset(post);
    const char *fp = strstr(type, "(*");
    if (fp != NULL) {
        hp_buf_putn(pre, type, (size_t)(fp - type) + 2);
        hp_buf_puts(post, fp + 2);
        return;
    }
    const char *br = type[0] != '[' ? strchr(type, '[') : NULL;
    if (br != NULL) {
        const char *e = br;
        while (e > type && e[-1] == ' ')
            e--;
        hp_buf_putn(pre, type, (size_t)(e - type));
        hp_buf_puts(post, br);
        return;
    }
    hp_buf_puts(pre, type);
}

static int shw_is_c_family(const char *lang)
{
    return lang == NULL || strcmp(lang, "C") == 0 || strcmp(lang, "C++") == 0;
}

/* The member as "TYPE" and "NAME..." (without the ';') for the
** pahole-style columns: for C and C++ an array suffix joins the name
** ("c[3]"); a function pointer's whole declarator goes in the type column
** and the name column stays empty, as for an anonymous member. */
static void shw_member_cols(const shw_type *t, const shw_mem *m, hp_buf *tcol, hp_buf *ncol)
{
    hp_buf pre = { 0 }, post = { 0 };
    const char *name = m->name;
    if (m->flags & MF_BASE)
        name = "<ancestor>";
    else if (name == NULL && (m->flags & MF_DISCR))
        name = "<discriminant>";
    hp_buf_reset(tcol);
    hp_buf_reset(ncol);
    if (shw_is_c_family(t->lang)) {
        shw_split_c(m->type_name, &pre, &post);
        if (post.len > 0 && strstr(m->type_name, "(*") != NULL) {
            /* function pointer: the whole declarator in the type column */
            hp_buf_printf(tcol, "%s%s%s", pre.s, name ? name : "", post.s);
            name = NULL;
            hp_buf_reset(&post);
        } else {
            hp_buf_puts(tcol, pre.s ? pre.s : "");
        }
    } else {
        hp_buf_puts(tcol, m->type_name);
    }
    if (name != NULL)
        hp_buf_puts(ncol, name);
    if (post.len > 0)
        hp_buf_puts(ncol, post.s);
    if (m->bit_size > 0)
        hp_buf_printf(ncol, ":%lld", (long long)m->bit_size);
    hp_buf_free(&pre);
    hp_buf_free(&post);
}

static void shw_pad_to(hp_buf *b, size_t col)
{
    while (b->len < col)
        hp_buf_putn(b, " ", 1);
}

static void shw_offset_comment(hp_buf *b, const shw_mem *m, int64_t offset, int64_t bit_offset)
{
    if (m->flags & MF_UNREAD)
        hp_buf_printf(b, "/* %5lld     ? */ /* type in debug information not read */",
                      (long long)offset);
    else if (m->flags & MF_INCOMPLETE)
        hp_buf_printf(b, "/* %5lld     ? */ /* type declared, not defined in the binary */",
                      (long long)offset);
    else if (m->bit_size > 0)
        hp_buf_printf(b, "/* %5lld:%2lld %2lld */", (long long)offset,
                      (long long)bit_offset, (long long)m->size);
    else
        hp_buf_printf(b, "/* %5lld %5lld */", (long long)offset, (long long)m->size);
}

static const char *shw_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- the layout as stored ---------------------------------------------- */

static void shw_layout(const shw_type *t, hp_buf *b)
{
    hp_buf tcol = { 0 }, ncol = { 0 };
    /* Column widths: pahole's (type 20, name 17) unless the type needs
    ** more; capped so one template name cannot push every comment away. */
    size_t tw = 20, nw = 17;
    for (size_t i = 0; i < t->n; i++) {
        shw_member_cols(t, &t->m[i], &tcol, &ncol);
        /* a line without a name column does not widen the type column */
        if (ncol.len > 0 && tcol.len > tw && tcol.len <= 40)
            tw = tcol.len;
        if (ncol.len + 1 > nw && ncol.len + 1 <= 32)
            nw = ncol.len + 1;
    }
    size_t comment_col = 4 + tw + 1 + nw + 1;

    size_t start = b->len;
    hp_buf_printf(b, "%s %s {", t->kind, t->name);
    if (b->len - start + 1 < comment_col)
        shw_pad_to(b, start + comment_col);
    else
        hp_buf_puts(b, " ");
    if (t->flags & TF_INCOMPLETE)   /* a member's alignment is unknown */
        hp_buf_printf(b, "/* size %lld, align ?, %s", (long long)t->size, t->lang);
    else
        hp_buf_printf(b, "/* size %lld, align %lld, %s", (long long)t->size,
                      (long long)t->align, t->lang);
    if (t->decl_file != NULL) {
        hp_buf_printf(b, ", %s", shw_basename(t->decl_file));
        if (t->decl_line > 0)
            hp_buf_printf(b, ":%lld", (long long)t->decl_line);
    }
    hp_buf_puts(b, " */\n");

    if (t->pre_bit_hole > 0)
        hp_buf_printf(b, "    /* XXX %lld %s hole */\n", (long long)t->pre_bit_hole,
                      shw_plural(t->pre_bit_hole, "bit", "bits"));
    if (t->pre_hole > 0)
        hp_buf_printf(b, "    /* XXX %lld %s hole */\n", (long long)t->pre_hole,
                      shw_plural(t->pre_hole, "byte", "bytes"));
    for (size_t i = 0; i < t->n; i++) {
        const shw_mem *m = &t->m[i];
        if (i > 0 && m->cacheline > t->m[i - 1].cacheline
            && m->cacheline <= SHW_MAX_VALUE / t->cacheline_size) {
            int64_t line_start = m->cacheline * t->cacheline_size;
            hp_buf_printf(b, "    /* --- cacheline %lld boundary (%lld bytes)",
                          (long long)m->cacheline, (long long)line_start);
            if (m->offset > line_start)
                hp_buf_printf(b, " was %lld %s ago", (long long)(m->offset - line_start),
                              shw_plural(m->offset - line_start, "byte", "bytes"));
            hp_buf_puts(b, " --- */\n");
        }
        shw_member_cols(t, m, &tcol, &ncol);
        start = b->len;
        hp_buf_printf(b, "    %s", tcol.s ? tcol.s : "");
        if (ncol.len > 0) {
            shw_pad_to(b, start + 4 + tw);
            hp_buf_printf(b, " %s;", ncol.s);
        } else {
            hp_buf_puts(b, ";");    /* anonymous member, function pointer */
        }
        shw_pad_to(b, start + comment_col - 1);
        hp_buf_puts(b, " ");
        shw_offset_comment(b, m, m->offset, m->bit_offset);
        if (m->flags & MF_VIRTUAL)
            hp_buf_puts(b, " /* virtual base: placement varies */");
        if (m->flags & MF_GROUP_START)
            hp_buf_puts(b, (m->flags & MF_PADMARK) ? " /* marker: starts a layout group */"
                                                   : " /* starts a layout group */");
        else if (m->flags & MF_PADMARK)
            hp_buf_puts(b, " /* padding field: stays in place */");
        if (m->flags & MF_SYNC)
            hp_buf_puts(b, " /* lock/atomic */");
        hp_buf_puts(b, "\n");
        if (m->bit_hole_after > 0)
            hp_buf_printf(b, "    /* XXX %lld %s hole */\n", (long long)m->bit_hole_after,
                          shw_plural(m->bit_hole_after, "bit", "bits"));
        if (m->hole_after > 0)
            hp_buf_printf(b, "    /* XXX %lld %s hole */\n", (long long)m->hole_after,
                          shw_plural(m->hole_after, "byte", "bytes"));
    }
    if (t->flags & TF_INCOMPLETE) {
        int unread = 0;
        for (size_t i = 0; i < t->n; i++)
            unread |= (t->m[i].flags & MF_UNREAD) != 0;
        if (t->flags & TF_TRUNCATED)
            hp_buf_printf(b, "};  /* members: the first %lld of more than the limit of %d,"
                          " holes and padding unknown (incomplete), cachelines %lld */\n",
                          (long long)t->nmembers, HP_MAX_MEMBERS, (long long)t->cachelines);
        else
        hp_buf_printf(b, "};  /* members %lld, holes and padding unknown (incomplete: a member's"
                      " type %s), cachelines %lld */\n", (long long)t->nmembers,
                      (t->flags & TF_DEEP) ? "nests deeper than holeprof follows"
                      : unread ? "is in debug information not read"
                               : "is declared but not defined in the binary",
                      (long long)t->cachelines);
    }
    else {
    hp_buf_printf(b, "};  /* members %lld, holes %lld (%lld %s), bit holes %lld (%lld %s),",
                  (long long)t->nmembers, (long long)t->holes, (long long)t->hole_bytes,
                  shw_plural(t->hole_bytes, "byte", "bytes"), (long long)t->bit_holes,
                  (long long)t->bit_hole_bits, shw_plural(t->bit_hole_bits, "bit", "bits"));
    if (t->bit_padding > 0)
        hp_buf_printf(b, " bit padding %lld %s,", (long long)t->bit_padding,
                      shw_plural(t->bit_padding, "bit", "bits"));
    hp_buf_printf(b, " tail padding %lld, cachelines %lld */\n",
                  (long long)t->tail_padding, (long long)t->cachelines);
    }

    static const struct { int64_t bit; const char *text; } names[] = {
        { TF_PACKED, "packed" },
        { TF_EXPLICIT_ALIGN, "explicit alignment" },
        { TF_CONFLICT, "conflicting definitions" },
        { TF_TEMPLATE, "template instance" },
        { TF_NESTED, "nested type" },
        { TF_TYPEDEF_NAME, "anonymous, named by a typedef" },
        { TF_HAS_VPTR, "has a vtable pointer" },
        { TF_VIRTUAL_BASE, "has virtual bases" },
        { TF_FLEX, "ends in a flexible array" },
        { TF_INCOMPLETE, "incomplete" },
        { TF_TRUNCATED, "members past the limit not read" },
        { TF_DEEP, "member types nested too deep to follow" },
        { TF_ABI, "layout is an interface (ABI)" },
        { TF_REPR_RUST, "repr(Rust): rustc orders the fields" },
        { TF_SYNC_FIXED, "order kept around a lock or atomic" },
        { TF_EXPORTED, "reachable from an exported function" },
    };
    hp_buf fl = { 0 };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(t->flags & names[i].bit))
            continue;
        hp_buf_printf(&fl, "%s%s", fl.len ? ", " : "", names[i].text);
        if (names[i].bit == TF_CONFLICT && t->nlayouts > 1)
            hp_buf_printf(&fl, " (%lld layouts of this name in the binary)",
                          (long long)t->nlayouts);
    }
    if (fl.len > 0)
        hp_buf_printf(b, "/* flags: %s */\n", fl.s);
    if (t->cu_count > 1)
        hp_buf_printf(b, "/* same layout in %lld compile units */\n", (long long)t->cu_count);
    hp_buf_free(&fl);
    hp_buf_free(&tcol);
    hp_buf_free(&ncol);
}

/* ---- the suggested order ------------------------------------------------ */

/* Round n up to a multiple of a; values are bounded by SHW_MAX_VALUE, so
** nothing here can overflow. */
static int64_t shw_round(int64_t n, int64_t a)
{
    return a > 1 ? (n + a - 1) / a * a : n;
}

/* The unit that starts at member i, as lay_optimal_order() forms them: a
** bitfield together with the following bitfields whose storage units
** overlap its group's, or a single member.  Returns one past its end. */
static size_t shw_unit_end(const shw_type *t, size_t i)
{
    const int64_t fixed = MF_BASE | MF_VPTR | MF_FLEX;
    const shw_mem *m = t->m;
    if (m[i].bit_size == 0 || (m[i].flags & fixed))
        return i + 1;
    int64_t gs = m[i].offset, ge = m[i].offset + m[i].size;
    size_t j = i + 1;
    while (j < t->n && m[j].bit_size > 0 && !(m[j].flags & fixed)) {
        int64_t ys = m[j].offset, ye = m[j].offset + m[j].size;
        if (ys >= ge || ye <= gs)
            break;
        if (ys < gs)
            gs = ys;
        if (ye > ge)
            ge = ye;
        j++;
    }
    return j;
}

/* Lay the members out in the stored suggested order, by the rules of
** lay_optimal_order(): bases and the vtable pointer keep their offsets
** when they lead the type; every other unit goes to the next offset its
** alignment allows; a bitfield group is packed afresh from its aligned
** start, each bitfield moved to its next unit only if it would cross one.
** Fills new_offset and new_bit_offset and returns the size, or -1 if the
** order is not a permutation that keeps each group together. */
static int64_t shw_relayout(shw_type *t, size_t *order)
{
    const size_t n = t->n;
    shw_mem *m = t->m;
    for (size_t i = 0; i < n; i++)
        order[i] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        int64_t p = m[i].suggested_pos;
        if (p < 0 || (uint64_t)p >= n || order[p] != SIZE_MAX)
            return -1;
        order[p] = i;
    }
    size_t nprefix = 0;
    int leading = 1;
    for (size_t i = 0; i < n; i++)
        if (m[i].flags & (MF_BASE | MF_VPTR)) {
            if (i != nprefix)
                leading = 0;
            nprefix++;
        }

    int64_t pos = 0, maxalign = 1;
    size_t k = 0;
    while (k < n) {
        size_t first = order[k], end = shw_unit_end(t, first);
        /* the members of a group must follow in their own order */
        if (k + (end - first) > n)
            return -1;
        for (size_t j = first; j < end; j++)
            if (order[k + (j - first)] != j)
                return -1;
        int64_t align = 1;
        for (size_t j = first; j < end; j++)
            if (m[j].align > align)
                align = m[j].align;
        if (align > maxalign)
            maxalign = align;
        if ((m[first].flags & (MF_BASE | MF_VPTR)) && leading) {
            m[first].new_offset = m[first].offset;
            m[first].new_bit_offset = m[first].bit_offset;
            if (m[first].offset + m[first].size > pos)
                pos = m[first].offset + m[first].size;
        } else if (m[first].bit_size == 0 || (m[first].flags & (MF_BASE | MF_VPTR | MF_FLEX))) {
            pos = shw_round(pos, align);
            m[first].new_offset = pos;
            m[first].new_bit_offset = m[first].bit_offset;
            pos += m[first].size;
        } else {
            int64_t start = shw_round(pos, align), bit = 0;
            for (size_t j = first; j < end; j++) {
                int64_t ub = m[j].size * 8, w = m[j].bit_size;
                if (ub > 0 && w <= ub && bit % ub + w > ub)
                    bit = shw_round(bit, ub);
                if (ub > 0) {
                    m[j].new_offset = start + bit / ub * m[j].size;
                    m[j].new_bit_offset = bit % ub;
                } else {
                    m[j].new_offset = start + bit / 8;
                    m[j].new_bit_offset = bit % 8;
                }
                bit += w;
                if (bit > SHW_MAX_VALUE * 8)
                    return -1;
            }
            pos = start + bit / 8 + (bit % 8 != 0);
        }
        k += end - first;
        if (pos > SHW_MAX_VALUE)
            return -1;      /* only a damaged row gets here */
    }
    int64_t a = t->align > 0 ? t->align : maxalign;
    return shw_round(pos, a);
}

/* The last component of a qualified name, without template arguments:
** "ns::Outer::Inner<int>" -> "Inner", "main.T" -> "T" (Go). */
static char *shw_short_name(const char *name, const char *lang)
{
    size_t len = strlen(name), end = len, start = 0;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c == '<' || c == '[' || c == '(') {
            if (depth++ == 0 && end == len)
                end = i;
        } else if (c == '>' || c == ']' || c == ')') {
            depth--;
        } else if (depth == 0 && end == len) {
            if (c == ':' && i + 1 < len && name[i + 1] == ':') {
                start = i + 2;
                i++;
            } else if (c == '.' && lang != NULL && strcmp(lang, "Go") == 0) {
                start = i + 1;
            } else if (c == '/') {
                start = i + 1;
            }
        }
    }
    if (start >= end)
        return hp_xstrdup(name);
    return hp_xstrndup(name + start, end - start);
}

static void shw_heat_lines(const shw_type *t, int hot, hp_buf *b);
static int shw_has_groups(const shw_type *t);

static void shw_suggest(shw_type *t, int hot, hp_buf *b)
{
    const char *lang = t->lang;
    int is_go = strcmp(lang, "Go") == 0, is_rust = strcmp(lang, "Rust") == 0;
    int is_cxx = strcmp(lang, "C++") == 0;

    if (strcmp(t->kind, "union") == 0) {
        hp_buf_puts(b, "Suggested order: none (the members of a union overlap).\n");
        shw_heat_lines(t, hot, b);
        return;
    }
    if (t->flags & TF_INCOMPLETE) {
        hp_buf_puts(b, (t->flags & TF_TRUNCATED)
                    ? "Suggested order: none (incomplete layout: more members than holeprof"
                      " reads).\n"
                    : "Suggested order: none (incomplete layout: the size or alignment of a"
                      " member's type is unknown).\n");
        shw_heat_lines(t, hot, b);
        return;
    }
    if ((t->flags & TF_ABI) && t->optimal_size < t->size) {
        if (is_rust)
            hp_buf_printf(b, "Suggested order: none (the fields are in declaration order with"
                          " padding rustc would have removed: #[repr(C)], a layout fixed on"
                          " purpose, for FFI or to match one; reordering would save %lld %s;"
                          " without FFI, dropping #[repr(C)] lets rustc do it).\n",
                          (long long)(t->size - t->optimal_size),
                          shw_plural(t->size - t->optimal_size, "byte", "bytes"));
        else if ((t->flags & TF_EXPORTED) && !lay_abi_file(t->decl_file))
            hp_buf_printf(b, "Suggested order: none (part of the interface of the functions"
                          " the binary exports, declared in %s: the layout is ABI; reordering"
                          " would save %lld %s but break every caller compiled against it).\n",
                          t->decl_file ? t->decl_file : "?",
                          (long long)(t->size - t->optimal_size),
                          shw_plural(t->size - t->optimal_size, "byte", "bytes"));
        else
            hp_buf_printf(b, "Suggested order: none (declared in an interface header, %s: the"
                          " layout is ABI; reordering would save %lld %s but break every user"
                          " compiled against it).\n", t->decl_file ? t->decl_file : "?",
                          (long long)(t->size - t->optimal_size),
                          shw_plural(t->size - t->optimal_size, "byte", "bytes"));
        shw_heat_lines(t, hot, b);
        return;
    }
    if (t->flags & TF_REPR_RUST) {
        hp_buf_puts(b, "Suggested order: none (repr(Rust): rustc already reorders the fields"
                       " of a struct with the default representation; the order above is"
                       " rustc's).\n");
        shw_heat_lines(t, hot, b);
        return;
    }
    if (t->optimal_size >= t->size) {
        hp_buf_printf(b, "Suggested order: none (no member order makes it smaller than"
                      " %lld %s).\n", (long long)t->size, shw_plural(t->size, "byte", "bytes"));
        shw_heat_lines(t, hot, b);
        return;
    }
    size_t *order = hp_xcalloc(t->n ? t->n : 1, sizeof *order);
    int64_t newsize = t->n > 0 ? shw_relayout(t, order) : -1;
    if (newsize < 0) {
        hp_buf_printf(b, "Suggested order: unavailable (no usable order stored; optimal size %lld).\n",
                      (long long)t->optimal_size);
        free(order);
        return;
    }
    int64_t saving = t->size - t->optimal_size;
    hp_buf_printf(b, "Suggested order (size %lld -> %lld, saves %lld %s per object):\n",
                  (long long)t->size, (long long)t->optimal_size, (long long)saving,
                  shw_plural(saving, "byte", "bytes"));

    char *sname = shw_short_name(t->name, lang);
    hp_buf lines = { 0 }, pre = { 0 }, post = { 0 }, bases = { 0 };
    hp_buf decl = { 0 };
    /* First the declarators, to align the offset comments. */
    char **dl = hp_xcalloc(t->n, sizeof *dl);
    size_t width = 0;
    int go_namew = 0;
    for (size_t k = 0; is_go && k < t->n; k++)
        if (t->m[k].name && !(t->m[k].flags & MF_EMBEDDED) && strlen(t->m[k].name) <= 40
            && (int)strlen(t->m[k].name) > go_namew)
            go_namew = (int)strlen(t->m[k].name);
    for (size_t k = 0; k < t->n; k++) {
        const shw_mem *m = &t->m[order[k]];
        hp_buf_reset(&decl);
        if (is_cxx && (m->flags & MF_BASE)) {
            hp_buf_printf(&bases, "%s%s%s", bases.len ? ", " : " : ",
                          (m->flags & MF_VIRTUAL) ? "virtual public " : "public ", m->type_name);
            continue;
        }
        if (m->flags & MF_VPTR) {
            hp_buf_puts(&decl, "/* vtable pointer */");
        } else if (is_go) {
            if (m->flags & MF_EMBEDDED || m->name == NULL)
                hp_buf_puts(&decl, m->type_name);
            else        /* gofmt aligns the types of a run of fields */
                hp_buf_printf(&decl, "%-*s %s", go_namew, m->name, m->type_name);
        } else if (is_rust) {
            hp_buf_printf(&decl, "%s: %s,", m->name ? m->name : "_", m->type_name);
        } else {
            shw_split_c(m->type_name, &pre, &post);
            int ptr = pre.len > 0 && (pre.s[pre.len - 1] == '*' || pre.s[pre.len - 1] == '(');
            /* an explicit (or proven) alignment is part of the declaration:
            ** without it the suggestion would lose the member's own line */
            int aligned = (m->flags & MF_ALIGNED)
                          || ((m->flags & MF_GROUP_START) && !(m->flags & MF_PADMARK)
                              && m->align >= t->cacheline_size);
            if (aligned && is_cxx)
                hp_buf_printf(&decl, "alignas(%lld) ", (long long)m->align);
            hp_buf_printf(&decl, "%s%s%s%s", pre.s ? pre.s : "",
                          (ptr || m->name == NULL) ? "" : " ", m->name ? m->name : "",
                          post.s ? post.s : "");
            if (m->bit_size > 0)
                hp_buf_printf(&decl, ":%lld", (long long)m->bit_size);
            if (aligned && !is_cxx)
                hp_buf_printf(&decl, " __attribute__((aligned(%lld)))", (long long)m->align);
            hp_buf_puts(&decl, ";");
        }
        dl[k] = hp_xstrdup(decl.s);
        if (decl.len > width && decl.len <= 48)
            width = decl.len;
    }

    if (is_go) {
        hp_buf_printf(&lines, "type %s struct {\n", sname);
    } else if (is_rust) {
        hp_buf_printf(&lines, "struct %s {\n", sname);
    } else if (!is_cxx && (t->flags & TF_TYPEDEF_NAME)) {
        hp_buf_printf(&lines, "typedef %s {\n", t->kind);
    } else {
        hp_buf_printf(&lines, "%s %s%s {", t->kind, sname, bases.s ? bases.s : "");
        if (strcmp(sname, t->name) != 0)
            hp_buf_printf(&lines, "  /* %s */", t->name);
        hp_buf_puts(&lines, "\n");
    }
    for (size_t k = 0; k < t->n; k++) {
        if (dl[k] == NULL)
            continue;
        const shw_mem *m = &t->m[order[k]];
        size_t start = lines.len;
        /* Go: as gofmt aligns it, one space before the comment (indented by
        ** spaces: the output is cleaned of control characters, tabs too) */
        hp_buf_printf(&lines, "    %s", dl[k]);
        shw_pad_to(&lines, start + 4 + width);
        hp_buf_puts(&lines, is_go ? " // " : "  ");
        if (is_go)
            hp_buf_printf(&lines, "offset %lld, size %lld", (long long)m->new_offset,
                          (long long)m->size);
        else
            shw_offset_comment(&lines, m, m->new_offset, m->new_bit_offset);
        hp_buf_puts(&lines, "\n");
    }
    if (is_go || is_rust)
        hp_buf_puts(&lines, "}\n");
    else if (is_cxx || !(t->flags & TF_TYPEDEF_NAME))
        hp_buf_puts(&lines, "};\n");
    else
        hp_buf_printf(&lines, "} %s;\n", t->name);
    hp_buf_puts(b, lines.s);
    if (newsize != t->optimal_size)
        hp_buf_printf(b, "/* note: laid out in this order the size comes to %lld */\n",
                      (long long)newsize);
    if (shw_has_groups(t))
        hp_buf_puts(b, "/* members move only inside their layout group (a cacheline-aligned"
                       " member or a padding marker starts one) */\n");
    if (is_cxx && strcmp(t->kind, "class") == 0)
        hp_buf_puts(b, "/* access specifiers (public:, private:) are not recorded: keep each"
                       " member in its original section */\n");
    shw_heat_lines(t, hot, b);
    for (size_t k = 0; k < t->n; k++)
        free(dl[k]);
    free(dl);
    free(order);
    free(sname);
    hp_buf_free(&lines);
    hp_buf_free(&pre);
    hp_buf_free(&post);
    hp_buf_free(&bases);
    hp_buf_free(&decl);
}

/* ---- allocation view and field heat (rank.c / profile.c data) ---------- */

/* Field heat summed over the counted (selected) profiles; a database without the
** table (or without heat for this type) leaves has_heat 0. */
static void shw_load_heat(sqlite3 *db, shw_type *t)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT idx, sum(accesses) FROM member_heat WHERE type_id = ?1"
                           " AND profile_id IN (SELECT id FROM profiles WHERE selected)"
                           " GROUP BY idx", -1, &s, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(s, 1, t->id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int64_t idx = sqlite3_column_int64(s, 0), h = sqlite3_column_int64(s, 1);
        if (idx < 0 || (uint64_t)idx >= t->n || h < 0)
            continue;
        t->m[idx].heat = h;
        t->has_heat = 1;
    }
    sqlite3_finalize(s);
}

typedef struct shw_unit {
    size_t first, end;       /* members [first, end) in offset order */
    int64_t pos, heat, align;
    int rank;                /* 0 leading bases/vptr, 1 movable, 2 flexible array */
    int64_t group;           /* layout group (MF_GROUP_START), in offset order */
    int marker;              /* a padding marker: first in its group */
} shw_unit;

/* Layout groups (layout.c): each MF_GROUP_START opens one; members
** never move across a group's start. */
static int shw_has_groups(const shw_type *t)
{
    for (size_t i = 1; i < t->n; i++)
        if (t->m[i].flags & MF_GROUP_START)
            return 1;
    return 0;
}

/* Do the new offsets (shw_relayout) give a lock or atomic a cacheline
** neighbour it did not have?  layout.c's rule, checked again here for the
** hot-first order. */
static int shw_sync_ok(const shw_type *t)
{
    const int64_t cl = t->cacheline_size > 0 ? t->cacheline_size : 64;
    for (size_t s = 0; s < t->n; s++) {
        const shw_mem *a = &t->m[s];
        if (!(a->flags & MF_SYNC) || a->size <= 0)
            continue;
        for (size_t x = 0; x < t->n; x++) {
            const shw_mem *o = &t->m[x];
            if (x == s || o->size <= 0 || (o->flags & MF_VIRTUAL))
                continue;
            int now = a->new_offset / cl <= (o->new_offset + o->size - 1) / cl
                      && o->new_offset / cl <= (a->new_offset + a->size - 1) / cl;
            int before = a->offset / cl <= (o->offset + o->size - 1) / cl
                         && o->offset / cl <= (a->offset + a->size - 1) / cl;
            if (now && !before)
                return 0;
        }
    }
    return 1;
}

static int shw_hot_cmp(const void *a, const void *b)
{
    const shw_unit *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    if (x->rank == 1 && x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->rank == 1 && x->marker != y->marker)
        return x->marker ? -1 : 1;
    if (x->rank == 1 && x->heat != y->heat)
        return x->heat < y->heat ? 1 : -1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static int shw_align_hot_cmp(const void *a, const void *b)
{
    const shw_unit *x = a, *y = b;
    if (x->rank == 1 && y->rank == 1 && x->group == y->group && x->marker == y->marker
        && x->align != y->align)
        return x->align < y->align ? 1 : -1;
    return shw_hot_cmp(a, b);
}

/* Reorder u (sorted hottest first) greedily: at each offset the hottest
** movable unit that needs no padding there, else the one needing least
** (then the hottest).  Fills holes with cold small fields instead of
** leaving them after a hot one. */
static void shw_greedy(const shw_type *t, shw_unit *u, size_t nu)
{
    int64_t cur = 0;
    size_t k = 0;
    for (; k < nu && u[k].rank == 0; k++)
        for (size_t j = u[k].first; j < u[k].end; j++)
            if (t->m[j].offset + t->m[j].size > cur)
                cur = t->m[j].offset + t->m[j].size;
    for (; k < nu && u[k].rank == 1; k++) {
        size_t best = k;
        int64_t bestpad = u[k].marker ? -1 : INT64_MAX;   /* a marker leads its group */
        for (size_t c = k; c < nu && u[c].rank == 1 && u[c].group == u[k].group; c++) {
            int64_t a = u[c].align > 0 ? u[c].align : 1;
            int64_t pad = shw_round(cur, a) - cur;
            if (pad < bestpad) {
                bestpad = pad;
                best = c;
            }
        }
        shw_unit x = u[best];
        memmove(&u[k + 1], &u[k], (best - k) * sizeof *u);
        u[k] = x;
        int64_t lo = INT64_MAX, hi = 0;
        for (size_t j = x.first; j < x.end; j++) {
            if (t->m[j].offset < lo)
                lo = t->m[j].offset;
            if (t->m[j].offset + t->m[j].size > hi)
                hi = t->m[j].offset + t->m[j].size;
        }
        cur = shw_round(cur, x.align > 0 ? x.align : 1) + (hi > lo ? hi - lo : 0);
    }
}

/* Hot fields first, cold fields last, without giving up the minimal size:
** the stored order's units (bitfield groups move as one) placed greedily
** hottest first (shw_greedy), else sorted by alignment then heat; an order
** is kept only if the relayout comes to optimal_size.  Returns 1 when the suggestion is now hot-first. */
static int shw_hot_order(shw_type *t)
{
    if (!t->has_heat || t->n == 0 || t->optimal_size >= t->size)
        return 0;
    size_t *scratch = hp_xcalloc(t->n, sizeof *scratch);
    int64_t *saved = hp_xcalloc(t->n, sizeof *saved);
    shw_unit *u = hp_xcalloc(t->n, sizeof *u);
    size_t nu = 0;
    for (size_t i = 0; i < t->n; i++)
        saved[i] = t->m[i].suggested_pos;
    if (shw_relayout(t, scratch) != t->optimal_size) {
        free(scratch);
        free(saved);
        free(u);
        return 0;
    }
    int64_t group = 0;
    for (size_t i = 0; i < t->n; nu++) {
        shw_unit *x = &u[nu];
        x->first = i;
        x->end = shw_unit_end(t, i);
        x->pos = t->m[i].suggested_pos;
        if (i > 0 && (t->m[i].flags & MF_GROUP_START)
            && !(t->m[i].flags & (MF_BASE | MF_VPTR | MF_FLEX)))
            group++;
        x->group = group;
        x->marker = (t->m[i].flags & MF_PADMARK) != 0
                    || ((t->m[i].flags & MF_GROUP_START) && t->m[i].align >= t->cacheline_size);
        x->rank = (t->m[i].flags & (MF_BASE | MF_VPTR)) ? 0 : (t->m[i].flags & MF_FLEX) ? 2 : 1;
        for (size_t j = i; j < x->end; j++) {
            x->heat = x->heat > INT64_MAX - t->m[j].heat ? INT64_MAX : x->heat + t->m[j].heat;
            if (t->m[j].align > x->align)
                x->align = t->m[j].align;
        }
        i = x->end;
    }
    int ok = 0;
    for (int tier = 0; tier < 3 && !ok; tier++) {
        qsort(u, nu, sizeof *u, tier == 1 ? shw_align_hot_cmp : shw_hot_cmp);
        if (tier == 0)
            shw_greedy(t, u, nu);
        if (tier == 2)     /* heat alone, padding where it falls */
            continue;
        int64_t p = 0;
        for (size_t k = 0; k < nu; k++)
            for (size_t j = u[k].first; j < u[k].end; j++)
                t->m[j].suggested_pos = p++;
        ok = shw_relayout(t, scratch) == t->optimal_size && shw_sync_ok(t);
    }
    if (!ok)
        for (size_t i = 0; i < t->n; i++)
            t->m[i].suggested_pos = saved[i];
    free(scratch);
    free(saved);
    free(u);
    return ok;
}

static void shw_heat_lines(const shw_type *t, int hot, hp_buf *b)
{
    if (!t->has_heat)
        return;
    size_t *ix = hp_xcalloc(t->n ? t->n : 1, sizeof *ix), n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->m[i].heat > 0)
            ix[n++] = i;
    /* hottest first; insertion sort keeps offset order among equals */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && t->m[ix[j]].heat > t->m[ix[j - 1]].heat; j--) {
            size_t x = ix[j];
            ix[j] = ix[j - 1];
            ix[j - 1] = x;
        }
    hp_buf_puts(b, "Field heat (DHAT accesses, counted profiles):");
    for (size_t k = 0; k < n; k++)
        hp_buf_printf(b, "%s %s %lld", k ? "," : "", t->m[ix[k]].name ? t->m[ix[k]].name
                      : "(anon)", (long long)t->m[ix[k]].heat);
    if (n == 0)
        hp_buf_puts(b, " none");
    int first = 1;
    for (size_t i = 0; i < t->n; i++)
        if (t->m[i].heat == 0 && !(t->m[i].flags & (MF_BASE | MF_VPTR))) {
            hp_buf_printf(b, "%s%s", first ? "; never touched: " : ", ",
                          t->m[i].name ? t->m[i].name : "(anon)");
            first = 0;
        }
    hp_buf_puts(b, "\n");
    if (t->optimal_size < t->size)
        hp_buf_puts(b, hot ? "The suggested order puts hot fields first and cold fields last"
                             " at the minimal size.\n"
                           : "No hot-first order reaches the minimal size; the suggestion"
                             " keeps the minimal-size order.\n");
    free(ix);
}

static void shw_human(hp_buf *b, double d)
{
    /* shares of ambiguous sites leave sums a hair off whole numbers */
    if (d < 1e15 && d > -1e15 && fabs(d - round(d)) < 0.005)
        hp_buf_printf(b, "%lld", (long long)round(d));
    else
        hp_buf_printf(b, "%.2f", d);
}

/* Locks, atomics and refcounts (MF_SYNC, by their type) that share a
** cacheline with other members: the members of each such line, and what
** a DHAT profile saw of them (the view false_sharing has the same rows). */
static void shw_false_sharing(const shw_type *t, hp_buf *b)
{
    const int64_t cl = t->cacheline_size > 0 ? t->cacheline_size : 64;
    int any = 0;
    int64_t nlines = 0;
    hp_buf locks = { 0 };
    for (size_t s = 0; s < t->n; s++) {
        const shw_mem *a = &t->m[s];
        if (!(a->flags & MF_SYNC) || a->size <= 0)
            continue;
        for (int64_t line = a->offset / cl; line <= (a->offset + a->size - 1) / cl; line++) {
            hp_buf names = { 0 };
            int64_t others = 0, hot = 0, acc = 0;
            for (size_t x = 0; x < t->n; x++) {
                const shw_mem *o = &t->m[x];
                if (x == s || o->size <= 0 || (o->flags & MF_VIRTUAL)
                    || o->offset / cl > line || (o->offset + o->size - 1) / cl < line)
                    continue;
                others++;
                if (o->heat > 0) {
                    hot++;
                    acc = acc > INT64_MAX - o->heat ? INT64_MAX : acc + o->heat;
                }
                if (others <= 6) {
                    hp_buf_printf(&names, "%s%s", others > 1 ? ", " : "",
                                  o->name ? o->name : "(anon)");
                    if (t->has_heat)
                        hp_buf_printf(&names, " (%lld)", (long long)o->heat);
                }
            }
            if (others > 6)
                hp_buf_printf(&names, ", and %lld more", (long long)(others - 6));
            if (others > 0 && !t->has_heat) {
                if (nlines < 6)
                    hp_buf_printf(&locks, "%s%s (line %lld)", nlines ? ", " : "",
                                  a->name ? a->name : "(anon)", (long long)line);
                nlines++;
            } else if (others > 0 && hot > 0) {
                if (!any)
                    hp_buf_puts(b, "False sharing:\n");
                any = 1;
                hp_buf_printf(b, "  cacheline %lld: %s %s shares it with %lld other %s: %s",
                              (long long)line, a->type_name, a->name ? a->name : "(anon)",
                              (long long)others, shw_plural(others, "member", "members"),
                              names.s ? names.s : "");
                hp_buf_printf(b, "; DHAT saw %lld of them accessed, %lld accesses: a write"
                              " to them takes the lock's line from other CPUs\n",
                              (long long)hot, (long long)acc);
            }
            hp_buf_free(&names);
        }
    }
    if (nlines > 0) {
        hp_buf_printf(b, "Locks and atomics sharing a cacheline with other members: %s%s; no"
                      " profile, so how often those members are written is unknown (holeprof"
                      " profile DB DHAT.json).\n", locks.s, nlines > 6 ? ", ..." : "");
        any = 1;
    }
    hp_buf_free(&locks);
    if (any && t->optimal_size < t->size && !(t->flags & (TF_ABI | TF_REPR_RUST)))
        hp_buf_puts(b, "  The suggested order gives no lock or atomic a cacheline neighbour it"
                       " did not have.\n");
}

/* What an imported /proc/slabinfo counts in the type's dedicated caches
** (view cache_objects), and the slabs those objects take with the slots
** s0 now and s1 reordered, slab order from the slot (sc_slab); the
** running kernel's slot and slab are said apart when they differ from the
** model's.  Best effort: nothing without the view or a count. */
static void shw_slabinfo(sqlite3 *db, const shw_type *t, uint64_t s0, uint64_t s1, hp_buf *b)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT o.name, o.active_objs, o.num_objs, o.objsize,"
                           " o.objperslab, o.pagesperslab, p.name FROM cache_objects o"
                           " JOIN profiles p ON p.id = o.profile_id"
                           " WHERE o.cache_id IN (SELECT cache_id FROM sites WHERE type_id = ?1)"
                           " ORDER BY o.name, o.cache_id", -1, &s, NULL) != SQLITE_OK) {
        sqlite3_finalize(s);
        return;
    }
    sqlite3_bind_int64(s, 1, t->id);
    sc_slab_info i0 = sc_slab(s0), i1 = sc_slab(s1);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *cn = (const char *)sqlite3_column_text(s, 0);
        const char *pn = (const char *)sqlite3_column_text(s, 6);
        int64_t act = sqlite3_column_int64(s, 1), num = sqlite3_column_int64(s, 2);
        int64_t osz = sqlite3_column_int64(s, 3), per = sqlite3_column_int64(s, 4);
        int64_t pages = sqlite3_column_int64(s, 5);
        hp_buf_printf(b, "/proc/slabinfo ('%s'): cache %s holds %lld active objects (%lld"
                      " slots), %lld-byte slots, %lld per slab of %lld %s", pn ? pn : "?",
                      cn ? cn : "?", (long long)act, (long long)num, (long long)osz,
                      (long long)per, (long long)pages, pages == 1 ? "page" : "pages");
        if ((uint64_t)osz != s0 || (uint64_t)per != i0.objects
            || (uint64_t)pages != (uint64_t)1 << i0.order)
            hp_buf_printf(b, " (the running kernel's; the model's: %llu-byte slots, %llu per"
                          " order-%u slab)", (unsigned long long)s0,
                          (unsigned long long)i0.objects, i0.order);
        if (i0.objects > 0 && i1.objects > 0 && act >= 0)
            hp_buf_printf(b, "; the active objects fill %llu slabs of order %u now, %llu of"
                          " order %u reordered", (unsigned long long)(((uint64_t)act
                          + i0.objects - 1) / i0.objects), i0.order,
                          (unsigned long long)(((uint64_t)act + i1.objects - 1) / i1.objects),
                          i1.order);
        hp_buf_puts(b, ".\n");
    }
    sqlite3_finalize(s);
}

/* "NOW -> AFTER" from columns col and col + 1 of s, '?' for a NULL. */
static void shw_classes(hp_buf *b, sqlite3_stmt *s, int col)
{
    for (int c = col; c <= col + 1; c++) {
        if (sqlite3_column_type(s, c) == SQLITE_NULL)
            hp_buf_puts(b, "?");
        else
            hp_buf_printf(b, "%lld", (long long)sqlite3_column_int64(s, c));
        if (c == col)
            hp_buf_puts(b, " -> ");
    }
}

/* ", heap saved H, struct saved S" and the line's end ('?' when unknown). */
static void shw_saved(hp_buf *b, int known, double h, double st)
{
    hp_buf_puts(b, ", heap saved ");
    if (known)
        shw_human(b, h);
    else
        hp_buf_puts(b, "?");
    hp_buf_puts(b, ", struct saved ");
    if (known)
        shw_human(b, st);
    else
        hp_buf_puts(b, "?");
    hp_buf_puts(b, "\n");
}

/* How many measured sizes of the site hold the type (site_size_waste). */
static int64_t shw_nsizes(sqlite3 *db, int64_t site_id, int64_t type_id)
{
    sqlite3_stmt *s = NULL;
    int64_t n = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM site_size_waste"
                           " WHERE site_id = ?1 AND type_id = ?2 AND chosen = 1", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, site_id);
        sqlite3_bind_int64(s, 2, type_id);
        if (sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return n;
}

/* A site's measured block sizes under the chosen model (site_size_waste),
** most allocated first: "32 B x 1000: 48 -> 32, 40 B x 1000: 48 -> 48". */
static void shw_sizes(sqlite3 *db, int64_t site_id, int64_t type_id, hp_buf *b)
{
    enum { SHW_MAX_SIZES = 4 };
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT request, allocations, class_now, class_after,"
                           " count(*) OVER () FROM site_size_waste"
                           " WHERE site_id = ?1 AND type_id = ?2 AND chosen = 1"
                           " ORDER BY allocations DESC, request", -1, &s, NULL) != SQLITE_OK) {
        hp_buf_puts(b, "sizes ?");
        return;
    }
    sqlite3_bind_int64(s, 1, site_id);
    sqlite3_bind_int64(s, 2, type_id);
    int n = 0;
    int64_t total = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        total = sqlite3_column_int64(s, 4);
        if (n == 0)
            hp_buf_printf(b, "%lld measured size%s: ", (long long)total, total == 1 ? "" : "s");
        if (n < SHW_MAX_SIZES) {
            hp_buf_printf(b, "%s%lld B x ", n ? ", " : "", (long long)sqlite3_column_int64(s, 0));
            shw_human(b, sqlite3_column_double(s, 1));
            hp_buf_puts(b, " class ");
            shw_classes(b, s, 2);
        }
        n++;
    }
    sqlite3_finalize(s);
    if (n == 0)
        hp_buf_puts(b, "no measured size holds the type");
    else if (total > SHW_MAX_SIZES)
        hp_buf_printf(b, ", %lld more", (long long)(total - SHW_MAX_SIZES));
}

/* The allocator models' classes for one object, then the sites with their
** allocations and savings, from the views waste_all and site_waste_all.
** Nothing is printed for a database without them. */
static void shw_alloc_view(sqlite3 *db, const shw_type *t, hp_buf *b)
{
    sqlite3_stmt *s = NULL;
    /* waste_all.reorderable as the database has it: the filter on it skips
    ** the sums over every other type's sites */
    int reorderable = 0;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(size > optimal_size, 0) FROM types WHERE id = ?1",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, t->id);
        if (sqlite3_step(s) == SQLITE_ROW)
            reorderable = sqlite3_column_int(s, 0) != 0;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT allocator, chosen, class_now, class_after,"
                           " (SELECT why FROM alloc_models m WHERE m.binary_id = w.binary_id"
                           "  AND m.allocator = w.allocator), cache, cache_slot, cache_slot_after,"
                           " (SELECT group_concat(DISTINCT k.name) FROM sites s"
                           "  JOIN kmem_caches k ON k.id = s.cache_id WHERE s.type_id = w.type_id)"
                           " FROM waste_all w WHERE type_id = ?1 AND reorderable = ?2"
                           " ORDER BY chosen DESC, allocator",
                           -1, &s, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(s, 1, t->id);
    sqlite3_bind_int(s, 2, reorderable);
    int n = 0;
    uint64_t slot0 = 0, slot1 = 0;    /* the kmalloc model's cache slots, if any */
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *a = (const char *)sqlite3_column_text(s, 0);
        const char *why = (const char *)sqlite3_column_text(s, 4);
        char now[32], after[32];
        snprintf(now, sizeof now, "%lld", (long long)sqlite3_column_int64(s, 2));
        snprintf(after, sizeof after, "%lld", (long long)sqlite3_column_int64(s, 3));
        if (sqlite3_column_type(s, 2) == SQLITE_NULL)
            strcpy(now, "?");
        if (sqlite3_column_type(s, 3) == SQLITE_NULL)
            strcpy(after, "?");
        if (n == 0) {
            hp_buf_printf(b, "\nAllocator %s (%s): one object takes %s bytes, %s after"
                          " reordering", a ? a : "?", why ? why : "chosen", now, after);
            if (a && strcmp(a, "kmalloc") == 0 && sqlite3_column_int(s, 5)) {
                /* the slots the view used: the cache's (its size, alignment,
                ** SLAB_HWCACHE_ALIGN, free pointer), else the type's alignment */
                int64_t al = t->align > 8 ? t->align : 8;
                uint64_t s0 = (uint64_t)shw_round(t->size, al);
                uint64_t s1 = (uint64_t)shw_round(t->optimal_size, al);
                if (sqlite3_column_type(s, 6) == SQLITE_INTEGER && sqlite3_column_int64(s, 6) > 0
                    && sqlite3_column_type(s, 7) == SQLITE_INTEGER
                    && sqlite3_column_int64(s, 7) > 0) {
                    s0 = (uint64_t)sqlite3_column_int64(s, 6);
                    s1 = (uint64_t)sqlite3_column_int64(s, 7);
                }
                const char *cn = (const char *)sqlite3_column_text(s, 8);
                slot0 = s0;
                slot1 = s1;
                sc_slab_info i0 = sc_slab(s0), i1 = sc_slab(s1);
                hp_buf_printf(b, " (a dedicated kmem_cache%s%s: %llu-byte slots, %llu per order-%u"
                              " slab; %llu-byte slots, %llu per order-%u slab after)",
                              cn ? " " : "", cn ? cn : "",
                              (unsigned long long)s0, (unsigned long long)i0.objects, i0.order,
                              (unsigned long long)s1, (unsigned long long)i1.objects, i1.order);
            }
        } else
            hp_buf_printf(b, "%s%s %s -> %s", n == 1 ? "; other models: " : ", ", a ? a : "?",
                          now, after);
        n++;
    }
    sqlite3_finalize(s);
    if (n == 0)
        return;
    hp_buf_puts(b, ".\n");
    if (slot0 > 0)
        shw_slabinfo(db, t, slot0, slot1, b);
    if (sqlite3_prepare_v2(db, "SELECT w.site, s.function, s.allocator, w.elements, w.allocations,"
                           " w.alloc_source, w.class_now, w.class_after, w.heap_saved,"
                           " w.struct_saved, w.ambiguous, w.share, w.extra, w.request,"
                           " w.cache, s.size, s.count, w.sized_allocations, w.site_id"
                           " FROM site_waste_all w JOIN sites s ON s.id = w.site_id"
                           " WHERE w.type_id = ?1 AND w.chosen = 1"
                           " ORDER BY w.heap_saved DESC, w.struct_saved DESC, w.allocations DESC,"
                           " w.site_id", -1, &s, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(s, 1, t->id);
    n = 0;
    int nvar = 0;
    double tot_a = 0, tot_h = 0, tot_s = 0;
    int unknown = 0;            /* a saving is NULL: the layout is incomplete */
    char *first_src = NULL;     /* the weights the header names */
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *src = (const char *)sqlite3_column_text(s, 5);
        if (n++ == 0) {
            hp_buf_printf(b, "Allocation sites (%s):\n", src && strcmp(src, "measured") == 0
                          ? "allocations measured by an imported profile"
                          : src && strcmp(src, "slabinfo") == 0
                          ? "objects alive in the dedicated cache per /proc/slabinfo, shared"
                            " evenly by its sites; other sites static weights"
                          : "static weights, 8^loop depth");
            first_src = src ? hp_xstrdup(src) : NULL;
        }
        const char *site = (const char *)sqlite3_column_text(s, 0);
        const char *fn = (const char *)sqlite3_column_text(s, 1);
        const char *al0 = (const char *)sqlite3_column_text(s, 2);
        const char *what = src && strcmp(src, "slabinfo") == 0 ? "objects alive" : "allocations";
        /* a site weighed unlike the header says: its weights named */
        char alb[256];
        const char *al = al0;
        if (al0 && src && first_src && strcmp(src, first_src) != 0) {
            snprintf(alb, sizeof alb, "[%s] %s", src, al0);
            al = alb;
        }
        double allocs = sqlite3_column_double(s, 4), h = sqlite3_column_double(s, 8);
        double st = sqlite3_column_double(s, 9);
        int known = sqlite3_column_type(s, 8) != SQLITE_NULL &&
                    sqlite3_column_type(s, 9) != SQLITE_NULL;
        unknown |= !known;
        tot_a += allocs;
        tot_h += h;
        tot_s += st;
        int64_t extra = sqlite3_column_int64(s, 12);
        double sized = sqlite3_column_double(s, 17), rest = allocs - sized;
        int64_t nsizes = sized > 0 ? shw_nsizes(db, sqlite3_column_int64(s, 18), t->id) : 0;
        if (nsizes > 1 || (nsizes == 1 && rest > sqlite3_column_double(s, 11) / 2)) {
            /* blocks measured one by one in several sizes: classes per size */
            hp_buf_printf(b, "  %s  %s  %s(", site ? site : "?", fn ? fn : "?", al ? al : "?");
            shw_sizes(db, sqlite3_column_int64(s, 18), t->id, b);
            hp_buf_puts(b, ")  ");
            shw_human(b, allocs);
            hp_buf_printf(b, " %s%s (", what, sqlite3_column_int(s, 10)
                          ? " (ambiguous site: its share)" : "");
            shw_human(b, sized);
            hp_buf_puts(b, " of them sized");
            if (rest > sqlite3_column_double(s, 11) / 2) {
                hp_buf_puts(b, "; the other ");
                shw_human(b, rest);
                if (sqlite3_column_type(s, 13) == SQLITE_NULL)
                    hp_buf_puts(b, " of sizes not measured: depends on n");
                else {
                    hp_buf_printf(b, " at their mean %lld B: class ",
                                  (long long)sqlite3_column_int64(s, 13));
                    shw_classes(b, s, 6);
                }
            }
            hp_buf_puts(b, ")");
            shw_saved(b, known, h, st);
            continue;
        }
        if (sqlite3_column_type(s, 13) == SQLITE_NULL) {
            /* sizeof(T) + n * k, or n * sizeof(T): no class without n */
            hp_buf_printf(b, "  %s  %s  %s(", site ? site : "?", fn ? fn : "?", al ? al : "?");
            if (sqlite3_column_type(s, 15) != SQLITE_NULL)
                hp_buf_printf(b, "n x %lld B", (long long)sqlite3_column_int64(s, 15));
            else if (t->flags & TF_FLEX)
                hp_buf_printf(b, "%lld + n x k B", (long long)t->size);
            else
                hp_buf_puts(b, "? B");
            hp_buf_puts(b, ")  ");
            shw_human(b, allocs);
            hp_buf_printf(b, " %s%s, heap saved: depends on n, struct saved ", what,
                          sqlite3_column_int(s, 10) ? " (ambiguous site: its share)" : "");
            tot_h -= h;
            shw_human(b, st);
            hp_buf_puts(b, " per object\n");
            nvar++;
            continue;
        }
        hp_buf_printf(b, "  %s  %s  %s(%lld x %lld", site ? site : "?", fn ? fn : "?",
                      al ? al : "?", (long long)sqlite3_column_int64(s, 3), (long long)t->size);
        if (extra > 0)    /* a variable tail beyond the objects, e.g. a flexible array */
            hp_buf_printf(b, " + %lld", (long long)extra);
        hp_buf_puts(b, " B)  ");
        shw_human(b, allocs);
        hp_buf_printf(b, " %s%s, class ", what,
                      sqlite3_column_int(s, 10) ? " (ambiguous site: its share)" : "");
        shw_classes(b, s, 6);
        shw_saved(b, known, h, st);
    }
    sqlite3_finalize(s);
    free(first_src);
    if (n == 0) {
        hp_buf_puts(b, "Allocation sites: none found.\n");
        return;
    }
    hp_buf_puts(b, "Total: ");
    shw_human(b, tot_a);
    hp_buf_puts(b, " allocations, heap bytes saved ");
    if (unknown) {
        hp_buf_puts(b, "? (allocator classes), struct bytes saved ? (the layout is incomplete).\n");
        return;
    }
    shw_human(b, tot_h);
    hp_buf_puts(b, " (allocator classes), struct bytes saved ");
    shw_human(b, tot_s);
    hp_buf_puts(b, " (raw, cache density).\n");
    if (nvar > 0)
        hp_buf_printf(b, "%d %s ask for a size that depends on n: whether the whole request"
                      " crosses an allocator class is not known without n (a profile's"
                      " measured sizes tell); not counted above.\n", nvar,
                      nvar == 1 ? "site" : "sites");
    pf_coverage(db, 0, 3, "", b);   /* what the measured counts are out of */
}

/* ---- reading ------------------------------------------------------------ */

static int shw_load_members(sqlite3 *db, shw_type *t, const char *dbpath, hp_err *err)
{
    static const char sql[] =
        "SELECT idx, name, type_name, offset, size, bitpos, bit_offset, bit_size, align,"
        " flags, hole_after, bit_hole_after, cacheline, suggested_pos"
        " FROM members WHERE type_id = ?1 ORDER BY idx";
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return hp_errf(err, dbpath, "cannot read members: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(s, 1, t->id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (t->n >= HP_MAX_MEMBERS) {
            sqlite3_finalize(s);
            return hp_errf(err, dbpath, "type '%s' has more than %d members", t->name,
                           HP_MAX_MEMBERS);
        }
        shw_mem *m = HP_PUSH(t->m, t->n, t->cap);
        memset(m, 0, sizeof *m);
        m->name = shw_col_str(s, 1);
        m->type_name = shw_col_str(s, 2);
        if (m->type_name == NULL)
            m->type_name = hp_xstrdup("?");
        int64_t *v[] = { &m->offset, &m->size, &m->bitpos, &m->bit_offset, &m->bit_size,
                         &m->align, &m->flags, &m->hole_after, &m->bit_hole_after,
                         &m->cacheline };
        for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++) {
            *v[i] = sqlite3_column_int64(s, 3 + i);
            if (!shw_in_range(*v[i])) {
                sqlite3_finalize(s);
                return hp_errf(err, dbpath, "damaged database: member %zu of '%s' has"
                               " value %lld out of range", t->n - 1, t->name,
                               (long long)*v[i]);
            }
        }
        m->suggested_pos = sqlite3_column_type(s, 13) == SQLITE_NULL
                               ? -1 : sqlite3_column_int64(s, 13);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return hp_errf(err, dbpath, "cannot read members: %s", sqlite3_errmsg(db));
    return 0;
}

/* One type to show: its id, and the NAME argument (group) that meant it. */
typedef struct shw_pick {
    uint64_t id;
    uint64_t order;     /* position among all picks, to restore after dedup */
    size_t group;
} shw_pick;

/* Every type the NAMEs mean, each once, in the order of the NAMEs. */
static int shw_pick_types(sqlite3 *db, const char *dbpath, const char *const *names,
                          size_t nnames, shw_pick **out, size_t *nout, int *globs, hp_err *err)
{
    shw_pick *p = NULL;
    size_t n = 0, cap = 0;
    for (size_t g = 0; g < nnames; g++) {
        int64_t *ids = NULL;
        size_t nids = 0;
        int r = rep_find_types(db, dbpath, names[g], &ids, &nids, err);
        if (r < 0) {
            free(p);
            return -1;
        }
        globs[g] = r;
        for (size_t i = 0; i < nids; i++) {
            shw_pick *k = HP_PUSH(p, n, cap);
            k->id = (uint64_t)ids[i];
            k->order = n - 1;
            k->group = g;
        }
        free(ids);
    }
    /* a type two NAMEs mean is shown once, where it came first */
    hp_radix_sort(p, n, sizeof *p, offsetof(shw_pick, order));
    hp_radix_sort(p, n, sizeof *p, offsetof(shw_pick, id));
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || p[i].id != p[u - 1].id)
            p[u++] = p[i];
    hp_radix_sort(p, u, sizeof *p, offsetof(shw_pick, order));
    *out = p;
    *nout = u;
    return 0;
}

int rep_show(const char *dbpath, const char *const *names, size_t nnames, const char *binary,
             FILE *out, hp_err *err)
{
    static const char sql[] =
        "SELECT t.id, t.kind, t.name, t.size, t.align, t.members, t.holes, t.hole_bytes,"
        " t.bit_holes, t.bit_hole_bits, t.tail_padding, t.optimal_size, t.cachelines,"
        " t.decl_line, t.flags, t.cu_count, b.cacheline,"
        " (SELECT count(*) FROM types u WHERE u.binary_id = t.binary_id AND u.name = t.name),"
        " t.pre_hole, t.pre_bit_hole, t.bit_padding,"
        " t.decl_file, t.lang, t.layout_hash, b.path"
        " FROM types t JOIN binaries b ON b.id = t.binary_id"
        " WHERE t.id = ?1";
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    shw_pick *picks = NULL;
    size_t npicks = 0;
    size_t *gsize = hp_xcalloc(nnames ? nnames : 1, sizeof *gsize);
    int *globs = hp_xcalloc(nnames ? nnames : 1, sizeof *globs);
    shw_type t;
    memset(&t, 0, sizeof t);
    hp_buf b = { 0 };
    int status = HP_EXIT_ERROR;

    if (st_open_read(dbpath, &db, err) != 0)
        goto done;
    if (binary != NULL && mrg_select_binary(db, dbpath, binary, NULL, err) != 0)
        goto done;
    if (shw_pick_types(db, dbpath, names, nnames, &picks, &npicks, globs, err) != 0)
        goto done;
    for (size_t i = 0; i < npicks; i++)
        gsize[picks[i].group]++;
    if (pf_apply(db, dbpath, err) != 0)
        goto done;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        hp_errf(err, dbpath, "cannot read types: %s", sqlite3_errmsg(db));
        goto done;
    }
    size_t in_group = 0;
    for (size_t i = 0; i < npicks; i++) {
        in_group = i > 0 && picks[i].group == picks[i - 1].group ? in_group + 1 : 1;
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, (int64_t)picks[i].id);
        if (sqlite3_step(s) != SQLITE_ROW) {
            hp_errf(err, dbpath, "cannot read types: %s", sqlite3_errmsg(db));
            goto done;
        }
        shw_free(&t);
        memset(&t, 0, sizeof t);
        t.id = sqlite3_column_int64(s, 0);
        t.kind = shw_col_str(s, 1);
        t.name = shw_col_str(s, 2);
        const char *name = t.name ? t.name : names[picks[i].group];
        int64_t *v[] = { &t.size, &t.align, &t.nmembers, &t.holes, &t.hole_bytes,
                         &t.bit_holes, &t.bit_hole_bits, &t.tail_padding,
                         &t.optimal_size, &t.cachelines, &t.decl_line, &t.flags,
                         &t.cu_count, &t.cacheline_size, &t.nlayouts, &t.pre_hole,
                         &t.pre_bit_hole, &t.bit_padding };
        for (int k = 0; k < (int)(sizeof v / sizeof v[0]); k++) {
            *v[k] = sqlite3_column_int64(s, 3 + k);
            if (!shw_in_range(*v[k])) {
                hp_errf(err, dbpath, "damaged database: type '%s' has value %lld out of range",
                        name, (long long)*v[k]);
                goto done;
            }
        }
        if (t.flags & TF_INCOMPLETE)
            t.optimal_size = t.size;        /* NULL: no suggestion */
        t.decl_file = shw_col_str(s, 21);
        t.lang = shw_col_str(s, 22);
        t.hash = shw_col_str(s, 23);
        t.binary = shw_col_str(s, 24);
        if (t.kind == NULL || t.name == NULL || t.lang == NULL) {
            hp_errf(err, dbpath, "damaged database: type '%s' lacks kind, name or language",
                    name);
            goto done;
        }
        if (t.cacheline_size == 0 || t.cacheline_size > (1 << 20))
            t.cacheline_size = 64;
        if (shw_load_members(db, &t, dbpath, err) != 0)
            goto done;
        hp_buf_reset(&b);
        if (i > 0)
            hp_buf_puts(&b, "\n");
        if (gsize[picks[i].group] > 1)
            hp_buf_printf(&b, "/* %s %zu of %zu: %s, layout %s */\n",
                          globs[picks[i].group] ? "match" : "layout", in_group,
                          gsize[picks[i].group], t.binary ? t.binary : "?",
                          t.hash ? t.hash : "?");
        shw_load_heat(db, &t);
        shw_layout(&t, &b);
        hp_buf_puts(&b, "\n");
        shw_suggest(&t, shw_hot_order(&t), &b);
        shw_false_sharing(&t, &b);
        shw_alloc_view(db, &t, &b);
        hp_text_clean_lines(b.s);   /* site files, functions, allocators too */
        if (fwrite(b.s, 1, b.len, out) != b.len) {
            hp_errf(err, NULL, "write error");
            goto done;
        }
    }
    if (fflush(out) != 0) {
        hp_errf(err, NULL, "write error");
        goto done;
    }
    status = HP_EXIT_OK;
done:
    sqlite3_finalize(s);
    shw_free(&t);
    free(picks);
    free(gsize);
    free(globs);
    hp_buf_free(&b);
    sqlite3_close(db);
    return status;
}

/* ---- the same layout for other reports (report.h) ---------------------- */

int rep_load_layout(sqlite3 *db, const char *dbpath, int64_t type_id, rep_layout *out,
                    hp_err *err)
{
    static const char sql[] =
        "SELECT kind, name, lang, size, align, optimal_size, flags FROM types WHERE id = ?1";
    shw_type t;
    sqlite3_stmt *s = NULL;
    int status = -1;
    memset(&t, 0, sizeof t);
    memset(out, 0, sizeof *out);
    out->new_size = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        hp_errf(err, dbpath, "cannot read types: %s", sqlite3_errmsg(db));
        goto done;
    }
    sqlite3_bind_int64(s, 1, type_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        hp_errf(err, dbpath, "damaged database: no type %lld", (long long)type_id);
        goto done;
    }
    t.id = type_id;
    t.kind = shw_col_str(s, 0);
    t.name = shw_col_str(s, 1);
    t.lang = shw_col_str(s, 2);
    int64_t *v[] = { &t.size, &t.align, &t.optimal_size, &t.flags };
    for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++) {
        *v[i] = sqlite3_column_int64(s, 3 + i);
        if (!shw_in_range(*v[i])) {
            hp_errf(err, dbpath, "damaged database: type %lld has value %lld out of range",
                    (long long)type_id, (long long)*v[i]);
            goto done;
        }
    }
    if (t.flags & TF_INCOMPLETE)
        t.optimal_size = t.size;            /* NULL: no suggestion */
    if (t.kind == NULL || t.name == NULL || t.lang == NULL) {
        hp_errf(err, dbpath, "damaged database: type %lld lacks kind, name or language",
                (long long)type_id);
        goto done;
    }
    if (shw_load_members(db, &t, dbpath, err) != 0)
        goto done;
    shw_load_heat(db, &t);
    out->hot = shw_hot_order(&t);
    if (strcmp(t.kind, "union") != 0 && t.optimal_size < t.size && t.n > 0
        && !(t.flags & (TF_ABI | TF_REPR_RUST))) {
        size_t *order = hp_xcalloc(t.n, sizeof *order);
        out->new_size = shw_relayout(&t, order);
        free(order);
    }
    out->size = t.size;
    out->has_heat = t.has_heat;
    out->n = t.n;
    out->m = hp_xcalloc(t.n ? t.n : 1, sizeof *out->m);
    for (size_t i = 0; i < t.n; i++) {
        const shw_mem *m = &t.m[i];
        rep_member *r = &out->m[i];
        r->name = m->name ? hp_xstrdup(m->name) : NULL;
        r->type_name = hp_xstrdup(m->type_name);
        r->offset = m->offset;
        r->size = m->size;
        r->bitpos = m->bitpos;
        r->bit_size = m->bit_size;
        r->flags = m->flags;
        r->heat = m->heat;
        r->suggested_pos = m->suggested_pos;
        r->new_offset = out->new_size >= 0 ? m->new_offset : -1;
        r->new_bitpos = out->new_size >= 0 ? m->new_offset * 8 + m->new_bit_offset : -1;
    }
    status = 0;
done:
    sqlite3_finalize(s);
    shw_free(&t);
    return status;
}

void rep_layout_free(rep_layout *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->m[i].name);
        free(l->m[i].type_name);
    }
    free(l->m);
    memset(l, 0, sizeof *l);
}
