/*
** pf_perf.c -- `perf script` text as a stream (reader contract in
** pf_int.h): allocations seen by uprobes on the allocators, or by the
** kernel's kmem tracepoints.
**
** Format (perf script's default output; see perf-script(1)): a sample
** is one header line
**   COMM PID[/TID] [CPU] TIME: [PERIOD] GROUP:EVENT: ARGS
** followed, when recorded with --call-graph (-g), by one line per frame,
** innermost first, each indented:
**   ADDR SYMBOL[+0xOFF] (OBJECT)
** (SYMBOL "[unknown]" when perf has none; OBJECT "(inlined)" for a frame
** perf expanded from the debug info, "[kernel.kallsyms]" for the
** kernel), and a blank line.  ADDR is the runtime address for the kernel,
** but for a frame in a user-space object (OBJECT a path) the offset in
** that object's file (perf's map_ip: address - mapping start + mapping
** offset), which pf_ready turns into the binary's link address through its
** sections -- for a non-PIE executable such as Debian's python3.11 (text
** at 0x41f000, file offset 0x1f000) that is not the address.  ADDR
** ffffffffffffffff is perf's mark of a frame it could not unwind: no
** address.  ARGS are name=value pairs:
**   - a uprobe made by `perf probe -x LIBC malloc size=%di` (calloc:
**     nmemb=%di size=%si; realloc: ptr=%di size=%si): "(ADDR) size=0x20".
**     The innermost frame is the probed allocator itself.
**   - kmem:kmalloc, kmem:kmem_cache_alloc (and their _node forms), from
**     include/trace/events/kmem.h: "call_site=SYM+0xOFF ptr=... [name=CACHE]
**     bytes_req=N bytes_alloc=N gfp_flags=... node=N accounted=B".  The
**     call_site is the allocation's return address; without a call graph
**     it is the only frame, as symbol+offset, which pf_ready resolves
**     from the kernel binary's symbol table.
** The request (bytes_req, else size times nmemb) is the block size.
** Events that free or return (names with "free", "__return") and other
** kmem events are skipped; a header whose event is not GROUP:EVENT is
** damaged.  Every sample is one allocation: perf's uprobes and
** tracepoints count every call (sample period 1), so the counts are
** exact -- unless perf lost samples, which `perf report --stats` shows
** as LOST_SAMPLES (record with a larger -m buffer, or a smaller
** --call-graph dwarf stack size); `perf script --show-lost-events`
** lines "PERF_RECORD_LOST lost N" are added up into c->lost.  A uprobe
** sample whose caller frames (the next three) are another probed
** function is a call inside that allocator (glibc's realloc(NULL, n)
** calls malloc) and is not counted twice.
**
** Cost: bounded lines (PF_LIMIT_LINE), one sample's frames at a time
** (PF_LIMIT_STACK), distinct frames and distinct stacks interned
** (pf_stacks.c); one pass, so a pipe would do.
*/
#include "pf_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct pp_raw {
    uint64_t addr;
    size_t sym, symlen, mod, modlen;   /* into the line buffer copy */
} pp_raw;

typedef struct pp {
    pf_ctx *c;
    pf_intern *in;
    hp_buf text;          /* the current sample's frame lines, copied */
    pp_raw *raw;
    size_t nraw, rawcap;
    size_t *idx;
    size_t idxcap;
    /* the current sample */
    int open, kmem, skip;
    int64_t block, allocs;
    char call_site[256];
    int has_call_site;
    size_t lineno, header_line;
    int64_t samples, skipped, nested;
    char probed[16][128];    /* the functions the uprobes sit on (innermost frames) */
    int nprobed;
    /* the thread's previous uprobe sample, for a tail call between allocators */
    char tid[32], prev_tid[32], prev_fn[128];
    int64_t prev_block;
    uint64_t prev_callers[8];
    size_t prev_ncallers;
} pp;

/* "__libc_realloc+0x1f" -> "__libc_realloc" into buf */
static void pp_bare(const char *sym, size_t n, char *buf, size_t cap)
{
    for (size_t i = n; i-- > 0;)
        if (sym[i] == '+') {
            n = i;
            break;
        }
    snprintf(buf, cap, "%.*s", (int)n, sym);
}

