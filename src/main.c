/*
** main.c -- the holeprof command line.
**
** Contract: parse arguments, dispatch to one job (analyze) or report
** (show, query, ...), and turn an hp_err into the one-line message and exit
** status every command promises: 0 success, 1 "found something" (reserved
** for diff/check), 2 error or bad usage.  This is the only file that
** prints errors.  Every command parses its options through cli_next():
** -h/--help print that command's usage block (the same text `holeprof
** --help` prints for it) on stdout and exit 0, and a bad option is one
** line on stderr naming the option and the command, exit 2 (getopt's own
** message is off).
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
#include "cifmt.h"
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

/* ---- usage: one block per command; `holeprof --help` prints them all,
** `holeprof COMMAND --help` (or -h, or `holeprof help COMMAND`) one ---- */

static const char help_analyze[] =
    "usage: holeprof analyze [OPTIONS] BINARY...\n"
    "  read the layouts (DWARF) and allocation sites (code) of each BINARY into one database\n"
    "      -o, --output FILE.db   database to write (default BASENAME.holeprof.db)\n"
    "      --force                replace FILE.db even if it is not a holeprof database\n"
    "      --update               keep FILE.db: skip binaries it holds (same path,\n"
    "                             build-id and debug file), re-read those that changed\n"
    "      --debug-file FILE      the separate debug file to use (one BINARY)\n"
    "      --debug-dir DIR        also look for debug files under DIR (repeatable)\n"
    "      --no-system-debug-dirs do not look under /usr/lib/debug\n"
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
    "      --timings              print when each phase ends (wall time) on stderr\n";

static const char help_sites[] =
    "usage: holeprof sites [OPTIONS] DB [TYPE]\n"
    "  allocation sites, grouped by type (or those of TYPE, named as for show)\n"
    "      --binary SEL           one binary: its id, build-id, path or file name\n";

static const char help_top[] =
    "usage: holeprof top [OPTIONS] DB\n"
    "  types to fix first: heap bytes saved by reordering x allocations\n"
    "  (measured, else static site weights)\n"
    "      -n N                   rows to print (default 20, 0 for all)\n"
    "      -f, --format table|csv|json|sarif|markdown  output format (default table)\n"
    "      --allocator NAME       glibc, jemalloc, mimalloc, go or kmalloc (default:\n"
    "                             go for Go, kmalloc for vmlinux, else glibc)\n"
    "      --min-saving BYTES     only types whose best order saves at least BYTES\n"
    "                             per object (size - optimal size)\n"
    "      --profile A[,B...]     count these imported profiles (several add up)\n"
    "      --binary SEL           one binary: its id, build-id, path or file name\n";

static const char help_profile[] =
    "usage: holeprof profile [OPTIONS] DB FILE\n"
    "  import allocation counts per site: a valgrind DHAT profile (--tool=dhat\n"
    "  --dhat-out-file=FILE, also field heat), heaptrack data (heaptrack -o FILE)\n"
    "  or a pprof heap/allocs profile (gzip'd or raw); a profile of another\n"
    "  program is refused\n"
    "      -q, --quiet            no summary\n"
    "      --binary SEL           the binary the profile ran (if DB holds several)\n"
    "      --name NAME            the profile's name (default: the file's base name);\n"
    "                             importing a name again replaces that profile\n"
    "usage: holeprof profile [OPTIONS] DB --drop NAME | --use A[,B...]\n"
    "  remove a profile, or count exactly these (default: each binary's newest)\n"
    "      --drop NAME            remove the profile NAME\n"
    "      --use A[,B...]         count these profiles (several add up)\n";

static const char help_show[] =
    "usage: holeprof show [OPTIONS] DB NAME...\n"
    "  each type's layout and its suggested order; NAME as the language spells it,\n"
    "  a typedef name, 'struct NAME' as top prints it, or a glob ('conn*')\n"
    "      --profile A[,B...]     count these imported profiles (several add up)\n"
    "      --binary SEL           one binary: its id, build-id, path or file name\n";

static const char help_query[] =
    "usage: holeprof query [OPTIONS] DB NAME|FILE.sql\n"
    "  run a named report (holes, worst, summary, type) or an SQL file, read-only\n"
    "      -f, --format table|csv|json  output format (default table)\n"
    "      -p, --param VALUE      bind ?1, ?2, ... in order (repeatable)\n"
    "      --profile A[,B...]     count these imported profiles (several add up)\n"
    "      --binary SEL           one binary: its id, build-id, path or file name\n";

