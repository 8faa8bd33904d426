/*
** sites/abi.c -- the types of a binary's exported interface: what the
** functions its .dynsym exports (GLOBAL or WEAK, defined, FUNC) take and
** return, and what those types hold.
**
** Contract: si_abi_functions() adds every exported function to the
** constructors' dl_func list (want_api) before facts.c's one dl_collect
** pass, so no DWARF is read twice.  si_write_abi() runs once the types
** rows exist: each aggregate a parameter or return value is or points to
** is *reachable*; it is *ABI* -- its layout is what callers compiled
** against -- when it is passed or returned by value, or its definition
** is in the header that declares the typedef the interface names it by
** (lua.h's lua_Debug; not lua_State, whose typedef is in lua.h and whose
** definition is private in lstate.h: callers only hold pointers) unless
** that file is in an internal/ directory (CPython's core), or it
** is declared under an include/ directory of the source tree (CPython's
** Include/, not Include/internal/).  From there members are followed by their type's name: a
** member by value of an ABI type is ABI, one through a pointer is ABI
** when it is declared in the same file or an include/ directory, every
** other member of a reachable type is reachable.  Reachable types get
** TF_EXPORTED, ABI types TF_ABI too (db/README.md); nothing else changes.
** A member whose type is a typedef name (not the struct's tag) is not
** followed: only names the type set holds are.
*/
#include "sites/internal.h"

#include <ctype.h>

void si_abi_functions(si_ctx *x, dl_func **dfn, size_t *n, size_t *cap)
{
    const ei_image *im = x->img;
    for (size_t i = 0; i < im->nsymbols; i++) {
        const ei_symbol *s = &im->symbols[i];
        if (!s->dynamic || s->addr == 0 || (s->type != ST_FUNC && s->type != ST_IFUNC) ||
            (s->bind != 1 /* STB_GLOBAL */ && s->bind != 2 /* STB_WEAK */))
            continue;
        dl_func *f = HP_PUSH(*dfn, *n, *cap);
        memset(f, 0, sizeof *f);
        f->entry = s->addr;
        f->want_api = 1;
    }
}

/* A directory component named include (any case), and none named
** internal below it (CPython's Include/internal/: the core's own). */
static int in_include_dir(const char *f)
{
    if (f == NULL)
        return 0;
    const char *inc = NULL;
    for (const char *p = f; (p = strchr(p, '/')) != NULL; p++)
        if (strncasecmp(p + 1, "include/", 8) == 0)
            inc = p + 1;
    return inc != NULL && strstr(inc, "/internal/") == NULL;
}

static int internal_dir(const char *f)
{
    return f && (strncmp(f, "internal/", 9) == 0 || strstr(f, "/internal/") != NULL);
}

/* One declaration file as the type set and as dwlines.c spell it (the
** type set keeps "././lua.h" where the other cleans it): the same once
** every "./" component is dropped. */
static int same_file(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return 0;
    for (;;) {
        while (a[0] == '.' && a[1] == '/')
            a += 2;
        while (b[0] == '.' && b[1] == '/')
            b += 2;
        if (*a != *b)
            return 0;
        if (*a == '\0')
            return 1;
        int slash = *a == '/';
        a++;
        b++;
        if (slash)
            continue;
    }
}

/* The aggregate a member's rendered type names ("const struct foo *",
** "struct bar [4]", "PyObject *"), and whether it is reached through a
** pointer, reference or array of pointers; NULL for function pointers and
** non-aggregates the type set does not know. */
static trow *member_target(tindex *ti, const char *tn, int *indirect)
{
    char buf[512];
    if (tn == NULL || strchr(tn, '(') != NULL || strlen(tn) >= sizeof buf)
        return NULL;
    static const char *const pre[] = { "const ", "volatile ", "struct ", "union ",
                                       "class ", "enum " };
    const char *p = tn;
    for (int again = 1; again;) {
        again = 0;
        for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++)
            if (strncmp(p, pre[k], strlen(pre[k])) == 0) {
                p += strlen(pre[k]);
                again = 1;
            }
    }
    size_t l = strcspn(p, "*&[");
    *indirect = p[l] == '*' || p[l] == '&';
    memcpy(buf, p, l);
    buf[l] = '\0';
    while (l > 0 && isspace((unsigned char)buf[l - 1]))
        buf[--l] = '\0';
    if (l > 6 && strcmp(buf + l - 6, " const") == 0)
        buf[l -= 6] = '\0';
    if (l == 0)
        return NULL;
    return si_ti_find(ti, buf, 0, NULL, 0, 0);
}

enum { AB_NONE = 0, AB_REACH = 1, AB_ABI = 2 };

static void mark(uint8_t *st, uint32_t *queue, size_t *nq, uint32_t row, uint8_t how)
{
    if (st[row] >= how)
        return;
    if (st[row] == AB_NONE || how == AB_ABI)
        queue[(*nq)++] = row;    /* each row enters at most twice */
    st[row] = how;
}

int si_write_abi(si_ctx *x, hp_err *err)
{
    tindex *ti = x->ti;
    if (ti == NULL || ti->n == 0 || x->ndfn == 0)
        return 0;
    uint8_t *st = hp_xcalloc(ti->n, 1);
    uint32_t *queue = hp_xmalloc(2 * ti->n * sizeof *queue);
    size_t nq = 0;
    for (size_t i = 0; i < x->ndfn; i++) {
        const dl_func *f = &x->dfn[i];
        for (unsigned k = 0; k < f->napi; k++) {
            const dl_api *a = &f->api[k];
            const dl_type *t = a->type;
            trow *r = si_ti_find(ti, t->name, t->declaration ? 0 : t->size, t->decl_file,
                                 t->decl_line, t->size);
            if (r == NULL)
                continue;
            int abi = a->by_value || in_include_dir(r->decl_file) ||
                      (a->typedef_with_def && !internal_dir(r->decl_file));
            mark(st, queue, &nq, (uint32_t)(r - ti->rows), abi ? AB_ABI : AB_REACH);
        }
    }
    for (size_t q = 0; q < nq; q++) {
        const trow *r = &ti->rows[queue[q]];
        uint8_t how = st[queue[q]];
        const lay_type *t = r->t;
        for (uint32_t m = 0; t && m < t->nmembers; m++) {
            int ind = 0;
            trow *c = member_target(ti, t->members[m].type_name, &ind);
            if (c == NULL || c == r)
                continue;
            uint8_t ch = AB_REACH;
            if (how == AB_ABI && (!ind || same_file(c->decl_file, r->decl_file) ||
                                  in_include_dir(c->decl_file)))
                ch = AB_ABI;
            mark(st, queue, &nq, (uint32_t)(c - ti->rows), ch);
        }
    }
    sqlite3_stmt *up = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(x->db, "UPDATE types SET flags = flags | ?2 WHERE id = ?1", -1, &up, NULL) != SQLITE_OK)
        rc = hp_errf(err, NULL, "sites: types: %s", sqlite3_errmsg(x->db));
    for (size_t i = 0; rc == 0 && i < ti->n; i++) {
        if (st[i] == AB_NONE)
            continue;
        sqlite3_reset(up);
        sqlite3_bind_int64(up, 1, x->type_ids[ti->rows[i].tsi]);
        sqlite3_bind_int64(up, 2, st[i] == AB_ABI ? TF_ABI | TF_EXPORTED : TF_EXPORTED);
        if (sqlite3_step(up) != SQLITE_DONE)
            rc = hp_errf(err, NULL, "sites: types: %s", sqlite3_errmsg(x->db));
    }
    sqlite3_finalize(up);
    free(st);
    free(queue);
    return rc;
}
