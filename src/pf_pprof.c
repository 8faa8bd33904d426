/*
** pf_pprof.c -- a pprof profile (profile.proto), gzip'd or raw, as a
** stream (reader contract in pf_int.h).
**
** Read: Profile.sample_type (1: ValueType type 1, as string indexes),
** sample (2: location_id 1, value 2; packed or not), mapping (3: id 1,
** filename 5, build_id 6), location (4: id 1, mapping_id 2, address 3,
** line 4 -> function_id 1), function (5: id 1, name 2) and string_table
** (6).  Counts come from alloc_objects and alloc_space (Go's heap and
** allocs profiles; Go scales sampled values to estimates, exact with
** runtime.MemProfileRate = 1).  Only the protobuf wire format is needed:
** varints, fixed 32/64-bit values and length-delimited fields.
**
** Streaming: zlib reads the file (gzip'd, or as it is: gzread passes
** non-gzip data through), twice.  The first pass keeps the strings,
** sample types, mappings, functions and locations and skips the samples;
** the second hands each sample to the core.  One top-level message is
** read at a time, at most PF_LIMIT_MESSAGE bytes, and the whole stream at
** most PF_INFLATE_RATIO times the file's size (PF_INFLATE_MIN at least):
** a decompression bomb is refused with that bound in the message.
*/
#include "pf_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct pp_loc {
    uint64_t id, mapping, address, function, outer_function;
} pp_loc;

typedef struct pp_id {
    uint64_t id, name, build_id;
} pp_id;

typedef struct pp_in {
    pf_ctx *c;
    gzFile gz;
    uint64_t read, limit;
    unsigned char *msg;
    size_t msgcap;
} pp_in;

typedef struct pp_pb {
    const unsigned char *p, *end;
} pp_pb;

static int pp_bad(pf_ctx *c, const char *what)
{
    return pf_fail(c, "damaged pprof profile (%s)", what);
}

/* Next byte of the stream: 0..255, -1 at the end, -2 on an error (set). */
static int pp_byte(pp_in *in)
{
    unsigned char ch;
    int r = gzread(in->gz, &ch, 1);
    if (r == 1) {
        if (++in->read > in->limit) {
            pf_fail(in->c, "a pprof profile that inflates beyond %llu bytes (%d x its %llu"
                    " bytes, at least %llu): refused as a decompression bomb",
                    (unsigned long long)in->limit, PF_INFLATE_RATIO,
                    (unsigned long long)in->c->file_size, (unsigned long long)PF_INFLATE_MIN);
            return -2;
        }
        return ch;
    }
    if (r < 0) {
        pf_fail(in->c, "cannot decompress it (damaged gzip data)");
        return -2;
    }
    return -1;
}

static int pp_read(pp_in *in, unsigned char *buf, size_t n)
{
    if (in->read + n > in->limit || in->read + n < in->read) {
        pf_fail(in->c, "a pprof profile that inflates beyond %llu bytes (%d x its %llu bytes,"
                " at least %llu): refused as a decompression bomb",
                (unsigned long long)in->limit, PF_INFLATE_RATIO,
                (unsigned long long)in->c->file_size, (unsigned long long)PF_INFLATE_MIN);
        return -1;
    }
    size_t got = 0;
    while (got < n) {
        unsigned chunk = n - got > (1u << 30) ? 1u << 30 : (unsigned)(n - got);
        int r = gzread(in->gz, buf + got, chunk);
        if (r < 0)
            return pf_fail(in->c, "cannot decompress it (damaged gzip data)");
        if (r == 0)
            return pp_bad(in->c, "truncated");
        got += (size_t)r;
    }
    in->read += n;
    return 0;
}

