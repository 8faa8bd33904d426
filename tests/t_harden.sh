#!/bin/sh
# t_harden.sh -- hostile text and files outside the database itself
# (issue 22).  Every crafted input is made here at run time.
#
# 4. Names holding ESC, BEL and a C1 CSI (U+009B) -- a type name, a site's
#    function and file -- never reach the terminal raw: sites, show (also
#    its "did you mean" line), top, query, diff and check's stderr print
#    '?' for each control byte, through one function (hp_text_clean).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 python3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

gcc -g -O1 -o "$T/p" "$FIXTURES/conn_alloc.c" 2>"$T/cc.err" || die "gcc: $(head -c 300 "$T/cc.err")"
"$HOLEPROF" analyze -q "$T/p" -o "$T/good.db" 2>"$T/err" || die "analyze: $(head -c 300 "$T/err")"

# ---- 4. control characters in names ----
cp "$T/good.db" "$T/esc.db"
sqlite3 "$T/esc.db" "UPDATE types SET name = 'conn' || char(27) || '[31m' || char(7) || char(155)
                      WHERE name = 'conn';
    UPDATE sites SET function = 'mk' || char(27) || ']0;title' || char(7),
                     source_function = 'mk' || char(27) || '[2J',
                     file = '/x/p' || char(27) || '[1m.c', allocator = 'mal' || char(7) || 'loc';" ||
    die "cannot craft esc.db"
assert_eq "the crafted name is there" 1 "$(q "$T/esc.db" "SELECT count(*) FROM types WHERE name LIKE 'conn' || char(27) || '%'")"
printf 'budgets:\n  - type: "*"\n    max_size: 1\n' >"$T/b.yaml"
ESCNAME=$(printf 'conn\033[31m\007\302\233')
# raw COMMAND... : run it, stdout and stderr into $T/all
raw() { "$@" >"$T/all" 2>&1; }
# no_controls WHAT : $T/all holds no C0 control but newline, no DEL, no C1
no_controls() {
    _bad=$(python3 -c '
import re, sys
d = open(sys.argv[1], "rb").read()
print(len(re.findall(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", d)))' "$T/all")
    assert_eq "$1: no control bytes reach the terminal" 0 "$_bad"
}
raw "$HOLEPROF" sites "$T/esc.db"
assert_match "sites prints the site" 'conn\?\[31m\?\?\?' "$(cat "$T/all")"
no_controls "sites"
raw "$HOLEPROF" sites "$T/esc.db" "$ESCNAME"
assert_match "sites TYPE finds it" 'mk\?\[2J' "$(cat "$T/all")"
no_controls "sites TYPE"
raw "$HOLEPROF" show "$T/esc.db" "$ESCNAME"
assert_match "show prints the type" 'struct conn\?\[31m\?\?\? \{' "$(cat "$T/all")"
no_controls "show TYPE (site lines too)"
raw "$HOLEPROF" show "$T/esc.db" con
assert_match "show: did you mean" "did you mean: conn\\?\\[31m\\?\\?\\?" "$(cat "$T/all")"
no_controls "show's did-you-mean line"
raw "$HOLEPROF" top "$T/esc.db"
no_controls "top"
raw "$HOLEPROF" query "$T/esc.db" holes
no_controls "query"
raw "$HOLEPROF" diff "$T/good.db" "$T/esc.db"
no_controls "diff"
raw "$HOLEPROF" check "$T/esc.db" --budget "$T/b.yaml"
assert_match "check names the type on stderr" 'worst: struct conn\?\[31m\?\?\?' "$(cat "$T/all")"
no_controls "check (stdout and stderr)"
raw "$HOLEPROF" report "$T/esc.db" -o "$T/r.html"
cp "$T/r.html" "$T/all"
no_controls "report's HTML"

finish
