#!/bin/sh
# t_docs.sh -- the documentation says what the program does (issue 20):
# the options of every command's --help, the man page (SYNOPSIS and
# OPTIONS) and README.md's Usage block agree; README.md's example outputs
# are what the commands print now (run here, from the examples/sample the
# build made); the man page's EXAMPLES run.  tests/docs_check.py does the
# comparing and prints any difference line by line.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need python3 sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
SAMPLE=$TOP_BUILDDIR/examples/sample
[ -x "$SAMPLE" ] || die "examples/sample not built: $SAMPLE"
README=$TOP_SRCDIR/README.md
MAN=$TOP_SRCDIR/doc/holeprof.1

# options: --help = man page = README
if python3 "$TOP_SRCDIR/tests/docs_check.py" options "$HOLEPROF" "$README" "$MAN" >"$T/opt.log" 2>&1
then pass; else fail "options differ between --help, the man page and README.md:
$(cat "$T/opt.log")"; fi
tail -n 1 "$T/opt.log"

# examples: a checkout-like tree, build/ holding the program and the sample
W=$T/w
mkdir -p "$W/build/src" "$W/build/examples" "$W/examples" "$W/bin" "$W/man"
ln -s "$HOLEPROF" "$W/build/src/holeprof"
cp "$SAMPLE" "$W/build/examples/sample"
cp "$TOP_SRCDIR/examples/budget.yaml" "$W/examples/budget.yaml"
# the man page's examples: `holeprof` on PATH, ./server (the sample),
# two builds to diff, a budget, a query file of one's own
ln -s "$HOLEPROF" "$W/bin/holeprof"
cp "$SAMPLE" "$W/man/server"
cp "$TOP_SRCDIR/examples/budget.yaml" "$W/man/budget.yaml"
printf 'SELECT count(*) AS types FROM types;\n' >"$W/man/my-report.sql"
"$HOLEPROF" analyze -q "$W/man/server" -o "$W/man/old.db" || die "analyze server failed"
cp "$W/man/old.db" "$W/man/new.db"
if python3 "$TOP_SRCDIR/tests/docs_check.py" examples "$HOLEPROF" "$README" "$MAN" "$W" \
    >"$T/ex.log" 2>&1
then pass; else fail "README.md or man page examples differ from what the commands print:
$(cat "$T/ex.log")"; fi
grep '^note:' "$T/ex.log"
tail -n 1 "$T/ex.log"

# every named query `holeprof query` offers runs; diff.sql, for the sqlite3
# shell only, is refused in one line saying what to use, and not offered
DB=$W/man/old.db
assert_status "[query] unknown name lists the queries" 2 "$HOLEPROF" query "$DB" no-such-query
avail=$(sed -n 's/.*(available: \(.*\))$/\1/p' "$T/err" | tr -d ',')
assert_match "[query] some queries offered" "holes" "$avail"
for qn in $avail; do
    case $qn in type) set -- -p conn ;; *) set -- ;; esac
    assert_status "[query] offered query $qn runs" 0 "$HOLEPROF" query "$@" "$DB" "$qn"
done
case " $avail " in *" diff "*) fail "[query] diff is offered" ;; *) pass ;; esac
assert_status "[query] diff refused" 2 "$HOLEPROF" query "$DB" diff
assert_eq "[query] diff: one line" 1 "$(wc -l <"$T/err")"
assert_match "[query] diff: says what to use" "diff.sql: not a query for holeprof query: .*holeprof diff OLD.db NEW.db" \
    "$(cat "$T/err")"

finish
