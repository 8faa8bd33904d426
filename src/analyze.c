/*
** analyze.c -- the `analyze` job (see analyze.h).
**
** Order matters for the "never a half-written database" rule: the writer
** is created first (so an unwritable output fails before minutes of DWARF
** reading), every binary is fully loaded and written inside the writer's
** transaction, and only st_commit() makes the file appear.  Any error
** aborts the writer, which deletes its temporary file.
*/
#include "analyze.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "debugfind.h"
#include "dwtypes.h"
#include "elfimg.h"
#include "layout.h"
#include "outfile.h"
#include "classes.h"
#include "report.h"
#include "sites.h"
#include "store.h"
#include "typeset.h"

char *an_default_out(const char *binary)
{
    const char *b = strrchr(binary, '/');
    b = b ? b + 1 : binary;
    if (*b == '\0')
        b = "out";
    return hp_xasprintf("%s.holeprof.db", b);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The site scan (sites.h: si_prepare, then si_attribute) runs in this
** thread while the main thread reads and stores the types: it needs no
** database, and on two cores it fills the time the type reader spends in
** its serial parts (decompression, SQLite inserts).  It paces itself by
** the type reader's progress (SI_PACE_PERMILLE): idle priority first, so
** that it takes those serial parts rather than slowing the readers down.
** Once the type set is final (scan_types), it attributes the sites to it
** while the main thread stores the same types; only writing the sites
** (si_finish) waits for the rows. */
typedef struct scan_thread {
    pthread_t th;
    int started;
    ei_image *img, *dwarf;
    si_opts so;
    si_job *job;
    hp_err err;
    int rc;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int threaded;               /* scan_main runs in its own thread */
    typeset *types;             /* set by scan_types */
    int no_types;               /* set by scan_join: none will come */
} scan_thread;

static void *scan_main(void *arg)
{
    scan_thread *t = arg;
    t->rc = si_prepare(t->img, t->dwarf, &t->so, &t->job, &t->err);
    if (t->rc != 0 || !t->threaded)
        return NULL;
    pthread_mutex_lock(&t->mu);
    while (t->types == NULL && !t->no_types)
        pthread_cond_wait(&t->cv, &t->mu);
    typeset *types = t->no_types ? NULL : t->types;
    pthread_mutex_unlock(&t->mu);
    if (types)
        si_attribute(t->job, types);
    return NULL;
}

static void scan_start(scan_thread *t, ei_image *img, ei_image *dwarf, const an_opts *o,
                       const _Atomic uint32_t *types_permille)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->img = img;
    t->dwarf = dwarf;
    t->so = (si_opts){ o->allocs, o->nallocs, o->alloc_config, o->jobs, types_permille };
    t->threaded = 1;
    t->started = pthread_create(&t->th, NULL, scan_main, t) == 0;
    if (!t->started) {
        t->threaded = 0;
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        t->so.types_permille = NULL;    /* nothing to pace against: */
        scan_main(t);                   /* scan now, in this thread */
    }
}

