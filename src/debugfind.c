/*
** debugfind.c -- implementation of debugfind.h: find the file that holds
** a binary's DWARF.
**
** Contract (see debugfind.h for the search order): a candidate is only
** accepted after it has been opened as ELF and checked -- same build-id
** for build-id and --debug-file candidates, matching CRC32 of the whole
** file for .gnu_debuglink candidates -- and it carries .debug_info.  A
** candidate that merely does not exist, or is the wrong file, is noted and
** the search goes on; a candidate that exists with the right identity but
** cannot be read as ELF is an error, because silently skipping it would
** send the user looking for a package that is already installed.
** When nothing fits, the one-line error lists every path tried.
** df_locate_alt finds a dwz supplementary file the same way (by the name
** the debug file gives it -- a name under /usr/lib/debug also under each
** --debug-dir -- then by its build-id).  debuginfod comes last
** for both, and only when DEBUGINFOD_URLS is set: a local file is never
** replaced by a download.
*/
#include "debugfind.h"

#include <elfutils/debuginfod.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DF_SYSTEM_DIR "/usr/lib/debug"

const char *df_how_name(df_how how)
{
    switch (how) {
    case DF_EMBEDDED:  return "embedded";
    case DF_GIVEN:     return "given";
    case DF_BUILD_ID:  return "build-id";
    case DF_DEBUGLINK: return "debuglink";
    case DF_DEBUGINFOD: return "debuginfod";
    }
    return "unknown";
}

static int is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* CRC32 of a whole file, streamed: debug files can be gigabytes. */
static int file_crc32(const char *path, uint32_t *crc, hp_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hp_errf(err, path, "%s", strerror(errno));
    enum { BUFSZ = 1 << 16 };
    unsigned char *buf = hp_xmalloc(BUFSZ);
    uLong c = crc32(0L, Z_NULL, 0);
    for (;;) {
        ssize_t n = read(fd, buf, BUFSZ);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return hp_errf(err, path, "%s", strerror(e));
        }
        if (n == 0)
            break;
        c = crc32(c, buf, (uInt)n);
    }
    free(buf);
    close(fd);
    *crc = (uint32_t)c;
    return 0;
}

/* The real directory of the binary, so a symlink such as /usr/bin/python3
** leads to the debug files of what it points at. */
static char *binary_dir(const char *path)
{
    char *real = realpath(path, NULL);
    const char *p = real ? real : path;
    const char *slash = strrchr(p, '/');
    char *dir;
    if (slash == NULL)
        dir = hp_xstrdup(".");
    else if (slash == p)
        dir = hp_xstrdup("/");
    else
        dir = hp_xstrndup(p, (size_t)(slash - p));
    free(real);
    return dir;
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a);
    int slash = la > 0 && a[la - 1] == '/';
    if (b[0] == '/')
        b++;
    return hp_xasprintf("%s%s%s", a, slash ? "" : "/", b);
}

/* Has the candidate the identity we need?  1 yes, 0 no (reason in why),
** -1 error (unreadable or not ELF). */
static int check_candidate(const ei_image *img, const char *path, int need_build_id,
                           const char **why, hp_err *err)
{
    ei_image *dbg;
    if (ei_open(path, &dbg, err))
        return -1;
    int ok = 1;
    if (need_build_id && strcmp(dbg->build_id_hex, img->build_id_hex) != 0) {
        *why = "build-id differs";
        ok = 0;
    } else if (!need_build_id && img->build_id_hex[0] && dbg->build_id_hex[0]
               && strcmp(dbg->build_id_hex, img->build_id_hex) != 0) {
        *why = "build-id differs";
        ok = 0;
    } else if (!dbg->has_dwarf) {
        *why = "no .debug_info";
        ok = 0;
    }
    ei_close(dbg);
    return ok;
}

/* ---- debuginfod ---- */

/* A server failed once (down, too slow): the rest of the run does not
** wait for it again (analyze -r over a tree would wait per binary). */
static pthread_mutex_t dfi_mu = PTHREAD_MUTEX_INITIALIZER;
static int dfi_failed;

