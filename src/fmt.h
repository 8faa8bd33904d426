/*
** fmt.h -- printing SQL result rows as an aligned table, CSV (RFC 4180)
** or JSON (an array of objects; integers and reals as numbers, NULL as
** null, text escaped).  Used by `query`, and by later reports.
*/
#ifndef FMT_H
#define FMT_H

#include <stdio.h>
#include <sqlite3.h>
#include "hp.h"

/* FMT_SARIF and FMT_MARKDOWN are written by cifmt.c (diff, check, top);
** fmt_parse() never returns them. */
typedef enum fmt_kind { FMT_TABLE = 0, FMT_CSV, FMT_JSON, FMT_SARIF, FMT_MARKDOWN } fmt_kind;

/* "table", "csv", "json" -> kind; returns -1 if unknown. */
int fmt_parse(const char *s, fmt_kind *out);

/* Step stmt to completion, printing every row.  Returns 0 or -1 with err. */
int fmt_print_stmt(sqlite3_stmt *stmt, fmt_kind kind, FILE *out, hp_err *err);

/* Append s[0..n) to b as a JSON string literal, quotes included: control
** characters escaped, invalid UTF-8 bytes as U+FFFD (used by diff/check). */
void fmt_json_string(hp_buf *b, const char *s, size_t n);

#endif