/* The type set is final: the scan may attribute its sites to it. */
static void scan_types(scan_thread *t, typeset *types)
{
    if (!t->started)
        return;                         /* si_finish attributes them */
    pthread_mutex_lock(&t->mu);
    t->types = types;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

/* Wait for the scan; returns si_prepare's status.  Without scan_types
** before, the scan ends without attributing. */
static int scan_join(scan_thread *t, hp_err *err)
{
    if (t->started) {
        pthread_mutex_lock(&t->mu);
        t->no_types = t->types == NULL;
        pthread_cond_signal(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->th, NULL);
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
    }
    t->started = 0;
    if (t->rc != 0 && err && !err->set)
        *err = t->err;
    return t->rc;
}

/* The one line saying how many types were left incomplete (ts_resolve,
** the loader), each for its own reason with the first one: a member's
** type declared but not defined, or in debug information not read (the
** first member); only the alignment of a member's type unknown (the first
** type); more members than HP_MAX_MEMBERS (TF_TRUNCATED) or types nested
** deeper than the loader follows (TF_DEEP): the first type by DIE offset.  A type counts under the first of these reasons that
** applies, truncation first. */
static void note_incomplete(const char *bin, typeset *ts, uint64_t count, const dt_result *res)
{
    enum { R_TRUNC, R_DEEP, R_UNREAD, R_DECL, R_ALIGN, R_N };
    static const char *const why[R_N] = {
        "more members than the limit of", "member types nested deeper than the limit of",
        "member types in debug information not read",
        "member types declared but not defined", "the alignment of a member's type unknown",
    };
    uint64_t n[R_N] = { 0 };
    const char *tn[R_N] = { 0 }, *mn[R_N] = { 0 };
    for (size_t i = 0; i < ts_count(ts); i++) {
        const ts_entry *e = ts_get(ts, i);
        const lay_type *t = &e->t;
        if (!(t->flags & TF_INCOMPLETE) || e->cu_count == 0)
            continue;
        int r = (t->flags & TF_TRUNCATED) ? R_TRUNC : (t->flags & TF_DEEP) ? R_DEEP : R_ALIGN;
        const char *m1 = NULL;
        for (uint32_t j = 0; r > R_UNREAD && j < t->nmembers; j++) {
            const lay_member *m = &t->members[j];
            if (!(m->flags & MF_INCOMPLETE) || (r == R_DECL && !(m->flags & MF_UNREAD)))
                continue;
            r = (m->flags & MF_UNREAD) ? R_UNREAD : R_DECL;
            m1 = m->name ? m->name : "(anonymous)";
        }
        if (n[r]++ == 0) {
            tn[r] = t->name ? t->name : "(anonymous)";
            mn[r] = m1;
        }
    }
    int kinds = 0;
    for (int r = 0; r < R_N; r++)
        kinds += n[r] > 0;
    hp_buf b = { 0 };
    hp_buf_printf(&b, "holeprof: %s: %llu types incomplete:", bin, (unsigned long long)count);
    const char *sep = " ";
    for (int r = 0; r < R_N; r++) {
        if (n[r] == 0)
            continue;
        hp_buf_printf(&b, "%s%s", sep, why[r]);
        if (r == R_TRUNC)
            hp_buf_printf(&b, " %d", HP_MAX_MEMBERS);
        else if (r == R_DEEP)
            hp_buf_printf(&b, " %d or with more than %d members", DT_TYPE_DEPTH, HP_MAX_MEMBERS);
        hp_buf_puts(&b, " (");
        if (kinds > 1)
            hp_buf_printf(&b, "%llu, ", (unsigned long long)n[r]);
        const char *fn = r == R_TRUNC ? res->truncated_name : r == R_DEEP ? res->deep_name : NULL;
        if (fn)
            hp_buf_printf(&b, "first: %s, DIE 0x%llx)", fn, (unsigned long long)
                          (r == R_TRUNC ? res->truncated_die : res->deep_die));
        else if (mn[r])
            hp_buf_printf(&b, "first: %s.%s)", tn[r], mn[r]);
        else
            hp_buf_printf(&b, "first: %s)", tn[r]);
        sep = "; ";
    }
    hp_text_clean(b.s);
    fprintf(stderr, "%s\n", b.s);
    hp_buf_free(&b);
}

/* ---- --update: the binaries already in the database ---- */

typedef struct an_known {
    int64_t id;
    char *path, *build_id, *debug_file;
    int dropped;
} an_known;

typedef struct an_update {
    an_known *k;
    size_t n, cap;
} an_update;

static void an_update_free(an_update *u)
{
    for (size_t i = 0; i < u->n; i++) {
        free(u->k[i].path);
        free(u->k[i].build_id);
        free(u->k[i].debug_file);
    }
    free(u->k);
    memset(u, 0, sizeof *u);
}

static char *an_col(sqlite3_stmt *st, int c)
{
    const unsigned char *t = sqlite3_column_text(st, c);
    return t ? hp_xstrdup((const char *)t) : NULL;
}

/* Copy the existing database at o->out into the writer, and list its
** binaries in u.  Nothing at o->out: nothing to copy. */
static int an_update_load(st_writer *w, const an_opts *o, an_update *u, hp_err *err)
{
    struct stat st;
    if (stat(o->out, &st) != 0 && errno == ENOENT)
        return 0;
    sqlite3 *db = NULL;
    if (st_open_read(o->out, &db, err) != 0)
        return -1;
    sqlite3_stmt *q = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "SELECT id, path, build_id, debug_file FROM binaries ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK) {
        hp_errf(err, o->out, "cannot read binaries: %s", sqlite3_errmsg(db));
        goto done;
    }
    int src;
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        an_known *k = HP_PUSH(u->k, u->n, u->cap);
        memset(k, 0, sizeof *k);
        k->id = sqlite3_column_int64(q, 0);
        k->path = an_col(q, 1);
        k->build_id = an_col(q, 2);
        k->debug_file = an_col(q, 3);
    }
    if (src != SQLITE_DONE) {
        hp_errf(err, o->out, "cannot read binaries: %s", sqlite3_errmsg(db));
        goto done;
    }
    rc = mrg_copy_into(st_writer_db(w), o->out, db, o->out, err);
