/*
** outfile.c -- implementation of outfile.h: planning an output path so
** that nothing of the user's is replaced, and writing through devices.
**
** Contract (outfile.h): of_plan_output() only inspects (lstat, stat,
** realpath, and reading the first bytes of an existing regular file to
** recognise a holeprof output); the write-through helpers open an
** existing node O_WRONLY without O_CREAT or O_TRUNC and refuse it if it
** has turned into a regular file in the meantime.
*/
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* PRAGMA application_id of a holeprof database (store.h's ST_APPLICATION_ID),
** stored big-endian at offset 68 of the SQLite header. */
#define OF_APPLICATION_ID 0x48505246u
#define OF_REPORT_TAG "<meta name=\"generator\" content=\"holeprof\">"

void of_plan_free(of_plan *p)
{
    free(p->path);
    free(p->through);
    free(p->tmpdir);
    memset(p, 0, sizeof *p);
}

char *of_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return hp_xstrdup(".");
    if (slash == path)
        return hp_xstrdup("/");
    return hp_xstrndup(path, (size_t)(slash - path));
}

/* Is the regular file at path (size > 0) a holeprof output of this kind?
** 1 yes, 0 no, -1 it cannot be read (errno set). */
static int of_is_ours(const char *path, of_kind kind)
{
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char head[1024];
    ssize_t n = read(fd, head, sizeof head - 1);
    int e = errno;
    close(fd);
    if (n < 0) {
        errno = e;
        return -1;
    }
    head[n] = '\0';
    if (kind == OF_DATABASE) {
        if (n < 100 || memcmp(head, "SQLite format 3", 16) != 0)
            return 0;
        const unsigned char *u = (const unsigned char *)head + 68;
        uint32_t app = (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
        return app == OF_APPLICATION_ID;
    }
    return memchr(head, '\0', (size_t)n) == NULL && strstr(head, OF_REPORT_TAG) != NULL;
}

int of_plan_output(const char *out, of_kind kind, int force, of_plan *p, hp_err *err)
{
    memset(p, 0, sizeof *p);
    const char *what = kind == OF_DATABASE ? "database" : "report";
    if (out == NULL || *out == '\0')
        return hp_errf(err, NULL, "no output path given");
    if (out[strlen(out) - 1] == '/')
        return hp_errf(err, out, "%s path names a directory", what);

    struct stat ls, st;
    if (lstat(out, &ls) != 0) {
        if (errno != ENOENT)
            return hp_errf(err, out, "cannot create %s: %s", what, strerror(errno));
        p->path = hp_xstrdup(out);          /* nothing there: create it */
        p->tmpdir = of_dirname(out);
        return 0;
    }
    const char *target = out;
    char *resolved = NULL;
    st = ls;
    if (S_ISLNK(ls.st_mode)) {
        if (stat(out, &st) != 0) {
            if (errno == ENOENT)
                return hp_errf(err, out, "is a symbolic link to a missing file; refusing to"
                               " write through it (give the target's path)");
            return hp_errf(err, out, "cannot follow symbolic link: %s", strerror(errno));
        }
        if (S_ISREG(st.st_mode)) {
            resolved = realpath(out, NULL);
            if (resolved == NULL)
                return hp_errf(err, out, "cannot resolve symbolic link: %s", strerror(errno));
            target = resolved;
        }
    }
    if (S_ISDIR(st.st_mode))
        return hp_errf(err, out, "cannot create %s: Is a directory", what);
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
        p->through = hp_xstrdup(out);
        const char *t = getenv("TMPDIR");
        p->tmpdir = hp_xstrdup(t != NULL && *t != '\0' ? t : "/tmp");
        return 0;
    }
    if (S_ISBLK(st.st_mode))
        return hp_errf(err, out, "is a block device; refusing to write a %s onto it", what);
    if (!S_ISREG(st.st_mode))
        return hp_errf(err, out, "is not a regular file, device or FIFO; refusing to write"
                       " a %s there", what);
    if (st.st_size > 0 && !force) {
        int ours = of_is_ours(target, kind);
        if (ours < 0) {
            int e = errno;
            free(resolved);
            return hp_errf(err, out, "exists and cannot be read to check that it is a"
                           " holeprof %s (%s); --force replaces it", what, strerror(e));
        }
        if (ours == 0) {
            free(resolved);
            return hp_errf(err, out, "exists and is not a holeprof %s; refusing to replace"
                           " it (--force does)", what);
        }
    }
    p->path = resolved != NULL ? resolved : hp_xstrdup(out);
    p->tmpdir = of_dirname(p->path);
    return 0;
}

/* Open an existing device or FIFO for writing, never creating, never
** truncating, and never a regular file (the node may have been replaced
** since it was planned). */
static int of_open_through(const char *through, const char *name, hp_err *err)
{
    int fd = open(through, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return hp_errf(err, name, "cannot write: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        close(fd);
        return hp_errf(err, name, "is no longer a device or FIFO; not written");
    }
    return fd;
}

static int of_write_all(int fd, const char *name, const char *buf, size_t len, hp_err *err)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return hp_errf(err, name, "cannot write: %s", n < 0 ? strerror(errno) : "short write");
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int of_write_through(const char *through, const char *name, const void *buf, size_t len,
                     hp_err *err)
{
    int fd = of_open_through(through, name, err);
    if (fd < 0)
        return -1;
    int rc = of_write_all(fd, name, buf, len, err);
    if (close(fd) != 0 && rc == 0)
        rc = hp_errf(err, name, "cannot write: %s", strerror(errno));
    return rc;
}

int of_copy_through(const char *through, const char *name, int src, hp_err *err)
{
    int fd = of_open_through(through, name, err);
    if (fd < 0)
        return -1;
    char buf[65536];
    off_t off = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = pread(src, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = hp_errf(err, name, "cannot read the finished output: %s", strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (of_write_all(fd, name, buf, (size_t)n, err) != 0) {
            rc = -1;
            break;
        }
        off += n;
    }
    if (close(fd) != 0 && rc == 0)
        rc = hp_errf(err, name, "cannot write: %s", strerror(errno));
    return rc;
}

int of_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
