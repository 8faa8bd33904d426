#!/bin/sh
# t_limits_doc.sh -- the man page's LIMITS section states the limits the
# code has (issue 22): tests/limits_check.py reads each bound from the
# source (its #define) and
# looks for it, as the man page writes it, in LIMITS (and the defaults
# ENVIRONMENT repeats).  A default changed on one side only fails here.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need python3
if python3 "$TOP_SRCDIR/tests/limits_check.py" "$TOP_SRCDIR" >"$T/out" 2>&1; then pass; else
    fail "the man page's LIMITS and the code differ:
$(cat "$T/out")"
fi
assert_match "every limit was looked up" '^[3-9][0-9] limits checked, 0 differ$' "$(tail -n 1 "$T/out")"
finish
