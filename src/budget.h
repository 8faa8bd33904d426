/*
** budget.h -- `holeprof check DB --budget FILE`: per-type layout budgets
** for CI.
**
** Contract: FILE is YAML (read with libyaml), documented in
** examples/budget.yaml:
**
**     version: 1
**     budgets:
**       - type: conn              # exact name ...
**         max_size: 64
**       - type: "ns::*"           # ... or a glob (fnmatch: * ? [...])
**         kind: struct            # optional: struct, class, union, enum
**         max_padding_bytes: 8    # hole_bytes + tail_padding
**         max_padding_percent: 10 # of size
**         max_waste_allocs: 1e6   # padding bytes x allocations
**       - exact: "Foo<int*>"      # a literal name that holds * ? or [
**
** Every type row in the database (each layout, each binary; --binary
** narrows it) takes the FIRST rule whose pattern and kind match, and only
** that rule's limits apply, so a rule without limits exempts what it
** matches.  A limit on allocations needs allocation data (diff.h's
** dif_load_extras); without it that limit is skipped with a note, never
** guessed.  Unknown keys, wrong types and negative limits are errors
** with the line number, so a typo cannot silently disable a budget.
**
** Returns HP_EXIT_OK, HP_EXIT_FOUND (err holds one line: how many
** breaches and the worst), or HP_EXIT_ERROR.
*/
#ifndef BUDGET_H
#define BUDGET_H

#include <stdio.h>
#include "fmt.h"
#include "hp.h"

typedef struct bud_opts {
    const char *budget;         /* --budget FILE */
    const char *binary;         /* --binary SEL or NULL */
    fmt_kind fmt;               /* FMT_TABLE or FMT_JSON */
} bud_opts;

int bud_check(const char *dbpath, const bud_opts *o, FILE *out, hp_err *err);

/* The parsed file, exposed for tests and for other front ends. */
#define BUD_NO_LIMIT (-1.0)

typedef struct bud_rule {
    char *pattern;
    int glob;                   /* pattern holds * ? [ and came from `type:` */
    char *kind;                 /* NULL: any */
    int line;                   /* in the file, 1-based */
    double max_size, max_padding_bytes, max_padding_percent, max_waste_allocs;
                                /* BUD_NO_LIMIT when absent */
    size_t matched;             /* types that took this rule */
} bud_rule;

typedef struct bud_file {
    bud_rule *rules;
    size_t n;
} bud_file;

int bud_load(const char *path, bud_file *f, hp_err *err);
void bud_free(bud_file *f);
/* First rule matching (kind, name), or NULL. */
bud_rule *bud_match(const bud_file *f, const char *kind, const char *name);

#endif