typedef struct dfi_ctx {
    int tty;                    /* draw the progress line */
    int drawn;
    const char *label, *what;
} dfi_ctx;

/* Called by libdebuginfod while it receives (a: bytes so far, b: the size
** when the server said it); nonzero would stop the fetch. */
static int dfi_progress(debuginfod_client *c, long a, long b)
{
    dfi_ctx *x = debuginfod_get_user_data(c);
    if (x->tty) {
        char got[32], size[40] = "";
        if (a < 1000000)
            snprintf(got, sizeof got, "%ld KB", (a + 999) / 1000);
        else
            snprintf(got, sizeof got, "%.1f MB", (double)a / 1e6);
        if (b > 0 && b >= a)
            snprintf(size, sizeof size, " of %.1f MB", (double)b / 1e6);
        fprintf(stderr, "\r\033[Kholeprof: %s: fetching %s from debuginfod: %s%s", x->label,
                x->what, got, size);
        fflush(stderr);
        x->drawn = 1;
    }
    return 0;
}

/* libdebuginfod takes its time limit from DEBUGINFOD_TIMEOUT only (seconds
** without a byte, while connecting and receiving; each of its retries
** waits as long again), default 90 s.  When the user has not set it,
** holeprof's default is set there, once, before the first fetch -- which
** runs before analyze starts any thread. */
static pthread_once_t dfi_once = PTHREAD_ONCE_INIT;
static long dfi_timeout;

static void dfi_init(void)
{
    const char *s = getenv("DEBUGINFOD_TIMEOUT");
    char *end = NULL;
    long v = s && *s ? strtol(s, &end, 10) : 0;
    if (s == NULL || *s == '\0' || end == NULL || *end != '\0' || v <= 0) {
        char buf[32];
        snprintf(buf, sizeof buf, "%d", DF_DEBUGINFOD_TIMEOUT);
        setenv("DEBUGINFOD_TIMEOUT", buf, 1);
        v = DF_DEBUGINFOD_TIMEOUT;
    }
    dfi_timeout = v;
}