static const char help_diff[] =
    "usage: holeprof diff [OPTIONS] OLD.db NEW.db\n"
    "  what changed between two builds\n"
    "      -f, --format table|json|sarif|markdown  output format (default table;\n"
    "                             sarif: SARIF 2.1.0 for code scanning, markdown: a\n"
    "                             pull-request comment under 65,536 characters)\n"
    "      --fail-on-regression   exit 1 if a type grew in size or waste,\n"
    "                             or the total (weighted) waste grew\n"
    "      --fail-on-growth BYTES exit 1 if a type grew by more than BYTES\n"
    "      --binary SEL           one binary: its id, build-id, path or file name\n";

static const char help_check[] =
    "usage: holeprof check [OPTIONS] DB --budget FILE.yaml\n"
    "  exit 1 if a type breaks its budget\n"
    "      --budget FILE.yaml     the budgets (required; see examples/budget.yaml)\n"
    "      -f, --format table|json|sarif|markdown  output format (default table)\n"
    "      --profile A[,B...]     count these imported profiles (several add up)\n"
    "      --binary SEL           one binary: its id, build-id, path or file name\n";

static const char help_merge[] =
    "usage: holeprof merge [OPTIONS] OUT.db IN.db...\n"
    "  one database from many (ids renumbered); OUT.db may be one of the inputs\n"
    "      -q, --quiet            no progress or summary on stderr\n"
    "      --force                replace OUT.db even if it is not a holeprof database\n";

static const char help_report[] =
    "usage: holeprof report [OPTIONS] DB [NEW.db]\n"
    "  one self-contained HTML page: summary, top offenders with byte maps, all\n"
    "  types; with NEW.db the page is for NEW.db, led by the diff from DB\n"
    "      -o, --output FILE      page to write (default report.html; - stdout)\n"
    "      --force                replace FILE even if it is not a holeprof report\n"
    "      -n N                   offenders drawn (default 10; 0 all)\n"
    "      --profile A[,B...]     count these imported profiles (several add up)\n"
    "      --binary SEL           one binary: its id, build-id, path or file name\n";

static const char help_head[] =
    "usage: holeprof COMMAND [OPTIONS] ARGS\n"
    "       holeprof COMMAND --help    the usage and options of one command\n"
    "\n";

static const char help_tail[] =
    "usage: holeprof help|--help|-h [COMMAND]\n"
    "  this text, or one command's\n"
    "usage: holeprof version|--version\n"
    "  print the version\n"
    "\n"
    "exit status: 0 success, 1 diff/check found a regression or breach (one line\n"
    "on stderr says why), 2 error (one line on stderr).\n";

static int cmd_analyze(int, char **);
static int cmd_sites(int, char **);
static int cmd_top(int, char **);
static int cmd_profile(int, char **);
static int cmd_show(int, char **);
static int cmd_query(int, char **);
static int cmd_diff(int, char **);
static int cmd_check(int, char **);
static int cmd_merge(int, char **);
static int cmd_report(int, char **);

static const struct command {
    const char *name;
    int (*run)(int, char **);
    const char *help;
} commands[] = {
    { "analyze", cmd_analyze, help_analyze },
    { "top", cmd_top, help_top },
    { "show", cmd_show, help_show },
    { "sites", cmd_sites, help_sites },
    { "profile", cmd_profile, help_profile },
    { "report", cmd_report, help_report },
    { "query", cmd_query, help_query },
    { "diff", cmd_diff, help_diff },
    { "check", cmd_check, help_check },
    { "merge", cmd_merge, help_merge },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_help(FILE *f)
{
    fputs(help_head, f);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        fputs(commands[i].help, f);
        fputc('\n', f);
    }
    fputs(help_tail, f);
}

/* The command being parsed, for messages and --help. */
static const struct command *cur;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "holeprof: ");
    fprintf(stderr, fmt, arg);
    if (cur != NULL)
        fprintf(stderr, " (see 'holeprof %s --help')\n", cur->name);
    else
        fprintf(stderr, " (see 'holeprof --help')\n");
    return HP_EXIT_ERROR;
}