/* A uprobe sample inside another probed allocator (glibc's realloc(NULL, n)
** calls malloc): that call was counted by the outer probe already. */
static int pp_nested(pp *p)
{
    char b[128];
    if (p->nraw == 0)
        return 0;
    pp_bare(p->text.s + p->raw[0].sym, p->raw[0].symlen, b, sizeof b);
    int known = 0;
    for (int i = 0; i < p->nprobed && !known; i++)
        known = strcmp(p->probed[i], b) == 0;
    if (!known && p->nprobed < 16 && strcmp(b, "[unknown]") != 0)
        snprintf(p->probed[p->nprobed++], sizeof p->probed[0], "%s", b);
    for (size_t f = 1; f < p->nraw && f < 4; f++) {
        char o[128];
        pp_bare(p->text.s + p->raw[f].sym, p->raw[f].symlen, o, sizeof o);
        for (int i = 0; i < p->nprobed; i++)
            if (strcmp(p->probed[i], o) == 0)
                return 1;
    }
    /* glibc's realloc(NULL, n) reaches malloc by a tail call: no realloc
    ** frame, but the thread's previous sample is that realloc, with the
    ** same size from the same call (the same return addresses) */
    size_t nc = p->nraw - 1 < 8 ? p->nraw - 1 : 8;
    int same = p->prev_ncallers > 0 && strcmp(p->tid, p->prev_tid) == 0
               && p->block == p->prev_block && nc == p->prev_ncallers && strcmp(b, p->prev_fn) != 0;
    for (size_t f = 0; same && f < nc; f++)
        same = p->raw[f + 1].addr == p->prev_callers[f];
    snprintf(p->prev_tid, sizeof p->prev_tid, "%s", p->tid);
    snprintf(p->prev_fn, sizeof p->prev_fn, "%s", b);
    p->prev_block = p->block;
    p->prev_ncallers = nc;
    for (size_t f = 0; f < nc; f++)
        p->prev_callers[f] = p->raw[f + 1].addr;
    if (same)
        p->prev_ncallers = 0;   /* a third call is a call again */
    return same;
}

static int pp_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* "name:event:" -- the sample's event token, or -1. */
static int pp_event_token(const char *s, size_t n, size_t *colon)
{
    if (n < 4 || s[n - 1] != ':')
        return -1;
    size_t c1 = SIZE_MAX;
    for (size_t i = 0; i + 1 < n; i++) {
        char ch = s[i];
        if (ch == ':') {
            if (c1 != SIZE_MAX || i == 0)
                return -1;
            c1 = i;
        } else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
                     || ch == '_' || ch == '.' || ch == '-'))
            return -1;
    }
    if (c1 == SIZE_MAX || c1 + 2 >= n)
        return -1;
    *colon = c1;
    return 0;
}

/* The next blank-separated token at or after *s: its start, *n its
** length (0 at the end); *s moves past it. */
static const char *pp_token(const char **s, size_t *n)
{
    const char *t = *s;
    while (pp_space(*t))
        t++;
    const char *e = t;
    while (*e && !pp_space(*e))
        e++;
    *n = (size_t)(e - t);
    *s = e;
    return t;
}

/* Does the line hold an event token (a sample's header)? */
int pf_perf_header(const char *s)
{
    size_t n, col;
    for (const char *t = pp_token(&s, &n); n > 0; t = pp_token(&s, &n))
        if (pp_event_token(t, n, &col) == 0)
            return 1;
    return 0;
}

static int pp_damaged(pp *p, const char *what)
{
    return pf_fail(p->c, "damaged perf script output: line %zu: %s", p->lineno, what);
}

/* The value of `key=` among the args, or NULL; *n its length. */
static const char *pp_arg(const char *args, const char *key, size_t *n)
{
    size_t kl = strlen(key), tn;
    const char *s = args;
    for (const char *t = pp_token(&s, &tn); tn > 0; t = pp_token(&s, &tn))
        if (tn > kl && strncmp(t, key, kl) == 0 && t[kl] == '=') {
            *n = tn - kl - 1;
            return t + kl + 1;
        }
    return NULL;
}

