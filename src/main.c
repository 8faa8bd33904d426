/*
** main.c -- the holeprof command line.
**
** Contract: parse arguments, dispatch to one job (analyze) or report
** (show, query), and turn an hp_err into the one-line message and exit
** status every command promises: 0 success, 1 "found something" (reserved
** for diff/check), 2 error or bad usage.  This is the only file that
** prints errors.
*/
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "budget.h"
#include "diff.h"
#include "fmt.h"
#include "hp.h"
#include "html.h"
#include "profile.h"
#include "rank.h"
#include "report.h"
#include "sites.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

static const char usage_text[] =
    "usage: holeprof COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  analyze BINARY... [-o FILE.db]   read layouts from DWARF into a database\n"
    "      -o, --output FILE      database to write (default BINARY.holeprof.db)\n"
    "      --debug-file FILE      the separate debug file to use\n"
    "      --debug-dir DIR        also look for debug files under DIR (repeatable)\n"
    "      --cacheline N          cacheline size in bytes (default 64)\n"
    "      -j, --jobs N           worker threads (default: number of CPUs)\n"
    "      --no-local-types       skip types defined inside functions (faster)\n"
    "      --exact-dedup          read every definition in full, even when an earlier\n"
    "                             unit defined the same name at the same file:line\n"
    "      -q, --quiet            no progress or summary on stderr\n"
    "      --no-sites, --types-only  do not look for allocation sites in the code\n"
    "      -r, --recursive        analyze the ELF files under directory arguments;\n"
    "                             files without debug info are skipped\n"
    "      --alloc NAME:SIZE[:COUNT]  NAME allocates: size (and count) in these\n"
    "                             argument positions, from 0 (repeatable)\n"
    "      --alloc-config FILE    more NAME:SIZE[:COUNT] lines ('#' comments)\n"
    "      --timings              print when each phase ends (wall time) on stderr\n"
    "      --force                replace FILE.db even if it is not a holeprof database\n"
    "  sites DB [TYPE]                  allocation sites, grouped by type\n"
    "  top DB                           types to fix first: heap bytes saved by reordering\n"
    "                                   x allocations (measured, else static site weights)\n"
    "      -n N                         rows to print (default 20, 0 for all)\n"
    "      -f, --format table|csv|json  output format (default table)\n"
    "      --allocator NAME             glibc, jemalloc, mimalloc, go or kmalloc (default:\n"
    "                                   go for Go, kmalloc for vmlinux, else glibc)\n"
    "  profile DB FILE                  import allocation counts per site: a valgrind DHAT\n"
    "                                   profile (--tool=dhat --dhat-out-file=FILE, also\n"
    "                                   field heat), heaptrack data (heaptrack -o FILE)\n"
    "                                   or a Go pprof heap/allocs profile\n"
    "  show DB NAME                     a type's layout and its suggested order\n"
    "  query DB NAME|FILE.sql           run a named report or an SQL file\n"
    "      -f, --format table|csv|json  output format (default table)\n"
    "      -p, --param VALUE            bind ?1, ?2, ... in order (repeatable)\n"
    "  diff OLD.db NEW.db               what changed between two builds\n"
    "      -f, --format table|json      output format (default table)\n"
    "      --fail-on-regression         exit 1 if a type grew in size or waste,\n"
    "                                   or the total (weighted) waste grew\n"
    "      --fail-on-growth BYTES       exit 1 if a type grew by more than BYTES\n"
    "  check DB --budget FILE.yaml      exit 1 if a type breaks its budget\n"
    "      -f, --format table|json      output format (default table)\n"
    "  merge OUT.db IN.db...            one database from many (ids renumbered)\n"
    "      --force                      replace OUT.db even if it is not a holeprof database\n"
    "  report DB [-o FILE.html]         one self-contained HTML page: summary, top\n"
    "                                   offenders with byte maps, all types\n"
    "  report OLD.db NEW.db -o FILE     the same for NEW.db, led by the diff\n"
    "      -o, --output FILE            page to write (default report.html; - stdout)\n"
    "      -n N                         offenders drawn (default 10; 0 all)\n"
    "      --force                      replace FILE even if it is not a holeprof report\n"
    "  --binary PATH|BUILD_ID|ID        show, query, diff, check, top, profile, report:\n"
    "                                   one binary\n"
    "  help, --help                     this text\n"
    "  version, --version               print the version\n"
    "\n"
    "exit status: 0 success, 1 diff/check found a regression or breach (one line\n"
    "on stderr says why), 2 error (one line on stderr).\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "holeprof: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'holeprof --help')\n");
    return HP_EXIT_ERROR;
}