done:
    sqlite3_finalize(q);
    sqlite3_close(db);
    return rc;
}

/* Two names of one file: the same string, or the same inode. */
static int an_same_path(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return 0;
    if (strcmp(a, b) == 0)
        return 1;
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* 1: this binary -- the same file, build-id and debug file -- is in the
** database already; 0: read it, after removing the rows of the binary it
** replaces (the same file, rebuilt or with another debug file); -1 error.
** A copy of a binary elsewhere (another path, the same build-id: a debug
** file under /usr/lib/debug and its program) is a binary of its own. */
static int an_update_check(st_writer *w, const an_opts *o, an_update *u, const ei_image *img,
                           const char *dwarf_path, hp_err *err)
{
    const char *bid = img->build_id_hex[0] ? img->build_id_hex : NULL;
    for (size_t i = 0; i < u->n && bid; i++)
        if (!u->k[i].dropped && u->k[i].build_id && strcmp(u->k[i].build_id, bid) == 0
            && an_same_path(u->k[i].path, img->path)
            && an_same_path(u->k[i].debug_file, dwarf_path))
            return 1;
    for (size_t i = 0; i < u->n; i++) {
        an_known *k = &u->k[i];
        if (k->dropped || !an_same_path(k->path, img->path))
            continue;
        if (mrg_drop_binary(st_writer_db(w), o->out, k->id, err) != 0)
            return -1;
        k->dropped = 1;
        if (!o->quiet)
            fprintf(stderr, "holeprof: %s: replaces binary %lld (build-id %s)\n", img->path,
                    (long long)k->id, k->build_id ? k->build_id : "none");
    }
    return 0;
}

/* ---- -r progress on a terminal ---- */

typedef struct an_progress {
    int on;
    size_t total, done, skipped, failed;
} an_progress;

static void an_progress_clear(const an_progress *p)
{
    if (p->on)
        fputs("\r\033[K", stderr);
}

static void an_progress_draw(const an_progress *p)
{
    if (p->on) {
        fprintf(stderr, "\r\033[Kholeprof: %zu/%zu binaries: %zu done, %zu skipped, %zu failed",
                p->done + p->skipped + p->failed, p->total, p->done, p->skipped, p->failed);
        fflush(stderr);
    }
}

/* Returns 0 analyzed, 1 skipped (-r: no debug info and the like), 2
** unchanged (--update), 3 failed (-r: could not be opened), -1 error. */
static int one_binary(st_writer *w, const char *bin, const an_opts *o, int last,
                      an_update *up, hp_err *err)
{
    double t0 = now();
    ei_image *img = NULL, *dimg = NULL, *aimg = NULL;
    char *dwarf_path = NULL, *alt_path = NULL;
    int64_t *type_ids = NULL;  /* of the stored types, for the site scan */
    dt_result res;
    memset(&res, 0, sizeof res);
    int rc = -1;
    scan_thread scan;
    memset(&scan, 0, sizeof scan);
    int scanning = 0, failed = 0;

    if (ei_open(bin, &img, err) != 0) {
        if (o->recursive) {
            failed = 1;
            goto skip;
        }
        goto out;
    }
    df_opts dfo = { o->debug_file, o->debug_dirs, o->ndebug_dirs, o->no_system_dirs,
                    o->quiet, bin };
    df_how how = DF_EMBEDDED;
    if (df_locate(img, &dfo, &dwarf_path, &how, err) != 0) {
        if (o->recursive)
            goto skip;
        goto out;
    }

    if (up != NULL) {
        int u = an_update_check(w, o, up, img, dwarf_path, err);
        if (u < 0)
            goto out;
        if (u > 0) {
            if (!o->quiet)
                fprintf(stderr, "holeprof: %s: unchanged (build-id %s, debug info %s), skipped\n",
                        bin, img->build_id_hex, dwarf_path);
            rc = 2;
            goto out;
        }
    }

    /* the DWARF file is opened (and decompressed) once, for the types
    ** and the allocation sites */
    if (how != DF_EMBEDDED && ei_open(dwarf_path, &dimg, err) != 0)
        goto unreadable;
    /* a dwz'd debug file shares DIEs and strings with a supplementary
    ** file; without it those are unknown: the types that need them are
    ** incomplete, or left out when their names are there (dwtypes counts
    ** them), never guessed */
    char *alt_why = NULL;
    int alt_rc = df_locate_alt(dimg ? dimg : img, &dfo, &alt_path, &alt_why);
    if (alt_rc == 0 && ei_open(alt_path, &aimg, err) != 0) {
        free(alt_why);
        goto unreadable;
    }
    (dimg ? dimg : img)->alt = aimg;    /* for the type reader and the site scan */
    if (dimg)
        dimg->origin = img->path;       /* split DWARF: BINARY.dwp, .dwo beside it */
    /* said after the types are read, with what it cost */
    /* the type reader's progress, which the scan paces itself by */
    _Atomic uint32_t types_permille;
    atomic_init(&types_permille, 0);
    if (!o->no_sites) {
        scan_start(&scan, img, dimg ? dimg : img, o, &types_permille);
        scanning = 1;
    }
    dt_opts dto;
    memset(&dto, 0, sizeof dto);
    dto.image = dimg ? dimg : img;
    dto.cacheline = o->cacheline;
    dto.jobs = o->jobs;
    dto.progress = !o->quiet && hp_verbose && isatty(2);
    dto.skip_functions = o->skip_functions;
    dto.exact_dedup = o->exact_dedup;
    dto.progress_permille = &types_permille;
    if (dt_load(dwarf_path, &dto, &res, err) != 0) {
        free(alt_why);
        goto unreadable;
    }
    if (res.missing_sigs)
        /* the types that need them are incomplete, said with the others */
        fprintf(stderr, "holeprof: %s: warning: %llu references to type units "
                "(-fdebug-types-section) that no unit of the file defines: those types are "
                "missing; the types that need them are incomplete\n", dwarf_path,
                (unsigned long long)res.missing_sigs);
    if (alt_rc == 2 || (res.unresolved && !res.missing_sigs)) {
        /* the types that need it are incomplete (said with the others,
        ** below); those whose very names are in it are left out */
        fprintf(stderr, "holeprof: %s: warning: %s%s; the types that need it are incomplete",
                dwarf_path, alt_rc == 2 ? "its supplementary debug file (dwz) cannot be used: "
                : "it refers to a supplementary debug file (dwz) it does not name",
                alt_rc == 2 ? alt_why : "");
        if (res.unresolved)
            fprintf(stderr, ", %llu left out: their names are in it%s%s%s",
                    (unsigned long long)res.unresolved, res.first_unresolved ? " (first: " : "",
                    res.first_unresolved ? res.first_unresolved : "",
                    res.first_unresolved ? ")" : "");
        fputc('\n', stderr);
    }
    if (res.split_missing)
        /* the types that need them are incomplete, said with the others */
        fprintf(stderr, "holeprof: %s: warning: %llu of %llu split DWARF units (-gsplit-dwarf) "
                "not read: %s; their types are missing%s\n", dwarf_path,
                (unsigned long long)res.split_missing, (unsigned long long)res.split_units,
                res.split_first ? res.split_first : "?",
                ts_count(res.types) == 0 ? ", no types read at all"
                : ", the types that need them are incomplete");
    free(alt_why);
    hp_phase("types read");
    if (scanning)
        scan_types(&scan, res.types);

    st_binary_info bi;
    memset(&bi, 0, sizeof bi);
    bi.path = img->path;
    bi.build_id = img->build_id_hex[0] ? img->build_id_hex : NULL;
    bi.arch = img->arch;
    bi.debug_file = dwarf_path;
    bi.debug_how = df_how_name(how);
    bi.producer = res.producer;
    bi.cacheline = o->cacheline;
    bi.cu_count = res.units;
    bi.die_count = res.dies;
    int64_t binary_id = 0;
    if (st_add_binary(w, &bi, &binary_id, err) != 0)
        goto out;

    size_t n = ts_count(res.types);
    size_t with_holes = 0;
    type_ids = hp_xmalloc((n + 1) * sizeof *type_ids);
    st_type_row *rows = hp_xmalloc((n + 1) * sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        ts_entry *e = ts_get(res.types, i);
        rows[i] = (st_type_row){ &e->t, e->cu_count, e->order };
        if (!(e->t.flags & TF_INCOMPLETE) && e->t.hole_bytes + e->t.tail_padding > 0)
            with_holes++;
    }
    st_set_busy(w, scanning);   /* the scan attributes sites meanwhile */
    int trc = st_add_types(w, binary_id, rows, n, type_ids, err);
    free(rows);
    if (trc != 0)
        goto out;
    for (size_t i = 0; i < ts_alias_count(res.types); i++) {
        const char *alias, *target;
        ts_alias_get(res.types, i, &alias, &target);
        if (st_add_alias(w, binary_id, alias, target, err) != 0)
            goto out;
    }
    hp_phase("types stored");
    /* the bulk of the database is written: out to the file with it, so
    ** the disk works while the indexes and the sites are made */
    if (st_flush(w, err) != 0)
        goto out;
    hp_phase("types written out");
    /* no more types will come: index them while the site scan ends */
    if (last && scanning && st_build_indexes(w, err) != 0)
        goto out;
    /* allocation sites: after the types, which attribution maps onto */
    si_stats sst;
    memset(&sst, 0, sizeof sst);
    if (scanning) {
        scanning = 0;
        int jrc = scan_join(&scan, err);
        hp_phase("site scan joined");
        if (jrc != 0 ||
            si_finish(scan.job, st_writer_db(w), binary_id, res.types, type_ids, &sst, err) != 0)
            goto out;
        if (!o->quiet)
            fprintf(stderr, "holeprof: %s: %llu allocation sites (%llu typed, %llu ambiguous), "
                    "%llu wrappers, %llu of %llu functions disassembled%s, %.2f s\n", bin,
                    (unsigned long long)sst.sites, (unsigned long long)sst.typed,
                    (unsigned long long)sst.ambiguous, (unsigned long long)sst.wrappers,
                    (unsigned long long)sst.analyzed, (unsigned long long)sst.functions,
                    sst.no_arch ? " (no disassembler for this architecture)" : "", sst.seconds);
    }
    if (!o->quiet)
        fprintf(stderr, "holeprof: %s: %zu types (%zu with padding) from %llu units, "
                "%llu DIEs, debug info: %s (%s), %.2f s\n",
                bin, n, with_holes, (unsigned long long)res.units,
                (unsigned long long)res.dies, dwarf_path, df_how_name(how), now() - t0);
    if (!o->quiet && res.incomplete > 0)
        note_incomplete(bin, res.types, res.incomplete, &res);
    if (!o->quiet && res.out_of_range > 0)
        fprintf(stderr, "holeprof: %s: %llu type%s skipped: a size or offset beyond 2^48 bytes"
                " (first: DIE 0x%llx in %s)\n", bin, (unsigned long long)res.out_of_range,
                res.out_of_range == 1 ? "" : "s", (unsigned long long)res.out_of_range_die,
                dwarf_path);
    if (!o->quiet && n == 0)
        fprintf(stderr, "holeprof: %s: the DWARF (%s) has %llu units but no struct, class or"
                " union definition\n", bin, dwarf_path, (unsigned long long)res.units);
    rc = 0;
out:
    if (scanning)
        scan_join(&scan, NULL);     /* before its images close */
    si_job_free(scan.job);
    free(type_ids);
    if (res.types)
        ts_free(res.types);
    free(res.producer);
    free(res.first_unresolved);
    free(res.split_first);
    free(res.truncated_name);
    free(res.deep_name);
    free(dwarf_path);
    free(alt_path);
    if (aimg)
        ei_close(aimg);
    if (dimg)
        ei_close(dimg);
    if (img)
        ei_close(img);
    return rc;
skip:
    /* --recursive walks trees that hold stripped files without debug
    ** packages and the like: note them and go on */
    if (!o->quiet)
        fprintf(stderr, "holeprof: skipped %s\n", err->msg);
    memset(err, 0, sizeof *err);
    rc = failed ? 3 : 1;
    goto out;
unreadable:
    /* nothing of this binary is in the database yet: under -r a file
    ** whose debug info cannot be read is one failure, not the whole run */
    if (!o->recursive)
        goto out;
    failed = 1;
    goto skip;
}

/* ---- --recursive: directories become the ELF files below them ---- */

/* 1 an ELF file, 0 not, -1 it cannot be read (errno set) */
static int is_elf_file(const char *path)
{
    unsigned char m[4];
    /* O_NONBLOCK: lstat said regular, but the node may have changed since */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, m, sizeof m);
    int e = errno;
    close(fd);
    if (n < 0) {
        errno = e;
        return -1;
    }
    return n == 4 && m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory or file of a -r tree that cannot be read is skipped with a
** note (unless -q), like the ELF files without debug info: one corner of
** a tree must not cost the whole run. */
static void walk_note(const char *path, const char *what, int e, const an_opts *o)
{
    if (!o->quiet)
        fprintf(stderr, "holeprof: skipped %s: %s: %s\n", path, what, strerror(e));
}

/* Append the regular ELF files under dir (symlinks not followed, so a
** tree with loops ends) to *v, depth-first. */
static void walk_dir(const char *dir, char ***v, size_t *n, size_t *cap, int depth,
                     const an_opts *o)
{
    if (depth > 64)
        return;
    DIR *d = opendir(dir);
    if (d == NULL) {
        walk_note(dir, "cannot read directory", errno, o);
        return;
    }
    char **names = NULL;
    size_t nn = 0, ncap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        *HP_PUSH(names, nn, ncap) = hp_xasprintf("%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (nn > 1)
        qsort(names, nn, sizeof *names, cmp_str);   /* same order on every run */
    for (size_t i = 0; i < nn; i++) {
        struct stat st;
        if (lstat(names[i], &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                walk_dir(names[i], v, n, cap, depth + 1, o);
            } else if (S_ISREG(st.st_mode)) {
                int elf = is_elf_file(names[i]);
                if (elf < 0) {
                    walk_note(names[i], "cannot read", errno, o);
                } else if (elf) {
                    *HP_PUSH(*v, *n, *cap) = names[i];
                    names[i] = NULL;
                }
            }
        }
        free(names[i]);
    }
    free(names);
}

int an_run(const char **bins, size_t nbins, const an_opts *o, hp_err *err)
{
    char **list = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < nbins; i++) {
        struct stat st;
        if (o->recursive && stat(bins[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            walk_dir(bins[i], &list, &n, &cap, 0, o);
        } else {
            /* analyze prog -o prog would replace the program: never, even
            ** with --force */
            if (of_same_file(bins[i], o->out)) {
                hp_errf(err, o->out, "is also an input BINARY; refusing to write the database"
                        " over it");
                goto fail;
            }
            *HP_PUSH(list, n, cap) = hp_xstrdup(bins[i]);
        }
    }
    if (n == 0) {
        hp_errf(err, nbins ? bins[0] : NULL, "no ELF files found");
        goto fail;
    }
    st_writer *w = NULL;
    if (st_create_ex(o->out, o->force ? ST_FORCE : 0, &w, err) != 0)
        goto fail;
    an_update up = { 0 };
    if (o->update && an_update_load(w, o, &up, err) != 0) {
        an_update_free(&up);      /* the binaries read before the failure */
        st_abort(w);
        goto fail;
    }
    an_progress pg = { !o->quiet && (o->recursive || n > 1) && isatty(2), n, 0, 0, 0 };
    size_t done = 0, unchanged = 0;
    for (size_t i = 0; i < n; i++) {
        an_progress_clear(&pg);
        int r = one_binary(w, list[i], o, i + 1 == n, o->update ? &up : NULL, err);
        if (r < 0) {
            an_progress_clear(&pg);
            an_update_free(&up);
            st_abort(w);
            goto fail;
        }
        done += r == 0;
        unchanged += r == 2;
        pg.done += r == 0;
        pg.skipped += r == 1 || r == 2;
        pg.failed += r == 3;
        an_progress_draw(&pg);
    }
    an_progress_clear(&pg);
    if (o->update && done == 0 && unchanged > 0) {
        /* nothing new: the database stays as it is, not rewritten */
        an_update_free(&up);
        st_abort(w);
        if (!o->quiet)
            fprintf(stderr, "holeprof: %s is up to date (%zu binar%s unchanged)\n", o->out,
                    unchanged, unchanged == 1 ? "y" : "ies");
        if (o->wrote)
            *o->wrote = 0;
        for (size_t i = 0; i < n; i++)
            free(list[i]);
        free(list);
        return HP_EXIT_OK;
    }
    an_update_free(&up);
    if (done == 0) {
        st_abort(w);
        hp_errf(err, list[0], "no file with debug info among %zu ELF files", n);
        goto fail;
    }
    /* allocator classes for every size the ranking views ask about */
    if (cl_fill(st_writer_db(w), o->out, err) != 0) {
        st_abort(w);
        goto fail;
    }
    hp_phase("allocator classes filled");
    if (st_commit(w, err) != 0)
        goto fail;
    hp_phase("committed");
    if (o->wrote)
        *o->wrote = 1;
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
    return HP_EXIT_OK;
fail:
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
    return HP_EXIT_ERROR;
}