/* A varint from the stream; 1 at a clean end (first byte), -1 on error. */
static int pp_svarint(pp_in *in, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        int ch = pp_byte(in);
        if (ch == -1 && shift == 0)
            return 1;
        if (ch < 0)
            return ch == -2 ? -1 : pp_bad(in->c, "truncated");
        v |= (uint64_t)(ch & 0x7f) << shift;
        if (!(ch & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return pp_bad(in->c, "a varint longer than 10 bytes");
}

static int pp_varint(pp_pb *b, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end)
            return -1;
        unsigned char c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Next field of a message in memory: 1 at the end, -1 malformed. */
static int pp_next(pp_pb *b, uint32_t *field, int *wt, uint64_t *val, pp_pb *sub)
{
    if (b->p >= b->end)
        return 1;
    uint64_t key, len;
    if (pp_varint(b, &key) != 0 || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
        return -1;
    *field = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    switch (*wt) {
    case 0:
        return pp_varint(b, val);
    case 1:
    case 5: {
        size_t n = *wt == 1 ? 8 : 4;
        if ((size_t)(b->end - b->p) < n)
            return -1;
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
            v |= (uint64_t)b->p[i] << (8 * i);
        b->p += n;
        *val = v;
        return 0;
    }
    case 2:
        if (pp_varint(b, &len) != 0 || len > (uint64_t)(b->end - b->p))
            return -1;
        sub->p = b->p;
        sub->end = b->p + len;
        b->p += len;
        return 0;
    default:
        return -1;   /* groups (3, 4) are not used by profile.proto */
    }
}

/* A repeated integer field, packed (wire type 2) or not: append to *v. */
static int pp_ints(int wt, uint64_t val, pp_pb *sub, uint64_t **v, size_t *n, size_t *cap)
{
    if (wt == 0) {
        if (*n >= PF_LIMIT_STACK)
            return -1;
        *HP_PUSH(*v, *n, *cap) = val;
        return 0;
    }
    if (wt != 2)
        return -1;
    while (sub->p < sub->end) {
        uint64_t x;
        if (pp_varint(sub, &x) != 0 || *n >= PF_LIMIT_STACK)
            return -1;
        *HP_PUSH(*v, *n, *cap) = x;
    }
    return 0;
}

/* The next top-level field: number and wire type; for wire type 2 the
** payload in *msg when want(field), else skipped; 1 at the end. */
static int pp_top(pp_in *in, uint32_t *field, int *wt, uint64_t *val, pp_pb *msg,
                  unsigned want_mask)
{
    uint64_t key, len;
    int r = pp_svarint(in, &key);
    if (r != 0)
        return r;
    if ((key >> 3) == 0 || (key >> 3) > UINT32_MAX)
        return pp_bad(in->c, "a field number out of range");
    *field = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    unsigned char tmp[8];
    switch (*wt) {
    case 0:
        r = pp_svarint(in, val);
        return r == 0 ? 0 : r < 0 ? -1 : pp_bad(in->c, "truncated");
    case 1:
    case 5:
        return pp_read(in, tmp, *wt == 1 ? 8 : 4);
    case 2:
        r = pp_svarint(in, &len);
        if (r != 0)
            return r < 0 ? -1 : pp_bad(in->c, "truncated");
        if (*field < 32 && (want_mask & (1u << *field))) {
            if (len > PF_LIMIT_MESSAGE)
                return pf_fail(in->c, "a pprof message of %llu bytes (the limit is %zu)",
                               (unsigned long long)len, PF_LIMIT_MESSAGE);
            /* an empty message still points into a buffer: NULL + 0 is
            ** undefined behaviour (UBSan, fz_dhat) */
            if (len > in->msgcap || in->msg == NULL) {
                in->msgcap = (size_t)len;
                in->msg = hp_xrealloc(in->msg, in->msgcap ? in->msgcap : 1);
            }
            if (len && pp_read(in, in->msg, (size_t)len) != 0)
                return -1;
            msg->p = in->msg;
            msg->end = in->msg + len;
            return 0;
        }
        /* skip through a scratch buffer */
        if (in->msgcap < 65536) {
            in->msgcap = 65536;
            in->msg = hp_xrealloc(in->msg, in->msgcap);
        }
        while (len > 0) {
            size_t n = len > in->msgcap ? in->msgcap : (size_t)len;
            if (pp_read(in, in->msg, n) != 0)
                return -1;
            len -= n;
        }
        msg->p = msg->end = in->msg;
        return 0;
    default:
        return pp_bad(in->c, "a wire type profile.proto does not use");
    }
}

static int pp_open(pp_in *in)
{
    in->gz = gzopen(in->c->file, "rb");
    if (in->gz == NULL)
        return pf_fail(in->c, "%s", strerror(errno ? errno : ENOMEM));
    gzbuffer(in->gz, 1 << 16);
    in->read = 0;
    uint64_t lim = in->c->file_size * (uint64_t)PF_INFLATE_RATIO;
    if (in->c->file_size && lim / in->c->file_size != (uint64_t)PF_INFLATE_RATIO)
        lim = UINT64_MAX;
    in->limit = lim > PF_INFLATE_MIN ? lim : PF_INFLATE_MIN;
    return 0;
}

static int pp_close(pp_in *in, int check)
{
    if (in->gz == NULL)
        return 0;
    int r = gzclose(in->gz);
    in->gz = NULL;
    /* gzread stops quietly at a truncated stream; gzclose reports it */
    if (check && r != Z_OK)
        return pf_fail(in->c, "cannot decompress it (truncated gzip data)");
    return 0;
}

static int pp_id_cmp(const void *a, const void *b)
{
    uint64_t x = ((const pp_id *)a)->id, y = ((const pp_id *)b)->id;
    return (x > y) - (x < y);
}

static int pp_loc_cmp(const void *a, const void *b)
{
    uint64_t x = ((const pp_loc *)a)->id, y = ((const pp_loc *)b)->id;
    return (x > y) - (x < y);
}

static char *pp_clean(const unsigned char *p, size_t n)
{
    if (n > HP_MAX_NAME)
        n = HP_MAX_NAME;
    char *s = hp_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = p[i] < 0x20 || p[i] == 0x7f ? '?' : (char)p[i];
    s[n] = '\0';
    return s;
}

int pf_read_pprof(pf_ctx *c, int gzipped)
{
    pp_in in = { c, NULL, 0, 0, NULL, 0 };
    pp_pb msg, sub, sub2;
    uint32_t field, f2;
    int wt, w2, r, status = -1;
    uint64_t val, v2;
    uint64_t *types = NULL;
    size_t ntypes = 0, tcap = 0;
    pp_id *maps = NULL, *funcs = NULL;
    size_t nmaps = 0, mcap = 0, nfuncs = 0, fcap = 0;
    pp_loc *locs = NULL;
    size_t nlocs = 0, lcap = 0;
    char **strs = NULL;
    size_t nstrs = 0, scap = 0;
    uint64_t *ids = NULL, *vals = NULL;
    size_t nids = 0, icap = 0, nvals = 0, vcap = 0, *fidx = NULL, fcap2 = 0;
    (void)gzipped;

    if (pp_open(&in) != 0)
        return -1;
    /* pass 1: everything but the samples */
    while ((r = pp_top(&in, &field, &wt, &val, &msg, (1u << 1) | (1u << 3) | (1u << 4)
                       | (1u << 5) | (1u << 6))) == 0) {
        if (field >= 1 && field <= 6 && wt != 2) {
            pp_bad(c, "a field of the wrong wire type");
            goto out;
        }
        if (wt != 2)
            continue;
        switch (field) {
        case 1:
            while ((r = pp_next(&msg, &f2, &w2, &v2, &sub)) == 0)
                if (f2 == 1 && w2 == 0)
                    *HP_PUSH(types, ntypes, tcap) = v2;
            if (r < 0) {
                pp_bad(c, "sample_type");
                goto out;
            }
            break;
        case 3:
        case 5: {
            pp_id x = { 0, 0, 0 };
            while ((r = pp_next(&msg, &f2, &w2, &v2, &sub)) == 0) {
                if (w2 == 0 && f2 == 1)
                    x.id = v2;
                else if (w2 == 0 && f2 == (field == 3 ? 5u : 2u))
                    x.name = v2;
                else if (w2 == 0 && field == 3 && f2 == 6)
                    x.build_id = v2;
            }
            if (r < 0) {
                pp_bad(c, field == 3 ? "mapping" : "function");
                goto out;
            }
            if ((field == 3 ? nmaps : nfuncs) >= PF_LIMIT_FRAMES) {
                pf_fail(c, "more than %zu %s (the limit of a profile)", PF_LIMIT_FRAMES,
                        field == 3 ? "mappings" : "functions");
                goto out;
            }
            if (field == 3)
                *HP_PUSH(maps, nmaps, mcap) = x;
            else
                *HP_PUSH(funcs, nfuncs, fcap) = x;
            break;
        }
        case 4: {
            pp_loc x = { 0, 0, 0, 0, 0 };
            while ((r = pp_next(&msg, &f2, &w2, &v2, &sub)) == 0) {
                if (w2 == 0 && f2 == 1)
                    x.id = v2;
                else if (w2 == 0 && f2 == 2)
                    x.mapping = v2;
                else if (w2 == 0 && f2 == 3)
                    x.address = v2;
                else if (w2 == 2 && f2 == 4) {
                    /* Lines: the first is the innermost inlined function, the last the
                    ** function the address is in */
                    pp_pb ln = sub;
                    uint32_t f3;
                    int w3;
                    uint64_t v3;
                    while ((r = pp_next(&ln, &f3, &w3, &v3, &sub2)) == 0)
                        if (f3 == 1 && w3 == 0) {
                            if (x.function == 0)
                                x.function = v3;
                            x.outer_function = v3;
                        }
                    if (r < 0)
                        break;
                }
            }
            if (r < 0) {
                pp_bad(c, "location");
                goto out;
            }
            if (nlocs >= PF_LIMIT_FRAMES) {
                pf_fail(c, "more than %zu locations (the limit of a profile)", PF_LIMIT_FRAMES);
                goto out;
            }
            *HP_PUSH(locs, nlocs, lcap) = x;
            break;
        }
        case 6:
            if (nstrs >= PF_LIMIT_FRAMES * 2) {
                pf_fail(c, "more than %zu strings (the limit of a profile)", PF_LIMIT_FRAMES * 2);
                goto out;
            }
            *HP_PUSH(strs, nstrs, scap) = pp_clean(msg.p, (size_t)(msg.end - msg.p));
            break;
        default:
            break;
        }
    }
    if (r < 0 || pp_close(&in, 1) != 0)
        goto out;
    long ia = -1, ib = -1;
    for (size_t i = 0; i < ntypes; i++) {
        const char *t = types[i] < nstrs ? strs[types[i]] : NULL;
        if (t && strcmp(t, "alloc_objects") == 0)
            ia = (long)i;
        else if (t && strcmp(t, "alloc_space") == 0)
            ib = (long)i;
    }
    if (ia < 0) {
        pf_fail(c, "a pprof profile without alloc_objects (not a Go heap or allocs profile)");
        goto out;
    }
    qsort(locs, nlocs, sizeof *locs, pp_loc_cmp);
    qsort(maps, nmaps, sizeof *maps, pp_id_cmp);
    qsort(funcs, nfuncs, sizeof *funcs, pp_id_cmp);
    for (size_t i = 0; i < nmaps; i++) {
        const char *bid = maps[i].build_id < nstrs ? strs[maps[i].build_id] : NULL;
        if (bid && bid[0])
            *HP_PUSH(c->build_ids, c->nbuild_ids, c->bidcap) = hp_xstrdup(bid);
        const char *fn = maps[i].name < nstrs ? strs[maps[i].name] : NULL;
        if (c->recorded_from == NULL && fn && fn[0])
            c->recorded_from = hp_xstrdup(fn);
    }
    for (size_t i = 0; i < nlocs; i++) {
        pf_frame *f = pf_add_frame(c);
        if (f == NULL)
            goto out;
        f->has_addr = locs[i].address != 0;
        f->addr = locs[i].address;
        pp_id key = { locs[i].mapping, 0, 0 }, *m = NULL, *fn = NULL, *outer = NULL;
        if (nmaps)
            m = bsearch(&key, maps, nmaps, sizeof *maps, pp_id_cmp);
        key.id = locs[i].function;
        if (nfuncs)
            fn = bsearch(&key, funcs, nfuncs, sizeof *funcs, pp_id_cmp);
        key.id = locs[i].outer_function;
        if (nfuncs)
            outer = bsearch(&key, funcs, nfuncs, sizeof *funcs, pp_id_cmp);
        const char *mod = m && m->name < nstrs ? strs[m->name] : NULL;
        f->module = mod && mod[0] ? mod : NULL;
        const char *name = fn && fn->name < nstrs ? strs[fn->name] : NULL;
        const char *oname = outer && outer->name < nstrs ? strs[outer->name] : NULL;
        if (oname && oname[0])
            f->func = hp_xstrdup(oname);
        f->text = hp_xasprintf("0x%llx: %.300s", (unsigned long long)locs[i].address,
                               name ? name : "?");
    }
    if (pf_ready(c) != 0)
        goto out;
    /* pass 2: the samples */
    if (pp_open(&in) != 0)
        goto out;
    while ((r = pp_top(&in, &field, &wt, &val, &msg, 1u << 2)) == 0) {
        if (field != 2 || wt != 2)
            continue;
        nids = nvals = 0;
        while ((r = pp_next(&msg, &f2, &w2, &v2, &sub)) == 0) {
            if (f2 == 1 && pp_ints(w2, v2, &sub, &ids, &nids, &icap) != 0)
                break;
            if (f2 == 2 && pp_ints(w2, v2, &sub, &vals, &nvals, &vcap) != 0)
                break;
        }
        if (r != 1 || nvals != ntypes) {
            pp_bad(c, nids >= PF_LIMIT_STACK ? "a stack deeper than the limit" : "sample");
            goto out;
        }
        int64_t objs = (int64_t)vals[ia], bytes = ib >= 0 ? (int64_t)vals[ib] : 0;
        if (objs == 0)
            continue;
        if (objs < 0 || objs > PF_MAX_COUNT || bytes < 0 || bytes > PF_MAX_COUNT) {
            pp_bad(c, "a count out of range");
            goto out;
        }
        size_t n = 0;
        for (size_t k = 0; k < nids; k++) {
            pp_loc key = { ids[k], 0, 0, 0, 0 };
            pp_loc *l = nlocs ? bsearch(&key, locs, nlocs, sizeof *locs, pp_loc_cmp) : NULL;
            if (l == NULL) {
                pp_bad(c, "a sample names a location that does not exist");
                goto out;
            }
            *HP_PUSH(fidx, n, fcap2) = (size_t)(l - locs);
        }
        /* Go buckets its samples by stack and size: bytes / objects is the block */
        int64_t block = bytes % objs == 0 ? bytes / objs : 0;
        if (pf_stack(c, fidx, n, objs, bytes, block, NULL, 0) != 0)
            goto out;
    }
    if (r < 0 || pp_close(&in, 1) != 0)
        goto out;
    status = 0;
out:
    pp_close(&in, 0);
    free(in.msg);
    free(types);
    free(maps);
    free(funcs);
    free(locs);
    free(ids);
    free(vals);
    free(fidx);
    pf_free_strings(c, strs, nstrs);
    return status;
}