static int report(int status, hp_err *err)
{
    if (status != HP_EXIT_OK && err->set)
        fprintf(stderr, "holeprof: %s\n", err->msg);
    else if (status == HP_EXIT_ERROR)
        fprintf(stderr, "holeprof: failed\n");
    return status;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (s == NULL || *s == '\0' || *s == '-')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int cmd_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"debug-file", required_argument, NULL, 'D'},
        {"debug-dir", required_argument, NULL, 'd'},
        {"cacheline", required_argument, NULL, 'c'},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"no-local-types", no_argument, NULL, 'L'},
        {"no-system-debug-dirs", no_argument, NULL, 'S'},
        {"exact-dedup", no_argument, NULL, 'E'},
        {"no-sites", no_argument, NULL, 'N'},
        {"types-only", no_argument, NULL, 'N'},
        {"recursive", no_argument, NULL, 'r'},
        {"alloc", required_argument, NULL, 'A'},
        {"alloc-config", required_argument, NULL, 'C'},
        {"timings", no_argument, NULL, 'T'},
        {"force", no_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    hp_phase_start();
    an_opts o;
    memset(&o, 0, sizeof o);
    o.cacheline = 64;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = ncpu > 0 ? (int)ncpu : 1;
    const char **dirs = hp_xcalloc((size_t)argc + 1, sizeof *dirs);
    const char **allocs = hp_xcalloc((size_t)argc + 1, sizeof *allocs);
    int c;
    unsigned long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:qr", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o.out = optarg; break;
        case 'D': o.debug_file = optarg; break;
        case 'd': dirs[o.ndebug_dirs++] = optarg; break;
        case 'c':
            if (parse_uint(optarg, 1u << 20, &v) != 0 || v == 0 || (v & (v - 1)) != 0) {
                free(dirs);
                free(allocs);
                return usage_error("--cacheline wants a power of two, not '%s'", optarg);
            }
            o.cacheline = (uint32_t)v;
            break;
        case 'j':
            if (parse_uint(optarg, 256, &v) != 0 || v == 0) {
                free(dirs);
                free(allocs);
                return usage_error("-j wants a number from 1 to 256, not '%s'", optarg);
            }
            o.jobs = (int)v;
            break;
        case 'q': o.quiet = 1; break;
        case 'L': o.skip_functions = 1; break;
        case 'S': o.no_system_dirs = 1; break;
        case 'E': o.exact_dedup = 1; break;
        case 'N': o.no_sites = 1; break;
        case 'r': o.recursive = 1; break;
        case 'A': {
            si_user_alloc ua;
            hp_err aerr = {0};
            if (si_parse_alloc(optarg, &ua, &aerr) != 0) {
                free(dirs);
                free(allocs);
                return usage_error("%s", aerr.msg);
            }
            free(ua.name);
            allocs[o.nallocs++] = optarg;
            break;
        }
        case 'C': o.alloc_config = optarg; break;
        case 'T': hp_timings = 1; break;
        case 'F': o.force = 1; break;
        default:
            free(dirs);
            free(allocs);
            return usage_error("%s", "bad option for analyze");
        }
    }
    o.debug_dirs = dirs;
    o.allocs = allocs;
    int nb = argc - optind;
    if (nb <= 0) {
        free(dirs);
        free(allocs);
        return usage_error("%s", "analyze needs a BINARY");
    }
    if (o.debug_file && nb > 1) {
        free(dirs);
        free(allocs);
        return usage_error("%s", "--debug-file applies to a single BINARY");
    }
    char *defout = NULL;
    if (o.out == NULL) {
        if (nb > 1 || o.recursive) {
            free(dirs);
            free(allocs);
            return usage_error("%s", "several binaries (or --recursive) need -o FILE.db");
        }
        o.out = defout = an_default_out(argv[optind]);
    }
    hp_err err = {0};
    int st = an_run((const char **)argv + optind, (size_t)nb, &o, &err);
    if (st == HP_EXIT_OK && !o.quiet)
        fprintf(stderr, "holeprof: wrote %s\n", o.out);
    free(defout);
    free(dirs);
    free(allocs);
    return report(st, &err);
}

