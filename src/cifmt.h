/*
** cifmt.h -- the CI output formats of diff, check and top: SARIF 2.1.0
** for code scanning, Markdown for a pull-request comment.
**
** Contract: a report fills a ci_log with its findings (each one rule of
** a fixed table, a level, a message, the type's declaration file:line
** and an identity that stays the same from build to build) and Markdown
** lines; this module only writes them.
**
** SARIF: one run of tool "holeprof" whose driver lists the report's
** rules (each with an id, a name, short and full descriptions and a
** default level); each result names its rule by ruleId and ruleIndex,
** has level error, warning or note, message.text, one physicalLocation
** (the declaration file, with region.startLine when the line is known;
** the binary itself when the file is not) and partialFingerprints
** {"holeprofType/v1": 16 hex digits of a hash of the identity} -- no line
** in it, so a finding that only moved keeps its alert.  A file under the
** current directory becomes a URI relative to it with uriBaseId
** %SRCROOT% (originalUriBaseIds gives the directory); any other path is
** an absolute file: URI.  At most CI_MAX_RESULTS results are written, in
** the order added (reports add the worst first); a
** toolExecutionNotification says how many more there were.
**
** Markdown: what the report appended with ci_md_*, cut at a line
** boundary so the whole text stays under CI_MD_LIMIT bytes (GitHub's
** comment limit is 65,536 characters; bytes are never fewer), the last
** line then saying how many lines were left out.  Text from a database
** goes into code spans with backticks and pipes neutralised and control
** characters replaced, so a type name cannot break a table or inject
** markup.
*/
#ifndef CIFMT_H
#define CIFMT_H

#include <stdint.h>
#include <stdio.h>
#include "fmt.h"
#include "hp.h"

#define CI_MAX_RESULTS 5000
#define CI_MD_LIMIT 65000

typedef enum ci_level { CI_NOTE = 0, CI_WARNING, CI_ERROR } ci_level;

typedef struct ci_rule {
    const char *id;             /* "layout-regression" */
    const char *name;           /* "LayoutRegression" */
    const char *short_desc, *full_desc;
    ci_level level;             /* default configuration */
} ci_rule;

typedef struct ci_result {
    size_t rule;                /* index into the rule table */
    ci_level level;
    char *message, *file, *binary, *identity;
    int64_t line;               /* 0: unknown */
} ci_result;

typedef struct ci_log {
    const ci_rule *rules;
    size_t nrules;
    ci_result *r;
    size_t n, cap;
    hp_buf md;                  /* the Markdown text */
} ci_log;

/* "sarif" -> FMT_SARIF, "markdown" or "md" -> FMT_MARKDOWN; -1 if neither. */
int ci_parse_format(const char *s, fmt_kind *out);

/* Add a finding.  file may be NULL (binary is used as the location), line
** 0 when unknown; identity is hashed into the fingerprint. */
void ci_add(ci_log *l, size_t rule, ci_level level, const char *file, int64_t line,
            const char *binary, const char *identity, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* Markdown: raw text (the caller's own, trusted), and `s` as a code span. */
void ci_md(ci_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ci_md_code(ci_log *l, const char *s);
/* A table row: cells are already Markdown (use ci_md_cell_code for data). */
void ci_md_row(ci_log *l, const char *const *cells, size_t n);
char *ci_md_cell_code(const char *s);     /* malloc'd code span */
/* A list item "- note: `...`" per line of notes (n lines, each ending in
** '\n'), after a blank line. */
void ci_md_notes(ci_log *l, const char *notes, size_t n);

/* Append the SARIF log (fmt FMT_SARIF) or the Markdown text, cut to
** CI_MD_LIMIT (any other fmt), to out. */
void ci_render(ci_log *l, fmt_kind fmt, hp_buf *out);
void ci_free(ci_log *l);

#endif