static const char *dfi_urls(void)
{
    const char *u = getenv("DEBUGINFOD_URLS");
    if (u == NULL)
        return NULL;
    for (const char *p = u; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n')
            return u;
    return NULL;
}

/* Fetch the debug file with build-id `hex` (what: "debug info" or "the
** dwz supplementary file") through debuginfod.  0 with *path (malloc'd,
** in the client's cache); 1 not there or not asked, with *why (malloc'd)
** when a server was asked; 2 a server failed: noted on stderr once, *why
** set. */
static int dfi_fetch(const char *hex, const df_opts *opts, const char *what, char **path,
                     char **why)
{
    *path = NULL;
    *why = NULL;
    const char *urls = dfi_urls();
    if (urls == NULL || strlen(hex) < 2)
        return 1;
    pthread_mutex_lock(&dfi_mu);
    int failed = dfi_failed;
    pthread_mutex_unlock(&dfi_mu);
    if (failed) {
        *why = hp_xasprintf("debuginfod (%s): not asked, it failed before", urls);
        return 1;
    }
    pthread_once(&dfi_once, dfi_init);
    debuginfod_client *c = debuginfod_begin();
    if (c == NULL) {
        *why = hp_xasprintf("debuginfod: cannot start a client");
        return 2;
    }
    dfi_ctx x;
    memset(&x, 0, sizeof x);
    x.tty = !opts->quiet && hp_verbose && isatty(2);
    x.label = opts->label ? opts->label : hex;
    x.what = what;
    debuginfod_set_user_data(c, &x);
    debuginfod_set_progressfn(c, dfi_progress);
    char *p = NULL;
    int fd = debuginfod_find_debuginfo(c, (const unsigned char *)hex, 0, &p);
    debuginfod_end(c);
    if (x.drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    if (fd >= 0) {
        close(fd);
        if (p != NULL) {
            *path = p;
            return 0;
        }
        *why = hp_xasprintf("debuginfod (%s): no cache path for the file", urls);
        return 2;
    }
    free(p);
    if (fd == -ENOENT) {
        *why = hp_xasprintf("debuginfod (%s): not found", urls);
        return 1;
    }
    char *msg = fd == -ETIME || fd == -ETIMEDOUT
        ? hp_xasprintf("no answer within %ld s (DEBUGINFOD_TIMEOUT)", dfi_timeout)
        : hp_xstrdup(strerror(-fd));
    fprintf(stderr, "holeprof: %s: note: debuginfod (%s): %s; not asked again\n", x.label,
            urls, msg);
    pthread_mutex_lock(&dfi_mu);
    dfi_failed = 1;
    pthread_mutex_unlock(&dfi_mu);
    *why = hp_xasprintf("debuginfod (%s): %s", urls, msg);
    free(msg);
    return 2;
}

static int locate_given(const ei_image *img, const char *path, char **dwarf_path,
                        hp_err *err)
{
    ei_image *dbg;
    if (ei_open(path, &dbg, err))
        return -1;
    int rc = 0;
    if (img->build_id_hex[0] && dbg->build_id_hex[0]
        && strcmp(img->build_id_hex, dbg->build_id_hex) != 0)
        rc = hp_errf(err, path, "debug file does not match %s: its build-id is %s, the "
                     "binary's is %s", img->path, dbg->build_id_hex, img->build_id_hex);
    else if (!dbg->has_dwarf)
        rc = hp_errf(err, path, "debug file has no DWARF debug info (.debug_info)");
    ei_close(dbg);
    if (rc == 0)
        *dwarf_path = hp_xstrdup(path);
    return rc;
}

int df_locate(const ei_image *img, const df_opts *opts, char **dwarf_path,
              df_how *how, hp_err *err)
{
    static const df_opts none = {0};
    if (opts == NULL)
        opts = &none;
    *dwarf_path = NULL;

    if (opts->debug_file) {
        *how = DF_GIVEN;
        return locate_given(img, opts->debug_file, dwarf_path, err);
    }
    if (img->has_dwarf) {
        *how = DF_EMBEDDED;
        *dwarf_path = hp_xstrdup(img->path);
        return 0;
    }

    /* Debug roots in search order. */
    size_t nroots = opts->ndebug_dirs + (opts->no_system_dirs ? 0 : 1);
    const char **roots = hp_xcalloc(nroots ? nroots : 1, sizeof *roots);
    for (size_t i = 0; i < opts->ndebug_dirs; i++)
        roots[i] = opts->debug_dirs[i];
    if (!opts->no_system_dirs)
        roots[nroots - 1] = DF_SYSTEM_DIR;

    hp_buf tried = {0};     /* for the final message */
    int rc = -1;
    char *found = NULL;

    /* 1. by build-id: ROOT/.build-id/NN/REST.debug */
    size_t idlen = strlen(img->build_id_hex);
    if (idlen > 2 && nroots == 0) {
        hp_buf_printf(&tried, "build-id %s: no debug directory to search", img->build_id_hex);
    } else if (idlen > 2) {
        hp_buf_printf(&tried, "build-id %s not found in ", img->build_id_hex);
        for (size_t r = 0; r < nroots && found == NULL; r++) {
            char *rel = hp_xasprintf(".build-id/%.2s/%s.debug", img->build_id_hex,
                                     img->build_id_hex + 2);
            char *cand = join(roots[r], rel);
            free(rel);
            const char *why = NULL;
            if (r > 0)
                hp_buf_puts(&tried, ", ");
            hp_buf_puts(&tried, cand);
            if (is_regular(cand)) {
                int ok = check_candidate(img, cand, 1, &why, err);
                if (ok < 0) {
                    free(cand);
                    goto out;
                }
                if (ok) {
                    found = cand;
                    *how = DF_BUILD_ID;
                    break;
                }
                hp_buf_printf(&tried, " (%s)", why);
            }
            free(cand);
        }
    }

    /* 2. by .gnu_debuglink: next to the binary, in .debug/, under each
    ** root + the binary's directory; the CRC must match. */
    if (found == NULL && img->debuglink) {
        char *dir = binary_dir(img->path);
        size_t ncand = 2 + nroots;
        if (tried.len)
            hp_buf_puts(&tried, "; ");
        hp_buf_printf(&tried, "debuglink %s not found in ", img->debuglink);
        for (size_t k = 0; k < ncand && found == NULL; k++) {
            char *cand;
            if (k == 0) {
                cand = join(dir, img->debuglink);
            } else if (k == 1) {
                char *d = join(dir, ".debug");
                cand = join(d, img->debuglink);
                free(d);
            } else {
                char *d = join(roots[k - 2], dir);
                cand = join(d, img->debuglink);
                free(d);
            }
            if (k > 0)
                hp_buf_puts(&tried, ", ");
            hp_buf_puts(&tried, cand);
            /* the binary itself may share the debuglink's name */
            char *rc_real = realpath(cand, NULL), *img_real = realpath(img->path, NULL);
            int self = rc_real && img_real && strcmp(rc_real, img_real) == 0;
            free(rc_real);
            free(img_real);
            if (!self && is_regular(cand)) {
                uint32_t crc = 0;
                const char *why = NULL;
                int ok;
                if (file_crc32(cand, &crc, err)) {
                    free(cand);
                    free(dir);
                    goto out;
                }
                if (crc != img->debuglink_crc) {
                    ok = 0;
                    why = "CRC mismatch";
                } else {
                    ok = check_candidate(img, cand, 0, &why, err);
                    if (ok < 0) {
                        free(cand);
                        free(dir);
                        goto out;
                    }
                }
                if (ok) {
                    found = cand;
                    *how = DF_DEBUGLINK;
                    break;
                }
                hp_buf_printf(&tried, " (%s)", why);
            } else if (self) {
                hp_buf_puts(&tried, " (the binary itself)");
            }
            free(cand);
        }
        free(dir);
    }

    /* 3. debuginfod, by build-id */
    if (found == NULL && idlen > 2) {
        char *p = NULL, *why = NULL;
        if (dfi_fetch(img->build_id_hex, opts, "debug info", &p, &why) == 0) {
            const char *bad = NULL;
            int ok = check_candidate(img, p, 1, &bad, err);
            if (ok < 0) {
                free(p);
                goto out;
            }
            if (ok) {
                found = p;
                p = NULL;
                *how = DF_DEBUGINFOD;
            } else {
                why = hp_xasprintf("debuginfod gave %s (%s)", p, bad);
            }
        }
        if (found == NULL && why) {
            if (tried.len)
                hp_buf_puts(&tried, "; ");
            hp_buf_puts(&tried, why);
        }
        free(p);
        free(why);
    }

    if (found) {
        *dwarf_path = found;
        rc = 0;
    } else if (tried.len == 0) {
        rc = hp_errf(err, img->path, "no DWARF debug info, and no build-id or "
                     ".gnu_debuglink to find a separate debug file; rebuild with -g, "
                     "install the matching -dbg or -dbgsym package or pass --debug-file");
    } else {
        /* hp_err holds one line of bounded size: shorten the list of paths
        ** rather than lose the advice at the end. */
        size_t used = strlen(img->path) + 120;
        size_t room = used + 64 < sizeof err->msg ? sizeof err->msg - used : 64;
        if (tried.len > room) {
            tried.len = room - 3;
            memcpy(tried.s + tried.len, "...", 4);
            tried.len += 3;
        }
        rc = hp_errf(err, img->path, "no DWARF debug info; %s; install the matching -dbg or "
                     "-dbgsym package or pass --debug-file", tried.s);
    }
out:
    hp_buf_free(&tried);
    free(roots);
    return rc;
}

/* Can the file at path be dbg's supplementary file?  NULL yes, else a
** malloc'd phrase saying why not; may_be_absent: "not found" is a
** reason, not an error. */
static char *alt_check(const ei_image *dbg, const char *path, int may_be_absent)
{
    size_t idlen = strlen(dbg->alt_build_id_hex);
    ei_image *alt = NULL;
    hp_err e2 = {0};
    char *detail = NULL;
    if (may_be_absent && !is_regular(path)) {
        detail = hp_xstrdup("not found");
    } else if (ei_open(path, &alt, &e2) != 0) {
        const char *m = e2.msg;
        size_t pl = strlen(path);
        if (strncmp(m, path, pl) == 0 && strncmp(m + pl, ": ", 2) == 0)
            m += pl + 2;
        detail = hp_xstrdup(m);
    } else if (idlen && alt->build_id_hex[0] &&
               strcmp(alt->build_id_hex, dbg->alt_build_id_hex) != 0) {
        detail = hp_xasprintf("build-id %s, the link wants %s", alt->build_id_hex,
                              dbg->alt_build_id_hex);
    } else if (!alt->has_dwarf) {
        detail = hp_xstrdup("no .debug_info");
    }
    ei_close(alt);
    return detail;
}

int df_locate_alt(const ei_image *dbg, const df_opts *opts, char **alt_path, char **why)
{
    static const df_opts none = {0};
    if (opts == NULL)
        opts = &none;
    *alt_path = NULL;
    *why = NULL;
    if (dbg->altlink == NULL)
        return 1;
    char *cands[66];
    size_t nc = 0;
    size_t sl = strlen(DF_SYSTEM_DIR);
    if (dbg->altlink[0] == '/') {
        cands[nc++] = hp_xstrdup(dbg->altlink);
        /* a path under the system directory, also under each --debug-dir:
        ** a debug tree unpacked elsewhere (another architecture's
        ** packages, dpkg-deb -x) names its dwz file as installed */
        if (strncmp(dbg->altlink, DF_SYSTEM_DIR, sl) == 0 && dbg->altlink[sl] == '/')
            for (size_t r = 0; r < opts->ndebug_dirs && nc < 33; r++)
                cands[nc++] = join(opts->debug_dirs[r], dbg->altlink + sl);
    } else {
        char *dir = binary_dir(dbg->path);
        cands[nc++] = join(dir, dbg->altlink);
        free(dir);
    }
    size_t idlen = strlen(dbg->alt_build_id_hex);
    if (idlen > 2) {
        for (size_t r = 0; r <= opts->ndebug_dirs && nc < 65; r++) {
            const char *root = r < opts->ndebug_dirs ? opts->debug_dirs[r]
                             : opts->no_system_dirs ? NULL : DF_SYSTEM_DIR;
            if (root == NULL)
                continue;
            char *rel = hp_xasprintf(".build-id/%.2s/%s.debug", dbg->alt_build_id_hex,
                                     dbg->alt_build_id_hex + 2);
            cands[nc++] = join(root, rel);
            free(rel);
        }
    }
    hp_buf tried = {0};
    int rc = 2;
    for (size_t i = 0; i < nc && rc != 0; i++) {
        char *detail = alt_check(dbg, cands[i], 1);
        if (detail == NULL) {
            *alt_path = cands[i];
            cands[i] = NULL;
            rc = 0;
            break;
        }
        if (tried.len)
            hp_buf_puts(&tried, "; ");
        hp_buf_printf(&tried, "%s: %s", cands[i], detail);
        free(detail);
    }
    if (rc != 0 && idlen > 2) {
        char *p = NULL, *dwhy = NULL;
        if (dfi_fetch(dbg->alt_build_id_hex, opts, "the dwz supplementary file", &p,
                      &dwhy) == 0) {
            char *detail = alt_check(dbg, p, 0);
            if (detail == NULL) {
                *alt_path = p;
                p = NULL;
                rc = 0;
            } else {
                dwhy = hp_xasprintf("debuginfod gave %s: %s", p, detail);
                free(detail);
            }
        }
        if (rc != 0 && dwhy) {
            if (tried.len)
                hp_buf_puts(&tried, "; ");
            hp_buf_puts(&tried, dwhy);
        }
        free(p);
        free(dwhy);
    }
    for (size_t i = 0; i < nc; i++)
        free(cands[i]);
    if (rc != 0)
        *why = hp_xstrdup(tried.len ? tried.s : dbg->altlink);
    hp_buf_free(&tried);
    return rc;
}