static int cmd_sites(int argc, char **argv)
{
    if (argc != 2 && argc != 3)
        return usage_error("%s", "usage: holeprof sites DB [TYPE]");
    hp_err err = {0};
    return report(si_report(argv[1], argc == 3 ? argv[2] : NULL, stdout, &err), &err);
}

static int cmd_show(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"binary", required_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    const char *binary = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c != 'b')
            return usage_error("%s", "bad option for show");
        binary = optarg;
    }
    if (argc - optind != 2)
        return usage_error("%s", "usage: holeprof show DB NAME [--binary SEL]");
    hp_err err = {0};
    return report(rep_show(argv[optind], argv[optind + 1], binary, stdout, &err), &err);
}

static int cmd_query(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"param", required_argument, NULL, 'p'},
        {"binary", required_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    fmt_kind fmt = FMT_TABLE;
    const char *binary = NULL;
    const char **params = hp_xcalloc((size_t)argc + 1, sizeof *params);
    int np = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:p:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (fmt_parse(optarg, &fmt) != 0) {
                free(params);
                return usage_error("unknown format '%s' (table, csv, json)", optarg);
            }
            break;
        case 'p': params[np++] = optarg; break;
        case 'b': binary = optarg; break;
        default:
            free(params);
            return usage_error("%s", "bad option for query");
        }
    }
    if (argc - optind != 2) {
        free(params);
        return usage_error("%s", "usage: holeprof query DB NAME|FILE.sql [--format F] [--param V]...");
    }
    hp_err err = {0};
    int st = rep_query(argv[optind], argv[optind + 1], binary, fmt, params, np, stdout, &err);
    free(params);
    return report(st, &err);
}

static int cmd_diff(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"binary", required_argument, NULL, 'b'},
        {"fail-on-regression", no_argument, NULL, 'R'},
        {"fail-on-growth", required_argument, NULL, 'G'},
        {NULL, 0, NULL, 0},
    };
    dif_opts o;
    memset(&o, 0, sizeof o);
    o.fmt = FMT_TABLE;
    o.fail_on_growth = -1;
    unsigned long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (fmt_parse(optarg, &o.fmt) != 0 || o.fmt == FMT_CSV)
                return usage_error("unknown format '%s' for diff (table, json)", optarg);
            break;
        case 'b': o.binary = optarg; break;
        case 'R': o.fail_on_regression = 1; break;
        case 'G':
            if (parse_uint(optarg, 1ul << 48, &v) != 0)
                return usage_error("--fail-on-growth wants a number of bytes, not '%s'", optarg);
            o.fail_on_growth = (int64_t)v;
            break;
        default:
            return usage_error("%s", "bad option for diff");
        }
    }
    if (argc - optind != 2)
        return usage_error("%s", "usage: holeprof diff OLD.db NEW.db [--format table|json]"
                           " [--fail-on-regression] [--fail-on-growth BYTES] [--binary SEL]");
    hp_err err = {0};
    return report(dif_run(argv[optind], argv[optind + 1], &o, stdout, &err), &err);
}

static int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"budget", required_argument, NULL, 'B'},
        {"format", required_argument, NULL, 'f'},
        {"binary", required_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    bud_opts o;
    memset(&o, 0, sizeof o);
    o.fmt = FMT_TABLE;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
        switch (c) {
        case 'B': o.budget = optarg; break;
        case 'f':
            if (fmt_parse(optarg, &o.fmt) != 0 || o.fmt == FMT_CSV)
                return usage_error("unknown format '%s' for check (table, json)", optarg);
            break;
        case 'b': o.binary = optarg; break;
        default:
            return usage_error("%s", "bad option for check");
        }
    }
    if (argc - optind != 1 || o.budget == NULL)
        return usage_error("%s", "usage: holeprof check DB --budget FILE.yaml [--format table|json]"
                           " [--binary SEL]");
    hp_err err = {0};
    return report(bud_check(argv[optind], &o, stdout, &err), &err);
}