static int pp_header(pp *p, char *line)
{
    /* find the event token */
    const char *s = line, *ev = NULL, *args = NULL;
    size_t evn = 0, colon = 0, comm_end = 0;
    int seen_pid = 0;
    for (;;) {
        size_t tn, col;
        const char *t = pp_token(&s, &tn);
        if (tn == 0)
            break;
        if (!seen_pid && t[0] >= '0' && t[0] <= '9' && strspn(t, "0123456789/") >= tn) {
            seen_pid = 1;
            comm_end = (size_t)(t - line);
            snprintf(p->tid, sizeof p->tid, "%.*s", (int)(tn < 31 ? tn : 31), t);
        }
        if (pp_event_token(t, tn, &col) == 0) {
            ev = t;
            evn = tn - 1;
            colon = col;
            args = s;
            break;
        }
    }
    if (ev == NULL)
        return pp_damaged(p, "no GROUP:EVENT: in the sample's header");
    p->open = 1;
    p->header_line = p->lineno;
    p->nraw = 0;
    hp_buf_reset(&p->text);
    p->block = 0;
    p->allocs = 1;
    p->has_call_site = 0;
    char group[128], name[128];
    snprintf(group, sizeof group, "%.*s", (int)colon, ev);
    snprintf(name, sizeof name, "%.*s", (int)(evn - colon - 1), ev + colon + 1);
    p->kmem = strcmp(group, "kmem") == 0;
    p->skip = strstr(name, "free") != NULL || strstr(name, "__return") != NULL
              || (p->kmem && strncmp(name, "kmalloc", 7) != 0
                  && strncmp(name, "kmem_cache_alloc", 16) != 0);
    if (p->skip) {
        p->skipped++;
        return 0;
    }
    size_t n;
    const char *v;
    int64_t req = -1, size = -1, nmemb = 1;
    if ((v = pp_arg(args, "bytes_req", &n)) != NULL && pf_parse_count(v, n, &req) != 0)
        return pp_damaged(p, "bytes_req is not a count");
    if ((v = pp_arg(args, "size", &n)) != NULL && pf_parse_count(v, n, &size) != 0)
        return pp_damaged(p, "size is not a count");
    if ((v = pp_arg(args, "nmemb", &n)) != NULL && pf_parse_count(v, n, &nmemb) != 0)
        return pp_damaged(p, "nmemb is not a count");
    if (req < 0 && size >= 0) {
        if (nmemb > 0 && size > PF_MAX_COUNT / nmemb)
            return pp_damaged(p, "nmemb x size is over 2^53");
        req = size * nmemb;
    }
    p->block = req > 0 ? req : 0;
    if ((v = pp_arg(args, "call_site", &n)) != NULL) {
        if (n == 0 || n >= sizeof p->call_site)
            return pp_damaged(p, "call_site is empty or too long");
        memcpy(p->call_site, v, n);
        p->call_site[n] = '\0';
        p->has_call_site = 1;
    }
    if (p->c->cmd == NULL && !p->kmem && comm_end > 0) {
        size_t cn = comm_end;
        while (cn > 0 && pp_space(line[cn - 1]))
            cn--;
        const char *cs = line;
        while (pp_space(*cs) && cn > 0) {
            cs++;
            cn--;
        }
        if (cn > 0) {
            p->c->cmd = hp_xstrndup(cs, cn > 256 ? 256 : cn);
            for (char *q = p->c->cmd; *q; q++)
                if ((unsigned char)*q < 0x20 || *q == 0x7f)
                    *q = '?';
        }
    }
    if (p->kmem)
        p->c->kernel = 1;
    return 0;
}

