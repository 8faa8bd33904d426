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
** the debug file gives it, then by its build-id).
*/
#include "debugfind.h"

#include <errno.h>
#include <fcntl.h>
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
    if (dbg->altlink[0] == '/') {
        cands[nc++] = hp_xstrdup(dbg->altlink);
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
    for (size_t i = 0; i < nc; i++) {
        const char *problem = NULL;
        char *detail = NULL;
        ei_image *alt = NULL;
        hp_err e2 = {0};
        if (!is_regular(cands[i])) {
            problem = "not found";
        } else if (ei_open(cands[i], &alt, &e2) != 0) {
            const char *m = e2.msg;
            size_t pl = strlen(cands[i]);
            if (strncmp(m, cands[i], pl) == 0 && strncmp(m + pl, ": ", 2) == 0)
                m += pl + 2;
            detail = hp_xstrdup(m);
        } else if (idlen && alt->build_id_hex[0] &&
                   strcmp(alt->build_id_hex, dbg->alt_build_id_hex) != 0) {
            detail = hp_xasprintf("build-id %s, the link wants %s", alt->build_id_hex,
                                  dbg->alt_build_id_hex);
        } else if (!alt->has_dwarf) {
            problem = "no .debug_info";
        }
        ei_close(alt);
        if (problem == NULL && detail == NULL) {
            *alt_path = cands[i];
            cands[i] = NULL;
            rc = 0;
            break;
        }
        if (tried.len)
            hp_buf_puts(&tried, "; ");
        hp_buf_printf(&tried, "%s: %s", cands[i], detail ? detail : problem);
        free(detail);
    }
    for (size_t i = 0; i < nc; i++)
        free(cands[i]);
    if (rc != 0)
        *why = hp_xstrdup(tried.len ? tried.s : dbg->altlink);
    hp_buf_free(&tried);
    return rc;
}