static int cmd_top(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"allocator", required_argument, NULL, 'a'},
        {"binary", required_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    rk_opts o;
    memset(&o, 0, sizeof o);
    o.n = 20;
    o.fmt = FMT_TABLE;
    unsigned long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:f:", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (parse_uint(optarg, 1ul << 30, &v) != 0)
                return usage_error("-n wants a number of rows, not '%s'", optarg);
            o.n = (long)v;
            break;
        case 'f':
            if (fmt_parse(optarg, &o.fmt) != 0)
                return usage_error("unknown format '%s' (table, csv, json)", optarg);
            break;
        case 'a': o.allocator = optarg; break;
        case 'b': o.binary = optarg; break;
        default:
            return usage_error("%s", "bad option for top");
        }
    }
    if (argc - optind != 1)
        return usage_error("%s", "usage: holeprof top DB [-n N] [--format table|csv|json]"
                           " [--allocator NAME] [--binary SEL]");
    hp_err err = {0};
    return report(rk_top(argv[optind], &o, stdout, &err), &err);
}

static int cmd_profile(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"binary", required_argument, NULL, 'b'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    pf_opts o;
    memset(&o, 0, sizeof o);
    o.unmatched = 5;
    int quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': o.binary = optarg; break;
        case 'q': quiet = 1; break;
        default:
            return usage_error("%s", "bad option for profile");
        }
    }
    if (argc - optind != 2)
        return usage_error("%s", "usage: holeprof profile DB FILE [--binary SEL] [-q]");
    hp_err err = {0};
    int st = pf_import(argv[optind], argv[optind + 1], &o, quiet ? NULL : stdout, &err);
    return report(st == 0 ? HP_EXIT_OK : HP_EXIT_ERROR, &err);
}

static int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"force", no_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    int quiet = 0, force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
        if (c == 'q')
            quiet = 1;
        else if (c == 'F')
            force = 1;
        else
            return usage_error("%s", "bad option for merge");
    }
    if (argc - optind < 2)
        return usage_error("%s", "usage: holeprof merge OUT.db IN.db...");
    hp_err err = {0};
    int st = mrg_merge(argv[optind], (const char *const *)argv + optind + 1,
                       (size_t)(argc - optind - 1), force, quiet ? NULL : stderr, &err);
    if (st == HP_EXIT_OK && !quiet)
        fprintf(stderr, "holeprof: wrote %s\n", argv[optind]);
    return report(st, &err);
}

static int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"binary", required_argument, NULL, 'b'},
        {"force", no_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    ht_opts o;
    memset(&o, 0, sizeof o);
    o.n = 10;
    unsigned long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:n:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o.out = optarg; break;
        case 'b': o.binary = optarg; break;
        case 'F': o.force = 1; break;
        case 'n':
            if (parse_uint(optarg, 1ul << 30, &v) != 0)
                return usage_error("-n wants a number of types, not '%s'", optarg);
            o.n = (long)v;
            break;
        default:
            return usage_error("%s", "bad option for report");
        }
    }
    int ndb = argc - optind;
    if (ndb != 1 && ndb != 2)
        return usage_error("%s", "usage: holeprof report DB [-o FILE.html] [-n N] [--binary SEL],"
                           " or holeprof report OLD.db NEW.db -o FILE.html");
    hp_err err = {0};
    int st = ht_report(argv[optind], ndb == 2 ? argv[optind + 1] : NULL, &o, &err);
    if (st == HP_EXIT_OK && o.out != NULL && strcmp(o.out, "-") != 0)
        fprintf(stderr, "holeprof: wrote %s\n", o.out);
    else if (st == HP_EXIT_OK && o.out == NULL)
        fprintf(stderr, "holeprof: wrote report.html\n");
    return report(st, &err);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return HP_EXIT_ERROR;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage_text, stdout);
        return HP_EXIT_OK;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("holeprof %s\n", PACKAGE_VERSION);
        return HP_EXIT_OK;
    }
    /* subcommands see argv starting at their own name */
    if (!strcmp(cmd, "analyze"))
        return cmd_analyze(argc - 1, argv + 1);
    if (!strcmp(cmd, "show"))
        return cmd_show(argc - 1, argv + 1);
    if (!strcmp(cmd, "sites"))
        return cmd_sites(argc - 1, argv + 1);
    if (!strcmp(cmd, "query"))
        return cmd_query(argc - 1, argv + 1);
    if (!strcmp(cmd, "diff"))
        return cmd_diff(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "top"))
        return cmd_top(argc - 1, argv + 1);
    if (!strcmp(cmd, "profile"))
        return cmd_profile(argc - 1, argv + 1);
    if (!strcmp(cmd, "merge"))
        return cmd_merge(argc - 1, argv + 1);
    if (!strcmp(cmd, "report"))
        return cmd_report(argc - 1, argv + 1);
    return usage_error("unknown command '%s'", cmd);
}