/* "  ADDR SYMBOL (OBJECT)" -> raw frame */
static int pp_frame_line(pp *p, const char *line)
{
    const char *s = line;
    while (pp_space(*s))
        s++;
    const char *e = s;
    while ((*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f') || (*e >= 'A' && *e <= 'F'))
        e++;
    if (e == s || e - s > 16 || !pp_space(*e))
        return pp_damaged(p, "a frame line without an address");
    uint64_t addr = strtoull(s, NULL, 16);
    const char *sym = e;
    while (pp_space(*sym))
        sym++;
    size_t len = strlen(sym);
    while (len > 0 && pp_space(sym[len - 1]))
        len--;
    const char *mod = NULL;
    size_t modlen = 0, symlen = len;
    if (len >= 2 && sym[len - 1] == ')') {
        /* the last " (" opens the object */
        for (size_t i = len - 1; i-- > 0;)
            if (sym[i] == '(' && (i == 0 || pp_space(sym[i - 1]))) {
                mod = sym + i + 1;
                modlen = len - i - 2;
                symlen = i;
                break;
            }
    }
    while (symlen > 0 && pp_space(sym[symlen - 1]))
        symlen--;
    if (p->nraw >= PF_LIMIT_STACK)
        return pf_fail(p->c, "perf script output: the sample at line %zu has more than %zu frames"
                       " (the limit of a profile)", p->header_line, PF_LIMIT_STACK);
    pp_raw *r = HP_PUSH(p->raw, p->nraw, p->rawcap);
    r->addr = addr;
    r->sym = p->text.len;
    r->symlen = symlen;
    hp_buf_putn(&p->text, sym, symlen);
    r->mod = p->text.len;
    r->modlen = mod ? modlen : 0;
    if (mod)
        hp_buf_putn(&p->text, mod, modlen);
    return 0;
}

/* The object a frame names, as the database's binaries spell it: NULL
** for the kernel proper and for unknown or inlined objects. */
static void pp_module(const char *m, size_t n, char *buf, size_t cap, const char **out)
{
    *out = NULL;
    if (n == 0 || n >= cap - 4)
        return;
    if ((n == 17 && strncmp(m, "[kernel.kallsyms]", 17) == 0) || (n == 9 && strncmp(m, "[unknown]", 9) == 0)
        || (n == 7 && strncmp(m, "inlined", 7) == 0))
        return;
    if (m[0] == '[' && m[n - 1] == ']') {   /* a kernel module: [ext4] -> ext4.ko */
        snprintf(buf, cap, "%.*s.ko", (int)(n - 2), m + 1);
        *out = buf;
        return;
    }
    memcpy(buf, m, n);
    buf[n] = '\0';
    *out = buf;
}

static int pp_finish(pp *p)
{
    if (!p->open)
        return 0;
    p->open = 0;
    if (p->skip)
        return 0;
    pf_ctx *c = p->c;
    size_t start = 0, n = 0;
    if (p->nraw + 1 > p->idxcap) {
        p->idxcap = p->nraw + 1;
        p->idx = hp_xrealloc(p->idx, p->idxcap * sizeof *p->idx);
    }
    int inner_alloc = 1;
    if (!p->kmem && pp_nested(p)) {
        p->nested++;
        return 0;
    }
    if (p->has_call_site && p->nraw > 0) {
        /* start the stack at the call_site's frame when the chain has it */
        for (size_t i = 0; i < p->nraw; i++) {
            pp_raw *r = &p->raw[i];
            if (r->symlen == strlen(p->call_site)
                && memcmp(p->text.s + r->sym, p->call_site, r->symlen) == 0) {
                start = i;
                inner_alloc = 0;
                break;
            }
        }
    }
    if (p->nraw == 0 && p->has_call_site) {
        /* the call_site alone: an address, or symbol+offset */
        size_t f;
        const char *cs = p->call_site;
        if (cs[0] == '0' && cs[1] == 'x') {
            if (pf_intern_frame(c, p->in, strtoull(cs, NULL, 16), 1, NULL, cs, 0, &f) != 0)
                return -1;
        } else {
            if (pf_intern_frame(c, p->in, 0, 0, NULL, cs, 0, &f) != 0)
                return -1;
            pf_frame *fr = &c->fr[f];
            const char *plus = strrchr(cs, '+');
            if (!fr->has_symoff && fr->func && plus && plus[1] == '0' && plus[2] == 'x') {
                int64_t off;
                if (pf_parse_count(plus + 1, strlen(plus + 1), &off) != 0)
                    return pp_damaged(p, "call_site's offset is not a number");
                fr->has_symoff = 1;
                fr->symoff = (uint64_t)off;
            }
        }
        p->idx[n++] = f;
    }
    for (size_t i = start; i < p->nraw; i++) {
        pp_raw *r = &p->raw[i];
        const char *mod;
        char mbuf[PF_MAX_TEXT];
        size_t ml = r->modlen, mo = r->mod;
        int guessed = 0;
        if (ml == 7 && memcmp(p->text.s + mo, "inlined", 7) == 0) {
            /* an inlined frame lies in the object of the next real frame at
            ** its address; perf 6.1 sometimes prints an inline chain without
            ** that frame: then (not for the allocator's own frame) the
            ** caller's object is a guess the core checks by function name */
            size_t q;
            for (q = i + 1; q < p->nraw; q++)
                if (!(p->raw[q].modlen == 7 && memcmp(p->text.s + p->raw[q].mod, "inlined", 7) == 0))
                    break;
            if (q < p->nraw && (p->raw[q].addr == r->addr || i > 0)) {
                guessed = p->raw[q].addr != r->addr;
                ml = p->raw[q].modlen;
                mo = p->raw[q].mod;
            }
        }
        pp_module(p->text.s + mo, ml, mbuf, sizeof mbuf, &mod);
        char sym[PF_MAX_TEXT];
        snprintf(sym, sizeof sym, "%.*s", (int)r->symlen, p->text.s + r->sym);
        size_t f;
        /* the innermost frame of a uprobe (or a tracepoint outside its
        ** call_site) is the allocator's own */
        /* all ones: perf's mark of a frame it could not unwind, no address */
        int has = r->addr != UINT64_MAX;
        if (pf_intern_frame(c, p->in, has ? r->addr : 0, has, mod, sym, inner_alloc && i == 0,
                            &f) != 0)
            return -1;
        /* a user-space object's frame is printed as the offset in its file */
        if (has && mod && mod[0] == '/')
            c->fr[f].file_off = 1;
        if (guessed)
            c->fr[f].module_guessed = 1;
        p->idx[n++] = f;
    }
    p->samples++;
    int64_t bytes = p->block;
    return pf_intern_stack(c, p->in, p->idx, n, p->block, p->allocs, bytes);
}

int pf_read_perf(pf_ctx *c, FILE *f)
{
    pp p;
    memset(&p, 0, sizeof p);
    p.c = c;
    p.in = pf_intern_new();
    pf_lines r = { f, NULL, 0, 0, 0, 0, 0 };
    char *line;
    size_t len;
    int rc, status = -1;
    while ((rc = pf_next_line(&r, &line, &len)) == 0) {
        p.lineno++;
        if (r.partial) {
            pf_fail(c, "truncated perf script output: line %zu has no newline", p.lineno);
            goto out;
        }
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (memchr(line, '\0', len) != NULL) {
            pp_damaged(&p, "a NUL byte");
            goto out;
        }
        size_t sp = strspn(line, " \t");
        if (sp == len) {   /* blank: the end of a sample */
            if (pp_finish(&p) != 0)
                goto out;
            continue;
        }
        if (line[sp] == '#' && !p.open)
            continue;      /* perf script --header */
        const char *lost = strstr(line, " PERF_RECORD_LOST lost ");
        if (lost != NULL) {   /* perf script --show-lost-events */
            int64_t n;
            const char *v = lost + 23;
            if (pp_finish(&p) != 0)
                goto out;
            if (pf_parse_count(v, strspn(v, "0123456789"), &n) != 0) {
                pp_damaged(&p, "PERF_RECORD_LOST without a count");
                goto out;
            }
            c->lost = c->lost > PF_MAX_COUNT - n ? PF_MAX_COUNT : c->lost + n;
            continue;
        }
        /* a header names GROUP:EVENT: (its comm is right-aligned, so it may
        ** start with blanks too); any other line of an open sample is a frame */
        if (!pf_perf_header(line)) {
            if (!p.open) {
                pp_damaged(&p, "neither a sample's header (COMM PID ... GROUP:EVENT: ...) nor a frame");
                goto out;
            }
            if (!p.skip && pp_frame_line(&p, line) != 0)
                goto out;
            continue;
        }
        if (pp_finish(&p) != 0 || pp_header(&p, line) != 0)
            goto out;
    }
    if (rc < 0) {
        if (ferror(f))
            pf_fail(c, "cannot read the perf script output");
        else
            pf_fail(c, "perf script output: line %zu is longer than %zu bytes (the limit)",
                    p.lineno + 1, PF_LIMIT_LINE);
        goto out;
    }
    if (pp_finish(&p) != 0)
        goto out;
    if (p.samples == 0) {
        if (p.skipped > 0)
            pf_fail(c, "perf script output with no allocation event (%lld frees or other"
                    " events only): record uprobes on the allocators or kmem:kmalloc /"
                    " kmem:kmem_cache_alloc", (long long)p.skipped);
        else
            pf_fail(c, "perf script output with no sample");
        goto out;
    }
    if (pf_ready(c) != 0 || pf_intern_emit(c, p.in) != 0)
        goto out;
    status = 0;
out:
    free(r.buf);
    free(p.raw);
    free(p.idx);
    hp_buf_free(&p.text);
    pf_intern_free(c, p.in);
    return status;
}