/* getopt_long with holeprof's conventions, for every command: -h and
** --help print the command's usage on stdout; getopt itself prints
** nothing, so a bad option is exactly one line on stderr.  Returns the
** option, -1 at the end of the options, or CLI_STOP with *status set
** (HP_EXIT_OK after the help, HP_EXIT_ERROR after the error line). */
#define CLI_STOP (-2)
static int cli_next(int argc, char **argv, const char *shortopts,
                    const struct option *longopts, int *status)
{
    static struct option all[64];
    static char so[64];
    size_t n = 0;
    while (longopts[n].name != NULL && n + 2 < sizeof all / sizeof all[0]) {
        all[n] = longopts[n];
        n++;
    }
    all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
    all[n] = (struct option){ NULL, 0, NULL, 0 };
    snprintf(so, sizeof so, ":h%s", shortopts);
    opterr = 0;
    int prev = optind;
    int c = getopt_long(argc, argv, so, all, NULL);
    if (c == 'h') {
        fputs(cur->help, stdout);
        *status = HP_EXIT_OK;
        return CLI_STOP;
    }
    if (c == '?' || c == ':') {
        /* the option as typed: a short one by its letter, a long one from
        ** argv (getopt has moved past it; "--name=value" shown whole) */
        char shortname[3] = { '-', (char)optopt, '\0' };
        const char *name = optopt != 0 && (optind == prev || argv[optind - 1][1] != '-')
                               ? shortname : argv[optind - 1];
        char msg[256];
        snprintf(msg, sizeof msg, c == '?' ? "%s: unknown option '%%s'"
                                           : "%s: option '%%s' needs a value", cur->name);
        *status = usage_error(msg, name);
        return CLI_STOP;
    }
    return c;
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
        {"update", no_argument, NULL, 'u'},
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
    int cst = HP_EXIT_OK;
    while ((c = cli_next(argc, argv, "o:j:qr", longopts, &cst)) != -1) {
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
        case 'u': o.update = 1; break;
        default:
            free(dirs);
            free(allocs);
            return c == CLI_STOP ? cst : usage_error("%s", "bad option for analyze");
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
    int wrote = 0;
    o.wrote = &wrote;
    int st = an_run((const char **)argv + optind, (size_t)nb, &o, &err);
    if (st == HP_EXIT_OK && !o.quiet && wrote)
        fprintf(stderr, "holeprof: wrote %s\n", o.out);
    free(defout);
    free(dirs);
    free(allocs);
    return report(st, &err);
}

/* The options of a command whose only option is --binary SEL: -1 when
** parsing went through (positional arguments from optind), else the exit
** status to return. */
static int binary_only(int argc, char **argv, const char **binary)
{
    static const struct option longopts[] = {
        {"binary", required_argument, NULL, 'b'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    int cst = HP_EXIT_OK;
    while ((c = cli_next(argc, argv, "", longopts, &cst)) != -1) {
        if (c != 'b')
            return c == CLI_STOP ? cst : usage_error("bad option for %s", cur->name);
        *binary = optarg;
    }
    return -1;
}

static int cmd_sites(int argc, char **argv)
{
    const char *binary = NULL;
    int st = binary_only(argc, argv, &binary);
    if (st >= 0)
        return st;
    int na = argc - optind;
    if (na != 1 && na != 2)
        return usage_error("%s", "usage: holeprof sites DB [TYPE] [--binary SEL]");
    hp_err err = {0};
    return report(si_report(argv[optind], na == 2 ? argv[optind + 1] : NULL, binary, stdout,
                            &err), &err);
}

static int cmd_show(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"binary", required_argument, NULL, 'b'},
        {"profile", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    const char *binary = NULL;
    int c;
    optind = 1;
    int cst = HP_EXIT_OK;
    while ((c = cli_next(argc, argv, "", longopts, &cst)) != -1) {
        switch (c) {
        case 'b': binary = optarg; break;
        case 'P': pf_use_list = optarg; break;
        default:
            return c == CLI_STOP ? cst : usage_error("%s", "bad option for show");
        }
    }
    if (argc - optind < 2)
        return usage_error("%s", "usage: holeprof show DB NAME... [--binary SEL]");
    hp_err err = {0};
    return report(rep_show(argv[optind], (const char *const *)argv + optind + 1,
                           (size_t)(argc - optind - 1), binary, stdout, &err), &err);
}

static int cmd_query(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"param", required_argument, NULL, 'p'},
        {"binary", required_argument, NULL, 'b'},
        {"profile", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    fmt_kind fmt = FMT_TABLE;
    const char *binary = NULL;
    const char **params = hp_xcalloc((size_t)argc + 1, sizeof *params);
    int np = 0, c;
    optind = 1;
    int cst = HP_EXIT_OK;
    while ((c = cli_next(argc, argv, "f:p:", longopts, &cst)) != -1) {
        switch (c) {
        case 'f':
            if (fmt_parse(optarg, &fmt) != 0) {
                free(params);
                return usage_error("unknown format '%s' (table, csv, json)", optarg);
            }
            break;
        case 'p': params[np++] = optarg; break;
        case 'b': binary = optarg; break;
        case 'P': pf_use_list = optarg; break;
        default:
            free(params);
            return c == CLI_STOP ? cst : usage_error("%s", "bad option for query");
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
    int cst = HP_EXIT_OK;
    while ((c = cli_next(argc, argv, "f:", longopts, &cst)) != -1) {
        switch (c) {
        case 'f':
            if ((fmt_parse(optarg, &o.fmt) != 0 && ci_parse_format(optarg, &o.fmt) != 0)
                || o.fmt == FMT_CSV)
                return usage_error("unknown format '%s' for diff (table, json, sarif, markdown)",
                                   optarg);
            break;
        case 'b': o.binary = optarg; break;
        case 'R': o.fail_on_regression = 1; break;
        case 'G':
            if (parse_uint(optarg, 1ul << 48, &v) != 0)
                return usage_error("--fail-on-growth wants a number of bytes, not '%s'", optarg);
            o.fail_on_growth = (int64_t)v;
            break;
        default:
            return c == CLI_STOP ? cst : usage_error("%s", "bad option for diff");
        }
    }
    if (argc - optind != 2)
        return usage_error("%s", "usage: holeprof diff OLD.db NEW.db"
                           " [--format table|json|sarif|markdown]"
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
        {"profile", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    bud_opts o;
    memset(&o, 0, sizeof o);
    o.fmt = FMT_TABLE;
    int c;
    optind = 1;
    int cst = HP_EXIT_OK;
    while ((c = cli_next(argc, argv, "f:", longopts, &cst)) != -1) {
        switch (c) {
        case 'B': o.budget = optarg; break;
        case 'f':
            if ((fmt_parse(optarg, &o.fmt) != 0 && ci_parse_format(optarg, &o.fmt) != 0)
                || o.fmt == FMT_CSV)
                return usage_error("unknown format '%s' for check (table, json, sarif, markdown)",
                                   optarg);
            break;
        case 'b': o.binary = optarg; break;
        case 'P': pf_use_list = optarg; break;
        default:
            return c == CLI_STOP ? cst : usage_error("%s", "bad option for check");
        }
    }
    if (argc - optind != 1 || o.budget == NULL)
        return usage_error("%s", "usage: holeprof check DB --budget FILE.yaml"
                           " [--format table|json|sarif|markdown] [--binary SEL]");
    hp_err err = {0};
    return report(bud_check(argv[optind], &o, stdout, &err), &err);
}

static int cmd_top(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"allocator", required_argument, NULL, 'a'},
        {"binary", required_argument, NULL, 'b'},
        {"min-saving", required_argument, NULL, 'M'},
        {"profile", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    rk_opts o;
    memset(&o, 0, sizeof o);
    o.n = 20;
    o.fmt = FMT_TABLE;
    unsigned long v;
    int c;
    optind = 1;
    int cst = HP_EXIT_OK;
    while ((c = cli_next(argc, argv, "n:f:", longopts, &cst)) != -1) {
        switch (c) {
        case 'n':
            if (parse_uint(optarg, 1ul << 30, &v) != 0)
                return usage_error("-n wants a number of rows, not '%s'", optarg);
            o.n = (long)v;
            break;
        case 'f':
            if (fmt_parse(optarg, &o.fmt) != 0 && ci_parse_format(optarg, &o.fmt) != 0)
                return usage_error("unknown format '%s' (table, csv, json, sarif, markdown)",
                                   optarg);
            break;
        case 'a': o.allocator = optarg; break;
        case 'b': o.binary = optarg; break;
        case 'M':
            if (parse_uint(optarg, 1ul << 40, &v) != 0)
                return usage_error("--min-saving wants a number of bytes, not '%s'", optarg);
            o.min_saving = (int64_t)v;
            break;
        case 'P': pf_use_list = optarg; break;
        default:
            return c == CLI_STOP ? cst : usage_error("%s", "bad option for top");
        }
    }
    if (argc - optind != 1)
        return usage_error("%s", "usage: holeprof top DB [-n N]"
                           " [--format table|csv|json|sarif|markdown]"
                           " [--allocator NAME] [--min-saving BYTES] [--binary SEL]");
    hp_err err = {0};
    return report(rk_top(argv[optind], &o, stdout, &err), &err);
}

static int cmd_profile(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"binary", required_argument, NULL, 'b'},
        {"quiet", no_argument, NULL, 'q'},
        {"name", required_argument, NULL, 'N'},
        {"drop", required_argument, NULL, 'D'},
        {"use", required_argument, NULL, 'U'},
        {NULL, 0, NULL, 0},
    };
    pf_opts o;
    memset(&o, 0, sizeof o);
    o.unmatched = 5;
    const char *drop = NULL, *use = NULL;
    int quiet = 0, c;
    optind = 1;
    int cst = HP_EXIT_OK;
    while ((c = cli_next(argc, argv, "q", longopts, &cst)) != -1) {
        switch (c) {
        case 'b': o.binary = optarg; break;
        case 'q': quiet = 1; break;
        case 'N': o.name = optarg; break;
        case 'D': drop = optarg; break;
        case 'U': use = optarg; break;
        default:
            return c == CLI_STOP ? cst : usage_error("%s", "bad option for profile");
        }
    }
    hp_err err = {0};
    if ((drop || use) && argc - optind == 1) {
        int st = pf_manage(argv[optind], drop, use, quiet ? NULL : stdout, &err);
        return report(st == 0 ? HP_EXIT_OK : HP_EXIT_ERROR, &err);
    }
    if (argc - optind != 2 || drop || use)
        return usage_error("%s", "usage: holeprof profile DB FILE [--name NAME] [--binary SEL] [-q],"
                           " or holeprof profile DB --drop NAME | --use NAME[,NAME...]");
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
    int cst = HP_EXIT_OK;
    while ((c = cli_next(argc, argv, "q", longopts, &cst)) != -1) {
        if (c == 'q')
            quiet = 1;
        else if (c == 'F')
            force = 1;
        else
            return c == CLI_STOP ? cst : usage_error("%s", "bad option for merge");
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
        {"profile", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    ht_opts o;
    memset(&o, 0, sizeof o);
    o.n = 10;
    unsigned long v;
    int c;
    optind = 1;
    int cst = HP_EXIT_OK;
    while ((c = cli_next(argc, argv, "o:n:", longopts, &cst)) != -1) {
        switch (c) {
        case 'o': o.out = optarg; break;
        case 'b': o.binary = optarg; break;
        case 'P': pf_use_list = optarg; break;
        case 'F': o.force = 1; break;
        case 'n':
            if (parse_uint(optarg, 1ul << 30, &v) != 0)
                return usage_error("-n wants a number of types, not '%s'", optarg);
            o.n = (long)v;
            break;
        default:
            return c == CLI_STOP ? cst : usage_error("%s", "bad option for report");
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
        print_help(stderr);
        return HP_EXIT_ERROR;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc == 2) {
            print_help(stdout);
            return HP_EXIT_OK;
        }
        const struct command *hc = find_command(argv[2]);
        if (hc == NULL || argc > 3)
            return usage_error("help: unknown command '%s'", argv[2]);
        fputs(hc->help, stdout);
        return HP_EXIT_OK;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("holeprof %s\n", PACKAGE_VERSION);
        return HP_EXIT_OK;
    }
    /* subcommands see argv starting at their own name */
    cur = find_command(cmd);
    if (cur == NULL)
        return usage_error("unknown command '%s'", cmd);
    return cur->run(argc - 1, argv + 1);
}
